/*
 * admin: the operations HTTP API on the admin listener (loopback by
 * default). Public: GET /healthz, GET /metrics. Behind the bearer token
 * (admin.token): /api/v1/... JSON to list exceptions, retry or resolve
 * one, show an order's timeline, show a SKU's stock or list the SKUs
 * that need a look (admin_stock.c), and reload a merchant's rules.
 *
 * GET /healthz answers 200 when every merchant's store is usable and 503
 * otherwise, with a JSON body whose "problems" name the merchant and the
 * problem (store file missing or replaced, not writable, quick_check
 * failed at start) or a merchant without rules (its pack never loaded):
 * {"status": "ok"|"failing", "problems": [...],
 * "merchants": [{id, outbox_depth, orders, store, rules}]}.
 *
 * The ops layer sits below the app: it sees merchants only through
 * struct cg_admin_source (their flows and a reload callback).
 */
#ifndef CG_OPS_ADMIN_H
#define CG_OPS_ADMIN_H

#include <stdbool.h>
#include <stddef.h>

struct cg_err;
struct cg_flow;
struct cg_router;
struct cg_store_health;

struct cg_admin_source {
  struct cg_flow *const *flows; /* one per merchant */
  size_t n;
  /* one per merchant (an entry may be NULL): the store checks /healthz
   * runs; NULL = only the write probe */
  struct cg_store_health *const *health;
  /* merchants of the config that did not start, one line each ("merchant
   * 'x' is not running: why"): /healthz answers 503 with them */
  const char *const *down;
  size_t n_down;
  const char *token; /* NULL: /api/v1 answers 403 (not configured) */
  /* config test_clock: POST /api/v1/test/clock {"advanceMs": N} moves the
   * wall clock N ms forward (never back); GET reads it. Off: no route. */
  bool test_clock;
  /* Reloads a merchant's rules; 0 or a negative CG_E* with err. */
  int (*reload)(void *ctx, const char *merchant, struct cg_err *err);
  void *ctx;
};

/* Adds the admin routes to r; src must outlive the router. Returns 0 or
 * CG_ENOMEM. */
int cg_admin_routes(struct cg_router *r, const struct cg_admin_source *src);

#endif
