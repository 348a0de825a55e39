/*
 * items_push_stub: TEMPORARY stand-in for items_push.c (built by another
 * helper in parallel): no batches are made. Delete this file when
 * items_push.c is merged.
 */
#include "flows/items_int.h"
#include "flows/outbox.h"

void cg__items_flush(struct cg_items *it)
{
  (void)it;
}

const struct cg_outbox_kind cg_items_batch_kind = {.kind = CG_ITEMS_KIND_BATCH};
