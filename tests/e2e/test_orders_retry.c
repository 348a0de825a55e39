/*
 * End to end: held orders come back.
 *  - A rule pack change (the folder is watched) that maps the missing
 *    shipping option releases the UNMAPPED_CARRIER orders.
 *  - A broken pack is refused and the running generation keeps deciding.
 *  - After the item is created at the warehouse, `centra-gxo exceptions
 *    retry ID` releases an UNKNOWN_SKU order; it is resent under a new
 *    idempotency-key revision because the warehouse replays the stored
 *    422 for the old key.
 */
#include "e2e.h"
#include "e2e_orders.h"

#include "base/json.h"
#include "base/mem.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static struct e2e T;
static struct orders_expect X;
static char pack[600];

static bool wms_at_least(struct e2e *t, void *arg)
{
  return e2e_wms_orders(t) >= *(long *)arg;
}

static bool refused_reload(struct e2e *t, void *arg)
{
  return e2e_log_has(t, "rule reload refused");
}

static void append_to(const char *file, const char *text)
{
  char path[700];
  snprintf(path, sizeof(path), "%s/%s", pack, file);
  FILE *f = fopen(path, "a");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

/* The reference carriers.lua with one more option mapped. */
static void restore_with_mapping(void)
{
  char src[700], dst[700], text[16384];
  snprintf(src, sizeof(src), "%s/rules/default/carriers.lua", tu_source_dir());
  snprintf(dst, sizeof(dst), "%s/carriers.lua", pack);
  FILE *f = fopen(src, "r");
  assert_non_null(f);
  size_t n = fread(text, 1, sizeof(text) - 1, f);
  fclose(f);
  text[n] = '\0';
  char *at = strstr(text, "options = {");
  assert_non_null(at);
  at += strlen("options = {");
  f = fopen(dst, "w");
  fwrite(text, 1, (size_t)(at - text), f);
  fputs("\n    [\"carrier-pigeon\"] = { carrierCode = \"POSTNORD\","
        " serviceCode = \"PN-MYPACK-HOME\" },",
        f);
  fputs(at, f);
  fclose(f);
}

static void setup_run(void)
{
  char *scenario = e2e_scenario(60, 3);
  struct e2e_opts o = {.scenario_json = scenario, .seed = 17};
  char *dir = tu_tmpdir("pack");
  snprintf(pack, sizeof(pack), "%s/default", dir);
  char cmd[1400];
  snprintf(cmd, sizeof(cmd), "cp -r '%s/rules/default' '%s'", tu_source_dir(),
           dir);
  assert_int_equal(system(cmd), 0);
  cg_free(dir);
  o.rules = pack;
  e2e_setup(&T, &o);
  cg_free(scenario);
  orders_expect_read(&T, &X);
  e2e_engine_start(&T);
  assert_true(orders_wait_settled(&T, &X, 120));
}

static void test_rule_change_releases_held(void **state)
{
  setup_run();
  assert_int_equal(e2e_open_exceptions(&T, "shop", "UNMAPPED_CARRIER"),
                   X.bad[0]);
  /* A broken pack is refused; nothing changes. The watch must have fired
   * and the reload been refused: a fixed sleep would pass with no watch
   * at all (nothing reloads, so nothing changes either). */
  assert_false(e2e_log_has(&T, "rule reload refused"));
  append_to("carriers.lua", "\nthis is not lua\n");
  if (!e2e_wait(&T, 30, refused_reload, NULL))
    fail_msg("no reload was attempted after the pack changed (watch?)");
  assert_int_equal(e2e_open_exceptions(&T, "shop", "UNMAPPED_CARRIER"),
                   X.bad[0]);
  assert_int_equal(e2e_open_exceptions(&T, "shop", "RULE_ERROR"),
                   1); /* the operator sees it */
  /* Restore the pack and add the mapping: the held orders go out. */
  restore_with_mapping();
  long want = X.good + X.bad[0];
  if (!e2e_wait(&T, 60, wms_at_least, &want))
    fail_msg("unmapped orders not released: %ld at warehouse, want %ld",
             e2e_wms_orders(&T), want);
  assert_int_equal(e2e_open_exceptions(&T, "shop", "UNMAPPED_CARRIER"), 0);
  assert_int_equal(e2e_open_exceptions(&T, "shop", "INVALID_ADDRESS"),
                   X.bad[1]);
  assert_int_equal(e2e_open_exceptions(&T, "shop", "RULE_ERROR"),
                   0); /* closed by the good one */
  assert_true(e2e_log_has(&T, "rules reloaded: "));
}

static void run_cli_retry(long id)
{
  char bin[512], ids[32];
  snprintf(bin, sizeof(bin), "%s/centra-gxo", tu_build_dir());
  snprintf(ids, sizeof(ids), "%ld", id);
  char *argv[] = {bin, "exceptions", "retry", ids, "-c", T.config, NULL};
  pid_t pid = tu_spawn(argv, NULL);
  int status = 0;
  waitpid(pid, &status, 0);
  tu_forget(pid);
  assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_cli_retry_after_item_created(void **state)
{
  cJSON_Delete(e2e_post(&T, 'g', "/_sim/wms/items",
                        "{\"items\":[{\"sku\":\"NOPE-SKU-1\",\"gtin\":"
                        "\"0000000000017\",\"description\":\"late item\"}]}"));
  cJSON *doc = e2e_get(&T, 'a',
                       "/api/v1/merchants/shop/exceptions"
                       "?type=UNKNOWN_SKU");
  const cJSON *x;
  long n = 0;
  cJSON_ArrayForEach(x, doc)
  {
    run_cli_retry((long)cg_json_int(x, "id", 0));
    n++;
  }
  assert_int_equal(n, X.bad[2]);
  long want = X.good + X.bad[0] + X.bad[2];
  if (!e2e_wait(&T, 60, wms_at_least, &want))
    fail_msg("UNKNOWN_SKU orders not released: %ld at warehouse, want %ld",
             e2e_wms_orders(&T), want);
  cJSON_ArrayForEach(x, doc)
  {
    char path[128];
    snprintf(path, sizeof(path), "/_sim/wms/orders/%s", cg_json_str(x, "key"));
    cJSON *w = e2e_get(&T, 'g', path);
    char *keys = cJSON_PrintUnformatted(cg_json_get(w, "attempts"));
    assert_non_null(strstr(keys, "-r2"));
    cJSON_free(keys);
    cJSON_Delete(w);
  }
  cJSON_Delete(doc);
  assert_int_equal(e2e_open_exceptions(&T, "shop", "UNKNOWN_SKU"), 0);
  e2e_engine_stop(&T);
  e2e_teardown(&T);
  char *dir = cg_strdup(pack);
  *strrchr(dir, '/') = '\0';
  tu_rmtree(dir);
  cg_free(dir);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rule_change_releases_held),
      cmocka_unit_test(test_cli_retry_after_item_created),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
