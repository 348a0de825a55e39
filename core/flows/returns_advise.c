/*
 * returns_advise: the outbox kind "gxo.return.advise"
 * (docs/internals/returns.md "The path of a return"): a stored return at
 * step new becomes a warehouse return advice (RMA).
 *
 *   start: the return and its lines (stored by returns_read.c)
 *     ▼ advice {rmaRef, originalOrderRef, lines [{lineRef, sku,
 *     │         quantity}] (summed per lineRef)}
 *   hook returns.advice(advice, ret) ──▶ the advice as the pack shapes it
 *     ▼ the engine's part unchanged? the contract kept? (else RULE_ERROR)
 *   cg_gxo_advise_return under the row's idempotency key
 *   finish (the outcome's transaction):
 *     OK (202, or 409 duplicate-rma-ref) -> step advised, "return advised"
 *     FAIL (422, ...) -> step rejected, RETURN_REJECTED, "return rejected"
 *     FAIL rule-error -> step rejected, RULE_ERROR
 *
 * A return whose step is no longer new or rejected when its row starts
 * (received first, resolved by an operator) ends OK without a call; a
 * receipt may also come before the 202 is committed, so OK moves only a
 * return still new (or rejected, an operator's retry). Loop thread only.
 */
#include "flows/returns.h"
#include "flows/returns_int.h"

#include "base/err.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"
#include "flows/exceptions.h"
#include "flows/flow.h"
#include "flows/outbox.h"
#include "gxo/gxo.h"
#include "gxo/gxo_contract.h"
#include "rules/host.h"
#include "store/store.h"
#include "store/store_returns.h"

#include <stdio.h>
#include <string.h>

#define COMP "returns"
#define RULES_WAIT_MS 1000 /* the rule host is busy or restarting */
#define CODE_RULE "rule-error"
#define CODE_SKIPPED "not-needed"

struct advise {
  struct cg_flow *f;
  cg_call_done_fn done;
  void *arg;
  char *idem;
  cJSON *advice; /* what the engine built */
};

static void advise_free(struct advise *a)
{
  cJSON_Delete(a->advice);
  cg_free(a->idem);
  cg_free(a);
}

static void end(struct cg_call_result *res, void *arg)
{
  struct advise *a = arg;
  cg_call_done_fn done = a->done;
  void *darg = a->arg;
  advise_free(a);
  done(res, darg);
}

static void end_with(struct advise *a, enum cg_outcome outcome,
                     const char *code, int64_t retry_at, const char *msg)
{
  struct cg_call_result res;
  cg_call_result_init(&res);
  cg_call_result_set(&res, outcome, code, "%s", msg);
  res.retry_at_ms = retry_at;
  cg_call_result_deliver(&res, end, a);
}

/* ---- the advice ---------------------------------------------------------*/

/* The advice's line of line_ref, or NULL. */
static cJSON *line_of(const cJSON *lines, const char *line_ref)
{
  cJSON *l;
  cJSON_ArrayForEach(l, lines)
  {
    const char *ref = cg_json_str(l, "lineRef");
    if (ref != NULL && strcmp(ref, line_ref) == 0)
      return l;
  }
  return NULL;
}

/* A new object at the end of arr; NULL on ENOMEM. */
static cJSON *new_line(cJSON *arr)
{
  cJSON *o = cJSON_CreateObject();
  if (o != NULL && !cJSON_AddItemToArray(arr, o)) {
    cJSON_Delete(o);
    o = NULL;
  }
  return o;
}

/* Adds line l to the advice's lines (units of one lineRef summed). */
static bool add_line(cJSON *lines, const struct cg_store_return_line *l)
{
  cJSON *have = line_of(lines, l->line_ref);
  if (have != NULL) {
    cJSON *q = cJSON_GetObjectItemCaseSensitive(have, "quantity");
    cJSON_SetNumberValue(q, q->valuedouble + (double)l->advised);
    return true;
  }
  cJSON *line = new_line(lines);
  return line != NULL && cg_json_add_str(line, "lineRef", l->line_ref) &&
         cg_json_add_str(line, "sku", l->sku) &&
         cg_json_add_int(line, "quantity", l->advised);
}

static cJSON *build_advice(const struct cg_store_return *r,
                           const struct cg_store_return_lines *lines)
{
  char rma[CG_RETURNS_RMA_MAX];
  cg__returns_rma(r->id, rma);
  cJSON *adv = cJSON_CreateObject();
  cJSON *arr = adv ? cJSON_AddArrayToObject(adv, "lines") : NULL;
  bool ok = arr && cg_json_add_str(adv, "rmaRef", rma) &&
            cg_json_add_str(adv, "originalOrderRef", r->order_number);
  for (size_t i = 0; ok && i < lines->n; i++)
    ok = add_line(arr, &lines->items[i]);
  if (!ok) {
    cJSON_Delete(adv);
    return NULL;
  }
  return adv;
}

/* ret = {id, comment, createdAt, orderRef, lines: [{lineId, lineRef,
 * sku, quantity}]}: the return as the pack sees it. */
static cJSON *build_ret(const struct cg_store_return *r,
                        const struct cg_store_return_lines *lines)
{
  char at[48];
  cg_time_format_iso8601_s(r->created_at, at, sizeof(at));
  cJSON *ret = cJSON_CreateObject();
  cJSON *arr = ret ? cJSON_AddArrayToObject(ret, "lines") : NULL;
  bool ok = arr && cg_json_add_int(ret, "id", r->id) &&
            cg_json_add_str(ret, "comment", r->comment) &&
            cg_json_add_str(ret, "createdAt", at) &&
            cg_json_add_str(ret, "orderRef", r->order_number);
  for (size_t i = 0; ok && i < lines->n; i++) {
    const struct cg_store_return_line *l = &lines->items[i];
    cJSON *line = new_line(arr);
    ok = line && cg_json_add_int(line, "lineId", l->line_id) &&
         cg_json_add_str(line, "lineRef", l->line_ref) &&
         cg_json_add_str(line, "sku", l->sku) &&
         cg_json_add_int(line, "quantity", l->advised);
  }
  if (!ok) {
    cJSON_Delete(ret);
    return NULL;
  }
  return ret;
}

/* Whether the pack kept the engine's part: the references, and exactly
 * the engine's lines (lineRef, sku, quantity). 0, or -1 with why. */
static int same_core(const cJSON *mine, const cJSON *theirs, char *why,
                     size_t size)
{
  static const char *const refs[] = {"rmaRef", "originalOrderRef"};
  for (size_t i = 0; i < 2; i++) {
    const char *a = cg_json_str(mine, refs[i]),
               *b = cg_json_str(theirs, refs[i]);
    if (b == NULL || strcmp(a, b) != 0) {
      snprintf(why, size, "returns.advice changed %s (%s, not %s)", refs[i],
               b ? b : "(none)", a);
      return -1;
    }
  }
  const cJSON *ml = cg_json_get(mine, "lines"),
              *tl = cg_json_get(theirs, "lines");
  const cJSON *l;
  if (cJSON_GetArraySize(ml) != cJSON_GetArraySize(tl)) {
    snprintf(why, size,
             "returns.advice returned %d lines, not the %d the "
             "engine built",
             cJSON_GetArraySize(tl), cJSON_GetArraySize(ml));
    return -1;
  }
  cJSON_ArrayForEach(l, ml)
  {
    const char *ref = cg_json_str(l, "lineRef");
    const cJSON *t = line_of(tl, ref);
    const char *sku = t ? cg_json_str(t, "sku") : NULL;
    if (t == NULL || sku == NULL || strcmp(sku, cg_json_str(l, "sku")) != 0 ||
        cg_json_int(t, "quantity", -1) != cg_json_int(l, "quantity", 0)) {
      snprintf(why, size,
               "returns.advice changed or left out line %s (%lld x "
               "%s)",
               ref, (long long)cg_json_int(l, "quantity", 0),
               cg_json_str(l, "sku"));
      return -1;
    }
  }
  return 0;
}

/* ---- the call -----------------------------------------------------------*/

static void on_rules(int rc, cJSON *reply, const struct cg_err *err, void *arg)
{
  struct advise *a = arg;
  char why[CG_ERR_MSG_MAX + 64];
  if (rc == CG_ERULE || rc == CG_ELIMIT || rc == CG_EINVAL) {
    snprintf(why, sizeof(why), CG_RETURNS_HOOK_ADVICE ": %s", err->msg);
    end_with(a, CG_OUTCOME_FAIL, CODE_RULE, 0, why);
  } else if (rc != 0) {
    snprintf(why, sizeof(why), CG_RETURNS_HOOK_ADVICE ": %s", err->msg);
    end_with(a, CG_OUTCOME_RETRY, "local", cg_time_now_ms() + RULES_WAIT_MS,
             why);
  } else if (!cJSON_IsObject(reply)) {
    end_with(a, CG_OUTCOME_FAIL, CODE_RULE, 0,
             CG_RETURNS_HOOK_ADVICE " returned no advice");
  } else if (same_core(a->advice, reply, why, sizeof(why)) != 0 ||
             cg_gxo_contract_return_advice(reply, why, sizeof(why)) != 0) {
    end_with(a, CG_OUTCOME_FAIL, CODE_RULE, 0, why);
  } else if ((rc = cg_gxo_advise_return(a->f->gxo, reply, a->idem, end, a)) !=
             0) { /* CG_ECANCELED: the engine is stopping (gxo.h) */
    end_with(a, CG_OUTCOME_RETRY, rc == CG_ECANCELED ? "canceled" : "local", 0,
             "the advice was not sent");
  }
  cJSON_Delete(reply);
}

static int ask_rules(struct advise *a, const struct cg_store_return *r,
                     const struct cg_store_return_lines *lines)
{
  cJSON *args = cJSON_CreateArray();
  cJSON *ret = build_ret(r, lines);
  cJSON *adv = cJSON_Duplicate(a->advice, true);
  bool ok = args && ret && adv && cJSON_AddItemToArray(args, adv);
  adv = ok ? NULL : adv;
  ok = ok && cJSON_AddItemToArray(args, ret);
  ret = ok ? NULL : ret;
  int rc = !ok ? CG_ENOMEM
           : a->f->rulehost
               ? cg_rulehost_call(a->f->rulehost, CG_RETURNS_HOOK_ADVICE, args,
                                  on_rules, a)
               : CG_ECANCELED;
  cJSON_Delete(args);
  cJSON_Delete(ret);
  cJSON_Delete(adv);
  return rc;
}

/* Whether the row still has an advice to send. */
static bool wanted(const struct cg_store_return *r)
{
  return r->step == CG_STORE_RETURN_NEW || r->step == CG_STORE_RETURN_REJECTED;
}

static int start_advise(struct cg_flow *f,
                        const struct cg_store_outbox_row *row,
                        cg_call_done_fn done, void *arg)
{
  struct cg_err err = {0};
  struct cg_store_return r = {0};
  struct cg_store_return_lines lines = {0};
  char msg[160];
  struct advise *a = cg_calloc(1, sizeof(*a));
  if (a == NULL)
    return CG_ENOMEM;
  *a = (struct advise){.f = f,
                       .done = done,
                       .arg = arg,
                       .idem = cg_strdup(row->idempotency_key)};
  int64_t id = cg__returns_rma_id(row->entity_key);
  int rc = a->idem ? cg_store_return_get(f->store, id, &r, &err) : CG_ENOMEM;
  rc = rc ? rc : cg_store_return_lines_get(f->store, id, &lines, &err);
  if (rc == CG_ENOTFOUND || (rc == 0 && !wanted(&r))) {
    snprintf(msg, sizeof(msg), "return %s is %s: no advice to send",
             row->entity_key,
             rc ? "not stored" : cg_store_return_step_name(r.step));
    end_with(a, CG_OUTCOME_OK, CODE_SKIPPED, 0, msg);
    rc = 0;
  } else if (rc == 0) {
    a->advice = build_advice(&r, &lines);
    rc = a->advice ? ask_rules(a, &r, &lines) : CG_ENOMEM;
    if (rc != 0)
      end_with(a, CG_OUTCOME_RETRY, "local", cg_time_now_ms() + RULES_WAIT_MS,
               cg_strerror(rc));
    rc = 0;
  } else {
    cg_log_error(COMP, "[merchant=%s] return %s not started: %s", f->merchant,
                 row->entity_key, err.msg[0] ? err.msg : cg_strerror(rc));
    advise_free(a);
  }
  cg_store_return_clear(&r);
  cg_store_return_lines_clear(&lines);
  return rc;
}

/* ---- the outcome --------------------------------------------------------*/

/* The warehouse expects the return: a return still new (or rejected:
 * an operator's retry) moves to advised; one received meanwhile keeps
 * its step, and the timeline shows the advice either way. */
static int advised(struct cg_flow *f, const struct cg_store_return *r,
                   const struct cg_call_result *res, struct cg_err *err)
{
  char key[CG_RETURNS_RMA_MAX], detail[CG_CALL_MESSAGE_MAX + 64];
  const char *status = cg_json_str(res->data, "status");
  bool dup = status != NULL && strcmp(status, "DUPLICATE") == 0;
  int rc = 0;
  cg__returns_rma(r->id, key);
  snprintf(detail, sizeof(detail), "rmaRef %s%s%s", key,
           status ? ", warehouse status " : "", status ? status : "");
  if (wanted(r))
    rc = cg_store_return_set_step(f->store, r->id, CG_STORE_RETURN_ADVISED,
                                  NULL, cg_time_now_ms(), err);
  if (rc == 0 && wanted(r))
    rc = cg_flow_resolve(f, CG_RETURNS_ENTITY, key,
                         "the warehouse expects the return", err);
  rc = rc ? rc
          : cg__returns_audit(f, r->order_number,
                              dup ? "return already advised" : "return advised",
                              detail, err);
  f->metrics.returns_advised += rc == 0;
  return rc;
}

/* The advice was refused (the warehouse's code) or not sendable (the
 * pack's RULE_ERROR). */
static int refused(struct cg_flow *f, const struct cg_store_return *r,
                   const struct cg_call_result *res, struct cg_err *err)
{
  char key[CG_RETURNS_RMA_MAX], msg[CG_CALL_MESSAGE_MAX + 160];
  bool rule = strcmp(res->code, CODE_RULE) == 0;
  const char *type = rule ? "RULE_ERROR" : CG_RETURN_REJECTED;
  cg__returns_rma(r->id, key);
  if (rule)
    snprintf(msg, sizeof(msg), "return %s: the advice was not sent: %s", key,
             res->message);
  else
    snprintf(msg, sizeof(msg),
             "return %s: the warehouse refused the advice: "
             "%s: %s",
             key, res->code[0] ? res->code : "refused", res->message);
  int rc = cg_store_return_set_step(f->store, r->id, CG_STORE_RETURN_REJECTED,
                                    type, cg_time_now_ms(), err);
  rc = rc ? rc
          : cg__returns_raise(f, r->id, r->order_number, type, msg,
                              "return rejected", err);
  f->metrics.returns_rejected += rc == 0;
  f->metrics.rule_errors += rc == 0 && rule;
  return rc;
}

static int finish_advise(struct cg_flow *f,
                         const struct cg_store_outbox_row *row,
                         const struct cg_call_result *res)
{
  struct cg_err err = {0};
  struct cg_store_return r = {0};
  if (res->outcome == CG_OUTCOME_RETRY || strcmp(res->code, CODE_SKIPPED) == 0)
    return 0;
  int rc = cg_store_return_get(f->store, cg__returns_rma_id(row->entity_key),
                               &r, &err);
  if (rc == CG_ENOTFOUND)
    rc = 0;
  else if (rc == 0 && res->outcome == CG_OUTCOME_OK)
    rc = advised(f, &r, res, &err);
  else if (rc == 0 && wanted(&r)) /* not received or resolved meanwhile */
    rc = refused(f, &r, res, &err);
  if (rc != 0)
    cg_log_error(COMP, "[merchant=%s] return %s: %s", f->merchant,
                 row->entity_key, err.msg);
  cg_store_return_clear(&r);
  return rc;
}

const struct cg_outbox_kind cg_returns_advise_kind = {
    CG_RETURNS_KIND_ADVISE, start_advise, finish_advise};
