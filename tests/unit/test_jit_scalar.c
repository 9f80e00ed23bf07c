/* test_jit_scalar.c — elementwise loops left scalar (compiler/llvm/cg_llvm_scalar.c): where a
 * kernel's products do at least 8192 multiply-adds per element of an elementwise loop (256 for
 * a loop that only transposes a product's operand), the loop carries
 * "llvm.loop.vectorize.enable" false, the optimised IR is smaller than with every loop
 * vectorised (JitOptions.vectorize_all), and every output of every kernel is the same bits at
 * f64 and f32; where they do not, the IR is the same text as with every loop vectorised. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hand_problems.h"
#include "jit_runs.h"
#include "llvm/cg_llvm.h"
#include "llvm/jit.h"
#include "rt_par.h"
#include "rt_rng.h"

static double *random_data(RtRng *r, int64_t n, double lo, double hi) {
  double *d = malloc((size_t)n * sizeof(double));
  for (int64_t i = 0; i < n; i++) d[i] = rt_rng_uniform(r, lo, hi);
  return d;
}

static int count_lines(const char *s) {
  int n = 0;
  for (; *s; s++) n += *s == '\n';
  return n;
}

/* p compiled with every loop vectorised and by default, kernels run on d: the outputs must be
 * the same bits. Returns the two optimised IRs (caller frees). */
static void compare(const char *name, const IrProblem *p, const JrData *d, bool f32, char **ir_all,
                    char **ir_default) {
  JitOptions o = jit_default_options();
  o.keep_ir = true;
  o.f32 = f32;
  o.vector_bits = 256;
  double *want[BLO_K_COUNT][4], *got[BLO_K_COUNT][4];
  char err[512];
  for (int pass = 0; pass < 2; pass++) {
    JitModule *m = NULL;
    o.vectorize_all = pass == 0;
    if (jit_compile(p, &o, &m, err, sizeof err)) fail_msg("%s: %s", name, err);
    *(pass ? ir_default : ir_all) = jr_module_ir(m);
    jr_run_all(p, m, d->view, NULL, 29, pass ? got : want);
    jit_free(m);
  }
  int id, s;
  if (!jr_same_outs(p, want, got, &id, &s))
    fail_msg("%s%s: kernel %d slot %d differs from its code with every loop vectorised", name,
             f32 ? " (f32)" : "", id, s);
  jr_free_outs(want);
  jr_free_outs(got);
}

static const char NOVEC[] = "!\"llvm.loop.vectorize.enable\", i1 false";

/* Hyper-cleaning at the examples' width (785 features, 10 classes) with m training and mv
 * validation rows of random data drawn from seed. */
typedef struct HcCase {
  Arena arena;
  IrProblem p;
  double *data[4];
  int64_t sizes[4];
} HcCase;

static void hc_init(HcCase *h, int64_t m, int64_t mv, uint64_t seed) {
  int64_t nf = 785, nc = 10;
  arena_init(&h->arena);
  hp_hyperclean(&h->p, &h->arena, m, mv, nf, nc);
  RtRng r;
  rt_rng_seed(&r, seed);
  int64_t rows[4] = {m, m, mv, mv}, cols[4] = {nf, nc, nf, nc};
  for (int i = 0; i < 4; i++) {
    h->sizes[i] = rows[i] * cols[i];
    h->data[i] = random_data(&r, h->sizes[i], i % 2 ? 0 : -1, 1);
  }
}

static void hc_free(HcCase *h) {
  for (int i = 0; i < 4; i++) free(h->data[i]);
  arena_free(&h->arena);
}

/* compare() on h's problem and data at f64 or f32. */
static void hc_compare(HcCase *h, const char *name, bool f32, char **all, char **def) {
  JrData d;
  jr_data_init(&d, (const double *const *)h->data, h->sizes, 4, f32);
  compare(name, &h->p, &d, f32, all, def);
  jr_data_free(&d);
}

/* At 400 training rows the rows' sigmoid weights (15700 multiply-adds of X W and X' G per row)
 * are left scalar, the reductions are not; same results. */
static void test_hyperclean(void **state) {
  (void)state;
  HcCase h;
  hc_init(&h, 400, 300, 7);
  for (int f32 = 0; f32 < 2; f32++) {
    char *all, *def;
    hc_compare(&h, "hyper-cleaning", f32, &all, &def);
    if (strstr(all, NOVEC)) fail_msg("vectorize_all: a loop is marked scalar");
    if (!strstr(def, NOVEC)) fail_msg("hyper-cleaning%s: no loop left scalar", f32 ? " (f32)" : "");
    int la = count_lines(all), ld = count_lines(def);
    if (ld >= la) fail_msg("hyper-cleaning: %d lines of IR, %d with every loop vectorised", ld, la);
    /* the reductions keep their vector code: sums over rows and columns */
    if (!strstr(def, "llvm.vector.reduce.fadd"))
      fail_msg("hyper-cleaning: a reduction lost its vector code");
    free(all);
    free(def);
  }
  hc_free(&h);
}

/* The choice for each transposing copy of hyper-cleaning's kernels with m training rows:
 * returns how many such loops the plan has and sets *scalar to how many are left scalar. */
static int transposes(int64_t m, int *scalar) {
  Arena arena;
  arena_init(&arena);
  IrProblem p;
  hp_hyperclean(&p, &arena, m, m, 785, 10);
  SchedPlan plan;
  char err[256];
  SchedOptions so = jit_default_options().sched;
  if (sched_problem(&p, &so, &arena, &plan, err, sizeof err)) fail_msg("%s", err);
  int n = 0;
  *scalar = 0;
  for (int id = 0; id < BLO_K_COUNT; id++) {
    if (!plan.present[id]) continue;
    Cg cg = {0};
    cg.madds = cg_kernel_madds(&plan.kernels[id]);
    for (int i = 0; i < plan.kernels[id].nsteps; i++) {
      const SchedStep *st = &plan.kernels[id].steps[i];
      bool copies = st->kind == SS_LOOP && st->nitems > 0;
      for (int j = 0; j < st->nitems; j++)
        copies &= st->items[j].node == UINT32_MAX && st->items[j].expr->op == IR_TRANSPOSE;
      if (!copies) continue;
      n++;
      *scalar += cg_loop_vec(&cg, st) == CG_VEC_NEVER;
    }
  }
  arena_free(&arena);
  return n;
}

/* A batch of 500 rows (hyperclean_minibatch): the transposes of W and V before the products
 * see 1000-1500 multiply-adds per element, under 8192 but over 256: left scalar; at 20 rows
 * (40-60 per element) they keep the vectoriser's choice. At 200 rows, every kernel's outputs
 * are the same bits as with every loop vectorised, at f64 and f32. */
static void test_transposes_scalar(void **state) {
  (void)state;
  int scalar, n = transposes(500, &scalar);
  if (n < 3 || scalar != n) fail_msg("500 rows: %d of %d transposes left scalar", scalar, n);
  n = transposes(20, &scalar);
  if (n < 3 || scalar != 0) fail_msg("20 rows: %d of %d transposes left scalar", scalar, n);
  HcCase h;
  hc_init(&h, 200, 200, 11);
  for (int f32 = 0; f32 < 2; f32++) {
    char *all, *def;
    hc_compare(&h, "hyper-cleaning, 200 rows", f32, &all, &def);
    free(all);
    free(def);
  }
  hc_free(&h);
}

/* The synthetic problem at n = 500: its one product (dsymv, n^2 multiply-adds) does 500 per
 * element of its n-element loops, under the ratio: the code is exactly the vectoriser's. */
static void test_synthetic_unchanged(void **state) {
  (void)state;
  int64_t n = 500;
  Arena arena;
  arena_init(&arena);
  IrProblem p;
  hp_synthetic(&p, &arena, n, 0.5);
  RtRng r;
  rt_rng_seed(&r, 3);
  double *data[4] = {random_data(&r, n, -5, 5), random_data(&r, n, 0.1, 1.1),
                     random_data(&r, n, 0, 0.5), random_data(&r, n * n, -1, 1)};
  for (int64_t i = 0; i < n; i++) /* G symmetric */
    for (int64_t j = 0; j < i; j++) data[3][i * n + j] = data[3][j * n + i];
  int64_t sizes[4] = {n, n, n, n * n};
  JrData d;
  jr_data_init(&d, (const double *const *)data, sizes, 4, false);
  char *all, *def;
  compare("synthetic", &p, &d, false, &all, &def);
  if (strcmp(all, def)) fail_msg("synthetic n=500: the IR changed, but no loop is under the ratio");
  free(all);
  free(def);
  jr_data_free(&d);
  for (int i = 0; i < 4; i++) free(data[i]);
  arena_free(&arena);
}

int main(void) {
  rt_par_set_threads(2);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_hyperclean),
      cmocka_unit_test(test_transposes_scalar),
      cmocka_unit_test(test_synthetic_unchanged),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
