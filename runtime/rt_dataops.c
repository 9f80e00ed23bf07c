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

RT_API void rt_dop_matmul(const double *a, const double *b, int64_t m, int64_t k, int64_t n,
                          double *out) {
  int64_t i, j, t;
  for (i = 0; i < m; i++)
    for (j = 0; j < n; j++) {
      double s = 0;
      for (t = 0; t < k; t++) s += a[i * k + t] * b[t * n + j];
      out[i * n + j] = s;
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
