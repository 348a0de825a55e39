/*
 * centra: the Centra client object and the one path every GraphQL
 * operation takes (see centra.h for the outcomes).
 *
 *   cg__centra_call(op, variables)
 *     -> paused (429 earlier)?           RETRY "paused", deferred
 *     -> a bucket short?                 RETRY "budget", deferred
 *        (a request token, a mutation token for mutations, and the
 *        estimated complexity, each over 10 s and over an hour)
 *     -> POST {query, variables, operationName}, Bearer token
 *     -> on_call_done -> cg__centra_interpret_cost (centra_result.c)
 *          extensions.complexity -> settle the estimate with it
 *          429 -> partner pause until Retry-After
 *     -> done(result)
 *
 * Outcomes known before sending are delivered through a deferred queue
 * (net/call.h), never inside the starting call. The token is only ever
 * put in the Authorization header; logs name operations, not headers.
 */
#include "centra/centra.h"
#include "centra/centra_int.h"

#include "base/buf.h"
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
/* QUERY_COMPLEXITY of the same plan, per 10 s and per hour. */
#define DEFAULT_COMPLEXITY_QUOTA 150000
#define DEFAULT_COMPLEXITY_HOUR 20000000
#define HOUR_MS 3600000
/* Complexity charged for a document Centra has not priced yet: above the
 * dearest page the engine asks for (a page of 50 products with their
 * variants and sizes, the item master's, about 12,600 as the simulator
 * prices it), so a first page never overdraws the bucket beside others. */
#define COST_UNSEEN_QUERY 20000
#define COST_UNSEEN_MUTATION 1000
#define PAUSE_FALLBACK_MS 10000
/* Until rateLimits first answers, or this long after start, only
 * rateLimits is sent: the quota is shared with the shop's other
 * integrations (and a previous run of this engine), so full default
 * buckets could overrun what is left of it. */
#define WARMUP_MAX_MS 10000
#define WARMUP_RETRY_MS 250
/* Request text buffer: first size, and the size at which printing gives
 * up (a document that large is a bug, not a request). */
#define PRINT_MIN 4096
#define PRINT_MAX (64 * 1024 * 1024)

struct cg_centra {
  char comp[96]; /* "centra:merchant=<m>" */
  char *url;
  char *auth_header;  /* "Authorization: Bearer <token>" */
  struct cg_buf body; /* the request being sent: reused storage */
  long timeout_ms;
  struct cg_http_client *http;
  struct cg_call_queue *q;
  struct cg_ratelimit own_rl;
  struct cg_ratelimit *rl;      /* mutations, and the partner-wide pause */
  struct cg_ratelimit req_rl;   /* every request (REQUEST_COUNT, 10 s) */
  struct cg_ratelimit req_hour; /* REQUEST_COUNT over ONE_HOUR */
  struct cg_ratelimit mut_hour; /* MUTATION_COUNT over ONE_HOUR */
  struct cg_ratelimit cx_10s;   /* QUERY_COMPLEXITY over TEN_SECONDS */
  struct cg_ratelimit cx_hour;  /* QUERY_COMPLEXITY over ONE_HOUR */
  /* The largest complexity Centra reported for each document; -1 until
   * one answer reported it. */
  int64_t cost_seen[CG__DOC_COUNT];
  /* The `limit` variable of the call that cost cost_seen (0: none). */
  int64_t cost_limit[CG__DOC_COUNT];
  int64_t warehouse;     /* the merchant's Centra warehouse (stock) */
  bool limits_known;     /* rateLimits answered once (whatever it said) */
  int64_t warm_until_ms; /* no other call before limits_known or this */
  bool closing;
};

struct call {
  struct cg_call_slot slot; /* for outcomes known before sending */
  struct cg_centra *c;
  const struct cg__centra_op *op;
  cg_call_done_fn done;
  void *arg;
  int64_t estimate; /* complexity taken from both buckets before sending */
  int64_t limit;    /* its `limit` variable (a page's size), 0 = none */
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

/* The document's slot in cost_seen (ops are the table's, checked at
 * cg__centra_call). */
static size_t op_index(const struct cg__centra_op *op)
{
  size_t i = 0;
  while (i + 1 < CG__DOC_COUNT && cg__centra_op((enum cg__centra_doc)i) != op)
    i++;
  return i;
}

/* The largest cost Centra reported for the call's document, scaled up
 * when the call asks for a bigger page than the one that cost it (Centra
 * prices a page by its limit: the events queue doubles its page while a
 * backlog lasts); -1 when none was reported. */
static int64_t seen_cost(const struct cg_centra *c, const struct call *call)
{
  size_t i = op_index(call->op);
  int64_t seen = c->cost_seen[i], at = c->cost_limit[i];
  if (seen < 0 || at <= 0 || call->limit <= at)
    return seen;
  return seen * call->limit / at;
}

/* The complexity charged before sending: the largest Centra reported for
 * the document so far (its cost depends on the variables, mostly a list
 * limit the engine keeps constant, so the largest is a safe estimate), or
 * until one is seen COST_UNSEEN_QUERY for a query (above what the
 * engine's heaviest documents, a page of 100 orders with their lines or
 * of 50 products with their sizes, are expected to cost) and
 * COST_UNSEEN_MUTATION for a mutation (one payload object, no lists of a
 * limit); either way at most a full burst of the 10 s bucket, so that a
 * document dearer than the burst (a small quota) still goes out when the bucket
 * is full, its settle leaving a debt that later calls wait for, instead of
 * never going out. A mutation must not wait for a whole burst: the events
 * queue's confirm follows a costly pull, and would otherwise never find the
 * bucket full before the next pull. A document that costs more than its
 * estimate is corrected by the settle, once. */
static int64_t estimate(const struct cg_centra *c, const struct call *call)
{
  const struct cg__centra_op *op = call->op;
  int64_t seen = seen_cost(c, call);
  int64_t guess = seen >= 0      ? seen
                  : op->mutation ? COST_UNSEEN_MUTATION
                                 : COST_UNSEEN_QUERY;
  int64_t burst = c->cx_10s.capacity;
  return burst > 0 && burst < guess ? burst : guess;
}

/* Corrects the estimate with what Centra charged (when it says): a
 * debit may leave the buckets in debt, which delays later calls. */
static void settle_cost(struct cg_centra *c, const struct call *call,
                        int64_t actual, int64_t now)
{
  if (actual < 0)
    return; /* not reported: the estimate stands */
  size_t i = op_index(call->op);
  if (actual > c->cost_seen[i]) {
    c->cost_seen[i] = actual;
    c->cost_limit[i] = call->limit;
  }
  cg_ratelimit_settle(&c->cx_10s, now, actual - call->estimate);
  cg_ratelimit_settle(&c->cx_hour, now, actual - call->estimate);
  if (actual > call->estimate)
    cg_log_debug(c->comp, "%s cost %lld, %lld more than estimated",
                 call->op->name, (long long)actual,
                 (long long)(actual - call->estimate));
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
    int64_t now = cg_time_now_ms(), complexity;
    cg__centra_interpret_cost(call->op, hr, now, &res, &complexity);
    if (call->op == cg__centra_op(CG__DOC_RATE_LIMITS))
      c->limits_known = true;
    settle_cost(c, call, complexity, now);
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

/* One bucket a call draws on, and how much. */
struct need {
  struct cg_ratelimit *rl;
  int64_t cost;
};

#define NEEDS_MAX 6

/* The buckets a call needs: every request takes a request token and its
 * estimated complexity (10 s and hour each), a mutation also a mutation
 * token (10 s and hour). A bucket with no quota yet (the request and
 * mutation hours, until rateLimits answers) never holds a call back. */
static size_t needed_buckets(struct cg_centra *c, const struct call *call,
                             struct need out[NEEDS_MAX])
{
  size_t n = 0;
  out[n++] = (struct need){&c->req_rl, 1};
  out[n++] = (struct need){&c->req_hour, 1};
  out[n++] = (struct need){&c->cx_10s, call->estimate};
  out[n++] = (struct need){&c->cx_hour, call->estimate};
  if (call->op->mutation) {
    out[n++] = (struct need){c->rl, 1};
    out[n++] = (struct need){&c->mut_hour, 1};
  }
  return n;
}

/* Takes what the call needs from every bucket: all or none. */
static bool take_budget(struct cg_centra *c, const struct call *call,
                        int64_t now)
{
  struct need b[NEEDS_MAX];
  size_t n = needed_buckets(c, call, b);
  for (size_t i = 0; i < n; i++)
    if (cg_ratelimit_next_allowed_ms(b[i].rl, now, b[i].cost) > now)
      return false;
  for (size_t i = 0; i < n; i++)
    cg_ratelimit_take(b[i].rl, now, b[i].cost);
  return true;
}

static int64_t budget_next_ms(struct cg_centra *c, const struct call *call,
                              int64_t now)
{
  struct need b[NEEDS_MAX];
  size_t n = needed_buckets(c, call, b);
  int64_t at = cg_ratelimit_next_allowed_ms(c->rl, now, 0); /* the pause */
  for (size_t i = 0; i < n; i++) {
    int64_t t = cg_ratelimit_next_allowed_ms(b[i].rl, now, b[i].cost);
    at = t > at ? t : at;
  }
  return at;
}

/* True while the client waits for its first rateLimits answer and op is
 * another call (see WARMUP_MAX_MS). */
static bool warming_up(const struct cg_centra *c,
                       const struct cg__centra_op *op, int64_t now)
{
  return !c->limits_known && now < c->warm_until_ms &&
         op != cg__centra_op(CG__DOC_RATE_LIMITS);
}

/* Parks a RETRY (nothing sent) in the call's slot when the partner is
 * paused, the budget is not known yet, or a budget (requests, mutations,
 * complexity) is short; the call is freed after delivery. Returns true
 * if parked. */
static bool gate(struct cg_centra *c, struct call *call)
{
  const struct cg__centra_op *op = call->op;
  int64_t now = cg_time_now_ms();
  bool paused = cg_ratelimit_is_paused(c->rl, now);
  bool warming = warming_up(c, op, now);
  call->estimate = estimate(c, call);
  if (!paused && !warming && take_budget(c, call, now))
    return false;
  struct cg_call_result res;
  cg_call_result_init(&res);
  res.retry_at_ms =
      warming ? now + WARMUP_RETRY_MS : budget_next_ms(c, call, now);
  if (warming)
    cg_call_result_set(&res, CG_OUTCOME_RETRY, "budget",
                       "%s: waiting for Centra's rateLimits (the quota is "
                       "shared); nothing sent",
                       op->name);
  else if (paused)
    cg_call_result_set(&res, CG_OUTCOME_RETRY, "paused",
                       "%s: Centra asked us to wait (429); nothing sent",
                       op->name);
  else
    cg_call_result_set(&res, CG_OUTCOME_RETRY, "budget",
                       "%s: request, mutation or complexity budget used up;"
                       " nothing sent",
                       op->name);
  cg_log_debug(c->comp, "%s", res.message);
  call->slot.release = on_slot_release;
  cg_call_defer_slot(c->q, &call->slot, &res, call->done, call->arg);
  return true;
}

/* Adds text to doc under a constant key without copying either (both
 * outlive doc). */
static bool add_ref(cJSON *doc, const char *key, const char *text)
{
  cJSON *s = cJSON_CreateStringReference(text);
  if (s != NULL && cJSON_AddItemToObjectCS(doc, key, s))
    return true;
  cJSON_Delete(s);
  return false;
}

/* Prints doc into b, which the client keeps between calls (grown by
 * doubling until the text fits), so a call allocates no text of its own.
 * NULL on ENOMEM. */
static const char *print_into(struct cg_buf *b, cJSON *doc)
{
  if (b->cap < PRINT_MIN && cg_buf_reserve(b, PRINT_MIN) != 0)
    return NULL;
  while (!cJSON_PrintPreallocated(doc, b->data, (int)b->cap, false))
    if (b->cap >= PRINT_MAX || cg_buf_reserve(b, b->cap) != 0)
      return NULL;
  return b->data;
}

/* {"query", "variables", "operationName"} as text in c->body (valid
 * until the next call); takes variables. The document and operation
 * name are referenced, not copied. */
static const char *request_body(struct cg_centra *c,
                                const struct cg__centra_op *op,
                                cJSON *variables)
{
  cJSON *doc = cJSON_CreateObject();
  if (doc == NULL || variables == NULL ||
      !cJSON_AddItemToObjectCS(doc, "variables", variables)) {
    cJSON_Delete(doc);
    cJSON_Delete(variables); /* not attached */
    return NULL;
  }
  const char *body = NULL;
  if (add_ref(doc, "query", op->query) &&
      add_ref(doc, "operationName", op->name))
    body = print_into(&c->body, doc);
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
  if (c == NULL) { /* the engine is stopping: the client is gone */
    cJSON_Delete(variables);
    return CG_ECANCELED;
  }
  if (c->closing || !cg__centra_op_known(op)) {
    cJSON_Delete(variables);
    return c->closing ? CG_ECANCELED : CG_EINVAL;
  }
  int64_t limit = cg_json_int(variables, "limit", 0);
  const char *body = request_body(c, op, variables);
  struct call *call = body ? cg_calloc(1, sizeof(*call)) : NULL;
  int rc = CG_ENOMEM;
  if (call != NULL) {
    *call = (struct call){
        .c = c, .op = op, .done = done, .arg = arg, .limit = limit};
    if (gate(c, call))
      rc = 0; /* parked: freed after delivery */
    else if ((rc = send_call(c, call, body)) != 0)
      cg_free(call);
  }
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

/* Sizes one bucket from its entry; returns the quota or -1 (bucket
 * unchanged). What the window already spent stays spent: a smaller quota
 * starts with the old spending (a debt, when it was more than the new
 * burst), so calls sent under the defaults before rateLimits answered
 * count against the real quota. Then lowered to remainingQuota. */
static int64_t apply_limit(struct cg_ratelimit *rl, const cJSON *entry,
                           int64_t window_ms, int64_t now)
{
  int64_t quota = cg_json_int(entry, "quota", -1);
  int64_t spent = rl->capacity - cg_ratelimit_tokens(rl, now);
  /* A quota beyond what a bucket holds is as good as none: the largest
   * bucket, not the much lower default the refusal used to leave. */
  if (quota > CG_RATELIMIT_MAX_TOKENS)
    quota = CG_RATELIMIT_MAX_TOKENS;
  if (entry == NULL || quota <= 0 ||
      cg_ratelimit_set_quota(rl, quota, window_ms, now) != 0)
    return -1;
  int64_t excess = cg_ratelimit_tokens(rl, now) - (rl->capacity - spent);
  if (spent > 0 && excess > 0)
    cg_ratelimit_settle(rl, now, excess);
  cg_ratelimit_observe_remaining(rl, cg_json_int(entry, "remainingQuota", -1),
                                 now);
  return quota;
}

/* The six rateLimits buckets, in the order of centra_buckets(). */
static const struct {
  const char *type;
  const char *interval;
  int64_t ms;
} LIMITS[NEEDS_MAX] = {
    {"MUTATION_COUNT", "TEN_SECONDS", 10000},
    {"REQUEST_COUNT", "TEN_SECONDS", 10000},
    {"QUERY_COMPLEXITY", "TEN_SECONDS", 10000},
    {"MUTATION_COUNT", "ONE_HOUR", HOUR_MS},
    {"REQUEST_COUNT", "ONE_HOUR", HOUR_MS},
    {"QUERY_COMPLEXITY", "ONE_HOUR", HOUR_MS},
};

static void centra_buckets(struct cg_centra *c, struct cg_ratelimit *b[])
{
  struct cg_ratelimit *all[NEEDS_MAX] = {
      c->rl, &c->req_rl, &c->cx_10s, &c->mut_hour, &c->req_hour, &c->cx_hour};
  memcpy(b, all, sizeof(all));
}

int cg__centra_apply_limits(struct cg_centra *c, const cJSON *limits)
{
  int64_t now = cg_time_now_ms(), q[NEEDS_MAX];
  struct cg_ratelimit *b[NEEDS_MAX];
  centra_buckets(c, b);
  for (size_t i = 0; i < NEEDS_MAX; i++)
    q[i] = apply_limit(b[i],
                       find_limit(limits, LIMITS[i].type, LIMITS[i].interval),
                       LIMITS[i].ms, now);
  if (q[0] < 0)
    return CG_EINVAL;
  cg_log_info(c->comp,
              "budget set from rateLimits: %lld mutations, %lld requests,"
              " %lld complexity per 10 s; %lld, %lld, %lld per hour"
              " (-1: not reported, that bucket is unchanged)",
              (long long)q[0], (long long)q[1], (long long)q[2],
              (long long)q[3], (long long)q[4], (long long)q[5]);
  return 0;
}

int cg_centra_budget_available(struct cg_centra *c)
{
  return (int)cg_ratelimit_tokens(c->rl, cg_time_now_ms());
}

int64_t cg_centra_warehouse(const struct cg_centra *c)
{
  return c ? c->warehouse : 0;
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
  cg_buf_free(&c->body);
  cg_free(c);
}

/* The buckets before rateLimits answers: the standard plan's requests
 * and complexity, the caller's (or the default) mutation quota. */
static int init_budgets(struct cg_centra *c, const struct cg_centra_opts *o)
{
  struct cg_ratelimit *b[NEEDS_MAX];
  cg_ratelimit_init(&c->own_rl, c->comp);
  c->rl = o->limiter ? o->limiter : &c->own_rl;
  centra_buckets(c, b);
  for (size_t i = 1; i < NEEDS_MAX; i++)
    cg_ratelimit_init(b[i], c->comp);
  for (size_t i = 0; i < CG__DOC_COUNT; i++)
    c->cost_seen[i] = -1;
  int64_t now = cg_time_now_ms();
  int quota = o->mutation_quota > 0 ? o->mutation_quota : DEFAULT_QUOTA;
  int ival =
      o->mutation_interval_s > 0 ? o->mutation_interval_s : DEFAULT_INTERVAL_S;
  if (cg_ratelimit_set_quota(&c->req_rl, DEFAULT_REQUEST_QUOTA, 10000, now) ||
      cg_ratelimit_set_quota(&c->cx_10s, DEFAULT_COMPLEXITY_QUOTA, 10000,
                             now) ||
      cg_ratelimit_set_quota(&c->cx_hour, DEFAULT_COMPLEXITY_HOUR, HOUR_MS,
                             now) ||
      cg_ratelimit_set_quota(c->rl, quota, ival * 1000LL, now))
    return CG_EINVAL;
  return 0;
}

static int centra_init(struct cg_centra *c, const struct cg_centra_opts *o,
                       struct cg_err *err)
{
  snprintf(c->comp, sizeof(c->comp), "centra:merchant=%s", o->merchant);
  c->url = cg_strdup(o->url);
  c->auth_header = bearer(o->token);
  c->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : DEFAULT_TIMEOUT_MS;
  c->warehouse = o->warehouse > 0 ? o->warehouse : 1;
  if (init_budgets(c, o) != 0)
    return cg_err_set(err, CG_EINVAL, "centra: bad mutation budget");
  struct cg_http_client_opts hopts = {
      .max_host_connections =
          o->max_connections > 0 ? o->max_connections : DEFAULT_MAX_CONN,
      .connect_timeout_ms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms
                                                      : DEFAULT_CONNECT_MS};
  if (c->url == NULL || c->auth_header == NULL)
    return cg_err_set(err, CG_ENOMEM, "centra: out of memory");
  c->warm_until_ms = cg_time_now_ms() + WARMUP_MAX_MS;
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
