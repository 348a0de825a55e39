/*
 * returns_settle: the outbox kind "centra.return.settle", one row per
 * received return (docs/internals/returns.md "The path of a return",
 * "Exactly once", "Deciding a receipt"). One delivery is a chain of
 * steps, each answer committed in its own transaction before the next
 * call, the way dispatch_ship.c delivers a consignment:
 *
 *   step received: hook returns.decide(receipt + mismatches, advice)
 *     -> plan, line decisions, step decided (hold: RETURN_MISMATCH, end)
 *   step decided: read the return; completeReturn only while Centra
 *     shows the returnStatus first read -> step completed, the restock
 *     route's effect (returns_stock.c)
 *   step completed, refund "full": read; refundReturn only while
 *     refundPaymentHistory is empty -> settled
 *     refund "none" -> settled; "manual" -> read, then held with the
 *     amounts to refund by hand
 *
 * A crash, a lost answer or a RETRY starts the next delivery at the step
 * the row names, and the read before each write finds a write Centra has
 * already done: it is recorded, never sent again. A FAIL (Centra's
 * userErrors, a read that makes no sense, a pack that fails) holds the
 * return (finish_settle). One delivery at a time per return.
 */
#include "flows/outbox.h"
#include "flows/returns.h"
#include "flows/returns_int.h"

#include "base/err.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"
#include "centra/centra.h"
#include "flows/exceptions.h"
#include "flows/flow.h"
#include "rules/host.h"
#include "store/store.h"
#include "store/store_returns.h"

#include <stdio.h>
#include <string.h>

#define COMP "returns"
#define RULES_WAIT_MS 1000 /* the rule host is busy or restarting */
#define BUSY_WAIT_MS 300   /* another delivery of this return is under way */
#define TEXT_MAX 2048      /* a timeline entry or a hold's message */

struct settle {
  struct cg_flow *f;
  cg_call_done_fn done;
  void *arg;
  struct cg_store_return r;
  struct cg_store_return_lines lines;
  cJSON *plan; /* the committed plan, NULL before returns.decide */
  char busy_key[CG_RETURNS_RMA_MAX + 8];
  bool busy_taken;
  bool progressed; /* this attempt committed a step */
};

static void settle_free(struct settle *s)
{
  if (s->busy_taken)
    cg_map_del_str(&s->f->orders_writing, s->busy_key);
  cg_store_return_clear(&s->r);
  cg_store_return_lines_clear(&s->lines);
  cJSON_Delete(s->plan);
  cg_free(s);
}

static void end(struct settle *s, struct cg_call_result *res)
{
  res->progressed = res->progressed || s->progressed;
  cg_call_done_fn done = s->done;
  void *arg = s->arg;
  settle_free(s);
  done(res, arg);
}

static void end_with(struct settle *s, enum cg_outcome outcome,
                     const char *code, int64_t retry_at, const char *msg)
{
  struct cg_call_result res;
  cg_call_result_init(&res);
  cg_call_result_set(&res, outcome, code, "%s", msg);
  res.retry_at_ms = retry_at;
  end(s, &res);
  cg_call_result_clear_data(&res);
}

typedef int (*step_fn)(struct settle *s, const void *ctx, struct cg_err *err);

/* Runs fn in its own transaction (the answer before the next call). */
static int commit(struct settle *s, step_fn fn, const void *ctx)
{
  struct cg_err err = {0};
  struct cg_store *st = s->f->store;
  int rc = cg_store_savepoint(st, &err);
  if (rc == 0) {
    rc = fn(s, ctx, &err);
    int end_rc = cg_store_savepoint_end(st, rc == 0, rc == 0 ? &err : NULL);
    rc = rc ? rc : end_rc;
  }
  if (rc != 0)
    cg_log_error(COMP, "[merchant=%s] return %lld at step %s: %s",
                 s->f->merchant, (long long)s->r.id,
                 cg_store_return_step_name(s->r.step), err.msg);
  s->progressed = s->progressed || rc == 0;
  return rc;
}

static const char *plan_str(const struct settle *s, const char *key)
{
  return cg_json_str(s->plan, key);
}

static bool notify(const struct settle *s)
{
  return cg_json_bool(s->plan, "notify", true);
}

/* ---- the reads ----------------------------------------------------------*/

/* The return of ours in a read's answer, or NULL. */
static const cJSON *ours(const struct settle *s, const cJSON *list)
{
  const cJSON *ret;
  cJSON_ArrayForEach(ret, list)
  {
    if (cg_json_int(ret, "id", 0) == s->r.id)
      return ret;
  }
  return NULL;
}

/* The read answered: ours, or the delivery ends (RETRY, FAIL). */
static const cJSON *read_answer(struct settle *s, struct cg_call_result *res)
{
  const cJSON *ret = NULL;
  if (res->outcome != CG_OUTCOME_OK)
    end(s, res);
  else if ((ret = ours(s, res->data)) == NULL)
    end_with(s, CG_OUTCOME_FAIL, "return-missing", 0,
             "Centra's returns do not include this return any more");
  return ret;
}

/* A call that did not start: RETRY; "canceled" when the engine is
 * stopping (the client is gone, centra.h: CG_ECANCELED). */
static void not_started(struct settle *s, int rc, const char *what)
{
  end_with(s, CG_OUTCOME_RETRY, rc == CG_ECANCELED ? "canceled" : "local", 0,
           what);
}

static void read_return(struct settle *s, cg_call_done_fn then)
{
  int rc = cg_centra_fetch_returns(s->f->centra, &s->r.id, 1, then, s);
  if (rc != 0)
    not_started(s, rc, "read not started");
}

/* ---- settled ------------------------------------------------------------*/

struct settled_ctx {
  const char *action; /* "return refunded" or "return not refunded" */
  const char *detail;
  const char *check; /* a RETURN_MISMATCH (refund-check) to raise, or NULL */
};

static int do_settled(struct settle *s, const void *ctx, struct cg_err *err)
{
  const struct settled_ctx *c = ctx;
  int rc =
      cg_store_return_set_step(s->f->store, s->r.id, CG_STORE_RETURN_SETTLED,
                               NULL, cg_time_now_ms(), err);
  rc = rc ? rc
          : cg__returns_audit(s->f, s->r.order_number, c->action, c->detail,
                              err);
  if (rc != 0 || c->check == NULL)
    return rc;
  return cg__returns_raise(s->f, s->r.id, s->r.order_number, CG_RETURN_MISMATCH,
                           c->check, NULL, err);
}

static void settled(struct settle *s, const char *action, const char *detail,
                    bool refunded, const char *check)
{
  struct settled_ctx c = {action, detail, check};
  if (commit(s, do_settled, &c) != 0) {
    end_with(s, CG_OUTCOME_RETRY, "store", 0, "settling not recorded");
    return;
  }
  if (refunded)
    s->f->metrics.returns_refunded++;
  end_with(s, CG_OUTCOME_OK, "settled", 0, detail);
}

/* Settled as refunded. from_read: the entries come from a read, not from
 * the engine's own refundReturn answer (refunded by hand, or an earlier
 * attempt whose answer was lost): customer service checks them
 * (RETURN_MISMATCH refund-check; PaymentHistoryEntryStatus is
 * UNCONFIRMED, so the engine does not judge the statuses itself). */
static void refunded(struct settle *s, const cJSON *entries, bool from_read)
{
  char list[TEXT_MAX / 2], detail[TEXT_MAX], check[TEXT_MAX];
  cg__returns_amounts(entries, list, sizeof(list));
  snprintf(detail, sizeof(detail), "return %lld: %s: %s", (long long)s->r.id,
           from_read ? "already refunded in Centra (found by a read, not by "
                       "the engine's own refund call): recorded, not sent "
                       "again"
                     : "refunded in Centra",
           list[0] ? list : "(no entry)");
  snprintf(check, sizeof(check),
           "return %lld: refund-check: the refund was recorded from Centra's "
           "payment history, not from the engine's own refund call: %s; "
           "check in Centra that the customer was paid, then resolve",
           (long long)s->r.id, list);
  settled(s, "return refunded", detail, true, from_read ? check : NULL);
}

/* Only an answer naming this return with a payment entry proves the
 * refund; anything else is held (finish_settle: SYNC_FAILURE) and never
 * sent again blindly: a retry reads first. */
static void on_refunded(struct cg_call_result *res, void *arg)
{
  struct settle *s = arg;
  const cJSON *entries = cg_json_get(res->data, "entries");
  if (res->outcome != CG_OUTCOME_OK)
    end(s, res);
  else if (cJSON_GetArraySize(entries) < 1 ||
           cg_json_int(res->data, "return.id", 0) != s->r.id)
    end_with(s, CG_OUTCOME_FAIL, "refund-unconfirmed", 0,
             "refundReturn answered without a payment entry for this return: "
             "not recorded as refunded and not sent again; a retry reads the "
             "return and records what Centra shows");
  else
    refunded(s, entries, false);
}

static void hold(struct settle *s, const char *code, const char *message);

/* An open RETURN_MISMATCH (a second receipt, returns_receipt.c) stops
 * every write: held until customer service decides. Whether the delivery
 * ended. */
static bool mismatch_open(struct settle *s, const char *when)
{
  char msg[TEXT_MAX];
  struct cg_err err = {0};
  bool found = false;
  if (cg__returns_mismatch_open(s->f->store, s->r.id, &found, &err) != 0) {
    end_with(s, CG_OUTCOME_RETRY, "store", 0, "exceptions not read");
    return true;
  }
  if (!found)
    return false;
  snprintf(msg, sizeof(msg),
           "an open RETURN_MISMATCH on the return (e.g. the warehouse sent a "
           "second receipt): held %s, nothing more is written to Centra; "
           "retry to have the pack decide again (before the completion), or "
           "settle it in Centra by hand and resolve",
           when);
  hold(s, "open-mismatch", msg);
  return true;
}

/* Any entry in refundPaymentHistory: a refund was made or tried. */
static void on_read_refund(struct cg_call_result *res, void *arg)
{
  struct settle *s = arg;
  const cJSON *ret = read_answer(s, res);
  const cJSON *refunds = cg_json_get(ret, "refunds");
  int rc;
  if (ret == NULL)
    return;
  if (cJSON_GetArraySize(refunds) > 0)
    refunded(s, refunds, true);
  else if (!mismatch_open(s, "before the refund") &&
           (rc = cg_centra_refund_return(s->f->centra, s->r.id, notify(s),
                                         on_refunded, s)) != 0)
    not_started(s, rc, "refund not started");
}

/* ---- refund "manual": held with the lines to refund by hand -------------*/

struct hold_ctx {
  const char *type, *code, *message;
};

static int do_hold(struct settle *s, const void *ctx, struct cg_err *err)
{
  const struct hold_ctx *h = ctx;
  return cg__returns_hold(s->f, s->r.id, s->r.order_number, h->type, h->code,
                          h->message, err);
}

/* Held by the plan; the row ends OK (the hold is the outcome). */
static void hold(struct settle *s, const char *code, const char *message)
{
  struct hold_ctx h = {CG_RETURN_MISMATCH, code, message};
  if (commit(s, do_hold, &h) != 0) {
    end_with(s, CG_OUTCOME_RETRY, "store", 0, "hold not recorded");
    return;
  }
  s->f->metrics.returns_held++;
  end_with(s, CG_OUTCOME_OK, "held", 0, message);
}

static void on_read_manual(struct cg_call_result *res, void *arg)
{
  struct settle *s = arg;
  char msg[TEXT_MAX];
  const cJSON *ret = read_answer(s, res);
  if (ret == NULL)
    return;
  cg__returns_manual_message(&s->lines, s->plan, ret, msg, sizeof(msg));
  hold(s, "partial-refund", msg);
}

/* After the completion is committed: what the plan says of money. */
static void refund(struct settle *s)
{
  char detail[TEXT_MAX];
  const char *how = plan_str(s, "refund");
  if (how != NULL && strcmp(how, "full") == 0) {
    read_return(s, on_read_refund);
  } else if (how != NULL && strcmp(how, "manual") == 0) {
    read_return(s, on_read_manual);
  } else {
    snprintf(detail, sizeof(detail),
             "return %lld: the pack decided no refund%s%s", (long long)s->r.id,
             plan_str(s, "message") ? ": " : "",
             plan_str(s, "message") ? plan_str(s, "message") : "");
    settled(s, "return not refunded", detail, false, NULL);
  }
}

/* ---- the completion -----------------------------------------------------*/

struct completed_ctx {
  const cJSON *ret; /* Centra's return after the completion */
  const char *how;
};

/* The plan keeps "completed": true, so that a retry after a later hold
 * knows the completion (and its stock effect) is behind it. */
static int mark_completed(struct settle *s, struct cg_err *err)
{
  cJSON_DeleteItemFromObjectCaseSensitive(s->plan, "completed");
  char *text = cJSON_AddBoolToObject(s->plan, "completed", true)
                   ? cg_json_print(s->plan)
                   : NULL;
  int rc = text ? cg_store_return_set_plan(s->f->store, s->r.id, text,
                                           cg_time_now_ms(), err)
                : cg_err_set(err, CG_ENOMEM, "out of memory");
  cg_free(text);
  return rc;
}

static int do_completed(struct settle *s, const void *ctx, struct cg_err *err)
{
  const struct completed_ctx *c = ctx;
  bool restocked = cg_json_bool(c->ret, "returnedToStock", false);
  char detail[TEXT_MAX];
  int rc =
      cg_store_return_set_step(s->f->store, s->r.id, CG_STORE_RETURN_COMPLETED,
                               NULL, cg_time_now_ms(), err);
  rc = rc ? rc : mark_completed(s, err);
  rc = rc ? rc
          : cg__returns_completed_stock(s->f, &s->r, &s->lines, restocked, err);
  snprintf(detail, sizeof(detail),
           "return %lld: %s (returnStatus %s, returnedToStock %s, e-mail %s)",
           (long long)s->r.id, c->how,
           cg_json_str(c->ret, "returnStatus")
               ? cg_json_str(c->ret, "returnStatus")
               : "?",
           restocked ? "yes" : "no", notify(s) ? "yes" : "no");
  return rc ? rc
            : cg__returns_audit(s->f, s->r.order_number, "return completed",
                                detail, err);
}

static void completed(struct settle *s, const cJSON *ret, const char *how)
{
  struct completed_ctx c = {ret, how};
  if (commit(s, do_completed, &c) != 0) {
    end_with(s, CG_OUTCOME_RETRY, "store", 0, "completion not recorded");
    return;
  }
  s->r.step = CG_STORE_RETURN_COMPLETED;
  s->f->metrics.returns_completed++;
  refund(s);
}

/* A refusal says what to do: a return completed by hand in Centra (or
 * already completed when first read) is refused for good. */
static void on_completed(struct cg_call_result *res, void *arg)
{
  struct settle *s = arg;
  char msg[CG_CALL_MESSAGE_MAX];
  if (res->outcome == CG_OUTCOME_FAIL) {
    snprintf(msg, sizeof(msg),
             "completeReturn refused: if the return was completed by hand in "
             "Centra, resolve this exception (settled by hand: the refund is "
             "then customer service's); else correct it in Centra and retry. "
             "Centra said: %s",
             res->message);
    end_with(s, CG_OUTCOME_FAIL, res->code, 0, msg);
  } else if (res->outcome != CG_OUTCOME_OK) {
    end(s, res);
  } else {
    completed(s, res->data, "completed in Centra");
  }
}

/* Completed already when Centra's returnStatus is no longer the one the
 * engine read first (its values are never compared with a literal). */
static void on_read_complete(struct cg_call_result *res, void *arg)
{
  struct settle *s = arg;
  const cJSON *ret = read_answer(s, res);
  const char *status = cg_json_str(ret, "returnStatus");
  int rc;
  if (ret == NULL)
    return;
  if (status == NULL || s->r.initial_status == NULL)
    end_with(s, CG_OUTCOME_FAIL, "unreadable", 0,
             "no returnStatus to compare: not completing blind");
  else if (strcmp(status, s->r.initial_status) != 0)
    completed(s, ret, "already completed in Centra: recorded, not sent again");
  else if (!mismatch_open(s, "before the completion") &&
           (rc = cg_centra_complete_return(s->f->centra, s->r.id, notify(s),
                                           on_completed, s)) != 0)
    not_started(s, rc, "completion not started");
}

/* ---- returns.decide -----------------------------------------------------*/

struct decided_ctx {
  const cJSON *mismatches;
  const char *hold_code; /* NULL: settle */
};

static int line_decisions(struct settle *s, struct cg_err *err)
{
  const cJSON *l;
  int rc = 0;
  cJSON_ArrayForEach(l, cg_json_get(s->plan, "lines"))
  {
    char *text = rc == 0 ? cg_json_print(l) : NULL;
    if (rc == 0 && text == NULL)
      rc = cg_err_set(err, CG_ENOMEM, "out of memory");
    else if (rc == 0)
      rc = cg_store_return_line_decision(s->f->store, s->r.id,
                                         cg_json_str(l, "lineRef"), text, err);
    if (rc == CG_ENOTFOUND) { /* a line the return does not have */
      memset(err, 0, sizeof(*err));
      rc = 0;
    }
    cg_free(text);
  }
  return rc;
}

static int do_decided(struct settle *s, const void *ctx, struct cg_err *err)
{
  const struct decided_ctx *c = ctx;
  char detail[TEXT_MAX], *text = cg_json_print(s->plan);
  int rc = text ? cg_store_return_set_plan(s->f->store, s->r.id, text,
                                           cg_time_now_ms(), err)
                : cg_err_set(err, CG_ENOMEM, "out of memory");
  cg_free(text);
  rc = rc ? rc : line_decisions(s, err);
  rc = rc ? rc
          : cg_store_return_set_step(s->f->store, s->r.id,
                                     CG_STORE_RETURN_DECIDED, NULL,
                                     cg_time_now_ms(), err);
  snprintf(detail, sizeof(detail), "return %lld: %s, refund %s, e-mail %s%s%s",
           (long long)s->r.id, c->hold_code ? "hold" : "settle",
           plan_str(s, "refund") ? plan_str(s, "refund") : "-",
           notify(s) ? "yes" : "no", plan_str(s, "message") ? ": " : "",
           plan_str(s, "message") ? plan_str(s, "message") : "");
  rc = rc ? rc
          : cg__returns_audit(s->f, s->r.order_number, "return decided", detail,
                              err);
  if (rc != 0 || c->hold_code == NULL)
    return rc;
  cg__returns_hold_message(s->plan, c->mismatches, detail, sizeof(detail));
  return cg__returns_hold(s->f, s->r.id, s->r.order_number, CG_RETURN_MISMATCH,
                          c->hold_code, detail, err);
}

/* Mismatches never refund by themselves: a settle that does not accept
 * them is a hold. */
static const char *hold_code(const cJSON *plan, const cJSON *mismatches)
{
  const char *action = cg_json_str(plan, "action");
  bool any = cJSON_GetArraySize(mismatches) > 0;
  if (action != NULL && strcmp(action, "settle") == 0 &&
      (!any || cg_json_bool(plan, "accept_mismatch", false)))
    return NULL;
  return any ? "mismatch" : "pack-hold";
}

static void decided(struct settle *s, cJSON *plan, const cJSON *mismatches)
{
  struct decided_ctx c = {mismatches, hold_code(plan, mismatches)};
  s->plan = plan;
  /* the engine's own mark (mark_completed); the check refuses it too */
  cJSON_DeleteItemFromObjectCaseSensitive(plan, "completed");
  if (commit(s, do_decided, &c) != 0) {
    end_with(s, CG_OUTCOME_RETRY, "store", 0, "plan not recorded");
  } else if (c.hold_code != NULL) {
    s->f->metrics.returns_held++;
    end_with(s, CG_OUTCOME_OK, "held", 0, "held for customer service");
  } else {
    s->r.step = CG_STORE_RETURN_DECIDED;
    read_return(s, on_read_complete);
  }
}

struct asked {
  struct settle *s;
  cJSON *mismatches;
};

static void on_rules(int rc, cJSON *reply, const struct cg_err *err, void *arg)
{
  struct asked *a = arg;
  struct settle *s = a->s;
  cJSON *mismatches = a->mismatches;
  char msg[CG_ERR_MSG_MAX + 64];
  cg_free(a);
  snprintf(msg, sizeof(msg), CG_RETURNS_HOOK_DECIDE ": %s",
           err ? err->msg : "");
  if (rc == CG_ERULE || rc == CG_ELIMIT || rc == CG_EINVAL) /* not passing */
    end_with(s, CG_OUTCOME_FAIL, "rule-error", 0, msg);
  else if (rc != 0)
    end_with(s, CG_OUTCOME_RETRY, "local", cg_time_now_ms() + RULES_WAIT_MS,
             msg);
  else {
    decided(s, reply, mismatches);
    reply = NULL; /* the plan is the delivery's now */
  }
  cJSON_Delete(reply);
  cJSON_Delete(mismatches);
}

static void ask_rules(struct settle *s)
{
  cJSON *receipt = s->r.receipt ? cJSON_Parse(s->r.receipt) : NULL;
  if (!cJSON_IsObject(receipt)) {
    cJSON_Delete(receipt);
    end_with(s, CG_OUTCOME_FAIL, "unreadable", 0,
             "the stored receipt is unreadable");
    return;
  }
  struct asked *a = cg_calloc(1, sizeof(*a));
  cJSON *args =
      a ? cg__returns_decide_args(&s->r, &s->lines, receipt, &a->mismatches)
        : NULL;
  if (a == NULL)
    cJSON_Delete(receipt);
  else
    a->s = s;
  int rc = args == NULL ? CG_ENOMEM
           : s->f->rulehost
               ? cg_rulehost_call(s->f->rulehost, CG_RETURNS_HOOK_DECIDE, args,
                                  on_rules, a)
               : CG_ECANCELED;
  cJSON_Delete(args);
  if (rc == 0)
    return;
  if (a != NULL)
    cJSON_Delete(a->mismatches);
  cg_free(a);
  end_with(s, CG_OUTCOME_RETRY, "local", cg_time_now_ms() + RULES_WAIT_MS,
           rc == CG_ENOMEM ? "out of memory" : "rule host busy");
}

/* ---- the outbox kind ----------------------------------------------------*/

/* The first step Centra has not seen, as the row says. */
static void resume(struct settle *s)
{
  char msg[120];
  if (s->r.step == CG_STORE_RETURN_RECEIVED) {
    ask_rules(s);
  } else if (s->plan == NULL && (s->r.step == CG_STORE_RETURN_DECIDED ||
                                 s->r.step == CG_STORE_RETURN_COMPLETED)) {
    end_with(s, CG_OUTCOME_FAIL, "unreadable", 0,
             "the stored plan is unreadable");
  } else if (s->r.step == CG_STORE_RETURN_DECIDED) {
    read_return(s, on_read_complete);
  } else if (s->r.step == CG_STORE_RETURN_COMPLETED) {
    refund(s);
  } else {
    snprintf(msg, sizeof(msg), "return at step %s: nothing to settle",
             cg_store_return_step_name(s->r.step));
    end_with(s, CG_OUTCOME_OK, "skipped", 0, msg);
  }
}

/* Another delivery of this return is under way (an operator's retry
 * while a row still runs): this one waits, without counting an attempt.
 * The key shares f->orders_writing, whose other keys are order numbers
 * (digits only). */
static bool busy(struct settle *s)
{
  struct cg_map *m = &s->f->orders_writing;
  snprintf(s->busy_key, sizeof(s->busy_key), "return %lld", (long long)s->r.id);
  s->busy_taken = cg_map_get_str(m, s->busy_key) == NULL &&
                  cg_map_put_str(m, s->busy_key, s->f) == 0;
  if (s->busy_taken)
    return false;
  end_with(s, CG_OUTCOME_RETRY, "local", cg_time_now_ms() + BUSY_WAIT_MS,
           "another delivery of this return is under way");
  return true;
}

static int load(struct settle *s, const char *key, struct cg_err *err)
{
  int64_t id = cg__returns_rma_id(key);
  int rc = id > 0 ? cg_store_return_get(s->f->store, id, &s->r, err)
                  : cg_err_set(err, CG_ENOTFOUND, "no return %s", key);
  if (rc == 0)
    rc = cg_store_return_lines_get(s->f->store, id, &s->lines, err);
  if (rc == 0 && s->r.plan != NULL)
    s->plan = cJSON_Parse(s->r.plan);
  return rc;
}

static int start_settle(struct cg_flow *f,
                        const struct cg_store_outbox_row *row,
                        cg_call_done_fn done, void *arg)
{
  struct cg_err err = {0};
  struct settle *s = cg_calloc(1, sizeof(*s));
  if (s == NULL)
    return CG_ENOMEM;
  *s = (struct settle){.f = f, .done = done, .arg = arg};
  int rc = load(s, row->entity_key, &err);
  if (rc == CG_ENOTFOUND) {
    end_with(s, CG_OUTCOME_OK, "skipped", 0, "no such return");
    return 0;
  }
  if (rc != 0) {
    cg_log_error(COMP, "[merchant=%s] return %s not started: %s", f->merchant,
                 row->entity_key, err.msg);
    settle_free(s);
    return rc;
  }
  if (!busy(s))
    resume(s);
  return 0;
}

/* A FAIL: the pack failed (RULE_ERROR) or Centra refused or made no
 * sense (SYNC_FAILURE); the return is held at the step it reached. */
static int finish_fail(struct cg_flow *f, const struct cg_store_return *r,
                       const struct cg_call_result *res, struct cg_err *err)
{
  char msg[CG_CALL_MESSAGE_MAX + CG_CALL_CODE_MAX + 16];
  bool rule = strcmp(res->code, "rule-error") == 0;
  snprintf(msg, sizeof(msg), "%s%s", rule ? "" : "Centra: ", res->message);
  int rc = cg__returns_hold(f, r->id, r->order_number,
                            rule ? "RULE_ERROR" : "SYNC_FAILURE", res->code,
                            msg, err);
  if (rc == 0)
    f->metrics.returns_held++;
  return rc;
}

/* An OK while the return is at a step with work left: an operator's retry
 * moved it back while this row was still inflight (so the retry queued
 * nothing): the row again, under a new key. */
static int finish_ok(struct cg_flow *f, const struct cg_store_return *r,
                     struct cg_err *err)
{
  bool work = r->step == CG_STORE_RETURN_RECEIVED ||
              r->step == CG_STORE_RETURN_DECIDED ||
              r->step == CG_STORE_RETURN_COMPLETED;
  return work ? cg__returns_queue_again(f, CG_RETURNS_KIND_SETTLE, r, err) : 0;
}

static int finish_settle(struct cg_flow *f,
                         const struct cg_store_outbox_row *row,
                         const struct cg_call_result *res)
{
  struct cg_err err = {0};
  struct cg_store_return r = {0};
  if (res->outcome == CG_OUTCOME_RETRY)
    return 0;
  int64_t id = cg__returns_rma_id(row->entity_key);
  int rc = cg_store_return_get(f->store, id, &r, &err);
  if (rc == 0)
    rc = res->outcome == CG_OUTCOME_FAIL ? finish_fail(f, &r, res, &err)
                                         : finish_ok(f, &r, &err);
  if (rc == CG_ENOTFOUND)
    rc = 0;
  if (rc != 0)
    cg_log_error(COMP, "[merchant=%s] return %s: %s", f->merchant,
                 row->entity_key, err.msg);
  cg_store_return_clear(&r);
  return rc;
}

const struct cg_outbox_kind cg_returns_settle_kind = {
    CG_RETURNS_KIND_SETTLE, start_settle, finish_settle};
