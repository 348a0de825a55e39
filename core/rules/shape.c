/*
 * shape: the hooks the engine knows and the checks on what they return.
 *
 * A check runs on the converted cJSON, outside Lua. It may normalise the
 * value in place (address problems become {field, code, message}
 * objects; the GXO payload is re-ordered into the contract's field order)
 * and returns 0, or -1 with a reason. The GXO field limits are the
 * engine's last line of defence: the default rules hold an order whose
 * address exceeds them, so a payload over a limit means a pack bypassed
 * the check and is a rule error, never a silently truncated address.
 */
#include "rules/rules_int.h"

#include "base/json.h"
#include "base/time.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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

/* A string member of 1..max characters (or null/absent when optional). */
static int str_field(const cJSON *obj, const char *key, size_t max,
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

static int check_accept(cJSON **out, char *why, size_t size)
{
  const char *a = cg_json_str(*out, "action");
  if (!cJSON_IsObject(*out) || a == NULL)
    return fail(why, size,
                "expected {action=\"accept\"} or {action=\"hold\", "
                "reason=..., message=...}");
  if (strcmp(a, "accept") == 0)
    return 0;
  if (strcmp(a, "hold") != 0)
    return fail(why, size,
                "action must be \"accept\" or \"hold\", not "
                "\"%s\"",
                a);
  if (str_field(*out, "reason", CG_RULES_REASON_MAX - 1, false, why, size))
    return -1;
  return str_field(*out, "message", 4096, true, why, size);
}

static int check_carrier(cJSON **out, char *why, size_t size)
{
  if (cJSON_IsNull(*out))
    return 0;
  if (!cJSON_IsObject(*out))
    return fail(why, size,
                "expected {carrierCode=..., serviceCode=...} or "
                "nil");
  if (str_field(*out, "carrierCode", 32, false, why, size) ||
      str_field(*out, "serviceCode", 64, false, why, size))
    return -1;
  return str_field(*out, "servicePointId", 32, true, why, size);
}

/* One problem as {field, code, message}; a bare string is the message. */
static int normalise_problem(cJSON *arr, int i, char *why, size_t size)
{
  cJSON *p = cJSON_GetArrayItem(arr, i);
  if (cJSON_IsString(p)) {
    cJSON *o = cJSON_CreateObject();
    if (o == NULL || !cg_json_add_str(o, "field", NULL) ||
        !cg_json_add_str(o, "code", "INVALID") ||
        !cg_json_add_str(o, "message", p->valuestring)) {
      cJSON_Delete(o);
      return fail(why, size, "out of memory");
    }
    cJSON_ReplaceItemInArray(arr, i, o);
    return 0;
  }
  if (!cJSON_IsObject(p) || cg_json_str(p, "message") == NULL)
    return fail(why, size,
                "problem %d must be a string or a table with a "
                "message",
                i + 1);
  return 0;
}

static int check_address(cJSON **out, char *why, size_t size)
{
  if (cJSON_IsNull(*out) || cJSON_IsTrue(*out)) {
    cJSON *empty = cJSON_CreateArray();
    if (empty == NULL)
      return fail(why, size, "out of memory");
    cJSON_Delete(*out);
    *out = empty;
    return 0;
  }
  if (!cJSON_IsArray(*out))
    return fail(why, size, "expected nil, true or a list of problems");
  for (int i = 0; i < cJSON_GetArraySize(*out); i++)
    if (normalise_problem(*out, i, why, size) != 0)
      return -1;
  return 0;
}

static int check_display(cJSON **out, char *why, size_t size)
{
  if (cJSON_IsNull(*out))
    return 0;
  if (!cJSON_IsObject(*out))
    return fail(why, size, "expected {carrier=..., service=...} or nil");
  if (str_field(*out, "carrier", 64, false, why, size))
    return -1;
  return str_field(*out, "service", 64, true, why, size);
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

static const char *const payload_keys[] = {
    "orderRef",     "orderDate",
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

static int check_line(cJSON *line, int i, char *why, size_t size)
{
  if (!cJSON_IsObject(line))
    return fail(why, size, "lines[%d] must be an object", i + 1);
  int64_t qty;
  const char *gtin = cg_json_str(line, "gtin");
  const char *price = cg_json_str(line, "unitPrice");
  if (str_field(line, "lineRef", 32, false, why, size) ||
      str_field(line, "sku", 40, false, why, size))
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
  } f[] = {
      {"name", 35, false},      {"company", 35, true}, {"address1", 35, false},
      {"address2", 35, true},   {"city", 35, false},   {"region", 35, true},
      {"postalCode", 10, true}, {"phone", 20, true},   {"email", 80, true}};
  if (!cJSON_IsObject(st))
    return fail(why, size, "shipTo must be an object");
  for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
    if (str_field(st, f[i].key, f[i].max, f[i].optional, why, size) != 0)
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
  if (str_field(p, "orderRef", 32, false, why, size))
    return -1;
  if (date == NULL || date[strlen(date) - 1] != 'Z' ||
      cg_time_parse_iso8601(date, &ms) != 0)
    return fail(why, size, "orderDate must be ISO 8601 UTC (\"...Z\")");
  if (cur == NULL || !all_in(cur, "ABCDEFGHIJKLMNOPQRSTUVWXYZ", 3, 3))
    return fail(why, size, "currency must be an ISO 4217 code");
  if (str_field(p, "instructions", 250, true, why, size) ||
      str_field(p, "giftMessage", 250, true, why, size))
    return -1;
  cJSON *ap = cJSON_GetObjectItemCaseSensitive(p, "allowPartialShipment");
  if (ap != NULL && !cJSON_IsBool(ap))
    return fail(why, size, "allowPartialShipment must be a boolean");
  return 0;
}

static int check_payload(cJSON **out, char *why, size_t size)
{
  cJSON *p = *out;
  if (!cJSON_IsObject(p))
    return fail(why, size, "expected the warehouse order table");
  if (check_header(p, why, size) ||
      check_ship_to(cJSON_GetObjectItemCaseSensitive(p, "shipTo"), why, size) ||
      check_carrier(&(cJSON *){cJSON_GetObjectItemCaseSensitive(p, "shipping")},
                    why, size))
    return -1;
  cJSON *ship = cJSON_GetObjectItemCaseSensitive(p, "shipping");
  if (!cJSON_IsObject(ship))
    return fail(why, size, "shipping is required");
  reorder(ship, shipping_keys);
  cJSON *lines = cJSON_GetObjectItemCaseSensitive(p, "lines");
  if (!cJSON_IsArray(lines) || cJSON_GetArraySize(lines) == 0)
    return fail(why, size, "lines must be a non-empty list");
  for (int i = 0; i < cJSON_GetArraySize(lines); i++)
    if (check_line(cJSON_GetArrayItem(lines, i), i, why, size) != 0)
      return -1;
  reorder(p, payload_keys);
  return 0;
}

const struct cg__hook_spec cg__hooks[] = {
    {"orders.accept", "orders", "accept", 1, check_accept},
    {"orders.check_address", "orders", "check_address", 1, check_address},
    {"orders.payload", "orders", "payload", 2, check_payload},
    {"carriers.map", "carriers", "map", 2, check_carrier},
    {"carriers.display", "carriers", "display", 1, check_display},
    {"dispatch.shipment", "dispatch", "shipment", 2, NULL},
    {"stock.sellable", "stock", "sellable", 1, NULL},
    {"stock.buffer", "stock", "buffer", 1, NULL},
    {"items.include", "items", "include", 1, NULL},
    {"items.payload", "items", "payload", 1, NULL},
    {"returns.disposition", "returns", "disposition", 2, NULL},
    {"alerts.route", "alerts", "route", 1, NULL},
    {NULL, NULL, NULL, 0, NULL},
};

const struct cg__hook_spec *cg__hook_find(const char *hook)
{
  for (const struct cg__hook_spec *h = cg__hooks; h->hook != NULL; h++)
    if (strcmp(h->hook, hook) == 0)
      return h;
  return NULL;
}
