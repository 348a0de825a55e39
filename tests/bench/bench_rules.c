/*
 * bench_rules: what the Lua rules cost per order, next to a cJSON parse +
 * print of the same order JSON (the floor any JSON-based flow pays).
 *
 *   lua plan    accept + carrier map + address check + GXO payload on the
 *               reference Centra order through rules/default (each hook
 *               converts its input cJSON->Lua and its result back)
 *   cjson       parse the order text + print it compactly
 *
 * Prints figures only (no assertions). Usage: bench_rules [orders]
 */
#include "base/err.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/time.h"
#include "rules/rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char order_json[] =
    "{\"__typename\":\"DirectToConsumerOrder\","
    "\"id\":\"1497ccf644db871e1e4026d101bde6f3\",\"number\":83651,"
    "\"status\":\"CONFIRMED\",\"isOnHold\":false,\"isWaitingForPayment\":false,"
    "\"isLocked\":false,\"orderHoldReason\":null,\"externalId\":null,"
    "\"orderDate\":\"2026-03-04T08:12:00+00:00\","
    "\"createdAt\":\"2026-03-04T08:12:00+00:00\","
    "\"updatedAt\":\"2026-03-04T08:12:00+00:00\","
    "\"currencyBaseRate\":1.0,\"otherComment\":\"\","
    "\"grandTotal\":{\"value\":901.0,\"currency\":{\"code\":\"EUR\"}},"
    "\"shippingAddress\":{\"firstName\":\"Anna\",\"lastName\":\"Svensson\","
    "\"companyName\":null,\"address1\":\"Storgatan 1\",\"address2\":null,"
    "\"city\":\"Stockholm\",\"zipCode\":\"111 22\",\"stateOrProvince\":null,"
    "\"country\":{\"code\":\"SE\",\"name\":\"Sweden\"},"
    "\"email\":\"anna@example.com\",\"phoneNumber\":\"+46700000000\"},"
    "\"shippingPriceGroup\":{\"shippingOption\":{\"id\":1,"
    "\"name\":\"PostNord Home\",\"uri\":\"postnord-home\"}},"
    "\"lines\":[{\"__typename\":\"ProductOrderLine\",\"id\":43243,"
    "\"quantity\":1,\"cancelledQuantity\":0,\"returnedQuantity\":0,"
    "\"shippedQuantity\":0,\"productName\":\"Wool coat\","
    "\"productNumber\":\"M411740\",\"productVariantName\":\"Black\","
    "\"size\":\"38\",\"unitPrice\":{\"value\":450.5,"
    "\"currency\":{\"code\":\"EUR\"}},\"productSize\":{\"id\":901,"
    "\"SKU\":\"M411740BLK38\",\"EAN\":\"5772428043001\","
    "\"description\":\"38\"}},"
    "{\"__typename\":\"ProductOrderLine\",\"id\":43244,"
    "\"quantity\":1,\"cancelledQuantity\":0,\"returnedQuantity\":0,"
    "\"shippedQuantity\":0,\"productName\":\"Wool coat\","
    "\"productNumber\":\"M411740\",\"productVariantName\":\"Black\","
    "\"size\":\"40\",\"unitPrice\":{\"value\":450.5,"
    "\"currency\":{\"code\":\"EUR\"}},\"productSize\":{\"id\":902,"
    "\"SKU\":\"M411740BLK40\",\"EAN\":\"5772428043002\","
    "\"description\":\"40\"}}],\"shipments\":[]}";

static int64_t now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void report(const char *what, long n, int64_t ns)
{
  double per = (double)ns / (double)n;
  printf("%-34s %9.0f ns/order %10.0f orders/s\n", what, per, 1e9 / per);
}

static int bench_lua(struct cg_rules_gen *g, const cJSON *order, long n)
{
  int64_t t0 = now_ns();
  for (long i = 0; i < n; i++) {
    struct cg_rules_plan plan;
    struct cg_err err = {0};
    if (cg_rules_order_plan(g, order, &plan, &err) != 0 ||
        plan.outcome != CG_RULES_SEND) {
      fprintf(stderr, "bench_rules: plan failed: %s\n", err.msg);
      return 1;
    }
    cg_rules_plan_clear(&plan);
  }
  report("lua plan (4 hooks, default pack)", n, now_ns() - t0);
  return 0;
}

static void bench_cjson(long n)
{
  int64_t t0 = now_ns();
  for (long i = 0; i < n; i++) {
    cJSON *j = cg_json_parse(order_json, sizeof(order_json) - 1, NULL);
    char *s = cg_json_print(j);
    cg_free(s);
    cJSON_Delete(j);
  }
  report("cjson parse + print of the order", n, now_ns() - t0);
}

int main(int argc, char **argv)
{
  long n = argc > 1 ? atol(argv[1]) : 20000;
  cg_mem_init();
  const char *src =
      getenv("CG_SOURCE_DIR") ? getenv("CG_SOURCE_DIR") : CG_SOURCE_DIR;
  char pack[512], scripts[512];
  snprintf(pack, sizeof(pack), "%s/rules/default", src);
  snprintf(scripts, sizeof(scripts), "%s/scripts", src);
  struct cg_rules_opts o = {
      .merchant = "bench", .pack_dir = pack, .scripts_dir = scripts};
  struct cg_rules_gen *g = NULL;
  struct cg_err err = {0};
  if (cg_rules_gen_load(&o, 1, &g, &err) != 0) {
    fprintf(stderr, "bench_rules: %s\n", err.msg);
    return 1;
  }
  cJSON *order = cg_json_parse(order_json, sizeof(order_json) - 1, NULL);
  printf("bench_rules: %ld orders, generation %s, order JSON %zu bytes\n", n,
         cg_rules_gen_label(g), sizeof(order_json) - 1);
  int rc = bench_lua(g, order, n / 10 + 1); /* warm-up */
  if (rc == 0) {
    rc = bench_lua(g, order, n);
    bench_cjson(n);
    printf("lua state after the run: %zu KiB\n",
           cg_rules_gen_mem_used(g) / 1024);
  }
  cJSON_Delete(order);
  cg_rules_gen_release(g);
  return rc;
}
