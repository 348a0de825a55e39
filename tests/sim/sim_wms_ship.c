/*
 * sim_wms_ship: what the warehouse does with an order, driven by the job
 * scheduler (auto-accept / auto-reject) or the control API:
 *
 *   RECEIVED -accept-> ACCEPTED -status-> RELEASED/PICKING/PACKED/ON_HOLD
 *            -reject-> REJECTED
 *   dispatch (whole, partial lines, explicit parcels) -> shipment.confirmed
 *            (shipmentId unique, parcels with tracking, lineTotals with
 *            shippedToDate, orderComplete) -> PARTIALLY_SHIPPED / SHIPPED
 *   split N -> N shipment.confirmed; close (remainder CP or IC)
 *            -> order.closed with an X12 368 code per line
 *
 * Stock: acceptance allocates (AVAILABLE -> ALLOCATED) what is there;
 * shipping takes from the allocation first; closing releases the rest.
 */
#include "sim_wms.h"

#include "base/err.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/time.h"

#include <stdio.h>
#include <string.h>

#define PARCELS_MAX 100
#define SPLIT_MAX 50

static bool is(const struct wms_order *o, const char *status)
{
  return strcmp(o->status, status) == 0;
}

static void set(struct wms_order *o, const char *status)
{
  snprintf(o->status, sizeof(o->status), "%s", status);
}

static bool finished(const struct wms_order *o)
{
  return is(o, "REJECTED") || is(o, "CANCELLED") || is(o, "CLOSED") ||
         is(o, "SHIPPED");
}

static int state_error(const struct wms_order *o, char *msg, size_t n)
{
  snprintf(msg, n, "order %s is %s", o->ref, o->status);
  return 409;
}

static void allocate(struct sim_wms *w, struct wms_order *o)
{
  for (size_t i = 0; i < o->nlines; i++) {
    struct wms_line *ln = &o->lines[i];
    struct wms_stock *st = sim_wms__stock_get(w, ln->sku);
    int64_t want = ln->ordered - ln->cancelled - ln->shipped - ln->allocated;
    int64_t have = st ? st->qty[WMS_AVAILABLE] : 0;
    int64_t q = want < have ? want : have;
    if (q <= 0)
      continue;
    sim_wms__stock_add(w, st, WMS_AVAILABLE, -q);
    sim_wms__stock_add(w, st, WMS_ALLOCATED, q);
    ln->allocated += q;
  }
}

static int64_t units_open(const struct wms_order *o)
{
  int64_t u = 0;
  for (size_t i = 0; i < o->nlines; i++)
    u += o->lines[i].ordered - o->lines[i].shipped - o->lines[i].cancelled;
  return u;
}

/* The demo's mix (autoDispatchMix), by acceptance index k: the first
 * order from the 4th on with two units or more is short-shipped (one unit
 * ships, the rest is closed CP); the next one from the 5th on is late
 * (autoDispatchLateMs); of the others, k % 3 == 1 is split in two
 * consignments, k % 3 == 2 one consignment in two parcels, else whole. */
static const char *mix_of(struct sim_wms *w, const struct wms_order *o, long k)
{
  if (!w->auto_dispatch_mix)
    return NULL;
  if (!w->mix_short_done && k >= 3 && units_open(o) >= 2) {
    w->mix_short_done = true;
    return "short";
  }
  if (!w->mix_late_done && k >= 4 && w->auto_dispatch_late_ms > 0) {
    w->mix_late_done = true;
    return "late";
  }
  return k % 3 == 1 ? "split" : k % 3 == 2 ? "parcels" : NULL;
}

static void schedule_dispatch(struct sim_wms *w, const struct wms_order *o)
{
  const char *mix = mix_of(w, o, w->auto_accepted++);
  bool late = mix != NULL && strcmp(mix, "late") == 0;
  sim_wms__jobs_schedule(w, o->ref, WMS_JOB_DISPATCH, mix, NULL,
                         late ? w->auto_dispatch_late_ms : w->auto_dispatch_ms);
}

int sim_wms__accept(struct sim_wms *w, struct wms_order *o, char *msg, size_t n)
{
  if (!is(o, "RECEIVED"))
    return state_error(o, msg, n);
  set(o, "ACCEPTED");
  allocate(w, o);
  if (w->auto_dispatch_ms > 0)
    schedule_dispatch(w, o);
  cJSON *data = cJSON_CreateObject();
  cg_json_add_str(data, "orderRef", o->ref);
  cg_json_add_str(data, "wmsOrderId", o->wms_id);
  sim_wms__publish(w, "order.accepted", o->ref, NULL, data);
  return 0;
}

int sim_wms__reject(struct sim_wms *w, struct wms_order *o, const char *code,
                    const char *message, const char *pointer, char *msg,
                    size_t n)
{
  if (!is(o, "RECEIVED"))
    return state_error(o, msg, n);
  set(o, "REJECTED");
  cJSON *data = cJSON_CreateObject();
  cg_json_add_str(data, "orderRef", o->ref);
  cJSON *probs = cJSON_AddArrayToObject(data, "problems");
  cJSON *p = cJSON_CreateObject();
  cg_json_add_str(p, "code", code ? code : "unknown-sku");
  cg_json_add_str(p, "pointer", pointer ? pointer : "");
  cg_json_add_str(p, "message", message ? message : "rejected by the site");
  cJSON_AddItemToArray(probs, p);
  sim_wms__publish(w, "order.rejected", o->ref, NULL, data);
  return 0;
}

int sim_wms__set_status(struct sim_wms *w, struct wms_order *o,
                        const char *status, const char *reason, char *msg,
                        size_t n)
{
  static const char *const ok[] = {"RELEASED", "PICKING", "PACKED", "ON_HOLD"};
  bool known = false;
  for (size_t i = 0; status && i < sizeof(ok) / sizeof(*ok); i++)
    known = known || strcmp(ok[i], status) == 0;
  if (!known) {
    snprintf(msg, n, "status must be RELEASED, PICKING, PACKED or ON_HOLD");
    return 422;
  }
  if (finished(o) || is(o, "REJECTED"))
    return state_error(o, msg, n);
  set(o, status);
  cJSON *data = cJSON_CreateObject();
  cg_json_add_str(data, "orderRef", o->ref);
  cg_json_add_str(data, "status", status);
  if (reason != NULL)
    cg_json_add_str(data, "reason", reason);
  sim_wms__publish(w, "order.status", o->ref, NULL, data);
  return 0;
}

/* --- shipments ------------------------------------------------------------ */

static int64_t open_qty(const struct wms_line *ln)
{
  return ln->ordered - ln->shipped - ln->cancelled;
}

/* Units per line for one shipment, indexed like o->lines. */
struct plan {
  int64_t *qty;        /* this shipment */
  cJSON *parcels;      /* [{lines:[{lineRef, quantity}], trackingNumber?}] */
  char shipped_at[40]; /* the body's shippedAt, normalised; "" = now */
};

static int parcel_lines_add(struct wms_order *o, const cJSON *lines,
                            int64_t *qty, char *msg, size_t n)
{
  const cJSON *l;
  if (!cJSON_IsArray(lines) || cJSON_GetArraySize(lines) == 0) {
    snprintf(msg, n, "each parcel needs a non-empty lines[]");
    return 422;
  }
  cJSON_ArrayForEach(l, lines)
  {
    const char *ref = cg_json_str(l, "lineRef");
    struct wms_line *ln = sim_wms__line_find(o, ref);
    int64_t q;
    if (ln == NULL || cg_json_get_int(l, "quantity", &q) != 0 || q < 1) {
      snprintf(msg, n, "unknown lineRef %s or quantity < 1",
               ref ? ref : "(none)");
      return 422;
    }
    qty[ln - o->lines] += q;
  }
  return 0;
}

static cJSON *one_parcel_of(const struct wms_order *o, const int64_t *qty)
{
  cJSON *parcels = cJSON_CreateArray(), *p = cJSON_CreateObject();
  cJSON *lines = cJSON_AddArrayToObject(p, "lines");
  for (size_t i = 0; i < o->nlines; i++) {
    if (qty[i] <= 0)
      continue;
    cJSON *l = cJSON_CreateObject();
    cg_json_add_str(l, "lineRef", o->lines[i].line_ref);
    cg_json_add_int(l, "quantity", qty[i]);
    cJSON_AddItemToArray(lines, l);
  }
  cJSON_AddItemToArray(parcels, p);
  return parcels;
}

/* Spreads one parcel's units over n parcels, unit by unit. */
static cJSON *spread(const struct wms_order *o, const int64_t *qty, int n)
{
  int64_t total = 0;
  for (size_t i = 0; i < o->nlines; i++)
    total += qty[i];
  if (n <= 1 || total <= 1)
    return one_parcel_of(o, qty);
  if (n > total)
    n = (int)total;
  cJSON *parcels = cJSON_CreateArray();
  for (int k = 0; k < n; k++) {
    cJSON *p = cJSON_CreateObject();
    cJSON_AddArrayToObject(p, "lines");
    cJSON_AddItemToArray(parcels, p);
  }
  int64_t unit = 0;
  for (size_t i = 0; i < o->nlines; i++) {
    for (int64_t u = 0; u < qty[i]; u++, unit++) {
      cJSON *lines = cJSON_GetObjectItem(
          cJSON_GetArrayItem(parcels, (int)(unit % n)), "lines");
      cJSON *last = cJSON_GetArrayItem(lines, cJSON_GetArraySize(lines) - 1);
      const char *lr = cg_json_str(last, "lineRef");
      if (lr && strcmp(lr, o->lines[i].line_ref) == 0) {
        cJSON *qi = cJSON_GetObjectItem(last, "quantity");
        cJSON_SetNumberValue(qi, qi->valuedouble + 1);
        continue;
      }
      cJSON *l = cJSON_CreateObject();
      cg_json_add_str(l, "lineRef", o->lines[i].line_ref);
      cg_json_add_int(l, "quantity", 1);
      cJSON_AddItemToArray(lines, l);
    }
  }
  return parcels;
}

/* The body's "shippedAt" (a test's simulated day) into pl, normalised
 * to the contract's UTC form; absent: the consignment ships now. */
static int shipped_at_read(const cJSON *body, struct plan *pl, char *msg,
                           size_t n)
{
  const cJSON *at = cJSON_GetObjectItemCaseSensitive(body, "shippedAt");
  int64_t ms;
  if (at == NULL)
    return 0;
  if (!cJSON_IsString(at) || cg_time_parse_iso8601(at->valuestring, &ms) != 0) {
    snprintf(msg, n, "shippedAt must be an ISO 8601 date and time");
    return 422;
  }
  cg_time_format_iso8601_s(ms, pl->shipped_at, sizeof(pl->shipped_at));
  return 0;
}

/* Reads a dispatch body into a plan: "parcels":[...] explicit, else
 * "lines":[...] (default: everything open) spread over "parcelCount";
 * "shippedAt" when given. */
static int plan_read(struct wms_order *o, const cJSON *body, struct plan *pl,
                     char *msg, size_t n)
{
  const cJSON *parcels = cg_json_get(body, "parcels"), *p;
  const cJSON *lines = cg_json_get(body, "lines");
  int rc = shipped_at_read(body, pl, msg, n);
  if (rc != 0)
    return rc;
  if (cJSON_IsArray(parcels)) {
    if (cJSON_GetArraySize(parcels) == 0 ||
        cJSON_GetArraySize(parcels) > PARCELS_MAX) {
      snprintf(msg, n, "parcels must hold 1..100 parcels");
      return 422;
    }
    cJSON_ArrayForEach(p, parcels)
    {
      if (rc == 0)
        rc = parcel_lines_add(o, cg_json_get(p, "lines"), pl->qty, msg, n);
    }
    pl->parcels = cJSON_Duplicate(parcels, true);
    return rc;
  }
  if (lines != NULL)
    rc = parcel_lines_add(o, lines, pl->qty, msg, n);
  else
    for (size_t i = 0; i < o->nlines; i++)
      pl->qty[i] = open_qty(&o->lines[i]);
  int count = (int)cg_json_int(body, "parcelCount", 1);
  if (rc == 0 && (count < 1 || count > PARCELS_MAX)) {
    snprintf(msg, n, "parcelCount must be 1..100");
    rc = 422;
  }
  if (rc == 0)
    pl->parcels = spread(o, pl->qty, count);
  return rc;
}

static int plan_check(const struct wms_order *o, const struct plan *pl,
                      bool allow_empty, char *msg, size_t n)
{
  int64_t total = 0;
  for (size_t i = 0; i < o->nlines; i++) {
    if (pl->qty[i] > open_qty(&o->lines[i])) {
      snprintf(msg, n, "line %s: %lld exceeds the %lld still open",
               o->lines[i].line_ref, (long long)pl->qty[i],
               (long long)open_qty(&o->lines[i]));
      return 422;
    }
    total += pl->qty[i];
  }
  if (total == 0 && !allow_empty) {
    snprintf(msg, n, "nothing to ship: no open quantity in this dispatch");
    return 422;
  }
  return 0;
}

static void take_stock(struct sim_wms *w, struct wms_line *ln, int64_t q)
{
  struct wms_stock *st = sim_wms__stock_get(w, ln->sku);
  int64_t from_alloc = ln->allocated < q ? ln->allocated : q;
  sim_wms__stock_add(w, st, WMS_ALLOCATED, -from_alloc);
  ln->allocated -= from_alloc;
  int64_t rest = q - from_alloc;
  int64_t avail = st ? st->qty[WMS_AVAILABLE] : 0;
  sim_wms__stock_add(w, st, WMS_AVAILABLE, -(rest < avail ? rest : avail));
}

static void parcel_fill(struct sim_wms *w, struct wms_order *o, cJSON *p)
{
  char id[32], tn[40], url[96];
  const char *given = cg_json_str(p, "trackingNumber");
  cJSON *l;
  double kg = 0;
  snprintf(id, sizeof(id), "00373500%012llu",
           (unsigned long long)sim_ctx_next_id(w->ctx, "wms-parcel"));
  snprintf(tn, sizeof(tn), "%s", given ? given : "");
  if (given == NULL)
    snprintf(tn, sizeof(tn), "0037071%013llu",
             (unsigned long long)sim_ctx_next_id(w->ctx, "wms-tracking"));
  snprintf(url, sizeof(url), "https://tracking.example/%s", tn);
  cJSON_ArrayForEach(l, cJSON_GetObjectItem(p, "lines"))
  {
    struct wms_line *ln = sim_wms__line_find(o, cg_json_str(l, "lineRef"));
    struct wms_item *it = ln ? sim_wms__item_find(w, ln->sku) : NULL;
    if (ln != NULL && cJSON_GetObjectItem(l, "sku") == NULL)
      cg_json_add_str(l, "sku", ln->sku);
    kg += cg_json_int(l, "quantity", 0) *
          (it && cJSON_IsNumber(cg_json_get(it->doc, "weightKg"))
               ? cg_json_get(it->doc, "weightKg")->valuedouble
               : 0.5);
  }
  cJSON_DeleteItemFromObject(p, "parcelId");
  cJSON_DeleteItemFromObject(p, "trackingNumber");
  cJSON_DeleteItemFromObject(p, "trackingUrl");
  cg_json_add_str(p, "parcelId", id);
  cg_json_add_str(p, "trackingNumber", tn);
  cg_json_add_str(p, "trackingUrl", url);
  if (cJSON_GetObjectItem(p, "weightKg") == NULL)
    cJSON_AddNumberToObject(p, "weightKg", kg);
}

static cJSON *line_totals(struct sim_wms *w, struct wms_order *o,
                          const int64_t *qty)
{
  cJSON *arr = cJSON_CreateArray();
  for (size_t i = 0; i < o->nlines; i++) {
    struct wms_line *ln = &o->lines[i];
    if (qty[i] > 0)
      take_stock(w, ln, qty[i]);
    ln->shipped += qty[i];
    cJSON *t = cJSON_CreateObject();
    cg_json_add_str(t, "lineRef", ln->line_ref);
    cg_json_add_int(t, "ordered", ln->ordered);
    cg_json_add_int(t, "shippedThisShipment", qty[i]);
    cg_json_add_int(t, "shippedToDate", ln->shipped);
    cJSON_AddItemToArray(arr, t);
  }
  return arr;
}

static bool nothing_open(const struct wms_order *o)
{
  for (size_t i = 0; i < o->nlines; i++)
    if (open_qty(&o->lines[i]) > 0)
      return false;
  return true;
}

static cJSON *shipment_data(struct sim_wms *w, struct wms_order *o,
                            struct plan *pl, bool closing)
{
  char id[32], now[40];
  cJSON *d = cJSON_CreateObject(), *p;
  cg_json_add_str(d, "orderRef", o->ref);
  cg_json_add_str(
      d, "shipmentId",
      sim_wms__next_ref(w, "wms-shipment", "GXO-SHP-", id, sizeof(id)));
  cg_json_add_int(d, "shipmentSeq", ++o->shipment_seq);
  cg_json_add_str(d, "shippedAt",
                  pl->shipped_at[0] ? pl->shipped_at
                                    : sim_wms__now_iso(now, sizeof(now)));
  cJSON *carrier = cJSON_AddObjectToObject(d, "carrier");
  cg_json_add_str(carrier, "carrierCode",
                  cg_json_str(o->request, "shipping.carrierCode"));
  cg_json_add_str(carrier, "serviceCode",
                  cg_json_str(o->request, "shipping.serviceCode"));
  cJSON_ArrayForEach(p, pl->parcels)
  {
    parcel_fill(w, o, p);
    w->stats.parcels++;
  }
  cJSON_AddItemToObject(d, "parcels", pl->parcels);
  pl->parcels = NULL;
  cJSON_AddItemToObject(d, "lineTotals", line_totals(w, o, pl->qty));
  cJSON_AddBoolToObject(d, "orderComplete", closing || nothing_open(o));
  return d;
}

static bool dispatchable(const struct wms_order *o)
{
  return is(o, "ACCEPTED") || is(o, "RELEASED") || is(o, "PICKING") ||
         is(o, "PACKED") || is(o, "PARTIALLY_SHIPPED");
}

static const char *remainder_of(const cJSON *body, bool *bad)
{
  const char *r = cg_json_str(body, "remainder");
  *bad = r != NULL && strcmp(r, "CP") != 0 && strcmp(r, "IC") != 0 &&
         strcmp(r, "BP") != 0 && strcmp(r, "DS") != 0;
  return r;
}

int sim_wms__dispatch(struct sim_wms *w, struct wms_order *o, const cJSON *body,
                      char *msg, size_t n)
{
  bool bad;
  const char *rem = remainder_of(body, &bad);
  if (!dispatchable(o))
    return state_error(o, msg, n);
  if (bad) {
    snprintf(msg, n, "remainder must be CP, IC, BP or DS");
    return 422;
  }
  struct plan pl = {cg_calloc(o->nlines ? o->nlines : 1, sizeof(int64_t)), NULL,
                    ""};
  int rc = pl.qty ? plan_read(o, body, &pl, msg, n) : 503;
  if (rc == 0)
    rc = plan_check(o, &pl, false, msg, n);
  if (rc == 0) {
    cJSON *d = shipment_data(w, o, &pl, rem != NULL);
    bool complete = cJSON_IsTrue(cJSON_GetObjectItem(d, "orderComplete"));
    cJSON_AddItemToArray(o->shipments, cJSON_Duplicate(d, true));
    set(o, complete ? "SHIPPED" : "PARTIALLY_SHIPPED");
    w->stats.shipments++;
    sim_wms__publish(w, "shipment.confirmed", o->ref, NULL, d);
    if (complete)
      sim_wms__close(w, o, rem ? rem : "CP", msg, n);
  }
  cJSON_Delete(pl.parcels);
  cg_free(pl.qty);
  return rc;
}

/* --- close ---------------------------------------------------------------- */

static cJSON *close_line(struct sim_wms *w, struct wms_line *ln,
                         const char *rem)
{
  int64_t open = open_qty(ln);
  if (open > 0 && strcmp(rem, "IC") == 0)
    ln->cancelled += open;
  struct wms_stock *st = sim_wms__stock_get(w, ln->sku);
  sim_wms__stock_add(w, st, WMS_ALLOCATED, -ln->allocated);
  sim_wms__stock_add(w, st, WMS_AVAILABLE, ln->allocated);
  ln->allocated = 0;
  const char *code =
      ln->shipped >= ln->ordered ? "CC"
      : ln->shipped == 0 && ln->cancelled > 0 && ln->cancelled >= ln->ordered
          ? "IC"
      : open > 0          ? rem
      : ln->cancelled > 0 ? "IC"
                          : "CP";
  snprintf(ln->code, sizeof(ln->code), "%s", code);
  cJSON *l = cJSON_CreateObject();
  cg_json_add_str(l, "lineRef", ln->line_ref);
  cg_json_add_int(l, "ordered", ln->ordered);
  cg_json_add_int(l, "shipped", ln->shipped);
  cg_json_add_int(l, "cancelled", ln->cancelled);
  cg_json_add_str(l, "statusCode", code);
  return l;
}

int sim_wms__close(struct sim_wms *w, struct wms_order *o,
                   const char *remainder, char *msg, size_t n)
{
  const char *rem = remainder ? remainder : "CP";
  if (!o->created || is(o, "CLOSED") || is(o, "REJECTED") || is(o, "RECEIVED"))
    return state_error(o, msg, n);
  if (strcmp(rem, "CP") != 0 && strcmp(rem, "IC") != 0 &&
      strcmp(rem, "BP") != 0 && strcmp(rem, "DS") != 0) {
    snprintf(msg, n, "remainder must be CP, IC, BP or DS");
    return 422;
  }
  cJSON *data = cJSON_CreateObject();
  cg_json_add_str(data, "orderRef", o->ref);
  cJSON *lines = cJSON_AddArrayToObject(data, "lines");
  for (size_t i = 0; i < o->nlines; i++)
    cJSON_AddItemToArray(lines, close_line(w, &o->lines[i], rem));
  set(o, "CLOSED");
  sim_wms__publish(w, "order.closed", o->ref, NULL, data);
  return 0;
}

/* --- split ---------------------------------------------------------------- */

/* Body for shipment k of n: a contiguous share of the open units, and
 * the split's shippedAt (at) when it has one. */
static cJSON *split_body(const struct wms_order *o, int k, int n, int64_t total,
                         int parcels, const cJSON *at)
{
  cJSON *b = cJSON_CreateObject();
  cJSON *lines = cJSON_AddArrayToObject(b, "lines");
  int64_t unit = 0;
  for (size_t i = 0; i < o->nlines; i++) {
    int64_t q = 0, open = open_qty(&o->lines[i]);
    for (int64_t u = 0; u < open; u++, unit++)
      q += (int)(unit * n / total) == k;
    if (q == 0)
      continue;
    cJSON *l = cJSON_CreateObject();
    cg_json_add_str(l, "lineRef", o->lines[i].line_ref);
    cg_json_add_int(l, "quantity", q);
    cJSON_AddItemToArray(lines, l);
  }
  cg_json_add_int(b, "parcelCount", parcels);
  if (at != NULL)
    cJSON_AddItemToObject(b, "shippedAt", cJSON_Duplicate(at, false));
  return b;
}

static int split_explicit(struct sim_wms *w, struct wms_order *o,
                          const cJSON *list, char *msg, size_t n)
{
  const cJSON *b;
  int rc = 0;
  if (cJSON_GetArraySize(list) < 1 || cJSON_GetArraySize(list) > SPLIT_MAX) {
    snprintf(msg, n, "shipments must hold 1..50 dispatch bodies");
    return 422;
  }
  cJSON_ArrayForEach(b, list)
  {
    if (rc == 0)
      rc = sim_wms__dispatch(w, o, b, msg, n);
  }
  return rc;
}

int sim_wms__split(struct sim_wms *w, struct wms_order *o, const cJSON *body,
                   char *msg, size_t n)
{
  const cJSON *sh = cg_json_get(body, "shipments");
  if (cJSON_IsArray(sh))
    return split_explicit(w, o, sh, msg, n);
  int count = (int)cg_json_int(body, "shipments", 2);
  int parcels = (int)cg_json_int(body, "parcelsPerShipment", 1);
  int64_t total = 0;
  for (size_t i = 0; i < o->nlines; i++)
    total += open_qty(&o->lines[i]);
  if (!dispatchable(o))
    return state_error(o, msg, n);
  if (count < 1 || count > SPLIT_MAX || total == 0) {
    snprintf(msg, n,
             "shipments must be 1..50 and the order must have open "
             "units");
    return 422;
  }
  if (count > total)
    count = (int)total;
  /* Plan every consignment before shipping the first: each takes a
   * contiguous share of the units open now. */
  cJSON *bodies = cJSON_CreateArray();
  for (int k = 0; k < count; k++)
    cJSON_AddItemToArray(bodies, split_body(o, k, count, total, parcels,
                                            cg_json_get(body, "shippedAt")));
  int rc = split_explicit(w, o, bodies, msg, n);
  cJSON_Delete(bodies);
  return rc;
}

/* --- jobs: delayed accept / reject ---------------------------------------- */

static void on_jobs_timer(uv_timer_t *t);

static void jobs_arm(struct sim_wms *w)
{
  if (w->timer == NULL)
    return;
  if (w->jobs == NULL) {
    uv_timer_stop(w->timer);
    return;
  }
  int64_t wait = w->jobs->due_ms - cg_time_mono_ms();
  uv_timer_start(w->timer, on_jobs_timer, wait > 1 ? (uint64_t)wait : 1, 0);
}

static void job_free(struct wms_job *j)
{
  cg_free(j->order_ref);
  cg_free(j->code);
  cg_free(j->message);
  cg_free(j);
}

/* An auto-dispatch: the mix's pattern, or autoDispatchShipments
 * consignments (NULL, "late"). */
static void auto_dispatch(struct sim_wms *w, struct wms_order *o,
                          const char *mix)
{
  char msg[128];
  cJSON *b = cJSON_CreateObject();
  bool is_short = mix != NULL && strcmp(mix, "short") == 0;
  if (is_short && o->nlines > 0) {
    cJSON *l = cJSON_CreateObject();
    cg_json_add_str(l, "lineRef", o->lines[0].line_ref);
    cg_json_add_int(l, "quantity", 1);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(b, "lines"), l);
    cg_json_add_str(b, "remainder", "CP");
    sim_wms__dispatch(w, o, b, msg, sizeof(msg));
  } else {
    bool split = mix != NULL && strcmp(mix, "split") == 0;
    bool parcels = mix != NULL && strcmp(mix, "parcels") == 0;
    cg_json_add_int(b, "shipments",
                    split     ? 2
                    : parcels ? 1
                              : w->auto_dispatch_shipments);
    if (parcels)
      cg_json_add_int(b, "parcelsPerShipment", 2);
    sim_wms__split(w, o, b, msg, sizeof(msg));
  }
  cJSON_Delete(b);
}

static void job_run(struct sim_wms *w, struct wms_job *j)
{
  char msg[128];
  struct wms_order *o = sim_wms__order_find(w, j->order_ref);
  /* Decided by hand, cancelled or shipped meanwhile: nothing to do. */
  if (o == NULL || (j->kind != WMS_JOB_DISPATCH && !is(o, "RECEIVED")) ||
      (j->kind == WMS_JOB_DISPATCH && !dispatchable(o)))
    return;
  if (j->kind == WMS_JOB_DISPATCH) {
    auto_dispatch(w, o, j->code);
  } else if (j->kind == WMS_JOB_REJECT) {
    sim_wms__reject(w, o, j->code, j->message, NULL, msg, sizeof(msg));
  } else {
    sim_wms__accept(w, o, msg, sizeof(msg));
  }
}

static void on_jobs_timer(uv_timer_t *t)
{
  struct sim_wms *w = t->data;
  int64_t now = cg_time_mono_ms();
  while (w->jobs != NULL && w->jobs->due_ms <= now) {
    struct wms_job *j = w->jobs;
    w->jobs = j->next;
    job_run(w, j);
    job_free(j);
  }
  jobs_arm(w);
}

void sim_wms__jobs_schedule(struct sim_wms *w, const char *order_ref,
                            enum wms_job_kind kind, const char *code,
                            const char *message, int after_ms)
{
  struct wms_job *j = cg_calloc(1, sizeof(*j)), **at = &w->jobs;
  if (j == NULL)
    return;
  j->due_ms = cg_time_mono_ms() + (after_ms > 0 ? after_ms : 0);
  j->kind = kind;
  j->order_ref = cg_strdup(order_ref);
  j->code = code ? cg_strdup(code) : NULL;
  j->message = message ? cg_strdup(message) : NULL;
  while (*at != NULL && (*at)->due_ms <= j->due_ms)
    at = &(*at)->next;
  j->next = *at;
  *at = j;
  jobs_arm(w);
}

static void on_timer_closed(uv_handle_t *h)
{
  cg_free(h);
}

void sim_wms__jobs_stop(struct sim_wms *w)
{
  while (w->jobs != NULL) {
    struct wms_job *j = w->jobs;
    w->jobs = j->next;
    job_free(j);
  }
  if (w->timer != NULL)
    uv_close((uv_handle_t *)w->timer, on_timer_closed);
  w->timer = NULL;
}
