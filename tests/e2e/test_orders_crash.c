/*
 * End to end: the engine is killed with SIGKILL at random points (at
 * least 20 times) during a 1,000-order run and restarted each time.
 * Afterwards every good order is at the warehouse exactly once (no
 * duplicate creation, none lost), every bad one is held, and the store
 * passes PRAGMA integrity_check.
 */
#include "e2e.h"
#include "e2e_orders.h"

#include "base/err.h"
#include "base/mem.h"
#include "base/rand.h"
#include "testutil.h"

#include <stdio.h>
#include <unistd.h>

#define KILLS 20

static void test_sigkill_restarts(void **state)
{
  struct e2e t;
  char *scenario = e2e_scenario(1000, 4);
  struct e2e_opts o = {.scenario_json = scenario, .seed = 23};
  e2e_setup(&t, &o);
  cg_free(scenario);
  struct orders_expect x;
  orders_expect_read(&t, &x);
  struct cg_rand rng;
  cg_rand_seed(&rng, 4242);
  for (int i = 0; i < KILLS; i++) {
    e2e_engine_start(&t);
    /* Somewhere between start-up, intake, delivery and events. */
    usleep((useconds_t)(50 + cg_rand_below(&rng, 900)) * 1000);
    e2e_engine_kill(&t);
  }
  fprintf(stderr, "killed %d times; warehouse has %ld of %ld good orders\n",
          KILLS, e2e_wms_orders(&t), x.good);
  e2e_engine_start(&t);
  if (!orders_wait_settled(&t, &x, 300))
    fail_msg("orders did not settle after restarts; see %s", t.dir);
  orders_verify(&t, &x);
  e2e_engine_stop(&t);
  e2e_check_integrity(&t);
  e2e_teardown(&t);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sigkill_restarts),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
