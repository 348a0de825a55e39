/*
 * sim_centra_stock: the stock of the simulated Centra's catalogue
 * (sim_centra_catalogue.c loads it, sim_centra_products.c answers
 * products): the productSizes query, and the changeStock (delta) and setStock
 * (absolute) mutations, which resolve sizes by SKU or EAN, validate the
 * whole batch before touching anything, and are recorded as stock writes
 * for the control API. Allocated stock is derived from open orders.
 */
#include "sim_centra.h"

#include "sim_util.h"

#include "base/json.h"
#include "base/mem.h"
#include "base/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

cJSON *sim_centra__size_by_sku(struct sim_centra *c, const char *sku)
{
  if (c->index_lost || sku == NULL)
    return sim_centra__find_str(c->sizes, "SKU", sku);
  return cg_map_get_str(&c->sizes_by_sku, sku);
}

cJSON *sim_centra__size_by_ean(struct sim_centra *c, const char *ean)
{
  return sim_centra__find_str(c->sizes, "EAN", ean);
}

/* --- stock -----------------------------------------------------------------
 */

static cJSON *stock_entry(cJSON *size, int64_t wh, bool create)
{
  cJSON *stock = cJSON_GetObjectItemCaseSensitive(size, "stock");
  cJSON *e = sim_centra__find_int(stock, "warehouse.id", wh);
  if (e != NULL || !create)
    return e;
  e = cJSON_CreateObject();
  cJSON_AddItemToObject(e, "warehouse", sim_centra__warehouse(wh));
  cg_json_add_int(e, "physicalQuantity", 0);
  cJSON_AddItemToArray(stock, e);
  return e;
}

/* Sets physical stock; an event only for changes after seeding. */
static void set_physical(struct sim_centra *c, cJSON *size, int64_t wh,
                         int64_t qty, bool event)
{
  char now[40];
  cJSON *e = stock_entry(size, wh, true);
  if (cg_json_int(e, "physicalQuantity", 0) == qty)
    return;
  sim_centra__set(e, "physicalQuantity", cJSON_CreateNumber((double)qty));
  sim_centra__set(size, "updatedAt",
                  cJSON_CreateString(sim_centra__now(now, sizeof(now))));
  if (event)
    sim_centra__event(c, "ProductSize", "UPDATED", cg_json_int(size, "id", 0));
}

void sim_centra__stock_set(struct sim_centra *c, cJSON *size, int64_t wh,
                           int64_t qty)
{
  set_physical(c, size, wh, qty, true);
}

void sim_centra__stock_add(struct sim_centra *c, cJSON *size, int64_t wh,
                           int64_t delta)
{
  cJSON *e = stock_entry(size, wh, true);
  sim_centra__stock_set(c, size, wh,
                        cg_json_int(e, "physicalQuantity", 0) + delta);
}

/* stock: a number (warehouse 1), {"<wh>": n}, or [{warehouse, quantity}] */
void sim_centra__stock_seed(struct sim_centra *c, cJSON *size,
                            const cJSON *stock)
{
  const cJSON *it;
  if (cJSON_IsNumber(stock)) {
    set_physical(c, size, SC_DEFAULT_WAREHOUSE, (int64_t)stock->valuedouble,
                 false);
    return;
  }
  cJSON_ArrayForEach(it, stock)
  {
    int64_t wh = it->string ? strtoll(it->string, NULL, 10)
                            : cg_json_int(it, "warehouse", 0);
    if (wh <= 0)
      wh = cg_json_int(it, "warehouseId", cg_json_int(it, "warehouse.id", 1));
    int64_t qty = cJSON_IsNumber(it) ? (int64_t)it->valuedouble
                                     : cg_json_int(it, "quantity", 0);
    set_physical(c, size, wh, qty, false);
  }
}

/* A number under a constant key (not copied: a page adds seven to each
 * of thousands of entries). */
static void add_figure(cJSON *e, const char *key, int64_t v)
{
  cJSON *n = cJSON_CreateNumber((double)v);
  if (n != NULL && !cJSON_AddItemToObjectCS(e, key, n))
    cJSON_Delete(n);
}

/* The computed quantities of a size's stock entries (copies or views) in
 * place, those a cut to tree keeps (NULL: all). */
static void stock_render(struct sim_centra *c, const cJSON *size, cJSON *stock,
                         const cJSON *tree)
{
  static const char *const keys[] = {
      "allocatedQuantity",     "freeToAllocateQuantity", "availableNowQuantity",
      "availableQuantity",     "demandQuantity",         "incomingQuantity",
      "linkedIncomingQuantity"};
  int64_t alloc = sim_centra__allocated(c, cg_json_str(size, "SKU"));
  cJSON *e;
  cJSON_ArrayForEach(e, stock)
  {
    int64_t avail = cg_json_int(e, "physicalQuantity", 0) - alloc;
    const int64_t v[] = {alloc, avail, avail, avail, 0, 0, 0};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
      if (sim_tree_keeps(tree, keys[i]))
        add_figure(e, keys[i], v[i]);
    alloc = 0; /* allocation sits on the first warehouse */
  }
}

cJSON *sim_centra__size_render(struct sim_centra *c, const cJSON *size)
{
  cJSON *s = cJSON_Duplicate(size, true);
  stock_render(c, size, cJSON_GetObjectItemCaseSensitive(s, "stock"), NULL);
  return s;
}

/* Views of a size's stock entries (cut to tree), for the computed
 * quantities to be added to; NULL when out of memory. */
static cJSON *stock_view(const cJSON *size, const cJSON *tree)
{
  cJSON *stock = cJSON_CreateArray();
  const cJSON *e;
  cJSON_ArrayForEach(e, cg_json_get(size, "stock"))
  {
    cJSON *v = sim_json_view_cut(e, tree);
    if (v == NULL || stock == NULL || !cJSON_AddItemToArray(stock, v)) {
      cJSON_Delete(v);
      cJSON_Delete(stock);
      return NULL;
    }
  }
  return stock;
}

/* The same answer sharing the stored members (sim_json_view_cut, the
 * stock entries too). For a query's answer, printed at once; a products
 * page of 2,000 sizes no longer copies each size's product. */
cJSON *sim_centra__size_view(struct sim_centra *c, const cJSON *size,
                             const cJSON *tree)
{
  cJSON *s = sim_json_view_cut(size, tree);
  if (s == NULL || !sim_tree_keeps(tree, "stock"))
    return s;
  const cJSON *stree = sim_tree_sub(tree, "stock");
  cJSON *stock = stock_view(size, stree);
  if (stock == NULL) {
    cJSON_Delete(s);
    return NULL;
  }
  stock_render(c, size, stock, stree);
  if (!cJSON_ReplaceItemInObjectCaseSensitive(s, "stock", stock))
    cJSON_Delete(stock);
  return s;
}

cJSON *sim_centra__stock_report(struct sim_centra *c)
{
  cJSON *out = cJSON_CreateArray();
  const cJSON *size, *e;
  cJSON_ArrayForEach(size, c->sizes)
  {
    cJSON *r = sim_centra__size_render(c, size);
    cJSON *row = cJSON_CreateObject();
    cg_json_add_str(row, "sku", cg_json_str(r, "SKU"));
    cg_json_add_str(row, "ean", cg_json_str(r, "EAN"));
    cg_json_add_int(row, "sizeId", cg_json_int(r, "id", 0));
    int64_t phys = 0, alloc = 0;
    cJSON *whs = cJSON_AddArrayToObject(row, "warehouses");
    cJSON_ArrayForEach(e, cg_json_get(r, "stock"))
    {
      cJSON *w = cJSON_CreateObject();
      cg_json_add_int(w, "id", cg_json_int(e, "warehouse.id", 0));
      cg_json_add_int(w, "physical", cg_json_int(e, "physicalQuantity", 0));
      cg_json_add_int(w, "allocated", cg_json_int(e, "allocatedQuantity", 0));
      phys += cg_json_int(e, "physicalQuantity", 0);
      alloc += cg_json_int(e, "allocatedQuantity", 0);
      cJSON_AddItemToArray(whs, w);
    }
    cg_json_add_int(row, "physical", phys);
    cg_json_add_int(row, "allocated", alloc);
    cJSON_AddItemToArray(out, row);
    cJSON_Delete(r);
  }
  return out;
}

/* --- queries and mutations ----------------------------------------------- */

static bool size_matches(const cJSON *size, const cJSON *where)
{
  static const char *const text[] = {"SKU", "EAN", "UPC", "sizeNumber",
                                     "description"};
  for (size_t i = 0; i < sizeof(text) / sizeof(text[0]); i++) {
    if (!sim_centra__string_match(cg_json_get(where, text[i]),
                                  cg_json_str(size, text[i])))
      return false;
  }
  return sim_centra__in_range(cg_json_str(size, "updatedAt"),
                              cg_json_get(where, "updatedAt")) &&
         sim_centra__in_int_list(cg_json_get(where, "id"),
                                 cg_json_int(size, "id", 0)) &&
         sim_centra__in_int_list(cg_json_get(where, "sizeId"),
                                 cg_json_int(size, "id", 0)) &&
         sim_centra__match_bool(size, where, "isActive");
}

static int cmp_updated(const void *a, const void *b)
{
  const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
  int r = strcmp(cg_json_str(x, "updatedAt"), cg_json_str(y, "updatedAt"));
  int64_t d = cg_json_int(x, "id", 0) - cg_json_int(y, "id", 0);
  return r != 0 ? r : (d < 0 ? -1 : (d > 0 ? 1 : 0));
}

static int cmp_updated_desc(const void *a, const void *b)
{
  return cmp_updated(b, a);
}

/* Sorts items (stored objects with updatedAt and id) by sort[0]. */
static void sort_updated(const cJSON **items, size_t n, const cJSON *sort)
{
  const char *s = cJSON_GetStringValue(cJSON_GetArrayItem(sort, 0));
  if (s != NULL && strcmp(s, "updatedAt_ASC") == 0)
    qsort(items, n, sizeof(*items), cmp_updated);
  else if (s != NULL && strcmp(s, "updatedAt_DESC") == 0)
    qsort(items, n, sizeof(*items), cmp_updated_desc);
}

cJSON *sim_centra__op_product_sizes(struct sim_centra *c, const cJSON *args,
                                    const char **err)
{
  int limit, page;
  const cJSON *where = cg_json_get(args, "where"), *size;
  if (sim_centra__paging(args, 20, 200, &limit, &page, err) != 0)
    return NULL;
  size_t m = 0;
  const cJSON **hits =
      cg_calloc((size_t)cJSON_GetArraySize(c->sizes) + 1, sizeof(*hits));
  if (hits == NULL)
    return NULL;
  cJSON_ArrayForEach(size, c->sizes)
  {
    if (size_matches(size, where))
      hits[m++] = size;
  }
  sort_updated(hits, m, cg_json_get(args, "sort"));
  cJSON *out = cJSON_CreateArray();
  size_t first = (size_t)(page - 1) * (size_t)limit;
  for (size_t i = first; i < m && i < first + (size_t)limit; i++)
    cJSON_AddItemToArray(out, sim_centra__size_view(c, hits[i], c->needs));
  cg_free(hits);
  return out;
}

/* Resolves every productSizes[i].productSize {SKU|EAN}; userErrors for the
 * unknown ones. sizes[i] receives the match. Returns 0 when all resolve. */
static int resolve_sizes(struct sim_centra *c, cJSON *p, const cJSON *items,
                         const char *qty_key, cJSON **sizes)
{
  int i = 0, rc = 0;
  const cJSON *it;
  char path[80];
  cJSON_ArrayForEach(it, items)
  {
    const char *sku = cg_json_str(it, "productSize.SKU");
    const char *ean = cg_json_str(it, "productSize.EAN");
    int64_t id = cg_json_int(it, "productSize.id", -1);
    sizes[i] = sku   ? sim_centra__size_by_sku(c, sku)
               : ean ? sim_centra__size_by_ean(c, ean)
                     : sim_centra__find_int(c->sizes, "id", id);
    snprintf(path, sizeof(path), "input.productSizes.%d.productSize", i);
    if (sizes[i] == NULL)
      rc = sim_centra__user_error(p, path, "Product size not found (%s %s)",
                                  sku ? "SKU" : "EAN",
                                  sku ? sku : (ean ? ean : "missing"));
    snprintf(path, sizeof(path), "input.productSizes.%d.%s", i, qty_key);
    if (!cJSON_IsNumber(cg_json_get(it, qty_key)))
      rc = sim_centra__user_error(p, path, "%s must be an integer", qty_key);
    i++;
  }
  if (i == 0)
    rc = sim_centra__user_error(p, "input.productSizes", "No product sizes");
  return rc;
}

static cJSON *stock_write(struct sim_centra *c, const char *kind, int64_t wh,
                          const cJSON *input)
{
  char now[40];
  cJSON *w = cJSON_CreateObject();
  cg_json_add_int(w, "id", sim_centra__next(c, SC_SEQ_STOCK_CHANGE));
  cg_json_add_str(w, "kind", kind);
  cg_json_add_int(w, "warehouseId", wh);
  cg_json_add_str(w, "description", cg_json_str(input, "description"));
  cg_json_add_str(w, "at", sim_centra__now(now, sizeof(now)));
  cg_json_add_int(w, "atMs", cg_time_now_ms()); /* for latency figures */
  cJSON_AddArrayToObject(w, "items");
  cJSON_AddItemToArray(c->stock_writes, w);
  return w;
}

static void write_item(cJSON *w, const cJSON *size, int64_t wh, const char *key,
                       int64_t value)
{
  cJSON *it = cJSON_CreateObject();
  cg_json_add_str(it, "sku", cg_json_str(size, "SKU"));
  cg_json_add_str(it, "ean", cg_json_str(size, "EAN"));
  cg_json_add_int(it, key, value);
  cg_json_add_int(it, "physicalAfter",
                  cg_json_int(sim_centra__find_int(cg_json_get(size, "stock"),
                                                   "warehouse.id", wh),
                              "physicalQuantity", 0));
  cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(w, "items"), it);
}

static cJSON **sizes_array(const cJSON *items)
{
  return cg_calloc((size_t)cJSON_GetArraySize(items) + 1, sizeof(cJSON *));
}

/* A transfer takes units out of one warehouse: no more than it holds. */
static int check_transfer(cJSON *p, cJSON **sizes, const cJSON *items,
                          int64_t out)
{
  int i = 0, rc = 0;
  const cJSON *it;
  char path[80];
  cJSON_ArrayForEach(it, items)
  {
    int64_t have =
        cg_json_int(stock_entry(sizes[i], out, false), "physicalQuantity", 0);
    snprintf(path, sizeof(path), "input.productSizes.%d.deliveredQuantity",
             i++);
    if (cg_json_int(it, "deliveredQuantity", 0) > have)
      rc = sim_centra__user_error(p, path,
                                  "Only %lld in warehouse %lld to "
                                  "transfer",
                                  (long long)have, (long long)out);
  }
  return rc;
}

/* Applies a checked change: out of `out` and/or into `into`. */
static int64_t apply_change(struct sim_centra *c, cJSON **sizes,
                            const cJSON *items, int64_t into, int64_t out,
                            const cJSON *input)
{
  cJSON *w = stock_write(c, "changeStock", into > 0 ? into : out, input);
  if (into > 0 && out > 0)
    cg_json_add_int(w, "fromWarehouseId", out);
  int i = 0;
  const cJSON *it;
  cJSON_ArrayForEach(it, items)
  {
    int64_t d = cg_json_int(it, "deliveredQuantity", 0);
    if (out > 0)
      sim_centra__stock_add(c, sizes[i], out, -d);
    if (into > 0)
      sim_centra__stock_add(c, sizes[i], into, d);
    write_item(w, sizes[i++], into > 0 ? into : out, "delta",
               into > 0 ? d : -d);
  }
  return cg_json_int(w, "id", 0);
}

/* The size of variant vid called name (description or sizeNumber). */
static const cJSON *variant_size(struct sim_centra *c, int64_t vid,
                                 const char *name)
{
  const cJSON *s;
  cJSON_ArrayForEach(s, c->sizes)
  {
    const char *d = cg_json_str(s, "description");
    const char *n = cg_json_str(s, "sizeNumber");
    if (cg_json_int(s, "productVariant.id", -1) == vid && name != NULL &&
        ((d && strcmp(d, name) == 0) || (n && strcmp(n, name) == 0)))
      return s;
  }
  return NULL;
}

/* productVariants [{productVariant {id}, sizeChanges [{size {name | id},
 * deliveredQuantity}]}] in the productSizes form (by SKU). */
static cJSON *flatten_variants(struct sim_centra *c, const cJSON *variants)
{
  char label[96];
  cJSON *out = cJSON_CreateArray();
  const cJSON *v, *ch;
  cJSON_ArrayForEach(v, variants)
  {
    int64_t vid = cg_json_int(v, "productVariant.id", -1);
    cJSON_ArrayForEach(ch, cg_json_get(v, "sizeChanges"))
    {
      const cJSON *size = variant_size(c, vid, cg_json_str(ch, "size.name"));
      if (size == NULL)
        size = sim_centra__find_int(c->sizes, "id",
                                    cg_json_int(ch, "size.id", -1));
      snprintf(label, sizeof(label), "variant %lld size %.40s", (long long)vid,
               cg_json_str(ch, "size.name") ? cg_json_str(ch, "size.name")
                                            : "?");
      cJSON *it = cJSON_CreateObject();
      cJSON *ps = cJSON_AddObjectToObject(it, "productSize");
      cg_json_add_str(ps, "SKU", size ? cg_json_str(size, "SKU") : label);
      sim_json_copy(it, ch, "deliveredQuantity");
      cJSON_AddItemToArray(out, it);
    }
  }
  return out;
}

cJSON *sim_centra__op_change_stock(struct sim_centra *c, const cJSON *args,
                                   const char **err)
{
  const cJSON *input = cg_json_get(args, "input");
  cJSON *flat = NULL;
  const cJSON *items = cg_json_get(input, "productSizes");
  if (cg_json_get(input, "productVariants") != NULL)
    items = flat = flatten_variants(c, cg_json_get(input, "productVariants"));
  int64_t into = cg_json_int(input, "intoWarehouse.id", 0);
  int64_t out = cg_json_int(input, "outFromWarehouse.id", 0);
  cJSON *p = sim_centra__payload();
  cJSON **sizes = sizes_array(items);
  int rc = resolve_sizes(c, p, items, "deliveredQuantity", sizes);
  if (into <= 0 && out <= 0)
    rc = sim_centra__user_error(p, "input",
                                "Give intoWarehouse, "
                                "outFromWarehouse, or both (a transfer)");
  if (rc == 0 && into > 0 && out > 0)
    rc = check_transfer(p, sizes, items, out);
  if (rc == 0) {
    cJSON *sc = cJSON_AddObjectToObject(p, "stockChange");
    cg_json_add_int(sc, "id", apply_change(c, sizes, items, into, out, input));
  } else {
    cJSON_AddNullToObject(p, "stockChange");
  }
  cg_free(sizes);
  cJSON_Delete(flat);
  return p;
}

static int check_set(cJSON *p, const cJSON *items, int64_t wh, const char *type)
{
  int rc = 0, i = 0;
  const cJSON *it;
  char path[80];
  if (wh <= 0)
    rc = sim_centra__user_error(p, "input.warehouse", "Warehouse is required");
  if (strcmp(type, "PHYSICAL") != 0)
    rc = sim_centra__user_error(p, "input.stockQuantityType",
                                "Only PHYSICAL stock can be set");
  cJSON_ArrayForEach(it, items)
  {
    snprintf(path, sizeof(path), "input.productSizes.%d.quantity", i++);
    if (cg_json_int(it, "quantity", 0) < 0)
      rc = sim_centra__user_error(p, path, "Quantity must be >= 0");
  }
  return rc;
}

cJSON *sim_centra__op_set_stock(struct sim_centra *c, const cJSON *args,
                                const char **err)
{
  const cJSON *input = cg_json_get(args, "input");
  const cJSON *items = cg_json_get(input, "productSizes");
  int64_t wh = cg_json_int(input, "warehouse.id", 0);
  cJSON *p = sim_centra__payload();
  cJSON **sizes = sizes_array(items);
  int rc = resolve_sizes(c, p, items, "quantity", sizes);
  if (check_set(p, items, wh, cg_json_str(input, "stockQuantityType")) != 0)
    rc = -1;
  cJSON *changes = cJSON_AddArrayToObject(p, "stockChanges");
  if (rc == 0) {
    cJSON *w = stock_write(c, "setStock", wh, input);
    int i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, items)
    {
      int64_t q = cg_json_int(it, "quantity", 0);
      sim_centra__stock_set(c, sizes[i], wh, q);
      write_item(w, sizes[i++], wh, "quantity", q);
      cJSON *sc = cJSON_CreateObject();
      cg_json_add_int(sc, "id", cg_json_int(w, "id", 0));
      cJSON_AddItemToArray(changes, sc);
    }
  }
  cg_free(sizes);
  return p;
}
/* --- counters, warehouses -----------------------------------------------
 */

/* counters {products orders}: totals (centra_gql.js applies the products
 * status filter; every simulated product is ACTIVE). */
cJSON *sim_centra__op_counters(struct sim_centra *c, const cJSON *args,
                               const char **err)
{
  cJSON *out = cJSON_CreateObject();
  cg_json_add_int(out, "products", (int64_t)c->products.n);
  cg_json_add_int(out, "orders", cJSON_GetArraySize(c->orders));
  return out;
}

cJSON *sim_centra__op_warehouses(struct sim_centra *c, const cJSON *args,
                                 const char **err)
{
  cJSON *out = cJSON_CreateArray();
  const cJSON *size, *e;
  cJSON_AddItemToArray(out, sim_centra__warehouse(SC_DEFAULT_WAREHOUSE));
  cJSON_ArrayForEach(size, c->sizes)
  {
    cJSON_ArrayForEach(e, cg_json_get(size, "stock"))
    {
      int64_t id = cg_json_int(e, "warehouse.id", 0);
      if (sim_centra__find_int(out, "id", id) == NULL)
        cJSON_AddItemToArray(out, sim_centra__warehouse(id));
    }
  }
  return out;
}
