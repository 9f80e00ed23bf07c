/* rt_blas_portable.c — portable loops for the BLAS and LAPACK routines of rt_blas_portable.h.
 * Level 2 and 3 routines are written for row-major storage; column-major calls become
 * row-major ones on the transposed problem. LAPACK routines follow the reference
 * implementation's unblocked algorithms (dpotf2, dgetf2/dgetrs, dgeqr2, dorg2r) so results
 * agree with LAPACK to rounding; dsyev is cyclic Jacobi. Nothing here allocates. */
#include "rt_blas_portable.h"

#include <float.h>
#include <math.h>
#include <string.h>

/* ------------------------------------------------------------------ level 1 */

RT_API double rt_pblas_ddot(int n, const double *x, int incx, const double *y, int incy) {
  double s = 0;
  for (int i = 0; i < n; i++) s += x[(size_t)i * (size_t)incx] * y[(size_t)i * (size_t)incy];
  return s;
}

RT_API double rt_pblas_dnrm2(int n, const double *x, int incx) {
  /* the plain sum of squares unless it overflows or underflows: then the scaled sum */
  double s = 0;
  for (int i = 0; i < n; i++) {
    double v = x[(size_t)i * (size_t)incx];
    s += v * v;
  }
  if (isfinite(s) && s >= DBL_MIN / DBL_EPSILON) return sqrt(s);
  double scale = 0, ssq = 1;
  for (int i = 0; i < n; i++) {
    double a = fabs(x[(size_t)i * (size_t)incx]);
    if (a == 0) continue;
    if (!(a <= DBL_MAX)) return a; /* inf or NaN */
    if (scale < a) {
      ssq = 1 + ssq * (scale / a) * (scale / a);
      scale = a;
    } else {
      ssq += (a / scale) * (a / scale);
    }
  }
  return scale * sqrt(ssq);
}

RT_API void rt_pblas_daxpy(int n, double alpha, const double *x, int incx, double *y, int incy) {
  if (alpha == 0) return;
  for (int i = 0; i < n; i++) y[(size_t)i * (size_t)incy] += alpha * x[(size_t)i * (size_t)incx];
}

RT_API void rt_pblas_dscal(int n, double alpha, double *x, int incx) {
  for (int i = 0; i < n; i++) x[(size_t)i * (size_t)incx] *= alpha;
}

/* y = beta y (beta = 0: zeros, whatever y held) */
static void scale_vec(int n, double beta, double *y, int incy) {
  for (int i = 0; i < n; i++) {
    double *p = &y[(size_t)i * (size_t)incy];
    *p = beta == 0 ? 0.0 : beta * *p;
  }
}

/* ------------------------------------------------------------------ level 2 */

RT_API void rt_pblas_dgemv(int order, int trans, int m, int n, double alpha, const double *a,
                           int lda, const double *x, int incx, double beta, double *y, int incy) {
  /* column-major A is the row-major A^T: the other product */
  int t = trans == RT_PBLAS_TRANS;
  if (order == RT_PBLAS_COL_MAJOR) {
    int mm = m;
    m = n;
    n = mm;
    t = !t;
  }
  /* row-major A (m x n): y = alpha A x (len m), or alpha A^T x (len n) */
  if (!t) {
    scale_vec(m, beta, y, incy);
    if (alpha == 0) return;
    for (int i = 0; i < m; i++) {
      const double *row = a + (size_t)i * (size_t)lda;
      double s = 0;
      for (int j = 0; j < n; j++) s += row[j] * x[(size_t)j * (size_t)incx];
      y[(size_t)i * (size_t)incy] += alpha * s;
    }
  } else {
    scale_vec(n, beta, y, incy);
    if (alpha == 0) return;
    for (int i = 0; i < m; i++) {
      const double *row = a + (size_t)i * (size_t)lda;
      double xi = alpha * x[(size_t)i * (size_t)incx];
      for (int j = 0; j < n; j++) y[(size_t)j * (size_t)incy] += xi * row[j];
    }
  }
}

RT_API void rt_pblas_dsymv(int order, int uplo, int n, double alpha, const double *a, int lda,
                           const double *x, int incx, double beta, double *y, int incy) {
  /* the stored triangle, seen row-major: column-major upper is row-major lower */
  int upper = (uplo == RT_PBLAS_UPPER) == (order == RT_PBLAS_ROW_MAJOR);
  scale_vec(n, beta, y, incy);
  if (alpha == 0) return;
  /* each stored element once, row by row: a_ij adds to y_i (row i) and to y_j (its mirror) */
  for (int i = 0; i < n; i++) {
    const double *row = a + (size_t)i * (size_t)lda;
    double xi = alpha * x[(size_t)i * (size_t)incx], s = 0;
    int j0 = upper ? i + 1 : 0, j1 = upper ? n : i;
    for (int j = j0; j < j1; j++) {
      y[(size_t)j * (size_t)incy] += xi * row[j];
      s += row[j] * x[(size_t)j * (size_t)incx];
    }
    y[(size_t)i * (size_t)incy] += xi * row[i] + alpha * s;
  }
}

RT_API void rt_pblas_dger(int order, int m, int n, double alpha, const double *x, int incx,
                          const double *y, int incy, double *a, int lda) {
  if (order == RT_PBLAS_COL_MAJOR) { /* A^T += alpha y x^T, row-major */
    int mm = m;
    const double *xx = x;
    int ix = incx;
    m = n;
    n = mm;
    x = y;
    incx = incy;
    y = xx;
    incy = ix;
  }
  if (alpha == 0) return;
  for (int i = 0; i < m; i++) {
    double xi = alpha * x[(size_t)i * (size_t)incx];
    double *row = a + (size_t)i * (size_t)lda;
    for (int j = 0; j < n; j++) row[j] += xi * y[(size_t)j * (size_t)incy];
  }
}

/* ------------------------------------------------------------------ level 3 */

/* C = alpha op(A) op(B) + beta C for one element type T (double, float): the loops of
 * rt_pblas_dgemm and rt_pblas_sgemm, written once. Sums are in T. */
#define PBLAS_GEMM(NAME, T)                                                                    \
  RT_API void NAME(int order, int transa, int transb, int m, int n, int k, T alpha, const T *a,  \
                   int lda, const T *b, int ldb, T beta, T *c, int ldc) {                      \
    if (order == RT_PBLAS_COL_MAJOR) { /* C^T = op(B)^T op(A)^T, all row-major */              \
      const T *t = a;                                                                          \
      int tl = lda, tt = transa, tm = m;                                                       \
      a = b;                                                                                   \
      lda = ldb;                                                                               \
      transa = transb;                                                                         \
      b = t;                                                                                   \
      ldb = tl;                                                                                \
      transb = tt;                                                                             \
      m = n;                                                                                   \
      n = tm;                                                                                  \
    }                                                                                          \
    int ta = transa == RT_PBLAS_TRANS, tb = transb == RT_PBLAS_TRANS;                          \
    for (int i = 0; i < m; i++) {                                                              \
      T *ci = c + (size_t)i * (size_t)ldc;                                                     \
      for (int j = 0; j < n; j++) ci[j] = beta == 0 ? (T)0 : beta * ci[j];                     \
      if (alpha == 0) continue;                                                                \
      for (int p = 0; p < k; p++) {                                                            \
        T aip = alpha * (ta ? a[(size_t)p * (size_t)lda + (size_t)i]                           \
                            : a[(size_t)i * (size_t)lda + (size_t)p]);                         \
        if (tb) {                                                                              \
          for (int j = 0; j < n; j++) ci[j] += aip * b[(size_t)j * (size_t)ldb + (size_t)p];   \
        } else {                                                                               \
          const T *bp = b + (size_t)p * (size_t)ldb;                                           \
          for (int j = 0; j < n; j++) ci[j] += aip * bp[j];                                    \
        }                                                                                      \
      }                                                                                        \
    }                                                                                          \
  }

PBLAS_GEMM(rt_pblas_dgemm, double)
/* in float: rt_f32_gemm's products at precision f32 */
PBLAS_GEMM(rt_pblas_sgemm, float)

/* ------------------------------------------------------------------ LAPACK */

/* element (i, j) of a column-major matrix */
#define CM(a, lda, i, j) (a)[(size_t)(i) + (size_t)(j) * (size_t)(lda)]

static int is_upper(const char *uplo) { return uplo[0] == 'U' || uplo[0] == 'u'; }

RT_API void rt_pblas_dpotrf(const char *uplo, const int *n, double *a, const int *lda, int *info,
                            size_t uplo_len) {
  (void)uplo_len;
  int N = *n, L = *lda, up = is_upper(uplo);
  *info = 0;
  /* dpotf2: column by column, A = U^T U (upper) or L L^T (lower); the other triangle untouched */
  for (int j = 0; j < N; j++) {
    double ajj = CM(a, L, j, j);
    for (int k = 0; k < j; k++) {
      double u = up ? CM(a, L, k, j) : CM(a, L, j, k);
      ajj -= u * u;
    }
    if (!(ajj > 0)) {
      CM(a, L, j, j) = ajj;
      *info = j + 1;
      return;
    }
    ajj = sqrt(ajj);
    CM(a, L, j, j) = ajj;
    for (int i = j + 1; i < N; i++) {
      double s = up ? CM(a, L, j, i) : CM(a, L, i, j);
      for (int k = 0; k < j; k++)
        s -= up ? CM(a, L, k, j) * CM(a, L, k, i) : CM(a, L, j, k) * CM(a, L, i, k);
      if (up) CM(a, L, j, i) = s / ajj;
      else CM(a, L, i, j) = s / ajj;
    }
  }
}

RT_API void rt_pblas_dpotrs(const char *uplo, const int *n, const int *nrhs, const double *a,
                            const int *lda, double *b, const int *ldb, int *info, size_t uplo_len) {
  (void)uplo_len;
  int N = *n, L = *lda, up = is_upper(uplo);
  *info = 0;
  for (int r = 0; r < *nrhs; r++) {
    double *x = b + (size_t)r * (size_t)*ldb;
    /* R^T z = b, then R x = z, with R = U (upper) or L^T (lower) */
    for (int i = 0; i < N; i++) {
      double s = x[i];
      for (int k = 0; k < i; k++) s -= (up ? CM(a, L, k, i) : CM(a, L, i, k)) * x[k];
      x[i] = s / CM(a, L, i, i);
    }
    for (int i = N - 1; i >= 0; i--) {
      double s = x[i];
      for (int k = i + 1; k < N; k++) s -= (up ? CM(a, L, i, k) : CM(a, L, k, i)) * x[k];
      x[i] = s / CM(a, L, i, i);
    }
  }
}

RT_API void rt_pblas_dsyev(const char *jobz, const char *uplo, const int *n, double *a,
                           const int *lda, double *w, double *work, const int *lwork, int *info,
                           size_t jobz_len, size_t uplo_len) {
  (void)jobz_len;
  (void)uplo_len;
  /* jobz "N": eigenvalues only, a left as it was (LAPACK leaves its other triangle) */
  int N = *n, L = *lda, up = is_upper(uplo), vec = jobz[0] == 'V' || jobz[0] == 'v';
  int need = N * N > 1 ? N * N : 1;
  *info = 0;
  if (*lwork == -1) {
    work[0] = need;
    return;
  }
  if (*lwork < need) {
    *info = -8;
    return;
  }
  if (N == 0) return;
  /* S (row-major, in work) = the full symmetric matrix; the eigenvectors accumulate in a */
  double *S = work;
  double fro = 0;
  for (int i = 0; i < N; i++)
    for (int j = i; j < N; j++) {
      double v = up ? CM(a, L, i, j) : CM(a, L, j, i);
      S[(size_t)i * (size_t)N + (size_t)j] = S[(size_t)j * (size_t)N + (size_t)i] = v;
      fro += (i == j ? 1 : 2) * v * v;
    }
  for (int j = 0; j < N && vec; j++)
    for (int i = 0; i < N; i++) CM(a, L, i, j) = i == j;
  for (int sweep = 0; sweep < 100; sweep++) {
    double off = 0;
    for (int p = 0; p < N; p++)
      for (int q = p + 1; q < N; q++)
        off += S[(size_t)p * (size_t)N + (size_t)q] * S[(size_t)p * (size_t)N + (size_t)q];
    if (!(off > 1e-32 * fro) || off == 0) break;
    for (int p = 0; p < N - 1; p++)
      for (int q = p + 1; q < N; q++) {
        double apq = S[(size_t)p * (size_t)N + (size_t)q];
        if (fabs(apq) < DBL_MIN) continue;
        double app = S[(size_t)p * (size_t)N + (size_t)p],
               aqq = S[(size_t)q * (size_t)N + (size_t)q];
        double theta = (aqq - app) / (2 * apq);
        double t = fabs(theta) > 1e150
                       ? 0.5 / theta
                       : (theta >= 0 ? 1 : -1) / (fabs(theta) + sqrt(theta * theta + 1));
        double c = 1 / sqrt(t * t + 1), s = t * c;
        for (int k = 0; k < N; k++) { /* S J */
          double *sk = S + (size_t)k * (size_t)N;
          double skp = sk[p], skq = sk[q];
          sk[p] = c * skp - s * skq;
          sk[q] = s * skp + c * skq;
        }
        double *sp = S + (size_t)p * (size_t)N, *sq = S + (size_t)q * (size_t)N;
        for (int k = 0; k < N; k++) { /* J^T (S J) */
          double spk = sp[k], sqk = sq[k];
          sp[k] = c * spk - s * sqk;
          sq[k] = s * spk + c * sqk;
        }
        sp[q] = sq[p] = 0;
        for (int k = 0; k < N && vec; k++) { /* V J */
          double vkp = CM(a, L, k, p), vkq = CM(a, L, k, q);
          CM(a, L, k, p) = c * vkp - s * vkq;
          CM(a, L, k, q) = s * vkp + c * vkq;
        }
      }
  }
  for (int i = 0; i < N; i++) w[i] = S[(size_t)i * (size_t)N + (size_t)i];
  /* ascending, vectors along */
  for (int i = 0; i < N - 1; i++) {
    int m = i;
    for (int j = i + 1; j < N; j++)
      if (w[j] < w[m]) m = j;
    if (m == i) continue;
    double t = w[i];
    w[i] = w[m];
    w[m] = t;
    for (int k = 0; k < N && vec; k++) {
      double v = CM(a, L, k, i);
      CM(a, L, k, i) = CM(a, L, k, m);
      CM(a, L, k, m) = v;
    }
  }
}

RT_API void rt_pblas_dgesv(const int *n, const int *nrhs, double *a, const int *lda, int *ipiv,
                           double *b, const int *ldb, int *info) {
  int N = *n, L = *lda;
  *info = 0;
  /* dgetf2: partial pivoting on the first largest |a_ij| of each column */
  for (int j = 0; j < N; j++) {
    int p = j;
    for (int i = j + 1; i < N; i++)
      if (fabs(CM(a, L, i, j)) > fabs(CM(a, L, p, j))) p = i;
    ipiv[j] = p + 1;
    if (CM(a, L, p, j) != 0) {
      if (p != j)
        for (int k = 0; k < N; k++) {
          double t = CM(a, L, j, k);
          CM(a, L, j, k) = CM(a, L, p, k);
          CM(a, L, p, k) = t;
        }
      double d = CM(a, L, j, j);
      if (fabs(d) >= DBL_MIN) {
        double r = 1 / d;
        for (int i = j + 1; i < N; i++) CM(a, L, i, j) *= r;
      } else {
        for (int i = j + 1; i < N; i++) CM(a, L, i, j) /= d;
      }
    } else if (*info == 0) {
      *info = j + 1;
    }
    for (int k = j + 1; k < N; k++) {
      double ajk = CM(a, L, j, k);
      for (int i = j + 1; i < N; i++) CM(a, L, i, k) -= CM(a, L, i, j) * ajk;
    }
  }
  if (*info) return;
  /* dgetrs: P, then L (unit diagonal), then U */
  for (int r = 0; r < *nrhs; r++) {
    double *x = b + (size_t)r * (size_t)*ldb;
    for (int i = 0; i < N; i++) {
      int p = ipiv[i] - 1;
      if (p != i) {
        double t = x[i];
        x[i] = x[p];
        x[p] = t;
      }
    }
    for (int k = 0; k < N; k++)
      for (int i = k + 1; i < N; i++) x[i] -= x[k] * CM(a, L, i, k);
    for (int k = N - 1; k >= 0; k--) {
      x[k] /= CM(a, L, k, k);
      for (int i = 0; i < k; i++) x[i] -= x[k] * CM(a, L, i, k);
    }
  }
}

/* sqrt(x^2 + y^2) without overflow (dlapy2) */
static double lapy2(double x, double y) {
  double ax = fabs(x), ay = fabs(y), w = ax > ay ? ax : ay, z = ax > ay ? ay : ax;
  if (z == 0 || w > DBL_MAX) return w;
  return w * sqrt(1 + (z / w) * (z / w));
}

/* dlarfg: the Householder reflector H = I - tau v v' with H (alpha, x) = (beta, 0), v(0) = 1;
 * alpha becomes beta, x becomes v(1:n). */
static void larfg(int n, double *alpha, double *x, double *tau) {
  if (n <= 1) {
    *tau = 0;
    return;
  }
  double xnorm = rt_pblas_dnrm2(n - 1, x, 1);
  if (xnorm == 0) {
    *tau = 0;
    return;
  }
  double beta = -copysign(lapy2(*alpha, xnorm), *alpha);
  const double safmin = DBL_MIN / DBL_EPSILON;
  int knt = 0;
  if (fabs(beta) < safmin) { /* xnorm and beta may be inaccurate: scale x and recompute them */
    double rsafmn = 1 / safmin;
    do {
      knt++;
      rt_pblas_dscal(n - 1, rsafmn, x, 1);
      beta *= rsafmn;
      *alpha *= rsafmn;
    } while (fabs(beta) < safmin && knt < 20);
    xnorm = rt_pblas_dnrm2(n - 1, x, 1);
    beta = -copysign(lapy2(*alpha, xnorm), *alpha);
  }
  *tau = (beta - *alpha) / beta;
  rt_pblas_dscal(n - 1, 1 / (*alpha - beta), x, 1);
  for (int j = 0; j < knt; j++) beta *= safmin;
  *alpha = beta;
}

/* dlarf from the left: C (m x n, column-major) = (I - tau v v') C; work holds n doubles */
static void larf_left(int m, int n, const double *v, double tau, double *c, int ldc, double *work) {
  if (tau == 0) return;
  for (int j = 0; j < n; j++) {
    double s = 0;
    for (int i = 0; i < m; i++) s += CM(c, ldc, i, j) * v[i];
    work[j] = s;
  }
  for (int j = 0; j < n; j++) {
    double t = tau * work[j];
    for (int i = 0; i < m; i++) CM(c, ldc, i, j) -= v[i] * t;
  }
}

RT_API void rt_pblas_dgeqrf(const int *m, const int *n, double *a, const int *lda, double *tau,
                            double *work, const int *lwork, int *info) {
  int M = *m, N = *n, L = *lda, K = M < N ? M : N;
  *info = 0;
  if (*lwork == -1) {
    work[0] = N > 1 ? N : 1;
    return;
  }
  if (*lwork < (N > 1 ? N : 1)) {
    *info = -7;
    return;
  }
  /* dgeqr2 */
  for (int i = 0; i < K; i++) {
    larfg(M - i, &CM(a, L, i, i), &CM(a, L, i < M - 1 ? i + 1 : i, i), &tau[i]);
    if (i < N - 1) {
      double aii = CM(a, L, i, i);
      CM(a, L, i, i) = 1;
      larf_left(M - i, N - i - 1, &CM(a, L, i, i), tau[i], &CM(a, L, i, i + 1), L, work);
      CM(a, L, i, i) = aii;
    }
  }
}

RT_API void rt_pblas_dorgqr(const int *m, const int *n, const int *k, double *a, const int *lda,
                            const double *tau, double *work, const int *lwork, int *info) {
  int M = *m, N = *n, K = *k, L = *lda;
  *info = 0;
  if (*lwork == -1) {
    work[0] = N > 1 ? N : 1;
    return;
  }
  if (*lwork < (N > 1 ? N : 1)) {
    *info = -8;
    return;
  }
  /* dorg2r: columns k..n-1 start as unit columns, then the reflectors apply backwards */
  for (int j = K; j < N; j++) {
    for (int l = 0; l < M; l++) CM(a, L, l, j) = 0;
    if (j < M) CM(a, L, j, j) = 1;
  }
  for (int i = K - 1; i >= 0; i--) {
    if (i < N - 1) {
      CM(a, L, i, i) = 1;
      larf_left(M - i, N - i - 1, &CM(a, L, i, i), tau[i], &CM(a, L, i, i + 1), L, work);
    }
    if (i < M - 1) rt_pblas_dscal(M - i - 1, -tau[i], &CM(a, L, i + 1, i), 1);
    CM(a, L, i, i) = 1 - tau[i];
    for (int l = 0; l < i; l++) CM(a, L, l, i) = 0;
  }
}

#undef CM
