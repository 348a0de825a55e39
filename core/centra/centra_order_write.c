/*
 * centra_order_write: the Centra writes that settle what the warehouse
 * did not ship and what Centra did not capture (dispatch flow,
 * docs/internals/dispatch.md "Remainders", "Capture"): cancelLines on the
 * order update mutation and captureShipment. Like centra_write.c: each
 * fills the variables of one document of centra_docs.c.
 *
 * Neither has an idempotency key: the caller reads current state first
 * (the order's lines, the shipment's isCaptured) and sends only what is
 * still to do.
 */
#include "centra/centra.h"
#include "centra/centra_int.h"

#include "base/err.h"

#include <stdbool.h>

int cg_centra_cancel_lines(struct cg_centra *c, int64_t order_number,
                           const cJSON *lines, const char *comment,
                           cg_call_done_fn done, void *arg)
{
  if (done == NULL || !cg__centra_valid_id(order_number) ||
      !cJSON_IsArray(lines) || cJSON_GetArraySize(lines) == 0 ||
      comment == NULL)
    return CG_EINVAL;
  struct cg__centra_vars v;
  cg__centra_vars_init(&v);
  cg__centra_vars_int(&v, "orderNumber", order_number);
  cg__centra_vars_copy(&v, "lines", lines);
  cg__centra_vars_str(&v, "comment", comment);
  return cg__centra_vars_send(&v, c, CG__DOC_CANCEL_LINES, done, arg);
}

int cg_centra_capture_shipment(struct cg_centra *c, int64_t shipment_id,
                               cg_call_done_fn done, void *arg)
{
  if (done == NULL || !cg__centra_valid_id(shipment_id))
    return CG_EINVAL;
  struct cg__centra_vars v;
  cg__centra_vars_init(&v);
  cg__centra_vars_int(&v, "id", shipment_id);
  return cg__centra_vars_send(&v, c, CG__DOC_CAPTURE_SHIPMENT, done, arg);
}
