/*
 * cli: see cli.h. Every command prints for people by default; the
 * exit code is 0 on success, 1 on a failed action, 2 on bad usage or
 * config.
 */
#include "app/cli.h"

#include "app/config.h"
#include "base/err.h"
#include "base/mem.h"
#include "base/time.h"
#include "base/json.h"
#include "rules/host.h"
#include "rules/rules.h"
#include "store/store.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

int cg_cli_pick_merchant(const struct cg_cli *c, struct cg_config **cfg,
                         const struct cg_config_merchant **mc)
{
  struct cg_err err = {0};
  *mc = NULL;
  if (c->config == NULL) {
    fprintf(stderr, "centra-gxo: -c CONFIG is required\n");
    return 2;
  }
  if ((*cfg = cg_config_load(c->config, &err)) == NULL) {
    fprintf(stderr, "centra-gxo: %s\n", err.msg);
    return 2;
  }
  for (size_t i = 0; i < (*cfg)->nmerchants; i++)
    if (c->merchant ? strcmp((*cfg)->merchants[i].id, c->merchant) == 0
                    : (*cfg)->nmerchants == 1)
      *mc = &(*cfg)->merchants[i];
  if (*mc == NULL) {
    fprintf(stderr, "centra-gxo: %s\n",
            c->merchant ? "no merchant with that id in the config"
                        : "several merchants: name one with --merchant ID");
    cg_config_free(*cfg);
    *cfg = NULL;
    return 2;
  }
  return 0;
}

int cg_cli_session_open(const struct cg_cli *c, struct cg_cli_session *s)
{
  struct cg_err err = {0};
  memset(s, 0, sizeof(*s));
  int rc = cg_cli_pick_merchant(c, &s->cfg, &s->mc);
  if (rc != 0)
    return rc;
  char path[1024];
  struct cg_store_opts o = {
      .path = cg_config_path(s->cfg, s->mc->store, path, sizeof(path)),
      .name = s->mc->id};
  if (cg_store_open(&o, &s->store, &err) != 0) {
    fprintf(stderr, "centra-gxo: merchant '%s': %s\n", s->mc->id, err.msg);
    cg_config_free(s->cfg);
    return 1;
  }
  return 0;
}

void cg_cli_session_close(struct cg_cli_session *s)
{
  cg_store_close(s->store);
  cg_config_free(s->cfg);
}

void cg_cli_print_at(const char *label, int64_t ms)
{
  char buf[40];
  printf("%s%s", label,
         ms ? cg_time_format_iso8601_s(ms, buf, sizeof(buf)) : "never");
}

static void print_time(int64_t ms)
{
  char buf[40];
  printf("%s", ms ? cg_time_format_iso8601_s(ms, buf, sizeof(buf)) : "-");
}

static int list_exceptions(const struct cg_cli *c, struct cg_cli_session *s)
{
  struct cg_store_exception_filter f = {
      .state = c->all ? NULL : "open", .type = c->type, .limit = 1000};
  struct cg_store_exception_list list = {0};
  struct cg_err err = {0};
  if (cg_store_exception_list(s->store, &f, &list, &err) != 0) {
    fprintf(stderr, "centra-gxo: %s\n", err.msg);
    return 1;
  }
  printf("%-6s %-18s %-8s %-10s %-16s %-9s %5s  %s\n", "ID", "TYPE", "ENTITY",
         "KEY", "OWNER", "STATE", "COUNT", "MESSAGE");
  for (size_t i = 0; i < list.n; i++) {
    const struct cg_store_exception *x = &list.items[i];
    printf("%-6lld %-18s %-8s %-10s %-16s %-9s %5lld  %s%s\n", (long long)x->id,
           x->type, x->entity_kind, x->entity_key, x->owner ? x->owner : "-",
           x->state, (long long)x->count, x->message,
           x->retry_requested_at ? " [retry requested]" : "");
  }
  printf("%zu exception(s)\n", list.n);
  cg_store_exception_list_clear(&list);
  return 0;
}

static int act_exception(const struct cg_cli *c, struct cg_cli_session *s,
                         bool retry)
{
  struct cg_err err = {0};
  if (c->nargs < 2) {
    fprintf(stderr, "centra-gxo: exceptions %s ID\n",
            retry ? "retry" : "resolve");
    return 2;
  }
  int64_t id = strtoll(c->args[1], NULL, 10);
  int rc = retry
               ? cg_store_exception_request_retry(s->store, id, &err)
               : cg_store_exception_resolve(s->store, id, "cli", c->note, &err);
  if (rc != 0) {
    fprintf(stderr, "centra-gxo: exception %lld: %s\n", (long long)id,
            rc == CG_ENOTFOUND ? "no such exception" : err.msg);
    return 1;
  }
  printf(retry ? "exception %lld: retry requested; the running engine "
                 "retries it within a second\n"
               : "exception %lld resolved\n",
         (long long)id);
  return 0;
}

int cg_cli_exceptions(const struct cg_cli *c)
{
  struct cg_cli_session s;
  const char *verb = c->nargs > 0 ? c->args[0] : "list";
  if (strcmp(verb, "list") && strcmp(verb, "retry") &&
      strcmp(verb, "resolve")) {
    fprintf(stderr, "centra-gxo: exceptions list|retry ID|resolve ID\n");
    return 2;
  }
  int rc = cg_cli_session_open(c, &s);
  if (rc != 0)
    return rc;
  if (strcmp(verb, "list") == 0)
    rc = list_exceptions(c, &s);
  else
    rc = act_exception(c, &s, strcmp(verb, "retry") == 0);
  cg_cli_session_close(&s);
  return rc;
}

static void print_order(struct cg_cli_session *s,
                        const struct cg_store_order *o)
{
  printf("order %s  state %s", o->number, cg_store_order_state_name(o->state));
  if (o->hold_reason)
    printf(" (%s)", o->hold_reason);
  printf("\n  warehouse id %s\n  decided by %s\n  timeline:\n",
         o->gxo_ref ? o->gxo_ref : "-",
         o->rule_generation ? o->rule_generation : "-");
  struct cg_store_audit_list tl = {0};
  cg_store_audit_list(s->store, NULL, o->number, 0, &tl, NULL);
  for (size_t i = 0; i < tl.n; i++) {
    printf("    ");
    print_time(tl.items[i].at);
    printf("  %-18s %s\n", tl.items[i].action,
           tl.items[i].detail ? tl.items[i].detail : "");
  }
  cg_store_audit_list_clear(&tl);
}

int cg_cli_orders(const struct cg_cli *c)
{
  if (c->nargs < 2 || strcmp(c->args[0], "show") != 0) {
    fprintf(stderr, "centra-gxo: orders show NUMBER -c CONFIG\n");
    return 2;
  }
  struct cg_cli_session s;
  int rc = cg_cli_session_open(c, &s);
  if (rc != 0)
    return rc;
  struct cg_store_order o = {0};
  struct cg_err err = {0};
  rc = cg_store_order_get(s.store, c->args[1], &o, &err);
  if (rc == 0)
    print_order(&s, &o);
  else
    fprintf(stderr, "centra-gxo: order %s: %s\n", c->args[1],
            rc == CG_ENOTFOUND ? "not known to the engine" : err.msg);
  cg_store_order_clear(&o);
  cg_cli_session_close(&s);
  return rc == 0 ? 0 : 1;
}

int cg_cli_status(const struct cg_cli *c)
{
  struct cg_cli_session s;
  int rc = cg_cli_session_open(c, &s);
  if (rc != 0)
    return rc;
  int64_t orders[CG_STORE_ORDER_NSTATES] = {0};
  int64_t outbox[CG_STORE_OUTBOX_NSTATES] = {0};
  cg_store_order_counts(s.store, orders, NULL);
  cg_store_outbox_counts(s.store, outbox, NULL);
  printf("merchant %s\n  orders:", s.mc->id);
  for (int i = 0; i < CG_STORE_ORDER_NSTATES; i++)
    printf(" %s=%lld", cg_store_order_state_name(i), (long long)orders[i]);
  printf("\n  outbox:");
  for (int i = 0; i < CG_STORE_OUTBOX_NSTATES; i++)
    printf(" %s=%lld", cg_store_outbox_state_name(i), (long long)outbox[i]);
  struct cg_store_count_list open = {0};
  cg_store_exception_open_counts(s.store, &open, NULL);
  printf("\n  open exceptions:");
  for (size_t i = 0; i < open.n; i++)
    printf(" %s=%lld", open.items[i].name, (long long)open.items[i].count);
  printf("%s\n", open.n ? "" : " none");
  cg_store_count_list_clear(&open);
  cg_cli_session_close(&s);
  return 0;
}

/* The rule host's answer to the CLI's load. */
struct cli_load {
  bool done;
  int rc;
  cJSON *reply;
  struct cg_err err;
};

static void on_cli_loaded(int rc, cJSON *reply, const struct cg_err *err,
                          void *arg)
{
  struct cli_load *l = arg;
  l->done = true;
  l->rc = rc;
  l->reply = reply;
  if (rc != 0)
    l->err = *err;
}

/* After the load, hook() if one is asked for: its answer replaces the
 * load's reply. */
static int ask_after_load(struct cg_rulehost *h, uv_loop_t *loop,
                          const char *hook, struct cli_load *l)
{
  if (l->rc != 0 || hook == NULL)
    return 0;
  cJSON_Delete(l->reply);
  *l = (struct cli_load){0};
  int rc = cg_rulehost_call(h, hook, NULL, on_cli_loaded, l);
  if (rc != 0)
    return cg_err_set(&l->err, rc, "%s not asked: %s", hook, cg_strerror(rc));
  while (!l->done && uv_run(loop, UV_RUN_ONCE) != 0)
    ;
  if (!l->done)
    return cg_err_set(&l->err, CG_EIO, "the rule host stopped answering");
  return 0;
}

/* Loads o in a rule host, as a merchant's reload does (same sandbox,
 * limits and load budget: a top level that loops fails, it does not
 * hang the terminal), waits for the answer, then asks hook (NULL: none). */
static int load_in_host(const struct cg_rules_opts *o, const char *hook,
                        struct cli_load *l)
{
  uv_loop_t loop;
  struct cg_rulehost *h = NULL;
  struct cg_rulehost_opts ho = {.merchant = o->merchant,
                                .binary = getenv("CG_RULE_HOST_BINARY")};
  int rc = uv_loop_init(&loop);
  if (rc != 0)
    return cg_err_set(&l->err, CG_EIO, "no event loop: %s", uv_strerror(rc));
  rc = cg_rulehost_create(&loop, &ho, &h, &l->err);
  if (rc == 0 && (rc = cg_rulehost_load(h, o, on_cli_loaded, l)) != 0)
    cg_err_set(&l->err, rc, "cannot read the pack: %s", cg_strerror(rc));
  while (rc == 0 && !l->done && uv_run(&loop, UV_RUN_ONCE) != 0)
    ;
  if (rc == 0 && !l->done)
    rc = cg_err_set(&l->err, CG_EIO, "the rule host stopped answering");
  if (rc == 0)
    rc = ask_after_load(h, &loop, hook, l);
  cg_rulehost_destroy(h);
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop);
  return rc != 0 ? rc : l->rc;
}

int cg_cli_rules_ask(const struct cg_rules_opts *o, const char *hook,
                     cJSON **reply, struct cg_err *err)
{
  struct cli_load l = {0};
  int rc = load_in_host(o, hook, &l);
  *reply = rc == 0 ? l.reply : NULL;
  if (rc != 0) {
    cJSON_Delete(l.reply);
    if (err != NULL)
      *err = l.err;
  }
  return rc;
}

/* `rules check DIR` loads a pack (skipping its tests); `rules test DIR`
 * loads it and runs its tests, as a reload would: both in a rule host. */
int cg_cli_rules(const struct cg_cli *c)
{
  if (c->nargs < 2 ||
      (strcmp(c->args[0], "check") && strcmp(c->args[0], "test"))) {
    fprintf(stderr, "centra-gxo: rules check|test PACK_DIR\n");
    return 2;
  }
  struct cg_rules_opts o = {.merchant = "cli",
                            .pack_dir = c->args[1],
                            .skip_pack_tests =
                                strcmp(c->args[0], "check") == 0};
  struct cli_load l = {0};
  if (load_in_host(&o, NULL, &l) != 0) {
    fprintf(stderr, "centra-gxo: rules %s: %s\n", c->args[1], l.err.msg);
    cJSON_Delete(l.reply);
    return 1;
  }
  printf("%s: ok (%s, %lld pack tests passed)\n", c->args[1],
         cg_json_str(l.reply, "label"),
         (long long)cg_json_int(l.reply, "tests_passed", 0));
  cJSON_Delete(l.reply);
  return 0;
}
