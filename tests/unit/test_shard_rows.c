/* test_shard_rows.c — sharded declarations computed from replicated data for one rank's rows
 * only (compiler/ir/shard_rows.h, doc/scaling.md "Sharded data"), on tests/unit/
 * shard_rows.blo compiled for each rank of N = 2 .. 5 (23 rows, uneven splits):
 *   - the data stage of the rank evaluates nothing of more rows than the rank holds: the row
 *     range is pushed down to row slices of the replicated tensors it reads (only the
 *     generator `noise`, whose draws depend on every earlier one, and the transpose in T are
 *     computed whole and cut);
 *   - every sharded declaration is bit for bit the rows of the unsharded compile's value;
 *   - the oracles summed over the ranks are the unsharded ones (to 1e-12). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiled.h"
#include "src_path.h"

static const char *const k_file = "tests/unit/shard_rows.blo";

static BloCompiled *compile(BloBackend backend, RtShard s) {
  BloCompileOptions opt = {0};
  opt.backend = backend;
  opt.shard = s;
  BloCompiled *c = NULL;
  assert_int_equal(blo_compile_file(src_path(k_file), &opt, &c), 0);
  return c;
}

static int decl(const BloCompiled *c, const char *name) {
  for (int k = 0; k < c->prog->ndata; k++)
    if (strcmp(c->prog->data[k]->name, name) == 0) return k;
  fail_msg("no data '%s'", name);
  return -1;
}

/* The largest row count of a node the data stage evaluates for declaration k, leaves of
 * other declarations (read by rows through slices) aside. */
static int64_t widest(BloCompiled *c, int k) {
  IrNode **order;
  size_t n = ir_topo(&c->ir->graph, &c->ir->data_value[k], 1, &order);
  int64_t most = 0;
  for (size_t i = 0; i < n; i++)
    if (order[i]->op != IR_DATA && order[i]->shape.rows > most) most = order[i]->shape.rows;
  return most;
}

/* How many nodes of `rows` rows the data stage evaluates for declaration k (leaves of other
 * declarations aside). */
static int with_rows(BloCompiled *c, int k, int64_t rows) {
  IrNode **order;
  size_t n = ir_topo(&c->ir->graph, &c->ir->data_value[k], 1, &order);
  int count = 0;
  for (size_t i = 0; i < n; i++) count += order[i]->op != IR_DATA && order[i]->shape.rows == rows;
  return count;
}

static const char *const k_pushed[] = {"Xtr", "Ytr", "Z", "P", "Q"};
enum { NPUSHED = sizeof k_pushed / sizeof k_pushed[0] };

static void test_rows_only(void **state) {
  (void)state;
  BloCompiled *whole = compile(BLO_BACKEND_INTERP, (RtShard){0, 1});
  const BloProblem *wp = blo_problem(whole);
  for (int N = 2; N <= 5; N++)
    for (int r = 0; r < N; r++) {
      BloCompiled *c = compile(BLO_BACKEND_INTERP, (RtShard){r, N});
      const BloProblem *p = blo_problem(c);
      RtRows mine = rt_shard_rows((RtShard){r, N}, 23);
      for (int i = 0; i < NPUSHED; i++) {
        int k = decl(c, k_pushed[i]);
        int64_t cols = c->prog->data[k]->shape.rank == 2 ? c->prog->data[k]->shape.cols : 1;
        if (widest(c, k) > mine.n)
          fail_msg("N = %d, rank %d: data '%s' evaluates %lld rows, not only its %lld", N, r,
                   k_pushed[i], (long long)widest(c, k), (long long)mine.n);
        assert_int_equal(p->data_info[k].rows, mine.n);
        assert_non_null(p->data[k]);
        assert_non_null(wp->data[k]);
        assert_memory_equal(p->data[k], wp->data[k] + mine.r0 * cols,
                            sizeof(double) * (size_t)(mine.n * cols));
      }
      /* the generator, and the transpose in T: whole (23 rows) and cut, the same rows as
       * unsharded */
      for (int i = 0; i < 2; i++) {
        int g = decl(c, i ? "T" : "noise");
        assert_int_equal(widest(c, g), 23);
        if (i) /* the transpose alone: 2 * it and raw's rows are the rank's */
          assert_int_equal(with_rows(c, g, 23), 1);
        assert_memory_equal(p->data[g], wp->data[g] + mine.r0 * 3,
                            sizeof(double) * (size_t)(mine.n * 3));
      }
      blo_compiled_free(c);
    }
  blo_compiled_free(whole);
}

/* Kernel id (f or g: one scalar out) at p's initial point. */
static double scalar_kernel(const BloProblem *p, int id) {
  double *work = calloc((size_t)p->work_size + 1, sizeof(double)), out = 0, *outs[1] = {&out};
  BloEnv env = {p->data, NULL, work, p->backend};
  p->kernels[id](&env, p->x0, p->y0, NULL, outs);
  free(work);
  return out;
}

/* f and g at the initial point summed over the ranks: the unsharded values. */
static void test_sum(void **state) {
  (void)state;
  for (int b = 0; b < 2; b++) {
    BloBackend backend = b ? BLO_BACKEND_INTERP : BLO_BACKEND_JIT;
    BloCompiled *whole = compile(backend, (RtShard){0, 1});
    const BloProblem *wp = blo_problem(whole);
    double ref[2], sum[2] = {0, 0};
    ref[0] = scalar_kernel(wp, BLO_K_F);
    ref[1] = scalar_kernel(wp, BLO_K_G);
    for (int r = 0; r < 3; r++) {
      BloCompiled *c = compile(backend, (RtShard){r, 3});
      const BloProblem *p = blo_problem(c);
      sum[0] += scalar_kernel(p, BLO_K_F);
      sum[1] += scalar_kernel(p, BLO_K_G);
      blo_compiled_free(c);
    }
    for (int i = 0; i < 2; i++)
      if (!(fabs(sum[i] - ref[i]) <= 1e-12 * fabs(ref[i])))
        fail_msg("%s: %s summed over 3 ranks is %.17g, unsharded %.17g", b ? "interp" : "jit",
                 i ? "g" : "f", sum[i], ref[i]);
    blo_compiled_free(whole);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rows_only),
      cmocka_unit_test(test_sum),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
