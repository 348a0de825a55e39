/*
 * Unit: step 2 of an order decision reads the same from the facts a job
 * kept since step 1 (cg__order_facts) as from the order parsed again:
 * for orders eligible or not, with extra members, odd lines and every
 * plan outcome, both ways store the same order row, lines, outbox row,
 * exceptions and audit. Also: which stored texts go to the rule host as
 * they are (cg__order_parse), and that cg_plan_json_take prints as
 * cg_plan_json while moving the payload.
 */
#include "store_fixture.h"

#include "base/buf.h"
#include "base/json.h"
#include "flows/flow.h"
#include "flows/orders_internal.h"
#include "flows/plan.h"

#include <stdio.h>
#include <string.h>

/* {order, plan ("" = RULE_ERROR)} */
static const char *const CASES[][2] = {
    {"{\"id\":\"c-601\",\"number\":601,\"status\":\"CONFIRMED\","
     "\"updatedAt\":\"t1\",\"customer\":{\"email\":\"a@b.se\"},"
     "\"shippingAddress\":{\"city\":\"Lund\",\"zip\":\"22100\"},"
     "\"lines\":[{\"id\":1,\"quantity\":2,\"product\":{\"name\":\"Tee\"},"
     "\"unitPrice\":{\"value\":12.5,\"currency\":\"SEK\"},"
     "\"productSize\":{\"SKU\":\"A-1\",\"EAN\":\"73\"}},"
     "{\"id\":2,\"quantity\":1,\"unitPrice\":{\"value\":3},"
     "\"productSize\":{\"SKU\":\"B\"}}]}",
     "{\"outcome\":\"SEND\",\"label\":\"p@1\",\"carrier\":{\"mapped\":true,"
     "\"carrierCode\":\"DHL\",\"serviceCode\":\"X\"},"
     "\"payload\":{\"orderRef\":\"601\",\"lines\":[{\"sku\":\"A-1\"}]}}"},
    {"{\"id\":\"c-602\",\"number\":602,\"status\":\"CONFIRMED\","
     "\"lines\":[{\"id\":3,\"id\":4,\"quantity\":1,\"unitPrice\":5,"
     "\"productSize\":{\"SKU\":7}},7,{\"id\":5,\"quantity\":true,"
     "\"unitPrice\":{\"currency\":\"SEK\"},\"productSize\":{}}]}",
     ""},
    {"{\"id\":\"c-603\",\"number\":603,\"status\":\"CONFIRMED\","
     "\"isOnHold\":true,\"lines\":[]}",
     ""},
    {"{\"number\":604,\"status\":\"CONFIRMED\","
     "\"orderHoldReason\":\"WAITING_FOR_PAYMENT\",\"lines\":[]}",
     ""},
    {"{\"number\":605,\"status\":\"PROCESSING\",\"lines\":[]}", ""},
    {"{\"id\":\"c-606\",\"number\":606,\"status\":\"CONFIRMED\","
     "\"lines\":{\"a\":{\"id\":9,\"quantity\":1,"
     "\"productSize\":{\"SKU\":\"Z\"}}}}",
     "{\"outcome\":\"HOLD\",\"reason\":\"VIP\",\"message\":\"call\","
     "\"label\":\"p@1\",\"carrier\":{\"mapped\":false}}"},
    {"{\"id\":\"c-607\",\"number\":607,\"status\":\"CONFIRMED\"}",
     "{\"outcome\":\"INVALID_ADDRESS\",\"message\":\"zip\",\"label\":\"p@1\","
     "\"carrier\":{\"mapped\":true},\"problems\":[{\"field\":\"zip\"}]}"},
};

static const char *const DUMPS[] = {
    "SELECT number, centra_id, centra_status, state, payload, hold_reason, "
    "rule_generation, gxo_ref FROM orders ORDER BY number",
    "SELECT order_number, line_ref, position, sku, quantity, unit_price "
    "FROM order_lines ORDER BY 1, 3",
    "SELECT kind, entity_key, idempotency_key, payload, state FROM outbox "
    "ORDER BY id",
    "SELECT type, entity_kind, entity_key, message, rule_generation, state "
    "FROM exceptions ORDER BY id",
    "SELECT entity_kind, entity_key, action, detail, rule_generation "
    "FROM audit ORDER BY id",
};

/* Every row of sql on the store at path, as text. */
static void dump(const char *path, const char *sql, struct cg_buf *out)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL),
                   SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
  while (sqlite3_step(st) == SQLITE_ROW) {
    for (int c = 0; c < sqlite3_column_count(st); c++) {
      const unsigned char *v = sqlite3_column_text(st, c);
      cg_buf_printf(out, "%s|", v ? (const char *)v : "(null)");
    }
    cg_buf_printf(out, "\n");
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
}

/* Step 2 of every case on s, from the facts or from the text. */
static void decide_all(struct cg_store *s, bool facts, struct cg_buf *outcomes)
{
  struct cg_flow flow = {.merchant = "t", .store = s, .rules_label = "p@1"};
  for (size_t i = 0; i < sizeof(CASES) / sizeof(*CASES); i++) {
    struct cg_err err = {0};
    struct cg_plan plan = {0};
    cJSON *pj = CASES[i][1][0] ? cJSON_Parse(CASES[i][1]) : NULL;
    assert_true(pj == NULL || cg_plan_from_json(pj, &plan, &err) == 0);
    cJSON *order = cJSON_Parse(CASES[i][0]);
    cJSON *kept = facts ? cg__order_facts(order) : NULL;
    assert_true(!facts || kept != NULL);
    struct cg_store_inbox_row row = {.id = (int64_t)i + 1,
                                     .source = "centra",
                                     .msg_id = "m",
                                     .kind = "centra.order",
                                     .payload = (char *)CASES[i][0]};
    char outcome[CG_INBOX_OUTCOME_MAX] = "";
    assert_int_equal(cg_store_begin(s, &err), 0);
    assert_int_equal(cg__order_finish(&flow, &row, kept, pj ? &plan : NULL,
                                      "boom", outcome, &err),
                     0);
    assert_int_equal(cg_store_commit(s, &err), 0);
    cg_buf_printf(outcomes, "%s\n", outcome);
    cg_plan_clear(&plan);
    cJSON_Delete(pj);
    cJSON_Delete(order);
    cJSON_Delete(kept);
  }
}

static void test_facts_decide_as_the_order(void **state)
{
  struct fx *f = *state;
  char other[600];
  snprintf(other, sizeof(other), "%s/facts.db", f->dir);
  struct cg_store_opts o = {.path = other, .name = "facts"};
  struct cg_store *s = NULL;
  assert_int_equal(cg_store_open(&o, &s, NULL), 0);
  struct cg_buf a = {0}, b = {0};
  decide_all(f->s, false, &a);
  decide_all(s, true, &b);
  assert_non_null(strstr(a.data, "queued\n"));
  assert_non_null(strstr(a.data, "ignored: on hold"));
  assert_non_null(strstr(a.data, "held RULE_ERROR"));
  for (size_t i = 0; i < sizeof(DUMPS) / sizeof(*DUMPS); i++) {
    dump(f->path, DUMPS[i], &a);
    dump(other, DUMPS[i], &b);
  }
  assert_non_null(strstr(a.data, "601|1|0|A-1|2|12.50|"));
  assert_string_equal(a.data, b.data);
  cg_buf_free(&a);
  cg_buf_free(&b);
  cg_store_close(s);
}

static void test_whole_texts(void **state)
{
  (void)state;
  static const struct {
    const char *text;
    bool whole;
  } texts[] = {
      {"{\"number\":1}", true},   {"{\"number\":1} ", false},
      {" {\"number\":1}", false}, {"{\"number\":1}x", false},
      {"\xEF\xBB\xBF{}", false},  {"[1]", false},
  };
  for (size_t i = 0; i < sizeof(texts) / sizeof(*texts); i++) {
    bool whole = !texts[i].whole;
    cJSON *j = cg__order_parse(texts[i].text, &whole);
    assert_non_null(j);
    if (whole != texts[i].whole)
      fail_msg("'%s': whole %d", texts[i].text, whole);
    cJSON_Delete(j);
  }
  bool whole = true;
  assert_null(cg__order_parse("{", &whole));
  assert_false(whole);
}

static void test_plan_json_take(void **state)
{
  (void)state;
  cJSON *pj = cJSON_Parse(CASES[0][1]);
  struct cg_plan plan = {0};
  assert_int_equal(cg_plan_from_json(pj, &plan, NULL), 0);
  plan.problems = cJSON_CreateArray();
  cJSON *copy = cg_plan_json(&plan);
  cJSON *moved = cg_plan_json_take(&plan);
  assert_null(plan.payload);
  assert_null(plan.problems);
  char *x = cg_json_print(copy), *y = cg_json_print(moved);
  assert_string_equal(x, y);
  assert_non_null(strstr(y, "\"payload\":{\"orderRef\":\"601\""));
  cg_free(x);
  cg_free(y);
  cJSON_Delete(copy);
  cJSON_Delete(moved);
  cJSON_Delete(pj);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_facts_decide_as_the_order, fx_setup,
                                      fx_teardown),
      cmocka_unit_test(test_whole_texts),
      cmocka_unit_test(test_plan_json_take),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
