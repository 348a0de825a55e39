/*
 * sim_wms_limits: the "Field limits" of warehouse-api-v1.md, enforced on
 * every request body the simulated warehouse accepts:
 *
 *   POST /orders          orderRef 32, instructions/giftMessage 250,
 *                         shipTo name/company/address1/address2/city/
 *                         region 35, postalCode 10, phone 20, email 80,
 *                         lines[] lineRef 32, sku 40
 *   PUT /items/{sku}      sku 40 (the body's, else the URL's),
 *   POST /items:batch     description 80 (per item)
 *   POST /return-advices  rmaRef/originalOrderRef 32, lines[] lineRef 32,
 *                         sku 40
 *   POST /orders/{}/cancel lines[] lineRef 32
 *
 * Lengths are characters (UTF-8 code points), not bytes. A longer value is
 * a 422 field-too-long error whose pointer names the field; nothing is
 * ever truncated. The refs inherit the order/line/return ids of the engine
 * (orderRef = Centra order number etc.), so 32 also bounds every ref that
 * names one (originalOrderRef).
 */
#include "sim_wms.h"

#include "base/json.h"

#include <stdio.h>
#include <string.h>

struct wms_limit {
  const char *key;
  size_t max;
};

#define N_OF(t) (sizeof(t) / sizeof((t)[0]))

static const struct wms_limit ORDER[] = {
    {"orderRef", 32}, {"instructions", 250}, {"giftMessage", 250}};
static const struct wms_limit SHIP_TO[] = {
    {"name", 35},       {"company", 35}, {"address1", 35},
    {"address2", 35},   {"city", 35},    {"region", 35},
    {"postalCode", 10}, {"phone", 20},   {"email", 80}};
static const struct wms_limit LINE[] = {{"lineRef", 32}, {"sku", 40}};
static const struct wms_limit ITEM[] = {{"sku", 40}, {"description", 80}};
static const struct wms_limit ADVICE[] = {{"rmaRef", 32},
                                          {"originalOrderRef", 32}};
static const struct wms_limit CANCEL_LINE[] = {{"lineRef", 32}};

size_t sim_wms__chars(const char *s)
{
  size_t n = 0;
  for (; *s != '\0'; s++)
    n += ((unsigned char)*s & 0xC0) != 0x80;
  return n;
}

/* Adds one error per member of obj (at JSON pointer prefix) longer than
 * its limit in t[0..n). */
static void check(const cJSON *obj, const char *prefix,
                  const struct wms_limit *t, size_t n, cJSON *problem)
{
  char ptr[96], msg[160];
  for (size_t i = 0; cJSON_IsObject(obj) && i < n; i++) {
    const char *v = cg_json_str(obj, t[i].key);
    size_t len = v ? sim_wms__chars(v) : 0;
    if (len <= t[i].max)
      continue;
    snprintf(ptr, sizeof(ptr), "%s/%s", prefix, t[i].key);
    snprintf(msg, sizeof(msg),
             "%s is %zu characters; at most %zu are accepted (nothing is "
             "truncated)",
             t[i].key, len, t[i].max);
    sim_problem_add(problem, ptr, "field-too-long", msg);
  }
}

/* check() on every object of the array doc[key], pointers /key/<i>. */
static void check_each(const cJSON *doc, const char *key,
                       const struct wms_limit *t, size_t n, cJSON *problem)
{
  const cJSON *list = cJSON_GetObjectItemCaseSensitive(doc, key), *it;
  char prefix[64];
  int i = 0;
  if (!cJSON_IsArray(list))
    return;
  cJSON_ArrayForEach(it, list)
  {
    snprintf(prefix, sizeof(prefix), "/%s/%d", key, i++);
    check(it, prefix, t, n, problem);
  }
}

int sim_wms__limits_check(enum wms_body kind, const cJSON *doc, cJSON *problem)
{
  int before = cJSON_GetArraySize(cg_json_get(problem, "errors"));
  switch (kind) {
  case WMS_BODY_ORDER:
    check(doc, "", ORDER, N_OF(ORDER), problem);
    check(cg_json_get(doc, "shipTo"), "/shipTo", SHIP_TO, N_OF(SHIP_TO),
          problem);
    check_each(doc, "lines", LINE, N_OF(LINE), problem);
    break;
  case WMS_BODY_ITEM:
    check(doc, "", ITEM, N_OF(ITEM), problem);
    break;
  case WMS_BODY_ADVICE:
    check(doc, "", ADVICE, N_OF(ADVICE), problem);
    check_each(doc, "lines", LINE, N_OF(LINE), problem);
    break;
  case WMS_BODY_CANCEL:
    check_each(doc, "lines", CANCEL_LINE, N_OF(CANCEL_LINE), problem);
    break;
  }
  return cJSON_GetArraySize(cg_json_get(problem, "errors")) - before;
}

cJSON *sim_wms__limits_problem(enum wms_body kind, const cJSON *doc)
{
  cJSON *p = sim_problem(422, "field-too-long", "a field is too long", NULL);
  if (p == NULL || sim_wms__limits_check(kind, doc, p) == 0) {
    cJSON_Delete(p);
    return NULL;
  }
  const char *why =
      cg_json_str(cJSON_GetArrayItem(cg_json_get(p, "errors"), 0), "message");
  cJSON_ReplaceItemInObjectCaseSensitive(p, "detail", cJSON_CreateString(why));
  return p;
}
