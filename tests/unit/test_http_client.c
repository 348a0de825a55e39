/*
 * Unit tests for core/net/http_client against a real loopback peer: a
 * small raw-socket HTTP/1.1 server on its own thread (accept, read a
 * request, write a canned answer, hang, or reset), which also counts
 * accepts so connection reuse is visible from the server side.
 *
 *   test thread: uv loop + cg_http_client --- TCP ---> peer thread (poll)
 *
 * Paths the peer understands:
 *   /echo...      200, body = request body (or "METHOD target"), headers
 *                 X-Echo-Method and X-Seen (the request's X-Test value)
 *   /429          429 + Retry-After: 7
 *   /503date      503 + Retry-After: <IMF-fixdate>
 *   /status/NNN   NNN, empty body
 *   /interim      100 Continue (with a header), then 200 "final"
 *   /partial      headers and 10 of 100 body bytes, then RST
 *   /hang         reads, never answers
 *   /slow         answers 200 "slow" after 600 ms
 *   /reset        reads, then RST (SO_LINGER 0)
 *   /close        reads, then closes without an answer
 * Every case ends with uv_loop_close(loop) == 0.
 */
#define _GNU_SOURCE /* memmem, strcasestr in the peer */
#include "testutil.h"

#include "base/err.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/rand.h"
#include "base/time.h"
#include "net/http_client.h"
#include "net/retry.h"

#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

/* --- the raw peer --------------------------------------------------------- */

#define PEER_CONNS 128

struct pconn {
  int fd;
  char *buf;
  size_t len, cap;
};

struct peer {
  int lfd;
  int port;
  int wake[2];
  pthread_t th;
  pthread_mutex_t mu;
  int accepts;
  int requests;
  int expects; /* requests that carried an Expect header */
  char last_head[8192];
  struct pconn conns[PEER_CONNS];
};

static void peer_write(int fd, const char *data, size_t len)
{
  while (len > 0) {
    ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
    if (n <= 0)
      return;
    data += n;
    len -= (size_t)n;
  }
}

static void peer_respond(int fd, int status, const char *extra,
                         const char *body, size_t body_len)
{
  char head[1024];
  int n = snprintf(head, sizeof(head),
                   "HTTP/1.1 %d X\r\nContent-Length: %zu\r\n%s\r\n", status,
                   body_len, extra ? extra : "");
  peer_write(fd, head, (size_t)n);
  peer_write(fd, body, body_len);
}

static void pconn_close(struct pconn *pc, bool reset)
{
  if (reset) {
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    setsockopt(pc->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
  }
  close(pc->fd);
  free(pc->buf);
  memset(pc, 0, sizeof(*pc));
  pc->fd = -1;
}

static void header_value(const char *head, const char *name, char *out,
                         size_t size)
{
  out[0] = '\0';
  size_t nlen = strlen(name);
  for (const char *p = strstr(head, "\r\n"); p != NULL;
       p = strstr(p + 2, "\r\n")) {
    if (strncasecmp(p + 2, name, nlen) == 0 && p[2 + nlen] == ':') {
      const char *v = p + 3 + nlen;
      v += strspn(v, " ");
      snprintf(out, size, "%.*s", (int)strcspn(v, "\r\n"), v);
      return;
    }
  }
}

static void peer_echo(int fd, const char *method, const char *target,
                      const char *head, const char *body, size_t blen)
{
  char seen[256], extra[512], line[600];
  header_value(head, "X-Test", seen, sizeof(seen));
  snprintf(extra, sizeof(extra),
           "X-Echo-Method: %s\r\nX-Seen: %s\r\nContent-Type: text/plain\r\n",
           method, seen);
  if (blen == 0) {
    int n = snprintf(line, sizeof(line), "%s %s", method, target);
    peer_respond(fd, 200, extra, line, (size_t)n);
  } else {
    peer_respond(fd, 200, extra, body, blen);
  }
}

/* Answers one parsed request. Returns false when the connection is gone. */
static bool peer_answer(struct pconn *pc, const char *method,
                        const char *target, const char *head, const char *body,
                        size_t blen)
{
  if (strncmp(target, "/echo", 5) == 0) {
    peer_echo(pc->fd, method, target, head, body, blen);
  } else if (strcmp(target, "/429") == 0) {
    peer_respond(pc->fd, 429, "Retry-After: 7\r\n", "slow down", 9);
  } else if (strcmp(target, "/503date") == 0) {
    peer_respond(pc->fd, 503, "retry-after: Sun, 15 Nov 2026 08:00:00 GMT\r\n",
                 "", 0);
  } else if (strncmp(target, "/status/", 8) == 0) {
    peer_respond(pc->fd, atoi(target + 8), NULL, "", 0);
  } else if (strcmp(target, "/interim") == 0) {
    const char *info = "HTTP/1.1 100 Continue\r\nX-Interim: yes\r\n\r\n";
    peer_write(pc->fd, info, strlen(info));
    peer_respond(pc->fd, 200, "X-Final: yes\r\n", "final", 5);
  } else if (strcmp(target, "/partial") == 0) {
    const char *resp = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n"
                       "X-Partial: yes\r\n\r\nonly ten b";
    peer_write(pc->fd, resp, strlen(resp));
    pconn_close(pc, true);
    return false;
  } else if (strcmp(target, "/hang") == 0) {
    return true;
  } else if (strcmp(target, "/slow") == 0) {
    usleep(600 * 1000);
    peer_respond(pc->fd, 200, NULL, "slow", 4);
  } else {
    pconn_close(pc, strcmp(target, "/reset") == 0);
    return false;
  }
  return true;
}

/* Handles every complete request in pc's buffer. */
static void peer_parse(struct peer *p, struct pconn *pc)
{
  for (;;) {
    char *end = pc->buf ? memmem(pc->buf, pc->len, "\r\n\r\n", 4) : NULL;
    if (end == NULL)
      return;
    size_t hlen = (size_t)(end - pc->buf) + 4;
    char head[8192], cl[32], method[16], target[512];
    snprintf(head, sizeof(head), "%.*s", (int)hlen, pc->buf);
    header_value(head, "Content-Length", cl, sizeof(cl));
    size_t blen = cl[0] ? (size_t)strtoul(cl, NULL, 10) : 0;
    if (pc->len < hlen + blen)
      return;
    if (sscanf(head, "%15s %511s", method, target) != 2)
      target[0] = '\0';
    pthread_mutex_lock(&p->mu);
    p->requests++;
    p->expects += strcasestr(head, "\r\nExpect:") != NULL;
    snprintf(p->last_head, sizeof(p->last_head), "%s", head);
    pthread_mutex_unlock(&p->mu);
    if (!peer_answer(pc, method, target, head, pc->buf + hlen, blen))
      return;
    memmove(pc->buf, pc->buf + hlen + blen, pc->len - hlen - blen);
    pc->len -= hlen + blen;
  }
}

static void peer_read(struct peer *p, struct pconn *pc)
{
  if (pc->cap - pc->len < 65536) {
    pc->cap = pc->cap * 2 + 65536;
    pc->buf = realloc(pc->buf, pc->cap);
  }
  ssize_t n = recv(pc->fd, pc->buf + pc->len, pc->cap - pc->len, 0);
  if (n <= 0) {
    pconn_close(pc, false);
    return;
  }
  pc->len += (size_t)n;
  peer_parse(p, pc);
}

static void peer_accept(struct peer *p)
{
  int fd = accept(p->lfd, NULL, NULL);
  if (fd == -1)
    return;
  for (int i = 0; i < PEER_CONNS; i++) {
    if (p->conns[i].fd == -1) {
      p->conns[i].fd = fd;
      pthread_mutex_lock(&p->mu);
      p->accepts++;
      pthread_mutex_unlock(&p->mu);
      return;
    }
  }
  close(fd);
}

static void *peer_main(void *arg)
{
  struct peer *p = arg;
  for (;;) {
    struct pollfd fds[PEER_CONNS + 2];
    int map[PEER_CONNS + 2], n = 2;
    fds[0] = (struct pollfd){.fd = p->wake[0], .events = POLLIN};
    fds[1] = (struct pollfd){.fd = p->lfd, .events = POLLIN};
    for (int i = 0; i < PEER_CONNS; i++) {
      if (p->conns[i].fd != -1) {
        map[n] = i;
        fds[n++] = (struct pollfd){.fd = p->conns[i].fd, .events = POLLIN};
      }
    }
    if (poll(fds, (nfds_t)n, 1000) == -1 || (fds[0].revents & POLLIN))
      break;
    if (fds[1].revents & POLLIN)
      peer_accept(p);
    for (int i = 2; i < n; i++)
      if (fds[i].revents & (POLLIN | POLLHUP | POLLERR))
        peer_read(p, &p->conns[map[i]]);
  }
  return NULL;
}

static struct peer *peer_start(void)
{
  struct peer *p = calloc(1, sizeof(*p));
  assert_non_null(p);
  for (int i = 0; i < PEER_CONNS; i++)
    p->conns[i].fd = -1;
  pthread_mutex_init(&p->mu, NULL);
  assert_int_equal(pipe(p->wake), 0);
  p->lfd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(p->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t alen = sizeof(a);
  assert_int_equal(bind(p->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
  assert_int_equal(listen(p->lfd, 256), 0);
  assert_int_equal(getsockname(p->lfd, (struct sockaddr *)&a, &alen), 0);
  p->port = ntohs(a.sin_port);
  assert_int_equal(pthread_create(&p->th, NULL, peer_main, p), 0);
  return p;
}

static void peer_stop(struct peer *p)
{
  assert_int_equal(write(p->wake[1], "x", 1), 1);
  pthread_join(p->th, NULL);
  for (int i = 0; i < PEER_CONNS; i++)
    if (p->conns[i].fd != -1)
      pconn_close(&p->conns[i], false);
  close(p->lfd);
  close(p->wake[0]);
  close(p->wake[1]);
  pthread_mutex_destroy(&p->mu);
  free(p);
}

static int peer_count(struct peer *p, const int *field)
{
  pthread_mutex_lock(&p->mu);
  int v = *field;
  pthread_mutex_unlock(&p->mu);
  return v;
}

/* --- the loop side -------------------------------------------------------- */

struct got {
  int calls;
  int err;
  long status;
  char body[256];
  size_t body_len;
  char errmsg[256];
  char retry_after[64];
  char echo_method[16];
  char seen[64];
  bool had_retry_after;
};

static bool in_send; /* set while cg_http_client_send runs */

static void copy_str(char *dst, size_t size, const char *src)
{
  snprintf(dst, size, "%s", src ? src : "");
}

static void on_done(const struct cg_http_result *res, void *arg)
{
  struct got *g = arg;
  assert_false(in_send); /* never synchronous inside send */
  g->calls++;
  g->err = res->err;
  g->status = res->status;
  g->body_len = res->body_len;
  copy_str(g->body, sizeof(g->body), res->body);
  copy_str(g->errmsg, sizeof(g->errmsg), res->errmsg);
  g->had_retry_after = res->retry_after != NULL;
  copy_str(g->retry_after, sizeof(g->retry_after), res->retry_after);
  copy_str(g->echo_method, sizeof(g->echo_method),
           res->header(res, "x-ECHO-method"));
  copy_str(g->seen, sizeof(g->seen), res->header(res, "X-Seen"));
}

struct env {
  uv_loop_t loop;
  uv_timer_t tick; /* keeps UV_RUN_ONCE from blocking for long */
  struct cg_http_client *c;
  struct peer *peer;
  bool closed;
  char url[128];
};

static void on_tick(uv_timer_t *t)
{
}

static void env_init(struct env *e, bool with_peer)
{
  memset(e, 0, sizeof(*e));
  assert_int_equal(uv_loop_init(&e->loop), 0);
  uv_timer_init(&e->loop, &e->tick);
  uv_timer_start(&e->tick, on_tick, 10, 10);
  e->c = cg_http_client_create(&e->loop, NULL);
  assert_non_null(e->c);
  e->peer = with_peer ? peer_start() : NULL;
}

static const char *env_url(struct env *e, const char *path)
{
  snprintf(e->url, sizeof(e->url), "http://127.0.0.1:%d%s",
           e->peer ? e->peer->port : tu_free_port(), path);
  return e->url;
}

static void run_until(struct env *e, const int *count, int want, int timeout_ms)
{
  int64_t deadline = cg_time_mono_ms() + timeout_ms;
  while (*count < want && cg_time_mono_ms() < deadline)
    uv_run(&e->loop, UV_RUN_ONCE);
  assert_int_equal(*count, want);
}

static void on_closed(void *arg)
{
  *(bool *)arg = true;
}

/* Closes the client (if still open), the peer and the loop, asserting a
 * clean uv_loop_close. */
static void env_done(struct env *e)
{
  if (e->c != NULL)
    cg_http_client_close(e->c, on_closed, &e->closed);
  int64_t deadline = cg_time_mono_ms() + 5000;
  while (e->c != NULL && !e->closed && cg_time_mono_ms() < deadline)
    uv_run(&e->loop, UV_RUN_ONCE);
  assert_true(e->c == NULL || e->closed);
  uv_close((uv_handle_t *)&e->tick, NULL);
  uv_run(&e->loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&e->loop), 0);
  if (e->peer != NULL)
    peer_stop(e->peer);
}

static int send_req(struct env *e, const struct cg_http_req *req, struct got *g)
{
  in_send = true;
  int rc = cg_http_client_send(e->c, req, on_done, g);
  in_send = false;
  return rc;
}

static void get(struct env *e, const char *path, long timeout_ms, struct got *g)
{
  struct cg_http_req req = {
      .method = "GET", .url = env_url(e, path), .timeout_ms = timeout_ms};
  assert_int_equal(send_req(e, &req, g), 0);
  assert_int_equal(g->calls, 0);
  run_until(e, &g->calls, 1, 10000);
}

/* --- cases ---------------------------------------------------------------- */

static void test_get_round_trip(void **state)
{
  struct env e;
  env_init(&e, true);
  const char *hdrs[] = {"X-Test: hello there", "Accept: text/plain", NULL};
  struct cg_http_req req = {
      .method = "GET", .url = env_url(&e, "/echo?a=1"), .headers = hdrs};
  struct got g = {0};
  assert_int_equal(send_req(&e, &req, &g), 0);
  assert_int_equal(cg_http_client_inflight(e.c), 1);
  run_until(&e, &g.calls, 1, 5000);
  assert_int_equal(g.err, 0);
  assert_int_equal(g.status, 200);
  assert_string_equal(g.body, "GET /echo?a=1");
  assert_int_equal(g.body_len, strlen("GET /echo?a=1"));
  assert_string_equal(g.echo_method, "GET");
  assert_string_equal(g.seen, "hello there");
  assert_false(g.had_retry_after);
  assert_int_equal(cg_http_client_inflight(e.c), 0);
  assert_non_null(strstr(e.peer->last_head, "User-Agent: centra-gxo/"));
  env_done(&e);
}

static void test_post_put_with_body(void **state)
{
  struct env e;
  env_init(&e, true);
  const char *hdrs[] = {"Content-Type: application/json", NULL};
  const char *json = "{\"orderRef\":\"1001\",\"lines\":[]}";
  const char *methods[] = {"POST", "PUT", "PATCH"};
  for (int i = 0; i < 3; i++) {
    struct cg_http_req req = {.method = methods[i],
                              .url = env_url(&e, "/echo"),
                              .headers = hdrs,
                              .body = json,
                              .body_len = strlen(json)};
    struct got g = {0};
    assert_int_equal(send_req(&e, &req, &g), 0);
    run_until(&e, &g.calls, 1, 5000);
    assert_int_equal(g.status, 200);
    assert_string_equal(g.body, json);
    assert_string_equal(g.echo_method, methods[i]);
    assert_non_null(
        strstr(e.peer->last_head, "Content-Type: application/json"));
  }
  /* POST without a body sends Content-Length: 0. */
  struct cg_http_req empty = {.method = "POST", .url = env_url(&e, "/echo")};
  struct got g = {0};
  assert_int_equal(send_req(&e, &empty, &g), 0);
  run_until(&e, &g.calls, 1, 5000);
  assert_string_equal(g.body, "POST /echo");
  env_done(&e);
}

static void on_done_big(const struct cg_http_result *res, void *arg)
{
  const char *sent = arg;
  assert_int_equal(res->status, 200);
  assert_int_equal(res->body_len, 300000);
  assert_memory_equal(res->body, sent, 300000);
  ((char *)arg)[300000] = 1; /* done marker past the payload */
}

static void test_large_body_no_expect(void **state)
{
  struct env e;
  env_init(&e, true);
  char *big = malloc(300001);
  for (size_t i = 0; i < 300000; i++)
    big[i] = (char)('a' + i % 26);
  big[300000] = 0;
  struct cg_http_req req = {.method = "POST",
                            .url = env_url(&e, "/echo"),
                            .body = big,
                            .body_len = 300000};
  int64_t t0 = cg_time_mono_ms();
  assert_int_equal(cg_http_client_send(e.c, &req, on_done_big, big), 0);
  int64_t deadline = t0 + 5000;
  while (big[300000] == 0 && cg_time_mono_ms() < deadline)
    uv_run(&e.loop, UV_RUN_ONCE);
  assert_int_equal(big[300000], 1);
  /* No 100-continue wait (curl would pause a second for it). */
  assert_int_equal(peer_count(e.peer, &e.peer->expects), 0);
  free(big);
  env_done(&e);
}

static void test_429_retry_after(void **state)
{
  struct env e;
  env_init(&e, true);
  struct got g = {0};
  get(&e, "/429", 0, &g);
  assert_int_equal(g.err, 0);
  assert_int_equal(g.status, 429);
  assert_true(g.had_retry_after);
  assert_string_equal(g.retry_after, "7");
  assert_string_equal(g.body, "slow down");
  assert_int_equal(cg_retry_classify(g.status, g.err), CG_OUTCOME_RETRY);
  struct cg_rand rng;
  cg_rand_seed(&rng, 3);
  int64_t now = cg_time_now_ms();
  assert_true(cg_retry_next_at(NULL, 1, g.retry_after, now, &rng) >=
              now + 7000);
  /* Lower-case header name, HTTP-date form. */
  struct got d = {0};
  get(&e, "/503date", 0, &d);
  assert_int_equal(d.status, 503);
  assert_string_equal(d.retry_after, "Sun, 15 Nov 2026 08:00:00 GMT");
  struct got f = {0};
  get(&e, "/status/404", 0, &f);
  assert_int_equal(f.status, 404);
  assert_int_equal(cg_retry_classify(f.status, f.err), CG_OUTCOME_FAIL);
  env_done(&e);
}

static void test_connection_refused(void **state)
{
  struct env e;
  env_init(&e, false);
  struct got g = {0};
  get(&e, "/echo", 0, &g); /* a free port: nobody listens */
  assert_int_equal(g.err, CG_EIO);
  assert_int_equal(g.status, 0);
  assert_int_equal(g.body_len, 0);
  assert_string_equal(g.body, "");
  assert_true(strlen(g.errmsg) > 0);
  assert_false(g.had_retry_after);
  assert_int_equal(cg_retry_classify(g.status, g.err), CG_OUTCOME_RETRY);
  env_done(&e);
}

static void test_reset_and_empty_reply(void **state)
{
  struct env e;
  env_init(&e, true);
  struct got r = {0};
  get(&e, "/reset", 0, &r);
  assert_int_equal(r.err, CG_EIO);
  assert_int_equal(r.status, 0);
  struct got c = {0};
  get(&e, "/close", 0, &c);
  assert_int_equal(c.err, CG_EIO);
  assert_int_equal(c.status, 0);
  assert_true(strlen(c.errmsg) > 0);
  /* The client is still usable afterwards. */
  struct got ok = {0};
  get(&e, "/echo", 0, &ok);
  assert_int_equal(ok.status, 200);
  env_done(&e);
}

struct hdrs_seen {
  int calls;
  bool interim, final, partial;
};

static void on_done_headers(const struct cg_http_result *res, void *arg)
{
  struct hdrs_seen *h = arg;
  h->calls++;
  h->interim = res->header(res, "X-Interim") != NULL;
  h->final = res->header(res, "X-Final") != NULL;
  h->partial = res->header(res, "X-Partial") != NULL;
}

static void test_interim_and_partial(void **state)
{
  struct env e;
  env_init(&e, true);
  struct hdrs_seen h = {0};
  struct cg_http_req req = {.method = "GET", .url = env_url(&e, "/interim")};
  assert_int_equal(cg_http_client_send(e.c, &req, on_done_headers, &h), 0);
  run_until(&e, &h.calls, 1, 5000);
  assert_true(h.final);
  assert_false(h.interim); /* only the final response's headers */
  /* Headers arrived, the body did not: a transport error, status 0. */
  struct got g = {0};
  get(&e, "/partial", 0, &g);
  assert_int_equal(g.err, CG_EIO);
  assert_int_equal(g.status, 0);
  assert_int_equal(g.body_len, 0);
  assert_false(g.had_retry_after);
  struct hdrs_seen p = {0};
  req.url = env_url(&e, "/partial");
  assert_int_equal(cg_http_client_send(e.c, &req, on_done_headers, &p), 0);
  run_until(&e, &p.calls, 1, 5000);
  assert_false(p.partial);
  env_done(&e);
}

static void test_timeout(void **state)
{
  struct env e;
  env_init(&e, true);
  struct got g = {0};
  int64_t t0 = cg_time_mono_ms();
  get(&e, "/hang", 300, &g);
  int64_t took = cg_time_mono_ms() - t0;
  assert_int_equal(g.err, CG_ETIMEDOUT);
  assert_int_equal(g.status, 0);
  assert_true(took >= 250 && took < 3000);
  env_done(&e);
}

static void test_concurrent_requests(void **state)
{
  enum { N = 60 };
  struct env e;
  env_init(&e, true);
  static struct got g[N];
  static char urls[N][128];
  memset(g, 0, sizeof(g));
  for (int i = 0; i < N; i++) {
    snprintf(urls[i], sizeof(urls[i]), "http://127.0.0.1:%d/echo/%d",
             e.peer->port, i);
    struct cg_http_req req = {.method = "GET", .url = urls[i]};
    assert_int_equal(send_req(&e, &req, &g[i]), 0);
  }
  assert_int_equal(cg_http_client_inflight(e.c), N);
  int64_t deadline = cg_time_mono_ms() + 10000;
  while (cg_http_client_inflight(e.c) > 0 && cg_time_mono_ms() < deadline)
    uv_run(&e.loop, UV_RUN_ONCE);
  for (int i = 0; i < N; i++) {
    char want[64];
    snprintf(want, sizeof(want), "GET /echo/%d", i);
    assert_int_equal(g[i].calls, 1);
    assert_int_equal(g[i].status, 200);
    assert_string_equal(g[i].body, want);
  }
  /* Capped at 8 connections per host (the default). */
  assert_true(peer_count(e.peer, &e.peer->accepts) <= 8);
  assert_int_equal(peer_count(e.peer, &e.peer->requests), N);
  /* Easy handles kept for reuse: 4 per connection, the rest freed. */
  assert_int_equal(cg_http_client_idle(e.c), 32);
  env_done(&e);
}

struct chain {
  struct env *e;
  int done;
  int want;
};

static void on_chain_done(const struct cg_http_result *res, void *arg)
{
  struct chain *ch = arg;
  assert_int_equal(res->status, 200);
  if (++ch->done < ch->want) {
    struct cg_http_req req = {.method = "GET", .url = env_url(ch->e, "/echo")};
    assert_int_equal(cg_http_client_send(ch->e->c, &req, on_chain_done, ch), 0);
  }
}

static void test_connection_reuse(void **state)
{
  struct env e;
  env_init(&e, true);
  struct chain ch = {.e = &e, .want = 6};
  struct cg_http_req req = {.method = "GET", .url = env_url(&e, "/echo")};
  assert_int_equal(cg_http_client_send(e.c, &req, on_chain_done, &ch), 0);
  run_until(&e, &ch.done, 6, 5000);
  assert_int_equal(peer_count(e.peer, &e.peer->requests), 6);
  assert_int_equal(peer_count(e.peer, &e.peer->accepts), 1);
  env_done(&e);
}

static bool head_has(struct peer *p, const char *what)
{
  pthread_mutex_lock(&p->mu);
  bool has = strstr(p->last_head, what) != NULL;
  pthread_mutex_unlock(&p->mu);
  return has;
}

/* One request at a time, so every one runs on the same reused easy
 * handle: nothing of a request (timeout, method, headers, body, error
 * text, response headers) may reach the next. */
static void test_reused_handle_forgets(void **state)
{
  struct env e;
  env_init(&e, true);
  struct got t = {0};
  get(&e, "/hang", 300, &t);
  assert_int_equal(t.err, CG_ETIMEDOUT);
  assert_int_equal(cg_http_client_idle(e.c), 1);
  char refused[64];
  snprintf(refused, sizeof(refused), "http://127.0.0.1:%d/x", tu_free_port());
  struct cg_http_req r = {.method = "GET", .url = refused};
  struct got f = {0};
  assert_int_equal(send_req(&e, &r, &f), 0);
  run_until(&e, &f.calls, 1, 5000);
  assert_int_equal(f.err, CG_EIO);
  assert_null(strcasestr(f.errmsg, "timed out")); /* not the old text */
  const char *hdrs[] = {"X-Test: first", "X-Only-First: yes", NULL};
  struct cg_http_req put = {.method = "PUT",
                            .url = env_url(&e, "/echo"),
                            .headers = hdrs,
                            .body = "first-body",
                            .body_len = 10};
  struct got p = {0};
  assert_int_equal(send_req(&e, &put, &p), 0);
  run_until(&e, &p.calls, 1, 5000);
  assert_string_equal(p.body, "first-body");
  assert_true(head_has(e.peer, "X-Only-First: yes"));
  struct got q = {0};
  get(&e, "/429", 0, &q); /* was PUT with a body and headers */
  assert_int_equal(q.status, 429);
  assert_string_equal(q.retry_after, "7");
  assert_false(head_has(e.peer, "X-Only-First"));
  assert_false(head_has(e.peer, "Content-Length"));
  assert_true(strncmp(e.peer->last_head, "GET /429 ", 9) == 0);
  struct cg_http_req post = {.method = "POST", .url = env_url(&e, "/echo")};
  struct got b = {0};
  assert_int_equal(send_req(&e, &post, &b), 0);
  run_until(&e, &b.calls, 1, 5000);
  assert_string_equal(b.body, "POST /echo"); /* not "first-body" */
  assert_string_equal(b.echo_method, "POST");
  assert_string_equal(b.seen, "");
  assert_false(b.had_retry_after); /* the 429's header is gone */
  struct got s = {0};
  get(&e, "/slow", 0, &s); /* the 300 ms timeout is gone too */
  assert_int_equal(s.err, 0);
  assert_string_equal(s.body, "slow");
  assert_int_equal(cg_http_client_idle(e.c), 1);
  env_done(&e);
}

static void test_close_cancels_inflight(void **state)
{
  struct env e;
  env_init(&e, true);
  struct got g[5] = {{0}};
  struct cg_http_req req = {.method = "GET", .url = env_url(&e, "/hang")};
  for (int i = 0; i < 5; i++)
    assert_int_equal(send_req(&e, &req, &g[i]), 0);
  int64_t until = cg_time_mono_ms() + 200;
  while (cg_time_mono_ms() < until)
    uv_run(&e.loop, UV_RUN_ONCE);
  assert_int_equal(peer_count(e.peer, &e.peer->requests), 5);
  cg_http_client_close(e.c, on_closed, &e.closed);
  /* Cancelled synchronously, each exactly once. */
  for (int i = 0; i < 5; i++) {
    assert_int_equal(g[i].calls, 1);
    assert_int_equal(g[i].err, CG_ECANCELED);
    assert_int_equal(g[i].status, 0);
  }
  /* Closing: sends are refused; the memory goes in close callbacks. */
  struct got late = {0};
  assert_int_equal(send_req(&e, &req, &late), CG_EINVAL);
  assert_false(e.closed);
  env_done(&e);
  assert_true(e.closed);
  assert_int_equal(late.calls, 0);
}

static void test_close_before_start(void **state)
{
  struct env e;
  env_init(&e, true);
  struct got g[3] = {{0}};
  struct cg_http_req req = {.method = "GET", .url = env_url(&e, "/echo")};
  for (int i = 0; i < 3; i++)
    assert_int_equal(send_req(&e, &req, &g[i]), 0);
  cg_http_client_close(e.c, on_closed, &e.closed);
  for (int i = 0; i < 3; i++) {
    assert_int_equal(g[i].calls, 1);
    assert_int_equal(g[i].err, CG_ECANCELED);
  }
  int64_t until = cg_time_mono_ms() + 100;
  while (cg_time_mono_ms() < until)
    uv_run(&e.loop, UV_RUN_ONCE);
  assert_true(e.closed);
  e.c = NULL; /* freed */
  assert_int_equal(peer_count(e.peer, &e.peer->requests), 0);
  env_done(&e);
}

static void on_done_then_close(const struct cg_http_result *res, void *arg)
{
  struct env *e = arg;
  assert_int_equal(res->status, 200);
  cg_http_client_close(e->c, on_closed, &e->closed);
  cg_http_client_close(e->c, NULL, NULL); /* second call: no-op */
}

static void test_close_from_done(void **state)
{
  struct env e;
  env_init(&e, true);
  struct got g[3] = {{0}};
  struct cg_http_req hang = {.method = "GET", .url = env_url(&e, "/hang")};
  for (int i = 0; i < 3; i++)
    assert_int_equal(send_req(&e, &hang, &g[i]), 0);
  struct cg_http_req echo = {.method = "GET", .url = env_url(&e, "/echo")};
  assert_int_equal(cg_http_client_send(e.c, &echo, on_done_then_close, &e), 0);
  int64_t deadline = cg_time_mono_ms() + 5000;
  while (!e.closed && cg_time_mono_ms() < deadline)
    uv_run(&e.loop, UV_RUN_ONCE);
  assert_true(e.closed);
  for (int i = 0; i < 3; i++) {
    assert_int_equal(g[i].calls, 1);
    assert_int_equal(g[i].err, CG_ECANCELED);
  }
  e.c = NULL; /* already closed and freed */
  env_done(&e);
}

static void test_send_refused(void **state)
{
  struct env e;
  env_init(&e, false);
  struct got g = {0};
  const char *evil[] = {"X-A: b\r\nX-Injected: 1", NULL};
  struct cg_http_req bad[] = {
      {.method = "GET", .url = NULL},
      {.method = NULL, .url = "http://127.0.0.1:1/"},
      {.method = "get", .url = "http://127.0.0.1:1/"},
      {.method = "GET", .url = "ftp://127.0.0.1/x"},
      {.method = "GET", .url = "file:///etc/passwd"},
      {.method = "POST", .url = "http://127.0.0.1:1/", .body_len = 3},
      {.method = "GET", .url = "http://127.0.0.1:1/", .headers = evil},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    assert_int_equal(send_req(&e, &bad[i], &g), CG_EINVAL);
  assert_int_equal(cg_http_client_send(e.c, &bad[0], NULL, NULL), CG_EINVAL);
  assert_int_equal(cg_http_client_send(NULL, &bad[0], on_done, &g), CG_EINVAL);
  assert_int_equal(cg_http_client_inflight(e.c), 0);
  uv_run(&e.loop, UV_RUN_NOWAIT);
  assert_int_equal(g.calls, 0);
  env_done(&e);
}

static void test_alloc_failures(void **state)
{
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  cg_mem_fail_after(0);
  assert_null(cg_http_client_create(&loop, NULL));
  cg_mem_fail_after(1);
  assert_null(cg_http_client_create(&loop, NULL));
  cg_mem_fail_after(-1);
  assert_int_equal(uv_loop_close(&loop), 0);

  struct env e;
  env_init(&e, true);
  const char *hdrs[] = {"X-Test: x", NULL};
  struct cg_http_req req = {.method = "POST",
                            .url = env_url(&e, "/echo"),
                            .headers = hdrs,
                            .body = "abc",
                            .body_len = 3};
  for (long n = 0; n < 12; n++) {
    struct got g = {0};
    cg_mem_fail_after(n);
    int rc = send_req(&e, &req, &g);
    cg_mem_fail_after(-1);
    assert_true(rc == 0 || rc == CG_ENOMEM);
    if (rc == 0)
      run_until(&e, &g.calls, 1, 5000);
    else
      assert_int_equal(g.calls, 0);
  }
  env_done(&e);
}

static void on_done_heal(const struct cg_http_result *res, void *arg)
{
  cg_mem_fail_after(-1);
  on_done(res, arg);
}

/* The socket callback's own allocation fails: that transfer fails with a
 * message, and the multi handle keeps working for every later one (a -1
 * from the callback would abort it for good). */
static void test_socket_callback_failure(void **state)
{
  struct env e;
  env_init(&e, true);
  struct cg_http_req req = {.method = "GET", .url = env_url(&e, "/echo")};
  struct got g = {0};
  assert_int_equal(cg_http_client_send(e.c, &req, on_done_heal, &g), 0);
  cg_mem_fail_after(0); /* the next allocation: the socket's context */
  run_until(&e, &g.calls, 1, 5000);
  cg_mem_fail_after(-1);
  assert_int_equal(g.err, CG_EIO);
  assert_string_equal(g.errmsg, "cannot watch the socket: out of memory");
  assert_int_equal(cg_http_client_inflight(e.c), 0);
  for (int i = 0; i < 3; i++) {
    struct got ok = {0};
    get(&e, "/echo", 5000, &ok);
    assert_int_equal(ok.err, 0);
    assert_int_equal(ok.status, 200);
  }
  env_done(&e);
}

struct capture {
  int lines;
  bool leaked;
  bool saw_outcome;
};

static void on_log_line(enum cg_log_level level, const char *line, void *arg)
{
  struct capture *cap = arg;
  cap->lines++;
  if (strstr(line, "s3cr3t") || strstr(line, "token=") ||
      strstr(line, "hunter2"))
    cap->leaked = true;
  if (strstr(line, "GET http://127.0.0.1:") && strstr(line, "/echo -> 200"))
    cap->saw_outcome = true;
}

static void test_no_secrets_logged(void **state)
{
  struct env e;
  env_init(&e, true);
  struct capture cap = {0};
  enum cg_log_level old = cg_log_get_level();
  cg_log_set_level(CG_LOG_DEBUG);
  cg_log_set_sink(on_log_line, &cap);
  const char *hdrs[] = {"Authorization: Bearer s3cr3t-abc", NULL};
  char url[160];
  snprintf(url, sizeof(url), "http://bot:hunter2@127.0.0.1:%d/echo?token=x",
           e.peer->port);
  struct cg_http_req req = {.method = "GET", .url = url, .headers = hdrs};
  struct got g = {0};
  assert_int_equal(send_req(&e, &req, &g), 0);
  run_until(&e, &g.calls, 1, 5000);
  struct got r = {0};
  req.url = env_url(&e, "/reset?token=y");
  assert_int_equal(send_req(&e, &req, &r), 0);
  run_until(&e, &r.calls, 1, 5000);
  cg_log_set_sink(NULL, NULL);
  cg_log_set_level(old);
  assert_int_equal(g.status, 200);
  assert_non_null(strstr(e.peer->last_head, "Authorization: Bearer s3cr3t"));
  assert_true(cap.lines >= 2);
  assert_true(cap.saw_outcome);
  assert_false(cap.leaked);
  env_done(&e);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_get_round_trip),
      cmocka_unit_test(test_post_put_with_body),
      cmocka_unit_test(test_large_body_no_expect),
      cmocka_unit_test(test_429_retry_after),
      cmocka_unit_test(test_connection_refused),
      cmocka_unit_test(test_reset_and_empty_reply),
      cmocka_unit_test(test_interim_and_partial),
      cmocka_unit_test(test_timeout),
      cmocka_unit_test(test_concurrent_requests),
      cmocka_unit_test(test_connection_reuse),
      cmocka_unit_test(test_reused_handle_forgets),
      cmocka_unit_test(test_close_cancels_inflight),
      cmocka_unit_test(test_close_before_start),
      cmocka_unit_test(test_close_from_done),
      cmocka_unit_test(test_send_refused),
      cmocka_unit_test(test_alloc_failures),
      cmocka_unit_test(test_socket_callback_failure),
      cmocka_unit_test(test_no_secrets_logged),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
