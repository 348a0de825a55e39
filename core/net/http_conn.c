/*
 * http_conn: one accepted TCP connection of the HTTP server: reading,
 * http-parser callbacks, pipelining, timers and closing.
 *
 *   on_conn_read -> in (buffer) -> conn_process -> http_parser_execute
 *        -> cb_* build conn->cur -> cb_message_complete pauses the parser
 *        -> dispatch: cur becomes active, handler runs
 *   cg_http_respond -> cg__http_conn_answered -> conn_process (next one)
 *
 * Only one exchange per connection is dispatched at a time; bytes that
 * arrive meanwhile wait in conn->in (reading pauses above a cap), so
 * responses leave in request order whatever the handlers do.
 *
 * Timer modes: IDLE (keep-alive, close silently), REQUEST (started at the
 * first byte of a request: 408 and close), LINGER (after the final
 * response: wait for the peer's FIN, then close). No timer runs while a
 * handler owns the exchange.
 */
#include "base/err.h"
#include "base/log.h"
#include "base/mem.h"
#include "net/http_internal.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Body bytes reserved at once from a Content-Length (larger bodies grow
 * as they arrive). */
#define BODY_PRESIZE_MAX (64u * 1024)

struct write_req {
  uv_write_t req;
  struct cg__http_conn *conn;
  struct cg_buf data;
};

static void conn_process(struct cg__http_conn *c);
static void conn_arm(struct cg__http_conn *c);
static void conn_finish(struct cg__http_conn *c);

/* --- parser callbacks ---------------------------------------------------- */

static int fail_cb(struct cg__http_conn *c, int status)
{
  c->err_status = status;
  return -1;
}

static int count_header_bytes(struct cg__http_conn *c, size_t n, int status)
{
  c->header_bytes += n;
  if (c->header_bytes > c->srv->opts.max_header_bytes)
    return fail_cb(c, status);
  return 0;
}

static int cb_message_begin(http_parser *p)
{
  struct cg__http_conn *c = p->data;
  c->header_bytes = 0;
  if (c->cur == NULL)
    c->cur = cg__http_exchange_create(c);
  return c->cur == NULL ? fail_cb(c, 503) : 0;
}

static int cb_url(http_parser *p, const char *at, size_t len)
{
  struct cg__http_conn *c = p->data;
  /* The request line's method, spaces, version and CRLF count too. */
  size_t extra = c->cur->url.len == 0 ? 16 : 0;
  if (count_header_bytes(c, len + extra, 414) != 0)
    return -1;
  if (cg_buf_append(&c->cur->url, at, len) != 0)
    return fail_cb(c, 503);
  return 0;
}

static int cb_header_field(http_parser *p, const char *at, size_t len)
{
  struct cg__http_conn *c = p->data;
  bool starts = c->cur->in_value || c->cur->hfield.len == 0;
  if (count_header_bytes(c, len + (starts ? 4 : 0), 431) != 0)
    return -1;
  int rc = cg__http_exchange_push_header(c->cur);
  if (rc == CG_ELIMIT)
    return fail_cb(c, 431);
  if (rc != 0 || cg_buf_append(&c->cur->hfield, at, len) != 0)
    return fail_cb(c, 503);
  return 0;
}

static int cb_header_value(http_parser *p, const char *at, size_t len)
{
  struct cg__http_conn *c = p->data;
  if (count_header_bytes(c, len, 431) != 0)
    return -1;
  c->cur->in_value = true;
  if (cg_buf_append(&c->cur->hvalue, at, len) != 0)
    return fail_cb(c, 503);
  return 0;
}

static const char *find_header(const struct cg_http_exchange *ex,
                               const char *name)
{
  for (size_t i = 0; i < ex->nheaders; i++)
    if (strcasecmp(ex->headers[i].name, name) == 0)
      return ex->headers[i].value;
  return NULL;
}

/* "Expect: 100-continue": tell the client to send the body now (the body
 * cap was already checked against Content-Length); other expectations
 * cannot be met. */
static int handle_expect(struct cg__http_conn *c, http_parser *p)
{
  const char *expect = find_header(c->cur, "Expect");
  if (expect == NULL || p->http_minor == 0)
    return 0;
  if (strcasecmp(expect, "100-continue") != 0)
    return fail_cb(c, 417);
  struct cg_buf b = CG_BUF_INIT;
  int rc = cg_buf_puts(&b, "HTTP/1.1 100 Continue\r\n\r\n");
  if (rc == 0)
    rc = cg__http_conn_write(c, &b);
  cg_buf_free(&b);
  return rc == 0 ? 0 : fail_cb(c, 503);
}

static int cb_headers_complete(http_parser *p)
{
  struct cg__http_conn *c = p->data;
  struct cg_http_exchange *ex = c->cur;
  int rc = cg__http_exchange_push_header(ex);
  if (rc != 0)
    return fail_cb(c, rc == CG_ELIMIT ? 431 : 503);
  ex->req.method = http_method_str((enum http_method)p->method);
  if (p->http_major == 0)
    return fail_cb(c, 400); /* "GET /path" without a version */
  if (p->http_major != 1)
    return fail_cb(c, 505);
  if (cg__http_exchange_parse_target(ex) != 0)
    return fail_cb(c, 400);
  if ((p->flags & F_CONTENTLENGTH) &&
      p->content_length > c->srv->opts.max_body_bytes)
    return fail_cb(c, 413);
  /* Room for the announced body at once (not grown by doubling), up to a
   * bound: a header alone must not make us allocate max_body_bytes. */
  if ((p->flags & F_CONTENTLENGTH) && p->content_length > 0 &&
      cg_buf_reserve(&ex->body, p->content_length < BODY_PRESIZE_MAX
                                    ? (size_t)p->content_length
                                    : BODY_PRESIZE_MAX) != 0)
    return fail_cb(c, 503);
  ex->keep_alive = http_should_keep_alive(p) != 0 && !p->upgrade;
  ex->head = p->method == HTTP_HEAD;
  return handle_expect(c, p);
}

static int cb_body(http_parser *p, const char *at, size_t len)
{
  struct cg__http_conn *c = p->data;
  struct cg_buf *body = &c->cur->body;
  if (body->len + len > c->srv->opts.max_body_bytes)
    return fail_cb(c, 413);
  if (cg_buf_append(body, at, len) != 0)
    return fail_cb(c, 503);
  return 0;
}

/* Stops the parser after each request so the next pipelined one waits. */
static int cb_message_complete(http_parser *p)
{
  http_parser_pause(p, 1);
  return 0;
}

static const http_parser_settings parser_settings = {
    .on_message_begin = cb_message_begin,
    .on_url = cb_url,
    .on_header_field = cb_header_field,
    .on_header_value = cb_header_value,
    .on_headers_complete = cb_headers_complete,
    .on_body = cb_body,
    .on_message_complete = cb_message_complete,
};

/* --- processing ---------------------------------------------------------- */

/* Answers a request the server refuses (400, 408, 413, 431, ...) and
 * closes the connection once the answer is flushed. */
static void fail_request(struct cg__http_conn *c, int status)
{
  struct cg_http_exchange *ex = c->cur;
  c->cur = NULL;
  if (ex == NULL)
    ex = cg__http_exchange_create(c);
  if (ex == NULL) {
    cg__http_conn_close_now(c);
    return;
  }
  cg_log_debug(c->srv->opts.name, "answering %d to %s (%s), closing", status,
               c->peer, http_errno_name(HTTP_PARSER_ERRNO(&c->parser)));
  cg__http_exchange_seal(ex, NULL);
  const char *reason = cg__http_reason(status);
  int rc = cg__http_exchange_send(c, ex, status, "text/plain", reason,
                                  strlen(reason), false);
  cg__http_exchange_free(ex);
  if (rc != 0)
    cg__http_conn_close_now(c);
  else
    conn_finish(c);
}

static void dispatch(struct cg__http_conn *c)
{
  struct cg_http_exchange *ex = c->cur;
  c->cur = NULL;
  c->active = ex;
  cg__http_exchange_seal(ex, NULL);
  if (c->parser.upgrade)
    ex->keep_alive = false;
  c->srv->handler(ex, c->srv->arg);
}

static bool can_dispatch(struct cg__http_conn *c)
{
  return c->state == CG__CONN_OPEN && c->active == NULL && c->in.len > 0 &&
         uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) <
             CG__HTTP_WRITE_CAP;
}

/* Parses buffered input until a request is dispatched and not yet
 * answered, the input runs out, too much output is queued, or the
 * connection stops being open. Handlers that answer inline re-enter
 * through cg__http_conn_answered; the processing flag stops recursion. */
static void conn_process(struct cg__http_conn *c)
{
  if (c->processing)
    return;
  c->processing = true;
  while (can_dispatch(c)) {
    size_t n = http_parser_execute(&c->parser, &parser_settings, c->in.data,
                                   c->in.len);
    enum http_errno e = HTTP_PARSER_ERRNO(&c->parser);
    if (e != HPE_OK && e != HPE_PAUSED) {
      int status = c->err_status ? c->err_status : 400;
      if (e == HPE_HEADER_OVERFLOW)
        status = 431;
      fail_request(c, status);
      break;
    }
    cg_buf_consume(&c->in, n);
    if (e == HPE_PAUSED) {
      http_parser_pause(&c->parser, 0);
      dispatch(c);
    }
  }
  c->processing = false;
  conn_arm(c);
}

void cg__http_conn_answered(struct cg__http_conn *c, bool keep_alive)
{
  c->active = NULL;
  if (c->state != CG__CONN_OPEN)
    return;
  if (!keep_alive || c->peer_eof)
    conn_finish(c);
  else
    conn_process(c);
}

/* --- timers and reading -------------------------------------------------- */

static void on_conn_timer(uv_timer_t *t);

static void set_timer(struct cg__http_conn *c, enum cg__http_timer_mode mode,
                      unsigned ms, bool restart)
{
  if (c->timer_mode == mode && !restart)
    return;
  c->timer_mode = mode;
  if (mode == CG__TIMER_NONE)
    uv_timer_stop(&c->timer);
  else
    uv_timer_start(&c->timer, on_conn_timer, ms, 0);
}

static void on_conn_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
  struct cg__http_conn *c = CG_CONTAINER_OF(h, struct cg__http_conn, tcp);
  buf->base = c->srv->readbuf;
  buf->len = sizeof(c->srv->readbuf);
}

static void on_conn_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);

static void set_reading(struct cg__http_conn *c, bool on)
{
  if (on == c->reading || c->peer_eof)
    return;
  c->reading = on;
  if (on)
    uv_read_start((uv_stream_t *)&c->tcp, on_conn_alloc, on_conn_read);
  else
    uv_read_stop((uv_stream_t *)&c->tcp);
}

/* Picks the timer and read state that fit where the connection is. */
static void conn_arm(struct cg__http_conn *c)
{
  if (c->state != CG__CONN_OPEN)
    return;
  const struct cg_http_server_opts *o = &c->srv->opts;
  if (c->active != NULL)
    set_timer(c, CG__TIMER_NONE, 0, false);
  else if (c->cur != NULL || c->in.len > 0)
    set_timer(c, CG__TIMER_REQUEST, o->request_timeout_ms, false);
  else
    set_timer(c, CG__TIMER_IDLE, o->idle_timeout_ms, true);
  set_reading(c, c->in.len < CG__HTTP_INBUF_CAP);
}

static void on_conn_timer(uv_timer_t *t)
{
  struct cg__http_conn *c = CG_CONTAINER_OF(t, struct cg__http_conn, timer);
  enum cg__http_timer_mode mode = c->timer_mode;
  c->timer_mode = CG__TIMER_NONE;
  if (mode == CG__TIMER_REQUEST && c->state == CG__CONN_OPEN) {
    cg_log_debug(c->srv->opts.name, "request from %s timed out", c->peer);
    fail_request(c, 408);
  } else {
    cg__http_conn_close_now(c);
  }
}

/* The peer closed its side (EOF) or the socket failed. A dispatched
 * exchange then counts as gone; answers already queued are still flushed
 * after an EOF (the shutdown callback closes once they are written). */
static void on_read_end(struct cg__http_conn *c, ssize_t nread)
{
  c->peer_eof = true;
  c->reading = false;
  if (nread != UV_EOF || c->active != NULL || c->writes == 0) {
    cg__http_conn_close_now(c);
    return;
  }
  conn_finish(c); /* a no-op when already lingering */
}

static void on_conn_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
  struct cg__http_conn *c = CG_CONTAINER_OF(s, struct cg__http_conn, tcp);
  if (nread < 0) {
    on_read_end(c, nread);
    return;
  }
  if (nread == 0 || c->state != CG__CONN_OPEN)
    return; /* lingering: input is discarded */
  if (cg_buf_append(&c->in, buf->base, (size_t)nread) != 0) {
    cg_log_error(c->srv->opts.name, "out of memory reading from %s; closing",
                 c->peer);
    cg__http_conn_close_now(c);
    return;
  }
  conn_process(c);
}

/* --- writing ------------------------------------------------------------- */

static void on_conn_write(uv_write_t *req, int status)
{
  struct write_req *w = CG_CONTAINER_OF(req, struct write_req, req);
  struct cg__http_conn *c = w->conn;
  c->writes--;
  cg_buf_free(&w->data);
  cg_free(w);
  if (status < 0 && c->state != CG__CONN_CLOSED) {
    cg_log_debug(c->srv->opts.name, "write to %s failed: %s; closing", c->peer,
                 uv_strerror(status));
    cg__http_conn_close_now(c);
  } else if (can_dispatch(c)) {
    conn_process(c); /* output drained below the cap */
  } else if (c->state == CG__CONN_OPEN && c->writes == 0 &&
             c->timer_mode == CG__TIMER_IDLE) {
    /* Idle time counts from the end of the last answer, not its start. */
    set_timer(c, CG__TIMER_IDLE, c->srv->opts.idle_timeout_ms, true);
  }
}

int cg__http_conn_write(struct cg__http_conn *c, struct cg_buf *data)
{
  struct write_req *w = cg_calloc(1, sizeof(*w));
  if (w == NULL)
    return CG_ENOMEM;
  w->conn = c;
  w->data = *data;
  *data = (struct cg_buf)CG_BUF_INIT;
  uv_buf_t b = uv_buf_init(w->data.data, (unsigned)w->data.len);
  int rc = uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_conn_write);
  if (rc != 0) {
    cg_buf_free(&w->data);
    cg_free(w);
    return CG_EIO;
  }
  c->writes++;
  return 0;
}

/* --- closing ------------------------------------------------------------- */

static void conn_handle_closed(struct cg__http_conn *c)
{
  if (--c->open_handles > 0)
    return;
  struct cg_http_server *srv = c->srv;
  cg_buf_free(&c->in);
  cg__http_server_conn_freed(srv, c);
  cg_free(c);
}

static void on_tcp_close(uv_handle_t *h)
{
  conn_handle_closed(CG_CONTAINER_OF(h, struct cg__http_conn, tcp));
}

static void on_timer_close(uv_handle_t *h)
{
  conn_handle_closed(CG_CONTAINER_OF(h, struct cg__http_conn, timer));
}

/* Frees the half-parsed request and detaches the dispatched one, which
 * stays valid (gone) until its handler answers. */
static void detach_exchanges(struct cg__http_conn *c)
{
  cg__http_exchange_free(c->cur);
  c->cur = NULL;
  struct cg_http_exchange *ex = c->active;
  c->active = NULL;
  if (ex == NULL)
    return;
  cg_log_debug(c->srv->opts.name, "%s went away before %s %s was answered",
               c->peer, ex->req.method, ex->req.url);
  cg__http_notify(c->srv, ex, 0);
  ex->conn = NULL;
  ex->gone = true;
}

static void conn_mark_closed(struct cg__http_conn *c)
{
  c->state = CG__CONN_CLOSED;
  detach_exchanges(c);
  if (c->reading)
    uv_read_stop((uv_stream_t *)&c->tcp);
  c->reading = false;
  uv_close((uv_handle_t *)&c->timer, on_timer_close);
}

void cg__http_conn_close_now(struct cg__http_conn *c)
{
  if (c->state == CG__CONN_CLOSED)
    return;
  conn_mark_closed(c);
  uv_close((uv_handle_t *)&c->tcp, on_tcp_close);
}

void cg__http_conn_reset(struct cg__http_conn *c)
{
  if (c->state == CG__CONN_CLOSED)
    return;
  conn_mark_closed(c);
  if (uv_tcp_close_reset(&c->tcp, on_tcp_close) != 0)
    uv_close((uv_handle_t *)&c->tcp, on_tcp_close);
}

/* Everything queued was written and our FIN sent: now wait briefly for
 * the peer's FIN. */
static void on_conn_shutdown(uv_shutdown_t *req, int status)
{
  struct cg__http_conn *c =
      CG_CONTAINER_OF(req, struct cg__http_conn, shutdown_req);
  if (c->state == CG__CONN_CLOSED)
    return;
  if (status < 0 || c->peer_eof)
    cg__http_conn_close_now(c);
  else
    set_timer(c, CG__TIMER_LINGER, CG__HTTP_LINGER_MS, true);
}

/* Graceful close: flush what was queued (bounded by the idle timeout, so
 * a large final answer to a slow reader is not cut short), send FIN, then
 * linger: discard input until the peer's FIN or CG__HTTP_LINGER_MS. */
static void conn_finish(struct cg__http_conn *c)
{
  if (c->state != CG__CONN_OPEN)
    return;
  assert(c->active == NULL);
  c->state = CG__CONN_LINGER;
  cg__http_exchange_free(c->cur);
  c->cur = NULL;
  if (uv_shutdown(&c->shutdown_req, (uv_stream_t *)&c->tcp, on_conn_shutdown) !=
      0) {
    cg__http_conn_close_now(c);
    return;
  }
  set_reading(c, true);
  set_timer(c, CG__TIMER_LINGER, c->srv->opts.idle_timeout_ms, true);
}

void cg__http_conn_shutdown(struct cg__http_conn *c)
{
  if (c->state != CG__CONN_OPEN)
    return;
  struct cg_http_exchange *ex = c->active;
  if (ex == NULL) {
    if (c->writes > 0)
      conn_finish(c);
    else
      cg__http_conn_close_now(c);
    return;
  }
  const char *msg = "server shutting down";
  int rc =
      cg__http_exchange_send(c, ex, 503, "text/plain", msg, strlen(msg), false);
  c->active = NULL;
  ex->conn = NULL;
  ex->gone = true;
  if (rc != 0)
    cg__http_conn_close_now(c);
  else
    conn_finish(c);
}

/* --- start --------------------------------------------------------------- */

static void peer_name(struct cg__http_conn *c)
{
  struct sockaddr_storage ss;
  int len = sizeof(ss);
  char host[INET6_ADDRSTRLEN] = "?";
  snprintf(c->peer, sizeof(c->peer), "?");
  if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) != 0)
    return;
  if (ss.ss_family == AF_INET6) {
    const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;
    uv_ip6_name(a, host, sizeof(host));
    snprintf(c->peer, sizeof(c->peer), "[%s]:%d", host, ntohs(a->sin6_port));
  } else {
    const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;
    uv_ip4_name(a, host, sizeof(host));
    snprintf(c->peer, sizeof(c->peer), "%s:%d", host, ntohs(a->sin_port));
  }
}

void cg__http_conn_start(struct cg_http_server *srv, struct cg__http_conn *c,
                         bool reject)
{
  c->srv = srv;
  uv_tcp_init(srv->loop, &c->tcp);
  uv_timer_init(srv->loop, &c->timer);
  c->open_handles = 2;
  int rc = uv_accept((uv_stream_t *)&srv->listener, (uv_stream_t *)&c->tcp);
  if (rc != 0 || reject) {
    if (reject && !srv->closing)
      cg_log_warn(srv->opts.name,
                  "connection cap of %u reached; closing "
                  "new connections until some end",
                  srv->opts.max_connections);
    cg__http_conn_close_now(c);
    return;
  }
  uv_tcp_nodelay(&c->tcp, 1);
  peer_name(c);
  http_parser_init(&c->parser, HTTP_REQUEST);
  c->parser.data = c;
  conn_arm(c);
}
