/*
 * End to end: how orders reach the engine from the strict simulated
 * Centra (every request validated against the schema), per store setting.
 *
 *   events only   poll off, no webhook hints: 500 orders arrive through
 *                 the events queue alone (the order rides on the event),
 *                 each reaches the warehouse exactly once, every event is
 *                 confirmed
 *   events off    centra.events = false: the engine never touches the
 *                 queue, says so at start, and the poll carries the orders
 *   autoconfirm   the shop confirms orders by hand: PENDING orders are not
 *   off           exported until someone confirms them in Centra, then
 *                 each reaches the warehouse once
 *   direct to     Centra moves paid orders to PROCESSING with its own
 *   shipment      good-to-go shipment: the engine exports them, and makes
 *                 no shipment of its own
 */
#include "e2e.h"
#include "e2e_orders.h"

#include "base/json.h"
#include "base/mem.h"
#include "testutil.h"

#include <stdio.h>
#include <string.h>

static struct e2e T;

/* Order events in the simulated queue: total and confirmed. */
static void count_events(long *total, long *confirmed)
{
  cJSON *doc = e2e_get(&T, 'c', "/_sim/centra/events");
  const cJSON *list = cJSON_IsArray(doc) ? doc : cg_json_get(doc, "events");
  const cJSON *ev;
  *total = *confirmed = 0;
  cJSON_ArrayForEach(ev, list)
  {
    const char *type = cg_json_str(ev, "objectType");
    if (type == NULL || strcmp(type, "Order") != 0)
      continue;
    (*total)++;
    *confirmed += cg_json_bool(ev, "confirmed", false);
  }
  cJSON_Delete(doc);
}

static bool all_confirmed(struct e2e *t, void *arg)
{
  long total, confirmed;
  count_events(&total, &confirmed);
  return total > 0 && confirmed == total;
}

/* A budget that lets the export marks finish within the test, so the
 * events they cause are confirmed too. */
#define SIM_BUDGET "--centra-mutation-budget", "1000"

static void setup(long n, long bad_each, const char *extra_config,
                  const char *const *sim_args)
{
  char *scenario = e2e_scenario(n, bad_each);
  struct e2e_opts o = {.scenario_json = scenario,
                       .seed = 23,
                       .extra_config = extra_config,
                       .sim_args = sim_args};
  e2e_setup(&T, &o);
  cg_free(scenario);
}

static void settle(struct orders_expect *x)
{
  if (!orders_wait_settled(&T, x, 240))
    fail_msg("orders did not settle; see %s/engine.log", T.dir);
  orders_verify(&T, x);
}

static void run_orders(long n, const char *extra_config)
{
  static const char *const args[] = {SIM_BUDGET, NULL};
  setup(n, 2, extra_config, args);
  struct orders_expect x;
  orders_expect_read(&T, &x);
  assert_int_equal(x.total, n);
  e2e_engine_start(&T);
  settle(&x);
}

/* The simulated orders' numbers and statuses. */
static long orders_with_status(const char *status, int64_t *numbers, long max)
{
  cJSON *doc = e2e_get(&T, 'c', "/_sim/centra/orders");
  const cJSON *list = cJSON_IsArray(doc) ? doc : cg_json_get(doc, "orders");
  const cJSON *o;
  long n = 0;
  cJSON_ArrayForEach(o, list)
  {
    const char *st = cg_json_str(o, "status");
    if (st != NULL && strcmp(st, status) == 0 && n < max)
      numbers[n++] = cg_json_int(o, "number", 0);
  }
  cJSON_Delete(doc);
  return n;
}

static bool ignored_at_least(struct e2e *t, void *arg)
{
  return e2e_metric(t, "cg_orders_ignored_total") >= *(long *)arg;
}

static void test_events_only(void **state)
{
  run_orders(500, "merchants[1].schedules.poll_orders = 0\n");
  if (!e2e_wait(&T, 60, all_confirmed, NULL))
    fail_msg("not every Order event was confirmed");
  assert_true(e2e_metric(&T, "cg_events_centra_total") >= 500);
  e2e_engine_stop(&T);
  e2e_teardown(&T);
}

static void test_events_off(void **state)
{
  run_orders(60, "merchants[1].centra.events = false\n");
  long total, confirmed;
  count_events(&total, &confirmed);
  assert_true(total >= 60);
  assert_int_equal(confirmed, 0); /* the queue was never touched */
  assert_true(e2e_log_has(&T, "centra.events is off"));
  e2e_engine_stop(&T);
  e2e_teardown(&T);
}

static void test_autoconfirm_off(void **state)
{
  static const char *const args[] = {SIM_BUDGET, "--centra-autoconfirm", "off",
                                     NULL};
  int64_t numbers[40];
  setup(30, 0, "merchants[1].centra.autoconfirm = false\n", args);
  long pending = orders_with_status("PENDING", numbers, 40);
  assert_int_equal(pending, 30);
  e2e_engine_start(&T);
  /* The engine has seen every PENDING order and let it be. */
  if (!e2e_wait(&T, 30, ignored_at_least, &pending))
    fail_msg("the engine did not see the pending orders");
  assert_int_equal(e2e_wms_orders(&T), 0);
  /* Someone confirms them in Centra. */
  for (long i = 0; i < pending; i++) {
    char path[96];
    snprintf(path, sizeof(path), "/_sim/centra/orders/%lld",
             (long long)numbers[i]);
    cJSON_Delete(e2e_post(&T, 'c', path, "{\"status\":\"CONFIRMED\"}"));
  }
  struct orders_expect x;
  orders_expect_read(&T, &x);
  settle(&x);
  e2e_engine_stop(&T);
  e2e_teardown(&T);
}

static void test_direct_to_shipment(void **state)
{
  static const char *const args[] = {SIM_BUDGET, "--centra-direct-to-shipment",
                                     "on", NULL};
  int64_t numbers[40];
  setup(30, 0, "merchants[1].centra.direct_to_shipment = true\n", args);
  assert_int_equal(orders_with_status("PROCESSING", numbers, 40), 30);
  cJSON *ships = e2e_get(&T, 'c', "/_sim/centra/shipments");
  const cJSON *list =
      cJSON_IsArray(ships) ? ships : cg_json_get(ships, "shipments");
  int before = cJSON_GetArraySize(list);
  cJSON_Delete(ships);
  assert_int_equal(before, 30);
  e2e_engine_start(&T);
  struct orders_expect x;
  orders_expect_read(&T, &x);
  settle(&x);
  /* Still Centra's one good-to-go shipment per order. */
  ships = e2e_get(&T, 'c', "/_sim/centra/shipments");
  list = cJSON_IsArray(ships) ? ships : cg_json_get(ships, "shipments");
  assert_int_equal(cJSON_GetArraySize(list), 30);
  cJSON_Delete(ships);
  e2e_engine_stop(&T);
  e2e_teardown(&T);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_events_only),
      cmocka_unit_test(test_events_off),
      cmocka_unit_test(test_autoconfirm_off),
      cmocka_unit_test(test_direct_to_shipment),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
