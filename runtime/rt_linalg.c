/* rt_linalg.c — OpenBLAS / LAPACK wrappers (see rt_linalg.h); the routines are declared in
 * rt_blas.h. */
#include "rt_linalg.h"

#include <assert.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#if !defined(RT_BLAS_PORTABLE) && !defined(RT_AMALGAMATION) && defined(__linux__)
#include <sys/resource.h>
#include <unistd.h>
#endif

#include "rt_blas.h"
#include "rt_mem.h"

static int blas_n(int64_t n) {
  assert(n >= 0 && n <= INT_MAX && "vector too long for 32-bit BLAS");
  return (int)n;
}

/* OpenBLAS's own entry points, declared weak: a solver from `bloc emit-c` may link another
 * BLAS, and Debian lets the OpenBLAS variant change under a built program (its OpenMP build has
 * no thread server to stop). */
#if !defined(RT_BLAS_PORTABLE) && defined(__GNUC__) && defined(__ELF__)
extern int openblas_get_parallel(void) __attribute__((weak));
extern int openblas_get_num_threads(void) __attribute__((weak));
extern int blas_thread_shutdown_(void) __attribute__((weak));

RT_API bool rt_blas_stop_idle_threads(void) {
  /* 1: the pthreads build, whose thread server blas_thread_shutdown_ stops and exec_blas
   * starts again on demand (also what OpenBLAS's own fork handler relies on) */
  if (!openblas_get_parallel || !openblas_get_num_threads || !blas_thread_shutdown_) return false;
  if (openblas_get_parallel() != 1 || openblas_get_num_threads() < 2) return false;
  blas_thread_shutdown_();
  return true;
}
#else
RT_API bool rt_blas_stop_idle_threads(void) { return false; }
#endif

/* this thread's OpenBLAS work buffer is taken (OpenBLAS keeps one a thread and reuses it) */
static RT_THREAD_LOCAL int blas_buffer_taken;

RT_API void rt_blas_reserve_buffer(void) {
  double a = 1;
  (void)rt_chol_factor(1, &a);
  blas_buffer_taken = 1;
}

#if !defined(RT_BLAS_PORTABLE) && !defined(RT_AMALGAMATION) && defined(__linux__)
/* OpenBLAS 0.3's BUFFER_SIZE (128 MiB) and its pages, as driver/address_limit.c */
#define BLAS_BUFFER_BYTES (136.0 * 1048576.0)

RT_API int rt_blas_fit_limit(char *err, size_t errlen) {
  if (blas_buffer_taken) return 0;
  struct rlimit rl;
  if (getrlimit(RLIMIT_AS, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return 0;
  FILE *f = fopen("/proc/self/statm", "r"); /* VmSize, in pages */
  unsigned long pages = 0;
  int n = f ? fscanf(f, "%lu", &pages) : 0;
  if (f) fclose(f);
  if (n != 1) return 0; /* no /proc: nothing to measure by */
  double room = (double)rl.rlim_cur - (double)pages * (double)sysconf(_SC_PAGESIZE);
  if (room < BLAS_BUFFER_BYTES)
    return rt_oom_errf(err, errlen,
                       "out of memory: the address-space limit (ulimit -v) leaves %.0f MiB, and "
                       "OpenBLAS's work buffer needs about %.0f MiB; raise the limit",
                       room > 0 ? room / 1048576.0 : 0.0, BLAS_BUFFER_BYTES / 1048576.0);
  rt_blas_reserve_buffer();
  return 0;
}
#else
RT_API int rt_blas_fit_limit(char *err, size_t errlen) {
  (void)err;
  (void)errlen;
  return 0;
}
#endif

RT_API double rt_dot(int64_t n, const double *x, const double *y) {
  return cblas_ddot(blas_n(n), x, 1, y, 1);
}
RT_API double rt_nrm2(int64_t n, const double *x) { return cblas_dnrm2(blas_n(n), x, 1); }
RT_API void rt_axpy(int64_t n, double a, const double *x, double *y) {
  cblas_daxpy(blas_n(n), a, x, 1, y, 1);
}
RT_API void rt_scal(int64_t n, double a, double *x) { cblas_dscal(blas_n(n), a, x, 1); }
RT_API void rt_copy(int64_t n, const double *x, double *y) {
  if (n > 0 && x != y) memcpy(y, x, (size_t)n * sizeof *y);
}
RT_API void rt_zero(int64_t n, double *x) {
  if (n > 0) memset(x, 0, (size_t)n * sizeof *x);
}

RT_API void rt_axpby(int64_t n, double a, const double *x, double b, double *y) {
  for (int64_t i = 0; i < n; i++) y[i] = a * x[i] + b * y[i];
}

RT_API void rt_sub(int64_t n, const double *a, const double *b, double *out) {
  for (int64_t i = 0; i < n; i++) out[i] = a[i] - b[i];
}

RT_API bool rt_all_finite(int64_t n, const double *x) {
  /* Sum of x*0 is NaN iff some entry is NaN or infinite: one branch-free pass. */
  double s = 0;
  for (int64_t i = 0; i < n; i++) s += x[i] * 0.0;
  return s == 0.0;
}

RT_API void rt_gemv(bool trans, int64_t m, int64_t n, double alpha, const double *A,
                    const double *x, double beta, double *y) {
  cblas_dgemv(CblasRowMajor, trans ? CblasTrans : CblasNoTrans, blas_n(m), blas_n(n), alpha, A,
              blas_n(n > 0 ? n : 1), x, 1, beta, y, 1);
}

/* Row-major symmetric = column-major symmetric; LAPACK's "L" (column-major lower) is the
 * row-major upper triangle. We ask LAPACK for "U" (column-major upper) so that, seen row-major,
 * the factor occupies the lower triangle and the strict upper triangle stays intact. */
RT_API int rt_chol_factor(int64_t n, double *A) {
  int nn = blas_n(n), lda = nn > 0 ? nn : 1, info = 0;
  if (nn == 0) return 0;
  dpotrf_("U", &nn, A, &lda, &info, 1);
  return info;
}

/* dpotrf succeeds on a singular Hessian whenever rounding leaves its last pivot a little
 * above 0: a 4 x 4 Gram matrix of rank 3 factored with pivot 1e-16, and the solve gave a
 * hypergradient of 1e15 with exit 0. A pivot L_kk^2 over its own diagonal entry A_kk is the
 * pivot of the Jacobi-scaled matrix D^-1/2 A D^-1/2 (unit diagonal), at least that matrix's
 * smallest eigenvalue: one at most rtol proves it singular to within rtol, refused as the
 * failing order k. Against the largest diagonal entry instead, an SPD Hessian with one
 * variable in other units (ridge with a feature times 3e7: eigenvalues 1.006 to 9.8e14, the
 * scaled one's pivots all above 0.1) was refused, called singular by the eigendecomposition,
 * and exact stayed at x0 with |hypergradient| 1e-17 and exit 0. Cholesky's rounding does not
 * depend on that scaling, so the scaled pivots judge it. A_kk is the sum of squares of L's row
 * k, read from the factor. */
RT_API int rt_chol_factor_nonsingular(int64_t n, double *A, double rtol) {
  double dmax = 0;
  for (int64_t i = 0; i < n; i++) dmax = fmax(dmax, A[i * n + i]);
  int rc = rt_chol_factor(n, A);
  /* an infinite diagonal (g = exp(1000) |y|^2) is no singular matrix: its factor passes as
   * before, and the callers' tests of finite values name it */
  if (rc != 0 || !isfinite(dmax)) return rc;
  for (int64_t k = 0; k < n; k++) {
    double d = A[k * n + k], akk = 0;
    for (int64_t j = 0; j <= k; j++) akk += A[k * n + j] * A[k * n + j];
    if (!(d * d > rtol * akk)) return (int)k + 1;
  }
  return 0;
}

RT_API void rt_chol_solve(int64_t n, const double *L, double *b) {
  int nn = blas_n(n), lda = nn > 0 ? nn : 1, one = 1, info = 0;
  if (nn == 0) return;
  dpotrs_("U", &nn, &one, L, &lda, b, &lda, &info, 1);
  assert(info == 0);
}

RT_API int64_t rt_sym_eig_lwork(int64_t n) {
  int nn = blas_n(n), lda = nn > 0 ? nn : 1, lwork = -1, info = 0;
  double q = 0, a = 0, w = 0;
  if (nn == 0) return 1;
  dsyev_("V", "U", &nn, &a, &lda, &w, &q, &lwork, &info, 1, 1);
  int64_t need = (int64_t)q;
  int64_t min = 3 * n - 1;
  return need > min ? need : (min > 1 ? min : 1);
}

RT_API int rt_sym_eig(int64_t n, double *A, double *w, double *work, int64_t lwork) {
  int nn = blas_n(n), lda = nn > 0 ? nn : 1, lw = blas_n(lwork), info = 0;
  if (nn == 0) return 0;
  /* Column-major eigenvectors are columns; seen row-major they are rows. */
  dsyev_("V", "U", &nn, A, &lda, w, work, &lw, &info, 1, 1);
  return info;
}

RT_API int rt_sym_eigvals(int64_t n, double *A, double *w, double *work, int64_t lwork) {
  int nn = blas_n(n), lda = nn > 0 ? nn : 1, lw = blas_n(lwork), info = 0;
  if (nn == 0) return 0;
  dsyev_("N", "U", &nn, A, &lda, w, work, &lw, &info, 1, 1);
  return info;
}

RT_API int rt_sym_scaled_solve(int64_t n, const RtSymScaled *m, double rtol, double *rhs) {
  if (!rt_sym_jacobi(n, m->diag, m->s)) return 0;
  rt_sym_fill_lower(n, m->A, m->diag, m->s);
  if (rt_sym_eigvals(n, m->A, m->w, m->work, m->lwork) != 0 || !(m->w[0] > rtol * m->w[n - 1]))
    return 0;
  rt_sym_fill_lower(n, m->A, m->diag, m->s);
  if (rt_sym_eig(n, m->A, m->w, m->work, m->lwork) != 0) return -1;
  for (int64_t i = 0; i < n; i++) rhs[i] *= m->s[i];
  /* (the same rtol: the values with vectors can differ from those without by rounding) */
  rt_sym_eig_solve(n, m->A, m->w, rtol, false, rhs, m->tmp);
  for (int64_t i = 0; i < n; i++) rhs[i] *= m->s[i];
  return 1;
}

RT_API bool rt_sym_jacobi(int64_t n, const double *diag, double *s) {
  for (int64_t i = 0; i < n; i++) {
    if (!(diag[i] > 0) || !isfinite(diag[i])) return false;
    s[i] = 1 / sqrt(diag[i]);
  }
  return true;
}

RT_API void rt_sym_fill_lower(int64_t n, double *A, const double *diag, const double *s) {
  for (int64_t i = 0; i < n; i++) {
    A[i * n + i] = s ? diag[i] * s[i] * s[i] : diag[i];
    for (int64_t j = i + 1; j < n; j++)
      A[j * n + i] = s ? A[i * n + j] * s[i] * s[j] : A[i * n + j];
  }
}

RT_API int rt_sym_eig_solve(int64_t n, const double *V, const double *w, double rcond,
                            bool abs_values, double *b, double *tmp) {
  double wmax = 0;
  for (int64_t i = 0; i < n; i++) wmax = fmax(wmax, fabs(w[i]));
  int dropped = 0;
  rt_gemv(false, n, n, 1.0, V, b, 0.0, tmp); /* tmp = V^T b (rows of V are eigenvectors) */
  for (int64_t i = 0; i < n; i++) {
    double wi = abs_values ? fabs(w[i]) : w[i];
    if (fabs(w[i]) <= rcond * wmax || wmax == 0) {
      tmp[i] = 0;
      dropped++;
    } else {
      tmp[i] /= wi;
    }
  }
  rt_gemv(true, n, n, 1.0, V, tmp, 0.0, b);
  return dropped;
}

RT_API int rt_lu_solve(int64_t n, double *A, int *ipiv, double *b) {
  int nn = blas_n(n), lda = nn > 0 ? nn : 1, one = 1, info = 0;
  if (nn == 0) return 0;
  /* LAPACK sees A^T (row-major); solving A^T z = b would be wrong for a general matrix, so
   * transpose in place first. */
  for (int64_t i = 0; i < n; i++)
    for (int64_t j = i + 1; j < n; j++) {
      double t = A[i * n + j];
      A[i * n + j] = A[j * n + i];
      A[j * n + i] = t;
    }
  dgesv_(&nn, &one, A, &lda, ipiv, b, &lda, &info);
  return info;
}
