/*
 * Unit: reading Centra returns into the store (core/flows/returns_read.c
 * and returns.c; docs/internals/returns.md "The path of a return"), on a
 * real store without partners: cg__returns_page_apply is handed the page
 * cg_centra_fetch_returns* would give (canonical returns).
 *
 *  - a return whose lines are all order lines the engine sent is stored
 *    at step new with one row per Centra line (advised = its quantity),
 *    its advice queued under cg-<merchant>-rma-<id>, "return created" on
 *    the order's timeline, in one transaction;
 *  - no line of ours: step ignored, nothing queued or raised;
 *  - some lines not ours: step rejected, RETURN_REJECTED
 *    (unknown-order-line, naming the line) and "return rejected";
 *  - a page read again changes nothing (no row, no advice, no entry);
 *  - an operator's retry of RETURN_REJECTED reads the return again: all
 *    its lines known now -> lines afresh, step new, advice queued; still
 *    not -> rejected, RETURN_REJECTED raised again;
 *  - the watermark: set at the first start only, moved by a page's
 *    commit (never back), untouched by a page that rolled back (and
 *    then nothing of that page is kept);
 *  - hints coalesce (each id once), NULL is a no-op, and a flow never
 *    started closes at once.
 */
#include "store_fixture.h"

#include "base/json.h"
#include "base/time.h"
#include "flows/flow.h"
#include "flows/returns.h"
#include "flows/returns_read.h"
#include "store/store_returns.h"

#include <string.h>

struct env {
  struct fx fx;
  struct cg_flow f;
};

/* Order number with lines (lineRef, SKU) as the orders flow sends them. */
static void order(struct env *e, const char *number, const char *ref1,
                  const char *sku1, const char *ref2, const char *sku2)
{
  struct cg_store_order o = {
      .number = (char *)number, .state = CG_STORE_ORDER_SENT, .payload = "{}"};
  struct cg_store_order_line l[2] = {
      {.line_ref = (char *)ref1, .sku = (char *)sku1, .quantity = 2},
      {.line_ref = (char *)ref2, .sku = (char *)sku2, .quantity = 2}};
  assert_int_equal(cg_store_order_upsert(e->fx.s, &o, NULL), 0);
  assert_int_equal(cg_store_order_lines_replace(e->fx.s, number, l, 2, NULL),
                   0);
}

static int setup(void **state)
{
  struct env *e = fx_env_setup(state, sizeof(*e));
  if (e == NULL)
    return -1;
  e->f = (struct cg_flow){.merchant = "shop", .store = e->fx.s};
  order(e, "1001", "43243", "COAT-38", "43244", "SCARF-1");
  return 0;
}

static int teardown(void **state)
{
  return fx_teardown(
      state); /* the env whole: the fixture is its first member */
}

/* A canonical return: lines "lineId:quantity:orderLineId,..." */
static cJSON *ret(int64_t id, const char *created, const char *lines)
{
  cJSON *r = cJSON_CreateObject(), *arr;
  cg_json_add_int(r, "id", id);
  cg_json_add_str(r, "returnStatus", "IN_PROGRESS");
  cg_json_add_str(r, "createdAt", created);
  cg_json_add_str(r, "comment", "too small");
  arr = cJSON_AddArrayToObject(r, "lines");
  for (const char *p = lines; p && *p;) {
    long long lid = 0, q = 0;
    char ref[32];
    int used = 0;
    assert_int_equal(sscanf(p, "%lld:%lld:%31[^,]%n", &lid, &q, ref, &used), 3);
    cJSON *l = cJSON_CreateObject();
    cg_json_add_int(l, "id", lid);
    cg_json_add_int(l, "quantity", q);
    cg_json_add_str(l, "orderLineId", ref);
    cJSON_AddItemToArray(arr, l);
    p += used;
    p += *p == ',';
  }
  return r;
}

static cJSON *page1(cJSON *a)
{
  cJSON *p = cJSON_CreateArray();
  cJSON_AddItemToArray(p, a);
  return p;
}

/* Applies page (deleted); returns the returns stored. */
static int64_t apply(struct env *e, cJSON *page, const char *since)
{
  struct cg_err err = {0};
  int64_t added = -1;
  int rc = cg__returns_page_apply(&e->f, page, since, &added, &err);
  cJSON_Delete(page);
  if (rc != 0)
    fail_msg("page: %s", err.msg);
  return added;
}

static long long count(struct env *e, const char *sql)
{
  return fx_sql_int(e->fx.path, sql);
}

static void test_new_return(void **state)
{
  struct env *e = *state;
  struct cg_store_return r = {0};
  struct cg_store_return_lines lines = {0};
  uint64_t commits = cg_store_commits(e->fx.s);
  assert_int_equal(apply(e,
                         page1(ret(7, "2026-03-05T10:00:00Z",
                                   "71:1:43243,72:2:43244,73:1:43243")),
                         NULL),
                   1);
  assert_int_equal(cg_store_commits(e->fx.s) - commits, 1);
  assert_int_equal(cg_store_return_get(e->fx.s, 7, &r, NULL), 0);
  assert_int_equal(r.step, CG_STORE_RETURN_NEW);
  assert_string_equal(r.order_number, "1001");
  assert_string_equal(r.initial_status, "IN_PROGRESS");
  assert_string_equal(r.comment, "too small");
  assert_int_equal(cg_store_return_lines_get(e->fx.s, 7, &lines, NULL), 0);
  assert_int_equal(lines.n, 3); /* one row per Centra line */
  assert_int_equal(lines.items[0].line_id, 71);
  assert_string_equal(lines.items[0].line_ref, "43243");
  assert_string_equal(lines.items[0].sku, "COAT-38");
  assert_int_equal(lines.items[0].advised, 1);
  assert_int_equal(lines.items[0].received, -1);
  assert_string_equal(lines.items[1].sku, "SCARF-1");
  assert_int_equal(lines.items[1].advised, 2);
  assert_int_equal(count(e, "SELECT count(*) FROM outbox WHERE kind = "
                            "'gxo.return.advise' AND entity_key = '7' AND "
                            "idempotency_key = 'cg-shop-rma-7'"),
                   1);
  assert_int_equal(count(e, "SELECT count(*) FROM audit WHERE entity_kind = "
                            "'return' AND entity_key = '1001' AND action = "
                            "'return created' AND detail LIKE '%return 7:%'"),
                   1);
  assert_int_equal(count(e, "SELECT count(*) FROM exceptions"), 0);
  assert_int_equal(e->f.metrics.returns_read, 1);
  cg_store_return_clear(&r);
  cg_store_return_lines_clear(&lines);
}

static void test_ignored_and_rejected(void **state)
{
  struct env *e = *state;
  struct cg_store_return r = {0};
  cJSON *p = cJSON_CreateArray();
  cJSON_AddItemToArray(p, ret(8, "2026-03-05T10:00:00Z", "81:1:999"));
  cJSON_AddItemToArray(p, ret(9, "2026-03-05T10:00:00Z", "91:1:43243,92:1:77"));
  assert_int_equal(apply(e, p, NULL), 2);
  assert_int_equal(cg_store_return_get(e->fx.s, 8, &r, NULL), 0);
  assert_int_equal(r.step, CG_STORE_RETURN_IGNORED);
  assert_null(r.order_number);
  cg_store_return_clear(&r);
  assert_int_equal(cg_store_return_get(e->fx.s, 9, &r, NULL), 0);
  assert_int_equal(r.step, CG_STORE_RETURN_REJECTED);
  assert_string_equal(r.order_number, "1001");
  assert_string_equal(r.hold_reason, "RETURN_REJECTED");
  cg_store_return_clear(&r);
  assert_int_equal(count(e, "SELECT count(*) FROM outbox"), 0);
  assert_int_equal(count(e, "SELECT count(*) FROM exceptions WHERE state = "
                            "'open' AND type = 'RETURN_REJECTED' AND "
                            "entity_kind = 'return' AND entity_key = '9' AND "
                            "message LIKE '%unknown-order-line%' AND message "
                            "LIKE '%line 92 (order line 77)%'"),
                   1);
  assert_int_equal(count(e, "SELECT count(*) FROM exceptions"), 1);
  assert_int_equal(count(e, "SELECT count(*) FROM audit WHERE entity_key = "
                            "'1001' AND action = 'return rejected'"),
                   1);
  assert_int_equal(e->f.metrics.returns_read, 0);
  assert_int_equal(e->f.metrics.returns_rejected, 1);
}

/* The overlap, a hint and the poll, a crash: a return read again is
 * already stored and changes nothing. */
static void test_read_again(void **state)
{
  struct env *e = *state;
  const char *sql[] = {
      "SELECT count(*) FROM outbox", "SELECT count(*) FROM audit",
      "SELECT count(*) FROM exceptions", "SELECT count(*) FROM return_lines"};
  long long before[4];
  cJSON *p = cJSON_CreateArray();
  cJSON_AddItemToArray(p, ret(7, "2026-03-05T10:00:00Z", "71:1:43243"));
  cJSON_AddItemToArray(p, ret(9, "2026-03-05T10:00:00Z", "91:1:43243,92:1:77"));
  cJSON *again = cJSON_Duplicate(p, true);
  assert_int_equal(apply(e, p, NULL), 2);
  for (int i = 0; i < 4; i++)
    before[i] = count(e, sql[i]);
  assert_int_equal(apply(e, again, NULL), 0);
  for (int i = 0; i < 4; i++)
    assert_int_equal(count(e, sql[i]), before[i]);
  assert_int_equal(e->f.metrics.returns_read, 1);
}

/* The open RETURN_REJECTED of return key, retried as an operator does. */
static void retry_rejected(struct env *e, const char *key)
{
  struct cg_err err = {0};
  struct cg_store_exception_filter flt = {
      .state = "open", .type = "RETURN_REJECTED", .entity_key = key};
  struct cg_store_exception_list l = {0};
  assert_int_equal(cg_store_exception_list(e->fx.s, &flt, &l, &err), 0);
  assert_int_equal(l.n, 1);
  assert_int_equal(cg_store_begin(e->fx.s, &err), 0);
  if (cg_returns_retry(&e->f, &l.items[0], &err) != 0)
    fail_msg("retry: %s", err.msg);
  assert_int_equal(cg_store_commit(e->fx.s, &err), 0);
  cg_store_exception_list_clear(&l);
}

/* Rejected for a line the engine did not know; the order line becomes
 * known; the retry reads the return again: its lines afresh, step new,
 * the advice queued with every line. One still unknown stays rejected
 * with RETURN_REJECTED raised again. */
static void test_rejected_read_again(void **state)
{
  struct env *e = *state;
  struct cg_err err = {0};
  struct cg_store_return r = {0};
  struct cg_store_return_lines lines = {0};
  cJSON *p = cJSON_CreateArray();
  cJSON_AddItemToArray(p, ret(9, "2026-03-05T10:00:00Z", "91:1:43243,92:1:77"));
  cJSON_AddItemToArray(p, ret(10, "2026-03-05T10:00:00Z", "101:1:88"));
  cJSON_AddItemToArray(p,
                       ret(11, "2026-03-05T10:00:00Z", "111:1:43243,112:1:88"));
  cJSON *again = cJSON_Duplicate(p, true);
  assert_int_equal(apply(e, p, NULL), 3);
  order(e, "1001", "43243", "COAT-38", "77", "HAT-1"); /* 77 known now */
  retry_rejected(e, "9");
  retry_rejected(e, "11");
  assert_int_equal(cg_store_return_get(e->fx.s, 9, &r, NULL), 0);
  assert_int_equal(r.step, CG_STORE_RETURN_REJECTED);
  assert_string_equal(r.hold_reason, CG_RETURNS_REREAD);
  cg_store_return_clear(&r);
  const int64_t ids[] = {9, 10, 11};
  int64_t added = 0;
  assert_int_equal(
      cg__returns_page_apply_ids(&e->f, again, NULL, ids, 3, &added, &err), 0);
  cJSON_Delete(again);
  assert_int_equal(added, 2); /* 10 was not asked to be read again */
  assert_int_equal(cg_store_return_get(e->fx.s, 9, &r, NULL), 0);
  assert_int_equal(r.step, CG_STORE_RETURN_NEW);
  assert_null(r.hold_reason);
  cg_store_return_clear(&r);
  assert_int_equal(cg_store_return_lines_get(e->fx.s, 9, &lines, NULL), 0);
  assert_int_equal(lines.n, 2); /* the advice carries both lines */
  assert_string_equal(lines.items[1].line_ref, "77");
  assert_string_equal(lines.items[1].sku, "HAT-1");
  cg_store_return_lines_clear(&lines);
  assert_int_equal(count(e, "SELECT count(*) FROM outbox WHERE kind = "
                            "'gxo.return.advise' AND entity_key = '9'"),
                   1);
  assert_int_equal(cg_store_return_get(e->fx.s, 11, &r, NULL), 0);
  assert_int_equal(r.step, CG_STORE_RETURN_REJECTED);
  assert_string_equal(r.hold_reason, "RETURN_REJECTED");
  cg_store_return_clear(&r);
  assert_int_equal(count(e, "SELECT count(*) FROM exceptions WHERE state = "
                            "'open' AND entity_key = '11'"),
                   1);
  assert_int_equal(count(e, "SELECT count(*) FROM exceptions WHERE state = "
                            "'open' AND entity_key = '9'"),
                   0);
}

static char *since(struct env *e)
{
  char *v = NULL;
  return cg_store_cursor_get(e->fx.s, CG_STORE_RETURNS_SINCE, &v, NULL) == 0
             ? v
             : NULL;
}

static void test_watermark(void **state)
{
  struct env *e = *state;
  struct cg_err err = {0};
  int64_t t0 = cg_time_now_ms(), ms = 0;
  assert_null(since(e));
  assert_int_equal(cg__returns_since_init(&e->f, &err), 0);
  char *first = since(e);
  assert_int_equal(cg_time_parse_iso8601(first, &ms), 0);
  assert_true(ms >= t0 - 1000 && ms <= cg_time_now_ms());
  assert_int_equal(cg__returns_since_init(&e->f, &err), 0); /* kept */
  char *again = since(e);
  assert_string_equal(again, first);
  cg_free(first);
  cg_free(again);
  /* a committed page moves it forward, never back */
  assert_int_equal(apply(e, cJSON_CreateArray(), "2099-01-01T00:00:00Z"), 0);
  assert_string_equal((first = since(e)), "2099-01-01T00:00:00Z");
  cg_free(first);
  assert_int_equal(apply(e, cJSON_CreateArray(), "2098-01-01T00:00:00Z"), 0);
  assert_string_equal((first = since(e)), "2099-01-01T00:00:00Z");
  cg_free(first);
  /* a page that rolls back keeps nothing, the watermark included */
  assert_int_equal(fx_sql_exec(e->fx.path,
                               "CREATE TRIGGER no666 BEFORE INSERT ON returns "
                               "WHEN NEW.id = 666 BEGIN SELECT RAISE(ABORT, "
                               "'refused by the test'); END"),
                   0);
  cJSON *p = cJSON_CreateArray();
  cJSON_AddItemToArray(p, ret(10, "2100-01-01T00:00:00Z", "101:1:43243"));
  cJSON_AddItemToArray(p, ret(666, "2100-01-01T00:00:00Z", "6661:1:43243"));
  int64_t added = -1;
  assert_int_not_equal(
      cg__returns_page_apply(&e->f, p, "2100-01-01T00:00:00Z", &added, &err),
      0);
  cJSON_Delete(p);
  assert_int_equal(added, 0);
  assert_string_equal((first = since(e)), "2099-01-01T00:00:00Z");
  cg_free(first);
  assert_int_equal(count(e, "SELECT count(*) FROM returns"), 0);
  assert_int_equal(count(e, "SELECT count(*) FROM outbox"), 0);
}

static void on_closed(void *arg)
{
  *(int *)arg += 1;
}

static void test_hints(void **state)
{
  struct env *e = *state;
  int closed = 0;
  struct cg_returns_opts o = {.poll_s = 0, .page = 500};
  struct cg_returns *r = cg_returns_create(&e->f, &o);
  assert_non_null(r);
  assert_int_equal(r->opts.page, 50); /* over Centra's limit: the default */
  assert_int_equal(r->opts.poll_s, 0);
  cg_returns_hint(r, 5);
  cg_returns_hint(r, 6);
  cg_returns_hint(r, 5);
  cg_returns_hint(r, 0);
  cg_returns_hint(NULL, 5);
  assert_int_equal(r->npending, 2);
  for (int64_t id = 100; id < 400; id++)
    cg_returns_hint(r, id);
  assert_int_equal(r->npending, 302);
  cg_returns_close(r, on_closed, &closed);
  assert_int_equal(closed, 1); /* never started: no handle to wait for */
  cg_returns_close(NULL, on_closed, &closed);
  assert_int_equal(closed, 2);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_new_return, setup, teardown),
      cmocka_unit_test_setup_teardown(test_ignored_and_rejected, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_read_again, setup, teardown),
      cmocka_unit_test_setup_teardown(test_rejected_read_again, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_watermark, setup, teardown),
      cmocka_unit_test_setup_teardown(test_hints, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
