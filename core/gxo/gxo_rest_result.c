/*
 * gxo_rest_result: one warehouse HTTP answer -> one cg_call_result. The
 * only place that knows what the warehouse's statuses and RFC 9457
 * problem documents mean for the engine (see gxo_rest_int.h):
 *
 *   transport error          RETRY "transport"
 *   2xx, body as promised    OK, data = parsed body (NULL when none due)
 *   2xx, anything else       RETRY "bad-response" (an HTML error page from
 *                            a proxy, an empty body where the order or the
 *                            events are due: never counted as done)
 *   409 duplicate-order-ref  RETRY "exists-verify" on create_order: the
 *                            order exists, but "exists" is not "in work";
 *                            the transport reads GET /orders/{orderRef}
 *                            (verify_order) before it reports anything:
 *                              held in work          OK, data = the order
 *                              REJECTED / CANCELLED  FAIL, so the flow
 *                                raises it; a resend with a new key
 *                                replaces it (warehouse-api-v1.md)
 *                              404                   RETRY
 *   409 duplicate-rma-ref  OK on advise_return, data {"status":
 *                            "DUPLICATE"}: the warehouse already expects
 *                            this return (an advice is never replaced)
 *   409 key in flight        RETRY: the first request with this key is
 *                            still being processed
 *   408/429/5xx              RETRY, retry_at_ms from Retry-After
 *   other 4xx                FAIL with the problem code and detail
 *
 * Idempotency-Replayed answers carry the original status and body, so
 * they are classified like the original (a replayed 202 is OK).
 */
#include "gxo/gxo_rest_int.h"

#include "base/json.h"
#include "net/http_client.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

const char *cg__gxo_op_name(enum cg__gxo_op op)
{
  static const char *const names[] = {
      "create_order", "get_order", "cancel_order", "pull_events",
      "ack_events",   "subscribe", "token",        "get_item",
      "verify_order", "get_stock", "put_items",    "advise_return"};
  return (unsigned)op < sizeof(names) / sizeof(names[0]) ? names[op] : "?";
}

/* Problem code: top-level "code", else the first errors[].code. */
static const char *problem_code(const cJSON *p)
{
  const char *code = cg_json_str(p, "code");
  if (code == NULL) {
    const cJSON *errs = cg_json_get(p, "errors");
    code = cg_json_str(cJSON_GetArrayItem(errs, 0), "code");
  }
  return code;
}

/* "detail" (or "title"), then the first field error "pointer: message". */
static void problem_message(const cJSON *p, char *out, size_t size)
{
  const char *detail = cg_json_str(p, "detail");
  if (detail == NULL)
    detail = cg_json_str(p, "title");
  const cJSON *e0 = cJSON_GetArrayItem(cg_json_get(p, "errors"), 0);
  const char *ptr = cg_json_str(e0, "pointer");
  const char *msg = cg_json_str(e0, "message");
  if (msg != NULL)
    snprintf(out, size, "%s (%s: %s)", detail ? detail : "rejected",
             ptr ? ptr : "-", msg);
  else
    snprintf(out, size, "%s", detail ? detail : "");
}

/* Fills code and message from a problem body when there is one. */
static void take_problem(const struct cg_http_result *hr,
                         struct cg_call_result *res)
{
  cJSON *p = hr->body_len ? cg_json_parse(hr->body, hr->body_len, NULL) : NULL;
  const char *code = problem_code(p);
  if (code != NULL)
    snprintf(res->code, sizeof(res->code), "%s", code);
  else
    snprintf(res->code, sizeof(res->code), "http-%ld", hr->status);
  problem_message(p, res->message, sizeof(res->message));
  if (res->message[0] == '\0')
    snprintf(res->message, sizeof(res->message), "warehouse answered %ld",
             hr->status);
  cJSON_Delete(p);
}

/* What a 2xx of each operation must carry: a JSON object with this
 * member, or (NULL key) nothing in particular. */
static const char *promised_member(enum cg__gxo_op op)
{
  switch (op) {
  case CG__GXO_CREATE_ORDER:
  case CG__GXO_GET_ORDER:
  case CG__GXO_VERIFY_ORDER:
    return "orderRef";
  case CG__GXO_ADVISE_RETURN:
    return "rmaRef";
  case CG__GXO_PULL_EVENTS:
    return "events";
  case CG__GXO_TOKEN:
    return "access_token";
  case CG__GXO_GET_ITEM:
    return "sku";
  case CG__GXO_GET_STOCK:
    return "items";
  default:
    return NULL;
  }
}

static void on_success(enum cg__gxo_op op, const struct cg_http_result *hr,
                       struct cg_call_result *res)
{
  const char *member = promised_member(op);
  res->outcome = CG_OUTCOME_OK;
  if (hr->body_len > 0)
    res->data = cg_json_parse(hr->body, hr->body_len, NULL);
  if (member == NULL || cJSON_GetObjectItemCaseSensitive(res->data, member))
    return;
  /* A proxy's page, or an empty answer, in place of what was promised:
   * not done, try again later. */
  cg_call_result_set(res, CG_OUTCOME_RETRY, "bad-response",
                     "warehouse answered %ld without the promised %s "
                     "(%zu bytes%s)",
                     hr->status, member, hr->body_len,
                     res->data ? " of other JSON" : ", not JSON");
}

/* What the warehouse holds for an orderRef it said exists (409). */
static void on_verified(const char *order_ref, struct cg_call_result *res)
{
  const char *status = cg_json_str(res->data, "status");
  bool rejected = status && strcmp(status, "REJECTED") == 0;
  bool cancelled = status && strcmp(status, "CANCELLED") == 0;
  if (!rejected && !cancelled)
    return; /* in work: the create's effect is there */
  cg_call_result_set(res, CG_OUTCOME_FAIL,
                     rejected ? "held-as-rejected" : "held-as-cancelled",
                     "the warehouse already holds order %s as %s; a retry "
                     "sends it again with a new key, which replaces it",
                     order_ref ? order_ref : "?", status);
}

static void retry_at(const struct cg_http_result *hr, int64_t now_ms,
                     struct cg_call_result *res)
{
  int64_t deadline = 0;
  if (hr->retry_after != NULL &&
      cg_retry_after_parse(hr->retry_after, now_ms, &deadline) == 0)
    res->retry_at_ms = deadline;
}

/* 409 duplicate-rma-ref: the advice is already there, which is what the
 * caller wanted. */
static void on_duplicate_advice(struct cg_call_result *res)
{
  res->outcome = CG_OUTCOME_OK;
  res->data = cJSON_CreateObject();
  if (res->data == NULL ||
      cg_json_add_str(res->data, "status", "DUPLICATE") == NULL) {
    cg_call_result_clear_data(res);
    cg_call_result_set(res, CG_OUTCOME_RETRY, "nomem",
                       "out of memory reading a duplicate-rma-ref answer");
  }
}

/* A 409 about the Idempotency-Key itself (same key still in flight). */
static bool key_in_flight(const char *code)
{
  return strstr(code, "in-flight") != NULL ||
         strstr(code, "in-progress") != NULL ||
         strstr(code, "idempotency") != NULL;
}

void cg__gxo_interpret(enum cg__gxo_op op, const char *order_ref,
                       const struct cg_http_result *hr, int64_t now_ms,
                       struct cg_call_result *res)
{
  cg_call_result_init(res);
  res->http_status = hr->status;
  if (hr->err != 0 || hr->status == 0) {
    cg_call_result_set(res, CG_OUTCOME_RETRY, "transport", "%s",
                       hr->errmsg && hr->errmsg[0] ? hr->errmsg
                                                   : "transport error");
    return;
  }
  if (hr->status >= 200 && hr->status <= 299) {
    on_success(op, hr, res);
    if (op == CG__GXO_VERIFY_ORDER && res->outcome == CG_OUTCOME_OK)
      on_verified(order_ref, res);
    return;
  }
  take_problem(hr, res);
  res->outcome = cg_retry_classify(hr->status, 0);
  if (hr->status == 409 && op == CG__GXO_CREATE_ORDER &&
      strcmp(res->code, "duplicate-order-ref") == 0) {
    res->outcome = CG_OUTCOME_RETRY;
    snprintf(res->code, sizeof(res->code), "%s", CG__GXO_EXISTS);
  } else if (hr->status == 409 && op == CG__GXO_ADVISE_RETURN &&
             strcmp(res->code, "duplicate-rma-ref") == 0)
    on_duplicate_advice(res);
  else if (hr->status == 404 && op == CG__GXO_VERIFY_ORDER)
    res->outcome = CG_OUTCOME_RETRY; /* said to exist: ask again later */
  else if (hr->status == 409 && key_in_flight(res->code))
    res->outcome = CG_OUTCOME_RETRY;
  else if (res->outcome == CG_OUTCOME_RETRY)
    retry_at(hr, now_ms, res);
}
