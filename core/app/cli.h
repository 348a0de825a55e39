/*
 * cli: the `centra-gxo` commands other than run and demo. They read the
 * same config as the engine and work on a merchant's store directly
 * (SQLite WAL lets them run beside a live engine): an operator's retry is
 * recorded in the store and the engine picks it up within a second.
 */
#ifndef CG_APP_CLI_H
#define CG_APP_CLI_H

/* Parsed common options. */
struct cg_cli {
  const char *config;      /* -c FILE */
  const char *merchant;    /* --merchant ID (needed with several merchants) */
  const char *note;        /* --note TEXT */
  const char *type;        /* --type T */
  int all;                 /* --all */
  int json;                /* --json */
  const char *const *args; /* positional arguments after the command */
  int nargs;
};

int cg_cli_exceptions(const struct cg_cli *c);
int cg_cli_orders(const struct cg_cli *c);
int cg_cli_status(const struct cg_cli *c);
int cg_cli_rules(const struct cg_cli *c);

#endif
