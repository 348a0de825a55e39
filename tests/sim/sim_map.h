/*
 * sim_map: a small hash map from byte-string keys to borrowed pointers, so
 * the simulator's look-ups (orderRef, Idempotency-Key, SKU, order number,
 * event id) cost the same whether it holds ten orders or ten thousand.
 * Open addressing with linear probing and backward-shift deletion; keys
 * are copied, values are not owned. Everything runs on the loop thread.
 */
#ifndef CG_SIM_MAP_H
#define CG_SIM_MAP_H

#include <stddef.h>
#include <stdint.h>

struct sim_map_slot {
  char *key; /* NULL: empty */
  size_t len;
  uint64_t hash;
  void *value;
};

struct sim_map {
  struct sim_map_slot *slots;
  size_t cap; /* a power of two, or 0 */
  size_t n;
};

#define SIM_MAP_INIT                                                           \
  {                                                                            \
    NULL, 0, 0                                                                 \
  }

/* Sets key to value (replacing an old value); returns 0 or CG_ENOMEM. */
int sim_map_put(struct sim_map *m, const void *key, size_t len, void *value);
/* The value of key, or NULL. */
void *sim_map_get(const struct sim_map *m, const void *key, size_t len);
/* Removes key; returns its value, or NULL when it was absent. */
void *sim_map_del(struct sim_map *m, const void *key, size_t len);
/* Frees the table and the key copies (not the values). */
void sim_map_free(struct sim_map *m);

/* The same with a NUL-terminated key (NULL: absent, put fails). */
int sim_map_put_str(struct sim_map *m, const char *key, void *value);
void *sim_map_get_str(const struct sim_map *m, const char *key);
void *sim_map_del_str(struct sim_map *m, const char *key);
/* The same with an integer key. */
int sim_map_put_int(struct sim_map *m, int64_t key, void *value);
void *sim_map_get_int(const struct sim_map *m, int64_t key);
void *sim_map_del_int(struct sim_map *m, int64_t key);

#endif
