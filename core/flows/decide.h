/*
 * decide: the second, asynchronous step of an order decision: the rule
 * host's plan (docs/internals/orders.md "Two steps").
 *
 *   step 1 (inbox apply, retry, re-decision; loop thread, in a tx):
 *     no rules needed → decided there
 *     rules needed    → cg_decide_later: a job; the row stays pending
 *   cg_decide_flush (after the caller's commit): jobs ─▶ cg_rulehost_plans
 *     of the plan "orders" (plan.h) in batches of up to CG_DECIDE_BATCH
 *     orders (one call child each)
 *   plans arrive ─▶ step 2: one transaction, a savepoint per job: re-read,
 *     re-check, apply the plan (or RULE_ERROR), mark the row processed
 *
 * A job stays in the flow's set from cg_decide_later until its step 2 (or
 * its failure), so the sweep does not ask twice. CG_ECANCELED, CG_ELIMIT,
 * "no generation" and store failures leave the row or hold as it was: the
 * sweep (inbox drain, retry requests) asks again. Loop thread only.
 */
#ifndef CG_FLOWS_DECIDE_H
#define CG_FLOWS_DECIDE_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

struct cg_flow;
struct cg_plan;
struct cg_err;

#define CG_DECIDE_BATCH 32
/* Jobs per flow (in the set) before cg_decide_later says CG_ELIMIT. */
#define CG_DECIDE_MAX 10000

enum cg_decide_kind {
  CG_DECIDE_INBOX,    /* key: inbox row id; step 2 marks the row */
  CG_DECIDE_REDECIDE, /* key: 0; a held order after a rule reload */
  CG_DECIDE_RETRY,    /* key: exception id; an operator's retry */
};

/* The per-flow set of jobs; NULL on ENOMEM. Registers the flows' hooks
 * and the order plan with core/rules first (hooks.h), so an engine
 * embedded in any binary can ask its rule host for plans. */
struct cg_decide *cg_decide_create(struct cg_flow *f);
/* Frees every job not in flight. Call after cg_rulehost_destroy (which
 * cancels the ones in flight). NULL is a no-op. */
void cg_decide_destroy(struct cg_decide *d);

/* Whether a job of kind with key (or, key 0, of that order number) is
 * waiting or in flight. */
bool cg_decide_pending(const struct cg_flow *f, enum cg_decide_kind kind,
                       int64_t key, const char *number);
/* The order a job plans. payload: its JSON text (copied). whole: that
 * text is one JSON object exactly as cJSON printed it (by this engine,
 * or parsed whole), so it goes into the request as it is (cJSON_CreateRaw)
 * instead of being parsed and printed again. facts: for an INBOX job,
 * what step 2 reads of the order (cg__order_facts), so that step 2 does
 * not parse the row again; NULL = it does. */
struct cg_decide_order {
  const char *payload;
  bool whole;
  cJSON *facts; /* taken by cg_decide_later (NULL after it) */
};
/* Records a job for the order number; msg_id names the inbox row (INBOX
 * only). 0, CG_EEXIST (already pending), CG_ELIMIT (set full),
 * CG_ENOMEM, or CG_ECANCELED (no rule host); o->facts is the job's or
 * freed either way. Nothing is sent before cg_decide_flush. */
int cg_decide_later(struct cg_flow *f, enum cg_decide_kind kind, int64_t key,
                    const char *msg_id, const char *number,
                    struct cg_decide_order *o);
/* Sends every recorded job to the rule host. Call after the transaction
 * that recorded them commits (a job whose row rolled back finds nothing
 * in step 2). */
void cg_decide_flush(struct cg_flow *f);
/* Jobs waiting or in flight (metrics, tests). */
uint64_t cg_decide_count(const struct cg_flow *f);

#endif
