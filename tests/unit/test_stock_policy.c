/*
 * Unit: core/flows/stock_policy.c, the pack's stock policy: the default,
 * buffers and caps per SKU, per prefix (longest wins) and by default,
 * exclusions, the return route and drift threshold, every validation
 * message (the same from the rule host's check, which builds nothing),
 * and look-ups over 100,000 named SKUs.
 */
#include "base/err.h"
#include "base/json.h"
#include "base/mem.h"
#include "flows/stock.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

/* The policy of the table in text; fails the test if it is refused. */
static struct cg_stock_policy *policy(const char *text)
{
  char why[512] = "";
  struct cg_stock_policy *p = NULL;
  cJSON *t = cg_json_parse(text, strlen(text), NULL);
  assert_non_null(t);
  int rc = cg_stock_policy_from_json(t, &p, why, sizeof(why));
  if (rc != 0)
    fail_msg("refused %s: %s", text, why);
  assert_int_equal(cg_stock_policy_check(t, why, sizeof(why)), 0);
  cJSON_Delete(t);
  return p;
}

/* The message the table in text is refused with. */
static const char *refused(const char *text)
{
  static char why[512];
  struct cg_stock_policy *p = NULL;
  cJSON *t = cg_json_parse(text, strlen(text), NULL);
  assert_non_null(t);
  why[0] = '\0';
  assert_int_equal(cg_stock_policy_from_json(t, &p, why, sizeof(why)),
                   CG_EINVAL);
  assert_null(p);
  char dry[512] = ""; /* the rule host's check says the same */
  assert_int_equal(cg_stock_policy_check(t, dry, sizeof(dry)), CG_EINVAL);
  assert_string_equal(dry, why);
  cJSON_Delete(t);
  return why;
}

static void assert_defaults(const struct cg_stock_policy *p)
{
  assert_true(cg_stock_policy_sellable(p, "AVAILABLE"));
  assert_true(cg_stock_policy_sellable(p, "ALLOCATED"));
  assert_false(cg_stock_policy_sellable(p, "QUARANTINE"));
  assert_false(cg_stock_policy_sellable(p, "DAMAGED"));
  assert_false(cg_stock_policy_sellable(p, "BLOCKED"));
  assert_false(cg_stock_policy_sellable(p, "SELLABLE"));
  assert_false(cg_stock_policy_sellable(p, NULL));
  assert_false(cg_stock_policy_excluded(p, "ANY"));
  assert_int_equal(cg_stock_policy_figure(p, "ANY", 7), 7);
  assert_int_equal(cg_stock_policy_figure(p, "ANY", -3), 0);
  assert_int_equal(cg_stock_policy_return_route(p), CG_STOCK_RETURNS_WAREHOUSE);
  assert_int_equal(cg_stock_policy_drift_threshold(p), 0);
}

static void test_defaults(void **state)
{
  (void)state;
  assert_defaults(cg_stock_policy_default());
  assert_defaults(NULL); /* NULL reads as the default */
  const char *empty[] = {"null", "{}", "[]"};
  for (size_t i = 0; i < 3; i++) {
    struct cg_stock_policy *p = policy(empty[i]);
    assert_defaults(p);
    cg_stock_policy_free(p);
  }
  /* the default scripts/cg/stock.lua table, empty tables as [] */
  struct cg_stock_policy *p =
      policy("{\"sellable\":[\"AVAILABLE\",\"ALLOCATED\"],\"buffer\":0,"
             "\"buffers\":[],\"buffer_prefixes\":[],\"caps\":[],"
             "\"cap_prefixes\":[],\"exclude\":[],\"exclude_prefixes\":[],"
             "\"returns\":\"warehouse\",\"drift_threshold\":0}");
  assert_defaults(p);
  cg_stock_policy_free(p);
  cg_stock_policy_free(NULL);
  cg_stock_policy_free((struct cg_stock_policy *)cg_stock_policy_default());
  assert_true(cg_stock_policy_status_known("BLOCKED"));
  assert_false(cg_stock_policy_status_known("SELLABLE"));
}

static void test_sellable_route_threshold(void **state)
{
  (void)state;
  struct cg_stock_policy *p =
      policy("{\"sellable\":[\"AVAILABLE\",\"QUARANTINE\"],"
             "\"returns\":\"centra\",\"drift_threshold\":5}");
  assert_true(cg_stock_policy_sellable(p, "AVAILABLE"));
  assert_false(cg_stock_policy_sellable(p, "ALLOCATED"));
  assert_true(cg_stock_policy_sellable(p, "QUARANTINE"));
  assert_int_equal(cg_stock_policy_return_route(p), CG_STOCK_RETURNS_CENTRA);
  assert_int_equal(cg_stock_policy_drift_threshold(p), 5);
  cg_stock_policy_free(p);
}

static void test_buffers_and_caps(void **state)
{
  (void)state;
  struct cg_stock_policy *p =
      policy("{\"buffer\":1,\"cap\":100,"
             "\"buffers\":{\"TS-RED-M\":5,\"ZERO\":0},"
             "\"buffer_prefixes\":{\"TS-\":2,\"TS-RED-\":3},"
             "\"caps\":{\"TS-RED-S\":4},\"cap_prefixes\":{\"TS-\":50}}");
  struct cg_stock_policy_sku s;
  /* the SKU's own buffer; cap from the prefix */
  cg_stock_policy_for_sku(p, "TS-RED-M", &s);
  assert_int_equal(s.buffer, 5);
  assert_int_equal(s.cap, 50);
  assert_false(s.excluded);
  /* longest prefix buffer; the SKU's own cap */
  cg_stock_policy_for_sku(p, "TS-RED-S", &s);
  assert_int_equal(s.buffer, 3);
  assert_int_equal(s.cap, 4);
  assert_int_equal(cg_stock_policy_figure(p, "TS-RED-S", 100), 4);
  assert_int_equal(cg_stock_policy_figure(p, "TS-RED-S", 5), 2);
  assert_int_equal(cg_stock_policy_figure(p, "TS-RED-S", 2), 0);
  /* shorter prefix */
  assert_int_equal(cg_stock_policy_figure(p, "TS-BLUE", 10), 8);
  assert_int_equal(cg_stock_policy_figure(p, "TS-BLUE", 1000), 50);
  /* an explicit 0 wins over the default */
  assert_int_equal(cg_stock_policy_figure(p, "ZERO", 10), 10);
  /* the defaults */
  assert_int_equal(cg_stock_policy_figure(p, "OTHER", 10), 9);
  assert_int_equal(cg_stock_policy_figure(p, "OTHER", 500), 100);
  assert_int_equal(cg_stock_policy_figure(p, "OTHER", 0), 0);
  /* a prefix is not a SKU, nor a SKU a prefix */
  assert_int_equal(cg_stock_policy_figure(p, "TS", 10), 9);
  assert_int_equal(cg_stock_policy_figure(p, "TS-RED-MX", 10), 7);
  cg_stock_policy_free(p);
}

static void test_exclusions(void **state)
{
  (void)state;
  struct cg_stock_policy *p =
      policy("{\"exclude\":[\"SAMPLE-1\"],\"exclude_prefixes\":[\"B2B-\","
             "\"GIFT\"],\"buffers\":{\"B2B-X\":1}}");
  assert_true(cg_stock_policy_excluded(p, "SAMPLE-1"));
  assert_false(cg_stock_policy_excluded(p, "SAMPLE-10"));
  assert_true(cg_stock_policy_excluded(p, "B2B-X"));
  assert_true(cg_stock_policy_excluded(p, "B2B-"));
  assert_true(cg_stock_policy_excluded(p, "GIFTCARD-50"));
  assert_false(cg_stock_policy_excluded(p, "B2C-X"));
  assert_false(cg_stock_policy_excluded(p, ""));
  cg_stock_policy_free(p);
}

static void assert_refused(const char *text, const char *part)
{
  const char *why = refused(text);
  if (strstr(why, part) == NULL)
    fail_msg("%s: expected \"%s\" in \"%s\"", text, part, why);
}

static void test_validation(void **state)
{
  (void)state;
  assert_refused("42", "stock.policy must return a table");
  assert_refused("{\"sellable\":[\"SELLABLE\"]}",
                 "unknown stock status \"SELLABLE\"");
  assert_refused("{\"sellable\":[]}", "at least one status");
  assert_refused("{\"sellable\":\"AVAILABLE\"}", "stock.sellable must be a "
                                                 "list of status names");
  assert_refused("{\"buffer\":-1}", "stock.buffer must be a whole number >= 0"
                                    ", not -1");
  assert_refused("{\"buffer\":1.5}", "not 1.5");
  assert_refused("{\"cap\":\"10\"}", "stock.cap must be a whole number");
  assert_refused("{\"drift_threshold\":-2}", "stock.drift_threshold");
  assert_refused("{\"buffers\":{\"X\":-1}}",
                 "stock.buffers[\"X\"] must be a whole number >= 0, not -1");
  assert_refused("{\"caps\":[5]}", "stock.caps must be a table");
  assert_refused("{\"cap_prefixes\":{\"\":5}}",
                 "stock.cap_prefixes names an empty prefix");
  assert_refused("{\"buffer_prefixes\":{\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\":1}}",
                 "longer than 64 bytes");
  assert_refused("{\"exclude\":[\"A\",3]}",
                 "stock.exclude must be a list of strings");
  assert_refused("{\"exclude_prefixes\":{\"A\":true}}",
                 "stock.exclude_prefixes must be a list of strings");
  assert_refused("{\"returns\":\"shop\"}",
                 "stock.returns must be \"warehouse\" or \"centra\", not "
                 "shop");
  assert_refused("{\"returns\":1}", "not a non-string");
  assert_refused("{\"bufers\":{}}", "unknown key \"bufers\"");
}

/* 100,000 named SKUs (one in ten excluded) and 1,000 prefixes: every
 * look-up finds its own entry. */
static void test_many_skus(void **state)
{
  (void)state;
  cJSON *t = cJSON_CreateObject();
  cJSON *buffers = cJSON_AddObjectToObject(t, "buffers");
  cJSON *prefixes = cJSON_AddObjectToObject(t, "cap_prefixes");
  cJSON *exclude = cJSON_AddArrayToObject(t, "exclude");
  char sku[32];
  for (int i = 0; i < 100000; i++) {
    snprintf(sku, sizeof(sku), "SKU-%06d", i);
    cg_json_add_int(buffers, sku, i % 7);
    if (i % 10 == 0)
      cJSON_AddItemToArray(exclude, cJSON_CreateString(sku));
  }
  for (int i = 0; i < 1000; i++) {
    snprintf(sku, sizeof(sku), "SKU-%03d", i);
    cg_json_add_int(prefixes, sku, 1000 + i);
  }
  char why[256] = "";
  struct cg_stock_policy *p = NULL;
  assert_int_equal(cg_stock_policy_from_json(t, &p, why, sizeof(why)), 0);
  cJSON_Delete(t);
  for (int i = 0; i < 100000; i++) {
    struct cg_stock_policy_sku s;
    snprintf(sku, sizeof(sku), "SKU-%06d", i);
    cg_stock_policy_for_sku(p, sku, &s);
    assert_int_equal(s.buffer, i % 7);
    assert_int_equal(s.cap, 1000 + i / 1000);
    assert_int_equal(s.excluded, i % 10 == 0);
  }
  cg_stock_policy_free(p);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_defaults),
      cmocka_unit_test(test_sellable_route_threshold),
      cmocka_unit_test(test_buffers_and_caps),
      cmocka_unit_test(test_exclusions),
      cmocka_unit_test(test_validation),
      cmocka_unit_test(test_many_skus),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
