/*
 * E2E (issue 11): items to the warehouse's item master in batches
 * (core/flows/items_push.c, core/gxo/gxo_rest_items.c), against the
 * simulated warehouse of centra-gxo-sim on a real uv loop.
 *
 *  client: cg_gxo_put_items answers per item (an invalid GTIN is a 422
 *    result beside the accepted ones); a 429 with Retry-After is RETRY at
 *    that time and nothing is sent before; a 2xx that is not one result
 *    per item, and a whole-batch 422, are FAIL (a loopback fake
 *    warehouse gives those answers).
 */
#include "test_partners_fixture.h"

#include "base/err.h"
#include "gxo/gxo.h"
#include "http_fixture.h"
#include "net/router.h"

#include <stdlib.h>

static struct pf_sim sim;

static int group_setup(void **state)
{
  cg_mem_init();
  pf_sim_start(&sim, NULL);
  return 0;
}

static int group_teardown(void **state)
{
  pf_sim_stop(&sim);
  return 0;
}

/* --- the client -----------------------------------------------------------*/

struct env {
  uv_loop_t loop;
  struct cg_gxo *g;
  struct pf_capture cap;
};

static void env_open(struct env *e, const char *base)
{
  memset(e, 0, sizeof(*e));
  assert_int_equal(uv_loop_init(&e->loop), 0);
  struct cg_gxo_opts o = {.loop = &e->loop,
                          .merchant = "acme",
                          .base_url = base,
                          .client_id = "centra-gxo",
                          .client_secret = "gxo-dev-secret",
                          .timeout_ms = 5000};
  struct cg_err err = {0};
  e->g = cg_gxo_create(&cg_gxo_rest_transport, &o, &err);
  assert_non_null(e->g);
}

static void env_close(struct env *e)
{
  pf_capture_reset(&e->cap);
  cg_gxo_destroy(e->g);
  pf_loop_close(&e->loop);
}

/* A warehouse item for sku (gtin may be invalid). */
static cJSON *item(const char *sku, const char *gtin)
{
  cJSON *it = cJSON_CreateObject();
  cg_json_add_str(it, "sku", sku);
  cg_json_add_str(it, "gtin", gtin);
  cg_json_add_str(it, "description", "Wool coat");
  cg_json_add_str(it, "uom", "EA");
  cg_json_add_str(it, "hsCode", "620213");
  cg_json_add_str(it, "countryOfOrigin", "PT");
  cg_json_add_str(it, "status", "ACTIVE");
  return it;
}

/* Sends items under key and waits for the result. */
static void put(struct env *e, const cJSON *items, const char *key)
{
  pf_capture_reset(&e->cap);
  assert_int_equal(cg_gxo_put_items(e->g, items, key, pf_on_done, &e->cap), 0);
  assert_int_equal(e->cap.calls, 0); /* never inside the starting call */
  pf_wait(&e->loop, &e->cap, 10000);
}

static cJSON *three_items(void)
{
  cJSON *items = cJSON_CreateArray();
  cJSON_AddItemToArray(items, item("IP-1", "5772428043000"));
  cJSON_AddItemToArray(items, item("IP-2", "12345"));
  cJSON_AddItemToArray(items, item("IP-3", "5772428043017"));
  return items;
}

/* Per-item results: the invalid GTIN is refused, the others stored. */
static void test_client_per_item(void **state)
{
  struct env e;
  env_open(&e, sim.gxo);
  cJSON *items = three_items();
  assert_int_equal(cg_gxo_put_items(e.g, items, "", pf_on_done, &e.cap),
                   CG_EINVAL);
  put(&e, items, "cg-acme-items-t1");
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_OK);
  const cJSON *results = cg_json_get(e.cap.data, "results");
  assert_int_equal(cJSON_GetArraySize(results), 3);
  const cJSON *bad = cJSON_GetArrayItem(results, 1);
  assert_string_equal(cg_json_str(bad, "sku"), "IP-2");
  assert_int_equal(cg_json_int(bad, "status", 0), 422);
  assert_string_equal(cg_json_str(bad, "code"), "invalid-gtin");
  assert_int_equal(cg_json_int(cJSON_GetArrayItem(results, 2), "status", 0),
                   201);
  pf_capture_reset(&e.cap);
  assert_int_equal(cg_gxo_get_item(e.g, "IP-3", pf_on_done, &e.cap), 0);
  pf_wait(&e.loop, &e.cap, 10000);
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_OK);
  cJSON_Delete(items);
  env_close(&e);
}

/* 429 with Retry-After: RETRY at that time, nothing sent before it. */
static void test_client_429(void **state)
{
  struct env e;
  env_open(&e, sim.gxo);
  cJSON *items = three_items();
  put(&e, items, "cg-acme-items-warm"); /* the token first */
  cJSON_Delete(pf_control(
      sim.gxo, "POST", "/_sim/faults",
      "{\"rules\":[{\"method\":\"POST\",\"path\":\"/wms/v1/items:batch\","
      "\"share429\":1,\"limit\":1,\"retryAfter\":2}]}"));
  int64_t t0 = cg_time_now_ms();
  put(&e, items, "cg-acme-items-t2");
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_RETRY);
  assert_int_equal(e.cap.res.http_status, 429);
  int64_t at = e.cap.res.retry_at_ms;
  assert_true(at >= t0 + 1000 && at <= cg_time_now_ms() + 2500);
  int before = pf_count_calls(sim.gxo, "gxo", NULL, "/wms/v1/*");
  put(&e, items, "cg-acme-items-t2");
  assert_string_equal(e.cap.res.code, "paused");
  assert_int_equal(pf_count_calls(sim.gxo, "gxo", NULL, "/wms/v1/*"), before);
  while (cg_time_now_ms() < at)
    uv_sleep(50);
  put(&e, items, "cg-acme-items-t2");
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_OK);
  cJSON *calls = pf_control(sim.gxo, "GET", "/_sim/calls?side=gxo", NULL);
  assert_int_equal(cg_json_int(calls, "retryAfterViolations", -1), 0);
  cJSON_Delete(calls);
  cJSON_Delete(items);
  env_close(&e);
}

/* --- a fake warehouse for answers the simulator never gives ----------------*/

static const char *fake_status = "200";
static const char *fake_body;

static void fake_token(struct cg_http_exchange *ex, void *arg)
{
  cg_http_respond_json(ex, 200,
                       "{\"access_token\":\"t\",\"token_type\":\"Bearer\","
                       "\"expires_in\":3600}");
}

static void fake_batch(struct cg_http_exchange *ex, void *arg)
{
  const char *key = cg_http_exchange_header(ex, "Idempotency-Key");
  const struct cg_http_request *rq = cg_http_exchange_request(ex);
  cJSON *body = cg_json_parse(rq->body, rq->body_len, NULL);
  bool ok = key && strcmp(key, "cg-acme-items-f") == 0 &&
            cJSON_GetArraySize(cg_json_get(body, "items")) == 3;
  cJSON_Delete(body);
  if (!ok)
    cg_http_respond_json(ex, 400, "{\"code\":\"fake-says-bad-request\"}");
  else
    cg_http_respond(ex, atoi(fake_status), "application/problem+json",
                    fake_body, strlen(fake_body));
}

/* Answers that are not one result per item are FAIL bad-results; a
 * whole-batch 422 is FAIL with the problem code; a good one is OK. */
static void test_client_bad_answers(void **state)
{
  struct hf_server srv = {0};
  struct cg_router *r = cg_router_create();
  assert_int_equal(
      cg_router_add(r, "POST", "/wms/v1/oauth/token", fake_token, NULL), 0);
  assert_int_equal(
      cg_router_add(r, "POST", "/wms/v1/items:batch", fake_batch, NULL), 0);
  assert_int_equal(hf_start(&srv, NULL, cg_router_dispatch, r), 0);
  char base[64];
  snprintf(base, sizeof(base), "http://127.0.0.1:%d", srv.port);
  struct env e;
  env_open(&e, base);
  cJSON *items = three_items();
  const char *cases[][3] = {
      {"200", "{\"results\":[{\"index\":0,\"sku\":\"IP-1\",\"status\":200}]}",
       "bad-results"},
      {"200", "{}", "bad-results"},
      {"200", "<html>proxy</html>", "bad-results"},
      {"422", "{\"code\":\"invalid-batch\",\"detail\":\"no\"}",
       "invalid-batch"},
      {"200", "{\"results\":[{},{},{}]}", NULL}};
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    fake_status = cases[i][0];
    fake_body = cases[i][1];
    put(&e, items, "cg-acme-items-f");
    assert_int_equal(e.cap.res.outcome,
                     cases[i][2] ? CG_OUTCOME_FAIL : CG_OUTCOME_OK);
    if (cases[i][2] != NULL)
      assert_string_equal(e.cap.res.code, cases[i][2]);
  }
  cJSON_Delete(items);
  env_close(&e);
  assert_int_equal(hf_stop(&srv), 0);
  cg_router_destroy(r);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_client_per_item),
      cmocka_unit_test(test_client_429),
      cmocka_unit_test(test_client_bad_answers),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
