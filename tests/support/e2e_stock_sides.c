/*
 * e2e_stock_sides: see e2e_stock_sides.h.
 */
#include "e2e_stock_sides.h"

#include "e2e_dispatch.h"
#include "e2e_stock_db.h"

#include "base/json.h"
#include "base/mem.h"
#include "testutil.h"

#include <stdio.h>
#include <string.h>

void sides_skus_read(struct e2e *t, struct sides_skus *out)
{
  cJSON *table = sides_wms_table(t);
  const cJSON *it;
  size_t n = 0;
  assert_non_null(table);
  out->v = cg_calloc((size_t)cJSON_GetArraySize(table) + 1, sizeof(char *));
  assert_non_null(out->v);
  cJSON_ArrayForEach(it, table)
  {
    out->v[n] = cg_strdup(cg_json_str(it, "sku"));
    assert_non_null(out->v[n]);
    n++;
  }
  out->n = n;
  cJSON_Delete(table);
}

void sides_skus_free(struct sides_skus *s)
{
  for (size_t i = 0; i < s->n; i++)
    cg_free(s->v[i]);
  cg_free(s->v);
  s->v = NULL;
  s->n = 0;
}

cJSON *sides_wms_table(struct e2e *t)
{
  cJSON *doc = e2e_get(t, 'g', "/_sim/wms/stock");
  cJSON *items = cJSON_DetachItemFromObjectCaseSensitive(doc, "items");
  cJSON_Delete(doc);
  return items;
}

static const cJSON *row_of(const cJSON *table, const char *key, const char *sku)
{
  const cJSON *it;
  cJSON_ArrayForEach(it, table)
  {
    const char *s = cg_json_str(it, key);
    if (s != NULL && strcmp(s, sku) == 0)
      return it;
  }
  return NULL;
}

long sides_wms_level(const cJSON *table, const char *sku, const char *status)
{
  const cJSON *by = cg_json_get(row_of(table, "sku", sku), "byStatus");
  return (long)cg_json_int(by, status, 0);
}

long sides_wms_sellable(const cJSON *table, const char *sku)
{
  if (row_of(table, "sku", sku) == NULL)
    return SIDES_UNKNOWN;
  return sides_wms_level(table, sku, "AVAILABLE") +
         sides_wms_level(table, sku, "ALLOCATED");
}

cJSON *sides_centra_table(struct e2e *t)
{
  return e2e_get(t, 'c', "/_sim/centra/stock");
}

long sides_centra_physical(const cJSON *table, const char *sku, long wh)
{
  const cJSON *w;
  cJSON_ArrayForEach(w, cg_json_get(row_of(table, "sku", sku), "warehouses"))
  {
    if (cg_json_int(w, "id", 0) == wh)
      return (long)cg_json_int(w, "physical", 0);
  }
  return SIDES_UNKNOWN;
}

static bool completed(const cJSON *centra_shipments, const char *stamp)
{
  const cJSON *s;
  cJSON_ArrayForEach(s, centra_shipments)
  {
    const char *m = cg_json_str(s, "additionalMessage");
    if (m != NULL && strcmp(m, stamp) == 0 && cg_json_bool(s, "isShipped", 0))
      return true;
  }
  return false;
}

static void add_units(cJSON *pending, const cJSON *consignment)
{
  const cJSON *p, *l;
  cJSON_ArrayForEach(p, cg_json_get(consignment, "parcels"))
  {
    cJSON_ArrayForEach(l, cg_json_get(p, "lines"))
    {
      const char *sku = cg_json_str(l, "sku");
      int64_t q = cg_json_int(l, "quantity", 0) + cg_json_int(pending, sku, 0);
      assert_non_null(sku);
      cJSON_DeleteItemFromObjectCaseSensitive(pending, sku);
      cg_json_add_int(pending, sku, q);
    }
  }
}

cJSON *sides_pending_dispatch(struct e2e *t)
{
  cJSON *wms = dispatch_wms_orders(t);
  cJSON *ships = e2e_get(t, 'c', "/_sim/centra/shipments");
  cJSON *pending = cJSON_CreateObject();
  const cJSON *o, *c;
  cJSON_ArrayForEach(o, dispatch_orders_of(wms))
  {
    cJSON_ArrayForEach(c, cg_json_get(o, "shipments"))
    {
      char stamp[96];
      snprintf(stamp, sizeof(stamp), "gxo:%s", cg_json_str(c, "shipmentId"));
      if (!completed(ships, stamp))
        add_units(pending, c);
    }
  }
  cJSON_Delete(wms);
  cJSON_Delete(ships);
  return pending;
}

long sides_mismatches(struct e2e *t, const struct sides_skus *s,
                      const cJSON *pending, bool verbose)
{
  cJSON *wms = sides_wms_table(t), *centra = sides_centra_table(t);
  long bad = 0;
  for (size_t i = 0; i < s->n; i++) {
    long sellable = sides_wms_sellable(wms, s->v[i]);
    long d = (long)cg_json_int(pending, s->v[i], 0);
    long got = sides_centra_physical(centra, s->v[i], SIDES_CENTRA_WAREHOUSE);
    if (sellable != SIDES_UNKNOWN && got == sellable + d)
      continue;
    bad++;
    if (verbose)
      fprintf(stderr,
              "  %s: Centra %ld, warehouse sellable %ld + dispatched not "
              "completed in Centra %ld\n",
              s->v[i], got, sellable, d);
  }
  cJSON_Delete(wms);
  cJSON_Delete(centra);
  return bad;
}

/* Every warehouse event acknowledged by the engine. */
static bool events_acked(struct e2e *t)
{
  cJSON *doc = e2e_get(t, 'g', "/_sim/wms/events");
  bool acked = doc != NULL && cg_json_int(doc, "ackedUpTo", -1) >=
                                  cg_json_int(doc, "lastSequence", 0);
  cJSON_Delete(doc);
  return acked;
}

/* Every consignment the warehouse sent is a completed Centra shipment. */
static bool consignments_done(struct e2e *t)
{
  cJSON *wms = dispatch_wms_orders(t);
  long want = dispatch_consignments(wms);
  cJSON_Delete(wms);
  return dispatch_centra_completed(t) >= want;
}

static bool drained(struct e2e *t, void *arg)
{
  const struct sides_skus *s = arg;
  return events_acked(t) && consignments_done(t) && dispatch_wait_idle(t, 0) &&
         stockdb_busy(t) == 0 && sides_mismatches(t, s, NULL, false) == 0;
}

void sides_print_drain(struct e2e *t, const struct sides_skus *s)
{
  fprintf(stderr,
          "  warehouse events acknowledged: %s; consignments completed in "
          "Centra: %s; outbox empty: %s; SKUs dirty or in a batch: %ld\n",
          events_acked(t) ? "all" : "not all",
          consignments_done(t) ? "all" : "not all",
          dispatch_wait_idle(t, 0) ? "yes" : "no", stockdb_busy(t));
  fprintf(stderr, "  %ld SKUs disagree:\n",
          sides_mismatches(t, s, NULL, false));
  sides_mismatches(t, s, NULL, true);
}

bool sides_wait_drained(struct e2e *t, const struct sides_skus *s,
                        int timeout_s)
{
  return e2e_wait(t, timeout_s, drained, (void *)s);
}

/* Some units dispatched and not completed in Centra, pushes done, and
 * Centra = sellable + those units for every SKU. */
static bool pending_agrees(struct e2e *t, void *arg)
{
  const struct sides_skus *s = arg;
  cJSON *pending = sides_pending_dispatch(t);
  bool ok = cJSON_GetArraySize(pending) > 0 && events_acked(t) &&
            stockdb_busy(t) == 0 && sides_mismatches(t, s, pending, false) == 0;
  cJSON_Delete(pending);
  return ok;
}

bool sides_wait_pending_agrees(struct e2e *t, const struct sides_skus *s,
                               int timeout_s)
{
  return e2e_wait(t, timeout_s, pending_agrees, (void *)s);
}

long sides_control(struct e2e *t, char side, const char *path, const char *body)
{
  const char *const headers[] = {"Content-Type: application/json", NULL};
  return e2e_post_status(t, side, path, headers, body ? body : "{}");
}

long sides_wms_last_seq(struct e2e *t)
{
  cJSON *doc = e2e_get(t, 'g', "/_sim/wms/events");
  long seq = (long)cg_json_int(doc, "lastSequence", -1);
  cJSON_Delete(doc);
  return seq;
}

/* A warehouse API token (client credentials of the e2e config). */
static void wms_token(struct e2e *t, char *out, size_t size)
{
  char url[128];
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/wms/v1/oauth/token",
           t->port_gxo);
  const char *const headers[] = {
      "Content-Type: application/x-www-form-urlencoded", NULL};
  struct tu_http_response r;
  assert_int_equal(tu_http("POST", url, headers,
                           "grant_type=client_credentials&client_id=centra-"
                           "gxo&client_secret=gxo-dev-secret",
                           &r),
                   0);
  cJSON *doc = cg_json_parse(r.body, r.body_len, NULL);
  tu_http_response_free(&r);
  const char *tok = cg_json_str(doc, "access_token");
  assert_non_null(tok);
  snprintf(out, size, "%s", tok);
  cJSON_Delete(doc);
}

cJSON *sides_wms_api_get(struct e2e *t, const char *path)
{
  char token[256], auth[300], url[512];
  wms_token(t, token, sizeof(token));
  snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/wms/v1%s", t->port_gxo, path);
  const char *const headers[] = {auth, NULL};
  struct tu_http_response r;
  cJSON *doc = NULL;
  if (tu_http("GET", url, headers, NULL, &r) == 0 && r.status == 200)
    doc = cg_json_parse(r.body, r.body_len, NULL);
  tu_http_response_free(&r);
  return doc;
}

static cJSON *advice_of(const char *rma, const char *order_ref,
                        const char *line_ref, const char *sku, long qty)
{
  cJSON *a = cJSON_CreateObject();
  cg_json_add_str(a, "rmaRef", rma);
  cg_json_add_str(a, "originalOrderRef", order_ref);
  cJSON *l = cJSON_CreateObject();
  cg_json_add_str(l, "lineRef", line_ref);
  cg_json_add_str(l, "sku", sku);
  cg_json_add_int(l, "quantity", qty);
  cg_json_add_str(l, "reasonCode", "PF");
  cJSON_AddItemToArray(cJSON_AddArrayToObject(a, "lines"), l);
  return a;
}

static long post_advice(struct e2e *t, const cJSON *advice)
{
  char token[256], auth[300], key[160], url[128];
  wms_token(t, token, sizeof(token));
  snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
  snprintf(key, sizeof(key), "Idempotency-Key: advice-%s",
           cg_json_str(advice, "rmaRef"));
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/wms/v1/return-advices",
           t->port_gxo);
  const char *const headers[] = {auth, key, "Content-Type: application/json",
                                 NULL};
  char *body = cg_json_print(advice);
  struct tu_http_response r;
  long status = tu_http("POST", url, headers, body, &r) == 0 ? r.status : -1;
  tu_http_response_free(&r);
  cg_free(body);
  return status;
}

long sides_wms_return(struct e2e *t, const char *rma, const char *order_ref,
                      const char *line_ref, const char *sku, long qty,
                      const char *disposition)
{
  cJSON *advice = advice_of(rma, order_ref, line_ref, sku, qty);
  long status = post_advice(t, advice);
  cJSON_Delete(advice);
  if (status != 202)
    return status;
  cJSON *rcv = cJSON_CreateObject();
  cJSON *l = cJSON_CreateObject();
  cg_json_add_str(l, "lineRef", line_ref);
  cg_json_add_str(l, "condition",
                  strcmp(disposition, "RESTOCK") == 0 ? "SELLABLE" : "DAMAGED");
  cg_json_add_str(l, "disposition", disposition);
  cJSON_AddItemToArray(cJSON_AddArrayToObject(rcv, "lines"), l);
  char path[160], *body = cg_json_print(rcv);
  snprintf(path, sizeof(path), "/_sim/wms/returns/%s/receive", rma);
  status = sides_control(t, 'g', path, body);
  cg_free(body);
  cJSON_Delete(rcv);
  return status;
}
