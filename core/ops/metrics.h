/*
 * metrics: renders every merchant's flow counters and store gauges as
 * Prometheus text (exposition format 0.0.4) for GET /metrics.
 *
 * Counters come from struct cg_flow_metrics through one table (name,
 * help, field offset); gauges (orders by state, open exceptions by type,
 * outbox rows by state) are read from each merchant's store at scrape
 * time, so they are right after a restart too.
 */
#ifndef CG_OPS_METRICS_H
#define CG_OPS_METRICS_H

#include <stddef.h>

struct cg_buf;
struct cg_flow;

/* Appends the exposition for flows[0..n) to out. Returns 0 or CG_ENOMEM.
 * A store read that fails is reported as a comment line, not an error. */
int cg_metrics_render(struct cg_flow *const *flows, size_t n,
                      struct cg_buf *out);

#endif
