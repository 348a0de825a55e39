/*
 * e2e_stock: see e2e_stock.h.
 */
#include "e2e_stock.h"

#include "base/json.h"
#include "base/mem.h"
#include "testutil.h"

#include <stdio.h>
#include <string.h>

void stock_sku(long i, char *out, size_t size)
{
  snprintf(out, size, "STK-%05ld", i);
}

/* One catalogue entry: a flat size with Centra stock in warehouse wh. */
static void add_size(cJSON *products, long i, long qty, long wh)
{
  char sku[32], ean[32], whs[24];
  stock_sku(i, sku, sizeof(sku));
  snprintf(ean, sizeof(ean), "57700%08ld", i);
  snprintf(whs, sizeof(whs), "%ld", wh);
  cJSON *p = cJSON_CreateObject();
  cg_json_add_str(p, "sku", sku);
  cg_json_add_str(p, "ean", ean);
  cg_json_add_str(p, "name", sku);
  cJSON *st = cJSON_AddObjectToObject(p, "stock");
  cg_json_add_int(st, whs, qty);
  cJSON_AddItemToArray(products, p);
}

char *stock_scenario(long n, long wms_qty, long centra_qty, long wh)
{
  cJSON *doc = cJSON_CreateObject();
  cJSON *cat = cJSON_AddObjectToObject(doc, "catalogue");
  cJSON *products = cJSON_AddArrayToObject(cat, "products");
  cJSON *whs = cJSON_AddObjectToObject(doc, "warehouse");
  cJSON *stock = cJSON_AddArrayToObject(whs, "stock");
  for (long i = 1; i <= n; i++) {
    char sku[32];
    stock_sku(i, sku, sizeof(sku));
    add_size(products, i, centra_qty, wh);
    if (wms_qty == 0)
      continue; /* not in the warehouse's table until an adjustment */
    cJSON *s = cJSON_CreateObject();
    cg_json_add_str(s, "sku", sku);
    cg_json_add_int(s, "quantity", wms_qty);
    cJSON_AddItemToArray(stock, s);
  }
  char *text = cg_json_print(doc);
  cJSON_Delete(doc);
  assert_non_null(text);
  return text;
}

void stock_setup(struct e2e *t, char *scenario, unsigned seed,
                 const char *merchant)
{
  static const char *const sim_args[] = {"--centra-mutation-budget", "1000",
                                         NULL};
  struct e2e_opts o = {.scenario_json = scenario,
                       .seed = seed,
                       .sim_args = sim_args,
                       .extra_merchant = merchant};
  e2e_setup(t, &o);
  cg_free(scenario);
}

void stock_item(cJSON *items, const char *sku, long delta)
{
  cJSON *it = cJSON_CreateObject();
  cg_json_add_str(it, "sku", sku);
  cg_json_add_int(it, "delta", delta);
  cJSON_AddItemToArray(items, it);
}

cJSON *stock_adjust(struct e2e *t, cJSON *items)
{
  cJSON *body = cJSON_CreateObject();
  cJSON_AddItemToObject(body, "items", items);
  char *text = cg_json_print(body);
  cJSON_Delete(body);
  cJSON *r = e2e_post(t, 'g', "/_sim/wms/stock/adjust", text);
  cg_free(text);
  if (r == NULL || !cJSON_IsArray(cg_json_get(r, "events")))
    fail_msg("the warehouse simulator refused a stock burst");
  return r;
}

long stock_centra_physical(struct e2e *t, const char *sku, long wh)
{
  cJSON *doc = e2e_get(t, 'c', "/_sim/centra/stock");
  const cJSON *row, *w;
  long qty = -1;
  cJSON_ArrayForEach(row, doc)
  {
    if (strcmp(cg_json_str(row, "sku") ? cg_json_str(row, "sku") : "", sku))
      continue;
    cJSON_ArrayForEach(w, cg_json_get(row, "warehouses"))
    {
      if (cg_json_int(w, "id", 0) == wh)
        qty = (long)cg_json_int(w, "physical", -1);
    }
  }
  cJSON_Delete(doc);
  return qty;
}

struct want {
  const char *const *skus;
  const long *qty;
  size_t n;
  long wh;
};

/* Whether every SKU has its figure (one read of Centra's table). */
static bool centra_has(struct e2e *t, void *arg)
{
  const struct want *w = arg;
  cJSON *doc = e2e_get(t, 'c', "/_sim/centra/stock");
  size_t ok = 0;
  for (size_t i = 0; i < w->n; i++) {
    const cJSON *row, *e;
    cJSON_ArrayForEach(row, doc)
    {
      const char *sku = cg_json_str(row, "sku");
      if (sku == NULL || strcmp(sku, w->skus[i]) != 0)
        continue;
      cJSON_ArrayForEach(e, cg_json_get(row, "warehouses"))
      {
        ok += cg_json_int(e, "id", 0) == w->wh &&
              cg_json_int(e, "physical", -1) == w->qty[i];
      }
    }
  }
  cJSON_Delete(doc);
  return ok == w->n;
}

bool stock_wait_centra(struct e2e *t, const char *const *skus, const long *want,
                       size_t n, long wh, int timeout_s)
{
  struct want w = {skus, want, n, wh};
  return e2e_wait(t, timeout_s, centra_has, &w);
}

cJSON *stock_writes(struct e2e *t)
{
  cJSON *doc = e2e_get(t, 'c', "/_sim/centra/stock/writes");
  assert_non_null(doc);
  return doc;
}

long stock_set_stock_calls(struct e2e *t)
{
  cJSON *doc = e2e_get(t, 'c', "/_sim/centra/operations");
  long n = (long)cg_json_int(doc, "operations.CgSetStock.calls", 0);
  cJSON_Delete(doc);
  return n;
}

long stock_write_qty(const cJSON *write, const char *sku)
{
  const cJSON *it;
  cJSON_ArrayForEach(it, cg_json_get(write, "items"))
  {
    const char *s = cg_json_str(it, "sku");
    if (s != NULL && strcmp(s, sku) == 0)
      return (long)cg_json_int(it, "quantity", -1);
  }
  return -1;
}

cJSON *stock_show(struct e2e *t, const char *sku)
{
  char path[256];
  snprintf(path, sizeof(path), "/api/v1/merchants/shop/stock/%s", sku);
  return e2e_get(t, 'a', path);
}
