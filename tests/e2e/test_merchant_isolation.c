/*
 * End to end: one merchant's broken rule pack never stops another
 * merchant, nor itself when it once had a good one.
 *
 *   1. Two merchants start; the second's pack loads, and the store keeps
 *      its sources as the last good ones.
 *   2. The second's pack is broken on disk, the engine restarts: the
 *      second boots from the last good sources, with a RULE_ERROR
 *      exception and a log line that say so; the first exports its orders.
 *   3. With no last good sources either (a fresh store), the second runs
 *      without rules: /healthz answers 503 naming it, a RULE_ERROR says
 *      why, and the first runs. The pack's load is the rule host's work,
 *      never the engine's loop: the admin API answers throughout.
 *   4. The pack is fixed and reloaded: the second has rules, /healthz
 *      answers 200 and the exception is resolved.
 */
#include "e2e.h"
#include "e2e_orders.h"

#include "base/buf.h"
#include "base/json.h"
#include "base/mem.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct e2e T;
static char pack2[600];

/* A second merchant on the same simulator that takes no orders (no
 * events, no poll, no feed): only its rules and store matter here. */
static char *second_merchant(void)
{
  struct cg_buf b = CG_BUF_INIT;
  cg_buf_printf(
      &b,
      "merchants[2] = { id = 'other', store = 'other.db', rules = '%s',\n"
      "  centra = { url = merchants[1].centra.url,\n"
      "             token = merchants[1].centra.token, events = false },\n"
      "  gxo = { url = merchants[1].gxo.url, client_id = 'centra-gxo',\n"
      "          client_secret = merchants[1].gxo.client_secret,\n"
      "          site = 'SE-GOT-01' },\n"
      "  schedules = { poll_orders = 0, gxo_events = 0 } }\n",
      pack2);
  return b.data;
}

static void copy_default_pack(void)
{
  char cmd[1400];
  snprintf(cmd, sizeof(cmd), "cp -r '%s/rules/default' '%s'", tu_source_dir(),
           pack2);
  assert_int_equal(system(cmd), 0);
}

static void break_pack(void)
{
  char path[700];
  snprintf(path, sizeof(path), "%s/orders.lua", pack2);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs("return { this is not Lua\n", f);
  fclose(f);
}

static const cJSON *problem(const cJSON *doc, const char *needle)
{
  const cJSON *p;
  cJSON_ArrayForEach(p, cg_json_get(doc, "problems"))
  {
    if (cJSON_IsString(p) && strstr(p->valuestring, needle) != NULL)
      return p;
  }
  return NULL;
}

static bool healthz_is(struct e2e *t, void *arg)
{
  cJSON *doc = NULL;
  long status = e2e_healthz(t, &doc);
  cJSON_Delete(doc);
  return status == *(long *)arg;
}

/* The pack loads in the rule host, after the start: its sources are
 * saved when it answers. */
static bool other_loaded(struct e2e *t, void *arg)
{
  return e2e_log_has(t, "[merchant=other] rules loaded: ");
}

static bool fell_back(struct e2e *t, void *arg)
{
  return e2e_log_has(t, "running the last good generation");
}

/* The pack loads in the merchant's rule host, asynchronously: the
 * fallback follows its refusal within moments of the start. */
static void expect_fallback_exception(void)
{
  assert_true(e2e_wait(&T, 10, fell_back, NULL));
  cJSON *x =
      e2e_get(&T, 'a', "/api/v1/merchants/other/exceptions?type=RULE_ERROR");
  const cJSON *e0 = cJSON_GetArrayItem(x, 0);
  assert_non_null(e0);
  assert_non_null(strstr(cg_json_str(e0, "message"), "last good generation"));
  cJSON_Delete(x);
}

static void test_broken_pack_isolated(void **state)
{
  char *scenario = e2e_scenario(40, 0);
  struct e2e_opts o = {.scenario_json = scenario, .seed = 31};
  e2e_setup(&T, &o);
  cg_free(scenario);
  snprintf(pack2, sizeof(pack2), "%s/pack2", T.dir);
  copy_default_pack();
  char *extra = second_merchant();
  FILE *f = fopen(T.config, "a");
  assert_non_null(f);
  fputs(extra, f);
  fclose(f);
  cg_free(extra);
  /* 1. Both start; the second's sources are kept. */
  cJSON *doc = NULL;
  e2e_engine_start(&T);
  assert_true(e2e_wait(&T, 10, other_loaded, NULL));
  assert_int_equal(e2e_healthz(&T, &doc), 200);
  cJSON_Delete(doc);
  e2e_engine_stop(&T);
  /* 2. Broken on disk: the last good generation runs. */
  break_pack();
  e2e_engine_start(&T);
  assert_int_equal(e2e_healthz(&T, &doc), 200);
  cJSON_Delete(doc);
  expect_fallback_exception();
  struct orders_expect x;
  orders_expect_read(&T, &x);
  if (!orders_wait_settled(&T, &x, 120))
    fail_msg("the first merchant's orders did not settle; see %s", T.dir);
  orders_verify(&T, &x);
  e2e_engine_stop(&T);
  /* 3. Nothing to fall back to: only the second merchant is down. */
  char db[700];
  snprintf(db, sizeof(db), "%s/other.db", T.dir);
  assert_int_equal(unlink(db), 0);
  e2e_engine_start(&T);
  assert_true(e2e_wait(&T, 10, healthz_is, &(long){503}));
  assert_int_equal(e2e_healthz(&T, &doc), 503);
  assert_non_null(problem(doc, "merchant 'other' has no rules"));
  cJSON_Delete(doc);
  assert_int_equal(e2e_open_exceptions(&T, "other", "RULE_ERROR"), 1);
  cJSON *shop = e2e_get(&T, 'a', "/api/v1/merchants/shop/exceptions");
  assert_non_null(shop); /* the first merchant answers */
  cJSON_Delete(shop);
  /* 4. Fixed and reloaded: rules, a healthy engine, the alert closed. */
  char rm[700];
  snprintf(rm, sizeof(rm), "rm -rf '%s'", pack2);
  assert_int_equal(system(rm), 0);
  copy_default_pack();
  cJSON_Delete(e2e_post(&T, 'a', "/api/v1/merchants/other/rules/reload", ""));
  assert_true(e2e_wait(&T, 10, healthz_is, &(long){200}));
  assert_int_equal(e2e_open_exceptions(&T, "other", "RULE_ERROR"), 0);
  e2e_engine_stop(&T);
  e2e_teardown(&T);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_broken_pack_isolated),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
