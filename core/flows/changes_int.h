/*
 * changes_int: what changes.c (following Centra) and changes_send.c (the
 * outbox kind that tells the warehouse) share.
 *
 * A change row's payload (built with cJSON, never formatted):
 *   {"orderRef", "whole": bool, "lines": [{lineRef, sku, quantity}],
 *    "hold": bool, "address": bool, "what": "text for people"}
 * lines are the units Centra cancelled (quantity: units, not what is
 * left); whole: nothing is left of the order in Centra.
 */
#ifndef CG_FLOWS_CHANGES_INT_H
#define CG_FLOWS_CHANGES_INT_H

/* Hold reason of an order cancelled at the warehouse to be sent again. */
#define CG__CHANGE_RESEND "CENTRA_CHANGE"
/* The reason sent with a cancel (echoed in the warehouse's
 * order.cancelled event): the engine's, not the warehouse's. */
#define CG__CHANGE_REASON_CANCEL "CENTRA_CANCEL"
#define CG__CHANGE_REASON_RESEND "CENTRA_CHANGE"

#endif
