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

struct cg_stock_policy {
  int unused;
};

void cg_stock_policy_free(struct cg_stock_policy *p);

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

const struct cg_stock_policy *cg_stock_policy_default(void)
{
  static const struct cg_stock_policy def = {0};
  return &def;
}

bool cg_stock_policy_sellable(const struct cg_stock_policy *p,
                              const char *status)
{
  (void)p;
  return status != NULL &&
         (strcmp(status, "AVAILABLE") == 0 || strcmp(status, "ALLOCATED") == 0);
}

bool cg_stock_policy_excluded(const struct cg_stock_policy *p, const char *sku)
{
  (void)p;
  (void)sku;
  return false;
}

int64_t cg_stock_policy_figure(const struct cg_stock_policy *p, const char *sku,
                               int64_t sellable)
{
  (void)p;
  (void)sku;
  return sellable > 0 ? sellable : 0;
}

enum cg_stock_return_route
cg_stock_policy_return_route(const struct cg_stock_policy *p)
{
  (void)p;
  return CG_STOCK_RETURNS_WAREHOUSE;
}

int64_t cg_stock_policy_drift_threshold(const struct cg_stock_policy *p)
{
  (void)p;
  return 0;
}

void cg_stock_policy_free(struct cg_stock_policy *p)
{
  (void)p; /* nothing allocates a policy before stock_policy.c */
}

cJSON *cg_stock_describe(struct cg_flow *f, const char *sku, struct cg_err *err)
{
  (void)f;
  (void)sku;
  cg_err_set(err, CG_ENOTFOUND, "stock describe: not built yet");
  return NULL;
}
