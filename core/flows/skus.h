/*
 * skus: no order reaches the warehouse with an SKU its item master does
 * not know. Before an order is sent, every SKU of it that the engine has
 * not yet seen at the warehouse is looked up (GET /items/{sku}); known
 * ones are remembered for the life of the process. A missing SKU ends the
 * delivery as FAIL "unknown-sku" without sending the order, so it is held
 * as UNKNOWN_SKU; an operator retry after the item exists checks again.
 *
 *   outbox start -> cg_skus_send_order -> lookups (in parallel) -> all
 *   known -> cg_gxo_create_order -> done      | any missing -> done(FAIL)
 */
#ifndef CG_FLOWS_SKUS_H
#define CG_FLOWS_SKUS_H

#include "net/call.h"

#include <stdbool.h>

struct cg_flow;
struct cg_skuset;

/* Sends the warehouse order document after checking its SKUs; done fires
 * once, with the create call's result or the check's. When another order
 * is looking up one of the SKUs, done fires at once (before this returns)
 * with RETRY code "local" and a retry time 250 ms ahead; the outbox
 * defers such a row without counting an attempt. Returns 0 or a negative
 * CG_E* (done does not fire). */
int cg_skus_send_order(struct cg_flow *f, const char *order_json,
                       const char *idempotency_key, cg_call_done_fn done,
                       void *arg);
/* Whether sku is known to exist at the warehouse (cached). */
bool cg_skus_known(const struct cg_skuset *set, const char *sku);
/* Frees the flow's cache; NULL is a no-op. */
void cg_skuset_free(struct cg_skuset *set);

#endif
