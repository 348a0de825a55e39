/*
 * End to end (issue 11): orders gated on the item master.
 *
 *  - A launch: merchandising creates a product in Centra and one second
 *    later a customer orders its new size. The warehouse is slow to
 *    answer item batches (5 s), so the order reaches the gate before the
 *    item is accepted: it is held as UNKNOWN_SKU, the item is sent, and
 *    the order goes to the warehouse by itself once the item is accepted
 *    (no operator retry), its UNKNOWN_SKU no longer open.
 *  - Rejections: a size with an 11-digit EAN (the order's pack takes it,
 *    the warehouse refuses it: invalid-gtin) and a product
 *    without an HS code (missing-hs-code) are refused by the warehouse.
 *    Their orders stay held: ITEM_REJECTED (merchandising) on the SKU and
 *    the order's UNKNOWN_SKU naming it, both open. Fixing the product in
 *    Centra sends the item again, and the orders go out by themselves.
 *    An order placed after the rejection is held the same way, its
 *    UNKNOWN_SKU naming the ITEM_REJECTED at once.
 *
 * Throughout, the warehouse never refuses an order for an unknown SKU:
 * the engine sends none before its items are accepted.
 */
#include "e2e.h"
#include "e2e_items.h"

#include "base/json.h"
#include "base/mem.h"
#include "testutil.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

/* The exceptions of type about key (in any state) number at least 1 and,
 * when open is set, one of them is open. */
struct want_x {
  const char *type, *key;
  bool open;
};

static bool has_exception(struct e2e *t, void *arg)
{
  const struct want_x *w = arg;
  cJSON *list = items_exceptions(t, w->type, w->key);
  const cJSON *x;
  bool ok = false;
  cJSON_ArrayForEach(x, list)
  {
    const char *st = cg_json_str(x, "state");
    ok = ok || !w->open || (st && strcmp(st, "open") == 0);
  }
  cJSON_Delete(list);
  return ok;
}

static void wait_exception(const char *type, const char *key, bool open)
{
  struct want_x w = {type, key, open};
  if (!e2e_wait(&T, 60, has_exception, &w))
    fail_msg("no %s%s exception on %s; see %s", open ? "open " : "", type, key,
             T.dir);
}

/* The one exception of type on key (caller deletes). */
static cJSON *the_exception(const char *type, const char *key)
{
  cJSON *list = items_exceptions(&T, type, key);
  assert_int_equal(cJSON_GetArraySize(list), 1);
  cJSON *x = cJSON_DetachItemFromArray(list, 0);
  cJSON_Delete(list);
  return x;
}

/* Whether text holds id as a whole number. */
static bool names_id(const char *text, long id)
{
  char num[24];
  snprintf(num, sizeof(num), "%ld", id);
  for (const char *p = text; p && (p = strstr(p, num)) != NULL; p++) {
    bool left = p == text || !isdigit((unsigned char)p[-1]);
    if (left && !isdigit((unsigned char)p[strlen(num)]))
      return true;
  }
  return false;
}

static void create_product(const char *pn, const char *sku, const char *ean,
                           const char *hs)
{
  cJSON *doc = cJSON_CreateObject();
  cJSON *p = cJSON_CreateObject();
  cg_json_add_str(p, "productNumber", pn);
  cg_json_add_str(p, "name", pn);
  cg_json_add_str(p, "countryOfOrigin", "PT");
  if (hs != NULL)
    cg_json_add_str(p, "harmonizedCommodityCode", hs);
  cJSON *v = cJSON_CreateObject();
  cg_json_add_str(v, "variantNumber", "1");
  cg_json_add_str(v, "name", "One");
  cJSON *s = cJSON_CreateObject();
  cg_json_add_str(s, "sku", sku);
  cg_json_add_str(s, "ean", ean);
  cg_json_add_str(s, "size", "M");
  cJSON_AddItemToArray(cJSON_AddArrayToObject(v, "sizes"), s);
  cJSON_AddItemToArray(cJSON_AddArrayToObject(p, "variants"), v);
  cJSON_AddItemToArray(cJSON_AddArrayToObject(doc, "products"), p);
  char *body = cg_json_print(doc);
  cJSON_Delete(doc);
  assert_int_equal(
      e2e_post_status(&T, 'c', "/_sim/centra/products/create", NULL, body),
      200);
  cg_free(body);
}

static void change_product(const char *body)
{
  assert_int_equal(
      e2e_post_status(&T, 'c', "/_sim/centra/products/update", NULL, body),
      200);
}

static void launch_order_held_then_released(void)
{
  static const char *const skus[] = {"NEW-1-M", "GT-0-0"};
  long number = 5001;
  create_product("NEW-1", "NEW-1-M", "5772428051001", "610910");
  sleep(1);
  items_order(&T, number, skus, 2);
  wait_exception("UNKNOWN_SKU", "5001", false);
  if (!e2e_wait(&T, 60, has_order, &number))
    fail_msg("order 5001 did not go out once NEW-1-M was accepted; see %s",
             T.dir);
  if (!e2e_wait(&T, 30, none_open, "UNKNOWN_SKU"))
    fail_msg("order 5001 is at the warehouse, its UNKNOWN_SKU still open");
}

/* Order number holds sku, which the warehouse rejected: ITEM_REJECTED on
 * the SKU and the order's UNKNOWN_SKU naming it, both open. */
static void held_on_rejected(long number, const char *sku, const char *code)
{
  char key[24];
  snprintf(key, sizeof(key), "%ld", number);
  wait_exception("ITEM_REJECTED", sku, true);
  cJSON *item = the_exception("ITEM_REJECTED", sku);
  long id = (long)cg_json_int(item, "id", 0);
  const char *msg = cg_json_str(item, "message");
  assert_string_equal(cg_json_str(item, "owner"), "merchandising");
  if (strstr(msg, sku) == NULL || strstr(msg, code) == NULL)
    fail_msg("ITEM_REJECTED on %s does not say %s: %s", sku, code, msg);
  wait_exception("UNKNOWN_SKU", key, true);
  cJSON *held = the_exception("UNKNOWN_SKU", key);
  if (!names_id(cg_json_str(held, "message"), id))
    fail_msg("UNKNOWN_SKU of %ld does not name ITEM_REJECTED #%ld: %s", number,
             id, cg_json_str(held, "message"));
  assert_false(items_wms_has_order(&T, number));
  cJSON_Delete(held);
  cJSON_Delete(item);
}

static void rejected_items_keep_orders_held(void)
{
  static const char *const bad_gtin[] = {"NEW-2-M"};
  static const char *const no_hs[] = {"NEW-3-M"};
  long n2 = 5002, n3 = 5003, n4 = 5004;
  create_product("NEW-2", "NEW-2-M", "57724280510", "610910");
  create_product("NEW-3", "NEW-3-M", "5772428051003", NULL);
  items_order(&T, n2, bad_gtin, 1);
  items_order(&T, n3, no_hs, 1);
  held_on_rejected(n2, "NEW-2-M", "invalid-gtin");
  held_on_rejected(n3, "NEW-3-M", "missing-hs-code");
  items_order(&T, n4, bad_gtin, 1); /* ordered after the rejection */
  held_on_rejected(n4, "NEW-2-M", "invalid-gtin");
  /* Merchandising fixes both products in Centra. */
  change_product("{\"sku\": \"NEW-2-M\", \"ean\": \"5772428051002\"}");
  change_product("{\"productNumber\": \"NEW-3\","
                 " \"harmonizedCommodityCode\": \"610910\"}");
  if (!e2e_wait(&T, 60, has_order, &n2) || !e2e_wait(&T, 30, has_order, &n3) ||
      !e2e_wait(&T, 30, has_order, &n4))
    fail_msg("the orders did not go out once their items were fixed; see %s",
             T.dir);
  if (!e2e_wait(&T, 30, none_open, "UNKNOWN_SKU") ||
      !e2e_wait(&T, 30, none_open, "ITEM_REJECTED"))
    fail_msg("exceptions still open once the items were accepted");
}

static void test_items_gate(void **state)
{
  (void)state;
  cJSON *cat = items_catalogue("GT", 0, 5, 2);
  char *scenario = items_scenario(cat);
  cJSON_Delete(cat);
  struct e2e_opts o = {.scenario_json = scenario,
                       .seed = 12,
                       .extra_merchant = items_merchant_config(0, 5)};
  e2e_setup(&T, &o);
  cg_free(scenario);
  e2e_engine_start(&T);
  long want = 10;
  if (!e2e_wait(&T, 90, settled, &want))
    fail_msg("the catalogue did not reach the warehouse; see %s", T.dir);
  /* From now on the warehouse answers item batches after 5 s. */
  cJSON_Delete(e2e_post(&T, 'g', "/_sim/faults",
                        "{\"rules\": [{\"method\": \"POST\", \"path\":"
                        " \"/wms/v1/items:batch\", \"latencyMs\": 5000}]}"));
  launch_order_held_then_released();
  rejected_items_keep_orders_held();
  struct items_wms w;
  items_wms_read(&T, &w);
  assert_int_equal(w.unknown_sku_orders, 0);
  assert_int_equal(w.orders, 4);
  assert_int_equal(items_verify(&T), 13);
  e2e_engine_stop(&T);
  e2e_check_integrity(&T);
  e2e_teardown(&T);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_items_gate),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
