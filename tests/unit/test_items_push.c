/*
 * Unit: the item push's batches and answers on a real store
 * (core/flows/items_push.c; docs/internals/items.md "Sending"), without
 * the warehouse: cg__items_flush writes the outbox rows, and the kind's
 * finish is handed the results POST /items:batch would give.
 *
 *  - a batch starts once the oldest dirty row waited the window, a full
 *    batch is dirty, or a row is urgent; urgent rows go first; up to
 *    batch_max items with their hashes; at most two batches unfinished,
 *    counted again from the outbox after a restart;
 *  - OK applies each result by index and SKU: 2xx accepted, 4xx rejected
 *    with the warehouse's reason; an answer about content that changed
 *    meanwhile, or a missing result, only frees the row (still dirty);
 *  - FAIL (a whole-batch 422, or an answer that is not per item) frees
 *    the rows and raises SYNC_FAILURE item/items/batch, resolved by the
 *    next batch that goes through; no new batch for a while after it.
 */
#include "store_fixture.h"

#include "base/json.h"
#include "base/time.h"
#include "flows/flow.h"
#include "flows/items.h"
#include "flows/items_int.h"
#include "flows/outbox.h"
#include "store/store_items.h"

#include <string.h>
#include <uv.h>

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
  e->f =
      (struct cg_flow){.merchant = "shop", .store = e->fx.s, .items = &e->it};
  e->it = (struct cg_items){.f = &e->f,
                            .opts = {.window_ms = 2000, .batch_max = 3}};
  return 0;
}

static int teardown(void **state)
{
  return fx_teardown(
      state); /* the env whole: the fixture is its first member */
}

/* sku read from Centra ago_ms ago with content version v (its doc and a
 * hash naming both). */
static void source(struct env *e, const char *sku, int v, int64_t ago_ms)
{
  char doc[256], hash[CG_STORE_ITEM_HASH_MAX];
  snprintf(doc, sizeof(doc),
           "{\"sku\":\"%s\",\"gtin\":\"5772428043000\",\"description\":"
           "\"v%d\",\"hsCode\":\"620213\"}",
           sku, v);
  snprintf(hash, sizeof(hash), "h-%s-%d", sku, v);
  struct cg_store_item_source src = {
      .sku = sku, .doc = doc, .hash = hash, .product_id = 1, .size_id = 2};
  bool dirty = false;
  assert_int_equal(cg_store_item_source(
                       e->fx.s, &src, cg_time_now_ms() - ago_ms, &dirty, NULL),
                   0);
  assert_true(dirty);
}

/* The open (pending) rows of the batch kind, oldest first. */
static void open_rows(struct env *e, struct cg_store_outbox_list *out)
{
  struct cg_store_outbox_filter flt = {.state = CG_STORE_OUTBOX_PENDING,
                                       .kind = CG_ITEMS_KIND_BATCH};
  cg_store_outbox_list_clear(out);
  assert_int_equal(cg_store_outbox_list(e->fx.s, &flt, out, NULL), 0);
}

static int rows_now(struct env *e)
{
  struct cg_store_outbox_list rows = {0};
  open_rows(e, &rows);
  int n = (int)rows.n;
  cg_store_outbox_list_clear(&rows);
  return n;
}

static struct cg_store_item row_of(struct env *e, const char *sku)
{
  struct cg_store_item r = {0};
  assert_int_equal(cg_store_item_get(e->fx.s, sku, &r, NULL), 0);
  return r;
}

/* The SKUs of a batch row's payload, in order, joined by ','. */
static void skus_of(const struct cg_store_outbox_row *row, char *out,
                    size_t size)
{
  cJSON *p = cg_json_parse(row->payload, strlen(row->payload), NULL);
  const cJSON *doc;
  int i = 0;
  out[0] = '\0';
  assert_int_equal(cJSON_GetArraySize(cg_json_get(p, "hashes")),
                   cJSON_GetArraySize(cg_json_get(p, "items")));
  cJSON_ArrayForEach(doc, cg_json_get(p, "items"))
  {
    size_t len = strlen(out);
    snprintf(out + len, size - len, "%s%s", i++ ? "," : "",
             cg_json_str(doc, "sku"));
  }
  cJSON_Delete(p);
}

/* Applies res to row as the outbox does (inside a transaction, the row
 * moved on unless RETRY). */
static void finish(struct env *e, const struct cg_store_outbox_row *row,
                   struct cg_call_result *res)
{
  assert_int_equal(cg_store_begin(e->fx.s, NULL), 0);
  assert_int_equal(cg_items_batch_kind.finish(&e->f, row, res), 0);
  assert_int_equal(cg_store_outbox_mark_inflight(e->fx.s, row->id, NULL), 0);
  if (res->outcome == CG_OUTCOME_OK)
    assert_int_equal(cg_store_outbox_done(e->fx.s, row->id, 200, NULL), 0);
  else if (res->outcome == CG_OUTCOME_FAIL)
    assert_int_equal(
        cg_store_outbox_fail(e->fx.s, row->id, 422, res->message, NULL), 0);
  else
    assert_int_equal(
        cg_store_outbox_retry(e->fx.s, row->id, 0, 429, "later", false, NULL),
        0);
  assert_int_equal(cg_store_commit(e->fx.s, NULL), 0);
  cg_call_result_clear_data(res);
}

/* An OK answer with results (JSON text). */
static void answer(struct cg_call_result *res, const char *results)
{
  cg_call_result_init(res);
  res->http_status = 200;
  res->data = cg_json_parse(results, strlen(results), NULL);
  assert_non_null(res->data);
}

static long open_failures(struct env *e)
{
  struct cg_store_exception_filter flt = {.state = "open",
                                          .type = "SYNC_FAILURE",
                                          .entity_kind = CG_ITEMS_ENTITY,
                                          .entity_key = "items/batch"};
  struct cg_store_exception_list l = {0};
  assert_int_equal(cg_store_exception_list(e->fx.s, &flt, &l, NULL), 0);
  long n = (long)l.n;
  cg_store_exception_list_clear(&l);
  return n;
}

/* sku's row is in state, out of any batch, dirty or clean. */
static void expect_row(struct env *e, const char *sku,
                       enum cg_store_item_state state, bool dirty)
{
  struct cg_store_item r = row_of(e, sku);
  assert_int_equal(r.state, state);
  assert_int_equal(r.batch, 0);
  assert_int_equal(r.dirty_since > 0, dirty);
  cg_store_item_clear(&r);
}

/* sku's rejection reason came from the warehouse with code and pointer. */
static void expect_reason(struct env *e, const char *sku, const char *code,
                          const char *pointer)
{
  struct cg_store_item r = row_of(e, sku);
  cJSON *why = cg_json_parse(r.reason, strlen(r.reason), NULL);
  assert_string_equal(cg_json_str(why, "code"), code);
  assert_string_equal(cg_json_str(why, "pointer"), pointer);
  assert_string_equal(cg_json_str(why, "source"), "warehouse");
  assert_non_null(cg_json_str(why, "message"));
  cJSON_Delete(why);
  cg_store_item_clear(&r);
}

/* A flush makes exactly one batch row, into rows. */
static void flush_one(struct env *e, struct cg_store_outbox_list *rows)
{
  cg__items_flush(&e->it);
  open_rows(e, rows);
  assert_int_equal(rows->n, 1);
}

/* A fresh row waits the window; an old one goes, with its doc and hash,
 * and is in the batch. */
static void test_window(void **state)
{
  struct env *e = *state;
  source(e, "A", 1, 100);
  cg__items_flush(&e->it);
  assert_int_equal(rows_now(e), 0);
  source(e, "B", 1, 5000);
  cg__items_flush(&e->it);
  struct cg_store_outbox_list rows = {0};
  open_rows(e, &rows);
  assert_int_equal(rows.n, 1);
  char skus[128];
  skus_of(&rows.items[0], skus, sizeof(skus));
  assert_string_equal(skus, "B,A"); /* oldest first; A rides along */
  assert_non_null(strstr(rows.items[0].payload, "h-B-1"));
  assert_non_null(strstr(rows.items[0].payload, "\"description\":\"v1\""));
  struct cg_store_item b = row_of(e, "B");
  assert_int_equal(b.batch, rows.items[0].id);
  cg_store_item_clear(&b);
  assert_int_equal(e->it.unfinished, 1);
  cg__items_flush(&e->it); /* nothing left outside a batch */
  assert_int_equal(rows_now(e), 1);
  cg_store_outbox_list_clear(&rows);
}

/* A full batch goes at once; the rest waits the window. */
static void test_full_batch(void **state)
{
  struct env *e = *state;
  const char *skus[] = {"A", "B", "C", "D"};
  for (int i = 0; i < 4; i++)
    source(e, skus[i], 1, 400 - 100 * i);
  cg__items_flush(&e->it);
  struct cg_store_outbox_list rows = {0};
  open_rows(e, &rows);
  assert_int_equal(rows.n, 1);
  char got[128];
  skus_of(&rows.items[0], got, sizeof(got));
  assert_string_equal(got, "A,B,C");
  struct cg_store_item d = row_of(e, "D");
  assert_int_equal(d.batch, 0);
  assert_true(d.dirty_since > 0);
  cg_store_item_clear(&d);
  cg_store_outbox_list_clear(&rows);
}

/* An urgent row (an order waits on it) goes at once, before older ones. */
static void test_urgent_first(void **state)
{
  struct env *e = *state;
  e->it.opts.batch_max = 4; /* neither a full batch nor the window */
  source(e, "OLD1", 1, 100);
  source(e, "OLD2", 1, 90);
  source(e, "HOT", 1, 10);
  assert_int_equal(
      cg_store_item_wait_add(e->fx.s, "HOT", "1001", cg_time_now_ms(), NULL),
      0);
  cg__items_flush(&e->it);
  struct cg_store_outbox_list rows = {0};
  open_rows(e, &rows);
  assert_int_equal(rows.n, 1);
  char got[128];
  skus_of(&rows.items[0], got, sizeof(got));
  assert_string_equal(got, "HOT,OLD1,OLD2");
  cg_store_outbox_list_clear(&rows);
}

/* At most two batches unfinished, also after a restart (counted from the
 * outbox); a finished one makes room. */
static void test_unfinished_bound(void **state)
{
  struct env *e = *state;
  char sku[16];
  for (int i = 0; i < 9; i++) {
    snprintf(sku, sizeof(sku), "S%d", i);
    source(e, sku, 1, 9000 - i);
  }
  cg__items_flush(&e->it);
  assert_int_equal(rows_now(e), CG_ITEMS_MAX_UNFINISHED);
  e->it.unfinished = 0; /* a restart: the outbox still holds two */
  cg__items_flush(&e->it);
  assert_int_equal(rows_now(e), CG_ITEMS_MAX_UNFINISHED);
  struct cg_store_outbox_list rows = {0};
  open_rows(e, &rows);
  struct cg_call_result res;
  answer(&res, "{\"results\":[]}"); /* none answered: rows freed */
  finish(e, &rows.items[0], &res);
  cg__items_flush(&e->it);
  open_rows(e, &rows);
  assert_int_equal(rows.n, CG_ITEMS_MAX_UNFINISHED);
  char got[128];
  skus_of(&rows.items[1], got, sizeof(got));
  assert_string_equal(got, "S0,S1,S2"); /* freed, dirty, oldest: again */
  cg_store_outbox_list_clear(&rows);
}

/* Each result by index and SKU: 201 accepted (clean), 422 rejected with
 * the warehouse's reason, a result for another SKU or none at all only
 * frees the row. */
static void test_answers(void **state)
{
  struct env *e = *state;
  e->it.opts.batch_max = 4;
  source(e, "A", 1, 5000);
  source(e, "B", 1, 4000);
  source(e, "C", 1, 3000);
  source(e, "D", 1, 2500);
  struct cg_store_outbox_list rows = {0};
  flush_one(e, &rows);
  struct cg_call_result res;
  answer(&res, "{\"results\":[{\"index\":0,\"sku\":\"A\",\"status\":201},"
               "{\"index\":1,\"sku\":\"B\",\"status\":422,\"code\":"
               "\"invalid-gtin\",\"errors\":[{\"pointer\":\"/gtin\",\"code\":"
               "\"invalid-gtin\",\"message\":\"gtin must be 8, 12, 13 or 14 "
               "digits\"}]},{\"index\":2,\"sku\":\"X\",\"status\":200},"
               "{\"index\":3,\"sku\":\"D\",\"status\":503}]}");
  finish(e, &rows.items[0], &res);
  expect_row(e, "A", CG_STORE_ITEM_ACCEPTED, false);
  struct cg_store_item a = row_of(e, "A");
  assert_string_equal(a.answered_hash, "h-A-1");
  cg_store_item_clear(&a);
  expect_row(e, "B", CG_STORE_ITEM_REJECTED, false);
  expect_reason(e, "B", "invalid-gtin", "/gtin");
  expect_row(e, "C", CG_STORE_ITEM_PENDING, true); /* another SKU's */
  expect_row(e, "D", CG_STORE_ITEM_PENDING, true); /* 503: no answer */
  assert_int_equal(e->f.metrics.items_batches, 1);
  assert_int_equal(e->f.metrics.items_accepted, 1);
  assert_int_equal(e->f.metrics.items_rejected, 1);
  cg_store_outbox_list_clear(&rows);
}

/* The content changed while its batch was out: the answer is about the
 * old hash, so the row only leaves the batch and goes again with the
 * new content. */
static void test_stale_hash(void **state)
{
  struct env *e = *state;
  source(e, "A", 1, 5000);
  cg__items_flush(&e->it);
  struct cg_store_outbox_list rows = {0};
  open_rows(e, &rows);
  assert_int_equal(rows.n, 1);
  source(e, "A", 2, 4000);
  struct cg_call_result res;
  answer(&res, "{\"results\":[{\"index\":0,\"sku\":\"A\",\"status\":200}]}");
  finish(e, &rows.items[0], &res);
  struct cg_store_item a = row_of(e, "A");
  assert_int_equal(a.state, CG_STORE_ITEM_PENDING);
  assert_int_equal(a.batch, 0);
  assert_true(a.dirty_since > 0);
  cg_store_item_clear(&a);
  assert_int_equal(e->f.metrics.items_accepted, 0);
  cg__items_flush(&e->it);
  open_rows(e, &rows);
  assert_int_equal(rows.n, 1);
  assert_non_null(strstr(rows.items[0].payload, "h-A-2"));
  assert_null(strstr(rows.items[0].payload, "h-A-1"));
  cg_store_outbox_list_clear(&rows);
}

/* FAIL (a whole-batch 422, or a 2xx that was not one result per item, as
 * the client reports it): the rows leave the batch, still dirty, and
 * SYNC_FAILURE is raised; the next batch that goes through resolves it.
 * RETRY changes nothing. */
static void test_fail_frees(void **state)
{
  struct env *e = *state;
  source(e, "A", 1, 5000);
  source(e, "B", 1, 5000);
  struct cg_store_outbox_list rows = {0};
  flush_one(e, &rows);
  struct cg_call_result res;
  cg_call_result_init(&res);
  cg_call_result_set(&res, CG_OUTCOME_RETRY, "http-429", "slow down");
  finish(e, &rows.items[0], &res);
  struct cg_store_item a = row_of(e, "A");
  assert_int_equal(a.batch, rows.items[0].id); /* still out */
  cg_store_item_clear(&a);
  cg_call_result_init(&res);
  cg_call_result_set(&res, CG_OUTCOME_FAIL, "bad-results",
                     "not one result per item");
  finish(e, &rows.items[0], &res);
  expect_row(e, "A", CG_STORE_ITEM_PENDING, true);
  assert_int_equal(open_failures(e), 1);
  cg__items_flush(&e->it);
  open_rows(e, &rows);
  assert_int_equal(rows.n, 0); /* not at once: the same refusal again */
  assert_true(e->it.push_pause_until > cg_time_mono_ms() + 20000);
  e->it.push_pause_until = 0; /* 30 s later */
  cg__items_flush(&e->it);
  open_rows(e, &rows);
  assert_int_equal(rows.n, 1); /* sent again */
  answer(&res, "{\"results\":[{\"index\":0,\"sku\":\"A\",\"status\":200},"
               "{\"index\":1,\"sku\":\"B\",\"status\":201}]}");
  finish(e, &rows.items[0], &res);
  assert_int_equal(open_failures(e), 0);
  assert_int_equal(e->f.metrics.items_accepted, 2);
  cg_store_outbox_list_clear(&rows);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_window, setup, teardown),
      cmocka_unit_test_setup_teardown(test_full_batch, setup, teardown),
      cmocka_unit_test_setup_teardown(test_urgent_first, setup, teardown),
      cmocka_unit_test_setup_teardown(test_unfinished_bound, setup, teardown),
      cmocka_unit_test_setup_teardown(test_answers, setup, teardown),
      cmocka_unit_test_setup_teardown(test_stale_hash, setup, teardown),
      cmocka_unit_test_setup_teardown(test_fail_frees, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
