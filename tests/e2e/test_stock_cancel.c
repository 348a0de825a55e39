/*
 * End to end (issue 10): Centra's own stock moves that the engine causes
 * are set right by the stock flow.
 *
 *   - one unit of an order ships; later the warehouse closes the rest
 *     (order.closed, CP). The default pack cancels the rest in Centra with
 *     removeItemsFromStock, which takes those units out of Centra's
 *     physical stock although the warehouse still holds them (it released
 *     their allocation). The stock flow marks the order's SKUs for a push,
 *     so Centra's stock is the warehouse's again. Without that mark it
 *     stays low until the next reconcile (hours).
 *
 * Its own file: no other test's events (a bogus sequence, say) may bring
 * a gap reconcile that would correct Centra on its own.
 */
#include "e2e.h"
#include "e2e_dispatch.h"
#include "e2e_stock_sides.h"

#include "base/json.h"
#include "base/mem.h"
#include "testutil.h"

#include <stdio.h>
#include <string.h>

static struct e2e T;

/* The first warehouse order of two units or more (caller frees). */
static cJSON *order_of_two(void)
{
  cJSON *doc = dispatch_wms_orders(&T);
  const cJSON *o;
  cJSON *out = NULL;
  cJSON_ArrayForEach(o, dispatch_orders_of(doc))
  {
    if (out == NULL && dispatch_units(o) >= 2)
      out = cJSON_Duplicate(o, true);
  }
  cJSON_Delete(doc);
  assert_non_null(out);
  return out;
}

static void act(const char *ref, const char *action, const char *body)
{
  char path[160];
  snprintf(path, sizeof(path), "/_sim/wms/orders/%s/%s", ref, action);
  dispatch_post_ok(&T, 'g', path, body);
}

/* Waits until Centra's stock is the warehouse's for every SKU. */
static void expect_stock_agrees(const char *when)
{
  struct sides_skus skus = {0};
  sides_skus_read(&T, &skus);
  bool drained = sides_wait_drained(&T, &skus, 60);
  if (!drained)
    sides_print_drain(&T, &skus);
  sides_skus_free(&skus);
  if (!drained)
    fail_msg("Centra's stock is not the warehouse's %s; see %s", when, T.dir);
}

static bool remainder_settled(struct e2e *t, void *arg)
{
  return e2e_timeline_count(t, arg, "remainder settled", NULL) >= 1;
}

static void test_close_later_restocks_centra(void **state)
{
  (void)state;
  cJSON *o = order_of_two();
  const char *ref = cg_json_str(o, "orderRef");
  char body[200];
  snprintf(
      body, sizeof(body),
      "{\"lines\": [{\"lineRef\": \"%s\", \"quantity\": 1}]}",
      cg_json_str(cJSON_GetArrayItem(cg_json_get(o, "lines"), 0), "lineRef"));
  act(ref, "dispatch", body);
  expect_stock_agrees("after the consignment");
  act(ref, "close", "{\"remainder\": \"CP\"}");
  if (!e2e_wait(&T, 60, remainder_settled, (void *)ref))
    fail_msg("order %s: remainder not settled; see %s", ref, T.dir);
  expect_stock_agrees("after the remainder's cancel");
  cJSON_Delete(o);
}

static int setup(void **state)
{
  (void)state;
  dispatch_start(&T, e2e_scenario(3, 0), 3, 53, NULL, NULL);
  return 0;
}

static int teardown(void **state)
{
  (void)state;
  e2e_engine_stop(&T);
  e2e_check_integrity(&T);
  e2e_teardown(&T);
  return 0;
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_close_later_restocks_centra),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
