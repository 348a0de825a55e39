/*
 * sim_wms_control: the /_sim/wms/... control API on the warehouse port
 * (docs/simulator.md has the walk-through). JSON in, JSON out; errors are
 * problem+json. Nothing here needs a token or an Idempotency-Key.
 *
 *   GET/POST /_sim/wms/settings      autoAccept, acceptAfterMs, autoReject,
 *                                    services, tokenTtlSeconds, siteId
 *   GET      /_sim/wms/stats         totals (orders, duplicates, replays..)
 *   GET      /_sim/wms/orders[/{ref}]  orders with their attempts
 *   POST     /_sim/wms/orders/{ref}/{accept|reject|status|dispatch|split|
 *                                    short-ship|close|
 *                                    cancel}
 *   POST     /_sim/wms/items         seed items (no validation)
 *   POST     /_sim/wms/items/{sku}/reject   item.rejected event
 *   (GET /_sim/wms/items and POST /_sim/wms/items/rules: sim_wms_items.c)
 *   GET/POST /_sim/wms/stock         read / set absolute quantities
 *   POST     /_sim/wms/stock/{adjust|move|snapshot}  (adjust also takes
 *                                    {"items": [...]}: a burst)
 *   POST     /_sim/wms/returns/{rmaRef}/receive
 *   POST     /_sim/wms/returns/{rmaRef}/redeliver-receipt  the last
 *                                    receipt again, as a new event
 *   POST     /_sim/wms/returns/unadvised-arrival {parcelTracking}
 *   POST     /_sim/wms/returns/unadvised-receipt {rmaRef, lines}
 *   POST     /_sim/wms/tokens/expire
 *   POST     /_sim/wms/webhook-secret  rotate the X-Wms-Signature secret
 *   (events and subscriptions: sim_wms_events.c)
 */
#include "sim_wms.h"

#include "base/err.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/time.h"
#include "net/http_server.h"
#include "net/router.h"

#include <stdio.h>
#include <string.h>

typedef int (*order_action_fn)(struct sim_wms *w, struct wms_order *o,
                               const cJSON *body, char *msg, size_t n);

/* --- settings ------------------------------------------------------------- */

cJSON *sim_wms__settings_json(const struct sim_wms *w)
{
  cJSON *doc = cJSON_CreateObject();
  cJSON_AddBoolToObject(doc, "autoAccept", w->auto_accept);
  cg_json_add_int(doc, "acceptAfterMs", w->accept_after_ms);
  cJSON_AddItemToObject(doc, "autoReject", cJSON_Duplicate(w->auto_reject, 1));
  cJSON_AddItemToObject(doc, "services", cJSON_Duplicate(w->services, 1));
  cg_json_add_int(doc, "tokenTtlSeconds", w->token_ttl_s);
  cg_json_add_int(doc, "autoDispatchAfterMs", w->auto_dispatch_ms);
  cg_json_add_int(doc, "autoDispatchShipments", w->auto_dispatch_shipments);
  cJSON_AddBoolToObject(doc, "autoDispatchMix", w->auto_dispatch_mix);
  cg_json_add_int(doc, "autoDispatchLateMs", w->auto_dispatch_late_ms);
  cg_json_add_str(doc, "siteId", w->site_id);
  return doc;
}

static bool services_valid(const cJSON *s)
{
  const cJSON *pair;
  if (!cJSON_IsArray(s))
    return false;
  cJSON_ArrayForEach(pair, s)
  {
    if (cJSON_GetArraySize(pair) != 2 ||
        !cJSON_IsString(cJSON_GetArrayItem(pair, 0)) ||
        !cJSON_IsString(cJSON_GetArrayItem(pair, 1)))
      return false;
  }
  return true;
}

static int replace_json(cJSON **slot, const cJSON *v)
{
  cJSON *copy = cJSON_Duplicate(v, true);
  if (copy == NULL)
    return CG_ENOMEM;
  cJSON_Delete(*slot);
  *slot = copy;
  return 0;
}

int sim_wms__settings_apply(struct sim_wms *w, const cJSON *doc, char *msg,
                            size_t n)
{
  const cJSON *svc = cg_json_get(doc, "services");
  const cJSON *rej = cg_json_get(doc, "autoReject");
  const char *site = cg_json_str(doc, "siteId");
  int64_t after = cg_json_int(doc, "acceptAfterMs", w->accept_after_ms);
  int64_t ttl = cg_json_int(doc, "tokenTtlSeconds", w->token_ttl_s);
  int64_t disp = cg_json_int(doc, "autoDispatchAfterMs", w->auto_dispatch_ms);
  int64_t nship =
      cg_json_int(doc, "autoDispatchShipments", w->auto_dispatch_shipments);
  int64_t late =
      cg_json_int(doc, "autoDispatchLateMs", w->auto_dispatch_late_ms);
  if ((svc && !services_valid(svc)) || (rej && !cJSON_IsArray(rej)) ||
      after < 0 || after > 3600000 || ttl < 1 || ttl > 86400 || disp < 0 ||
      disp > 3600000 || nship < 1 || nship > 50 || late < 0 || late > 3600000 ||
      (site && strlen(site) >= sizeof(w->site_id))) {
    snprintf(msg, n,
             "services must be [[carrier, service], ...], autoReject "
             "an array, acceptAfterMs, autoDispatchAfterMs and "
             "autoDispatchLateMs 0..3600000, "
             "autoDispatchShipments 1..50, tokenTtlSeconds 1..86400");
    return CG_EINVAL;
  }
  if ((svc && replace_json(&w->services, svc) != 0) ||
      (rej && replace_json(&w->auto_reject, rej) != 0))
    return CG_ENOMEM;
  w->auto_accept = cg_json_bool(doc, "autoAccept", w->auto_accept);
  w->accept_after_ms = (int)after;
  w->token_ttl_s = (int)ttl;
  w->auto_dispatch_ms = (int)disp;
  w->auto_dispatch_shipments = (int)nship;
  w->auto_dispatch_mix =
      cg_json_bool(doc, "autoDispatchMix", w->auto_dispatch_mix);
  w->auto_dispatch_late_ms = (int)late;
  if (site != NULL)
    snprintf(w->site_id, sizeof(w->site_id), "%s", site);
  return 0;
}

static cJSON *body_or_fail(struct cg_http_exchange *ex, bool required)
{
  cJSON *doc;
  if (sim_body_json(ex, &doc) != 0 ||
      (doc && !cJSON_IsObject(doc) && !cJSON_IsArray(doc)) ||
      (required && doc == NULL)) {
    cJSON_Delete(doc);
    sim_send_problem(ex, 400, "malformed-json", "body must be JSON", NULL);
    return NULL;
  }
  return doc ? doc : cJSON_CreateObject();
}

static void on_settings_get(struct cg_http_exchange *ex, void *arg)
{
  sim_send_json(ex, 200, sim_wms__settings_json(arg));
}

static void on_settings_post(struct cg_http_exchange *ex, void *arg)
{
  char msg[256];
  cJSON *doc = body_or_fail(ex, true);
  if (doc == NULL)
    return;
  int rc = sim_wms__settings_apply(arg, doc, msg, sizeof(msg));
  cJSON_Delete(doc);
  if (rc != 0)
    sim_send_problem(ex, 422, "invalid-settings", msg, NULL);
  else
    sim_send_json(ex, 200, sim_wms__settings_json(arg));
}

/* --- read back ------------------------------------------------------------ */

static void on_stats(struct cg_http_exchange *ex, void *arg)
{
  struct sim_wms *w = arg;
  const struct wms_stats *s = &w->stats;
  cJSON *d = cJSON_CreateObject();
  cg_json_add_int(d, "orders", (int64_t)s->orders);
  cg_json_add_int(d, "duplicates", (int64_t)s->duplicates);
  cg_json_add_int(d, "replays", (int64_t)s->replays);
  cg_json_add_int(d, "inFlightConflicts", (int64_t)s->inflight409);
  cg_json_add_int(d, "keyReuse", (int64_t)s->key_reuse422);
  cg_json_add_int(d, "missingKey", (int64_t)s->missing_key400);
  cg_json_add_int(d, "invalidOrders", (int64_t)s->invalid_orders);
  cg_json_add_int(d, "unauthorized", (int64_t)s->unauthorized);
  cg_json_add_int(d, "tokensIssued", (int64_t)s->tokens);
  cg_json_add_int(d, "cancels", (int64_t)s->cancels);
  cg_json_add_int(d, "shipments", (int64_t)s->shipments);
  cg_json_add_int(d, "parcels", (int64_t)s->parcels);
  cg_json_add_int(d, "returnsAdvised", (int64_t)s->returns_advised);
  cg_json_add_int(d, "returnsReceived", (int64_t)s->returns_received);
  cg_json_add_int(d, "itemsCreated", (int64_t)s->items_upserted);
  cg_json_add_int(d, "itemsUpdated", (int64_t)s->items_updated);
  cg_json_add_int(d, "itemsUnchanged", (int64_t)s->items_unchanged);
  cg_json_add_int(d, "itemsStale", (int64_t)s->items_stale);
  cg_json_add_int(d, "itemsRejected", (int64_t)s->items_rejected);
  cg_json_add_int(d, "itemPuts", (int64_t)s->item_puts);
  cg_json_add_int(d, "itemGets", (int64_t)s->item_gets);
  cg_json_add_int(d, "itemBatches", (int64_t)s->item_batches);
  cg_json_add_int(d, "itemBatchItems", (int64_t)s->item_batch_items);
  cg_json_add_int(d, "unknownSkuOrders", (int64_t)s->unknown_sku_orders);
  cg_json_add_int(d, "events", w->last_seq);
  cg_json_add_int(d, "ackedUpTo", w->acked_upto);
  cg_json_add_int(d, "subscriptions", (int64_t)w->subs.n);
  sim_send_json(ex, 200, d);
}

static void on_orders(struct cg_http_exchange *ex, void *arg)
{
  struct sim_wms *w = arg;
  cJSON *doc = cJSON_CreateObject();
  cJSON *arr = cJSON_AddArrayToObject(doc, "orders");
  for (size_t i = 0; i < w->orders.n; i++)
    cJSON_AddItemToArray(arr, sim_wms__order_json(w->orders.v[i], true));
  sim_send_json(ex, 200, doc);
}

static struct wms_order *order_or_404(struct sim_wms *w,
                                      struct cg_http_exchange *ex)
{
  struct wms_order *o =
      sim_wms__order_find(w, cg_http_exchange_param(ex, "ref"));
  if (o == NULL)
    sim_send_problem(ex, 404, "order-not-found", "no such orderRef", NULL);
  return o;
}

static void on_order(struct cg_http_exchange *ex, void *arg)
{
  struct wms_order *o = order_or_404(arg, ex);
  if (o != NULL)
    sim_send_json(ex, 200, sim_wms__order_json(o, true));
}

/* --- order actions -------------------------------------------------------- */

static int act_accept(struct sim_wms *w, struct wms_order *o, const cJSON *body,
                      char *msg, size_t n)
{
  return sim_wms__accept(w, o, msg, n);
}

static int act_reject(struct sim_wms *w, struct wms_order *o, const cJSON *body,
                      char *msg, size_t n)
{
  return sim_wms__reject(w, o, cg_json_str(body, "code"),
                         cg_json_str(body, "message"),
                         cg_json_str(body, "pointer"), msg, n);
}

static int act_status(struct sim_wms *w, struct wms_order *o, const cJSON *body,
                      char *msg, size_t n)
{
  return sim_wms__set_status(w, o, cg_json_str(body, "status"),
                             cg_json_str(body, "reason"), msg, n);
}

static int act_close(struct sim_wms *w, struct wms_order *o, const cJSON *body,
                     char *msg, size_t n)
{
  return sim_wms__close(w, o, cg_json_str(body, "remainder"), msg, n);
}

/* Ships what "lines"/"parcels" say (maybe nothing), then closes the rest
 * as "remainder" (default CP). */
static int act_short(struct sim_wms *w, struct wms_order *o, const cJSON *body,
                     char *msg, size_t n)
{
  const char *rem = cg_json_str(body, "remainder");
  if (cg_json_get(body, "lines") == NULL &&
      cg_json_get(body, "parcels") == NULL)
    return sim_wms__close(w, o, rem ? rem : "CP", msg, n);
  cJSON *b = cJSON_Duplicate(body, true);
  if (b == NULL)
    return 503;
  if (rem == NULL)
    cg_json_add_str(b, "remainder", "CP");
  int rc = sim_wms__dispatch(w, o, b, msg, n);
  cJSON_Delete(b);
  return rc;
}

/* The warehouse cancels on its own (stock found damaged or lost):
 * {lines?: [{lineRef, quantity?}], reason?} -> order.cancelled. */
static int act_cancel(struct sim_wms *w, struct wms_order *o, const cJSON *body,
                      char *msg, size_t n)
{
  static const char *const done[] = {"CLOSED", "CANCELLED", "REJECTED",
                                     "SHIPPED", "RECEIVED"};
  for (size_t i = 0; i < sizeof(done) / sizeof(*done); i++)
    if (strcmp(o->status, done[i]) == 0) {
      snprintf(msg, n, "order %s is %s", o->ref, o->status);
      return 409;
    }
  const char *reason = cg_json_str(body, "reason");
  return sim_wms__cancel(w, o, cg_json_get(body, "lines"),
                         reason ? reason : "STOCK_UNAVAILABLE", msg, n);
}

static const struct {
  const char *name;
  order_action_fn fn;
} order_actions[] = {
    {"accept", act_accept},    {"reject", act_reject},
    {"status", act_status},    {"dispatch", sim_wms__dispatch},
    {"split", sim_wms__split}, {"short-ship", act_short},
    {"close", act_close},      {"cancel", act_cancel},
};

static void on_order_action(struct cg_http_exchange *ex, void *arg)
{
  struct sim_wms *w = arg;
  const char *name = cg_http_exchange_param(ex, "action");
  char msg[256] = "";
  order_action_fn fn = NULL;
  for (size_t i = 0; i < sizeof(order_actions) / sizeof(*order_actions); i++)
    if (strcmp(order_actions[i].name, name) == 0)
      fn = order_actions[i].fn;
  if (fn == NULL) {
    sim_send_problem(ex, 404, "unknown-action", "no such order action", NULL);
    return;
  }
  struct wms_order *o = order_or_404(w, ex);
  if (o == NULL)
    return;
  cJSON *body = body_or_fail(ex, false);
  if (body == NULL)
    return;
  int rc = o->created ? fn(w, o, body, msg, sizeof(msg)) : 409;
  cJSON_Delete(body);
  if (rc != 0)
    sim_send_problem(ex, rc, rc == 409 ? "invalid-state" : "invalid-action",
                     msg[0] ? msg : "the order was never created", NULL);
  else
    sim_send_json(ex, 200, sim_wms__order_json(o, false));
}

/* --- items, stock, returns ------------------------------------------------ */

static const cJSON *list_of(const cJSON *doc, const char *key)
{
  return cJSON_IsArray(doc) ? doc : cg_json_get(doc, key);
}

static void on_items_seed(struct cg_http_exchange *ex, void *arg)
{
  char msg[256];
  cJSON *doc = body_or_fail(ex, true);
  if (doc == NULL)
    return;
  int rc = sim_wms__seed_items(arg, list_of(doc, "items"), msg, sizeof(msg));
  cJSON_Delete(doc);
  if (rc != 0)
    sim_send_problem(ex, 422, "invalid-items", msg, NULL);
  else
    cg_http_respond_json(ex, 200, "{\"seeded\":true}");
}

static void on_item_reject(struct cg_http_exchange *ex, void *arg)
{
  const char *sku = cg_http_exchange_param(ex, "sku");
  cJSON *doc = body_or_fail(ex, false);
  if (doc == NULL)
    return;
  const char *code = cg_json_str(doc, "code");
  const char *message = cg_json_str(doc, "message");
  cJSON *d = cJSON_CreateObject();
  cg_json_add_str(d, "sku", sku);
  cJSON *probs = cJSON_AddArrayToObject(d, "problems");
  cJSON *p = cJSON_CreateObject();
  cg_json_add_str(p, "code", code ? code : "missing-hs-code");
  cg_json_add_str(p, "pointer", cg_json_str(doc, "pointer"));
  cg_json_add_str(p, "message", message ? message : "rejected by the site");
  cJSON_AddItemToArray(probs, p);
  cJSON_Delete(doc);
  sim_wms__publish(arg, "item.rejected", NULL, NULL, d);
  cg_http_respond_json(ex, 200, "{\"published\":true}");
}

static void on_stock_get(struct cg_http_exchange *ex, void *arg)
{
  cJSON *doc = cJSON_CreateObject();
  cJSON_AddItemToObject(doc, "items", sim_wms__stock_table(arg));
  sim_send_json(ex, 200, doc);
}

static void on_stock_set(struct cg_http_exchange *ex, void *arg)
{
  char msg[256];
  cJSON *doc = body_or_fail(ex, true);
  if (doc == NULL)
    return;
  int rc = sim_wms__seed_stock(arg, list_of(doc, "items"), msg, sizeof(msg));
  cJSON_Delete(doc);
  if (rc != 0)
    sim_send_problem(ex, 422, "invalid-stock", msg, NULL);
  else
    on_stock_get(ex, arg);
}

static void stock_action(struct cg_http_exchange *ex, struct sim_wms *w,
                         int (*fn)(struct sim_wms *, const cJSON *, char *,
                                   size_t))
{
  char msg[256];
  cJSON *doc = body_or_fail(ex, true);
  if (doc == NULL)
    return;
  int rc = fn(w, doc, msg, sizeof(msg));
  cJSON_Delete(doc);
  if (rc != 0)
    sim_send_problem(ex, rc,
                     rc == 409 ? "insufficient-stock" : "invalid-stock-change",
                     msg, NULL);
  else
    on_stock_get(ex, w);
}

/* One adjustment's record in a batch answer: the event's sequence and
 * its publish time in ms (the envelope's publishedAt has seconds only;
 * benchmarks measure latency from it). */
static void adjusted(cJSON *events, const struct sim_wms *w, const char *sku)
{
  cJSON *e = cJSON_CreateObject();
  cg_json_add_int(e, "sequence", w->last_seq);
  cg_json_add_str(e, "sku", sku);
  cg_json_add_int(e, "publishedAtMs", cg_time_now_ms());
  cJSON_AddItemToArray(events, e);
}

/* {"items": [adjustment, ...]}: each applied in order (each its own
 * stock.adjusted); stops at the first refused one. Answers {"events":
 * [{sequence, sku, publishedAtMs}]} instead of the whole table, so a
 * burst of thousands costs what it publishes. */
static void adjust_many(struct cg_http_exchange *ex, struct sim_wms *w,
                        const cJSON *items)
{
  char msg[256];
  cJSON *out = cJSON_CreateObject();
  cJSON *events = cJSON_AddArrayToObject(out, "events");
  const cJSON *it;
  int rc = 0;
  cJSON_ArrayForEach(it, items)
  {
    if (rc == 0 && (rc = sim_wms__adjust(w, it, msg, sizeof(msg))) == 0)
      adjusted(events, w, cg_json_str(it, "sku"));
  }
  if (rc != 0) {
    cJSON_Delete(out);
    sim_send_problem(ex, rc,
                     rc == 409 ? "insufficient-stock" : "invalid-stock-change",
                     msg, NULL);
  } else
    sim_send_json(ex, 200, out);
}

static void on_stock_adjust(struct cg_http_exchange *ex, void *arg)
{
  cJSON *doc = NULL;
  const cJSON *items = NULL;
  if (sim_body_json(ex, &doc) == 0)
    items = cJSON_GetObjectItemCaseSensitive(doc, "items");
  if (cJSON_IsArray(items))
    adjust_many(ex, arg, items);
  else
    stock_action(ex, arg, sim_wms__adjust);
  cJSON_Delete(doc);
}

static void on_stock_move(struct cg_http_exchange *ex, void *arg)
{
  stock_action(ex, arg, sim_wms__move);
}

static void on_snapshot(struct cg_http_exchange *ex, void *arg)
{
  cJSON *doc = body_or_fail(ex, false);
  if (doc == NULL)
    return;
  cJSON *meta = sim_wms__publish_snapshot(arg, doc);
  cJSON_Delete(doc);
  if (meta == NULL)
    sim_send_problem(ex, 500, "out-of-memory", "snapshot failed", NULL);
  else
    sim_send_json(ex, 200, meta);
}

static void on_return_receive(struct cg_http_exchange *ex, void *arg)
{
  struct wms_rma *rma =
      sim_wms__rma_find(arg, cg_http_exchange_param(ex, "ref"));
  char msg[256];
  cJSON *receipt = NULL;
  if (rma == NULL) {
    sim_send_problem(ex, 404, "return-not-found", "no advice for this rmaRef",
                     NULL);
    return;
  }
  cJSON *doc = body_or_fail(ex, false);
  if (doc == NULL)
    return;
  int rc = sim_wms__receive_return(arg, rma, doc, &receipt, msg, sizeof(msg));
  cJSON_Delete(doc);
  if (rc != 0)
    sim_send_problem(ex, rc, "invalid-receipt", msg, NULL);
  else
    sim_send_json(ex, 200, receipt);
}

/* Answers a returns fault's outcome (0: the event's data). */
static void fault_reply(struct cg_http_exchange *ex, int rc, cJSON *out,
                        const char *msg)
{
  if (rc != 0)
    sim_send_problem(ex, rc, rc == 409 ? "conflict" : "invalid-request", msg,
                     NULL);
  else
    sim_send_json(ex, 200, out);
}

static void on_unadvised_arrival(struct cg_http_exchange *ex, void *arg)
{
  char msg[160];
  cJSON *out = NULL, *doc = body_or_fail(ex, false);
  if (doc == NULL)
    return;
  int rc = sim_wms__unadvised_arrival(arg, cg_json_str(doc, "parcelTracking"),
                                      &out, msg, sizeof(msg));
  cJSON_Delete(doc);
  fault_reply(ex, rc, out, msg);
}

static void on_unadvised_receipt(struct cg_http_exchange *ex, void *arg)
{
  char msg[160];
  cJSON *out = NULL, *doc = body_or_fail(ex, false);
  if (doc == NULL)
    return;
  int rc = sim_wms__unadvised_receipt(arg, doc, &out, msg, sizeof(msg));
  cJSON_Delete(doc);
  fault_reply(ex, rc, out, msg);
}

static void on_redeliver_receipt(struct cg_http_exchange *ex, void *arg)
{
  struct wms_rma *rma =
      sim_wms__rma_find(arg, cg_http_exchange_param(ex, "ref"));
  char msg[160];
  cJSON *out = NULL;
  if (rma == NULL) {
    sim_send_problem(ex, 404, "return-not-found", "no advice for this rmaRef",
                     NULL);
    return;
  }
  int rc = sim_wms__redeliver_receipt(arg, rma, &out, msg, sizeof(msg));
  fault_reply(ex, rc, out, msg);
}

static void on_tokens_expire(struct cg_http_exchange *ex, void *arg)
{
  sim_wms__tokens_expire_all(arg);
  cg_http_respond_json(ex, 200, "{\"expired\":true}");
}

static void on_secret_rotate(struct cg_http_exchange *ex, void *arg)
{
  struct sim_wms *w = arg;
  char gen[80], hex[33];
  cJSON *doc = body_or_fail(ex, false);
  if (doc == NULL)
    return;
  const char *s = cg_json_str(doc, "secret");
  if (s == NULL || *s == '\0') {
    snprintf(gen, sizeof(gen), "whsec-%s", sim_ctx_random_hex(w->ctx, 16, hex));
    s = gen;
  }
  char *copy = cg_strdup(s);
  cJSON_Delete(doc);
  if (copy == NULL) {
    sim_send_problem(ex, 500, "out-of-memory", "rotation failed", NULL);
    return;
  }
  cg_free(w->rotated_secret);
  w->rotated_secret = copy;
  cJSON *resp = cJSON_CreateObject();
  cg_json_add_str(resp, "secret", copy);
  sim_send_json(ex, 200, resp);
}

int sim_wms__control_routes(struct sim_wms *w, struct cg_router *r)
{
  static const struct {
    const char *method, *path;
    cg_http_handler_fn fn;
  } routes[] = {
      {"GET", "/_sim/wms/settings", on_settings_get},
      {"POST", "/_sim/wms/settings", on_settings_post},
      {"GET", "/_sim/wms/stats", on_stats},
      {"GET", "/_sim/wms/orders", on_orders},
      {"GET", "/_sim/wms/orders/{ref}", on_order},
      {"POST", "/_sim/wms/orders/{ref}/{action}", on_order_action},
      {"POST", "/_sim/wms/items", on_items_seed},
      {"POST", "/_sim/wms/items/{sku}/reject", on_item_reject},
      {"GET", "/_sim/wms/stock", on_stock_get},
      {"POST", "/_sim/wms/stock", on_stock_set},
      {"POST", "/_sim/wms/stock/adjust", on_stock_adjust},
      {"POST", "/_sim/wms/stock/move", on_stock_move},
      {"POST", "/_sim/wms/stock/snapshot", on_snapshot},
      {"POST", "/_sim/wms/returns/{ref}/receive", on_return_receive},
      {"POST", "/_sim/wms/returns/unadvised-arrival", on_unadvised_arrival},
      {"POST", "/_sim/wms/returns/unadvised-receipt", on_unadvised_receipt},
      {"POST", "/_sim/wms/returns/{ref}/redeliver-receipt",
       on_redeliver_receipt},
      {"POST", "/_sim/wms/tokens/expire", on_tokens_expire},
      {"POST", "/_sim/wms/webhook-secret", on_secret_rotate},
  };
  for (size_t i = 0; i < sizeof(routes) / sizeof(*routes); i++) {
    int rc =
        cg_router_add(r, routes[i].method, routes[i].path, routes[i].fn, w);
    if (rc != 0)
      return rc;
  }
  return 0;
}
