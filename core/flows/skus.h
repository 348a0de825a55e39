/*
 * skus: the send-time gate of an order (docs/internals/items.md "Gating
 * orders"). Every SKU of a warehouse order must be `accepted` in the item
 * master (store_items.h) before the order is sent. A SKU is looked up at
 * the warehouse (GET /items/{sku}) as a fallback when the master has no
 * content of its own for it (no row; a placeholder; an excluded size) or
 * the warehouse refused its content (it may hold the SKU from before, or
 * made another way): found, the order goes, and a row without content is
 * recorded accepted, in a small transaction of its own, which releases
 * the orders waiting on it. Any other SKU (pending, or refused and
 * missing at the warehouse) ends the delivery as FAIL CG_SKUS_NOT_ACCEPTED
 * (the engine's own code, not the warehouse's "unknown-sku": the order
 * was not sent) with a message listing each SKU, its state
 * and the rejection reason; the order is then held as UNKNOWN_SKU and
 * waits on those SKUs (cg_items_order_held).
 *
 *   outbox start -> cg_skus_send_order -> master read -> look-ups (in
 *   parallel) -> all accepted -> cg_gxo_create_order -> done
 *                                          | any not -> done(FAIL)
 */
#ifndef CG_FLOWS_SKUS_H
#define CG_FLOWS_SKUS_H

#include "net/call.h"

#include <stdbool.h>
#include <stddef.h>

struct cg_flow;
struct cg_skuset;

/* The gate's refusal code (an UNKNOWN_SKU hold, orders_events.c). */
#define CG_SKUS_NOT_ACCEPTED "item-not-accepted"

/* Sends the warehouse order document after checking its SKUs; done fires
 * once, with the create call's result or the check's. When another order
 * is looking up one of the SKUs, done fires at once (before this returns)
 * with RETRY code "local" and a retry time 250 ms ahead; the outbox
 * defers such a row without counting an attempt. A store that cannot be
 * read also ends as RETRY "local". Returns 0 or a negative CG_E* (done
 * does not fire). */
int cg_skus_send_order(struct cg_flow *f, const char *order_json,
                       const char *idempotency_key, cg_call_done_fn done,
                       void *arg);
/* A rejection reason JSON {code, pointer, message, source} in plain
 * words ("invalid-gtin at /gtin: check digit", "engine: ..."); "no
 * reason given" for NULL or unreadable JSON. Returns out. */
const char *cg_skus_reason_text(const char *reason_json, char *out,
                                size_t size);
/* Frees the flow's set of look-ups in flight; NULL is a no-op. */
void cg_skuset_free(struct cg_skuset *set);

#endif
