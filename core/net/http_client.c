/*
 * http_client: libcurl multi driven by the libuv loop (see http_client.h
 * and docs/internals/http-client.md). Structure as curl's multi-uv.c:
 *
 *   send: cg__http_xfer_get (http_xfer.c: an idle easy handle reused, or
 *         a new one) -> curl_multi_add_handle
 *   curl -> cb_socket(s, what)  -> one uv_poll_t per socket (multi_assign)
 *   curl -> cb_timeout(ms)      -> uv_timer_t (ms > 0), uv_idle_t (ms == 0,
 *                                  never a 0 ms timer on libuv 1.44), stop
 *   on_uv_socket / on_uv_timeout / on_uv_kick
 *     -> curl_multi_socket_action -> check_multi_info (always drained)
 *        -> remove handle -> deliver -> done(result)
 *        -> cg__http_xfer_put (reset, kept idle for the next send)
 *
 * A socket callback that cannot watch a socket (no memory, uv_poll fails)
 * never returns -1, which would abort every transfer of the multi handle
 * for good: it marks only that transfer (sock_err), returns 0, and
 * reap_failed removes and fails it right after the socket_action that
 * caused it.
 *
 * curl is never called from inside a curl callback, and done never fires
 * inside cg_http_client_send: completions come only from socket_action
 * run by a libuv callback (or from close, by contract). Handles are
 * embedded in their owner and recovered with container_of; the memory of
 * the client and of socket contexts is freed only in close callbacks.
 *
 * curl_global_init runs once per process, on the first
 * cg_http_client_create (pthread_once) or an earlier
 * cg_http_global_init() from main.
 */
#include "net/http_client.h"
#include "net/http_client_int.h"

#include "base/err.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"

#include <assert.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#define container_of(ptr, type, member)                                        \
  ((type *)((char *)(ptr)-offsetof(type, member)))

#define COMP "http_client"
#define DEFAULT_HOST_CONNECTIONS 8
#define DEFAULT_CONNECT_TIMEOUT_MS 5000

#ifndef CG_VERSION
#define CG_VERSION "0"
#endif

/* One uv_poll_t per socket curl asks us to watch. */
struct sock {
  uv_poll_t poll;
  curl_socket_t fd;
  struct cg_http_client *c;
  struct cg__link link; /* in c->socks until uv_close */
};

/* --- process-wide init ---------------------------------------------------- */

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;

static void global_init_once(void)
{
  global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* Contract in http_client.h. */
int cg_http_global_init(void)
{
  pthread_once(&global_once, global_init_once);
  return global_rc == CURLE_OK ? 0 : CG_EIO;
}

/* --- closing -------------------------------------------------------------- */

static void handle_closed(struct cg_http_client *c)
{
  assert(c->open_handles > 0);
  if (--c->open_handles > 0 || !c->closing)
    return;
  void (*done_close)(void *) = c->done_close;
  void *arg = c->close_arg;
  cg_free(c->user_agent);
  cg_free(c);
  if (done_close != NULL)
    done_close(arg);
}

static void on_sock_close(uv_handle_t *h)
{
  struct sock *k = container_of((uv_poll_t *)h, struct sock, poll);
  struct cg_http_client *c = k->c;
  cg_free(k);
  handle_closed(c);
}

static void on_timer_close(uv_handle_t *h)
{
  handle_closed(container_of((uv_timer_t *)h, struct cg_http_client, timer));
}

static void on_kick_close(uv_handle_t *h)
{
  handle_closed(container_of((uv_idle_t *)h, struct cg_http_client, kick));
}

static void sock_close(struct sock *k)
{
  cg__link_remove(&k->link);
  uv_close((uv_handle_t *)&k->poll, on_sock_close);
}

/* --- delivering results --------------------------------------------------- */

static const char *result_header(const struct cg_http_result *res,
                                 const char *name)
{
  /* A transport error has no response, even if some headers arrived. */
  if (res == NULL || res->priv_ == NULL || name == NULL || res->err != 0)
    return NULL;
  return cg__http_xfer_header(res->priv_, name);
}

/* "scheme://host/path" of url into buf: no userinfo, query or fragment,
 * which may carry credentials. Never log the headers either. */
static const char *loggable_url(const char *url, char *buf, size_t size)
{
  if (url == NULL)
    return "?";
  const char *host = strstr(url, "://");
  host = host != NULL ? host + 3 : url;
  size_t slen = (size_t)(host - url);
  size_t hlen = strcspn(host, "/?#");
  const char *at = memchr(host, '@', hlen);
  if (at != NULL)
    host = at + 1;
  size_t rest = strcspn(host, "?#");
  snprintf(buf, size, "%.*s%.*s", (int)slen, url, (int)rest, host);
  return buf;
}

static void log_outcome(const struct cg__http_xfer *x,
                        const struct cg_http_result *r)
{
  if (cg_log_get_level() < CG_LOG_DEBUG)
    return;
  char *url = NULL;
  char *method = NULL;
  curl_easy_getinfo(x->easy, CURLINFO_EFFECTIVE_URL, &url);
  curl_easy_getinfo(x->easy, CURLINFO_EFFECTIVE_METHOD, &method);
  char buf[256];
  cg_log_debug(COMP, "%s %s -> %ld%s%s in %lld ms", method ? method : "?",
               loggable_url(url, buf, sizeof(buf)), r->status,
               r->err ? ": " : "", r->err ? r->errmsg : "",
               (long long)(cg_time_mono_ms() - x->started_ms));
}

/* Hands the result to the caller and frees the transfer. The easy handle
 * is already out of the multi. done may send or close the client. */
static void deliver(struct cg__http_xfer *x, int err, const char *errmsg,
                    long status)
{
  struct cg_http_client *c = x->c;
  cg__link_remove(&x->link);
  c->inflight--;
  struct cg_http_result res = {
      .err = err,
      .errmsg = errmsg != NULL ? errmsg : "",
      .status = err == 0 ? status : 0,
      .body = err == 0 && x->resp.data != NULL ? x->resp.data : "",
      .body_len = err == 0 ? x->resp.len : 0,
      .retry_after = err == 0 ? cg__http_xfer_header(x, "Retry-After") : NULL,
      .header = result_header,
      .priv_ = x,
  };
  log_outcome(x, &res);
  x->done(&res, x->arg);
  cg__http_xfer_put(x);
}

static void finish(struct cg__http_xfer *x, CURLcode code)
{
  long status = 0;
  if (code == CURLE_OK) {
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
    deliver(x, 0, "", status);
  } else if (x->too_large) {
    deliver(x, CG_EIO, "response too large", 0);
  } else {
    int err = code == CURLE_OPERATION_TIMEDOUT ? CG_ETIMEDOUT : CG_EIO;
    deliver(x, err, x->errbuf[0] ? x->errbuf : curl_easy_strerror(code), 0);
  }
}

/* Drains every finished transfer; called after each socket_action. Stops
 * when a done callback closed the client (multi is gone then). */
static void check_multi_info(struct cg_http_client *c)
{
  CURLMsg *msg;
  int left;
  while (c->multi != NULL &&
         (msg = curl_multi_info_read(c->multi, &left)) != NULL) {
    if (msg->msg != CURLMSG_DONE)
      continue;
    /* Copy out of msg: it dies with the removal. */
    CURL *easy = msg->easy_handle;
    CURLcode code = msg->data.result;
    char *priv = NULL;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
    curl_multi_remove_handle(c->multi, easy);
    finish((struct cg__http_xfer *)priv, code);
  }
}

/* Fails the transfers whose socket cb_socket could not watch. Outside
 * curl callbacks; stops when a done callback closed the client. */
static void reap_failed(struct cg_http_client *c)
{
  while (c->sock_failed > 0 && c->multi != NULL) {
    struct cg__http_xfer *x = NULL;
    for (struct cg__link *l = c->xfers.next; l != &c->xfers && !x; l = l->next)
      if (container_of(l, struct cg__http_xfer, link)->sock_err != NULL)
        x = container_of(l, struct cg__http_xfer, link);
    if (x == NULL) { /* finished by curl meanwhile */
      c->sock_failed = 0;
      return;
    }
    c->sock_failed--;
    curl_multi_remove_handle(c->multi, x->easy);
    deliver(x, CG_EIO, x->sock_err, 0);
  }
}

/* --- libuv callbacks ------------------------------------------------------ */

static void socket_action(struct cg_http_client *c, curl_socket_t fd, int flags)
{
  if (c->multi == NULL)
    return;
  int running = 0;
  CURLMcode mc = curl_multi_socket_action(c->multi, fd, flags, &running);
  if (mc != CURLM_OK)
    cg_log_warn(COMP,
                "curl_multi_socket_action: %s; finished transfers "
                "are still collected",
                curl_multi_strerror(mc));
  check_multi_info(c);
  reap_failed(c);
}

static void on_uv_socket(uv_poll_t *h, int status, int events)
{
  struct sock *k = container_of(h, struct sock, poll);
  int flags = 0;
  if (status < 0) {
    flags = CURL_CSELECT_ERR;
  } else {
    if (events & UV_READABLE)
      flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE)
      flags |= CURL_CSELECT_OUT;
  }
  socket_action(k->c, k->fd, flags);
}

static void on_uv_timeout(uv_timer_t *h)
{
  struct cg_http_client *c = container_of(h, struct cg_http_client, timer);
  socket_action(c, CURL_SOCKET_TIMEOUT, 0);
}

static void on_uv_kick(uv_idle_t *h)
{
  struct cg_http_client *c = container_of(h, struct cg_http_client, kick);
  uv_idle_stop(h);
  socket_action(c, CURL_SOCKET_TIMEOUT, 0);
}

/* --- curl callbacks: only translate to libuv, never call curl back -------- */

static int cb_timeout(CURLM *multi, long timeout_ms, void *userp)
{
  struct cg_http_client *c = userp;
  if (c->closing)
    return 0;
  uv_timer_stop(&c->timer);
  uv_idle_stop(&c->kick);
  if (timeout_ms == 0)
    uv_idle_start(&c->kick, on_uv_kick);
  else if (timeout_ms > 0)
    uv_timer_start(&c->timer, on_uv_timeout, (uint64_t)timeout_ms, 0);
  return 0;
}

static const char ERR_SOCK_NOMEM[] = "cannot watch the socket: out of memory";
static const char ERR_SOCK_POLL[] = "cannot watch the socket (uv_poll)";

/* NULL with *why set when the socket cannot be watched. */
static struct sock *sock_open(struct cg_http_client *c, curl_socket_t fd,
                              const char **why)
{
  struct sock *k = cg_calloc(1, sizeof(*k));
  *why = ERR_SOCK_NOMEM;
  if (k == NULL)
    return NULL;
  int rc = uv_poll_init_socket(c->loop, &k->poll, fd);
  *why = ERR_SOCK_POLL;
  if (rc != 0) {
    /* Not initialised, so not closed either. */
    cg_log_warn(COMP, "cannot watch socket %d: %s; the transfer fails", (int)fd,
                uv_strerror(rc));
    cg_free(k);
    return NULL;
  }
  k->fd = fd;
  k->c = c;
  cg__link_push(&c->socks, &k->link);
  c->open_handles++;
  return k;
}

/* Marks the transfer of easy to be failed with why (see reap_failed). A
 * socket curl keeps for no transfer of ours (connection cache) has no
 * xfer; curl closes it when it next needs it or at cleanup. */
static void fail_xfer(struct cg_http_client *c, CURL *easy, const char *why)
{
  char *priv = NULL;
  if (easy != NULL)
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
  struct cg__http_xfer *x = (struct cg__http_xfer *)priv;
  if (x == NULL || x->sock_err != NULL)
    return;
  x->sock_err = why;
  c->sock_failed++;
}

/* Never returns -1: that would abort the whole multi handle. */
static int cb_socket(CURL *easy, curl_socket_t s, int what, void *userp,
                     void *socketp)
{
  struct cg_http_client *c = userp;
  struct sock *k = socketp;
  if (what == CURL_POLL_REMOVE) {
    if (k != NULL) {
      sock_close(k);
      if (!c->closing)
        curl_multi_assign(c->multi, s, NULL);
    }
    return 0;
  }
  if (c->closing)
    return 0;
  if (k == NULL) {
    const char *why = NULL;
    if ((k = sock_open(c, s, &why)) == NULL) {
      fail_xfer(c, easy, why);
      return 0;
    }
    curl_multi_assign(c->multi, s, k);
  }
  int events = 0;
  if (what & CURL_POLL_IN)
    events |= UV_READABLE;
  if (what & CURL_POLL_OUT)
    events |= UV_WRITABLE;
  if (uv_poll_start(&k->poll, events, on_uv_socket) != 0)
    fail_xfer(c, easy, ERR_SOCK_POLL);
  return 0;
}

/* --- create / close ------------------------------------------------------- */

static int setup_multi(struct cg_http_client *c, long max_host)
{
  CURLMcode mc = CURLM_OK;
#define MSET(opt, val)                                                         \
  do {                                                                         \
    if (mc == CURLM_OK)                                                        \
      mc = curl_multi_setopt(c->multi, (opt), (val));                          \
  } while (0)
  MSET(CURLMOPT_SOCKETFUNCTION, cb_socket);
  MSET(CURLMOPT_SOCKETDATA, c);
  MSET(CURLMOPT_TIMERFUNCTION, cb_timeout);
  MSET(CURLMOPT_TIMERDATA, c);
  MSET(CURLMOPT_MAX_HOST_CONNECTIONS, max_host);
  /* Idle connections kept for reuse: a few per host we talk to. */
  MSET(CURLMOPT_MAXCONNECTS, max_host * CG__HTTP_IDLE_PER_HOST);
#undef MSET
  return mc == CURLM_OK ? 0 : CG_EINVAL;
}

/* Contract in http_client.h. Calls curl_global_init once (pthread_once).
 * Loop thread only; NULL on CG_ENOMEM or a curl init failure. */
struct cg_http_client *
cg_http_client_create(uv_loop_t *loop, const struct cg_http_client_opts *opts)
{
  if (loop == NULL || cg_http_global_init() != 0)
    return NULL;
  struct cg_http_client *c = cg_calloc(1, sizeof(*c));
  if (c == NULL)
    return NULL;
  long max_host = DEFAULT_HOST_CONNECTIONS;
  c->connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
  const char *ua = "centra-gxo/" CG_VERSION;
  if (opts != NULL && opts->max_host_connections > 0)
    max_host = opts->max_host_connections;
  if (opts != NULL && opts->connect_timeout_ms > 0)
    c->connect_timeout_ms = opts->connect_timeout_ms;
  if (opts != NULL && opts->user_agent != NULL)
    ua = opts->user_agent;
  c->loop = loop;
  cg__link_init(&c->xfers);
  cg__link_init(&c->socks);
  cg__link_init(&c->idle);
  c->idle_max = (size_t)max_host * CG__HTTP_IDLE_PER_HOST;
  c->user_agent = cg_strdup(ua);
  c->multi = c->user_agent != NULL ? curl_multi_init() : NULL;
  if (c->multi == NULL || setup_multi(c, max_host) != 0)
    goto fail;
  uv_timer_init(loop, &c->timer);
  uv_idle_init(loop, &c->kick);
  c->open_handles = 2;
  return c;
fail:
  if (c->multi != NULL)
    curl_multi_cleanup(c->multi);
  cg_free(c->user_agent);
  cg_free(c);
  return NULL;
}

/* Contract in http_client.h. Also safe from inside a done callback; a
 * second call (or a call with c == NULL) does nothing. */
void cg_http_client_close(struct cg_http_client *c,
                          void (*done_close)(void *arg), void *arg)
{
  if (c == NULL || c->closing)
    return;
  c->closing = true;
  c->done_close = done_close;
  c->close_arg = arg;
  while (!cg__link_empty(&c->xfers)) {
    struct cg__http_xfer *x =
        container_of(c->xfers.next, struct cg__http_xfer, link);
    curl_multi_remove_handle(c->multi, x->easy);
    deliver(x, CG_ECANCELED, "cancelled: http client closing", 0);
  }
  cg__http_xfer_drain(c);
  /* May call cb_socket(REMOVE) for cached connections. */
  curl_multi_cleanup(c->multi);
  c->multi = NULL;
  while (!cg__link_empty(&c->socks))
    sock_close(container_of(c->socks.next, struct sock, link));
  uv_close((uv_handle_t *)&c->timer, on_timer_close);
  uv_close((uv_handle_t *)&c->kick, on_kick_close);
}

size_t cg_http_client_inflight(const struct cg_http_client *c)
{
  return c != NULL ? c->inflight : 0;
}

size_t cg_http_client_idle(const struct cg_http_client *c)
{
  return c != NULL ? c->n_idle : 0;
}

/* --- send ----------------------------------------------------------------- */

static bool method_valid(const char *m)
{
  size_t n = m != NULL ? strlen(m) : 0;
  if (n == 0 || n > 16)
    return false;
  for (size_t i = 0; i < n; i++)
    if (m[i] < 'A' || m[i] > 'Z')
      return false;
  return true;
}

static bool url_valid(const char *url)
{
  return url != NULL && (strncasecmp(url, "http://", 7) == 0 ||
                         strncasecmp(url, "https://", 8) == 0);
}

/* Contract in http_client.h. The request is only queued here: curl
 * starts it from the loop (cb_timeout -> uv_idle), so done cannot fire
 * before this returns. Refused with CG_EINVAL after close, for a method
 * that is not upper-case letters, a URL that is not http(s), a header
 * holding CR/LF, or body_len > 0 with no body. */
int cg_http_client_send(struct cg_http_client *c, const struct cg_http_req *req,
                        cg_http_done_fn done, void *arg)
{
  if (c == NULL || c->closing || req == NULL || done == NULL ||
      !method_valid(req->method) || !url_valid(req->url) ||
      (req->body == NULL && req->body_len > 0))
    return CG_EINVAL;
  struct cg__http_xfer *x = NULL;
  int rc = cg__http_xfer_get(c, req, &x);
  if (rc != 0)
    return rc;
  x->done = done;
  x->arg = arg;
  x->started_ms = cg_time_mono_ms();
  CURLMcode mc = curl_multi_add_handle(c->multi, x->easy);
  if (mc != CURLM_OK) {
    cg__http_xfer_put(x);
    return mc == CURLM_OUT_OF_MEMORY ? CG_ENOMEM : CG_EINVAL;
  }
  cg__link_push(&c->xfers, &x->link);
  c->inflight++;
  return 0;
}
