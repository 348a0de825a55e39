/*
 * map: see map.h. The table doubles when
 * it is 70 % full; deletion shifts the following run of the cluster back,
 * so there are no tombstones and a look-up never scans more than its
 * cluster.
 */
#include "base/map.h"

#include "base/err.h"
#include "base/mem.h"
#include "base/rand.h"

#include <stdbool.h>
#include <string.h>

#define MIN_CAP 16

uint64_t cg_hash(const void *data, size_t len, uint64_t seed)
{
  const unsigned char *p = data;
  uint64_t h = 1469598103934665603ULL ^ seed;
  for (size_t i = 0; i < len; i++) {
    h ^= p[i];
    h *= 1099511628211ULL;
  }
  return h;
}

/* cg_hash from a per-process random seed (drawn once), so that keys
 * chosen by a partner cannot be aimed at one cluster. */
static uint64_t hash_of(const void *data, size_t len)
{
  static uint64_t seed;
  if (seed == 0) {
    struct cg_rand r;
    cg_rand_seed(&r, 0);
    seed = cg_rand_next(&r) | 1;
  }
  return cg_hash(data, len, seed);
}

static size_t home(const struct cg_map *m, uint64_t hash)
{
  return (size_t)hash & (m->cap - 1);
}

/* Index of key's slot, or of the empty slot where it would go. */
static size_t probe(const struct cg_map *m, const void *key, size_t len,
                    uint64_t hash)
{
  size_t i = home(m, hash);
  for (;;) {
    const struct cg_map_slot *s = &m->slots[i];
    if (s->key == NULL ||
        (s->hash == hash && s->len == len && memcmp(s->key, key, len) == 0))
      return i;
    i = (i + 1) & (m->cap - 1);
  }
}

static int grow(struct cg_map *m)
{
  size_t cap = m->cap ? m->cap * 2 : MIN_CAP;
  struct cg_map_slot *old = m->slots;
  size_t old_cap = m->cap;
  m->slots = cg_calloc(cap, sizeof(*m->slots));
  if (m->slots == NULL) {
    m->slots = old;
    return CG_ENOMEM;
  }
  m->cap = cap;
  for (size_t i = 0; i < old_cap; i++)
    if (old[i].key != NULL)
      m->slots[probe(m, old[i].key, old[i].len, old[i].hash)] = old[i];
  cg_free(old);
  return 0;
}

int cg_map_put(struct cg_map *m, const void *key, size_t len, void *value)
{
  uint64_t hash = hash_of(key, len);
  struct cg_map_slot *s = m->cap ? &m->slots[probe(m, key, len, hash)] : NULL;
  if (s != NULL && s->key != NULL) { /* a replace never grows */
    s->value = value;
    return 0;
  }
  if ((m->n + 1) * 10 > m->cap * 7) {
    if (grow(m) != 0)
      return CG_ENOMEM;
    s = &m->slots[probe(m, key, len, hash)];
  }
  char *copy = cg_malloc(len + 1);
  if (copy == NULL)
    return CG_ENOMEM;
  memcpy(copy, key, len);
  copy[len] = '\0';
  *s = (struct cg_map_slot){copy, len, hash, value};
  m->n++;
  return 0;
}

void *cg_map_get(const struct cg_map *m, const void *key, size_t len)
{
  if (m->n == 0)
    return NULL;
  const struct cg_map_slot *s =
      &m->slots[probe(m, key, len, hash_of(key, len))];
  return s->key != NULL ? s->value : NULL;
}

/* Whether the entry at j (home k) may move back to the hole at i. */
static bool may_fill(size_t i, size_t j, size_t k)
{
  return i <= j ? (k <= i || k > j) : (k <= i && k > j);
}

void *cg_map_del(struct cg_map *m, const void *key, size_t len)
{
  if (m->n == 0)
    return NULL;
  size_t i = probe(m, key, len, hash_of(key, len));
  if (m->slots[i].key == NULL)
    return NULL;
  void *value = m->slots[i].value;
  cg_free(m->slots[i].key);
  m->n--;
  for (size_t j = (i + 1) & (m->cap - 1); m->slots[j].key != NULL;
       j = (j + 1) & (m->cap - 1)) {
    if (may_fill(i, j, home(m, m->slots[j].hash))) {
      m->slots[i] = m->slots[j];
      i = j;
    }
  }
  m->slots[i] = (struct cg_map_slot){0};
  return value;
}

void cg_map_free(struct cg_map *m)
{
  for (size_t i = 0; i < m->cap; i++)
    cg_free(m->slots[i].key);
  cg_free(m->slots);
  *m = (struct cg_map)CG_MAP_INIT;
}

int cg_map_put_str(struct cg_map *m, const char *key, void *value)
{
  return key ? cg_map_put(m, key, strlen(key), value) : CG_EINVAL;
}

void *cg_map_get_str(const struct cg_map *m, const char *key)
{
  return key ? cg_map_get(m, key, strlen(key)) : NULL;
}

void *cg_map_del_str(struct cg_map *m, const char *key)
{
  return key ? cg_map_del(m, key, strlen(key)) : NULL;
}

int cg_map_put_int(struct cg_map *m, int64_t key, void *value)
{
  return cg_map_put(m, &key, sizeof(key), value);
}

void *cg_map_get_int(const struct cg_map *m, int64_t key)
{
  return cg_map_get(m, &key, sizeof(key));
}

void *cg_map_del_int(struct cg_map *m, int64_t key)
{
  return cg_map_del(m, &key, sizeof(key));
}
