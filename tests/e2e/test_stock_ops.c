/*
 * End to end (issue 10 item 5): the stock operations surface against the
 * simulators. The pack's stock.lua holds back 2 units per SKU, caps the
 * prefix H14- at 9 units and excludes B2B-; the warehouse adjusts a SKU
 * (AVAILABLE 10, ALLOCATED 2, QUARANTINE 3) and an excluded one. Then:
 *
 *   - GET /api/v1/merchants/shop/stock/{sku}: the levels, the sellable
 *     sum (12: QUARANTINE is not sellable), the pack's figure (min(12 -
 *     2, 9) = 9) and P; the policy came from the pack through the rule
 *     host (merchant.c asks it of every generation);
 *   - the excluded SKU has no P; an unknown SKU is 404;
 *   - GET .../stock?state=dirty|held|drift answer lists, another state
 *     400; /metrics has the stock series;
 *   - a reload whose stock.lua returns a table the engine cannot read
 *     raises RULE_ERROR (rules/stock.policy) and keeps the policy;
 *   - `centra-gxo stock show SKU` (engine stopped: it reads the store)
 *     prints the same figures, --json gives the same P, an unknown SKU
 *     exits 1 and bad usage 2.
 */
#include "e2e.h"
#include "e2e_pack.h"
#include "e2e_stock.h"

#include "base/json.h"
#include "base/mem.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#define SKU "H14-SHOW-1"
#define EXCLUDED "B2B-ONLY-1"

static struct e2e T;
static char *pack;

static const char stock_lua[] =
    "return { buffer = 2, cap_prefixes = { [\"H14-\"] = 9 },\n"
    "         exclude_prefixes = { \"B2B-\" } }\n";

static void adjust(const char *sku, const char *status, int delta)
{
  char body[256];
  snprintf(body, sizeof(body),
           "{\"sku\": \"%s\", \"status\": \"%s\", \"delta\": %d, "
           "\"reasonCode\": \"AA\"}",
           sku, status, delta);
  cJSON *r = e2e_post(&T, 'g', "/_sim/wms/stock/adjust", body);
  assert_non_null(r);
  cJSON_Delete(r);
}

/* The engine shows the SKU with at least `warehouse` units. */
static bool has_units(struct e2e *t, void *arg)
{
  const char *sku = arg;
  cJSON *d = stock_show(&T, sku);
  bool ok = cg_json_int(d, "warehouse", -1) >= (strcmp(sku, SKU) == 0 ? 15 : 4);
  cJSON_Delete(d);
  return ok;
}

/* The pack's policy is in force: the engine asks the rule host for it
 * once the generation is loaded, and a slow host (a loaded machine)
 * answers after the first stock events are in. */
static bool policy_in_force(struct e2e *t, void *arg)
{
  (void)t;
  (void)arg;
  cJSON *d = stock_show(&T, SKU);
  bool ok = cg_json_int(d, "policy.buffer", -1) == 2;
  cJSON_Delete(d);
  return ok;
}

static int setup(void **state)
{
  char *scenario = e2e_scenario(0, 0);
  pack = e2e_pack_with("stock.lua", stock_lua);
  assert_non_null(pack);
  struct e2e_opts o = {.scenario_json = scenario, .rules = pack};
  e2e_setup(&T, &o);
  cg_free(scenario);
  e2e_engine_start(&T);
  adjust(SKU, "AVAILABLE", 10);
  adjust(SKU, "ALLOCATED", 2);
  adjust(SKU, "QUARANTINE", 3);
  adjust(EXCLUDED, "AVAILABLE", 4);
  assert_true(e2e_wait(&T, 60, has_units, SKU));
  assert_true(e2e_wait(&T, 60, has_units, EXCLUDED));
  assert_true(e2e_wait(&T, 60, policy_in_force, NULL));
  return 0;
}

static int teardown(void **state)
{
  e2e_teardown(&T);
  e2e_pack_remove(pack);
  cg_free(pack);
  return 0;
}

static void assert_figures(const cJSON *d)
{
  assert_int_equal(cg_json_int(d, "levels.AVAILABLE", -1), 10);
  assert_int_equal(cg_json_int(d, "levels.ALLOCATED", -1), 2);
  assert_int_equal(cg_json_int(d, "levels.QUARANTINE", -1), 3);
  assert_int_equal(cg_json_int(d, "warehouse", -1), 15);
  assert_int_equal(cg_json_int(d, "sellable", -1), 12);
  assert_int_equal(cg_json_int(d, "policy.buffer", -1), 2);
  assert_int_equal(cg_json_int(d, "policy.cap", -1), 9);
  assert_int_equal(cg_json_int(d, "figure", -1), 9);
  int64_t dispatched = cg_json_int(d, "dispatched", -1);
  int64_t returned = cg_json_int(d, "returned", -1);
  assert_int_equal(dispatched, 0);
  assert_int_equal(returned, 0);
  assert_int_equal(cg_json_int(d, "target", -1), 9);
}

static void test_admin_api(void **state)
{
  cJSON *d = stock_show(&T, SKU);
  assert_string_equal(cg_json_str(d, "sku"), SKU);
  assert_figures(d);
  if (cJSON_IsObject(cg_json_get(d, "pushed"))) /* when the push has run */
    assert_int_equal(cg_json_int(d, "pushed.quantity", -1), 9);
  cJSON_Delete(d);

  d = stock_show(&T, EXCLUDED);
  assert_true(cJSON_IsTrue(cg_json_get(d, "policy.excluded")));
  assert_true(cJSON_IsNull(cg_json_get(d, "target")));
  cJSON_Delete(d);

  d = stock_show(&T, "NO-SUCH-SKU");
  assert_string_equal(cg_json_str(d, "error"), "no such SKU");
  cJSON_Delete(d);

  const char *states[] = {"dirty", "held", "drift"};
  for (int i = 0; i < 3; i++) {
    char path[128];
    snprintf(path, sizeof(path), "/api/v1/merchants/shop/stock?state=%s",
             states[i]);
    d = e2e_get(&T, 'a', path);
    assert_true(cJSON_IsArray(d));
    cJSON_Delete(d);
  }
  d = e2e_get(&T, 'a', "/api/v1/merchants/shop/stock?state=lost");
  assert_non_null(strstr(cg_json_str(d, "error"), "drift, held or dirty"));
  cJSON_Delete(d);
  /* the levels came from the events or from the initial snapshot (which
   * covers the events before its sequence), depending on timing */
  assert_true(e2e_metric(&T, "cg_stock_events_total") +
                  e2e_metric(&T, "cg_stock_snapshots_total") >=
              1);
  assert_true(e2e_metric(&T, "cg_stock_dirty_skus") >= 0);
  assert_true(e2e_metric(&T, "cg_stock_drifts_total") >= 0);
}

static bool policy_error(struct e2e *t, void *arg)
{
  return e2e_open_exceptions(t, "shop", "RULE_ERROR") >= 1;
}

/* A reload whose table the engine cannot read: RULE_ERROR, the policy
 * in force stays. */
static void test_bad_policy_keeps_the_last(void **state)
{
  char path[1024];
  snprintf(path, sizeof(path), "%s/stock.lua", pack);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs("return { buffer = -1 }\n", f);
  fclose(f);
  cJSON *r = e2e_post(&T, 'a', "/api/v1/merchants/shop/rules/reload", "");
  cJSON_Delete(r);
  assert_true(e2e_wait(&T, 60, policy_error, NULL));
  cJSON *x =
      e2e_get(&T, 'a', "/api/v1/merchants/shop/exceptions?type=RULE_ERROR");
  assert_string_equal(cg_json_str(cJSON_GetArrayItem(x, 0), "key"),
                      "stock.policy");
  assert_non_null(strstr(cg_json_str(cJSON_GetArrayItem(x, 0), "message"),
                         "stock.buffer must be a whole number >= 0"));
  cJSON_Delete(x);
  cJSON *d = stock_show(&T, SKU);
  assert_figures(d); /* still the pack's buffer and cap */
  cJSON_Delete(d);
}

/* Runs the CLI; its exit code, stdout (and stderr unless json) in out:
 * the rule host the CLI starts logs to stderr. */
static int cli(const char *args, char *out, size_t size)
{
  char cmd[2048];
  bool json = strstr(args, "--json") != NULL;
  snprintf(cmd, sizeof(cmd), "'%s/centra-gxo' %s -c '%s' %s", tu_build_dir(),
           args, T.config, json ? "2>/dev/null" : "2>&1");
  FILE *p = popen(cmd, "r");
  assert_non_null(p);
  size_t n = fread(out, 1, size - 1, p);
  out[n] = '\0';
  int st = pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_cli(void **state)
{
  static char out[16384];
  /* the pack on disk is readable again */
  char path[1024];
  snprintf(path, sizeof(path), "%s/stock.lua", pack);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(stock_lua, f);
  fclose(f);
  e2e_engine_stop(&T);
  assert_int_equal(cli("stock show " SKU, out, sizeof(out)), 0);
  const char *want[] = {
      "stock " SKU, "warehouse   15 units: ",
      "sellable    12 (AVAILABLE, ALLOCATED), less buffer 2, at most 9 -> 9",
      "P           9 what Centra should hold (9 + 0 + 0)",
      "policy      the pack "};
  for (size_t i = 0; i < sizeof(want) / sizeof(*want); i++)
    if (strstr(out, want[i]) == NULL)
      fail_msg("stock show lacks \"%s\":\n%s", want[i], out);
  assert_int_equal(cli("stock show " SKU " --json", out, sizeof(out)), 0);
  cJSON *d = cg_json_parse(out, strlen(out), NULL);
  assert_non_null(d);
  assert_figures(d);
  cJSON_Delete(d);
  assert_int_equal(cli("stock show " EXCLUDED, out, sizeof(out)), 0);
  assert_non_null(strstr(out, "excluded by the pack"));
  assert_int_equal(cli("stock show NO-SUCH-SKU", out, sizeof(out)), 1);
  assert_non_null(strstr(out, "not known to the engine"));
  assert_int_equal(cli("stock list", out, sizeof(out)), 2);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_admin_api),
      cmocka_unit_test(test_bad_policy_keeps_the_last),
      cmocka_unit_test(test_cli),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
