/*
 * E2E: the warehouse client (core/gxo, REST transport) against the
 * simulated warehouse of centra-gxo-sim, on a real uv loop: token fetch
 * and the one refresh after the warehouse drops tokens, create_order 202
 * and its idempotent replay, a duplicate orderRef treated as OK, 422
 * unknown-sku as FAIL with the problem code, an injected 429 answered
 * with RETRY at Retry-After and a partner pause that sends nothing early,
 * the event feed pulled and acknowledged, webhook subscription,
 * destroying the client with a call in flight, and return advices (202,
 * a duplicate rmaRef as OK DUPLICATE, refusals as FAIL, 503 as RETRY).
 */
#include "test_partners_fixture.h"

#include "base/err.h"
#include "gxo/gxo.h"

static struct pf_sim sim;

#define SKU "CG-COAT-38"

static char *order_doc(const char *ref, const char *sku)
{
  char *buf = cg_malloc(1024);
  snprintf(buf, 1024,
           "{\"orderRef\":\"%s\",\"orderDate\":\"2026-03-04T08:12:00Z\","
           "\"currency\":\"EUR\",\"shipTo\":{\"name\":\"Anna Svensson\","
           "\"address1\":\"Storgatan 1\",\"city\":\"Stockholm\","
           "\"postalCode\":\"11122\",\"countryCode\":\"SE\","
           "\"phone\":\"+46700000000\",\"email\":\"anna@example.com\"},"
           "\"shipping\":{\"carrierCode\":\"POSTNORD\",\"serviceCode\":"
           "\"PN-MYPACK-HOME\",\"servicePointId\":null},"
           "\"allowPartialShipment\":true,\"lines\":[{\"lineRef\":\"1\","
           "\"sku\":\"%s\",\"gtin\":\"5772428043000\",\"quantity\":1,"
           "\"unitPrice\":\"450.50\"}]}",
           ref, sku);
  return buf;
}

/* Seeds the item master the way a client would: token, then PUT item. */
static void seed_item(void)
{
  char url[256];
  snprintf(url, sizeof(url), "%s/wms/v1/oauth/token", sim.gxo);
  const char *form[] = {"Content-Type: application/x-www-form-urlencoded",
                        NULL};
  struct tu_http_response r = {0};
  assert_int_equal(tu_http("POST", url, form,
                           "grant_type=client_credentials&client_id="
                           "centra-gxo&client_secret=gxo-dev-secret",
                           &r),
                   0);
  assert_int_equal(r.status, 200);
  cJSON *tok = cg_json_parse(r.body, r.body_len, NULL);
  tu_http_response_free(&r);
  char auth[256];
  snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
           cg_json_str(tok, "access_token"));
  cJSON_Delete(tok);
  const char *headers[] = {auth, "Content-Type: application/json", NULL};
  snprintf(url, sizeof(url), "%s/wms/v1/items/" SKU, sim.gxo);
  assert_int_equal(
      tu_http("PUT", url, headers,
              "{\"sku\":\"" SKU "\",\"gtin\":\"5772428043000\","
              "\"description\":\"Wool coat 38\",\"attributes\":{\"style\":"
              "\"CG-COAT\",\"colour\":\"Black\",\"size\":\"38\"},\"uom\":"
              "\"EA\",\"weightKg\":1.2,\"dimensionsCm\":{\"length\":60,"
              "\"width\":40,\"height\":10},\"hsCode\":\"620213\","
              "\"countryOfOrigin\":\"PT\",\"status\":\"ACTIVE\"}",
              &r),
      0);
  if (r.status != 200 && r.status != 201)
    fprintf(stderr, "item seed: %ld %s\n", r.status, r.body);
  assert_true(r.status == 200 || r.status == 201);
  tu_http_response_free(&r);
}

static int group_setup(void **state)
{
  cg_mem_init();
  pf_sim_start(&sim, NULL);
  seed_item();
  return 0;
}

static int group_teardown(void **state)
{
  pf_sim_stop(&sim);
  return 0;
}

struct env {
  uv_loop_t loop;
  struct cg_gxo *g;
  struct pf_capture cap;
};

static void env_open(struct env *e, const char *secret)
{
  memset(e, 0, sizeof(*e));
  assert_int_equal(uv_loop_init(&e->loop), 0);
  struct cg_gxo_opts o = {.loop = &e->loop,
                          .merchant = "acme",
                          .base_url = sim.gxo,
                          .client_id = "centra-gxo",
                          .client_secret = secret,
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

static void expect_async(struct env *e, int rc)
{
  assert_int_equal(rc, 0);
  assert_int_equal(e->cap.calls, 0); /* never inside the starting call */
  pf_wait(&e->loop, &e->cap, 10000);
}

static void create(struct env *e, const char *ref, const char *sku,
                   const char *key)
{
  char *doc = order_doc(ref, sku);
  pf_capture_reset(&e->cap);
  expect_async(e, cg_gxo_create_order(e->g, doc, key, pf_on_done, &e->cap));
  cg_free(doc);
}

static void test_token_and_refresh(void **state)
{
  struct env e;
  env_open(&e, "gxo-dev-secret");
  int tokens = pf_count_calls(sim.gxo, "gxo", "POST", "/wms/v1/oauth/token");
  expect_async(&e, cg_gxo_pull_events(e.g, 0, 1, pf_on_done, &e.cap));
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_OK);
  pf_capture_reset(&e.cap);
  expect_async(&e, cg_gxo_pull_events(e.g, 0, 1, pf_on_done, &e.cap));
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_OK);
  /* The token is cached: one token request for two calls. */
  assert_int_equal(
      pf_count_calls(sim.gxo, "gxo", "POST", "/wms/v1/oauth/token"),
      tokens + 1);
  /* The warehouse drops every token: 401, refresh once, same call again. */
  cJSON_Delete(pf_control(sim.gxo, "POST", "/_sim/wms/tokens/expire", "{}"));
  pf_capture_reset(&e.cap);
  expect_async(&e, cg_gxo_pull_events(e.g, 0, 1, pf_on_done, &e.cap));
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_OK);
  assert_int_equal(
      pf_count_calls(sim.gxo, "gxo", "POST", "/wms/v1/oauth/token"),
      tokens + 2);
  env_close(&e);
}

static void test_bad_credentials(void **state)
{
  struct env e;
  env_open(&e, "wrong-secret");
  int64_t t0 = cg_time_now_ms();
  expect_async(&e, cg_gxo_pull_events(e.g, 0, 1, pf_on_done, &e.cap));
  /* Not the call's fault: it waits (a minute) instead of failing, so a
   * rotated secret does not reject every queued order. */
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_RETRY);
  assert_string_equal(e.cap.res.code, "auth");
  assert_int_equal(e.cap.res.http_status, 401);
  assert_true(e.cap.res.retry_at_ms >= t0 + 59000);
  assert_null(strstr(e.cap.res.message, "wrong-secret"));
  assert_non_null(strstr(e.cap.res.message, "gxo.client_secret"));
  env_close(&e);
}

static void test_create_replay_duplicate(void **state)
{
  struct env e;
  env_open(&e, "gxo-dev-secret");
  char key[96];
  assert_int_equal(cg_gxo_order_key("acme", "G-1001", key, sizeof(key)), 0);
  create(&e, "G-1001", SKU, key);
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_OK);
  assert_int_equal(e.cap.res.http_status, 202);
  assert_string_equal(cg_json_str(e.cap.data, "orderRef"), "G-1001");
  char wms_id[64];
  snprintf(wms_id, sizeof(wms_id), "%s",
           cg_json_str(e.cap.data, "wmsOrderId")
               ? cg_json_str(e.cap.data, "wmsOrderId")
               : "");
  /* Same key, same body (a replay after a lost answer): same result. */
  create(&e, "G-1001", SKU, key);
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_OK);
  assert_int_equal(e.cap.res.http_status, 202);
  if (wms_id[0])
    assert_string_equal(cg_json_str(e.cap.data, "wmsOrderId"), wms_id);
  /* Another key for the same orderRef: 409 says the order exists; the
   * client reads what the warehouse holds (in work) before it says OK. */
  int gets = pf_count_calls(sim.gxo, "gxo", "GET", "/wms/v1/orders/G-1001");
  create(&e, "G-1001", SKU, "cg-acme-order-G-1001-older-key");
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_OK);
  assert_int_equal(e.cap.res.http_status, 200);
  assert_string_equal(cg_json_str(e.cap.data, "orderRef"), "G-1001");
  assert_int_equal(
      pf_count_calls(sim.gxo, "gxo", "GET", "/wms/v1/orders/G-1001"), gets + 1);
  env_close(&e);
}

/* An order rejected at the warehouse: the 409 replayed for a key it saw
 * is a failure the flow raises, never "done"; a new key replaces it. */
static void test_create_rejected_is_not_done(void **state)
{
  struct env e;
  env_open(&e, "gxo-dev-secret");
  create(&e, "G-1009", SKU, "cg-acme-order-G-1009");
  assert_int_equal(e.cap.res.http_status, 202);
  create(&e, "G-1009", SKU, "cg-acme-order-G-1009-b"); /* 409, in work */
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_OK);
  cJSON_Delete(pf_control(sim.gxo, "POST", "/_sim/wms/orders/G-1009/reject",
                          "{\"code\":\"carrier-strike\"}"));
  create(&e, "G-1009", SKU, "cg-acme-order-G-1009-b"); /* replayed 409 */
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_FAIL);
  assert_string_equal(e.cap.res.code, "held-as-rejected");
  /* A new key replaces the rejected order (warehouse-api-v1.md). */
  create(&e, "G-1009", SKU, "cg-acme-order-G-1009-r2");
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_OK);
  assert_int_equal(e.cap.res.http_status, 202);
  pf_capture_reset(&e.cap);
  expect_async(&e, cg_gxo_get_order(e.g, "G-1009", pf_on_done, &e.cap));
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_OK);
  assert_string_not_equal(cg_json_str(e.cap.data, "status"), "REJECTED");
  env_close(&e);
}

static void test_unknown_sku_fails(void **state)
{
  struct env e;
  env_open(&e, "gxo-dev-secret");
  create(&e, "G-1002", "NO-SUCH-SKU", "cg-acme-order-G-1002");
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_FAIL);
  assert_int_equal(e.cap.res.http_status, 422);
  assert_string_equal(e.cap.res.code, "unknown-sku");
  assert_true(e.cap.res.message[0] != '\0');
  pf_capture_reset(&e.cap);
  expect_async(&e, cg_gxo_get_order(e.g, "G-NOPE", pf_on_done, &e.cap));
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_FAIL);
  assert_int_equal(e.cap.res.http_status, 404);
  env_close(&e);
}

static void test_429_pauses_partner(void **state)
{
  struct env e;
  env_open(&e, "gxo-dev-secret");
  /* Warm the token so the fault hits the order call. */
  expect_async(&e, cg_gxo_pull_events(e.g, 0, 1, pf_on_done, &e.cap));
  cJSON_Delete(
      pf_control(sim.gxo, "POST", "/_sim/faults",
                 "{\"rules\":[{\"method\":\"POST\",\"path\":\"/wms/v1/orders\","
                 "\"share429\":1,\"limit\":1,\"retryAfter\":2}]}"));
  int64_t t0 = cg_time_now_ms();
  create(&e, "G-1003", SKU, "cg-acme-order-G-1003");
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_RETRY);
  assert_int_equal(e.cap.res.http_status, 429);
  int64_t at = e.cap.res.retry_at_ms;
  assert_true(at >= t0 + 1000 && at <= cg_time_now_ms() + 2500);
  /* Until the deadline nothing at all is sent to this partner. */
  int before = pf_count_calls(sim.gxo, "gxo", NULL, "/wms/v1/*");
  pf_capture_reset(&e.cap);
  expect_async(&e, cg_gxo_get_order(e.g, "G-1001", pf_on_done, &e.cap));
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_RETRY);
  assert_string_equal(e.cap.res.code, "paused");
  assert_int_equal(e.cap.res.retry_at_ms, at);
  assert_int_equal(pf_count_calls(sim.gxo, "gxo", NULL, "/wms/v1/*"), before);
  while (cg_time_now_ms() < at)
    uv_sleep(50);
  create(&e, "G-1003", SKU, "cg-acme-order-G-1003");
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_OK);
  cJSON *calls = pf_control(sim.gxo, "GET", "/_sim/calls?side=gxo", NULL);
  assert_int_equal(cg_json_int(calls, "retryAfterViolations", -1), 0);
  cJSON_Delete(calls);
  env_close(&e);
}

/* The same key sent twice at once: the second finds the first still in
 * flight (409 request-in-progress), which is RETRY, not FAIL. */
static void test_key_in_flight_retries(void **state)
{
  struct env e;
  env_open(&e, "gxo-dev-secret");
  expect_async(&e, cg_gxo_pull_events(e.g, 0, 1, pf_on_done, &e.cap));
  cJSON_Delete(pf_control(sim.gxo, "POST", "/_sim/faults",
                          "{\"rules\":[{\"method\":\"POST\",\"path\":"
                          "\"/wms/v1/orders\",\"latencyMs\":2000}]}"));
  char *doc = order_doc("G-1007", SKU);
  struct pf_capture a = {0}, b = {0};
  assert_int_equal(
      cg_gxo_create_order(e.g, doc, "cg-acme-order-G-1007", pf_on_done, &a), 0);
  assert_int_equal(
      cg_gxo_create_order(e.g, doc, "cg-acme-order-G-1007", pf_on_done, &b), 0);
  cg_free(doc);
  pf_wait(&e.loop, &a, 10000);
  pf_wait(&e.loop, &b, 10000);
  cJSON_Delete(pf_control(sim.gxo, "DELETE", "/_sim/faults", NULL));
  struct pf_capture *ok = a.res.outcome == CG_OUTCOME_OK ? &a : &b;
  struct pf_capture *busy = ok == &a ? &b : &a;
  assert_int_equal(ok->res.outcome, CG_OUTCOME_OK);
  assert_int_equal(ok->res.http_status, 202);
  assert_int_equal(busy->res.outcome, CG_OUTCOME_RETRY);
  assert_int_equal(busy->res.http_status, 409);
  pf_capture_reset(&a);
  pf_capture_reset(&b);
  env_close(&e);
}

/* Pulls until an order.accepted for ref shows up; returns lastSequence. */
static int64_t pull_until_accepted(struct env *e, const char *ref)
{
  for (int tries = 0; tries < 50; tries++) {
    pf_capture_reset(&e->cap);
    expect_async(e, cg_gxo_pull_events(e->g, 0, 500, pf_on_done, &e->cap));
    assert_int_equal(e->cap.res.outcome, CG_OUTCOME_OK);
    const cJSON *ev;
    cJSON_ArrayForEach(ev, cg_json_get(e->cap.data, "events"))
    {
      const char *t = cg_json_str(ev, "eventType");
      const char *r = cg_json_str(ev, "data.orderRef");
      if (t && r && strcmp(t, "order.accepted") == 0 && strcmp(r, ref) == 0)
        return cg_json_int(e->cap.data, "lastSequence", 0);
    }
    uv_sleep(50);
  }
  fail_msg("no order.accepted for %s", ref);
  return 0;
}

static void test_events_pull_ack(void **state)
{
  struct env e;
  env_open(&e, "gxo-dev-secret");
  create(&e, "G-1004", SKU, "cg-acme-order-G-1004");
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_OK);
  int64_t last = pull_until_accepted(&e, "G-1004");
  assert_true(last > 0);
  pf_capture_reset(&e.cap);
  expect_async(&e, cg_gxo_ack_events(e.g, last, pf_on_done, &e.cap));
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_OK);
  /* Acknowledging again is idempotent (same derived key and body). */
  pf_capture_reset(&e.cap);
  expect_async(&e, cg_gxo_ack_events(e.g, last, pf_on_done, &e.cap));
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_OK);
  pf_capture_reset(&e.cap);
  expect_async(&e, cg_gxo_pull_events(e.g, last, 100, pf_on_done, &e.cap));
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_OK);
  const cJSON *ev;
  cJSON_ArrayForEach(ev, cg_json_get(e.cap.data, "events"))
      assert_true(cg_json_int(ev, "sequence", 0) > last);
  env_close(&e);
}

/* Subscribes the sink, then checks a delivered order.accepted against
 * cg_gxo_webhook_parse (the simulator signs independently). */
static void test_subscribe_webhooks(void **state)
{
  struct env e;
  env_open(&e, "gxo-dev-secret");
  char url[128];
  snprintf(url, sizeof(url), "%s/_sim/sink/hooks", sim.gxo);
  const char *types[] = {"order.accepted", "shipment.confirmed"};
  expect_async(&e, cg_gxo_subscribe_webhooks(e.g, url, "hook-secret", types, 2,
                                             pf_on_done, &e.cap));
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_OK);
  create(&e, "G-1006", SKU, "cg-acme-order-G-1006");
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_OK);
  int i = pf_sink_wait(sim.gxo, "G-1006", 10000);
  char sig[256];
  size_t len = 0;
  char *raw =
      pf_sink_get(sim.gxo, i, "X-Wms-Signature", sig, sizeof(sig), &len);
  const char *secrets[] = {"hook-secret"};
  cJSON *env = NULL;
  struct cg_err err = {0};
  assert_int_equal(cg_gxo_webhook_parse(secrets, 1, sig, raw, len,
                                        cg_time_now_ms() / 1000, 0, &env, &err),
                   0);
  assert_string_equal(cg_json_str(env, "eventType"), "order.accepted");
  assert_string_equal(cg_json_str(env, "data.orderRef"), "G-1006");
  cJSON_Delete(env);
  const char *wrong[] = {"gxo-webhook-secret"};
  assert_int_equal(cg_gxo_webhook_parse(wrong, 1, sig, raw, len,
                                        cg_time_now_ms() / 1000, 0, &env, &err),
                   CG_ESIG);
  cg_free(raw);
  env_close(&e);
}

static void test_transport_error_retries(void **state)
{
  struct env e;
  env_open(&e, "gxo-dev-secret");
  expect_async(&e, cg_gxo_pull_events(e.g, 0, 1, pf_on_done, &e.cap));
  /* Two resets: curl resends a request once by itself when a reused
   * keep-alive connection turns out dead, and that resend must fail too. */
  cJSON_Delete(pf_control(sim.gxo, "POST", "/_sim/faults",
                          "{\"rules\":[{\"method\":\"GET\",\"path\":"
                          "\"/wms/v1/events*\",\"resetShare\":1,"
                          "\"limit\":2}]}"));
  pf_capture_reset(&e.cap);
  expect_async(&e, cg_gxo_pull_events(e.g, 0, 1, pf_on_done, &e.cap));
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_RETRY);
  assert_string_equal(e.cap.res.code, "transport");
  assert_int_equal(e.cap.res.retry_at_ms, 0);
  pf_capture_reset(&e.cap);
  cJSON_Delete(pf_control(sim.gxo, "POST", "/_sim/faults",
                          "{\"replace\":true,\"rules\":[{\"method\":"
                          "\"GET\",\"path\":\"/wms/v1/events*\","
                          "\"share500\":1,\"limit\":1}]}"));
  expect_async(&e, cg_gxo_pull_events(e.g, 0, 1, pf_on_done, &e.cap));
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_RETRY);
  assert_int_equal(e.cap.res.http_status, 500);
  env_close(&e);
}

static void test_destroy_in_flight(void **state)
{
  struct env e;
  env_open(&e, "gxo-dev-secret");
  char *doc = order_doc("G-1005", SKU);
  assert_int_equal(
      cg_gxo_create_order(e.g, doc, "cg-acme-order-G-1005", pf_on_done, &e.cap),
      0);
  cg_free(doc);
  assert_int_equal(e.cap.calls, 0);
  cg_gxo_destroy(e.g);
  assert_int_equal(e.cap.calls, 1);
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_RETRY);
  assert_string_equal(e.cap.res.code, "canceled");
  pf_capture_reset(&e.cap);
  pf_loop_close(&e.loop);
}

/* --- return advices ------------------------------------------------------ */

/* A return advice for order ref with rmaRef rma (built with cJSON). */
static cJSON *advice_doc(const char *rma, const char *ref)
{
  cJSON *a = cJSON_CreateObject();
  cg_json_add_str(a, "rmaRef", rma);
  cg_json_add_str(a, "originalOrderRef", ref);
  cJSON *c = cJSON_AddObjectToObject(a, "carrier");
  cg_json_add_str(c, "carrierCode", "POSTNORD");
  cg_json_add_str(c, "trackingNumber", "RET-1");
  cJSON *l = cJSON_CreateObject();
  cg_json_add_str(l, "lineRef", "1");
  cg_json_add_str(l, "sku", SKU);
  cg_json_add_int(l, "quantity", 1);
  cg_json_add_str(l, "reasonCode", "PF");
  cJSON_AddItemToArray(cJSON_AddArrayToObject(a, "lines"), l);
  return a;
}

static void advise(struct env *e, const char *rma, const char *ref,
                   const char *key)
{
  cJSON *a = advice_doc(rma, ref);
  pf_capture_reset(&e->cap);
  expect_async(e, cg_gxo_advise_return(e->g, a, key, pf_on_done, &e->cap));
  cJSON_Delete(a);
}

/* 202 EXPECTED; the same advice under a new key (a lost outbox outcome)
 * is 409 duplicate-rma-ref, which is OK DUPLICATE: the warehouse already
 * expects the return. */
static void test_advise_return(void **state)
{
  struct env e;
  env_open(&e, "gxo-dev-secret");
  create(&e, "G-1011", SKU, "cg-acme-order-G-1011");
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_OK);
  advise(&e, "R-1011", "G-1011", "cg-acme-return-R-1011");
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_OK);
  assert_int_equal(e.cap.res.http_status, 202);
  assert_string_equal(cg_json_str(e.cap.data, "rmaRef"), "R-1011");
  assert_string_equal(cg_json_str(e.cap.data, "status"), "EXPECTED");
  advise(&e, "R-1011", "G-1011", "cg-acme-return-R-1011-again");
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_OK);
  assert_int_equal(e.cap.res.http_status, 409);
  assert_string_equal(cg_json_str(e.cap.data, "rmaRef"), "R-1011");
  assert_string_equal(cg_json_str(e.cap.data, "status"), "DUPLICATE");
  cJSON *rma = pf_control(sim.gxo, "GET", "/_sim/wms/stats", NULL);
  assert_int_equal(cg_json_int(rma, "returnsAdvised", -1), 1);
  cJSON_Delete(rma);
  env_close(&e);
}

/* Refused advices are FAIL with the warehouse's problem code: an order
 * the warehouse does not know, and (the contract check bypassed) an
 * rmaRef over the limit; nothing is truncated. */
static void test_advise_return_refused(void **state)
{
  struct env e;
  env_open(&e, "gxo-dev-secret");
  advise(&e, "R-1012", "G-NOPE", "cg-acme-return-R-1012");
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_FAIL);
  assert_int_equal(e.cap.res.http_status, 422);
  assert_string_equal(e.cap.res.code, "unknown-order-line");
  assert_true(e.cap.res.message[0] != '\0');
  const char *long_ref = "R-123456789012345678901234567890123"; /* 35 */
  advise(&e, long_ref, "G-1011", "cg-acme-return-long");
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_FAIL);
  assert_string_equal(e.cap.res.code, "field-too-long");
  /* What the engine checks before it sends. */
  assert_int_equal(cg_gxo_advise_return(e.g, NULL, "k", pf_on_done, &e.cap),
                   CG_EINVAL);
  cJSON *a = advice_doc("R-1013", "G-1011");
  assert_int_equal(cg_gxo_advise_return(e.g, a, "", pf_on_done, &e.cap),
                   CG_EINVAL);
  cJSON_Delete(a);
  env_close(&e);
}

/* A 503 with Retry-After is RETRY at that time, never FAIL. */
static void test_advise_return_retry(void **state)
{
  struct env e;
  env_open(&e, "gxo-dev-secret");
  expect_async(&e, cg_gxo_pull_events(e.g, 0, 1, pf_on_done, &e.cap));
  cJSON_Delete(pf_control(sim.gxo, "POST", "/_sim/faults",
                          "{\"rules\":[{\"method\":\"POST\",\"path\":"
                          "\"/wms/v1/return-advices\",\"share503\":1,"
                          "\"limit\":1,\"retryAfter\":2}]}"));
  int64_t t0 = cg_time_now_ms();
  advise(&e, "R-1014", "G-1011", "cg-acme-return-R-1014");
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_RETRY);
  assert_int_equal(e.cap.res.http_status, 503);
  assert_true(e.cap.res.retry_at_ms >= t0 + 1000);
  cJSON_Delete(pf_control(sim.gxo, "DELETE", "/_sim/faults", NULL));
  env_close(&e);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_token_and_refresh),
      cmocka_unit_test(test_bad_credentials),
      cmocka_unit_test(test_create_replay_duplicate),
      cmocka_unit_test(test_create_rejected_is_not_done),
      cmocka_unit_test(test_unknown_sku_fails),
      cmocka_unit_test(test_429_pauses_partner),
      cmocka_unit_test(test_key_in_flight_retries),
      cmocka_unit_test(test_events_pull_ack),
      cmocka_unit_test(test_subscribe_webhooks),
      cmocka_unit_test(test_transport_error_retries),
      cmocka_unit_test(test_destroy_in_flight),
      cmocka_unit_test(test_advise_return),
      cmocka_unit_test(test_advise_return_refused),
      cmocka_unit_test(test_advise_return_retry),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
