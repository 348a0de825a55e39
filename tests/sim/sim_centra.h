/*
 * sim_centra: the simulated Centra Integration API (internal header shared
 * by the sim_centra*.c files; the public entry points are in sim_ctx.h).
 *
 *   POST /graphql -> sim_centra_http.c (token, JSON, mutation budget;
 *                    GraphQL in a node child, sim_gqlhost.c and
 *                    centra_gql.js) -> one handler per root field:
 *        orders                                     sim_centra_order_query.c
 *        order/updateDirectToConsumerOrder          sim_centra_orders.c
 *        createShipment/.../shipments               sim_centra_ship.c
 *        changeStock/setStock/productSizes          sim_centra_stock.c
 *        products                                   sim_centra_products.c
 *        returns/completeReturn/refundReturn,
 *        events queue, rateLimits                   sim_centra_events.c
 *   /_sim/centra/... control routes                 sim_centra_control.c
 *   catalogue: loading, merchandiser changes        sim_centra_catalogue.c
 *   scenario loader and order generator             sim_centra_scenario.c
 *
 * State is kept as cJSON documents in the shapes of
 * core/centra/centra-integration.graphql (abstract types carry
 * "__typename"); handlers answer whole stored objects and the GraphQL
 * layer keeps only the selected fields. Everything runs on
 * the loop thread; ids are sequences starting at 1 (order numbers at
 * 1000), so a run is deterministic for a given --seed.
 */
#ifndef CG_SIM_CENTRA_H
#define CG_SIM_CENTRA_H

#include "base/map.h"
#include "sim_util.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sim_ctx;
struct sim_gql_run;
struct cg_router;

enum sc_seq {
  SC_SEQ_ORDER_NUMBER = 0,
  SC_SEQ_ORDER_LINE,
  SC_SEQ_SHIPMENT,
  SC_SEQ_SHIPMENT_LINE,
  SC_SEQ_RETURN,
  SC_SEQ_RETURN_LINE,
  SC_SEQ_EVENT,
  SC_SEQ_PRODUCT,
  SC_SEQ_VARIANT,
  SC_SEQ_SIZE,
  SC_SEQ_STOCK_CHANGE,
  SC_SEQ_COUNT,
};

#define SC_WINDOW_MS 10000

/* rateLimits buckets: type x interval (sim_centra_http.c). */
enum sc_rate_limit {
  SC_RL_REQUESTS_10S = 0,
  SC_RL_REQUESTS_1H,
  SC_RL_COMPLEXITY_10S,
  SC_RL_COMPLEXITY_1H,
  SC_RL_MUTATIONS_10S,
  SC_RL_MUTATIONS_1H,
  SC_RL_COUNT,
};

struct sc_bucket {
  int64_t start; /* monotonic ms the window opened (0: never) */
  int64_t used;
};

struct sim_gqlhost;
#define SC_DEFAULT_WAREHOUSE 1
#define SC_STORE_ID 1
#define SC_MARKET_ID 1
#define SC_INTEGRATION_NAME "centra-gxo"

/* Monotonic ms of what a budget admitted in its sliding window. */
struct sc_window {
  int64_t *times;
  size_t n;
  size_t cap;
};

/* A sliding window of weighted admissions (query complexity). */
struct sc_cost {
  int64_t at; /* monotonic ms */
  int64_t cost;
};
struct sc_wwindow {
  struct sc_cost *v;
  size_t n;
  size_t cap;
  int64_t sum; /* of the costs still in the window */
};

/* 429s the simulator answered, by budget. */
struct sc_throttled {
  uint64_t requests;
  uint64_t mutations;
  uint64_t complexity;
};

/* The sorted matches of the last orders query (sim_centra_order_query.c),
 * valid while key (the where, printed), sorted and gen match. */
struct sc_order_hit;
/* A catalogue product as its sizes carry it: its scalar part (a copy is
 * stored with each of its sizes; info is the first size's, and changes
 * go to every copy) and its sizes in load order (sim_centra_index.c). */
struct sc_product {
  int64_t id;
  const cJSON *info;
  struct sim_vec sizes; /* cJSON * into sim_centra.sizes */
};

/* The stored order lines of one SKU, each with its order: what allocated
 * stock is summed over (sim_centra_index.c). */
struct sc_line_ref {
  const cJSON *order;
  const cJSON *line;
};
struct sc_sku_lines {
  struct sc_line_ref *v;
  size_t n, cap;
};

struct sc_order_hits {
  char *key;
  bool sorted;
  uint64_t gen;
  struct sc_order_hit *v;
  size_t n, cap;
};

struct sim_centra {
  struct sim_ctx *ctx;
  cJSON *sizes;        /* [ProductSize] */
  cJSON *orders;       /* [Order] without "shipments" (added on render) */
  cJSON *shipments;    /* [Shipment] */
  cJSON *returns;      /* [Return] */
  cJSON *events;       /* [{id, objectType, changeType, objectReference,
                          createdAt, confirmed}] */
  cJSON *listeners;    /* [{objectType, changeTypes}] */
  cJSON *stock_writes; /* changeStock/setStock history */
  cJSON *refunds;      /* refundReturn history */
  cJSON *emails;       /* "email sent" records */
  cJSON *markers;      /* externalId writes on orders */
  char *webhook_url;   /* plugin target or NULL */
  char *webhook_secret;
  struct sc_window mutations; /* admitted mutations in the last 10 s */
  struct sc_window requests;  /* admitted requests in the last 10 s */
  struct sc_wwindow cx_10s;   /* admitted complexity in the last 10 s */
  struct sc_wwindow cx_hour;  /* ... and in the last hour */
  struct sc_throttled throttled;
  int64_t cx_admitted; /* complexity of every admitted request */
  int64_t cx_largest;  /* the costliest admitted request */
  struct sc_bucket rl[SC_RL_COUNT];
  struct sim_gqlhost *gql; /* node child: validation and shaping */
  /* /graphql requests (sim_centra_http.c): the one in the host, and
   * those that wait for it, in order of arrival */
  struct sim_gql_run *gql_running;
  struct sim_gql_run *gql_queue;
  /* The tree the running root field's value is cut to before printing
   * (sim_gqlhost_cut; NULL: whole): a handler may leave out of its
   * value what the tree does not name (sim_centra_http.c sets it). */
  const cJSON *needs;
  uint64_t refused; /* requests refused by the GraphQL layer */
  cJSON *refusals;  /* the last few: [{operationName, message}] */
  /* POST /graphql per operationName (sim_centra_http.c):
   * {name: {calls, statuses: {"200": n, ...}}} */
  cJSON *operations;
  uint64_t seq[SC_SEQ_COUNT];
  /* look-ups by key (sim_centra_index.c); the maps point into the arrays */
  struct cg_map orders_by_number, orders_by_id, orders_by_external_id;
  struct cg_map events_by_id;
  struct cg_map sizes_by_sku; /* catalogue sizes (SKUs are unique) */
  struct cg_map lines_by_sku; /* SKU -> struct sc_sku_lines: order lines */
  struct sim_vec sku_lines;   /* every struct sc_sku_lines, to free */
  struct sim_vec products;    /* struct sc_product *, in load order */
  struct cg_map products_by_id;
  const cJSON *events_done; /* last event of the confirmed prefix, or NULL */
  uint64_t orders_gen;      /* moves with every Order event */
  struct sc_order_hits orders_hits;
  bool index_lost;         /* an insert failed: look-ups scan */
  bool external_id_shared; /* seeded orders share an externalId: scan */
  /* The payment provider declines every capture with this reason (set
   * through POST /_sim/centra/captures); "" = captures succeed. */
  char capture_decline[128];
  /* POST /_sim/centra/refuse: this root field (by name, "" = none)
   * answers a GraphQL error with refuse_message instead of running. */
  char refuse_field[64];
  char refuse_message[160];
  /* POST /_sim/centra/refund-answer: refundReturn refunds as always but
   * answers "no-entries" (no paymentHistoryEntries) or "other-return"
   * (the payload's return is another id); "" = a true answer. */
  char refund_answer[16];
};

/* --- sim_centra.c: ids, time, events, webhooks, payload helpers -------- */

/* Next id of a sequence (1, 2, ...; order numbers from 1000). */
int64_t sim_centra__next(struct sim_centra *c, enum sc_seq seq);
/* Makes the sequence continue after an explicitly given id. */
void sim_centra__bump(struct sim_centra *c, enum sc_seq seq, int64_t used);
/* Now as "2026-03-04T08:12:00+00:00" into buf (>= 32 bytes). */
char *sim_centra__now(char *buf, size_t size);
/* Records an event (objectType "Order" | "Return" | "ProductSize") and,
 * for orders, posts a webhook-plugin callback when a target is set. */
void sim_centra__event(struct sim_centra *c, const char *object_type,
                       const char *change_type, int64_t reference);
/* Appends {message, path} to payload's "userErrors" array; path is a
 * dotted string ("input.lines.0.quantity"; numeric parts become numbers)
 * or NULL. Returns -1 so handlers can `return sim_centra__user_error()`. */
int sim_centra__user_error(cJSON *payload, const char *path, const char *fmt,
                           ...) __attribute__((format(printf, 3, 4)));
/* The one store {id, name, type: DIRECT_TO_CONSUMER}. */
cJSON *sim_centra__store(void);
/* MonetaryValue {value, conversionRate, formattedValue, currency{id code}}
 * (currency NULL: EUR). */
cJSON *sim_centra__money(double value, const char *currency);
/* The method of an order's payment (its first payment history entry, the
 * checkout's authorisation; "sim" when none). */
const char *sim_centra__payment_method(const cJSON *order);
/* Warehouse {id, name, status}; warehouse 1 is "GXO". */
cJSON *sim_centra__warehouse(int64_t id);
/* Filter helpers: a DateRange {from, to} (absent: true), a StringMatch
 * {equals, contains}, a Boolean filter member, the storeType filter (the
 * simulator has one DIRECT_TO_CONSUMER store). */
bool sim_centra__in_range(const char *at, const cJSON *range);
bool sim_centra__string_match(const cJSON *match, const char *v);
bool sim_centra__match_bool(const cJSON *obj, const cJSON *where,
                            const char *key);
bool sim_centra__store_type_ok(const cJSON *where);
/* A payload object with empty "userErrors" and "userWarnings". */
cJSON *sim_centra__payload(void);
/* Item of array whose member key is the number id (or NULL). */
cJSON *sim_centra__find_int(const cJSON *array, const char *key, int64_t id);
/* Item of array whose member key is the string s (or NULL). */
cJSON *sim_centra__find_str(const cJSON *array, const char *key, const char *s);
/* Sets (replaces) a member. */
void sim_centra__set(cJSON *obj, const char *key, cJSON *value);
/* As Centra answers them: a line's quantity without its cancelled units
 * (the stored one is as ordered); for every line of an order. */
void sim_centra__render_line(cJSON *line);
void sim_centra__render_lines(cJSON *order);
/* True when list (a JSON array, or absent) is absent or contains v. */
bool sim_centra__in_str_list(const cJSON *list, const char *v);
bool sim_centra__in_int_list(const cJSON *list, int64_t v);
/* limit/page arguments: limit in 1..max (def when absent), page >= 1.
 * Returns 0 or -1 with msg set. */
int sim_centra__paging(const cJSON *args, int def, int max, int *limit,
                       int *page, const char **msg);

/* --- field handlers: return the field's value, or NULL with *err set to a
 * constant message (a GraphQL field error). ----------------------------- */

typedef cJSON *(*sim_centra_op_fn)(struct sim_centra *c, const cJSON *args,
                                   const char **err);

cJSON *sim_centra__op_orders(struct sim_centra *c, const cJSON *args,
                             const char **err);
cJSON *sim_centra__op_order(struct sim_centra *c, const cJSON *args,
                            const char **err);
cJSON *sim_centra__op_update_order(struct sim_centra *c, const cJSON *args,
                                   const char **err);
cJSON *sim_centra__op_create_shipment(struct sim_centra *c, const cJSON *args,
                                      const char **err);
cJSON *sim_centra__op_update_shipment(struct sim_centra *c, const cJSON *args,
                                      const char **err);
cJSON *sim_centra__op_complete_shipment(struct sim_centra *c, const cJSON *args,
                                        const char **err);
cJSON *sim_centra__op_capture_shipment(struct sim_centra *c, const cJSON *args,
                                       const char **err);
cJSON *sim_centra__op_shipments(struct sim_centra *c, const cJSON *args,
                                const char **err);
cJSON *sim_centra__op_change_stock(struct sim_centra *c, const cJSON *args,
                                   const char **err);
cJSON *sim_centra__op_set_stock(struct sim_centra *c, const cJSON *args,
                                const char **err);
cJSON *sim_centra__op_product_sizes(struct sim_centra *c, const cJSON *args,
                                    const char **err);
cJSON *sim_centra__op_products(struct sim_centra *c, const cJSON *args,
                               const char **err);
cJSON *sim_centra__op_counters(struct sim_centra *c, const cJSON *args,
                               const char **err);
cJSON *sim_centra__op_warehouses(struct sim_centra *c, const cJSON *args,
                                 const char **err);
cJSON *sim_centra__op_id_conversions(struct sim_centra *c, const cJSON *args,
                                     const char **err);
cJSON *sim_centra__op_returns(struct sim_centra *c, const cJSON *args,
                              const char **err);
cJSON *sim_centra__op_create_return(struct sim_centra *c, const cJSON *args,
                                    const char **err);
cJSON *sim_centra__op_complete_return(struct sim_centra *c, const cJSON *args,
                                      const char **err);
cJSON *sim_centra__op_refund_return(struct sim_centra *c, const cJSON *args,
                                    const char **err);
cJSON *sim_centra__op_set_listeners(struct sim_centra *c, const cJSON *args,
                                    const char **err);
cJSON *sim_centra__op_event_listeners(struct sim_centra *c, const cJSON *args,
                                      const char **err);
cJSON *sim_centra__op_events(struct sim_centra *c, const cJSON *args,
                             const char **err);
cJSON *sim_centra__op_confirm_events(struct sim_centra *c, const cJSON *args,
                                     const char **err);
cJSON *sim_centra__op_rate_limits(struct sim_centra *c, const cJSON *args,
                                  const char **err);

/* --- sim_centra_http.c ------------------------------------------------- */

/* Runs one /graphql request. auth is the Authorization header (or NULL).
 * Returns the HTTP status, the JSON answer in *body (cg_free) and, for
 * 429, the Retry-After seconds in *retry_after. */
int sim_centra__execute(struct sim_centra *c, const char *auth,
                        const char *body, size_t len, char **out,
                        int *retry_after);
/* Mutations used and left in the current window. */
void sim_centra__budget(struct sim_centra *c, int *used, int *quota);
/* At destroy, before the host stops: frees the request it held. */
void sim_centra__release_running(struct sim_centra *c);

/* --- sim_centra_orders.c ----------------------------------------------- */

/* Creates an order from a seed spec (control API / scenario): lines by
 * "sku" with quantity and unitPrice, shippingAddress, shippingOption,
 * status, flags, currency, number. Returns the stored order, or NULL with
 * msg set. Emits Order CREATED. */
cJSON *sim_centra__order_seed(struct sim_centra *c, const cJSON *spec,
                              const char **msg);
/* Stored order by hash id, number or externalId (NULL when absent). */
cJSON *sim_centra__order_find(struct sim_centra *c, const cJSON *ref);
cJSON *sim_centra__order_by_number(struct sim_centra *c, int64_t number);
/* The order with its shipments, as the API answers: a view sharing the
 * stored members (sim_json_view), to print before the order changes. */
cJSON *sim_centra__order_render(struct sim_centra *c, const cJSON *order);
/* The same as far as tree reads it (sim_json_view_cut; NULL: all): the
 * lines and shipments only when read. For a field's value (c->needs). */
cJSON *sim_centra__order_view(struct sim_centra *c, const cJSON *order,
                              const cJSON *tree);
/* Applies {status, isOnHold, isWaitingForPayment, externalId} from patch;
 * emits one Order UPDATED when anything changed. Returns 0 or -1 with msg. */
int sim_centra__order_change(struct sim_centra *c, cJSON *order,
                             const cJSON *patch, const char **msg);
/* Recomputes CONFIRMED/PROCESSING/SHIPPED from line quantities. */
void sim_centra__order_recompute(struct sim_centra *c, cJSON *order);

/* --- sim_centra_order_query.c ------------------------------------------ */

void sim_centra__orders_hits_free(struct sim_centra *c);

/* --- sim_centra_index.c ------------------------------------------------ */

/* Indexes a stored order (after it joined c->orders): by number, hash id
 * and externalId, and each of its lines under the line's SKU. */
void sim_centra__index_order(struct sim_centra *c, cJSON *order);
/* Indexes a new catalogue size by SKU and under its product (a page of
 * products costs the page, not the catalogue). */
void sim_centra__index_size(struct sim_centra *c, cJSON *size);
/* Units of sku still to ship on open orders (allocated stock): its
 * indexed lines, read as they are now. */
int64_t sim_centra__allocated(struct sim_centra *c, const char *sku);
/* Stored order by hash id / externalId (NULL when absent). */
cJSON *sim_centra__order_by_id(struct sim_centra *c, const char *id);
cJSON *sim_centra__order_by_external_id(struct sim_centra *c, const char *ext);
/* Sets order's externalId to nv (NULL: null), taking it from any other
 * order that had it. */
void sim_centra__set_external_id(struct sim_centra *c, cJSON *order,
                                 const char *nv);
/* Indexes a recorded event; event by id (NULL when absent). */
void sim_centra__index_event(struct sim_centra *c, cJSON *ev);
cJSON *sim_centra__event_by_id(struct sim_centra *c, int64_t id);
/* The first event after the confirmed prefix of the queue (or NULL). */
const cJSON *sim_centra__events_open(struct sim_centra *c);
void sim_centra__index_free(struct sim_centra *c);

/* --- sim_centra_ship.c ------------------------------------------------- */

/* A copy of the shipment as the API answers: its order (without
 * shipments) and each line's orderLine in full. */
cJSON *sim_centra__shipment_render(struct sim_centra *c, const cJSON *s);
/* Direct to Shipment: the good-to-go shipment Centra makes at checkout,
 * holding every open unit of order (paid, not captured, not shipped). */
void sim_centra__shipment_good_to_go(struct sim_centra *c, const cJSON *order);

/* Store settings (sim options --centra-autoconfirm and
 * --centra-direct-to-shipment). */
enum sc_setting { SC_AUTOCONFIRM, SC_DIRECT_TO_SHIPMENT };
bool sim_centra__setting(const struct sim_centra *c, enum sc_setting s);

/* --- sim_centra_catalogue.c ------------------------------------------- */

/* Adds products from a catalogue document (nested or flat form); with
 * events, each new size emits ProductSize CREATED and its product Product
 * CREATED (products created at run time; a seeded catalogue is quiet). */
int sim_centra__catalogue_load(struct sim_centra *c, const cJSON *catalogue,
                               bool events, const char **msg);
/* A merchandiser's change {sku | productNumber, name?,
 * harmonizedCommodityCode?, harmonizedCommodityCodeDescription?,
 * countryOfOrigin?, ean?, weight?, size?, touch?}: product fields on the
 * product, size fields on the size named by sku (else every size). Moves
 * Product.updatedAt and the changed sizes' updatedAt and emits Product
 * UPDATED / ProductSize UPDATED, unless touch is false. Returns the
 * product as the API answers it, or NULL with msg set. */
cJSON *sim_centra__product_change(struct sim_centra *c, const cJSON *spec,
                                  const char **msg);

/* --- sim_centra_products.c --------------------------------------------- */

/* The indexed product of a stored size (NULL when the index is lost). */
struct sc_product *sim_centra__product_of(struct sim_centra *c,
                                          const cJSON *size);
/* A product as the API answers it: variants, sizes, weight. */
cJSON *sim_centra__product_render(struct sim_centra *c,
                                  const struct sc_product *p);

/* --- sim_centra_stock.c ------------------------------------------------ */

/* Seeds a new size's physical stock (no event): a number (warehouse 1),
 * {"<wh>": n} or [{warehouse, quantity}]. */
void sim_centra__stock_seed(struct sim_centra *c, cJSON *size,
                            const cJSON *stock);
cJSON *sim_centra__size_by_sku(struct sim_centra *c, const char *sku);
cJSON *sim_centra__size_by_ean(struct sim_centra *c, const char *ean);
/* The size with fresh allocated/free figures, as the API answers. */
cJSON *sim_centra__size_render(struct sim_centra *c, const cJSON *size);
/* The same answer sharing the stored members (sim_json_view_cut; only
 * the stock entries copied), as far as tree reads it (NULL: all): for a
 * query's answer, printed at once. */
cJSON *sim_centra__size_view(struct sim_centra *c, const cJSON *size,
                             const cJSON *tree);
/* Adds delta to the physical stock of a size in a warehouse (created if
 * absent); emits ProductSize UPDATED when it changed. */
void sim_centra__stock_add(struct sim_centra *c, cJSON *size, int64_t wh,
                           int64_t delta);
void sim_centra__stock_set(struct sim_centra *c, cJSON *size, int64_t wh,
                           int64_t qty);
/* Stock table for the control API: [{sku, ean, warehouses:[...]}]. */
cJSON *sim_centra__stock_report(struct sim_centra *c);

/* --- sim_centra_events.c ----------------------------------------------- */

/* Seeds a return for a shipped order: {orderNumber, shipmentId?,
 * lines:[{sku | orderLineId, quantity}]}. Emits Return CREATED. */
cJSON *sim_centra__return_seed(struct sim_centra *c, const cJSON *spec,
                               const char **msg);
/* Webhook-plugin delivery of one order event (no-op without a target). */
void sim_centra__webhook(struct sim_centra *c, const char *action,
                         int64_t number);

/* --- sim_centra_control.c / sim_centra_scenario.c ---------------------- */

int sim_centra__control_routes(struct sim_centra *c, struct cg_router *r);
/* Loads {"catalogue":..., "orders":...}; msg on failure. */
int sim_centra__scenario(struct sim_centra *c, const cJSON *doc,
                         const char **msg);

#endif
