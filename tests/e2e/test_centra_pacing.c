/*
 * End to end: Centra's QUERY_COMPLEXITY budget is paced, never spent.
 * The simulated Centra gets a complexity quota (--centra-complexity-budget)
 * well below what the engine's intake of a burst of 800 orders asks: the
 * events pages grow to 200 orders while they come back full, and each
 * costs about a third of the quota (Centra prices a page by its limit).
 * The engine reads the quota from rateLimits, charges each request an
 * estimate before sending and settles it with the answer's
 * extensions.complexity. Every order reaches the warehouse, the intake
 * spends more than one window's quota (so it ran into the budget), and
 * the simulator refuses no request for complexity.
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

static void test_complexity_paced(void **state)
{
  struct e2e t;
  char *scenario = e2e_scenario(800, 1);
  /* Only complexity is scarce here: 800 marks at the default 20
   * mutations per 10 s would take minutes. */
  const char *const sim_args[] = {"--centra-complexity-budget", "40000",
                                  "--centra-mutation-budget", "100000", NULL};
  /* The poll is off: the events queue alone brings the orders in. */
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
  long limited = sim_complexity(&t, "rateLimited.complexity");
  long admitted = sim_complexity(&t, "complexity.admitted");
  long largest = sim_complexity(&t, "complexity.largest");
  fprintf(stderr,
          "complexity: %ld admitted, largest request %ld, %ld refused "
          "(quota %d per 10 s)\n",
          admitted, largest, limited, BUDGET);
  assert_int_equal(limited, 0);
  assert_true(admitted > BUDGET); /* more than a window: it was paced */
  assert_int_equal(sim_complexity(&t, "count"), 0);
  /* A page of events may cost more than the engine's burst (a quarter of
   * the quota): it waits for a full bucket and leaves a debt, and still
   * fits the quota. */
  assert_true(largest <= BUDGET);
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
