/*
 * returns_stock: the one restock route of a return (docs/internals/
 * returns.md "Stock: one restock route"; the pack's stock policy names
 * it, flows/stock.h cg_stock_policy_return_route).
 *
 *   returns_settle.c, in the completion's transaction
 *     ─▶ cg__returns_completed_stock
 *          "warehouse": touch every SKU of the return (the next push
 *                       sets Centra's figure back to P)
 *          "centra" and returnedToStock: R += the units the warehouse
 *                       will show as sellable (received, RESTOCK) less
 *                       those the feed already showed for this RMA; a SKU
 *                       Centra restocked more of is touched (the next push
 *                       takes the rest back)
 *   stock.c, a stock.adjusted (delta > 0) in its event transaction, new
 *   or older than the SKU's snapshot (its units are in W already)
 *     ─▶ cg_returns_stock_adjusted
 *          reference = a known rmaRef: "return restocked" on the order,
 *          and, for a sellable status, R gives back what Centra's
 *          completion already counted
 */
#include "flows/returns.h"
#include "flows/returns_int.h"

#include "base/err.h"
#include "base/time.h"
#include "flows/flow.h"
#include "flows/stock.h"
#include "store/store.h"
#include "store/store_returns.h"
#include "store/store_stock.h"

#include <stdio.h>
#include <string.h>

#define DETAIL_MAX 400
/* The disposition whose units the warehouse puts back on sale. */
#define RESTOCK "RESTOCK"

static enum cg_stock_return_route route(const struct cg_flow *f)
{
  return cg_stock_policy_return_route(cg_stock_policy(f->stock));
}

static const char *route_name(enum cg_stock_return_route r)
{
  return r == CG_STOCK_RETURNS_CENTRA ? "centra" : "warehouse";
}

/* A SKU the stock flow has no row for has no figure to set right. */
static int unknown_ok(int rc, struct cg_err *err)
{
  if (rc != CG_ENOTFOUND)
    return rc;
  memset(err, 0, sizeof(*err));
  return 0;
}

/* Whether line i is the first of the return with its SKU. */
static bool first_of_sku(const struct cg_store_return_lines *l, size_t i)
{
  for (size_t j = 0; j < i; j++)
    if (l->items[j].sku && l->items[i].sku &&
        strcmp(l->items[j].sku, l->items[i].sku) == 0)
      return false;
  return l->items[i].sku != NULL;
}

/* Units of sku on the return's lines: what Centra restocked at the
 * completion (the advised units, all lines) and what the warehouse will
 * show as sellable (the units received with the disposition RESTOCK, at
 * most the advised ones: more than advised is the warehouse's own, shown
 * by its feed alone). */
struct sku_units {
  int64_t centra, shown;
};

static struct sku_units units_of_sku(const struct cg_store_return_lines *l,
                                     const char *sku)
{
  struct sku_units u = {0, 0};
  for (size_t i = 0; i < l->n; i++) {
    const struct cg_store_return_line *x = &l->items[i];
    if (x->sku == NULL || strcmp(x->sku, sku) != 0)
      continue;
    u.centra += x->advised;
    if (x->received > 0 && x->disposition != NULL &&
        strcmp(x->disposition, RESTOCK) == 0)
      u.shown += x->received;
  }
  if (u.shown > u.centra)
    u.shown = u.centra;
  return u;
}

/* Route centra: Centra restocked u.centra units of sku at completion. R
 * grows by the part the warehouse will show as sellable and has not shown
 * yet; the rest (not received, or not restocked by the warehouse) it will
 * never show: the SKU is touched so the next push sets Centra back to P. */
static int centra_restocked(struct cg_flow *f, const struct cg_store_return *r,
                            const char *sku, struct sku_units u,
                            struct cg_err *err)
{
  char detail[DETAIL_MAX];
  int64_t add = 0, now = cg_time_now_ms();
  int rc =
      cg_store_return_restock_centra(f->store, r->id, sku, u.shown, &add, err);
  if (rc == 0 && add > 0)
    rc = unknown_ok(cg_store_stock_return_add(f->store, sku, add, now, err),
                    err);
  if (rc == 0 && u.shown < u.centra)
    rc = unknown_ok(cg_store_stock_touch(f->store, sku, now, err), err);
  snprintf(detail, sizeof(detail),
           "return %lld: %lld x %s restocked by Centra at completion (route "
           "centra; the warehouse restocks %lld, %lld counted until it shows "
           "them%s)",
           (long long)r->id, (long long)u.centra, sku, (long long)u.shown,
           (long long)add,
           u.shown < u.centra ? "; the next push takes the rest back" : "");
  return rc ? rc
            : cg__returns_audit(f, r->order_number, "return restocked", detail,
                                err);
}

int cg__returns_completed_stock(struct cg_flow *f,
                                const struct cg_store_return *r,
                                const struct cg_store_return_lines *lines,
                                bool returned_to_stock, struct cg_err *err)
{
  bool centra = route(f) == CG_STOCK_RETURNS_CENTRA && returned_to_stock;
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < lines->n; i++) {
    const char *sku = lines->items[i].sku;
    if (!first_of_sku(lines, i))
      continue;
    if (centra)
      rc = centra_restocked(f, r, sku, units_of_sku(lines, sku), err);
    else
      rc = unknown_ok(
          cg_store_stock_touch(f->store, sku, cg_time_now_ms(), err), err);
  }
  return rc;
}

/* The part of delta Centra's completion already counted leaves R (any
 * route: it is 0 unless Centra restocked this RMA's units). CG_ENOTFOUND
 * when the return has no line of sku: the reference is not this RMA's
 * restock (a number that only looks like one). */
static int give_back(struct cg_flow *f, int64_t id, const char *sku,
                     int64_t delta, struct cg_err *err)
{
  int64_t take = 0;
  int rc =
      cg_store_return_restock_warehouse(f->store, id, sku, delta, &take, err);
  if (rc == 0 && take > 0)
    rc = unknown_ok(
        cg_store_stock_return_add(f->store, sku, -take, cg_time_now_ms(), err),
        err);
  return rc;
}

int cg_returns_stock_adjusted(struct cg_flow *f, const char *reference,
                              const char *sku, int64_t delta,
                              const char *status, struct cg_err *err)
{
  struct cg_store_return r = {0};
  char detail[DETAIL_MAX];
  int64_t id = cg__returns_rma_id(reference);
  if (id <= 0 || sku == NULL || delta <= 0)
    return 0;
  int rc = cg_store_return_get(f->store, id, &r, err);
  /* only sellable units are what Centra's completion counted in R (an
   * other status is recorded as 0: the line of sku must still exist) */
  bool sellable = cg_stock_policy_sellable(cg_stock_policy(f->stock), status);
  if (rc == 0 && r.order_number != NULL)
    rc = give_back(f, id, sku, sellable ? delta : 0, err);
  if (rc == 0) {
    snprintf(detail, sizeof(detail),
             "return %lld: %lld x %s restocked by the warehouse (%s, route "
             "%s)",
             (long long)id, (long long)delta, sku, status ? status : "?",
             route_name(route(f)));
    rc = cg__returns_audit(f, r.order_number, "return restocked", detail, err);
  }
  cg_store_return_clear(&r);
  return unknown_ok(rc, err);
}
