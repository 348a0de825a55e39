/*
 * cJSON <-> Lua conversion tests for core/rules: round trips through a
 * real hook, integers vs floats, JSON null (cg.null), empty object vs
 * array markers, sorted keys, depth limits both ways.
 */
#include "test_rules_kit.h"

static struct cg_rules_gen *g;
static char *dir;

static int setup(void **state)
{
  g = kit_probe("local op = type(x) == 'table' and x.op\n"
                "if op == 'type' then return math.type(x.v) end\n"
                "if op == 'isnull' then return x.v == cg.null end\n"
                "if op == 'mt' then return getmetatable(x.v) end\n"
                "if op == 'lua' then\n"
                "  return { b = 1, a = 2, c = { z = 1, y = cg.null },\n"
                "           e = {}, o = cg.object(), f = 2^40, i = 7 // 2,\n"
                "           s = 'åäö', t = true, n = nil, arr = { 3, 2, 1 },\n"
                "           ea = cg.array() }\n"
                "end\n"
                "if op == 'big' then return 1 << 62 end\n"
                "if op == 'remark' then return cg.object(x.v) end\n"
                "if op == 'badmark' then\n"
                "  return cg.array(setmetatable({}, {})) end\n"
                "if op == 'cycle' then local t = {} t[1] = t return t end\n"
                "if op == 'deep' then\n"
                "  local t = {} for i = 1, x.v do t = { t } end return t\n"
                "end\n"
                "if op == 'isarr' then return { cg.is_array({}),\n"
                "  cg.is_array({ 1 }), cg.is_array({ a = 1 }),\n"
                "  cg.is_array(x.v) } end\n"
                "return x",
                &dir);
  return 0;
}

static int teardown(void **state)
{
  cg_rules_gen_release(g);
  kit_unpack(dir);
  return 0;
}

static void expect_text(const char *arg, const char *want)
{
  struct cg_err err = {0};
  char *s = kit_call_text(g, "orders.probe", arg, &err);
  if (s == NULL)
    fail_msg("%s: %s", arg, err.msg);
  if (strcmp(s, want) != 0)
    fail_msg("%s: got %s, want %s", arg, s, want);
  cg_free(s);
}

static void expect_error(const char *arg, const char *want)
{
  struct cg_err err = {0};
  cJSON *out = NULL;
  assert_int_equal(kit_call(g, "orders.probe", arg, &out, &err), CG_ERULE);
  assert_null(out);
  if (strstr(err.msg, want) == NULL)
    fail_msg("%s: '%s' not in %s", arg, want, err.msg);
}

static void test_round_trip(void **state)
{
  const char *doc =
      "{\"a\":1,\"b\":[1,2.5,\"x\",true,false,null],\"c\":{\"d\":null},"
      "\"e\":[],\"f\":{},\"g\":-42,\"h\":1.5,\"i\":\"s\\u00e5\","
      "\"j\":[[],{}],\"k\":1099511627776}";
  /* cJSON prints raw UTF-8; integers print exactly up to ~1e15 (cJSON's
   * %.15g), far above any order number or id. */
  expect_text(doc, "{\"a\":1,\"b\":[1,2.5,\"x\",true,false,null],"
                   "\"c\":{\"d\":null},\"e\":[],\"f\":{},\"g\":-42,"
                   "\"h\":1.5,\"i\":\"s\xc3\xa5\",\"j\":[[],{}],"
                   "\"k\":1099511627776}");
  expect_text("[]", "[]");
  expect_text("{}", "{}");
  expect_text("\"plain\"", "\"plain\"");
  expect_text("12", "12");
  expect_text("null", "null");
  /* member order is sorted, whatever order the input had */
  expect_text("{\"b\":1,\"a\":2}", "{\"a\":2,\"b\":1}");
}

static void test_numbers(void **state)
{
  expect_text("{\"op\":\"type\",\"v\":12}", "\"integer\"");
  expect_text("{\"op\":\"type\",\"v\":-3}", "\"integer\"");
  expect_text("{\"op\":\"type\",\"v\":1.5}", "\"float\"");
  expect_text("{\"op\":\"type\",\"v\":1e300}", "\"float\"");
  expect_text("{\"op\":\"type\",\"v\":9007199254740992}", "\"integer\"");
  expect_text("{\"op\":\"type\",\"v\":18014398509481984}", "\"float\"");
  expect_error("{\"op\":\"big\"}", "too large for JSON");
}

static void test_null_and_markers(void **state)
{
  expect_text("{\"op\":\"isnull\",\"v\":null}", "true");
  expect_text("{\"op\":\"isnull\"}", "false"); /* absent is nil, not null */
  expect_text("{\"op\":\"mt\",\"v\":{}}", "\"cg.object\"");
  expect_text("{\"op\":\"mt\",\"v\":[]}", "\"cg.array\"");
  expect_text("{\"op\":\"isarr\",\"v\":{}}", "[true,true,false,false]");
  expect_text("{\"op\":\"remark\",\"v\":[]}", "{}");
  expect_error("{\"op\":\"badmark\"}", "already has a metatable");
  expect_text("{\"op\":\"lua\"}",
              "{\"a\":2,\"arr\":[3,2,1],\"b\":1,\"c\":{\"y\":null,\"z\":1},"
              "\"e\":[],\"ea\":[],\"f\":1099511627776,\"i\":3,"
              "\"o\":{},\"s\":\"åäö\",\"t\":true}");
}

/* Nested arrays n deep: [[[...]]] */
static char *nested(int n)
{
  char *s = cg_malloc((size_t)n * 2 + 1);
  for (int i = 0; i < n; i++) {
    s[i] = '[';
    s[2 * n - 1 - i] = ']';
  }
  s[2 * n] = '\0';
  return s;
}

static void test_depth_limits(void **state)
{
  char *ok = nested(30);
  expect_text(ok, ok);
  cg_free(ok);
  char *deep = nested(40);
  expect_error(deep, "nested deeper than 32");
  cg_free(deep);
  expect_error("{\"op\":\"cycle\"}", "nested deeper than 32");
  expect_error("{\"op\":\"deep\",\"v\":100}", "nested deeper than 32");
  expect_text("{\"op\":\"deep\",\"v\":2}", "[[[]]]");
  /* the state is fine afterwards */
  expect_text("{\"a\":1}", "{\"a\":1}");
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_numbers),
      cmocka_unit_test(test_null_and_markers),
      cmocka_unit_test(test_depth_limits),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
