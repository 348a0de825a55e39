/*
 * End to end (issue 9): what the warehouse closed or cancelled without
 * shipping. Each event reaches the engine twice (signed webhook and event
 * feed); Centra's state is read back from the simulator:
 *
 *   - a short shipment (one unit shipped, the rest closed CP): Centra
 *     holds one completed shipment of that unit and every other unit
 *     cancelled (cancelLines), nothing more; the order is final
 *     ("shipped"); the same order.closed again under a new event id
 *     changes nothing;
 *   - a cancel whose answer was lost: Centra already holds the
 *     cancellation when order.closed arrives; the engine reads the
 *     order's lines first and cancels nothing twice;
 *   - the warehouse cancels a whole order (order.cancelled): every unit
 *     cancelled in Centra, no shipment; the order is final ("closed");
 *   - the warehouse cancels a unit, then ships one and closes the rest,
 *     back to back: the two remainders together cancel exactly what did
 *     not ship;
 *   - a pack that leaves remainders to operations: SHORT_SHIPPED (owner
 *     ops) naming the line and the units, and nothing cancelled; the
 *     order stays open. Operations cancel the units in Centra by hand and
 *     resolve the exception: the remainder counts as settled and the
 *     order becomes final ("shipped") with nothing more sent to Centra.
 */
#include "e2e.h"
#include "e2e_dispatch.h"
#include "e2e_pack.h"
#include "e2e_settle.h"

#include "base/json.h"
#include "base/mem.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

static struct e2e T;
static char *pack_dir;

/* Orders already used by a test of this run. */
static char taken[8][32];

static bool is_used(const char *ref)
{
  for (size_t i = 0; i < sizeof(taken) / sizeof(*taken); i++)
    if (strcmp(taken[i], ref) == 0)
      return true;
  return false;
}

static long first_line_units(const cJSON *o)
{
  return (long)cg_json_int(cJSON_GetArrayItem(cg_json_get(o, "lines"), 0),
                           "ordered", 0);
}

/* A warehouse order not used yet, of at least min_units units (at least
 * first_min of them on its first line), as a copy (caller frees); marked
 * used. */
static cJSON *wms_order_of(long min_units, long first_min)
{
  cJSON *doc = dispatch_wms_orders(&T);
  const cJSON *o;
  cJSON *out = NULL;
  cJSON_ArrayForEach(o, dispatch_orders_of(doc))
  {
    if (out == NULL && dispatch_units(o) >= min_units &&
        first_line_units(o) >= first_min &&
        !is_used(cg_json_str(o, "orderRef")))
      out = cJSON_Duplicate(o, true);
  }
  cJSON_Delete(doc);
  assert_non_null(out);
  for (size_t i = 0; i < sizeof(taken) / sizeof(*taken); i++)
    if (taken[i][0] == '\0') {
      snprintf(taken[i], sizeof(taken[i]), "%s", cg_json_str(out, "orderRef"));
      break;
    }
  return out;
}

static cJSON *wms_order(long min_units)
{
  return wms_order_of(min_units, 1);
}

static void act(const char *ref, const char *action, const char *body)
{
  char path[160];
  snprintf(path, sizeof(path), "/_sim/wms/orders/%s/%s", ref, action);
  dispatch_post_ok(&T, 'g', path, body);
}

/* Ships one unit of o's first line and closes the rest as CP. */
static void short_ship(const cJSON *o)
{
  char body[200];
  snprintf(
      body, sizeof(body),
      "{\"lines\": [{\"lineRef\": \"%s\", \"quantity\": 1}],"
      " \"remainder\": \"CP\"}",
      cg_json_str(cJSON_GetArrayItem(cg_json_get(o, "lines"), 0), "lineRef"));
  act(cg_json_str(o, "orderRef"), "short-ship", body);
}

/* Every line of o in Centra: the first keeps `first_kept` units, every
 * other none; the rest of each is cancelled. */
static void expect_lines(const cJSON *o, long first_kept)
{
  const char *ref = cg_json_str(o, "orderRef");
  const cJSON *l;
  int i = 0;
  cJSON_ArrayForEach(l, cg_json_get(o, "lines"))
  {
    long q = -1, c = -1, ordered = (long)cg_json_int(l, "ordered", 0);
    long kept = i++ == 0 ? first_kept : 0;
    assert_true(settle_centra_line(&T, ref, cg_json_str(l, "lineRef"), &q, &c));
    if (q != kept || c != ordered - kept)
      fail_msg("order %s line %s: %ld kept, %ld cancelled; want %ld, %ld", ref,
               cg_json_str(l, "lineRef"), q, c, kept, ordered - kept);
  }
}

static void expect_shipments(const char *ref, long want)
{
  long all, shipped, captured;
  settle_centra_shipments(&T, ref, &all, &shipped, &captured);
  assert_int_equal(all, want);
  assert_int_equal(shipped, want);
}

/* The order.closed of ref (the warehouse's closed lines), again under a
 * new event id. */
static void replay_closed(const char *ref)
{
  char path[128];
  snprintf(path, sizeof(path), "/_sim/wms/orders/%s", ref);
  cJSON *o = e2e_get(&T, 'g', path);
  cJSON *data = cJSON_CreateObject();
  cg_json_add_str(data, "orderRef", ref);
  cJSON_AddItemToObject(data, "lines",
                        cJSON_Duplicate(cg_json_get(o, "lines"), true));
  cJSON *e = cJSON_CreateObject();
  cg_json_add_str(e, "eventId", "replayed-closed");
  cg_json_add_str(e, "eventType", "order.closed");
  cg_json_add_int(e, "eventVersion", 1);
  cg_json_add_int(e, "sequence", 900001);
  cg_json_add_str(e, "occurredAt", "2026-03-05T10:00:00Z");
  cJSON_AddItemToObject(e, "data", data);
  char *body = cg_json_print(e);
  assert_int_equal(
      e2e_post_webhook(&T, "gxo", "gxo-webhook-secret", time(NULL), body), 200);
  cg_free(body);
  cJSON_Delete(e);
  cJSON_Delete(o);
}

static void test_short_shipment(void **state)
{
  cJSON *o = wms_order(2);
  const char *ref = cg_json_str(o, "orderRef");
  short_ship(o);
  if (!settle_wait_state(&T, ref, "shipped", 60))
    fail_msg("order %s not final after its short shipment; see %s", ref, T.dir);
  expect_shipments(ref, 1);
  expect_lines(o, 1);
  assert_int_equal(dispatch_verify(&T), 1);
  replay_closed(ref);
  assert_int_equal(e2e_timeline_count(&T, ref, "remainder settled", NULL), 1);
  expect_lines(o, 1);
  assert_int_equal(e2e_open_exceptions(&T, "shop", "SYNC_FAILURE"), 0);
  cJSON_Delete(o);
}

/* Centra already cancelled the units the warehouse will close. */
static void cancel_in_centra(const cJSON *o)
{
  char path[128], body[1024];
  size_t used = 0;
  const cJSON *l;
  int i = 0;
  used += (size_t)snprintf(body, sizeof(body), "{\"cancelLines\": [");
  cJSON_ArrayForEach(l, cg_json_get(o, "lines"))
  {
    long q = (long)cg_json_int(l, "ordered", 0) - (i == 0 ? 1 : 0);
    if (q > 0)
      used += (size_t)snprintf(
          body + used, sizeof(body) - used, "%s{\"id\": %s, \"quantity\": %ld}",
          used > 17 ? ", " : "", cg_json_str(l, "lineRef"), q);
    i++;
  }
  snprintf(body + used, sizeof(body) - used, "]}");
  snprintf(path, sizeof(path), "/_sim/centra/orders/%s",
           cg_json_str(o, "orderRef"));
  dispatch_post_ok(&T, 'c', path, body);
}

struct settled_want {
  const char *ref, *needle;
  int n;
};

static bool settled_n(struct e2e *t, void *arg)
{
  const struct settled_want *w = arg;
  return e2e_timeline_count(t, w->ref, "remainder settled", w->needle) >= w->n;
}

/* Exactly n "remainder settled" entries (with needle) once they are all
 * in: an order can be final before its last remainder settles (two of
 * one order settle one at a time, in either order, when a consignment's
 * write holds the order as the first one starts). */
static void expect_settled(const char *ref, const char *needle, int n)
{
  struct settled_want w = {ref, needle, n};
  if (!e2e_wait(&T, 60, settled_n, &w))
    fail_msg("order %s: fewer than %d remainders settled; see %s", ref, n,
             T.dir);
  assert_int_equal(e2e_timeline_count(&T, ref, "remainder settled", needle), n);
}

static void test_cancel_answer_lost(void **state)
{
  cJSON *o = wms_order(2);
  const char *ref = cg_json_str(o, "orderRef");
  cancel_in_centra(o);
  expect_lines(o, 1);
  short_ship(o);
  if (!settle_wait_state(&T, ref, "shipped", 60))
    fail_msg("order %s not final; see %s", ref, T.dir);
  expect_lines(o, 1); /* not cancelled twice */
  expect_shipments(ref, 1);
  expect_settled(ref, "nothing left open", 1);
  cJSON_Delete(o);
}

static void test_warehouse_cancel(void **state)
{
  cJSON *o = wms_order(1);
  const char *ref = cg_json_str(o, "orderRef");
  act(ref, "cancel", "{\"reason\": \"STOCK_DAMAGED\"}");
  if (!settle_wait_state(&T, ref, "closed", 60))
    fail_msg("order %s not closed after the warehouse cancelled it; see %s",
             ref, T.dir);
  expect_lines(o, 0);
  expect_shipments(ref, 0);
  char path[128];
  snprintf(path, sizeof(path), "/_sim/centra/orders/%s", ref);
  cJSON *c = e2e_get(&T, 'c', path);
  assert_string_equal(cg_json_str(c, "status"), "CANCELLED");
  cJSON_Delete(c);
  cJSON_Delete(o);
}

/* The warehouse cancels one unit of o's first line on its own; returns
 * that line's ref. */
static const char *cancel_one_unit(const cJSON *o)
{
  const char *line =
      cg_json_str(cJSON_GetArrayItem(cg_json_get(o, "lines"), 0), "lineRef");
  char body[200];
  snprintf(body, sizeof(body),
           "{\"lines\": [{\"lineRef\": \"%s\", \"quantity\": 1}],"
           " \"reason\": \"STOCK_DAMAGED\"}",
           line);
  act(cg_json_str(o, "orderRef"), "cancel", body);
  return line;
}

static bool settled_once(struct e2e *t, void *arg)
{
  return e2e_timeline_count(t, arg, "remainder settled", NULL) == 1;
}

/* Units of line ref the warehouse holds cancelled. */
static long wms_cancelled(const char *ref, const char *line)
{
  char path[128];
  snprintf(path, sizeof(path), "/_sim/wms/orders/%s", ref);
  cJSON *o = e2e_get(&T, 'g', path);
  const cJSON *l;
  long n = -1;
  cJSON_ArrayForEach(l, cg_json_get(o, "lines"))
  {
    if (strcmp(cg_json_str(l, "lineRef"), line) == 0)
      n = (long)cg_json_int(l, "cancelled", -1);
  }
  cJSON_Delete(o);
  return n;
}

/* The warehouse cancels one unit of an open order on its own: the engine
 * cancels it in Centra, and Centra's next version of the order (one unit
 * fewer) is its own doing, not the shop's: nothing more is cancelled at
 * the warehouse. (The change follower took it for the shop's cancel and
 * had a second unit cancelled there.) */
static void test_own_cancel_not_followed(void **state)
{
  cJSON *o = wms_order_of(2, 2);
  const char *ref = cg_json_str(o, "orderRef");
  const char *line = cancel_one_unit(o);
  if (!e2e_wait(&T, 60, settled_once, (void *)ref))
    fail_msg("remainder of %s not settled; see %s", ref, T.dir);
  usleep(2000 * 1000); /* time for Centra's update to be followed */
  assert_int_equal(e2e_timeline_count(&T, ref, "changed in Centra", NULL), 0);
  assert_int_equal(wms_cancelled(ref, line), 1);
  cJSON_Delete(o);
}

/* The warehouse cancels one unit of the first line, then ships one and
 * closes the rest, back to back: both remainders settle one at a time,
 * and together they cancel exactly what did not ship. */
static void test_cancel_then_close(void **state)
{
  cJSON *o = wms_order_of(2, 2);
  const char *ref = cg_json_str(o, "orderRef");
  cancel_one_unit(o);
  short_ship(o);
  if (!settle_wait_state(&T, ref, "shipped", 60))
    fail_msg("order %s not final; see %s", ref, T.dir);
  expect_lines(o, 1);
  expect_shipments(ref, 1);
  expect_settled(ref, NULL, 2);
  assert_int_equal(e2e_open_exceptions(&T, "shop", "SYNC_FAILURE"), 0);
  cJSON_Delete(o);
}

/* Operations cancel in Centra what did not ship and resolve exception
 * id: the order becomes final, and the engine cancels nothing itself. */
static void resolved_by_hand(const cJSON *o, long id)
{
  const char *ref = cg_json_str(o, "orderRef");
  char st[32], path[160];
  dispatch_order_state(&T, ref, st, sizeof(st));
  if (strcmp(st, "accepted") != 0)
    fail_msg("order %s is %s while its remainder is held", ref, st);
  cancel_in_centra(o);
  snprintf(path, sizeof(path), "/api/v1/merchants/shop/exceptions/%ld/resolve",
           id);
  cJSON_Delete(e2e_post(&T, 'a', path, "{}"));
  if (!settle_wait_state(&T, ref, "shipped", 30))
    fail_msg("order %s not final after the resolve; see %s", ref, T.dir);
  expect_lines(o, 1); /* the hand's cancels, nothing on top */
  expect_shipments(ref, 1);
  assert_int_equal(e2e_timeline_count(&T, ref, "remainder settled", NULL), 1);
  assert_int_equal(e2e_open_exceptions(&T, "shop", "SHORT_SHIPPED"), 0);
}

static void test_left_to_operations(void **state)
{
  cJSON *o = wms_order(2);
  const char *ref = cg_json_str(o, "orderRef");
  char key[64], line[64];
  short_ship(o);
  snprintf(key, sizeof(key), "closed:%s", ref);
  cJSON *x = NULL;
  for (int i = 0; x == NULL && i < 600; i++) {
    x = settle_exception(&T, "SHORT_SHIPPED", key);
    if (x == NULL)
      nanosleep(&(struct timespec){0, 100000000}, NULL);
  }
  if (x == NULL)
    fail_msg("no SHORT_SHIPPED for %s; see %s", ref, T.dir);
  assert_string_equal(cg_json_str(x, "owner"), "ops");
  snprintf(
      line, sizeof(line), "line %s: %ld",
      cg_json_str(cJSON_GetArrayItem(cg_json_get(o, "lines"), 0), "lineRef"),
      (long)cg_json_int(cJSON_GetArrayItem(cg_json_get(o, "lines"), 0),
                        "ordered", 0) -
          1);
  if (strstr(cg_json_str(x, "message"), ref) == NULL ||
      (strstr(cg_json_str(x, "message"), line) == NULL &&
       strcmp(line + strlen(line) - 3, ": 0") != 0))
    fail_msg("SHORT_SHIPPED message: %s", cg_json_str(x, "message"));
  if (!dispatch_wait_settled(&T, 30))
    fail_msg("the shipped unit is not in Centra; see %s", T.dir);
  expect_shipments(ref, 1);
  const cJSON *l;
  cJSON_ArrayForEach(l, cg_json_get(o, "lines"))
  {
    long q = -1, c = -1;
    assert_true(settle_centra_line(&T, ref, cg_json_str(l, "lineRef"), &q, &c));
    assert_int_equal(c, 0); /* nothing cancelled */
  }
  resolved_by_hand(o, (long)cg_json_int(x, "id", 0));
  cJSON_Delete(x);
  cJSON_Delete(o);
}

static int start(const char *rules, unsigned seed)
{
  dispatch_start(&T, e2e_scenario(12, 0), 12, seed, rules, NULL);
  return 0;
}

static int setup(void **state)
{
  return start(NULL, 41);
}

static int setup_hold(void **state)
{
  pack_dir =
      e2e_pack_with("dispatch.lua", "return { remainders = \"hold\" }\n");
  assert_non_null(pack_dir);
  return start(pack_dir, 43);
}

static int teardown(void **state)
{
  memset(taken, 0, sizeof(taken));
  e2e_engine_stop(&T);
  e2e_teardown(&T);
  e2e_pack_remove(pack_dir);
  cg_free(pack_dir);
  pack_dir = NULL;
  return 0;
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest cancel[] = {
      cmocka_unit_test(test_short_shipment),
      cmocka_unit_test(test_cancel_answer_lost),
      cmocka_unit_test(test_warehouse_cancel),
      cmocka_unit_test(test_cancel_then_close),
      cmocka_unit_test(test_own_cancel_not_followed),
  };
  const struct CMUnitTest hold[] = {
      cmocka_unit_test(test_left_to_operations),
  };
  int failed = cmocka_run_group_tests_name("cancel", cancel, setup, teardown);
  return failed +
         cmocka_run_group_tests_name("hold", hold, setup_hold, teardown);
}
