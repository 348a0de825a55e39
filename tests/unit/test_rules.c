/*
 * Unit tests for core/rules: the reference pack, the order plan, the GXO
 * payload against the contract example, fallbacks to scripts/cg, require
 * inside a pack, generation labels and hashes, hot reload and refcounts.
 */
#include "test_rules_kit.h"

#include <unistd.h>

static const char contract_example[] =
    "{\"orderRef\":\"83651\",\"orderDate\":\"2026-03-04T08:12:00Z\","
    "\"currency\":\"EUR\",\"shipTo\":{\"name\":\"Anna Svensson\","
    "\"company\":null,\"address1\":\"Storgatan 1\",\"address2\":null,"
    "\"city\":\"Stockholm\",\"region\":null,\"postalCode\":\"11122\","
    "\"countryCode\":\"SE\",\"phone\":\"+46700000000\","
    "\"email\":\"anna@example.com\"},\"shipping\":{\"carrierCode\":"
    "\"POSTNORD\",\"serviceCode\":\"PN-MYPACK-HOME\",\"servicePointId\":"
    "null},\"allowPartialShipment\":true,\"instructions\":null,"
    "\"giftMessage\":null,\"lines\":[{\"lineRef\":\"43243\",\"sku\":"
    "\"M411740BLK38\",\"gtin\":\"5772428043001\",\"quantity\":1,"
    "\"unitPrice\":\"450.50\"}]}";

static void test_default_pack_loads(void **state)
{
  struct cg_rules_gen *g = kit_load("acme", kit_src("rules/default"));
  assert_string_equal(cg_rules_gen_name(g), "default");
  assert_string_equal(cg_rules_gen_version(g), "1.0.0");
  assert_int_equal(strlen(cg_rules_gen_hash(g)), 64);
  char want[64];
  snprintf(want, sizeof(want), "default@1.0.0#%.8s", cg_rules_gen_hash(g));
  assert_string_equal(cg_rules_gen_label(g), want);
  assert_true(cg_rules_gen_tests_passed(g) >= 10);
  cg_rules_gen_release(g);
}

static void test_payload_matches_contract(void **state)
{
  struct cg_rules_gen *g = kit_load("acme", kit_src("rules/default"));
  cJSON *order = kit_order();
  struct cg_plan plan;
  struct cg_err err = {0};
  assert_int_equal(cg_plan_order(g, order, &plan, &err), 0);
  assert_int_equal(plan.outcome, CG_PLAN_SEND);
  assert_string_equal(plan.carrier.carrier_code, "POSTNORD");
  assert_string_equal(plan.label, cg_rules_gen_label(g));
  char *got = cg_json_print(plan.payload);
  /* Field by field and in the contract's order: the printed text is equal. */
  assert_string_equal(got, contract_example);
  cg_free(got);
  cg_plan_clear(&plan);
  cJSON_Delete(order);
  cg_rules_gen_release(g);
}

static void test_plan_outcomes(void **state)
{
  struct cg_rules_gen *g = kit_load("acme", kit_src("rules/default"));
  struct cg_plan plan;
  struct cg_err err = {0};
  cJSON *order = kit_order();
  cJSON *opt = (cJSON *)cg_json_get(order, "shippingPriceGroup.shippingOption");
  cJSON_ReplaceItemInObject(opt, "uri", cJSON_CreateString("bring-home"));
  assert_int_equal(cg_plan_order(g, order, &plan, &err), 0);
  assert_int_equal(plan.outcome, CG_PLAN_UNMAPPED_CARRIER);
  assert_non_null(strstr(plan.message, "bring-home"));
  cg_plan_clear(&plan);
  cJSON_ReplaceItemInObject(opt, "uri", cJSON_CreateString("dhl-express"));
  cJSON *addr = (cJSON *)cg_json_get(order, "shippingAddress");
  cJSON_ReplaceItemInObject(addr, "zipCode", cJSON_CreateString("ABC"));
  assert_int_equal(cg_plan_order(g, order, &plan, &err), 0);
  assert_int_equal(plan.outcome, CG_PLAN_INVALID_ADDRESS);
  assert_int_equal(cJSON_GetArraySize(plan.problems), 1);
  assert_string_equal(
      cg_json_str(cJSON_GetArrayItem(plan.problems, 0), "field"), "postalCode");
  cg_plan_clear(&plan);
  cJSON_ReplaceItemInObject(order, "isOnHold", cJSON_CreateTrue());
  assert_int_equal(cg_plan_order(g, order, &plan, &err), 0);
  assert_int_equal(plan.outcome, CG_PLAN_HOLD);
  assert_string_equal(plan.reason, "ON_HOLD");
  cg_plan_clear(&plan);
  cJSON_Delete(order);
  cg_rules_gen_release(g);
}

/* A pack with only a manifest behaves as the engine default: no carrier
 * mapping, so every order is unmapped; the address and payload hooks come
 * from scripts/cg. */
static void test_fallback_to_defaults(void **state)
{
  char *dir = kit_pack(NULL);
  struct cg_rules_gen *g = kit_load("bare", dir);
  cJSON *order = kit_order();
  struct cg_plan plan;
  struct cg_err err = {0};
  assert_int_equal(cg_plan_order(g, order, &plan, &err), 0);
  assert_int_equal(plan.outcome, CG_PLAN_UNMAPPED_CARRIER);
  cg_plan_clear(&plan);
  cJSON *problems = NULL;
  assert_int_equal(cg_plan_address_check(g, order, &problems, &err), 0);
  assert_int_equal(cJSON_GetArraySize(problems), 0);
  cJSON_Delete(problems);
  cJSON_Delete(order);
  cg_rules_gen_release(g);
  kit_unpack(dir);
}

/* Data-only override: the default map hook reads the pack's table; and
 * a pack module may require its own helper modules and cg.* defaults. */
static void test_require_inside_pack(void **state)
{
  char *dir = kit_pack(
      "lib/codes.lua",
      "return { home = { carrierCode = 'BRING', serviceCode = 'HOME' } }\n",
      "carriers.lua",
      "local codes = require 'lib.codes'\n"
      "local base = require 'cg.carriers'\n"
      "assert(require 'lib.codes' == codes, 'cached per state')\n"
      "return { options = { ['bring-home'] = codes.home },\n"
      "         base_is_default = base.options ~= nil }\n",
      NULL);
  struct cg_rules_gen *g = kit_load("req", dir);
  struct cg_err err = {0};
  const char *opt = "{\"id\":3,\"name\":\"Bring\",\"uri\":\"bring-home\"}";
  char *s = kit_call_text(g, "carriers.map", opt, &err);
  assert_non_null(s);
  assert_string_equal(s,
                      "{\"carrierCode\":\"BRING\",\"serviceCode\":\"HOME\"}");
  cg_free(s);
  cg_rules_gen_release(g);
  kit_unpack(dir);
  /* require outside the pack and scripts is refused */
  dir = kit_pack("orders.lua", "return require 'os'\n", NULL);
  struct cg_rules_opts o = kit_opts("req", dir);
  struct cg_rules_gen *bad = NULL;
  assert_int_equal(cg_rules_gen_load(&o, 1, &bad, &err), CG_ERULE);
  assert_non_null(strstr(err.msg, "module 'os' not found"));
  kit_unpack(dir);
}

static void test_hash_stable_and_sensitive(void **state)
{
  char *a = kit_pack("carriers.lua", "return { names = { X = 'x' } }\n", NULL);
  char *b = kit_pack("carriers.lua", "return { names = { X = 'x' } }\n", NULL);
  char *c = kit_pack("carriers.lua", "return { names = { X = 'y' } }\n", NULL);
  struct cg_rules_gen *ga = kit_load("h", a), *gb = kit_load("h", b),
                      *gc = kit_load("h", c);
  assert_string_equal(cg_rules_gen_hash(ga), cg_rules_gen_hash(gb));
  assert_string_equal(cg_rules_gen_label(ga), cg_rules_gen_label(gb));
  assert_string_not_equal(cg_rules_gen_hash(ga), cg_rules_gen_hash(gc));
  assert_string_not_equal(cg_rules_gen_label(ga), cg_rules_gen_label(gc));
  cg_rules_gen_release(ga);
  cg_rules_gen_release(gb);
  cg_rules_gen_release(gc);
  kit_unpack(a);
  kit_unpack(b);
  kit_unpack(c);
}

static const char passing_test[] =
    "return { { name = 'ok', hook = 'carriers.map',\n"
    "  args = { { uri = 'x' } }, expect = cg.null } }\n";

static void reload_swaps(struct cg_rules *r, const char *dir,
                         struct cg_rules_gen *g1, const char *label1);

static void test_reload_swaps_and_refuses(void **state)
{
  char *dir = kit_pack("tests/t.lua", passing_test, NULL);
  struct cg_rules_opts o = kit_opts("rl", dir);
  struct cg_rules *r = NULL;
  struct cg_err err = {0};
  assert_int_equal(cg_rules_create(&o, &r, &err), 0);
  struct cg_rules_gen *g1 = cg_rules_acquire(r);
  assert_int_equal(cg_rules_gen_number(g1), 1);
  char label1[CG_RULES_LABEL_MAX];
  snprintf(label1, sizeof(label1), "%s", cg_rules_gen_label(g1));

  /* A failing pack test refuses the new generation; the old one stays. */
  kit_write(dir, "carriers.lua",
            "return { options = { x = { carrierCode = 'A', "
            "serviceCode = 'B' } } }\n");
  bool changed = false;
  assert_int_equal(cg_rules_reload(r, &changed, &err), CG_ERULE);
  assert_non_null(strstr(err.msg, "pack test failed"));
  assert_non_null(strstr(err.msg, "keeping"));
  assert_int_equal(cg_rules_reload_failures(r), 1);
  struct cg_rules_gen *cur = cg_rules_acquire(r);
  assert_ptr_equal(cur, g1);
  cg_rules_gen_release(cur);

  reload_swaps(r, dir, g1, label1);
  cg_rules_destroy(r);
  kit_unpack(dir);
}

/* Fix the test: the reload swaps; g1 lives on until released. */
static void reload_swaps(struct cg_rules *r, const char *dir,
                         struct cg_rules_gen *g1, const char *label1)
{
  struct cg_err err = {0};
  bool changed = false;
  kit_write(dir, "tests/t.lua",
            "return { { name = 'ok', hook = 'carriers.map',\n"
            "  args = { { uri = 'x' } }, expect = { carrierCode = 'A' } } }\n");
  assert_int_equal(cg_rules_reload(r, &changed, &err), 0);
  assert_true(changed);
  struct cg_rules_gen *g2 = cg_rules_acquire(r);
  assert_int_equal(cg_rules_gen_number(g2), 2);
  assert_string_not_equal(cg_rules_gen_label(g2), label1);
  cJSON *out = NULL;
  assert_int_equal(kit_call(g1, "carriers.map", "{\"uri\":\"x\"}", &out, &err),
                   0);
  assert_true(cJSON_IsNull(out)); /* the old generation still answers */
  cJSON_Delete(out);
  cg_rules_gen_release(g1);
  /* Same content again: swaps, reports unchanged. */
  assert_int_equal(cg_rules_reload(r, &changed, &err), 0);
  assert_false(changed);
  cg_rules_gen_release(g2);
}

static void test_bad_manifest_and_hooks(void **state)
{
  struct cg_err err = {0};
  struct cg_rules_gen *g = NULL;
  const struct {
    const char *file, *text, *want;
  } cases[] = {
      {"pack.lua", "return { name = 'x', version = '1', api = 2 }\n",
       "api must be 1"},
      {"pack.lua", "return { version = '1', api = 1 }\n", "'name'"},
      {"orders.lua", "return { accept = 'yes' }\n",
       "hook orders.accept must be a function"},
      {"orders.lua", "return 42\n", "must return a table"},
      {"carriers.lua", "return { options = { x = { carrierCode = 1 } } }\n",
       "needs carrierCode"},
      {"orders.lua", "local M = {\n", "orders.lua:2:"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char *dir = kit_pack(cases[i].file, cases[i].text, NULL);
    struct cg_rules_opts o = kit_opts("bad", dir);
    assert_int_equal(cg_rules_gen_load(&o, 1, &g, &err), CG_ERULE);
    assert_null(g);
    if (strstr(err.msg, cases[i].want) == NULL)
      fail_msg("case %zu: '%s' not in: %s", i, cases[i].want, err.msg);
    kit_unpack(dir);
  }
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_default_pack_loads),
      cmocka_unit_test(test_payload_matches_contract),
      cmocka_unit_test(test_plan_outcomes),
      cmocka_unit_test(test_fallback_to_defaults),
      cmocka_unit_test(test_require_inside_pack),
      cmocka_unit_test(test_hash_stable_and_sensitive),
      cmocka_unit_test(test_reload_swaps_and_refuses),
      cmocka_unit_test(test_bad_manifest_and_hooks),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
