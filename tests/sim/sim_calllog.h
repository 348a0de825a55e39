/*
 * sim_calllog: what clients did to centra-gxo-sim. Every answered request
 * (time, side, method, path, status, Idempotency-Key) lands in a bounded
 * log with counts per status, and Retry-After compliance is checked:
 *
 *   answer 429/503 + Retry-After -> remember deadline for the identity
 *   later request, same identity, before the deadline -> violation
 *
 * The identity is the Idempotency-Key when present, else method + request
 * target (path and query) + a hash of the body. The fault layer and partner
 * code that answers 429/503 itself report Retry-After through
 * sim_calllog_retry_after (or sim_note_retry_after in sim_ctx.h).
 *
 * Control routes (on both ports, showing both sides):
 *   GET  /_sim/calls?side=centra|gxo&limit=N  log tail, counts, violations,
 *                                             inFlight (arrived, not answered
 *                                             yet: delayed or held) (of that
 *                                             side, or both), webhook stats
 *   POST /_sim/reset-calls                    empties log, counts, deadlines
 */
#ifndef CG_SIM_CALLLOG_H
#define CG_SIM_CALLLOG_H

#include "sim_ctx.h"

struct cg_http_exchange;
struct cg_router;

struct sim_calllog *sim_calllog_create(void);
void sim_calllog_destroy(struct sim_calllog *log);

/* On arrival of a request (before faults): checks it against open
 * Retry-After deadlines and counts a violation if it is early. */
void sim_calllog_arrive(struct sim_calllog *log, enum sim_side side,
                        const struct cg_http_exchange *ex);
/* After the answer (status 0 = connection reset): appends to the log. */
void sim_calllog_record(struct sim_calllog *log, enum sim_side side,
                        const struct cg_http_exchange *ex, int status);
/* The request ex is being answered with Retry-After: value (seconds or an
 * HTTP date). Repeats before that deadline count as violations. */
void sim_calllog_retry_after(struct sim_calllog *log,
                             const struct cg_http_exchange *ex,
                             const char *value);
/* Violations counted since the last reset. */
unsigned long sim_calllog_violations(const struct sim_calllog *log);
/* Adds GET /_sim/calls and POST /_sim/reset-calls. */
int sim_calllog_routes(struct sim_ctx *ctx, struct cg_router *r);

#endif
