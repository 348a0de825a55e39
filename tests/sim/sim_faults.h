/*
 * sim_faults: fault injection for centra-gxo-sim, per side (port) and per
 * endpoint pattern, deterministic for a given --seed.
 *
 *   request -> sim_port (sim_port.c) -> sim_faults_decide -> 429/500/503
 *                                                         -> TCP reset
 *                                                         -> + latency
 *                                                         -> router
 *
 * A rule matches a method ("*" any), a path glob ("/wms/v1/orders*") and,
 * for GraphQL requests, an operation type ("operation": "mutation" or
 * "query"; "*" any, the default) and an operation name glob
 * ("operationName": "CgCreate*").
 * For each matching request it draws, in order: reset, 429, 500, 503,
 * hang (shares in [0,1]), then latency. The first matching rule decides; a
 * rule with "limit" N disarms after N injected faults (a burst). /_sim/...
 * paths never get faults. A hung request is read and then never answered:
 * the port hands it to sim_faults_hold, and clearing the side's rules
 * (DELETE, or "replace") closes every held connection without an answer.
 * Webhook faults (duplicate share, out-of-order share and hold-back delay) are
 * per side and read by the webhook sender (sim_ctx.c).
 *
 * Control routes (on both ports, applying to that port's side):
 *   GET    /_sim/faults   rules and webhook settings
 *   POST   /_sim/faults   {"rules":[...], "webhooks":{...}} appends rules,
 *                         replaces webhook settings; "replace":true clears
 *   DELETE /_sim/faults   clears rules and webhook faults, closes held
 *                         (hung) requests
 */
#ifndef CG_SIM_FAULTS_H
#define CG_SIM_FAULTS_H

#include "sim_ctx.h"

#include <cjson/cJSON.h>
#include <stdbool.h>

struct cg_http_exchange;
struct cg_http_request;
struct cg_router;

#define SIM_FAULTS_HELD_MAX 1000

struct sim_fault_decision {
  int status;           /* 0, 429, 500 or 503 */
  bool reset;           /* reset the connection instead of answering */
  bool hang;            /* never answer: hand ex to sim_faults_hold */
  int latency_ms;       /* added before the answer */
  char retry_after[64]; /* Retry-After for 429/503, or "" */
};

struct sim_webhook_faults {
  double duplicate_share; /* deliver twice */
  double reorder_share;   /* hold back so later events overtake */
  int reorder_delay_ms;   /* how long a held-back delivery waits */
};

struct sim_faults *sim_faults_create(struct sim_ctx *ctx);
void sim_faults_destroy(struct sim_faults *f);

/* Decides what to do with one request on side. Consumes PRNG draws only
 * when a rule matches, so runs without faults stay reproducible. */
void sim_faults_decide(struct sim_faults *f, enum sim_side side,
                       const struct cg_http_request *req,
                       struct sim_fault_decision *out);
/* Takes a request a hang fault decided on and never answers it, until the
 * side's rules are cleared or sim_faults_release runs; then its
 * connection is reset (or, if the client already left, the exchange is
 * just freed). Over SIM_FAULTS_HELD_MAX held requests on a side, or
 * without memory, ex is reset at once. Loop thread only. */
void sim_faults_hold(struct sim_faults *f, enum sim_side side,
                     struct cg_http_exchange *ex);
/* Ends every request held on side as above. The port calls it before it
 * closes its server, so no held exchange outlives its server. */
void sim_faults_release(struct sim_faults *f, enum sim_side side);
/* Current webhook fault settings of side. */
void sim_faults_webhook(const struct sim_faults *f, enum sim_side side,
                        struct sim_webhook_faults *out);
/* Applies {"rules":[...], "webhooks":{...}, "replace":bool} to side, as
 * POST /_sim/faults does (also used by scenario files). Returns 0 or
 * CG_EINVAL with a message in errbuf. */
int sim_faults_apply(struct sim_faults *f, enum sim_side side, const cJSON *doc,
                     char *errbuf, size_t errsize);
/* Adds the /_sim/faults routes for side. */
int sim_faults_routes(struct sim_faults *f, enum sim_side side,
                      struct cg_router *r);

#endif
