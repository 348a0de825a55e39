/*
 * webhooks: the partner callback endpoints on the webhook listener.
 *
 *   POST /webhooks/gxo/<merchant>     X-Wms-Signature, one event envelope
 *   POST /webhooks/centra/<merchant>  X-Centra-Signature, plugin payload
 *
 * A warehouse event is answered 200 only after its inbox row is committed
 * (503 otherwise, so the warehouse retries). A Centra hint triggers an
 * immediate fetch of the named orders and is answered 204. A forged or
 * stale signature gets 401 and is counted (cg_webhooks_refused_total).
 */
#ifndef CG_APP_WEBHOOKS_H
#define CG_APP_WEBHOOKS_H

struct cg_engine;
struct cg_router;

int cg_webhooks_routes(struct cg_router *r, struct cg_engine *e);

#endif
