/* rt_f32.h — single precision data (`precision = f32`, doc/performance.md): the conversion of
 * the data stage's tensors to float, and the products whose operands include such a tensor
 * where the plan calls BLAS, in float arithmetic with the long sums in double. */
#ifndef BLOC_RT_F32_H
#define BLOC_RT_F32_H

#include <stddef.h>
#include <stdint.h>

#include "rt_api.h"

/* A copy of a[0..n) rounded to float (malloc'ed; the caller frees it), or NULL when out of
 * memory. *bad is set to the index of the first element that is finite in double but not in
 * float (|a_i| > FLT_MAX), or -1. */
RT_API float *rt_f32_copy(const double *a, int64_t n, int64_t *bad);

/* " at element [i, j]" (" at element [i]" of a vector, "" for a scalar): element i of a tensor
 * of that rank and columns, 0-based as .blo indexes it, for messages. */
RT_API void rt_f32_pos(int rank, int64_t cols, int64_t i, char *buf, size_t len);

/* What rounding a[0..n) to f[0..n) lost, for a warning (doc/performance.md, "Single
 * precision"): a value on a large offset keeps little of its variation in float (1e6 + 0.01
 * rounds to 1e6: the problem solved is another one), and a nonzero value below FLT_MIN reads
 * as 0 or a subnormal. Nothing is lost that the caller must refuse: overflow is rt_f32_copy's
 * *bad. */
typedef struct RtF32Loss {
  double err, dev, mean; /* ||f - a||, ||a - mean(a)||, mean(a) */
  int64_t tiny, first_tiny; /* how many a_i != 0 with |a_i| < FLT_MIN; the first, or -1 */
  double tiny_value;        /* a[first_tiny] */
  int offset;               /* err is a sizeable fraction of dev (RT_F32_LOST_FRACTION) */
} RtF32Loss;

/* err / dev from which the rounding is worth a warning: 1e-3, float then keeps fewer than
 * three digits of the values' variation about their mean (ordinary data keep about seven:
 * uniform(-5, 5) rounds with err / dev near 3e-8). */
#define RT_F32_LOST_FRACTION 1e-3

RT_API void rt_f32_loss(const double *a, const float *f, int64_t n, RtF32Loss *l);

/* The warnings of l for the tensor named by what ("data 'X'", or a hoisted subexpression's
 * source and location), name its declared name or NULL (the cure names it): 0 (none), 1 the
 * offset, 2 the underflow (its first element at tiny_at, rt_f32_pos's); msg and hint each one
 * line, without a trailing newline. */
RT_API void rt_f32_loss_text(const RtF32Loss *l, int which, const char *what, const char *name,
                             const char *tiny_at, char *msg, size_t len, char *hint, size_t hlen);

/* c = alpha op(a) op(b) + beta c, row-major, op(a) m x k, op(b) k x n, c m x n (doubles), as
 * cblas_dgemm; an operand whose *_f32 flag is set is stored as floats (lda/ldb in elements).
 * Float arithmetic: a double operand is rounded to float tile by tile (on the stack: no
 * allocation), sgemm multiplies 64 x 32 tiles of c over blocks of 256 along k (float sums of
 * at most 256 products), and the blocks are added into c in double, times alpha; beta is 0 or
 * 1 (anything else scales c first). */
RT_API void rt_f32_gemm(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, double alpha,
                        const void *a, int a_f32, int64_t lda, const void *b, int b_f32,
                        int64_t ldb, double beta, double *c, int64_t ldc);

#endif
