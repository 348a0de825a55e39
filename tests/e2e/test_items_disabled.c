/*
 * End to end: a merchant whose items are made outside the engine
 * (items.enabled = false). No item reaches the warehouse from the engine,
 * no catalogue is read for it, a sweep cannot be asked for, and orders
 * still go out exactly as the order tests expect: each SKU is looked up
 * at the warehouse, and an order with an unknown SKU is held as
 * UNKNOWN_SKU.
 */
#include "e2e.h"
#include "e2e_orders.h"

#include "base/json.h"
#include "base/mem.h"
#include "testutil.h"

static long wms_stat(struct e2e *t, const char *key)
{
  cJSON *doc = e2e_get(t, 'g', "/_sim/wms/stats");
  long v = (long)cg_json_int(doc, key, -1);
  cJSON_Delete(doc);
  return v;
}

static void test_items_disabled(void **state)
{
  (void)state;
  struct e2e t;
  struct orders_expect x;
  char *scenario = e2e_scenario(20, 1);
  struct e2e_opts o = {.scenario_json = scenario,
                       .extra_config = "merchants[1].items = "
                                       "{ enabled = false }"};
  e2e_setup(&t, &o);
  cg_free(scenario);
  orders_expect_read(&t, &x);
  assert_true(x.bad[2] >= 1);
  e2e_engine_start(&t);
  if (!orders_wait_settled(&t, &x, 180))
    fail_msg("orders did not settle without the items flow; see %s", t.dir);
  orders_verify(&t, &x);
  assert_int_equal(wms_stat(&t, "itemBatches"), 0);
  assert_int_equal(wms_stat(&t, "itemPuts"), 0);
  assert_true(wms_stat(&t, "itemGets") >= 1); /* the look-ups */
  const char *const auth[] = {"Authorization: Bearer e2e-admin-token", NULL};
  long status = e2e_post_status(&t, 'a', "/api/v1/merchants/shop/items/sweep",
                                auth, "{}");
  assert_int_equal(status, 409);
  e2e_engine_stop(&t);
  e2e_teardown(&t);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_items_disabled),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
