/*
 * dispatch_ship: the delivery of one consignment to Centra, the outbox
 * kind "centra.dispatch.ship" (docs/internals/dispatch.md "Resumable step
 * machine"). One delivery is a chain of calls, each started only after
 * the answer before it is committed:
 *
 *   Find: the order's shipments; ours carries the stamp gxo:<shipmentId>
 *     shipped          -> done (no second complete, no second e-mail)
 *     open             -> adopt its id, go on at tag
 *     none             -> go on at create
 *   dispatch.lua (rule host): carrier and service names, e-mail or not
 *   createShipment (with the stamp)  -> commit created + Centra id
 *   updateShipment externalId        -> commit tagged
 *   completeShipment                 -> the outbox records it: finish
 *
 * A crash, a lost answer or a RETRY anywhere starts the next delivery at
 * Find again, so a create is never sent twice for one consignment.
 */
#include "flows/dispatch.h"
#include "flows/dispatch_int.h"

#include "base/err.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"
#include "centra/centra.h"
#include "flows/exceptions.h"
#include "flows/flow.h"
#include "flows/stock.h"
#include "rules/host.h"
#include "store/store.h"
#include "store/store_dispatch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_LEN 64    /* carrier and service names from the pack */
#define RULES_WAIT_MS 1000 /* the rule host is busy or restarting */
#define ORDER_WAIT_MS 300  /* another delivery of the order is under way */
#define HOOK "dispatch.shipment"
/* A create whose answer was lost (a crash, a timeout, a 5xx) may still be
 * running at Centra: no Find before this long after it was sent (twice
 * the Centra client's default timeout), so that the Find sees the
 * shipment instead of racing it into a second one. */
#define CREATE_SETTLE_MS 40000

struct ship {
  struct cg_flow *f;
  cg_call_done_fn done;
  void *arg;
  struct cg_store_dispatch d;
  struct cg_store_count_list lines; /* line_ref -> quantity */
  cJSON *data;                      /* the warehouse payload */
  cJSON *order;                     /* the stored Centra order */
  char order_hash[80];              /* Centra's order id */
  char carrier[NAME_MAX_LEN + 1];
  char service[NAME_MAX_LEN + 1];
  bool notify;
  bool capture;     /* ask Centra to capture at create (dispatch.lua) */
  bool checked;     /* Find answered this attempt, or an earlier one did */
  bool progressed;  /* this attempt committed a step */
  bool holds_order; /* cg__dispatch_order_take succeeded */
};

static void ship_free(struct ship *sh)
{
  if (sh->holds_order)
    cg__dispatch_order_drop(sh->f, sh->d.order_number);
  cg_store_dispatch_clear(&sh->d);
  cg_store_count_list_clear(&sh->lines);
  cJSON_Delete(sh->data);
  cJSON_Delete(sh->order);
  cg_free(sh);
}

/* An attempt that sent nothing more after Find answered leaves Centra as
 * the row says: the next attempt in this process skips Find. Otherwise a
 * request budget that refuses the write would be spent on Finds for
 * ever (each Find costs a request, and the write waits for the next).
 * Anything sent and not answered, or a restart, asks Centra again. */
static void note_attempt(struct ship *sh, const struct cg_call_result *res)
{
  struct cg_map *m = &sh->f->dispatch_checked;
  bool keep = sh->checked && res->outcome == CG_OUTCOME_RETRY &&
              !cg_call_result_sent(res);
  if (!keep || cg_map_put_str(m, sh->d.shipment_id, sh->f) != 0)
    cg_map_del_str(m, sh->d.shipment_id);
}

/* Ends the delivery with res (its data goes to the outbox). */
static void end(struct ship *sh, struct cg_call_result *res)
{
  res->progressed = sh->progressed;
  note_attempt(sh, res);
  cg_call_done_fn done = sh->done;
  void *arg = sh->arg;
  ship_free(sh);
  done(res, arg);
}

/* Ends the delivery with an outcome of ours. */
static void end_with(struct ship *sh, enum cg_outcome outcome, const char *code,
                     int64_t retry_at, const char *msg)
{
  struct cg_call_result res;
  cg_call_result_init(&res);
  cg_call_result_set(&res, outcome, code, "%s", msg);
  res.retry_at_ms = retry_at;
  res.progressed = sh->progressed;
  note_attempt(sh, &res);
  cg_call_result_deliver(&res, sh->done, sh->arg);
  sh->done = NULL;
  ship_free(sh);
}

/* Commits the row as sh->d holds it (its own transaction, before the
 * next call); before a create, with the capture it asks (one commit). */
static int save(struct ship *sh, bool with_capture)
{
  struct cg_err err = {0};
  struct cg_store *st = sh->f->store;
  int rc = cg_store_savepoint(st, &err);
  if (rc == 0) {
    rc = cg_store_dispatch_update(st, &sh->d, &err);
    if (rc == 0 && with_capture)
      rc = cg__dispatch_capture_record(sh->f, sh->d.shipment_id, sh->capture);
    int end_rc = cg_store_savepoint_end(st, rc == 0, rc == 0 ? &err : NULL);
    rc = rc ? rc : end_rc;
  }
  if (rc != 0)
    cg_log_error("dispatch", "[merchant=%s] consignment %s at step %s: %s",
                 sh->f->merchant, sh->d.shipment_id,
                 cg_store_dispatch_step_name(sh->d.step), err.msg);
  return rc;
}

/* Commits the step reached: the attempt made progress, and a shipment id
 * known ends any doubt about an earlier create. */
static int commit_step(struct ship *sh, enum cg_store_dispatch_step step)
{
  sh->d.step = step;
  sh->d.create_sent_at = 0;
  int rc = save(sh, false);
  sh->progressed = sh->progressed || rc == 0;
  return rc;
}

/* --- the calls, last first ---------------------------------------------*/

static void on_completed(struct cg_call_result *res, void *arg)
{
  end(arg, res); /* the outbox records it; finish() applies it */
}

static const char *first_tracking(const cJSON *data)
{
  const char *t = cg_json_str(
      cJSON_GetArrayItem(cg_json_get(data, "parcels"), 0), "trackingNumber");
  return t ? t : "";
}

static void complete(struct ship *sh)
{
  int parcels = cJSON_GetArraySize(cg_json_get(sh->data, "parcels"));
  const char *at = cg_json_str(sh->data, "shippedAt");
  struct cg_centra_completion how = {.shipped_at = at ? at : "now",
                                     .send_email = sh->notify,
                                     .carrier = sh->carrier,
                                     .service = sh->service,
                                     .tracking = first_tracking(sh->data),
                                     .packages = parcels > 0 ? parcels : 1};
  if (cg_centra_complete_shipment(sh->f->centra, sh->d.centra_id, &how,
                                  on_completed, sh) != 0)
    end_with(sh, CG_OUTCOME_RETRY, "local", 0, "complete not started");
}

/* The tag (externalId) is for people and other integrations; Find goes
 * by the stamp. A tag Centra refuses is noted in the timeline and the
 * shipment completed without it, not held: the parcel has left and the
 * customer's e-mail matters more. */
static void note_tag_refused(struct ship *sh, const struct cg_call_result *res)
{
  char detail[CG_CALL_MESSAGE_MAX + 160];
  snprintf(detail, sizeof(detail),
           "%s: Centra refused externalId on shipment %lld (%s: %s); "
           "completing it without",
           sh->d.shipment_id, (long long)sh->d.centra_id, res->code,
           res->message);
  cg_log_warn("dispatch", "[merchant=%s] %s", sh->f->merchant, detail);
  cg_store_audit_append(sh->f->store, "order", sh->d.order_number,
                        "tag refused", detail, NULL, NULL);
}

static void on_tagged(struct cg_call_result *res, void *arg)
{
  struct ship *sh = arg;
  if (res->outcome == CG_OUTCOME_FAIL)
    note_tag_refused(sh, res);
  if (res->outcome == CG_OUTCOME_RETRY)
    end(sh, res);
  else if (commit_step(sh, CG_STORE_DISPATCH_TAGGED) != 0)
    end_with(sh, CG_OUTCOME_RETRY, "store", 0, "tag not recorded");
  else
    complete(sh);
}

static void tag(struct ship *sh)
{
  if (cg_centra_tag_shipment(sh->f->centra, sh->d.centra_id, sh->d.shipment_id,
                             on_tagged, sh) != 0)
    end_with(sh, CG_OUTCOME_RETRY, "local", 0, "tag not started");
}

/* A create that failed: a timeout or a 5xx may have made the shipment
 * (the next Find waits for it to settle); an answer (a 429, a refusal)
 * or a request never sent made nothing, and the doubt is cleared. */
static void create_failed(struct ship *sh, struct cg_call_result *res)
{
  bool unknown = cg_call_result_sent(res) &&
                 (res->http_status == 0 || res->http_status >= 500);
  int64_t settle = sh->d.create_sent_at + CREATE_SETTLE_MS;
  if (unknown && res->retry_at_ms < settle)
    res->retry_at_ms = settle;
  if (!unknown) {
    sh->d.create_sent_at = 0;
    save(sh, false); /* if it fails, the next attempt only waits longer */
  }
  end(sh, res);
}

static void on_created(struct cg_call_result *res, void *arg)
{
  struct ship *sh = arg;
  int64_t id = 0;
  if (res->outcome != CG_OUTCOME_OK) {
    create_failed(sh, res);
    return;
  }
  if (cg_json_get_int(res->data, "id", &id) != 0 || id <= 0) {
    end_with(sh, CG_OUTCOME_FAIL, "no-shipment-id", 0,
             "createShipment answered without a shipment id");
    return;
  }
  sh->d.centra_id = id;
  sh->d.captured = cg_json_bool(res->data, "isCaptured", false);
  if (sh->capture && !sh->d.captured)
    cg__dispatch_capture_note(sh->f, sh->d.shipment_id, res->message);
  if (commit_step(sh, CG_STORE_DISPATCH_CREATED) != 0)
    end_with(sh, CG_OUTCOME_RETRY, "store", 0, "create not recorded");
  else
    tag(sh);
}

static cJSON *line_input(const struct cg_store_count *c)
{
  cJSON *l = cJSON_CreateObject();
  cJSON *ol = l ? cJSON_AddObjectToObject(l, "orderLine") : NULL;
  if (ol == NULL || !cg_json_add_int(ol, "id", strtoll(c->name, NULL, 10)) ||
      !cg_json_add_int(l, "quantity", c->count)) {
    cJSON_Delete(l);
    return NULL;
  }
  return l;
}

/* [{orderLine: {id}, quantity}] of the consignment's lines. */
static cJSON *lines_input(const struct ship *sh)
{
  cJSON *arr = cJSON_CreateArray();
  for (size_t i = 0; arr != NULL && i < sh->lines.n; i++) {
    cJSON *l = line_input(&sh->lines.items[i]);
    if (l == NULL) {
      cJSON_Delete(arr);
      return NULL;
    }
    cJSON_AddItemToArray(arr, l);
  }
  return arr;
}

/* The time of the create and the capture it asks are committed before it
 * is sent: after a crash the next attempt knows a create may be running
 * (settling()). */
static void create(struct ship *sh)
{
  sh->d.create_sent_at = cg_time_now_ms();
  if (save(sh, true) != 0) {
    end_with(sh, CG_OUTCOME_RETRY, "store", 0, "create not recorded");
    return;
  }
  cJSON *lines = lines_input(sh);
  int rc = lines ? cg_centra_create_shipment(
                       sh->f->centra, strtoll(sh->d.order_number, NULL, 10),
                       lines, sh->d.stamp, sh->capture, on_created, sh)
                 : CG_ENOMEM;
  cJSON_Delete(lines);
  if (rc != 0)
    end_with(sh, CG_OUTCOME_RETRY, "local", 0, "create not started");
}

/* After the names are known: the first step Centra has not seen. */
static void resume(struct ship *sh)
{
  if (sh->d.centra_id == 0)
    create(sh);
  else if (sh->d.step != CG_STORE_DISPATCH_TAGGED)
    tag(sh);
  else
    complete(sh);
}

/* --- dispatch.lua --------------------------------------------------------*/

static const char *or_none(const char *s)
{
  return s ? s : "(none)";
}

static void on_rules(int rc, cJSON *reply, const struct cg_err *err, void *arg)
{
  struct ship *sh = arg;
  char msg[CG_ERR_MSG_MAX + 64];
  const char *carrier = rc == 0 ? cg_json_str(reply, "carrier") : NULL;
  const char *service = rc == 0 ? cg_json_str(reply, "service") : NULL;
  sh->notify = rc == 0 && cg_json_bool(reply, "notify", true);
  sh->capture = rc != 0 || cg_json_bool(reply, "capture", true);
  snprintf(sh->carrier, sizeof(sh->carrier), "%s", carrier ? carrier : "");
  snprintf(sh->service, sizeof(sh->service), "%s", service ? service : "");
  cJSON_Delete(reply);
  snprintf(msg, sizeof(msg), HOOK ": %s", err ? err->msg : "");
  if (rc == CG_ERULE || rc == CG_ELIMIT || rc == CG_EINVAL) /* not passing */
    end_with(sh, CG_OUTCOME_FAIL, "rule-error", 0, msg);
  else if (rc != 0)
    end_with(sh, CG_OUTCOME_RETRY, "local", cg_time_now_ms() + RULES_WAIT_MS,
             msg);
  else if (sh->carrier[0] == '\0') {
    snprintf(msg, sizeof(msg),
             HOOK " names no Centra carrier for carrierCode %s, "
                  "serviceCode %s",
             or_none(cg_json_str(sh->data, "carrier.carrierCode")),
             or_none(cg_json_str(sh->data, "carrier.serviceCode")));
    end_with(sh, CG_OUTCOME_FAIL, "unmapped-carrier", 0, msg);
  } else
    resume(sh);
}

/* [order, shipment + {first, last}] for dispatch.shipment. */
static cJSON *hook_args(const struct ship *sh, bool first, bool last)
{
  cJSON *args = cJSON_CreateArray();
  cJSON *shipment = cJSON_Duplicate(sh->data, true);
  if (shipment != NULL) {
    cJSON_AddBoolToObject(shipment, "first", first);
    cJSON_AddBoolToObject(shipment, "last", last);
  }
  if (args != NULL) {
    cJSON_AddItemToArray(args, cJSON_Duplicate(sh->order, true));
    cJSON_AddItemToArray(args, shipment);
    shipment = NULL;
  }
  cJSON_Delete(shipment);
  if (cJSON_GetArraySize(args) != 2) {
    cJSON_Delete(args);
    return NULL;
  }
  return args;
}

static void ask_rules(struct ship *sh)
{
  struct cg_err err = {0};
  bool last = false, first = false;
  int rc =
      cg__dispatch_order_covered(sh->f, sh->d.order_number, sh->d.shipment_id,
                                 &sh->lines, &last, &first, &err);
  cJSON *args = rc == 0 ? hook_args(sh, first, last) : NULL;
  if (rc == 0 && args == NULL)
    rc = cg_err_set(&err, CG_ENOMEM, "out of memory");
  if (rc == 0)
    rc = sh->f->rulehost
             ? cg_rulehost_call(sh->f->rulehost, HOOK, args, on_rules, sh)
             : cg_err_set(&err, CG_ECANCELED, "no rule host");
  cJSON_Delete(args);
  if (rc != 0)
    end_with(sh, CG_OUTCOME_RETRY, "local", cg_time_now_ms() + RULES_WAIT_MS,
             err.msg[0] ? err.msg : "rule host busy");
}

/* --- Find ----------------------------------------------------------------*/

/* Ours among the order's shipments: the one with our stamp, or the one
 * whose id we committed (a Direct to Shipment one we adopted). */
static const cJSON *ours(const cJSON *list, const struct cg_store_dispatch *d)
{
  const cJSON *s;
  cJSON_ArrayForEach(s, list)
  {
    const char *m = cg_json_str(s, "additionalMessage");
    if ((m != NULL && strcmp(m, d->stamp) == 0) ||
        (d->centra_id != 0 && cg_json_int(s, "id", 0) == d->centra_id))
      return s;
  }
  return NULL;
}

/* Centra shows ours shipped: the complete was done; record it only. */
static void seen_shipped(struct ship *sh, struct cg_call_result *res,
                         const cJSON *s)
{
  cJSON *copy = cJSON_Duplicate(s, true);
  cg_call_result_clear_data(res);
  res->data = copy;
  cg_call_result_set(res, CG_OUTCOME_OK, "adopted",
                     "already completed in Centra: recorded, not sent again");
  end(sh, res);
}

/* Takes shipment s as ours (its id committed before any write to it). */
static void adopt(struct ship *sh, const cJSON *s)
{
  sh->d.centra_id = cg_json_int(s, "id", 0);
  sh->d.captured = cg_json_bool(s, "isCaptured", false);
  if (commit_step(sh, CG_STORE_DISPATCH_CREATED) != 0)
    end_with(sh, CG_OUTCOME_RETRY, "store", 0, "adoption not recorded");
  else
    ask_rules(sh);
}

/* Direct to Shipment: Centra's own open shipment of the order (no stamp). */
static const cJSON *good_to_go(const cJSON *list)
{
  const cJSON *s;
  cJSON_ArrayForEach(s, list)
  {
    const char *m = cg_json_str(s, "additionalMessage");
    if (!cg_json_bool(s, "isShipped", true) && (m == NULL || m[0] == '\0'))
      return s;
  }
  return NULL;
}

/* Whether shipment s holds exactly the consignment's lines. */
static bool same_lines(const cJSON *s, const struct cg_store_count_list *lines)
{
  const cJSON *l;
  int64_t in_shipment = 0, in_consignment = 0;
  cJSON_ArrayForEach(l, cg_json_get(s, "lines"))
  {
    in_shipment += cg_json_int(l, "quantity", 0);
  }
  for (size_t i = 0; i < lines->n; i++) {
    int64_t id = strtoll(lines->items[i].name, NULL, 10), q = 0;
    cJSON_ArrayForEach(l, cg_json_get(s, "lines"))
    {
      q += cg_json_int(l, "orderLine.id", -1) == id
               ? cg_json_int(l, "quantity", 0)
               : 0;
    }
    if (q != lines->items[i].count)
      return false;
    in_consignment += q;
  }
  return in_shipment == in_consignment;
}

static void direct(struct ship *sh, const cJSON *g)
{
  char msg[300];
  if (same_lines(g, &sh->lines)) {
    adopt(sh, g);
    return;
  }
  snprintf(msg, sizeof(msg),
           "Centra's shipment %lld holds order %s's lines as Direct to "
           "Shipment made it, this consignment only part of them; Centra "
           "cannot shrink it and a second one would double the order",
           (long long)cg_json_int(g, "id", 0), sh->d.order_number);
  end_with(sh, CG_OUTCOME_FAIL, "split-direct-to-shipment", 0, msg);
}

static void not_found(struct ship *sh, const cJSON *list)
{
  char msg[300];
  int seen = cJSON_GetArraySize(list);
  const cJSON *g = sh->f->settings.direct_to_shipment ? good_to_go(list) : NULL;
  if (sh->d.centra_id != 0) {
    snprintf(msg, sizeof(msg),
             "Centra shipment %lld of this consignment is not among order "
             "%s's shipments; not creating another",
             (long long)sh->d.centra_id, sh->d.order_number);
    end_with(sh, CG_OUTCOME_FAIL, "shipment-missing", 0, msg);
  } else if (seen >= CG_CENTRA_ORDER_SHIPMENTS_MAX) {
    snprintf(msg, sizeof(msg),
             "order %s has %d or more shipments in Centra: cannot tell "
             "whether this consignment's is among them",
             sh->d.order_number, seen);
    end_with(sh, CG_OUTCOME_FAIL, "too-many-shipments", 0, msg);
  } else if (g != NULL) {
    direct(sh, g);
  } else {
    ask_rules(sh);
  }
}

static void on_found(struct cg_call_result *res, void *arg)
{
  struct ship *sh = arg;
  if (res->outcome != CG_OUTCOME_OK) {
    end(sh, res);
    return;
  }
  if (!cJSON_IsArray(res->data)) { /* never create blind */
    end_with(sh, CG_OUTCOME_FAIL, "unreadable", 0,
             "the order's shipments came back unreadable");
    return;
  }
  const cJSON *s = ours(res->data, &sh->d);
  sh->checked = true;
  if (s != NULL && cg_json_int(s, "id", 0) <= 0) /* ours, but no id */
    end_with(sh, CG_OUTCOME_FAIL, "unreadable", 0,
             "our shipment came back without an id");
  else if (s == NULL)
    not_found(sh, res->data);
  else if (cg_json_bool(s, "isShipped", false))
    seen_shipped(sh, res, s);
  else if (cg_json_int(s, "id", 0) != sh->d.centra_id)
    adopt(sh, s); /* created, answer lost */
  else
    ask_rules(sh);
}

/* --- the outbox kind -----------------------------------------------------*/

static cJSON *parse(const char *text)
{
  return text ? cg_json_parse(text, strlen(text), NULL) : NULL;
}

static int load(struct ship *sh, const char *id, struct cg_err *err)
{
  struct cg_store *st = sh->f->store;
  struct cg_store_order o = {0};
  int rc = cg_store_dispatch_get(st, id, &sh->d, err);
  if (rc == 0)
    rc = cg_store_dispatch_lines(st, id, &sh->lines, err);
  if (rc == 0)
    rc = cg_store_order_get(st, sh->d.order_number, &o, err);
  if (rc == 0 && (o.centra_id == NULL || sh->lines.n == 0))
    rc = cg_err_set(err, CG_EINVAL, "no Centra order id or no lines");
  if (rc == 0) {
    snprintf(sh->order_hash, sizeof(sh->order_hash), "%s", o.centra_id);
    sh->order = parse(o.payload);
    sh->data = parse(sh->d.payload);
  }
  if (rc == 0 && (sh->order == NULL || sh->data == NULL))
    rc = cg_err_set(err, CG_EINVAL, "stored payload unreadable");
  cg_store_order_clear(&o);
  return rc;
}

/* A create whose outcome is unknown may still be running at Centra: no
 * Find until it must have finished; the row waits without counting an
 * attempt. */
static bool settling(struct ship *sh)
{
  int64_t until = sh->d.create_sent_at + CREATE_SETTLE_MS;
  if (sh->d.centra_id != 0 || sh->d.create_sent_at == 0 ||
      cg_time_now_ms() >= until)
    return false;
  end_with(sh, CG_OUTCOME_RETRY, "local", until,
           "a create whose answer was lost may still be running in Centra");
  return true;
}

/* Another consignment (or a remainder) of the order is being delivered:
 * this one waits for it, without counting an attempt. */
static bool order_busy(struct ship *sh)
{
  sh->holds_order = cg__dispatch_order_take(sh->f, sh->d.order_number);
  if (sh->holds_order)
    return false;
  end_with(sh, CG_OUTCOME_RETRY, "local", cg_time_now_ms() + ORDER_WAIT_MS,
           "another delivery of this order is under way");
  return true;
}

static int start_ship(struct cg_flow *f, const struct cg_store_outbox_row *row,
                      cg_call_done_fn done, void *arg)
{
  struct cg_err err = {0};
  struct ship *sh = cg_calloc(1, sizeof(*sh));
  if (sh == NULL)
    return CG_ENOMEM;
  *sh = (struct ship){.f = f, .done = done, .arg = arg, .notify = true};
  int rc = load(sh, row->entity_key, &err);
  if (rc != 0 && rc != CG_ENOMEM && sh->d.shipment_id != NULL) {
    /* the consignment's stored data cannot be used: held, not retried */
    end_with(sh, CG_OUTCOME_FAIL, "unreadable", 0, err.msg);
    return 0;
  }
  if (rc == 0 && (settling(sh) || order_busy(sh)))
    return 0;
  sh->checked = rc == 0 &&
                cg_map_get_str(&f->dispatch_checked, sh->d.shipment_id) != NULL;
  if (sh->checked)
    ask_rules(sh); /* then resume() at the step the row names */
  else if (rc == 0)
    rc =
        cg_centra_find_order_shipments(f->centra, sh->order_hash, on_found, sh);
  if (rc != 0) {
    cg_log_error("dispatch", "[merchant=%s] consignment %s not started: %s",
                 f->merchant, row->entity_key, err.msg);
    ship_free(sh);
  }
  return rc;
}

/* The timeline: the shipment, then each parcel's tracking. */
static int audit_shipped(struct cg_flow *f, const struct cg_store_dispatch *d,
                         const struct cg_call_result *res, struct cg_err *err)
{
  struct cg_store_dispatch_parcel_list parcels = {0};
  char detail[700];
  int rc = cg_store_dispatch_parcels(f->store, d->shipment_id, &parcels, err);
  snprintf(detail, sizeof(detail),
           "%s: Centra shipment %lld completed, %zu parcels%s%s%s",
           d->shipment_id, (long long)d->centra_id, parcels.n,
           d->captured ? ", captured" : "", res->message[0] ? "; " : "",
           res->message);
  if (rc == 0)
    rc = cg_store_audit_append(f->store, "order", d->order_number,
                               "consignment shipped", detail,
                               f->rules_label[0] ? f->rules_label : NULL, err);
  for (size_t i = 0; rc == 0 && i < parcels.n; i++) {
    const struct cg_store_dispatch_parcel *p = &parcels.items[i];
    snprintf(detail, sizeof(detail), "%s parcel %s: tracking %s %s",
             d->shipment_id, p->parcel_id ? p->parcel_id : "?",
             p->tracking_number ? p->tracking_number : "(none)",
             p->tracking_url ? p->tracking_url : "");
    rc = cg_store_audit_append(f->store, "order", d->order_number, "parcel",
                               detail, NULL, err);
  }
  cg_store_dispatch_parcel_list_clear(&parcels);
  return rc;
}

static int shipped(struct cg_flow *f, struct cg_store_dispatch *d,
                   const struct cg_call_result *res, struct cg_err *err)
{
  int64_t id = 0;
  if (d->step == CG_STORE_DISPATCH_COMPLETED)
    return 0;
  if (cg_json_get_int(res->data, "id", &id) == 0 && id > 0)
    d->centra_id = id;
  d->captured = cg_json_bool(res->data, "isCaptured", d->captured);
  d->step = CG_STORE_DISPATCH_COMPLETED;
  d->create_sent_at = 0;
  cg_free(d->hold_reason);
  d->hold_reason = NULL;
  int rc = cg_store_dispatch_update(f->store, d, err);
  if (rc == 0) /* Centra took the units out itself: they leave D */
    rc = cg_stock_dispatch_completed(f, d->shipment_id, err);
  if (rc == 0)
    rc = audit_shipped(f, d, res, err);
  if (rc == 0)
    rc = cg_flow_resolve(f, CG_DISPATCH_ENTITY, d->shipment_id, "shipped", err);
  if (rc == 0)
    rc = cg__dispatch_capture_check(f, d, res, err);
  if (rc == 0)
    f->metrics.consignments_shipped++;
  return rc ? rc : cg__dispatch_settle_order(f, d->order_number, err);
}

static const char *hold_type(const char *code)
{
  if (strcmp(code, "unmapped-carrier") == 0)
    return "UNMAPPED_CARRIER";
  if (strcmp(code, "rule-error") == 0)
    return "RULE_ERROR";
  if (strcmp(code, "split-direct-to-shipment") == 0)
    return "SPLIT_DIRECT_TO_SHIPMENT";
  return "SYNC_FAILURE";
}

static int held(struct cg_flow *f, struct cg_store_dispatch *d,
                const struct cg_call_result *res, struct cg_err *err)
{
  char why[CG_CALL_MESSAGE_MAX + CG_CALL_CODE_MAX + 16];
  const char *type = hold_type(res->code);
  if (strcmp(type, "SYNC_FAILURE") == 0)
    snprintf(why, sizeof(why), "Centra: %s: %s", res->code, res->message);
  else
    snprintf(why, sizeof(why), "%s", res->message);
  return cg__dispatch_hold(f, d, type, why, err);
}

static int finish_ship(struct cg_flow *f, const struct cg_store_outbox_row *row,
                       const struct cg_call_result *res)
{
  struct cg_err err = {0};
  struct cg_store_dispatch d = {0};
  if (res->outcome == CG_OUTCOME_RETRY)
    return 0;
  int rc = cg_store_dispatch_get(f->store, row->entity_key, &d, &err);
  if (rc == 0 && res->outcome == CG_OUTCOME_OK)
    rc = shipped(f, &d, res, &err);
  else if (rc == 0)
    rc = held(f, &d, res, &err);
  if (rc != 0)
    cg_log_error("dispatch", "[merchant=%s] consignment %s: %s", f->merchant,
                 row->entity_key, err.msg);
  cg_store_dispatch_clear(&d);
  return rc;
}

const struct cg_outbox_kind cg_dispatch_outbox_kind = {CG_DISPATCH_KIND,
                                                       start_ship, finish_ship};

/* --- the hook's result ---------------------------------------------------*/

static int check_name(const cJSON *obj, const char *key, char *why, size_t size)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  if (v == NULL || cJSON_IsNull(v))
    return 0;
  if (!cJSON_IsString(v) || strlen(v->valuestring) > NAME_MAX_LEN) {
    snprintf(why, size, "%s must be a string of at most %d bytes", key,
             NAME_MAX_LEN);
    return -1;
  }
  return 0;
}

int cg_dispatch_check_shipment(cJSON **out, char *why, size_t size)
{
  const cJSON *notify = cJSON_GetObjectItemCaseSensitive(*out, "notify");
  if (!cJSON_IsObject(*out)) {
    snprintf(why, size, "expected {carrier=..., service=..., notify=...}");
    return -1;
  }
  if (notify != NULL && !cJSON_IsBool(notify) && !cJSON_IsNull(notify)) {
    snprintf(why, size, "notify must be true or false");
    return -1;
  }
  if (check_name(*out, "carrier", why, size) != 0 ||
      cg__dispatch_check_capture(*out, why, size) != 0)
    return -1;
  return check_name(*out, "service", why, size);
}
