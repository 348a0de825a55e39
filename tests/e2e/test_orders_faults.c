/*
 * End to end: 30% of partner calls on both simulators fail (429 with
 * Retry-After, 500, 503, connection resets) and warehouse webhooks are
 * delivered twice and out of order. Every order is still delivered
 * exactly once, no request is repeated before its Retry-After deadline
 * (the simulators count violations), and duplicate or late webhooks have
 * no second effect.
 */
#include "e2e.h"
#include "e2e_orders.h"

#include "base/json.h"
#include "base/mem.h"
#include "testutil.h"

#include <stdio.h>
#include <string.h>

static const char *const faults =
    "{\"rules\":[{\"path\":\"*\",\"share429\":0.12,\"share500\":0.06,"
    "\"share503\":0.06,\"resetShare\":0.06,\"retryAfter\":1}],"
    "\"webhooks\":{\"duplicateShare\":0.5,\"reorderShare\":0.3,"
    "\"reorderDelayMs\":200}}";

/* Early repeats the simulator saw on one side; prints each one. */
static long violations(struct e2e *t, char side)
{
  cJSON *doc = e2e_get(t, side,
                       side == 'c' ? "/_sim/calls?side=centra&limit=1"
                                   : "/_sim/calls?side=gxo&limit=1");
  long v = (long)cg_json_int(doc, "retryAfterViolations", -1);
  if (v != 0) {
    char *text = cJSON_PrintUnformatted(cg_json_get(doc, "violations"));
    fprintf(stderr, "violations seen by the %s port: %s\n",
            side == 'c' ? "centra" : "gxo", text ? text : "?");
    cJSON_free(text);
  }
  cJSON_Delete(doc);
  return v;
}

static void test_faults(void **state)
{
  struct e2e t;
  char *scenario = e2e_scenario(150, 2);
  struct e2e_opts o = {
      .scenario_json = scenario, .seed = 31, .subscribe_webhooks = true};
  e2e_setup(&t, &o);
  cg_free(scenario);
  cJSON_Delete(e2e_post(&t, 'c', "/_sim/faults", faults));
  cJSON_Delete(e2e_post(&t, 'g', "/_sim/faults", faults));
  struct orders_expect x;
  orders_expect_read(&t, &x);
  e2e_engine_start(&t);
  if (!orders_wait_settled(&t, &x, 300))
    fail_msg("orders did not settle under faults; see %s", t.dir);
  orders_verify(&t, &x);
  long vc = violations(&t, 'c'), vg = violations(&t, 'g');
  fprintf(stderr,
          "retry-after violations: centra %ld, gxo %ld; retries "
          "%ld\n",
          vc, vg, e2e_metric(&t, "cg_retries_total"));
  assert_int_equal(vc, 0);
  assert_int_equal(vg, 0);
  assert_true(e2e_metric(&t, "cg_retries_total") > 0);
  cJSON_Delete(e2e_post(&t, 'c', "/_sim/faults", "{\"replace\":true}"));
  cJSON_Delete(e2e_post(&t, 'g', "/_sim/faults", "{\"replace\":true}"));
  e2e_engine_stop(&t);
  e2e_teardown(&t);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_faults),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
