/*
 * stock_drift: the Centra half of a stock reconcile (stock_rec.h,
 * docs/internals/stock.md "Reconcile and drift"). Centra's physical stock
 * in the merchant's warehouse is read a page of products at a time
 * (cg_centra_fetch_stock, under Centra's budget like every read), while
 * the warehouse's snapshot is paged; each figure is held until the
 * snapshot has applied its SKU (below), then each SKU the engine holds
 * is compared with P (cg_stock_target), in one transaction per list:
 *
 *   equal                          record the figure; an open STOCK_DRIFT
 *                                  of the SKU is resolved
 *   different                      record it, mark the SKU dirty (the
 *                                  next push corrects Centra)
 *   different by more than the     and raise STOCK_DRIFT (owner ops) with
 *   pack's threshold, no batch in  both figures and the warehouse's: a
 *   flight, not dirty, not held    real discrepancy is investigated, not
 *                                  only overwritten
 *
 * A SKU the warehouse never reported that Centra holds units of gets a
 * row (its P is 0: it is corrected; STOCK_DRIFT too, except at the
 * initial sync, where it is old data); one Centra shows 0 of is left
 * alone, and so are the SKUs the pack excludes. A SKU pushed after the
 * page was asked for is skipped: Centra's answer may predate the push.
 *
 * Comparing while the snapshot is paged: a SKU's P is final for this
 * snapshot once the snapshot's page listing it is applied (its levels
 * are the snapshot's plus the events after it, as they are at the end).
 * So whichever of its two figures comes second, Centra's or the applied
 * page, puts its Centra figure in a ready batch, compared at once;
 * two maps pair them (waiting: Centra's figures, applied: SKUs without
 * one yet). The figures of SKUs the snapshot does not list, or lists
 * unreadably, wait in their held pages for the end, as every figure did
 * before; a map that cannot grow leaves a figure to the end too.
 */
#include "flows/stock_int.h"
#include "flows/stock_rec.h"

#include "base/err.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"
#include "centra/centra.h"
#include "flows/exceptions.h"
#include "flows/flow.h"
#include "store/store.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_PRODUCTS 200
#define DRIFT "STOCK_DRIFT"
#define KIND "stock"

int cg__stock_drift_begin(struct cg_stock_rec *rec, struct cg_err *err)
{
  struct cg_store_exception_filter flt = {
      .state = "open", .type = DRIFT, .entity_kind = KIND, .limit = 500};
  struct cg_store_exception_list list = {0};
  int rc;
  do {
    cg_store_exception_list_clear(&list);
    rc = cg_store_exception_list(rec->st->f->store, &flt, &list, err);
    for (size_t i = 0; rc == 0 && i < list.n; i++)
      rc = cg_map_put_str(&rec->drift_open, list.items[i].entity_key,
                          (void *)(intptr_t)list.items[i].id);
    flt.offset += (int64_t)list.n;
  } while (rc == 0 && list.n == (size_t)flt.limit);
  cg_store_exception_list_clear(&list);
  return rc;
}

static void cpage_free(struct cg__stock_cpage *pg)
{
  for (size_t i = 0; i < pg->n; i++)
    cg_free(pg->figs[i].sku);
  cg_free(pg->figs);
  cg_free(pg);
}

static void queue_put(struct cg__stock_cqueue *q, struct cg__stock_cpage *pg)
{
  if (q->tail != NULL)
    q->tail->next = pg;
  else
    q->head = pg;
  q->tail = pg;
}

static struct cg__stock_cpage *queue_pop(struct cg__stock_cqueue *q)
{
  struct cg__stock_cpage *pg = q->head;
  q->head = pg->next;
  if (q->head == NULL)
    q->tail = NULL;
  return pg;
}

/* Unlinks pg, which follows prev (NULL: pg is the head). */
static void queue_unlink(struct cg__stock_cqueue *q,
                         struct cg__stock_cpage *prev,
                         struct cg__stock_cpage *pg)
{
  if (prev != NULL)
    prev->next = pg->next;
  else
    q->head = pg->next;
  if (q->tail == pg)
    q->tail = prev;
}

static void queue_free(struct cg__stock_cqueue *q)
{
  while (q->head != NULL)
    cpage_free(queue_pop(q));
}

static void page_skus_free(struct cg_stock_rec *rec)
{
  for (size_t i = 0; i < rec->page_n; i++)
    cg_free(rec->page_skus[i]);
  rec->page_n = 0;
}

void cg__stock_drift_unpaged(struct cg_stock_rec *rec)
{
  cg_map_free(&rec->waiting);
  rec->waiting = (struct cg_map)CG_MAP_INIT;
  cg_map_free(&rec->applied);
  rec->applied = (struct cg_map)CG_MAP_INIT;
  page_skus_free(rec);
}

void cg__stock_drift_end(struct cg_stock_rec *rec)
{
  cg_map_free(&rec->drift_open);
  rec->drift_open = (struct cg_map)CG_MAP_INIT;
  cg__stock_drift_unpaged(rec);
  cg_free(rec->page_skus);
  rec->page_skus = NULL;
  rec->page_cap = 0;
  queue_free(&rec->centra_held);
  queue_free(&rec->centra_ready);
  rec->held_figs = 0;
}

/* ---- pairing while the snapshot is paged ---------------------------------*/

/* An empty batch for at most cap figures; NULL when out of memory (the
 * figures then wait for the end). */
static struct cg__stock_cpage *batch_new(size_t cap)
{
  struct cg__stock_cpage *b = cg_calloc(1, sizeof(*b));
  if (b != NULL && cap > 0 &&
      (b->figs = cg_calloc(cap, sizeof(*b->figs))) == NULL) {
    cg_free(b);
    return NULL;
  }
  return b;
}

/* Moves the held figure into batch b, where it is compared; its held
 * page keeps only the mark. No batch (out of memory): it stays held and
 * is compared with its page. */
static void take(struct cg__stock_cpage *b, struct cg__stock_cfig *fig)
{
  if (b == NULL)
    return;
  b->figs[b->n++] =
      (struct cg__stock_cfig){fig->sku, fig->qty, fig->asked_ms, false, NULL};
  fig->sku = NULL;
  fig->taken = true;
  fig->held_in->taken++;
}

/* Held pages whose figures were all taken are dropped: they hold
 * nothing more to compare, and Centra's chain may ask for more pages
 * (CG__STOCK_HELD_MAX). None of their figures is in waiting. */
static void drop_taken(struct cg_stock_rec *rec)
{
  struct cg__stock_cpage *prev = NULL, *pg = rec->centra_held.head;
  while (pg != NULL) {
    struct cg__stock_cpage *next = pg->next;
    if (pg->taken == pg->n) {
      queue_unlink(&rec->centra_held, prev, pg);
      rec->held_figs -= pg->n;
      cpage_free(pg);
    } else {
      prev = pg;
    }
    pg = next;
  }
}

/* Queues batch b (when it holds any figure) and drops the held pages it
 * emptied. */
static void batch_queue(struct cg_stock_rec *rec, struct cg__stock_cpage *b)
{
  if (b != NULL && b->n > 0) {
    queue_put(&rec->centra_ready, b);
    drop_taken(rec);
  } else if (b != NULL) {
    cpage_free(b);
  }
}

/* Centra's held page pg, while the snapshot is paged. */
static void pair_centra(struct cg_stock_rec *rec, struct cg__stock_cpage *pg)
{
  struct cg__stock_cpage *b = batch_new(pg->n);
  for (size_t i = 0; i < pg->n; i++) {
    struct cg__stock_cfig *fig = &pg->figs[i];
    if (cg_map_del_str(&rec->applied, fig->sku) != NULL)
      take(b, fig);
    else /* a failure leaves it to the end */
      (void)cg_map_put_str(&rec->waiting, fig->sku, fig);
  }
  batch_queue(rec, b);
}

int cg__stock_drift_page_sku(struct cg_stock_rec *rec, const char *sku)
{
  if (rec->page_n == rec->page_cap) {
    size_t cap = rec->page_cap ? rec->page_cap * 2 : 256;
    char **p = cg_realloc(rec->page_skus, cap * sizeof(*p));
    if (p == NULL)
      return CG_ENOMEM;
    rec->page_skus = p;
    rec->page_cap = cap;
  }
  char *copy = cg_strdup(sku);
  if (copy == NULL)
    return CG_ENOMEM;
  rec->page_skus[rec->page_n++] = copy;
  return 0;
}

void cg__stock_drift_page_done(struct cg_stock_rec *rec, bool ok)
{
  struct cg__stock_cpage *b = ok ? batch_new(rec->page_n) : NULL;
  for (size_t i = 0; ok && i < rec->page_n; i++) {
    const char *sku = rec->page_skus[i];
    struct cg__stock_cfig *fig = cg_map_del_str(&rec->waiting, sku);
    if (fig != NULL)
      take(b, fig);
    else if (rec->applied.n < CG__STOCK_HELD_MAX) /* as many as figures */
      (void)cg_map_put_str(&rec->applied, sku, (void *)1);
  }
  batch_queue(rec, b);
  page_skus_free(rec);
}

/* One Centra page asked for: the call's argument. */
struct ask {
  struct cg_stock_rec *rec;
  int page;
  int64_t sent_ms; /* wall ms */
};

static void on_centra_page(struct cg_call_result *res, void *arg)
{
  struct ask a = *(struct ask *)arg;
  cg_free(arg);
  cg__stock_rec_centra_done(a.rec, a.page, a.sent_ms, res);
}

int cg__stock_drift_next(struct cg_stock_rec *rec, int page)
{
  struct cg_flow *f = rec->st->f;
  struct ask *a = cg_malloc(sizeof(*a));
  if (a == NULL)
    return CG_ENOMEM;
  *a = (struct ask){rec, page, cg_time_now_ms()};
  int rc = cg_centra_fetch_stock(f->centra, f->settings.centra_warehouse, page,
                                 PAGE_PRODUCTS, on_centra_page, a);
  if (rc != 0) {
    cg_free(a);
    cg_log_warn("stock",
                "[merchant=%s] reconcile: Centra stock page %d not asked "
                "(%s)",
                f->merchant, page, cg_strerror(rc));
    return rc;
  }
  rec->centra.calls++;
  return 0;
}

/* "AVAILABLE 5, ALLOCATED 1" (the statuses the engine holds). */
static void levels_text(struct cg_flow *f, const char *sku, char *out, size_t n)
{
  struct cg_store_stock_levels lv = {0};
  size_t at = 0;
  out[0] = '\0';
  if (cg_store_stock_levels(f->store, sku, &lv, NULL) == 0)
    for (size_t i = 0; i < lv.n && at < n; i++) {
      if (lv.items[i].quantity == 0)
        continue; /* only the statuses holding units */
      int w = snprintf(out + at, n - at, "%s%s %lld", at ? ", " : "",
                       lv.items[i].status, (long long)lv.items[i].quantity);
      at += w > 0 ? (size_t)w : 0;
    }
  cg_store_stock_levels_clear(&lv);
  if (out[0] == '\0')
    snprintf(out, n, "none");
}

static int raise_drift(struct cg_stock_rec *rec,
                       const struct cg_store_stock *row, int64_t centra,
                       int64_t p, struct cg_err *err)
{
  struct cg_flow *f = rec->st->f;
  char levels[256], msg[640];
  levels_text(f, row->sku, levels, sizeof(levels));
  snprintf(msg, sizeof(msg),
           "Centra shows %lld units of %s in warehouse %lld, the engine "
           "expects %lld (warehouse: %s; dispatched, not completed in "
           "Centra: %lld; restocked by Centra returns: %lld; last pushed: "
           "%lld); the next push sets %lld",
           (long long)centra, row->sku, (long long)f->settings.centra_warehouse,
           (long long)p, levels, (long long)row->pending_dispatch,
           (long long)row->pending_return, (long long)row->pushed_qty,
           (long long)p);
  int rc = cg_flow_raise(f, DRIFT, KIND, row->sku, msg, NULL, err);
  if (rc == 0)
    rc = cg_store_audit_append(f->store, KIND, row->sku, "drift", msg, NULL,
                               err);
  if (rc == 0 && cg_map_get_str(&rec->drift_open, row->sku) == NULL) {
    rec->drifts++;
    f->metrics.stock_drifts++;
    /* counted once, even if Centra lists the SKU twice (its id is not
     * known here; resolving it waits for the next reconcile) */
    rc = cg_map_put_str(&rec->drift_open, row->sku, (void *)(intptr_t)-1);
  }
  return rc;
}

/* Centra shows P again: its open STOCK_DRIFT (if any) is resolved. */
static int drift_gone(struct cg_stock_rec *rec, const char *sku, int64_t p,
                      struct cg_err *err)
{
  intptr_t id = (intptr_t)cg_map_get_str(&rec->drift_open, sku);
  if (id <= 0)
    return 0;
  char note[160];
  snprintf(note, sizeof(note), "a reconcile found Centra at %lld, as expected",
           (long long)p);
  int rc = cg_store_exception_resolve(rec->st->f->store, (int64_t)id, "engine",
                                      note, err);
  if (rc == CG_EINVAL || rc == CG_ENOTFOUND)
    rc = 0; /* resolved meanwhile */
  if (rc == 0) {
    cg_map_del_str(&rec->drift_open, sku);
    rec->resolved++;
  }
  return rc;
}

/* The SKU is off by centra - p. fresh: its row was made just now (a SKU
 * the warehouse never reported). */
static int differs(struct cg_stock_rec *rec, const struct cg_store_stock *row,
                   int64_t centra, int64_t p, bool fresh, int64_t now,
                   struct cg_err *err)
{
  struct cg_stock *st = rec->st;
  int64_t diff = llabs(centra - p);
  bool quiet = row->batch == 0 && row->dirty_since == 0 && !row->held;
  rec->differ++;
  /* Centra low by no more than D: a completion of ours may have landed
   * in Centra before its outcome reached the engine; that outcome marks
   * the SKU itself (pushing P now would set Centra high meanwhile). */
  if (centra < p && p - centra <= row->pending_dispatch)
    return 0;
  /* Drift is Centra moving after the engine set it: a SKU never pushed
   * (the initial sync, one only Centra holds) shows old data. */
  if (quiet && row->pushed && (!fresh || rec->base >= 0) &&
      diff > cg_stock_policy_drift_threshold(cg__stock_policy(st))) {
    int rc = raise_drift(rec, row, centra, p, err);
    if (rc != 0)
      return rc;
  }
  if (row->dirty_since != 0)
    return 0; /* already on its way */
  return cg_store_stock_touch(st->f->store, row->sku, now, err);
}

/* A SKU Centra holds units of and the warehouse never reported gets a
 * row (its P is 0, so it is corrected): read into *row. */
static int row_new(struct cg_stock_rec *rec, const char *sku, int64_t centra,
                   int64_t now, struct cg_store_stock *row, struct cg_err *err)
{
  struct cg_store *s = rec->st->f->store;
  int rc = cg_store_stock_centra_seen(s, sku, centra, now, err);
  return rc ? rc : cg_store_stock_get(s, sku, row, err);
}

/* P of a staged SKU from the row and levels read with it. */
static int target_seen(struct cg_stock_rec *rec,
                       const struct cg_store_stock_seen *e,
                       const struct cg_store_stock *row, int64_t *p,
                       struct cg_err *err)
{
  struct cg_stock *st = rec->st;
  if (e->more) /* more statuses than the walk holds: read them all */
    return cg_stock_target(st->f, row->sku, p, err);
  *p = cg__stock_target_of(cg__stock_policy(st), row, e->levels,
                           e->known ? e->n : 0);
  return 0;
}

/* One SKU of a list; its figure is recorded for the whole list
 * afterwards (cg_store_stock_cstage_seen) unless skipped here. */
static int compare_seen(struct cg_stock_rec *rec,
                        const struct cg_store_stock_seen *e, int64_t now,
                        struct cg_err *err)
{
  struct cg_store *s = rec->st->f->store;
  struct cg_store_stock fresh_row = {0};
  const struct cg_store_stock *row = &e->row;
  int64_t p = 0;
  if (cg_stock_policy_excluded(cg__stock_policy(rec->st), e->sku))
    return cg_store_stock_cstage_skip(s, e->sku, err);
  if (!e->known) {
    rec->unknown++;
    if (e->centra == 0) /* nothing to correct: no row */
      return cg_store_stock_cstage_skip(s, e->sku, err);
  }
  int rc = e->known ? 0 : row_new(rec, e->sku, e->centra, now, &fresh_row, err);
  row = e->known ? row : &fresh_row;
  if (rc == 0 && row->pushed_at >= e->asked_ms) /* pushed since */
    rc = cg_store_stock_cstage_skip(s, e->sku, err);
  else if (rc == 0 && (rc = target_seen(rec, e, row, &p, err)) == 0) {
    rec->compared++;
    cg_store_stock_image_confirm(s, e->sku); /* recorded below */
    rc = e->centra == p ? drift_gone(rec, e->sku, p, err)
                        : differs(rec, row, e->centra, p, !e->known, now, err);
  }
  cg_store_stock_clear(&fresh_row);
  return rc;
}

/* A figure the image settles (store_stock.h, step 4 of
 * docs/internals/stock-reconcile-plan.md): the SKU untouched since the
 * image was loaded, Centra showing the figure recorded and confirmed last
 * time, and that figure P, with no open STOCK_DRIFT. Compared without the
 * store, and nothing to write. Anything else takes the full path. */
static bool settled(struct cg_stock_rec *rec, const struct cg__stock_cfig *fig)
{
  struct cg_store *s = rec->st->f->store;
  struct cg_store_stock_image_sku im;
  if (cg_stock_policy_excluded(cg__stock_policy(rec->st), fig->sku) ||
      !cg_store_stock_image_settled(s, fig->sku, &im) ||
      im.centra_qty != fig->qty || im.pushed_at >= fig->asked_ms ||
      cg_map_get_str(&rec->drift_open, fig->sku) != NULL)
    return false;
  struct cg_store_stock row = {.sku = fig->sku,
                               .pending_dispatch = im.pending_dispatch,
                               .pending_return = im.pending_return};
  if (cg__stock_target_of(cg__stock_policy(rec->st), &row, im.levels, im.n) !=
      fig->qty)
    return false;
  cg_store_stock_image_confirm(s, fig->sku);
  rec->compared++;
  rec->settled++;
  return true;
}

/* The list's figures (but those taken, and those the image settles)
 * staged, read back with the rows, compared. */
static int compare_page(struct cg_stock_rec *rec,
                        const struct cg__stock_cpage *pg, int64_t now,
                        struct cg_err *err)
{
  struct cg_store *s = rec->st->f->store;
  struct cg_store_stock_seen_list list = {0};
  int rc = 0;
  size_t staged = 0;
  for (size_t i = 0; rc == 0 && i < pg->n; i++) {
    const struct cg__stock_cfig *fig = &pg->figs[i];
    if (fig->taken || settled(rec, fig))
      continue;
    rc = cg_store_stock_cstage(s, fig->sku, fig->qty, fig->asked_ms, err);
    staged++;
  }
  if (rc == 0 && staged == 0)
    return 0;
  if (rc == 0)
    rc = cg_store_stock_cstage_read(s, &list, err);
  for (size_t i = 0; rc == 0 && i < list.n; i++)
    rc = compare_seen(rec, &list.items[i], now, err);
  cg_store_stock_seen_list_clear(&list);
  return rc ? rc : cg_store_stock_cstage_seen(s, now, err);
}

bool cg__stock_drift_last(const cJSON *data)
{
  return cg_json_int(data, "products", 0) < PAGE_PRODUCTS;
}

/* The SKUs of a page's sizes with their physical figures. */
static int figures_of(const cJSON *sizes, int64_t asked_ms,
                      struct cg__stock_cpage *pg)
{
  const cJSON *sz;
  int cap = cJSON_GetArraySize(sizes);
  pg->figs = cap > 0 ? cg_calloc((size_t)cap, sizeof(*pg->figs)) : NULL;
  if (cap > 0 && pg->figs == NULL)
    return CG_ENOMEM;
  cJSON_ArrayForEach(sz, sizes)
  {
    const char *sku = cg_json_str(sz, "sku");
    if (sku == NULL || sku[0] == '\0' || pg->n == (size_t)cap)
      continue;
    struct cg__stock_cfig *fig = &pg->figs[pg->n];
    if ((fig->sku = cg_strdup(sku)) == NULL)
      return CG_ENOMEM;
    fig->qty = cg_json_int(sz, "physical", 0);
    fig->asked_ms = asked_ms;
    fig->held_in = pg;
    pg->n++;
  }
  return 0;
}

int cg__stock_drift_hold(struct cg_stock_rec *rec, const cJSON *data,
                         int64_t asked_ms, struct cg_err *err)
{
  struct cg__stock_cpage *pg = cg_calloc(1, sizeof(*pg));
  int rc =
      pg ? figures_of(cg_json_get(data, "sizes"), asked_ms, pg) : CG_ENOMEM;
  if (rc != 0) {
    if (pg != NULL)
      cpage_free(pg);
    return cg_err_set(err, rc, "out of memory holding a Centra page");
  }
  queue_put(&rec->centra_held, pg);
  rec->held_figs += pg->n;
  if (rec->phase != CG__REC_APPLIED)
    pair_centra(rec, pg);
  return 0;
}

bool cg__stock_drift_due(const struct cg_stock_rec *rec)
{
  return rec->centra_ready.head != NULL ||
         (rec->phase == CG__REC_APPLIED && rec->centra_held.head != NULL);
}

/* A lazy commit (cg_store_begin_lazy): a compare lost to a power cut is
 * made again by the next reconcile. */
int cg__stock_drift_compare(struct cg_stock_rec *rec, struct cg_err *err)
{
  struct cg_flow *f = rec->st->f;
  bool ready = rec->centra_ready.head != NULL;
  struct cg__stock_cqueue *q = ready ? &rec->centra_ready : &rec->centra_held;
  if (!cg__stock_drift_due(rec))
    return 0;
  int64_t before = rec->compared;
  int rc = cg_store_begin_lazy(f->store, err);
  if (rc != 0)
    return rc;
  rc = compare_page(rec, q->head, cg_time_now_ms(), err);
  if ((rc = cg__stock_tx_end(f, rc, err)) != 0)
    return rc;
  struct cg__stock_cpage *pg = queue_pop(q);
  if (ready)
    rec->early += rec->compared - before;
  else
    rec->held_figs -= pg->n;
  cpage_free(pg);
  return 0;
}
