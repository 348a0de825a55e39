/*
 * centra_ops: the GraphQL documents the engine sends to Centra and the
 * public operations that fill their variables. Every argument is a
 * variable ($where, $limit, ...), never spliced into the text, so no
 * value can change a query's shape. Selections follow
 * docs/internals/centra-api-subset.md; the simulator answers with whole
 * objects, real Centra with what is selected.
 */
#include "centra/centra.h"
#include "centra/centra_int.h"

#include "base/err.h"
#include "base/json.h"
#include "base/mem.h"

#include <stdio.h>
#include <string.h>

/* --- selections --------------------------------------------------------- */

#define MONEY "{ value currency { code } }"

#define ORDER_FRAGMENT                                                         \
  "fragment DtcOrder on DirectToConsumerOrder {"                               \
  " __typename id number status isOnHold isWaitingForPayment isLocked"         \
  " orderHoldReason externalId orderDate createdAt updatedAt"                  \
  " currencyBaseRate otherComment grandTotal " MONEY                           \
  " shippingAddress { firstName lastName companyName address1 address2"        \
  " city zipCode stateOrProvince country { code name } email phoneNumber }"    \
  " shippingPriceGroup { shippingOption { id name uri } }"                     \
  " lines { __typename id quantity cancelledQuantity returnedQuantity"         \
  " shippedQuantity productName productNumber productVariantName size"         \
  " unitPrice " MONEY " productSize { id SKU EAN description } }"              \
  " shipments { ...DtcShipment } }\n"

/* --- documents ---------------------------------------------------------- */

static const char Q_ORDERS[] =
    "query CgOrders($where: OrderFilter, $sort: [OrderSort!], $limit: Int,"
    " $page: Int) {\n"
    "  orders(where: $where, sort: $sort, limit: $limit, page: $page)"
    " { ...DtcOrder }\n}\n" ORDER_FRAGMENT CG__CENTRA_SHIPMENT_FRAGMENT;

static const char Q_ORDER[] =
    "query CgOrder($number: Int) {\n"
    "  order(number: $number) { ...DtcOrder }\n}\n" ORDER_FRAGMENT
        CG__CENTRA_SHIPMENT_FRAGMENT;

static const char M_SET_LISTENERS[] =
    "mutation CgSetEventListeners($input: [EventListenerInput!]!) {\n"
    "  setEventListeners(input: $input) {"
    " eventListeners { objectType changeTypes } " CG__CENTRA_PROBLEMS " }\n}\n";

static const char Q_EVENTS[] =
    "query CgEvents($where: EventFilter, $limit: Int) {\n"
    "  events(where: $where, limit: $limit) {"
    " id objectType changeType objectReference createdAt }\n}\n";

static const char M_CONFIRM[] =
    "mutation CgConfirmEvents($input: EventConfirmInput!) {\n"
    "  confirmEvents(input: $input) { " CG__CENTRA_PROBLEMS " }\n}\n";

static const char M_MARK[] =
    "mutation CgMarkExported($order: OrderInput!,"
    " $input: DirectToConsumerOrderUpdateInput!) {\n"
    "  updateDirectToConsumerOrder(order: $order, input: $input) {"
    " order { ...DtcOrder } " CG__CENTRA_PROBLEMS
    " }\n}\n" ORDER_FRAGMENT CG__CENTRA_SHIPMENT_FRAGMENT;

static const char Q_LIMITS[] =
    "query CgRateLimits {\n"
    "  rateLimits { type intervalSeconds quota usedQuota remainingQuota }\n"
    "}\n";

static const struct cg__centra_op OP_ORDERS = {"CgOrders", Q_ORDERS, "orders",
                                               false, NULL};
static const struct cg__centra_op OP_ORDER = {"CgOrder", Q_ORDER, "order",
                                              false, NULL};
static const struct cg__centra_op OP_SET_LISTENERS = {
    "CgSetEventListeners", M_SET_LISTENERS, "setEventListeners", true,
    "eventListeners"};
static const struct cg__centra_op OP_EVENTS = {"CgEvents", Q_EVENTS, "events",
                                               false, NULL};
static const struct cg__centra_op OP_CONFIRM = {"CgConfirmEvents", M_CONFIRM,
                                                "confirmEvents", true, NULL};
static const struct cg__centra_op OP_MARK = {
    "CgMarkExported", M_MARK, "updateDirectToConsumerOrder", true, "order"};
static const struct cg__centra_op OP_LIMITS = {"CgRateLimits", Q_LIMITS,
                                               "rateLimits", false, NULL};
/* --- variable helpers --------------------------------------------------- */

/* A JSON array of strings; NULL on ENOMEM. */
static cJSON *str_array(const char *const *items, size_t n)
{
  cJSON *arr = cJSON_CreateArray();
  for (size_t i = 0; arr != NULL && i < n; i++) {
    cJSON *s = cJSON_CreateString(items[i] ? items[i] : "");
    if (s == NULL || !cJSON_AddItemToArray(arr, s)) {
      cJSON_Delete(s);
      cJSON_Delete(arr);
      arr = NULL;
    }
  }
  return arr;
}

/* Adds item under key, or marks *ok false (item freed). */
static void put(cJSON *obj, const char *key, cJSON *item, bool *ok)
{
  if (!*ok || obj == NULL || item == NULL ||
      !cJSON_AddItemToObject(obj, key, item)) {
    cJSON_Delete(item);
    *ok = false;
  }
}

/* Returns vars, or frees it and returns NULL when !ok. */
static cJSON *vars_or_null(cJSON *vars, bool ok)
{
  if (ok && vars != NULL)
    return vars;
  cJSON_Delete(vars);
  return NULL;
}

static void put_tristate(cJSON *where, const char *key,
                         enum cg_centra_tristate t, bool *ok)
{
  if (t != CG_CENTRA_ANY)
    put(where, key, cJSON_CreateBool(t == CG_CENTRA_TRUE), ok);
}

static cJSON *orders_where(const struct cg_centra_order_filter *f, bool *ok)
{
  cJSON *where = cJSON_CreateObject();
  if (f->statuses != NULL && f->n_statuses > 0)
    put(where, "status", str_array(f->statuses, f->n_statuses), ok);
  put_tristate(where, "isOnHold", f->is_on_hold, ok);
  put_tristate(where, "isWaitingForPayment", f->is_waiting_for_payment, ok);
  if (f->updated_from != NULL) {
    cJSON *range = cJSON_CreateObject();
    put(range, "from", cJSON_CreateString(f->updated_from), ok);
    put(where, "updatedAt", range, ok);
  }
  if (!*ok || where == NULL) {
    cJSON_Delete(where);
    *ok = false;
    return NULL;
  }
  return where;
}

/* --- operations --------------------------------------------------------- */

int cg_centra_fetch_orders(struct cg_centra *c,
                           const struct cg_centra_order_filter *filter,
                           cg_call_done_fn done, void *arg)
{
  struct cg_centra_order_filter none = {0};
  const struct cg_centra_order_filter *f = filter ? filter : &none;
  if (done == NULL || f->limit < 0 || f->limit > 200 || f->page < 0)
    return CG_EINVAL;
  bool ok = true;
  cJSON *vars = cJSON_CreateObject();
  const char *sort[] = {"id_ASC"};
  put(vars, "where", orders_where(f, &ok), &ok);
  put(vars, "sort", str_array(sort, 1), &ok);
  put(vars, "limit", cJSON_CreateNumber(f->limit ? f->limit : 20), &ok);
  put(vars, "page", cJSON_CreateNumber(f->page ? f->page : 1), &ok);
  vars = vars_or_null(vars, ok);
  if (vars == NULL)
    return CG_ENOMEM;
  return cg__centra_call(c, &OP_ORDERS, vars, done, arg);
}

int cg_centra_fetch_order(struct cg_centra *c, int64_t number,
                          cg_call_done_fn done, void *arg)
{
  if (done == NULL || number <= 0)
    return CG_EINVAL;
  cJSON *vars = cJSON_CreateObject();
  bool ok = vars && cg_json_add_int(vars, "number", number) != NULL;
  vars = vars_or_null(vars, ok);
  if (vars == NULL)
    return CG_ENOMEM;
  return cg__centra_call(c, &OP_ORDER, vars, done, arg);
}

int cg_centra_set_event_listeners(struct cg_centra *c,
                                  const char *const *object_types,
                                  size_t n_types, cg_call_done_fn done,
                                  void *arg)
{
  if (done == NULL || object_types == NULL || n_types == 0)
    return CG_EINVAL;
  bool ok = true;
  cJSON *vars = cJSON_CreateObject();
  cJSON *input = cJSON_CreateArray();
  for (size_t i = 0; ok && input != NULL && i < n_types; i++) {
    cJSON *l = cJSON_CreateObject();
    put(l, "objectType", cJSON_CreateString(object_types[i]), &ok);
    if (ok && !cJSON_AddItemToArray(input, l))
      ok = false;
    else if (!ok)
      cJSON_Delete(l);
  }
  put(vars, "input", input, &ok);
  vars = vars_or_null(vars, ok);
  if (vars == NULL)
    return CG_ENOMEM;
  return cg__centra_call(c, &OP_SET_LISTENERS, vars, done, arg);
}

int cg_centra_fetch_events(struct cg_centra *c, const char *const *object_types,
                           size_t n_types, int limit, cg_call_done_fn done,
                           void *arg)
{
  if (done == NULL || limit < 0 || limit > 200 ||
      (n_types > 0 && object_types == NULL))
    return CG_EINVAL;
  bool ok = true;
  cJSON *vars = cJSON_CreateObject();
  cJSON *where = cJSON_CreateObject();
  if (n_types > 0)
    put(where, "objectType", str_array(object_types, n_types), &ok);
  put(vars, "where", where, &ok);
  put(vars, "limit", cJSON_CreateNumber(limit ? limit : 100), &ok);
  vars = vars_or_null(vars, ok);
  if (vars == NULL)
    return CG_ENOMEM;
  return cg__centra_call(c, &OP_EVENTS, vars, done, arg);
}

int cg_centra_confirm_events(struct cg_centra *c, const int64_t *ids,
                             size_t n_ids, cg_call_done_fn done, void *arg)
{
  if (done == NULL || ids == NULL || n_ids == 0)
    return CG_EINVAL;
  bool ok = true;
  cJSON *vars = cJSON_CreateObject();
  cJSON *input = cJSON_CreateObject();
  cJSON *arr = cJSON_CreateArray();
  for (size_t i = 0; ok && arr != NULL && i < n_ids; i++) {
    cJSON *n = cJSON_CreateNumber((double)ids[i]);
    if (n == NULL || !cJSON_AddItemToArray(arr, n)) {
      cJSON_Delete(n);
      ok = false;
    }
  }
  put(input, "eventsIds", arr, &ok);
  put(vars, "input", input, &ok);
  vars = vars_or_null(vars, ok);
  if (vars == NULL)
    return CG_ENOMEM;
  return cg__centra_call(c, &OP_CONFIRM, vars, done, arg);
}

int cg_centra_mark_exported(struct cg_centra *c, int64_t number,
                            const char *external_id, cg_call_done_fn done,
                            void *arg)
{
  if (done == NULL || number <= 0 || external_id == NULL)
    return CG_EINVAL;
  bool ok = true;
  cJSON *vars = cJSON_CreateObject();
  cJSON *order = cJSON_CreateObject();
  cJSON *input = cJSON_CreateObject();
  ok = order && cg_json_add_int(order, "number", number) != NULL;
  put(input, "externalId", cJSON_CreateString(external_id), &ok);
  put(vars, "order", order, &ok);
  put(vars, "input", input, &ok);
  vars = vars_or_null(vars, ok);
  if (vars == NULL)
    return CG_ENOMEM;
  return cg__centra_call(c, &OP_MARK, vars, done, arg);
}

int cg_centra_rate_limits(struct cg_centra *c, cg_call_done_fn done, void *arg)
{
  if (done == NULL)
    return CG_EINVAL;
  cJSON *vars = cJSON_CreateObject();
  if (vars == NULL)
    return CG_ENOMEM;
  return cg__centra_call(c, &OP_LIMITS, vars, done, arg);
}

struct refresh {
  struct cg_centra *c;
  cg_call_done_fn done;
  void *arg;
};

static void on_limits_done(struct cg_call_result *res, void *arg)
{
  struct refresh *rf = arg;
  if (res->outcome == CG_OUTCOME_OK &&
      cg__centra_apply_limits(rf->c, res->data) != 0)
    cg_call_result_set(res, CG_OUTCOME_FAIL, "no-mutation-limit",
                       "rateLimits has no MUTATION_COUNT/TEN_SECONDS entry;"
                       " keeping the current budget");
  rf->done(res, rf->arg);
  cg_free(rf);
}

int cg_centra_refresh_limits(struct cg_centra *c, cg_call_done_fn done,
                             void *arg)
{
  if (done == NULL)
    return CG_EINVAL;
  struct refresh *rf = cg_calloc(1, sizeof(*rf));
  if (rf == NULL)
    return CG_ENOMEM;
  *rf = (struct refresh){.c = c, .done = done, .arg = arg};
  int rc = cg_centra_rate_limits(c, on_limits_done, rf);
  if (rc != 0)
    cg_free(rf);
  return rc;
}
