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
