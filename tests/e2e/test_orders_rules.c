/*
 * End to end: a rule pack with an infinite loop, a pcall-wrapped loop, a
 * memory bomb and an os.execute call (examples/packs/hostile-mix, chosen
 * by order number). Each such order ends as RULE_ERROR with the message
 * of its failure while every other order reaches the warehouse.
 */
#include "e2e.h"

#include "base/json.h"
#include "base/mem.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct want {
  long good;
  long hostile;
};

static long rule_errors(struct e2e *t)
{
  cJSON *doc = e2e_get(t, 'a',
                       "/api/v1/merchants/shop/exceptions"
                       "?type=RULE_ERROR");
  long n = cJSON_IsArray(doc) ? cJSON_GetArraySize(doc) : -1;
  cJSON_Delete(doc);
  return n;
}

static bool settled(struct e2e *t, void *arg)
{
  const struct want *w = arg;
  return e2e_wms_orders(t) >= w->good && rule_errors(t) >= w->hostile;
}

/* Each failure kind leaves its own words in the exception message. */
static void check_messages(struct e2e *t)
{
  static const char *const words[4] = {"instruction", "instruction", "memory",
                                       "os"};
  cJSON *doc = e2e_get(t, 'a',
                       "/api/v1/merchants/shop/exceptions"
                       "?type=RULE_ERROR");
  const cJSON *x;
  cJSON_ArrayForEach(x, doc)
  {
    const char *key = cg_json_str(x, "key");
    const char *msg = cg_json_str(x, "message");
    int k = (int)(atol(key) % 10);
    assert_true(k >= 0 && k <= 3);
    if (strstr(msg, words[k]) == NULL && strstr(msg, "budget") == NULL)
      fail_msg("order %s (kind %d): message '%s'", key, k, msg);
  }
  cJSON_Delete(doc);
}

static void test_hostile_pack(void **state)
{
  struct e2e t;
  char *scenario = e2e_scenario(100, 0);
  struct e2e_opts o = {.scenario_json = scenario,
                       .seed = 5,
                       .rules = CG_SOURCE_DIR "/examples/packs/hostile-mix"};
  e2e_setup(&t, &o);
  cg_free(scenario);
  cJSON *orders = e2e_get(&t, 'c', "/_sim/centra/orders");
  const cJSON *list =
      cJSON_IsArray(orders) ? orders : cg_json_get(orders, "orders");
  struct want w = {0};
  const cJSON *ord;
  cJSON_ArrayForEach(ord, list)
  {
    if (cg_json_int(ord, "number", 0) % 10 <= 3)
      w.hostile++;
    else
      w.good++;
  }
  cJSON_Delete(orders);
  assert_true(w.hostile > 0 && w.good > 0);
  e2e_engine_start(&t);
  if (!e2e_wait(&t, 180, settled, &w))
    fail_msg("not settled: %ld at warehouse (want %ld), %ld RULE_ERROR "
             "(want %ld)",
             e2e_wms_orders(&t), w.good, rule_errors(&t), w.hostile);
  assert_int_equal(e2e_wms_orders(&t), w.good);
  assert_int_equal(rule_errors(&t), w.hostile);
  check_messages(&t);
  assert_int_equal(access("/tmp/centra-gxo-pwned", F_OK), -1);
  e2e_engine_stop(&t);
  e2e_teardown(&t);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_hostile_pack),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
