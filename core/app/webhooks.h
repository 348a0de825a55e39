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
 *
 * Hints are bounded: the order numbers of one delivery are deduplicated,
 * at most CG_WEBHOOKS_HINTS_MAX of them are fetched (one warning names how
 * many were left to the events queue and the poll), and a number whose
 * fetch is already in flight is not fetched again (cg_intake_centra_hint).
 */
#ifndef CG_APP_WEBHOOKS_H
#define CG_APP_WEBHOOKS_H

/* Distinct orders one Centra delivery may fetch at once. */
#define CG_WEBHOOKS_HINTS_MAX 100

struct cg_engine;
struct cg_router;

/* Adds both webhook routes to r; handlers find merchants through e, which
 * must outlive the router. Returns 0 or CG_ENOMEM. Loop thread. */
int cg_webhooks_routes(struct cg_router *r, struct cg_engine *e);

#endif
