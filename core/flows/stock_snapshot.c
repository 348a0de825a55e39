/*
 * stock_snapshot: one page of a warehouse stock snapshot (GET /stock) as
 * complete SKU groups (stock_rec.h). Pure: no store, no I/O. The
 * contract says a snapshot is "per SKU and stock status"; the simulator
 * answers one item per SKU with byStatus, a site may answer one item per
 * (SKU, status): both are read, and a SKU whose items straddle a page
 * boundary is held back until the next page shows another SKU.
 */
#include "flows/stock_rec.h"

#include "base/json.h"

#include <stdio.h>
#include <string.h>

/* An unreadable item of g's SKU: the SKU is not applied at all (a
 * missing status would read as 0 and be pushed). */
static void broken(struct cg_stock_snap_sku *g, int64_t *bad)
{
  (*bad)++;
  g->broken = true;
}

static void level_set(struct cg_stock_snap_sku *g, const char *status,
                      int64_t qty, int64_t *bad)
{
  if (status == NULL || status[0] == '\0' ||
      strlen(status) >= CG_STOCK_STATUS_MAX) {
    broken(g, bad);
    return;
  }
  for (size_t i = 0; i < g->n; i++)
    if (strcmp(g->levels[i].status, status) == 0) {
      g->levels[i].quantity = qty; /* listed twice: the last one counts */
      return;
    }
  if (g->n == CG_STOCK_SNAP_LEVELS) {
    broken(g, bad);
    return;
  }
  snprintf(g->levels[g->n].status, CG_STOCK_STATUS_MAX, "%s", status);
  g->levels[g->n++].quantity = qty;
}

/* The item's levels into g: byStatus {STATUS: n}, else one status. */
static void item_levels(struct cg_stock_snap_sku *g, const cJSON *item,
                        int64_t *bad)
{
  const cJSON *by = cJSON_GetObjectItemCaseSensitive(item, "byStatus");
  const cJSON *lv;
  if (cJSON_IsObject(by)) {
    cJSON_ArrayForEach(lv, by)
    {
      if (cJSON_IsNumber(lv))
        level_set(g, lv->string, (int64_t)lv->valuedouble, bad);
      else
        broken(g, bad);
    }
    return;
  }
  const char *status = cg_json_str(item, "stockStatus");
  int64_t qty;
  if (status == NULL)
    status = cg_json_str(item, "status");
  if (cg_json_get_int(item, "quantity", &qty) != 0) {
    broken(g, bad);
    return;
  }
  level_set(g, status, qty, bad);
}

static int complete(struct cg_stock_snap_sku *held, cg_stock_snap_fn fn,
                    void *arg, struct cg_err *err)
{
  int rc = held->sku[0] != '\0' ? fn(held, arg, err) : 0;
  held->sku[0] = '\0';
  held->n = 0;
  held->broken = false;
  return rc;
}

int cg__stock_snap_page(const cJSON *items, bool last,
                        struct cg_stock_snap_sku *held, cg_stock_snap_fn fn,
                        void *arg, int64_t *bad, struct cg_err *err)
{
  const cJSON *it;
  int rc = 0;
  cJSON_ArrayForEach(it, items)
  {
    const cJSON *sku = cJSON_GetObjectItemCaseSensitive(it, "sku");
    if (!cJSON_IsString(sku) || sku->valuestring[0] == '\0' ||
        strlen(sku->valuestring) >= CG_STOCK_SKU_MAX) {
      (*bad)++;
      continue;
    }
    if (strcmp(held->sku, sku->valuestring) != 0) {
      if ((rc = complete(held, fn, arg, err)) != 0)
        return rc;
      snprintf(held->sku, sizeof(held->sku), "%s", sku->valuestring);
    }
    item_levels(held, it, bad);
  }
  return last ? complete(held, fn, arg, err) : 0;
}
