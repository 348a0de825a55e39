/*
 * End to end (issue 9 item 8): the SLA monitor with the test clock
 * (config test_clock, POST /api/v1/test/clock). The default pack's SLA:
 * Europe/Stockholm, cut-off 14:00, one working day, dispatched by 18:00,
 * warning at 75% of the time. The engine's clock is moved to a Friday
 * 15:00:30 in Stockholm (after the cut-off), then three orders are
 * accepted by the warehouse:
 *
 *   A  dispatched on Friday: its watch closes, nothing is ever raised;
 *   B  and C late: Monday 12:00 nothing (the weekend does not count);
 *      Monday 18:00 SLA_WARNING each (75% of Fri 15:00 -> Tue 18:00 is
 *      Monday about 17:15); Tuesday 17:59 no breach; Tuesday 18:00:05
 *      SLA_BREACH each (owner ops), the warnings superseded;
 *   B  dispatched whole: its breach closes itself;
 *   C  split: its first consignment closes it (dispatched = the
 *      warehouse's first consignment).
 *
 * And a pack whose deadline hook loops in C for one order: the rule host
 * kills the batch, the monitor asks each order alone, and only that order
 * gets a RULE_ERROR (entity sla); the others get their deadlines.
 */
#include "e2e.h"
#include "e2e_dispatch.h"

#include "base/json.h"
#include "base/mem.h"
#include "base/time.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct e2e T;
static char ref[3][32]; /* A, B, C */

/* UTC ms of local Stockholm time: days after the Friday at least a day
 * ahead of the test's start (fixed once, whatever the test's length). */
static int64_t stockholm(int days_after_friday, int h, int m, int s)
{
  static time_t start;
  if (start == 0)
    start = time(NULL) + 86400;
  setenv("TZ", "Europe/Stockholm", 1);
  tzset();
  struct tm tm;
  localtime_r(&start, &tm);
  int to_friday = (5 - tm.tm_wday + 7) % 7;
  tm.tm_mday += to_friday + days_after_friday;
  tm.tm_hour = h;
  tm.tm_min = m;
  tm.tm_sec = s;
  tm.tm_isdst = -1;
  time_t t = mktime(&tm);
  unsetenv("TZ");
  tzset();
  return (int64_t)t * 1000;
}

static int64_t engine_now(void)
{
  cJSON *doc = e2e_get(&T, 'a', "/api/v1/test/clock");
  int64_t ms = 0;
  if (cg_time_parse_iso8601(cg_json_str(doc, "now"), &ms) != 0)
    fail_msg("GET /api/v1/test/clock: no time");
  cJSON_Delete(doc);
  return ms;
}

/* Moves the engine's clock forward to target (UTC ms). */
static void clock_to(int64_t target)
{
  int64_t by = target - engine_now();
  assert_true(by >= 0);
  char body[64];
  snprintf(body, sizeof(body), "{\"advanceMs\": %lld}", (long long)by);
  cJSON *r = e2e_post(&T, 'a', "/api/v1/test/clock", body);
  assert_non_null(cg_json_str(r, "now"));
  cJSON_Delete(r);
}

struct count {
  const char *type;
  long want;
};

static bool exceptions_are(struct e2e *t, void *arg)
{
  const struct count *c = arg;
  return e2e_open_exceptions(t, "shop", c->type) == c->want;
}

static void expect_open(const char *type, long want)
{
  struct count c = {type, want};
  if (!e2e_wait(&T, 30, exceptions_are, &c))
    fail_msg("%s open: %ld, want %ld; see %s", type,
             e2e_open_exceptions(&T, "shop", type), want, T.dir);
}

struct entry {
  const char *number, *action;
};

static bool has_entry(struct e2e *t, void *arg)
{
  const struct entry *e = arg;
  return e2e_timeline_count(t, e->number, e->action, NULL) > 0;
}

static void wait_entry(const char *number, const char *action)
{
  struct entry e = {number, action};
  if (!e2e_wait(&T, 60, has_entry, &e))
    fail_msg("order %s: no %s in its timeline; see %s", number, action, T.dir);
}

static void sim(const char *number, const char *what, const char *body)
{
  char path[128];
  snprintf(path, sizeof(path), "/_sim/wms/orders/%s/%s", number, what);
  dispatch_post_ok(&T, 'g', path, body);
}

static bool received(struct e2e *t, void *arg)
{
  return e2e_wms_orders(t) == *(long *)arg;
}

/* Three orders at the warehouse, accepted at Friday 15:00:30. */
static void accept_on_friday(void)
{
  long three = 3;
  if (!e2e_wait(&T, 60, received, &three))
    fail_msg("orders did not reach the warehouse; see %s", T.dir);
  clock_to(stockholm(0, 15, 0, 30));
  cJSON *doc = dispatch_wms_orders(&T);
  const cJSON *o;
  int i = 0;
  cJSON_ArrayForEach(o, dispatch_orders_of(doc))
  {
    if (i < 3)
      snprintf(ref[i++], sizeof(ref[0]), "%s", cg_json_str(o, "orderRef"));
  }
  cJSON_Delete(doc);
  assert_int_equal(i, 3);
  for (i = 0; i < 3; i++)
    sim(ref[i], "accept", "{}");
  for (i = 0; i < 3; i++)
    wait_entry(ref[i], "sla.due");
}

static void test_late_orders_warn_breach_and_close(void **state)
{
  accept_on_friday();
  char detail_want[] = "due by Tue";
  assert_true(e2e_timeline_count(&T, ref[1], "sla.due", detail_want) == 1);
  sim(ref[0], "dispatch", "{}");
  wait_entry(ref[0], "sla.closed");

  clock_to(stockholm(3, 12, 0, 0)); /* Monday noon */
  expect_open("SLA_WARNING", 0);
  expect_open("SLA_BREACH", 0);
  clock_to(stockholm(3, 18, 0, 0)); /* Monday 18:00 */
  expect_open("SLA_WARNING", 2);
  expect_open("SLA_BREACH", 0);
  clock_to(stockholm(4, 17, 59, 0)); /* Tuesday, a minute before */
  expect_open("SLA_BREACH", 0);
  clock_to(stockholm(4, 18, 0, 5)); /* Tuesday, just past the deadline */
  expect_open("SLA_BREACH", 2);
  expect_open("SLA_WARNING", 0);
  assert_int_equal(e2e_timeline_count(&T, ref[0], "sla.warning", NULL), 0);

  cJSON *x =
      e2e_get(&T, 'a', "/api/v1/merchants/shop/exceptions?type=SLA_BREACH");
  assert_string_equal(cg_json_str(cJSON_GetArrayItem(x, 0), "owner"), "ops");
  cJSON_Delete(x);

  sim(ref[1], "dispatch", "{}");
  wait_entry(ref[1], "sla.closed");
  expect_open("SLA_BREACH", 1);
  sim(ref[2], "split", "{\"shipments\": 2}");
  wait_entry(ref[2], "sla.closed");
  expect_open("SLA_BREACH", 0);
  assert_int_equal(
      e2e_timeline_count(&T, ref[1], "sla.closed", "after its deadline"), 1);
}

/* A deadline hook that loops in C for one order: the host kills the
 * batch; each order is asked again alone; the victim alone gets a
 * RULE_ERROR (entity sla), the others their deadlines. */
static char pack[600];

/* The default pack in a fresh folder (pack), with an alerts.lua whose
 * deadline hook loops in C for order victim (0: none). */
static void make_hostile_pack(void)
{
  char *dir = tu_tmpdir("pack");
  snprintf(pack, sizeof(pack), "%s/sla-c-loop", dir);
  cg_free(dir);
  char cmd[1400];
  snprintf(cmd, sizeof(cmd), "mkdir -p '%s' && cp -r '%s/rules/default/.' '%s'",
           pack, tu_source_dir(), pack);
  assert_int_equal(system(cmd), 0);
}

static void write_hostile_alerts(long victim)
{
  char path[700], text[1024];
  snprintf(text, sizeof(text),
           "local default = require \"cg.alerts\"\n"
           "local M = {}\n"
           "function M.deadline(order, at)\n"
           "  if order ~= nil and order.number == %ld then\n"
           "    return string.rep(\"\", math.maxinteger) -- loops in C\n"
           "  end\n"
           "  return default.deadline(order, at)\n"
           "end\n"
           "return M\n",
           victim);
  snprintf(path, sizeof(path), "%s/alerts.lua", pack);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static long first_centra_order(void)
{
  cJSON *orders = e2e_get(&T, 'c', "/_sim/centra/orders");
  const cJSON *list =
      cJSON_IsArray(orders) ? orders : cg_json_get(orders, "orders");
  long n = (long)cg_json_int(cJSON_GetArrayItem(list, 0), "number", 0);
  cJSON_Delete(orders);
  return n;
}

/* Every warehouse order but victim gets its deadline. */
static void wait_deadlines_but(long victim)
{
  cJSON *doc = dispatch_wms_orders(&T);
  const cJSON *w;
  cJSON_ArrayForEach(w, dispatch_orders_of(doc))
  {
    const char *number = cg_json_str(w, "orderRef");
    if (atol(number) != victim)
      wait_entry(number, "sla.due");
  }
  cJSON_Delete(doc);
}

static void test_hostile_deadline_hook_costs_one_order(void **state)
{
  char *scenario = e2e_scenario(3, 0);
  struct e2e_opts o = {.scenario_json = scenario, .seed = 23};
  make_hostile_pack();
  write_hostile_alerts(0);
  o.rules = pack;
  e2e_setup(&T, &o);
  cg_free(scenario);
  long victim = first_centra_order();
  assert_true(victim > 0);
  write_hostile_alerts(victim);
  e2e_engine_start(&T);
  long three = 3;
  if (!e2e_wait(&T, 60, received, &three))
    fail_msg("orders did not reach the warehouse; see %s", T.dir);
  wait_deadlines_but(victim);
  expect_open("RULE_ERROR", 1);
  cJSON *x =
      e2e_get(&T, 'a', "/api/v1/merchants/shop/exceptions?type=RULE_ERROR");
  const cJSON *e = cJSON_GetArrayItem(x, 0);
  assert_string_equal(cg_json_str(e, "entity"), "sla");
  assert_int_equal(atol(cg_json_str(e, "key")), victim);
  const char *msg = cg_json_str(e, "message");
  if (strstr(msg, "alerts.deadline") == NULL || strstr(msg, "killed") == NULL)
    fail_msg("RULE_ERROR '%s' should say the deadline call was killed", msg);
  cJSON_Delete(x);
  char number[32];
  snprintf(number, sizeof(number), "%ld", victim);
  assert_int_equal(e2e_timeline_count(&T, number, "sla.due", NULL), 0);
  e2e_engine_stop(&T);
  e2e_teardown(&T);
}

static void test_start(void)
{
  char *scenario = e2e_scenario(3, 0);
  struct e2e_opts o = {.scenario_json = scenario,
                       .seed = 17,
                       .extra_config = "test_clock = true"};
  e2e_setup(&T, &o);
  cg_free(scenario);
  dispatch_post_ok(&T, 'g', "/_sim/wms/settings", "{\"autoAccept\": false}");
  e2e_engine_start(&T);
}

static void test_late_orders(void **state)
{
  test_start();
  test_late_orders_warn_breach_and_close(state);
  e2e_engine_stop(&T);
  e2e_check_integrity(&T);
  e2e_teardown(&T);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_late_orders),
      cmocka_unit_test(test_hostile_deadline_hook_costs_one_order),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
