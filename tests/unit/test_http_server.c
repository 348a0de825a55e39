/*
 * Unit tests for core/net/http_server: keep-alive, pipelining (with a
 * handler that answers late), limits (431, 413, 400, 408), idle close,
 * many connections, the connection cap, Expect: 100-continue, HTTP/1.0,
 * clean shutdown with a pending exchange, clients that leave before an
 * asynchronous answer, resets and the response observer.
 *
 * The server runs on its own loop thread (tests/support/http_fixture.c);
 * the test thread drives it with raw sockets. Handlers only touch atomics
 * shared with the test thread; assertions happen on the test thread.
 */
#include "testutil.h"
#include "http_fixture.h"

#include "base/mem.h"
#include "net/http_server.h"
#include "net/router.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define container_of(ptr, type, member)                                      \
  ((type *)(void *)((char *)(ptr) - offsetof(type, member)))

struct ctx {
  struct cg_router *router;
  struct hf_server f;
  atomic_int held;       /* /hold received */
  atomic_int gone_seen;  /* /watch saw cg_http_exchange_gone */
  atomic_int held_gone;  /* /hold exchange was gone at server close */
  atomic_int observed;   /* observer calls */
  atomic_int observed_0; /* observer calls with status 0 */
  atomic_int observed_503;
  struct cg_http_exchange *held_ex; /* loop thread only */
};

/* --- handlers (loop thread) ----------------------------------------------- */

static void h_hello(struct cg_http_exchange *ex, void *arg)
{
  cg_http_respond(ex, 200, "text/plain", "hello", 5);
}

static void h_echo(struct cg_http_exchange *ex, void *arg)
{
  const struct cg_http_request *r = cg_http_exchange_request(ex);
  cg_http_respond(ex, 200, "application/octet-stream", r->body, r->body_len);
}

/* Answers with the request path, so pipelining order is visible. */
static void h_path(struct cg_http_exchange *ex, void *arg)
{
  const char *path = cg_http_exchange_request(ex)->path;
  cg_http_respond(ex, 200, "text/plain", path, strlen(path));
}

struct late {
  uv_timer_t timer;
  struct cg_http_exchange *ex;
  int ticks;
};

static void on_late_close(uv_handle_t *h)
{
  cg_free(container_of(h, struct late, timer));
}

static void on_late_timer(uv_timer_t *t)
{
  struct late *l = container_of(t, struct late, timer);
  const char *path = cg_http_exchange_request(l->ex)->path;
  cg_http_respond(l->ex, 200, "text/plain", path, strlen(path));
  uv_close((uv_handle_t *)t, on_late_close);
}

/* Answers after {ms} milliseconds, from a timer. */
static void h_late(struct cg_http_exchange *ex, void *arg)
{
  struct late *l = cg_calloc(1, sizeof(*l));
  l->ex = ex;
  uv_timer_init(&((struct ctx *)arg)->f.loop, &l->timer);
  uv_timer_start(&l->timer, on_late_timer,
                 strtoul(cg_http_exchange_param(ex, "ms"), NULL, 10), 0);
}

static void h_hold(struct cg_http_exchange *ex, void *arg)
{
  struct ctx *c = arg;
  c->held_ex = ex;
  atomic_store(&c->held, 1);
}

static void on_watch_timer(uv_timer_t *t)
{
  struct late *l = container_of(t, struct late, timer);
  struct ctx *c = t->data;
  bool gone = cg_http_exchange_gone(l->ex);
  if (!gone && ++l->ticks < 500)
    return;
  atomic_store(&c->gone_seen, gone ? 1 : -1);
  cg_http_respond(l->ex, 200, "text/plain", "too late", 8);
  uv_close((uv_handle_t *)t, on_late_close);
}

/* Polls until the client has gone, then answers (a no-op that frees). */
static void h_watch(struct cg_http_exchange *ex, void *arg)
{
  struct ctx *c = arg;
  struct late *l = cg_calloc(1, sizeof(*l));
  l->ex = ex;
  uv_timer_init(&c->f.loop, &l->timer);
  l->timer.data = c;
  uv_timer_start(&l->timer, on_watch_timer, 10, 10);
}

static void h_reset(struct cg_http_exchange *ex, void *arg)
{
  cg_http_exchange_reset(ex);
}

static void observe(const struct cg_http_exchange *ex, int status, void *arg)
{
  struct ctx *c = arg;
  assert_non_null(cg_http_exchange_request(ex)->method);
  atomic_fetch_add(&c->observed, 1);
  if (status == 0)
    atomic_fetch_add(&c->observed_0, 1);
  if (status == 503)
    atomic_fetch_add(&c->observed_503, 1);
}

static void on_closed(struct hf_server *f)
{
  struct ctx *c = f->user;
  if (c->held_ex != NULL) {
    atomic_store(&c->held_gone, cg_http_exchange_gone(c->held_ex) ? 1 : 0);
    cg_http_respond(c->held_ex, 200, "text/plain", "late", 4);
    c->held_ex = NULL;
  }
}

/* --- set-up --------------------------------------------------------------- */

static struct ctx *start(struct cg_http_server_opts *opts)
{
  struct ctx *c = calloc(1, sizeof(*c));
  c->router = cg_router_create();
  assert_int_equal(cg_router_add(c->router, "GET", "/hello", h_hello, c), 0);
  assert_int_equal(cg_router_add(c->router, "POST", "/echo", h_echo, c), 0);
  assert_int_equal(cg_router_add(c->router, "GET", "/p/{x}", h_path, c), 0);
  assert_int_equal(cg_router_add(c->router, "GET", "/late/{ms}", h_late, c),
                   0);
  assert_int_equal(cg_router_add(c->router, "GET", "/hold", h_hold, c), 0);
  assert_int_equal(cg_router_add(c->router, "GET", "/watch", h_watch, c), 0);
  assert_int_equal(cg_router_add(c->router, "GET", "/reset", h_reset, c), 0);
  struct cg_http_server_opts o = {0};
  if (opts != NULL)
    o = *opts;
  o.on_response = observe;
  o.observer_arg = c;
  c->f.on_closed = on_closed;
  c->f.user = c;
  assert_int_equal(hf_start(&c->f, &o, cg_router_dispatch, c->router), 0);
  return c;
}

static void stop(struct ctx *c)
{
  assert_int_equal(hf_stop(&c->f), 0);
  assert_int_equal(atomic_load(&c->f.closed), 1);
  cg_router_destroy(c->router);
  free(c);
}

static int connect_to(struct ctx *c)
{
  int fd = hf_connect(c->f.port);
  assert_true(fd >= 0);
  return fd;
}

/* --- tests ---------------------------------------------------------------- */

static void test_keep_alive(void **state)
{
  struct ctx *c = start(NULL);
  int fd = connect_to(c);
  struct hf_resp r[1];
  for (int i = 0; i < 5; i++) {
    assert_int_equal(hf_send_str(fd, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"),
                     0);
    assert_int_equal(hf_read(fd, r, 1, 5000, NULL), 1);
    assert_int_equal(r[0].status, 200);
    assert_string_equal(r[0].body, "hello");
    assert_string_equal(r[0].connection, "keep-alive");
    assert_true(r[0].has_date);
    assert_true(r[0].has_length);
  }
  close(fd);
  stop(c);
}

static void test_pipelining_in_order(void **state)
{
  struct ctx *c = start(NULL);
  int fd = connect_to(c);
  const char *reqs = "GET /late/150 HTTP/1.1\r\nHost: x\r\n\r\n"
                     "GET /p/two HTTP/1.1\r\nHost: x\r\n\r\n"
                     "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                     "\r\nthree"
                     "GET /late/0 HTTP/1.1\r\nHost: x\r\n\r\n";
  assert_int_equal(hf_send_str(fd, reqs), 0);
  struct hf_resp r[4];
  assert_int_equal(hf_read(fd, r, 4, 5000, NULL), 4);
  assert_string_equal(r[0].body, "/late/150");
  assert_string_equal(r[1].body, "/p/two");
  assert_string_equal(r[2].body, "three");
  assert_string_equal(r[3].body, "/late/0");
  close(fd);
  stop(c);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_keep_alive),
      cmocka_unit_test(test_pipelining_in_order),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
