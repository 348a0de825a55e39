/*
 * orders: intake and decision of Centra orders (see orders.h). The
 * delivery half (outbox kinds, warehouse events) is in orders_events.c.
 */
#include "flows/orders.h"

#include "base/buf.h"
#include "base/err.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"
#include "flows/changes.h"
#include "flows/decide.h"
#include "flows/exceptions.h"
#include "flows/flow.h"
#include "flows/orders_internal.h"
#include "flows/plan.h"
#include "gxo/gxo.h"
#include "store/store.h"
#include "store/store_items.h"

#include <stdio.h>
#include <string.h>

int cg__order_number(const cJSON *order, char *out, size_t size)
{
  int64_t n;
  if (cg_json_get_int(order, "number", &n) != 0 || n <= 0)
    return CG_EINVAL;
  snprintf(out, size, "%lld", (long long)n);
  return 0;
}

/* Why an order version is not for the warehouse (yet), or NULL. Centra
 * publishes "waiting for payment" only as a filter; an order read from
 * an event shows it as its hold reason. */
static const char *not_eligible(const struct cg_flow *f, const cJSON *order)
{
  const char *status = cg_json_str(order, "status");
  bool confirmed = status != NULL && strcmp(status, "CONFIRMED") == 0;
  bool processing = status != NULL && strcmp(status, "PROCESSING") == 0;
  const char *hold = cg_json_str(order, "orderHoldReason");
  if (!confirmed && !(processing && f->settings.direct_to_shipment))
    return f->settings.direct_to_shipment ? "not CONFIRMED or PROCESSING"
                                          : "not CONFIRMED";
  if (cg_json_bool(order, "isOnHold", false))
    return "on hold in Centra";
  if (hold != NULL && strcmp(hold, "WAITING_FOR_PAYMENT") == 0)
    return "waiting for payment";
  return NULL;
}

/* The inbox id of one order version. updatedAt has whole seconds, and a
 * shop confirms or releases an order within the second it was placed
 * often enough: the status and the hold flag are part of the version, so
 * such a change is never taken for a duplicate. */
static void order_version_id(const cJSON *order, const char *number, char *out,
                             size_t size)
{
  const char *updated = cg_json_str(order, "updatedAt");
  const char *status = cg_json_str(order, "status");
  const char *hold = cg_json_str(order, "orderHoldReason");
  snprintf(out, size, "order:%s:%s:%s:%s%s", number, updated ? updated : "-",
           status ? status : "-",
           cg_json_bool(order, "isOnHold", false) ? "hold" : "free",
           hold ? hold : "");
}

static const char *settled(enum cg_store_order_state state);

/* A new version of an order the warehouse already has (or refused) would
 * only be recorded as ignored: it is skipped without a write (Centra
 * sends one after every change we make, e.g. marking it exported). */
static bool is_settled(struct cg_flow *f, const char *number)
{
  enum cg_store_order_state st;
  return cg_store_order_state(f->store, number, &st, NULL) == 0 &&
         settled(st) != NULL;
}

/* The same version from the poll and the events queue: already recorded,
 * so it is skipped before its payload is built. */
static bool recorded(struct cg_flow *f, const char *msg_id)
{
  return cg_store_inbox_find(f->store, "centra", msg_id, NULL, NULL) == 0;
}

bool cg_orders_known(struct cg_flow *f, const cJSON *version)
{
  char number[32], msg_id[192];
  if (cg__order_number(version, number, sizeof(number)) != 0)
    return false;
  order_version_id(version, number, msg_id, sizeof(msg_id));
  return recorded(f, msg_id) || is_settled(f, number);
}

int cg_orders_take(struct cg_flow *f, const cJSON *order, const char *via,
                   struct cg_err *err)
{
  char number[32], msg_id[192];
  if (cg__order_number(order, number, sizeof(number)) != 0)
    return cg_err_set(err, CG_EINVAL, "order without a number (via %s)", via);
  order_version_id(order, number, msg_id, sizeof(msg_id));
  /* A settled order's version is taken only when it changes what the
   * warehouse must know; its id then names what changed (changes.h). */
  if (is_settled(f, number)) {
    if (!cg_changes_follow(f, number, order)) {
      f->metrics.orders_ignored++;
      return 0;
    }
    cg_changes_version_id(order, msg_id, sizeof(msg_id));
  }
  if (recorded(f, msg_id)) {
    f->metrics.duplicates++;
    return 0;
  }
  char *payload = cg_json_print(order);
  if (payload == NULL)
    return cg_err_set(err, CG_ENOMEM, "out of memory");
  int dup = 0;
  int rc = cg_inbox_take(f, "centra", msg_id, "centra.order", payload, order,
                         &dup, err);
  cg_free(payload);
  if (rc == 0 && !dup) {
    f->metrics.orders_received++;
    cg_log_debug("orders", "[merchant=%s] order %s taken via %s", f->merchant,
                 number, via);
  }
  return rc;
}

static int write_lines(struct cg_flow *f, const char *number,
                       const cJSON *order, struct cg_err *err)
{
  const cJSON *lines = cg_json_get(order, "lines");
  size_t n = (size_t)cJSON_GetArraySize(lines);
  struct cg_store_order_line *rows = cg_calloc(n ? n : 1, sizeof(*rows));
  char(*ids)[24] = cg_calloc(n ? n : 1, sizeof(*ids));
  char(*prices)[48] = cg_calloc(n ? n : 1, sizeof(*prices));
  int rc = (rows && ids && prices) ? 0 : CG_ENOMEM;
  size_t i = 0;
  const cJSON *line;
  cJSON_ArrayForEach(line, lines)
  {
    if (rc != 0)
      break;
    snprintf(ids[i], sizeof(ids[i]), "%lld",
             (long long)cg_json_int(line, "id", 0));
    const cJSON *price = cg_json_get(line, "unitPrice.value");
    snprintf(prices[i], sizeof(prices[i]), "%.2f",
             cJSON_IsNumber(price) ? price->valuedouble : 0.0);
    const char *sku = cg_json_str(line, "productSize.SKU");
    rows[i] = (struct cg_store_order_line){.line_ref = ids[i],
                                           .sku = (char *)(sku ? sku : ""),
                                           .quantity =
                                               cg_json_int(line, "quantity", 0),
                                           .unit_price = prices[i]};
    i++;
  }
  if (rc == 0)
    rc = cg_store_order_lines_replace(f->store, number, rows, i, err);
  else
    cg_err_set(err, rc, "out of memory");
  cg_free(rows);
  cg_free(ids);
  cg_free(prices);
  return rc;
}

static int save_order(struct cg_flow *f, const char *number,
                      const char *payload, const cJSON *order,
                      enum cg_store_order_state state, const char *reason,
                      const char *label, struct cg_err *err)
{
  struct cg_store_order o = {
      .number = (char *)number,
      .centra_id = (char *)cg_json_str(order, "id"),
      .centra_status = (char *)cg_json_str(order, "status"),
      .state = state,
      .payload = (char *)payload,
      .hold_reason = (char *)reason,
      .rule_generation = (char *)label,
  };
  int rc = cg_store_order_upsert(f->store, &o, err);
  return rc == 0 ? write_lines(f, number, order, err) : rc;
}

/* First SKU-less line, as UNKNOWN_SKU, before asking the rules. */
static bool missing_sku(const cJSON *order, char *msg, size_t size)
{
  const cJSON *line;
  cJSON_ArrayForEach(line, cg_json_get(order, "lines"))
  {
    const char *sku = cg_json_str(line, "productSize.SKU");
    if (sku == NULL || *sku == '\0') {
      snprintf(msg, size, "line %lld has no SKU in Centra",
               (long long)cg_json_int(line, "id", 0));
      return true;
    }
  }
  if (cJSON_GetArraySize(cg_json_get(order, "lines")) == 0) {
    snprintf(msg, size, "order has no lines");
    return true;
  }
  return false;
}

bool cg__order_needs_rules(const cJSON *order)
{
  char msg[CG_PLAN_MESSAGE_MAX];
  return !missing_sku(order, msg, sizeof(msg));
}

int cg__order_hold(struct cg_flow *f, const char *number, const char *type,
                   const char *message, const char *label, struct cg_err *err)
{
  int rc = cg_store_order_set_state(f->store, number, CG_STORE_ORDER_HELD, type,
                                    label, err);
  if (rc == 0)
    rc = cg_flow_raise(f, type, "order", number, message, label, err);
  if (rc == 0)
    rc = cg_store_audit_append(f->store, "order", number, "held", message,
                               label, err);
  f->metrics.orders_held++;
  return rc;
}

/* Key of the rev-th send of an order: the first is cg_gxo_order_key, a
 * resend (after a permanent failure, or a re-send after a change in
 * Centra) gets "-r<rev>-<ms>" because the warehouse replays the stored
 * answer for a key it has seen. The count alone could repeat: done rows
 * are pruned after days, so the time makes the key new; it is stored in
 * the outbox row, so a retry of this send keeps it. */
static int order_key(struct cg_flow *f, const char *number, char *out,
                     size_t size, struct cg_err *err)
{
  int64_t n = 0; /* earlier sends, counted through the entity index */
  int rc = cg_store_outbox_count_entity(f->store, CG_ORDERS_KIND_CREATE, number,
                                        &n, err);
  if (rc != 0)
    return rc;
  if (cg_gxo_order_key(f->merchant, number, out, size) != 0)
    return cg_err_set(err, CG_EINVAL, "order key too long");
  size_t len = strlen(out);
  if (n > 0)
    snprintf(out + len, size - len, "-r%lld-%lld", (long long)n + 1,
             (long long)cg_time_now_ms());
  return 0;
}

static int queue_order(struct cg_flow *f, const char *number,
                       const cJSON *payload, const char *label,
                       struct cg_err *err)
{
  char key[200];
  char *text = cg_json_print(payload);
  int rc = text ? order_key(f, number, key, sizeof(key), err)
                : cg_err_set(err, CG_ENOMEM, "out of memory");
  if (rc == 0)
    rc = cg_store_outbox_put(f->store, CG_ORDERS_KIND_CREATE, number, key, text,
                             0, NULL, err);
  if (rc == 0)
    rc = cg_flow_resolve(f, "order", number, "order queued", err);
  if (rc == 0) /* it leaves the hold: held again, it waits again */
    rc = cg_store_item_waits_clear(f->store, number, err);
  if (rc == 0)
    rc = cg_store_audit_append(f->store, "order", number, "queued", key, label,
                               err);
  cg_free(text);
  f->metrics.orders_queued++;
  return rc;
}

/* Stores the order as decided by the plan; fills outcome. */
static int apply_plan(struct cg_flow *f, const char *number,
                      const char *payload, const cJSON *order,
                      const struct cg_plan *plan,
                      char outcome[CG_INBOX_OUTCOME_MAX], struct cg_err *err)
{
  bool send = plan->outcome == CG_PLAN_SEND;
  const char *type = send ? NULL
                     : plan->outcome == CG_PLAN_HOLD
                         ? "RULE_HOLD"
                         : cg_plan_outcome_name(plan->outcome);
  int rc = save_order(f, number, payload, order,
                      send ? CG_STORE_ORDER_QUEUED : CG_STORE_ORDER_HELD, type,
                      plan->label, err);
  if (rc == 0 && send)
    rc = queue_order(f, number, plan->payload, plan->label, err);
  else if (rc == 0)
    rc = cg__order_hold(f, number, type, plan->message, plan->label, err);
  if (send)
    snprintf(outcome, CG_INBOX_OUTCOME_MAX, "queued");
  else
    snprintf(outcome, CG_INBOX_OUTCOME_MAX, "held %s", type);
  return rc;
}

static int hold_new(struct cg_flow *f, const char *number, const char *payload,
                    const cJSON *order, const char *type, const char *msg,
                    const char *label, char outcome[CG_INBOX_OUTCOME_MAX],
                    struct cg_err *err)
{
  int rc = save_order(f, number, payload, order, CG_STORE_ORDER_HELD, type,
                      label, err);
  if (rc == 0)
    rc = cg__order_hold(f, number, type, msg, label, err);
  snprintf(outcome, CG_INBOX_OUTCOME_MAX, "held %s", type);
  return rc;
}

int cg__order_decide(struct cg_flow *f, const char *number, const char *payload,
                     const cJSON *order, char outcome[CG_INBOX_OUTCOME_MAX],
                     struct cg_err *err)
{
  char msg[CG_PLAN_MESSAGE_MAX];
  if (missing_sku(order, msg, sizeof(msg)))
    return hold_new(f, number, payload, order, "UNKNOWN_SKU", msg,
                    f->rules_label, outcome, err);
  return CG__NEEDS_RULES;
}

int cg__order_apply(struct cg_flow *f, const char *number, const char *payload,
                    const cJSON *order, const struct cg_plan *plan,
                    const char *rule_err, char outcome[CG_INBOX_OUTCOME_MAX],
                    struct cg_err *err)
{
  if (plan != NULL)
    return apply_plan(f, number, payload, order, plan, outcome, err);
  f->metrics.rule_errors++;
  return hold_new(f, number, payload, order, "RULE_ERROR", rule_err,
                  f->rules_label, outcome, err);
}

/* Whether a stored order may be decided again from a new version. */
static const char *settled(enum cg_store_order_state state)
{
  switch (state) {
  case CG_STORE_ORDER_QUEUED:
  case CG_STORE_ORDER_SENT:
  case CG_STORE_ORDER_ACCEPTED:
    return "already with the warehouse";
  case CG_STORE_ORDER_REJECTED:
    return "rejected by the warehouse; retry its exception";
  case CG_STORE_ORDER_CANCELLED:
    return "cancelled in Centra and at the warehouse";
  case CG_STORE_ORDER_SHIPPED:
    return "shipped: every unit is in a completed Centra shipment";
  case CG_STORE_ORDER_CLOSED:
    return "closed by the warehouse, its remainder settled in Centra";
  default:
    return NULL;
  }
}

static int check_known(struct cg_flow *f, const char *number, const char **why,
                       struct cg_err *err)
{
  enum cg_store_order_state state;
  int rc = cg_store_order_state(f->store, number, &state, err);
  *why = rc == 0 ? settled(state) : NULL;
  return rc == CG_ENOTFOUND ? 0 : rc;
}

#define LINE_QTY_MAX 100000

/* Why Centra's lines cannot be stored as they are (a line without an id,
 * two lines with one id, a negative or absurd quantity), or NULL. Such an
 * order would break the store's constraints and its inbox row would be
 * retried for ever; it becomes an exception instead, and a corrected
 * version from Centra is taken as usual. */
static const char *malformed_lines(const cJSON *order, char *msg, size_t size)
{
  const cJSON *a, *b;
  int i = 0;
  cJSON_ArrayForEach(a, cg_json_get(order, "lines"))
  {
    int64_t id = cg_json_int(a, "id", 0);
    int64_t qty = cg_json_int(a, "quantity", -1);
    if (id <= 0)
      snprintf(msg, size, "line %d has no id", i);
    else if (qty < 0 || qty > LINE_QTY_MAX)
      snprintf(msg, size, "line %lld has quantity %lld", (long long)id,
               (long long)qty);
    for (b = a->next; b != NULL && id > 0 && msg[0] == '\0'; b = b->next)
      if (cg_json_int(b, "id", 0) == id)
        snprintf(msg, size, "two lines have id %lld", (long long)id);
    if (msg[0] != '\0')
      return msg;
    i++;
  }
  return NULL;
}

/* Step 1 found the order needs its rules: the row stays pending and the
 * plan is asked for (sent after the caller's commit), with what step 2
 * reads of the order. Without a rule host, or with the set full, the
 * sweep asks again later. */
static int ask_rules(struct cg_flow *f, const struct cg_store_inbox_row *row,
                     const char *number, const cJSON *order, bool whole)
{
  struct cg_decide_order o = {
      .payload = row->payload, .whole = whole, .facts = cg__order_facts(order)};
  int rc =
      cg_decide_later(f, CG_DECIDE_INBOX, row->id, row->msg_id, number, &o);
  if (rc != 0 && rc != CG_EEXIST)
    cg_log_debug("orders", "[merchant=%s] order %s waits for its rules (%s)",
                 f->merchant, number, cg_strerror(rc));
  return CG_INBOX_LATER;
}

static int refuse_malformed(struct cg_flow *f, const char *number,
                            const char *why, char outcome[CG_INBOX_OUTCOME_MAX],
                            struct cg_err *err)
{
  char msg[300];
  snprintf(msg, sizeof(msg),
           "Centra sent order %s with lines the engine cannot store: %s; "
           "next: correct the order in Centra (the change is picked up)",
           number, why);
  snprintf(outcome, CG_INBOX_OUTCOME_MAX, "malformed: %s", why);
  return cg_flow_raise(f, "SYNC_FAILURE", "order", number, msg, NULL, err);
}

int cg_orders_apply_centra_order(struct cg_flow *f,
                                 const struct cg_store_inbox_row *row,
                                 const cJSON *doc,
                                 char outcome[CG_INBOX_OUTCOME_MAX],
                                 struct cg_err *err)
{
  char number[32], bad[160] = "";
  const char *why = NULL;
  if (cg_decide_pending(f, CG_DECIDE_INBOX, row->id, NULL))
    return CG_INBOX_LATER; /* its plan is on the way */
  /* With doc, the text is cg_orders_take's print of it. */
  bool whole = doc != NULL;
  cJSON *parsed = doc ? NULL : cg__order_parse(row->payload, &whole);
  const cJSON *order = doc ? doc : parsed;
  int rc = 0;
  if (order == NULL || cg__order_number(order, number, sizeof(number)) != 0) {
    rc = cg_flow_raise(f, "SYNC_FAILURE", "message", row->msg_id,
                       "Centra order payload is not a valid order", NULL, err);
    snprintf(outcome, CG_INBOX_OUTCOME_MAX, "invalid payload");
  } else if (cg_changes_followed(f, number)) {
    rc = cg_changes_apply(f, number, order, outcome, err);
  } else if (cg_changes_cancels_resend(f, number, order)) {
    rc = cg_changes_cancel_resend(f, number, outcome, err);
  } else if ((why = not_eligible(f, order)) != NULL ||
             ((rc = check_known(f, number, &why, err)) == 0 && why)) {
    f->metrics.orders_ignored++;
    snprintf(outcome, CG_INBOX_OUTCOME_MAX, "ignored: %s", why);
  } else if (rc == 0 && malformed_lines(order, bad, sizeof(bad))) {
    rc = refuse_malformed(f, number, bad, outcome, err);
  } else if (rc == 0) {
    rc = cg__order_decide(f, number, row->payload, order, outcome, err);
    if (rc == CG__NEEDS_RULES)
      rc = ask_rules(f, row, number, order, whole);
  }
  cJSON_Delete(parsed);
  return rc;
}

int cg__order_finish(struct cg_flow *f, const struct cg_store_inbox_row *row,
                     const cJSON *facts, const struct cg_plan *plan,
                     const char *rule_err, char outcome[CG_INBOX_OUTCOME_MAX],
                     struct cg_err *err)
{
  char number[32];
  const char *why = NULL;
  cJSON *parsed =
      facts ? NULL : cg_json_parse(row->payload, strlen(row->payload), NULL);
  const cJSON *order = facts ? facts : parsed;
  int rc = 0;
  if (order == NULL || cg__order_number(order, number, sizeof(number)) != 0)
    snprintf(outcome, CG_INBOX_OUTCOME_MAX, "invalid payload");
  else if ((why = not_eligible(f, order)) != NULL ||
           ((rc = check_known(f, number, &why, err)) == 0 && why)) {
    f->metrics.orders_ignored++;
    snprintf(outcome, CG_INBOX_OUTCOME_MAX, "ignored: %s", why);
  } else if (rc == 0) {
    rc = cg__order_apply(f, number, row->payload, order, plan, rule_err,
                         outcome, err);
  }
  cJSON_Delete(parsed);
  return rc;
}

cJSON *cg__order_parse(const char *text, bool *whole)
{
  size_t len = strlen(text);
  const char *end = NULL;
  cJSON *order = cJSON_ParseWithLengthOpts(text, len, &end, false);
  /* cJSON skips a BOM and whitespace before the value and stops after
   * it: only "{...}" with nothing around it is what it prints. */
  *whole = order != NULL && text[0] == '{' && end == text + len;
  return order;
}

/* ---- facts: what step 2 reads of an order ----------------------------- */

/* A member step 2 reads: key, or key of the member object in. */
struct fact {
  const char *in, *key;
};

/* What step 2 reads (cg__order_finish: number and eligibility;
 * save_order: id, status, and write_lines for each of the lines). Keep
 * them in step with those functions: step 2 sees nothing else. Each `in`
 * appears once in a list. */
static const struct fact ORDER_FACTS[] = {{NULL, "number"},
                                          {NULL, "id"},
                                          {NULL, "status"},
                                          {NULL, "isOnHold"},
                                          {NULL, "orderHoldReason"}};
static const struct fact LINE_FACTS[] = {{NULL, "id"},
                                         {NULL, "quantity"},
                                         {"unitPrice", "value"},
                                         {"productSize", "SKU"}};

/* Copies what cg_json_get(from, "in.key") finds to the same place in to
 * (an object; the names are static: no copies of them); false on ENOMEM. */
static bool copy_fact(cJSON *to, const cJSON *from, const struct fact *k)
{
  const cJSON *it =
      cg_json_get(k->in ? cg_json_get(from, k->in) : from, k->key);
  if (it == NULL)
    return true;
  if (k->in != NULL) {
    cJSON *in = cJSON_CreateObject();
    if (in == NULL || !cJSON_AddItemToObjectCS(to, k->in, in)) {
      cJSON_Delete(in);
      return false;
    }
    to = in;
  }
  cJSON *copy = cJSON_Duplicate(it, true);
  if (copy != NULL && cJSON_AddItemToObjectCS(to, k->key, copy))
    return true;
  cJSON_Delete(copy);
  return false;
}

/* An object with the facts of from; NULL on ENOMEM. */
static cJSON *pick(const cJSON *from, const struct fact *facts, size_t n)
{
  cJSON *o = cJSON_CreateObject();
  for (size_t i = 0; o != NULL && i < n; i++)
    if (!copy_fact(o, from, &facts[i])) {
      cJSON_Delete(o);
      o = NULL;
    }
  return o;
}

cJSON *cg__order_facts(const cJSON *order)
{
  cJSON *facts =
      pick(order, ORDER_FACTS, sizeof(ORDER_FACTS) / sizeof(*ORDER_FACTS));
  const cJSON *lines = cg_json_get(order, "lines"), *line;
  /* write_lines counts and walks the children of "lines", whatever
   * its type: an array of their facts is read the same way. */
  cJSON *out = lines && facts ? cJSON_AddArrayToObject(facts, "lines") : NULL;
  if (lines != NULL && out == NULL) {
    cJSON_Delete(facts);
    return NULL;
  }
  cJSON_ArrayForEach(line, lines)
  {
    cJSON *l = pick(line, LINE_FACTS, sizeof(LINE_FACTS) / sizeof(*LINE_FACTS));
    if (l == NULL || !cJSON_AddItemToArray(out, l)) {
      cJSON_Delete(l);
      cJSON_Delete(facts);
      return NULL;
    }
  }
  return facts;
}
