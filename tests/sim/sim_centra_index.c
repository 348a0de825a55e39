/*
 * sim_centra_index: the simulated Centra's look-ups by key, so a request
 * costs the same whatever number of orders and events the simulator holds.
 * Catalogue sizes by SKU, orders by number, hash id and externalId,
 * order lines by SKU (allocated stock: a products page rendered every
 * size's allocation by scanning every order), events by id, and the end
 * of the confirmed prefix of the events queue. The arrays stay the store (in
 * their order, for lists); the maps only point into them. When the maps
 * cannot be trusted (an insert failed, or seeded orders share an
 * externalId, which set_external_id then has to clear everywhere) the
 * look-ups scan the arrays as before.
 */
#include "sim_centra.h"

#include "base/err.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"

#include <string.h>

/* An index insert failed: from now on every look-up scans. */
static void index_lost(struct sim_centra *c)
{
  if (!c->index_lost)
    cg_log_error("sim:centra", "out of memory indexing; look-ups scan");
  c->index_lost = true;
}

static void put_first_str(struct sim_centra *c, struct cg_map *m,
                          const char *key, cJSON *item)
{
  if (key != NULL && cg_map_get_str(m, key) == NULL &&
      cg_map_put_str(m, key, item) != 0)
    index_lost(c);
}

/* The lines of sku, added (empty) when new; NULL on ENOMEM. */
static struct sc_sku_lines *sku_lines_get(struct sim_centra *c, const char *sku)
{
  struct sc_sku_lines *s = cg_map_get_str(&c->lines_by_sku, sku);
  if (s != NULL)
    return s;
  s = cg_calloc(1, sizeof(*s));
  if (s == NULL || sim_vec_push(&c->sku_lines, s) != 0) {
    cg_free(s);
    return NULL;
  }
  if (cg_map_put_str(&c->lines_by_sku, sku, s) != 0)
    return NULL; /* freed with c->sku_lines */
  return s;
}

static int sku_lines_add(struct sc_sku_lines *s, const cJSON *order,
                         const cJSON *line)
{
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 8;
    struct sc_line_ref *grown = cg_realloc(s->v, cap * sizeof(*grown));
    if (grown == NULL)
      return CG_ENOMEM;
    s->v = grown;
    s->cap = cap;
  }
  s->v[s->n++] = (struct sc_line_ref){order, line};
  return 0;
}

/* Each line of a stored order under its SKU (lines are made with the
 * order and keep their SKU). */
static void index_lines(struct sim_centra *c, const cJSON *order)
{
  const cJSON *l;
  cJSON_ArrayForEach(l, cg_json_get(order, "lines"))
  {
    const char *sku = cg_json_str(l, "productSize.SKU");
    struct sc_sku_lines *s = sku ? sku_lines_get(c, sku) : NULL;
    if (sku != NULL && (s == NULL || sku_lines_add(s, order, l) != 0))
      index_lost(c);
  }
}

void sim_centra__index_order(struct sim_centra *c, cJSON *order)
{
  const char *ext = cg_json_str(order, "externalId");
  index_lines(c, order);
  if (cg_map_put_int(&c->orders_by_number, cg_json_int(order, "number", 0),
                     order) != 0)
    index_lost(c);
  put_first_str(c, &c->orders_by_id, cg_json_str(order, "id"), order);
  if (ext != NULL && cg_map_get_str(&c->orders_by_external_id, ext) != NULL)
    c->external_id_shared = true;
  put_first_str(c, &c->orders_by_external_id, ext, order);
}

static bool is_open(const char *status)
{
  return status != NULL &&
         (strcmp(status, "PENDING") == 0 || strcmp(status, "CONFIRMED") == 0 ||
          strcmp(status, "PROCESSING") == 0);
}

/* A line's units still to ship (0 unless its order is open). */
static int64_t line_open(const cJSON *order, const cJSON *l)
{
  if (!is_open(cg_json_str(order, "status")))
    return 0;
  int64_t open = cg_json_int(l, "quantity", 0) -
                 cg_json_int(l, "cancelledQuantity", 0) -
                 cg_json_int(l, "shippedQuantity", 0);
  return open > 0 ? open : 0;
}

int64_t sim_centra__allocated(struct sim_centra *c, const char *sku)
{
  int64_t sum = 0;
  const cJSON *o, *l;
  if (!c->index_lost) {
    const struct sc_sku_lines *s =
        sku ? cg_map_get_str(&c->lines_by_sku, sku) : NULL;
    for (size_t i = 0; s != NULL && i < s->n; i++)
      sum += line_open(s->v[i].order, s->v[i].line);
    return sum;
  }
  cJSON_ArrayForEach(o, c->orders)
  {
    cJSON_ArrayForEach(l, cg_json_get(o, "lines"))
    {
      const char *lsku = cg_json_str(l, "productSize.SKU");
      if (lsku != NULL && sku != NULL && strcmp(lsku, sku) == 0)
        sum += line_open(o, l);
    }
  }
  return sum;
}

cJSON *sim_centra__order_by_number(struct sim_centra *c, int64_t number)
{
  if (c->index_lost)
    return sim_centra__find_int(c->orders, "number", number);
  return cg_map_get_int(&c->orders_by_number, number);
}

cJSON *sim_centra__order_by_id(struct sim_centra *c, const char *id)
{
  if (c->index_lost)
    return sim_centra__find_str(c->orders, "id", id);
  return cg_map_get_str(&c->orders_by_id, id);
}

cJSON *sim_centra__order_by_external_id(struct sim_centra *c, const char *ext)
{
  if (c->index_lost || c->external_id_shared)
    return sim_centra__find_str(c->orders, "externalId", ext);
  return cg_map_get_str(&c->orders_by_external_id, ext);
}

/* Clears nv on every order but order (externalIds are unique). */
static void clear_external_id(struct sim_centra *c, const cJSON *order,
                              const char *nv)
{
  cJSON *other;
  if (!c->index_lost && !c->external_id_shared) {
    other = cg_map_del_str(&c->orders_by_external_id, nv);
    if (other != NULL && other != order)
      sim_centra__set(other, "externalId", cJSON_CreateNull());
    return;
  }
  cJSON_ArrayForEach(other, c->orders)
  {
    const char *x = cg_json_str(other, "externalId");
    if (other != order && x != NULL && strcmp(x, nv) == 0)
      sim_centra__set(other, "externalId", cJSON_CreateNull());
  }
}

void sim_centra__set_external_id(struct sim_centra *c, cJSON *order,
                                 const char *nv)
{
  const char *old = cg_json_str(order, "externalId");
  if (old != NULL && !c->external_id_shared)
    cg_map_del_str(&c->orders_by_external_id, old);
  if (nv != NULL)
    clear_external_id(c, order, nv);
  sim_centra__set(order, "externalId",
                  nv ? cJSON_CreateString(nv) : cJSON_CreateNull());
  if (nv != NULL && !c->external_id_shared &&
      cg_map_put_str(&c->orders_by_external_id, nv, order) != 0)
    index_lost(c);
}

void sim_centra__index_event(struct sim_centra *c, cJSON *ev)
{
  if (cg_map_put_int(&c->events_by_id, cg_json_int(ev, "id", 0), ev) != 0)
    index_lost(c);
}

cJSON *sim_centra__event_by_id(struct sim_centra *c, int64_t id)
{
  if (c->index_lost)
    return sim_centra__find_int(c->events, "id", id);
  return cg_map_get_int(&c->events_by_id, id);
}

const cJSON *sim_centra__events_open(struct sim_centra *c)
{
  const cJSON *ev = c->events_done ? c->events_done->next : c->events->child;
  while (ev != NULL && cg_json_bool(ev, "confirmed", false)) {
    c->events_done = ev;
    ev = ev->next;
  }
  return ev;
}

/* The product of id, added (with info) when new; NULL on ENOMEM. */
static struct sc_product *product_get(struct sim_centra *c, int64_t id,
                                      const cJSON *info)
{
  struct sc_product *p = cg_map_get_int(&c->products_by_id, id);
  if (p != NULL)
    return p;
  p = cg_calloc(1, sizeof(*p));
  if (p == NULL || sim_vec_push(&c->products, p) != 0) {
    cg_free(p);
    return NULL;
  }
  *p = (struct sc_product){.id = id, .info = info};
  if (cg_map_put_int(&c->products_by_id, id, p) != 0) {
    c->products.n--;
    cg_free(p);
    return NULL;
  }
  return p;
}

void sim_centra__index_size(struct sim_centra *c, cJSON *size)
{
  const cJSON *info = cg_json_get(size, "productVariant.product");
  put_first_str(c, &c->sizes_by_sku, cg_json_str(size, "SKU"), size);
  struct sc_product *p = product_get(c, cg_json_int(info, "id", 0), info);
  if (p == NULL || sim_vec_push(&p->sizes, size) != 0)
    index_lost(c);
}

void sim_centra__index_free(struct sim_centra *c)
{
  for (size_t i = 0; i < c->products.n; i++) {
    struct sc_product *p = c->products.v[i];
    sim_vec_free(&p->sizes);
    cg_free(p);
  }
  sim_vec_free(&c->products);
  for (size_t i = 0; i < c->sku_lines.n; i++) {
    struct sc_sku_lines *s = c->sku_lines.v[i];
    cg_free(s->v);
    cg_free(s);
  }
  sim_vec_free(&c->sku_lines);
  cg_map_free(&c->lines_by_sku);
  cg_map_free(&c->products_by_id);
  cg_map_free(&c->sizes_by_sku);
  cg_map_free(&c->orders_by_number);
  cg_map_free(&c->orders_by_id);
  cg_map_free(&c->orders_by_external_id);
  cg_map_free(&c->events_by_id);
  c->events_done = NULL;
}
