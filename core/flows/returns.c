/*
 * returns: the core of the returns flow (docs/internals/returns.md).
 * Owns struct cg_returns and its 250 ms timer; each tick starts the read
 * that is due (returns_read.c):
 *
 *   a Centra Return event ──cg_returns_hint──▶ ids pending (each once)
 *   tick: ids pending     ──▶ read by ids (at most
 *                             CG_CENTRA_RETURNS_PAGE_MAX at a time)
 *         every poll_s    ──▶ the poll by createdAt from the watermark
 *
 * One read at a time. A failed read waits 5 s (its ids stay pending);
 * ten in a row raise SYNC_FAILURE on return/returns/read, resolved by
 * the next read that works. The first start records the watermark: the
 * returns created before the engine first ran are not advised. Loop
 * thread only.
 */
#include "flows/returns_read.h"

#include "base/err.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"
#include "centra/centra.h"
#include "flows/exceptions.h"
#include "flows/flow.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

#define COMP "returns"

/* ---- lifecycle ----------------------------------------------------------*/

struct cg_returns *cg_returns_create(struct cg_flow *f,
                                     const struct cg_returns_opts *opts)
{
  struct cg_returns *r = cg_calloc(1, sizeof(*r));
  if (r == NULL)
    return NULL;
  r->f = f;
  r->opts = opts ? *opts : (struct cg_returns_opts){.poll_s = 300, .page = 50};
  if (r->opts.poll_s < 0)
    r->opts.poll_s = 300;
  if (r->opts.page <= 0 || r->opts.page > CG_CENTRA_RETURNS_PAGE_MAX)
    r->opts.page = 50;
  return r;
}

static void on_tick(uv_timer_t *t);

/* The ids hinted before a stop or a crash and not read yet
 * (returns_hints.c): read first. */
static void load_hints(struct cg_returns *r)
{
  struct cg_err err = {0};
  int64_t *ids = NULL;
  size_t n = 0;
  if (cg__returns_hints_load(r->f, &ids, &n, &err) != 0)
    cg_log_warn(COMP,
                "[merchant=%s] hinted returns not loaded (%s); the "
                "poll reads them",
                r->f->merchant, err.msg);
  for (size_t i = 0; i < n; i++)
    cg_returns_hint(r, ids[i]);
  cg_free(ids);
}

int cg_returns_start(struct cg_returns *r)
{
  struct cg_err err = {0};
  if (r == NULL || r->closing || r->tick.data == r)
    return CG_EINVAL;
  int rc = cg__returns_since_init(r->f, &err);
  if (rc != 0) {
    cg_log_error(COMP, "[merchant=%s] returns flow: %s", r->f->merchant,
                 err.msg);
    return rc;
  }
  load_hints(r);
  if (uv_timer_init(r->f->loop, &r->tick) != 0)
    return CG_EINVAL;
  r->tick.data = r;
  r->next_poll_ms = cg_time_mono_ms(); /* catch up at once */
  uv_timer_start(&r->tick, on_tick, CG_RETURNS_TICK_MS, CG_RETURNS_TICK_MS);
  return 0;
}

static void on_closed(uv_handle_t *h)
{
  struct cg_returns *r = h->data;
  void (*done)(void *) = r->on_closed;
  void *arg = r->on_closed_arg;
  cg_free(r->pending);
  cg_free(r);
  if (done != NULL)
    done(arg);
}

void cg_returns_close(struct cg_returns *r, void (*done)(void *arg), void *arg)
{
  if (r == NULL || r->closing) {
    if (r == NULL && done != NULL)
      done(arg);
    return;
  }
  r->closing = true;
  r->on_closed = done;
  r->on_closed_arg = arg;
  cg__returns_read_stop(r);
  if (r->tick.data == r) {
    uv_close((uv_handle_t *)&r->tick, on_closed);
    return;
  }
  r->tick.data = r; /* never started: no handle to close */
  on_closed((uv_handle_t *)&r->tick);
}

/* ---- hints --------------------------------------------------------------*/

static bool pending_has(const struct cg_returns *r, int64_t id)
{
  for (size_t i = 0; i < r->npending; i++)
    if (r->pending[i] == id)
      return true;
  return false;
}

/* Adds id once; false on ENOMEM (the poll still finds it). */
static bool pending_add(struct cg_returns *r, int64_t id)
{
  if (pending_has(r, id))
    return true;
  if (r->npending == r->cap) {
    size_t cap = r->cap ? r->cap * 2 : 64;
    int64_t *p = cg_realloc(r->pending, cap * sizeof(*p));
    if (p == NULL)
      return false;
    r->pending = p;
    r->cap = cap;
  }
  r->pending[r->npending++] = id;
  return true;
}

void cg_returns_hint(struct cg_returns *r, int64_t return_id)
{
  if (r == NULL || r->closing || return_id <= 0)
    return;
  if (!pending_add(r, return_id))
    cg_log_warn(COMP,
                "[merchant=%s] return %lld: no memory to note it; the "
                "poll reads it",
                r->f->merchant, (long long)return_id);
}

/* ---- reads --------------------------------------------------------------*/

/* The SYNC_FAILURE of the read, raised or resolved. */
static void read_exception(struct cg_returns *r, bool raise)
{
  char msg[256];
  snprintf(msg, sizeof(msg),
           "reading Centra's returns has failed %lld times in a row (the log "
           "says why); new returns are not advised to the warehouse until it "
           "works",
           (long long)r->read_failures);
  if (raise)
    cg_flow_raise_alone(r->f, "SYNC_FAILURE", CG_RETURNS_ENTITY,
                        CG_RETURNS_READ_KEY, msg);
  else
    cg_flow_resolve_alone(r->f, CG_RETURNS_ENTITY, CG_RETURNS_READ_KEY,
                          "reading Centra's returns works again");
}

static void on_read_done(struct cg_returns *r, enum cg_returns_read_end how,
                         int64_t retry_at_ms)
{
  if (how == CG_RETURNS_READ_DEFERRED) {
    r->retry_at_ms = retry_at_ms;
    return;
  }
  if (how == CG_RETURNS_READ_OK) {
    if (r->read_failures >= CG_RETURNS_READ_FAILURES)
      read_exception(r, false);
    r->read_failures = 0;
    return;
  }
  r->retry_at_ms = cg_time_mono_ms() + CG_RETURNS_READ_RETRY_MS;
  if (++r->read_failures % CG_RETURNS_READ_FAILURES == 0)
    read_exception(r, true);
}

/* The hinted ids (up to a page) leave the list when their read starts;
 * a read that fails or is deferred puts them back (returns_read.c). */
static int start_hinted(struct cg_returns *r)
{
  size_t n = r->npending < CG_CENTRA_RETURNS_PAGE_MAX
                 ? r->npending
                 : CG_CENTRA_RETURNS_PAGE_MAX;
  int rc = cg__returns_read_start(r, r->pending, n, on_read_done);
  if (rc == 0) {
    memmove(r->pending, r->pending + n,
            (r->npending - n) * sizeof(*r->pending));
    r->npending -= n;
  }
  return rc;
}

static void start_read(struct cg_returns *r)
{
  int64_t now = cg_time_mono_ms();
  int rc = 0;
  if (now < r->retry_at_ms)
    return;
  if (r->npending > 0)
    rc = start_hinted(r);
  else if (r->opts.poll_s > 0 && now >= r->next_poll_ms) {
    r->next_poll_ms = now + r->opts.poll_s * 1000;
    rc = cg__returns_read_start(r, NULL, 0, on_read_done);
    r->next_poll_ms = rc == 0 ? r->next_poll_ms : 0; /* again after 5 s */
  }
  if (rc != 0)
    on_read_done(r, CG_RETURNS_READ_FAILED, 0);
}

static void on_tick(uv_timer_t *t)
{
  struct cg_returns *r = t->data;
  if (!r->closing && r->read == NULL)
    start_read(r);
}

void cg__returns_hint_again(struct cg_returns *r, const int64_t *ids, size_t n)
{
  for (size_t i = 0; r != NULL && i < n; i++)
    cg_returns_hint(r, ids[i]);
}
