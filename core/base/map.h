/*
 * map: a small hash map from byte-string keys to borrowed pointers, for
 * look-ups whose cost must not grow with what is held (the engine's plans
 * waiting for the rule host by inbox row and order number; the
 * simulator's orders by orderRef, number and id). Open addressing with
 * linear probing and backward-shift deletion; keys are copied, values
 * are not owned. FNV-1a with a per-process random seed. Not thread-safe:
 * one owner (a loop thread) per map.
 */
#ifndef CG_BASE_MAP_H
#define CG_BASE_MAP_H

#include <stddef.h>
#include <stdint.h>

struct cg_map_slot {
  char *key; /* NULL: empty */
  size_t len;
  uint64_t hash;
  void *value;
};

struct cg_map {
  struct cg_map_slot *slots;
  size_t cap; /* a power of two, or 0 */
  size_t n;
};

#define CG_MAP_INIT                                                            \
  {                                                                            \
    NULL, 0, 0                                                                 \
  }

/* FNV-1a of len bytes, starting from seed: a fingerprint, not a defence
 * (the map adds its own random seed). */
uint64_t cg_hash(const void *data, size_t len, uint64_t seed);

/* Sets key to value; returns 0 or CG_ENOMEM. Replacing the value of a
 * key already present never allocates (and never fails). */
int cg_map_put(struct cg_map *m, const void *key, size_t len, void *value);
/* The value of key, or NULL. */
void *cg_map_get(const struct cg_map *m, const void *key, size_t len);
/* Removes key; returns its value, or NULL when it was absent. */
void *cg_map_del(struct cg_map *m, const void *key, size_t len);
/* Frees the table and the key copies (not the values). */
void cg_map_free(struct cg_map *m);

/* The same with a NUL-terminated key (NULL: absent, put fails). */
int cg_map_put_str(struct cg_map *m, const char *key, void *value);
void *cg_map_get_str(const struct cg_map *m, const char *key);
void *cg_map_del_str(struct cg_map *m, const char *key);
/* The same with an integer key. */
int cg_map_put_int(struct cg_map *m, int64_t key, void *value);
void *cg_map_get_int(const struct cg_map *m, int64_t key);
void *cg_map_del_int(struct cg_map *m, int64_t key);

#endif
