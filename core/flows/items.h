/*
 * items: Centra's product sizes kept in the warehouse's item master, and
 * orders gated on it (issue 11, docs/internals/items.md).
 *
 *   items.c        struct cg_items, its timer, the triggers (sweep,
 *                  delta read, hints), create/start/close
 *   items_read.c   reads a page of Centra products (CgItemPage), asks
 *                  the rule host (plan "items.build") and writes the
 *                  page's rows in one transaction
 *   items_build.c  the plan "items.build" (rule host side) and the
 *                  engine side: contract limits, content hash
 *   items_push.c   outbox kind "gxo.items.batch": dirty rows to
 *                  POST /items:batch, per-item answers
 *   items_gate.c   orders held for SKUs not accepted, released by the
 *                  answer; item.rejected events; operator retries
 *   items_describe.c  the CLI's and the admin API's views
 *
 * Everything runs on the loop thread; every function documented "inside
 * the caller's transaction" writes only through the store.
 */
#ifndef CG_FLOWS_ITEMS_H
#define CG_FLOWS_ITEMS_H

#include "flows/inbox.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cg_err;
struct cg_flow;
struct cg_items;
struct cg_outbox_kind;
struct cg_store;
struct cg_store_exception;

/* The outbox kind of an item batch (the warehouse's budget). */
#define CG_ITEMS_KIND_BATCH "gxo.items.batch"
/* The plan the rule host runs per size (items.include, items.payload). */
#define CG_ITEMS_PLAN "items.build"
/* Entity kind of ITEM_REJECTED (key: the SKU) and of the flow's own
 * SYNC_FAILURE / RULE_ERROR (keys "items/read", "items/batch"). */
#define CG_ITEMS_ENTITY "item"

struct cg_items_opts {
  int64_t poll_s;    /* delta read period; default 300; 0 = hints only */
  int64_t sweep_s;   /* full sweep period; default 86400; 0 = first only */
  int64_t batch_max; /* items per POST /items:batch; default 500 (1..500) */
  int64_t page;      /* Centra products per page; default 50 (1..200) */
  int64_t window_ms; /* a dirty row waits this long for company unless
                      * urgent; default 1000 */
};

/* Creates the merchant's items flow (a timer on f->loop). NULL on ENOMEM. */
struct cg_items *cg_items_create(struct cg_flow *f,
                                 const struct cg_items_opts *opts);
/* Starts the timer; a merchant never swept starts a full sweep, a sweep
 * cut short by a crash resumes from its cursor. */
int cg_items_start(struct cg_items *it);
/* Closes the timer and stops a read in progress (its callbacks touch
 * nothing after done fires); done (may be NULL) fires once closed. */
void cg_items_close(struct cg_items *it, void (*done)(void *arg), void *arg);

/* Something changed in Centra's catalogue (an event, an order for a SKU
 * the master lacks): a delta read soon (coalesced, at most one per 2 s).
 * NULL is a no-op. why goes to the log. */
void cg_items_hint(struct cg_items *it, const char *why);
/* Asks for a full sweep now (CLI, admin API); it runs after the one in
 * progress. NULL is a no-op. */
void cg_items_sweep_soon(struct cg_items *it, const char *why);

/* The outbox kind "gxo.items.batch"; merchant.c lists it before the order
 * kinds of the warehouse (the orders wait for their SKUs). */
extern const struct cg_outbox_kind cg_items_batch_kind;

/* Registers the plan "items.build" (core/flows/hooks.c calls it in every
 * process that runs plans). */
int cg_items_register_plan(void);

/* ---- the order gate (items_gate.c) -------------------------------------*/

/* A gxo.order.create delivery ended FAIL for unknown SKUs for
 * order_number (payload: the warehouse order it would have sent): inside
 * the transaction that holds the order, records a wait for each of its
 * SKUs not accepted, marks them urgent, names the open ITEM_REJECTED of a
 * rejected one in the order's UNKNOWN_SKU, and hints a delta read after
 * commit. by_gate: the engine's own gate refused it (skus.c
 * CG_SKUS_NOT_ACCEPTED); with nothing left to wait on (accepted
 * meanwhile) the order is released at once. Else the warehouse said
 * "unknown-sku": SKUs the master says it accepted are sent again. */
int cg_items_order_held(struct cg_flow *f, const char *order_number,
                        const char *payload, bool by_gate, struct cg_err *err);
/* The warehouse answered about sku (items_push.c, item.rejected), inside
 * the transaction that records it: accepted -> each waiting order loses
 * the wait, and one with none left has its open UNKNOWN_SKU marked for a
 * retry (released after commit by cg_orders_process_retry_requests);
 * rejected -> ITEM_REJECTED on the item (merchandising) and each waiting
 * order's UNKNOWN_SKU raised again naming it. */
int cg_items_settled(struct cg_flow *f, const char *sku, bool accepted,
                     const char *reason_json, struct cg_err *err);
/* item.rejected from the warehouse (env: the whole envelope), inside the
 * inbox transaction. */
int cg_items_apply_event(struct cg_flow *f, const cJSON *env,
                         char outcome[CG_INBOX_OUTCOME_MAX],
                         struct cg_err *err);
/* Whether exceptions on entity_kind belong to the items flow, and its
 * operator retry (inside the retry's transaction): ITEM_REJECTED sends
 * the item again; SYNC_FAILURE/RULE_ERROR of the flow ask for a sweep. */
bool cg_items_owns(const char *entity_kind);
int cg_items_retry(struct cg_flow *f, const struct cg_store_exception *x,
                   struct cg_err *err);

/* ---- views (items_describe.c) ------------------------------------------*/

/* One SKU's row as JSON {sku, state, reason, item, dirty, urgent, batch,
 * waitingOrders, productId, sizeId, sourceUpdatedAt, answeredAt}; NULL
 * with CG_ENOTFOUND for a SKU the master never saw. */
cJSON *cg_items_describe(struct cg_store *s, const char *sku,
                         struct cg_err *err);
/* Launch readiness: {counts: {state: n}, lastSweep: {...}|null, items:
 * [describe...]} for state "pending", "rejected" or NULL (both), at most
 * limit SKUs after `after`. NULL with CG_EINVAL for another state. */
cJSON *cg_items_pending(struct cg_store *s, const char *state,
                        const char *after, size_t limit, struct cg_err *err);

#endif
