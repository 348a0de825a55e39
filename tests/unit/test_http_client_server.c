/*
 * http_client against the project's own http_server + router, both on one
 * libuv loop (the way the engine and the simulator meet in e2e tests):
 * JSON round trips, answers given later from a timer, 429 with
 * Retry-After through the limiter, RST from the server, keep-alive reuse
 * seen from the server side (the peer address stays the same), and
 * shutdown of both with requests still in flight.
 */
#include "testutil.h"

#include "base/err.h"
#include "base/mem.h"
#include "base/time.h"
#include "net/http_client.h"
#include "net/http_server.h"
#include "net/ratelimit.h"
#include "net/retry.h"
#include "net/router.h"

#include <stdio.h>
#include <string.h>

struct world {
  uv_loop_t loop;
  struct cg_http_server *srv;
  struct cg_router *router;
  struct cg_http_client *client;
  int port;
  int answered;
  char peers[8][64]; /* peer address of each /orders request */
  int npeers;
  struct cg_http_exchange *pending[8]; /* /never exchanges */
  int npending;
  bool client_closed, server_closed;
};

struct later {
  uv_timer_t timer;
  struct cg_http_exchange *ex;
};

static void on_orders(struct cg_http_exchange *ex, void *arg)
{
  struct world *w = arg;
  const struct cg_http_request *rq = cg_http_exchange_request(ex);
  if (w->npeers < 8)
    snprintf(w->peers[w->npeers++], sizeof(w->peers[0]), "%s", rq->peer);
  const char *key = cg_http_exchange_header(ex, "idempotency-key");
  cg_http_add_header(ex, "X-Key-Seen", key ? key : "none");
  cg_http_respond(ex, 201, "application/json", rq->body, rq->body_len);
}

static void on_later_close(uv_handle_t *h)
{
  cg_free((struct later *)h->data);
}

static void on_later(uv_timer_t *t)
{
  struct later *l = t->data;
  cg_http_respond_json(l->ex, 200, "{\"late\":true}");
  uv_close((uv_handle_t *)t, on_later_close);
}

static void on_slow(struct cg_http_exchange *ex, void *arg)
{
  struct world *w = arg;
  struct later *l = cg_calloc(1, sizeof(*l));
  l->ex = ex;
  uv_timer_init(&w->loop, &l->timer);
  l->timer.data = l;
  uv_timer_start(&l->timer, on_later, 50, 0);
}

static void on_limited(struct cg_http_exchange *ex, void *arg)
{
  cg_http_add_header(ex, "Retry-After", "2");
  cg_http_respond_json(ex, 429, "{\"error\":\"rate limited\"}");
}

static void on_reset(struct cg_http_exchange *ex, void *arg)
{
  cg_http_exchange_reset(ex);
}

static void on_never(struct cg_http_exchange *ex, void *arg)
{
  /* Held until the test answers it (after the client has gone). */
  struct world *w = arg;
  w->pending[w->npending++] = ex;
}

static void on_observed(const struct cg_http_exchange *ex, int status,
                        void *arg)
{
  ((struct world *)arg)->answered++;
}

static void world_init(struct world *w)
{
  memset(w, 0, sizeof(*w));
  assert_int_equal(uv_loop_init(&w->loop), 0);
  w->router = cg_router_create();
  assert_non_null(w->router);
  assert_int_equal(cg_router_add(w->router, "POST", "/orders", on_orders, w),
                   0);
  assert_int_equal(cg_router_add(w->router, "GET", "/slow", on_slow, w), 0);
  assert_int_equal(cg_router_add(w->router, "GET", "/limited", on_limited, w),
                   0);
  assert_int_equal(cg_router_add(w->router, "GET", "/reset", on_reset, w), 0);
  assert_int_equal(cg_router_add(w->router, "GET", "/never", on_never, w), 0);
  struct cg_http_server_opts so = {
      .name = "test-server", .on_response = on_observed, .observer_arg = w};
  w->srv = cg_http_server_create(&w->loop, &so, cg_router_dispatch, w->router);
  assert_non_null(w->srv);
  struct cg_err err = {0};
  assert_int_equal(cg_http_server_listen(w->srv, "127.0.0.1:0", &err), 0);
  w->port = cg_http_server_port(w->srv);
  w->client = cg_http_client_create(&w->loop, NULL);
  assert_non_null(w->client);
}

static void on_flag(void *arg)
{
  *(bool *)arg = true;
}

static void world_done(struct world *w)
{
  if (!w->client_closed)
    cg_http_client_close(w->client, on_flag, &w->client_closed);
  cg_http_server_close(w->srv, on_flag, &w->server_closed);
  int64_t deadline = cg_time_mono_ms() + 5000;
  while (!(w->client_closed && w->server_closed) &&
         cg_time_mono_ms() < deadline)
    uv_run(&w->loop, UV_RUN_NOWAIT);
  assert_true(w->client_closed && w->server_closed);
  uv_run(&w->loop, UV_RUN_DEFAULT);
  cg_router_destroy(w->router);
  assert_int_equal(uv_loop_close(&w->loop), 0);
}

struct got {
  int calls;
  int err;
  long status;
  char body[256];
  char key_seen[64];
  char retry_after[32];
};

static void on_done(const struct cg_http_result *res, void *arg)
{
  struct got *g = arg;
  g->calls++;
  g->err = res->err;
  g->status = res->status;
  snprintf(g->body, sizeof(g->body), "%s", res->body);
  const char *k = res->header(res, "x-key-seen");
  snprintf(g->key_seen, sizeof(g->key_seen), "%s", k ? k : "");
  snprintf(g->retry_after, sizeof(g->retry_after), "%s",
           res->retry_after ? res->retry_after : "");
}

static void run_until(struct world *w, const int *count, int want)
{
  int64_t deadline = cg_time_mono_ms() + 5000;
  while (*count < want && cg_time_mono_ms() < deadline)
    uv_run(&w->loop, UV_RUN_ONCE);
  assert_int_equal(*count, want);
}

static void call(struct world *w, const char *method, const char *path,
                 const char *body, struct got *g)
{
  char url[128];
  snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", w->port, path);
  const char *hdrs[] = {"Content-Type: application/json",
                        "Idempotency-Key: acme-1001", NULL};
  struct cg_http_req req = {.method = method,
                            .url = url,
                            .headers = hdrs,
                            .body = body,
                            .body_len = body ? strlen(body) : 0};
  assert_int_equal(cg_http_client_send(w->client, &req, on_done, g), 0);
}

static void test_round_trip_and_reuse(void **state)
{
  struct world w;
  world_init(&w);
  for (int i = 0; i < 5; i++) {
    struct got g = {0};
    call(&w, "POST", "/orders", "{\"orderRef\":\"1001\"}", &g);
    run_until(&w, &g.calls, 1);
    assert_int_equal(g.err, 0);
    assert_int_equal(g.status, 201);
    assert_string_equal(g.body, "{\"orderRef\":\"1001\"}");
    assert_string_equal(g.key_seen, "acme-1001");
  }
  /* Five sequential requests, one connection: same client port. */
  assert_int_equal(w.npeers, 5);
  for (int i = 1; i < 5; i++)
    assert_string_equal(w.peers[i], w.peers[0]);
  struct got late = {0};
  call(&w, "GET", "/slow", NULL, &late);
  run_until(&w, &late.calls, 1);
  assert_int_equal(late.status, 200);
  assert_string_equal(late.body, "{\"late\":true}");
  world_done(&w);
}

static void test_429_pauses_the_limiter(void **state)
{
  struct world w;
  world_init(&w);
  struct cg_ratelimit rl;
  cg_ratelimit_init(&rl, "test");
  struct got g = {0};
  int64_t now = cg_time_now_ms();
  assert_true(cg_ratelimit_take(&rl, now, 1));
  call(&w, "GET", "/limited", NULL, &g);
  run_until(&w, &g.calls, 1);
  assert_int_equal(g.status, 429);
  assert_string_equal(g.retry_after, "2");
  int64_t deadline;
  assert_int_equal(cg_retry_after_parse(g.retry_after, now, &deadline), 0);
  cg_ratelimit_pause_until(&rl, deadline);
  assert_false(cg_ratelimit_take(&rl, now + 1999, 1));
  assert_int_equal(cg_ratelimit_next_allowed_ms(&rl, now, 1), now + 2000);
  assert_int_equal(rl.stats.paused, 1);
  world_done(&w);
}

static void test_reset_and_concurrency(void **state)
{
  struct world w;
  world_init(&w);
  struct got r = {0};
  call(&w, "GET", "/reset", NULL, &r);
  run_until(&w, &r.calls, 1);
  assert_int_equal(r.err, CG_EIO);
  assert_int_equal(r.status, 0);
  static struct got g[40];
  memset(g, 0, sizeof(g));
  for (int i = 0; i < 40; i++)
    call(&w, "POST", "/orders", "{}", &g[i]);
  int64_t deadline = cg_time_mono_ms() + 5000;
  while (cg_http_client_inflight(w.client) > 0 && cg_time_mono_ms() < deadline)
    uv_run(&w.loop, UV_RUN_ONCE);
  for (int i = 0; i < 40; i++) {
    assert_int_equal(g[i].calls, 1);
    assert_int_equal(g[i].status, 201);
  }
  world_done(&w);
}

static void test_shutdown_with_inflight(void **state)
{
  struct world w;
  world_init(&w);
  struct got g[3] = {{0}};
  for (int i = 0; i < 3; i++)
    call(&w, "GET", "/never", NULL, &g[i]);
  int64_t until = cg_time_mono_ms() + 100;
  while (cg_time_mono_ms() < until)
    uv_run(&w.loop, UV_RUN_NOWAIT);
  assert_int_equal(cg_http_client_inflight(w.client), 3);
  assert_int_equal(w.npending, 3);
  cg_http_client_close(w.client, on_flag, &w.client_closed);
  for (int i = 0; i < 3; i++) {
    assert_int_equal(g[i].calls, 1);
    assert_int_equal(g[i].err, CG_ECANCELED);
  }
  int64_t deadline = cg_time_mono_ms() + 5000;
  while (!w.client_closed && cg_time_mono_ms() < deadline)
    uv_run(&w.loop, UV_RUN_NOWAIT);
  assert_true(w.client_closed);
  /* The client is gone: the server drops these answers. */
  for (int i = 0; i < w.npending; i++)
    cg_http_respond(w.pending[i], 200, NULL, NULL, 0);
  world_done(&w);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip_and_reuse),
      cmocka_unit_test(test_429_pauses_the_limiter),
      cmocka_unit_test(test_reset_and_concurrency),
      cmocka_unit_test(test_shutdown_with_inflight),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
