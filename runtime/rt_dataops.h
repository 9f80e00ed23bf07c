/* rt_dataops.h — the tensor operations of the data stage, written once. bloc's evaluator
 * (compiler/interp/eval.c) calls them for data declarations, derived tensors and initial values,
 * and the solvers `bloc emit-c` writes call the same functions from their copy of the runtime, so
 * a generated solver computes its data bit for bit as `bloc run` does. Elementwise ops are
 * not here (they are scalar functions applied in a loop).
 *
 * Tensors are row-major doubles; a vector of n is an n x 1 matrix, a scalar one double. The
 * compiler has checked every shape before (no empty slice reaches these functions), so none
 * of them fails except gather/scatter/take on an index out of range; none allocates. Outputs never
 * alias inputs. The summation order of each reduction is part of the contract: it is the
 * order below, left to right, so that results do not depend on the caller. */
#ifndef BLOC_RT_DATAOPS_H
#define BLOC_RT_DATAOPS_H

#include <stdint.h>

#include "rt_api.h"

/* out[0..n) = v (constants, and broadcasting a scalar). */
RT_API void rt_dop_fill(double *out, int64_t n, double v);

/* a[0] + a[1] + ... + a[n-1], summed left to right from 0. */
RT_API double rt_dop_sum(const double *a, int64_t n);

/* log(sum_i exp(a[i])), shifted by the maximum m: m + log(sum_i exp(a[i] - m)). When m is
 * infinite the result is m: -inf when every entry is -inf (an empty softmax), +inf when one
 * is +inf. n >= 1. */
RT_API double rt_dop_lse(const double *a, int64_t n);

/* out[i] = rt_dop_sum of row i of a (rows x cols). */
RT_API void rt_dop_sum_rows(const double *a, int64_t rows, int64_t cols, double *out);

/* out[i] = rt_dop_lse of row i of a (rows x cols). */
RT_API void rt_dop_lse_rows(const double *a, int64_t rows, int64_t cols, double *out);

/* out[i] = the column of the largest entry of row i, as a double: the first one on ties.
 * Entries are compared with >, so a NaN after column 0 is never chosen. */
RT_API void rt_dop_argmax_rows(const double *a, int64_t rows, int64_t cols, double *out);

/* out[j] = sum of column j of a (rows x cols), summed from row 0 down. */
RT_API void rt_dop_sum_cols(const double *a, int64_t rows, int64_t cols, double *out);

/* out (m x n) = a (m x k) times b (k x n), each entry summed over k from 0 (n = 1: a
 * matrix-vector product). */
RT_API void rt_dop_matmul(const double *a, const double *b, int64_t m, int64_t k, int64_t n,
                          double *out);

/* out (m x n) = u (m) times w (n) transposed. */
RT_API void rt_dop_outer(const double *u, const double *w, int64_t m, int64_t n, double *out);

/* out (cols x rows) = the transpose of a (rows x cols). */
RT_API void rt_dop_transpose(const double *a, int64_t rows, int64_t cols, double *out);

/* out (m x n): every row is row[0..n) (bcast_rows), or row i is col[i] repeated
 * (bcast_cols). */
RT_API void rt_dop_bcast_rows(const double *row, int64_t m, int64_t n, double *out);
RT_API void rt_dop_bcast_cols(const double *col, int64_t m, int64_t n, double *out);

/* Copies a rows x cols block: out[i * ldo + j] = a[i * lda + j]. With a pointing into a
 * larger matrix it is a slice; with out pointing into one, a padding or a column block of a
 * horizontal concatenation. */
RT_API void rt_dop_copy_block(const double *a, int64_t lda, int64_t rows, int64_t cols, double *out,
                              int64_t ldo);

/* Rows of a matrix by index: row i of out (k x width) is row idx[i] of a (nrows x width).
 * Returns -1, or the first position i whose index (truncated to an integer) is outside
 * 0..nrows-1 (out is then partly written). */
RT_API int64_t rt_dop_gather(const double *a, int64_t nrows, int64_t width, const double *idx,
                             int64_t k, double *out);

/* The adjoint of gather: out (nrows x width) is zeroed, then row i of a (k x width) is added
 * to row idx[i] of out, for i = 0..k-1 in order. Returns -1, or the first position i whose
 * index is outside 0..nrows-1. */
RT_API int64_t rt_dop_scatter(const double *a, int64_t k, int64_t width, const double *idx,
                              int64_t nrows, double *out);

/* Rows (axis 0) or columns (axis 1) of a (rows x cols; a vector is rows x 1) picked by the k
 * indices idx, a data-stage value (X[idx, :], v[idx], X[:, idx]): axis 0 gives out k x cols,
 * row i of it row idx[i] of a; axis 1 gives out rows x k, column j of it column idx[j] of a.
 * Every index is checked before anything is written: returns -1, or the first position i
 * whose index is not an integer in 0..n-1 (n the rows or the columns picked from: a fraction,
 * a negative value, NaN, one past the end), out then untouched. rt_dop_take_check is that
 * check alone (for a caller that reads the rows itself). */
RT_API int64_t rt_dop_take_check(const double *idx, int64_t k, int64_t n);
RT_API int64_t rt_dop_take(const double *a, int64_t rows, int64_t cols, const double *idx,
                           int64_t k, int axis, double *out);

/* out (n x n) = the diagonal matrix of v (n). */
RT_API void rt_dop_diag_matrix(const double *v, int64_t n, double *out);

/* out (n) = the diagonal of a (n x n). */
RT_API void rt_dop_diag_vector(const double *a, int64_t n, double *out);

/* out (m x ncls): row i is the indicator of class labels[i]. A label that is not an integer
 * in 0..ncls-1 gives a row of NaN (a row of zeros would pass for a sample of no class);
 * returns the index of the first such label, or -1. */
RT_API int64_t rt_dop_onehot(const double *labels, int64_t m, int64_t ncls, double *out);

#endif
