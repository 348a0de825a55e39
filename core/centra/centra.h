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
 * Mutations take a token from a bucket (MUTATION_COUNT per TEN_SECONDS,
 * default 20 per 10 s) that cg_centra_refresh_limits sets from
 * `rateLimits`; a mutation that cannot take a token now, or any request
 * during a pause, completes with RETRY, code "budget" or "paused", and
 * retry_at_ms = when it can go, without sending anything.
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
 * CG_EINVAL / CG_ENOMEM (done never fires). "(mutation)" marks those that
 * spend the mutation budget. */

/* Reads `rateLimits` and resizes the mutation bucket from the
 * MUTATION_COUNT / TEN_SECONDS entry. OK data: the rateLimits array. */
int cg_centra_refresh_limits(struct cg_centra *c, cg_call_done_fn done,
                             void *arg);
/* Reads `rateLimits` only. OK data: [{type, intervalSeconds, quota,
 * usedQuota, remainingQuota}]. */
int cg_centra_rate_limits(struct cg_centra *c, cg_call_done_fn done, void *arg);

enum cg_centra_tristate {
  CG_CENTRA_ANY = 0, /* no filter */
  CG_CENTRA_FALSE = 1,
  CG_CENTRA_TRUE = 2,
};

struct cg_centra_order_filter {
  const char *const *statuses; /* e.g. {"CONFIRMED"}; NULL = any */
  size_t n_statuses;
  enum cg_centra_tristate is_on_hold;
  enum cg_centra_tristate is_waiting_for_payment;
  const char *updated_from; /* ISO 8601, or NULL */
  int page;                 /* 1-based; 0 = 1 */
  int limit;                /* 1..200; 0 = 20 */
};

/* `orders(where, sort: [id_ASC], limit, page)`. OK data: array of Order
 * objects (possibly empty). */
int cg_centra_fetch_orders(struct cg_centra *c,
                           const struct cg_centra_order_filter *filter,
                           cg_call_done_fn done, void *arg);
/* `order(number)`. OK data: the Order, or NULL when it does not exist. */
int cg_centra_fetch_order(struct cg_centra *c, int64_t number,
                          cg_call_done_fn done, void *arg);
/* (mutation) `setEventListeners` for object types ("Order", "Return",
 * "ProductSize"), all change types. OK data: the eventListeners array. */
int cg_centra_set_event_listeners(struct cg_centra *c,
                                  const char *const *object_types,
                                  size_t n_types, cg_call_done_fn done,
                                  void *arg);
/* `events(where: {objectType}, limit)`: the oldest unconfirmed events
 * (n_types 0 = every type; limit 0 = 100, max 200). OK data: array of
 * Event objects. */
int cg_centra_fetch_events(struct cg_centra *c, const char *const *object_types,
                           size_t n_types, int limit, cg_call_done_fn done,
                           void *arg);
/* (mutation) `confirmEvents(input: {eventsIds})`, n_ids > 0. OK data:
 * NULL. */
int cg_centra_confirm_events(struct cg_centra *c, const int64_t *ids,
                             size_t n_ids, cg_call_done_fn done, void *arg);
/* (mutation) `updateDirectToConsumerOrder(order: {number}, input:
 * {externalId})`: marks the order as sent to the warehouse so no later
 * poll resends it. OK data: the updated Order. */
int cg_centra_mark_exported(struct cg_centra *c, int64_t number,
                            const char *external_id, cg_call_done_fn done,
                            void *arg);

/* --- for the dispatch and stock flows --------------------------------- */

/* (mutation) `createShipment(input)`; input is a ShipmentCreateInput
 * (borrowed, not modified). OK data: the Shipment. */
int cg_centra_create_shipment(struct cg_centra *c, const cJSON *input,
                              cg_call_done_fn done, void *arg);
/* (mutation) `completeShipment(id, input)`; input is a
 * ShipmentCompleteInput (borrowed). OK data: the Shipment. */
int cg_centra_complete_shipment(struct cg_centra *c, int64_t shipment_id,
                                const cJSON *input, cg_call_done_fn done,
                                void *arg);
/* `shipments(where: {externalId: [external_id]})`. OK data: array of
 * Shipment objects (empty when none). */
int cg_centra_find_shipments_by_external_id(struct cg_centra *c,
                                            const char *external_id,
                                            cg_call_done_fn done, void *arg);
/* (mutation) `changeStock(input)` (StockChangeInput, borrowed). OK data:
 * {"id"} of the stock change. */
int cg_centra_change_stock(struct cg_centra *c, const cJSON *input,
                           cg_call_done_fn done, void *arg);
/* (mutation) `setStock(input)` (StockSetInput, borrowed). OK data: the
 * stockChanges array. */
int cg_centra_set_stock(struct cg_centra *c, const cJSON *input,
                        cg_call_done_fn done, void *arg);

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
