/*
 * outbox: delivers the store's outbox rows to partners, one general
 * mechanism for every flow.
 *
 *   pass: begin
 *           outcomes of the calls that finished since the last pass:
 *             outbox_done|retry|fail|defer + kind->finish (a savepoint each)
 *           due rows of each kind, up to its partner's free slots:
 *             mark_inflight
 *         commit                                  [one commit per pass]
 *         -> kind->start(row) for each row marked  | partner call
 *   call done -> queued for the next pass (on the next loop turn) <-+
 *
 * Group commit: every outcome that arrives in the same loop turn, and the
 * next rows to send, share one durable commit. A row is marked inflight
 * and committed before its call starts; an outcome is applied to the
 * flow's entities in the same transaction that records it. A crash
 * before that commit leaves the row inflight: reset on boot, resent with
 * the same idempotency key (or after a read of current state, Centra).
 *
 * A kind ("gxo.order.create", "centra.order.mark", ...) names a start
 * function that makes the partner call and a finish function that applies
 * the outcome. Kinds are grouped by partner (the name up to the first
 * '.'); each partner has its own bound of calls in flight, so a throttled
 * partner never holds another's slots, and when a partner answers "wait"
 * (budget used up, paused after a 429/503) its rows rest until then.
 * RETRY waits for full-jitter backoff and never less than the partner's
 * Retry-After; FAIL moves the row to the dead-letter set (state failed)
 * and the finish function raises the exception. Loop thread only.
 */
#ifndef CG_FLOWS_OUTBOX_H
#define CG_FLOWS_OUTBOX_H

#include "net/call.h"
#include "net/retry.h"

#include <stddef.h>

struct cg_err;
struct cg_flow;
struct cg_store;
struct cg_store_outbox_row;
struct cg_outbox;

struct cg_outbox_kind {
  const char *kind;
  /* Starts the partner call for row; done fires once later. Returns 0 or
   * a negative CG_E* (then done does not fire and the row is retried). */
  int (*start)(struct cg_flow *f, const struct cg_store_outbox_row *row,
               cg_call_done_fn done, void *arg);
  /* Applies res to the flow's entities. Runs inside the transaction that
   * records the outcome; a non-zero return rolls it all back (the row is
   * then retried). May be NULL. */
  int (*finish)(struct cg_flow *f, const struct cg_store_outbox_row *row,
                const struct cg_call_result *res);
};

struct cg_outbox_opts {
  size_t max_inflight;           /* per partner; default 32 */
  struct cg_retry_policy policy; /* zero = retry.h defaults */
};

/* Puts a row of kind for entity_key under idempotency_key (payload:
 * text), due now; when that key is already there (a flow step replayed,
 * or a delivery that failed and was held), makes a failed row due again
 * and leaves a pending or inflight one alone (already on its way). In
 * the caller's transaction; 0 or a negative CG_E*. */
int cg_outbox_put_again(struct cg_store *store, const char *kind,
                        const char *entity_key, const char *idempotency_key,
                        const char *payload, struct cg_err *err);

/* kinds must outlive the outbox (static tables) and are listed most
 * urgent first: due rows are taken kind by kind in that order, and a call
 * of a less urgent kind waiting in memory for its partner's budget gives
 * its slot to a due row of a more urgent kind of the same partner (one
 * budget per partner, with priorities). Returns NULL on ENOMEM. */
struct cg_outbox *cg_outbox_create(struct cg_flow *f,
                                   const struct cg_outbox_kind *kinds,
                                   size_t nkinds,
                                   const struct cg_outbox_opts *opts);
/* Resets rows left inflight by a crash and starts delivering. */
int cg_outbox_start(struct cg_outbox *ob);
/* Asks for a delivery pass on the next loop turn (after a commit that
 * added rows). Cheap; repeated kicks coalesce. */
void cg_outbox_kick(struct cg_outbox *ob);
/* Calls in flight now. */
size_t cg_outbox_inflight(const struct cg_outbox *ob);
/* For a graceful stop: no due row is started any more (nor a call the
 * partner refused before sending: it is recorded as deferred at close);
 * calls in flight finish and their outcomes are committed as usual. Then
 * wait until cg_outbox_inflight is 0, or a grace period ends, and close. */
void cg_outbox_quiesce(struct cg_outbox *ob);
/* Stops starting calls; finished calls are still recorded. The outbox is
 * freed once its timer is closed and nothing is in flight; done (may be
 * NULL) fires then. */
void cg_outbox_close(struct cg_outbox *ob, void (*done)(void *arg), void *arg);

#endif
