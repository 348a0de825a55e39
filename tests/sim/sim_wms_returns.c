/*
 * sim_wms_returns: customer returns.
 *
 *   POST /wms/v1/return-advices          -> 202 {rmaRef, status:"EXPECTED"};
 *                                           409 duplicate-rma-ref;
 *                                           422 field-too-long /
 *                                           unknown-order-line
 *   GET  /wms/v1/return-advices/{rmaRef} -> 200 advice, status, receipts
 *
 * The control API receives a return (sim_wms__receive_return): return.arrived,
 * then return.received with per-line quantity, condition and disposition
 * plus unexpected items; restocked (RESTOCK) and quarantined units also
 * move stock and publish stock.adjusted. It also publishes what a real
 * warehouse sends by mistake or twice: an arrival nobody advised, a
 * receipt for an rmaRef it does not know, a receipt delivered again under
 * a new eventId.
 */
#include "sim_wms.h"

#include "base/err.h"
#include "base/json.h"
#include "base/mem.h"
#include "net/http_server.h"
#include "net/router.h"

#include <stdio.h>
#include <string.h>

static const char *const conditions[] = {
    "SELLABLE",   "SELLABLE_B",   "DAMAGED",     "DEFECTIVE",
    "INCOMPLETE", "UNIDENTIFIED", "NOT_RECEIVED"};
static const char *const dispositions[] = {
    "RESTOCK", "QUARANTINE", "REWORK", "RETURN_TO_VENDOR", "DISPOSE", "DONATE"};

static bool listed(const char *const *list, size_t n, const char *v)
{
  for (size_t i = 0; v != NULL && i < n; i++)
    if (strcmp(list[i], v) == 0)
      return true;
  return false;
}

void sim_wms__rma_free(struct wms_rma *r)
{
  if (r == NULL)
    return;
  cg_free(r->ref);
  cJSON_Delete(r->advice);
  cJSON_Delete(r->receipts);
  cg_free(r);
}

struct wms_rma *sim_wms__rma_find(struct sim_wms *w, const char *ref)
{
  for (size_t i = 0; ref != NULL && i < w->rmas.n; i++) {
    struct wms_rma *r = w->rmas.v[i];
    if (strcmp(r->ref, ref) == 0)
      return r;
  }
  return NULL;
}

/* Checks an advice; returns a problem or NULL. */
static cJSON *advice_problem(struct sim_wms *w, const cJSON *doc)
{
  const char *ref = cg_json_str(doc, "rmaRef");
  const cJSON *lines = cg_json_get(doc, "lines"), *l;
  char ptr[64];
  int i = 0;
  cJSON *too_long = sim_wms__limits_problem(WMS_BODY_ADVICE, doc);
  if (too_long != NULL)
    return too_long;
  if (ref == NULL || *ref == '\0' || !cJSON_IsArray(lines) ||
      cJSON_GetArraySize(lines) == 0)
    return sim_problem(422, "invalid-return-advice",
                       "rmaRef and lines[] are required", NULL);
  struct wms_order *o =
      sim_wms__order_find(w, cg_json_str(doc, "originalOrderRef"));
  if (o == NULL || !o->created)
    return sim_problem(422, "unknown-order-line",
                       "originalOrderRef is not a known order",
                       "/originalOrderRef");
  cJSON_ArrayForEach(l, lines)
  {
    struct wms_line *ln = sim_wms__line_find(o, cg_json_str(l, "lineRef"));
    int64_t q;
    snprintf(ptr, sizeof(ptr), "/lines/%d", i++);
    if (ln == NULL || cg_json_get_int(l, "quantity", &q) != 0 || q < 1 ||
        q > ln->ordered)
      return sim_problem(422, "unknown-order-line",
                         "lineRef not on the order or quantity out of "
                         "range",
                         ptr);
  }
  return NULL;
}

static void on_advice(struct cg_http_exchange *ex, void *arg)
{
  struct sim_wms *w = arg;
  cJSON *doc, *problem;
  if (sim_body_json(ex, &doc) != 0 || !cJSON_IsObject(doc)) {
    cJSON_Delete(doc);
    sim_wms__fail(ex, 400, "malformed-json", "body must be a JSON object",
                  NULL);
    return;
  }
  if (sim_wms__rma_find(w, cg_json_str(doc, "rmaRef")) != NULL) {
    cJSON_Delete(doc);
    sim_wms__fail(ex, 409, "duplicate-rma-ref",
                  "a return advice with this rmaRef "
                  "exists",
                  "/rmaRef");
    return;
  }
  if ((problem = advice_problem(w, doc)) != NULL) {
    cJSON_Delete(doc);
    sim_wms__reply_problem(ex, problem);
    return;
  }
  struct wms_rma *r = cg_calloc(1, sizeof(*r));
  if (r == NULL || (r->ref = cg_strdup(cg_json_str(doc, "rmaRef"))) == NULL ||
      (r->receipts = cJSON_CreateArray()) == NULL ||
      sim_vec_push(&w->rmas, r) != 0) {
    sim_wms__rma_free(r);
    cJSON_Delete(doc);
    sim_wms__fail(ex, 503, "out-of-memory", "try again", NULL);
    return;
  }
  r->advice = doc;
  snprintf(r->status, sizeof(r->status), "EXPECTED");
  w->stats.returns_advised++;
  cJSON *resp = cJSON_CreateObject();
  cg_json_add_str(resp, "rmaRef", r->ref);
  cg_json_add_str(resp, "status", "EXPECTED");
  sim_wms__reply_json(ex, 202, resp);
}

static cJSON *rma_json(const struct wms_rma *r)
{
  cJSON *doc = cJSON_Duplicate(r->advice, true);
  cg_json_add_str(doc, "status", r->status);
  cJSON_AddItemToObject(doc, "receipts", cJSON_Duplicate(r->receipts, true));
  return doc;
}

static void on_advice_get(struct cg_http_exchange *ex, void *arg)
{
  struct wms_rma *r = sim_wms__rma_find(arg, cg_http_exchange_param(ex, "ref"));
  if (r == NULL) {
    sim_wms__fail(ex, 404, "return-not-found",
                  "no return advice with this rmaRef", NULL);
    return;
  }
  sim_wms__reply_json(ex, 200, rma_json(r));
}

/* --- receipt -------------------------------------------------------------- */

static void restock(struct sim_wms *w, const char *rma, const char *sku,
                    int64_t q, const char *disposition)
{
  const char *status = strcmp(disposition, "RESTOCK") == 0      ? "AVAILABLE"
                       : strcmp(disposition, "QUARANTINE") == 0 ? "QUARANTINE"
                                                                : NULL;
  char msg[128];
  if (status == NULL || q <= 0 || sku == NULL)
    return;
  cJSON *b = cJSON_CreateObject();
  cg_json_add_str(b, "sku", sku);
  cg_json_add_int(b, "delta", q);
  cg_json_add_str(b, "status", status);
  cg_json_add_str(b, "reasonCode", "56");
  cg_json_add_str(b, "reasonText", "customer return received");
  cg_json_add_str(b, "reference", rma);
  sim_wms__adjust(w, b, msg, sizeof(msg));
  cJSON_Delete(b);
}

/* One receipt line from the advice line and the control body's override
 * (same lineRef), defaulting to "all received, SELLABLE, RESTOCK". */
static cJSON *receipt_line(const cJSON *adv, const cJSON *given, bool *action)
{
  const char *cond = cg_json_str(given, "condition");
  const char *disp = cg_json_str(given, "disposition");
  const char *reason = cg_json_str(given, "reasonCode");
  int64_t expected = cg_json_int(adv, "quantity", 0);
  int64_t received =
      cg_json_int(given, "quantityReceived", given ? 0 : expected);
  if (given != NULL && cJSON_GetObjectItem(given, "quantityReceived") == NULL)
    received = expected;
  cJSON *l = cJSON_CreateObject();
  cg_json_add_str(l, "lineRef", cg_json_str(adv, "lineRef"));
  cg_json_add_str(l, "sku", cg_json_str(adv, "sku"));
  cg_json_add_int(l, "quantityExpected", expected);
  cg_json_add_int(l, "quantityReceived", received);
  cg_json_add_str(l, "condition", cond ? cond : "SELLABLE");
  cg_json_add_str(l, "disposition", disp ? disp : "RESTOCK");
  cg_json_add_str(l, "reasonCode",
                  reason ? reason : cg_json_str(adv, "reasonCode"));
  *action = *action || received != expected ||
            (cond && (strcmp(cond, "UNIDENTIFIED") == 0 ||
                      strcmp(cond, "NOT_RECEIVED") == 0));
  return l;
}

static const cJSON *given_for(const cJSON *body, const char *line_ref)
{
  const cJSON *g;
  cJSON_ArrayForEach(g, cg_json_get(body, "lines"))
  {
    const char *lr = cg_json_str(g, "lineRef");
    if (lr && line_ref && strcmp(lr, line_ref) == 0)
      return g;
  }
  return NULL;
}

static const char *check_receive(const cJSON *body, const cJSON *advice)
{
  const cJSON *g, *u;
  cJSON_ArrayForEach(g, cg_json_get(body, "lines"))
  {
    const char *c = cg_json_str(g, "condition");
    const char *d = cg_json_str(g, "disposition");
    const char *lr = cg_json_str(g, "lineRef");
    bool found = false;
    const cJSON *a;
    cJSON_ArrayForEach(a, cg_json_get(advice, "lines"))
    {
      const char *alr = cg_json_str(a, "lineRef");
      found = found || (alr && lr && strcmp(alr, lr) == 0);
    }
    if (!found)
      return "lines[].lineRef must be an advised line";
    if ((c && !listed(conditions, 7, c)) || (d && !listed(dispositions, 6, d)))
      return "unknown condition or disposition";
    if (cg_json_int(g, "quantityReceived", 0) < 0)
      return "quantityReceived must be >= 0";
  }
  cJSON_ArrayForEach(u, cg_json_get(body, "unexpectedItems"))
  {
    if (cg_json_str(u, "sku") == NULL || cg_json_int(u, "quantity", 0) < 1)
      return "unexpectedItems need sku and quantity >= 1";
  }
  return NULL;
}

static cJSON *unexpected_items(struct sim_wms *w, const char *rma,
                               const cJSON *body)
{
  cJSON *arr = cJSON_CreateArray();
  const cJSON *u;
  cJSON_ArrayForEach(u, cg_json_get(body, "unexpectedItems"))
  {
    const char *c = cg_json_str(u, "condition");
    const char *d = cg_json_str(u, "disposition");
    cJSON *o = cJSON_CreateObject();
    cg_json_add_str(o, "sku", cg_json_str(u, "sku"));
    cg_json_add_int(o, "quantity", cg_json_int(u, "quantity", 1));
    cg_json_add_str(o, "condition", c ? c : "UNIDENTIFIED");
    cg_json_add_str(o, "disposition", d ? d : "QUARANTINE");
    cJSON_AddItemToArray(arr, o);
    restock(w, rma, cg_json_str(u, "sku"), cg_json_int(u, "quantity", 1),
            d ? d : "QUARANTINE");
  }
  return arr;
}

static void publish_arrived(struct sim_wms *w, struct wms_rma *rma,
                            const char *now)
{
  cJSON *d = cJSON_CreateObject();
  cg_json_add_str(d, "rmaRef", rma->ref);
  cg_json_add_str(d, "parcelTracking",
                  cg_json_str(rma->advice, "carrier.trackingNumber"));
  cg_json_add_str(d, "receivedAt", now);
  sim_wms__publish(w, "return.arrived",
                   cg_json_str(rma->advice, "originalOrderRef"), rma->ref, d);
}

int sim_wms__receive_return(struct sim_wms *w, struct wms_rma *rma,
                            const cJSON *body, cJSON **receipt, char *msg,
                            size_t n)
{
  const char *why = check_receive(body, rma->advice);
  char now[40], id[32];
  bool action = false;
  const cJSON *a;
  if (why != NULL) {
    snprintf(msg, n, "%s", why);
    return 422;
  }
  sim_wms__now_iso(now, sizeof(now));
  if (cg_json_bool(body, "arrived", true))
    publish_arrived(w, rma, now);
  cJSON *d = cJSON_CreateObject();
  cg_json_add_str(d, "rmaRef", rma->ref);
  cg_json_add_str(d, "originalOrderRef",
                  cg_json_str(rma->advice, "originalOrderRef"));
  cg_json_add_str(
      d, "receiptId",
      sim_wms__next_ref(w, "wms-receipt", "GXO-RCV-", id, sizeof(id)));
  cg_json_add_str(d, "receivedAt", now);
  cJSON *lines = cJSON_AddArrayToObject(d, "lines");
  cJSON_ArrayForEach(a, cg_json_get(rma->advice, "lines"))
  {
    cJSON *l =
        receipt_line(a, given_for(body, cg_json_str(a, "lineRef")), &action);
    restock(w, rma->ref, cg_json_str(l, "sku"),
            cg_json_int(l, "quantityReceived", 0),
            cg_json_str(l, "disposition"));
    cJSON_AddItemToArray(lines, l);
  }
  cJSON *unexpected = unexpected_items(w, rma->ref, body);
  action = action || cJSON_GetArraySize(unexpected) > 0;
  cJSON_AddItemToObject(d, "unexpectedItems", unexpected);
  cJSON_AddBoolToObject(d, "requiresAction", action);
  snprintf(rma->status, sizeof(rma->status), "RECEIVED");
  cJSON_AddItemToArray(rma->receipts, cJSON_Duplicate(d, true));
  w->stats.returns_received++;
  *receipt = cJSON_Duplicate(d, true);
  sim_wms__publish(w, "return.received",
                   cg_json_str(rma->advice, "originalOrderRef"), rma->ref, d);
  return 0;
}

/* --- faults for the returns flow (control API) --------------------------- */

/* Publishes data (taken) and answers a copy with the event's id in *out. */
static int publish_fault(struct sim_wms *w, const char *type,
                         const char *order_ref, const char *rma_ref,
                         cJSON *data, cJSON **out, char *msg, size_t n)
{
  cJSON *copy = cJSON_Duplicate(data, true);
  const char *id = sim_wms__publish(w, type, order_ref, rma_ref, data);
  if (copy == NULL || id == NULL) {
    cJSON_Delete(copy);
    snprintf(msg, n, "out of memory");
    return 500;
  }
  cg_json_add_str(copy, "eventId", id);
  *out = copy;
  return 0;
}

int sim_wms__unadvised_arrival(struct sim_wms *w, const char *tracking,
                               cJSON **out, char *msg, size_t n)
{
  char now[40];
  cJSON *d = cJSON_CreateObject();
  cg_json_add_str(d, "parcelTracking", tracking);
  cg_json_add_str(d, "receivedAt", sim_wms__now_iso(now, sizeof(now)));
  return publish_fault(w, "return.arrived", NULL, NULL, d, out, msg, n);
}

/* The receipt lines of an unadvised receipt; NULL with msg when one is
 * not {sku, quantityReceived >= 0, known condition/disposition}. */
static cJSON *unadvised_lines(const cJSON *given, char *msg, size_t n)
{
  cJSON *lines = cJSON_CreateArray();
  const cJSON *g;
  cJSON_ArrayForEach(g, given)
  {
    const char *c = cg_json_str(g, "condition");
    const char *d = cg_json_str(g, "disposition");
    int64_t q = cg_json_int(g, "quantityReceived", 1);
    if (cg_json_str(g, "sku") == NULL || q < 0 ||
        (c && !listed(conditions, 7, c)) ||
        (d && !listed(dispositions, 6, d))) {
      snprintf(msg, n,
               "lines[] need sku, quantityReceived >= 0 and known "
               "condition/disposition");
      cJSON_Delete(lines);
      return NULL;
    }
    cJSON *l = cJSON_CreateObject();
    cg_json_add_str(l, "lineRef", cg_json_str(g, "lineRef"));
    cg_json_add_str(l, "sku", cg_json_str(g, "sku"));
    cg_json_add_int(l, "quantityExpected", 0);
    cg_json_add_int(l, "quantityReceived", q);
    cg_json_add_str(l, "condition", c ? c : "SELLABLE");
    cg_json_add_str(l, "disposition", d ? d : "RESTOCK");
    cJSON_AddItemToArray(lines, l);
  }
  return lines;
}

int sim_wms__unadvised_receipt(struct sim_wms *w, const cJSON *body,
                               cJSON **out, char *msg, size_t n)
{
  const char *ref = cg_json_str(body, "rmaRef");
  char now[40], id[32];
  if (ref == NULL || *ref == '\0') {
    snprintf(msg, n, "rmaRef is required");
    return 422;
  }
  if (sim_wms__rma_find(w, ref) != NULL) {
    snprintf(msg, n, "rmaRef %s is advised: use .../receive", ref);
    return 409;
  }
  cJSON *lines = unadvised_lines(cg_json_get(body, "lines"), msg, n);
  if (lines == NULL)
    return 422;
  cJSON *d = cJSON_CreateObject();
  cg_json_add_str(d, "rmaRef", ref);
  cg_json_add_str(d, "originalOrderRef", cg_json_str(body, "originalOrderRef"));
  cg_json_add_str(
      d, "receiptId",
      sim_wms__next_ref(w, "wms-receipt", "GXO-RCV-", id, sizeof(id)));
  cg_json_add_str(d, "receivedAt", sim_wms__now_iso(now, sizeof(now)));
  cJSON_AddItemToObject(d, "lines", lines);
  cJSON_AddArrayToObject(d, "unexpectedItems");
  cJSON_AddBoolToObject(d, "requiresAction", true);
  return publish_fault(w, "return.received",
                       cg_json_str(body, "originalOrderRef"), ref, d, out, msg,
                       n);
}

int sim_wms__redeliver_receipt(struct sim_wms *w, struct wms_rma *rma,
                               cJSON **out, char *msg, size_t n)
{
  int count = cJSON_GetArraySize(rma->receipts);
  if (count == 0) {
    snprintf(msg, n, "rmaRef %s has no receipt yet", rma->ref);
    return 409;
  }
  cJSON *d =
      cJSON_Duplicate(cJSON_GetArrayItem(rma->receipts, count - 1), true);
  return publish_fault(w, "return.received",
                       cg_json_str(rma->advice, "originalOrderRef"), rma->ref,
                       d, out, msg, n);
}

int sim_wms__returns_routes(struct sim_wms *w, struct cg_router *r)
{
  int rc = cg_router_add(r, "POST", "/wms/v1/return-advices", on_advice, w);
  rc = rc ? rc
          : cg_router_add(r, "GET", "/wms/v1/return-advices/{ref}",
                          on_advice_get, w);
  return rc;
}
