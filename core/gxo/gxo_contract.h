/*
 * gxo_contract: the warehouse v1 order as the contract defines it
 * (shared/reference/warehouse-api-v1.md, POST /orders): its field order
 * and its field limits, the one source of them in the engine.
 *
 *   core/flows (the orders.payload hook's result check, the carrier
 *   mapping's check) ──▶ cg_gxo_contract_order / _shipping
 *
 * Pure functions on cJSON, no client, no I/O: the rule host's call child
 * runs them too. Lengths are characters (UTF-8 code points), as the
 * contract counts them. The default rules hold an order whose address
 * exceeds a limit (scripts/cg/orders.lua keeps its own copy of the
 * address limits for that); an order over a limit here means a pack
 * bypassed that check, and the caller makes it a rule error, never a
 * silently truncated address.
 */
#ifndef CG_GXO_CONTRACT_H
#define CG_GXO_CONTRACT_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

/* Field limits of the v1 order, in characters. */
#define CG_GXO_ORDER_REF_MAX 32
#define CG_GXO_LINE_REF_MAX 32
#define CG_GXO_RMA_REF_MAX 32 /* the return advice's rmaRef */
#define CG_GXO_SKU_MAX 40
#define CG_GXO_ADDRESS_MAX 35 /* name company address1 address2 city region */
#define CG_GXO_POSTAL_CODE_MAX 10
#define CG_GXO_PHONE_MAX 20
#define CG_GXO_EMAIL_MAX 80
#define CG_GXO_TEXT_MAX 250 /* instructions, giftMessage */
#define CG_GXO_CARRIER_CODE_MAX 32
#define CG_GXO_SERVICE_CODE_MAX 64
#define CG_GXO_SERVICE_POINT_MAX 32

/* Checks a v1 order document: required fields, ISO 8601 UTC orderDate,
 * ISO 4217 currency, alpha-2 country, decimal prices, positive integer
 * quantities, 8-14 digit GTINs and every field limit; then moves its
 * members (and those of shipTo, shipping and each line) into the
 * contract's field order, so the same order always prints the same bytes
 * (the warehouse compares the bodies of Idempotency-Key replays).
 * Returns 0, or -1 with the first problem in why ("shipTo.countryCode
 * must be ISO 3166-1 alpha-2"). */
int cg_gxo_contract_order(cJSON *order, char *why, size_t why_size);

/* Checks a return advice (the returns.advice hook's result, POST
 * /return-advices): rmaRef, originalOrderRef and every lineRef non-empty
 * and <= 32 characters, lines[] non-empty with sku (<= 40), integer
 * quantity >= 1, reasonCode / reasonText strings or absent, carrier
 * {carrierCode, trackingNumber} strings or absent, expectedBy a string
 * or absent, no other member. 0, or -1 with why. Nothing is truncated. */
int cg_gxo_contract_return_advice(const cJSON *advice, char *why,
                                  size_t why_size);
/* Checks a shipping object {carrierCode, serviceCode, servicePointId?}
 * against the limits (carrierCode and serviceCode required). 0, or -1
 * with why. */
int cg_gxo_contract_shipping(const cJSON *shipping, char *why, size_t why_size);

/* A string member of 1..max characters; absent or null is fine when
 * optional. 0, or -1 with why ("<key> is required", "<key> must be a
 * non-empty string", "<key> is longer than <max> characters"). For the
 * checks of hook results beside the contract's (core/flows/hooks.c). */
int cg_gxo_contract_str(const cJSON *obj, const char *key, size_t max,
                        bool optional, char *why, size_t why_size);

#endif
