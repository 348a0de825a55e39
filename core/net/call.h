/*
 * call: the common result of one partner operation (a Centra GraphQL
 * query or mutation, a warehouse REST call) and the completion callback
 * every partner client uses. The outbox delivery in core/flows reads the
 * tri-state outcome and decides: OK -> done, RETRY -> schedule the next
 * attempt no earlier than retry_at_ms, FAIL -> exception with code and
 * message.
 *
 *   flow -> cg_gxo_create_order(..., done, arg)   (returns 0 at once)
 *             ... libuv loop turns ...
 *        <- done(&result, arg)                    (exactly once, later)
 *
 * Also here: small helpers the partner clients share to fill a result, and
 * a deferred-completion queue so that results known at once (budget empty,
 * partner paused, bad token) still reach the caller on a later loop turn,
 * never inside the starting call.
 */
#ifndef CG_NET_CALL_H
#define CG_NET_CALL_H

#include "base/log.h"
#include "net/retry.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#define CG_CALL_CODE_MAX 64
#define CG_CALL_MESSAGE_MAX 512

struct cg_call_result {
  enum cg_outcome outcome; /* CG_OUTCOME_OK / _RETRY / _FAIL */
  long http_status;        /* 0 when no response (transport, not sent) */
  /* When RETRY: earliest wall-clock ms (cg_time_now_ms) of the next
   * attempt, from Retry-After or a partner pause; 0 = the caller's
   * backoff decides. */
  int64_t retry_at_ms;
  /* Partner problem code: RFC 9457 `code` ("unknown-sku",
   * "duplicate-order-ref"), a GraphQL userError path ("input.lines.0"),
   * or a local code ("transport", "budget", "paused"); "" if none. */
  char code[CG_CALL_CODE_MAX];
  /* Partner or local message for people; never contains secrets. */
  char message[CG_CALL_MESSAGE_MAX];
  /* The operation's result (shape documented per operation), or NULL.
   * Valid during the callback and freed after it returns, unless the
   * callback takes it by setting res->data = NULL (then it owns it and
   * frees it with cJSON_Delete). */
  cJSON *data;
  /* Set by a delivery of several calls (e.g. a consignment's create, tag
   * and complete) that committed a step before this result: the attempt
   * moved the work on, so a RETRY starts the backoff again instead of
   * growing it (core/flows/outbox.c). */
  bool progressed;
};

/* Fires exactly once per started operation, on the loop thread, never
 * synchronously inside the call that started the operation. */
typedef void (*cg_call_done_fn)(struct cg_call_result *res, void *arg);

/* --- helpers for partner clients ------------------------------------- */

/* Zeroes res (outcome OK, no data). */
void cg_call_result_init(struct cg_call_result *res);
/* Sets outcome, code (may be NULL) and a formatted message; keeps data
 * and http_status. Long texts are truncated. */
void cg_call_result_set(struct cg_call_result *res, enum cg_outcome outcome,
                        const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Frees res->data and sets it to NULL. */
void cg_call_result_clear_data(struct cg_call_result *res);
/* Calls done(res, arg), then frees whatever data the callback left. */
void cg_call_result_deliver(struct cg_call_result *res, cg_call_done_fn done,
                            void *arg);
/* False when the client refused the operation before sending anything:
 * a RETRY with code "paused" (partner pause after a 429/503), "budget"
 * (Centra mutation budget empty) or "local" (request could not start).
 * Such a RETRY is not a failed attempt: schedule it at retry_at_ms
 * without growing the backoff, or a busy partner escalates every queued
 * row to the backoff cap. */
bool cg_call_result_sent(const struct cg_call_result *res);
/* Short name of an outcome: "ok", "retry", "fail". */
const char *cg_call_outcome_name(enum cg_outcome outcome);
/* The log level for a call that did not succeed: throttling and shutdown
 * (codes "budget", "paused", "canceled") are expected, so debug;
 * anything else is a warning. */
enum cg_log_level cg_call_result_log_level(const struct cg_call_result *res);

/* --- deferred completions ---------------------------------------------
 * One queue per partner client. A result known at once (budget empty,
 * partner paused) is parked in a slot and delivered from a one-shot
 * uv_idle_t on a later loop turn. Operations embed their slot, so
 * deferring cannot fail for lack of memory (which would otherwise force a
 * callback inside the starting call). */

struct cg_call_queue;

struct cg_call_slot {
  struct cg_call_slot *next; /* queue link; the queue's while parked */
  struct cg_call_result res;
  cg_call_done_fn done;
  void *arg;
  /* Called once after delivery so the owner can free the object that
   * holds the slot; may be NULL. */
  void (*release)(struct cg_call_slot *slot);
};

/* Creates a queue on loop (loop thread only). NULL on ENOMEM. */
struct cg_call_queue *cg_call_queue_create(uv_loop_t *loop);
/* Parks res (moved, including data: res->data is NULL afterwards) in
 * slot and delivers done(&slot->res, arg) on a later loop turn, then calls
 * slot->release (set by the caller before or after; read at delivery).
 * Cannot fail. */
void cg_call_defer_slot(struct cg_call_queue *q, struct cg_call_slot *slot,
                        struct cg_call_result *res, cg_call_done_fn done,
                        void *arg);
/* As cg_call_defer_slot with a slot allocated here. Takes res->data even
 * on failure. Returns 0 or CG_ENOMEM (done does not fire, data freed). */
int cg_call_defer(struct cg_call_queue *q, struct cg_call_result *res,
                  cg_call_done_fn done, void *arg);
/* Delivers every parked result now (synchronously, in order), closes the
 * idle handle and frees the queue in its close callback; the loop must
 * run afterwards. destroy(NULL) is a no-op. */
void cg_call_queue_destroy(struct cg_call_queue *q);

#endif
