/*
 * End to end: the warehouse accepts an order (202) and later rejects it
 * asynchronously with order.rejected. A problem our side can cure
 * (invalid-address) holds the order as INVALID_ADDRESS; any other code
 * rejects it as PARTNER_REJECTED with the warehouse's words. Neither is
 * marked exported in Centra. When an operator retries the rejected one,
 * the engine sends it again with a new key, the warehouse replaces the
 * REJECTED order with it (warehouse-api-v1.md), and it is accepted: a
 * rejected order is never lost by counting a 409 as done.
 */
#include "e2e.h"

#include "base/json.h"
#include "base/mem.h"
#include "testutil.h"

#include <stdio.h>
#include <string.h>

static char cure[16], other[16];

static cJSON *order_of(struct e2e *t, const char *number)
{
  char path[128];
  snprintf(path, sizeof(path), "/api/v1/merchants/shop/orders/%s", number);
  return e2e_get(t, 'a', path);
}

static bool both_decided(struct e2e *t, void *arg)
{
  bool done = true;
  const char *numbers[2] = {cure, other};
  for (int i = 0; i < 2; i++) {
    cJSON *o = order_of(t, numbers[i]);
    const char *st = cg_json_str(o, "state");
    done = done && st && (!strcmp(st, "held") || !strcmp(st, "rejected"));
    cJSON_Delete(o);
  }
  return done;
}

static void expect(struct e2e *t, const char *number, const char *state,
                   const char *reason)
{
  cJSON *o = order_of(t, number);
  assert_string_equal(cg_json_str(o, "state"), state);
  assert_string_equal(cg_json_str(o, "hold_reason"), reason);
  const cJSON *e;
  cJSON_ArrayForEach(e, cg_json_get(o, "timeline"))
      assert_string_not_equal(cg_json_str(e, "action"), "accepted");
  cJSON_Delete(o);
}

static bool other_accepted(struct e2e *t, void *arg)
{
  cJSON *o = order_of(t, other);
  const char *st = cg_json_str(o, "state");
  bool done = st != NULL && strcmp(st, "accepted") == 0;
  cJSON_Delete(o);
  return done;
}

/* The operator retries the PARTNER_REJECTED exception; the order goes out
 * again and the warehouse now holds it in work. */
static void retry_rejected(struct e2e *t)
{
  cJSON *x = e2e_get(t, 'a',
                     "/api/v1/merchants/shop/exceptions"
                     "?type=PARTNER_REJECTED");
  int64_t id = cg_json_int(cJSON_GetArrayItem(x, 0), "id", 0);
  cJSON_Delete(x);
  assert_true(id > 0);
  char path[128];
  snprintf(path, sizeof(path), "/api/v1/merchants/shop/exceptions/%lld/retry",
           (long long)id);
  cJSON_Delete(e2e_post(t, 'a', path, "{}"));
  if (!e2e_wait(t, 60, other_accepted, NULL))
    fail_msg("order %s was not sent again and accepted; see %s", other, t->dir);
  snprintf(path, sizeof(path), "/_sim/wms/orders/%s", other);
  cJSON *w = e2e_get(t, 'g', path);
  assert_string_equal(cg_json_str(w, "status"), "ACCEPTED");
  cJSON_Delete(w);
}

static void test_async_rejection(void **state)
{
  struct e2e t;
  char *scenario = e2e_scenario(20, 0);
  struct e2e_opts o = {.scenario_json = scenario, .seed = 9};
  e2e_setup(&t, &o);
  cg_free(scenario);
  cJSON *orders = e2e_get(&t, 'c', "/_sim/centra/orders");
  snprintf(cure, sizeof(cure), "%lld",
           (long long)cg_json_int(cJSON_GetArrayItem(orders, 0), "number", 0));
  snprintf(other, sizeof(other), "%lld",
           (long long)cg_json_int(cJSON_GetArrayItem(orders, 1), "number", 0));
  cJSON_Delete(orders);
  char settings[512];
  snprintf(settings, sizeof(settings),
           "{\"autoReject\":[{\"orderRef\":\"%s\",\"code\":\"invalid-address\","
           "\"message\":\"street not found\"},{\"orderRef\":\"%s\",\"code\":"
           "\"carrier-strike\",\"message\":\"no collections this week\"}]}",
           cure, other);
  cJSON_Delete(e2e_post(&t, 'g', "/_sim/wms/settings", settings));
  e2e_engine_start(&t);
  if (!e2e_wait(&t, 60, both_decided, NULL))
    fail_msg("orders %s and %s were not decided; see %s", cure, other, t.dir);
  expect(&t, cure, "held", "INVALID_ADDRESS");
  expect(&t, other, "rejected", "PARTNER_REJECTED");
  cJSON *x = e2e_get(&t, 'a',
                     "/api/v1/merchants/shop/exceptions"
                     "?type=PARTNER_REJECTED");
  const char *msg = cg_json_str(cJSON_GetArrayItem(x, 0), "message");
  assert_non_null(msg);
  assert_non_null(strstr(msg, "no collections this week"));
  cJSON_Delete(x);
  retry_rejected(&t);
  e2e_engine_stop(&t);
  e2e_teardown(&t);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_async_rejection),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
