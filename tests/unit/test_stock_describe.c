/*
 * Unit: core/flows/stock_describe.c over a real store (schema step 9):
 * one SKU's figures (levels, sellable sum under the policy, the pack's
 * figure, D, R, P), its push state (pushed, up to date, dirty, batch,
 * held) and last reconcile, an excluded SKU, an unknown one, and the
 * admin API's lists (dirty, held, drift, a bad state).
 */
#include "store_fixture.h"

#include "base/json.h"
#include "flows/flow.h"
#include "flows/stock.h"
#include "store/store_stock.h"

#include <string.h>

#define NOW 1772000000000LL

static void apply(struct cg_store *s, int64_t seq, const char *sku,
                  const char *status, int64_t delta)
{
  struct cg_err err = {0};
  bool applied = false;
  if (cg_store_stock_apply(s, seq, sku, status, delta, NOW, &applied, &err))
    fail_msg("apply: %s", err.msg);
  assert_true(applied);
}

static struct cg_stock_policy *pol(const char *text)
{
  char why[256];
  struct cg_stock_policy *p = NULL;
  cJSON *t = cg_json_parse(text, strlen(text), NULL);
  assert_int_equal(cg_stock_policy_from_json(t, &p, why, sizeof(why)), 0);
  cJSON_Delete(t);
  return p;
}

/* W = AVAILABLE 10, ALLOCATED 2, DAMAGED 4; D 3; R 1. */
static void seed(struct cg_store *s)
{
  apply(s, 1, "A", "AVAILABLE", 10);
  apply(s, 2, "A", "ALLOCATED", 2);
  apply(s, 3, "A", "DAMAGED", 4);
  assert_int_equal(cg_store_stock_dispatch_add(s, "SHP-1", "A", 3, NOW, NULL),
                   0);
  assert_int_equal(cg_store_stock_return_add(s, "A", 1, NOW, NULL), 0);
  apply(s, 4, "B2B-1", "AVAILABLE", 5);
}

static void test_figures(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  seed(f->s);
  struct cg_stock_policy *p = pol("{\"buffer\":1,\"caps\":{\"A\":100},"
                                  "\"exclude_prefixes\":[\"B2B-\"]}");
  cJSON *d = cg_stock_describe_with(f->s, p, "A", &err);
  assert_non_null(d);
  assert_string_equal(cg_json_str(d, "sku"), "A");
  assert_int_equal(cg_json_int(d, "levels.AVAILABLE", -1), 10);
  assert_int_equal(cg_json_int(d, "levels.DAMAGED", -1), 4);
  assert_int_equal(cg_json_int(d, "warehouse", -1), 16);
  assert_int_equal(cg_json_int(d, "sellable", -1), 12);
  assert_int_equal(cg_json_int(d, "policy.buffer", -1), 1);
  assert_int_equal(cg_json_int(d, "policy.cap", -1), 100);
  assert_int_equal(cg_json_int(d, "figure", -1), 11);
  assert_int_equal(cg_json_int(d, "dispatched", -1), 3);
  assert_int_equal(cg_json_int(d, "returned", -1), 1);
  assert_int_equal(cg_json_int(d, "target", -1), 15); /* 11 + 3 + 1 */
  assert_true(cJSON_IsNull(cg_json_get(d, "pushed")));
  assert_false(cJSON_IsTrue(cg_json_get(d, "up_to_date")));
  assert_true(cg_json_int(d, "dirty_since", 0) > 0);
  assert_true(cJSON_IsNull(cg_json_get(d, "reconcile")));
  cJSON_Delete(d);

  /* the default policy: no buffer, no cap */
  d = cg_stock_describe_with(f->s, NULL, "A", &err);
  assert_int_equal(cg_json_int(d, "target", -1), 16); /* 12 + 3 + 1 */
  assert_true(cJSON_IsNull(cg_json_get(d, "policy.cap")));
  cJSON_Delete(d);

  d = cg_stock_describe_with(f->s, p, "B2B-1", &err);
  assert_true(cJSON_IsTrue(cg_json_get(d, "policy.excluded")));
  assert_true(cJSON_IsNull(cg_json_get(d, "target")));
  cJSON_Delete(d);

  assert_null(cg_stock_describe_with(f->s, p, "NONE", &err));
  assert_int_equal(err.code, CG_ENOTFOUND);
  cg_stock_policy_free(p);
}

static void test_push_state(void **state)
{
  struct fx *f = *state;
  seed(f->s);
  struct cg_store_stock r = {0};
  assert_int_equal(cg_store_stock_get(f->s, "A", &r, NULL), 0);
  assert_int_equal(cg_store_stock_batch_take(f->s, "A", 77, NULL), 0);
  cJSON *d = cg_stock_describe_with(f->s, NULL, "A", NULL);
  assert_int_equal(cg_json_int(d, "batch", -1), 77);
  cJSON_Delete(d);
  assert_int_equal(
      cg_store_stock_batch_done(f->s, "A", true, 16, r.version, NOW + 5, NULL),
      0);
  assert_int_equal(cg_store_stock_centra_seen(f->s, "A", 14, NOW + 9, NULL), 0);
  d = cg_stock_describe_with(f->s, NULL, "A", NULL);
  assert_int_equal(cg_json_int(d, "batch", -1), 0);
  assert_int_equal(cg_json_int(d, "pushed.quantity", -1), 16);
  assert_int_equal(cg_json_int(d, "pushed.version", -1), r.version);
  assert_true(cJSON_IsTrue(cg_json_get(d, "up_to_date")));
  assert_int_equal(cg_json_int(d, "dirty_since", -1), 0);
  assert_int_equal(cg_json_int(d, "reconcile.centra", -1), 14);
  assert_int_equal(cg_json_int(d, "reconcile.at", -1), NOW + 9);
  assert_false(cJSON_IsTrue(cg_json_get(d, "held")));
  cJSON_Delete(d);
  assert_int_equal(cg_store_stock_hold(f->s, "A", true, NOW, NULL), 0);
  d = cg_stock_describe_with(f->s, NULL, "A", NULL);
  assert_true(cJSON_IsTrue(cg_json_get(d, "held")));
  cJSON_Delete(d);
  cg_store_stock_clear(&r);
}

/* The SKUs of a list, comma-separated. */
static void list_skus(struct cg_flow *fl, const char *state, char *out,
                      size_t size)
{
  struct cg_err err = {0};
  cJSON *l = cg_stock_describe_list(fl, state, 10, &err), *e;
  if (l == NULL)
    fail_msg("list %s: %s", state, err.msg);
  out[0] = '\0';
  cJSON_ArrayForEach(e, l)
  {
    strncat(out, cg_json_str(e, "sku"), size - strlen(out) - 2);
    strcat(out, ",");
    assert_non_null(cg_json_get(e, "stock.target"));
  }
  cJSON_Delete(l);
}

static void test_lists(void **state)
{
  struct fx *f = *state;
  char skus[256];
  struct cg_flow fl = {.merchant = "test", .store = f->s};
  seed(f->s);
  list_skus(&fl, "dirty", skus, sizeof(skus));
  assert_string_equal(skus, "A,B2B-1,");
  assert_int_equal(cg_store_stock_hold(f->s, "B2B-1", true, NOW, NULL), 0);
  list_skus(&fl, "held", skus, sizeof(skus));
  assert_string_equal(skus, "B2B-1,");
  list_skus(&fl, "dirty", skus, sizeof(skus));
  assert_string_equal(skus, "A,");
  list_skus(&fl, "drift", skus, sizeof(skus));
  assert_string_equal(skus, "");
  struct cg_store_exception_new x = {.type = "STOCK_DRIFT",
                                     .entity_kind = "stock",
                                     .entity_key = "A",
                                     .message = "Centra 14, P 16"};
  assert_int_equal(cg_store_exception_raise(f->s, &x, NULL, NULL, NULL), 0);
  list_skus(&fl, "drift", skus, sizeof(skus));
  assert_string_equal(skus, "A,");
  struct cg_err err = {0};
  assert_null(cg_stock_describe_list(&fl, "lost", 10, &err));
  assert_int_equal(err.code, CG_EINVAL);
  assert_null(cg_stock_describe_list(&fl, NULL, 10, &err));
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_figures, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_push_state, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_lists, fx_setup, fx_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
