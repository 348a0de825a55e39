/*
 * End to end: order decisions go through the merchant's rule host
 * (docs/internals/orders.md "Two steps"). One order of the scenario
 * trips a hook that loops in C (string.rep of the empty string: no
 * instruction hook stops it, only the host's kill). That order ends as
 * RULE_ERROR, every other order reaches the warehouse, and /healthz and
 * the admin API answer quickly the whole time. Then a reload through the
 * admin API (sent to the host) swaps the generation: the held order is
 * decided again by the new one and goes out.
 */
#include "e2e.h"

#include "base/json.h"
#include "base/mem.h"
#include "base/time.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The admin API and /healthz must answer within this while rule code
 * spins (the host kills a hook at its budget + 100 ms, 350 ms). */
#define ANSWER_MS 500

static struct e2e T;
static char pack[600];

struct watch {
  long want_wms;
  long victim;
  int64_t slowest_ms;
  long probes;
};

static void write_file(const char *name, const char *text)
{
  char path[700];
  snprintf(path, sizeof(path), "%s/%s", pack, name);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

/* orders.accept loops in C for the order numbered victim only. */
static void write_orders(long victim)
{
  char text[1024];
  snprintf(text, sizeof(text),
           "local default = require \"cg.orders\"\n"
           "local M = {}\n"
           "local VICTIM = %ld\n"
           "function M.accept(order)\n"
           "  if order.number == VICTIM then\n"
           "    return string.rep(\"\", math.maxinteger) -- loops in C\n"
           "  end\n"
           "  return default.accept(order)\n"
           "end\n"
           "return M\n",
           victim);
  write_file("orders.lua", text);
}

static void make_pack(long victim)
{
  char *dir = tu_tmpdir("pack");
  snprintf(pack, sizeof(pack), "%s/c-loop-one", dir);
  char cmd[1400];
  snprintf(cmd, sizeof(cmd),
           "mkdir -p '%s' && cp '%s/examples/packs/"
           "hostile-mix/carriers.lua' '%s'",
           pack, tu_source_dir(), pack);
  assert_int_equal(system(cmd), 0);
  cg_free(dir);
  write_file("pack.lua", "return { name = \"c-loop-one\", version = \"1\","
                         " api = 1, notes = \"one order loops in C\" }\n");
  write_orders(victim);
}

/* /healthz and one admin read, timed; the slowest is kept. */
static void probe(struct watch *w)
{
  int64_t t0 = cg_time_now_ms();
  cJSON *doc = NULL;
  long code = e2e_healthz(&T, &doc);
  cJSON_Delete(doc);
  cJSON *x = e2e_get(&T, 'a', "/api/v1/merchants/shop/exceptions");
  int64_t took = cg_time_now_ms() - t0;
  assert_true(code == 200 || code == 503);
  assert_non_null(x);
  cJSON_Delete(x);
  if (took > w->slowest_ms)
    w->slowest_ms = took;
  w->probes++;
}

static bool settled(struct e2e *t, void *arg)
{
  struct watch *w = arg;
  probe(w);
  return e2e_wms_orders(t) >= w->want_wms &&
         e2e_open_exceptions(&T, "shop", "RULE_ERROR") >= 1;
}

static bool all_out(struct e2e *t, void *arg)
{
  struct watch *w = arg;
  probe(w);
  return e2e_wms_orders(t) >= w->want_wms &&
         e2e_open_exceptions(&T, "shop", "RULE_ERROR") == 0;
}

static char *order_label(long number)
{
  char path[160];
  snprintf(path, sizeof(path), "/api/v1/merchants/shop/orders/%ld", number);
  cJSON *doc = e2e_get(&T, 'a', path);
  const char *l = cg_json_str(doc, "rule_generation");
  char *out = cg_malloc(l ? strlen(l) + 1 : 1);
  snprintf(out, l ? strlen(l) + 1 : 1, "%s", l ? l : "");
  cJSON_Delete(doc);
  return out;
}

/* The first order of the scenario and how many there are. */
static long first_order(long *count)
{
  cJSON *orders = e2e_get(&T, 'c', "/_sim/centra/orders");
  const cJSON *list =
      cJSON_IsArray(orders) ? orders : cg_json_get(orders, "orders");
  *count = cJSON_GetArraySize(list);
  long n = (long)cg_json_int(cJSON_GetArrayItem(list, 0), "number", 0);
  cJSON_Delete(orders);
  return n;
}

/* The one open RULE_ERROR says the call was killed. */
static void expect_killed(void)
{
  cJSON *x =
      e2e_get(&T, 'a', "/api/v1/merchants/shop/exceptions?type=RULE_ERROR");
  const char *msg = cg_json_str(cJSON_GetArrayItem(x, 0), "message");
  assert_non_null(msg);
  if (strstr(msg, "killed") == NULL)
    fail_msg("RULE_ERROR message '%s' does not say the call was killed", msg);
  cJSON_Delete(x);
}

static bool host_idle(struct e2e *t, void *arg)
{
  (void)arg;
  return e2e_metric(t, "cg_rulehost_queue_depth") == 0;
}

static void test_c_loop_costs_one_order(void **state)
{
  char *scenario = e2e_scenario(40, 0);
  struct e2e_opts o = {.scenario_json = scenario, .seed = 11};
  make_pack(0);
  o.rules = pack;
  e2e_setup(&T, &o);
  cg_free(scenario);
  long count = 0;
  struct watch w = {.victim = first_order(&count)};
  assert_true(w.victim > 0 && count > 1);
  write_orders(w.victim);
  w.want_wms = count - 1;
  e2e_engine_start(&T);
  if (!e2e_wait(&T, 120, settled, &w))
    fail_msg("not settled: %ld at the warehouse (want %ld), %ld RULE_ERROR",
             e2e_wms_orders(&T), w.want_wms,
             e2e_open_exceptions(&T, "shop", "RULE_ERROR"));
  assert_int_equal(e2e_wms_orders(&T), count - 1);
  assert_int_equal(e2e_open_exceptions(&T, "shop", "RULE_ERROR"), 1);
  expect_killed();
  char *before = order_label(w.victim);
  /* A reload through the admin API goes to the host: the new generation
   * decides the held order again. */
  write_orders(-1);
  cJSON *r = e2e_post(&T, 'a', "/api/v1/merchants/shop/rules/reload", "{}");
  cJSON_Delete(r);
  w.want_wms = count;
  if (!e2e_wait(&T, 60, all_out, &w))
    fail_msg("held order not released: %ld at the warehouse (want %ld)",
             e2e_wms_orders(&T), count);
  char *after = order_label(w.victim);
  assert_string_not_equal(before, after);
  cg_free(before);
  cg_free(after);
  assert_true(e2e_log_has(&T, "rules reloaded: c-loop-one@1#"));
  /* Nothing is left waiting at the host once every order is out (the SLA
   * monitor's deadline requests for the accepted orders drain too). */
  if (!e2e_wait(&T, 30, host_idle, NULL))
    fail_msg("rule host queue not drained: %ld",
             e2e_metric(&T, "cg_rulehost_queue_depth"));
  assert_int_equal(e2e_metric(&T, "cg_rule_plans_pending"), 0);
  print_message("%ld probes of /healthz + the admin API, slowest %lld ms\n",
                w.probes, (long long)w.slowest_ms);
  assert_true(w.slowest_ms < ANSWER_MS);
  e2e_engine_stop(&T);
  e2e_teardown(&T);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_c_loop_costs_one_order),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
