/*
 * returns_stub_h33: STUBS of helper 33 for functions other helpers of
 * issue 12 own, so that the returns flow links before they land. DELETE
 * each once the real one is merged: h31 (store_returns.c), h32 (the
 * Centra and warehouse calls, the advice contract), h34 (the settle
 * half). Every stub fails or does nothing.
 */
#include "base/err.h"
#include "centra/centra.h"
#include "flows/flow.h"
#include "flows/outbox.h"
#include "flows/returns.h"
#include "gxo/gxo.h"
#include "gxo/gxo_contract.h"
#include "store/store_returns.h"

#include <stdio.h>

/* ---- h34 ---------------------------------------------------------------*/

static int settle_start(struct cg_flow *f,
                        const struct cg_store_outbox_row *row,
                        cg_call_done_fn done, void *arg)
{
  (void)f, (void)row, (void)done, (void)arg;
  return CG_EINVAL;
}

const struct cg_outbox_kind cg_returns_settle_kind = {CG_RETURNS_KIND_SETTLE,
                                                      settle_start, NULL};

int cg_returns_settle_resolved(struct cg_flow *f)
{
  (void)f;
  return 0;
}

int cg_returns_apply_event(struct cg_flow *f, const cJSON *env,
                           char outcome[CG_INBOX_OUTCOME_MAX],
                           struct cg_err *err)
{
  (void)f, (void)env, (void)err;
  snprintf(outcome, CG_INBOX_OUTCOME_MAX, "ignored: returns stub");
  return 0;
}

/* ---- h31 ---------------------------------------------------------------*/

const char *cg_store_return_step_name(enum cg_store_return_step st)
{
  (void)st;
  return "stub";
}

void cg_store_return_clear(struct cg_store_return *r)
{
  (void)r;
}

void cg_store_return_lines_clear(struct cg_store_return_lines *l)
{
  (void)l;
}

int cg_store_return_put(struct cg_store *s, const struct cg_store_return *r,
                        const struct cg_store_return_line *lines, size_t n,
                        int64_t now_ms, struct cg_err *err)
{
  (void)s, (void)r, (void)lines, (void)n, (void)now_ms;
  return cg_err_set(err, CG_EINVAL, "stub");
}

int cg_store_return_get(struct cg_store *s, int64_t id,
                        struct cg_store_return *out, struct cg_err *err)
{
  (void)s, (void)id, (void)out;
  return cg_err_set(err, CG_EINVAL, "stub");
}

int cg_store_return_lines_get(struct cg_store *s, int64_t id,
                              struct cg_store_return_lines *out,
                              struct cg_err *err)
{
  (void)s, (void)id, (void)out;
  return cg_err_set(err, CG_EINVAL, "stub");
}

int cg_store_return_set_step(struct cg_store *s, int64_t id,
                             enum cg_store_return_step step,
                             const char *hold_reason, int64_t now_ms,
                             struct cg_err *err)
{
  (void)s, (void)id, (void)step, (void)hold_reason, (void)now_ms;
  return cg_err_set(err, CG_EINVAL, "stub");
}

int cg_store_return_order_line(struct cg_store *s, const char *line_ref,
                               char **order_number, char **sku,
                               struct cg_err *err)
{
  (void)s, (void)line_ref, (void)order_number, (void)sku;
  return cg_err_set(err, CG_EINVAL, "stub");
}

/* ---- h32 ---------------------------------------------------------------*/

int cg_centra_fetch_returns(struct cg_centra *c, const int64_t *ids, size_t n,
                            cg_call_done_fn done, void *arg)
{
  (void)c, (void)ids, (void)n, (void)done, (void)arg;
  return CG_EINVAL;
}

int cg_centra_fetch_returns_since(struct cg_centra *c, const char *since,
                                  int page, int limit, cg_call_done_fn done,
                                  void *arg)
{
  (void)c, (void)since, (void)page, (void)limit, (void)done, (void)arg;
  return CG_EINVAL;
}

int cg_gxo_advise_return(struct cg_gxo *g, const cJSON *advice,
                         const char *idempotency_key, cg_call_done_fn done,
                         void *arg)
{
  (void)g, (void)advice, (void)idempotency_key, (void)done, (void)arg;
  return CG_EINVAL;
}

int cg_gxo_contract_return_advice(const cJSON *advice, char *why,
                                  size_t why_size)
{
  (void)advice;
  snprintf(why, why_size, "stub");
  return -1;
}
