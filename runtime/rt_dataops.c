/* rt_dataops.c — the data stage's tensor operations (contracts in rt_dataops.h). Each loop is
 * the plainest one for its definition; the order of every sum is fixed, because bloc run and
 * the generated solvers must agree to the last bit. */
#include "rt_dataops.h"

#include <math.h>

RT_API void rt_dop_fill(double *out, int64_t n, double v) {
  int64_t i;
  for (i = 0; i < n; i++) out[i] = v;
}

RT_API double rt_dop_sum(const double *a, int64_t n) {
  double s = 0;
  int64_t i;
  for (i = 0; i < n; i++) s += a[i];
  return s;
}

RT_API double rt_dop_lse(const double *a, int64_t n) {
  double mx = -INFINITY, s = 0;
  int64_t i;
  for (i = 0; i < n; i++) mx = a[i] > mx ? a[i] : mx;
  if (isinf(mx)) return mx; /* all -inf: -inf; any +inf: +inf (and no inf - inf = NaN) */
  for (i = 0; i < n; i++) s += exp(a[i] - mx);
  return mx + log(s);
}

RT_API void rt_dop_sum_rows(const double *a, int64_t rows, int64_t cols, double *out) {
  int64_t i;
  for (i = 0; i < rows; i++) out[i] = rt_dop_sum(a + i * cols, cols);
}

RT_API void rt_dop_lse_rows(const double *a, int64_t rows, int64_t cols, double *out) {
  int64_t i;
  for (i = 0; i < rows; i++) out[i] = rt_dop_lse(a + i * cols, cols);
}

RT_API void rt_dop_argmax_rows(const double *a, int64_t rows, int64_t cols, double *out) {
  int64_t i, j;
  for (i = 0; i < rows; i++) {
    const double *row = a + i * cols;
    int64_t best = 0;
    for (j = 1; j < cols; j++)
      if (row[j] > row[best]) best = j;
    out[i] = (double)best;
  }
}

RT_API void rt_dop_sum_cols(const double *a, int64_t rows, int64_t cols, double *out) {
  int64_t i, j;
  for (j = 0; j < cols; j++) out[j] = 0;
  for (i = 0; i < rows; i++)
    for (j = 0; j < cols; j++) out[j] += a[i * cols + j];
}

/* Rows of out updated together (each b[t][j] loaded once for them), and the block of b's rows
 * and columns they run over (128 x 256 doubles, 256 KiB: kept in L2 while the row groups of
 * out pass over it). */
enum { MM_ROWS = 4, MM_KB = 128, MM_NB = 256 };

/* o_r[j] += a_r b[j] for j in [0, len), the rows r = 0..3 of a group; in steps of 4 columns
 * written out, which compilers turn into vector code at -O2 (no loop vectoriser needed). */
static void mm_axpy4(double *restrict o0, double *restrict o1, double *restrict o2,
                     double *restrict o3, const double *restrict b, const double *av,
                     int64_t len) {
  double a0 = av[0], a1 = av[1], a2 = av[2], a3 = av[3];
  int64_t j;
  for (j = 0; j + 4 <= len; j += 4) {
    double b0 = b[j], b1 = b[j + 1], b2 = b[j + 2], b3 = b[j + 3];
    o0[j] += a0 * b0, o0[j + 1] += a0 * b1, o0[j + 2] += a0 * b2, o0[j + 3] += a0 * b3;
    o1[j] += a1 * b0, o1[j + 1] += a1 * b1, o1[j + 2] += a1 * b2, o1[j + 3] += a1 * b3;
    o2[j] += a2 * b0, o2[j + 1] += a2 * b1, o2[j + 2] += a2 * b2, o2[j + 3] += a2 * b3;
    o3[j] += a3 * b0, o3[j + 1] += a3 * b1, o3[j + 2] += a3 * b2, o3[j + 3] += a3 * b3;
  }
  for (; j < len; j++) {
    o0[j] += a0 * b[j];
    o1[j] += a1 * b[j];
    o2[j] += a2 * b[j];
    o3[j] += a3 * b[j];
  }
}

/* out[i][j0..j1) += a_i b[t][j0..j1) for the MM_ROWS rows of out at o (their a_i at a,
 * stride lda), for t from t0 to t1 in order. */
static void mm_rows(const double *a, int64_t lda, const double *b, int64_t n, double *o,
                    int64_t t0, int64_t t1, int64_t j0, int64_t j1) {
  int64_t t;
  for (t = t0; t < t1; t++) {
    double av[4];
    av[0] = a[t], av[1] = a[lda + t], av[2] = a[2 * lda + t], av[3] = a[3 * lda + t];
    mm_axpy4(o + j0, o + n + j0, o + 2 * n + j0, o + 3 * n + j0, b + t * n + j0, av, j1 - j0);
  }
}

/* Every out[i][j] is 0 + a[i][0] b[0][j] + a[i][1] b[1][j] + ..., added in that order: the
 * loops below only choose which entries advance when (blocks of b, groups of rows, so that b
 * streams through the cache once per group instead of once per entry, 20-100x faster than
 * the entry-by-entry loop at data-stage sizes), never the order of an entry's own sum, so
 * the bits are those of the plain definition, on every compiler, with or without
 * vectorisation (a sum's steps are the same double additions). */
RT_API void rt_dop_matmul(const double *a, const double *b, int64_t m, int64_t k, int64_t n,
                          double *out) {
  int64_t i, j, t, t0, j0;
  if (n < 8) { /* a matrix-vector product or nearly: b's columns are short, a's rows contiguous */
    for (i = 0; i < m; i++)
      for (j = 0; j < n; j++) {
        double s = 0;
        for (t = 0; t < k; t++) s += a[i * k + t] * b[t * n + j];
        out[i * n + j] = s;
      }
    return;
  }
  for (i = 0; i < m * n; i++) out[i] = 0;
  for (t0 = 0; t0 < k; t0 += MM_KB) {
    int64_t t1 = t0 + MM_KB < k ? t0 + MM_KB : k;
    for (j0 = 0; j0 < n; j0 += MM_NB) {
      int64_t j1 = j0 + MM_NB < n ? j0 + MM_NB : n;
      for (i = 0; i + MM_ROWS <= m; i += MM_ROWS)
        mm_rows(a + i * k, k, b, n, out + i * n, t0, t1, j0, j1);
      for (; i < m; i++) /* the last rows, one at a time */
        for (t = t0; t < t1; t++) {
          double ai = a[i * k + t];
          for (j = j0; j < j1; j++) out[i * n + j] += ai * b[t * n + j];
        }
    }
  }
}

RT_API void rt_dop_outer(const double *u, const double *w, int64_t m, int64_t n, double *out) {
  int64_t i, j;
  for (i = 0; i < m; i++)
    for (j = 0; j < n; j++) out[i * n + j] = u[i] * w[j];
}

RT_API void rt_dop_transpose(const double *a, int64_t rows, int64_t cols, double *out) {
  int64_t i, j;
  for (i = 0; i < cols; i++)
    for (j = 0; j < rows; j++) out[i * rows + j] = a[j * cols + i];
}

RT_API void rt_dop_bcast_rows(const double *row, int64_t m, int64_t n, double *out) {
  int64_t i, j;
  for (i = 0; i < m; i++)
    for (j = 0; j < n; j++) out[i * n + j] = row[j];
}

RT_API void rt_dop_bcast_cols(const double *col, int64_t m, int64_t n, double *out) {
  int64_t i, j;
  for (i = 0; i < m; i++)
    for (j = 0; j < n; j++) out[i * n + j] = col[i];
}

RT_API void rt_dop_copy_block(const double *a, int64_t lda, int64_t rows, int64_t cols, double *out,
                              int64_t ldo) {
  int64_t i, j;
  for (i = 0; i < rows; i++)
    for (j = 0; j < cols; j++) out[i * ldo + j] = a[i * lda + j];
}

RT_API int64_t rt_dop_gather(const double *a, int64_t nrows, int64_t width, const double *idx,
                             int64_t k, double *out) {
  int64_t i, j;
  for (i = 0; i < k; i++) {
    int64_t r = (int64_t)idx[i];
    if (r < 0 || r >= nrows) return i;
    for (j = 0; j < width; j++) out[i * width + j] = a[r * width + j];
  }
  return -1;
}

RT_API int64_t rt_dop_scatter(const double *a, int64_t k, int64_t width, const double *idx,
                              int64_t nrows, double *out) {
  int64_t i, j;
  rt_dop_fill(out, nrows * width, 0);
  for (i = 0; i < k; i++) {
    int64_t r = (int64_t)idx[i];
    if (r < 0 || r >= nrows) return i;
    for (j = 0; j < width; j++) out[r * width + j] += a[i * width + j];
  }
  return -1;
}

RT_API int64_t rt_dop_take_check(const double *idx, int64_t k, int64_t n) {
  int64_t i;
  /* a fraction would otherwise be truncated to a row silently, and a NaN converted to an
   * integer is undefined */
  for (i = 0; i < k; i++)
    if (!(idx[i] >= 0 && idx[i] < (double)n && idx[i] == floor(idx[i]))) return i;
  return -1;
}

RT_API int64_t rt_dop_take(const double *a, int64_t rows, int64_t cols, const double *idx,
                           int64_t k, int axis, double *out) {
  int64_t i, j, bad = rt_dop_take_check(idx, k, axis == 0 ? rows : cols);
  if (bad >= 0) return bad;
  if (axis == 0) {
    for (i = 0; i < k; i++) {
      const double *src = a + (int64_t)idx[i] * cols;
      for (j = 0; j < cols; j++) out[i * cols + j] = src[j];
    }
  } else {
    for (i = 0; i < rows; i++)
      for (j = 0; j < k; j++) out[i * k + j] = a[i * cols + (int64_t)idx[j]];
  }
  return -1;
}

RT_API void rt_dop_diag_matrix(const double *v, int64_t n, double *out) {
  int64_t i;
  rt_dop_fill(out, n * n, 0);
  for (i = 0; i < n; i++) out[i * n + i] = v[i];
}

RT_API void rt_dop_diag_vector(const double *a, int64_t n, double *out) {
  int64_t i;
  for (i = 0; i < n; i++) out[i] = a[i * n + i];
}

RT_API int64_t rt_dop_onehot(const double *labels, int64_t m, int64_t ncls, double *out) {
  int64_t i, bad = -1;
  rt_dop_fill(out, m * ncls, 0);
  for (i = 0; i < m; i++) {
    double l = labels[i];
    if (l >= 0 && l < (double)ncls && l == floor(l)) {
      out[i * ncls + (int64_t)l] = 1;
    } else {
      rt_dop_fill(out + i * ncls, ncls, NAN);
      if (bad < 0) bad = i;
    }
  }
  return bad;
}
