/*
 * Sandbox tests for core/rules: escape attempts, budgets, the memory
 * ceiling and the hostile packs in examples/packs/. Every failure must be
 * CG_ERULE with a file:line message, and the same state must answer a good
 * call right after; a good generation next to a hostile one keeps working.
 */
#include "test_rules_kit.h"

#include <lauxlib.h>
#include <lua.h>

static struct cg_rules_gen *good; /* rules/default, shared by all cases */

static int setup(void **state)
{
  good = kit_load("good", kit_src("rules/default"));
  return 0;
}

static int teardown(void **state)
{
  cg_rules_gen_release(good);
  return 0;
}

/* The reference order still plans to SEND on the good generation. */
static void assert_good_still_works(struct cg_rules_gen *g)
{
  cJSON *order = kit_order();
  struct cg_plan plan;
  struct cg_err err = {0};
  int rc = cg_plan_order(g, order, &plan, &err);
  if (rc != 0)
    fail_msg("good call failed: %s", err.msg);
  assert_int_equal(plan.outcome, CG_PLAN_SEND);
  cg_plan_clear(&plan);
  cJSON_Delete(order);
}

/* A probe body must fail with CG_ERULE and a message containing want;
 * the probe state then answers a good call. */
static void expect_probe_error(const char *body, const char *want)
{
  char *dir;
  struct cg_rules_gen *g = kit_probe(body, &dir);
  struct cg_err err = {0};
  cJSON *out = NULL;
  int rc = kit_call(g, "orders.probe", "{\"n\":1}", &out, &err);
  if (rc != CG_ERULE || strstr(err.msg, want) == NULL)
    fail_msg("probe `%s`: rc %d, want '%s' in: %s", body, rc, want, err.msg);
  assert_null(out);
  if (strstr(err.msg, "probe/orders.lua:") == NULL)
    fail_msg("probe `%s`: no file:line in: %s", body, err.msg);
  char *s = kit_call_text(g, "carriers.map", "{\"uri\":\"x\"}", &err);
  assert_non_null(s);
  assert_string_equal(s, "null");
  cg_free(s);
  cg_rules_gen_release(g);
  kit_unpack(dir);
}

/* Each probe body must fail with CG_ERULE and a message containing want. */
static const struct {
  const char *body, *want;
} escapes[] = {
    {"return os.execute('id')", "unknown global 'os'"},
    {"return io.open('/etc/passwd')", "unknown global 'io'"},
    {"return debug.getinfo(1)", "unknown global 'debug'"},
    {"return load('return 1')()", "unknown global 'load'"},
    {"return loadstring('return 1')", "unknown global 'loadstring'"},
    {"return dofile('/etc/passwd')", "unknown global 'dofile'"},
    {"return loadfile('/etc/passwd')", "unknown global 'loadfile'"},
    {"return package.loaded", "unknown global 'package'"},
    {"return collectgarbage('count')", "unknown global 'collectgarbage'"},
    {"return coroutine.create(print)", "unknown global 'coroutine'"},
    {"return _G", "unknown global '_G'"},
    {"return require('io')", "module 'io' not found"},
    {"return require('debug')", "module 'debug' not found"},
    {"return require('../../etc/passwd')", "bad module name"},
    {"return string.dump(tostring)", "attempt to call a nil value"},
    {"return string.pack('i4', 1)", "attempt to call a nil value"},
    {"return math.random()", "attempt to call a nil value"},
    {"leak = 1", "assignment to global 'leak'"},
    {"rawset(_ENV, 'leak', 1)", "unknown global 'rawset'"},
    {"setmetatable(_ENV, nil)", "protected metatable"},
    {"string.rep = function() end", "read-only table"},
    {"getmetatable('').__index = {}", "attempt to index a boolean"},
    {"setmetatable({}, { __gc = tostring })", "__gc metamethods"},
    {"local mt = { __gc = true }; setmetatable({}, mt)", "__gc"},
    {"return ('x'):rep(1 << 40)", "string.rep result"},
    {"return string.rep('ab', 1e7, ',')", "string.rep result"},
    {"return (('a'):rep(20000)):find('.-.-.-b')", "pattern too complex"},
    {"return (('a'):rep(20000)):gsub('a*b', '')", "pattern too complex"},
    {"return string.format('%099999d', 1)", "invalid conversion"},
    {"return table.move({}, 1, 1 << 50, 2)", "table.move of more than"},
    {"rules.orders = nil", "read-only table"},
    {"return require 'lib.nothere'", "module 'lib.nothere' not found"},
    /* Stack overflow or the memory ceiling; on a loaded machine the time
     * budget may come first: any of them, with the file and line. */
    {"local function f() return 1 + f() end return f()", "probe/orders.lua:"},
    {"error({})", "error object is a table value"},
    {"error(setmetatable({}, { __tostring = function() "
     "while true do end end }))",
     "error object is a table value"},
    {"return print", "unknown global 'print'"},
    {"return function() end", "cannot be converted to JSON"},
    {"local t = {} t.t = t return t", "nested deeper than"},
    {"return { 1, 2, x = 3 }", "mixes keys"},
    {"return { [1] = 1, [3] = 3 }", "mixes keys"},
    {"return 0/0", "not finite"},
    {"return 'a\\0b'", "NUL byte"},
    {"return _ENV", "cannot be converted to JSON"},
};

static void test_escapes_are_refused(void **state)
{
  for (size_t i = 0; i < sizeof(escapes) / sizeof(escapes[0]); i++)
    expect_probe_error(escapes[i].body, escapes[i].want);
  assert_good_still_works(good);
}

static void test_budget_pcall_cannot_swallow(void **state)
{
  expect_probe_error("while true do end", "instruction budget exceeded");
  expect_probe_error("while true do pcall(function() while true do end end) "
                     "end",
                     "instruction budget exceeded");
  expect_probe_error("local ok = false\n"
                     "repeat ok = pcall(error, 'x')\n"
                     "  xpcall(function() while true do end end,\n"
                     "         function() while true do end end)\n"
                     "until false",
                     "budget exceeded");
  /* The budget error carries the line that was running. */
  expect_probe_error("local i = 0\nwhile true do\n  i = i + 1\nend",
                     "probe/orders.lua:");
}

static void test_time_budget(void **state)
{
  char *dir =
      kit_pack("orders.lua",
               "return { probe = function() while true do end end }\n", NULL);
  struct cg_rules_opts o = kit_opts("probe", dir);
  o.call_instructions = UINT64_MAX / 2;
  o.call_timeout_ms = 30;
  struct cg_rules_gen *g = NULL;
  struct cg_err err = {0};
  assert_int_equal(cg_rules_gen_load(&o, 1, &g, &err), 0);
  cJSON *out = NULL;
  assert_int_equal(kit_call(g, "orders.probe", NULL, &out, &err), CG_ERULE);
  assert_non_null(strstr(err.msg, "time budget exceeded"));
  cg_rules_gen_release(g);
  kit_unpack(dir);
}

static void test_memory_ceiling(void **state)
{
  char *dir =
      kit_pack("orders.lua",
               "local M = {}\n"
               "function M.probe()\n"
               "  local t = {}\n"
               "  while true do t[#t + 1] = ('x'):rep(1 << 19) .. #t end\n"
               "end\n"
               "function M.small() return { n = 1 } end\n"
               "return M\n",
               NULL);
  struct cg_rules_opts o = kit_opts("probe", dir);
  o.mem_limit = 4u << 20;
  struct cg_rules_gen *g = NULL;
  struct cg_err err = {0};
  assert_int_equal(cg_rules_gen_load(&o, 1, &g, &err), 0);
  cJSON *out = NULL;
  assert_int_equal(kit_call(g, "orders.probe", NULL, &out, &err), CG_ERULE);
  assert_non_null(strstr(err.msg, "memory limit exceeded"));
  assert_true(cg_rules_gen_mem_used(g) <= o.mem_limit);
  char *s = kit_call_text(g, "orders.small", NULL, &err);
  assert_non_null(s);
  assert_string_equal(s, "{\"n\":1}");
  cg_free(s);
  /* A pack that cannot even load within the ceiling is refused. */
  cg_rules_gen_release(g);
  kit_unpack(dir);
}

static void test_load_budget(void **state)
{
  char *dir = kit_pack("orders.lua", "while true do end\n", NULL);
  struct cg_rules_opts o = kit_opts("probe", dir);
  struct cg_rules_gen *g = NULL;
  struct cg_err err = {0};
  assert_int_equal(cg_rules_gen_load(&o, 1, &g, &err), CG_ERULE);
  assert_non_null(strstr(err.msg, "budget exceeded"));
  assert_non_null(strstr(err.msg, "probe/orders.lua:1"));
  kit_unpack(dir);
}

static int cb_dump_writer(lua_State *L, const void *p, size_t n, void *ud)
{
  FILE *f = ud;
  return fwrite(p, 1, n, f) == n ? 0 : 1;
}

/* A real binary chunk as orders.lua is refused at load. */
static void test_bytecode_file_refused(void **state)
{
  char *dir = kit_pack("orders.lua", "-- replaced below\n", NULL);
  lua_State *L = luaL_newstate();
  assert_int_equal(luaL_loadstring(L, "return { accept = function() "
                                      "return { action = 'accept' } end }"),
                   LUA_OK);
  char path[1024];
  snprintf(path, sizeof(path), "%s/orders.lua", dir);
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(lua_dump(L, cb_dump_writer, f, 0), 0);
  fclose(f);
  lua_close(L);
  struct cg_rules_opts o = kit_opts("probe", dir);
  struct cg_rules_gen *g = NULL;
  struct cg_err err = {0};
  assert_int_equal(cg_rules_gen_load(&o, 1, &g, &err), CG_ERULE);
  assert_non_null(strstr(err.msg, "binary chunk"));
  kit_unpack(dir);
}

/* Every hostile pack loads, then fails its hooks as CG_ERULE with a
 * file:line message; the good generation keeps answering in between. */
/* Hostile packs and what their orders.accept / check_address raise. */
static const struct {
  const char *pack, *accept_err, *address_err;
} hostile[] = {
    {"infinite-loop", "instruction budget exceeded", NULL},
    {"pcall-loop", "budget exceeded", NULL},
    {"memory-bomb", "memory limit exceeded", NULL},
    {"os-execute", "unknown global 'os'", "module 'io' not found"},
    {"gc-finalizer", "__gc metamethods", "__gc metamethods"},
    {"string-bomb", "string.rep result", "pattern too complex"},
    {"bytecode", "unknown global 'load'", NULL},
    {"global-write", "assignment to global 'seen'", "unknown global 'rawset'"},
    {"returns-g", "unknown global '_G'", "cannot be converted to JSON"},
};

static void test_hostile_packs(void **state)
{
  cJSON *order = kit_order();
  for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
    char rel[128];
    snprintf(rel, sizeof(rel), "examples/packs/%s", hostile[i].pack);
    struct cg_rules_gen *g = kit_load("hostile", kit_src(rel));
    struct cg_plan plan;
    struct cg_err err = {0};
    int rc = cg_plan_order(g, order, &plan, &err);
    if (rc != CG_ERULE || strstr(err.msg, hostile[i].accept_err) == NULL)
      fail_msg("%s: rc %d, err %s", hostile[i].pack, rc, err.msg);
    assert_non_null(strstr(err.msg, "hostile/orders.lua:"));
    assert_string_equal(plan.label, cg_rules_gen_label(g));
    assert_good_still_works(good);
    if (hostile[i].address_err != NULL) {
      cJSON *problems = NULL;
      rc = cg_plan_address_check(g, order, &problems, &err);
      if (rc != CG_ERULE || strstr(err.msg, hostile[i].address_err) == NULL)
        fail_msg("%s address: rc %d, err %s", hostile[i].pack, rc, err.msg);
      assert_null(problems);
    }
    /* The hostile state itself is still usable for a default hook. */
    cJSON *out = NULL;
    assert_int_equal(kit_call(g, "carriers.map", "{\"uri\":\"x\"}", &out, &err),
                     0);
    cJSON_Delete(out);
    cg_rules_gen_release(g);
    assert_good_still_works(good);
  }
  cJSON_Delete(order);
}

/* examples/packs/hostile-mix (used end to end): orders ending in 0-3 fail
 * with their own limit, the others are planned to SEND. */
static void test_hostile_mix(void **state)
{
  static const char *const want[10] = {"instruction budget",
                                       "instruction budget",
                                       "memory limit",
                                       "unknown global 'os'",
                                       NULL,
                                       NULL,
                                       NULL,
                                       NULL,
                                       NULL,
                                       NULL};
  struct cg_rules_gen *g =
      kit_load("shop", kit_src("examples/packs/hostile-mix"));
  cJSON *order = kit_order();
  for (int k = 0; k < 10; k++) {
    cJSON_ReplaceItemInObject(order, "number", cJSON_CreateNumber(83650 + k));
    struct cg_plan plan;
    struct cg_err err = {0};
    int rc = cg_plan_order(g, order, &plan, &err);
    if (want[k] == NULL && (rc != 0 || plan.outcome != CG_PLAN_SEND))
      fail_msg("order %d: rc %d outcome %d: %s", k, rc, plan.outcome, err.msg);
    if (want[k] != NULL && (rc != CG_ERULE || !strstr(err.msg, want[k])))
      fail_msg("order %d: rc %d, '%s' not in %s", k, rc, want[k], err.msg);
    cg_plan_clear(&plan);
  }
  cJSON_Delete(order);
  cg_rules_gen_release(g);
}

/* Shape checks: a hook returning the wrong shape is a rule error naming
 * the hook and the line where it is defined. */
static void test_bad_shapes(void **state)
{
  char *dir = kit_pack(
      "orders.lua",
      "return {\n"
      "  accept = function() return { action = 'maybe' } end,\n"
      "  check_address = function() return 42 end,\n"
      "  payload = function() return { orderRef = '1' } end }\n",
      "carriers.lua",
      "return { map = function() return { carrierCode = 'X' } end }\n", NULL);
  struct cg_rules_gen *g = kit_load("shape", dir);
  cJSON *order = kit_order();
  struct cg_err err = {0};
  struct cg_plan_accept acc;
  assert_int_equal(cg_plan_accept(g, order, &acc, &err), CG_ERULE);
  assert_non_null(strstr(err.msg, "shape/orders.lua:2: orders.accept "
                                  "returned a bad shape"));
  cJSON *p = NULL;
  assert_int_equal(cg_plan_address_check(g, order, &p, &err), CG_ERULE);
  struct cg_plan_carrier car;
  assert_int_equal(cg_plan_carrier_map(g, NULL, order, &car, &err), CG_ERULE);
  assert_non_null(strstr(err.msg, "serviceCode is required"));
  snprintf(car.carrier_code, sizeof(car.carrier_code), "X");
  assert_int_equal(cg_plan_payload(g, order, &car, &p, &err), CG_ERULE);
  assert_non_null(strstr(err.msg, "orderDate"));
  assert_int_equal(kit_call(g, "orders.nope", NULL, &p, &err), CG_ENOTFOUND);
  assert_int_equal(kit_call(g, "nodot", NULL, &p, &err), CG_EINVAL);
  cJSON_Delete(order);
  cg_rules_gen_release(g);
  kit_unpack(dir);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_escapes_are_refused),
      cmocka_unit_test(test_budget_pcall_cannot_swallow),
      cmocka_unit_test(test_time_budget),
      cmocka_unit_test(test_memory_ceiling),
      cmocka_unit_test(test_load_budget),
      cmocka_unit_test(test_bytecode_file_refused),
      cmocka_unit_test(test_hostile_packs),
      cmocka_unit_test(test_hostile_mix),
      cmocka_unit_test(test_bad_shapes),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
