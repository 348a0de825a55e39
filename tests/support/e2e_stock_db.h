/*
 * e2e_stock_db: the stock property test's read of the engine's own stock
 * tables (schema step 9, docs/internals/store.md "stock") in the test's
 * store, through a read-only SQLite connection (the engine may be
 * running: WAL lets a reader in). What the admin API does not show: which
 * SKUs are still dirty or in a batch, and after a run the engine's whole
 * picture per SKU and its applied-event log, each row checked against the
 * warehouse's journal of events.
 */
#ifndef CG_E2E_STOCK_DB_H
#define CG_E2E_STOCK_DB_H

#include "e2e.h"
#include "e2e_stock_sides.h"

/* SKUs the engine still has to push (dirty) or is pushing (in a batch),
 * or -1 when the store cannot be read (no stock tables yet). */
long stockdb_busy(struct e2e *t);

/* After a drained run: for every SKU of s, the engine has a row with no
 * dispatched units left (D = 0), no return units (R = 0), nothing dirty,
 * in a batch or held, a push that succeeded with the warehouse's
 * sellable figure, and levels whose sellable sum is the warehouse's; every
 * row of its applied-event log (stock_events) is an effect of the
 * warehouse event with that sequence (same SKU, status, quantity: never
 * applied under another sequence, never twice), and every stock effect
 * the warehouse published above the SKU's snapshot base is in the log
 * (none lost). Fails the test on the first disagreement. Returns the log
 * rows checked. */
long stockdb_verify(struct e2e *t, const struct sides_skus *s);

#endif
