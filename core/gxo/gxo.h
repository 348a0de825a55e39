/*
 * gxo: the warehouse client. The engine speaks to a transport interface
 * (one ops struct, STYLE.md §1.5); v1 implements the REST contract of
 * shared/reference/warehouse-api-v1.md (gxo_rest.c), and a file-drop
 * transport (SFTP/CSV) is planned behind the same interface.
 *
 *   core/flows --cg_gxo_*()--> struct cg_gxo --ops--> REST transport
 *                                                      | token cache
 *        done(cg_call_result) <------------------------+ http_client
 *
 * Every operation is asynchronous: it returns 0 at once and its callback
 * fires exactly once, later, on the loop thread, with an OK / RETRY / FAIL
 * outcome (net/call.h). Operations never retry by themselves except the
 * one token refresh after a 401; the outbox owns retries. Refused client
 * credentials complete calls with RETRY code "auth" a minute later (and
 * pause the client) rather than FAIL: a rotated secret must not reject
 * every queued order.
 *
 * A NULL client (the engine stopping: merchant.c drops its clients while
 * calls it started may still answer) makes every operation return
 * CG_ECANCELED at once (done never fires): callers end such a call RETRY
 * "canceled".
 *
 * Webhook verification (cg_gxo_webhook_parse) is a pure function and does
 * not need a client.
 */
#ifndef CG_GXO_GXO_H
#define CG_GXO_GXO_H

#include "net/call.h"

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

struct cg_err;
struct cg_ratelimit;
struct cg_gxo;

struct cg_gxo_opts {
  uv_loop_t *loop;      /* required */
  const char *merchant; /* log prefix; required */
  /* REST: "http://host:port" or ".../wms/v1" (the suffix is added when
   * missing). */
  const char *base_url;
  const char *client_id;     /* OAuth client credentials (copied) */
  const char *client_secret; /* never logged */
  long timeout_ms;           /* per request; default 15000 */
  long connect_timeout_ms;   /* default 5000 */
  long max_connections;      /* per host; default 8 */
  /* Refresh the cached token this long before it expires; default 60000
   * (capped at half the token lifetime). */
  int64_t token_margin_ms;
  /* Partner limiter shared with the caller (e.g. the outbox scheduler
   * reads its pause), or NULL for one of the client's own. Must outlive
   * the client. */
  struct cg_ratelimit *limiter;
};

/* A transport. state is what create returned. Each operation returns 0
 * (done fires later, exactly once) or CG_EINVAL / CG_ENOMEM (done never
 * fires). A transport that cannot do an operation completes it with FAIL
 * and code "unsupported". */
struct cg_gxo_transport_ops {
  const char *name; /* "rest" */
  int (*create)(const struct cg_gxo_opts *opts, void **state,
                struct cg_err *err);
  /* Pending callbacks fire (RETRY, code "canceled") before it returns;
   * memory is released once the loop runs its close callbacks. */
  void (*destroy)(void *state);
  int (*create_order)(void *state, const char *order_json,
                      const char *idempotency_key, cg_call_done_fn done,
                      void *arg);
  int (*get_order)(void *state, const char *order_ref, cg_call_done_fn done,
                   void *arg);
  int (*get_item)(void *state, const char *sku, cg_call_done_fn done,
                  void *arg);
  int (*cancel_order)(void *state, const char *order_ref, const char *body_json,
                      const char *idempotency_key, cg_call_done_fn done,
                      void *arg);
  int (*pull_events)(void *state, int64_t after_sequence, int limit,
                     cg_call_done_fn done, void *arg);
  int (*ack_events)(void *state, int64_t up_to_sequence, cg_call_done_fn done,
                    void *arg);
  int (*subscribe_webhooks)(void *state, const char *url, const char *secret,
                            const char *const *event_types, size_t n_types,
                            cg_call_done_fn done, void *arg);
  int (*get_stock)(void *state, const char *snapshot_id, const char *cursor,
                   int limit, cg_call_done_fn done, void *arg);
  int (*put_items)(void *state, const cJSON *items, const char *idempotency_key,
                   cg_call_done_fn done, void *arg);
  int (*advise_return)(void *state, const cJSON *advice,
                       const char *idempotency_key, cg_call_done_fn done,
                       void *arg);
};

/* The REST transport of warehouse API v1 (gxo_rest.c). */
extern const struct cg_gxo_transport_ops cg_gxo_rest_transport;

/* Creates a client over ops (copied pointer; must outlive the client).
 * Loop thread only. NULL with err set on bad options or ENOMEM. */
struct cg_gxo *cg_gxo_create(const struct cg_gxo_transport_ops *ops,
                             const struct cg_gxo_opts *opts,
                             struct cg_err *err);
/* Cancels in-flight operations (their callbacks fire with RETRY, code
 * "canceled", before this returns) and releases the client once the loop
 * has run its close callbacks. destroy(NULL) is a no-op. */
void cg_gxo_destroy(struct cg_gxo *g);

/* Sends a fulfilment order (order_json: the warehouse order document, as
 * text) under idempotency_key (see cg_gxo_order_key). OK data:
 * {"orderRef", "wmsOrderId"?, "status"} from the 202 (or its replay); a
 * 409 duplicate-order-ref is also OK, data {"orderRef", "status":
 * "DUPLICATE"}: the order already exists at the warehouse, which is the
 * effect we wanted (the key or the business ref makes the send
 * idempotent). 422 -> FAIL with the problem code ("unknown-sku", ...). */
int cg_gxo_create_order(struct cg_gxo *g, const char *order_json,
                        const char *idempotency_key, cg_call_done_fn done,
                        void *arg);
/* Reads an order's status and shipments. OK data: the order document; a
 * 404 is FAIL with the problem code. */
int cg_gxo_get_order(struct cg_gxo *g, const char *order_ref,
                     cg_call_done_fn done, void *arg);
/* Reads one item of the warehouse item master. OK data: the item; a 404
 * is FAIL with code "item-not-found" (the SKU is unknown there). */
int cg_gxo_get_item(struct cg_gxo *g, const char *sku, cg_call_done_fn done,
                    void *arg);
/* Cancels a whole order (body_json NULL or without "lines") or lines
 * ({"lines": [{lineRef, quantity}]}) under idempotency_key; NULL derives
 * the key from the path and body. A flow passes its outbox row's key: two
 * equal cancels at different times (one more unit of a line) are two
 * requests, and a resend of one row after a crash is replayed by the
 * warehouse, never refused as not cancellable. OK data: the 202 body or
 * NULL; 409 order-not-cancellable is FAIL with that code. */
int cg_gxo_cancel_order(struct cg_gxo *g, const char *order_ref,
                        const char *body_json, const char *idempotency_key,
                        cg_call_done_fn done, void *arg);
/* Pulls events with sequence > after_sequence (limit 1..500, 0 = server
 * default). OK data: {"events": [...], "lastSequence": N}. */
int cg_gxo_pull_events(struct cg_gxo *g, int64_t after_sequence, int limit,
                       cg_call_done_fn done, void *arg);
/* Acknowledges every event up to and including up_to_sequence. OK data:
 * NULL. */
int cg_gxo_ack_events(struct cg_gxo *g, int64_t up_to_sequence,
                      cg_call_done_fn done, void *arg);
/* Subscribes url to event_types (n_types > 0) signed with secret. OK
 * data: the subscription document or NULL. */
int cg_gxo_subscribe_webhooks(struct cg_gxo *g, const char *url,
                              const char *secret,
                              const char *const *event_types, size_t n_types,
                              cg_call_done_fn done, void *arg);

/* Reads one page of a stock snapshot (GET /stock): the page after cursor
 * when cursor is given (a cursor names its snapshot), else the first page
 * of snapshot_id when given (the snapshot a stock.snapshot event
 * announced), else the first page of a new snapshot taken now. limit
 * 1..1000 (0 = the warehouse's default). OK data: {snapshotId, asOf,
 * asOfSequence, items: [{sku, byStatus: {STATUS: n}, ...}], nextCursor}
 * (nextCursor null on the last page); a 400 (cursor or snapshot unknown
 * or expired) is FAIL with the problem code. */
int cg_gxo_get_stock(struct cg_gxo *g, const char *snapshot_id,
                     const char *cursor, int limit, cg_call_done_fn done,
                     void *arg);

/* Upserts items (an array of 1..500 warehouse items, borrowed until
 * this returns) into the item master with one POST /items:batch under
 * idempotency_key (the caller's outbox row key: a resend of the same row
 * is replayed, a new batch is judged afresh). OK data: {"results": [...]}
 * with exactly one result per item, as the warehouse gave them ({index,
 * sku, status, code?, errors?}); a 2xx without that is FAIL
 * "bad-results". 400/422 for the whole batch is FAIL with the problem
 * code; 429/503/5xx/transport are RETRY (Retry-After respected). */
#define CG_GXO_ITEMS_BATCH_MAX 500
int cg_gxo_put_items(struct cg_gxo *g, const cJSON *items,
                     const char *idempotency_key, cg_call_done_fn done,
                     void *arg);

/* Sends a return advice (advice: the checked advice document, borrowed
 * until this returns; docs/internals/returns.md) with POST
 * /return-advices under idempotency_key. OK data: {"rmaRef", "status"}
 * from the 202 (or its replay); a 409 duplicate-rma-ref is also OK, data
 * {"rmaRef", "status": "DUPLICATE"}: the warehouse already expects this
 * return. 400/422 -> FAIL with the problem code ("unknown-order-line",
 * "field-too-long", ...) and the problem's detail as message;
 * 429/503/5xx/transport -> RETRY. */
int cg_gxo_advise_return(struct cg_gxo *g, const cJSON *advice,
                         const char *idempotency_key, cg_call_done_fn done,
                         void *arg);

/* "cg-<merchant>-order-<orderRef>" into out: the Idempotency-Key of an
 * order, stable across restarts so a replayed outbox row is recognised.
 * Returns 0, or CG_EINVAL when it does not fit or an input is empty. */
int cg_gxo_order_key(const char *merchant, const char *order_ref, char *out,
                     size_t size);

/* --- incoming webhooks (pure) ------------------------------------------ */

#define CG_GXO_WEBHOOK_TOLERANCE_S 300

/* Verifies an X-Wms-Signature header ("t=<unix>,v1=<hex>") over the raw
 * body against each accepted secret (several during a rotation), refusing
 * timestamps more than tolerance_s (0 = default 300) from now_s, then
 * parses the event envelope. Returns 0 and *envelope (caller frees with
 * cJSON_Delete; it has eventId, eventType, sequence), or CG_ESIG (missing,
 * malformed or matching no secret), CG_ESTALE (outside the window) or
 * CG_EINVAL (signed but not an event envelope); err says why. */
int cg_gxo_webhook_parse(const char *const *secrets, size_t n_secrets,
                         const char *signature, const char *body,
                         size_t body_len, int64_t now_s, int64_t tolerance_s,
                         cJSON **envelope, struct cg_err *err);

#endif
