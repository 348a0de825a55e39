/*
 * e2e_stock: what the stock tests and the stock benchmark share (issue
 * 10): a catalogue of SKUs known to both simulators, warehouse stock
 * bursts through /_sim/wms/stock/adjust {"items": [...]}, and reads of
 * the simulated Centra's physical stock, its stock writes and its
 * setStock count.
 */
#ifndef CG_E2E_STOCK_H
#define CG_E2E_STOCK_H

#include "e2e.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

/* "STK-00001" ... : the i-th SKU of stock_scenario (1-based). */
void stock_sku(long i, char *out, size_t size);
/* A scenario of n SKUs (stock_sku) known to both sides (Centra's
 * catalogue, the warehouse's item master): the warehouse holds wms_qty
 * AVAILABLE of each (0: none in its stock table, so no snapshot lists
 * them until they change), Centra centra_qty in warehouse wh. Caller
 * frees (cg_free). */
char *stock_scenario(long n, long wms_qty, long centra_qty, long wh);
/* e2e_setup of a stock reconcile test: scenario (freed here), seed, the
 * merchant's settings (extra_merchant) and Centra's mutation budget raised
 * to 1,000, as the other stock tests run it. */
void stock_setup(struct e2e *t, char *scenario, unsigned seed,
                 const char *merchant);
/* Publishes one stock.adjusted per item of items ([{sku, delta}], taken)
 * in one control call; fails the test unless the simulator accepts all.
 * Returns its answer {"events": [{sequence, sku, publishedAtMs}]} (caller
 * deletes). */
cJSON *stock_adjust(struct e2e *t, cJSON *items);
/* Appends {sku, delta} to items. */
void stock_item(cJSON *items, const char *sku, long delta);
/* The engine's stock show of sku (merchant "shop", GET
 * /api/v1/merchants/shop/stock/{sku}; caller deletes), NULL when it does
 * not answer. */
cJSON *stock_show(struct e2e *t, const char *sku);
/* Centra's physical stock of sku in warehouse wh, or -1 when Centra has
 * no such size or no stock entry there. */
long stock_centra_physical(struct e2e *t, const char *sku, long wh);
/* Waits until Centra's physical stock of each of the n SKUs in warehouse
 * wh is want[i]. */
bool stock_wait_centra(struct e2e *t, const char *const *skus, const long *want,
                       size_t n, long wh, int timeout_s);
/* GET /_sim/centra/stock/writes (caller deletes). */
cJSON *stock_writes(struct e2e *t);
/* setStock requests the simulated Centra answered (any status). */
long stock_set_stock_calls(struct e2e *t);
/* The quantity of sku in one write, or -1 when the write does not hold
 * it. */
long stock_write_qty(const cJSON *write, const char *sku);

#endif
