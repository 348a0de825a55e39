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

struct cg_call_queue {
  uv_idle_t idle;
  struct cg_call_slot *head;
  struct cg_call_slot *tail;
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

bool cg_call_result_sent(const struct cg_call_result *res)
{
  if (res->outcome != CG_OUTCOME_RETRY || res->http_status != 0)
    return true;
  return strcmp(res->code, "paused") != 0 && strcmp(res->code, "budget") != 0 &&
         strcmp(res->code, "local") != 0;
}

enum cg_log_level cg_call_result_log_level(const struct cg_call_result *res)
{
  static const char *const quiet[] = {"budget", "paused", "canceled"};
  for (size_t i = 0; i < sizeof(quiet) / sizeof(*quiet); i++)
    if (strcmp(res->code, quiet[i]) == 0)
      return CG_LOG_DEBUG;
  return CG_LOG_WARN;
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

static struct cg_call_slot *queue_pop(struct cg_call_queue *q)
{
  struct cg_call_slot *d = q->head;
  if (d != NULL) {
    q->head = d->next;
    if (q->head == NULL)
      q->tail = NULL;
    d->next = NULL;
  }
  return d;
}

static void deliver_slot(struct cg_call_slot *d)
{
  cg_call_result_deliver(&d->res, d->done, d->arg);
  if (d->release != NULL)
    d->release(d);
}

/* Drains only what was queued before this turn started: a callback that
 * defers again is served on the following turn, so a loop of immediate
 * retries cannot starve the loop. */
static void on_idle_drain(uv_idle_t *h)
{
  struct cg_call_queue *q = container_of(h, struct cg_call_queue, idle);
  struct cg_call_slot *last = q->tail;
  struct cg_call_slot *d;
  while ((d = queue_pop(q)) != NULL) {
    bool was_last = (d == last);
    deliver_slot(d);
    if (was_last)
      break;
  }
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

void cg_call_defer_slot(struct cg_call_queue *q, struct cg_call_slot *slot,
                        struct cg_call_result *res, cg_call_done_fn done,
                        void *arg)
{
  slot->res = *res;
  res->data = NULL;
  slot->done = done;
  slot->arg = arg;
  slot->next = NULL;
  if (q->tail != NULL)
    q->tail->next = slot;
  else
    q->head = slot;
  q->tail = slot;
  uv_idle_start(&q->idle, on_idle_drain);
}

static void release_owned(struct cg_call_slot *slot)
{
  cg_free(slot);
}

int cg_call_defer(struct cg_call_queue *q, struct cg_call_result *res,
                  cg_call_done_fn done, void *arg)
{
  struct cg_call_slot *slot = cg_calloc(1, sizeof(*slot));
  if (slot == NULL) {
    cg_call_result_clear_data(res);
    return CG_ENOMEM;
  }
  slot->release = release_owned;
  cg_call_defer_slot(q, slot, res, done, arg);
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
  struct cg_call_slot *d;
  while ((d = queue_pop(q)) != NULL)
    deliver_slot(d);
  uv_close((uv_handle_t *)&q->idle, on_idle_closed);
}
