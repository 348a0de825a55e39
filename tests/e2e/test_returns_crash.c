/*
 * End to end (issue 12): exactly once through crashes. The 200 returns
 * of test_returns_flow's mix are created in Centra at once; the engine
 * is then killed (SIGKILL, no drain) at random moments KILLS times and
 * restarted on the same store while the warehouse receives a share of
 * the advised returns in each round (at least 20 kills fall between the
 * first receipt and the last, or with a refund under way), so kills
 * land inside the reads,
 * the advices, the receipts and the settling (Centra's answers are
 * slowed a little so kills fall between a write and its commit).
 * Receipts arrive more than once: the warehouse sends every event by
 * webhook and feed, duplicates some webhooks and holds some back, and
 * the test delivers receipts again under new event ids (same
 * receiptId).
 *
 * Verdict once settled: zero double completions or refunds (the
 * simulated Centra counts both per return), none missing (every return
 * in its expected end state: refunded, or held with one
 * RETURN_MISMATCH), zero double restocks (each warehouse stock event of
 * a return once in its order's timeline, and Centra's stock equal to
 * the warehouse's sellable stock once the flows drain), and the store
 * passes integrity_check.
 *
 * The seed is printed; CG_RETURNS_SEED=<n> replays a run's choices (the
 * kill moments depend on timing too).
 */
#include "e2e.h"
#include "e2e_dispatch.h"
#include "e2e_returns.h"

#include "base/mem.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RETURNS 200
#define ORDERS 120
#define KILLS 30
#define REDELIVER 8 /* receipts delivered again per round */

static struct e2e T;
static struct ret_case cases[RETURNS];
static size_t n, received;
static struct cg_rand rng;

static long below(long k)
{
  return (long)cg_rand_below(&rng, (uint64_t)k);
}

static uint64_t seed_of(void)
{
  const char *env = getenv("CG_RETURNS_SEED");
  if (env != NULL && *env != '\0')
    return strtoull(env, NULL, 10);
  return (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 16);
}

/* Receives up to share returns the warehouse has an advice of (the rest
 * answer 404 until their advice is there). */
static void receive_some(size_t share)
{
  size_t done = 0;
  for (size_t i = 0; i < n && done < share; i++) {
    if (cases[i].received)
      continue;
    long st = returns_receive(&T, &cases[i], NULL);
    if (st != 200 && st != 404)
      fail_msg("the warehouse answered %ld to receiving %s", st, cases[i].rma);
    done += st == 200;
  }
  received += done;
}

/* Delivers REDELIVER received returns' receipts again: half as copies
 * posted to the engine's webhook, half published again by the warehouse
 * (feed and webhook). */
static void redeliver_some(void)
{
  const char *rmas[REDELIVER];
  size_t k = 0;
  for (int tries = 0; tries < 4 * REDELIVER && k < REDELIVER; tries++) {
    const struct ret_case *c = &cases[below((long)n)];
    if (c->received)
      rmas[k++] = c->rma;
  }
  returns_redeliver(&T, rmas, k / 2); /* copies straight to the webhook */
  for (size_t i = k / 2; i < k; i++)  /* the warehouse publishes them again */
    if (returns_redeliver_sim(&T, rmas[i]) != 200)
      fail_msg("the warehouse could not deliver %s's receipt again", rmas[i]);
}

static void nap_ms(long ms)
{
  usleep((useconds_t)ms * 1000);
}

/* Received returns to refund that Centra does not show refunded yet:
 * their settling is under way. */
static long refunds_in_flight(void)
{
  struct ret_view v;
  struct ret_centra rc;
  long k = 0;
  returns_view_read(&T, &v);
  for (size_t i = 0; i < n; i++) {
    returns_centra_of(&v, cases[i].id, &rc);
    k += cases[i].received && cases[i].refund && !rc.refunded;
  }
  returns_view_free(&v);
  return k;
}

/* Each round receives a share of the returns, so receipts (and the
 * settling behind them) go on across most rounds: a kill with returns
 * not yet received, or received and not yet refunded, lands during the
 * returns. */
static void kill_loop(void)
{
  size_t share = n / (KILLS + 6) + 1; /* about 25 rounds of receipts */
  int during = 0, settling = 0;
  for (int k = 0; k < KILLS; k++) {
    e2e_engine_start(&T);
    nap_ms(200 + below(700));
    receive_some(share);
    redeliver_some();
    nap_ms(below(400));
    long flying = refunds_in_flight();
    during += received < n || flying > 0;
    settling += flying > 0;
    e2e_engine_kill(&T);
    if (below(3) == 0)
      receive_some(share / 2 + 1); /* while the engine is down: the feed */
  }
  fprintf(stderr,
          "killed %d times, %d during the returns (%d with refunds under "
          "way); %zu of %zu returns received meanwhile\n",
          KILLS, during, settling, received, n);
  assert_true(during >= 20);
}

static bool all_received(struct e2e *t, void *arg)
{
  (void)t;
  (void)arg;
  receive_some(n);
  return received == n;
}

static void test_sigkill_returns(void **state)
{
  uint64_t seed = seed_of();
  fprintf(stderr, "CG_RETURNS_SEED=%llu\n", (unsigned long long)seed);
  cg_rand_seed(&rng, seed);
  n = returns_cases(&T, &rng, cases, RETURNS);
  assert_int_equal(n, RETURNS);
  for (size_t i = 0; i < n; i++) {
    returns_mix(&rng, &cases[i]);
    returns_seed(&T, &cases[i]);
  }
  dispatch_post_ok(&T, 'g', "/_sim/faults",
                   "{\"webhooks\": {\"duplicateShare\": 0.3, \"reorderShare\":"
                   " 0.2, \"reorderDelayMs\": 300}}");
  dispatch_post_ok(&T, 'c', "/_sim/faults",
                   "{\"rules\": [{\"path\": \"/graphql*\", \"latencyMs\": 10,"
                   " \"latencyJitterMs\": 40}]}");
  e2e_engine_kill(&T); /* the first kill: the returns not read yet */
  kill_loop();
  e2e_engine_start(&T);
  if (!e2e_wait(&T, 90, all_received, NULL))
    fail_msg("%zu of %zu returns advised and received; see %s", received, n,
             T.dir);
  redeliver_some();
  if (!returns_wait_settled(&T, cases, n, 120))
    fail_msg("returns did not reach their end state after %d kills; see %s",
             KILLS, T.dir);
  returns_verify(&T, cases, n);
  returns_verify_stock(&T, cases, n, 90);
}

static int setup(void **state)
{
  /* A poll every few seconds: the safety net for a Centra event read
   * and confirmed by a run that was killed before it stored the return. */
  returns_start(&T, ORDERS, 71, "returns = { poll_s = 5 },", NULL);
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
      cmocka_unit_test(test_sigkill_returns),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
