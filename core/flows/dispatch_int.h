/*
 * dispatch_int: what dispatch_intake.c and dispatch_ship.c share.
 */
#ifndef CG_FLOWS_DISPATCH_INT_H
#define CG_FLOWS_DISPATCH_INT_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

struct cg_err;
struct cg_flow;
struct cg_store_count_list;
struct cg_store_dispatch;
struct cg_store_exception;
struct cg_call_result;

/* Whether the order's completed consignments (but except, may be NULL)
 * plus extra (may be NULL) ship every unit of every line (*covered), and
 * whether there is no such completed consignment (*none_before). */
/* One dispatch delivery at a time per order (a consignment, a
 * remainder): each reads what the order's others did (the e-mail policy's
 * first and last, the remainder's ceiling) and would read it stale if two
 * ran at once. In memory: a restart starts with none taken. False when
 * another delivery holds the order (or without memory): retry soon. */
bool cg__dispatch_order_take(struct cg_flow *f, const char *number);
void cg__dispatch_order_drop(struct cg_flow *f, const char *number);
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

/* Puts the outbox row of kind for entity key (payload {<key_name>: key,
 * orderRef}, idempotency key cg-<merchant>-<tag>-<key>), or makes it due
 * again when it is there and failed. In the caller's transaction. */
int cg__dispatch_queue(struct cg_flow *f, const char *kind, const char *tag,
                       const char *key_name, const char *key,
                       const char *order_number, struct cg_err *err);
/* The order's final state once every line is shipped or cancelled:
 * shipped (some unit shipped) or closed (none). In the caller's
 * transaction. */
int cg__dispatch_settle_order(struct cg_flow *f, const char *number,
                              struct cg_err *err);
/* Operator retries (in the caller's transaction): a held remainder asks
 * the pack again; a capture is tried again (captureShipment). */
int cg__dispatch_remainder_retry(struct cg_flow *f,
                                 const struct cg_store_exception *x,
                                 struct cg_err *err);
int cg__dispatch_capture_retry(struct cg_flow *f,
                               const struct cg_store_exception *x,
                               struct cg_err *err);

/* Capture (dispatch_capture.c). Checks the capture member of
 * dispatch.shipment's result (true/false/nil); -1 with why. */
int cg__dispatch_check_capture(const cJSON *reply, char *why, size_t size);
/* Records the consignment's capture policy before its create is sent
 * (its own transaction). */
int cg__dispatch_capture_record(struct cg_flow *f, const char *shipment_id,
                                bool capture);
/* Keeps what Centra said when the create asked for a capture and the
 * shipment came back uncaptured (its own transaction; logged). */
void cg__dispatch_capture_note(struct cg_flow *f, const char *shipment_id,
                               const char *warning);
/* After the consignment's shipment completed (in the finish transaction):
 * asked to capture and Centra did not: CAPTURE_FAILED (owner finance)
 * with the order and the amount. */
int cg__dispatch_capture_check(struct cg_flow *f,
                               const struct cg_store_dispatch *d,
                               const struct cg_call_result *res,
                               struct cg_err *err);

#endif
