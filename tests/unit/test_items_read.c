/*
 * Unit: a read of Centra's catalogue, page by page, on a real store
 * (core/flows/items_read.c; docs/internals/items.md "Reading Centra"),
 * without partners: cg__items_page_apply is handed the page Centra would
 * give (the shape of cg_centra_fetch_items) and the rule host's plans.
 *
 *  - each page is one transaction, and it moves the cursor with it: a
 *    sweep's {n, page, size} to the next page (a sweep resumes only
 *    with the page size it began with, else begins again); its last
 *    page finishes it (page 0), schedules the next sweep and moves the
 *    delta watermark to the sweep's start; a delta's last page moves the
 *    watermark to the newest updatedAt seen, never back, and sets none
 *    where there is none (only a finished sweep sets the first);
 *  - the delta stops at a short page, without a watermark after one page,
 *    and at the first page whose oldest product is older than the
 *    watermark less 5 minutes;
 *  - rows: an answered item read again with only sourceUpdatedAt moved
 *    stays clean (the hash leaves it out), a changed one is dirty, one
 *    over a contract limit is rejected by the engine, never sent;
 *  - a size the pack failed on raises RULE_ERROR on item/<SKU>, resolved
 *    when it builds again; other exceptions of the SKU stay.
 */
#include "store_fixture.h"

#include "base/json.h"
#include "base/time.h"
#include "flows/exceptions.h"
#include "flows/flow.h"
#include "flows/items_read.h"
#include "store/store_items.h"

#include <stdlib.h>
#include <string.h>

struct env {
  struct fx fx;
  struct cg_flow f;
  struct cg_items it;
};

static int setup(void **state)
{
  struct env *e = fx_env_setup(state, sizeof(*e));
  if (e == NULL)
    return -1;
  e->f = (struct cg_flow){.merchant = "shop", .store = e->fx.s};
  e->it = (struct cg_items){
      .f = &e->f, .opts = {.poll_s = 300, .sweep_s = 86400, .page = 2}};
  e->f.items = &e->it;
  return 0;
}

static int teardown(void **state)
{
  return fx_teardown(
      state); /* the env whole: the fixture is its first member */
}

/* A page of n products (the flattened shape) with one size each: SKUs
 * <prefix>1..n, updatedAt newest .. oldest. */
static cJSON *page(const char *prefix, int n, const char *newest,
                   const char *oldest)
{
  cJSON *p = cJSON_CreateObject(), *sizes = cJSON_AddArrayToObject(p, "sizes");
  cg_json_add_int(p, "products", n);
  cg_json_add_str(p, "newest", newest);
  cg_json_add_str(p, "oldest", oldest);
  for (int i = 1; i <= n; i++) {
    char sku[32], text[256];
    snprintf(sku, sizeof(sku), "%s%d", prefix, i);
    snprintf(text, sizeof(text),
             "{\"id\":%d,\"SKU\":\"%s\",\"productVariant\":{\"id\":%d,"
             "\"product\":{\"id\":%d,\"updatedAt\":\"%s\"}}}",
             i, sku, i, i, i == 1 ? newest : oldest);
    cJSON_AddItemToArray(sizes, cJSON_Parse(text));
  }
  return p;
}

/* The rule host's reply for data: every size built into {sku} (or, for
 * the SKU `failing`, a rule error; for `failing` with a leading '!', a
 * result without its item). */
static cJSON *plans(const cJSON *data, const char *failing)
{
  cJSON *out = cJSON_CreateArray();
  const cJSON *s;
  cJSON_ArrayForEach(s, cg_json_get(data, "sizes"))
  {
    const char *sku = cg_json_str(s, "SKU");
    char text[256];
    if (failing && strcmp(sku, failing) == 0)
      snprintf(text, sizeof(text),
               "{\"ok\":false,\"code\":\"CG_ERULE\",\"error\":\"boom\"}");
    else if (failing && failing[0] == '!' && strcmp(sku, failing + 1) == 0)
      snprintf(text, sizeof(text),
               "{\"ok\":true,\"result\":{\"include\":true}}");
    else
      snprintf(text, sizeof(text),
               "{\"ok\":true,\"result\":{\"include\":true,\"item\":"
               "{\"sku\":\"%s\",\"uom\":\"EA\"}}}",
               sku);
    cJSON_AddItemToArray(out, cJSON_Parse(text));
  }
  return out;
}

/* Applies a page; returns the transactions it took. */
static uint64_t apply(struct env *e, const struct cg_items_page *pg,
                      cJSON *data, const char *failing)
{
  struct cg_err err = {0};
  cJSON *p = plans(data, failing);
  uint64_t before = cg_store_commits(e->fx.s);
  int64_t built = -1;
  int rc = cg__items_page_apply(&e->it, pg, data, p, &built, &err);
  if (rc != 0)
    fail_msg("page: %s", err.msg);
  assert_int_equal(built, cJSON_GetArraySize(cg_json_get(data, "sizes")));
  cJSON_Delete(p);
  cJSON_Delete(data);
  return cg_store_commits(e->fx.s) - before;
}

static char *cursor(struct env *e, const char *name)
{
  char *v = NULL;
  int rc = cg_store_cursor_get(e->fx.s, name, &v, NULL);
  return rc == 0 ? v : NULL;
}

static void test_sweep_pages_move_the_cursor(void **state)
{
  struct env *e = *state;
  struct cg_items_sweep_pos pos;
  int64_t t0 = cg_time_now_ms();
  struct cg_items_page pg = {
      .kind = CG_ITEMS_READ_SWEEP,
      .sweep = {.n = 1, .page = 1, .size = 2, .started = 1700000000000}};
  assert_int_equal(cg__items_sweep_get(e->fx.s, &pos, NULL), 0);
  assert_int_equal(pos.n, 0); /* never swept */
  assert_int_equal(apply(e, &pg,
                         page("A", 2, "2026-03-01T10:00:00+00:00",
                              "2026-02-01T10:00:00+00:00"),
                         NULL),
                   1);
  assert_int_equal(cg__items_sweep_get(e->fx.s, &pos, NULL), 0);
  assert_int_equal(pos.n, 1);
  assert_int_equal(pos.page, 2);
  assert_int_equal(pos.size, 2); /* the page size it reads with */
  assert_int_equal(pos.started, 1700000000000);
  assert_null(cursor(e, CG_STORE_ITEMS_SINCE)); /* not before the end */
  pg.sweep.page = 2;
  pg.last = true;
  assert_int_equal(apply(e, &pg,
                         page("B", 1, "2026-01-01T10:00:00+00:00",
                              "2026-01-01T10:00:00+00:00"),
                         NULL),
                   1);
  assert_int_equal(cg__items_sweep_get(e->fx.s, &pos, NULL), 0);
  assert_int_equal(pos.page, 0);
  assert_true(pos.finished >= t0);
  char *next = cursor(e, CG_STORE_ITEMS_SWEEP_NEXT);
  char *since = cursor(e, CG_STORE_ITEMS_SINCE);
  assert_true(strtoll(next, NULL, 10) >= t0 + 86400 * 1000);
  assert_int_equal(e->it.next_sweep_ms, strtoll(next, NULL, 10));
  assert_string_equal(since, "2023-11-14T22:13:20Z"); /* the sweep's start */
  cg_free(next);
  cg_free(since);
}

/* A sweep goes on from its cursor only with the page size it began with:
 * with another, its page number is another offset, so it begins again. */
static void test_sweep_resume(void **state)
{
  (void)state;
  struct cg_items_sweep_pos p = {0};
  assert_false(cg__items_sweep_resume(&p, 2, 100)); /* never swept */
  assert_int_equal(p.n, 1);
  assert_int_equal(p.page, 1);
  assert_int_equal(p.size, 2);
  assert_int_equal(p.started, 100);
  p.page = 3;
  assert_false(cg__items_sweep_resume(&p, 2, 200)); /* goes on */
  assert_int_equal(p.n, 1);
  assert_int_equal(p.page, 3);
  assert_int_equal(p.started, 100);
  assert_true(cg__items_sweep_resume(&p, 5, 300)); /* items.page changed */
  assert_int_equal(p.n, 2);
  assert_int_equal(p.page, 1);
  assert_int_equal(p.size, 5);
  assert_int_equal(p.started, 300);
  p = (struct cg_items_sweep_pos){.n = 2, .page = 0, .size = 5, .finished = 1};
  assert_false(cg__items_sweep_resume(&p, 5, 400)); /* finished: the next */
  assert_int_equal(p.n, 3);
  assert_int_equal(p.page, 1);
  assert_int_equal(p.finished, 0);
}

static void test_delta_moves_watermark_forward_only(void **state)
{
  struct env *e = *state;
  struct cg_items_page pg = {.kind = CG_ITEMS_READ_DELTA,
                             .sweep = {.page = 1},
                             .last = true,
                             .since = "2026-03-01T10:00:00+00:00"};
  /* no watermark yet (no sweep finished): the delta read one page, not
   * every change before its newest, so it sets none */
  apply(e, &pg, page("Z", 1, pg.since, pg.since), NULL);
  assert_null(cursor(e, CG_STORE_ITEMS_SINCE));
  assert_int_equal(cg_store_cursor_set(e->fx.s, CG_STORE_ITEMS_SINCE,
                                       "2026-02-01T10:00:00+00:00", NULL),
                   0);
  pg.last = false;
  assert_int_equal(apply(e, &pg,
                         page("A", 2, "2026-03-01T10:00:00+00:00",
                              "2026-02-27T10:00:00+00:00"),
                         NULL),
                   1);
  char *was = cursor(e, CG_STORE_ITEMS_SINCE); /* not the last page */
  assert_string_equal(was, "2026-02-01T10:00:00+00:00");
  cg_free(was);
  pg.last = true;
  assert_int_equal(apply(e, &pg,
                         page("B", 1, "2026-02-01T10:00:00+00:00",
                              "2026-02-01T10:00:00+00:00"),
                         NULL),
                   1);
  char *since = cursor(e, CG_STORE_ITEMS_SINCE);
  assert_string_equal(since, "2026-03-01T10:00:00+00:00");
  cg_free(since);
  pg.since = "2026-02-28T10:00:00+00:00"; /* older: the watermark stays */
  apply(e, &pg, page("C", 1, pg.since, pg.since), NULL);
  since = cursor(e, CG_STORE_ITEMS_SINCE);
  assert_string_equal(since, "2026-03-01T10:00:00+00:00");
  cg_free(since);
}

static void test_delta_stop_rule(void **state)
{
  (void)state;
  int64_t since;
  assert_int_equal(cg_time_parse_iso8601("2026-03-01T10:00:00Z", &since), 0);
  cJSON *full_recent = page("A", 2, "2026-03-01T10:30:00+00:00",
                            "2026-03-01T09:56:00+00:00"); /* in the overlap */
  cJSON *full_old = page("A", 2, "2026-03-01T10:30:00+00:00",
                         "2026-03-01T09:54:59+00:00"); /* past it */
  cJSON *short_page =
      page("A", 1, "2026-03-01T10:30:00+00:00", "2026-03-01T10:30:00+00:00");
  assert_false(cg__items_delta_last(full_recent, 2, since));
  assert_true(cg__items_delta_last(full_old, 2, since));
  assert_true(cg__items_delta_last(short_page, 2, since));
  assert_true(cg__items_delta_last(full_recent, 2, 0)); /* no watermark */
  cJSON_Delete(full_recent);
  cJSON_Delete(full_old);
  cJSON_Delete(short_page);
}

/* Open exceptions of type on item/sku. */
static size_t open_count(struct env *e, const char *type, const char *sku)
{
  struct cg_store_exception_filter flt = {.state = "open",
                                          .type = type,
                                          .entity_kind = CG_ITEMS_ENTITY,
                                          .entity_key = sku};
  struct cg_store_exception_list l = {0};
  assert_int_equal(cg_store_exception_list(e->fx.s, &flt, &l, NULL), 0);
  size_t n = l.n;
  cg_store_exception_list_clear(&l);
  return n;
}

static void test_rule_error_raised_and_resolved(void **state)
{
  struct env *e = *state;
  struct cg_items_page pg = {.kind = CG_ITEMS_READ_SWEEP,
                             .sweep = {.n = 1, .page = 1, .started = 1}};
  const char *at = "2026-03-01T10:00:00+00:00";
  assert_int_equal(apply(e, &pg, page("A", 2, at, at), "A2"), 1);
  assert_int_equal(open_count(e, "RULE_ERROR", "A2"), 1);
  assert_int_equal(open_count(e, "RULE_ERROR", "A1"), 0);
  assert_int_equal(e->f.metrics.rule_errors, 1);
  /* another problem of A1 (a warehouse rejection) is not the pack's */
  assert_int_equal(cg_flow_raise(&e->f, "ITEM_REJECTED", CG_ITEMS_ENTITY, "A1",
                                 "no", NULL, NULL),
                   0);
  pg.sweep.page = 2;
  assert_int_equal(apply(e, &pg, page("A", 2, at, at), NULL), 1);
  assert_int_equal(open_count(e, "RULE_ERROR", "A2"), 0);
  assert_int_equal(open_count(e, "ITEM_REJECTED", "A1"), 1);
  /* included without an item: the pack's error too, not a failed page */
  pg.sweep.page = 3;
  assert_int_equal(apply(e, &pg, page("A", 2, at, at), "!A2"), 1);
  assert_int_equal(open_count(e, "RULE_ERROR", "A2"), 1);
}

/* The row of sku (fails the test without one); caller clears. */
static struct cg_store_item row(struct env *e, const char *sku)
{
  struct cg_store_item r = {0};
  assert_int_equal(cg_store_item_get(e->fx.s, sku, &r, NULL), 0);
  return r;
}

/* A page of one size whose item the pack built as item_json. */
static void apply_item(struct env *e, const struct cg_items_page *pg,
                       const char *sku, const char *item_json)
{
  char text[512];
  struct cg_err err = {0};
  cJSON *data =
      page("X", 1, "2026-03-01T10:00:00+00:00", "2026-03-01T10:00:00+00:00");
  cJSON *size = cJSON_GetArrayItem(cg_json_get(data, "sizes"), 0);
  cJSON_ReplaceItemInObject(size, "SKU", cJSON_CreateString(sku));
  snprintf(text, sizeof(text),
           "[{\"ok\":true,\"result\":{\"include\":true,\"item\":%s}}]",
           item_json);
  cJSON *plans = cJSON_Parse(text);
  if (cg__items_page_apply(&e->it, pg, data, plans, NULL, &err) != 0)
    fail_msg("page: %s", err.msg);
  cJSON_Delete(plans);
  cJSON_Delete(data);
}

/* An item whose sku is not its size's SKU is the pack's error on the
 * size's SKU: no row for the other sku (the warehouse's answer to it
 * would never reach the size's row), the size's row kept as it was. */
static void test_item_of_another_sku_is_a_rule_error(void **state)
{
  struct env *e = *state;
  struct cg_items_page pg = {.kind = CG_ITEMS_READ_SWEEP,
                             .sweep = {.n = 1, .page = 1, .started = 1}};
  struct cg_store_item r = {0};
  apply_item(e, &pg, "S1", "{\"sku\":\"S1\",\"uom\":\"EA\"}");
  struct cg_store_item before = row(e, "S1");
  apply_item(e, &pg, "S1", "{\"sku\":\"S9\",\"uom\":\"PK\"}");
  assert_int_equal(open_count(e, "RULE_ERROR", "S1"), 1);
  assert_int_equal(cg_store_item_get(e->fx.s, "S9", &r, NULL), CG_ENOTFOUND);
  struct cg_store_item after = row(e, "S1");
  assert_string_equal(after.hash, before.hash);
  cg_store_item_clear(&before);
  cg_store_item_clear(&after);
  apply_item(e, &pg, "S1", "{\"sku\":\"S1\",\"uom\":\"PK\"}");
  assert_int_equal(open_count(e, "RULE_ERROR", "S1"), 0);
}

/* Rows as the page left them: an answered item read again with the same
 * content (only sourceUpdatedAt moved) stays clean; a change makes it
 * dirty; an item over a contract limit is refused by the engine. */
static void test_rows_and_hash(void **state)
{
  struct env *e = *state;
  struct cg_items_page pg = {.kind = CG_ITEMS_READ_SWEEP,
                             .sweep = {.n = 7, .page = 1, .started = 1}};
  apply_item(e, &pg, "S1",
             "{\"sku\":\"S1\",\"uom\":\"EA\",\"sourceUpdatedAt\":\"a\"}");
  struct cg_store_item r = row(e, "S1");
  assert_int_equal(r.state, CG_STORE_ITEM_PENDING);
  assert_true(r.dirty_since > 0);
  assert_int_equal(r.seen_sweep, 7);
  assert_int_equal(r.product_id, 1);
  assert_non_null(strstr(r.doc, "\"sourceUpdatedAt\":\"a\""));
  char hash[CG_STORE_ITEM_HASH_MAX];
  assert_int_equal(cg__items_hash("{\"sku\":\"S1\",\"uom\":\"EA\"}", hash), 0);
  assert_string_equal(r.hash, hash); /* without sourceUpdatedAt */
  assert_int_equal(cg_store_item_answer(e->fx.s, "S1", r.hash, 0,
                                        CG_STORE_ITEM_ACCEPTED, NULL, 1, NULL,
                                        NULL),
                   0);
  cg_store_item_clear(&r);
  apply_item(e, &pg, "S1",
             "{\"sku\":\"S1\",\"uom\":\"EA\",\"sourceUpdatedAt\":\"b\"}");
  r = row(e, "S1");
  assert_int_equal(r.dirty_since, 0); /* nothing to send */
  assert_non_null(strstr(r.doc, "\"sourceUpdatedAt\":\"b\""));
  cg_store_item_clear(&r);
  apply_item(e, &pg, "S1", "{\"sku\":\"S1\",\"uom\":\"PK\"}");
  r = row(e, "S1");
  assert_true(r.dirty_since > 0); /* changed: sent again */
  assert_int_equal(r.state, CG_STORE_ITEM_ACCEPTED);
  cg_store_item_clear(&r);
  char big[256];
  snprintf(big, sizeof(big), "{\"sku\":\"S2\",\"description\":\"%090d\"}", 0);
  apply_item(e, &pg, "S2", big);
  r = row(e, "S2");
  assert_int_equal(r.state, CG_STORE_ITEM_REJECTED);
  assert_int_equal(r.dirty_since, 0); /* never sent */
  assert_non_null(strstr(r.reason, "\"pointer\":\"/description\""));
  assert_non_null(strstr(r.reason, "\"source\":\"engine\""));
  cg_store_item_clear(&r);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_sweep_pages_move_the_cursor, setup,
                                      teardown),
      cmocka_unit_test(test_sweep_resume),
      cmocka_unit_test_setup_teardown(test_delta_moves_watermark_forward_only,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_delta_stop_rule, setup, teardown),
      cmocka_unit_test_setup_teardown(test_rule_error_raised_and_resolved,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_rows_and_hash, setup, teardown),
      cmocka_unit_test_setup_teardown(test_item_of_another_sku_is_a_rule_error,
                                      setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
