/*
 * End to end (issue 10): the warehouse's stock reaches Centra through the
 * stock push (core/flows/stock_push.c), against both simulators. The
 * catalogue's SKUs are known to both sides, with no stock yet (so a
 * first snapshot, when the engine takes one, changes nothing); the
 * merchant's Centra warehouse is 2 (centra.warehouse).
 *
 *  coalesced: 50 adjustments of one SKU in one burst reach warehouse 2
 *    (and only it) as one figure, the last: no figure in between is ever
 *    written; 300 SKUs changed together land in one setStock; a SKU
 *    Centra does not know is held with STOCK_SYNC while the others of its
 *    batch land, and lands once it exists in Centra and the exception is
 *    retried.
 *  throttled: Centra answers setStock with 429 and Retry-After three
 *    times in a row: every change lands, nothing goes to Centra before a
 *    Retry-After, and the mutation budget is never exceeded.
 *
 * Writes are counted by what they hold, not by how many there are: a
 * reconcile may set a figure again (absolute, harmless).
 */
#include "e2e.h"
#include "e2e_dispatch.h"
#include "e2e_settle.h"
#include "e2e_stock.h"

#include "base/json.h"
#include "base/mem.h"
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#define SKUS 301  /* STK-00001..300 change together; 301 alone */
#define WH 2      /* the merchant's Centra warehouse */
#define START 0   /* the stock of each SKU at start, on both sides */
#define BURST 300 /* SKUs in the many-SKU burst */
#define ONE_SKU 301
#define GHOST "GHOST-1"

static const char CONFIG[] = "merchants[1].centra.warehouse = 2";

static void start(struct e2e *t, unsigned seed, const char *const *sim_args)
{
  char *scenario = stock_scenario(SKUS, START, START, WH);
  struct e2e_opts o = {.scenario_json = scenario,
                       .seed = seed,
                       .sim_args = sim_args,
                       .subscribe_webhooks = true,
                       .extra_config = CONFIG};
  e2e_setup(t, &o);
  cg_free(scenario);
  e2e_engine_start(t);
}

/* The SKUs first..last (names in a static table) and one figure each. */
static const char *const *skus_of(long first, long last, long qty, long *want)
{
  static char names[SKUS + 1][32];
  static const char *ptrs[SKUS + 1];
  for (long i = first; i <= last; i++) {
    stock_sku(i, names[i - first], sizeof(names[0]));
    ptrs[i - first] = names[i - first];
    want[i - first] = qty;
  }
  return ptrs;
}

/* Nothing left to send before a burst. */
static void wait_idle(struct e2e *t)
{
  if (!dispatch_wait_idle(t, 60))
    fail_msg("the engine did not go idle; see %s", t->dir);
}

/* Writes after the first `from` that hold sku; *other (may be NULL)
 * counts those whose figure is not want. */
static int writes_with(const cJSON *writes, int from, const char *sku,
                       long want, int *other)
{
  int n = 0;
  for (int i = from; i < cJSON_GetArraySize(writes); i++) {
    long q = stock_write_qty(cJSON_GetArrayItem(writes, i), sku);
    n += q >= 0;
    if (other != NULL)
      *other += q >= 0 && q != want;
  }
  return n;
}

/* The writes after `from` that hold every one of skus. */
static int writes_with_all(const cJSON *writes, int from,
                           const char *const *skus, int n)
{
  int all = 0;
  for (int i = from; i < cJSON_GetArraySize(writes); i++) {
    int k = 0;
    while (k < n &&
           stock_write_qty(cJSON_GetArrayItem(writes, i), skus[k]) >= 0)
      k++;
    all += k == n;
  }
  return all;
}

static int writes_now(struct e2e *t)
{
  cJSON *w = stock_writes(t);
  int n = cJSON_GetArraySize(w);
  cJSON_Delete(w);
  return n;
}

/* 50 adjustments of one SKU: one figure, the last, to warehouse 2. */
static void one_sku_burst(struct e2e *t)
{
  char sku[32];
  long want = START + 50;
  int other = 0;
  stock_sku(ONE_SKU, sku, sizeof(sku));
  int from = writes_now(t);
  cJSON *items = cJSON_CreateArray();
  for (int i = 0; i < 50; i++)
    stock_item(items, sku, 1);
  cJSON_Delete(stock_adjust(t, items));
  const char *skus[] = {sku};
  if (!stock_wait_centra(t, skus, &want, 1, WH, 60))
    fail_msg("50 adjustments of %s did not land; see %s", sku, t->dir);
  cJSON *writes = stock_writes(t);
  assert_true(writes_with(writes, from, sku, want, &other) >= 1);
  assert_int_equal(other, 0); /* no figure in between */
  cJSON_Delete(writes);
  assert_int_equal(stock_centra_physical(t, sku, 1), -1);
}

/* 300 SKUs changed together: one setStock holds them all. */
static void many_sku_burst(struct e2e *t)
{
  static long want[BURST];
  const char *const *skus = skus_of(1, BURST, START + 2, want);
  int from = writes_now(t);
  cJSON *items = cJSON_CreateArray();
  for (int i = 0; i < BURST; i++)
    stock_item(items, skus[i], 2);
  cJSON_Delete(stock_adjust(t, items));
  if (!stock_wait_centra(t, skus, want, BURST, WH, 120))
    fail_msg("300 changed SKUs did not land; see %s", t->dir);
  cJSON *writes = stock_writes(t);
  assert_int_equal(writes_with_all(writes, from, skus, BURST), 1);
  cJSON_Delete(writes);
}

static bool sync_open(struct e2e *t, void *arg)
{
  return e2e_open_exceptions(t, "shop", "STOCK_SYNC") == *(long *)arg;
}

/* A SKU Centra does not know: held with STOCK_SYNC, the others land;
 * created in Centra and retried, it lands. */
static void unknown_sku(struct e2e *t)
{
  char a[32], b[32];
  long want[2] = {START + 2 + 1, START + 2 + 1}, one = 1, none = 0, five = 5;
  stock_sku(1, a, sizeof(a));
  stock_sku(2, b, sizeof(b));
  cJSON *items = cJSON_CreateArray();
  stock_item(items, GHOST, 5);
  stock_item(items, a, 1);
  stock_item(items, b, 1);
  cJSON_Delete(stock_adjust(t, items));
  const char *skus[] = {a, b}, *ghost[] = {GHOST};
  if (!stock_wait_centra(t, skus, want, 2, WH, 60))
    fail_msg("the SKUs beside an unknown one did not land; see %s", t->dir);
  if (!e2e_wait(t, 30, sync_open, &one))
    fail_msg("no STOCK_SYNC for %s; see %s", GHOST, t->dir);
  cJSON *x = settle_exception(t, "STOCK_SYNC", GHOST);
  assert_non_null(x);
  assert_non_null(strstr(cg_json_str(x, "message"), GHOST));
  assert_int_equal(stock_centra_physical(t, GHOST, WH), -1);
  dispatch_post_ok(t, 'c', "/_sim/centra/products",
                   "{\"products\": [{\"sku\": \"" GHOST "\", \"ean\":"
                   " \"5770099999999\", \"stock\": {\"2\": 0}}]}");
  settle_retry(t, (long)cg_json_int(x, "id", 0));
  cJSON_Delete(x);
  if (!stock_wait_centra(t, ghost, &five, 1, WH, 60))
    fail_msg("%s did not land after the retry; see %s", GHOST, t->dir);
  assert_true(e2e_wait(t, 10, sync_open, &none));
}

static void test_coalesced(void **state)
{
  struct e2e t;
  start(&t, 71, NULL);
  wait_idle(&t);
  one_sku_burst(&t);
  many_sku_burst(&t);
  unknown_sku(&t);
  e2e_engine_stop(&t);
  e2e_teardown(&t);
}

/* 429 with Retry-After on setStock: all changes land; no request before
 * a Retry-After; the mutation budget never exceeded. */
static void test_throttled(void **state)
{
  struct e2e t;
  static long want[BURST];
  start(&t, 73, NULL);
  wait_idle(&t);
  dispatch_post_ok(&t, 'c', "/_sim/faults",
                   "{\"rules\": [{\"path\": \"/graphql\", \"operationName\":"
                   " \"CgSetStock\", \"share429\": 1, \"retryAfter\": 2,"
                   " \"limit\": 3}]}");
  const char *const *skus = skus_of(1, BURST, START + 3, want);
  for (int round = 0; round < 3; round++) {
    cJSON *items = cJSON_CreateArray();
    for (int i = round; i < BURST; i += 3)
      stock_item(items, skus[i], 3);
    cJSON_Delete(stock_adjust(&t, items));
  }
  if (!stock_wait_centra(&t, skus, want, BURST, WH, 120))
    fail_msg("changes did not land after 429s; see %s", t.dir);
  cJSON *calls = e2e_get(&t, 'c', "/_sim/calls?side=centra&limit=1");
  assert_true(cg_json_int(calls, "counts.429", 0) >= 3);
  cJSON_Delete(calls);
  e2e_expect_centra_paced(&t);
  e2e_engine_stop(&t);
  e2e_teardown(&t);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_coalesced),
      cmocka_unit_test(test_throttled),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
