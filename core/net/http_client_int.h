/*
 * http_client_int: what the two files of the HTTP client share. Not for
 * use outside core/net.
 *
 *   http_client.c  the multi handle on the libuv loop, create/close,
 *                  delivering results (see http_client.h)
 *   http_xfer.c    one request: its easy handle, options and buffers, and
 *                  the client's pool of idle ones
 *
 *   send -> cg__http_xfer_get (idle one, else curl_easy_init) -> multi
 *   done -> cg__http_xfer_put (curl_easy_reset, buffers emptied -> idle,
 *           or freed when the pool is full or the client closing)
 */
#ifndef CG_NET_HTTP_CLIENT_INT_H
#define CG_NET_HTTP_CLIENT_INT_H

#include "base/buf.h"
#include "net/http_client.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

/* Idle transfers kept per client: as many as the idle connections. */
#define CG__HTTP_IDLE_PER_HOST 4
/* A buffer larger than this is not kept for the next request. */
#define CG__HTTP_KEEP_BUF_MAX (1024u * 1024)
/* Buffer bytes all idle transfers of a client may keep together. */
#define CG__HTTP_KEEP_BYTES_MAX (4u * 1024 * 1024)

/* A circular doubly linked list with a sentinel head. */
struct cg__link {
  struct cg__link *next;
  struct cg__link *prev;
};

static inline void cg__link_init(struct cg__link *h)
{
  h->next = h->prev = h;
}

static inline void cg__link_push(struct cg__link *h, struct cg__link *n)
{
  n->next = h;
  n->prev = h->prev;
  h->prev->next = n;
  h->prev = n;
}

static inline void cg__link_remove(struct cg__link *n)
{
  n->prev->next = n->next;
  n->next->prev = n->prev;
  cg__link_init(n);
}

static inline bool cg__link_empty(const struct cg__link *h)
{
  return h->next == h;
}

/* One request in flight (CURLOPT_PRIVATE of its easy handle), or an idle
 * one in its client's pool, whose easy handle and buffer storage the next
 * request reuses. Nothing of a request survives in an idle one: the
 * handle is reset (every option, the private pointer, the error buffer)
 * and the buffers are emptied when it is put back. */
struct cg__http_xfer {
  struct cg_http_client *c;
  CURL *easy;
  struct cg_buf body;   /* our copy of the request body */
  struct cg_buf hdrs;   /* request header lines, each NUL-terminated */
  struct cg_buf hnodes; /* curl_slist nodes over hdrs (CURLOPT_HTTPHEADER) */
  struct cg_buf resp;   /* response body */
  struct cg_buf rhdr;   /* final response headers: "name\0value\0"... */
  bool too_large;       /* body or headers over the limit */
  cg_http_done_fn done;
  void *arg;
  int64_t started_ms;
  /* Set by cb_socket when it cannot watch this transfer's socket: the
   * transfer is failed with it after the current socket_action. */
  const char *sock_err;
  struct cg__link link; /* in c->xfers in flight, c->idle when idle */
  char errbuf[CURL_ERROR_SIZE];
};

struct cg_http_client {
  uv_loop_t *loop;
  CURLM *multi; /* NULL once closing */
  uv_timer_t timer;
  uv_idle_t kick; /* curl's "timeout 0": run on the next loop turn */
  struct cg__link xfers;
  struct cg__link socks;
  struct cg__link idle; /* transfers kept for reuse, most recent last */
  size_t inflight;
  size_t n_idle;
  size_t idle_max;
  size_t idle_bytes;     /* buffer capacity kept by the idle transfers */
  unsigned sock_failed;  /* transfers with sock_err set, to reap */
  unsigned open_handles; /* initialised, not yet closed-back */
  bool closing;
  long connect_timeout_ms;
  char *user_agent;
  void (*done_close)(void *arg);
  void *close_arg;
};

/* A transfer for req with every option set, not yet in the multi: an idle
 * one when there is one, else a new easy handle. 0, or CG_ENOMEM /
 * CG_EINVAL (a header holding CR or LF; an option curl refused). */
int cg__http_xfer_get(struct cg_http_client *c, const struct cg_http_req *req,
                      struct cg__http_xfer **out);
/* Takes back a transfer that is out of the multi and delivered (or never
 * started): reset and kept idle, or freed when the pool is full or the
 * client is closing. */
void cg__http_xfer_put(struct cg__http_xfer *x);
/* Frees every idle transfer (client close). */
void cg__http_xfer_drain(struct cg_http_client *c);
/* A response header of x by name (case-insensitive, first one), or
 * NULL. */
const char *cg__http_xfer_header(const struct cg__http_xfer *x,
                                 const char *name);

#endif
