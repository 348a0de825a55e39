/*
 * ratelimit: the per-partner send limiter every outgoing call passes
 * before it is started (one instance per merchant and partner).
 *
 *   caller's scheduler                     struct cg_ratelimit
 *     want to send (cost n) ---------------> take(now, n)?
 *        yes: send now                        | pause: now < paused_until
 *        no:  wake at next_allowed_ms(now, n) | bucket: level < n tokens
 *     real cost known afterwards ---------> settle(now, real - n)
 *     429/503 + Retry-After -------------> pause_until(deadline)
 *     Centra rateLimits answer ----------> set_quota / observe_remaining
 *
 * Two independent gates, both must be open:
 *  - a token bucket (capacity, `refill` tokens per `interval_ms`, refilled
 *    continuously, exact integer arithmetic); capacity 0 disables it;
 *  - a partner-wide pause: after a 429/503 with Retry-After nothing is
 *    sent to the partner before the deadline, whatever the bucket holds.
 *
 * A plain data structure: no handles, no clock, no allocation (besides
 * create). Times are milliseconds on the caller's clock; use one clock
 * for one limiter, and since Retry-After deadlines are wall-clock
 * (cg_retry_after_parse) that clock is cg_time_now_ms(). A clock that
 * steps backwards refills nothing until it catches up. Not thread-safe:
 * the loop thread owns it.
 */
#ifndef CG_NET_RATELIMIT_H
#define CG_NET_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

/* Bounds accepted by the setters (CG_EINVAL beyond them). With them the
 * level (tokens x interval) stays below 1e17 and a debt is bounded by
 * the same, so every product fits in int64. 1e9 tokens holds an hourly
 * complexity quota in the hundreds of millions. */
#define CG_RATELIMIT_MAX_TOKENS 1000000000
#define CG_RATELIMIT_MAX_INTERVAL_MS (24LL * 3600 * 1000)

struct cg_ratelimit_stats {
  uint64_t taken;     /* takes that succeeded */
  uint64_t throttled; /* takes refused because the bucket was short */
  uint64_t paused;    /* takes refused because of a partner pause */
  uint64_t pauses;    /* pause_until calls that moved the deadline later */
};

/* Fields are readable (stats, paused_until_ms, capacity); change them
 * only through the functions below. */
struct cg_ratelimit {
  char name[32];    /* partner label for log lines, e.g. "centra:acme" */
  int64_t capacity; /* tokens; 0 = no bucket (only the pause applies) */
  int64_t refill;   /* tokens added per interval_ms */
  int64_t interval_ms;
  /* Tokens in units of 1/interval_ms token, as of updated_ms; negative
   * after a take larger than the capacity (debt, repaid by refill). */
  int64_t level;
  int64_t updated_ms;
  int64_t paused_until_ms; /* 0 = never paused */
  struct cg_ratelimit_stats stats;
};

/* Initialises rl with no bucket and no pause. name may be NULL; it is
 * copied (truncated to 31 bytes). */
void cg_ratelimit_init(struct cg_ratelimit *rl, const char *name);
/* Heap variant of init; NULL on CG_ENOMEM. destroy(NULL) is a no-op. */
struct cg_ratelimit *cg_ratelimit_create(const char *name);
void cg_ratelimit_destroy(struct cg_ratelimit *rl);

/* Sets (or replaces, at runtime) the bucket: up to `capacity` tokens,
 * `refill` tokens added per `interval_ms`, continuously. capacity 0
 * removes the bucket. A first bucket starts full; replacing one keeps the
 * tokens already earned, clamped to the new capacity. Returns 0, or
 * CG_EINVAL (rl unchanged) when capacity < 0, refill < 1 or interval_ms
 * < 1 with capacity > 0, or a value beyond the bounds above. */
int cg_ratelimit_set_bucket(struct cg_ratelimit *rl, int64_t capacity,
                            int64_t refill, int64_t interval_ms, int64_t now);
/* Maps a fixed-window server quota ("quota calls per interval_ms", as
 * Centra's rateLimits { quota intervalSeconds }) to a bucket that can
 * never exceed it in any window of that length: burst = max(1, quota/4)
 * tokens, refill = quota - burst per interval (quota 1: one call per two
 * intervals). A plain bucket (quota, quota) could send 2 x quota across a
 * window boundary. quota 0 removes the bucket. Returns 0 or CG_EINVAL. */
int cg_ratelimit_set_quota(struct cg_ratelimit *rl, int64_t quota,
                           int64_t interval_ms, int64_t now);
/* Lowers the bucket to at most `remaining` tokens (Centra's
 * remainingQuota: the budget is shared with other integrations). Never
 * raises it. No-op without a bucket or when remaining < 0. */
void cg_ratelimit_observe_remaining(struct cg_ratelimit *rl, int64_t remaining,
                                    int64_t now);

/* Nothing may be taken before deadline_ms (a Retry-After deadline). An
 * earlier deadline than the current one is ignored: pauses only extend.
 * Logs the new deadline at info level when it moves. */
void cg_ratelimit_pause_until(struct cg_ratelimit *rl, int64_t deadline_ms);
/* True while now < paused_until_ms. */
bool cg_ratelimit_is_paused(const struct cg_ratelimit *rl, int64_t now);

/* The earliest time >= now at which take(cost) would succeed, given no
 * other take and no new pause; == now means "go now". A cost above the
 * capacity is allowed once the bucket is full (it leaves a debt), so the
 * answer is always finite. cost < 0 counts as 0; cost above
 * CG_RATELIMIT_MAX_TOKENS is clamped. Does not change rl. */
int64_t cg_ratelimit_next_allowed_ms(const struct cg_ratelimit *rl, int64_t now,
                                     int64_t cost);
/* Takes cost tokens if both gates are open at now and returns true;
 * otherwise takes nothing, counts the refusal (stats.paused when paused,
 * else stats.throttled) and returns false: ask next_allowed_ms when to
 * wake. */
bool cg_ratelimit_take(struct cg_ratelimit *rl, int64_t now, int64_t cost);
/* Corrects an earlier take whose real cost is known only afterwards (a
 * cost the partner reports in its answer): delta = real - taken. delta >
 * 0 takes the difference now, even below zero (a debt that delays later
 * takes until refill repays it, so the limit is never exceeded); delta <
 * 0 gives the difference back, never above the capacity. Never refused,
 * ignores the pause, counts nothing in stats. No-op without a bucket;
 * |delta| is clamped to CG_RATELIMIT_MAX_TOKENS and the debt to as many
 * tokens. */
void cg_ratelimit_settle(struct cg_ratelimit *rl, int64_t now, int64_t delta);
/* Whole tokens available at now (negative while in debt); 0 without a
 * bucket. For metrics and tests. */
int64_t cg_ratelimit_tokens(const struct cg_ratelimit *rl, int64_t now);

#endif
