/*
 * ratelimit: token bucket + partner pause (see ratelimit.h and
 * docs/internals/http-client.md).
 *
 * The bucket level is kept in "ticks": one token is interval_ms ticks and
 * every millisecond adds `refill` ticks, so a continuous refill of
 * refill/interval_ms tokens per ms needs no floating point and loses no
 * fraction. Bounds (1e9 tokens, one day, a debt of at most 1e9 tokens)
 * keep every product in int64.
 */
#include "net/ratelimit.h"

#include "base/err.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"

#include <stdio.h>
#include <string.h>

#define COMP "ratelimit"

void cg_ratelimit_init(struct cg_ratelimit *rl, const char *name)
{
  memset(rl, 0, sizeof(*rl));
  snprintf(rl->name, sizeof(rl->name), "%s", name ? name : "partner");
}

struct cg_ratelimit *cg_ratelimit_create(const char *name)
{
  struct cg_ratelimit *rl = cg_malloc(sizeof(*rl));
  if (rl != NULL)
    cg_ratelimit_init(rl, name);
  return rl;
}

void cg_ratelimit_destroy(struct cg_ratelimit *rl)
{
  cg_free(rl);
}

static int64_t clamp_cost(int64_t cost)
{
  if (cost < 0)
    return 0;
  return cost > CG_RATELIMIT_MAX_TOKENS ? CG_RATELIMIT_MAX_TOKENS : cost;
}

static int64_t full_level(const struct cg_ratelimit *rl)
{
  return rl->capacity * rl->interval_ms;
}

/* Ticks a take of cost needs: a cost above the capacity needs a full
 * bucket (and then leaves a debt). */
static int64_t need_level(const struct cg_ratelimit *rl, int64_t cost)
{
  int64_t tokens = cost < rl->capacity ? cost : rl->capacity;
  return tokens * rl->interval_ms;
}

/* The level at max(now, updated_ms), without storing it. */
static int64_t level_at(const struct cg_ratelimit *rl, int64_t now)
{
  int64_t full = full_level(rl);
  if (now <= rl->updated_ms || rl->level >= full)
    return rl->level;
  int64_t elapsed = now - rl->updated_ms;
  int64_t missing = full - rl->level;
  if (elapsed > missing / rl->refill)
    return full;
  int64_t level = rl->level + elapsed * rl->refill;
  return level < full ? level : full;
}

static void advance(struct cg_ratelimit *rl, int64_t now)
{
  rl->level = level_at(rl, now);
  if (now > rl->updated_ms)
    rl->updated_ms = now;
}

/* Re-expresses the current level in ticks of a new interval, flooring. */
static int64_t convert_level(const struct cg_ratelimit *rl, int64_t interval)
{
  int64_t whole = rl->level / rl->interval_ms;
  int64_t rem = rl->level % rl->interval_ms;
  if (rem < 0) {
    whole--;
    rem += rl->interval_ms;
  }
  return whole * interval + rem * interval / rl->interval_ms;
}

/* Log component "ratelimit:<partner>". */
static const char *comp(const struct cg_ratelimit *rl, char *buf, size_t n)
{
  snprintf(buf, n, COMP ":%s", rl->name);
  return buf;
}

static void log_bucket(const struct cg_ratelimit *rl)
{
  char c[48];
  if (rl->capacity == 0)
    cg_log_info(comp(rl, c, sizeof(c)), "bucket removed; only Retry-After "
                                        "pauses limit sends now");
  else
    cg_log_info(comp(rl, c, sizeof(c)),
                "bucket now %lld tokens, %lld per "
                "%lld ms",
                (long long)rl->capacity, (long long)rl->refill,
                (long long)rl->interval_ms);
}

static bool bucket_valid(int64_t capacity, int64_t refill, int64_t interval)
{
  if (capacity < 0 || capacity > CG_RATELIMIT_MAX_TOKENS)
    return false;
  if (capacity == 0)
    return true;
  return refill >= 1 && refill <= CG_RATELIMIT_MAX_TOKENS && interval >= 1 &&
         interval <= CG_RATELIMIT_MAX_INTERVAL_MS;
}

int cg_ratelimit_set_bucket(struct cg_ratelimit *rl, int64_t capacity,
                            int64_t refill, int64_t interval_ms, int64_t now)
{
  if (!bucket_valid(capacity, refill, interval_ms))
    return CG_EINVAL;
  int64_t level = capacity * interval_ms; /* a first bucket starts full */
  if (capacity > 0 && rl->capacity > 0) {
    advance(rl, now);
    level = convert_level(rl, interval_ms);
    if (level > capacity * interval_ms)
      level = capacity * interval_ms;
  }
  bool changed = capacity != rl->capacity || refill != rl->refill ||
                 interval_ms != rl->interval_ms;
  rl->capacity = capacity;
  rl->refill = capacity > 0 ? refill : 0;
  rl->interval_ms = capacity > 0 ? interval_ms : 0;
  rl->level = capacity > 0 ? level : 0;
  if (now > rl->updated_ms || capacity == 0)
    rl->updated_ms = now;
  if (changed)
    log_bucket(rl);
  return 0;
}

int cg_ratelimit_set_quota(struct cg_ratelimit *rl, int64_t quota,
                           int64_t interval_ms, int64_t now)
{
  if (quota == 0)
    return cg_ratelimit_set_bucket(rl, 0, 0, 0, now);
  if (quota < 0 || interval_ms < 1)
    return CG_EINVAL;
  if (quota == 1)
    return cg_ratelimit_set_bucket(rl, 1, 1, 2 * interval_ms, now);
  int64_t burst = quota / 4 > 0 ? quota / 4 : 1;
  return cg_ratelimit_set_bucket(rl, burst, quota - burst, interval_ms, now);
}

void cg_ratelimit_observe_remaining(struct cg_ratelimit *rl, int64_t remaining,
                                    int64_t now)
{
  if (rl->capacity == 0 || remaining < 0)
    return;
  advance(rl, now);
  int64_t tokens = remaining < rl->capacity ? remaining : rl->capacity;
  if (rl->level > tokens * rl->interval_ms)
    rl->level = tokens * rl->interval_ms;
}

void cg_ratelimit_pause_until(struct cg_ratelimit *rl, int64_t deadline_ms)
{
  if (deadline_ms <= rl->paused_until_ms)
    return;
  rl->paused_until_ms = deadline_ms;
  rl->stats.pauses++;
  char when[40], c[48];
  cg_log_info(comp(rl, c, sizeof(c)),
              "partner asked us to wait: nothing "
              "is sent before %s",
              cg_time_format_iso8601(deadline_ms, when, sizeof(when)));
}

bool cg_ratelimit_is_paused(const struct cg_ratelimit *rl, int64_t now)
{
  return now < rl->paused_until_ms;
}

static int64_t bucket_ready_at(const struct cg_ratelimit *rl, int64_t now,
                               int64_t cost)
{
  if (rl->capacity == 0)
    return now;
  int64_t need = need_level(rl, cost);
  int64_t level = level_at(rl, now);
  if (level >= need)
    return now;
  /* level is as of the later of now and updated_ms. */
  int64_t from = now > rl->updated_ms ? now : rl->updated_ms;
  return from + (need - level + rl->refill - 1) / rl->refill;
}

int64_t cg_ratelimit_next_allowed_ms(const struct cg_ratelimit *rl, int64_t now,
                                     int64_t cost)
{
  int64_t at = bucket_ready_at(rl, now, clamp_cost(cost));
  return at > rl->paused_until_ms ? at : rl->paused_until_ms;
}

bool cg_ratelimit_take(struct cg_ratelimit *rl, int64_t now, int64_t cost)
{
  cost = clamp_cost(cost);
  if (now < rl->paused_until_ms) {
    rl->stats.paused++;
    return false;
  }
  if (rl->capacity > 0) {
    advance(rl, now);
    if (rl->level < need_level(rl, cost)) {
      rl->stats.throttled++;
      return false;
    }
    rl->level -= cost * rl->interval_ms;
  }
  rl->stats.taken++;
  return true;
}

void cg_ratelimit_settle(struct cg_ratelimit *rl, int64_t now, int64_t delta)
{
  if (rl->capacity == 0 || delta == 0)
    return;
  advance(rl, now);
  if (delta > CG_RATELIMIT_MAX_TOKENS)
    delta = CG_RATELIMIT_MAX_TOKENS;
  if (delta < -CG_RATELIMIT_MAX_TOKENS)
    delta = -CG_RATELIMIT_MAX_TOKENS;
  int64_t min_level = -CG_RATELIMIT_MAX_TOKENS * rl->interval_ms;
  int64_t level = rl->level - delta * rl->interval_ms;
  if (level > full_level(rl))
    level = full_level(rl);
  rl->level = level < min_level ? min_level : level;
}

int64_t cg_ratelimit_tokens(const struct cg_ratelimit *rl, int64_t now)
{
  if (rl->capacity == 0)
    return 0;
  int64_t level = level_at(rl, now);
  int64_t whole = level / rl->interval_ms;
  return level < 0 && level % rl->interval_ms != 0 ? whole - 1 : whole;
}
