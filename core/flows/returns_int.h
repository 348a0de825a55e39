/*
 * returns_int: what the returns flow's files share (returns.h lists
 * them). The helpers here live in returns_common.c.
 */
#ifndef CG_FLOWS_RETURNS_INT_H
#define CG_FLOWS_RETURNS_INT_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cg_err;
struct cg_flow;
struct cg_store;
struct cg_store_return;
struct cg_store_return_lines;

/* The rmaRef of a return: its Centra id in decimal. */
#define CG_RETURNS_RMA_MAX 24
void cg__returns_rma(int64_t id, char out[CG_RETURNS_RMA_MAX]);
/* The return id an rmaRef names; -1 when it is not a positive decimal. */
int64_t cg__returns_rma_id(const char *rma);

/* Puts the outbox row of kind (CG_RETURNS_KIND_ADVISE or _SETTLE) for
 * return id (payload {"returnId": id, "orderRef": order_number}), or
 * makes it due again when it is there and failed. attempt 0 is the first
 * send (idempotency key cg-<merchant>-<tag>-<id>); an operator's retry
 * passes a higher attempt, which makes a new key (-r<attempt>) so the
 * warehouse judges the advice afresh instead of replaying its refusal.
 * In the caller's transaction. */
int cg__returns_queue(struct cg_flow *f, const char *kind, int64_t id,
                      const char *order_number, int attempt,
                      struct cg_err *err);

/* The kind's row of return r again: a failed one is made due again; if
 * none is pending or in flight, a new one under the next attempt's key
 * (returns_retry.c; an operator's retry, and a settle row that ends OK
 * while its return still has work left). In the caller's transaction. */
int cg__returns_queue_again(struct cg_flow *f, const char *kind,
                            const struct cg_store_return *r,
                            struct cg_err *err);

/* One timeline entry on the order (kind CG_RETURNS_ENTITY, key the order
 * number; `orders show` lists it). detail may be NULL. In the caller's
 * transaction. */
int cg__returns_audit(struct cg_flow *f, const char *order_number,
                      const char *action, const char *detail,
                      struct cg_err *err);
/* Raises (or bumps) the exception type on return id with message (the
 * rule generation in force recorded) and, when action is not NULL, adds
 * it to the order's timeline with the same message. In the caller's
 * transaction. */
int cg__returns_raise(struct cg_flow *f, int64_t id, const char *order_number,
                      const char *type, const char *message, const char *action,
                      struct cg_err *err);
/* Moves return id to step held with hold reason type, raises the
 * exception type on it ("<code>: <message>", code e.g. "mismatch") and
 * adds "return held" to the order's timeline. In the caller's
 * transaction. */
int cg__returns_hold(struct cg_flow *f, int64_t id, const char *order_number,
                     const char *type, const char *code, const char *message,
                     struct cg_err *err);

/* The engine's own mismatches between the advised lines and a
 * return.received data (docs/internals/returns.md "Deciding a receipt"):
 * a new array of {code, lineRef?, sku?, expected?, received?, detail},
 * empty when the receipt is what was advised; NULL on ENOMEM. Pure
 * (returns_receipt.c). */
cJSON *cg__returns_mismatches(const cJSON *receipt,
                              const struct cg_store_return_lines *advised);

/* Inside the transaction that records a completion (returns_settle.c):
 * the restock route's stock effect (returns_stock.c). returned_to_stock:
 * Centra's returnedToStock after the completion. Route "warehouse":
 * touches every SKU of the return so the next push sets Centra's figure
 * back to P; route "centra" with returned_to_stock: R grows by the units
 * the warehouse's feed has not shown yet. */
int cg__returns_completed_stock(struct cg_flow *f,
                                const struct cg_store_return *r,
                                const struct cg_store_return_lines *lines,
                                bool returned_to_stock, struct cg_err *err);

/* ---- returns_settle_text.c: the settle's pure pieces ------------------*/

/* "12.50 EUR (status), ..." of canonical payment entries (centra.h). */
void cg__returns_amounts(const cJSON *entries, char *out, size_t size);
/* "refund by hand, line by line: ..." with each line's decision in plan
 * (its "lines", by lineRef) and Centra's lineValue (ret: the canonical
 * return). */
void cg__returns_manual_message(const struct cg_store_return_lines *lines,
                                const cJSON *plan, const cJSON *ret, char *out,
                                size_t size);
/* A hold's message: the pack's message, then every mismatch's detail. */
void cg__returns_hold_message(const cJSON *plan, const cJSON *mismatches,
                              char *out, size_t size);
/* returns.decide's arguments [receipt + {mismatches}, advice] (receipt
 * is taken); *mismatches gets the engine's own list. NULL on ENOMEM. */
cJSON *cg__returns_decide_args(const struct cg_store_return *r,
                               const struct cg_store_return_lines *lines,
                               cJSON *receipt, cJSON **mismatches);
/* (returns_common.c) *found: return id has an open RETURN_MISMATCH (a
 * second receipt, returns_receipt.c; the receipt's own ones close when
 * it is recorded): customer service looks at the return, so the
 * settling writes nothing more to Centra until the exception is retried
 * or resolved. */
int cg__returns_mismatch_open(struct cg_store *st, int64_t id, bool *found,
                              struct cg_err *err);

#endif
