/*
 * Unit: the one exception path (core/flows/exceptions.c). A raise
 * supersedes the entity's other open problems; inside a transaction it is
 * part of it, outside any it takes one of its own, so a raise that fails
 * after its supersede leaves the old problem open instead of the entity
 * with none.
 */
#include "store_fixture.h"

#include "flows/exceptions.h"
#include "flows/flow.h"

#include <string.h>

/* The open exceptions of order 1001: how many, and the first's type. */
static size_t open_of(struct fx *f, char *type, size_t size)
{
  struct cg_store_exception_filter flt = {
      .state = "open", .entity_kind = "order", .entity_key = "1001"};
  struct cg_store_exception_list list = {0};
  assert_int_equal(cg_store_exception_list(f->s, &flt, &list, NULL), 0);
  size_t n = list.n;
  snprintf(type, size, "%s", n ? list.items[0].type : "");
  cg_store_exception_list_clear(&list);
  return n;
}

static void test_raise_supersedes(void **state)
{
  struct fx *f = *state;
  struct cg_flow flow = {.merchant = "t", .store = f->s};
  char type[32];
  assert_int_equal(cg_flow_raise(&flow, "UNKNOWN_SKU", "order", "1001",
                                 "SKU X is not in the item master", NULL, NULL),
                   0);
  assert_int_equal(cg_flow_raise(&flow, "INVALID_ADDRESS", "order", "1001",
                                 "no street", NULL, NULL),
                   0);
  assert_int_equal(open_of(f, type, sizeof(type)), 1);
  assert_string_equal(type, "INVALID_ADDRESS");
}

/* Outside a transaction: the failed raise (no message) undoes its
 * supersede. */
static void test_failed_raise_keeps_the_old_problem(void **state)
{
  struct fx *f = *state;
  struct cg_flow flow = {.merchant = "t", .store = f->s};
  struct cg_err err = {0};
  char type[32];
  assert_int_equal(cg_flow_raise(&flow, "UNKNOWN_SKU", "order", "1001",
                                 "SKU X is not in the item master", NULL, NULL),
                   0);
  assert_int_equal(cg_flow_raise(&flow, "INVALID_ADDRESS", "order", "1001",
                                 NULL, NULL, &err),
                   CG_EINVAL);
  assert_non_null(strstr(err.msg, "message"));
  assert_false(cg_store_in_any_tx(f->s));
  assert_int_equal(open_of(f, type, sizeof(type)), 1);
  assert_string_equal(type, "UNKNOWN_SKU");
}

/* Inside one: the raise is the caller's, undone with its rollback. */
static void test_raise_inside_a_transaction_is_the_callers(void **state)
{
  struct fx *f = *state;
  struct cg_flow flow = {.merchant = "t", .store = f->s};
  char type[32];
  assert_int_equal(cg_store_begin(f->s, NULL), 0);
  assert_int_equal(cg_flow_raise(&flow, "UNKNOWN_SKU", "order", "1001",
                                 "SKU X is not in the item master", NULL, NULL),
                   0);
  assert_true(cg_store_in_tx(f->s));
  cg_store_rollback(f->s, NULL);
  assert_int_equal(open_of(f, type, sizeof(type)), 0);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_raise_supersedes, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(test_failed_raise_keeps_the_old_problem,
                                      fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(
          test_raise_inside_a_transaction_is_the_callers, fx_setup,
          fx_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
