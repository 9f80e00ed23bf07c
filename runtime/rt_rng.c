/* rt_rng.c — xoshiro256** with splitmix64 seeding and named streams, the scalar draws and
 * fills behind the data builtins, the allocation-free minibatch sampler, and random_spd.
 * The exact algorithms are part of the contract (rt_rng.h, doc/data.md): changing any of them
 * changes every generated data set, and tests/unit/test_rng.c pins the first outputs. */
#include "rt_rng.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

uint64_t rt_splitmix64(uint64_t *state) {
  uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

uint64_t rt_fnv1a64(const char *s) {
  uint64_t h = UINT64_C(0xCBF29CE484222325);
  if (s)
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
      h ^= *p;
      h *= UINT64_C(0x100000001B3);
    }
  return h;
}

void rt_rng_seed(RtRng *r, uint64_t seed) {
  uint64_t st = seed;
  for (int i = 0; i < 4; i++) r->s[i] = rt_splitmix64(&st);
  /* splitmix64 is a bijection of a counter, so four successive outputs are never all zero
   * (they would have to come from four distinct states mapping to 0); guard anyway. */
  if ((r->s[0] | r->s[1] | r->s[2] | r->s[3]) == 0) r->s[0] = 1;
}

RtRng rt_rng_stream(uint64_t seed, const char *name) {
  uint64_t st = seed;
  uint64_t m = rt_splitmix64(&st);
  RtRng r;
  rt_rng_seed(&r, m ^ rt_fnv1a64(name));
  return r;
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t rt_rng_next(RtRng *r) {
  uint64_t *s = r->s;
  const uint64_t result = rotl(s[1] * 5, 7) * 9;
  const uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

double rt_rng_double(RtRng *r) { return (double)(rt_rng_next(r) >> 11) * 0x1.0p-53; }

double rt_rng_uniform(RtRng *r, double a, double b) {
  if (!(a < b) || !isfinite(a) || !isfinite(b)) return a + (b - a) * rt_rng_double(r);
  const int wide = !isfinite(b - a); /* e.g. [-DBL_MAX, DBL_MAX): interpolate instead */
  for (;;) {
    double u = rt_rng_double(r);
    double x = wide ? a * (1 - u) + b * u : a + (b - a) * u;
    if (x < b) return x; /* rounding may reach b; keep the interval half-open */
  }
}

double rt_rng_normal(RtRng *r, double mu, double sigma) {
  double u, s;
  do {
    u = 2.0 * rt_rng_double(r) - 1.0;
    double v = 2.0 * rt_rng_double(r) - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  return mu + sigma * (u * sqrt(-2.0 * log(s) / s));
}

uint64_t rt_rng_below(RtRng *r, uint64_t n) {
  if (n == 0) return 0;
  __uint128_t m = (__uint128_t)rt_rng_next(r) * n;
  uint64_t lo = (uint64_t)m;
  if (lo < n) {
    const uint64_t t = (0 - n) % n; /* 2^64 mod n: the biased low values to reject */
    while (lo < t) {
      m = (__uint128_t)rt_rng_next(r) * n;
      lo = (uint64_t)m;
    }
  }
  return (uint64_t)(m >> 64);
}

int64_t rt_rng_randint(RtRng *r, int64_t a, int64_t b) {
  if (b <= a) return a;
  uint64_t span = (uint64_t)b - (uint64_t)a; /* exact even when b - a overflows int64 */
  return (int64_t)((uint64_t)a + rt_rng_below(r, span));
}

int rt_rng_bernoulli(RtRng *r, double p) { return rt_rng_double(r) < p ? 1 : 0; }

void rt_rng_permutation(RtRng *r, int64_t n, int64_t *out) {
  for (int64_t i = 0; i < n; i++) out[i] = i;
  for (int64_t i = n - 1; i >= 1; i--) {
    int64_t j = (int64_t)rt_rng_below(r, (uint64_t)i + 1);
    int64_t t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
}

/* ------------------------------------------------------------------ sampling without replacement */

static int64_t hash_cap(int64_t k) {
  int64_t cap = 2;
  while (cap < 2 * k) cap *= 2;
  return cap;
}

int64_t rt_rng_sample_scratch_len(int64_t k, int64_t n) {
  if (k <= 0) return 0;
  if (n <= 4 * k) return n;
  return 2 * hash_cap(k);
}

/* Open-addressing map position -> value of the virtual Fisher–Yates array (absent = identity).
 * Keys are positions in [0, n), so -1 marks an empty slot. */
typedef struct SwapMap {
  int64_t *slot; /* 2 * cap: key, value pairs */
  uint64_t mask;
} SwapMap;

static int64_t *swapmap_find(SwapMap *m, int64_t key, int insert) {
  uint64_t h = ((uint64_t)key * UINT64_C(0x9E3779B97F4A7C15)) >> 20;
  for (uint64_t i = h & m->mask;; i = (i + 1) & m->mask) {
    int64_t *e = &m->slot[2 * i];
    if (e[0] == key) return e;
    if (e[0] == -1) {
      if (!insert) return NULL;
      e[0] = key;
      e[1] = key;
      return e;
    }
  }
}

int rt_rng_sample_without_replacement(RtRng *r, int64_t k, int64_t n, int64_t *out,
                                      int64_t *scratch) {
  if (k < 0 || n < 0 || k > n) return -1;
  if (k == 0) return 0;
  if (n <= 4 * k) {
    int64_t *a = scratch;
    for (int64_t i = 0; i < n; i++) a[i] = i;
    for (int64_t i = 0; i < k; i++) {
      int64_t j = i + (int64_t)rt_rng_below(r, (uint64_t)(n - i));
      int64_t t = a[i];
      a[i] = a[j];
      a[j] = t;
      out[i] = a[i];
    }
    return 0;
  }
  int64_t cap = hash_cap(k);
  SwapMap m = {scratch, (uint64_t)cap - 1};
  for (int64_t i = 0; i < 2 * cap; i += 2) scratch[i] = -1;
  /* At most one insertion per step (position j > i), so the table is at most half full. */
  for (int64_t i = 0; i < k; i++) {
    int64_t j = i + (int64_t)rt_rng_below(r, (uint64_t)(n - i));
    int64_t *ei = swapmap_find(&m, i, 0);
    int64_t ai = ei ? ei[1] : i;
    if (j == i) {
      out[i] = ai;
      continue;
    }
    int64_t *ej = swapmap_find(&m, j, 1);
    out[i] = ej[1];
    ej[1] = ai; /* position i is never read again, so it needs no update */
  }
  return 0;
}

/* ------------------------------------------------------------------ fills */

void rt_rng_fill_uniform(RtRng *r, double a, double b, double *out, int64_t count) {
  for (int64_t i = 0; i < count; i++) out[i] = rt_rng_uniform(r, a, b);
}

void rt_rng_fill_normal(RtRng *r, double mu, double sigma, double *out, int64_t count) {
  for (int64_t i = 0; i < count; i++) out[i] = rt_rng_normal(r, mu, sigma);
}

void rt_rng_fill_randint(RtRng *r, int64_t a, int64_t b, double *out, int64_t count) {
  for (int64_t i = 0; i < count; i++) out[i] = (double)rt_rng_randint(r, a, b);
}

void rt_rng_fill_bernoulli(RtRng *r, double p, double *out, int64_t count) {
  for (int64_t i = 0; i < count; i++) out[i] = (double)rt_rng_bernoulli(r, p);
}

void rt_rng_fill_permutation(RtRng *r, int64_t n, double *out) {
  /* Same algorithm as rt_rng_permutation, on doubles (exact for n <= 2^53). */
  for (int64_t i = 0; i < n; i++) out[i] = (double)i;
  for (int64_t i = n - 1; i >= 1; i--) {
    int64_t j = (int64_t)rt_rng_below(r, (uint64_t)i + 1);
    double t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
}

/* ------------------------------------------------------------------ random_spd */

/* Copies the lower triangle of the row-major n x n matrix a onto its upper triangle, in tiles
 * so both sides stay in cache. */
static void mirror_lower(double *a, int64_t n) {
  const int64_t B = 64;
  for (int64_t ib = 0; ib < n; ib += B)
    for (int64_t jb = 0; jb <= ib; jb += B) {
      int64_t ie = ib + B < n ? ib + B : n, je = jb + B < n ? jb + B : n;
      for (int64_t i = ib; i < ie; i++)
        for (int64_t j = jb; j < je && j < i; j++) a[j * n + i] = a[i * n + j];
    }
}

int rt_random_spd(RtRng *rng, int64_t n, double lo, double hi, double *out) {
  if (n < 1 || n > INT32_MAX || (uint64_t)n * (uint64_t)n > SIZE_MAX / sizeof(double)) return -1;
  if (!isfinite(lo) || !isfinite(hi) || !(lo > 0) || hi < lo) return -1;
  double *lam = malloc(3 * (size_t)n * sizeof *lam);
  if (!lam) return -2;
  double *u = lam + n, *w = u + n;
  const int ni = (int)n;

  for (int64_t i = 0; i < n; i++) lam[i] = n == 1 ? lo : lo + (double)i * ((hi - lo) / (double)(n - 1));
  lam[n - 1] = n == 1 ? lo : hi;

  /* Draw every reflection first, H_1 first, so the draws do not depend on the BLAS path.
   * They are applied in reverse (H_k innermost): A = H_1 (... (H_k L H_k) ...) H_1. */
  double *us = malloc((size_t)RT_SPD_REFLECTIONS * (size_t)n * sizeof *us);
  if (!us) {
    free(lam);
    return -2;
  }
  for (int r = 0; r < RT_SPD_REFLECTIONS; r++) {
    double *ur = us + (size_t)r * (size_t)n, nrm2 = 0;
    do {
      for (int64_t i = 0; i < n; i++) ur[i] = rt_rng_normal(rng, 0.0, 1.0);
      nrm2 = 0;
      for (int64_t i = 0; i < n; i++) nrm2 += ur[i] * ur[i];
    } while (!(nrm2 > 0)); /* all-zero draws are impossible in practice; stay well-defined */
    double inv = 1.0 / sqrt(nrm2);
    for (int64_t i = 0; i < n; i++) ur[i] *= inv;
  }

  /* Only the lower triangle is maintained; the upper is filled by mirror_lower at the end. */
  memset(out, 0, (size_t)n * (size_t)n * sizeof *out);
  for (int64_t i = 0; i < n; i++) out[i * n + i] = lam[i];
  for (int r = RT_SPD_REFLECTIONS - 1; r >= 0; r--) {
    memcpy(u, us + (size_t)r * (size_t)n, (size_t)n * sizeof *u);
    if (r == RT_SPD_REFLECTIONS - 1) {
      for (int64_t i = 0; i < n; i++) w[i] = lam[i] * u[i]; /* A is still diagonal */
    } else {
      cblas_dsymv(CblasRowMajor, CblasLower, ni, 1.0, out, ni, u, 1, 0.0, w, 1);
    }
    double alpha = cblas_ddot(ni, u, 1, w, 1);
    cblas_daxpy(ni, -alpha, u, 1, w, 1); /* w <- z = A u - (u^T A u) u */
    cblas_dsyr2(CblasRowMajor, CblasLower, ni, -2.0, u, 1, w, 1, out, ni);
  }
  mirror_lower(out, n);
  free(us);
  free(lam);
  return 0;
}
