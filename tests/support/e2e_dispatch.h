/*
 * e2e_dispatch: the shared verdict of the dispatch e2e tests (issue 9).
 * The warehouse simulator's consignments (shipment.confirmed data, kept
 * per order) are compared with the simulated Centra's shipments: each
 * consignment is exactly one completed Centra shipment (found by the
 * engine's stamp gxo:<shipmentId> in additionalMessage) with exactly its
 * lines and quantities, its parcel count and first tracking number;
 * Centra holds no other shipment of the order; one shipping e-mail per
 * shipment (none completed twice). With expectations (dispatch_verify_
 * expect), also Centra's carrier and service names against the pack's
 * names for the warehouse's codes, and shippedAt as the warehouse sent it.
 */
#ifndef CG_E2E_DISPATCH_H
#define CG_E2E_DISPATCH_H

#include "e2e.h"

#include <cjson/cJSON.h>
#include <stdbool.h>

/* The dispatch tests' start: the simulators with scenario (taken and
 * freed; Centra's mutation budget raised to 1,000 per 10 s, warehouse
 * webhooks subscribed), the engine with the pack at rules (NULL:
 * rules/default) and extra_config (may be NULL), then a wait until the
 * warehouse has accepted `orders` orders. Fails the test otherwise. */
void dispatch_start(struct e2e *t, char *scenario, long orders, unsigned seed,
                    const char *rules, const char *extra_config);
/* Waits until the warehouse holds expected orders, each ACCEPTED (or
 * later). */
bool dispatch_wait_accepted(struct e2e *t, long expected, int timeout_s);
/* The warehouse's orders (GET /_sim/wms/orders), caller frees. */
cJSON *dispatch_wms_orders(struct e2e *t);
/* The order list in a dispatch_wms_orders answer. */
const cJSON *dispatch_orders_of(const cJSON *doc);
/* Consignments the warehouse sent, over every order. */
long dispatch_consignments(const cJSON *wms_orders);
/* Completed Centra shipments with a stamp (any order). */
long dispatch_centra_completed(struct e2e *t);
/* Waits until Centra has a completed shipment per consignment. */
bool dispatch_wait_settled(struct e2e *t, int timeout_s);
/* Waits until the warehouse has shipped every unit of every order and
 * Centra has a completed shipment per consignment. */
bool dispatch_wait_all_shipped(struct e2e *t, int timeout_s);
/* The verdict above over every order; fails the test on the first
 * disagreement. Returns the number of shipments checked. */
long dispatch_verify(struct e2e *t);
/* Code -> name tables, each ended by {NULL, NULL}: a pack's
 * carriers.lua names and services. */
struct dispatch_expect {
  const char *const (*carriers)[2]; /* carrierCode -> Centra carrierName */
  const char *const (*services)[2]; /* serviceCode -> Centra serviceName */
};

/* The names of rules/default/carriers.lua. */
extern const struct dispatch_expect dispatch_default_pack;

/* dispatch_verify, and per shipment: Centra's carrierName and
 * serviceName are x's names of the consignment's codes (a code missing
 * from a table: the code itself, as scripts/cg/carriers.lua does), and
 * its shippedAt is the consignment's. */
long dispatch_verify_expect(struct e2e *t, const struct dispatch_expect *x);
/* Waits until the engine has nothing left to send (outbox empty). */
bool dispatch_wait_idle(struct e2e *t, int timeout_s);
/* Units of a warehouse order not shipped nor cancelled yet. */
long dispatch_units_open(const cJSON *wms_order);
/* POSTs body to a simulator control path; fails the test unless it is
 * answered with JSON that is not a problem document. */
void dispatch_post_ok(struct e2e *t, char side, const char *path,
                      const char *body);
/* Units ordered over a warehouse order's lines. */
long dispatch_units(const cJSON *wms_order);
/* Has the warehouse dispatch every order it holds, whole. */
void dispatch_all(struct e2e *t);
/* The engine's state of an order ("accepted", "shipped", ...), or "". */
void dispatch_order_state(struct e2e *t, const char *number, char *out,
                          size_t size);

#endif
