/*
 * config: the engine's configuration file, a Lua file evaluated in a
 * sandbox (no io/os/require/load). It assigns globals:
 *
 *   admin    = { listen = "127.0.0.1:8090", token = env "CG_ADMIN_TOKEN" }
 *   webhooks = { listen = "127.0.0.1:8091" }
 *   log_level = "info"
 *   merchants = { { id = "acme", centra = {...}, gxo = {...},
 *                   rules = "rules/default", store = "var/acme.db",
 *                   schedules = {...}, stock = {...},
 *                   items = {...}, returns = {...} }, ... }
 *
 * Secrets are never literals in a good config: `env "NAME"` reads an
 * environment variable and `file "PATH"` the first line of a file, both at
 * load time, and both only where a key is marked secret. Every key comes
 * from one option table (config.c) that gives its type, default and
 * description; `centra-gxo config-help` prints it. A bad config yields
 * one message naming the merchant, the key and the problem.
 */
#ifndef CG_APP_CONFIG_H
#define CG_APP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct cg_err;

struct cg_config_merchant {
  char *id;
  char *centra_url;
  char *centra_token; /* secret */
  int64_t centra_warehouse;
  char *centra_webhook_secret;    /* secret */
  bool centra_events;             /* the shop's events system is on */
  bool centra_direct_to_shipment; /* store setting "Direct to Shipment" */
  bool centra_autoconfirm;        /* store setting "Autoconfirm orders" */
  char *gxo_url;
  char *gxo_client_id;
  char *gxo_client_secret; /* secret */
  char *gxo_site;
  char *gxo_webhook_secret; /* secret */
  char *gxo_webhook_url;    /* our public webhook URL, or NULL */
  char *rules;              /* rule pack folder */
  char *store;              /* SQLite file */
  bool store_sync_full;
  int64_t poll_orders_s;    /* safety-net poll of confirmed orders */
  int64_t centra_events_s;  /* events queue pull */
  int64_t gxo_events_s;     /* warehouse event feed pull */
  int64_t limits_refresh_s; /* Centra rateLimits refresh */
  int64_t lua_memory_mb;
  int64_t lua_instructions; /* budget per hook call */
  /* stock = {...}: the stock flow (flows/stock.h struct cg_stock_opts) */
  int64_t stock_window_ms;     /* coalescing window */
  int64_t stock_batch_max;     /* SKUs per setStock */
  int64_t stock_reconcile_s;   /* scheduled reconcile; 0 = off */
  int64_t stock_gap_grace_s;   /* a sequence hole open this long: gap */
  int64_t stock_snapshot_page; /* GET /stock page size */
  /* items = {...}: the items flow (flows/items.h struct cg_items_opts) */
  bool items_enabled;      /* false: no items flow (look-ups only) */
  int64_t items_poll_s;    /* delta read period; 0 = hints only */
  int64_t items_sweep_s;   /* full sweep period; 0 = the first only */
  int64_t items_batch_max; /* items per POST /items:batch (1..500) */
  int64_t items_page;      /* Centra products per page (1..200) */
  int64_t items_window_ms; /* a dirty item waits this long for company */
  /* returns = {...}: the returns flow (flows/returns.h struct
   * cg_returns_opts) */
  bool returns_enabled;   /* false: no returns flow (NULL) */
  int64_t returns_poll_s; /* Centra returns poll period; 0 = events only */
  int64_t returns_page;   /* Centra returns per page (1..100) */
};

struct cg_config {
  char *path;     /* the file read */
  char *base_dir; /* its directory: relative paths resolve from here */
  char *admin_listen;
  char *admin_token; /* secret; NULL = admin API refuses writes */
  char *webhooks_listen;
  char *log_level;
  int64_t drain_grace_s; /* SIGTERM: how long calls in flight may finish */
  bool test_clock;       /* tests only: the admin API may move the clock */
  size_t nmerchants;
  struct cg_config_merchant *merchants;
};

/* Reads and validates path. Returns a config (cg_config_free) or NULL with
 * err->msg like "merchant 'acme': centra.token: environment variable
 * CENTRA_TOKEN is not set" and err->code CG_ECONFIG. */
struct cg_config *cg_config_load(const char *path, struct cg_err *err);
void cg_config_free(struct cg_config *cfg);
/* Resolves a path from the config relative to its directory into out. */
char *cg_config_path(const struct cg_config *cfg, const char *p, char *out,
                     size_t size);
/* Writes every key with type, default and description to out. */
void cg_config_help(FILE *out);

#endif
