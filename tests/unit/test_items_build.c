/*
 * Unit: how a Centra size becomes a warehouse item (core/flows/
 * items_build.c, docs/internals/items.md "Reading Centra"):
 *
 *  - the content hash is SHA-256 hex, the same for the same text and
 *    different for any change;
 *  - the contract check refuses a missing or long SKU, a description over
 *    80 characters (characters, not bytes), a non-object, with a reason
 *    {code, pointer, message, source: "engine"};
 *  - the plan "items.build" with the default pack (scripts/cg/items.lua)
 *    builds a realistic size into the item the warehouse contract names,
 *    and leaves out a size the pack excludes;
 *  - a pack's items.lua data (hs_codes, hs_code_default,
 *    exclude_prefixes) reaches the default hooks;
 *  - the hooks' result checks (hooks.c) refuse an item with a field the
 *    contract does not name.
 */
#include "test_rules_kit.h"

#include "flows/items_int.h"

/* ---- hash ---------------------------------------------------------------*/

static void test_hash_known_and_stable(void **state)
{
  (void)state;
  char a[65], b[65];
  assert_int_equal(cg__items_hash("abc", a), 0);
  assert_string_equal(
      a, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  assert_int_equal(cg__items_hash("{\"sku\":\"A1\",\"uom\":\"EA\"}", a), 0);
  assert_int_equal(cg__items_hash("{\"sku\":\"A1\",\"uom\":\"EA\"}", b), 0);
  assert_string_equal(a, b);
  assert_int_equal(strlen(a), 64);
  assert_int_equal(cg__items_hash("{\"sku\":\"A1\",\"uom\":\"PK\"}", b), 0);
  assert_string_not_equal(a, b);
  assert_int_equal(cg__items_hash(NULL, b), CG_EINVAL);
}

/* ---- contract -----------------------------------------------------------*/

/* Checks text; returns the reason's code ("" when accepted) in code. */
static void check(const char *text, char *code, char *pointer)
{
  cJSON *doc = kit_json(text), *reason = NULL;
  int rc = cg__items_check(doc, &reason);
  code[0] = pointer[0] = '\0';
  if (rc == 0) {
    assert_null(reason);
  } else {
    assert_int_equal(rc, CG_EINVAL);
    assert_non_null(reason);
    assert_string_equal(cg_json_str(reason, "source"), "engine");
    assert_non_null(cg_json_str(reason, "message"));
    strcpy(code, cg_json_str(reason, "code"));
    strcpy(pointer, cg_json_str(reason, "pointer"));
  }
  cJSON_Delete(reason);
  cJSON_Delete(doc);
}

/* {"sku": sku, "description": d} with n copies of unit as d. */
static void item_text(char *out, size_t size, const char *sku, const char *unit,
                      int n)
{
  int at = snprintf(out, size, "{\"sku\":\"%s\",\"description\":\"", sku);
  for (int i = 0; i < n; i++)
    at += snprintf(out + at, size - (size_t)at, "%s", unit);
  snprintf(out + at, size - (size_t)at, "\"}");
}

static void test_contract(void **state)
{
  (void)state;
  char code[64], ptr[64], text[1024], sku41[42];
  memset(sku41, 'S', 41);
  sku41[41] = '\0';
  check("{\"sku\":\"A1\",\"description\":null,\"hsCode\":null}", code, ptr);
  assert_string_equal(code, "");
  item_text(text, sizeof(text), "A1", "\xc3\xa9", 80); /* 80 chars, 160 B */
  check(text, code, ptr);
  assert_string_equal(code, "");
  item_text(text, sizeof(text), "A1", "x", 81);
  check(text, code, ptr);
  assert_string_equal(code, "field-too-long");
  assert_string_equal(ptr, "/description");
  item_text(text, sizeof(text), sku41, "x", 1);
  check(text, code, ptr);
  assert_string_equal(code, "field-too-long");
  assert_string_equal(ptr, "/sku");
  check("{\"sku\":\"\"}", code, ptr);
  assert_string_equal(code, "missing-field");
  assert_string_equal(ptr, "/sku");
  check("{\"description\":\"x\"}", code, ptr);
  assert_string_equal(code, "missing-field");
  check("{\"sku\":\"A1\",\"description\":7}", code, ptr);
  assert_string_equal(code, "invalid-field");
  assert_string_equal(ptr, "/description");
  check("[1]", code, ptr);
  assert_string_equal(code, "invalid-item");
}

/* ---- the plan -----------------------------------------------------------*/

static const char size_json[] =
    "{\"id\":1201,\"SKU\":\"M411740BLK38\",\"EAN\":\"5772428043001\","
    "\"sizeNumber\":\"38\",\"description\":\"EU 38\","
    "\"weight\":{\"value\":0.45,\"unit\":\"KILOGRAMS\"},"
    "\"productVariant\":{\"id\":120,\"variantNumber\":\"BLK\","
    "\"name\":\"Black\",\"product\":{\"id\":12,\"productNumber\":\"M4117\","
    "\"name\":\"Merino crew neck\",\"status\":\"ACTIVE\","
    "\"updatedAt\":\"2026-03-01T10:00:00+00:00\","
    "\"harmonizedCommodityCode\":\"61101100\","
    "\"countryOfOrigin\":{\"code\":\"PT\"},"
    "\"weight\":{\"value\":0.5,\"unit\":\"KILOGRAMS\"}}}}";

static cJSON *run_plan(struct cg_rules_gen *g, const char *size)
{
  const struct cg_rules_plan_spec *p = cg_rules_plan_find(CG_ITEMS_PLAN);
  struct cg_err err = {0};
  cJSON *in = kit_json(size), *out = NULL;
  assert_non_null(p);
  int rc = p->run(g, in, &out, &err);
  if (rc != 0)
    fail_msg("plan: %s", err.msg);
  cJSON_Delete(in);
  return out;
}

static void test_plan_default_pack(void **state)
{
  (void)state;
  struct cg_rules_gen *g = kit_load("acme", kit_src("rules/default"));
  cJSON *out = run_plan(g, size_json);
  char *item = cJSON_PrintUnformatted(cJSON_GetObjectItem(out, "item"));
  assert_true(cg_json_bool(out, "include", false));
  assert_string_equal(
      item, "{\"attributes\":{\"colour\":\"Black\",\"size\":\"38\","
            "\"style\":\"M4117\"},\"countryOfOrigin\":\"PT\","
            "\"description\":\"Merino crew neck\",\"gtin\":\"5772428043001\","
            "\"hsCode\":\"61101100\",\"sku\":\"M411740BLK38\","
            "\"sourceUpdatedAt\":\"2026-03-01T10:00:00+00:00\","
            "\"status\":\"ACTIVE\",\"uom\":\"EA\",\"weightKg\":0.45}");
  cJSON *reason = NULL;
  assert_int_equal(cg__items_check(cJSON_GetObjectItem(out, "item"), &reason),
                   0);
  cJSON_free(item);
  cJSON_Delete(out);
  out = run_plan(g, "{\"id\":1,\"SKU\":null}"); /* no SKU: excluded */
  assert_false(cg_json_bool(out, "include", true));
  assert_null(cJSON_GetObjectItem(out, "item"));
  cJSON_Delete(out);
  cg_rules_gen_release(g);
}

static void test_plan_refuses_unknown_field(void **state)
{
  (void)state;
  char *dir = kit_pack("items.lua",
                       "return { payload = function(s) return { sku = s.SKU, "
                       "colour = 'red' } end }",
                       NULL);
  struct cg_rules_gen *g = kit_load("acme", dir);
  const struct cg_rules_plan_spec *p = cg_rules_plan_find(CG_ITEMS_PLAN);
  struct cg_err err = {0};
  cJSON *in = kit_json(size_json), *out = NULL;
  assert_int_equal(p->run(g, in, &out, &err), CG_ERULE);
  assert_null(out);
  assert_non_null(strstr(err.msg, "colour"));
  cJSON_Delete(in);
  cg_rules_gen_release(g);
  kit_unpack(dir);
}

/* The data a pack sets in items.lua reaches the default hooks. */
static void test_plan_pack_data(void **state)
{
  (void)state;
  char *dir = kit_pack("items.lua",
                       "return { hs_codes = { M4 = '6110', M41 = '61101100' },"
                       " hs_code_default = '9999',"
                       " exclude_prefixes = { 'GIFT-' } }",
                       NULL);
  struct cg_rules_gen *g = kit_load("acme", dir);
  cJSON *size = kit_json(size_json);
  cJSON *product = (cJSON *)cg_json_get(size, "productVariant.product");
  cJSON_ReplaceItemInObject(product, "harmonizedCommodityCode",
                            cJSON_CreateNull());
  char *text = cJSON_PrintUnformatted(size);
  cJSON *out = run_plan(g, text);
  assert_string_equal(cg_json_str(out, "item.hsCode"), "61101100");
  cJSON_Delete(out);
  cJSON_free(text);
  cJSON_ReplaceItemInObject(product, "productNumber", cJSON_CreateString("X1"));
  text = cJSON_PrintUnformatted(size);
  out = run_plan(g, text);
  assert_string_equal(cg_json_str(out, "item.hsCode"), "9999");
  cJSON_Delete(out);
  cJSON_free(text);
  cJSON_ReplaceItemInObject(size, "SKU", cJSON_CreateString("GIFT-50"));
  text = cJSON_PrintUnformatted(size);
  out = run_plan(g, text);
  assert_false(cg_json_bool(out, "include", true));
  cJSON_Delete(out);
  cJSON_free(text);
  cJSON_Delete(size);
  cg_rules_gen_release(g);
  kit_unpack(dir);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_hash_known_and_stable),
      cmocka_unit_test(test_contract),
      cmocka_unit_test(test_plan_default_pack),
      cmocka_unit_test(test_plan_refuses_unknown_field),
      cmocka_unit_test(test_plan_pack_data),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
