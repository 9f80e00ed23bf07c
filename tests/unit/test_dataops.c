/* test_dataops.c — the data stage's tensor operations (runtime/rt_dataops.c), which bloc's
 * evaluator and every generated solver share: each op on a small case worked by hand, the
 * order of every sum (pinned with values whose sum depends on it), ties in argmax_rows,
 * logsumexp of rows of -inf and +inf, the labels onehot rejects (NaN rows, the first one
 * reported), the first out-of-range index gather and scatter report, and the indices take
 * refuses (one past the end, negative, fractional, NaN) before it writes anything. Shapes are
 * the compiler's business (an empty slice is an error in sema: tests/golden/err_index), so every
 * case here is at least 1 x 1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "rt_dataops.h"

/* out[0..n) == want[0..n) exactly (the ops below are exact on these inputs, or pinned). */
static void assert_vec(const double *out, const double *want, int n) {
  for (int i = 0; i < n; i++) {
    if (out[i] != want[i]) fail_msg("entry %d: %.17g, expected %.17g", i, out[i], want[i]);
  }
}

static void test_fill_and_sums(void **state) {
  (void)state;
  double out[6];
  rt_dop_fill(out, 6, -2.5);
  assert_vec(out, (double[]){-2.5, -2.5, -2.5, -2.5, -2.5, -2.5}, 6);
  /* left to right from 0: (1e16 + 1) - 1e16 == 0; any other order gives 1 or 2 */
  assert_true(rt_dop_sum((double[]){1e16, 1, -1e16, 1}, 4) == 1);
  assert_true(rt_dop_sum((double[]){-0.0}, 1) == 0);
  const double a[6] = {1e16, 1, -1e16, 1, 2, 3}; /* 2 x 3 */
  rt_dop_sum_rows(a, 2, 3, out);
  assert_vec(out, (double[]){0, 6}, 2);
  const double c[6] = {1e16, 1, 1, 2, -1e16, 3}; /* 3 x 2: column 0 is 1e16, 1, -1e16 */
  rt_dop_sum_cols(c, 3, 2, out);
  assert_vec(out, (double[]){0, 6}, 2);
}

static void test_logsumexp(void **state) {
  (void)state;
  assert_true(fabs(rt_dop_lse((double[]){1, 2, 3}, 3) - 3.4076059644443806) < 1e-15);
  /* shifted by the maximum: no overflow */
  assert_true(fabs(rt_dop_lse((double[]){1000, 1000}, 2) - (1000 + log(2.0))) < 1e-12);
  assert_true(rt_dop_lse((double[]){-5}, 1) == -5);
  /* rows of -inf (an empty softmax) give -inf, not NaN; one +inf gives +inf */
  const double a[6] = {-INFINITY, -INFINITY, -INFINITY, 0, INFINITY, -INFINITY}; /* 3 x 2 */
  double out[3];
  rt_dop_lse_rows(a, 3, 2, out);
  assert_true(isinf(out[0]) && out[0] < 0);
  assert_true(out[1] == 0); /* log(exp(-inf) + exp(0)) */
  assert_true(isinf(out[2]) && out[2] > 0);
  assert_true(isinf(rt_dop_lse(a, 2)) && rt_dop_lse(a, 2) < 0);
}

static void test_argmax_rows(void **state) {
  (void)state;
  /* ties: the first column wins */
  const double a[16] = {1, 3, 3, 0, /**/ 2, 2, 0, 2, /**/ 0, 0, 0, 0, /**/ -1, -3, -0.5, -0.5};
  double out[4];
  rt_dop_argmax_rows(a, 4, 4, out);
  assert_vec(out, (double[]){1, 0, 0, 2}, 4);
  /* compared with >: a NaN after column 0 is never chosen */
  const double b[3] = {1, NAN, 2};
  rt_dop_argmax_rows(b, 1, 3, out);
  assert_true(out[0] == 2);
  rt_dop_argmax_rows(b, 3, 1, out); /* one column: always 0 */
  assert_vec(out, (double[]){0, 0, 0}, 3);
}

static void test_products(void **state) {
  (void)state;
  const double a[6] = {1, 2, 3, 4, 5, 6};    /* 2 x 3 */
  const double b[6] = {7, 8, 9, 10, 11, 12}; /* 3 x 2 */
  double out[9];
  rt_dop_matmul(a, b, 2, 3, 2, out);
  assert_vec(out, (double[]){58, 64, 139, 154}, 4);
  rt_dop_matmul(a, (double[]){1, -1, 2}, 2, 3, 1, out); /* matrix-vector */
  assert_vec(out, (double[]){5, 11}, 2);
  /* each entry summed over k from 0: (1e16 * 1 + 1 * 1) + (-1e16 * 1) == 0 */
  rt_dop_matmul((double[]){1e16, 1, -1e16}, (double[]){1, 1, 1}, 1, 3, 1, out);
  assert_true(out[0] == 0);
  rt_dop_outer((double[]){1, 2}, (double[]){3, 4, 5}, 2, 3, out);
  assert_vec(out, (double[]){3, 4, 5, 6, 8, 10}, 6);
  rt_dop_transpose(a, 2, 3, out);
  assert_vec(out, (double[]){1, 4, 2, 5, 3, 6}, 6);
}

/* The blocked product against the definition, entry by entry, bit for bit: every shape class
 * the loops split on (n under 8, rows and columns not multiples of the 4 x 4 groups, k and n
 * past one block of b), values whose sums round differently in another order (sums of
 * 1e16-scale terms and small ones), and NaN, infinities and -0 kept where they fall. */
static void test_matmul_blocked(void **state) {
  (void)state;
  static const int64_t shapes[][3] = {{1, 1, 1},  {3, 5, 7},   {4, 3, 8},   {5, 300, 9},
                                      {9, 7, 13}, {6, 129, 257}, {13, 260, 515}, {2, 1, 600}};
  uint64_t r = 42;
  for (size_t c = 0; c < sizeof shapes / sizeof shapes[0]; c++) {
    int64_t m = shapes[c][0], k = shapes[c][1], n = shapes[c][2];
    double *a = test_malloc((size_t)(m * k) * sizeof(double));
    double *b = test_malloc((size_t)(k * n) * sizeof(double));
    double *out = test_malloc((size_t)(m * n) * sizeof(double));
    for (int64_t i = 0; i < m * k + k * n; i++) {
      r = r * 6364136223846793005ULL + 1442695040888963407ULL;
      double v = (double)(int64_t)(r >> 11) / 9007199254740992.0 - 0.5;
      v *= (r >> 5) % 3 == 0 ? 1e16 : 1; /* terms whose sum depends on its order */
      if (i < m * k) a[i] = v;
      else b[i - m * k] = v;
    }
    if (m * k > 2) a[2] = -0.0;
    if (k * n > 5) b[5] = k * n > 40 ? NAN : INFINITY;
    rt_dop_matmul(a, b, m, k, n, out);
    for (int64_t i = 0; i < m; i++)
      for (int64_t j = 0; j < n; j++) {
        double s = 0;
        for (int64_t t = 0; t < k; t++) s += a[i * k + t] * b[t * n + j];
        double o = out[i * n + j];
        if (memcmp(&s, &o, sizeof s) != 0 && !(isnan(s) && isnan(o)))
          fail_msg("%lld x %lld x %lld: [%lld, %lld] = %.17g, the definition %.17g",
                   (long long)m, (long long)k, (long long)n, (long long)i, (long long)j, o, s);
      }
    test_free(a);
    test_free(b);
    test_free(out);
  }
}

static void test_broadcasts_and_diagonals(void **state) {
  (void)state;
  double out[9];
  rt_dop_bcast_rows((double[]){1, 2, 3}, 2, 3, out);
  assert_vec(out, (double[]){1, 2, 3, 1, 2, 3}, 6);
  rt_dop_bcast_cols((double[]){1, 2}, 2, 3, out);
  assert_vec(out, (double[]){1, 1, 1, 2, 2, 2}, 6);
  rt_dop_diag_matrix((double[]){1, 2, 3}, 3, out);
  assert_vec(out, (double[]){1, 0, 0, 0, 2, 0, 0, 0, 3}, 9);
  const double m[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  rt_dop_diag_vector(m, 3, out);
  assert_vec(out, (double[]){1, 5, 9}, 3);
}

static void test_blocks(void **state) {
  (void)state;
  const double a[12] = {0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23}; /* 3 x 4 */
  double out[12];
  /* a slice: rows 1..2, columns 1..2 */
  rt_dop_copy_block(a + 1 * 4 + 1, 4, 2, 2, out, 2);
  assert_vec(out, (double[]){11, 12, 21, 22}, 4);
  /* a padding: 2 x 2 into a 3 x 4 of zeros at row 1, column 2; the rest untouched */
  rt_dop_fill(out, 12, 0);
  rt_dop_copy_block((double[]){1, 2, 3, 4}, 2, 2, 2, out + 1 * 4 + 2, 4);
  assert_vec(out, (double[]){0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4}, 12);
  /* hcat of a 2 x 1 and a 2 x 2 into 2 x 3 */
  rt_dop_copy_block((double[]){7, 8}, 1, 2, 1, out, 3);
  rt_dop_copy_block((double[]){1, 2, 3, 4}, 2, 2, 2, out + 1, 3);
  assert_vec(out, (double[]){7, 1, 2, 8, 3, 4}, 6);
}

static void test_gather_scatter(void **state) {
  (void)state;
  const double a[6] = {1, 2, 3, 4, 5, 6}; /* 3 x 2 */
  double out[8];
  assert_true(rt_dop_gather(a, 3, 2, (double[]){2, 0, 2}, 3, out) == -1);
  assert_vec(out, (double[]){5, 6, 1, 2, 5, 6}, 6);
  /* the first index out of 0..nrows-1 is reported by its position */
  assert_true(rt_dop_gather(a, 3, 2, (double[]){0, 3, -1}, 3, out) == 1);
  assert_true(rt_dop_gather(a, 3, 2, (double[]){-1}, 1, out) == 0);
  /* scatter zeroes its output, then adds: a repeated index accumulates in order */
  memset(out, 0x7f, sizeof out);
  assert_true(rt_dop_scatter((double[]){1, 2, 10, 20}, 2, 2, (double[]){1, 1}, 3, out) == -1);
  assert_vec(out, (double[]){0, 0, 11, 22, 0, 0}, 6);
  assert_true(rt_dop_scatter(a, 3, 2, (double[]){0, 1, 4}, 4, out) == 2);
}

static void test_onehot(void **state) {
  (void)state;
  double out[21];
  /* labels that are not an integer in 0..ncls-1 give a row of NaN, the first one's index is
   * returned; -0.0 is class 0 */
  assert_true(rt_dop_onehot((double[]){0, 2, -0.0}, 3, 3, out) == -1);
  assert_vec(out, (double[]){1, 0, 0, 0, 0, 1, 1, 0, 0}, 9);
  assert_true(rt_dop_onehot((double[]){0, 2, 2.5, -1, 3, NAN, 1}, 7, 3, out) == 2);
  assert_vec(out, (double[]){1, 0, 0, 0, 0, 1}, 6);
  for (int i = 6; i < 18; i++)
    if (!isnan(out[i])) fail_msg("entry %d: %.17g, expected nan", i, out[i]);
  assert_vec(out + 18, (double[]){0, 1, 0}, 3);
}

static void test_take(void **state) {
  (void)state;
  const double a[6] = {1, 2, 3, 4, 5, 6}; /* 3 x 2 */
  double out[9];
  /* rows (repeats allowed, -0.0 is row 0), columns, a vector's elements */
  assert_true(rt_dop_take(a, 3, 2, (double[]){2, -0.0, 2}, 3, 0, out) == -1);
  assert_vec(out, (double[]){5, 6, 1, 2, 5, 6}, 6);
  assert_true(rt_dop_take(a, 3, 2, (double[]){1, 1, 0}, 3, 1, out) == -1);
  assert_vec(out, (double[]){2, 2, 1, 4, 4, 3, 6, 6, 5}, 9);
  assert_true(rt_dop_take(a, 6, 1, (double[]){5, 0}, 2, 0, out) == -1);
  assert_vec(out, (double[]){6, 1}, 2);
  /* the first index that is not a row (column): one past the end, negative, a fraction, NaN;
   * out untouched, every index checked before any is read */
  const double bad[][2] = {{0, 3}, {0, -1}, {0, 1.5}, {0, NAN}};
  for (int i = 0; i < 4; i++) {
    memset(out, 0, sizeof out);
    assert_true(rt_dop_take(a, 3, 2, bad[i], 2, 0, out) == 1);
    assert_vec(out, (double[]){0, 0}, 2);
  }
  assert_true(rt_dop_take(a, 3, 2, (double[]){2}, 1, 1, out) == 0); /* 2 columns */
  assert_true(rt_dop_take_check((double[]){0, 2, 9}, 3, 3) == 2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fill_and_sums), cmocka_unit_test(test_logsumexp),
      cmocka_unit_test(test_argmax_rows),   cmocka_unit_test(test_products),
      cmocka_unit_test(test_matmul_blocked),
      cmocka_unit_test(test_broadcasts_and_diagonals), cmocka_unit_test(test_blocks),
      cmocka_unit_test(test_gather_scatter), cmocka_unit_test(test_onehot),
      cmocka_unit_test(test_take),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
