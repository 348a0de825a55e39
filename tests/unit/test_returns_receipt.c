/*
 * Unit: the warehouse's return.arrived and return.received
 * (core/flows/returns_receipt.c) on a real store, and the engine's own
 * mismatches (cg__returns_mismatches, pure).
 *
 *  - each mismatch code of docs/internals/returns.md "Deciding a
 *    receipt", with both sides named, and none for a receipt as advised;
 *  - a receipt is recorded once: lines received, step received, one
 *    settle row, one timeline entry per line; a receipt line that was
 *    not advised stays in the receipt only;
 *  - the same receiptId again (another eventId) changes nothing;
 *  - no receiptId raises RETURN_MISMATCH (no-receipt-id), records
 *    nothing;
 *  - another receiptId raises RETURN_MISMATCH (second-receipt), queues
 *    nothing and leaves the step;
 *  - an rmaRef the engine does not know, or none: UNADVISED_RETURN keyed
 *    by the rmaRef, else the tracking, else the eventId; return.arrived
 *    of a known RMA is a timeline entry.
 */
#include "store_fixture.h"

#include "base/json.h"
#include "flows/flow.h"
#include "flows/returns.h"
#include "flows/returns_int.h"
#include "store/store_returns.h"

#include <string.h>

#define RETURN_ID 5001

struct env {
  struct fx fx;
  struct cg_flow f;
};

static int setup(void **state)
{
  struct env *e = fx_env_setup(state, sizeof(*e));
  if (e == NULL)
    return -1;
  e->f = (struct cg_flow){.merchant = "m1", .store = e->fx.s};
  struct cg_store_return r = {.id = RETURN_ID,
                              .order_number = "1000",
                              .step = CG_STORE_RETURN_ADVISED,
                              .initial_status = "PENDING",
                              .comment = "too small"};
  struct cg_store_return_line lines[2] = {{.line_id = 1,
                                           .line_ref = "43243",
                                           .sku = "A",
                                           .advised = 1,
                                           .received = -1},
                                          {.line_id = 2,
                                           .line_ref = "43244",
                                           .sku = "B",
                                           .advised = 2,
                                           .received = -1}};
  assert_int_equal(cg_store_return_put(e->fx.s, &r, lines, 2, 1000, NULL), 0);
  return 0;
}

static int teardown(void **state)
{
  return fx_teardown(
      state); /* the env whole: the fixture is its first member */
}

/* ---- the mismatches -----------------------------------------------------*/

static struct cg_store_return_line advised_lines[2] = {
    {.line_id = 1, .line_ref = "43243", .sku = "A", .advised = 1},
    {.line_id = 2, .line_ref = "43244", .sku = "B", .advised = 2}};
static const struct cg_store_return_lines advised = {advised_lines, 2};

/* The codes of a receipt's mismatches, joined by ','. */
static void codes_of(const char *receipt, char *out, size_t size)
{
  cJSON *r = cJSON_Parse(receipt);
  assert_non_null(r);
  cJSON *m = cg__returns_mismatches(r, &advised);
  assert_non_null(m);
  const cJSON *x;
  out[0] = '\0';
  cJSON_ArrayForEach(x, m)
  {
    size_t len = strlen(out);
    snprintf(out + len, size - len, "%s%s", len ? "," : "",
             cg_json_str(x, "code"));
    assert_non_null(cg_json_str(x, "detail"));
  }
  cJSON_Delete(m);
  cJSON_Delete(r);
}

#define LINE(ref, sku, q, cond)                                                \
  "{\"lineRef\":\"" ref "\",\"sku\":\"" sku "\",\"quantityReceived\":" #q      \
  ",\"condition\":\"" cond "\",\"disposition\":\"RESTOCK\"}"
#define AS_ADVISED                                                             \
  LINE("43243", "A", 1, "SELLABLE") "," LINE("43244", "B", 2, "SELLABLE")

static void expect_codes(const char *receipt, const char *want)
{
  char got[256];
  codes_of(receipt, got, sizeof(got));
  if (strcmp(got, want) != 0)
    fail_msg("%s: codes \"%s\", want \"%s\"", receipt, got, want);
}

static void test_mismatch_codes(void **state)
{
  (void)state;
  expect_codes("{\"lines\":[" AS_ADVISED "]}", "");
  expect_codes("{\"lines\":[" LINE("43243", "A", 1, "SELLABLE") "," LINE(
                   "43244", "B", 1, "SELLABLE") "]}",
               "fewer");
  expect_codes("{\"lines\":[" LINE("43243", "A", 0, "NOT_RECEIVED") "," LINE(
                   "43244", "B", 2, "SELLABLE") "]}",
               "fewer,condition");
  expect_codes("{\"lines\":[" LINE("43243", "A", 3, "SELLABLE") "," LINE(
                   "43244", "B", 2, "SELLABLE") "]}",
               "more");
  expect_codes("{\"lines\":[" LINE("43243", "A", 1, "SELLABLE") "]}",
               "missing-line");
  expect_codes("{\"lines\":[" AS_ADVISED "," LINE("9", "Z", 1, "SELLABLE") "]}",
               "unexpected-line");
  expect_codes("{\"lines\":[" LINE("43243", "X", 1, "SELLABLE") "," LINE(
                   "43244", "B", 2, "SELLABLE") "]}",
               "different-sku");
  expect_codes("{\"lines\":[" AS_ADVISED "],\"unexpectedItems\":[{\"sku\":"
               "\"Q\",\"quantity\":2}]}",
               "unexpected-item");
  expect_codes("{\"lines\":[" LINE("43243", "A", 1, "UNIDENTIFIED") "," LINE(
                   "43244", "B", 2, "SELLABLE") "]}",
               "condition");
  expect_codes("{\"lines\":[" AS_ADVISED "],\"requiresAction\":true}",
               "requires-action");
}

static void test_mismatch_sides(void **state)
{
  (void)state;
  cJSON *r = cJSON_Parse("{\"lines\":[" LINE(
      "43243", "A", 1, "SELLABLE") "," LINE("43244", "B", 1, "SELLABLE") "]}");
  cJSON *m = cg__returns_mismatches(r, &advised);
  const cJSON *x = cJSON_GetArrayItem(m, 0);
  assert_string_equal(cg_json_str(x, "lineRef"), "43244");
  assert_string_equal(cg_json_str(x, "sku"), "B");
  assert_int_equal(cg_json_int(x, "expected", -1), 2);
  assert_int_equal(cg_json_int(x, "received", -1), 1);
  cJSON_Delete(m);
  cJSON_Delete(r);
}

/* Two Centra return lines on one order line (43243: 1 + 1) and a receipt
 * that names it once, or splits it: compared per lineRef. */
static void test_mismatch_per_line_ref(void **state)
{
  (void)state;
  struct cg_store_return_line two[3] = {
      {.line_id = 1, .line_ref = "43243", .sku = "A", .advised = 1},
      {.line_id = 2, .line_ref = "43243", .sku = "A", .advised = 1},
      {.line_id = 3, .line_ref = "43244", .sku = "B", .advised = 2}};
  const struct cg_store_return_lines adv = {two, 3};
  static const char *const receipts[] = {
      "{\"lines\":[" LINE("43243", "A", 2, "SELLABLE") "," LINE(
          "43244", "B", 2, "SELLABLE") "]}",
      "{\"lines\":[" LINE("43243", "A", 1, "SELLABLE") "," LINE(
          "43243", "A", 1,
          "SELLABLE") "," LINE("43244", "B", 1,
                               "SELLABLE") "," LINE("43244", "B", 1,
                                                    "SELLABLE") "]}",
      "{\"lines\":[" LINE("43243", "A", 1, "SELLABLE") "," LINE(
          "43244", "B", 2, "SELLABLE") "]}"};
  for (size_t i = 0; i < 3; i++) {
    cJSON *r = cJSON_Parse(receipts[i]);
    cJSON *m = cg__returns_mismatches(r, &adv);
    assert_int_equal(cJSON_GetArraySize(m), i == 2 ? 1 : 0);
    if (i == 2) { /* both sides per lineRef */
      const cJSON *x = cJSON_GetArrayItem(m, 0);
      assert_string_equal(cg_json_str(x, "code"), "fewer");
      assert_int_equal(cg_json_int(x, "expected", -1), 2);
      assert_int_equal(cg_json_int(x, "received", -1), 1);
    }
    cJSON_Delete(m);
    cJSON_Delete(r);
  }
}

/* ---- the events ---------------------------------------------------------*/

/* Applies one warehouse event in its own transaction; the outcome. */
static const char *apply(struct env *e, const char *type, const char *id,
                         const char *data)
{
  static char outcome[CG_INBOX_OUTCOME_MAX];
  char text[4096];
  struct cg_err err = {0};
  snprintf(text, sizeof(text),
           "{\"eventId\":\"%s\",\"eventType\":\"%s\",\"data\":%s}", id, type,
           data);
  cJSON *env = cJSON_Parse(text);
  assert_non_null(env);
  assert_int_equal(cg_store_begin(e->f.store, &err), 0);
  int rc = cg_returns_apply_event(&e->f, env, outcome, &err);
  if (rc != 0)
    fail_msg("%s: %s", type, err.msg);
  assert_int_equal(cg_store_commit(e->f.store, &err), 0);
  cJSON_Delete(env);
  return outcome;
}

static const char receipt_data[] =
    "{\"rmaRef\":\"5001\",\"originalOrderRef\":\"1000\",\"receiptId\":\"%s\","
    "\"requiresAction\":false,\"unexpectedItems\":[],\"lines\":[" AS_ADVISED
    "%s]}";

static const char *receive(struct env *e, const char *event_id,
                           const char *receipt_id, const char *extra)
{
  char data[2048];
  snprintf(data, sizeof(data), receipt_data, receipt_id, extra);
  return apply(e, "return.received", event_id, data);
}

static int64_t settle_rows(struct env *e)
{
  int64_t n = -1;
  assert_int_equal(cg_store_outbox_count_entity(
                       e->f.store, CG_RETURNS_KIND_SETTLE, "5001", &n, NULL),
                   0);
  return n;
}

static int timeline(struct env *e, const char *action)
{
  struct cg_store_audit_list l = {0};
  int n = 0;
  assert_int_equal(
      cg_store_audit_list(e->f.store, CG_RETURNS_ENTITY, "1000", 100, &l, NULL),
      0);
  for (size_t i = 0; i < l.n; i++)
    n += strcmp(l.items[i].action, action) == 0;
  cg_store_audit_list_clear(&l);
  return n;
}

static int64_t open_exceptions(struct env *e, const char *type, const char *key,
                               const char *needle)
{
  struct cg_store_exception_filter flt = {
      .state = "open", .type = type, .entity_key = key};
  struct cg_store_exception_list l = {0};
  assert_int_equal(cg_store_exception_list(e->f.store, &flt, &l, NULL), 0);
  int64_t n = 0;
  for (size_t i = 0; i < l.n; i++)
    n += needle == NULL || strstr(l.items[i].message, needle) != NULL;
  cg_store_exception_list_clear(&l);
  return n;
}

static void test_received_once(void **state)
{
  struct env *e = *state;
  const char *extra = "," LINE("9", "Z", 1, "SELLABLE");
  assert_non_null(strstr(receive(e, "ev1", "RCV-1", extra), "applied"));
  struct cg_store_return r = {0};
  struct cg_store_return_lines lines = {0};
  assert_int_equal(cg_store_return_get(e->f.store, RETURN_ID, &r, NULL), 0);
  assert_int_equal(r.step, CG_STORE_RETURN_RECEIVED);
  assert_string_equal(r.receipt_id, "RCV-1");
  assert_non_null(strstr(r.receipt, "\"lineRef\":\"9\""));
  assert_int_equal(
      cg_store_return_lines_get(e->f.store, RETURN_ID, &lines, NULL), 0);
  assert_int_equal(lines.n, 2); /* the unadvised line is not a line */
  assert_int_equal(lines.items[1].received, 2);
  assert_string_equal(lines.items[1].condition, "SELLABLE");
  assert_string_equal(lines.items[1].disposition, "RESTOCK");
  assert_int_equal(settle_rows(e), 1);
  assert_int_equal(timeline(e, "return received"), 3);
  assert_int_equal(e->f.metrics.returns_received, 1);
  /* the same receipt under another event id: nothing */
  assert_non_null(strstr(receive(e, "ev2", "RCV-1", ""), "duplicate"));
  assert_int_equal(settle_rows(e), 1);
  assert_int_equal(timeline(e, "return received"), 3);
  cg_store_return_clear(&r);
  cg_store_return_lines_clear(&lines);
}

static struct cg_store_return_lines lines_of(struct env *e, int64_t id)
{
  struct cg_store_return_lines l = {0};
  assert_int_equal(cg_store_return_lines_get(e->f.store, id, &l, NULL), 0);
  return l;
}

/* A receipt split into two lines of one lineRef counts both; the received
 * units of a lineRef advised on two stored lines are spread over them in
 * line id order, each with the condition of the units it got. */
static void test_received_per_line_ref(void **state)
{
  struct env *e = *state;
  assert_non_null(strstr(
      apply(e, "return.received", "ev1",
            "{\"rmaRef\":\"5001\",\"receiptId\":\"R1\",\"lines\":[" LINE(
                "43243", "A", 1,
                "SELLABLE") "," LINE("43244", "B", 1,
                                     "SELLABLE") "," LINE("43244", "B", 1,
                                                          "SELLABLE") "]}"),
      "applied"));
  struct cg_store_return_lines l = lines_of(e, RETURN_ID);
  assert_int_equal(l.items[1].received, 2); /* not only the first */
  cg_store_return_lines_clear(&l);
  struct cg_store_return r = {.id = 5002,
                              .order_number = "1000",
                              .step = CG_STORE_RETURN_ADVISED,
                              .initial_status = "PENDING"};
  struct cg_store_return_line two[2] = {
      {.line_id = 7, .line_ref = "43245", .sku = "C", .advised = 1},
      {.line_id = 8, .line_ref = "43245", .sku = "C", .advised = 2}};
  assert_int_equal(cg_store_return_put(e->f.store, &r, two, 2, 1000, NULL), 0);
  assert_non_null(
      strstr(apply(e, "return.received", "ev2",
                   "{\"rmaRef\":\"5002\",\"receiptId\":\"R2\",\"lines\":[" LINE(
                       "43245", "C", 2, "SELLABLE") "," LINE("43245", "C", 1,
                                                             "DAMAGED") "]}"),
             "applied"));
  l = lines_of(e, 5002);
  assert_int_equal(l.items[0].received, 1); /* not 3 on each */
  assert_string_equal(l.items[0].condition, "SELLABLE");
  assert_int_equal(l.items[1].received, 2);
  assert_string_equal(l.items[1].condition, "SELLABLE");
  cg_store_return_lines_clear(&l);
}

/* A receipt without its id: not recorded, but RETURN_MISMATCH raised on
 * the return so that it is not lost silently. */
static void test_no_receipt_id(void **state)
{
  struct env *e = *state;
  const char *o = apply(e, "return.received", "ev9",
                        "{\"rmaRef\":\"5001\",\"lines\":[" AS_ADVISED "]}");
  assert_non_null(strstr(o, "held"));
  assert_int_equal(
      open_exceptions(e, CG_RETURN_MISMATCH, "5001", "without a receiptId"), 1);
  struct cg_store_return r = {0};
  assert_int_equal(cg_store_return_get(e->f.store, RETURN_ID, &r, NULL), 0);
  assert_int_equal(r.step, CG_STORE_RETURN_ADVISED);
  assert_null(r.receipt_id);
  cg_store_return_clear(&r);
  assert_int_equal(settle_rows(e), 0);
  /* the warehouse sends it again with its id: recorded, and the
   * no-receipt-id closes (an open RETURN_MISMATCH would stop the
   * settling) */
  receive(e, "ev10", "RCV-1", "");
  assert_int_equal(
      open_exceptions(e, CG_RETURN_MISMATCH, "5001", "without a receiptId"), 0);
  assert_int_equal(settle_rows(e), 1);
}

static void test_second_receipt(void **state)
{
  struct env *e = *state;
  receive(e, "ev1", "RCV-1", "");
  assert_non_null(strstr(receive(e, "ev2", "RCV-2", ""), "second receipt"));
  assert_int_equal(
      open_exceptions(e, CG_RETURN_MISMATCH, "5001", "second-receipt"), 1);
  struct cg_store_return r = {0};
  assert_int_equal(cg_store_return_get(e->f.store, RETURN_ID, &r, NULL), 0);
  assert_int_equal(r.step, CG_STORE_RETURN_RECEIVED);
  assert_string_equal(r.receipt_id, "RCV-1");
  assert_int_equal(settle_rows(e), 1);
  cg_store_return_clear(&r);
}

static void test_unadvised(void **state)
{
  struct env *e = *state;
  assert_non_null(strstr(apply(e, "return.received", "ev1",
                               "{\"rmaRef\":\"999\",\"receiptId\":\"R9\","
                               "\"lines\":[]}"),
                         "unadvised"));
  assert_int_equal(open_exceptions(e, CG_UNADVISED_RETURN, "999", NULL), 1);
  apply(e, "return.arrived", "ev2", "{\"parcelTracking\":\"TRK-1\"}");
  assert_int_equal(open_exceptions(e, CG_UNADVISED_RETURN, "TRK-1", NULL), 1);
  apply(e, "return.arrived", "ev3", "{}");
  assert_int_equal(open_exceptions(e, CG_UNADVISED_RETURN, "ev3", NULL), 1);
  assert_int_equal(e->f.metrics.returns_unadvised, 3);
  /* an advised parcel arriving is a timeline entry, not an exception */
  assert_non_null(strstr(apply(e, "return.arrived", "ev4",
                               "{\"rmaRef\":\"5001\",\"parcelTracking\":"
                               "\"TRK-2\"}"),
                         "arrived"));
  assert_int_equal(timeline(e, "return arrived"), 1);
  assert_int_equal(open_exceptions(e, CG_UNADVISED_RETURN, "5001", NULL), 0);
  assert_int_equal(settle_rows(e), 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mismatch_codes),
      cmocka_unit_test(test_mismatch_sides),
      cmocka_unit_test_setup_teardown(test_received_once, setup, teardown),
      cmocka_unit_test(test_mismatch_per_line_ref),
      cmocka_unit_test_setup_teardown(test_received_per_line_ref, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_no_receipt_id, setup, teardown),
      cmocka_unit_test_setup_teardown(test_second_receipt, setup, teardown),
      cmocka_unit_test_setup_teardown(test_unadvised, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
