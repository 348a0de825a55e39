/*
 * dispatch_resolved: held remainders that operations settled by hand
 * (docs/internals/dispatch.md "Remainders", "Resolved by hand"). A
 * remainder the pack leaves to operations (SHORT_SHIPPED), or one held
 * for a Centra or rule failure, stays `held` with an open exception on
 * entity `remainder`; resolving that exception (`exceptions resolve`, the
 * CLI or the admin API, which write only the store) says the units are
 * dealt with (cancelled in Centra by people). The engine's sweep (each
 * second, core/app/merchant.c) finds such remainders and, per remainder
 * in its own transaction: marks it settled (step `cancelled`), notes it
 * in the order's timeline, and runs the order's settle check
 * (cg__dispatch_settle_order): `shipped` or `closed` once every unit is
 * in a completed consignment or a settled remainder. Nothing is sent to
 * Centra. A retry is not a resolve: it leaves the remainder `received`.
 *
 * A held consignment resolved by hand is dealt with in Centra by people
 * (or left alone on purpose): its units leave D (docs/internals/stock.md
 * "The invariant"), since no completion by the engine will take them out
 * of Centra's stock; the next push and reconcile set Centra right.
 */
#include "flows/dispatch.h"
#include "flows/dispatch_int.h"

#include "base/err.h"
#include "base/log.h"
#include "base/mem.h"
#include "flows/flow.h"
#include "flows/stock.h"
#include "store/store.h"
#include "store/store_dispatch.h"
#include "store/store_remainder.h"
#include "store/store_stock.h"

#define BATCH 16 /* remainders per sweep; the rest on the next one */

/* Marks remainder id settled by hand when it is still held. */
static int settle_by_hand(struct cg_flow *f, const char *id, struct cg_err *err)
{
  struct cg_store_remainder r = {0};
  int rc = cg_store_remainder_get(f->store, id, &r, err);
  if (rc == 0 && r.step == CG_STORE_REMAINDER_HELD) {
    r.step = CG_STORE_REMAINDER_CANCELLED;
    cg_free(r.hold_reason);
    r.hold_reason = NULL;
    rc = cg_store_remainder_update(f->store, &r, err);
    if (rc == 0)
      rc = cg_store_audit_append(f->store, "order", r.order_number,
                                 "remainder settled",
                                 "resolved by hand: its units count as "
                                 "settled in Centra",
                                 NULL, err);
    if (rc == 0)
      rc = cg__dispatch_settle_order(f, r.order_number, err);
  }
  cg_store_remainder_clear(&r);
  return rc;
}

/* The held consignment shipment_id was resolved by hand: its units leave
 * D, noted in the order's timeline. */
static int release_by_hand(struct cg_flow *f, const char *shipment_id,
                           struct cg_err *err)
{
  struct cg_store_dispatch d = {0};
  int rc = cg_store_dispatch_get(f->store, shipment_id, &d, err);
  if (rc == 0)
    rc = cg_stock_dispatch_completed(f, shipment_id, err);
  if (rc == 0)
    rc = cg_store_audit_append(f->store, "order", d.order_number,
                               "stock released", shipment_id, NULL, err);
  cg_store_dispatch_clear(&d);
  return rc;
}

typedef int (*settle_fn)(struct cg_flow *f, const char *id, struct cg_err *err);

static int in_tx(struct cg_flow *f, const char *id, settle_fn settle,
                 struct cg_err *err)
{
  int rc = cg_store_begin(f->store, err);
  if (rc == 0)
    rc = settle(f, id, err);
  if (rc == 0)
    rc = cg_store_commit(f->store, err);
  if (rc != 0)
    cg_store_rollback(f->store, NULL);
  return rc;
}

/* Settles each of ids in its own transaction; what ("remainder",
 * "consignment") is for the log. Returns how many were settled. */
static int settle_each(struct cg_flow *f, const struct cg_store_count_list *ids,
                       settle_fn settle, const char *what)
{
  struct cg_err err = {0};
  int done = 0;
  for (size_t i = 0; i < ids->n; i++) {
    if (in_tx(f, ids->items[i].name, settle, &err) == 0)
      done++;
    else
      cg_log_error("dispatch", "[merchant=%s] %s %s: %s", f->merchant, what,
                   ids->items[i].name, err.msg);
  }
  return done;
}

int cg_dispatch_settle_resolved(struct cg_flow *f)
{
  struct cg_store_count_list rem = {0}, cons = {0};
  struct cg_err err = {0};
  int rc = cg_store_remainder_resolved_held(
      f->store, CG_DISPATCH_REMAINDER_KIND, CG_DISPATCH_REMAINDER_ENTITY, BATCH,
      &rem, &err);
  if (rc == 0)
    rc = cg_store_stock_dispatch_resolved(f->store, CG_DISPATCH_ENTITY, BATCH,
                                          &cons, &err);
  int done = 0;
  if (rc == 0)
    done = settle_each(f, &rem, settle_by_hand, "remainder") +
           settle_each(f, &cons, release_by_hand, "consignment");
  else
    cg_log_error("dispatch", "[merchant=%s] resolved by hand: %s", f->merchant,
                 err.msg);
  cg_store_count_list_clear(&rem);
  cg_store_count_list_clear(&cons);
  return rc == 0 ? done : rc;
}
