/*
 * dispatch_intake: a warehouse consignment taken in (dispatch.h): the
 * checks that need no partner (the order and its lines are known, no
 * line ships more than is open), the dispatch row, its lines and parcels,
 * and its outbox row, in the inbox's transaction. Also the operator's
 * retry of a held consignment.
 */
#include "flows/dispatch.h"
#include "flows/dispatch_int.h"

#include "base/err.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"
#include "flows/exceptions.h"
#include "flows/flow.h"
#include "store/store.h"
#include "store/store_dispatch.h"
#include "store/store_remainder.h"

#include <stdio.h>
#include <string.h>

#define WHY_MAX 300
#define PAYLOAD_SHOWN 2000 /* of the warehouse payload in an exception */

/* Adds qty to line_ref in *l (a small list: linear search). */
static int add_line(struct cg_store_count_list *l, const char *line_ref,
                    int64_t qty)
{
  for (size_t i = 0; i < l->n; i++)
    if (strcmp(l->items[i].name, line_ref) == 0) {
      l->items[i].count += qty;
      return 0;
    }
  struct cg_store_count *items =
      cg_realloc(l->items, (l->n + 1) * sizeof(*items));
  if (items == NULL)
    return CG_ENOMEM;
  l->items = items;
  items[l->n].name = cg_strdup(line_ref);
  items[l->n].count = qty;
  return items[l->n++].name ? 0 : CG_ENOMEM;
}

/* Adds each {lineRef, <qty_key>} of arr; 1 with why when one is bad. */
static int add_lines(struct cg_store_count_list *l, const cJSON *arr,
                     const char *qty_key, char *why, size_t n)
{
  const cJSON *line;
  cJSON_ArrayForEach(line, arr)
  {
    const char *ref = cg_json_str(line, "lineRef");
    int64_t qty = -1;
    if (ref == NULL || cg_json_get_int(line, qty_key, &qty) != 0 || qty < 0) {
      snprintf(why, n, "a line without lineRef or %s", qty_key);
      return 1;
    }
    if (qty > 0 && add_line(l, ref, qty) != 0)
      return CG_ENOMEM;
  }
  return 0;
}

/* The consignment's lines: its parcels' lines summed per lineRef, or,
 * when the parcels list none, lineTotals' shippedThisShipment. 0, 1 with
 * why (bad data), or CG_ENOMEM. */
static int consignment_lines(const cJSON *data, struct cg_store_count_list *out,
                             char *why, size_t n)
{
  memset(out, 0, sizeof(*out));
  const cJSON *parcel;
  int rc = 0;
  cJSON_ArrayForEach(parcel, cg_json_get(data, "parcels"))
  {
    if (rc == 0)
      rc = add_lines(out, cg_json_get(parcel, "lines"), "quantity", why, n);
  }
  if (rc == 0 && out->n == 0)
    rc = add_lines(out, cg_json_get(data, "lineTotals"), "shippedThisShipment",
                   why, n);
  if (rc == 0 && out->n == 0) {
    snprintf(why, n, "no lines shipped");
    rc = 1;
  }
  return rc;
}

static int64_t count_of(const struct cg_store_count_list *l, const char *name)
{
  for (size_t i = 0; i < l->n; i++)
    if (strcmp(l->items[i].name, name) == 0)
      return l->items[i].count;
  return 0;
}

static const struct cg_store_order_line *
find_line(const struct cg_store_order_line_list *l, const char *ref)
{
  for (size_t i = 0; i < l->n; i++)
    if (strcmp(l->items[i].line_ref, ref) == 0)
      return &l->items[i];
  return NULL;
}

/* Each consignment line is a line of the order with that much still
 * open (ordered less what its other consignments hold). 1 with why. */
static int check_open(const struct cg_store_count_list *lines,
                      const struct cg_store_order_line_list *ordered,
                      const struct cg_store_count_list *held,
                      const char *number, char *why, size_t n)
{
  for (size_t i = 0; i < lines->n; i++) {
    const char *ref = lines->items[i].name;
    const struct cg_store_order_line *ol = find_line(ordered, ref);
    int64_t open = ol ? ol->quantity - count_of(held, ref) : 0;
    if (ol == NULL) {
      snprintf(why, n, "unknown line %s on order %s", ref, number);
      return 1;
    }
    if (lines->items[i].count > open) {
      snprintf(why, n, "line %s of order %s: %lld shipped, only %lld open", ref,
               number, (long long)lines->items[i].count,
               (long long)(open > 0 ? open : 0));
      return 1;
    }
  }
  return 0;
}

/* 0 when the consignment may go to Centra, 1 with why when not, or a
 * negative CG_E* (store). */
static int validate(struct cg_flow *f, const char *number, const char *self,
                    const struct cg_store_count_list *lines, char *why,
                    size_t n, struct cg_err *err)
{
  enum cg_store_order_state st;
  int rc =
      number ? cg_store_order_state(f->store, number, &st, err) : CG_ENOTFOUND;
  if (rc == CG_ENOTFOUND) {
    snprintf(why, n, "unknown order %s", number ? number : "(no orderRef)");
    return 1;
  }
  struct cg_store_order_line_list ordered = {0};
  struct cg_store_count_list held = {0};
  if (rc == 0)
    rc = cg_store_order_lines_list(f->store, number, &ordered, err);
  if (rc == 0)
    rc = cg_store_dispatch_order_lines(f->store, number, self, -1, &held, err);
  if (rc == 0)
    rc = check_open(lines, &ordered, &held, number, why, n);
  cg_store_order_line_list_clear(&ordered);
  cg_store_count_list_clear(&held);
  return rc;
}

static int put_parcels(struct cg_flow *f, const char *id, const cJSON *data,
                       struct cg_err *err)
{
  const cJSON *p;
  int64_t pos = 0;
  int rc = 0;
  cJSON_ArrayForEach(p, cg_json_get(data, "parcels"))
  {
    struct cg_store_dispatch_parcel row = {
        .parcel_id = (char *)cg_json_str(p, "parcelId"),
        .tracking_number = (char *)cg_json_str(p, "trackingNumber"),
        .tracking_url = (char *)cg_json_str(p, "trackingUrl")};
    if (rc == 0)
      rc = cg_store_dispatch_parcel_put(f->store, id, pos++, &row, err);
  }
  return rc;
}

/* The consignment goes: lines, parcels, outbox row, timeline. */
static int queue(struct cg_flow *f, const struct cg_store_dispatch *d,
                 const cJSON *data, const struct cg_store_count_list *lines,
                 struct cg_err *err)
{
  char detail[200];
  int rc = cg_store_dispatch_lines_replace(f->store, d->shipment_id,
                                           lines->items, lines->n, err);
  if (rc == 0)
    rc = put_parcels(f, d->shipment_id, data, err);
  if (rc == 0)
    rc = cg__dispatch_enqueue(f, d->shipment_id, d->order_number, err);
  snprintf(detail, sizeof(detail), "%s: %zu lines, %d parcels", d->shipment_id,
           lines->n, cJSON_GetArraySize(cg_json_get(data, "parcels")));
  if (rc == 0)
    rc = cg_store_audit_append(f->store, "order", d->order_number,
                               "consignment received", detail, NULL, err);
  return rc;
}

/* 1 with why when shippedAt is given but is not a non-empty string
 * (Centra's completeShipment would refuse it on every retry). */
static int check_shipped_at(const cJSON *data, char *why, size_t n)
{
  const cJSON *at = cJSON_GetObjectItemCaseSensitive(data, "shippedAt");
  if (at == NULL || (cJSON_IsString(at) && at->valuestring[0] != '\0'))
    return 0;
  snprintf(why, n, "shippedAt is not a date and time");
  return 1;
}

/* Checks d's payload and queues it, or holds it with why. *held tells
 * which. */
static int check_and_queue(struct cg_flow *f, struct cg_store_dispatch *d,
                           const cJSON *data, bool *held, struct cg_err *err)
{
  char why[WHY_MAX] = "";
  struct cg_store_count_list lines = {0};
  int rc = check_shipped_at(data, why, sizeof(why));
  if (rc == 0)
    rc = consignment_lines(data, &lines, why, sizeof(why));
  if (rc == 0)
    rc = validate(f, d->order_number, d->shipment_id, &lines, why, sizeof(why),
                  err);
  *held = rc == 1;
  if (rc == 1)
    rc = cg__dispatch_hold(f, d, CG_DISPATCH_INVALID, why, err);
  else if (rc == 0)
    rc = queue(f, d, data, &lines, err);
  else if (rc == CG_ENOMEM)
    cg_err_set(err, rc, "out of memory");
  cg_store_count_list_clear(&lines);
  return rc;
}

int cg_dispatch_apply_event(struct cg_flow *f, const cJSON *data,
                            char outcome[CG_INBOX_OUTCOME_MAX],
                            struct cg_err *err)
{
  const char *id = cg_json_str(data, "shipmentId");
  const char *number = cg_json_str(data, "orderRef");
  struct cg_store_dispatch d = {0};
  int rc = id ? cg_store_dispatch_get(f->store, id, &d, err) : CG_EINVAL;
  cg_store_dispatch_clear(&d);
  if (rc != CG_ENOTFOUND) {
    snprintf(outcome, CG_INBOX_OUTCOME_MAX, "%s",
             rc == 0 ? "duplicate: consignment already known"
                     : "invalid: shipment without shipmentId");
    return rc == CG_EINVAL || rc == 0 ? 0 : rc;
  }
  char stamp[160];
  snprintf(stamp, sizeof(stamp), "gxo:%s", id);
  char *payload = cg_json_print(data);
  d = (struct cg_store_dispatch){.shipment_id = (char *)id,
                                 .order_number = (char *)(number ? number : ""),
                                 .payload = payload,
                                 .step = CG_STORE_DISPATCH_RECEIVED,
                                 .stamp = stamp};
  bool held = false;
  rc = payload ? cg_store_dispatch_insert(f->store, &d, err)
               : cg_err_set(err, CG_ENOMEM, "out of memory");
  if (rc == 0)
    rc = check_and_queue(f, &d, data, &held, err);
  if (rc == 0)
    f->metrics.consignments_received++;
  cg_free(payload);
  snprintf(outcome, CG_INBOX_OUTCOME_MAX, "consignment %s %s", id,
           held ? "held" : "queued");
  return rc;
}

/* --- shared with dispatch_ship.c ----------------------------------------*/

int cg__dispatch_queue(struct cg_flow *f, const char *kind, const char *tag,
                       const char *key_name, const char *key,
                       const char *order_number, struct cg_err *err)
{
  char idem[240];
  snprintf(idem, sizeof(idem), "cg-%s-%s-%s", f->merchant, tag, key);
  cJSON *p = cJSON_CreateObject();
  char *payload = p && cg_json_add_str(p, key_name, key) &&
                          cg_json_add_str(p, "orderRef", order_number)
                      ? cg_json_print(p)
                      : NULL;
  cJSON_Delete(p);
  if (payload == NULL)
    return cg_err_set(err, CG_ENOMEM, "out of memory");
  int rc = cg_outbox_put_again(f->store, kind, key, idem, payload, err);
  cg_free(payload);
  return rc;
}

int cg__dispatch_enqueue(struct cg_flow *f, const char *shipment_id,
                         const char *order_number, struct cg_err *err)
{
  return cg__dispatch_queue(f, CG_DISPATCH_KIND, "dispatch", "shipmentId",
                            shipment_id, order_number, err);
}

int cg__dispatch_hold(struct cg_flow *f, struct cg_store_dispatch *d,
                      const char *type, const char *why, struct cg_err *err)
{
  char msg[WHY_MAX + PAYLOAD_SHOWN + 64];
  char *old = d->hold_reason;
  d->step = CG_STORE_DISPATCH_HELD;
  d->hold_reason = (char *)type;
  int rc = cg_store_dispatch_update(f->store, d, err);
  d->hold_reason = old;
  snprintf(msg, sizeof(msg), "%s; warehouse payload: %.*s", why, PAYLOAD_SHOWN,
           d->payload ? d->payload : "");
  if (rc == 0)
    rc = cg_flow_raise(f, type, CG_DISPATCH_ENTITY, d->shipment_id, msg,
                       f->rules_label[0] ? f->rules_label : NULL, err);
  if (rc == 0 && d->order_number[0] != '\0')
    rc = cg_store_audit_append(f->store, "order", d->order_number,
                               "consignment held", msg, NULL, err);
  if (rc == 0)
    f->metrics.consignments_held++;
  return rc;
}

bool cg__dispatch_order_take(struct cg_flow *f, const char *number)
{
  if (cg_map_get_str(&f->orders_writing, number) != NULL)
    return false;
  return cg_map_put_str(&f->orders_writing, number, f) == 0;
}

void cg__dispatch_order_drop(struct cg_flow *f, const char *number)
{
  cg_map_del_str(&f->orders_writing, number);
}

int cg__dispatch_order_covered(struct cg_flow *f, const char *number,
                               const char *except,
                               const struct cg_store_count_list *extra,
                               bool *covered, bool *none_before,
                               struct cg_err *err)
{
  struct cg_store_order_line_list ordered = {0};
  struct cg_store_count_list done = {0};
  struct cg_store_count_list settled = {0}; /* remainders cancelled */
  int rc = cg_store_order_lines_list(f->store, number, &ordered, err);
  if (rc == 0)
    rc = cg_store_dispatch_order_lines(f->store, number, except,
                                       CG_STORE_DISPATCH_COMPLETED, &done, err);
  if (rc == 0)
    rc = cg_store_remainder_order_sum(
        f->store, number, NULL, CG_STORE_REMAINDER_CANCELLED, &settled, err);
  *none_before = done.n == 0;
  *covered = rc == 0;
  for (size_t i = 0; rc == 0 && i < ordered.n; i++) {
    const char *ref = ordered.items[i].line_ref;
    int64_t q = count_of(&done, ref) + count_of(&settled, ref) +
                (extra ? count_of(extra, ref) : 0);
    if (q < ordered.items[i].quantity)
      *covered = false;
  }
  cg_store_order_line_list_clear(&ordered);
  cg_store_count_list_clear(&done);
  cg_store_count_list_clear(&settled);
  return rc;
}

/* --- operator retry -----------------------------------------------------*/

/* A consignment held at intake: checked again from its payload. */
static int recheck(struct cg_flow *f, struct cg_store_dispatch *d,
                   struct cg_err *err)
{
  cJSON *data = cg_json_parse(d->payload, strlen(d->payload), NULL);
  if (data == NULL)
    return cg__dispatch_hold(f, d, CG_DISPATCH_INVALID, "payload unreadable",
                             err);
  d->step = CG_STORE_DISPATCH_RECEIVED;
  bool held = false;
  int rc = cg_store_dispatch_update(f->store, d, err);
  if (rc == 0)
    rc = check_and_queue(f, d, data, &held, err);
  cJSON_Delete(data);
  return rc;
}

bool cg_dispatch_owns(const char *entity_kind)
{
  return strcmp(entity_kind, CG_DISPATCH_ENTITY) == 0 ||
         strcmp(entity_kind, CG_DISPATCH_REMAINDER_ENTITY) == 0 ||
         strcmp(entity_kind, CG_DISPATCH_CAPTURE_ENTITY) == 0;
}

int cg_dispatch_retry(struct cg_flow *f, const struct cg_store_exception *x,
                      struct cg_err *err)
{
  if (strcmp(x->entity_kind, CG_DISPATCH_REMAINDER_ENTITY) == 0)
    return cg__dispatch_remainder_retry(f, x, err);
  if (strcmp(x->entity_kind, CG_DISPATCH_CAPTURE_ENTITY) == 0)
    return cg__dispatch_capture_retry(f, x, err);
  struct cg_store_dispatch d = {0};
  int rc = cg_store_exception_resolve(f->store, x->id, "operator",
                                      "retry requested", err);
  if (rc == 0)
    rc = cg_store_dispatch_get(f->store, x->entity_key, &d, err);
  bool held = rc == 0 && d.step == CG_STORE_DISPATCH_HELD;
  bool invalid =
      held && d.hold_reason && strcmp(d.hold_reason, CG_DISPATCH_INVALID) == 0;
  cg_free(d.hold_reason);
  d.hold_reason = NULL;
  if (invalid) {
    rc = recheck(f, &d, err);
  } else if (held) { /* Find tells again how far Centra got */
    d.step =
        d.centra_id ? CG_STORE_DISPATCH_CREATED : CG_STORE_DISPATCH_RECEIVED;
    rc = cg_store_dispatch_update(f->store, &d, err);
    if (rc == 0)
      rc = cg__dispatch_enqueue(f, d.shipment_id, d.order_number, err);
  }
  if (rc == 0 && held)
    cg_log_info("dispatch", "[merchant=%s] consignment %s retried", f->merchant,
                x->entity_key);
  cg_store_dispatch_clear(&d);
  return rc == CG_ENOTFOUND ? 0 : rc;
}
