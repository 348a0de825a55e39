/*
 * Unit: the stock push's batches and outcomes on a real store
 * (core/flows/stock_push.c; docs/internals/stock.md "Pushing"), without
 * partners: cg__stock_flush writes the outbox rows, and the kind's finish
 * is handed the results Centra would give.
 *
 *  - a batch starts once the oldest dirty SKU waited the window, or a
 *    full batch is dirty; takes up to batch_max SKUs, oldest first, with
 *    P and the version; at most two batches unfinished;
 *  - OK records each figure; a SKU changed meanwhile stays dirty;
 *  - FAIL holds exactly the SKUs Centra's userErrors name (STOCK_SYNC on
 *    each), the others go again; a failure naming none raises one
 *    STOCK_SYNC for the batch; an operator's retry releases a SKU;
 *  - a negative P is sent as 0.
 */
#include "store_fixture.h"

#include "base/json.h"
#include "base/time.h"
#include "centra/centra.h"
#include "flows/flow.h"
#include "flows/outbox.h"
#include "flows/stock.h"
#include "flows/stock_int.h"
#include "flows/stock_push.h"
#include "store/store_stock.h"

#include <string.h>
#include <uv.h>

struct env {
  struct fx fx;
  uv_loop_t loop;
  struct cg_flow f;
  struct cg_stock st;
  int64_t seq;
};

static int setup(void **state)
{
  struct env *e = fx_env_setup(state, sizeof(*e));
  if (e == NULL)
    return -1;
  uv_loop_init(&e->loop);
  struct cg_centra_opts co = {.loop = &e->loop,
                              .merchant = "shop",
                              .url = "http://127.0.0.1:9/graphql",
                              .token = "t",
                              .warehouse = 7};
  e->f = (struct cg_flow){.merchant = "shop",
                          .loop = &e->loop,
                          .store = e->fx.s,
                          .centra = cg_centra_create(&co, NULL),
                          .stock = &e->st};
  e->st = (struct cg_stock){.f = &e->f,
                            .opts = {.window_ms = 2000, .batch_max = 3}};
  cJSON *none = cJSON_CreateObject(); /* the pack's policy: the defaults */
  char why[256];
  if (cg_stock_policy_from_json(none, &e->st.policy, why, sizeof(why)) != 0)
    fail_msg("policy: %s", why);
  cJSON_Delete(none);
  return e->f.centra ? 0 : -1;
}

static int teardown(void **state)
{
  struct env *e = *state;
  cg_centra_destroy(e->f.centra);
  cg_stock_policy_free(e->st.policy);
  uv_run(&e->loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&e->loop), 0);
  return fx_teardown(state); /* e whole: its first member is the fixture */
}

/* A warehouse adjustment of sku (AVAILABLE) applied ago_ms ago. */
static void adjust(struct env *e, const char *sku, int64_t delta,
                   int64_t ago_ms)
{
  struct cg_err err = {0};
  assert_int_equal(cg_store_stock_apply(e->fx.s, ++e->seq, sku, "AVAILABLE",
                                        delta, cg_time_now_ms() - ago_ms, NULL,
                                        &err),
                   0);
}

/* The open rows of the push kind, oldest first. */
static void open_rows(struct env *e, struct cg_store_outbox_list *out)
{
  struct cg_store_outbox_filter flt = {.state = CG_STORE_OUTBOX_PENDING,
                                       .kind = CG_STOCK_PUSH_KIND};
  assert_int_equal(cg_store_outbox_list(e->fx.s, &flt, out, NULL), 0);
}

static struct cg_store_stock row_of(struct env *e, const char *sku)
{
  struct cg_store_stock r = {0};
  assert_int_equal(cg_store_stock_get(e->fx.s, sku, &r, NULL), 0);
  return r;
}

/* Applies res to row as the outbox does (inside a transaction). */
static void finish(struct env *e, const struct cg_store_outbox_row *row,
                   struct cg_call_result *res)
{
  assert_int_equal(cg_store_begin(e->fx.s, NULL), 0);
  assert_int_equal(cg_stock_push_kind.finish(&e->f, row, res), 0);
  assert_int_equal(cg_store_commit(e->fx.s, NULL), 0);
  cg_call_result_clear_data(res);
}

static long open_sync(struct env *e, const char *kind, const char *key)
{
  struct cg_store_exception_filter flt = {.state = "open",
                                          .type = CG_STOCK_SYNC,
                                          .entity_kind = kind,
                                          .entity_key = key};
  struct cg_store_exception_list l = {0};
  assert_int_equal(cg_store_exception_list(e->fx.s, &flt, &l, NULL), 0);
  long n = (long)l.n;
  cg_store_exception_list_clear(&l);
  return n;
}

/* Before the pack's policy is known (no rule generation has answered
 * stock.policy yet), nothing is pushed: the default would write SKUs the
 * pack may exclude. */
static void test_no_policy_yet(void **state)
{
  struct env *e = *state;
  struct cg_stock_policy *p = e->st.policy;
  e->st.policy = NULL;
  adjust(e, "A", 5, 9000);
  cg__stock_flush(&e->st);
  struct cg_store_outbox_list rows = {0};
  open_rows(e, &rows);
  assert_int_equal(rows.n, 0);
  e->st.policy = p;
  cg__stock_flush(&e->st);
  open_rows(e, &rows);
  assert_int_equal(rows.n, 1);
  cg_store_outbox_list_clear(&rows);
}

/* Within the window a batch waits, unless a full batch (batch_max, 3
 * here) is dirty. */
static void test_full_batch_at_once(void **state)
{
  struct env *e = *state;
  struct cg_store_outbox_list rows = {0};
  adjust(e, "A", 1, 0);
  adjust(e, "B", 1, 0);
  cg__stock_flush(&e->st);
  open_rows(e, &rows);
  assert_int_equal(rows.n, 0);
  adjust(e, "C", 1, 0);
  cg__stock_flush(&e->st);
  open_rows(e, &rows);
  assert_int_equal(rows.n, 1);
  cg_store_outbox_list_clear(&rows);
}

/* Due batches: oldest first, batch_max each, two at most unfinished. */
static void test_batches(void **state)
{
  struct env *e = *state;
  adjust(e, "A", 5, 10);
  cg__stock_flush(&e->st); /* within the window: nothing */
  struct cg_store_outbox_list rows = {0};
  open_rows(e, &rows);
  assert_int_equal(rows.n, 0);
  const char *skus[] = {"B", "C", "D", "E", "F", "G", "H"};
  for (int i = 0; i < 7; i++)
    adjust(e, skus[i], i + 1, 9000 - i * 100);
  cg__stock_flush(&e->st);
  open_rows(e, &rows);
  assert_int_equal(rows.n, 2);
  assert_int_equal(e->st.unfinished, 2);
  cJSON *p =
      cg_json_parse(rows.items[0].payload, strlen(rows.items[0].payload), NULL);
  const cJSON *items = cg_json_get(p, "items");
  assert_int_equal(cJSON_GetArraySize(items), 3);
  assert_string_equal(cg_json_str(cJSON_GetArrayItem(items, 0), "sku"), "B");
  assert_int_equal(cg_json_int(cJSON_GetArrayItem(items, 0), "qty", -1), 1);
  assert_int_equal(cg_json_int(cJSON_GetArrayItem(items, 2), "qty", -1), 3);
  struct cg_store_stock b = row_of(e, "B");
  assert_int_equal(b.batch, rows.items[0].id);
  assert_int_equal(cg_json_int(cJSON_GetArrayItem(items, 0), "version", -1),
                   b.version);
  assert_int_equal(b.dirty_since, 0);
  cg_store_stock_clear(&b);
  cJSON_Delete(p);
  cg_store_outbox_list_clear(&rows);
  int64_t n = 0;
  assert_int_equal(cg_store_stock_dirty_count(e->fx.s, &n, NULL), 0);
  assert_int_equal(n, 2); /* H and A wait for a batch to finish */
}

/* OK: figures recorded; a SKU changed while in the batch stays dirty. */
static void test_ok(void **state)
{
  struct env *e = *state;
  adjust(e, "A", 4, 5000);
  adjust(e, "B", 6, 5000);
  cg__stock_flush(&e->st);
  struct cg_store_outbox_list rows = {0};
  open_rows(e, &rows);
  assert_int_equal(rows.n, 1);
  adjust(e, "B", 1, 0);
  struct cg_call_result res;
  cg_call_result_init(&res);
  finish(e, &rows.items[0], &res);
  struct cg_store_stock a = row_of(e, "A"), b = row_of(e, "B");
  assert_true(a.pushed);
  assert_int_equal(a.pushed_qty, 4);
  assert_int_equal(a.batch, 0);
  assert_int_equal(a.dirty_since, 0);
  assert_int_equal(b.pushed_qty, 6);
  assert_true(b.dirty_since > 0); /* 7 goes in the next batch */
  assert_int_equal(e->f.metrics.stock_batches, 1);
  assert_int_equal(e->f.metrics.stock_skus_pushed, 2);
  cg_store_stock_clear(&a);
  cg_store_stock_clear(&b);
  cg_store_outbox_list_clear(&rows);
}

/* setStock's userErrors for the item at index i (a path) and one more
 * naming a SKU in its message only. */
static void refuse(struct cg_call_result *res, const char *json)
{
  cg_call_result_init(res);
  cg_call_result_set(res, CG_OUTCOME_FAIL, "input.productSizes.1.productSize",
                     "Product size not found");
  res->data = cg_json_parse(json, strlen(json), NULL);
  assert_non_null(res->data);
}

/* The operator's retry of sku's STOCK_SYNC (its message names the SKU
 * and the warehouse). */
static void retry_sku(struct env *e, const char *sku)
{
  struct cg_store_exception_filter flt = {.state = "open", .entity_key = sku};
  struct cg_store_exception_list l = {0};
  assert_int_equal(cg_store_exception_list(e->fx.s, &flt, &l, NULL), 0);
  assert_int_equal(l.n, 1);
  assert_non_null(strstr(l.items[0].message, sku));
  assert_non_null(strstr(l.items[0].message, "warehouse 7"));
  assert_true(cg_stock_owns(l.items[0].entity_kind));
  assert_int_equal(cg_stock_retry(&e->f, &l.items[0], NULL), 0);
  cg_store_exception_list_clear(&l);
}

/* FAIL: exactly the SKUs Centra names are held, each with STOCK_SYNC; the
 * others are dirty again; a retry releases one. */
static void test_refused(void **state)
{
  struct env *e = *state;
  adjust(e, "A1", 1, 5000);
  adjust(e, "A10", 2, 5000);
  adjust(e, "C", 3, 5000);
  cg__stock_flush(&e->st);
  struct cg_store_outbox_list rows = {0};
  open_rows(e, &rows);
  assert_int_equal(rows.n, 1);
  struct cg_call_result res;
  refuse(&res, "[{\"message\":\"Product size not found (SKU A10)\","
               "\"path\":[\"input\",\"productSizes\",1,\"productSize\"]},"
               "{\"message\":\"Size C is locked\",\"path\":null}]");
  finish(e, &rows.items[0], &res);
  struct cg_store_stock a1 = row_of(e, "A1"), a10 = row_of(e, "A10"),
                        c = row_of(e, "C");
  assert_false(a1.held);
  assert_true(a1.dirty_since > 0);
  assert_int_equal(a1.batch, 0);
  assert_true(a10.held);
  assert_true(c.held);
  assert_int_equal(open_sync(e, CG_STOCK_SYNC_ENTITY, "A10"), 1);
  assert_int_equal(open_sync(e, CG_STOCK_SYNC_ENTITY, "C"), 1);
  assert_int_equal(open_sync(e, CG_STOCK_SYNC_ENTITY, "A1"), 0);
  int64_t n = 0;
  assert_int_equal(cg_store_stock_dirty_count(e->fx.s, &n, NULL), 0);
  assert_int_equal(n, 1); /* A1 alone goes again */
  retry_sku(e, "A10");
  assert_int_equal(cg_store_stock_dirty_count(e->fx.s, &n, NULL), 0);
  assert_int_equal(n, 2);
  assert_int_equal(open_sync(e, CG_STOCK_SYNC_ENTITY, "A10"), 0);
  cg_store_stock_clear(&a1);
  cg_store_stock_clear(&a10);
  cg_store_stock_clear(&c);
  cg_store_outbox_list_clear(&rows);
}

/* A and B changed and pushed in one batch, which Centra refuses with
 * errors (a userErrors JSON list). */
static void refuse_a_and_b(struct env *e, const char *errors)
{
  adjust(e, "A", 1, 5000);
  adjust(e, "B", 1, 5000);
  cg__stock_flush(&e->st);
  struct cg_store_outbox_list rows = {0};
  open_rows(e, &rows);
  struct cg_call_result res;
  refuse(&res, errors);
  finish(e, &rows.items[0], &res);
  cg_store_outbox_list_clear(&rows);
}

/* Resolved by hand instead of retried: the held SKU is released by the
 * sweep; one whose STOCK_SYNC is still open stays held. */
static void test_resolved_by_hand(void **state)
{
  struct env *e = *state;
  refuse_a_and_b(e, "[{\"message\":\"Unknown size A\",\"path\":null},"
                    "{\"message\":\"Unknown size B\",\"path\":null}]");
  struct cg_store_exception_filter flt = {.state = "open", .entity_key = "A"};
  struct cg_store_exception_list l = {0};
  assert_int_equal(cg_store_exception_list(e->fx.s, &flt, &l, NULL), 0);
  assert_int_equal(l.n, 1);
  assert_int_equal(cg_store_exception_resolve(e->fx.s, l.items[0].id,
                                              "operator", "fixed", NULL),
                   0);
  cg_store_exception_list_clear(&l);
  cg__stock_release_resolved(&e->f);
  struct cg_store_stock a = row_of(e, "A"), b = row_of(e, "B");
  assert_false(a.held);
  assert_true(a.dirty_since > 0);
  assert_true(b.held);
  cg_store_stock_clear(&a);
  cg_store_stock_clear(&b);
}

/* A failure that names no SKU: one STOCK_SYNC for the push, all dirty. */
static void test_refused_whole(void **state)
{
  struct env *e = *state;
  refuse_a_and_b(e, "[{\"message\":\"Warehouse not found\","
                    "\"path\":[\"input\",\"warehouse\"]}]");
  assert_int_equal(
      open_sync(e, CG_STOCK_SYNC_BATCH_ENTITY, CG_STOCK_SYNC_BATCH_KEY), 1);
  int64_t n = 0;
  assert_int_equal(cg_store_stock_dirty_count(e->fx.s, &n, NULL), 0);
  assert_int_equal(n, 2);
}

/* P below 0 (a restocked-return credit taken back twice) is sent as 0. */
static void test_negative(void **state)
{
  struct env *e = *state;
  adjust(e, "A", 1, 5000);
  assert_int_equal(cg_store_stock_return_add(e->fx.s, "A", -4,
                                             cg_time_now_ms() - 5000, NULL),
                   0);
  cg__stock_flush(&e->st);
  struct cg_store_outbox_list rows = {0};
  open_rows(e, &rows);
  assert_int_equal(rows.n, 1);
  cJSON *p =
      cg_json_parse(rows.items[0].payload, strlen(rows.items[0].payload), NULL);
  assert_int_equal(
      cg_json_int(cJSON_GetArrayItem(cg_json_get(p, "items"), 0), "qty", -1),
      0);
  cJSON_Delete(p);
  cg_store_outbox_list_clear(&rows);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_no_policy_yet, setup, teardown),
      cmocka_unit_test_setup_teardown(test_full_batch_at_once, setup, teardown),
      cmocka_unit_test_setup_teardown(test_batches, setup, teardown),
      cmocka_unit_test_setup_teardown(test_ok, setup, teardown),
      cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_resolved_by_hand, setup, teardown),
      cmocka_unit_test_setup_teardown(test_refused_whole, setup, teardown),
      cmocka_unit_test_setup_teardown(test_negative, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
