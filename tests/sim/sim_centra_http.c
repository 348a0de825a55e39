/*
 * sim_centra_http: the POST /graphql endpoint of the simulated Centra.
 *
 *   token (403) -> JSON body (400)
 *     -> plan in the GraphQL host (node + graphql-js, sim_gqlhost.c):
 *        invalid document or variables -> 400, counted as a refusal;
 *        introspection only -> answered there
 *     -> complexity and mutation budgets (429 + Retry-After, nothing run)
 *     -> each root field's handler (whole stored objects)
 *     -> the host executes the document over them: only what was selected,
 *        aliases, fragments, __typename; handler errors become field errors
 *
 * The endpoint waits for the host on the loop (the warehouse side goes
 * on meanwhile); the host takes one request at a time, so later ones
 * wait in order of arrival (struct sim_gql_run). sim_centra__execute
 * takes the same steps, waiting for the host in place.
 *
 * Three budgets are enforced, each a sliding window holding what it
 * admitted: requests (--centra-request-budget, default 500 per 10 s;
 * every request after the token and body checks), query complexity
 * (--centra-complexity-budget, default 1,500,000 per 10 s, ten times
 * Centra's standard plan as the request budget is lenient too, and 400/3
 * of that per hour, the standard plan's ratio; the document's cost as
 * centra_gql.js computes it before running it, also reported in the answer's
 * extensions.complexity) and mutations (--centra-mutation-budget, default
 * 20 per 10 s; a request whose mutations do not all fit is refused
 * whole). Over any: 429 with Retry-After, nothing run, nothing counted.
 * The hourly request and mutation buckets are only counted and reported
 * by rateLimits. GET /_sim/centra/refusals lists refusals and counts the
 * 429s of each budget. GET /_sim/centra/operations counts the requests
 * per operationName and answer status (DELETE empties it): what a
 * benchmark reads to tell the engine's calls apart.
 */
#include "sim_centra.h"

#include "sim_ctx.h"
#include "sim_gqlhost.h"
#include "sim_util.h"

#include "base/err.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"
#include "net/http_server.h"
#include "net/router.h"

#include <stdio.h>
#include <string.h>

#define DEFAULT_TOKEN "centra-dev-token"
#define DEFAULT_BUDGET 20
#define DEFAULT_REQUEST_BUDGET 500
#define DEFAULT_COMPLEXITY_BUDGET 1500000
#define HOUR_MS 3600000

struct op_entry {
  const char *name;
  bool mutation;
  sim_centra_op_fn fn;
};

static const struct op_entry OPS[] = {
    {"orders", false, sim_centra__op_orders},
    {"order", false, sim_centra__op_order},
    {"shipments", false, sim_centra__op_shipments},
    {"productSizes", false, sim_centra__op_product_sizes},
    {"returns", false, sim_centra__op_returns},
    {"events", false, sim_centra__op_events},
    {"eventListeners", false, sim_centra__op_event_listeners},
    {"idConversions", false, sim_centra__op_id_conversions},
    {"products", false, sim_centra__op_products},
    {"counters", false, sim_centra__op_counters},
    {"warehouses", false, sim_centra__op_warehouses},
    {"rateLimits", false, sim_centra__op_rate_limits},
    {"setEventListeners", true, sim_centra__op_set_listeners},
    {"confirmEvents", true, sim_centra__op_confirm_events},
    {"createShipment", true, sim_centra__op_create_shipment},
    {"updateShipment", true, sim_centra__op_update_shipment},
    {"completeShipment", true, sim_centra__op_complete_shipment},
    {"captureShipment", true, sim_centra__op_capture_shipment},
    {"createReturn", true, sim_centra__op_create_return},
    {"changeStock", true, sim_centra__op_change_stock},
    {"setStock", true, sim_centra__op_set_stock},
    {"completeReturn", true, sim_centra__op_complete_return},
    {"refundReturn", true, sim_centra__op_refund_return},
    {"updateDirectToConsumerOrder", true, sim_centra__op_update_order},
};

static const struct op_entry *op_find(const char *name, bool mutation)
{
  for (size_t i = 0; i < sizeof(OPS) / sizeof(OPS[0]); i++) {
    if (OPS[i].mutation == mutation && strcmp(OPS[i].name, name) == 0)
      return &OPS[i];
  }
  return NULL;
}

/* --- answers ---------------------------------------------------------------
 */

static cJSON *error_item(const char *message, const char *category)
{
  cJSON *e = cJSON_CreateObject();
  cg_json_add_str(e, "message", message);
  cJSON *ext = cJSON_AddObjectToObject(e, "extensions");
  cg_json_add_str(ext, "category", category);
  return e;
}

/* A body of one error; returns status for the caller's convenience. */
static int error_doc(char **out, int status, const char *message,
                     const char *category)
{
  cJSON *doc = cJSON_CreateObject();
  cJSON *errors = cJSON_AddArrayToObject(doc, "errors");
  cJSON_AddItemToArray(errors, error_item(message, category));
  *out = cg_json_print(doc);
  cJSON_Delete(doc);
  return status;
}

static bool token_ok(const struct sim_centra *c, const char *auth)
{
  const char *want = c->ctx && c->ctx->opts.centra_token
                         ? c->ctx->opts.centra_token
                         : DEFAULT_TOKEN;
  if (auth == NULL || strncmp(auth, "Bearer ", 7) != 0)
    return false;
  return strcmp(auth + 7, want) == 0;
}

/* --- budget -----------------------------------------------------------------
 */

static int budget_quota(const struct sim_centra *c)
{
  int q = c->ctx ? c->ctx->opts.centra_mutation_budget : 0;
  return q > 0 ? q : DEFAULT_BUDGET;
}

static int request_quota(const struct sim_centra *c)
{
  int q = c->ctx ? c->ctx->opts.centra_request_budget : 0;
  return q > 0 ? q : DEFAULT_REQUEST_BUDGET;
}

static void window_expire(struct sc_window *w, int64_t now)
{
  size_t keep = 0;
  for (size_t i = 0; i < w->n; i++) {
    if (w->times[i] + SC_WINDOW_MS > now)
      w->times[keep++] = w->times[i];
  }
  w->n = keep;
}

/* Complexity per 10 s, or per hour (x 400/3: 150 k -> 20 M, as Centra's
 * standard plan). */
static int64_t complexity_quota(const struct sim_centra *c, bool hour)
{
  int64_t q = c->ctx ? c->ctx->opts.centra_complexity_budget : 0;
  q = q > 0 ? q : DEFAULT_COMPLEXITY_BUDGET;
  return hour ? q * 400 / 3 : q;
}

/* Drops what left the window (entries are in time order). */
static void wwindow_expire(struct sc_wwindow *w, int64_t span, int64_t now)
{
  size_t gone = 0;
  while (gone < w->n && w->v[gone].at + span <= now)
    w->sum -= w->v[gone++].cost;
  if (gone == 0)
    return;
  memmove(w->v, w->v + gone, (w->n - gone) * sizeof(*w->v));
  w->n -= gone;
}

/* Seconds until cost fits in quota per span (0: fits now). A cost above
 * the quota never fits: one window, to be answered again. */
static int wwindow_wait(struct sc_wwindow *w, int64_t span, int64_t quota,
                        int64_t cost, int64_t now)
{
  wwindow_expire(w, span, now);
  int64_t need = w->sum + cost - quota, freed = 0, wait = span;
  if (need <= 0)
    return 0;
  for (size_t i = 0; i < w->n && cost <= quota; i++) {
    freed += w->v[i].cost;
    if (freed >= need) {
      wait = w->v[i].at + span - now;
      break;
    }
  }
  int sec = (int)((wait + 999) / 1000);
  return sec > 0 ? sec : 1;
}

static void wwindow_add(struct sc_wwindow *w, int64_t cost, int64_t now)
{
  if (w->n == w->cap) {
    size_t cap = w->cap ? w->cap * 2 : 64;
    struct sc_cost *grown = cg_realloc(w->v, cap * sizeof(*grown));
    if (grown == NULL)
      return; /* the simulator under-counts rather than fails */
    w->v = grown;
    w->cap = cap;
  }
  w->v[w->n++] = (struct sc_cost){.at = now, .cost = cost};
  w->sum += cost;
}

/* Seconds until a request of this complexity fits both windows. */
static int complexity_wait(struct sim_centra *c, int64_t cost)
{
  int64_t now = cg_time_mono_ms();
  int a = wwindow_wait(&c->cx_10s, SC_WINDOW_MS, complexity_quota(c, false),
                       cost, now);
  int b =
      wwindow_wait(&c->cx_hour, HOUR_MS, complexity_quota(c, true), cost, now);
  return a > b ? a : b;
}

void sim_centra__budget(struct sim_centra *c, int *used, int *quota)
{
  window_expire(&c->mutations, cg_time_mono_ms());
  *used = (int)c->mutations.n;
  *quota = budget_quota(c);
}

/* Admits n (0) into a window of quota per SC_WINDOW_MS, or returns the
 * seconds until enough of it frees up. */
static int window_take(struct sc_window *w, size_t quota, size_t n)
{
  int64_t now = cg_time_mono_ms();
  window_expire(w, now);
  if (n == 0)
    return 0;
  if (w->n + n > quota) {
    size_t oldest = n > quota ? 0 : w->n + n - quota - 1;
    int64_t wait = w->times[oldest] + SC_WINDOW_MS - now;
    int s = (int)((wait + 999) / 1000);
    return s > 0 ? s : 1;
  }
  if (w->n + n > w->cap) {
    size_t cap = (w->n + n) * 2 < quota ? (w->n + n) * 2 : quota;
    int64_t *grown = cg_realloc(w->times, cap * sizeof(*grown));
    if (grown == NULL)
      return 1;
    w->times = grown;
    w->cap = cap;
  }
  for (size_t i = 0; i < n; i++)
    w->times[w->n++] = now;
  return 0;
}

/* --- rate-limit buckets ----------------------------------------------------
 */

static const struct {
  const char *type;
  const char *interval;
  int64_t ms;
  int quota; /* 0: from the options (bucket_report) */
} LIMITS[SC_RL_COUNT] = {
    {"REQUEST_COUNT", "TEN_SECONDS", 10000, 0},
    {"REQUEST_COUNT", "ONE_HOUR", 3600000, 100000},
    {"QUERY_COMPLEXITY", "TEN_SECONDS", 10000, 0},
    {"QUERY_COMPLEXITY", "ONE_HOUR", 3600000, 0},
    {"MUTATION_COUNT", "TEN_SECONDS", SC_WINDOW_MS, 0},
    {"MUTATION_COUNT", "ONE_HOUR", 3600000, 0},
};

/* Fixed windows for the buckets the simulator only reports. */
static void bucket_add(struct sim_centra *c, int i, int64_t n)
{
  int64_t now = cg_time_mono_ms();
  if (now - c->rl[i].start >= LIMITS[i].ms || c->rl[i].start == 0) {
    c->rl[i].start = now;
    c->rl[i].used = 0;
  }
  c->rl[i].used += n;
}

static cJSON *rate_limit(const char *type, const char *interval, int64_t quota,
                         int64_t used)
{
  cJSON *m = cJSON_CreateObject();
  cg_json_add_str(m, "type", type);
  cg_json_add_str(m, "intervalSeconds", interval);
  cg_json_add_int(m, "quota", quota);
  cg_json_add_int(m, "usedQuota", used);
  cg_json_add_int(m, "remainingQuota", quota > used ? quota - used : 0);
  return m;
}

/* Quota and use of one rateLimits bucket now. */
static void bucket_report(struct sim_centra *c, int i, int64_t *q, int64_t *u)
{
  int64_t now = cg_time_mono_ms();
  bucket_add(c, i, 0);
  *q = LIMITS[i].quota;
  *u = c->rl[i].used;
  if (i == SC_RL_REQUESTS_10S) {
    window_expire(&c->requests, now);
    *q = request_quota(c);
    *u = (int64_t)c->requests.n;
  } else if (i == SC_RL_MUTATIONS_10S) {
    window_expire(&c->mutations, now);
    *q = budget_quota(c);
    *u = (int64_t)c->mutations.n;
  } else if (i == SC_RL_REQUESTS_1H &&
             request_quota(c) > DEFAULT_REQUEST_BUDGET) {
    /* A raised request budget raises the hour with it (a benchmark
     * measures the engine, not Centra's standard 100,000 an hour). */
    *q = (int64_t)request_quota(c) * 360;
  } else if (i == SC_RL_MUTATIONS_1H) {
    *q = (int64_t)budget_quota(c) * 360;
  } else if (i == SC_RL_COMPLEXITY_10S || i == SC_RL_COMPLEXITY_1H) {
    bool hour = i == SC_RL_COMPLEXITY_1H;
    struct sc_wwindow *w = hour ? &c->cx_hour : &c->cx_10s;
    wwindow_expire(w, hour ? HOUR_MS : SC_WINDOW_MS, now);
    *q = complexity_quota(c, hour);
    *u = w->sum;
  }
}

cJSON *sim_centra__op_rate_limits(struct sim_centra *c, const cJSON *args,
                                  const char **err)
{
  cJSON *out = cJSON_CreateArray();
  for (int i = 0; i < SC_RL_COUNT; i++) {
    int64_t q, u;
    bucket_report(c, i, &q, &u);
    cJSON_AddItemToArray(out,
                         rate_limit(LIMITS[i].type, LIMITS[i].interval, q, u));
  }
  return out;
}

/* --- refusals ---------------------------------------------------------------
 */

#define REFUSALS_KEPT 10

/* Counts and logs a 400 from the GraphQL layer; keeps the last few. */
static void note_refusal(struct sim_centra *c, const char *op,
                         const cJSON *body)
{
  const char *msg = cg_json_str(
      cJSON_GetArrayItem(cg_json_get(body, "errors"), 0), "message");
  c->refused++;
  cg_log_warn("sim:centra", "refused GraphQL request %s: %s",
              op ? op : "(anonymous)", msg ? msg : "(no message)");
  cJSON *r = cJSON_CreateObject();
  if (op != NULL)
    cg_json_add_str(r, "operationName", op);
  else
    cJSON_AddNullToObject(r, "operationName");
  cg_json_add_str(r, "message", msg ? msg : "");
  cJSON_AddItemToArray(c->refusals, r);
  if (cJSON_GetArraySize(c->refusals) > REFUSALS_KEPT)
    cJSON_DeleteItemFromArray(c->refusals, 0);
}

static void on_refusals(struct cg_http_exchange *ex, void *arg)
{
  struct sim_centra *c = arg;
  cJSON *doc = cJSON_CreateObject();
  cJSON_AddNumberToObject(doc, "count", (double)c->refused);
  cJSON_AddItemToObject(doc, "last", cJSON_Duplicate(c->refusals, true));
  cJSON *limited = cJSON_AddObjectToObject(doc, "rateLimited");
  cg_json_add_int(limited, "requests", (int64_t)c->throttled.requests);
  cg_json_add_int(limited, "mutations", (int64_t)c->throttled.mutations);
  cg_json_add_int(limited, "complexity", (int64_t)c->throttled.complexity);
  cJSON *cx = cJSON_AddObjectToObject(doc, "complexity");
  cg_json_add_int(cx, "quota10s", complexity_quota(c, false));
  cg_json_add_int(cx, "admitted", (int64_t)c->cx_admitted);
  cg_json_add_int(cx, "largest", (int64_t)c->cx_largest);
  sim_send_json(ex, 200, doc);
}

/* --- calls per operation ----------------------------------------------------
 */

/* Counts one request of operation op (NULL: anonymous) answered status. */
static void count_operation(struct sim_centra *c, const char *op, int status)
{
  char code[8];
  const char *name = op ? op : "(anonymous)";
  cJSON *o = cJSON_GetObjectItemCaseSensitive(c->operations, name);
  if (o == NULL) {
    o = cJSON_AddObjectToObject(c->operations, name);
    if (o == NULL || cJSON_AddNumberToObject(o, "calls", 0) == NULL ||
        cJSON_AddObjectToObject(o, "statuses") == NULL)
      return;
  }
  cJSON *calls = cJSON_GetObjectItemCaseSensitive(o, "calls");
  cJSON_SetNumberValue(calls, calls->valuedouble + 1);
  snprintf(code, sizeof(code), "%d", status);
  cJSON *st = cJSON_GetObjectItemCaseSensitive(o, "statuses");
  cJSON *n = cJSON_GetObjectItemCaseSensitive(st, code);
  if (n == NULL)
    cJSON_AddNumberToObject(st, code, 1);
  else
    cJSON_SetNumberValue(n, n->valuedouble + 1);
}

static void on_operations(struct cg_http_exchange *ex, void *arg)
{
  struct sim_centra *c = arg;
  cJSON *doc = cJSON_CreateObject();
  const cJSON *o;
  double total = 0;
  cJSON_ArrayForEach(o, c->operations)
  {
    total += cg_json_get(o, "calls")->valuedouble;
  }
  cJSON_AddNumberToObject(doc, "total", total);
  cJSON_AddItemToObject(doc, "operations",
                        cJSON_Duplicate(c->operations, true));
  sim_send_json(ex, 200, doc);
}

static void on_operations_reset(struct cg_http_exchange *ex, void *arg)
{
  struct sim_centra *c = arg;
  cJSON *empty = cJSON_CreateObject();
  if (empty != NULL) {
    cJSON_Delete(c->operations);
    c->operations = empty;
  }
  on_operations(ex, arg);
}

/* --- execution --------------------------------------------------------------
 */

/* Runs one planned root field: its value (never NULL) and, when the
 * handler failed, its message in *err. */
static cJSON *run_field(struct sim_centra *c, const cJSON *f, bool mutation,
                        const char **err, char *msg, size_t size)
{
  const char *name = cg_json_str(f, "name");
  if (name != NULL && strcmp(name, c->refuse_field) == 0) {
    *err = c->refuse_message; /* the control switch: refused, not run */
    return cJSON_CreateNull();
  }
  const struct op_entry *op = name ? op_find(name, mutation) : NULL;
  cJSON *v = op ? op->fn(c, cg_json_get(f, "args"), err) : NULL;
  if (op == NULL) {
    snprintf(msg, size, "The simulator does not implement %s.%.80s",
             mutation ? "Mutation" : "Query", name ? name : "?");
    *err = msg;
  }
  if (v != NULL) {
    *err = NULL; /* a value is the answer, whatever the handler noted */
    return v;
  }
  if (*err == NULL)
    *err = "Internal error";
  return cJSON_CreateNull();
}

/* Runs each planned root field in order; {alias: value} and {alias:
 * message}. Each value is cut to what its selection reads and printed
 * before the next field runs (a later mutation may change what an earlier
 * value shows). False when out of memory. */
static bool run_fields(struct sim_centra *c, const cJSON *plan, cJSON *values,
                       cJSON *errors)
{
  char msg[160];
  bool mutation = cg_json_bool(plan, "mutation", false);
  const cJSON *needs = cg_json_get(plan, "needs"), *f;
  cJSON_ArrayForEach(f, cg_json_get(plan, "fields"))
  {
    const char *alias = cg_json_str(f, "alias"), *err = NULL;
    const cJSON *tree =
        alias ? cJSON_GetObjectItemCaseSensitive(needs, alias) : NULL;
    c->needs = cJSON_IsObject(tree) ? tree : NULL;
    cJSON *v = run_field(c, f, mutation, &err, msg, sizeof(msg));
    c->needs = NULL;
    cJSON *text = sim_gqlhost_cut(v, tree);
    cJSON_Delete(v);
    if (text == NULL || alias == NULL ||
        !cJSON_AddItemToObject(values, alias, text)) {
      cJSON_Delete(text);
      return false;
    }
    if (err != NULL)
      cg_json_add_str(errors, alias, err);
  }
  return true;
}

/* Reply of the host -> status and body; NULL reply means it is gone. */
static int host_answer(struct sim_centra *c, cJSON *reply, const char *op,
                       char **out)
{
  const cJSON *body;
  if (reply == NULL)
    return error_doc(out, 500, "The simulator's GraphQL layer is unavailable",
                     "internal");
  if ((body = cg_json_get(reply, "answer")) != NULL) {
    *out = cg_json_print(body);
    return 200;
  }
  if ((body = cg_json_get(reply, "refuse")) != NULL) {
    note_refusal(c, op ? op : cg_json_str(reply, "operationName"), body);
    *out = cg_json_print(body);
    return 400;
  }
  cg_log_error("sim:centra", "GraphQL host failed: %s",
               cg_json_str(reply, "fatal") ? cg_json_str(reply, "fatal")
                                           : "unexpected reply");
  return error_doc(out, 500, "The simulator's GraphQL layer failed",
                   "internal");
}

/* An answer the host printed is the body as it is. */
static int take_answer(char *answer, char **out)
{
  *out = answer;
  return 200;
}

static int count_mutations(const cJSON *plan)
{
  return cg_json_bool(plan, "mutation", false)
             ? cJSON_GetArraySize(cg_json_get(plan, "fields"))
             : 0;
}

/* The complexity and mutation budgets: 0 when the plan may run (and is
 * counted), else the 429 answered. */
static int admit_plan(struct sim_centra *c, const cJSON *plan, char **out,
                      int *retry_after)
{
  int64_t cost = cg_json_int(plan, "complexity", 0);
  int mutations = count_mutations(plan);
  int wait = complexity_wait(c, cost);
  if (wait > 0) {
    c->throttled.complexity++;
    *retry_after = wait;
    return error_doc(out, 429,
                     "Too Many Requests: query complexity budget exceeded",
                     "rate_limit");
  }
  wait = window_take(&c->mutations, (size_t)budget_quota(c), (size_t)mutations);
  if (wait > 0) {
    c->throttled.mutations++;
    *retry_after = wait;
    return error_doc(out, 429, "Too Many Requests: mutation budget exceeded",
                     "rate_limit");
  }
  int64_t now = cg_time_mono_ms();
  wwindow_add(&c->cx_10s, cost, now);
  wwindow_add(&c->cx_hour, cost, now);
  c->cx_admitted += cost;
  c->cx_largest = cost > c->cx_largest ? cost : c->cx_largest;
  bucket_add(c, SC_RL_MUTATIONS_1H, mutations);
  return 0;
}

/* One /graphql request on its way through the host: plan, then (for a
 * plan with fields) execute. The host takes one request at a time (it
 * keeps the planned one for its "exec"), so requests that arrive
 * meanwhile wait in order (struct sim_centra's queue). */
struct sim_gql_run {
  struct sim_centra *c;
  struct cg_http_exchange *ex; /* NULL: a direct call, or let go at close */
  struct sim_gql_run *next;    /* the queue */
  cJSON *req;                  /* the body, parsed */
  cJSON *msg;                  /* for the host next; NULL once answered */
  bool planned;                /* msg is an "exec" (the plan came back) */
  bool unauthorized;           /* refused for its token: not counted */
  int status;
  char *out;
  int retry_after;
};

/* Sets the answer: nothing more goes to the host. */
static void run_answer(struct sim_gql_run *r, int status)
{
  r->status = status;
  cJSON_Delete(r->msg);
  r->msg = NULL;
}

/* Budgets, then the handlers; the host is then asked to shape the
 * answer (r->msg), unless a budget refused the plan. */
static void run_plan(struct sim_gql_run *r, const cJSON *plan)
{
  struct sim_centra *c = r->c;
  int refused = admit_plan(c, plan, &r->out, &r->retry_after);
  if (refused != 0) {
    run_answer(r, refused);
    return;
  }
  cJSON *msg = cJSON_CreateObject();
  cJSON *exec = cJSON_AddObjectToObject(msg, "exec");
  cJSON *values = cJSON_AddObjectToObject(exec, "values");
  cJSON *errors = cJSON_AddObjectToObject(exec, "errors");
  if (!run_fields(c, plan, values, errors)) {
    cJSON_Delete(msg);
    run_answer(r, host_answer(c, NULL, NULL, &r->out));
    return;
  }
  cJSON_Delete(r->msg);
  r->msg = msg;
  r->planned = true;
}

/* Adds member key of src (null when absent) to dst by reference: dst is
 * printed while src lives. */
static void add_ref(cJSON *dst, const cJSON *src, const char *key)
{
  const cJSON *it = cJSON_GetObjectItemCaseSensitive(src, key);
  cJSON *ref = it ? sim_json_ref(it) : cJSON_CreateNull();
  if (ref != NULL && !cJSON_AddItemToObjectCS(dst, key, ref))
    cJSON_Delete(ref);
}

/* Token, body and request budget; then the host is asked for the plan
 * (r->msg), unless the request was answered already. */
static void run_start(struct sim_gql_run *r, const char *auth, const char *body,
                      size_t len)
{
  struct sim_centra *c = r->c;
  if (!token_ok(c, auth)) {
    r->unauthorized = true;
    run_answer(r, error_doc(&r->out, 403, "Forbidden", "authorization"));
    return;
  }
  const cJSON *req = r->req = cg_json_parse(body, len, NULL);
  const cJSON *vars = cJSON_GetObjectItemCaseSensitive(req, "variables");
  const cJSON *opn = cJSON_GetObjectItemCaseSensitive(req, "operationName");
  if (!cJSON_IsObject(req) || cg_json_str(req, "query") == NULL ||
      (vars != NULL && !cJSON_IsNull(vars) && !cJSON_IsObject(vars)) ||
      (opn != NULL && !cJSON_IsNull(opn) && !cJSON_IsString(opn))) {
    run_answer(r, error_doc(&r->out, 400,
                            "Bad request: expected a JSON object with a "
                            "\"query\" string, optional \"variables\" object "
                            "and \"operationName\" string",
                            "request"));
    return;
  }
  int wait = window_take(&c->requests, (size_t)request_quota(c), 1);
  if (wait > 0) {
    c->throttled.requests++;
    r->retry_after = wait;
    run_answer(r, error_doc(&r->out, 429,
                            "Too Many Requests: request budget exceeded",
                            "rate_limit"));
    return;
  }
  bucket_add(c, SC_RL_REQUESTS_1H, 1);
  cJSON *msg = cJSON_CreateObject();
  cJSON *plan = cJSON_AddObjectToObject(msg, "plan");
  add_ref(plan, req, "query");
  add_ref(plan, req, "variables");
  add_ref(plan, req, "operationName");
  r->msg = msg;
}

/* The host's reply to r->msg (rc -1: it is gone): the answer, or the
 * next message (a plan to execute). Frees reply; answer becomes the
 * body. */
static void run_reply(struct sim_gql_run *r, int rc, cJSON *reply, char *answer)
{
  struct sim_centra *c = r->c;
  const char *op = r->planned ? NULL : cg_json_str(r->req, "operationName");
  if (rc == 0 && answer != NULL)
    run_answer(r, take_answer(answer, &r->out));
  else if (!r->planned && cJSON_IsArray(cg_json_get(reply, "fields")))
    run_plan(r, reply);
  else
    run_answer(r, host_answer(c, reply, op, &r->out));
  cJSON_Delete(reply);
}

/* Counted per operation (not without a valid token); the request is
 * freed. Returns the status. */
static int run_end(struct sim_gql_run *r)
{
  if (!r->unauthorized)
    count_operation(r->c, cg_json_str(r->req, "operationName"), r->status);
  cJSON_Delete(r->req);
  cJSON_Delete(r->msg);
  return r->status;
}

int sim_centra__execute(struct sim_centra *c, const char *auth,
                        const char *body, size_t len, char **out,
                        int *retry_after)
{
  struct sim_gql_run r = {.c = c};
  run_start(&r, auth, body, len);
  while (r.msg != NULL) {
    cJSON *reply = NULL;
    char *answer = NULL;
    int rc = sim_gqlhost_call(c->gql, r.msg, &reply, &answer);
    run_reply(&r, rc, reply, answer);
  }
  *out = r.out;
  *retry_after = r.retry_after;
  return run_end(&r);
}

/* --- HTTP glue --------------------------------------------------------------
 */

static void respond(struct cg_http_exchange *ex, struct sim_centra *c,
                    int status, char *out, int retry_after)
{
  if (out == NULL) {
    cg_http_respond_json(ex, 500, "{\"errors\":[{\"message\":\"oom\"}]}");
    return;
  }
  if (retry_after > 0) {
    char v[16];
    snprintf(v, sizeof(v), "%d", retry_after);
    cg_http_add_header(ex, "Retry-After", v);
    sim_note_retry_after(c->ctx, ex, v); /* early repeats count */
  }
  cg_http_respond_json(ex, status, out);
}

/* The request in the host is answered (unless let go at close) and
 * freed. */
static void run_done(struct sim_gql_run *r)
{
  struct sim_centra *c = r->c;
  int status = run_end(r);
  if (r->ex != NULL)
    respond(r->ex, c, status, r->out, r->retry_after);
  cg_free(r->out);
  if (c->gql_running == r)
    c->gql_running = NULL;
  cg_free(r);
}

static void next_run(struct sim_centra *c);

/* Sends r->msg to the host and waits on the loop; true once r is done
 * (answered and freed). */
static bool pump(struct sim_gql_run *r);

static void on_host(int rc, cJSON *reply, char *answer, void *arg)
{
  struct sim_gql_run *r = arg;
  struct sim_centra *c = r->c;
  run_reply(r, rc, reply, answer);
  if (pump(r))
    next_run(c);
}

static bool pump(struct sim_gql_run *r)
{
  struct sim_centra *c = r->c;
  while (r->msg != NULL) {
    if (sim_gqlhost_call_async(c->gql, c->ctx->loop, r->msg, on_host, r) == 0)
      return false;
    run_reply(r, -1, NULL, NULL); /* the host is gone: 500 */
  }
  run_done(r);
  return true;
}

/* Starts the waiting requests in order while the host is free. */
static void next_run(struct sim_centra *c)
{
  while (c->gql_running == NULL && c->gql_queue != NULL) {
    struct sim_gql_run *r = c->gql_queue;
    c->gql_queue = r->next;
    r->next = NULL;
    c->gql_running = r;
    const struct cg_http_request *req = cg_http_exchange_request(r->ex);
    run_start(r, cg_http_exchange_header(r->ex, "Authorization"), req->body,
              req->body_len);
    pump(r);
  }
}

static void on_graphql(struct cg_http_exchange *ex, void *arg)
{
  struct sim_centra *c = arg;
  struct sim_gql_run *r = cg_calloc(1, sizeof(*r));
  if (r == NULL) {
    cg_http_respond_json(ex, 500, "{\"errors\":[{\"message\":\"oom\"}]}");
    return;
  }
  r->c = c;
  r->ex = ex;
  struct sim_gql_run **tail = &c->gql_queue;
  while (*tail != NULL)
    tail = &(*tail)->next;
  *tail = r;
  next_run(c);
}

void sim_centra_release(struct sim_centra *c)
{
  while (c->gql_queue != NULL) {
    struct sim_gql_run *r = c->gql_queue;
    c->gql_queue = r->next;
    cg_http_respond_json(r->ex, 503, "{\"title\":\"simulator shutting down\"}");
    cg_free(r);
  }
  if (c->gql_running != NULL && c->gql_running->ex != NULL) {
    cg_http_respond_json(c->gql_running->ex, 503,
                         "{\"title\":\"simulator shutting down\"}");
    c->gql_running->ex = NULL; /* its host reply only frees it */
  }
}

void sim_centra__release_running(struct sim_centra *c)
{
  struct sim_gql_run *r = c->gql_running;
  if (r == NULL)
    return;
  r->ex = NULL;
  run_done(r); /* the host was stopped: no reply comes */
}

int sim_centra_routes(struct sim_centra *c, struct cg_router *r)
{
  int rc = cg_router_add(r, "POST", "/graphql", on_graphql, c);
  if (rc == 0)
    rc = cg_router_add(r, "GET", "/_sim/centra/refusals", on_refusals, c);
  if (rc == 0)
    rc = cg_router_add(r, "GET", "/_sim/centra/operations", on_operations, c);
  if (rc == 0)
    rc = cg_router_add(r, "DELETE", "/_sim/centra/operations",
                       on_operations_reset, c);
  if (rc != 0)
    return rc;
  return sim_centra__control_routes(c, r);
}
