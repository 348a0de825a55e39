/*
 * dispatch: the dispatch flow (issue 9, docs/internals/dispatch.md): a
 * warehouse consignment (`shipment.confirmed`) becomes exactly one
 * completed Centra shipment holding exactly its lines.
 *
 *   inbox (gxo.event shipment.confirmed)  --  dispatch_intake.c
 *     dedupe by shipmentId; check order, lines, open quantities
 *     ok:  dispatch row (received) + lines + parcels + outbox row
 *     bad: dispatch row (held) + DISPATCH_INVALID exception, no Centra write
 *   outbox kind "centra.dispatch.ship"    --  dispatch_ship.c
 *     Find (the order's shipments, our stamp) -> dispatch.lua (names,
 *     e-mail) -> createShipment -> updateShipment externalId ->
 *     completeShipment; each answer committed before the next call
 *   finish: completed, parcels and lines in the order's timeline, the
 *     order shipped once every line is; or held with an exception
 *
 * Loop thread only.
 */
#ifndef CG_FLOWS_DISPATCH_H
#define CG_FLOWS_DISPATCH_H

#include "flows/inbox.h"
#include "flows/outbox.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

struct cg_err;
struct cg_flow;
struct cg_store_exception;

/* The outbox kind: a Centra write, the most urgent one (list it first). */
#define CG_DISPATCH_KIND "centra.dispatch.ship"
/* Exception type of a consignment refused at intake. */
#define CG_DISPATCH_INVALID "DISPATCH_INVALID"
/* Exception entity kind of a consignment (key: the shipmentId). */
#define CG_DISPATCH_ENTITY "dispatch"

extern const struct cg_outbox_kind cg_dispatch_outbox_kind;

/* Remainders (dispatch_close.c): what the warehouse closed or cancelled
 * without shipping, settled in Centra (cancelLines) or left to
 * operations (SHORT_SHIPPED). Entity key: the remainder's id. */
#define CG_DISPATCH_REMAINDER_KIND "centra.dispatch.remainder"
#define CG_DISPATCH_REMAINDER_ENTITY "remainder"
#define CG_DISPATCH_SHORT_SHIPPED "SHORT_SHIPPED"
extern const struct cg_outbox_kind cg_dispatch_remainder_kind;

/* Capture (dispatch_capture.c): a shipment Centra did not capture
 * (CAPTURE_FAILED, owner finance) and its retry through captureShipment.
 * Entity key: the consignment's shipmentId. */
#define CG_DISPATCH_CAPTURE_KIND "centra.dispatch.capture"
#define CG_DISPATCH_CAPTURE_ENTITY "capture"
#define CG_DISPATCH_CAPTURE_FAILED "CAPTURE_FAILED"
extern const struct cg_outbox_kind cg_dispatch_capture_kind;

/* Applies a `shipment.confirmed` event's data inside the inbox's
 * transaction: a consignment already known changes nothing; else it is
 * recorded and queued, or held with an exception. 0 or a negative CG_E*
 * (store failure: roll back). */
int cg_dispatch_apply_event(struct cg_flow *f, const cJSON *data,
                            char outcome[CG_INBOX_OUTCOME_MAX],
                            struct cg_err *err);
/* Applies an `order.closed` or `order.cancelled` event's data (event is
 * its eventType, event_id its eventId) inside the inbox's transaction:
 * an unknown order or a copy already known changes nothing; else the
 * remainder is recorded and queued (or, nothing left, settled). 0 or a
 * negative CG_E*. */
int cg_dispatch_apply_remainder(struct cg_flow *f, const char *event,
                                const char *event_id, const cJSON *data,
                                char outcome[CG_INBOX_OUTCOME_MAX],
                                struct cg_err *err);
/* Whether exceptions on entity kind belong to the dispatch flow (then
 * cg_dispatch_retry retries them). */
bool cg_dispatch_owns(const char *entity_kind);
/* An operator's retry of an exception on a consignment, inside the
 * caller's transaction: resolves it, then checks a consignment refused
 * at intake again (queued, or held again), or sends a held delivery
 * again from the step Centra shows. */
int cg_dispatch_retry(struct cg_flow *f, const struct cg_store_exception *x,
                      struct cg_err *err);
/* The check of the hook dispatch.shipment's result (flows/hooks.c):
 * {carrier?, service?, notify?}; a missing carrier means "cannot map
 * back" (the flow raises UNMAPPED_CARRIER). */
int cg_dispatch_check_shipment(cJSON **out, char *why, size_t size);
/* The check of the hook dispatch.remainder's result: {action="cancel",
 * stockActionPolicy="releaseItemsBackToWarehouse"|"removeItemsFromStock",
 * comment?} or {action="hold"}. */
int cg_dispatch_check_remainder(cJSON **out, char *why, size_t size);

/* Held remainders whose exception an operator resolved by hand (the
 * units settled in Centra by people): each is marked settled and its
 * order made final when nothing else is open; held consignments resolved
 * by hand: their units leave the stock flow's D (dispatch_resolved.c).
 * Run on the engine's sweep; returns how many were settled, or < 0. */
int cg_dispatch_settle_resolved(struct cg_flow *f);

#endif
