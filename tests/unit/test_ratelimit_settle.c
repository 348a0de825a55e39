/*
 * Unit tests for cg_ratelimit_settle (core/net/ratelimit): a take of an
 * estimated cost corrected once the partner reports the real one. Credits
 * never raise the bucket above its capacity, debits may leave a debt that
 * delays later takes, and estimate-then-settle against a server that
 * counts real costs in sliding windows never exceeds the quota. Times are
 * synthetic milliseconds.
 */
#include "testutil.h"

#include "net/ratelimit.h"

#define T0 1790000000000LL

static void test_credit_capped(void **state)
{
  struct cg_ratelimit rl;
  cg_ratelimit_init(&rl, "settle");
  assert_int_equal(cg_ratelimit_set_bucket(&rl, 20, 20, 10000, T0), 0);
  assert_true(cg_ratelimit_take(&rl, T0, 10)); /* the estimate */
  cg_ratelimit_settle(&rl, T0, 4 - 10);        /* it cost 4 */
  assert_int_equal(cg_ratelimit_tokens(&rl, T0), 16);
  cg_ratelimit_settle(&rl, T0, -100); /* never above the capacity */
  assert_int_equal(cg_ratelimit_tokens(&rl, T0), 20);
  assert_int_equal(rl.stats.taken, 1);
}

static void test_debit_makes_debt(void **state)
{
  struct cg_ratelimit rl;
  cg_ratelimit_init(&rl, "settle");
  assert_int_equal(cg_ratelimit_set_bucket(&rl, 20, 20, 10000, T0), 0);
  assert_true(cg_ratelimit_take(&rl, T0, 20));
  cg_ratelimit_settle(&rl, T0, 10); /* it cost 30 */
  assert_int_equal(cg_ratelimit_tokens(&rl, T0), -10);
  assert_false(cg_ratelimit_take(&rl, T0 + 1000, 1));
  /* 11 tokens at 2 per second: the debt is repaid first. */
  assert_int_equal(cg_ratelimit_next_allowed_ms(&rl, T0, 1), T0 + 5500);
  assert_true(cg_ratelimit_take(&rl, T0 + 5500, 1));
  assert_int_equal(rl.stats.throttled, 1);
}

static void test_no_bucket_pause_and_bounds(void **state)
{
  struct cg_ratelimit rl;
  cg_ratelimit_init(&rl, "settle");
  cg_ratelimit_settle(&rl, T0, 500); /* no bucket: nothing to correct */
  assert_true(cg_ratelimit_take(&rl, T0, 1));
  assert_int_equal(cg_ratelimit_set_bucket(&rl, 10, 10, 1000, T0), 0);
  cg_ratelimit_pause_until(&rl, T0 + 60000);
  cg_ratelimit_settle(&rl, T0, 4); /* a settle is never refused */
  assert_int_equal(cg_ratelimit_tokens(&rl, T0), 6);
  assert_int_equal(rl.stats.paused, 0);
  /* Huge corrections are clamped: no overflow, a bounded debt. */
  for (int i = 0; i < 4; i++)
    cg_ratelimit_settle(&rl, T0, INT64_MAX);
  assert_int_equal(cg_ratelimit_tokens(&rl, T0), -CG_RATELIMIT_MAX_TOKENS);
  cg_ratelimit_settle(&rl, T0, INT64_MIN + 1);
  assert_int_equal(cg_ratelimit_tokens(&rl, T0), 0);
  cg_ratelimit_settle(&rl, T0, -CG_RATELIMIT_MAX_TOKENS);
  assert_int_equal(cg_ratelimit_tokens(&rl, T0), 10);
}

/* A server's sliding window of real costs: the largest sum of costs sent
 * within any window_ms. */
static int64_t worst_window(const int64_t *at, const int64_t *cost, int n,
                            int64_t window_ms)
{
  int64_t worst = 0;
  for (int i = 0; i < n; i++) {
    int64_t sum = 0;
    for (int j = i; j < n && at[j] < at[i] + window_ms; j++)
      sum += cost[j];
    worst = sum > worst ? sum : worst;
  }
  return worst;
}

/* Three operations of fixed real cost, one of them above the burst. A
 * client estimates each at the largest cost it has seen for it (a full
 * burst until then), settles 40 ms after sending, and sends whenever the
 * bucket lets it. The server never sees more than the quota. */
static void test_estimate_settle_never_exceeds(void **state)
{
  static const int64_t real[3] = {7, 120, 900};
  int64_t seen[3] = {0, 0, 0};
  struct cg_ratelimit rl;
  cg_ratelimit_init(&rl, "settle");
  assert_int_equal(cg_ratelimit_set_quota(&rl, 2000, 10000, T0), 0);
  static int64_t at[6000], cost[6000];
  int n = 0, pending = -1;
  int64_t pending_est = 0;
  for (int64_t t = T0; t < T0 + 120000 && n < 6000; t += 10) {
    if (pending >= 0 && t >= at[n - 1] + 40) {
      cg_ratelimit_settle(&rl, t, real[pending] - pending_est);
      seen[pending] = real[pending];
      pending = -1;
    }
    int op = (int)(t / 10 % 7 == 0 ? 2 : t / 10 % 3 == 0 ? 1 : 0);
    int64_t est = seen[op] > 0 ? seen[op] : rl.capacity;
    if (pending >= 0 || !cg_ratelimit_take(&rl, t, est))
      continue;
    at[n] = t;
    cost[n++] = real[op];
    pending = op;
    pending_est = est;
  }
  assert_true(n > 100);
  assert_true(worst_window(at, cost, n, 10000) <= 2000);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_credit_capped),
      cmocka_unit_test(test_debit_makes_debt),
      cmocka_unit_test(test_no_bucket_pause_and_bounds),
      cmocka_unit_test(test_estimate_settle_never_exceeds),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
