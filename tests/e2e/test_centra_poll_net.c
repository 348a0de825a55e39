/*
 * End to end: the poll is the net under the Centra events queue. With the
 * queue on, a poll pass waits for the queue's backlog to drain, then lists
 * only the orders' versions and reads in full just those the engine has
 * not recorded. Here the events of five orders are lost before the engine
 * starts (another client confirmed them): the queue brings every other
 * order, the poll finds exactly those five and reads only them in full,
 * and every order reaches the warehouse once. Without the listing the
 * poll would read every order a second time.
 */
#include "e2e.h"
#include "e2e_orders.h"

#include "base/json.h"
#include "base/mem.h"
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#define ORDERS 120
#define LOST 5

static struct e2e T;

/* The ids of every queued event of the first LOST orders in the queue;
 * their numbers in lost[]. */
static cJSON *lost_event_ids(int64_t lost[LOST])
{
  cJSON *doc = e2e_get(&T, 'c', "/_sim/centra/events");
  const cJSON *list = cJSON_IsArray(doc) ? doc : cg_json_get(doc, "events");
  cJSON *ids = cJSON_CreateArray();
  size_t n = 0;
  const cJSON *ev;
  cJSON_ArrayForEach(ev, list)
  {
    const char *type = cg_json_str(ev, "objectType");
    int64_t ref = cg_json_int(ev, "objectReference", 0);
    if (type == NULL || strcmp(type, "Order") != 0)
      continue;
    bool chosen = false;
    for (size_t i = 0; i < n; i++)
      chosen = chosen || lost[i] == ref;
    if (!chosen && n < LOST) {
      lost[n++] = ref;
      chosen = true;
    }
    if (chosen)
      cJSON_AddItemToArray(ids, cJSON_CreateNumber(cg_json_int(ev, "id", 0)));
  }
  cJSON_Delete(doc);
  assert_int_equal(n, LOST);
  return ids;
}

/* Confirms the events as another client of the shop would: the engine
 * never sees them. */
static void lose_events(cJSON *ids)
{
  cJSON *body = cJSON_CreateObject();
  cg_json_add_str(body, "query",
                  "mutation LoseEvents($ids: [Int!]!) {\n"
                  "  confirmEvents(input: { eventsIds: $ids })"
                  " { events { id } }\n}\n");
  cJSON_AddItemToObject(cJSON_AddObjectToObject(body, "variables"), "ids", ids);
  char *text = cJSON_PrintUnformatted(body);
  const char *const headers[] = {"Authorization: Bearer centra-dev-token",
                                 "Content-Type: application/json", NULL};
  assert_int_equal(e2e_post_status(&T, 'c', "/graphql", headers, text), 200);
  cJSON_free(text);
  cJSON_Delete(body);
}

static bool passed_after_drain(struct e2e *t, void *arg)
{
  return e2e_metric(t, "cg_poll_passes_total") >= 2;
}

static void test_poll_reads_only_what_the_queue_missed(void **state)
{
  char *scenario = e2e_scenario(ORDERS, 0);
  struct e2e_opts o = {.scenario_json = scenario,
                       .seed = 61,
                       .extra_config =
                           "merchants[1].schedules.poll_orders = 1\n"};
  e2e_setup(&T, &o);
  cg_free(scenario);
  struct orders_expect x;
  orders_expect_read(&T, &x);
  int64_t lost[LOST];
  lose_events(lost_event_ids(lost));
  e2e_engine_start(&T);
  if (!orders_wait_settled(&T, &x, 120))
    fail_msg("orders did not settle; see %s", T.dir);
  orders_verify(&T, &x);
  /* Two passes: the one that found the lost orders, and one after. */
  assert_true(e2e_wait(&T, 30, passed_after_drain, NULL));
  long polled = e2e_metric(&T, "cg_orders_polled_total");
  print_message("%ld orders read in full by the poll (%d events lost)\n",
                polled, LOST);
  assert_int_equal(polled, LOST);
  e2e_engine_stop(&T);
  e2e_teardown(&T);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_poll_reads_only_what_the_queue_missed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
