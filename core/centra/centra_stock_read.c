/*
 * centra_stock_read: the stock reconcile's read of Centra (CgStockPage
 * of centra_docs.c): one page of products with each size's SKU and
 * physical stock in the merchant's warehouse, flattened to the list of
 * sizes the flow compares (flows/stock_reconcile.c).
 */
#include "centra/centra.h"
#include "centra/centra_int.h"

#include "base/err.h"
#include "base/json.h"
#include "base/mem.h"

struct stock_read {
  cg_call_done_fn done;
  void *arg;
};

/* Appends {sku, physical} for every size of product p that has a SKU. */
static bool flatten_product(const cJSON *p, cJSON *out)
{
  const cJSON *v, *s;
  cJSON_ArrayForEach(v, cg_json_get(p, "variants"))
  {
    cJSON_ArrayForEach(s, cg_json_get(v, "productSizes"))
    {
      const char *sku = cg_json_str(s, "SKU");
      if (sku == NULL || sku[0] == '\0')
        continue;
      cJSON *o = cJSON_CreateObject();
      if (o == NULL || !cJSON_AddItemToArray(out, o) ||
          cg_json_add_str(o, "sku", sku) == NULL ||
          cg_json_add_int(o, "physical",
                          cg_json_int(s, "stockTotals.physicalQuantity", 0)) ==
              NULL)
        return false;
    }
  }
  return true;
}

static cJSON *flatten(const cJSON *products)
{
  cJSON *out = cJSON_CreateObject();
  cJSON *sizes = out ? cJSON_AddArrayToObject(out, "sizes") : NULL;
  bool ok =
      sizes != NULL &&
      cg_json_add_int(out, "products", cJSON_GetArraySize(products)) != NULL;
  const cJSON *p;
  cJSON_ArrayForEach(p, products)
  {
    if (ok)
      ok = flatten_product(p, sizes);
  }
  if (!ok) {
    cJSON_Delete(out);
    return NULL;
  }
  return out;
}

static void on_stock_page(struct cg_call_result *res, void *arg)
{
  struct stock_read *r = arg;
  if (res->outcome == CG_OUTCOME_OK) {
    cJSON *flat = cJSON_IsArray(res->data) ? flatten(res->data) : NULL;
    cJSON_Delete(res->data);
    res->data = flat;
    if (flat == NULL)
      cg_call_result_set(res, CG_OUTCOME_RETRY, "bad-response",
                         "products answer is not a list (or out of memory)");
  }
  r->done(res, r->arg);
  cg_free(r);
}

int cg_centra_fetch_stock(struct cg_centra *c, int64_t warehouse_id, int page,
                          int limit, cg_call_done_fn done, void *arg)
{
  if (done == NULL || !cg__centra_valid_id(warehouse_id) || page < 1 ||
      limit < 1 || limit > CG_CENTRA_STOCK_PAGE_MAX)
    return CG_EINVAL;
  struct stock_read *r = cg_calloc(1, sizeof(*r));
  if (r == NULL)
    return CG_ENOMEM;
  *r = (struct stock_read){.done = done, .arg = arg};
  struct cg__centra_vars v;
  cg__centra_vars_init(&v);
  cg__centra_vars_int(&v, "warehouseId", warehouse_id);
  cg__centra_vars_int(&v, "limit", limit);
  cg__centra_vars_int(&v, "page", page);
  int rc = cg__centra_vars_send(&v, c, CG__DOC_STOCK_PAGE, on_stock_page, r);
  if (rc != 0)
    cg_free(r);
  return rc;
}
