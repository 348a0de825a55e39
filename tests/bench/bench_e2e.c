/*
 * bench_e2e: end-to-end orders per second and what each order costs. The
 * engine (durable commits, synchronous=FULL) runs against the simulator
 * on loopback; the clock runs from engine start until the warehouse
 * simulator holds every order, and again until every order is accepted
 * and marked exported in Centra. For each run it prints:
 *
 *   orders/s to the warehouse and accepted + marked
 *   commits per order    the store's commit counter (logged at close)
 *   fsyncs per order     fdatasync + fsync counted by the iocount shim
 *                        (LD_PRELOAD, CG_IOCOUNT_LIB), and pwrites
 *   CPU per order        the engine's user + system time (/proc/PID/stat),
 *   rule host CPU        its merchants' rule hosts and their call children
 *                        and the simulator's (with its node child, and
 *                        split into the two), which shares the machine's
 *                        cores
 *
 * and, after several sizes, CPU per 1,000 orders at each size and their
 * spread. Floors measured earlier in the same `make bench` run may be
 * passed in the environment to print the ratios: CG_BENCH_COMMIT_RATE
 * (bench_store's single-row durable commits/s) and CG_BENCH_CJSON_NS
 * (bench_rules's cJSON parse + print of an order, ns). Prints figures;
 * asserts nothing about speed.
 *
 *   CG_BUILD_DIR=build/release bench_e2e [ORDERS ...]
 */
#include "bench_proc.h"
#include "e2e.h"

#include "base/json.h"
#include "base/mem.h"
#include "base/time.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_SIZES 8

struct figures {
  long orders;
  double wms_s, mark_s, cpu_s, host_cpu_s, sim_cpu_s, sim_own_cpu_s;
  long commits, syncs, pwrites;
  bool complete;
};

static long sizes[MAX_SIZES] = {2000};
static int nsizes = 1;
static struct figures results[MAX_SIZES];

/* Waits until the warehouse holds every order and Centra has every
 * marker; fills the times (0 when not reached). */
static void wait_done(struct e2e *t, struct figures *r, int64_t t0)
{
  int64_t limit = 60000 + r->orders * 60;
  while (cg_time_mono_ms() - t0 < limit) {
    if (r->wms_s == 0 && e2e_wms_orders(t) >= r->orders)
      r->wms_s = (double)(cg_time_mono_ms() - t0) / 1000.0;
    /* The marker list is big: asked for only once the warehouse is done,
     * and less often, to leave the simulator's CPU to the engine. */
    if (r->wms_s > 0 && bench_markers(t) >= r->orders) {
      r->mark_s = (double)(cg_time_mono_ms() - t0) / 1000.0;
      r->complete = true;
      return;
    }
    usleep((r->wms_s > 0 ? 100 : 50) * 1000);
  }
}

static void run_one(struct figures *r)
{
  struct e2e t;
  char *scenario = e2e_scenario(r->orders, 0);
  /* A production Centra allows 20-500 mutations per 10 s by plan; the
   * simulator gets a large budget here so the figure is the engine's. */
  const char *sim_args[5] = {"--centra-mutation-budget", "100000", NULL};
  if (bench_sim_has_option("centra-request-budget")) {
    sim_args[2] = "--centra-request-budget";
    sim_args[3] = "100000";
  }
  /* The test harness polls Centra every 2 s; the engine's default (and a
   * production setting) is 60 s. With the events queue on, a 2 s poll
   * re-reads its whole 5-minute overlap window back to back, a cost of the
   * test setting, not of the order flow. */
  struct e2e_opts o = {.scenario_json = scenario,
                       .seed = 3,
                       .sim_args = sim_args,
                       .extra_config = "merchants[1].schedules.poll_orders = "
                                       "60\n"};
  e2e_setup(&t, &o);
  cg_free(scenario);
  int64_t t0 = cg_time_mono_ms();
  bench_engine_start(&t);
  wait_done(&t, r, t0);
  r->cpu_s = bench_cpu_seconds(t.engine);
  r->host_cpu_s = bench_tree_cpu_seconds(t.engine, false, true);
  r->sim_cpu_s = bench_tree_cpu_seconds(t.sim, true, false);
  r->sim_own_cpu_s = bench_cpu_seconds(t.sim);
  e2e_engine_stop(&t);
  bench_io_counts(t.dir, &r->syncs, &r->pwrites);
  r->commits = bench_engine_commits(t.dir);
  e2e_teardown(&t);
}

static void print_one(const struct figures *r)
{
  double n = (double)r->orders;
  double cjson_ns =
      getenv("CG_BENCH_CJSON_NS") ? atof(getenv("CG_BENCH_CJSON_NS")) : 0;
  printf("e2e %ld orders (events queue every 1 s, poll every 60 s): %s\n",
         r->orders,
         r->complete ? "all at the warehouse, accepted and marked"
                     : "NOT COMPLETE within the time limit");
  if (r->wms_s > 0)
    printf("  to the warehouse      %7.1f s = %6.0f orders/s (durable, "
           "synchronous=FULL)\n",
           r->wms_s, n / r->wms_s);
  if (r->mark_s > 0)
    printf("  accepted and marked   %7.1f s = %6.0f orders/s\n", r->mark_s,
           n / r->mark_s);
  printf("  commits per order     %7.2f   fsyncs per order %6.2f   pwrites "
         "per order %6.1f\n",
         r->commits >= 0 ? r->commits / n : -1.0,
         r->syncs >= 0 ? r->syncs / n : -1.0,
         r->pwrites >= 0 ? r->pwrites / n : -1.0);
  printf("  CPU per order         %7.3f ms", r->cpu_s * 1000.0 / n);
  if (cjson_ns > 0)
    printf(" = %.0fx the cJSON floor (%.1f us)", r->cpu_s * 1e9 / n / cjson_ns,
           cjson_ns / 1000.0);
  printf("\n");
  printf("  rule host CPU         %7.3f ms per order (the host and its call "
         "children)\n",
         r->host_cpu_s * 1000.0 / n);
  /* The simulator shares this machine's cores with the engine. */
  printf("  simulator CPU         %7.3f ms per order (with its GraphQL "
         "child); engine + simulator %.2f cores busy until marked\n",
         r->sim_cpu_s * 1000.0 / n,
         r->mark_s > 0 ? (r->cpu_s + r->sim_cpu_s) / r->mark_s : 0.0);
  printf("    of which            %7.3f ms the simulator process, %.3f ms "
         "its GraphQL child (node)\n",
         r->sim_own_cpu_s * 1000.0 / n,
         (r->sim_cpu_s - r->sim_own_cpu_s) * 1000.0 / n);
}

static void print_summary(void)
{
  double rate =
      getenv("CG_BENCH_COMMIT_RATE") ? atof(getenv("CG_BENCH_COMMIT_RATE")) : 0;
  double lo = 1e30, hi = 0;
  printf("e2e summary\n");
  for (int i = 0; i < nsizes; i++) {
    const struct figures *r = &results[i];
    double per_k = r->cpu_s * 1000.0 / (double)r->orders;
    lo = per_k < lo ? per_k : lo;
    hi = per_k > hi ? per_k : hi;
    printf("  %6ld orders: CPU per 1,000 orders %.2f s", r->orders, per_k);
    if (rate > 0 && r->wms_s > 0)
      printf("; to the warehouse at %.2fx the raw single-row commit rate "
             "(%.0f/s)",
             (double)r->orders / r->wms_s / rate, rate);
    printf("\n");
  }
  if (nsizes > 1)
    printf("  CPU per 1,000 orders: largest / smallest = %.2f\n", hi / lo);
}

static void bench(void **state)
{
  (void)state;
  for (int i = 0; i < nsizes; i++) {
    results[i] = (struct figures){.orders = sizes[i], .commits = -1};
    run_one(&results[i]);
    print_one(&results[i]);
    fflush(stdout);
  }
  print_summary();
}

int main(int argc, char **argv)
{
  cg_mem_init();
  if (argc > 1)
    nsizes = 0;
  for (int i = 1; i < argc && nsizes < MAX_SIZES; i++)
    if (atol(argv[i]) > 0)
      sizes[nsizes++] = atol(argv[i]);
  if (nsizes == 0)
    nsizes = 1; /* sizes[0] is still the default */
  const struct CMUnitTest tests[] = {cmocka_unit_test(bench)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
