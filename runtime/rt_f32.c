/* rt_f32.c — single precision data: conversion after the data stage, and products with float
 * operands for the plans' BLAS steps (see rt_f32.h). Plain C99: also copied into emitted C. */
#include "rt_f32.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
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

RT_API void rt_f32_pos(int rank, int64_t cols, int64_t i, char *buf, size_t len) {
  if (rank >= 2 && cols > 0)
    snprintf(buf, len, " at element [%lld, %lld]", (long long)(i / cols), (long long)(i % cols));
  else if (rank == 1)
    snprintf(buf, len, " at element [%lld]", (long long)i);
  else
    buf[0] = 0;
}

RT_API void rt_f32_loss(const double *a, const float *f, int64_t n, RtF32Loss *l) {
  /* the mean as a[0] plus the mean difference from it: a constant tensor (1 / n repeated)
   * then has a deviation of exactly 0, not the rounding noise of sum / n */
  double a0 = n > 0 ? a[0] : 0, sum = 0, err = 0, dev = 0;
  int64_t i;
  l->tiny = 0;
  l->first_tiny = -1;
  l->tiny_value = 0;
  for (i = 0; i < n; i++) {
    double d = (double)f[i] - a[i];
    sum += a[i] - a0;
    if (a[i] != 0 && fabs(a[i]) < FLT_MIN) { /* 0 or subnormal in float: the other warning */
      if (l->tiny++ == 0) {
        l->first_tiny = i;
        l->tiny_value = a[i];
      }
    } else {
      err += d * d;
    }
  }
  l->mean = n > 0 ? a0 + sum / (double)n : 0;
  for (i = 0; i < n; i++) dev += (a[i] - l->mean) * (a[i] - l->mean);
  l->err = sqrt(err);
  l->dev = sqrt(dev);
  /* a constant tensor has no variation to lose (its rounding is float's relative 6e-8), one
   * of a single element neither, nor one whose variation is double's own rounding noise
   * (below 1e-12 of its mean: 1e9 + 0.01 is 1e-11, and float keeps none of it) */
  l->offset = n > 1 && l->dev > 1e-12 * fabs(l->mean) * sqrt((double)n) &&
              l->err > RT_F32_LOST_FRACTION * l->dev;
}

RT_API void rt_f32_loss_text(const RtF32Loss *l, int which, const char *what, const char *name,
                             const char *tiny_at, char *msg, size_t len, char *hint, size_t hlen) {
  if (which == 1) {
    snprintf(msg, len,
             "%s sits on an offset: rounded to float (precision f32) it changes by %.3g "
             "(norm), %.3g%% of its variation about its mean %.9g (norm %.3g)",
             what, l->err, 100 * l->err / l->dev, l->mean, l->dev);
    if (name)
      snprintf(hint, hlen,
               "the problem solved is not the one written: centre it in the data stage "
               "(data %sc = %s - %.7g) and write the problem in %sc, or use precision f64",
               name, name, l->mean, name);
    else
      snprintf(hint, hlen, "the problem solved is not the one written: centre the data it is "
                           "computed from in the data stage (data Xc = X - its mean), or use "
                           "precision f64");
  } else {
    snprintf(msg, len,
             "%s holds %lld nonzero value%s below the range of float (%.3g), which read as 0 "
             "or a subnormal at precision f32: the first, %g%s",
             what, (long long)l->tiny, l->tiny == 1 ? "" : "s", (double)FLT_MIN, l->tiny_value,
             tiny_at);
    snprintf(hint, hlen, "rescale the data or the expression, or use precision f64");
  }
}

/* Tile sizes of rt_f32_gemm: C tiles of 64 x 32, k in blocks of 256 (the longest float sum);
 * a double operand's tile rounded to floats on the stack (64 KiB for A, 32 KiB for B). */
enum { F32_MB = 64, F32_NB = 32, F32_KB = 256 };

/* One operand's block for sgemm: op(x)(r0.., c0..) as rows x cols floats. Float data are used
 * in place (its own transposition and leading dimension); a double x is rounded into tile (not
 * transposed, ld cols). */
typedef struct F32Block {
  const float *p;
  int trans;
  int64_t ld;
} F32Block;

static F32Block f32_block(const void *x, int is_f32, int trans, int64_t ldx, int64_t r0, int64_t c0,
                          int64_t rows, int64_t cols, float *tile) {
  F32Block b;
  int64_t i, j;
  if (is_f32) {
    b.p = (const float *)x + (trans ? c0 * ldx + r0 : r0 * ldx + c0);
    b.trans = trans;
    b.ld = ldx;
    return b;
  }
  for (i = 0; i < rows; i++)
    for (j = 0; j < cols; j++)
      tile[i * cols + j] =
          (float)((const double *)x)[trans ? (c0 + j) * ldx + r0 + i : (r0 + i) * ldx + c0 + j];
  b.p = tile;
  b.trans = 0;
  b.ld = cols;
  return b;
}

RT_API void rt_f32_gemm(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, double alpha,
                        const void *a, int a_f32, int64_t lda, const void *b, int b_f32,
                        int64_t ldb, double beta, double *c, int64_t ldc) {
  float ta[F32_MB * F32_KB], tb[F32_KB * F32_NB], tc[F32_MB * F32_NB];
  int64_t i0, j0, p0, i, j;
  if (beta != 1)
    for (i = 0; i < m; i++)
      for (j = 0; j < n; j++) c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j];
  if (m <= 0 || n <= 0 || k <= 0 || alpha == 0) return;
  for (i0 = 0; i0 < m; i0 += F32_MB) {
    int64_t mb = m - i0 < F32_MB ? m - i0 : F32_MB;
    for (p0 = 0; p0 < k; p0 += F32_KB) {
      int64_t kb = k - p0 < F32_KB ? k - p0 : F32_KB;
      F32Block pa = f32_block(a, a_f32, trans_a, lda, i0, p0, mb, kb, ta);
      for (j0 = 0; j0 < n; j0 += F32_NB) {
        int64_t nb = n - j0 < F32_NB ? n - j0 : F32_NB;
        F32Block pb = f32_block(b, b_f32, trans_b, ldb, p0, j0, kb, nb, tb);
        cblas_sgemm(CblasRowMajor, pa.trans ? CblasTrans : CblasNoTrans,
                    pb.trans ? CblasTrans : CblasNoTrans, (int)mb, (int)nb, (int)kb, 1.0f, pa.p,
                    (int)(pa.ld > 1 ? pa.ld : 1), pb.p, (int)(pb.ld > 1 ? pb.ld : 1), 0.0f, tc,
                    (int)nb);
        for (i = 0; i < mb; i++)
          for (j = 0; j < nb; j++) c[(i0 + i) * ldc + j0 + j] += alpha * (double)tc[i * nb + j];
      }
    }
  }
}
