/*
 * e2e_orders: the shared verdict of the order e2e tests. Classifies
 * every order the simulated Centra holds (good, or which exception it must
 * end in), then checks the warehouse and the engine agree: each good order
 * created exactly once with orderRef = number, lines keyed by Centra line
 * ids and the pack's carrier; each bad one held with the right type and
 * never created at the warehouse.
 */
#ifndef CG_E2E_ORDERS_H
#define CG_E2E_ORDERS_H

#include "e2e.h"

struct orders_expect {
  long total;
  long good;
  long bad[3]; /* UNMAPPED_CARRIER, INVALID_ADDRESS, UNKNOWN_SKU */
};

/* Reads the simulated Centra orders and counts what to expect. */
void orders_expect_read(struct e2e *t, struct orders_expect *x);
/* Waits (up to timeout_s) until the warehouse has every good order and
 * the engine holds every bad one. */
bool orders_wait_settled(struct e2e *t, const struct orders_expect *x,
                         int timeout_s);
/* Field-by-field verdict; fails the test on the first disagreement. */
void orders_verify(struct e2e *t, const struct orders_expect *x);

#endif
