/*
 * stock_stub_h11: stand-ins for the functions of stock_push.c (H12),
 * stock_reconcile.c (H13) and stock_policy.c / stock_describe.c (H14)
 * while stock.c is built against the headers. Stubs only: the flusher
 * and the schedule do nothing, the default policy counts AVAILABLE and
 * ALLOCATED as sellable and excludes nothing. Deleted at merge.
 */
#include "flows/stock_int.h"

#include "base/err.h"
#include "flows/outbox.h"

#include <stdio.h>
#include <string.h>

void cg__stock_flush(struct cg_stock *st)
{
  (void)st;
}

void cg__stock_tick(struct cg_stock *st)
{
  (void)st;
}

void cg__stock_reconcile_stop(struct cg_stock *st, void (*done)(void *arg),
                              void *arg)
{
  (void)st;
  if (done != NULL)
    done(arg);
}

void cg_stock_reconcile_soon(struct cg_stock *st, const char *reason)
{
  if (st == NULL)
    return;
  st->reconcile_wanted = true;
  snprintf(st->reconcile_reason, sizeof(st->reconcile_reason), "%s", reason);
}

const struct cg_outbox_kind cg_stock_push_kind = {"centra.stock.set", NULL,
                                                  NULL};
