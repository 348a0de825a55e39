/*
 * e2e_dispatch: see e2e_dispatch.h.
 */
#include "e2e_dispatch.h"

#include "base/json.h"
#include "base/mem.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const cJSON *dispatch_orders_of(const cJSON *doc)
{
  return cJSON_IsArray(doc) ? doc : cg_json_get(doc, "orders");
}

cJSON *dispatch_wms_orders(struct e2e *t)
{
  return e2e_get(t, 'g', "/_sim/wms/orders");
}

static bool all_accepted(struct e2e *t, void *arg)
{
  const long *expected = arg;
  cJSON *doc = dispatch_wms_orders(t);
  const cJSON *o;
  int n = 0, waiting = 0;
  cJSON_ArrayForEach(o, dispatch_orders_of(doc))
  {
    const char *st = cg_json_str(o, "status");
    n++;
    waiting += st == NULL || strcmp(st, "RECEIVED") == 0 ||
               strcmp(st, "NOT_CREATED") == 0;
  }
  cJSON_Delete(doc);
  return n >= *expected && waiting == 0;
}

bool dispatch_wait_accepted(struct e2e *t, long expected, int timeout_s)
{
  return e2e_wait(t, timeout_s, all_accepted, &expected);
}

long dispatch_consignments(const cJSON *wms_orders)
{
  const cJSON *o;
  long n = 0;
  cJSON_ArrayForEach(o, dispatch_orders_of(wms_orders))
  {
    n += cJSON_GetArraySize(cg_json_get(o, "shipments"));
  }
  return n;
}

long dispatch_centra_completed(struct e2e *t)
{
  cJSON *doc = e2e_get(t, 'c', "/_sim/centra/shipments");
  const cJSON *s;
  long n = 0;
  cJSON_ArrayForEach(s, doc)
  {
    n += cg_json_bool(s, "isShipped", false) &&
         cg_json_str(s, "additionalMessage") != NULL;
  }
  cJSON_Delete(doc);
  return n;
}

static bool settled(struct e2e *t, void *arg)
{
  (void)arg;
  cJSON *wms = dispatch_wms_orders(t);
  long want = dispatch_consignments(wms);
  cJSON_Delete(wms);
  return want > 0 && dispatch_centra_completed(t) >= want;
}

/* Every warehouse order shipped in full, and Centra has them all. */
static bool all_shipped(struct e2e *t, void *arg)
{
  (void)arg;
  cJSON *wms = dispatch_wms_orders(t);
  const cJSON *o;
  long open = 0;
  cJSON_ArrayForEach(o, dispatch_orders_of(wms))
  {
    open += dispatch_units_open(o);
  }
  long want = dispatch_consignments(wms);
  cJSON_Delete(wms);
  return open == 0 && want > 0 && dispatch_centra_completed(t) >= want;
}

bool dispatch_wait_all_shipped(struct e2e *t, int timeout_s)
{
  return e2e_wait(t, timeout_s, all_shipped, NULL);
}

bool dispatch_wait_settled(struct e2e *t, int timeout_s)
{
  return e2e_wait(t, timeout_s, settled, NULL);
}

/* Units of line id in a Centra shipment. */
static long centra_qty(const cJSON *s, long line_id)
{
  const cJSON *l;
  long q = 0;
  cJSON_ArrayForEach(l, cg_json_get(s, "lines"))
  {
    if (cg_json_int(l, "orderLine.id", -1) == line_id)
      q += (long)cg_json_int(l, "quantity", 0);
  }
  return q;
}

/* Units of lineRef in a consignment (its parcels' lines). */
static long wms_qty(const cJSON *c, const char *ref)
{
  const cJSON *p, *l;
  long q = 0;
  cJSON_ArrayForEach(p, cg_json_get(c, "parcels"))
  {
    cJSON_ArrayForEach(l, cg_json_get(p, "lines"))
    {
      if (strcmp(cg_json_str(l, "lineRef"), ref) == 0)
        q += (long)cg_json_int(l, "quantity", 0);
    }
  }
  return q;
}

static long count_stamp(const cJSON *shipments, const char *stamp)
{
  const cJSON *s;
  long n = 0;
  cJSON_ArrayForEach(s, shipments)
  {
    const char *m = cg_json_str(s, "additionalMessage");
    n += m != NULL && strcmp(m, stamp) == 0;
  }
  return n;
}

static const cJSON *by_stamp(const cJSON *shipments, const char *stamp)
{
  const cJSON *s;
  cJSON_ArrayForEach(s, shipments)
  {
    const char *m = cg_json_str(s, "additionalMessage");
    if (m != NULL && strcmp(m, stamp) == 0)
      return s;
  }
  return NULL;
}

static long emails_for(const cJSON *emails, long shipment_id)
{
  const cJSON *e;
  long n = 0;
  cJSON_ArrayForEach(e, emails)
  {
    n += cg_json_int(e, "shipmentId", -1) == shipment_id;
  }
  return n;
}

static const char *const default_carriers[][2] = {
    {"POSTNORD", "PostNord"}, {"DHL", "DHL"}, {"UPS", "UPS"}, {NULL, NULL}};
static const char *const default_services[][2] = {
    {"PN-MYPACK-HOME", "MyPack Home"},
    {"PN-MYPACK-COLLECT", "MyPack Collect"},
    {"DHL-EXPRESS", "Express Worldwide"},
    {"UPS-STANDARD", "Standard"},
    {NULL, NULL}};

const struct dispatch_expect dispatch_default_pack = {
    .carriers = default_carriers, .services = default_services};

/* The name of code in table, or the code itself. */
static const char *name_of(const char *const (*table)[2], const char *code)
{
  for (size_t i = 0; code != NULL && table[i][0] != NULL; i++)
    if (strcmp(table[i][0], code) == 0)
      return table[i][1];
  return code;
}

static void expect_str(const char *what, const char *stamp, const char *got,
                       const char *want)
{
  if (got == NULL || want == NULL || strcmp(got, want) != 0)
    fail_msg("%s %s: Centra has \"%s\", expected \"%s\"", stamp, what,
             got ? got : "(null)", want ? want : "(null)");
}

/* x's checks of Centra shipment s for consignment c. */
static void verify_expect(const cJSON *c, const cJSON *s, const char *stamp,
                          const struct dispatch_expect *x)
{
  expect_str("carrier", stamp, cg_json_str(s, "carrierInformation.carrierName"),
             name_of(x->carriers, cg_json_str(c, "carrier.carrierCode")));
  expect_str("service", stamp, cg_json_str(s, "carrierInformation.serviceName"),
             name_of(x->services, cg_json_str(c, "carrier.serviceCode")));
  expect_str("shippedAt", stamp, cg_json_str(s, "shippedAt"),
             cg_json_str(c, "shippedAt"));
}

/* One consignment against Centra (and x when not NULL). */
static void verify_one(const cJSON *order, const cJSON *c,
                       const cJSON *shipments, const cJSON *emails,
                       const struct dispatch_expect *x)
{
  char stamp[96];
  const char *ref = cg_json_str(order, "orderRef");
  snprintf(stamp, sizeof(stamp), "gxo:%s", cg_json_str(c, "shipmentId"));
  long copies = count_stamp(shipments, stamp);
  if (copies != 1)
    fail_msg("order %s consignment %s: %ld Centra shipments", ref, stamp,
             copies);
  const cJSON *s = by_stamp(shipments, stamp);
  if (!cg_json_bool(s, "isShipped", false))
    fail_msg("order %s %s: Centra shipment not completed", ref, stamp);
  const cJSON *l;
  cJSON_ArrayForEach(l, cg_json_get(order, "lines"))
  {
    const char *lr = cg_json_str(l, "lineRef");
    if (centra_qty(s, atol(lr)) != wms_qty(c, lr))
      fail_msg("order %s %s line %s: Centra %ld, warehouse %ld", ref, stamp, lr,
               centra_qty(s, atol(lr)), wms_qty(c, lr));
  }
  const cJSON *parcels = cg_json_get(c, "parcels");
  const char *first =
      cg_json_str(cJSON_GetArrayItem(parcels, 0), "trackingNumber");
  assert_int_equal(cg_json_int(s, "numberOfPackages", 0),
                   cJSON_GetArraySize(parcels));
  assert_string_equal(cg_json_str(s, "trackingNumber"), first);
  assert_int_equal(emails_for(emails, (long)cg_json_int(s, "id", 0)), 1);
  if (x != NULL)
    verify_expect(c, s, stamp, x);
}

/* Centra shipments of an order (by number). */
static long centra_of_order(const cJSON *shipments, const char *ref)
{
  const cJSON *s;
  long n = 0;
  cJSON_ArrayForEach(s, shipments)
  {
    n += cg_json_int(s, "order.number", -1) == atol(ref);
  }
  return n;
}

long dispatch_verify(struct e2e *t)
{
  return dispatch_verify_expect(t, NULL);
}

long dispatch_verify_expect(struct e2e *t, const struct dispatch_expect *x)
{
  cJSON *wms = dispatch_wms_orders(t);
  cJSON *ships = e2e_get(t, 'c', "/_sim/centra/shipments");
  cJSON *emails = e2e_get(t, 'c', "/_sim/centra/emails");
  const cJSON *o, *c;
  long n = 0;
  cJSON_ArrayForEach(o, dispatch_orders_of(wms))
  {
    const cJSON *cons = cg_json_get(o, "shipments");
    cJSON_ArrayForEach(c, cons)
    {
      verify_one(o, c, ships, emails, x);
      n++;
    }
    if (centra_of_order(ships, cg_json_str(o, "orderRef")) !=
        cJSON_GetArraySize(cons))
      fail_msg("order %s: %ld Centra shipments for %d consignments",
               cg_json_str(o, "orderRef"),
               centra_of_order(ships, cg_json_str(o, "orderRef")),
               cJSON_GetArraySize(cons));
  }
  cJSON_Delete(wms);
  cJSON_Delete(ships);
  cJSON_Delete(emails);
  return n;
}

void dispatch_order_state(struct e2e *t, const char *number, char *out,
                          size_t size)
{
  char path[128];
  snprintf(path, sizeof(path), "/api/v1/merchants/shop/orders/%s", number);
  cJSON *doc = e2e_get(t, 'a', path);
  const char *st = cg_json_str(doc, "state");
  snprintf(out, size, "%s", st ? st : "");
  cJSON_Delete(doc);
}

void dispatch_post_ok(struct e2e *t, char side, const char *path,
                      const char *body)
{
  cJSON *r = e2e_post(t, side, path, body);
  assert_non_null(r);
  if (cg_json_str(r, "type") != NULL || cg_json_str(r, "code") != NULL) {
    char *text = cg_json_print(r);
    fail_msg("%s refused: %s", path, text);
  }
  cJSON_Delete(r);
}

void dispatch_start(struct e2e *t, char *scenario, long orders, unsigned seed,
                    const char *rules, const char *extra_config)
{
  static const char *const sim_args[] = {"--centra-mutation-budget", "1000",
                                         NULL};
  struct e2e_opts o = {.scenario_json = scenario,
                       .rules = rules,
                       .seed = seed,
                       .sim_args = sim_args,
                       .subscribe_webhooks = true,
                       .extra_config = extra_config};
  e2e_setup(t, &o);
  cg_free(scenario);
  e2e_engine_start(t);
  if (!dispatch_wait_accepted(t, orders, 60))
    fail_msg("orders not accepted; see %s", t->dir);
}

void dispatch_all(struct e2e *t)
{
  cJSON *wms = dispatch_wms_orders(t);
  const cJSON *ord;
  cJSON_ArrayForEach(ord, dispatch_orders_of(wms))
  {
    char path[128];
    snprintf(path, sizeof(path), "/_sim/wms/orders/%s/dispatch",
             cg_json_str(ord, "orderRef"));
    dispatch_post_ok(t, 'g', path, "{}");
  }
  cJSON_Delete(wms);
}

/* Whether the engine has nothing left to send (its outbox is empty). */
static bool engine_idle(struct e2e *t, void *arg)
{
  (void)arg;
  cJSON *doc = NULL;
  e2e_healthz(t, &doc);
  const cJSON *m = cJSON_GetArrayItem(cg_json_get(doc, "merchants"), 0);
  bool idle = cg_json_int(m, "outbox_depth", -1) == 0;
  cJSON_Delete(doc);
  return idle;
}

bool dispatch_wait_idle(struct e2e *t, int timeout_s)
{
  return e2e_wait(t, timeout_s, engine_idle, NULL);
}

long dispatch_units_open(const cJSON *wms_order)
{
  const cJSON *l;
  long n = 0;
  cJSON_ArrayForEach(l, cg_json_get(wms_order, "lines"))
  {
    n += (long)(cg_json_int(l, "ordered", 0) - cg_json_int(l, "shipped", 0) -
                cg_json_int(l, "cancelled", 0));
  }
  return n;
}

long dispatch_units(const cJSON *wms_order)
{
  const cJSON *l;
  long n = 0;
  cJSON_ArrayForEach(l, cg_json_get(wms_order, "lines"))
  {
    n += (long)cg_json_int(l, "ordered", 0);
  }
  return n;
}
