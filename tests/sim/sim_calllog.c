/*
 * sim_calllog: a ring of recent calls, counts per side and status, and the
 * Retry-After deadline table. See sim_calllog.h.
 */
#include "sim_calllog.h"

#include "sim_util.h"

#include "base/json.h"
#include "base/map.h"
#include "base/mem.h"
#include "base/time.h"
#include "net/http_server.h"
#include "net/retry.h"
#include "net/router.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CALLS_MAX 20000
#define DEADLINES_MAX 4096
#define VIOLATIONS_MAX 200
/* A repeat this close to the deadline is not early: clocks and timers
 * round. */
#define DEADLINE_SLACK_MS 20

struct call {
  int64_t t_ms;
  enum sim_side side;
  char method[12];
  char path[160];
  char key[80];
  int status;
};

struct deadline {
  uint64_t identity;
  int64_t until_ms;
};

struct violation {
  int64_t t_ms;
  enum sim_side side;
  char method[12];
  char path[160];
  int64_t early_ms;
};

struct sim_calllog {
  struct call *ring; /* CALLS_MAX entries */
  size_t head;       /* next write */
  size_t count;      /* valid entries, <= CALLS_MAX */
  unsigned long total;
  unsigned long counts[2][600];
  unsigned long open[2]; /* arrived, not answered yet (no /_sim/ paths) */
  struct deadline deadlines[DEADLINES_MAX];
  size_t ndeadlines;
  struct violation violations[VIOLATIONS_MAX];
  unsigned long nviolations;
  unsigned long side_violations[2];
};

struct sim_calllog *sim_calllog_create(void)
{
  struct sim_calllog *log = cg_calloc(1, sizeof(*log));
  if (log == NULL)
    return NULL;
  log->ring = cg_calloc(CALLS_MAX, sizeof(*log->ring));
  if (log->ring == NULL) {
    cg_free(log);
    return NULL;
  }
  return log;
}

void sim_calllog_destroy(struct sim_calllog *log)
{
  if (log == NULL)
    return;
  cg_free(log->ring);
  cg_free(log);
}

static uint64_t identity_of(const struct cg_http_exchange *ex)
{
  const struct cg_http_request *req = cg_http_exchange_request(ex);
  const char *key = cg_http_exchange_header(ex, "Idempotency-Key");
  if (key != NULL && *key != '\0')
    return cg_hash(key, strlen(key), 1);
  uint64_t h = cg_hash(req->method, strlen(req->method), 2);
  h = cg_hash(req->url, strlen(req->url), h); /* path and query */
  return cg_hash(req->body ? req->body : "", req->body_len, h);
}

static void add_violation(struct sim_calllog *log, enum sim_side side,
                          const struct cg_http_request *req, int64_t early)
{
  struct violation *v = &log->violations[log->nviolations % VIOLATIONS_MAX];
  v->t_ms = cg_time_now_ms();
  v->side = side;
  snprintf(v->method, sizeof(v->method), "%s", req->method);
  snprintf(v->path, sizeof(v->path), "%s", req->path);
  v->early_ms = early;
  log->nviolations++;
  log->side_violations[side]++;
}

static bool is_control(const struct cg_http_request *req)
{
  return req->path != NULL && strncmp(req->path, "/_sim/", 6) == 0;
}

void sim_calllog_arrive(struct sim_calllog *log, enum sim_side side,
                        const struct cg_http_exchange *ex)
{
  if (log == NULL)
    return;
  if (!is_control(cg_http_exchange_request(ex)))
    log->open[side]++;
  if (log->ndeadlines == 0)
    return;
  uint64_t id = identity_of(ex);
  int64_t now = cg_time_now_ms();
  for (size_t i = 0; i < log->ndeadlines; i++) {
    struct deadline *d = &log->deadlines[i];
    if (d->identity != id)
      continue;
    /* Every early repeat counts; the deadline stays until it passes. */
    if (now + DEADLINE_SLACK_MS < d->until_ms)
      add_violation(log, side, cg_http_exchange_request(ex), d->until_ms - now);
    else
      *d = log->deadlines[--log->ndeadlines];
    return;
  }
}

static void prune_deadlines(struct sim_calllog *log, int64_t now)
{
  size_t i = 0;
  while (i < log->ndeadlines) {
    if (log->deadlines[i].until_ms <= now)
      log->deadlines[i] = log->deadlines[--log->ndeadlines];
    else
      i++;
  }
}

void sim_calllog_retry_after(struct sim_calllog *log,
                             const struct cg_http_exchange *ex,
                             const char *value)
{
  int64_t now = cg_time_now_ms(), until;
  if (log == NULL || value == NULL ||
      cg_retry_after_parse(value, now, &until) != 0 || until <= now)
    return;
  uint64_t id = identity_of(ex);
  prune_deadlines(log, now);
  for (size_t i = 0; i < log->ndeadlines; i++) {
    if (log->deadlines[i].identity == id) {
      log->deadlines[i].until_ms = until;
      return;
    }
  }
  if (log->ndeadlines == DEADLINES_MAX)
    return; /* full of live deadlines: stop tracking new ones */
  log->deadlines[log->ndeadlines].identity = id;
  log->deadlines[log->ndeadlines].until_ms = until;
  log->ndeadlines++;
}

void sim_calllog_record(struct sim_calllog *log, enum sim_side side,
                        const struct cg_http_exchange *ex, int status)
{
  if (log == NULL)
    return;
  const struct cg_http_request *req = cg_http_exchange_request(ex);
  const char *key = cg_http_exchange_header(ex, "Idempotency-Key");
  if (!is_control(req) && log->open[side] > 0)
    log->open[side]--;
  struct call *c = &log->ring[log->head];
  c->t_ms = cg_time_now_ms();
  c->side = side;
  snprintf(c->method, sizeof(c->method), "%s", req->method ? req->method : "");
  snprintf(c->path, sizeof(c->path), "%s", req->path ? req->path : "");
  snprintf(c->key, sizeof(c->key), "%s", key ? key : "");
  c->status = status;
  log->head = (log->head + 1) % CALLS_MAX;
  if (log->count < CALLS_MAX)
    log->count++;
  log->total++;
  if (status >= 0 && status < 600)
    log->counts[side][status]++;
}

unsigned long sim_calllog_violations(const struct sim_calllog *log)
{
  return log ? log->nviolations : 0;
}

static const char *side_name(enum sim_side side)
{
  return side == SIM_CENTRA ? "centra" : "gxo";
}

static cJSON *call_json(const struct call *c)
{
  char when[40];
  cJSON *o = cJSON_CreateObject();
  cg_json_add_str(o, "at", cg_time_format_iso8601(c->t_ms, when, sizeof(when)));
  cg_json_add_str(o, "side", side_name(c->side));
  cg_json_add_str(o, "method", c->method);
  cg_json_add_str(o, "path", c->path);
  cg_json_add_int(o, "status", c->status);
  cg_json_add_str(o, "idempotencyKey", c->key[0] ? c->key : NULL);
  return o;
}

static cJSON *calls_json(const struct sim_calllog *log, int side, size_t limit)
{
  cJSON *arr = cJSON_CreateArray();
  size_t taken = 0;
  /* Walk backwards from the newest, then reverse by prepending. */
  for (size_t i = 0; i < log->count && taken < limit; i++) {
    size_t at = (log->head + CALLS_MAX - 1 - i) % CALLS_MAX;
    const struct call *c = &log->ring[at];
    if (side >= 0 && (int)c->side != side)
      continue;
    cJSON *o = call_json(c);
    if (arr->child == NULL)
      cJSON_AddItemToArray(arr, o);
    else
      cJSON_InsertItemInArray(arr, 0, o);
    taken++;
  }
  return arr;
}

static cJSON *counts_json(const struct sim_calllog *log, int side)
{
  char key[8];
  cJSON *o = cJSON_CreateObject();
  for (int st = 0; st < 600; st++) {
    unsigned long n = 0;
    for (int s = 0; s < 2; s++)
      if (side < 0 || side == s)
        n += log->counts[s][st];
    if (n > 0) {
      snprintf(key, sizeof(key), "%d", st);
      cg_json_add_int(o, key, (int64_t)n);
    }
  }
  return o;
}

static cJSON *violations_json(const struct sim_calllog *log)
{
  cJSON *arr = cJSON_CreateArray();
  unsigned long n =
      log->nviolations < VIOLATIONS_MAX ? log->nviolations : VIOLATIONS_MAX;
  for (unsigned long i = 0; i < n; i++) {
    const struct violation *v = &log->violations[i];
    char when[40];
    cJSON *o = cJSON_CreateObject();
    cg_json_add_str(o, "at",
                    cg_time_format_iso8601(v->t_ms, when, sizeof(when)));
    cg_json_add_str(o, "side", side_name(v->side));
    cg_json_add_str(o, "method", v->method);
    cg_json_add_str(o, "path", v->path);
    cg_json_add_int(o, "earlyMs", v->early_ms);
    cJSON_AddItemToArray(arr, o);
  }
  return arr;
}

static int side_param(const struct cg_http_exchange *ex)
{
  char v[16];
  if (!cg_http_exchange_query(ex, "side", v, sizeof(v)))
    return -1;
  return strcmp(v, "centra") == 0 ? SIM_CENTRA
         : strcmp(v, "gxo") == 0  ? SIM_GXO
                                  : -1;
}

static void on_calls_get(struct cg_http_exchange *ex, void *arg)
{
  struct sim_ctx *ctx = arg;
  const struct sim_calllog *log = ctx->calls;
  char v[16];
  size_t limit = 1000;
  if (cg_http_exchange_query(ex, "limit", v, sizeof(v)))
    limit = (size_t)strtoul(v, NULL, 10);
  int side = side_param(ex);
  cJSON *doc = cJSON_CreateObject();
  cg_json_add_int(doc, "total", (int64_t)log->total);
  cJSON_AddItemToObject(doc, "counts", counts_json(log, side));
  cg_json_add_int(
      doc, "inFlight",
      (int64_t)(side < 0 ? log->open[0] + log->open[1] : log->open[side]));
  cg_json_add_int(
      doc, "retryAfterViolations",
      (int64_t)(side < 0 ? log->nviolations : log->side_violations[side]));
  cJSON_AddItemToObject(doc, "violations", violations_json(log));
  cJSON *wh = cJSON_AddObjectToObject(doc, "webhooks");
  sim_webhook_stats(ctx, wh);
  cJSON_AddItemToObject(doc, "calls", calls_json(log, side, limit));
  sim_send_json(ex, 200, doc);
}

static void on_reset_calls(struct cg_http_exchange *ex, void *arg)
{
  struct sim_ctx *ctx = arg;
  struct sim_calllog *log = ctx->calls;
  struct call *ring = log->ring;
  memset(ring, 0, CALLS_MAX * sizeof(*ring));
  memset(log, 0, sizeof(*log));
  log->ring = ring;
  cg_http_respond_json(ex, 200, "{\"reset\":true}");
}

int sim_calllog_routes(struct sim_ctx *ctx, struct cg_router *r)
{
  int rc = cg_router_add(r, "GET", "/_sim/calls", on_calls_get, ctx);
  if (rc == 0)
    rc = cg_router_add(r, "POST", "/_sim/reset-calls", on_reset_calls, ctx);
  return rc;
}
