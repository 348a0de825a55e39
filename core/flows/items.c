/*
 * items: the core of the items flow (docs/internals/items.md). Owns
 * struct cg_items and its 250 ms timer; each tick starts the read that is
 * due (items_read.c) and flushes dirty items into batches (items_push.c):
 *
 *   a hint (event, held order)  ──▶ delta read, at most one per 2 s
 *   every items.poll_s          ──▶ delta read
 *   first start, a sweep cut by ──▶ full sweep (from its cursor)
 *   a crash, every items.sweep_s,
 *   cg_items_sweep_soon
 *
 * One read at a time; a sweep yields to a hinted delta between pages and
 * goes on after it. A failed read waits 30 s; five in a row raise
 * SYNC_FAILURE on item/items/read, resolved by the next read that works.
 * Loop thread only.
 */
#include "flows/items_int.h"
#include "flows/items_read.h"

#include "base/err.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"
#include "flows/exceptions.h"
#include "flows/flow.h"
#include "store/store.h"
#include "store/store_items.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COMP "items"
#define READ_KEY "items/read"

/* ---- lifecycle ----------------------------------------------------------*/

static void fill_defaults(struct cg_items_opts *o)
{
  if (o->poll_s < 0)
    o->poll_s = 300;
  if (o->sweep_s < 0)
    o->sweep_s = 86400;
  if (o->batch_max <= 0 || o->batch_max > 500)
    o->batch_max = 500;
  if (o->page <= 0 || o->page > 200)
    o->page = 50;
  if (o->window_ms < 0)
    o->window_ms = 1000;
}

struct cg_items *cg_items_create(struct cg_flow *f,
                                 const struct cg_items_opts *opts)
{
  struct cg_items *it = cg_calloc(1, sizeof(*it));
  if (it == NULL)
    return NULL;
  it->f = f;
  if (opts != NULL)
    it->opts = *opts;
  else
    it->opts = (struct cg_items_opts){-1, -1, 0, 0, -1};
  fill_defaults(&it->opts);
  return it;
}

/* Where the last run left the sweeps: never swept or cut short -> a sweep
 * now; else the next at the scheduled time. */
static int load_schedule(struct cg_items *it, struct cg_err *err)
{
  struct cg_items_sweep_pos pos;
  char *next = NULL;
  int rc = cg__items_sweep_get(it->f->store, &pos, err);
  if (rc != 0)
    return rc;
  it->sweep_wanted = pos.n == 0 || pos.page > 0;
  rc = cg_store_cursor_get(it->f->store, CG_STORE_ITEMS_SWEEP_NEXT, &next, err);
  if (rc == 0)
    it->next_sweep_ms = strtoll(next, NULL, 10);
  cg_free(next);
  if (rc == CG_ENOTFOUND)
    rc = 0;
  /* a merchant swept before catches up at once; a new one sweeps first */
  it->next_poll_ms = pos.n > 0 ? cg_time_mono_ms()
                               : cg_time_mono_ms() + it->opts.poll_s * 1000;
  return rc;
}

static void on_tick(uv_timer_t *t);

int cg_items_start(struct cg_items *it)
{
  struct cg_err err = {0};
  if (it == NULL || it->closing)
    return CG_EINVAL;
  int rc = load_schedule(it, &err);
  if (rc != 0) {
    cg_log_error(COMP, "[merchant=%s] items flow: %s", it->f->merchant,
                 err.msg);
    return rc;
  }
  if (uv_timer_init(it->f->loop, &it->tick) != 0)
    return CG_EINVAL;
  it->tick.data = it;
  uv_timer_start(&it->tick, on_tick, CG_ITEMS_TICK_MS, CG_ITEMS_TICK_MS);
  return 0;
}

static void on_closed(uv_handle_t *h)
{
  struct cg_items *it = h->data;
  void (*done)(void *) = it->on_closed;
  void *arg = it->on_closed_arg;
  cg_free(it);
  if (done != NULL)
    done(arg);
}

void cg_items_close(struct cg_items *it, void (*done)(void *arg), void *arg)
{
  if (it == NULL || it->closing) {
    if (it == NULL && done != NULL)
      done(arg);
    return;
  }
  it->closing = true;
  it->on_closed = done;
  it->on_closed_arg = arg;
  cg__items_read_stop(it);
  if (it->tick.data == it) {
    uv_close((uv_handle_t *)&it->tick, on_closed);
    return;
  }
  it->tick.data = it; /* never started: no handle to close */
  on_closed((uv_handle_t *)&it->tick);
}

/* ---- triggers -----------------------------------------------------------*/

void cg_items_hint(struct cg_items *it, const char *why)
{
  if (it == NULL || it->closing)
    return;
  if (!it->hinted)
    snprintf(it->hint_why, sizeof(it->hint_why), "%s", why ? why : "");
  it->hinted = true;
}

void cg_items_sweep_soon(struct cg_items *it, const char *why)
{
  if (it == NULL || it->closing)
    return;
  cg_log_info(COMP, "[merchant=%s] full sweep asked for: %s", it->f->merchant,
              why ? why : "");
  if (it->read != NULL && it->sweep_wanted)
    it->sweep_again = true; /* after the one in progress */
  it->sweep_wanted = true;
}

/* A read ended: the failures in a row end, or one more (30 s pause; the
 * fifth raises SYNC_FAILURE, and every fifth after bumps it). */
static void on_read_done(struct cg_items *it, bool ok)
{
  struct cg_flow *f = it->f;
  if (ok) {
    if (it->read_failures >= CG_ITEMS_READ_FAILURES)
      cg_flow_resolve_alone(f, CG_ITEMS_ENTITY, READ_KEY,
                            "reading Centra's catalogue works again");
    it->read_failures = 0;
    return;
  }
  it->retry_at_ms = cg_time_mono_ms() + CG_ITEMS_READ_RETRY_MS;
  it->hinted = true; /* a delta first when reads work again */
  if (++it->read_failures % CG_ITEMS_READ_FAILURES != 0)
    return;
  char msg[256];
  snprintf(msg, sizeof(msg),
           "reading Centra's catalogue for the warehouse item master has "
           "failed %lld times in a row (the log says why); new and changed "
           "products do not reach the warehouse until it works",
           (long long)it->read_failures);
  cg_flow_raise_alone(f, "SYNC_FAILURE", CG_ITEMS_ENTITY, READ_KEY, msg);
}

/* The read due now, or 0. */
static enum cg_items_read_kind due(struct cg_items *it, int64_t now)
{
  if (it->hinted && now - it->last_delta_ms >= CG_ITEMS_HINT_MIN_MS)
    return CG_ITEMS_READ_DELTA;
  if (it->opts.poll_s > 0 && now >= it->next_poll_ms)
    return CG_ITEMS_READ_DELTA;
  if (!it->sweep_wanted && it->next_sweep_ms > 0 &&
      cg_time_now_ms() >= it->next_sweep_ms)
    it->sweep_wanted = true;
  return it->sweep_wanted ? CG_ITEMS_READ_SWEEP : 0;
}

static void start_read(struct cg_items *it)
{
  int64_t now = cg_time_mono_ms();
  if (now < it->retry_at_ms)
    return;
  enum cg_items_read_kind kind = due(it, now);
  if (kind == 0)
    return;
  if (kind == CG_ITEMS_READ_DELTA) {
    cg_log_debug(COMP, "[merchant=%s] delta read (%s)", it->f->merchant,
                 it->hinted ? it->hint_why : "scheduled");
    it->hinted = false;
    it->last_delta_ms = now;
    it->next_poll_ms = now + it->opts.poll_s * 1000;
  }
  if (cg__items_read_start(it, kind, on_read_done) != 0)
    on_read_done(it, false);
}

static void on_tick(uv_timer_t *t)
{
  struct cg_items *it = t->data;
  if (it->closing)
    return;
  if (it->read == NULL)
    start_read(it);
  cg__items_flush(it);
}
