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
 *  flow: 1201 dirty rows of a real store reach the simulated item master
 *    through the outbox kind gxo.items.batch (store, outbox, client and
 *    flusher on one loop, as in the engine): every batch holds at most
 *    500, every item is answered, the one with an invalid GTIN rejected
 *    with the warehouse's reason; with 429s on /items:batch all land and
 *    nothing is sent before a Retry-After.
 */
#include "test_partners_fixture.h"

#include "base/err.h"
#include "base/rand.h"
#include "flows/flow.h"
#include "flows/items.h"
#include "flows/items_int.h"
#include "flows/outbox.h"
#include "gxo/gxo.h"
#include "http_fixture.h"
#include "net/router.h"
#include "store/store.h"
#include "store/store_items.h"

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

/* --- the flow: store -> batches -> warehouse -> answers --------------------*/

#define FLOW_N 1201
#define BAD_INDEX 700 /* the item with an invalid GTIN */

struct run {
  char *dir;
  struct cg_store *store;
  uv_loop_t loop;
  uv_timer_t tick;
  struct cg_flow f;
  struct cg_items it;
  int64_t deadline_ms;
  bool done;
};

static void sku_of(const char *prefix, int i, char *out, size_t size)
{
  snprintf(out, size, "%s-%04d", prefix, i);
}

/* FLOW_N dirty rows (one transaction), as the read writes them. */
static void source_all(struct run *r, const char *prefix)
{
  char sku[32], hash[CG_STORE_ITEM_HASH_MAX];
  assert_int_equal(cg_store_begin(r->store, NULL), 0);
  for (int i = 0; i < FLOW_N; i++) {
    sku_of(prefix, i, sku, sizeof(sku));
    cJSON *doc = item(sku, i == BAD_INDEX ? "12345" : "5772428043000");
    char *text = cg_json_print(doc);
    snprintf(hash, sizeof(hash), "h-%s", sku);
    struct cg_store_item_source src = {.sku = sku, .doc = text, .hash = hash};
    assert_int_equal(
        cg_store_item_source(r->store, &src, cg_time_now_ms(), NULL, NULL), 0);
    cg_free(text);
    cJSON_Delete(doc);
  }
  assert_int_equal(cg_store_commit(r->store, NULL), 0);
}

/* Rows the warehouse answered (accepted or rejected). */
static long answered_rows(struct cg_store *s, const char *state)
{
  struct cg_store_count_list l = {0};
  long n = 0;
  assert_int_equal(cg_store_items_counts(s, &l, NULL), 0);
  for (size_t i = 0; i < l.n; i++)
    if (state ? strcmp(l.items[i].name, state) == 0
              : strcmp(l.items[i].name, "pending") != 0)
      n += (long)l.items[i].count;
  cg_store_count_list_clear(&l);
  return n;
}

static void on_outbox_closed(void *arg)
{
  (void)arg;
}

/* The items flow's tick (items.c in the engine): flush, until every row
 * is answered or the deadline passes. */
static void on_tick(uv_timer_t *t)
{
  struct run *r = t->data;
  cg__items_flush(&r->it);
  if (answered_rows(r->store, NULL) < FLOW_N &&
      cg_time_mono_ms() < r->deadline_ms)
    return;
  r->done = answered_rows(r->store, NULL) == FLOW_N;
  uv_timer_stop(t);
  uv_close((uv_handle_t *)t, NULL);
  cg_outbox_close(r->f.outbox, on_outbox_closed, NULL);
}

/* Runs the flow over a fresh store until every row is answered. */
static void run_flow(struct run *r, const char *prefix)
{
  memset(r, 0, sizeof(*r));
  struct cg_err err = {0};
  r->dir = tu_tmpdir("items-push");
  char path[512];
  snprintf(path, sizeof(path), "%s/merchant.db", r->dir);
  struct cg_store_opts so = {.path = path, .name = "acme"};
  assert_int_equal(cg_store_open(&so, &r->store, &err), 0);
  struct env e;
  env_open(&e, sim.gxo);
  r->f = (struct cg_flow){.merchant = "acme",
                          .loop = &e.loop,
                          .store = r->store,
                          .gxo = e.g,
                          .items = &r->it};
  cg_rand_seed(&r->f.rng, 11);
  r->it = (struct cg_items){
      .f = &r->f,
      .opts = {.batch_max = CG_GXO_ITEMS_BATCH_MAX, .window_ms = 1000}};
  r->f.outbox = cg_outbox_create(&r->f, &cg_items_batch_kind, 1, NULL);
  assert_non_null(r->f.outbox);
  source_all(r, prefix);
  assert_int_equal(cg_outbox_start(r->f.outbox), 0);
  r->deadline_ms = cg_time_mono_ms() + 90000;
  uv_timer_init(&e.loop, &r->tick);
  r->tick.data = r;
  uv_timer_start(&r->tick, on_tick, CG_ITEMS_TICK_MS, CG_ITEMS_TICK_MS);
  uv_run(&e.loop, UV_RUN_DEFAULT);
  env_close(&e);
  if (!r->done)
    fail_msg("%ld of %d items answered in time", answered_rows(r->store, NULL),
             FLOW_N);
}

static void run_close(struct run *r)
{
  cg_store_close(r->store);
  tu_rmtree(r->dir);
  cg_free(r->dir);
}

/* Every batch row held 1..500 items; returns how many rows. */
static int check_batches(struct run *r)
{
  struct cg_store_outbox_filter flt = {
      .state = -1, .kind = CG_ITEMS_KIND_BATCH, .limit = 1000};
  struct cg_store_outbox_list l = {0};
  assert_int_equal(cg_store_outbox_list(r->store, &flt, &l, NULL), 0);
  for (size_t i = 0; i < l.n; i++) {
    cJSON *p =
        cg_json_parse(l.items[i].payload, strlen(l.items[i].payload), NULL);
    int n = cJSON_GetArraySize(cg_json_get(p, "items"));
    assert_true(n >= 1 && n <= CG_GXO_ITEMS_BATCH_MAX);
    assert_int_equal(l.items[i].state, CG_STORE_OUTBOX_DONE);
    cJSON_Delete(p);
  }
  int n = (int)l.n;
  cg_store_outbox_list_clear(&l);
  return n;
}

/* The invalid GTIN is rejected with the warehouse's reason; the others
 * are accepted and the warehouse holds them. */
static void check_answers(struct run *r, const char *prefix)
{
  char sku[32];
  assert_int_equal(answered_rows(r->store, "accepted"), FLOW_N - 1);
  assert_int_equal(answered_rows(r->store, "rejected"), 1);
  sku_of(prefix, BAD_INDEX, sku, sizeof(sku));
  struct cg_store_item bad = {0};
  assert_int_equal(cg_store_item_get(r->store, sku, &bad, NULL), 0);
  assert_int_equal(bad.state, CG_STORE_ITEM_REJECTED);
  cJSON *why = cg_json_parse(bad.reason, strlen(bad.reason), NULL);
  assert_string_equal(cg_json_str(why, "code"), "invalid-gtin");
  assert_string_equal(cg_json_str(why, "pointer"), "/gtin");
  assert_string_equal(cg_json_str(why, "source"), "warehouse");
  cJSON_Delete(why);
  cg_store_item_clear(&bad);
  struct env e;
  env_open(&e, sim.gxo);
  sku_of(prefix, FLOW_N - 1, sku, sizeof(sku));
  assert_int_equal(cg_gxo_get_item(e.g, sku, pf_on_done, &e.cap), 0);
  pf_wait(&e.loop, &e.cap, 10000);
  assert_int_equal(e.cap.res.outcome, CG_OUTCOME_OK);
  env_close(&e);
}

static void test_flow_batches(void **state)
{
  struct run r;
  run_flow(&r, "EB");
  assert_true(check_batches(&r) >= 3); /* 1201 items: three at least */
  check_answers(&r, "EB");
  run_close(&r);
}

static void test_flow_throttled(void **state)
{
  struct run r;
  cJSON_Delete(pf_control(
      sim.gxo, "POST", "/_sim/faults",
      "{\"rules\":[{\"method\":\"POST\",\"path\":\"/wms/v1/items:batch\","
      "\"share429\":1,\"limit\":3,\"retryAfter\":2}]}"));
  cJSON *before =
      pf_control(sim.gxo, "GET", "/_sim/calls?side=gxo&limit=1", NULL);
  run_flow(&r, "ET");
  cJSON *after =
      pf_control(sim.gxo, "GET", "/_sim/calls?side=gxo&limit=1", NULL);
  assert_int_equal(cg_json_int(after, "counts.429", 0) -
                       cg_json_int(before, "counts.429", 0),
                   3);
  assert_int_equal(cg_json_int(after, "retryAfterViolations", -1), 0);
  check_batches(&r);
  check_answers(&r, "ET");
  cJSON_Delete(before);
  cJSON_Delete(after);
  run_close(&r);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_client_per_item),
      cmocka_unit_test(test_client_429),
      cmocka_unit_test(test_client_bad_answers),
      cmocka_unit_test(test_flow_batches),
      cmocka_unit_test(test_flow_throttled),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
