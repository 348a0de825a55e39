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
 */
#include "e2e.h"
#include "e2e_orders.h"

#include "base/buf.h"
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

static bool log_has(const char *needle)
{
  char path[600];
  snprintf(path, sizeof(path), "%s/engine.log", T.dir);
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return false;
  struct cg_buf b = CG_BUF_INIT;
  char chunk[8192];
  size_t n;
  while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
    cg_buf_append(&b, chunk, n);
  fclose(f);
  bool found = b.data != NULL && strstr(b.data, needle) != NULL;
  cg_buf_free(&b);
  return found;
}

static void run_orders(long n, const char *extra_config)
{
  /* A budget that lets the export marks finish within the test, so the
   * events they cause are confirmed too. */
  static const char *const budget[] = {"--centra-mutation-budget", "1000",
                                       NULL};
  char *scenario = e2e_scenario(n, 2);
  struct e2e_opts o = {.scenario_json = scenario,
                       .seed = 23,
                       .extra_config = extra_config,
                       .sim_args = budget};
  e2e_setup(&T, &o);
  cg_free(scenario);
  struct orders_expect x;
  orders_expect_read(&T, &x);
  assert_int_equal(x.total, n);
  e2e_engine_start(&T);
  if (!orders_wait_settled(&T, &x, 240))
    fail_msg("orders did not settle; see %s/engine.log", T.dir);
  orders_verify(&T, &x);
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
  assert_true(log_has("centra.events is off"));
  e2e_engine_stop(&T);
  e2e_teardown(&T);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_events_only),
      cmocka_unit_test(test_events_off),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
