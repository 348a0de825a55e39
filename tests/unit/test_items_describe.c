/*
 * Unit tests of the item master's views (core/flows/items_describe.c) on
 * a real store: goneFromCentra tells the rows the last finished full
 * sweep should have listed and did not (a size gone from Centra, a
 * placeholder for a SKU Centra does not have), and nothing while no
 * sweep has finished or one is under way; rows first seen after the
 * sweep began are not flagged.
 */
#include "store_fixture.h"

#include "base/json.h"
#include "flows/items.h"
#include "store/store_items.h"

#include <string.h>

/* A row for sku read at now_ms by sweep (0: a delta read). */
static void built(struct fx *f, const char *sku, int64_t sweep, int64_t now_ms)
{
  struct cg_store_item_source src = {
      .sku = sku, .doc = "{}", .hash = "h1", .sweep = sweep};
  assert_int_equal(cg_store_item_source(f->s, &src, now_ms, NULL, NULL), 0);
}

static void sweep_cursor(struct fx *f, const char *json)
{
  assert_int_equal(cg_store_cursor_set(f->s, CG_STORE_ITEMS_SWEEP, json, NULL),
                   0);
}

/* "SKU=flag,..." over the pending list, in SKU order. */
static const char *flags(struct fx *f)
{
  static char out[256];
  struct cg_err err = {0};
  cJSON *d = cg_items_pending(f->s, NULL, NULL, 50, &err);
  const cJSON *e;
  assert_non_null(d);
  out[0] = '\0';
  cJSON_ArrayForEach(e, cg_json_get(d, "items"))
  {
    const cJSON *g = cg_json_get(e, "goneFromCentra");
    assert_true(cJSON_IsBool(g));
    snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s=%d",
             out[0] ? "," : "", cg_json_str(e, "sku"), cJSON_IsTrue(g));
  }
  cJSON_Delete(d);
  return out;
}

static void test_gone_from_centra(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  built(f, "A", 1, 1000); /* listed by sweep 1 */
  built(f, "B", 0, 1000); /* read by a delta, not listed by sweep 1 */
  built(f, "N", 0, 5000); /* new after sweep 1 began */
  assert_int_equal(cg_store_item_wait_add(f->s, "P", "1001", 1000, &err), 0);
  assert_string_equal(flags(f), "A=0,B=0,N=0,P=0"); /* no sweep yet */
  sweep_cursor(f, "{\"n\":1,\"page\":0,\"started\":2000,\"finished\":3000}");
  assert_string_equal(flags(f), "A=0,B=1,N=0,P=1");
  cJSON *one = cg_items_describe(f->s, "B", &err);
  assert_true(cJSON_IsTrue(cg_json_get(one, "goneFromCentra")));
  cJSON_Delete(one);
  /* sweep 2 under way: it will tell */
  sweep_cursor(f, "{\"n\":2,\"page\":3,\"started\":6000}");
  assert_string_equal(flags(f), "A=0,B=0,N=0,P=0");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_gone_from_centra, fx_setup,
                                      fx_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
