/*
 * returns_stub_h34: STUBS, delete at merge. The store calls of
 * store_returns.h (helper h31) and the Centra return calls of centra.h
 * (helper h32) that returns_receipt.c, returns_settle.c, returns_stock.c
 * and returns_retry.c use, so that h34's branch links before theirs
 * land. Every stub fails with CG_EINVAL ("stub").
 */
#include "base/err.h"
#include "centra/centra.h"
#include "store/store_returns.h"

#define STUB(err) cg_err_set(err, CG_EINVAL, "stub (h34): not implemented")

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
void cg_store_return_list_clear(struct cg_store_return_list *l)
{
  (void)l;
}
int cg_store_return_get(struct cg_store *s, int64_t id,
                        struct cg_store_return *out, struct cg_err *err)
{
  (void)s, (void)id, (void)out;
  return STUB(err);
}
int cg_store_return_lines_get(struct cg_store *s, int64_t id,
                              struct cg_store_return_lines *out,
                              struct cg_err *err)
{
  (void)s, (void)id, (void)out;
  return STUB(err);
}
int cg_store_return_set_step(struct cg_store *s, int64_t id,
                             enum cg_store_return_step step,
                             const char *hold_reason, int64_t now_ms,
                             struct cg_err *err)
{
  (void)s, (void)id, (void)step, (void)hold_reason, (void)now_ms;
  return STUB(err);
}
int cg_store_return_set_receipt(struct cg_store *s, int64_t id,
                                const char *receipt_id, const char *receipt,
                                int64_t now_ms, struct cg_err *err)
{
  (void)s, (void)id, (void)receipt_id, (void)receipt, (void)now_ms;
  return STUB(err);
}
int cg_store_return_line_received(struct cg_store *s, int64_t id,
                                  const char *line_ref, int64_t received,
                                  const char *condition,
                                  const char *disposition, struct cg_err *err)
{
  (void)s, (void)id, (void)line_ref, (void)received, (void)condition,
      (void)disposition;
  return STUB(err);
}
int cg_store_return_set_plan(struct cg_store *s, int64_t id, const char *plan,
                             int64_t now_ms, struct cg_err *err)
{
  (void)s, (void)id, (void)plan, (void)now_ms;
  return STUB(err);
}
int cg_store_return_line_decision(struct cg_store *s, int64_t id,
                                  const char *line_ref, const char *decision,
                                  struct cg_err *err)
{
  (void)s, (void)id, (void)line_ref, (void)decision;
  return STUB(err);
}
int cg_store_return_restock_centra(struct cg_store *s, int64_t id,
                                   const char *sku, int64_t units, int64_t *add,
                                   struct cg_err *err)
{
  (void)s, (void)id, (void)sku, (void)units, (void)add;
  return STUB(err);
}
int cg_store_return_restock_warehouse(struct cg_store *s, int64_t id,
                                      const char *sku, int64_t delta,
                                      int64_t *take, struct cg_err *err)
{
  (void)s, (void)id, (void)sku, (void)delta, (void)take;
  return STUB(err);
}
int cg_store_return_held_resolved(struct cg_store *s, const char *entity_kind,
                                  int limit, struct cg_store_return_list *out,
                                  struct cg_err *err)
{
  (void)s, (void)entity_kind, (void)limit, (void)out;
  return STUB(err);
}

int cg_centra_fetch_returns(struct cg_centra *c, const int64_t *ids, size_t n,
                            cg_call_done_fn done, void *arg)
{
  (void)c, (void)ids, (void)n, (void)done, (void)arg;
  return CG_EINVAL;
}
int cg_centra_complete_return(struct cg_centra *c, int64_t id, bool send_email,
                              cg_call_done_fn done, void *arg)
{
  (void)c, (void)id, (void)send_email, (void)done, (void)arg;
  return CG_EINVAL;
}
int cg_centra_refund_return(struct cg_centra *c, int64_t id, bool send_email,
                            cg_call_done_fn done, void *arg)
{
  (void)c, (void)id, (void)send_email, (void)done, (void)arg;
  return CG_EINVAL;
}

#include "gxo/gxo_contract.h"

int cg_gxo_contract_return_advice(const cJSON *advice, char *why,
                                  size_t why_size)
{
  (void)advice, (void)why, (void)why_size;
  return 0; /* stub (h34): accepts everything */
}

int cg_store_return_put(struct cg_store *s, const struct cg_store_return *r,
                        const struct cg_store_return_line *lines, size_t n,
                        int64_t now_ms, struct cg_err *err)
{
  (void)s, (void)r, (void)lines, (void)n, (void)now_ms;
  return STUB(err);
}
