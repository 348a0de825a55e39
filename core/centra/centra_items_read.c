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

struct items_read {
  cg_call_done_fn done;
  void *arg;
};

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

static cJSON *flatten(const cJSON *products)
{
  int n = cJSON_GetArraySize(products);
  cJSON *out = cJSON_CreateObject();
  cJSON *sizes = out ? cJSON_AddArrayToObject(out, "sizes") : NULL;
  bool ok = sizes != NULL && cg_json_add_int(out, "products", n) != NULL &&
            cJSON_AddItemToObject(out, "newest", updated_at(products, 0)) &&
            cJSON_AddItemToObject(out, "oldest", updated_at(products, n - 1));
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

static void on_item_page(struct cg_call_result *res, void *arg)
{
  struct items_read *r = arg;
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

int cg_centra_fetch_items(struct cg_centra *c, enum cg_centra_item_sort sort,
                          int page, int limit, cg_call_done_fn done, void *arg)
{
  if (done == NULL || page < 1 || limit < 1 ||
      limit > CG_CENTRA_ITEM_PAGE_MAX ||
      (sort != CG_CENTRA_ITEMS_BY_ID && sort != CG_CENTRA_ITEMS_BY_UPDATED))
    return CG_EINVAL;
  struct items_read *r = cg_calloc(1, sizeof(*r));
  cJSON *order = cJSON_CreateArray();
  if (r == NULL || order == NULL ||
      !cJSON_AddItemToArray(order,
                            cJSON_CreateString(sort == CG_CENTRA_ITEMS_BY_ID
                                                   ? "id_DESC"
                                                   : "updatedAt_DESC"))) {
    cg_free(r);
    cJSON_Delete(order);
    return CG_ENOMEM;
  }
  *r = (struct items_read){.done = done, .arg = arg};
  struct cg__centra_vars v;
  cg__centra_vars_init(&v);
  cg__centra_vars_put(&v, "sort", order);
  cg__centra_vars_int(&v, "limit", limit);
  cg__centra_vars_int(&v, "page", page);
  int rc = cg__centra_vars_send(&v, c, CG__DOC_ITEM_PAGE, on_item_page, r);
  if (rc != 0)
    cg_free(r);
  return rc;
}
