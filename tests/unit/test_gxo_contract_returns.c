/*
 * Unit: the return advice's contract check (core/gxo/gxo_contract.c,
 * cg_gxo_contract_return_advice; warehouse-api-v1.md "Field limits"):
 *
 *  - a full advice, and one with only the required members, pass;
 *  - rmaRef, originalOrderRef and lineRef at 32 characters pass, at 33
 *    they are refused (characters, not bytes: 32 multi-byte characters
 *    pass), and so is a SKU over 40; nothing is truncated;
 *  - a missing or empty rmaRef / originalOrderRef / lineRef / sku, no
 *    lines, a quantity of 0 or 1.5, a non-string reason or carrier member
 *    and any member the contract does not name are refused, with why.
 */
#include "testutil.h"

#include "base/json.h"
#include "base/mem.h"
#include "gxo/gxo_contract.h"

#include <string.h>

static const char FULL[] =
    "{\"rmaRef\":\"4711\",\"originalOrderRef\":\"83651\","
    "\"expectedBy\":\"2026-03-20\",\"carrier\":{\"carrierCode\":"
    "\"POSTNORD\",\"trackingNumber\":\"RET-1\"},\"lines\":[{\"lineRef\":"
    "\"43243\",\"sku\":\"M411740BLK38\",\"quantity\":1,\"reasonCode\":"
    "\"PF\",\"reasonText\":\"Too small\"}]}";

/* Checks FULL with member path (in FULL, or in lines[0] when it starts
 * with "line.") set to the JSON value; returns the result, why in why. */
static int check_with(const char *path, const char *value, char *why,
                      size_t size)
{
  cJSON *a = cJSON_Parse(FULL);
  cJSON *target = a;
  if (strncmp(path, "line.", 5) == 0) {
    target = cJSON_GetArrayItem(cJSON_GetObjectItem(a, "lines"), 0);
    path += 5;
  } else if (strncmp(path, "carrier.", 8) == 0) {
    target = cJSON_GetObjectItem(a, "carrier");
    path += 8;
  }
  cJSON_DeleteItemFromObjectCaseSensitive(target, path);
  if (value != NULL)
    cJSON_AddItemToObject(target, path, cJSON_Parse(value));
  why[0] = '\0';
  int rc = cg_gxo_contract_return_advice(a, why, size);
  cJSON_Delete(a);
  return rc;
}

/* Refused, with a reason that contains fragment. */
static void refused(const char *path, const char *value, const char *fragment)
{
  char why[160];
  assert_int_equal(check_with(path, value, why, sizeof(why)), -1);
  if (strstr(why, fragment) == NULL)
    fail_msg("%s=%s: why \"%s\" lacks \"%s\"", path, value ? value : "(none)",
             why, fragment);
}

static void accepted(const char *path, const char *value)
{
  char why[160];
  if (check_with(path, value, why, sizeof(why)) != 0)
    fail_msg("%s=%s refused: %s", path, value ? value : "(none)", why);
}

static void test_valid(void **state)
{
  (void)state;
  accepted("rmaRef", "\"4711\"");
  /* Only the required members. */
  cJSON *a = cJSON_Parse("{\"rmaRef\":\"1\",\"originalOrderRef\":\"2\","
                         "\"lines\":[{\"lineRef\":\"3\",\"sku\":\"S\","
                         "\"quantity\":2}]}");
  char why[160];
  assert_int_equal(cg_gxo_contract_return_advice(a, why, sizeof(why)), 0);
  cJSON_Delete(a);
  accepted("expectedBy", NULL);
  accepted("carrier", NULL);
  accepted("line.reasonText", NULL);
}

static void test_limits(void **state)
{
  (void)state;
  const char *k32 = "\"12345678901234567890123456789012\"";
  const char *k33 = "\"123456789012345678901234567890123\"";
  accepted("rmaRef", k32);
  refused("rmaRef", k33, "rmaRef is longer than 32");
  accepted("originalOrderRef", k32);
  refused("originalOrderRef", k33, "originalOrderRef is longer than 32");
  accepted("line.lineRef", k32);
  refused("line.lineRef", k33, "lineRef is longer than 32");
  refused("line.sku", "\"12345678901234567890123456789012345678901\"",
          "sku is longer than 40");
  /* 32 characters of two bytes each: 64 bytes, within the limit. */
  char u[80] = "\"";
  for (int i = 0; i < 32; i++)
    strcat(u, "\xc3\xa5");
  strcat(u, "\"");
  accepted("rmaRef", u);
}

static void test_refused(void **state)
{
  (void)state;
  refused("rmaRef", NULL, "rmaRef is required");
  refused("rmaRef", "\"\"", "rmaRef must be a non-empty string");
  refused("rmaRef", "4711", "rmaRef must be a non-empty string");
  refused("originalOrderRef", NULL, "originalOrderRef is required");
  refused("lines", "[]", "lines must be a non-empty list");
  refused("lines", NULL, "lines must be a non-empty list");
  refused("lines", "[\"x\"]", "lines[1] must be an object");
  refused("line.lineRef", NULL, "lineRef is required");
  refused("line.sku", "\"\"", "sku must be a non-empty string");
  refused("line.quantity", "0", "lines[1].quantity must be a positive");
  refused("line.quantity", "1.5", "lines[1].quantity must be a positive");
  refused("line.reasonCode", "7", "reasonCode must be");
  refused("line.gtin", "\"5772428043001\"", "lines[1].gtin is not in the");
  refused("carrier", "\"POSTNORD\"", "carrier must be an object");
  refused("carrier.trackingNumber", "12", "trackingNumber must be");
  refused("carrier.service", "\"x\"", "carrier.service is not in the");
  refused("expectedBy", "20260320", "expectedBy must be");
  refused("orderRef", "\"83651\"", "orderRef is not in the contract");
  char why[64];
  assert_int_equal(cg_gxo_contract_return_advice(NULL, why, sizeof(why)), -1);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_valid),
      cmocka_unit_test(test_limits),
      cmocka_unit_test(test_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
