/*
 * retry: the one retry policy for every partner call (ARCHITECTURE §3).
 *   2xx                         -> CG_OUTCOME_OK
 *   408, 429, 5xx, transport    -> CG_OUTCOME_RETRY
 *   other 4xx (and 1xx/3xx)     -> CG_OUTCOME_FAIL (permanent)
 * Backoff is full jitter: uniform in [0, min(cap, base * 2^attempt)], and
 * never earlier than a Retry-After deadline (delta-seconds or HTTP-date).
 */
#ifndef CG_NET_RETRY_H
#define CG_NET_RETRY_H

#include <stdint.h>

struct cg_rand;

enum cg_outcome {
  CG_OUTCOME_OK = 0,
  CG_OUTCOME_RETRY = 1,
  CG_OUTCOME_FAIL = 2,
};

struct cg_retry_policy {
  int64_t base_ms;  /* default 500 */
  int64_t cap_ms;   /* default 300000 (5 min) */
  int max_attempts; /* 0 = unlimited (outbox rows never drop silently) */
};

/* status 0 means transport error (err != 0). */
enum cg_outcome cg_retry_classify(long status, int transport_err);
/* Delay before attempt number `attempt` (1 = first retry). */
int64_t cg_retry_backoff_ms(const struct cg_retry_policy *p, int attempt,
                            struct cg_rand *rng);
/* Parses Retry-After (delta-seconds, HTTP-date, or a Unix epoch in
 * seconds as Centra's older docs describe) into an absolute wall-clock
 * deadline in ms. Returns 0 or CG_EINVAL. */
int cg_retry_after_parse(const char *value, int64_t now_ms,
                         int64_t *deadline_ms);
/* The wall-clock time of the next attempt: now + backoff, moved later to
 * the Retry-After deadline when one was given (retry_after may be NULL). */
int64_t cg_retry_next_at(const struct cg_retry_policy *p, int attempt,
                         const char *retry_after, int64_t now_ms,
                         struct cg_rand *rng);

#endif
