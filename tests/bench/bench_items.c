/*
 * bench_items: a full sweep of N Centra sizes into an empty warehouse
 * item master (issue 11; default 10,000 sizes, products of four sizes).
 * Centra's request budget is raised (the engine is measured, not the
 * budget). Timed from the engine's start to the master settled (every
 * size accepted by the warehouse, nothing dirty or in a batch, the sweep
 * finished), then a second sweep (timed from its start, seen within
 * 200 ms) that finds nothing changed. Prints:
 *
 *   items/s            sizes accepted per second of wall time (simulators
 *                      included), and the engine's CPU over the same span
 *   Centra calls       CgItemPage pages read, and every Centra call
 *   warehouse calls    POST /items:batch calls (<= 500 items each) and
 *                      items sent
 *   commits            the store's commits (logged at close, every flow
 *                      of the run) per 1,000 sizes, both sweeps
 *
 *   CG_BUILD_DIR=build/release bench_items [SIZES]
 */
#include "bench_proc.h"
#include "e2e.h"
#include "e2e_items.h"

#include "base/mem.h"
#include "base/time.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>

#define SIZES 4

static long sizes_arg = 10000;

struct sweep {
  int64_t ms;
  double cpu_s;
  long pages, centra, batches, items;
};

static bool settled(struct e2e *t, void *arg)
{
  return items_settled(t, *(const long *)arg);
}

static bool started(struct e2e *t, void *arg)
{
  struct items_db d;
  items_db_read(t, &d);
  return d.ok && d.sweep_n >= *(const long *)arg;
}

static bool swept(struct e2e *t, void *arg)
{
  long n = *(const long *)arg;
  struct items_db d;
  items_db_read(t, &d);
  return d.ok && (d.sweep_n > n || (d.sweep_n == n && d.sweep_finished > 0));
}

/* Figures since *s0 (the same counters read at the start). */
static void figures(struct e2e *t, const struct sweep *s0, int64_t t0,
                    struct sweep *s)
{
  struct items_wms w;
  items_wms_read(t, &w);
  s->ms = cg_time_now_ms() - t0;
  s->cpu_s = bench_cpu_seconds(t->engine) - s0->cpu_s;
  s->pages = items_centra_calls(t, "CgItemPage") - s0->pages;
  s->centra = items_centra_calls(t, NULL) - s0->centra;
  s->batches = w.batches - s0->batches;
  s->items = w.batch_items - s0->items;
}

/* The next sweep, timed from its start (sweep_s = 1: it comes soon). */
static void second_sweep(struct e2e *t, struct sweep *s)
{
  struct sweep zero = {0}, base;
  struct items_db d;
  items_db_read(t, &d);
  long next = d.sweep_n + 1;
  if (!e2e_wait(t, 60, started, &next))
    fail_msg("the second sweep never started; see %s", t->dir);
  int64_t t1 = cg_time_now_ms();
  figures(t, &zero, t1, &base);
  base.cpu_s = bench_cpu_seconds(t->engine);
  if (!e2e_wait(t, 1800, swept, &next))
    fail_msg("the second sweep never finished; see %s", t->dir);
  figures(t, &base, t1, s);
}

static void print(const char *what, long n, const struct sweep *s)
{
  printf("  %-12s %6ld sizes in %6lld ms: %7.0f items/s (wall, simulators "
         "included); engine CPU %.0f ms; Centra %ld item pages, %ld calls "
         "in all; warehouse %ld POST /items:batch, %ld items sent\n",
         what, n, (long long)s->ms,
         s->ms > 0 ? (double)n * 1000.0 / (double)s->ms : 0.0,
         s->cpu_s * 1000.0, s->pages, s->centra, s->batches, s->items);
}

static void bench(void **state)
{
  (void)state;
  static const char *const sim_args[] = {"--centra-request-budget", "100000",
                                         "--centra-complexity-budget",
                                         "15000000", NULL};
  long products = (sizes_arg + SIZES - 1) / SIZES, n = products * SIZES;
  cJSON *cat = items_catalogue("B", 0, products, SIZES);
  char *sc = items_scenario(cat);
  cJSON_Delete(cat);
  struct e2e t;
  struct e2e_opts o = {.scenario_json = sc,
                       .seed = 11,
                       .sim_args = sim_args,
                       .extra_merchant = items_merchant_config(1, 0)};
  struct sweep zero = {0}, first, second;
  e2e_setup(&t, &o);
  cg_free(sc);
  int64_t t0 = cg_time_now_ms();
  bench_engine_start(&t);
  if (!e2e_wait(&t, 1800, settled, &n))
    fail_msg("the sweep never settled; see %s", t.dir);
  figures(&t, &zero, t0, &first);
  second_sweep(&t, &second);
  e2e_engine_stop(&t);
  long commits = bench_engine_commits(t.dir);
  printf("items: a full sweep of %ld Centra sizes (%d a product) into an "
         "empty warehouse item master\n",
         n, SIZES);
  print("first sweep", n, &first);
  print("second sweep", n, &second);
  printf("  commits      %ld in all (both sweeps), %.1f per 1,000 sizes\n",
         commits, commits >= 0 ? (double)commits * 1000.0 / (double)n : -1.0);
  e2e_teardown(&t);
}

int main(int argc, char **argv)
{
  cg_mem_init();
  if (argc > 1)
    sizes_arg = atol(argv[1]);
  const struct CMUnitTest tests[] = {cmocka_unit_test(bench)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
