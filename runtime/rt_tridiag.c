/* rt_tridiag.c — LDL^T solve and bisection for symmetric tridiagonal matrices (rt_tridiag.h). */
#include "rt_tridiag.h"

#include <float.h>
#include <math.h>

RT_API int rt_tridiag_solve(int64_t j, const double *a, const double *e, const double *rhs,
                            double *s, double *work) {
  double *d = work, *l = work + j; /* pivots D and multipliers L (l[i] links rows i, i+1) */
  for (int64_t i = 0; i < j; i++) {
    double di = a[i];
    if (i > 0) di -= l[i - 1] * e[i - 1];
    double scale = fabs(a[i]) + (i > 0 ? fabs(e[i - 1]) : 0) + (i + 1 < j ? fabs(e[i]) : 0);
    if (!(fabs(di) > RT_TRIDIAG_PIVOT_TOL * scale) || !isfinite(di)) return (int)(i + 1);
    d[i] = di;
    if (i + 1 < j) l[i] = e[i] / di;
  }
  /* L z = rhs, D w = z, L^T s = w; s may alias rhs. */
  for (int64_t i = 0; i < j; i++) s[i] = rhs[i] - (i > 0 ? l[i - 1] * s[i - 1] : 0);
  for (int64_t i = 0; i < j; i++) s[i] /= d[i];
  for (int64_t i = j - 2; i >= 0; i--) s[i] -= l[i] * s[i + 1];
  return 0;
}

RT_API int64_t rt_tridiag_count_below(int64_t j, const double *a, const double *e, double x) {
  /* Sturm sequence via the LDL^T pivots of T - x I; a zero pivot is nudged (standard trick). */
  int64_t count = 0;
  double q = 1;
  for (int64_t i = 0; i < j; i++) {
    double off = i > 0 ? e[i - 1] * e[i - 1] : 0;
    q = (a[i] - x) - (i > 0 ? off / q : 0);
    if (q == 0) q = -DBL_EPSILON * (fabs(a[i]) + fabs(x) + DBL_MIN);
    if (q < 0) count++;
  }
  return count;
}

RT_API void rt_tridiag_extremes(int64_t j, const double *a, const double *e, double *lo,
                                double *hi) {
  double glo = INFINITY, ghi = -INFINITY;
  for (int64_t i = 0; i < j; i++) {
    double r = (i > 0 ? fabs(e[i - 1]) : 0) + (i + 1 < j ? fabs(e[i]) : 0);
    glo = fmin(glo, a[i] - r);
    ghi = fmax(ghi, a[i] + r);
  }
  double width = fmax(ghi - glo, DBL_MIN), tol = 1e-14 * fmax(width, fmax(fabs(glo), fabs(ghi)));
  /* Smallest: the least x with count_below(x) >= 1. */
  double l = glo, h = ghi;
  for (int it = 0; it < 200 && h - l > tol; it++) {
    double mid = 0.5 * (l + h);
    if (rt_tridiag_count_below(j, a, e, mid) >= 1) h = mid; else l = mid;
  }
  *lo = 0.5 * (l + h);
  /* Largest: the least x with count_below(x) >= j. */
  l = glo;
  h = ghi;
  for (int it = 0; it < 200 && h - l > tol; it++) {
    double mid = 0.5 * (l + h);
    if (rt_tridiag_count_below(j, a, e, mid) >= j) h = mid; else l = mid;
  }
  *hi = 0.5 * (l + h);
}
