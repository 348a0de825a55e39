/*
 * returns_stub_h33: STUBS of helper 33 for functions other helpers of
 * issue 12 own, so that the returns flow links before they land. DELETE
 * each once the real one is merged: h31 (store_returns.c), h32 (the
 * Centra and warehouse calls, the advice contract), h34 (the settle
 * half). Every stub fails or does nothing. h31 and h32 are merged: only
 * h34's are left.
 */
#include "base/err.h"
#include "flows/flow.h"
#include "flows/outbox.h"
#include "flows/returns.h"

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
