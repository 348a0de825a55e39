/*
 * stock_stub_h13: stand-ins for the stock functions other helpers write
 * (store_stock.c, stock.c, stock_policy.c), so the reconcile links before
 * they are merged. Only stubs; deleted at the merge.
 */
#include "flows/stock_int.h"
#include "store/store_stock.h"

#include "base/err.h"

int cg_store_stock_get(struct cg_store *s, const char *sku,
                       struct cg_store_stock *out, struct cg_err *err)
{
  (void)s, (void)sku, (void)out;
  return cg_err_set(err, CG_ENOTFOUND, "stub");
}

int cg_store_stock_levels(struct cg_store *s, const char *sku,
                          struct cg_store_stock_levels *out, struct cg_err *err)
{
  (void)s, (void)sku, (void)out;
  return cg_err_set(err, CG_ENOTFOUND, "stub");
}

void cg_store_stock_clear(struct cg_store_stock *st)
{
  (void)st;
}

void cg_store_stock_levels_clear(struct cg_store_stock_levels *l)
{
  (void)l;
}

int cg_store_stock_touch(struct cg_store *s, const char *sku, int64_t now_ms,
                         struct cg_err *err)
{
  (void)s, (void)sku, (void)now_ms;
  return cg_err_set(err, CG_ENOTFOUND, "stub");
}

int cg_store_stock_snapshot_sku(struct cg_store *s, const char *sku,
                                const struct cg_store_stock_level *levels,
                                size_t n, int64_t as_of_seq, int64_t now_ms,
                                bool *stale, struct cg_err *err)
{
  (void)s, (void)sku, (void)levels, (void)n, (void)as_of_seq, (void)now_ms;
  (void)stale;
  return cg_err_set(err, CG_EINVAL, "stub");
}

int cg_store_stock_unlisted(struct cg_store *s, int64_t as_of_seq,
                            const char *after, size_t limit,
                            struct cg_store_count_list *out, struct cg_err *err)
{
  (void)s, (void)as_of_seq, (void)after, (void)limit, (void)out;
  return cg_err_set(err, CG_EINVAL, "stub");
}

int cg_store_stock_centra_seen(struct cg_store *s, const char *sku, int64_t qty,
                               int64_t now_ms, struct cg_err *err)
{
  (void)s, (void)sku, (void)qty, (void)now_ms;
  return cg_err_set(err, CG_EINVAL, "stub");
}

int cg_store_stock_seq_state(struct cg_store *s, int64_t *watermark,
                             int64_t *highest, int64_t *hole_since,
                             struct cg_err *err)
{
  (void)s, (void)err;
  *watermark = *highest = *hole_since = 0;
  return 0;
}

int cg_store_stock_seq_cover(struct cg_store *s, int64_t seq,
                             struct cg_err *err)
{
  (void)s, (void)seq;
  return cg_err_set(err, CG_EINVAL, "stub");
}

int cg_stock_target(struct cg_flow *f, const char *sku, int64_t *out,
                    struct cg_err *err)
{
  (void)f, (void)sku, (void)err;
  *out = 0;
  return 0;
}

bool cg_stock_policy_excluded(const struct cg_stock_policy *p, const char *sku)
{
  (void)p, (void)sku;
  return false;
}

int64_t cg_stock_policy_drift_threshold(const struct cg_stock_policy *p)
{
  (void)p;
  return 0;
}

const struct cg_stock_policy *cg__stock_policy(const struct cg_stock *st)
{
  (void)st;
  return NULL;
}
