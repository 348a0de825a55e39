/*
 * sim_centra_products: the products query of the simulated Centra. A
 * product is rendered from the index (sim_centra_index.c: its scalar part
 * and its sizes), so a page costs the page: load order without a sort,
 * the index backwards for id_DESC, one sort of the products by their
 * stored Product.updatedAt (then id) for updatedAt_ASC/DESC. The
 * catalogue's changes are in sim_centra_catalogue.c.
 */
#include "sim_centra.h"

#include "base/json.h"
#include "base/mem.h"

#include <stdlib.h>
#include <string.h>

struct sc_product *sim_centra__product_of(struct sim_centra *c,
                                          const cJSON *size)
{
  int64_t id = cg_json_int(size, "productVariant.product.id", 0);
  return cg_map_get_int(&c->products_by_id, id);
}

/* The answer's variants of a product being built, by stored variant id
 * (the answer's own id may be cut away). */
struct built_variant {
  int64_t id;
  cJSON *v;
};

/* The answer's variant of size (made and added to vars when new); view:
 * sharing the stored members (sim_json_view_cut), for an answer printed
 * at once, rather than copies. */
static cJSON *variant_of(cJSON *vars, struct built_variant *built, size_t *n,
                         const cJSON *size, const cJSON *tree, bool view)
{
  const cJSON *sv = cg_json_get(size, "productVariant");
  int64_t id = cg_json_int(sv, "id", 0);
  for (size_t i = 0; i < *n; i++)
    if (built[i].id == id)
      return built[i].v;
  cJSON *v = view ? sim_json_view_cut(sv, tree) : cJSON_Duplicate(sv, true);
  cJSON_DeleteItemFromObjectCaseSensitive(v, "product");
  if (sim_tree_keeps(tree, "productSizes"))
    cJSON_AddArrayToObject(v, "productSizes");
  cJSON_AddItemToArray(vars, v);
  built[(*n)++] = (struct built_variant){id, v};
  return v;
}

/* The product's variants with their sizes, as far as tree reads them. */
static void add_variants(struct sim_centra *c, const struct sc_product *p,
                         cJSON *vars, const cJSON *tree, bool view)
{
  size_t n = 0;
  struct built_variant *built = cg_calloc(p->sizes.n + 1, sizeof(*built));
  const cJSON *stree = sim_tree_sub(tree, "productSizes");
  for (size_t k = 0; built != NULL && k < p->sizes.n; k++) {
    const cJSON *size = p->sizes.v[k];
    cJSON *v = variant_of(vars, built, &n, size, tree, view);
    cJSON *list = cJSON_GetObjectItemCaseSensitive(v, "productSizes");
    if (list != NULL)
      cJSON_AddItemToArray(list, view ? sim_centra__size_view(c, size, stree)
                                      : sim_centra__size_render(c, size));
  }
  cg_free(built);
}

/* A product as the API answers it, as far as tree reads it (NULL: all).
 * A products page uses the view: a page of 2,000 sizes no longer copies
 * each size with its product. */
static cJSON *product_build(struct sim_centra *c, const struct sc_product *p,
                            bool view, const cJSON *tree)
{
  cJSON *prod =
      view ? sim_json_view_cut(p->info, tree) : cJSON_Duplicate(p->info, true);
  if (sim_tree_keeps(tree, "variants"))
    add_variants(c, p, cJSON_AddArrayToObject(prod, "variants"),
                 sim_tree_sub(tree, "variants"), view);
  const cJSON *w = cg_json_get(p->sizes.n > 0 ? p->sizes.v[0] : NULL, "weight");
  if (p->sizes.n > 0 && sim_tree_keeps(tree, "weight"))
    cJSON_AddItemToObject(prod, "weight",
                          view ? sim_json_ref(w) : cJSON_Duplicate(w, 1));
  return prod;
}

cJSON *sim_centra__product_render(struct sim_centra *c,
                                  const struct sc_product *p)
{
  return product_build(c, p, false, NULL);
}

/* A product of a page with its Product.updatedAt. */
struct prod_ref {
  const struct sc_product *p;
  const char *updated;
};

static int cmp_ref(const void *a, const void *b)
{
  const struct prod_ref *x = a, *y = b;
  int r = strcmp(x->updated ? x->updated : "", y->updated ? y->updated : "");
  return r != 0 ? r : (x->p->id < y->p->id ? -1 : (x->p->id > y->p->id));
}

static int cmp_ref_desc(const void *a, const void *b)
{
  return cmp_ref(b, a);
}

/* The where of a products query, read once per request: a page of a
 * large catalogue tests every product. */
struct product_where {
  const cJSON *status, *name;
  bool any; /* false: every product matches, nothing to read */
};

static void product_where_read(struct product_where *w, const cJSON *where)
{
  w->status = cg_json_get(where, "status");
  w->name = cg_json_get(where, "name");
  w->any = (w->status != NULL && !cJSON_IsNull(w->status)) ||
           cJSON_IsObject(w->name);
}

static bool product_matches(const cJSON *p, const struct product_where *w)
{
  return !w->any ||
         (sim_centra__in_str_list(w->status, cg_json_str(p, "status")) &&
          sim_centra__string_match(w->name, cg_json_str(p, "name")));
}

/* The products matching args' where, in load order (ids ascending) or in
 * args' sort. */
static size_t product_hits(struct sim_centra *c, const cJSON *args,
                           struct prod_ref *refs)
{
  const char *s =
      cJSON_GetStringValue(cJSON_GetArrayItem(cg_json_get(args, "sort"), 0));
  bool asc = s && strcmp(s, "updatedAt_ASC") == 0;
  bool desc = s && strcmp(s, "updatedAt_DESC") == 0;
  bool id_desc = s && strcmp(s, "id_DESC") == 0;
  struct product_where w;
  product_where_read(&w, cg_json_get(args, "where"));
  size_t m = 0, n = c->products.n;
  for (size_t i = 0; i < n; i++) {
    const struct sc_product *p = c->products.v[id_desc ? n - 1 - i : i];
    if (!product_matches(p->info, &w))
      continue;
    refs[m++] = (struct prod_ref){
        .p = p,
        .updated = asc || desc ? cg_json_str(p->info, "updatedAt") : NULL};
  }
  if (asc || desc)
    qsort(refs, m, sizeof(*refs), asc ? cmp_ref : cmp_ref_desc);
  return m;
}

cJSON *sim_centra__op_products(struct sim_centra *c, const cJSON *args,
                               const char **err)
{
  int limit, page;
  if (sim_centra__paging(args, 20, 200, &limit, &page, err) != 0)
    return NULL;
  struct prod_ref *refs = cg_calloc(c->products.n + 1, sizeof(*refs));
  if (refs == NULL) {
    *err = "out of memory";
    return NULL;
  }
  size_t m = product_hits(c, args, refs);
  size_t first = (size_t)(page - 1) * (size_t)limit;
  cJSON *out = cJSON_CreateArray();
  for (size_t i = first; i < m && i < first + (size_t)limit; i++)
    cJSON_AddItemToArray(out, product_build(c, refs[i].p, true, c->needs));
  cg_free(refs);
  return out;
}
