/*
 * http_fixture: a threaded cg_http_server harness and a raw-socket HTTP
 * client for tests (see http_fixture.h).
 */
#include "http_fixture.h"

#include "base/err.h"
#include "base/time.h"

#include <arpa/inet.h>
#include <errno.h>
#include <http_parser.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static void on_server_done(void *arg)
{
  struct hf_server *f = arg;
  if (f->on_closed != NULL)
    f->on_closed(f);
  atomic_store(&f->closed, 1);
}

static void on_stop_async(uv_async_t *a)
{
  struct hf_server *f = a->data;
  cg_http_server_close(f->srv, on_server_done, f);
  uv_close((uv_handle_t *)a, NULL);
}

static void *loop_main(void *arg)
{
  struct hf_server *f = arg;
  uv_run(&f->loop, UV_RUN_DEFAULT);
  return NULL;
}

int hf_start(struct hf_server *f, const struct cg_http_server_opts *opts,
             cg_http_handler_fn handler, void *arg)
{
  struct cg_err err = {0};
  if (uv_loop_init(&f->loop) != 0)
    return -1;
  f->srv = cg_http_server_create(&f->loop, opts, handler, arg);
  if (f->srv == NULL ||
      cg_http_server_listen(f->srv, "127.0.0.1:0", &err) != 0) {
    fprintf(stderr, "hf_start: %s\n", err.msg);
    return -1;
  }
  f->port = cg_http_server_port(f->srv);
  atomic_store(&f->closed, 0);
  f->stop.data = f;
  uv_async_init(&f->loop, &f->stop, on_stop_async);
  return pthread_create(&f->thread, NULL, loop_main, f) == 0 ? 0 : -1;
}

int hf_stop(struct hf_server *f)
{
  uv_async_send(&f->stop);
  pthread_join(f->thread, NULL);
  return uv_loop_close(&f->loop);
}

int hf_connect(int port)
{
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd == -1)
    return -1;
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  struct timeval tv = {.tv_sec = 5};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == -1) {
    close(fd);
    return -1;
  }
  return fd;
}

int hf_send(int fd, const char *s, size_t n)
{
  while (n > 0) {
    ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
    if (w == -1 && errno == EINTR)
      continue;
    if (w <= 0)
      return -1;
    s += w;
    n -= (size_t)w;
  }
  return 0;
}

int hf_send_str(int fd, const char *s)
{
  return hf_send(fd, s, strlen(s));
}

struct reader {
  struct hf_resp *out;
  int want;
  int done;
  char field[64];
  bool in_value;
};

static struct hf_resp *cur_resp(http_parser *p)
{
  struct reader *r = p->data;
  return r->done < r->want ? &r->out[r->done] : NULL;
}

static int cb_begin(http_parser *p)
{
  struct hf_resp *o = cur_resp(p);
  if (o != NULL)
    memset(o, 0, sizeof(*o));
  return 0;
}

static int cb_field(http_parser *p, const char *at, size_t len)
{
  struct reader *r = p->data;
  snprintf(r->field, sizeof(r->field), "%.*s", (int)len, at);
  return 0;
}

static int cb_value(http_parser *p, const char *at, size_t len)
{
  struct reader *r = p->data;
  struct hf_resp *o = cur_resp(p);
  if (o == NULL)
    return 0;
  if (strcasecmp(r->field, "Connection") == 0)
    snprintf(o->connection, sizeof(o->connection), "%.*s", (int)len, at);
  else if (strcasecmp(r->field, "Allow") == 0)
    snprintf(o->allow, sizeof(o->allow), "%.*s", (int)len, at);
  else if (strcasecmp(r->field, "Date") == 0)
    o->has_date = true;
  else if (strcasecmp(r->field, "Content-Length") == 0)
    o->has_length = true;
  return 0;
}

static int cb_body(http_parser *p, const char *at, size_t len)
{
  struct hf_resp *o = cur_resp(p);
  if (o == NULL)
    return 0;
  size_t room = sizeof(o->body) - 1;
  size_t off = o->body_len < room ? o->body_len : room;
  size_t n = len < room - off ? len : room - off;
  memcpy(o->body + off, at, n);
  o->body[off + n] = '\0';
  o->body_len += len;
  return 0;
}

static int cb_complete(http_parser *p)
{
  struct reader *r = p->data;
  struct hf_resp *o = cur_resp(p);
  if (o != NULL)
    o->status = (int)p->status_code;
  /* Stop at the last wanted response; later bytes are not counted. */
  if (++r->done == r->want)
    http_parser_pause(p, 1);
  return 0;
}

static const http_parser_settings reader_settings = {
    .on_message_begin = cb_begin,
    .on_header_field = cb_field,
    .on_header_value = cb_value,
    .on_body = cb_body,
    .on_message_complete = cb_complete,
};

/* Waits for input up to the deadline; returns recv's result or -2 on
 * timeout. */
static ssize_t recv_until(int fd, char *buf, size_t size, int64_t deadline)
{
  int64_t left = deadline - cg_time_mono_ms();
  if (left <= 0)
    return -2;
  struct pollfd pfd = {.fd = fd, .events = POLLIN};
  int rc = poll(&pfd, 1, (int)left);
  if (rc == 0)
    return -2;
  if (rc == -1)
    return -1;
  return recv(fd, buf, size, 0);
}

int hf_read(int fd, struct hf_resp *out, int n, int timeout_ms, bool *closed)
{
  struct reader r = {.out = out, .want = n};
  http_parser p;
  http_parser_init(&p, HTTP_RESPONSE);
  p.data = &r;
  int64_t deadline = cg_time_mono_ms() + timeout_ms;
  char buf[16384];
  if (closed != NULL)
    *closed = false;
  while (r.done < n) {
    ssize_t got = recv_until(fd, buf, sizeof(buf), deadline);
    if (got == -2)
      break;
    if (got <= 0) {
      http_parser_execute(&p, &reader_settings, buf, 0);
      if (closed != NULL)
        *closed = true;
      break;
    }
    http_parser_execute(&p, &reader_settings, buf, (size_t)got);
    enum http_errno e = HTTP_PARSER_ERRNO(&p);
    if (e != HPE_OK && e != HPE_PAUSED) {
      fprintf(stderr, "hf_read: bad response (%s): %.*s\n", http_errno_name(e),
              (int)got, buf);
      break;
    }
  }
  return r.done;
}

bool hf_wait_closed(int fd, int timeout_ms)
{
  int64_t deadline = cg_time_mono_ms() + timeout_ms;
  char buf[4096];
  for (;;) {
    ssize_t got = recv_until(fd, buf, sizeof(buf), deadline);
    if (got == -2)
      return false;
    if (got <= 0)
      return true;
  }
}
