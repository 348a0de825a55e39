/*
 * sim_wms_auth: OAuth client-credentials tokens and the Idempotency-Key
 * rules of the warehouse contract, applied in the port's pre hook (before
 * injected latency, so a slow first request is "in flight"):
 *
 *   /wms/v1/... (not oauth/token): Bearer token known and unexpired? 401
 *   POST with idempotency:  no key -> 400
 *                           key seen, in flight -> 409
 *                           key seen, other path/body -> 422
 *                           key seen, done -> replay + Idempotency-Replayed
 *                           new -> reserve, handler answers via sim_wms__reply
 *   post hook: a reservation still open when the exchange is answered
 *              (router 404, shutdown 503) is dropped; one whose client
 *              went away (status 0) is kept until the handler answers.
 */
#include "sim_wms.h"

#include "base/err.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/time.h"
#include "net/http_server.h"
#include "net/router.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define TOKENS_MAX 10000
#define KEY_MAX_LEN 255

/* POST endpoints that take an Idempotency-Key. */
static const char *const idem_paths[] = {
    "/wms/v1/orders",      "/wms/v1/orders/*/cancel",
    "/wms/v1/items:batch", "/wms/v1/return-advices",
    "/wms/v1/events:ack",  "/wms/v1/webhook-subscriptions",
};

void sim_wms__idem_free(struct wms_idem *e)
{
  if (e == NULL)
    return;
  cg_free(e->key);
  cg_free(e->path);
  cg_free(e->body);
  cg_free(e->ctype);
  cg_free(e->resp);
  cg_free(e->order_ref);
  cg_free(e);
}

/* --- tokens --------------------------------------------------------------- */

static void prune_tokens(struct sim_wms *w, int64_t now)
{
  size_t j = 0;
  for (size_t i = 0; i < w->tokens.n; i++) {
    struct wms_token *t = w->tokens.v[i];
    if (t->expires_ms > now)
      w->tokens.v[j++] = t;
    else
      cg_free(t);
  }
  w->tokens.n = j;
}

void sim_wms__tokens_expire_all(struct sim_wms *w)
{
  for (size_t i = 0; i < w->tokens.n; i++)
    ((struct wms_token *)w->tokens.v[i])->expires_ms = 0;
}

static bool token_valid(struct sim_wms *w, const char *auth, bool *expired)
{
  *expired = false;
  if (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0)
    return false;
  const char *tok = auth + 7;
  int64_t now = cg_time_now_ms();
  for (size_t i = 0; i < w->tokens.n; i++) {
    struct wms_token *t = w->tokens.v[i];
    if (strcmp(t->token, tok) == 0) {
      *expired = t->expires_ms <= now;
      return !*expired;
    }
  }
  return false;
}

static int hexval(char c)
{
  return c >= '0' && c <= '9'   ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                : -1;
}

/* Form-decodes len bytes of v ('+' and %XX) into out. */
static void form_decode(const char *v, size_t len, char *out, size_t size)
{
  size_t o = 0;
  for (size_t i = 0; i < len && o + 1 < size; i++) {
    if (v[i] == '%' && i + 2 < len && hexval(v[i + 1]) >= 0 &&
        hexval(v[i + 2]) >= 0) {
      out[o++] = (char)(hexval(v[i + 1]) * 16 + hexval(v[i + 2]));
      i += 2;
    } else {
      out[o++] = v[i] == '+' ? ' ' : v[i];
    }
  }
  out[o] = '\0';
}

/* Finds a form field ("a=1&b=2") or JSON member value; copies into out. */
static bool cred_field(const struct cg_http_request *req, const cJSON *json,
                       const char *name, char *out, size_t size)
{
  if (json != NULL) {
    const char *v = cg_json_str(json, name);
    if (v != NULL)
      snprintf(out, size, "%s", v);
    return v != NULL;
  }
  size_t n = strlen(name);
  const char *p = req->body;
  while (p != NULL && *p) {
    if (strncmp(p, name, n) == 0 && p[n] == '=') {
      const char *v = p + n + 1, *end = strchr(v, '&');
      size_t len = end ? (size_t)(end - v) : strlen(v);
      form_decode(v, len, out, size);
      return true;
    }
    p = strchr(p, '&');
    p = p ? p + 1 : NULL;
  }
  return false;
}

static bool basic_matches(const char *auth, const char *id, const char *sec)
{
  static const char tbl[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  char plain[512], enc[800];
  size_t n = (size_t)snprintf(plain, sizeof(plain), "%s:%s", id, sec), o = 0;
  if (auth == NULL || strncasecmp(auth, "Basic ", 6) != 0 || n >= sizeof(plain))
    return false;
  for (size_t i = 0; i < n; i += 3) {
    unsigned v = (unsigned char)plain[i] << 16;
    v |= i + 1 < n ? (unsigned char)plain[i + 1] << 8 : 0;
    v |= i + 2 < n ? (unsigned char)plain[i + 2] : 0;
    enc[o++] = tbl[(v >> 18) & 63];
    enc[o++] = tbl[(v >> 12) & 63];
    enc[o++] = i + 1 < n ? tbl[(v >> 6) & 63] : '=';
    enc[o++] = i + 2 < n ? tbl[v & 63] : '=';
  }
  enc[o] = '\0';
  return strcmp(auth + 6, enc) == 0;
}

static bool creds_ok(struct sim_wms *w, struct cg_http_exchange *ex,
                     const cJSON *json)
{
  const struct cg_http_request *req = cg_http_exchange_request(ex);
  const struct sim_opts *o = &w->ctx->opts;
  char id[256], sec[256];
  if (basic_matches(cg_http_exchange_header(ex, "Authorization"),
                    o->gxo_client_id, o->gxo_client_secret))
    return true;
  return cred_field(req, json, "client_id", id, sizeof(id)) &&
         cred_field(req, json, "client_secret", sec, sizeof(sec)) &&
         strcmp(id, o->gxo_client_id) == 0 &&
         strcmp(sec, o->gxo_client_secret) == 0;
}

static void issue_token(struct sim_wms *w, struct cg_http_exchange *ex)
{
  int64_t now = cg_time_now_ms();
  prune_tokens(w, now);
  struct wms_token *t = cg_calloc(1, sizeof(*t));
  if (t == NULL || w->tokens.n >= TOKENS_MAX ||
      sim_vec_push(&w->tokens, t) != 0) {
    cg_free(t);
    sim_wms__fail(ex, 503, "too-many-tokens", "token store full", NULL);
    return;
  }
  sim_ctx_random_hex(w->ctx, 24, t->token);
  t->expires_ms = now + (int64_t)w->token_ttl_s * 1000;
  w->stats.tokens++;
  cJSON *doc = cJSON_CreateObject();
  cg_json_add_str(doc, "access_token", t->token);
  cg_json_add_str(doc, "token_type", "Bearer");
  cg_json_add_int(doc, "expires_in", w->token_ttl_s);
  sim_send_json(ex, 200, doc);
}

static void on_token(struct cg_http_exchange *ex, void *arg)
{
  struct sim_wms *w = arg;
  const struct cg_http_request *req = cg_http_exchange_request(ex);
  const char *ct = cg_http_exchange_header(ex, "Content-Type");
  cJSON *json = NULL;
  char grant[64];
  if (ct != NULL && strstr(ct, "json") != NULL &&
      sim_body_json(ex, &json) != 0) {
    sim_wms__fail(ex, 400, "malformed-json", "body is not JSON", NULL);
    return;
  }
  if (!cred_field(req, json, "grant_type", grant, sizeof(grant)) ||
      strcmp(grant, "client_credentials") != 0) {
    cJSON_Delete(json);
    sim_wms__fail(ex, 400, "unsupported-grant-type",
                  "grant_type must be client_credentials", "/grant_type");
    return;
  }
  bool ok = creds_ok(w, ex, json);
  cJSON_Delete(json);
  if (!ok) {
    w->stats.unauthorized++;
    sim_wms__fail(ex, 401, "invalid-client", "unknown client or wrong secret",
                  NULL);
    return;
  }
  issue_token(w, ex);
}

int sim_wms__auth_routes(struct sim_wms *w, struct cg_router *r)
{
  return cg_router_add(r, "POST", "/wms/v1/oauth/token", on_token, w);
}

/* --- idempotency ---------------------------------------------------------- */

static int slashes(const char *s)
{
  int n = 0;
  for (; *s; s++)
    n += *s == '/';
  return n;
}

static bool needs_key(const struct cg_http_request *req)
{
  if (strcmp(req->method, "POST") != 0)
    return false;
  for (size_t i = 0; i < sizeof(idem_paths) / sizeof(*idem_paths); i++)
    if (sim_glob(idem_paths[i], req->path) &&
        slashes(idem_paths[i]) == slashes(req->path))
      return true;
  return false;
}

static struct wms_idem *idem_find(struct sim_wms *w, const char *key)
{
  return cg_map_get_str(&w->idem_by_key, key);
}

static char *order_ref_of(const struct cg_http_request *req)
{
  if (strcmp(req->path, "/wms/v1/orders") != 0)
    return NULL;
  cJSON *doc = cg_json_parse(req->body ? req->body : "", req->body_len, NULL);
  const char *ref = cg_json_str(doc, "orderRef");
  char *copy = ref ? cg_strdup(ref) : NULL;
  cJSON_Delete(doc);
  return copy;
}

static void note_key(struct wms_order *o, const char *key)
{
  const cJSON *k;
  cJSON_ArrayForEach(k, o->keys)
  {
    if (cJSON_IsString(k) && strcmp(k->valuestring, key) == 0)
      return;
  }
  cJSON_AddItemToArray(o->keys, cJSON_CreateString(key));
}

static void replay(struct sim_wms *w, struct cg_http_exchange *ex,
                   struct wms_idem *e)
{
  struct wms_order *o = sim_wms__order_find(w, e->order_ref);
  w->stats.replays++;
  if (o != NULL)
    o->replays++;
  cg_http_add_header(ex, "Idempotency-Replayed", "true");
  cg_http_respond(ex, e->status, e->resp_len ? e->ctype : NULL, e->resp,
                  e->resp_len);
}

static bool same_request(const struct wms_idem *e,
                         const struct cg_http_request *req)
{
  return strcmp(e->path, req->path) == 0 && e->body_len == req->body_len &&
         memcmp(e->body, req->body ? req->body : "", req->body_len) == 0;
}

/* Handles a key already seen; returns true (always answers). */
static bool seen_key(struct sim_wms *w, struct cg_http_exchange *ex,
                     struct wms_idem *e)
{
  const struct cg_http_request *req = cg_http_exchange_request(ex);
  struct wms_order *o = sim_wms__order_find(w, e->order_ref);
  if (!same_request(e, req)) {
    w->stats.key_reuse422++;
    sim_send_problem(ex, 422, "idempotency-key-reused",
                     "this Idempotency-Key was used with another request",
                     NULL);
  } else if (e->in_flight) {
    w->stats.inflight409++;
    if (o != NULL)
      o->inflight409++;
    sim_send_problem(ex, 409, "request-in-progress",
                     "a request with this Idempotency-Key is in flight", NULL);
  } else {
    replay(w, ex, e);
  }
  return true;
}

static bool reserve(struct sim_wms *w, struct cg_http_exchange *ex,
                    const char *key)
{
  const struct cg_http_request *req = cg_http_exchange_request(ex);
  struct wms_idem *e = cg_calloc(1, sizeof(*e));
  if (e != NULL) {
    e->key = cg_strdup(key);
    e->path = cg_strdup(req->path);
    e->body = cg_strndup(req->body ? req->body : "", req->body_len);
    e->body_len = req->body_len;
    e->in_flight = true;
    e->order_ref = order_ref_of(req);
  }
  if (e == NULL || !e->key || !e->path || !e->body ||
      sim_wms__keep(&w->idem, &w->idem_by_key, e->key, e) != 0) {
    sim_wms__idem_free(e);
    sim_send_problem(ex, 503, "out-of-memory", "try again", NULL);
    return true;
  }
  struct wms_order *o =
      e->order_ref ? sim_wms__order_get(w, e->order_ref) : NULL;
  if (o != NULL)
    note_key(o, key);
  cg_http_exchange_set_data(ex, e);
  return false;
}

static bool check_key(struct sim_wms *w, struct cg_http_exchange *ex)
{
  const char *key = cg_http_exchange_header(ex, "Idempotency-Key");
  if (key == NULL || *key == '\0' || strlen(key) > KEY_MAX_LEN) {
    w->stats.missing_key400++;
    sim_send_problem(ex, 400, "missing-idempotency-key",
                     "every POST needs an Idempotency-Key of 1..255 chars",
                     NULL);
    return true;
  }
  struct wms_idem *e = idem_find(w, key);
  return e != NULL ? seen_key(w, ex, e) : reserve(w, ex, key);
}

bool sim_wms__pre(struct cg_http_exchange *ex, void *arg)
{
  struct sim_wms *w = arg;
  const struct cg_http_request *req = cg_http_exchange_request(ex);
  bool expired;
  if (strncmp(req->path, "/wms/v1/", 8) != 0 ||
      strcmp(req->path, "/wms/v1/oauth/token") == 0)
    return false;
  if (!token_valid(w, cg_http_exchange_header(ex, "Authorization"), &expired)) {
    w->stats.unauthorized++;
    cg_http_add_header(ex, "WWW-Authenticate",
                       "Bearer error=\"invalid_token\"");
    sim_send_problem(ex, 401, expired ? "token-expired" : "invalid-token",
                     expired ? "the access token has expired"
                             : "missing or unknown bearer token",
                     NULL);
    return true;
  }
  return needs_key(req) ? check_key(w, ex) : false;
}

void sim_wms__post(const struct cg_http_exchange *ex, int status, void *arg)
{
  struct sim_wms *w = arg;
  struct wms_idem *e = cg_http_exchange_data(ex);
  if (e == NULL || !e->in_flight)
    return;
  /* Status 0 with a reservation: the client went away while the request
   * was held back (injected latency); resets are only injected before the
   * reservation. The exchange stays valid and is still dispatched, like a
   * real server that finishes work its client stopped waiting for, so the
   * reservation stays: sim_wms__reply stores the answer for a replay, and
   * a retry meanwhile gets 409 request-in-progress. Freeing it here left
   * the exchange pointing at freed memory. */
  if (status == 0)
    return;
  /* Answered without sim_wms__reply (router 404/405, shutdown): forget the
   * reservation so the key can be used again. */
  for (size_t i = 0; i < w->idem.n; i++) {
    if (w->idem.v[i] == e) {
      w->idem.v[i] = w->idem.v[--w->idem.n];
      cg_map_del_str(&w->idem_by_key, e->key);
      sim_wms__idem_free(e);
      return;
    }
  }
}
