/*
 * items_describe: the item master as merchandising and operations read
 * it (`centra-gxo items show SKU`, `items pending`, GET /api/v1/
 * merchants/{m}/items[/{sku}]; flows/items.h). Reads the store only
 * (store_items.h); times are ms since the epoch (0: never).
 *
 *   {sku, state, reason: {code, pointer, message, source} | null,
 *    item: {...} | null, dirty, dirtySince, urgent, batch,
 *    waitingOrders: [number...], productId, sizeId,
 *    sourceUpdatedAt | null, answeredAt, goneFromCentra}
 *
 * goneFromCentra: the last finished full sweep (cursor items.sweep with
 * page 0) began after the row was first seen and did not list it: the
 * size is gone from Centra (deleted, its SKU changed), a placeholder's
 * SKU is not in Centra (mistyped), or its build failed (RULE_ERROR).
 * False while no sweep has finished, or one is under way.
 */
#include "flows/items.h"
#include "flows/items_read.h"

#include "base/err.h"
#include "base/json.h"
#include "base/mem.h"
#include "store/store.h"
#include "store/store_items.h"

#include <stdlib.h>
#include <string.h>

#define WAITING_MAX 50 /* orders listed per SKU */

/* Adds text parsed as JSON under key (null when NULL or unreadable). */
static void add_json(cJSON *o, const char *key, const char *text)
{
  cJSON *v = text ? cJSON_Parse(text) : NULL;
  if (v == NULL)
    v = cJSON_CreateNull();
  cJSON_AddItemToObject(o, key, v);
}

static void add_str_or_null(cJSON *o, const char *key, const char *text)
{
  if (text != NULL)
    cg_json_add_str(o, key, text);
  else
    cJSON_AddNullToObject(o, key);
}

static int add_waiting(struct cg_store *s, cJSON *o, const char *sku,
                       struct cg_err *err)
{
  struct cg_store_count_list w = {0};
  cJSON *a = cJSON_AddArrayToObject(o, "waitingOrders");
  int rc = cg_store_item_waiters(s, sku, WAITING_MAX, &w, err);
  for (size_t i = 0; rc == 0 && a != NULL && i < w.n; i++)
    cJSON_AddItemToArray(a, cJSON_CreateString(w.items[i].name));
  cg_store_count_list_clear(&w);
  return rc;
}

/* The last finished full sweep (n 0: none, or one under way). */
struct last_sweep {
  int64_t n, started;
};

static struct last_sweep last_sweep(struct cg_store *s)
{
  struct last_sweep l = {0};
  struct cg_items_sweep_pos pos;
  struct cg_err err = {0};
  if (cg__items_sweep_get(s, &pos, &err) == 0 && pos.page == 0 &&
      pos.finished > 0)
    l = (struct last_sweep){pos.n, pos.started};
  return l;
}

/* Whether the last finished sweep should have listed r and did not. */
static bool gone(const struct last_sweep *l, const struct cg_store_item *r)
{
  return l->n > 0 && r->seen_sweep < l->n && r->first_seen < l->started;
}

/* One row as JSON (waitingOrders read from the store); NULL on error. */
static cJSON *row_json(struct cg_store *s, const struct cg_store_item *r,
                       const struct last_sweep *l, struct cg_err *err)
{
  cJSON *o = cJSON_CreateObject();
  if (o == NULL) {
    cg_err_set(err, CG_ENOMEM, "out of memory");
    return NULL;
  }
  cg_json_add_str(o, "sku", r->sku);
  cg_json_add_str(o, "state", cg_store_item_state_name(r->state));
  add_json(o, "reason", r->reason);
  add_json(o, "item", r->doc);
  cJSON_AddBoolToObject(o, "dirty", r->dirty_since != 0);
  cg_json_add_int(o, "dirtySince", r->dirty_since);
  cJSON_AddBoolToObject(o, "urgent", r->urgent);
  cg_json_add_int(o, "batch", r->batch);
  cg_json_add_int(o, "productId", r->product_id);
  cg_json_add_int(o, "sizeId", r->size_id);
  add_str_or_null(o, "sourceUpdatedAt", r->source_updated_at);
  cg_json_add_int(o, "answeredAt", r->answered_at);
  cJSON_AddBoolToObject(o, "goneFromCentra", gone(l, r));
  if (add_waiting(s, o, r->sku, err) != 0) {
    cJSON_Delete(o);
    return NULL;
  }
  return o;
}

cJSON *cg_items_describe(struct cg_store *s, const char *sku,
                         struct cg_err *err)
{
  struct cg_store_item r = {0};
  struct last_sweep l = last_sweep(s);
  int rc = cg_store_item_get(s, sku, &r, err);
  cJSON *o = rc == 0 ? row_json(s, &r, &l, err) : NULL;
  cg_store_item_clear(&r);
  return o;
}

static cJSON *counts_json(struct cg_store *s, struct cg_err *err)
{
  struct cg_store_count_list l = {0};
  cJSON *o = cJSON_CreateObject();
  static const enum cg_store_item_state all[] = {
      CG_STORE_ITEM_PENDING, CG_STORE_ITEM_ACCEPTED, CG_STORE_ITEM_REJECTED,
      CG_STORE_ITEM_EXCLUDED};
  for (size_t i = 0; o != NULL && i < sizeof(all) / sizeof(*all); i++)
    cg_json_add_int(o, cg_store_item_state_name(all[i]), 0);
  int rc = o ? cg_store_items_counts(s, &l, err) : CG_ENOMEM;
  for (size_t i = 0; rc == 0 && i < l.n; i++)
    cJSON_ReplaceItemInObject(o, l.items[i].name,
                              cJSON_CreateNumber((double)l.items[i].count));
  cg_store_count_list_clear(&l);
  if (rc != 0)
    cJSON_Delete(o);
  return rc == 0 ? o : NULL;
}

/* The sweep cursor {n, page, started} and the next sweep, or null. */
static void add_sweep(struct cg_store *s, cJSON *doc)
{
  char *sweep = NULL, *next = NULL;
  cg_store_cursor_get(s, CG_STORE_ITEMS_SWEEP, &sweep, NULL);
  cg_store_cursor_get(s, CG_STORE_ITEMS_SWEEP_NEXT, &next, NULL);
  cJSON *o = sweep ? cJSON_Parse(sweep) : NULL;
  if (o != NULL && next != NULL)
    cg_json_add_int(o, "nextAt", strtoll(next, NULL, 10));
  cJSON_AddItemToObject(doc, "lastSweep", o ? o : cJSON_CreateNull());
  cg_free(sweep);
  cg_free(next);
}

static int state_of(const char *name, enum cg_store_item_state *st,
                    struct cg_err *err)
{
  *st = name && *name ? cg_store_item_state_parse(name) : CG_STORE_ITEM_NONE;
  if (name == NULL || *name == '\0' || *st == CG_STORE_ITEM_PENDING ||
      *st == CG_STORE_ITEM_REJECTED)
    return 0;
  return cg_err_set(err, CG_EINVAL,
                    "state must be pending or rejected, not \"%s\"", name);
}

static int add_items(struct cg_store *s, cJSON *doc,
                     enum cg_store_item_state st, const char *after,
                     size_t limit, struct cg_err *err)
{
  struct cg_store_item_list l = {0};
  struct last_sweep sw = last_sweep(s);
  cJSON *a = cJSON_AddArrayToObject(doc, "items");
  int rc = a ? cg_store_items_list(s, st, after ? after : "", limit, &l, err)
             : cg_err_set(err, CG_ENOMEM, "out of memory");
  for (size_t i = 0; rc == 0 && i < l.n; i++) {
    cJSON *o = row_json(s, &l.items[i], &sw, err);
    rc = o ? 0 : err->code ? err->code : CG_ENOMEM;
    if (o != NULL)
      cJSON_AddItemToArray(a, o);
  }
  if (rc == 0 && limit > 0 && l.n == limit) /* the next page's `after` */
    cg_json_add_str(doc, "next", l.items[l.n - 1].sku);
  cg_store_item_list_clear(&l);
  return rc;
}

cJSON *cg_items_pending(struct cg_store *s, const char *state,
                        const char *after, size_t limit, struct cg_err *err)
{
  enum cg_store_item_state st;
  if (state_of(state, &st, err) != 0)
    return NULL;
  cJSON *doc = cJSON_CreateObject();
  cJSON *counts = doc ? counts_json(s, err) : NULL;
  if (counts == NULL) {
    cJSON_Delete(doc);
    return NULL;
  }
  cJSON_AddItemToObject(doc, "counts", counts);
  add_sweep(s, doc);
  if (add_items(s, doc, st, after, limit, err) != 0) {
    cJSON_Delete(doc);
    return NULL;
  }
  return doc;
}
