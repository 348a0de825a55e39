/*
 * End to end (issue 11): a fix in Centra that does not move the
 * product's updatedAt, read by a sweep an operator starts.
 *
 * The engine listens to Product CREATED/UPDATED and ProductSize CREATED,
 * not to ProductSize UPDATED (Centra emits it on every stock change), and
 * its delta reads go by Product.updatedAt. A size whose EAN is fixed
 * without Centra moving its product's updatedAt is therefore seen only by
 * a full sweep (docs/internals/items.md "Reading Centra").
 *
 * An old product (updatedAt a year back) has a size with an 11-digit EAN:
 * the warehouse refuses it (ITEM_REJECTED) and an order for it is held.
 * Merchandising fixes the EAN in Centra with "touch": false (no event, no
 * new updatedAt). The deltas stop at the watermark less 5 minutes, three
 * pages of 2 products before the old one, so they never read it again.
 * The operator asks for a sweep on the admin API
 * (POST /api/v1/merchants/shop/items/sweep): the sweep reads the new EAN,
 * the item is sent again and accepted, and the order goes by itself.
 */
#include "e2e.h"
#include "e2e_items.h"

#include "base/json.h"
#include "base/mem.h"
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#define BAD_SKU "OLD-9-0"

static struct e2e T;

static bool settled(struct e2e *t, void *arg)
{
  return items_settled(t, *(const long *)arg);
}

static bool has_order(struct e2e *t, void *arg)
{
  return items_wms_has_order(t, *(const long *)arg);
}

static bool none_open(struct e2e *t, void *type)
{
  return e2e_open_exceptions(t, "shop", type) == 0;
}

static bool open_on(struct e2e *t, void *type)
{
  return e2e_open_exceptions(t, "shop", type) > 0;
}

/* Four products dated now, two dated half a year back and the old one,
 * a year back, whose size's EAN has 11 digits. */
static char *scenario(void)
{
  cJSON *cat = items_catalogue("UT", 0, 4, 1);
  cJSON *old = items_catalogue("OLD", 7, 3, 1);
  cJSON *p;
  int i = 0;
  cJSON_ArrayForEach(p, old)
  {
    cg_json_add_str(p, "createdAt", "2025-01-01T10:00:00+00:00");
    cg_json_add_str(p, "updatedAt",
                    i++ < 2 ? "2025-06-01T10:00:00+00:00"
                            : "2025-01-01T10:00:00+00:00");
  }
  cJSON *bad = cJSON_GetArrayItem(
      cg_json_get(cJSON_GetArrayItem(
                      cg_json_get(cJSON_GetArrayItem(old, 2), "variants"), 0),
                  "sizes"),
      0);
  assert_string_equal(cg_json_str(bad, "sku"), BAD_SKU);
  cJSON_ReplaceItemInObject(bad, "ean", cJSON_CreateString("57000000009"));
  while (cJSON_GetArraySize(old) > 0)
    cJSON_AddItemToArray(cat, cJSON_DetachItemFromArray(old, 0));
  cJSON_Delete(old);
  char *text = items_scenario(cat);
  cJSON_Delete(cat);
  return text;
}

static void test_items_untouched(void **state)
{
  (void)state;
  static const char *const skus[] = {BAD_SKU};
  long want = 6, number = 6001;
  char *text = scenario();
  struct e2e_opts o = {
      .scenario_json = text,
      .seed = 13,
      .extra_merchant =
          "items = { sweep_s = 0, poll_s = 0, window_ms = 200, page = 2 },"};
  e2e_setup(&T, &o);
  cg_free(text);
  e2e_engine_start(&T);
  if (!e2e_wait(&T, 90, settled, &want) ||
      !e2e_wait(&T, 30, open_on, "ITEM_REJECTED"))
    fail_msg("the first sweep did not settle with %s rejected; see %s", BAD_SKU,
             T.dir);
  items_order(&T, number, skus, 1);
  if (!e2e_wait(&T, 60, open_on, "UNKNOWN_SKU"))
    fail_msg("order %ld was not held for %s; see %s", number, BAD_SKU, T.dir);
  /* Fixed in Centra without a new updatedAt or an event. */
  cJSON_Delete(e2e_post(&T, 'c', "/_sim/centra/products/update",
                        "{\"sku\": \"" BAD_SKU "\", \"ean\": \"5700000000901\","
                        " \"touch\": false}"));
  cJSON *r = e2e_post(&T, 'a', "/api/v1/merchants/shop/items/sweep", "{}");
  assert_string_equal(cg_json_str(r, "status"), "sweep requested");
  cJSON_Delete(r);
  if (!e2e_wait(&T, 60, has_order, &number))
    fail_msg("order %ld did not go after the sweep; see %s", number, T.dir);
  if (!e2e_wait(&T, 30, none_open, "ITEM_REJECTED") ||
      !e2e_wait(&T, 30, none_open, "UNKNOWN_SKU"))
    fail_msg("exceptions still open once %s was accepted", BAD_SKU);
  assert_int_equal(items_verify(&T), 7);
  e2e_engine_stop(&T);
  e2e_check_integrity(&T);
  e2e_teardown(&T);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_items_untouched),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
