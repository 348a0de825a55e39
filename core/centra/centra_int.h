/*
 * centra_int: internals shared by the Centra client's files
 *   centra.c         client, budget gate, sending one GraphQL request
 *   centra_result.c  one HTTP answer -> one cg_call_result (pure)
 *   centra_docs.c    every GraphQL document the engine sends (one table)
 *   centra_ops.c     the order and event operations (variables, results)
 *   centra_write.c   the shipment and stock operations
 *   centra_order_write.c  cancelLines and captureShipment (remainders,
 *                    capture)
 *   centra_stock_read.c   the catalogue's physical stock in one warehouse
 *                    (the stock reconcile)
 *   centra_returns.c the returns flow's reads and writes (canonical
 *                    returns)
 * Not for use outside core/centra.
 */
#ifndef CG_CENTRA_INT_H
#define CG_CENTRA_INT_H

#include "net/call.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

struct cg_centra;
struct cg_http_result;

/* How to read one operation's answer. */
struct cg__centra_op {
  const char *name;  /* operationName, also in logs */
  const char *query; /* static GraphQL text; arguments are variables */
  const char *root;  /* the root field under "data" */
  bool mutation;     /* spends the mutation budget; has userErrors */
  /* Mutations: the payload field returned as data ("shipment"); NULL =
   * no data. Queries: ignored (data is the root field's value). */
  const char *pick;
  /* Queries whose answer holds orders: makes each one the canonical
   * order (centra_order_canon.c) before the caller sees it; NULL = as
   * answered. */
  void (*canon)(cJSON *data);
  /* Mutations: a FAIL from userErrors carries the whole userErrors array
   * ([{message, path}]) as data, so the caller can tell which items of
   * a list Centra refused (setStock names each size by its path). */
  bool errors_as_data;
  /* Mutations: the whole payload (less userErrors/userWarnings) is the
   * data, for payloads whose answer is more than one field (refundReturn:
   * the return and its paymentHistoryEntries). Overrides pick. */
  bool payload_as_data;
};

/* The canonical order of each WarehouseOrder in a list of orders, or in
 * the objects of a list of events (centra_order_canon.c). */
void cg__centra_canon_orders(cJSON *orders);
void cg__centra_canon_events(cJSON *events);

/* The documents of centra_docs.c, by purpose. */
enum cg__centra_doc {
  CG__DOC_READY_ORDERS,
  CG__DOC_READY_VERSIONS,
  CG__DOC_ORDER_BY_NUMBER,
  CG__DOC_ORDERS_BY_NUMBERS,
  CG__DOC_SET_LISTENERS,
  CG__DOC_EVENTS,
  CG__DOC_CONFIRM_EVENTS,
  CG__DOC_MARK_EXPORTED,
  CG__DOC_RATE_LIMITS,
  CG__DOC_CREATE_SHIPMENT,
  CG__DOC_TAG_SHIPMENT,
  CG__DOC_COMPLETE_SHIPMENT,
  CG__DOC_ORDER_SHIPMENTS,
  CG__DOC_SET_STOCK,
  CG__DOC_CANCEL_LINES,
  CG__DOC_CAPTURE_SHIPMENT,
  CG__DOC_STOCK_PAGE,
  CG__DOC_ITEM_PAGE,
  CG__DOC_RETURNS_BY_IDS,
  CG__DOC_RETURNS_SINCE,
  CG__DOC_COMPLETE_RETURN,
  CG__DOC_REFUND_RETURN,
  CG__DOC_COUNT
};

/* The operation of a document (never NULL for a valid doc). */
const struct cg__centra_op *cg__centra_op(enum cg__centra_doc doc);
/* Whether op is one of the table's (cg__centra_call sends no other). */
bool cg__centra_op_known(const struct cg__centra_op *op);

/* Sends op with variables (taken: freed here in every case). Returns 0
 * (done fires later, exactly once) or CG_ENOMEM / CG_ECANCELED, or
 * CG_EINVAL for an op that is not in centra_docs.c (done does not
 * fire). */
int cg__centra_call(struct cg_centra *c, const struct cg__centra_op *op,
                    cJSON *variables, cg_call_done_fn done, void *arg);

/* Variables under construction: every setter is a no-op once one failed,
 * so a builder checks once, at send. */
struct cg__centra_vars {
  cJSON *obj;
  bool ok;
};

void cg__centra_vars_init(struct cg__centra_vars *v);
void cg__centra_vars_int(struct cg__centra_vars *v, const char *key,
                         int64_t value);
void cg__centra_vars_str(struct cg__centra_vars *v, const char *key,
                         const char *value);
void cg__centra_vars_bool(struct cg__centra_vars *v, const char *key,
                          bool value);
/* Adds a deep copy of item (borrowed). */
void cg__centra_vars_copy(struct cg__centra_vars *v, const char *key,
                          const cJSON *item);
/* Adds item (taken; freed on failure). */
void cg__centra_vars_put(struct cg__centra_vars *v, const char *key,
                         cJSON *item);
/* [items...] as a JSON array of numbers (for a [Int!]! variable); NULL
 * on ENOMEM (cg__centra_vars_put then fails the send). */
cJSON *cg__centra_int_array(const int64_t *items, size_t n);
/* Sends doc with the variables (as cg__centra_call), or frees them and
 * returns CG_ENOMEM when a setter failed. */
int cg__centra_vars_send(struct cg__centra_vars *v, struct cg_centra *c,
                         enum cg__centra_doc doc, cg_call_done_fn done,
                         void *arg);

/* A page of Centra products read for a flow (centra_products.c): the
 * answer, a list of products, becomes {products: n, sizes: [...]}: each
 * product is flattened into sizes by each(product, sizes), then more
 * (may be NULL) adds to the page's object; a false from either is a
 * RETRY "bad-response". */
typedef bool (*cg__centra_product_fn)(const cJSON *product, cJSON *sizes);
typedef bool (*cg__centra_page_fn)(const cJSON *products, cJSON *page);
/* Sends doc with v (as cg__centra_vars_send) and delivers the page so
 * flattened to done. 0 or a negative CG_E* (done does not fire). */
int cg__centra_products_send(struct cg__centra_vars *v, struct cg_centra *c,
                             enum cg__centra_doc doc,
                             cg__centra_product_fn each,
                             cg__centra_page_fn more, cg_call_done_fn done,
                             void *arg);

/* Sizes the six buckets from a rateLimits array (REQUEST_COUNT,
 * MUTATION_COUNT, QUERY_COMPLEXITY over TEN_SECONDS and ONE_HOUR; an
 * entry missing keeps its bucket). Returns 0, or CG_EINVAL when the
 * MUTATION_COUNT/TEN_SECONDS entry is missing. */
int cg__centra_apply_limits(struct cg_centra *c, const cJSON *limits);

/* Fills res (initialised here) from one answer to op. 200 + no errors +
 * empty userErrors -> OK (userWarnings, if any, in res->message); top-level
 * errors -> FAIL (code = extensions.category or "graphql"); userErrors ->
 * FAIL (code = path joined by '.'); 403 -> FAIL "token refused"; 429 ->
 * RETRY with retry_at_ms from Retry-After (relative to now_ms); 408/5xx/
 * transport/unreadable 200 -> RETRY; other statuses -> FAIL. */
void cg__centra_interpret(const struct cg__centra_op *op,
                          const struct cg_http_result *hr, int64_t now_ms,
                          struct cg_call_result *res);

/* cg__centra_interpret, and *complexity = the answer's
 * extensions.complexity (what Centra charged the QUERY_COMPLEXITY
 * buckets), or -1 when the answer reports none (transport error, not
 * JSON, no extensions). */
void cg__centra_interpret_cost(const struct cg__centra_op *op,
                               const struct cg_http_result *hr, int64_t now_ms,
                               struct cg_call_result *res, int64_t *complexity);

/* How long every call waits after Centra refuses the token (403). */
#define CG__CENTRA_AUTH_RETRY_MS 60000

/* Whether id fits a GraphQL Int and names something (> 0): order
 * numbers and shipment ids. */
static inline bool cg__centra_valid_id(int64_t id)
{
  return id > 0 && id <= INT32_MAX;
}

#endif
