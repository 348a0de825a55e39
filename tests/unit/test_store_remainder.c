/*
 * Unit tests for the store's remainders and capture policies (schema
 * v6): a remainder is recorded once (its id dedupes), its step and hold
 * are written back, its lines add up per order (by event, by step), the
 * warehouse's shipped figures are kept apart, and a consignment's capture
 * policy and Centra's warning are kept.
 */
#include "store_fixture.h"

#include "store/store_dispatch.h"
#include "store/store_remainder.h"

#include <string.h>

static void insert(struct fx *f, const char *id, const char *order,
                   const char *event)
{
  struct cg_err err = {0};
  struct cg_store_remainder r = {.id = (char *)id,
                                 .order_number = (char *)order,
                                 .event = (char *)event,
                                 .payload = "{}",
                                 .step = CG_STORE_REMAINDER_RECEIVED};
  assert_int_equal(cg_store_remainder_insert(f->s, &r, &err), 0);
}

static int64_t qty(const struct cg_store_count_list *l, const char *name)
{
  for (size_t i = 0; i < l->n; i++)
    if (strcmp(l->items[i].name, name) == 0)
      return l->items[i].count;
  return -1;
}

static void test_once_and_steps(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  struct cg_store_remainder r = {0};
  insert(f, "closed:1000", "1000", "order.closed");
  struct cg_store_remainder again = {.id = "closed:1000",
                                     .order_number = "1000",
                                     .event = "order.closed",
                                     .payload = "{\"other\":1}"};
  assert_int_equal(cg_store_remainder_insert(f->s, &again, &err), CG_EEXIST);
  assert_int_equal(cg_store_remainder_get(f->s, "closed:1000", &r, &err), 0);
  assert_string_equal(r.payload, "{}");
  assert_int_equal(r.step, CG_STORE_REMAINDER_RECEIVED);
  r.step = CG_STORE_REMAINDER_HELD;
  r.hold_reason = cg_strdup("SHORT_SHIPPED");
  assert_int_equal(cg_store_remainder_update(f->s, &r, &err), 0);
  cg_store_remainder_clear(&r);
  assert_int_equal(cg_store_remainder_get(f->s, "closed:1000", &r, &err), 0);
  assert_int_equal(r.step, CG_STORE_REMAINDER_HELD);
  assert_string_equal(r.hold_reason, "SHORT_SHIPPED");
  cg_store_remainder_clear(&r);
  assert_int_equal(cg_store_remainder_get(f->s, "x", &r, &err), CG_ENOTFOUND);
  struct cg_store_remainder bad = {.id = "a",
                                   .order_number = "1",
                                   .event = "order.shipped",
                                   .payload = "{}"};
  assert_int_equal(cg_store_remainder_insert(f->s, &bad, &err), CG_EDB);
}

static void test_lines_add_up(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  struct cg_store_count_list l = {0};
  insert(f, "closed:1000", "1000", "order.closed");
  insert(f, "cancelled:e1", "1000", "order.cancelled");
  insert(f, "cancelled:e2", "1000", "order.cancelled");
  insert(f, "cancelled:e3", "2000", "order.cancelled");
  assert_int_equal(
      cg_store_remainder_line_put(f->s, "closed:1000", "11", 2, 1, &err), 0);
  assert_int_equal(
      cg_store_remainder_line_put(f->s, "cancelled:e1", "11", 1, -1, &err), 0);
  assert_int_equal(
      cg_store_remainder_line_put(f->s, "cancelled:e2", "11", 1, -1, &err), 0);
  assert_int_equal(
      cg_store_remainder_line_put(f->s, "cancelled:e3", "11", 5, -1, &err), 0);
  assert_int_equal(
      cg_store_remainder_line_put(f->s, "cancelled:e1", "12", 0, -1, &err),
      CG_EINVAL);
  assert_int_equal(cg_store_remainder_order_sum(f->s, "1000", "order.cancelled",
                                                -1, &l, &err),
                   0);
  assert_int_equal(qty(&l, "11"), 2);
  cg_store_count_list_clear(&l);
  assert_int_equal(
      cg_store_remainder_order_sum(f->s, "1000", NULL, -1, &l, &err), 0);
  assert_int_equal(qty(&l, "11"), 4);
  cg_store_count_list_clear(&l);
  assert_int_equal(cg_store_remainder_order_sum(f->s, "1000", NULL,
                                                CG_STORE_REMAINDER_CANCELLED,
                                                &l, &err),
                   0);
  assert_int_equal(l.n, 0); /* none settled yet */
  cg_store_count_list_clear(&l);
  assert_int_equal(cg_store_remainder_order_shipped(f->s, "1000", &l, &err), 0);
  assert_int_equal(l.n, 1);
  assert_int_equal(qty(&l, "11"), 1);
  cg_store_count_list_clear(&l);
  assert_int_equal(cg_store_remainder_lines(f->s, "closed:1000", &l, &err), 0);
  assert_int_equal(qty(&l, "11"), 2);
  cg_store_count_list_clear(&l);
}

static void test_capture_policy(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  char *policy = NULL, *warning = NULL;
  struct cg_store_dispatch d = {.shipment_id = "S1",
                                .order_number = "1000",
                                .payload = "{}",
                                .step = CG_STORE_DISPATCH_RECEIVED,
                                .stamp = "gxo:S1"};
  assert_int_equal(cg_store_dispatch_insert(f->s, &d, &err), 0);
  assert_int_equal(cg_store_capture_get(f->s, "S1", &policy, &warning, &err),
                   CG_ENOTFOUND);
  assert_int_equal(cg_store_capture_note(f->s, "S1", "w", &err), CG_ENOTFOUND);
  assert_int_equal(cg_store_capture_put(f->s, "S1", "on_shipment", &err), 0);
  assert_int_equal(cg_store_capture_note(f->s, "S1", "declined", &err), 0);
  assert_int_equal(cg_store_capture_put(f->s, "S1", "manual", &err), 0);
  assert_int_equal(cg_store_capture_get(f->s, "S1", &policy, &warning, &err),
                   0);
  assert_string_equal(policy, "manual");
  assert_string_equal(warning, "declined");
  cg_free(policy);
  cg_free(warning);
  assert_int_equal(cg_store_capture_put(f->s, "S1", "later", &err), CG_EDB);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_once_and_steps, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(test_lines_add_up, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_capture_policy, fx_setup,
                                      fx_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
