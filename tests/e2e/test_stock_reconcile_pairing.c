/*
 * End to end (issue 10): a stock reconcile compares a SKU's Centra
 * figure as soon as the snapshot's page listing it is applied, instead
 * of waiting for the whole snapshot (docs/internals/stock.md "Comparing
 * while the snapshot is paged"). The warehouse takes 300 ms over each
 * page of its stock list, 50 SKUs a page (nine pages for 401 SKUs):
 *
 *   (a) Centra's figures come first: every SKU is compared while the
 *       snapshot is paged, each once, none off;
 *   (b) a SKU whose Centra figure was changed behind the engine's back
 *       is found that way too: STOCK_DRIFT with both figures, and the
 *       engine's figure written again; the 400 others are confirmed from
 *       the reconcile's image without a write, and stock show gives the
 *       reconcile's time for them;
 *   (c) Centra slower than the warehouse's first pages (1 s a page):
 *       figures meet SKUs applied before them, and the rest the other
 *       way; every SKU is still compared once, and a SKU off is
 *       corrected (with a STOCK_DRIFT: the initial sync pushed every
 *       SKU).
 */
#include "e2e.h"
#include "e2e_dispatch.h"
#include "e2e_stock.h"

#include "base/json.h"
#include "base/mem.h"
#include "base/time.h"
#include "testutil.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#define PRODUCTS 401 /* one size each: three Centra pages */
#define QTY 4        /* of each, on both sides */
#define WH 1
#define DRIFTED "STK-00007" /* stock_sku(7) */
#define OFF "STK-00011"
#define STOCK_CONFIG "stock = { reconcile_s = 0, snapshot_page = 50 },"
#define WMS_SLOW                                                               \
  "{\"rules\": [{\"path\": \"/wms/v1/stock*\", \"method\": \"GET\","           \
  " \"latencyMs\": 300}], \"replace\": true}"
#define CENTRA_SLOW                                                            \
  "{\"rules\": [{\"path\": \"/graphql\", \"operationName\": \"CgStockPage\","  \
  " \"latencyMs\": 1000}], \"replace\": true}"
#define PAIRED "compared while the snapshot was paged"

static struct e2e T;

static bool log_has(struct e2e *t, void *arg)
{
  return e2e_log_has(t, arg);
}

struct more {
  const char *needle;
  long now; /* lines holding it before */
};

static bool log_more(struct e2e *t, void *arg)
{
  const struct more *m = arg;
  return e2e_log_count(t, m->needle) > m->now;
}

/* Waits for one more line holding needle than there are now. */
static void wait_one_more(const char *needle, long now)
{
  struct more m = {needle, now};
  if (!e2e_wait(&T, 120, log_more, &m))
    fail_msg("no new \"%s\" in the engine's log; see %s", needle, T.dir);
}

/* The figures of the last reconcile line of the engine's log: SKUs
 * compared, and compared while the snapshot was paged. */
static void last_reconcile(long *compared, long *paired)
{
  char *last = e2e_log_last(&T, PAIRED);
  const char *c = last ? strstr(last, "): ") : NULL;
  const char *p = last ? strstr(last, "engine, ") : NULL;
  bool ok = c != NULL && p != NULL &&
            sscanf(c, "): %ld SKUs compared", compared) == 1 &&
            sscanf(p, "engine, %ld " PAIRED, paired) == 1;
  cg_free(last);
  if (!ok)
    fail_msg("no reconcile line with its figures; see %s", T.dir);
}

static void wait_centra(const char *sku, long qty)
{
  if (!stock_wait_centra(&T, &sku, &qty, 1, WH, 60))
    fail_msg("Centra shows %ld of %s, not %ld; see %s",
             stock_centra_physical(&T, sku, WH), sku, qty, T.dir);
}

/* Centra's figure of sku set behind the engine's back. */
static void centra_set(const char *sku, long qty)
{
  char body[160];
  snprintf(body, sizeof(body),
           "{\"items\": [{\"sku\": \"%s\", \"quantity\":"
           " %ld}]}",
           sku, qty);
  dispatch_post_ok(&T, 'c', "/_sim/centra/stock", body);
  assert_int_equal(stock_centra_physical(&T, sku, WH), qty);
}

/* (a) */
static void centra_first(void)
{
  long compared = 0, paired = 0;
  if (!e2e_wait(&T, 120, log_has, "reconcile (initial sync) done"))
    fail_msg("the initial sync never ended; see %s", T.dir);
  assert_true(e2e_log_has(&T, "401 SKUs compared, 0 off"));
  last_reconcile(&compared, &paired);
  assert_int_equal(compared, PRODUCTS);
  assert_int_equal(paired, PRODUCTS);
}

/* (b) DRIFTED pushed once (so a difference is drift, not old data), then
 * changed in Centra. */
/* stock show's reconcile time of sku (ms), -1 when there is none, and
 * whether the last check saw it. */
static long long reconcile_at(const char *sku, bool *listed)
{
  cJSON *d = stock_show(&T, sku);
  long long at = (long long)cg_json_int(d, "reconcile.at", -1);
  *listed = cJSON_IsTrue(cg_json_get(d, "reconcile.listed"));
  cJSON_Delete(d);
  return at;
}

static void drift_while_paged(void)
{
  long compared = 0, paired = 0;
  bool listed = false;
  long long before = (long long)cg_time_now_ms();
  dispatch_post_ok(&T, 'g', "/_sim/wms/stock/adjust",
                   "{\"sku\": \"" DRIFTED
                   "\", \"delta\": 2, \"reasonCode\": \"AA\"}");
  wait_centra(DRIFTED, QTY + 2);
  centra_set(DRIFTED, 40);
  long done = e2e_log_count(&T, PAIRED);
  dispatch_post_ok(&T, 'g', "/_sim/wms/stock/snapshot", "{}");
  wait_one_more(PAIRED, done);
  assert_int_equal(e2e_open_exceptions(&T, "shop", "STOCK_DRIFT"), 1);
  assert_true(e2e_log_has(&T, "401 SKUs compared, 1 off and corrected, 1 new "
                              "STOCK_DRIFT"));
  assert_true(e2e_log_has(&T, "Centra shows 40 units of " DRIFTED));
  last_reconcile(&compared, &paired);
  assert_int_equal(paired, PRODUCTS);
  assert_true(e2e_log_has(&T, "400 confirmed from the image without a "
                              "write, 0 no longer listed or not compared"));
  if (reconcile_at("STK-00002", &listed) < before || !listed)
    fail_msg("stock show gives STK-00002's last reconcile at %lld (listed "
             "%d), before this one (%lld); see %s",
             reconcile_at("STK-00002", &listed), listed, before, T.dir);
  wait_centra(DRIFTED, QTY + 2);
}

/* (c) */
static void centra_second(void)
{
  const char *const auth[] = {"Authorization: Bearer e2e-admin-token", NULL};
  long compared = 0, paired = 0;
  dispatch_post_ok(&T, 'c', "/_sim/faults", CENTRA_SLOW);
  centra_set(OFF, 0);
  long done = e2e_log_count(&T, PAIRED);
  assert_int_equal(e2e_post_status(&T, 'a',
                                   "/api/v1/merchants/shop/stock/reconcile",
                                   auth, "{}"),
                   202);
  wait_one_more(PAIRED, done);
  last_reconcile(&compared, &paired);
  assert_int_equal(compared, PRODUCTS);
  if (paired < 1 || paired > PRODUCTS)
    fail_msg("%ld of %d SKUs compared while the snapshot was paged; see %s",
             paired, PRODUCTS, T.dir);
  wait_centra(OFF, QTY);
}

static void test_stock_reconcile_pairing(void **state)
{
  (void)state;
  stock_setup(&T, stock_scenario(PRODUCTS, QTY, QTY, WH), 11, STOCK_CONFIG);
  dispatch_post_ok(&T, 'g', "/_sim/faults", WMS_SLOW);
  e2e_engine_start(&T);
  centra_first();
  drift_while_paged();
  centra_second();
  e2e_engine_stop(&T);
  e2e_check_integrity(&T);
  e2e_teardown(&T);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_stock_reconcile_pairing),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
