/*
 * End to end (issue 9): 30% of Centra's answers to writes (mutations) are
 * 429 or 500 while the warehouse ships 12 orders, under Centra's default
 * mutation budget (20 per 10 s in the simulator). Every consignment still
 * becomes exactly one completed Centra shipment with one e-mail, no
 * request goes to Centra before the Retry-After it was given, and the
 * mutation budget is never exceeded (the simulator refused none for it).
 */
#include "e2e.h"
#include "e2e_dispatch.h"

#include "base/json.h"
#include "base/mem.h"
#include "testutil.h"

#include <stdio.h>

#define ORDERS 12

static void test_centra_faults(void **state)
{
  struct e2e t;
  char *scenario = e2e_scenario(ORDERS, 0);
  struct e2e_opts o = {.scenario_json = scenario, .seed = 59};
  e2e_setup(&t, &o);
  cg_free(scenario);
  e2e_engine_start(&t);
  if (!dispatch_wait_accepted(&t, ORDERS, 60))
    fail_msg("orders not accepted; see %s", t.dir);
  dispatch_post_ok(&t, 'c', "/_sim/faults",
                   "{\"rules\": [{\"path\": \"/graphql*\", "
                   "\"operation\": \"mutation\", \"share429\": 0.15,"
                   " \"share500\": 0.15, \"retryAfter\": 1}]}");
  dispatch_all(&t);
  /* A consignment is three writes, each of which may fail; an attempt
   * that committed a step starts the backoff again. */
  if (!dispatch_wait_all_shipped(&t, 240))
    fail_msg("dispatches did not settle under faults; see %s", t.dir);
  assert_int_equal(dispatch_verify(&t), ORDERS);
  cJSON *calls = e2e_get(&t, 'c', "/_sim/calls?side=centra&limit=1");
  long faults = (long)(cg_json_int(calls, "counts.429", 0) +
                       cg_json_int(calls, "counts.500", 0));
  fprintf(stderr, "%ld Centra answers were 429 or 500\n", faults);
  assert_true(faults > 0);
  cJSON_Delete(calls);
  e2e_expect_centra_paced(&t);
  e2e_engine_stop(&t);
  e2e_teardown(&t);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_centra_faults),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
