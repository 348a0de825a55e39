/*
 * centra_items_read: the items flow's read of Centra (CgItemPage of
 * centra_docs.c): one page of products, flattened to the list of sizes
 * the pack's items hooks read (flows/items_read.c, scripts/cg/items.lua):
 *
 *   products[{..., variants[{..., productSizes[{size}]}]}]
 *     ──▶ sizes[{size..., productVariant: {variant..., product: {...}}}]
 *
 * plus the page's size and the updatedAt of its first and last product
 * (the delta read's stop rule). Sizes without a SKU are left out: the
 * warehouse keys its items by SKU.
 */
#include "centra/centra.h"
#include "centra/centra_int.h"

#include "base/err.h"
#include "base/json.h"
#include "base/mem.h"

/* A copy of o without its member `drop` (NULL on ENOMEM). */
static cJSON *copy_without(const cJSON *o, const char *drop)
{
  cJSON *c = cJSON_Duplicate(o, true);
  if (c != NULL)
    cJSON_DeleteItemFromObjectCaseSensitive(c, drop);
  return c;
}

/* Appends every size of variant v (its product: prod) that has a SKU. */
static bool flatten_variant(const cJSON *v, const cJSON *prod, cJSON *out)
{
  cJSON *var = copy_without(v, "productSizes");
  bool ok = var != NULL &&
            cJSON_AddItemToObject(var, "product", cJSON_Duplicate(prod, true));
  const cJSON *s;
  cJSON_ArrayForEach(s, cg_json_get(v, "productSizes"))
  {
    const char *sku = cg_json_str(s, "SKU");
    if (!ok || sku == NULL || sku[0] == '\0')
      continue;
    cJSON *size = cJSON_Duplicate(s, true);
    ok = size != NULL && cJSON_AddItemToArray(out, size) &&
         cJSON_AddItemToObject(size, "productVariant",
                               cJSON_Duplicate(var, true));
  }
  cJSON_Delete(var);
  return ok;
}

static bool flatten_product(const cJSON *p, cJSON *out)
{
  cJSON *prod = copy_without(p, "variants");
  bool ok = prod != NULL;
  const cJSON *v;
  cJSON_ArrayForEach(v, cg_json_get(p, "variants"))
  {
    if (ok)
      ok = flatten_variant(v, prod, out);
  }
  cJSON_Delete(prod);
  return ok;
}

/* The updatedAt of products[i] (NULL when it has none) as a JSON item. */
static cJSON *updated_at(const cJSON *products, int i)
{
  const char *at = cg_json_str(cJSON_GetArrayItem(products, i), "updatedAt");
  return at ? cJSON_CreateString(at) : cJSON_CreateNull();
}

/* The page's newest and oldest product (the delta read's stop rule). */
static bool page_ends(const cJSON *products, cJSON *page)
{
  int n = cJSON_GetArraySize(products);
  return cJSON_AddItemToObject(page, "newest", updated_at(products, 0)) &&
         cJSON_AddItemToObject(page, "oldest", updated_at(products, n - 1));
}

/* [sort] as the document's ProductSort list; NULL on ENOMEM. */
static cJSON *sort_list(enum cg_centra_item_sort sort)
{
  cJSON *order = cJSON_CreateArray();
  const char *name =
      sort == CG_CENTRA_ITEMS_BY_ID ? "id_DESC" : "updatedAt_DESC";
  if (order != NULL && !cJSON_AddItemToArray(order, cJSON_CreateString(name))) {
    cJSON_Delete(order);
    return NULL;
  }
  return order;
}

int cg_centra_fetch_items(struct cg_centra *c, enum cg_centra_item_sort sort,
                          int page, int limit, cg_call_done_fn done, void *arg)
{
  if (done == NULL || page < 1 || limit < 1 ||
      limit > CG_CENTRA_ITEM_PAGE_MAX ||
      (sort != CG_CENTRA_ITEMS_BY_ID && sort != CG_CENTRA_ITEMS_BY_UPDATED))
    return CG_EINVAL;
  struct cg__centra_vars v;
  cg__centra_vars_init(&v);
  cg__centra_vars_put(&v, "sort", sort_list(sort));
  cg__centra_vars_int(&v, "limit", limit);
  cg__centra_vars_int(&v, "page", page);
  return cg__centra_products_send(&v, c, CG__DOC_ITEM_PAGE, flatten_product,
                                  page_ends, done, arg);
}
