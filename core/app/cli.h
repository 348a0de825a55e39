/*
 * cli: the `centra-gxo` commands other than run and demo. They read the
 * same config as the engine and work on a merchant's store directly
 * (SQLite WAL lets them run beside a live engine): an operator's retry is
 * recorded in the store and the engine picks it up within a second.
 */
#ifndef CG_APP_CLI_H
#define CG_APP_CLI_H

#include <cjson/cJSON.h>
#include <stdint.h>

/* Parsed common options. */
struct cg_cli {
  const char *config;        /* -c FILE */
  const char *merchant;      /* --merchant ID (needed with several merchants) */
  const char *note;          /* --note TEXT */
  const char *type;          /* --type T */
  const char *introspection; /* --introspection FILE (centra check) */
  const char *state;         /* --state S (items pending) */
  const char *after;         /* --after KEY (items pending: next page) */
  int all;                   /* --all */
  int json;                  /* --json */
  const char *const *args;   /* positional arguments after the command */
  int nargs;
};

struct cg_config;
struct cg_config_merchant;
struct cg_err;
struct cg_rules_opts;
struct cg_store;

/* A store command's merchant: its config and its store, open. */
struct cg_cli_session {
  struct cg_config *cfg;
  const struct cg_config_merchant *mc;
  struct cg_store *store;
};

/* Picks the merchant (cg_cli_pick_merchant) and opens its store; 0, or
 * 1 / 2 after printing why. */
int cg_cli_session_open(const struct cg_cli *c, struct cg_cli_session *s);
void cg_cli_session_close(struct cg_cli_session *s);
/* Prints label, then ms as ISO 8601 UTC to the second, or "never" for 0
 * (the `show` views of stock and items). */
void cg_cli_print_at(const char *label, int64_t ms);
/* Loads the pack of o in a rule host (as a reload does), then asks it
 * hook() (no arguments): 0 and *reply (caller deletes), or an error with
 * err (the load's or the hook's). */
int cg_cli_rules_ask(const struct cg_rules_opts *o, const char *hook,
                     cJSON **reply, struct cg_err *err);

/* Loads the config and picks the merchant (--merchant, or the only one).
 * Returns 0 with *cfg (caller frees with cg_config_free) and *mc, or 2
 * after printing why. */
int cg_cli_pick_merchant(const struct cg_cli *c, struct cg_config **cfg,
                         const struct cg_config_merchant **mc);

int cg_cli_exceptions(const struct cg_cli *c);
int cg_cli_orders(const struct cg_cli *c);
int cg_cli_status(const struct cg_cli *c);
int cg_cli_rules(const struct cg_cli *c);
/* `stock show SKU` (cli_stock.c). */
int cg_cli_stock(const struct cg_cli *c);
/* `items pending|show`: the item master (cli_items.c). */
int cg_cli_items(const struct cg_cli *c);
/* `centra documents|check` (centra_cli.c). */
int cg_cli_centra(const struct cg_cli *c);

#endif
