/*
 * Unit: core/base/map.c against a plain array doing the same operations
 * (random puts, replaces and deletes over a small key space, so clusters
 * form and backward-shift deletion is exercised), plus the string and
 * integer wrappers and a map that grows from empty.
 */
#include "base/err.h"
#include "base/map.h"
#include "base/mem.h"
#include "base/rand.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include <cmocka.h>

#define KEYS 512

static void test_against_reference(void **state)
{
  (void)state;
  struct cg_map m = CG_MAP_INIT;
  static int slots[KEYS];
  void *ref[KEYS] = {0};
  struct cg_rand r;
  cg_rand_seed(&r, 42);
  for (int op = 0; op < 200000; op++) {
    int k = (int)cg_rand_below(&r, KEYS);
    char key[16];
    snprintf(key, sizeof(key), "k%d", k);
    if (cg_rand_below(&r, 3) == 0) {
      assert_ptr_equal(cg_map_del_str(&m, key), ref[k]);
      ref[k] = NULL;
    } else {
      assert_int_equal(cg_map_put_str(&m, key, &slots[k]), 0);
      ref[k] = &slots[k];
    }
    int probe = (int)cg_rand_below(&r, KEYS);
    snprintf(key, sizeof(key), "k%d", probe);
    assert_ptr_equal(cg_map_get_str(&m, key), ref[probe]);
  }
  size_t n = 0;
  for (int k = 0; k < KEYS; k++)
    n += ref[k] != NULL;
  assert_int_equal(m.n, n);
  cg_map_free(&m);
  assert_null(m.slots);
}

static void test_int_keys_and_growth(void **state)
{
  (void)state;
  struct cg_map m = CG_MAP_INIT;
  static int v;
  assert_null(cg_map_get_int(&m, 7)); /* empty: no table yet */
  for (int64_t i = 1; i <= 10000; i++)
    assert_int_equal(cg_map_put_int(&m, i * 1000003, &v), 0);
  assert_int_equal(m.n, 10000);
  assert_ptr_equal(cg_map_get_int(&m, 5000 * 1000003LL), &v);
  assert_null(cg_map_get_int(&m, 5));
  for (int64_t i = 1; i <= 10000; i += 2)
    assert_ptr_equal(cg_map_del_int(&m, i * 1000003), &v);
  assert_int_equal(m.n, 5000);
  assert_null(cg_map_get_int(&m, 1 * 1000003));
  assert_ptr_equal(cg_map_get_int(&m, 2 * 1000003), &v);
  assert_int_equal(cg_map_put_str(&m, NULL, &v), CG_EINVAL);
  cg_map_free(&m);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_against_reference),
      cmocka_unit_test(test_int_keys_and_growth),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
