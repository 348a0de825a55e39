/*
 * End to end: Centra's QUERY_COMPLEXITY budget is paced, never spent.
 * The simulated Centra gets a complexity quota a few of the engine's
 * order pages fill (--centra-complexity-budget), so its events pulls (a
 * page of 100 orders every second in the e2e config) would overrun it. The
 * engine reads the quota from rateLimits, charges each request an estimate
 * before sending and settles it with the answer's extensions.complexity: a
 * batch of orders still reaches the warehouse, and while the engine keeps
 * pulling until the simulator has admitted three windows' worth of complexity
 * (its demand is several times the quota, so it runs at the quota), the
 * simulator refuses no request for complexity.
 */
#include "e2e.h"
#include "e2e_orders.h"

#include "base/json.h"
#include "base/mem.h"
#include "testutil.h"

#include <stdio.h>

#define BUDGET 40000

static long sim_complexity(struct e2e *t, const char *what)
{
  cJSON *doc = e2e_get(t, 'c', "/_sim/centra/refusals");
  long v = (long)cg_json_int(doc, what, -1);
  cJSON_Delete(doc);
  return v;
}

static bool three_windows(struct e2e *t, void *arg)
{
  return sim_complexity(t, "complexity.admitted") >= 3L * BUDGET;
}

static void test_complexity_paced(void **state)
{
  struct e2e t;
  char *scenario = e2e_scenario(150, 1);
  const char *const sim_args[] = {"--centra-complexity-budget", "40000", NULL};
  /* The poll is off: the events queue alone (a page each second) asks
   * about twice the quota. */
  struct e2e_opts o = {.scenario_json = scenario,
                       .seed = 47,
                       .sim_args = sim_args,
                       .extra_config =
                           "merchants[1].schedules.poll_orders = 0"};
  e2e_setup(&t, &o);
  cg_free(scenario);
  struct orders_expect x;
  orders_expect_read(&t, &x);
  e2e_engine_start(&t);
  if (!orders_wait_settled(&t, &x, 300))
    fail_msg("orders did not settle under a small complexity budget; see %s",
             t.dir);
  orders_verify(&t, &x);
  assert_true(e2e_wait(&t, 300, three_windows, NULL));
  long limited = sim_complexity(&t, "rateLimited.complexity");
  long admitted = sim_complexity(&t, "complexity.admitted");
  long largest = sim_complexity(&t, "complexity.largest");
  fprintf(stderr,
          "complexity: %ld admitted, largest request %ld, %ld refused "
          "(quota %d per 10 s)\n",
          admitted, largest, limited, BUDGET);
  assert_int_equal(limited, 0);
  assert_int_equal(sim_complexity(&t, "count"), 0);
  assert_true(largest <= BUDGET / 4); /* each fits the engine's burst */
  e2e_engine_stop(&t);
  e2e_teardown(&t);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_complexity_paced),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
