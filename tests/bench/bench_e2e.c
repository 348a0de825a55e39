/*
 * bench_e2e: end-to-end orders per second. The engine (durable commits,
 * synchronous=FULL) runs against the simulator on loopback; the clock runs
 * from engine start until the warehouse simulator holds every order, and
 * again until every order is accepted and marked exported in Centra.
 * Prints figures; asserts nothing about speed.
 *
 *   CG_BUILD_DIR=build/release bench_e2e [ORDERS]
 */
#include "e2e.h"

#include "base/json.h"
#include "base/mem.h"
#include "base/time.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static long orders = 2000;

static long markers(struct e2e *t)
{
  cJSON *doc = e2e_get(t, 'c', "/_sim/centra/markers");
  const cJSON *l = cJSON_IsArray(doc) ? doc : cg_json_get(doc, "markers");
  long n = cJSON_GetArraySize(l);
  cJSON_Delete(doc);
  return n;
}

static void bench(void **state)
{
  struct e2e t;
  char *scenario = e2e_scenario(orders, 0);
  /* A production Centra allows 20-500 mutations per 10 s by plan; the
   * simulator gets a large budget here so the figure is the engine's. */
  static const char *const sim_args[] = {"--centra-mutation-budget", "100000",
                                         NULL};
  struct e2e_opts o = {
      .scenario_json = scenario, .seed = 3, .sim_args = sim_args};
  e2e_setup(&t, &o);
  cg_free(scenario);
  int64_t t0 = cg_time_mono_ms();
  e2e_engine_start(&t);
  int64_t t_wms = 0;
  while (cg_time_mono_ms() - t0 < 120000) {
    if (t_wms == 0 && e2e_wms_orders(&t) >= orders)
      t_wms = cg_time_mono_ms();
    if (t_wms && markers(&t) >= orders)
      break;
    usleep(100 * 1000);
  }
  int64_t t_mark = cg_time_mono_ms();
  double s1 = (double)(t_wms - t0) / 1000.0;
  double s2 = (double)(t_mark - t0) / 1000.0;
  printf("e2e: %ld orders at the warehouse in %.1f s = %.0f orders/s "
         "(durable commits, synchronous=FULL)\n",
         orders, s1, orders / s1);
  printf("e2e: accepted and marked exported in Centra after %.1f s = "
         "%.0f orders/s end to end (simulator mutation budget raised; a real "
         "Centra plan allows 2-50 mutations/s and bounds this part)\n",
         s2, orders / s2);
  e2e_engine_stop(&t);
  e2e_teardown(&t);
}

int main(int argc, char **argv)
{
  cg_mem_init();
  if (argc > 1)
    orders = atol(argv[1]);
  const struct CMUnitTest tests[] = {cmocka_unit_test(bench)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
