/*
 * admin_items: the item master in the admin API (docs/operations.md
 * "Items and launches"), behind the bearer token:
 *
 *   GET /api/v1/merchants/{merchant}/items/{sku}
 *       one SKU as `items show` prints it (flows/items.h
 *       cg_items_describe); 404 if the master never saw it
 *   GET /api/v1/merchants/{merchant}/items?state=pending|rejected
 *       [&after=SKU][&limit=N]  launch readiness: counts per state, the
 *       last sweep and at most N SKUs (default 100, at most 500) after
 *       `after`, in SKU order; `next` is the `after` of the next page
 *   POST /api/v1/merchants/{merchant}/items/sweep
 *       asks the running flow for a full sweep of Centra's catalogue
 *       (cg_items_sweep_soon): a change Centra made without moving the
 *       product's updatedAt is read by it; 202
 */
#include "ops/admin_int.h"

#include "base/err.h"
#include "flows/flow.h"
#include "flows/items.h"
#include "net/http_server.h"
#include "net/router.h"

#include <stdlib.h>

static void h_items_sku(struct cg_http_exchange *ex, void *arg)
{
  const struct cg_admin_source *src = arg;
  if (!cg__admin_authorized(ex, src))
    return;
  struct cg_flow *f =
      cg__admin_find_flow(src, cg_http_exchange_param(ex, "merchant"));
  const char *sku = cg_http_exchange_param(ex, "sku");
  struct cg_err err = {0};
  cJSON *d = f && sku ? cg_items_describe(f->store, sku, &err) : NULL;
  cg__admin_reply_described(ex, f, d, &err, "no such SKU in the item master");
}

static void h_items_list(struct cg_http_exchange *ex, void *arg)
{
  const struct cg_admin_source *src = arg;
  if (!cg__admin_authorized(ex, src))
    return;
  struct cg_flow *f =
      cg__admin_find_flow(src, cg_http_exchange_param(ex, "merchant"));
  char state[16] = "", after[128] = "";
  cg_http_exchange_query(ex, "state", state, sizeof(state));
  cg_http_exchange_query(ex, "after", after, sizeof(after));
  struct cg_err err = {0};
  cJSON *doc =
      f ? cg_items_pending(f->store, state, after,
                           cg__admin_list_limit(ex, CG__ADMIN_LIST_DEFAULT,
                                                CG__ADMIN_LIST_MAX),
                           &err)
        : NULL;
  cg__admin_reply_listed(ex, f, doc, &err);
}

static void h_items_sweep(struct cg_http_exchange *ex, void *arg)
{
  struct cg_flow *f = cg__admin_request_flow(ex, arg);
  if (f == NULL)
    return;
  if (f->items == NULL) {
    cg__admin_reply_error(ex, 409, "the merchant's items flow is not running");
    return;
  }
  cg_items_sweep_soon(f->items, "asked for on the admin API");
  cg__admin_reply_accepted(ex, "sweep requested");
}

int cg__admin_items_routes(struct cg_router *r,
                           const struct cg_admin_source *src)
{
  void *a = (void *)src;
  if (cg_router_add(r, "GET", "/api/v1/merchants/{merchant}/items/{sku}",
                    h_items_sku, a) != 0 ||
      cg_router_add(r, "GET", "/api/v1/merchants/{merchant}/items",
                    h_items_list, a) != 0 ||
      cg_router_add(r, "POST", "/api/v1/merchants/{merchant}/items/sweep",
                    h_items_sweep, a) != 0)
    return CG_ENOMEM;
  return 0;
}
