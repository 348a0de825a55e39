/*
 * sim_faults: rule storage, the per-request decision, the requests held by
 * hang faults and the /_sim/faults control routes. See sim_faults.h.
 */
#include "sim_faults.h"

#include "sim_util.h"

#include "base/err.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/rand.h"
#include "net/http_server.h"
#include "net/router.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

struct fault_rule {
  char method[16];
  char path[256];
  char operation[16];       /* "*", "query" or "mutation" (GraphQL) */
  char operation_name[128]; /* a glob on the GraphQL operation's name */
  double share429, share500, share503, reset_share, hang_share;
  char retry_after[64];
  int latency_ms;
  int latency_jitter_ms;
  double latency_share;
  long limit; /* 0 = unlimited */
  long fired;
};

struct side_arg {
  struct sim_faults *f;
  enum sim_side side;
};

struct sim_faults {
  struct sim_ctx *ctx;
  struct sim_vec rules[2];
  struct sim_vec held[2]; /* hung exchanges, still owned by their server */
  struct sim_webhook_faults wh[2];
  struct side_arg args[2];
};

struct sim_faults *sim_faults_create(struct sim_ctx *ctx)
{
  struct sim_faults *f = cg_calloc(1, sizeof(*f));
  if (f == NULL)
    return NULL;
  f->ctx = ctx;
  for (int s = 0; s < 2; s++) {
    f->args[s].f = f;
    f->args[s].side = (enum sim_side)s;
  }
  return f;
}

/* --- held (hung) requests ---------------------------------------------- */

/* Ends one held exchange: reset when its client is still there (no answer
 * ever), else only free it (an answer to a gone exchange frees it). */
static void end_held(struct cg_http_exchange *ex)
{
  if (cg_http_exchange_gone(ex))
    cg_http_respond(ex, 503, NULL, NULL, 0);
  else
    cg_http_exchange_reset(ex);
}

/* Frees the held exchanges whose clients went away; keeps the rest. */
static void prune_held(struct sim_vec *held)
{
  size_t j = 0;
  for (size_t i = 0; i < held->n; i++) {
    if (cg_http_exchange_gone(held->v[i]))
      end_held(held->v[i]);
    else
      held->v[j++] = held->v[i];
  }
  held->n = j;
}

void sim_faults_hold(struct sim_faults *f, enum sim_side side,
                     struct cg_http_exchange *ex)
{
  struct sim_vec *held = &f->held[side];
  prune_held(held);
  if (held->n >= SIM_FAULTS_HELD_MAX || sim_vec_push(held, ex) != 0)
    cg_http_exchange_reset(ex);
}

void sim_faults_release(struct sim_faults *f, enum sim_side side)
{
  if (f == NULL)
    return;
  /* Detach the list first: a reset runs the port's observer, which must
   * not find a half-ended list. */
  struct sim_vec held = f->held[side];
  memset(&f->held[side], 0, sizeof(f->held[side]));
  for (size_t i = 0; i < held.n; i++)
    end_held(held.v[i]);
  sim_vec_free(&held);
}

static void clear_side(struct sim_faults *f, enum sim_side side)
{
  for (size_t i = 0; i < f->rules[side].n; i++)
    cg_free(f->rules[side].v[i]);
  sim_vec_free(&f->rules[side]);
  memset(&f->wh[side], 0, sizeof(f->wh[side]));
  sim_faults_release(f, side);
}

void sim_faults_destroy(struct sim_faults *f)
{
  if (f == NULL)
    return;
  /* The ports released their held requests before closing their servers;
   * an exchange must not be touched after that, so only the lists go. */
  for (int s = 0; s < 2; s++) {
    assert(f->held[s].n == 0);
    sim_vec_free(&f->held[s]);
  }
  for (size_t s = 0; s < 2; s++) {
    for (size_t i = 0; i < f->rules[s].n; i++)
      cg_free(f->rules[s].v[i]);
    sim_vec_free(&f->rules[s]);
  }
  cg_free(f);
}

static bool draw(struct sim_faults *f, double share)
{
  return share > 0 && cg_rand_unit(&f->ctx->rng) < share;
}

/* Skips GraphQL's ignored tokens: white space, commas, comments. */
static const char *skip_ignored(const char *s)
{
  for (;;) {
    if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == ',')
      s++;
    else if (*s == '#')
      s += strcspn(s, "\n");
    else
      return s;
  }
}

/* A GraphQL request's operation, read only when a rule asks for it. */
struct gql_op {
  bool read;
  char type[16];  /* "query", "mutation", "subscription" or "" */
  char name[128]; /* its name, or "" */
};

#define NAME_CHARS                                                             \
  "_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

/* The type and name of a GraphQL request body's first definition ("query"
 * for the shorthand "{ ... }"); the body's operationName, when given,
 * names it. Only the first tokens are read: the document is validated
 * later, by graphql-js. */
static void read_op(const struct cg_http_request *req, struct gql_op *op)
{
  op->read = true;
  cJSON *body = cJSON_ParseWithLength(req->body, req->body_len);
  const char *doc = cg_json_str(body, "query");
  const char *given = cg_json_str(body, "operationName");
  const char *s = doc ? skip_ignored(doc) : "";
  size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz");
  if (*s == '{')
    snprintf(op->type, sizeof(op->type), "query");
  else if (n > 0 && n < sizeof(op->type))
    snprintf(op->type, sizeof(op->type), "%.*s", (int)n, s);
  s = skip_ignored(s + n);
  size_t len = n > 0 ? strspn(s, NAME_CHARS) : 0;
  if (given != NULL)
    snprintf(op->name, sizeof(op->name), "%s", given);
  else if (len < sizeof(op->name))
    snprintf(op->name, sizeof(op->name), "%.*s", (int)len, s);
  cJSON_Delete(body);
}

static bool rule_matches(const struct fault_rule *r,
                         const struct cg_http_request *req, struct gql_op *op)
{
  if (r->limit > 0 && r->fired >= r->limit)
    return false;
  if (strcmp(r->method, "*") != 0 && strcmp(r->method, req->method) != 0)
    return false;
  if (!sim_glob(r->path, req->path))
    return false;
  if (strcmp(r->operation, "*") == 0 && strcmp(r->operation_name, "*") == 0)
    return true;
  if (!op->read)
    read_op(req, op);
  return (strcmp(r->operation, "*") == 0 ||
          strcmp(r->operation, op->type) == 0) &&
         sim_glob(r->operation_name, op->name);
}

static void decide_rule(struct sim_faults *f, struct fault_rule *r,
                        struct sim_fault_decision *out)
{
  if (draw(f, r->reset_share))
    out->reset = true;
  else if (draw(f, r->share429))
    out->status = 429;
  else if (draw(f, r->share500))
    out->status = 500;
  else if (draw(f, r->share503))
    out->status = 503;
  else if (draw(f, r->hang_share))
    out->hang = true;
  if (!out->hang && r->latency_ms > 0 && draw(f, r->latency_share)) {
    out->latency_ms = r->latency_ms;
    if (r->latency_jitter_ms > 0)
      out->latency_ms +=
          (int)cg_rand_below(&f->ctx->rng, (uint64_t)r->latency_jitter_ms);
  }
  if (out->status == 429 || out->status == 503)
    snprintf(out->retry_after, sizeof(out->retry_after), "%s", r->retry_after);
  if (out->reset || out->status != 0 || out->hang)
    r->fired++;
}

void sim_faults_decide(struct sim_faults *f, enum sim_side side,
                       const struct cg_http_request *req,
                       struct sim_fault_decision *out)
{
  struct gql_op op = {0};
  memset(out, 0, sizeof(*out));
  if (f == NULL || strncmp(req->path, "/_sim/", 6) == 0)
    return;
  struct sim_vec *rules = &f->rules[side];
  for (size_t i = 0; i < rules->n; i++) {
    struct fault_rule *r = rules->v[i];
    if (rule_matches(r, req, &op)) {
      decide_rule(f, r, out);
      return;
    }
  }
}

void sim_faults_webhook(const struct sim_faults *f, enum sim_side side,
                        struct sim_webhook_faults *out)
{
  if (f == NULL)
    memset(out, 0, sizeof(*out));
  else
    *out = f->wh[side];
}

static double share_of(const cJSON *o, const char *key)
{
  const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
  double v = cJSON_IsNumber(it) ? it->valuedouble : 0;
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

static void retry_after_of(const cJSON *o, char *out, size_t size)
{
  const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, "retryAfter");
  if (cJSON_IsString(it))
    snprintf(out, size, "%s", it->valuestring);
  else if (cJSON_IsNumber(it))
    snprintf(out, size, "%lld", (long long)it->valuedouble);
  else
    snprintf(out, size, "1");
}

/* "operation" (type) and "operationName" (glob) of a rule. */
static int parse_operation(const cJSON *o, struct fault_rule *r, char *errbuf,
                           size_t errsize)
{
  const char *op = cg_json_str(o, "operation");
  const char *name = cg_json_str(o, "operationName");
  if (op != NULL && strcmp(op, "*") != 0 && strcmp(op, "query") != 0 &&
      strcmp(op, "mutation") != 0) {
    snprintf(errbuf, errsize,
             "\"operation\" is \"*\", \"query\" or \"mutation\"");
    return CG_EINVAL;
  }
  if (name != NULL && strlen(name) >= sizeof(r->operation_name)) {
    snprintf(errbuf, errsize, "\"operationName\" is too long");
    return CG_EINVAL;
  }
  snprintf(r->operation, sizeof(r->operation), "%s", op ? op : "*");
  snprintf(r->operation_name, sizeof(r->operation_name), "%s",
           name ? name : "*");
  return 0;
}

static int parse_rule(const cJSON *o, struct fault_rule *r, char *errbuf,
                      size_t errsize)
{
  const char *path = cg_json_str(o, "path");
  const char *method = cg_json_str(o, "method");
  if (!cJSON_IsObject(o) || path == NULL || strlen(path) >= sizeof(r->path) ||
      (method != NULL && strlen(method) >= sizeof(r->method))) {
    snprintf(errbuf, errsize, "each rule needs a \"path\" glob");
    return CG_EINVAL;
  }
  if (parse_operation(o, r, errbuf, errsize) != 0)
    return CG_EINVAL;
  snprintf(r->path, sizeof(r->path), "%s", path);
  snprintf(r->method, sizeof(r->method), "%s", method ? method : "*");
  r->share429 = share_of(o, "share429");
  r->share500 = share_of(o, "share500");
  r->share503 = share_of(o, "share503");
  r->reset_share = share_of(o, "resetShare");
  r->hang_share = share_of(o, "hangShare");
  r->latency_ms = (int)cg_json_int(o, "latencyMs", 0);
  r->latency_jitter_ms = (int)cg_json_int(o, "latencyJitterMs", 0);
  r->latency_share = cJSON_GetObjectItemCaseSensitive(o, "latencyShare")
                         ? share_of(o, "latencyShare")
                         : 1.0;
  r->limit = (long)cg_json_int(o, "limit", 0);
  retry_after_of(o, r->retry_after, sizeof(r->retry_after));
  if (r->latency_ms < 0 || r->latency_ms > 60000 || r->limit < 0) {
    snprintf(errbuf, errsize, "latencyMs must be 0..60000, limit >= 0");
    return CG_EINVAL;
  }
  return 0;
}

static int add_rules(struct sim_faults *f, enum sim_side side,
                     const cJSON *rules, char *errbuf, size_t errsize)
{
  const cJSON *o;
  if (rules != NULL && !cJSON_IsArray(rules)) {
    snprintf(errbuf, errsize, "\"rules\" must be an array");
    return CG_EINVAL;
  }
  cJSON_ArrayForEach(o, rules)
  {
    struct fault_rule *r = cg_calloc(1, sizeof(*r));
    if (r == NULL)
      return CG_ENOMEM;
    int rc = parse_rule(o, r, errbuf, errsize);
    if (rc == 0)
      rc = sim_vec_push(&f->rules[side], r);
    if (rc != 0) {
      cg_free(r);
      return rc;
    }
  }
  return 0;
}

int sim_faults_apply(struct sim_faults *f, enum sim_side side, const cJSON *doc,
                     char *errbuf, size_t errsize)
{
  if (!cJSON_IsObject(doc)) {
    snprintf(errbuf, errsize, "expected a JSON object");
    return CG_EINVAL;
  }
  if (cg_json_bool(doc, "replace", false))
    clear_side(f, side);
  int rc = add_rules(f, side, cg_json_get(doc, "rules"), errbuf, errsize);
  if (rc != 0)
    return rc;
  const cJSON *wh = cg_json_get(doc, "webhooks");
  if (cJSON_IsObject(wh)) {
    f->wh[side].duplicate_share = share_of(wh, "duplicateShare");
    f->wh[side].reorder_share = share_of(wh, "reorderShare");
    f->wh[side].reorder_delay_ms = (int)cg_json_int(wh, "reorderDelayMs", 300);
  }
  return 0;
}

static cJSON *rule_json(const struct fault_rule *r)
{
  cJSON *o = cJSON_CreateObject();
  cg_json_add_str(o, "method", r->method);
  cg_json_add_str(o, "path", r->path);
  cg_json_add_str(o, "operation", r->operation);
  cg_json_add_str(o, "operationName", r->operation_name);
  cJSON_AddNumberToObject(o, "share429", r->share429);
  cJSON_AddNumberToObject(o, "share500", r->share500);
  cJSON_AddNumberToObject(o, "share503", r->share503);
  cJSON_AddNumberToObject(o, "resetShare", r->reset_share);
  cJSON_AddNumberToObject(o, "hangShare", r->hang_share);
  cg_json_add_str(o, "retryAfter", r->retry_after);
  cg_json_add_int(o, "latencyMs", r->latency_ms);
  cg_json_add_int(o, "latencyJitterMs", r->latency_jitter_ms);
  cJSON_AddNumberToObject(o, "latencyShare", r->latency_share);
  cg_json_add_int(o, "limit", r->limit);
  cg_json_add_int(o, "fired", r->fired);
  return o;
}

static cJSON *side_json(struct sim_faults *f, enum sim_side side)
{
  cJSON *doc = cJSON_CreateObject();
  prune_held(&f->held[side]);
  cg_json_add_int(doc, "held", (int64_t)f->held[side].n);
  cJSON *rules = cJSON_AddArrayToObject(doc, "rules");
  for (size_t i = 0; i < f->rules[side].n; i++)
    cJSON_AddItemToArray(rules, rule_json(f->rules[side].v[i]));
  cJSON *wh = cJSON_AddObjectToObject(doc, "webhooks");
  cJSON_AddNumberToObject(wh, "duplicateShare", f->wh[side].duplicate_share);
  cJSON_AddNumberToObject(wh, "reorderShare", f->wh[side].reorder_share);
  cg_json_add_int(wh, "reorderDelayMs", f->wh[side].reorder_delay_ms);
  return doc;
}

static void on_faults_get(struct cg_http_exchange *ex, void *arg)
{
  struct side_arg *a = arg;
  sim_send_json(ex, 200, side_json(a->f, a->side));
}

static void on_faults_post(struct cg_http_exchange *ex, void *arg)
{
  struct side_arg *a = arg;
  char msg[256];
  cJSON *doc;
  if (sim_body_json(ex, &doc) != 0 || doc == NULL) {
    sim_send_problem(ex, 400, "malformed-json", "body must be JSON", NULL);
    return;
  }
  int rc = sim_faults_apply(a->f, a->side, doc, msg, sizeof(msg));
  cJSON_Delete(doc);
  if (rc != 0) {
    sim_send_problem(ex, 422, "invalid-faults", msg, NULL);
    return;
  }
  sim_send_json(ex, 200, side_json(a->f, a->side));
}

static void on_faults_delete(struct cg_http_exchange *ex, void *arg)
{
  struct side_arg *a = arg;
  clear_side(a->f, a->side);
  sim_send_json(ex, 200, side_json(a->f, a->side));
}

int sim_faults_routes(struct sim_faults *f, enum sim_side side,
                      struct cg_router *r)
{
  void *arg = &f->args[side];
  int rc = cg_router_add(r, "GET", "/_sim/faults", on_faults_get, arg);
  if (rc == 0)
    rc = cg_router_add(r, "POST", "/_sim/faults", on_faults_post, arg);
  if (rc == 0)
    rc = cg_router_add(r, "DELETE", "/_sim/faults", on_faults_delete, arg);
  return rc;
}
