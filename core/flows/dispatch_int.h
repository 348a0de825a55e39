/*
 * dispatch_int: what dispatch_intake.c and dispatch_ship.c share.
 */
#ifndef CG_FLOWS_DISPATCH_INT_H
#define CG_FLOWS_DISPATCH_INT_H

#include <stdbool.h>
#include <stdint.h>

struct cg_err;
struct cg_flow;
struct cg_store_count_list;
struct cg_store_dispatch;

/* Whether the order's completed consignments (but except, may be NULL)
 * plus extra (may be NULL) ship every unit of every line (*covered), and
 * whether there is no such completed consignment (*none_before). */
int cg__dispatch_order_covered(struct cg_flow *f, const char *number,
                               const char *except,
                               const struct cg_store_count_list *extra,
                               bool *covered, bool *none_before,
                               struct cg_err *err);

/* Puts the consignment's delivery row in the outbox, or, when it is
 * already there and failed, makes it due again. In the caller's
 * transaction. */
int cg__dispatch_enqueue(struct cg_flow *f, const char *shipment_id,
                         const char *order_number, struct cg_err *err);
/* Moves d to held (its other fields as they are) and raises an exception
 * of type on the consignment whose message is why followed by the
 * warehouse payload. In the caller's transaction. */
int cg__dispatch_hold(struct cg_flow *f, struct cg_store_dispatch *d,
                      const char *type, const char *why, struct cg_err *err);

#endif
