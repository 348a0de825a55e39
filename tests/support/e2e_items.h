/*
 * e2e_items: what the items tests (issue 11, docs/internals/items.md)
 * share. A generated Centra catalogue (valid EANs, HS codes, countries)
 * in a scenario whose warehouse starts with an empty item master; the
 * warehouse's item read-back (GET /_sim/wms/stats and /_sim/wms/items);
 * the Centra calls per operation; and a read-only look at the engine's
 * item master (schema step 10: states, dirty rows, batches, the sweep
 * cursor), with the verdict that every accepted row's content is what
 * the warehouse holds and every item was created there once.
 */
#ifndef CG_E2E_ITEMS_H
#define CG_E2E_ITEMS_H

#include "e2e.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

/* Product specs for POST /_sim/centra/products[/create] or a scenario:
 * products x sizes sizes, SKU "<prefix>-<p>-<s>" (p from first), EANs of
 * 13 digits, HS code 610910, country PT. */
cJSON *items_catalogue(const char *prefix, long first, long products,
                       int sizes);
/* A scenario text (cg_free): the catalogue seeded quietly, the warehouse's
 * item master and stock empty, orders accepted. */
char *items_scenario(const cJSON *catalogue);
/* The merchant's items config with a sweep every sweep_s (0: the first
 * only) and a delta read every poll_s (0: hints only). Static buffer. */
const char *items_merchant_config(long sweep_s, long poll_s);

/* Places a Centra order (number) of one unit of each of skus (n) with
 * an address and shipping option the default pack maps. */
void items_order(struct e2e *t, long number, const char *const *skus, int n);
/* Whether the warehouse holds the order (orderRef = number). */
bool items_wms_has_order(struct e2e *t, long number);
/* The merchant's exceptions of type about key, in any state (admin API;
 * caller deletes); an empty array when none. */
cJSON *items_exceptions(struct e2e *t, const char *type, const char *key);

/* The warehouse's item figures (GET /_sim/wms/stats). */
struct items_wms {
  long created, updated, unchanged, stale, rejected;
  long puts, gets, batches, batch_items, unknown_sku_orders, orders;
  long replays; /* requests answered again from the idempotency store */
};
void items_wms_read(struct e2e *t, struct items_wms *w);
/* Calls of one Centra operation (GET /_sim/centra/operations), and all. */
long items_centra_calls(struct e2e *t, const char *operation);

/* The engine's item master, read-only (the engine may run). ok false
 * when the store has no items table yet. */
struct items_db {
  bool ok;
  long pending, accepted, rejected, excluded;
  long dirty, in_batch, urgent, waits;
  long sweep_n;           /* sweeps started (cursor "items.sweep" n) */
  int64_t sweep_finished; /* ms the last one finished, 0 while one runs */
};
void items_db_read(struct e2e *t, struct items_db *d);
/* True once the master holds want accepted rows with nothing dirty or in
 * a batch, and no sweep running. */
bool items_settled(struct e2e *t, long want);

/* The verdict: every SKU the warehouse holds was created there once (by
 * the engine, never twice) and equals the accepted row's doc, and every
 * accepted row with a doc is at the warehouse with that content. Fails
 * the test otherwise; returns the SKUs checked. */
long items_verify(struct e2e *t);

#endif
