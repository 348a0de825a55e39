/*
 * stock_int: what the stock flow's modules share (flows/stock.h is the
 * public side). stock.c owns struct cg_stock, its two timers and their
 * closing; stock_push.c runs on the flush timer; stock_reconcile.c on the
 * schedule timer; stock_policy.c holds the pack's policy. Loop thread
 * only.
 */
#ifndef CG_FLOWS_STOCK_INT_H
#define CG_FLOWS_STOCK_INT_H

#include "flows/stock.h"
#include "store/store_stock.h"

#include <uv.h>

struct cg_stock_rec; /* a reconcile in progress (stock_reconcile.c) */

#define CG_STOCK_FLUSH_MS 250          /* flush timer period */
#define CG_STOCK_TICK_MS 1000          /* schedule timer period */
#define CG_STOCK_MAX_UNFINISHED 2      /* batches not finished at once */
#define CG_STOCK_POLICY_RETRY_MS 30000 /* a failed first policy ask */
/* The snapshot a stock.snapshot event announced, written with the event
 * (stock.c), read and cleared by the reconcile (stock_cursors.c). */
#define CG_STOCK_CUR_PENDING "stock.snapshot.pending"

/* stock_cursors.c: that cursor, {"snapshotId", "asOfSequence"}. */
struct cg__stock_pending {
  bool set;
  char id[64];
  int64_t as_of; /* -1 if the event did not say */
};
int cg__stock_pending_read(struct cg_store *s, struct cg__stock_pending *p,
                           struct cg_err *err);
/* Announces a snapshot (in the event's transaction). */
int cg__stock_pending_write(struct cg_store *s, const char *id, int64_t as_of,
                            struct cg_err *err);
/* Clears the pending snapshot if it is the one applied (or older). */
int cg__stock_pending_clear(struct cg_store *s, const char *id, int64_t as_of,
                            struct cg_err *err);

struct cg_stock {
  struct cg_flow *f;
  struct cg_stock_opts opts;      /* defaults filled in */
  struct cg_stock_policy *policy; /* owned; NULL = the default */
  uv_timer_t flush;               /* -> cg__stock_flush */
  uv_timer_t tick;                /* -> cg__stock_tick */
  int64_t unfinished;             /* push batches not finished */
  int64_t push_logged_at;         /* mono ms of the last failed-flush log */
  struct cg_stock_rec *rec;       /* NULL when no reconcile runs */
  bool reconcile_wanted;          /* cg_stock_reconcile_soon was called */
  char reconcile_reason[128];
  int64_t next_reconcile_ms; /* the schedule's next run (real ms) */
  bool sweeping;             /* a new policy's sweep is under way (the
                              * cursor says where; not read otherwise) */
  int64_t policy_retry_ms;   /* no policy yet and the ask failed: ask
                              * again at this mono time (0 = not due) */
  int open_handles;          /* closing: handles not closed yet */
  bool closing;
  void (*on_closed)(void *arg);
  void *on_closed_arg;
};

/* stock_push.c: one flush (flush timer): starts the batches that are due
 * (docs/internals/stock.md "Pushing"). Never fails the loop; errors are
 * logged and retried at the next flush. */
void cg__stock_flush(struct cg_stock *st);

/* stock_reconcile.c: one tick (schedule timer): starts a reconcile when
 * one is wanted, scheduled, or a gap has been open longer than the grace;
 * advances a running one. */
void cg__stock_tick(struct cg_stock *st);
/* Runs the next tick at the loop's next turn instead of within a second
 * (the tick's schedule then goes on from it). */
void cg__stock_tick_soon(struct cg_stock *st);
/* At start: an operator's check asked for before the last stop and not
 * yet done (cursor stock.reconcile.asked) is asked for again. */
void cg__stock_reconcile_resume(struct cg_stock *st);
/* Stops a running reconcile at close: no callback touches st after
 * done fires (at once when none runs). */
void cg__stock_reconcile_stop(struct cg_stock *st, void (*done)(void *arg),
                              void *arg);

/* The policy in force (never NULL). */
const struct cg_stock_policy *cg__stock_policy(const struct cg_stock *st);
/* P of row r whose levels are levels[0..n) (stock.c; what
 * cg_stock_target computes once it has read them): the reconcile reads
 * a page's rows and levels in one walk. */
int64_t cg__stock_target_of(const struct cg_stock_policy *p,
                            const struct cg_store_stock *r,
                            const struct cg_store_stock_level *levels,
                            size_t n);

#endif
