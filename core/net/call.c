/*
 * call: result helpers and the deferred-completion queue shared by the
 * partner clients (core/centra, core/gxo). See call.h.
 *
 * The queue is a FIFO of (result, done, arg) drained by a uv_idle_t that
 * runs only while the queue is non-empty. An idle handle (not a 0 ms timer:
 * STYLE.md §8) fires on the next loop iteration without blocking in poll.
 */
#include "net/call.h"

#include "base/err.h"
#include "base/mem.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define container_of(ptr, type, member)                                        \
  ((type *)((char *)(ptr)-offsetof(type, member)))

struct deferred {
  struct deferred *next;
  struct cg_call_result res;
  cg_call_done_fn done;
  void *arg;
};

struct cg_call_queue {
  uv_idle_t idle;
  struct deferred *head;
  struct deferred *tail;
};

void cg_call_result_init(struct cg_call_result *res)
{
  memset(res, 0, sizeof(*res));
  res->outcome = CG_OUTCOME_OK;
}

void cg_call_result_set(struct cg_call_result *res, enum cg_outcome outcome,
                        const char *code, const char *fmt, ...)
{
  res->outcome = outcome;
  snprintf(res->code, sizeof(res->code), "%s", code ? code : "");
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(res->message, sizeof(res->message), fmt, ap);
  va_end(ap);
}

void cg_call_result_clear_data(struct cg_call_result *res)
{
  cJSON_Delete(res->data);
  res->data = NULL;
}

void cg_call_result_deliver(struct cg_call_result *res, cg_call_done_fn done,
                            void *arg)
{
  if (done != NULL)
    done(res, arg);
  cg_call_result_clear_data(res);
}

const char *cg_call_outcome_name(enum cg_outcome outcome)
{
  switch (outcome) {
  case CG_OUTCOME_OK:
    return "ok";
  case CG_OUTCOME_RETRY:
    return "retry";
  case CG_OUTCOME_FAIL:
    return "fail";
  }
  return "?";
}

static struct deferred *queue_pop(struct cg_call_queue *q)
{
  struct deferred *d = q->head;
  if (d != NULL) {
    q->head = d->next;
    if (q->head == NULL)
      q->tail = NULL;
  }
  return d;
}

/* Drains only what was queued before this turn started: a callback that
 * defers again is served on the following turn, so a loop of immediate
 * retries cannot starve the loop. */
static void on_idle_drain(uv_idle_t *h)
{
  struct cg_call_queue *q = container_of(h, struct cg_call_queue, idle);
  struct deferred *last = q->tail;
  struct deferred *d;
  do {
    d = queue_pop(q);
    if (d == NULL)
      break;
    cg_call_result_deliver(&d->res, d->done, d->arg);
    bool was_last = (d == last);
    cg_free(d);
    if (was_last)
      break;
  } while (1);
  if (q->head == NULL)
    uv_idle_stop(&q->idle);
}

struct cg_call_queue *cg_call_queue_create(uv_loop_t *loop)
{
  struct cg_call_queue *q = cg_calloc(1, sizeof(*q));
  if (q == NULL)
    return NULL;
  if (uv_idle_init(loop, &q->idle) != 0) {
    cg_free(q);
    return NULL;
  }
  return q;
}

int cg_call_defer(struct cg_call_queue *q, struct cg_call_result *res,
                  cg_call_done_fn done, void *arg)
{
  struct deferred *d = cg_calloc(1, sizeof(*d));
  if (d == NULL) {
    cg_call_result_clear_data(res);
    return CG_ENOMEM;
  }
  d->res = *res;
  res->data = NULL;
  d->done = done;
  d->arg = arg;
  if (q->tail != NULL)
    q->tail->next = d;
  else
    q->head = d;
  q->tail = d;
  uv_idle_start(&q->idle, on_idle_drain);
  return 0;
}

static void on_idle_closed(uv_handle_t *h)
{
  struct cg_call_queue *q =
      container_of((uv_idle_t *)h, struct cg_call_queue, idle);
  cg_free(q);
}

void cg_call_queue_destroy(struct cg_call_queue *q)
{
  if (q == NULL)
    return;
  struct deferred *d;
  while ((d = queue_pop(q)) != NULL) {
    cg_call_result_deliver(&d->res, d->done, d->arg);
    cg_free(d);
  }
  uv_close((uv_handle_t *)&q->idle, on_idle_closed);
}
