/* rt_linalg.h — thin wrappers over OpenBLAS (level-1 vector operations, dgemv) and LAPACK (the
 * dense symmetric solves of the `exact` path: Cholesky, with a symmetric eigendecomposition
 * fallback when the matrix is not positive definite). Sizes are int64_t; BLAS takes int, so
 * every wrapper asserts n fits. Dense matrices are row-major n x n; for the symmetric matrices
 * used here row- and column-major coincide. Nothing here allocates. */
#ifndef BLOC_RT_LINALG_H
#define BLOC_RT_LINALG_H

#include <float.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rt_api.h"

RT_API double rt_dot(int64_t n, const double *x, const double *y);
RT_API double rt_nrm2(int64_t n, const double *x);
RT_API void rt_axpy(int64_t n, double a, const double *x, double *y); /* y += a x      */
RT_API void rt_scal(int64_t n, double a, double *x); /* x *= a        */
RT_API void rt_copy(int64_t n, const double *x, double *y); /* y = x         */
RT_API void rt_zero(int64_t n, double *x); /* x = 0         */
RT_API void rt_axpby(int64_t n, double a, const double *x, double b, double *y); /* y = a x + b y */
RT_API void rt_sub(int64_t n, const double *a, const double *b, double *out); /* out = a - b   */
/* true when every entry is finite. */
RT_API bool rt_all_finite(int64_t n, const double *x);
/* y = alpha A x + beta y, A row-major m x n; trans: use A^T. */
RT_API void rt_gemv(bool trans, int64_t m, int64_t n, double alpha, const double *A,
                    const double *x, double beta, double *y);

/* Stop OpenBLAS's idle worker threads; OpenBLAS starts them again at its next threaded call,
 * as many as before, so results do not change. Its pthreads build starts them when the library
 * is loaded, and each then spins on sched_yield for about 2^28 cycles (0.1 s) waiting for work:
 * a whole CPU taken from `bloc run`'s data stage and JIT on a two-CPU machine. Call it only
 * while no other thread is inside a BLAS routine (the driver does, first thing in main).
 * Returns true when it stopped them (the pthreads build of OpenBLAS with more than one
 * thread), false when there was nothing to stop or no way to. */
RT_API bool rt_blas_stop_idle_threads(void);
/* Make OpenBLAS take the calling thread's work buffer now (a 1 x 1 Cholesky factorisation),
 * which later calls reuse: under an address-space limit, before other allocations can use the
 * room (driver_fit_address_limit). */
RT_API void rt_blas_reserve_buffer(void);
/* Library runs under an address-space limit (ulimit -v): when malloc refuses OpenBLAS the
 * work buffer (about 136 MiB) that its first level-3 or LAPACK call on a thread takes, it tries
 * again forever, and the call never returns (a solve through the library hung in dpotrf). So,
 * before a run's first allocation: on a thread that has not taken its buffer, with a limit set,
 * too little room left is out of memory now (-1, the message in err, rt_oom_raise), and enough
 * takes the buffer (rt_blas_reserve_buffer) before the run's own buffers use the room. 0 when
 * no limit is set, the buffer is taken, or the BLAS is not OpenBLAS's (a generated solver).
 * OpenBLAS's worker threads take theirs when it loads: only OPENBLAS_NUM_THREADS=1 avoids
 * that (doc/api.md). */
RT_API int rt_blas_fit_limit(char *err, size_t errlen);

/* Cholesky A = L L^T of a symmetric n x n matrix (lower triangle used and overwritten by L;
 * the strict upper triangle is left untouched). Returns 0, or k > 0 when the leading minor of
 * order k is not positive definite. */
RT_API int rt_chol_factor(int64_t n, double *A);
/* rt_chol_factor that also refuses (returns k > 0) a factor with a pivot L_kk^2 <= rtol times
 * A's own diagonal entry A_kk: the Jacobi-scaled D^-1/2 A D^-1/2 is then singular to within
 * rtol (its pivot L_kk^2 / A_kk >= its smallest eigenvalue), which rounding had let the
 * factorisation pass. Relative to each row's own scale, so a badly scaled but well-conditioned
 * A (one variable in other units) passes. */
RT_API int rt_chol_factor_nonsingular(int64_t n, double *A, double rtol);
/* The lower Hessian solves' two tests of a singular matrix (rt_hypergrad.c's dense solve and
 * exact's Newton solve), one value for both: a Cholesky pivot at most RT_CHOL_SINGULAR_RTOL
 * of its row's diagonal hands the matrix to the eigendecomposition, where an eigenvalue at
 * most RT_EIG_SINGULAR_RTOL of the largest is zero (ten ulps: an SPD matrix of condition 1e14
 * is solved; rank-deficient Gram matrices show 1e-16 to 1e-15). Both are applied to the
 * Jacobi-scaled matrix D^-1/2 A D^-1/2 first (rt_sym_jacobi), so that a variable in other
 * units, which makes the condition number 1e15 but not the scaled one, is no singular A. */
#define RT_CHOL_SINGULAR_RTOL 1e-11
#define RT_EIG_SINGULAR_RTOL (10 * DBL_EPSILON)
/* Solve A z = b in place (b becomes z) with the factor from rt_chol_factor. */
RT_API void rt_chol_solve(int64_t n, const double *L, double *b);
/* Doubles of workspace rt_sym_eig needs for order n (a LAPACK workspace query). */
RT_API int64_t rt_sym_eig_lwork(int64_t n);
/* Eigendecomposition of a symmetric matrix: eigenvalues ascending in w, orthonormal
 * eigenvectors overwrite A (eigenvector i is row i of the row-major array). Returns LAPACK's
 * info (0 on success). */
RT_API int rt_sym_eig(int64_t n, double *A, double *w, double *work, int64_t lwork);
/* rt_sym_eig without the eigenvectors: eigenvalues ascending in w. It reads and destroys only
 * the row-major lower triangle and diagonal: the strict upper triangle stays intact. */
RT_API int rt_sym_eigvals(int64_t n, double *A, double *w, double *work, int64_t lwork);
/* Jacobi scaling of a symmetric matrix with diagonal `diag`: s_i = 1 / sqrt(diag_i), so that
 * S A S has a unit diagonal. False (s partly written) when an entry is not positive and finite:
 * A is then not positive definite, or not finite, whatever its scaling. */
RT_API bool rt_sym_jacobi(int64_t n, const double *diag, double *s);
/* The row-major lower triangle and the diagonal of A from its strict upper triangle and
 * `diag`, scaled to S A S when s is not NULL (the strict upper triangle stays A's). */
RT_API void rt_sym_fill_lower(int64_t n, double *A, const double *diag, const double *s);
/* A symmetric A held as its strict upper triangle (row-major) and diag, with the work of
 * rt_sym_scaled_solve: s (n), w (n), work (lwork, rt_sym_eig_lwork), tmp (n). */
typedef struct RtSymScaled {
  double *A;
  const double *diag;
  double *s, *w, *work;
  int64_t lwork;
  double *tmp;
} RtSymScaled;
/* rhs <- A^{-1} rhs through the eigendecomposition of A's Jacobi scaling S A S (unit
 * diagonal), where that is positive definite to rtol (its least eigenvalue above rtol times
 * its largest): 1, with S A S's eigenvalues in w and its eigenvectors over A. 0 where it is
 * not (or a diagonal entry is not positive): A's strict upper triangle intact, rhs untouched.
 * -1 where the decomposition with vectors failed after the one without passed (A lost).
 * The test that a badly scaled Hessian is no singular one, for exact's Newton solve and the
 * hypergradient's dense solve alike. */
RT_API int rt_sym_scaled_solve(int64_t n, const RtSymScaled *m, double rtol, double *rhs);
/* Solve A z = b in place with the eigendecomposition from rt_sym_eig (V rows, w values), using
 * `tmp` (n doubles). Eigenvalues with |w_i| <= rcond * max|w| are treated as zero (that
 * component of z is dropped) and counted in the return value. abs_values: divide by |w_i|
 * instead of w_i (a descent direction for a Newton step on a non-convex function). */
RT_API int rt_sym_eig_solve(int64_t n, const double *V, const double *w, double rcond,
                            bool abs_values, double *b, double *tmp);
/* LU solve (dgesv) of a general n x n row-major system in place; A is overwritten, ipiv has n
 * entries. Returns LAPACK's info (> 0: exactly singular). */
RT_API int rt_lu_solve(int64_t n, double *A, int *ipiv, double *b);

#endif
