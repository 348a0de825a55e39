/*
 * returns_read: what returns.c (the flow's timer and hints) and
 * returns_read.c (one read of Centra's returns) share, and the page's
 * transaction the unit tests drive without partners
 * (docs/internals/returns.md "The path of a return"). Loop thread only.
 */
#ifndef CG_FLOWS_RETURNS_READ_H
#define CG_FLOWS_RETURNS_READ_H

#include "flows/returns.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

struct cg_err;
struct cg_returns_read; /* a read in progress (returns_read.c) */
struct cg_store_return;

#define CG_RETURNS_TICK_MS 250        /* timer period */
#define CG_RETURNS_OVERLAP_MS 300000  /* the poll reads 5 minutes back */
#define CG_RETURNS_READ_RETRY_MS 5000 /* a failed read, again after */
#define CG_RETURNS_READ_FAILURES 10   /* in a row: SYNC_FAILURE */
#define CG_RETURNS_READ_KEY "returns/read"
#define CG_RETURNS_ISO_MAX 40 /* a createdAt as Centra prints it */

struct cg_returns {
  struct cg_flow *f;
  struct cg_returns_opts opts;  /* defaults filled in */
  uv_timer_t tick;              /* -> on_tick (returns.c) */
  struct cg_returns_read *read; /* NULL when no read runs: one at a time */
  int64_t *pending;             /* hinted return ids, each once */
  size_t npending, cap;
  int64_t next_poll_ms;  /* mono ms of the next poll */
  int64_t read_failures; /* reads failed in a row */
  int64_t retry_at_ms;   /* mono ms: a failed or deferred read goes again */
  bool closing;
  void (*on_closed)(void *arg);
  void *on_closed_arg;
};

/* How a read ended: ok, failed (counted), or deferred (Centra's budget
 * or a pause kept it back: neither, retry at retry_at_ms). */
enum cg_returns_read_end {
  CG_RETURNS_READ_OK = 1,
  CG_RETURNS_READ_FAILED,
  CG_RETURNS_READ_DEFERRED
};
typedef void (*cg_returns_read_done_fn)(struct cg_returns *r,
                                        enum cg_returns_read_end how,
                                        int64_t retry_at_ms);

/* Starts a read of the n (1..CG_CENTRA_RETURNS_PAGE_MAX) returns ids
 * (copied), or the poll (ids NULL) from the watermark less
 * CG_RETURNS_OVERLAP_MS, page by page. done fires once when it ends,
 * unless the flow stops it first. 0 or a negative CG_E* (done does not
 * fire). */
int cg__returns_read_start(struct cg_returns *r, const int64_t *ids, size_t n,
                           cg_returns_read_done_fn done);
/* Stops a read at close: no callback touches the flow after this. */
void cg__returns_read_stop(struct cg_returns *r);
/* A read by ids that did not end: its n ids are pending again. */
void cg__returns_hint_again(struct cg_returns *r, const int64_t *ids, size_t n);

/* One page of canonical returns (cg_centra_fetch_returns*) in ONE
 * transaction: each return not stored yet is mapped to the order lines
 * the engine sent and stored (ignored, rejected with RETURN_REJECTED, or
 * new with its advice queued and "return created" on the timeline); a
 * return already stored changes nothing. since (may be NULL): the poll's
 * new watermark, moved in the same transaction (never back). *added (may
 * be NULL) gets the returns stored. On failure nothing is kept. */
int cg__returns_page_apply(struct cg_flow *f, const cJSON *returns,
                           const char *since, int64_t *added,
                           struct cg_err *err);

/* The same with the ids of the read by ids that fetched the page: they
 * leave the durable hint list (returns_hints.c) in the page's
 * transaction. */
int cg__returns_page_apply_ids(struct cg_flow *f, const cJSON *returns,
                               const char *since, const int64_t *ids,
                               size_t nids, int64_t *added, struct cg_err *err);

/* The poll's first watermark: now, unless there is one. */
int cg__returns_since_init(struct cg_flow *f, struct cg_err *err);

/* ---- reading a rejected return again (returns_read.c) -------------------*/

/* The hold reason of a rejected return an operator's retry asked to read
 * again (its step stays rejected until the read). */
#define CG_RETURNS_REREAD "REREAD"

/* An operator's retry of RETURN_REJECTED on r (step rejected), in the
 * retry's transaction: marks r to be read again and hints its id
 * durably. The read (by ids, soon) then maps its lines afresh: all known
 * -> lines replaced, step new, the advice queued under a new key,
 * "return read again" on the timeline; still not -> rejected again with
 * RETURN_REJECTED raised anew. */
int cg__returns_reread(struct cg_flow *f, const struct cg_store_return *r,
                       struct cg_err *err);

/* ---- the durable hints (returns_hints.c) ---------------------------------*/

#define CG_RETURNS_HINTED "returns.hinted" /* store cursor: the ids */
#define CG_RETURNS_HINTS_MAX 4096          /* more: left to the poll */

/* Adds id to the durable list (once), in the caller's transaction. */
int cg__returns_hints_add(struct cg_flow *f, int64_t id, struct cg_err *err);
/* Takes the ndone ids out of the list, in the caller's transaction. */
int cg__returns_hints_remove(struct cg_flow *f, const int64_t *done,
                             size_t ndone, struct cg_err *err);
/* The ids in the list (*ids owned by the caller, cg_free). */
int cg__returns_hints_load(struct cg_flow *f, int64_t **ids, size_t *n,
                           struct cg_err *err);

#endif
