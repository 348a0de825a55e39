/*
 * End to end: /healthz tells the truth about the store. A healthy engine
 * answers 200 with every merchant's store "ok"; once the store file of the
 * running engine is deleted (or replaced by another file) it answers 503
 * and the body names the merchant and the file, however well the open
 * descriptor still works.
 */
#include "e2e.h"

#include "base/json.h"
#include "base/mem.h"
#include "testutil.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static struct e2e T;

static void expect_problem(const char *needle)
{
  cJSON *doc;
  assert_int_equal(e2e_healthz(&T, &doc), 503);
  assert_string_equal(cg_json_str(doc, "status"), "failing");
  const char *p =
      cJSON_GetStringValue(cJSON_GetArrayItem(cg_json_get(doc, "problems"), 0));
  assert_non_null(p);
  if (strstr(p, "merchant 'shop'") == NULL || strstr(p, "shop.db") == NULL ||
      strstr(p, needle) == NULL)
    fail_msg("problem '%s' does not name the merchant, the file and '%s'", p,
             needle);
  cJSON_Delete(doc);
}

static void start(void)
{
  char *scenario = e2e_scenario(1, 0);
  struct e2e_opts o = {.scenario_json = scenario, .seed = 3};
  e2e_setup(&T, &o);
  cg_free(scenario);
  e2e_engine_start(&T);
}

static void expect_healthy(void)
{
  cJSON *doc;
  assert_int_equal(e2e_healthz(&T, &doc), 200);
  assert_string_equal(cg_json_str(doc, "status"), "ok");
  const cJSON *m = cJSON_GetArrayItem(cg_json_get(doc, "merchants"), 0);
  assert_string_equal(cg_json_str(m, "store"), "ok");
  assert_int_equal(cJSON_GetArraySize(cg_json_get(doc, "problems")), 0);
  cJSON_Delete(doc);
}

static void test_store_deleted(void **state)
{
  start();
  expect_healthy();
  expect_healthy(); /* the write probe leaves nothing behind */
  char path[600];
  snprintf(path, sizeof(path), "%s/shop.db", T.dir);
  assert_int_equal(unlink(path), 0);
  expect_problem("missing");
  e2e_engine_kill(&T);
  e2e_teardown(&T);
}

static void test_store_replaced(void **state)
{
  start();
  char path[600], other[620];
  snprintf(path, sizeof(path), "%s/shop.db", T.dir);
  snprintf(other, sizeof(other), "%s/other.db", T.dir);
  FILE *f = fopen(other, "w");
  assert_non_null(f);
  fclose(f);
  assert_int_equal(rename(other, path), 0);
  expect_problem("replaced");
  e2e_engine_kill(&T);
  e2e_teardown(&T);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_store_deleted),
      cmocka_unit_test(test_store_replaced),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
