/* rt_rng.h — the one random generator of bloc: xoshiro256** seeded through splitmix64.
 * Identical on every machine (integer arithmetic only; normal draws use libm's log/cos).
 * Independent streams are derived from (run seed, stable name) so adding a declaration or a
 * solver feature never changes the draws of the others. See doc/data.md. */
#ifndef BLOC_RT_RNG_H
#define BLOC_RT_RNG_H

#include <stdint.h>

typedef struct RtRng {
  uint64_t s[4];
} RtRng;

/* splitmix64 step: advances *state and returns the next output. */
uint64_t rt_splitmix64(uint64_t *state);
/* Seed from one 64-bit value (four splitmix64 outputs). */
void rt_rng_seed(RtRng *r, uint64_t seed);
/* Stream for (seed, name): seed XOR FNV-1a-64(name), then rt_rng_seed. */
void rt_rng_stream(RtRng *r, uint64_t seed, const char *name);
/* Next raw 64-bit output. */
uint64_t rt_rng_next(RtRng *r);
/* Double in [0, 1) with 53 random bits. */
double rt_rng_u01(RtRng *r);
/* Double in [a, b). */
double rt_rng_uniform(RtRng *r, double a, double b);
/* Normal(mu, sigma) by the polar (Marsaglia) method; consumes a variable number of draws. */
double rt_rng_normal(RtRng *r, double mu, double sigma);
/* Integer in [a, b) (b > a), unbiased (Lemire's method with rejection). */
int64_t rt_rng_randint(RtRng *r, int64_t a, int64_t b);
/* 1 with probability p, else 0. */
int rt_rng_bernoulli(RtRng *r, double p);
/* out[0..n) = a uniformly random permutation of 0..n-1 (Fisher–Yates). */
void rt_rng_permutation(RtRng *r, int64_t n, int64_t *out);
/* out[0..k) = k distinct indices from 0..n-1, uniformly (k <= n), in draw order.
 * Floyd's algorithm with a linear membership scan for small k, a partial Fisher–Yates on
 * `scratch` (n entries, caller-owned, any contents; may be NULL when k*k <= 64*n) otherwise.
 * Never allocates. */
void rt_rng_sample(RtRng *r, int64_t k, int64_t n, int64_t *out, int64_t *scratch);

#endif
