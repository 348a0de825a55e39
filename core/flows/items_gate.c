/*
 * items_gate: orders held for SKUs the warehouse's item master has not
 * accepted, and released by its answer (docs/internals/items.md "Gating
 * orders"); item.rejected events; the operator retries of the items
 * flow's exceptions. Everything here runs inside the caller's
 * transaction and writes only through the store; a release is a retry
 * request on the order's UNKNOWN_SKU, processed after the commit by
 * cg_orders_process_retry_requests (the merchant's 1 s sweep).
 */
#include "flows/items.h"
#include "flows/items_int.h"

#include "base/err.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"
#include "flows/exceptions.h"
#include "flows/flow.h"
#include "flows/skus.h"
#include "store/store.h"
#include "store/store_items.h"

#include <stdio.h>
#include <string.h>

#define UNKNOWN_SKU "UNKNOWN_SKU"
#define ITEM_REJECTED "ITEM_REJECTED"
#define WAITERS_MAX 100000

/* ---- shared --------------------------------------------------------------*/

/* Whether order number is (still) held as UNKNOWN_SKU. */
static int held_for_items(struct cg_flow *f, const char *number, bool *held,
                          struct cg_err *err)
{
  struct cg_store_order o = {0};
  int rc = cg_store_order_get(f->store, number, &o, err);
  *held = rc == 0 && o.state == CG_STORE_ORDER_HELD && o.hold_reason &&
          strcmp(o.hold_reason, UNKNOWN_SKU) == 0;
  cg_store_order_clear(&o);
  return rc == CG_ENOTFOUND ? 0 : rc;
}

/* Order number (held as UNKNOWN_SKU) no longer waits on any SKU: its
 * UNKNOWN_SKU is marked for a retry, the release, noted with detail (the
 * retry path reads that note back, orders_events.c retry_by). */
static int request_release(struct cg_flow *f, const char *number,
                           const char *detail, struct cg_err *err)
{
  bool held = false;
  int64_t xid = 0;
  int rc = held_for_items(f, number, &held, err);
  if (rc == 0 && held)
    rc = cg_store_exception_open_id(f->store, UNKNOWN_SKU, "order", number,
                                    &xid, err);
  if (rc == 0 && xid > 0)
    rc = cg_store_exception_request_retry(f->store, xid, err);
  if (rc == 0 && xid > 0)
    rc = cg_store_audit_append(f->store, "order", number, "released", detail,
                               NULL, err);
  if (rc == 0 && xid > 0)
    f->metrics.items_released++;
  return rc;
}

/* Raises order number's UNKNOWN_SKU again naming sku's ITEM_REJECTED xid
 * (why: the rejection in words): both open, linked. */
static int raise_linked(struct cg_flow *f, const char *sku, const char *number,
                        int64_t xid, const char *why, struct cg_err *err)
{
  char msg[900];
  snprintf(msg, sizeof(msg),
           "SKU %s is refused for the warehouse's item master (%s): see "
           "exception %lld (ITEM_REJECTED); the order is sent once the item "
           "is fixed and accepted",
           sku, why, (long long)xid);
  return cg_flow_raise(f, UNKNOWN_SKU, "order", number, msg, NULL, err);
}

/* ---- held ---------------------------------------------------------------*/

/* sku is rejected and order number now waits on it: its UNKNOWN_SKU
 * names the item's open ITEM_REJECTED (raised before the order came). */
static int link_rejected(struct cg_flow *f, const char *sku, const char *number,
                         struct cg_err *err)
{
  struct cg_store_item row = {0};
  char why[480];
  int64_t xid = 0;
  int rc = cg_store_exception_open_id(f->store, ITEM_REJECTED, CG_ITEMS_ENTITY,
                                      sku, &xid, err);
  if (rc == 0 && xid > 0)
    rc = cg_store_item_get(f->store, sku, &row, err);
  if (rc == 0 && xid > 0)
    rc = raise_linked(f, sku, number, xid,
                      cg_skus_reason_text(row.reason, why, sizeof(why)), err);
  cg_store_item_clear(&row);
  return rc;
}

/* Whether order number waits on sku: one not accepted does (*rejected:
 * it is rejected); when again (the warehouse refused SKUs the master
 * says it accepted), one with a built item does, and is sent again. */
static int must_wait(struct cg_flow *f, const char *sku, bool again, bool *wait,
                     bool *rejected, struct cg_err *err)
{
  enum cg_store_item_state st = CG_STORE_ITEM_NONE;
  struct cg_store_item row = {0};
  int rc = 0;
  *rejected = false;
  if (!again) {
    rc = cg_store_item_state(f->store, sku, &st, err);
    *wait = rc == 0 && st != CG_STORE_ITEM_ACCEPTED;
    *rejected = rc == 0 && st == CG_STORE_ITEM_REJECTED;
    return rc;
  }
  rc = cg_store_item_get(f->store, sku, &row, err);
  *wait = rc == 0 && row.doc != NULL;
  cg_store_item_clear(&row);
  if (*wait)
    rc = cg_store_item_resend(f->store, sku, cg_time_now_ms(), err);
  return rc == CG_ENOTFOUND ? 0 : rc;
}

/* Records the waits of order number on the SKUs of doc's lines, linking
 * its UNKNOWN_SKU to a rejected one's ITEM_REJECTED; *n gets how many. */
static int add_waits(struct cg_flow *f, const char *number, const cJSON *doc,
                     bool again, int *n, struct cg_err *err)
{
  const cJSON *line;
  cJSON_ArrayForEach(line, cg_json_get(doc, "lines"))
  {
    const char *sku = cg_json_str(line, "sku");
    bool wait = false, rejected = false;
    int rc = sku ? must_wait(f, sku, again, &wait, &rejected, err) : 0;
    if (rc == 0 && wait)
      rc = cg_store_item_wait_add(f->store, sku, number, cg_time_now_ms(), err);
    if (rc == 0 && rejected)
      rc = link_rejected(f, sku, number, err);
    if (rc != 0)
      return rc;
    *n += wait;
  }
  return 0;
}

/* Nothing to wait on: the gate's refusal raced the acceptance (released
 * now), or the warehouse lost SKUs the master says it accepted (those
 * with content are sent again and waited on). */
static int none_waited(struct cg_flow *f, const char *number, const cJSON *doc,
                       bool by_gate, int *n, struct cg_err *err)
{
  if (by_gate)
    return request_release(f, number,
                           "its items were accepted while it was held: the "
                           "order is sent again",
                           err);
  cg_log_warn("items",
              "[merchant=%s] the warehouse does not know SKUs of order %s "
              "the item master says it accepted: they are sent again",
              f->merchant, number);
  return add_waits(f, number, doc, true, n, err);
}

int cg_items_order_held(struct cg_flow *f, const char *order_number,
                        const char *payload, bool by_gate, struct cg_err *err)
{
  cJSON *doc = payload ? cJSON_Parse(payload) : NULL;
  int n = 0;
  int rc = doc ? add_waits(f, order_number, doc, false, &n, err)
               : cg_err_set(err, CG_EINVAL, "order %s: no warehouse order",
                            order_number);
  if (rc == 0 && n == 0)
    rc = none_waited(f, order_number, doc, by_gate, &n, err);
  cJSON_Delete(doc);
  if (rc == 0 && n > 0)
    cg_items_hint(f->items, "an order waits on items");
  return rc;
}
/* ---- settled ------------------------------------------------------------*/

/* sku is accepted: order number no longer waits on it; with no wait
 * left, it is released. */
static int release_one(struct cg_flow *f, const char *sku, const char *number,
                       struct cg_err *err)
{
  struct cg_store_count_list left = {0};
  char detail[200];
  int rc = cg_store_item_wait_remove(f->store, sku, number, err);
  if (rc == 0)
    rc = cg_store_item_waits_of(f->store, number, &left, err);
  snprintf(detail, sizeof(detail),
           "item %s accepted by the warehouse: the order is sent again", sku);
  if (rc == 0 && left.n == 0)
    rc = request_release(f, number, detail, err);
  cg_store_count_list_clear(&left);
  return rc;
}

/* sku was rejected (ITEM_REJECTED xid): order number's UNKNOWN_SKU is
 * raised again naming it; an order no longer held loses the wait. */
static int relink_one(struct cg_flow *f, const char *sku, const char *number,
                      int64_t xid, const char *why, struct cg_err *err)
{
  bool held = false;
  int rc = held_for_items(f, number, &held, err);
  if (rc != 0 || !held)
    return rc ? rc : cg_store_item_wait_remove(f->store, sku, number, err);
  return raise_linked(f, sku, number, xid, why, err);
}

/* Resolves the item's open ITEM_REJECTED (the warehouse took it now). */
static int close_rejected(struct cg_flow *f, const char *sku,
                          struct cg_err *err)
{
  int64_t xid = 0;
  int rc = cg_store_exception_open_id(f->store, ITEM_REJECTED, CG_ITEMS_ENTITY,
                                      sku, &xid, err);
  if (rc == 0 && xid > 0)
    rc = cg_store_exception_resolve(f->store, xid, "engine",
                                    "the warehouse accepted the item", err);
  return rc;
}

/* Whether the engine, not the warehouse, refused the item (reason
 * source "engine": it breaks the warehouse's limits, never sent). */
static bool by_engine(const char *reason_json)
{
  cJSON *r = reason_json ? cJSON_Parse(reason_json) : NULL;
  const char *src = cg_json_str(r, "source");
  bool engine = src != NULL && strcmp(src, "engine") == 0;
  cJSON_Delete(r);
  return engine;
}

static int raise_rejected(struct cg_flow *f, const char *sku, const char *why,
                          bool engine, int64_t *xid, struct cg_err *err)
{
  char msg[700];
  if (engine)
    snprintf(msg, sizeof(msg),
             "the engine did not send SKU %s to the warehouse: the item "
             "breaks its limits: %s",
             sku, why);
  else
    snprintf(msg, sizeof(msg), "the warehouse's item master refused SKU %s: %s",
             sku, why);
  int rc =
      cg_flow_raise(f, ITEM_REJECTED, CG_ITEMS_ENTITY, sku, msg, NULL, err);
  return rc ? rc
            : cg_store_exception_open_id(f->store, ITEM_REJECTED,
                                         CG_ITEMS_ENTITY, sku, xid, err);
}

int cg_items_settled(struct cg_flow *f, const char *sku, bool accepted,
                     const char *reason_json, struct cg_err *err)
{
  struct cg_store_count_list w = {0};
  char why[480];
  int64_t xid = 0;
  cg_skus_reason_text(reason_json, why, sizeof(why));
  int rc = accepted
               ? close_rejected(f, sku, err)
               : raise_rejected(f, sku, why, by_engine(reason_json), &xid, err);
  if (rc == 0)
    rc = cg_store_item_waiters(f->store, sku, WAITERS_MAX, &w, err);
  for (size_t i = 0; rc == 0 && i < w.n; i++)
    rc = accepted ? release_one(f, sku, w.items[i].name, err)
                  : relink_one(f, sku, w.items[i].name, xid, why, err);
  if (rc == 0 && w.n > 0)
    cg_log_info("items", "[merchant=%s] SKU %s %s: %zu order(s) waited on it",
                f->merchant, sku, accepted ? "accepted" : "rejected", w.n);
  cg_store_count_list_clear(&w);
  return rc;
}

/* ---- reasons -------------------------------------------------------------*/

cJSON *cg__items_reason(const char *code, const char *pointer,
                        const char *message, const char *source)
{
  const char *keys[] = {"code", "pointer", "message", "source"};
  const char *vals[] = {code, pointer, message, source};
  cJSON *r = cJSON_CreateObject();
  for (size_t i = 0; r != NULL && i < 4; i++)
    if (vals[i] != NULL && cg_json_add_str(r, keys[i], vals[i]) == NULL) {
      cJSON_Delete(r);
      r = NULL;
    }
  return r;
}

char *cg__items_reason_text(const char *code, const char *pointer,
                            const char *message, const char *source)
{
  cJSON *r = cg__items_reason(code, pointer, message, source);
  char *text = r ? cg_json_print(r) : NULL;
  cJSON_Delete(r);
  return text;
}

/* ---- item.rejected -------------------------------------------------------*/

/* The reason of the event's first problem, printed; NULL on ENOMEM. */
static char *event_reason(const cJSON *data)
{
  const cJSON *p = cJSON_GetArrayItem(cg_json_get(data, "problems"), 0);
  return cg__items_reason_text(cg_json_str(p, "code"),
                               cg_json_str(p, "pointer"),
                               cg_json_str(p, "message"), "warehouse");
}

/* Whether the event, which carries no content version, can be about
 * row: only the content the warehouse has seen (answered, in no batch),
 * or a row without content of its own. */
static bool seen_by_warehouse(const struct cg_store_item *row)
{
  return row->doc == NULL ||
         (row->batch == 0 && strcmp(row->hash, row->answered_hash) == 0);
}

/* Rejects sku's content the warehouse has seen; newer content (dirty,
 * or in a batch) is left alone, to be sent and answered (*applied
 * false). A SKU the master never saw gets a row without content. */
static int reject_current(struct cg_flow *f, const char *sku,
                          const char *reason, bool *applied, struct cg_err *err)
{
  struct cg_store_item row = {0};
  int rc = cg_store_item_get(f->store, sku, &row, err);
  bool seen = rc == CG_ENOTFOUND || (rc == 0 && seen_by_warehouse(&row));
  if (seen)
    rc = cg_store_item_answer(f->store, sku, rc == 0 ? row.hash : "", 0,
                              CG_STORE_ITEM_REJECTED, reason, cg_time_now_ms(),
                              applied, err);
  else if (rc == 0)
    cg_log_info("items",
                "[merchant=%s] item.rejected for SKU %s ignored: its "
                "content changed since the warehouse saw it (sent again)",
                f->merchant, sku);
  cg_store_item_clear(&row);
  return rc;
}

int cg_items_apply_event(struct cg_flow *f, const cJSON *env,
                         char outcome[CG_INBOX_OUTCOME_MAX], struct cg_err *err)
{
  const cJSON *data = cg_json_get(env, "data");
  const char *sku = cg_json_str(data, "sku");
  if (sku == NULL || *sku == '\0') {
    snprintf(outcome, CG_INBOX_OUTCOME_MAX,
             "invalid: item.rejected without sku");
    return 0;
  }
  char *reason = event_reason(data);
  bool applied = false;
  int rc = reason ? reject_current(f, sku, reason, &applied, err)
                  : cg_err_set(err, CG_ENOMEM, "out of memory");
  if (rc == 0 && applied)
    rc = cg_items_settled(f, sku, false, reason, err);
  if (rc == 0 && applied)
    f->metrics.items_rejected++;
  snprintf(outcome, CG_INBOX_OUTCOME_MAX, "%s item %s",
           applied ? "rejected" : "ignored: changed since, rejected", sku);
  cg_free(reason);
  return rc;
}

/* ---- operator retries ----------------------------------------------------*/

bool cg_items_owns(const char *entity_kind)
{
  return entity_kind != NULL && strcmp(entity_kind, CG_ITEMS_ENTITY) == 0;
}

int cg_items_retry(struct cg_flow *f, const struct cg_store_exception *x,
                   struct cg_err *err)
{
  bool item = strcmp(x->type, ITEM_REJECTED) == 0;
  int rc = cg_store_exception_resolve(
      f->store, x->id, "operator",
      item ? "retry requested: the item is sent again"
           : "retry requested: Centra's products are read again",
      err);
  if (rc == 0 && item)
    rc = cg_store_item_resend(f->store, x->entity_key, cg_time_now_ms(), err);
  if (rc == 0 || rc == CG_ENOTFOUND) {
    if (item) /* a row without content needs it read from Centra */
      cg_items_hint(f->items, "an operator retried a rejected item");
    else
      cg_items_sweep_soon(f->items, "an operator retried an items exception");
    cg_log_info("items", "[merchant=%s] %s %s retried", f->merchant, x->type,
                x->entity_key);
  }
  return rc == CG_ENOTFOUND ? 0 : rc;
}
