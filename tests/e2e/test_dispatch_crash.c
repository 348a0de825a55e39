/*
 * End to end (issue 9): exactly one Centra shipment per consignment
 * through crashes, lost answers, duplicated and reordered deliveries.
 *
 *   - answers lost: Centra already holds a shipment with a
 *     consignment's stamp (created, the answer lost) or holds it
 *     completed (completed, the answer lost) when the engine takes the
 *     consignment; the engine adopts the first (no second create) and
 *     only records the second (no second complete, no second e-mail);
 *   - SIGKILL at random points (30 kills) while the warehouse ships 280
 *     orders, most in two consignments (over 500 consignments), every
 *     event sent twice (webhook and feed), some webhooks duplicated and
 *     some held back, Centra answers slowed so kills land between a
 *     write and its commit;
 *   - a crash while a slow createShipment is still running at Centra,
 *     and a restart at once: the engine waits for the create to settle
 *     (its time was committed before it was sent) and adopts the
 *     shipment instead of creating a second one.
 *
 * Afterwards: zero duplicate, zero missing Centra shipments, none
 * completed twice (one e-mail each), and the store passes
 * integrity_check.
 */
#include "e2e.h"
#include "e2e_dispatch.h"

#include "base/err.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/rand.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KILLS 30
#define ORDERS 280

/* Three mutations and a read a consignment: the default 20 mutations
 * and 500 requests per 10 s would make 500 consignments a matter of
 * minutes. */
static const char *const sim_budget[] = {"--centra-mutation-budget", "100000",
                                         "--centra-request-budget", "100000",
                                         NULL};

/* Centra GraphQL as another client would send it (the simulator). */
static cJSON *graphql(struct e2e *t, const char *query, cJSON *vars)
{
  cJSON *req = cJSON_CreateObject();
  cg_json_add_str(req, "query", query);
  cJSON_AddItemToObject(req, "variables", vars);
  char *body = cg_json_print(req);
  cJSON_Delete(req);
  char url[128];
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/graphql", t->port_centra);
  const char *const headers[] = {"Authorization: Bearer centra-dev-token",
                                 "Content-Type: application/json", NULL};
  struct tu_http_response r;
  assert_int_equal(tu_http("POST", url, headers, body, &r), 0);
  cJSON *doc = cg_json_parse(r.body, r.body_len, NULL);
  tu_http_response_free(&r);
  cg_free(body);
  assert_non_null(doc);
  return doc;
}

/* Makes in Centra the shipment an engine would have made for
 * consignment c of order ref (lines, stamp); completes it if asked.
 * Returns its id. */
static int64_t premake(struct e2e *t, const char *ref, const cJSON *c,
                       bool complete)
{
  char stamp[96];
  snprintf(stamp, sizeof(stamp), "gxo:%s", cg_json_str(c, "shipmentId"));
  cJSON *lines = cJSON_CreateArray(), *v = cJSON_CreateObject();
  const cJSON *p, *l;
  cJSON_ArrayForEach(p, cg_json_get(c, "parcels"))
  {
    cJSON_ArrayForEach(l, cg_json_get(p, "lines"))
    {
      cJSON *in = cJSON_CreateObject();
      cJSON *ol = cJSON_AddObjectToObject(in, "orderLine");
      cg_json_add_int(ol, "id", atoll(cg_json_str(l, "lineRef")));
      cg_json_add_int(in, "quantity", cg_json_int(l, "quantity", 0));
      cJSON_AddItemToArray(lines, in);
    }
  }
  cg_json_add_int(v, "n", atoll(ref));
  cJSON_AddItemToObject(v, "lines", lines);
  cg_json_add_str(v, "m", stamp);
  cJSON *doc = graphql(
      t,
      "mutation Pre($n: Int!, $lines: [ShipmentLineInput!]!, $m: String) {"
      " createShipment(input: {order: {number: $n}, lines: $lines,"
      " isGoodToGo: true, capture: true, additionalMessage: $m})"
      " { shipment { id } userErrors { message } } }",
      v);
  int64_t id = cg_json_int(doc, "data.createShipment.shipment.id", 0);
  cJSON_Delete(doc);
  assert_true(id > 0);
  if (!complete)
    return id;
  const cJSON *parcels = cg_json_get(c, "parcels");
  v = cJSON_CreateObject();
  cg_json_add_int(v, "id", id);
  cg_json_add_str(
      v, "t", cg_json_str(cJSON_GetArrayItem(parcels, 0), "trackingNumber"));
  cg_json_add_int(v, "p", cJSON_GetArraySize(parcels));
  doc = graphql(t,
                "mutation Done($id: Int!, $t: String!, $p: Int!) {"
                " completeShipment(id: $id, input: {shippedAt: \"now\","
                " sendEmail: true, shipmentInfo: {carrier: \"PostNord\","
                " service: \"Home\", trackingNumber: $t, packagesNumber: $p}})"
                " { shipment { id isShipped } } }",
                v);
  assert_true(
      cg_json_bool(doc, "data.completeShipment.shipment.isShipped", false));
  cJSON_Delete(doc);
  return id;
}

static void test_answers_lost(void **state)
{
  struct e2e t;
  char *scenario = e2e_scenario(6, 0);
  struct e2e_opts o = {
      .scenario_json = scenario, .seed = 41, .sim_args = sim_budget};
  e2e_setup(&t, &o);
  cg_free(scenario);
  e2e_engine_start(&t);
  if (!dispatch_wait_accepted(&t, 6, 60))
    fail_msg("orders not accepted; see %s", t.dir);
  e2e_engine_kill(&t); /* the dispatches wait in the warehouse's feed */
  dispatch_all(&t);
  cJSON *wms = dispatch_wms_orders(&t);
  const cJSON *ord;
  int i = 0;
  cJSON_ArrayForEach(ord, dispatch_orders_of(wms))
  {
    const cJSON *c = cJSON_GetArrayItem(cg_json_get(ord, "shipments"), 0);
    if (i < 4) /* 0, 2: created, answer lost; 1, 3: completed, lost */
      premake(&t, cg_json_str(ord, "orderRef"), c, i % 2 == 1);
    i++;
  }
  cJSON_Delete(wms);
  e2e_engine_start(&t);
  if (!dispatch_wait_all_shipped(&t, 60))
    fail_msg("dispatches did not settle; see %s", t.dir);
  assert_int_equal(dispatch_verify(&t), 6);
  e2e_engine_stop(&t);
  e2e_teardown(&t);
}

/* Whether Centra holds a request it has not answered yet. */
static bool centra_busy(struct e2e *t, void *arg)
{
  (void)arg;
  cJSON *calls = e2e_get(t, 'c', "/_sim/calls?side=centra&limit=0");
  bool busy = cg_json_int(calls, "inFlight", 0) > 0;
  cJSON_Delete(calls);
  return busy;
}

static void test_crash_during_slow_create(void **state)
{
  struct e2e t;
  char *scenario = e2e_scenario(1, 0);
  struct e2e_opts o = {
      .scenario_json = scenario, .seed = 45, .sim_args = sim_budget};
  e2e_setup(&t, &o);
  cg_free(scenario);
  e2e_engine_start(&t);
  if (!dispatch_wait_accepted(&t, 1, 60))
    fail_msg("order not accepted; see %s", t.dir);
  if (!dispatch_wait_idle(&t, 60)) /* the order marked in Centra */
    fail_msg("the engine never went idle; see %s", t.dir);
  /* Centra takes 6 s over each create; every other call is answered
   * at once. */
  dispatch_post_ok(&t, 'c', "/_sim/faults",
                   "{\"rules\": [{\"path\": \"/graphql\", \"operationName\":"
                   " \"CgCreateShipment\", \"latencyMs\": 6000}]}");
  dispatch_all(&t);
  if (!e2e_wait(&t, 60, centra_busy, NULL)) /* the create is at Centra */
    fail_msg("the create never reached Centra; see %s", t.dir);
  e2e_engine_kill(&t); /* Centra is still making the shipment */
  e2e_engine_start(&t);
  if (!dispatch_wait_all_shipped(&t, 120))
    fail_msg("the dispatch did not settle; see %s", t.dir);
  assert_int_equal(dispatch_verify(&t), 1); /* one shipment, not two */
  e2e_engine_stop(&t);
  e2e_teardown(&t);
}

static void test_sigkill_dispatches(void **state)
{
  struct e2e t;
  char *scenario = e2e_scenario(ORDERS, 0);
  struct e2e_opts o = {.scenario_json = scenario,
                       .seed = 43,
                       .sim_args = sim_budget,
                       .subscribe_webhooks = true};
  e2e_setup(&t, &o);
  cg_free(scenario);
  dispatch_post_ok(
      &t, 'g', "/_sim/wms/settings",
      "{\"autoDispatchAfterMs\": 300, \"autoDispatchShipments\": 2}");
  dispatch_post_ok(
      &t, 'g', "/_sim/faults",
      "{\"webhooks\": {\"duplicateShare\": 0.3, \"reorderShare\": 0.3,"
      " \"reorderDelayMs\": 300}}");
  dispatch_post_ok(&t, 'c', "/_sim/faults",
                   "{\"rules\": [{\"path\": \"/graphql*\", \"latencyMs\": 10,"
                   " \"latencyJitterMs\": 40}]}");
  struct cg_rand rng;
  cg_rand_seed(&rng, 4343);
  for (int i = 0; i < KILLS; i++) {
    e2e_engine_start(&t);
    usleep((useconds_t)(100 + cg_rand_below(&rng, 400)) * 1000);
    e2e_engine_kill(&t);
  }
  e2e_engine_start(&t);
  if (!dispatch_wait_all_shipped(&t, 120))
    fail_msg("dispatches did not settle after %d kills; see %s", KILLS, t.dir);
  long n = dispatch_verify(&t);
  fprintf(stderr, "killed %d times; %ld consignments, one shipment each\n",
          KILLS, n);
  assert_true(n >= 500);
  e2e_engine_stop(&t);
  e2e_check_integrity(&t);
  e2e_teardown(&t);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_answers_lost),
      cmocka_unit_test(test_crash_during_slow_create),
      cmocka_unit_test(test_sigkill_dispatches),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
