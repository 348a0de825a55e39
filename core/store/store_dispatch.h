/*
 * store_dispatch: the dispatch flow's rows (schema v4, docs/internals/
 * store.md): one per warehouse consignment (keyed by its shipmentId), the
 * step its Centra shipment reached, the order lines it holds and its
 * parcels. The flow (core/flows/dispatch.c) owns the step machine; this
 * module only persists it. Same rules as store.h: 0 or a negative CG_E*,
 * details in err, loop thread only.
 */
#ifndef CG_STORE_STORE_DISPATCH_H
#define CG_STORE_STORE_DISPATCH_H

#include "store/store_types.h"

struct cg_err;

/* How far a consignment's Centra shipment got (docs/internals/dispatch.md
 * "Resumable step machine"). Stored as the lower-case name. */
enum cg_store_dispatch_step {
  CG_STORE_DISPATCH_RECEIVED = 0, /* taken; nothing known in Centra */
  CG_STORE_DISPATCH_CREATED,      /* createShipment answered: centra_id */
  CG_STORE_DISPATCH_TAGGED,       /* updateShipment externalId answered */
  CG_STORE_DISPATCH_COMPLETED,    /* completeShipment answered (or seen) */
  CG_STORE_DISPATCH_HELD,         /* an exception waits for an operator */
  CG_STORE_DISPATCH_NSTEPS
};

struct cg_store_dispatch {
  char *shipment_id;  /* the warehouse's shipmentId: the key */
  char *order_number; /* Centra order number = orderRef */
  char *payload;      /* the shipment.confirmed data as received */
  enum cg_store_dispatch_step step;
  int64_t centra_id; /* Centra shipment id, 0 while unknown */
  char *stamp;       /* "gxo:<shipmentId>", the create's additionalMessage */
  bool captured;     /* Centra said isCaptured */
  char *hold_reason; /* why held (exception type), NULL otherwise */
  int64_t created_at, updated_at;
  /* When a createShipment was sent whose outcome is not known (a crash,
   * a timeout or a 5xx before its answer); 0 when none. The next Find
   * waits until Centra must have finished it. */
  int64_t create_sent_at;
};

struct cg_store_dispatch_parcel {
  char *parcel_id, *tracking_number, *tracking_url; /* each may be NULL */
};

struct cg_store_dispatch_parcel_list {
  struct cg_store_dispatch_parcel *items;
  size_t n;
};

/* Inserts d (shipment_id, order_number, payload, step, stamp, hold_reason
 * are written; centra_id 0 and captured false). CG_EEXIST, and nothing
 * written, when the shipment id is already known. */
int cg_store_dispatch_insert(struct cg_store *s,
                             const struct cg_store_dispatch *d,
                             struct cg_err *err);
/* CG_ENOTFOUND if no such shipment id. */
int cg_store_dispatch_get(struct cg_store *s, const char *shipment_id,
                          struct cg_store_dispatch *out, struct cg_err *err);
/* Writes step, centra_id (0 = NULL), captured, hold_reason and
 * create_sent_at (0 = NULL) of the row d->shipment_id. CG_ENOTFOUND if
 * none. */
int cg_store_dispatch_update(struct cg_store *s,
                             const struct cg_store_dispatch *d,
                             struct cg_err *err);
/* Replaces the consignment's lines (name = line_ref, count = quantity >
 * 0) atomically; n 0 clears them (a consignment refused at intake holds
 * none, so it counts against no order line). */
int cg_store_dispatch_lines_replace(struct cg_store *s, const char *shipment_id,
                                    const struct cg_store_count *lines,
                                    size_t n, struct cg_err *err);
/* The consignment's lines, by line_ref. */
int cg_store_dispatch_lines(struct cg_store *s, const char *shipment_id,
                            struct cg_store_count_list *out,
                            struct cg_err *err);
/* Quantity per line_ref of the order held by its consignments other than
 * except (may be NULL), only those at step when step >= 0. */
int cg_store_dispatch_order_lines(struct cg_store *s, const char *order_number,
                                  const char *except, int step,
                                  struct cg_store_count_list *out,
                                  struct cg_err *err);
/* Records parcel number position (0-based) of a consignment (again: the
 * same position is overwritten). */
int cg_store_dispatch_parcel_put(struct cg_store *s, const char *shipment_id,
                                 int64_t position,
                                 const struct cg_store_dispatch_parcel *p,
                                 struct cg_err *err);
/* Parcels of a consignment in position order. */
int cg_store_dispatch_parcels(struct cg_store *s, const char *shipment_id,
                              struct cg_store_dispatch_parcel_list *out,
                              struct cg_err *err);

void cg_store_dispatch_clear(struct cg_store_dispatch *d);
void cg_store_dispatch_parcel_list_clear(
    struct cg_store_dispatch_parcel_list *l);
/* "received", "created", ...; "?" for out-of-range values. */
const char *cg_store_dispatch_step_name(enum cg_store_dispatch_step st);

#endif
