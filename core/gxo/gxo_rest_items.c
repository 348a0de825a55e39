/*
 * gxo_rest_items: the REST transport's batch upsert into the warehouse's
 * item master (POST /wms/v1/items:batch, warehouse-api-v1.md), the call
 * behind cg_gxo_put_items (gxo.h) that the items flow's outbox kind
 * "gxo.items.batch" makes (core/flows/items_push.c).
 *
 *   put_items: body {"items": [...]} (cJSON) -> cg__gxo_rest_post (token,
 *     Idempotency-Key = the outbox row's key, 401 refresh, pause on 429)
 *   answer -> cg__gxo_interpret: 429/503/5xx/transport RETRY (Retry-After),
 *     400/422 FAIL with the problem code, 2xx OK with the parsed body
 *   -> on_batch_done: an OK must be {"results": [one object per item]};
 *     anything else is not what was asked: FAIL "bad-results"
 *
 * Loop thread only, like the rest of the transport.
 */
#include "gxo/gxo.h"
#include "gxo/gxo_rest_int.h"

#include "base/err.h"
#include "base/json.h"
#include "base/mem.h"

#include <stdbool.h>

/* The caller's callback, wrapped to check the answer's shape. */
struct batch_call {
  cg_call_done_fn done;
  void *arg;
  int n; /* items sent */
};

/* Whether data is {"results": [n objects]}. */
static bool results_ok(const cJSON *data, int n)
{
  const cJSON *results = cJSON_GetObjectItemCaseSensitive(data, "results");
  const cJSON *r;
  if (!cJSON_IsArray(results) || cJSON_GetArraySize(results) != n)
    return false;
  cJSON_ArrayForEach(r, results)
  {
    if (!cJSON_IsObject(r))
      return false;
  }
  return true;
}

static void on_batch_done(struct cg_call_result *res, void *arg)
{
  struct batch_call *c = arg;
  if (res->outcome == CG_OUTCOME_OK && !results_ok(res->data, c->n)) {
    const cJSON *results =
        cJSON_GetObjectItemCaseSensitive(res->data, "results");
    int got = cJSON_IsArray(results) ? cJSON_GetArraySize(results) : -1;
    cg_call_result_clear_data(res);
    cg_call_result_set(
        res, CG_OUTCOME_FAIL, "bad-results",
        "the warehouse answered POST /items:batch of %d items "
        "with HTTP %ld but not with one result per item "
        "(%s%d)",
        c->n, res->http_status,
        got < 0 ? "no results array, " : "results: ", got < 0 ? 0 : got);
  }
  cg_call_done_fn done = c->done;
  void *done_arg = c->arg;
  cg_free(c);
  done(res, done_arg);
}

/* {"items": items} printed; items is referenced, not copied. */
static char *batch_body(const cJSON *items)
{
  cJSON *body = cJSON_CreateObject();
  char *text = NULL;
  if (body != NULL &&
      cJSON_AddItemReferenceToObject(body, "items", (cJSON *)items))
    text = cg_json_print(body);
  cJSON_Delete(body);
  return text;
}

int cg__gxo_rest_put_items(void *state, const cJSON *items,
                           const char *idempotency_key, cg_call_done_fn done,
                           void *arg)
{
  struct batch_call *c = cg_calloc(1, sizeof(*c));
  char *body = c ? batch_body(items) : NULL;
  if (body == NULL) {
    cg_free(c);
    return CG_ENOMEM;
  }
  *c = (struct batch_call){done, arg, cJSON_GetArraySize(items)};
  int rc = cg__gxo_rest_post(state, CG__GXO_PUT_ITEMS, "/items:batch", body,
                             idempotency_key, on_batch_done, c);
  if (rc != 0)
    cg_free(c);
  return rc;
}
