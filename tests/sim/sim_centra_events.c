/*
 * sim_centra_events: returns, the events queue and rateLimits of the
 * simulated Centra (rateLimits is in sim_centra_http.c, with the budget).
 *
 * Returns are seeded through the control API for shipped lines, then the
 * client completes (back to stock on request) and refunds them. The events
 * queue holds every event since start; `events` answers the oldest
 * unconfirmed ones that match the registered listeners (all when none are
 * registered) and the where filter, as often as asked, until confirmed.
 */
#include "sim_centra.h"

#include "sim_util.h"

#include "base/json.h"
#include "base/mem.h"

#include <stdio.h>
#include <string.h>

/* --- returns ----------------------------------------------------------------
 */

/* The shipped shipment line of order line ol (in shipment sid when > 0). */
static const cJSON *shipped_line(struct sim_centra *c, int64_t onum,
                                 int64_t sid, int64_t ol, int64_t *ship_id)
{
  const cJSON *s, *l;
  cJSON_ArrayForEach(s, c->shipments)
  {
    if (cg_json_int(s, "order.number", 0) != onum ||
        !cg_json_bool(s, "isShipped", false) ||
        (sid > 0 && cg_json_int(s, "id", 0) != sid))
      continue;
    cJSON_ArrayForEach(l, cg_json_get(s, "lines"))
    {
      if (cg_json_int(l, "orderLine.id", 0) == ol) {
        *ship_id = cg_json_int(s, "id", 0);
        return l;
      }
    }
  }
  return NULL;
}

static const cJSON *return_order_line(const cJSON *order, const cJSON *spec)
{
  const char *sku = cg_json_str(spec, "sku");
  const cJSON *lines = cg_json_get(order, "lines"), *l;
  if (sku == NULL)
    return sim_centra__find_int(lines, "id",
                                cg_json_int(spec, "orderLineId", -1));
  cJSON_ArrayForEach(l, lines)
  {
    const char *ls = cg_json_str(l, "productSize.SKU");
    if (ls != NULL && strcmp(ls, sku) == 0)
      return l;
  }
  return NULL;
}

/* Units of order line ol already in returns. */
static int64_t returned_units(struct sim_centra *c, int64_t ol)
{
  int64_t sum = 0;
  const cJSON *r, *l;
  cJSON_ArrayForEach(r, c->returns)
  {
    cJSON_ArrayForEach(l, cg_json_get(r, "lines"))
    {
      if (cg_json_int(l, "orderLine.id", 0) == ol)
        sum += cg_json_int(l, "quantity", 0);
    }
  }
  return sum;
}

/* unitPrice and lineValue of a return line of qty units of order line
 * ol (as the order line's prices, tax included). */
static void line_money(cJSON *l, const cJSON *ol, int64_t qty,
                       const char *currency)
{
  double price = cJSON_GetNumberValue(cg_json_get(ol, "unitPrice.value"));
  price = price == price ? price : 0;
  cJSON_AddItemToObject(l, "unitPrice", sim_centra__money(price, currency));
  cJSON_AddItemToObject(l, "lineValue",
                        sim_centra__money(price * (double)qty, currency));
}

static int add_return_line(struct sim_centra *c, cJSON *ret, const cJSON *order,
                           const cJSON *spec, const char **msg)
{
  const cJSON *ol = return_order_line(order, spec);
  int64_t olid = cg_json_int(ol, "id", 0), sid = 0;
  int64_t qty = cg_json_int(spec, "quantity", 1);
  const cJSON *sl =
      ol ? shipped_line(c, cg_json_int(order, "number", 0),
                        cg_json_int(ret, "shipment.id", 0), olid, &sid)
         : NULL;
  if (sl == NULL) {
    *msg = "return line: no shipped line matches (sku/orderLineId)";
    return -1;
  }
  if (qty < 1 ||
      qty > cg_json_int(ol, "shippedQuantity", 0) - returned_units(c, olid)) {
    *msg = "return line: quantity exceeds what was shipped and not returned";
    return -1;
  }
  sim_centra__set(cJSON_GetObjectItemCaseSensitive(ret, "shipment"), "id",
                  cJSON_CreateNumber((double)sid));
  cJSON *l = cJSON_CreateObject();
  cg_json_add_int(l, "id", sim_centra__next(c, SC_SEQ_RETURN_LINE));
  cg_json_add_int(l, "quantity", qty);
  cJSON_AddItemToObject(cJSON_AddObjectToObject(l, "shipmentLine"), "id",
                        cJSON_CreateNumber((double)cg_json_int(sl, "id", 0)));
  cJSON_AddItemToObject(cJSON_AddObjectToObject(l, "orderLine"), "id",
                        cJSON_CreateNumber((double)olid));
  line_money(l, ol, qty, cg_json_str(order, "grandTotal.currency.code"));
  cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(ret, "lines"), l);
  return 0;
}

/* Restock on completion: releaseItemsBackToWarehouse or
 * sendItemsToDifferentWarehouse (the control API's returnToStock: true, the
 * default). */
static bool restock_policy(const cJSON *spec)
{
  const cJSON *pol = cg_json_get(spec, "returnStockActionPolicy");
  if (pol != NULL)
    return cg_json_bool(pol, "releaseItemsBackToWarehouse", false) ||
           cg_json_get(pol, "sendItemsToDifferentWarehouse.id") != NULL;
  return cg_json_bool(spec, "returnToStock", true);
}

static cJSON *new_return(const cJSON *order, const cJSON *spec)
{
  char now[40];
  cJSON *r = cJSON_CreateObject();
  cg_json_add_str(r, "__typename", "DirectToConsumerReturn");
  cg_json_add_str(r, "status", "ACTIVE");
  cg_json_add_str(r, "comment", cg_json_str(spec, "comment"));
  cJSON_AddNumberToObject(r, "currencyBaseRate", 1.0);
  cJSON_AddItemToObject(r, "store", sim_centra__store());
  cJSON_AddItemToObject(r, "customer",
                        cJSON_Duplicate(cg_json_get(order, "customer"), true));
  cJSON_AddArrayToObject(r, "refundPaymentHistory");
  cJSON_AddItemToObject(r, "returnWarehouse",
                        sim_centra__warehouse(SC_DEFAULT_WAREHOUSE));
  cJSON_AddBoolToObject(r, "restock", restock_policy(spec));
  cg_json_add_str(r, "returnStatus", "PENDING");
  cg_json_add_str(r, "externalId", cg_json_str(spec, "externalId"));
  cg_json_add_str(r, "createdAt", sim_centra__now(now, sizeof(now)));
  cJSON_AddBoolToObject(r, "returnedToStock", false);
  cJSON_AddBoolToObject(r, "refunded", false);
  /* Control API only: successful completeReturn / refundReturn calls. */
  cg_json_add_int(r, "completions", 0);
  cg_json_add_int(r, "refunds", 0);
  cJSON *o = cJSON_AddObjectToObject(r, "order");
  cg_json_add_str(o, "id", cg_json_str(order, "id"));
  cg_json_add_int(o, "number", cg_json_int(order, "number", 0));
  cJSON *s = cJSON_AddObjectToObject(r, "shipment");
  cg_json_add_int(s, "id", cg_json_int(spec, "shipmentId", 0));
  cJSON_AddArrayToObject(r, "lines");
  return r;
}

/* totalQuantity and grandTotal from the lines' unit prices. */
static void return_totals(struct sim_centra *c, cJSON *r, const cJSON *order)
{
  int64_t qty = 0;
  double sum = 0;
  const cJSON *l;
  cJSON_ArrayForEach(l, cg_json_get(r, "lines"))
  {
    const cJSON *ol = sim_centra__find_int(cg_json_get(order, "lines"), "id",
                                           cg_json_int(l, "orderLine.id", 0));
    double price = cJSON_GetNumberValue(cg_json_get(ol, "unitPrice.value"));
    qty += cg_json_int(l, "quantity", 0);
    sum += (price == price ? price : 0) * (double)cg_json_int(l, "quantity", 0);
  }
  cg_json_add_int(r, "totalQuantity", qty);
  cJSON_AddItemToObject(
      r, "grandTotal",
      sim_centra__money(sum, cg_json_str(order, "grandTotal.currency.code")));
}

cJSON *sim_centra__return_seed(struct sim_centra *c, const cJSON *spec,
                               const char **msg)
{
  const cJSON *order =
      sim_centra__order_by_number(c, cg_json_int(spec, "orderNumber", 0));
  const cJSON *it;
  if (order == NULL || cJSON_GetArraySize(cg_json_get(spec, "lines")) < 1) {
    *msg = order ? "a return needs lines" : "return: unknown orderNumber";
    return NULL;
  }
  cJSON *r = new_return(order, spec);
  cJSON_ArrayForEach(it, cg_json_get(spec, "lines"))
  {
    if (add_return_line(c, r, order, it, msg) != 0) {
      cJSON_Delete(r);
      return NULL;
    }
  }
  return_totals(c, r, order);
  int64_t id = sim_centra__next(c, SC_SEQ_RETURN);
  cJSON_AddItemToObject(r, "id", cJSON_CreateNumber((double)id));
  cJSON_AddItemToArray(c->returns, r);
  sim_centra__event(c, "Return", "CREATED", id);
  return r;
}

/* A copy of the return as the API answers: each line's orderLine and
 * shipmentLine in full. */
static cJSON *return_render(struct sim_centra *c, const cJSON *r)
{
  cJSON *out = cJSON_Duplicate(r, true);
  const cJSON *order =
      sim_centra__order_by_number(c, cg_json_int(r, "order.number", 0));
  const cJSON *ship = sim_centra__find_int(c->shipments, "id",
                                           cg_json_int(r, "shipment.id", 0));
  cJSON *rs = ship ? sim_centra__shipment_render(c, ship) : NULL;
  cJSON *l;
  cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(out, "lines"))
  {
    const cJSON *ol = sim_centra__find_int(cg_json_get(order, "lines"), "id",
                                           cg_json_int(l, "orderLine.id", -1));
    const cJSON *sl = sim_centra__find_int(
        cg_json_get(rs, "lines"), "id", cg_json_int(l, "shipmentLine.id", -1));
    cJSON *line = ol != NULL ? cJSON_Duplicate(ol, true) : NULL;
    if (line != NULL) {
      sim_centra__render_line(line);
      sim_centra__set(l, "orderLine", line);
    }
    if (sl != NULL)
      sim_centra__set(l, "shipmentLine", cJSON_Duplicate(sl, true));
  }
  if (rs != NULL)
    sim_centra__set(out, "shipment", rs);
  cJSON *copy = order != NULL ? cJSON_Duplicate(order, true) : NULL;
  if (copy != NULL) {
    sim_centra__render_lines(copy);
    sim_centra__set(out, "order", copy);
  }
  return out;
}

cJSON *sim_centra__op_returns(struct sim_centra *c, const cJSON *args,
                              const char **err)
{
  int limit, page, seen = 0;
  const cJSON *where = cg_json_get(args, "where"), *r;
  if (sim_centra__paging(args, 20, 200, &limit, &page, err) != 0)
    return NULL;
  cJSON *out = cJSON_CreateArray();
  cJSON_ArrayForEach(r, c->returns)
  {
    if (!sim_centra__in_int_list(cg_json_get(where, "id"),
                                 cg_json_int(r, "id", 0)) ||
        !sim_centra__in_int_list(cg_json_get(where, "customerId"),
                                 cg_json_int(r, "customer.id", 0)) ||
        !sim_centra__in_range(cg_json_str(r, "createdAt"),
                              cg_json_get(where, "createdAt")) ||
        !sim_centra__store_type_ok(where))
      continue;
    if (seen++ >= (page - 1) * limit && cJSON_GetArraySize(out) < limit)
      cJSON_AddItemToArray(out, return_render(c, r));
  }
  return out;
}

/* createReturn: shipment lines -> the seed form (order line ids). */
static cJSON *return_spec(struct sim_centra *c, const cJSON *input,
                          const cJSON **ship)
{
  *ship = sim_centra__find_int(c->shipments, "id",
                               cg_json_int(input, "shipment.id", -1));
  cJSON *spec = cJSON_CreateObject();
  cg_json_add_int(spec, "orderNumber", cg_json_int(*ship, "order.number", 0));
  cg_json_add_int(spec, "shipmentId", cg_json_int(*ship, "id", 0));
  sim_json_copy(spec, input, "externalId");
  sim_json_copy(spec, input, "comment");
  sim_json_copy(spec, input, "returnStockActionPolicy");
  cJSON *lines = cJSON_AddArrayToObject(spec, "lines");
  const cJSON *it;
  cJSON_ArrayForEach(it, cg_json_get(input, "lines"))
  {
    const cJSON *sl =
        sim_centra__find_int(cg_json_get(*ship, "lines"), "id",
                             cg_json_int(it, "shipmentLine.id", -1));
    cJSON *l = cJSON_CreateObject();
    cg_json_add_int(l, "orderLineId", cg_json_int(sl, "orderLine.id", -1));
    cg_json_add_int(l, "quantity", cg_json_int(it, "quantity", 0));
    cJSON_AddItemToArray(lines, l);
  }
  return spec;
}

cJSON *sim_centra__op_create_return(struct sim_centra *c, const cJSON *args,
                                    const char **err)
{
  const char *msg = NULL;
  const cJSON *ship;
  cJSON *p = sim_centra__payload();
  cJSON *spec = return_spec(c, cg_json_get(args, "input"), &ship);
  cJSON *r = NULL;
  if (ship == NULL)
    sim_centra__user_error(p, "input.shipment", "Shipment not found");
  else if ((r = sim_centra__return_seed(c, spec, &msg)) == NULL)
    sim_centra__user_error(p, "input.lines", "%s", msg);
  cJSON_AddItemToObject(p, "return",
                        r ? return_render(c, r) : cJSON_CreateNull());
  cJSON_Delete(spec);
  return p;
}

static cJSON *return_arg(struct sim_centra *c, const cJSON *args, cJSON *p)
{
  int64_t id;
  cJSON *r = NULL;
  if (cg_json_get_int(args, "id", &id) == 0)
    r = sim_centra__find_int(c->returns, "id", id);
  if (r == NULL)
    sim_centra__user_error(p, "id", "Return not found");
  return r;
}

/* Adds the returned units to the order lines (and to stock on request). */
static void apply_return(struct sim_centra *c, const cJSON *r, bool to_stock)
{
  cJSON *order =
      sim_centra__order_by_number(c, cg_json_int(r, "order.number", 0));
  const cJSON *l;
  cJSON_ArrayForEach(l, cg_json_get(r, "lines"))
  {
    int64_t qty = cg_json_int(l, "quantity", 0);
    cJSON *ol = sim_centra__find_int(cg_json_get(order, "lines"), "id",
                                     cg_json_int(l, "orderLine.id", 0));
    if (ol == NULL)
      continue;
    sim_centra__set(ol, "returnedQuantity",
                    cJSON_CreateNumber((
                        double)(cg_json_int(ol, "returnedQuantity", 0) + qty)));
    cJSON *size =
        sim_centra__size_by_sku(c, cg_json_str(ol, "productSize.SKU"));
    if (to_stock && size != NULL)
      sim_centra__stock_add(c, size, SC_DEFAULT_WAREHOUSE, qty);
  }
}

/* Adds one to the counter key of r. */
static void bump(cJSON *r, const char *key)
{
  sim_centra__set(r, key,
                  cJSON_CreateNumber((double)(cg_json_int(r, key, 0) + 1)));
}

static void record(cJSON *list, const char *type, const cJSON *r)
{
  char now[40];
  cJSON *e = cJSON_CreateObject();
  cg_json_add_str(e, "type", type);
  cg_json_add_int(e, "returnId", cg_json_int(r, "id", 0));
  cg_json_add_int(e, "orderNumber", cg_json_int(r, "order.number", 0));
  cg_json_add_str(e, "at", sim_centra__now(now, sizeof(now)));
  cJSON_AddItemToArray(list, e);
}

cJSON *sim_centra__op_complete_return(struct sim_centra *c, const cJSON *args,
                                      const char **err)
{
  char now[40];
  cJSON *p = sim_centra__payload();
  cJSON *r = return_arg(c, args, p);
  const cJSON *input = cg_json_get(args, "input");
  if (r != NULL && strcmp(cg_json_str(r, "returnStatus"), "COMPLETED") == 0) {
    sim_centra__user_error(p, "id", "Return is already completed");
  } else if (r != NULL) {
    bool to_stock = cg_json_bool(r, "restock", false);
    sim_centra__set(r, "returnStatus", cJSON_CreateString("COMPLETED"));
    sim_centra__set(r, "returnedToStock", cJSON_CreateBool(to_stock));
    sim_centra__set(r, "completedAt",
                    cJSON_CreateString(sim_centra__now(now, sizeof(now))));
    apply_return(c, r, to_stock);
    bump(r, "completions");
    if (cg_json_bool(input, "sendEmail", false))
      record(c->emails, "RETURN_COMPLETED", r);
    sim_centra__event(c, "Return", "COMPLETED", cg_json_int(r, "id", 0));
  }
  cJSON_AddItemToObject(p, "return",
                        r ? return_render(c, r) : cJSON_CreateNull());
  return p;
}

/* Sum of the returned lines' unit prices. */
static double return_amount(struct sim_centra *c, const cJSON *r,
                            const char **currency)
{
  const cJSON *order =
      sim_centra__order_by_number(c, cg_json_int(r, "order.number", 0));
  const cJSON *l;
  double sum = 0;
  *currency = cg_json_str(order, "grandTotal.currency.code");
  cJSON_ArrayForEach(l, cg_json_get(r, "lines"))
  {
    const cJSON *ol = sim_centra__find_int(cg_json_get(order, "lines"), "id",
                                           cg_json_int(l, "orderLine.id", 0));
    sum += cJSON_GetNumberValue(cg_json_get(ol, "unitPrice.value")) *
           (double)cg_json_int(l, "quantity", 0);
  }
  return sum;
}

/* The refund's payment history entry (the schema's entry types name no
 * refund, so entryType is null); also kept on the return. */
static cJSON *refund_entry(cJSON *r, double amount, const char *currency)
{
  char now[40];
  cJSON *e = cJSON_CreateObject();
  cg_json_add_int(e, "id", cg_json_int(r, "id", 0));
  cg_json_add_str(e, "createdAt", sim_centra__now(now, sizeof(now)));
  cg_json_add_str(e, "status", "SUCCESS");
  cJSON_AddNullToObject(e, "entryType");
  cg_json_add_str(e, "externalReference", "sim-refund");
  cJSON_AddItemToObject(e, "value", sim_centra__money(amount, currency));
  cg_json_add_str(e, "paymentMethod", "sim");
  cg_json_add_str(e, "paramsJSON", "{}");
  cJSON_AddItemToArray(
      cJSON_GetObjectItemCaseSensitive(r, "refundPaymentHistory"),
      cJSON_Duplicate(e, true));
  return e;
}

cJSON *sim_centra__op_refund_return(struct sim_centra *c, const cJSON *args,
                                    const char **err)
{
  cJSON *entry = NULL;
  cJSON *p = sim_centra__payload();
  cJSON *r = return_arg(c, args, p);
  if (r != NULL && cg_json_bool(r, "refunded", false)) {
    sim_centra__user_error(p, "id", "Return is already refunded");
  } else if (r != NULL) {
    const char *currency = NULL;
    sim_centra__set(r, "refunded", cJSON_CreateTrue());
    bump(r, "refunds");
    record(c->refunds, "REFUND", r);
    cJSON *rec =
        cJSON_GetArrayItem(c->refunds, cJSON_GetArraySize(c->refunds) - 1);
    double amount = return_amount(c, r, &currency);
    cJSON_AddNumberToObject(rec, "amount", amount);
    cg_json_add_str(rec, "currency", currency);
    if (cg_json_bool(cg_json_get(args, "input"), "sendEmail", false))
      record(c->emails, "RETURN_REFUNDED", r);
    entry = refund_entry(r, amount, currency);
  }
  bool no_entries = strcmp(c->refund_answer, "no-entries") == 0;
  if (no_entries) { /* refunded, and the answer does not say so */
    cJSON_Delete(entry);
    entry = NULL;
  }
  cJSON *list = cJSON_AddArrayToObject(p, "paymentHistoryEntries");
  if (entry != NULL)
    cJSON_AddItemToArray(list, cJSON_Duplicate(entry, true));
  cJSON_AddItemToObject(p, "paymentHistoryEntry",
                        entry ? entry : cJSON_CreateNull());
  cJSON *ret = r ? return_render(c, r) : cJSON_CreateNull();
  if (r != NULL && strcmp(c->refund_answer, "other-return") == 0)
    sim_centra__set(ret, "id",
                    cJSON_CreateNumber((double)(cg_json_int(r, "id", 0) + 1)));
  cJSON_AddItemToObject(p, "return", ret);
  return p;
}

/* --- events queue ------------------------------------------------------------
 */

static const char *const CHANGE_TYPES[] = {"CREATED", "UPDATED", "COMPLETED",
                                           "DELETED", "DEPENDENT_DATA_CHANGED"};

/* changeTypes absent or null: every change type. */
static cJSON *change_types(const cJSON *changes)
{
  if (cJSON_IsArray(changes))
    return cJSON_Duplicate(changes, true);
  return cJSON_CreateStringArray(CHANGE_TYPES, 5);
}

/* Merges one listener: a new object type, or more change types. */
static void merge_listener(struct sim_centra *c, const char *type,
                           const cJSON *changes)
{
  char now[40];
  cJSON *l = sim_centra__find_str(c->listeners, "objectType", type);
  cJSON *want = change_types(changes);
  const cJSON *ch;
  sim_centra__now(now, sizeof(now));
  if (l == NULL) {
    l = cJSON_CreateObject();
    cg_json_add_str(l, "integrationName", SC_INTEGRATION_NAME);
    cg_json_add_str(l, "objectType", type);
    cJSON_AddItemToObject(l, "changeTypes", want);
    cg_json_add_str(l, "createdAt", now);
    cg_json_add_str(l, "updatedAt", now);
    cJSON_AddItemToArray(c->listeners, l);
    return;
  }
  cJSON *have = cJSON_GetObjectItemCaseSensitive(l, "changeTypes");
  cJSON_ArrayForEach(ch, want)
  {
    if (cJSON_IsString(ch) && !sim_centra__in_str_list(have, ch->valuestring))
      cJSON_AddItemToArray(have, cJSON_Duplicate(ch, false));
  }
  sim_centra__set(l, "updatedAt", cJSON_CreateString(now));
  cJSON_Delete(want);
}

cJSON *sim_centra__op_set_listeners(struct sim_centra *c, const cJSON *args,
                                    const char **err)
{
  cJSON *p = sim_centra__payload();
  const cJSON *it;
  cJSON_ArrayForEach(it, cg_json_get(args, "input"))
  {
    merge_listener(c, cg_json_str(it, "objectType"),
                   cg_json_get(it, "changeTypes"));
  }
  cJSON_AddItemToObject(p, "eventListeners",
                        cJSON_Duplicate(c->listeners, true));
  return p;
}

cJSON *sim_centra__op_event_listeners(struct sim_centra *c, const cJSON *args,
                                      const char **err)
{
  return cJSON_Duplicate(c->listeners, true);
}

static bool listened(struct sim_centra *c, const cJSON *ev)
{
  const cJSON *l;
  if (cJSON_GetArraySize(c->listeners) == 0)
    return true;
  l = sim_centra__find_str(c->listeners, "objectType",
                           cg_json_str(ev, "objectType"));
  return l != NULL && sim_centra__in_str_list(cg_json_get(l, "changeTypes"),
                                              cg_json_str(ev, "changeType"));
}

/* The event's object; an order as far as the event's tree reads it. */
static cJSON *event_object(struct sim_centra *c, const cJSON *ev)
{
  const char *t = cg_json_str(ev, "objectType");
  int64_t ref = cg_json_int(ev, "objectReference", 0);
  const cJSON *o = NULL;
  const struct sc_product *p;
  if (strcmp(t, "Order") == 0 && (o = sim_centra__order_by_number(c, ref)))
    return sim_centra__order_view(c, o, sim_tree_sub(c->needs, "object"));
  if (strcmp(t, "ProductSize") == 0 &&
      (o = sim_centra__find_int(c->sizes, "id", ref)))
    return sim_centra__size_render(c, o);
  if (strcmp(t, "Product") == 0 &&
      (p = cg_map_get_int(&c->products_by_id, ref)) != NULL)
    return sim_centra__product_render(c, p);
  if (strcmp(t, "Return") == 0 &&
      (o = sim_centra__find_int(c->returns, "id", ref)))
    return return_render(c, o);
  if (strcmp(t, "Shipment") == 0 &&
      (o = sim_centra__find_int(c->shipments, "id", ref)))
    return sim_centra__shipment_render(c, o);
  return cJSON_CreateNull();
}

cJSON *sim_centra__op_events(struct sim_centra *c, const cJSON *args,
                             const char **err)
{
  int limit, page;
  const cJSON *where = cg_json_get(args, "where"), *ev;
  if (sim_centra__paging(args, 100, 200, &limit, &page, err) != 0)
    return NULL;
  cJSON *out = cJSON_CreateArray();
  int n = 0;
  for (ev = sim_centra__events_open(c); ev != NULL && n < limit;
       ev = ev->next) {
    if (cg_json_bool(ev, "confirmed", false) || !listened(c, ev) ||
        !sim_centra__in_str_list(cg_json_get(where, "objectType"),
                                 cg_json_str(ev, "objectType")) ||
        !sim_centra__in_str_list(cg_json_get(where, "changeType"),
                                 cg_json_str(ev, "changeType")))
      continue;
    cJSON *e = sim_json_view(ev);
    cJSON_DeleteItemFromObjectCaseSensitive(e, "confirmed");
    cJSON_AddItemToObject(e, "object", event_object(c, ev));
    cJSON_AddItemToArray(out, e);
    n++;
  }
  return out;
}

cJSON *sim_centra__op_confirm_events(struct sim_centra *c, const cJSON *args,
                                     const char **err)
{
  cJSON *p = sim_centra__payload();
  const cJSON *ids = cg_json_get(args, "input.eventsIds"), *id;
  cJSON *done = cJSON_AddArrayToObject(p, "events");
  int i = 0;
  char path[48];
  if (!cJSON_IsArray(ids))
    sim_centra__user_error(p, "input.eventsIds", "eventsIds is required");
  cJSON_ArrayForEach(id, ids)
  {
    cJSON *ev = cJSON_IsNumber(id)
                    ? sim_centra__event_by_id(c, (int64_t)id->valuedouble)
                    : NULL;
    snprintf(path, sizeof(path), "input.eventsIds.%d", i++);
    if (ev == NULL) {
      sim_centra__user_error(p, path, "Event not found");
      continue;
    }
    sim_centra__set(ev, "confirmed", cJSON_CreateTrue());
    cJSON *e = cJSON_Duplicate(ev, true);
    cJSON_DeleteItemFromObjectCaseSensitive(e, "confirmed");
    cJSON_AddItemToArray(done, e);
  }
  return p;
}
