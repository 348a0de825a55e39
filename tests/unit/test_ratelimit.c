/*
 * Unit tests for core/net/ratelimit: bucket refill (continuous, exact),
 * pause-until, cost above capacity, runtime budget changes, the quota
 * mapping, and the counters. Times are synthetic milliseconds.
 */
#include "testutil.h"

#include "base/err.h"
#include "net/ratelimit.h"

#include <string.h>

#define T0 1790000000000LL

static void test_no_bucket_no_pause(void **state)
{
  struct cg_ratelimit rl;
  cg_ratelimit_init(&rl, "test");
  for (int i = 0; i < 1000; i++)
    assert_true(cg_ratelimit_take(&rl, T0, 5));
  assert_int_equal(cg_ratelimit_next_allowed_ms(&rl, T0, 1), T0);
  assert_int_equal(rl.stats.taken, 1000);
  assert_int_equal(rl.stats.throttled, 0);
}

static void test_bucket_refill(void **state)
{
  struct cg_ratelimit rl;
  cg_ratelimit_init(&rl, "centra:acme");
  /* Centra's mutation budget: 20 per 10 s. */
  assert_int_equal(cg_ratelimit_set_bucket(&rl, 20, 20, 10000, T0), 0);
  assert_int_equal(cg_ratelimit_tokens(&rl, T0), 20);
  for (int i = 0; i < 20; i++)
    assert_true(cg_ratelimit_take(&rl, T0, 1));
  assert_false(cg_ratelimit_take(&rl, T0, 1));
  assert_int_equal(rl.stats.throttled, 1);
  /* One token every 500 ms. */
  assert_int_equal(cg_ratelimit_next_allowed_ms(&rl, T0, 1), T0 + 500);
  assert_int_equal(cg_ratelimit_next_allowed_ms(&rl, T0, 3), T0 + 1500);
  assert_false(cg_ratelimit_take(&rl, T0 + 499, 1));
  assert_true(cg_ratelimit_take(&rl, T0 + 500, 1));
  assert_false(cg_ratelimit_take(&rl, T0 + 500, 1));
  /* Partial progress is kept across refused takes. */
  assert_int_equal(cg_ratelimit_next_allowed_ms(&rl, T0 + 750, 1), T0 + 1000);
  /* Idle for a long time: full, never more than the capacity. */
  assert_int_equal(cg_ratelimit_tokens(&rl, T0 + 3600000), 20);
  for (int i = 0; i < 20; i++)
    assert_true(cg_ratelimit_take(&rl, T0 + 3600000, 1));
  assert_false(cg_ratelimit_take(&rl, T0 + 3600000, 1));
  assert_int_equal(rl.stats.throttled, 4);
  assert_int_equal(rl.stats.paused, 0);
}

static void test_refill_rate_over_time(void **state)
{
  struct cg_ratelimit rl;
  cg_ratelimit_init(&rl, NULL);
  assert_int_equal(cg_ratelimit_set_bucket(&rl, 5, 3, 1000, T0), 0);
  /* Poll every 7 ms for 100 s: the bucket admits 5 + 3 * 100 calls. */
  int sent = 0;
  for (int64_t t = T0; t < T0 + 100000; t += 7)
    sent += cg_ratelimit_take(&rl, t, 1);
  assert_true(sent >= 5 + 300 - 1 && sent <= 5 + 300);
}

static void test_pause_until(void **state)
{
  struct cg_ratelimit rl;
  cg_ratelimit_init(&rl, "gxo:acme");
  assert_int_equal(cg_ratelimit_set_bucket(&rl, 10, 10, 1000, T0), 0);
  cg_ratelimit_pause_until(&rl, T0 + 7000);
  assert_true(cg_ratelimit_is_paused(&rl, T0));
  assert_false(cg_ratelimit_take(&rl, T0, 1));
  assert_false(cg_ratelimit_take(&rl, T0 + 6999, 1));
  assert_int_equal(rl.stats.paused, 2);
  assert_int_equal(rl.stats.throttled, 0);
  assert_int_equal(cg_ratelimit_next_allowed_ms(&rl, T0, 1), T0 + 7000);
  /* An earlier deadline never shortens the pause. */
  cg_ratelimit_pause_until(&rl, T0 + 1000);
  assert_int_equal(rl.paused_until_ms, T0 + 7000);
  assert_int_equal(rl.stats.pauses, 1);
  cg_ratelimit_pause_until(&rl, T0 + 9000);
  assert_int_equal(rl.stats.pauses, 2);
  assert_int_equal(cg_ratelimit_next_allowed_ms(&rl, T0 + 100, 1), T0 + 9000);
  assert_false(cg_ratelimit_take(&rl, T0 + 8999, 1));
  assert_true(cg_ratelimit_take(&rl, T0 + 9000, 1));
  assert_false(cg_ratelimit_is_paused(&rl, T0 + 9000));
  /* The bucket still applies after the pause. */
  for (int i = 0; i < 9; i++)
    assert_true(cg_ratelimit_take(&rl, T0 + 9000, 1));
  assert_false(cg_ratelimit_take(&rl, T0 + 9000, 1));
  assert_int_equal(cg_ratelimit_next_allowed_ms(&rl, T0 + 9000, 1), T0 + 9100);
}

static void test_cost_above_capacity(void **state)
{
  struct cg_ratelimit rl;
  cg_ratelimit_init(&rl, "big");
  assert_int_equal(cg_ratelimit_set_bucket(&rl, 10, 10, 1000, T0), 0);
  assert_true(cg_ratelimit_take(&rl, T0, 1));
  /* Needs a full bucket: 100 ms to get the one token back. */
  assert_false(cg_ratelimit_take(&rl, T0, 25));
  assert_int_equal(cg_ratelimit_next_allowed_ms(&rl, T0, 25), T0 + 100);
  assert_true(cg_ratelimit_take(&rl, T0 + 100, 25));
  /* 15 tokens of debt, repaid by refill before the next call. */
  assert_int_equal(cg_ratelimit_tokens(&rl, T0 + 100), -15);
  assert_int_equal(cg_ratelimit_next_allowed_ms(&rl, T0 + 100, 1),
                   T0 + 100 + 1600);
  assert_false(cg_ratelimit_take(&rl, T0 + 1699, 1));
  assert_true(cg_ratelimit_take(&rl, T0 + 1700, 1));
  /* Absurd costs are clamped, never overflow; negative costs are 0. */
  int64_t at = cg_ratelimit_next_allowed_ms(&rl, T0 + 1700, INT64_MAX);
  assert_true(at > T0 + 1700 && at <= T0 + 1700 + 1000);
  assert_true(cg_ratelimit_take(&rl, T0 + 1700, -5));
}

static void test_runtime_budget_changes(void **state)
{
  struct cg_ratelimit rl;
  cg_ratelimit_init(&rl, "centra:acme");
  assert_int_equal(cg_ratelimit_set_bucket(&rl, 100, 100, 10000, T0), 0);
  for (int i = 0; i < 30; i++)
    assert_true(cg_ratelimit_take(&rl, T0, 1));
  /* rateLimits says the plan is smaller: clamp, keep what was earned. */
  assert_int_equal(cg_ratelimit_set_bucket(&rl, 20, 20, 10000, T0), 0);
  assert_int_equal(cg_ratelimit_tokens(&rl, T0), 20);
  /* A new interval re-expresses the level exactly. */
  assert_int_equal(cg_ratelimit_set_bucket(&rl, 20, 40, 20000, T0), 0);
  assert_int_equal(cg_ratelimit_tokens(&rl, T0), 20);
  /* remainingQuota from the server only ever lowers the bucket. */
  cg_ratelimit_observe_remaining(&rl, 3, T0);
  assert_int_equal(cg_ratelimit_tokens(&rl, T0), 3);
  cg_ratelimit_observe_remaining(&rl, 50, T0);
  assert_int_equal(cg_ratelimit_tokens(&rl, T0), 3);
  /* Bad budgets are refused and change nothing. */
  assert_int_equal(cg_ratelimit_set_bucket(&rl, -1, 1, 1000, T0), CG_EINVAL);
  assert_int_equal(cg_ratelimit_set_bucket(&rl, 5, 0, 1000, T0), CG_EINVAL);
  assert_int_equal(cg_ratelimit_set_bucket(&rl, 5, 5, 0, T0), CG_EINVAL);
  assert_int_equal(
      cg_ratelimit_set_bucket(&rl, CG_RATELIMIT_MAX_TOKENS + 1, 1, 1, T0),
      CG_EINVAL);
  assert_int_equal(rl.capacity, 20);
  /* Capacity 0 removes the bucket. */
  assert_int_equal(cg_ratelimit_set_bucket(&rl, 0, 0, 0, T0), 0);
  assert_true(cg_ratelimit_take(&rl, T0, 1000));
}

static void test_quota_never_exceeded(void **state)
{
  /* Against a fixed-window server (20 per 10 s), poll every 13 ms and
   * count calls in each server window and in every sliding window. */
  struct cg_ratelimit rl;
  cg_ratelimit_init(&rl, "centra:acme");
  assert_int_equal(cg_ratelimit_set_quota(&rl, 20, 10000, T0 + 9000), 0);
  static int64_t sent[4000];
  int n = 0;
  for (int64_t t = T0 + 9000; t < T0 + 200000 && n < 4000; t += 13)
    if (cg_ratelimit_take(&rl, t, 1))
      sent[n++] = t;
  assert_true(n > 280); /* steady 15 per 10 s plus the burst of 5 */
  for (int i = 0; i < n; i++) {
    int in_window = 0;
    for (int j = i; j < n && sent[j] < sent[i] + 10000; j++)
      in_window++;
    assert_true(in_window <= 20);
  }
  assert_int_equal(cg_ratelimit_set_quota(&rl, 1, 10000, T0), 0);
  assert_int_equal(rl.interval_ms, 20000);
  assert_int_equal(cg_ratelimit_set_quota(&rl, -3, 10000, T0), CG_EINVAL);
}

static void test_clock_backwards(void **state)
{
  struct cg_ratelimit rl;
  cg_ratelimit_init(&rl, "clock");
  assert_int_equal(cg_ratelimit_set_bucket(&rl, 2, 2, 1000, T0), 0);
  assert_true(cg_ratelimit_take(&rl, T0, 2));
  /* A step back refills nothing, and the answer stays >= now. */
  assert_false(cg_ratelimit_take(&rl, T0 - 5000, 1));
  int64_t at = cg_ratelimit_next_allowed_ms(&rl, T0 - 5000, 1);
  assert_int_equal(at, T0 + 500);
  assert_true(cg_ratelimit_take(&rl, T0 + 500, 1));
}

static void test_create_destroy(void **state)
{
  struct cg_ratelimit *rl = cg_ratelimit_create("a-very-long-partner-name-"
                                                "that-is-truncated");
  assert_non_null(rl);
  assert_int_equal(strlen(rl->name), sizeof(rl->name) - 1);
  cg_ratelimit_destroy(rl);
  cg_ratelimit_destroy(NULL);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_no_bucket_no_pause),
      cmocka_unit_test(test_bucket_refill),
      cmocka_unit_test(test_refill_rate_over_time),
      cmocka_unit_test(test_pause_until),
      cmocka_unit_test(test_cost_above_capacity),
      cmocka_unit_test(test_runtime_budget_changes),
      cmocka_unit_test(test_quota_never_exceeded),
      cmocka_unit_test(test_clock_backwards),
      cmocka_unit_test(test_create_destroy),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
