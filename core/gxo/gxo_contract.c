/*
 * gxo_contract: see gxo_contract.h. The checks run on cJSON, in the
 * contract's field order; the first problem found is the one reported.
 */
#include "gxo/gxo_contract.h"

#include "base/json.h"
#include "base/time.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const char *const order_keys[] = {"orderRef",     "orderDate",
                                         "currency",     "shipTo",
                                         "shipping",     "allowPartialShipment",
                                         "instructions", "giftMessage",
                                         "lines",        NULL};
static const char *const ship_to_keys[] = {
    "name",       "company",     "address1", "address2", "city", "region",
    "postalCode", "countryCode", "phone",    "email",    NULL};
static const char *const shipping_keys[] = {"carrierCode", "serviceCode",
                                            "servicePointId", NULL};
static const char *const line_keys[] = {"lineRef",  "sku",       "gtin",
                                        "quantity", "unitPrice", NULL};

static int fail(char *why, size_t size, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, size, fmt, ap);
  va_end(ap);
  return -1;
}

/* UTF-8 code points in s (the contract counts characters). */
static size_t u8len(const char *s)
{
  size_t n = 0;
  for (; *s; s++)
    n += ((unsigned char)*s & 0xC0) != 0x80;
  return n;
}

int cg_gxo_contract_str(const cJSON *obj, const char *key, size_t max,
                        bool optional, char *why, size_t size)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  if (v == NULL || cJSON_IsNull(v)) {
    if (optional)
      return 0;
    return fail(why, size, "%s is required", key);
  }
  if (!cJSON_IsString(v) || (!optional && v->valuestring[0] == '\0'))
    return fail(why, size, "%s must be a non-empty string", key);
  if (u8len(v->valuestring) > max)
    return fail(why, size, "%s is longer than %zu characters", key, max);
  return 0;
}

/* Moves the listed members of obj to the front, in that order. */
static void reorder(cJSON *obj, const char *const *keys)
{
  int n = 0;
  while (keys[n] != NULL)
    n++;
  for (int i = n - 1; i >= 0; i--) {
    cJSON *it = cJSON_DetachItemFromObjectCaseSensitive(obj, keys[i]);
    if (it != NULL)
      cJSON_InsertItemInArray(obj, 0, it);
  }
}

static bool all_in(const char *s, const char *set, size_t min, size_t max)
{
  size_t n = strlen(s);
  return n >= min && n <= max && strspn(s, set) == n;
}

static bool is_decimal(const char *s)
{
  if (*s == '-')
    s++;
  size_t intpart = strspn(s, "0123456789");
  if (intpart == 0)
    return false;
  s += intpart;
  if (*s == '\0')
    return true;
  return *s == '.' && all_in(s + 1, "0123456789", 1, 6);
}

int cg_gxo_contract_shipping(const cJSON *s, char *why, size_t size)
{
  if (cg_gxo_contract_str(s, "carrierCode", CG_GXO_CARRIER_CODE_MAX, false, why,
                          size) ||
      cg_gxo_contract_str(s, "serviceCode", CG_GXO_SERVICE_CODE_MAX, false, why,
                          size))
    return -1;
  return cg_gxo_contract_str(s, "servicePointId", CG_GXO_SERVICE_POINT_MAX,
                             true, why, size);
}

static int check_line(cJSON *line, int i, char *why, size_t size)
{
  if (!cJSON_IsObject(line))
    return fail(why, size, "lines[%d] must be an object", i + 1);
  int64_t qty;
  const char *gtin = cg_json_str(line, "gtin");
  const char *price = cg_json_str(line, "unitPrice");
  if (cg_gxo_contract_str(line, "lineRef", CG_GXO_LINE_REF_MAX, false, why,
                          size) ||
      cg_gxo_contract_str(line, "sku", CG_GXO_SKU_MAX, false, why, size))
    return -1;
  if (gtin != NULL && !all_in(gtin, "0123456789", 8, 14))
    return fail(why, size, "lines[%d].gtin must be 8 to 14 digits", i + 1);
  if (cg_json_get_int(line, "quantity", &qty) != 0 || qty < 1)
    return fail(why, size, "lines[%d].quantity must be a positive integer",
                i + 1);
  if (price == NULL || !is_decimal(price))
    return fail(why, size,
                "lines[%d].unitPrice must be a decimal string "
                "like \"450.50\"",
                i + 1);
  reorder(line, line_keys);
  return 0;
}

static int check_ship_to(cJSON *st, char *why, size_t size)
{
  static const struct {
    const char *key;
    size_t max;
    bool optional;
  } f[] = {{"name", CG_GXO_ADDRESS_MAX, false},
           {"company", CG_GXO_ADDRESS_MAX, true},
           {"address1", CG_GXO_ADDRESS_MAX, false},
           {"address2", CG_GXO_ADDRESS_MAX, true},
           {"city", CG_GXO_ADDRESS_MAX, false},
           {"region", CG_GXO_ADDRESS_MAX, true},
           {"postalCode", CG_GXO_POSTAL_CODE_MAX, true},
           {"phone", CG_GXO_PHONE_MAX, true},
           {"email", CG_GXO_EMAIL_MAX, true}};
  if (!cJSON_IsObject(st))
    return fail(why, size, "shipTo must be an object");
  for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
    if (cg_gxo_contract_str(st, f[i].key, f[i].max, f[i].optional, why, size))
      return fail(why + strlen(why), size - strlen(why), " (in shipTo)");
  const char *cc = cg_json_str(st, "countryCode");
  if (cc == NULL || !all_in(cc, "ABCDEFGHIJKLMNOPQRSTUVWXYZ", 2, 2))
    return fail(why, size, "shipTo.countryCode must be ISO 3166-1 alpha-2");
  reorder(st, ship_to_keys);
  return 0;
}

static int check_header(cJSON *p, char *why, size_t size)
{
  int64_t ms;
  const char *date = cg_json_str(p, "orderDate");
  const char *cur = cg_json_str(p, "currency");
  if (cg_gxo_contract_str(p, "orderRef", CG_GXO_ORDER_REF_MAX, false, why,
                          size))
    return -1;
  if (date == NULL || date[strlen(date) - 1] != 'Z' ||
      cg_time_parse_iso8601(date, &ms) != 0)
    return fail(why, size, "orderDate must be ISO 8601 UTC (\"...Z\")");
  if (cur == NULL || !all_in(cur, "ABCDEFGHIJKLMNOPQRSTUVWXYZ", 3, 3))
    return fail(why, size, "currency must be an ISO 4217 code");
  if (cg_gxo_contract_str(p, "instructions", CG_GXO_TEXT_MAX, true, why,
                          size) ||
      cg_gxo_contract_str(p, "giftMessage", CG_GXO_TEXT_MAX, true, why, size))
    return -1;
  cJSON *ap = cJSON_GetObjectItemCaseSensitive(p, "allowPartialShipment");
  if (ap != NULL && !cJSON_IsBool(ap))
    return fail(why, size, "allowPartialShipment must be a boolean");
  return 0;
}

static int check_shipping(cJSON *ship, char *why, size_t size)
{
  if (ship == NULL || cJSON_IsNull(ship))
    return fail(why, size, "shipping is required");
  if (!cJSON_IsObject(ship))
    return fail(why, size, "shipping must be an object");
  if (cg_gxo_contract_shipping(ship, why, size) != 0)
    return -1;
  reorder(ship, shipping_keys);
  return 0;
}

int cg_gxo_contract_order(cJSON *p, char *why, size_t size)
{
  if (!cJSON_IsObject(p))
    return fail(why, size, "the order must be an object");
  if (check_header(p, why, size) ||
      check_ship_to(cJSON_GetObjectItemCaseSensitive(p, "shipTo"), why, size) ||
      check_shipping(cJSON_GetObjectItemCaseSensitive(p, "shipping"), why,
                     size))
    return -1;
  cJSON *lines = cJSON_GetObjectItemCaseSensitive(p, "lines");
  if (!cJSON_IsArray(lines) || cJSON_GetArraySize(lines) == 0)
    return fail(why, size, "lines must be a non-empty list");
  for (int i = 0; i < cJSON_GetArraySize(lines); i++)
    if (check_line(cJSON_GetArrayItem(lines, i), i, why, size) != 0)
      return -1;
  reorder(p, order_keys);
  return 0;
}

/* --- the return advice (POST /return-advices) ------------------------- */

/* The first member of obj whose key is not in keys (NULL: none). */
static const char *stray_member(const cJSON *obj, const char *const *keys)
{
  const cJSON *m;
  cJSON_ArrayForEach(m, obj)
  {
    size_t i = 0;
    while (keys[i] != NULL && strcmp(keys[i], m->string) != 0)
      i++;
    if (keys[i] == NULL)
      return m->string;
  }
  return NULL;
}

static int check_carrier(const cJSON *c, char *why, size_t size)
{
  static const char *const keys[] = {"carrierCode", "trackingNumber", NULL};
  if (c == NULL || cJSON_IsNull(c))
    return 0;
  if (!cJSON_IsObject(c))
    return fail(why, size, "carrier must be an object");
  const char *stray = stray_member(c, keys);
  if (stray != NULL)
    return fail(why, size, "carrier.%s is not in the contract", stray);
  for (size_t i = 0; keys[i] != NULL; i++)
    if (cg_gxo_contract_str(c, keys[i], SIZE_MAX, true, why, size) != 0)
      return fail(why + strlen(why), size - strlen(why), " (in carrier)");
  return 0;
}

static int check_advice_line(const cJSON *line, int i, char *why, size_t size)
{
  static const char *const keys[] = {"lineRef",    "sku",        "quantity",
                                     "reasonCode", "reasonText", NULL};
  int64_t qty;
  if (!cJSON_IsObject(line))
    return fail(why, size, "lines[%d] must be an object", i + 1);
  const char *stray = stray_member(line, keys);
  if (stray != NULL)
    return fail(why, size, "lines[%d].%s is not in the contract", i + 1, stray);
  if (cg_gxo_contract_str(line, "lineRef", CG_GXO_LINE_REF_MAX, false, why,
                          size) ||
      cg_gxo_contract_str(line, "sku", CG_GXO_SKU_MAX, false, why, size) ||
      cg_gxo_contract_str(line, "reasonCode", SIZE_MAX, true, why, size) ||
      cg_gxo_contract_str(line, "reasonText", SIZE_MAX, true, why, size))
    return fail(why + strlen(why), size - strlen(why), " (in lines[%d])",
                i + 1);
  if (cg_json_get_int(line, "quantity", &qty) != 0 || qty < 1)
    return fail(why, size, "lines[%d].quantity must be a positive integer",
                i + 1);
  return 0;
}

int cg_gxo_contract_return_advice(const cJSON *a, char *why, size_t size)
{
  static const char *const keys[] = {
      "rmaRef", "originalOrderRef", "expectedBy", "carrier", "lines", NULL};
  if (!cJSON_IsObject(a))
    return fail(why, size, "the return advice must be an object");
  const char *stray = stray_member(a, keys);
  if (stray != NULL)
    return fail(why, size, "%s is not in the contract", stray);
  if (cg_gxo_contract_str(a, "rmaRef", CG_GXO_RMA_REF_MAX, false, why, size) ||
      cg_gxo_contract_str(a, "originalOrderRef", CG_GXO_ORDER_REF_MAX, false,
                          why, size) ||
      cg_gxo_contract_str(a, "expectedBy", SIZE_MAX, true, why, size) ||
      check_carrier(cJSON_GetObjectItemCaseSensitive(a, "carrier"), why, size))
    return -1;
  const cJSON *lines = cJSON_GetObjectItemCaseSensitive(a, "lines");
  if (!cJSON_IsArray(lines) || cJSON_GetArraySize(lines) == 0)
    return fail(why, size, "lines must be a non-empty list");
  for (int i = 0; i < cJSON_GetArraySize(lines); i++)
    if (check_advice_line(cJSON_GetArrayItem(lines, i), i, why, size) != 0)
      return -1;
  return 0;
}
