/*
 * gxo_rest: the REST transport of warehouse API v1
 * (shared/reference/warehouse-api-v1.md) behind struct
 * cg_gxo_transport_ops.
 *
 *   op_start --paused?--> RETRY "paused" (deferred, nothing sent)
 *      | token valid?  no --> wait list --> token_fetch (one at a time)
 *      v                                       | on_token_done: send all
 *   op_send (Bearer, Idempotency-Key on POST) <-+  or fail all
 *      v
 *   on_op_done --401, first time--> drop token, op_start again
 *      v
 *   cg__gxo_interpret (gxo_rest_result.c) --429/503--> partner pause
 *      v
 *   done(result)
 *
 * The token (OAuth client credentials) is cached until token_margin_ms
 * before it expires. A 401 on a call means the warehouse dropped the token
 * early: the call refreshes once and is sent once more; a second 401 is a
 * FAIL. Each operation is one attempt otherwise: the outbox owns retries.
 * Secrets (client secret, token) never reach a log line or a result.
 */
#include "gxo/gxo.h"
#include "gxo/gxo_rest_int.h"

#include "base/err.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"
#include "net/hmac.h"
#include "net/http_client.h"
#include "net/ratelimit.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define DEFAULT_TIMEOUT_MS 15000
#define DEFAULT_CONNECT_MS 5000
#define DEFAULT_MAX_CONN 8
#define DEFAULT_MARGIN_MS 60000
#define API_PREFIX "/wms/v1"

#define container_of(ptr, type, member)                                        \
  ((type *)((char *)(ptr)-offsetof(type, member)))

#define AUTH_RETRY_MS 60000

struct rest;

struct op {
  struct cg_call_slot slot; /* for outcomes known before any I/O */
  struct op *next;          /* wait list */
  struct rest *r;
  enum cg__gxo_op kind;
  const char *method;
  char *url;
  char *body;        /* NULL for GET */
  char *idem_header; /* "Idempotency-Key: <key>" (POST), or NULL */
  char *order_ref;
  unsigned token_gen; /* token generation the request was sent with */
  bool refreshed;     /* already retried once after a 401 */
  cg_call_done_fn done;
  void *arg;
};

struct rest {
  char comp[96]; /* log component "gxo:merchant=<m>" */
  char *merchant;
  char *base; /* ".../wms/v1", no trailing slash */
  char *client_id;
  char *client_secret;
  long timeout_ms;
  int64_t margin_ms;
  struct cg_http_client *http;
  struct cg_call_queue *q;
  struct cg_ratelimit own_rl;
  struct cg_ratelimit *rl;
  char *auth;             /* "Authorization: Bearer <token>", or NULL */
  int64_t token_until_ms; /* wall ms after which the token is not used */
  unsigned token_gen;
  bool token_busy;
  struct op *wait_head;
  struct op *wait_tail;
  bool closing;
};

static void op_free(struct op *op)
{
  if (op == NULL)
    return;
  cg_free(op->url);
  cg_free(op->body);
  cg_free(op->idem_header);
  cg_free(op->order_ref);
  cg_free(op);
}

/* prefix + value as one new string (cg_free); NULL on ENOMEM. */
static char *header_line(const char *prefix, const char *value)
{
  size_t plen = strlen(prefix), vlen = strlen(value);
  char *line = cg_malloc(plen + vlen + 1);
  if (line != NULL) {
    memcpy(line, prefix, plen);
    memcpy(line + plen, value, vlen + 1);
  }
  return line;
}

/* Delivers res to the op's caller now and frees the op. Only from a
 * callback (never inside the starting call). */
static void finish_now(struct op *op, struct cg_call_result *res)
{
  cg_call_result_deliver(res, op->done, op->arg);
  op_free(op);
}

static void on_slot_release(struct cg_call_slot *slot)
{
  op_free(container_of(slot, struct op, slot));
}

/* Delivers res on a later loop turn (the op is freed after delivery).
 * Cannot fail: the slot is part of the op. */
static void finish_later(struct op *op, struct cg_call_result *res)
{
  if (op->r->closing) {
    /* We are inside destroy, not inside the starting call. */
    finish_now(op, res);
    return;
  }
  op->slot.release = on_slot_release;
  cg_call_defer_slot(op->r->q, &op->slot, res, op->done, op->arg);
}

static void finish_local(struct op *op, enum cg_outcome outcome,
                         const char *code, const char *msg, bool later)
{
  struct cg_call_result res;
  cg_call_result_init(&res);
  cg_call_result_set(&res, outcome, code, "%s", msg);
  if (later)
    finish_later(op, &res);
  else
    finish_now(op, &res);
}

/* --- token -------------------------------------------------------------- */

static bool token_usable(const struct rest *r, int64_t now)
{
  return r->auth != NULL && now < r->token_until_ms;
}

static void token_drop(struct rest *r)
{
  cg_free(r->auth);
  r->auth = NULL;
  r->token_gen++;
}

static void wait_push(struct rest *r, struct op *op)
{
  op->next = NULL;
  if (r->wait_tail != NULL)
    r->wait_tail->next = op;
  else
    r->wait_head = op;
  r->wait_tail = op;
}

static struct op *wait_take_all(struct rest *r)
{
  struct op *all = r->wait_head;
  r->wait_head = r->wait_tail = NULL;
  return all;
}

static int op_send(struct op *op);

/* Completes op with RETRY "paused" (deferred, nothing sent) while the
 * partner is paused. Returns true if it did. */
static bool finish_if_paused(struct op *op, int64_t now)
{
  struct rest *r = op->r;
  if (!cg_ratelimit_is_paused(r->rl, now))
    return false;
  struct cg_call_result res;
  cg_call_result_init(&res);
  res.retry_at_ms = r->rl->paused_until_ms;
  cg_call_result_set(&res, CG_OUTCOME_RETRY, "paused",
                     "warehouse asked us to wait (Retry-After); nothing "
                     "sent");
  finish_later(op, &res);
  return true;
}

/* Sends every waiting op with the new token. */
static void wait_flush(struct rest *r)
{
  struct op *op = wait_take_all(r);
  int64_t now = cg_time_now_ms();
  while (op != NULL) {
    struct op *next = op->next;
    /* A 429 may have paused the partner while we waited for the token. */
    if (!finish_if_paused(op, now) && op_send(op) != 0)
      finish_local(op, CG_OUTCOME_RETRY, "local", "cannot start request",
                   false);
    op = next;
  }
}

/* Completes every waiting op with (a copy of) res, without data. */
static void wait_fail(struct rest *r, const struct cg_call_result *res,
                      bool later)
{
  struct op *op = wait_take_all(r);
  while (op != NULL) {
    struct op *next = op->next;
    struct cg_call_result copy = *res;
    copy.data = NULL;
    if (later)
      finish_later(op, &copy);
    else
      finish_now(op, &copy);
    op = next;
  }
}

/* Stores the token from a 200 answer; false if the body has none. */
static bool token_store(struct rest *r, const struct cg_call_result *res)
{
  const char *tok = cg_json_str(res->data, "access_token");
  int64_t ttl_s = cg_json_int(res->data, "expires_in", 3600);
  if (tok == NULL || tok[0] == '\0' || ttl_s <= 0)
    return false;
  char *auth = header_line("Authorization: Bearer ", tok);
  if (auth == NULL)
    return false;
  token_drop(r);
  r->auth = auth;
  int64_t ttl_ms = ttl_s * 1000;
  int64_t margin = r->margin_ms < ttl_ms / 2 ? r->margin_ms : ttl_ms / 2;
  r->token_until_ms = cg_time_now_ms() + ttl_ms - margin;
  cg_log_info(r->comp,
              "new access token, valid for %llds; using it for "
              "%llds",
              (long long)ttl_s, (long long)((ttl_ms - margin) / 1000));
  return true;
}

/* Refused credentials are the connection's problem, not any message's:
 * failing every waiting call would reject orders one by one. They wait
 * instead (RETRY, the partner paused a minute) while the log says which
 * keys to check. */
static void auth_refused(struct rest *r, struct cg_call_result *res)
{
  char msg[CG_CALL_MESSAGE_MAX];
  snprintf(msg, sizeof(msg), "%s", res->message);
  res->retry_at_ms = cg_time_now_ms() + AUTH_RETRY_MS;
  cg_call_result_set(res, CG_OUTCOME_RETRY, "auth",
                     "the warehouse refuses our client credentials (HTTP "
                     "%ld: %s); check gxo.client_id and gxo.client_secret",
                     res->http_status, msg);
  cg_log_error(r->comp, "%s; calls wait and retry every %d s", res->message,
               AUTH_RETRY_MS / 1000);
}

static void on_token_done(const struct cg_http_result *hr, void *arg)
{
  struct rest *r = arg;
  r->token_busy = false;
  if (r->closing)
    return; /* destroy already failed the waiting calls */
  struct cg_call_result res;
  cg__gxo_interpret(CG__GXO_TOKEN, NULL, hr, cg_time_now_ms(), &res);
  if (res.outcome == CG_OUTCOME_OK) {
    if (token_store(r, &res)) {
      cg_call_result_clear_data(&res);
      wait_flush(r);
      return;
    }
    cg_call_result_set(&res, CG_OUTCOME_RETRY, "bad-token-response",
                       "token answer has no access_token/expires_in");
  }
  cg_call_result_clear_data(&res);
  if (res.outcome == CG_OUTCOME_FAIL)
    auth_refused(r, &res);
  if (res.http_status == 429 || res.http_status == 503 ||
      strcmp(res.code, "auth") == 0)
    if (res.retry_at_ms > 0)
      cg_ratelimit_pause_until(r->rl, res.retry_at_ms);
  cg_log_warn(r->comp,
              "token request failed (%s, HTTP %ld, %s): answering "
              "waiting calls with %s",
              res.code, res.http_status, res.message,
              cg_call_outcome_name(res.outcome));
  wait_fail(r, &res, false);
}

/* client_id and client_secret form-encoded (curl_easy_escape). */
static char *token_body(const struct rest *r)
{
  char *id = curl_easy_escape(NULL, r->client_id, 0);
  char *secret = curl_easy_escape(NULL, r->client_secret, 0);
  char *body = NULL;
  if (id != NULL && secret != NULL) {
    size_t n = strlen(id) + strlen(secret) + 80;
    body = cg_malloc(n);
    if (body != NULL)
      snprintf(body, n,
               "grant_type=client_credentials&client_id=%s&client_secret=%s",
               id, secret);
  }
  curl_free(id);
  curl_free(secret);
  return body;
}

/* Starts one token request unless one is in flight. */
static void token_fetch(struct rest *r)
{
  if (r->token_busy)
    return;
  char url[1024];
  snprintf(url, sizeof(url), "%s/oauth/token", r->base);
  char *body = token_body(r);
  const char *headers[] = {"Content-Type: application/x-www-form-urlencoded",
                           "Accept: application/json", NULL};
  struct cg_http_req req = {.method = "POST",
                            .url = url,
                            .headers = headers,
                            .body = body,
                            .body_len = body ? strlen(body) : 0,
                            .timeout_ms = r->timeout_ms};
  int rc =
      body ? cg_http_client_send(r->http, &req, on_token_done, r) : CG_ENOMEM;
  cg_free(body);
  if (rc == 0) {
    r->token_busy = true;
    return;
  }
  struct cg_call_result res;
  cg_call_result_init(&res);
  cg_call_result_set(&res, CG_OUTCOME_RETRY, "local",
                     "cannot start token request (%s)", cg_strerror(rc));
  wait_fail(r, &res, true);
}

/* --- sending ------------------------------------------------------------ */

static void on_op_done(const struct cg_http_result *hr, void *arg);

static int op_send(struct op *op)
{
  struct rest *r = op->r;
  const char *headers[] = {r->auth, "Accept: application/json",
                           "Content-Type: application/json", op->idem_header,
                           NULL};
  struct cg_http_req req = {.method = op->method,
                            .url = op->url,
                            .headers = headers,
                            .body = op->body,
                            .body_len = op->body ? strlen(op->body) : 0,
                            .timeout_ms = r->timeout_ms};
  op->token_gen = r->token_gen;
  return cg_http_client_send(r->http, &req, on_op_done, op);
}

/* Starts (or restarts after a 401) an op. Outcomes known at once are
 * deferred, so this may be called inside the public starting call. */
static void op_start(struct op *op)
{
  struct rest *r = op->r;
  int64_t now = cg_time_now_ms();
  if (finish_if_paused(op, now))
    return;
  if (token_usable(r, now)) {
    if (op_send(op) != 0)
      finish_local(op, CG_OUTCOME_RETRY, "local", "cannot start request", true);
    return;
  }
  wait_push(r, op);
  token_fetch(r);
}

static void log_outcome(const struct op *op, const struct cg_call_result *res)
{
  const char *name = cg__gxo_op_name(op->kind);
  const char *ref = op->order_ref ? op->order_ref : "-";
  if (res->outcome == CG_OUTCOME_OK)
    cg_log_debug(op->r->comp, "%s orderRef=%s: ok (HTTP %ld)", name, ref,
                 res->http_status);
  else
    cg_log_warn(op->r->comp, "%s orderRef=%s: %s (HTTP %ld, code %s): %s", name,
                ref, cg_call_outcome_name(res->outcome), res->http_status,
                res->code[0] ? res->code : "-", res->message);
}

static char *order_url(const struct rest *r, const char *ref,
                       const char *suffix);

/* The create got 409 duplicate-order-ref: the same op reads what the
 * warehouse holds before anything is reported. False (the 409 is
 * reported as a RETRY) only when the URL cannot be built. */
static bool verify_order(struct op *op)
{
  char *url = order_url(op->r, op->order_ref, "");
  if (url == NULL)
    return false;
  cg_free(op->url);
  cg_free(op->body);
  cg_free(op->idem_header);
  op->url = url;
  op->body = NULL;
  op->idem_header = NULL;
  op->method = "GET";
  op->kind = CG__GXO_VERIFY_ORDER;
  op->refreshed = false;
  op_start(op);
  return true;
}

static void on_op_done(const struct cg_http_result *hr, void *arg)
{
  struct op *op = arg;
  struct rest *r = op->r;
  if (r->closing || hr->err == CG_ECANCELED) {
    finish_local(op, CG_OUTCOME_RETRY, "canceled",
                 "warehouse client closed before the answer", false);
    return;
  }
  if (hr->status == 401 && !op->refreshed) {
    op->refreshed = true;
    if (op->token_gen == r->token_gen)
      token_drop(r);
    cg_log_info(r->comp,
                "%s: token refused (401), fetching a new one and "
                "sending once more",
                cg__gxo_op_name(op->kind));
    op_start(op);
    return;
  }
  struct cg_call_result res;
  cg__gxo_interpret(op->kind, op->order_ref, hr, cg_time_now_ms(), &res);
  if ((res.http_status == 429 || res.http_status == 503) && res.retry_at_ms > 0)
    cg_ratelimit_pause_until(r->rl, res.retry_at_ms);
  log_outcome(op, &res);
  if (strcmp(res.code, CG__GXO_EXISTS) == 0 && verify_order(op)) {
    cg_call_result_clear_data(&res);
    return;
  }
  finish_now(op, &res);
}

/* --- operations --------------------------------------------------------- */

static struct op *op_new(struct rest *r, enum cg__gxo_op kind,
                         const char *method, cg_call_done_fn done, void *arg)
{
  struct op *op = cg_calloc(1, sizeof(*op));
  if (op == NULL)
    return NULL;
  op->r = r;
  op->kind = kind;
  op->method = method;
  op->done = done;
  op->arg = arg;
  return op;
}

/* base + path (path already escaped). */
static char *make_url(const struct rest *r, const char *path)
{
  size_t n = strlen(r->base) + strlen(path) + 1;
  char *url = cg_malloc(n);
  if (url != NULL)
    snprintf(url, n, "%s%s", r->base, path);
  return url;
}

/* "/<collection>/<escaped ref><suffix>" as a URL. */
static char *resource_url(const struct rest *r, const char *collection,
                          const char *ref, const char *suffix)
{
  char *esc = curl_easy_escape(NULL, ref, 0);
  if (esc == NULL)
    return NULL;
  size_t n = strlen(collection) + strlen(esc) + strlen(suffix) + 16;
  char *path = cg_malloc(n);
  char *url = NULL;
  if (path != NULL) {
    snprintf(path, n, "/%s/%s%s", collection, esc, suffix);
    url = make_url(r, path);
  }
  cg_free(path);
  curl_free(esc);
  return url;
}

static char *order_url(const struct rest *r, const char *ref,
                       const char *suffix)
{
  return resource_url(r, "orders", ref, suffix);
}

/* The Idempotency-Key header line of a stable key derived from what is
 * sent: the same request (path and body) always gets the same key, so a
 * replay after a crash is recognised by the warehouse. HMAC-SHA256 keyed by the
 * merchant name is used as a hash; it leaks nothing of the body. */
static char *content_key(const struct rest *r, const char *what,
                         const char *url, const char *body)
{
  size_t ulen = strlen(url);
  size_t blen = strlen(body);
  char *msg = cg_malloc(ulen + blen + 2);
  if (msg == NULL)
    return NULL;
  memcpy(msg, url + strlen(r->base), ulen - strlen(r->base));
  size_t n = ulen - strlen(r->base);
  msg[n++] = '\n';
  memcpy(msg + n, body, blen + 1);
  char hex[CG_HMAC_HEX_LEN + 1];
  int rc =
      cg_hmac_sha256_hex(r->merchant, strlen(r->merchant), msg, n + blen, hex);
  cg_free(msg);
  if (rc != 0)
    return NULL;
  hex[32] = '\0';
  size_t klen = strlen(r->merchant) + strlen(what) + 64;
  char *key = cg_malloc(klen);
  if (key != NULL)
    snprintf(key, klen, "Idempotency-Key: cg-%s-%s-%s", r->merchant, what, hex);
  return key;
}

/* Starts op if its allocations succeeded; frees it and returns ENOMEM
 * otherwise (done will not fire). */
static int op_launch(struct op *op, bool need_body, bool need_key)
{
  if (op->url == NULL || (need_body && op->body == NULL) ||
      (need_key && op->idem_header == NULL)) {
    op_free(op);
    return CG_ENOMEM;
  }
  op_start(op);
  return 0;
}

/* The orderRef of a warehouse order document, copied; NULL if absent. */
static char *order_ref_of(const char *order_json)
{
  cJSON *doc = cJSON_Parse(order_json);
  const char *ref = cg_json_str(doc, "orderRef");
  char *copy = ref && ref[0] ? cg_strdup(ref) : NULL;
  cJSON_Delete(doc);
  return copy;
}

static int rest_create_order(void *state, const char *order_json,
                             const char *idempotency_key, cg_call_done_fn done,
                             void *arg)
{
  struct rest *r = state;
  if (r->closing)
    return CG_ECANCELED;
  char *ref = order_ref_of(order_json);
  if (ref == NULL)
    return CG_EINVAL; /* not a warehouse order document (or ENOMEM) */
  struct op *op = op_new(r, CG__GXO_CREATE_ORDER, "POST", done, arg);
  if (op == NULL) {
    cg_free(ref);
    return CG_ENOMEM;
  }
  op->order_ref = ref;
  op->url = make_url(r, "/orders");
  op->body = cg_strdup(order_json);
  op->idem_header = header_line("Idempotency-Key: ", idempotency_key);
  return op_launch(op, true, true);
}

static int rest_get_order(void *state, const char *order_ref,
                          cg_call_done_fn done, void *arg)
{
  struct rest *r = state;
  if (r->closing)
    return CG_ECANCELED;
  struct op *op = op_new(r, CG__GXO_GET_ORDER, "GET", done, arg);
  if (op == NULL)
    return CG_ENOMEM;
  op->order_ref = cg_strdup(order_ref);
  op->url = order_url(r, order_ref, "");
  if (op->order_ref == NULL) {
    op_free(op);
    return CG_ENOMEM;
  }
  return op_launch(op, false, false);
}

static int rest_get_item(void *state, const char *sku, cg_call_done_fn done,
                         void *arg)
{
  struct rest *r = state;
  if (r->closing)
    return CG_ECANCELED;
  struct op *op = op_new(r, CG__GXO_GET_ITEM, "GET", done, arg);
  if (op == NULL)
    return CG_ENOMEM;
  op->url = resource_url(r, "items", sku, "");
  return op_launch(op, false, false);
}

static int rest_cancel_order(void *state, const char *order_ref,
                             const char *body_json, const char *idempotency_key,
                             cg_call_done_fn done, void *arg)
{
  struct rest *r = state;
  if (r->closing)
    return CG_ECANCELED;
  struct op *op = op_new(r, CG__GXO_CANCEL_ORDER, "POST", done, arg);
  if (op == NULL)
    return CG_ENOMEM;
  op->order_ref = cg_strdup(order_ref);
  op->url = order_url(r, order_ref, "/cancel");
  op->body = cg_strdup(body_json ? body_json : "{}");
  if (idempotency_key != NULL)
    op->idem_header = header_line("Idempotency-Key: ", idempotency_key);
  else if (op->url != NULL && op->body != NULL)
    op->idem_header = content_key(r, "cancel", op->url, op->body);
  if (op->order_ref == NULL) {
    op_free(op);
    return CG_ENOMEM;
  }
  return op_launch(op, true, true);
}

static int rest_pull_events(void *state, int64_t after_sequence, int limit,
                            cg_call_done_fn done, void *arg)
{
  struct rest *r = state;
  if (r->closing)
    return CG_ECANCELED;
  struct op *op = op_new(r, CG__GXO_PULL_EVENTS, "GET", done, arg);
  if (op == NULL)
    return CG_ENOMEM;
  char path[96];
  if (limit > 0)
    snprintf(path, sizeof(path), "/events?after=%lld&limit=%d",
             (long long)after_sequence, limit);
  else
    snprintf(path, sizeof(path), "/events?after=%lld",
             (long long)after_sequence);
  op->url = make_url(r, path);
  return op_launch(op, false, false);
}

/* "/stock?limit=&cursor=|snapshotId=" (the value escaped). */
static char *stock_url(const struct rest *r, const char *key, const char *value,
                       int limit)
{
  char *esc = curl_easy_escape(NULL, value ? value : "", 0);
  size_t n = (esc ? strlen(esc) : 0) + 64;
  char *path = esc ? cg_malloc(n) : NULL;
  char *url = NULL;
  if (path != NULL) {
    int len = snprintf(path, n, "/stock?limit=%d", limit > 0 ? limit : 100);
    if (key != NULL)
      snprintf(path + len, n - (size_t)len, "&%s=%s", key, esc);
    url = make_url(r, path);
  }
  cg_free(path);
  curl_free(esc);
  return url;
}

static int rest_get_stock(void *state, const char *snapshot_id,
                          const char *cursor, int limit, cg_call_done_fn done,
                          void *arg)
{
  struct rest *r = state;
  if (r->closing)
    return CG_ECANCELED;
  struct op *op = op_new(r, CG__GXO_GET_STOCK, "GET", done, arg);
  if (op == NULL)
    return CG_ENOMEM;
  bool by_cursor = cursor != NULL && cursor[0] != '\0';
  bool by_id = !by_cursor && snapshot_id != NULL && snapshot_id[0] != '\0';
  op->url = stock_url(r, by_cursor ? "cursor" : (by_id ? "snapshotId" : NULL),
                      by_cursor ? cursor : snapshot_id, limit);
  return op_launch(op, false, false);
}

/* A POST whose body is a small JSON object built by the caller. */
static int post_json(struct rest *r, enum cg__gxo_op kind, const char *path,
                     const char *what, cJSON *body, cg_call_done_fn done,
                     void *arg)
{
  struct op *op = op_new(r, kind, "POST", done, arg);
  if (op == NULL || body == NULL) {
    cJSON_Delete(body);
    cg_free(op);
    return CG_ENOMEM;
  }
  op->url = make_url(r, path);
  op->body = cg_json_print(body);
  cJSON_Delete(body);
  if (op->url != NULL && op->body != NULL)
    op->idem_header = content_key(r, what, op->url, op->body);
  return op_launch(op, true, true);
}

int cg__gxo_rest_post(void *state, enum cg__gxo_op kind, const char *path,
                      char *body, const char *idempotency_key,
                      cg_call_done_fn done, void *arg)
{
  struct rest *r = state;
  struct op *op = r->closing ? NULL : op_new(r, kind, "POST", done, arg);
  if (op == NULL) {
    cg_free(body);
    return r->closing ? CG_ECANCELED : CG_ENOMEM;
  }
  op->url = make_url(r, path);
  op->body = body;
  op->idem_header = header_line("Idempotency-Key: ", idempotency_key);
  return op_launch(op, true, true);
}

static int rest_ack_events(void *state, int64_t up_to_sequence,
                           cg_call_done_fn done, void *arg)
{
  struct rest *r = state;
  if (r->closing)
    return CG_ECANCELED;
  cJSON *body = cJSON_CreateObject();
  if (body != NULL &&
      cg_json_add_int(body, "upToSequence", up_to_sequence) == NULL) {
    cJSON_Delete(body);
    body = NULL;
  }
  /* An acknowledgement is idempotent by nature. Its key names the
   * attempt (the time) as well as the content, so one the warehouse
   * refused is judged afresh when the feed sends it again, instead of
   * having the stored refusal replayed for ever. */
  char what[32];
  snprintf(what, sizeof(what), "ack-%llx",
           (unsigned long long)cg_time_now_ms());
  return post_json(r, CG__GXO_ACK_EVENTS, "/events:ack", what, body, done, arg);
}

static cJSON *subscription_body(const char *url, const char *secret,
                                const char *const *types, size_t n)
{
  cJSON *body = cJSON_CreateObject();
  cJSON *arr = body ? cJSON_AddArrayToObject(body, "eventTypes") : NULL;
  bool ok = arr != NULL && cg_json_add_str(body, "url", url) != NULL &&
            cg_json_add_str(body, "secret", secret) != NULL;
  for (size_t i = 0; ok && i < n; i++) {
    cJSON *s = cJSON_CreateString(types[i] ? types[i] : "");
    ok = s != NULL && cJSON_AddItemToArray(arr, s);
  }
  if (!ok) {
    cJSON_Delete(body);
    return NULL;
  }
  return body;
}

static int rest_subscribe(void *state, const char *url, const char *secret,
                          const char *const *event_types, size_t n_types,
                          cg_call_done_fn done, void *arg)
{
  struct rest *r = state;
  if (r->closing)
    return CG_ECANCELED;
  cJSON *body = subscription_body(url, secret, event_types, n_types);
  return post_json(r, CG__GXO_SUBSCRIBE, "/webhook-subscriptions", "subscribe",
                   body, done, arg);
}

/* --- create / destroy --------------------------------------------------- */

/* ".../wms/v1" from a base URL with or without the prefix. */
static char *api_base(const char *url)
{
  size_t n = strlen(url);
  while (n > 0 && url[n - 1] == '/')
    n--;
  size_t plen = strlen(API_PREFIX);
  bool has = n >= plen && memcmp(url + n - plen, API_PREFIX, plen) == 0;
  char *out = cg_malloc(n + plen + 1);
  if (out != NULL)
    snprintf(out, n + plen + 1, "%.*s%s", (int)n, url, has ? "" : API_PREFIX);
  return out;
}

static void rest_free(struct rest *r)
{
  cg_free(r->merchant);
  cg_free(r->base);
  cg_free(r->client_id);
  cg_free(r->client_secret);
  cg_free(r->auth);
  cg_free(r);
}

static void on_http_closed(void *arg)
{
  rest_free(arg);
}

static int rest_init(struct rest *r, const struct cg_gxo_opts *o,
                     struct cg_err *err)
{
  snprintf(r->comp, sizeof(r->comp), "gxo:merchant=%s", o->merchant);
  r->merchant = cg_strdup(o->merchant);
  r->base = api_base(o->base_url);
  r->client_id = cg_strdup(o->client_id);
  r->client_secret = cg_strdup(o->client_secret);
  r->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : DEFAULT_TIMEOUT_MS;
  r->margin_ms =
      o->token_margin_ms > 0 ? o->token_margin_ms : DEFAULT_MARGIN_MS;
  cg_ratelimit_init(&r->own_rl, r->comp);
  r->rl = o->limiter ? o->limiter : &r->own_rl;
  struct cg_http_client_opts hopts = {
      .max_host_connections =
          o->max_connections > 0 ? o->max_connections : DEFAULT_MAX_CONN,
      .connect_timeout_ms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms
                                                      : DEFAULT_CONNECT_MS};
  if (r->merchant == NULL || r->base == NULL || r->client_id == NULL ||
      r->client_secret == NULL)
    return cg_err_set(err, CG_ENOMEM, "gxo: out of memory");
  r->q = cg_call_queue_create(o->loop);
  r->http = r->q ? cg_http_client_create(o->loop, &hopts) : NULL;
  if (r->http == NULL)
    return cg_err_set(err, CG_ENOMEM, "gxo: cannot create HTTP client");
  return 0;
}

static int rest_create(const struct cg_gxo_opts *o, void **state,
                       struct cg_err *err)
{
  if (o->base_url == NULL || o->client_id == NULL || o->client_secret == NULL)
    return cg_err_set(err, CG_EINVAL,
                      "gxo rest: base_url, client_id and client_secret "
                      "needed");
  struct rest *r = cg_calloc(1, sizeof(*r));
  if (r == NULL)
    return cg_err_set(err, CG_ENOMEM, "gxo: out of memory");
  int rc = rest_init(r, o, err);
  if (rc != 0) {
    cg_call_queue_destroy(r->q);
    rest_free(r);
    return rc;
  }
  *state = r;
  return 0;
}

static void rest_destroy(void *state)
{
  struct rest *r = state;
  r->closing = true;
  struct cg_call_result res;
  cg_call_result_init(&res);
  cg_call_result_set(&res, CG_OUTCOME_RETRY, "canceled",
                     "warehouse client closed");
  wait_fail(r, &res, false);
  cg_call_queue_destroy(r->q);
  r->q = NULL;
  /* Fires on_op_done / on_token_done with CG_ECANCELED for everything in
   * flight, synchronously (they deliver RETRY "canceled" at once); r is
   * freed in on_http_closed, so it is not touched after this call. */
  cg_http_client_close(r->http, on_http_closed, r);
}

const struct cg_gxo_transport_ops cg_gxo_rest_transport = {
    .name = "rest",
    .create = rest_create,
    .destroy = rest_destroy,
    .create_order = rest_create_order,
    .get_order = rest_get_order,
    .get_item = rest_get_item,
    .cancel_order = rest_cancel_order,
    .pull_events = rest_pull_events,
    .ack_events = rest_ack_events,
    .subscribe_webhooks = rest_subscribe,
    .get_stock = rest_get_stock,
    .put_items = cg__gxo_rest_put_items,
    .advise_return = cg__gxo_rest_advise_return,
};
