/*
 * End to end (issue 12): 200 customer returns through the engine with
 * the default pack. Orders go through the engine to the warehouse and
 * ship; customer service creates a Centra return on shipped lines (one
 * return of a whole order, one per line, or one per unit), each with a
 * comment the pack turns into a reason code ("fit" -> PF, "defect" ->
 * DR, "damage" -> DA). The engine advises each to the warehouse, which
 * receives it with a drawn mix of conditions (SELLABLE, SELLABLE_B,
 * DAMAGED, DEFECTIVE, NOT_RECEIVED) and dispositions (RESTOCK,
 * QUARANTINE, DISPOSE, RETURN_TO_VENDOR).
 *
 * Expected per return, as docs/internals/returns.md says the default
 * pack decides: SELLABLE and SELLABLE_B refund; DEFECTIVE refunds when
 * the reason was a defect, DAMAGED when it was damage; anything else, or
 * a line not received, holds the whole return (RETURN_MISMATCH) with no
 * Centra write. Verdict: each refunded return completed once and
 * refunded once in Centra, each held one neither; no e-mail twice; each
 * warehouse stock event of a return once in its order's timeline
 * ("return restocked") and Centra's stock equal to the warehouse's
 * sellable stock for every SKU once the flows drain (the route
 * "warehouse": the feed counts the units, the completion's restock in
 * Centra is set back by the next push); and one order's timeline, as
 * `centra-gxo orders show` prints it, shows its return created, advised,
 * received per line, completed, refunded and restocked.
 *
 * The draws are seeded: CG_RETURNS_SEED=<n> replays a run (printed).
 */
#include "e2e.h"
#include "e2e_returns.h"

#include "base/mem.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RETURNS 200
#define ORDERS 120

static struct e2e T;
static struct ret_case cases[RETURNS];
static size_t n;

static uint64_t seed_of(void)
{
  const char *env = getenv("CG_RETURNS_SEED");
  return env != NULL && *env != '\0' ? strtoull(env, NULL, 10) : 1212;
}

/* The mix covers every condition and both outcomes. */
static void expect_mix(void)
{
  static const char *const conditions[] = {"SELLABLE", "SELLABLE_B", "DAMAGED",
                                           "DEFECTIVE", "NOT_RECEIVED"};
  long refund = 0, seen[5] = {0};
  for (size_t i = 0; i < n; i++) {
    refund += cases[i].refund;
    for (int j = 0; j < cases[i].n; j++)
      for (int k = 0; k < 5; k++)
        seen[k] += strcmp(cases[i].lines[j].condition, conditions[k]) == 0;
  }
  fprintf(stderr, "%zu returns: %ld to refund, %ld to hold\n", n, refund,
          (long)n - refund);
  for (int k = 0; k < 5; k++)
    if (seen[k] == 0)
      fail_msg("the mix has no %s line", conditions[k]);
  assert_true(refund > 0 && refund < (long)n);
}

static void create_and_receive(void)
{
  for (size_t i = 0; i < n; i++)
    returns_seed(&T, &cases[i]);
  if (!returns_wait_advised(&T, (long)n, 90))
    fail_msg("the warehouse has %ld advices of %zu; see %s",
             returns_advised(&T), n, T.dir);
  for (size_t i = 0; i < n; i++)
    if (returns_receive(&T, &cases[i], NULL) != 200)
      fail_msg("the warehouse could not receive return %s", cases[i].rma);
}

/* A refunded return with a restocked line: the order's timeline as the
 * CLI prints it. */
static void expect_timeline(void)
{
  const struct ret_case *c = NULL;
  for (size_t i = 0; i < n && c == NULL; i++)
    if (cases[i].refund && cases[i].n > 1 &&
        strcmp(cases[i].lines[0].disposition, "RESTOCK") == 0)
      c = &cases[i];
  for (size_t i = 0; i < n && c == NULL; i++)
    if (cases[i].refund &&
        strcmp(cases[i].lines[0].disposition, "RESTOCK") == 0)
      c = &cases[i];
  assert_non_null(c);
  long returns = 0, lines = 0, refunds = 0;
  for (size_t i = 0; i < n; i++) {
    if (cases[i].order != c->order)
      continue;
    returns++;
    lines += cases[i].n;
    refunds += cases[i].refund;
  }
  char args[64];
  snprintf(args, sizeof(args), "orders show %ld", c->order);
  char *out = returns_cli(&T, args);
  fprintf(stderr, "%s", out);
  assert_int_equal(returns_count_lines(out, "  return created "), returns);
  assert_int_equal(returns_count_lines(out, "  return advised "), returns);
  assert_int_equal(returns_count_lines(out, "  return received "), lines);
  assert_int_equal(returns_count_lines(out, "  return completed "), refunds);
  assert_int_equal(returns_count_lines(out, "  return refunded "), refunds);
  assert_true(returns_count_lines(out, "  return restocked ") >= 1);
  assert_non_null(strstr(out, c->lines[0].sku));
  cg_free(out);
}

static void test_returns_mix(void **state)
{
  struct cg_rand rng;
  uint64_t seed = seed_of();
  fprintf(stderr, "CG_RETURNS_SEED=%llu\n", (unsigned long long)seed);
  cg_rand_seed(&rng, seed);
  n = returns_cases(&T, &rng, cases, RETURNS);
  assert_int_equal(n, RETURNS);
  for (size_t i = 0; i < n; i++)
    returns_mix(&rng, &cases[i]);
  expect_mix();
  create_and_receive();
  if (!returns_wait_settled(&T, cases, n, 120))
    fail_msg("returns did not reach their end state; see %s", T.dir);
  long want = 0;
  for (size_t i = 0; i < n; i++)
    want += cases[i].refund;
  assert_int_equal(returns_verify(&T, cases, n), want);
  returns_verify_stock(&T, cases, n, 60);
  expect_timeline();
}

static int setup(void **state)
{
  returns_start(&T, ORDERS, 61, NULL, NULL);
  return 0;
}

static int teardown(void **state)
{
  if (T.engine <= 0) /* a failed test may leave it killed */
    e2e_engine_start(&T);
  e2e_engine_stop(&T);
  e2e_check_integrity(&T);
  e2e_teardown(&T);
  return 0;
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_returns_mix),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
