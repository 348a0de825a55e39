/*
 * orders_events: the delivery half of the order flow. Outbox kinds that
 * send orders to the warehouse and mark them exported in Centra, the
 * warehouse events that accept or reject them, and the ways a held order
 * is decided again (rule reload, operator retry).
 */
#include "base/err.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"
#include "centra/centra.h"
#include "flows/decide.h"
#include "flows/dispatch.h"
#include "flows/exceptions.h"
#include "flows/flow.h"
#include "flows/items.h"
#include "flows/returns.h"
#include "flows/orders.h"
#include "flows/orders_internal.h"
#include "flows/skus.h"
#include "flows/stock.h"
#include "flows/stock_push.h"
#include "gxo/gxo.h"
#include "store/store.h"
#include "store/store_dispatch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Warehouse problem code -> (exception type, order state). Codes that a
 * fix on our side can cure hold the order; anything else is a rejection
 * an operator must look at. */
struct problem_map {
  const char *code;
  const char *type;
  enum cg_store_order_state state;
};

static const struct problem_map problems[] = {
    {"unknown-sku", "UNKNOWN_SKU", CG_STORE_ORDER_HELD},
    {CG_SKUS_NOT_ACCEPTED, "UNKNOWN_SKU", CG_STORE_ORDER_HELD}, /* the gate */
    {"item-not-found", "UNKNOWN_SKU", CG_STORE_ORDER_HELD},
    {"invalid-address", "INVALID_ADDRESS", CG_STORE_ORDER_HELD},
    {"unsupported-service", "UNMAPPED_CARRIER", CG_STORE_ORDER_HELD},
};

static const struct problem_map *map_problem(const char *code)
{
  static const struct problem_map other = {"", "PARTNER_REJECTED",
                                           CG_STORE_ORDER_REJECTED};
  for (size_t i = 0; code && i < sizeof(problems) / sizeof(*problems); i++)
    if (strcmp(problems[i].code, code) == 0)
      return &problems[i];
  return &other;
}

/* An order held as UNKNOWN_SKU waits on the SKUs of the warehouse order
 * (items_gate.c): the one sent (payload), or, after an order.rejected
 * event, the one queued last. */
static int wait_items(struct cg_flow *f, const char *number,
                      const char *payload, bool by_gate, struct cg_err *err)
{
  if (payload != NULL)
    return cg_items_order_held(f, number, payload, by_gate, err);
  struct cg_store_outbox_filter flt = {
      .state = -1, .kind = CG_ORDERS_KIND_CREATE, .entity_key = number};
  struct cg_store_outbox_list l = {0};
  int rc = cg_store_outbox_list(f->store, &flt, &l, err);
  if (rc == 0 && l.n > 0)
    rc = cg_items_order_held(f, number, l.items[l.n - 1].payload, by_gate, err);
  cg_store_outbox_list_clear(&l);
  return rc;
}

/* Applies a warehouse refusal (422 or order.rejected), or the item
 * gate's (skus.c: the order was not sent), to an order; payload: the
 * warehouse order refused, NULL for an event. */
static int refuse(struct cg_flow *f, const char *number, const char *code,
                  const char *message, const char *payload, struct cg_err *err)
{
  const struct problem_map *m = map_problem(code);
  bool gate = payload != NULL && code != NULL &&
              strcmp(code, CG_SKUS_NOT_ACCEPTED) == 0;
  char msg[CG_CALL_MESSAGE_MAX + 40];
  snprintf(msg, sizeof(msg), "%s%s%s%s",
           gate ? "" : "warehouse: ", code && *code ? code : "",
           code && *code ? ": " : "", message);
  if (m->state == CG_STORE_ORDER_HELD) {
    int rc = cg__order_hold(f, number, m->type, msg, NULL, err);
    bool items = strcmp(m->type, "UNKNOWN_SKU") == 0;
    return rc == 0 && items ? wait_items(f, number, payload, gate, err) : rc;
  }
  f->metrics.orders_rejected++;
  int rc =
      cg_store_order_set_state(f->store, number, m->state, m->type, NULL, err);
  if (rc == 0)
    rc = cg_flow_raise(f, m->type, "order", number, msg, NULL, err);
  if (rc == 0)
    rc = cg_store_audit_append(f->store, "order", number, "rejected", msg, NULL,
                               err);
  return rc;
}

/* Moves an order to state, recording the warehouse's id when given (the
 * payload is neither read nor rewritten). */
static int advance(struct cg_flow *f, const char *number,
                   enum cg_store_order_state state, const char *gxo_ref,
                   struct cg_err *err)
{
  bool has_ref = gxo_ref != NULL && *gxo_ref != '\0';
  return cg_store_order_advance(f->store, number, state,
                                has_ref ? gxo_ref : NULL, err);
}

static int start_create(struct cg_flow *f,
                        const struct cg_store_outbox_row *row,
                        cg_call_done_fn done, void *arg)
{
  return cg_skus_send_order(f, row->payload, row->idempotency_key, done, arg);
}

static int sent_ok(struct cg_flow *f, const char *number,
                   const struct cg_call_result *res, struct cg_err *err)
{
  enum cg_store_order_state st = CG_STORE_ORDER_RECEIVED;
  int rc = cg_store_order_state(f->store, number, &st, err);
  if (rc != 0)
    return rc;
  f->metrics.orders_sent++;
  if (st == CG_STORE_ORDER_QUEUED) /* an early order.accepted wins */
    rc = advance(f, number, CG_STORE_ORDER_SENT,
                 cg_json_str(res->data, "wmsOrderId"), err);
  char detail[128];
  snprintf(detail, sizeof(detail), "HTTP %ld %s", res->http_status,
           cg_json_str(res->data, "status") ? cg_json_str(res->data, "status")
                                            : "");
  if (rc == 0)
    rc = cg_store_audit_append(f->store, "order", number, "sent", detail, NULL,
                               err);
  return rc;
}

static int finish_create(struct cg_flow *f,
                         const struct cg_store_outbox_row *row,
                         const struct cg_call_result *res)
{
  struct cg_err err = {0};
  switch (res->outcome) {
  case CG_OUTCOME_OK:
    return sent_ok(f, row->entity_key, res, &err);
  case CG_OUTCOME_FAIL:
    return refuse(f, row->entity_key, res->code, res->message, row->payload,
                  &err);
  default:
    return 0;
  }
}

static int start_mark(struct cg_flow *f, const struct cg_store_outbox_row *row,
                      cg_call_done_fn done, void *arg)
{
  cJSON *p = cg_json_parse(row->payload, strlen(row->payload), NULL);
  const char *ext = cg_json_str(p, "externalId");
  int64_t number = strtoll(row->entity_key, NULL, 10);
  int rc = ext ? cg_centra_mark_exported(f->centra, number, ext, done, arg)
               : CG_EINVAL;
  cJSON_Delete(p);
  return rc;
}

static int finish_mark(struct cg_flow *f, const struct cg_store_outbox_row *row,
                       const struct cg_call_result *res)
{
  struct cg_err err = {0};
  char msg[600];
  if (res->outcome == CG_OUTCOME_OK)
    return cg_store_audit_append(f->store, "order", row->entity_key,
                                 "marked in Centra", row->payload, NULL, &err);
  if (res->outcome == CG_OUTCOME_RETRY)
    return 0;
  snprintf(msg, sizeof(msg),
           "could not mark the order exported in Centra: "
           "%s",
           res->message);
  return cg_flow_raise(f, "SYNC_FAILURE", "order", row->entity_key, msg, NULL,
                       &err);
}

const struct cg_outbox_kind cg_orders_outbox_kinds[] = {
    {CG_ORDERS_KIND_CREATE, start_create, finish_create},
    {CG_ORDERS_KIND_MARK, start_mark, finish_mark},
};
const size_t cg_orders_outbox_nkinds =
    sizeof(cg_orders_outbox_kinds) / sizeof(*cg_orders_outbox_kinds);

/* --- warehouse events ---------------------------------------------------*/

static int queue_mark(struct cg_flow *f, const char *number,
                      const char *external_id, struct cg_err *err)
{
  char key[160];
  snprintf(key, sizeof(key), "cg-%s-mark-%s", f->merchant, number);
  /* The warehouse's id is partner data: built with cJSON, never spliced. */
  cJSON *p = cJSON_CreateObject();
  char *payload = p && cg_json_add_str(p, "externalId", external_id)
                      ? cg_json_print(p)
                      : NULL;
  cJSON_Delete(p);
  if (payload == NULL)
    return cg_err_set(err, CG_ENOMEM, "out of memory");
  int rc = cg_store_outbox_put(f->store, CG_ORDERS_KIND_MARK, number, key,
                               payload, 0, NULL, err);
  cg_free(payload);
  return rc == CG_EEXIST ? 0 : rc;
}

static int on_accepted(struct cg_flow *f, const cJSON *data,
                       char outcome[CG_INBOX_OUTCOME_MAX], struct cg_err *err)
{
  const char *number = cg_json_str(data, "orderRef");
  const char *wms_id = cg_json_str(data, "wmsOrderId");
  enum cg_store_order_state st = CG_STORE_ORDER_RECEIVED;
  int rc =
      number ? cg_store_order_state(f->store, number, &st, err) : CG_ENOTFOUND;
  if (rc == CG_ENOTFOUND || st == CG_STORE_ORDER_ACCEPTED ||
      st == CG_STORE_ORDER_SHIPPED) { /* a late copy after the dispatch */
    snprintf(outcome, CG_INBOX_OUTCOME_MAX, "ignored: %s",
             rc ? "unknown order" : "already accepted");
    return 0;
  }
  char ext[128];
  snprintf(ext, sizeof(ext), "%s", wms_id ? wms_id : number);
  if (rc == 0)
    rc = advance(f, number, CG_STORE_ORDER_ACCEPTED, wms_id, err);
  if (rc == 0)
    rc = queue_mark(f, number, ext, err);
  if (rc == 0)
    rc = cg_store_audit_append(f->store, "order", number, "accepted", ext, NULL,
                               err);
  f->metrics.orders_accepted++;
  snprintf(outcome, CG_INBOX_OUTCOME_MAX, "accepted");
  return rc;
}

static int on_rejected(struct cg_flow *f, const cJSON *data,
                       char outcome[CG_INBOX_OUTCOME_MAX], struct cg_err *err)
{
  const char *number = cg_json_str(data, "orderRef");
  const cJSON *first = cJSON_GetArrayItem(cg_json_get(data, "problems"), 0);
  const char *code = cg_json_str(first, "code");
  const char *msg = cg_json_str(first, "message");
  enum cg_store_order_state st;
  int rc =
      number ? cg_store_order_state(f->store, number, &st, err) : CG_ENOTFOUND;
  if (rc == CG_ENOTFOUND) {
    snprintf(outcome, CG_INBOX_OUTCOME_MAX, "ignored: unknown order");
    return 0;
  }
  if (rc == 0)
    rc = refuse(f, number, code, msg ? msg : "rejected", NULL, err);
  snprintf(outcome, CG_INBOX_OUTCOME_MAX, "rejected %s", code ? code : "");
  return rc;
}

/* A consignment: the dispatch flow takes it; a consignment new to it
 * also takes its units out of the warehouse's stock and into D (the
 * dispatches table remembers every consignment, so this runs once). */
static int on_shipment(struct cg_flow *f, const cJSON *env, const cJSON *data,
                       char outcome[CG_INBOX_OUTCOME_MAX], struct cg_err *err)
{
  const char *id = cg_json_str(data, "shipmentId");
  struct cg_store_dispatch d = {0};
  int rc = id ? cg_store_dispatch_get(f->store, id, &d, err) : CG_EINVAL;
  cg_store_dispatch_clear(&d);
  bool fresh = rc == CG_ENOTFOUND;
  if (rc != 0 && rc != CG_ENOTFOUND && rc != CG_EINVAL)
    return rc;
  rc = cg_dispatch_apply_event(f, data, outcome, err);
  return rc == 0 && fresh ? cg_stock_apply_dispatch(f, env, err) : rc;
}

/* The flow of one warehouse event type. */
static int route(struct cg_flow *f, const char *type, const cJSON *env,
                 char outcome[CG_INBOX_OUTCOME_MAX], struct cg_err *err)
{
  const cJSON *data = cg_json_get(env, "data");
  if (strcmp(type, "order.accepted") == 0)
    return on_accepted(f, data, outcome, err);
  if (strcmp(type, "order.rejected") == 0)
    return on_rejected(f, data, outcome, err);
  if (strcmp(type, "shipment.confirmed") == 0)
    return on_shipment(f, env, data, outcome, err);
  if (strcmp(type, "order.closed") == 0 || strcmp(type, "order.cancelled") == 0)
    return cg_dispatch_apply_remainder(f, type, cg_json_str(env, "eventId"),
                                       data, outcome, err);
  if (strncmp(type, "stock.", 6) == 0)
    return cg_stock_apply_event(f, env, outcome, err);
  if (strcmp(type, "item.rejected") == 0)
    return cg_items_apply_event(f, env, outcome, err);
  if (strncmp(type, "return.", 7) == 0) /* with the flow off too */
    return cg_returns_apply_event(f, env, outcome, err);
  snprintf(outcome, CG_INBOX_OUTCOME_MAX, "ignored: %s has no flow yet", type);
  return 0;
}

int cg_orders_apply_gxo_event(struct cg_flow *f,
                              const struct cg_store_inbox_row *row,
                              const cJSON *doc,
                              char outcome[CG_INBOX_OUTCOME_MAX],
                              struct cg_err *err)
{
  cJSON *parsed =
      doc ? NULL : cg_json_parse(row->payload, strlen(row->payload), NULL);
  const cJSON *env = doc ? doc : parsed;
  const char *type = cg_json_str(env, "eventType");
  int64_t seq = 0;
  int rc = 0;
  if (type != NULL && cg_json_get_int(env, "sequence", &seq) == 0 && seq > 0)
    rc = cg_stock_seq_seen(f, seq, err); /* every type: gap detection */
  if (rc == 0 && type == NULL)
    snprintf(outcome, CG_INBOX_OUTCOME_MAX, "invalid: not an event");
  else if (rc == 0)
    rc = route(f, type, env, outcome, err);
  cJSON_Delete(parsed);
  return rc;
}

int cg_orders_take_gxo_event(struct cg_flow *f, const cJSON *envelope,
                             const char *via, struct cg_err *err)
{
  const char *id = cg_json_str(envelope, "eventId");
  if (id == NULL)
    return cg_err_set(err, CG_EINVAL,
                      "warehouse event without eventId "
                      "(via %s)",
                      via);
  char *payload = cg_json_print(envelope);
  if (payload == NULL)
    return cg_err_set(err, CG_ENOMEM, "out of memory");
  int dup = 0;
  int rc =
      cg_inbox_take(f, "gxo", id, "gxo.event", payload, envelope, &dup, err);
  cg_free(payload);
  if (rc == 0 && !dup)
    f->metrics.events_gxo++;
  return rc;
}

/* --- deciding again -----------------------------------------------------
 * Both a re-decision after a reload and an operator's retry go the two
 * steps of every decision (flows/decide.h): step 1 here, in a
 * transaction; step 2 (cg__order_redecided, cg__order_retried) when the
 * rule host's plan arrives. */

/* Step 1 for a stored order, inside the open transaction: a decision
 * that needs no rules is stored now; otherwise a job of kind is recorded
 * (sent at the next cg_decide_flush). 0 or a negative CG_E*. */
static int redecide_in_tx(struct cg_flow *f, const struct cg_store_order *o,
                          enum cg_decide_kind kind, int64_t key,
                          struct cg_err *err)
{
  char outcome[CG_INBOX_OUTCOME_MAX];
  struct cg_decide_order d = {.payload = o->payload};
  cJSON *order = o->payload ? cg__order_parse(o->payload, &d.whole) : NULL;
  if (order == NULL)
    return cg_err_set(err, CG_EINVAL, "order %s has no stored payload",
                      o->number);
  int rc = cg__order_decide(f, o->number, o->payload, order, outcome, err);
  cJSON_Delete(order);
  if (rc == CG__NEEDS_RULES) {
    rc = cg_decide_later(f, kind, key, NULL, o->number, &d);
    if (rc != 0 && rc != CG_EEXIST)
      return cg_err_set(err, rc, "not asked again now (%s)", cg_strerror(rc));
    return 0;
  }
  if (rc == 0)
    cg_log_info("orders", "[merchant=%s] order %s decided again: %s",
                f->merchant, o->number, outcome);
  return rc;
}

/* Runs step(f, ctx) in one transaction; returns its result. */
static int in_tx(struct cg_flow *f,
                 int (*step)(struct cg_flow *f, const void *ctx,
                             struct cg_err *err),
                 const void *ctx, struct cg_err *err)
{
  int rc = cg_store_begin(f->store, err);
  int res = rc == 0 ? step(f, ctx, err) : rc;
  if (res >= 0 && cg_store_commit(f->store, err) == 0)
    return res;
  cg_store_rollback(f->store, NULL);
  return res < 0 ? res : CG_EDB;
}

static int step_redecide(struct cg_flow *f, const void *ctx, struct cg_err *err)
{
  return redecide_in_tx(f, ctx, CG_DECIDE_REDECIDE, 0, err);
}

/* Holds a rule change can cure; a warehouse refusal needs an operator. */
static bool rule_hold(const char *reason)
{
  static const char *const rule_types[] = {
      "UNMAPPED_CARRIER", "INVALID_ADDRESS", "RULE_ERROR", "RULE_HOLD"};
  for (size_t i = 0; reason && i < 4; i++)
    if (strcmp(reason, rule_types[i]) == 0)
      return true;
  return false;
}

int cg_orders_redecide_held(struct cg_flow *f)
{
  struct cg_store_order_list list = {0};
  struct cg_err err = {0};
  int asked = 0;
  int rc = cg_store_order_list(f->store, CG_STORE_ORDER_HELD, 0, 100000, &list,
                               &err);
  for (size_t i = 0; rc == 0 && i < list.n; i++) {
    const struct cg_store_order *o = &list.items[i];
    if (!rule_hold(o->hold_reason) ||
        cg_decide_pending(f, CG_DECIDE_REDECIDE, 0, o->number))
      continue;
    if (in_tx(f, step_redecide, o, &err) == 0)
      asked++;
    else
      cg_log_error("orders", "[merchant=%s] order %s: %s", f->merchant,
                   o->number, err.msg);
  }
  cg_store_order_list_clear(&list);
  cg_decide_flush(f);
  return rc == 0 ? asked : rc;
}

/* Applies a plan to order number if it is (still) held or rejected;
 * only_rule_holds: only if held for a reason rules can cure. */
static int apply_again(struct cg_flow *f, const char *number,
                       bool only_rule_holds, const struct cg_plan *plan,
                       const char *rule_err, bool *queued, struct cg_err *err)
{
  char outcome[CG_INBOX_OUTCOME_MAX] = "";
  struct cg_store_order o = {0};
  int rc = cg_store_order_get(f->store, number, &o, err);
  bool held = rc == 0 && o.state == CG_STORE_ORDER_HELD &&
              (!only_rule_holds || rule_hold(o.hold_reason));
  bool again = held || (rc == 0 && !only_rule_holds &&
                        o.state == CG_STORE_ORDER_REJECTED);
  cJSON *order = again && o.payload
                     ? cg_json_parse(o.payload, strlen(o.payload), NULL)
                     : NULL;
  if (order != NULL)
    rc = cg__order_apply(f, number, o.payload, order, plan, rule_err, outcome,
                         err);
  cJSON_Delete(order);
  cg_store_order_clear(&o);
  *queued = rc == 0 && strcmp(outcome, "queued") == 0;
  if (rc == 0 && outcome[0] != '\0')
    cg_log_info("orders", "[merchant=%s] order %s decided again: %s",
                f->merchant, number, outcome);
  return rc == CG_ENOTFOUND ? 0 : rc;
}

int cg__order_redecided(struct cg_flow *f, const char *number,
                        const struct cg_plan *plan, const char *rule_err,
                        bool *queued, struct cg_err *err)
{
  return apply_again(f, number, true, plan, rule_err, queued, err);
}

/* Who asked for x's retry, for its resolution: the items flow when the
 * request is its release of the order (the order's "released" entry is
 * written with the request: an operator's later request is newer); else
 * an operator. by and note point into buf (size >= 2 * 256). */
static void retry_by(struct cg_flow *f, const struct cg_store_exception *x,
                     const char **by, const char **note, char *buf)
{
  struct cg_store_audit_list l = {0};
  *by = "operator";
  *note = "retry requested";
  if (strcmp(x->type, "UNKNOWN_SKU") != 0 ||
      cg_store_audit_list(f->store, "order", x->entity_key, 0, &l, NULL) != 0)
    return;
  for (size_t i = l.n; i-- > 0;) {
    const struct cg_store_audit *a = &l.items[i];
    if (strcmp(a->action, "released") != 0)
      continue;
    if (a->at >= x->retry_requested_at) {
      snprintf(buf, 256, "items");
      snprintf(buf + 256, 256, "%s", a->detail ? a->detail : "released");
      *by = buf;
      *note = buf + 256;
    }
    break;
  }
  cg_store_audit_list_clear(&l);
}

int cg__order_retried(struct cg_flow *f, int64_t xid, const char *number,
                      const struct cg_plan *plan, const char *rule_err,
                      bool *queued, struct cg_err *err)
{
  struct cg_store_exception x = {0};
  int rc = cg_store_exception_get(f->store, xid, &x, err);
  bool open = rc == 0 && x.state != NULL && strcmp(x.state, "open") == 0;
  const char *by = NULL, *note = NULL;
  char buf[512];
  if (open)
    retry_by(f, &x, &by, &note, buf);
  cg_store_exception_clear(&x);
  *queued = false;
  if (!open)
    return rc == CG_ENOTFOUND ? 0 : rc; /* handled meanwhile */
  rc = cg_store_exception_resolve(f->store, xid, by, note, err);
  return rc ? rc : apply_again(f, number, false, plan, rule_err, queued, err);
}

/* Requeues the entity's dead-letter rows (e.g. a Centra mark that failed
 * for good) so the outbox sends them again. */
static int requeue_failed(struct cg_flow *f, const char *key,
                          struct cg_err *err)
{
  struct cg_store_outbox_filter flt = {.state = CG_STORE_OUTBOX_FAILED,
                                       .entity_key = key};
  struct cg_store_outbox_list list = {0};
  int rc = cg_store_outbox_list(f->store, &flt, &list, err);
  for (size_t i = 0; rc == 0 && i < list.n; i++)
    if (strcmp(list.items[i].kind, CG_ORDERS_KIND_CREATE) != 0)
      rc = cg_store_outbox_requeue(f->store, list.items[i].id, cg_time_now_ms(),
                                   err);
  cg_store_outbox_list_clear(&list);
  return rc;
}

/* A retry that needs no rules, now: resolves x, then decides the order o
 * again (again) or requeues its failed outbox rows (o not NULL). */
static int retry_now(struct cg_flow *f, const struct cg_store_exception *x,
                     const struct cg_store_order *o, bool again,
                     struct cg_err *err)
{
  const char *by = NULL, *note = NULL;
  char buf[512];
  retry_by(f, x, &by, &note, buf);
  int rc = cg_store_exception_resolve(f->store, x->id, by, note, err);
  if (rc == 0 && again)
    rc = redecide_in_tx(f, o, CG_DECIDE_RETRY, x->id, err);
  else if (rc == 0 && o != NULL)
    rc = requeue_failed(f, x->entity_key, err);
  return rc;
}

/* Operator retry of one exception. An order that needs its rules again:
 * a job (step 2 resolves the exception and stores the decision in one
 * transaction). Anything else, all now in one transaction: resolve it,
 * then decide the order again without rules, or requeue its failed
 * outbox rows. */
static int step_retry(struct cg_flow *f, const void *ctx, struct cg_err *err)
{
  const struct cg_store_exception *x = ctx;
  if (cg_dispatch_owns(x->entity_kind))
    return cg_dispatch_retry(f, x, err);
  if (cg_stock_owns(x->entity_kind))
    return cg_stock_retry(f, x, err);
  if (cg_items_owns(x->entity_kind))
    return cg_items_retry(f, x, err);
  if (cg_returns_owns(x->entity_kind))
    return cg_returns_retry(f, x, err);
  if (strcmp(x->entity_kind, "order") != 0)
    return cg_store_exception_resolve(f->store, x->id, "operator",
                                      "retry requested", err);
  struct cg_store_order o = {0};
  int rc = cg_store_order_get(f->store, x->entity_key, &o, err);
  bool found = rc == 0;
  bool again = found && (o.state == CG_STORE_ORDER_HELD ||
                         o.state == CG_STORE_ORDER_REJECTED);
  struct cg_decide_order d = {.payload = o.payload};
  cJSON *order =
      again && o.payload ? cg__order_parse(o.payload, &d.whole) : NULL;
  if (order != NULL && cg__order_needs_rules(order)) {
    rc = cg_decide_later(f, CG_DECIDE_RETRY, x->id, NULL, o.number, &d);
    if (rc == CG_EEXIST)
      rc = 0;
    else if (rc != 0)
      cg_err_set(err, rc, "not asked again now (%s)", cg_strerror(rc));
  } else if (rc == 0 || rc == CG_ENOTFOUND) {
    rc = retry_now(f, x, found ? &o : NULL, again, err);
  }
  cJSON_Delete(order);
  cg_store_order_clear(&o);
  return rc;
}

int cg_orders_process_retry_requests(struct cg_flow *f)
{
  struct cg_store_exception_filter flt = {.state = "open",
                                          .retry_requested = true};
  struct cg_store_exception_list list = {0};
  struct cg_err err = {0};
  int rc = cg_store_exception_list(f->store, &flt, &list, &err);
  int done = 0;
  for (size_t i = 0; rc == 0 && i < list.n; i++) {
    if (cg_decide_pending(f, CG_DECIDE_RETRY, list.items[i].id, NULL))
      continue; /* its plan is on the way */
    if (in_tx(f, step_retry, &list.items[i], &err) >= 0)
      done++;
    else
      cg_log_error("orders", "[merchant=%s] retry of exception %lld: %s",
                   f->merchant, (long long)list.items[i].id, err.msg);
  }
  cg_store_exception_list_clear(&list);
  cg_decide_flush(f);
  if (done > 0)
    cg_outbox_kick(f->outbox);
  return rc == 0 ? done : rc;
}
