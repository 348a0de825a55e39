/*
 * demo_returns: the demo's returns act (issue 12, docs/operations.md
 * "The demo"). Once a few orders have shipped, three customers send
 * something back: a return is created in the simulated Centra for one
 * unit of each order's first line; when the warehouse expects them (the
 * engine advised them), the simulated warehouse receives them:
 *
 *   1. as sold (SELLABLE, RESTOCK)       -> completed and refunded
 *   2. "too small" but DAMAGED           -> held: condition other than
 *                                           advised (RETURN_MISMATCH)
 *   3. nothing in the parcel             -> held: NOT_RECEIVED
 *
 * Everything goes through the engine; the demo only plays the customer
 * service agent in Centra and the warehouse's goods-in desk, through the
 * simulators' control APIs (demo_int.h).
 */
#include "app/demo_int.h"

#include "base/json.h"
#include "base/mem.h"
#include "flows/flow.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHIPPED_FIRST 3 /* orders shipped before the act starts */

static const char *const comments[CG_DEMO_RETURNS] = {
    "customer changed her mind", "too small, poor fit", "poor fit"};

/* The receipt the warehouse reports for case i of line line_ref. */
static cJSON *receipt(int i, const char *line_ref)
{
  cJSON *body = cJSON_CreateObject();
  cJSON *lines = cJSON_AddArrayToObject(body, "lines");
  cJSON *l = cJSON_CreateObject();
  cJSON_AddItemToArray(lines, l);
  cg_json_add_str(l, "lineRef", line_ref);
  if (i == 1) {
    cg_json_add_str(l, "condition", "DAMAGED");
    cg_json_add_str(l, "disposition", "QUARANTINE");
  } else if (i == 2) {
    cg_json_add_int(l, "quantityReceived", 0);
    cg_json_add_str(l, "condition", "NOT_RECEIVED");
  }
  return body;
}

/* A Centra return of one unit of line l of order number, with the
 * customer's words; its id, or 0 when the simulator refused it. */
static int64_t create_return(int port, const char *number,
                             const struct cg_store_order_line *l,
                             const char *comment)
{
  cJSON *spec = cJSON_CreateObject();
  cJSON *line = cJSON_CreateObject();
  cg_json_add_int(spec, "orderNumber", strtoll(number, NULL, 10));
  cg_json_add_str(spec, "comment", comment);
  cJSON_AddItemToArray(cJSON_AddArrayToObject(spec, "lines"), line);
  cg_json_add_str(line, "sku", l->sku);
  cg_json_add_int(line, "quantity", 1);
  char *body = cg_json_print(spec);
  cJSON *r =
      body ? cg__demo_sim_request(port, "/_sim/centra/returns", body) : NULL;
  int64_t id = cg_json_int(r, "id", 0);
  cJSON_Delete(r);
  cg_free(body);
  cJSON_Delete(spec);
  return id;
}

/* Tries the shipped order number as case r->n. */
static void try_order(struct cg_demo_returns *r, struct cg_flow *f, int port,
                      const char *number)
{
  struct cg_store_order_line_list lines = {0};
  if (cg_store_order_lines_list(f->store, number, &lines, NULL) == 0 &&
      lines.n > 0) {
    int64_t id = create_return(port, number, &lines.items[0], comments[r->n]);
    if (id > 0) {
      r->ids[r->n] = id;
      snprintf(r->line_refs[r->n], sizeof(r->line_refs[0]), "%s",
               lines.items[0].line_ref);
      r->n++;
    }
  }
  cg_store_order_line_list_clear(&lines);
}

/* The customers send their parcels back. */
static void create_returns(struct cg_demo_returns *r, struct cg_flow *f,
                           int port)
{
  struct cg_store_order_list shipped = {0};
  cg_store_order_list(f->store, CG_STORE_ORDER_SHIPPED, 0, 20, &shipped, NULL);
  if (shipped.n >= SHIPPED_FIRST) {
    for (size_t i = 0; i < shipped.n && r->n < CG_DEMO_RETURNS; i++)
      try_order(r, f, port, shipped.items[i].number);
    r->phase = CG_DEMO_RETURNS_CREATED;
    fprintf(stderr,
            "[demo] returns: %d customers send something back; customer "
            "service creates the returns in Centra\n",
            r->n);
  }
  cg_store_order_list_clear(&shipped);
}

/* The warehouse's goods-in desk opens the parcels. */
static void receive_returns(struct cg_demo_returns *r, int port)
{
  char path[96];
  for (int i = 0; i < r->n; i++) {
    cJSON *body = receipt(i, r->line_refs[i]);
    char *text = cg_json_print(body);
    snprintf(path, sizeof(path), "/_sim/wms/returns/%lld/receive",
             (long long)r->ids[i]);
    cJSON_Delete(text ? cg__demo_sim_request(port, path, text) : NULL);
    cg_free(text);
    cJSON_Delete(body);
  }
  r->phase = CG_DEMO_RETURNS_RECEIVED;
  fprintf(stderr, "[demo] returns: the warehouse received the parcels: one "
                  "as sold, one damaged, one empty\n");
}

void cg__demo_returns_tick(struct cg_demo_returns *r, struct cg_flow *f,
                           int port_centra, int port_gxo)
{
  if (f == NULL || f->returns == NULL)
    return;
  if (r->phase == CG_DEMO_RETURNS_NONE)
    create_returns(r, f, port_centra);
  else if (r->phase == CG_DEMO_RETURNS_CREATED && r->n > 0 &&
           f->metrics.returns_advised >= (uint64_t)r->n)
    receive_returns(r, port_gxo);
}

void cg__demo_returns_summary(const struct cg_flow *f, cJSON *summary)
{
  cJSON *s = cJSON_AddObjectToObject(summary, "returns");
  cg_json_add_int(s, "advised", (int64_t)f->metrics.returns_advised);
  cg_json_add_int(s, "received", (int64_t)f->metrics.returns_received);
  cg_json_add_int(s, "completed", (int64_t)f->metrics.returns_completed);
  cg_json_add_int(s, "refunded", (int64_t)f->metrics.returns_refunded);
  cg_json_add_int(s, "held", (int64_t)f->metrics.returns_held);
}
