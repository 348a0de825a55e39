/*
 * sim_port: one listening port of centra-gxo-sim (the Centra side or the
 * warehouse side) and the front handler every request passes:
 *
 *   server -> on_request: call log arrival (Retry-After check)
 *             /_sim/...  ---------------------------------> router
 *             faults: reset | 429/500/503 (+Retry-After) | hang (held
 *             in sim_faults until cleared) (+latency)
 *             pre hook (warehouse: token, Idempotency-Key reservation)
 *             latency timer ---------------------------------> router
 *   on_response observer: post hook, call log record
 *
 * Also the control routes common to both ports: GET /_sim/health and the
 * request sink (/_sim/sink...) that stores raw webhook deliveries so tests
 * can verify signatures with an independent implementation.
 */
#ifndef CG_SIM_PORT_H
#define CG_SIM_PORT_H

#include "sim_ctx.h"

#include <stdbool.h>

struct cg_err;
struct cg_http_exchange;
struct cg_router;

/* Runs after faults and before latency; returns true if it answered. */
typedef bool (*sim_pre_fn)(struct cg_http_exchange *ex, void *arg);
/* Sees every answered exchange (status 0 for a reset) before the log. */
typedef void (*sim_post_fn)(const struct cg_http_exchange *ex, int status,
                            void *arg);

struct sim_port *sim_port_create(struct sim_ctx *ctx, enum sim_side side);
/* The port's router, for the partner to add its routes to. */
struct cg_router *sim_port_router(struct sim_port *p);
void sim_port_set_hooks(struct sim_port *p, sim_pre_fn pre, sim_post_fn post,
                        void *arg);
/* Adds /_sim/health, /_sim/sink..., /_sim/faults, /_sim/calls. */
int sim_port_common_routes(struct sim_port *p);
/* Listens on "host:port"; 0 or a negative CG_E* with err filled. */
int sim_port_listen(struct sim_port *p, const char *addr, struct cg_err *err);
int sim_port_number(const struct sim_port *p);
/* Drops requests waiting on injected latency (the server answers them
 * 503) and resets those a hang fault holds, closes the server; done fires once
 * it is closed, after which the port's memory is gone. Call once. */
void sim_port_close(struct sim_port *p, void (*done)(void *arg), void *arg);

#endif
