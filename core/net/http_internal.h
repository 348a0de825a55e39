/*
 * http_internal: the structures shared by the http_server modules
 * (http_server.c: listener and shutdown; http_conn.c: one TCP connection,
 * parsing, timers; http_exchange.c: one request/response pair) and the
 * router. Not for use outside core/net.
 *
 *   cg_http_server --list--> cg__http_conn --cur----> exchange being parsed
 *                                          --active-> exchange dispatched
 *
 * An exchange keeps a back-pointer to its connection; the connection
 * clears it (and sets gone) when it closes first, so a handler that
 * answers later never touches freed memory.
 */
#ifndef CG_NET_HTTP_INTERNAL_H
#define CG_NET_HTTP_INTERNAL_H

#include "base/buf.h"
#include "net/http_server.h"

#include <http_parser.h>
#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#define CG_CONTAINER_OF(ptr, type, member)                                     \
  ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

/* Bytes received but not yet parsed above which reading pauses. */
#define CG__HTTP_INBUF_CAP (256 * 1024)
/* How long a closing connection waits for the peer's FIN after our last
 * response, so that unread input does not turn our close into a RST that
 * destroys the response in flight. */
#define CG__HTTP_LINGER_MS 1000
/* Bytes queued for writing above which pipelined requests wait: a client
 * that sends but does not read cannot make the server buffer without
 * bound. */
#define CG__HTTP_WRITE_CAP (1024 * 1024)
#define CG__HTTP_MAX_HEADERS 128
#define CG__HTTP_PEER_MAX 64

struct cg__http_conn;

struct cg_http_exchange {
  struct cg__http_conn *conn; /* NULL once detached (gone) */
  struct cg_http_request req; /* pointers into the fields below */
  struct cg_buf url;
  char *raw_path;                 /* path without query, not decoded */
  char *path;                     /* decoded */
  char *query;                    /* raw, without '?' */
  struct cg_http_header *headers; /* name and value in one allocation */
  size_t nheaders;
  size_t cap_headers;
  struct cg_buf hfield; /* header being received */
  struct cg_buf hvalue;
  bool in_value;
  struct cg_buf body;
  struct cg_http_header *params; /* router parameters, as headers */
  size_t nparams;
  size_t cap_params;
  struct cg_buf resp_headers; /* "Name: value\r\n" lines */
  void *data;
  bool keep_alive;
  bool head;
  bool gone;
  char peer[CG__HTTP_PEER_MAX];
};

enum cg__http_timer_mode {
  CG__TIMER_NONE = 0,
  CG__TIMER_IDLE,    /* keep-alive, waiting for a request */
  CG__TIMER_REQUEST, /* a request has started arriving */
  CG__TIMER_LINGER,  /* closing, waiting for the peer */
};

enum cg__http_conn_state {
  CG__CONN_OPEN = 0,
  CG__CONN_LINGER, /* last response queued, write side shut down */
  CG__CONN_CLOSED, /* uv_close called; freed when both handles closed */
};

struct cg__http_conn {
  uv_tcp_t tcp;
  uv_timer_t timer;
  uv_shutdown_t shutdown_req;
  struct cg_http_server *srv;
  struct cg__http_conn *prev;
  struct cg__http_conn *next;
  http_parser parser;
  struct cg_buf in;                /* received, not yet parsed */
  struct cg_http_exchange *cur;    /* being parsed */
  struct cg_http_exchange *active; /* dispatched, not yet answered */
  size_t header_bytes;
  int err_status;  /* set by a parser callback that aborts */
  unsigned writes; /* uv_write requests in flight */
  unsigned open_handles;
  enum cg__http_conn_state state;
  enum cg__http_timer_mode timer_mode;
  bool reading;
  bool processing;
  bool peer_eof;
  char peer[CG__HTTP_PEER_MAX];
};

struct cg_http_server {
  uv_loop_t *loop;
  uv_tcp_t listener;
  struct cg_http_server_opts opts;
  cg_http_handler_fn handler;
  void *arg;
  struct cg__http_conn *conns;
  unsigned nconns;
  int port;
  bool closing;
  bool listener_closed;
  void (*done)(void *arg);
  void *done_arg;
  char readbuf[64 * 1024]; /* shared: reads are consumed synchronously */
};

/* All of these run on the loop thread only. */

/* http_server.c */
/* Unlinks a connection whose last handle has closed (the caller frees it
 * right after) and finishes a pending server close if it was the last. */
void cg__http_server_conn_freed(struct cg_http_server *srv,
                                struct cg__http_conn *conn);

/* http_conn.c */
/* Initializes c's handles and accepts into it; reject closes it at once
 * (connection cap, shutting down). c is linked in srv and owned by it. */
void cg__http_conn_start(struct cg_http_server *srv, struct cg__http_conn *c,
                         bool reject);
/* Called after conn->active was answered: resumes parsing or closes. */
void cg__http_conn_answered(struct cg__http_conn *c, bool keep_alive);
/* Queues data for writing, taking its storage (data is left empty). 0,
 * CG_ENOMEM or CG_EIO. */
int cg__http_conn_write(struct cg__http_conn *c, struct cg_buf *data);
/* Closes now (queued writes are cancelled); a dispatched exchange becomes
 * gone. Memory is freed in the close callbacks. Idempotent. */
void cg__http_conn_close_now(struct cg__http_conn *c);
/* Like close_now, but the peer sees a TCP RST. */
void cg__http_conn_reset(struct cg__http_conn *c);
/* Server shutdown: answers a pending exchange 503, closes the rest. */
void cg__http_conn_shutdown(struct cg__http_conn *c);

/* http_exchange.c */
/* A new, empty exchange on c, or NULL (out of memory). */
struct cg_http_exchange *cg__http_exchange_create(struct cg__http_conn *c);
/* Frees ex and everything it owns; NULL is a no-op. */
void cg__http_exchange_free(struct cg_http_exchange *ex);
/* Ends header accumulation: pushes the pending header. 0, CG_ENOMEM or
 * CG_ELIMIT (too many headers). */
int cg__http_exchange_push_header(struct cg_http_exchange *ex);
/* Splits url into raw path, decoded path and query. 0 or CG_EINVAL. */
int cg__http_exchange_parse_target(struct cg_http_exchange *ex);
/* Points ex->req at the stored fields; call before dispatch. */
void cg__http_exchange_seal(struct cg_http_exchange *ex, const char *method);
/* Serializes and queues a response, calls the observer. 0 or CG_ENOMEM. */
int cg__http_exchange_send(struct cg__http_conn *c, struct cg_http_exchange *ex,
                           int status, const char *content_type,
                           const char *body, size_t body_len, bool keep_alive);
/* Router support: the undecoded path, and the parameter list (copied;
 * add returns 0 or CG_ENOMEM). */
const char *cg__http_exchange_raw_path(const struct cg_http_exchange *ex);
void cg__http_exchange_clear_params(struct cg_http_exchange *ex);
int cg__http_exchange_add_param(struct cg_http_exchange *ex, const char *name,
                                size_t name_len, const char *value,
                                size_t value_len);
/* Percent-decodes s[0..n) into a new string (cg_free). plus_space turns
 * '+' into ' ' (query strings). Refuses bad escapes and %00: CG_EINVAL. */
int cg__http_pct_decode(const char *s, size_t n, bool plus_space, char **out);
/* Standard reason phrase, "Unknown" for unlisted codes. */
const char *cg__http_reason(int status);
/* Calls the server's on_response observer, if any. */
void cg__http_notify(struct cg_http_server *srv,
                     const struct cg_http_exchange *ex, int status);

#endif
