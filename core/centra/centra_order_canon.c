/*
 * centra_order_canon: the canonical order, what the engine stores and the
 * rule hooks receive as `order`, from Centra's WarehouseOrder selection
 * (centra_docs.c). The Centra client applies it to every answer that
 * holds orders (cg__centra_op.canon, in centra_result.c) before the
 * caller sees it, so every path (poll, events, webhook hint, follow-up
 * reads) yields the same shape.
 *
 * The only derived member: `paymentMethod`, the first non-empty
 * paymentHistory[].paymentMethod (Centra's plugin name of the payment,
 * e.g. "klarna-checkout"; the authorisation is the history's first
 * entry). The history itself is left out: nothing else reads it, and it
 * grows with every capture. No method known: no member (the rules then
 * see nil).
 */
#include "centra/centra_int.h"

#include "base/json.h"

#include <stddef.h>

static const char *first_method(const cJSON *history)
{
  const cJSON *e;
  cJSON_ArrayForEach(e, history)
  {
    const char *m = cg_json_str(e, "paymentMethod");
    if (m != NULL && m[0] != '\0')
      return m;
  }
  return NULL;
}

static void canon_order(cJSON *order)
{
  if (!cJSON_IsObject(order))
    return;
  cJSON *history =
      cJSON_DetachItemFromObjectCaseSensitive(order, "paymentHistory");
  const char *method = first_method(history);
  cJSON_DeleteItemFromObjectCaseSensitive(order, "paymentMethod");
  if (method != NULL)
    cJSON_AddItemToObject(order, "paymentMethod", cJSON_CreateString(method));
  cJSON_Delete(history);
}

void cg__centra_canon_orders(cJSON *orders)
{
  cJSON *o;
  cJSON_ArrayForEach(o, orders)
  {
    canon_order(o);
  }
}

void cg__centra_canon_events(cJSON *events)
{
  cJSON *e;
  cJSON_ArrayForEach(e, events)
  {
    cJSON *object = cJSON_GetObjectItemCaseSensitive(e, "object");
    if (cJSON_HasObjectItem(object, "paymentHistory"))
      canon_order(object);
  }
}
