/*
 * gxo_rest_int: internals shared by the REST transport's files
 * (gxo_rest.c: token, sending, operations; gxo_rest_result.c: turning one
 * HTTP answer into a cg_call_result; gxo_rest_items.c: the item master's
 * batch upsert; gxo_rest_returns.c: the return advice). Not for use
 * outside core/gxo.
 */
#ifndef CG_GXO_REST_INT_H
#define CG_GXO_REST_INT_H

#include "net/call.h"

#include <stdint.h>

struct cg_http_result;

enum cg__gxo_op {
  CG__GXO_CREATE_ORDER = 0,
  CG__GXO_GET_ORDER,
  CG__GXO_CANCEL_ORDER,
  CG__GXO_PULL_EVENTS,
  CG__GXO_ACK_EVENTS,
  CG__GXO_SUBSCRIBE,
  CG__GXO_TOKEN,
  CG__GXO_GET_ITEM,
  /* GET /orders/{orderRef} after a 409 duplicate-order-ref on create: what
   * the warehouse holds decides the create's outcome. */
  CG__GXO_VERIFY_ORDER,
  CG__GXO_GET_STOCK,
  CG__GXO_PUT_ITEMS,
  CG__GXO_ADVISE_RETURN,
};

/* Name of an operation for logs ("create_order", ...). */
const char *cg__gxo_op_name(enum cg__gxo_op op);

/* Fills res (initialised here) from one HTTP answer of operation op:
 * 2xx with a body that parses as what op promises -> OK with the parsed
 * body as data (anything else, e.g. an HTML page or an empty body where a
 * document is due -> RETRY "bad-response"); 409 duplicate-order-ref on
 * create_order -> RETRY code CG__GXO_EXISTS (the transport then verifies
 * with CG__GXO_VERIFY_ORDER: an order the warehouse holds in work -> OK
 * with the order as data, one it holds as REJECTED or CANCELLED -> FAIL
 * "held-as-rejected"/"held-as-cancelled", a 404 -> RETRY); 409
 * idempotency conflict while the first request is in flight -> RETRY;
 * 408/429/5xx/transport -> RETRY, retry_at_ms from Retry-After (absolute,
 * wall ms, relative to now_ms); 409 duplicate-rma-ref on advise_return
 * -> OK with data {"status": "DUPLICATE"} (the warehouse already expects
 * the return); other 4xx -> FAIL with the RFC 9457 problem code and
 * message. order_ref may be NULL. */
#define CG__GXO_EXISTS "exists-verify"

void cg__gxo_interpret(enum cg__gxo_op op, const char *order_ref,
                       const struct cg_http_result *hr, int64_t now_ms,
                       struct cg_call_result *res);

/* gxo_rest.c: starts a POST of body (taken: freed here in every case) to
 * path (under the API base) with the header Idempotency-Key:
 * idempotency_key, answered through cg__gxo_interpret(kind). 0 (done
 * fires later, once), or CG_ECANCELED / CG_ENOMEM (done never fires). */
int cg__gxo_rest_post(void *state, enum cg__gxo_op kind, const char *path,
                      char *body, const char *idempotency_key,
                      cg_call_done_fn done, void *arg);

/* gxo_rest_items.c: the transport's put_items (gxo.h cg_gxo_put_items). */
int cg__gxo_rest_put_items(void *state, const cJSON *items,
                           const char *idempotency_key, cg_call_done_fn done,
                           void *arg);

/* gxo_rest_returns.c: the transport's advise_return (gxo.h
 * cg_gxo_advise_return). */
int cg__gxo_rest_advise_return(void *state, const cJSON *advice,
                               const char *idempotency_key,
                               cg_call_done_fn done, void *arg);

#endif
