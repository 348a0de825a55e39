/*
 * End to end (issue 9): warehouse consignments become Centra shipments.
 * Orders go to the warehouse simulator and are accepted; then the test
 * dispatches them through the simulator's control API (each event
 * reaches the engine twice: signed webhook and event feed):
 *
 *   - one consignment in two parcels: one Centra shipment, completed,
 *     packagesNumber 2, the first parcel's tracking number, the pack's
 *     carrier name, one e-mail; the order is shipped and every parcel's
 *     tracking is in its timeline;
 *   - a split over two consignments: the first leaves the order open
 *     (not shipped), the second closes it; two shipments;
 *   - the same consignment again under a new event id: nothing new;
 *   - bad data (unknown order, unknown line, more than is open, no
 *     shippedAt time, a carrier the pack cannot name): an exception each
 *     with the payload, and no Centra write;
 *   - the operator's retry after the fix: a consignment for an order the
 *     engine does not know yet (on hold in Centra) is held; the hold is
 *     released, the order reaches the engine, the exception is retried
 *     and the consignment becomes its Centra shipment;
 *   - Centra refuses the shipments read (the simulator answers the root
 *     field with a GraphQL error): the consignment is held (SYNC_FAILURE
 *     with Centra's message) and nothing is created; once Centra answers
 *     again, the operator's retry makes it the order's one shipment.
 */
#include "e2e.h"
#include "e2e_dispatch.h"

#include "base/json.h"
#include "base/mem.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct e2e T;

static long post_gxo_webhook(const cJSON *envelope)
{
  char *body = cg_json_print(envelope);
  long status =
      e2e_post_webhook(&T, "gxo", "gxo-webhook-secret", time(NULL), body);
  cg_free(body);
  return status;
}

/* A shipment.confirmed envelope with data (taken). */
static cJSON *envelope(const char *event_id, cJSON *data)
{
  cJSON *e = cJSON_CreateObject();
  cg_json_add_str(e, "eventId", event_id);
  cg_json_add_str(e, "eventType", "shipment.confirmed");
  cg_json_add_int(e, "eventVersion", 1);
  cg_json_add_int(e, "sequence", 900000);
  cg_json_add_str(e, "occurredAt", "2026-03-04T15:01:50Z");
  cJSON_AddItemToObject(e, "data", data);
  return e;
}

/* A consignment of one parcel holding qty of line ref. */
static cJSON *consignment(const char *shipment_id, const char *order_ref,
                          const char *line_ref, long qty, bool carrier)
{
  char text[1024];
  snprintf(text, sizeof(text),
           "{\"orderRef\":\"%s\",\"shipmentId\":\"%s\",\"shipmentSeq\":1,"
           "\"shippedAt\":\"2026-03-04T15:01:50Z\",\"carrier\":%s,"
           "\"parcels\":[{\"parcelId\":\"P-%s\",\"trackingNumber\":\"T-%s\","
           "\"trackingUrl\":\"https://tracking.example/T-%s\",\"lines\":"
           "[{\"lineRef\":\"%s\",\"quantity\":%ld}]}],\"orderComplete\":false}",
           order_ref, shipment_id,
           carrier ? "{\"carrierCode\":\"POSTNORD\","
                     "\"serviceCode\":\"PN-MYPACK-HOME\"}"
                   : "{}",
           shipment_id, shipment_id, shipment_id, line_ref, qty);
  return cJSON_Parse(text);
}

static const char *first_line(const cJSON *order)
{
  return cg_json_str(cJSON_GetArrayItem(cg_json_get(order, "lines"), 0),
                     "lineRef");
}

static void dispatch(const char *ref, const char *body)
{
  char path[128];
  snprintf(path, sizeof(path), "/_sim/wms/orders/%s/dispatch", ref);
  cJSON *r = e2e_post(&T, 'g', path, body);
  assert_non_null(r);
  cJSON_Delete(r);
}

static void expect_state(const char *number, const char *want)
{
  char st[32];
  dispatch_order_state(&T, number, st, sizeof(st));
  if (strcmp(st, want) != 0)
    fail_msg("order %s is %s, want %s", number, st, want);
}

/* Orders picked from the warehouse: a (any), b (2+ units), d (unused). */
struct picks {
  cJSON *wms;
  const cJSON *a, *b, *d;
};

static void pick(struct picks *p)
{
  const cJSON *o;
  p->wms = dispatch_wms_orders(&T);
  cJSON_ArrayForEach(o, dispatch_orders_of(p->wms))
  {
    if (p->b == NULL && dispatch_units(o) >= 2)
      p->b = o;
    else if (p->a == NULL)
      p->a = o;
    else if (p->d == NULL)
      p->d = o;
  }
  assert_true(p->a && p->b && p->d);
}

static void test_single_split_duplicate(void **state)
{
  struct picks p = {0};
  pick(&p);
  const char *a = cg_json_str(p.a, "orderRef");
  const char *b = cg_json_str(p.b, "orderRef");
  dispatch(a, dispatch_units(p.a) >= 2 ? "{\"parcelCount\": 2}" : "{}");
  char body[256];
  snprintf(body, sizeof(body),
           "{\"lines\": [{\"lineRef\": \"%s\", \"quantity\": 1}]}",
           first_line(p.b));
  dispatch(b, body);
  if (!dispatch_wait_settled(&T, 30))
    fail_msg("first consignments not in Centra; see %s", T.dir);
  assert_int_equal(dispatch_verify(&T), 2);
  expect_state(a, "shipped");
  expect_state(b, "accepted"); /* a partial never closes the order */
  assert_int_equal(
      e2e_timeline_count(&T, a, "parcel", "https://tracking.example/"),
      dispatch_units(p.a) >= 2 ? 2 : 1);
  dispatch(b, "{}"); /* the rest, days later */
  if (!dispatch_wait_settled(&T, 30))
    fail_msg("second consignment not in Centra; see %s", T.dir);
  assert_int_equal(dispatch_verify(&T), 3);
  expect_state(b, "shipped");

  /* The feed replays a's consignment under a new event id: nothing. */
  cJSON *wms = dispatch_wms_orders(&T);
  long before = dispatch_centra_completed(&T);
  const cJSON *o;
  cJSON_ArrayForEach(o, dispatch_orders_of(wms))
  {
    if (strcmp(cg_json_str(o, "orderRef"), a) != 0)
      continue;
    cJSON *data = cJSON_Duplicate(
        cJSON_GetArrayItem(cg_json_get(o, "shipments"), 0), true);
    cJSON *env = envelope("replayed-1", data);
    assert_int_equal(post_gxo_webhook(env), 200);
    cJSON_Delete(env);
  }
  cJSON_Delete(wms);
  assert_int_equal(dispatch_verify(&T), 3);
  assert_int_equal(dispatch_centra_completed(&T), before);
  assert_int_equal(e2e_timeline_count(&T, a, "consignment received", NULL), 1);
  assert_int_equal(e2e_metric(&T, "cg_consignments_received_total"), 3);
  assert_int_equal(e2e_metric(&T, "cg_consignments_shipped_total"), 3);
  cJSON_Delete(p.wms);
}

static bool unmapped_raised(struct e2e *t, void *arg)
{
  (void)arg;
  return e2e_open_exceptions(t, "shop", "UNMAPPED_CARRIER") == 1;
}

static void test_bad_data(void **state)
{
  struct picks p = {0};
  pick(&p);
  const char *a = cg_json_str(p.a, "orderRef");
  const char *d = cg_json_str(p.d, "orderRef");
  long before = dispatch_centra_completed(&T);
  cJSON *cases[] = {
      consignment("BAD-ORDER", "999999", first_line(p.a), 1, true),
      consignment("BAD-LINE", d, "424242", 1, true),
      consignment("BAD-QTY", a, first_line(p.a), 1, true), /* all shipped */
  };
  for (size_t i = 0; i < 3; i++) {
    char id[32];
    snprintf(id, sizeof(id), "bad-event-%zu", i);
    cJSON *env = envelope(id, cases[i]);
    assert_int_equal(post_gxo_webhook(env), 200);
    cJSON_Delete(env);
  }
  assert_int_equal(e2e_open_exceptions(&T, "shop", "DISPATCH_INVALID"), 3);
  cJSON *x = e2e_get(&T, 'a',
                     "/api/v1/merchants/shop/exceptions?type=DISPATCH_INVALID");
  const cJSON *e;
  cJSON_ArrayForEach(e, x)
  {
    assert_non_null(strstr(cg_json_str(e, "message"), "warehouse payload"));
    assert_string_equal(cg_json_str(e, "entity"), "dispatch");
  }
  cJSON_Delete(x);
  /* A carrier the pack cannot name back: held at delivery, before any
   * Centra write. */
  cJSON *env =
      envelope("bad-event-carrier",
               consignment("BAD-CARRIER", d, first_line(p.d), 1, false));
  assert_int_equal(post_gxo_webhook(env), 200);
  cJSON_Delete(env);
  if (!e2e_wait(&T, 20, unmapped_raised, NULL))
    fail_msg("no UNMAPPED_CARRIER; see %s", T.dir);
  assert_int_equal(dispatch_centra_completed(&T), before);
  cJSON *ships = e2e_get(&T, 'c', "/_sim/centra/shipments");
  long total = cJSON_GetArraySize(ships);
  cJSON_Delete(ships);
  assert_int_equal(total, before); /* nothing created either */
  /* An empty shippedAt: Centra would refuse the completion on every
   * retry, so it is held at intake. */
  cJSON *no_time = consignment("BAD-TIME", d, first_line(p.d), 1, true);
  cJSON_ReplaceItemInObjectCaseSensitive(no_time, "shippedAt",
                                         cJSON_CreateString(""));
  env = envelope("bad-event-time", no_time);
  assert_int_equal(post_gxo_webhook(env), 200);
  cJSON_Delete(env);
  assert_int_equal(e2e_open_exceptions(&T, "shop", "DISPATCH_INVALID"), 4);
  assert_int_equal(dispatch_centra_completed(&T), before);
  expect_state(d, "accepted");
  cJSON_Delete(p.wms);
}

/* A Centra order on hold (the engine does not take it): its number, and
 * its first line id in line_ref. */
static long held_order(char *line_ref, size_t size)
{
  cJSON *r = e2e_post(
      &T, 'c', "/_sim/centra/orders",
      "{\"isOnHold\": true, \"shippingOption\": {\"id\": 1, \"name\":"
      " \"PostNord Home\", \"uri\": \"postnord-home\"},"
      " \"shippingAddress\": {\"firstName\": \"Anna\", \"lastName\":"
      " \"Svensson\", \"address1\": \"Storgatan 1\", \"city\":"
      " \"Stockholm\", \"zipCode\": \"11122\", \"country\": \"SE\","
      " \"email\": \"anna@example.com\", \"phoneNumber\": \"+46701234567\"},"
      " \"lines\": [{\"sku\": \"M411740BLK38\", \"quantity\": 1,"
      " \"unitPrice\": 100}]}");
  const cJSON *o = cJSON_IsArray(r)
                       ? cJSON_GetArrayItem(r, 0)
                       : cJSON_GetArrayItem(cg_json_get(r, "orders"), 0);
  long number = (long)cg_json_int(o, "number", 0);
  snprintf(line_ref, size, "%lld",
           (long long)cg_json_int(
               cJSON_GetArrayItem(cg_json_get(o, "lines"), 0), "id", 0));
  cJSON_Delete(r);
  assert_true(number > 0);
  return number;
}

static bool order_known(struct e2e *t, void *arg)
{
  char st[32];
  dispatch_order_state(t, arg, st, sizeof(st));
  return strcmp(st, "queued") == 0 || strcmp(st, "sent") == 0 ||
         strcmp(st, "accepted") == 0;
}

static bool retried_shipped(struct e2e *t, void *arg)
{
  char st[32];
  dispatch_order_state(t, arg, st, sizeof(st));
  return strcmp(st, "shipped") == 0;
}

static void test_retry_after_fix(void **state)
{
  char line[32], number[32], path[160];
  snprintf(number, sizeof(number), "%ld", held_order(line, sizeof(line)));
  long invalid = e2e_open_exceptions(&T, "shop", "DISPATCH_INVALID");
  cJSON *env =
      envelope("retry-event", consignment("RETRY-1", number, line, 1, true));
  assert_int_equal(post_gxo_webhook(env), 200);
  cJSON_Delete(env);
  assert_int_equal(e2e_open_exceptions(&T, "shop", "DISPATCH_INVALID"),
                   invalid + 1);
  /* The fix: the hold is released, the order reaches the engine. */
  snprintf(path, sizeof(path), "/_sim/centra/orders/%s", number);
  cJSON *r = e2e_post(&T, 'c', path, "{\"isOnHold\": false}");
  cJSON_Delete(r);
  if (!e2e_wait(&T, 30, order_known, number))
    fail_msg("order %s not taken after its release; see %s", number, T.dir);
  cJSON *x = e2e_get(&T, 'a',
                     "/api/v1/merchants/shop/exceptions?type=DISPATCH_INVALID");
  const cJSON *e;
  long id = 0;
  cJSON_ArrayForEach(e, x)
  {
    if (strcmp(cg_json_str(e, "key"), "RETRY-1") == 0)
      id = (long)cg_json_int(e, "id", 0);
  }
  cJSON_Delete(x);
  assert_true(id > 0);
  snprintf(path, sizeof(path), "/api/v1/merchants/shop/exceptions/%ld/retry",
           id);
  r = e2e_post(&T, 'a', path, "{}");
  cJSON_Delete(r);
  if (!e2e_wait(&T, 30, retried_shipped, number))
    fail_msg("order %s not shipped after the retry; see %s", number, T.dir);
  cJSON *ships = e2e_get(&T, 'c', "/_sim/centra/shipments");
  const cJSON *s;
  int found = 0;
  cJSON_ArrayForEach(s, ships)
  {
    const char *m = cg_json_str(s, "additionalMessage");
    found += m && strcmp(m, "gxo:RETRY-1") == 0 &&
             cg_json_bool(s, "isShipped", false);
  }
  cJSON_Delete(ships);
  assert_int_equal(found, 1);
  assert_int_equal(e2e_open_exceptions(&T, "shop", "DISPATCH_INVALID"),
                   invalid);
}

static bool sync_failures(struct e2e *t, void *arg)
{
  return e2e_open_exceptions(t, "shop", "SYNC_FAILURE") == *(long *)arg;
}

/* The open SYNC_FAILURE on dispatch whose message names ref: its id. */
static long sync_failure_of(const char *ref)
{
  cJSON *x =
      e2e_get(&T, 'a', "/api/v1/merchants/shop/exceptions?type=SYNC_FAILURE");
  const cJSON *e;
  long id = 0;
  cJSON_ArrayForEach(e, x)
  {
    const char *msg = cg_json_str(e, "message");
    if (strcmp(cg_json_str(e, "entity"), "dispatch") == 0 && msg &&
        strstr(msg, ref) && strstr(msg, "not for this token"))
      id = (long)cg_json_int(e, "id", 0);
  }
  cJSON_Delete(x);
  return id;
}

/* How many shipments Centra holds for order ref. */
static long centra_shipments_of(const char *ref)
{
  char path[128];
  snprintf(path, sizeof(path), "/_sim/centra/orders/%s", ref);
  cJSON *o = e2e_get(&T, 'c', path);
  long n = cJSON_GetArraySize(cg_json_get(o, "shipments"));
  cJSON_Delete(o);
  return n;
}

/* An order of list the other tests left alone: accepted, and no
 * shipment in Centra. */
static const char *untouched(const cJSON *list)
{
  for (int i = cJSON_GetArraySize(list) - 1; i >= 0; i--) {
    char st[32];
    const char *ref = cg_json_str(cJSON_GetArrayItem(list, i), "orderRef");
    dispatch_order_state(&T, ref, st, sizeof(st));
    if (strcmp(st, "accepted") == 0 && centra_shipments_of(ref) == 0)
      return ref;
  }
  return NULL;
}

static void test_shipments_refused(void **state)
{
  cJSON *wms = dispatch_wms_orders(&T);
  const char *ref = untouched(dispatch_orders_of(wms));
  assert_non_null(ref);
  long want = e2e_open_exceptions(&T, "shop", "SYNC_FAILURE") + 1;
  dispatch_post_ok(&T, 'c', "/_sim/centra/refuse",
                   "{\"field\": \"shipments\","
                   " \"message\": \"not for this token\"}");
  dispatch(ref, "{}");
  if (!e2e_wait(&T, 30, sync_failures, &want))
    fail_msg("no SYNC_FAILURE for order %s; see %s", ref, T.dir);
  long id = sync_failure_of(ref);
  assert_true(id > 0);
  assert_int_equal(centra_shipments_of(ref), 0);
  expect_state(ref, "accepted");
  /* Centra answers again; the operator retries. */
  dispatch_post_ok(&T, 'c', "/_sim/centra/refuse", "{\"field\": null}");
  char path[160];
  snprintf(path, sizeof(path), "/api/v1/merchants/shop/exceptions/%ld/retry",
           id);
  cJSON_Delete(e2e_post(&T, 'a', path, "{}"));
  if (!e2e_wait(&T, 30, retried_shipped, (void *)ref))
    fail_msg("order %s not shipped after the retry; see %s", ref, T.dir);
  assert_int_equal(centra_shipments_of(ref), 1);
  cJSON_Delete(wms);
}

/* Centra refuses the externalId tag: the tag is only for people, so the
 * shipment is completed all the same (one e-mail), the refusal is in the
 * order's timeline, and nothing is held. */
static void test_tag_refused(void **state)
{
  cJSON *wms = dispatch_wms_orders(&T);
  const char *ref = untouched(dispatch_orders_of(wms));
  assert_non_null(ref);
  long failures = e2e_open_exceptions(&T, "shop", "SYNC_FAILURE");
  dispatch_post_ok(&T, 'c', "/_sim/centra/refuse",
                   "{\"field\": \"updateShipment\","
                   " \"message\": \"externalId is taken\"}");
  dispatch(ref, "{}");
  if (!e2e_wait(&T, 30, retried_shipped, (void *)ref))
    fail_msg("order %s not shipped with its tag refused; see %s", ref, T.dir);
  dispatch_post_ok(&T, 'c', "/_sim/centra/refuse", "{\"field\": null}");
  assert_int_equal(centra_shipments_of(ref), 1);
  assert_int_equal(e2e_timeline_count(&T, ref, "tag refused", "taken"), 1);
  assert_int_equal(e2e_open_exceptions(&T, "shop", "SYNC_FAILURE"), failures);
  cJSON_Delete(wms);
}

static int setup(void **state)
{
  dispatch_start(&T, e2e_scenario(12, 0), 12, 31, NULL, NULL);
  return 0;
}

static int teardown(void **state)
{
  e2e_engine_stop(&T);
  e2e_teardown(&T);
  return 0;
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_single_split_duplicate),
      cmocka_unit_test(test_bad_data),
      cmocka_unit_test(test_retry_after_fix),
      cmocka_unit_test(test_shipments_refused),
      cmocka_unit_test(test_tag_refused),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
