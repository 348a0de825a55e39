/*
 * bench_neighbour: does a merchant keep its normal order rate while
 * another merchant in the same engine runs a hostile rule pack?
 *
 * Three runs on the same scenario (ORDERS orders, default 500):
 *
 *   alone      the engine runs merchant `shop` only;
 *   quiet      it also runs `noisy`, which polls the same Centra and
 *              holds every order at once (orders.accept returns hold):
 *              the cost of a neighbour's intake and decisions;
 *   hostile    `noisy`'s orders.accept loops inside C (string.rep of the
 *              empty string) for every order instead: each of its plans
 *              burns a rule-host child until the watchdog kills it.
 *
 * The question is hostile against quiet: a neighbour whose rules spin
 * must cost the other merchant no more than a neighbour does.
 *
 * For each it prints shop's orders/s to the warehouse, the slowest
 * answer of /healthz + the admin API (probed all along), and for the
 * neighbour run how many of noisy's orders ended as RULE_ERROR and how
 * many are still at its rule host (each hostile plan spins for its whole
 * budget + 100 ms before it is killed; a batch answers when
 * all its orders have). Prints figures; asserts nothing about speed.
 *
 *   CG_BUILD_DIR=build/release bench_neighbour [ORDERS]
 */
#include "e2e.h"

#include "base/buf.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/time.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum neighbour { ALONE, QUIET, HOSTILE };

struct run {
  enum neighbour neighbour;
  long orders;
  double wms_s;
  int64_t slowest_ms;
  long noisy_errors, noisy_pending;
  bool complete;
};

static const char *const accept_of[] = {
    [QUIET] = "  return { action = \"hold\", reason = \"QUIET\",\n"
              "           message = \"held by the neighbour benchmark\" }\n",
    [HOSTILE] = "  return string.rep(\"\", math.maxinteger) -- loops in C\n",
};

/* The neighbour's pack: its orders.accept holds every order (QUIET) or
 * loops in C for every order (HOSTILE). */
static char *neighbour_pack(enum neighbour kind)
{
  char *dir = tu_tmpdir("noisy");
  char cmd[1400], path[700];
  snprintf(cmd, sizeof(cmd),
           "cp '%s/examples/packs/hostile-mix/carriers.lua' '%s'",
           tu_source_dir(), dir);
  if (system(cmd) != 0)
    exit(1);
  snprintf(path, sizeof(path), "%s/pack.lua", dir);
  FILE *f = fopen(path, "w");
  fputs("return { name = \"noisy\", version = \"1\", api = 1 }\n", f);
  fclose(f);
  snprintf(path, sizeof(path), "%s/orders.lua", dir);
  f = fopen(path, "w");
  fprintf(f, "local M = {}\nfunction M.accept(order)\n%send\nreturn M\n",
          accept_of[kind]);
  fclose(f);
  return dir;
}

/* The config lines of merchant `noisy`: same partners, poll only. */
static char *noisy_config(const char *pack)
{
  struct cg_buf b = CG_BUF_INIT;
  cg_buf_printf(
      &b,
      "merchants[1].schedules.poll_orders = 60\n"
      "merchants[2] = { id = 'noisy', store = 'noisy.db', rules = '%s',\n"
      "  centra = { url = merchants[1].centra.url,\n"
      "             token = merchants[1].centra.token, events = false },\n"
      "  gxo = { url = merchants[1].gxo.url, client_id = 'centra-gxo',\n"
      "          client_secret = merchants[1].gxo.client_secret,\n"
      "          site = 'SE-GOT-01' },\n"
      "  schedules = { poll_orders = 30, gxo_events = 0 } }\n",
      pack);
  return b.data;
}

/* /healthz and an admin read, timed. */
static int64_t probe_ms(struct e2e *t)
{
  int64_t t0 = cg_time_mono_ms();
  cJSON *doc = NULL;
  e2e_healthz(t, &doc);
  cJSON_Delete(doc);
  cJSON_Delete(e2e_get(t, 'a', "/api/v1/merchants/shop/exceptions"));
  return cg_time_mono_ms() - t0;
}

static void wait_shop(struct e2e *t, struct run *r, int64_t t0)
{
  while (cg_time_mono_ms() - t0 < 600 * 1000) {
    int64_t took = probe_ms(t);
    if (took > r->slowest_ms)
      r->slowest_ms = took;
    if (e2e_wms_orders(t) >= r->orders) {
      r->wms_s = (double)(cg_time_mono_ms() - t0) / 1000.0;
      r->complete = true;
      return;
    }
    usleep(50 * 1000);
  }
}

static void run_one(struct run *r)
{
  struct e2e t;
  char *pack = r->neighbour != ALONE ? neighbour_pack(r->neighbour) : NULL;
  char *scenario = e2e_scenario(r->orders, 0);
  const char *sim_args[] = {"--centra-mutation-budget", "100000",
                            "--centra-request-budget", "100000", NULL};
  char *config = pack ? noisy_config(pack) : NULL;
  struct e2e_opts o = {.scenario_json = scenario,
                       .seed = 3,
                       .sim_args = sim_args,
                       .extra_config = config ? config
                                              : "merchants[1].schedules."
                                                "poll_orders = 60\n"};
  e2e_setup(&t, &o);
  cg_free(scenario);
  cg_free(config);
  int64_t t0 = cg_time_mono_ms();
  e2e_engine_start(&t);
  wait_shop(&t, r, t0);
  if (r->neighbour == HOSTILE) {
    r->noisy_errors = e2e_open_exceptions(&t, "noisy", "RULE_ERROR");
    r->noisy_pending =
        e2e_metric(&t, "cg_rule_plans_pending{merchant=\"noisy\"}");
  }
  e2e_engine_stop(&t);
  e2e_teardown(&t);
  cg_free(pack);
}

static void print_run(const struct run *r)
{
  printf("%-10s %5ld orders  shop %7.1f orders/s to the warehouse  "
         "admin slowest %4lld ms",
         (const char *[]){"alone", "quiet", "hostile"}[r->neighbour], r->orders,
         r->complete ? (double)r->orders / r->wms_s : 0.0,
         (long long)r->slowest_ms);
  if (r->neighbour == HOSTILE)
    printf("  noisy: %ld RULE_ERROR, %ld plans spinning or queued",
           r->noisy_errors, r->noisy_pending);
  printf("%s\n", r->complete ? "" : "  (INCOMPLETE)");
}

int main(int argc, char **argv)
{
  cg_mem_init();
  long orders = argc > 1 ? atol(argv[1]) : 500;
  struct run runs[3] = {{.neighbour = ALONE, .orders = orders},
                        {.neighbour = QUIET, .orders = orders},
                        {.neighbour = HOSTILE, .orders = orders}};
  for (int i = 0; i < 3; i++) {
    run_one(&runs[i]);
    print_run(&runs[i]);
  }
  if (runs[1].complete && runs[2].complete)
    printf("shop's rate beside a hostile neighbour: %.0f%% of its rate "
           "beside a quiet one (%.0f%% of its rate alone)\n",
           100.0 * runs[1].wms_s / runs[2].wms_s,
           100.0 * runs[0].wms_s / runs[2].wms_s);
  return 0;
}
