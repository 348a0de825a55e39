/*
 * sim_wms_orders: fulfilment orders as the client sees them.
 *
 *   POST /wms/v1/orders              -> 202 RECEIVED (also replacing a
 *                                       REJECTED or CANCELLED order);
 *                                       409 duplicate-order-ref;
 *                                       422 field-too-long / unknown-sku /
 *                                       invalid-address /
 *                                       unsupported-service / invalid-order
 *   GET  /wms/v1/orders/{orderRef}   -> 200 status, lines, shipments; 404
 *   POST /wms/v1/orders/{ref}/cancel -> 202; 409 order-not-cancellable; 404
 *
 * Acceptance is asynchronous: a received order is accepted (or rejected,
 * when listed in the auto-reject settings) by the job scheduler after
 * acceptAfterMs, or by the control API when auto-accept is off.
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

#define REF_MAX 32 /* orderRef, as sim_wms_limits.c */
#define LINES_MAX 1000

void sim_wms__order_free(struct wms_order *o)
{
  if (o == NULL)
    return;
  for (size_t i = 0; i < o->nlines; i++) {
    cg_free(o->lines[i].line_ref);
    cg_free(o->lines[i].sku);
  }
  cg_free(o->lines);
  cg_free(o->ref);
  cJSON_Delete(o->request);
  cJSON_Delete(o->shipments);
  cJSON_Delete(o->keys);
  cg_free(o);
}

static cJSON *line_json(const struct wms_line *l)
{
  cJSON *o = cJSON_CreateObject();
  cg_json_add_str(o, "lineRef", l->line_ref);
  cg_json_add_str(o, "sku", l->sku);
  cg_json_add_int(o, "ordered", l->ordered);
  cg_json_add_int(o, "shipped", l->shipped);
  cg_json_add_int(o, "cancelled", l->cancelled);
  if (l->code[0])
    cg_json_add_str(o, "statusCode", l->code);
  return o;
}

cJSON *sim_wms__order_json(const struct wms_order *o, bool attempts)
{
  cJSON *doc = cJSON_CreateObject();
  cg_json_add_str(doc, "orderRef", o->ref);
  cg_json_add_str(doc, "wmsOrderId", o->created ? o->wms_id : NULL);
  cg_json_add_str(doc, "status", o->created ? o->status : "NOT_CREATED");
  cJSON *lines = cJSON_AddArrayToObject(doc, "lines");
  for (size_t i = 0; i < o->nlines; i++)
    cJSON_AddItemToArray(lines, line_json(&o->lines[i]));
  cJSON_AddItemToObject(doc, "shipments", cJSON_Duplicate(o->shipments, 1));
  if (!attempts)
    return doc;
  cJSON_AddBoolToObject(doc, "created", o->created);
  cJSON *a = cJSON_AddObjectToObject(doc, "attempts");
  cg_json_add_int(a, "creates", o->creates);
  cg_json_add_int(a, "replays", o->replays);
  cg_json_add_int(a, "inFlightConflicts", o->inflight409);
  cg_json_add_int(a, "duplicates", o->duplicates);
  cg_json_add_int(a, "invalid", o->invalid);
  cJSON_AddItemToObject(a, "idempotencyKeys", cJSON_Duplicate(o->keys, 1));
  if (o->request != NULL)
    cJSON_AddItemToObject(doc, "request", cJSON_Duplicate(o->request, 1));
  return doc;
}

/* --- validation ----------------------------------------------------------- */

static bool service_ok(const struct sim_wms *w, const char *carrier,
                       const char *service)
{
  const cJSON *pair;
  cJSON_ArrayForEach(pair, w->services)
  {
    const cJSON *c = cJSON_GetArrayItem(pair, 0);
    const cJSON *s = cJSON_GetArrayItem(pair, 1);
    if (!cJSON_IsString(c) || !cJSON_IsString(s))
      continue;
    if ((strcmp(c->valuestring, "*") == 0 ||
         strcmp(c->valuestring, carrier) == 0) &&
        (strcmp(s->valuestring, "*") == 0 ||
         strcmp(s->valuestring, service) == 0))
      return true;
  }
  return false;
}

static bool nonempty(const cJSON *o, const char *key)
{
  const char *v = cg_json_str(o, key);
  return v != NULL && *v != '\0';
}

static void check_address(const cJSON *doc, cJSON *problem)
{
  static const char *const required[] = {"name", "address1", "city",
                                         "postalCode", "countryCode"};
  char ptr[64];
  const cJSON *to = cg_json_get(doc, "shipTo");
  if (!cJSON_IsObject(to)) {
    sim_problem_add(problem, "/shipTo", "invalid-address",
                    "shipTo is required");
    return;
  }
  for (size_t i = 0; i < sizeof(required) / sizeof(*required); i++) {
    if (nonempty(to, required[i]))
      continue;
    snprintf(ptr, sizeof(ptr), "/shipTo/%s", required[i]);
    sim_problem_add(problem, ptr, "invalid-address",
                    "required address field is missing");
  }
  const char *cc = cg_json_str(to, "countryCode");
  if (cc != NULL && *cc != '\0' &&
      (strlen(cc) != 2 || cc[0] < 'A' || cc[0] > 'Z' || cc[1] < 'A' ||
       cc[1] > 'Z'))
    sim_problem_add(problem, "/shipTo/countryCode", "invalid-address",
                    "countryCode must be ISO 3166-1 alpha-2");
}

static void check_shipping(const struct sim_wms *w, const cJSON *doc,
                           cJSON *problem)
{
  const char *c = cg_json_str(doc, "shipping.carrierCode");
  const char *s = cg_json_str(doc, "shipping.serviceCode");
  if (c == NULL || s == NULL || !service_ok(w, c, s))
    sim_problem_add(problem, "/shipping/serviceCode", "unsupported-service",
                    "carrier/service not offered by this site");
}

static void check_lines(struct sim_wms *w, const cJSON *doc, cJSON *problem)
{
  const cJSON *lines = cg_json_get(doc, "lines"), *l;
  char ptr[64];
  int i = 0;
  bool unknown = false;
  cJSON_ArrayForEach(l, lines)
  {
    int64_t q;
    if (!nonempty(l, "lineRef")) {
      snprintf(ptr, sizeof(ptr), "/lines/%d/lineRef", i);
      sim_problem_add(problem, ptr, "invalid-order", "lineRef is required");
    }
    if (sim_wms__item_find(w, cg_json_str(l, "sku")) == NULL) {
      snprintf(ptr, sizeof(ptr), "/lines/%d/sku", i);
      sim_problem_add(problem, ptr, "unknown-sku",
                      "sku is not in the item master");
      unknown = true;
    }
    if (cg_json_get_int(l, "quantity", &q) != 0 || q < 1) {
      snprintf(ptr, sizeof(ptr), "/lines/%d/quantity", i);
      sim_problem_add(problem, ptr, "invalid-order",
                      "quantity must be an integer >= 1");
    }
    i++;
  }
  if (unknown)
    w->stats.unknown_sku_orders++;
}

/* Returns a 422 problem, or NULL when the order is valid. */
static cJSON *validate(struct sim_wms *w, const cJSON *doc)
{
  cJSON *p = sim_problem(422, "invalid-order", "the order is invalid", NULL);
  const char *ref = cg_json_str(doc, "orderRef");
  const cJSON *lines = cg_json_get(doc, "lines");
  /* Too-long fields first, so they set the problem's code. */
  sim_wms__limits_check(WMS_BODY_ORDER, doc, p);
  if (ref == NULL || *ref == '\0')
    sim_problem_add(p, "/orderRef", "invalid-order", "orderRef is required");
  if (!cJSON_IsArray(lines) || cJSON_GetArraySize(lines) == 0 ||
      cJSON_GetArraySize(lines) > LINES_MAX)
    sim_problem_add(p, "/lines", "invalid-order",
                    "lines must hold 1..1000 lines");
  check_address(doc, p);
  check_shipping(w, doc, p);
  check_lines(w, doc, p);
  const cJSON *errs = cg_json_get(p, "errors");
  if (cJSON_GetArraySize(errs) == 0) {
    cJSON_Delete(p);
    return NULL;
  }
  /* The problem's type, code and detail are the first error's. */
  const cJSON *first = cJSON_GetArrayItem(errs, 0);
  cJSON *out = sim_problem(422, cg_json_str(first, "code"),
                           cg_json_str(first, "message"), NULL);
  if (out == NULL)
    return p; /* still a refusal, with the generic type */
  cJSON_ReplaceItemInObjectCaseSensitive(
      out, "errors", cJSON_DetachItemFromObjectCaseSensitive(p, "errors"));
  cJSON_Delete(p);
  return out;
}

/* --- create --------------------------------------------------------------- */

static int take_lines(struct wms_order *o, const cJSON *doc)
{
  const cJSON *lines = cg_json_get(doc, "lines"), *l;
  size_t n = (size_t)cJSON_GetArraySize(lines), i = 0;
  o->lines = cg_calloc(n, sizeof(*o->lines));
  if (o->lines == NULL)
    return CG_ENOMEM;
  cJSON_ArrayForEach(l, lines)
  {
    struct wms_line *ln = &o->lines[i++];
    ln->line_ref = cg_strdup(cg_json_str(l, "lineRef"));
    ln->sku = cg_strdup(cg_json_str(l, "sku"));
    ln->ordered = cg_json_int(l, "quantity", 0);
    o->nlines = i;
    if (ln->line_ref == NULL || ln->sku == NULL)
      return CG_ENOMEM;
  }
  return 0;
}

static const cJSON *auto_reject_for(const struct sim_wms *w, const char *ref)
{
  const cJSON *r;
  cJSON_ArrayForEach(r, w->auto_reject)
  {
    const char *v = cg_json_str(r, "orderRef");
    if (v != NULL && strcmp(v, ref) == 0)
      return r;
  }
  return NULL;
}

/* autoReject decides an orderRef's first creation only: a replacement
 * (below) is decided like any other order. */
static void schedule_decision(struct sim_wms *w, struct wms_order *o)
{
  const cJSON *rej = o->creates == 1 ? auto_reject_for(w, o->ref) : NULL;
  if (rej != NULL) {
    const char *code = cg_json_str(rej, "code");
    sim_wms__jobs_schedule(w, o->ref, WMS_JOB_REJECT,
                           code ? code : "unknown-sku",
                           cg_json_str(rej, "message"), w->accept_after_ms);
  } else if (w->auto_accept) {
    sim_wms__jobs_schedule(w, o->ref, WMS_JOB_ACCEPT, NULL, NULL,
                           w->accept_after_ms);
  }
}

static void create(struct sim_wms *w, struct cg_http_exchange *ex,
                   struct wms_order *o, cJSON *doc)
{
  if (take_lines(o, doc) != 0) {
    cJSON_Delete(doc);
    sim_wms__fail(ex, 503, "out-of-memory", "try again", NULL);
    return;
  }
  o->created = true;
  o->creates++;
  o->request = doc;
  sim_wms__next_ref(w, "wms-order", "GXO-ORD-", o->wms_id, sizeof(o->wms_id));
  snprintf(o->status, sizeof(o->status), "RECEIVED");
  w->stats.orders++;
  schedule_decision(w, o);
  cJSON *resp = cJSON_CreateObject();
  cg_json_add_str(resp, "orderRef", o->ref);
  cg_json_add_str(resp, "wmsOrderId", o->wms_id);
  cg_json_add_str(resp, "status", "RECEIVED");
  sim_wms__reply_json(ex, 202, resp);
}

/* A REJECTED or CANCELLED order may be posted again with a new key; the
 * new document replaces it (warehouse-api-v1.md). */
static bool replaceable(const struct wms_order *o)
{
  return strcmp(o->status, "REJECTED") == 0 ||
         strcmp(o->status, "CANCELLED") == 0;
}

/* Forgets what a replaced order held; its attempt counters stay. */
static void order_reset(struct wms_order *o)
{
  for (size_t i = 0; i < o->nlines; i++) {
    cg_free(o->lines[i].line_ref);
    cg_free(o->lines[i].sku);
  }
  cg_free(o->lines);
  o->lines = NULL;
  o->nlines = 0;
  cJSON_Delete(o->request);
  o->request = NULL;
  cJSON_Delete(o->shipments);
  o->shipments = cJSON_CreateArray();
  o->shipment_seq = 0;
  o->created = false;
}

/* 409 for an orderRef the warehouse holds in work; true when answered. */
static bool refuse_duplicate(struct sim_wms *w, struct cg_http_exchange *ex,
                             struct wms_order *o)
{
  if (o == NULL || !o->created || replaceable(o))
    return false;
  o->duplicates++;
  w->stats.duplicates++;
  sim_wms__fail(ex, 409, "duplicate-order-ref",
                "an order with this orderRef exists (created with another "
                "Idempotency-Key)",
                "/orderRef");
  return true;
}

static void on_create(struct cg_http_exchange *ex, void *arg)
{
  struct sim_wms *w = arg;
  cJSON *doc;
  if (sim_body_json(ex, &doc) != 0 || !cJSON_IsObject(doc)) {
    cJSON_Delete(doc);
    w->stats.invalid_orders++;
    sim_wms__fail(ex, 400, "malformed-json", "body must be a JSON object",
                  NULL);
    return;
  }
  const char *ref = cg_json_str(doc, "orderRef");
  struct wms_order *o = sim_wms__order_find(w, ref);
  if (refuse_duplicate(w, ex, o)) {
    cJSON_Delete(doc);
    return;
  }
  cJSON *problem = validate(w, doc);
  o = problem == NULL || (ref && *ref && sim_wms__chars(ref) <= REF_MAX)
          ? sim_wms__order_get(w, ref)
          : NULL;
  if (problem != NULL) {
    if (o != NULL)
      o->invalid++;
    w->stats.invalid_orders++;
    cJSON_Delete(doc);
    sim_wms__reply_problem(ex, problem);
    return;
  }
  if (o == NULL) {
    cJSON_Delete(doc);
    sim_wms__fail(ex, 503, "out-of-memory", "try again", NULL);
    return;
  }
  if (o->created)
    order_reset(o);
  create(w, ex, o, doc);
}

static void on_get(struct cg_http_exchange *ex, void *arg)
{
  struct sim_wms *w = arg;
  struct wms_order *o =
      sim_wms__order_find(w, cg_http_exchange_param(ex, "ref"));
  if (o == NULL || !o->created) {
    sim_wms__fail(ex, 404, "order-not-found", "no order with this orderRef",
                  NULL);
    return;
  }
  sim_wms__reply_json(ex, 200, sim_wms__order_json(o, false));
}

/* --- cancel --------------------------------------------------------------- */

static bool cancellable(const struct wms_order *o)
{
  static const char *const ok[] = {"RECEIVED", "ACCEPTED", "RELEASED",
                                   "ON_HOLD"};
  for (size_t i = 0; i < sizeof(ok) / sizeof(*ok); i++)
    if (strcmp(o->status, ok[i]) == 0)
      return true;
  return false;
}

/* Checks the optional lines[] of a cancel; returns a message or NULL. */
static const char *check_cancel_lines(struct wms_order *o, const cJSON *lines)
{
  const cJSON *l;
  if (lines != NULL &&
      (!cJSON_IsArray(lines) || cJSON_GetArraySize(lines) == 0))
    return "lines must be a non-empty array when given";
  cJSON_ArrayForEach(l, lines)
  {
    struct wms_line *ln = sim_wms__line_find(o, cg_json_str(l, "lineRef"));
    int64_t q = cg_json_int(l, "quantity", ln ? ln->ordered : 0);
    if (ln == NULL)
      return "unknown lineRef";
    if (q < 1 || q > ln->ordered - ln->shipped - ln->cancelled)
      return "quantity exceeds what is left on the line";
  }
  return NULL;
}

static cJSON *apply_cancel(struct sim_wms *w, struct wms_order *o,
                           const cJSON *lines)
{
  cJSON *arr = cJSON_CreateArray();
  for (size_t i = 0; i < o->nlines; i++) {
    struct wms_line *ln = &o->lines[i];
    int64_t q = lines ? 0 : ln->ordered - ln->shipped - ln->cancelled;
    const cJSON *l;
    cJSON_ArrayForEach(l, lines)
    {
      const char *lr = cg_json_str(l, "lineRef");
      if (lr && strcmp(lr, ln->line_ref) == 0)
        q += cg_json_int(l, "quantity",
                         ln->ordered - ln->shipped - ln->cancelled);
    }
    if (q <= 0)
      continue;
    ln->cancelled += q;
    int64_t rel = ln->allocated < q ? ln->allocated : q;
    sim_wms__stock_add(w, sim_wms__stock_get(w, ln->sku), WMS_ALLOCATED, -rel);
    sim_wms__stock_add(w, sim_wms__stock_get(w, ln->sku), WMS_AVAILABLE, rel);
    ln->allocated -= rel;
    cJSON *c = cJSON_CreateObject();
    cg_json_add_str(c, "lineRef", ln->line_ref);
    cg_json_add_int(c, "cancelled", q);
    cJSON_AddItemToArray(arr, c);
  }
  return arr;
}

static bool all_cancelled(const struct wms_order *o)
{
  for (size_t i = 0; i < o->nlines; i++)
    if (o->lines[i].cancelled < o->lines[i].ordered)
      return false;
  return true;
}

int sim_wms__cancel(struct sim_wms *w, struct wms_order *o, const cJSON *lines,
                    const char *reason, char *msg, size_t n)
{
  const char *why = check_cancel_lines(o, lines);
  if (why != NULL) {
    snprintf(msg, n, "%s", why);
    return 422;
  }
  cJSON *data = cJSON_CreateObject();
  cg_json_add_str(data, "orderRef", o->ref);
  cJSON_AddItemToObject(data, "lines", apply_cancel(w, o, lines));
  cg_json_add_str(data, "reason", reason ? reason : "CUSTOMER_REQUEST");
  if (all_cancelled(o))
    snprintf(o->status, sizeof(o->status), "CANCELLED");
  w->stats.cancels++;
  sim_wms__publish(w, "order.cancelled", o->ref, NULL, data);
  return 0;
}

static void cancel(struct sim_wms *w, struct cg_http_exchange *ex,
                   struct wms_order *o, const cJSON *doc)
{
  char msg[128];
  if (sim_wms__cancel(w, o, cg_json_get(doc, "lines"),
                      cg_json_str(doc, "reason"), msg, sizeof(msg)) != 0) {
    sim_wms__fail(ex, 422, "unknown-order-line", msg, "/lines");
    return;
  }
  cJSON *resp = cJSON_CreateObject();
  cg_json_add_str(resp, "orderRef", o->ref);
  cg_json_add_str(resp, "status", "CANCEL_ACCEPTED");
  sim_wms__reply_json(ex, 202, resp);
}

static void on_cancel(struct cg_http_exchange *ex, void *arg)
{
  struct sim_wms *w = arg;
  cJSON *doc = NULL;
  cJSON *problem = NULL;
  struct wms_order *o =
      sim_wms__order_find(w, cg_http_exchange_param(ex, "ref"));
  if (sim_body_json(ex, &doc) != 0 || (doc && !cJSON_IsObject(doc))) {
    sim_wms__fail(ex, 400, "malformed-json", "body must be a JSON object",
                  NULL);
  } else if (o == NULL || !o->created) {
    sim_wms__fail(ex, 404, "order-not-found", "no order with this orderRef",
                  NULL);
  } else if ((problem = sim_wms__limits_problem(WMS_BODY_CANCEL, doc))) {
    sim_wms__reply_problem(ex, problem);
  } else if (!cancellable(o)) {
    sim_wms__fail(ex, 409, "order-not-cancellable",
                  "picking has started or the order is finished", NULL);
  } else {
    cancel(w, ex, o, doc);
  }
  cJSON_Delete(doc);
}

int sim_wms__orders_routes(struct sim_wms *w, struct cg_router *r)
{
  int rc = cg_router_add(r, "POST", "/wms/v1/orders", on_create, w);
  rc = rc ? rc : cg_router_add(r, "GET", "/wms/v1/orders/{ref}", on_get, w);
  rc = rc ? rc
          : cg_router_add(r, "POST", "/wms/v1/orders/{ref}/cancel", on_cancel,
                          w);
  return rc;
}
