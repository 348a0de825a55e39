/*
 * bench_e2e: end-to-end orders per second and what each order costs. The
 * engine (durable commits, synchronous=FULL) runs against the simulator
 * on loopback. Each size runs as a burst (a flash sale) on a running
 * engine: the engine starts on an empty shop, its first start's work
 * (items sweep, initial stock sync) is waited for and printed apart, then
 * the orders arrive in Centra at once; the clock and every counter run
 * from there until the warehouse simulator holds every order, and again
 * until every order is accepted and marked exported in Centra. The
 * largest size runs once more from a cold start (the orders waiting in
 * Centra, clock and counters from the engine's start), as the first
 * figures were taken. For each run it prints:
 *
 *   orders/s to the warehouse and accepted + marked
 *   commits per order    the store's commits (cg_store_commits_total)
 *   fsyncs per order     fdatasync + fsync counted by the iocount shim
 *                        (LD_PRELOAD, CG_IOCOUNT_LIB, counters read live),
 *                        and pwrites
 *   CPU per order        the engine's user + system time (/proc/PID/stat),
 *   rule host CPU        its merchants' rule hosts and their call children
 *                        and the simulator's (with its node child, and
 *                        split into the two), which shares the machine's
 *                        cores
 *
 * and, after several sizes, CPU per 1,000 orders at each burst size and
 * their spread. Floors measured earlier in the same `make bench` run may be
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
/* The engine is ready for a burst once its first start's work is done. */
#define READY_TIMEOUT_S 120

struct figures {
  long orders;
  bool cold; /* the orders waited in Centra before the engine started */
  double start_s, start_cpu_s; /* burst: engine start to ready, its CPU */
  double wms_s, mark_s, cpu_s, host_cpu_s, sim_cpu_s, sim_own_cpu_s;
  long commits, syncs, pwrites;
  bool complete;
};

/* What the engine and the simulator have used up to a moment. */
struct sample {
  double cpu_s, host_cpu_s, sim_cpu_s, sim_own_cpu_s;
  long commits, syncs, pwrites;
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

static void take_sample(struct e2e *t, struct sample *s)
{
  s->cpu_s = bench_cpu_seconds(t->engine);
  s->host_cpu_s = bench_tree_cpu_seconds(t->engine, false, true);
  s->sim_cpu_s = bench_tree_cpu_seconds(t->sim, true, false);
  s->sim_own_cpu_s = bench_cpu_seconds(t->sim);
  s->commits = e2e_metric(t, "cg_store_commits_total");
  bench_io_counts(t->dir, &s->syncs, &s->pwrites);
}

static long count_since(long now, long then)
{
  return now >= 0 && then >= 0 ? now - then : -1;
}

static void take_figures(struct figures *r, const struct sample *a,
                         const struct sample *b)
{
  r->cpu_s = b->cpu_s - a->cpu_s;
  r->host_cpu_s = b->host_cpu_s - a->host_cpu_s;
  r->sim_cpu_s = b->sim_cpu_s - a->sim_cpu_s;
  r->sim_own_cpu_s = b->sim_own_cpu_s - a->sim_own_cpu_s;
  r->commits = count_since(b->commits, a->commits);
  r->syncs = count_since(b->syncs, a->syncs);
  r->pwrites = count_since(b->pwrites, a->pwrites);
}

static bool engine_ready(struct e2e *t, void *arg)
{
  (void)arg;
  return e2e_log_has(t, "items sweep done") &&
         e2e_log_has(t, "reconcile (initial sync) done");
}

/* The burst: the orders part of the scenario, posted to the simulated
 * Centra as a flash sale's checkouts (orders and their events at once). */
static void post_orders(struct e2e *t, long orders)
{
  char *text = e2e_scenario(orders, 0);
  cJSON *doc = cg_json_parse(text, strlen(text), NULL);
  cJSON *body = cJSON_CreateObject();
  cJSON_AddItemToObject(body, "orders",
                        cJSON_DetachItemFromObject(doc, "orders"));
  char *out = cg_json_print(body);
  cJSON_Delete(e2e_post(t, 'c', "/_sim/centra/scenario", out));
  cg_free(out);
  cJSON_Delete(body);
  cJSON_Delete(doc);
  cg_free(text);
}

/* A burst waits for the engine's first start (items sweep, initial
 * stock sync) to finish, then posts the orders and times them from
 * there; a cold run has them waiting in Centra and times from the
 * engine's start, as this bench did first. */
static void run_one(struct figures *r)
{
  struct e2e t;
  char *scenario = e2e_scenario(r->cold ? r->orders : 0, 0);
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
  struct sample a = {0}, b;
  int64_t t0 = cg_time_mono_ms();
  bench_engine_start(&t);
  if (!r->cold) {
    assert_true(e2e_wait(&t, READY_TIMEOUT_S, engine_ready, NULL));
    r->start_s = (double)(cg_time_mono_ms() - t0) / 1000.0;
    take_sample(&t, &a);
    r->start_cpu_s = a.cpu_s;
    post_orders(&t, r->orders);
    t0 = cg_time_mono_ms();
  }
  wait_done(&t, r, t0);
  take_sample(&t, &b);
  take_figures(r, &a, &b);
  e2e_engine_stop(&t);
  e2e_teardown(&t);
}

static void print_cpu(const struct figures *r, double n);

static void print_one(const struct figures *r)
{
  double n = (double)r->orders;
  printf("e2e %ld orders %s (events queue every 1 s, poll every 60 s): %s\n",
         r->orders,
         r->cold ? "from a cold start (waiting in Centra before the engine "
                   "started; clock and counters from the engine's start)"
                 : "in a burst on a running engine",
         r->complete ? "all at the warehouse, accepted and marked"
                     : "NOT COMPLETE within the time limit");
  if (!r->cold)
    printf("  engine start          %7.1f s to ready (items sweep and initial "
           "stock sync), %.2f s CPU: not counted below\n",
           r->start_s, r->start_cpu_s);
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
  print_cpu(r, n);
}

/* CPU per order of the engine, the rule host and the simulator, and the
 * rate they allow together on this machine's cores. */
static void print_cpu(const struct figures *r, double n)
{
  double cjson_ns =
      getenv("CG_BENCH_CJSON_NS") ? atof(getenv("CG_BENCH_CJSON_NS")) : 0;
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
  /* Every process here shares the cores: their CPU per order bounds the
   * rate whatever the engine's pipelining does. */
  double all_ms = (r->cpu_s + r->host_cpu_s + r->sim_cpu_s) * 1000.0 / n;
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  if (all_ms > 0 && cores > 0)
    printf("  machine bound         %7.3f ms of CPU per order, all processes: "
           "at most %.0f orders/s on %ld cores\n",
           all_ms, (double)cores * 1000.0 / all_ms, cores);
}

static void print_summary(void)
{
  double rate =
      getenv("CG_BENCH_COMMIT_RATE") ? atof(getenv("CG_BENCH_COMMIT_RATE")) : 0;
  double lo = 1e30, hi = 0;
  printf("e2e summary (bursts on a running engine)\n");
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

/* Each size as a burst on a running engine, then the largest again from
 * a cold start, the way the first figures (221 orders/s) were taken. */
static void bench(void **state)
{
  (void)state;
  long largest = 0;
  for (int i = 0; i < nsizes; i++) {
    results[i] = (struct figures){.orders = sizes[i], .commits = -1};
    run_one(&results[i]);
    print_one(&results[i]);
    fflush(stdout);
    largest = sizes[i] > largest ? sizes[i] : largest;
  }
  struct figures cold = {.orders = largest, .cold = true, .commits = -1};
  run_one(&cold);
  print_one(&cold);
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
