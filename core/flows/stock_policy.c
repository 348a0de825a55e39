/*
 * stock_policy: the pack's stock policy (flows/stock.h, docs/internals/
 * stock.md "The invariant", docs/rule-packs.md "stock.policy"): which
 * warehouse stock statuses are sellable, the buffers and caps per SKU,
 * per SKU prefix and by default, the excluded SKUs, the return route and
 * the drift threshold. Built once per rule generation from the table
 * the pack's stock.policy() returns (stock_policy_ask.c asks for it),
 * read by the stock flow for every SKU it prices: a look-up costs one
 * hash map probe per SKU plus one per distinct prefix length, whatever
 * the number of SKUs the pack names. Loop thread only (the rule host
 * validates the same table with cg_stock_policy_from_json).
 */
#include "flows/stock.h"

#include "base/err.h"
#include "base/map.h"
#include "base/mem.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define PREFIX_MAX 64     /* bytes of a SKU prefix */
#define SKU_MAX 128       /* bytes of a SKU the policy names */
#define AMOUNT_MAX 1e12   /* a buffer, cap or threshold */
#define BLOCK_RULES 256   /* rules per allocation */
#define STATUS_DEFAULT 3u /* AVAILABLE, ALLOCATED */

static const char *const statuses[] = {"AVAILABLE", "ALLOCATED", "QUARANTINE",
                                       "DAMAGED", "BLOCKED"};
#define NSTATUSES (sizeof(statuses) / sizeof(*statuses))

/* What the pack says of one SKU or prefix. */
struct rule {
  int64_t buffer, cap;
  bool has_buffer, has_cap, excluded;
};

/* Rules are allocated in blocks so that the maps' pointers stay valid. */
struct block {
  struct block *next;
  size_t n;
  struct rule r[BLOCK_RULES];
};

struct cg_stock_policy {
  unsigned sellable; /* bit i: statuses[i] */
  int64_t buffer;    /* default buffer */
  int64_t cap;       /* default cap; -1 = none */
  enum cg_stock_return_route route;
  int64_t drift;
  struct cg_map skus;     /* SKU -> struct rule */
  struct cg_map prefixes; /* prefix -> struct rule */
  bool prefix_len[PREFIX_MAX + 1];
  struct block *blocks;
  bool dry;            /* only validating: no rules kept */
  struct rule scratch; /* what a dry run writes to */
};

static const struct cg_stock_policy default_policy = {
    .sellable = STATUS_DEFAULT,
    .cap = -1,
    .route = CG_STOCK_RETURNS_WAREHOUSE,
    .skus = CG_MAP_INIT,
    .prefixes = CG_MAP_INIT,
};

const struct cg_stock_policy *cg_stock_policy_default(void)
{
  return &default_policy;
}

static int status_index(const char *status)
{
  for (size_t i = 0; status != NULL && i < NSTATUSES; i++)
    if (strcmp(statuses[i], status) == 0)
      return (int)i;
  return -1;
}

bool cg_stock_policy_status_known(const char *status)
{
  return status_index(status) >= 0;
}

const char *cg_stock_policy_status(size_t i)
{
  return i < NSTATUSES ? statuses[i] : NULL;
}

static const struct cg_stock_policy *or_default(const struct cg_stock_policy *p)
{
  return p != NULL ? p : &default_policy;
}

bool cg_stock_policy_sellable(const struct cg_stock_policy *p,
                              const char *status)
{
  int i = status_index(status);
  return i >= 0 && (or_default(p)->sellable & (1u << i)) != 0;
}

/* Fills what r sets and out does not have yet. */
static void take_rule(const struct rule *r, struct cg_stock_policy_sku *out,
                      bool *got_buffer, bool *got_cap)
{
  if (r == NULL)
    return;
  if (!*got_buffer && r->has_buffer) {
    out->buffer = r->buffer;
    *got_buffer = true;
  }
  if (!*got_cap && r->has_cap) {
    out->cap = r->cap;
    *got_cap = true;
  }
  out->excluded = out->excluded || r->excluded;
}

/* The SKU's own rule first, then its prefixes, longest first, then the
 * defaults: each of buffer and cap from the first that sets it; excluded
 * when any of them excludes. */
void cg_stock_policy_for_sku(const struct cg_stock_policy *p, const char *sku,
                             struct cg_stock_policy_sku *out)
{
  p = or_default(p);
  *out = (struct cg_stock_policy_sku){.buffer = p->buffer, .cap = p->cap};
  if (sku == NULL || (p->skus.n == 0 && p->prefixes.n == 0))
    return;
  bool got_buffer = false, got_cap = false;
  take_rule(cg_map_get_str(&p->skus, sku), out, &got_buffer, &got_cap);
  size_t len = strnlen(sku, PREFIX_MAX);
  for (; p->prefixes.n > 0 && len > 0; len--)
    if (p->prefix_len[len])
      take_rule(cg_map_get(&p->prefixes, sku, len), out, &got_buffer, &got_cap);
}

bool cg_stock_policy_excluded(const struct cg_stock_policy *p, const char *sku)
{
  struct cg_stock_policy_sku s;
  cg_stock_policy_for_sku(p, sku, &s);
  return s.excluded;
}

int64_t cg_stock_policy_figure(const struct cg_stock_policy *p, const char *sku,
                               int64_t sellable)
{
  struct cg_stock_policy_sku s;
  cg_stock_policy_for_sku(p, sku, &s);
  int64_t v = sellable - s.buffer;
  if (v < 0)
    v = 0;
  return s.cap >= 0 && v > s.cap ? s.cap : v;
}

enum cg_stock_return_route
cg_stock_policy_return_route(const struct cg_stock_policy *p)
{
  return or_default(p)->route;
}

int64_t cg_stock_policy_drift_threshold(const struct cg_stock_policy *p)
{
  return or_default(p)->drift;
}

void cg_stock_policy_free(struct cg_stock_policy *p)
{
  if (p == NULL || p == &default_policy)
    return;
  cg_map_free(&p->skus);
  cg_map_free(&p->prefixes);
  while (p->blocks != NULL) {
    struct block *b = p->blocks;
    p->blocks = b->next;
    cg_free(b);
  }
  cg_free(p);
}

/* ---- building from the pack's table --------------------------------------*/

static int bad(char *why, size_t size, const char *fmt, const char *name,
               const char *detail)
{
  snprintf(why, size, fmt, name, detail);
  return CG_EINVAL;
}

/* The rule of key (a SKU, or a prefix with prefix), created empty. */
static int rule_of(struct cg_stock_policy *p, const char *key, bool prefix,
                   struct rule **out)
{
  struct cg_map *m = prefix ? &p->prefixes : &p->skus;
  if (p->dry) {
    *out = &p->scratch;
    return 0;
  }
  if ((*out = cg_map_get_str(m, key)) != NULL)
    return 0;
  if (p->blocks == NULL || p->blocks->n == BLOCK_RULES) {
    struct block *b = cg_calloc(1, sizeof(*b));
    if (b == NULL)
      return CG_ENOMEM;
    b->next = p->blocks;
    p->blocks = b;
  }
  *out = &p->blocks->r[p->blocks->n];
  if (cg_map_put_str(m, key, *out) != 0)
    return CG_ENOMEM;
  p->blocks->n++;
  if (prefix)
    p->prefix_len[strlen(key)] = true;
  return 0;
}

/* A SKU or prefix the pack names: 1..SKU_MAX (prefix: PREFIX_MAX) bytes. */
static int check_key(const char *name, const char *key, bool prefix, char *why,
                     size_t size)
{
  size_t len = strlen(key);
  if (len == 0)
    return bad(why, size, "stock.%s names an empty %s", name,
               prefix ? "prefix" : "SKU");
  if (len > (prefix ? PREFIX_MAX : SKU_MAX)) {
    snprintf(why, size, "stock.%s: \"%.40s...\" is longer than %d bytes", name,
             key, prefix ? PREFIX_MAX : SKU_MAX);
    return CG_EINVAL;
  }
  return 0;
}

/* A whole number in 0..AMOUNT_MAX. */
static int amount(const cJSON *v, const char *name, const char *key,
                  int64_t *out, char *why, size_t size)
{
  double d = cJSON_IsNumber(v) ? v->valuedouble : -1;
  if (d < 0 || d > AMOUNT_MAX || floor(d) != d) {
    char *text = cJSON_PrintUnformatted(v);
    snprintf(why, size, "stock.%s%s%s%s must be a whole number >= 0, not %.60s",
             name, key ? "[\"" : "", key ? key : "", key ? "\"]" : "",
             text ? text : "that");
    cJSON_free(text);
    return CG_EINVAL;
  }
  *out = (int64_t)d;
  return 0;
}

/* An empty Lua table arrives as []: an empty map. */
static bool is_map(const cJSON *v)
{
  return cJSON_IsObject(v) || (cJSON_IsArray(v) && cJSON_GetArraySize(v) == 0);
}

/* buffers, caps, buffer_prefixes, cap_prefixes: {key = units}. */
static int parse_amounts(struct cg_stock_policy *p, const cJSON *v,
                         const char *name, bool prefix, bool cap, char *why,
                         size_t size)
{
  if (!is_map(v))
    return bad(why, size, "stock.%s must be a table {[\"%s\"] = units}", name,
               prefix ? "PREFIX" : "SKU");
  const cJSON *e;
  cJSON_ArrayForEach(e, v)
  {
    int64_t units = 0;
    struct rule *r = NULL;
    int rc = check_key(name, e->string, prefix, why, size);
    if (rc == 0)
      rc = amount(e, name, e->string, &units, why, size);
    if (rc == 0)
      rc = rule_of(p, e->string, prefix, &r);
    if (rc != 0)
      return rc;
    if (cap) {
      r->cap = units;
      r->has_cap = true;
    } else {
      r->buffer = units;
      r->has_buffer = true;
    }
  }
  return 0;
}

/* A list of strings (exclude, exclude_prefixes, sellable). */
static int string_list(const cJSON *v, const char *name, char *why, size_t size)
{
  const cJSON *e, *list = cJSON_IsArray(v) ? v : NULL;
  bool ok = list != NULL;
  cJSON_ArrayForEach(e, list) ok = ok && cJSON_IsString(e);
  return ok ? 0
            : bad(why, size, "stock.%s must be a list of %s", name,
                  strcmp(name, "sellable") == 0 ? "status names" : "strings");
}

static int parse_excluded(struct cg_stock_policy *p, const cJSON *v,
                          const char *name, bool prefix, char *why, size_t size)
{
  int rc = string_list(v, name, why, size);
  const cJSON *e, *list = rc == 0 ? v : NULL;
  cJSON_ArrayForEach(e, list)
  {
    struct rule *r = NULL;
    rc = check_key(name, e->valuestring, prefix, why, size);
    if (rc == 0)
      rc = rule_of(p, e->valuestring, prefix, &r);
    if (rc != 0)
      return rc;
    r->excluded = true;
  }
  return rc;
}

static int parse_sellable(struct cg_stock_policy *p, const cJSON *v, char *why,
                          size_t size)
{
  int rc = string_list(v, "sellable", why, size);
  const cJSON *e, *list = rc == 0 ? v : NULL;
  p->sellable = 0;
  cJSON_ArrayForEach(e, list)
  {
    int i = status_index(e->valuestring);
    if (i < 0)
      return bad(why, size,
                 "stock.sellable: unknown stock status \"%.40s\" (%s)",
                 e->valuestring,
                 "AVAILABLE, ALLOCATED, QUARANTINE, DAMAGED or BLOCKED");
    p->sellable |= 1u << i;
  }
  if (rc == 0 && p->sellable == 0)
    return bad(why, size, "stock.%s must name at least one status%s",
               "sellable", " (to stop selling SKUs, exclude them)");
  return rc;
}

static int parse_route(struct cg_stock_policy *p, const cJSON *v, char *why,
                       size_t size)
{
  const char *s = cJSON_IsString(v) ? v->valuestring : NULL;
  if (s != NULL && strcmp(s, "warehouse") == 0)
    p->route = CG_STOCK_RETURNS_WAREHOUSE;
  else if (s != NULL && strcmp(s, "centra") == 0)
    p->route = CG_STOCK_RETURNS_CENTRA;
  else
    return bad(why, size,
               "stock.returns must be \"warehouse\" or "
               "\"centra\", not %s%.40s",
               s ? "" : "a non-string", s ? s : "");
  return 0;
}

/* One key of the table. */
static int parse_key(struct cg_stock_policy *p, const cJSON *v, char *why,
                     size_t size)
{
  const char *k = v->string;
  if (strcmp(k, "sellable") == 0)
    return parse_sellable(p, v, why, size);
  if (strcmp(k, "buffer") == 0)
    return amount(v, k, NULL, &p->buffer, why, size);
  if (strcmp(k, "cap") == 0)
    return amount(v, k, NULL, &p->cap, why, size);
  if (strcmp(k, "drift_threshold") == 0)
    return amount(v, k, NULL, &p->drift, why, size);
  if (strcmp(k, "returns") == 0)
    return parse_route(p, v, why, size);
  if (strcmp(k, "buffers") == 0 || strcmp(k, "caps") == 0)
    return parse_amounts(p, v, k, false, k[0] == 'c', why, size);
  if (strcmp(k, "buffer_prefixes") == 0 || strcmp(k, "cap_prefixes") == 0)
    return parse_amounts(p, v, k, true, k[0] == 'c', why, size);
  if (strcmp(k, "exclude") == 0)
    return parse_excluded(p, v, k, false, why, size);
  if (strcmp(k, "exclude_prefixes") == 0)
    return parse_excluded(p, v, k, true, why, size);
  return bad(why, size, "stock.policy: unknown key \"%.40s\"%s", k,
             " (sellable, buffer, buffers, buffer_prefixes, cap, caps, "
             "cap_prefixes, exclude, exclude_prefixes, returns, "
             "drift_threshold)");
}

/* Reads t into p (filled with the defaults). */
static int parse(const cJSON *t, struct cg_stock_policy *p, char *why,
                 size_t size)
{
  if (!cJSON_IsNull(t) && !is_map(t))
    return bad(why, size, "stock.policy must return a table%s%s", "",
               " (or nil for the defaults)");
  const cJSON *v, *keys = cJSON_IsObject(t) ? t : NULL;
  int rc = 0;
  cJSON_ArrayForEach(v, keys)
  {
    if (rc == 0)
      rc = parse_key(p, v, why, size);
  }
  if (rc == CG_ENOMEM)
    snprintf(why, size, "out of memory");
  return rc;
}

int cg_stock_policy_from_json(const cJSON *t, struct cg_stock_policy **out,
                              char *why, size_t size)
{
  *out = NULL;
  struct cg_stock_policy *p = cg_calloc(1, sizeof(*p));
  if (p == NULL) {
    snprintf(why, size, "out of memory");
    return CG_ENOMEM;
  }
  *p = default_policy;
  int rc = parse(t, p, why, size);
  if (rc != 0)
    cg_stock_policy_free(p);
  else
    *out = p;
  return rc;
}

int cg_stock_policy_check(const cJSON *t, char *why, size_t size)
{
  struct cg_stock_policy p = default_policy;
  p.dry = true;
  return parse(t, &p, why, size);
}
