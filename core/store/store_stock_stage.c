/*
 * store_stock_stage: the stock reconcile's pages, set-based (see
 * store_stock.h, docs/internals/stock.md "How a reconcile runs"). A page
 * of a warehouse snapshot (or a batch of SKUs it did not list) is staged
 * in the connection's TEMP tables and applied with a dozen statements for
 * the whole page instead of a dozen per SKU; a page of Centra's figures is
 * staged, read back with every SKU's row and levels in one walk, and
 * recorded with one statement. The TEMP tables are created at open (not a
 * schema step: they are the connection's own); they are transactional,
 * so a rollback empties them too. The stages hold nothing between calls;
 * stock_listed holds the SKUs the snapshot being applied has listed so
 * far (the unlisted pass reads it), and a restart, which pages the
 * snapshot again from its start, loses nothing by emptying it.
 */
#include "store/store_stock.h"

#include "base/err.h"
#include "base/mem.h"
#include "store/store.h"
#include "store/store_int.h"

#include <stdio.h>
#include <string.h>

static const char stage_tables[] =
    "CREATE TEMP TABLE stock_stage (sku TEXT NOT NULL, status TEXT NOT NULL,"
    " qty INTEGER NOT NULL, old INTEGER, PRIMARY KEY (sku, status))"
    " WITHOUT ROWID;"
    "CREATE TEMP TABLE stock_stage_sku (sku TEXT NOT NULL PRIMARY KEY)"
    " WITHOUT ROWID;"
    "CREATE TEMP TABLE stock_listed (sku TEXT NOT NULL PRIMARY KEY)"
    " WITHOUT ROWID;"
    "CREATE TEMP TABLE stock_cstage (sku TEXT NOT NULL PRIMARY KEY,"
    " qty INTEGER NOT NULL, asked INTEGER NOT NULL,"
    " skip INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;";

int cg__store_stock_stage_init(sqlite3 *db, struct cg_err *err)
{
  int rc = sqlite3_exec(db, stage_tables, NULL, NULL, NULL);
  return rc == SQLITE_OK ? 0
                         : cg__store_dberr(db, rc, "stock: stage tables", err);
}

/* ---- a snapshot page -----------------------------------------------------*/

int cg_store_stock_stage(struct cg_store *s, const char *sku,
                         const struct cg_store_stock_level *levels, size_t n,
                         struct cg_err *err)
{
  if (sku == NULL || *sku == '\0' || (n > 0 && levels == NULL))
    return cg_err_set(err, CG_EINVAL, "stock: stage needs a SKU");
  cg__store_stock_image_touch(s, sku); /* the apply may write it */
  sqlite3_stmt *st = s->st[CG__ST_STOCK_STAGE_LEVEL];
  int ret = 0;
  size_t staged = 0;
  for (size_t i = 0; ret == 0 && i < n; i++) {
    if (levels[i].quantity == 0)
      continue; /* the same as not listed: most statuses hold nothing */
    ret = cg__store_bind(s, st, err, "ssI", sku, levels[i].status,
                         levels[i].quantity);
    if (ret == 0)
      ret = cg__store_exec(s, st, "stock: stage", err);
    staged++;
  }
  if (ret != 0 || staged > 0)
    return ret;
  st = s->st[CG__ST_STOCK_STAGE_SKU]; /* no level: the SKU on its own */
  ret = cg__store_bind(s, st, err, "s", sku);
  return ret ? ret : cg__store_exec(s, st, "stock: stage", err);
}

/* Runs statement i (no rows) with up to two int64 parameters (bound by
 * the count in fmt: "", "I" or "II"). */
static int run(struct cg_store *s, enum cg__st i, const char *fmt, int64_t a,
               int64_t b, struct cg_err *err)
{
  sqlite3_stmt *st = s->st[i];
  int ret = 0;
  if (fmt[0] != '\0')
    ret = fmt[1] ? cg__store_bind(s, st, err, "II", a, b)
                 : cg__store_bind(s, st, err, "I", a);
  return ret ? ret : cg__store_exec(s, st, "stock: stage apply", err);
}

/* The staged SKUs whose base is at or above as_of_seq leave the stage. */
static int drop_stale(struct cg_store *s, int64_t as_of_seq, int64_t *stale,
                      struct cg_err *err)
{
  int ret = run(s, CG__ST_STOCK_STAGE_STALE, "I", as_of_seq, 0, err);
  int64_t n = ret == 0 ? sqlite3_changes(s->db) : 0;
  if (stale != NULL)
    *stale = n;
  if (ret == 0 && n > 0)
    ret = run(s, CG__ST_STOCK_STAGE_STALE_LEVELS, "", 0, 0, err);
  return ret;
}

/* page: a page of a snapshot (the base stays in the cursors, the SKUs
 * are noted as listed); else one SKU's own snapshot (its row's base set
 * and its log pruned, as before the cursors held the base). */
static int apply_staged(struct cg_store *s, int64_t as_of_seq, int64_t now_ms,
                        bool page, int64_t *stale, struct cg_err *err)
{
  int ret = run(s, CG__ST_STOCK_STAGE_SKUS, "", 0, 0, err);
  if (ret == 0)
    ret = drop_stale(s, as_of_seq, stale, err);
  if (ret == 0)
    ret = page ? run(s, CG__ST_STOCK_STAGE_ROWS, "I", now_ms, 0, err)
               : run(s, CG__ST_STOCK_STAGE_BASE, "II", as_of_seq, now_ms, err);
  if (ret == 0)
    ret = run(s, CG__ST_STOCK_STAGE_EVENTS, "I", as_of_seq, 0, err);
  if (ret == 0)
    ret = run(s, CG__ST_STOCK_STAGE_OLD, "", 0, 0, err);
  if (ret == 0)
    ret = run(s, CG__ST_STOCK_STAGE_MARK, "I", now_ms, 0, err);
  if (ret == 0)
    ret = run(s, CG__ST_STOCK_STAGE_WRITE, "", 0, 0, err);
  if (ret == 0 && page)
    ret = run(s, CG__ST_STOCK_STAGE_LISTED, "", 0, 0, err);
  if (ret == 0 && page)
    ret = run(s, CG__ST_STOCK_APPLYING_SET, "II", as_of_seq, now_ms, err);
  if (ret == 0 && !page)
    ret = run(s, CG__ST_STOCK_STAGE_PRUNE, "I", as_of_seq, 0, err);
  return ret;
}

static int stage_apply(struct cg_store *s, int64_t as_of_seq, int64_t now_ms,
                       bool page, int64_t *stale, struct cg_err *err)
{
  if (stale != NULL)
    *stale = 0;
  if (as_of_seq < 0)
    return cg_err_set(err, CG_EINVAL,
                      "stock: snapshot needs asOfSequence >= 0");
  int ret = apply_staged(s, as_of_seq, now_ms, page, stale, err);
  /* emptied on failure too: the caller's rollback may not reach back
   * before the staging (a savepoint inside a longer transaction) */
  struct cg_err scratch = {0};
  int clear = run(s, CG__ST_STOCK_STAGE_CLEAR, "", 0, 0, ret ? &scratch : err);
  if (clear == 0)
    clear =
        run(s, CG__ST_STOCK_STAGE_CLEAR_SKUS, "", 0, 0, ret ? &scratch : err);
  return ret ? ret : clear;
}

int cg_store_stock_stage_apply(struct cg_store *s, int64_t as_of_seq,
                               int64_t now_ms, int64_t *stale,
                               struct cg_err *err)
{
  return stage_apply(s, as_of_seq, now_ms, true, stale, err);
}

int cg__store_stock_stage_apply_sku(struct cg_store *s, int64_t as_of_seq,
                                    int64_t now_ms, int64_t *stale,
                                    struct cg_err *err)
{
  return stage_apply(s, as_of_seq, now_ms, false, stale, err);
}

int cg_store_stock_listed(struct cg_store *s, const char *sku,
                          struct cg_err *err)
{
  sqlite3_stmt *st = s->st[CG__ST_STOCK_LISTED_PUT];
  int ret = cg__store_bind(s, st, err, "s", sku);
  return ret ? ret : cg__store_exec(s, st, "stock: listed", err);
}

int cg_store_stock_paged(struct cg_store *s, int64_t as_of_seq,
                         const char *skus, struct cg_err *err)
{
  sqlite3_stmt *st = s->st[CG__ST_STOCK_PAGED_PUT];
  int ret = cg__store_bind(s, st, err, "Is", as_of_seq, skus);
  return ret ? ret : cg__store_exec(s, st, "stock: paged", err);
}

int cg_store_stock_listed_clear(struct cg_store *s, struct cg_err *err)
{
  return run(s, CG__ST_STOCK_LISTED_CLEAR, "", 0, 0, err);
}

int cg_store_stock_snapshot_applied(struct cg_store *s, int64_t as_of_seq,
                                    struct cg_err *err)
{
  int ret = run(s, CG__ST_STOCK_APPLIED_PRUNE, "I", as_of_seq, 0, err);
  if (ret == 0)
    ret = run(s, CG__ST_STOCK_APPLYING_CLEAR, "", 0, 0, err);
  if (ret == 0)
    ret = run(s, CG__ST_STOCK_PAGED_CLEAR, "", 0, 0, err);
  return ret ? ret : cg_store_stock_listed_clear(s, err);
}

/* ---- a Centra page -------------------------------------------------------*/

int cg_store_stock_cstage(struct cg_store *s, const char *sku, int64_t qty,
                          int64_t asked_ms, struct cg_err *err)
{
  sqlite3_stmt *st = s->st[CG__ST_STOCK_CSTAGE_PUT];
  cg__store_stock_image_touch(s, sku); /* its figure is recorded */
  int ret = cg__store_bind(s, st, err, "sII", sku, qty, asked_ms);
  return ret ? ret : cg__store_exec(s, st, "stock: centra stage", err);
}

int cg_store_stock_cstage_skip(struct cg_store *s, const char *sku,
                               struct cg_err *err)
{
  sqlite3_stmt *st = s->st[CG__ST_STOCK_CSTAGE_SKIP];
  int ret = cg__store_bind(s, st, err, "s", sku);
  return ret ? ret : cg__store_exec(s, st, "stock: centra skip", err);
}

int cg_store_stock_cstage_seen(struct cg_store *s, int64_t now_ms,
                               struct cg_err *err)
{
  int ret = run(s, CG__ST_STOCK_CSTAGE_SEEN, "I", now_ms, 0, err);
  struct cg_err scratch = {0};
  int clear = run(s, CG__ST_STOCK_CSTAGE_CLEAR, "", 0, 0, ret ? &scratch : err);
  return ret ? ret : clear;
}

void cg_store_stock_seen_list_clear(struct cg_store_stock_seen_list *l)
{
  for (size_t i = 0; l->items != NULL && i < l->n; i++) {
    cg_free(l->items[i].sku);
    cg_store_stock_clear(&l->items[i].row);
  }
  cg_free(l->items);
  memset(l, 0, sizeof(*l));
}

/* Columns of CG__ST_STOCK_CSTAGE_READ after the row's 16. */
enum { C_SKU = 16, C_QTY, C_ASKED, C_STATUS, C_LEVEL };

/* A new entry for the current row's SKU at the end of out. */
static int seen_new(sqlite3_stmt *st, struct cg_store_stock_seen_list *out,
                    size_t *cap)
{
  if (out->n == *cap) {
    size_t ncap = *cap ? *cap * 2 : 256;
    void *p = cg_realloc(out->items, ncap * sizeof(*out->items));
    if (p == NULL)
      return CG_ENOMEM;
    out->items = p;
    *cap = ncap;
  }
  struct cg_store_stock_seen *e = &out->items[out->n++];
  memset(e, 0, sizeof(*e));
  e->centra = sqlite3_column_int64(st, C_QTY);
  e->asked_ms = sqlite3_column_int64(st, C_ASKED);
  e->known = sqlite3_column_type(st, 0) != SQLITE_NULL;
  if (cg__store_col_text(st, C_SKU, &e->sku) != 0 || e->sku == NULL)
    return CG_ENOMEM;
  return e->known ? cg__store_stock_read(st, &e->row) : 0;
}

/* The current row into out: a new SKU, or one more level of the last. */
static int seen_row(sqlite3_stmt *st, struct cg_store_stock_seen_list *out,
                    size_t *cap)
{
  const char *sku = (const char *)sqlite3_column_text(st, C_SKU);
  struct cg_store_stock_seen *e = out->n ? &out->items[out->n - 1] : NULL;
  if (e == NULL || sku == NULL || strcmp(e->sku, sku) != 0) {
    int ret = seen_new(st, out, cap);
    if (ret != 0)
      return ret;
    e = &out->items[out->n - 1];
  }
  const char *status = (const char *)sqlite3_column_text(st, C_STATUS);
  if (status == NULL)
    return 0; /* no row, or a row without levels */
  if (e->n == CG_STORE_STOCK_SEEN_LEVELS) {
    e->more = true;
    return 0;
  }
  snprintf(e->levels[e->n].status, CG_STOCK_STATUS_MAX, "%s", status);
  e->levels[e->n++].quantity = sqlite3_column_int64(st, C_LEVEL);
  return 0;
}

int cg_store_stock_cstage_read(struct cg_store *s,
                               struct cg_store_stock_seen_list *out,
                               struct cg_err *err)
{
  sqlite3_stmt *st = s->st[CG__ST_STOCK_CSTAGE_READ];
  size_t cap = 0;
  int rc, ret = 0;
  memset(out, 0, sizeof(*out));
  while (ret == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW)
    if (seen_row(st, out, &cap) != 0)
      ret = cg_err_set(err, CG_ENOMEM, "stock: centra read: out of memory");
  if (ret == 0 && rc != SQLITE_DONE)
    ret = cg__store_dberr(s->db, rc, "stock: centra read", err);
  cg__store_done(st);
  if (ret != 0)
    cg_store_stock_seen_list_clear(out);
  return ret;
}
