/*
 * store_remainder: the dispatch flow's remainders and capture policies
 * (schema v6, docs/internals/store.md): what the warehouse closed or
 * cancelled without shipping (order.closed / order.cancelled), per line,
 * and how far settling it in Centra got; and the capture policy each
 * consignment's Centra shipment was created with. The flow
 * (core/flows/dispatch_close.c, dispatch_capture.c) decides; this module
 * only persists. Same rules as store.h: 0 or a negative CG_E*, details in
 * err, loop thread only.
 */
#ifndef CG_STORE_STORE_REMAINDER_H
#define CG_STORE_STORE_REMAINDER_H

#include "store/store_types.h"

struct cg_err;

enum cg_store_remainder_step {
  CG_STORE_REMAINDER_RECEIVED = 0, /* taken; Centra not settled yet */
  CG_STORE_REMAINDER_CANCELLED,    /* cancelled in Centra (or nothing open) */
  CG_STORE_REMAINDER_HELD,         /* left to operations: an exception */
  CG_STORE_REMAINDER_NSTEPS
};

struct cg_store_remainder {
  char *id;           /* "closed:<orderRef>" or "cancelled:<eventId>" */
  char *order_number; /* = orderRef */
  char *event;        /* "order.closed" or "order.cancelled" */
  char *payload;      /* the event's data as received */
  enum cg_store_remainder_step step;
  char *hold_reason; /* exception type while held, NULL otherwise */
  int64_t created_at, updated_at;
};

/* Inserts r (all fields but the times). CG_EEXIST, nothing written, when
 * the id is known. */
int cg_store_remainder_insert(struct cg_store *s,
                              const struct cg_store_remainder *r,
                              struct cg_err *err);
/* CG_ENOTFOUND if no such id. */
int cg_store_remainder_get(struct cg_store *s, const char *id,
                           struct cg_store_remainder *out, struct cg_err *err);
/* Writes step and hold_reason of row r->id. CG_ENOTFOUND if none. */
int cg_store_remainder_update(struct cg_store *s,
                              const struct cg_store_remainder *r,
                              struct cg_err *err);
/* Records one line of a remainder: quantity (> 0) units that will not
 * ship; shipped (>= 0) what the warehouse shipped of the line in all
 * (order.closed), or -1 when the event does not say (order.cancelled). */
int cg_store_remainder_line_put(struct cg_store *s, const char *id,
                                const char *line_ref, int64_t quantity,
                                int64_t shipped, struct cg_err *err);
/* A remainder's lines: line_ref -> quantity. */
int cg_store_remainder_lines(struct cg_store *s, const char *id,
                             struct cg_store_count_list *out,
                             struct cg_err *err);
/* Quantity per line_ref of the order's remainders, only those of event
 * (NULL: any) at step (< 0: any). */
int cg_store_remainder_order_sum(struct cg_store *s, const char *order_number,
                                 const char *event, int step,
                                 struct cg_store_count_list *out,
                                 struct cg_err *err);
/* What the warehouse said it shipped in all, per line_ref, from the
 * order's order.closed remainders (lines it named only). */
int cg_store_remainder_order_shipped(struct cg_store *s,
                                     const char *order_number,
                                     struct cg_store_count_list *out,
                                     struct cg_err *err);

/* Records that the engine asks Centra to cancel units of remainder id's
 * line_ref (replacing an earlier figure), before it asks: Centra's lower
 * quantity is then the engine's own doing, not the shop's (changes.c).
 * Clearing sets every line of id back to 0 (the remainder was held). */
int cg_store_remainder_intend(struct cg_store *s, const char *id,
                              const char *line_ref, int64_t units,
                              struct cg_err *err);
int cg_store_remainder_intents_clear(struct cg_store *s, const char *id,
                                     struct cg_err *err);
/* Units per line_ref the engine asked Centra to cancel for the order's
 * remainders (lines with none are left out). */
int cg_store_remainder_order_own(struct cg_store *s, const char *order_number,
                                 struct cg_store_count_list *out,
                                 struct cg_err *err);
/* The capture policy of a consignment: "on_shipment" or "manual". */
int cg_store_capture_put(struct cg_store *s, const char *shipment_id,
                         const char *policy, struct cg_err *err);
/* Keeps what Centra said when it did not capture (the create's
 * userWarnings). CG_ENOTFOUND when no policy is recorded. */
int cg_store_capture_note(struct cg_store *s, const char *shipment_id,
                          const char *warning, struct cg_err *err);
/* *policy and *warning (may be NULL; caller frees both) or
 * CG_ENOTFOUND. */
int cg_store_capture_get(struct cg_store *s, const char *shipment_id,
                         char **policy, char **warning, struct cg_err *err);

/* Up to limit held remainders (ids in out's names) none of whose
 * exceptions on entity_kind is open any more: an operator resolved them
 * by hand. Found through the failed outbox rows of kind (the remainder
 * delivery's), whose entity key is the remainder id. */
int cg_store_remainder_resolved_held(struct cg_store *s, const char *kind,
                                     const char *entity_kind, int limit,
                                     struct cg_store_count_list *out,
                                     struct cg_err *err);

void cg_store_remainder_clear(struct cg_store_remainder *r);
/* "received", "cancelled", "held"; "?" for out-of-range values. */
const char *cg_store_remainder_step_name(enum cg_store_remainder_step st);

#endif
