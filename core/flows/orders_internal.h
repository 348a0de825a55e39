/*
 * orders_internal: what orders.c and orders_events.c share.
 */
#ifndef CG_FLOWS_ORDERS_INTERNAL_H
#define CG_FLOWS_ORDERS_INTERNAL_H

#include "flows/inbox.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cg_err;
struct cg_flow;

#define CG_ORDERS_KIND_CREATE "gxo.order.create"
#define CG_ORDERS_KIND_MARK "centra.order.mark"

/* "83651" from order.number; CG_EINVAL if absent. */
int cg__order_number(const cJSON *order, char *out, size_t size);
struct cg_plan;
struct cg_store_inbox_row;

/* cg__order_decide: the rules must decide (step 2, flows/decide.h). */
#define CG__NEEDS_RULES 1
/* Step 1 of a decision of a stored or new order version, inside the open
 * transaction: what needs no rules (a line without SKU: held
 * UNKNOWN_SKU; returns 0), else CG__NEEDS_RULES and no effect. */
int cg__order_decide(struct cg_flow *f, const char *number, const char *payload,
                     const cJSON *order, char outcome[CG_INBOX_OUTCOME_MAX],
                     struct cg_err *err);
/* Whether step 1 leaves the decision to the rules (cg__order_decide
 * would return CG__NEEDS_RULES), without writing anything. */
bool cg__order_needs_rules(const cJSON *order);
/* Step 2, inside the open transaction: applies the rule host's plan
 * (queued + outbox row, or held + exception), or, plan NULL, holds the
 * order as RULE_ERROR with rule_err. */
int cg__order_apply(struct cg_flow *f, const char *number, const char *payload,
                    const cJSON *order, const struct cg_plan *plan,
                    const char *rule_err, char outcome[CG_INBOX_OUTCOME_MAX],
                    struct cg_err *err);
/* Step 2 of a pending inbox row: eligibility and the stored state are
 * checked again (they may have changed while the plan was out), then
 * cg__order_apply. facts: cg__order_facts of the row's order, kept by its
 * job since step 1; NULL = the row's payload is parsed again. Writes the
 * row's outcome; the caller marks it. */
int cg__order_finish(struct cg_flow *f, const struct cg_store_inbox_row *row,
                     const cJSON *facts, const struct cg_plan *plan,
                     const char *rule_err, char outcome[CG_INBOX_OUTCOME_MAX],
                     struct cg_err *err);
/* What step 2 reads of an order (its number, eligibility, id, status and
 * lines), copied: a small tree a job keeps instead of the order's text
 * parsed again (a few members instead of every customer and address
 * field). Reads the same as order for cg__order_finish. NULL on ENOMEM. */
cJSON *cg__order_facts(const cJSON *order);
/* Parses a stored order's text; *whole when the text is one JSON object
 * with nothing around it, as cJSON prints it (cg_decide_order.whole). */
cJSON *cg__order_parse(const char *text, bool *whole);
/* Step 2 of a re-decision after a reload: applies to the order only if
 * it is still held for a reason rules can cure. *queued when it left. */
int cg__order_redecided(struct cg_flow *f, const char *number,
                        const struct cg_plan *plan, const char *rule_err,
                        bool *queued, struct cg_err *err);
/* Step 2 of an operator's retry of exception xid: resolves it if still
 * open, then decides the order if it is held or rejected. */
int cg__order_retried(struct cg_flow *f, int64_t xid, const char *number,
                      const struct cg_plan *plan, const char *rule_err,
                      bool *queued, struct cg_err *err);
/* Moves a stored order to held with an exception of type. */
int cg__order_hold(struct cg_flow *f, const char *number, const char *type,
                   const char *message, const char *label, struct cg_err *err);

#endif
