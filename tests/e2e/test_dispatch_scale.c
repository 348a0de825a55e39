/*
 * End to end (issue 9, "Done when" first bullet): 300 orders dispatched
 * by the warehouse simulator over three simulated days, as single
 * consignments, one consignment in two or three parcels, and splits in
 * two or three consignments (one a day, each with its own shippedAt).
 * Every event reaches the engine by webhook and by the pull feed.
 *
 * After each day, with the engine idle: Centra holds exactly one
 * completed shipment per consignment so far, with its lines and
 * quantities, the pack's carrier and service names, the first parcel's
 * tracking number, packagesNumber = parcels, the consignment's shippedAt
 * and one e-mail (e2e_dispatch.c's verdict); an order is `shipped` in
 * the engine exactly when the warehouse has shipped every unit of it (a
 * split order between its first and last consignment is not); nothing
 * was refused by Centra and no dispatch exception is open.
 */
#include "e2e.h"
#include "e2e_dispatch.h"

#include "base/json.h"
#include "base/mem.h"
#include "base/time.h"
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#define ORDERS 300
#define DAYS 3
#define DAY_MS (24LL * 3600 * 1000)

/* Up to four requests a consignment; the default budgets (20 mutations,
 * 500 requests per 10 s) would make this a matter of minutes. */
static const char *const sim_budget[] = {"--centra-mutation-budget", "100000",
                                         "--centra-request-budget", "100000",
                                         NULL};

/* How an order ships: n consignments (one a day), p parcels each. */
struct shape {
  int n, p;
  char ref[32]; /* the order it was made for */
};

/* The mix by the order's position i and its units. */
static struct shape shape_of(long i, long units)
{
  if (units < 2 || i % 4 == 0)
    return (struct shape){1, 1, ""};
  if (i % 4 == 1)
    return (struct shape){1, units >= 3 && i % 8 == 5 ? 3 : 2, ""};
  if (i % 4 == 2)
    return (struct shape){2, i % 8 == 6 ? 2 : 1, ""};
  return (struct shape){units >= 3 ? 3 : 2, 1, ""};
}

static struct shape shapes[ORDERS];

/* shippedAt of simulated day d (0 = three days ago). */
static void day_iso(int d, char *buf, size_t n)
{
  cg_time_format_iso8601_s(cg_time_now_ms() - (DAYS - d) * DAY_MS + 3600000,
                           buf, n);
}

/* The first `take` open units of o, line by line, as dispatch lines. */
static cJSON *first_units(const cJSON *o, long take)
{
  cJSON *lines = cJSON_CreateArray();
  const cJSON *l;
  cJSON_ArrayForEach(l, cg_json_get(o, "lines"))
  {
    long open =
        (long)(cg_json_int(l, "ordered", 0) - cg_json_int(l, "shipped", 0) -
               cg_json_int(l, "cancelled", 0));
    long q = open < take ? open : take;
    if (q <= 0)
      continue;
    cJSON *in = cJSON_CreateObject();
    cg_json_add_str(in, "lineRef", cg_json_str(l, "lineRef"));
    cg_json_add_int(in, "quantity", q);
    cJSON_AddItemToArray(lines, in);
    take -= q;
  }
  return lines;
}

/* Day d's consignment of order o shaped s: an even share of what is
 * open, the last one everything left. */
static void ship_one(struct e2e *t, const cJSON *o, struct shape s, int d)
{
  char at[40], path[128];
  cJSON *b = cJSON_CreateObject();
  day_iso(d, at, sizeof(at));
  cg_json_add_str(b, "shippedAt", at);
  cg_json_add_int(b, "parcelCount", s.p);
  if (d < s.n - 1)
    cJSON_AddItemToObject(b, "lines",
                          first_units(o, dispatch_units_open(o) / (s.n - d)));
  char *body = cg_json_print(b);
  cJSON_Delete(b);
  snprintf(path, sizeof(path), "/_sim/wms/orders/%s/dispatch",
           cg_json_str(o, "orderRef"));
  dispatch_post_ok(t, 'g', path, body);
  cg_free(body);
}

/* Shapes every order (first call) and ships day d's consignments;
 * returns how many. */
static long ship_day(struct e2e *t, int d)
{
  cJSON *wms = dispatch_wms_orders(t);
  const cJSON *o;
  long i = 0, sent = 0;
  cJSON_ArrayForEach(o, dispatch_orders_of(wms))
  {
    const char *ref = cg_json_str(o, "orderRef");
    assert_true(i < ORDERS);
    if (d == 0) {
      shapes[i] = shape_of(i, dispatch_units(o));
      snprintf(shapes[i].ref, sizeof(shapes[i].ref), "%s", ref);
    }
    assert_string_equal(shapes[i].ref, ref); /* the list keeps its order */
    if (d < shapes[i].n) {
      ship_one(t, o, shapes[i], d);
      sent++;
    }
    i++;
  }
  assert_int_equal(i, ORDERS);
  cJSON_Delete(wms);
  return sent;
}

/* Each order is `shipped` in the engine exactly when the warehouse has
 * nothing of it open; returns how many are. */
static long check_states(struct e2e *t, int d)
{
  cJSON *wms = dispatch_wms_orders(t);
  const cJSON *o;
  long i = 0, shipped = 0;
  cJSON_ArrayForEach(o, dispatch_orders_of(wms))
  {
    char st[32];
    const char *ref = cg_json_str(o, "orderRef");
    bool done = d >= shapes[i].n - 1;
    assert_string_equal(shapes[i].ref, ref);
    assert_int_equal(dispatch_units_open(o) == 0, done);
    dispatch_order_state(t, ref, st, sizeof(st));
    if ((strcmp(st, "shipped") == 0) != done)
      fail_msg("day %d: order %s (%d consignments) is \"%s\"", d, ref,
               shapes[i].n, st);
    shipped += done;
    i++;
  }
  cJSON_Delete(wms);
  return shipped;
}

/* Nothing refused by Centra, no dispatch exception open. */
static void check_clean(struct e2e *t)
{
  static const char *const types[] = {"DISPATCH_INVALID", "UNMAPPED_CARRIER",
                                      "SYNC_FAILURE", "SHORT_SHIPPED",
                                      "CAPTURE_FAILED"};
  cJSON *r = e2e_get(t, 'c', "/_sim/centra/refusals");
  assert_int_equal(cg_json_int(r, "count", -1), 0);
  cJSON_Delete(r);
  for (size_t i = 0; i < sizeof(types) / sizeof(*types); i++)
    if (e2e_open_exceptions(t, "shop", types[i]) != 0)
      fail_msg("open %s exceptions; see %s", types[i], t->dir);
}

/* Counts of each shape, for the log. */
static void print_mix(long consignments)
{
  long single = 0, parcels = 0, split2 = 0, split3 = 0;
  for (int i = 0; i < ORDERS; i++) {
    single += shapes[i].n == 1 && shapes[i].p == 1;
    parcels += shapes[i].n == 1 && shapes[i].p > 1;
    split2 += shapes[i].n == 2;
    split3 += shapes[i].n == 3;
  }
  fprintf(stderr,
          "%d orders: %ld single, %ld multi-parcel, %ld split in 2, %ld "
          "split in 3; %ld consignments\n",
          ORDERS, single, parcels, split2, split3, consignments);
  assert_true(parcels > 0 && split2 > 0 && split3 > 0);
}

static void test_dispatch_scale(void **state)
{
  (void)state;
  struct e2e t;
  char *scenario = e2e_scenario(ORDERS, 0);
  struct e2e_opts o = {.scenario_json = scenario,
                       .seed = 47,
                       .sim_args = sim_budget,
                       .subscribe_webhooks = true};
  e2e_setup(&t, &o);
  cg_free(scenario);
  e2e_engine_start(&t);
  if (!dispatch_wait_accepted(&t, ORDERS, 120))
    fail_msg("orders not accepted; see %s", t.dir);
  long consignments = 0;
  for (int d = 0; d < DAYS; d++) {
    consignments += ship_day(&t, d);
    if (!dispatch_wait_settled(&t, 120) || !dispatch_wait_idle(&t, 60))
      fail_msg("day %d did not settle; see %s", d, t.dir);
    assert_int_equal(dispatch_verify_expect(&t, &dispatch_default_pack),
                     consignments);
    long shipped = check_states(&t, d);
    fprintf(stderr, "day %d: %ld consignments so far, %ld orders shipped\n", d,
            consignments, shipped);
    check_clean(&t);
  }
  print_mix(consignments);
  e2e_engine_stop(&t);
  e2e_teardown(&t);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_dispatch_scale),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
