/*
 * sim_centra_order_query: the `orders` query of the simulated Centra, its
 * filters (OrderFilter), orderDate_ASC sort and paging.
 *
 * A page of a large list tests every order against the filter and sorts
 * the matches. The engine reads a long list page after page with the same
 * filter, so the sorted matches are kept (c->orders_hits) for the next
 * page while no order changed: every change of an order is an Order event,
 * which moves c->orders_gen (sim_centra__event). Each page renders the
 * orders as they are now.
 */
#include "sim_centra.h"

#include "base/json.h"
#include "base/mem.h"
#include "base/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An orders query's where, read once per request (a page of a large list
 * tests every order): the lists and flags it names (NULL: not named), and
 * each DateRange with its bounds parsed. The order is read only for the
 * members named. */
struct where_range {
  bool set, has_from, has_to;
  int64_t from, to;
  bool cached; /* last holds the last time parsed, last_rc and last_t */
  char last[40];
  int64_t last_t;
  int last_rc;
};

static const char *const FLAG_KEYS[] = {"isOnHold", "isWaitingForPayment",
                                        "isLocked"};
static const char *const RANGE_KEYS[] = {"updatedAt", "createdAt", "orderDate"};
#define N_FLAGS (sizeof(FLAG_KEYS) / sizeof(FLAG_KEYS[0]))
#define N_RANGES (sizeof(RANGE_KEYS) / sizeof(RANGE_KEYS[0]))

struct order_where {
  const cJSON *status, *id, *number, *external_id;
  const cJSON *flags[N_FLAGS];
  struct where_range ranges[N_RANGES];
  bool store_ok;
};

static const cJSON *where_list(const cJSON *where, const char *key)
{
  const cJSON *l = cJSON_GetObjectItemCaseSensitive(where, key);
  return cJSON_IsNull(l) ? NULL : l;
}

static void where_read(struct order_where *w, const cJSON *where)
{
  w->status = where_list(where, "status");
  w->id = where_list(where, "id");
  w->number = where_list(where, "number");
  w->external_id = where_list(where, "externalId");
  w->store_ok = sim_centra__store_type_ok(where);
  for (size_t i = 0; i < N_FLAGS; i++) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(where, FLAG_KEYS[i]);
    w->flags[i] = cJSON_IsBool(v) ? v : NULL;
  }
  for (size_t i = 0; i < N_RANGES; i++) {
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(where, RANGE_KEYS[i]);
    struct where_range *wr = &w->ranges[i];
    wr->set = cJSON_IsObject(r);
    wr->has_from = wr->set && cg_time_parse_iso8601(cg_json_str(r, "from"),
                                                    &wr->from) == 0;
    wr->has_to =
        wr->set && cg_time_parse_iso8601(cg_json_str(r, "to"), &wr->to) == 0;
    wr->cached = false;
  }
}

static const char *member_str(const cJSON *o, const char *key)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* cg_time_parse_iso8601 of at, remembering the last one parsed (orders
 * made in the same second share it). */
static int parse_time(struct where_range *r, const char *at, int64_t *t)
{
  size_t n = at != NULL ? strlen(at) : 0;
  if (at == NULL || n >= sizeof(r->last))
    return cg_time_parse_iso8601(at, t);
  if (!r->cached || strcmp(at, r->last) != 0) {
    r->last_rc = cg_time_parse_iso8601(at, &r->last_t);
    memcpy(r->last, at, n + 1);
    r->cached = true;
  }
  *t = r->last_t;
  return r->last_rc;
}

/* As sim_centra__in_range: a time that does not parse is in range. */
static bool in_where_range(const cJSON *o, const char *key,
                           struct where_range *r)
{
  int64_t t;
  if (!r->set || parse_time(r, member_str(o, key), &t) != 0)
    return true;
  return !(r->has_from && t < r->from) && !(r->has_to && t > r->to);
}

static bool order_matches(const cJSON *o, struct order_where *w)
{
  if (!w->store_ok ||
      (w->status &&
       !sim_centra__in_str_list(w->status, member_str(o, "status"))) ||
      (w->id && !sim_centra__in_str_list(w->id, member_str(o, "id"))) ||
      (w->number &&
       !sim_centra__in_int_list(w->number, cg_json_int(o, "number", 0))) ||
      (w->external_id &&
       !sim_centra__in_str_list(w->external_id, member_str(o, "externalId"))))
    return false;
  for (size_t i = 0; i < N_FLAGS; i++)
    if (w->flags[i] != NULL &&
        cg_json_bool(o, FLAG_KEYS[i], false) != cJSON_IsTrue(w->flags[i]))
      return false;
  for (size_t i = 0; i < N_RANGES; i++)
    if (!in_where_range(o, RANGE_KEYS[i], &w->ranges[i]))
      return false;
  return true;
}

/* A matching order with its sort key, read once rather than in every
 * comparison. */
struct sc_order_hit {
  const cJSON *o;
  const char *date;
  int64_t number;
};

static bool add_hit(struct sc_order_hits *h, const cJSON *o)
{
  if (h->n == h->cap) {
    size_t cap = h->cap ? h->cap * 2 : 256;
    struct sc_order_hit *grown = cg_realloc(h->v, cap * sizeof(*grown));
    if (grown == NULL)
      return false;
    h->v = grown;
    h->cap = cap;
  }
  const char *date = cg_json_str(o, "orderDate");
  h->v[h->n++] =
      (struct sc_order_hit){o, date ? date : "", cg_json_int(o, "number", 0)};
  return true;
}

/* orderDate_ASC, the one OrderSort value: by date, then number. */
static int cmp_order_date(const void *a, const void *b)
{
  const struct sc_order_hit *x = a, *y = b;
  int r = strcmp(x->date, y->date);
  if (r != 0)
    return r;
  return x->number < y->number ? -1 : (x->number > y->number ? 1 : 0);
}

/* where.number names one order (the engine's look-up by number): the
 * index gives the only candidate in *only (NULL: no such order). */
static bool single_number(struct sim_centra *c, const cJSON *where,
                          const cJSON **only)
{
  const cJSON *list = cg_json_get(where, "number");
  if (cJSON_GetArraySize(list) != 1 || !cJSON_IsNumber(list->child))
    return false;
  *only = sim_centra__order_by_number(c, (int64_t)list->child->valuedouble);
  return true;
}

/* The matches of where (sorted when asked), as kept or found now; NULL
 * when out of memory. */
static const struct sc_order_hits *hits_for(struct sim_centra *c,
                                            const cJSON *where, bool sorted)
{
  struct sc_order_hits *h = &c->orders_hits;
  char *key = where != NULL ? cg_json_print(where) : cg_strdup("null");
  if (key != NULL && h->key != NULL && h->gen == c->orders_gen &&
      h->sorted == sorted && strcmp(h->key, key) == 0) {
    cg_free(key);
    return h;
  }
  cg_free(h->key);
  h->key = NULL;
  h->n = 0;
  struct order_where w;
  where_read(&w, where);
  const cJSON *o;
  for (o = c->orders->child; o != NULL; o = o->next)
    if (order_matches(o, &w) && !add_hit(h, o)) {
      cg_free(key);
      return NULL;
    }
  if (sorted && h->n > 1)
    qsort(h->v, h->n, sizeof(*h->v), cmp_order_date);
  h->key = key;
  h->gen = c->orders_gen;
  h->sorted = sorted;
  return key != NULL ? h : NULL;
}

void sim_centra__orders_hits_free(struct sim_centra *c)
{
  cg_free(c->orders_hits.v);
  cg_free(c->orders_hits.key);
  memset(&c->orders_hits, 0, sizeof(c->orders_hits));
}

/* The page of orders (hits[first..first+limit)) as the API answers. */
static cJSON *page_of(struct sim_centra *c, const struct sc_order_hit *v,
                      size_t n, int limit, int page)
{
  cJSON *out = cJSON_CreateArray();
  size_t first = (size_t)(page - 1) * (size_t)limit;
  for (size_t i = first; i < n && i < first + (size_t)limit; i++)
    cJSON_AddItemToArray(out, sim_centra__order_view(c, v[i].o, c->needs));
  return out;
}

cJSON *sim_centra__op_orders(struct sim_centra *c, const cJSON *args,
                             const char **err)
{
  int limit, page;
  const cJSON *where = cg_json_get(args, "where"), *only = NULL;
  if (sim_centra__paging(args, 20, 200, &limit, &page, err))
    return NULL;
  if (single_number(c, where, &only)) {
    struct order_where w;
    where_read(&w, where);
    struct sc_order_hit one = {only, "", 0};
    bool hit = only != NULL && order_matches(only, &w);
    return page_of(c, &one, hit ? 1 : 0, limit, page);
  }
  const struct sc_order_hits *h =
      hits_for(c, where, cJSON_GetArraySize(cg_json_get(args, "sort")) > 0);
  if (h == NULL) {
    *err = "Internal error (out of memory)";
    return NULL;
  }
  return page_of(c, h->v, h->n, limit, page);
}
