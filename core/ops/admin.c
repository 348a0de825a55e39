/*
 * admin: see admin.h. Handlers answer at once; every store read is a
 * short indexed query on the loop thread.
 */
#include "ops/admin.h"
#include "ops/admin_int.h"

#include "base/buf.h"
#include "base/err.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/log.h"
#include "base/time.h"
#include "flows/flow.h"
#include "flows/monitor.h"
#include "net/http_server.h"
#include "net/router.h"
#include "ops/metrics.h"
#include "store/store.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cg__admin_reply_json(struct cg_http_exchange *ex, int status, cJSON *doc)
{
  char *text = doc ? cg_json_print(doc) : NULL;
  if (text == NULL)
    cg_http_respond_json(ex, 500, "{\"error\":\"out of memory\"}");
  else
    cg_http_respond_json(ex, status, text);
  cg_free(text);
  cJSON_Delete(doc);
}

void cg__admin_reply_error(struct cg_http_exchange *ex, int status,
                           const char *msg)
{
  cJSON *doc = cJSON_CreateObject();
  cJSON_AddStringToObject(doc, "error", msg);
  cg__admin_reply_json(ex, status, doc);
}

size_t cg__admin_list_limit(struct cg_http_exchange *ex, size_t def, size_t max)
{
  char text[16] = "";
  if (!cg_http_exchange_query(ex, "limit", text, sizeof(text)))
    return def;
  long n = strtol(text, NULL, 10);
  return n <= 0 ? def : (size_t)n > max ? max : (size_t)n;
}

void cg__admin_reply_described(struct cg_http_exchange *ex,
                               const struct cg_flow *f, cJSON *doc,
                               const struct cg_err *err, const char *not_found)
{
  if (doc != NULL)
    cg__admin_reply_json(ex, 200, doc);
  else if (f == NULL)
    cg__admin_reply_error(ex, 404, "no such merchant");
  else if (err->code == CG_ENOTFOUND)
    cg__admin_reply_error(ex, 404, not_found);
  else
    cg__admin_reply_error(ex, 500, err->msg);
}

void cg__admin_reply_listed(struct cg_http_exchange *ex,
                            const struct cg_flow *f, cJSON *doc,
                            const struct cg_err *err)
{
  if (doc != NULL)
    cg__admin_reply_json(ex, 200, doc);
  else if (f == NULL)
    cg__admin_reply_error(ex, 404, "no such merchant");
  else
    cg__admin_reply_error(ex, err->code == CG_EINVAL ? 400 : 500, err->msg);
}

bool cg__admin_authorized(struct cg_http_exchange *ex,
                          const struct cg_admin_source *src)
{
  const char *h = cg_http_exchange_header(ex, "Authorization");
  if (src->token == NULL) {
    cg__admin_reply_error(ex, 403, "admin.token is not configured");
    return false;
  }
  size_t n = strlen(src->token);
  if (h == NULL || strncmp(h, "Bearer ", 7) != 0 || strlen(h + 7) != n ||
      CRYPTO_memcmp(h + 7, src->token, n) != 0) {
    cg__admin_reply_error(ex, 401, "missing or wrong bearer token");
    return false;
  }
  return true;
}

struct cg_flow *cg__admin_find_flow(const struct cg_admin_source *src,
                                    const char *id)
{
  for (size_t i = 0; id && i < src->n; i++)
    if (strcmp(src->flows[i]->merchant, id) == 0)
      return src->flows[i];
  return NULL;
}

struct cg_flow *cg__admin_request_flow(struct cg_http_exchange *ex,
                                       const struct cg_admin_source *src)
{
  if (!cg__admin_authorized(ex, src))
    return NULL;
  struct cg_flow *f =
      cg__admin_find_flow(src, cg_http_exchange_param(ex, "merchant"));
  if (f == NULL)
    cg__admin_reply_error(ex, 404, "no such merchant");
  return f;
}

void cg__admin_reply_accepted(struct cg_http_exchange *ex, const char *status)
{
  cJSON *doc = cJSON_CreateObject();
  cJSON_AddStringToObject(doc, "status", status);
  cg__admin_reply_json(ex, 202, doc);
}

static cJSON *merchant_health(struct cg_flow *f)
{
  cJSON *m = cJSON_CreateObject();
  int64_t depth = -1;
  cg_store_outbox_depth(f->store, &depth, NULL);
  cJSON_AddStringToObject(m, "id", f->merchant);
  cg_json_add_int(m, "outbox_depth", depth);
  int64_t counts[CG_STORE_ORDER_NSTATES] = {0};
  cJSON *orders = cJSON_AddObjectToObject(m, "orders");
  if (cg_store_order_counts(f->store, counts, NULL) == 0)
    for (int s = 0; s < CG_STORE_ORDER_NSTATES; s++)
      cg_json_add_int(orders, cg_store_order_state_name(s), counts[s]);
  return m;
}

/* Runs the store checks of merchant i; on a problem adds it to the
 * merchant's entry and to problems. Returns true when healthy. */
static bool store_healthy(const struct cg_admin_source *src, size_t i,
                          cJSON *entry, cJSON *problems)
{
  struct cg_flow *f = src->flows[i];
  struct cg_err err = {0};
  const struct cg_store_health *h = src->health ? src->health[i] : NULL;
  bool ok = cg_store_health_check(f->store, h, &err) == 0;
  cJSON_AddStringToObject(entry, "store", ok ? "ok" : err.msg);
  if (!ok) {
    char line[CG_ERR_MSG_MAX + 80];
    snprintf(line, sizeof(line), "merchant '%s': %s", f->merchant, err.msg);
    cJSON_AddItemToArray(problems, cJSON_CreateString(line));
  }
  return ok;
}

/* A merchant none of whose generations ever loaded has no rules: its
 * orders wait. Adds it to problems; returns true when it has rules. */
static bool rules_healthy(const struct cg_flow *f, cJSON *entry,
                          cJSON *problems)
{
  bool ok = f->rules_problem[0] == '\0';
  cJSON_AddStringToObject(entry, "rules", ok ? "ok" : f->rules_problem);
  if (!ok) {
    char line[sizeof(f->rules_problem) + 80];
    snprintf(line, sizeof(line), "merchant '%s' has no rules: %s", f->merchant,
             f->rules_problem);
    cJSON_AddItemToArray(problems, cJSON_CreateString(line));
  }
  return ok;
}

static void h_healthz(struct cg_http_exchange *ex, void *arg)
{
  const struct cg_admin_source *src = arg;
  cJSON *doc = cJSON_CreateObject();
  cJSON *status = cJSON_AddStringToObject(doc, "status", "ok");
  cJSON *problems = cJSON_AddArrayToObject(doc, "problems");
  cJSON *list = cJSON_AddArrayToObject(doc, "merchants");
  bool ok = src->n_down == 0;
  for (size_t i = 0; i < src->n_down; i++)
    cJSON_AddItemToArray(problems, cJSON_CreateString(src->down[i]));
  for (size_t i = 0; i < src->n; i++) {
    cJSON *entry = merchant_health(src->flows[i]);
    ok = store_healthy(src, i, entry, problems) && ok;
    ok = rules_healthy(src->flows[i], entry, problems) && ok;
    cJSON_AddItemToArray(list, entry);
  }
  if (!ok && status != NULL)
    cJSON_SetValuestring(status, "failing");
  cg__admin_reply_json(ex, ok ? 200 : 503, doc);
}

static void h_metrics(struct cg_http_exchange *ex, void *arg)
{
  const struct cg_admin_source *src = arg;
  struct cg_buf b = CG_BUF_INIT;
  if (cg_metrics_render(src->flows, src->n, &b) != 0)
    cg_http_respond(ex, 500, "text/plain", "out of memory\n", 14);
  else
    cg_http_respond(ex, 200, "text/plain; version=0.0.4", b.data, b.len);
  cg_buf_free(&b);
}

static cJSON *exception_json(const struct cg_store_exception *x)
{
  cJSON *o = cJSON_CreateObject();
  cg_json_add_int(o, "id", x->id);
  cg_json_add_str(o, "type", x->type);
  cg_json_add_str(o, "entity", x->entity_kind);
  cg_json_add_str(o, "key", x->entity_key);
  cg_json_add_str(o, "message", x->message);
  cg_json_add_str(o, "owner", x->owner);
  cg_json_add_str(o, "severity", x->severity);
  cg_json_add_str(o, "state", x->state);
  cg_json_add_str(o, "rule_generation", x->rule_generation);
  cg_json_add_int(o, "count", x->count);
  cg_json_add_int(o, "first_seen", x->first_seen);
  cg_json_add_int(o, "last_seen", x->last_seen);
  cJSON_AddBoolToObject(o, "retry_requested", x->retry_requested_at != 0);
  return o;
}

static void h_exceptions(struct cg_http_exchange *ex, void *arg)
{
  const struct cg_admin_source *src = arg;
  if (!cg__admin_authorized(ex, src))
    return;
  char state[16] = "open", type[64] = "";
  cg_http_exchange_query(ex, "state", state, sizeof(state));
  cg_http_exchange_query(ex, "type", type, sizeof(type));
  struct cg_flow *f =
      cg__admin_find_flow(src, cg_http_exchange_param(ex, "merchant"));
  if (f == NULL) {
    cg__admin_reply_error(ex, 404, "no such merchant");
    return;
  }
  struct cg_store_exception_filter flt = {.state = strcmp(state, "all") ? state
                                                                        : NULL,
                                          .type = type[0] ? type : NULL,
                                          .limit = 500};
  struct cg_store_exception_list list = {0};
  if (cg_store_exception_list(f->store, &flt, &list, NULL) != 0) {
    cg__admin_reply_error(ex, 500, "store read failed");
    return;
  }
  cJSON *doc = cJSON_CreateArray();
  for (size_t i = 0; i < list.n; i++)
    cJSON_AddItemToArray(doc, exception_json(&list.items[i]));
  cg_store_exception_list_clear(&list);
  cg__admin_reply_json(ex, 200, doc);
}

/* POST .../exceptions/{id}/retry|resolve */
static void exception_action(struct cg_http_exchange *ex,
                             const struct cg_admin_source *src, bool retry)
{
  if (!cg__admin_authorized(ex, src))
    return;
  struct cg_flow *f =
      cg__admin_find_flow(src, cg_http_exchange_param(ex, "merchant"));
  const char *id_text = cg_http_exchange_param(ex, "id");
  if (f == NULL || id_text == NULL) {
    cg__admin_reply_error(ex, 404, "no such merchant");
    return;
  }
  struct cg_err err = {0};
  int64_t id = strtoll(id_text, NULL, 10);
  int rc = retry ? cg_store_exception_request_retry(f->store, id, &err)
                 : cg_store_exception_resolve(f->store, id, "admin-api",
                                              "resolved by hand", &err);
  if (rc == CG_ENOTFOUND) {
    cg__admin_reply_error(ex, 404, "no such exception");
    return;
  }
  if (rc != 0) {
    cg__admin_reply_error(ex, 409, err.msg);
    return;
  }
  cJSON *doc = cJSON_CreateObject();
  cg_json_add_int(doc, "id", id);
  cJSON_AddStringToObject(doc, "status",
                          retry ? "retry requested" : "resolved");
  cg__admin_reply_json(ex, 202, doc);
}

static void h_retry(struct cg_http_exchange *ex, void *arg)
{
  exception_action(ex, arg, true);
}

static void h_resolve(struct cg_http_exchange *ex, void *arg)
{
  exception_action(ex, arg, false);
}

static cJSON *order_timeline(struct cg_flow *f, const char *number)
{
  struct cg_store_audit_list list = {0};
  cJSON *arr = cJSON_CreateArray();
  if (cg_store_audit_list(f->store, NULL, number, 0, &list, NULL) != 0)
    return arr;
  for (size_t i = 0; i < list.n; i++) {
    cJSON *e = cJSON_CreateObject();
    cg_json_add_int(e, "at", list.items[i].at);
    cg_json_add_str(e, "action", list.items[i].action);
    cg_json_add_str(e, "detail", list.items[i].detail);
    cg_json_add_str(e, "rule_generation", list.items[i].rule_generation);
    cJSON_AddItemToArray(arr, e);
  }
  cg_store_audit_list_clear(&list);
  return arr;
}

static void h_order(struct cg_http_exchange *ex, void *arg)
{
  const struct cg_admin_source *src = arg;
  if (!cg__admin_authorized(ex, src))
    return;
  struct cg_flow *f =
      cg__admin_find_flow(src, cg_http_exchange_param(ex, "merchant"));
  const char *number = cg_http_exchange_param(ex, "number");
  struct cg_store_order o = {0};
  if (f == NULL || cg_store_order_get(f->store, number, &o, NULL) != 0) {
    cg__admin_reply_error(ex, 404, "no such order");
    return;
  }
  cJSON *doc = cJSON_CreateObject();
  cg_json_add_str(doc, "number", o.number);
  cg_json_add_str(doc, "state", cg_store_order_state_name(o.state));
  cg_json_add_str(doc, "hold_reason", o.hold_reason);
  cg_json_add_str(doc, "gxo_ref", o.gxo_ref);
  cg_json_add_str(doc, "rule_generation", o.rule_generation);
  cJSON_AddItemToObject(doc, "timeline", order_timeline(f, number));
  cg_store_order_clear(&o);
  cg__admin_reply_json(ex, 200, doc);
}

static void h_reload(struct cg_http_exchange *ex, void *arg)
{
  const struct cg_admin_source *src = arg;
  if (!cg__admin_authorized(ex, src))
    return;
  struct cg_err err = {0};
  const char *id = cg_http_exchange_param(ex, "merchant");
  if (cg__admin_find_flow(src, id) == NULL) {
    cg__admin_reply_error(ex, 404, "no such merchant");
    return;
  }
  if (src->reload(src->ctx, id, &err) != 0) {
    cg__admin_reply_error(ex, 422, err.msg);
    return;
  }
  cg__admin_reply_error(ex, 200, "reload requested");
}

#define CLOCK_MAX_MS (400LL * 24 * 3600 * 1000) /* one move: 400 days */

static void reply_clock(struct cg_http_exchange *ex)
{
  char now[40];
  cJSON *doc = cJSON_CreateObject();
  cg_json_add_int(doc, "offsetMs", cg_time_offset_ms());
  cg_json_add_str(doc, "now",
                  cg_time_format_iso8601(cg_time_now_ms(), now, sizeof(now)));
  cg__admin_reply_json(ex, 200, doc);
}

/* Test clock (config test_clock; no route otherwise): moves the wall
 * clock forward, then runs each merchant's SLA pass at once. */
static void h_clock(struct cg_http_exchange *ex, void *arg)
{
  const struct cg_admin_source *src = arg;
  if (!cg__admin_authorized(ex, src))
    return;
  const struct cg_http_request *req = cg_http_exchange_request(ex);
  if (strcmp(req->method, "GET") == 0) {
    reply_clock(ex);
    return;
  }
  cJSON *body = cg_json_parse(req->body, req->body_len, NULL);
  const cJSON *adv = cJSON_GetObjectItemCaseSensitive(body, "advanceMs");
  bool ok = cJSON_IsNumber(adv) && adv->valuedouble >= 0 &&
            adv->valuedouble <= (double)CLOCK_MAX_MS;
  int64_t by = ok ? (int64_t)adv->valuedouble : 0;
  cJSON_Delete(body);
  if (!ok) {
    cg__admin_reply_error(ex, 400, "expected {\"advanceMs\": 0..34560000000}");
    return;
  }
  cg_time_set_offset_ms(cg_time_offset_ms() + by);
  cg_log_warn("admin", "test clock moved %lld ms forward (offset now %lld ms)",
              (long long)by, (long long)cg_time_offset_ms());
  for (size_t i = 0; i < src->n; i++)
    if (src->flows[i]->monitor != NULL)
      cg_monitor_tick(src->flows[i]->monitor);
  reply_clock(ex);
}

int cg_admin_routes(struct cg_router *r, const struct cg_admin_source *src)
{
  void *a = (void *)src;
  const struct {
    const char *method, *pattern;
    cg_http_handler_fn fn;
  } routes[] = {
      {"GET", "/healthz", h_healthz},
      {"GET", "/metrics", h_metrics},
      {"GET", "/api/v1/merchants/{merchant}/exceptions", h_exceptions},
      {"POST", "/api/v1/merchants/{merchant}/exceptions/{id}/retry", h_retry},
      {"POST", "/api/v1/merchants/{merchant}/exceptions/{id}/resolve",
       h_resolve},
      {"GET", "/api/v1/merchants/{merchant}/orders/{number}", h_order},
      {"POST", "/api/v1/merchants/{merchant}/rules/reload", h_reload},
  };
  for (size_t i = 0; i < sizeof(routes) / sizeof(*routes); i++)
    if (cg_router_add(r, routes[i].method, routes[i].pattern, routes[i].fn,
                      a) != 0)
      return CG_ENOMEM;
  if (cg__admin_stock_routes(r, src) != 0 ||
      cg__admin_items_routes(r, src) != 0)
    return CG_ENOMEM;
  if (src->test_clock &&
      (cg_router_add(r, "GET", "/api/v1/test/clock", h_clock, a) != 0 ||
       cg_router_add(r, "POST", "/api/v1/test/clock", h_clock, a) != 0))
    return CG_ENOMEM;
  return 0;
}
