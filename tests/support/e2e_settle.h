/*
 * e2e_settle: reads shared by the e2e tests of remainders and capture
 * (issue 9): an order's lines and shipments as the simulated Centra holds
 * them, and the engine's open exceptions of a type and their retry.
 */
#ifndef CG_E2E_SETTLE_H
#define CG_E2E_SETTLE_H

#include "e2e.h"

#include <cjson/cJSON.h>
#include <stdbool.h>

/* Centra's line id of an order: quantity (excluding cancelled units) and
 * cancelledQuantity; false when the order or line is unknown. */
bool settle_centra_line(struct e2e *t, const char *number, const char *line,
                        long *quantity, long *cancelled);
/* The order's Centra shipments: all, shipped, captured. */
void settle_centra_shipments(struct e2e *t, const char *number, long *all,
                             long *shipped, long *captured);
/* The open exception of type on entity key (a copy, caller frees), or
 * NULL. */
cJSON *settle_exception(struct e2e *t, const char *type, const char *key);
/* Asks the engine to retry exception id; fails the test on an error. */
void settle_retry(struct e2e *t, long id);
/* Waits until the engine's order is in state. */
bool settle_wait_state(struct e2e *t, const char *number, const char *state,
                       int timeout_s);

#endif
