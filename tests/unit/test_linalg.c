/* test_linalg.c — rt_linalg (BLAS/LAPACK wrappers, stopping OpenBLAS's idle threads),
 * rt_tridiag (O(j) LDL^T solve with its breakdown guard, Sturm bisection for Ritz values) and
 * the counting allocator rt_mem. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cblas.h>
#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rt_linalg.h"
#include "rt_mem.h"
#include "rt_rng.h"
#include "rt_tridiag.h"

/* The threads of this process (/proc/self/task), or -1 without /proc. */
static int count_threads(void) {
  DIR *d = opendir("/proc/self/task");
  if (!d) return -1;
  int n = 0;
  for (struct dirent *e; (e = readdir(d));) n += e->d_name[0] != '.';
  closedir(d);
  return n;
}

/* c = a b for n x n matrices, large enough for OpenBLAS to split it over its threads. */
static void gemm(int n, const double *a, const double *b, double *c) {
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, a, n, b, n, 0.0, c, n);
}

/* rt_blas_stop_idle_threads ends OpenBLAS's workers (the driver calls it so that they do not
 * spin through the data stage), and the next threaded product starts them again, with the
 * same result to the bit. Runs first: nothing else in this program starts threads. */
static void test_blas_idle_threads(void **state) {
  (void)state;
  int before = count_threads(), nblas = openblas_get_num_threads();
  if (before < 0 || nblas < 2 || openblas_get_parallel() != 1) {
    skip(); /* one CPU, OPENBLAS_NUM_THREADS=1, or not OpenBLAS's pthreads build */
  }
  enum { N = 400 };
  double *a = malloc(sizeof(double) * N * N), *b = malloc(sizeof(double) * N * N);
  double *c1 = malloc(sizeof(double) * N * N), *c2 = malloc(sizeof(double) * N * N);
  assert_non_null(a && b && c1 && c2);
  for (int i = 0; i < N * N; i++) a[i] = sin(0.37 * i), b[i] = cos(1.3 * i);
  gemm(N, a, b, c1);
  int running = count_threads(); /* the workers, started at load or again for the product */
  assert_int_equal(running, before);
  assert_true(rt_blas_stop_idle_threads());
  assert_int_equal(count_threads(), running - (nblas - 1));
  gemm(N, a, b, c2); /* OpenBLAS starts them again */
  assert_int_equal(count_threads(), running);
  assert_memory_equal(c1, c2, sizeof(double) * N * N);
  assert_true(rt_blas_stop_idle_threads()); /* and they can be stopped again */
  assert_int_equal(count_threads(), running - (nblas - 1));
  free(a), free(b), free(c1), free(c2);
}

static void test_level1(void **state) {
  (void)state;
  double x[] = {1, 2, 3}, y[] = {4, 5, 6};
  assert_true(rt_dot(3, x, y) == 32);
  assert_true(fabs(rt_nrm2(3, x) - sqrt(14)) < 1e-15);
  rt_axpy(3, 2, x, y); /* y = 6 9 12 */
  assert_true(y[0] == 6 && y[1] == 9 && y[2] == 12);
  rt_axpby(3, 1, x, -1, y); /* y = x - y = -5 -7 -9 */
  assert_true(y[0] == -5 && y[2] == -9);
  double z[3];
  rt_sub(3, x, y, z);
  assert_true(z[1] == 9);
  assert_true(rt_all_finite(3, z));
  z[1] = NAN;
  assert_false(rt_all_finite(3, z));
  z[1] = -INFINITY;
  assert_false(rt_all_finite(3, z));
  double A[] = {1, 2, 3, 4, 5, 6}, w[2] = {0, 0}, v3[3];
  rt_gemv(false, 2, 3, 1, A, x, 0, w); /* [14, 32] */
  assert_true(w[0] == 14 && w[1] == 32);
  rt_gemv(true, 2, 3, 1, A, w, 0, v3); /* A' w = [142, 188, 234] */
  assert_true(v3[0] == 142 && v3[2] == 234);
}

/* A random SPD matrix, a solve by Cholesky, the strict upper triangle left intact. */
static void test_cholesky_and_fallbacks(void **state) {
  (void)state;
  enum { N = 6 };
  RtRng r;
  rt_rng_seed(&r, 3);
  double G[N * N], A[N * N], A0[N * N], b[N], z[N], tmp[N], wv[N];
  for (int i = 0; i < N * N; i++) G[i] = rt_rng_normal(&r, 0, 1);
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) {
      double a = i == j ? 1.0 : 0.0;
      for (int k = 0; k < N; k++) a += G[i * N + k] * G[j * N + k];
      A[i * N + j] = a;
    }
  memcpy(A0, A, sizeof A);
  for (int i = 0; i < N; i++) b[i] = rt_rng_uniform(&r, -1, 1);
  memcpy(z, b, sizeof b);
  assert_int_equal(rt_chol_factor(N, A), 0);
  for (int i = 0; i < N; i++)
    for (int j = i + 1; j < N; j++) assert_true(A[i * N + j] == A0[i * N + j]);
  rt_chol_solve(N, A, z);
  double res[N];
  rt_gemv(false, N, N, 1, A0, z, 0, res);
  for (int i = 0; i < N; i++) assert_true(fabs(res[i] - b[i]) < 1e-12);
  /* Eigendecomposition solve agrees; an indefinite matrix fails Cholesky. */
  memcpy(A, A0, sizeof A);
  int64_t lw = rt_sym_eig_lwork(N);
  double *work = malloc((size_t)lw * sizeof *work);
  assert_int_equal(rt_sym_eig(N, A, wv, work, lw), 0);
  for (int i = 1; i < N; i++) assert_true(wv[i] >= wv[i - 1]);
  double z2[N];
  memcpy(z2, b, sizeof b);
  assert_int_equal(rt_sym_eig_solve(N, A, wv, 1e-14, false, z2, tmp), 0);
  for (int i = 0; i < N; i++) assert_true(fabs(z2[i] - z[i]) < 1e-10 * (1 + fabs(z[i])));
  memcpy(A, A0, sizeof A);
  for (int i = 0; i < N; i++) A[i * N + i] -= wv[N / 2]; /* shift into indefiniteness */
  assert_true(rt_chol_factor(N, A) > 0);
  /* The nonsingular variant passes the positive definite A0 and refuses a Gram matrix of rank
   * 3 and order 4, which rounding let dpotrf pass with a pivot of 1e-16 (few-shot learning
   * without a ridge: tests/golden/eval_singular_gram.blo). */
  memcpy(A, A0, sizeof A);
  assert_int_equal(rt_chol_factor_nonsingular(N, A, 1e-11), 0);
  const double F[3][4] = {{-0.4, -1.2, 1.7, -0.5}, {0.3, -0.3, 1.6, 1.3}, {0.6, -2.2, 0.1, 0.7}};
  double S[16];
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 4; j++) {
      S[i * 4 + j] = 0;
      for (int k = 0; k < 3; k++) S[i * 4 + j] += F[k][i] * F[k][j] * 2.0 / 3.0;
    }
  assert_true(rt_chol_factor_nonsingular(4, S, 1e-11) > 0);
  /* LU on a nonsymmetric system. */
  double M[4] = {0, 1, 2, 0}, mb[2] = {3, 4};
  int ipiv[2];
  assert_int_equal(rt_lu_solve(2, M, ipiv, mb), 0); /* [0 1; 2 0] z = [3 4] -> z = [2 3] */
  assert_true(fabs(mb[0] - 2) < 1e-15 && fabs(mb[1] - 3) < 1e-15);
  free(work);
}

/* T s = rhs against a dense solve, breakdown on a zero pivot, Ritz values against LAPACK. */
static void test_tridiag(void **state) {
  (void)state;
  enum { J = 9 };
  RtRng r;
  rt_rng_seed(&r, 11);
  double a[J], e[J], rhs[J], s[J], work[2 * J], T[J * J] = {0}, chk[J];
  for (int i = 0; i < J; i++) a[i] = 4 + rt_rng_uniform(&r, -1, 1);
  for (int i = 0; i < J - 1; i++) e[i] = rt_rng_uniform(&r, -1.5, 1.5);
  for (int i = 0; i < J; i++) rhs[i] = rt_rng_uniform(&r, -1, 1);
  for (int i = 0; i < J; i++) {
    T[i * J + i] = a[i];
    if (i + 1 < J) T[i * J + i + 1] = T[(i + 1) * J + i] = e[i];
  }
  assert_int_equal(rt_tridiag_solve(J, a, e, rhs, s, work), 0);
  rt_gemv(false, J, J, 1, T, s, 0, chk);
  for (int i = 0; i < J; i++) assert_true(fabs(chk[i] - rhs[i]) < 1e-13);
  /* in place */
  double s2[J];
  memcpy(s2, rhs, sizeof rhs);
  assert_int_equal(rt_tridiag_solve(J, a, e, s2, s2, work), 0);
  for (int i = 0; i < J; i++) assert_true(s2[i] == s[i]);
  /* Ritz values = eigenvalues of T. */
  double lo, hi, w[J], *wk = malloc((size_t)rt_sym_eig_lwork(J) * sizeof *wk);
  assert_int_equal(rt_sym_eig(J, T, w, wk, rt_sym_eig_lwork(J)), 0);
  rt_tridiag_extremes(J, a, e, &lo, &hi);
  assert_true(fabs(lo - w[0]) < 1e-12 * fabs(w[J - 1]));
  assert_true(fabs(hi - w[J - 1]) < 1e-12 * fabs(w[J - 1]));
  assert_int_equal(rt_tridiag_count_below(J, a, e, 0.5 * (w[3] + w[4])), 4);
  free(wk);
  /* Breakdown: [[1, 1], [1, 1]] is singular, the second pivot vanishes. */
  double a2[] = {1, 1}, e2[] = {1}, r2[] = {1, 2}, s3[2], w2[4];
  assert_int_equal(rt_tridiag_solve(2, a2, e2, r2, s3, w2), 2);
  double a3[] = {0, 1}, e3[] = {1};
  assert_int_equal(rt_tridiag_solve(2, a3, e3, r2, s3, w2), 1);
  /* j = 1 */
  double one = 2, rr = 3, so;
  assert_int_equal(rt_tridiag_solve(1, &one, e3, &rr, &so, w2), 0);
  assert_true(so == 1.5);
  rt_tridiag_extremes(1, &one, e3, &lo, &hi);
  assert_true(fabs(lo - 2) < 1e-13 && fabs(hi - 2) < 1e-13);
  /* Indefinite T (negative eigenvalue) is still solved and its negative Ritz value found. */
  double a4[] = {1, -2, 3}, e4[] = {0.5, 0.5};
  rt_tridiag_extremes(3, a4, e4, &lo, &hi);
  assert_true(lo < -2 && lo > -2.3);
}

static void test_mem_counters(void **state) {
  (void)state;
  RtMemStats s0 = rt_mem_stats();
  rt_mem_reset_peak();
  double *a = rt_mem_calloc(100, sizeof *a), *b = rt_mem_calloc(50, sizeof *b);
  assert_non_null(a);
  assert_true(a[99] == 0 && ((uintptr_t)a % 16) == 0);
  RtMemStats s1 = rt_mem_stats();
  assert_int_equal(s1.calls - s0.calls, 2);
  assert_int_equal(s1.live_bytes - s0.live_bytes, 1200);
  rt_mem_free(a);
  rt_mem_free(b);
  RtMemStats s2 = rt_mem_stats();
  assert_int_equal(s2.live_bytes, s0.live_bytes);
  assert_int_equal(s2.peak_bytes, s0.live_bytes + 1200);
  assert_null(rt_mem_calloc(SIZE_MAX / 2, 4));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_blas_idle_threads),
      cmocka_unit_test(test_level1),
      cmocka_unit_test(test_cholesky_and_fallbacks),
      cmocka_unit_test(test_tridiag),
      cmocka_unit_test(test_mem_counters),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
