/*
 * Unit: the checks of the returns hooks' results (core/flows/
 * returns_hooks.c) and the default returns.decide with a pack's data
 * and an API 1 disposition (scripts/cg/returns.lua), in process.
 *
 *  - returns.decide: the defaults are filled in (notify true,
 *    accept_mismatch false, lines []), and every wrong shape is refused
 *    with a reason that names the member (an unknown key too);
 *  - returns.advice: not a table is refused;
 *  - the default decide with refund_conditions changed: a line that
 *    refunds and one that does not make a manual refund; an API 1
 *    disposition {action = "restock"|"quarantine"} is read;
 *    refund_on_mismatch settles a receipt with mismatches and says
 *    accept_mismatch.
 */
#include "test_rules_kit.h"

#include "flows/returns.h"

static cJSON *checked(const char *text, int want_rc, char *why, size_t size)
{
  cJSON *v = kit_json(text);
  int rc = cg_returns_check_decide(&v, why, size);
  assert_int_equal(rc, want_rc);
  return v;
}

static void test_decide_defaults(void **state)
{
  (void)state;
  char why[256] = "";
  cJSON *v = checked("{\"action\":\"settle\",\"refund\":\"full\"}", 0, why,
                     sizeof why);
  assert_true(cJSON_IsTrue(cJSON_GetObjectItem(v, "notify")));
  assert_true(cJSON_IsFalse(cJSON_GetObjectItem(v, "accept_mismatch")));
  assert_true(cJSON_IsArray(cJSON_GetObjectItem(v, "lines")));
  assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(v, "lines")), 0);
  cJSON_Delete(v);
  v = checked("{\"action\":\"hold\",\"message\":\"look\",\"notify\":false,"
              "\"lines\":{}}",
              0, why, sizeof why);
  assert_true(cJSON_IsFalse(cJSON_GetObjectItem(v, "notify")));
  assert_true(cJSON_IsArray(cJSON_GetObjectItem(v, "lines")));
  cJSON_Delete(v);
  v = checked("{\"action\":\"settle\",\"refund\":\"manual\","
              "\"accept_mismatch\":true,\"lines\":[{\"lineRef\":\"43243\","
              "\"refund\":\"none\",\"restock\":false,\"note\":\"worn\"}]}",
              0, why, sizeof why);
  assert_true(cJSON_IsTrue(cJSON_GetObjectItem(v, "accept_mismatch")));
  cJSON_Delete(v);
}

static void refused(const char *text, const char *needle)
{
  char why[256] = "";
  cJSON_Delete(checked(text, -1, why, sizeof why));
  if (strstr(why, needle) == NULL)
    fail_msg("%s: why \"%s\" lacks \"%s\"", text, why, needle);
}

static void test_decide_refused(void **state)
{
  (void)state;
  refused("[]", "expected");
  refused("{}", "action");
  refused("{\"action\":\"refund\"}", "action must be one of");
  refused("{\"action\":\"settle\"}", "refund");
  refused("{\"action\":\"settle\",\"refund\":\"half\"}", "refund");
  refused("{\"action\":\"settle\",\"refund\":\"full\",\"notify\":\"yes\"}",
          "notify");
  refused("{\"action\":\"settle\",\"refund\":\"full\","
          "\"accept_mismatch\":1}",
          "accept_mismatch");
  refused("{\"action\":\"hold\",\"message\":7}", "message");
  refused("{\"action\":\"hold\",\"lines\":\"all\"}", "lines");
  refused("{\"action\":\"hold\",\"lines\":[{\"refund\":\"full\"}]}",
          "lines[1]: lineRef");
  refused("{\"action\":\"hold\",\"lines\":[{\"lineRef\":\"1\"},"
          "{\"lineRef\":\"2\",\"refund\":\"manual\"}]}",
          "lines[2]: refund");
  refused("{\"action\":\"hold\",\"lines\":[{\"lineRef\":\"1\","
          "\"restock\":\"no\"}]}",
          "restock");
  refused("{\"action\":\"hold\",\"lines\":[{\"lineRef\":"
          "\"123456789012345678901234567890123\"}]}",
          "lineRef");
  /* keys the engine does not know: the plan is stored as returned, and
   * "completed" is the engine's own mark of its completion */
  refused("{\"action\":\"settle\",\"refund\":\"full\",\"completed\":true}",
          "unknown key \"completed\"");
  refused("{\"action\":\"hold\",\"lines\":[{\"lineRef\":\"1\","
          "\"amount\":5}]}",
          "lines[1]: unknown key \"amount\"");
}

static void test_advice_not_a_table(void **state)
{
  (void)state;
  char why[256] = "";
  cJSON *v = kit_json("[1]");
  assert_int_equal(cg_returns_check_advice(&v, why, sizeof why), -1);
  assert_non_null(strstr(why, "advice"));
  cJSON_Delete(v);
}

static const char receipt_json[] =
    "{\"receiptId\":\"R1\",\"requiresAction\":false,\"lines\":["
    "{\"lineRef\":\"1\",\"sku\":\"A\",\"quantityReceived\":1,"
    "\"condition\":\"SELLABLE\",\"disposition\":\"RESTOCK\"},"
    "{\"lineRef\":\"2\",\"sku\":\"B\",\"quantityReceived\":1,"
    "\"condition\":\"SELLABLE_B\",\"disposition\":\"RESTOCK\"}],"
    "\"mismatches\":%s}";
static const char advice_json[] =
    "{\"returnId\":7,\"rmaRef\":\"7\",\"orderRef\":\"1000\",\"comment\":null,"
    "\"lines\":[{\"lineRef\":\"1\",\"sku\":\"A\",\"quantity\":1},"
    "{\"lineRef\":\"2\",\"sku\":\"B\",\"quantity\":1}]}";

/* returns.decide(receipt with mismatches, advice) in a pack whose
 * returns.lua is src. */
static cJSON *decide_with(const char *src, const char *mismatches)
{
  char *dir = kit_pack("returns.lua", src, NULL);
  struct cg_rules_gen *g = kit_load("m1", dir);
  char text[2048];
  snprintf(text, sizeof text, receipt_json, mismatches);
  const cJSON *args[2] = {kit_json(text), kit_json(advice_json)};
  cJSON *out = NULL;
  struct cg_err err = {0};
  int rc = cg_rules_callv(g, CG_RETURNS_HOOK_DECIDE, args, 2, &out, &err);
  if (rc != 0)
    fail_msg("returns.decide: %s", err.msg);
  cJSON_Delete((cJSON *)args[0]);
  cJSON_Delete((cJSON *)args[1]);
  cg_rules_gen_release(g);
  kit_unpack(dir);
  return out;
}

static void expect_plan(cJSON *plan, const char *action, const char *refund,
                        bool accept)
{
  assert_string_equal(cg_json_str(plan, "action"), action);
  if (refund)
    assert_string_equal(cg_json_str(plan, "refund"), refund);
  assert_int_equal(cg_json_bool(plan, "accept_mismatch", !accept), accept);
  cJSON_Delete(plan);
}

static void test_default_decide_with_data(void **state)
{
  (void)state;
  /* B grade no longer refunds: held as a condition the pack does not
   * refund */
  expect_plan(decide_with("return { refund_conditions = { SELLABLE = true } "
                          "}\n",
                          "[]"),
              "hold", NULL, false);
  /* an API 1 disposition: restock and quarantine, one line each */
  const char *strict = "local M = {}\n"
                       "M.refund_conditions = { SELLABLE = true }\n"
                       "function M.disposition(line, receipt)\n"
                       "  if line.condition == 'SELLABLE' then\n"
                       "    return { action = 'restock' } end\n"
                       "  return { action = 'quarantine' }\nend\nreturn M\n";
  expect_plan(decide_with(strict, "[]"), "settle", "manual", false);
  const char *none = "return { disposition = function() return { action = "
                     "'quarantine' } end }\n";
  expect_plan(decide_with(none, "[]"), "settle", "none", false);
  const char *api1 = "return { disposition = function() return { action = "
                     "'refund' } end }\n";
  cJSON *p = decide_with(api1, "[]");
  const cJSON *line = cJSON_GetArrayItem(cg_json_get(p, "lines"), 0);
  assert_string_equal(cg_json_str(line, "refund"), "full");
  assert_false(cg_json_bool(line, "restock", true));
  expect_plan(p, "settle", "full", false);
  const char *mm = "[{\"code\":\"requires-action\",\"detail\":\"x\"}]";
  expect_plan(decide_with("return {}\n", mm), "hold", NULL, false);
  expect_plan(decide_with("return { refund_on_mismatch = true }\n", mm),
              "settle", "full", true);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_decide_defaults),
      cmocka_unit_test(test_decide_refused),
      cmocka_unit_test(test_advice_not_a_table),
      cmocka_unit_test(test_default_decide_with_data),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
