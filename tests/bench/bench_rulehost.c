/*
 * bench_rulehost: the rule step per order through the rule host
 * (core/rules/host.h), next to the same step in process and the cJSON
 * floor (bench_rules measures those two the same way).
 *
 *   in process     cg_plan_order: accept, carrier map, address
 *                  check, GXO payload on the reference order
 *   host, 4 calls  the same four hooks as four cg_rulehost_call, each
 *                  after the previous answered (the flow's chain)
 *   host, batch    the four as one cg_rulehost_batch (one fork)
 *   host, plans    cg_rulehost_plans (what the order flow uses): one
 *                  order a request, and 32 (one fork for all)
 *   host, trivial  carriers.map of an unknown option: the fixed cost of
 *                  one call through the host (frames, fork, filter, wait)
 *   cjson          parse + print of the order text
 *
 * The host is $CG_BUILD_DIR/centra-gxo. Prints figures only.
 * Usage: bench_rulehost [orders]
 */
#include "bench_kit.h"

#include "base/err.h"
#include "base/json.h"
#include "base/mem.h"
#include "rules/host.h"
#include "rules/rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

static const char carrier_json[] =
    "{\"carrierCode\":\"POSTNORD\",\"serviceCode\":\"PN-MYPACK-HOME\"}";

/* The four hook calls of the plan: hook and its argument list. */
static cJSON *plan_calls(const cJSON *order)
{
  const cJSON *option = cg_json_get(order, "shippingPriceGroup.shippingOption");
  cJSON *calls = cJSON_CreateArray();
  const char *hooks[4] = {"orders.accept", "carriers.map",
                          "orders.check_address", "orders.payload"};
  for (int i = 0; i < 4; i++) {
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "hook", hooks[i]);
    cJSON *args = cJSON_AddArrayToObject(c, "args");
    if (i == 1)
      cJSON_AddItemToArray(args, cJSON_Duplicate(option, true));
    cJSON_AddItemToArray(args, cJSON_Duplicate(order, true));
    if (i == 3)
      cJSON_AddItemToArray(args, cJSON_Parse(carrier_json));
    cJSON_AddItemToArray(calls, c);
  }
  return calls;
}

/* ---- through the host ----------------------------------------------- */

enum mode { MODE_CALLS, MODE_BATCH, MODE_TRIVIAL, MODE_PLAN1, MODE_PLAN32 };

struct run {
  struct cg_rulehost *h;
  const cJSON *calls; /* the plan's four calls */
  cJSON *trivial;     /* [{"uri": "none"}] */
  cJSON *one, *many;  /* [order] and 32 copies: cg_rulehost_plans */
  enum mode mode;
  long n, done_orders;
  int step; /* MODE_CALLS: hook 0..3 of the current order */
  bool failed, finished;
};

static void next(struct run *r);

static void cb_done(int rc, cJSON *reply, const struct cg_err *err, void *arg)
{
  struct run *r = arg;
  cJSON_Delete(reply);
  if (rc != 0) {
    fprintf(stderr, "bench_rulehost: %s\n", err->msg);
    r->failed = r->finished = true;
    return;
  }
  if (r->mode == MODE_PLAN32) {
    r->done_orders += cJSON_GetArraySize(r->many);
  } else if (r->mode != MODE_CALLS || ++r->step == 4) {
    r->step = 0;
    r->done_orders++;
  }
  next(r);
}

static void next(struct run *r)
{
  if (r->done_orders >= r->n) {
    r->finished = true;
    return;
  }
  int rc;
  if (r->mode == MODE_BATCH) {
    rc = cg_rulehost_batch(r->h, r->calls, cb_done, r);
  } else if (r->mode == MODE_PLAN1 || r->mode == MODE_PLAN32) {
    rc =
        cg_rulehost_plans(r->h, CG_PLAN_ORDERS,
                          r->mode == MODE_PLAN1 ? r->one : r->many, cb_done, r);
  } else if (r->mode == MODE_TRIVIAL) {
    rc = cg_rulehost_call(r->h, "carriers.map", r->trivial, cb_done, r);
  } else {
    const cJSON *c = cJSON_GetArrayItem(r->calls, r->step);
    rc = cg_rulehost_call(r->h, cg_json_str(c, "hook"),
                          cJSON_GetObjectItem(c, "args"), cb_done, r);
  }
  if (rc != 0)
    r->failed = r->finished = true;
}

static int bench_host(uv_loop_t *loop, struct run *r, enum mode mode, long n,
                      const char *what)
{
  r->mode = mode;
  r->n = n;
  r->done_orders = 0;
  r->step = 0;
  r->finished = false;
  int64_t t0 = bench_now_ns();
  next(r);
  while (!r->finished)
    uv_run(loop, UV_RUN_ONCE);
  if (!r->failed && what != NULL)
    bench_report(what, n, bench_now_ns() - t0);
  return r->failed ? 1 : 0;
}

static void cb_loaded(int rc, cJSON *reply, const struct cg_err *err, void *arg)
{
  struct run *r = arg;
  if (rc != 0)
    fprintf(stderr, "bench_rulehost: load: %s\n", err->msg);
  else
    printf("bench_rulehost: host loaded %s\n", cg_json_str(reply, "label"));
  cJSON_Delete(reply);
  r->failed = rc != 0;
  r->finished = true;
}

static int host_benches(const struct cg_rules_opts *o, const cJSON *order,
                        long n)
{
  uv_loop_t loop;
  uv_loop_init(&loop);
  char bin[512];
  const char *build = getenv("CG_BUILD_DIR") ? getenv("CG_BUILD_DIR") : ".";
  snprintf(bin, sizeof(bin), "%s/centra-gxo", build);
  struct cg_rulehost_opts ho = {.merchant = "bench", .binary = bin};
  struct run r = {.calls = plan_calls(order),
                  .trivial = cJSON_Parse("[{\"uri\":\"none\"}]"),
                  .one = cJSON_CreateArray(),
                  .many = cJSON_CreateArray()};
  cJSON_AddItemToArray(r.one, cJSON_Duplicate(order, true));
  for (int i = 0; i < 32; i++)
    cJSON_AddItemToArray(r.many, cJSON_Duplicate(order, true));
  struct cg_err err = {0};
  int rc = cg_rulehost_create(&loop, &ho, &r.h, &err);
  if (rc == 0)
    rc = cg_rulehost_load(r.h, o, cb_loaded, &r);
  while (rc == 0 && !r.finished)
    uv_run(&loop, UV_RUN_ONCE);
  rc = rc != 0 || r.failed;
  if (rc == 0)
    rc =
        bench_host(&loop, &r, MODE_CALLS, n / 10 + 1, NULL) ||
        bench_host(&loop, &r, MODE_CALLS, n, "host plan (4 calls, 4 forks)") ||
        bench_host(&loop, &r, MODE_BATCH, n, "host plan (1 batch, 1 fork)") ||
        bench_host(&loop, &r, MODE_TRIVIAL, n,
                   "host trivial call (per call)") ||
        bench_host(&loop, &r, MODE_PLAN1, n, "host plans, 1 order a request") ||
        bench_host(&loop, &r, MODE_PLAN32, n * 4,
                   "host plans, 32 orders a request");
  cg_rulehost_destroy(r.h);
  while (uv_loop_close(&loop) == UV_EBUSY)
    uv_run(&loop, UV_RUN_ONCE);
  cJSON_Delete((cJSON *)r.calls);
  cJSON_Delete(r.trivial);
  cJSON_Delete(r.one);
  cJSON_Delete(r.many);
  return rc;
}

/* ---- in process ------------------------------------------------------- */

int main(int argc, char **argv)
{
  long n = argc > 1 ? atol(argv[1]) : 2000;
  cg_mem_init();
  struct bench_pack bp;
  struct cg_rules_gen *g = bench_load_default("bench_rulehost", &bp);
  if (g == NULL)
    return 1;
  cJSON *order =
      cg_json_parse(bench_order_json, sizeof(bench_order_json) - 1, NULL);
  printf("bench_rulehost: %ld orders, generation %s\n", n,
         cg_rules_gen_label(g));
  int rc = bench_plan_inproc(g, order, n / 10 + 1, NULL) ||
           bench_plan_inproc(g, order, n * 10, "in-process plan (4 hooks)");
  if (rc == 0) {
    bench_cjson(n * 10);
    rc = host_benches(&bp.opts, order, n);
  }
  cJSON_Delete(order);
  cg_rules_gen_release(g);
  return rc;
}
