/*
 * sim_wms_items: the warehouse's item master.
 *
 *   PUT  /wms/v1/items/{sku}   201 created / 200 updated (stale
 *                              sourceUpdatedAt ignored); 422 invalid-gtin,
 *                              missing-hs-code, field-too-long, or the
 *                              code of a reject rule set for the SKU
 *   POST /wms/v1/items:batch   up to 500, 200 {results[]}; 400 / 422
 *   GET  /wms/v1/items/{sku}   200 / 404
 *
 * and its read-back for tests (docs/simulator.md): per SKU, how many
 * times it was created, updated with new content and upserted again with
 * the same content, and when (GET /_sim/wms/items); reject rules per SKU
 * (POST /_sim/wms/items/rules), so a test makes the site refuse a SKU
 * whatever its content.
 */
#include "sim_wms.h"

#include "base/err.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/time.h"
#include "net/http_server.h"
#include "net/router.h"

#include <stdio.h>
#include <string.h>

#define BATCH_MAX 500

/* Length and digits only: the contract's own sample GTIN fails the check
 * digit, and a site that refused real shop data would be no help. */
static bool gtin_valid(const char *g)
{
  size_t n = strlen(g);
  if (n != 8 && n != 12 && n != 13 && n != 14)
    return false;
  for (size_t i = 0; i < n; i++)
    if (g[i] < '0' || g[i] > '9')
      return false;
  return true;
}

/* The reject rule set for sku (POST /_sim/wms/items/rules) as a 422. */
static cJSON *rule_problem(const struct sim_wms *w, const char *sku)
{
  const cJSON *r = cJSON_GetObjectItemCaseSensitive(w->item_rules, sku);
  if (r == NULL)
    return NULL;
  const char *msg = cg_json_str(r, "message");
  return sim_problem(422, cg_json_str(r, "code"),
                     msg ? msg : "the site refuses this item",
                     cg_json_str(r, "pointer"));
}

/* The checks of an item, in the site's order. */
static cJSON *item_check(const struct sim_wms *w, const cJSON *doc,
                         const char *sku)
{
  const char *body_sku = cg_json_str(doc, "sku");
  const cJSON *gtin = cg_json_get(doc, "gtin");
  if (!cJSON_IsObject(doc))
    return sim_problem(400, "malformed-json", "item must be an object", NULL);
  cJSON *too_long = sim_wms__limits_problem(WMS_BODY_ITEM, doc);
  if (too_long == NULL && body_sku == NULL && sku != NULL) {
    cJSON *url = cJSON_CreateObject(); /* the URL's sku is the item's */
    cg_json_add_str(url, "sku", sku);
    too_long = sim_wms__limits_problem(WMS_BODY_ITEM, url);
    cJSON_Delete(url);
  }
  if (too_long != NULL)
    return too_long;
  if (sku == NULL || *sku == '\0' || (body_sku && strcmp(body_sku, sku) != 0))
    return sim_problem(422, "invalid-item",
                       "sku missing or not the one in the URL", "/sku");
  cJSON *rule = rule_problem(w, sku);
  if (rule != NULL)
    return rule;
  if (gtin != NULL && !cJSON_IsNull(gtin) &&
      (!cJSON_IsString(gtin) || !gtin_valid(gtin->valuestring)))
    return sim_problem(422, "invalid-gtin",
                       "gtin must be 8, 12, 13 or 14 digits", "/gtin");
  const char *hs = cg_json_str(doc, "hsCode");
  if (hs == NULL || *hs == '\0')
    return sim_problem(422, "missing-hs-code", "hsCode is required", "/hsCode");
  return NULL;
}

/* Returns a 4xx problem for a bad item, or NULL (counted). */
static cJSON *item_problem(struct sim_wms *w, const cJSON *doc, const char *sku)
{
  cJSON *p = item_check(w, doc, sku);
  if (p != NULL)
    w->stats.items_rejected++;
  return p;
}

static bool stale_update(const struct wms_item *it, const cJSON *doc)
{
  int64_t old_ms, new_ms;
  const char *old_s = cg_json_str(it->doc, "sourceUpdatedAt");
  const char *new_s = cg_json_str(doc, "sourceUpdatedAt");
  return old_s && new_s && cg_time_parse_iso8601(old_s, &old_ms) == 0 &&
         cg_time_parse_iso8601(new_s, &new_ms) == 0 && new_ms < old_ms;
}

/* Counts an upsert of an item the site holds: new content, the same
 * content again, or a stale one (ignored). */
static void count_upsert(struct sim_wms *w, struct wms_item *it,
                         const cJSON *copy, bool stale)
{
  int64_t now = cg_time_now_ms();
  if (stale) {
    w->stats.items_stale++;
  } else if (cJSON_Compare(it->doc, copy, true)) {
    it->unchanged++;
    w->stats.items_unchanged++;
  } else {
    it->updates++;
    it->updated_ms = now;
    w->stats.items_updated++;
  }
}

/* A new item for sku holding copy (taken); NULL on allocation failure. */
static struct wms_item *item_new(struct sim_wms *w, const char *sku,
                                 cJSON *copy)
{
  struct wms_item *it = cg_calloc(1, sizeof(*it));
  if (it == NULL || (it->sku = cg_strdup(sku)) == NULL ||
      sim_wms__keep(&w->items, &w->items_by_sku, it->sku, it) != 0) {
    if (it)
      cg_free(it->sku);
    cg_free(it);
    cJSON_Delete(copy);
    return NULL;
  }
  it->doc = copy;
  it->created_ms = cg_time_now_ms();
  return it;
}

/* Stores doc for sku (api: a client's upsert, counted per SKU; else a
 * seed); returns 201, 200, or 503 on allocation failure. */
static int item_store(struct sim_wms *w, const char *sku, const cJSON *doc,
                      bool api)
{
  struct wms_item *it = sim_wms__item_find(w, sku);
  cJSON *copy = cJSON_Duplicate(doc, true);
  if (copy == NULL)
    return 503;
  if (cJSON_GetObjectItem(copy, "sku") == NULL)
    cg_json_add_str(copy, "sku", sku);
  if (it != NULL) {
    bool stale = stale_update(it, doc);
    if (api)
      count_upsert(w, it, copy, stale);
    if (stale) {
      cJSON_Delete(copy);
      return 200;
    }
    cJSON_Delete(it->doc);
    it->doc = copy;
    return 200;
  }
  it = item_new(w, sku, copy);
  if (it == NULL)
    return 503;
  it->creates = api ? 1 : 0;
  w->stats.items_upserted++;
  return 201;
}

static void on_item_put(struct cg_http_exchange *ex, void *arg)
{
  struct sim_wms *w = arg;
  const char *sku = cg_http_exchange_param(ex, "sku");
  cJSON *doc;
  w->stats.item_puts++;
  if (sim_body_json(ex, &doc) != 0 || doc == NULL) {
    sim_wms__fail(ex, 400, "malformed-json", "body must be a JSON item", NULL);
    return;
  }
  cJSON *problem = item_problem(w, doc, sku);
  if (problem != NULL) {
    cJSON_Delete(doc);
    sim_wms__reply_problem(ex, problem);
    return;
  }
  int status = item_store(w, sku, doc, true);
  cJSON_Delete(doc);
  if (status == 503) {
    sim_wms__fail(ex, 503, "out-of-memory", "try again", NULL);
    return;
  }
  sim_wms__reply_json(ex, status,
                      cJSON_Duplicate(sim_wms__item_find(w, sku)->doc, true));
}

static void on_item_get(struct cg_http_exchange *ex, void *arg)
{
  struct sim_wms *w = arg;
  struct wms_item *it =
      sim_wms__item_find(w, cg_http_exchange_param(ex, "sku"));
  w->stats.item_gets++;
  if (it == NULL) {
    sim_wms__fail(ex, 404, "item-not-found", "no item with this sku", NULL);
    return;
  }
  sim_wms__reply_json(ex, 200, cJSON_Duplicate(it->doc, true));
}

static cJSON *batch_result(struct sim_wms *w, const cJSON *item, int index)
{
  const char *sku = cg_json_str(item, "sku");
  cJSON *r = cJSON_CreateObject();
  cJSON *problem = item_problem(w, item, sku);
  cg_json_add_int(r, "index", index);
  cg_json_add_str(r, "sku", sku);
  if (problem != NULL) {
    cg_json_add_int(r, "status", cg_json_int(problem, "status", 422));
    cg_json_add_str(r, "code", cg_json_str(problem, "code"));
    cJSON_AddItemToObject(r, "errors",
                          cJSON_DetachItemFromObject(problem, "errors"));
    cJSON_Delete(problem);
    return r;
  }
  cg_json_add_int(r, "status", item_store(w, sku, item, true));
  return r;
}

static void on_items_batch(struct cg_http_exchange *ex, void *arg)
{
  struct sim_wms *w = arg;
  cJSON *doc;
  if (sim_body_json(ex, &doc) != 0 || doc == NULL) {
    sim_wms__fail(ex, 400, "malformed-json", "body must be {\"items\":[...]}",
                  NULL);
    return;
  }
  const cJSON *items = cJSON_IsArray(doc) ? doc : cg_json_get(doc, "items");
  int n = cJSON_GetArraySize(items);
  if (!cJSON_IsArray(items) || n == 0 || n > BATCH_MAX) {
    cJSON_Delete(doc);
    sim_wms__fail(ex, 422, "invalid-batch", "items must hold 1..500 items",
                  "/items");
    return;
  }
  w->stats.item_batches++;
  w->stats.item_batch_items += (unsigned long)n;
  cJSON *resp = cJSON_CreateObject();
  cJSON *results = cJSON_AddArrayToObject(resp, "results");
  const cJSON *it;
  int i = 0;
  cJSON_ArrayForEach(it, items)
  {
    cJSON_AddItemToArray(results, batch_result(w, it, i++));
  }
  cJSON_Delete(doc);
  sim_wms__reply_json(ex, 200, resp);
}

int sim_wms__seed_items(struct sim_wms *w, const cJSON *items, char *msg,
                        size_t n)
{
  const cJSON *it;
  if (items != NULL && !cJSON_IsArray(items)) {
    snprintf(msg, n, "items must be an array");
    return CG_EINVAL;
  }
  cJSON_ArrayForEach(it, items)
  {
    const char *sku = cg_json_str(it, "sku");
    if (sku == NULL || *sku == '\0') {
      snprintf(msg, n, "every item needs a sku");
      return CG_EINVAL;
    }
    if (item_store(w, sku, it, false) == 503)
      return CG_ENOMEM;
  }
  return 0;
}

/* --- read-back and reject rules (control API) --------------------------- */

static cJSON *item_json(const struct wms_item *it)
{
  cJSON *o = cJSON_CreateObject();
  cg_json_add_str(o, "sku", it->sku);
  cJSON_AddItemToObject(o, "item", cJSON_Duplicate(it->doc, true));
  cg_json_add_int(o, "creates", it->creates);
  cg_json_add_int(o, "updates", it->updates);
  cg_json_add_int(o, "unchanged", it->unchanged);
  cg_json_add_int(o, "createdAtMs", it->created_ms);
  cg_json_add_int(o, "updatedAtMs", it->updated_ms);
  return o;
}

/* GET /_sim/wms/items[?sku=X]: {count, items: [item_json...]}. */
static void on_items_list(struct cg_http_exchange *ex, void *arg)
{
  struct sim_wms *w = arg;
  char sku[128];
  bool one = cg_http_exchange_query(ex, "sku", sku, sizeof(sku));
  cJSON *doc = cJSON_CreateObject();
  cJSON *arr = cJSON_AddArrayToObject(doc, "items");
  for (size_t i = 0; i < w->items.n; i++) {
    const struct wms_item *it = w->items.v[i];
    if (!one || strcmp(it->sku, sku) == 0)
      cJSON_AddItemToArray(arr, item_json(it));
  }
  cg_json_add_int(doc, "count", cJSON_GetArraySize(arr));
  sim_send_json(ex, 200, doc);
}

/* One rule {sku, code | null, message?, pointer?}; -1 when malformed. */
static int rule_set(struct sim_wms *w, const cJSON *r)
{
  const char *sku = cg_json_str(r, "sku");
  const char *code = cg_json_str(r, "code");
  if (sku == NULL || (code == NULL && !cJSON_IsNull(cg_json_get(r, "code"))))
    return -1;
  if (w->item_rules == NULL)
    w->item_rules = cJSON_CreateObject();
  cJSON_DeleteItemFromObjectCaseSensitive(w->item_rules, sku);
  if (code == NULL)
    return 0;
  cJSON *rule = cJSON_CreateObject();
  cg_json_add_str(rule, "code", code);
  cg_json_add_str(rule, "message", cg_json_str(r, "message"));
  cg_json_add_str(rule, "pointer", cg_json_str(r, "pointer"));
  cJSON_AddItemToObject(w->item_rules, sku, rule);
  return 0;
}

/* POST /_sim/wms/items/rules: one rule or {"rules": [...]}; a code makes
 * every upsert of the SKU answer 422 with it, a null code lifts it.
 * Answers the rules in force. */
static void on_item_rules(struct cg_http_exchange *ex, void *arg)
{
  struct sim_wms *w = arg;
  cJSON *doc = NULL;
  if (sim_body_json(ex, &doc) != 0 || !cJSON_IsObject(doc)) {
    cJSON_Delete(doc);
    sim_send_problem(ex, 400, "malformed-json", "body must be JSON", NULL);
    return;
  }
  const cJSON *list = cg_json_get(doc, "rules"), *r;
  int rc = cJSON_IsArray(list) ? 0 : rule_set(w, doc);
  cJSON_ArrayForEach(r, list)
  {
    if (rc == 0)
      rc = rule_set(w, r);
  }
  cJSON_Delete(doc);
  if (rc != 0) {
    sim_send_problem(ex, 422, "invalid-rule",
                     "a rule is {sku, code (null lifts it), message?, "
                     "pointer?}",
                     NULL);
    return;
  }
  sim_send_json(ex, 200,
                w->item_rules ? cJSON_Duplicate(w->item_rules, true)
                              : cJSON_CreateObject());
}

int sim_wms__items_routes(struct sim_wms *w, struct cg_router *r)
{
  static const struct {
    const char *method, *path;
    cg_http_handler_fn fn;
  } routes[] = {
      {"POST", "/wms/v1/items:batch", on_items_batch},
      {"PUT", "/wms/v1/items/{sku}", on_item_put},
      {"GET", "/wms/v1/items/{sku}", on_item_get},
      {"GET", "/_sim/wms/items", on_items_list},
      {"POST", "/_sim/wms/items/rules", on_item_rules},
  };
  for (size_t i = 0; i < sizeof(routes) / sizeof(*routes); i++) {
    int rc =
        cg_router_add(r, routes[i].method, routes[i].path, routes[i].fn, w);
    if (rc != 0)
      return rc;
  }
  return 0;
}
