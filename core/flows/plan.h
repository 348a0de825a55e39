/*
 * plan: the order plan, the chain of rule hooks that decides what becomes
 * of one confirmed Centra order (docs/internals/orders.md "Two steps").
 *
 *   order ─▶ orders.accept ──hold──▶ HOLD (reason, message)
 *              │ accept
 *              ▼
 *            carriers.map ──nil──▶ UNMAPPED_CARRIER
 *              │ {carrierCode, serviceCode, servicePointId?}
 *              ▼
 *            orders.check_address ──problems──▶ INVALID_ADDRESS
 *              │ none
 *              ▼
 *            orders.payload ─▶ SEND (the warehouse v1 order)
 *
 * The flows never run it on the loop thread: it is registered with
 * core/rules as the plan "orders" (hooks.c) and runs in the merchant's
 * rule host, one call child per batch of orders (decide.c asks with
 * cg_rulehost_plans); the call child prints each struct cg_plan as JSON
 * (plan_json.c) and decide.c reads it back. Only the benchmarks and
 * the tests call cg_plan_order in process. Each hook's result is checked
 * by core/rules with the check hooks.c registered for it.
 */
#ifndef CG_FLOWS_PLAN_H
#define CG_FLOWS_PLAN_H

#include <cjson/cJSON.h>
#include <stdbool.h>

struct cg_err;
struct cg_rules_gen;

/* The plan's name on the wire (cg_rulehost_plans) and its hook calls per
 * order (its deadline: that many call budgets). */
#define CG_PLAN_ORDERS "orders"
#define CG_PLAN_HOOKS 4

#define CG_PLAN_REASON_MAX 64
#define CG_PLAN_MESSAGE_MAX 256
#define CG_PLAN_CODE_MAX 72
#define CG_PLAN_LABEL_MAX 160 /* CG_RULES_LABEL_MAX */

/* ---- the hooks, one by one --------------------------------------------- */

/* orders.accept(order) -> {action="accept"} |
 *                         {action="hold", reason=..., message=...} */
struct cg_plan_accept {
  bool accept;
  char reason[CG_PLAN_REASON_MAX];   /* "" when accepted */
  char message[CG_PLAN_MESSAGE_MAX]; /* "" when accepted */
};
int cg_plan_accept(struct cg_rules_gen *g, const cJSON *order,
                   struct cg_plan_accept *out, struct cg_err *err);

/* carriers.map(option, order) -> {carrierCode, serviceCode,
 * servicePointId?} | nil. option is the Centra shipping option
 * {id, name, uri}. mapped=false means UNMAPPED_CARRIER. */
struct cg_plan_carrier {
  bool mapped;
  char carrier_code[CG_PLAN_CODE_MAX];
  char service_code[CG_PLAN_CODE_MAX];
  char service_point_id[CG_PLAN_CODE_MAX]; /* "" when none */
};
int cg_plan_carrier_map(struct cg_rules_gen *g, const cJSON *option,
                        const cJSON *order, struct cg_plan_carrier *out,
                        struct cg_err *err);

/* orders.check_address(order) -> nil | {} | {problem, ...}. On success
 * *problems is a JSON array (caller owns) of {field, code, message}
 * objects, empty when the address is fine; non-empty = INVALID_ADDRESS. */
int cg_plan_address_check(struct cg_rules_gen *g, const cJSON *order,
                          cJSON **problems, struct cg_err *err);

/* orders.payload(order, carrier) -> the warehouse v1 order JSON, checked
 * against the contract (gxo/gxo_contract.h) and in its field order;
 * *payload is owned by the caller. */
int cg_plan_payload(struct cg_rules_gen *g, const cJSON *order,
                    const struct cg_plan_carrier *carrier, cJSON **payload,
                    struct cg_err *err);

/* ---- the chain ---------------------------------------------------------- */

enum cg_plan_outcome {
  CG_PLAN_SEND = 0,             /* payload is set */
  CG_PLAN_HOLD = 1,             /* accept said hold: reason/message */
  CG_PLAN_UNMAPPED_CARRIER = 2, /* message names the shipping option */
  CG_PLAN_INVALID_ADDRESS = 3,  /* problems is set; message summarises */
};
struct cg_plan {
  enum cg_plan_outcome outcome;
  char reason[CG_PLAN_REASON_MAX];
  char message[CG_PLAN_MESSAGE_MAX];
  struct cg_plan_carrier carrier;
  cJSON *problems; /* INVALID_ADDRESS only; freed by cg_plan_clear */
  cJSON *payload;  /* SEND only; freed by cg_plan_clear */
  char label[CG_PLAN_LABEL_MAX];
};

/* All four hooks in the order the flow needs them: accept, carrier,
 * address, payload. The outcome decides what the flow does; the label
 * names the generation that decided. A rule failure returns CG_ERULE
 * (RULE_ERROR) and leaves nothing decided but the label. */
int cg_plan_order(struct cg_rules_gen *g, const cJSON *order,
                  struct cg_plan *out, struct cg_err *err);
/* Frees problems/payload and zeroes the plan; safe on a zeroed plan. */
void cg_plan_clear(struct cg_plan *p);

/* Exception type name for an outcome: "UNMAPPED_CARRIER", ... ("" for
 * SEND). */
const char *cg_plan_outcome_name(enum cg_plan_outcome o);

/* ---- the wire form (plan_json.c) ------------------------------------------
 * {outcome: "SEND"|"HOLD"|..., reason, message, label, carrier: {mapped,
 * carrierCode, serviceCode, servicePointId}, problems?, payload?} */

/* The plan as JSON; caller owns; NULL on ENOMEM. */
cJSON *cg_plan_json(const struct cg_plan *p);
/* The same, moving problems and payload into it instead of copying them
 * (p has neither after it, even on ENOMEM). */
cJSON *cg_plan_json_take(struct cg_plan *p);
/* Reads a plan from its JSON form; problems and payload are detached
 * from j into *out (clear it with cg_plan_clear). CG_EINVAL with err for
 * a document that is not a plan. */
int cg_plan_from_json(cJSON *j, struct cg_plan *out, struct cg_err *err);

#endif
