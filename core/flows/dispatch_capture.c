/*
 * dispatch_capture: the payment capture of a consignment's Centra
 * shipment (docs/internals/dispatch.md "Capture"). dispatch.lua chooses
 * per order (payment method) whether the create asks Centra to capture
 * (`capture: true`, "on_shipment") or not ("manual"); the policy is
 * recorded before the create is sent. Centra reports a failed capture
 * only in userWarnings and isCaptured: the shipment is still completed,
 * and then a CAPTURE_FAILED exception (owner finance) names the order and
 * the amount. Its retry is the outbox kind "centra.dispatch.capture":
 *
 *   Find (the order's shipments): ours already captured -> done
 *   captureShipment(id) -> captured, or CAPTURE_FAILED again with
 *                          Centra's message
 */
#include "flows/dispatch.h"
#include "flows/dispatch_int.h"

#include "base/err.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "centra/centra.h"
#include "flows/exceptions.h"
#include "flows/flow.h"
#include "store/store.h"
#include "store/store_dispatch.h"
#include "store/store_remainder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ON_SHIPMENT "on_shipment"
#define MANUAL "manual"
#define AMOUNT_MAX 64
#define MSG_MAX 600

int cg__dispatch_check_capture(const cJSON *reply, char *why, size_t size)
{
  const cJSON *c = cJSON_GetObjectItemCaseSensitive(reply, "capture");
  if (c == NULL || cJSON_IsNull(c) || cJSON_IsBool(c))
    return 0;
  snprintf(why, size, "capture must be true or false");
  return -1;
}

/* Runs write in a savepoint of its own (a delivery's step, outside the
 * outbox's transactions). */
static int in_savepoint(struct cg_flow *f, const char *shipment_id,
                        const char *what, const char *a, const char *b)
{
  struct cg_err err = {0};
  int rc = cg_store_savepoint(f->store, &err);
  if (rc == 0) {
    rc = a ? cg_store_capture_put(f->store, shipment_id, a, &err)
           : cg_store_capture_note(f->store, shipment_id, b, &err);
    int end_rc =
        cg_store_savepoint_end(f->store, rc == 0, rc == 0 ? &err : NULL);
    rc = rc ? rc : end_rc;
  }
  if (rc != 0)
    cg_log_error("dispatch",
                 "[merchant=%s] consignment %s: %s not "
                 "recorded: %s",
                 f->merchant, shipment_id, what, err.msg);
  return rc;
}

int cg__dispatch_capture_record(struct cg_flow *f, const char *shipment_id,
                                bool capture)
{
  return in_savepoint(f, shipment_id, "capture policy",
                      capture ? ON_SHIPMENT : MANUAL, NULL);
}

void cg__dispatch_capture_note(struct cg_flow *f, const char *shipment_id,
                               const char *warning)
{
  cg_log_warn("dispatch", "[merchant=%s] consignment %s: not captured: %s",
              f->merchant, shipment_id, warning);
  in_savepoint(f, shipment_id, "capture warning", NULL, warning);
}

/* The consignment's value from the order's unit prices ("450.50 EUR"),
 * or "an unknown amount". */
static int amount(struct cg_flow *f, const struct cg_store_dispatch *d,
                  char *out, size_t size, struct cg_err *err)
{
  struct cg_store_count_list lines = {0};
  struct cg_store_order_line_list ordered = {0};
  struct cg_store_order o = {0};
  double sum = 0;
  bool known = true;
  int rc = cg_store_dispatch_lines(f->store, d->shipment_id, &lines, err);
  if (rc == 0)
    rc = cg_store_order_lines_list(f->store, d->order_number, &ordered, err);
  if (rc == 0)
    rc = cg_store_order_get(f->store, d->order_number, &o, err);
  for (size_t i = 0; rc == 0 && i < lines.n; i++) {
    const struct cg_store_order_line *ol = NULL;
    for (size_t j = 0; j < ordered.n; j++)
      if (strcmp(ordered.items[j].line_ref, lines.items[i].name) == 0)
        ol = &ordered.items[j];
    known = known && ol != NULL && ol->unit_price != NULL;
    sum +=
        known ? strtod(ol->unit_price, NULL) * (double)lines.items[i].count : 0;
  }
  cJSON *order =
      o.payload ? cg_json_parse(o.payload, strlen(o.payload), NULL) : NULL;
  const char *cur = cg_json_str(order, "grandTotal.currency.code");
  if (known)
    snprintf(out, size, "%.2f %s", sum, cur ? cur : "");
  else
    snprintf(out, size, "an unknown amount");
  cJSON_Delete(order);
  cg_store_order_clear(&o);
  cg_store_order_line_list_clear(&ordered);
  cg_store_count_list_clear(&lines);
  return rc;
}

/* Raises CAPTURE_FAILED on the consignment: why, the order and amount. */
static int raise_failed(struct cg_flow *f, const struct cg_store_dispatch *d,
                        const char *why, struct cg_err *err)
{
  char amt[AMOUNT_MAX], msg[MSG_MAX];
  int rc = amount(f, d, amt, sizeof(amt), err);
  snprintf(msg, sizeof(msg),
           "order %s: %s of Centra shipment %lld (consignment %s) was not "
           "captured: %s",
           d->order_number, amt, (long long)d->centra_id, d->shipment_id, why);
  if (rc == 0)
    rc =
        cg_flow_raise(f, CG_DISPATCH_CAPTURE_FAILED, CG_DISPATCH_CAPTURE_ENTITY,
                      d->shipment_id, msg, NULL, err);
  if (rc == 0)
    rc = cg_store_audit_append(f->store, "order", d->order_number,
                               "capture failed", msg, NULL, err);
  return rc;
}

int cg__dispatch_capture_check(struct cg_flow *f,
                               const struct cg_store_dispatch *d,
                               const struct cg_call_result *res,
                               struct cg_err *err)
{
  char *policy = NULL, *warning = NULL;
  char why[CG_CALL_MESSAGE_MAX + 64];
  int rc =
      cg_store_capture_get(f->store, d->shipment_id, &policy, &warning, err);
  bool asked = rc == 0 && strcmp(policy, ON_SHIPMENT) == 0;
  snprintf(why, sizeof(why), "%s",
           warning           ? warning
           : res->message[0] ? res->message
                             : "Centra completed the shipment uncaptured");
  cg_free(policy);
  cg_free(warning);
  if (rc == CG_ENOTFOUND) /* not created by us: Centra's own settings */
    return 0;
  if (rc != 0 || !asked || d->captured)
    return rc;
  return raise_failed(f, d, why, err);
}

/* --- the retry: captureShipment ------------------------------------------*/

struct cap {
  struct cg_flow *f;
  cg_call_done_fn done;
  void *arg;
  int64_t centra_id;
};

static void end(struct cap *cp, struct cg_call_result *res)
{
  cg_call_done_fn done = cp->done;
  void *arg = cp->arg;
  cg_free(cp);
  done(res, arg);
}

static void end_with(struct cap *cp, enum cg_outcome outcome, const char *code,
                     const char *msg)
{
  struct cg_call_result res;
  cg_call_result_init(&res);
  cg_call_result_set(&res, outcome, code, "%s", msg);
  cg_call_result_deliver(&res, cp->done, cp->arg);
  cg_free(cp);
}

static void on_captured(struct cg_call_result *res, void *arg)
{
  end(arg, res);
}

static void on_found(struct cg_call_result *res, void *arg)
{
  struct cap *cp = arg;
  const cJSON *s, *ours = NULL;
  if (res->outcome != CG_OUTCOME_OK) {
    end(cp, res);
    return;
  }
  cJSON_ArrayForEach(s, res->data)
  {
    if (cg_json_int(s, "id", 0) == cp->centra_id)
      ours = s;
  }
  if (ours == NULL)
    end_with(cp, CG_OUTCOME_FAIL, "shipment-missing",
             "the shipment is not among the order's shipments in Centra");
  else if (cg_json_bool(ours, "isCaptured", false))
    end_with(cp, CG_OUTCOME_OK, "already-captured",
             "already captured in Centra");
  else if (cg_centra_capture_shipment(cp->f->centra, cp->centra_id, on_captured,
                                      cp) != 0)
    end_with(cp, CG_OUTCOME_RETRY, "local", "capture not started");
}

static int start_capture(struct cg_flow *f,
                         const struct cg_store_outbox_row *row,
                         cg_call_done_fn done, void *arg)
{
  struct cg_err err = {0};
  struct cg_store_dispatch d = {0};
  struct cg_store_order o = {0};
  struct cap *cp = cg_calloc(1, sizeof(*cp));
  int rc = cp ? cg_store_dispatch_get(f->store, row->entity_key, &d, &err)
              : CG_ENOMEM;
  if (rc == 0)
    rc = cg_store_order_get(f->store, d.order_number, &o, &err);
  if (rc == 0) {
    *cp = (struct cap){
        .f = f, .done = done, .arg = arg, .centra_id = d.centra_id};
    if (o.centra_id == NULL || d.centra_id <= 0)
      end_with(cp, CG_OUTCOME_FAIL, "unreadable",
               "no Centra order or shipment id stored");
    else
      rc = cg_centra_find_order_shipments(f->centra, o.centra_id, on_found, cp);
  }
  if (rc != 0) {
    cg_log_error("dispatch", "[merchant=%s] capture of %s not started: %s",
                 f->merchant, row->entity_key, err.msg);
    cg_free(cp);
  }
  cg_store_order_clear(&o);
  cg_store_dispatch_clear(&d);
  return rc;
}

static int captured(struct cg_flow *f, struct cg_store_dispatch *d,
                    const struct cg_call_result *res, struct cg_err *err)
{
  char detail[CG_CALL_MESSAGE_MAX + 64];
  d->captured = true;
  int rc = cg_store_dispatch_update(f->store, d, err);
  snprintf(detail, sizeof(detail), "%s: Centra shipment %lld captured%s%s",
           d->shipment_id, (long long)d->centra_id, res->message[0] ? "; " : "",
           res->message);
  if (rc == 0)
    rc = cg_store_audit_append(f->store, "order", d->order_number, "captured",
                               detail, NULL, err);
  if (rc == 0)
    rc = cg_flow_resolve(f, CG_DISPATCH_CAPTURE_ENTITY, d->shipment_id,
                         "captured", err);
  return rc;
}

static int finish_capture(struct cg_flow *f,
                          const struct cg_store_outbox_row *row,
                          const struct cg_call_result *res)
{
  struct cg_err err = {0};
  struct cg_store_dispatch d = {0};
  char why[CG_CALL_MESSAGE_MAX + CG_CALL_CODE_MAX + 32];
  if (res->outcome == CG_OUTCOME_RETRY)
    return 0;
  int rc = cg_store_dispatch_get(f->store, row->entity_key, &d, &err);
  snprintf(why, sizeof(why), "captureShipment: %s", res->message);
  if (rc == 0 && res->outcome == CG_OUTCOME_OK)
    rc = captured(f, &d, res, &err);
  else if (rc == 0)
    rc = raise_failed(f, &d, why, &err);
  if (rc != 0)
    cg_log_error("dispatch", "[merchant=%s] capture of %s: %s", f->merchant,
                 row->entity_key, err.msg);
  cg_store_dispatch_clear(&d);
  return rc;
}

const struct cg_outbox_kind cg_dispatch_capture_kind = {
    CG_DISPATCH_CAPTURE_KIND, start_capture, finish_capture};

int cg__dispatch_capture_retry(struct cg_flow *f,
                               const struct cg_store_exception *x,
                               struct cg_err *err)
{
  struct cg_store_dispatch d = {0};
  int rc = cg_store_exception_resolve(f->store, x->id, "operator",
                                      "retry requested", err);
  if (rc == 0)
    rc = cg_store_dispatch_get(f->store, x->entity_key, &d, err);
  if (rc == 0 && !d.captured)
    rc = cg__dispatch_queue(f, CG_DISPATCH_CAPTURE_KIND, "capture",
                            "shipmentId", d.shipment_id, d.order_number, err);
  cg_store_dispatch_clear(&d);
  return rc == CG_ENOTFOUND ? 0 : rc;
}
