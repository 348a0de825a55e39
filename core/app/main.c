/*
 * main: the `centra-gxo` command line. One table names every command,
 * its handler and its help line; options common to the store commands
 * are parsed once into struct cg_cli.
 */
#include "app/cli.h"
#include "app/config.h"
#include "app/demo.h"
#include "app/engine.h"
#include "base/mem.h"
#include "flows/hooks.h"
#include "rules/host.h"

#include <stdio.h>
#include <string.h>

static int cmd_run(const struct cg_cli *c)
{
  if (c->config == NULL) {
    fprintf(stderr, "centra-gxo: run needs -c CONFIG\n");
    return 2;
  }
  return cg_engine_run(c->config);
}

static int cmd_config_help(const struct cg_cli *c)
{
  cg_config_help(stdout);
  return 0;
}

static int cmd_version(const struct cg_cli *c)
{
  printf("centra-gxo %s\n", CG_VERSION);
  return 0;
}

struct command {
  const char *name;
  int (*fn)(const struct cg_cli *c);
  const char *usage;
};

static const struct command commands[] = {
    {"run", cmd_run, "run -c CONFIG            run the engine"},
    {"exceptions", cg_cli_exceptions,
     "exceptions list|retry ID|resolve ID -c CONFIG [--merchant ID] [--all] "
     "[--type T] [--note TEXT]"},
    {"orders", cg_cli_orders, "orders show NUMBER -c CONFIG [--merchant ID]"},
    {"stock", cg_cli_stock,
     "stock show SKU -c CONFIG [--merchant ID] [--json]   the warehouse "
     "figure, P, last push and reconcile"},
    {"items", cg_cli_items,
     "items pending|show SKU -c CONFIG [--merchant ID] [--state "
     "pending|rejected] [--after SKU] [--json]   the item master: launch "
     "readiness, one SKU"},
    {"status", cg_cli_status, "status -c CONFIG [--merchant ID]"},
    {"rules", cg_cli_rules, "rules check|test PACK_DIR"},
    {"centra", cg_cli_centra,
     "centra documents | centra check -c CONFIG [--merchant ID] | "
     "centra check --introspection FILE"},
    {"config-help", cmd_config_help,
     "config-help              every config "
     "key with its default"},
    {"version", cmd_version, "version"},
};

static void usage(FILE *out)
{
  fprintf(out, "usage: centra-gxo <command> [options]\n\n"
               "  demo [--orders N] [--seed N] [--for SECONDS] [--json]\n");
  for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++)
    fprintf(out, "  %s\n", commands[i].usage);
}

/* Fills c from argv[2..]; returns 0 or 2 on a bad option. */
static int parse(int argc, char **argv, struct cg_cli *c, const char **pos)
{
  memset(c, 0, sizeof(*c));
  c->args = pos;
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    const char **slot = NULL;
    if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0)
      slot = &c->config;
    else if (strcmp(a, "--merchant") == 0)
      slot = &c->merchant;
    else if (strcmp(a, "--note") == 0)
      slot = &c->note;
    else if (strcmp(a, "--type") == 0)
      slot = &c->type;
    else if (strcmp(a, "--introspection") == 0)
      slot = &c->introspection;
    else if (strcmp(a, "--state") == 0)
      slot = &c->state;
    else if (strcmp(a, "--after") == 0)
      slot = &c->after;
    else if (strcmp(a, "--all") == 0)
      c->all = 1;
    else if (strcmp(a, "--json") == 0)
      c->json = 1;
    else if (a[0] == '-') {
      fprintf(stderr, "centra-gxo: unknown option %s\n", a);
      return 2;
    } else
      pos[c->nargs++] = a;
    if (slot != NULL) {
      if (++i >= argc) {
        fprintf(stderr, "centra-gxo: %s needs a value\n", a);
        return 2;
      }
      *slot = argv[i];
    }
  }
  return 0;
}

int main(int argc, char **argv)
{
  cg_mem_init();
  /* Every command that loads a pack, and the rule host, needs the hooks
   * the flows call and the order plan (flows/hooks.h). */
  if (cg_hooks_register() != 0) {
    fprintf(stderr, "centra-gxo: the rule hooks did not register\n");
    return 1;
  }
  if (argc < 2 || strcmp(argv[1], "help") == 0 ||
      strcmp(argv[1], "--help") == 0) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (strcmp(argv[1], "demo") == 0)
    return cg_demo_main(argc - 1, argv + 1);
  /* Hidden: the engine starts its rule hosts this way (rules/host.h). */
  if (strcmp(argv[1], "__rule-host") == 0)
    return cg_rulehost_main(argc - 1, argv + 1);
  const char *pos[64];
  struct cg_cli c;
  if (argc > 64 || parse(argc, argv, &c, pos) != 0)
    return 2;
  for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++)
    if (strcmp(commands[i].name, argv[1]) == 0)
      return commands[i].fn(&c);
  fprintf(stderr, "centra-gxo: unknown command '%s'\n\n", argv[1]);
  usage(stderr);
  return 2;
}
