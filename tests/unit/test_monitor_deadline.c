/*
 * Unit test of the SLA monitor's deadline arithmetic (scripts/cg/tz.lua,
 * scripts/cg/alerts.lua, through the sandbox) and of the check of the
 * alerts.deadline hook's result (flows/monitor.c):
 *
 *   - cg.tz against glibc's own zone database: for every named zone, the
 *     UTC offset at instants over three years (both transitions of each)
 *     and the UTC time of 18:00 local every day must match localtime_r /
 *     mktime with TZ set to the same name (a test process may set TZ);
 *   - cut-off, weekends, holidays, options and daylight saving: an order
 *     accepted Friday after the cut-off is due Tuesday (days = 1) or
 *     Monday (days = 0), ...
 *   - the hook through the default pack, and its result check.
 */
#include "test_rules_kit.h"

#include "base/time.h"
#include "flows/monitor.h"

#include <stdlib.h>
#include <time.h>

static struct cg_rules_gen *g;
static char *dir;

static int setup(void **state)
{
  g = kit_probe(
      "local tz = require 'cg.tz'\n"
      "local a = require 'cg.alerts'\n"
      "if x.op == 'offsets' then\n"
      "  local z, out = tz.zone(x.zone), {}\n"
      "  for i, s in ipairs(x.at) do out[i] = tz.utc_offset(z, s) end\n"
      "  return out\n"
      "elseif x.op == 'from_local' then\n"
      "  local z, out = tz.zone(x.zone), {}\n"
      "  for i, l in ipairs(x.at) do out[i] = tz.from_local(z, l) end\n"
      "  return out\n"
      "end\n"
      "return a.compute(x.sla, x.uri or '', x.at) or cg.null",
      &dir);
  return 0;
}

static int teardown(void **state)
{
  cg_rules_gen_release(g);
  kit_unpack(dir);
  return 0;
}

static cJSON *probe(cJSON *arg)
{
  struct cg_err err = {0};
  cJSON *out = NULL;
  if (cg_rules_call(g, "orders.probe", arg, &out, &err) != 0)
    fail_msg("probe: %s", err.msg);
  cJSON_Delete(arg);
  return out;
}

static cJSON *instants(const char *zone, const char *op, int64_t from,
                       int64_t step, int n)
{
  cJSON *a = cJSON_CreateObject();
  cJSON_AddStringToObject(a, "op", op);
  cJSON_AddStringToObject(a, "zone", zone);
  cJSON *at = cJSON_AddArrayToObject(a, "at");
  for (int i = 0; i < n; i++)
    cJSON_AddItemToArray(at, cJSON_CreateNumber((double)(from + i * step)));
  return a;
}

static const char *const zones[] = {"UTC",
                                    "Europe/London",
                                    "Europe/Dublin",
                                    "Europe/Lisbon",
                                    "Europe/Stockholm",
                                    "Europe/Helsinki",
                                    "Europe/Berlin",
                                    "America/New_York",
                                    "America/Los_Angeles",
                                    "Australia/Sydney"};

#define T2026 1767225600          /* 2026-01-01T00:00:00Z */
#define STEP (7 * 3600 + 13 * 60) /* lands on every hour of the day */

static void check_offsets(const char *zone)
{
  for (int chunk = 0; chunk < 8; chunk++) {
    int64_t from = T2026 + (int64_t)chunk * 400 * STEP;
    cJSON *out = probe(instants(zone, "offsets", from, STEP, 400));
    for (int i = 0; i < 400; i++) {
      time_t s = (time_t)(from + i * STEP);
      struct tm tm;
      localtime_r(&s, &tm);
      int64_t lua = (int64_t)cJSON_GetArrayItem(out, i)->valuedouble;
      if (lua != tm.tm_gmtoff)
        fail_msg("%s at %lld: cg.tz says %+lld s, glibc %+ld s", zone,
                 (long long)s, (long long)lua, tm.tm_gmtoff);
    }
    cJSON_Delete(out);
  }
}

static long gmtoff(time_t s)
{
  struct tm tm;
  localtime_r(&s, &tm);
  return tm.tm_gmtoff;
}

/* glibc's transition second in (lo, hi], where the offset changes. */
static time_t transition(time_t lo, time_t hi)
{
  long before = gmtoff(lo);
  while (hi - lo > 1) {
    time_t mid = lo + (hi - lo) / 2;
    if (gmtoff(mid) == before)
      lo = mid;
    else
      hi = mid;
  }
  return hi;
}

/* Each transition of three years, to the second: t - 1, t, t + 1800. */
static void check_transitions(const char *zone)
{
  time_t list[64];
  int n = 0;
  for (time_t d = T2026; d < T2026 + 3 * 366 * 86400; d += 86400)
    if (gmtoff(d) != gmtoff(d + 86400) && n + 3 <= 64) {
      time_t t = transition(d, d + 86400);
      list[n++] = t - 1;
      list[n++] = t;
      list[n++] = t + 1800;
    }
  cJSON *a = instants(zone, "offsets", 0, 0, 0);
  cJSON *at = cJSON_GetObjectItem(a, "at");
  for (int i = 0; i < n; i++)
    cJSON_AddItemToArray(at, cJSON_CreateNumber((double)list[i]));
  cJSON *out = probe(a);
  for (int i = 0; i < n; i++) {
    int64_t lua = (int64_t)cJSON_GetArrayItem(out, i)->valuedouble;
    if (lua != gmtoff(list[i]))
      fail_msg("%s at transition instant %lld: cg.tz says %+lld s, glibc "
               "%+ld s",
               zone, (long long)list[i], (long long)lua, gmtoff(list[i]));
  }
  cJSON_Delete(out);
}

/* 18:00 local on 1,100 consecutive days: the deadline's form. */
static void check_from_local(const char *zone)
{
  int64_t first = 20454LL * 86400 + 18 * 3600; /* 2026-01-01 18:00 local */
  for (int chunk = 0; chunk < 3; chunk++) {
    int64_t from = first + (int64_t)chunk * 400 * 86400;
    cJSON *out = probe(instants(zone, "from_local", from, 86400, 400));
    for (int i = 0; i < 400; i++) {
      time_t l = (time_t)(from + (int64_t)i * 86400);
      struct tm tm;
      gmtime_r(&l, &tm); /* the local fields, as numbers */
      tm.tm_isdst = -1;
      time_t want = mktime(&tm);
      int64_t lua = (int64_t)cJSON_GetArrayItem(out, i)->valuedouble;
      if (lua != (int64_t)want)
        fail_msg("%s: local %lld is UTC %lld per cg.tz, %lld per glibc", zone,
                 (long long)l, (long long)lua, (long long)want);
    }
    cJSON_Delete(out);
  }
}

static void test_zones_match_glibc(void **state)
{
  for (size_t i = 0; i < sizeof(zones) / sizeof(*zones); i++) {
    setenv("TZ", zones[i], 1);
    tzset();
    check_offsets(zones[i]);
    check_transitions(zones[i]);
    check_from_local(zones[i]);
  }
  unsetenv("TZ");
  tzset();
}

/* The deadline of an order accepted at the ISO time under sla (JSON). */
static int64_t deadline(const char *sla, const char *uri, const char *at,
                        int64_t *warn)
{
  int64_t ms = 0;
  assert_int_equal(cg_time_parse_iso8601(at, &ms), 0);
  char arg[2048];
  snprintf(arg, sizeof(arg), "{\"sla\": %s, \"uri\": \"%s\", \"at\": %lld}",
           sla, uri ? uri : "", (long long)ms);
  cJSON *out = probe(kit_json(arg));
  int64_t d = cg_json_int(out, "deadline", -1);
  if (warn != NULL)
    *warn = cg_json_int(out, "warnAt", 0);
  cJSON_Delete(out);
  return d;
}

static void expect(const char *sla, const char *uri, const char *at,
                   const char *due)
{
  int64_t want = 0;
  assert_int_equal(cg_time_parse_iso8601(due, &want), 0);
  int64_t got = deadline(sla, uri, at, NULL);
  char buf[40];
  if (got != want)
    fail_msg("accepted %s (%s, %s): due %s, want %s", at, sla, uri ? uri : "-",
             got > 0 ? cg_time_format_iso8601(got, buf, 40) : "none", due);
}

#define STOCKHOLM "{\"timezone\": \"Europe/Stockholm\"}"
#define SAME_DAY "{\"timezone\": \"Europe/Stockholm\", \"days\": 0}"

/* 2026-03-06 is a Friday; Stockholm is UTC+1 until 2026-03-29. */
static void test_cutoff_and_weekend(void **state)
{
  /* Friday 15:00 local, after the 14:00 cut-off: received Monday. */
  expect(STOCKHOLM, NULL, "2026-03-06T14:00:00Z", "2026-03-10T17:00:00Z");
  expect(SAME_DAY, NULL, "2026-03-06T14:00:00Z", "2026-03-09T17:00:00Z");
  /* Friday 13:59 local, before the cut-off: received Friday. */
  expect(STOCKHOLM, NULL, "2026-03-06T12:59:00Z", "2026-03-09T17:00:00Z");
  expect(SAME_DAY, NULL, "2026-03-06T12:59:00Z", "2026-03-06T17:00:00Z");
  /* Saturday and Sunday: received Monday whatever the hour. */
  expect(STOCKHOLM, NULL, "2026-03-07T08:00:00Z", "2026-03-10T17:00:00Z");
  expect(SAME_DAY, NULL, "2026-03-08T22:30:00Z", "2026-03-09T17:00:00Z");
  /* Friday 23:30 UTC is Saturday 00:30 in Stockholm. */
  expect(SAME_DAY, NULL, "2026-03-06T23:30:00Z", "2026-03-09T17:00:00Z");
}

static void test_holidays_and_options(void **state)
{
  const char *sla = "{\"timezone\": \"Europe/Stockholm\", \"holidays\": "
                    "[\"2026-03-09\"], \"options\": {\"express\": "
                    "{\"cutoff\": \"16:00\", \"days\": 0, \"by\": \"20:00\"},"
                    " \"pickup\": false}}";
  expect(sla, NULL, "2026-03-06T14:00:00Z", "2026-03-11T17:00:00Z");
  expect(sla, "express", "2026-03-06T14:00:00Z", "2026-03-06T19:00:00Z");
  expect(sla, "express", "2026-03-06T15:30:00Z", "2026-03-10T19:00:00Z");
  assert_int_equal(deadline(sla, "pickup", "2026-03-06T10:00:00Z", NULL), -1);
  /* Weekend work: Saturday is a working day here. */
  expect("{\"timezone\": \"UTC\", \"workdays\": [1,2,3,4,5,6]}", NULL,
         "2026-03-06T15:00:00Z", "2026-03-09T18:00:00Z");
}

static void test_daylight_saving_and_warning(void **state)
{
  /* Accepted Friday 27 March (CET), due Tuesday 31 March 18:00 CEST. */
  expect(STOCKHOLM, NULL, "2026-03-27T14:00:00Z", "2026-03-31T16:00:00Z");
  /* New York: accepted Friday 2026-10-30 15:00 EDT, due Tuesday
   * 2026-11-03 18:00 EST (the clocks go back on 1 November). */
  expect("{\"timezone\": \"America/New_York\"}", NULL, "2026-10-30T19:00:00Z",
         "2026-11-03T23:00:00Z");
  int64_t warn = 0, at = 0;
  cg_time_parse_iso8601("2026-03-06T14:00:00Z", &at);
  int64_t d = deadline(STOCKHOLM, NULL, "2026-03-06T14:00:00Z", &warn);
  assert_int_equal(warn, at + (d - at) * 3 / 4);
  deadline("{\"warn_share\": false}", NULL, "2026-03-06T14:00:00Z", &warn);
  assert_int_equal(warn, 0);
}

static void test_bad_rules_refused(void **state)
{
  static const char *const bad[] = {"{\"timezone\": \"Mars/Olympus\"}",
                                    "{\"cutoff\": \"2pm\"}", "{\"days\": -1}",
                                    "{\"timezone\": \"CET-1CEST,J60,J300\"}"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
    char arg[512];
    snprintf(arg, sizeof(arg), "{\"sla\": %s, \"at\": 1772805600000}", bad[i]);
    cJSON *a = kit_json(arg), *out = NULL;
    struct cg_err err = {0};
    if (cg_rules_call(g, "orders.probe", a, &out, &err) == 0)
      fail_msg("%s should be refused", bad[i]);
    cJSON_Delete(a);
    cJSON_Delete(out);
  }
}

/* The hook of the default pack, as the monitor calls it. */
static void test_hook_through_default_pack(void **state)
{
  struct cg_rules_gen *d = kit_load("default", kit_src("rules/default"));
  cJSON *order = kit_order();
  cJSON *at = cJSON_CreateNumber(1772805600000.0); /* Friday 15:00 local */
  const cJSON *args[] = {order, at};
  cJSON *out = NULL;
  struct cg_err err = {0};
  if (cg_rules_callv(d, CG_MONITOR_HOOK, args, 2, &out, &err) != 0)
    fail_msg("%s", err.msg);
  int64_t want = 0;
  cg_time_parse_iso8601("2026-03-10T17:00:00Z", &want);
  assert_int_equal(cg_json_int(out, "deadline", 0), want);
  assert_string_equal(cg_json_str(out, "due"), "Tue 2026-03-10 18:00");
  cJSON_Delete(out);
  cJSON_Delete(order);
  cJSON_Delete(at);
  cg_rules_gen_release(d);
}

static int check(const char *json)
{
  cJSON *doc = kit_json(json);
  char why[256];
  int rc = cg_monitor_check_deadline(&doc, why, sizeof(why));
  cJSON_Delete(doc);
  return rc;
}

static void test_result_check(void **state)
{
  assert_int_equal(check("null"), 0);
  assert_int_equal(check("{\"deadline\": 1772805600000}"), 0);
  assert_int_equal(check("{\"deadline\": 1772805600000, \"warnAt\": "
                         "1772800000000, \"due\": \"Tue\"}"),
                   0);
  assert_int_equal(check("{\"deadline\": \"tomorrow\"}"), -1);
  assert_int_equal(check("{\"deadline\": 1000, \"warnAt\": 2000}"), -1);
  assert_int_equal(check("{\"warnAt\": 2000}"), -1);
  assert_int_equal(check("[1]"), -1);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_zones_match_glibc),
      cmocka_unit_test(test_cutoff_and_weekend),
      cmocka_unit_test(test_holidays_and_options),
      cmocka_unit_test(test_daylight_saving_and_warning),
      cmocka_unit_test(test_bad_rules_refused),
      cmocka_unit_test(test_hook_through_default_pack),
      cmocka_unit_test(test_result_check),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
