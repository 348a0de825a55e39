/*
 * End to end (issue 9 item 7): Centra stays the master after export.
 * Twelve orders reach the warehouse simulator and are accepted; then the
 * shop changes some of them in the simulated Centra (control API, which
 * emits Order UPDATED events the engine pulls):
 *
 *   - a whole order cancelled: cancelled at the warehouse, the engine's
 *     order is cancelled, nothing of it can ship;
 *   - one line cancelled: that line's units cancelled at the warehouse;
 *     the warehouse then dispatches the order and ships none of them,
 *     and the order is shipped in the engine (every line it still has);
 *   - put on hold: cancelled at the warehouse; released: sent again
 *     under a new Idempotency-Key (a new revision) and accepted;
 *   - put on hold, then cancelled in Centra: cancelled, never sent again;
 *   - a new shipping address: cancelled and sent again with it;
 *   - a cancel after the warehouse packed the order: refused (409
 *     order-not-cancellable); the first two reads of its status fail and
 *     are retried; CHANGE_TOO_LATE names the order, the change and PACKED,
 *     and the warehouse keeps the order;
 *   - a new address after the warehouse shipped part of the order: no
 *     re-send (it would ship that part twice): CHANGE_REVIEW;
 *   - the warehouse closes an order with nothing shipped (IC): the
 *     dispatch flow cancels the remainder in Centra and the order is
 *     closed; the shop's cancel in Centra afterwards is only the echo of
 *     that: nothing is sent to the warehouse and nothing is raised;
 *   - a crash while the cancel is on its way (the warehouse answers it
 *     3 s late, and the engine is SIGKILLed half a second after the
 *     change is committed): after the restart the cancel is sent again
 *     under the same Idempotency-Key, the warehouse replays its answer
 *     (or says it is still in progress), and the order is cancelled
 *     once, with no exception;
 *   - with the events queue off, the poll for exported orders (they are
 *     read by number: the safety-net poll lists only confirmed orders not
 *     on hold) finds a cancel and a hold; the release is sent again;
 *   - a pack whose orders.on_change answers "ask": a new address sends
 *     nothing to the warehouse and opens CHANGE_REVIEW.
 */
#include "e2e.h"
#include "e2e_dispatch.h"

#include "base/json.h"
#include "base/mem.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct e2e T;
static char pack_dir[600]; /* the "ask" pack, removed at teardown */

/* A warehouse order as GET /_sim/wms/orders/{ref} shows it; caller frees. */
static cJSON *wms_order(const char *ref)
{
  char path[128];
  snprintf(path, sizeof(path), "/_sim/wms/orders/%s", ref);
  return e2e_get(&T, 'g', path);
}

struct want {
  const char *ref;
  const char *value;
};

static bool wms_status_is(struct e2e *t, void *arg)
{
  (void)t;
  const struct want *w = arg;
  cJSON *o = wms_order(w->ref);
  bool ok = cg_json_str(o, "status") &&
            strcmp(cg_json_str(o, "status"), w->value) == 0;
  cJSON_Delete(o);
  return ok;
}

static bool state_is(struct e2e *t, void *arg)
{
  const struct want *w = arg;
  char st[32];
  dispatch_order_state(t, w->ref, st, sizeof(st));
  return strcmp(st, w->value) == 0;
}

static void wait_for(bool (*pred)(struct e2e *, void *), const char *ref,
                     const char *value)
{
  struct want w = {ref, value};
  if (!e2e_wait(&T, 60, pred, &w))
    fail_msg("order %s never became %s (%s); see %s", ref, value,
             pred == state_is ? "engine" : "warehouse", T.dir);
}

/* Creations of an order at the warehouse (a re-send is a second one). */
static long creates(const char *ref)
{
  cJSON *o = wms_order(ref);
  long n = (long)cg_json_int(o, "attempts.creates", -1);
  cJSON_Delete(o);
  return n;
}

static bool created_twice(struct e2e *t, void *arg)
{
  (void)t;
  return creates(((const struct want *)arg)->ref) == 2;
}

static void centra_change(const char *ref, const char *what, const char *body)
{
  char path[160];
  snprintf(path, sizeof(path), "/_sim/centra/orders/%s%s", ref, what);
  dispatch_post_ok(&T, 'c', path, body);
}

/* Orders picked from the warehouse: one with two lines or more (lines),
 * and four others. */
#define OTHERS 7

struct picks {
  cJSON *wms;
  const cJSON *lines, *multi, *other[OTHERS];
};

static void pick(struct picks *p)
{
  const cJSON *o;
  size_t n = 0;
  p->wms = dispatch_wms_orders(&T);
  cJSON_ArrayForEach(o, dispatch_orders_of(p->wms))
  {
    if (p->lines == NULL && cJSON_GetArraySize(cg_json_get(o, "lines")) >= 2)
      p->lines = o;
    else if (p->multi == NULL && dispatch_units(o) >= 2)
      p->multi = o;
    else if (n < OTHERS)
      p->other[n++] = o;
  }
  if (p->lines == NULL || p->multi == NULL || n < OTHERS)
    fail_msg("the scenario has no order with two lines, or too few orders");
}

static const char *ref_of(const cJSON *o)
{
  return cg_json_str(o, "orderRef");
}

static void test_cancel_whole(const char *ref)
{
  centra_change(ref, "", "{\"status\": \"CANCELLED\"}");
  wait_for(wms_status_is, ref, "CANCELLED");
  wait_for(state_is, ref, "cancelled");
  assert_int_equal(e2e_timeline_count(&T, ref, "cancelled at the warehouse",
                                      "cancelled in Centra"),
                   1);
  /* Nothing of it can ship: the warehouse refuses to dispatch it. */
  char path[128];
  snprintf(path, sizeof(path), "/_sim/wms/orders/%s/dispatch", ref);
  cJSON *r = e2e_post(&T, 'g', path, "{}");
  assert_non_null(cg_json_str(r, "code") ? r : cg_json_get(r, "type"));
  cJSON_Delete(r);
}

static bool line_cancelled(struct e2e *t, void *arg)
{
  (void)t;
  const struct want *w = arg;
  cJSON *o = wms_order(w->ref);
  const cJSON *l;
  bool ok = false;
  cJSON_ArrayForEach(l, cg_json_get(o, "lines"))
  {
    if (strcmp(cg_json_str(l, "lineRef"), w->value) == 0)
      ok = cg_json_int(l, "cancelled", 0) == cg_json_int(l, "ordered", -1);
  }
  cJSON_Delete(o);
  return ok;
}

/* One line cancelled in Centra; the warehouse then ships the order: the
 * cancelled line's units never ship, the others all do. */
static void test_cancel_line(const cJSON *order)
{
  const char *ref = ref_of(order);
  const cJSON *first = cJSON_GetArrayItem(cg_json_get(order, "lines"), 0);
  const char *line = cg_json_str(first, "lineRef");
  char body[160];
  snprintf(body, sizeof(body), "{\"cancelLines\": [{\"id\": %s}]}", line);
  centra_change(ref, "", body);
  struct want w = {ref, line};
  if (!e2e_wait(&T, 60, line_cancelled, &w))
    fail_msg("line %s of %s not cancelled at the warehouse; see %s", line, ref,
             T.dir);
  wait_for(state_is, ref, "accepted");
  char path[128];
  snprintf(path, sizeof(path), "/_sim/wms/orders/%s/dispatch", ref);
  dispatch_post_ok(&T, 'g', path, "{}");
  wait_for(state_is, ref, "shipped");
  cJSON *o = wms_order(ref);
  const cJSON *l;
  cJSON_ArrayForEach(l, cg_json_get(o, "lines"))
  {
    bool gone = strcmp(cg_json_str(l, "lineRef"), line) == 0;
    assert_int_equal(cg_json_int(l, "shipped", -1),
                     gone ? 0 : cg_json_int(l, "ordered", -1));
  }
  cJSON_Delete(o);
  assert_int_equal(creates(ref), 1);
}

/* A change that cancels at the warehouse and sends the order again: a
 * second creation under a new key, accepted. */
static void expect_resent(const char *ref)
{
  struct want w = {ref, NULL};
  if (!e2e_wait(&T, 60, created_twice, &w))
    fail_msg("order %s was not sent again; see %s", ref, T.dir);
  wait_for(state_is, ref, "accepted");
  wait_for(wms_status_is, ref, "ACCEPTED");
  cJSON *o = wms_order(ref);
  const cJSON *keys = cg_json_get(o, "attempts.idempotencyKeys");
  cJSON *last = cJSON_GetArrayItem(keys, cJSON_GetArraySize(keys) - 1);
  assert_non_null(strstr(cJSON_IsString(last) ? last->valuestring : "", "-r"));
  cJSON_Delete(o);
  assert_int_equal(e2e_timeline_count(
                       &T, ref, "cancelled at the warehouse to re-send", NULL),
                   1);
}

static void test_hold_then_release(const char *ref)
{
  centra_change(ref, "", "{\"isOnHold\": true}");
  wait_for(wms_status_is, ref, "CANCELLED");
  wait_for(state_is, ref, "held");
  assert_int_equal(creates(ref), 1); /* not sent again while on hold */
  centra_change(ref, "", "{\"isOnHold\": false}");
  expect_resent(ref);
}

static void test_hold_then_cancel(const char *ref)
{
  centra_change(ref, "", "{\"isOnHold\": true}");
  wait_for(state_is, ref, "held");
  centra_change(ref, "", "{\"status\": \"CANCELLED\"}");
  wait_for(state_is, ref, "cancelled");
  assert_int_equal(creates(ref), 1);
  cJSON *o = wms_order(ref);
  assert_string_equal(cg_json_str(o, "status"), "CANCELLED");
  cJSON_Delete(o);
}

static bool sla_due_twice(struct e2e *t, void *arg)
{
  return e2e_timeline_count(t, arg, "sla.due", NULL) >= 2;
}

static void test_address_change(const char *ref)
{
  centra_change(ref, "/address",
                "{\"shippingAddress\": {\"address1\": \"Nygatan 5\"}}");
  expect_resent(ref);
  cJSON *o = wms_order(ref);
  const char *a1 = cg_json_str(o, "request.shipTo.address1");
  assert_non_null(a1);
  assert_string_equal(a1, "Nygatan 5");
  cJSON_Delete(o);
  /* The SLA watch ended while the order was held for the re-send, and
   * its new acceptance gets a deadline of its own. */
  if (!e2e_wait(&T, 30, sla_due_twice, (void *)ref))
    fail_msg("no new SLA deadline for re-sent order %s; see %s", ref, T.dir);
  assert_true(e2e_timeline_count(&T, ref, "sla.closed", NULL) >= 1);
}

static bool too_late_raised(struct e2e *t, void *arg)
{
  (void)arg;
  return e2e_open_exceptions(t, "shop", "CHANGE_TOO_LATE") == 1;
}

static void test_too_late(const char *ref)
{
  char path[128];
  snprintf(path, sizeof(path), "/_sim/wms/orders/%s/status", ref);
  dispatch_post_ok(&T, 'g', path, "{\"status\": \"PACKED\"}");
  /* The first two reads of the order's status fail: the refusal is
   * decided only once the warehouse says what it holds. */
  char rule[300];
  snprintf(rule, sizeof(rule),
           "{\"rules\": [{\"method\": \"GET\", \"path\":"
           " \"/wms/v1/orders/%s\", \"share500\": 1, \"limit\": 2}]}",
           ref);
  dispatch_post_ok(&T, 'g', "/_sim/faults", rule);
  centra_change(ref, "", "{\"status\": \"CANCELLED\"}");
  if (!e2e_wait(&T, 60, too_late_raised, NULL))
    fail_msg("no CHANGE_TOO_LATE for %s; see %s", ref, T.dir);
  cJSON *x = e2e_get(&T, 'a',
                     "/api/v1/merchants/shop/exceptions?type=CHANGE_TOO_LATE");
  const cJSON *e = cJSON_GetArrayItem(x, 0);
  assert_string_equal(cg_json_str(e, "key"), ref);
  assert_non_null(strstr(cg_json_str(e, "message"), ref));
  assert_non_null(strstr(cg_json_str(e, "message"), "cancelled in Centra"));
  assert_non_null(strstr(cg_json_str(e, "message"), "PACKED"));
  assert_string_equal(cg_json_str(e, "owner"), "customer-service");
  cJSON_Delete(x);
  cJSON *o = wms_order(ref);
  assert_string_equal(cg_json_str(o, "status"), "PACKED");
  cJSON_Delete(o);
}

/* The change is committed (its outbox row with it). */
static bool change_recorded(struct e2e *t, void *arg)
{
  return e2e_timeline_count(t, arg, "changed in Centra", NULL) >= 1;
}

/* Every cancel call of ref in the warehouse's call log has one key; how
 * many there were. */
static long cancel_calls_one_key(const char *ref)
{
  char path[128], key[200] = "";
  long n = 0;
  snprintf(path, sizeof(path), "/wms/v1/orders/%s/cancel", ref);
  cJSON *doc = e2e_get(&T, 'g', "/_sim/calls?side=gxo&limit=100000");
  const cJSON *c;
  cJSON_ArrayForEach(c, cg_json_get(doc, "calls"))
  {
    const char *k = cg_json_str(c, "idempotencyKey");
    if (strcmp(cg_json_str(c, "path"), path) != 0 || k == NULL)
      continue;
    if (key[0] == '\0')
      snprintf(key, sizeof(key), "%s", k);
    assert_string_equal(k, key);
    n++;
  }
  cJSON_Delete(doc);
  return n;
}

static void test_crash_during_cancel(const char *ref)
{
  cJSON *stats = e2e_get(&T, 'g', "/_sim/wms/stats");
  long cancels = (long)cg_json_int(stats, "cancels", -1);
  cJSON_Delete(stats);
  dispatch_post_ok(&T, 'g', "/_sim/faults",
                   "{\"rules\": [{\"method\": \"POST\", \"path\":"
                   " \"/wms/v1/orders/*/cancel\", \"latencyMs\": 3000}]}");
  centra_change(ref, "", "{\"status\": \"CANCELLED\"}");
  if (!e2e_wait(&T, 60, change_recorded, (void *)ref))
    fail_msg("the cancel of %s was never recorded; see %s", ref, T.dir);
  usleep(500 * 1000); /* the kill's point, not an assertion */
  e2e_engine_kill(&T);
  e2e_engine_start(&T);
  wait_for(state_is, ref, "cancelled");
  assert_int_equal(
      e2e_timeline_count(&T, ref, "cancelled at the warehouse", NULL), 1);
  stats = e2e_get(&T, 'g', "/_sim/wms/stats");
  assert_int_equal(cg_json_int(stats, "cancels", -1), cancels + 1);
  cJSON_Delete(stats);
  long calls = cancel_calls_one_key(ref);
  assert_true(calls >= 1);
  fprintf(stderr, "cancel of %s sent %ld time(s) under one key\n", ref, calls);
}

static void test_cancelled_there_already(const char *ref)
{
  char path[128];
  snprintf(path, sizeof(path), "/_sim/wms/orders/%s/close", ref);
  dispatch_post_ok(&T, 'g', path, "{\"remainder\": \"IC\"}");
  wait_for(state_is, ref, "closed");
  cJSON *stats = e2e_get(&T, 'g', "/_sim/wms/stats");
  long cancels = (long)cg_json_int(stats, "cancels", -1);
  cJSON_Delete(stats);
  centra_change(ref, "", "{\"status\": \"CANCELLED\"}");
  usleep(2000 * 1000); /* time for a wrong cancel to be sent, if any */
  char st[32];
  dispatch_order_state(&T, ref, st, sizeof(st));
  assert_string_equal(st, "closed");
  assert_int_equal(e2e_open_exceptions(&T, "shop", "CHANGE_TOO_LATE"), 1);
  stats = e2e_get(&T, 'g', "/_sim/wms/stats");
  assert_int_equal(cg_json_int(stats, "cancels", -1), cancels);
  cJSON_Delete(stats);
  cJSON *o = wms_order(ref);
  assert_string_equal(cg_json_str(o, "status"), "CLOSED");
  cJSON_Delete(o);
}

static bool review_raised(struct e2e *t, void *arg)
{
  (void)arg;
  return e2e_open_exceptions(t, "shop", "CHANGE_REVIEW") == 1;
}

/* An address change after the warehouse shipped part of the order: a
 * re-send would ship that part twice, so operations decide
 * (CHANGE_REVIEW) and nothing is cancelled or sent again. */
static void test_resend_partly_shipped(const cJSON *order)
{
  const char *ref = ref_of(order);
  const cJSON *l = cJSON_GetArrayItem(cg_json_get(order, "lines"), 0);
  char path[128], body[200];
  snprintf(path, sizeof(path), "/_sim/wms/orders/%s/dispatch", ref);
  snprintf(body, sizeof(body),
           "{\"lines\": [{\"lineRef\": \"%s\", \"quantity\": 1}]}",
           cg_json_str(l, "lineRef"));
  dispatch_post_ok(&T, 'g', path, body);
  if (!dispatch_wait_settled(&T, 60))
    fail_msg("the partial consignment of %s is not in Centra; see %s", ref,
             T.dir);
  centra_change(ref, "/address",
                "{\"shippingAddress\": {\"address1\": \"Nygatan 7\"}}");
  if (!e2e_wait(&T, 60, review_raised, NULL))
    fail_msg("no CHANGE_REVIEW for %s; see %s", ref, T.dir);
  assert_int_equal(creates(ref), 1);
  cJSON *o = wms_order(ref);
  assert_string_not_equal(cg_json_str(o, "status"), "CANCELLED");
  cJSON_Delete(o);
}

static void test_changes(void **state)
{
  struct picks p = {0};
  pick(&p);
  test_cancel_whole(ref_of(p.other[0]));
  test_cancel_line(p.lines);
  test_hold_then_release(ref_of(p.other[1]));
  test_address_change(ref_of(p.other[2]));
  test_too_late(ref_of(p.other[3]));
  test_cancelled_there_already(ref_of(p.other[5]));
  test_hold_then_cancel(ref_of(p.other[6]));
  test_crash_during_cancel(ref_of(p.other[4]));
  test_resend_partly_shipped(p.multi);
  /* The engine refused nothing it sent: every cancel it made was one the
   * warehouse took or refused as too late. */
  assert_int_equal(e2e_open_exceptions(&T, "shop", "SYNC_FAILURE"), 0);
  assert_int_equal(e2e_open_exceptions(&T, "shop", "RULE_ERROR"), 0);
  cJSON_Delete(p.wms);
}

static void start(long orders, unsigned seed, const char *extra_config,
                  const char *rules)
{
  dispatch_start(&T, e2e_scenario(orders, 0), orders, seed, rules,
                 extra_config);
}

static int setup_events(void **state)
{
  start(12, 47, NULL, NULL);
  return 0;
}

static int setup_poll_only(void **state)
{
  start(4, 59,
        "merchants[1].centra.events = false\n"
        "merchants[1].schedules.poll_orders = 1\n",
        NULL);
  return 0;
}

static void test_follow_poll(void **state)
{
  struct picks p = {0};
  p.wms = dispatch_wms_orders(&T);
  const char *a = ref_of(cJSON_GetArrayItem(dispatch_orders_of(p.wms), 0));
  const char *b = ref_of(cJSON_GetArrayItem(dispatch_orders_of(p.wms), 1));
  test_cancel_whole(a);
  test_hold_then_release(b);
  assert_int_equal(e2e_open_exceptions(&T, "shop", "SYNC_FAILURE"), 0);
  cJSON_Delete(p.wms);
}

/* The reference pack with an orders.lua of one hook: everything else
 * falls back to scripts/cg (its own order tests expect the default). */
static int setup_ask(void **state)
{
  char *dir = tu_tmpdir("pack");
  char cmd[1400], path[700];
  snprintf(pack_dir, sizeof(pack_dir), "%s", dir);
  cg_free(dir);
  snprintf(cmd, sizeof(cmd), "cp -r '%s/rules/default' '%s/p' && rm '%s/p/%s'",
           tu_source_dir(), pack_dir, pack_dir, "tests/orders.lua");
  assert_int_equal(system(cmd), 0);
  snprintf(path, sizeof(path), "%s/p/orders.lua", pack_dir);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs("return { on_change = function(order, change)\n"
        "  return { action = \"ask\", message = \"fix it by hand\" }\n"
        "end }\n",
        f);
  fclose(f);
  snprintf(path, sizeof(path), "%s/p", pack_dir);
  start(2, 61, NULL, path);
  return 0;
}

static void test_ask(void **state)
{
  cJSON *wms = dispatch_wms_orders(&T);
  const char *ref = ref_of(cJSON_GetArrayItem(dispatch_orders_of(wms), 0));
  centra_change(ref, "/address",
                "{\"shippingAddress\": {\"address1\": \"Nygatan 5\"}}");
  if (!e2e_wait(&T, 60, review_raised, NULL))
    fail_msg("no CHANGE_REVIEW for %s; see %s", ref, T.dir);
  cJSON *x =
      e2e_get(&T, 'a', "/api/v1/merchants/shop/exceptions?type=CHANGE_REVIEW");
  const char *msg = cg_json_str(cJSON_GetArrayItem(x, 0), "message");
  assert_non_null(strstr(msg, "shipping address changed"));
  assert_non_null(strstr(msg, "fix it by hand"));
  cJSON_Delete(x);
  cJSON *o = wms_order(ref);
  assert_string_equal(cg_json_str(o, "status"), "ACCEPTED");
  assert_int_equal(cg_json_int(o, "attempts.creates", -1), 1);
  cJSON_Delete(o);
  cJSON *stats = e2e_get(&T, 'g', "/_sim/wms/stats");
  assert_int_equal(cg_json_int(stats, "cancels", -1), 0);
  cJSON_Delete(stats);
  cJSON_Delete(wms);
}

static int teardown(void **state)
{
  e2e_engine_stop(&T);
  e2e_teardown(&T);
  if (pack_dir[0] != '\0')
    tu_rmtree(pack_dir);
  pack_dir[0] = '\0';
  return 0;
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_changes, setup_events, teardown),
      cmocka_unit_test_setup_teardown(test_follow_poll, setup_poll_only,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_ask, setup_ask, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
