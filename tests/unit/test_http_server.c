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

#include "base/err.h"
#include "base/mem.h"
#include "base/time.h"
#include "net/http_internal.h"
#include "net/http_server.h"
#include "net/router.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define container_of(ptr, type, member)                                        \
  ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

struct ctx {
  struct cg_router *router;
  struct hf_server f;
  atomic_int held;       /* /hold received */
  atomic_int gone_seen;  /* /watch saw cg_http_exchange_gone */
  atomic_int held_gone;  /* /hold exchange was gone at server close */
  atomic_int observed;   /* observer calls */
  atomic_int observed_0; /* observer calls with status 0 */
  atomic_int observed_503;
  atomic_int bigs;                  /* /big requests dispatched */
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

/* Answers "<header count> <value of the header named {name}>|<name>". */
static void h_header(struct cg_http_exchange *ex, void *arg)
{
  const char *name = cg_http_exchange_param(ex, "name");
  const char *value = cg_http_exchange_header(ex, name);
  char out[256];
  int n = snprintf(out, sizeof(out), "%zu %s|%s",
                   cg_http_exchange_request(ex)->nheaders,
                   value ? value : "(none)", name);
  cg_http_respond(ex, 200, "text/plain", out, (size_t)n);
}

static void h_big(struct cg_http_exchange *ex, void *arg)
{
  struct ctx *c = arg;
  atomic_fetch_add(&c->bigs, 1);
  static char big[32768];
  memset(big, 'b', sizeof(big));
  cg_http_respond(ex, 200, "text/plain", big, sizeof(big));
}

/* Answers while every allocation fails: the server closes the
 * connection instead of sending, and leaks nothing. */
static void h_nomem(struct cg_http_exchange *ex, void *arg)
{
  cg_mem_fail_after(0);
  cg_http_respond(ex, 200, "text/plain", "x", 1);
  cg_mem_fail_after(-1);
}

#define HUGE_LEN (16 * 1024 * 1024)

static void h_huge(struct cg_http_exchange *ex, void *arg)
{
  char *huge = cg_malloc(HUGE_LEN);
  memset(huge, 'h', HUGE_LEN);
  cg_http_respond(ex, 200, "text/plain", huge, HUGE_LEN);
  cg_free(huge);
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
  assert_int_equal(cg_router_add(c->router, "GET", "/late/{ms}", h_late, c), 0);
  assert_int_equal(cg_router_add(c->router, "GET", "/hold", h_hold, c), 0);
  assert_int_equal(cg_router_add(c->router, "GET", "/watch", h_watch, c), 0);
  assert_int_equal(cg_router_add(c->router, "GET", "/reset", h_reset, c), 0);
  assert_int_equal(cg_router_add(c->router, "GET", "/big", h_big, c), 0);
  assert_int_equal(cg_router_add(c->router, "GET", "/hdr/{name}", h_header, c),
                   0);
  assert_int_equal(cg_router_add(c->router, "GET", "/huge", h_huge, c), 0);
  assert_int_equal(cg_router_add(c->router, "GET", "/nomem", h_nomem, c), 0);
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

/* Absolute-form targets and encoded paths reach handlers decoded. */
static void test_request_targets(void **state)
{
  struct ctx *c = start(NULL);
  int fd = connect_to(c);
  assert_int_equal(hf_send_str(fd, "GET http://example.com/p/abs?x=1 HTTP/1.1"
                                   "\r\n\r\n"
                                   "GET /p/a%20b?y=%41 HTTP/1.1\r\n\r\n"),
                   0);
  struct hf_resp r[2];
  assert_int_equal(hf_read(fd, r, 2, 5000, NULL), 2);
  assert_string_equal(r[0].body, "/p/abs");
  assert_string_equal(r[1].body, "/p/a b");
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

static void expect_refused(struct ctx *c, const char *req, int status)
{
  int fd = connect_to(c);
  assert_int_equal(hf_send_str(fd, req), 0);
  struct hf_resp r[1];
  bool closed = false;
  assert_int_equal(hf_read(fd, r, 1, 5000, NULL), 1);
  if (r[0].status != status)
    fprintf(stderr, "expected %d, got %d for: %.60s\n", status, r[0].status,
            req);
  assert_int_equal(r[0].status, status);
  assert_string_equal(r[0].connection, "close");
  closed = hf_wait_closed(fd, 5000);
  assert_true(closed);
  close(fd);
}

/* Headers beyond the first few (the array grows) keep their names and
 * trimmed values. */
static void test_many_headers_kept(void **state)
{
  struct ctx *c = start(NULL);
  int fd = connect_to(c);
  const char *names[] = {"X-H0", "X-H17", "x-h29"};
  const char *want[] = {"30 v0|X-H0", "30 padded value|X-H17", "30 v29|x-h29"};
  for (int k = 0; k < 3; k++) {
    char req[2048];
    snprintf(req, sizeof(req), "GET /hdr/%s HTTP/1.1\r\n", names[k]);
    for (int i = 0; i < 30; i++) {
      char value[32];
      snprintf(value, sizeof(value), "v%d", i);
      snprintf(req + strlen(req), sizeof(req) - strlen(req), "X-H%d: %s\r\n", i,
               i == 17 ? " \tpadded value \t" : value);
    }
    strcat(req, "\r\n");
    assert_int_equal(hf_send_str(fd, req), 0);
    struct hf_resp r[1];
    assert_int_equal(hf_read(fd, r, 1, 5000, NULL), 1);
    assert_int_equal(r[0].status, 200);
    assert_string_equal(r[0].body, want[k]);
  }
  close(fd);
  stop(c);
}

static void test_header_limits(void **state)
{
  struct cg_http_server_opts o = {.max_header_bytes = 1024};
  struct ctx *c = start(&o);
  char big[4096];
  snprintf(big, sizeof(big),
           "GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: %0*d\r\n\r\n", 2000, 0);
  expect_refused(c, big, 431);
  /* Many small headers add up too. */
  char many[4096] = "GET /hello HTTP/1.1\r\n";
  for (int i = 0; i < 120; i++)
    snprintf(many + strlen(many), sizeof(many) - strlen(many), "X-H%d: v\r\n",
             i);
  strcat(many, "\r\n");
  expect_refused(c, many, 431);
  char url[2048] = "GET /";
  memset(url + 5, 'u', 1500);
  strcpy(url + 1505, " HTTP/1.1\r\nHost: x\r\n\r\n");
  expect_refused(c, url, 414);
  stop(c);
  /* More than 128 headers, however small. */
  char count[4096] = "GET /hello HTTP/1.1\r\n";
  for (int i = 0; i < 130; i++)
    strcat(count, "A: b\r\n");
  strcat(count, "\r\n");
  struct cg_http_server_opts wide = {.max_header_bytes = 65536};
  c = start(&wide);
  expect_refused(c, count, 431);
  stop(c);
}

static void test_body_limits(void **state)
{
  struct cg_http_server_opts o = {.max_body_bytes = 100};
  struct ctx *c = start(&o);
  expect_refused(c, "POST /echo HTTP/1.1\r\nContent-Length: 101\r\n\r\n", 413);
  /* With Expect: 100-continue the 413 comes instead of the 100. */
  expect_refused(c,
                 "POST /echo HTTP/1.1\r\nContent-Length: 101\r\n"
                 "Expect: 100-continue\r\n\r\n",
                 413);
  const char *fmt = "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "%x\r\n%0*d\r\n%x\r\n%0*d\r\n0\r\n\r\n";
  char chunked[1024];
  snprintf(chunked, sizeof(chunked), fmt, 64, 64, 0, 64, 64, 0);
  expect_refused(c, chunked, 413);
  /* At the limit is fine, chunked included. */
  int fd = connect_to(c);
  snprintf(chunked, sizeof(chunked), fmt, 50, 50, 0, 50, 50, 0);
  assert_int_equal(hf_send_str(fd, chunked), 0);
  struct hf_resp r[1];
  assert_int_equal(hf_read(fd, r, 1, 5000, NULL), 1);
  assert_int_equal(r[0].status, 200);
  assert_int_equal(r[0].body_len, 100);
  close(fd);
  stop(c);
}

static void test_malformed(void **state)
{
  struct ctx *c = start(NULL);
  expect_refused(c, "BLAH\r\n\r\n", 400);
  expect_refused(c, "GET /hello\r\n\r\n", 400);
  expect_refused(c, "GET /hello HTTP/1.1 extra\r\n\r\n", 400);
  expect_refused(c, "GET /a%zz HTTP/1.1\r\nHost: x\r\n\r\n", 400);
  expect_refused(c, "GET /a%00b HTTP/1.1\r\nHost: x\r\n\r\n", 400);
  expect_refused(c, "GET /hello HTTP/1.1\r\nBad Header\r\n\r\n", 400);
  expect_refused(c, "GET /hello HTTP/2.0\r\nHost: x\r\n\r\n", 505);
  expect_refused(c, "GET /hello HTTP/1.1\r\nExpect: magic\r\n\r\n", 417);
  expect_refused(c,
                 "POST /echo HTTP/1.1\r\nContent-Length: 3\r\n"
                 "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
                 400);
  /* A good request before the bad one is still answered, in order. */
  int fd = connect_to(c);
  assert_int_equal(hf_send_str(fd, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
                                   "\x01garbage\r\n\r\n"),
                   0);
  struct hf_resp r[2];
  bool closed = false;
  assert_int_equal(hf_read(fd, r, 2, 5000, &closed), 2);
  assert_int_equal(r[0].status, 200);
  assert_int_equal(r[1].status, 400);
  close(fd);
  stop(c);
}

static void test_slow_client_408(void **state)
{
  struct cg_http_server_opts o = {.request_timeout_ms = 200};
  struct ctx *c = start(&o);
  int fd = connect_to(c);
  assert_int_equal(hf_send_str(fd, "GET /hello HTTP/1.1\r\nHost: x\r\n"), 0);
  struct hf_resp r[1];
  assert_int_equal(hf_read(fd, r, 1, 5000, NULL), 1);
  assert_int_equal(r[0].status, 408);
  assert_true(hf_wait_closed(fd, 5000));
  close(fd);
  /* Half a body stalls the same way. */
  fd = connect_to(c);
  assert_int_equal(hf_send_str(fd, "POST /echo HTTP/1.1\r\nHost: x\r\n"
                                   "Content-Length: 10\r\n\r\nabc"),
                   0);
  assert_int_equal(hf_read(fd, r, 1, 5000, NULL), 1);
  assert_int_equal(r[0].status, 408);
  assert_true(hf_wait_closed(fd, 5000));
  close(fd);
  stop(c);
}

static void test_idle_close(void **state)
{
  struct cg_http_server_opts o = {.idle_timeout_ms = 200};
  struct ctx *c = start(&o);
  int fd = connect_to(c);
  assert_int_equal(hf_send_str(fd, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"),
                   0);
  struct hf_resp r[1];
  assert_int_equal(hf_read(fd, r, 1, 5000, NULL), 1);
  assert_int_equal(r[0].status, 200);
  /* Nothing more is sent: the server closes without a response. */
  bool closed = false;
  assert_int_equal(hf_read(fd, r, 1, 5000, &closed), 0);
  assert_true(closed);
  close(fd);
  /* A connection that never sends anything is closed as well. */
  fd = connect_to(c);
  assert_true(hf_wait_closed(fd, 5000));
  close(fd);
  stop(c);
}

static void test_http10_and_connection_close(void **state)
{
  struct ctx *c = start(NULL);
  int fd = connect_to(c);
  assert_int_equal(hf_send_str(fd, "GET /hello HTTP/1.0\r\n\r\n"), 0);
  struct hf_resp r[2];
  bool closed = false;
  assert_int_equal(hf_read(fd, r, 1, 5000, NULL), 1);
  assert_string_equal(r[0].connection, "close");
  assert_true(hf_wait_closed(fd, 5000));
  close(fd);
  fd = connect_to(c);
  assert_int_equal(hf_send_str(fd, "GET /hello HTTP/1.0\r\n"
                                   "Connection: keep-alive\r\n\r\n"),
                   0);
  assert_int_equal(hf_read(fd, r, 1, 5000, NULL), 1);
  assert_string_equal(r[0].connection, "keep-alive");
  close(fd);
  /* Connection: close on the second of two pipelined requests; a third
   * one after it is never answered. */
  fd = connect_to(c);
  assert_int_equal(hf_send_str(fd, "GET /p/1 HTTP/1.1\r\nHost: x\r\n\r\n"
                                   "GET /p/2 HTTP/1.1\r\nHost: x\r\n"
                                   "Connection: close\r\n\r\n"
                                   "GET /p/3 HTTP/1.1\r\nHost: x\r\n\r\n"),
                   0);
  assert_int_equal(hf_read(fd, r, 2, 5000, NULL), 2);
  assert_string_equal(r[0].body, "/p/1");
  assert_string_equal(r[1].body, "/p/2");
  assert_string_equal(r[1].connection, "close");
  assert_int_equal(hf_read(fd, r, 1, 2000, &closed), 0);
  assert_true(closed);
  close(fd);
  stop(c);
}

static void test_expect_continue(void **state)
{
  struct ctx *c = start(NULL);
  int fd = connect_to(c);
  assert_int_equal(hf_send_str(fd, "POST /echo HTTP/1.1\r\nHost: x\r\n"
                                   "Content-Length: 4\r\n"
                                   "Expect: 100-continue\r\n\r\n"),
                   0);
  struct hf_resp r[1];
  assert_int_equal(hf_read(fd, r, 1, 5000, NULL), 1);
  assert_int_equal(r[0].status, 100);
  assert_int_equal(hf_send_str(fd, "ping"), 0);
  assert_int_equal(hf_read(fd, r, 1, 5000, NULL), 1);
  assert_int_equal(r[0].status, 200);
  assert_string_equal(r[0].body, "ping");
  close(fd);
  stop(c);
}

#define NCONN 200

static void test_many_connections(void **state)
{
  struct ctx *c = start(NULL);
  int fds[NCONN];
  for (int i = 0; i < NCONN; i++)
    fds[i] = connect_to(c);
  for (int i = 0; i < NCONN; i++) {
    char req[128];
    snprintf(req, sizeof(req), "GET /p/%d HTTP/1.1\r\nHost: x\r\n\r\n", i);
    assert_int_equal(hf_send_str(fds[i], req), 0);
  }
  for (int i = 0; i < NCONN; i++) {
    struct hf_resp r[1];
    char want[32];
    snprintf(want, sizeof(want), "/p/%d", i);
    assert_int_equal(hf_read(fds[i], r, 1, 5000, NULL), 1);
    assert_string_equal(r[0].body, want);
    close(fds[i]);
  }
  stop(c);
}

static void test_connection_cap(void **state)
{
  struct cg_http_server_opts o = {.max_connections = 3};
  struct ctx *c = start(&o);
  int fds[3];
  struct hf_resp r[1];
  for (int i = 0; i < 3; i++) {
    fds[i] = connect_to(c);
    assert_int_equal(hf_send_str(fds[i], "GET /hello HTTP/1.1\r\n\r\n"), 0);
    assert_int_equal(hf_read(fds[i], r, 1, 5000, NULL), 1);
  }
  int extra = connect_to(c);
  assert_true(hf_wait_closed(extra, 5000));
  close(extra);
  close(fds[0]);
  /* Once one leaves, a new client gets in (allow the close to land). */
  bool served = false;
  for (int attempt = 0; attempt < 50 && !served; attempt++) {
    int fd = connect_to(c);
    hf_send_str(fd, "GET /hello HTTP/1.1\r\n\r\n");
    served = hf_read(fd, r, 1, 2000, NULL) == 1;
    close(fd);
    if (!served)
      usleep(20000);
  }
  assert_true(served);
  close(fds[1]);
  close(fds[2]);
  stop(c);
}

static void test_shutdown_answers_pending_503(void **state)
{
  struct ctx *c = start(NULL);
  int fd = connect_to(c);
  int idle = connect_to(c);
  assert_int_equal(hf_send_str(fd, "GET /hold HTTP/1.1\r\nHost: x\r\n\r\n"), 0);
  for (int i = 0; i < 500 && !atomic_load(&c->held); i++)
    usleep(10000);
  assert_int_equal(atomic_load(&c->held), 1);
  uv_async_send(&c->f.stop);
  struct hf_resp r[1];
  assert_int_equal(hf_read(fd, r, 1, 5000, NULL), 1);
  assert_int_equal(r[0].status, 503);
  assert_string_equal(r[0].connection, "close");
  assert_true(hf_wait_closed(fd, 5000));
  assert_true(hf_wait_closed(idle, 5000));
  close(fd);
  close(idle);
  pthread_join(c->f.thread, NULL);
  assert_int_equal(uv_loop_close(&c->f.loop), 0);
  assert_int_equal(atomic_load(&c->f.closed), 1);
  assert_int_equal(atomic_load(&c->held_gone), 1);
  assert_int_equal(atomic_load(&c->observed_503), 1);
  cg_router_destroy(c->router);
  free(c);
}

static void test_client_gone_before_async_answer(void **state)
{
  struct ctx *c = start(NULL);
  int fd = connect_to(c);
  assert_int_equal(hf_send_str(fd, "GET /watch HTTP/1.1\r\nHost: x\r\n\r\n"),
                   0);
  usleep(50000);
  close(fd);
  for (int i = 0; i < 600 && atomic_load(&c->gone_seen) == 0; i++)
    usleep(10000);
  assert_int_equal(atomic_load(&c->gone_seen), 1);
  assert_int_equal(atomic_load(&c->observed_0), 1);
  /* The server is still healthy. */
  fd = connect_to(c);
  assert_int_equal(hf_send_str(fd, "GET /hello HTTP/1.1\r\n\r\n"), 0);
  struct hf_resp r[1];
  assert_int_equal(hf_read(fd, r, 1, 5000, NULL), 1);
  close(fd);
  stop(c);
}

static void test_reset_and_observer(void **state)
{
  struct ctx *c = start(NULL);
  int fd = connect_to(c);
  assert_int_equal(hf_send_str(fd, "GET /reset HTTP/1.1\r\nHost: x\r\n\r\n"),
                   0);
  struct hf_resp r[3];
  bool closed = false;
  assert_int_equal(hf_read(fd, r, 1, 5000, &closed), 0);
  assert_true(closed);
  close(fd);
  fd = connect_to(c);
  assert_int_equal(hf_send_str(fd, "GET /hello HTTP/1.1\r\n\r\n"
                                   "GET /nope HTTP/1.1\r\n\r\n"
                                   "BAD\r\n\r\n"),
                   0);
  assert_int_equal(hf_read(fd, r, 3, 5000, NULL), 3);
  assert_int_equal(r[1].status, 404);
  assert_int_equal(r[2].status, 400);
  close(fd);
  fd = connect_to(c);
  assert_int_equal(hf_send_str(fd, "GET /nomem HTTP/1.1\r\n\r\n"), 0);
  assert_true(hf_wait_closed(fd, 5000));
  close(fd);
  int observed = atomic_load(&c->observed) - 1;
  int observed_0 = atomic_load(&c->observed_0);
  stop(c);
  /* reset (0), 200, 404, 400: one observer call each. */
  assert_int_equal(observed, 4);
  assert_int_equal(observed_0, 1);
}

#define NBIG 1200 /* half of them /big: 19 MiB of answers */
#define BIG_BYTES 32768
#define CLIENT_RCVBUF 16384

/* Most /big answers the server can have handed over before the client
 * reads: its write queue cap plus what the kernel buffers on both sides
 * (the send buffer grows up to tcp_wmem's maximum; the client's receive
 * buffer is pinned small, which Linux doubles). */
static int big_bound(void)
{
  long lo = 0, def = 0, max = 4L << 20;
  FILE *f = fopen("/proc/sys/net/ipv4/tcp_wmem", "r");
  if (f != NULL) {
    if (fscanf(f, "%ld %ld %ld", &lo, &def, &max) != 3)
      max = 4L << 20;
    fclose(f);
  }
  long bytes = CG__HTTP_WRITE_CAP + max + 4 * CLIENT_RCVBUF;
  return (int)(bytes / BIG_BYTES) + 4;
}

/* A client pipelines many requests with large answers before reading any:
 * the server stops dispatching while its output queue is full (so far
 * fewer /big handlers ran than were asked for when the first answer can
 * be read), and every answer still arrives, in order. */
static void test_pipelining_backpressure(void **state)
{
  struct ctx *c = start(NULL);
  int fd = connect_to(c);
  int rcvbuf = CLIENT_RCVBUF;
  assert_int_equal(
      setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)), 0);
  static char reqs[NBIG * 64];
  reqs[0] = '\0';
  for (int i = 0; i < NBIG; i++)
    strcat(reqs,
           i % 2 ? "GET /big HTTP/1.1\r\n\r\n" : "GET /p/x HTTP/1.1\r\n\r\n");
  assert_int_equal(hf_send_str(fd, reqs), 0);
  /* Barrier: two round trips on another connection. The pipelined bytes
   * were already waiting when the first one was sent, so the loop turn
   * that answered it also read them, and that turn is over once the
   * second answer arrives: whatever the server would dispatch without
   * the client reading has been dispatched. */
  int probe = connect_to(c);
  struct hf_resp pr[1];
  for (int i = 0; i < 2; i++) {
    assert_int_equal(hf_send_str(probe, "GET /hello HTTP/1.1\r\n\r\n"), 0);
    assert_int_equal(hf_read(probe, pr, 1, 5000, NULL), 1);
  }
  close(probe);
  int dispatched = atomic_load(&c->bigs);
  if (dispatched > big_bound())
    fail_msg("%d of %d /big requests dispatched before the client read "
             "anything (at most %d fit the buffers): no back-pressure",
             dispatched, NBIG / 2, big_bound());
  struct hf_resp *r = calloc(NBIG, sizeof(*r));
  assert_int_equal(hf_read(fd, r, NBIG, 30000, NULL), NBIG);
  for (int i = 0; i < NBIG; i++)
    assert_int_equal(r[i].body_len, i % 2 ? BIG_BYTES : 4);
  assert_int_equal(atomic_load(&c->bigs), NBIG / 2);
  free(r);
  close(fd);
  stop(c);
}

/* Random bytes and mangled requests on many connections: every one gets
 * an answer or a close, never a hang, and the server keeps serving. */
static void test_garbage_survival(void **state)
{
  struct cg_http_server_opts o = {.request_timeout_ms = 300};
  struct ctx *c = start(&o);
  const char *good = "POST /echo HTTP/1.1\r\nHost: x\r\n"
                     "Content-Length: 5\r\n\r\nhello";
  unsigned seed = 12345;
  for (int i = 0; i < 60; i++) {
    char buf[256];
    size_t n = strlen(good);
    memcpy(buf, good, n);
    for (int k = 0; k < 1 + i % 4; k++) /* mangle a few bytes */
      buf[rand_r(&seed) % n] = (char)(rand_r(&seed) & 0xff);
    if (i % 3 == 0) /* or send pure noise */
      for (size_t k = 0; k < n; k++)
        buf[k] = (char)(rand_r(&seed) & 0xff);
    int fd = connect_to(c);
    hf_send(fd, buf, n);
    struct hf_resp r[1];
    bool closed = false;
    int64_t t0 = cg_time_mono_ms();
    int got = hf_read(fd, r, 1, 5000, &closed);
    if (got != 1 && !closed) {
      fprintf(stderr, "no answer nor close after %d ms for case %d:",
              (int)(cg_time_mono_ms() - t0), i);
      for (size_t k = 0; k < n; k++)
        fprintf(stderr, " %02x", (unsigned char)buf[k]);
      fprintf(stderr, "\n");
    }
    assert_true(got == 1 || closed);
    close(fd);
  }
  int fd = connect_to(c);
  assert_int_equal(hf_send_str(fd, good), 0);
  struct hf_resp r[1];
  assert_int_equal(hf_read(fd, r, 1, 5000, NULL), 1);
  assert_string_equal(r[0].body, "hello");
  close(fd);
  stop(c);
}

/* A closing connection (HTTP/1.0) whose large final answer a slow client
 * reads late: the server flushes it all before its lingering close. */
static void test_final_answer_flushed_to_slow_reader(void **state)
{
  struct ctx *c = start(NULL);
  int fd = connect_to(c);
  assert_int_equal(hf_send_str(fd, "GET /huge HTTP/1.0\r\n\r\n"), 0);
  usleep(1500 * 1000); /* longer than the linger period */
  struct hf_resp r[1];
  assert_int_equal(hf_read(fd, r, 1, 20000, NULL), 1);
  assert_int_equal(r[0].body_len, HUGE_LEN);
  assert_true(hf_wait_closed(fd, 5000));
  close(fd);
  /* Same when the client half-closes right after its request. */
  fd = connect_to(c);
  assert_int_equal(hf_send_str(fd, "GET /huge HTTP/1.0\r\n\r\n"), 0);
  shutdown(fd, SHUT_WR);
  usleep(1500 * 1000);
  assert_int_equal(hf_read(fd, r, 1, 20000, NULL), 1);
  assert_int_equal(r[0].body_len, HUGE_LEN);
  close(fd);
  stop(c);
}

static void on_listen_test_done(void *arg)
{
  *(int *)arg += 1;
}

/* Address parsing, IPv6, a port already in use; close without traffic
 * frees everything on the caller's own loop. */
static void test_listen_addresses(void **state)
{
  uv_loop_t loop;
  uv_loop_init(&loop);
  struct cg_err err = {0};
  struct cg_http_server *a = cg_http_server_create(&loop, NULL, h_hello, NULL);
  struct cg_http_server *b = cg_http_server_create(&loop, NULL, h_hello, NULL);
  const char *bad[] = {"nohost",  "127.0.0.1", "127.0.0.1:99999", "127.0.0.1:x",
                       "[::1:80", ":80",       "999.1.1.1:80"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    assert_int_equal(cg_http_server_listen(a, bad[i], &err), CG_EINVAL);
  assert_int_equal(cg_http_server_listen(a, "127.0.0.1:0", &err), 0);
  char taken[64];
  snprintf(taken, sizeof(taken), "127.0.0.1:%d", cg_http_server_port(a));
  assert_int_equal(cg_http_server_listen(b, taken, &err), CG_EIO);
  assert_non_null(strstr(err.msg, "cannot listen"));
  int done = 0;
  cg_http_server_close(a, on_listen_test_done, &done);
  cg_http_server_close(b, on_listen_test_done, &done);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(done, 2);
  /* IPv6 loopback, when the machine has it. */
  struct cg_http_server *v6 = cg_http_server_create(&loop, NULL, h_hello, NULL);
  if (cg_http_server_listen(v6, "[::1]:0", &err) == 0)
    assert_true(cg_http_server_port(v6) > 0);
  cg_http_server_close(v6, on_listen_test_done, &done);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(done, 3);
  assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_keep_alive),
      cmocka_unit_test(test_request_targets),
      cmocka_unit_test(test_pipelining_in_order),
      cmocka_unit_test(test_pipelining_backpressure),
      cmocka_unit_test(test_many_headers_kept),
      cmocka_unit_test(test_header_limits),
      cmocka_unit_test(test_body_limits),
      cmocka_unit_test(test_malformed),
      cmocka_unit_test(test_slow_client_408),
      cmocka_unit_test(test_idle_close),
      cmocka_unit_test(test_http10_and_connection_close),
      cmocka_unit_test(test_expect_continue),
      cmocka_unit_test(test_many_connections),
      cmocka_unit_test(test_connection_cap),
      cmocka_unit_test(test_shutdown_answers_pending_503),
      cmocka_unit_test(test_client_gone_before_async_answer),
      cmocka_unit_test(test_reset_and_observer),
      cmocka_unit_test(test_garbage_survival),
      cmocka_unit_test(test_listen_addresses),
      cmocka_unit_test(test_final_answer_flushed_to_slow_reader),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
