/*
 * Unit: core/flows/stock_snapshot.c, one page of GET /stock as complete
 * SKU groups: byStatus items and one-status items, a SKU whose statuses
 * straddle a page boundary held back until the next page (or the last),
 * unreadable items skipped and counted, and a stop from the callback.
 */
#include "base/err.h"
#include "base/mem.h"
#include "flows/stock_rec.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

/* What the callback saw, as "SKU:STATUS=n,STATUS=n;..." ("SKU!:" when
 * the SKU is broken: one of its items was unreadable) */
struct seen {
  char text[1024];
  int calls;
  int stop_at; /* 0 = never */
};

static int on_sku(const struct cg_stock_snap_sku *g, void *arg,
                  struct cg_err *err)
{
  struct seen *s = arg;
  size_t at = strlen(s->text);
  at += (size_t)snprintf(s->text + at, sizeof(s->text) - at, "%s%s:", g->sku,
                         g->broken ? "!" : "");
  for (size_t i = 0; i < g->n; i++)
    at += (size_t)snprintf(s->text + at, sizeof(s->text) - at, "%s%s=%lld",
                           i ? "," : "", g->levels[i].status,
                           (long long)g->levels[i].quantity);
  snprintf(s->text + at, sizeof(s->text) - at, ";");
  if (++s->calls == s->stop_at)
    return cg_err_set(err, CG_EINVAL, "stop");
  return 0;
}

static int feed(const char *json, bool last, struct cg_stock_snap_sku *held,
                struct seen *s, int64_t *bad)
{
  cJSON *items = cJSON_Parse(json);
  assert_non_null(items);
  struct cg_err err = {0};
  int rc = cg__stock_snap_page(items, last, held, on_sku, s, bad, &err);
  cJSON_Delete(items);
  return rc;
}

static void test_by_status_pages(void **state)
{
  (void)state;
  struct cg_stock_snap_sku held = {0};
  struct seen s = {0};
  int64_t bad = 0;
  assert_int_equal(
      feed("[{\"sku\":\"A\",\"onHand\":3,\"byStatus\":{\"AVAILABLE\":2,"
           "\"ALLOCATED\":1}},{\"sku\":\"B\",\"byStatus\":{\"AVAILABLE\":5}}]",
           false, &held, &s, &bad),
      0);
  assert_string_equal(s.text, "A:AVAILABLE=2,ALLOCATED=1;");
  assert_string_equal(held.sku, "B"); /* may go on on the next page */
  assert_int_equal(feed("[{\"sku\":\"C\",\"byStatus\":{\"DAMAGED\":1}}]", true,
                        &held, &s, &bad),
                   0);
  assert_string_equal(s.text,
                      "A:AVAILABLE=2,ALLOCATED=1;B:AVAILABLE=5;C:DAMAGED=1;");
  assert_string_equal(held.sku, "");
  assert_int_equal(bad, 0);
}

static void test_status_items_straddle(void **state)
{
  (void)state;
  struct cg_stock_snap_sku held = {0};
  struct seen s = {0};
  int64_t bad = 0;
  feed("[{\"sku\":\"A\",\"stockStatus\":\"AVAILABLE\",\"quantity\":4},"
       "{\"sku\":\"B\",\"stockStatus\":\"AVAILABLE\",\"quantity\":7}]",
       false, &held, &s, &bad);
  feed("[{\"sku\":\"B\",\"status\":\"QUARANTINE\",\"quantity\":2},"
       "{\"sku\":\"B\",\"stockStatus\":\"AVAILABLE\",\"quantity\":6}]",
       false, &held, &s, &bad);
  assert_string_equal(s.text, "A:AVAILABLE=4;");
  feed("[]", true, &held, &s, &bad);
  /* B's statuses from both pages, a status listed twice: the last */
  assert_string_equal(s.text, "A:AVAILABLE=4;B:AVAILABLE=6,QUARANTINE=2;");
  assert_int_equal(bad, 0);
}

static void test_bad_items_and_stop(void **state)
{
  (void)state;
  struct cg_stock_snap_sku held = {0};
  struct seen s = {.stop_at = 1};
  int64_t bad = 0;
  char long_sku[200];
  memset(long_sku, 'X', sizeof(long_sku) - 1);
  long_sku[sizeof(long_sku) - 1] = '\0';
  char json[512];
  snprintf(json, sizeof(json),
           "[{\"byStatus\":{}},{\"sku\":\"%s\"},{\"sku\":\"A\","
           "\"byStatus\":{\"AVAILABLE\":\"x\"}},{\"sku\":\"A\","
           "\"stockStatus\":\"AVAILABLE\"},{\"sku\":\"B\",\"quantity\":1,"
           "\"stockStatus\":\"OK\"}]",
           long_sku);
  assert_int_equal(feed(json, true, &held, &s, &bad), CG_EINVAL);
  assert_int_equal(bad, 4); /* no sku, long sku, bad number, no quantity */
  assert_string_equal(s.text, "A!:;"); /* not applied: not read as 0 */
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_by_status_pages),
      cmocka_unit_test(test_status_items_straddle),
      cmocka_unit_test(test_bad_items_and_stop),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
