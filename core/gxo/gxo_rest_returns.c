/*
 * gxo_rest_returns: the REST transport's return advice (POST
 * /wms/v1/return-advices, warehouse-api-v1.md), the call behind
 * cg_gxo_advise_return (gxo.h) that the returns flow's outbox kind
 * "gxo.return.advise" makes (docs/internals/returns.md).
 *
 *   advise_return: body = the checked advice (cJSON) -> cg__gxo_rest_post
 *     (token, Idempotency-Key = the outbox row's key, 401 refresh, pause
 *     on 429)
 *   answer -> cg__gxo_interpret: 202 OK {rmaRef, status}; 409
 *     duplicate-rma-ref OK {status: "DUPLICATE"} (the warehouse already
 *     expects this return); 400/422 FAIL with the problem code;
 *     429/503/5xx/transport RETRY (Retry-After)
 *   -> on_advice_done: a DUPLICATE names the advice's rmaRef
 *
 * Loop thread only, like the rest of the transport.
 */
#include "gxo/gxo.h"
#include "gxo/gxo_rest_int.h"

#include "base/err.h"
#include "base/json.h"
#include "base/mem.h"

/* The caller's callback and the advice's rmaRef. */
struct advice_call {
  cg_call_done_fn done;
  void *arg;
  char *rma_ref;
};

static void on_advice_done(struct cg_call_result *res, void *arg)
{
  struct advice_call *c = arg;
  if (res->outcome == CG_OUTCOME_OK && cJSON_IsObject(res->data) &&
      !cJSON_HasObjectItem(res->data, "rmaRef") &&
      cg_json_add_str(res->data, "rmaRef", c->rma_ref) == NULL) {
    cg_call_result_clear_data(res);
    cg_call_result_set(res, CG_OUTCOME_RETRY, "nomem",
                       "out of memory reading the return advice's answer");
  }
  cg_call_done_fn done = c->done;
  void *done_arg = c->arg;
  cg_free(c->rma_ref);
  cg_free(c);
  done(res, done_arg);
}

int cg__gxo_rest_advise_return(void *state, const cJSON *advice,
                               const char *idempotency_key,
                               cg_call_done_fn done, void *arg)
{
  struct advice_call *c = cg_calloc(1, sizeof(*c));
  char *rma = c ? cg_strdup(cg_json_str(advice, "rmaRef")) : NULL;
  char *body = rma ? cg_json_print(advice) : NULL;
  if (body == NULL) {
    cg_free(rma);
    cg_free(c);
    return CG_ENOMEM;
  }
  *c = (struct advice_call){done, arg, rma};
  int rc = cg__gxo_rest_post(state, CG__GXO_ADVISE_RETURN, "/return-advices",
                             body, idempotency_key, on_advice_done, c);
  if (rc != 0) {
    cg_free(c->rma_ref);
    cg_free(c);
  }
  return rc;
}
