/*
 * stock_reconcile: snapshots, gaps and the schedule of the stock flow
 * (docs/internals/stock.md "Snapshots, gaps and stale snapshots",
 * "Reconcile and drift"). The flow's schedule timer calls cg__stock_tick
 * every second; a reconcile starts when none runs and one is due:
 *
 *   a stock.snapshot event (cursor stock.snapshot.pending, written with
 *   the event) > cg_stock_reconcile_soon > a gap open longer than the
 *   grace > no snapshot ever applied (initial sync) > the schedule
 *
 * and runs as two chains of partner calls side by side (the warehouse's
 * one call at a time, Centra's CG__STOCK_CENTRA_WINDOW pages at a time),
 * each answer handled in one transaction:
 *
 *   GET /stock page --(group by SKU, hold the last)--> staged, applied
 *     ... nextCursor null --> unlisted SKUs to 0 --> seq_cover, base
 *   Centra products page --> held (stock_drift.c) ... every page up to
 *     the first short one
 *   both for a SKU --> its figure compared with P in a ready batch
 *   both done --> each held page's figures left compared, one page per
 *     loop turn --> cursor stock.reconcile.last
 *
 * A SKU's Centra figure waits until the snapshot's page listing it is
 * applied (or the snapshot is, for a SKU it does not list), so it is
 * compared with the same P as when the two ran one after the other; the
 * partners only answer at the same time. A snapshot at or below the base
 * (cursor stock.base_seq) is stale and applies nothing. A failed call is
 * asked again at a later tick with backoff (never before a partner's
 * Retry-After), each chain on its own; nothing here blocks pushes or
 * events. Held in memory: two snapshot pages and at most
 * CG__STOCK_HELD_MAX of Centra's figures.
 */
#include "flows/stock_int.h"
#include "flows/stock_rec.h"

#include "base/err.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"
#include "flows/exceptions.h"
#include "flows/flow.h"
#include "gxo/gxo.h"
#include "net/retry.h"
#include "store/store.h"
#include "store/store_stock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CUR_BASE CG_STORE_STOCK_BASE_CURSOR
#define CUR_CONFIRMED CG_STORE_STOCK_CONFIRMED_CURSOR
#define CUR_LAST "stock.reconcile.last"
#define CUR_GAP "stock.gap.last"
#define CUR_ASKED "stock.reconcile.asked"
#define ASKED_REASON "asked for on the admin API"
#define UNLISTED_BATCH 500
#define UNLISTED_PER_STEP 10 /* batches per step */
#define COMP "stock"
#define AUDIT_KEY "reconcile"

static const struct cg_retry_policy BACKOFF = {.base_ms = 2000,
                                               .cap_ms = 300000};
/* Failed calls or page writes in a row before operations hear of it
 * (SYNC_FAILURE on stock-reconcile/reconcile), and every as many after. */
#define STUCK_AFTER 5
#define STUCK_ENTITY "stock-reconcile"

/* ---- the reconcile -------------------------------------------------------*/

static struct cg_flow *flow_of(const struct cg_stock_rec *rec)
{
  return rec->st->f;
}

static void rec_free(struct cg_stock_rec *rec)
{
  if (rec == NULL)
    return;
  cg_free(rec->cursor);
  cg__stock_drift_end(rec);
  cg_map_free(&rec->broken);
  cg_buf_free(&rec->paged);
  cg_free(rec);
}

/* The reconcile's image is no longer needed: the reconcile ended or
 * stopped, or the snapshot is paged again from its start (its first page
 * loads a new one). */
static void image_drop(struct cg_stock_rec *rec)
{
  cg_store_stock_image_drop(flow_of(rec)->store);
}

static void audit(struct cg_flow *f, const char *key, const char *action,
                  const char *detail)
{
  struct cg_err err = {0};
  if (cg_store_audit_append(f->store, "stock", key, action, detail, NULL,
                            &err) != 0)
    cg_log_warn(COMP, "[merchant=%s] audit of %s %s not written: %s",
                f->merchant, key, action, err.msg);
}

int cg__stock_tx_end(struct cg_flow *f, int rc, struct cg_err *err)
{
  if (rc == 0 && cg_store_commit(f->store, err) == 0)
    return 0;
  cg_store_rollback(f->store, NULL);
  f->metrics.store_errors++;
  return rc ? rc : CG_EDB;
}

static void step(struct cg_stock_rec *rec);

/* The reconcile keeps failing: gaps and drift are not healed meanwhile
 * (pushes from events go on), so operations are told. */
static void stuck(struct cg_stock_rec *rec, const struct cg__stock_chain *c)
{
  struct cg_flow *f = flow_of(rec);
  char msg[320];
  snprintf(msg, sizeof(msg),
           "the stock reconcile (%s) has failed %d times in a row (the log "
           "says why); stock changes still reach Centra, but gaps and "
           "drift are not corrected until it succeeds",
           rec->reason, c->attempts);
  cg_flow_raise_alone(f, "SYNC_FAILURE", STUCK_ENTITY, AUDIT_KEY, msg);
}

/* A call or a write of chain c succeeded: its failures in a row end. */
static void went_on(struct cg_stock_rec *rec, struct cg__stock_chain *c)
{
  if (c->attempts >= STUCK_AFTER)
    cg_flow_resolve_alone(flow_of(rec), STUCK_ENTITY, AUDIT_KEY,
                          "the stock reconcile went on");
  c->attempts = 0;
}

/* Chain c waits before its next call or write: the partner's
 * Retry-After, or a growing jittered delay (at least a second). */
static void back_off(struct cg_stock_rec *rec, struct cg__stock_chain *c,
                     int64_t retry_at_ms)
{
  int64_t wait =
      cg_retry_backoff_ms(&BACKOFF, ++c->attempts, &flow_of(rec)->rng);
  rec->waits++;
  if (c->attempts % STUCK_AFTER == 0)
    stuck(rec, c);
  int64_t at = cg_time_now_ms() + (wait > 1000 ? wait : 1000);
  c->retry_at_ms = retry_at_ms > at ? retry_at_ms : at;
}

/* The seconds until chain c may go on (the logs' "again in"). */
static long long wait_s(const struct cg__stock_chain *c)
{
  return (long long)(c->retry_at_ms - cg_time_now_ms()) / 1000;
}

/* Throttling and shutdown are expected (debug); the rest is a warning. */
static void log_call(const struct cg_stock_rec *rec,
                     const struct cg__stock_chain *c, const char *what,
                     const struct cg_call_result *res)
{
  enum cg_log_level lvl = cg_call_result_log_level(res);
  if (lvl <= cg_log_get_level())
    cg_log_write(lvl, COMP,
                 "[merchant=%s] reconcile (%s): %s: %s (%ld %s %s); asked "
                 "again in %lld s",
                 flow_of(rec)->merchant, rec->reason, what,
                 cg_call_outcome_name(res->outcome), res->http_status,
                 res->code, res->message, wait_s(c));
}

/* Pages the snapshot again from its start: a fresh one unless a pending
 * one is still named. */
static void wms_restart(struct cg_stock_rec *rec, bool fresh)
{
  cg_free(rec->cursor);
  rec->cursor = NULL;
  rec->as_of_seq = -1;
  rec->held.sku[0] = '\0';
  rec->held.n = 0;
  rec->held.broken = false;
  cg_map_free(&rec->broken);
  rec->broken = (struct cg_map)CG_MAP_INIT;
  cg__stock_drift_unpaged(rec); /* its figures wait for the end */
  image_drop(rec);
  if (fresh)
    rec->snapshot_id[0] = '\0';
}

/* ---- the warehouse snapshot ---------------------------------------------*/

/* The CPU time the loop thread has used (us): what the reconcile costs
 * the engine, apart from waiting for the partners (the log's figures). */
static int64_t loop_cpu_us(void)
{
  struct timespec ts;
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
    return 0;
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The snapshot is applied (or stale): Centra's held figures may be
 * compared. */
static void applied(struct cg_stock_rec *rec)
{
  cg__stock_drift_unpaged(rec);
  rec->phase = CG__REC_APPLIED;
  rec->wms.done_ms = cg_time_mono_ms() - rec->started_ms;
}

/* The snapshot is at or below the base: nothing of it is applied. */
static void stale(struct cg_stock_rec *rec, const char *id, int64_t as_of)
{
  struct cg_flow *f = flow_of(rec);
  struct cg_err err = {0};
  char msg[256];
  snprintf(msg, sizeof(msg),
           "snapshot %s as of sequence %lld is stale (the engine holds the "
           "stock as of sequence %lld and the events after it): nothing "
           "applied",
           id, (long long)as_of, (long long)rec->base);
  cg_log_warn(COMP, "[merchant=%s] %s", f->merchant, msg);
  audit(f, AUDIT_KEY, "snapshot-stale", msg);
  rec->stale = true;
  if (cg__stock_pending_clear(f->store, id, as_of, &err) != 0)
    cg_log_warn(COMP, "[merchant=%s] pending snapshot not cleared: %s",
                f->merchant, err.msg);
  applied(rec);
}

/* A SKU of the snapshot with an unreadable item keeps what the engine
 * knows (it is not set to 0 as unlisted either); logged. */
static int skip_broken(struct cg_stock_rec *rec, const char *sku,
                       struct cg_err *err)
{
  cg_log_warn(COMP,
              "[merchant=%s] snapshot %s: SKU %s has an unreadable item; "
              "its figure is left as it was",
              flow_of(rec)->merchant, rec->snapshot_id, sku);
  if (cg_map_put_str(&rec->broken, sku, (void *)1) != 0)
    return cg_err_set(err, CG_ENOMEM, "out of memory");
  return 0;
}

/* sku is applied by the page in hand (its text: each SKU after a
 * separator, one more at the end when written). */
static int paged_add(struct cg_stock_rec *rec, const char *sku)
{
  char sep = CG_STORE_STOCK_PAGED_SEP;
  int rc = cg_buf_append(&rec->paged, &sep, 1);
  return rc ? rc : cg_buf_puts(&rec->paged, sku);
}

/* Applies what the page in hand staged and records which SKUs it applied
 * (cg_store_stock_paged), in its transaction; the next page's list starts
 * empty either way. */
static int page_apply(struct cg_stock_rec *rec, struct cg_err *err)
{
  struct cg_store *s = flow_of(rec)->store;
  char sep = CG_STORE_STOCK_PAGED_SEP;
  int rc = cg_store_stock_stage_apply(s, rec->as_of_seq, cg_time_now_ms(), NULL,
                                      err);
  if (rc == 0 && rec->paged.len > 0) {
    rc = cg_buf_append(&rec->paged, &sep, 1) == 0
             ? cg_store_stock_paged(s, rec->as_of_seq, rec->paged.data, err)
             : cg_err_set(err, CG_ENOMEM, "out of memory");
  }
  cg_buf_reset(&rec->paged);
  return rc;
}

static int stage_sku(const struct cg_stock_snap_sku *g, void *arg,
                     struct cg_err *err)
{
  struct cg_stock_rec *rec = arg;
  rec->skus++;
  struct cg_store *s = flow_of(rec)->store;
  if (g->broken) /* keeps its figure; the log and audit count it */
    return skip_broken(rec, g->sku, err);
  (void)cg__stock_drift_page_sku(rec, g->sku); /* else compared at the end */
  if (paged_add(rec, g->sku) != 0)
    return cg_err_set(err, CG_ENOMEM, "out of memory");
  if (cg_store_stock_image_same(s, g->sku, g->levels, g->n)) {
    rec->unchanged++;
    return cg_store_stock_listed(s, g->sku, err); /* nothing to write */
  }
  return cg_store_stock_stage(s, g->sku, g->levels, g->n, err);
}

/* The image of the store as of the snapshot (store_stock.h): unchanged
 * SKUs are then not staged. Without one (out of memory), every SKU takes
 * the full path, which is as right, only slower. */
static void image_load(struct cg_stock_rec *rec)
{
  struct cg_err err = {0};
  /* Centra's half can tell which figures it did not confirm only from
   * an image held before its first comparison and never replaced */
  rec->image_whole = ++rec->image_loads == 1 && rec->compared == 0;
  if (cg_store_stock_image_load(flow_of(rec)->store, rec->as_of_seq, &err) != 0)
    cg_log_warn(COMP,
                "[merchant=%s] snapshot %s: no image of the store (%s); "
                "every SKU is written",
                flow_of(rec)->merchant, rec->snapshot_id, err.msg);
}

/* A fresh snapshot as of S, asked for at fresh_ms: sequences above S
 * seen before then were never the warehouse's; they are forgotten with
 * their logged stock changes (the snapshot holds them) before its first
 * page is applied (cg_store_stock_seq_drop_ahead). */
static int drop_ahead(struct cg_stock_rec *rec, struct cg_err *err)
{
  struct cg_flow *f = flow_of(rec);
  int64_t n = 0;
  int rc = cg_store_stock_seq_drop_ahead(f->store, rec->as_of_seq,
                                         rec->fresh_ms, &n, err);
  if (rc == 0 && n > 0)
    cg_log_warn(COMP,
                "[merchant=%s] %lld warehouse event sequence(s) above the "
                "fresh snapshot's %lld were seen before it was taken: not "
                "the warehouse's numbering; the snapshot holds their changes",
                f->merchant, (long long)n, (long long)rec->as_of_seq);
  return rc;
}

/* One page in one transaction, its SKUs staged then applied together;
 * the last SKU waits for the next page. The commit does not wait for the
 * disk (cg_store_begin_lazy): a page lost to a power cut is paged again,
 * as the snapshot is not done until snapshot_done's durable commit. */
static int apply_page(struct cg_stock_rec *rec, const cJSON *items, bool first,
                      bool last, struct cg_err *err)
{
  struct cg_flow *f = flow_of(rec);
  int rc = cg_store_begin_lazy(f->store, err);
  if (rc != 0)
    return rc;
  if (first && rec->fresh_ms > 0)
    rc = drop_ahead(rec, err); /* before any SKU counts their changes */
  if (rc == 0 && first)        /* paged from its start: no SKU listed yet */
    rc = cg_store_stock_listed_clear(f->store, err);
  if (rc == 0 && first)
    image_load(rec);
  if (rc == 0)
    rc = cg__stock_snap_page(items, last, &rec->held, stage_sku, rec, &rec->bad,
                             err);
  if (rc == 0)
    rc = page_apply(rec, err);
  cg_buf_reset(&rec->paged); /* a page that failed: its list goes too */
  rc = cg__stock_tx_end(f, rc, err);
  cg__stock_drift_page_done(rec, rc == 0);
  return rc;
}

/* The page's snapshot: learned on the first page, the same after. */
static int page_snapshot(struct cg_stock_rec *rec, const cJSON *data,
                         struct cg_err *err)
{
  const char *id = cg_json_str(data, "snapshotId");
  int64_t as_of;
  if (id == NULL || strlen(id) >= sizeof(rec->snapshot_id) ||
      cg_json_get_int(data, "asOfSequence", &as_of) != 0 || as_of < 0)
    return cg_err_set(err, CG_EINVAL,
                      "page without snapshotId or asOfSequence");
  if (rec->as_of_seq < 0) {
    snprintf(rec->snapshot_id, sizeof(rec->snapshot_id), "%s", id);
    rec->as_of_seq = as_of;
    return 0;
  }
  if (strcmp(id, rec->snapshot_id) != 0 || as_of != rec->as_of_seq)
    return cg_err_set(err, CG_EINVAL, "page of snapshot %s, expected %s", id,
                      rec->snapshot_id);
  return 0;
}

static void wms_next(struct cg_stock_rec *rec);

/* The next page is asked for before this one is applied: the warehouse
 * builds it while the engine writes (one call in flight, two pages held
 * at most). A page that cannot be applied drops the answer in flight. */
static void wms_page(struct cg_stock_rec *rec, const cJSON *data)
{
  struct cg_err err = {0};
  bool first = rec->as_of_seq < 0;
  int rc = page_snapshot(rec, data, &err);
  if (rc == 0 && first && rec->base >= 0 && rec->as_of_seq <= rec->base) {
    stale(rec, rec->snapshot_id, rec->as_of_seq);
    return;
  }
  const char *next = cg_json_str(data, "nextCursor");
  cg_free(rec->cursor);
  rec->cursor = next ? cg_strdup(next) : NULL;
  if (rc == 0 && rec->cursor != NULL)
    wms_next(rec);
  if (rc == 0)
    rc = apply_page(rec, cg_json_get(data, "items"), first, next == NULL, &err);
  if (rc != 0 || (next != NULL && rec->cursor == NULL)) {
    rec->wms.discard = rec->wms.calls > 0;
    back_off(rec, &rec->wms, 0);
    cg_log_warn(COMP,
                "[merchant=%s] reconcile (%s): snapshot page not applied "
                "(%s); paging a fresh snapshot in %lld s",
                flow_of(rec)->merchant, rec->reason,
                rc ? err.msg : "out of memory", wait_s(&rec->wms));
    wms_restart(rec, false);
    return;
  }
  rec->pages++;
  went_on(rec, &rec->wms);
  if (next == NULL)
    rec->phase = CG__REC_UNLISTED;
}

/* A chain's call has answered: false when rec is stopped (freed once
 * the other chain's call is back too) or the answer belongs to a page
 * sequence given up (dropped). */
static bool answered(struct cg_stock_rec *rec, struct cg__stock_chain *c)
{
  c->calls--;
  if (rec->stopped) {
    if (rec->wms.calls == 0 && rec->centra.calls == 0)
      rec_free(rec);
    return false;
  }
  bool drop = c->discard;
  c->discard = false;
  return !drop;
}

static void on_wms_page(struct cg_call_result *res, void *arg)
{
  struct cg_stock_rec *rec = arg;
  if (!answered(rec, &rec->wms))
    return;
  if (res->outcome == CG_OUTCOME_OK && !cg_store_in_tx(flow_of(rec)->store)) {
    int64_t cpu = loop_cpu_us();
    wms_page(rec, res->data);
    rec->wms.cpu_us += loop_cpu_us() - cpu;
    step(rec);
    return;
  }
  back_off(rec, &rec->wms, res->retry_at_ms);
  log_call(rec, &rec->wms, "reading the warehouse's stock snapshot", res);
  if (res->outcome == CG_OUTCOME_FAIL) {
    cg__stock_pending_drop(rec); /* an announced snapshot that cannot be read */
    wms_restart(rec, true);      /* snapshot or cursor expired: a fresh one */
  }
}

static void wms_next(struct cg_stock_rec *rec)
{
  struct cg_stock *st = rec->st;
  rec->wms.calls++;
  if (rec->cursor == NULL) /* the first page: fresh unless announced */
    rec->fresh_ms = rec->snapshot_id[0] == '\0' ? cg_time_now_ms() : 0;
  int rc = cg_gxo_get_stock(st->f->gxo, rec->snapshot_id, rec->cursor,
                            (int)st->opts.snapshot_page, on_wms_page, rec);
  if (rc != 0) {
    rec->wms.calls--;
    back_off(rec, &rec->wms, 0);
    cg_log_warn(COMP, "[merchant=%s] reconcile: GET /stock not started (%s)",
                st->f->merchant, cg_strerror(rc));
  }
}

/* ---- unlisted SKUs and the end of the snapshot --------------------------*/

/* One batch of SKUs the snapshot did not list: their levels go to 0 (plus
 * the events after it). *n gets how many. */
static int unlisted_batch(struct cg_stock_rec *rec, size_t *n,
                          struct cg_err *err)
{
  struct cg_flow *f = flow_of(rec);
  struct cg_store_count_list list = {0};
  int rc =
      cg_store_stock_unlisted(f->store, rec->as_of_seq, rec->unlisted_after,
                              UNLISTED_BATCH, &list, err);
  *n = rc == 0 ? list.n : 0;
  if (rc == 0 && list.n > 0 && (rc = cg_store_begin_lazy(f->store, err)) == 0) {
    for (size_t i = 0; rc == 0 && i < list.n; i++) {
      const char *sku = list.items[i].name;
      if (cg_map_get_str(&rec->broken, sku) != NULL)
        continue; /* listed, but unreadable: left alone */
      rc = cg_store_stock_stage(f->store, sku, NULL, 0, err);
      if (rc == 0 && paged_add(rec, sku) != 0)
        rc = cg_err_set(err, CG_ENOMEM, "out of memory");
    }
    if (rc == 0)
      rc = page_apply(rec, err);
    cg_buf_reset(&rec->paged); /* a batch that failed: its list goes too */
    rc = cg__stock_tx_end(f, rc, err);
    if (rc == 0)
      snprintf(rec->unlisted_after, sizeof(rec->unlisted_after), "%s",
               list.items[list.n - 1].name);
  }
  cg_store_count_list_clear(&list);
  return rc;
}

/* The snapshot covers every sequence up to it: the watermark, the base
 * and the pending cursor, in one transaction. */
static int snapshot_done(struct cg_stock_rec *rec, struct cg_err *err)
{
  struct cg_flow *f = flow_of(rec);
  char msg[320];
  snprintf(msg, sizeof(msg),
           "snapshot %s as of sequence %lld applied (%s): %lld SKUs listed "
           "(%lld of them unchanged, not written), %lld not listed set to "
           "0, %lld items unreadable",
           rec->snapshot_id, (long long)rec->as_of_seq, rec->reason,
           (long long)rec->skus, (long long)rec->unchanged,
           (long long)rec->zeroed, (long long)rec->bad);
  int rc = cg_store_begin(f->store, err);
  if (rc != 0)
    return rc;
  rc = cg_store_stock_seq_cover(f->store, rec->as_of_seq, err);
  if (rc == 0)
    rc = cg_store_stock_snapshot_applied(f->store, rec->as_of_seq, err);
  if (rc == 0)
    rc = cg__stock_cursor_put_int(f->store, CUR_BASE, rec->as_of_seq, err);
  if (rc == 0)
    rc = cg__stock_pending_clear(f->store, rec->snapshot_id, rec->as_of_seq,
                                 err);
  if (rc == 0)
    rc = cg_store_audit_append(f->store, "stock", AUDIT_KEY, "snapshot", msg,
                               NULL, err);
  if ((rc = cg__stock_tx_end(f, rc, err)) == 0) {
    f->metrics.stock_snapshots++;
    cg_log_info(COMP, "[merchant=%s] %s", f->merchant, msg);
  }
  return rc;
}

static void unlisted_step(struct cg_stock_rec *rec)
{
  struct cg_err err = {0};
  size_t n = 0;
  int rc, batches = 0;
  do {
    rc = unlisted_batch(rec, &n, &err);
    rec->zeroed += (int64_t)n;
  } while (rc == 0 && n == UNLISTED_BATCH && ++batches < UNLISTED_PER_STEP);
  if (rc == 0 && n == UNLISTED_BATCH)
    return; /* more: the next tick goes on (the loop is not held longer) */
  if (rc == 0)
    rc = snapshot_done(rec, &err);
  if (rc != 0) {
    back_off(rec, &rec->wms, 0);
    cg_log_warn(COMP,
                "[merchant=%s] reconcile (%s): finishing snapshot %s failed "
                "(%s); again in %lld s",
                flow_of(rec)->merchant, rec->reason, rec->snapshot_id, err.msg,
                wait_s(&rec->wms));
    return;
  }
  went_on(rec, &rec->wms);
  applied(rec);
}

/* ---- Centra and the end -------------------------------------------------*/

/* An operator's check asked for before this reconcile started is done. */
static int asked_done(struct cg_store *s, int64_t started_at_ms,
                      struct cg_err *err)
{
  int64_t asked = 0;
  bool set = false;
  int rc = cg__stock_cursor_int(s, CUR_ASKED, &asked, &set, err);
  if (rc != 0 || !set || asked > started_at_ms)
    return rc;
  return cg_store_cursor_set(s, CUR_ASKED, "", err);
}

/* A reconcile that read all of Centra with one image held throughout:
 * the SKUs it did not compare lose their confirmation (store_stock.h
 * CG_STORE_STOCK_CONFIRMED_CURSOR), and the cursor moves to now. Without
 * such an image nothing moves: a SKU the image settled then shows the
 * previous reconcile's time, earlier than the truth, never later. */
static int confirm(struct cg_stock_rec *rec, int64_t now, int64_t *lost,
                   struct cg_err *err)
{
  struct cg_store *s = flow_of(rec)->store;
  int64_t prev = 0;
  bool set = false;
  *lost = 0;
  if (!rec->image_whole || rec->centra_given_up ||
      cg_store_stock_image_size(s) == 0)
    return 0;
  int rc = cg__stock_cursor_int(s, CUR_CONFIRMED, &prev, &set, err);
  if (rc == 0)
    rc = cg_store_begin(s, err);
  if (rc != 0)
    return rc;
  rc = cg_store_stock_image_unconfirmed(s, prev, lost, err);
  if (rc == 0)
    rc = cg__stock_cursor_put_int(s, CUR_CONFIRMED, now, err);
  return cg__stock_tx_end(flow_of(rec), rc, err);
}

static void finish(struct cg_stock_rec *rec)
{
  struct cg_stock *st = rec->st;
  struct cg_flow *f = st->f;
  struct cg_err err = {0};
  int64_t now = cg_time_now_ms();
  int64_t took = cg_time_mono_ms() - rec->started_ms;
  int64_t cpu = (loop_cpu_us() - rec->cpu_started_us) / 1000;
  int64_t lost = 0;
  char msg[720];
  if (confirm(rec, now, &lost, &err) != 0)
    cg_log_warn(COMP,
                "[merchant=%s] which SKUs this reconcile confirmed is not "
                "saved (%s): stock show gives the one before",
                f->merchant, err.msg);
  snprintf(msg, sizeof(msg),
           "reconcile (%s) done in %lld ms (side by side: warehouse "
           "applied at %lld ms, Centra read at %lld ms): %lld SKUs "
           "compared, %lld off and corrected, %lld new STOCK_DRIFT, %lld "
           "resolved, %lld unknown to the engine, %lld compared while the "
           "snapshot was paged, %lld confirmed from the image without a "
           "write, %lld no longer listed or not compared; engine loop CPU "
           "%lld ms (warehouse %lld ms, Centra %lld ms); %lld waits after "
           "a failed call or write",
           rec->reason, (long long)took, (long long)rec->wms.done_ms,
           (long long)rec->centra.done_ms, (long long)rec->compared,
           (long long)rec->differ, (long long)rec->drifts,
           (long long)rec->resolved, (long long)rec->unknown,
           (long long)rec->early, (long long)rec->settled, (long long)lost,
           (long long)cpu, (long long)rec->wms.cpu_us / 1000,
           (long long)rec->centra.cpu_us / 1000, (long long)rec->waits);
  cg_log_info(COMP, "[merchant=%s] %s", f->merchant, msg);
  audit(f, AUDIT_KEY, "reconcile", msg);
  if (cg__stock_cursor_put_int(f->store, CUR_LAST, now, &err) != 0 ||
      asked_done(f->store, rec->started_at_ms, &err) != 0)
    cg_log_warn(COMP,
                "[merchant=%s] last reconcile time or operator's check not "
                "saved: %s",
                f->merchant, err.msg);
  if (st->opts.reconcile_s > 0)
    st->next_reconcile_ms = now + st->opts.reconcile_s * 1000;
  st->rec = NULL;
  image_drop(rec); /* held until now: Centra's half used it */
  rec_free(rec);
}

/* Page `page` is to be asked for again (its call or its holding
 * failed). */
static void centra_redo(struct cg_stock_rec *rec, int page)
{
  if (rec->nredo < CG__STOCK_CENTRA_WINDOW)
    rec->redo[rec->nredo++] = page; /* never full: calls + redo <= window */
}

/* Every page up to the first short one is held: the pages asked for
 * after it (in flight when it came back) hold nothing more and are not
 * asked for again. */
static bool centra_all_held(struct cg_stock_rec *rec)
{
  int kept = 0;
  for (int i = 0; rec->centra_last > 0 && i < rec->nredo; i++)
    if (rec->redo[i] < rec->centra_last)
      rec->redo[kept++] = rec->redo[i];
  if (rec->centra_last > 0)
    rec->nredo = kept;
  return rec->centra_last > 0 && rec->nredo == 0 && rec->centra.calls == 0;
}

/* A Centra page is held as it arrives, in whatever order the pages come
 * back (the next one is asked for by the step that follows); each of its
 * figures is compared once its SKU's snapshot page is applied, or the
 * snapshot (stock_drift.c). */
void cg__stock_rec_centra_done(struct cg_stock_rec *rec, int page,
                               int64_t sent_ms, struct cg_call_result *res)
{
  struct cg_err err = {0};
  if (!answered(rec, &rec->centra))
    return;
  if (res->outcome != CG_OUTCOME_OK || cg_store_in_tx(flow_of(rec)->store)) {
    centra_redo(rec, page);
    rec->centra_read = centra_all_held(rec); /* a page after the last */
    back_off(rec, &rec->centra, res->retry_at_ms);
    log_call(rec, &rec->centra, "reading Centra's stock", res);
    return;
  }
  int64_t cpu = loop_cpu_us();
  if (cg__stock_drift_hold(rec, res->data, sent_ms, &err) != 0) {
    centra_redo(rec, page);
    back_off(rec, &rec->centra, 0);
    cg_log_warn(COMP,
                "[merchant=%s] reconcile (%s): Centra page %d not held (%s); "
                "asked again in %lld s",
                flow_of(rec)->merchant, rec->reason, page, err.msg,
                wait_s(&rec->centra));
  } else {
    went_on(rec, &rec->centra);
    if (cg__stock_drift_last(res->data) &&
        (rec->centra_last == 0 || page < rec->centra_last))
      rec->centra_last = page;
  }
  rec->centra_read = centra_all_held(rec);
  rec->centra.cpu_us += loop_cpu_us() - cpu;
  step(rec);
}

/* ---- driving it -----------------------------------------------------------*/

/* Whether chain c may start a call (window: its calls in flight at
 * most) or, for the warehouse's, write. */
static bool may_go(const struct cg__stock_chain *c, int window, int64_t now)
{
  return c->calls < window && now >= c->retry_at_ms;
}

/* The Centra page to ask for next: a failed one first, then a new one
 * until a page came back short; 0 = none. */
static int centra_next_page(struct cg_stock_rec *rec)
{
  if (rec->nredo > 0)
    return rec->redo[--rec->nredo];
  return rec->centra_last == 0 ? rec->centra_page++ : 0;
}

/* Asks for the next Centra page, unless all are read or enough are
 * held: false when none was asked for. */
static bool step_centra(struct cg_stock_rec *rec)
{
  int page;
  if (rec->centra_read || rec->held_figs >= CG__STOCK_HELD_MAX ||
      (page = centra_next_page(rec)) == 0)
    return false;
  int rc = cg__stock_drift_next(rec, page);
  if (rc == CG_EINVAL) {
    cg_log_error(COMP,
                 "[merchant=%s] reconcile (%s): centra.warehouse %lld is not "
                 "a Centra warehouse id; Centra's figures not compared",
                 flow_of(rec)->merchant, rec->reason,
                 (long long)flow_of(rec)->settings.centra_warehouse);
    cg__stock_drift_end(rec); /* the snapshot goes on alone */
    rec->centra_read = true;
    rec->centra_given_up = true;
  } else if (rc != 0) {
    centra_redo(rec, page);
    back_off(rec, &rec->centra, 0);
  }
  return rc == 0;
}

/* Compares a ready batch, or the oldest held page once the snapshot is
 * applied; the loop runs before the next step (cg__stock_tick_soon),
 * which compares the next one, asks for more (the held figures went
 * down) or ends. */
static void compare_held(struct cg_stock_rec *rec)
{
  struct cg_err err = {0};
  int64_t cpu = loop_cpu_us();
  int rc = cg__stock_drift_compare(rec, &err);
  rec->centra.cpu_us += loop_cpu_us() - cpu;
  if (rc != 0) {
    back_off(rec, &rec->centra, 0);
    cg_log_warn(COMP,
                "[merchant=%s] reconcile (%s): a Centra page not compared "
                "(%s); again in %lld s",
                flow_of(rec)->merchant, rec->reason, err.msg,
                wait_s(&rec->centra));
    return;
  }
  went_on(rec, &rec->centra);
  cg__stock_tick_soon(rec->st); /* the next page, or the end */
}

static void step(struct cg_stock_rec *rec)
{
  int64_t now = cg_time_now_ms();
  if (cg_store_in_tx(flow_of(rec)->store))
    return;
  if (rec->phase == CG__REC_WMS && may_go(&rec->wms, 1, now))
    wms_next(rec);
  else if (rec->phase == CG__REC_UNLISTED && may_go(&rec->wms, 1, now))
    unlisted_step(rec);
  /* as many Centra pages as the window and the backoff let in */
  while (may_go(&rec->centra, CG__STOCK_CENTRA_WINDOW, now) && step_centra(rec))
    ;
  if (cg__stock_drift_due(rec)) {
    if (now >= rec->centra.retry_at_ms)
      compare_held(rec);
  } else if (rec->phase == CG__REC_APPLIED && rec->centra_read &&
             rec->centra.calls == 0) {
    rec->centra.done_ms = cg_time_mono_ms() - rec->started_ms;
    finish(rec);
  }
}

static void start(struct cg_stock *st, const char *why,
                  const struct cg__stock_pending *p, int64_t base)
{
  struct cg_err err = {0};
  struct cg_stock_rec *rec = cg_calloc(1, sizeof(*rec));
  if (rec == NULL)
    return; /* the next tick tries again */
  rec->st = st;
  rec->phase = CG__REC_WMS;
  rec->started_ms = cg_time_mono_ms();
  rec->started_at_ms = cg_time_now_ms();
  rec->cpu_started_us = loop_cpu_us();
  rec->as_of_seq = -1;
  rec->base = base;
  rec->centra_page = 1;
  snprintf(rec->reason, sizeof(rec->reason), "%s", why);
  st->rec = rec;
  st->reconcile_wanted = false;
  cg_log_info(COMP, "[merchant=%s] stock reconcile started (%s)",
              st->f->merchant, why);
  if (cg__stock_drift_begin(rec, &err) != 0)
    cg_log_warn(COMP,
                "[merchant=%s] open STOCK_DRIFT exceptions not read (%s): "
                "the reconcile resolves none this time",
                st->f->merchant, err.msg);
  if (p != NULL) {
    snprintf(rec->snapshot_id, sizeof(rec->snapshot_id), "%s", p->id);
    if (p->as_of >= 0 && base >= 0 && p->as_of <= base)
      stale(rec, p->id, p->as_of); /* known stale: not even read */
  }
  step(rec);
}

/* A hole in the event sequences open longer than the grace (at most one
 * gap reconcile per grace period). */
static bool gap_due(struct cg_stock *st, int64_t now, char *why, size_t n,
                    struct cg_err *err)
{
  struct cg_flow *f = st->f;
  int64_t wm = 0, hi = 0, since = 0, last = 0;
  bool has_last = false;
  if (cg_store_stock_seq_state(f->store, &wm, &hi, &since, err) != 0 ||
      since == 0 || now - since < st->opts.gap_grace_ms ||
      cg__stock_cursor_int(f->store, CUR_GAP, &last, &has_last, err) != 0 ||
      (has_last && now - last < st->opts.gap_grace_ms))
    return false;
  char msg[256];
  snprintf(msg, sizeof(msg),
           "warehouse event after sequence %lld missing for %lld s (highest "
           "seen %lld): a stock event may be lost; taking a fresh snapshot",
           (long long)wm, (long long)(now - since) / 1000, (long long)hi);
  cg_log_warn(COMP, "[merchant=%s] %s", f->merchant, msg);
  audit(f, "feed", "gap", msg);
  f->metrics.stock_gaps++;
  if (cg__stock_cursor_put_int(f->store, CUR_GAP, now, err) != 0)
    cg_log_warn(COMP, "[merchant=%s] gap time not saved: %s", f->merchant,
                err->msg);
  snprintf(why, n, "gap after sequence %lld", (long long)wm);
  return true;
}

/* The schedule: the last run's time survives a restart. */
static bool schedule_due(struct cg_stock *st, int64_t now, struct cg_err *err)
{
  if (st->opts.reconcile_s <= 0)
    return false;
  if (st->next_reconcile_ms == 0) {
    int64_t last = 0;
    bool set = false;
    if (cg__stock_cursor_int(st->f->store, CUR_LAST, &last, &set, err) != 0)
      return false;
    st->next_reconcile_ms = (set ? last : now) + st->opts.reconcile_s * 1000;
  }
  return now >= st->next_reconcile_ms;
}

static void maybe_start(struct cg_stock *st)
{
  struct cg_flow *f = st->f;
  struct cg_err err = {0};
  struct cg__stock_pending p;
  int64_t base = -1, now = cg_time_now_ms();
  bool has_base = false;
  char why[160];
  if (cg__stock_pending_read(f->store, &p, &err) != 0 ||
      cg__stock_cursor_int(f->store, CUR_BASE, &base, &has_base, &err) != 0) {
    cg_log_warn(COMP, "[merchant=%s] reconcile state not read: %s", f->merchant,
                err.msg);
    return;
  }
  if (p.set)
    snprintf(why, sizeof(why), "stock.snapshot %s", p.id);
  else if (st->reconcile_wanted)
    snprintf(why, sizeof(why), "%s", st->reconcile_reason);
  else if (gap_due(st, now, why, sizeof(why), &err))
    ;
  else if (!has_base)
    snprintf(why, sizeof(why), "initial sync");
  else if (schedule_due(st, now, &err))
    snprintf(why, sizeof(why), "schedule");
  else
    return;
  start(st, why, p.set ? &p : NULL, has_base ? base : -1);
}

void cg__stock_tick(struct cg_stock *st)
{
  if (st == NULL || st->closing || cg_store_in_tx(st->f->store))
    return;
  if (st->rec != NULL)
    step(st->rec);
  else
    maybe_start(st);
}

void cg__stock_reconcile_stop(struct cg_stock *st, void (*done)(void *arg),
                              void *arg)
{
  struct cg_stock_rec *rec = st->rec;
  st->rec = NULL;
  if (rec != NULL)
    image_drop(rec);
  if (rec != NULL && (rec->wms.calls > 0 || rec->centra.calls > 0)) {
    /* The calls' callbacks free it and touch nothing else. */
    rec->stopped = true;
    rec->st = NULL;
    cg__stock_drift_end(rec);
  } else {
    rec_free(rec);
  }
  if (done != NULL)
    done(arg);
}

void cg_stock_reconcile_soon(struct cg_stock *st, const char *reason)
{
  if (st == NULL)
    return;
  st->reconcile_wanted = true;
  snprintf(st->reconcile_reason, sizeof(st->reconcile_reason), "%s",
           reason && reason[0] ? reason : "asked for");
}

int cg_stock_reconcile_asked(struct cg_stock *st, struct cg_err *err)
{
  if (st == NULL)
    return cg_err_set(err, CG_EINVAL, "no stock flow");
  int rc =
      cg__stock_cursor_put_int(st->f->store, CUR_ASKED, cg_time_now_ms(), err);
  if (rc == 0)
    cg_stock_reconcile_soon(st, ASKED_REASON);
  return rc;
}

void cg__stock_reconcile_resume(struct cg_stock *st)
{
  struct cg_err err = {0};
  int64_t asked = 0;
  bool set = false;
  if (cg__stock_cursor_int(st->f->store, CUR_ASKED, &asked, &set, &err) != 0)
    cg_log_warn(COMP, "[merchant=%s] operator's stock check not read: %s",
                st->f->merchant, err.msg);
  else if (set) /* asked before the last stop */
    cg_stock_reconcile_soon(st, ASKED_REASON);
}
