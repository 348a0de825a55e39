/*
 * merchant: one merchant's runtime inside the engine. It owns the store,
 * the rule generations, the two partner clients, the flow context, the
 * intake and the outbox, and the timers that drive them (one schedule
 * table). One merchant's failure never stalls another: each has its own
 * of everything.
 *
 *   start: store -> rule host started, the pack's load sent to it
 *          (answered later: the saved generation if it fails; with none
 *          saved, the merchant runs without rules and its orders wait)
 *          -> clients -> outbox (reset inflight) -> inbox drain ->
 *          timers -> first pulls
 *   stop:  timers -> rule host (plans in flight cancelled: their rows
 *          stay pending) -> outbox (waits for in-flight calls) ->
 *          clients -> intake -> store
 */
#ifndef CG_APP_MERCHANT_H
#define CG_APP_MERCHANT_H

#include "flows/flow.h"

#include <stdbool.h>
#include <uv.h>

struct cg_config;
struct cg_config_merchant;
struct cg_err;
struct cg_intake;
struct cg_merchant;

/* Builds and starts a merchant on loop. cfg must outlive it. Returns the
 * merchant or NULL with err naming the merchant and what failed. */
struct cg_merchant *cg_merchant_start(uv_loop_t *loop,
                                      const struct cg_config *cfg,
                                      const struct cg_config_merchant *mc,
                                      struct cg_err *err);
/* Drains and frees the merchant; done fires once everything is closed.
 * Safe to call once. */
void cg_merchant_stop(struct cg_merchant *m, void (*done)(void *arg),
                      void *arg);

const char *cg_merchant_id(const struct cg_merchant *m);
struct cg_flow *cg_merchant_flow(struct cg_merchant *m);
struct cg_intake *cg_merchant_intake(struct cg_merchant *m);
const struct cg_config_merchant *
cg_merchant_config(const struct cg_merchant *m);

/* Sends a load of the rule pack to the merchant's rule host. Returns 0
 * when it is queued: later, on success, the new generation decides and
 * held orders are decided again; on failure the old generation keeps
 * running and the log says why ("rule reload refused"). A negative CG_E*
 * with err when it could not be sent (nothing changes). */
int cg_merchant_reload_rules(struct cg_merchant *m, struct cg_err *err);
/* Starts every pull now (events, poll, warehouse feed). */
void cg_merchant_pull_now(struct cg_merchant *m);

#endif
