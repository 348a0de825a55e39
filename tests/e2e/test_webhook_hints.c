/*
 * End to end: Centra webhook hints are bounded. One signed delivery naming
 * 5,000 orders (300 distinct numbers, each many times) causes at most
 * CG_WEBHOOKS_HINTS_MAX order look-ups at the simulated Centra, with one
 * warning naming what was left to the events queue and the poll; the same
 * delivery again while those look-ups are in flight (held by a hang fault)
 * starts none; the engine answers /healthz and takes a later hint
 * meanwhile and after.
 */
#include "e2e.h"

#include "app/webhooks.h"
#include "base/buf.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/time.h"
#include "net/hmac.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IDS 5000
#define DISTINCT 300
/* Beyond the look-ups: the marker order's fetches (it is hinted again
 * while the request budget is spent) and its export mark. */
#define OTHER_CALLS 6

static struct e2e T;

/* payload=<url-encoded {"events":[{type:order, action:update, id}...]}> */
static char *hint_body(const int64_t *ids, size_t n)
{
  struct cg_buf b = CG_BUF_INIT;
  cg_buf_printf(&b, "payload=%%7B%%22events%%22%%3A%%5B");
  for (size_t i = 0; i < n; i++)
    cg_buf_printf(&b,
                  "%s%%7B%%22type%%22%%3A%%22order%%22%%2C%%22action%%22"
                  "%%3A%%22update%%22%%2C%%22id%%22%%3A%lld%%7D",
                  i ? "%2C" : "", (long long)ids[i]);
  cg_buf_printf(&b, "%%5D%%7D");
  return b.data;
}

static long post_hint(const int64_t *ids, size_t n)
{
  char *body = hint_body(ids, n);
  char sig[160], hdr[200], url[128];
  cg_sig_make("centra-webhook-secret", cg_time_now_ms() / 1000, body,
              strlen(body), sig, sizeof(sig));
  snprintf(hdr, sizeof(hdr), "X-Centra-Signature: %s", sig);
  const char *const headers[] = {
      hdr, "Content-Type: application/x-www-form-urlencoded", NULL};
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/webhooks/centra/shop",
           T.port_hooks);
  struct tu_http_response r;
  long status = tu_http("POST", url, headers, body, &r) == 0 ? r.status : -1;
  tu_http_response_free(&r);
  cg_free(body);
  return status;
}

static long post_hint(const int64_t *ids, size_t n);

struct marker {
  int64_t number; /* the order to hint */
  long want;      /* warehouse orders expected once it is through */
};

/* A hint is dropped when the Centra request budget is spent (the poll
 * would find the order), so the marker is hinted again until it is in. */
static bool marker_through(struct e2e *t, void *arg)
{
  struct marker *m = arg;
  if (e2e_wms_orders(t) >= m->want)
    return true;
  assert_int_equal(post_hint(&m->number, 1), 204);
  return false;
}

static void wait_marker(int64_t number, long want)
{
  struct marker m = {number, want};
  if (!e2e_wait(&T, 60, marker_through, &m))
    fail_msg("order %lld never reached the warehouse; see %s/engine.log",
             (long long)number, T.dir);
}

static void order_numbers(int64_t *out, size_t max)
{
  cJSON *doc = e2e_get(&T, 'c', "/_sim/centra/orders");
  const cJSON *list = cJSON_IsArray(doc) ? doc : cg_json_get(doc, "orders");
  const cJSON *o;
  size_t n = 0;
  cJSON_ArrayForEach(o, list) if (n < max) out[n++] =
      cg_json_int(o, "number", 0);
  cJSON_Delete(doc);
  assert_int_equal(n, max);
}

static long graphql_calls(void)
{
  cJSON *doc = e2e_get(&T, 'c', "/_sim/calls?side=centra&limit=20000");
  const cJSON *c;
  long n = 0;
  cJSON_ArrayForEach(c, cg_json_get(doc, "calls"))
  {
    const char *path = cg_json_str(c, "path");
    n += path != NULL && strcmp(path, "/graphql") == 0;
  }
  cJSON_Delete(doc);
  return n;
}

static void healthz_ok(void)
{
  char url[128];
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/healthz", T.port_admin);
  struct tu_http_response r;
  assert_int_equal(tu_http("GET", url, NULL, NULL, &r), 0);
  assert_int_equal(r.status, 200);
  tu_http_response_free(&r);
}

/* One delivery, then the same again while its look-ups are held. */
static void flood(void)
{
  static int64_t ids[IDS];
  for (size_t i = 0; i < IDS; i++)
    ids[i] = 900000 + (int64_t)(i % DISTINCT);
  cJSON_Delete(e2e_post(&T, 'c', "/_sim/faults",
                        "{\"rules\":[{\"method\":\"*\",\"path\":\"/graphql\","
                        "\"hangShare\":1}],\"replace\":true}"));
  assert_int_equal(post_hint(ids, IDS), 204);
  assert_int_equal(post_hint(ids, IDS), 204);
  healthz_ok();
  /* Releasing the held look-ups fails them (status 0); the rest go out. */
  cJSON_Delete(e2e_post(&T, 'c', "/_sim/faults",
                        "{\"rules\":[],"
                        "\"replace\":true}"));
}

static void test_hints_bounded(void **state)
{
  char *scenario = e2e_scenario(2, 0);
  /* A request budget that does not hide the fan-out. */
  static const char *const args[] = {"--centra-request-budget", "100000", NULL};
  struct e2e_opts o = {.scenario_json = scenario,
                       .seed = 5,
                       .sim_args = args,
                       .extra_config = "merchants[1].centra.events = false\n"
                                       "merchants[1].schedules.poll_orders = "
                                       "0\n"};
  e2e_setup(&T, &o);
  cg_free(scenario);
  e2e_engine_start(&T);
  int64_t numbers[2];
  order_numbers(numbers, 2);
  /* Barrier: the start-up calls are done once a hinted order is through. */
  wait_marker(numbers[0], 1);
  cJSON_Delete(e2e_post(&T, 'c', "/_sim/reset-calls", "{}"));
  flood();
  /* Barrier: a later hint goes through once the look-ups ahead are done. */
  wait_marker(numbers[1], 2);
  healthz_ok();
  long calls = graphql_calls();
  print_message("%ld Centra calls after the flood\n", calls);
  if (calls > CG_WEBHOOKS_HINTS_MAX + 1 + OTHER_CALLS)
    fail_msg("%ld Centra calls for two deliveries of %d ids (%d distinct)",
             calls, IDS, DISTINCT);
  assert_true(calls >= 2);
  assert_true(e2e_log_has(&T, "left to the events queue and the poll"));
  e2e_engine_stop(&T);
  e2e_teardown(&T);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_hints_bounded),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
