/*
 * intake: pulls work from the partners into the inbox (ARCHITECTURE §3).
 *
 *   Centra events queue --events--> cg_orders_take --> confirmEvents
 *   Centra orders poll  --pages---> cg_orders_take       (safety net)
 *   Centra webhook hint --order(N)> cg_orders_take       (latency)
 *   warehouse feed --events?after--> cg_orders_take_gxo_event --> ack
 *
 * A source is acknowledged (confirmEvents, events:ack, the stored feed
 * cursor) only for messages whose inbox row is committed. Each pull runs
 * at most once at a time: a tick that finds it busy is skipped, and a
 * full batch pulls again at once. The app's scheduler calls these from
 * its timers; the webhook handlers call the hint and take functions.
 */
#ifndef CG_FLOWS_INTAKE_H
#define CG_FLOWS_INTAKE_H

#include <stdbool.h>
#include <stdint.h>

struct cg_flow;
struct cg_intake;

struct cg_intake *cg_intake_create(struct cg_flow *f);
/* Call after the partner clients are destroyed (their cancelled callbacks
 * still use the intake). NULL is a no-op. */
void cg_intake_destroy(struct cg_intake *in);

/* Registers the Centra event listeners (Order); once at start. */
void cg_intake_centra_listen(struct cg_intake *in);
void cg_intake_centra_events(struct cg_intake *in);
void cg_intake_centra_poll(struct cg_intake *in);
/* Fetches one order now (a webhook hint named it; number > 0). Returns 0
 * when the fetch started, CG_EEXIST when a hint for that number is already
 * in flight (nothing to do), CG_ELIMIT when too many hints are in flight or
 * CG_ERETRY when the fetch could not start; in each of those cases the
 * events queue and the poll still bring the order in. */
int cg_intake_centra_hint(struct cg_intake *in, int64_t number);
void cg_intake_gxo_events(struct cg_intake *in);
/* Refreshes the Centra budgets from rateLimits; then, when not NULL,
 * then(arg) runs once the answer is in (whatever it was): the Centra
 * client sends nothing else before it (the merchant's first pulls wait
 * for it). */
void cg_intake_centra_limits(struct cg_intake *in, void (*then)(void *arg),
                             void *arg);
/* True while any pull is in flight (tests and the demo wait on it). */
bool cg_intake_busy(const struct cg_intake *in);

#endif
