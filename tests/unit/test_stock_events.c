/*
 * Unit tests of the stock flow's core (core/flows/stock.c) through the
 * warehouse event routing (cg_orders_apply_gxo_event) on a real store:
 * an adjustment and a status move change P once, a duplicate changes
 * nothing, malformed stock events get an "invalid" outcome and change
 * nothing (their sequence still counts as seen), a snapshot event is
 * left for the reconcile in its cursor (an older one is not), a
 * consignment moves its units from W to D and its completion takes them
 * out of D once; and the flow's timers: a new policy is compared with
 * what Centra accepted by the flusher's sweep, and close closes all.
 */
#include "store_fixture.h"

#include "base/json.h"
#include "flows/flow.h"
#include "flows/inbox.h"
#include "flows/orders.h"
#include "flows/stock.h"
#include "store/store_stock.h"

#include <stdio.h>
#include <string.h>
#include <uv.h>

/* Routes one warehouse event (JSON text); returns its outcome. */
static const char *event(struct cg_flow *flow, const char *text)
{
  static char outcome[CG_INBOX_OUTCOME_MAX];
  struct cg_err err = {0};
  cJSON *env = cJSON_Parse(text);
  assert_non_null(env);
  outcome[0] = '\0';
  assert_int_equal(cg_orders_apply_gxo_event(flow, NULL, env, outcome, &err),
                   0);
  cJSON_Delete(env);
  return outcome;
}

static int64_t target(struct cg_flow *flow, const char *sku)
{
  struct cg_err err = {0};
  int64_t p = -1;
  assert_int_equal(cg_stock_target(flow, sku, &p, &err), 0);
  return p;
}

static bool starts(const char *s, const char *prefix)
{
  if (strncmp(s, prefix, strlen(prefix)) != 0)
    fprintf(stderr, "outcome: %s (want %s...)\n", s, prefix);
  return strncmp(s, prefix, strlen(prefix)) == 0;
}

#define ADJ(seq, sku, delta, status)                                           \
  "{\"eventType\":\"stock.adjusted\",\"sequence\":" seq ",\"data\":"           \
  "{\"adjustmentId\":\"ADJ\",\"sku\":\"" sku "\",\"quantityDelta\":" delta     \
  ",\"stockStatus\":\"" status "\",\"reasonCode\":\"AA\"}}"
#define MOVE(seq, q, from, to)                                                 \
  "{\"eventType\":\"stock.status_moved\",\"sequence\":" seq ",\"data\":"       \
  "{\"sku\":\"A\",\"quantity\":" q ",\"fromStatus\":\"" from                   \
  "\",\"toStatus\":\"" to "\",\"reasonCode\":\"AC\"}}"

static void test_adjust_move_duplicate(void **state)
{
  struct fx *f = *state;
  struct cg_flow flow = {.merchant = "t", .store = f->s};
  assert_int_equal(target(&flow, "A"), 0); /* unknown */
  assert_true(starts(event(&flow, ADJ("1", "A", "5", "AVAILABLE")), "applied"));
  assert_true(
      starts(event(&flow, ADJ("1", "A", "5", "AVAILABLE")), "duplicate"));
  assert_int_equal(target(&flow, "A"), 5);
  assert_true(starts(event(&flow, MOVE("2", "2", "AVAILABLE", "QUARANTINE")),
                     "applied"));
  assert_true(starts(event(&flow, MOVE("2", "2", "AVAILABLE", "QUARANTINE")),
                     "duplicate"));
  assert_int_equal(target(&flow, "A"), 3); /* quarantine is not sellable */
  assert_true(starts(event(&flow, MOVE("3", "1", "QUARANTINE", "ALLOCATED")),
                     "applied"));
  assert_int_equal(target(&flow, "A"), 4);
  assert_int_equal(flow.metrics.stock_events, 5);
}

static void test_malformed(void **state)
{
  static const char *const bad[] = {
      ADJ("4", "", "1", "AVAILABLE"),
      ADJ("5", "A", "1.5", "AVAILABLE"),
      ADJ("6", "A", "\"2\"", "AVAILABLE"),
      ADJ("7", "A", "1", "LOST"),
      MOVE("8", "1", "AVAILABLE", "AVAILABLE"),
      MOVE("9", "0", "AVAILABLE", "DAMAGED"),
      MOVE("10", "1", "AVAILABLE", "available"),
      ADJ("0", "A", "1", "AVAILABLE"),
      "{\"eventType\":\"stock.adjusted\",\"data\":{\"sku\":\"A\","
      "\"quantityDelta\":1,\"stockStatus\":\"AVAILABLE\"}}",
      "{\"eventType\":\"stock.adjusted\",\"sequence\":11,\"data\":[]}",
      "{\"eventType\":\"stock.snapshot\",\"sequence\":12,\"data\":"
      "{\"asOfSequence\":3}}",
      "{\"eventType\":\"stock.snapshot\",\"sequence\":13,\"data\":"
      "{\"snapshotId\":\"S\",\"asOfSequence\":\"3\"}}",
  };
  struct fx *f = *state;
  struct cg_flow flow = {.merchant = "t", .store = f->s};
  struct cg_err err = {0};
  assert_true(starts(event(&flow, ADJ("1", "A", "5", "AVAILABLE")), "applied"));
  assert_true(starts(event(&flow, ADJ("2", "A", "1", "AVAILABLE")), "applied"));
  assert_true(starts(event(&flow, ADJ("3", "A", "1", "AVAILABLE")), "applied"));
  for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
    assert_true(starts(event(&flow, bad[i]), "invalid"));
  assert_int_equal(target(&flow, "A"), 7);
  assert_int_equal(flow.metrics.stock_events, 3);
  /* their sequences were seen all the same: no gap from them */
  int64_t w = 0, h = 0, since = 0;
  assert_int_equal(cg_store_stock_seq_state(f->s, &w, &h, &since, &err), 0);
  assert_int_equal(w, 13);
  assert_int_equal(since, 0);
}

static void test_snapshot_pending(void **state)
{
  struct fx *f = *state;
  struct cg_flow flow = {.merchant = "t", .store = f->s};
  char *v = NULL;
  assert_true(starts(event(&flow, "{\"eventType\":\"stock.snapshot\","
                                  "\"sequence\":9,\"data\":{\"snapshotId\":"
                                  "\"SNAP-2\",\"asOfSequence\":8}}"),
                     "snapshot SNAP-2"));
  assert_true(starts(event(&flow, "{\"eventType\":\"stock.snapshot\","
                                  "\"sequence\":10,\"data\":{\"snapshotId\":"
                                  "\"SNAP-1\",\"asOfSequence\":5}}"),
                     "ignored"));
  assert_int_equal(
      cg_store_cursor_get(f->s, "stock.snapshot.pending", &v, NULL), 0);
  cJSON *doc = cJSON_Parse(v);
  assert_string_equal(cg_json_str(doc, "snapshotId"), "SNAP-2");
  assert_int_equal(cg_json_int(doc, "asOfSequence", 0), 8);
  cJSON_Delete(doc);
  cg_free(v);
}

static void apply_dispatch(struct cg_flow *flow, const char *text)
{
  struct cg_err err = {0};
  cJSON *env = cJSON_Parse(text);
  assert_non_null(env);
  assert_int_equal(cg_stock_apply_dispatch(flow, env, &err), 0);
  cJSON_Delete(env);
}

static void test_dispatch_d(void **state)
{
  struct fx *f = *state;
  struct cg_flow flow = {.merchant = "t", .store = f->s};
  struct cg_err err = {0};
  const char *ship = "{\"eventType\":\"shipment.confirmed\",\"sequence\":6,"
                     "\"data\":{\"shipmentId\":\"SHP-1\",\"parcels\":["
                     "{\"lines\":[{\"sku\":\"A\",\"quantity\":1},"
                     "{\"sku\":\"B\",\"quantity\":1}]},"
                     "{\"lines\":[{\"sku\":\"A\",\"quantity\":1}]}]}}";
  assert_true(starts(event(&flow, ADJ("1", "A", "5", "AVAILABLE")), "applied"));
  apply_dispatch(&flow, ship);
  apply_dispatch(&flow, ship); /* once per shipmentId */
  struct cg_store_stock r = {0};
  assert_int_equal(cg_store_stock_get(f->s, "A", &r, &err), 0);
  assert_int_equal(r.pending_dispatch, 2);
  cg_store_stock_clear(&r);
  /* the warehouse took 2 out, Centra has not: P unchanged */
  assert_int_equal(target(&flow, "A"), 5);
  assert_int_equal(target(&flow, "B"), 1); /* max(-1, 0) + D 1 */
  assert_int_equal(cg_stock_dispatch_completed(&flow, "SHP-1", &err), 0);
  assert_int_equal(target(&flow, "A"), 3);
  assert_int_equal(cg_stock_dispatch_completed(&flow, "SHP-1", &err), 0);
  assert_int_equal(target(&flow, "A"), 3);
}

/* ---- the flow's timers ---------------------------------------------------*/

static void on_closed(void *arg)
{
  *(bool *)arg = true;
}

/* Runs the loop until the policy sweep's cursor is done (or 10 s). */
static void run_sweep(struct fx *f, uv_loop_t *loop)
{
  for (int i = 0; i < 200; i++) {
    char *v = NULL;
    uv_run(loop, UV_RUN_ONCE);
    bool done =
        cg_store_cursor_get(f->s, "stock.policy.sweep", &v, NULL) == 0 &&
        v[0] == '\0';
    cg_free(v);
    if (done)
      return;
  }
  fail_msg("the policy sweep did not finish");
}

static void push(struct fx *f, const char *sku, int64_t qty)
{
  struct cg_err err = {0};
  struct cg_store_stock r = {0};
  assert_int_equal(cg_store_stock_get(f->s, sku, &r, &err), 0);
  assert_int_equal(cg_store_stock_batch_take(f->s, sku, 1, &err), 0);
  assert_int_equal(
      cg_store_stock_batch_done(f->s, sku, true, qty, r.version, 1, &err), 0);
  cg_store_stock_clear(&r);
}

static void test_policy_sweep_and_close(void **state)
{
  struct fx *f = *state;
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  struct cg_flow flow = {.merchant = "t", .store = f->s, .loop = &loop};
  struct cg_err err = {0};
  bool closed = false;
  flow.stock = cg_stock_create(&flow, NULL);
  assert_non_null(flow.stock);
  assert_int_equal(cg_stock_start(flow.stock), 0);
  assert_true(starts(event(&flow, ADJ("1", "A", "3", "AVAILABLE")), "applied"));
  assert_true(starts(event(&flow, ADJ("2", "B", "3", "AVAILABLE")), "applied"));
  push(f, "A", 3);  /* Centra has P */
  push(f, "B", 99); /* Centra has another figure */
  int64_t n = -1;
  assert_int_equal(cg_store_stock_dirty_count(f->s, &n, &err), 0);
  assert_int_equal(n, 0);
  cg_stock_set_policy(flow.stock, NULL);
  run_sweep(f, &loop);
  struct cg_store_count_list l = {0};
  assert_int_equal(cg_store_stock_dirty(f->s, 10, &l, &err), 0);
  assert_int_equal(l.n, 1);
  assert_string_equal(l.items[0].name, "B");
  cg_store_count_list_clear(&l);
  cg_stock_close(flow.stock, on_closed, &closed);
  flow.stock = NULL;
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  assert_true(closed);
  assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_adjust_move_duplicate, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(test_malformed, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_snapshot_pending, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(test_dispatch_d, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_policy_sweep_and_close, fx_setup,
                                      fx_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
