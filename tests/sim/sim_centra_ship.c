/*
 * sim_centra_ship: shipments of the simulated Centra. createShipment
 * checks every requested line against what is still unshipped (quantity
 * minus cancelled minus what earlier shipments already hold) and refuses
 * orders on hold or not CONFIRMED/PROCESSING; completeShipment marks it
 * shipped, adds the lines to the order's shippedQuantity, decrements
 * physical stock, records the e-mail and moves the order's status.
 */
#include "sim_centra.h"

#include "base/json.h"
#include "base/mem.h"

#include <stdio.h>
#include <string.h>

/* Units of an order line held by existing shipments (shipped or not). */
static int64_t line_in_shipments(struct sim_centra *c, int64_t line_id)
{
  int64_t sum = 0;
  const cJSON *s, *l;
  cJSON_ArrayForEach(s, c->shipments)
  {
    cJSON_ArrayForEach(l, cg_json_get(s, "lines"))
    {
      if (cg_json_int(l, "orderLine.id", -1) == line_id)
        sum += cg_json_int(l, "quantity", 0);
    }
  }
  return sum;
}

static int count_shipments(struct sim_centra *c, const char *order_id)
{
  int n = 0;
  const cJSON *s;
  cJSON_ArrayForEach(s, c->shipments)
  {
    const char *id = cg_json_str(s, "order.id");
    n += id != NULL && strcmp(id, order_id) == 0;
  }
  return n;
}

static int check_order(cJSON *p, const cJSON *order)
{
  const char *status = cg_json_str(order, "status");
  if (order == NULL)
    return sim_centra__user_error(p, "input.order", "Order not found");
  if (strcmp(status, "CONFIRMED") != 0 && strcmp(status, "PROCESSING") != 0)
    return sim_centra__user_error(p, "input.order",
                                  "Order %lld has status %s; only CONFIRMED "
                                  "or PROCESSING orders can be shipped",
                                  (long long)cg_json_int(order, "number", 0),
                                  status);
  if (cg_json_bool(order, "isOnHold", false))
    return sim_centra__user_error(p, "input.order", "Order %lld is on hold",
                                  (long long)cg_json_int(order, "number", 0));
  return 0;
}

/* Checks line i of the request; *asked accumulates per-line requests so a
 * line named twice cannot over-ship either. */
static int check_line(struct sim_centra *c, cJSON *p, const cJSON *order,
                      const cJSON *req, int i)
{
  char path[64];
  int64_t id = cg_json_int(req, "orderLine.id", -1);
  int64_t qty = cg_json_int(req, "quantity", 0);
  const cJSON *line =
      sim_centra__find_int(cg_json_get(order, "lines"), "id", id);
  snprintf(path, sizeof(path), "input.lines.%d.orderLine", i);
  if (line == NULL)
    return sim_centra__user_error(p, path,
                                  "Order line %lld not found on "
                                  "this order",
                                  (long long)id);
  snprintf(path, sizeof(path), "input.lines.%d.quantity", i);
  if (qty < 1)
    return sim_centra__user_error(p, path, "Quantity must be at least 1");
  int64_t open = cg_json_int(line, "quantity", 0) -
                 cg_json_int(line, "cancelledQuantity", 0) -
                 line_in_shipments(c, id);
  const cJSON *r;
  cJSON_ArrayForEach(r, cg_json_get(order, "__pending"))
  {
    if (cg_json_int(r, "orderLine.id", -1) == id)
      open -= cg_json_int(r, "quantity", 0);
  }
  if (qty > open)
    return sim_centra__user_error(p, path,
                                  "Cannot ship %lld of order line "
                                  "%lld: only %lld left to ship",
                                  (long long)qty, (long long)id,
                                  (long long)(open > 0 ? open : 0));
  return 0;
}

static int check_lines(struct sim_centra *c, cJSON *p, cJSON *order,
                       const cJSON *lines)
{
  int i = 0, rc = 0;
  const cJSON *req;
  if (cJSON_GetArraySize(lines) < 1)
    return sim_centra__user_error(p, "input.lines", "No lines to ship");
  /* __pending holds the lines checked so far (removed before returning). */
  cJSON *pending = cJSON_AddArrayToObject(order, "__pending");
  cJSON_ArrayForEach(req, lines)
  {
    if (check_line(c, p, order, req, i++) != 0)
      rc = -1;
    else
      cJSON_AddItemToArray(pending, cJSON_Duplicate(req, true));
  }
  cJSON_DeleteItemFromObjectCaseSensitive(order, "__pending");
  return rc;
}

static void warn(cJSON *p, const char *path, const char *message)
{
  cJSON *w = cJSON_CreateObject();
  cg_json_add_str(w, "message", message);
  cJSON *arr = cJSON_AddArrayToObject(w, "path");
  cJSON_AddItemToArray(arr, cJSON_CreateString(path));
  cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(p, "userWarnings"), w);
}

/* Why a capture of order's payment fails now, or NULL: the order waits
 * for payment, or the payment provider declines (control switch). */
static const char *capture_error(struct sim_centra *c, const cJSON *order)
{
  static char msg[sizeof(c->capture_decline) + 32];
  if (cg_json_bool(order, "isWaitingForPayment", false))
    return "Capture failed: the order is waiting for payment";
  if (c->capture_decline[0] == '\0')
    return NULL;
  snprintf(msg, sizeof(msg), "Capture failed: %s", c->capture_decline);
  return msg;
}

static cJSON *new_shipment(struct sim_centra *c, const cJSON *order,
                           const cJSON *input)
{
  char num[48], now[40];
  int64_t onum = cg_json_int(order, "number", 0);
  bool capture = cg_json_bool(input, "capture", false);
  bool captured = capture && capture_error(c, order) == NULL;
  snprintf(num, sizeof(num), "%lld-%d", (long long)onum,
           count_shipments(c, cg_json_str(order, "id")) + 1);
  cJSON *s = cJSON_CreateObject();
  cg_json_add_str(s, "__typename", "DirectToConsumerShipment");
  cg_json_add_int(s, "id", sim_centra__next(c, SC_SEQ_SHIPMENT));
  cg_json_add_str(s, "number", num);
  cJSON_AddNullToObject(s, "externalId");
  cg_json_add_str(s, "createdAt", sim_centra__now(now, sizeof(now)));
  cg_json_add_str(s, "updatedAt", now);
  cJSON_AddBoolToObject(s, "isOnHold", false);
  cJSON_AddBoolToObject(s, "isPrinted", false);
  cJSON_AddNumberToObject(s, "currencyBaseRate", 1.0);
  cg_json_add_str(s, "capturedAt", captured ? now : NULL);
  cg_json_add_str(s, "paidAt", captured ? now : NULL);
  cJSON_AddBoolToObject(s, "isGoodToGo",
                        cg_json_bool(input, "isGoodToGo", true));
  cJSON_AddBoolToObject(s, "isShipped", false);
  cJSON_AddBoolToObject(s, "isPaid",
                        captured || cg_json_bool(input, "isPaid", false));
  cJSON_AddBoolToObject(s, "isCaptured", captured);
  cJSON_AddNullToObject(s, "shippedAt");
  cJSON_AddNullToObject(s, "trackingNumber");
  cJSON_AddNullToObject(s, "returnTrackingNumber");
  cg_json_add_str(s, "additionalMessage",
                  cg_json_str(input, "additionalMessage"));
  cg_json_add_int(s, "numberOfPackages", 0);
  cJSON *ci = cJSON_AddObjectToObject(s, "carrierInformation");
  cJSON_AddNullToObject(ci, "carrierName");
  cJSON_AddNullToObject(ci, "serviceName");
  cJSON *o = cJSON_AddObjectToObject(s, "order");
  cg_json_add_str(o, "id", cg_json_str(order, "id"));
  cg_json_add_int(o, "number", onum);
  return s;
}

static void add_lines(struct sim_centra *c, cJSON *s, const cJSON *order,
                      const cJSON *lines)
{
  cJSON *out = cJSON_AddArrayToObject(s, "lines");
  const char *cur = cg_json_str(order, "grandTotal.currency.code");
  const cJSON *req;
  double total = 0;
  cJSON_ArrayForEach(req, lines)
  {
    int64_t qty = cg_json_int(req, "quantity", 0);
    const cJSON *ol = sim_centra__find_int(cg_json_get(order, "lines"), "id",
                                           cg_json_int(req, "orderLine.id", 0));
    double price = cJSON_GetNumberValue(cg_json_get(ol, "unitPrice.value"));
    price = price == price ? price : 0; /* NaN when absent */
    total += price * (double)qty;
    cJSON *l = cJSON_CreateObject();
    cg_json_add_int(l, "id", sim_centra__next(c, SC_SEQ_SHIPMENT_LINE));
    cg_json_add_int(l, "quantity", qty);
    cg_json_add_int(l, "returnedQuantity", 0);
    cg_json_add_int(l, "invoicedQuantity", 0);
    cJSON_AddItemToObject(l, "unitPrice", sim_centra__money(price, cur));
    cJSON_AddItemToObject(l, "lineValue",
                          sim_centra__money(price * (double)qty, cur));
    cJSON *olr = cJSON_AddObjectToObject(l, "orderLine");
    cg_json_add_int(olr, "id", cg_json_int(req, "orderLine.id", 0));
    cJSON_AddItemToArray(out, l);
  }
  cJSON_AddItemToObject(s, "grandTotal", sim_centra__money(total, cur));
}

/* --- rendering --------------------------------------------------------------
 */

cJSON *sim_centra__shipment_render(struct sim_centra *c, const cJSON *s)
{
  cJSON *r = cJSON_Duplicate(s, true);
  const cJSON *order = sim_centra__order_by_id(c, cg_json_str(s, "order.id"));
  cJSON *l;
  cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(r, "lines"))
  {
    const cJSON *ol = sim_centra__find_int(cg_json_get(order, "lines"), "id",
                                           cg_json_int(l, "orderLine.id", -1));
    cJSON *line = ol != NULL ? cJSON_Duplicate(ol, true) : NULL;
    if (line != NULL) {
      sim_centra__render_line(line);
      sim_centra__set(l, "orderLine", line);
    }
  }
  cJSON *copy = order != NULL ? cJSON_Duplicate(order, true) : NULL;
  if (copy != NULL) {
    sim_centra__render_lines(copy);
    sim_centra__set(r, "order", copy);
    sim_centra__set(r, "shippingAddress",
                    cJSON_Duplicate(cg_json_get(order, "shippingAddress"), 1));
  }
  return r;
}

static void touch(struct sim_centra *c, cJSON *s, const char *change)
{
  char now[40];
  sim_centra__set(s, "updatedAt",
                  cJSON_CreateString(sim_centra__now(now, sizeof(now))));
  sim_centra__event(c, "Shipment", change, cg_json_int(s, "id", 0));
}

cJSON *sim_centra__op_create_shipment(struct sim_centra *c, const cJSON *args,
                                      const char **err)
{
  const cJSON *input = cg_json_get(args, "input");
  cJSON *p = sim_centra__payload();
  cJSON *order = sim_centra__order_find(c, cg_json_get(input, "order"));
  const cJSON *lines = cg_json_get(input, "lines");
  if (check_order(p, order) != 0 || check_lines(c, p, order, lines) != 0) {
    cJSON_AddNullToObject(p, "shipment");
    return p;
  }
  cJSON *s = new_shipment(c, order, input);
  add_lines(c, s, order, lines);
  if (cg_json_bool(input, "capture", false) &&
      !cg_json_bool(s, "isCaptured", false))
    warn(p, "input.capture", capture_error(c, order));
  cJSON_AddItemToArray(c->shipments, s);
  sim_centra__event(c, "Shipment", "CREATED", cg_json_int(s, "id", 0));
  cJSON_AddItemToObject(p, "shipment", sim_centra__shipment_render(c, s));
  return p;
}

void sim_centra__shipment_good_to_go(struct sim_centra *c, const cJSON *order)
{
  cJSON *lines = cJSON_CreateArray();
  const cJSON *ol;
  cJSON_ArrayForEach(ol, cg_json_get(order, "lines"))
  {
    int64_t open = cg_json_int(ol, "quantity", 0) -
                   cg_json_int(ol, "cancelledQuantity", 0);
    if (open <= 0)
      continue;
    cJSON *l = cJSON_CreateObject();
    cJSON *ref = cJSON_AddObjectToObject(l, "orderLine");
    cg_json_add_int(ref, "id", cg_json_int(ol, "id", 0));
    cg_json_add_int(l, "quantity", open);
    cJSON_AddItemToArray(lines, l);
  }
  cJSON *input = cJSON_CreateObject();
  cJSON_AddBoolToObject(input, "isGoodToGo", true);
  cJSON_AddBoolToObject(input, "isPaid", true);
  cJSON *s = new_shipment(c, order, input);
  add_lines(c, s, order, lines);
  cJSON_AddItemToArray(c->shipments, s);
  sim_centra__event(c, "Shipment", "CREATED", cg_json_int(s, "id", 0));
  cJSON_Delete(input);
  cJSON_Delete(lines);
}

/* --- update, complete, list -------------------------------------------------
 */

static cJSON *shipment_arg(struct sim_centra *c, const cJSON *args, cJSON *p)
{
  int64_t id;
  cJSON *s = NULL;
  if (cg_json_get_int(args, "id", &id) == 0)
    s = sim_centra__find_int(c->shipments, "id", id);
  if (s == NULL)
    sim_centra__user_error(p, "id", "Shipment not found");
  return s;
}

cJSON *sim_centra__op_update_shipment(struct sim_centra *c, const cJSON *args,
                                      const char **err)
{
  cJSON *p = sim_centra__payload();
  cJSON *s = shipment_arg(c, args, p);
  const cJSON *input = cg_json_get(args, "input");
  if (s != NULL) {
    const cJSON *ext = cg_json_get(input, "externalId");
    if (cJSON_IsString(ext) || cJSON_IsNull(ext))
      sim_centra__set(s, "externalId", cJSON_Duplicate(ext, false));
    static const char *const flags[] = {"isGoodToGo", "isPaid"};
    for (size_t i = 0; i < 2; i++) {
      const cJSON *v = cg_json_get(input, flags[i]);
      if (cJSON_IsBool(v))
        sim_centra__set(s, flags[i], cJSON_CreateBool(cJSON_IsTrue(v)));
    }
    touch(c, s, "UPDATED");
  }
  cJSON_AddItemToObject(p, "shipment",
                        s ? sim_centra__shipment_render(c, s)
                          : cJSON_CreateNull());
  return p;
}

static void ship_info(cJSON *s, const cJSON *input)
{
  char now[40];
  const cJSON *info = cg_json_get(input, "shipmentInfo");
  const char *at = cg_json_str(input, "shippedAt");
  if (at != NULL && strcmp(at, "now") == 0)
    at = NULL; /* PHP formats: only "now" is understood here */
  sim_centra__set(s, "isShipped", cJSON_CreateTrue());
  sim_centra__set(
      s, "shippedAt",
      cJSON_CreateString(at ? at : sim_centra__now(now, sizeof(now))));
  static const char *const map[][2] = {
      {"trackingNumber", "trackingNumber"},
      {"returnTrackingNumber", "returnTrackingNumber"},
      {"packagesNumber", "numberOfPackages"}};
  for (size_t i = 0; i < 3; i++) {
    const cJSON *v = cg_json_get(info, map[i][0]);
    if (v != NULL)
      sim_centra__set(s, map[i][1], cJSON_Duplicate(v, false));
  }
  cJSON *ci = cJSON_CreateObject();
  cg_json_add_str(ci, "carrierName", cg_json_str(info, "carrier"));
  cg_json_add_str(ci, "serviceName", cg_json_str(info, "service"));
  sim_centra__set(s, "carrierInformation", ci);
}

/* Adds the shipment's lines to the order and takes them out of stock. */
static void ship_lines(struct sim_centra *c, const cJSON *s, cJSON *order)
{
  const cJSON *l;
  cJSON_ArrayForEach(l, cg_json_get(s, "lines"))
  {
    int64_t qty = cg_json_int(l, "quantity", 0);
    cJSON *ol = sim_centra__find_int(cg_json_get(order, "lines"), "id",
                                     cg_json_int(l, "orderLine.id", -1));
    if (ol == NULL)
      continue;
    sim_centra__set(ol, "shippedQuantity",
                    cJSON_CreateNumber(
                        (double)(cg_json_int(ol, "shippedQuantity", 0) + qty)));
    cJSON *size =
        sim_centra__size_by_sku(c, cg_json_str(ol, "productSize.SKU"));
    if (size == NULL)
      continue;
    int64_t wh = cg_json_int(cJSON_GetArrayItem(cg_json_get(size, "stock"), 0),
                             "warehouse.id", SC_DEFAULT_WAREHOUSE);
    sim_centra__stock_add(c, size, wh, -qty);
  }
}

static void record_email(struct sim_centra *c, const cJSON *s,
                         const cJSON *order)
{
  char now[40];
  cJSON *e = cJSON_CreateObject();
  cg_json_add_str(e, "type", "SHIPMENT_SHIPPED");
  cg_json_add_int(e, "orderNumber", cg_json_int(order, "number", 0));
  cg_json_add_int(e, "shipmentId", cg_json_int(s, "id", 0));
  cg_json_add_str(e, "to", cg_json_str(order, "shippingAddress.email"));
  cg_json_add_str(e, "trackingNumber", cg_json_str(s, "trackingNumber"));
  cg_json_add_str(e, "at", sim_centra__now(now, sizeof(now)));
  cJSON_AddItemToArray(c->emails, e);
}

cJSON *sim_centra__op_complete_shipment(struct sim_centra *c, const cJSON *args,
                                        const char **err)
{
  cJSON *p = sim_centra__payload();
  cJSON *s = shipment_arg(c, args, p);
  const cJSON *input = cg_json_get(args, "input");
  cJSON *order =
      s ? sim_centra__order_by_id(c, cg_json_str(s, "order.id")) : NULL;
  if (s != NULL && cg_json_bool(s, "isShipped", false)) {
    sim_centra__user_error(p, "id", "Shipment %lld is already completed",
                           (long long)cg_json_int(s, "id", 0));
  } else if (s != NULL && order != NULL) {
    ship_info(s, input);
    ship_lines(c, s, order);
    if (cg_json_bool(input, "sendEmail", false))
      record_email(c, s, order);
    touch(c, s, "COMPLETED");
    sim_centra__order_recompute(c, order);
  }
  cJSON_AddItemToObject(p, "shipment",
                        s ? sim_centra__shipment_render(c, s)
                          : cJSON_CreateNull());
  return p;
}

static bool shipment_matches(const cJSON *s, const cJSON *where)
{
  static const char *const flags[] = {"isGoodToGo", "isShipped", "isPaid",
                                      "isCaptured", "isOnHold",  "isPrinted"};
  for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
    if (!sim_centra__match_bool(s, where, flags[i]))
      return false;
  }
  const cJSON *ext = cg_json_get(where, "externalId");
  return sim_centra__in_int_list(cg_json_get(where, "id"),
                                 cg_json_int(s, "id", 0)) &&
         sim_centra__in_str_list(cg_json_get(where, "number"),
                                 cg_json_str(s, "number")) &&
         sim_centra__in_str_list(cg_json_get(where, "orderId"),
                                 cg_json_str(s, "order.id")) &&
         sim_centra__store_type_ok(where) &&
         sim_centra__in_range(cg_json_str(s, "createdAt"),
                              cg_json_get(where, "createdAt")) &&
         sim_centra__in_range(cg_json_str(s, "updatedAt"),
                              cg_json_get(where, "updatedAt")) &&
         (ext == NULL ||
          sim_centra__in_str_list(ext, cg_json_str(s, "externalId")));
}

cJSON *sim_centra__op_shipments(struct sim_centra *c, const cJSON *args,
                                const char **err)
{
  int limit, page, seen = 0;
  const cJSON *where = cg_json_get(args, "where");
  if (sim_centra__paging(args, 20, 200, &limit, &page, err) != 0)
    return NULL;
  cJSON *out = cJSON_CreateArray();
  const cJSON *s;
  cJSON_ArrayForEach(s, c->shipments)
  {
    if (!shipment_matches(s, where))
      continue;
    if (seen++ >= (page - 1) * limit && cJSON_GetArraySize(out) < limit)
      cJSON_AddItemToArray(out, sim_centra__shipment_render(c, s));
  }
  return out;
}

/* --- capture ----------------------------------------------------------------
 */

static cJSON *capture_entry(struct sim_centra *c, const cJSON *s)
{
  char ref[48];
  cJSON *order = sim_centra__order_by_id(c, cg_json_str(s, "order.id"));
  cJSON *e = cJSON_CreateObject();
  cg_json_add_int(e, "id", cg_json_int(s, "id", 0));
  cg_json_add_str(e, "createdAt", cg_json_str(s, "capturedAt"));
  cg_json_add_str(e, "status", "SUCCESS");
  cg_json_add_str(e, "entryType", "CAPTURE");
  snprintf(ref, sizeof(ref), "sim-capture-%lld",
           (long long)cg_json_int(s, "id", 0));
  cg_json_add_str(e, "externalReference", ref);
  cJSON_AddItemToObject(e, "value",
                        cJSON_Duplicate(cg_json_get(s, "grandTotal"), true));
  cg_json_add_str(e, "paymentMethod", sim_centra__payment_method(order));
  cg_json_add_str(e, "paramsJSON", "{}");
  cJSON *hist = cJSON_GetObjectItemCaseSensitive(order, "paymentHistory");
  if (hist != NULL)
    cJSON_AddItemToArray(hist, cJSON_Duplicate(e, true));
  return e;
}

/* captureShipment: a failed capture fails the mutation (userErrors). */
cJSON *sim_centra__op_capture_shipment(struct sim_centra *c, const cJSON *args,
                                       const char **err)
{
  char now[40];
  cJSON *p = sim_centra__payload();
  cJSON *s = shipment_arg(c, args, p);
  const cJSON *order =
      s ? sim_centra__order_by_id(c, cg_json_str(s, "order.id")) : NULL;
  cJSON *entry = NULL;
  if (s != NULL && cg_json_bool(s, "isCaptured", false)) {
    sim_centra__user_error(p, "id", "Shipment is already captured");
  } else if (s != NULL && capture_error(c, order) != NULL) {
    sim_centra__user_error(p, "id", "%s", capture_error(c, order));
  } else if (s != NULL) {
    sim_centra__now(now, sizeof(now));
    sim_centra__set(s, "isCaptured", cJSON_CreateTrue());
    sim_centra__set(s, "isPaid", cJSON_CreateTrue());
    sim_centra__set(s, "capturedAt", cJSON_CreateString(now));
    sim_centra__set(s, "paidAt", cJSON_CreateString(now));
    entry = capture_entry(c, s);
    touch(c, s, "UPDATED");
  }
  cJSON_AddItemToObject(p, "paymentHistoryEntry",
                        entry ? entry : cJSON_CreateNull());
  cJSON_AddItemToObject(p, "shipment",
                        s ? sim_centra__shipment_render(c, s)
                          : cJSON_CreateNull());
  return p;
}
