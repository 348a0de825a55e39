/*
 * stock_stub_h12: TEMPORARY stubs of the stock functions other helpers
 * write (store_stock.c, stock.c, stock_policy.c), so that stock_push.c
 * links before they are merged. Only stubs; deleted at merge.
 */
#include "base/err.h"
#include "flows/stock.h"
#include "flows/stock_int.h"
#include "store/store.h"
#include "store/store_stock.h"

void cg_store_stock_clear(struct cg_store_stock *st)
{
  (void)st;
}

int cg_store_stock_get(struct cg_store *s, const char *sku,
                       struct cg_store_stock *out, struct cg_err *err)
{
  return CG_ENOTFOUND;
}

int cg_store_stock_dirty(struct cg_store *s, size_t limit,
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

int cg_store_stock_batch_take(struct cg_store *s, const char *sku,
                              int64_t batch, struct cg_err *err)
{
  return 0;
}

int cg_store_stock_batch_done(struct cg_store *s, const char *sku, bool ok,
                              int64_t qty, int64_t version, int64_t now_ms,
                              struct cg_err *err)
{
  return 0;
}

int cg_store_stock_clean(struct cg_store *s, const char *sku,
                         struct cg_err *err)
{
  return 0;
}

int cg_store_stock_hold(struct cg_store *s, const char *sku, bool held,
                        int64_t now_ms, struct cg_err *err)
{
  return 0;
}

int cg_stock_target(struct cg_flow *f, const char *sku, int64_t *out,
                    struct cg_err *err)
{
  *out = 0;
  return 0;
}

bool cg_stock_policy_excluded(const struct cg_stock_policy *p, const char *sku)
{
  return false;
}

const struct cg_stock_policy *cg__stock_policy(const struct cg_stock *st)
{
  return NULL;
}
