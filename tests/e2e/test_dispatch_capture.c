/*
 * End to end (issue 9): the payment capture of dispatched consignments.
 *
 *   - the payment provider declines (simulator switch): Centra completes
 *     the shipment uncaptured and says so only in userWarnings and
 *     isCaptured; the shipment is still completed (one shipment, one
 *     e-mail) and CAPTURE_FAILED (owner finance) names the order and the
 *     amount;
 *   - the operator retries while the provider still declines:
 *     captureShipment fails, CAPTURE_FAILED again, nothing else changes;
 *   - the provider accepts again and the operator retries: the shipment
 *     is captured (captureShipment), the exception resolved, still one
 *     shipment;
 *   - a pack that captures manually: the shipment is created without
 *     capture and no exception is raised;
 *   - a pack that captures manually for one payment method only (the
 *     canonical order's paymentMethod): that order's shipment is created
 *     without capture, the other's with it, while the provider declines.
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

static struct e2e T;
static char *pack_dir;

/* Warehouse order i (a copy, caller frees) and its one consignment's
 * shipmentId once Centra completed it. */
static cJSON *ship_nth(int i, char *shipment_id, size_t size)
{
  cJSON *doc = dispatch_wms_orders(&T);
  cJSON *o =
      cJSON_Duplicate(cJSON_GetArrayItem(dispatch_orders_of(doc), i), true);
  cJSON_Delete(doc);
  assert_non_null(o);
  char path[128];
  snprintf(path, sizeof(path), "/_sim/wms/orders/%s/dispatch",
           cg_json_str(o, "orderRef"));
  dispatch_post_ok(&T, 'g', path, "{}");
  if (!settle_wait_state(&T, cg_json_str(o, "orderRef"), "shipped", 60))
    fail_msg("order %s not shipped; see %s", cg_json_str(o, "orderRef"), T.dir);
  snprintf(path, sizeof(path), "/_sim/wms/orders/%s",
           cg_json_str(o, "orderRef"));
  cJSON *w = e2e_get(&T, 'g', path);
  snprintf(shipment_id, size, "%s",
           cg_json_str(cJSON_GetArrayItem(cg_json_get(w, "shipments"), 0),
                       "shipmentId"));
  cJSON_Delete(w);
  return o;
}

static cJSON *ship_first(char *shipment_id, size_t size)
{
  return ship_nth(0, shipment_id, size);
}

static void decline(const char *why)
{
  char body[200];
  snprintf(body, sizeof(body), "{\"decline\": %s}", why ? why : "null");
  dispatch_post_ok(&T, 'c', "/_sim/centra/captures", body);
}

struct wait_x {
  const char *type, *key;
  const char *needle; /* in its message; NULL = none open */
};

static bool x_reached(struct e2e *t, void *arg)
{
  const struct wait_x *w = arg;
  cJSON *x = settle_exception(t, w->type, w->key);
  const char *msg = cg_json_str(x, "message");
  bool ok = w->needle == NULL ? x == NULL
                              : msg != NULL && strstr(msg, w->needle) != NULL;
  cJSON_Delete(x);
  return ok;
}

/* Waits until the open exception of type on key says needle (or, needle
 * NULL, until none is open); returns it (caller frees) or NULL. */
static cJSON *wait_exception(const char *type, const char *key,
                             const char *needle)
{
  struct wait_x w = {type, key, needle};
  if (!e2e_wait(&T, 60, x_reached, &w))
    fail_msg("no %s on %s saying %s; see %s", type, key,
             needle ? needle : "(none open)", T.dir);
  return settle_exception(&T, type, key);
}

struct wait_captured {
  const char *ref, *sid;
};

static bool captured_in_timeline(struct e2e *t, void *arg)
{
  const struct wait_captured *w = arg;
  return e2e_timeline_count(t, w->ref, "captured", w->sid) > 0;
}

/* The retry resolves the exception when it is requested, before the
 * capture runs: wait for the capture itself (its timeline entry). */
static void wait_captured(const char *ref, const char *sid)
{
  struct wait_captured w = {ref, sid};
  if (!e2e_wait(&T, 60, captured_in_timeline, &w))
    fail_msg("order %s: consignment %s never captured; see %s", ref, sid,
             T.dir);
}

static void expect_centra(const char *ref, long captured)
{
  long all, shipped, cap;
  settle_centra_shipments(&T, ref, &all, &shipped, &cap);
  assert_int_equal(all, 1);
  assert_int_equal(shipped, 1);
  assert_int_equal(cap, captured);
  cJSON *emails = e2e_get(&T, 'c', "/_sim/centra/emails");
  assert_int_equal(cJSON_GetArraySize(emails), 1);
  cJSON_Delete(emails);
}

static void test_declined_then_retried(void **state)
{
  char sid[64];
  decline("\"card expired\"");
  cJSON *o = ship_first(sid, sizeof(sid));
  const char *ref = cg_json_str(o, "orderRef");
  cJSON *x = wait_exception("CAPTURE_FAILED", sid, "card expired");
  const char *msg = cg_json_str(x, "message");
  assert_string_equal(cg_json_str(x, "owner"), "finance");
  char path[128];
  snprintf(path, sizeof(path), "/_sim/centra/orders/%s", ref);
  cJSON *co = e2e_get(&T, 'c', path);
  const char *cur = cg_json_str(co, "grandTotal.currency.code");
  if (strstr(msg, ref) == NULL || cur == NULL || strstr(msg, cur) == NULL)
    fail_msg("CAPTURE_FAILED message: %s", msg);
  cJSON_Delete(co);
  expect_centra(ref, 0);
  assert_int_equal(dispatch_verify(&T), 1);

  /* Retried while the provider still declines: failed again. */
  settle_retry(&T, (long)cg_json_int(x, "id", 0));
  cJSON_Delete(x);
  x = wait_exception("CAPTURE_FAILED", sid, "captureShipment");
  expect_centra(ref, 0);

  /* The provider accepts: the retry captures. */
  decline(NULL);
  settle_retry(&T, (long)cg_json_int(x, "id", 0));
  cJSON_Delete(x);
  wait_captured(ref, sid);
  cJSON_Delete(wait_exception("CAPTURE_FAILED", sid, NULL));
  expect_centra(ref, 1);
  assert_int_equal(e2e_timeline_count(&T, ref, "captured", sid), 1);
  assert_int_equal(dispatch_verify(&T), 1);
  cJSON_Delete(o);
}

static void test_manual_capture(void **state)
{
  char sid[64];
  cJSON *o = ship_first(sid, sizeof(sid));
  const char *ref = cg_json_str(o, "orderRef");
  expect_centra(ref, 0);
  assert_int_equal(e2e_open_exceptions(&T, "shop", "CAPTURE_FAILED"), 0);
  assert_int_equal(dispatch_verify(&T), 1);
  cJSON_Delete(o);
}

/* The payment method Centra holds for order ref (its authorisation). */
static char *method_of(const char *ref)
{
  char path[128];
  snprintf(path, sizeof(path), "/_sim/centra/orders/%s", ref);
  cJSON *co = e2e_get(&T, 'c', path);
  const char *m =
      cg_json_str(cJSON_GetArrayItem(cg_json_get(co, "paymentHistory"), 0),
                  "paymentMethod");
  char *out = cg_strdup(m ? m : "");
  cJSON_Delete(co);
  return out;
}

/* Orders paid by klarna (manual in the pack) and by "sim" (the default,
 * on_shipment) while the provider declines every capture: the klarna
 * order's shipment is created without capture (no CAPTURE_FAILED), the
 * other's with it (CAPTURE_FAILED). */
static void test_capture_per_method(void **state)
{
  decline("\"card expired\"");
  int klarna = 0, other = 0;
  for (int i = 0; i < 2; i++) {
    char sid[64];
    cJSON *o = ship_nth(i, sid, sizeof(sid));
    char *method = method_of(cg_json_str(o, "orderRef"));
    cJSON *x = settle_exception(&T, "CAPTURE_FAILED", sid);
    if (strcmp(method, "klarna") == 0) {
      klarna++;
      if (x != NULL)
        fail_msg("klarna order %s: %s", cg_json_str(o, "orderRef"),
                 cg_json_str(x, "message"));
    } else {
      other++;
      assert_non_null(x);
    }
    cJSON_Delete(x);
    cg_free(method);
    cJSON_Delete(o);
  }
  assert_int_equal(klarna, 1);
  assert_int_equal(other, 1);
  assert_int_equal(dispatch_verify(&T), 2);
}

static int start_with(const char *rules, const char *methods)
{
  char *scenario = e2e_scenario(3, 0);
  if (methods != NULL) { /* orders.paymentMethods of the generator */
    cJSON *doc = cJSON_Parse(scenario);
    cJSON_AddItemToObject(cJSON_GetObjectItemCaseSensitive(doc, "orders"),
                          "paymentMethods", cJSON_Parse(methods));
    cg_free(scenario);
    scenario = cg_json_print(doc);
    cJSON_Delete(doc);
  }
  dispatch_start(&T, scenario, 3, 47, rules, NULL);
  return 0;
}

static int start(const char *rules)
{
  return start_with(rules, NULL);
}

static int setup(void **state)
{
  return start(NULL);
}

static int setup_manual(void **state)
{
  pack_dir = e2e_pack_with("dispatch.lua",
                           "return { capture = { default = \"manual\" } }\n");
  assert_non_null(pack_dir);
  return start(pack_dir);
}

static int setup_per_method(void **state)
{
  pack_dir = e2e_pack_with("dispatch.lua",
                           "return { capture = { default = \"on_shipment\","
                           " klarna = \"manual\" } }\n");
  assert_non_null(pack_dir);
  return start_with(pack_dir, "[\"klarna\", \"sim\"]");
}

static int teardown(void **state)
{
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
  const struct CMUnitTest declined[] = {
      cmocka_unit_test(test_declined_then_retried),
  };
  const struct CMUnitTest manual[] = {
      cmocka_unit_test(test_manual_capture),
  };
  const struct CMUnitTest per_method[] = {
      cmocka_unit_test(test_capture_per_method),
  };
  int failed =
      cmocka_run_group_tests_name("declined", declined, setup, teardown);
  failed +=
      cmocka_run_group_tests_name("manual", manual, setup_manual, teardown);
  return failed + cmocka_run_group_tests_name("per method", per_method,
                                              setup_per_method, teardown);
}
