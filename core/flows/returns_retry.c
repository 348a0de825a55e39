/*
 * returns_retry: an operator's retry of a returns exception and the held
 * returns customer service settled by hand (docs/internals/returns.md
 * "Exceptions"):
 *
 *   orders_events.c step_retry ─▶ cg_returns_retry (in its transaction)
 *     RETURN_REJECTED   the advice again under a new idempotency key
 *                       (the warehouse judges it afresh), step new; so
 *                       does a RULE_ERROR on a rejected advice
 *     RETURN_MISMATCH   held before the completion: the plan cleared,
 *                       step received, settled again (the pack is asked
 *                       again); after it (partial-refund) or not held:
 *                       nothing for the engine to do, resolved
 *     RULE_ERROR        as a hold before the completion
 *     SYNC_FAILURE      the settle row again, from the step Centra shows
 *     UNADVISED_RETURN  nothing: resolved
 *   the engine's sweep ─▶ cg_returns_settle_resolved
 *     held returns whose exceptions are all resolved: settled by hand
 */
#include "flows/returns.h"
#include "flows/returns_int.h"
#include "flows/returns_read.h"

#include "base/err.h"
#include "base/json.h"
#include "base/log.h"
#include "base/time.h"
#include "flows/flow.h"
#include "store/store.h"
#include "store/store_returns.h"

#include <stdio.h>
#include <string.h>

#define COMP "returns"
#define RESOLVED_BATCH 50 /* held returns settled by hand per sweep */

bool cg_returns_owns(const char *entity_kind)
{
  return entity_kind != NULL && strcmp(entity_kind, CG_RETURNS_ENTITY) == 0;
}

static bool is(const char *a, const char *b)
{
  return a != NULL && strcmp(a, b) == 0;
}

/* What the outbox holds of kind for key, every row (a return retried
 * many times has more than a page of them): how many, whether one is
 * pending or in flight, and the newest failed one (0 = none). */
static int rows_of(struct cg_flow *f, const char *kind, const char *key,
                   int64_t *n, bool *active, int64_t *failed,
                   struct cg_err *err)
{
  struct cg_store_outbox_filter flt = {
      .state = -1, .kind = kind, .entity_key = key, .limit = 100};
  struct cg_store_outbox_list rows = {0};
  size_t got = 0;
  int rc;
  *n = 0;
  *active = false;
  *failed = 0;
  do {
    rc = cg_store_outbox_list(f->store, &flt, &rows, err);
    for (size_t i = 0; rc == 0 && i < rows.n; i++) {
      enum cg_store_outbox_state st = rows.items[i].state;
      *active = *active || st == CG_STORE_OUTBOX_PENDING ||
                st == CG_STORE_OUTBOX_INFLIGHT;
      *failed = st == CG_STORE_OUTBOX_FAILED ? rows.items[i].id : *failed;
    }
    got = rows.n;
    *n += (int64_t)got;
    flt.offset += (int64_t)got;
    cg_store_outbox_list_clear(&rows);
  } while (rc == 0 && got == (size_t)flt.limit);
  return rc;
}

/* returns_int.h. A new row's attempt is the number of rows so far, as in
 * returns_read.c: each advice under a key the warehouse has not seen. */
int cg__returns_queue_again(struct cg_flow *f, const char *kind,
                            const struct cg_store_return *r, struct cg_err *err)
{
  char key[CG_RETURNS_RMA_MAX];
  bool active = false;
  int64_t failed = 0, attempt = 0;
  cg__returns_rma(r->id, key);
  int rc = rows_of(f, kind, key, &attempt, &active, &failed, err);
  bool advice = is(kind, CG_RETURNS_KIND_ADVISE); /* always a new key */
  if (rc != 0 || active)
    return rc;
  if (failed != 0 && !advice)
    return cg_store_outbox_requeue(f->store, failed, cg_time_now_ms(), err);
  return cg__returns_queue(f, kind, r->id, r->order_number, (int)attempt, err);
}

/* Whether the plan records the completion (returns_settle.c). */
static bool completed(const struct cg_store_return *r)
{
  cJSON *plan = r->plan ? cJSON_Parse(r->plan) : NULL;
  bool done = cg_json_bool(plan, "completed", false);
  cJSON_Delete(plan);
  return done;
}

/* Back to the step the settling goes on from, and its row again. */
static int settle_again(struct cg_flow *f, const struct cg_store_return *r,
                        bool ask_again, struct cg_err *err)
{
  enum cg_store_return_step step = CG_STORE_RETURN_RECEIVED;
  int rc = 0;
  if (ask_again)
    rc = cg_store_return_set_plan(f->store, r->id, NULL, cg_time_now_ms(), err);
  else if (r->plan != NULL)
    step = completed(r) ? CG_STORE_RETURN_COMPLETED : CG_STORE_RETURN_DECIDED;
  if (rc == 0)
    rc = cg_store_return_set_step(f->store, r->id, step, NULL, cg_time_now_ms(),
                                  err);
  return rc ? rc : cg__returns_queue_again(f, CG_RETURNS_KIND_SETTLE, r, err);
}

static int advise_again(struct cg_flow *f, const struct cg_store_return *r,
                        struct cg_err *err)
{
  int rc = cg_store_return_set_step(f->store, r->id, CG_STORE_RETURN_NEW, NULL,
                                    cg_time_now_ms(), err);
  return rc ? rc : cg__returns_queue_again(f, CG_RETURNS_KIND_ADVISE, r, err);
}

/* What a retry does to r for exception type; *note says it. */
static int act(struct cg_flow *f, const char *type,
               const struct cg_store_return *r, const char **note,
               struct cg_err *err)
{
  bool held = r->step == CG_STORE_RETURN_HELD;
  bool before = held && !completed(r);
  /* Refused by the warehouse, or by the engine's check of the pack's
   * advice (RULE_ERROR from returns_advise.c): advised again. */
  if ((is(type, CG_RETURN_REJECTED) || is(type, "RULE_ERROR")) &&
      r->step == CG_STORE_RETURN_REJECTED) {
    *note = is(type, CG_RETURN_REJECTED)
                ? "retry requested: the return is read again from Centra and "
                  "advised if all its lines are known"
                : "retry requested: the advice is sent again under a new key";
    return is(type, CG_RETURN_REJECTED) ? cg__returns_reread(f, r, err)
                                        : advise_again(f, r, err);
  }
  if ((is(type, CG_RETURN_MISMATCH) || is(type, "RULE_ERROR")) && before) {
    *note = "retry requested: the rule pack decides the receipt again";
    return settle_again(f, r, true, err);
  }
  if (is(type, "SYNC_FAILURE") && held) {
    *note = "retry requested: settled again from the step Centra shows";
    return settle_again(f, r, false, err);
  }
  if (is(type, CG_RETURN_MISMATCH) && held)
    *note = "retry requested: the return is completed in Centra; nothing "
            "more for the engine to do: the refund is made by hand";
  else
    *note = "retry requested: nothing for the engine to do; resolved";
  return 0;
}

int cg_returns_retry(struct cg_flow *f, const struct cg_store_exception *x,
                     struct cg_err *err)
{
  struct cg_store_return r = {0};
  const char *note = "retry requested: nothing for the engine to do (an "
                     "unadvised parcel, or a return it does not know)";
  int64_t id =
      is(x->type, CG_UNADVISED_RETURN) ? -1 : cg__returns_rma_id(x->entity_key);
  int rc = id > 0 ? cg_store_return_get(f->store, id, &r, err) : CG_ENOTFOUND;
  if (rc == 0)
    rc = act(f, x->type, &r, &note, err);
  if (rc == CG_ENOTFOUND) {
    memset(err, 0, sizeof(*err));
    rc = 0;
  }
  if (rc == 0)
    rc = cg_store_exception_resolve(f->store, x->id, "operator", note, err);
  if (rc == 0)
    cg_log_info(COMP, "[merchant=%s] %s on return %s: %s", f->merchant, x->type,
                x->entity_key, note);
  cg_store_return_clear(&r);
  return rc;
}

/* ---- settled by hand ----------------------------------------------------*/

static int settle_by_hand(struct cg_flow *f, const struct cg_store_return *r,
                          struct cg_err *err)
{
  char detail[200];
  snprintf(detail, sizeof(detail),
           "return %lld: customer service resolved its %s; the engine writes "
           "nothing more to Centra",
           (long long)r->id, r->hold_reason ? r->hold_reason : "hold");
  int rc = cg_store_return_set_step(f->store, r->id, CG_STORE_RETURN_SETTLED,
                                    NULL, cg_time_now_ms(), err);
  return rc ? rc
            : cg__returns_audit(f, r->order_number, "return settled by hand",
                                detail, err);
}

static int settle_list(struct cg_flow *f,
                       const struct cg_store_return_list *list,
                       struct cg_err *err)
{
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < list->n; i++)
    rc = settle_by_hand(f, &list->items[i], err);
  return rc;
}

int cg_returns_settle_resolved(struct cg_flow *f)
{
  struct cg_err err = {0};
  struct cg_store_return_list list = {0};
  struct cg_store *st = f->store;
  int rc = cg_store_savepoint(st, &err);
  if (rc == 0) {
    rc = cg_store_return_held_resolved(st, CG_RETURNS_ENTITY, RESOLVED_BATCH,
                                       &list, &err);
    rc = rc ? rc : settle_list(f, &list, &err);
    int end_rc = cg_store_savepoint_end(st, rc == 0, rc == 0 ? &err : NULL);
    rc = rc ? rc : end_rc;
  }
  if (rc != 0)
    cg_log_error(COMP, "[merchant=%s] held returns resolved by hand: %s",
                 f->merchant, err.msg);
  int n = rc == 0 ? (int)list.n : rc;
  cg_store_return_list_clear(&list);
  return n;
}
