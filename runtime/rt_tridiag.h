/* rt_tridiag.h — j x j symmetric tridiagonal systems, the small projected problems of LancBiO:
 * an O(j) LDL^T solve with a breakdown guard, and the extreme eigenvalues (Ritz values) by
 * Sturm-sequence bisection. T has diagonal a[0..j) and off-diagonal e[0..j-1). No allocation:
 * the caller passes `work` of 2 j doubles. */
#ifndef BLOC_RT_TRIDIAG_H
#define BLOC_RT_TRIDIAG_H

#include <stdint.h>

#include "rt_api.h"

/* Pivot guard: a pivot d_i with |d_i| <= RT_TRIDIAG_PIVOT_TOL * (|a_i| + |e_{i-1}| + |e_i|)
 * counts as a breakdown (the Lanczos basis must be restarted). */
#define RT_TRIDIAG_PIVOT_TOL 1e-12

/* Solve T s = rhs (rhs and s may alias). Returns 0 on success, or i + 1 when pivot i broke
 * down (s is then unspecified). */
RT_API int rt_tridiag_solve(int64_t j, const double *a, const double *e, const double *rhs,
                            double *s, double *work);

/* Smallest and largest eigenvalue of T, each to about 1e-14 relative to the spectrum's
 * Gershgorin width. j >= 1. */
RT_API void rt_tridiag_extremes(int64_t j, const double *a, const double *e, double *lo,
                                double *hi);

/* Number of eigenvalues of T strictly less than x (Sturm count). */
RT_API int64_t rt_tridiag_count_below(int64_t j, const double *a, const double *e, double x);

#endif
