/*
 * centra: the Centra Integration API client (GraphQL over HTTP POST, the
 * subset of docs/internals/centra-api-subset.md).
 *
 *   core/flows --cg_centra_*()--> query text (static, all arguments as
 *                                 variables) + variables
 *                                   | mutation budget (token bucket)
 *                                   v
 *                                 http_client POST {query, variables}
 *        done(cg_call_result) <-- result parser (HTTP status, top-level
 *                                 errors, userErrors)
 *
 * Outcomes (net/call.h): HTTP 200 with no top-level errors and empty
 * userErrors -> OK; top-level errors -> FAIL with the first message (code
 * = its extensions.category or "graphql"); userErrors -> FAIL with the
 * message and the path joined by '.' as code; 403 -> RETRY code "auth" a
 * minute later with the client paused ("token refused (expired or
 * revoked?)": the connection's problem, so queued writes wait rather than
 * fail one by one); 429 -> RETRY at Retry-After (10 s when absent)
 * and the whole client pauses until then (so does a 503 that carries
 * Retry-After); 408/5xx/transport -> RETRY; other 4xx -> FAIL.
 *
 * Every call pays Centra's six rate-limit buckets before it is sent
 * (REQUEST_COUNT, MUTATION_COUNT for mutations, and an estimate of its
 * QUERY_COMPLEXITY settled with the answer's extensions.complexity, each
 * over 10 s and an hour; docs/internals/partners.md "Pacing"), sized by
 * cg_centra_refresh_limits from `rateLimits`; a call that cannot pay now,
 * or any request during a pause, completes with RETRY, code "budget" or
 * "paused", and retry_at_ms = when it can go, without sending anything.
 *
 * The bearer token is never logged. Webhook verification
 * (cg_centra_webhook_parse) is a pure function and needs no client.
 */
#ifndef CG_CENTRA_CENTRA_H
#define CG_CENTRA_CENTRA_H

#include "net/call.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

struct cg_err;
struct cg_ratelimit;
struct cg_centra;

struct cg_centra_opts {
  uv_loop_t *loop;         /* required */
  const char *merchant;    /* log prefix; required */
  const char *url;         /* GraphQL endpoint, ".../graphql"; required */
  const char *token;       /* bearer token (copied, never logged) */
  long timeout_ms;         /* per request; default 20000 */
  long connect_timeout_ms; /* default 5000 */
  long max_connections;    /* per host; default 4 */
  int mutation_quota;      /* until rateLimits answers; default 20 */
  int mutation_interval_s; /* default 10 */
  /* The Centra warehouse that stands for the merchant's warehouse
   * (config centra.warehouse): where the stock flow sets physical stock.
   * Default 1. */
  int64_t warehouse;
  /* Partner limiter shared with the caller (e.g. the outbox scheduler
   * reads its pause), or NULL for one of the client's own. Must outlive
   * the client. */
  struct cg_ratelimit *limiter;
};

/* Creates a client (loop thread only). Call cg_centra_refresh_limits once
 * at start and then periodically (e.g. every 5 minutes) so the mutation
 * budget follows the environment's limits. NULL with err on bad options
 * or ENOMEM. */
struct cg_centra *cg_centra_create(const struct cg_centra_opts *opts,
                                   struct cg_err *err);
/* Cancels in-flight operations (callbacks fire with RETRY, code
 * "canceled", before this returns); memory is released once the loop runs
 * its close callbacks. destroy(NULL) is a no-op. */
void cg_centra_destroy(struct cg_centra *c);

/* Every operation below returns 0 (done fires later, exactly once) or
 * CG_EINVAL / CG_ENOMEM (done never fires). A NULL client (the engine
 * stopping: merchant.c drops its clients while calls it started may
 * still answer) returns CG_ECANCELED: callers end such a call RETRY
 * "canceled". "(mutation)" marks those that spend the mutation budget. */

/* Reads `rateLimits` and resizes the six buckets from its entries (FAIL
 * "no-mutation-limit" when MUTATION_COUNT / TEN_SECONDS is missing). OK
 * data: the rateLimits array. */
int cg_centra_refresh_limits(struct cg_centra *c, cg_call_done_fn done,
                             void *arg);
/* Reads `rateLimits` only. OK data: [{type, intervalSeconds, quota,
 * usedQuota, remainingQuota}]. */
int cg_centra_rate_limits(struct cg_centra *c, cg_call_done_fn done, void *arg);

struct cg_centra_order_filter {
  const char *const *statuses; /* e.g. {"CONFIRMED"}; required */
  size_t n_statuses;           /* 1..8 */
  const char *since;           /* updatedAt from (ISO 8601); NULL = the epoch */
  int page;                    /* 1-based; 0 = 1 */
  int limit;                   /* 1..200; 0 = 20 */
};

/* The "ready for the warehouse" poll: `orders(where: {status, storeType:
 * DIRECT_TO_CONSUMER, isOnHold: false, isWaitingForPayment: false,
 * updatedAt: {from}}, sort: [orderDate_ASC], limit, page)`. OK data: array
 * of orders in the WarehouseOrder shape (docs/internals/centra-api-subset.md),
 * possibly empty. */
int cg_centra_fetch_orders(struct cg_centra *c,
                           const struct cg_centra_order_filter *filter,
                           cg_call_done_fn done, void *arg);
/* The same filter, answering only what names each order's version:
 * {number, updatedAt, status, isOnHold, orderHoldReason?}. OK data: the
 * array, possibly empty. The poll lists with it and fetches in full only
 * what the engine has not recorded. */
int cg_centra_fetch_order_versions(struct cg_centra *c,
                                   const struct cg_centra_order_filter *filter,
                                   cg_call_done_fn done, void *arg);
/* Orders by number, 1..200 of them: `orders(where: {number: [...]},
 * limit: n)`. OK data: the orders Centra has of them (WarehouseOrder
 * shape), in any order, possibly fewer. */
int cg_centra_fetch_orders_by_number(struct cg_centra *c,
                                     const int64_t *numbers, size_t n,
                                     cg_call_done_fn done, void *arg);
/* One order by number: `orders(where: {number: [n]}, limit: 1)`. OK data:
 * the order (WarehouseOrder shape), or NULL when Centra has none. */
int cg_centra_fetch_order(struct cg_centra *c, int64_t number,
                          cg_call_done_fn done, void *arg);
/* (mutation) `setEventListeners` for Order events (CREATED, UPDATED,
 * COMPLETED), Product (CREATED, UPDATED) and ProductSize (CREATED: not
 * UPDATED, which comes with every stock change); idempotent, only ever
 * adds. OK data: the eventListeners array. */
int cg_centra_set_event_listeners(struct cg_centra *c, cg_call_done_fn done,
                                  void *arg);
/* `events(where: {objectType: [Order, Product, ProductSize]}, limit)`:
 * the oldest unconfirmed events of those types (limit 0 = 100, max 200),
 * each {id, objectType, changeType, objectReference, createdAt, object}
 * where an Order's object is the order's current state in the
 * WarehouseOrder shape (null when deleted); a product's or a size's is
 * only {__typename}: the items flow reads the catalogue itself. OK data:
 * the array. */
int cg_centra_fetch_events(struct cg_centra *c, int limit, cg_call_done_fn done,
                           void *arg);
/* (mutation) `confirmEvents(input: {eventsIds})`, n_ids > 0. OK data:
 * NULL. */
int cg_centra_confirm_events(struct cg_centra *c, const int64_t *ids,
                             size_t n_ids, cg_call_done_fn done, void *arg);
/* At most this many products per page of cg_centra_fetch_items. */
#define CG_CENTRA_ITEM_PAGE_MAX 200
/* The orders of cg_centra_fetch_items. */
enum cg_centra_item_sort {
  CG_CENTRA_ITEMS_BY_ID = 1,  /* sort: [id_DESC]: stable while paging */
  CG_CENTRA_ITEMS_BY_UPDATED, /* sort: [updatedAt_DESC]: newest first */
};
/* One page of the catalogue for the item master (CgItemPage: products
 * with productNumber, name, status, updatedAt, harmonizedCommodityCode,
 * countryOfOrigin, weight and their variants' sizes; page 1-based, limit
 * 1..CG_CENTRA_ITEM_PAGE_MAX). OK data: {"products": n, "oldest":
 * updatedAt of the page's last product or null, "newest": of its first,
 * "sizes": [...]}: each size is the ProductSize as Centra gave it with
 * productVariant (the variant's fields, without productSizes) and
 * productVariant.product (the product's, without variants) filled in
 * from the page, the shape the pack's items hooks read; n fewer than
 * limit: the last page. */
int cg_centra_fetch_items(struct cg_centra *c, enum cg_centra_item_sort sort,
                          int page, int limit, cg_call_done_fn done, void *arg);

/* (mutation) `updateDirectToConsumerOrder(order: {number}, input:
 * {externalId})`: tags the order with the warehouse's order id in the
 * integration's ID-conversion table. It is a marker for people and other
 * integrations; the engine itself decides "already exported" from its
 * store. OK data: {number, status}. */
int cg_centra_mark_exported(struct cg_centra *c, int64_t number,
                            const char *external_id, cg_call_done_fn done,
                            void *arg);

/* --- for the dispatch and stock flows --------------------------------- */

/* (mutation) `createShipment(input: {order: {number}, lines, isGoodToGo:
 * true, capture, additionalMessage})`; lines is a [ShipmentLineInput]
 * array ([{orderLine: {id}, quantity}], borrowed); message (may be NULL)
 * is the additionalMessage, which the dispatch flow uses as its stamp;
 * capture asks Centra to capture the payment of what ships. A failed
 * capture does not fail the mutation: check the result's message
 * (userWarnings) and the shipment's isCaptured. OK data: the Shipment. */
int cg_centra_create_shipment(struct cg_centra *c, int64_t order_number,
                              const cJSON *lines, const char *message,
                              bool capture, cg_call_done_fn done, void *arg);
/* (mutation) `updateShipment(id, input: {externalId})`: tags a shipment
 * with the warehouse's shipment id (the create takes none). OK data:
 * {id, number}. */
int cg_centra_tag_shipment(struct cg_centra *c, int64_t shipment_id,
                           const char *external_id, cg_call_done_fn done,
                           void *arg);

struct cg_centra_completion {
  const char *shipped_at; /* ISO 8601, not in the future; required */
  bool send_email;        /* the customer's shipping e-mail */
  const char *carrier;    /* carrier name as Centra shows it; required */
  const char *service;    /* service name; required */
  const char *tracking;   /* first parcel's tracking number; required */
  int packages;           /* number of parcels, >= 1 */
};

/* (mutation) `completeShipment(id, input: {shippedAt, sendEmail,
 * shipmentInfo})`. OK data: the Shipment. */
int cg_centra_complete_shipment(struct cg_centra *c, int64_t shipment_id,
                                const struct cg_centra_completion *how,
                                cg_call_done_fn done, void *arg);
/* At most this many shipments of one order are read back. */
#define CG_CENTRA_ORDER_SHIPMENTS_MAX 100
/* `shipments(where: {orderId: [order_id]}, limit)`: every shipment of the
 * order whose hash id is order_id (shipped or not), up to
 * CG_CENTRA_ORDER_SHIPMENTS_MAX. OK data: array of Shipment objects (with
 * additionalMessage; empty when none). The root field `shipments` is
 * UNCONFIRMED in the schema. */
int cg_centra_find_order_shipments(struct cg_centra *c, const char *order_id,
                                   cg_call_done_fn done, void *arg);
/* The warehouse of cg_centra_opts (the merchant's Centra warehouse); 0
 * for a NULL client (the engine stopping). */
int64_t cg_centra_warehouse(const struct cg_centra *c);
/* (mutation) `setStock(input: {warehouse: {id}, description,
 * stockQuantityType: PHYSICAL, productSizes})`; sizes is a
 * [StockSetProductSizeInput] array ([{productSize: {SKU}, quantity}],
 * borrowed; quantities >= 0). OK data: the stockChanges array. FAIL from
 * userErrors: data is the whole userErrors array [{message, path}],
 * where a path "input.productSizes.<i>..." names the i-th size (the
 * stock flow holds exactly the sizes Centra refused). */
int cg_centra_set_stock(struct cg_centra *c, int64_t warehouse_id,
                        const char *description, const cJSON *sizes,
                        cg_call_done_fn done, void *arg);

/* At most this many products per page of cg_centra_fetch_stock. */
#define CG_CENTRA_STOCK_PAGE_MAX 200
/* One page of the catalogue with each size's physical stock in a
 * warehouse: `products(limit, page) { variants { productSizes { SKU
 * stockTotals(where: {warehouseId: [warehouse_id]}) { physicalQuantity }
 * } } }` (page 1-based, limit 1..CG_CENTRA_STOCK_PAGE_MAX). OK data:
 * {"products": n, "sizes": [{"sku", "physical"}]}: n is how many products
 * the page held (fewer than limit: the last page); sizes without a SKU
 * are left out. */
int cg_centra_fetch_stock(struct cg_centra *c, int64_t warehouse_id, int page,
                          int limit, cg_call_done_fn done, void *arg);

/* (mutation) `updateDirectToConsumerOrder(order: {number}, input:
 * {cancelLines, cancellationComment})`; lines is an [OrderLineCancelInput]
 * array ([{line: {id}, quantity, stockActionPolicy: {<one field>}}],
 * borrowed). Centra refuses more than a line's open quantity. OK data:
 * the order {number, status, lines [{id, quantity, cancelledQuantity}]}. */
int cg_centra_cancel_lines(struct cg_centra *c, int64_t order_number,
                           const cJSON *lines, const char *comment,
                           cg_call_done_fn done, void *arg);
/* (mutation) `captureShipment(id)`: a failed capture FAILS (userErrors),
 * and so does a shipment already captured: read isCaptured first. OK
 * data: {id, isCaptured}. */
int cg_centra_capture_shipment(struct cg_centra *c, int64_t shipment_id,
                               cg_call_done_fn done, void *arg);

/* --- for the returns flow (docs/internals/returns.md) ------------------ */

/* A return as the flow reads it (every Centra answer below is put into
 * this canonical form, so the flow never sees "... on
 * DirectToConsumerReturn"):
 *   {"id": 123, "returnStatus": text,
 *    "returnedToStock": bool, "createdAt": text, "comment": text|null,
 *    "refunds": [{"id": n, "status": text|null, "value": "12.50",
 *                 "currency": "EUR"|null}],
 *    "lines": [{"id": n, "quantity": n, "orderLineId": "43243",
 *               "shipmentLineId": n, "lineValue": "12.50",
 *               "currency": "EUR"|null}]}
 * orderLineId is a decimal string: the warehouse lineRef the orders flow
 * sent (order_lines.line_ref). Money values are decimal strings. */
#define CG_CENTRA_RETURNS_PAGE_MAX 100
/* `returns(where: {id: ids}, limit: n)` (1 <= n <=
 * CG_CENTRA_RETURNS_PAGE_MAX). OK data: array of canonical returns (the
 * ones Centra has; an unknown id is left out). */
int cg_centra_fetch_returns(struct cg_centra *c, const int64_t *ids, size_t n,
                            cg_call_done_fn done, void *arg);
/* `returns(where: {createdAt: {from: since}, storeType:
 * DIRECT_TO_CONSUMER}, limit, page)` (page 1-based, limit 1..
 * CG_CENTRA_RETURNS_PAGE_MAX; since ISO 8601). OK data: array of
 * canonical returns (fewer than limit: the last page). */
int cg_centra_fetch_returns_since(struct cg_centra *c, const char *since,
                                  int page, int limit, cg_call_done_fn done,
                                  void *arg);
/* (mutation) `completeReturn(id, input: {sendEmail})`. Centra refuses a
 * return already completed (userErrors): read first. OK data: the
 * canonical return. */
int cg_centra_complete_return(struct cg_centra *c, int64_t id, bool send_email,
                              cg_call_done_fn done, void *arg);
/* (mutation) `refundReturn(id, input: {sendEmail})`: refunds the whole
 * return. Centra refuses a return already refunded: read first. OK data:
 * {"return": canonical return, "entries": [{"id", "status", "value",
 * "currency"}]} (the paymentHistoryEntries). The `id` argument is
 * UNCONFIRMED in the schema. */
int cg_centra_refund_return(struct cg_centra *c, int64_t id, bool send_email,
                            cg_call_done_fn done, void *arg);

/* --- the documents ------------------------------------------------------ */

/* How many GraphQL documents the engine can send. */
size_t cg_centra_document_count(void);
/* The i-th document's operation name and text (static storage). Returns
 * 0, or CG_ENOTFOUND past the end. */
int cg_centra_document(size_t i, const char **name, const char **query);

/* Mutation tokens available now (for metrics and tests). */
int cg_centra_budget_available(struct cg_centra *c);

/* --- incoming webhook hints (pure) ------------------------------------ */

#define CG_CENTRA_WEBHOOK_TOLERANCE_S 300

/* Verifies X-Centra-Signature ("t=<unix>,v1=<hex>") over the raw,
 * still-url-encoded body against each accepted secret (constant time;
 * tolerance_s 0 = 300), then decodes the form body `payload=<url-encoded
 * JSON>`. Returns 0 and *events (the "events" array: [{type, action, date,
 * id}], caller frees with cJSON_Delete), or CG_ESIG, CG_ESTALE, or
 * CG_EINVAL (signed but not a payload); err says why. */
int cg_centra_webhook_parse(const char *const *secrets, size_t n_secrets,
                            const char *signature, const char *body,
                            size_t body_len, int64_t now_s, int64_t tolerance_s,
                            cJSON **events, struct cg_err *err);

#endif
