/*
 * store_stock: see store_stock.h. The stock flow's rows (schema step 9):
 * per SKU the levels per status, the applied-event log, the dispatched
 * units not completed in Centra, the push state, and the sequences seen.
 * Multi-statement writes run in a savepoint, so each is atomic inside or
 * outside the caller's transaction.
 */
#include "store/store_stock.h"

#include "base/err.h"
#include "base/mem.h"
#include "base/time.h"
#include "store/store.h"
#include "store/store_int.h"

#include <stdio.h>
#include <string.h>

/* ---- reads ---------------------------------------------------------------*/

int cg__store_stock_read(sqlite3_stmt *st, struct cg_store_stock *o)
{
  o->base_seq = sqlite3_column_int64(st, 1);
  o->version = sqlite3_column_int64(st, 2);
  o->pending_dispatch = sqlite3_column_int64(st, 3);
  o->pending_return = sqlite3_column_int64(st, 4);
  o->pushed = sqlite3_column_int(st, 5) != 0;
  o->pushed_qty = sqlite3_column_int64(st, 6);
  o->pushed_version = sqlite3_column_int64(st, 7);
  o->pushed_at = sqlite3_column_int64(st, 8);
  o->dirty_since = sqlite3_column_int64(st, 9);
  o->batch = sqlite3_column_int64(st, 10);
  o->held = sqlite3_column_int(st, 11) != 0;
  o->centra_known = sqlite3_column_int(st, 12);
  o->centra_qty = sqlite3_column_int64(st, 13);
  o->reconciled_at = sqlite3_column_int64(st, 14);
  o->updated_at = sqlite3_column_int64(st, 15);
  return cg__store_col_text(st, 0, &o->sku);
}

int cg_store_stock_get(struct cg_store *s, const char *sku,
                       struct cg_store_stock *out, struct cg_err *err)
{
  memset(out, 0, sizeof(*out));
  sqlite3_stmt *st = s->st[CG__ST_STOCK_GET];
  int ret = cg__store_bind(s, st, err, "s", sku);
  if (ret == 0)
    ret = cg__store_step_row(s, st, "stock: get", err);
  if (ret != 0)
    return ret;
  if (cg__store_stock_read(st, out) != 0) {
    cg_store_stock_clear(out);
    ret = cg_err_set(err, CG_ENOMEM, "stock: get: out of memory");
  }
  cg__store_done(st);
  return ret;
}

static int read_level(sqlite3_stmt *st, void *row)
{
  struct cg_store_stock_level *l = row;
  const char *status = (const char *)sqlite3_column_text(st, 0);
  snprintf(l->status, sizeof(l->status), "%s", status ? status : "");
  l->quantity = sqlite3_column_int64(st, 1);
  return 0;
}

static void clear_level(void *row)
{
  memset(row, 0, sizeof(struct cg_store_stock_level));
}

int cg_store_stock_levels(struct cg_store *s, const char *sku,
                          struct cg_store_stock_levels *out, struct cg_err *err)
{
  memset(out, 0, sizeof(*out));
  sqlite3_stmt *st = s->st[CG__ST_STOCK_LEVELS];
  int ret = cg__store_bind(s, st, err, "s", sku);
  if (ret != 0)
    return ret;
  return cg__store_rows(s, st, sizeof(*out->items), read_level, clear_level,
                        (void **)&out->items, &out->n, "stock: levels", err);
}

/* ---- shared writes -------------------------------------------------------*/

/* Creates sku's row if it has none. */
static int ensure(struct cg_store *s, const char *sku, int64_t now_ms,
                  struct cg_err *err)
{
  if (sku == NULL || *sku == '\0')
    return cg_err_set(err, CG_EINVAL, "stock: a SKU is required");
  cg__store_stock_image_touch(s, sku);
  sqlite3_stmt *st = s->st[CG__ST_STOCK_ENSURE];
  int ret = cg__store_bind(s, st, err, "sI", sku, now_ms);
  return ret ? ret : cg__store_exec(s, st, "stock: ensure", err);
}

/* Bumps the version, marks dirty (first time kept), adds d to D and r to
 * R. CG_ENOTFOUND if sku has no row. */
static int mark(struct cg_store *s, const char *sku, int64_t now_ms, int64_t d,
                int64_t r, struct cg_err *err)
{
  sqlite3_stmt *st = s->st[CG__ST_STOCK_MARK];
  cg__store_stock_image_touch(s, sku);
  int ret = cg__store_bind(s, st, err, "sIII", sku, now_ms, d, r);
  if (ret == 0)
    ret = cg__store_exec(s, st, "stock: mark", err);
  if (ret == 0 && sqlite3_changes(s->db) == 0)
    ret = cg_err_set(err, CG_ENOTFOUND, "stock: no SKU %s", sku);
  return ret;
}

static int level_add(struct cg_store *s, const char *sku, const char *status,
                     int64_t delta, struct cg_err *err)
{
  sqlite3_stmt *st = s->st[CG__ST_STOCK_LEVEL_ADD];
  cg__store_stock_image_touch(s, sku);
  int ret = cg__store_bind(s, st, err, "ssI", sku, status, delta);
  return ret ? ret : cg__store_exec(s, st, "stock: level", err);
}

/* Runs one statement keyed by sku (and fmt's further arguments already
 * bound by the caller): CG_ENOTFOUND when it changed no row. */
static int exec_sku(struct cg_store *s, sqlite3_stmt *st, const char *sku,
                    const char *what, struct cg_err *err)
{
  cg__store_stock_image_touch(s, sku);
  int ret = cg__store_exec(s, st, what, err);
  if (ret == 0 && sqlite3_changes(s->db) == 0)
    ret = cg_err_set(err, CG_ENOTFOUND, "%s: no SKU %s", what, sku);
  return ret;
}

/* ---- applying events -----------------------------------------------------*/

int cg_store_stock_bases(struct cg_store *s, int64_t *done, int64_t *applying,
                         struct cg_err *err)
{
  sqlite3_stmt *st = s->st[CG__ST_STOCK_BASES];
  int rc = sqlite3_step(st);
  *done = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
  *applying = rc == SQLITE_ROW ? sqlite3_column_int64(st, 1) : 0;
  cg__store_done(st);
  return rc == SQLITE_ROW ? 0 : cg__store_dberr(s->db, rc, "stock: bases", err);
}

/* sku's effective base (its own or the last snapshot's, the larger) and
 * the snapshot being applied. */
static int base_of(struct cg_store *s, const char *sku, int64_t *base,
                   int64_t *applying, struct cg_err *err)
{
  struct cg_store_stock row = {0};
  int64_t done = 0;
  int ret = cg_store_stock_get(s, sku, &row, err);
  if (ret == 0)
    ret = cg_store_stock_bases(s, &done, applying, err);
  *base = row.base_seq > done ? row.base_seq : done;
  cg_store_stock_clear(&row);
  return ret;
}

/* Logs (seq, sku, status): *fresh false when it was logged already. */
static int log_event(struct cg_store *s, int64_t seq, const char *sku,
                     const char *status, int64_t delta, bool *fresh,
                     struct cg_err *err)
{
  sqlite3_stmt *st = s->st[CG__ST_STOCK_EVENT_LOG];
  int ret = cg__store_bind(s, st, err, "IssI", seq, sku, status, delta);
  if (ret == 0)
    ret = cg__store_exec(s, st, "stock: log", err);
  *fresh = ret == 0 && sqlite3_changes(s->db) > 0;
  return ret;
}

/* Whether a page of a snapshot as of seq or later was the last to apply
 * sku (cg_store_stock_paged): that page counted the event of seq. */
static int paged_since(struct cg_store *s, const char *sku, int64_t seq,
                       bool *yes, struct cg_err *err)
{
  size_t n = strlen(sku);
  char *needle = cg_malloc(n + 3);
  if (needle == NULL)
    return cg_err_set(err, CG_ENOMEM, "stock: out of memory");
  needle[0] = CG_STORE_STOCK_PAGED_SEP;
  memcpy(needle + 1, sku, n);
  needle[n + 1] = CG_STORE_STOCK_PAGED_SEP;
  needle[n + 2] = '\0';
  sqlite3_stmt *st = s->st[CG__ST_STOCK_PAGED_OF];
  int ret = cg__store_bind(s, st, err, "s", needle);
  int rc = ret == 0 ? sqlite3_step(st) : SQLITE_DONE;
  *yes = rc == SQLITE_ROW && sqlite3_column_int64(st, 0) >= seq;
  if (ret == 0 && rc != SQLITE_ROW && rc != SQLITE_DONE)
    ret = cg__store_dberr(s->db, rc, "stock: paged", err);
  cg__store_done(st);
  cg_free(needle);
  return ret;
}

/* An event at or below the snapshot being applied whose SKU a page of it
 * (or of a later one) already applied is logged, not applied (*applied
 * false): that page counted it, and applied now it would count twice. One
 * whose SKU no page applied yet is applied: the page will set W from the
 * snapshot and the log above it, which leaves it out. */
static int apply_in_sp(struct cg_store *s, int64_t seq, const char *sku,
                       const char *status, int64_t delta, int64_t now_ms,
                       bool *applied, struct cg_err *err)
{
  int64_t base = 0, applying = 0;
  bool held = false;
  int ret = ensure(s, sku, now_ms, err);
  if (ret == 0)
    ret = base_of(s, sku, &base, &applying, err);
  if (ret != 0 || seq <= base)
    return ret;
  ret = log_event(s, seq, sku, status, delta, applied, err);
  if (ret == 0 && *applied && seq <= applying)
    ret = paged_since(s, sku, seq, &held, err);
  if (ret == 0 && held)
    *applied = false; /* held: counted by the page */
  if (ret == 0 && *applied)
    ret = level_add(s, sku, status, delta, err);
  if (ret == 0 && *applied)
    ret = mark(s, sku, now_ms, 0, 0, err);
  return ret;
}

int cg_store_stock_apply(struct cg_store *s, int64_t seq, const char *sku,
                         const char *status, int64_t delta, int64_t now_ms,
                         bool *applied, struct cg_err *err)
{
  bool done = false;
  if (applied != NULL)
    *applied = false;
  if (seq < 1 || status == NULL || *status == '\0' ||
      strlen(status) >= CG_STOCK_STATUS_MAX)
    return cg_err_set(err, CG_EINVAL,
                      "stock: apply needs seq >= 1 and a "
                      "status");
  int ret = cg__store_sp_begin(s, err);
  if (ret != 0)
    return ret;
  ret = apply_in_sp(s, seq, sku, status, delta, now_ms, &done, err);
  int end = cg__store_sp_end(s, ret == 0, err);
  if (ret == 0 && end == 0 && applied != NULL)
    *applied = done;
  return ret ? ret : end;
}

/* ---- D and R -------------------------------------------------------------*/

static int dispatch_add_sp(struct cg_store *s, const char *shipment_id,
                           const char *sku, int64_t quantity, int64_t now_ms,
                           struct cg_err *err)
{
  int ret = ensure(s, sku, now_ms, err);
  sqlite3_stmt *st = s->st[CG__ST_STOCK_DISPATCH_PUT];
  if (ret == 0)
    ret = cg__store_bind(s, st, err, "ssI", shipment_id, sku, quantity);
  if (ret == 0)
    ret = cg__store_exec(s, st, "stock: dispatch", err);
  if (ret == 0 && sqlite3_changes(s->db) == 0)
    return cg_err_set(err, CG_EEXIST, "stock: %s of %s already recorded", sku,
                      shipment_id);
  return ret ? ret : mark(s, sku, now_ms, quantity, 0, err);
}

int cg_store_stock_dispatch_add(struct cg_store *s, const char *shipment_id,
                                const char *sku, int64_t quantity,
                                int64_t now_ms, struct cg_err *err)
{
  if (shipment_id == NULL || *shipment_id == '\0')
    return cg_err_set(err, CG_EINVAL, "stock: dispatch needs a shipment id");
  int ret = cg__store_sp_begin(s, err);
  if (ret != 0)
    return ret;
  ret = dispatch_add_sp(s, shipment_id, sku, quantity, now_ms, err);
  int end = cg__store_sp_end(s, ret == 0, err);
  return ret ? ret : end;
}

static int dispatch_done_sp(struct cg_store *s, const char *shipment_id,
                            int64_t now_ms, struct cg_err *err)
{
  struct cg_store_count_list l = {0};
  sqlite3_stmt *st = s->st[CG__ST_STOCK_DISPATCH_LIST];
  int ret = cg__store_bind(s, st, err, "s", shipment_id);
  if (ret == 0)
    ret = cg__store_count_list(s, st, &l, "stock: dispatch list", err);
  for (size_t i = 0; ret == 0 && i < l.n; i++)
    ret = mark(s, l.items[i].name, now_ms, -l.items[i].count, 0, err);
  cg_store_count_list_clear(&l);
  st = s->st[CG__ST_STOCK_DISPATCH_FORGET];
  if (ret == 0)
    ret = cg__store_bind(s, st, err, "s", shipment_id);
  return ret ? ret : cg__store_exec(s, st, "stock: dispatch forget", err);
}

int cg_store_stock_dispatch_done(struct cg_store *s, const char *shipment_id,
                                 int64_t now_ms, struct cg_err *err)
{
  if (shipment_id == NULL)
    return cg_err_set(err, CG_EINVAL, "stock: dispatch needs a shipment id");
  int ret = cg__store_sp_begin(s, err);
  if (ret != 0)
    return ret;
  ret = dispatch_done_sp(s, shipment_id, now_ms, err);
  int end = cg__store_sp_end(s, ret == 0, err);
  return ret ? ret : end;
}

int cg_store_stock_dispatch_resolved(struct cg_store *s,
                                     const char *entity_kind, int limit,
                                     struct cg_store_count_list *out,
                                     struct cg_err *err)
{
  memset(out, 0, sizeof(*out));
  sqlite3_stmt *st = s->st[CG__ST_STOCK_DISPATCH_RESOLVED];
  int ret = cg__store_bind(s, st, err, "si", entity_kind, limit);
  return ret ? ret
             : cg__store_count_list(s, st, out, "stock: resolved consignments",
                                    err);
}

int cg_store_stock_return_add(struct cg_store *s, const char *sku,
                              int64_t delta, int64_t now_ms, struct cg_err *err)
{
  int ret = ensure(s, sku, now_ms, err);
  return ret ? ret : mark(s, sku, now_ms, 0, delta, err);
}

int cg_store_stock_touch(struct cg_store *s, const char *sku, int64_t now_ms,
                         struct cg_err *err)
{
  return mark(s, sku, now_ms, 0, 0, err);
}

/* ---- pushing -------------------------------------------------------------*/

int cg_store_stock_dirty(struct cg_store *s, size_t limit,
                         struct cg_store_count_list *out, struct cg_err *err)
{
  memset(out, 0, sizeof(*out));
  sqlite3_stmt *st = s->st[CG__ST_STOCK_DIRTY];
  int ret = cg__store_bind(s, st, err, "I", (int64_t)limit);
  return ret ? ret : cg__store_count_list(s, st, out, "stock: dirty", err);
}

int cg_store_stock_dirty_count(struct cg_store *s, int64_t *n,
                               struct cg_err *err)
{
  *n = 0;
  sqlite3_stmt *st = s->st[CG__ST_STOCK_DIRTY_COUNT];
  int ret = cg__store_step_row(s, st, "stock: dirty count", err);
  if (ret != 0)
    return ret;
  *n = sqlite3_column_int64(st, 0);
  cg__store_done(st);
  return 0;
}

int cg_store_stock_dirty_atleast(struct cg_store *s, int64_t n, bool *yes,
                                 struct cg_err *err)
{
  *yes = false;
  sqlite3_stmt *st = s->st[CG__ST_STOCK_DIRTY_ATLEAST];
  int ret = cg__store_bind(s, st, err, "I", n > 0 ? n - 1 : 0);
  if (ret == 0)
    ret = cg__store_step_row(s, st, "stock: dirty count", err);
  if (ret == CG_ENOTFOUND)
    return 0;
  if (ret != 0)
    return ret;
  *yes = true;
  cg__store_done(st);
  return 0;
}

int cg_store_stock_batch_take(struct cg_store *s, const char *sku,
                              int64_t batch, struct cg_err *err)
{
  sqlite3_stmt *st = s->st[CG__ST_STOCK_BATCH_TAKE];
  int ret = cg__store_bind(s, st, err, "sII", sku, batch, cg_time_now_ms());
  return ret ? ret : exec_sku(s, st, sku, "stock: batch take", err);
}

int cg_store_stock_batch_done(struct cg_store *s, const char *sku, bool ok,
                              int64_t qty, int64_t version, int64_t now_ms,
                              struct cg_err *err)
{
  sqlite3_stmt *st = s->st[CG__ST_STOCK_BATCH_DONE];
  int ret = cg__store_bind(s, st, err, "siIII", sku, ok ? 1 : 0, qty, version,
                           now_ms);
  return ret ? ret : exec_sku(s, st, sku, "stock: batch done", err);
}

int cg_store_stock_clean(struct cg_store *s, const char *sku,
                         struct cg_err *err)
{
  sqlite3_stmt *st = s->st[CG__ST_STOCK_CLEAN];
  int ret = cg__store_bind(s, st, err, "s", sku);
  return ret ? ret : exec_sku(s, st, sku, "stock: clean", err);
}

int cg_store_stock_hold(struct cg_store *s, const char *sku, bool held,
                        int64_t now_ms, struct cg_err *err)
{
  sqlite3_stmt *st = s->st[CG__ST_STOCK_HOLD];
  int ret = cg__store_bind(s, st, err, "siI", sku, held ? 1 : 0, now_ms);
  return ret ? ret : exec_sku(s, st, sku, "stock: hold", err);
}

/* ---- reconcile -----------------------------------------------------------*/

int cg_store_stock_centra_seen(struct cg_store *s, const char *sku, int64_t qty,
                               int64_t now_ms, struct cg_err *err)
{
  int ret = ensure(s, sku, now_ms, err);
  sqlite3_stmt *st = s->st[CG__ST_STOCK_CENTRA_SEEN];
  if (ret == 0)
    ret = cg__store_bind(s, st, err, "sII", sku, qty, now_ms);
  return ret ? ret : exec_sku(s, st, sku, "stock: centra seen", err);
}

/* ---- snapshots -----------------------------------------------------------*/

/* One SKU is a page of one (store_stock_stage.c): one implementation. */
static int snapshot_sp(struct cg_store *s, const char *sku,
                       const struct cg_store_stock_level *levels, size_t n,
                       int64_t as_of_seq, int64_t now_ms, bool *stale,
                       struct cg_err *err)
{
  int64_t dropped = 0;
  int ret = cg_store_stock_stage(s, sku, levels, n, err);
  if (ret == 0)
    ret = cg__store_stock_stage_apply_sku(s, as_of_seq, now_ms, &dropped, err);
  *stale = dropped > 0;
  return ret;
}

int cg_store_stock_snapshot_sku(struct cg_store *s, const char *sku,
                                const struct cg_store_stock_level *levels,
                                size_t n, int64_t as_of_seq, int64_t now_ms,
                                bool *stale, struct cg_err *err)
{
  bool old = false;
  if (stale != NULL)
    *stale = false;
  if (as_of_seq < 0 || (n > 0 && levels == NULL))
    return cg_err_set(err, CG_EINVAL,
                      "stock: snapshot needs asOfSequence "
                      ">= 0");
  int ret = cg__store_sp_begin(s, err);
  if (ret != 0)
    return ret;
  ret = snapshot_sp(s, sku, levels, n, as_of_seq, now_ms, &old, err);
  int end = cg__store_sp_end(s, ret == 0, err);
  if (ret == 0 && end == 0 && stale != NULL)
    *stale = old;
  return ret ? ret : end;
}

int cg_store_stock_unlisted(struct cg_store *s, int64_t as_of_seq,
                            const char *after, size_t limit,
                            struct cg_store_count_list *out, struct cg_err *err)
{
  memset(out, 0, sizeof(*out));
  sqlite3_stmt *st = s->st[CG__ST_STOCK_UNLISTED];
  int ret = cg__store_bind(s, st, err, "IsII", as_of_seq, after ? after : "",
                           (int64_t)limit, (int64_t)(as_of_seq != INT64_MAX));
  return ret ? ret : cg__store_count_list(s, st, out, "stock: unlisted", err);
}

/* ---- sequences -----------------------------------------------------------*/

static int seq_read(struct cg_store *s, int64_t *w, int64_t *h,
                    struct cg_err *err)
{
  sqlite3_stmt *st = s->st[CG__ST_STOCK_SEQ_STATE];
  int ret = cg__store_step_row(s, st, "stock: sequences", err);
  if (ret != 0)
    return ret;
  *w = sqlite3_column_int64(st, 0);
  *h = sqlite3_column_int64(st, 1);
  cg__store_done(st);
  return 0;
}

/* Moves *w over every seen sequence right above it, forgetting them. */
static int seq_advance(struct cg_store *s, int64_t *w, struct cg_err *err)
{
  sqlite3_stmt *st = s->st[CG__ST_STOCK_SEQ_TAKE];
  for (;;) {
    int ret = cg__store_bind(s, st, err, "I", *w + 1);
    if (ret == 0)
      ret = cg__store_exec(s, st, "stock: sequence take", err);
    if (ret != 0)
      return ret;
    if (sqlite3_changes(s->db) == 0)
      return 0;
    (*w)++;
  }
}

static int seq_write(struct cg_store *s, int64_t w, int64_t h,
                     struct cg_err *err)
{
  sqlite3_stmt *st = s->st[CG__ST_STOCK_SEQ_SET];
  int ret = cg__store_bind(s, st, err, "II", w, h > w ? h : w);
  return ret ? ret : cg__store_exec(s, st, "stock: sequences set", err);
}

static int seen_sp(struct cg_store *s, int64_t seq, struct cg_err *err)
{
  int64_t w = 0, h = 0;
  int ret = seq_read(s, &w, &h, err);
  if (ret != 0 || seq <= w)
    return ret;
  if (seq == w + 1) {
    w = seq;
    ret = seq_advance(s, &w, err);
  } else {
    sqlite3_stmt *st = s->st[CG__ST_STOCK_SEQ_PUT];
    ret = cg__store_bind(s, st, err, "II", seq, cg_time_now_ms());
    if (ret == 0)
      ret = cg__store_exec(s, st, "stock: sequence", err);
  }
  return ret ? ret : seq_write(s, w, seq > h ? seq : h, err);
}

int cg_store_stock_seq_seen(struct cg_store *s, int64_t seq, struct cg_err *err)
{
  if (seq < 1)
    return cg_err_set(err, CG_EINVAL, "stock: sequence %lld < 1",
                      (long long)seq);
  int ret = cg__store_sp_begin(s, err);
  if (ret != 0)
    return ret;
  ret = seen_sp(s, seq, err);
  int end = cg__store_sp_end(s, ret == 0, err);
  return ret ? ret : end;
}

int cg_store_stock_seq_state(struct cg_store *s, int64_t *watermark,
                             int64_t *highest, int64_t *hole_since,
                             struct cg_err *err)
{
  *watermark = *highest = *hole_since = 0;
  int ret = seq_read(s, watermark, highest, err);
  if (ret != 0 || *highest <= *watermark)
    return ret;
  sqlite3_stmt *st = s->st[CG__ST_STOCK_SEQ_HOLE];
  ret = cg__store_step_row(s, st, "stock: hole", err);
  if (ret != 0)
    return ret;
  *hole_since = sqlite3_column_int64(st, 0);
  cg__store_done(st);
  return 0;
}

static int cover_sp(struct cg_store *s, int64_t seq, struct cg_err *err)
{
  int64_t w = 0, h = 0;
  sqlite3_stmt *st = s->st[CG__ST_STOCK_SEQ_COVER];
  int ret = seq_read(s, &w, &h, err);
  if (ret == 0)
    ret = cg__store_bind(s, st, err, "I", seq);
  if (ret == 0)
    ret = cg__store_exec(s, st, "stock: sequences cover", err);
  w = seq > w ? seq : w;
  if (ret == 0)
    ret = seq_advance(s, &w, err);
  return ret ? ret : seq_write(s, w, h, err);
}

int cg_store_stock_seq_cover(struct cg_store *s, int64_t seq,
                             struct cg_err *err)
{
  int ret = cg__store_sp_begin(s, err);
  if (ret != 0)
    return ret;
  ret = cover_sp(s, seq, err);
  int end = cg__store_sp_end(s, ret == 0, err);
  return ret ? ret : end;
}

/* Statement i (a delete of what lies above seq, seen before asked_ms). */
static int delete_ahead(struct cg_store *s, enum cg__st i, int64_t seq,
                        int64_t asked_ms, const char *what, struct cg_err *err)
{
  int ret = cg__store_bind(s, s->st[i], err, "II", seq, asked_ms);
  return ret ? ret : cg__store_exec(s, s->st[i], what, err);
}

static int drop_ahead_sp(struct cg_store *s, int64_t seq, int64_t asked_ms,
                         int64_t *dropped, struct cg_err *err)
{
  int64_t w = 0, h = 0;
  sqlite3_stmt *st;
  int ret = seq_read(s, &w, &h, err);
  if (ret == 0) /* the changes first: they are found through stock_seq */
    ret = delete_ahead(s, CG__ST_STOCK_EVENTS_DROP_AHEAD, seq, asked_ms,
                       "stock: changes ahead", err);
  if (ret == 0)
    ret = delete_ahead(s, CG__ST_STOCK_SEQ_DROP_AHEAD, seq, asked_ms,
                       "stock: sequences ahead", err);
  *dropped = ret == 0 ? sqlite3_changes(s->db) : 0;
  if (ret != 0 || *dropped == 0)
    return ret;
  st = s->st[CG__ST_STOCK_SEQ_MAX];
  ret = cg__store_step_row(s, st, "stock: highest sequence", err);
  if (ret != 0)
    return ret;
  h = sqlite3_column_int64(st, 0); /* NULL (none left): 0 */
  cg__store_done(st);
  return seq_write(s, w, h > w ? h : w, err);
}

int cg_store_stock_seq_drop_ahead(struct cg_store *s, int64_t seq,
                                  int64_t asked_ms, int64_t *dropped,
                                  struct cg_err *err)
{
  int64_t n = 0;
  int ret = cg__store_sp_begin(s, err);
  if (ret != 0)
    return ret;
  ret = drop_ahead_sp(s, seq, asked_ms, &n, err);
  int end = cg__store_sp_end(s, ret == 0, err);
  if (dropped != NULL)
    *dropped = ret == 0 && end == 0 ? n : 0;
  return ret ? ret : end;
}

void cg_store_stock_clear(struct cg_store_stock *st)
{
  if (st == NULL)
    return;
  cg_free(st->sku);
  memset(st, 0, sizeof(*st));
}

void cg_store_stock_levels_clear(struct cg_store_stock_levels *l)
{
  if (l == NULL)
    return;
  cg_free(l->items);
  l->items = NULL;
  l->n = 0;
}
