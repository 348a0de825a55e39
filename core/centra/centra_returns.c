/*
 * centra_returns: the returns flow's calls to Centra (docs/internals/
 * returns.md): read returns by id or since a time (CgReturnsByIds,
 * CgReturnsSince), complete one (CgCompleteReturn) and refund one
 * (CgRefundReturn). Every answer is made the canonical return of
 * centra.h before the flow sees it, so the flow never sees Centra's
 * "... on DirectToConsumerReturn" shape:
 *
 *   {id, lines[{id quantity orderLine{id} shipmentLine{id}
 *    lineValue{value currency{code}}}], returnStatus, returnedToStock,
 *    createdAt, comment, refundPaymentHistory[...]}
 *     ──▶ {id, returnStatus, returnedToStock, createdAt, comment,
 *          refunds[{id status value currency}],
 *          lines[{id quantity orderLineId shipmentLineId lineValue
 *                 currency}]}
 *
 * Money becomes a decimal string with two decimals ("12.50"); the order
 * line id, the warehouse lineRef, a decimal string. An answer that is not
 * of that shape is RETRY "bad-response" (the flow reads before it writes,
 * so a retried write is never sent twice).
 */
#include "centra/centra.h"
#include "centra/centra_int.h"

#include "base/err.h"
#include "base/json.h"
#include "base/mem.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>

/* What the answer's data is: a list of returns, one return (the
 * completeReturn payload's), or the refundReturn payload. */
enum answer { ANSWER_LIST, ANSWER_ONE, ANSWER_REFUND };

struct returns_call {
  enum answer answer;
  cg_call_done_fn done;
  void *arg;
};

/* Adds {vkey: "12.50", "currency": code|null} from a MonetaryValue
 * (value null when mv has no number). */
static bool add_money(cJSON *o, const char *vkey, const cJSON *mv)
{
  const cJSON *v = cg_json_get(mv, "value");
  char text[48];
  bool num =
      cJSON_IsNumber(v) && isfinite(v->valuedouble) &&
      snprintf(text, sizeof(text), "%.2f", v->valuedouble) < (int)sizeof(text);
  return cg_json_add_str(o, vkey, num ? text : NULL) != NULL &&
         cg_json_add_str(o, "currency", cg_json_str(mv, "currency.code")) !=
             NULL;
}

/* An integral member named key copied to o; false when absent. */
static bool copy_int(cJSON *o, const char *key, const cJSON *from,
                     const char *path)
{
  int64_t n;
  return cg_json_get_int(from, path, &n) == 0 &&
         cg_json_add_int(o, key, n) != NULL;
}

static bool canon_line(const cJSON *l, cJSON *lines)
{
  int64_t ol;
  char ref[24];
  cJSON *o = cJSON_CreateObject();
  if (o == NULL || !cJSON_AddItemToArray(lines, o) ||
      cg_json_get_int(l, "orderLine.id", &ol) != 0)
    return false;
  snprintf(ref, sizeof(ref), "%" PRId64, ol);
  return copy_int(o, "id", l, "id") && copy_int(o, "quantity", l, "quantity") &&
         cg_json_add_str(o, "orderLineId", ref) != NULL &&
         copy_int(o, "shipmentLineId", l, "shipmentLine.id") &&
         add_money(o, "lineValue", cg_json_get(l, "lineValue"));
}

/* {id, status, value, currency} of a PaymentHistoryEntry. */
static bool canon_entry(const cJSON *e, cJSON *entries)
{
  cJSON *o = cJSON_CreateObject();
  return o != NULL && cJSON_AddItemToArray(entries, o) &&
         copy_int(o, "id", e, "id") &&
         cg_json_add_str(o, "status", cg_json_str(e, "status")) != NULL &&
         add_money(o, "value", cg_json_get(e, "value"));
}

/* Canonical entries of list into a new array named key of o. */
static bool canon_entries(cJSON *o, const char *key, const cJSON *list)
{
  cJSON *out = cJSON_AddArrayToObject(o, key);
  bool ok = out != NULL && (list == NULL || cJSON_IsArray(list));
  const cJSON *e;
  cJSON_ArrayForEach(e, list)
  {
    ok = ok && canon_entry(e, out);
  }
  return ok;
}

/* The canonical return of r (NULL when r is not a return, or ENOMEM). */
static cJSON *canon_return(const cJSON *r)
{
  cJSON *o = cJSON_CreateObject();
  cJSON *lines = NULL;
  const cJSON *l;
  bool ok =
      o != NULL && copy_int(o, "id", r, "id") &&
      cg_json_add_str(o, "returnStatus", cg_json_str(r, "returnStatus")) &&
      cJSON_AddBoolToObject(o, "returnedToStock",
                            cg_json_bool(r, "returnedToStock", false)) &&
      cg_json_add_str(o, "createdAt", cg_json_str(r, "createdAt")) &&
      cg_json_add_str(o, "comment", cg_json_str(r, "comment")) &&
      canon_entries(o, "refunds", cg_json_get(r, "refundPaymentHistory")) &&
      cJSON_IsArray(cg_json_get(r, "lines")) &&
      (lines = cJSON_AddArrayToObject(o, "lines")) != NULL;
  cJSON_ArrayForEach(l, cg_json_get(r, "lines"))
  {
    ok = ok && canon_line(l, lines);
  }
  if (!ok) {
    cJSON_Delete(o);
    return NULL;
  }
  return o;
}

static cJSON *canon_list(const cJSON *list)
{
  cJSON *out = cJSON_IsArray(list) ? cJSON_CreateArray() : NULL;
  const cJSON *r;
  cJSON_ArrayForEach(r, list)
  {
    cJSON *c = out ? canon_return(r) : NULL;
    if (c == NULL || !cJSON_AddItemToArray(out, c)) {
      cJSON_Delete(c);
      cJSON_Delete(out);
      return NULL;
    }
  }
  return out;
}

/* {"return": canonical, "entries": [...]} of a refundReturn payload. */
static cJSON *canon_refund(const cJSON *payload)
{
  cJSON *o = cJSON_CreateObject();
  cJSON *ret = canon_return(cg_json_get(payload, "return"));
  if (o == NULL || ret == NULL || !cJSON_AddItemToObject(o, "return", ret)) {
    cJSON_Delete(ret);
    cJSON_Delete(o);
    return NULL;
  }
  if (!canon_entries(o, "entries",
                     cg_json_get(payload, "paymentHistoryEntries"))) {
    cJSON_Delete(o);
    return NULL;
  }
  return o;
}

static void on_answer(struct cg_call_result *res, void *arg)
{
  struct returns_call *rc = arg;
  if (res->outcome == CG_OUTCOME_OK) {
    cJSON *c = rc->answer == ANSWER_LIST  ? canon_list(res->data)
               : rc->answer == ANSWER_ONE ? canon_return(res->data)
                                          : canon_refund(res->data);
    cJSON_Delete(res->data);
    res->data = c;
    if (c == NULL)
      cg_call_result_set(res, CG_OUTCOME_RETRY, "bad-response",
                         "the returns answer is not a return (or out of "
                         "memory)");
  }
  rc->done(res, rc->arg);
  cg_free(rc);
}

/* Sends doc with v; its answer is made canonical as `answer` says. */
static int send_returns(struct cg__centra_vars *v, struct cg_centra *c,
                        enum cg__centra_doc doc, enum answer answer,
                        cg_call_done_fn done, void *arg)
{
  struct returns_call *rc = cg_calloc(1, sizeof(*rc));
  if (rc == NULL) {
    cJSON_Delete(v->obj);
    return CG_ENOMEM;
  }
  *rc = (struct returns_call){.answer = answer, .done = done, .arg = arg};
  int err = cg__centra_vars_send(v, c, doc, on_answer, rc);
  if (err != 0)
    cg_free(rc);
  return err;
}

int cg_centra_fetch_returns(struct cg_centra *c, const int64_t *ids, size_t n,
                            cg_call_done_fn done, void *arg)
{
  if (done == NULL || ids == NULL || n < 1 || n > CG_CENTRA_RETURNS_PAGE_MAX)
    return CG_EINVAL;
  for (size_t i = 0; i < n; i++)
    if (!cg__centra_valid_id(ids[i]))
      return CG_EINVAL;
  struct cg__centra_vars v;
  cg__centra_vars_init(&v);
  cg__centra_vars_put(&v, "ids", cg__centra_int_array(ids, n));
  cg__centra_vars_int(&v, "limit", (int64_t)n);
  return send_returns(&v, c, CG__DOC_RETURNS_BY_IDS, ANSWER_LIST, done, arg);
}

int cg_centra_fetch_returns_since(struct cg_centra *c, const char *since,
                                  int page, int limit, cg_call_done_fn done,
                                  void *arg)
{
  if (done == NULL || since == NULL || since[0] == '\0' || page < 1 ||
      limit < 1 || limit > CG_CENTRA_RETURNS_PAGE_MAX)
    return CG_EINVAL;
  struct cg__centra_vars v;
  cg__centra_vars_init(&v);
  cg__centra_vars_str(&v, "since", since);
  cg__centra_vars_int(&v, "limit", limit);
  cg__centra_vars_int(&v, "page", page);
  return send_returns(&v, c, CG__DOC_RETURNS_SINCE, ANSWER_LIST, done, arg);
}

/* A return mutation: id and sendEmail are its only variables. */
static int write_return(struct cg_centra *c, enum cg__centra_doc doc,
                        enum answer answer, int64_t id, bool send_email,
                        cg_call_done_fn done, void *arg)
{
  if (done == NULL || !cg__centra_valid_id(id))
    return CG_EINVAL;
  struct cg__centra_vars v;
  cg__centra_vars_init(&v);
  cg__centra_vars_int(&v, "id", id);
  cg__centra_vars_bool(&v, "sendEmail", send_email);
  return send_returns(&v, c, doc, answer, done, arg);
}

int cg_centra_complete_return(struct cg_centra *c, int64_t id, bool send_email,
                              cg_call_done_fn done, void *arg)
{
  return write_return(c, CG__DOC_COMPLETE_RETURN, ANSWER_ONE, id, send_email,
                      done, arg);
}

int cg_centra_refund_return(struct cg_centra *c, int64_t id, bool send_email,
                            cg_call_done_fn done, void *arg)
{
  return write_return(c, CG__DOC_REFUND_RETURN, ANSWER_REFUND, id, send_email,
                      done, arg);
}
