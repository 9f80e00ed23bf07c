/* rt_blas_portable.h — portable C versions of exactly the BLAS and LAPACK routines bloc calls
 * (the runtime's rt_linalg.c and random_spd, and the products of generated kernels), for
 * solvers written by `bloc emit-c` that must build with nothing but a C99 compiler and libm.
 * Same arguments and results as the reference routines (CBLAS for level 1-3, the Fortran
 * LAPACK ABI with hidden string lengths); straightforward loops, correct rather than fast.
 * Supported: positive increments; dsyev by cyclic Jacobi (eigenvalues ascending, eigenvectors
 * orthonormal; their signs may differ from LAPACK's). tests/unit/test_blas_portable.c checks
 * them against OpenBLAS. With RT_BLAS_PORTABLE defined (generated solvers built without
 * -DBLO_USE_CBLAS) the CBLAS and LAPACK names map to these functions. */
#ifndef BLOC_RT_BLAS_PORTABLE_H
#define BLOC_RT_BLAS_PORTABLE_H

#include <stddef.h>

#include "rt_api.h"

/* The CBLAS enumerators, with CBLAS's values. */
enum {
  RT_PBLAS_ROW_MAJOR = 101, RT_PBLAS_COL_MAJOR = 102,
  RT_PBLAS_NO_TRANS = 111, RT_PBLAS_TRANS = 112,
  RT_PBLAS_UPPER = 121, RT_PBLAS_LOWER = 122
};

RT_API double rt_pblas_ddot(int n, const double *x, int incx, const double *y, int incy);
RT_API double rt_pblas_dnrm2(int n, const double *x, int incx);
RT_API void rt_pblas_daxpy(int n, double alpha, const double *x, int incx, double *y, int incy);
RT_API void rt_pblas_dscal(int n, double alpha, double *x, int incx);
RT_API void rt_pblas_dgemv(int order, int trans, int m, int n, double alpha, const double *a,
                           int lda, const double *x, int incx, double beta, double *y, int incy);
RT_API void rt_pblas_dsymv(int order, int uplo, int n, double alpha, const double *a, int lda,
                           const double *x, int incx, double beta, double *y, int incy);
RT_API void rt_pblas_dger(int order, int m, int n, double alpha, const double *x, int incx,
                          const double *y, int incy, double *a, int lda);
RT_API void rt_pblas_dgemm(int order, int transa, int transb, int m, int n, int k, double alpha,
                           const double *a, int lda, const double *b, int ldb, double beta,
                           double *c, int ldc);
RT_API void rt_pblas_sgemm(int order, int transa, int transb, int m, int n, int k, float alpha,
                           const float *a, int lda, const float *b, int ldb, float beta, float *c,
                           int ldc);

/* LAPACK (column-major, Fortran conventions: every argument by pointer, 1-based pivots). */
RT_API void rt_pblas_dpotrf(const char *uplo, const int *n, double *a, const int *lda, int *info,
                            size_t uplo_len);
RT_API void rt_pblas_dpotrs(const char *uplo, const int *n, const int *nrhs, const double *a,
                            const int *lda, double *b, const int *ldb, int *info, size_t uplo_len);
RT_API void rt_pblas_dsyev(const char *jobz, const char *uplo, const int *n, double *a,
                           const int *lda, double *w, double *work, const int *lwork, int *info,
                           size_t jobz_len, size_t uplo_len);
RT_API void rt_pblas_dgesv(const int *n, const int *nrhs, double *a, const int *lda, int *ipiv,
                           double *b, const int *ldb, int *info);
RT_API void rt_pblas_dgeqrf(const int *m, const int *n, double *a, const int *lda, double *tau,
                            double *work, const int *lwork, int *info);
RT_API void rt_pblas_dorgqr(const int *m, const int *n, const int *k, double *a, const int *lda,
                            const double *tau, double *work, const int *lwork, int *info);

#ifdef RT_BLAS_PORTABLE
#define CblasRowMajor RT_PBLAS_ROW_MAJOR
#define CblasColMajor RT_PBLAS_COL_MAJOR
#define CblasNoTrans RT_PBLAS_NO_TRANS
#define CblasTrans RT_PBLAS_TRANS
#define CblasUpper RT_PBLAS_UPPER
#define CblasLower RT_PBLAS_LOWER
#define cblas_ddot rt_pblas_ddot
#define cblas_dnrm2 rt_pblas_dnrm2
#define cblas_daxpy rt_pblas_daxpy
#define cblas_dscal rt_pblas_dscal
#define cblas_dgemv rt_pblas_dgemv
#define cblas_dsymv rt_pblas_dsymv
#define cblas_dger rt_pblas_dger
#define cblas_dgemm rt_pblas_dgemm
#define cblas_sgemm rt_pblas_sgemm
#define dpotrf_ rt_pblas_dpotrf
#define dpotrs_ rt_pblas_dpotrs
#define dsyev_ rt_pblas_dsyev
#define dgesv_ rt_pblas_dgesv
#define dgeqrf_ rt_pblas_dgeqrf
#define dorgqr_ rt_pblas_dorgqr
#endif

#endif
