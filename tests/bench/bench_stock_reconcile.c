/*
 * bench_stock_reconcile: the time and the engine's peak RSS of a stock
 * reconcile of SKUS SKUs (issue 10; goals < 1 s, < 64 MB). Both
 * simulators are seeded with the same catalogue (SKUS / 10 products of
 * ten sizes each, the warehouse's stock equal to Centra's) and Centra's
 * budgets are raised (the engine is measured, not the budget). Two
 * reconciles are timed from the engine's own log line ("reconcile (...)
 * done in N ms (side by side: warehouse applied at W ms, Centra read at
 * C ms)"):
 *
 *   initial sync  the engine's first start: every SKU new to it
 *   steady state  after every push landed, a stock.snapshot event: the
 *                 snapshot paged and applied (no SKU changes) and
 *                 Centra's figures read and compared
 *   steady state  the same with Centra taking CENTRA_PAGE_MS over each
 *   (remote)      page, as a partner across a network does: what asking
 *                 for two pages at once buys
 *
 * The times are wall times and include the simulators' answers (a page
 * of Centra products costs the simulated Centra tens of ms); the
 * engine's own CPU over the same span is printed beside them (for the
 * initial sync it counts from the engine's start, pushes included). The
 * peak RSS is the engine's VmHWM after each (the first includes pushing
 * the initial figures). A line then holds the steady state against the
 * goals: the engine's own time is its loop's CPU (the loop is one thread:
 * with partners that cost nothing the reconcile would take that long),
 * while the wall time here also waits for the simulators on the same
 * cores. Prints figures; asserts nothing about speed.
 *
 *   CG_BUILD_DIR=build/release bench_stock_reconcile [SKUS]
 */
#include "bench_proc.h"
#include "e2e.h"
#include "e2e_dispatch.h"

#include "base/buf.h"
#include "base/json.h"
#include "base/mem.h"
#include "flows/stock_rec.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SIZES_PER_PRODUCT 10
/* The items flow is off: it would sweep the whole catalogue to the
 * warehouse during the measured reconcile (bench_items measures it). */
#define STOCK_CONFIG "stock = { reconcile_s = 0 }, items = { enabled = false },"

static long skus_arg = 100000;

struct figures {
  long total_ms, wms_ms, centra_ms, compared;
  long loop_ms, loop_wms_ms, loop_centra_ms; /* the engine's loop thread */
  long hwm_kb;
  double cpu_s;      /* the engine's CPU over the reconcile */
  double sim_cpu_s;  /* the simulators' (and their node child's) */
  double node_cpu_s; /* of which the node child's (graphql-js) */
};

/* SKUS sizes in products of ten, each with stock (both sides). */
static char *scenario(long skus)
{
  struct cg_buf b = CG_BUF_INIT;
  cg_buf_printf(&b, "{\"catalogue\": [");
  for (long p = 0; p * SIZES_PER_PRODUCT < skus; p++) {
    cg_buf_printf(&b,
                  "%s{\"productNumber\": \"P%06ld\", \"name\": \"P%ld\", "
                  "\"variants\": [{\"name\": \"V\", \"sizes\": [",
                  p ? "," : "", p, p);
    for (long s = 0; s < SIZES_PER_PRODUCT; s++) {
      long i = p * SIZES_PER_PRODUCT + s;
      cg_buf_printf(&b,
                    "%s{\"sku\": \"B%07ld\", \"size\": \"%ld\", "
                    "\"stock\": %ld}",
                    s ? "," : "", i, s, (i * 7) % 50);
    }
    cg_buf_printf(&b, "]}]}");
  }
  cg_buf_printf(&b, "]}");
  return b.data;
}

/* The engine's peak resident set (VmHWM), kB. */
static long engine_hwm_kb(const struct e2e *t)
{
  char path[64];
  snprintf(path, sizeof(path), "/proc/%ld/status", (long)t->engine);
  return bench_file_number(path, "VmHWM:");
}

/* The n-th (1-based) "reconcile (...) done in" line of the engine's log
 * into f; false while there is none. */
static bool read_done(struct e2e *t, int n, struct figures *f)
{
  char path[600], line[1024];
  snprintf(path, sizeof(path), "%s/engine.log", t->dir);
  FILE *fp = fopen(path, "r");
  int seen = 0;
  bool found = false;
  while (fp && !found && fgets(line, sizeof(line), fp)) {
    const char *p = strstr(line, ") done in ");
    if (p == NULL || strstr(line, "reconcile (") == NULL || ++seen < n)
      continue;
    found = sscanf(p,
                   ") done in %ld ms (side by side: warehouse applied at "
                   "%ld ms, Centra read at %ld ms): %ld SKUs compared",
                   &f->total_ms, &f->wms_ms, &f->centra_ms, &f->compared) == 4;
    const char *cpu = found ? strstr(p, "engine loop CPU ") : NULL;
    if (cpu != NULL)
      sscanf(cpu, "engine loop CPU %ld ms (warehouse %ld ms, Centra %ld ms)",
             &f->loop_ms, &f->loop_wms_ms, &f->loop_centra_ms);
  }
  if (fp)
    fclose(fp);
  return found;
}

struct nth {
  int n;
  struct figures *f;
};

static bool done_n(struct e2e *t, void *arg)
{
  struct nth *x = arg;
  return read_done(t, x->n, x->f);
}

/* The CPU of the simulator process and of its children (the node child
 * that runs graphql-js), seconds; *node gets the children's part. */
static double sim_cpu_seconds(const struct e2e *t, double *node)
{
  char path[96], buf[512];
  snprintf(path, sizeof(path), "/proc/%ld/task/%ld/children", (long)t->sim,
           (long)t->sim);
  FILE *fp = fopen(path, "r");
  size_t n = fp ? fread(buf, 1, sizeof(buf) - 1, fp) : 0;
  if (fp)
    fclose(fp);
  buf[n] = '\0';
  char *save = NULL;
  *node = 0;
  for (char *tok = strtok_r(buf, " \n", &save); tok != NULL;
       tok = strtok_r(NULL, " \n", &save))
    *node += bench_cpu_seconds((pid_t)atol(tok));
  return bench_cpu_seconds(t->sim) + *node;
}

/* Waits for the n-th reconcile; cpu0 and sim0 are the engine's and the
 * simulators' CPU when it was asked for (the engine's own CPU: the rule
 * host is not part of it). */
static void measure(struct e2e *t, int n, double cpu0, const double sim0[2],
                    struct figures *f)
{
  struct nth x = {n, f};
  if (!e2e_wait(t, 900, done_n, &x))
    fail_msg("reconcile %d never finished; see %s", n, t->dir);
  f->cpu_s = bench_cpu_seconds(t->engine) - cpu0;
  f->sim_cpu_s = sim_cpu_seconds(t, &f->node_cpu_s) - sim0[0];
  f->node_cpu_s -= sim0[1];
  f->hwm_kb = engine_hwm_kb(t);
}

/* Every initial figure is in Centra: no SKU dirty and nothing to send
 * (the outbox alone can be empty between two batches). */
static bool all_pushed(struct e2e *t, void *arg)
{
  (void)arg;
  return e2e_metric(t, "cg_stock_dirty_skus") == 0 && dispatch_wait_idle(t, 1);
}

/* The machine bound: the engine and the simulators share this machine's
 * cores, so the reconcile cannot take less wall time than the CPU they
 * used over it spread on every core. */
static void print(const char *what, const struct figures *f)
{
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  double all_ms = (f->cpu_s + f->sim_cpu_s) * 1000.0;
  printf("  %-13s %6ld ms wall (side by side: warehouse applied at %ld ms, "
         "Centra's figures read at %ld ms); "
         "engine loop CPU %ld ms (warehouse %ld ms, Centra %ld ms); engine "
         "process CPU %.0f ms; simulators' CPU %.0f ms (of which graphql-js "
         "%.0f ms); machine bound %.0f ms (all that CPU on %ld cores); %ld "
         "SKUs compared; engine peak RSS %.1f MB\n",
         what, f->total_ms, f->wms_ms, f->centra_ms, f->loop_ms, f->loop_wms_ms,
         f->loop_centra_ms, f->cpu_s * 1000.0, f->sim_cpu_s * 1000.0,
         f->node_cpu_s * 1000.0, all_ms / (double)(cores > 0 ? cores : 1),
         cores, f->compared, (double)f->hwm_kb / 1024.0);
}

/* The steady state against the goals, said plainly: the engine's own
 * time is its loop's CPU (single-threaded: with partners that cost it
 * nothing, the reconcile would take that long); the wall time here also
 * waits for the simulators, whose CPU shares this machine's cores. */
static void print_goals(const struct figures *f)
{
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  double sims_ms = f->sim_cpu_s * 1000.0;
  printf("  goals, steady state: the engine's own time (its loop's CPU) %ld "
         "ms (< 1 s: %s); peak RSS %.1f MB (< 64 MB: %s); the wall time, "
         "%ld ms, also waits for the simulators, whose %.0f ms of CPU on "
         "these %ld cores take at least %.0f ms whatever the engine does\n",
         f->loop_ms, f->loop_ms < 1000 ? "met" : "missed",
         (double)f->hwm_kb / 1024.0, f->hwm_kb < 64 * 1024 ? "met" : "missed",
         f->total_ms, sims_ms, cores,
         sims_ms / (double)(cores > 0 ? cores : 1));
}

/* What a reconcile costs Centra's budgets: its requests (all of them
 * CgStockPage here) and their complexity, from the simulator's counts
 * before and after (/_sim/centra/operations, /refusals). */
struct centra_cost {
  long calls, pages, complexity, largest;
};

static struct centra_cost centra_cost(struct e2e *t)
{
  struct centra_cost c = {0};
  cJSON *ops = e2e_get(t, 'c', "/_sim/centra/operations");
  cJSON *ref = e2e_get(t, 'c', "/_sim/centra/refusals");
  const cJSON *op;
  cJSON_ArrayForEach(op, cg_json_get(ops, "operations"))
  {
    c.calls += (long)cg_json_int(op, "calls", 0);
  }
  c.pages = (long)cg_json_int(ops, "operations.CgStockPage.calls", 0);
  c.complexity = (long)cg_json_int(ref, "complexity.admitted", 0);
  c.largest = (long)cg_json_int(ref, "complexity.largest", 0);
  cJSON_Delete(ops);
  cJSON_Delete(ref);
  return c;
}

/* The Centra budget the steady reconcile used, and the least time it
 * takes at Centra's default plan (Growth: 60 requests and 250,000
 * complexity per 10 s; the Centra notes' plan table), all to itself. */
static void print_cost(struct centra_cost a, struct centra_cost b)
{
  long calls = b.calls - a.calls, cx = b.complexity - a.complexity;
  double by_req = calls / 6.0, by_cx = cx / 25000.0;
  printf("  Centra budget of the steady state: %ld requests (%ld CgStockPage"
         "), complexity %ld (largest request %ld); at the Growth plan's 60 "
         "requests and 250,000 complexity per 10 s that is at least %.0f s "
         "of the whole budget\n",
         calls, b.pages - a.pages, cx, b.largest,
         by_req > by_cx ? by_req : by_cx);
}

/* Centra answering a stock page in CENTRA_PAGE_MS, as a remote partner
 * does (the simulator's latency fault). */
#define CENTRA_PAGE_MS 150

/* The n-th reconcile, Centra taking page_ms over each stock page (0: no
 * fault): a steady one (nothing changed since the last) for a snapshot
 * event. One stock event first: a snapshot as of the base itself would
 * be stale. */
static void reconcile_again(struct e2e *t, int page_ms, int n,
                            struct figures *f)
{
  char faults[256];
  snprintf(faults, sizeof(faults),
           "{\"rules\": [{\"path\": \"/graphql\", \"operationName\": "
           "\"CgStockPage\", \"latencyMs\": %d}], \"replace\": true}",
           page_ms);
  dispatch_post_ok(t, 'c', "/_sim/faults", faults);
  dispatch_post_ok(t, 'g', "/_sim/wms/stock/adjust",
                   "{\"sku\": \"B0000001\", \"delta\": 1}");
  double cpu0 = bench_cpu_seconds(t->engine), sim0[2];
  sim0[0] = sim_cpu_seconds(t, &sim0[1]);
  dispatch_post_ok(t, 'g', "/_sim/wms/stock/snapshot", "{}");
  measure(t, n, cpu0, sim0, f);
}

static void bench(void **state)
{
  (void)state;
  /* Complexity per 10 s times 400/3 (the hour) must stay a GraphQL Int:
   * rateLimits answers it. */
  static const char *const sim_args[] = {"--centra-mutation-budget",
                                         "100000",
                                         "--centra-request-budget",
                                         "100000",
                                         "--centra-complexity-budget",
                                         "15000000",
                                         NULL};
  char *sc = scenario(skus_arg);
  struct e2e t;
  struct e2e_opts o = {.scenario_json = sc,
                       .seed = 11,
                       .sim_args = sim_args,
                       .extra_merchant = STOCK_CONFIG};
  struct figures first = {0}, steady = {0};
  e2e_setup(&t, &o);
  cg_free(sc);
  double sim0[2];
  sim0[0] = sim_cpu_seconds(&t, &sim0[1]);
  bench_engine_start(&t);
  measure(&t, 1, 0, sim0, &first);
  if (!e2e_wait(&t, 900, all_pushed, NULL))
    fail_msg("the initial figures were not all pushed; see %s", t.dir);
  struct centra_cost cost0 = centra_cost(&t);
  reconcile_again(&t, 0, 2, &steady);
  struct centra_cost cost1 = centra_cost(&t);
  struct figures slow = {0};
  reconcile_again(&t, CENTRA_PAGE_MS, 3, &slow);
  printf("stock reconcile: %ld SKUs (%d sizes a product), goals < 1 s and "
         "< 64 MB\n",
         skus_arg, SIZES_PER_PRODUCT);
  print("initial sync", &first);
  print("steady state", &steady);
  if (skus_arg == 100000) /* the goals' size */
    print_goals(&steady);
  print_cost(cost0, cost1);
  printf("  with Centra taking %d ms over each page of its stock (a remote "
         "partner; %d pages asked for at once):\n",
         CENTRA_PAGE_MS, CG__STOCK_CENTRA_WINDOW);
  print("steady state", &slow);
  e2e_engine_stop(&t);
  e2e_teardown(&t);
}

int main(int argc, char **argv)
{
  cg_mem_init();
  if (argc > 1)
    skus_arg = atol(argv[1]);
  const struct CMUnitTest tests[] = {cmocka_unit_test(bench)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
