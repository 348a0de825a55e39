/*
 * bench_kit: what the rule benchmarks share (header-only; each bench
 * includes it once): the reference Centra order as the engine reads it
 * (the WarehouseOrder selection, two lines), a monotonic clock, one line
 * of figures, the cJSON floor, and loading rules/default.
 */
#ifndef CG_BENCH_KIT_H
#define CG_BENCH_KIT_H

#include "base/err.h"
#include "base/json.h"
#include "base/mem.h"
#include "flows/hooks.h"
#include "flows/plan.h"
#include "rules/rules.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define BENCH_FN static __attribute__((unused))

BENCH_FN const char bench_order_json[] =
    "{\"__typename\":\"DirectToConsumerOrder\","
    "\"id\":\"1497ccf644db871e1e4026d101bde6f3\",\"number\":83651,"
    "\"status\":\"CONFIRMED\",\"isOnHold\":false,\"isLocked\":false,"
    "\"orderHoldReason\":null,\"orderDate\":\"2026-03-04T08:12:00+00:00\","
    "\"updatedAt\":\"2026-03-04T08:12:00+00:00\",\"otherComment\":\"\","
    "\"store\":{\"id\":1,\"type\":\"DIRECT_TO_CONSUMER\"},"
    "\"market\":{\"id\":1,\"name\":\"Default\"},"
    "\"customer\":{\"email\":\"anna@example.com\"},"
    "\"grandTotal\":{\"value\":901.0,\"currency\":{\"code\":\"EUR\"}},"
    "\"shippingAddress\":{\"firstName\":\"Anna\",\"lastName\":\"Svensson\","
    "\"companyName\":null,\"attention\":null,\"address1\":\"Storgatan 1\","
    "\"address2\":null,\"city\":\"Stockholm\",\"zipCode\":\"111 22\","
    "\"stateOrProvince\":null,\"country\":{\"code\":\"SE\"},"
    "\"email\":\"anna@example.com\",\"phoneNumber\":\"+46700000000\","
    "\"cellPhoneNumber\":null},"
    "\"shippingPriceGroup\":{\"shippingOption\":{\"id\":1,"
    "\"name\":\"PostNord Home\",\"uri\":\"postnord-home\"}},"
    "\"lines\":[{\"__typename\":\"ProductOrderLine\",\"id\":43243,"
    "\"quantity\":1,\"cancelledQuantity\":0,\"productName\":\"Wool coat\","
    "\"productNumber\":\"M411740\",\"productVariantName\":\"Black\","
    "\"size\":\"38\",\"unitPrice\":{\"value\":450.5},\"productSize\":"
    "{\"id\":901,\"SKU\":\"M411740BLK38\",\"EAN\":\"5772428043001\"}},"
    "{\"__typename\":\"ProductOrderLine\",\"id\":43244,"
    "\"quantity\":1,\"cancelledQuantity\":0,\"productName\":\"Wool coat\","
    "\"productNumber\":\"M411740\",\"productVariantName\":\"Black\","
    "\"size\":\"40\",\"unitPrice\":{\"value\":450.5},\"productSize\":"
    "{\"id\":902,\"SKU\":\"M411740BLK40\",\"EAN\":\"5772428043002\"}}]}";

BENCH_FN int64_t bench_now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

BENCH_FN void bench_report(const char *what, long n, int64_t ns)
{
  double per = (double)ns / (double)n;
  printf("%-34s %9.0f ns/order %10.0f orders/s\n", what, per, 1e9 / per);
}

/* The floor any JSON-based flow pays: parse + print of the order. */
BENCH_FN void bench_cjson(long n)
{
  int64_t t0 = bench_now_ns();
  for (long i = 0; i < n; i++) {
    cJSON *j =
        cg_json_parse(bench_order_json, sizeof(bench_order_json) - 1, NULL);
    char *s = cg_json_print(j);
    cg_free(s);
    cJSON_Delete(j);
  }
  bench_report("cjson parse + print of the order", n, bench_now_ns() - t0);
}

/* n in-process order plans (accept, carrier map, address check, GXO
 * payload) of order; prints one line named what (NULL: a warm-up, no
 * line). 1 after printing why a plan failed. */
BENCH_FN int bench_plan_inproc(struct cg_rules_gen *g, const cJSON *order,
                               long n, const char *what)
{
  int64_t t0 = bench_now_ns();
  for (long i = 0; i < n; i++) {
    struct cg_plan plan;
    struct cg_err err = {0};
    if (cg_plan_order(g, order, &plan, &err) != 0 ||
        plan.outcome != CG_PLAN_SEND) {
      fprintf(stderr, "bench: plan failed: %s\n", err.msg);
      return 1;
    }
    cg_plan_clear(&plan);
  }
  if (what != NULL)
    bench_report(what, n, bench_now_ns() - t0);
  return 0;
}

/* Paths and options of rules/default under $CG_SOURCE_DIR. */
struct bench_pack {
  char pack[512];
  char scripts[512];
  struct cg_rules_opts opts;
};

/* Loads rules/default in process; NULL after printing why. */
BENCH_FN struct cg_rules_gen *bench_load_default(const char *who,
                                                 struct bench_pack *p)
{
  const char *src =
      getenv("CG_SOURCE_DIR") ? getenv("CG_SOURCE_DIR") : CG_SOURCE_DIR;
  snprintf(p->pack, sizeof(p->pack), "%s/rules/default", src);
  snprintf(p->scripts, sizeof(p->scripts), "%s/scripts", src);
  p->opts = (struct cg_rules_opts){
      .merchant = "bench", .pack_dir = p->pack, .scripts_dir = p->scripts};
  struct cg_rules_gen *g = NULL;
  struct cg_err err = {0};
  if (cg_hooks_register() != 0) {
    fprintf(stderr, "%s: the flows' hooks did not register\n", who);
    return NULL;
  }
  if (cg_rules_gen_load(&p->opts, 1, &g, &err) != 0) {
    fprintf(stderr, "%s: %s\n", who, err.msg);
    return NULL;
  }
  return g;
}

#endif
