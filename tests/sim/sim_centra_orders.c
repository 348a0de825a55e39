/*
 * sim_centra_orders: orders of the simulated Centra. Seeding an order from
 * a control/scenario spec into the DirectToConsumerOrder shape, the
 * `order` query (`orders` is sim_centra_order_query.c), the
 * updateDirectToConsumerOrder mutation, and the status life cycle
 * CONFIRMED -> PROCESSING -> SHIPPED driven by completed shipments.
 */
#include "sim_centra.h"

#include "sim_ctx.h"
#include "sim_util.h"

#include "base/json.h"
#include "base/mem.h"
#include "base/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Copies member key of src (any type) into dst when present. */
static void copy_member(cJSON *dst, const cJSON *src, const char *key)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(src, key);
  if (v != NULL)
    cJSON_AddItemToObject(dst, key, cJSON_Duplicate(v, true));
}

static const char *const STATUSES[] = {"PENDING", "CONFIRMED", "PROCESSING",
                                       "SHIPPED", "CANCELLED"};

static bool status_valid(const char *s)
{
  for (size_t i = 0; s && i < sizeof(STATUSES) / sizeof(STATUSES[0]); i++) {
    if (strcmp(s, STATUSES[i]) == 0)
      return true;
  }
  return false;
}

static const char *country_name(const char *code)
{
  static const char *const names[][2] = {
      {"SE", "Sweden"},        {"NO", "Norway"},         {"DK", "Denmark"},
      {"FI", "Finland"},       {"DE", "Germany"},        {"NL", "Netherlands"},
      {"FR", "France"},        {"GB", "United Kingdom"}, {"CH", "Switzerland"},
      {"US", "United States"}, {"IT", "Italy"},          {"ES", "Spain"},
      {"PL", "Poland"},        {"AT", "Austria"},        {"BE", "Belgium"}};
  for (size_t i = 0; code && i < sizeof(names) / sizeof(names[0]); i++) {
    if (strcmp(code, names[i][0]) == 0)
      return names[i][1];
  }
  return code;
}

/* --- seeding ---------------------------------------------------------------
 */

static cJSON *seed_address(const cJSON *a)
{
  static const char *const keys[] = {
      "firstName", "lastName", "companyName",     "address1", "address2",
      "city",      "zipCode",  "stateOrProvince", "email",    "phoneNumber"};
  cJSON *out = cJSON_CreateObject();
  for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
    cg_json_add_str(out, keys[i], cg_json_str(a, keys[i]));
  const char *code = cg_json_str(a, "country");
  if (code == NULL)
    code = cg_json_str(a, "country.code");
  cg_json_add_str(out, "attention", cg_json_str(a, "attention"));
  cg_json_add_str(out, "cellPhoneNumber", cg_json_str(a, "cellPhoneNumber"));
  if (code == NULL) {
    cJSON_AddNullToObject(out, "country");
    return out;
  }
  cJSON *country = cJSON_AddObjectToObject(out, "country");
  cg_json_add_int(country, "id", 1);
  cg_json_add_str(country, "code", code);
  cg_json_add_str(country, "name", country_name(code));
  return out;
}

static cJSON *seed_shipping(const cJSON *spec)
{
  const cJSON *opt = cg_json_get(spec, "shippingOption");
  if (!cJSON_IsObject(opt))
    opt = cg_json_get(spec, "shipping");
  cJSON *group = cJSON_CreateObject();
  cJSON *o = cJSON_AddObjectToObject(group, "shippingOption");
  cg_json_add_int(o, "id", cg_json_int(opt, "id", 1));
  const char *uri = cg_json_str(opt, "uri");
  cg_json_add_str(o, "name",
                  cg_json_str(opt, "name") ? cg_json_str(opt, "name")
                                           : (uri ? uri : "Standard"));
  cg_json_add_str(o, "uri", uri ? uri : "standard");
  return group;
}

/* Prices of an order line (no discounts, 25 % tax). */
static void line_prices(cJSON *l, double price, int64_t qty,
                        const char *currency)
{
  cJSON_AddItemToObject(l, "unitPrice", sim_centra__money(price, currency));
  cJSON_AddItemToObject(l, "unitOriginalPrice",
                        sim_centra__money(price, currency));
  cJSON_AddItemToObject(l, "lineValue",
                        sim_centra__money(price * (double)qty, currency));
  cJSON_AddBoolToObject(l, "hasAnyDiscount", false);
  cJSON_AddNumberToObject(l, "discountPercent", 0);
  cJSON_AddNumberToObject(l, "taxPercent", 25);
  cJSON_AddArrayToObject(l, "allocations");
}

static cJSON *seed_line(struct sim_centra *c, const cJSON *spec,
                        const char *currency, double *total, const char **msg)
{
  const char *sku = cg_json_str(spec, "sku");
  if (sku == NULL)
    sku = cg_json_str(spec, "SKU");
  const cJSON *size = sim_centra__size_by_sku(c, sku);
  int64_t qty = cg_json_int(spec, "quantity", 1);
  if (size == NULL || qty < 1) {
    *msg = size == NULL ? "order line names an unknown SKU (seed products "
                          "first)"
                        : "order line quantity must be >= 1";
    return NULL;
  }
  const cJSON *var = cg_json_get(size, "productVariant");
  double price = cJSON_GetNumberValue(cg_json_get(spec, "unitPrice"));
  price = price == price ? price : 100.0; /* NaN when absent */
  *total += price * (double)qty;
  cJSON *l = cJSON_CreateObject();
  cg_json_add_str(l, "__typename", "ProductOrderLine");
  cg_json_add_int(l, "id", sim_centra__next(c, SC_SEQ_ORDER_LINE));
  cg_json_add_int(l, "quantity", qty);
  cg_json_add_int(l, "cancelledQuantity",
                  cg_json_int(spec, "cancelledQuantity", 0));
  cg_json_add_int(l, "returnedQuantity", 0);
  cg_json_add_int(l, "shippedQuantity", 0);
  cg_json_add_str(l, "productName", cg_json_str(var, "product.name"));
  const char *pn = cg_json_str(var, "product.productNumber");
  cg_json_add_str(l, "productNumber", pn ? pn : sku);
  cg_json_add_str(l, "productVariantName", cg_json_str(var, "name"));
  cg_json_add_str(l, "size", cg_json_str(size, "description"));
  line_prices(l, price, qty, currency);
  cJSON *ps = cJSON_AddObjectToObject(l, "productSize");
  cg_json_add_int(ps, "id", cg_json_int(size, "id", 0));
  cg_json_add_str(ps, "SKU", cg_json_str(size, "SKU"));
  cg_json_add_str(ps, "EAN", cg_json_str(size, "EAN"));
  cg_json_add_str(ps, "description", cg_json_str(size, "description"));
  cg_json_add_str(ps, "updatedAt", cg_json_str(size, "updatedAt"));
  return l;
}

static int seed_lines(struct sim_centra *c, cJSON *order, const cJSON *spec,
                      const char *currency, const char **msg)
{
  const cJSON *lines = cg_json_get(spec, "lines");
  const cJSON *it;
  double total = 0;
  if (cJSON_GetArraySize(lines) < 1) {
    *msg = "an order needs at least one line";
    return -1;
  }
  cJSON *out = cJSON_AddArrayToObject(order, "lines");
  cJSON_ArrayForEach(it, lines)
  {
    cJSON *l = seed_line(c, it, currency, &total, msg);
    if (l == NULL)
      return -1;
    cJSON_AddItemToArray(out, l);
  }
  cJSON_AddItemToObject(order, "grandTotal",
                        sim_centra__money(total, currency));
  return 0;
}

static void seed_identity(struct sim_centra *c, cJSON *o, const cJSON *spec)
{
  char hex[40];
  int64_t number = cg_json_int(spec, "number", 0);
  if (number > 0)
    sim_centra__bump(c, SC_SEQ_ORDER_NUMBER, number);
  else
    number = sim_centra__next(c, SC_SEQ_ORDER_NUMBER);
  if (c->ctx != NULL)
    sim_ctx_random_hex(c->ctx, 16, hex);
  else
    snprintf(hex, sizeof(hex), "%032llx", (unsigned long long)number);
  cg_json_add_str(o, "__typename", "DirectToConsumerOrder");
  cg_json_add_str(o, "id",
                  cg_json_str(spec, "id") ? cg_json_str(spec, "id") : hex);
  cg_json_add_int(o, "number", number);
}

static void seed_flags(cJSON *o, const cJSON *spec, const char *status)
{
  char now[40];
  const char *date = cg_json_str(spec, "orderDate");
  if (date == NULL)
    date = sim_centra__now(now, sizeof(now));
  cg_json_add_str(o, "status", status);
  cJSON_AddBoolToObject(o, "isOnHold", cg_json_bool(spec, "isOnHold", false));
  cJSON_AddBoolToObject(o, "isWaitingForPayment",
                        cg_json_bool(spec, "isWaitingForPayment", false));
  cJSON_AddBoolToObject(o, "isLocked", false);
  cg_json_add_str(o, "orderHoldReason", cg_json_str(spec, "orderHoldReason"));
  cg_json_add_str(o, "externalId", cg_json_str(spec, "externalId"));
  cg_json_add_str(o, "orderDate", date);
  cg_json_add_str(o, "createdAt", date);
  const char *updated = cg_json_str(spec, "updatedAt"); /* for tests */
  cg_json_add_str(o, "updatedAt",
                  updated ? updated : sim_centra__now(now, sizeof(now)));
  cJSON_AddNumberToObject(o, "currencyBaseRate", 1.0);
  const char *note = cg_json_str(spec, "otherComment");
  cg_json_add_str(o, "otherComment", note ? note : "");
}

/* store, market and customer of a seeded order. */
static void seed_parties(cJSON *o, const cJSON *spec)
{
  const cJSON *a = cg_json_get(spec, "shippingAddress");
  cJSON_AddItemToObject(o, "store", sim_centra__store());
  cJSON *m = cJSON_AddObjectToObject(o, "market");
  cg_json_add_int(m, "id", SC_MARKET_ID);
  cg_json_add_str(m, "name", "Default");
  cJSON *cu = cJSON_AddObjectToObject(o, "customer");
  cg_json_add_int(cu, "id", cg_json_int(o, "number", 0));
  cg_json_add_str(cu, "email", cg_json_str(a, "email"));
  cg_json_add_str(cu, "firstName", cg_json_str(a, "firstName"));
  cg_json_add_str(cu, "lastName", cg_json_str(a, "lastName"));
}

/* The checkout's authorisation: the first entry of the order's payment
 * history, with the spec's paymentMethod (default "sim"). */
static void seed_payment(cJSON *o, const cJSON *spec)
{
  const char *method = cg_json_str(spec, "paymentMethod");
  cJSON *e = cJSON_CreateObject();
  cg_json_add_int(e, "id", cg_json_int(o, "number", 0));
  cg_json_add_str(e, "createdAt", cg_json_str(o, "orderDate"));
  cg_json_add_str(e, "status", "SUCCESS");
  cg_json_add_str(e, "entryType", "AUTH");
  cg_json_add_str(e, "externalReference", "sim-auth");
  cJSON_AddItemToObject(e, "value",
                        cJSON_Duplicate(cg_json_get(o, "grandTotal"), true));
  cg_json_add_str(e, "paymentMethod", method ? method : "sim");
  cg_json_add_str(e, "paramsJSON", "{}");
  cJSON_AddItemToArray(cJSON_AddArrayToObject(o, "paymentHistory"), e);
}

const char *sim_centra__payment_method(const cJSON *order)
{
  const cJSON *h = cJSON_GetObjectItemCaseSensitive(order, "paymentHistory");
  const char *m = cg_json_str(cJSON_GetArrayItem(h, 0), "paymentMethod");
  return m ? m : "sim";
}

cJSON *sim_centra__order_seed(struct sim_centra *c, const cJSON *spec,
                              const char **msg)
{
  const char *status = cg_json_str(spec, "status");
  const char *currency = cg_json_str(spec, "currency");
  bool dts = status == NULL && sim_centra__setting(c, SC_DIRECT_TO_SHIPMENT);
  if (status == NULL) /* checkout: the store settings decide */
    status = dts                                      ? "PROCESSING"
             : sim_centra__setting(c, SC_AUTOCONFIRM) ? "CONFIRMED"
                                                      : "PENDING";
  currency = currency ? currency : "EUR";
  if (!cJSON_IsObject(spec) || !status_valid(status)) {
    *msg = "an order must be an object with a valid status";
    return NULL;
  }
  int64_t number = cg_json_int(spec, "number", 0);
  if (number > 0 && sim_centra__order_by_number(c, number) != NULL) {
    *msg = "an order with this number exists";
    return NULL;
  }
  cJSON *o = cJSON_CreateObject();
  seed_identity(c, o, spec);
  seed_flags(o, spec, status);
  seed_parties(o, spec);
  cJSON_AddItemToObject(o, "shippingAddress",
                        seed_address(cg_json_get(spec, "shippingAddress")));
  cJSON_AddItemToObject(o, "shippingPriceGroup", seed_shipping(spec));
  if (seed_lines(c, o, spec, currency, msg) != 0) {
    cJSON_Delete(o);
    return NULL;
  }
  seed_payment(o, spec);
  cJSON_AddItemToArray(c->orders, o);
  sim_centra__index_order(c, o);
  sim_centra__event(c, "Order", "CREATED", cg_json_int(o, "number", 0));
  if (dts) /* Direct to Shipment: Centra makes the shipment itself */
    sim_centra__shipment_good_to_go(c, o);
  return o;
}

/* --- look-ups and rendering ------------------------------------------------
 */

cJSON *sim_centra__order_find(struct sim_centra *c, const cJSON *ref)
{
  const char *id = cg_json_str(ref, "id");
  int64_t number;
  if (id != NULL)
    return sim_centra__order_by_id(c, id);
  if (cg_json_str(ref, "externalId") != NULL)
    return sim_centra__order_by_external_id(c, cg_json_str(ref, "externalId"));
  if (cg_json_get_int(ref, "number", &number) == 0)
    return sim_centra__order_by_number(c, number);
  return NULL;
}

/* Centra's line quantity excludes cancelled units (schema: "current
 * quantity, EXCLUDING cancelled units"); the stored one is as ordered. */
void sim_centra__render_line(cJSON *l)
{
  int64_t left =
      cg_json_int(l, "quantity", 0) - cg_json_int(l, "cancelledQuantity", 0);
  sim_centra__set(l, "quantity", cJSON_CreateNumber(left > 0 ? left : 0));
}

void sim_centra__render_lines(cJSON *o)
{
  cJSON *l;
  cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(o, "lines"))
  {
    sim_centra__render_line(l);
  }
}

/* A view of a stored line as Centra answers it (sim_centra__render_line,
 * from the stored figures), cut to tree (NULL: whole). */
static cJSON *line_view(const cJSON *l, const cJSON *tree)
{
  cJSON *v = sim_json_view_cut(l, tree);
  if (v != NULL && sim_tree_keeps(tree, "quantity")) {
    int64_t left =
        cg_json_int(l, "quantity", 0) - cg_json_int(l, "cancelledQuantity", 0);
    sim_centra__set(v, "quantity", cJSON_CreateNumber(left > 0 ? left : 0));
  }
  return v;
}

/* The order's shipments as the API answers them (copies). */
static cJSON *order_shipments(struct sim_centra *c, const cJSON *order)
{
  cJSON *list = cJSON_CreateArray();
  const char *id = cg_json_str(order, "id");
  const cJSON *s;
  cJSON_ArrayForEach(s, c->shipments)
  {
    const char *sid = cg_json_str(s, "order.id");
    if (sid != NULL && id != NULL && strcmp(sid, id) == 0)
      cJSON_AddItemToArray(list, sim_centra__shipment_render(c, s));
  }
  return list;
}

cJSON *sim_centra__order_view(struct sim_centra *c, const cJSON *order,
                              const cJSON *tree)
{
  cJSON *o = sim_json_view_cut(order, tree);
  if (o == NULL)
    return NULL;
  if (sim_tree_keeps(tree, "lines")) {
    const cJSON *ltree = sim_tree_sub(tree, "lines"), *l;
    cJSON *lines = cJSON_CreateArray();
    cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(order, "lines"))
    {
      cJSON_AddItemToArray(lines, line_view(l, ltree));
    }
    sim_centra__set(o, "lines", lines);
  }
  if (sim_tree_keeps(tree, "shipments"))
    cJSON_AddItemToObject(o, "shipments", order_shipments(c, order));
  return o;
}

cJSON *sim_centra__order_render(struct sim_centra *c, const cJSON *order)
{
  return sim_centra__order_view(c, order, NULL);
}

/* --- changes and life cycle ------------------------------------------------
 */

static bool set_bool(cJSON *order, const cJSON *patch, const char *key)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(patch, key);
  if (!cJSON_IsBool(v) || cg_json_bool(order, key, false) == cJSON_IsTrue(v))
    return false;
  sim_centra__set(order, key, cJSON_CreateBool(cJSON_IsTrue(v)));
  return true;
}

static bool set_external_id(struct sim_centra *c, cJSON *order,
                            const cJSON *patch)
{
  char now[40];
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(patch, "externalId");
  const char *old = cg_json_str(order, "externalId");
  if (v == NULL || (!cJSON_IsString(v) && !cJSON_IsNull(v)))
    return false;
  const char *nv = cJSON_IsString(v) ? v->valuestring : NULL;
  if ((old == NULL && nv == NULL) || (old && nv && strcmp(old, nv) == 0))
    return false;
  sim_centra__set_external_id(c, order, nv);
  cJSON *m = cJSON_CreateObject();
  cg_json_add_int(m, "orderNumber", cg_json_int(order, "number", 0));
  cg_json_add_str(m, "externalId", nv);
  cg_json_add_str(m, "at", sim_centra__now(now, sizeof(now)));
  cJSON_AddItemToArray(c->markers, m);
  return true;
}

/* The text members of a shippingAddress a patch may change. */
static const char *const ADDRESS_KEYS[] = {
    "firstName", "lastName", "companyName",     "address1", "address2",
    "city",      "zipCode",  "stateOrProvince", "email",    "phoneNumber"};

static void set_country(cJSON *addr, const char *code)
{
  const cJSON *old = cJSON_GetObjectItemCaseSensitive(addr, "country");
  cJSON *country =
      cJSON_IsObject(old) ? cJSON_Duplicate(old, true) : cJSON_CreateObject();
  sim_centra__set(country, "code", cJSON_CreateString(code));
  sim_centra__set(country, "name", cJSON_CreateString(country_name(code)));
  sim_centra__set(addr, "country", country);
}

/* patch.shippingAddress: the members given replace the stored ones (null
 * clears one; "country" is a code); true if the address changed. */
static bool set_address(cJSON *order, const cJSON *patch)
{
  const cJSON *a = cg_json_get(patch, "shippingAddress");
  const cJSON *old = cg_json_get(order, "shippingAddress");
  if (!cJSON_IsObject(a) || !cJSON_IsObject(old))
    return false;
  cJSON *addr = cJSON_Duplicate(old, true);
  for (size_t i = 0; i < sizeof(ADDRESS_KEYS) / sizeof(ADDRESS_KEYS[0]); i++) {
    if (cJSON_GetObjectItemCaseSensitive(a, ADDRESS_KEYS[i]) != NULL) {
      const char *v = cg_json_str(a, ADDRESS_KEYS[i]);
      sim_centra__set(addr, ADDRESS_KEYS[i],
                      v ? cJSON_CreateString(v) : cJSON_CreateNull());
    }
  }
  if (cg_json_str(a, "country") != NULL)
    set_country(addr, cg_json_str(a, "country"));
  if (cJSON_Compare(addr, old, true)) {
    cJSON_Delete(addr);
    return false;
  }
  sim_centra__set(order, "shippingAddress", addr);
  return true;
}

/* patch.otherComment, the customer's delivery note (null empties it). */
static bool set_other_comment(cJSON *order, const cJSON *patch)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(patch, "otherComment");
  const char *old = cg_json_str(order, "otherComment");
  if (v == NULL)
    return false;
  const char *nv = cJSON_IsString(v) ? v->valuestring : "";
  if (old != NULL && strcmp(old, nv) == 0)
    return false;
  sim_centra__set(order, "otherComment", cJSON_CreateString(nv));
  return true;
}

static bool address_key(const char *key)
{
  for (size_t i = 0; i < sizeof(ADDRESS_KEYS) / sizeof(ADDRESS_KEYS[0]); i++) {
    if (strcmp(key, ADDRESS_KEYS[i]) == 0)
      return true;
  }
  return false;
}

/* shippingAddress: an object of known members, strings or null (country a
 * code string); otherComment: a string or null. */
static bool address_patch_valid(const cJSON *patch)
{
  const cJSON *a = cJSON_GetObjectItemCaseSensitive(patch, "shippingAddress");
  const cJSON *note = cJSON_GetObjectItemCaseSensitive(patch, "otherComment");
  const cJSON *v;
  if (note != NULL && !cJSON_IsString(note) && !cJSON_IsNull(note))
    return false;
  if (a != NULL && !cJSON_IsObject(a))
    return false;
  cJSON_ArrayForEach(v, a)
  {
    bool country = strcmp(v->string, "country") == 0;
    if ((!country && !address_key(v->string)) ||
        !(cJSON_IsString(v) || (!country && cJSON_IsNull(v))))
      return false;
  }
  return true;
}

static void touch(struct sim_centra *c, cJSON *order)
{
  char now[40];
  sim_centra__set(order, "updatedAt",
                  cJSON_CreateString(sim_centra__now(now, sizeof(now))));
  sim_centra__event(c, "Order", "UPDATED", cg_json_int(order, "number", 0));
}

/* The status line quantities call for; NULL when the order is not open
 * (only CONFIRMED and PROCESSING orders move by themselves). */
static const char *status_from_lines(const cJSON *order)
{
  const char *status = cg_json_str(order, "status");
  if (status == NULL ||
      (strcmp(status, "CONFIRMED") != 0 && strcmp(status, "PROCESSING") != 0))
    return NULL;
  bool any_shipped = false, all_done = true;
  const cJSON *l;
  cJSON_ArrayForEach(l, cg_json_get(order, "lines"))
  {
    int64_t shipped = cg_json_int(l, "shippedQuantity", 0);
    any_shipped |= shipped > 0;
    all_done &= shipped + cg_json_int(l, "cancelledQuantity", 0) >=
                cg_json_int(l, "quantity", 0);
  }
  if (all_done)
    return any_shipped ? "SHIPPED" : "CANCELLED";
  return any_shipped ? "PROCESSING" : "CONFIRMED";
}

static cJSON *line_of(cJSON *order, const cJSON *spec)
{
  const char *sku = cg_json_str(spec, "sku");
  int64_t id = cg_json_int(spec, "id", -1);
  cJSON *l;
  cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(order, "lines"))
  {
    const char *ls = cg_json_str(l, "productSize.SKU");
    if (sku ? (ls != NULL && strcmp(ls, sku) == 0)
            : cg_json_int(l, "id", -2) == id)
      return l;
  }
  return NULL;
}

/* cancelLines: [{id | sku, quantity? (default: all open)}]. Checked whole
 * first (apply false), then applied. */
static int cancel_lines(cJSON *order, const cJSON *list, bool apply,
                        const char **msg)
{
  const cJSON *spec;
  cJSON_ArrayForEach(spec, list)
  {
    cJSON *l = line_of(order, spec);
    int64_t done = cg_json_int(l, "cancelledQuantity", 0);
    int64_t open = cg_json_int(l, "quantity", 0) - done -
                   cg_json_int(l, "shippedQuantity", 0);
    int64_t qty = cg_json_int(spec, "quantity", open);
    if (l == NULL || qty < 1 || qty > open) {
      *msg = "cancelLines: unknown line, or more than its open quantity";
      return -1;
    }
    if (apply)
      sim_centra__set(l, "cancelledQuantity",
                      cJSON_CreateNumber((double)(done + qty)));
  }
  return 0;
}

static int check_patch(cJSON *order, const cJSON *patch, const char **msg)
{
  const cJSON *cancel = cg_json_get(patch, "cancelLines");
  if (cJSON_GetObjectItemCaseSensitive(patch, "status") &&
      !status_valid(cg_json_str(patch, "status"))) {
    *msg = "unknown order status";
    return -1;
  }
  if (cancel != NULL && !cJSON_IsArray(cancel)) {
    *msg = "cancelLines must be a list";
    return -1;
  }
  if (!address_patch_valid(patch)) {
    *msg = "shippingAddress must be an object of strings (country a code), "
           "otherComment a string";
    return -1;
  }
  return cancel_lines(order, cancel, false, msg);
}

int sim_centra__order_change(struct sim_centra *c, cJSON *order,
                             const cJSON *patch, const char **msg)
{
  const char *status = cg_json_str(patch, "status");
  bool changed = false;
  if (check_patch(order, patch, msg) != 0)
    return -1;
  if (cJSON_GetArraySize(cg_json_get(patch, "cancelLines")) > 0) {
    cancel_lines(order, cg_json_get(patch, "cancelLines"), true, msg);
    if (status == NULL)
      status = status_from_lines(order);
    changed = true;
  }
  if (status && strcmp(status, cg_json_str(order, "status")) != 0) {
    sim_centra__set(order, "status", cJSON_CreateString(status));
    changed = true;
  }
  changed |= set_bool(order, patch, "isOnHold");
  changed |= set_bool(order, patch, "isWaitingForPayment");
  changed |= set_external_id(c, order, patch);
  changed |= set_address(order, patch);
  changed |= set_other_comment(order, patch);
  const char *comment = cg_json_str(patch, "internalComment");
  if (comment != NULL)
    sim_centra__set(order, "internalComment", cJSON_CreateString(comment));
  if (changed)
    touch(c, order);
  return 0;
}

void sim_centra__order_recompute(struct sim_centra *c, cJSON *order)
{
  const char *want = status_from_lines(order);
  if (want != NULL && strcmp(want, cg_json_str(order, "status")) != 0) {
    sim_centra__set(order, "status", cJSON_CreateString(want));
    touch(c, order);
  }
}

/* --- order, idConversions and the update mutation ------------------------ */

cJSON *sim_centra__op_order(struct sim_centra *c, const cJSON *args,
                            const char **err)
{
  const cJSON *o = sim_centra__order_find(c, args);
  return o ? sim_centra__order_view(c, o, c->needs) : cJSON_CreateNull();
}

/* idConversions: orders tagged through updateDirectToConsumerOrder's
 * externalId (internalId = the order number). */
cJSON *sim_centra__op_id_conversions(struct sim_centra *c, const cJSON *args,
                                     const char **err)
{
  const char *type = cg_json_str(args, "where.objectType");
  const cJSON *match = cg_json_get(args, "where.externalId"), *o;
  const cJSON *orders = type && strcmp(type, "Order") != 0 ? NULL : c->orders;
  cJSON *out = cJSON_CreateArray();
  cJSON_ArrayForEach(o, orders)
  {
    const char *ext = cg_json_str(o, "externalId");
    if (ext == NULL || !sim_centra__string_match(match, ext))
      continue;
    cJSON *e = cJSON_CreateObject();
    cg_json_add_int(e, "id", cg_json_int(o, "number", 0));
    cg_json_add_int(e, "internalId", cg_json_int(o, "number", 0));
    cg_json_add_str(e, "externalId", ext);
    cg_json_add_str(e, "objectType", "Order");
    cg_json_add_str(e, "integrationName", SC_INTEGRATION_NAME);
    cJSON_AddItemToArray(out, e);
  }
  return out;
}

/* cancelLines [{line {id}, quantity, stockActionPolicy}] -> the patch form
 * [{id, quantity}]; removeItemsFromStock units leave physical stock. */
static cJSON *cancel_patch(const cJSON *input)
{
  cJSON *out = cJSON_CreateArray();
  const cJSON *it;
  cJSON_ArrayForEach(it, cg_json_get(input, "cancelLines"))
  {
    cJSON *l = cJSON_CreateObject();
    cg_json_add_int(l, "id", cg_json_int(it, "line.id", -1));
    cg_json_add_int(l, "quantity", cg_json_int(it, "quantity", 0));
    cJSON_AddItemToArray(out, l);
  }
  return out;
}

static void cancel_stock(struct sim_centra *c, cJSON *order, const cJSON *input)
{
  const cJSON *it;
  cJSON_ArrayForEach(it, cg_json_get(input, "cancelLines"))
  {
    if (!cg_json_bool(it, "stockActionPolicy.removeItemsFromStock", false))
      continue;
    cJSON *l = sim_centra__find_int(cg_json_get(order, "lines"), "id",
                                    cg_json_int(it, "line.id", -1));
    cJSON *size = sim_centra__size_by_sku(c, cg_json_str(l, "productSize.SKU"));
    if (size != NULL)
      sim_centra__stock_add(c, size, SC_DEFAULT_WAREHOUSE,
                            -cg_json_int(it, "quantity", 0));
  }
}

/* Centra: "Exactly one input field should be provided" in each
 * cancelLines entry's stockActionPolicy. */
static bool policies_valid(const cJSON *input)
{
  const cJSON *it;
  cJSON_ArrayForEach(it, cg_json_get(input, "cancelLines"))
  {
    const cJSON *f;
    int set = 0;
    cJSON_ArrayForEach(f, cg_json_get(it, "stockActionPolicy"))
    {
      set += !cJSON_IsNull(f);
    }
    if (set != 1)
      return false;
  }
  return true;
}

static void update_order(struct sim_centra *c, cJSON *o, const cJSON *input,
                         cJSON *p)
{
  const char *msg = NULL;
  if (!policies_valid(input)) {
    sim_centra__user_error(p, "input.cancelLines",
                           "stockActionPolicy: exactly one input field "
                           "should be provided");
    return;
  }
  cJSON *patch = cJSON_CreateObject();
  copy_member(patch, input, "externalId");
  copy_member(patch, input, "isOnHold");
  copy_member(patch, input, "internalComment");
  if (cg_json_get(input, "cancelLines") != NULL)
    cJSON_AddItemToObject(patch, "cancelLines", cancel_patch(input));
  if (sim_centra__order_change(c, o, patch, &msg) != 0)
    sim_centra__user_error(p, "input.cancelLines", "%s", msg);
  else
    cancel_stock(c, o, input);
  const char *other = cg_json_str(input, "otherComment");
  if (other != NULL)
    sim_centra__set(o, "otherComment", cJSON_CreateString(other));
  cJSON_Delete(patch);
}

cJSON *sim_centra__op_update_order(struct sim_centra *c, const cJSON *args,
                                   const char **err)
{
  cJSON *p = sim_centra__payload();
  cJSON *o = sim_centra__order_find(c, cg_json_get(args, "order"));
  if (o == NULL)
    sim_centra__user_error(p, "order", "Order not found");
  else
    update_order(c, o, cg_json_get(args, "input"), p);
  cJSON_AddItemToObject(
      p, "order",
      o ? sim_centra__order_view(c, o, sim_tree_sub(c->needs, "order"))
        : cJSON_CreateNull());
  return p;
}
