/*
 * sim_centra_control: the /_sim/centra/... control API of the simulated
 * Centra (JSON in, JSON out; see docs/sim-centra.md). Tests and the demo
 * seed products, stock, orders and returns here, create and change
 * products the way merchandising would and orders the way a merchant
 * would in the Centra admin, point the webhook plugin somewhere,
 * and read back what a client did: shipments, stock writes, refunds,
 * completed returns, e-mails, events and externalId markers.
 */
#include "sim_centra.h"

#include "sim_util.h"

#include "base/json.h"
#include "base/mem.h"
#include "net/http_server.h"
#include "net/router.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BASE "/_sim/centra"

/* Parses the body; answers 400 itself and returns NULL when malformed. */
static cJSON *body_or_400(struct cg_http_exchange *ex)
{
  cJSON *doc = NULL;
  if (sim_body_json(ex, &doc) != 0 || doc == NULL) {
    sim_send_problem(ex, 400, "invalid_json", "the body must be JSON", NULL);
    return NULL;
  }
  return doc;
}

static void bad_request(struct cg_http_exchange *ex, const char *msg)
{
  sim_send_problem(ex, 400, "invalid", msg ? msg : "invalid request", NULL);
}

/* The list of specs in doc: doc itself when an array, doc[key] when that
 * is an array, else a one-item view holding doc. */
static cJSON *spec_list(cJSON *doc, const char *key)
{
  cJSON *list = cJSON_IsArray(doc) ? cJSON_Duplicate(doc, true) : NULL;
  if (list == NULL && cJSON_IsArray(cJSON_GetObjectItem(doc, key)))
    list = cJSON_Duplicate(cJSON_GetObjectItem(doc, key), true);
  if (list == NULL) {
    list = cJSON_CreateArray();
    cJSON_AddItemToArray(list, cJSON_Duplicate(doc, true));
  }
  return list;
}

/* --- seeding -----------------------------------------------------------------
 */

/* Loads {"products": [...]}: quietly (seeding, ".../products") or as
 * products created at run time (".../products/create": events). */
static void load_products(struct cg_http_exchange *ex, struct sim_centra *c,
                          bool events)
{
  const char *msg = NULL;
  cJSON *doc = body_or_400(ex);
  if (doc == NULL)
    return;
  cJSON *list = spec_list(doc, "products");
  if (sim_centra__catalogue_load(c, list, events, &msg) != 0)
    bad_request(ex, msg);
  else
    sim_send_json(ex, 200, sim_centra__stock_report(c));
  cJSON_Delete(list);
  cJSON_Delete(doc);
}

static void on_products(struct cg_http_exchange *ex, void *arg)
{
  load_products(ex, arg, false);
}

static void on_products_create(struct cg_http_exchange *ex, void *arg)
{
  load_products(ex, arg, true);
}

/* A merchandiser's changes: one spec or {"changes": [...]}; answers the
 * changed products. */
static void on_products_update(struct cg_http_exchange *ex, void *arg)
{
  const char *msg = NULL;
  cJSON *doc = body_or_400(ex);
  if (doc == NULL)
    return;
  cJSON *list = spec_list(doc, "changes"), *out = cJSON_CreateArray();
  const cJSON *it;
  cJSON_ArrayForEach(it, list)
  {
    cJSON *p = sim_centra__product_change(arg, it, &msg);
    if (p == NULL)
      break;
    cJSON_AddItemToArray(out, p);
  }
  if (msg != NULL) {
    sim_send_problem(ex, 404, "not_found", msg, NULL);
    cJSON_Delete(out);
  } else {
    sim_send_json(ex, 200, out);
  }
  cJSON_Delete(list);
  cJSON_Delete(doc);
}

/* {items:[{sku|ean, warehouseId?, quantity}]}: absolute physical stock. */
static void on_stock_post(struct cg_http_exchange *ex, void *arg)
{
  struct sim_centra *c = arg;
  cJSON *doc = body_or_400(ex);
  if (doc == NULL)
    return;
  cJSON *list = spec_list(doc, "items");
  const cJSON *it;
  cJSON_ArrayForEach(it, list)
  {
    cJSON *size = cg_json_str(it, "sku")
                      ? sim_centra__size_by_sku(c, cg_json_str(it, "sku"))
                      : sim_centra__size_by_ean(c, cg_json_str(it, "ean"));
    if (size == NULL) {
      bad_request(ex, "unknown sku/ean");
      goto done;
    }
    sim_centra__stock_set(c, size, cg_json_int(it, "warehouseId", 1),
                          cg_json_int(it, "quantity", 0));
  }
  sim_send_json(ex, 200, sim_centra__stock_report(c));
done:
  cJSON_Delete(list);
  cJSON_Delete(doc);
}

static void on_orders_post(struct cg_http_exchange *ex, void *arg)
{
  struct sim_centra *c = arg;
  const char *msg = NULL;
  cJSON *doc = body_or_400(ex);
  if (doc == NULL)
    return;
  cJSON *list = spec_list(doc, "orders"), *out = cJSON_CreateArray();
  const cJSON *it;
  cJSON_ArrayForEach(it, list)
  {
    cJSON *o = sim_centra__order_seed(c, it, &msg);
    if (o == NULL) {
      bad_request(ex, msg);
      cJSON_Delete(out);
      goto done;
    }
    cJSON_AddItemToArray(out, sim_centra__order_render(c, o));
  }
  sim_send_json(ex, 201, out);
done:
  cJSON_Delete(list);
  cJSON_Delete(doc);
}

/* Copies member key of src into dst when present. */
static void copy_key(cJSON *dst, const cJSON *src, const char *key)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(src, key);
  if (v != NULL)
    cJSON_AddItemToObject(dst, key, cJSON_Duplicate(v, true));
}

static cJSON *order_param(struct sim_centra *c, struct cg_http_exchange *ex)
{
  const char *num = cg_http_exchange_param(ex, "number");
  cJSON *o =
      num ? sim_centra__order_by_number(c, strtoll(num, NULL, 10)) : NULL;
  if (o == NULL)
    sim_send_problem(ex, 404, "not_found", "no such order number", NULL);
  return o;
}

static void on_order_get(struct cg_http_exchange *ex, void *arg)
{
  struct sim_centra *c = arg;
  cJSON *o = order_param(c, ex);
  if (o != NULL)
    sim_send_json(ex, 200, sim_centra__order_render(c, o));
}

/* Merchant-side change: {status?, isOnHold?, isWaitingForPayment?,
 * externalId?, cancelLines?, shippingAddress?, otherComment?}; emits Order
 * UPDATED (and the webhook) when it changed. */
static void on_order_post(struct cg_http_exchange *ex, void *arg)
{
  struct sim_centra *c = arg;
  const char *msg = NULL;
  cJSON *o = order_param(c, ex);
  if (o == NULL)
    return;
  cJSON *doc = body_or_400(ex);
  if (doc == NULL)
    return;
  if (sim_centra__order_change(c, o, doc, &msg) != 0)
    bad_request(ex, msg);
  else
    sim_send_json(ex, 200, sim_centra__order_render(c, o));
  cJSON_Delete(doc);
}

/* The customer or customer service changes the shipping address after
 * the order was placed: {shippingAddress?: {member: value | null, ...,
 * country?: code}, otherComment?: string | null}; at least one of the two.
 * Other order fields are not touched. Bumps updatedAt and emits Order
 * UPDATED (and the webhook) when anything changed. */
static void on_order_address(struct cg_http_exchange *ex, void *arg)
{
  struct sim_centra *c = arg;
  const char *msg = NULL;
  cJSON *o = order_param(c, ex);
  cJSON *doc = o ? body_or_400(ex) : NULL;
  if (doc == NULL)
    return;
  cJSON *patch = cJSON_CreateObject();
  copy_key(patch, doc, "shippingAddress");
  copy_key(patch, doc, "otherComment");
  if (cJSON_GetArraySize(patch) == 0)
    bad_request(ex, "give shippingAddress and/or otherComment");
  else if (sim_centra__order_change(c, o, patch, &msg) != 0)
    bad_request(ex, msg);
  else
    sim_send_json(ex, 200, sim_centra__order_render(c, o));
  cJSON_Delete(patch);
  cJSON_Delete(doc);
}

static void on_orders_get(struct cg_http_exchange *ex, void *arg)
{
  struct sim_centra *c = arg;
  cJSON *out = cJSON_CreateArray();
  const cJSON *o;
  cJSON_ArrayForEach(o, c->orders)
  {
    cJSON_AddItemToArray(out, sim_centra__order_render(c, o));
  }
  sim_send_json(ex, 200, out);
}

static void on_returns_post(struct cg_http_exchange *ex, void *arg)
{
  struct sim_centra *c = arg;
  const char *msg = NULL;
  cJSON *doc = body_or_400(ex);
  if (doc == NULL)
    return;
  cJSON *r = sim_centra__return_seed(c, doc, &msg);
  if (r == NULL)
    bad_request(ex, msg);
  else
    sim_send_json(ex, 201, cJSON_Duplicate(r, true));
  cJSON_Delete(doc);
}

/* {url: "http://..." | null, secret?: "..."} */
static void on_webhook(struct cg_http_exchange *ex, void *arg)
{
  struct sim_centra *c = arg;
  cJSON *doc = body_or_400(ex);
  if (doc == NULL)
    return;
  const char *url = cg_json_str(doc, "url");
  const char *secret = cg_json_str(doc, "secret");
  cg_free(c->webhook_url);
  c->webhook_url = url ? cg_strdup(url) : NULL;
  if (secret != NULL) {
    cg_free(c->webhook_secret);
    c->webhook_secret = cg_strdup(secret);
  }
  cJSON *out = cJSON_CreateObject();
  cg_json_add_str(out, "url", c->webhook_url);
  sim_send_json(ex, 200, out);
  cJSON_Delete(doc);
}

static void on_scenario(struct cg_http_exchange *ex, void *arg)
{
  struct sim_centra *c = arg;
  const char *msg = NULL;
  cJSON *doc = body_or_400(ex);
  if (doc == NULL)
    return;
  if (sim_centra__scenario(c, doc, &msg) != 0) {
    bad_request(ex, msg);
  } else {
    cJSON *out = cJSON_CreateObject();
    cg_json_add_int(out, "orders", cJSON_GetArraySize(c->orders));
    cg_json_add_int(out, "sizes", cJSON_GetArraySize(c->sizes));
    sim_send_json(ex, 200, out);
  }
  cJSON_Delete(doc);
}

/* --- read-back ---------------------------------------------------------------
 */

/* A stored list as it is: printed through a reference, not copied. */
static void send_copy(struct cg_http_exchange *ex, const cJSON *list)
{
  sim_send_json(ex, 200, sim_json_ref(list));
}

static void on_shipments(struct cg_http_exchange *ex, void *arg)
{
  send_copy(ex, ((struct sim_centra *)arg)->shipments);
}

static void on_stock_get(struct cg_http_exchange *ex, void *arg)
{
  sim_send_json(ex, 200, sim_centra__stock_report(arg));
}

static void on_stock_writes(struct cg_http_exchange *ex, void *arg)
{
  send_copy(ex, ((struct sim_centra *)arg)->stock_writes);
}

static void on_returns_get(struct cg_http_exchange *ex, void *arg)
{
  send_copy(ex, ((struct sim_centra *)arg)->returns);
}

static void on_refunds(struct cg_http_exchange *ex, void *arg)
{
  send_copy(ex, ((struct sim_centra *)arg)->refunds);
}

static void on_emails(struct cg_http_exchange *ex, void *arg)
{
  send_copy(ex, ((struct sim_centra *)arg)->emails);
}

static void on_events(struct cg_http_exchange *ex, void *arg)
{
  send_copy(ex, ((struct sim_centra *)arg)->events);
}

static void on_markers(struct cg_http_exchange *ex, void *arg)
{
  send_copy(ex, ((struct sim_centra *)arg)->markers);
}

/* {"count": N}: how many markers, for a poller that needs no more (the
 * list of a 10,000-order run is printed in ~1 MB). */
static void on_markers_count(struct cg_http_exchange *ex, void *arg)
{
  cJSON *out = cJSON_CreateObject();
  cJSON_AddNumberToObject(
      out, "count", cJSON_GetArraySize(((struct sim_centra *)arg)->markers));
  sim_send_json(ex, 200, out);
}

/* The payment provider declines captures from now on: {"decline":
 * "reason"} (createShipment(capture: true) then completes uncaptured with
 * a userWarning, captureShipment fails with a userError, as Centra
 * reports it), or {"decline": null} to capture again. */
static void on_captures(struct cg_http_exchange *ex, void *arg)
{
  struct sim_centra *c = arg;
  cJSON *doc = body_or_400(ex);
  if (doc == NULL)
    return;
  const cJSON *d = cJSON_GetObjectItemCaseSensitive(doc, "decline");
  if (d == NULL || (!cJSON_IsNull(d) && !cJSON_IsString(d))) {
    bad_request(ex, "decline must be a string or null");
  } else {
    snprintf(c->capture_decline, sizeof(c->capture_decline), "%s",
             cJSON_IsString(d) ? d->valuestring : "");
    cJSON *out = cJSON_CreateObject();
    cJSON_AddItemToObject(out, "decline",
                          c->capture_decline[0]
                              ? cJSON_CreateString(c->capture_decline)
                              : cJSON_CreateNull());
    sim_send_json(ex, 200, out);
  }
  cJSON_Delete(doc);
}

/* One root field answers a GraphQL error from now on: {"field":
 * "shipments", "message"?: "..."} (data.<alias> null and an error with
 * its path, nothing run), or {"field": null} to answer again; answers
 * {"field", "message"}. */
static void on_refuse(struct cg_http_exchange *ex, void *arg)
{
  struct sim_centra *c = arg;
  cJSON *doc = body_or_400(ex);
  if (doc == NULL)
    return;
  const cJSON *fld = cJSON_GetObjectItemCaseSensitive(doc, "field");
  const char *msg = cg_json_str(doc, "message");
  if (fld == NULL || (!cJSON_IsNull(fld) && !cJSON_IsString(fld)) ||
      (cJSON_IsString(fld) &&
       strlen(fld->valuestring) >= sizeof(c->refuse_field))) {
    bad_request(ex, "field must be a root field's name or null");
  } else {
    snprintf(c->refuse_field, sizeof(c->refuse_field), "%s",
             cJSON_IsString(fld) ? fld->valuestring : "");
    snprintf(c->refuse_message, sizeof(c->refuse_message), "%s",
             msg ? msg : "You are not allowed to access this field");
    cJSON *out = cJSON_CreateObject();
    cJSON_AddItemToObject(out, "field",
                          c->refuse_field[0]
                              ? cJSON_CreateString(c->refuse_field)
                              : cJSON_CreateNull());
    cg_json_add_str(out, "message", c->refuse_message);
    sim_send_json(ex, 200, out);
  }
  cJSON_Delete(doc);
}

/* {"mode": "no-entries" | "other-return" | null}: how refundReturn
 * answers from now on (it refunds either way); answers {"mode"}. */
static void on_refund_answer(struct cg_http_exchange *ex, void *arg)
{
  struct sim_centra *c = arg;
  cJSON *doc = body_or_400(ex);
  if (doc == NULL)
    return;
  const char *mode = cg_json_str(doc, "mode");
  if (mode != NULL && strcmp(mode, "no-entries") != 0 &&
      strcmp(mode, "other-return") != 0) {
    bad_request(ex, "mode must be \"no-entries\", \"other-return\" or null");
  } else {
    snprintf(c->refund_answer, sizeof(c->refund_answer), "%s",
             mode ? mode : "");
    cJSON *out = cJSON_CreateObject();
    cg_json_add_str(out, "mode", mode);
    sim_send_json(ex, 200, out);
  }
  cJSON_Delete(doc);
}

int sim_centra__control_routes(struct sim_centra *c, struct cg_router *r)
{
  static const struct {
    const char *method, *path;
    cg_http_handler_fn fn;
  } routes[] = {
      {"POST", BASE "/products", on_products},
      {"POST", BASE "/products/create", on_products_create},
      {"POST", BASE "/products/update", on_products_update},
      {"POST", BASE "/stock", on_stock_post},
      {"GET", BASE "/stock", on_stock_get},
      {"GET", BASE "/stock/writes", on_stock_writes},
      {"POST", BASE "/orders", on_orders_post},
      {"GET", BASE "/orders", on_orders_get},
      {"GET", BASE "/orders/{number}", on_order_get},
      {"POST", BASE "/orders/{number}", on_order_post},
      {"POST", BASE "/orders/{number}/address", on_order_address},
      {"POST", BASE "/returns", on_returns_post},
      {"GET", BASE "/returns", on_returns_get},
      {"GET", BASE "/shipments", on_shipments},
      {"POST", BASE "/captures", on_captures},
      {"POST", BASE "/refuse", on_refuse},
      {"POST", BASE "/refund-answer", on_refund_answer},
      {"GET", BASE "/refunds", on_refunds},
      {"GET", BASE "/emails", on_emails},
      {"GET", BASE "/events", on_events},
      {"GET", BASE "/markers", on_markers},
      {"GET", BASE "/markers/count", on_markers_count},
      {"POST", BASE "/webhook", on_webhook},
      {"POST", BASE "/scenario", on_scenario},
  };
  for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
    int rc =
        cg_router_add(r, routes[i].method, routes[i].path, routes[i].fn, c);
    if (rc != 0)
      return rc;
  }
  return 0;
}
