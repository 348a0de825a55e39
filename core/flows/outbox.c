/*
 * outbox: see outbox.h. One uv_timer_t drives passes; a pass takes due
 * rows up to the free in-flight slots, and each finished call re-arms the
 * timer for the earliest next attempt in the store.
 */
#include "flows/outbox.h"

#include "base/err.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"
#include "flows/flow.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#define container_of(ptr, type, member)                                        \
  ((type *)((char *)(ptr)-offsetof(type, member)))

#define MAX_SLEEP_MS 30000

struct cg_outbox {
  struct cg_flow *flow;
  const struct cg_outbox_kind *kinds;
  size_t nkinds;
  struct cg_outbox_opts opts;
  uv_timer_t timer;
  size_t inflight;
  bool closing;
  bool timer_closed;
  void (*on_closed)(void *arg);
  void *on_closed_arg;
};

struct delivery {
  struct cg_outbox *ob;
  const struct cg_outbox_kind *kind;
  struct cg_store_outbox_row row;
};

static void run_pass(struct cg_outbox *ob);

static void maybe_free(struct cg_outbox *ob)
{
  if (!ob->closing || !ob->timer_closed || ob->inflight > 0)
    return;
  void (*done)(void *) = ob->on_closed;
  void *arg = ob->on_closed_arg;
  cg_free(ob);
  if (done != NULL)
    done(arg);
}

static void on_timer_closed(uv_handle_t *h)
{
  struct cg_outbox *ob = container_of((uv_timer_t *)h, struct cg_outbox, timer);
  ob->timer_closed = true;
  maybe_free(ob);
}

static void on_timer(uv_timer_t *t)
{
  run_pass(container_of(t, struct cg_outbox, timer));
}

static void arm(struct cg_outbox *ob, int64_t delay_ms)
{
  if (ob->closing)
    return;
  if (delay_ms < 1)
    delay_ms = 1; /* never a 0 ms timer on libuv 1.44 (STYLE §8) */
  if (delay_ms > MAX_SLEEP_MS)
    delay_ms = MAX_SLEEP_MS;
  uv_timer_start(&ob->timer, on_timer, (uint64_t)delay_ms, 0);
}

/* Arms the timer for the earliest pending row (or the idle maximum). */
static void arm_next(struct cg_outbox *ob)
{
  int64_t at;
  struct cg_err err;
  int rc = cg_store_outbox_next_due(ob->flow->store, &at, &err);
  arm(ob, rc == 0 ? at - cg_time_now_ms() : MAX_SLEEP_MS);
}

static const struct cg_outbox_kind *find_kind(const struct cg_outbox *ob,
                                              const char *kind)
{
  for (size_t i = 0; i < ob->nkinds; i++)
    if (strcmp(ob->kinds[i].kind, kind) == 0)
      return &ob->kinds[i];
  return NULL;
}

static int64_t next_attempt(struct cg_outbox *ob, const struct delivery *d,
                            const struct cg_call_result *res)
{
  int64_t now = cg_time_now_ms();
  int64_t at = cg_retry_next_at(&ob->opts.policy, (int)d->row.attempts + 1,
                                NULL, now, &ob->flow->rng);
  return res->retry_at_ms > at ? res->retry_at_ms : at;
}

/* A RETRY for which no request left the engine (the partner asked us to
 * wait, or the mutation budget is used up): it waits for the partner's
 * deadline and does not count as an attempt, so backoff does not grow
 * while a partner throttles everyone. */
static bool nothing_sent(const struct cg_call_result *res)
{
  return res->outcome == CG_OUTCOME_RETRY && !cg_call_result_sent(res) &&
         res->retry_at_ms > 0;
}

static int record_outcome(struct cg_outbox *ob, struct delivery *d,
                          const struct cg_call_result *res, struct cg_err *err)
{
  struct cg_store *st = ob->flow->store;
  const struct cg_store_outbox_row *row = &d->row;
  int status = (int)res->http_status;
  if (nothing_sent(res))
    return cg_store_outbox_defer(st, row->id, res->retry_at_ms, res->message,
                                 err);
  switch (res->outcome) {
  case CG_OUTCOME_OK:
    return cg_store_outbox_done(st, row->id, status, err);
  case CG_OUTCOME_RETRY:
    ob->flow->metrics.retries++;
    return cg_store_outbox_retry(st, row->id, next_attempt(ob, d, res), status,
                                 res->message, err);
  case CG_OUTCOME_FAIL:
    ob->flow->metrics.dead_letters++;
    return cg_store_outbox_fail(st, row->id, status, res->message, err);
  }
  return cg_err_set(err, CG_EINVAL, "bad outcome");
}

/* Records the outcome and the kind's effects in one transaction. */
static int commit_outcome(struct cg_outbox *ob, struct delivery *d,
                          const struct cg_call_result *res)
{
  struct cg_store *st = ob->flow->store;
  struct cg_err err = {0};
  int rc = cg_store_begin(st, &err);
  if (rc == 0)
    rc = record_outcome(ob, d, res, &err);
  if (rc == 0 && d->kind->finish != NULL)
    rc = d->kind->finish(ob->flow, &d->row, res);
  if (rc == 0)
    rc = cg_store_commit(st, &err);
  if (rc != 0) {
    cg_store_rollback(st, NULL);
    ob->flow->metrics.store_errors++;
    cg_log_error("outbox",
                 "[merchant=%s] row %lld (%s %s): recording "
                 "outcome failed: %s; it stays inflight until restart",
                 ob->flow->merchant, (long long)d->row.id, d->row.kind,
                 d->row.entity_key, err.msg);
  }
  return rc;
}

static void cb_done(struct cg_call_result *res, void *arg)
{
  struct delivery *d = arg;
  struct cg_outbox *ob = d->ob;
  if (res->outcome != CG_OUTCOME_OK && !nothing_sent(res))
    cg_log_info("outbox", "[merchant=%s] %s %s attempt %lld: %s (%ld %s) %s",
                ob->flow->merchant, d->row.kind, d->row.entity_key,
                (long long)d->row.attempts + 1,
                cg_call_outcome_name(res->outcome), res->http_status, res->code,
                res->message);
  commit_outcome(ob, d, res);
  cg_store_outbox_row_clear(&d->row);
  cg_free(d);
  ob->inflight--;
  if (ob->closing)
    maybe_free(ob);
  else
    arm(ob, 1);
}

/* Starts one due row; the row's ownership moves into the delivery. */
static void start_row(struct cg_outbox *ob, struct cg_store_outbox_row *row)
{
  struct cg_err err = {0};
  const struct cg_outbox_kind *kind = find_kind(ob, row->kind);
  struct delivery *d = cg_calloc(1, sizeof(*d));
  if (kind == NULL || d == NULL ||
      cg_store_outbox_mark_inflight(ob->flow->store, row->id, &err) != 0) {
    cg_log_error("outbox", "[merchant=%s] row %lld kind %s not started: %s",
                 ob->flow->merchant, (long long)row->id, row->kind,
                 kind ? (d ? err.msg : "out of memory") : "unknown kind");
    cg_free(d);
    cg_store_outbox_row_clear(row);
    return;
  }
  *d = (struct delivery){.ob = ob, .kind = kind, .row = *row};
  memset(row, 0, sizeof(*row));
  ob->inflight++;
  ob->flow->metrics.deliveries++;
  if (kind->start(ob->flow, &d->row, cb_done, d) != 0) {
    struct cg_call_result res;
    cg_call_result_init(&res);
    cg_call_result_set(&res, CG_OUTCOME_RETRY, "local", "could not start");
    cb_done(&res, d);
  }
}

static void run_pass(struct cg_outbox *ob)
{
  if (ob->closing || ob->inflight >= ob->opts.max_inflight)
    return;
  struct cg_store_outbox_list due = {0};
  struct cg_err err = {0};
  size_t room = ob->opts.max_inflight - ob->inflight;
  if (cg_store_outbox_due(ob->flow->store, cg_time_now_ms(), room, &due,
                          &err) != 0) {
    cg_log_error("outbox",
                 "[merchant=%s] reading due rows failed: %s; "
                 "trying again in 1 s",
                 ob->flow->merchant, err.msg);
    arm(ob, 1000);
    return;
  }
  for (size_t i = 0; i < due.n; i++)
    start_row(ob, &due.items[i]);
  cg_store_outbox_list_clear(&due);
  if (ob->inflight < ob->opts.max_inflight)
    arm_next(ob);
}

struct cg_outbox *cg_outbox_create(struct cg_flow *f,
                                   const struct cg_outbox_kind *kinds,
                                   size_t nkinds,
                                   const struct cg_outbox_opts *opts)
{
  struct cg_outbox *ob = cg_calloc(1, sizeof(*ob));
  if (ob == NULL)
    return NULL;
  ob->flow = f;
  ob->kinds = kinds;
  ob->nkinds = nkinds;
  if (opts != NULL)
    ob->opts = *opts;
  if (ob->opts.max_inflight == 0)
    ob->opts.max_inflight = 8;
  uv_timer_init(f->loop, &ob->timer);
  return ob;
}

int cg_outbox_start(struct cg_outbox *ob)
{
  struct cg_err err = {0};
  int64_t n = 0;
  int rc = cg_store_outbox_reset_inflight(ob->flow->store, &n, &err);
  if (rc != 0) {
    cg_log_error("outbox", "[merchant=%s] resetting inflight rows failed: %s",
                 ob->flow->merchant, err.msg);
    return rc;
  }
  if (n > 0)
    cg_log_info("outbox",
                "[merchant=%s] %lld calls were in flight at the "
                "last stop; resending them with their idempotency keys",
                ob->flow->merchant, (long long)n);
  arm(ob, 1);
  return 0;
}

void cg_outbox_kick(struct cg_outbox *ob)
{
  if (ob != NULL && !ob->closing)
    arm(ob, 1);
}

size_t cg_outbox_inflight(const struct cg_outbox *ob)
{
  return ob ? ob->inflight : 0;
}

void cg_outbox_close(struct cg_outbox *ob, void (*done)(void *arg), void *arg)
{
  if (ob == NULL || ob->closing)
    return;
  ob->closing = true;
  ob->on_closed = done;
  ob->on_closed_arg = arg;
  uv_timer_stop(&ob->timer);
  uv_close((uv_handle_t *)&ob->timer, on_timer_closed);
}
