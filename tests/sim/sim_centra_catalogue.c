/*
 * sim_centra_catalogue: the simulated Centra's catalogue as merchandising
 * keeps it (docs/sim-centra.md). Loading products (nested
 * products/variants/sizes or a flat list of sizes): seeded quietly (a
 * catalogue older than the run) or created at run time (Product CREATED
 * and ProductSize CREATED events); and changing a product or one of its
 * sizes (Product UPDATED, ProductSize UPDATED). Product.updatedAt moves
 * with every change of the product or of one of its sizes, never with
 * stock (sim_centra_stock.c moves only ProductSize.updatedAt); a change
 * made with "touch": false moves nothing, for the sweep's safety net.
 */
#include "sim_centra.h"

#include "sim_util.h"

#include "base/json.h"

#include <stdio.h>
#include <string.h>

/* Country {id, code, name} of a code, or JSON null. */
static cJSON *country(const char *code)
{
  if (code == NULL)
    return cJSON_CreateNull();
  cJSON *co = cJSON_CreateObject();
  cg_json_add_int(co, "id", 1);
  cg_json_add_str(co, "code", code);
  cg_json_add_str(co, "name", code);
  return co;
}

/* The product part of a stored size (Product's scalar fields); prod's
 * createdAt/updatedAt (set once per load, or given by the spec) date it. */
static void product_info(cJSON *p, const cJSON *prod, const char *sku)
{
  const char *pn = cg_json_str(prod, "productNumber");
  const char *name = cg_json_str(prod, "name");
  const char *created = cg_json_str(prod, "createdAt");
  const char *updated = cg_json_str(prod, "updatedAt");
  cg_json_add_str(p, "__typename", "Product");
  cg_json_add_int(p, "id", cg_json_int(prod, "id", 0));
  cg_json_add_str(p, "name", name ? name : (pn ? pn : sku));
  cg_json_add_str(p, "productNumber", pn ? pn : sku);
  cg_json_add_str(p, "status", "ACTIVE");
  cJSON_AddBoolToObject(p, "isBundle", false);
  cg_json_add_str(p, "createdAt", created);
  cg_json_add_str(p, "updatedAt", updated ? updated : created);
  static const char *const keys[] = {"harmonizedCommodityCode",
                                     "harmonizedCommodityCodeDescription"};
  for (size_t i = 0; i < 2; i++)
    cg_json_add_str(p, keys[i], cg_json_str(prod, keys[i]));
  cJSON_AddItemToObject(p, "countryOfOrigin",
                        country(cg_json_str(prod, "countryOfOrigin")));
}

/* Sets a size's weight {value, unit, formattedValue} in kilograms. */
static void size_weight(cJSON *s, double kg)
{
  char text[48];
  cJSON *w = cJSON_CreateObject();
  cJSON_AddNumberToObject(w, "value", kg);
  cg_json_add_str(w, "unit", "KILOGRAMS");
  snprintf(text, sizeof(text), "%.3f kg", kg);
  cg_json_add_str(w, "formattedValue", text);
  sim_centra__set(s, "weight", w);
}

static cJSON *new_size(struct sim_centra *c, const cJSON *prod,
                       const cJSON *var, const cJSON *spec)
{
  char now[40], vnum[64];
  const char *label = cg_json_str(spec, "size");
  cJSON *s = cJSON_CreateObject();
  cg_json_add_str(s, "__typename", "ProductSize");
  cg_json_add_int(s, "id", sim_centra__next(c, SC_SEQ_SIZE));
  cg_json_add_str(s, "SKU", cg_json_str(spec, "sku"));
  cg_json_add_str(s, "EAN", cg_json_str(spec, "ean"));
  cg_json_add_str(s, "UPC", cg_json_str(spec, "upc"));
  cg_json_add_str(s, "sizeNumber", label ? label : "1");
  cg_json_add_str(s, "description", label ? label : "One size");
  cJSON_AddBoolToObject(s, "isActive", true);
  cg_json_add_str(s, "updatedAt", sim_centra__now(now, sizeof(now)));
  const cJSON *kg = cg_json_get(spec, "weight");
  size_weight(s, cJSON_IsNumber(kg) ? kg->valuedouble : 0.5);
  cJSON_AddArrayToObject(s, "stock");
  cJSON *v = cJSON_AddObjectToObject(s, "productVariant");
  cg_json_add_int(v, "id", cg_json_int(var, "id", 0));
  cg_json_add_str(v, "name", cg_json_str(var, "name"));
  snprintf(vnum, sizeof(vnum), "%s",
           cg_json_str(var, "variantNumber") ? cg_json_str(var, "variantNumber")
                                             : "1");
  cg_json_add_str(v, "variantNumber", vnum);
  cg_json_add_str(v, "status", "ACTIVE");
  cJSON *p = cJSON_AddObjectToObject(v, "product");
  product_info(p, prod, cg_json_str(spec, "sku"));
  return s;
}

/* Loads one size spec under prod/var; a new one is announced (ProductSize
 * CREATED) when events is set, and counted in *created. */
static int load_size(struct sim_centra *c, const cJSON *prod, const cJSON *var,
                     const cJSON *spec, bool events, int *created,
                     const char **msg)
{
  const char *sku = cg_json_str(spec, "sku");
  if (sku == NULL) {
    *msg = "every size needs a \"sku\"";
    return -1;
  }
  cJSON *size = sim_centra__size_by_sku(c, sku);
  if (size == NULL) {
    size = new_size(c, prod, var, spec);
    cJSON_AddItemToArray(c->sizes, size);
    sim_centra__index_size(c, size);
    (*created)++;
    if (events)
      sim_centra__event(c, "ProductSize", "CREATED",
                        cg_json_int(size, "id", 0));
  }
  sim_centra__stock_seed(c, size, cg_json_get(spec, "stock"));
  return 0;
}

/* Product and variant descriptors with fresh ids (for new_size); a
 * product is dated now unless its spec gives createdAt/updatedAt. */
static cJSON *describe(struct sim_centra *c, const cJSON *src, enum sc_seq seq)
{
  char now[40];
  cJSON *d = cJSON_CreateObject();
  const cJSON *child = src ? src->child : NULL;
  for (; child != NULL; child = child->next) {
    if (cJSON_IsString(child))
      cJSON_AddItemToObject(d, child->string, cJSON_Duplicate(child, false));
  }
  cg_json_add_int(d, "id", sim_centra__next(c, seq));
  if (seq == SC_SEQ_PRODUCT && cg_json_str(d, "createdAt") == NULL)
    cg_json_add_str(d, "createdAt", sim_centra__now(now, sizeof(now)));
  return d;
}

/* Product CREATED for a product that got sizes. */
static void product_created(struct sim_centra *c, const cJSON *prod,
                            bool events, int created)
{
  if (events && created > 0)
    sim_centra__event(c, "Product", "CREATED", cg_json_int(prod, "id", 0));
}

static int load_product(struct sim_centra *c, const cJSON *spec, bool events,
                        const char **msg)
{
  int rc = 0, created = 0;
  cJSON *prod = describe(c, spec, SC_SEQ_PRODUCT);
  const cJSON *var, *size;
  cJSON_ArrayForEach(var, cg_json_get(spec, "variants"))
  {
    cJSON *v = describe(c, var, SC_SEQ_VARIANT);
    cJSON_ArrayForEach(size, cg_json_get(var, "sizes"))
    {
      if (rc == 0)
        rc = load_size(c, prod, v, size, events, &created, msg);
    }
    cJSON_Delete(v);
  }
  product_created(c, prod, events, created);
  cJSON_Delete(prod);
  return rc;
}

/* Flat form: {sku, ean, productNumber?, name?, variant?, size?, stock?,
 * countryOfOrigin?, harmonizedCommodityCode?, createdAt?, updatedAt?} */
static int load_flat(struct sim_centra *c, const cJSON *spec, bool events,
                     const char **msg)
{
  static const char *const keys[] = {"name",
                                     "countryOfOrigin",
                                     "harmonizedCommodityCode",
                                     "harmonizedCommodityCodeDescription",
                                     "createdAt",
                                     "updatedAt"};
  const char *pn = cg_json_str(spec, "productNumber");
  const char *vn = cg_json_str(spec, "variant");
  cJSON *src = cJSON_CreateObject(), *var = cJSON_CreateObject();
  cg_json_add_str(src, "productNumber", pn ? pn : cg_json_str(spec, "sku"));
  for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
    cg_json_add_str(src, keys[i], cg_json_str(spec, keys[i]));
  cJSON *prod = describe(c, src, SC_SEQ_PRODUCT);
  cg_json_add_int(var, "id", sim_centra__next(c, SC_SEQ_VARIANT));
  cg_json_add_str(var, "name", vn ? vn : "Default");
  cg_json_add_str(var, "variantNumber", vn ? vn : "1");
  int created = 0;
  int rc = load_size(c, prod, var, spec, events, &created, msg);
  product_created(c, prod, events, created);
  cJSON_Delete(src);
  cJSON_Delete(prod);
  cJSON_Delete(var);
  return rc;
}

int sim_centra__catalogue_load(struct sim_centra *c, const cJSON *catalogue,
                               bool events, const char **msg)
{
  const cJSON *list =
      cJSON_IsArray(catalogue) ? catalogue : cg_json_get(catalogue, "products");
  const cJSON *it;
  if (!cJSON_IsArray(list)) {
    *msg = "catalogue must be a list of products or {\"products\": [...]}";
    return -1;
  }
  cJSON_ArrayForEach(it, list)
  {
    int rc = cg_json_get(it, "variants") ? load_product(c, it, events, msg)
                                         : load_flat(c, it, events, msg);
    if (rc != 0)
      return rc;
  }
  return 0;
}

/* --- a merchandiser's change ------------------------------------------- */

/* The product a change names: by a size's SKU or by productNumber. */
static struct sc_product *change_target(struct sim_centra *c, const cJSON *spec,
                                        cJSON **size)
{
  const char *sku = cg_json_str(spec, "sku");
  const char *pn = cg_json_str(spec, "productNumber");
  *size = sku ? sim_centra__size_by_sku(c, sku) : NULL;
  if (*size != NULL)
    return sim_centra__product_of(c, *size);
  for (size_t i = 0; sku == NULL && pn != NULL && i < c->products.n; i++) {
    struct sc_product *p = c->products.v[i];
    const char *have = cg_json_str(p->info, "productNumber");
    if (have != NULL && strcmp(have, pn) == 0)
      return p;
  }
  return NULL;
}

/* Sets key to value (a copy each) in the product part of all its sizes. */
static void product_set(struct sc_product *p, const char *key,
                        const cJSON *value)
{
  for (size_t k = 0; k < p->sizes.n; k++)
    sim_centra__set(
        cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(p->sizes.v[k], "productVariant"),
            "product"),
        key, cJSON_Duplicate(value, true));
}

/* The product fields of spec; the number of them given. */
static int change_product(struct sc_product *p, const cJSON *spec)
{
  static const char *const keys[] = {"name", "harmonizedCommodityCode",
                                     "harmonizedCommodityCodeDescription"};
  int n = 0;
  for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(spec, keys[i]);
    if (v != NULL) {
      product_set(p, keys[i], v);
      n++;
    }
  }
  const cJSON *coo = cJSON_GetObjectItemCaseSensitive(spec, "countryOfOrigin");
  if (coo != NULL) {
    cJSON *co = country(cJSON_GetStringValue(coo));
    product_set(p, "countryOfOrigin", co);
    cJSON_Delete(co);
    n++;
  }
  return n;
}

/* The size fields of spec (ean, weight, size); whether any was given. */
static bool change_size(cJSON *size, const cJSON *spec)
{
  const cJSON *ean = cJSON_GetObjectItemCaseSensitive(spec, "ean");
  const cJSON *kg = cg_json_get(spec, "weight");
  const char *label = cg_json_str(spec, "size");
  if (ean != NULL)
    sim_centra__set(size, "EAN",
                    cJSON_IsString(ean) ? cJSON_CreateString(ean->valuestring)
                                        : cJSON_CreateNull());
  if (cJSON_IsNumber(kg))
    size_weight(size, kg->valuedouble);
  if (label != NULL) {
    sim_centra__set(size, "sizeNumber", cJSON_CreateString(label));
    sim_centra__set(size, "description", cJSON_CreateString(label));
  }
  return ean != NULL || cJSON_IsNumber(kg) || label != NULL;
}

/* Changes the sizes the spec names (one by sku, else all); dates and
 * announces each changed one unless !touch. Returns how many changed. */
static int change_sizes(struct sim_centra *c, struct sc_product *p, cJSON *one,
                        const cJSON *spec, bool touch)
{
  char now[40];
  int n = 0;
  sim_centra__now(now, sizeof(now));
  for (size_t k = 0; k < p->sizes.n; k++) {
    cJSON *size = p->sizes.v[k];
    if ((one != NULL && size != one) || !change_size(size, spec))
      continue;
    if (touch) {
      sim_centra__set(size, "updatedAt", cJSON_CreateString(now));
      sim_centra__event(c, "ProductSize", "UPDATED",
                        cg_json_int(size, "id", 0));
    }
    n++;
  }
  return n;
}

cJSON *sim_centra__product_change(struct sim_centra *c, const cJSON *spec,
                                  const char **msg)
{
  char now[40];
  cJSON *one = NULL;
  struct sc_product *p = change_target(c, spec, &one);
  const cJSON *name = cJSON_GetObjectItemCaseSensitive(spec, "name");
  if (p == NULL) {
    *msg = "no product with this sku or productNumber";
    return NULL;
  }
  if (name != NULL && !cJSON_IsString(name)) {
    *msg = "name must be a string (Product.name is String!)";
    return NULL;
  }
  bool touch = cg_json_bool(spec, "touch", true);
  int n = change_product(p, spec) + change_sizes(c, p, one, spec, touch);
  if (n > 0 && touch) {
    cJSON *at = cJSON_CreateString(sim_centra__now(now, sizeof(now)));
    product_set(p, "updatedAt", at);
    cJSON_Delete(at);
  }
  if (n > 0 && touch)
    sim_centra__event(c, "Product", "UPDATED", p->id);
  return sim_centra__product_render(c, p);
}
