/*
 * Unit tests for core/net/retry: the classification table, full-jitter
 * backoff bounds over many draws, Retry-After in every accepted form, and
 * next_at never earlier than a Retry-After deadline.
 */
#include "testutil.h"

#include "base/err.h"
#include "base/rand.h"
#include "net/retry.h"

#include <string.h>

static void test_classify_table(void **state)
{
  static const struct {
    long status;
    int err;
    enum cg_outcome want;
  } rows[] = {
      {200, 0, CG_OUTCOME_OK},
      {201, 0, CG_OUTCOME_OK},
      {204, 0, CG_OUTCOME_OK},
      {299, 0, CG_OUTCOME_OK},
      {408, 0, CG_OUTCOME_RETRY},
      {429, 0, CG_OUTCOME_RETRY},
      {500, 0, CG_OUTCOME_RETRY},
      {502, 0, CG_OUTCOME_RETRY},
      {503, 0, CG_OUTCOME_RETRY},
      {599, 0, CG_OUTCOME_RETRY},
      {0, CG_EIO, CG_OUTCOME_RETRY},
      {0, CG_ETIMEDOUT, CG_OUTCOME_RETRY},
      {0, CG_ECANCELED, CG_OUTCOME_RETRY},
      {0, 0, CG_OUTCOME_RETRY},
      {400, 0, CG_OUTCOME_FAIL},
      {401, 0, CG_OUTCOME_FAIL},
      {403, 0, CG_OUTCOME_FAIL},
      {404, 0, CG_OUTCOME_FAIL},
      {409, 0, CG_OUTCOME_FAIL},
      {422, 0, CG_OUTCOME_FAIL},
      {100, 0, CG_OUTCOME_FAIL},
      {301, 0, CG_OUTCOME_FAIL},
      {304, 0, CG_OUTCOME_FAIL},
  };
  for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
    enum cg_outcome got = cg_retry_classify(rows[i].status, rows[i].err);
    if (got != rows[i].want)
      fail_msg("status %ld err %d: got %d want %d", rows[i].status, rows[i].err,
               got, rows[i].want);
  }
}

static void test_backoff_bounds(void **state)
{
  struct cg_rand rng;
  cg_rand_seed(&rng, 42);
  struct cg_retry_policy p = {.base_ms = 100, .cap_ms = 60000};
  for (int attempt = 1; attempt <= 12; attempt++) {
    int64_t ceiling = 100LL << attempt;
    if (ceiling > 60000)
      ceiling = 60000;
    int64_t lo = INT64_MAX, hi = -1;
    for (int i = 0; i < 2000; i++) {
      int64_t d = cg_retry_backoff_ms(&p, attempt, &rng);
      assert_true(d >= 0 && d <= ceiling);
      lo = d < lo ? d : lo;
      hi = d > hi ? d : hi;
    }
    /* Full jitter: the draws spread over the whole range. */
    assert_true(lo < ceiling / 10 + 1);
    assert_true(hi > ceiling * 9 / 10);
  }
}

static void test_backoff_overflow_and_defaults(void **state)
{
  struct cg_rand rng;
  cg_rand_seed(&rng, 1);
  struct cg_retry_policy p = {.base_ms = 1000, .cap_ms = 5000};
  for (int i = 0; i < 500; i++) {
    assert_true(cg_retry_backoff_ms(&p, 63, &rng) <= 5000);
    assert_true(cg_retry_backoff_ms(&p, 1000, &rng) <= 5000);
    assert_true(cg_retry_backoff_ms(&p, 0, &rng) <= 1000);
    /* Defaults: base 500, cap 300000. */
    assert_true(cg_retry_backoff_ms(NULL, 1, &rng) <= 1000);
    assert_true(cg_retry_backoff_ms(NULL, 40, &rng) <= 300000);
  }
  /* Same seed, same draws. */
  struct cg_rand a, b;
  cg_rand_seed(&a, 9);
  cg_rand_seed(&b, 9);
  for (int i = 0; i < 50; i++)
    assert_int_equal(cg_retry_backoff_ms(&p, 3, &a),
                     cg_retry_backoff_ms(&p, 3, &b));
}

static void test_retry_after_forms(void **state)
{
  const int64_t now = 1790000000000LL + 123; /* Nov 2026, odd millis */
  int64_t d = 0;
  assert_int_equal(cg_retry_after_parse("7", now, &d), 0);
  assert_int_equal(d, now + 7000);
  assert_int_equal(cg_retry_after_parse(" 120 \r\n", now, &d), 0);
  assert_int_equal(d, now + 120000);
  assert_int_equal(cg_retry_after_parse("0", now, &d), 0);
  assert_int_equal(d, now);
  /* IMF-fixdate. */
  assert_int_equal(
      cg_retry_after_parse("Wed, 21 Oct 2015 07:28:00 GMT", now, &d), 0);
  assert_int_equal(d, 1445412480000LL);
  /* The obsolete RFC 850 and asctime forms, same instant. */
  assert_int_equal(
      cg_retry_after_parse("Wednesday, 21-Oct-15 07:28:00 GMT", now, &d), 0);
  assert_int_equal(d, 1445412480000LL);
  assert_int_equal(cg_retry_after_parse("Wed Oct 21 07:28:00 2015", now, &d),
                   0);
  assert_int_equal(d, 1445412480000LL);
  /* A Unix epoch in seconds (> 10^9) is absolute. */
  assert_int_equal(cg_retry_after_parse("1790000030", now, &d), 0);
  assert_int_equal(d, 1790000030000LL);
  /* 10^9 itself is still a (silly) delay. */
  assert_int_equal(cg_retry_after_parse("1000000000", now, &d), 0);
  assert_int_equal(d, now + 1000000000000LL);
}

static void test_retry_after_invalid(void **state)
{
  static const char *const bad[] = {
      "",
      "   ",
      "abc",
      "-1",
      "1.5",
      "7s",
      "10 20",
      "9999999999999",
      "Wed, 21 Oct 2015 07:28:00",
      "Wed, 32 Oct 2015 07:28:00 GMT",
      "12345678901234567890123456789012345678901234567890123456789012345",
  };
  int64_t d = 77;
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    if (cg_retry_after_parse(bad[i], 1000, &d) != CG_EINVAL)
      fail_msg("accepted '%s'", bad[i]);
  }
  assert_int_equal(cg_retry_after_parse(NULL, 1000, &d), CG_EINVAL);
  assert_int_equal(d, 77);
}

static void test_next_at_honours_deadline(void **state)
{
  struct cg_rand rng;
  cg_rand_seed(&rng, 5);
  struct cg_retry_policy p = {.base_ms = 500, .cap_ms = 300000};
  const int64_t now = 1790000000000LL;
  for (int attempt = 1; attempt <= 10; attempt++) {
    for (int i = 0; i < 300; i++) {
      assert_true(cg_retry_next_at(&p, attempt, "30", now, &rng) >=
                  now + 30000);
      assert_true(cg_retry_next_at(&p, attempt, "1790000045", now, &rng) >=
                  1790000045000LL);
      assert_true(cg_retry_next_at(&p, attempt, "Sun, 15 Nov 2026 08:00:00 GMT",
                                   now, &rng) >= 1794729600000LL);
      int64_t plain = cg_retry_next_at(&p, attempt, NULL, now, &rng);
      assert_true(plain >= now && plain <= now + 300000);
    }
  }
  /* A past deadline or garbage leaves the backoff alone. */
  int64_t t =
      cg_retry_next_at(&p, 1, "Wed, 21 Oct 2015 07:28:00 GMT", now, &rng);
  assert_true(t >= now && t <= now + 1000);
  t = cg_retry_next_at(&p, 1, "soon", now, &rng);
  assert_true(t >= now && t <= now + 1000);
  /* A long backoff beats a short Retry-After. */
  struct cg_retry_policy slow = {.base_ms = 100000, .cap_ms = 100000};
  t = cg_retry_next_at(&slow, 1, "1", now, &rng);
  assert_true(t >= now + 1000 && t <= now + 100000);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_classify_table),
      cmocka_unit_test(test_backoff_bounds),
      cmocka_unit_test(test_backoff_overflow_and_defaults),
      cmocka_unit_test(test_retry_after_forms),
      cmocka_unit_test(test_retry_after_invalid),
      cmocka_unit_test(test_next_at_honours_deadline),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
