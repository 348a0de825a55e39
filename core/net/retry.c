/*
 * retry: the one retry policy (see retry.h and docs/internals/
 * http-client.md). Pure functions: no clock, no state; the caller passes
 * "now" and owns the PRNG, so tests are deterministic for a seed.
 *
 *   classify(status, err) -> OK | RETRY | FAIL
 *   next_at = max(now + U[0, min(cap, base * 2^attempt)], Retry-After)
 */
#include "net/retry.h"

#include "base/err.h"
#include "base/rand.h"
#include "base/time.h"

#include <assert.h>
#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#define DEFAULT_BASE_MS 500
#define DEFAULT_CAP_MS 300000
/* A bare number above this is a Unix epoch in seconds, not a delay
 * (10^9 s is 2001-09-09; no partner asks for a 31-year delay). */
#define EPOCH_THRESHOLD 1000000000LL
/* Longest digit string we accept: 12 digits is year 33658 as an epoch. */
#define MAX_DIGITS 12
/* Longest Retry-After text we look at (HTTP-dates are 29 bytes). */
#define MAX_VALUE 64

enum cg_outcome cg_retry_classify(long status, int transport_err)
{
  if (transport_err != 0 || status == 0)
    return CG_OUTCOME_RETRY;
  if (status >= 200 && status <= 299)
    return CG_OUTCOME_OK;
  if (status == 408 || status == 429 || (status >= 500 && status <= 599))
    return CG_OUTCOME_RETRY;
  return CG_OUTCOME_FAIL;
}

/* min(cap, base * 2^attempt) without overflow. */
static int64_t backoff_ceiling(int64_t base, int64_t cap, int attempt)
{
  if (attempt <= 0)
    return base < cap ? base : cap;
  if (attempt >= 62 || base > (cap >> attempt))
    return cap;
  return base << attempt;
}

int64_t cg_retry_backoff_ms(const struct cg_retry_policy *p, int attempt,
                            struct cg_rand *rng)
{
  assert(rng != NULL);
  int64_t base = p != NULL && p->base_ms > 0 ? p->base_ms : DEFAULT_BASE_MS;
  int64_t cap = p != NULL && p->cap_ms > 0 ? p->cap_ms : DEFAULT_CAP_MS;
  int64_t ceiling = backoff_ceiling(base, cap, attempt);
  /* Inclusive upper bound: [0, ceiling]. */
  return (int64_t)cg_rand_below(rng, (uint64_t)ceiling + 1);
}

/* Copies value without surrounding blanks into out; false if too long. */
static bool trim_copy(const char *value, char *out, size_t size)
{
  while (*value == ' ' || *value == '\t')
    value++;
  size_t n = strlen(value);
  while (n > 0 && (value[n - 1] == ' ' || value[n - 1] == '\t' ||
                   value[n - 1] == '\r' || value[n - 1] == '\n'))
    n--;
  if (n == 0 || n >= size)
    return false;
  memcpy(out, value, n);
  out[n] = '\0';
  return true;
}

/* All digits: delta-seconds, or an epoch when above the threshold. */
static int parse_number(const char *s, int64_t now_ms, int64_t *deadline_ms)
{
  size_t n = strlen(s);
  if (n > MAX_DIGITS)
    return CG_EINVAL;
  int64_t v = 0;
  for (size_t i = 0; i < n; i++) {
    if (!isdigit((unsigned char)s[i]))
      return CG_EINVAL;
    v = v * 10 + (s[i] - '0');
  }
  *deadline_ms = v > EPOCH_THRESHOLD ? v * 1000 : now_ms + v * 1000;
  return 0;
}

/* RFC 9110 §5.6.7: recipients accept IMF-fixdate and the two obsolete
 * forms (RFC 850 and asctime). */
static int parse_date(const char *s, int64_t *deadline_ms)
{
  if (cg_time_parse_http(s, deadline_ms) == 0)
    return 0;
  static const char *const obsolete[] = {"%A, %d-%b-%y %H:%M:%S GMT",
                                         "%a %b %e %H:%M:%S %Y"};
  for (size_t i = 0; i < sizeof(obsolete) / sizeof(obsolete[0]); i++) {
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    const char *rest = strptime(s, obsolete[i], &tm);
    if (rest != NULL && *rest == '\0') {
      *deadline_ms = (int64_t)timegm(&tm) * 1000;
      return 0;
    }
  }
  return CG_EINVAL;
}

int cg_retry_after_parse(const char *value, int64_t now_ms,
                         int64_t *deadline_ms)
{
  char s[MAX_VALUE];
  if (value == NULL || deadline_ms == NULL || !trim_copy(value, s, sizeof(s)))
    return CG_EINVAL;
  if (isdigit((unsigned char)s[0]))
    return parse_number(s, now_ms, deadline_ms);
  return parse_date(s, deadline_ms);
}

int64_t cg_retry_next_at(const struct cg_retry_policy *p, int attempt,
                         const char *retry_after, int64_t now_ms,
                         struct cg_rand *rng)
{
  int64_t at = now_ms + cg_retry_backoff_ms(p, attempt, rng);
  int64_t deadline;
  if (retry_after != NULL &&
      cg_retry_after_parse(retry_after, now_ms, &deadline) == 0 &&
      deadline > at)
    at = deadline;
  return at;
}
