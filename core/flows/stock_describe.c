/*
 * stock_describe: one SKU's stock as operations read it (`centra-gxo
 * stock show SKU`, GET /api/v1/merchants/{m}/stock/{sku}) and the admin
 * API's bounded lists of SKUs that need a look (flows/stock.h). Reads
 * the store only (store_stock.h): the warehouse's quantity per status,
 * the sellable sum and the policy's figure, D, R, P, what was last
 * pushed and when, the batch in flight, the hold and the last
 * reconcile. P is computed here as docs/internals/stock.md defines it:
 * policy(W) + D + R. base_seq is the SKU's effective base (its row's own
 * or the last completed snapshot's, the larger).
 *
 *   {sku, levels: {STATUS: n}, warehouse, sellable,
 *    policy: {buffer, cap, excluded, sellable_statuses}, figure, dispatched,
 * returned, target, version, base_seq, pushed: {quantity, version, at} | null,
 *    up_to_date, dirty_since, batch, held,
 *    reconcile: {at, centra, listed} | null, updated_at}
 */
#include "flows/stock.h"

#include "base/err.h"
#include "base/json.h"
#include "base/mem.h"
#include "flows/flow.h"
#include "flows/stock_int.h"
#include "store/store.h"
#include "store/store_stock.h"

#include <stdlib.h>
#include <string.h>

/* levels: {STATUS: n}; *total and *sellable summed over them. */
static cJSON *levels_json(const struct cg_store_stock_levels *l,
                          const struct cg_stock_policy *p, int64_t *total,
                          int64_t *sellable)
{
  cJSON *o = cJSON_CreateObject();
  *total = *sellable = 0;
  for (size_t i = 0; o != NULL && i < l->n; i++) {
    cg_json_add_int(o, l->items[i].status, l->items[i].quantity);
    *total += l->items[i].quantity;
    if (cg_stock_policy_sellable(p, l->items[i].status))
      *sellable += l->items[i].quantity;
  }
  return o;
}

static cJSON *policy_json(const struct cg_stock_policy *p, const char *sku)
{
  struct cg_stock_policy_sku ps;
  cJSON *o = cJSON_CreateObject();
  cJSON *statuses = cJSON_CreateArray();
  cg_stock_policy_for_sku(p, sku, &ps);
  cg_json_add_int(o, "buffer", ps.buffer);
  if (ps.cap >= 0)
    cg_json_add_int(o, "cap", ps.cap);
  else
    cJSON_AddNullToObject(o, "cap");
  cJSON_AddBoolToObject(o, "excluded", ps.excluded);
  const char *st;
  for (size_t i = 0; statuses && (st = cg_stock_policy_status(i)); i++)
    if (cg_stock_policy_sellable(p, st))
      cJSON_AddItemToArray(statuses, cJSON_CreateString(st));
  cJSON_AddItemToObject(o, "sellable_statuses", statuses);
  return o;
}

/* What was pushed, or null; the last reconcile, or null: a figure the
 * last reconcile that read all of Centra confirmed (centra_known 1)
 * without writing it was compared then (confirmed_ms). */
static void push_json(cJSON *o, const struct cg_store_stock *r,
                      int64_t confirmed_ms)
{
  cJSON *pushed = r->pushed ? cJSON_AddObjectToObject(o, "pushed")
                            : cJSON_AddNullToObject(o, "pushed");
  if (r->pushed) {
    cg_json_add_int(pushed, "quantity", r->pushed_qty);
    cg_json_add_int(pushed, "version", r->pushed_version);
    cg_json_add_int(pushed, "at", r->pushed_at);
  }
  cJSON_AddBoolToObject(o, "up_to_date",
                        r->pushed && r->pushed_version == r->version);
  cg_json_add_int(o, "dirty_since", r->dirty_since);
  cg_json_add_int(o, "batch", r->batch);
  cJSON_AddBoolToObject(o, "held", r->held);
  cJSON *rec = r->centra_known ? cJSON_AddObjectToObject(o, "reconcile")
                               : cJSON_AddNullToObject(o, "reconcile");
  if (r->centra_known) {
    bool later = r->centra_known == 1 && confirmed_ms > r->reconciled_at;
    cg_json_add_int(rec, "at", later ? confirmed_ms : r->reconciled_at);
    cg_json_add_int(rec, "centra", r->centra_qty);
    cJSON_AddBoolToObject(rec, "listed", r->centra_known == 1);
  }
}

/* The figures: W, the sellable sum, policy(W), D, R and P. */
static void figures_json(cJSON *o, const struct cg_store_stock *r,
                         const struct cg_store_stock_levels *l,
                         const struct cg_stock_policy *p)
{
  int64_t total = 0, sellable = 0;
  cJSON_AddItemToObject(o, "levels", levels_json(l, p, &total, &sellable));
  cg_json_add_int(o, "warehouse", total);
  cg_json_add_int(o, "sellable", sellable);
  cJSON_AddItemToObject(o, "policy", policy_json(p, r->sku));
  int64_t figure = cg_stock_policy_figure(p, r->sku, sellable);
  cg_json_add_int(o, "figure", figure);
  cg_json_add_int(o, "dispatched", r->pending_dispatch);
  cg_json_add_int(o, "returned", r->pending_return);
  if (cg_stock_policy_excluded(p, r->sku))
    cJSON_AddNullToObject(o, "target");
  else
    cg_json_add_int(o, "target",
                    figure + r->pending_dispatch + r->pending_return);
}

/* CG_STORE_STOCK_CONFIRMED_CURSOR, 0 when never written. */
static int confirmed_at(struct cg_store *s, int64_t *out, struct cg_err *err)
{
  char *v = NULL;
  struct cg_err scratch = {0};
  int rc =
      cg_store_cursor_get(s, CG_STORE_STOCK_CONFIRMED_CURSOR, &v, &scratch);
  *out = rc == 0 && v != NULL ? strtoll(v, NULL, 10) : 0;
  cg_free(v);
  if (rc == CG_ENOTFOUND)
    return 0;
  return rc ? cg_err_set(err, rc, "%s", scratch.msg) : 0;
}

cJSON *cg_stock_describe_with(struct cg_store *s,
                              const struct cg_stock_policy *p, const char *sku,
                              struct cg_err *err)
{
  struct cg_store_stock r = {0};
  struct cg_store_stock_levels l = {0};
  int64_t done = 0, applying = 0;
  int rc = cg_store_stock_get(s, sku, &r, err);
  if (rc == 0)
    rc = cg_store_stock_levels(s, sku, &l, err);
  if (rc == 0)
    rc = cg_store_stock_bases(s, &done, &applying, err);
  int64_t confirmed = 0;
  if (rc == 0)
    rc = confirmed_at(s, &confirmed, err);
  cJSON *o = rc == 0 ? cJSON_CreateObject() : NULL;
  if (o != NULL) {
    cg_json_add_str(o, "sku", r.sku);
    figures_json(o, &r, &l, p);
    cg_json_add_int(o, "version", r.version);
    cg_json_add_int(o, "base_seq", r.base_seq > done ? r.base_seq : done);
    push_json(o, &r, confirmed);
    cg_json_add_int(o, "updated_at", r.updated_at);
  } else if (rc == 0) {
    cg_err_set(err, CG_ENOMEM, "out of memory");
  }
  cg_store_stock_clear(&r);
  cg_store_stock_levels_clear(&l);
  return o;
}

cJSON *cg_stock_describe(struct cg_flow *f, const char *sku, struct cg_err *err)
{
  const struct cg_stock_policy *p =
      f->stock != NULL ? cg_stock_policy(f->stock) : NULL;
  return cg_stock_describe_with(f->store, p, sku, err);
}

/* ---- the admin API's lists -----------------------------------------------*/

/* {sku, stock: describe or null}, added to arr; the entry. */
static cJSON *list_entry(struct cg_flow *f, cJSON *arr, const char *sku)
{
  cJSON *e = cJSON_CreateObject();
  cJSON *d = cg_stock_describe(f, sku, NULL);
  cg_json_add_str(e, "sku", sku);
  cJSON_AddItemToObject(e, "stock", d ? d : cJSON_CreateNull());
  cJSON_AddItemToArray(arr, e);
  return e;
}

/* The open STOCK_DRIFT exceptions, one entry per exception (the SKU is
 * the exception's entity key). */
static int drift_list(struct cg_flow *f, cJSON *arr, size_t limit,
                      struct cg_err *err)
{
  struct cg_store_exception_filter flt = {
      .state = "open", .type = "STOCK_DRIFT", .limit = (int64_t)limit};
  struct cg_store_exception_list l = {0};
  int rc = cg_store_exception_list(f->store, &flt, &l, err);
  for (size_t i = 0; rc == 0 && i < l.n; i++) {
    cJSON *e = list_entry(f, arr, l.items[i].entity_key);
    cJSON *x = cJSON_AddObjectToObject(e, "exception");
    cg_json_add_int(x, "id", l.items[i].id);
    cg_json_add_str(x, "message", l.items[i].message);
  }
  cg_store_exception_list_clear(&l);
  return rc;
}

cJSON *cg_stock_describe_list(struct cg_flow *f, const char *state,
                              size_t limit, struct cg_err *err)
{
  struct cg_store_count_list skus = {0};
  bool drift = state != NULL && strcmp(state, "drift") == 0;
  int rc = 0;
  if (state != NULL && strcmp(state, "dirty") == 0)
    rc = cg_store_stock_dirty(f->store, limit, &skus, err);
  else if (state != NULL && strcmp(state, "held") == 0)
    rc = cg_store_stock_held(f->store, "", limit, &skus, err);
  else if (!drift) {
    cg_err_set(err, CG_EINVAL, "state must be drift, held or dirty");
    return NULL;
  }
  cJSON *arr = rc == 0 ? cJSON_CreateArray() : NULL;
  if (arr != NULL && drift)
    rc = drift_list(f, arr, limit, err);
  for (size_t i = 0; arr != NULL && i < skus.n; i++)
    list_entry(f, arr, skus.items[i].name);
  cg_store_count_list_clear(&skus);
  if (rc != 0) {
    cJSON_Delete(arr);
    arr = NULL;
  }
  return arr;
}
