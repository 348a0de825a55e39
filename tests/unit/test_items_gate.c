/*
 * Unit tests of the order gate of the items flow (core/flows/
 * items_gate.c) on a real store, driven through the order flow's own
 * entry points (the gxo.order.create finish, the warehouse event
 * routing, the retry requests): an order refused for unknown SKUs waits
 * on those not accepted (a placeholder, urgent, for one never read); an
 * acceptance releases it only when its last SKU is accepted; a rejection
 * raises ITEM_REJECTED and names it in the order's UNKNOWN_SKU; an
 * item.rejected event rejects the current content; the retries of the
 * items flow's exceptions; queuing the order clears its waits.
 */
#include "store_fixture.h"

#include "base/json.h"
#include "flows/exceptions.h"
#include "flows/flow.h"
#include "flows/inbox.h"
#include "flows/items.h"
#include "flows/orders.h"
#include "flows/orders_internal.h"
#include "flows/outbox.h"
#include "flows/plan.h"
#include "store/store_items.h"

#include <stdio.h>
#include <string.h>

#define REASON                                                                 \
  "{\"code\":\"invalid-gtin\",\"pointer\":\"/gtin\",\"message\":\"bad "        \
  "check digit\",\"source\":\"warehouse\"}"

static struct cg_flow flow_of(struct fx *f)
{
  return (struct cg_flow){.merchant = "t", .store = f->s};
}

/* The warehouse answers about sku's current content: recorded and
 * settled in one transaction. */
static void answer(struct cg_flow *flow, const char *sku, bool accepted)
{
  struct cg_err err = {0};
  struct cg_store_item row = {0};
  enum cg_store_item_state st =
      accepted ? CG_STORE_ITEM_ACCEPTED : CG_STORE_ITEM_REJECTED;
  const char *reason = accepted ? NULL : REASON;
  if (cg_store_item_get(flow->store, sku, &row, NULL) != 0)
    row.hash[0] = '\0';
  assert_int_equal(cg_store_begin(flow->store, &err), 0);
  assert_int_equal(cg_store_item_answer(flow->store, sku, row.hash, 0, st,
                                        reason, 1000, NULL, &err),
                   0);
  assert_int_equal(cg_items_settled(flow, sku, accepted, reason, &err), 0);
  assert_int_equal(cg_store_commit(flow->store, &err), 0);
  cg_store_item_clear(&row);
}

/* Order number is queued with skus (the warehouse order), then its send
 * ends FAIL code (the gate's "item-not-accepted" or the warehouse's
 * "unknown-sku"), as the outbox's transaction applies it. */
static void refused_with(struct cg_flow *flow, const char *number,
                         const char *skus_json, const char *code)
{
  struct cg_err err = {0};
  char payload[256];
  snprintf(payload, sizeof(payload), "{\"orderRef\":\"%s\",\"lines\":%s}",
           number, skus_json);
  /* a Centra order the retry decides again without rules (no SKU) */
  struct cg_store_order o = {.number = (char *)number,
                             .state = CG_STORE_ORDER_QUEUED,
                             .payload =
                                 "{\"lines\":[{\"id\":1,\"quantity\":1}]}"};
  assert_int_equal(cg_store_order_upsert(flow->store, &o, &err), 0);
  struct cg_store_outbox_row row = {.kind = CG_ORDERS_KIND_CREATE,
                                    .entity_key = (char *)number,
                                    .payload = payload};
  struct cg_call_result res;
  cg_call_result_init(&res);
  cg_call_result_set(&res, CG_OUTCOME_FAIL, code, "B (pending)");
  assert_int_equal(cg_store_begin(flow->store, &err), 0);
  assert_int_equal(cg_orders_outbox_kinds[0].finish(flow, &row, &res), 0);
  assert_int_equal(cg_store_commit(flow->store, &err), 0);
}

/* The order gate (skus.c) refused to send order number. */
static void refused(struct cg_flow *flow, const char *number,
                    const char *skus_json)
{
  refused_with(flow, number, skus_json, "item-not-accepted");
}

/* The SKUs order waits on, "A,B" (sorted by the store). */
static const char *waits(struct cg_flow *flow, const char *number)
{
  static char out[128];
  struct cg_store_count_list l = {0};
  assert_int_equal(cg_store_item_waits_of(flow->store, number, &l, NULL), 0);
  out[0] = '\0';
  for (size_t i = 0; i < l.n; i++)
    snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s", i ? "," : "",
             l.items[i].name);
  cg_store_count_list_clear(&l);
  return out;
}

/* The open exception of type on the entity (id 0 when none). */
static struct cg_store_exception open_x(struct cg_flow *flow, const char *type,
                                        const char *kind, const char *key)
{
  struct cg_store_exception_filter flt = {
      .state = "open", .type = type, .entity_kind = kind, .entity_key = key};
  struct cg_store_exception_list l = {0};
  struct cg_store_exception x = {0};
  assert_int_equal(cg_store_exception_list(flow->store, &flt, &l, NULL), 0);
  assert_true(l.n <= 1);
  if (l.n == 1) {
    x = l.items[0];
    l.n = 0; /* moved */
  }
  cg_store_exception_list_clear(&l);
  return x;
}

static enum cg_store_item_state state_of(struct cg_flow *flow, const char *sku)
{
  enum cg_store_item_state st = CG_STORE_ITEM_NONE;
  assert_int_equal(cg_store_item_state(flow->store, sku, &st, NULL), 0);
  return st;
}

static void test_held_waits(void **state)
{
  struct cg_flow flow = flow_of(*state);
  struct cg_store_item row = {0};
  answer(&flow, "A", true);
  refused(&flow, "1001", "[{\"sku\":\"A\"},{\"sku\":\"B\"},{\"sku\":\"B\"}]");
  assert_string_equal(waits(&flow, "1001"), "B");
  assert_int_equal(state_of(&flow, "A"), CG_STORE_ITEM_ACCEPTED);
  assert_int_equal(cg_store_item_get(flow.store, "B", &row, NULL), 0);
  assert_int_equal(row.state, CG_STORE_ITEM_PENDING);
  assert_true(row.urgent);
  assert_null(row.doc); /* a placeholder: never read from Centra */
  cg_store_item_clear(&row);
  struct cg_store_exception x = open_x(&flow, "UNKNOWN_SKU", "order", "1001");
  assert_true(x.id > 0);
  cg_store_exception_clear(&x);
  enum cg_store_order_state st;
  assert_int_equal(cg_store_order_state(flow.store, "1001", &st, NULL), 0);
  assert_int_equal(st, CG_STORE_ORDER_HELD);
}

/* Exception id was resolved by the items flow with a note holding want. */
static void resolved_by_items(struct cg_flow *flow, int64_t id,
                              const char *want)
{
  struct cg_store_exception x = {0};
  assert_int_equal(cg_store_exception_get(flow->store, id, &x, NULL), 0);
  assert_string_equal(x.state, "resolved");
  assert_string_equal(x.resolved_by, "items");
  assert_non_null(strstr(x.resolution_note, want));
  cg_store_exception_clear(&x);
}

static void test_release_on_last(void **state)
{
  struct cg_flow flow = flow_of(*state);
  refused(&flow, "1001", "[{\"sku\":\"B\"},{\"sku\":\"C\"}]");
  refused(&flow, "1002", "[{\"sku\":\"C\"}]");
  assert_string_equal(waits(&flow, "1001"), "B,C");
  answer(&flow, "C", true);
  struct cg_store_exception x1 = open_x(&flow, "UNKNOWN_SKU", "order", "1001");
  struct cg_store_exception x2 = open_x(&flow, "UNKNOWN_SKU", "order", "1002");
  assert_int_equal(x1.retry_requested_at, 0); /* still waits on B */
  assert_true(x2.retry_requested_at > 0);     /* its only SKU */
  assert_string_equal(waits(&flow, "1001"), "B");
  assert_string_equal(waits(&flow, "1002"), "");
  assert_int_equal(flow.metrics.items_released, 1);
  int64_t id2 = x2.id;
  cg_store_exception_clear(&x1);
  cg_store_exception_clear(&x2);
  answer(&flow, "B", true);
  x1 = open_x(&flow, "UNKNOWN_SKU", "order", "1001");
  assert_true(x1.retry_requested_at > 0);
  assert_int_equal(flow.metrics.items_released, 2);
  assert_string_equal(waits(&flow, "1001"), "");
  /* the release goes the retry path; its resolution says who asked */
  assert_int_equal(cg_orders_process_retry_requests(&flow), 2);
  resolved_by_items(&flow, x1.id, "item B accepted");
  resolved_by_items(&flow, id2, "item C accepted");
  cg_store_exception_clear(&x1);
}

static void test_rejected_links(void **state)
{
  struct cg_flow flow = flow_of(*state);
  char want[64];
  refused(&flow, "1001", "[{\"sku\":\"B\"}]");
  answer(&flow, "B", false);
  struct cg_store_exception item = open_x(&flow, "ITEM_REJECTED", "item", "B");
  struct cg_store_exception o = open_x(&flow, "UNKNOWN_SKU", "order", "1001");
  assert_true(item.id > 0);
  assert_string_equal(item.owner, "merchandising");
  assert_non_null(strstr(item.message, "invalid-gtin at /gtin: bad check"));
  assert_true(o.id > 0);
  snprintf(want, sizeof(want), "see exception %lld (ITEM_REJECTED)",
           (long long)item.id);
  assert_non_null(strstr(o.message, want));
  assert_int_equal(o.retry_requested_at, 0);
  assert_string_equal(waits(&flow, "1001"), "B"); /* still held on B */
  cg_store_exception_clear(&o);
  /* fixed in Centra and accepted: the item closes, the order goes */
  answer(&flow, "B", true);
  struct cg_store_exception after = open_x(&flow, "ITEM_REJECTED", "item", "B");
  assert_int_equal(after.id, 0);
  o = open_x(&flow, "UNKNOWN_SKU", "order", "1001");
  assert_true(o.retry_requested_at > 0);
  cg_store_exception_clear(&o);
  cg_store_exception_clear(&item);
}

/* Routes one warehouse event (JSON text); returns its outcome. */
static const char *event(struct cg_flow *flow, const char *text)
{
  static char outcome[CG_INBOX_OUTCOME_MAX];
  struct cg_err err = {0};
  cJSON *env = cJSON_Parse(text);
  assert_non_null(env);
  outcome[0] = '\0';
  assert_int_equal(cg_store_begin(flow->store, &err), 0);
  assert_int_equal(cg_orders_apply_gxo_event(flow, NULL, env, outcome, &err),
                   0);
  assert_int_equal(cg_store_commit(flow->store, &err), 0);
  cJSON_Delete(env);
  return outcome;
}

/* A row for sku as the pack built it (dirty: never answered). */
static void built(struct cg_flow *flow, const char *sku)
{
  char doc[64];
  snprintf(doc, sizeof(doc), "{\"sku\":\"%s\"}", sku);
  struct cg_store_item_source src = {
      .sku = sku, .doc = doc, .hash = "h1", .product_id = 1, .size_id = 2};
  assert_int_equal(cg_store_item_source(flow->store, &src, 1000, NULL, NULL),
                   0);
}

/* An item the engine refused to send (it breaks the warehouse's limits)
 * says so, and links the waiting order the same way. */
static void test_engine_refusal(void **state)
{
  struct cg_flow flow = flow_of(*state);
  struct cg_err err = {0};
  const char *reason = "{\"code\":\"field-too-long\",\"pointer\":"
                       "\"/description\",\"message\":\"more than 80\","
                       "\"source\":\"engine\"}";
  refused(&flow, "1005", "[{\"sku\":\"E\"}]");
  assert_int_equal(cg_store_begin(flow.store, &err), 0);
  assert_int_equal(cg_items_settled(&flow, "E", false, reason, &err), 0);
  assert_int_equal(cg_store_commit(flow.store, &err), 0);
  struct cg_store_exception x = open_x(&flow, "ITEM_REJECTED", "item", "E");
  struct cg_store_exception o = open_x(&flow, "UNKNOWN_SKU", "order", "1005");
  assert_non_null(strstr(x.message, "the engine did not send SKU E"));
  assert_non_null(strstr(x.message, "field-too-long at /description"));
  assert_non_null(strstr(o.message, "ITEM_REJECTED"));
  cg_store_exception_clear(&x);
  cg_store_exception_clear(&o);
}

#define EVENT_B                                                                \
  "{\"eventType\":\"item.rejected\",\"eventId\":\"E1\",\"data\":{\"sku\":"     \
  "\"B\",\"problems\":[{\"code\":\"missing-hs-code\",\"pointer\":\"/hsCode\"," \
  "\"message\":\"required\"}]}}"

/* item.rejected carries no content version: on a row whose content the
 * warehouse has not seen (dirty, or in a batch) it records nothing, and
 * that content is still sent and answered. */
static void test_event_dirty_ignored(void **state)
{
  struct cg_flow flow = flow_of(*state);
  struct cg_err err = {0};
  built(&flow, "B");
  assert_string_equal(event(&flow, EVENT_B),
                      "ignored: changed since, rejected item B");
  struct cg_store_item row = {0};
  assert_int_equal(cg_store_item_get(flow.store, "B", &row, NULL), 0);
  assert_int_equal(row.state, CG_STORE_ITEM_PENDING);
  assert_true(row.dirty_since > 0);
  assert_null(row.reason);
  cg_store_item_clear(&row);
  struct cg_store_exception x = open_x(&flow, "ITEM_REJECTED", "item", "B");
  assert_int_equal(x.id, 0);
  /* in a batch: the same */
  assert_int_equal(cg_store_item_batch_set(flow.store, "B", 3, &err), 0);
  assert_string_equal(event(&flow, EVENT_B),
                      "ignored: changed since, rejected item B");
  assert_int_equal(state_of(&flow, "B"), CG_STORE_ITEM_PENDING);
  assert_int_equal(flow.metrics.items_rejected, 0);
}

static void test_event_rejected(void **state)
{
  struct cg_flow flow = flow_of(*state);
  struct cg_store_item row = {0};
  built(&flow, "B");
  answer(&flow, "B", true); /* the warehouse saw it, then refuses it */
  assert_string_equal(event(&flow, EVENT_B), "rejected item B");
  refused(&flow, "1003", "[{\"sku\":\"B\"}]"); /* ordered after */
  assert_int_equal(cg_store_item_get(flow.store, "B", &row, NULL), 0);
  assert_int_equal(row.state, CG_STORE_ITEM_REJECTED);
  assert_non_null(strstr(row.reason, "missing-hs-code"));
  assert_non_null(strstr(row.reason, "\"source\":\"warehouse\""));
  cg_store_item_clear(&row);
  assert_int_equal(flow.metrics.items_rejected, 1);
  struct cg_store_exception x = open_x(&flow, "ITEM_REJECTED", "item", "B");
  struct cg_store_exception o = open_x(&flow, "UNKNOWN_SKU", "order", "1003");
  assert_non_null(strstr(x.message, "missing-hs-code at /hsCode: required"));
  assert_non_null(strstr(o.message, "ITEM_REJECTED"));
  cg_store_exception_clear(&x);
  cg_store_exception_clear(&o);
  assert_true(strncmp(event(&flow, "{\"eventType\":\"item.rejected\","
                                   "\"eventId\":\"E2\",\"data\":{}}"),
                      "invalid", 7) == 0);
}

/* The gate's refusal raced the acceptance of its SKU (recorded between
 * the gate's decision and the hold): the order is released at once, the
 * item is not sent again; the warehouse's own unknown-sku for an
 * accepted SKU sends it again and waits. */
static void test_gate_race(void **state)
{
  struct cg_flow flow = flow_of(*state);
  struct cg_store_item row = {0};
  built(&flow, "B");
  answer(&flow, "B", true);
  refused(&flow, "1007", "[{\"sku\":\"B\"}]");
  assert_string_equal(waits(&flow, "1007"), "");
  struct cg_store_exception o = open_x(&flow, "UNKNOWN_SKU", "order", "1007");
  assert_true(o.retry_requested_at > 0); /* released */
  assert_true(strncmp(o.message, "item-not-accepted: ", 19) == 0);
  cg_store_exception_clear(&o);
  assert_int_equal(flow.metrics.items_released, 1);
  assert_int_equal(cg_store_item_get(flow.store, "B", &row, NULL), 0);
  assert_int_equal(row.dirty_since, 0); /* not sent again */
  assert_string_equal(row.answered_hash, "h1");
  cg_store_item_clear(&row);
  assert_int_equal(cg_orders_process_retry_requests(&flow), 1);
  /* the warehouse says it does not know it: sent again, waited on */
  refused_with(&flow, "1008", "[{\"sku\":\"B\"}]", "unknown-sku");
  assert_string_equal(waits(&flow, "1008"), "B");
  o = open_x(&flow, "UNKNOWN_SKU", "order", "1008");
  assert_int_equal(o.retry_requested_at, 0);
  assert_true(strncmp(o.message, "warehouse: unknown-sku", 22) == 0);
  cg_store_exception_clear(&o);
  assert_int_equal(cg_store_item_get(flow.store, "B", &row, NULL), 0);
  assert_true(row.dirty_since > 0);
  cg_store_item_clear(&row);
}

/* An order placed after its SKU was rejected names the ITEM_REJECTED
 * in its UNKNOWN_SKU at once (not only when a rejection comes later). */
static void test_order_after_rejection(void **state)
{
  struct cg_flow flow = flow_of(*state);
  char want[64];
  built(&flow, "B");
  answer(&flow, "B", false);
  struct cg_store_exception item = open_x(&flow, "ITEM_REJECTED", "item", "B");
  assert_true(item.id > 0);
  refused(&flow, "1009", "[{\"sku\":\"A\"},{\"sku\":\"B\"}]");
  assert_string_equal(waits(&flow, "1009"), "A,B");
  struct cg_store_exception o = open_x(&flow, "UNKNOWN_SKU", "order", "1009");
  snprintf(want, sizeof(want), "see exception %lld (ITEM_REJECTED)",
           (long long)item.id);
  assert_non_null(strstr(o.message, want));
  assert_non_null(strstr(o.message, "invalid-gtin at /gtin"));
  assert_null(strstr(o.message, "warehouse:"));
  cg_store_exception_clear(&o);
  cg_store_exception_clear(&item);
}

/* An operator's retry of the open exception of type on the entity,
 * through the order flow's retry requests. */
static void retry(struct cg_flow *flow, const char *type, const char *key)
{
  struct cg_store_exception x = open_x(flow, type, CG_ITEMS_ENTITY, key);
  assert_true(x.id > 0);
  assert_int_equal(cg_store_exception_request_retry(flow->store, x.id, NULL),
                   0);
  assert_int_equal(cg_orders_process_retry_requests(flow), 1);
  struct cg_store_exception done = {0};
  assert_int_equal(cg_store_exception_get(flow->store, x.id, &done, NULL), 0);
  assert_string_equal(done.state, "resolved");
  assert_string_equal(done.resolved_by, "operator");
  cg_store_exception_clear(&done);
  cg_store_exception_clear(&x);
}

static void test_retry_paths(void **state)
{
  struct cg_flow flow = flow_of(*state);
  struct cg_err err = {0};
  struct cg_store_item row = {0};
  assert_true(cg_items_owns(CG_ITEMS_ENTITY));
  assert_false(cg_items_owns("order"));
  built(&flow, "B");
  answer(&flow, "B", false); /* rejected: clean, not sent again */
  assert_int_equal(cg_store_item_get(flow.store, "B", &row, NULL), 0);
  assert_int_equal(row.dirty_since, 0);
  cg_store_item_clear(&row);
  retry(&flow, "ITEM_REJECTED", "B");
  assert_int_equal(cg_store_item_get(flow.store, "B", &row, NULL), 0);
  assert_true(row.dirty_since > 0); /* sent again as it is */
  cg_store_item_clear(&row);
  assert_int_equal(cg_flow_raise(&flow, "SYNC_FAILURE", CG_ITEMS_ENTITY,
                                 "items/read", "Centra down", NULL, &err),
                   0);
  retry(&flow, "SYNC_FAILURE", "items/read");
}

static void test_queue_clears_waits(void **state)
{
  struct cg_flow flow = flow_of(*state);
  struct cg_err err = {0};
  char outcome[CG_INBOX_OUTCOME_MAX] = "";
  const char *text = "{\"id\":\"c1\",\"status\":\"PENDING\",\"lines\":[{\"id\":"
                     "1,\"quantity\":1,\"productSize\":{\"SKU\":\"B\"}}]}";
  refused(&flow, "1004", "[{\"sku\":\"B\"}]");
  assert_string_equal(waits(&flow, "1004"), "B");
  cJSON *order = cJSON_Parse(text);
  struct cg_plan plan = {.outcome = CG_PLAN_SEND,
                         .payload = cJSON_CreateObject()};
  assert_int_equal(cg_store_begin(flow.store, &err), 0);
  assert_int_equal(
      cg__order_apply(&flow, "1004", text, order, &plan, NULL, outcome, &err),
      0);
  assert_int_equal(cg_store_commit(flow.store, &err), 0);
  assert_string_equal(outcome, "queued");
  assert_string_equal(waits(&flow, "1004"), "");
  cJSON_Delete(plan.payload);
  cJSON_Delete(order);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_held_waits, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_release_on_last, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(test_rejected_links, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(test_engine_refusal, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(test_event_dirty_ignored, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(test_event_rejected, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(test_gate_race, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_order_after_rejection, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(test_retry_paths, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_queue_clears_waits, fx_setup,
                                      fx_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
