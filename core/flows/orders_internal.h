/*
 * orders_internal: what orders.c and orders_events.c share.
 */
#ifndef CG_FLOWS_ORDERS_INTERNAL_H
#define CG_FLOWS_ORDERS_INTERNAL_H

#include "flows/inbox.h"

#include <cjson/cJSON.h>
#include <stddef.h>

struct cg_err;
struct cg_flow;

#define CG_ORDERS_KIND_CREATE "gxo.order.create"
#define CG_ORDERS_KIND_MARK "centra.order.mark"

/* "83651" from order.number; CG_EINVAL if absent. */
int cg__order_number(const cJSON *order, char *out, size_t size);
/* Decides a stored or new order version with the current rules, inside
 * the open transaction: queued + outbox row, or held + exception. */
int cg__order_decide(struct cg_flow *f, const char *number, const char *payload,
                     const cJSON *order, char outcome[CG_INBOX_OUTCOME_MAX],
                     struct cg_err *err);
/* Moves a stored order to held with an exception of type. */
int cg__order_hold(struct cg_flow *f, const char *number, const char *type,
                   const char *message, const char *label, struct cg_err *err);

#endif
