/*
 * centra_result: one Centra GraphQL answer -> one cg_call_result. Pure
 * (no client, no clock): the only place that knows how Centra reports
 * success and failure (docs/internals/centra-api-subset.md, "Transport"):
 *
 *   HTTP 200, no top-level errors, empty userErrors   OK
 *   HTTP 200 with top-level errors[]                   FAIL, first message
 *   HTTP 200 with payload.userErrors[]                 FAIL, message, path
 *                                                      (all of them as
 *                                                      data: errors_as_data)
 *   HTTP 403                                           FAIL, token refused
 *   HTTP 429                                           RETRY at Retry-After
 *   HTTP 408, 5xx, transport, unreadable 200 body      RETRY
 *   other statuses (400 malformed body, ...)           FAIL
 *
 * A query's data is its root field's value; for the documents that hold
 * orders, made canonical first (cg__centra_op.canon, centra_order_canon.c).
 *
 * Any JSON answer may also report what the request cost in
 * `extensions.complexity` (the client settles its complexity budget with
 * it); -1 when the answer says nothing.
 */
#include "centra/centra_int.h"

#include "base/json.h"
#include "net/http_client.h"

#include <stdio.h>
#include <string.h>

/* Joins a GraphQL path (["input","lines",0]) as "input.lines.0". */
static void join_path(const cJSON *path, char *out, size_t size)
{
  size_t n = 0;
  out[0] = '\0';
  const cJSON *el;
  cJSON_ArrayForEach(el, path)
  {
    char part[48];
    if (cJSON_IsString(el))
      snprintf(part, sizeof(part), "%s", el->valuestring);
    else if (cJSON_IsNumber(el))
      snprintf(part, sizeof(part), "%lld", (long long)el->valuedouble);
    else
      continue;
    int w = snprintf(out + n, size - n, "%s%s", n ? "." : "", part);
    if (w < 0 || (size_t)w >= size - n)
      break;
    n += (size_t)w;
  }
}

/* Top-level errors -> FAIL. True if there were any. */
static bool take_errors(const cJSON *doc, struct cg_call_result *res)
{
  const cJSON *errs = cg_json_get(doc, "errors");
  const cJSON *e0 = cJSON_GetArrayItem(errs, 0);
  if (!cJSON_IsArray(errs) || e0 == NULL)
    return false;
  const char *cat = cg_json_str(e0, "extensions.category");
  const char *msg = cg_json_str(e0, "message");
  int n = cJSON_GetArraySize(errs);
  cg_call_result_set(res, CG_OUTCOME_FAIL, cat ? cat : "graphql", "%s%s",
                     msg ? msg : "GraphQL error",
                     n > 1 ? " (and more errors)" : "");
  return true;
}

/* userErrors -> FAIL (with the whole list as data when the op asks for
 * it). True if there were any. */
static bool take_user_errors(const struct cg__centra_op *op, cJSON *payload,
                             struct cg_call_result *res)
{
  cJSON *errs = cJSON_GetObjectItemCaseSensitive(payload, "userErrors");
  const cJSON *e0 = cJSON_GetArrayItem(errs, 0);
  if (e0 == NULL)
    return false;
  char path[CG_CALL_CODE_MAX];
  join_path(cg_json_get(e0, "path"), path, sizeof(path));
  const char *msg = cg_json_str(e0, "message");
  cg_call_result_set(res, CG_OUTCOME_FAIL, path[0] ? path : "userError", "%s",
                     msg ? msg : "rejected by Centra");
  if (op->errors_as_data)
    res->data = cJSON_DetachItemViaPointer(payload, errs);
  return true;
}

/* userWarnings are not failures: their messages go to res->message. */
static void take_warnings(const cJSON *payload, struct cg_call_result *res)
{
  const cJSON *w;
  size_t n = 0;
  cJSON_ArrayForEach(w, cg_json_get(payload, "userWarnings"))
  {
    const char *msg = cg_json_str(w, "message");
    int k = snprintf(res->message + n, sizeof(res->message) - n, "%s%s",
                     n ? "; " : "warning: ", msg ? msg : "?");
    if (k < 0 || (size_t)k >= sizeof(res->message) - n)
      break;
    n += (size_t)k;
  }
}

/* The data of a 200 answer without top-level errors. */
static void take_data(const struct cg__centra_op *op, cJSON *doc,
                      struct cg_call_result *res)
{
  cJSON *data = cJSON_GetObjectItemCaseSensitive(doc, "data");
  cJSON *value = cJSON_GetObjectItemCaseSensitive(data, op->root);
  if (value == NULL) {
    /* A 200 that does not answer what was asked is not a success. */
    cg_call_result_set(res, CG_OUTCOME_RETRY, "bad-response",
                       "%s: HTTP 200 without data.%s", op->name, op->root);
    return;
  }
  if (!op->mutation) {
    if (!cJSON_IsNull(value))
      res->data = cJSON_DetachItemViaPointer(data, value);
    if (res->data != NULL && op->canon != NULL)
      op->canon(res->data);
    return;
  }
  if (!cJSON_IsObject(value)) {
    cg_call_result_set(res, CG_OUTCOME_FAIL, "graphql",
                       "%s: answer has no %s payload", op->name, op->root);
    return;
  }
  if (take_user_errors(op, value, res))
    return;
  take_warnings(value, res);
  if (op->payload_as_data) {
    cJSON_DeleteItemFromObjectCaseSensitive(value, "userErrors");
    cJSON_DeleteItemFromObjectCaseSensitive(value, "userWarnings");
    res->data = cJSON_DetachItemViaPointer(data, value);
    return;
  }
  cJSON *picked =
      op->pick ? cJSON_GetObjectItemCaseSensitive(value, op->pick) : NULL;
  if (picked != NULL && !cJSON_IsNull(picked))
    res->data = cJSON_DetachItemViaPointer(value, picked);
}

/* extensions.complexity when it is a non-negative number, else -1. */
static int64_t reported_complexity(const cJSON *doc)
{
  const cJSON *n = cg_json_get(cg_json_get(doc, "extensions"), "complexity");
  if (!cJSON_IsNumber(n) || n->valuedouble < 0 || n->valuedouble > 1e15)
    return -1;
  return (int64_t)n->valuedouble;
}

static void on_http_200(const struct cg__centra_op *op,
                        const struct cg_http_result *hr,
                        struct cg_call_result *res, int64_t *complexity)
{
  cJSON *doc = cg_json_parse(hr->body, hr->body_len, NULL);
  *complexity = reported_complexity(doc);
  if (!cJSON_IsObject(doc)) {
    cg_call_result_set(res, CG_OUTCOME_RETRY, "bad-response",
                       "%s: HTTP 200 with a body that is not JSON", op->name);
  } else if (!take_errors(doc, res)) {
    take_data(op, doc, res);
  }
  cJSON_Delete(doc);
}

/* Non-200: the first errors[].message when the body has one. */
static void on_http_other(const struct cg__centra_op *op,
                          const struct cg_http_result *hr, int64_t now_ms,
                          struct cg_call_result *res, int64_t *complexity)
{
  cJSON *doc =
      hr->body_len ? cg_json_parse(hr->body, hr->body_len, NULL) : NULL;
  *complexity = reported_complexity(doc);
  const char *msg =
      cg_json_str(cJSON_GetArrayItem(cg_json_get(doc, "errors"), 0), "message");
  char code[32];
  snprintf(code, sizeof(code), "http-%ld", hr->status);
  enum cg_outcome outcome = cg_retry_classify(hr->status, 0);
  if (hr->status == 403) {
    /* The token is the connection's, not the call's: wait, do not fail
     * every queued write (the client pauses until retry_at_ms). */
    cg_call_result_set(res, CG_OUTCOME_RETRY, "auth",
                       "token refused (expired or revoked?); check "
                       "centra.token");
    res->retry_at_ms = now_ms + CG__CENTRA_AUTH_RETRY_MS;
  } else
    cg_call_result_set(res, outcome, code, "%s: Centra answered %ld%s%s",
                       op->name, hr->status, msg ? ": " : "", msg ? msg : "");
  int64_t deadline = 0;
  if (outcome == CG_OUTCOME_RETRY && hr->retry_after != NULL &&
      cg_retry_after_parse(hr->retry_after, now_ms, &deadline) == 0)
    res->retry_at_ms = deadline;
  cJSON_Delete(doc);
}

void cg__centra_interpret_cost(const struct cg__centra_op *op,
                               const struct cg_http_result *hr, int64_t now_ms,
                               struct cg_call_result *res, int64_t *complexity)
{
  cg_call_result_init(res);
  res->http_status = hr->status;
  *complexity = -1;
  if (hr->err != 0 || hr->status == 0)
    cg_call_result_set(res, CG_OUTCOME_RETRY, "transport", "%s: %s", op->name,
                       hr->errmsg && hr->errmsg[0] ? hr->errmsg
                                                   : "transport error");
  else if (hr->status == 200)
    on_http_200(op, hr, res, complexity);
  else
    on_http_other(op, hr, now_ms, res, complexity);
}

void cg__centra_interpret(const struct cg__centra_op *op,
                          const struct cg_http_result *hr, int64_t now_ms,
                          struct cg_call_result *res)
{
  int64_t complexity;
  cg__centra_interpret_cost(op, hr, now_ms, res, &complexity);
}
