/*
 * End to end (issue 11): the item master's operations surface against the
 * simulators. The scenario's orders include some for NOPE-SKU-1, a size
 * the warehouse does not have and refuses (its product has no HS code:
 * missing-hs-code). Each such order is held as UNKNOWN_SKU naming the SKU
 * and the warehouse's reason, and waits on it; ITEM_REJECTED is open on
 * the item:
 *
 *   - GET /api/v1/merchants/shop/items?state=rejected lists NOPE-SKU-1
 *     with the reason, the item as built and every held order waiting on
 *     it, with the counts per state;
 *   - GET .../items/{sku} describes one SKU, an unknown one is 404, a
 *     bad state 400;
 *   - `centra-gxo items pending` and `items show` (engine stopped: they
 *     read the store) print the same, --json the same document.
 */
#include "e2e.h"
#include "e2e_orders.h"

#include "base/json.h"
#include "base/mem.h"
#include "testutil.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#define NOPE "NOPE-SKU-1"

static struct e2e T;
static struct orders_expect X;

static bool held_all(struct e2e *t, void *arg)
{
  return e2e_open_exceptions(t, "shop", "UNKNOWN_SKU") >= *(long *)arg &&
         e2e_open_exceptions(t, "shop", "ITEM_REJECTED") >= 1 &&
         e2e_wms_orders(t) >= X.good;
}

static int setup(void **state)
{
  char *scenario = e2e_scenario(12, 1);
  struct e2e_opts o = {.scenario_json = scenario};
  e2e_setup(&T, &o);
  cg_free(scenario);
  orders_expect_read(&T, &X);
  assert_true(X.bad[2] >= 1);
  e2e_engine_start(&T);
  if (!e2e_wait(&T, 120, held_all, &X.bad[2]))
    fail_msg("UNKNOWN_SKU orders not held: %ld open, want %ld",
             e2e_open_exceptions(&T, "shop", "UNKNOWN_SKU"), X.bad[2]);
  return 0;
}

static int teardown(void **state)
{
  e2e_teardown(&T);
  return 0;
}

/* NOPE-SKU-1 as the engine shows it: rejected for its HS code, the item
 * as built, waited on by every held order. */
static void assert_nope(const cJSON *d)
{
  assert_string_equal(cg_json_str(d, "sku"), NOPE);
  assert_string_equal(cg_json_str(d, "state"), "rejected");
  assert_string_equal(cg_json_str(d, "reason.code"), "missing-hs-code");
  assert_string_equal(cg_json_str(d, "item.sku"), NOPE);
  assert_int_equal(cJSON_GetArraySize(cg_json_get(d, "waitingOrders")),
                   X.bad[2]);
}

static void test_held_message(void **state)
{
  cJSON *l =
      e2e_get(&T, 'a', "/api/v1/merchants/shop/exceptions?type=UNKNOWN_SKU");
  const cJSON *x;
  assert_true(cJSON_GetArraySize(l) >= 1);
  cJSON_ArrayForEach(x, l)
  {
    const char *msg = cg_json_str(x, "message");
    if (msg == NULL || strstr(msg, NOPE) == NULL ||
        strstr(msg, "missing-hs-code") == NULL)
      fail_msg("UNKNOWN_SKU does not name the SKU and the reason: %s", msg);
  }
  cJSON_Delete(l);
}

static void test_admin_api(void **state)
{
  cJSON *d = e2e_get(&T, 'a', "/api/v1/merchants/shop/items?state=rejected");
  const cJSON *it, *found = NULL;
  assert_true(cg_json_int(d, "counts.rejected", 0) >= 1);
  assert_true(cJSON_IsNumber(cg_json_get(d, "counts.accepted")));
  cJSON_ArrayForEach(it, cg_json_get(d, "items"))
  {
    if (strcmp(cg_json_str(it, "sku"), NOPE) == 0)
      found = it;
    assert_string_equal(cg_json_str(it, "state"), "rejected");
  }
  assert_non_null(found);
  assert_nope(found);
  cJSON_Delete(d);
  d = e2e_get(&T, 'a', "/api/v1/merchants/shop/items/" NOPE);
  assert_nope(d);
  cJSON_Delete(d);
  d = e2e_get(&T, 'a', "/api/v1/merchants/shop/items/NO-SUCH-SKU");
  assert_string_equal(cg_json_str(d, "error"),
                      "no such SKU in the item master");
  cJSON_Delete(d);
  d = e2e_get(&T, 'a', "/api/v1/merchants/shop/items?limit=1");
  assert_int_equal(cJSON_GetArraySize(cg_json_get(d, "items")), 1);
  assert_non_null(cg_json_str(d, "next")); /* a full page: the next one's key */
  cJSON_Delete(d);
  d = e2e_get(&T, 'a', "/api/v1/merchants/shop/items?state=accepted");
  assert_non_null(strstr(cg_json_str(d, "error"), "pending or rejected"));
  cJSON_Delete(d);
}

/* Runs the CLI; its exit code and stdout+stderr in out. */
static int cli(const char *args, char *out, size_t size)
{
  char cmd[2048];
  snprintf(cmd, sizeof(cmd), "'%s/centra-gxo' %s -c '%s' %s", tu_build_dir(),
           args, T.config, strstr(args, "--json") ? "2>/dev/null" : "2>&1");
  FILE *p = popen(cmd, "r");
  assert_non_null(p);
  size_t n = fread(out, 1, size - 1, p);
  out[n] = '\0';
  int st = pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_cli(void **state)
{
  static char out[65536];
  e2e_engine_stop(&T);
  assert_int_equal(cli("items pending --state rejected", out, sizeof(out)), 0);
  if (strstr(out, "items: pending ") == NULL || strstr(out, NOPE) == NULL ||
      strstr(out, "orders waiting: ") == NULL)
    fail_msg("items pending output:\n%s", out);
  assert_int_equal(cli("items show " NOPE, out, sizeof(out)), 0);
  const char *want[] = {"item " NOPE,
                        "state       rejected: missing-hs-code at /hsCode",
                        "(warehouse)", "waiting     ", "\"sku\":\"" NOPE};
  for (size_t i = 0; i < sizeof(want) / sizeof(*want); i++)
    if (strstr(out, want[i]) == NULL)
      fail_msg("items show lacks \"%s\":\n%s", want[i], out);
  assert_int_equal(cli("items show " NOPE " --json", out, sizeof(out)), 0);
  cJSON *d = cg_json_parse(out, strlen(out), NULL);
  assert_non_null(d);
  assert_nope(d);
  cJSON_Delete(d);
  assert_int_equal(cli("items show NO-SUCH-SKU", out, sizeof(out)), 1);
  assert_non_null(strstr(out, "not in the item master"));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_held_message),
      cmocka_unit_test(test_admin_api),
      cmocka_unit_test(test_cli),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
