/*
 * http_server: an HTTP/1.1 server on libuv + http-parser, shared by the
 * engine (webhooks, admin API) and the simulator.
 *
 *   accept -> read -> http-parser -> cg_http_exchange -> router handler
 *                                                          |
 *   write <- serialize <- cg_http_respond (now or later) <-+
 *
 * Keep-alive and pipelining: requests on one connection are answered in
 * order; the next pipelined request is dispatched only after the previous
 * one was answered, so handlers may answer asynchronously (after a timer,
 * after an outgoing call) without reordering. Limits: header block size
 * (431), body size (413), idle and slow-request timeouts (408 or close),
 * connection cap. Malformed input gets 400 and a close. Runs only on the
 * loop thread.
 */
#ifndef CG_NET_HTTP_SERVER_H
#define CG_NET_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

struct cg_err;
struct cg_http_server;
struct cg_http_exchange;
struct cg_router;

struct cg_http_header {
  char *name;  /* as received */
  char *value; /* trimmed */
};

/* A fully received request; valid until the exchange is answered. */
struct cg_http_request {
  const char *method; /* "GET", "POST", ... */
  const char *url;    /* raw request target, e.g. "/a/b?x=1" */
  const char *path;   /* target without query, percent-decoded */
  const char *query;  /* raw query string without '?', or "" */
  const struct cg_http_header *headers;
  size_t nheaders;
  const char *body; /* NUL-terminated for convenience; may hold NULs */
  size_t body_len;
  const char *peer; /* "127.0.0.1:54321" */
};

/* Called once per request on the loop thread. The handler must eventually
 * call cg_http_respond (or cg_http_exchange_reset) exactly once, now or
 * later. If the client goes away first, the exchange stays valid until
 * then and the response is discarded. */
typedef void (*cg_http_handler_fn)(struct cg_http_exchange *ex, void *arg);

struct cg_http_server_opts {
  size_t max_header_bytes;     /* default 16 KiB -> 431 */
  size_t max_body_bytes;       /* default 8 MiB -> 413 */
  unsigned idle_timeout_ms;    /* keep-alive idle; default 30000 */
  unsigned request_timeout_ms; /* whole request must arrive; default 10000 */
  unsigned max_connections;    /* default 1024; extra are closed at once */
  const char *name;            /* log component, default "http" */
  /* Optional observer, called once per answered exchange (also for the
   * server's own 4xx/5xx and for resets, with status 0) just before the
   * response is written: call logs and metrics. */
  void (*on_response)(const struct cg_http_exchange *ex, int status, void *arg);
  void *observer_arg;
};

/* Creates a server on loop. handler (usually cg_router_dispatch with a
 * router) receives every request. Returns NULL on allocation failure. */
struct cg_http_server *
cg_http_server_create(uv_loop_t *loop, const struct cg_http_server_opts *opts,
                      cg_http_handler_fn handler, void *arg);
/* Binds and listens on "host:port" (IPv4 or [IPv6]); port 0 picks one.
 * Returns 0 or a negative CG_E* with err filled. */
int cg_http_server_listen(struct cg_http_server *srv, const char *addr,
                          struct cg_err *err);
/* The bound port (after listen). */
int cg_http_server_port(const struct cg_http_server *srv);
/* Stops accepting, closes idle connections, lets answered ones flush, then
 * closes everything; done (may be NULL) fires once all handles are closed.
 * Pending exchanges are answered 503 by the server. The server memory is
 * freed after done has fired. Safe to call once. */
void cg_http_server_close(struct cg_http_server *srv, void (*done)(void *arg),
                          void *arg);

/* --- exchange ------------------------------------------------------------ */

const struct cg_http_request *
cg_http_exchange_request(const struct cg_http_exchange *ex);
/* Header value by name (case-insensitive), or NULL. */
const char *cg_http_exchange_header(const struct cg_http_exchange *ex,
                                    const char *name);
/* Router path parameter ("{ref}" in the pattern), or NULL. */
const char *cg_http_exchange_param(const struct cg_http_exchange *ex,
                                   const char *name);
/* Decoded query parameter copied into out (truncated to size); returns
 * true if present. */
bool cg_http_exchange_query(const struct cg_http_exchange *ex, const char *name,
                            char *out, size_t size);
/* True once the client has disconnected (the answer will be dropped). */
bool cg_http_exchange_gone(const struct cg_http_exchange *ex);

/* Adds a response header before cg_http_respond. Content-Length,
 * Connection and Date are set by the server. Returns 0 or CG_ENOMEM. */
int cg_http_add_header(struct cg_http_exchange *ex, const char *name,
                       const char *value);
/* Sends the response (body copied) and ends the exchange; ex is invalid
 * afterwards. content_type may be NULL when body_len is 0. */
void cg_http_respond(struct cg_http_exchange *ex, int status,
                     const char *content_type, const char *body,
                     size_t body_len);
/* Convenience: JSON body text (NUL-terminated). */
void cg_http_respond_json(struct cg_http_exchange *ex, int status,
                          const char *json);
/* Ends the exchange by resetting the TCP connection (RST), for fault
 * injection. ex is invalid afterwards. */
void cg_http_exchange_reset(struct cg_http_exchange *ex);

/* Per-exchange user slot, e.g. for a handler that answers later. */
void cg_http_exchange_set_data(struct cg_http_exchange *ex, void *data);
void *cg_http_exchange_data(const struct cg_http_exchange *ex);

#endif
