/*
 * End to end: 500 seeded orders through the engine. Every good one
 * reaches the warehouse simulator exactly once with orderRef = Centra
 * order number, lines keyed by Centra line ids and the pack's carrier;
 * every bad one is held with the right exception and never created.
 * Then webhooks: forged and stale signatures are refused and counted; a
 * duplicate delivery has no second effect. Secrets stay out of the log
 * and the store.
 */
#define _GNU_SOURCE /* memmem */
#include "e2e.h"
#include "e2e_orders.h"

#include "base/buf.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/time.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct e2e T;

static void test_500_orders(void **state)
{
  char *scenario = e2e_scenario(500, 5);
  struct e2e_opts o = {
      .scenario_json = scenario, .seed = 11, .centra_hints = true};
  e2e_setup(&T, &o);
  cg_free(scenario);
  struct orders_expect x;
  orders_expect_read(&T, &x);
  assert_int_equal(x.total, 500);
  assert_int_equal(x.bad[0] + x.bad[1] + x.bad[2], 15);
  e2e_engine_start(&T);
  if (!orders_wait_settled(&T, &x, 240))
    fail_msg("orders did not settle; see %s/engine.log", T.dir);
  orders_verify(&T, &x);
}

static int64_t first_order_number(void)
{
  cJSON *doc = e2e_get(&T, 'g', "/_sim/wms/orders");
  const cJSON *list = cJSON_IsArray(doc) ? doc : cg_json_get(doc, "orders");
  const cJSON *o;
  int64_t n = 0;
  cJSON_ArrayForEach(o, list) if (cg_json_bool(o, "created", false))
  {
    n = atoll(cg_json_str(o, "orderRef"));
    break;
  }
  cJSON_Delete(doc);
  return n;
}

/* Secrets reach the engine only through its environment; none may appear
 * in its log or its store. */
static void assert_no_secrets(void)
{
  static const char *const secrets[] = {
      "centra-dev-token", "gxo-dev-secret", "gxo-webhook-secret",
      "centra-webhook-secret", "e2e-admin-token"};
  static const char *const files[] = {"engine.log", "shop.db", "shop.db-wal"};
  for (size_t f = 0; f < 3; f++) {
    char path[600];
    snprintf(path, sizeof(path), "%s/%s", T.dir, files[f]);
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
      continue;
    struct cg_buf b = CG_BUF_INIT;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
      cg_buf_append(&b, chunk, n);
    fclose(fp);
    for (size_t i = 0; b.data && i < sizeof(secrets) / sizeof(*secrets); i++)
      if (memmem(b.data, b.len, secrets[i], strlen(secrets[i])) != NULL)
        fail_msg("secret %s found in %s", secrets[i], files[f]);
    cg_buf_free(&b);
  }
}

static void test_webhooks(void **state)
{
  int64_t number = first_order_number();
  assert_true(number > 0);
  char body[512], ref[32];
  snprintf(ref, sizeof(ref), "%lld", (long long)number);
  snprintf(body, sizeof(body),
           "{\"eventId\":\"evt-test-1\",\"eventType\":\"order.accepted\","
           "\"eventVersion\":1,\"sequence\":999999,\"occurredAt\":"
           "\"2026-03-04T08:12:00Z\",\"data\":{\"orderRef\":\"%s\","
           "\"wmsOrderId\":\"W-TEST\"}}",
           ref);
  int64_t now = cg_time_now_ms() / 1000;
  long refused_before = e2e_metric(&T, "cg_webhooks_refused_total");
  assert_int_equal(e2e_post_webhook(&T, "gxo", "not-the-secret", now, body),
                   401);
  assert_int_equal(
      e2e_post_webhook(&T, "gxo", "gxo-webhook-secret", now - 3600, body), 401);
  const char *hint = "payload=%7B%22events%22%3A%5B%7B%22type%22%3A%22order"
                     "%22%2C%22action%22%3A%22update%22%2C%22id%22%3A1001%7D"
                     "%5D%7D";
  assert_int_equal(e2e_post_webhook(&T, "centra", "forged", now, hint), 401);
  assert_int_equal(
      e2e_post_webhook(&T, "centra", "centra-webhook-secret", now - 900, hint),
      401);
  assert_int_equal(e2e_metric(&T, "cg_webhooks_refused_total"),
                   refused_before + 4);
  assert_int_equal(
      e2e_post_webhook(&T, "centra", "centra-webhook-secret", now, hint), 204);
  /* The simulator's own signed hints were accepted during the run. */
  assert_true(e2e_metric(&T, "cg_webhooks_ok_total") > 1);
  int accepted = e2e_timeline_count(&T, ref, "accepted", NULL);
  assert_int_equal(e2e_post_webhook(&T, "gxo", "gxo-webhook-secret", now, body),
                   200);
  assert_int_equal(e2e_post_webhook(&T, "gxo", "gxo-webhook-secret", now, body),
                   200);
  assert_true(accepted <= 1);
  assert_int_equal(e2e_timeline_count(&T, ref, "accepted", NULL), 1);
  e2e_engine_stop(&T);
  assert_no_secrets();
  e2e_teardown(&T);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_500_orders),
      cmocka_unit_test(test_webhooks),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
