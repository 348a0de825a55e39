/*
 * admin_stock: the stock part of the admin API (docs/operations.md
 * "Stock"), behind the bearer token:
 *
 *   GET /api/v1/merchants/{merchant}/stock/{sku}
 *       one SKU as `stock show` prints it (flows/stock.h
 *       cg_stock_describe, with the policy in force); 404 if unknown
 *   GET /api/v1/merchants/{merchant}/stock?state=drift|held|dirty
 *       [&limit=N]  the SKUs that need a look, at most N (default 100,
 *       at most 500): each {sku, stock[, exception]}
 *   POST /api/v1/merchants/{merchant}/stock/reconcile
 *       a stock check now (cg_stock_reconcile_asked): 202; it starts
 *       within a second, or after the one running, and a restart
 *       before it has run does not lose it
 */
#include "ops/admin_int.h"

#include "base/err.h"
#include "flows/flow.h"
#include "flows/stock.h"
#include "net/http_server.h"
#include "net/router.h"

#include <stdlib.h>

static void h_stock_sku(struct cg_http_exchange *ex, void *arg)
{
  const struct cg_admin_source *src = arg;
  if (!cg__admin_authorized(ex, src))
    return;
  struct cg_flow *f =
      cg__admin_find_flow(src, cg_http_exchange_param(ex, "merchant"));
  const char *sku = cg_http_exchange_param(ex, "sku");
  struct cg_err err = {0};
  cJSON *d = f && sku ? cg_stock_describe(f, sku, &err) : NULL;
  cg__admin_reply_described(ex, f, d, &err, "no such SKU");
}

static void h_stock_list(struct cg_http_exchange *ex, void *arg)
{
  const struct cg_admin_source *src = arg;
  if (!cg__admin_authorized(ex, src))
    return;
  struct cg_flow *f =
      cg__admin_find_flow(src, cg_http_exchange_param(ex, "merchant"));
  char state[16] = "";
  cg_http_exchange_query(ex, "state", state, sizeof(state));
  struct cg_err err = {0};
  cJSON *doc = f ? cg_stock_describe_list(
                       f, state,
                       cg__admin_list_limit(ex, CG__ADMIN_LIST_DEFAULT,
                                            CG__ADMIN_LIST_MAX),
                       &err)
                 : NULL;
  cg__admin_reply_listed(ex, f, doc, &err);
}

static void h_stock_reconcile(struct cg_http_exchange *ex, void *arg)
{
  struct cg_flow *f = cg__admin_request_flow(ex, arg);
  if (f == NULL)
    return;
  if (f->stock == NULL) {
    cg__admin_reply_error(ex, 409, "the merchant's stock flow is not running");
    return;
  }
  struct cg_err err = {0};
  if (cg_stock_reconcile_asked(f->stock, &err) != 0) {
    cg__admin_reply_error(ex, 500, err.msg);
    return;
  }
  cg__admin_reply_accepted(ex, "stock check requested");
}

int cg__admin_stock_routes(struct cg_router *r,
                           const struct cg_admin_source *src)
{
  void *a = (void *)src;
  if (cg_router_add(r, "GET", "/api/v1/merchants/{merchant}/stock/{sku}",
                    h_stock_sku, a) != 0 ||
      cg_router_add(r, "GET", "/api/v1/merchants/{merchant}/stock",
                    h_stock_list, a) != 0 ||
      cg_router_add(r, "POST", "/api/v1/merchants/{merchant}/stock/reconcile",
                    h_stock_reconcile, a) != 0)
    return CG_ENOMEM;
  return 0;
}
