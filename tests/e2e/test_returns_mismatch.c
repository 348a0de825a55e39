/*
 * End to end (issue 12): receipts that differ from the advice, and
 * parcels nobody advised. Each Centra return here is advised by the
 * engine; the warehouse then receives it (through the simulator, or as a
 * signed webhook the test builds when the simulator cannot produce the
 * difference) with one difference each:
 *
 *   fewer, more, missing-line, unexpected-line, different-sku,
 *   unexpected-item, condition, requires-action (the engine's mismatch
 *   codes, docs/internals/returns.md "Deciding a receipt"), and a
 *   DEFECTIVE line on a return whose reason was the fit (the pack holds
 *   it): each ends in RETURN_MISMATCH naming it, with no Centra write;
 *   - the same receipt again under a new event id changes nothing; a
 *     second receipt (new receiptId) of a settled return raises
 *     RETURN_MISMATCH and writes nothing more;
 *   - a parcel without rmaRef (return.arrived, return.received) and a
 *     receipt for an rmaRef the engine never made: UNADVISED_RETURN,
 *     keyed by the parcel's tracking, the event id and the rmaRef;
 *   - customer service resolves a held return: nothing is written;
 *   - Centra refuses the completion (a GraphQL error): SYNC_FAILURE and
 *     nothing written; once Centra answers, the operator's retry
 *     completes and refunds it once;
 *   - the pack builds an advice the engine refuses to send (RULE_ERROR,
 *     nothing at the warehouse); once the pack is fixed, the operator's
 *     retry advises it and it settles once.
 *
 * RETURN_REJECTED (the warehouse refusing an advice, or a returned line
 * the engine never sent) is not reached here: neither simulator can
 * produce it yet (every line of a shipped order was sent, and the
 * warehouse accepts every advice for an order it holds).
 */
#include "e2e.h"
#include "e2e_dispatch.h"
#include "e2e_pack.h"
#include "e2e_returns.h"
#include "e2e_settle.h"

#include "base/json.h"
#include "base/mem.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ORDERS 16
#define POOL 40

static struct e2e T;
static char *pack_dir;

/* The test's pack: the default returns.lua, except that an advice whose
 * Centra comment has "#badadvice" gets lineRefs the engine did not
 * build (it refuses to send it: RULE_ERROR). */
static const char *const broken_returns =
    "local default = require \"cg.returns\"\n"
    "local M = {}\n"
    "function M.advice(advice, ret)\n"
    "  local a = default.advice(advice, ret)\n"
    "  local c = ret and ret.comment\n"
    "  if type(c) == \"string\" and c:find(\"#badadvice\", 1, true) then\n"
    "    for _, l in ipairs(a.lines) do l.lineRef = \"X\" .. "
    "tostring(l.lineRef) end\n"
    "  end\n"
    "  return a\n"
    "end\n"
    "return M\n";
static struct ret_case pool[POOL];
static size_t pool_n, pool_next;

/* The next single-line return of the pool (not seeded yet). */
static struct ret_case *take(void)
{
  while (pool_next < pool_n && pool[pool_next].n == 0)
    pool_next++; /* its line went into a two-line return */
  assert_true(pool_next < pool_n);
  return &pool[pool_next++];
}

/* Two lines of one order in one return. */
static struct ret_case *take_two_lines(void)
{
  for (size_t i = pool_next; i + 1 < pool_n; i++) {
    if (pool[i].order != pool[i + 1].order)
      continue;
    struct ret_case tmp = pool[pool_next];
    pool[pool_next] = pool[i];
    pool[i] = tmp;
    struct ret_case *c = &pool[pool_next++];
    c->lines[c->n++] = pool[i + 1].lines[0];
    pool[i + 1].n = 0; /* its line is in c now */
    return c;
  }
  fail_msg("no order with two lines");
  return NULL;
}

static bool has_advice(struct e2e *t, void *arg)
{
  cJSON *a = returns_advice(t, ((struct ret_case *)arg)->rma);
  cJSON_Delete(a);
  return a != NULL;
}

/* Seeds c in Centra and waits until the engine advised it. */
static void seed_advised(struct ret_case *c)
{
  returns_seed(&T, c);
  if (!e2e_wait(&T, 30, has_advice, c))
    fail_msg("return %s never advised; see %s", c->rma, T.dir);
}

struct want {
  const char *type, *key;
};

static bool raised(struct e2e *t, void *arg)
{
  const struct want *w = arg;
  cJSON *x = returns_exception(t, w->type, w->key);
  bool open = x != NULL && strcmp(cg_json_str(x, "state"), "open") == 0;
  cJSON_Delete(x);
  return open;
}

/* Waits for the open exception of type on key; fails unless its message
 * has needle (the engine's words for the difference, which name both
 * sides). */
static void expect_exception(const char *type, const char *key,
                             const char *needle)
{
  struct want w = {type, key};
  if (!e2e_wait(&T, 30, raised, &w))
    fail_msg("no %s on %s; see %s", type, key, T.dir);
  cJSON *x = returns_exception(&T, type, key);
  const char *msg = cg_json_str(x, "message");
  if (msg == NULL || strstr(msg, needle) == NULL)
    fail_msg("%s on %s says \"%s\", expected it to name %s", type, key,
             msg ? msg : "(null)", needle);
  cJSON_Delete(x);
}

/* Centra's completions and refunds of c. */
static void expect_centra(const struct ret_case *c, long completions,
                          long refunds)
{
  struct ret_view v;
  struct ret_centra rc;
  returns_view_read(&T, &v);
  returns_centra_of(&v, c->id, &rc);
  returns_view_free(&v);
  if (rc.completions != completions || rc.refunds != refunds)
    fail_msg("return %s: completed %ld, refunded %ld times in Centra; "
             "expected %ld and %ld",
             c->rma, rc.completions, rc.refunds, completions, refunds);
}

static void expect_held(const struct ret_case *c, const char *code)
{
  expect_exception("RETURN_MISMATCH", c->rma, code);
  expect_centra(c, 0, 0);
}

static void receive_held(struct ret_case *c, const char *code,
                         const cJSON *unexpected)
{
  seed_advised(c);
  assert_int_equal(returns_receive(&T, c, unexpected), 200);
  expect_held(c, code);
}

static void test_simulated_differences(void **state)
{
  char want[96];
  struct ret_case *c = take();
  c->lines[0].received = 0;
  snprintf(want, sizeof(want), "0 received, %ld advised", c->lines[0].qty);
  receive_held(c, want, NULL); /* fewer */
  c = take();
  c->lines[0].received = c->lines[0].qty + 1;
  snprintf(want, sizeof(want), "%ld received, %ld advised", c->lines[0].qty + 1,
           c->lines[0].qty);
  receive_held(c, want, NULL); /* more */
  c = take();
  cJSON *extra = cJSON_CreateArray(), *item = cJSON_CreateObject();
  cg_json_add_str(item, "sku", c->lines[0].sku);
  cg_json_add_int(item, "quantity", 1);
  cJSON_AddItemToArray(extra, item);
  receive_held(c, "unexpected item", extra);
  cJSON_Delete(extra);
  c = take();
  c->lines[0].condition = "NOT_RECEIVED";
  receive_held(c, "condition NOT_RECEIVED", NULL);
  c = take(); /* DEFECTIVE, but the customer said the fit: the pack holds */
  c->lines[0].condition = "DEFECTIVE";
  c->lines[0].disposition = "QUARANTINE";
  assert_false(returns_expect_refund(c));
  seed_advised(c);
  assert_int_equal(returns_receive(&T, c, NULL), 200);
  expect_exception("RETURN_MISMATCH", c->rma, "pack-hold");
  expect_centra(c, 0, 0);
}

/* A receipt of c as the warehouse would send it: every line received as
 * advised, SELLABLE, RESTOCK. */
static cJSON *receipt_of(const struct ret_case *c, const char *receipt_id)
{
  cJSON *d = cJSON_CreateObject();
  char order[24];
  snprintf(order, sizeof(order), "%ld", c->order);
  cg_json_add_str(d, "rmaRef", c->rma);
  cg_json_add_str(d, "originalOrderRef", order);
  cg_json_add_str(d, "receiptId", receipt_id);
  cg_json_add_str(d, "receivedAt", "2026-03-04T15:01:50Z");
  cJSON *lines = cJSON_AddArrayToObject(d, "lines");
  for (int i = 0; i < c->n; i++) {
    cJSON *l = cJSON_CreateObject();
    cg_json_add_str(l, "lineRef", c->lines[i].line_ref);
    cg_json_add_str(l, "sku", c->lines[i].sku);
    cg_json_add_int(l, "quantityExpected", c->lines[i].qty);
    cg_json_add_int(l, "quantityReceived", c->lines[i].qty);
    cg_json_add_str(l, "condition", "SELLABLE");
    cg_json_add_str(l, "disposition", "RESTOCK");
    cg_json_add_str(l, "reasonCode", c->reason);
    cJSON_AddItemToArray(lines, l);
  }
  cJSON_AddArrayToObject(d, "unexpectedItems");
  cJSON_AddBoolToObject(d, "requiresAction", false);
  return d;
}

static void post_received(const struct ret_case *c, cJSON *data)
{
  char id[64];
  snprintf(id, sizeof(id), "test-receipt-%s", c->rma);
  assert_int_equal(returns_post_event(&T, id, "return.received", data), 200);
}

static void test_webhook_differences(void **state)
{
  struct ret_case *c = take_two_lines();
  seed_advised(c);
  cJSON *d = receipt_of(c, "T-RCV-MISSING");
  cJSON_DeleteItemFromArray(cJSON_GetObjectItemCaseSensitive(d, "lines"), 1);
  post_received(c, d);
  expect_held(c, "not in the receipt"); /* missing-line */

  c = take();
  seed_advised(c);
  d = receipt_of(c, "T-RCV-LINE");
  cJSON *lines = cJSON_GetObjectItemCaseSensitive(d, "lines");
  cJSON *other = cJSON_Duplicate(cJSON_GetArrayItem(lines, 0), true);
  cJSON_ReplaceItemInObjectCaseSensitive(other, "lineRef",
                                         cJSON_CreateString("999999999"));
  cJSON_AddItemToArray(lines, other);
  post_received(c, d);
  expect_held(c, "never advised"); /* unexpected-line */

  c = take();
  seed_advised(c);
  d = receipt_of(c, "T-RCV-SKU");
  cJSON_ReplaceItemInObjectCaseSensitive(
      cJSON_GetArrayItem(cg_json_get(d, "lines"), 0), "sku",
      cJSON_CreateString("NOT-THE-ADVISED-SKU"));
  post_received(c, d);
  expect_held(c, "SKU NOT-THE-ADVISED-SKU received"); /* different-sku */

  c = take();
  seed_advised(c);
  d = receipt_of(c, "T-RCV-ACTION");
  cJSON_ReplaceItemInObjectCaseSensitive(d, "requiresAction",
                                         cJSON_CreateTrue());
  post_received(c, d);
  expect_held(c, "requiresAction"); /* requires-action */
}

static bool refunded(struct e2e *t, void *arg)
{
  struct ret_view v;
  struct ret_centra rc;
  returns_view_read(t, &v);
  returns_centra_of(&v, ((struct ret_case *)arg)->id, &rc);
  returns_view_free(&v);
  return rc.refunded;
}

static void test_receipt_again(void **state)
{
  struct ret_case *c = take();
  seed_advised(c);
  assert_int_equal(returns_receive(&T, c, NULL), 200);
  if (!e2e_wait(&T, 30, refunded, c))
    fail_msg("return %s not refunded; see %s", c->rma, T.dir);
  /* The same receipt under a new event id: nothing. */
  const char *rma = c->rma;
  assert_int_equal(returns_redeliver(&T, &rma, 1), 1);
  assert_true(dispatch_wait_idle(&T, 30));
  expect_centra(c, 1, 1);
  cJSON *x = returns_exception(&T, "RETURN_MISMATCH", c->rma);
  assert_null(x);
  /* A second receipt (the warehouse received the parcel twice). */
  assert_int_equal(returns_receive(&T, c, NULL), 200);
  expect_exception("RETURN_MISMATCH", c->rma, "second");
  assert_true(dispatch_wait_idle(&T, 30));
  expect_centra(c, 1, 1);
}

static void test_unadvised(void **state)
{
  /* A parcel nobody advised, and a receipt for an RMA the engine never
   * made: the warehouse publishes them (feed and webhook). */
  dispatch_post_ok(&T, 'g', "/_sim/wms/returns/unadvised-arrival",
                   "{\"parcelTracking\": \"TRK-UNADVISED-1\"}");
  expect_exception("UNADVISED_RETURN", "TRK-UNADVISED-1", "TRK-UNADVISED-1");
  char body[256];
  snprintf(body, sizeof(body),
           "{\"rmaRef\": \"990001\", \"originalOrderRef\": \"%ld\","
           " \"lines\": [{\"sku\": \"%s\"}]}",
           pool[0].order, pool[0].lines[0].sku);
  dispatch_post_ok(&T, 'g', "/_sim/wms/returns/unadvised-receipt", body);
  expect_exception("UNADVISED_RETURN", "990001", "990001");
  /* A receipt without any rmaRef (the engine keys it by the event). */
  struct ret_case ghost = pool[0];
  cJSON *d = receipt_of(&ghost, "T-RCV-NOREF");
  cJSON_DeleteItemFromObjectCaseSensitive(d, "rmaRef");
  assert_int_equal(
      returns_post_event(&T, "unadvised-received-1", "return.received", d),
      200);
  expect_exception("UNADVISED_RETURN", "unadvised-received-1",
                   "unadvised-received-1");
  expect_centra(&pool[0], 0, 0);
}

/* Customer service handles a held return by hand: the engine writes
 * nothing, now or later. */
static void test_resolve_held(void **state)
{
  struct ret_case *c = take();
  c->lines[0].condition = "NOT_RECEIVED";
  c->lines[0].received = 0;
  receive_held(c, "condition NOT_RECEIVED", NULL);
  cJSON *x = returns_exception(&T, "RETURN_MISMATCH", c->rma);
  char path[128];
  snprintf(path, sizeof(path), "/api/v1/merchants/shop/exceptions/%lld/resolve",
           (long long)cg_json_int(x, "id", 0));
  cJSON_Delete(x);
  cJSON_Delete(e2e_post(&T, 'a', path, "{\"note\": \"refunded by hand\"}"));
  x = returns_exception(&T, "RETURN_MISMATCH", c->rma);
  assert_string_equal(cg_json_str(x, "state"), "resolved");
  cJSON_Delete(x);
  assert_true(dispatch_wait_idle(&T, 30));
  expect_centra(c, 0, 0);
}

/* The open SYNC_FAILURE on a return, or NULL. */
static cJSON *sync_failure(void)
{
  cJSON *all = returns_exceptions(&T, "SYNC_FAILURE"), *out = NULL;
  const cJSON *x;
  cJSON_ArrayForEach(x, all)
  {
    if (out == NULL && strcmp(cg_json_str(x, "entity"), "return") == 0)
      out = cJSON_Duplicate(x, true);
  }
  cJSON_Delete(all);
  return out;
}

static bool sync_failed(struct e2e *t, void *arg)
{
  (void)t;
  (void)arg;
  cJSON *x = sync_failure();
  cJSON_Delete(x);
  return x != NULL;
}

static void test_completion_refused(void **state)
{
  struct ret_case *c = take();
  seed_advised(c);
  dispatch_post_ok(&T, 'c', "/_sim/centra/refuse",
                   "{\"field\": \"completeReturn\","
                   " \"message\": \"not for this token\"}");
  assert_int_equal(returns_receive(&T, c, NULL), 200);
  if (!e2e_wait(&T, 30, sync_failed, NULL))
    fail_msg("no SYNC_FAILURE on return %s; see %s", c->rma, T.dir);
  expect_centra(c, 0, 0);
  dispatch_post_ok(&T, 'c', "/_sim/centra/refuse", "{\"field\": null}");
  cJSON *x = sync_failure();
  settle_retry(&T, (long)cg_json_int(x, "id", 0));
  cJSON_Delete(x);
  if (!e2e_wait(&T, 30, refunded, c))
    fail_msg("return %s not refunded after the retry; see %s", c->rma, T.dir);
  assert_true(dispatch_wait_idle(&T, 30));
  expect_centra(c, 1, 1);
}

static bool no_advice(struct ret_case *c)
{
  cJSON *a = returns_advice(&T, c->rma);
  cJSON_Delete(a);
  return a == NULL;
}

static bool reloaded(struct e2e *t, void *arg)
{
  (void)arg;
  return e2e_log_has(t, "rules reloaded");
}

/* The pack builds an advice the engine will not send: RULE_ERROR on the
 * return, nothing at the warehouse, nothing in Centra. The integrator
 * fixes the pack; the operator's retry advises it, and it settles once. */
static void test_advice_rule_error_retry(void **state)
{
  struct ret_case *c = take();
  c->comment = "the fit is too small #badadvice";
  returns_seed(&T, c);
  expect_exception("RULE_ERROR", c->rma, "advice");
  assert_true(no_advice(c));
  char path[1024];
  snprintf(path, sizeof(path), "%s/returns.lua", pack_dir);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs("return {}\n", f);
  fclose(f);
  cJSON_Delete(e2e_post(&T, 'a', "/api/v1/merchants/shop/rules/reload", "{}"));
  if (!e2e_wait(&T, 30, reloaded, NULL))
    fail_msg("the fixed pack never loaded; see %s", T.dir);
  cJSON *x = returns_exception(&T, "RULE_ERROR", c->rma);
  settle_retry(&T, (long)cg_json_int(x, "id", 0));
  cJSON_Delete(x);
  if (!e2e_wait(&T, 30, has_advice, c))
    fail_msg("return %s not advised after the pack was fixed and its "
             "RULE_ERROR retried; see %s",
             c->rma, T.dir);
  assert_int_equal(returns_receive(&T, c, NULL), 200);
  if (!e2e_wait(&T, 30, refunded, c))
    fail_msg("return %s not refunded; see %s", c->rma, T.dir);
  assert_true(dispatch_wait_idle(&T, 30));
  expect_centra(c, 1, 1);
}

static int setup(void **state)
{
  pack_dir = e2e_pack_with("returns.lua", broken_returns);
  assert_non_null(pack_dir);
  returns_start(&T, ORDERS, 81, NULL, pack_dir);
  pool_n = returns_cases(&T, NULL, pool, POOL);
  assert_true(pool_n >= 20);
  return 0;
}

static int teardown(void **state)
{
  if (T.engine <= 0) /* a failed test may leave it killed */
    e2e_engine_start(&T);
  e2e_engine_stop(&T);
  e2e_teardown(&T);
  e2e_pack_remove(pack_dir);
  cg_free(pack_dir);
  return 0;
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_simulated_differences),
      cmocka_unit_test(test_webhook_differences),
      cmocka_unit_test(test_receipt_again),
      cmocka_unit_test(test_unadvised),
      cmocka_unit_test(test_resolve_held),
      cmocka_unit_test(test_completion_refused),
      cmocka_unit_test(test_advice_rule_error_retry),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
