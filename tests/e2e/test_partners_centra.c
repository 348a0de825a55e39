/*
 * E2E: the Centra client (core/centra) against the simulated Centra of
 * centra-gxo-sim, on a real uv loop: order filters, one order, the events
 * queue, marking an order exported (read back through /_sim/centra),
 * userErrors, a refused token, the rateLimits budget, budget
 * exhaustion that answers RETRY without sending anything, and the
 * returns flow's calls (canonical returns, a second completion or refund
 * refused, Return CREATED events).
 */
#include "test_partners_fixture.h"

#include "base/err.h"
#include "centra/centra.h"

static struct pf_sim sim;
static char graphql[96];

static const char CATALOGUE[] =
    "{\"products\":[{\"sku\":\"CG-COAT-38\",\"ean\":\"5772428043001\","
    "\"name\":\"Wool coat\",\"productNumber\":\"CG-COAT\"}]}";

/* Numbers 7001..7004: only 7001 is ready for the warehouse. */
static const char ORDERS[] =
    "{\"orders\":["
    "{\"number\":7001,\"status\":\"CONFIRMED\",\"lines\":[{\"sku\":"
    "\"CG-COAT-38\",\"quantity\":1}]},"
    "{\"number\":7002,\"status\":\"CONFIRMED\",\"isOnHold\":true,\"lines\":"
    "[{\"sku\":\"CG-COAT-38\",\"quantity\":1}]},"
    "{\"number\":7003,\"status\":\"PENDING\",\"lines\":[{\"sku\":"
    "\"CG-COAT-38\",\"quantity\":1}]},"
    "{\"number\":7004,\"status\":\"CONFIRMED\",\"isWaitingForPayment\":true,"
    "\"lines\":[{\"sku\":\"CG-COAT-38\",\"quantity\":2}]}]}";

static int group_setup(void **state)
{
  cg_mem_init();
  const char *extra[] = {"--centra-mutation-budget", "20", NULL};
  pf_sim_start(&sim, extra);
  snprintf(graphql, sizeof(graphql), "%s/graphql", sim.centra);
  cJSON_Delete(
      pf_control(sim.centra, "POST", "/_sim/centra/products", CATALOGUE));
  cJSON_Delete(pf_control(sim.centra, "POST", "/_sim/centra/orders", ORDERS));
  return 0;
}

static int group_teardown(void **state)
{
  pf_sim_stop(&sim);
  return 0;
}

struct env {
  uv_loop_t loop;
  struct cg_centra *c;
  struct pf_capture cap;
};

static void env_create(struct env *e, const char *token, int quota)
{
  memset(e, 0, sizeof(*e));
  assert_int_equal(uv_loop_init(&e->loop), 0);
  struct cg_centra_opts o = {.loop = &e->loop,
                             .merchant = "acme",
                             .url = graphql,
                             .token = token,
                             .timeout_ms = 5000,
                             .mutation_quota = quota};
  struct cg_err err = {0};
  e->c = cg_centra_create(&o, &err);
  assert_non_null(e->c);
}

/* As the engine does at start: until rateLimits has answered once, the
 * client sends nothing else (the quota is shared). */
static void env_open(struct env *e, const char *token, int quota)
{
  env_create(e, token, quota);
  assert_int_equal(cg_centra_rate_limits(e->c, pf_on_done, &e->cap), 0);
  pf_wait(&e->loop, &e->cap, 10000);
  pf_capture_reset(&e->cap);
}

static void env_close(struct env *e)
{
  pf_capture_reset(&e->cap);
  cg_centra_destroy(e->c);
  pf_loop_close(&e->loop);
}

/* Asserts the callback did not fire inside the starting call, then waits. */
static void expect_async(struct env *e, int rc)
{
  assert_int_equal(rc, 0);
  assert_int_equal(e->cap.calls, 0);
  pf_wait(&e->loop, &e->cap, 10000);
}

static void test_fetch_orders_filter(void **state)
{
  struct env e;
  env_open(&e, "centra-dev-token", 0);
  const char *statuses[] = {"CONFIRMED"};
  struct cg_centra_order_filter f = {
      .statuses = statuses, .n_statuses = 1, .limit = 50};
  expect_async(&e, cg_centra_fetch_orders(e.c, &f, pf_on_done, &e.cap));
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_OK);
  assert_true(cJSON_IsArray(e.cap.data));
  bool seen_7001 = false;
  const cJSON *o;
  cJSON_ArrayForEach(o, e.cap.data)
  {
    int64_t n = cg_json_int(o, "number", 0);
    assert_true(n != 7002 && n != 7003 && n != 7004);
    seen_7001 = seen_7001 || n == 7001;
    assert_string_equal(cg_json_str(o, "status"), "CONFIRMED");
  }
  assert_true(seen_7001);
  /* A later updatedAt bound leaves nothing; PENDING is another status. */
  pf_capture_reset(&e.cap);
  f.since = "2999-01-01T00:00:00Z";
  expect_async(&e, cg_centra_fetch_orders(e.c, &f, pf_on_done, &e.cap));
  assert_int_equal(cJSON_GetArraySize(e.cap.data), 0);
  pf_capture_reset(&e.cap);
  const char *pending[] = {"PENDING"};
  struct cg_centra_order_filter p = {.statuses = pending, .n_statuses = 1};
  expect_async(&e, cg_centra_fetch_orders(e.c, &p, pf_on_done, &e.cap));
  assert_int_equal(cJSON_GetArraySize(e.cap.data), 1);
  assert_int_equal(cg_json_int(cJSON_GetArrayItem(e.cap.data, 0), "number", 0),
                   7003);
  env_close(&e);
}

static void test_fetch_order(void **state)
{
  struct env e;
  env_open(&e, "centra-dev-token", 0);
  expect_async(&e, cg_centra_fetch_order(e.c, 7001, pf_on_done, &e.cap));
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_OK);
  assert_int_equal(cg_json_int(e.cap.data, "number", 0), 7001);
  const cJSON *line = cJSON_GetArrayItem(cg_json_get(e.cap.data, "lines"), 0);
  assert_string_equal(cg_json_str(line, "productSize.SKU"), "CG-COAT-38");
  pf_capture_reset(&e.cap);
  expect_async(&e, cg_centra_fetch_order(e.c, 999999, pf_on_done, &e.cap));
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_OK);
  assert_null(e.cap.data);
  env_close(&e);
}

static void test_events_fetch_confirm(void **state)
{
  struct env e;
  env_open(&e, "centra-dev-token", 0);
  expect_async(&e, cg_centra_set_event_listeners(e.c, pf_on_done, &e.cap));
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_OK);
  pf_capture_reset(&e.cap);
  expect_async(&e, cg_centra_fetch_events(e.c, 200, pf_on_done, &e.cap));
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_OK);
  int n = cJSON_GetArraySize(e.cap.data);
  assert_true(n >= 1);
  int64_t ids[200];
  for (int i = 0; i < n && i < 200; i++) {
    const cJSON *ev = cJSON_GetArrayItem(e.cap.data, i);
    assert_string_equal(cg_json_str(ev, "objectType"), "Order");
    ids[i] = cg_json_int(ev, "id", 0);
    assert_true(ids[i] > 0);
    /* The order itself comes with the event, through the fragment. */
    const cJSON *obj = cg_json_get(ev, "object");
    assert_string_equal(cg_json_str(obj, "__typename"),
                        "DirectToConsumerOrder");
    assert_int_equal(cg_json_int(obj, "number", 0),
                     cg_json_int(ev, "objectReference", -1));
    assert_non_null(cg_json_get(obj, "lines"));
  }
  pf_capture_reset(&e.cap);
  expect_async(
      &e, cg_centra_confirm_events(e.c, ids, (size_t)n, pf_on_done, &e.cap));
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_OK);
  pf_capture_reset(&e.cap);
  expect_async(&e, cg_centra_fetch_events(e.c, 200, pf_on_done, &e.cap));
  const cJSON *ev;
  cJSON_ArrayForEach(ev, e.cap.data)
  {
    int64_t id = cg_json_int(ev, "id", 0);
    for (int i = 0; i < n; i++)
      assert_true(id != ids[i]); /* confirmed ones never come back */
  }
  env_close(&e);
}

static void test_mark_exported(void **state)
{
  struct env e;
  env_open(&e, "centra-dev-token", 0);
  /* A quote in the warehouse's id must travel as data (the variables are
   * built with cJSON), never break the document. */
  expect_async(&e, cg_centra_mark_exported(e.c, 7001, "gxo:W-\"7001\\",
                                           pf_on_done, &e.cap));
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_OK);
  /* Centra publishes no Order.externalId output: only what was selected
   * comes back, and the tag is read back through the control API. */
  assert_int_equal(cg_json_int(e.cap.data, "number", 0), 7001);
  assert_null(cg_json_get(e.cap.data, "externalId"));
  cJSON *o = pf_control(sim.centra, "GET", "/_sim/centra/orders/7001", NULL);
  assert_string_equal(cg_json_str(o, "externalId"), "gxo:W-\"7001\\");
  cJSON_Delete(o);
  env_close(&e);
}

/* A request whose text is larger than the client's first print buffer
 * (4 KiB; it grows and prints again) reaches Centra whole: the unknown
 * ids are refused one by one in a userError, not as a malformed body. */
static void test_large_request_body(void **state)
{
  enum { N = 3000 };
  static int64_t ids[N];
  for (int i = 0; i < N; i++)
    ids[i] = 900000000 + i;
  struct env e;
  env_open(&e, "centra-dev-token", 0);
  expect_async(&e, cg_centra_confirm_events(e.c, ids, N, pf_on_done, &e.cap));
  assert_int_equal(e.cap.res.http_status, 200);
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_FAIL);
  assert_string_equal(e.cap.res.code, "input.eventsIds.0");
  /* And a small one after it, from the same (now larger) buffer. */
  pf_capture_reset(&e.cap);
  expect_async(&e, cg_centra_fetch_order(e.c, 7001, pf_on_done, &e.cap));
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_OK);
  assert_int_equal(cg_json_int(e.cap.data, "number", 0), 7001);
  env_close(&e);
}

static void test_user_errors_fail(void **state)
{
  struct env e;
  env_open(&e, "centra-dev-token", 0);
  /* More than the line's unshipped quantity: a userError, not a crash. */
  cJSON *order =
      pf_control(sim.centra, "GET", "/_sim/centra/orders/7001", NULL);
  int64_t line_id =
      cg_json_int(cJSON_GetArrayItem(cg_json_get(order, "lines"), 0), "id", 0);
  cJSON_Delete(order);
  char input[128];
  snprintf(input, sizeof(input),
           "[{\"orderLine\":{\"id\":%lld},\"quantity\":5}]",
           (long long)line_id);
  cJSON *lines = cJSON_Parse(input);
  expect_async(&e, cg_centra_create_shipment(e.c, 7001, lines, NULL, true,
                                             pf_on_done, &e.cap));
  cJSON_Delete(lines);
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_FAIL);
  assert_true(e.cap.res.code[0] != '\0');
  assert_true(e.cap.res.message[0] != '\0');
  assert_null(e.cap.data);
  env_close(&e);
}

static void test_token_refused(void **state)
{
  struct env e;
  env_create(&e, "not-the-token", 0); /* rateLimits is the first call */
  expect_async(&e, cg_centra_rate_limits(e.c, pf_on_done, &e.cap));
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_RETRY);
  assert_string_equal(e.cap.res.code, "auth");
  assert_int_equal(e.cap.res.http_status, 403);
  assert_non_null(strstr(e.cap.res.message, "token refused"));
  assert_null(strstr(e.cap.res.message, "not-the-token"));
  env_close(&e);
}

static void test_rate_limits(void **state)
{
  struct env e;
  env_open(&e, "centra-dev-token", 0);
  expect_async(&e, cg_centra_refresh_limits(e.c, pf_on_done, &e.cap));
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_OK);
  assert_true(cJSON_IsArray(e.cap.data));
  assert_true(cg_centra_budget_available(e.c) >= 1);
  env_close(&e);
}

static void test_budget_exhausted(void **state)
{
  struct env e;
  /* quota 2 per 10 s: a burst of one mutation, then wait. */
  env_open(&e, "centra-dev-token", 2);
  expect_async(&e, cg_centra_set_event_listeners(e.c, pf_on_done, &e.cap));
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_OK);
  int before = pf_count_calls(sim.centra, "centra", "POST", "/graphql");
  pf_capture_reset(&e.cap);
  int64_t now = cg_time_now_ms();
  expect_async(&e, cg_centra_set_event_listeners(e.c, pf_on_done, &e.cap));
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_RETRY);
  assert_string_equal(e.cap.res.code, "budget");
  assert_true(e.cap.res.retry_at_ms > now);
  assert_int_equal(e.cap.res.http_status, 0);
  /* Nothing reached the partner; a query only needs a request token. */
  assert_int_equal(pf_count_calls(sim.centra, "centra", "POST", "/graphql"),
                   before);
  pf_capture_reset(&e.cap);
  expect_async(&e, cg_centra_fetch_order(e.c, 7001, pf_on_done, &e.cap));
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_OK);
  env_close(&e);
}

/* Before rateLimits answered, nothing but rateLimits reaches Centra. */
static void test_waits_for_rate_limits(void **state)
{
  struct env e;
  env_create(&e, "centra-dev-token", 0);
  int before = pf_count_calls(sim.centra, "centra", "POST", "/graphql");
  expect_async(&e, cg_centra_fetch_order(e.c, 7001, pf_on_done, &e.cap));
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_RETRY);
  assert_string_equal(e.cap.res.code, "budget");
  assert_non_null(strstr(e.cap.res.message, "waiting for Centra's rateLimits"));
  assert_int_equal(pf_count_calls(sim.centra, "centra", "POST", "/graphql"),
                   before);
  pf_capture_reset(&e.cap);
  expect_async(&e, cg_centra_rate_limits(e.c, pf_on_done, &e.cap));
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_OK);
  pf_capture_reset(&e.cap);
  expect_async(&e, cg_centra_fetch_order(e.c, 7001, pf_on_done, &e.cap));
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_OK);
  env_close(&e);
}

static void test_429_pauses_client(void **state)
{
  struct env e;
  env_open(&e, "centra-dev-token", 0);
  cJSON_Delete(pf_control(sim.centra, "POST", "/_sim/faults",
                          "{\"rules\":[{\"method\":\"POST\",\"path\":"
                          "\"/graphql\",\"share429\":1,\"limit\":1,"
                          "\"retryAfter\":3}]}"));
  int64_t t0 = cg_time_now_ms();
  expect_async(&e, cg_centra_fetch_order(e.c, 7001, pf_on_done, &e.cap));
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_RETRY);
  assert_int_equal(e.cap.res.http_status, 429);
  int64_t at = e.cap.res.retry_at_ms;
  assert_true(at >= t0 + 2000 && at <= cg_time_now_ms() + 3500);
  int before = pf_count_calls(sim.centra, "centra", "POST", "/graphql");
  pf_capture_reset(&e.cap);
  expect_async(&e, cg_centra_fetch_order(e.c, 7001, pf_on_done, &e.cap));
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_RETRY);
  assert_string_equal(e.cap.res.code, "paused");
  assert_true(e.cap.res.retry_at_ms >= at);
  assert_int_equal(pf_count_calls(sim.centra, "centra", "POST", "/graphql"),
                   before);
  env_close(&e);
}

/* The simulated webhook plugin's encoding and signature, read back from
 * the sink, pass cg_centra_webhook_parse (an independent encoder). */
static void test_webhook_interop(void **state)
{
  char body[256];
  snprintf(body, sizeof(body), "{\"url\":\"%s/_sim/sink/centra-hook\"}",
           sim.centra);
  cJSON_Delete(pf_control(sim.centra, "POST", "/_sim/centra/webhook", body));
  cJSON_Delete(pf_control(sim.centra, "POST", "/_sim/centra/orders/7004",
                          "{\"isWaitingForPayment\":false}"));
  int i = pf_sink_wait(sim.centra, "7004", 10000);
  char sig[256];
  size_t len = 0;
  char *raw =
      pf_sink_get(sim.centra, i, "X-Centra-Signature", sig, sizeof(sig), &len);
  const char *secrets[] = {"old-secret", "centra-webhook-secret"};
  cJSON *events = NULL;
  struct cg_err err = {0};
  assert_int_equal(cg_centra_webhook_parse(secrets, 2, sig, raw, len,
                                           cg_time_now_ms() / 1000, 0, &events,
                                           &err),
                   0);
  bool found = false;
  const cJSON *ev;
  cJSON_ArrayForEach(ev, events) found =
      found || cg_json_int(ev, "id", 0) == 7004;
  assert_true(found);
  cJSON_Delete(events);
  /* The wrong secret alone is refused. */
  assert_int_equal(cg_centra_webhook_parse(secrets, 1, sig, raw, len,
                                           cg_time_now_ms() / 1000, 0, &events,
                                           &err),
                   CG_ESIG);
  cg_free(raw);
}

/* --- returns ------------------------------------------------------------ */

/* A GraphQL request straight to the simulator (what customer service or
 * the warehouse's integration would do); returns data.<root>. */
static cJSON *gql(const char *query, const char *root)
{
  char url[128], auth[] = "Authorization: Bearer centra-dev-token";
  const char *headers[] = {"Content-Type: application/json", auth, NULL};
  cJSON *req = cJSON_CreateObject();
  cJSON_AddStringToObject(req, "query", query);
  char *body = cg_json_print(req);
  struct tu_http_response r = {0};
  snprintf(url, sizeof(url), "%s/graphql", sim.centra);
  assert_int_equal(tu_http("POST", url, headers, body, &r), 0);
  assert_int_equal(r.status, 200);
  cJSON *doc = cg_json_parse(r.body, r.body_len, NULL);
  cJSON *out = cJSON_DetachItemFromObjectCaseSensitive(
      cJSON_GetObjectItemCaseSensitive(doc, "data"), root);
  assert_non_null(out);
  cJSON_Delete(doc);
  cJSON_Delete(req);
  cg_free(body);
  tu_http_response_free(&r);
  return out;
}

/* Order 7101 (2 coats at 450.50), shipped in full, and a return of one
 * coat with a comment. Sets the order line id and the currency; returns
 * the return id. */
static int64_t seed_return(int64_t *line_id, char *currency, size_t size)
{
  char q[512];
  cJSON_Delete(pf_control(
      sim.centra, "POST", "/_sim/centra/orders",
      "{\"orders\":[{\"number\":7101,\"status\":\"CONFIRMED\",\"lines\":[{"
      "\"sku\":\"CG-COAT-38\",\"quantity\":2,\"unitPrice\":450.5}]}]}"));
  cJSON *o = pf_control(sim.centra, "GET", "/_sim/centra/orders/7101", NULL);
  *line_id =
      cg_json_int(cJSON_GetArrayItem(cg_json_get(o, "lines"), 0), "id", 0);
  snprintf(currency, size, "%s", cg_json_str(o, "grandTotal.currency.code"));
  cJSON_Delete(o);
  snprintf(q, sizeof(q),
           "mutation { createShipment(input: {order: {number: 7101}, lines:"
           " [{orderLine: {id: %lld}, quantity: 2}], capture: true,"
           " isGoodToGo: true}) { shipment { id } } }",
           (long long)*line_id);
  cJSON *p = gql(q, "createShipment");
  int64_t sid = cg_json_int(p, "shipment.id", 0);
  cJSON_Delete(p);
  snprintf(q, sizeof(q),
           "mutation { completeShipment(id: %lld, input: {sendEmail: false,"
           " shipmentInfo: {carrier: \"PostNord\", service: \"Home\","
           " trackingNumber: \"T-7101\", packagesNumber: 1}})"
           " { shipment { isShipped } } }",
           (long long)sid);
  p = gql(q, "completeShipment");
  assert_true(cg_json_bool(p, "shipment.isShipped", false));
  cJSON_Delete(p);
  cJSON *r = pf_control(sim.centra, "POST", "/_sim/centra/returns",
                        "{\"orderNumber\":7101,\"comment\":\"too big\","
                        "\"lines\":[{\"sku\":\"CG-COAT-38\",\"quantity\":1}]}");
  int64_t id = cg_json_int(r, "id", 0);
  cJSON_Delete(r);
  assert_true(id > 0);
  return id;
}

/* The simulator's record of return id (its counters). */
static int64_t return_counter(int64_t id, const char *key)
{
  cJSON *list = pf_control(sim.centra, "GET", "/_sim/centra/returns", NULL);
  const cJSON *r;
  int64_t n = -1;
  cJSON_ArrayForEach(r, list)
  {
    if (cg_json_int(r, "id", 0) == id)
      n = cg_json_int(r, key, -1);
  }
  cJSON_Delete(list);
  return n;
}

/* E-mails the simulator sent of type about return id. */
static int emails(int64_t id, const char *type)
{
  cJSON *list = pf_control(sim.centra, "GET", "/_sim/centra/emails", NULL);
  const cJSON *m;
  int n = 0;
  cJSON_ArrayForEach(m, list)
  {
    const char *t = cg_json_str(m, "type");
    n += cg_json_int(m, "returnId", 0) == id && t && strcmp(t, type) == 0;
  }
  cJSON_Delete(list);
  return n;
}

/* The canonical return of centra.h, nothing of Centra's shape left. */
static void assert_canonical(const cJSON *r, int64_t id, int64_t line_id,
                             const char *currency)
{
  char ref[24];
  snprintf(ref, sizeof(ref), "%lld", (long long)line_id);
  assert_int_equal(cg_json_int(r, "id", 0), id);
  assert_null(cJSON_GetObjectItemCaseSensitive(r, "status")); /* not read */
  assert_non_null(cg_json_str(r, "returnStatus"));
  assert_non_null(cg_json_str(r, "createdAt"));
  assert_string_equal(cg_json_str(r, "comment"), "too big");
  assert_true(
      cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(r, "returnedToStock")));
  assert_true(cJSON_IsArray(cg_json_get(r, "refunds")));
  assert_null(cJSON_GetObjectItemCaseSensitive(r, "__typename"));
  assert_null(cJSON_GetObjectItemCaseSensitive(r, "refundPaymentHistory"));
  assert_int_equal(cJSON_GetArraySize(cg_json_get(r, "lines")), 1);
  const cJSON *l = cJSON_GetArrayItem(cg_json_get(r, "lines"), 0);
  assert_true(cg_json_int(l, "id", 0) > 0);
  assert_int_equal(cg_json_int(l, "quantity", 0), 1);
  assert_string_equal(cg_json_str(l, "orderLineId"), ref);
  assert_true(cg_json_int(l, "shipmentLineId", 0) > 0);
  assert_string_equal(cg_json_str(l, "lineValue"), "450.50");
  assert_string_equal(cg_json_str(l, "currency"), currency);
  assert_null(cJSON_GetObjectItemCaseSensitive(l, "orderLine"));
}

/* The return test_returns_read seeds, for the tests after it. */
static struct {
  int64_t id, line_id;
  char cur[8];
  char first_status[64]; /* returnStatus when first read */
} ret;

/* Read by id (an unknown id is left out) and since a time. */
static void test_returns_read(void **state)
{
  struct env e;
  env_open(&e, "centra-dev-token", 0);
  ret.id = seed_return(&ret.line_id, ret.cur, sizeof(ret.cur));
  int64_t ids[] = {ret.id, 999999};
  expect_async(&e, cg_centra_fetch_returns(e.c, ids, 2, pf_on_done, &e.cap));
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_OK);
  assert_int_equal(cJSON_GetArraySize(e.cap.data), 1);
  const cJSON *r = cJSON_GetArrayItem(e.cap.data, 0);
  assert_canonical(r, ret.id, ret.line_id, ret.cur);
  assert_int_equal(cJSON_GetArraySize(cg_json_get(r, "refunds")), 0);
  snprintf(ret.first_status, sizeof(ret.first_status), "%s",
           cg_json_str(r, "returnStatus"));
  pf_capture_reset(&e.cap);
  expect_async(&e, cg_centra_fetch_returns_since(e.c, "2000-01-01T00:00:00Z", 1,
                                                 100, pf_on_done, &e.cap));
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_OK);
  bool seen = false;
  cJSON_ArrayForEach(r, e.cap.data) seen =
      seen || cg_json_int(r, "id", 0) == ret.id;
  assert_true(seen);
  pf_capture_reset(&e.cap);
  expect_async(&e, cg_centra_fetch_returns_since(e.c, "2999-01-01T00:00:00Z", 1,
                                                 100, pf_on_done, &e.cap));
  assert_int_equal(cJSON_GetArraySize(e.cap.data), 0);
  /* Arguments out of range never reach Centra. */
  assert_int_equal(cg_centra_fetch_returns(e.c, ids, 0, pf_on_done, &e.cap),
                   CG_EINVAL);
  assert_int_equal(cg_centra_fetch_returns_since(e.c, "2000-01-01T00:00:00Z", 1,
                                                 CG_CENTRA_RETURNS_PAGE_MAX + 1,
                                                 pf_on_done, &e.cap),
                   CG_EINVAL);
  env_close(&e);
}

/* Completed once (status moves, one e-mail); a second completion is
 * refused by Centra and changes nothing. */
static void test_returns_complete(void **state)
{
  struct env e;
  env_open(&e, "centra-dev-token", 0);
  expect_async(
      &e, cg_centra_complete_return(e.c, ret.id, true, pf_on_done, &e.cap));
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_OK);
  assert_canonical(e.cap.data, ret.id, ret.line_id, ret.cur);
  assert_string_not_equal(cg_json_str(e.cap.data, "returnStatus"),
                          ret.first_status);
  pf_capture_reset(&e.cap);
  expect_async(
      &e, cg_centra_complete_return(e.c, ret.id, true, pf_on_done, &e.cap));
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_FAIL);
  assert_int_equal(return_counter(ret.id, "completions"), 1);
  assert_int_equal(emails(ret.id, "RETURN_COMPLETED"), 1);
  assert_int_equal(cg_centra_complete_return(e.c, 0, true, pf_on_done, &e.cap),
                   CG_EINVAL);
  env_close(&e);
}

/* Refunded once (the entry and the return's history show it); a second
 * refund is refused by Centra and pays nothing. */
static void test_returns_refund(void **state)
{
  struct env e;
  env_open(&e, "centra-dev-token", 0);
  expect_async(&e,
               cg_centra_refund_return(e.c, ret.id, false, pf_on_done, &e.cap));
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_OK);
  assert_canonical(cg_json_get(e.cap.data, "return"), ret.id, ret.line_id,
                   ret.cur);
  assert_int_equal(
      cJSON_GetArraySize(cg_json_get(e.cap.data, "return.refunds")), 1);
  const cJSON *entry =
      cJSON_GetArrayItem(cg_json_get(e.cap.data, "entries"), 0);
  assert_true(cg_json_int(entry, "id", 0) > 0);
  assert_non_null(cg_json_str(entry, "status"));
  assert_string_equal(cg_json_str(entry, "value"), "450.50");
  assert_string_equal(cg_json_str(entry, "currency"), ret.cur);
  pf_capture_reset(&e.cap);
  expect_async(&e,
               cg_centra_refund_return(e.c, ret.id, false, pf_on_done, &e.cap));
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_FAIL);
  assert_int_equal(return_counter(ret.id, "refunds"), 1);
  assert_int_equal(emails(ret.id, "RETURN_REFUNDED"), 0); /* sendEmail off */
  env_close(&e);
}

/* The listener the engine sets asks for Return CREATED: the events queue
 * delivers the new return's event, objectType "Return" and
 * objectReference the return id, through the events canonicaliser. */
static void test_return_events(void **state)
{
  struct env e;
  env_open(&e, "centra-dev-token", 0);
  expect_async(&e, cg_centra_set_event_listeners(e.c, pf_on_done, &e.cap));
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_OK);
  pf_capture_reset(&e.cap);
  cJSON *r = pf_control(sim.centra, "POST", "/_sim/centra/returns",
                        "{\"orderNumber\":7101,\"lines\":[{\"sku\":"
                        "\"CG-COAT-38\",\"quantity\":1}]}");
  int64_t id = cg_json_int(r, "id", 0);
  cJSON_Delete(r);
  bool found = false;
  for (int round = 0; round < 20 && !found; round++) {
    expect_async(&e, cg_centra_fetch_events(e.c, 200, pf_on_done, &e.cap));
    assert_int_equal(e.cap.res.outcome, CG_OUTCOME_OK);
    int n = cJSON_GetArraySize(e.cap.data);
    int64_t ev_ids[200];
    for (int i = 0; i < n && i < 200; i++) {
      const cJSON *ev = cJSON_GetArrayItem(e.cap.data, i);
      ev_ids[i] = cg_json_int(ev, "id", 0);
      const char *type = cg_json_str(ev, "objectType");
      if (type != NULL && strcmp(type, "Return") == 0 &&
          cg_json_int(ev, "objectReference", 0) == id) {
        assert_string_equal(cg_json_str(ev, "changeType"), "CREATED");
        found = true;
      }
    }
    pf_capture_reset(&e.cap);
    if (n == 0)
      break;
    /* Confirm the page so the next one holds newer events. */
    expect_async(&e, cg_centra_confirm_events(e.c, ev_ids, (size_t)n,
                                              pf_on_done, &e.cap));
    pf_capture_reset(&e.cap);
  }
  assert_true(found);
  env_close(&e);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fetch_orders_filter),
      cmocka_unit_test(test_fetch_order),
      cmocka_unit_test(test_events_fetch_confirm),
      cmocka_unit_test(test_mark_exported),
      cmocka_unit_test(test_large_request_body),
      cmocka_unit_test(test_user_errors_fail),
      cmocka_unit_test(test_token_refused),
      cmocka_unit_test(test_rate_limits),
      cmocka_unit_test(test_waits_for_rate_limits),
      cmocka_unit_test(test_budget_exhausted),
      cmocka_unit_test(test_429_pauses_client),
      cmocka_unit_test(test_webhook_interop),
      /* Last: they add Return events, and test_events_fetch_confirm
       * expects only Order events. test_returns_read seeds the return
       * the others use. */
      cmocka_unit_test(test_returns_read),
      cmocka_unit_test(test_returns_complete),
      cmocka_unit_test(test_returns_refund),
      cmocka_unit_test(test_return_events),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
