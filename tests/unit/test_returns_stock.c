/*
 * Unit: the restock route "centra" (core/flows/returns_stock.c) against
 * the warehouse's feed as the stock flow routes it (core/flows/stock.c,
 * cg_orders_apply_gxo_event), on a real store.
 *
 *  - the RMA's stock.adjusted arrives after a snapshot that already
 *    counts its units (seq below the SKU's base): R gives them back all
 *    the same; the same event seen again takes nothing more;
 *  - Centra restocked every advised unit, the warehouse restocks only
 *    the units received with the disposition RESTOCK: R counts those
 *    alone and the SKU is touched (the next push takes the rest back);
 *    a QUARANTINE adjustment of the RMA takes nothing from R.
 */
#include "store_fixture.h"

#include "base/json.h"
#include "flows/flow.h"
#include "flows/inbox.h"
#include "flows/orders.h"
#include "flows/returns_int.h"
#include "flows/stock.h"
#include "store/store_returns.h"
#include "store/store_stock.h"

#include <stdio.h>
#include <string.h>
#include <uv.h>

#define RETURN_ID 6001

struct env {
  struct fx fx;
  struct cg_flow f;
  uv_loop_t loop;
};

static int setup(void **state)
{
  struct env *e = fx_env_setup(state, sizeof(*e));
  if (e == NULL)
    return -1;
  assert_int_equal(uv_loop_init(&e->loop), 0);
  e->f = (struct cg_flow){.merchant = "m1", .store = e->fx.s, .loop = &e->loop};
  struct cg_stock_opts o = {0};
  struct cg_stock_policy *p = NULL;
  char why[256];
  e->f.stock = cg_stock_create(&e->f, &o);
  assert_non_null(e->f.stock);
  cJSON *t = cJSON_Parse("{\"returns\":\"centra\"}");
  assert_int_equal(cg_stock_policy_from_json(t, &p, why, sizeof why), 0);
  cJSON_Delete(t);
  cg_stock_set_policy(e->f.stock, p);
  return 0;
}

static void on_closed(void *arg)
{
  *(bool *)arg = true;
}

static int teardown(void **state)
{
  struct env *e = *state;
  bool closed = false;
  cg_stock_close(e->f.stock, on_closed, &closed);
  while (!closed)
    uv_run(&e->loop, UV_RUN_ONCE);
  while (uv_loop_close(&e->loop) == UV_EBUSY)
    uv_run(&e->loop, UV_RUN_ONCE);
  return fx_teardown(state); /* e whole: its first member is the fixture */
}

/* The return: lines of SKU A, each {advised, received, disposition}. */
static void put_return(struct env *e, const struct cg_store_return_line *l,
                       size_t n)
{
  struct cg_store_return r = {.id = RETURN_ID,
                              .order_number = "1000",
                              .step = CG_STORE_RETURN_DECIDED,
                              .initial_status = "PENDING",
                              .receipt_id = "RCV-1",
                              .receipt = "{\"lines\":[]}"};
  assert_int_equal(cg_store_return_put(e->f.store, &r, l, n, 1000, NULL), 0);
}

static int64_t r_of(struct env *e, int64_t *version)
{
  struct cg_store_stock st = {0};
  assert_int_equal(cg_store_stock_get(e->f.store, "A", &st, NULL), 0);
  int64_t r = st.pending_return;
  if (version)
    *version = st.version;
  cg_store_stock_clear(&st);
  return r;
}

/* Centra completed the return and restocked it (returnedToStock). */
static void complete(struct env *e)
{
  struct cg_err err = {0};
  struct cg_store_return r = {0};
  struct cg_store_return_lines lines = {0};
  assert_int_equal(cg_store_return_get(e->f.store, RETURN_ID, &r, &err), 0);
  assert_int_equal(
      cg_store_return_lines_get(e->f.store, RETURN_ID, &lines, &err), 0);
  assert_int_equal(cg_store_begin(e->f.store, &err), 0);
  if (cg__returns_completed_stock(&e->f, &r, &lines, true, &err) != 0)
    fail_msg("%s", err.msg);
  assert_int_equal(cg_store_commit(e->f.store, &err), 0);
  cg_store_return_clear(&r);
  cg_store_return_lines_clear(&lines);
}

/* Routes a stock.adjusted of A with reference 6001; returns its outcome. */
static const char *adjusted(struct env *e, int seq, int delta,
                            const char *status)
{
  static char outcome[CG_INBOX_OUTCOME_MAX];
  char text[400];
  struct cg_err err = {0};
  snprintf(text, sizeof text,
           "{\"eventType\":\"stock.adjusted\",\"sequence\":%d,\"data\":"
           "{\"adjustmentId\":\"ADJ\",\"sku\":\"A\",\"quantityDelta\":%d,"
           "\"stockStatus\":\"%s\",\"reasonCode\":\"RR\",\"reference\":"
           "\"6001\"}}",
           seq, delta, status);
  cJSON *env = cJSON_Parse(text);
  assert_int_equal(cg_store_begin(e->f.store, &err), 0);
  outcome[0] = '\0';
  if (cg_orders_apply_gxo_event(&e->f, NULL, env, outcome, &err) != 0)
    fail_msg("%s", err.msg);
  assert_int_equal(cg_store_commit(e->f.store, &err), 0);
  cJSON_Delete(env);
  return outcome;
}

static void snapshot(struct env *e, int64_t avail, int64_t as_of)
{
  struct cg_store_stock_level l = {.status = "AVAILABLE", .quantity = avail};
  bool stale = true;
  assert_int_equal(cg_store_stock_snapshot_sku(e->f.store, "A", &l, 1, as_of,
                                               2000, &stale, NULL),
                   0);
  assert_false(stale);
}

static void test_adjusted_older_than_snapshot(void **state)
{
  struct env *e = *state;
  struct cg_store_return_line l = {.line_id = 1,
                                   .line_ref = "43243",
                                   .sku = "A",
                                   .advised = 2,
                                   .received = 2,
                                   .disposition = "RESTOCK"};
  put_return(e, &l, 1);
  snapshot(e, 10, 50);
  complete(e);
  assert_int_equal(r_of(e, NULL), 2);
  snapshot(e, 12, 105); /* the warehouse's figure counts the +2 already */
  const char *o = adjusted(e, 100, 2, "AVAILABLE");
  assert_non_null(strstr(o, "older than the snapshot"));
  assert_non_null(strstr(o, "duplicate"));
  assert_int_equal(r_of(e, NULL), 0); /* Centra = W, not W + 2 */
  int64_t p = -1;
  assert_int_equal(cg_stock_target(&e->f, "A", &p, NULL), 0);
  assert_int_equal(p, 12);
  adjusted(e, 100, 2, "AVAILABLE"); /* seen again: nothing more */
  assert_int_equal(r_of(e, NULL), 0);
  struct cg_store_return_lines lines = {0};
  assert_int_equal(
      cg_store_return_lines_get(e->f.store, RETURN_ID, &lines, NULL), 0);
  assert_int_equal(lines.items[0].warehouse_restocked, 2);
  cg_store_return_lines_clear(&lines);
}

static void test_adjusted_duplicate_takes_once(void **state)
{
  struct env *e = *state;
  struct cg_store_return_line l[2] = {{.line_id = 1,
                                       .line_ref = "43243",
                                       .sku = "A",
                                       .advised = 1,
                                       .received = 1,
                                       .disposition = "RESTOCK"},
                                      {.line_id = 2,
                                       .line_ref = "43244",
                                       .sku = "A",
                                       .advised = 2,
                                       .received = 2,
                                       .disposition = "RESTOCK"}};
  put_return(e, l, 2);
  snapshot(e, 10, 50);
  complete(e);
  assert_int_equal(r_of(e, NULL), 3);
  adjusted(e, 60, 1, "AVAILABLE");
  assert_int_equal(r_of(e, NULL), 2);
  const char *o = adjusted(e, 60, 1, "AVAILABLE"); /* a true duplicate */
  assert_non_null(strstr(o, "duplicate"));
  assert_int_equal(r_of(e, NULL), 2);
  adjusted(e, 61, 2, "AVAILABLE");
  assert_int_equal(r_of(e, NULL), 0);
}

static void test_only_restocked_units_counted(void **state)
{
  struct env *e = *state;
  int64_t before = 0, after = 0;
  struct cg_store_return_line l[3] = {{.line_id = 1,
                                       .line_ref = "43243",
                                       .sku = "A",
                                       .advised = 2,
                                       .received = 1, /* one never came */
                                       .disposition = "RESTOCK"},
                                      {.line_id = 2,
                                       .line_ref = "43244",
                                       .sku = "A",
                                       .advised = 1,
                                       .received = 1,
                                       .disposition = "QUARANTINE"},
                                      {.line_id = 3,
                                       .line_ref = "43245",
                                       .sku = "A",
                                       .advised = 1,
                                       .received = 1,
                                       .disposition = "DISPOSE"}};
  put_return(e, l, 3);
  snapshot(e, 10, 50);
  r_of(e, &before);
  complete(e); /* Centra restocked 4; the warehouse will show 1 */
  assert_int_equal(r_of(e, &after), 1);
  assert_true(after > before);
  adjusted(e, 60, 1, "QUARANTINE"); /* not sellable: R keeps its unit */
  assert_int_equal(r_of(e, NULL), 1);
  adjusted(e, 61, 1, "AVAILABLE");
  assert_int_equal(r_of(e, NULL), 0);
  int64_t p = -1;
  assert_int_equal(cg_stock_target(&e->f, "A", &p, NULL), 0);
  assert_int_equal(p, 11);
}

static void test_nothing_restocked_touches(void **state)
{
  struct env *e = *state;
  int64_t before = 0, after = 0;
  struct cg_store_return_line l = {.line_id = 1,
                                   .line_ref = "43243",
                                   .sku = "A",
                                   .advised = 2,
                                   .received = 2,
                                   .disposition = "DISPOSE"};
  put_return(e, &l, 1);
  snapshot(e, 10, 50);
  r_of(e, &before);
  complete(e); /* Centra restocked 2 the warehouse will never show */
  assert_int_equal(r_of(e, &after), 0);
  assert_true(after > before); /* touched: the next push sets Centra to P */
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_adjusted_older_than_snapshot, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_adjusted_duplicate_takes_once, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_only_restocked_units_counted, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_nothing_restocked_touches, setup,
                                      teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
