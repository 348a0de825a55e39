/*
 * centra_docs: every GraphQL document the engine can send to Centra, in
 * one table. Nothing else in the engine holds GraphQL text, and
 * cg__centra_call refuses an operation that is not in this table, so
 * `centra-gxo centra documents` (and the test that validates its output
 * against core/centra/centra-integration.graphql with graphql-js) sees
 * every document that can leave the process.
 *
 * The documents follow the validated forms of
 * shared/reference/centra-queries-expected.md:
 *   - every variable is declared non-null ($x: T!);
 *   - input types whose names the schema marks UNCONFIRMED are never
 *     named: their object literals are written inline;
 *   - type-specific fields are read through fragments (`... on Order`
 *     inside Event.object, `... on DirectToConsumerOrder`);
 *   - every mutation selects userErrors and userWarnings.
 */
#include "centra/centra.h"
#include "centra/centra_int.h"

#include "base/err.h"

#include <stddef.h>

#define PROBLEMS "userErrors { message path } userWarnings { message path }"

/* The order as the engine reads it; centra_order_canon.c makes it the
 * canonical order that is stored and the rules see (the "order" table of
 * docs/rule-packs.md): paymentHistory becomes paymentMethod. The history
 * is read without its filter (`where`, whose type name is UNCONFIRMED). */
#define WAREHOUSE_ORDER                                                        \
  "fragment WarehouseOrder on Order {\n"                                       \
  "  __typename id number status isOnHold isLocked orderDate updatedAt"        \
  " otherComment\n"                                                            \
  "  store { id type } market { id name }\n"                                   \
  "  shippingPriceGroup { shippingOption { id name uri } }\n"                  \
  "  grandTotal(includingTax: true) { value currency { code } }\n"             \
  "  shippingAddress { firstName lastName companyName attention address1"      \
  " address2 zipCode city stateOrProvince country { code } email"              \
  " phoneNumber cellPhoneNumber }\n"                                           \
  "  lines { __typename id productNumber productName productVariantName size"  \
  " quantity cancelledQuantity productSize { id SKU EAN }"                     \
  " unitPrice(includingTax: true) { value } }\n"                               \
  "  paymentHistory { paymentMethod }\n"                                       \
  "  ... on DirectToConsumerOrder { customer { email } orderHoldReason }\n"    \
  "}\n"

#define SHIPMENT_FIELDS                                                        \
  "id number isGoodToGo isShipped isPaid isCaptured shippedAt"                 \
  " trackingNumber numberOfPackages additionalMessage"                         \
  " carrierInformation { carrierName serviceName }"                            \
  " order { id number } lines { id quantity orderLine { id } }"

/* A return as centra_returns.c makes it canonical. On the Return
 * interface only id and lines are read (its `status` is of a type marked
 * UNCONFIRMED and nothing needs it); the rest is read through the
 * DirectToConsumerReturn fragment. Return.order and
 * Return.shipment are UNCONFIRMED and never selected: the order line id
 * of each line leads to the order (docs/internals/returns.md). */
#define MONEY "{ value currency { code } }"
#define RETURN_FIELDS                                                          \
  "id lines { id quantity orderLine { id } shipmentLine { id }"                \
  " lineValue " MONEY " }"                                                     \
  " ... on DirectToConsumerReturn { returnStatus returnedToStock createdAt"    \
  " comment refundPaymentHistory { id status value " MONEY " } }"

/* The "ready for the warehouse" orders: the poll's filter, in full
 * (CgReadyOrders) or as versions only (CgReadyOrderVersions). */
#define READY_VARS                                                             \
  "$statuses: [OrderStatus!]!, $since: DateTimeTz!, $limit: Int!, $page: Int!"
#define READY_ARGS                                                             \
  "where: { status: $statuses, storeType: DIRECT_TO_CONSUMER,"                 \
  " isOnHold: false, isWaitingForPayment: false,"                              \
  " updatedAt: { from: $since } },"                                            \
  " sort: [orderDate_ASC], limit: $limit, page: $page"
/* What names an order's version (flows/orders.c, order_version_id). */
#define ORDER_VERSION                                                          \
  "number updatedAt status isOnHold"                                           \
  " ... on DirectToConsumerOrder { orderHoldReason }"

static const struct cg__centra_op OPS[CG__DOC_COUNT] = {
    [CG__DOC_READY_ORDERS] = {"CgReadyOrders",
                              "query CgReadyOrders(" READY_VARS ") {\n"
                              "  orders(" READY_ARGS
                              ") { ...WarehouseOrder }\n}\n" WAREHOUSE_ORDER,
                              "orders", false, NULL, cg__centra_canon_orders},
    [CG__DOC_READY_VERSIONS] = {"CgReadyOrderVersions",
                                "query CgReadyOrderVersions(" READY_VARS ") {\n"
                                "  orders(" READY_ARGS ") { " ORDER_VERSION
                                " }\n}\n",
                                "orders", false, NULL, NULL},
    [CG__DOC_ORDER_BY_NUMBER] =
        {"CgOrderByNumber",
         "query CgOrderByNumber($number: Int!) {\n"
         "  orders(where: { number: [$number] }, limit: 1)"
         " { ...WarehouseOrder }\n}\n" WAREHOUSE_ORDER,
         "orders", false, NULL, cg__centra_canon_orders},
    [CG__DOC_ORDERS_BY_NUMBERS] =
        {"CgOrdersByNumbers",
         "query CgOrdersByNumbers($numbers: [Int!]!, $limit: Int!) {\n"
         "  orders(where: { number: $numbers }, limit: $limit)"
         " { ...WarehouseOrder }\n}\n" WAREHOUSE_ORDER,
         "orders", false, NULL, cg__centra_canon_orders},
    /* Orders; for the item master, products created or changed and
     * sizes created (never ProductSize UPDATED: Centra emits it on every
     * stock change, a flood the items flow has no use for); returns
     * created (a hint for the returns flow, which reads the return). */
    [CG__DOC_SET_LISTENERS] =
        {"CgSetEventListeners",
         "mutation CgSetEventListeners {\n"
         "  setEventListeners(input: [{ objectType: Order,"
         " changeTypes: [CREATED, UPDATED, COMPLETED] },"
         " { objectType: Product, changeTypes: [CREATED, UPDATED] },"
         " { objectType: ProductSize, changeTypes: [CREATED] },"
         " { objectType: Return, changeTypes: [CREATED] }]) {"
         " eventListeners { objectType changeTypes } " PROBLEMS " }\n}\n",
         "setEventListeners", true, "eventListeners", NULL},
    [CG__DOC_EVENTS] =
        {"CgEvents",
         "query CgEvents($limit: Int!) {\n"
         "  events(where: { objectType: [Order, Product, ProductSize,"
         " Return] },"
         " limit: $limit) {"
         " id objectType changeType objectReference createdAt"
         " object { __typename ... on Order { ...WarehouseOrder } } }\n"
         "}\n" WAREHOUSE_ORDER,
         "events", false, NULL, cg__centra_canon_events},
    [CG__DOC_CONFIRM_EVENTS] = {"CgConfirmEvents",
                                "mutation CgConfirmEvents($ids: [Int!]!) {\n"
                                "  confirmEvents(input: { eventsIds: $ids }) {"
                                " events { id } " PROBLEMS " }\n}\n",
                                "confirmEvents", true, NULL, NULL},
    [CG__DOC_MARK_EXPORTED] =
        {"CgMarkExported",
         "mutation CgMarkExported($orderNumber: Int!,"
         " $externalId: String!) {\n"
         "  updateDirectToConsumerOrder(order: { number: $orderNumber },"
         " input: { externalId: $externalId }) {"
         " order { number status } " PROBLEMS " }\n}\n",
         "updateDirectToConsumerOrder", true, "order", NULL},
    [CG__DOC_RATE_LIMITS] =
        {"CgRateLimits",
         "query CgRateLimits {\n"
         "  rateLimits { type intervalSeconds quota usedQuota"
         " remainingQuota }\n}\n",
         "rateLimits", false, NULL, NULL},
    [CG__DOC_CREATE_SHIPMENT] =
        {"CgCreateShipment",
         "mutation CgCreateShipment($orderNumber: Int!,"
         " $lines: [ShipmentLineInput!]!, $message: String,"
         " $capture: Boolean!) {\n"
         "  createShipment(input: { order: { number: $orderNumber },"
         " lines: $lines, isGoodToGo: true, capture: $capture,"
         " additionalMessage: $message }) {"
         " shipment { " SHIPMENT_FIELDS " } " PROBLEMS " }\n}\n",
         "createShipment", true, "shipment", NULL},
    [CG__DOC_TAG_SHIPMENT] =
        {"CgTagShipment",
         "mutation CgTagShipment($id: Int!, $externalId: String!) {\n"
         "  updateShipment(id: $id, input: { externalId: $externalId }) {"
         " shipment { id number } " PROBLEMS " }\n}\n",
         "updateShipment", true, "shipment", NULL},
    [CG__DOC_COMPLETE_SHIPMENT] =
        {"CgCompleteShipment",
         "mutation CgCompleteShipment($id: Int!, $shippedAt: DateTimeTz!,"
         " $sendEmail: Boolean!, $carrier: String!, $service: String!,"
         " $tracking: String!, $packages: Int!) {\n"
         "  completeShipment(id: $id, input: { shippedAt: $shippedAt,"
         " sendEmail: $sendEmail, shipmentInfo: { carrier: $carrier,"
         " service: $service, trackingNumber: $tracking,"
         " packagesNumber: $packages } }) {"
         " shipment { " SHIPMENT_FIELDS " } " PROBLEMS " }\n}\n",
         "completeShipment", true, "shipment", NULL},
    [CG__DOC_ORDER_SHIPMENTS] =
        {"CgOrderShipments",
         "query CgOrderShipments($orderId: String!, $limit: Int!) {\n"
         "  shipments(where: { orderId: [$orderId] }, limit: $limit)"
         " { " SHIPMENT_FIELDS " }\n}\n",
         "shipments", false, NULL, NULL},
    [CG__DOC_SET_STOCK] =
        {"CgSetStock",
         "mutation CgSetStock($warehouseId: Int!, $description: String!,"
         " $sizes: [StockSetProductSizeInput!]!) {\n"
         "  setStock(input: { warehouse: { id: $warehouseId },"
         " description: $description, stockQuantityType: PHYSICAL,"
         " productSizes: $sizes }) {"
         " stockChanges { id } " PROBLEMS " }\n}\n",
         "setStock", true, "stockChanges", NULL, true},
    /* OrderLineCancelInput and StockPolicyActionInput are confirmed
     * (GD); the policy is built by the caller, one field set. */
    [CG__DOC_CANCEL_LINES] =
        {"CgCancelLines",
         "mutation CgCancelLines($orderNumber: Int!,"
         " $lines: [OrderLineCancelInput!]!, $comment: String!) {\n"
         "  updateDirectToConsumerOrder(order: { number: $orderNumber },"
         " input: { cancelLines: $lines, cancellationComment: $comment }) {"
         " order { number status"
         " lines { id quantity cancelledQuantity } } " PROBLEMS " }\n}\n",
         "updateDirectToConsumerOrder", true, "order", NULL},
    /* The payload's type name is UNCONFIRMED: never named, only the
     * shipment and the problems are selected. */
    [CG__DOC_CAPTURE_SHIPMENT] = {"CgCaptureShipment",
                                  "mutation CgCaptureShipment($id: Int!) {\n"
                                  "  captureShipment(id: $id) {"
                                  " shipment { id isCaptured } " PROBLEMS
                                  " }\n}\n",
                                  "captureShipment", true, "shipment", NULL},
    /* The stock reconcile's read: every product, paged in Centra's
     * default order (no sort: the confirmed ProductSort values are the
     * changing updatedAt and the older id_DESC), each size's SKU and
     * physical stock in the merchant's warehouse. Only confirmed fields
     * (docs/internals/centra-api-subset.md). */
    [CG__DOC_STOCK_PAGE] =
        {"CgStockPage",
         "query CgStockPage($warehouseId: Int!, $limit: Int!,"
         " $page: Int!) {\n"
         "  products(limit: $limit, page: $page) {"
         " variants { productSizes { SKU"
         " stockTotals(where: { warehouseId: [$warehouseId] })"
         " { physicalQuantity } } } }\n}\n",
         "products", false, NULL, NULL},
    /* The items flow's read (docs/internals/items.md "Reading Centra"):
     * a page of the catalogue in the caller's order (id_DESC for a
     * sweep, updatedAt_DESC for a delta), with what the warehouse item
     * is built from. countryOfOrigin is named by Centra's permission
     * rule only; Product.updatedAt's format argument is left at its
     * default (docs/internals/centra-api-subset.md). */
    [CG__DOC_ITEM_PAGE] =
        {"CgItemPage",
         "query CgItemPage($sort: [ProductSort!]!, $limit: Int!,"
         " $page: Int!) {\n"
         "  products(sort: $sort, limit: $limit, page: $page) {"
         " id productNumber name status updatedAt harmonizedCommodityCode"
         " countryOfOrigin { code } weight { value unit }"
         " variants { id variantNumber name productSizes { id SKU EAN"
         " sizeNumber description weight { value unit } } } }\n}\n",
         "products", false, NULL, NULL},
    /* The returns flow (docs/internals/returns.md, centra_returns.c).
     * ReturnSort has no known value: Centra's default order. */
    [CG__DOC_RETURNS_BY_IDS] =
        {"CgReturnsByIds",
         "query CgReturnsByIds($ids: [Int!]!, $limit: Int!) {\n"
         "  returns(where: { id: $ids }, limit: $limit) { " RETURN_FIELDS
         " }\n}\n",
         "returns", false, NULL, NULL},
    [CG__DOC_RETURNS_SINCE] =
        {"CgReturnsSince",
         "query CgReturnsSince($since: DateTimeTz!, $limit: Int!,"
         " $page: Int!) {\n"
         "  returns(where: { createdAt: { from: $since },"
         " storeType: DIRECT_TO_CONSUMER }, limit: $limit, page: $page)"
         " { " RETURN_FIELDS " }\n}\n",
         "returns", false, NULL, NULL},
    /* The input type names are UNCONFIRMED: written inline. */
    [CG__DOC_COMPLETE_RETURN] =
        {"CgCompleteReturn",
         "mutation CgCompleteReturn($id: Int!, $sendEmail: Boolean!) {\n"
         "  completeReturn(id: $id, input: { sendEmail: $sendEmail }) {"
         " return { " RETURN_FIELDS " } " PROBLEMS " }\n}\n",
         "completeReturn", true, "return", NULL},
    /* refundReturn's id argument is UNCONFIRMED (by analogy with
     * completeReturn); the answer is the return and the entries. */
    [CG__DOC_REFUND_RETURN] =
        {"CgRefundReturn",
         "mutation CgRefundReturn($id: Int!, $sendEmail: Boolean!) {\n"
         "  refundReturn(id: $id, input: { sendEmail: $sendEmail }) {"
         " return { " RETURN_FIELDS " }"
         " paymentHistoryEntries { id status value " MONEY " } " PROBLEMS
         " }\n}\n",
         "refundReturn", true, NULL, NULL, false, true},
};

const struct cg__centra_op *cg__centra_op(enum cg__centra_doc doc)
{
  return (unsigned)doc < CG__DOC_COUNT ? &OPS[doc] : NULL;
}

bool cg__centra_op_known(const struct cg__centra_op *op)
{
  return op >= OPS && op < OPS + CG__DOC_COUNT;
}

size_t cg_centra_document_count(void)
{
  return CG__DOC_COUNT;
}

int cg_centra_document(size_t i, const char **name, const char **query)
{
  if (i >= CG__DOC_COUNT)
    return CG_ENOTFOUND;
  *name = OPS[i].name;
  *query = OPS[i].query;
  return 0;
}
