/*
 * centra_write: the Centra operations of the dispatch and stock flows
 * (shipments, stock). Like centra_ops.c: each fills the variables of one
 * document of centra_docs.c; list inputs (shipment lines, stock sizes)
 * are built by the caller and copied here.
 *
 * Centra has no idempotency keys: a caller guards createShipment with a
 * read of current state (cg_centra_find_order_shipments, looking for the
 * additionalMessage stamp the create wrote; docs/internals/dispatch.md).
 */
#include "centra/centra.h"
#include "centra/centra_int.h"

#include "base/err.h"

#include <stdbool.h>

static bool nonempty(const char *s)
{
  return s != NULL && s[0] != '\0';
}

int cg_centra_create_shipment(struct cg_centra *c, int64_t order_number,
                              const cJSON *lines, const char *message,
                              bool capture, cg_call_done_fn done, void *arg)
{
  if (done == NULL || !cg__centra_valid_id(order_number) ||
      !cJSON_IsArray(lines) || cJSON_GetArraySize(lines) == 0)
    return CG_EINVAL;
  struct cg__centra_vars v;
  cg__centra_vars_init(&v);
  cg__centra_vars_int(&v, "orderNumber", order_number);
  cg__centra_vars_copy(&v, "lines", lines);
  if (message != NULL)
    cg__centra_vars_str(&v, "message", message);
  cg__centra_vars_bool(&v, "capture", capture);
  return cg__centra_vars_send(&v, c, CG__DOC_CREATE_SHIPMENT, done, arg);
}

int cg_centra_tag_shipment(struct cg_centra *c, int64_t shipment_id,
                           const char *external_id, cg_call_done_fn done,
                           void *arg)
{
  if (done == NULL || !cg__centra_valid_id(shipment_id) ||
      !nonempty(external_id))
    return CG_EINVAL;
  struct cg__centra_vars v;
  cg__centra_vars_init(&v);
  cg__centra_vars_int(&v, "id", shipment_id);
  cg__centra_vars_str(&v, "externalId", external_id);
  return cg__centra_vars_send(&v, c, CG__DOC_TAG_SHIPMENT, done, arg);
}

int cg_centra_complete_shipment(struct cg_centra *c, int64_t shipment_id,
                                const struct cg_centra_completion *how,
                                cg_call_done_fn done, void *arg)
{
  if (done == NULL || !cg__centra_valid_id(shipment_id) || how == NULL ||
      !nonempty(how->shipped_at) || how->carrier == NULL ||
      how->service == NULL || how->tracking == NULL || how->packages < 1)
    return CG_EINVAL;
  struct cg__centra_vars v;
  cg__centra_vars_init(&v);
  cg__centra_vars_int(&v, "id", shipment_id);
  cg__centra_vars_str(&v, "shippedAt", how->shipped_at);
  cg__centra_vars_bool(&v, "sendEmail", how->send_email);
  cg__centra_vars_str(&v, "carrier", how->carrier);
  cg__centra_vars_str(&v, "service", how->service);
  cg__centra_vars_str(&v, "tracking", how->tracking);
  cg__centra_vars_int(&v, "packages", how->packages);
  return cg__centra_vars_send(&v, c, CG__DOC_COMPLETE_SHIPMENT, done, arg);
}

int cg_centra_find_order_shipments(struct cg_centra *c, const char *order_id,
                                   cg_call_done_fn done, void *arg)
{
  if (done == NULL || !nonempty(order_id))
    return CG_EINVAL;
  struct cg__centra_vars v;
  cg__centra_vars_init(&v);
  cg__centra_vars_str(&v, "orderId", order_id);
  cg__centra_vars_int(&v, "limit", CG_CENTRA_ORDER_SHIPMENTS_MAX);
  return cg__centra_vars_send(&v, c, CG__DOC_ORDER_SHIPMENTS, done, arg);
}

int cg_centra_set_stock(struct cg_centra *c, int64_t warehouse_id,
                        const char *description, const cJSON *sizes,
                        cg_call_done_fn done, void *arg)
{
  if (done == NULL || !cg__centra_valid_id(warehouse_id) ||
      !nonempty(description) || !cJSON_IsArray(sizes) ||
      cJSON_GetArraySize(sizes) == 0)
    return CG_EINVAL;
  struct cg__centra_vars v;
  cg__centra_vars_init(&v);
  cg__centra_vars_int(&v, "warehouseId", warehouse_id);
  cg__centra_vars_str(&v, "description", description);
  cg__centra_vars_copy(&v, "sizes", sizes);
  return cg__centra_vars_send(&v, c, CG__DOC_SET_STOCK, done, arg);
}
