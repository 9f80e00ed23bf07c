/* rt_f32.c — single precision data: conversion after the data stage, and products with float
 * operands for the plans' BLAS steps (see rt_f32.h). Plain C99: also copied into emitted C. */
#include "rt_f32.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "rt_blas.h"

RT_API float *rt_f32_copy(const double *a, int64_t n, int64_t *bad) {
  float *f = malloc(sizeof(float) * (size_t)(n > 0 ? n : 1));
  int64_t i;
  *bad = -1;
  if (!f) return NULL;
  for (i = 0; i < n; i++) {
    if (*bad < 0 && isfinite(a[i]) && fabs(a[i]) > FLT_MAX) *bad = i;
    f[i] = (float)a[i];
  }
  return f;
}

/* Tile sizes of rt_f32_gemm: two tiles of 64 x 128 doubles (128 KiB) on the stack, each a
 * dgemm call of 64 x 128 x 128 or more flops per element loaded. */
enum { F32_MB = 64, F32_NB = 64, F32_KB = 128 };

/* op(x)(i0.., p0..) as a rows x cols block of doubles at t (ld cols). */
static void f32_tile(const float *x, int trans, int64_t ldx, int64_t i0, int64_t p0,
                     int64_t rows, int64_t cols, double *t) {
  int64_t i, p;
  for (i = 0; i < rows; i++)
    for (p = 0; p < cols; p++)
      t[i * cols + p] = (double)(trans ? x[(p0 + p) * ldx + i0 + i] : x[(i0 + i) * ldx + p0 + p]);
}

RT_API void rt_f32_gemm(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, double alpha,
                        const void *a, int a_f32, int64_t lda, const void *b, int b_f32,
                        int64_t ldb, double beta, double *c, int64_t ldc) {
  double ta[F32_MB * F32_KB], tb[F32_KB * F32_NB];
  int64_t i0, j0, p0, i, j;
  if (beta != 1)
    for (i = 0; i < m; i++)
      for (j = 0; j < n; j++) c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j];
  if (m <= 0 || n <= 0 || k <= 0) return;
  for (i0 = 0; i0 < m; i0 += F32_MB) {
    int64_t mb = m - i0 < F32_MB ? m - i0 : F32_MB;
    for (p0 = 0; p0 < k; p0 += F32_KB) {
      int64_t kb = k - p0 < F32_KB ? k - p0 : F32_KB;
      const double *pa;
      int64_t la;
      int tra = 0;
      if (a_f32) {
        f32_tile((const float *)a, trans_a, lda, i0, p0, mb, kb, ta);
        pa = ta;
        la = kb;
      } else {
        tra = trans_a;
        pa = (const double *)a + (trans_a ? p0 * lda + i0 : i0 * lda + p0);
        la = lda;
      }
      for (j0 = 0; j0 < n; j0 += F32_NB) {
        int64_t nb = n - j0 < F32_NB ? n - j0 : F32_NB;
        const double *pb;
        int64_t lb;
        int trb = 0;
        if (b_f32) {
          f32_tile((const float *)b, trans_b, ldb, p0, j0, kb, nb, tb);
          pb = tb;
          lb = nb;
        } else {
          trb = trans_b;
          pb = (const double *)b + (trans_b ? j0 * ldb + p0 : p0 * ldb + j0);
          lb = ldb;
        }
        cblas_dgemm(CblasRowMajor, tra ? CblasTrans : CblasNoTrans,
                    trb ? CblasTrans : CblasNoTrans, (int)mb, (int)nb, (int)kb, alpha, pa,
                    (int)(la > 1 ? la : 1), pb, (int)(lb > 1 ? lb : 1), 1.0, c + i0 * ldc + j0,
                    (int)(ldc > 1 ? ldc : 1));
      }
    }
  }
}
