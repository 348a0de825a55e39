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

int cg_centra_fetch_stock(struct cg_centra *c, int64_t warehouse_id, int page,
                          int limit, cg_call_done_fn done, void *arg)
{
  if (done == NULL || !cg__centra_valid_id(warehouse_id) || page < 1 ||
      limit < 1 || limit > CG_CENTRA_STOCK_PAGE_MAX)
    return CG_EINVAL;
  struct cg__centra_vars v;
  cg__centra_vars_init(&v);
  cg__centra_vars_int(&v, "warehouseId", warehouse_id);
  cg__centra_vars_int(&v, "limit", limit);
  cg__centra_vars_int(&v, "page", page);
  return cg__centra_products_send(&v, c, CG__DOC_STOCK_PAGE, flatten_product,
                                  NULL, done, arg);
}
