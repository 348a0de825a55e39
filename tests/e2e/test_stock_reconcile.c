/*
 * End to end (issue 10): the stock reconcile against both simulators
 * (docs/internals/stock.md "Snapshots, gaps and stale snapshots",
 * "Reconcile and drift"). One engine run, in steps:
 *
 *   (a) initial sync: warehouse stock seeded before the engine starts
 *       (Centra holds none of it) reaches Centra through the first
 *       snapshot; QUARANTINE is not sellable; no STOCK_DRIFT for what
 *       the engine had not pushed yet;
 *   (b) a gap: the warehouse loses a stock.adjusted (feed and webhook,
 *       the simulator's drop fault); the next event leaves a hole that
 *       the engine notices after the grace and heals with a fresh
 *       snapshot, so the lost adjustment reaches Centra after all;
 *   (c) a stale snapshot (as of a sequence below the engine's base)
 *       announced after a newer adjustment changes nothing;
 *   (d) Centra's stock changed behind the engine's back: the next
 *       reconcile raises STOCK_DRIFT with both figures and corrects it;
 *       a later reconcile, asked for by an operator on the admin API,
 *       finds the SKU right and resolves it;
 *   (e) a snapshot announced with an id the warehouse refuses (and a
 *       bogus asOfSequence) is replaced by a fresh one and is no longer
 *       pending, or a reconcile would start for it every tick;
 *   (f) GET /stock failing again and again: after five failures in a row
 *       operations see a SYNC_FAILURE (stock-reconcile), which closes by
 *       itself when the warehouse answers again;
 *   (g) an operator's stock check asked for while the warehouse's stock
 *       list fails reads Centra's figures meanwhile (the two halves run
 *       side by side) but compares nothing and does not end before the
 *       snapshot is applied; asked for just before a stop, it is carried
 *       out by the next start.
 */
#include "e2e.h"
#include "e2e_dispatch.h"

#include "base/err.h"
#include "base/json.h"
#include "base/mem.h"
#include "store/store.h"
#include "testutil.h"

#include <time.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

/* The stock options of the test: a short gap grace, no schedule. */
#define STOCK_CONFIG "stock = { gap_grace_s = 2, reconcile_s = 0 },"

static const char SCENARIO[] =
    "{\"catalogue\": ["
    "{\"sku\": \"STK-A\", \"ean\": \"5772428050001\", \"name\": \"A\"},"
    "{\"sku\": \"STK-B\", \"ean\": \"5772428050002\", \"name\": \"B\"},"
    "{\"sku\": \"STK-C\", \"ean\": \"5772428050003\", \"name\": \"C\"}],"
    " \"warehouse\": {\"stock\": ["
    "{\"sku\": \"STK-A\", \"quantity\": 10},"
    "{\"sku\": \"STK-B\", \"quantity\": 4},"
    "{\"sku\": \"STK-C\", \"quantity\": 3, \"status\": \"QUARANTINE\"}]}}";

static struct e2e T;

/* Centra's physical stock of sku in warehouse 1, or -1. */
static long centra_physical(struct e2e *t, const char *sku)
{
  cJSON *doc = e2e_get(t, 'c', "/_sim/centra/stock");
  const cJSON *row, *w;
  long q = -1;
  cJSON_ArrayForEach(row, doc)
  {
    const char *s = cg_json_str(row, "sku");
    if (s == NULL || strcmp(s, sku) != 0)
      continue;
    q = 0;
    cJSON_ArrayForEach(w, cg_json_get(row, "warehouses"))
    {
      if (cg_json_int(w, "id", 0) == 1)
        q = (long)cg_json_int(w, "physical", 0);
    }
  }
  cJSON_Delete(doc);
  return q;
}

struct want {
  const char *sku;
  long qty;
};

static bool centra_has(struct e2e *t, void *arg)
{
  const struct want *w = arg;
  for (; w->sku != NULL; w++)
    if (centra_physical(t, w->sku) != w->qty)
      return false;
  return true;
}

/* Waits until Centra shows every figure of want (ended by {NULL}). */
static void wait_centra(const struct want *want, const char *what)
{
  if (e2e_wait(&T, 60, centra_has, (void *)want))
    return;
  fail_msg("%s: Centra shows STK-A %ld, STK-B %ld, STK-C %ld; see %s", what,
           centra_physical(&T, "STK-A"), centra_physical(&T, "STK-B"),
           centra_physical(&T, "STK-C"), T.dir);
}

static bool log_has(struct e2e *t, void *arg)
{
  return e2e_log_has(t, arg);
}

static void wait_log(const char *needle)
{
  if (!e2e_wait(&T, 60, log_has, (void *)needle))
    fail_msg("the engine never logged \"%s\"; see %s", needle, T.dir);
}

struct open_want {
  long n;
};

static bool drifts_are(struct e2e *t, void *arg)
{
  return e2e_open_exceptions(t, "shop", "STOCK_DRIFT") ==
         ((struct open_want *)arg)->n;
}

static void wait_drifts(long n)
{
  struct open_want w = {n};
  if (!e2e_wait(&T, 60, drifts_are, &w))
    fail_msg("open STOCK_DRIFT: %ld, expected %ld; see %s",
             e2e_open_exceptions(&T, "shop", "STOCK_DRIFT"), n, T.dir);
}

/* The message of the one open STOCK_DRIFT (caller frees), or NULL. */
static char *drift_message(void)
{
  cJSON *doc =
      e2e_get(&T, 'a', "/api/v1/merchants/shop/exceptions?type=STOCK_DRIFT");
  const char *m = cg_json_str(cJSON_GetArrayItem(doc, 0), "message");
  char *copy = m ? cg_strdup(m) : NULL;
  cJSON_Delete(doc);
  return copy;
}

/* A counter of /metrics is at least n; true while the engine exports no
 * stock counters yet (they come with the stock metrics). */
static bool metric_at_least(const char *name, long n)
{
  long v = e2e_metric(&T, name);
  return v < 0 || v >= n;
}

static void adjust(const char *sku, long delta)
{
  char body[160];
  snprintf(body, sizeof(body),
           "{\"sku\": \"%s\", \"delta\": %ld, \"reasonCode\": \"AA\"}", sku,
           delta);
  dispatch_post_ok(&T, 'g', "/_sim/wms/stock/adjust", body);
}

static void initial_sync(void)
{
  static const struct want w[] = {
      {"STK-A", 10}, {"STK-B", 4}, {"STK-C", 0}, {NULL, 0}};
  wait_centra(w, "initial sync");
  wait_log("initial sync");
  assert_int_equal(e2e_open_exceptions(&T, "shop", "STOCK_DRIFT"), 0);
}

static void gap_healed(void)
{
  static const struct want w[] = {{"STK-A", 5}, {"STK-B", 5}, {NULL, 0}};
  dispatch_post_ok(&T, 'g', "/_sim/wms/events/drop",
                   "{\"count\": 1, \"types\": [\"stock.adjusted\"]}");
  adjust("STK-A", -5); /* lost: in neither the feed nor a webhook */
  adjust("STK-B", 1);
  wait_centra(w, "gap");
  assert_true(e2e_log_has(&T, "a stock event may be lost"));
  assert_true(metric_at_least("cg_stock_gaps_total", 1));
}

static void stale_ignored(void)
{
  static const struct want w[] = {{"STK-A", 5}, {"STK-B", 7}, {NULL, 0}};
  adjust("STK-B", 2);
  wait_centra(w, "adjustment after the gap");
  /* As of just before that adjustment: below the engine's base. */
  dispatch_post_ok(&T, 'g', "/_sim/wms/stock/snapshot", "{\"stale\": true}");
  wait_log("is stale");
  assert_true(dispatch_wait_idle(&T, 60));
  assert_true(centra_has(&T, (void *)w));
}

static void drift_raised_and_resolved(void)
{
  static const struct want w[] = {{"STK-A", 5}, {NULL, 0}};
  dispatch_post_ok(&T, 'c', "/_sim/centra/stock",
                   "{\"items\": [{\"sku\": \"STK-A\", \"quantity\": 50}]}");
  assert_int_equal(centra_physical(&T, "STK-A"), 50);
  dispatch_post_ok(&T, 'g', "/_sim/wms/stock/snapshot", "{}");
  wait_drifts(1);
  char *msg = drift_message();
  assert_non_null(msg);
  if (strstr(msg, "Centra shows 50") == NULL ||
      strstr(msg, "expects 5") == NULL || strstr(msg, "AVAILABLE 5") == NULL)
    fail_msg("STOCK_DRIFT message: %s", msg);
  cg_free(msg);
  wait_centra(w, "drift corrected");
  assert_true(metric_at_least("cg_stock_drifts_total", 1));
  /* an operator's stock check, asked for on the admin API, finds the SKU
   * right and resolves the drift */
  const char *const auth[] = {"Authorization: Bearer e2e-admin-token", NULL};
  const char *path = "/api/v1/merchants/shop/stock/reconcile";
  assert_int_equal(e2e_post_status(&T, 'a', path, NULL, "{}"), 401);
  assert_int_equal(e2e_post_status(&T, 'a',
                                   "/api/v1/merchants/nobody/stock/reconcile",
                                   auth, "{}"),
                   404);
  assert_int_equal(e2e_post_status(&T, 'a', path, auth, "{}"), 202);
  wait_log("asked for on the admin API");
  wait_drifts(0);
}

/* The engine's cursor name as it is in the store ("" when absent); false
 * when the store cannot be read now. *v is the caller's (cg_free). */
static bool cursor_of(struct e2e *t, const char *name, char **v)
{
  char path[512];
  struct cg_store *s = NULL;
  snprintf(path, sizeof(path), "%s/shop.db", t->dir);
  struct cg_store_opts so = {.path = path, .name = "test"};
  *v = NULL;
  if (cg_store_open(&so, &s, NULL) != 0)
    return false;
  int rc = cg_store_cursor_get(s, name, v, NULL);
  cg_store_close(s);
  if (rc == CG_ENOTFOUND)
    *v = cg_strdup("");
  return *v != NULL;
}

/* The engine's pending snapshot announcement no longer names arg. */
static bool pending_gone(struct e2e *t, void *arg)
{
  char *v = NULL;
  bool gone =
      cursor_of(t, "stock.snapshot.pending", &v) && strstr(v, arg) == NULL;
  cg_free(v);
  return gone;
}

static void refused_snapshot_dropped(void)
{
  /* the last event the warehouse published, re-posted as an
   * announcement of a snapshot it never took (its sequence is seen) */
  cJSON *doc = e2e_get(&T, 'g', "/_sim/wms/events");
  const cJSON *evs = cg_json_get(doc, "events");
  cJSON *env =
      cJSON_Duplicate(cJSON_GetArrayItem(evs, cJSON_GetArraySize(evs) - 1), 1);
  cJSON_Delete(doc);
  assert_non_null(env);
  cJSON_DeleteItemFromObject(env, "_acked");
  cJSON_ReplaceItemInObject(env, "eventId", cJSON_CreateString("snap-nope"));
  cJSON_ReplaceItemInObject(env, "eventType",
                            cJSON_CreateString("stock.snapshot"));
  cJSON_ReplaceItemInObject(
      env, "data",
      cJSON_Parse("{\"snapshotId\": \"SNAP-NOPE\", \"asOf\": "
                  "\"2026-03-04T15:01:50Z\", \"asOfSequence\": 999999999}"));
  char *body = cg_json_print(env);
  cJSON_Delete(env);
  assert_int_equal(
      e2e_post_webhook(&T, "gxo", "gxo-webhook-secret", time(NULL), body), 200);
  cg_free(body);
  wait_log("SNAP-NOPE");
  if (!e2e_wait(&T, 60, pending_gone, "SNAP-NOPE"))
    fail_msg("the refused snapshot is still pending; see %s", T.dir);
}

static bool sync_failures_are(struct e2e *t, void *arg)
{
  return e2e_open_exceptions(t, "shop", "SYNC_FAILURE") == *(long *)arg;
}

static void stuck_reconcile_told(void)
{
  long one = 1, none = 0;
  dispatch_post_ok(&T, 'g', "/_sim/faults",
                   "{\"rules\": [{\"path\": \"/wms/v1/stock*\", "
                   "\"method\": \"GET\", \"share500\": 1.0}]}");
  dispatch_post_ok(&T, 'g', "/_sim/wms/stock/snapshot", "{}");
  if (!e2e_wait(&T, 180, sync_failures_are, &one))
    fail_msg("no SYNC_FAILURE for a failing reconcile; see %s", T.dir);
  dispatch_post_ok(&T, 'g', "/_sim/faults",
                   "{\"rules\": [], \"replace\": true}");
  if (!e2e_wait(&T, 180, sync_failures_are, &none))
    fail_msg("SYNC_FAILURE not closed after the reconcile went on; see %s",
             T.dir);
}

/* Whether an operator's stock check waits (arg not NULL) or not (NULL). */
static bool asked_is(struct e2e *t, void *arg)
{
  char *v = NULL;
  bool known = cursor_of(t, "stock.reconcile.asked", &v);
  bool set = known && v[0] != '\0';
  cg_free(v);
  return known && set == (arg != NULL);
}

/* How many pages of Centra's stock the simulator has answered. */
static long centra_stock_pages(struct e2e *t)
{
  cJSON *ops = e2e_get(t, 'c', "/_sim/centra/operations");
  long n = (long)cg_json_int(ops, "operations.CgStockPage.calls", 0);
  cJSON_Delete(ops);
  return n;
}

static bool centra_read_past(struct e2e *t, void *arg)
{
  return centra_stock_pages(t) > *(long *)arg;
}

/* An operator's stock check survives a restart: asked for while the
 * warehouse's stock list fails, so that it cannot end before the engine
 * stops. Centra's figures are read meanwhile, side by side, and held:
 * the check is not done. The next start carries it out, and only then
 * is it done. */
static void asked_check_survives_restart(void)
{
  const char *const auth[] = {"Authorization: Bearer e2e-admin-token", NULL};
  long pages = centra_stock_pages(&T);
  dispatch_post_ok(&T, 'g', "/_sim/faults",
                   "{\"rules\": [{\"path\": \"/wms/v1/stock*\", "
                   "\"method\": \"GET\", \"share500\": 1.0}]}");
  assert_int_equal(e2e_post_status(&T, 'a',
                                   "/api/v1/merchants/shop/stock/reconcile",
                                   auth, "{}"),
                   202);
  if (!e2e_wait(&T, 60, centra_read_past, &pages))
    fail_msg("Centra's stock was not read while the warehouse's failed (the "
             "halves ran one after the other); see %s",
             T.dir);
  assert_true(asked_is(&T, (void *)1)); /* nothing ended without a snapshot */
  e2e_engine_stop(&T);
  assert_true(asked_is(&T, (void *)1));
  dispatch_post_ok(&T, 'g', "/_sim/faults",
                   "{\"rules\": [], \"replace\": true}");
  e2e_engine_start(&T);
  if (!e2e_wait(&T, 120, asked_is, NULL))
    fail_msg("the stock check asked for before the restart never ran; "
             "see %s",
             T.dir);
}

static void test_stock_reconcile(void **state)
{
  (void)state;
  static const char *const sim_args[] = {"--centra-mutation-budget", "1000",
                                         NULL};
  struct e2e_opts o = {.scenario_json = SCENARIO,
                       .seed = 7,
                       .sim_args = sim_args,
                       .subscribe_webhooks = true,
                       .extra_merchant = STOCK_CONFIG};
  e2e_setup(&T, &o);
  e2e_engine_start(&T);
  initial_sync();
  gap_healed();
  stale_ignored();
  drift_raised_and_resolved();
  refused_snapshot_dropped();
  stuck_reconcile_told();
  asked_check_survives_restart();
  e2e_engine_stop(&T);
  e2e_check_integrity(&T);
  e2e_teardown(&T);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_stock_reconcile),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
