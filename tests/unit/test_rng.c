/* test_rng.c — the generator contract: pinned outputs (any change to xoshiro256**, the seeding,
 * the stream derivation or a draw algorithm fails here), stream independence, statistical
 * sanity of every draw, the minibatch sampler, and random_spd's spectrum checked with LAPACK.
 * Pinned values were computed by an independent Python implementation of doc/data.md. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_rng.h"

/* LAPACK from OpenBLAS (Fortran ABI, with the hidden string lengths). */
void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
            double *w, double *work, const int *lwork, int *info, size_t, size_t);
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info, size_t);

static void test_reference_vectors(void **state) {
  (void)state;
  /* xoshiro256** from the state {1, 2, 3, 4}: the reference implementation's outputs */
  RtRng r = {{1, 2, 3, 4}};
  assert_true(rt_rng_next(&r) == 11520u);
  assert_true(rt_rng_next(&r) == 0u);
  assert_true(rt_rng_next(&r) == 1509978240u);
  assert_true(rt_rng_next(&r) == UINT64_C(1215971899390074240));
  uint64_t st = 0;
  assert_true(rt_splitmix64(&st) == UINT64_C(0xE220A8397B1DCDAF));
  assert_true(rt_fnv1a64("") == UINT64_C(0xCBF29CE484222325));
  assert_true(rt_fnv1a64(NULL) == UINT64_C(0xCBF29CE484222325));
  assert_true(rt_fnv1a64("a") == UINT64_C(0xAF63DC4C8601EC8C));
}

static void test_pinned_outputs(void **state) {
  (void)state;
  RtRng r;
  rt_rng_seed(&r, 42);
  assert_true(rt_rng_next(&r) == UINT64_C(0x15780b2e0c2ec716));
  assert_true(rt_rng_next(&r) == UINT64_C(0x6104d9866d113a7e));
  assert_true(rt_rng_next(&r) == UINT64_C(0xae17533239e499a1));
  assert_true(rt_rng_next(&r) == UINT64_C(0xecb8ad4703b360a1));

  r = rt_rng_stream(42, "G");
  assert_true(rt_rng_next(&r) == UINT64_C(0x285a8b4f0deecbef));
  assert_true(rt_rng_next(&r) == UINT64_C(0xdcfa3405faea3fc2));
  assert_true(rt_rng_next(&r) == UINT64_C(0x293317bdd1539de8));

  r = rt_rng_stream(42, "c");
  assert_true(rt_rng_double(&r) == 0.5391343012486974);
  assert_true(rt_rng_double(&r) == 0.9087147134522003);
  assert_true(rt_rng_double(&r) == 0.022672447879775293);

  /* normal depends on libm's log: allow the last bits to differ */
  r = rt_rng_stream(7, "noise");
  const double nz[] = {0.3706430203478087, 0.7999452110966856, -1.8254240721724497};
  for (int i = 0; i < 3; i++) {
    double z = rt_rng_normal(&r, 0, 1);
    assert_true(fabs(z - nz[i]) <= 1e-14 * fabs(nz[i]));
  }

  r = rt_rng_stream(7, "idx");
  const uint64_t b10[] = {3, 7, 1, 9, 4, 7, 3, 3, 0, 9};
  for (int i = 0; i < 10; i++) assert_true(rt_rng_below(&r, 10) == b10[i]);

  r = rt_rng_stream(1, "perm");
  int64_t p[10];
  const int64_t pref[] = {0, 3, 4, 6, 7, 9, 2, 5, 1, 8};
  rt_rng_permutation(&r, 10, p);
  for (int i = 0; i < 10; i++) assert_int_equal(p[i], pref[i]);

  /* the hashed path (5 of 1000) and the dense path (5 of 12) both follow the same
   * forward partial Fisher–Yates */
  int64_t out[5], scratch[64];
  const int64_t sref1[] = {517, 457, 846, 414, 187}, sref2[] = {6, 0, 10, 1, 5};
  assert_true(rt_rng_sample_scratch_len(5, 1000) <= 64);
  r = rt_rng_stream(3, "batch");
  assert_int_equal(rt_rng_sample_without_replacement(&r, 5, 1000, out, scratch), 0);
  for (int i = 0; i < 5; i++) assert_int_equal(out[i], sref1[i]);
  r = rt_rng_stream(3, "batch");
  assert_int_equal(rt_rng_sample_scratch_len(5, 12), 12);
  assert_int_equal(rt_rng_sample_without_replacement(&r, 5, 12, out, scratch), 0);
  for (int i = 0; i < 5; i++) assert_int_equal(out[i], sref2[i]);
}

static void test_streams_independent(void **state) {
  (void)state;
  RtRng a = rt_rng_stream(42, "a"), a2 = rt_rng_stream(42, "a");
  RtRng b = rt_rng_stream(42, "b"), a43 = rt_rng_stream(43, "a");
  RtRng seeded;
  rt_rng_seed(&seeded, 42);
  const int n = 100000;
  double sab = 0, sa = 0, sb = 0, saa = 0, sbb = 0;
  int same_b = 0, same_43 = 0, same_seed = 0;
  for (int i = 0; i < n; i++) {
    uint64_t xa = rt_rng_next(&a), xb = rt_rng_next(&b), x43 = rt_rng_next(&a43);
    assert_true(xa == rt_rng_next(&a2)); /* same (seed, name): same stream */
    same_b += xa == xb;
    same_43 += xa == x43;
    same_seed += xa == rt_rng_next(&seeded);
    double ua = (double)(xa >> 11) * 0x1p-53 - 0.5, ub = (double)(xb >> 11) * 0x1p-53 - 0.5;
    sab += ua * ub, sa += ua, sb += ub, saa += ua * ua, sbb += ub * ub;
  }
  assert_int_equal(same_b, 0);
  assert_int_equal(same_43, 0);
  assert_int_equal(same_seed, 0);
  double cov = sab / n - (sa / n) * (sb / n);
  double corr = cov / sqrt((saa / n - (sa / n) * (sa / n)) * (sbb / n - (sb / n) * (sb / n)));
  assert_true(fabs(corr) < 5.0 / sqrt((double)n));
  /* A stream does not depend on which other streams exist or were used. */
  RtRng x1 = rt_rng_stream(9, "x");
  RtRng other = rt_rng_stream(9, "y");
  for (int i = 0; i < 10; i++) rt_rng_next(&other);
  RtRng x2 = rt_rng_stream(9, "x");
  assert_memory_equal(&x1, &x2, sizeof x1);
  /* Names that differ only late or by case still differ. */
  RtRng l1 = rt_rng_stream(0, "weights_layer_10"), l2 = rt_rng_stream(0, "weights_layer_11");
  RtRng c1 = rt_rng_stream(0, "X"), c2 = rt_rng_stream(0, "x");
  assert_true(rt_rng_next(&l1) != rt_rng_next(&l2));
  assert_true(rt_rng_next(&c1) != rt_rng_next(&c2));
}

static void test_uniform_moments(void **state) {
  (void)state;
  RtRng r = rt_rng_stream(1, "u");
  const int n = 1000000;
  const double a = -5, b = 5;
  double s = 0, ss = 0, lo = INFINITY, hi = -INFINITY;
  for (int i = 0; i < n; i++) {
    double x = rt_rng_uniform(&r, a, b);
    assert_true(x >= a && x < b);
    s += x, ss += x * x;
    lo = fmin(lo, x), hi = fmax(hi, x);
  }
  double mean = s / n, var = ss / n - mean * mean;
  double v0 = (b - a) * (b - a) / 12;
  assert_true(fabs(mean - 0) < 5 * sqrt(v0 / n));
  /* Var of (x - mu)^2 for a uniform is (b-a)^4/180 - v0^2 = v0^2 * 4/5 */
  assert_true(fabs(var - v0) < 5 * sqrt(0.8 * v0 * v0 / n));
  assert_true(lo < a + 1e-3 && hi > b - 1e-3);
  /* [0,1) doubles are multiples of 2^-53 */
  double u = rt_rng_double(&r);
  assert_true(u * 0x1p53 == floor(u * 0x1p53));
  /* the widest interval, degenerate and tiny intervals stay inside */
  for (int i = 0; i < 1000; i++) {
    double x = rt_rng_uniform(&r, -1.7976931348623157e308, 1.7976931348623157e308);
    assert_true(isfinite(x) && x < 1.7976931348623157e308);
  }
  assert_true(isnan(rt_rng_uniform(&r, -INFINITY, INFINITY))); /* no hang on infinite bounds */
  assert_true(rt_rng_uniform(&r, 3, 3) == 3);
  for (int i = 0; i < 1000; i++) {
    double x = rt_rng_uniform(&r, 1.0, nextafter(1.0, 2.0));
    assert_true(x == 1.0);
  }
  double fill[1000];
  RtRng r1 = rt_rng_stream(5, "f"), r2 = rt_rng_stream(5, "f");
  rt_rng_fill_uniform(&r1, 0.1, 1.1, fill, 1000);
  for (int i = 0; i < 1000; i++) assert_true(fill[i] == rt_rng_uniform(&r2, 0.1, 1.1));
}

static void test_normal_moments(void **state) {
  (void)state;
  RtRng r = rt_rng_stream(2, "n");
  const int n = 1000000;
  double s = 0, ss = 0, s3 = 0, s4 = 0;
  for (int i = 0; i < n; i++) {
    double z = rt_rng_normal(&r, 2, 3);
    assert_true(isfinite(z));
    double d = (z - 2) / 3;
    s += d, ss += d * d, s3 += d * d * d, s4 += d * d * d * d;
  }
  double mean = s / n, var = ss / n;
  assert_true(fabs(mean) < 5 / sqrt((double)n));
  assert_true(fabs(var - 1) < 5 * sqrt(2.0 / n));
  assert_true(fabs(s3 / n) < 5 * sqrt(15.0 / n));
  assert_true(fabs(s4 / n - 3) < 5 * sqrt(96.0 / n));
  double fill[100];
  RtRng r1 = rt_rng_stream(5, "f"), r2 = rt_rng_stream(5, "f");
  rt_rng_fill_normal(&r1, -1, 0.5, fill, 100);
  for (int i = 0; i < 100; i++) assert_true(fill[i] == rt_rng_normal(&r2, -1, 0.5));
}

static void test_randint(void **state) {
  (void)state;
  RtRng r = rt_rng_stream(3, "k");
  const int n = 100000, a = -3, b = 7, K = b - a;
  int count[10] = {0};
  for (int i = 0; i < n; i++) {
    int64_t x = rt_rng_randint(&r, a, b);
    assert_true(x >= a && x < b);
    count[x - a]++;
  }
  double chi2 = 0, e = (double)n / K;
  for (int i = 0; i < K; i++) chi2 += (count[i] - e) * (count[i] - e) / e;
  assert_true(chi2 < 40.0); /* 9 degrees of freedom: P(chi2 > 40) ~ 7e-6 */
  /* A span that is not a power of two and close to 2^64 exercises the rejection branch. */
  uint64_t big = UINT64_C(0xC000000000000001);
  for (int i = 0; i < 1000; i++) assert_true(rt_rng_below(&r, big) < big);
  for (int i = 0; i < 1000; i++) {
    int64_t x = rt_rng_randint(&r, INT64_MIN, INT64_MAX);
    assert_true(x < INT64_MAX);
  }
  assert_true(rt_rng_below(&r, 1) == 0);
  assert_true(rt_rng_below(&r, 0) == 0);
  assert_true(rt_rng_randint(&r, 5, 5) == 5);
  assert_true(rt_rng_randint(&r, 5, 6) == 5);
  double fill[200];
  RtRng r1 = rt_rng_stream(5, "f"), r2 = rt_rng_stream(5, "f");
  rt_rng_fill_randint(&r1, 0, 10, fill, 200);
  for (int i = 0; i < 200; i++) assert_true(fill[i] == (double)rt_rng_randint(&r2, 0, 10));
}

static void test_bernoulli(void **state) {
  (void)state;
  RtRng r = rt_rng_stream(4, "b");
  const int n = 100000;
  int ones = 0;
  for (int i = 0; i < n; i++) {
    int x = rt_rng_bernoulli(&r, 0.3);
    assert_true(x == 0 || x == 1);
    ones += x;
  }
  assert_true(fabs(ones / (double)n - 0.3) < 5 * sqrt(0.3 * 0.7 / n));
  for (int i = 0; i < 1000; i++) {
    assert_int_equal(rt_rng_bernoulli(&r, 0), 0);
    assert_int_equal(rt_rng_bernoulli(&r, 1), 1);
    assert_int_equal(rt_rng_bernoulli(&r, -2), 0);
    assert_int_equal(rt_rng_bernoulli(&r, 7), 1);
  }
  double fill[100];
  rt_rng_fill_bernoulli(&r, 0.5, fill, 100);
  for (int i = 0; i < 100; i++) assert_true(fill[i] == 0.0 || fill[i] == 1.0);
}

static void test_permutation(void **state) {
  (void)state;
  RtRng r = rt_rng_stream(5, "p");
  enum { N = 1000 };
  int64_t p[N];
  char seen[N];
  for (int rep = 0; rep < 5; rep++) {
    rt_rng_permutation(&r, N, p);
    memset(seen, 0, sizeof seen);
    for (int i = 0; i < N; i++) {
      assert_true(p[i] >= 0 && p[i] < N);
      assert_int_equal(seen[p[i]], 0);
      seen[p[i]] = 1;
    }
  }
  rt_rng_permutation(&r, 0, p);
  rt_rng_permutation(&r, 1, p);
  assert_int_equal(p[0], 0);
  /* the double version draws the same permutation */
  RtRng r1 = rt_rng_stream(6, "p"), r2 = rt_rng_stream(6, "p");
  double pd[N];
  rt_rng_permutation(&r1, N, p);
  rt_rng_fill_permutation(&r2, N, pd);
  for (int i = 0; i < N; i++) assert_true(pd[i] == (double)p[i]);
  /* all 6 orders of 3 elements are equally likely */
  int count[6] = {0};
  const int reps = 60000;
  for (int i = 0; i < reps; i++) {
    int64_t q[3];
    rt_rng_permutation(&r, 3, q);
    count[q[0] * 2 + (q[1] > q[2])]++;
  }
  double chi2 = 0, e = reps / 6.0;
  for (int i = 0; i < 6; i++) chi2 += (count[i] - e) * (count[i] - e) / e;
  assert_true(chi2 < 33.0); /* 5 dof: P ~ 4e-6 */
}

/* The sampler checked against a dense partial Fisher–Yates on a copy of the generator. */
static void check_sample(RtRng *r, int64_t k, int64_t n) {
  int64_t len = rt_rng_sample_scratch_len(k, n);
  int64_t *scratch = malloc((size_t)(len ? len : 1) * sizeof *scratch);
  int64_t *out = malloc((size_t)(k ? k : 1) * sizeof *out);
  assert_non_null(scratch);
  assert_non_null(out);
  RtRng copy = *r;
  assert_int_equal(rt_rng_sample_without_replacement(r, k, n, out, scratch), 0);
  if (n <= 100000) {
    int64_t *a = malloc((size_t)(n ? n : 1) * sizeof *a);
    char *seen = calloc((size_t)(n ? n : 1), 1);
    for (int64_t i = 0; i < n; i++) a[i] = i;
    for (int64_t i = 0; i < k; i++) {
      int64_t j = i + (int64_t)rt_rng_below(&copy, (uint64_t)(n - i));
      int64_t t = a[i];
      a[i] = a[j];
      a[j] = t;
      assert_int_equal(out[i], a[i]);
      assert_true(out[i] >= 0 && out[i] < n);
      assert_int_equal(seen[out[i]], 0);
      seen[out[i]] = 1;
    }
    if (k == n)
      for (int64_t i = 0; i < n; i++) assert_int_equal(seen[i], 1);
    free(seen);
    free(a);
  } else {
    for (int64_t i = 0; i < k; i++) {
      assert_true(out[i] >= 0 && out[i] < n);
      for (int64_t j = 0; j < i; j++) assert_true(out[i] != out[j]);
    }
  }
  free(out);
  free(scratch);
}

static void test_sample_without_replacement(void **state) {
  (void)state;
  RtRng r = rt_rng_stream(8, "B");
  check_sample(&r, 100, 100);     /* k = n: a full permutation */
  check_sample(&r, 1, 1);
  check_sample(&r, 0, 10);
  check_sample(&r, 25, 100);      /* dense boundary: n = 4k */
  check_sample(&r, 24, 100);      /* hashed */
  check_sample(&r, 256, 60000);   /* a minibatch */
  check_sample(&r, 1000, 100000); /* hashed, many collisions between swaps */
  check_sample(&r, 1, 100000);
  check_sample(&r, 64, INT64_C(1) << 40); /* huge population: O(k) work */
  for (int rep = 0; rep < 200; rep++) check_sample(&r, 7, 29 + rep);
  int64_t out[4], scratch[64];
  assert_int_equal(rt_rng_sample_without_replacement(&r, 5, 4, out, scratch), -1);
  assert_int_equal(rt_rng_sample_without_replacement(&r, -1, 4, out, scratch), -1);
  assert_int_equal(rt_rng_sample_scratch_len(0, 10), 0);
  /* each index equally likely to be drawn: 2 of 5 */
  int count[5] = {0};
  const int reps = 50000;
  for (int i = 0; i < reps; i++) {
    rt_rng_sample_without_replacement(&r, 2, 5, out, scratch);
    assert_true(out[0] != out[1]);
    count[out[0]]++, count[out[1]]++;
  }
  double e = reps * 2 / 5.0, chi2 = 0;
  for (int i = 0; i < 5; i++) chi2 += (count[i] - e) * (count[i] - e) / e;
  assert_true(chi2 < 30.0);
  /* scratch stays O(k) for k << n */
  assert_true(rt_rng_sample_scratch_len(256, INT64_C(1) << 40) <= 8 * 256);
}

static void check_spd(int n, double lo, double hi, double tol) {
  double *a = malloc((size_t)n * n * sizeof *a), *b = malloc((size_t)n * n * sizeof *b);
  double *w = malloc((size_t)n * sizeof *w);
  assert_non_null(a);
  RtRng r1 = rt_rng_stream(11, "G"), r2 = rt_rng_stream(11, "G");
  assert_int_equal(rt_random_spd(&r1, n, lo, hi, a), 0);
  assert_int_equal(rt_random_spd(&r2, n, lo, hi, b), 0);
  assert_memory_equal(a, b, (size_t)n * n * sizeof *a); /* reproducible */
  double trace = 0, lsum = 0;
  int zeros = 0;
  for (int i = 0; i < n; i++) {
    trace += a[i * n + i];
    for (int j = 0; j < n; j++) {
      assert_true(a[i * n + j] == a[j * n + i]); /* exactly symmetric */
      zeros += a[i * n + j] == 0.0;
    }
  }
  if (lo < hi) assert_int_equal(zeros, 0); /* dense (lo == hi gives lo I plus rounding noise) */
  /* eigenvalues by LAPACK, ascending */
  int lwork = -1, info = 0;
  double wq;
  memcpy(b, a, (size_t)n * n * sizeof *a);
  dsyev_("N", "U", &n, b, &n, w, &wq, &lwork, &info, 1, 1);
  assert_int_equal(info, 0);
  lwork = (int)wq;
  double *work = malloc((size_t)lwork * sizeof *work);
  dsyev_("N", "U", &n, b, &n, w, work, &lwork, &info, 1, 1);
  assert_int_equal(info, 0);
  for (int i = 0; i < n; i++) {
    double li = n == 1 ? lo : (i == n - 1 ? hi : lo + i * ((hi - lo) / (n - 1)));
    lsum += li;
    if (fabs(w[i] - li) > tol * fabs(li))
      fail_msg("eigenvalue %d: %.17g, expected %.17g (rel err %.3g)", i, w[i], li,
               fabs(w[i] - li) / li);
  }
  assert_true(fabs(trace - lsum) <= 1e-12 * lsum);
  /* positive definite: Cholesky succeeds */
  memcpy(b, a, (size_t)n * n * sizeof *a);
  dpotrf_("U", &n, b, &n, &info, 1);
  assert_int_equal(info, 0);
  free(work);
  free(w);
  free(b);
  free(a);
}

static void test_random_spd(void **state) {
  (void)state;
  check_spd(50, 1, 100, 1e-9);
  check_spd(50, 1, 1e5, 1e-9);
  check_spd(50, 0.5, 0.5, 1e-9); /* all eigenvalues equal: a multiple of I */
  check_spd(2, 1, 2, 1e-12);     /* one 2 x 2 block */
  check_spd(1, 3, 4, 1e-14);     /* one 1 x 1 block */
  for (int n = 3; n <= 12; n++) check_spd(n, 1, 1e3, 1e-11); /* one block, then 2-3 blocks */
  check_spd(200, 0.1, 10, 1e-9);
  check_spd(200, 1, 1e5, 1e-9);
  check_spd(257, 1, 1e5, 1e-9); /* one block of 33, seven of 32: unequal sizes */
  check_spd(257, 0.5, 2, 1e-9);
  /* different names or seeds give different matrices; bad arguments leave out alone */
  double a[16], b[16];
  RtRng r1 = rt_rng_stream(1, "A"), r2 = rt_rng_stream(1, "B");
  assert_int_equal(rt_random_spd(&r1, 4, 1, 2, a), 0);
  assert_int_equal(rt_random_spd(&r2, 4, 1, 2, b), 0);
  assert_true(memcmp(a, b, sizeof a) != 0);
  r1 = rt_rng_stream(1, "A");
  r2 = rt_rng_stream(2, "A");
  assert_int_equal(rt_random_spd(&r1, 4, 1, 2, a), 0);
  assert_int_equal(rt_random_spd(&r2, 4, 1, 2, b), 0);
  assert_true(memcmp(a, b, sizeof a) != 0);
  memcpy(b, a, sizeof a);
  assert_int_equal(rt_random_spd(&r1, 0, 1, 2, a), -1);
  assert_int_equal(rt_random_spd(&r1, 4, 0, 2, a), -1);
  assert_int_equal(rt_random_spd(&r1, 4, 3, 2, a), -1);
  assert_int_equal(rt_random_spd(&r1, 4, 1, INFINITY, a), -1);
  assert_int_equal(rt_random_spd(&r1, 4, NAN, 2, a), -1);
  assert_memory_equal(a, b, sizeof a);
}

/* The eigenvectors are spread out, not coordinate axes in disguise. At n = 400 (blocks of 40):
 * no off-diagonal entry is negligible, no eigenvector puts more than a quarter of its mass on
 * one coordinate (Haar-random ones peak near 0.25; 4 Householder reflections, the previous
 * construction, leave components near 0.99), and almost every component is nonzero (blocks of
 * sqrt(n) would leave ~37% of each eigenvector exactly zero). Plus the seed contract. */
static void test_random_spd_mixing(void **state) {
  (void)state;
  int n = 400, info = 0, lwork = -1;
  const size_t nn = (size_t)n * (size_t)n;
  double *a = malloc(nn * sizeof *a), *b = malloc(nn * sizeof *b),
         *w = malloc((size_t)n * sizeof *w);
  assert_non_null(a);
  assert_non_null(b);
  assert_non_null(w);
  RtRng r = rt_rng_stream(11, "G");
  assert_int_equal(rt_random_spd(&r, n, 1, 1e5, a), 0);

  double amax = 0;
  for (size_t i = 0; i < nn; i++) amax = fmax(amax, fabs(a[i]));
  int small = 0;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) small += i != j && fabs(a[(size_t)i * n + j]) < 1e-12 * amax;
  double frac_small = (double)small / ((double)n * (n - 1));
  if (!(frac_small < 0.01)) fail_msg("%.3g of the off-diagonal entries are negligible", frac_small);

  /* eigenvectors (columns of the column-major result; the gaps of 250 make them well defined) */
  memcpy(b, a, nn * sizeof *a);
  double wq;
  dsyev_("V", "U", &n, b, &n, w, &wq, &lwork, &info, 1, 1);
  assert_int_equal(info, 0);
  lwork = (int)wq;
  double *work = malloc((size_t)lwork * sizeof *work);
  assert_non_null(work);
  dsyev_("V", "U", &n, b, &n, w, work, &lwork, &info, 1, 1);
  assert_int_equal(info, 0);
  double vmax = 0;
  int vzero = 0;
  for (size_t i = 0; i < nn; i++) {
    vmax = fmax(vmax, fabs(b[i]));
    vzero += fabs(b[i]) < 1e-10;
  }
  if (!(vmax < 0.5)) fail_msg("an eigenvector has a component of %.3f", vmax);
  double frac_zero = (double)vzero / (double)nn;
  if (!(frac_zero < 0.05)) fail_msg("%.3g of the eigenvector components are zero", frac_zero);

  /* same seed: the same bits; another seed or name: another matrix */
  r = rt_rng_stream(11, "G");
  assert_int_equal(rt_random_spd(&r, n, 1, 1e5, b), 0);
  assert_memory_equal(a, b, nn * sizeof *a);
  r = rt_rng_stream(12, "G");
  assert_int_equal(rt_random_spd(&r, n, 1, 1e5, b), 0);
  size_t same = 0;
  for (size_t i = 0; i < nn; i++) same += a[i] == b[i];
  assert_true(same < nn / 100);
  free(work);
  free(w);
  free(b);
  free(a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_reference_vectors),
    cmocka_unit_test(test_pinned_outputs),
    cmocka_unit_test(test_streams_independent),
    cmocka_unit_test(test_uniform_moments),
    cmocka_unit_test(test_normal_moments),
    cmocka_unit_test(test_randint),
    cmocka_unit_test(test_bernoulli),
    cmocka_unit_test(test_permutation),
    cmocka_unit_test(test_sample_without_replacement),
    cmocka_unit_test(test_random_spd),
    cmocka_unit_test(test_random_spd_mixing),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
