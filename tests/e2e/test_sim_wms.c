/*
 * The simulated warehouse (tests/sim/sim_wms*.c) over loopback, against
 * warehouse-api-v1.md: idempotency (replay with Idempotency-Replayed, 422
 * on a changed body, 409 duplicate orderRef, 400 without a key, 409 while
 * the first is in flight under injected latency), token expiry and
 * refresh, 429 + Retry-After with the violation counter, the event feed's
 * order and ack, order validation, split dispatch content, cancel and
 * returns. Each test runs its own simulator and stops it with SIGTERM
 * (exit 0, no sanitizer report).
 */
#include "sim_wms_fixture.h"

#include "base/time.h"

static const char *LINES_AB =
    "[{\"lineRef\":\"L1\",\"sku\":\"SKU-A\",\"gtin\":\"5772428043001\","
    "\"quantity\":3,\"unitPrice\":\"450.50\"},"
    "{\"lineRef\":\"L2\",\"sku\":\"SKU-B\",\"quantity\":1,"
    "\"unitPrice\":\"99.00\"}]";

static struct fx F;

static int setup(void **state)
{
  fx_start(&F, NULL);
  fx_token(&F);
  fx_seed(&F);
  return 0;
}

static int teardown(void **state)
{
  fx_stop(&F);
  return 0;
}

static const char *hdr(const struct fx_resp *r, const char *name)
{
  static char buf[256];
  struct tu_http_response t = {.headers = r->headers};
  return tu_http_header(&t, name, buf, sizeof(buf));
}

static int64_t stat_of(const char *name)
{
  struct fx_resp r;
  fx_call(&F, F.g, "GET", "/_sim/wms/stats", NULL, NULL, &r);
  int64_t v = cg_json_int(r.json, name, -1);
  fx_resp_free(&r);
  return v;
}

static void check_attempts_1001(void)
{
  struct fx_resp r;
  assert_int_equal(stat_of("orders"), 1);
  assert_int_equal(stat_of("duplicates"), 1);
  assert_int_equal(stat_of("replays"), 1);
  /* Attempts per orderRef. */
  fx_call(&F, F.g, "GET", "/_sim/wms/orders/1001", NULL, NULL, &r);
  assert_int_equal(cg_json_int(r.json, "attempts.creates", -1), 1);
  assert_int_equal(cg_json_int(r.json, "attempts.replays", -1), 1);
  assert_int_equal(cg_json_int(r.json, "attempts.duplicates", -1), 1);
  assert_int_equal(
      cJSON_GetArraySize(cg_json_get(r.json, "attempts.idempotencyKeys")), 2);
  fx_resp_free(&r);
}

static void test_idempotency(void **state)
{
  struct fx_resp r;
  char *o = fx_order("1001", LINES_AB),
       *o2 = fx_order("1001", "[{\"lineRef\""
                              ":\"L1\",\"sku\":\"SKU-A"
                              "\",\"quantity\":2}]");
  assert_int_equal(fx_call(&F, F.g, "POST", "/wms/v1/orders", "k-1", o, &r),
                   202);
  assert_string_equal(cg_json_str(r.json, "status"), "RECEIVED");
  char wms_id[64];
  snprintf(wms_id, sizeof(wms_id), "%s", cg_json_str(r.json, "wmsOrderId"));
  assert_null(hdr(&r, "Idempotency-Replayed"));
  fx_resp_free(&r);
  /* Same key, same body: the original answer, marked as a replay. */
  assert_int_equal(fx_call(&F, F.g, "POST", "/wms/v1/orders", "k-1", o, &r),
                   202);
  assert_string_equal(hdr(&r, "Idempotency-Replayed"), "true");
  assert_string_equal(cg_json_str(r.json, "wmsOrderId"), wms_id);
  fx_resp_free(&r);
  /* Same key, another body: 422 problem+json. */
  assert_int_equal(fx_call(&F, F.g, "POST", "/wms/v1/orders", "k-1", o2, &r),
                   422);
  assert_non_null(strstr(hdr(&r, "Content-Type"), "application/problem+json"));
  assert_non_null(cg_json_str(r.json, "code"));
  fx_resp_free(&r);
  /* Same orderRef, another key: 409 duplicate-order-ref. */
  assert_int_equal(fx_call(&F, F.g, "POST", "/wms/v1/orders", "k-2", o, &r),
                   409);
  assert_string_equal(cg_json_str(r.json, "code"), "duplicate-order-ref");
  assert_string_equal(
      cg_json_str(cJSON_GetArrayItem(cg_json_get(r.json, "errors"), 0),
                  "pointer"),
      "/orderRef");
  fx_resp_free(&r);
  /* No key: 400. */
  assert_int_equal(fx_call(&F, F.g, "POST", "/wms/v1/orders", NULL, o, &r),
                   400);
  assert_string_equal(cg_json_str(r.json, "code"), "missing-idempotency-key");
  fx_resp_free(&r);
  check_attempts_1001();
  cg_free(o);
  cg_free(o2);
}

/* Waits until the simulator has reserved key for ref (the first request
 * is in flight), however slow the machine. */
static void wait_reserved(const char *ref, const char *key)
{
  char path[96];
  snprintf(path, sizeof(path), "/_sim/wms/orders/%s", ref);
  for (int i = 0; i < 500; i++) {
    struct fx_resp r;
    fx_call(&F, F.g, "GET", path, NULL, NULL, &r);
    const cJSON *k =
        cJSON_GetArrayItem(cg_json_get(r.json, "attempts.idempotencyKeys"), 0);
    bool seen = cJSON_IsString(k) && strcmp(k->valuestring, key) == 0;
    fx_resp_free(&r);
    if (seen)
      return;
    usleep(10 * 1000);
  }
  fail_msg("the first request for %s never arrived", ref);
}

static void test_in_flight(void **state)
{
  char *o = fx_order("1002", LINES_AB), req[6000];
  assert_int_equal(
      fx_status(&F, F.g, "POST", "/_sim/faults", NULL,
                "{\"rules\":[{\"method\":\"POST\",\"path\":\"/wms/v1/orders\","
                "\"latencyMs\":3000}]}"),
      200);
  snprintf(req, sizeof(req),
           "POST /wms/v1/orders HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
           "%s\r\nIdempotency-Key: k-fly\r\nContent-Type: application/json\r\n"
           "Content-Length: %zu\r\n\r\n%s",
           F.token, strlen(o), o);
  int fd = fx_raw_send(F.gport, req, strlen(req));
  assert_true(fd >= 0);
  wait_reserved("1002", "k-fly");
  struct fx_resp r;
  assert_int_equal(fx_call(&F, F.g, "POST", "/wms/v1/orders", "k-fly", o, &r),
                   409);
  assert_string_equal(cg_json_str(r.json, "code"), "request-in-progress");
  fx_resp_free(&r);
  assert_int_equal(fx_raw_status(fd), 202);
  close(fd);
  assert_int_equal(fx_status(&F, F.g, "DELETE", "/_sim/faults", NULL, NULL),
                   200);
  assert_int_equal(fx_call(&F, F.g, "POST", "/wms/v1/orders", "k-fly", o, &r),
                   202);
  assert_string_equal(hdr(&r, "Idempotency-Replayed"), "true");
  fx_resp_free(&r);
  assert_int_equal(stat_of("inFlightConflicts"), 1);
  assert_int_equal(stat_of("orders"), 1);
  cg_free(o);
}

static void test_token_expiry(void **state)
{
  struct fx_resp r;
  assert_int_equal(fx_status(&F, F.g, "GET", "/wms/v1/items/SKU-A", NULL, NULL),
                   200);
  assert_int_equal(
      fx_status(&F, F.g, "POST", "/_sim/wms/tokens/expire", NULL, "{}"), 200);
  assert_int_equal(
      fx_call(&F, F.g, "GET", "/wms/v1/items/SKU-A", NULL, NULL, &r), 401);
  assert_string_equal(cg_json_str(r.json, "code"), "token-expired");
  assert_non_null(hdr(&r, "WWW-Authenticate"));
  fx_resp_free(&r);
  fx_token(&F); /* refresh once, retry */
  assert_int_equal(fx_status(&F, F.g, "GET", "/wms/v1/items/SKU-A", NULL, NULL),
                   200);
  /* A short TTL expires by itself. */
  assert_int_equal(fx_status(&F, F.g, "POST", "/_sim/wms/settings", NULL,
                             "{\"tokenTtlSeconds\":1}"),
                   200);
  struct tu_http_response t;
  char url[128];
  snprintf(url, sizeof(url), "%s/wms/v1/oauth/token", F.g);
  tu_http("POST", url, NULL,
          "grant_type=client_credentials&client_id=centra-gxo&client_secret="
          "wrong",
          &t);
  assert_int_equal(t.status, 401);
  tu_http_response_free(&t);
  fx_token(&F);
  usleep(1100 * 1000);
  assert_int_equal(fx_status(&F, F.g, "GET", "/wms/v1/items/SKU-A", NULL, NULL),
                   401);
  F.token[0] = '\0';
  assert_int_equal(fx_status(&F, F.g, "GET", "/wms/v1/items/SKU-A", NULL, NULL),
                   401);
}

static int64_t violations(void)
{
  struct fx_resp r;
  fx_call(&F, F.g, "GET", "/_sim/calls?limit=1", NULL, NULL, &r);
  int64_t v = cg_json_int(r.json, "retryAfterViolations", -1);
  fx_resp_free(&r);
  return v;
}

static void check_500_and_reset(void)
{
  struct fx_resp r;
  /* 500 and resets come from the same rules. */
  assert_int_equal(
      fx_status(&F, F.g, "POST", "/_sim/faults", NULL,
                "{\"replace\":true,\"rules\":[{\"path\":\"/wms/v1/items/*\","
                "\"share500\":1,\"limit\":1},{\"path\":\"/wms/v1/stock\","
                "\"resetShare\":1,\"limit\":1}]}"),
      200);
  assert_int_equal(fx_status(&F, F.g, "GET", "/wms/v1/items/SKU-A", NULL, NULL),
                   500);
  assert_int_equal(fx_status(&F, F.g, "GET", "/wms/v1/stock", NULL, NULL), 0);
  assert_int_equal(fx_status(&F, F.g, "GET", "/wms/v1/stock", NULL, NULL), 200);
  fx_call(&F, F.g, "GET", "/_sim/calls?side=gxo", NULL, NULL, &r);
  assert_int_equal(cg_json_int(r.json, "counts.429", 0), 1);
  assert_int_equal(cg_json_int(r.json, "counts.503", 0), 1);
  assert_int_equal(cg_json_int(r.json, "counts.0", 0), 1);
  fx_resp_free(&r);
  assert_int_equal(fx_status(&F, F.g, "POST", "/_sim/reset-calls", NULL, "{}"),
                   200);
  assert_int_equal(violations(), 0);
}

static void test_retry_after(void **state)
{
  struct fx_resp r;
  char *o = fx_order("1003", LINES_AB);
  const char *burst =
      "{\"rules\":[{\"method\":\"POST\",\"path\":\"/wms/v1/orders\","
      "\"share429\":1,\"retryAfter\":1,\"limit\":1}]}";
  assert_int_equal(fx_status(&F, F.g, "POST", "/_sim/faults", NULL, burst),
                   200);
  assert_int_equal(fx_call(&F, F.g, "POST", "/wms/v1/orders", "k-ra", o, &r),
                   429);
  assert_string_equal(hdr(&r, "Retry-After"), "1");
  fx_resp_free(&r);
  /* Compliant: wait out Retry-After, then the burst is over. */
  usleep(1100 * 1000);
  assert_int_equal(fx_status(&F, F.g, "POST", "/wms/v1/orders", "k-ra", o),
                   202);
  assert_int_equal(violations(), 0);
  /* Non-compliant: repeat at once. */
  burst = "{\"replace\":true,\"rules\":[{\"path\":\"/wms/v1/orders/*\","
          "\"share503\":1,\"retryAfter\":\"5\",\"limit\":1}]}";
  assert_int_equal(fx_status(&F, F.g, "POST", "/_sim/faults", NULL, burst),
                   200);
  assert_int_equal(
      fx_call(&F, F.g, "GET", "/wms/v1/orders/1003", NULL, NULL, &r), 503);
  assert_string_equal(hdr(&r, "Retry-After"), "5");
  fx_resp_free(&r);
  assert_int_equal(fx_status(&F, F.g, "GET", "/wms/v1/orders/1003", NULL, NULL),
                   200);
  assert_int_equal(violations(), 1);
  check_500_and_reset();
  cg_free(o);
}

/* GET /wms/v1/events + query; returns the parsed body (caller frees). */
static cJSON *feed(const char *query, long *status)
{
  struct fx_resp r;
  char path[256];
  snprintf(path, sizeof(path), "/wms/v1/events%s", query);
  *status = fx_call(&F, F.g, "GET", path, NULL, NULL, &r);
  cJSON *j = r.json;
  r.json = NULL;
  fx_resp_free(&r);
  return j;
}

static void make_events(int n)
{
  for (int i = 0; i < n; i++) {
    char body[160];
    snprintf(body, sizeof(body),
             "{\"sku\":\"SKU-C\",\"delta\":%d,\"reasonCode\":\"AA\"}", i + 1);
    assert_int_equal(
        fx_status(&F, F.g, "POST", "/_sim/wms/stock/adjust", NULL, body), 200);
  }
}

static void check_acks(const char *id4)
{
  long st;
  cJSON *j;
  /* Ack up to 2 moves the default position; ack 4 by id skips it. */
  assert_int_equal(fx_status(&F, F.g, "POST", "/wms/v1/events:ack", "a-1",
                             "{\"upToSequence\":2}"),
                   204);
  char body[128];
  snprintf(body, sizeof(body), "{\"eventIds\":[\"%s\"]}", id4);
  assert_int_equal(
      fx_status(&F, F.g, "POST", "/wms/v1/events:ack", "a-2", body), 204);
  j = feed("", &st);
  assert_int_equal(cJSON_GetArraySize(cg_json_get(j, "events")), 2);
  assert_int_equal(cg_json_int(cJSON_GetArrayItem(cg_json_get(j, "events"), 0),
                               "sequence", 0),
                   3);
  assert_int_equal(cg_json_int(cJSON_GetArrayItem(cg_json_get(j, "events"), 1),
                               "sequence", 0),
                   5);
  cJSON_Delete(j);
  j = feed("?after=0", &st); /* acked events stay out of the feed */
  assert_int_equal(cJSON_GetArraySize(cg_json_get(j, "events")), 2);
  cJSON_Delete(j);
  assert_int_equal(fx_status(&F, F.g, "POST", "/wms/v1/events:ack", "a-3",
                             "{\"upToSequence\":5}"),
                   204);
  j = feed("", &st);
  assert_int_equal(cJSON_GetArraySize(cg_json_get(j, "events")), 0);
  assert_int_equal(cg_json_int(j, "lastSequence", -1), 5);
  cJSON_Delete(j);
  cJSON_Delete(feed("?limit=0", &st));
  assert_int_equal(st, 400);
  cJSON_Delete(feed("?after=x", &st));
  assert_int_equal(st, 400);
  assert_int_equal(fx_status(&F, F.g, "POST", "/wms/v1/events:ack", "a-4",
                             "{\"upToSequence\":99}"),
                   400);
  assert_int_equal(
      fx_status(&F, F.g, "POST", "/wms/v1/events:ack", "a-5", "{nope"), 400);
}

static void test_event_feed(void **state)
{
  long st;
  make_events(5);
  cJSON *j = feed("?after=0&limit=2", &st), *e;
  assert_int_equal(st, 200);
  assert_int_equal(cJSON_GetArraySize(cg_json_get(j, "events")), 2);
  assert_int_equal(cg_json_int(j, "lastSequence", 0), 2);
  int64_t prev = 0;
  cJSON_ArrayForEach(e, cg_json_get(j, "events"))
  {
    assert_true(cg_json_int(e, "sequence", 0) > prev);
    prev = cg_json_int(e, "sequence", 0);
    assert_string_equal(cg_json_str(e, "eventType"), "stock.adjusted");
    assert_non_null(cg_json_str(e, "eventId"));
    assert_int_equal(cg_json_int(e, "eventVersion", 0), 1);
    assert_non_null(cg_json_str(e, "occurredAt"));
    assert_non_null(cg_json_str(e, "publishedAt"));
    assert_non_null(cg_json_str(e, "clientId"));
    assert_non_null(cg_json_str(e, "siteId"));
    assert_non_null(cg_json_get(e, "correlation"));
    assert_string_equal(cg_json_str(e, "data.reasonCode"), "AA");
  }
  cJSON_Delete(j);
  j = feed("?after=2&limit=10", &st);
  assert_int_equal(cJSON_GetArraySize(cg_json_get(j, "events")), 3);
  assert_int_equal(cg_json_int(cJSON_GetArrayItem(cg_json_get(j, "events"), 0),
                               "sequence", 0),
                   3);
  char id4[64];
  snprintf(
      id4, sizeof(id4), "%s",
      cg_json_str(cJSON_GetArrayItem(cg_json_get(j, "events"), 1), "eventId"));
  cJSON_Delete(j);
  check_acks(id4);
}

static const char *first_error(const cJSON *j, const char *field)
{
  return cg_json_str(cJSON_GetArrayItem(cg_json_get(j, "errors"), 0), field);
}

static void check_items(void)
{
  struct fx_resp r;
  /* Items: 201 then 200, 422 invalid-gtin / missing-hs-code, 404. */
  assert_int_equal(fx_status(&F, F.g, "PUT", "/wms/v1/items/N1", NULL,
                             "{\"sku\":\"N1\",\"gtin\":\"12345678\","
                             "\"hsCode\":\"6202\"}"),
                   201);
  assert_int_equal(fx_status(&F, F.g, "PUT", "/wms/v1/items/N1", NULL,
                             "{\"sku\":\"N1\",\"hsCode\":\"6203\"}"),
                   200);
  assert_int_equal(fx_call(&F, F.g, "PUT", "/wms/v1/items/N2", NULL,
                           "{\"gtin\":\"12ab\",\"hsCode\":\"1\"}", &r),
                   422);
  assert_string_equal(cg_json_str(r.json, "code"), "invalid-gtin");
  fx_resp_free(&r);
  assert_int_equal(fx_call(&F, F.g, "POST", "/wms/v1/items:batch", "b-1",
                           "{\"items\":[{\"sku\":\"N3\",\"hsCode\":\"1\"},"
                           "{\"sku\":\"N4\"}]}",
                           &r),
                   200);
  assert_int_equal(
      cg_json_int(cJSON_GetArrayItem(cg_json_get(r.json, "results"), 1),
                  "status", 0),
      422);
  fx_resp_free(&r);
  assert_int_equal(fx_status(&F, F.g, "GET", "/wms/v1/items/N4", NULL, NULL),
                   404);
}

/* A burst of adjustments in one control call: one event each, in order,
 * answered with each sequence and ms publish time; it stops at the first
 * refused one. */
static void test_stock_burst(void **state)
{
  struct fx_resp r;
  long st;
  fx_call(&F, F.g, "POST", "/_sim/wms/stock/adjust", NULL,
          "{\"items\":[{\"sku\":\"SKU-B1\",\"delta\":2},"
          "{\"sku\":\"SKU-B2\",\"delta\":3},{\"sku\":\"SKU-B1\","
          "\"delta\":-1}]}",
          &r);
  assert_int_equal(r.status, 200);
  const cJSON *ev = cg_json_get(r.json, "events");
  assert_int_equal(cJSON_GetArraySize(ev), 3);
  int64_t s0 = cg_json_int(cJSON_GetArrayItem(ev, 0), "sequence", 0);
  assert_int_equal(cg_json_int(cJSON_GetArrayItem(ev, 2), "sequence", 0),
                   s0 + 2);
  assert_string_equal(cg_json_str(cJSON_GetArrayItem(ev, 1), "sku"), "SKU-B2");
  assert_true(cg_json_int(cJSON_GetArrayItem(ev, 2), "publishedAtMs", 0) >=
              cg_json_int(cJSON_GetArrayItem(ev, 0), "publishedAtMs", 0));
  assert_true(cg_json_int(cJSON_GetArrayItem(ev, 0), "publishedAtMs", 0) >
              1700000000000LL);
  fx_resp_free(&r);
  assert_int_equal(fx_status(&F, F.g, "POST", "/_sim/wms/stock/adjust", NULL,
                             "{\"items\":[{\"sku\":\"SKU-B2\","
                             "\"delta\":1},{\"sku\":\"SKU-B2\","
                             "\"delta\":-99}]}"),
                   409);
  cJSON *j = feed("?after=0&limit=100", &st);
  const cJSON *e;
  int b2 = 0;
  cJSON_ArrayForEach(e, cg_json_get(j, "events"))
  {
    const char *sku = cg_json_str(e, "data.sku");
    b2 += sku && strcmp(sku, "SKU-B2") == 0;
  }
  assert_int_equal(b2, 2); /* +3, then +1 before the refused one */
  cJSON_Delete(j);
}

static void test_validation(void **state)
{
  struct fx_resp r;
  char *o = fx_order("2001", "[{\"lineRef\":\"L1\",\"sku\":\"NOPE\","
                             "\"quantity\":1}]");
  assert_int_equal(fx_call(&F, F.g, "POST", "/wms/v1/orders", "v-1", o, &r),
                   422);
  assert_string_equal(cg_json_str(r.json, "code"), "unknown-sku");
  assert_string_equal(first_error(r.json, "pointer"), "/lines/0/sku");
  fx_resp_free(&r);
  cg_free(o);
  o = fx_order("2002", LINES_AB);
  char *bad = cg_strdup(o), *city = strstr(bad, "Stockholm");
  memcpy(city, "\",\"x\":\"", 7); /* city becomes "" */
  assert_int_equal(fx_call(&F, F.g, "POST", "/wms/v1/orders", "v-2", bad, &r),
                   422);
  assert_string_equal(cg_json_str(r.json, "code"), "invalid-address");
  assert_string_equal(first_error(r.json, "pointer"), "/shipTo/city");
  fx_resp_free(&r);
  cg_free(bad);
  bad = cg_strdup(o);
  memcpy(strstr(bad, "PN-MYPACK-HOME"), "PN-NOSUCH-SVC!", 14);
  assert_int_equal(fx_call(&F, F.g, "POST", "/wms/v1/orders", "v-3", bad, &r),
                   422);
  assert_string_equal(cg_json_str(r.json, "code"), "unsupported-service");
  fx_resp_free(&r);
  /* The list of services is configurable. */
  assert_int_equal(fx_status(&F, F.g, "POST", "/_sim/wms/settings", NULL,
                             "{\"services\":[[\"POSTNORD\",\"*\"]]}"),
                   200);
  assert_int_equal(fx_status(&F, F.g, "POST", "/wms/v1/orders", "v-4", bad),
                   202);
  assert_int_equal(fx_status(&F, F.g, "POST", "/wms/v1/orders", "v-5", "{x"),
                   400);
  assert_int_equal(fx_status(&F, F.g, "GET", "/wms/v1/orders/none", NULL, NULL),
                   404);
  check_items();
  cg_free(bad);
  cg_free(o);
}

/* Waits for the auto-accept of ref (default 50 ms). */
static void wait_status(const char *ref, const char *status)
{
  char path[128];
  snprintf(path, sizeof(path), "/wms/v1/orders/%s", ref);
  for (int i = 0; i < 500; i++) {
    struct fx_resp r;
    fx_call(&F, F.g, "GET", path, NULL, NULL, &r);
    bool ok = cg_json_str(r.json, "status") &&
              strcmp(cg_json_str(r.json, "status"), status) == 0;
    fx_resp_free(&r);
    if (ok)
      return;
    usleep(20 * 1000);
  }
  fail_msg("order %s never reached %s", ref, status);
}

static void check_shipment(const cJSON *d, int seq, bool complete,
                           const char *first_id)
{
  assert_int_equal(cg_json_int(d, "shipmentSeq", 0), seq);
  assert_non_null(cg_json_str(d, "shipmentId"));
  if (first_id != NULL)
    assert_string_not_equal(cg_json_str(d, "shipmentId"), first_id);
  assert_true(cJSON_IsTrue(cg_json_get(d, "orderComplete")) == complete);
  assert_string_equal(cg_json_str(d, "carrier.carrierCode"), "POSTNORD");
  const cJSON *p;
  cJSON_ArrayForEach(p, cg_json_get(d, "parcels"))
  {
    assert_non_null(cg_json_str(p, "parcelId"));
    const char *tn = cg_json_str(p, "trackingNumber");
    assert_non_null(tn);
    assert_non_null(strstr(cg_json_str(p, "trackingUrl"), tn));
    assert_true(cJSON_GetArraySize(cg_json_get(p, "lines")) > 0);
  }
}

static const cJSON *total_of(const cJSON *d, const char *line)
{
  const cJSON *t;
  cJSON_ArrayForEach(t, cg_json_get(d, "lineTotals"))
  {
    if (strcmp(cg_json_str(t, "lineRef"), line) == 0)
      return t;
  }
  fail_msg("no lineTotals for %s", line);
  return NULL;
}

static void test_split_dispatch(void **state)
{
  char *o = fx_order("3001", LINES_AB);
  long st;
  assert_int_equal(fx_status(&F, F.g, "POST", "/wms/v1/orders", "s-1", o), 202);
  wait_status("3001", "ACCEPTED");
  assert_int_equal(
      fx_status(&F, F.g, "POST", "/_sim/wms/orders/3001/split", NULL,
                "{\"shipments\":[{\"parcels\":[{\"lines\":[{\"lineRef\":"
                "\"L1\",\"quantity\":1}]},{\"lines\":[{\"lineRef\":\"L1\","
                "\"quantity\":1}]}]},{\"lines\":[{\"lineRef\":\"L1\","
                "\"quantity\":1},{\"lineRef\":\"L2\",\"quantity\":1}]}]}"),
      200);
  cJSON *j = feed("?types=shipment.confirmed,order.closed", &st);
  const cJSON *ev = cg_json_get(j, "events");
  assert_int_equal(cJSON_GetArraySize(ev), 3);
  const cJSON *s1 = cg_json_get(cJSON_GetArrayItem(ev, 0), "data");
  const cJSON *s2 = cg_json_get(cJSON_GetArrayItem(ev, 1), "data");
  check_shipment(s1, 1, false, NULL);
  check_shipment(s2, 2, true, cg_json_str(s1, "shipmentId"));
  assert_int_equal(cJSON_GetArraySize(cg_json_get(s1, "parcels")), 2);
  assert_int_equal(cg_json_int(total_of(s1, "L1"), "shippedThisShipment", 0),
                   2);
  assert_int_equal(cg_json_int(total_of(s1, "L1"), "shippedToDate", 0), 2);
  assert_int_equal(cg_json_int(total_of(s2, "L1"), "shippedToDate", 0), 3);
  assert_int_equal(cg_json_int(total_of(s2, "L2"), "shippedToDate", 0), 1);
  assert_int_equal(cg_json_int(total_of(s2, "L1"), "ordered", 0), 3);
  const cJSON *closed = cJSON_GetArrayItem(ev, 2);
  assert_string_equal(cg_json_str(closed, "eventType"), "order.closed");
  assert_string_equal(
      cg_json_str(cJSON_GetArrayItem(cg_json_get(closed, "data.lines"), 0),
                  "statusCode"),
      "CC");
  cJSON_Delete(j);
  /* Over-shipping is refused. */
  assert_int_equal(
      fx_status(&F, F.g, "POST", "/_sim/wms/orders/3001/dispatch", NULL, "{}"),
      409);
  cg_free(o);
}

static void check_return_4001(void)
{
  struct fx_resp r;
  /* Return of 4001's shipped unit: advice, duplicate, receipt. */
  const char *adv = "{\"rmaRef\":\"R1\",\"originalOrderRef\":\"4001\","
                    "\"lines\":[{\"lineRef\":\"L1\",\"sku\":\"SKU-A\","
                    "\"quantity\":1,\"reasonCode\":\"PF\"}]}";
  assert_int_equal(
      fx_status(&F, F.g, "POST", "/wms/v1/return-advices", "r-1", adv), 202);
  assert_int_equal(
      fx_status(&F, F.g, "POST", "/wms/v1/return-advices", "r-2", adv), 409);
  assert_int_equal(
      fx_status(&F, F.g, "POST", "/wms/v1/return-advices", "r-3",
                "{\"rmaRef\":\"R2\",\"originalOrderRef\":\"4001\","
                "\"lines\":[{\"lineRef\":\"L9\",\"quantity\":1}]}"),
      422);
  assert_int_equal(fx_call(&F, F.g, "POST", "/_sim/wms/returns/R1/receive",
                           NULL,
                           "{\"lines\":[{\"lineRef\":\"L1\",\"condition\":"
                           "\"SELLABLE\",\"disposition\":\"RESTOCK\"}],"
                           "\"unexpectedItems\":[{\"sku\":\"SKU-C\","
                           "\"quantity\":1}]}",
                           &r),
                   200);
  assert_true(cJSON_IsTrue(cg_json_get(r.json, "requiresAction")));
  fx_resp_free(&r);
  long st;
  cJSON *j = feed("?types=order.closed,order.cancelled,return.arrived,"
                  "return.received",
                  &st);
  const cJSON *ev = cg_json_get(j, "events");
  assert_int_equal(cJSON_GetArraySize(ev), 4);
  const cJSON *cl = cg_json_get(cJSON_GetArrayItem(ev, 0), "data.lines");
  assert_string_equal(cg_json_str(cJSON_GetArrayItem(cl, 0), "statusCode"),
                      "IC");
  assert_int_equal(cg_json_int(cJSON_GetArrayItem(cl, 0), "cancelled", 0), 2);
  assert_string_equal(cg_json_str(cJSON_GetArrayItem(ev, 3), "eventType"),
                      "return.received");
  cJSON_Delete(j);
}

static void test_short_ship_cancel_return(void **state)
{
  struct fx_resp r;
  char *o = fx_order("4001", LINES_AB), *o2 = fx_order("4002", LINES_AB);
  assert_int_equal(fx_status(&F, F.g, "POST", "/wms/v1/orders", "c-1", o), 202);
  assert_int_equal(fx_status(&F, F.g, "POST", "/wms/v1/orders", "c-2", o2),
                   202);
  wait_status("4001", "ACCEPTED");
  wait_status("4002", "ACCEPTED");
  /* Short-ship 4001: 1 of 3 of L1, nothing of L2, remainder IC. */
  assert_int_equal(fx_call(&F, F.g, "POST", "/_sim/wms/orders/4001/short-ship",
                           NULL,
                           "{\"lines\":[{\"lineRef\":\"L1\",\"quantity\":1}],"
                           "\"remainder\":\"IC\"}",
                           &r),
                   200);
  assert_string_equal(cg_json_str(r.json, "status"), "CLOSED");
  fx_resp_free(&r);
  /* Cancel 4002 line L2, then picking blocks a full cancel. */
  assert_int_equal(
      fx_status(&F, F.g, "POST", "/wms/v1/orders/4002/cancel", "x-1",
                "{\"reason\":\"CUSTOMER_REQUEST\","
                "\"lines\":[{\"lineRef\":\"L2\",\"quantity\":1}]}"),
      202);
  assert_int_equal(fx_status(&F, F.g, "POST", "/_sim/wms/orders/4002/status",
                             NULL, "{\"status\":\"PICKING\"}"),
                   200);
  assert_int_equal(
      fx_call(&F, F.g, "POST", "/wms/v1/orders/4002/cancel", "x-2", "{}", &r),
      409);
  assert_string_equal(cg_json_str(r.json, "code"), "order-not-cancellable");
  fx_resp_free(&r);
  check_return_4001();
  cg_free(o);
  cg_free(o2);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_idempotency, setup, teardown),
      cmocka_unit_test_setup_teardown(test_in_flight, setup, teardown),
      cmocka_unit_test_setup_teardown(test_token_expiry, setup, teardown),
      cmocka_unit_test_setup_teardown(test_retry_after, setup, teardown),
      cmocka_unit_test_setup_teardown(test_event_feed, setup, teardown),
      cmocka_unit_test_setup_teardown(test_stock_burst, setup, teardown),
      cmocka_unit_test_setup_teardown(test_validation, setup, teardown),
      cmocka_unit_test_setup_teardown(test_split_dispatch, setup, teardown),
      cmocka_unit_test_setup_teardown(test_short_ship_cancel_return, setup,
                                      teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
