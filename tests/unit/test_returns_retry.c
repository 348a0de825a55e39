/*
 * Unit: the returns flow's operator retries, the held returns settled by
 * hand (core/flows/returns_retry.c) and the restock routes
 * (core/flows/returns_stock.c), on a real store.
 *
 *  - RETURN_MISMATCH held before the completion: the plan is cleared,
 *    the step is received again and a settle row queued (the pack is
 *    asked again); after the completion (partial-refund) the retry only
 *    resolves, and the sweep then settles the return by hand with a
 *    timeline entry;
 *  - RETURN_REJECTED: the return read again from Centra (marked, its id
 *    hinted durably; test_returns_read follows the read); RULE_ERROR on
 *    a rejected advice: step new, the advice queued again under a new
 *    idempotency key (the first row done stays as it was);
 *  - UNADVISED_RETURN: resolved, nothing else;
 *  - route "centra": R grows at the completion by the units the
 *    warehouse's feed has not shown, and each later stock.adjusted of the
 *    RMA takes its part back, never below what Centra counted; route
 *    "warehouse": the completion only touches the SKU; a reference that
 *    names no line of the SKU leaves no trace.
 */
#include "store_fixture.h"

#include "base/json.h"
#include "base/time.h"
#include "flows/exceptions.h"
#include "flows/flow.h"
#include "flows/returns.h"
#include "flows/returns_int.h"
#include "flows/returns_read.h"
#include "flows/stock.h"
#include "store/store_returns.h"
#include "store/store_stock.h"

#include <string.h>
#include <uv.h>

#define RETURN_ID 6001

struct env {
  struct fx fx;
  struct cg_flow f;
  uv_loop_t loop;
};

static void put_return(struct env *e, enum cg_store_return_step step,
                       const char *plan)
{
  struct cg_store_return r = {.id = RETURN_ID,
                              .order_number = "1000",
                              .step = step,
                              .initial_status = "PENDING",
                              .receipt_id = "RCV-1",
                              .receipt = "{\"lines\":[]}",
                              .plan = (char *)plan};
  struct cg_store_return_line l = {.line_id = 1,
                                   .line_ref = "43243",
                                   .sku = "A",
                                   .advised = 2,
                                   .received = 2,
                                   .disposition = "RESTOCK"};
  assert_int_equal(cg_store_return_put(e->f.store, &r, &l, 1, 1000, NULL), 0);
}

static int setup(void **state)
{
  struct env *e = fx_env_setup(state, sizeof(*e));
  if (e == NULL)
    return -1;
  assert_int_equal(uv_loop_init(&e->loop), 0);
  e->f = (struct cg_flow){.merchant = "m1", .store = e->fx.s, .loop = &e->loop};
  return 0;
}

static void on_closed(void *arg)
{
  *(bool *)arg = true;
}

static int teardown(void **state)
{
  struct env *e = *state;
  if (e->f.stock != NULL) {
    bool closed = false;
    cg_stock_close(e->f.stock, on_closed, &closed);
    while (!closed)
      uv_run(&e->loop, UV_RUN_ONCE);
  }
  while (uv_loop_close(&e->loop) == UV_EBUSY)
    uv_run(&e->loop, UV_RUN_ONCE);
  return fx_teardown(state); /* e whole: its first member is the fixture */
}

/* Raises type on the return as the flow does, then retries it. */
static void raise_and_retry(struct env *e, const char *type, const char *key,
                            bool hold)
{
  struct cg_err err = {0};
  assert_int_equal(cg_store_begin(e->f.store, &err), 0);
  if (hold)
    assert_int_equal(
        cg__returns_hold(&e->f, RETURN_ID, "1000", type, "code", "why", &err),
        0);
  else
    assert_int_equal(
        cg_flow_raise(&e->f, type, CG_RETURNS_ENTITY, key, "why", NULL, &err),
        0);
  assert_int_equal(cg_store_commit(e->f.store, &err), 0);
  struct cg_store_exception_filter flt = {
      .state = "open", .type = type, .entity_key = key};
  struct cg_store_exception_list l = {0};
  assert_int_equal(cg_store_exception_list(e->f.store, &flt, &l, &err), 0);
  assert_int_equal(l.n, 1);
  assert_true(cg_returns_owns(l.items[0].entity_kind));
  assert_int_equal(cg_store_begin(e->f.store, &err), 0);
  if (cg_returns_retry(&e->f, &l.items[0], &err) != 0)
    fail_msg("retry: %s", err.msg);
  assert_int_equal(cg_store_commit(e->f.store, &err), 0);
  cg_store_exception_list_clear(&l);
  assert_int_equal(cg_store_exception_list(e->f.store, &flt, &l, &err), 0);
  assert_int_equal(l.n, 0); /* resolved by the retry */
  cg_store_exception_list_clear(&l);
}

static struct cg_store_return get(struct env *e)
{
  struct cg_store_return r = {0};
  assert_int_equal(cg_store_return_get(e->f.store, RETURN_ID, &r, NULL), 0);
  return r;
}

static int64_t rows(struct env *e, const char *kind)
{
  int64_t n = -1;
  assert_int_equal(
      cg_store_outbox_count_entity(e->f.store, kind, "6001", &n, NULL), 0);
  return n;
}

static void test_mismatch_asks_again(void **state)
{
  struct env *e = *state;
  put_return(e, CG_STORE_RETURN_DECIDED, "{\"action\":\"hold\"}");
  raise_and_retry(e, CG_RETURN_MISMATCH, "6001", true);
  struct cg_store_return r = get(e);
  assert_int_equal(r.step, CG_STORE_RETURN_RECEIVED);
  assert_null(r.plan);
  assert_int_equal(rows(e, CG_RETURNS_KIND_SETTLE), 1);
  cg_store_return_clear(&r);
}

static void test_partial_refund_resolves(void **state)
{
  struct env *e = *state;
  put_return(e, CG_STORE_RETURN_COMPLETED,
             "{\"action\":\"settle\",\"refund\":\"manual\",\"completed\":"
             "true}");
  raise_and_retry(e, CG_RETURN_MISMATCH, "6001", true);
  struct cg_store_return r = get(e);
  assert_int_equal(r.step, CG_STORE_RETURN_HELD);
  assert_int_equal(rows(e, CG_RETURNS_KIND_SETTLE), 0);
  cg_store_return_clear(&r);
  assert_int_equal(cg_returns_settle_resolved(&e->f), 1);
  r = get(e);
  assert_int_equal(r.step, CG_STORE_RETURN_SETTLED);
  cg_store_return_clear(&r);
  assert_int_equal(cg_returns_settle_resolved(&e->f), 0);
  struct cg_store_audit_list l = {0};
  assert_int_equal(
      cg_store_audit_list(e->f.store, CG_RETURNS_ENTITY, "1000", 10, &l, NULL),
      0);
  int by_hand = 0;
  for (size_t i = 0; i < l.n; i++)
    by_hand += strcmp(l.items[i].action, "return settled by hand") == 0;
  assert_int_equal(by_hand, 1);
  cg_store_audit_list_clear(&l);
}

/* The pending advice (queued with attempt if attempt >= 0) sent and
 * refused: its row is done. */
static void advice_refused(struct env *e, int attempt)
{
  struct cg_err err = {0};
  if (attempt >= 0) {
    assert_int_equal(cg_store_begin(e->f.store, &err), 0);
    assert_int_equal(cg__returns_queue(&e->f, CG_RETURNS_KIND_ADVISE, RETURN_ID,
                                       "1000", attempt, &err),
                     0);
    assert_int_equal(cg_store_commit(e->f.store, &err), 0);
  }
  struct cg_store_outbox_filter flt = {.state = CG_STORE_OUTBOX_PENDING,
                                       .kind = CG_RETURNS_KIND_ADVISE,
                                       .entity_key = "6001"};
  struct cg_store_outbox_list l = {0};
  assert_int_equal(cg_store_outbox_list(e->f.store, &flt, &l, &err), 0);
  assert_int_equal(l.n, 1);
  assert_int_equal(
      cg_store_outbox_mark_inflight(e->f.store, l.items[0].id, &err), 0);
  assert_int_equal(cg_store_outbox_done(e->f.store, l.items[0].id, 422, &err),
                   0);
  cg_store_outbox_list_clear(&l);
}

/* The one pending advice's idempotency key starts with want and a '-'
 * (then the time: returns_common.c). */
static void pending_advice_is(struct env *e, const char *want)
{
  struct cg_store_outbox_filter flt = {.state = CG_STORE_OUTBOX_PENDING,
                                       .kind = CG_RETURNS_KIND_ADVISE,
                                       .entity_key = "6001"};
  struct cg_store_outbox_list l = {0};
  assert_int_equal(cg_store_outbox_list(e->f.store, &flt, &l, NULL), 0);
  assert_int_equal(l.n, 1);
  const char *got = l.items[0].idempotency_key;
  if (strncmp(got, want, strlen(want)) != 0 || got[strlen(want)] != '-')
    fail_msg("pending advice under %s, not %s-<ms>", got, want);
  cg_store_outbox_list_clear(&l);
}

/* A refused advice: the RULE_ERROR of a pack advice the engine would not
 * send is sent again under a new key; the warehouse's RETURN_REJECTED
 * reads the return again first (marked, its id hinted durably). */
static void rejected_advised_again(struct env *e, const char *type)
{
  put_return(e, CG_STORE_RETURN_REJECTED, NULL);
  advice_refused(e, 0); /* the first advice */
  raise_and_retry(e, type, "6001", false);
  struct cg_store_return r = get(e);
  if (strcmp(type, CG_RETURN_REJECTED) == 0) {
    /* read again from Centra first (test_returns_read): marked, hinted */
    assert_int_equal(r.step, CG_STORE_RETURN_REJECTED);
    assert_string_equal(r.hold_reason, CG_RETURNS_REREAD);
    assert_int_equal(fx_sql_int(e->fx.path, "SELECT count(*) FROM cursors "
                                            "WHERE value = '6001'"),
                     1);
    cg_store_return_clear(&r);
    return;
  }
  assert_int_equal(r.step, CG_STORE_RETURN_NEW);
  cg_store_return_clear(&r);
  pending_advice_is(e, "cg-m1-rma-6001-r1");
}

static void test_rejected_advised_again(void **state)
{
  rejected_advised_again(*state, CG_RETURN_REJECTED);
}

static void test_rule_error_advised_again(void **state)
{
  rejected_advised_again(*state, "RULE_ERROR");
}

/* More advice rows than one page of the outbox's list (100): each retry
 * still gets a key of its own (it once stayed at -r100, and the warehouse
 * would have answered the second -r100 with the first one's refusal). */
static void test_advised_again_after_many(void **state)
{
  struct env *e = *state;
  put_return(e, CG_STORE_RETURN_REJECTED, NULL);
  for (int i = 0; i < 100; i++)
    advice_refused(e, i);
  raise_and_retry(e, "RULE_ERROR", "6001", false);
  pending_advice_is(e, "cg-m1-rma-6001-r100");
  advice_refused(e, -1);
  assert_int_equal(cg_store_begin(e->f.store, NULL), 0); /* as the flow does */
  assert_int_equal(cg_store_return_set_step(e->f.store, RETURN_ID,
                                            CG_STORE_RETURN_REJECTED, NULL, 1,
                                            NULL),
                   0);
  assert_int_equal(cg_store_commit(e->f.store, NULL), 0);
  raise_and_retry(e, "RULE_ERROR", "6001", false);
  pending_advice_is(e, "cg-m1-rma-6001-r101");
  raise_and_retry(e, "RULE_ERROR", "6001", false); /* one on its way */
  assert_int_equal(rows(e, CG_RETURNS_KIND_ADVISE), 102);
}

static void test_unadvised_resolves(void **state)
{
  struct env *e = *state;
  raise_and_retry(e, CG_UNADVISED_RETURN, "TRK-9", false);
  assert_int_equal(rows(e, CG_RETURNS_KIND_SETTLE), 0);
}

/* ---- the restock routes -------------------------------------------------*/

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

static void in_tx(struct env *e, bool completion, const char *ref,
                  int64_t delta)
{
  struct cg_err err = {0};
  struct cg_store_return r = get(e);
  struct cg_store_return_lines lines = {0};
  assert_int_equal(
      cg_store_return_lines_get(e->f.store, RETURN_ID, &lines, &err), 0);
  assert_int_equal(cg_store_begin(e->f.store, &err), 0);
  int rc = completion
               ? cg__returns_completed_stock(&e->f, &r, &lines, true, &err)
               : cg_returns_stock_adjusted(&e->f, ref, "A", delta, "AVAILABLE",
                                           &err);
  if (rc != 0)
    fail_msg("%s", err.msg);
  assert_int_equal(cg_store_commit(e->f.store, &err), 0);
  cg_store_return_clear(&r);
  cg_store_return_lines_clear(&lines);
}

static int restocked_entries(struct env *e)
{
  struct cg_store_audit_list l = {0};
  int n = 0;
  assert_int_equal(
      cg_store_audit_list(e->f.store, CG_RETURNS_ENTITY, "1000", 50, &l, NULL),
      0);
  for (size_t i = 0; i < l.n; i++)
    n += strcmp(l.items[i].action, "return restocked") == 0;
  cg_store_audit_list_clear(&l);
  return n;
}

static void use_route(struct env *e, const char *route)
{
  struct cg_stock_opts o = {0};
  struct cg_stock_policy *p = NULL;
  char why[256], text[64];
  e->f.stock = cg_stock_create(&e->f, &o);
  assert_non_null(e->f.stock);
  snprintf(text, sizeof text, "{\"returns\":\"%s\"}", route);
  cJSON *t = cJSON_Parse(text);
  assert_int_equal(cg_stock_policy_from_json(t, &p, why, sizeof why), 0);
  cJSON_Delete(t);
  cg_stock_set_policy(e->f.stock, p);
}

static void test_route_centra(void **state)
{
  struct env *e = *state;
  use_route(e, "centra");
  put_return(e, CG_STORE_RETURN_DECIDED, NULL);
  assert_int_equal(cg_store_stock_apply(e->f.store, 1, "A", "AVAILABLE", 10,
                                        1000, NULL, NULL),
                   0);
  in_tx(e, false, "6001", 1); /* the feed shows 1 before the completion */
  assert_int_equal(r_of(e, NULL), 0);
  in_tx(e, true, NULL, 0); /* Centra restocks 2: R counts the other one */
  assert_int_equal(r_of(e, NULL), 1);
  in_tx(e, false, "6001", 1); /* the feed shows it: R gives it back */
  assert_int_equal(r_of(e, NULL), 0);
  in_tx(e, false, "6001", 1); /* more than Centra counted: R stays */
  assert_int_equal(r_of(e, NULL), 0);
  assert_int_equal(restocked_entries(e), 4); /* 3 feeds + the completion */
  in_tx(e, false, "7777", 1);                /* no such return */
  in_tx(e, false, "not-an-rma", 1);
  assert_int_equal(restocked_entries(e), 4);
}

static void test_route_warehouse(void **state)
{
  struct env *e = *state;
  int64_t before = 0, after = 0;
  put_return(e, CG_STORE_RETURN_DECIDED, NULL);
  assert_int_equal(cg_store_stock_apply(e->f.store, 1, "A", "AVAILABLE", 10,
                                        1000, NULL, NULL),
                   0);
  r_of(e, &before);
  in_tx(e, true, NULL, 0);
  assert_int_equal(r_of(e, &after), 0);
  assert_true(after > before); /* touched: the next push sets P again */
  in_tx(e, false, "6001", 2);
  assert_int_equal(r_of(e, NULL), 0);
  assert_int_equal(restocked_entries(e), 1);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_mismatch_asks_again, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_partial_refund_resolves, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_rejected_advised_again, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_rule_error_advised_again, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_advised_again_after_many, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_unadvised_resolves, setup, teardown),
      cmocka_unit_test_setup_teardown(test_route_centra, setup, teardown),
      cmocka_unit_test_setup_teardown(test_route_warehouse, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
