/*
 * stock_stub_h14: stand-ins for H11's stock.c and store_stock.c while
 * H14 codes against the headers. Stubs only; deleted at merge.
 */
#include "flows/stock_int.h"

#include "base/mem.h"

struct cg_stock *cg_stock_create(struct cg_flow *f,
                                 const struct cg_stock_opts *opts)
{
  struct cg_stock *st = cg_calloc(1, sizeof(*st));
  if (st != NULL) {
    st->f = f;
    st->opts = *opts;
  }
  return st;
}

void cg_stock_close(struct cg_stock *st, void (*done)(void *arg), void *arg)
{
  cg_stock_policy_free(st->policy);
  cg_free(st);
  if (done != NULL)
    done(arg);
}

void cg_stock_set_policy(struct cg_stock *st, struct cg_stock_policy *p)
{
  cg_stock_policy_free(st->policy);
  st->policy = p;
}

const struct cg_stock_policy *cg_stock_policy(const struct cg_stock *st)
{
  return st->policy ? st->policy : cg_stock_policy_default();
}

const struct cg_stock_policy *cg__stock_policy(const struct cg_stock *st)
{
  return cg_stock_policy(st);
}

/* store_stock.c (H11) */
#include "base/err.h"
#include "store/store_stock.h"

void cg_store_stock_clear(struct cg_store_stock *st)
{
  cg_free(st->sku);
  st->sku = NULL;
}

void cg_store_stock_levels_clear(struct cg_store_stock_levels *l)
{
  cg_free(l->items);
  l->items = NULL;
  l->n = 0;
}

int cg_store_stock_get(struct cg_store *s, const char *sku,
                       struct cg_store_stock *out, struct cg_err *err)
{
  return cg_err_set(err, CG_ENOTFOUND, "stub");
}

int cg_store_stock_levels(struct cg_store *s, const char *sku,
                          struct cg_store_stock_levels *out, struct cg_err *err)
{
  return cg_err_set(err, CG_ENOTFOUND, "stub");
}

int cg_store_stock_dirty(struct cg_store *s, size_t limit,
                         struct cg_store_count_list *out, struct cg_err *err)
{
  return 0;
}

int cg_store_stock_held(struct cg_store *s, const char *after, size_t limit,
                        struct cg_store_count_list *out, struct cg_err *err)
{
  return 0;
}

int cg_store_stock_dirty_count(struct cg_store *s, int64_t *n,
                               struct cg_err *err)
{
  *n = 0;
  return 0;
}

int cg_store_stock_apply(struct cg_store *s, int64_t seq, const char *sku,
                         const char *status, int64_t delta, int64_t now_ms,
                         bool *applied, struct cg_err *err)
{
  return cg_err_set(err, CG_EINVAL, "stub");
}

int cg_store_stock_dispatch_add(struct cg_store *s, const char *shipment_id,
                                const char *sku, int64_t quantity,
                                int64_t now_ms, struct cg_err *err)
{
  return cg_err_set(err, CG_EINVAL, "stub");
}

int cg_store_stock_return_add(struct cg_store *s, const char *sku,
                              int64_t delta, int64_t now_ms, struct cg_err *err)
{
  return cg_err_set(err, CG_EINVAL, "stub");
}

int cg_store_stock_batch_take(struct cg_store *s, const char *sku,
                              int64_t batch, struct cg_err *err)
{
  return cg_err_set(err, CG_EINVAL, "stub");
}

int cg_store_stock_batch_done(struct cg_store *s, const char *sku, bool ok,
                              int64_t qty, int64_t version, int64_t now_ms,
                              struct cg_err *err)
{
  return cg_err_set(err, CG_EINVAL, "stub");
}

int cg_store_stock_centra_seen(struct cg_store *s, const char *sku, int64_t qty,
                               int64_t now_ms, struct cg_err *err)
{
  return cg_err_set(err, CG_EINVAL, "stub");
}

int cg_store_stock_hold(struct cg_store *s, const char *sku, bool held,
                        int64_t now_ms, struct cg_err *err)
{
  return cg_err_set(err, CG_EINVAL, "stub");
}
