/*
 * bench_dispatch: consignments per second and Centra calls per
 * consignment (issue 9). The engine takes ORDERS orders to the warehouse
 * and is stopped; the warehouse simulator then ships every order (every
 * other one split in two consignments, every fourth whole one in two
 * parcels: about 1.5 consignments an order), so a backlog of
 * consignments waits in its feed. The clock runs from the engine's
 * restart until Centra has answered a completeShipment for every
 * consignment; the calls Centra received meanwhile are read from the
 * simulator's per-operation counts (GET /_sim/centra/operations). Then
 * the result is checked (one completed shipment per consignment, e2e_
 * dispatch's verdict) and, for each run, printed:
 *
 *   consignments/s       from the restart until the last complete
 *   calls per consignment the dispatch's own (Find, create, tag,
 *                        complete) by operation, and every Centra call in
 *                        the window (the engine's polls included)
 *   mutations            per consignment, 429s and Retry-After violations
 *   CPU per consignment  the engine's, and the simulator's in the window
 *   commits              per consignment (the store's count at close)
 *
 * Two runs: ORDERS with the simulator's budgets raised (the engine is
 * measured, not the budget), and LIMITED orders under the simulator's
 * default budgets (20 mutations per 10 s, Centra's standard plan: the
 * real-world ceiling is 20 / 10 / 3 = 0.67 consignments/s). Prints
 * figures; asserts nothing about speed.
 *
 *   CG_BUILD_DIR=build/release bench_dispatch [ORDERS [LIMITED]]
 */
#include "bench_proc.h"
#include "e2e.h"
#include "e2e_dispatch.h"

#include "base/json.h"
#include "base/mem.h"
#include "base/time.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The dispatch's own operations (dispatch_ship.c), in call order. */
static const char *const dispatch_ops[] = {"CgOrderShipments",
                                           "CgCreateShipment", "CgTagShipment",
                                           "CgCompleteShipment", NULL};

struct run {
  long orders, consignments;
  bool raised; /* the simulator's budgets raised */
  double secs, cpu_s, sim_cpu_s;
  long commits, throttled, violations;
  cJSON *ops; /* /_sim/centra/operations at the last complete */
  bool complete;
};

static long orders_arg = 2000, limited_arg = 40;

/* Answers with status of operation op in an operations document. */
static long op_count(const cJSON *ops, const char *op, const char *status)
{
  char path[160];
  snprintf(path, sizeof(path), "operations.%s.%s%s", op,
           status ? "statuses." : "calls", status ? status : "");
  return (long)cg_json_int(ops, path, 0);
}

/* Ships every order the warehouse holds: i odd (two units or more) in
 * two consignments, i % 4 == 0 whole in two parcels, else whole. */
static void ship_all(struct e2e *t)
{
  cJSON *wms = dispatch_wms_orders(t);
  const cJSON *o;
  long i = 0;
  cJSON_ArrayForEach(o, dispatch_orders_of(wms))
  {
    char path[128];
    bool split = i % 2 == 1 && dispatch_units(o) >= 2;
    snprintf(path, sizeof(path), "/_sim/wms/orders/%s/%s",
             cg_json_str(o, "orderRef"), split ? "split" : "dispatch");
    dispatch_post_ok(t, 'g', path,
                     split        ? "{\"shipments\": 2}"
                     : i % 4 == 0 ? "{\"parcelCount\": 2}"
                                  : "{}");
    i++;
  }
  cJSON_Delete(wms);
}

/* The simulator's budgets for a run: raised, or its defaults. */
static void sim_args_of(bool raised, const char **args)
{
  /* The complexity budget's hourly share (400/3 of it) must stay within
   * what the engine takes from rateLimits (CG_RATELIMIT_MAX_TOKENS: a
   * larger hourly quota is ignored and its low default kept). */
  static const char *const big[] = {"--centra-mutation-budget",
                                    "100000",
                                    "--centra-request-budget",
                                    "100000",
                                    "--centra-complexity-budget",
                                    "7500000",
                                    NULL};
  args[0] = NULL;
  for (int i = 0; raised && big[i] != NULL; i += 2) {
    if (!bench_sim_has_option(big[i] + 2))
      continue;
    *args++ = big[i];
    *args++ = big[i + 1];
    *args = NULL;
  }
}

static bool all_marked(struct e2e *t, void *arg)
{
  return bench_markers(t) >= *(const long *)arg;
}

/* Orders accepted by the warehouse and marked in Centra, the engine
 * stopped, the consignments shipped into the warehouse's feed. */
static void prepare(struct e2e *t, struct run *r)
{
  const char *args[8];
  char *scenario = e2e_scenario(r->orders, 0);
  sim_args_of(r->raised, args);
  struct e2e_opts o = {.scenario_json = scenario,
                       .seed = 9,
                       .sim_args = args,
                       .extra_config = "merchants[1].schedules.poll_orders = "
                                       "60\n"};
  e2e_setup(t, &o);
  cg_free(scenario);
  e2e_engine_start(t);
  int limit = 120 + (int)(r->orders / (r->raised ? 20 : 1));
  if (!dispatch_wait_accepted(t, r->orders, limit) ||
      !e2e_wait(t, limit, all_marked, &r->orders) ||
      !dispatch_wait_idle(t, limit))
    fail_msg("orders not accepted and marked; see %s", t->dir);
  e2e_engine_stop(t);
  ship_all(t);
  cJSON *wms = dispatch_wms_orders(t);
  r->consignments = dispatch_consignments(wms);
  cJSON_Delete(wms);
}

/* Empties the simulator's call log and Centra's per-operation counts. */
static void reset_counts(struct e2e *t)
{
  char url[128];
  struct tu_http_response res;
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/_sim/centra/operations",
           t->port_centra);
  assert_int_equal(tu_http("DELETE", url, NULL, NULL, &res), 0);
  tu_http_response_free(&res);
  cJSON_Delete(e2e_post(t, 'c', "/_sim/reset-calls", "{}"));
}

/* From the restart until every consignment's complete was answered. */
static void drain(struct e2e *t, struct run *r)
{
  int64_t limit_ms = 120000 + r->consignments * (r->raised ? 100 : 3000);
  reset_counts(t);
  double sim0 = bench_tree_cpu_seconds(t->sim, true, false);
  int64_t t0 = cg_time_mono_ms();
  bench_engine_start(t);
  while (!r->complete && cg_time_mono_ms() - t0 < limit_ms) {
    cJSON_Delete(r->ops);
    r->ops = e2e_get(t, 'c', "/_sim/centra/operations");
    r->complete =
        op_count(r->ops, "CgCompleteShipment", "200") >= r->consignments;
    r->secs = (double)(cg_time_mono_ms() - t0) / 1000.0;
    if (!r->complete)
      usleep(50 * 1000);
  }
  r->cpu_s = bench_cpu_seconds(t->engine);
  r->sim_cpu_s = bench_tree_cpu_seconds(t->sim, true, false) - sim0;
  cJSON *calls = e2e_get(t, 'c', "/_sim/calls?side=centra&limit=0");
  r->throttled = (long)cg_json_int(calls, "counts.429", 0);
  r->violations = (long)cg_json_int(calls, "retryAfterViolations", 0);
  cJSON_Delete(calls);
}

static void run_one(struct run *r)
{
  struct e2e t;
  prepare(&t, r);
  drain(&t, r);
  if (r->complete && (!dispatch_wait_settled(&t, 60) ||
                      dispatch_verify(&t) != r->consignments))
    fail_msg("Centra does not hold one shipment per consignment; see %s",
             t.dir);
  e2e_engine_stop(&t);
  r->commits = bench_engine_commits(t.dir);
  e2e_teardown(&t);
}

/* Every operation's calls per consignment, the dispatch's first. */
static void print_ops(const struct run *r)
{
  double n = (double)r->consignments, own = 0, all = 0, mut = 0;
  const cJSON *op;
  printf("  Centra calls per consignment, by operation:\n   ");
  for (int i = 0; dispatch_ops[i] != NULL; i++) {
    long c = op_count(r->ops, dispatch_ops[i], NULL);
    own += (double)c;
    mut += i > 0 ? (double)op_count(r->ops, dispatch_ops[i], "200") : 0;
    printf(" %s %.2f", dispatch_ops[i], (double)c / n);
  }
  printf("\n    others in the window:");
  cJSON_ArrayForEach(op, cg_json_get(r->ops, "operations"))
  {
    bool mine = false;
    for (int i = 0; dispatch_ops[i] != NULL; i++)
      mine = mine || strcmp(op->string, dispatch_ops[i]) == 0;
    all += cg_json_get(op, "calls")->valuedouble;
    if (!mine)
      printf(" %s %.0f", op->string, cg_json_get(op, "calls")->valuedouble);
  }
  printf("\n  = %.2f dispatch calls per consignment (%.2f with the others);"
         " %.2f mutations answered per consignment\n",
         own / n, all / n, mut / n);
}

static void print_one(const struct run *r)
{
  double n = (double)r->consignments;
  printf("dispatch: %ld orders, %ld consignments, %s\n", r->orders,
         r->consignments,
         r->raised ? "the simulator's budgets raised (the engine measured)"
                   : "the simulator's default budgets (20 mutations / 10 s)");
  if (!r->complete)
    printf("  NOT COMPLETE within the time limit (%.0f s)\n", r->secs);
  printf("  drained in %.1f s = %.2f consignments/s (from a restart on the "
         "backlog)\n",
         r->secs, n / r->secs);
  if (!r->raised)
    printf("  ceiling at 3 mutations a consignment: 20 / 10 s / 3 = %.2f "
           "consignments/s\n",
           20.0 / 10.0 / 3.0);
  if (r->ops != NULL)
    print_ops(r);
  printf("  429s %ld, Retry-After violations %ld\n", r->throttled,
         r->violations);
  printf("  engine CPU %.3f ms per consignment, simulator %.3f ms; "
         "commits per consignment %.2f\n",
         r->cpu_s * 1000.0 / n, r->sim_cpu_s * 1000.0 / n,
         r->commits >= 0 ? (double)r->commits / n : -1.0);
}

static void bench(void **state)
{
  (void)state;
  struct run runs[2] = {{.orders = orders_arg, .raised = true},
                        {.orders = limited_arg, .raised = false}};
  for (int i = 0; i < 2; i++) {
    if (runs[i].orders <= 0)
      continue;
    run_one(&runs[i]);
    print_one(&runs[i]);
    fflush(stdout);
    cJSON_Delete(runs[i].ops);
  }
}

int main(int argc, char **argv)
{
  cg_mem_init();
  if (argc > 1)
    orders_arg = atol(argv[1]);
  if (argc > 2)
    limited_arg = atol(argv[2]);
  const struct CMUnitTest tests[] = {cmocka_unit_test(bench)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
