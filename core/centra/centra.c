/*
 * centra: the Centra client object and the one path every GraphQL
 * operation takes (see centra.h for the outcomes).
 *
 *   cg__centra_call(op, variables)
 *     -> paused (429 earlier)?           RETRY "paused", deferred
 *     -> mutation and no budget token?   RETRY "budget", deferred
 *     -> POST {query, variables, operationName}, Bearer token
 *     -> on_call_done -> cg__centra_interpret (centra_result.c)
 *          429 -> partner pause until Retry-After
 *     -> done(result)
 *
 * Outcomes known before sending are delivered through a deferred queue
 * (net/call.h), never inside the starting call. The token is only ever
 * put in the Authorization header; logs name operations, not headers.
 */
#include "centra/centra.h"
#include "centra/centra_int.h"

#include "base/err.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"
#include "net/http_client.h"
#include "net/ratelimit.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define container_of(ptr, type, member)                                        \
  ((type *)((char *)(ptr)-offsetof(type, member)))

#define DEFAULT_TIMEOUT_MS 20000
#define DEFAULT_CONNECT_MS 5000
#define DEFAULT_MAX_CONN 4
#define DEFAULT_QUOTA 20
#define DEFAULT_INTERVAL_S 10
#define DEFAULT_REQUEST_QUOTA 40 /* per 10 s: Centra's "standard" plan */
#define PAUSE_FALLBACK_MS 10000

struct cg_centra {
  char comp[96]; /* "centra:merchant=<m>" */
  char *url;
  char *auth_header; /* "Authorization: Bearer <token>" */
  long timeout_ms;
  struct cg_http_client *http;
  struct cg_call_queue *q;
  struct cg_ratelimit own_rl;
  struct cg_ratelimit *rl;      /* mutations, and the partner-wide pause */
  struct cg_ratelimit req_rl;   /* every request (REQUEST_COUNT, 10 s) */
  struct cg_ratelimit req_hour; /* REQUEST_COUNT over ONE_HOUR */
  struct cg_ratelimit mut_hour; /* MUTATION_COUNT over ONE_HOUR */
  bool closing;
};

struct call {
  struct cg_call_slot slot; /* for outcomes known before sending */
  struct cg_centra *c;
  const struct cg__centra_op *op;
  cg_call_done_fn done;
  void *arg;
};

static void log_outcome(struct cg_centra *c, const struct cg__centra_op *op,
                        const struct cg_call_result *res)
{
  if (res->outcome == CG_OUTCOME_OK && res->message[0] != '\0')
    cg_log_warn(c->comp, "%s succeeded with %s", op->name, res->message);
  else if (res->outcome == CG_OUTCOME_OK)
    cg_log_debug(c->comp, "%s: ok", op->name);
  else
    cg_log_warn(c->comp, "%s: %s (HTTP %ld, code %s): %s", op->name,
                cg_call_outcome_name(res->outcome), res->http_status,
                res->code[0] ? res->code : "-", res->message);
}

static void on_call_done(const struct cg_http_result *hr, void *arg)
{
  struct call *call = arg;
  struct cg_centra *c = call->c;
  struct cg_call_result res;
  if (c->closing || hr->err == CG_ECANCELED) {
    cg_call_result_init(&res);
    cg_call_result_set(&res, CG_OUTCOME_RETRY, "canceled",
                       "Centra client closed before the answer");
  } else {
    int64_t now = cg_time_now_ms();
    cg__centra_interpret(call->op, hr, now, &res);
    /* Centra counts in 10 s windows: without a usable Retry-After, wait
     * one window rather than hammering it again. */
    if (res.http_status == 429 && res.retry_at_ms <= now)
      res.retry_at_ms = now + PAUSE_FALLBACK_MS;
    /* A 503 with Retry-After is about the whole service, like a 429:
     * nothing goes to Centra before that deadline (the polls too). */
    if (res.http_status == 429 || res.http_status == 403 ||
        (res.http_status == 503 && res.retry_at_ms > now))
      cg_ratelimit_pause_until(c->rl, res.retry_at_ms);
    log_outcome(c, call->op, &res);
  }
  cg_call_result_deliver(&res, call->done, call->arg);
  cg_free(call);
}

static void on_slot_release(struct cg_call_slot *slot)
{
  cg_free(container_of(slot, struct call, slot));
}

/* The buckets a call needs: every request takes a request token (10 s
 * and hour), a mutation also a mutation token (10 s and hour). A bucket
 * with no quota yet (the hours, until rateLimits answers) never holds a
 * call back. */
static size_t needed_buckets(struct cg_centra *c, bool mutation,
                             struct cg_ratelimit *out[4])
{
  size_t n = 0;
  out[n++] = &c->req_rl;
  out[n++] = &c->req_hour;
  if (mutation) {
    out[n++] = c->rl;
    out[n++] = &c->mut_hour;
  }
  return n;
}

/* Takes one token from every bucket the call needs: all or none. */
static bool take_budget(struct cg_centra *c, bool mutation, int64_t now)
{
  struct cg_ratelimit *b[4];
  size_t n = needed_buckets(c, mutation, b);
  for (size_t i = 0; i < n; i++)
    if (cg_ratelimit_next_allowed_ms(b[i], now, 1) > now)
      return false;
  for (size_t i = 0; i < n; i++)
    cg_ratelimit_take(b[i], now, 1);
  return true;
}

static int64_t budget_next_ms(struct cg_centra *c, bool mutation, int64_t now)
{
  struct cg_ratelimit *b[4];
  size_t n = needed_buckets(c, mutation, b);
  int64_t at = cg_ratelimit_next_allowed_ms(c->rl, now, 0); /* the pause */
  for (size_t i = 0; i < n; i++) {
    int64_t t = cg_ratelimit_next_allowed_ms(b[i], now, 1);
    at = t > at ? t : at;
  }
  return at;
}

/* Parks a RETRY (nothing sent) in the call's slot when the partner is
 * paused or the request or mutation budget is empty; the call is freed
 * after delivery. Returns true if parked. */
static bool gate(struct cg_centra *c, struct call *call)
{
  const struct cg__centra_op *op = call->op;
  int64_t now = cg_time_now_ms();
  bool paused = cg_ratelimit_is_paused(c->rl, now);
  if (!paused && take_budget(c, op->mutation, now))
    return false;
  struct cg_call_result res;
  cg_call_result_init(&res);
  res.retry_at_ms = budget_next_ms(c, op->mutation, now);
  if (paused)
    cg_call_result_set(&res, CG_OUTCOME_RETRY, "paused",
                       "%s: Centra asked us to wait (429); nothing sent",
                       op->name);
  else
    cg_call_result_set(&res, CG_OUTCOME_RETRY, "budget",
                       "%s: request or mutation budget used up; nothing sent",
                       op->name);
  cg_log_debug(c->comp, "%s", res.message);
  call->slot.release = on_slot_release;
  cg_call_defer_slot(c->q, &call->slot, &res, call->done, call->arg);
  return true;
}

/* {"query", "variables", "operationName"} as text; takes variables. */
static char *request_body(const struct cg__centra_op *op, cJSON *variables)
{
  cJSON *doc = cJSON_CreateObject();
  if (doc == NULL || variables == NULL) {
    cJSON_Delete(doc);
    cJSON_Delete(variables);
    return NULL;
  }
  if (!cJSON_AddItemToObject(doc, "variables", variables)) {
    cJSON_Delete(variables); /* the key copy failed: not attached */
    cJSON_Delete(doc);
    return NULL;
  }
  char *body = NULL;
  if (cg_json_add_str(doc, "query", op->query) != NULL &&
      cg_json_add_str(doc, "operationName", op->name) != NULL)
    body = cg_json_print(doc);
  cJSON_Delete(doc);
  return body;
}

static int send_call(struct cg_centra *c, struct call *call, const char *body)
{
  const char *headers[] = {c->auth_header, "Content-Type: application/json",
                           "Accept: application/json", NULL};
  struct cg_http_req req = {.method = "POST",
                            .url = c->url,
                            .headers = headers,
                            .body = body,
                            .body_len = strlen(body),
                            .timeout_ms = c->timeout_ms};
  return cg_http_client_send(c->http, &req, on_call_done, call);
}

int cg__centra_call(struct cg_centra *c, const struct cg__centra_op *op,
                    cJSON *variables, cg_call_done_fn done, void *arg)
{
  if (c->closing || !cg__centra_op_known(op)) {
    cJSON_Delete(variables);
    return c->closing ? CG_ECANCELED : CG_EINVAL;
  }
  char *body = request_body(op, variables);
  struct call *call = body ? cg_calloc(1, sizeof(*call)) : NULL;
  int rc = CG_ENOMEM;
  if (call != NULL) {
    *call = (struct call){.c = c, .op = op, .done = done, .arg = arg};
    if (gate(c, call))
      rc = 0; /* parked: freed after delivery */
    else if ((rc = send_call(c, call, body)) != 0)
      cg_free(call);
  }
  cg_free(body);
  return rc;
}

/* The entry of one type and interval (RateLimitInterval is an enum,
 * not a number of seconds), if present. */
static const cJSON *find_limit(const cJSON *limits, const char *type,
                               const char *interval)
{
  const cJSON *it;
  cJSON_ArrayForEach(it, limits)
  {
    const char *t = cg_json_str(it, "type");
    const char *ival = cg_json_str(it, "intervalSeconds");
    if (t != NULL && ival != NULL && strcmp(t, type) == 0 &&
        strcmp(ival, interval) == 0)
      return it;
  }
  return NULL;
}

/* Sizes one bucket from its entry; returns the quota or -1. */
static int64_t apply_limit(struct cg_ratelimit *rl, const cJSON *entry,
                           int64_t window_ms, int64_t now)
{
  int64_t quota = cg_json_int(entry, "quota", -1);
  if (entry == NULL || quota <= 0 ||
      cg_ratelimit_set_quota(rl, quota, window_ms, now) != 0)
    return -1;
  cg_ratelimit_observe_remaining(rl, cg_json_int(entry, "remainingQuota", -1),
                                 now);
  return quota;
}

#define HOUR_MS 3600000

int cg__centra_apply_limits(struct cg_centra *c, const cJSON *limits)
{
  int64_t now = cg_time_now_ms();
  int64_t muts = apply_limit(
      c->rl, find_limit(limits, "MUTATION_COUNT", "TEN_SECONDS"), 10000, now);
  int64_t reqs = apply_limit(&c->req_rl,
                             find_limit(limits, "REQUEST_COUNT", "TEN_SECONDS"),
                             10000, now);
  int64_t muth = apply_limit(&c->mut_hour,
                             find_limit(limits, "MUTATION_COUNT", "ONE_HOUR"),
                             HOUR_MS, now);
  int64_t reqh =
      apply_limit(&c->req_hour, find_limit(limits, "REQUEST_COUNT", "ONE_HOUR"),
                  HOUR_MS, now);
  if (muts < 0)
    return CG_EINVAL;
  cg_log_info(c->comp,
              "budget set from rateLimits: %lld mutations and %lld requests"
              " per 10 s, %lld and %lld per hour (-1: not reported)",
              (long long)muts,
              (long long)(reqs < 0 ? DEFAULT_REQUEST_QUOTA : reqs),
              (long long)muth, (long long)reqh);
  return 0;
}

int cg_centra_budget_available(struct cg_centra *c)
{
  return (int)cg_ratelimit_tokens(c->rl, cg_time_now_ms());
}

/* --- create / destroy --------------------------------------------------- */

static char *bearer(const char *token)
{
  size_t n = strlen(token) + 32;
  char *h = cg_malloc(n);
  if (h != NULL)
    snprintf(h, n, "Authorization: Bearer %s", token);
  return h;
}

static void centra_free(struct cg_centra *c)
{
  cg_free(c->url);
  if (c->auth_header != NULL)
    memset(c->auth_header, 0, strlen(c->auth_header));
  cg_free(c->auth_header);
  cg_free(c);
}

static int centra_init(struct cg_centra *c, const struct cg_centra_opts *o,
                       struct cg_err *err)
{
  snprintf(c->comp, sizeof(c->comp), "centra:merchant=%s", o->merchant);
  c->url = cg_strdup(o->url);
  c->auth_header = bearer(o->token);
  c->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : DEFAULT_TIMEOUT_MS;
  cg_ratelimit_init(&c->own_rl, c->comp);
  cg_ratelimit_init(&c->req_rl, c->comp);
  cg_ratelimit_init(&c->req_hour, c->comp);
  cg_ratelimit_init(&c->mut_hour, c->comp);
  c->rl = o->limiter ? o->limiter : &c->own_rl;
  if (cg_ratelimit_set_quota(&c->req_rl, DEFAULT_REQUEST_QUOTA, 10000,
                             cg_time_now_ms()) != 0)
    return cg_err_set(err, CG_EINVAL, "centra: bad request budget");
  int quota = o->mutation_quota > 0 ? o->mutation_quota : DEFAULT_QUOTA;
  int ival =
      o->mutation_interval_s > 0 ? o->mutation_interval_s : DEFAULT_INTERVAL_S;
  if (cg_ratelimit_set_quota(c->rl, quota, ival * 1000LL, cg_time_now_ms()) !=
      0)
    return cg_err_set(err, CG_EINVAL, "centra: bad mutation budget");
  struct cg_http_client_opts hopts = {
      .max_host_connections =
          o->max_connections > 0 ? o->max_connections : DEFAULT_MAX_CONN,
      .connect_timeout_ms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms
                                                      : DEFAULT_CONNECT_MS};
  if (c->url == NULL || c->auth_header == NULL)
    return cg_err_set(err, CG_ENOMEM, "centra: out of memory");
  c->q = cg_call_queue_create(o->loop);
  c->http = c->q ? cg_http_client_create(o->loop, &hopts) : NULL;
  if (c->http == NULL)
    return cg_err_set(err, CG_ENOMEM, "centra: cannot create HTTP client");
  return 0;
}

struct cg_centra *cg_centra_create(const struct cg_centra_opts *opts,
                                   struct cg_err *err)
{
  if (opts == NULL || opts->loop == NULL || opts->merchant == NULL ||
      opts->url == NULL || opts->token == NULL || opts->token[0] == '\0') {
    cg_err_set(err, CG_EINVAL,
               "centra: loop, merchant, url and token "
               "needed");
    return NULL;
  }
  struct cg_centra *c = cg_calloc(1, sizeof(*c));
  if (c == NULL) {
    cg_err_set(err, CG_ENOMEM, "centra: out of memory");
    return NULL;
  }
  if (centra_init(c, opts, err) != 0) {
    cg_call_queue_destroy(c->q);
    centra_free(c);
    return NULL;
  }
  return c;
}

static void on_http_closed(void *arg)
{
  centra_free(arg);
}

void cg_centra_destroy(struct cg_centra *c)
{
  if (c == NULL)
    return;
  c->closing = true;
  cg_call_queue_destroy(c->q);
  c->q = NULL;
  /* In-flight requests complete synchronously with CG_ECANCELED (RETRY
   * "canceled" to their callers); c is freed in on_http_closed. */
  cg_http_client_close(c->http, on_http_closed, c);
}
