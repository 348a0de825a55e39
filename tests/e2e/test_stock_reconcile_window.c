/*
 * End to end (issue 10): the stock reconcile reads Centra's figures two
 * pages at a time (CG__STOCK_CENTRA_WINDOW, docs/internals/stock.md "How
 * a reconcile runs"). Centra takes 3 s over each page of its stock
 * (the simulator's latency fault); a catalogue of 401 products is three
 * pages (200, 200, 1):
 *
 *   (a) two pages are at Centra at the same time, for longer than any
 *       other call takes (one page at a time never shows two);
 *   (b) the reconcile still ends, after at most one page past the last
 *       (asked for while the short page was on its way);
 *   (c) a page that fails (a 503 on one call) is asked for again, and
 *       the next reconcile compares every SKU once, none off;
 *   (d) the engine stopped while two pages are at Centra exits cleanly
 *       (under ASan: nothing freed twice or leaked when both calls come
 *       back to a stopped reconcile), and the check asked for runs at the
 *       next start.
 */
#include "e2e.h"
#include "e2e_dispatch.h"
#include "e2e_stock.h"

#include "base/buf.h"
#include "base/json.h"
#include "base/mem.h"
#include "testutil.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define PRODUCTS 401
#define STOCK_CONFIG "stock = { reconcile_s = 0 },"
#define PAGE_LATENCY                                                           \
  "{\"rules\": [{\"path\": \"/graphql\", \"operationName\": \"CgStockPage\","  \
  " \"latencyMs\": 3000}], \"replace\": true}"

#define ASKED_DONE "reconcile (asked for on the admin API) done"
#define ALL_RIGHT "401 SKUs compared, 0 off"

static struct e2e T;

/* PRODUCTS products of one size each, each with stock on both sides. */
static char *scenario(void)
{
  struct cg_buf b = CG_BUF_INIT;
  cg_buf_printf(&b, "{\"catalogue\": [");
  for (long p = 0; p < PRODUCTS; p++)
    cg_buf_printf(&b,
                  "%s{\"productNumber\": \"W%04ld\", \"name\": \"W%ld\", "
                  "\"variants\": [{\"name\": \"V\", \"sizes\": [{\"sku\": "
                  "\"W%04ld\", \"size\": \"1\", \"stock\": %ld}]}]}",
                  p ? "," : "", p, p, p, p % 7 + 1);
  cg_buf_printf(&b, "]}");
  return b.data;
}

/* A figure of the simulator's Centra call log (/_sim/calls): "inFlight"
 * (arrived, not answered yet), "counts.503" (answered 503), ... */
static long centra_calls(const char *path)
{
  cJSON *calls = e2e_get(&T, 'c', "/_sim/calls?side=centra&limit=1");
  long n = (long)cg_json_int(calls, path, 0);
  cJSON_Delete(calls);
  return n;
}

/* Two calls at Centra in three readings 200 ms apart: every call but a
 * stock page is answered at once, so only two pages stay that long. */
static bool two_pages_at_centra(struct e2e *t, void *arg)
{
  (void)t;
  (void)arg;
  for (int i = 0; i < 3; i++) {
    if (i > 0)
      usleep(200 * 1000);
    if (centra_calls("inFlight") < 2)
      return false;
  }
  return true;
}

static long stock_pages(void)
{
  cJSON *ops = e2e_get(&T, 'c', "/_sim/centra/operations");
  long n = (long)cg_json_int(ops, "operations.CgStockPage.calls", 0);
  cJSON_Delete(ops);
  return n;
}

static bool reconciled(struct e2e *t, void *arg)
{
  return e2e_log_has(t, arg);
}

/* The engine's log holds ASKED_DONE more than *arg times. */
static bool asked_done_past(struct e2e *t, void *arg)
{
  return e2e_log_count(t, ASKED_DONE) > *(long *)arg;
}

static void wait_reconciled(const char *line, int timeout_s)
{
  if (!e2e_wait(&T, timeout_s, reconciled, (void *)line))
    fail_msg("no \"%s\" in the engine's log; see %s", line, T.dir);
}

static void two_at_once(void)
{
  if (!e2e_wait(&T, 60, two_pages_at_centra, NULL))
    fail_msg("never two stock pages at Centra at once; see %s", T.dir);
  wait_reconciled("reconcile (initial sync) done", 120);
  long pages = stock_pages();
  /* three pages, and at most the one after the short one */
  if (pages < 3 || pages > 4)
    fail_msg("%ld Centra stock pages for three; see %s", pages, T.dir);
}

/* Centra's faults set to faults, a reconcile asked for on the admin API
 * (an operator's check). */
static void ask_reconcile(const char *faults)
{
  const char *const auth[] = {"Authorization: Bearer e2e-admin-token", NULL};
  dispatch_post_ok(&T, 'c', "/_sim/faults", faults);
  assert_int_equal(e2e_post_status(&T, 'a',
                                   "/api/v1/merchants/shop/stock/reconcile",
                                   auth, "{}"),
                   202);
}

/* One call of the next reconcile's pages fails: asked for again. */
static void failed_page_again(void)
{
  long before = stock_pages(), refused = centra_calls("counts.503");
  long all_right = e2e_log_count(&T, ALL_RIGHT);
  ask_reconcile("{\"rules\": [{\"path\": \"/graphql\", \"operationName\":"
                " \"CgStockPage\", \"share503\": 1.0, \"limit\": 1}],"
                " \"replace\": true}");
  if (!e2e_wait(&T, 120, reconciled, ASKED_DONE))
    fail_msg("the second reconcile never ended; see %s", T.dir);
  assert_int_equal(centra_calls("counts.503"), refused + 1);
  assert_int_equal(e2e_log_count(&T, ALL_RIGHT), all_right + 1);
  long pages = stock_pages() - before;
  if (pages < 4 || pages > 5) /* three, the failed one again, one past */
    fail_msg("%ld Centra stock pages with one failure; see %s", pages, T.dir);
}

/* (d) */
static void stopped_with_two_out(void)
{
  long done = e2e_log_count(&T, ASKED_DONE);
  ask_reconcile(PAGE_LATENCY);
  if (!e2e_wait(&T, 60, two_pages_at_centra, NULL))
    fail_msg("never two stock pages at Centra at once; see %s", T.dir);
  e2e_engine_stop(&T); /* fails unless it exits 0 */
  dispatch_post_ok(&T, 'c', "/_sim/faults",
                   "{\"rules\": [], \"replace\": true}");
  e2e_engine_start(&T);
  if (!e2e_wait(&T, 120, asked_done_past, &done))
    fail_msg("the check asked for before the stop never ran; see %s", T.dir);
}

static void test_stock_reconcile_window(void **state)
{
  (void)state;
  stock_setup(&T, scenario(), 7, STOCK_CONFIG);
  dispatch_post_ok(&T, 'c', "/_sim/faults", PAGE_LATENCY);
  e2e_engine_start(&T);
  two_at_once();
  failed_page_again();
  stopped_with_two_out();
  e2e_engine_stop(&T);
  e2e_check_integrity(&T);
  e2e_teardown(&T);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_stock_reconcile_window),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
