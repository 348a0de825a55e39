/*
 * rand: a small seedable PRNG (splitmix64 seeding xoshiro256**). One
 * instance per owner, seeded once; the simulator's --seed makes every id
 * and choice reproducible, and retry jitter draws from the engine's own.
 */
#ifndef CG_BASE_RAND_H
#define CG_BASE_RAND_H

#include <stdint.h>

struct cg_rand {
  uint64_t s[4];
};

/* seed 0 means "seed from the OS" (getrandom, falling back to time). */
void cg_rand_seed(struct cg_rand *r, uint64_t seed);
uint64_t cg_rand_next(struct cg_rand *r);
/* Uniform in [0, n); n == 0 returns 0. */
uint64_t cg_rand_below(struct cg_rand *r, uint64_t n);
/* Uniform double in [0, 1). */
double cg_rand_unit(struct cg_rand *r);

#endif
