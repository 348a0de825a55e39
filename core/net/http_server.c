/*
 * http_server: the listener side of the HTTP server (see http_server.h):
 * creation with defaults, bind/listen, accepting connections under the
 * connection cap, and the shutdown sequence.
 *
 *   cg_http_server_close
 *     -> close listener
 *     -> every connection: pending exchange answered 503 and flushed,
 *        idle or half-received ones closed at once
 *     -> last close callback -> done(arg) -> server freed
 *
 * Per-connection work lives in http_conn.c, requests and responses in
 * http_exchange.c. Everything runs on the loop thread.
 */
#include "net/http_server.h"

#include "base/err.h"
#include "base/log.h"
#include "base/mem.h"
#include "net/http_internal.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LISTEN_BACKLOG 511

static void apply_defaults(struct cg_http_server_opts *o)
{
  if (o->max_header_bytes == 0)
    o->max_header_bytes = 16 * 1024;
  if (o->max_body_bytes == 0)
    o->max_body_bytes = 8 * 1024 * 1024;
  if (o->idle_timeout_ms == 0)
    o->idle_timeout_ms = 30000;
  if (o->request_timeout_ms == 0)
    o->request_timeout_ms = 10000;
  if (o->max_connections == 0)
    o->max_connections = 1024;
  if (o->name == NULL)
    o->name = "http";
}

struct cg_http_server *
cg_http_server_create(uv_loop_t *loop, const struct cg_http_server_opts *opts,
                      cg_http_handler_fn handler, void *arg)
{
  assert(loop != NULL && handler != NULL);
  struct cg_http_server *srv = cg_calloc(1, sizeof(*srv));
  if (srv == NULL)
    return NULL;
  if (opts != NULL)
    srv->opts = *opts;
  apply_defaults(&srv->opts);
  srv->loop = loop;
  srv->handler = handler;
  srv->arg = arg;
  if (uv_tcp_init(loop, &srv->listener) != 0) {
    cg_free(srv);
    return NULL;
  }
  return srv;
}

/* Splits "host:port" or "[v6]:port" into a sockaddr. */
static int parse_addr(const char *addr, struct sockaddr_storage *ss)
{
  char host[128];
  const char *colon = strrchr(addr, ':');
  if (colon == NULL || colon == addr)
    return CG_EINVAL;
  size_t hlen = (size_t)(colon - addr);
  const char *h = addr;
  if (addr[0] == '[') {
    if (hlen < 2 || addr[hlen - 1] != ']')
      return CG_EINVAL;
    h = addr + 1;
    hlen -= 2;
  }
  if (hlen == 0 || hlen >= sizeof(host))
    return CG_EINVAL;
  memcpy(host, h, hlen);
  host[hlen] = '\0';
  char *end = NULL;
  long port = strtol(colon + 1, &end, 10);
  if (colon[1] == '\0' || *end != '\0' || port < 0 || port > 65535)
    return CG_EINVAL;
  if (addr[0] == '[')
    return uv_ip6_addr(host, (int)port, (struct sockaddr_in6 *)ss) == 0
               ? 0
               : CG_EINVAL;
  return uv_ip4_addr(host, (int)port, (struct sockaddr_in *)ss) == 0
             ? 0
             : CG_EINVAL;
}

static int bound_port(const uv_tcp_t *tcp)
{
  struct sockaddr_storage ss;
  int len = sizeof(ss);
  if (uv_tcp_getsockname(tcp, (struct sockaddr *)&ss, &len) != 0)
    return -1;
  if (ss.ss_family == AF_INET6)
    return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
  return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

static void on_listener_connection(uv_stream_t *stream, int status);

int cg_http_server_listen(struct cg_http_server *srv, const char *addr,
                          struct cg_err *err)
{
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof(ss));
  if (addr == NULL || parse_addr(addr, &ss) != 0)
    return cg_err_set(err, CG_EINVAL, "bad listen address '%s'",
                      addr ? addr : "(null)");
  int rc = uv_tcp_bind(&srv->listener, (const struct sockaddr *)&ss, 0);
  if (rc == 0)
    rc = uv_listen((uv_stream_t *)&srv->listener, LISTEN_BACKLOG,
                   on_listener_connection);
  if (rc != 0)
    return cg_err_set(err, CG_EIO, "cannot listen on %s: %s", addr,
                      uv_strerror(rc));
  srv->port = bound_port(&srv->listener);
  cg_log_info(srv->opts.name, "listening on %s (port %d)", addr, srv->port);
  return 0;
}

int cg_http_server_port(const struct cg_http_server *srv)
{
  return srv->port;
}

static void link_conn(struct cg_http_server *srv, struct cg__http_conn *c)
{
  c->next = srv->conns;
  if (srv->conns != NULL)
    srv->conns->prev = c;
  srv->conns = c;
  srv->nconns++;
}

static void on_listener_connection(uv_stream_t *stream, int status)
{
  struct cg_http_server *srv =
      CG_CONTAINER_OF(stream, struct cg_http_server, listener);
  if (status < 0) {
    cg_log_warn(srv->opts.name, "accept failed: %s; still listening",
                uv_strerror(status));
    return;
  }
  struct cg__http_conn *c = cg_calloc(1, sizeof(*c));
  if (c == NULL) {
    cg_log_error(srv->opts.name, "out of memory accepting a connection");
    return;
  }
  bool reject = srv->closing || srv->nconns >= srv->opts.max_connections;
  link_conn(srv, c);
  cg__http_conn_start(srv, c, reject);
}

static void maybe_finish(struct cg_http_server *srv)
{
  if (!srv->closing || !srv->listener_closed || srv->conns != NULL)
    return;
  cg_log_info(srv->opts.name, "closed");
  void (*done)(void *) = srv->done;
  void *done_arg = srv->done_arg;
  cg_free(srv);
  if (done != NULL)
    done(done_arg);
}

/* Called from the last close callback of a connection. */
void cg__http_server_conn_freed(struct cg_http_server *srv,
                                struct cg__http_conn *c)
{
  if (c->prev != NULL)
    c->prev->next = c->next;
  else
    srv->conns = c->next;
  if (c->next != NULL)
    c->next->prev = c->prev;
  c->prev = c->next = NULL;
  srv->nconns--;
  maybe_finish(srv);
}

static void on_listener_close(uv_handle_t *h)
{
  struct cg_http_server *srv =
      CG_CONTAINER_OF(h, struct cg_http_server, listener);
  srv->listener_closed = true;
  maybe_finish(srv);
}

void cg_http_server_close(struct cg_http_server *srv, void (*done)(void *arg),
                          void *arg)
{
  if (srv == NULL || srv->closing)
    return;
  srv->closing = true;
  srv->done = done;
  srv->done_arg = arg;
  cg_log_info(srv->opts.name, "closing: %u connection(s) open", srv->nconns);
  /* conn_shutdown never frees synchronously (uv_close is deferred), so
   * walking the list while shutting connections down is safe. */
  for (struct cg__http_conn *c = srv->conns; c != NULL; c = c->next)
    cg__http_conn_shutdown(c);
  uv_close((uv_handle_t *)&srv->listener, on_listener_close);
}
