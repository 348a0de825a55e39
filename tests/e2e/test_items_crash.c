/*
 * End to end (issue 11): SIGKILL during the first full sweep. A Centra
 * catalogue of 3,200 sizes the warehouse has never seen is swept while
 * the engine is killed (SIGKILL, no drain) at random moments, KILLS times,
 * and restarted on the same store; the warehouse answers item batches a
 * little slowly, so kills land between a batch sent and its answer
 * recorded, as well as inside page reads. Meanwhile customers order SKUs
 * the warehouse does not know yet.
 *
 * Verdict once settled: every item is at the warehouse exactly once
 * (created once, never updated: a resend after a crash carries the same
 * content) with the content the engine's master holds for it, every
 * accepted row's content is the warehouse's, and every order went out by
 * itself, none before its SKUs were accepted: the warehouse refuses an
 * order with an unknown SKU (422 unknown-sku) and counted none.
 *
 * No item is upserted again with the same content (the warehouse's
 * itemsUnchanged is 0), kills or not. The bound, reasoned: a batch in
 * flight at a kill is sent again from its outbox row with the row's own
 * Idempotency-Key, which the warehouse answers from its idempotency store
 * (counted in replays, or 409 while the first is in flight: RETRY)
 * without touching its item master; a row leaves its batch only with the
 * answer of that batch (cg_store_item_answer takes the batch id), so
 * unchanged content never goes in a second batch with another key; a row
 * answered is clean until its content changes, and nothing changes here;
 * the gate's own refusal never sends an item again (only the warehouse's
 * unknown-sku does, and it counted none).
 *
 * The seed is printed; CG_ITEMS_SEED=<n> replays a run's choices (the
 * kill moments depend on timing too).
 */
#include "e2e.h"
#include "e2e_items.h"

#include "base/mem.h"
#include "base/rand.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define PRODUCTS 800
#define SIZES 4
#define SKUS (PRODUCTS * SIZES)
#define KILLS 22     /* inside the sweep */
#define KILLS_MAX 40 /* in all */
#define FIRST_ORDER 7000
/* Small pages and batches: many moments to be killed in. */
#define CONFIG                                                                 \
  "items = { sweep_s = 0, poll_s = 0, window_ms = 200, page = 10,"             \
  " batch_max = 100 },"

static struct e2e T;
static struct cg_rand rng;
static long orders_placed;
static int kills, kills_in_sweep; /* all, and before the master settled */
static uint64_t seed;

static long below(long n)
{
  return (long)cg_rand_below(&rng, (uint64_t)n);
}

static uint64_t seed_of(void)
{
  const char *env = getenv("CG_ITEMS_SEED");
  if (env != NULL && *env != '\0')
    return strtoull(env, NULL, 10);
  return (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 16);
}

static bool settled(struct e2e *t, void *arg)
{
  return items_settled(t, *(const long *)arg);
}

static bool orders_out(struct e2e *t, void *arg)
{
  struct items_wms w;
  items_wms_read(t, &w);
  return w.orders >= *(const long *)arg;
}

/* A customer orders 1-3 SKUs of the catalogue (likely not sent yet). */
static void place_order(void)
{
  char sku[3][48];
  const char *skus[3];
  int n = 1 + (int)below(3);
  for (int i = 0; i < n; i++) {
    snprintf(sku[i], sizeof(sku[i]), "IC-%ld-%d", below(PRODUCTS), i);
    skus[i] = sku[i];
  }
  items_order(&T, FIRST_ORDER + orders_placed++, skus, n);
}

/* How far the flow got: rows in the master, accepted rows, items the
 * warehouse received. */
static long progress(struct e2e *t)
{
  struct items_db d;
  struct items_wms w;
  items_db_read(t, &d);
  items_wms_read(t, &w);
  return d.pending + 2 * d.accepted + w.batch_items;
}

static bool moved(struct e2e *t, void *arg)
{
  return progress(t) > *(const long *)arg;
}

/* Each kill lands at a random moment after the restarted engine made
 * progress (a page written, a batch sent or answered), so the kills fall
 * inside the sweep, not in the engine's start; KILLS of them before the
 * master settles (by construction: a sweep is about 110 steps, 80
 * pages and 32 batches; a kill comes after one or a few). */
static void kill_loop(void)
{
  for (int k = 0;
       k < KILLS_MAX && kills_in_sweep < KILLS && !items_settled(&T, SKUS);
       k++) {
    long before = progress(&T);
    if (below(2) == 0)
      place_order();
    e2e_wait(&T, 10, moved, &before);
    usleep((useconds_t)below(400) * 1000);
    kills_in_sweep += !items_settled(&T, SKUS);
    e2e_engine_kill(&T);
    e2e_engine_start(&T);
    kills++;
  }
  if (kills_in_sweep < KILLS)
    fail_msg("the sweep ended after %d kills inside it (want %d): more "
             "sizes, please (seed %llu)",
             kills_in_sweep, KILLS, (unsigned long long)seed);
}

static void verdict(void)
{
  long want = SKUS;
  struct items_wms w;
  if (!e2e_wait(&T, 90, settled, &want))
    fail_msg("the catalogue did not settle after %d kills; see %s", kills,
             T.dir);
  if (!e2e_wait(&T, 60, orders_out, &orders_placed))
    fail_msg("%ld orders placed, not all at the warehouse; see %s",
             orders_placed, T.dir);
  items_wms_read(&T, &w);
  fprintf(stderr,
          "killed %d times (%d in the sweep): %ld items created, %ld sent "
          "again unchanged, %ld batches, %ld requests replayed from the "
          "idempotency store; %ld orders out, %ld refused for an unknown "
          "SKU\n",
          kills, kills_in_sweep, w.created, w.unchanged, w.batches, w.replays,
          w.orders, w.unknown_sku_orders);
  assert_int_equal(w.created, SKUS);
  assert_int_equal(w.updated, 0);
  assert_int_equal(w.unchanged, 0); /* see the header: the bound is 0 */
  assert_int_equal(w.rejected, 0);
  assert_int_equal(w.unknown_sku_orders, 0);
  assert_int_equal(w.orders, orders_placed);
  assert_int_equal(items_verify(&T), SKUS);
  assert_int_equal(e2e_open_exceptions(&T, "shop", "UNKNOWN_SKU"), 0);
}

static void test_items_crash(void **state)
{
  (void)state;
  seed = seed_of();
  fprintf(stderr, "items crash: seed %llu (CG_ITEMS_SEED to replay)\n",
          (unsigned long long)seed);
  cg_rand_seed(&rng, seed);
  cJSON *cat = items_catalogue("IC", 0, PRODUCTS, SIZES);
  char *scenario = items_scenario(cat);
  cJSON_Delete(cat);
  /* The items flow is measured, not Centra's budget (which the stock
   * flow's first reconcile shares). */
  static const char *const sim_args[] = {"--centra-request-budget", "100000",
                                         "--centra-complexity-budget",
                                         "15000000", NULL};
  struct e2e_opts o = {.scenario_json = scenario,
                       .seed = (unsigned)(seed % 100000) + 1,
                       .sim_args = sim_args,
                       .extra_merchant = CONFIG};
  e2e_setup(&T, &o);
  cg_free(scenario);
  cJSON_Delete(e2e_post(&T, 'g', "/_sim/faults",
                        "{\"rules\": [{\"method\": \"POST\", \"path\":"
                        " \"/wms/v1/items:batch\", \"latencyMs\": 300}]}"));
  cJSON_Delete(e2e_post(&T, 'c', "/_sim/faults",
                        "{\"rules\": [{\"path\": \"/graphql\","
                        " \"latencyMs\": 100}]}"));
  e2e_engine_start(&T);
  kill_loop();
  verdict();
  e2e_engine_stop(&T);
  e2e_check_integrity(&T);
  e2e_teardown(&T);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_items_crash),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
