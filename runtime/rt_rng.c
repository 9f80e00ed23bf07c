/* rt_rng.c — xoshiro256** with splitmix64 seeding and named streams, the scalar draws and
 * fills behind the data builtins, the allocation-free minibatch sampler, and random_spd.
 * The exact algorithms are part of the contract (rt_rng.h, doc/data.md): changing any of them
 * changes every generated data set, and tests/unit/test_rng.c pins the first outputs. */
#include "rt_rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rt_blas.h"

RT_API uint64_t rt_splitmix64(uint64_t *state) {
  uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

RT_API uint64_t rt_fnv1a64(const char *s) {
  uint64_t h = UINT64_C(0xCBF29CE484222325);
  if (s)
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
      h ^= *p;
      h *= UINT64_C(0x100000001B3);
    }
  return h;
}

RT_API void rt_rng_seed(RtRng *r, uint64_t seed) {
  uint64_t st = seed;
  for (int i = 0; i < 4; i++) r->s[i] = rt_splitmix64(&st);
  /* splitmix64 is a bijection of a counter, so four successive outputs are never all zero
   * (they would have to come from four distinct states mapping to 0); guard anyway. */
  if ((r->s[0] | r->s[1] | r->s[2] | r->s[3]) == 0) r->s[0] = 1;
}

RT_API RtRng rt_rng_stream(uint64_t seed, const char *name) {
  uint64_t st = seed;
  uint64_t m = rt_splitmix64(&st);
  RtRng r;
  rt_rng_seed(&r, m ^ rt_fnv1a64(name));
  return r;
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

RT_API uint64_t rt_rng_next(RtRng *r) {
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

RT_API double rt_rng_double(RtRng *r) { return (double)(rt_rng_next(r) >> 11) * 0x1.0p-53; }

RT_API double rt_rng_uniform(RtRng *r, double a, double b) {
  if (!(a < b) || !isfinite(a) || !isfinite(b)) return a + (b - a) * rt_rng_double(r);
  const int wide = !isfinite(b - a); /* e.g. [-DBL_MAX, DBL_MAX): interpolate instead */
  for (;;) {
    double u = rt_rng_double(r);
    double x = wide ? a * (1 - u) + b * u : a + (b - a) * u;
    if (x < b) return x; /* rounding may reach b; keep the interval half-open */
  }
}

RT_API double rt_rng_normal(RtRng *r, double mu, double sigma) {
  double u, s;
  do {
    u = 2.0 * rt_rng_double(r) - 1.0;
    double v = 2.0 * rt_rng_double(r) - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  return mu + sigma * (u * sqrt(-2.0 * log(s) / s));
}

/* The 128-bit product a * b as (high, low) 64-bit halves: the compiler's 128-bit integers when
 * it has them, else four 32 x 32-bit partial products (generated solvers are plain C99). */
static uint64_t mul_64x64(uint64_t a, uint64_t b, uint64_t *lo) {
#if defined(__SIZEOF_INT128__)
  __extension__ typedef unsigned __int128 u128;
  u128 m = (u128)a * b;
  *lo = (uint64_t)m;
  return (uint64_t)(m >> 64);
#else
  const uint64_t a0 = a & 0xFFFFFFFFu, a1 = a >> 32, b0 = b & 0xFFFFFFFFu, b1 = b >> 32;
  const uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const uint64_t mid = (p00 >> 32) + (p01 & 0xFFFFFFFFu) + (p10 & 0xFFFFFFFFu);
  *lo = (mid << 32) | (p00 & 0xFFFFFFFFu);
  return p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
#endif
}

RT_API uint64_t rt_rng_below(RtRng *r, uint64_t n) {
  if (n == 0) return 0;
  uint64_t lo, hi = mul_64x64(rt_rng_next(r), n, &lo);
  if (lo < n) {
    const uint64_t t = (0 - n) % n; /* 2^64 mod n: the biased low values to reject */
    while (lo < t) hi = mul_64x64(rt_rng_next(r), n, &lo);
  }
  return hi;
}

RT_API int64_t rt_rng_randint(RtRng *r, int64_t a, int64_t b) {
  if (b <= a) return a;
  uint64_t span = (uint64_t)b - (uint64_t)a; /* exact even when b - a overflows int64 */
  return (int64_t)((uint64_t)a + rt_rng_below(r, span));
}

RT_API int rt_rng_bernoulli(RtRng *r, double p) { return rt_rng_double(r) < p ? 1 : 0; }

RT_API void rt_rng_permutation(RtRng *r, int64_t n, int64_t *out) {
  for (int64_t i = 0; i < n; i++) out[i] = i;
  for (int64_t i = n - 1; i >= 1; i--) {
    int64_t j = (int64_t)rt_rng_below(r, (uint64_t)i + 1);
    int64_t t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
}

/* ------------------------------------------------------------------ sampling without replacement
 */

static int64_t hash_cap(int64_t k) {
  int64_t cap = 2;
  while (cap < 2 * k) cap *= 2;
  return cap;
}

RT_API int64_t rt_rng_sample_scratch_len(int64_t k, int64_t n) {
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

RT_API int rt_rng_sample_without_replacement(RtRng *r, int64_t k, int64_t n, int64_t *out,
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

RT_API void rt_rng_fill_uniform(RtRng *r, double a, double b, double *out, int64_t count) {
  for (int64_t i = 0; i < count; i++) out[i] = rt_rng_uniform(r, a, b);
}

RT_API void rt_rng_fill_normal(RtRng *r, double mu, double sigma, double *out, int64_t count) {
  for (int64_t i = 0; i < count; i++) out[i] = rt_rng_normal(r, mu, sigma);
}

RT_API void rt_rng_fill_randint(RtRng *r, int64_t a, int64_t b, double *out, int64_t count) {
  for (int64_t i = 0; i < count; i++) out[i] = (double)rt_rng_randint(r, a, b);
}

RT_API void rt_rng_fill_bernoulli(RtRng *r, double p, double *out, int64_t count) {
  for (int64_t i = 0; i < count; i++) out[i] = (double)rt_rng_bernoulli(r, p);
}

RT_API void rt_rng_fill_permutation(RtRng *r, int64_t n, double *out) {
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

/* ceil(sqrt(m)) for 1 <= m < 2^52, exactly. */
static int64_t isqrt_ceil(int64_t m) {
  int64_t b = (int64_t)sqrt((double)m);
  while (b * b < m) b++;
  while (b > 1 && (b - 1) * (b - 1) >= m) b--;
  return b;
}

/* A Haar-random s x s orthogonal matrix into u (column-major): s*s normal(0, 1) draws in
 * storage order (column by column), the Q of their QR factorisation (dgeqrf + dorgqr), column j
 * multiplied by sign(R_jj) (+1 for 0) so that R has a positive diagonal. That sign fix makes Q
 * exactly Haar (Mezzadri 2007); without it the distribution depends on LAPACK's conventions.
 * tau holds s doubles, work lwork + s. Returns LAPACK's info (0 unless a bug). */
static int haar_block(RtRng *rng, int s, double *u, double *tau, double *work, int lwork) {
  int info = 0;
  for (int64_t i = 0; i < (int64_t)s * s; i++) u[i] = rt_rng_normal(rng, 0.0, 1.0);
  dgeqrf_(&s, &s, u, &s, tau, work, &lwork, &info);
  if (info) return info;
  double *sgn = work + lwork; /* dorgqr overwrites R's diagonal: keep its signs */
  for (int j = 0; j < s; j++) sgn[j] = u[(int64_t)j * s + j] < 0 ? -1.0 : 1.0;
  dorgqr_(&s, &s, &s, u, &s, tau, work, &lwork, &info);
  if (info) return info;
  for (int j = 0; j < s; j++)
    if (sgn[j] < 0)
      for (int i = 0; i < s; i++) u[(int64_t)j * s + i] = -u[(int64_t)j * s + i];
  return 0;
}

/* The partition of 0..n-1 shared by B1 and B2: nb blocks, the first r of size q + 1, the rest
 * of size q. */
typedef struct SpdBlocks {
  int64_t nb, q, r;
} SpdBlocks;

static int64_t blk_off(const SpdBlocks *p, int64_t k) { return k * p->q + (k < p->r ? k : p->r); }
static int blk_len(const SpdBlocks *p, int64_t k) { return (int)(p->q + (k < p->r)); }
/* The block holding index i. */
static int64_t blk_of(const SpdBlocks *p, int64_t i) {
  const int64_t big = p->r * (p->q + 1); /* indices in the r blocks of size q + 1 */
  return i < big ? i / (p->q + 1) : p->r + (i - big) / p->q;
}

RT_API int rt_random_spd(RtRng *rng, int64_t n, double lo, double hi, double *out) {
  if (n < 1 || n > INT32_MAX || (uint64_t)n * (uint64_t)n > SIZE_MAX / sizeof(double)) return -1;
  if (!isfinite(lo) || !isfinite(hi) || !(lo > 0) || hi < lo) return -1;
  /* b = ceil(2 sqrt(n)) (at most n) and nb = ceil(n / b) balanced blocks of size <= b. With
   * b = sqrt(n) each column of B1 would reach only ~(1 - 1/e) of the blocks of B2, leaving a
   * third of every eigenvector exactly zero and its largest entry near 0.5 at n = 400; 2 sqrt(n)
   * reaches ~98% of them. Balanced sizes, rather than b, ..., b and a remainder, keep any
   * eigenvector from being born in a tiny block. */
  int64_t b = isqrt_ceil(4 * n);
  if (b > n) b = n;
  const SpdBlocks bl = {(n + b - 1) / b, n / ((n + b - 1) / b), n % ((n + b - 1) / b)};
  const int ni = (int)n, bi = (int)b;

  /* LAPACK workspace for the largest block (the optimal size grows with the block). */
  int lwork = bi, info = 0, query = -1;
  {
    double wq = 0, dummy = 0;
    dgeqrf_(&bi, &bi, &dummy, &bi, &dummy, &wq, &query, &info);
    if (!info && wq > lwork) lwork = (int)wq;
    dorgqr_(&bi, &bi, &bi, &dummy, &bi, &dummy, &wq, &query, &info);
    if (!info && wq > lwork) lwork = (int)wq;
  }

  /* Everything is allocated before out is touched: O(b n) doubles in all. */
  const size_t bb = (size_t)b * (size_t)b, panel = (size_t)b * (size_t)n;
  double *lam = malloc((size_t)n * sizeof *lam);
  double *u1 = malloc((size_t)bl.nb * bb * sizeof *u1); /* block k at k b^2, column-major */
  double *u2 = malloc((size_t)bl.nb * bb * sizeof *u2);
  double *scr = malloc((panel > 2 * bb ? panel : 2 * bb) * sizeof *scr);
  double *tw = malloc((2 * (size_t)b + (size_t)lwork) * sizeof *tw); /* tau, work, signs */
  int64_t *perm = malloc((2 * (size_t)n + (size_t)bl.nb + 1 + (size_t)b) * sizeof *perm);
  int64_t *inv = perm ? perm + n : NULL, *bstart = perm ? inv + n : NULL; /* nb + 1 */
  int64_t *bl_l = perm ? bstart + bl.nb + 1 : NULL;                       /* b */
  int rc = -2;
  if (!lam || !u1 || !u2 || !scr || !tw || !perm) goto done;

  for (int64_t i = 0; i < n; i++)
    lam[i] = n == 1 ? lo : lo + (double)i * ((hi - lo) / (double)(n - 1));
  lam[n - 1] = n == 1 ? lo : hi;

  /* All the draws, in a fixed order that no BLAS or LAPACK call influences: the blocks of B1
   * (block 0 first), the permutation, the blocks of B2. */
  rc = -1; /* a LAPACK argument error would be a bug here: report bad arguments, out untouched */
  for (int64_t k = 0; k < bl.nb; k++)
    if (haar_block(rng, blk_len(&bl, k), u1 + (size_t)k * bb, tw, tw + b, lwork)) goto done;
  rt_rng_permutation(rng, n, perm);
  for (int64_t k = 0; k < bl.nb; k++)
    if (haar_block(rng, blk_len(&bl, k), u2 + (size_t)k * bb, tw, tw + b, lwork)) goto done;
  rc = 0;
  for (int64_t i = 0; i < n; i++) inv[perm[i]] = i;

  /* C = B1 diag(lam) B1^T is block-diagonal: C_k = U1_k diag(lam_k) U1_k^T, made exactly
   * symmetric and stored over U1_k (column-major, so its column p is row p too). */
  for (int64_t k = 0; k < bl.nb; k++) {
    const int64_t c0 = blk_off(&bl, k);
    const int s = blk_len(&bl, k);
    double *u = u1 + (size_t)k * bb, *c = scr, *ul = scr + bb;
    for (int j = 0; j < s; j++)
      for (int i = 0; i < s; i++) ul[(int64_t)j * s + i] = u[(int64_t)j * s + i] * lam[c0 + j];
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, s, s, s, 1.0, ul, s, u, s, 0.0, c, s);
    for (int j = 0; j < s; j++)
      for (int i = j + 1; i < s; i++) c[(int64_t)i * s + j] = c[(int64_t)j * s + i];
    memcpy(u, c, (size_t)s * (size_t)s * sizeof *c);
  }

  /* A = B2 M B2^T with M = P C P^T, i.e. M[i][j] = C[perm[i]][perm[j]] (P has its ones at
   * (i, perm[i])). The rows inv[c0 + p] of M (p in C's block k) hold C_k's rows at the same
   * columns inv[c0 + l], so W = M B2^T restricted to those rows and to B2's block kr is
   * C_k[:, L] U2_kr[:, L']^T, where L are the l whose column inv[c0 + l] falls in block kr
   * (~b / nb of them) and L' their offsets inside it: ~4 n^2 flops in all, each entry of W
   * written once, straight into out (a zero block when L is empty). Then A = B2 W is dense:
   * block row k of A is U2_k times block row k of W, by dgemm (u2 is column-major, hence
   * Trans). Only columns below the end c1 of each row's own block are formed, on and below
   * the block diagonal: b n^2 flops in all, and the lower triangle is mirrored at the end. */
  for (int64_t k = 0; k < bl.nb; k++) {
    const int64_t c0 = blk_off(&bl, k);
    const int s = blk_len(&bl, k);
    const double *ck = u1 + (size_t)k * bb;
    /* bucket the l by the block of B2 their column falls in, ascending l in each bucket */
    for (int64_t kr = 0; kr <= bl.nb; kr++) bstart[kr] = 0;
    for (int l = 0; l < s; l++) bstart[blk_of(&bl, inv[c0 + l]) + 1]++;
    for (int64_t kr = 0; kr < bl.nb; kr++) bstart[kr + 1] += bstart[kr];
    for (int l = 0; l < s; l++) {
      const int64_t kr = blk_of(&bl, inv[c0 + l]);
      bl_l[bstart[kr]++] = l;
    }
    for (int64_t kr = bl.nb; kr > 0; kr--) bstart[kr] = bstart[kr - 1]; /* undo the advance */
    bstart[0] = 0;
    for (int p = 0; p < s; p++) {
      const int64_t i = inv[c0 + p], ki = blk_of(&bl, i), c1 = blk_off(&bl, ki) + blk_len(&bl, ki);
      const double *crow = ck + (size_t)p * (size_t)s; /* row p of the symmetric C_k */
      double *row = out + (size_t)i * (size_t)n;
      for (int64_t kr = 0; kr < bl.nb && blk_off(&bl, kr) < c1; kr++) {
        const int64_t o = blk_off(&bl, kr);
        const int sr = blk_len(&bl, kr);
        const double *ub = u2 + (size_t)kr * bb;
        double *dst = row + o;
        if (bstart[kr] == bstart[kr + 1]) {
          memset(dst, 0, (size_t)sr * sizeof *dst);
          continue;
        }
        for (int64_t t = bstart[kr]; t < bstart[kr + 1]; t++) {
          const int l = (int)bl_l[t];
          const double v = crow[l], *ucol = ub + (size_t)(inv[c0 + l] - o) * (size_t)sr;
          if (t == bstart[kr])
            for (int j = 0; j < sr; j++) dst[j] = v * ucol[j];
          else
            for (int j = 0; j < sr; j++) dst[j] += v * ucol[j];
        }
      }
    }
  }
  for (int64_t k = 0; k < bl.nb; k++) {
    const int64_t r0 = blk_off(&bl, k);
    const int s = blk_len(&bl, k), c1 = (int)r0 + s;
    double *rows = out + (size_t)r0 * (size_t)n;
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, s, c1, s, 1.0, u2 + (size_t)k * bb, s,
                rows, ni, 0.0, scr, c1);
    for (int i = 0; i < s; i++)
      memcpy(rows + (size_t)i * (size_t)n, scr + (size_t)i * (size_t)c1, (size_t)c1 * sizeof *scr);
  }
  mirror_lower(out, n);

done:
  free(perm);
  free(tw);
  free(scr);
  free(u2);
  free(u1);
  free(lam);
  return rc;
}
