/*
 * End to end (issue 11): the full sweep. A Centra catalogue of 5,000
 * sizes that the warehouse has never seen reaches its item master in
 * batches of at most 500 (the calls are counted; each item arrives once,
 * as the engine's master holds it); the next full sweep reads the whole
 * catalogue again and sends nothing; changing 10 products in Centra (a
 * merchandiser renames them) sends exactly their sizes, once each, and
 * nothing else, however many sweeps and delta reads follow.
 */
#include "e2e.h"
#include "e2e_items.h"

#include "base/json.h"
#include "base/mem.h"
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#define PRODUCTS 1250
#define SIZES 4
#define SKUS (PRODUCTS * SIZES)
#define CHANGED 10
#define SWEEP_S 8 /* a sweep every 8 s: the second one comes soon */
#define PAGE 50   /* items.page's default */
#define SWEEP_PAGES (PRODUCTS / PAGE + 1) /* 25 full pages, 1 short */

static struct e2e T;

static bool settled(struct e2e *t, void *arg)
{
  return items_settled(t, *(const long *)arg);
}

/* Sweep number *arg has finished (or a later one began). */
static bool swept(struct e2e *t, void *arg)
{
  long n = *(const long *)arg;
  struct items_db d;
  items_db_read(t, &d);
  return d.ok && (d.sweep_n > n || (d.sweep_n == n && d.sweep_finished > 0));
}

static bool updated_at_least(struct e2e *t, void *arg)
{
  struct items_wms w;
  items_wms_read(t, &w);
  return w.updated >= *(const long *)arg;
}

/* Waits for the sweep after the one running now to finish and for the
 * master to settle; returns the sweep's number. */
static long next_sweep_done(void)
{
  struct items_db d;
  items_db_read(&T, &d);
  long n = d.sweep_n + 1, want = SKUS;
  if (!e2e_wait(&T, 80, swept, &n))
    fail_msg("sweep %ld did not finish; see %s", n, T.dir);
  if (!e2e_wait(&T, 30, settled, &want))
    fail_msg("the master did not settle after sweep %ld; see %s", n, T.dir);
  return n;
}

static void first_sweep(void)
{
  long want = SKUS;
  struct items_wms w;
  if (!e2e_wait(&T, 110, settled, &want))
    fail_msg("the catalogue did not reach the warehouse; see %s", T.dir);
  items_wms_read(&T, &w);
  printf("first sweep: %ld items in %ld batches, %ld Centra item pages\n",
         w.batch_items, w.batches, items_centra_calls(&T, "CgItemPage"));
  assert_int_equal(w.created, SKUS);
  assert_int_equal(w.batch_items, SKUS); /* each item sent once */
  assert_true(w.batches >= SKUS / 500);  /* the sim refuses > 500 */
  assert_int_equal(w.rejected, 0);
  assert_int_equal(w.puts, 0);
  assert_int_equal(w.updated + w.unchanged + w.stale, 0);
  assert_int_equal(items_verify(&T), SKUS);
}

static void second_sweep_sends_nothing(void)
{
  struct items_wms before, after;
  items_wms_read(&T, &before);
  long pages = items_centra_calls(&T, "CgItemPage");
  long n = next_sweep_done();
  items_wms_read(&T, &after);
  printf("sweep %ld: %ld Centra item pages, %ld batches\n", n,
         items_centra_calls(&T, "CgItemPage") - pages,
         after.batches - before.batches);
  /* it read the whole catalogue: every page of a sweep, the last one
   * short (here empty); more only if the window also caught part of
   * another sweep */
  assert_true(items_centra_calls(&T, "CgItemPage") - pages >= SWEEP_PAGES);
  assert_int_equal(after.batches, before.batches);
  assert_int_equal(after.batch_items, before.batch_items);
  assert_int_equal(after.puts, 0);
}

/* A merchandiser renames CHANGED products in Centra. */
static void rename_products(void)
{
  cJSON *doc = cJSON_CreateObject();
  cJSON *list = cJSON_AddArrayToObject(doc, "changes");
  char pn[48], name[64];
  for (int i = 0; i < CHANGED; i++) {
    cJSON *c = cJSON_CreateObject();
    snprintf(pn, sizeof(pn), "IT-%d", 7 + i * 101);
    snprintf(name, sizeof(name), "Renamed %s", pn);
    cg_json_add_str(c, "productNumber", pn);
    cg_json_add_str(c, "name", name);
    cJSON_AddItemToArray(list, c);
  }
  char *body = cg_json_print(doc);
  cJSON_Delete(doc);
  cJSON *r = e2e_post(&T, 'c', "/_sim/centra/products/update", body);
  assert_int_equal(cJSON_GetArraySize(r), CHANGED);
  cJSON_Delete(r);
  cg_free(body);
}

static void changes_send_exactly_them(void)
{
  struct items_wms before, after;
  long want = CHANGED * SIZES;
  items_wms_read(&T, &before);
  rename_products();
  if (!e2e_wait(&T, 60, updated_at_least, &want))
    fail_msg("the renamed sizes did not reach the warehouse; see %s", T.dir);
  next_sweep_done(); /* and nothing more, even after a whole sweep */
  items_wms_read(&T, &after);
  printf("%d products renamed: %ld items sent in %ld batches\n", CHANGED,
         after.batch_items - before.batch_items,
         after.batches - before.batches);
  assert_int_equal(after.updated, want);
  assert_int_equal(after.batch_items - before.batch_items, want);
  assert_int_equal(after.unchanged + after.stale + after.puts, 0);
  assert_int_equal(after.created, SKUS);
  assert_int_equal(items_verify(&T), SKUS);
}

static void test_items_sweep(void **state)
{
  (void)state;
  cJSON *cat = items_catalogue("IT", 0, PRODUCTS, SIZES);
  char *scenario = items_scenario(cat);
  cJSON_Delete(cat);
  /* The items flow is measured, not Centra's budget (which the stock
   * flow's first reconcile shares). */
  static const char *const sim_args[] = {"--centra-request-budget", "100000",
                                         "--centra-complexity-budget",
                                         "15000000", NULL};
  struct e2e_opts o = {.scenario_json = scenario,
                       .seed = 11,
                       .sim_args = sim_args,
                       .extra_merchant = items_merchant_config(SWEEP_S, 0)};
  e2e_setup(&T, &o);
  cg_free(scenario);
  e2e_engine_start(&T);
  first_sweep();
  second_sweep_sends_nothing();
  changes_send_exactly_them();
  e2e_expect_centra_paced(&T);
  e2e_engine_stop(&T);
  e2e_check_integrity(&T);
  e2e_teardown(&T);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_items_sweep),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
