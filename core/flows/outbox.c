/*
 * outbox: see outbox.h (outbox_partner.c decides which partner call may
 * go next). One uv_timer_t drives passes. A finished call
 * queues its delivery on ob->finished and arms the timer; the next pass
 * records every queued outcome and marks the next due rows inflight in
 * one transaction, then starts those calls.
 */
#include "flows/outbox_int.h"

#include "base/err.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"
#include "flows/exceptions.h"
#include "flows/flow.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define container_of(ptr, type, member)                                        \
  ((type *)((char *)(ptr)-offsetof(type, member)))

#define MAX_SLEEP_MS 30000
#define STORE_RETRY_MS 1000
#define DEFAULT_MAX_INFLIGHT 32
/* An outcome waits for others to share its commit: a quarter of the
 * recent call time, between these bounds; less when half the calls in
 * flight are already back, or none is left. A slow partner (calls of a
 * second) then costs a commit per several outcomes, not one each. */
#define GATHER_MS 10
#define GATHER_MAX_MS 100

static void run_pass(struct cg_outbox *ob);
static void record_now(struct cg_outbox *ob);

static void delivery_free(struct delivery *d)
{
  cg_call_result_clear_data(&d->res);
  cg_store_outbox_row_clear(&d->row);
  cg_free(d);
}

static void maybe_free(struct cg_outbox *ob)
{
  if (!ob->closing || !ob->timer_closed || ob->inflight > 0 ||
      ob->finished != NULL || ob->parked != NULL)
    return;
  void (*done)(void *) = ob->on_closed;
  void *arg = ob->on_closed_arg;
  cg_free(ob->partners);
  cg_free(ob->of_kind);
  cg_free(ob->passed);
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

/* Arms the timer for the next thing to do: queued outcomes at once, else
 * the earliest due row of a partner with room, else a partner's pause
 * end. A partner without room is woken by its next finished call. */
static void arm_next(struct cg_outbox *ob)
{
  int64_t now = cg_time_now_ms(), at = now + MAX_SLEEP_MS, due;
  if (ob->finished != NULL)
    at = now;
  for (struct delivery *d = ob->parked; d != NULL; d = d->next) {
    const struct partner *p = d->partner;
    if (p->inflight - p->parked >= p->window)
      continue; /* woken when one of its calls finishes */
    int64_t when = d->res.retry_at_ms > d->partner->paused_until
                       ? d->res.retry_at_ms
                       : d->partner->paused_until;
    at = when < at ? when : at;
  }
  for (size_t i = 0; i < ob->nkinds && at > now; i++) {
    struct partner *p = ob->of_kind[i];
    if (p->inflight >= p->window)
      continue;
    if (cg_store_outbox_next_due_kind(ob->flow->store, ob->kinds[i].kind, &due,
                                      NULL) != 0)
      continue;
    if (due < p->paused_until)
      due = p->paused_until;
    at = due < at ? due : at;
  }
  arm(ob, at - now);
}

/* An attempt that committed a step counts as the first of a new series:
 * a consignment of four calls at 30% faults would otherwise reach the
 * backoff cap although each attempt moves it on. */
static int64_t next_attempt(struct cg_outbox *ob, const struct delivery *d)
{
  int64_t now = cg_time_now_ms();
  int attempt = d->res.progressed ? 1 : (int)d->row.attempts + 1;
  int64_t at =
      cg_retry_next_at(&ob->opts.policy, attempt, NULL, now, &ob->flow->rng);
  return d->res.retry_at_ms > at ? d->res.retry_at_ms : at;
}

static int record_outcome(struct cg_outbox *ob, struct delivery *d,
                          struct cg_err *err)
{
  struct cg_store *st = ob->flow->store;
  const struct cg_call_result *res = &d->res;
  int64_t id = d->row.id;
  int status = (int)res->http_status;
  if (cg__outbox_nothing_sent(res))
    return cg_store_outbox_defer(st, id, res->retry_at_ms, res->message, err);
  switch (res->outcome) {
  case CG_OUTCOME_OK:
    return cg_store_outbox_done(st, id, status, err);
  case CG_OUTCOME_RETRY:
    ob->flow->metrics.retries++;
    return cg_store_outbox_retry(st, id, next_attempt(ob, d), status,
                                 res->message, res->progressed, err);
  case CG_OUTCOME_FAIL:
    ob->flow->metrics.dead_letters++;
    return cg_store_outbox_fail(st, id, status, res->message, err);
  }
  return cg_err_set(err, CG_EINVAL, "bad outcome");
}

/* Records one outcome and the kind's effects in a savepoint of the pass's
 * transaction: a failure undoes this delivery's writes only (the row then
 * stays inflight until restart, when it is resent). */
static void record_one(struct cg_outbox *ob, struct delivery *d)
{
  struct cg_store *st = ob->flow->store;
  struct cg_err err = {0};
  int rc = cg_store_savepoint(st, &err);
  if (rc == 0) {
    rc = record_outcome(ob, d, &err);
    if (rc == 0 && d->kind->finish != NULL)
      rc = d->kind->finish(ob->flow, &d->row, &d->res);
    if (rc != 0 && err.msg[0] == '\0')
      cg_err_set(&err, rc, "the flow could not apply the outcome");
    cg_store_savepoint_end(st, rc == 0, NULL);
  }
  if (rc != 0) {
    ob->flow->metrics.store_errors++;
    cg_log_error("outbox",
                 "[merchant=%s] row %lld (%s %s): recording outcome "
                 "failed: %s; it stays inflight until restart",
                 ob->flow->merchant, (long long)d->row.id, d->row.kind,
                 d->row.entity_key, err.msg);
  }
}

/* Marks up to max of kind's due rows inflight (in the pass's
 * transaction) and appends their deliveries to *starts. Returns how many
 * rows were due, or -1 when max was 0 or the store could not say. */
long cg__outbox_take_due(struct cg_outbox *ob, size_t k, int64_t now,
                         size_t max, struct delivery ***starts)
{
  struct partner *p = ob->of_kind[k];
  struct cg_store_outbox_list due = {0};
  struct cg_err err = {0};
  if (max == 0 || cg_store_outbox_due_kind(ob->flow->store, ob->kinds[k].kind,
                                           now, max, &due, &err) != 0)
    return -1;
  for (size_t i = 0; i < due.n; i++) {
    struct delivery *d = cg_calloc(1, sizeof(*d));
    if (d == NULL || cg_store_outbox_mark_inflight(
                         ob->flow->store, due.items[i].id, &err) != 0) {
      cg_free(d);
      continue; /* stays pending; a later pass takes it */
    }
    *d = (struct delivery){.ob = ob, .kind = &ob->kinds[k], .partner = p};
    d->row = due.items[i];
    memset(&due.items[i], 0, sizeof(due.items[i]));
    p->inflight++;
    **starts = d;
    *starts = &d->next;
  }
  long n = (long)due.n;
  cg_store_outbox_list_clear(&due);
  return n;
}

/* Schedules the pass that records the queued outcomes: at once when half
 * the calls in flight are back (or none is left), else within GATHER_MS
 * of the first, so that outcomes arriving meanwhile share one commit. */
static void gather(struct cg_outbox *ob)
{
  int64_t wait = ob->call_ms / 4;
  wait = wait < GATHER_MS ? GATHER_MS : wait;
  if (ob->nfinished >= ob->inflight || ob->nfinished >= 16)
    arm(ob, 1);
  else if (ob->nfinished == 1 || !uv_is_active((uv_handle_t *)&ob->timer))
    arm(ob, wait > GATHER_MAX_MS ? GATHER_MAX_MS : wait);
}

/* Folds one call's duration into the moving average (weight 1/8). */
static void note_call_time(struct cg_outbox *ob, const struct delivery *d)
{
  int64_t took = cg_time_mono_ms() - d->started_ms;
  ob->call_ms += (took - ob->call_ms) / 8;
}

/* A call refused before anything was sent (budget, pause, an SKU looked up
 * for another order) changes nothing at the partner: the row stays
 * inflight in the store and the delivery waits in memory, with its slot,
 * until retry_at; no commit. A crash meanwhile resets the row at boot. */
static void park(struct cg_outbox *ob, struct delivery *d)
{
  d->next = ob->parked;
  ob->parked = d;
  d->partner->parked++;
  int64_t delay = d->res.retry_at_ms - cg_time_now_ms();
  if (!uv_is_active((uv_handle_t *)&ob->timer) ||
      (int64_t)uv_timer_get_due_in(&ob->timer) > delay)
    arm(ob, delay);
}

static void start_all(struct cg_outbox *ob, struct delivery *d);

/* Takes the parked delivery *at off the parked list and queues its
 * outcome (the "nothing sent, come back at retry_at" it got) to be
 * recorded: the row goes back to pending, and its window slot frees once
 * that is committed. */
void cg__outbox_parked_to_finished(struct cg_outbox *ob, struct delivery **at)
{
  struct delivery *d = *at;
  *at = d->next;
  d->partner->parked--;
  d->next = NULL;
  *ob->fin_tail = d;
  ob->fin_tail = &d->next;
  ob->nfinished++;
}

/* Moves the parked deliveries whose time has come, within each partner's
 * window, onto *tail: the shares only, or every one. */
static void unpark_some(struct cg_outbox *ob, int64_t now, bool shares_only,
                        struct delivery ***tail)
{
  struct delivery **at = &ob->parked;
  while (*at != NULL) {
    struct delivery *d = *at;
    struct partner *p = d->partner;
    size_t active = p->inflight - p->parked;
    if ((shares_only && !d->share) || d->res.retry_at_ms > now ||
        p->paused_until > now || active >= p->window) {
      at = &d->next;
      continue;
    }
    *at = d->next;
    p->parked--;
    cg_call_result_clear_data(&d->res);
    d->next = NULL;
    **tail = d;
    *tail = &d->next;
  }
}

/* Starts again the parked deliveries whose time has come, within each
 * partner's window; shares first, so that they meet the budget first. */
static void unpark(struct cg_outbox *ob, int64_t now)
{
  struct delivery *go = NULL, **tail = &go;
  unpark_some(ob, now, true, &tail);
  unpark_some(ob, now, false, &tail);
  start_all(ob, go);
}

static void cb_done(struct cg_call_result *res, void *arg)
{
  struct delivery *d = arg;
  struct cg_outbox *ob = d->ob;
  d->res = *res;
  res->data = NULL; /* the delivery owns it until recorded */
  if (res->outcome != CG_OUTCOME_OK && !cg__outbox_nothing_sent(res))
    cg_log_info("outbox", "[merchant=%s] %s %s attempt %lld: %s (%ld %s) %s",
                ob->flow->merchant, d->row.kind, d->row.entity_key,
                (long long)d->row.attempts + 1,
                cg_call_outcome_name(res->outcome), res->http_status, res->code,
                res->message);
  cg__outbox_adapt_window(ob, d->partner, res);
  if (cg_call_result_sent(res)) {
    note_call_time(ob, d);
    cg__outbox_note_sent(ob, d);
  }
  ob->inflight--;
  if (cg__outbox_nothing_sent(res) && !ob->closing) {
    park(ob, d);
    return;
  }
  d->next = NULL;
  *ob->fin_tail = d;
  ob->fin_tail = &d->next;
  ob->nfinished++;
  if (ob->closing)
    record_now(ob);
  else
    gather(ob);
}

/* Starts the calls of rows committed inflight. */
static void start_all(struct cg_outbox *ob, struct delivery *d)
{
  while (d != NULL) {
    struct delivery *next = d->next;
    d->next = NULL;
    ob->inflight++;
    ob->flow->metrics.deliveries++;
    d->started_ms = cg_time_mono_ms();
    if (d->kind->start(ob->flow, &d->row, cb_done, d) != 0) {
      struct cg_call_result res;
      cg_call_result_init(&res);
      cg_call_result_set(&res, CG_OUTCOME_RETRY, "local", "could not start");
      cb_done(&res, d);
    }
    d = next;
  }
}

/* After the pass's commit: the recorded deliveries are done with. */
static void release_recorded(struct delivery *d)
{
  while (d != NULL) {
    struct delivery *next = d->next;
    d->partner->inflight--;
    delivery_free(d);
    d = next;
  }
}

/* Undoes a pass whose commit failed: outcomes go back on the queue (the
 * next pass records them again), taken rows are pending again. */
static void undo_pass(struct cg_outbox *ob, struct delivery *recorded,
                      struct delivery *starts)
{
  if (recorded != NULL) {
    struct delivery *last = recorded;
    ob->nfinished++;
    for (; last->next != NULL; last = last->next)
      ob->nfinished++;
    last->next = ob->finished;
    if (ob->finished == NULL)
      ob->fin_tail = &last->next;
    ob->finished = recorded;
  }
  while (starts != NULL) {
    struct delivery *next = starts->next;
    starts->partner->inflight--;
    delivery_free(starts);
    starts = next;
  }
}

/* One transaction: every queued outcome, then (unless closing) the due
 * rows each partner has room for. Returns 0 when it committed. */
/* Whether a pass has anything to write: outcomes, or a due row of a
 * partner with room (an empty pass takes no write lock). */
static bool work_to_do(struct cg_outbox *ob, int64_t now)
{
  int64_t due;
  if (ob->finished != NULL)
    return true;
  for (size_t k = 0; k < ob->nkinds && !ob->closing && !ob->quiescing; k++)
    if (cg__outbox_room(ob, ob->of_kind[k], now) > 0 &&
        cg_store_outbox_next_due_kind(ob->flow->store, ob->kinds[k].kind, &due,
                                      NULL) == 0 &&
        due <= now)
      return true;
  return false;
}

static int pass_tx(struct cg_outbox *ob, struct delivery **recorded,
                   struct delivery **starts, struct cg_err *err)
{
  struct cg_store *st = ob->flow->store;
  if (!work_to_do(ob, cg_time_now_ms()))
    return 0;
  int rc = cg_store_begin(st, err);
  if (rc != 0)
    return rc;
  *recorded = ob->finished;
  ob->finished = NULL;
  ob->fin_tail = &ob->finished;
  ob->nfinished = 0;
  for (struct delivery *d = *recorded; d != NULL; d = d->next)
    record_one(ob, d);
  struct delivery **tail = starts;
  int64_t now = cg_time_now_ms();
  if (!ob->closing && !ob->quiescing)
    cg__outbox_take_shares(ob, now, &tail);
  for (size_t k = 0; k < ob->nkinds && !ob->closing && !ob->quiescing; k++)
    cg__outbox_take_due(ob, k, now, cg__outbox_room(ob, ob->of_kind[k], now),
                        &tail);
  rc = cg_store_commit(st, err);
  if (rc != 0)
    cg_store_rollback(st, NULL);
  return rc;
}

static void pass(struct cg_outbox *ob)
{
  struct delivery *recorded = NULL, *starts = NULL;
  struct cg_err err = {0};
  if (pass_tx(ob, &recorded, &starts, &err) != 0) {
    ob->flow->metrics.store_errors++;
    if (!ob->store_failing) /* once, not every second until it heals */
      cg_log_error("outbox",
                   "[merchant=%s] delivery pass not recorded: %s; trying "
                   "again every second (cg_store_errors_total counts the "
                   "attempts)",
                   ob->flow->merchant, err.msg);
    ob->store_failing = true;
    if (ob->closing) { /* no later pass: they stay inflight till restart */
      release_recorded(recorded);
      return;
    }
    undo_pass(ob, recorded, starts);
    arm(ob, STORE_RETRY_MS);
    return;
  }
  if (ob->store_failing)
    cg_log_info("outbox", "[merchant=%s] delivery passes are recorded again",
                ob->flow->merchant);
  ob->store_failing = false;
  release_recorded(recorded);
  start_all(ob, starts);
}

static void run_pass(struct cg_outbox *ob)
{
  if (ob->closing)
    return;
  if (!ob->quiescing && ob->parked != NULL) {
    cg__outbox_yield_parked(ob, cg_time_now_ms());
    unpark(ob, cg_time_now_ms());
  }
  pass(ob);
  if (!uv_is_active((uv_handle_t *)&ob->timer))
    arm_next(ob);
}

/* While closing: outcomes are recorded as they come (no timer). */
static void record_now(struct cg_outbox *ob)
{
  if (ob->finished != NULL)
    pass(ob);
  maybe_free(ob);
}

int cg_outbox_put_again(struct cg_store *store, const char *kind,
                        const char *entity_key, const char *idempotency_key,
                        const char *payload, struct cg_err *err)
{
  int64_t row = 0;
  int rc = cg_store_outbox_put(store, kind, entity_key, idempotency_key,
                               payload, 0, &row, err);
  if (rc == CG_EEXIST) { /* delivered before, then held: again */
    rc = cg_store_outbox_requeue(store, row, cg_time_now_ms(), err);
    rc = rc == CG_EINVAL ? 0 : rc; /* not failed: already on its way */
  }
  return rc;
}

struct cg_outbox *cg_outbox_create(struct cg_flow *f,
                                   const struct cg_outbox_kind *kinds,
                                   size_t nkinds,
                                   const struct cg_outbox_opts *opts)
{
  struct cg_outbox *ob = cg_calloc(1, sizeof(*ob));
  size_t n = nkinds ? nkinds : 1;
  if (ob == NULL ||
      (ob->partners = cg_calloc(n, sizeof(*ob->partners))) == NULL ||
      (ob->of_kind = cg_calloc(n, sizeof(*ob->of_kind))) == NULL ||
      (ob->passed = cg_calloc(n, sizeof(*ob->passed))) == NULL) {
    if (ob != NULL) {
      cg_free(ob->partners);
      cg_free(ob->of_kind);
    }
    cg_free(ob);
    return NULL;
  }
  ob->flow = f;
  ob->kinds = kinds;
  ob->nkinds = nkinds;
  ob->fin_tail = &ob->finished;
  if (opts != NULL)
    ob->opts = *opts;
  if (ob->opts.max_inflight == 0)
    ob->opts.max_inflight = DEFAULT_MAX_INFLIGHT;
  for (size_t i = 0; i < nkinds; i++) {
    ob->of_kind[i] = cg__outbox_partner_for(ob, kinds[i].kind);
    ob->of_kind[i]->window = ob->opts.max_inflight;
  }
  uv_timer_init(f->loop, &ob->timer);
  return ob;
}

static bool known_kind(const struct cg_outbox *ob, const char *kind)
{
  for (size_t k = 0; k < ob->nkinds; k++)
    if (strcmp(ob->kinds[k].kind, kind) == 0)
      return true;
  return false;
}

/* Rows of a kind this engine has no delivery for (written by a newer
 * version, or by hand) would wait unseen: each such kind is raised once
 * at start, with how many rows wait. */
static void raise_unknown_kinds(struct cg_outbox *ob)
{
  struct cg_store_count_list kinds = {0};
  struct cg_err err = {0};
  if (cg_store_outbox_open_kinds(ob->flow->store, &kinds, &err) != 0)
    cg_log_error("outbox", "[merchant=%s] reading the kinds waiting failed: %s",
                 ob->flow->merchant, err.msg);
  for (size_t i = 0; i < kinds.n; i++) {
    const struct cg_store_count *k = &kinds.items[i];
    if (known_kind(ob, k->name))
      continue;
    char msg[300];
    snprintf(msg, sizeof(msg),
             "%lld outbox rows of kind '%s' wait, and no flow of this "
             "engine delivers that kind; they are kept, not sent",
             (long long)k->count, k->name);
    cg_log_error("outbox", "[merchant=%s] %s", ob->flow->merchant, msg);
    cg_flow_raise(ob->flow, "SYNC_FAILURE", "outbox-kind", k->name, msg, NULL,
                  NULL);
  }
  cg_store_count_list_clear(&kinds);
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
  raise_unknown_kinds(ob);
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

void cg_outbox_quiesce(struct cg_outbox *ob)
{
  if (ob != NULL)
    ob->quiescing = true;
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
  while (ob->parked != NULL) /* recorded as deferred, as they are */
    cg__outbox_parked_to_finished(ob, &ob->parked);
  if (ob->finished != NULL)
    pass(ob); /* outcomes already in: record them now */
}
