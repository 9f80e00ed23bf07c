/* rt_rng.h — the reproducible random numbers of bloc: xoshiro256** seeded through splitmix64,
 * named streams derived from the run seed, the draws behind the data builtins (uniform, normal,
 * randint, bernoulli, permutation, random_spd) and the minibatch sampler of the solvers.
 * Every draw is bit-identical on every machine except normal() (see below); doc/data.md gives
 * enough detail to reproduce the streams in another language. Installed as <bloc/rt_rng.h>. */
#ifndef BLOC_RT_RNG_H
#define BLOC_RT_RNG_H

#include <stdint.h>

#include "rt_api.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The generator state: xoshiro256** (Blackman & Vigna, 2018). A plain value: copying it forks
 * an identical stream. Never all zero when made by rt_rng_seed / rt_rng_stream. */
typedef struct RtRng {
  uint64_t s[4];
} RtRng;

/* splitmix64: adds 0x9E3779B97F4A7C15 to *state and returns the mixed result
 *   z = *state; z = (z ^ z>>30) * 0xBF58476D1CE4E5B9; z = (z ^ z>>27) * 0x94D049BB133111EB;
 *   return z ^ z>>31. */
RT_API uint64_t rt_splitmix64(uint64_t *state);

/* FNV-1a 64-bit hash of the bytes of a NUL-terminated string (NULL hashes like "").
 * Offset basis 0xCBF29CE484222325, prime 0x100000001B3. */
RT_API uint64_t rt_fnv1a64(const char *s);

/* Seeds r with four successive splitmix64 outputs from the state `seed`. */
RT_API void rt_rng_seed(RtRng *r, uint64_t seed);

/* The stream named `name` (e.g. a declaration name) of the run seeded by `seed`:
 *   m = splitmix64 output from state seed  (i.e. the first draw of rt_splitmix64(&seed))
 *   rt_rng_seed(result, m ^ rt_fnv1a64(name))
 * Streams depend only on (seed, name), so adding or reordering declarations never changes the
 * draws of the others. */
RT_API RtRng rt_rng_stream(uint64_t seed, const char *name);

/* The next 64 random bits (xoshiro256**). */
RT_API uint64_t rt_rng_next(RtRng *r);

/* A double in [0, 1): (next >> 11) * 2^-53, i.e. one of the 2^53 evenly spaced values. */
RT_API double rt_rng_double(RtRng *r);

/* A double in [a, b) for finite a < b: a + (b - a) * u with u = rt_rng_double; a result that
 * rounds up to b is redrawn. When b - a overflows, a (1 - u) + b u instead. For a >= b or a
 * non-finite bound it returns a + (b - a) * u without redrawing (a when a == b). */
RT_API double rt_rng_uniform(RtRng *r, double a, double b);

/* A normal draw with mean mu and standard deviation sigma by the Marsaglia polar method:
 *   repeat u = 2 rt_rng_double - 1, v = 2 rt_rng_double - 1, s = u*u + v*v until 0 < s < 1;
 *   return mu + sigma * (u * sqrt(-2 log(s) / s)).
 * The second variate (v * ...) is discarded, so every call is independent of earlier ones.
 * Depends on libm's log (sqrt is exact under IEEE 754): another libm may differ in the last
 * bit. */
RT_API double rt_rng_normal(RtRng *r, double mu, double sigma);

/* An integer uniform in [0, n) for n >= 1 (0 when n == 0), without bias, by Lemire's
 * multiply-and-reject method: m = next * n as a 128-bit product; if low64(m) < n, let
 * t = (2^64 - n) mod n and redraw while low64(m) < t; return high64(m). */
RT_API uint64_t rt_rng_below(RtRng *r, uint64_t n);

/* An integer uniform in [a, b) for a < b (a when b <= a): a + rt_rng_below(b - a). */
RT_API int64_t rt_rng_randint(RtRng *r, int64_t a, int64_t b);

/* 1 with probability p, else 0: rt_rng_double(r) < p (p <= 0 never, p >= 1 always). */
RT_API int rt_rng_bernoulli(RtRng *r, double p);

/* A uniformly random permutation of 0..n-1 into out[n] (caller-owned) by Fisher–Yates:
 * out[i] = i; for i = n-1 down to 1: swap out[i] and out[rt_rng_below(i + 1)]. */
RT_API void rt_rng_permutation(RtRng *r, int64_t n, int64_t *out);

/* Number of int64_t elements of scratch rt_rng_sample_without_replacement needs for (k, n):
 * n when n <= 4k (a dense identity array), else a hash table of 2 * 2^ceil(log2(2k)) slots.
 * So it is O(k) either way. 0 when k <= 0. */
RT_API int64_t rt_rng_sample_scratch_len(int64_t k, int64_t n);

/* k distinct indices from 0..n-1 into out[k], in random order: exactly the first k entries of
 * the forward partial Fisher–Yates shuffle of the identity
 *   for i = 0..k-1: j = i + rt_rng_below(n - i); swap a[i], a[j]; out[i] = a[i]
 * run on a virtual array (dense or hashed scratch; both give identical draws). O(k) expected
 * time, no allocation: `scratch` holds rt_rng_sample_scratch_len(k, n) int64_t (caller-owned,
 * contents ignored on entry). Returns 0, or -1 (nothing drawn) unless 0 <= k <= n. */
RT_API int rt_rng_sample_without_replacement(RtRng *r, int64_t k, int64_t n, int64_t *out,
                                      int64_t *scratch);

/* Fill helpers for the data builtins: out[0..count-1] from successive draws, in order. */
RT_API void rt_rng_fill_uniform(RtRng *r, double a, double b, double *out, int64_t count);
RT_API void rt_rng_fill_normal(RtRng *r, double mu, double sigma, double *out, int64_t count);
RT_API void rt_rng_fill_randint(RtRng *r, int64_t a, int64_t b, double *out, int64_t count);
RT_API void rt_rng_fill_bernoulli(RtRng *r, double p, double *out, int64_t count);
/* The permutation of rt_rng_permutation (same draws) as doubles. */
RT_API void rt_rng_fill_permutation(RtRng *r, int64_t n, double *out);

/* An n x n symmetric positive-definite matrix, row-major into out[n*n] (caller-owned), with
 * eigenvalues linspace(lo, hi, n) (lo + i (hi - lo) / (n - 1), the last exactly hi; lo when
 * n == 1) and dense random eigenvectors Q = B2 P B1: out = Q diag(lambda) Q^T.
 *   b = min(n, ceil(2 sqrt(n))); 0..n-1 is cut into nb = ceil(n / b) consecutive blocks, the
 *   first n mod nb of size floor(n / nb) + 1 and the rest of size floor(n / nb).
 *   B1, B2: block-diagonal on that partition, each block a Haar-random orthogonal matrix: the
 *   Q factor (LAPACK dgeqrf + dorgqr) of a square matrix of normal(0, 1) draws taken in
 *   column-major order, column j multiplied by sign(R_jj).
 *   P: the permutation perm of rt_rng_permutation(n), P[i][perm[i]] = 1.
 *   Draw order: B1's blocks (first block first), perm, B2's blocks.
 * Every eigenvector then has ~98% of its entries nonzero (a Haar column of B1 is scattered by P
 * over nearly every block of B2), in practice every entry of out is nonzero, and no component
 * is large (at n = 400 the largest is ~0.3-0.45 against ~0.25 for a Haar-random Q and ~1 for
 * a few Householder reflections). Built without any n^2 scratch: C = B1 diag(lambda) B1^T
 * block by block; W = P C P^T B2^T straight into out, exploiting that each row of P C P^T is
 * one row of one block of C (~4 n^2 flops); then A = B2 W by dgemm, only on and below the
 * block diagonal (b n^2 flops, 2e10 at n = 10^4), and the lower triangle is copied onto the
 * upper, so out is exactly symmetric. O(b n) doubles of scratch; out is the only n^2 buffer.
 * Reproducible: the draws never depend on BLAS, so a seed gives bit-identical matrices with
 * the same OpenBLAS build and thread count; another build, CPU kernel or OPENBLAS_NUM_THREADS
 * may change the last bits (the spectrum stays within rounding).
 * Returns 0; -1 for bad arguments (n < 1, n > INT32_MAX, n*n overflowing, lo or hi not finite,
 * lo <= 0, hi < lo) or -2 when the scratch cannot be allocated; out is untouched on failure. */
RT_API int rt_random_spd(RtRng *rng, int64_t n, double lo, double hi, double *out);

#ifdef __cplusplus
}
#endif
#endif
