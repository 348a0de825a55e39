/*
 * End to end: one warehouse event with a bogus sequence does not stop the
 * feed (issue 7, "Stalls"). The simulated warehouse holds the orders
 * without accepting them, then publishes an event whose envelope shows a
 * sequence a million past the feed (POST /_sim/wms/events/bogus-sequence).
 * The engine records it, raises one SYNC_FAILURE naming the event id and
 * its sequence, and neither acknowledges up to it nor moves its cursor
 * there, so no acknowledgement is refused. The orders are then accepted:
 * those later events still flow, every order ends accepted, and the
 * warehouse's acknowledged position moves past the bogus event.
 *
 * And a crash between commit and acknowledgement: the warehouse fails
 * every events:ack (500), the engine records the acceptances anyway and
 * is killed; restarted with the acks answered again, it reads the feed
 * from its last acknowledged cursor (0), drops every event as a duplicate
 * (no second effect) and acknowledges them all.
 *
 * And refused acknowledgements: the warehouse answers the first two
 * events:ack with 400. Each raises (or bumps) one SYNC_FAILURE on the
 * feed and holds the feed back a while; the cursor stays, the next pull
 * reads the same events again, and once an acknowledgement is accepted
 * the feed catches up and the exception is resolved.
 */
#include "e2e.h"

#include "base/json.h"
#include "base/mem.h"
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#define ORDERS 6

static char bogus_id[64];
static int64_t bogus_position;

static long wms_stat(struct e2e *t, const char *name)
{
  cJSON *doc = e2e_get(t, 'g', "/_sim/wms/stats");
  long v = (long)cg_json_int(doc, name, -1);
  cJSON_Delete(doc);
  return v;
}

static bool all_created(struct e2e *t, void *arg)
{
  return e2e_wms_orders(t) >= ORDERS;
}

/* The SYNC_FAILURE (any state) whose field equals value, or NULL. */
static cJSON *sync_failure(struct e2e *t, const char *field, const char *value)
{
  cJSON *list = e2e_get(t, 'a',
                        "/api/v1/merchants/shop/exceptions"
                        "?type=SYNC_FAILURE&state=all");
  cJSON *found = NULL;
  const cJSON *x;
  cJSON_ArrayForEach(x, list)
  {
    const char *v = cg_json_str(x, field);
    if (found == NULL && v && strcmp(v, value) == 0)
      found = cJSON_Duplicate(x, true);
  }
  cJSON_Delete(list);
  return found;
}

static cJSON *bogus_exception(struct e2e *t)
{
  return sync_failure(t, "key", bogus_id);
}

static bool exception_raised(struct e2e *t, void *arg)
{
  cJSON *x = bogus_exception(t);
  cJSON_Delete(x);
  return x != NULL;
}

/* Every order accepted in the engine. */
static bool engine_accepted(struct e2e *t, void *arg)
{
  const cJSON *o;
  cJSON_ArrayForEach(o, (cJSON *)arg)
  {
    char path[128];
    snprintf(path, sizeof(path), "/api/v1/merchants/shop/orders/%s",
             cg_json_str(o, "orderRef"));
    cJSON *doc = e2e_get(t, 'a', path);
    const char *st = cg_json_str(doc, "state");
    bool ok = st && strcmp(st, "accepted") == 0;
    cJSON_Delete(doc);
    if (!ok)
      return false;
  }
  return true;
}

/* ... and the warehouse's acknowledged position past the bogus event. */
static bool accepted_and_acked(struct e2e *t, void *arg)
{
  return engine_accepted(t, arg) && wms_stat(t, "ackedUpTo") > bogus_position;
}

/* The warehouse's orders (caller frees). */
static cJSON *sim_orders(struct e2e *t)
{
  cJSON *all = e2e_get(t, 'g', "/_sim/wms/orders");
  cJSON *orders = cJSON_DetachItemFromObject(all, "orders");
  cJSON_Delete(all);
  assert_int_equal(cJSON_GetArraySize(orders), ORDERS);
  return orders;
}

static void inject_bogus(struct e2e *t)
{
  cJSON *ev = e2e_post(t, 'g', "/_sim/wms/events/bogus-sequence", "{}");
  snprintf(bogus_id, sizeof(bogus_id), "%s", cg_json_str(ev, "eventId"));
  bogus_position = cg_json_int(ev, "position", 0);
  assert_true(bogus_position > 0);
  assert_true(cg_json_int(ev, "sequence", 0) > bogus_position + 999999);
  cJSON_Delete(ev);
  if (!e2e_wait(t, 60, exception_raised, NULL))
    fail_msg("no exception for the bogus event %s; see %s", bogus_id, t->dir);
  cJSON *x = bogus_exception(t);
  const char *msg = cg_json_str(x, "message");
  char seq[32];
  snprintf(seq, sizeof(seq), "%lld", (long long)bogus_position + 1000000);
  assert_non_null(strstr(msg, bogus_id));
  assert_non_null(strstr(msg, seq));
  assert_string_equal(cg_json_str(x, "entity"), "warehouse-event");
  cJSON_Delete(x);
}

static void accept_all(struct e2e *t, cJSON *orders)
{
  const cJSON *o;
  cJSON_ArrayForEach(o, orders)
  {
    char path[128];
    snprintf(path, sizeof(path), "/_sim/wms/orders/%s/accept",
             cg_json_str(o, "orderRef"));
    cJSON_Delete(e2e_post(t, 'g', path, "{}"));
  }
}

static void test_bogus_sequence(void **state)
{
  struct e2e t;
  char *scenario = e2e_scenario(ORDERS, 0);
  struct e2e_opts o = {.scenario_json = scenario, .seed = 5};
  e2e_setup(&t, &o);
  cg_free(scenario);
  cJSON_Delete(
      e2e_post(&t, 'g', "/_sim/wms/settings", "{\"autoAccept\":false}"));
  e2e_engine_start(&t);
  if (!e2e_wait(&t, 60, all_created, NULL))
    fail_msg("orders did not reach the warehouse; see %s", t.dir);
  inject_bogus(&t);
  cJSON *orders = sim_orders(&t);
  accept_all(&t, orders);
  if (!e2e_wait(&t, 60, accepted_and_acked, orders))
    fail_msg("the feed stopped after the bogus event; see %s", t.dir);
  cJSON_Delete(orders);
  /* Raised once; no acknowledgement was refused. */
  cJSON *list = e2e_get(&t, 'a',
                        "/api/v1/merchants/shop/exceptions"
                        "?type=SYNC_FAILURE");
  assert_int_equal(cJSON_GetArraySize(list), 1);
  cJSON_Delete(list);
  assert_false(e2e_log_has(&t, "refused the acknowledgement"));
  e2e_engine_stop(&t);
  e2e_teardown(&t);
}

static bool all_acked(struct e2e *t, void *arg)
{
  long events = wms_stat(t, "events");
  return events >= ORDERS && wms_stat(t, "ackedUpTo") == events;
}

/* Each order accepted, with one "accepted" entry in its timeline. */
static void accepted_once(struct e2e *t, cJSON *orders)
{
  const cJSON *o;
  cJSON_ArrayForEach(o, orders)
  {
    char path[128];
    snprintf(path, sizeof(path), "/api/v1/merchants/shop/orders/%s",
             cg_json_str(o, "orderRef"));
    cJSON *doc = e2e_get(t, 'a', path);
    assert_string_equal(cg_json_str(doc, "state"), "accepted");
    int accepted = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, cg_json_get(doc, "timeline"))
    {
      const char *action = cg_json_str(e, "action");
      accepted += action && strcmp(action, "accepted") == 0;
    }
    assert_int_equal(accepted, 1);
    cJSON_Delete(doc);
  }
}

static void test_crash_before_ack(void **state)
{
  struct e2e t;
  char *scenario = e2e_scenario(ORDERS, 0);
  struct e2e_opts o = {.scenario_json = scenario, .seed = 6};
  e2e_setup(&t, &o);
  cg_free(scenario);
  cJSON_Delete(e2e_post(&t, 'g', "/_sim/faults",
                        "{\"rules\":[{\"path\":\"/wms/v1/events:ack\","
                        "\"share500\":1}]}"));
  e2e_engine_start(&t);
  if (!e2e_wait(&t, 60, all_created, NULL))
    fail_msg("orders did not reach the warehouse; see %s", t.dir);
  cJSON *orders = sim_orders(&t);
  if (!e2e_wait(&t, 60, engine_accepted, orders))
    fail_msg("acceptances not recorded while acks fail; see %s", t.dir);
  accepted_once(&t, orders);
  assert_int_equal(wms_stat(&t, "ackedUpTo"), 0);
  e2e_engine_kill(&t);
  cJSON_Delete(e2e_post(&t, 'g', "/_sim/faults", "{\"replace\":true}"));
  e2e_engine_start(&t);
  if (!e2e_wait(&t, 60, all_acked, NULL))
    fail_msg("the feed was not acknowledged after the restart; see %s", t.dir);
  accepted_once(&t, orders);
  assert_int_equal(e2e_metric(&t, "cg_events_gxo_total"), 0);
  assert_true(e2e_metric(&t, "cg_duplicates_total") >= ORDERS);
  cJSON_Delete(orders);
  e2e_engine_stop(&t);
  e2e_teardown(&t);
}

static cJSON *feed_exception(struct e2e *t)
{
  return sync_failure(t, "entity", "feed");
}

static bool feed_recovered(struct e2e *t, void *arg)
{
  cJSON *x = feed_exception(t);
  const char *st = cg_json_str(x, "state");
  bool done = st && strcmp(st, "resolved") == 0 && all_acked(t, NULL);
  cJSON_Delete(x);
  return done;
}

static void test_refused_ack(void **state)
{
  struct e2e t;
  char *scenario = e2e_scenario(ORDERS, 0);
  struct e2e_opts o = {.scenario_json = scenario, .seed = 7};
  e2e_setup(&t, &o);
  cg_free(scenario);
  cJSON_Delete(
      e2e_post(&t, 'g', "/_sim/wms/events/refuse-acks", "{\"count\":2}"));
  e2e_engine_start(&t);
  if (!e2e_wait(&t, 60, all_created, NULL))
    fail_msg("orders did not reach the warehouse; see %s", t.dir);
  cJSON *orders = sim_orders(&t);
  if (!e2e_wait(&t, 60, feed_recovered, NULL))
    fail_msg("the feed did not recover from refused acks; see %s", t.dir);
  accepted_once(&t, orders);
  cJSON_Delete(orders);
  cJSON *x = feed_exception(&t);
  assert_int_equal(cg_json_int(x, "count", 0), 2);
  assert_string_equal(cg_json_str(x, "key"), "gxo.events");
  cJSON_Delete(x);
  assert_true(e2e_log_has(&t, "refused the acknowledgement"));
  e2e_engine_stop(&t);
  e2e_teardown(&t);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_bogus_sequence),
      cmocka_unit_test(test_crash_before_ack),
      cmocka_unit_test(test_refused_ack),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
