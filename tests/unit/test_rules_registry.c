/*
 * Unit tests for core/rules as a generic engine: it knows the hooks and
 * plans its caller registers and nothing else (rules.h "what the caller
 * registers"). A made-up module "m" with its own scripts/ folder stands
 * for a flow; the flows' real hooks are never registered in this binary
 * (kit_opts would register them, so this file builds its options itself).
 * The tests share one process-wide registry and run in order: the first
 * one needs it empty.
 */
#include "test_rules_kit.h"

static char *scripts;

/* "m.ok" must return a number; no reason given, so the message says
 * "expected <about>". */
static int check_number(cJSON **out, char *why, size_t size)
{
  return cJSON_IsNumber(*out) ? 0 : -1;
}

/* "m.wrap" results become {value = result}: checks may normalise. */
static int check_wrap(cJSON **out, char *why, size_t size)
{
  cJSON *o = cJSON_CreateObject();
  if (o == NULL) {
    snprintf(why, size, "out of memory");
    return -1;
  }
  cJSON_AddItemToObject(o, "value", *out);
  *out = o;
  return 0;
}

static const struct cg_rules_hook hooks[] = {
    {"m.ok", check_number, "a number"},
    {"m.wrap", check_wrap, "anything"},
    {"m.free", NULL, "anything"},
    {NULL, NULL, NULL},
};

static int setup(void **state)
{
  scripts = tu_tmpdir("scripts");
  kit_write(scripts, "cg/m.lua",
            "return { ok = function() return 1 end,\n"
            "         wrap = function(x) return x end,\n"
            "         free = function() return 'free' end }\n");
  return 0;
}

static int teardown(void **state)
{
  kit_unpack(scripts);
  return 0;
}

static int load(const char *dir, struct cg_rules_gen **g, struct cg_err *err)
{
  struct cg_rules_opts o = {
      .merchant = "reg", .pack_dir = dir, .scripts_dir = scripts};
  return cg_rules_gen_load(&o, 1, g, err);
}

static void test_nothing_registered(void **state)
{
  char *dir = kit_pack(NULL);
  struct cg_rules_gen *g = NULL;
  struct cg_err err = {0};
  assert_int_equal(load(dir, &g, &err), CG_EINVAL);
  assert_null(g);
  assert_non_null(strstr(err.msg, "no hooks registered"));
  kit_unpack(dir);
}

static void test_bad_registrations(void **state)
{
  static const struct cg_rules_hook bad[] = {{"nodot", NULL, "x"},
                                             {NULL, NULL, NULL}};
  static const struct cg_rules_hook empty[] = {{".x", NULL, "x"},
                                               {NULL, NULL, NULL}};
  assert_int_equal(cg_rules_register_hooks(bad), CG_EINVAL);
  assert_int_equal(cg_rules_register_hooks(empty), CG_EINVAL);
  struct cg_rules_plan_spec no_run = {.name = "p", .hooks = 1, .about = "p"};
  assert_int_equal(cg_rules_register_plan(&no_run), CG_EINVAL);
  assert_null(cg_rules_plan_find("p"));
  assert_int_equal(cg_rules_register_hooks(hooks), 0);
  assert_int_equal(cg_rules_register_hooks(hooks), 0); /* idempotent */
}

/* Only the registered module is loaded: a broken file of another name
 * is never read, and a pack without m.lua gets the default's hooks. */
static void test_checks_run_on_results(void **state)
{
  char *dir = kit_pack("m.lua", "return { ok = function() return 'x' end }\n",
                       "other.lua", "return 42 +\n", NULL);
  struct cg_rules_gen *g = NULL;
  struct cg_err err = {0};
  assert_int_equal(load(dir, &g, &err), 0);
  cJSON *out = NULL;
  assert_int_equal(kit_call(g, "m.ok", NULL, &out, &err), CG_ERULE);
  assert_non_null(
      strstr(err.msg, "m.ok returned a bad shape: expected a number"));
  assert_non_null(strstr(err.msg, "reg/m.lua:1"));
  char *text = kit_call_text(g, "m.wrap", "[1]", &err);
  assert_string_equal(text, "{\"value\":[1]}");
  cg_free(text);
  text = kit_call_text(g, "m.free", NULL, &err);
  assert_string_equal(text, "\"free\"");
  cg_free(text);
  cg_rules_gen_release(g);
  kit_unpack(dir);
}

static void test_registered_hook_must_exist(void **state)
{
  char *dir = kit_pack("m.lua", "return { ok = 1 }\n", NULL);
  struct cg_rules_gen *g = NULL;
  struct cg_err err = {0};
  assert_int_equal(load(dir, &g, &err), CG_ERULE);
  assert_non_null(strstr(err.msg, "hook m.ok must be a function"));
  kit_unpack(dir);
}

static int run_wrap(struct cg_rules_gen *g, const cJSON *input, cJSON **out,
                    struct cg_err *err)
{
  return cg_rules_call(g, "m.wrap", input, out, err);
}

static void test_plans(void **state)
{
  static const struct cg_rules_plan_spec one = {
      .name = "p", .hooks = 1, .run = run_wrap, .about = "first"};
  static const struct cg_rules_plan_spec two = {
      .name = "p", .hooks = 2, .run = run_wrap, .about = "second"};
  assert_int_equal(cg_rules_register_plan(&one), 0);
  assert_ptr_equal(cg_rules_plan_find("p"), &one);
  assert_int_equal(cg_rules_register_plan(&two), 0); /* replaces */
  assert_ptr_equal(cg_rules_plan_find("p"), &two);
  assert_null(cg_rules_plan_find("q"));
  assert_null(cg_rules_plan_find(NULL));
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_nothing_registered),
      cmocka_unit_test(test_bad_registrations),
      cmocka_unit_test(test_checks_run_on_results),
      cmocka_unit_test(test_registered_hook_must_exist),
      cmocka_unit_test(test_plans),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
