/*
 * sim_wms: lifecycle of the simulated warehouse, the shared reply helper
 * that records idempotent answers, lookups, and the scenario loader. See
 * sim_wms.h for the module map.
 */
#include "sim_wms.h"

#include "sim_port.h"

#include "base/err.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/time.h"
#include "net/http_server.h"
#include "net/router.h"

#include <stdio.h>
#include <string.h>

static const char *const default_services[][2] = {
    {"POSTNORD", "PN-MYPACK-HOME"}, {"POSTNORD", "PN-MYPACK-COLLECT"},
    {"POSTNORD", "PN-PARCEL"},      {"DHL", "DHL-EXPRESS"},
    {"DHL", "DHL-PARCEL-CONNECT"},  {"UPS", "UPS-STANDARD"},
    {"UPS", "UPS-EXPRESS"},         {"DPD", "DPD-CLASSIC"},
    {"BUDBEE", "BUDBEE-HOME"},      {"INSTABOX", "INSTABOX-LOCKER"},
};

static cJSON *services_default(void)
{
  cJSON *arr = cJSON_CreateArray();
  for (size_t i = 0; i < sizeof(default_services) / sizeof(*default_services);
       i++) {
    cJSON *pair = cJSON_CreateStringArray(default_services[i], 2);
    cJSON_AddItemToArray(arr, pair);
  }
  return arr;
}

struct sim_wms *sim_wms_create(struct sim_ctx *ctx)
{
  struct sim_wms *w = cg_calloc(1, sizeof(*w));
  if (w == NULL)
    return NULL;
  w->ctx = ctx;
  snprintf(w->site_id, sizeof(w->site_id), "SE-GBG1");
  w->auto_accept = true;
  w->accept_after_ms = 50;
  w->auto_dispatch_shipments = 1;
  w->token_ttl_s =
      ctx->opts.gxo_token_ttl_s > 0 ? ctx->opts.gxo_token_ttl_s : 3600;
  w->auto_reject = cJSON_CreateArray();
  w->services = services_default();
  w->timer = cg_calloc(1, sizeof(*w->timer));
  if (w->auto_reject == NULL || w->services == NULL || w->timer == NULL) {
    cg_free(w->timer);
    w->timer = NULL;
    sim_wms_destroy(w);
    return NULL;
  }
  uv_timer_init(ctx->loop, w->timer);
  w->timer->data = w;
  return w;
}

static void free_vec(struct sim_vec *v, void (*fn)(void *))
{
  for (size_t i = 0; i < v->n; i++)
    fn(v->v[i]);
  sim_vec_free(v);
}

static void free_plain(void *p)
{
  cg_free(p);
}

static void free_sub(void *p)
{
  struct wms_sub *s = p;
  cg_free(s->url);
  cg_free(s->secret);
  cJSON_Delete(s->types);
  cg_free(s);
}

static void free_event(void *p)
{
  struct wms_event *e = p;
  cJSON_Delete(e->env);
  cg_free(e);
}

static void free_item(void *p)
{
  struct wms_item *it = p;
  cg_free(it->sku);
  cJSON_Delete(it->doc);
  cg_free(it);
}

static void free_order(void *p)
{
  sim_wms__order_free(p);
}

static void free_idem(void *p)
{
  sim_wms__idem_free(p);
}

static void free_rma(void *p)
{
  sim_wms__rma_free(p);
}

void sim_wms_destroy(struct sim_wms *w)
{
  if (w == NULL)
    return;
  sim_wms__jobs_stop(w);
  cg_map_free(&w->idem_by_key);
  cg_map_free(&w->orders_by_ref);
  cg_map_free(&w->items_by_sku);
  cg_map_free(&w->stock_by_sku);
  free_vec(&w->tokens, free_plain);
  free_vec(&w->idem, free_idem);
  free_vec(&w->orders, free_order);
  free_vec(&w->events, free_event);
  free_vec(&w->subs, free_sub);
  free_vec(&w->items, free_item);
  free_vec(&w->rmas, free_rma);
  sim_wms__stock_free(w);
  cJSON_Delete(w->auto_reject);
  cJSON_Delete(w->services);
  cJSON_Delete(w->item_rules);
  cg_free(w->rotated_secret);
  cJSON_Delete(w->drop_types);
  cg_free(w);
}

int sim_wms_routes(struct sim_wms *w, struct cg_router *r)
{
  int rc = sim_wms__auth_routes(w, r);
  rc = rc ? rc : sim_wms__orders_routes(w, r);
  rc = rc ? rc : sim_wms__stock_routes(w, r);
  rc = rc ? rc : sim_wms__returns_routes(w, r);
  rc = rc ? rc : sim_wms__events_routes(w, r);
  rc = rc ? rc : sim_wms__control_routes(w, r);
  return rc;
}

void sim_wms_port_hooks(struct sim_wms *w, struct sim_port *port)
{
  sim_port_set_hooks(port, sim_wms__pre, sim_wms__post, w);
}

/* --- replies -------------------------------------------------------------- */

void sim_wms__reply(struct cg_http_exchange *ex, int status, const char *ctype,
                    const char *body, size_t len)
{
  struct wms_idem *e = cg_http_exchange_data(ex);
  if (e != NULL && e->in_flight) {
    e->status = status;
    e->ctype = cg_strdup(ctype ? ctype : "");
    e->resp = cg_strndup(body ? body : "", len);
    e->resp_len = len;
    e->in_flight = false;
    cg_http_exchange_set_data(ex, NULL);
  }
  cg_http_respond(ex, status, len ? ctype : NULL, body, len);
}

void sim_wms__reply_json(struct cg_http_exchange *ex, int status, cJSON *doc)
{
  char *text = cg_json_print(doc);
  cJSON_Delete(doc);
  if (text == NULL) {
    cg_http_respond_json(ex, 500, "{\"error\":\"out of memory\"}");
    return;
  }
  sim_wms__reply(ex, status, "application/json", text, strlen(text));
  cg_free(text);
}

void sim_wms__reply_problem(struct cg_http_exchange *ex, cJSON *problem)
{
  int status = (int)cg_json_int(problem, "status", 500);
  char *text = cg_json_print(problem);
  cJSON_Delete(problem);
  if (text == NULL) {
    cg_http_respond_json(ex, 500, "{\"error\":\"out of memory\"}");
    return;
  }
  sim_wms__reply(ex, status, "application/problem+json", text, strlen(text));
  cg_free(text);
}

void sim_wms__fail(struct cg_http_exchange *ex, int status, const char *code,
                   const char *detail, const char *pointer)
{
  sim_wms__reply_problem(ex, sim_problem(status, code, detail, pointer));
}

/* --- lookups -------------------------------------------------------------- */

int sim_wms__keep(struct sim_vec *vec, struct cg_map *map, const char *key,
                  void *p)
{
  if (sim_vec_push(vec, p) != 0)
    return CG_ENOMEM;
  if (cg_map_put_str(map, key, p) != 0) {
    vec->n--;
    return CG_ENOMEM;
  }
  return 0;
}

struct wms_order *sim_wms__order_find(struct sim_wms *w, const char *ref)
{
  return cg_map_get_str(&w->orders_by_ref, ref);
}

struct wms_order *sim_wms__order_get(struct sim_wms *w, const char *ref)
{
  struct wms_order *o = sim_wms__order_find(w, ref);
  if (o != NULL)
    return o;
  o = cg_calloc(1, sizeof(*o));
  if (o == NULL)
    return NULL;
  o->ref = cg_strdup(ref);
  o->keys = cJSON_CreateArray();
  o->shipments = cJSON_CreateArray();
  if (!o->ref || !o->keys || !o->shipments ||
      sim_wms__keep(&w->orders, &w->orders_by_ref, o->ref, o) != 0) {
    sim_wms__order_free(o);
    return NULL;
  }
  return o;
}

struct wms_line *sim_wms__line_find(struct wms_order *o, const char *line_ref)
{
  for (size_t i = 0; line_ref != NULL && i < o->nlines; i++)
    if (strcmp(o->lines[i].line_ref, line_ref) == 0)
      return &o->lines[i];
  return NULL;
}

struct wms_item *sim_wms__item_find(struct sim_wms *w, const char *sku)
{
  return cg_map_get_str(&w->items_by_sku, sku);
}

char *sim_wms__next_ref(struct sim_wms *w, const char *seq, const char *prefix,
                        char *out, size_t size)
{
  snprintf(out, size, "%s%06llu", prefix,
           (unsigned long long)sim_ctx_next_id(w->ctx, seq));
  return out;
}

char *sim_wms__now_iso(char *buf, size_t size)
{
  return cg_time_format_iso8601_s(cg_time_now_ms(), buf, size);
}

/* --- scenario ------------------------------------------------------------- */

struct cat_ctx {
  const char *name, *style, *colour, *hs, *origin;
  double weight;
};

static const char *str2(const cJSON *o, const char *a, const char *b)
{
  const char *v = cg_json_str(o, a);
  return v ? v : cg_json_str(o, b);
}

static cJSON *catalogue_item(const cJSON *size, const struct cat_ctx *c)
{
  const char *sku = str2(size, "sku", "SKU");
  const char *sz = str2(size, "size", "sizeNumber");
  char desc[256];
  cJSON *it = cJSON_CreateObject();
  snprintf(desc, sizeof(desc), "%s%s%s%s%s", c->name ? c->name : sku,
           c->colour ? " " : "", c->colour ? c->colour : "", sz ? " " : "",
           sz ? sz : "");
  cg_json_add_str(it, "sku", sku);
  cg_json_add_str(it, "gtin", str2(size, "ean", "EAN"));
  cg_json_add_str(it, "description", desc);
  cJSON *attr = cJSON_AddObjectToObject(it, "attributes");
  cg_json_add_str(attr, "style", c->style);
  cg_json_add_str(attr, "colour", c->colour);
  cg_json_add_str(attr, "size", sz);
  cg_json_add_str(it, "uom", "EA");
  cJSON_AddNumberToObject(it, "weightKg", c->weight > 0 ? c->weight : 0.5);
  cg_json_add_str(it, "hsCode", c->hs ? c->hs : "620193");
  cg_json_add_str(it, "countryOfOrigin", c->origin ? c->origin : "PT");
  cg_json_add_str(it, "status", "ACTIVE");
  return it;
}

static void inherit(const cJSON *o, struct cat_ctx *c)
{
  const char *v;
  if ((v = str2(o, "productNumber", "style")) != NULL)
    c->style = v;
  if ((v = str2(o, "variantName", "colour")) != NULL ||
      (v = cg_json_str(o, "variant")) != NULL)
    c->colour = v;
  if ((v = str2(o, "hsCode", "harmonizedCommodityCode")) != NULL)
    c->hs = v;
  if ((v = cg_json_str(o, "countryOfOrigin")) != NULL)
    c->origin = v;
  if (c->name == NULL && (v = cg_json_str(o, "name")) != NULL)
    c->name = v;
  else if (c->colour == NULL && (v = cg_json_str(o, "name")) != NULL)
    c->colour = v;
  const cJSON *wt = cJSON_GetObjectItemCaseSensitive(o, "weightKg");
  if (!cJSON_IsNumber(wt))
    wt = cJSON_GetObjectItemCaseSensitive(o, "weight");
  if (cJSON_IsNumber(wt))
    c->weight = wt->valuedouble;
}

/* The warehouse's share of a size's Centra stock: a number, {"1": n} or
 * [{"warehouse": 1, "quantity": n}]; GXO is Centra warehouse 1. */
static int64_t gxo_stock(const cJSON *size)
{
  const cJSON *st = cJSON_GetObjectItemCaseSensitive(size, "stock"), *e;
  if (cJSON_IsNumber(st))
    return (int64_t)st->valuedouble;
  if (cJSON_IsObject(st))
    return cg_json_int(st, "1", 0);
  cJSON_ArrayForEach(e, st)
  {
    if (cg_json_int(e, "warehouse", 1) == 1)
      return cg_json_int(e, "quantity", 0);
  }
  return 0;
}

/* Walks the catalogue in whatever nesting the Centra side uses (products
 * -> variants -> sizes, or a flat list) and collects every object with a
 * "sku"/"SKU" as an item plus its "stock" quantity. */
static void walk_catalogue(const cJSON *node, struct cat_ctx c, cJSON *items,
                           cJSON *stock)
{
  const cJSON *ch;
  if (cJSON_IsObject(node)) {
    inherit(node, &c);
    const char *sku = str2(node, "sku", "SKU");
    if (sku != NULL) {
      cJSON_AddItemToArray(items, catalogue_item(node, &c));
      cJSON *s = cJSON_CreateObject();
      cg_json_add_str(s, "sku", sku);
      cg_json_add_int(s, "quantity", gxo_stock(node));
      cJSON_AddItemToArray(stock, s);
      return;
    }
  }
  cJSON_ArrayForEach(ch, node)
  {
    if (cJSON_IsObject(ch) || cJSON_IsArray(ch))
      walk_catalogue(ch, c, items, stock);
  }
}

static int load_warehouse(struct sim_wms *w, const cJSON *wh,
                          const cJSON *items, const cJSON *stock)
{
  char msg[256] = "";
  const cJSON *wi = cg_json_get(wh, "items");
  const cJSON *ws = cg_json_get(wh, "stock");
  int rc =
      sim_wms__seed_items(w, cJSON_IsArray(wi) ? wi : items, msg, sizeof(msg));
  if (rc == 0)
    rc = sim_wms__seed_stock(w, cJSON_IsArray(ws) ? ws : stock, msg,
                             sizeof(msg));
  if (rc == 0 && wh != NULL)
    rc = sim_wms__settings_apply(w, wh, msg, sizeof(msg));
  if (rc != 0)
    fprintf(stderr, "centra-gxo-sim: scenario warehouse: %s\n", msg);
  return rc;
}

int sim_wms_load_scenario(struct sim_wms *w, const cJSON *scenario)
{
  struct cat_ctx c = {0};
  cJSON *items = cJSON_CreateArray(), *stock = cJSON_CreateArray();
  const cJSON *wh = cg_json_get(scenario, "warehouse");
  int rc = CG_ENOMEM;
  if (items != NULL && stock != NULL) {
    const cJSON *cat = cg_json_get(scenario, "catalogue");
    if (cat != NULL)
      walk_catalogue(cat, c, items, stock);
    rc = load_warehouse(w, cJSON_IsObject(wh) ? wh : NULL, items, stock);
  }
  cJSON_Delete(items);
  cJSON_Delete(stock);
  return rc;
}
