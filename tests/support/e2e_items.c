/*
 * e2e_items: the items tests' catalogue, simulator read-backs and
 * read-only look at the engine's item master (see e2e_items.h).
 */
#include "e2e_items.h"

#include "base/json.h"
#include "base/map.h"
#include "base/mem.h"
#include "testutil.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

/* --- the catalogue ---------------------------------------------------------
 */

static cJSON *size_spec(const char *prefix, long p, int s)
{
  char sku[64], ean[24], label[8];
  snprintf(sku, sizeof(sku), "%s-%ld-%d", prefix, p, s);
  snprintf(ean, sizeof(ean), "%013lld", 5700000000000LL + p * 100 + s);
  snprintf(label, sizeof(label), "S%d", s);
  cJSON *o = cJSON_CreateObject();
  cg_json_add_str(o, "sku", sku);
  cg_json_add_str(o, "ean", ean);
  cg_json_add_str(o, "size", label);
  return o;
}

cJSON *items_catalogue(const char *prefix, long first, long products, int sizes)
{
  char pn[64], name[80];
  cJSON *list = cJSON_CreateArray();
  for (long p = first; p < first + products; p++) {
    snprintf(pn, sizeof(pn), "%s-%ld", prefix, p);
    snprintf(name, sizeof(name), "Product %s", pn);
    cJSON *prod = cJSON_CreateObject();
    cg_json_add_str(prod, "productNumber", pn);
    cg_json_add_str(prod, "name", name);
    cg_json_add_str(prod, "harmonizedCommodityCode", "610910");
    cg_json_add_str(prod, "countryOfOrigin", "PT");
    cJSON *var = cJSON_CreateObject();
    cg_json_add_str(var, "variantNumber", "BLK");
    cg_json_add_str(var, "name", "Black");
    cJSON *arr = cJSON_AddArrayToObject(var, "sizes");
    for (int s = 0; s < sizes; s++)
      cJSON_AddItemToArray(arr, size_spec(prefix, p, s));
    cJSON_AddItemToArray(cJSON_AddArrayToObject(prod, "variants"), var);
    cJSON_AddItemToArray(list, prod);
  }
  return list;
}

char *items_scenario(const cJSON *catalogue)
{
  cJSON *doc = cJSON_CreateObject();
  cJSON *cat = cJSON_AddObjectToObject(doc, "catalogue");
  cJSON_AddItemToObject(cat, "products", cJSON_Duplicate(catalogue, true));
  cJSON *wh = cJSON_AddObjectToObject(doc, "warehouse");
  cJSON_AddArrayToObject(wh, "items");
  cJSON_AddArrayToObject(wh, "stock");
  cJSON_AddBoolToObject(wh, "autoAccept", true);
  cg_json_add_int(wh, "acceptAfterMs", 50);
  char *text = cg_json_print(doc);
  cJSON_Delete(doc);
  return text;
}

const char *items_merchant_config(long sweep_s, long poll_s)
{
  static char buf[160];
  snprintf(buf, sizeof(buf),
           "items = { sweep_s = %ld, poll_s = %ld, window_ms = 200 },", sweep_s,
           poll_s);
  return buf;
}

/* --- orders and exceptions -------------------------------------------------
 */

static cJSON *address(void)
{
  cJSON *a = cJSON_CreateObject();
  cg_json_add_str(a, "firstName", "Anna");
  cg_json_add_str(a, "lastName", "Svensson");
  cg_json_add_str(a, "address1", "Storgatan 1");
  cg_json_add_str(a, "city", "Stockholm");
  cg_json_add_str(a, "zipCode", "11122");
  cg_json_add_str(a, "country", "SE");
  cg_json_add_str(a, "email", "anna@example.com");
  return a;
}

void items_order(struct e2e *t, long number, const char *const *skus, int n)
{
  cJSON *o = cJSON_CreateObject();
  cg_json_add_int(o, "number", number);
  cJSON *opt = cJSON_AddObjectToObject(o, "shippingOption");
  cg_json_add_int(opt, "id", 1);
  cg_json_add_str(opt, "name", "PostNord Home");
  cg_json_add_str(opt, "uri", "postnord-home");
  cJSON_AddItemToObject(o, "shippingAddress", address());
  cJSON *lines = cJSON_AddArrayToObject(o, "lines");
  for (int i = 0; i < n; i++) {
    cJSON *l = cJSON_CreateObject();
    cg_json_add_str(l, "sku", skus[i]);
    cg_json_add_int(l, "quantity", 1);
    cg_json_add_int(l, "unitPrice", 20);
    cJSON_AddItemToArray(lines, l);
  }
  char *body = cg_json_print(o);
  cJSON_Delete(o);
  assert_int_equal(e2e_post_status(t, 'c', "/_sim/centra/orders", NULL, body),
                   201);
  cg_free(body);
}

bool items_wms_has_order(struct e2e *t, long number)
{
  char path[64];
  snprintf(path, sizeof(path), "/_sim/wms/orders/%ld", number);
  cJSON *doc = e2e_get(t, 'g', path);
  bool has = cJSON_IsString(cg_json_get(doc, "status"));
  cJSON_Delete(doc);
  return has;
}

cJSON *items_exceptions(struct e2e *t, const char *type, const char *key)
{
  char path[160];
  snprintf(path, sizeof(path),
           "/api/v1/merchants/shop/exceptions?state=all&type=%s", type);
  cJSON *all = e2e_get(t, 'a', path), *out = cJSON_CreateArray();
  const cJSON *x;
  cJSON_ArrayForEach(x, all)
  {
    const char *k = cg_json_str(x, "key");
    if (key == NULL || (k != NULL && strcmp(k, key) == 0))
      cJSON_AddItemToArray(out, cJSON_Duplicate(x, true));
  }
  cJSON_Delete(all);
  return out;
}

/* --- the simulators ---------------------------------------------------------
 */

void items_wms_read(struct e2e *t, struct items_wms *w)
{
  cJSON *s = e2e_get(t, 'g', "/_sim/wms/stats");
  assert_non_null(s);
  *w = (struct items_wms){
      .created = (long)cg_json_int(s, "itemsCreated", -1),
      .updated = (long)cg_json_int(s, "itemsUpdated", -1),
      .unchanged = (long)cg_json_int(s, "itemsUnchanged", -1),
      .stale = (long)cg_json_int(s, "itemsStale", -1),
      .rejected = (long)cg_json_int(s, "itemsRejected", -1),
      .puts = (long)cg_json_int(s, "itemPuts", -1),
      .gets = (long)cg_json_int(s, "itemGets", -1),
      .batches = (long)cg_json_int(s, "itemBatches", -1),
      .batch_items = (long)cg_json_int(s, "itemBatchItems", -1),
      .unknown_sku_orders = (long)cg_json_int(s, "unknownSkuOrders", -1),
      .orders = (long)cg_json_int(s, "orders", -1),
      .replays = (long)cg_json_int(s, "replays", -1)};
  cJSON_Delete(s);
}

long items_centra_calls(struct e2e *t, const char *operation)
{
  char path[160];
  cJSON *doc = e2e_get(t, 'c', "/_sim/centra/operations");
  assert_non_null(doc);
  snprintf(path, sizeof(path), "operations.%s.calls", operation);
  long n = operation ? (long)cg_json_int(doc, path, 0)
                     : (long)cg_json_int(doc, "total", 0);
  cJSON_Delete(doc);
  return n;
}

/* --- the engine's item master ---------------------------------------------
 */

static sqlite3 *db_open(struct e2e *t)
{
  char path[600];
  sqlite3 *db = NULL;
  snprintf(path, sizeof(path), "%s/shop.db", t->dir);
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
    sqlite3_close(db);
    return NULL;
  }
  sqlite3_busy_timeout(db, 5000);
  return db;
}

/* One integer of sql on db; -1 when it cannot be run (no table yet). */
static long db_long(sqlite3 *db, const char *sql)
{
  sqlite3_stmt *st = NULL;
  long n = -1;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    n = (long)sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return n;
}

static void read_sweep(sqlite3 *db, struct items_db *d)
{
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db,
                         "SELECT value FROM cursors WHERE name = 'items.sweep'",
                         -1, &st, NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW) {
    cJSON *j = cJSON_Parse((const char *)sqlite3_column_text(st, 0));
    d->sweep_n = (long)cg_json_int(j, "n", 0);
    d->sweep_finished = cg_json_int(j, "finished", 0);
    cJSON_Delete(j);
  }
  sqlite3_finalize(st);
}

void items_db_read(struct e2e *t, struct items_db *d)
{
  static const char *const q[] = {
      "SELECT count(*) FROM items WHERE state = 'pending'",
      "SELECT count(*) FROM items WHERE state = 'accepted'",
      "SELECT count(*) FROM items WHERE state = 'rejected'",
      "SELECT count(*) FROM items WHERE state = 'excluded'",
      "SELECT count(*) FROM items WHERE dirty_since > 0",
      "SELECT count(*) FROM items WHERE batch > 0",
      "SELECT count(*) FROM items WHERE urgent != 0",
      "SELECT count(*) FROM item_waits"};
  long *out[] = {&d->pending, &d->accepted, &d->rejected, &d->excluded,
                 &d->dirty,   &d->in_batch, &d->urgent,   &d->waits};
  memset(d, 0, sizeof(*d));
  sqlite3 *db = db_open(t);
  if (db == NULL)
    return;
  d->ok = true;
  for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
    *out[i] = db_long(db, q[i]);
    d->ok = d->ok && *out[i] >= 0;
  }
  read_sweep(db, d);
  sqlite3_close(db);
}

bool items_settled(struct e2e *t, long want)
{
  struct items_db d;
  items_db_read(t, &d);
  return d.ok && d.accepted >= want && d.dirty == 0 && d.in_batch == 0 &&
         d.sweep_finished > 0;
}

/* --- the verdict ------------------------------------------------------------
 */

/* The warehouse's items by SKU (pointing into *list, caller deletes). */
static void wms_items(struct e2e *t, cJSON **list, struct cg_map *by_sku)
{
  const cJSON *it;
  *list = e2e_get(t, 'g', "/_sim/wms/items");
  assert_non_null(*list);
  cJSON_ArrayForEach(it, cg_json_get(*list, "items"))
  {
    if (cg_json_int(it, "creates", 0) != 1)
      fail_msg("%s was created %lld times at the warehouse",
               cg_json_str(it, "sku"),
               (long long)cg_json_int(it, "creates", 0));
    assert_int_equal(cg_map_put_str(by_sku, cg_json_str(it, "sku"), (void *)it),
                     0);
  }
}

/* One accepted row against the warehouse's item; returns 1. */
static long verify_row(const struct cg_map *by_sku, const char *sku,
                       const char *doc)
{
  const cJSON *w = cg_map_get_str(by_sku, sku);
  if (w == NULL)
    fail_msg("%s is accepted in the master but not at the warehouse", sku);
  cJSON *mine = cJSON_Parse(doc);
  bool same = mine && cJSON_Compare(mine, cg_json_get(w, "item"), true);
  if (!same) {
    char *theirs = cg_json_print(cg_json_get(w, "item"));
    fail_msg("%s: master has %s, the warehouse %s", sku, doc, theirs);
  }
  cJSON_Delete(mine);
  return 1;
}

long items_verify(struct e2e *t)
{
  cJSON *list = NULL;
  struct cg_map by_sku = {0};
  long n = 0, at_wms;
  wms_items(t, &list, &by_sku);
  at_wms = (long)cg_json_int(list, "count", -1);
  sqlite3 *db = db_open(t);
  sqlite3_stmt *st = NULL;
  assert_non_null(db);
  assert_int_equal(
      sqlite3_prepare_v2(db,
                         "SELECT sku, doc FROM items WHERE state = 'accepted'"
                         " AND doc IS NOT NULL",
                         -1, &st, NULL),
      SQLITE_OK);
  while (sqlite3_step(st) == SQLITE_ROW)
    n += verify_row(&by_sku, (const char *)sqlite3_column_text(st, 0),
                    (const char *)sqlite3_column_text(st, 1));
  sqlite3_finalize(st);
  sqlite3_close(db);
  if (n != at_wms)
    fail_msg("%ld items at the warehouse, %ld accepted in the master", at_wms,
             n);
  cg_map_free(&by_sku);
  cJSON_Delete(list);
  return n;
}
