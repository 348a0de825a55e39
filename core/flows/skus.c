/*
 * skus: see skus.h. The cache is a sorted array searched with bsearch:
 * a merchant has thousands of SKUs, not millions, and inserts happen once
 * per SKU per process.
 */
#include "flows/skus.h"

#include "base/buf.h"
#include "base/err.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"
#include "flows/flow.h"
#include "gxo/gxo.h"

#include <stdlib.h>
#include <string.h>

/* A sorted set of SKUs. */
struct names {
  char **items;
  size_t n, cap;
};

struct cg_skuset {
  struct names known;    /* exist at the warehouse */
  struct names inflight; /* being looked up for some order right now */
};

#define INFLIGHT_WAIT_MS 250

/* One order's check in flight. */
struct check {
  struct cg_flow *f;
  char *order_json;
  char *key;
  cg_call_done_fn done;
  void *arg;
  size_t pending;
  struct cg_buf missing;       /* "SKU1, SKU2" */
  struct cg_call_result retry; /* the latest RETRY seen, if any */
  bool must_retry;
};

/* One SKU lookup of a check. */
struct lookup {
  struct check *c;
  char sku[];
};

static int cmp_sku(const void *a, const void *b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool names_has(const struct names *s, const char *sku)
{
  return s->n > 0 &&
         bsearch(&sku, s->items, s->n, sizeof(char *), cmp_sku) != NULL;
}

/* Adds sku; a failure only costs a lookup later (it is a cache). */
static void names_add(struct names *s, const char *sku)
{
  if (names_has(s, sku))
    return;
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 64;
    char **p = cg_realloc(s->items, cap * sizeof(*p));
    if (p == NULL)
      return;
    s->items = p;
    s->cap = cap;
  }
  char *copy = cg_strdup(sku);
  if (copy == NULL)
    return;
  size_t at = 0;
  while (at < s->n && strcmp(s->items[at], sku) < 0)
    at++;
  memmove(&s->items[at + 1], &s->items[at], (s->n - at) * sizeof(char *));
  s->items[at] = copy;
  s->n++;
}

static void names_remove(struct names *s, const char *sku)
{
  char **hit =
      s->n ? bsearch(&sku, s->items, s->n, sizeof(char *), cmp_sku) : NULL;
  if (hit == NULL)
    return;
  cg_free(*hit);
  size_t at = (size_t)(hit - s->items);
  memmove(&s->items[at], &s->items[at + 1], (s->n - at - 1) * sizeof(char *));
  s->n--;
}

static void names_free(struct names *s)
{
  for (size_t i = 0; i < s->n; i++)
    cg_free(s->items[i]);
  cg_free(s->items);
}

bool cg_skus_known(const struct cg_skuset *set, const char *sku)
{
  return set != NULL && names_has(&set->known, sku);
}

static struct cg_skuset *set_of(struct cg_flow *f)
{
  if (f->known_skus == NULL)
    f->known_skus = cg_calloc(1, sizeof(struct cg_skuset));
  return f->known_skus;
}

void cg_skuset_free(struct cg_skuset *set)
{
  if (set == NULL)
    return;
  names_free(&set->known);
  names_free(&set->inflight);
  cg_free(set);
}

static void check_free(struct check *c)
{
  cg_free(c->order_json);
  cg_free(c->key);
  cg_buf_free(&c->missing);
  cg_free(c);
}

/* All lookups are in: send, or end the delivery without sending. */
static void conclude(struct check *c)
{
  struct cg_call_result res;
  cg_call_result_init(&res);
  if (c->missing.len > 0) {
    cg_call_result_set(&res, CG_OUTCOME_FAIL, "unknown-sku",
                       "not in the warehouse item master: %s; the order was "
                       "not sent",
                       c->missing.data);
    cg_call_result_deliver(&res, c->done, c->arg);
  } else if (c->must_retry) {
    cg_call_result_deliver(&c->retry, c->done, c->arg);
  } else if (cg_gxo_create_order(c->f->gxo, c->order_json, c->key, c->done,
                                 c->arg) != 0) {
    cg_call_result_set(&res, CG_OUTCOME_RETRY, "local",
                       "could not start the order call");
    cg_call_result_deliver(&res, c->done, c->arg);
  }
  check_free(c);
}

static bool in_flight(const struct cg_flow *f, const char *sku)
{
  return f->known_skus != NULL && names_has(&f->known_skus->inflight, sku);
}

static void cb_item(struct cg_call_result *res, void *arg)
{
  struct lookup *l = arg;
  struct check *c = l->c;
  struct cg_skuset *set = set_of(c->f);
  if (set != NULL)
    names_remove(&set->inflight, l->sku);
  if (res->outcome == CG_OUTCOME_OK && set != NULL) {
    names_add(&set->known, l->sku);
  } else if (res->outcome == CG_OUTCOME_FAIL) {
    cg_buf_printf(&c->missing, "%s%s", c->missing.len ? ", " : "", l->sku);
  } else if (res->outcome == CG_OUTCOME_RETRY &&
             (!c->must_retry || res->retry_at_ms > c->retry.retry_at_ms)) {
    c->must_retry = true;
    c->retry = *res;
    c->retry.data = NULL;
  }
  cg_free(l);
  if (--c->pending == 0)
    conclude(c);
}

static int look_up(struct check *c, const char *sku)
{
  struct lookup *l = cg_malloc(sizeof(*l) + strlen(sku) + 1);
  if (l == NULL)
    return CG_ENOMEM;
  l->c = c;
  strcpy(l->sku, sku);
  c->pending++;
  if (cg_gxo_get_item(c->f->gxo, sku, cb_item, l) != 0) {
    c->pending--;
    cg_free(l);
    return CG_ENOMEM;
  }
  struct cg_skuset *set = set_of(c->f);
  if (set != NULL)
    names_add(&set->inflight, sku);
  return 0;
}

/* True when another order is looking up one of this order's SKUs: this
 * check then waits a moment instead of sending the same request twice
 * (the second would race the first's 429 and ignore its Retry-After). */
static bool waits_for_other(struct check *c, const cJSON *order)
{
  const cJSON *line;
  cJSON_ArrayForEach(line, cg_json_get(order, "lines"))
  {
    const char *sku = cg_json_str(line, "sku");
    if (sku != NULL && in_flight(c->f, sku)) {
      cg_call_result_init(&c->retry);
      cg_call_result_set(&c->retry, CG_OUTCOME_RETRY, "local",
                         "SKU %s is being looked up for another order", sku);
      c->retry.retry_at_ms = cg_time_now_ms() + INFLIGHT_WAIT_MS;
      c->must_retry = true;
      return true;
    }
  }
  return false;
}

/* Starts a lookup for each SKU neither known nor being looked up; returns
 * how many started, or a negative CG_E* when none could. */
static int start_lookups(struct check *c, const cJSON *order)
{
  const cJSON *line;
  int started = 0;
  if (waits_for_other(c, order))
    return 0;
  cJSON_ArrayForEach(line, cg_json_get(order, "lines"))
  {
    const char *sku = cg_json_str(line, "sku");
    if (sku == NULL || cg_skus_known(c->f->known_skus, sku) ||
        in_flight(c->f, sku)) /* a repeated SKU within the order */
      continue;
    if (look_up(c, sku) != 0)
      return started ? started : CG_ENOMEM;
    started++;
  }
  return started;
}

int cg_skus_send_order(struct cg_flow *f, const char *order_json,
                       const char *idempotency_key, cg_call_done_fn done,
                       void *arg)
{
  struct check *c = cg_calloc(1, sizeof(*c));
  cJSON *order = cg_json_parse(order_json, strlen(order_json), NULL);
  if (c == NULL || order == NULL) {
    cg_free(c);
    cJSON_Delete(order);
    return CG_ENOMEM;
  }
  *c = (struct check){.f = f,
                      .done = done,
                      .arg = arg,
                      .order_json = cg_strdup(order_json),
                      .key = cg_strdup(idempotency_key)};
  c->pending = 1; /* held until every lookup has started */
  int rc = start_lookups(c, order);
  cJSON_Delete(order);
  if (rc < 0 && c->pending == 1) {
    check_free(c);
    return rc;
  }
  if (--c->pending == 0)
    conclude(c); /* nothing to look up: send now */
  return 0;
}
