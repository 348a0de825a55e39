/*
 * stock_rec: what the stock reconcile's modules share (stock_int.h is
 * the flow's side): struct cg_stock_rec, one reconcile in progress, and
 * its four parts:
 *
 *   stock_reconcile.c  triggers (tick), lifecycle, the warehouse
 *                      snapshot paged and applied, unlisted SKUs to 0
 *   stock_snapshot.c   one page of GET /stock as SKU groups (pure)
 *   stock_drift.c      Centra's figures paged (beside the snapshot),
 *                      held, compared with P once the snapshot's page
 *                      of their SKU is applied (or the snapshot, for
 *                      the SKUs it does not list), STOCK_DRIFT raised
 *                      and resolved
 *   stock_cursors.c    its durable cursors: the base, the last run and
 *                      gap reconcile, the announced snapshot
 *
 * Loop thread only. docs/internals/stock.md "Snapshots, gaps and stale
 * snapshots" and "Reconcile and drift".
 */
#ifndef CG_FLOWS_STOCK_REC_H
#define CG_FLOWS_STOCK_REC_H

#include "base/buf.h"
#include "base/map.h"
#include "store/store_stock.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

struct cg_call_result;
struct cg_err;
struct cg_flow;
struct cg_stock;
struct cg_store;

/* Statuses one SKU can list in a snapshot (the contract has five). */
#define CG_STOCK_SNAP_LEVELS 16
/* Longest SKU the reconcile handles (the contract's items.sku is 40). */
#define CG_STOCK_SKU_MAX 128

/* One SKU's levels as a snapshot lists them (possibly across pages). */
struct cg_stock_snap_sku {
  char sku[CG_STOCK_SKU_MAX]; /* "" = empty */
  struct cg_store_stock_level levels[CG_STOCK_SNAP_LEVELS];
  size_t n;
  bool broken; /* an item of the SKU was unreadable: do not apply it */
};

/* Called for each complete SKU of a snapshot; non-zero stops the page. */
typedef int (*cg_stock_snap_fn)(const struct cg_stock_snap_sku *g, void *arg,
                                struct cg_err *err);

/* Feeds one page's items (GET /stock: [{sku, byStatus: {STATUS: n}}] or
 * [{sku, stockStatus|status, quantity}]) through held, the SKU being
 * gathered: a SKU is complete when the next item names another SKU, so
 * a SKU whose statuses straddle pages is held back until the next page;
 * last (the snapshot's last page) completes the held SKU too. Items
 * without a usable sku or quantity are skipped and counted in *bad.
 * Returns 0 or what fn returned. */
int cg__stock_snap_page(const cJSON *items, bool last,
                        struct cg_stock_snap_sku *held, cg_stock_snap_fn fn,
                        void *arg, int64_t *bad, struct cg_err *err);

enum cg__stock_rec_phase {
  CG__REC_WMS,      /* paging GET /stock and applying it */
  CG__REC_UNLISTED, /* SKUs the snapshot did not list go to 0 */
  CG__REC_APPLIED,  /* the snapshot is applied (or was stale) */
};

/* Centra pages asked for at once: while the engine takes one answer in,
 * Centra prepares the next. The warehouse's snapshot is paged by cursor,
 * so its chain asks for one page at a time (the next one before the
 * current one is applied). */
#define CG__STOCK_CENTRA_WINDOW 2

/* One of the reconcile's two chains of partner calls, the warehouse's
 * snapshot and Centra's figures, which run side by side. */
struct cg__stock_chain {
  int calls;           /* in flight: at most 1 (warehouse) or
                        * CG__STOCK_CENTRA_WINDOW (Centra) */
  bool discard;        /* the warehouse's call in flight is dropped */
  int attempts;        /* failed calls or writes in a row */
  int64_t retry_at_ms; /* wall ms; no call or write before it */
  int64_t done_ms;     /* ms from the start to its end; 0 = running */
  int64_t cpu_us;      /* the loop thread's CPU spent on its answers */
};

/* One of Centra's figures, and a list of them: a page held until the
 * snapshot is applied, or a batch of SKUs ready to be compared now. */
struct cg__stock_cpage;
struct cg__stock_cfig {
  char *sku; /* NULL once taken (moved to a batch) */
  int64_t qty;
  int64_t asked_ms;                /* wall ms its page was asked for */
  bool taken;                      /* a held figure compared in a batch */
  struct cg__stock_cpage *held_in; /* its held page; NULL in a batch */
};
struct cg__stock_cpage {
  struct cg__stock_cpage *next;
  size_t n;
  size_t taken; /* of its figures (a held page) */
  struct cg__stock_cfig *figs;
};
struct cg__stock_cqueue {
  struct cg__stock_cpage *head; /* oldest first */
  struct cg__stock_cpage *tail;
};

struct cg_stock_rec {
  struct cg_stock *st; /* NULL once stopped (detached) */
  enum cg__stock_rec_phase phase;
  bool stopped; /* closed while a call was in flight: the last callback
                 * only frees */
  char reason[128];
  int64_t started_ms;     /* monotonic */
  int64_t started_at_ms;  /* wall clock */
  int64_t cpu_started_us; /* the loop thread's CPU time at the start */
  int64_t waits;          /* calls or writes failed and waited for */
  /* the warehouse snapshot */
  struct cg__stock_chain wms;
  char snapshot_id[64]; /* asked for (a pending one) or learned */
  char *cursor;         /* the next page; NULL before the first */
  int64_t as_of_seq;    /* -1 until the first page */
  int64_t fresh_ms;     /* a fresh snapshot: when its first page was asked
                         * for (cg_time_now_ms); 0 = an announced one */
  int64_t base;         /* the base when it started; -1 = none yet */
  bool stale;
  struct cg_stock_snap_sku held;
  char unlisted_after[CG_STOCK_SKU_MAX];
  int64_t pages, skus, zeroed, bad;
  int64_t unchanged; /* listed SKUs the image showed unchanged: not written */
  int64_t settled;   /* Centra's figures the image settled: not written */
  /* the SKUs the page in hand applies (cg_store_stock_paged) */
  struct cg_buf paged;
  /* Centra: pages read while the snapshot is paged are held (at most
   * CG__STOCK_HELD_MAX figures) and compared once it is applied, but for
   * the SKUs the snapshot has applied already, which are compared at
   * once (stock_drift.c "Comparing while the snapshot is paged") */
  struct cg__stock_chain centra;
  int centra_page; /* the next page never asked for */
  int centra_last; /* the first page that came back short; 0 = none yet */
  int redo[CG__STOCK_CENTRA_WINDOW]; /* pages whose call failed */
  int nredo;
  bool centra_read;     /* every page up to the last is held */
  bool centra_given_up; /* not a Centra warehouse: not read */
  int image_loads;      /* images loaded (one per paging of a snapshot) */
  bool image_whole;     /* the one image held since before any comparison */
  struct cg__stock_cqueue centra_held;  /* pages (figures not taken) */
  struct cg__stock_cqueue centra_ready; /* batches to compare now */
  size_t held_figs;
  struct cg_map waiting; /* SKU -> its held figure, not taken, while the
                          * snapshot is paged */
  struct cg_map applied; /* SKUs the snapshot has applied whose figure
                          * has not come (value 1) */
  char **page_skus;      /* the SKUs of the snapshot page being applied */
  size_t page_n, page_cap;
  struct cg_map drift_open; /* SKU -> open STOCK_DRIFT id (intptr_t) */
  struct cg_map broken;     /* SKUs with an unreadable item: left alone,
                             * not taken for unlisted */
  int64_t compared, differ, drifts, resolved, unknown;
  int64_t early; /* compared while the snapshot was paged */
};

/* Centra figures held at most: the next page is asked for only below it
 * (about 50 bytes each, 10 MB; a page of 200 products of ten sizes holds
 * 2,000). It covers a 100,000-SKU catalogue whole: with a quarter of it,
 * Centra's half stood still for the snapshot's last second. A held page
 * whose figures were all compared early is dropped at once. It bounds
 * the SKUs noted as applied (applied) too: beyond it, a SKU's figure
 * waits for the end. */
#define CG__STOCK_HELD_MAX 200000

/* stock_drift.c: prepares the Centra part (the open drifts). */
int cg__stock_drift_begin(struct cg_stock_rec *rec, struct cg_err *err);
/* Asks for Centra's page `page` (a call of rec->centra); the answer
 * comes back through cg__stock_rec_centra_done. Returns 0 or the
 * client's error. */
int cg__stock_drift_next(struct cg_stock_rec *rec, int page);
/* Whether data (of cg_centra_fetch_stock) is the last page. */
bool cg__stock_drift_last(const cJSON *data);
/* Holds the figures of one Centra page (data of cg_centra_fetch_stock,
 * asked for at asked_ms) at the end of rec's held pages; while the
 * snapshot is paged, the figures of SKUs it has applied go to a ready
 * batch. */
int cg__stock_drift_hold(struct cg_stock_rec *rec, const cJSON *data,
                         int64_t asked_ms, struct cg_err *err);
/* Notes a SKU of the snapshot page being applied (a copy is kept);
 * CG_ENOMEM leaves the SKU to be compared at the end. */
int cg__stock_drift_page_sku(struct cg_stock_rec *rec, const char *sku);
/* The page of the noted SKUs is applied (committed: ok) or not: the
 * held figures of its SKUs go to a ready batch. */
void cg__stock_drift_page_done(struct cg_stock_rec *rec, bool ok);
/* The snapshot is applied, or is paged again from its start (fresh:
 * another snapshot): what is applied is no longer known. */
void cg__stock_drift_unpaged(struct cg_stock_rec *rec);
/* Whether a list is due for comparing: a ready batch, or a held page
 * once the snapshot is applied. */
bool cg__stock_drift_due(const struct cg_stock_rec *rec);
/* Compares the first due list with P in one transaction and drops it; a
 * SKU pushed at or after its page was asked for is skipped. On failure
 * the list stays queued. */
int cg__stock_drift_compare(struct cg_stock_rec *rec, struct cg_err *err);
/* Frees the held pages, the ready batches, the open drifts and what the
 * pairing holds. */
void cg__stock_drift_end(struct cg_stock_rec *rec);

/* stock_cursors.c: a cursor holding an integer (*set false when absent
 * or empty), and writing one. */
int cg__stock_cursor_int(struct cg_store *s, const char *name, int64_t *out,
                         bool *set, struct cg_err *err);
int cg__stock_cursor_put_int(struct cg_store *s, const char *name, int64_t v,
                             struct cg_err *err);

/* The announced snapshot rec asked for was refused: no longer pending
 * (the cursor's other functions are in stock_int.h). */
void cg__stock_pending_drop(struct cg_stock_rec *rec);

/* stock_reconcile.c: ends the reconcile's transaction: commits when rc
 * is 0, else rolls back and counts a failed transaction (store_errors).
 * Returns rc, or CG_EDB when the commit failed. */
int cg__stock_tx_end(struct cg_flow *f, int rc, struct cg_err *err);
/* The answer to Centra's page `page`, asked for at sent_ms (wall; the
 * call's callback). */
void cg__stock_rec_centra_done(struct cg_stock_rec *rec, int page,
                               int64_t sent_ms, struct cg_call_result *res);

#endif
