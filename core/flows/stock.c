/*
 * stock: the core of the stock flow (docs/internals/stock.md). Owns
 * struct cg_stock and its two timers (the flusher of stock_push.c, the
 * schedule of stock_reconcile.c), the policy in force, P = policy(W) + D +
 * R per SKU, and the application of warehouse events to W and D inside
 * the inbox transaction: stock.adjusted (one effect), stock.status_moved
 * (two), stock.snapshot (announced for the reconcile), shipment.confirmed
 * (units leave ALLOCATED and enter D) and the completion of a
 * consignment's Centra shipment (units leave D). Each effect counts once
 * through the store's applied-event log (store_stock.h).
 */
#include "flows/stock_int.h"

#include "base/err.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"
#include "flows/flow.h"
#include "flows/returns.h"
#include "store/store.h"
#include "store/store_stock.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define container_of(ptr, type, member)                                        \
  ((type *)((char *)(ptr)-offsetof(type, member)))

#define COMP "stock"
/* A new policy is compared with what Centra holds this many SKUs per
 * flush tick, each chunk in its own transaction (cursor SWEEP). */
#define SWEEP_CHUNK 500
#define SWEEP "stock.policy.sweep" /* "" = none; "+<sku>" = after sku */

/* Declared in stock.h by the policy module (H14); here until the merge. */
void cg_stock_policy_free(struct cg_stock_policy *p);

/* ---- lifecycle -----------------------------------------------------------*/

static void fill_defaults(struct cg_stock_opts *o)
{
  if (o->window_ms <= 0)
    o->window_ms = 2000;
  if (o->batch_max <= 0)
    o->batch_max = 500;
  if (o->reconcile_s < 0)
    o->reconcile_s = 21600;
  if (o->gap_grace_ms <= 0)
    o->gap_grace_ms = 60000;
  if (o->snapshot_page <= 0)
    o->snapshot_page = 1000;
}

struct cg_stock *cg_stock_create(struct cg_flow *f,
                                 const struct cg_stock_opts *opts)
{
  struct cg_stock *st = cg_calloc(1, sizeof(*st));
  if (st == NULL)
    return NULL;
  st->f = f;
  if (opts != NULL)
    st->opts = *opts;
  else
    st->opts.reconcile_s = -1; /* the default */
  fill_defaults(&st->opts);
  return st;
}

static void policy_sweep_step(struct cg_stock *st);

static void on_flush_timer(uv_timer_t *t)
{
  struct cg_stock *st = container_of(t, struct cg_stock, flush);
  if (st->closing)
    return;
  policy_sweep_step(st);
  cg__stock_flush(st);
}

/* No policy has ever come from the pack (pushes wait for one) and the
 * last ask failed: ask again when due. */
static void policy_retry(struct cg_stock *st)
{
  if (st->policy != NULL || st->policy_retry_ms == 0 ||
      cg_time_mono_ms() < st->policy_retry_ms)
    return;
  st->policy_retry_ms = 0;
  cg_stock_policy_ask(st->f);
}

static void on_tick_timer(uv_timer_t *t)
{
  struct cg_stock *st = container_of(t, struct cg_stock, tick);
  if (st->closing)
    return;
  policy_retry(st);
  cg__stock_tick(st);
}

int cg_stock_start(struct cg_stock *st)
{
  if (st == NULL || st->open_handles > 0 || st->closing)
    return st == NULL ? CG_EINVAL : 0;
  int rc = uv_timer_init(st->f->loop, &st->flush);
  if (rc != 0)
    return CG_EINVAL;
  st->open_handles++;
  rc = uv_timer_init(st->f->loop, &st->tick);
  if (rc != 0)
    return CG_EINVAL;
  st->open_handles++;
  cg__stock_reconcile_resume(st);
  uv_timer_start(&st->flush, on_flush_timer, CG_STOCK_FLUSH_MS,
                 CG_STOCK_FLUSH_MS);
  uv_timer_start(&st->tick, on_tick_timer, CG_STOCK_TICK_MS, CG_STOCK_TICK_MS);
  return 0;
}

void cg__stock_tick_soon(struct cg_stock *st)
{
  if (!st->closing)
    uv_timer_start(&st->tick, on_tick_timer, 0, CG_STOCK_TICK_MS);
}

/* The last handle closed (or none was open): st goes, then done. */
static void finish_close(struct cg_stock *st)
{
  void (*done)(void *) = st->on_closed;
  void *arg = st->on_closed_arg;
  cg_stock_policy_free(st->policy);
  cg_free(st);
  if (done != NULL)
    done(arg);
}

static void on_handle_closed(uv_handle_t *h)
{
  struct cg_stock *st = h->data;
  if (--st->open_handles == 0)
    finish_close(st);
}

static void on_reconcile_stopped(void *arg)
{
  struct cg_stock *st = arg;
  if (st->open_handles == 0) {
    finish_close(st);
    return;
  }
  st->flush.data = st->tick.data = st;
  int n = st->open_handles; /* 2: both were initialised together */
  uv_close((uv_handle_t *)&st->flush, on_handle_closed);
  if (n > 1)
    uv_close((uv_handle_t *)&st->tick, on_handle_closed);
}

void cg_stock_close(struct cg_stock *st, void (*done)(void *arg), void *arg)
{
  if (st == NULL || st->closing) {
    if (st == NULL && done != NULL)
      done(arg);
    return;
  }
  st->closing = true;
  st->on_closed = done;
  st->on_closed_arg = arg;
  cg__stock_reconcile_stop(st, on_reconcile_stopped, st);
}

/* ---- P -------------------------------------------------------------------*/

const struct cg_stock_policy *cg__stock_policy(const struct cg_stock *st)
{
  return st != NULL && st->policy != NULL ? st->policy
                                          : cg_stock_policy_default();
}

const struct cg_stock_policy *cg_stock_policy(const struct cg_stock *st)
{
  return cg__stock_policy(st);
}

/* P of a SKU whose row is r under policy p (0 when excluded). */
int64_t cg__stock_target_of(const struct cg_stock_policy *p,
                            const struct cg_store_stock *r,
                            const struct cg_store_stock_level *levels, size_t n)
{
  int64_t sellable = 0;
  if (cg_stock_policy_excluded(p, r->sku))
    return 0;
  for (size_t i = 0; i < n; i++)
    if (cg_stock_policy_sellable(p, levels[i].status))
      sellable += levels[i].quantity;
  int64_t total = cg_stock_policy_figure(p, r->sku, sellable) +
                  r->pending_dispatch + r->pending_return;
  return total > 0 ? total : 0; /* Centra holds no negative stock */
}

static int target_of(struct cg_flow *f, const struct cg_stock_policy *p,
                     const struct cg_store_stock *r, int64_t *out,
                     struct cg_err *err)
{
  struct cg_store_stock_levels l = {0};
  *out = 0;
  if (cg_stock_policy_excluded(p, r->sku))
    return 0;
  int rc = cg_store_stock_levels(f->store, r->sku, &l, err);
  if (rc == 0)
    *out = cg__stock_target_of(p, r, l.items, l.n);
  cg_store_stock_levels_clear(&l);
  return rc;
}

int cg_stock_target(struct cg_flow *f, const char *sku, int64_t *out,
                    struct cg_err *err)
{
  struct cg_store_stock r = {0};
  *out = 0;
  int rc = cg_store_stock_get(f->store, sku, &r, err);
  if (rc == CG_ENOTFOUND) {
    if (err != NULL)
      memset(err, 0, sizeof(*err));
    return 0;
  }
  if (rc == 0)
    rc = target_of(f, cg__stock_policy(f->stock), &r, out, err);
  cg_store_stock_clear(&r);
  return rc;
}

/* ---- a new policy --------------------------------------------------------
 * A SKU whose P under the new policy differs from what Centra accepted
 * last is marked dirty; so is one in a batch (its figure was computed
 * under the old policy). Dirty SKUs are computed at their push anyway,
 * held ones wait for an operator, excluded ones are never pushed. The
 * sweep runs a chunk per flush tick from the cursor SWEEP, so a catalogue
 * of 100,000 SKUs never blocks the loop and a restart resumes it. */

static int sweep_one(struct cg_stock *st, const char *sku, struct cg_err *err)
{
  struct cg_flow *f = st->f;
  const struct cg_stock_policy *p = cg__stock_policy(st);
  struct cg_store_stock r = {0};
  int64_t want = 0;
  int rc = cg_store_stock_get(f->store, sku, &r, err);
  bool skip = rc != 0 || r.held || cg_stock_policy_excluded(p, sku) ||
              (r.dirty_since != 0 && r.batch == 0);
  if (!skip)
    rc = target_of(f, p, &r, &want, err);
  if (!skip && rc == 0 && (r.batch != 0 || !r.pushed || want != r.pushed_qty))
    rc = cg_store_stock_touch(f->store, sku, cg_time_now_ms(), err);
  cg_store_stock_clear(&r);
  return rc;
}

/* One chunk after *after; the cursor moves (or ends) with it. */
static int sweep_chunk(struct cg_stock *st, const char *after,
                       struct cg_err *err)
{
  struct cg_store *s = st->f->store;
  struct cg_store_count_list l = {0};
  int rc = cg_store_stock_unlisted(s, INT64_MAX, after, SWEEP_CHUNK, &l, err);
  for (size_t i = 0; rc == 0 && i < l.n; i++)
    rc = sweep_one(st, l.items[i].name, err);
  char next[512] = "";
  if (l.n == SWEEP_CHUNK)
    snprintf(next, sizeof(next), "+%s", l.items[l.n - 1].name);
  if (rc == 0)
    rc = cg_store_cursor_set(s, SWEEP, next, err);
  cg_store_count_list_clear(&l);
  return rc;
}

static void policy_sweep_step(struct cg_stock *st)
{
  struct cg_store *s = st->f->store;
  struct cg_err err = {0};
  char *cur = NULL;
  if (!st->sweeping || cg_store_in_tx(s))
    return;
  int got = cg_store_cursor_get(s, SWEEP, &cur, &err);
  if (got != 0 || cur[0] != '+') {
    /* done (or never asked); a failed read tries again next tick */
    st->sweeping = got != 0 && got != CG_ENOTFOUND;
    cg_free(cur);
    return;
  }
  int rc = cg_store_begin(s, &err);
  if (rc == 0)
    rc = sweep_chunk(st, cur + 1, &err);
  if (rc == 0)
    rc = cg_store_commit(s, &err);
  if (rc != 0) {
    cg_store_rollback(s, NULL);
    cg_log_warn(COMP, "[merchant=%s] policy sweep: %s (next tick again)",
                st->f->merchant, err.msg);
  }
  cg_free(cur);
}

void cg_stock_set_policy(struct cg_stock *st, struct cg_stock_policy *p)
{
  struct cg_err err = {0};
  if (st == NULL) {
    cg_stock_policy_free(p);
    return;
  }
  cg_stock_policy_free(st->policy);
  st->policy = p;
  st->sweeping = true;
  if (cg_store_cursor_set(st->f->store, SWEEP, "+", &err) != 0)
    cg_log_warn(COMP,
                "[merchant=%s] new stock policy: SKUs not compared (%s); "
                "the next reconcile corrects them",
                st->f->merchant, err.msg);
}

/* ---- warehouse events ----------------------------------------------------*/

static const char *const statuses[] = {"AVAILABLE", "ALLOCATED", "QUARANTINE",
                                       "DAMAGED", "BLOCKED"};

static bool status_known(const char *s)
{
  for (size_t i = 0; s != NULL && i < sizeof(statuses) / sizeof(*statuses); i++)
    if (strcmp(statuses[i], s) == 0)
      return true;
  return false;
}

int cg_stock_seq_seen(struct cg_flow *f, int64_t seq, struct cg_err *err)
{
  return cg_store_stock_seq_seen(f->store, seq, err);
}

/* One effect; *n counts the applied ones. */
static int effect(struct cg_flow *f, int64_t seq, const char *sku,
                  const char *status, int64_t delta, int *n, struct cg_err *err)
{
  bool applied = false;
  int rc = cg_store_stock_apply(f->store, seq, sku, status, delta,
                                cg_time_now_ms(), &applied, err);
  if (rc == 0 && applied) {
    (*n)++;
    f->metrics.stock_events++;
  }
  return rc;
}

/* "applied ..." or, when nothing applied, why. */
static void applied_outcome(char outcome[CG_INBOX_OUTCOME_MAX], int n,
                            const char *what, const char *sku)
{
  if (n > 0)
    snprintf(outcome, CG_INBOX_OUTCOME_MAX, "applied: %s %.100s", what, sku);
  else
    snprintf(outcome, CG_INBOX_OUTCOME_MAX,
             "duplicate: %s %.100s already counted", what, sku);
}

/* Whether an event that applied nothing is older than the SKU's snapshot
 * (seq at or below its base, or the snapshot being applied: the snapshot
 * counts its units) rather than a duplicate of an applied one (still in
 * the log, above both). */
static int before_snapshot(struct cg_flow *f, int64_t seq, const char *sku,
                           bool *old, struct cg_err *err)
{
  struct cg_store_stock row = {0};
  int64_t done = 0, applying = 0;
  int rc = cg_store_stock_get(f->store, sku, &row, err);
  if (rc == 0)
    rc = cg_store_stock_bases(f->store, &done, &applying, err);
  *old = rc == 0 && (seq <= row.base_seq || seq <= done || seq <= applying);
  cg_store_stock_clear(&row);
  return rc;
}

static int on_adjusted(struct cg_flow *f, int64_t seq, const cJSON *data,
                       char outcome[CG_INBOX_OUTCOME_MAX], struct cg_err *err)
{
  const char *sku = cg_json_str(data, "sku");
  const char *status = cg_json_str(data, "stockStatus");
  int64_t delta = 0;
  int n = 0;
  if (sku == NULL || *sku == '\0' || !status_known(status) ||
      cg_json_get_int(data, "quantityDelta", &delta) != 0) {
    snprintf(outcome, CG_INBOX_OUTCOME_MAX,
             "invalid: stock.adjusted needs sku, an integer quantityDelta "
             "and a known stockStatus");
    return 0;
  }
  bool old = false;
  int rc = effect(f, seq, sku, status, delta, &n, err);
  if (rc == 0 && n == 0)
    rc = before_snapshot(f, seq, sku, &old, err);
  /* a restock may name an RMA: its units are shown, new or in the snapshot */
  if (rc == 0 && (n > 0 || old) && delta > 0)
    rc = cg_returns_stock_adjusted(f, cg_json_str(data, "reference"), sku,
                                   delta, status, err);
  if (old)
    snprintf(outcome, CG_INBOX_OUTCOME_MAX,
             "duplicate: adjustment of %.100s older than the snapshot, "
             "counted in it",
             sku);
  else
    applied_outcome(outcome, n, "adjustment of", sku);
  return rc;
}

static int on_moved(struct cg_flow *f, int64_t seq, const cJSON *data,
                    char outcome[CG_INBOX_OUTCOME_MAX], struct cg_err *err)
{
  const char *sku = cg_json_str(data, "sku");
  const char *from = cg_json_str(data, "fromStatus");
  const char *to = cg_json_str(data, "toStatus");
  int64_t q = 0;
  int n = 0;
  if (sku == NULL || *sku == '\0' || !status_known(from) || !status_known(to) ||
      strcmp(from, to) == 0 || cg_json_get_int(data, "quantity", &q) != 0 ||
      q < 1) {
    snprintf(outcome, CG_INBOX_OUTCOME_MAX,
             "invalid: stock.status_moved needs sku, a quantity >= 1 and "
             "two different known statuses");
    return 0;
  }
  int rc = effect(f, seq, sku, from, -q, &n, err);
  if (rc == 0)
    rc = effect(f, seq, sku, to, q, &n, err);
  applied_outcome(outcome, n, "move of", sku);
  return rc;
}

/* A snapshot is announced: stock_reconcile.c pages and applies it after
 * this transaction commits. An older one than the one waiting is not. */
static int on_snapshot(struct cg_flow *f, const cJSON *data,
                       char outcome[CG_INBOX_OUTCOME_MAX], struct cg_err *err)
{
  const char *id = cg_json_str(data, "snapshotId");
  int64_t as_of = 0;
  struct cg__stock_pending waiting;
  /* asOfSequence 0: the warehouse had published nothing when it took it */
  if (id == NULL || *id == '\0' || strlen(id) >= 64 ||
      cg_json_get_int(data, "asOfSequence", &as_of) != 0 || as_of < 0) {
    snprintf(outcome, CG_INBOX_OUTCOME_MAX,
             "invalid: stock.snapshot needs a snapshotId and an "
             "asOfSequence >= 0");
    return 0;
  }
  /* the reconcile clears the cursor when it applies the snapshot */
  int rc = cg__stock_pending_read(f->store, &waiting, err);
  if (rc == 0 && waiting.set && waiting.as_of > as_of) {
    snprintf(outcome, CG_INBOX_OUTCOME_MAX,
             "ignored: snapshot %.60s older than the one waiting", id);
    return 0;
  }
  if (rc == 0)
    rc = cg__stock_pending_write(f->store, id, as_of, err);
  if (rc == 0)
    cg_stock_reconcile_soon(f->stock, "snapshot event");
  snprintf(outcome, CG_INBOX_OUTCOME_MAX, "snapshot %.60s as of %lld pending",
           id, (long long)as_of);
  return rc;
}

int cg_stock_apply_event(struct cg_flow *f, const cJSON *env,
                         char outcome[CG_INBOX_OUTCOME_MAX], struct cg_err *err)
{
  const char *type = cg_json_str(env, "eventType");
  const cJSON *data = cg_json_get(env, "data");
  int64_t seq = 0;
  if (type == NULL || !cJSON_IsObject(data) ||
      cg_json_get_int(env, "sequence", &seq) != 0 || seq < 1) {
    snprintf(outcome, CG_INBOX_OUTCOME_MAX,
             "invalid: a stock event needs data and a sequence >= 1");
    return 0;
  }
  if (strcmp(type, "stock.adjusted") == 0)
    return on_adjusted(f, seq, data, outcome, err);
  if (strcmp(type, "stock.status_moved") == 0)
    return on_moved(f, seq, data, outcome, err);
  if (strcmp(type, "stock.snapshot") == 0)
    return on_snapshot(f, data, outcome, err);
  snprintf(outcome, CG_INBOX_OUTCOME_MAX, "ignored: %.60s is not a stock event",
           type);
  return 0;
}

/* ---- dispatches ----------------------------------------------------------*/

struct sku_qty {
  const char *sku; /* points into the event */
  int64_t q;
};

struct sku_sum {
  struct sku_qty *items;
  size_t n, cap;
};

static int sum_add(struct sku_sum *s, const char *sku, int64_t q)
{
  for (size_t i = 0; i < s->n; i++)
    if (strcmp(s->items[i].sku, sku) == 0) {
      s->items[i].q += q;
      return 0;
    }
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 8;
    struct sku_qty *p = cg_realloc(s->items, cap * sizeof(*p));
    if (p == NULL)
      return CG_ENOMEM;
    s->items = p;
    s->cap = cap;
  }
  s->items[s->n++] = (struct sku_qty){sku, q};
  return 0;
}

/* parcels[].lines[] summed per SKU (lines without a SKU or a quantity >= 1
 * are not stock: skipped). */
static int sum_lines(const cJSON *data, struct sku_sum *s)
{
  const cJSON *parcel = NULL, *line = NULL;
  cJSON_ArrayForEach(parcel, cg_json_get(data, "parcels"))
  {
    cJSON_ArrayForEach(line, cg_json_get(parcel, "lines"))
    {
      const char *sku = cg_json_str(line, "sku");
      int64_t q = 0;
      if (sku == NULL || *sku == '\0' ||
          cg_json_get_int(line, "quantity", &q) != 0 || q < 1)
        continue;
      if (sum_add(s, sku, q) != 0)
        return CG_ENOMEM;
    }
  }
  return 0;
}

static int dispatch_sku(struct cg_flow *f, int64_t seq, const char *id,
                        const struct sku_qty *l, struct cg_err *err)
{
  int n = 0;
  int rc = effect(f, seq, l->sku, "ALLOCATED", -l->q, &n, err);
  if (rc == 0)
    rc = cg_store_stock_dispatch_add(f->store, id, l->sku, l->q,
                                     cg_time_now_ms(), err);
  if (rc == CG_EEXIST) {
    memset(err, 0, sizeof(*err));
    rc = 0;
  }
  return rc;
}

int cg_stock_apply_dispatch(struct cg_flow *f, const cJSON *env,
                            struct cg_err *err)
{
  const cJSON *data = cg_json_get(env, "data");
  const char *id = cg_json_str(data, "shipmentId");
  int64_t seq = 0;
  struct sku_sum sum = {0};
  if (id == NULL || *id == '\0' ||
      cg_json_get_int(env, "sequence", &seq) != 0 || seq < 1) {
    cg_log_warn(COMP,
                "[merchant=%s] shipment.confirmed without a shipmentId or a "
                "sequence: its units are left to the next snapshot",
                f->merchant);
    return 0;
  }
  int rc = sum_lines(data, &sum) == 0
               ? 0
               : cg_err_set(err, CG_ENOMEM, "out of memory");
  for (size_t i = 0; rc == 0 && i < sum.n; i++)
    rc = dispatch_sku(f, seq, id, &sum.items[i], err);
  cg_free(sum.items);
  return rc;
}

int cg_stock_dispatch_completed(struct cg_flow *f, const char *shipment_id,
                                struct cg_err *err)
{
  return cg_store_stock_dispatch_done(f->store, shipment_id, cg_time_now_ms(),
                                      err);
}

int cg_stock_touch_order(struct cg_flow *f, const char *order_number,
                         struct cg_err *err)
{
  struct cg_store_order_line_list lines = {0};
  int64_t now = cg_time_now_ms();
  int rc = cg_store_order_lines_list(f->store, order_number, &lines, err);
  for (size_t i = 0; rc == 0 && i < lines.n; i++) {
    rc = cg_store_stock_touch(f->store, lines.items[i].sku, now, err);
    if (rc == CG_ENOTFOUND) /* a SKU the stock flow has not met */
      rc = 0;
  }
  cg_store_order_line_list_clear(&lines);
  return rc;
}
