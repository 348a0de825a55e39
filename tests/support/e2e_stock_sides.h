/*
 * e2e_stock_sides: the stock verdict of the stock property test (issue 10,
 * docs/internals/stock.md). Reads both simulators' stock per SKU: the
 * warehouse's sellable physical stock (AVAILABLE + ALLOCATED, the
 * default policy) and the simulated Centra's physical stock of the
 * merchant's warehouse; counts the SKUs on which they disagree; waits
 * until the engine has drained (every warehouse event acknowledged, every
 * consignment completed in Centra, nothing left to send) and they agree.
 * Also drives the warehouse the way the other flows would: a return
 * advised through the warehouse API and received at the dock.
 */
#ifndef CG_E2E_STOCK_SIDES_H
#define CG_E2E_STOCK_SIDES_H

#include "e2e.h"

#include <cjson/cJSON.h>
#include <stdbool.h>

#include <limits.h>

/* The Centra warehouse that represents GXO (centra.warehouse default). */
#define SIDES_CENTRA_WAREHOUSE 1
/* A figure a side does not hold (quantities may be negative in Centra). */
#define SIDES_UNKNOWN LONG_MIN

struct sides_skus {
  char **v;
  size_t n;
};

/* Every SKU the warehouse holds a stock row for, in its order. */
void sides_skus_read(struct e2e *t, struct sides_skus *out);
void sides_skus_free(struct sides_skus *s);

/* GET /_sim/wms/stock's items (caller frees). */
cJSON *sides_wms_table(struct e2e *t);
/* A SKU's quantity in status in such a table; 0 if absent. */
long sides_wms_level(const cJSON *table, const char *sku, const char *status);
/* AVAILABLE + ALLOCATED; SIDES_UNKNOWN for a SKU the table lacks. */
long sides_wms_sellable(const cJSON *table, const char *sku);
/* GET /_sim/centra/stock (caller frees). */
cJSON *sides_centra_table(struct e2e *t);
/* Physical stock of sku in Centra warehouse wh; SIDES_UNKNOWN if none. */
long sides_centra_physical(const cJSON *table, const char *sku, long wh);

/* Units per SKU ({"sku": n}) of the warehouse's consignments whose Centra
 * shipment is not completed yet (D as the simulators show it; the stamp
 * gxo:<shipmentId> finds the shipment). Caller frees. */
cJSON *sides_pending_dispatch(struct e2e *t);
/* SKUs of s whose Centra physical stock differs from the warehouse's
 * sellable stock plus pending's units (NULL: none); each one printed to
 * stderr when verbose. */
long sides_mismatches(struct e2e *t, const struct sides_skus *s,
                      const cJSON *pending, bool verbose);
/* Waits until the engine has drained (every warehouse event acknowledged,
 * every consignment a completed Centra shipment, the outbox empty, no SKU
 * dirty or in a batch) and every SKU of s agrees. */
bool sides_wait_drained(struct e2e *t, const struct sides_skus *s,
                        int timeout_s);
/* Waits until some dispatched units are not completed in Centra yet,
 * every warehouse event is acknowledged, no SKU is dirty or in a batch,
 * and for every SKU of s Centra = the warehouse's sellable stock + those
 * units (the invariant's D, checked while it is not 0). */
bool sides_wait_pending_agrees(struct e2e *t, const struct sides_skus *s,
                               int timeout_s);
/* What of sides_wait_drained does not hold, to stderr (after a failed
 * wait). */
void sides_print_drain(struct e2e *t, const struct sides_skus *s);

/* POSTs a JSON body to a simulator control path; the HTTP status (-1 on a
 * transport error). Refusals (409 not enough stock) are the caller's. */
long sides_control(struct e2e *t, char side, const char *path,
                   const char *body);
/* The warehouse's last event sequence. */
long sides_wms_last_seq(struct e2e *t);

/* GET of a warehouse API path ("/stock?limit=10") with a fresh token;
 * the body of a 200, else NULL (caller frees). */
cJSON *sides_wms_api_get(struct e2e *t, const char *path);
/* Advises return rma of qty units of line_ref (sku) of warehouse order
 * order_ref through POST /wms/v1/return-advices (a token, an
 * Idempotency-Key), then has the warehouse receive it with disposition
 * (RESTOCK and QUARANTINE publish stock.adjusted). The receipt's status,
 * or the advice's when it was refused. */
long sides_wms_return(struct e2e *t, const char *rma, const char *order_ref,
                      const char *line_ref, const char *sku, long qty,
                      const char *disposition);

#endif
