/*
 * store_stock_image: the stock reconcile's image of the store (see
 * store_stock.h, docs/internals/stock-reconcile-plan.md). Loaded at a
 * snapshot's first page from two walks in key order (rows, then levels,
 * merged here) and the event log above the snapshot; held until the
 * reconcile drops it. Per SKU it keeps the levels a page of the snapshot
 * would have to list for nothing to change: the stored levels less the
 * logged events above the snapshot (a page sets W = the snapshot + those
 * events). SKUs are kept sorted in one array over one string arena (the
 * walks come in key order) and found by binary search: 100,000 SKUs take
 * about 7 MB (56 bytes each and the SKU), no allocation per SKU. For
 * Centra's half it also keeps each SKU's D, R, last push time and
 * recorded Centra figure: an untouched SKU's P needs no read.
 *
 * Touched: every write of a SKU's row or levels in store_stock.c and
 * store_stock_stage.c calls cg__store_stock_image_touch, so a SKU written
 * after the load (an event, a push, a staged page) is never taken as
 * unchanged. A write rolled back leaves its SKU touched for nothing,
 * which only costs that SKU the full path.
 */
#include "store/store_stock.h"

#include "base/buf.h"
#include "base/err.h"
#include "base/mem.h"
#include "store/store_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define LEVELS 6   /* statuses per SKU; more: the full path */
#define STATUSES 8 /* distinct statuses in the store; more: full path */

enum {
  TOUCHED = 1,   /* written since the load */
  UNSURE = 2,    /* more than the image keeps, or out of range */
  EVENTS = 4,    /* logged events above the snapshot: qty is not W */
  KNOWN = 8,     /* centra_known 1 at the load */
  CONFIRMED = 16 /* Centra's figure compared by this reconcile */
};

struct entry {  /* 56 bytes */
  uint32_t sku; /* offset in the arena */
  uint8_t n;    /* levels */
  uint8_t flags;
  uint8_t status[LEVELS];             /* index in the image's statuses */
  int32_t qty[LEVELS];                /* W less the events above the snapshot */
  int32_t dispatch, returned, centra; /* D, R, Centra's recorded figure */
  int64_t pushed_at;
};

_Static_assert(LEVELS <=
                   sizeof(((struct cg_store_stock_image_sku *)0)->levels) /
                       sizeof(struct cg_store_stock_level),
               "an image SKU's levels fit cg_store_stock_image_sku");

struct cg__stock_image {
  struct cg_buf arena; /* the SKUs, each with its NUL */
  struct entry *v;
  size_t n, vcap;
  char statuses[STATUSES][CG_STOCK_STATUS_MAX];
  int nstatus;
};

static void image_free(struct cg__stock_image *im)
{
  if (im == NULL)
    return;
  cg_buf_free(&im->arena);
  cg_free(im->v);
  cg_free(im);
}

void cg__store_stock_image_free(struct cg_store *s)
{
  image_free(s->stock_image);
  s->stock_image = NULL;
}

void cg_store_stock_image_drop(struct cg_store *s)
{
  cg__store_stock_image_free(s);
}

size_t cg_store_stock_image_size(const struct cg_store *s)
{
  return s->stock_image ? s->stock_image->n : 0;
}

/* ---- building -------------------------------------------------------------*/

static const char *sku_of(const struct cg__stock_image *im,
                          const struct entry *e)
{
  return im->arena.data + e->sku;
}

static int add_sku(struct cg__stock_image *im, const char *sku)
{
  size_t at = im->arena.len, len = strlen(sku) + 1;
  if (at + len > UINT32_MAX ||
      cg__store_grow((void **)&im->v, &im->vcap, im->n, sizeof(*im->v)) != 0 ||
      cg_buf_append(&im->arena, sku, len) != 0)
    return CG_ENOMEM;
  struct entry *e = &im->v[im->n++];
  memset(e, 0, sizeof(*e));
  e->sku = (uint32_t)at;
  return 0;
}

/* The index of status in the image's table (added when new); -1: full. */
static int status_index(struct cg__stock_image *im, const char *status)
{
  for (int i = 0; i < im->nstatus; i++)
    if (strcmp(im->statuses[i], status) == 0)
      return i;
  if (im->nstatus == STATUSES || strlen(status) >= CG_STOCK_STATUS_MAX)
    return -1;
  strcpy(im->statuses[im->nstatus], status);
  return im->nstatus++;
}

/* Adds qty to e's status (a new level when the SKU has none of it). */
static void entry_add(struct cg__stock_image *im, struct entry *e,
                      const char *status, int64_t qty)
{
  int st = status_index(im, status);
  int i = 0;
  while (st >= 0 && i < e->n && e->status[i] != st)
    i++;
  int64_t sum = (st >= 0 && i < e->n ? e->qty[i] : 0) + qty;
  if (st < 0 || i == LEVELS || qty < INT32_MIN || qty > INT32_MAX ||
      sum < INT32_MIN || sum > INT32_MAX) {
    e->flags |= UNSURE;
    return;
  }
  if (i == e->n)
    e->status[e->n++] = (uint8_t)st;
  e->qty[i] = (int32_t)sum;
}

static struct entry *find(const struct cg__stock_image *im, const char *sku)
{
  size_t lo = 0, hi = im->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = strcmp(sku_of(im, &im->v[mid]), sku);
    if (c == 0)
      return &im->v[mid];
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

/* The end of a walk of st: 0, or the store's error in err. */
static int walked(struct cg_store *s, sqlite3_stmt *st, int rc,
                  struct cg_err *err)
{
  cg__store_done(st);
  return rc == SQLITE_DONE ? 0
                           : cg__store_dberr(s->db, rc, "stock: image", err);
}

/* Column col of st into *out; false when out of range. */
static bool int32_col(sqlite3_stmt *st, int col, int32_t *out)
{
  int64_t v = sqlite3_column_int64(st, col);
  *out = (int32_t)v;
  return v >= INT32_MIN && v <= INT32_MAX;
}

/* The row's figures for Centra's half into the last entry. */
static void row_figures(struct cg__stock_image *im, sqlite3_stmt *st)
{
  struct entry *e = &im->v[im->n - 1];
  bool fits = int32_col(st, 1, &e->dispatch) &&
              int32_col(st, 2, &e->returned) && int32_col(st, 5, &e->centra);
  e->pushed_at = sqlite3_column_int64(st, 3);
  if (!fits)
    e->flags |= UNSURE;
  if (sqlite3_column_int(st, 4) == 1)
    e->flags |= KNOWN;
}

/* CG_ELIMIT: too many SKUs for an image (none is loaded). */
static int load_rows(struct cg_store *s, struct cg__stock_image *im,
                     struct cg_err *err)
{
  sqlite3_stmt *st = s->st[CG__ST_STOCK_IMAGE_ROWS];
  int rc, ret = 0;
  while (ret == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *sku = (const char *)sqlite3_column_text(st, 0);
    if (sku == NULL || im->n == CG_STORE_STOCK_IMAGE_MAX)
      ret = CG_ELIMIT;
    else if (add_sku(im, sku) != 0)
      ret = cg_err_set(err, CG_ENOMEM, "stock: image: out of memory");
    else
      row_figures(im, st);
  }
  if (ret != 0) {
    cg__store_done(st);
    return ret;
  }
  return walked(s, st, rc, err);
}

/* The levels, in key order like the rows: one pass over both. */
static int load_levels(struct cg_store *s, struct cg__stock_image *im,
                       struct cg_err *err)
{
  sqlite3_stmt *st = s->st[CG__ST_STOCK_IMAGE_LEVELS];
  size_t at = 0;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *sku = (const char *)sqlite3_column_text(st, 0);
    const char *status = (const char *)sqlite3_column_text(st, 1);
    if (sku == NULL || status == NULL)
      continue;
    while (at < im->n && strcmp(sku_of(im, &im->v[at]), sku) < 0)
      at++;
    if (at < im->n && strcmp(sku_of(im, &im->v[at]), sku) == 0)
      entry_add(im, &im->v[at], status, sqlite3_column_int64(st, 2));
  }
  return walked(s, st, rc, err);
}

/* A page sets W = the snapshot + the logged events above it: those events
 * come off the levels the snapshot must list for nothing to move. */
static int load_events(struct cg_store *s, struct cg__stock_image *im,
                       int64_t as_of_seq, struct cg_err *err)
{
  sqlite3_stmt *st = s->st[CG__ST_STOCK_IMAGE_EVENTS];
  int rc = cg__store_bind(s, st, err, "I", as_of_seq);
  if (rc != 0)
    return rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *sku = (const char *)sqlite3_column_text(st, 0);
    const char *status = (const char *)sqlite3_column_text(st, 1);
    struct entry *e = sku ? find(im, sku) : NULL;
    if (e != NULL && status != NULL) {
      entry_add(im, e, status, -sqlite3_column_int64(st, 2));
      e->flags |= EVENTS;
    }
  }
  return walked(s, st, rc, err);
}

int cg_store_stock_image_load(struct cg_store *s, int64_t as_of_seq,
                              struct cg_err *err)
{
  cg__store_stock_image_free(s);
  struct cg__stock_image *im = cg_calloc(1, sizeof(*im));
  if (im == NULL)
    return cg_err_set(err, CG_ENOMEM, "stock: image: out of memory");
  int rc = load_rows(s, im, err);
  if (rc == 0)
    rc = load_levels(s, im, err);
  if (rc == 0)
    rc = load_events(s, im, as_of_seq, err);
  if (rc != 0) {
    image_free(im);
    return rc == CG_ELIMIT ? 0 : rc; /* too many SKUs: the full path */
  }
  s->stock_image = im;
  return 0;
}

/* ---- using it -------------------------------------------------------------*/

void cg__store_stock_image_touch(struct cg_store *s, const char *sku)
{
  struct entry *e = s->stock_image && sku ? find(s->stock_image, sku) : NULL;
  if (e != NULL)
    e->flags |= TOUCHED;
}

/* Whether e holds qty (not 0) of status. */
static bool holds(const struct cg__stock_image *im, const struct entry *e,
                  const char *status, int64_t qty)
{
  for (int i = 0; i < e->n; i++)
    if (strcmp(im->statuses[e->status[i]], status) == 0)
      return e->qty[i] == qty;
  return false;
}

bool cg_store_stock_image_same(struct cg_store *s, const char *sku,
                               const struct cg_store_stock_level *levels,
                               size_t n)
{
  const struct cg__stock_image *im = s->stock_image;
  const struct entry *e = im && sku ? find(im, sku) : NULL;
  if (e == NULL || (e->flags & (TOUCHED | UNSURE)) != 0)
    return false;
  size_t listed = 0, held = 0;
  for (size_t i = 0; i < n; i++) {
    if (levels[i].quantity == 0)
      continue;
    if (!holds(im, e, levels[i].status, levels[i].quantity))
      return false;
    listed++;
  }
  for (int i = 0; i < e->n; i++)
    held += e->qty[i] != 0;
  return listed == held;
}

/* ---- Centra's half ----------------------------------------------------*/

bool cg_store_stock_image_settled(struct cg_store *s, const char *sku,
                                  struct cg_store_stock_image_sku *out)
{
  const struct cg__stock_image *im = s->stock_image;
  const struct entry *e = im && sku ? find(im, sku) : NULL;
  if (e == NULL || (e->flags & (TOUCHED | UNSURE | EVENTS)) != 0 ||
      (e->flags & KNOWN) == 0)
    return false;
  out->pending_dispatch = e->dispatch;
  out->pending_return = e->returned;
  out->pushed_at = e->pushed_at;
  out->centra_qty = e->centra;
  out->n = e->n;
  for (int i = 0; i < e->n; i++) {
    memcpy(out->levels[i].status, im->statuses[e->status[i]],
           CG_STOCK_STATUS_MAX);
    out->levels[i].quantity = e->qty[i];
  }
  return true;
}

void cg_store_stock_image_confirm(struct cg_store *s, const char *sku)
{
  struct entry *e = s->stock_image && sku ? find(s->stock_image, sku) : NULL;
  if (e != NULL)
    e->flags |= CONFIRMED;
}

int cg_store_stock_image_unconfirmed(struct cg_store *s, int64_t prev_ms,
                                     int64_t *n, struct cg_err *err)
{
  const struct cg__stock_image *im = s->stock_image;
  sqlite3_stmt *st = s->st[CG__ST_STOCK_UNCONFIRMED];
  int rc = 0;
  *n = 0;
  for (size_t i = 0; rc == 0 && im != NULL && i < im->n; i++) {
    const struct entry *e = &im->v[i];
    if ((e->flags & (KNOWN | CONFIRMED)) != KNOWN)
      continue;
    rc = cg__store_bind(s, st, err, "sI", sku_of(im, e), prev_ms);
    if (rc == 0)
      rc = cg__store_exec(s, st, "stock: unconfirmed", err);
    *n += rc == 0 ? sqlite3_changes(s->db) : 0;
  }
  return rc;
}
