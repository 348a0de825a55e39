/*
 * rand: xoshiro256** by Blackman and Vigna (public domain algorithm),
 * seeded with splitmix64 as its authors recommend.
 */
#include "base/rand.h"

#include "base/time.h"

#include <sys/random.h>

static uint64_t splitmix64(uint64_t *x)
{
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void cg_rand_seed(struct cg_rand *r, uint64_t seed)
{
  if (seed == 0 && getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
    seed = (uint64_t)cg_time_now_ms() ^ (uint64_t)cg_time_mono_ms() << 20;
  for (int i = 0; i < 4; i++)
    r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
  return (x << k) | (x >> (64 - k));
}

uint64_t cg_rand_next(struct cg_rand *r)
{
  uint64_t *s = r->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

uint64_t cg_rand_below(struct cg_rand *r, uint64_t n)
{
  return n ? cg_rand_next(r) % n : 0;
}

double cg_rand_unit(struct cg_rand *r)
{
  return (double)(cg_rand_next(r) >> 11) * 0x1.0p-53;
}
