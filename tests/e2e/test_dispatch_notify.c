/*
 * End to end (issue 9 item 6): the e-mail policy holds when an order's
 * consignments arrive together. With dispatch.lua's notify = "last", each
 * order the warehouse splits into two consignments at once (both events
 * in the same moment, webhook and feed) gets exactly one shipping e-mail,
 * for the consignment that completed it. The deliveries of one order run
 * one at a time (cg__dispatch_order_take): two at once each saw the other
 * not yet completed, so neither was "last" and the customer got none.
 */
#include "e2e.h"
#include "e2e_dispatch.h"
#include "e2e_pack.h"

#include "base/json.h"
#include "base/mem.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>

#define ORDERS 8

/* E-mails Centra sent for order number. */
static long emails_for_order(const cJSON *emails, long number)
{
  const cJSON *e;
  long n = 0;
  cJSON_ArrayForEach(e, emails)
  {
    n += cg_json_int(e, "orderNumber", -1) == number;
  }
  return n;
}

/* Splits every order of two units or more in two; returns how many. */
static long split_all(struct e2e *t, cJSON *wms)
{
  const cJSON *ord;
  long split = 0;
  cJSON_ArrayForEach(ord, dispatch_orders_of(wms))
  {
    char path[128];
    const char *ref = cg_json_str(ord, "orderRef");
    bool two = dispatch_units(ord) >= 2;
    snprintf(path, sizeof(path), "/_sim/wms/orders/%s/%s", ref,
             two ? "split" : "dispatch");
    dispatch_post_ok(t, 'g', path, two ? "{\"shipments\": 2}" : "{}");
    split += two;
  }
  return split;
}

static void test_last_only(void **state)
{
  struct e2e t;
  static const char *const args[] = {"--centra-mutation-budget", "100000",
                                     NULL};
  char *pack = e2e_pack_with("dispatch.lua", "return { notify = \"last\" }\n");
  assert_non_null(pack);
  char *scenario = e2e_scenario(ORDERS, 0);
  struct e2e_opts o = {.scenario_json = scenario,
                       .rules = pack,
                       .seed = 61,
                       .sim_args = args,
                       .subscribe_webhooks = true};
  e2e_setup(&t, &o);
  cg_free(scenario);
  e2e_engine_start(&t);
  if (!dispatch_wait_accepted(&t, ORDERS, 60))
    fail_msg("orders not accepted; see %s", t.dir);
  /* Centra takes its time over each complete: a consignment's delivery
   * is still under way when its sibling's starts. */
  dispatch_post_ok(&t, 'c', "/_sim/faults",
                   "{\"rules\": [{\"path\": \"/graphql\", \"operationName\":"
                   " \"CgCompleteShipment\", \"latencyMs\": 500}]}");
  cJSON *wms = dispatch_wms_orders(&t);
  long split = split_all(&t, wms);
  cJSON_Delete(wms);
  assert_true(split >= 2);
  if (!dispatch_wait_settled(&t, 120))
    fail_msg("consignments not in Centra; see %s", t.dir);
  wms = dispatch_wms_orders(&t);
  cJSON *emails = e2e_get(&t, 'c', "/_sim/centra/emails");
  const cJSON *ord;
  cJSON_ArrayForEach(ord, dispatch_orders_of(wms))
  {
    long number = atol(cg_json_str(ord, "orderRef"));
    long n = emails_for_order(emails, number);
    if (n != 1)
      fail_msg("order %ld: %ld shipping e-mails, not 1; see %s", number, n,
               t.dir);
  }
  fprintf(stderr, "%ld orders split in two, one e-mail each\n", split);
  cJSON_Delete(emails);
  cJSON_Delete(wms);
  e2e_engine_stop(&t);
  e2e_teardown(&t);
  e2e_pack_remove(pack);
  cg_free(pack);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_last_only),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
