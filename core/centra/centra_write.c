/*
 * centra_write: the Centra operations of the dispatch and stock flows
 * (shipments, stock). Like centra_ops.c: static documents, every argument
 * a variable; the caller builds the input objects (ShipmentCreateInput,
 * ShipmentCompleteInput, StockChangeInput, StockSetInput) in the shapes of
 * docs/internals/centra-api-subset.md and they are copied here.
 *
 * Centra has no idempotency keys: callers guard createShipment with
 * cg_centra_find_shipments_by_external_id (ARCHITECTURE §3).
 */
#include "centra/centra.h"
#include "centra/centra_int.h"

#include "base/err.h"
#include "base/json.h"

#include <stdbool.h>

static const char M_CREATE_SHIPMENT[] =
    "mutation CgCreateShipment($input: ShipmentCreateInput!) {\n"
    "  createShipment(input: $input) { shipment { ...DtcShipment "
    "} " CG__CENTRA_PROBLEMS " }\n}\n" CG__CENTRA_SHIPMENT_FRAGMENT;

static const char M_COMPLETE_SHIPMENT[] =
    "mutation CgCompleteShipment($id: Int!,"
    " $input: ShipmentCompleteInput!) {\n"
    "  completeShipment(id: $id, input: $input) {"
    " shipment { ...DtcShipment } " CG__CENTRA_PROBLEMS
    " }\n}\n" CG__CENTRA_SHIPMENT_FRAGMENT;

static const char Q_SHIPMENTS[] =
    "query CgShipments($where: ShipmentFilter, $limit: Int, $page: Int) {\n"
    "  shipments(where: $where, limit: $limit, page: $page)"
    " { ...DtcShipment }\n}\n" CG__CENTRA_SHIPMENT_FRAGMENT;

static const char M_CHANGE_STOCK[] =
    "mutation CgChangeStock($input: StockChangeInput!) {\n"
    "  changeStock(input: $input) { stockChange { id } " CG__CENTRA_PROBLEMS
    " }\n}\n";

static const char M_SET_STOCK[] =
    "mutation CgSetStock($input: StockSetInput!) {\n"
    "  setStock(input: $input) { stockChanges { id } " CG__CENTRA_PROBLEMS
    " }\n}\n";

static const struct cg__centra_op OP_CREATE_SHIPMENT = {
    "CgCreateShipment", M_CREATE_SHIPMENT, "createShipment", true, "shipment"};
static const struct cg__centra_op OP_COMPLETE_SHIPMENT = {
    "CgCompleteShipment", M_COMPLETE_SHIPMENT, "completeShipment", true,
    "shipment"};
static const struct cg__centra_op OP_SHIPMENTS = {"CgShipments", Q_SHIPMENTS,
                                                  "shipments", false, NULL};
static const struct cg__centra_op OP_CHANGE_STOCK = {
    "CgChangeStock", M_CHANGE_STOCK, "changeStock", true, "stockChange"};
static const struct cg__centra_op OP_SET_STOCK = {
    "CgSetStock", M_SET_STOCK, "setStock", true, "stockChanges"};

/* {"<key>": copy of input} plus an optional integer "id". */
static cJSON *input_vars(const cJSON *input, bool with_id, int64_t id)
{
  cJSON *vars = cJSON_CreateObject();
  cJSON *copy = cJSON_Duplicate(input, true);
  if (vars == NULL || copy == NULL ||
      !cJSON_AddItemToObject(vars, "input", copy)) {
    cJSON_Delete(copy);
    cJSON_Delete(vars);
    return NULL;
  }
  if (with_id && cg_json_add_int(vars, "id", id) == NULL) {
    cJSON_Delete(vars);
    return NULL;
  }
  return vars;
}

static int call_with_input(struct cg_centra *c, const struct cg__centra_op *op,
                           const cJSON *input, bool with_id, int64_t id,
                           cg_call_done_fn done, void *arg)
{
  if (done == NULL || !cJSON_IsObject(input) || (with_id && id <= 0))
    return CG_EINVAL;
  cJSON *vars = input_vars(input, with_id, id);
  if (vars == NULL)
    return CG_ENOMEM;
  return cg__centra_call(c, op, vars, done, arg);
}

int cg_centra_create_shipment(struct cg_centra *c, const cJSON *input,
                              cg_call_done_fn done, void *arg)
{
  return call_with_input(c, &OP_CREATE_SHIPMENT, input, false, 0, done, arg);
}

int cg_centra_complete_shipment(struct cg_centra *c, int64_t shipment_id,
                                const cJSON *input, cg_call_done_fn done,
                                void *arg)
{
  return call_with_input(c, &OP_COMPLETE_SHIPMENT, input, true, shipment_id,
                         done, arg);
}

int cg_centra_change_stock(struct cg_centra *c, const cJSON *input,
                           cg_call_done_fn done, void *arg)
{
  return call_with_input(c, &OP_CHANGE_STOCK, input, false, 0, done, arg);
}

int cg_centra_set_stock(struct cg_centra *c, const cJSON *input,
                        cg_call_done_fn done, void *arg)
{
  return call_with_input(c, &OP_SET_STOCK, input, false, 0, done, arg);
}

int cg_centra_find_shipments_by_external_id(struct cg_centra *c,
                                            const char *external_id,
                                            cg_call_done_fn done, void *arg)
{
  if (done == NULL || external_id == NULL || external_id[0] == '\0')
    return CG_EINVAL;
  cJSON *vars = cJSON_CreateObject();
  cJSON *where = cJSON_AddObjectToObject(vars, "where");
  cJSON *ids = where ? cJSON_AddArrayToObject(where, "externalId") : NULL;
  cJSON *id = ids ? cJSON_CreateString(external_id) : NULL;
  bool ok = id != NULL && cJSON_AddItemToArray(ids, id);
  if (!ok)
    cJSON_Delete(id);
  if (!ok || cg_json_add_int(vars, "limit", 200) == NULL) {
    cJSON_Delete(vars);
    return CG_ENOMEM;
  }
  return cg__centra_call(c, &OP_SHIPMENTS, vars, done, arg);
}
