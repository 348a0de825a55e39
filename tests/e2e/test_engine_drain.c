/*
 * End to end: SIGTERM drains as documented (ARCHITECTURE §3). Intake stops
 * at once; warehouse calls already in flight (held by the simulator's
 * latency) finish and their outcomes are committed before the engine
 * exits 0, so nothing is left "inflight". With a grace period shorter than
 * the calls, the rest are cancelled when it ends, the engine still exits
 * 0, and a restart delivers every order exactly once.
 */
#include "e2e.h"
#include "e2e_orders.h"

#include "base/mem.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct e2e T;

static bool calls_started(struct e2e *t, void *arg)
{
  return e2e_metric(t, "cg_deliveries_total") >= 1;
}

/* `centra-gxo status` of the merchant, as an operator runs it. */
static void status(char *out, size_t size)
{
  char cmd[1200];
  snprintf(cmd, sizeof(cmd), "'%s/centra-gxo' status -c '%s' 2>&1",
           tu_build_dir(), T.config);
  FILE *p = popen(cmd, "r");
  assert_non_null(p);
  size_t n = fread(out, 1, size - 1, p);
  out[n] = '\0';
  pclose(p);
}

static void slow_warehouse(int latency_ms)
{
  char rules[200];
  snprintf(rules, sizeof(rules),
           "{\"replace\":true,\"rules\":[{\"method\":\"POST\",\"path\":"
           "\"/wms/v1/orders\",\"latencyMs\":%d}]}",
           latency_ms);
  cJSON_Delete(e2e_post(&T, 'g', "/_sim/faults", rules));
}

static void start_slow(const char *extra_config, int latency_ms)
{
  char *scenario = e2e_scenario(10, 0);
  struct e2e_opts o = {
      .scenario_json = scenario, .seed = 41, .extra_config = extra_config};
  e2e_setup(&T, &o);
  cg_free(scenario);
  slow_warehouse(latency_ms);
  e2e_engine_start(&T);
  if (!e2e_wait(&T, 30, calls_started, NULL))
    fail_msg("no warehouse call started; see %s", T.dir);
}

static void test_calls_in_flight_finish(void **state)
{
  start_slow(NULL, 1500);
  e2e_engine_stop(&T); /* SIGTERM while calls are held; exit status 0 */
  assert_true(e2e_log_has(&T, "drained; closing"));
  assert_false(e2e_log_has(&T, "grace period over"));
  assert_true(e2e_wms_orders(&T) >= 1);
  char out[2048];
  status(out, sizeof(out));
  /* The calls in flight at SIGTERM finished and were recorded: orders are
   * sent (cancelled calls would have left every one queued) and no row is
   * left inflight. Orders not started before SIGTERM stay queued. */
  const char *sent = strstr(out, " sent=");
  if (strstr(out, "inflight=0") == NULL || sent == NULL || atoi(sent + 6) < 1)
    fail_msg("calls did not finish in the drain:\n%s", out);
  e2e_teardown(&T);
}

static void test_grace_period_ends(void **state)
{
  start_slow("drain_grace_s = 1\n", 6000);
  e2e_engine_stop(&T);
  assert_true(e2e_log_has(&T, "grace period over: cancelling the rest"));
  /* Nothing is lost: a restart delivers every order exactly once. */
  slow_warehouse(0);
  e2e_engine_start(&T);
  struct orders_expect x;
  orders_expect_read(&T, &x);
  if (!orders_wait_settled(&T, &x, 120))
    fail_msg("orders did not settle after the restart; see %s", T.dir);
  orders_verify(&T, &x);
  e2e_engine_stop(&T);
  e2e_teardown(&T);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_calls_in_flight_finish),
      cmocka_unit_test(test_grace_period_ends),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
