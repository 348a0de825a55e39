/*
 * http_client: asynchronous HTTP requests through libcurl multi, driven by
 * the libuv loop (socket and timer callbacks, as curl's multi-uv.c, with
 * the libuv 1.44 zero-timeout pitfall avoided: STYLE.md §8).
 *
 *   cg_http_client_send -> curl easy handle -> multi -> uv_poll/uv_timer
 *                                                           |
 *   done(result) <- check_multi_info <- curl_multi_socket_action
 *
 * One attempt per send: the caller (outbox delivery) owns retries and
 * uses net/retry.h to classify the result. Connections are reused and
 * capped per host. Runs only on the loop thread.
 */
#ifndef CG_NET_HTTP_CLIENT_H
#define CG_NET_HTTP_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

struct cg_http_client;

struct cg_http_client_opts {
  long max_host_connections; /* default 8 */
  long connect_timeout_ms;   /* default 5000 */
  const char *user_agent;    /* default "centra-gxo/<version>" */
};

struct cg_http_req {
  const char *method; /* "GET", "POST", "PUT" */
  const char *url;
  const char *const *headers; /* NULL-terminated "Name: value", or NULL */
  const char *body;           /* copied at send; may be NULL */
  size_t body_len;
  long timeout_ms; /* whole request; default 30000 when 0 */
};

struct cg_http_result {
  int err;            /* 0, or CG_ETIMEDOUT / CG_EIO / CG_ECANCELED */
  const char *errmsg; /* transport error text, or "" */
  long status;        /* HTTP status, 0 on transport error */
  const char *body;   /* NUL-terminated; valid during the callback */
  size_t body_len;
  /* Value of the Retry-After header if present, else NULL. */
  const char *retry_after;
  /* Any response header by name (case-insensitive), valid during the
   * callback; NULL if absent. */
  const char *(*header)(const struct cg_http_result *res, const char *name);
  void *priv_; /* internal */
};

typedef void (*cg_http_done_fn)(const struct cg_http_result *res, void *arg);

struct cg_http_client *
cg_http_client_create(uv_loop_t *loop, const struct cg_http_client_opts *opts);
/* Cancels in-flight requests (done fires with CG_ECANCELED, synchronously),
 * cleans up curl, closes handles; done_close (may be NULL) fires once the
 * client's libuv handles are closed and its memory freed. */
void cg_http_client_close(struct cg_http_client *c,
                          void (*done_close)(void *arg), void *arg);
/* Starts a request; done fires exactly once, never before this returns.
 * Returns 0, or CG_ENOMEM / CG_EINVAL (done does not fire). */
int cg_http_client_send(struct cg_http_client *c, const struct cg_http_req *req,
                        cg_http_done_fn done, void *arg);
/* Requests in flight. */
size_t cg_http_client_inflight(const struct cg_http_client *c);
/* Easy handles kept idle for the next requests (at most 4 per allowed
 * host connection); freed by close. */
size_t cg_http_client_idle(const struct cg_http_client *c);
/* Added: runs curl_global_init once per process (pthread_once) and
 * returns 0 or CG_EIO; later calls return the first result. create calls
 * it itself; main() may call it first, before starting any thread, to
 * make the one-time init explicit. Never cleaned up (process lifetime). */
int cg_http_global_init(void);

#endif
