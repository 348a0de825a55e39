/*
 * store_items_stub: TEMPORARY stand-ins for store_items.c (built by
 * another helper in parallel), so the items read links alone: writes
 * succeed and keep nothing. Deleted when store_items.c is merged.
 */
#include "store/store_items.h"

#include "base/err.h"

int cg_store_item_source(struct cg_store *s,
                         const struct cg_store_item_source *src, int64_t now_ms,
                         bool *dirty, struct cg_err *err)
{
  (void)s;
  (void)src;
  (void)now_ms;
  (void)err;
  if (dirty != NULL)
    *dirty = true;
  return 0;
}

int cg_store_item_refuse(struct cg_store *s, const char *sku,
                         const char *reason_json, int64_t now_ms,
                         struct cg_err *err)
{
  (void)s;
  (void)sku;
  (void)reason_json;
  (void)now_ms;
  (void)err;
  return 0;
}
