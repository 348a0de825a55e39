/*
 * Allocation failure injection for core/rules (curl torture style): every
 * Nth allocation fails while a generation loads or while the order plan
 * runs. Nothing may crash or leak (ASan), errors are clean, and a loaded
 * generation answers normally once allocations succeed again.
 */
#include "test_rules_kit.h"

/* 0..199 one by one, then in steps of 4%. */
static long next_n(long n)
{
  return n < 200 ? n + 1 : n + n / 25;
}

static void test_load_under_failures(void **state)
{
  struct cg_rules_opts o = kit_opts("alloc", kit_src("rules/default"));
  long loaded = 0, failed = 0;
  for (long n = 0; n < 400000; n = next_n(n)) {
    struct cg_rules_gen *g = NULL;
    struct cg_err err = {0};
    cg_mem_fail_after(n);
    int rc = cg_rules_gen_load(&o, 1, &g, &err);
    cg_mem_fail_after(-1);
    if (rc == 0) {
      loaded++;
      cg_rules_gen_release(g);
      break; /* n is past every allocation of a load */
    }
    assert_null(g);
    assert_true(rc == CG_ENOMEM || rc == CG_ERULE || rc == CG_EIO);
    failed++;
  }
  assert_int_equal(loaded, 1);
  assert_true(failed > 200);
}

static void test_plan_under_failures(void **state)
{
  struct cg_rules_gen *g = kit_load("alloc", kit_src("rules/default"));
  cJSON *order = kit_order();
  long ok = 0;
  for (long n = 0; n < 100000 && ok == 0; n = next_n(n)) {
    struct cg_plan plan;
    struct cg_err err = {0};
    cg_mem_fail_after(n);
    int rc = cg_plan_order(g, order, &plan, &err);
    cg_mem_fail_after(-1);
    if (rc == 0) {
      assert_int_equal(plan.outcome, CG_PLAN_SEND);
      ok++;
    } else {
      assert_true(rc == CG_ENOMEM || rc == CG_ERULE);
      assert_null(plan.payload);
    }
    cg_plan_clear(&plan);
    /* the generation is still fine */
    rc = cg_plan_order(g, order, &plan, &err);
    if (rc != 0)
      fail_msg("after failing allocation %ld: %s", n, err.msg);
    cg_plan_clear(&plan);
  }
  assert_int_equal(ok, 1);
  cJSON_Delete(order);
  cg_rules_gen_release(g);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_load_under_failures),
      cmocka_unit_test(test_plan_under_failures),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
