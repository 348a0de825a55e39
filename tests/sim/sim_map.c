/*
 * sim_map: the simulator's hash map (see sim_map.h). The table doubles when
 * it is 70 % full; deletion shifts the following run of the cluster back,
 * so there are no tombstones and a look-up never scans more than its
 * cluster.
 */
#include "sim_map.h"

#include "sim_util.h"

#include "base/err.h"
#include "base/mem.h"

#include <stdbool.h>
#include <string.h>

#define MIN_CAP 16

static size_t home(const struct sim_map *m, uint64_t hash)
{
  return (size_t)hash & (m->cap - 1);
}

/* Index of key's slot, or of the empty slot where it would go. */
static size_t probe(const struct sim_map *m, const void *key, size_t len,
                    uint64_t hash)
{
  size_t i = home(m, hash);
  for (;;) {
    const struct sim_map_slot *s = &m->slots[i];
    if (s->key == NULL ||
        (s->hash == hash && s->len == len && memcmp(s->key, key, len) == 0))
      return i;
    i = (i + 1) & (m->cap - 1);
  }
}

static int grow(struct sim_map *m)
{
  size_t cap = m->cap ? m->cap * 2 : MIN_CAP;
  struct sim_map_slot *old = m->slots;
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

int sim_map_put(struct sim_map *m, const void *key, size_t len, void *value)
{
  if ((m->n + 1) * 10 > m->cap * 7 && grow(m) != 0)
    return CG_ENOMEM;
  uint64_t hash = sim_hash(key, len, 0);
  struct sim_map_slot *s = &m->slots[probe(m, key, len, hash)];
  if (s->key != NULL) {
    s->value = value;
    return 0;
  }
  char *copy = cg_malloc(len + 1);
  if (copy == NULL)
    return CG_ENOMEM;
  memcpy(copy, key, len);
  copy[len] = '\0';
  *s = (struct sim_map_slot){copy, len, hash, value};
  m->n++;
  return 0;
}

void *sim_map_get(const struct sim_map *m, const void *key, size_t len)
{
  if (m->n == 0)
    return NULL;
  const struct sim_map_slot *s =
      &m->slots[probe(m, key, len, sim_hash(key, len, 0))];
  return s->key != NULL ? s->value : NULL;
}

/* Whether the entry at j (home k) may move back to the hole at i. */
static bool may_fill(size_t i, size_t j, size_t k)
{
  return i <= j ? (k <= i || k > j) : (k <= i && k > j);
}

void *sim_map_del(struct sim_map *m, const void *key, size_t len)
{
  if (m->n == 0)
    return NULL;
  size_t i = probe(m, key, len, sim_hash(key, len, 0));
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
  m->slots[i] = (struct sim_map_slot){0};
  return value;
}

void sim_map_free(struct sim_map *m)
{
  for (size_t i = 0; i < m->cap; i++)
    cg_free(m->slots[i].key);
  cg_free(m->slots);
  *m = (struct sim_map)SIM_MAP_INIT;
}

int sim_map_put_str(struct sim_map *m, const char *key, void *value)
{
  return key ? sim_map_put(m, key, strlen(key), value) : CG_EINVAL;
}

void *sim_map_get_str(const struct sim_map *m, const char *key)
{
  return key ? sim_map_get(m, key, strlen(key)) : NULL;
}

void *sim_map_del_str(struct sim_map *m, const char *key)
{
  return key ? sim_map_del(m, key, strlen(key)) : NULL;
}

int sim_map_put_int(struct sim_map *m, int64_t key, void *value)
{
  return sim_map_put(m, &key, sizeof(key), value);
}

void *sim_map_get_int(const struct sim_map *m, int64_t key)
{
  return sim_map_get(m, &key, sizeof(key));
}

void *sim_map_del_int(struct sim_map *m, int64_t key)
{
  return sim_map_del(m, &key, sizeof(key));
}
