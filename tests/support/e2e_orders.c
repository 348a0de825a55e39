/*
 * e2e_orders: see e2e_orders.h. Compiled into each order e2e test.
 */
#include "e2e_orders.h"

#include "base/json.h"
#include "testutil.h"

#include <stdio.h>
#include <string.h>

static const char *const bad_types[3] = {"UNMAPPED_CARRIER", "INVALID_ADDRESS",
                                         "UNKNOWN_SKU"};

/* Expected carrier of each mapped shipping option (rules/default). */
static const char *const carriers[][3] = {
    {"postnord-home", "POSTNORD", "PN-MYPACK-HOME"},
    {"postnord-service-point", "POSTNORD", "PN-MYPACK-COLLECT"},
    {"dhl-express", "DHL", "DHL-EXPRESS"},
    {"ups-standard", "UPS", "UPS-STANDARD"},
};

static const cJSON *list_of(const cJSON *doc, const char *key)
{
  return cJSON_IsArray(doc) ? doc : cg_json_get(doc, key);
}

/* -1 for a good order, else the index into bad_types. */
static int classify(const cJSON *order)
{
  const char *uri = cg_json_str(order, "shippingPriceGroup.shippingOption.uri");
  const char *zip = cg_json_str(order, "shippingAddress.zipCode");
  const cJSON *line;
  if (uri == NULL || strcmp(uri, "carrier-pigeon") == 0)
    return 0;
  if (zip == NULL || strcmp(zip, "XX-00000-YY") == 0)
    return 1;
  cJSON_ArrayForEach(line, cg_json_get(order, "lines"))
  {
    const char *sku = cg_json_str(line, "productSize.SKU");
    if (sku && strcmp(sku, "NOPE-SKU-1") == 0)
      return 2;
  }
  return -1;
}

/* Every order the simulated Centra holds (the control route lists all). */
static cJSON *centra_orders(struct e2e *t)
{
  cJSON *doc = e2e_get(t, 'c', "/_sim/centra/orders");
  cJSON *all = cJSON_Duplicate(list_of(doc, "orders"), 1);
  cJSON_Delete(doc);
  assert_non_null(all);
  return all;
}

void orders_expect_read(struct e2e *t, struct orders_expect *x)
{
  memset(x, 0, sizeof(*x));
  cJSON *all = centra_orders(t);
  const cJSON *o;
  cJSON_ArrayForEach(o, all)
  {
    int k = classify(o);
    x->total++;
    if (k < 0)
      x->good++;
    else
      x->bad[k]++;
  }
  cJSON_Delete(all);
  assert_true(x->total > 0);
}

static bool settled(struct e2e *t, void *arg)
{
  const struct orders_expect *x = arg;
  if (e2e_wms_orders(t) < x->good)
    return false;
  for (int k = 0; k < 3; k++)
    if (e2e_open_exceptions(t, "shop", bad_types[k]) < x->bad[k])
      return false;
  return true;
}

bool orders_wait_settled(struct e2e *t, const struct orders_expect *x,
                         int timeout_s)
{
  return e2e_wait(t, timeout_s, settled, (void *)x);
}

static const cJSON *find_ref(const cJSON *list, const char *ref)
{
  const cJSON *o;
  cJSON_ArrayForEach(o, list)
  {
    const char *r = cg_json_str(o, "orderRef");
    if (r && strcmp(r, ref) == 0)
      return o;
  }
  return NULL;
}

static void check_lines(const cJSON *order, const cJSON *request,
                        const char *ref)
{
  const cJSON *line;
  int n = 0;
  cJSON_ArrayForEach(line, cg_json_get(order, "lines"))
  {
    char id[32];
    snprintf(id, sizeof(id), "%lld", (long long)cg_json_int(line, "id", 0));
    const cJSON *sent = cJSON_GetArrayItem(cg_json_get(request, "lines"), n++);
    const char *lref = cg_json_str(sent, "lineRef");
    const char *sku = cg_json_str(sent, "sku");
    if (lref == NULL || strcmp(lref, id) != 0 || sku == NULL ||
        strcmp(sku, cg_json_str(line, "productSize.SKU")) != 0)
      fail_msg("order %s line %d: lineRef %s sku %s, expected %s", ref, n,
               lref ? lref : "-", sku ? sku : "-", id);
  }
  assert_int_equal(n, cJSON_GetArraySize(cg_json_get(request, "lines")));
}

static void check_carrier(const cJSON *order, const cJSON *request,
                          const char *ref)
{
  const char *uri = cg_json_str(order, "shippingPriceGroup.shippingOption.uri");
  for (size_t i = 0; i < sizeof(carriers) / sizeof(*carriers); i++)
    if (strcmp(uri, carriers[i][0]) == 0) {
      const char *c = cg_json_str(request, "shipping.carrierCode");
      const char *s = cg_json_str(request, "shipping.serviceCode");
      if (!c || !s || strcmp(c, carriers[i][1]) || strcmp(s, carriers[i][2]))
        fail_msg("order %s: carrier %s/%s for %s", ref, c ? c : "-",
                 s ? s : "-", uri);
      return;
    }
  fail_msg("order %s: shipping option %s not in the pack", ref, uri);
}

static void check_good(const cJSON *order, const cJSON *wms, const char *ref)
{
  const cJSON *w = find_ref(wms, ref);
  if (w == NULL || !cg_json_bool(w, "created", false))
    fail_msg("good order %s is not at the warehouse", ref);
  if (cg_json_int(w, "attempts.creates", -1) != 1 ||
      cg_json_int(w, "attempts.duplicates", -1) != 0)
    fail_msg("order %s created %lld times, %lld duplicates", ref,
             (long long)cg_json_int(w, "attempts.creates", -1),
             (long long)cg_json_int(w, "attempts.duplicates", -1));
  const cJSON *req = cg_json_get(w, "request");
  const char *sent_ref = cg_json_str(req, "orderRef");
  assert_non_null(sent_ref);
  assert_string_equal(sent_ref, ref);
  check_lines(order, req, ref);
  check_carrier(order, req, ref);
}

static void check_bad(struct e2e *t, const cJSON *wms, const char *ref, int k)
{
  const cJSON *w = find_ref(wms, ref);
  if (w != NULL && cg_json_bool(w, "created", false))
    fail_msg("bad order %s (%s) was created at the warehouse", ref,
             bad_types[k]);
  if (w != NULL) /* nothing is sent for a bad order, not even once */
    fail_msg("order %s (%s) was sent to the warehouse", ref, bad_types[k]);
  char path[128];
  snprintf(path, sizeof(path), "/api/v1/merchants/shop/orders/%s", ref);
  cJSON *o = e2e_get(t, 'a', path);
  const char *state = cg_json_str(o, "state");
  const char *reason = cg_json_str(o, "hold_reason");
  if (!state || strcmp(state, "held") || !reason ||
      strcmp(reason, bad_types[k]))
    fail_msg("order %s: state %s reason %s, expected held %s", ref,
             state ? state : "-", reason ? reason : "-", bad_types[k]);
  cJSON_Delete(o);
}

void orders_verify(struct e2e *t, const struct orders_expect *x)
{
  cJSON *all = centra_orders(t);
  cJSON *wdoc = e2e_get(t, 'g', "/_sim/wms/orders");
  const cJSON *wms = list_of(wdoc, "orders");
  const cJSON *o;
  cJSON_ArrayForEach(o, all)
  {
    char ref[32];
    snprintf(ref, sizeof(ref), "%lld", (long long)cg_json_int(o, "number", 0));
    int k = classify(o);
    if (k < 0)
      check_good(o, wms, ref);
    else
      check_bad(t, wms, ref, k);
  }
  cJSON *stats = e2e_get(t, 'g', "/_sim/wms/stats");
  assert_int_equal(cg_json_int(stats, "orders", -1), x->good);
  assert_int_equal(cg_json_int(stats, "duplicates", -1), 0);
  cJSON_Delete(stats);
  cJSON_Delete(wdoc);
  cJSON_Delete(all);
}
