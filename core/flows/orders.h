/*
 * orders: the order state machine (issue: every confirmed Centra order
 * reaches the warehouse exactly once).
 *
 *   received --rules--> held (exception)      <--+ retry / rule reload
 *            \--------> queued --outbox--> sent --event--> accepted
 *                                 \ 4xx -> held | rejected   \-> rejected
 *
 * Every transition is one store transaction with its outbox rows and an
 * audit row naming the rule generation that decided. Intake (Centra
 * events, poll, webhook hint; warehouse feed and webhook) goes through the
 * inbox (flows/inbox.h); partner calls go through the outbox
 * (flows/outbox.h) with the kinds below.
 */
#ifndef CG_FLOWS_ORDERS_H
#define CG_FLOWS_ORDERS_H

#include "flows/inbox.h"
#include "flows/outbox.h"

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

struct cg_err;
struct cg_flow;
struct cg_store_inbox_row;

/* Outbox kinds of the order flow: "gxo.order.create" and
 * "centra.order.mark". */
extern const struct cg_outbox_kind cg_orders_outbox_kinds[];
extern const size_t cg_orders_outbox_nkinds;

/* Takes one Centra order version (canonical order JSON, as fetched) into
 * the inbox and decides it. via ("event", "poll", "hint") is logged.
 * A version already in the inbox, or of an order the store holds as
 * queued, sent, accepted or rejected, is skipped without a write.
 * Returns 0 when durably recorded or skipped; negative when not recorded
 * (the caller must not confirm the source event). */
int cg_orders_take(struct cg_flow *f, const cJSON *order, const char *via,
                   struct cg_err *err);
/* True when taking this version would write nothing: it is in the inbox
 * already, or the store holds the order as queued, sent, accepted or
 * rejected. version needs only what names it (number, updatedAt, status,
 * isOnHold, orderHoldReason): the poll asks Centra for no more before it
 * fetches the rest. False when the store cannot tell. */
bool cg_orders_known(struct cg_flow *f, const cJSON *version);
/* Takes one warehouse event envelope (feed or webhook) into the inbox and
 * applies it. Same return contract as cg_orders_take. */
int cg_orders_take_gxo_event(struct cg_flow *f, const cJSON *envelope,
                             const char *via, struct cg_err *err);

/* Inbox apply functions (flows/inbox.c registers them). */
int cg_orders_apply_centra_order(struct cg_flow *f,
                                 const struct cg_store_inbox_row *row,
                                 const cJSON *doc,
                                 char outcome[CG_INBOX_OUTCOME_MAX],
                                 struct cg_err *err);
int cg_orders_apply_gxo_event(struct cg_flow *f,
                              const struct cg_store_inbox_row *row,
                              const cJSON *doc,
                              char outcome[CG_INBOX_OUTCOME_MAX],
                              struct cg_err *err);

/* Re-decides every held order with the current rules (after a reload).
 * Returns how many left the held state, or a negative CG_E*. */
int cg_orders_redecide_held(struct cg_flow *f);
/* Handles exceptions whose retry an operator requested (`centra-gxo
 * exceptions retry ID` or the admin API): the exception is resolved as
 * retried and its order decided again. Returns how many were handled. */
int cg_orders_process_retry_requests(struct cg_flow *f);

#endif
