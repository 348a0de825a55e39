/*
 * Unit tests for the store's dispatch rows (schema v5): a consignment is
 * recorded once (its shipment id dedupes), its step, Centra id and hold
 * are written back, its lines count against its order's lines (others'
 * only, or those at one step), and its parcels keep their order.
 */
#include "store_fixture.h"

#include "store/store_dispatch.h"

#include <string.h>

static void insert(struct fx *f, const char *id, const char *order)
{
  struct cg_err err = {0};
  struct cg_store_dispatch d = {.shipment_id = (char *)id,
                                .order_number = (char *)order,
                                .payload = "{}",
                                .step = CG_STORE_DISPATCH_RECEIVED,
                                .stamp = "gxo:x"};
  assert_int_equal(cg_store_dispatch_insert(f->s, &d, &err), 0);
}

static void lines(struct fx *f, const char *id, long a, long b)
{
  struct cg_err err = {0};
  struct cg_store_count l[2] = {{.name = "11", .count = a},
                                {.name = "12", .count = b}};
  size_t n = b > 0 ? 2 : 1;
  assert_int_equal(cg_store_dispatch_lines_replace(f->s, id, l, n, &err), 0);
}

static int64_t qty(const struct cg_store_count_list *l, const char *name)
{
  for (size_t i = 0; i < l->n; i++)
    if (strcmp(l->items[i].name, name) == 0)
      return l->items[i].count;
  return 0;
}

static void test_once_and_steps(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  struct cg_store_dispatch d = {0};
  insert(f, "S1", "1000");
  struct cg_store_dispatch again = {.shipment_id = "S1",
                                    .order_number = "1000",
                                    .payload = "{\"other\":1}",
                                    .step = CG_STORE_DISPATCH_RECEIVED,
                                    .stamp = "gxo:S1"};
  assert_int_equal(cg_store_dispatch_insert(f->s, &again, &err), CG_EEXIST);
  assert_int_equal(cg_store_dispatch_get(f->s, "S1", &d, &err), 0);
  assert_string_equal(d.payload, "{}"); /* the first copy stays */
  assert_int_equal(d.step, CG_STORE_DISPATCH_RECEIVED);
  assert_int_equal(d.centra_id, 0);
  assert_int_equal(d.create_sent_at, 0);
  d.create_sent_at = 1234; /* a create sent, its answer not known */
  assert_int_equal(cg_store_dispatch_update(f->s, &d, &err), 0);
  cg_store_dispatch_clear(&d);
  assert_int_equal(cg_store_dispatch_get(f->s, "S1", &d, &err), 0);
  assert_int_equal(d.create_sent_at, 1234);
  assert_int_equal(d.step, CG_STORE_DISPATCH_RECEIVED);
  d.create_sent_at = 0;
  d.step = CG_STORE_DISPATCH_CREATED;
  d.centra_id = 77;
  d.captured = true;
  assert_int_equal(cg_store_dispatch_update(f->s, &d, &err), 0);
  cg_store_dispatch_clear(&d);
  assert_int_equal(cg_store_dispatch_get(f->s, "S1", &d, &err), 0);
  assert_int_equal(d.step, CG_STORE_DISPATCH_CREATED);
  assert_int_equal(d.centra_id, 77);
  assert_int_equal(d.create_sent_at, 0);
  assert_true(d.captured);
  assert_null(d.hold_reason);
  cg_store_dispatch_clear(&d);
  assert_int_equal(cg_store_dispatch_get(f->s, "S9", &d, &err), CG_ENOTFOUND);
  struct cg_store_dispatch none = {.shipment_id = "S9"};
  assert_int_equal(cg_store_dispatch_update(f->s, &none, &err), CG_ENOTFOUND);
}

static void test_lines_add_up(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  struct cg_store_count_list l = {0};
  insert(f, "S1", "1000");
  insert(f, "S2", "1000");
  insert(f, "S3", "2000");
  lines(f, "S1", 1, 2);
  lines(f, "S2", 3, 0);
  lines(f, "S3", 5, 5);
  assert_int_equal(
      cg_store_dispatch_order_lines(f->s, "1000", NULL, -1, &l, &err), 0);
  assert_int_equal(qty(&l, "11"), 4);
  assert_int_equal(qty(&l, "12"), 2);
  cg_store_count_list_clear(&l);
  assert_int_equal(
      cg_store_dispatch_order_lines(f->s, "1000", "S2", -1, &l, &err), 0);
  assert_int_equal(qty(&l, "11"), 1);
  cg_store_count_list_clear(&l);
  assert_int_equal(cg_store_dispatch_order_lines(f->s, "1000", NULL,
                                                 CG_STORE_DISPATCH_COMPLETED,
                                                 &l, &err),
                   0);
  assert_int_equal(l.n, 0); /* none completed yet */
  cg_store_count_list_clear(&l);
  lines(f, "S1", 1, 0); /* replaced, not added */
  assert_int_equal(cg_store_dispatch_lines(f->s, "S1", &l, &err), 0);
  assert_int_equal(l.n, 1);
  cg_store_count_list_clear(&l);
  assert_int_equal(cg_store_dispatch_lines_replace(f->s, "S1", NULL, 0, &err),
                   0);
  assert_int_equal(cg_store_dispatch_lines(f->s, "S1", &l, &err), 0);
  assert_int_equal(l.n, 0);
  struct cg_store_count bad = {.name = "11", .count = 0};
  assert_int_equal(cg_store_dispatch_lines_replace(f->s, "S1", &bad, 1, &err),
                   CG_EINVAL);
}

static void test_parcels(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  struct cg_store_dispatch_parcel_list l = {0};
  insert(f, "S1", "1000");
  struct cg_store_dispatch_parcel p1 = {"P1", "T1", "https://t/1"};
  struct cg_store_dispatch_parcel p2 = {"P2", NULL, NULL};
  assert_int_equal(cg_store_dispatch_parcel_put(f->s, "S1", 1, &p2, &err), 0);
  assert_int_equal(cg_store_dispatch_parcel_put(f->s, "S1", 0, &p1, &err), 0);
  assert_int_equal(cg_store_dispatch_parcel_put(f->s, "S1", 0, &p1, &err), 0);
  assert_int_equal(cg_store_dispatch_parcels(f->s, "S1", &l, &err), 0);
  assert_int_equal(l.n, 2);
  assert_string_equal(l.items[0].tracking_url, "https://t/1");
  assert_null(l.items[1].tracking_number);
  cg_store_dispatch_parcel_list_clear(&l);
  assert_string_equal(cg_store_dispatch_step_name(CG_STORE_DISPATCH_HELD),
                      "held");
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_once_and_steps, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(test_lines_add_up, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_parcels, fx_setup, fx_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
