/*
 * items_settled_stub: TEMPORARY stand-in for cg_items_settled until
 * items_gate.c (H24) is merged; deleted then. Does nothing. Weak, so
 * the real one wins wherever both are linked.
 */
#include "flows/items.h"

__attribute__((weak)) int cg_items_settled(struct cg_flow *f, const char *sku,
                                           bool accepted,
                                           const char *reason_json,
                                           struct cg_err *err)
{
  (void)f;
  (void)sku;
  (void)accepted;
  (void)reason_json;
  (void)err;
  return 0;
}
