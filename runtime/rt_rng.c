/* rt_rng.c — xoshiro256** (Blackman & Vigna), splitmix64 seeding, and the distributions
 * used by data generators and minibatch sampling. */
#include "rt_rng.h"

#include <math.h>
#include <string.h>

uint64_t rt_splitmix64(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void rt_rng_seed(RtRng *r, uint64_t seed) {
  uint64_t st = seed;
  for (int i = 0; i < 4; i++) r->s[i] = rt_splitmix64(&st);
}

void rt_rng_stream(RtRng *r, uint64_t seed, const char *name) {
  uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a 64 */
  for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
    h ^= *p;
    h *= 0x100000001b3ULL;
  }
  rt_rng_seed(r, seed ^ h);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t rt_rng_next(RtRng *r) {
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

double rt_rng_u01(RtRng *r) { return (double)(rt_rng_next(r) >> 11) * 0x1.0p-53; }

double rt_rng_uniform(RtRng *r, double a, double b) { return a + (b - a) * rt_rng_u01(r); }

double rt_rng_normal(RtRng *r, double mu, double sigma) {
  double u, v, s;
  do {
    u = 2.0 * rt_rng_u01(r) - 1.0;
    v = 2.0 * rt_rng_u01(r) - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  /* The second variate (v * factor) is discarded so that every draw consumes whole pairs and
   * the generator needs no hidden state. */
  return mu + sigma * u * sqrt(-2.0 * log(s) / s);
}

/* Uniform integer in [0, range) without bias (Lemire 2019). */
static uint64_t bounded(RtRng *r, uint64_t range) {
  __uint128_t m = (__uint128_t)rt_rng_next(r) * range;
  uint64_t lo = (uint64_t)m;
  if (lo < range) {
    uint64_t threshold = -range % range;
    while (lo < threshold) {
      m = (__uint128_t)rt_rng_next(r) * range;
      lo = (uint64_t)m;
    }
  }
  return (uint64_t)(m >> 64);
}

int64_t rt_rng_randint(RtRng *r, int64_t a, int64_t b) {
  if (b <= a) return a;
  return a + (int64_t)bounded(r, (uint64_t)(b - a));
}

int rt_rng_bernoulli(RtRng *r, double p) { return rt_rng_u01(r) < p; }

void rt_rng_permutation(RtRng *r, int64_t n, int64_t *out) {
  for (int64_t i = 0; i < n; i++) out[i] = i;
  for (int64_t i = n - 1; i > 0; i--) {
    int64_t j = (int64_t)bounded(r, (uint64_t)(i + 1));
    int64_t t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
}

void rt_rng_sample(RtRng *r, int64_t k, int64_t n, int64_t *out, int64_t *scratch) {
  if (k > n) k = n;
  if (!scratch || (k <= 64 && k * k <= 64 * n)) {
    /* Floyd: for j = n-k..n-1 pick t in [0, j]; take t unless taken, else j. Membership by a
     * linear scan: O(k^2), fine for the small batches this branch serves. */
    int64_t m = 0;
    for (int64_t j = n - k; j < n; j++) {
      int64_t t = (int64_t)bounded(r, (uint64_t)(j + 1));
      int taken = 0;
      for (int64_t i = 0; i < m; i++)
        if (out[i] == t) { taken = 1; break; }
      out[m++] = taken ? j : t;
    }
    return;
  }
  /* Partial Fisher–Yates on an identity-initialised scratch. */
  for (int64_t i = 0; i < n; i++) scratch[i] = i;
  for (int64_t i = 0; i < k; i++) {
    int64_t j = i + (int64_t)bounded(r, (uint64_t)(n - i));
    int64_t t = scratch[i];
    scratch[i] = scratch[j];
    scratch[j] = t;
    out[i] = scratch[i];
  }
}
