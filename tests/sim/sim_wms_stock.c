/*
 * sim_wms_stock: stock per SKU and stock status (the item master is
 * sim_wms_items.c).
 *
 *   GET  /wms/v1/stock?cursor=&limit=&snapshotId=   a snapshot, paged
 *
 * Every stock change is journaled with the event sequence it belongs to,
 * so a "stale" snapshot can be rebuilt as of an earlier sequence. The
 * newest snapshots are kept for paging (a cursor names its snapshot).
 */
#include "sim_wms.h"

#include "base/err.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/time.h"
#include "net/http_server.h"
#include "net/router.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SNAPSHOTS_KEEP 16
#define JOURNAL_MAX 200000
#define PAGE_DEFAULT 100
#define PAGE_MAX 1000

static const char *const status_names[WMS_NSTATUS] = {
    "AVAILABLE", "ALLOCATED", "QUARANTINE", "DAMAGED", "BLOCKED"};

static const char *const w19_codes[] = {
    "AA", "AU", "AV", "AC", "05", "55", "07", "AW", "AY", "AR", "AB",
    "AE", "AF", "AK", "AX", "BR", "BS", "04", "53", "51", "56", "AH"};

int sim_wms__status_index(const char *name)
{
  for (int i = 0; name != NULL && i < WMS_NSTATUS; i++)
    if (strcmp(status_names[i], name) == 0)
      return i;
  return -1;
}

const char *sim_wms__status_name(int status)
{
  return status >= 0 && status < WMS_NSTATUS ? status_names[status] : "?";
}

static bool w19_known(const char *code)
{
  for (size_t i = 0; code && i < sizeof(w19_codes) / sizeof(*w19_codes); i++)
    if (strcmp(w19_codes[i], code) == 0)
      return true;
  return false;
}

static void free_snapshot(struct wms_snapshot *s)
{
  cg_free(s->rows);
  cg_free(s);
}

void sim_wms__stock_free(struct sim_wms *w)
{
  for (size_t i = 0; i < w->stock.n; i++) {
    struct wms_stock *st = w->stock.v[i];
    cg_free(st->sku);
    cg_free(st);
  }
  sim_vec_free(&w->stock);
  for (size_t i = 0; i < w->journal.n; i++)
    cg_free(w->journal.v[i]);
  sim_vec_free(&w->journal);
  for (size_t i = 0; i < w->snapshots.n; i++)
    free_snapshot(w->snapshots.v[i]);
  sim_vec_free(&w->snapshots);
}

struct wms_stock *sim_wms__stock_get(struct sim_wms *w, const char *sku)
{
  struct wms_stock *st = cg_map_get_str(&w->stock_by_sku, sku);
  if (st != NULL)
    return st;
  st = sku ? cg_calloc(1, sizeof(*st)) : NULL;
  if (st == NULL)
    return NULL;
  st->sku = cg_strdup(sku);
  if (st->sku == NULL ||
      sim_wms__keep(&w->stock, &w->stock_by_sku, st->sku, st) != 0) {
    cg_free(st->sku);
    cg_free(st);
    return NULL;
  }
  return st;
}

/* Changes a SKU's stock as part of event seq (journaled). */
static void stock_change(struct sim_wms *w, struct wms_stock *st, int status,
                         int64_t delta, int64_t seq)
{
  if (st == NULL || delta == 0 || status < 0 || status >= WMS_NSTATUS)
    return;
  st->qty[status] += delta;
  if (w->journal.n >= JOURNAL_MAX)
    return; /* stale snapshots go no further back than this */
  struct wms_journal *j = cg_calloc(1, sizeof(*j));
  if (j == NULL)
    return;
  j->st = st;
  j->status = status;
  j->delta = delta;
  j->seq = seq;
  if (sim_vec_push(&w->journal, j) != 0)
    cg_free(j);
}

void sim_wms__stock_add(struct sim_wms *w, struct wms_stock *st, int status,
                        int64_t delta)
{
  /* the event this change belongs to is published next */
  stock_change(w, st, status, delta, w->last_seq + 1);
}

/* --- seeding -------------------------------------------------------------- */

int sim_wms__seed_stock(struct sim_wms *w, const cJSON *stock, char *msg,
                        size_t n)
{
  const cJSON *s;
  if (stock != NULL && !cJSON_IsArray(stock)) {
    snprintf(msg, n, "stock must be an array of {sku, quantity, status?}");
    return CG_EINVAL;
  }
  cJSON_ArrayForEach(s, stock)
  {
    const char *sku = cg_json_str(s, "sku");
    const char *status = cg_json_str(s, "status");
    int idx = status ? sim_wms__status_index(status) : WMS_AVAILABLE;
    int64_t q;
    if (sku == NULL || idx < 0 || cg_json_get_int(s, "quantity", &q) != 0 ||
        q < 0) {
      snprintf(msg, n,
               "stock entries need sku, quantity >= 0 and a known "
               "status");
      return CG_EINVAL;
    }
    struct wms_stock *st = sim_wms__stock_get(w, sku);
    if (st == NULL)
      return CG_ENOMEM;
    /* No event: the stock is so as of the last sequence published (a
     * snapshot taken now lists it; the feed never will). */
    stock_change(w, st, idx, q - st->qty[idx], w->last_seq);
  }
  return 0;
}

/* --- adjustments ---------------------------------------------------------- */

int sim_wms__adjust(struct sim_wms *w, const cJSON *body, char *msg, size_t n)
{
  const char *sku = cg_json_str(body, "sku");
  const char *status = cg_json_str(body, "status");
  const char *reason = cg_json_str(body, "reasonCode");
  int idx = status ? sim_wms__status_index(status) : WMS_AVAILABLE;
  int64_t delta;
  if (sku == NULL || cg_json_get_int(body, "delta", &delta) != 0 ||
      delta == 0 || idx < 0 || !w19_known(reason ? reason : "AA")) {
    snprintf(msg, n,
             "need sku, delta != 0, a known status and an X12 W19 "
             "reasonCode");
    return 422;
  }
  struct wms_stock *st = sim_wms__stock_get(w, sku);
  if (st == NULL || st->qty[idx] + delta < 0) {
    snprintf(msg, n, "stock of %s in %s would go negative", sku,
             sim_wms__status_name(idx));
    return 409;
  }
  char id[32];
  sim_wms__stock_add(w, st, idx, delta);
  cJSON *d = cJSON_CreateObject();
  cg_json_add_str(
      d, "adjustmentId",
      sim_wms__next_ref(w, "wms-adjustment", "GXO-ADJ-", id, sizeof(id)));
  cg_json_add_str(d, "sku", sku);
  cg_json_add_int(d, "quantityDelta", delta);
  cg_json_add_str(d, "stockStatus", sim_wms__status_name(idx));
  cg_json_add_str(d, "reasonCode", reason ? reason : "AA");
  cg_json_add_str(d, "reasonText", cg_json_str(body, "reasonText"));
  if (cg_json_str(body, "reference") != NULL)
    cg_json_add_str(d, "reference", cg_json_str(body, "reference"));
  sim_wms__publish(w, "stock.adjusted", NULL, NULL, d);
  return 0;
}

int sim_wms__move(struct sim_wms *w, const cJSON *body, char *msg, size_t n)
{
  const char *sku = cg_json_str(body, "sku");
  int from = sim_wms__status_index(cg_json_str(body, "fromStatus"));
  int to = sim_wms__status_index(cg_json_str(body, "toStatus"));
  const char *reason = cg_json_str(body, "reasonCode");
  int64_t q;
  if (sku == NULL || from < 0 || to < 0 || from == to ||
      cg_json_get_int(body, "quantity", &q) != 0 || q < 1 ||
      !w19_known(reason ? reason : "AC")) {
    snprintf(msg, n,
             "need sku, quantity >= 1, two different known "
             "statuses and an X12 W19 reasonCode");
    return 422;
  }
  struct wms_stock *st = sim_wms__stock_get(w, sku);
  if (st == NULL || st->qty[from] < q) {
    snprintf(msg, n, "not enough %s stock of %s", sim_wms__status_name(from),
             sku);
    return 409;
  }
  sim_wms__stock_add(w, st, from, -q);
  sim_wms__stock_add(w, st, to, q);
  cJSON *d = cJSON_CreateObject();
  cg_json_add_str(d, "sku", sku);
  cg_json_add_int(d, "quantity", q);
  cg_json_add_str(d, "fromStatus", sim_wms__status_name(from));
  cg_json_add_str(d, "toStatus", sim_wms__status_name(to));
  cg_json_add_str(d, "reasonCode", reason ? reason : "AC");
  sim_wms__publish(w, "stock.status_moved", NULL, NULL, d);
  return 0;
}

/* --- snapshots ------------------------------------------------------------ */

/* Quantities as their digits (sim_json_int_text): a stock item is only
 * printed, and a page holds 9,000 of them. */
static void add_qty(cJSON *o, const char *key, int64_t v)
{
  cJSON_AddItemToObjectCS(o, key, sim_json_int_text(v));
}

static cJSON *stock_item(const char *sku, const int64_t *qty)
{
  int64_t on_hand = 0;
  cJSON *o = cJSON_CreateObject();
  for (int s = 0; s < WMS_NSTATUS; s++)
    on_hand += qty[s];
  cg_json_add_str(o, "sku", sku);
  add_qty(o, "onHand", on_hand);
  add_qty(o, "allocated", qty[WMS_ALLOCATED]);
  add_qty(o, "available", qty[WMS_AVAILABLE]);
  cJSON *by = cJSON_AddObjectToObject(o, "byStatus");
  for (int s = 0; s < WMS_NSTATUS; s++)
    add_qty(by, status_names[s], qty[s]);
  return o;
}

/* The stock as it was once every event up to as_of_seq had happened
 * (one row per SKU, cg_free); NULL on ENOMEM. */
static struct wms_snap_row *rows_as_of(const struct sim_wms *w,
                                       int64_t as_of_seq)
{
  struct wms_snap_row *rows = cg_calloc(w->stock.n + 1, sizeof(*rows));
  for (size_t i = 0; rows != NULL && i < w->stock.n; i++) {
    const struct wms_stock *st = w->stock.v[i];
    rows[i].sku = st->sku;
    memcpy(rows[i].qty, st->qty, sizeof(rows[i].qty));
    for (size_t k = w->journal.n; k-- > 0;) {
      const struct wms_journal *j = w->journal.v[k];
      if (j->seq <= as_of_seq)
        break;
      if (j->st == st)
        rows[i].qty[j->status] -= j->delta;
    }
  }
  return rows;
}

cJSON *sim_wms__stock_table(const struct sim_wms *w)
{
  struct wms_snap_row *rows = rows_as_of(w, INT64_MAX);
  cJSON *arr = rows ? cJSON_CreateArray() : NULL;
  for (size_t i = 0; arr != NULL && i < w->stock.n; i++)
    cJSON_AddItemToArray(arr, stock_item(rows[i].sku, rows[i].qty));
  cg_free(rows);
  return arr;
}

static struct wms_snapshot *snapshot_take(struct sim_wms *w, int64_t seq,
                                          int64_t as_of_ms)
{
  struct wms_snapshot *s = cg_calloc(1, sizeof(*s));
  if (s == NULL)
    return NULL;
  snprintf(s->id, sizeof(s->id), "SNAP-%06llu",
           (unsigned long long)sim_ctx_next_id(w->ctx, "wms-snapshot"));
  s->as_of_seq = seq;
  s->as_of_ms = as_of_ms;
  s->rows = rows_as_of(w, seq);
  s->n = w->stock.n;
  if (w->snapshots.n == SNAPSHOTS_KEEP) {
    free_snapshot(w->snapshots.v[0]);
    memmove(w->snapshots.v, w->snapshots.v + 1,
            (SNAPSHOTS_KEEP - 1) * sizeof(void *));
    w->snapshots.n--;
  }
  if (s->rows == NULL || sim_vec_push(&w->snapshots, s) != 0) {
    free_snapshot(s);
    return NULL;
  }
  return s;
}

static cJSON *snapshot_meta(const struct wms_snapshot *s)
{
  char when[40];
  cJSON *o = cJSON_CreateObject();
  cg_json_add_str(o, "snapshotId", s->id);
  cg_json_add_str(o, "asOf",
                  cg_time_format_iso8601_s(s->as_of_ms, when, sizeof(when)));
  cg_json_add_int(o, "asOfSequence", s->as_of_seq);
  return o;
}

/* Default stale point: just before the newest journaled stock change. */
static int64_t stale_seq(const struct sim_wms *w)
{
  if (w->journal.n == 0)
    return w->last_seq;
  const struct wms_journal *j = w->journal.v[w->journal.n - 1];
  return j->seq - 1 < w->last_seq ? j->seq - 1 : w->last_seq;
}

cJSON *sim_wms__publish_snapshot(struct sim_wms *w, const cJSON *body)
{
  bool stale = cg_json_bool(body, "stale", false);
  int64_t seq = w->last_seq, now = cg_time_now_ms();
  int64_t age = cg_json_int(body, "ageSeconds", stale ? 3600 : 0);
  if (stale)
    seq = cg_json_int(body, "asOfSequence", stale_seq(w));
  if (seq < 0 || seq > w->last_seq)
    seq = w->last_seq;
  struct wms_snapshot *s = snapshot_take(w, seq, now - age * 1000);
  if (s == NULL)
    return NULL;
  sim_wms__publish(w, "stock.snapshot", NULL, NULL, snapshot_meta(s));
  return snapshot_meta(s);
}

static struct wms_snapshot *snapshot_find(struct sim_wms *w, const char *id)
{
  for (size_t i = 0; i < w->snapshots.n; i++) {
    struct wms_snapshot *s = w->snapshots.v[i];
    if (strcmp(s->id, id) == 0)
      return s;
  }
  return NULL;
}

/* Cursor "<snapshotId>:<offset>". */
static struct wms_snapshot *cursor_read(struct sim_wms *w, const char *c,
                                        long *offset)
{
  char id[48];
  const char *colon = strrchr(c, ':');
  char *end;
  if (colon == NULL || (size_t)(colon - c) >= sizeof(id))
    return NULL;
  snprintf(id, sizeof(id), "%.*s", (int)(colon - c), c);
  *offset = strtol(colon + 1, &end, 10);
  if (*end != '\0' || *offset < 0)
    return NULL;
  return snapshot_find(w, id);
}

static void send_page(struct cg_http_exchange *ex, struct wms_snapshot *s,
                      long offset, long limit)
{
  cJSON *doc = snapshot_meta(s);
  cJSON *items = cJSON_AddArrayToObject(doc, "items");
  long total = (long)s->n;
  for (long i = offset; i < total && i < offset + limit; i++)
    cJSON_AddItemToArray(items, stock_item(s->rows[i].sku, s->rows[i].qty));
  char next[80];
  snprintf(next, sizeof(next), "%s:%ld", s->id, offset + limit);
  cg_json_add_str(doc, "nextCursor", offset + limit < total ? next : NULL);
  sim_wms__reply_json(ex, 200, doc);
}

static void on_stock(struct cg_http_exchange *ex, void *arg)
{
  struct sim_wms *w = arg;
  char v[96], *end;
  long limit = PAGE_DEFAULT, offset = 0;
  struct wms_snapshot *s = NULL;
  if (cg_http_exchange_query(ex, "limit", v, sizeof(v))) {
    limit = strtol(v, &end, 10);
    if (*end != '\0' || limit < 1 || limit > PAGE_MAX)
      limit = -1;
  }
  if (limit > 0 && cg_http_exchange_query(ex, "cursor", v, sizeof(v)) &&
      v[0] != '\0')
    s = cursor_read(w, v, &offset);
  else if (limit > 0 && cg_http_exchange_query(ex, "snapshotId", v, sizeof(v)))
    s = snapshot_find(w, v);
  else if (limit > 0)
    s = snapshot_take(w, w->last_seq, cg_time_now_ms());
  if (s == NULL) {
    sim_wms__fail(
        ex, 400, "invalid-parameter",
        "limit must be 1..1000; cursor or snapshotId unknown or expired", NULL);
    return;
  }
  send_page(ex, s, offset, limit);
}

int sim_wms__stock_routes(struct sim_wms *w, struct cg_router *r)
{
  int rc = sim_wms__items_routes(w, r);
  return rc ? rc : cg_router_add(r, "GET", "/wms/v1/stock", on_stock, w);
}
