/* test_blas_portable.c — the portable BLAS/LAPACK loops of generated solvers
 * (runtime/rt_blas_portable.c) against OpenBLAS: every routine, both storage orders, transposes,
 * padded leading dimensions, alpha/beta special values, and the LAPACK error returns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_blas.h"
#include "rt_blas_portable.h"
#include "rt_rng.h"

static RtRng rng;

static double *rnd(size_t n) {
  double *v = malloc((n ? n : 1) * sizeof *v);
  for (size_t i = 0; i < n; i++) v[i] = rt_rng_uniform(&rng, -1, 1);
  return v;
}

static double *dup(const double *v, size_t n) {
  double *d = malloc((n ? n : 1) * sizeof *d);
  memcpy(d, v, n * sizeof *d);
  return d;
}

/* max |a - b| <= tol max(1, max |b|) */
static void near(const double *a, const double *b, size_t n, double tol, const char *what) {
  double scale = 1, err = 0;
  for (size_t i = 0; i < n; i++) scale = fmax(scale, fabs(b[i]));
  for (size_t i = 0; i < n; i++) err = fmax(err, fabs(a[i] - b[i]));
  if (!(err <= tol * scale)) fail_msg("%s: max error %.3g (scale %.3g)", what, err, scale);
}

static void test_level1(void **state) {
  (void)state;
  for (int n = 0; n < 40; n += 7) {
    double *x = rnd((size_t)n * 2), *y = rnd((size_t)n * 3);
    double d1 = rt_pblas_ddot(n, x, 2, y, 3), d2 = cblas_ddot(n, x, 2, y, 3);
    near(&d1, &d2, 1, 1e-14, "ddot");
    double n1 = rt_pblas_dnrm2(n, x, 2), n2 = cblas_dnrm2(n, x, 2);
    near(&n1, &n2, 1, 1e-14, "dnrm2");
    double *y1 = dup(y, (size_t)n * 3), *y2 = dup(y, (size_t)n * 3);
    rt_pblas_daxpy(n, 0.7, x, 2, y1, 3);
    cblas_daxpy(n, 0.7, x, 2, y2, 3);
    near(y1, y2, (size_t)n * 3, 1e-15, "daxpy");
    rt_pblas_dscal(n, -1.5, y1, 3);
    cblas_dscal(n, -1.5, y2, 3);
    near(y1, y2, (size_t)n * 3, 1e-15, "dscal");
    free(x), free(y), free(y1), free(y2);
  }
  /* dnrm2 without overflow or underflow */
  double big[3] = {1e300, 1e300, -1e300}, tiny[3] = {1e-300, 0, 1e-300};
  double nb = rt_pblas_dnrm2(3, big, 1), nt = rt_pblas_dnrm2(3, tiny, 1);
  assert_true(fabs(nb / (sqrt(3.0) * 1e300) - 1) < 1e-14);
  assert_true(fabs(nt / (sqrt(2.0) * 1e-300) - 1) < 1e-14);
}

static void test_level2(void **state) {
  (void)state;
  const int orders[2] = {CblasRowMajor, CblasColMajor}, trans[2] = {CblasNoTrans, CblasTrans};
  const double betas[3] = {0, 1, -0.5};
  for (int o = 0; o < 2; o++)
    for (int t = 0; t < 2; t++)
      for (int b = 0; b < 3; b++) {
        int m = 7, n = 5, lda = o == 0 ? n + 2 : m + 3;
        double *a = rnd((size_t)lda * (o == 0 ? m : n)), *x = rnd(8), *y = rnd(8);
        y[1] = NAN; /* beta = 0 must ignore y */
        double *y1 = dup(y, 8), *y2 = dup(y, 8);
        if (betas[b] != 0) y1[1] = y2[1] = 0.25;
        rt_pblas_dgemv(orders[o], trans[t], m, n, 0.9, a, lda, x, 1, betas[b], y1, 1);
        cblas_dgemv(orders[o], trans[t], m, n, 0.9, a, lda, x, 1, betas[b], y2, 1);
        near(y1, y2, (size_t)(t ? n : m), 1e-14, "dgemv");
        free(a), free(x), free(y), free(y1), free(y2);
      }
  const int uplos[2] = {CblasUpper, CblasLower};
  for (int o = 0; o < 2; o++)
    for (int u = 0; u < 2; u++) {
      int n = 6, lda = 8;
      double *a = rnd((size_t)lda * n), *x = rnd(6), *y = rnd(6);
      double *y1 = dup(y, 6), *y2 = dup(y, 6);
      rt_pblas_dsymv(orders[o], uplos[u], n, 1.3, a, lda, x, 1, 1.0, y1, 1);
      cblas_dsymv(orders[o], uplos[u], n, 1.3, a, lda, x, 1, 1.0, y2, 1);
      near(y1, y2, 6, 1e-14, "dsymv");
      free(a), free(x), free(y), free(y1), free(y2);
    }
  for (int o = 0; o < 2; o++) {
    int m = 4, n = 6, lda = o == 0 ? 7 : 5;
    double *a = rnd((size_t)lda * 6), *x = rnd(4), *y = rnd(6);
    double *a1 = dup(a, (size_t)lda * 6), *a2 = dup(a, (size_t)lda * 6);
    rt_pblas_dger(orders[o], m, n, -0.6, x, 1, y, 1, a1, lda);
    cblas_dger(orders[o], m, n, -0.6, x, 1, y, 1, a2, lda);
    near(a1, a2, (size_t)lda * 6, 1e-15, "dger");
    free(a), free(x), free(y), free(a1), free(a2);
  }
}

static void test_dgemm(void **state) {
  (void)state;
  const int orders[2] = {CblasRowMajor, CblasColMajor}, trans[2] = {CblasNoTrans, CblasTrans};
  const double alphas[2] = {1, 0}, betas[3] = {0, 1, 0.5};
  for (int o = 0; o < 2; o++)
    for (int ta = 0; ta < 2; ta++)
      for (int tb = 0; tb < 2; tb++)
        for (int al = 0; al < 2; al++)
          for (int be = 0; be < 3; be++) {
            int m = 5, n = 4, k = 6, lda = 9, ldb = 8, ldc = 7;
            double *a = rnd(9 * 9), *b = rnd(9 * 9), *c = rnd(9 * 9);
            double *c1 = dup(c, 81), *c2 = dup(c, 81);
            rt_pblas_dgemm(orders[o], trans[ta], trans[tb], m, n, k, alphas[al] * 1.1, a, lda, b,
                           ldb, betas[be], c1, ldc);
            cblas_dgemm(orders[o], trans[ta], trans[tb], m, n, k, alphas[al] * 1.1, a, lda, b, ldb,
                        betas[be], c2, ldc);
            near(c1, c2, 81, 1e-14, "dgemm");
            free(a), free(b), free(c), free(c1), free(c2);
          }
}

/* sgemm (rt_f32_gemm's float products): against OpenBLAS on the same floats. Each element sums
 * k + 1 = 7 terms of total magnitude < 1.1 k + 1 < 8 in k + 2 roundings, each at most
 * eps_f32 / 2 relative: either result is within (k + 2) (eps_f32 / 2) 8 of the exact one, so
 * the two within (k + 2) 8 eps_f32 = 64 eps_f32. */
static void test_sgemm(void **state) {
  (void)state;
  const int orders[2] = {CblasRowMajor, CblasColMajor}, trans[2] = {CblasNoTrans, CblasTrans};
  const float betas[3] = {0, 1, 0.5f};
  for (int o = 0; o < 2; o++)
    for (int ta = 0; ta < 2; ta++)
      for (int tb = 0; tb < 2; tb++)
        for (int be = 0; be < 3; be++) {
          int m = 5, n = 4, k = 6, lda = 9, ldb = 8, ldc = 7;
          double *ad = rnd(81), *bd = rnd(81), *cd = rnd(81);
          float a[81], b[81], c1[81], c2[81];
          for (int i = 0; i < 81; i++) {
            a[i] = (float)ad[i];
            b[i] = (float)bd[i];
            c1[i] = c2[i] = (float)cd[i];
          }
          rt_pblas_sgemm(orders[o], trans[ta], trans[tb], m, n, k, 1.1f, a, lda, b, ldb,
                         betas[be], c1, ldc);
          cblas_sgemm(orders[o], trans[ta], trans[tb], m, n, k, 1.1f, a, lda, b, ldb, betas[be],
                      c2, ldc);
          for (int i = 0; i < 81; i++) assert_true(fabsf(c1[i] - c2[i]) <= 64 * FLT_EPSILON);
          free(ad), free(bd), free(cd);
        }
}

/* a random SPD n x n matrix, column-major with leading dimension lda */
static double *spd(int n, int lda) {
  double *g = rnd((size_t)n * (size_t)n), *a = rnd((size_t)lda * (size_t)n);
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) {
      double s = i == j ? n : 0;
      for (int k = 0; k < n; k++) s += g[i * n + k] * g[j * n + k];
      a[i + j * lda] = s;
    }
  free(g);
  return a;
}

static void test_cholesky(void **state) {
  (void)state;
  const char *uplos[2] = {"U", "L"};
  for (int u = 0; u < 2; u++) {
    int n = 9, lda = 11, nrhs = 2, ldb = 10, info1, info2;
    double *a = spd(n, lda), *b = rnd((size_t)ldb * 2);
    double *a1 = dup(a, (size_t)lda * n), *a2 = dup(a, (size_t)lda * n);
    rt_pblas_dpotrf(uplos[u], &n, a1, &lda, &info1, 1);
    dpotrf_(uplos[u], &n, a2, &lda, &info2, 1);
    assert_int_equal(info1, 0);
    assert_int_equal(info2, 0);
    near(a1, a2, (size_t)lda * n, 1e-13, "dpotrf");
    double *b1 = dup(b, (size_t)ldb * 2), *b2 = dup(b, (size_t)ldb * 2);
    rt_pblas_dpotrs(uplos[u], &n, &nrhs, a1, &lda, b1, &ldb, &info1, 1);
    dpotrs_(uplos[u], &n, &nrhs, a2, &lda, b2, &ldb, &info2, 1);
    near(b1, b2, (size_t)ldb * 2, 1e-12, "dpotrs");
    /* not positive definite: the order of the failing minor */
    memcpy(a1, a, sizeof(double) * (size_t)lda * n);
    memcpy(a2, a, sizeof(double) * (size_t)lda * n);
    a1[3 + 3 * lda] = a2[3 + 3 * lda] = -100;
    rt_pblas_dpotrf(uplos[u], &n, a1, &lda, &info1, 1);
    dpotrf_(uplos[u], &n, a2, &lda, &info2, 1);
    assert_int_equal(info1, info2);
    assert_int_equal(info1, 4);
    free(a), free(b), free(a1), free(a2), free(b1), free(b2);
  }
}

static void test_dsyev(void **state) {
  (void)state;
  for (int n = 1; n <= 12; n += 11) {
    int lda = n + 1, lwork = -1, info;
    double q1, q2;
    double *a = rnd((size_t)lda * n);
    rt_pblas_dsyev("V", "U", &n, a, &lda, NULL, &q1, &lwork, &info, 1, 1);
    dsyev_("V", "U", &n, a, &lda, NULL, &q2, &lwork, &info, 1, 1);
    int lw = (int)fmax(q1, q2);
    double *work = malloc(sizeof(double) * (size_t)lw), *w1 = malloc(sizeof(double) * n),
           *w2 = malloc(sizeof(double) * n);
    double *a1 = dup(a, (size_t)lda * n), *a2 = dup(a, (size_t)lda * n);
    rt_pblas_dsyev("V", "U", &n, a1, &lda, w1, work, &lw, &info, 1, 1);
    assert_int_equal(info, 0);
    dsyev_("V", "U", &n, a2, &lda, w2, work, &lw, &info, 1, 1);
    assert_int_equal(info, 0);
    near(w1, w2, (size_t)n, 1e-13, "dsyev eigenvalues");
    /* A v_j = w_j v_j (A from its upper triangle), V'V = I */
    for (int j = 0; j < n; j++) {
      for (int i = 0; i < n; i++) {
        double s = 0;
        for (int k = 0; k < n; k++)
          s += (i <= k ? a[i + k * lda] : a[k + i * lda]) * a1[k + j * lda];
        assert_true(fabs(s - w1[j] * a1[i + j * lda]) < 1e-12);
      }
      for (int l = 0; l < n; l++) {
        double s = 0;
        for (int k = 0; k < n; k++) s += a1[k + j * lda] * a1[k + l * lda];
        assert_true(fabs(s - (j == l)) < 1e-13);
      }
    }
    free(a), free(work), free(w1), free(w2), free(a1), free(a2);
  }
}

static void test_dgesv(void **state) {
  (void)state;
  int n = 8, lda = 9, nrhs = 2, ldb = 10, info1, info2, ip1[8], ip2[8];
  double *a = rnd((size_t)lda * n), *b = rnd((size_t)ldb * 2);
  double *a1 = dup(a, (size_t)lda * n), *a2 = dup(a, (size_t)lda * n);
  double *b1 = dup(b, (size_t)ldb * 2), *b2 = dup(b, (size_t)ldb * 2);
  rt_pblas_dgesv(&n, &nrhs, a1, &lda, ip1, b1, &ldb, &info1);
  dgesv_(&n, &nrhs, a2, &lda, ip2, b2, &ldb, &info2);
  assert_int_equal(info1, 0);
  assert_int_equal(info2, 0);
  near(b1, b2, (size_t)ldb * 2, 1e-12, "dgesv");
  assert_memory_equal(ip1, ip2, sizeof ip1);
  /* exactly singular: a zero column */
  memcpy(a1, a, sizeof(double) * (size_t)lda * n);
  for (int i = 0; i < n; i++) a1[i + 2 * lda] = 0;
  rt_pblas_dgesv(&n, &nrhs, a1, &lda, ip1, b1, &ldb, &info1);
  assert_int_equal(info1, 3);
  free(a), free(b), free(a1), free(a2), free(b1), free(b2);
}

static void test_qr(void **state) {
  (void)state;
  for (int n = 1; n <= 40; n += 13) {
    int lda = n, lwork = -1, info;
    double q1 = 0, q2 = 0;
    double *a = rnd((size_t)n * n), *tau1 = rnd((size_t)n), *tau2 = rnd((size_t)n);
    rt_pblas_dgeqrf(&n, &n, a, &lda, tau1, &q1, &lwork, &info);
    dgeqrf_(&n, &n, a, &lda, tau2, &q2, &lwork, &info);
    int lw = (int)fmax(fmax(q1, q2), n);
    double *work = malloc(sizeof(double) * (size_t)lw);
    double *a1 = dup(a, (size_t)n * n), *a2 = dup(a, (size_t)n * n);
    rt_pblas_dgeqrf(&n, &n, a1, &lda, tau1, work, &lw, &info);
    assert_int_equal(info, 0);
    dgeqrf_(&n, &n, a2, &lda, tau2, work, &lw, &info);
    near(a1, a2, (size_t)n * n, 1e-13, "dgeqrf R and reflectors");
    near(tau1, tau2, (size_t)n, 1e-13, "dgeqrf tau");
    rt_pblas_dorgqr(&n, &n, &n, a1, &lda, tau1, work, &lw, &info);
    assert_int_equal(info, 0);
    dorgqr_(&n, &n, &n, a2, &lda, tau2, work, &lw, &info);
    near(a1, a2, (size_t)n * n, 1e-13, "dorgqr Q");
    free(a), free(tau1), free(tau2), free(work), free(a1), free(a2);
  }
}

int main(void) {
  rt_rng_seed(&rng, 42);
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_level1),  cmocka_unit_test(test_level2), cmocka_unit_test(test_dgemm),
    cmocka_unit_test(test_sgemm),
    cmocka_unit_test(test_cholesky), cmocka_unit_test(test_dsyev), cmocka_unit_test(test_dgesv),
    cmocka_unit_test(test_qr),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
