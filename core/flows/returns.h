/*
 * returns: customer returns (issue 12, docs/internals/returns.md): a
 * Centra return becomes a warehouse return advice (RMA); the warehouse's
 * receipt completes and refunds the Centra return as the rule pack
 * decides, and the stock comes back through one route.
 *
 *   returns.c          struct cg_returns: the poll timer, hints by id,
 *                      create/start/close; operator retries; held
 *                      returns resolved by hand
 *   returns_read.c     reads Centra returns (by id on a hint, by
 *                      createdAt on the poll), maps their lines to the
 *                      order lines the engine sent, stores them and
 *                      queues the advice, one transaction per page
 *   returns_advise.c   outbox kind "gxo.return.advise": hook
 *                      returns.advice, then POST /return-advices
 *   returns_receipt.c  return.arrived / return.received in the inbox
 *                      transaction: the mismatches, the receipt, the
 *                      settle queued
 *   returns_settle.c   outbox kind "centra.return.settle": hook
 *                      returns.decide (committed first), then read,
 *                      completeReturn, read, refundReturn, each answer
 *                      committed before the next call
 *   returns_stock.c    the restock routes: SKUs touched at completion,
 *                      R for the route "centra", the timeline of each
 *                      stock.adjusted that names an RMA
 *   returns_hooks.c    the checks of the hooks' results
 *
 * Everything runs on the loop thread; every function documented "inside
 * the caller's transaction" writes only through the store.
 */
#ifndef CG_FLOWS_RETURNS_H
#define CG_FLOWS_RETURNS_H

#include "flows/inbox.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cg_err;
struct cg_flow;
struct cg_returns;
struct cg_outbox_kind;
struct cg_store_exception;

/* Entity kind of the flow's exceptions (key: the Centra return id, or
 * for an unadvised parcel its rmaRef, tracking or eventId) and of its
 * timeline entries (key: the order number). */
#define CG_RETURNS_ENTITY "return"
/* Outbox kinds: the advice (the warehouse's budget) and the settling (a
 * Centra write; merchant.c lists it after the dispatch kinds). */
#define CG_RETURNS_KIND_ADVISE "gxo.return.advise"
#define CG_RETURNS_KIND_SETTLE "centra.return.settle"
/* Exception types (owner customer-service; exceptions.c). */
#define CG_RETURN_REJECTED "RETURN_REJECTED"
#define CG_RETURN_MISMATCH "RETURN_MISMATCH"
#define CG_UNADVISED_RETURN "UNADVISED_RETURN"
/* Hooks (docs/rule-packs.md "returns"). */
#define CG_RETURNS_HOOK_ADVICE "returns.advice"
#define CG_RETURNS_HOOK_DECIDE "returns.decide"

struct cg_returns_opts {
  int64_t poll_s; /* poll period; default 300; 0 = events only */
  int64_t page;   /* returns per Centra page; default 50 (1..100) */
};

/* Creates the merchant's returns flow (a timer on f->loop). NULL on
 * ENOMEM. */
struct cg_returns *cg_returns_create(struct cg_flow *f,
                                     const struct cg_returns_opts *opts);
/* Starts the timer; the first start records the poll's watermark (now):
 * returns created before the engine first ran are not advised. */
int cg_returns_start(struct cg_returns *r);
/* Closes the timer; a read in progress touches nothing after done (may
 * be NULL) fires. */
void cg_returns_close(struct cg_returns *r, void (*done)(void *arg), void *arg);
/* A Centra Return event: read return id soon (ids coalesce into one
 * read, at most CG_CENTRA_RETURNS_PAGE_MAX). NULL is a no-op. */
void cg_returns_hint(struct cg_returns *r, int64_t return_id);
/* The same, written durably in the caller's transaction (the intake's:
 * the Centra event is confirmed when it commits) so that a crash before
 * the read loses nothing (flows/returns_hints.c); 0 when the flow is off
 * (f->returns NULL). */
int cg_returns_note(struct cg_flow *f, int64_t return_id, struct cg_err *err);

/* The outbox kinds. */
extern const struct cg_outbox_kind cg_returns_advise_kind;
extern const struct cg_outbox_kind cg_returns_settle_kind;

/* return.arrived or return.received (env: the whole envelope), inside
 * the inbox transaction. 0 (outcome says what happened) or a negative
 * CG_E* (roll back). */
int cg_returns_apply_event(struct cg_flow *f, const cJSON *env,
                           char outcome[CG_INBOX_OUTCOME_MAX],
                           struct cg_err *err);
/* The stock flow applied a stock.adjusted of delta units of sku into
 * status whose reference may name a return (reference NULL or not an
 * rmaRef the engine knows: nothing), inside its event transaction: the
 * order's timeline gets "return restocked", and for the route "centra"
 * R gives back the units Centra already counted
 * (cg_store_return_restock_warehouse). */
int cg_returns_stock_adjusted(struct cg_flow *f, const char *reference,
                              const char *sku, int64_t delta,
                              const char *status, struct cg_err *err);

/* Whether exceptions on entity_kind belong to the returns flow, and its
 * operator retry (inside the retry's transaction; the table in
 * docs/internals/returns.md "Exceptions"). */
bool cg_returns_owns(const char *entity_kind);
int cg_returns_retry(struct cg_flow *f, const struct cg_store_exception *x,
                     struct cg_err *err);
/* Held returns whose exception customer service resolved by hand: each
 * is settled (the engine writes nothing more) with a timeline entry.
 * Run on the engine's sweep; returns how many, or < 0. */
int cg_returns_settle_resolved(struct cg_flow *f);

/* The checks of the hooks' results (hooks.c's catalogue). */
int cg_returns_check_advice(cJSON **out, char *why, size_t size);
int cg_returns_check_decide(cJSON **out, char *why, size_t size);

#endif
