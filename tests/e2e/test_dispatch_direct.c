/*
 * End to end (issue 9), a shop with Direct to Shipment on: Centra makes
 * one good-to-go shipment of the whole order at checkout. A consignment
 * that ships the whole order completes that shipment (no second one is
 * created, one e-mail); a consignment that ships part of an order is
 * held SPLIT_DIRECT_TO_SHIPMENT and nothing is written to Centra.
 */
#include "e2e.h"
#include "e2e_dispatch.h"

#include "base/json.h"
#include "base/mem.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct e2e T;

/* The order's Centra shipments: how many, and how many shipped. */
static void centra_of(const char *ref, long *all, long *shipped)
{
  cJSON *doc = e2e_get(&T, 'c', "/_sim/centra/shipments");
  const cJSON *s;
  *all = *shipped = 0;
  cJSON_ArrayForEach(s, doc)
  {
    if (cg_json_int(s, "order.number", -1) != atol(ref))
      continue;
    (*all)++;
    *shipped += cg_json_bool(s, "isShipped", false);
  }
  cJSON_Delete(doc);
}

static bool order_shipped(struct e2e *t, void *arg)
{
  char st[32];
  dispatch_order_state(t, arg, st, sizeof(st));
  return strcmp(st, "shipped") == 0;
}

static bool split_held(struct e2e *t, void *arg)
{
  (void)arg;
  return e2e_open_exceptions(t, "shop", "SPLIT_DIRECT_TO_SHIPMENT") == 1;
}

static void dispatch(const char *ref, const char *body)
{
  char path[128];
  snprintf(path, sizeof(path), "/_sim/wms/orders/%s/dispatch", ref);
  cJSON *r = e2e_post(&T, 'g', path, body);
  assert_non_null(r);
  cJSON_Delete(r);
}

static void test_direct_to_shipment(void **state)
{
  static const char *const args[] = {"--centra-direct-to-shipment", "on",
                                     "--centra-mutation-budget", "1000", NULL};
  char *scenario = e2e_scenario(6, 0);
  struct e2e_opts o = {.scenario_json = scenario,
                       .seed = 53,
                       .sim_args = args,
                       .extra_config =
                           "merchants[1].centra.direct_to_shipment = true\n"};
  e2e_setup(&T, &o);
  cg_free(scenario);
  e2e_engine_start(&T);
  if (!dispatch_wait_accepted(&T, 6, 60))
    fail_msg("orders not accepted; see %s", T.dir);
  cJSON *wms = dispatch_wms_orders(&T);
  const cJSON *ord, *whole = NULL, *part = NULL;
  cJSON_ArrayForEach(ord, dispatch_orders_of(wms))
  {
    if (part == NULL && dispatch_units(ord) >= 2)
      part = ord;
    else if (whole == NULL)
      whole = ord;
  }
  assert_true(whole && part);
  const char *a = cg_json_str(whole, "orderRef");
  const char *b = cg_json_str(part, "orderRef");
  long all, shipped;
  centra_of(a, &all, &shipped);
  assert_int_equal(all, 1); /* made by Centra at checkout */
  dispatch(a, "{}");
  if (!e2e_wait(&T, 30, order_shipped, (void *)a))
    fail_msg("order %s not shipped; see %s", a, T.dir);
  centra_of(a, &all, &shipped);
  assert_int_equal(all, 1);
  assert_int_equal(shipped, 1);
  char body[200];
  snprintf(body, sizeof(body),
           "{\"lines\": [{\"lineRef\": \"%s\", \"quantity\": 1}]}",
           cg_json_str(cJSON_GetArrayItem(cg_json_get(part, "lines"), 0),
                       "lineRef"));
  dispatch(b, body);
  if (!e2e_wait(&T, 30, split_held, NULL))
    fail_msg("no SPLIT_DIRECT_TO_SHIPMENT; see %s", T.dir);
  centra_of(b, &all, &shipped);
  assert_int_equal(all, 1);
  assert_int_equal(shipped, 0);
  cJSON *emails = e2e_get(&T, 'c', "/_sim/centra/emails");
  assert_int_equal(cJSON_GetArraySize(emails), 1);
  cJSON_Delete(emails);
  cJSON_Delete(wms);
  e2e_engine_stop(&T);
  e2e_teardown(&T);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_direct_to_shipment),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
