/*
 * dispatch_close: what the warehouse closed or cancelled without shipping
 * (docs/internals/dispatch.md "Remainders"). `order.closed` (lines short
 * shipped or cancelled, X12 368 CP/IC) and `order.cancelled` become a
 * remainder row with its lines, in the inbox's transaction, and an outbox
 * row of kind "centra.dispatch.remainder":
 *
 *   dispatch.lua (rule host): dispatch.remainder(order, remainder)
 *     hold   -> SHORT_SHIPPED (owner ops), nothing read or written
 *     cancel -> read the order's lines in Centra (CgOrderByNumber)
 *               -> cancelLines of what Centra still has open beyond the
 *                  most that can still ship (the warehouse's lines, and
 *                  the consignments the engine knows), or nothing
 *   finish: the remainder settled, the order final once every line is
 *     shipped or cancelled.
 *
 * The cancel quantity is computed from Centra's state at every attempt,
 * so a cancelLines replayed after a crash finds nothing left to cancel.
 */
#include "flows/dispatch.h"
#include "flows/dispatch_int.h"

#include "base/err.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"
#include "centra/centra.h"
#include "flows/changes.h"
#include "flows/exceptions.h"
#include "flows/flow.h"
#include "flows/stock.h"
#include "rules/host.h"
#include "store/store.h"
#include "store/store_dispatch.h"
#include "store/store_remainder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOOK "dispatch.remainder"
#define RULES_WAIT_MS 1000 /* the rule host is busy or restarting */
#define SUMMARY_MAX 600
#define POLICY_MAX 40
#define COMMENT_MAX 200

/* --- intake ---------------------------------------------------------------*/

/* The units of one warehouse line that will not ship, and (order.closed)
 * what shipped of it in all, -1 when the event does not say. */
static int64_t line_remainder(bool closed, const cJSON *l, int64_t *shipped)
{
  *shipped = closed ? cg_json_int(l, "shipped", 0) : -1;
  if (!closed)
    return cg_json_int(l, "cancelled", 0);
  return cg_json_int(l, "ordered", 0) - *shipped;
}

/* Records the event's lines; *n = how many have something left. */
static int put_lines(struct cg_flow *f, const char *id, bool closed,
                     const cJSON *data, size_t *n, struct cg_err *err)
{
  const cJSON *l;
  int rc = 0;
  *n = 0;
  cJSON_ArrayForEach(l, cg_json_get(data, "lines"))
  {
    int64_t shipped = -1;
    int64_t q = line_remainder(closed, l, &shipped);
    const char *ref = cg_json_str(l, "lineRef");
    if (rc != 0 || ref == NULL || q < 1)
      continue;
    rc = cg_store_remainder_line_put(f->store, id, ref, q, shipped, err);
    (*n)++;
  }
  return rc;
}

/* A remainder row's id: one order.closed per order; each order.cancelled
 * event its own (the inbox already dropped copies of one event). */
static void remainder_id(char *out, size_t size, bool closed,
                         const char *number, const char *event_id)
{
  if (closed)
    snprintf(out, size, "closed:%s", number);
  else
    snprintf(out, size, "cancelled:%s", event_id ? event_id : number);
}

static int take(struct cg_flow *f, struct cg_store_remainder *r,
                const cJSON *data, size_t *n, struct cg_err *err)
{
  bool closed = strcmp(r->event, "order.closed") == 0;
  int rc = cg_store_remainder_insert(f->store, r, err);
  if (rc == 0)
    rc = put_lines(f, r->id, closed, data, n, err);
  if (rc == 0 && *n == 0) { /* nothing left: settled at once */
    r->step = CG_STORE_REMAINDER_CANCELLED;
    rc = cg_store_remainder_update(f->store, r, err);
    if (rc == 0)
      rc = cg__dispatch_settle_order(f, r->order_number, err);
  } else if (rc == 0) {
    rc = cg__dispatch_queue(f, CG_DISPATCH_REMAINDER_KIND, "remainder",
                            "remainder", r->id, r->order_number, err);
  }
  if (rc == 0)
    rc = cg_store_audit_append(f->store, "order", r->order_number, r->event,
                               *n ? "remainder to settle in Centra"
                                  : "nothing left to settle",
                               NULL, err);
  return rc;
}

int cg_dispatch_apply_remainder(struct cg_flow *f, const char *event,
                                const char *event_id, const cJSON *data,
                                char outcome[CG_INBOX_OUTCOME_MAX],
                                struct cg_err *err)
{
  const char *number = cg_json_str(data, "orderRef");
  bool closed = strcmp(event, "order.closed") == 0;
  enum cg_store_order_state st;
  if (!closed && cg_changes_own_cancel(cg_json_str(data, "reason"))) {
    snprintf(outcome, CG_INBOX_OUTCOME_MAX,
             "ignored: %s: the engine's own cancel (a change in Centra)",
             event);
    return 0;
  }
  int rc =
      number ? cg_store_order_state(f->store, number, &st, err) : CG_ENOTFOUND;
  if (rc != 0) {
    snprintf(outcome, CG_INBOX_OUTCOME_MAX, "ignored: %s: unknown order",
             event);
    return rc == CG_ENOTFOUND ? 0 : rc;
  }
  char id[160];
  remainder_id(id, sizeof(id), closed, number, event_id);
  char *payload = cg_json_print(data);
  struct cg_store_remainder r = {.id = id,
                                 .order_number = (char *)number,
                                 .event = (char *)event,
                                 .payload = payload,
                                 .step = CG_STORE_REMAINDER_RECEIVED};
  size_t n = 0;
  rc = payload ? take(f, &r, data, &n, err)
               : cg_err_set(err, CG_ENOMEM, "out of memory");
  cg_free(payload);
  if (rc == CG_EEXIST) {
    snprintf(outcome, CG_INBOX_OUTCOME_MAX, "duplicate: %s already known", id);
    return 0;
  }
  snprintf(outcome, CG_INBOX_OUTCOME_MAX, "%s: %zu lines left", id, n);
  return rc;
}

/* --- the delivery ---------------------------------------------------------*/

struct rem {
  struct cg_flow *f;
  cg_call_done_fn done;
  void *arg;
  struct cg_store_remainder r;
  struct cg_store_count_list lines; /* line_ref -> units not shipping */
  cJSON *data;                      /* the warehouse payload */
  cJSON *order;                     /* the stored Centra order */
  int64_t number;
  char policy[POLICY_MAX];
  char comment[COMMENT_MAX];
  char summary[SUMMARY_MAX]; /* what was cancelled, for the timeline */
  bool holds_order;          /* cg__dispatch_order_take succeeded */
};

static void rem_free(struct rem *rm)
{
  if (rm->holds_order)
    cg__dispatch_order_drop(rm->f, rm->r.order_number);
  cg_store_remainder_clear(&rm->r);
  cg_store_count_list_clear(&rm->lines);
  cJSON_Delete(rm->data);
  cJSON_Delete(rm->order);
  cg_free(rm);
}

static void end(struct rem *rm, struct cg_call_result *res)
{
  cg_call_done_fn done = rm->done;
  void *arg = rm->arg;
  rem_free(rm);
  done(res, arg);
}

static void end_with(struct rem *rm, enum cg_outcome outcome, const char *code,
                     int64_t retry_at, const char *msg)
{
  struct cg_call_result res;
  cg_call_result_init(&res);
  cg_call_result_set(&res, outcome, code, "%s", msg);
  res.retry_at_ms = retry_at;
  cg_call_result_deliver(&res, rm->done, rm->arg);
  rm->done = NULL;
  rem_free(rm);
}

/* "line 43243: 1, line 43244: 2" of the remainder's lines. */
static void lines_text(const struct cg_store_count_list *l, char *out,
                       size_t size)
{
  size_t used = 0;
  out[0] = '\0';
  for (size_t i = 0; i < l->n && used < size; i++) {
    int w = snprintf(out + used, size - used, "%sline %s: %lld", i ? ", " : "",
                     l->items[i].name, (long long)l->items[i].count);
    used += w > 0 ? (size_t)w : 0;
  }
}

static void on_cancelled(struct cg_call_result *res, void *arg)
{
  struct rem *rm = arg;
  if (res->outcome == CG_OUTCOME_OK)
    cg_call_result_set(res, CG_OUTCOME_OK, "cancelled",
                       "cancelled in Centra: %s", rm->summary);
  end(rm, res);
}

static int64_t count_of(const struct cg_store_count_list *l, const char *name,
                        int64_t def)
{
  for (size_t i = 0; i < l->n; i++)
    if (strcmp(l->items[i].name, name) == 0)
      return l->items[i].count;
  return def;
}

/* What the engine knows about the order, per line. */
struct known {
  struct cg_store_order_line_list ordered; /* as exported */
  struct cg_store_count_list consigned;    /* in the engine's consignments */
  struct cg_store_count_list shipped;      /* order.closed: shipped in all */
  struct cg_store_count_list cancelled;    /* order.cancelled: in all */
};

static void known_clear(struct known *k)
{
  cg_store_order_line_list_clear(&k->ordered);
  cg_store_count_list_clear(&k->consigned);
  cg_store_count_list_clear(&k->shipped);
  cg_store_count_list_clear(&k->cancelled);
}

static int known_load(struct cg_flow *f, const char *number, struct known *k,
                      struct cg_err *err)
{
  memset(k, 0, sizeof(*k));
  int rc = cg_store_order_lines_list(f->store, number, &k->ordered, err);
  if (rc == 0)
    rc = cg_store_dispatch_order_lines(f->store, number, NULL, -1,
                                       &k->consigned, err);
  if (rc == 0)
    rc = cg_store_remainder_order_shipped(f->store, number, &k->shipped, err);
  if (rc == 0)
    rc = cg_store_remainder_order_sum(f->store, number, "order.cancelled", -1,
                                      &k->cancelled, err);
  return rc;
}

/* The most of line ref that can still ship: what the warehouse says
 * (shipped in all once closed; exported less cancelled), never less
 * than what the engine's consignments hold. */
static int64_t ceiling(const struct known *k, const char *ref)
{
  int64_t exported = 0;
  for (size_t i = 0; i < k->ordered.n; i++)
    if (strcmp(k->ordered.items[i].line_ref, ref) == 0)
      exported = k->ordered.items[i].quantity;
  int64_t cap = exported - count_of(&k->cancelled, ref, 0);
  int64_t shipped = count_of(&k->shipped, ref, -1);
  if (shipped >= 0 && shipped < cap)
    cap = shipped;
  int64_t consigned = count_of(&k->consigned, ref, 0);
  if (cap < consigned)
    cap = consigned;
  return cap > 0 ? cap : 0;
}

/* {line: {id}, quantity, stockActionPolicy: {<policy>: true}}. */
static cJSON *cancel_input(int64_t id, int64_t qty, const char *policy)
{
  cJSON *c = cJSON_CreateObject();
  cJSON *line = c ? cJSON_AddObjectToObject(c, "line") : NULL;
  cJSON *pol = c ? cJSON_AddObjectToObject(c, "stockActionPolicy") : NULL;
  if (line == NULL || pol == NULL || !cg_json_add_int(line, "id", id) ||
      !cg_json_add_int(c, "quantity", qty) ||
      !cJSON_AddBoolToObject(pol, policy, true)) {
    cJSON_Delete(c);
    return NULL;
  }
  return c;
}

/* Appends to *arr the cancel of Centra line l when it is one of the
 * remainder's and Centra has more open than can still ship. */
static int plan_line(struct rem *rm, const struct known *k, const cJSON *l,
                     cJSON *arr, size_t *used)
{
  char ref[32];
  int64_t id = cg_json_int(l, "id", 0);
  snprintf(ref, sizeof(ref), "%lld", (long long)id);
  int64_t open = cg_json_int(l, "quantity", 0) - ceiling(k, ref);
  if (count_of(&rm->lines, ref, 0) < 1 || open < 1)
    return 0;
  cJSON *c = cancel_input(id, open, rm->policy);
  if (c == NULL)
    return CG_ENOMEM;
  cJSON_AddItemToArray(arr, c);
  if (*used < sizeof(rm->summary)) {
    int w =
        snprintf(rm->summary + *used, sizeof(rm->summary) - *used,
                 "%sline %s: %lld", *used ? ", " : "", ref, (long long)open);
    *used += w > 0 ? (size_t)w : 0;
  }
  return 0;
}

/* The cancelLines input for Centra's order o (empty: nothing to do). */
static cJSON *plan(struct rem *rm, const cJSON *o, struct cg_err *err)
{
  struct known k;
  int rc = known_load(rm->f, rm->r.order_number, &k, err);
  cJSON *arr = rc == 0 ? cJSON_CreateArray() : NULL;
  const cJSON *l;
  size_t used = 0;
  cJSON_ArrayForEach(l, cg_json_get(o, "lines"))
  {
    if (arr != NULL && plan_line(rm, &k, l, arr, &used) != 0) {
      cJSON_Delete(arr);
      arr = NULL;
    }
  }
  known_clear(&k);
  return arr;
}

/* Commits, line by line, what is about to be cancelled in Centra, before
 * cancelLines is sent: the change follower (changes.c) then takes Centra's
 * lower quantity for the engine's own doing, even after a crash that
 * lost the answer, not for a cancel by the shop to pass on to the
 * warehouse. A later attempt sets the figures again from its own plan. */
static int record_intents(struct rem *rm, const cJSON *lines,
                          struct cg_err *err)
{
  struct cg_store *st = rm->f->store;
  const cJSON *c;
  int rc = cg_store_savepoint(st, err);
  if (rc != 0)
    return rc;
  cJSON_ArrayForEach(c, lines)
  {
    char ref[32];
    snprintf(ref, sizeof(ref), "%lld", (long long)cg_json_int(c, "line.id", 0));
    if (rc == 0)
      rc = cg_store_remainder_intend(st, rm->r.id, ref,
                                     cg_json_int(c, "quantity", 0), err);
  }
  int end_rc = cg_store_savepoint_end(st, rc == 0, rc == 0 ? err : NULL);
  return rc ? rc : end_rc;
}

static void on_order(struct cg_call_result *res, void *arg)
{
  struct rem *rm = arg;
  struct cg_err err = {0};
  if (res->outcome != CG_OUTCOME_OK) {
    end(rm, res);
    return;
  }
  if (!cJSON_IsObject(res->data)) {
    end_with(rm, CG_OUTCOME_FAIL, "order-missing", 0,
             "Centra has no such order");
    return;
  }
  cJSON *lines = plan(rm, res->data, &err);
  int rc = lines == NULL ? CG_ENOMEM : 0;
  if (rc == 0 && cJSON_GetArraySize(lines) == 0)
    end_with(rm, CG_OUTCOME_OK, "nothing-open", 0,
             "nothing left open in Centra to cancel");
  else if (rc == 0 && (rc = record_intents(rm, lines, &err)) == 0)
    rc = cg_centra_cancel_lines(rm->f->centra, rm->number, lines, rm->comment,
                                on_cancelled, rm);
  if (rc != 0)
    end_with(rm, CG_OUTCOME_RETRY, "local", 0,
             err.msg[0] ? err.msg : "cancel not started");
  cJSON_Delete(lines);
}

static void held_by_pack(struct rem *rm)
{
  char lines[SUMMARY_MAX], msg[SUMMARY_MAX + 200];
  lines_text(&rm->lines, lines, sizeof(lines));
  snprintf(msg, sizeof(msg),
           "order %s: the warehouse %s units it will not ship (%s); the pack "
           "leaves them to operations: cancel them in Centra, or have them "
           "shipped",
           rm->r.order_number,
           strcmp(rm->r.event, "order.closed") == 0 ? "closed the order with"
                                                    : "cancelled",
           lines);
  end_with(rm, CG_OUTCOME_FAIL, "short-shipped", 0, msg);
}

static void on_rules(int rc, cJSON *reply, const struct cg_err *err, void *arg)
{
  struct rem *rm = arg;
  char msg[CG_ERR_MSG_MAX + 64];
  const char *action = rc == 0 ? cg_json_str(reply, "action") : NULL;
  const char *policy = rc == 0 ? cg_json_str(reply, "stockActionPolicy") : NULL;
  const char *comment = rc == 0 ? cg_json_str(reply, "comment") : NULL;
  snprintf(rm->policy, sizeof(rm->policy), "%s", policy ? policy : "");
  snprintf(rm->comment, sizeof(rm->comment), "%s",
           comment ? comment : "not shipped by the warehouse");
  bool hold = action != NULL && strcmp(action, "hold") == 0;
  cJSON_Delete(reply);
  snprintf(msg, sizeof(msg), HOOK ": %s", err ? err->msg : "");
  if (rc == CG_ERULE || rc == CG_ELIMIT || rc == CG_EINVAL)
    end_with(rm, CG_OUTCOME_FAIL, "rule-error", 0, msg);
  else if (rc != 0)
    end_with(rm, CG_OUTCOME_RETRY, "local", cg_time_now_ms() + RULES_WAIT_MS,
             msg);
  else if (hold)
    held_by_pack(rm);
  else if (cg_centra_fetch_order(rm->f->centra, rm->number, on_order, rm) != 0)
    end_with(rm, CG_OUTCOME_RETRY, "local", 0, "order read not started");
}

/* [order, {event, orderRef, reason?, lines (the warehouse's), remainder:
 * [{lineRef, quantity}]}] for dispatch.remainder. */
static cJSON *hook_args(const struct rem *rm)
{
  cJSON *args = cJSON_CreateArray();
  cJSON *rem = cJSON_Duplicate(rm->data, true);
  cJSON *list = rem ? cJSON_AddArrayToObject(rem, "remainder") : NULL;
  for (size_t i = 0; list != NULL && i < rm->lines.n; i++) {
    cJSON *l = cJSON_CreateObject();
    cJSON_AddItemToArray(list, l);
    cg_json_add_str(l, "lineRef", rm->lines.items[i].name);
    cg_json_add_int(l, "quantity", rm->lines.items[i].count);
  }
  if (rem != NULL)
    cg_json_add_str(rem, "event", rm->r.event);
  if (args != NULL) {
    cJSON_AddItemToArray(args, cJSON_Duplicate(rm->order, true));
    cJSON_AddItemToArray(args, rem);
    rem = NULL;
  }
  cJSON_Delete(rem);
  if (cJSON_GetArraySize(args) != 2 || list == NULL) {
    cJSON_Delete(args);
    return NULL;
  }
  return args;
}

static int load(struct rem *rm, const char *id, struct cg_err *err)
{
  struct cg_store *st = rm->f->store;
  struct cg_store_order o = {0};
  int rc = cg_store_remainder_get(st, id, &rm->r, err);
  if (rc == 0)
    rc = cg_store_remainder_lines(st, id, &rm->lines, err);
  if (rc == 0)
    rc = cg_store_order_get(st, rm->r.order_number, &o, err);
  if (rc == 0) {
    rm->number = strtoll(rm->r.order_number, NULL, 10);
    rm->order =
        o.payload ? cg_json_parse(o.payload, strlen(o.payload), NULL) : NULL;
    rm->data = cg_json_parse(rm->r.payload, strlen(rm->r.payload), NULL);
  }
  if (rc == 0 && (rm->order == NULL || rm->data == NULL || rm->number <= 0))
    rc = cg_err_set(err, CG_EINVAL, "stored data unreadable");
  cg_store_order_clear(&o);
  return rc;
}

static int start_remainder(struct cg_flow *f,
                           const struct cg_store_outbox_row *row,
                           cg_call_done_fn done, void *arg)
{
  struct cg_err err = {0};
  struct rem *rm = cg_calloc(1, sizeof(*rm));
  if (rm == NULL)
    return CG_ENOMEM;
  *rm = (struct rem){.f = f, .done = done, .arg = arg};
  int rc = load(rm, row->entity_key, &err);
  cJSON *args = rc == 0 ? hook_args(rm) : NULL;
  if (rc == 0 && rm->r.step != CG_STORE_REMAINDER_RECEIVED) {
    end_with(rm, CG_OUTCOME_OK, "settled", 0, "already settled");
  } else if (rc != 0 && rc != CG_ENOMEM) { /* held, not retried */
    end_with(rm, CG_OUTCOME_FAIL, "unreadable", 0, err.msg);
  } else if (rc == 0 && !(rm->holds_order =
                              cg__dispatch_order_take(f, rm->r.order_number))) {
    end_with(rm, CG_OUTCOME_RETRY, "local", cg_time_now_ms() + RULES_WAIT_MS,
             "another delivery of this order is under way");
  } else if (args == NULL || f->rulehost == NULL ||
             cg_rulehost_call(f->rulehost, HOOK, args, on_rules, rm) != 0) {
    end_with(rm, CG_OUTCOME_RETRY, "local", cg_time_now_ms() + RULES_WAIT_MS,
             "rule host busy");
  }
  cJSON_Delete(args);
  return 0;
}

/* --- finish
 * -----------------------------------------------------------------*/

static const char *hold_type(const char *code)
{
  if (strcmp(code, "short-shipped") == 0)
    return CG_DISPATCH_SHORT_SHIPPED;
  if (strcmp(code, "rule-error") == 0)
    return "RULE_ERROR";
  return "SYNC_FAILURE";
}

static int settled(struct cg_flow *f, struct cg_store_remainder *r,
                   const struct cg_call_result *res, struct cg_err *err)
{
  r->step = CG_STORE_REMAINDER_CANCELLED;
  cg_free(r->hold_reason);
  r->hold_reason = NULL;
  int rc = cg_store_remainder_update(f->store, r, err);
  if (rc == 0)
    rc = cg_store_audit_append(f->store, "order", r->order_number,
                               "remainder settled", res->message,
                               f->rules_label[0] ? f->rules_label : NULL, err);
  if (rc == 0)
    rc =
        cg_flow_resolve(f, CG_DISPATCH_REMAINDER_ENTITY, r->id, "settled", err);
  if (rc == 0) /* removeItemsFromStock took units out of Centra's stock */
    rc = cg_stock_touch_order(f, r->order_number, err);
  return rc ? rc : cg__dispatch_settle_order(f, r->order_number, err);
}

static int held(struct cg_flow *f, struct cg_store_remainder *r,
                const struct cg_call_result *res, struct cg_err *err)
{
  char msg[CG_CALL_MESSAGE_MAX + CG_CALL_CODE_MAX + 32];
  const char *type = hold_type(res->code);
  if (strcmp(type, "SYNC_FAILURE") == 0)
    snprintf(msg, sizeof(msg), "order %s: Centra: %s: %s", r->order_number,
             res->code, res->message);
  else
    snprintf(msg, sizeof(msg), "%s", res->message);
  cg_free(r->hold_reason);
  r->hold_reason = cg_strdup(type);
  r->step = CG_STORE_REMAINDER_HELD;
  int rc = cg_store_remainder_update(f->store, r, err);
  if (rc == 0 && strcmp(type, "SYNC_FAILURE") == 0) /* Centra refused */
    rc = cg_store_remainder_intents_clear(f->store, r->id, err);
  if (rc == 0)
    rc = cg_flow_raise(f, type, CG_DISPATCH_REMAINDER_ENTITY, r->id, msg,
                       f->rules_label[0] ? f->rules_label : NULL, err);
  if (rc == 0)
    rc = cg_store_audit_append(f->store, "order", r->order_number,
                               "remainder held", msg, NULL, err);
  return rc;
}

static int finish_remainder(struct cg_flow *f,
                            const struct cg_store_outbox_row *row,
                            const struct cg_call_result *res)
{
  struct cg_err err = {0};
  struct cg_store_remainder r = {0};
  if (res->outcome == CG_OUTCOME_RETRY)
    return 0;
  int rc = cg_store_remainder_get(f->store, row->entity_key, &r, &err);
  if (rc == CG_ENOTFOUND || (rc == 0 && r.step != CG_STORE_REMAINDER_RECEIVED))
    rc = 0; /* gone, or settled or held before: nothing more */
  else if (rc == 0 && res->outcome == CG_OUTCOME_OK)
    rc = settled(f, &r, res, &err);
  else if (rc == 0)
    rc = held(f, &r, res, &err);
  if (rc != 0)
    cg_log_error("dispatch", "[merchant=%s] remainder %s: %s", f->merchant,
                 row->entity_key, err.msg);
  cg_store_remainder_clear(&r);
  return rc;
}

const struct cg_outbox_kind cg_dispatch_remainder_kind = {
    CG_DISPATCH_REMAINDER_KIND, start_remainder, finish_remainder};

/* --- shared
 * -----------------------------------------------------------------*/

int cg__dispatch_settle_order(struct cg_flow *f, const char *number,
                              struct cg_err *err)
{
  bool covered = false, none = false;
  enum cg_store_order_state st = CG_STORE_ORDER_RECEIVED;
  int rc =
      cg__dispatch_order_covered(f, number, NULL, NULL, &covered, &none, err);
  if (rc == 0 && covered)
    rc = cg_store_order_state(f->store, number, &st, err);
  /* Final states stay: a cancelled order (its lines at 0) is covered
   * too, and must not turn closed when a late remainder settles. */
  if (rc != 0 || !covered || st == CG_STORE_ORDER_SHIPPED ||
      st == CG_STORE_ORDER_CLOSED || st == CG_STORE_ORDER_CANCELLED ||
      st == CG_STORE_ORDER_REJECTED)
    return rc;
  enum cg_store_order_state to =
      none ? CG_STORE_ORDER_CLOSED : CG_STORE_ORDER_SHIPPED;
  rc = cg_store_order_advance(f->store, number, to, NULL, err);
  if (rc == 0)
    rc = cg_store_audit_append(f->store, "order", number,
                               cg_store_order_state_name(to),
                               none ? "every line cancelled, none shipped"
                                    : "every line shipped or cancelled",
                               NULL, err);
  return rc;
}

int cg__dispatch_remainder_retry(struct cg_flow *f,
                                 const struct cg_store_exception *x,
                                 struct cg_err *err)
{
  struct cg_store_remainder r = {0};
  int rc = cg_store_exception_resolve(f->store, x->id, "operator",
                                      "retry requested", err);
  if (rc == 0)
    rc = cg_store_remainder_get(f->store, x->entity_key, &r, err);
  if (rc == 0 && r.step == CG_STORE_REMAINDER_HELD) {
    r.step = CG_STORE_REMAINDER_RECEIVED;
    cg_free(r.hold_reason);
    r.hold_reason = NULL;
    rc = cg_store_remainder_update(f->store, &r, err);
    if (rc == 0)
      rc = cg__dispatch_queue(f, CG_DISPATCH_REMAINDER_KIND, "remainder",
                              "remainder", r.id, r.order_number, err);
  }
  cg_store_remainder_clear(&r);
  return rc == CG_ENOTFOUND ? 0 : rc;
}

int cg_dispatch_check_remainder(cJSON **out, char *why, size_t size)
{
  const char *action = cg_json_str(*out, "action");
  const char *policy = cg_json_str(*out, "stockActionPolicy");
  const cJSON *comment = cJSON_GetObjectItemCaseSensitive(*out, "comment");
  bool cancel = action != NULL && strcmp(action, "cancel") == 0;
  if (!cJSON_IsObject(*out) ||
      (!cancel && (action == NULL || strcmp(action, "hold") != 0))) {
    snprintf(why, size,
             "expected {action=\"cancel\", stockActionPolicy=...} "
             "or {action=\"hold\"}");
    return -1;
  }
  if (cancel &&
      (policy == NULL || (strcmp(policy, "releaseItemsBackToWarehouse") != 0 &&
                          strcmp(policy, "removeItemsFromStock") != 0))) {
    snprintf(why, size,
             "stockActionPolicy must be "
             "\"releaseItemsBackToWarehouse\" or "
             "\"removeItemsFromStock\"");
    return -1;
  }
  if (comment != NULL && !cJSON_IsNull(comment) &&
      (!cJSON_IsString(comment) ||
       strlen(comment->valuestring) >= COMMENT_MAX)) {
    snprintf(why, size, "comment must be a string under %d bytes", COMMENT_MAX);
    return -1;
  }
  return 0;
}
