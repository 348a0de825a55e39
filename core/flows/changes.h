/*
 * changes: Centra stays the master after export (issue 9 item 7,
 * docs/internals/changes.md). A new Centra version of an order the
 * warehouse has (queued, sent or accepted) is compared with the version
 * the engine last followed; what the warehouse must hear of becomes one
 * outbox row of kind "gxo.order.change", and the pack's orders.on_change
 * decides, when the row is delivered, whether it is cancelled at the
 * warehouse, cancelled and sent again, or left to operations.
 *
 *   cg_orders_take --settled order--> cg_changes_follow (a change?)
 *   inbox apply    --settled order--> cg_changes_apply  (baseline, row)
 *   outbox         --gxo.order.change--> orders.on_change (rule host)
 *                                    --> POST /orders/{ref}/cancel
 *                                    --> cancelled | re-sent | exception
 */
#ifndef CG_FLOWS_CHANGES_H
#define CG_FLOWS_CHANGES_H

#include "flows/inbox.h"
#include "flows/outbox.h"

#include <cjson/cJSON.h>
#include <stdbool.h>

struct cg_err;
struct cg_flow;

#define CG_CHANGES_KIND "gxo.order.change"

/* The outbox kind (in the order flow's kinds, flows/orders.h). */
extern const struct cg_outbox_kind cg_changes_outbox_kind;

/* True when the store holds order number as queued, sent or accepted:
 * its new Centra versions are followed here, not decided again. */
bool cg_changes_followed(struct cg_flow *f, const char *number);
/* True when a warehouse order.cancelled with this reason answers a cancel
 * the engine asked for (a change in Centra, or a re-send after a hold or
 * an address change): Centra already holds the change, or must keep the
 * order open, so the dispatch flow writes nothing to Centra for it. */
bool cg_changes_own_cancel(const char *reason);
/* True when order (a new Centra version) changes what the warehouse must
 * know of a followed order: cancelled (wholly or some units), put on hold
 * or released, a new shipping address. Reads the store only. */
bool cg_changes_follow(struct cg_flow *f, const char *number,
                       const cJSON *order);
/* Appends to id (a version id, orders.c) a digest of what the follower
 * compares: Centra's updatedAt has whole seconds, and a change in the
 * second of the version before (the externalId mark, say) must not be
 * taken for that version. */
void cg_changes_version_id(const cJSON *order, char *id, size_t size);
/* Inbox apply of a followed order's version, inside the open
 * transaction: an older version than the followed one is ignored;
 * otherwise the version becomes the followed one (orders.payload), a
 * line's cancelled units leave order_lines, and a change the warehouse
 * must hear of is queued (kind CG_CHANGES_KIND) with an audit row.
 * Fills outcome. */
int cg_changes_apply(struct cg_flow *f, const char *number, const cJSON *order,
                     char outcome[CG_INBOX_OUTCOME_MAX], struct cg_err *err);
/* The poll for exported orders (changes_poll.c): each tick reads the
 * next page of followed orders from Centra by number and takes them. */
struct cg_changes_poll;
struct cg_changes_poll *cg_changes_poll_create(struct cg_flow *f);
/* After the Centra client is destroyed (as cg_intake_destroy). */
void cg_changes_poll_destroy(struct cg_changes_poll *p);
void cg_changes_poll_tick(struct cg_changes_poll *p);
bool cg_changes_poll_busy(const struct cg_changes_poll *p);

/* An order held CENTRA_CHANGE (cancelled at the warehouse, waiting to be
 * sent again) whose new version is cancelled in Centra: it is cancelled
 * (cg_changes_cancel_resend, inside the open transaction), never sent. */
bool cg_changes_cancels_resend(struct cg_flow *f, const char *number,
                               const cJSON *order);
int cg_changes_cancel_resend(struct cg_flow *f, const char *number,
                             char outcome[CG_INBOX_OUTCOME_MAX],
                             struct cg_err *err);

/* Result check of the hook orders.on_change (flows/hooks.c). */
int cg_changes_check_action(cJSON **out, char *why, size_t size);

#endif
