/* test_eval_fused.c — the data stage's row-blocked evaluation (compiler/interp/eval_fused.h)
 * against the plain evaluator: every data declaration of a program that covers what the
 * fused path handles (elementwise chains in place, scalars computed by the evaluator, shared
 * operands in temporaries, hcat of matrices and vectors, slices with row and column offsets,
 * where, values the evaluator computes first, vector roots, blocks that do not divide the
 * rows) must come out bit for bit the same, on one thread and on two, with its inputs present
 * and with them held compactly (read through the data_block hook, and those whose values are
 * bytes also through the data_bytes hook: elementwise chains on them then map each byte
 * through a table), and the first non-finite element it reports must be the first of the
 * plain values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compiled.h" /* the compiled problem's IR */
#include "interp/eval_fused.h"
#include "rt_par.h"

static const char *program =
    "problem fused\n"
    "data A : matrix[300, 301] = normal(0, 1)\n"
    "data B : matrix[301, 5] = uniform(-1, 1)\n"
    "data L : vector[300] = randint(0, 9)\n"
    "data s : vector[300] = randint(1, 10)\n"
    "data fl : vector[300] = bernoulli(0.5)\n"
    "data Big : matrix[2000, 50] = uniform(0, 255)\n"
    "data P : matrix[2000, 50] = randint(0, 256)\n" /* bytes, as a u8 image file's */
    "data X1 : matrix[120, 302] = hcat((A[10:130, :] / 255 - 0.5) / 0.5, ones(120))\n"
    "data X2 : matrix[300, 301] = exp(A * 0.1) + sigmoid(A) * A - A / sum(A)\n"
    "data y : vector[300] = where(fl, mod(L + s, 10), L)\n"
    "data X3 : matrix[300, 4] = hcat(L, s * 2, A[:, 3:5])\n"
    "data X4 : matrix[100, 5] = (A @ B)[100:200, :] * 2 + 1\n"
    "data X5 : matrix[300, 602] = hcat(sqrt(abs(A)) + 1, sqrt(abs(A)) * 2)\n"
    "data X6 : matrix[300, 301] = where(A > 0, A, 0.5) - abs(A) ^ 1.5\n"
    "data v : vector[300] = (L - 4.5) * s\n"
    "data S : matrix[50, 48] = A[7:57, 2:50]\n"
    "data BigX : matrix[2000, 51] = hcat((Big / 255 - 0.5) / 0.5, ones(2000))\n"
    "data E : matrix[2000, 100] = hcat(Big * 2, Big * 2)\n"
    /* non-finite from row 1991 on (seed 7): found by the last task */
    "data Q : matrix[2000, 50] = 1 / (1 - floor(Big / 254.995))\n"
    "data N : matrix[300, 301] = log(A)\n"
    "data PX : matrix[2000, 51] = hcat((P / 255 - 0.5) / 0.5, ones(2000))\n"
    "data PS : matrix[100, 20] = sqrt(P[50:150, 5:25]) * P[50:150, 5:25] - 3\n"
    "data PL : matrix[2000, 50] = log(P) + P ^ 2\n" /* -inf at the first 0 byte */
    "data PQ : matrix[2000, 50] = 1 / (1 - floor(P / 254.5))\n" /* inf at the first 255 */
    "data PW : matrix[2000, 50] = where(P > 100, P, 0) + mod(P, 7) + P * Big\n"
    "data PV : vector[300] = exp(L) - tanh(L) / 3\n"
    "upper x : vector[2] = 0\n"
    "lower z : vector[2] = 0\n"
    "upper objective F = sumsq(z - x)\n"
    "lower objective G = sumsq(z - x)\n"
    "solve exact(outer_steps = 1)\n";

typedef struct Stage {
  BloCompiled *c;
  IrProblem *p;
  double **plain; /* ir_eval's values, declaration by declaration */
  uint8_t **bytes; /* the values of those whose values are all bytes, one byte each */
  int bytes_calls; /* data_bytes calls that returned bytes */
} Stage;

/* The data_block and data_full hooks over the plain values (the compact holding). */
static void block(void *ctx, int k, const IrBlock *b, double *out) {
  const Stage *s = ctx;
  int64_t cols = s->p->data_value[k]->shape.rank == 2 ? s->p->data_value[k]->shape.cols : 1;
  for (int64_t r = 0; r < b->nrows; r++)
    memcpy(out + r * b->ncols, s->plain[k] + (b->r0 + r) * cols + b->c0,
           (size_t)b->ncols * sizeof(double));
}

static const double *full(void *ctx, int k) { return ((const Stage *)ctx)->plain[k]; }

static const uint8_t *bytes(void *ctx, int k) {
  Stage *s = ctx;
  if (s->bytes[k]) s->bytes_calls++;
  return s->bytes[k];
}

static int64_t size_of(const Stage *s, int k) { return shape_size(s->p->data_value[k]->shape); }

static void stage_open(Stage *s) {
  BloCompileOptions opt = {0};
  opt.no_data = true; /* lowered, without its data stage: the test runs it */
  opt.backend = BLO_BACKEND_INTERP;
  assert_int_equal(blo_compile_begin("fused.blo", program, &opt, &s->c), 0);
  assert_int_equal(blo_compile_rest(s->c, &opt), 0);
  s->p = s->c->ir;
  s->plain = calloc((size_t)s->p->ndata + 1, sizeof(double *));
  IrEvalInputs in = {.data = (const double *const *)s->plain, .seed = 7};
  for (int k = 0; k < s->p->ndata; k++) {
    s->plain[k] = malloc((size_t)size_of(s, k) * sizeof(double));
    IrEvalError err;
    assert_int_equal(ir_eval(&s->p->graph, &s->p->data_value[k], 1, &in, &s->plain[k], &err), 0);
  }
  s->bytes = calloc((size_t)s->p->ndata + 1, sizeof(uint8_t *));
  for (int k = 0; k < s->p->ndata; k++) {
    int64_t n = size_of(s, k), i = 0;
    while (i < n && s->plain[k][i] >= 0 && s->plain[k][i] <= 255 &&
           s->plain[k][i] == floor(s->plain[k][i]))
      i++;
    if (i < n) continue;
    s->bytes[k] = malloc((size_t)(n > 0 ? n : 1));
    for (i = 0; i < n; i++) s->bytes[k][i] = (uint8_t)s->plain[k][i];
  }
}

static void stage_close(Stage *s) {
  for (int k = 0; k < s->p->ndata; k++) free(s->plain[k]);
  for (int k = 0; k < s->p->ndata; k++) free(s->bytes[k]);
  free(s->plain);
  free(s->bytes);
  blo_compiled_free(s->c);
}

/* Every declaration computed again by ir_eval_fused, reading its own earlier results (the
 * generated ones, the first `ngen`, held compactly when `compact`), equals the plain one. */
static void check_all(Stage *s, bool compact, bool with_bytes, int ngen) {
  double **mine = calloc((size_t)s->p->ndata + 1, sizeof(double *));
  IrEvalInputs in = {.data = (const double *const *)mine, .seed = 7};
  if (compact) {
    in.data_block = block;
    in.data_full = full;
    in.data_bytes = with_bytes ? bytes : NULL;
    in.hook_ctx = s;
  }
  for (int k = 0; k < s->p->ndata; k++) {
    if (compact && k < ngen) continue; /* served by the hooks */
    mine[k] = malloc((size_t)size_of(s, k) * sizeof(double));
    IrEvalError err;
    int64_t bad, want = -1;
    assert_int_equal(ir_eval_fused(&s->p->graph, s->p->data_value[k], &in, mine[k], &bad, &err),
                     0);
    for (int64_t i = 0; i < size_of(s, k) && want < 0; i++)
      if (!isfinite(s->plain[k][i])) want = i;
    assert_int_equal(bad, want);
    if (memcmp(mine[k], s->plain[k], (size_t)size_of(s, k) * sizeof(double)) != 0)
      fail_msg("declaration %d ('%s') differs from the plain evaluator", k,
               s->c->prog->data[k]->name);
  }
  for (int k = 0; k < s->p->ndata; k++) free(mine[k]);
  free(mine);
}

static void test_same_bits(void **state) {
  (void)state;
  Stage s;
  stage_open(&s);
  assert_true(ir_fuse_enabled());
  for (int threads = 1; threads <= 2; threads++) {
    rt_par_set_threads(threads);
    check_all(&s, false, false, 0);
    check_all(&s, true, false, 7); /* A, B, L, s, fl, Big, P */
    s.bytes_calls = 0;
    check_all(&s, true, true, 7); /* L, s, fl and P through their bytes */
    assert_true(s.bytes_calls >= 8);
  }
  rt_par_shutdown();
  stage_close(&s);
}

/* BLOC_DATA_FUSE=0 turns the fused path off (then ir_eval_fused is ir_eval). */
static void test_switch(void **state) {
  (void)state;
  setenv("BLOC_DATA_FUSE", "0", 1);
  assert_false(ir_fuse_enabled());
  Stage s;
  stage_open(&s);
  check_all(&s, true, true, 7);
  stage_close(&s);
  setenv("BLOC_DATA_FUSE", "1", 1);
  assert_true(ir_fuse_enabled());
  unsetenv("BLOC_DATA_FUSE");
  assert_true(ir_fuse_enabled());
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_same_bits),
      cmocka_unit_test(test_switch),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
