/*
 * Unit: a Centra order whose lines the store cannot hold (a line without
 * an id, two lines with one id, a negative quantity) becomes one open
 * SYNC_FAILURE exception on that order, naming the problem; its inbox row
 * is settled (never retried for ever), nothing of it is stored, and a
 * corrected version is taken as a new message. A message of a kind no
 * flow handles is settled the same way, with an exception naming it.
 */
#include "store_fixture.h"

#include "base/json.h"
#include "flows/flow.h"
#include "flows/inbox.h"
#include "flows/orders.h"

#include <stdio.h>
#include <string.h>

static const char *const BAD[][2] = {
    {"{\"number\":501,\"status\":\"CONFIRMED\",\"updatedAt\":\"t1\","
     "\"lines\":[{\"quantity\":1,\"productSize\":{\"SKU\":\"A\"}}]}",
     "has no id"},
    {"{\"number\":502,\"status\":\"CONFIRMED\",\"updatedAt\":\"t1\","
     "\"lines\":[{\"id\":7,\"quantity\":1,\"productSize\":{\"SKU\":\"A\"}},"
     "{\"id\":7,\"quantity\":2,\"productSize\":{\"SKU\":\"B\"}}]}",
     "two lines have id 7"},
    {"{\"number\":503,\"status\":\"CONFIRMED\",\"updatedAt\":\"t1\","
     "\"lines\":[{\"id\":8,\"quantity\":-2,\"productSize\":{\"SKU\":\"A\"}}]}",
     "quantity -2"},
};

static void take(struct cg_flow *flow, const char *text)
{
  struct cg_err err = {0};
  cJSON *order = cJSON_Parse(text);
  assert_non_null(order);
  assert_int_equal(cg_orders_take(flow, order, "test", &err), 0);
  cJSON_Delete(order);
}

static void test_malformed_becomes_exception(void **state)
{
  struct fx *f = *state;
  struct cg_flow flow = {.merchant = "t", .store = f->s};
  for (size_t i = 0; i < sizeof(BAD) / sizeof(BAD[0]); i++) {
    take(&flow, BAD[i][0]);
    struct cg_store_exception_filter flt = {.state = "open", .limit = 10};
    struct cg_store_exception_list list = {0};
    assert_int_equal(cg_store_exception_list(f->s, &flt, &list, NULL), 0);
    assert_int_equal(list.n, i + 1);
    const struct cg_store_exception *x = NULL;
    char number[8];
    snprintf(number, sizeof(number), "%zu", 501 + i);
    for (size_t k = 0; k < list.n; k++)
      if (strcmp(list.items[k].entity_key, number) == 0)
        x = &list.items[k];
    assert_non_null(x);
    assert_string_equal(x->type, "SYNC_FAILURE");
    assert_string_equal(x->entity_kind, "order");
    if (strstr(x->message, BAD[i][1]) == NULL)
      fail_msg("order %s: '%s' lacks '%s'", number, x->message, BAD[i][1]);
    cg_store_exception_list_clear(&list);
  }
  /* Settled, not pending: nothing waits to be applied again. */
  assert_int_equal(fx_sql_int(f->path, "SELECT count(*) FROM inbox WHERE "
                                       "processed_at IS NULL"),
                   0);
  assert_int_equal(fx_sql_int(f->path, "SELECT count(*) FROM orders"), 0);
  /* A corrected version is a new message (PENDING here, so that no rule
   * pack is needed to decide it). */
  take(&flow, "{\"number\":502,\"status\":\"PENDING\",\"updatedAt\":\"t2\","
              "\"lines\":[]}");
  assert_int_equal(fx_sql_int(f->path, "SELECT count(*) FROM inbox"), 4);
}

static void test_unknown_kind_becomes_exception(void **state)
{
  struct fx *f = *state;
  struct cg_flow flow = {.merchant = "t", .store = f->s};
  struct cg_err err = {0};
  assert_int_equal(cg_inbox_take(&flow, "gxo", "ev-9", "gxo.parcel_lost",
                                 "{\"parcelId\":\"P1\"}", NULL, NULL, &err),
                   0);
  struct cg_store_exception_filter flt = {.state = "open", .limit = 10};
  struct cg_store_exception_list list = {0};
  assert_int_equal(cg_store_exception_list(f->s, &flt, &list, NULL), 0);
  assert_int_equal(list.n, 1);
  assert_string_equal(list.items[0].type, "SYNC_FAILURE");
  assert_string_equal(list.items[0].entity_key, "ev-9");
  assert_non_null(strstr(list.items[0].message, "gxo.parcel_lost"));
  cg_store_exception_list_clear(&list);
  /* settled: it blocks nothing; its payload is kept */
  assert_int_equal(fx_sql_int(f->path, "SELECT count(*) FROM inbox WHERE "
                                       "processed_at IS NULL"),
                   0);
  assert_int_equal(fx_sql_int(f->path, "SELECT count(*) FROM inbox WHERE "
                                       "payload LIKE '%P1%'"),
                   1);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_malformed_becomes_exception,
                                      fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_unknown_kind_becomes_exception,
                                      fx_setup, fx_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
