/*
 * End to end: a poll pass that the Centra budget interrupts goes on from
 * the page it stopped at. The simulated Centra's complexity quota holds
 * about one page of 100 orders per 10 s window and the events queue is
 * off, so the poll alone must bring in 250 orders, three pages. A pass
 * that restarted at page 1 after every budget refusal would read page 1
 * for ever and never see the third page.
 */
#include "e2e.h"
#include "e2e_orders.h"

#include "base/mem.h"
#include "testutil.h"

static void test_poll_resumes_after_budget(void **state)
{
  struct e2e t;
  char *scenario = e2e_scenario(250, 0);
  const char *const sim_args[] = {"--centra-complexity-budget", "9000", NULL};
  struct e2e_opts o = {.scenario_json = scenario,
                       .seed = 53,
                       .sim_args = sim_args,
                       .extra_config = "merchants[1].centra.events = false\n"
                                       "merchants[1].schedules.poll_orders = "
                                       "1\n"};
  e2e_setup(&t, &o);
  cg_free(scenario);
  struct orders_expect x;
  orders_expect_read(&t, &x);
  e2e_engine_start(&t);
  if (!orders_wait_settled(&t, &x, 180))
    fail_msg("the poll did not bring in every order under a small budget "
             "(%ld at the warehouse); see %s",
             e2e_wms_orders(&t), t.dir);
  orders_verify(&t, &x);
  e2e_engine_stop(&t);
  e2e_teardown(&t);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_poll_resumes_after_budget),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
