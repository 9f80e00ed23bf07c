/* test_f32.c — precision f32 (doc/performance.md, "Single precision"): every kernel of
 * tests/unit/f32_kernels.blo (float data through skinny products, BLAS products, symv, a data
 * scalar as alpha, row logsumexp) compiled by the JIT at f32, against the evaluator at f32
 * (the same float-rounded data, double arithmetic) and at f64 (the unrounded data). With
 * u = eps_f32 / 2 and n the longest sum over data in the program (a row of D, n = 600):
 *   - arithmetic: the JIT's products with float data compute in float (the other operand
 *     rounded once, relative error <= u a term) and add at most n products in float, each
 *     addition rounding by <= u of the partial sum, so a product is within (n + 1) u of the
 *     sum of its terms' magnitudes of the exact one (any summation order); its terms are
 *     bounded by the output's largest magnitude times the data's spread, and the smooth
 *     functions applied on top (softmax, logsumexp, squares) multiply it by a small constant:
 *     8 (n + 1) eps_f32 of the output's largest magnitude covers both, against the evaluator
 *     at f32;
 *   - the data: rounding each datum moves a term by <= u of itself, n u of a sum, once more
 *     the same order: 16 (n + 1) eps_f32 against the evaluator at f64.
 * At least one output must differ from f64 by more than 1e-12: the data were rounded at all;
 * and from the evaluator at f32 by more than 1e-12: the arithmetic is float.
 * And hyper-cleaning (examples/hyperclean.blo, 1000 training samples, when the Fashion-MNIST
 * files are installed), whose products run in row-parallel regions: n = 1000, the longest
 * data sum (rows of Xtr). And tests/unit/many_skinny.blo, whose 80 distinct skinny products
 * overflow the JIT's table of shared functions, also at f64 (JIT against evaluator, 1e-12). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compiled.h"
#include "jit_runs.h"
#include "kernel_calls.h"
#include "llvm/jit.h"

typedef struct Prog {
  const char *file;
  const SemaDefine *defs;
  int ndefs;
  double n; /* the longest sum over data */
  bool f64_jit; /* also the JIT at f64 against the evaluator at f64, within 1e-12 */
  const char *float_kernel; /* a kernel that must differ from the evaluator at f32 by more than
                               1e-12 of its scale: its products compute in float (NULL: none) */
} Prog;

/* Compiles pg with every kernel, by the backend at the precision. */
static void run_open(KcRun *r, const Prog *pg, BloBackend backend, BloPrecision prec) {
  BloCompileOptions opt = {0};
  opt.defs = pg->defs;
  opt.ndefs = pg->ndefs;
  opt.backend = backend;
  opt.precision_set = true;
  opt.precision = prec;
  opt.all_kernels = true;
  assert_int_equal(kc_open(r, pg->file, &opt), 0);
  kc_draw(r->p, 5, r->samples); /* minibatches: the same rows in every compile */
}

static void check_prog(const Prog *pg) {
  KcRun j32, e32, e64, j64;
  run_open(&j32, pg, BLO_BACKEND_JIT, BLO_PREC_F32);
  run_open(&e32, pg, BLO_BACKEND_INTERP, BLO_PREC_F32);
  run_open(&e64, pg, BLO_BACKEND_INTERP, BLO_PREC_F64);
  if (pg->f64_jit) run_open(&j64, pg, BLO_BACKEND_JIT, BLO_PREC_F64);
  assert_int_equal(j32.p->precision, BLO_PREC_F32);
  assert_int_equal(e64.p->precision, BLO_PREC_F64);
  int64_t nx = j32.p->nx, ny = j32.p->ny, n = nx > ny ? nx : ny;
  int64_t slot = n + 64;
  KcPoint pt = kc_point(n, 7);
  double *a = malloc(sizeof(double) * (size_t)(KC_SLOTS * slot)),
         *b = malloc(sizeof(double) * (size_t)(KC_SLOTS * slot)),
         *c = malloc(sizeof(double) * (size_t)(KC_SLOTS * slot));
  const double tol32 = 8 * (pg->n + 1) * FLT_EPSILON, tol64 = 2 * tol32;
  double most = 0, most32 = 0; /* largest relative differences from f64 and eval f32 seen */
  int checked = 0;
  for (int id = 0; id < BLO_K_COUNT; id++) {
    if (!j32.p->kernels[id]) continue;
    assert_non_null(e64.p->kernels[id]);
    kc_call(&j32, id, &pt, a, slot);
    kc_call(&e32, id, &pt, b, slot);
    kc_call(&e64, id, &pt, c, slot);
    double scale = 1e-300, d32 = 0, d64 = 0;
    for (int64_t i = 0; i < KC_SLOTS * slot; i++) scale = fmax(scale, fabs(c[i]));
    for (int64_t i = 0; i < KC_SLOTS * slot; i++) {
      d32 = fmax(d32, fabs(a[i] - b[i]));
      d64 = fmax(d64, fabs(a[i] - c[i]));
    }
    const char *name = j32.c->ir->kernels[id].name;
    if (pg->f64_jit) {
      kc_call(&j64, id, &pt, b, slot);
      double d = 0;
      for (int64_t i = 0; i < KC_SLOTS * slot; i++) d = fmax(d, fabs(b[i] - c[i]));
      if (d > 1e-12 * scale)
        fail_msg("%s: kernel %s: |jit f64 - eval f64| = %.3g (scale %.3g)", pg->file, name, d,
                 scale);
    }
    if (d32 > tol32 * scale || d64 > tol64 * scale)
      fail_msg("%s: kernel %s: |jit f32 - eval f32| = %.3g, |jit f32 - eval f64| = %.3g "
               "(scale %.3g)", pg->file, name, d32, d64, scale);
    most = fmax(most, d64 / scale);
    most32 = fmax(most32, d32 / scale);
    if (pg->float_kernel && !strcmp(name, pg->float_kernel) && d32 <= 1e-12 * scale)
      fail_msg("%s: kernel %s: |jit f32 - eval f32| = %.3g: not float arithmetic", pg->file, name,
               d32);
    checked++;
  }
  assert_true(checked >= 9);
  assert_true(most > 1e-12);   /* the data were rounded */
  assert_true(most32 > 1e-12); /* float arithmetic */
  printf("%s: largest difference from eval f32 %.3g, from f64 %.3g (of the output's scale; "
         "tolerances %.3g, %.3g)\n", pg->file, most32, most, tol32, tol64);
  free(a);
  free(b);
  free(c);
  kc_point_free(&pt);
  kc_close(&j32);
  kc_close(&e32);
  kc_close(&e64);
  if (pg->f64_jit) kc_close(&j64);
}

/* At the default width and at both widths forced (256, and 512 where the CPU has AVX-512):
 * the register tiles of the skinny products differ by width. */
static void test_f32_kernels(void **state) {
  (void)state;
  Prog pg = {"tests/unit/f32_kernels.blo", NULL, 0, 600, false, NULL};
  char *saved = getenv("BLOC_VECTOR_WIDTH") ? strdup(getenv("BLOC_VECTOR_WIDTH")) : NULL;
  static const char *const widths[] = {"", "256", "512"};
  for (int w = 0; w < 3; w++) {
    if (w == 2 && !jit_host_has_avx512()) break;
    setenv("BLOC_VECTOR_WIDTH", widths[w], 1);
    check_prog(&pg);
  }
  if (saved) setenv("BLOC_VECTOR_WIDTH", saved, 1);
  else unsetenv("BLOC_VECTOR_WIDTH");
  free(saved);
}

static void test_f32_hyperclean(void **state) {
  (void)state;
  if (access("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz", R_OK) != 0) {
    fprintf(stderr, "skip: no Fashion-MNIST files\n");
    return;
  }
  SemaDefine d[3] = {{"n_train", 1000, NULL}, {"n_val", 1000, NULL}, {"n_test", 500, NULL}};
  Prog pg = {"examples/hyperclean.blo", d, 3, 1000, false, NULL};
  check_prog(&pg);
}

/* Minibatch hyper-cleaning (examples/hyperclean_minibatch.blo, 1000 training samples, batches
 * of 200): the products over a region block's sampled rows of X read them in place, floats at
 * f32 (SchedBuf.rows_direct), and compute in float as on the data; a block that copies them
 * (SchedBuf.rows_of_data) copies floats; n = 785, a row of X. The JIT at f64 against the
 * evaluator too. */
static void test_f32_minibatch(void **state) {
  (void)state;
  if (access("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz", R_OK) != 0) {
    fprintf(stderr, "skip: no Fashion-MNIST files\n");
    return;
  }
  SemaDefine d[4] = {{"n_train", 1000, NULL}, {"n_val", 1000, NULL}, {"n_test", 500, NULL},
                     {"batch", 200, NULL}};
  Prog pg = {"examples/hyperclean_minibatch.blo", d, 4, 785, true, "grad_y_g"};
  check_prog(&pg);
  KcRun r; /* the products of the JIT's f32 plans reading the rows in place (seven at f64) */
  run_open(&r, &pg, BLO_BACKEND_JIT, BLO_PREC_F32);
  int in_place = 0;
  for (int id = 0; id < BLO_K_COUNT; id++)
    if (r.p->kernels[id]) in_place += jr_rows_in_place(jit_plan(r.c->jit, (BloKernelId)id), NULL);
  kc_close(&r);
  if (in_place < 4) fail_msg("%d products read sampled rows in place", in_place);
}

/* Float copies of sampled rows in the work buffer beside double buffers (f32_sampled.blo):
 * n = 5, the longest sum over data (the batch). */
static void test_f32_sampled(void **state) {
  (void)state;
  Prog pg = {"tests/unit/f32_sampled.blo", NULL, 0, 5, true, NULL};
  check_prog(&pg);
}

/* More distinct skinny products than the JIT's table of shared functions: those beyond it
 * are compiled into each part that needs them, at f32 and at f64. */
static void test_many_skinny(void **state) {
  (void)state;
  Prog pg = {"tests/unit/many_skinny.blo", NULL, 0, 41, true, NULL}; /* A_q u, k <= 41 */
  check_prog(&pg);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_f32_kernels),
      cmocka_unit_test(test_f32_hyperclean),
      cmocka_unit_test(test_f32_minibatch), cmocka_unit_test(test_f32_sampled),
      cmocka_unit_test(test_many_skinny),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
