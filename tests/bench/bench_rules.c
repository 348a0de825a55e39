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
#include "bench_kit.h"

#include "base/err.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/time.h"
#include "rules/rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv)
{
  long n = argc > 1 ? atol(argv[1]) : 20000;
  cg_mem_init();
  struct bench_pack bp;
  struct cg_rules_gen *g = bench_load_default("bench_rules", &bp);
  if (g == NULL)
    return 1;
  cJSON *order =
      cg_json_parse(bench_order_json, sizeof(bench_order_json) - 1, NULL);
  printf("bench_rules: %ld orders, generation %s, order JSON %zu bytes\n", n,
         cg_rules_gen_label(g), sizeof(bench_order_json) - 1);
  int rc = bench_plan_inproc(g, order, n / 10 + 1, NULL); /* warm-up */
  if (rc == 0) {
    rc = bench_plan_inproc(g, order, n, "lua plan (4 hooks, default pack)");
    bench_cjson(n);
    printf("lua state after the run: %zu KiB\n",
           cg_rules_gen_mem_used(g) / 1024);
  }
  cJSON_Delete(order);
  cg_rules_gen_release(g);
  return rc;
}
