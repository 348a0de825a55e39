/*
 * sim_centra_scenario: the Centra half of a scenario document (format in
 * docs/sim-centra.md): a "catalogue" and "orders", either listed or
 * generated. Generation is deterministic: a private PRNG is seeded from
 * "seed" or else from one draw of the simulator's seeded PRNG, so the same
 * --seed gives the same orders, addresses, lines and "bad" orders (those
 * the engine must hold: an unmapped shipping option, a bad address, a SKU
 * the warehouse does not know).
 */
#include "sim_centra.h"

#include "sim_ctx.h"

#include "base/json.h"
#include "base/mem.h"
#include "base/rand.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define UNKNOWN_SKU "NOPE-SKU-1"
#define UNMAPPED_URI "carrier-pigeon"

struct addr {
  const char *first, *last, *street, *city, *zip, *country, *state, *phone,
      *currency;
};

static const struct addr ADDRS[] = {
    {"Anna", "Svensson", "Storgatan 1", "Stockholm", "11122", "SE", NULL,
     "+46701234567", "SEK"},
    {"Erik", "Lindqvist", "Kungsportsavenyen 22", "Göteborg", "41136", "SE",
     NULL, "+46731112233", "SEK"},
    {"Ingrid", "Hansen", "Karl Johans gate 15", "Oslo", "0159", "NO", NULL,
     "+4791234567", "NOK"},
    {"Oliver", "Smith", "221B Baker Street", "London", "NW1 6XE", "GB", NULL,
     "+447700900123", "GBP"},
    {"Amelia", "Jones", "12 Deansgate", "Manchester", "M3 2BW", "GB", NULL,
     "+447700900456", "GBP"},
    {"Lukas", "Müller", "Bahnhofstrasse 10", "Zürich", "8001", "CH", NULL,
     "+41791234567", "CHF"},
    {"Sophie", "Schneider", "Friedrichstraße 43", "Berlin", "10117", "DE", NULL,
     "+4915112345678", "EUR"},
    {"Daan", "de Vries", "Damrak 70", "Amsterdam", "1012 LM", "NL", NULL,
     "+31612345678", "EUR"},
    {"Camille", "Dubois", "15 Rue de Rivoli", "Paris", "75004", "FR", NULL,
     "+33612345678", "EUR"},
    {"Emma", "Johnson", "350 Fifth Avenue", "New York", "10118", "US", "NY",
     "+12125551234", "USD"},
    {"Liam", "Garcia", "1 Market Street", "San Francisco", "94105", "US", "CA",
     "+14155550123", "USD"},
    {"Mikkel", "Nielsen", "Strøget 30", "København", "1160", "DK", NULL,
     "+4520123456", "DKK"},
};

#define NADDR (sizeof(ADDRS) / sizeof(ADDRS[0]))

/* --- generated orders -------------------------------------------------------
 */

static cJSON *gen_address(struct cg_rand *rng, int bad)
{
  const struct addr *a = &ADDRS[cg_rand_below(rng, NADDR)];
  char email[96];
  snprintf(email, sizeof(email), "%s.%s@example.com", a->first, a->last);
  for (char *p = email; *p; p++)
    *p = (char)(*p == ' ' ? '-' : tolower((unsigned char)*p));
  cJSON *o = cJSON_CreateObject();
  cg_json_add_str(o, "firstName", a->first);
  cg_json_add_str(o, "lastName", a->last);
  cg_json_add_str(o, "address1", a->street);
  cg_json_add_str(o, "city", a->city);
  /* bad 1: postcode missing; bad 2: a postcode of the wrong format. */
  cg_json_add_str(o, "zipCode",
                  bad == 1 ? NULL : (bad == 2 ? "XX-00000-YY" : a->zip));
  cg_json_add_str(o, "stateOrProvince", a->state);
  cg_json_add_str(o, "country", a->country);
  cg_json_add_str(o, "email", email);
  cg_json_add_str(o, "phoneNumber", a->phone);
  cg_json_add_str(o, "currency", a->currency); /* read back by gen_order */
  return o;
}

static cJSON *gen_option(struct cg_rand *rng, const cJSON *options, bool bad)
{
  cJSON *o = cJSON_CreateObject();
  int n = cJSON_GetArraySize(options);
  const cJSON *pick =
      n > 0 ? cJSON_GetArrayItem(options, (int)cg_rand_below(rng, n)) : NULL;
  if (bad || pick == NULL) {
    cg_json_add_int(o, "id", 99);
    cg_json_add_str(o, "name", bad ? "Carrier pigeon" : "Standard");
    cg_json_add_str(o, "uri", bad ? UNMAPPED_URI : "standard");
  } else if (cJSON_IsString(pick)) {
    cg_json_add_int(o, "id", 1);
    cg_json_add_str(o, "name", pick->valuestring);
    cg_json_add_str(o, "uri", pick->valuestring);
  } else {
    cJSON_Delete(o);
    o = cJSON_Duplicate(pick, true);
  }
  return o;
}

/* 1-4 distinct sizes of the catalogue (never the unknown SKU). */
static cJSON *gen_lines(struct sim_centra *c, struct cg_rand *rng, int nsizes,
                        bool bad_sku)
{
  static const double prices[] = {19.9, 49.0, 79.5, 129.0, 249.0, 450.5};
  cJSON *lines = cJSON_CreateArray();
  int want = 1 + (int)cg_rand_below(rng, 4);
  int start = (int)cg_rand_below(rng, (uint64_t)nsizes);
  for (int i = 0; i < want && i < nsizes; i++) {
    const cJSON *size = cJSON_GetArrayItem(c->sizes, (start + i * 7) % nsizes);
    cJSON *l = cJSON_CreateObject();
    const char *sku = cg_json_str(size, "SKU");
    cg_json_add_str(l, "sku", bad_sku && i == 0 ? UNKNOWN_SKU : sku);
    cg_json_add_int(l, "quantity", cg_rand_below(rng, 4) == 0 ? 2 : 1);
    cJSON_AddNumberToObject(
        l, "unitPrice",
        prices[cg_rand_below(rng, sizeof(prices) / sizeof(prices[0]))]);
    cJSON_AddItemToArray(lines, l);
  }
  return lines;
}

enum bad_kind { BAD_NONE = 0, BAD_OPTION, BAD_ADDRESS, BAD_SKU };

static cJSON *gen_order(struct sim_centra *c, struct cg_rand *rng,
                        const cJSON *options, int nsizes, enum bad_kind bad,
                        int bad_addr_kind)
{
  cJSON *spec = cJSON_CreateObject();
  cJSON *addr = gen_address(rng, bad == BAD_ADDRESS ? bad_addr_kind : 0);
  cg_json_add_str(spec, "currency", cg_json_str(addr, "currency"));
  cJSON_DeleteItemFromObjectCaseSensitive(addr, "currency");
  cJSON_AddItemToObject(spec, "shippingAddress", addr);
  cJSON_AddItemToObject(spec, "shippingOption",
                        gen_option(rng, options, bad == BAD_OPTION));
  cJSON_AddItemToObject(spec, "lines",
                        gen_lines(c, rng, nsizes, bad == BAD_SKU));
  return spec;
}

/* kinds[i] for order i: the bad ones at shuffled positions. */
static int plan_bad(struct cg_rand *rng, const cJSON *bad, int n,
                    enum bad_kind *kinds, const char **msg)
{
  int *idx = cg_malloc((size_t)n * sizeof(*idx)), at = 0;
  static const char *const keys[] = {"unmappedShippingOption", "badAddress",
                                     "unknownSku"};
  if (idx == NULL)
    return -1;
  for (int i = 0; i < n; i++) {
    idx[i] = i;
    kinds[i] = BAD_NONE;
  }
  for (int i = n - 1; i > 0; i--) {
    int j = (int)cg_rand_below(rng, (uint64_t)i + 1), t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  for (int k = 0; k < 3; k++) {
    int64_t cnt = cg_json_int(bad, keys[k], 0);
    for (int64_t m = 0; m < cnt; m++) {
      if (at >= n)
        *msg = "orders.bad asks for more bad orders than orders.generate";
      else
        kinds[idx[at++]] = (enum bad_kind)(k + 1);
    }
  }
  cg_free(idx);
  return *msg ? -1 : 0;
}

static void ensure_unknown_sku(struct sim_centra *c)
{
  const char *msg = NULL;
  if (sim_centra__size_by_sku(c, UNKNOWN_SKU) != NULL)
    return;
  cJSON *cat = cJSON_CreateArray(), *p = cJSON_CreateObject();
  cg_json_add_str(p, "sku", UNKNOWN_SKU);
  cg_json_add_str(p, "ean", "0000000000017");
  cg_json_add_str(p, "productNumber", "NOPE");
  cg_json_add_str(p, "name", "Item unknown to the warehouse");
  cJSON_AddItemToArray(cat, p);
  sim_centra__catalogue_load(c, cat, false, &msg);
  cJSON_Delete(cat);
}

/* The payment method of generated order i: methods[i % n] of the
 * scenario's list (no draw: the PRNG sequence does not change), else the
 * order spec's default. */
static void pay_with(cJSON *spec, const cJSON *methods, int64_t i)
{
  int n = cJSON_GetArraySize(methods);
  const cJSON *m = n > 0 ? cJSON_GetArrayItem(methods, (int)(i % n)) : NULL;
  if (cJSON_IsString(m))
    cg_json_add_str(spec, "paymentMethod", m->valuestring);
}

static int generate(struct sim_centra *c, const cJSON *g, const char **msg)
{
  struct cg_rand rng;
  int64_t n = cg_json_int(g, "generate", 0), seed = cg_json_int(g, "seed", 0);
  int nsizes = cJSON_GetArraySize(c->sizes), rc = 0;
  if (n < 0 || n > 100000 || nsizes == 0) {
    *msg = nsizes ? "orders.generate must be 0..100000"
                  : "orders.generate needs a catalogue";
    return -1;
  }
  cg_rand_seed(&rng, seed ? (uint64_t)seed
                          : (c->ctx ? cg_rand_next(&c->ctx->rng) | 1 : 1));
  enum bad_kind *kinds = cg_calloc((size_t)n + 1, sizeof(*kinds));
  if (kinds == NULL ||
      plan_bad(&rng, cg_json_get(g, "bad"), (int)n, kinds, msg) != 0) {
    cg_free(kinds);
    return -1;
  }
  for (int64_t i = 0; i < n && rc == 0; i++) {
    if (kinds[i] == BAD_SKU)
      ensure_unknown_sku(c);
    cJSON *spec = gen_order(c, &rng, cg_json_get(g, "shippingOptions"), nsizes,
                            kinds[i], 1 + (int)(i % 2));
    pay_with(spec, cg_json_get(g, "paymentMethods"), i);
    rc = sim_centra__order_seed(c, spec, msg) ? 0 : -1;
    cJSON_Delete(spec);
  }
  cg_free(kinds);
  return rc;
}

int sim_centra__scenario(struct sim_centra *c, const cJSON *doc,
                         const char **msg)
{
  const cJSON *cat = cg_json_get(doc, "catalogue");
  const cJSON *orders = cg_json_get(doc, "orders"), *it;
  if (!cJSON_IsObject(doc)) {
    *msg = "a scenario is a JSON object";
    return -1;
  }
  if (cat != NULL && sim_centra__catalogue_load(c, cat, false, msg) != 0)
    return -1;
  if (cJSON_IsObject(orders))
    return generate(c, orders, msg);
  cJSON_ArrayForEach(it, orders)
  {
    if (sim_centra__order_seed(c, it, msg) == NULL)
      return -1;
  }
  return 0;
}
