/*
 * changes_send: the outbox kind "gxo.order.change" (see changes.h,
 * docs/internals/changes.md). One delivery of a change row:
 *
 *   the order's state: queued (create not answered) -> wait 1 s
 *                      shipped -> order-not-cancellable (too late)
 *                      held / cancelled / ... -> superseded, nothing sent
 *   another change of the order in flight -> wait 1 s (one at a time)
 *   orders.on_change (rule host) -> cancel | resend | ask
 *   ask    -> nothing sent; finish opens CHANGE_REVIEW
 *   cancel -> POST /orders/{ref}/cancel (lines, or whole)
 *   resend -> POST /orders/{ref}/cancel (whole), then finish takes the
 *             followed Centra version in again as a new revision
 *   409 order-not-cancellable -> GET /orders/{ref}: CANCELLED there is
 *             done already; anything else is CHANGE_TOO_LATE
 *
 * The cancel carries the row's Idempotency-Key: a resend after a crash
 * is replayed by the warehouse (202 again), never judged anew.
 */
#include "flows/changes.h"
#include "flows/changes_int.h"

#include "base/err.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"
#include "flows/exceptions.h"
#include "flows/flow.h"
#include "gxo/gxo.h"
#include "rules/host.h"
#include "store/store.h"
#include "store/store_dispatch.h"

#include <stdio.h>
#include <string.h>

#define HOOK "orders.on_change"
#define WAIT_MS 1000 /* the create, another change, or a busy rule host */
#define MESSAGE_MAX 500

struct call {
  struct cg_flow *f;
  cg_call_done_fn done;
  void *arg;
  int64_t row_id;
  char number[64];
  char key[200];
  cJSON *change; /* the row's payload */
  cJSON *order;  /* the Centra version followed */
  char action[16];
  char message[MESSAGE_MAX];
};

static void call_free(struct call *c)
{
  cJSON_Delete(c->change);
  cJSON_Delete(c->order);
  cg_free(c);
}

/* What finish reads: {action, message, status?}. */
static cJSON *verdict(const struct call *c, const char *status)
{
  cJSON *v = cJSON_CreateObject();
  if (v != NULL) {
    cg_json_add_str(v, "action", c->action);
    cg_json_add_str(v, "message", c->message);
    cg_json_add_str(v, "status", status);
  }
  return v;
}

/* Ends the delivery with res, its data replaced by the verdict. */
static void end(struct call *c, struct cg_call_result *res, const char *status)
{
  cJSON *v = verdict(c, status);
  cg_call_result_clear_data(res);
  res->data = v;
  cg_call_done_fn done = c->done;
  void *arg = c->arg;
  call_free(c);
  done(res, arg);
}

static void end_with(struct call *c, enum cg_outcome outcome, const char *code,
                     int64_t retry_at, const char *msg)
{
  struct cg_call_result res;
  cg_call_result_init(&res);
  cg_call_result_set(&res, outcome, code, "%s", msg);
  res.retry_at_ms = retry_at;
  end(c, &res, NULL);
  cg_call_result_clear_data(&res); /* what the callback left */
}

static void wait_a_little(struct call *c, const char *why)
{
  end_with(c, CG_OUTCOME_RETRY, "local", cg_time_now_ms() + WAIT_MS, why);
}

/* --- the warehouse ---------------------------------------------------- */

/* Units of line_ref the warehouse cancelled (its GET /orders answer). */
static int64_t cancelled_there(const cJSON *wms, const char *line_ref)
{
  const cJSON *l;
  cJSON_ArrayForEach(l, cg_json_get(wms, "lines"))
  {
    const char *ref = cg_json_str(l, "lineRef");
    if (ref != NULL && line_ref != NULL && strcmp(ref, line_ref) == 0)
      return cg_json_int(l, "cancelled", 0);
  }
  return 0;
}

/* Whether what the change asks is cancelled there already (by us before
 * a lost answer, or by the warehouse itself, e.g. a short shipment whose
 * remainder was then cancelled in Centra): whole, every unit of every
 * line; else, at least the units asked of each line. */
static bool done_there(const struct call *c, const cJSON *wms)
{
  const cJSON *l;
  const char *status = cg_json_str(wms, "status");
  bool whole = strcmp(c->action, "resend") == 0 ||
               cg_json_bool(c->change, "whole", false);
  if (status != NULL && strcmp(status, "CANCELLED") == 0)
    return true;
  const cJSON *lines =
      whole ? cg_json_get(wms, "lines") : cg_json_get(c->change, "lines");
  bool all = cJSON_GetArraySize(lines) > 0;
  cJSON_ArrayForEach(l, lines)
  {
    const char *ref = cg_json_str(l, "lineRef");
    int64_t want = cg_json_int(l, whole ? "ordered" : "quantity", 1);
    all = all && cancelled_there(wms, ref) >= want;
  }
  return all;
}

/* After a refused cancel: what the warehouse holds decides. A read that
 * did not answer decides nothing: the delivery is retried (the cancel is
 * sent again under its key), never called too late on a guess. */
static void on_verified(struct cg_call_result *res, void *arg)
{
  struct call *c = arg;
  const char *status =
      res->outcome == CG_OUTCOME_OK ? cg_json_str(res->data, "status") : NULL;
  char st[32];
  snprintf(st, sizeof(st), "%s", status ? status : "unknown");
  if (status == NULL) {
    char why[CG_CALL_MESSAGE_MAX];
    snprintf(why, sizeof(why), "%s", res->message);
    cg_call_result_set(res, CG_OUTCOME_RETRY,
                       res->code[0] ? res->code : "unreadable",
                       "the cancel was refused and the order's status could "
                       "not be read: %s",
                       why);
  } else if (done_there(c, res->data)) {
    cg_call_result_set(res, CG_OUTCOME_OK, "already-cancelled",
                       "the warehouse has cancelled it already (%s)", st);
  } else {
    cg_call_result_set(res, CG_OUTCOME_FAIL, "order-not-cancellable",
                       "the warehouse refused the cancel: the order is %s "
                       "there",
                       st);
  }
  end(c, res, st);
}

static void on_cancelled(struct cg_call_result *res, void *arg)
{
  struct call *c = arg;
  bool refused = res->outcome == CG_OUTCOME_FAIL &&
                 strcmp(res->code, "order-not-cancellable") == 0;
  if (refused && cg_gxo_get_order(c->f->gxo, c->number, on_verified, c) == 0)
    return;
  if (refused) /* the status read could not start: decide later */
    cg_call_result_set(res, CG_OUTCOME_RETRY, "local",
                       "the cancel was refused; the order's status is to be "
                       "read");
  end(c, res, NULL);
}

static bool add_cancel_line(cJSON *arr, const cJSON *l)
{
  cJSON *o = cJSON_CreateObject();
  if (o == NULL || !cg_json_add_str(o, "lineRef", cg_json_str(l, "lineRef")) ||
      !cg_json_add_int(o, "quantity", cg_json_int(l, "quantity", 0)) ||
      !cJSON_AddItemToArray(arr, o)) {
    cJSON_Delete(o);
    return false;
  }
  return true;
}

/* {"lines": [{lineRef, quantity}], "reason"} or {"reason"} (whole). */
static char *cancel_body(const struct call *c, bool whole)
{
  cJSON *b = cJSON_CreateObject();
  cJSON *lines = b && !whole ? cJSON_AddArrayToObject(b, "lines") : NULL;
  bool ok = b != NULL && (whole || lines != NULL);
  const cJSON *l;
  const cJSON *want = ok && !whole ? cg_json_get(c->change, "lines") : NULL;
  cJSON_ArrayForEach(l, want)
  {
    ok = ok && add_cancel_line(lines, l);
  }
  bool resend = strcmp(c->action, "resend") == 0;
  ok = ok && cg_json_add_str(b, "reason",
                             resend ? CG__CHANGE_REASON_RESEND
                                    : CG__CHANGE_REASON_CANCEL);
  char *text = ok ? cg_json_print(b) : NULL;
  cJSON_Delete(b);
  return text;
}

static void send_cancel(struct call *c)
{
  bool whole = strcmp(c->action, "resend") == 0 ||
               cg_json_bool(c->change, "whole", false);
  char *body = cancel_body(c, whole);
  int rc = body ? cg_gxo_cancel_order(c->f->gxo, c->number, body, c->key,
                                      on_cancelled, c)
                : CG_ENOMEM;
  cg_free(body);
  if (rc != 0)
    wait_a_little(c, "the cancel could not start");
}

/* --- orders.on_change ------------------------------------------------- */

/* "cancel" of a change with nothing cancelled (a hold, an address) is
 * left to operations: there is nothing Centra cancelled to cancel. */
static bool cancels_something(const struct call *c)
{
  return cg_json_bool(c->change, "whole", false) ||
         cJSON_GetArraySize(cg_json_get(c->change, "lines")) > 0;
}

/* A re-send of an order that has partly shipped would ship that part
 * twice: operations decide instead (CHANGE_REVIEW). */
static void ask_instead(struct call *c)
{
  snprintf(c->message, sizeof(c->message),
           "part of the order has shipped already: sending it again would "
           "ship that part twice");
  end_with(c, CG_OUTCOME_OK, "ask", 0, c->message);
}

/* Whether the warehouse has sent a consignment of the order (or Centra
 * holds one in doubt): a re-send is then not safe. */
static bool partly_shipped(struct call *c)
{
  struct cg_store_count_list lines = {0};
  int rc = cg_store_dispatch_order_lines(c->f->store, c->number, NULL, -1,
                                         &lines, NULL);
  bool some = rc != 0 || lines.n > 0;
  cg_store_count_list_clear(&lines);
  return some;
}

static void on_rules(int rc, cJSON *reply, const struct cg_err *err, void *arg)
{
  struct call *c = arg;
  const char *action = rc == 0 ? cg_json_str(reply, "action") : NULL;
  const char *msg = rc == 0 ? cg_json_str(reply, "message") : NULL;
  snprintf(c->action, sizeof(c->action), "%s", action ? action : "");
  snprintf(c->message, sizeof(c->message), "%s",
           msg         ? msg
           : rc && err ? err->msg
                       : "");
  cJSON_Delete(reply);
  if (rc == CG_ERULE || rc == CG_ELIMIT || rc == CG_EINVAL)
    end_with(c, CG_OUTCOME_FAIL, "rule-error", 0, c->message);
  else if (rc != 0)
    wait_a_little(c, c->message[0] ? c->message : "rule host busy");
  else if (strcmp(c->action, "ask") == 0 ||
           (strcmp(c->action, "cancel") == 0 && !cancels_something(c)))
    end_with(c, CG_OUTCOME_OK, "ask", 0, "left to operations by the pack");
  else if (strcmp(c->action, "resend") == 0 && partly_shipped(c))
    ask_instead(c);
  else
    send_cancel(c);
}

static void ask_rules(struct call *c)
{
  struct cg_err err = {0};
  cJSON *args = cJSON_CreateArray();
  bool ok = args && cJSON_AddItemToArray(args, cJSON_Duplicate(c->order, 1)) &&
            cJSON_AddItemToArray(args, cJSON_Duplicate(c->change, 1));
  int rc = !ok ? cg_err_set(&err, CG_ENOMEM, "out of memory")
           : c->f->rulehost
               ? cg_rulehost_call(c->f->rulehost, HOOK, args, on_rules, c)
               : cg_err_set(&err, CG_ECANCELED, "no rule host");
  cJSON_Delete(args);
  if (rc != 0)
    wait_a_little(c, err.msg[0] ? err.msg : "rule host busy");
}

/* --- start --------------------------------------------------------------*/

/* Another change row of the order in flight (not this one). */
static bool other_inflight(struct call *c)
{
  struct cg_store_outbox_filter flt = {.state = CG_STORE_OUTBOX_INFLIGHT,
                                       .kind = CG_CHANGES_KIND,
                                       .entity_key = c->number};
  struct cg_store_outbox_list list = {0};
  bool other = false;
  if (cg_store_outbox_list(c->f->store, &flt, &list, NULL) == 0)
    for (size_t i = 0; i < list.n; i++)
      other |= list.items[i].id < c->row_id;
  cg_store_outbox_list_clear(&list);
  return other;
}

/* Whether the order went on at the warehouse as sent: a change recorded
 * before it shipped or closed is still sent, and the warehouse's answer
 * (a 409 and its status) decides whether it came too late; the engine's
 * own view of the order may have moved on while the change waited. */
static bool with_warehouse(enum cg_store_order_state st)
{
  return st == CG_STORE_ORDER_SENT || st == CG_STORE_ORDER_ACCEPTED ||
         st == CG_STORE_ORDER_SHIPPED || st == CG_STORE_ORDER_CLOSED;
}

/* Decides from the order's state whether the change goes on. */
static void begin(struct call *c, const struct cg_store_order *o)
{
  if (o->state == CG_STORE_ORDER_QUEUED)
    wait_a_little(c, "the order's create is not answered yet");
  else if (!with_warehouse(o->state))
    end_with(c, CG_OUTCOME_OK, "superseded", 0,
             "the order is no longer with the warehouse as sent");
  else if (other_inflight(c))
    wait_a_little(c, "another change of the order is on its way");
  else
    ask_rules(c);
}

static struct call *call_new(struct cg_flow *f,
                             const struct cg_store_outbox_row *row,
                             cg_call_done_fn done, void *arg)
{
  struct call *c = cg_calloc(1, sizeof(*c));
  if (c == NULL)
    return NULL;
  *c = (struct call){.f = f, .done = done, .arg = arg, .row_id = row->id};
  snprintf(c->number, sizeof(c->number), "%s", row->entity_key);
  snprintf(c->key, sizeof(c->key), "%s", row->idempotency_key);
  c->change = cg_json_parse(row->payload, strlen(row->payload), NULL);
  if (c->change == NULL) {
    cg_free(c);
    return NULL;
  }
  return c;
}

static int start_change(struct cg_flow *f,
                        const struct cg_store_outbox_row *row,
                        cg_call_done_fn done, void *arg)
{
  struct cg_store_order o = {0};
  int rc = cg_store_order_get(f->store, row->entity_key, &o, NULL);
  struct call *c = rc == 0 ? call_new(f, row, done, arg) : NULL;
  if (c != NULL && o.payload != NULL)
    c->order = cg_json_parse(o.payload, strlen(o.payload), NULL);
  if (c != NULL)
    begin(c, &o);
  cg_store_order_clear(&o);
  return c != NULL ? 0 : rc ? rc : CG_ENOMEM;
}

/* --- finish ------------------------------------------------------------*/

/* The followed Centra version goes through the inbox again (applied by
 * the next sweep): the order is held, so it is decided like a new one
 * and sent with a new revision key once Centra has it free. */
static int take_again(struct cg_flow *f, const struct cg_store_outbox_row *row,
                      struct cg_err *err)
{
  struct cg_store_order o = {0};
  char msg_id[128];
  int rc = cg_store_order_get(f->store, row->entity_key, &o, err);
  snprintf(msg_id, sizeof(msg_id), "resend:%s:%lld", row->entity_key,
           (long long)row->id);
  if (rc == 0 && o.payload == NULL)
    rc = cg_err_set(err, CG_EINVAL, "order %s has no Centra version",
                    row->entity_key);
  if (rc == 0)
    rc = cg_store_inbox_put(f->store, "centra", msg_id, "centra.order",
                            o.payload, NULL, err);
  cg_store_order_clear(&o);
  return rc == CG_EEXIST ? 0 : rc;
}

static int cancelled(struct cg_flow *f, const struct cg_store_outbox_row *row,
                     const cJSON *change, const char *action,
                     struct cg_err *err)
{
  const char *key = row->entity_key;
  const char *what = cg_json_str(change, "what");
  bool resend = strcmp(action, "resend") == 0;
  int rc = 0;
  if (resend)
    rc = cg_store_order_set_state(f->store, key, CG_STORE_ORDER_HELD,
                                  CG__CHANGE_RESEND, NULL, err);
  else if (cg_json_bool(change, "whole", false))
    rc = cg_store_order_advance(f->store, key, CG_STORE_ORDER_CANCELLED, NULL,
                                err);
  if (rc == 0)
    rc = cg_store_audit_append(f->store, "order", key,
                               resend ? "cancelled at the warehouse to re-send"
                                      : "cancelled at the warehouse",
                               what, NULL, err);
  return rc == 0 && resend ? take_again(f, row, err) : rc;
}

static int raise_change(struct cg_flow *f, const char *type, const char *number,
                        const char *what, const char *why, struct cg_err *err)
{
  char msg[1200];
  snprintf(msg, sizeof(msg), "order %s: %s; %s", number, what ? what : "?",
           why);
  return cg_flow_raise(f, type, "order", number, msg, NULL, err);
}

static int refused(struct cg_flow *f, const struct cg_store_outbox_row *row,
                   const cJSON *change, const struct cg_call_result *res,
                   struct cg_err *err)
{
  const char *what = cg_json_str(change, "what");
  char why[CG_CALL_MESSAGE_MAX + 200];
  if (strcmp(res->code, "order-not-cancellable") == 0) {
    snprintf(why, sizeof(why),
             "too late for the warehouse (%s): call the carrier or the "
             "customer",
             res->message);
    return raise_change(f, "CHANGE_TOO_LATE", row->entity_key, what, why, err);
  }
  if (strcmp(res->code, "rule-error") == 0)
    return raise_change(f, "RULE_ERROR", row->entity_key, what,
                        HOOK " failed: nothing was sent", err);
  snprintf(why, sizeof(why), "the warehouse refused the cancel: %s: %s",
           res->code, res->message);
  return raise_change(f, "SYNC_FAILURE", row->entity_key, what, why, err);
}

static int finished(struct cg_flow *f, const struct cg_store_outbox_row *row,
                    const cJSON *change, const struct cg_call_result *res,
                    struct cg_err *err)
{
  const char *action = cg_json_str(res->data, "action");
  const char *msg = cg_json_str(res->data, "message");
  const char *what = cg_json_str(change, "what");
  char why[MESSAGE_MAX + 100];
  if (strcmp(res->code, "ask") == 0) {
    snprintf(why, sizeof(why),
             "the warehouse still has the order as sent; operations "
             "decide%s%s",
             msg && *msg ? ": " : "", msg ? msg : "");
    return raise_change(f, "CHANGE_REVIEW", row->entity_key, what, why, err);
  }
  if (strcmp(res->code, "superseded") == 0)
    return cg_store_audit_append(f->store, "order", row->entity_key,
                                 "change not sent", res->message, NULL, err);
  return cancelled(f, row, change, action ? action : "cancel", err);
}

static int finish_change(struct cg_flow *f,
                         const struct cg_store_outbox_row *row,
                         const struct cg_call_result *res)
{
  struct cg_err err = {0};
  if (res->outcome == CG_OUTCOME_RETRY)
    return 0;
  cJSON *change = cg_json_parse(row->payload, strlen(row->payload), NULL);
  int rc = res->outcome == CG_OUTCOME_OK ? finished(f, row, change, res, &err)
                                         : refused(f, row, change, res, &err);
  cJSON_Delete(change);
  if (rc != 0)
    cg_log_error("changes", "[merchant=%s] order %s: %s", f->merchant,
                 row->entity_key, err.msg);
  return rc;
}

const struct cg_outbox_kind cg_changes_outbox_kind = {
    CG_CHANGES_KIND, start_change, finish_change};

/* --- the hook's result ---------------------------------------------------*/

int cg_changes_check_action(cJSON **out, char *why, size_t size)
{
  static const char *const actions[] = {"cancel", "resend", "ask"};
  const char *a = cg_json_str(*out, "action");
  const cJSON *m = cJSON_GetObjectItemCaseSensitive(*out, "message");
  bool known = false;
  for (size_t i = 0; a != NULL && i < 3; i++)
    known |= strcmp(a, actions[i]) == 0;
  if (!cJSON_IsObject(*out) || !known) {
    snprintf(why, size,
             "expected {action=\"cancel\"|\"resend\"|\"ask\", "
             "message=...}");
    return -1;
  }
  if (m != NULL && !cJSON_IsNull(m) &&
      (!cJSON_IsString(m) || strlen(m->valuestring) >= MESSAGE_MAX)) {
    snprintf(why, size, "message must be a string under %d bytes", MESSAGE_MAX);
    return -1;
  }
  return 0;
}
