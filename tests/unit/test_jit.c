/* test_jit.c — the LLVM backend against the reference evaluator: every kernel of hand-built
 * problems (functions, gradients by diff_vjp, Hessian-vector and mixed products by diff_jvp /
 * diff_vjp) is compiled with jit_compile and each output compared with ir_eval within 1e-12
 * relative (floor 1e-3 of the output's largest magnitude). Covers every non-generator IR op
 * (checked at the end), special values (NaN, infinities, signed zeros, halves), sample-set
 * gathers and scatters, several outputs per slot at offsets, kernels reading v, large shapes
 * (BLAS and vectorised loops), error paths, and compiling/freeing many modules; and the
 * skinny products' shared functions bit for bit against their loops inlined (at f64 and f32). Every
 * comparison runs at both vector widths where the CPU has AVX-512 (check_problem). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir/diff.h"
#include "interp/eval.h"
#include "hand_problems.h"
#include "jit_runs.h"
#include "ir/ir.h"
#include "llvm/cg_llvm.h"
#include "llvm/jit.h"
#include "llvm/jit_libm.h"
#include "plan/schedule_verify.h"
#include "rt_par.h"
#include "rt_rng.h"
#include "rt_sparse.h"

static bool op_seen[IR_OP_COUNT];

/* ------------------------------------------------------------------ harness */

typedef struct Inputs {
  const double *const *data;
  const int64_t *samples;
  uint64_t seed;
} Inputs;

static void note_ops(IrProblem *p) {
  for (int id = 0; id < BLO_K_COUNT; id++)
    for (int i = 0; i < p->kernels[id].nouts; i++) {
      IrNode **order;
      size_t n = ir_topo(&p->graph, &p->kernels[id].outs[i].node, 1, &order);
      for (size_t j = 0; j < n; j++) op_seen[order[j]->op] = true;
    }
}

static bool close_enough(double got, double want, double scale) {
  if (isnan(want)) return isnan(got);
  if (isinf(want)) return got == want;
  double tol = 1e-12 * fmax(fabs(want), fmax(1e-3 * scale, 1e-300));
  return fabs(got - want) <= tol;
}

static void check_module_threads(const char *name, IrProblem *p, const Inputs *in,
                                 JitModule *m);

/* Compile p, run every kernel at random x, y, v (from in->seed, then from each of the
 * seeds[0..nseeds): one compile for them all) and compare each output with ir_eval; with
 * threads, check_module_threads on the same compile too. */
static void check_width_seeds(const char *name, IrProblem *p, const Inputs *in,
                              const JitOptions *opt, const uint64_t *seeds, int nseeds,
                              bool threads) {
  JitModule *m = NULL;
  char err[512];
  int rc = jit_compile(p, opt, &m, err, sizeof err);
  if (rc) fprintf(stderr, "%s: %s\n", name, err);
  assert_int_equal(rc, 0);
  for (int run = 0; run <= nseeds; run++) {
    RtRng rng;
    rt_rng_seed(&rng, run ? seeds[run - 1] : in->seed);
    int64_t nx = p->nx ? p->nx : 1, ny = p->ny ? p->ny : 1;
    double *x = malloc((size_t)nx * sizeof(double)), *y = malloc((size_t)ny * sizeof(double));
    int64_t nv = nx > ny ? nx : ny; /* v is x-sized for hvp_yx */
    double *v = malloc((size_t)nv * sizeof(double));
    for (int64_t i = 0; i < nx; i++) x[i] = rt_rng_uniform(&rng, -1, 1);
    for (int64_t i = 0; i < ny; i++) y[i] = rt_rng_uniform(&rng, -1, 1);
    for (int64_t i = 0; i < nv; i++) v[i] = rt_rng_uniform(&rng, -1, 1);
    int64_t ws = jit_work_size(m);
    double *work = malloc((size_t)(ws ? ws : 1) * sizeof(double));
    for (int64_t i = 0; i < ws; i++) work[i] = NAN; /* kernels must not read stale scratch */
    BloEnv env = {in->data, in->samples, work, NULL};
    IrEvalInputs ein = {.x = x, .y = y, .v = v, .data = in->data, .samples = in->samples};
    for (int id = 0; id < BLO_K_COUNT; id++) {
      IrKernel *k = &p->kernels[id];
      BloKernelFn fn = jit_kernel(m, (BloKernelId)id);
      if (k->nouts == 0) {
        assert_null(fn);
        continue;
      }
      assert_non_null(fn);
      double *outs[4] = {NULL, NULL, NULL, NULL};
      for (int s = 0; s < 4; s++) {
        int64_t n = k->slot_size[s] ? k->slot_size[s] : 1;
        outs[s] = malloc((size_t)n * sizeof(double));
        for (int64_t i = 0; i < n; i++) outs[s][i] = NAN;
      }
      fn(&env, x, y, k->uses_v ? v : NULL, outs);
      for (int o = 0; o < k->nouts; o++) {
        IrOutput *out = &k->outs[o];
        int64_t n = shape_size(out->node->shape);
        double *want = malloc((size_t)n * sizeof(double));
        IrEvalError e;
        assert_int_equal(ir_eval(&p->graph, &out->node, 1, &ein, &want, &e), 0);
        double scale = 0;
        for (int64_t i = 0; i < n; i++)
          if (isfinite(want[i])) scale = fmax(scale, fabs(want[i]));
        int bad = 0;
        for (int64_t i = 0; i < n; i++) {
          double got = outs[out->slot][out->offset + i];
          if (!close_enough(got, want[i], scale)) {
            if (bad++ < 5)
              fprintf(stderr, "%s: kernel %s output %d (slot %d) [%lld]: jit %.17g, eval %.17g\n",
                      name, k->name, o, out->slot, (long long)i, got, want[i]);
          }
        }
        free(want);
        if (bad) {
          const SchedKernel *sk = jit_plan(m, (BloKernelId)id);
          if (sk && getenv("BLOC_TEST_DUMP")) sched_dump(sk, stderr);
          fail_msg("%s: kernel %s: %d wrong elements", name, k->name, bad);
        }
      }
      for (int s = 0; s < 4; s++) free(outs[s]);
    }
    free(x);
    free(y);
    free(v);
    free(work);
  }
  if (threads) check_module_threads(name, p, in, m);
  jit_free(m);
}

static void check_width(const char *name, IrProblem *p, const Inputs *in, const JitOptions *opt) {
  check_width_seeds(name, p, in, opt, NULL, 0, false);
}

/* check_width with 256-bit vectors, and with 512-bit ones where the CPU has AVX-512 (the
 * skinny products and the vectoriser then generate other code). */
static void check_problem_seeds(const char *name, IrProblem *p, const Inputs *in,
                                const JitOptions *opt, const uint64_t *seeds, int nseeds,
                                bool threads) {
  note_ops(p);
  JitOptions o = opt ? *opt : jit_default_options();
  o.vector_bits = 256;
  check_width_seeds(name, p, in, &o, seeds, nseeds, threads);
  if (!jit_host_has_avx512()) return;
  char wide[160];
  snprintf(wide, sizeof wide, "%s (512-bit)", name);
  o.vector_bits = 512;
  check_width_seeds(wide, p, in, &o, seeds, nseeds, threads);
}

static void check_problem(const char *name, IrProblem *p, const Inputs *in, const JitOptions *opt) {
  check_problem_seeds(name, p, in, opt, NULL, 0, false);
}

/* check_problem, and on each width's compile the same bits on 1 and 3 threads
 * (check_module_threads): one compile for both checks. */
static void check_problem_threads(const char *name, IrProblem *p, const Inputs *in,
                                  const JitOptions *opt) {
  check_problem_seeds(name, p, in, opt, NULL, 0, true);
}

/* -------------------------------------------------------- small cases (test_diff's layout) */

/* x = [a (vector 3) ; A (matrix 2x3)], y = [b (vector 3) ; B (matrix 3x2)], data D (4x3),
 * d (3), special values s (16), sample sets S (2 of 4 at offset 0) and T (2 of 3 at 2). */
typedef struct Vars {
  IrNode *a, *A, *b, *B, *D, *d, *s, *S;
} Vars;

typedef IrNode *(*BuildFn)(IrGraph *g, const Vars *v);

static double Ddata[12], ddata[3];
static double sdata[16] = {-2.5, -1.5, -0.5,  -0.0,    0.0, 0.5, 1.5,  2.5,
                           3.7,  -3.7, 1e300, -1e-300, 7,   -7,  0.25, 1};
static int64_t samples[4] = {3, 1, 2, 0};

static void make_vars(IrProblem *p, Vars *v) {
  IrGraph *g = &p->graph;
  v->a = hp_var(p, 0, shape_vector(3));
  v->A = hp_var(p, 0, shape_matrix(2, 3));
  v->b = hp_var(p, 1, shape_vector(3));
  v->B = hp_var(p, 1, shape_matrix(3, 2));
  v->D = ir_data(g, 0, shape_matrix(4, 3));
  v->d = ir_data(g, 1, shape_vector(3));
  v->s = ir_data(g, 2, shape_vector(16));
  v->S = ir_sample(g, 0, 0, 2);
  p->ndata = 3;
}

static void check_case(const char *name, BuildFn build) {
  Arena arena;
  arena_init(&arena);
  IrProblem p;
  hp_init(&p, &arena);
  Vars v;
  make_vars(&p, &v);
  p.f = build(&p.graph, &v);
  p.g = p.f;
  hp_derive(&p);
  const double *data[3] = {Ddata, ddata, sdata};
  Inputs in = {data, samples, 7};
  static const uint64_t seed2 = 99; /* a second x, y, v: the same compile run again */
  check_problem_seeds(name, &p, &in, NULL, &seed2, 1, false);
  arena_free(&arena);
}

#define G IrGraph *g
#define SUM(n) ir_reduce(g, IR_SUM, n)
#define M(a, b) ir_mul(g, a, b)
#define AD(a, b) ir_add(g, a, b)
#define U(op, a) ir_unary(g, op, a)
#define C(c) ir_scalar(g, c)

static IrNode *c_exp(G, const Vars *v) { return SUM(U(IR_EXP, M(v->a, v->b))); }
static IrNode *c_log(G, const Vars *v) {
  return SUM(U(IR_LOG, AD(C(2), U(IR_SIN, M(v->a, v->b)))));
}
static IrNode *c_log1p(G, const Vars *v) {
  return SUM(U(IR_LOG1P, M(M(v->a, v->a), M(v->b, v->b))));
}
static IrNode *c_sqrt(G, const Vars *v) {
  return SUM(U(IR_SQRT, AD(C(1), AD(M(v->a, v->a), M(v->b, v->b)))));
}
static IrNode *c_sincos(G, const Vars *v) {
  return SUM(AD(U(IR_SIN, M(v->a, v->b)), M(v->a, U(IR_COS, ir_add(g, v->a, v->b)))));
}
static IrNode *c_tanh(G, const Vars *v) { return SUM(U(IR_TANH, ir_sub(g, v->a, M(C(2), v->b)))); }
static IrNode *c_sigmoid(G, const Vars *v) {
  return SUM(M(v->a, U(IR_SIGMOID, M(C(9), M(v->a, v->b)))));
}
static IrNode *c_softplus(G, const Vars *v) {
  return SUM(U(IR_SOFTPLUS, ir_sub(g, M(C(8), M(v->a, v->b)), v->b)));
}
static IrNode *c_abs(G, const Vars *v) { return SUM(M(v->b, U(IR_ABS, AD(C(3), v->a)))); }
static IrNode *c_relu(G, const Vars *v) {
  return SUM(M(M(v->b, v->b), U(IR_RELU, AD(C(0.2), v->a))));
}
static IrNode *c_powc(G, const Vars *v) {
  return SUM(M(v->a, ir_powc(g, AD(C(1.5), M(v->b, v->b)), 1.5)));
}
/* max, min and clip (min of max) of x- and y-dependent sides, one side a broadcast scalar */
static IrNode *c_maxmin(G, const Vars *v) {
  IrNode *mx = ir_binary(g, IR_MAX, M(v->a, v->b), U(IR_SIN, v->b));
  IrNode *mn = ir_binary(g, IR_MIN, SUM(M(v->a, v->a)), M(v->b, v->b));
  IrNode *cl = ir_binary(g, IR_MIN, ir_binary(g, IR_MAX, AD(v->a, v->b), C(-0.2)), C(0.4));
  return SUM(AD(M(v->a, mx), M(AD(mn, cl), v->b)));
}
static IrNode *c_div(G, const Vars *v) {
  return SUM(ir_div(g, AD(v->a, v->b), AD(C(2), M(v->b, v->b))));
}
static IrNode *c_neg_sub(G, const Vars *v) {
  return SUM(M(ir_neg(g, v->a), ir_sub(g, M(v->b, v->b), v->a)));
}
static IrNode *c_scalar_bcast(G, const Vars *v) {
  IrNode *s = SUM(M(v->a, v->b));
  return SUM(U(IR_SIN, AD(M(s, v->b), ir_div(g, v->a, AD(C(3), s)))));
}
static IrNode *c_where(G, const Vars *v) {
  IrNode *mask = ir_binary(g, IR_GT, v->a, C(0));
  return SUM(ir_where(g, mask, M(v->a, M(v->b, v->b)), U(IR_EXP, v->b)));
}
static IrNode *c_lse(G, const Vars *v) { return ir_reduce(g, IR_LSE, M(v->a, v->b)); }
static IrNode *c_lse_rows(G, const Vars *v) {
  IrNode *Z = ir_matmul(g, v->A, v->B);
  return SUM(M(ir_reduce(g, IR_LSE_ROWS, Z), ir_reduce(g, IR_SUM_ROWS, v->A)));
}
static IrNode *c_softmax_ce(G, const Vars *v) {
  IrNode *Z = ir_matmul(g, v->D, v->B);
  IrNode *Y = ir_outer(g, ir_const(g, 0.5, shape_vector(4)), ir_slice(g, v->a, 0, 2, 0, 1));
  return SUM(ir_sub(g, ir_reduce(g, IR_LSE_ROWS, Z), ir_reduce(g, IR_SUM_ROWS, M(Z, Y))));
}
static IrNode *c_matmul(G, const Vars *v) { return SUM(U(IR_SIN, ir_matmul(g, v->A, v->B))); }
static IrNode *c_matvec(G, const Vars *v) {
  IrNode *t = ir_matvec(g, v->D, M(v->a, v->b));
  return ir_dot(g, t, t);
}
static IrNode *c_vecmat(G, const Vars *v) {
  IrNode *t = ir_vecmat(g, ir_slice(g, v->b, 0, 2, 0, 1), v->A);
  return SUM(M(U(IR_COS, t), v->b));
}
static IrNode *c_outer(G, const Vars *v) {
  return SUM(M(ir_outer(g, v->a, v->b), U(IR_SIN, ir_matmul(g, v->B, v->A))));
}
static IrNode *c_transpose(G, const Vars *v) {
  return SUM(M(ir_transpose(g, v->A), M(v->B, v->B)));
}
static IrNode *c_sum_rows_cols(G, const Vars *v) {
  IrNode *P = ir_matmul(g, v->B, v->A);
  return AD(ir_dot(g, ir_reduce(g, IR_SUM_ROWS, P), v->a),
            ir_dot(g, ir_reduce(g, IR_SUM_COLS, M(P, P)), v->b));
}
static IrNode *c_rowwise_colwise(G, const Vars *v) {
  IrNode *R = M(v->B, ir_bcast_rows(g, ir_slice(g, v->a, 1, 3, 0, 1), 3));
  IrNode *Cw = M(v->B, ir_bcast_cols(g, v->b, 2));
  return SUM(M(U(IR_TANH, R), Cw));
}
static IrNode *c_slice_reshape(G, const Vars *v) {
  IrNode *row = ir_reshape(g, ir_slice(g, v->A, 1, 2, 0, 3), shape_vector(3));
  IrNode *col = ir_reshape(g, ir_slice(g, v->B, 0, 3, 1, 2), shape_vector(3));
  IrNode *e = ir_reshape(g, ir_slice(g, v->b, 2, 3, 0, 1), shape_scalar());
  return SUM(M(M(row, col), AD(e, v->a)));
}
static IrNode *c_gather(G, const Vars *v) {
  IrNode *rows = ir_gather(g, v->D, v->S);
  IrNode *z = ir_matvec(g, rows, M(v->a, v->b));
  IrNode *B2 = ir_gather(g, ir_transpose(g, v->A), ir_sample(g, 1, 2, 2));
  IrNode *lam =
      ir_gather(g, v->b, ir_sample(g, 1, 2, 2)); /* a vector gather (scatter in its gradient) */
  return AD(AD(SUM(U(IR_SOFTPLUS, z)), SUM(M(B2, ir_slice(g, v->B, 0, 2, 0, 2)))),
            SUM(U(IR_SIN, M(lam, lam))));
}
static IrNode *c_diag_trace(G, const Vars *v) {
  IrNode *P = ir_matmul(g, v->B, v->A);
  IrNode *tr = SUM(ir_diagv(g, M(P, P)));
  IrNode *Dm = ir_diagm(g, M(v->b, v->a));
  return AD(AD(tr, SUM(ir_matvec(g, ir_diagm(g, v->b), M(v->a, v->a)))),
            SUM(M(ir_matmul(g, Dm, v->B), v->B)));
}
static IrNode *c_cat(G, const Vars *v) {
  IrNode *parts[3] = {v->a, SUM(v->b), ir_reshape(g, v->B, shape_vector(6))};
  IrNode *c = ir_cat(g, IR_CAT, parts, 3);
  IrNode *w = ir_cat(g, IR_CAT,
                     (IrNode *[]){v->b, v->b, ir_reshape(g, v->A, shape_vector(6)), SUM(v->a)}, 4);
  IrNode *hc = ir_cat(g, IR_HCAT, (IrNode *[]){v->B, v->a}, 2);
  IrNode *vc = ir_cat(g, IR_VCAT, (IrNode *[]){v->A, ir_transpose(g, v->B)}, 2);
  return AD(ir_dot(g, U(IR_SIN, c), ir_slice(g, w, 0, 10, 0, 1)),
            AD(SUM(M(hc, hc)), SUM(M(vc, U(IR_EXP, vc)))));
}
static IrNode *c_mean_norm(G, const Vars *v) {
  IrNode *r = ir_sub(g, M(v->a, v->b), v->d);
  IrNode *norm = U(IR_SQRT, ir_dot(g, r, r));
  IrNode *mean = ir_scale(g, 1.0 / 6, SUM(M(v->B, v->B)));
  return M(norm, AD(C(1), mean));
}
static IrNode *c_synthetic(G, const Vars *v) {
  IrNode *Gm = ir_matmul(g, ir_transpose(g, v->D), v->D);
  IrNode *t1 = ir_scale(g, 0.5, SUM(U(IR_SIN, AD(v->a, v->b))));
  IrNode *t2 = ir_reduce(g, IR_LSE, M(v->a, v->b));
  IrNode *t3 = ir_scale(g, 0.5, ir_dot(g, v->b, M(v->d, v->b)));
  IrNode *t4 = ir_scale(g, 0.5, ir_dot(g, v->b, ir_matvec(g, Gm, v->b)));
  return AD(AD(t1, t2), AD(t3, t4));
}
/* Piecewise-constant ops inside a differentiable function: their derivatives vanish. */
static IrNode *c_piecewise(G, const Vars *v) {
  IrNode *a5 = M(C(5), v->a);
  IrNode *k = AD(U(IR_FLOOR, a5), U(IR_ROUND, M(C(2.5), v->b)));
  IrNode *m = ir_binary(g, IR_MOD, a5, AD(C(2), M(v->b, v->b)));
  IrNode *cmp = AD(AD(ir_binary(g, IR_LT, v->a, v->b), ir_binary(g, IR_LE, v->a, C(0))),
                   AD(ir_binary(g, IR_GE, v->b, C(0.1)),
                      AD(ir_binary(g, IR_EQ, v->a, v->a), ir_binary(g, IR_NE, v->a, v->b))));
  IrNode *sg = M(U(IR_SIGN, v->a), U(IR_STEP, v->b));
  IrNode *am = ir_reduce(g, IR_ARGMAX_ROWS, v->B); /* vector[3] of column indices */
  IrNode *oh = ir_onehot(g, am, 2);                                 /* 3x2 */
  return AD(SUM(M(AD(AD(k, m), AD(cmp, sg)), M(v->a, v->b))),
            AD(SUM(M(oh, M(v->B, v->B))), SUM(M(am, v->b))));
}
/* Generic shapes through no_simplify graphs: ops the simplifier would rewrite away. */
static IrNode *c_bcast_pad(G, const Vars *v) {
  IrNode *s = SUM(M(v->a, v->b));
  IrNode *bc = ir_bcast(g, s, shape_matrix(3, 2));
  IrNode *pd = ir_pad(g, ir_slice(g, v->B, 1, 3, 0, 1), shape_matrix(3, 2), 1, 1);
  IrNode *pv = ir_pad(g, U(IR_EXP, ir_slice(g, v->b, 0, 2, 0, 1)), shape_vector(3), 1, 0);
  return AD(SUM(M(AD(bc, pd), v->B)), ir_dot(g, pv, v->a));
}

#define CASE(fn) static void test_##fn(void **state) { (void)state; check_case(#fn, fn); }
CASE(c_exp)
CASE(c_log) CASE(c_log1p) CASE(c_sqrt) CASE(c_sincos) CASE(c_tanh) CASE(c_sigmoid) CASE(c_softplus)
    CASE(c_abs) CASE(c_relu) CASE(c_powc) CASE(c_maxmin) CASE(c_div) CASE(c_neg_sub)
        CASE(c_scalar_bcast) CASE(c_where) CASE(c_lse) CASE(c_lse_rows) CASE(c_softmax_ce)
            CASE(c_matmul) CASE(c_matvec) CASE(c_vecmat) CASE(c_outer) CASE(c_transpose)
                CASE(c_sum_rows_cols) CASE(c_rowwise_colwise) CASE(c_slice_reshape) CASE(c_gather)
                    CASE(c_diag_trace) CASE(c_cat) CASE(c_mean_norm) CASE(c_synthetic)
                        CASE(c_piecewise) CASE(c_bcast_pad)

    /* ------------------------------------------------------------------ direct outputs, special
       values */

    static void add_out(IrKernel *k, int slot, int64_t *off, IrNode *n) {
  IrOutput *o = &k->outs[k->nouts++];
  *o = (IrOutput){.slot = slot, .offset = *off, .node = n};
  *off += shape_size(n->shape);
  if (slot + 1 > k->nslots) k->nslots = slot + 1;
  if (*off > k->slot_size[slot]) k->slot_size[slot] = *off;
}

/* p with make_vars' variables and data, and its reports kernel ready for up to nouts outputs
 * (add_out): the kernel the tests of direct values fill. */
static IrKernel *direct_kernel(IrProblem *p, Arena *arena, Vars *v, int nouts) {
  hp_init(p, arena);
  make_vars(p, v);
  IrKernel *k = &p->kernels[BLO_K_REPORTS];
  k->id = BLO_K_REPORTS;
  k->name = "reports";
  k->outs = arena_calloc(arena, (size_t)nouts, sizeof(IrOutput));
  return k;
}

/* Every elementwise op applied to special values (NaN, infinities, signed zeros, exact
 * halves, huge and tiny numbers), packed at offsets of two slots of one kernel. */
static void test_special_values(void **state) {
  (void)state;
  Arena arena;
  arena_init(&arena);
  IrProblem p;
  Vars v;
  IrKernel *k = direct_kernel(&p, &arena, &v, 128);
  IrGraph *g = &p.graph;
  IrNode *s = ir_data(g, 3, shape_vector(16));   /* with NaN and infinities */
  IrNode *t = ir_data(g, 4, shape_vector(16));   /* divisors and comparands */
  IrNode *R = ir_data(g, 5, shape_matrix(4, 4)); /* rows for lse/argmax with -inf, +inf, NaN */
  p.ndata = 6;
  int64_t off0 = 0, off1 = 0;
  /* every elementwise unary op of the table (powc, with its exponent, below) */
  for (int op = 0; op < IR_OP_COUNT; op++)
    if (ir_ops[op].cls == IRC_EW1 && op != IR_POWC) add_out(k, 0, &off0, ir_unary(g, (IrOp)op, s));
  add_out(k, 0, &off0, ir_powc(g, s, 1.5));
  add_out(k, 0, &off0, ir_powc(g, s, -2.5));
  /* every elementwise binary op of the table */
  for (int op = 0; op < IR_OP_COUNT; op++)
    if (ir_ops[op].cls == IRC_EW2) add_out(k, 1, &off1, ir_binary(g, (IrOp)op, s, t));
  add_out(k, 1, &off1, ir_where(g, s, t, ir_scalar(g, -1)));
  add_out(k, 1, &off1, ir_reduce(g, IR_LSE_ROWS, R));
  add_out(k, 1, &off1, ir_reduce(g, IR_ARGMAX_ROWS, R));
  add_out(k, 1, &off1, ir_reduce(g, IR_LSE, ir_slice(g, R, 0, 1, 0, 4)));
  add_out(k, 1, &off1, ir_reduce(g, IR_LSE, ir_slice(g, R, 1, 2, 0, 4)));
  add_out(k, 1, &off1, ir_reduce(g, IR_LSE, ir_slice(g, R, 2, 3, 0, 4)));
  add_out(k, 1, &off1, ir_onehot(g, ir_slice(g, s, 0, 16, 0, 1), 4));
  add_out(k, 1, &off1, ir_onehot(g, t, 3));
  add_out(k, 1, &off1, v.b);                      /* a leaf output is a copy */
  add_out(k, 1, &off1, ir_const(g, 2.5, shape_matrix(2, 2)));
  double inf = INFINITY;
  double sv[16] = {NAN, inf, -inf,  -0.0,    0.0, -2.5, -0.5, 0.5,
                   1.5, 2.5, 1e300, -1e-300, 3.7, -3.7, 7,    0.25};
  double tv[16] = {1, 2, -inf, 0, -0.0, 2, 0.5, -0.5, 1.5, 0, 3, 2, -2, 0, 1, NAN};
  double rv[16] = {-inf, -inf, -inf, -inf, 1, inf, 2, inf, NAN, 3, 3, 1, 1000, 1001, -1000, 999};
  const double *data[6] = {Ddata, ddata, sdata, sv, tv, rv};
  Inputs in = {data, samples, 5};
  check_problem("special values", &p, &in, NULL);
  arena_free(&arena);
}

/* The kernels' exp and log (glibc's without the errno wrapper, compiler/llvm/jit_libm.c) give
 * the C library's exp and log bit for bit (NaN for NaN) on arguments over their whole range,
 * subnormal and non-finite ones included; on glibc the table does hold the unwrapped ones. */
static void test_libm_bits(void **state) {
  (void)state;
#if defined(__GLIBC__) && defined(__x86_64__)
  assert_true(jit_libm_address("exp", (uintptr_t)&exp) != (uintptr_t)&exp);
  assert_true(jit_libm_address("log", (uintptr_t)&log) != (uintptr_t)&log);
#endif
  assert_int_equal(jit_libm_address("sin", 7), 7); /* no wrapper taken for the others */
  enum { N = 6000 };
  static double args[N];
  RtRng r;
  rt_rng_seed(&r, 11);
  double special[] = {0.0, -0.0, 1.0, -1.0, 709.78, 709.79, 710, -708.4, -745.13, -745.14,
                      -800, 5e-324, 2.2e-308, 1e-310, INFINITY, -INFINITY, NAN, 1e308};
  int ns = (int)(sizeof special / sizeof special[0]);
  for (int i = 0; i < N; i++) {
    if (i < ns) args[i] = special[i];
    else if (i % 3 == 0) args[i] = rt_rng_uniform(&r, -760, 720); /* exp's whole range */
    else if (i % 3 == 1) /* log's: every binade, subnormals included */
      args[i] = ldexp(rt_rng_uniform(&r, 1, 2), (int)rt_rng_uniform(&r, -1080, 1024));
    else args[i] = rt_rng_uniform(&r, -3, 3);
  }
  Arena arena;
  arena_init(&arena);
  IrProblem p;
  Vars v;
  IrKernel *k = direct_kernel(&p, &arena, &v, 8);
  IrNode *a = ir_data(&p.graph, 3, shape_vector(N));
  p.ndata = 4;
  int64_t off = 0;
  add_out(k, 0, &off, ir_unary(&p.graph, IR_EXP, a));
  add_out(k, 0, &off, ir_unary(&p.graph, IR_LOG, a));
  JitModule *m;
  char err[512];
  JitOptions o = jit_default_options();
  assert_int_equal(jit_compile(&p, &o, &m, err, sizeof err), 0);
  const double *data[4] = {Ddata, ddata, sdata, args};
  double *work = malloc(sizeof(double) * (size_t)(jit_work_size(m) + 1));
  double *out = malloc(sizeof(double) * 2 * N), x[8] = {0}, y[16] = {0};
  BloEnv env = {data, samples, work, NULL};
  double *outs[4] = {out, NULL, NULL, NULL};
  jit_kernel(m, BLO_K_REPORTS)(&env, x, y, NULL, outs);
  int bad = 0;
  for (int i = 0; i < N; i++)
    for (int f = 0; f < 2; f++) {
      double want = f ? log(args[i]) : exp(args[i]), got = out[f * N + i];
      bool same = isnan(want) ? isnan(got) : memcmp(&got, &want, sizeof got) == 0;
      if (!same && bad++ < 5)
        fprintf(stderr, "%s(%.17g): jit %.17g, libm %.17g\n", f ? "log" : "exp", args[i], got,
                want);
    }
  assert_int_equal(bad, 0);
  free(work);
  free(out);
  jit_free(m);
  arena_free(&arena);
}

/* ------------------------------------------------------------------ larger shapes */

static double *random_data(RtRng *r, int64_t n, double lo, double hi) {
  double *d = malloc((size_t)n * sizeof(double));
  for (int64_t i = 0; i < n; i++) d[i] = rt_rng_uniform(r, lo, hi);
  return d;
}

static void test_synthetic(void **state) {
  (void)state;
  Arena arena;
  arena_init(&arena);
  IrProblem p;
  int64_t n = 300;
  hp_synthetic(&p, &arena, n, 0.5);
  RtRng r;
  rt_rng_seed(&r, 3);
  double *c = random_data(&r, n, -5, 5), *d = random_data(&r, n, 0.1, 1.1),
         *e = random_data(&r, n, 0, 0.5);
  double *Gm = random_data(&r, n * n, -1, 1);
  for (int64_t i = 0; i < n; i++)
    for (int64_t j = 0; j < i; j++) Gm[i * n + j] = Gm[j * n + i];
  const double *data[4] = {c, d, e, Gm};
  Inputs in = {data, NULL, 11};
  check_problem("synthetic n=300", &p, &in, NULL);
  JitOptions o = jit_default_options();
  o.opt_level = 3;
  check_problem("synthetic n=300 O3", &p, &in, &o);
  o.opt_level = 0;
  check_problem("synthetic n=300 O0", &p, &in, &o);
  o = jit_default_options();
  o.threads = 1; /* one module */
  check_problem("synthetic n=300, 1 thread", &p, &in, &o);
  o.threads = 4; /* four modules linked together */
  o.keep_ir = true;
  check_problem("synthetic n=300, 4 threads", &p, &in, &o);
  o = jit_default_options();
  o.sched.no_fusion = true;
  o.sched.no_blas_fold = true;
  check_problem("synthetic n=300 unfused", &p, &in, &o);
  free(c);
  free(d);
  free(e);
  free(Gm);
  arena_free(&arena);
}

static double *onehot_rows(RtRng *r, int64_t m, int64_t k) {
  double *y = calloc((size_t)(m * k), sizeof(double));
  for (int64_t i = 0; i < m; i++) y[i * k + rt_rng_randint(r, 0, k - 1)] = 1;
  return y;
}

/* A hyper-cleaning problem with random data (X, Xv uniform in [-1, 1], one-hot Y, Yv). */
typedef struct Hyperclean {
  Arena arena;
  IrProblem p;
  double *data[4];
  Inputs in;
} Hyperclean;

static void hyperclean_init(Hyperclean *h, int64_t m, int64_t mv, int64_t nf, int64_t nc,
                            uint64_t data_seed, uint64_t point_seed) {
  arena_init(&h->arena);
  hp_hyperclean(&h->p, &h->arena, m, mv, nf, nc);
  RtRng r;
  rt_rng_seed(&r, data_seed);
  h->data[0] = random_data(&r, m * nf, -1, 1);
  h->data[2] = random_data(&r, mv * nf, -1, 1);
  h->data[1] = onehot_rows(&r, m, nc);
  h->data[3] = onehot_rows(&r, mv, nc);
  h->in = (Inputs){(const double *const *)h->data, NULL, point_seed};
}

static void hyperclean_free(Hyperclean *h) {
  for (int i = 0; i < 4; i++) free(h->data[i]);
  arena_free(&h->arena);
}

static void test_hyperclean(void **state) {
  (void)state;
  Hyperclean h;
  hyperclean_init(&h, 300, 200, 201, 10, 5, 13);
  check_problem("hyper-cleaning 300x201", &h.p, &h.in, NULL);
  hyperclean_free(&h);
}

/* 300x200 products in every transpose combination, accumulation chains folded into BLAS
 * (alpha from a runtime scalar, beta = 1 into an output slot), an outer product folded as
 * dger, and big elementwise/row/column reductions. */
static void test_big_products(void **state) {
  (void)state;
  Arena arena;
  arena_init(&arena);
  IrProblem p;
  hp_init(&p, &arena);
  IrGraph *g = &p.graph;
  IrNode *A = hp_var(&p, 0, shape_matrix(300, 200));
  IrNode *u = hp_var(&p, 0, shape_vector(300));
  IrNode *B = hp_var(&p, 1, shape_matrix(200, 300));
  IrNode *w = hp_var(&p, 1, shape_vector(200));
  IrNode *D = ir_data(g, 0, shape_matrix(300, 200));
  p.ndata = 1;
  IrNode *P = ir_matmul(g, A, B);                                   /* 300x300 */
  IrNode *Q = ir_matmul(g, ir_transpose(g, D), ir_transpose(g, B)); /* 200x200 */
  IrNode *z = ir_matvec(g, ir_transpose(g, A), u);                  /* 200 */
  IrNode *s = ir_scale(g, 1.0 / 200, ir_reduce(g, IR_SUM, ir_mul(g, w, w)));
  IrNode *f1 = ir_reduce(g, IR_SUM, ir_unary(g, IR_TANH, ir_scale(g, 0.01, P)));
  IrNode *f2 = ir_dot(g, ir_scale(g, 0.01, ir_reduce(g, IR_SUM_COLS, Q)),
                      ir_unary(g, IR_SIN, ir_scale(g, 0.1, z)));
  IrNode *f3 = ir_reduce(g, IR_SUM, ir_reduce(g, IR_LSE_ROWS, ir_scale(g, 0.1, P)));
  IrNode *acc =
      ir_add(g, ir_mul(g, s, ir_matmul(g, D, B)), ir_outer(g, u, u)); /* s * (D B) + u u' */
  IrNode *f4 = ir_reduce(g, IR_SUM, ir_unary(g, IR_COS, ir_scale(g, 0.01, acc)));
  p.f = ir_add(g, ir_add(g, f1, f2), ir_add(g, f3, f4));
  p.g = p.f;
  hp_derive(&p);
  /* a kernel with an accumulation chain as an output: grad-like y - alpha A'(A y) */
  IrKernel *k = &p.kernels[BLO_K_INIT_VJP];
  k->outs = arena_calloc(&arena, 4, sizeof(IrOutput));
  int64_t off = 0;
  add_out(k, 0, &off,
          ir_sub(g, ir_mul(g, ir_scalar(g, 3), w),
                 ir_scale(g, 0.5, ir_matvec(g, ir_transpose(g, A), ir_matvec(g, A, w)))));
  add_out(k, 0, &off, ir_add(g, ir_mul(g, s, ir_matvec(g, ir_transpose(g, D), u)), w));
  add_out(k, 0, &off, acc);
  k->uses_v = false;
  RtRng r;
  rt_rng_seed(&r, 17);
  double *Dd = random_data(&r, 300 * 200, -1, 1);
  const double *data[1] = {Dd};
  Inputs in = {data, NULL, 19};
  check_problem("big products", &p, &in, NULL);
  free(Dd);
  arena_free(&arena);
}

/* Stochastic hyper-cleaning: a sample set picks rows of X, Y and entries of lambda, so
 * gradients scatter into lambda. */
/* Stochastic hyper-cleaning: g's cross-entropies over K = 64 sampled rows of X (m = 400 rows,
 * nf = 50 features, nc = 7 classes), f's over 64 others; the sample indices drawn once. With
 * two, g's logits are X[B, :] W + V[B, :] U with a second matrix V (m x 30) and lower variable
 * U, so its regions copy the sampled rows of two matrices before their products. */
typedef struct Stoch {
  Arena arena;
  IrProblem p;
  int64_t m, nf, nc, K;
  double *Xd, *Yd, *Vd;
  int64_t smp[128], sizes[3];
  const double *data[3];
  Inputs in;
} Stoch;

static void stoch_init(Stoch *s, bool two) {
  arena_init(&s->arena);
  IrProblem *p = &s->p;
  hp_init(p, &s->arena);
  IrGraph *g = &p->graph;
  int64_t m = s->m = 400, nf = s->nf = 50, nc = s->nc = 7, K = s->K = 64;
  IrNode *lam = hp_var(p, 0, shape_vector(m));
  IrNode *W = hp_var(p, 1, shape_matrix(nf, nc));
  IrNode *X = ir_data(g, 0, shape_matrix(m, nf));
  IrNode *Y = ir_data(g, 1, shape_matrix(m, nc));
  p->ndata = 2;
  IrNode *B = ir_sample(g, 0, 0, K);
  IrNode *Z = ir_matmul(g, ir_gather(g, X, B), W);
  int64_t nv = 30;
  if (two) { /* Z = X[B, :] W + V[B, :] U: both copies before either X' G */
    IrNode *U = hp_var(p, 1, shape_matrix(nv, nc));
    IrNode *V = ir_data(g, 2, shape_matrix(m, nv));
    p->ndata = 3;
    Z = ir_add(g, Z, ir_matmul(g, ir_gather(g, V, B), U));
  }
  IrNode *ce = ir_sub(g, ir_reduce(g, IR_LSE_ROWS, Z),
                      ir_reduce(g, IR_SUM_ROWS, ir_mul(g, Z, ir_gather(g, Y, B))));
  IrNode *wts = ir_unary(g, IR_SIGMOID, ir_gather(g, lam, B));
  p->g = ir_add(g, ir_scale(g, 1.0 / K, ir_dot(g, wts, ce)),
                ir_scale(g, 0.01, ir_reduce(g, IR_SUM, ir_mul(g, W, W))));
  IrNode *B2 = ir_sample(g, 1, K, K);
  IrNode *Z2 = ir_matmul(g, ir_gather(g, X, B2), W);
  p->f = ir_scale(g, 1.0 / K,
                  ir_reduce(g, IR_SUM,
                            ir_sub(g, ir_reduce(g, IR_LSE_ROWS, Z2),
                                   ir_reduce(g, IR_SUM_ROWS, ir_mul(g, Z2, ir_gather(g, Y, B2))))));
  hp_derive(p);
  RtRng r;
  rt_rng_seed(&r, 23);
  s->Xd = random_data(&r, m * nf, -1, 1);
  s->Yd = onehot_rows(&r, m, nc);
  s->Vd = two ? random_data(&r, m * nv, -1, 1) : NULL;
  int64_t *perm = malloc((size_t)m * sizeof(int64_t));
  rt_rng_permutation(&r, m, perm);
  for (int i = 0; i < 2 * K; i++) s->smp[i] = perm[i % K + (i >= K ? 100 : 0)];
  free(perm);
  s->data[0] = s->Xd;
  s->data[1] = s->Yd;
  s->data[2] = s->Vd;
  s->sizes[0] = m * nf;
  s->sizes[1] = m * nc;
  s->sizes[2] = m * nv;
  s->in = (Inputs){s->data, s->smp, 29};
}

static void stoch_free(Stoch *s) {
  free(s->Xd);
  free(s->Yd);
  free(s->Vd);
  arena_free(&s->arena);
}

static void test_stochastic(void **state) {
  (void)state;
  Stoch st;
  stoch_init(&st, false);
  IrProblem *p = &st.p;
  int64_t m = st.m, K = st.K, *smp = st.smp;
  check_problem("stochastic hyper-cleaning", p, &st.in, NULL);
  /* indices outside X's rows (a caller's bug; the evaluator refuses them): NaN rows in X[B, :],
   * the same bits whether the rows are copied one memcpy each (cg_llvm.c, emit_gather_rows) or
   * by the general loop (vectorize_all) */
  smp[3] = m;
  smp[K + 5] = -1;
  double *got[2][BLO_K_COUNT][4];
  for (int pass = 0; pass < 2; pass++) {
    JitOptions o = jit_default_options();
    o.vectorize_all = pass == 1;
    JitModule *jm = NULL;
    char err[512];
    if (jit_compile(p, &o, &jm, err, sizeof err)) fail_msg("%s", err);
    jr_run_all(p, jm, st.data, smp, 29, got[pass]);
    jit_free(jm);
  }
  assert_true(isnan(got[0][BLO_K_GRAD_Y_G][0][0])); /* g itself */
  int id, sl;
  if (!jr_same_outs(p, got[0], got[1], &id, &sl))
    fail_msg("kernel %s slot %d: row copies differ from the general gather loop",
             p->kernels[id].name, sl);
  jr_free_outs(got[0]);
  jr_free_outs(got[1]);
  /* in regions of 12-row blocks the products read the sampled rows where they are in X
   * (SchedBuf.rows_direct, a table of pointers, a row of NaN for an index outside X): the same
   * bits as copying them first (sched.copy_rows), with the indices in range and outside */
  for (int bad = 0; bad < 2; bad++) {
    smp[3] = bad ? m : 3;
    smp[K + 5] = bad ? -1 : 5;
    for (int pass = 0; pass < 2; pass++) {
      JitOptions o = jit_default_options();
      o.sched.par_min_cost = 1;
      o.sched.par_block_rows = 12;
      o.sched.copy_rows = pass == 1;
      JitModule *jm = NULL;
      char err[512];
      if (jit_compile(p, &o, &jm, err, sizeof err)) fail_msg("%s", err);
      jr_run_all(p, jm, st.data, smp, 29, got[pass]);
      jit_free(jm);
    }
    assert_true(bad == !!isnan(got[0][BLO_K_GRAD_Y_G][0][0]));
    if (!jr_same_outs(p, got[0], got[1], &id, &sl))
      fail_msg("kernel %s slot %d (indices %s): rows read in place differ from their copies",
               p->kernels[id].name, sl, bad ? "outside X" : "in range");
    jr_free_outs(got[0]);
    jr_free_outs(got[1]);
  }
  stoch_free(&st);
}

/* Sparse data (rt_sparse.h): a 2000 x 300 CSR matrix at 2% and its 64 sampled rows in
 * cross-entropies over nc classes, so that the kernels hold X @ W, X[S, :] @ W, X @ z and,
 * through the derivatives, X' @ G, X' @ g and X[S, :]' @ G; every kernel against the
 * evaluator, then 1 and 3 threads bit for bit. The JIT's generated CSR loops
 * (cg_llvm_sparse.c) in the default plan's regions (several tasks), in regions of 12-row
 * blocks, outside regions, and the runtime's product instead (sched.sparse_call); nc = 20 (c
 * in registers), 3 (short vectors), 31 (the most vectors a pass holds), 70 (chunks of
 * columns, a loop over them at 256 bits). */

static void sparse_case(int64_t nc) {
  Arena arena;
  arena_init(&arena);
  IrProblem p;
  hp_init(&p, &arena);
  IrGraph *g = &p.graph;
  int64_t m = 2000, nf = 300, K = 64;
  Shape sp = shape_matrix(m, nf);
  sp.sparse = 1;
  IrNode *z = hp_var(&p, 0, shape_vector(nf));
  IrNode *W = hp_var(&p, 1, shape_matrix(nf, nc));
  IrNode *X = ir_data(g, 0, sp), *Y = ir_data(g, 1, shape_matrix(m, nc));
  p.ndata = 2;
  IrNode *B = ir_sample(g, 0, 0, K);
  IrNode *Z = ir_spmm(g, ir_gather(g, X, B), W), *Zf = ir_spmm(g, X, W);
  IrNode *ce = ir_sub(g, ir_reduce(g, IR_LSE_ROWS, Z),
                      ir_reduce(g, IR_SUM_ROWS, ir_mul(g, Z, ir_gather(g, Y, B))));
  IrNode *reg = ir_mul(g, ir_bcast_cols(g, ir_unary(g, IR_EXP, z), nc), ir_mul(g, W, W));
  p.g = ir_add(g, ir_scale(g, 1.0 / K, ir_reduce(g, IR_SUM, ce)),
               ir_scale(g, 0.01, ir_reduce(g, IR_SUM, reg)));
  IrNode *cef = ir_sub(g, ir_reduce(g, IR_LSE_ROWS, Zf),
                       ir_reduce(g, IR_SUM_ROWS, ir_mul(g, Zf, Y)));
  p.f = ir_add(g, ir_scale(g, 1.0 / m, ir_reduce(g, IR_SUM, cef)),
               ir_dot(g, ir_spmm(g, X, z), ir_spmm(g, X, z)));
  hp_derive(&p);
  RtRng r;
  rt_rng_seed(&r, 31);
  RtCsr c = {m, nf, 0, calloc((size_t)m + 1, sizeof(int64_t)), malloc(sizeof(int32_t) * 20000),
             malloc(sizeof(double) * 20000)};
  for (int64_t i = 0; i < m; i++) {
    for (int64_t j = 0; j < nf && c.nnz < 20000; j++)
      if (i % 97 != 5 && rt_rng_uniform(&r, 0, 1) < 0.02) { /* some empty rows */
        c.col[c.nnz] = (int32_t)j;
        c.val[c.nnz++] = rt_rng_uniform(&r, -1, 1);
      }
    c.rowptr[i + 1] = c.nnz;
  }
  RtSparse s;
  char msg[128];
  assert_int_equal(rt_sparse_make(&c, &s, rt_err(msg, sizeof msg)), 0);
  double *Yd = onehot_rows(&r, m, nc);
  int64_t *smp = malloc((size_t)m * sizeof(int64_t));
  rt_rng_permutation(&r, m, smp);
  const double *data[2] = {(const double *)(const void *)&s, Yd};
  Inputs in = {data, smp, 37};
  char name[96];
  JitOptions o = jit_default_options();
  snprintf(name, sizeof name, "sparse logistic regression, %lld classes", (long long)nc);
  check_problem_threads(name, &p, &in, &o);
  o.sched.par_min_cost = 1;
  o.sched.par_block_rows = 12;
  snprintf(name, sizeof name, "sparse, %lld classes, 12-row blocks", (long long)nc);
  check_problem_threads(name, &p, &in, &o);
  o.sched.par_min_cost = 0;
  o.sched.par_block_rows = 0;
  o.sched.no_par = true;
  snprintf(name, sizeof name, "sparse, %lld classes, no regions", (long long)nc);
  check_problem(name, &p, &in, &o);
  o.sched.no_par = false;
  o.sched.sparse_call = true;
  snprintf(name, sizeof name, "sparse, %lld classes, runtime products", (long long)nc);
  check_problem_threads(name, &p, &in, &o);
  rt_sparse_free(&s);
  free(smp);
  free(Yd);
  arena_free(&arena);
}

static void test_sparse(void **state) {
  (void)state;
  sparse_case(20);
  sparse_case(3);
  sparse_case(31); /* at 256 bits one pass of 7 vectors of 4, then 2 + 1 */
  sparse_case(70);
}

/* ------------------------------------------------------------------ skinny products, regions */

/* Run every kernel of m at one point with the pool on `threads` threads; outputs into outs. */
static void run_all(const IrProblem *p, JitModule *m, const Inputs *in, int threads,
                    double *outs[BLO_K_COUNT][4]) {
  rt_par_set_threads(threads);
  jr_run_all(p, m, in->data, in->samples, in->seed, outs);
}

/* Results do not depend on the number of threads: bit for bit on 1 and 3. */
static void check_module_threads(const char *name, IrProblem *p, const Inputs *in,
                                 JitModule *m) {
  double *one[BLO_K_COUNT][4], *three[BLO_K_COUNT][4];
  run_all(p, m, in, 1, one);
  run_all(p, m, in, 3, three);
  int id, s;
  if (!jr_same_outs(p, one, three, &id, &s))
    fail_msg("%s: kernel %d slot %d differs between 1 and 3 threads", name, id, s);
  jr_free_outs(one);
  jr_free_outs(three);
  rt_par_set_threads(2);
}

/* Every product layout with n columns: a b, a b', a' b, a' b', matrix-vector both ways, an
 * accumulation chain folded as alpha (a runtime scalar) and beta, a region with X W, row
 * reductions and X' G (with alpha), a sample-set gather feeding a product, two products
 * sharing X (packed), each written straight into its output slot at an offset. */
static void skinny_problem(IrProblem *p, Arena *a, int64_t m, int64_t k, int64_t n) {
  hp_init(p, a);
  IrGraph *g = &p->graph;
  IrNode *X = ir_data(g, 0, shape_matrix(m, k));
  IrNode *Cd = ir_data(g, 1, shape_matrix(m, n));
  p->ndata = 2;
  IrNode *W = hp_var(p, 1, shape_matrix(k, n));
  IrNode *Wt = hp_var(p, 1, shape_matrix(n, k));
  IrNode *Gv = hp_var(p, 1, shape_matrix(m, n));
  IrNode *Gt = hp_var(p, 1, shape_matrix(n, m));
  IrNode *u = hp_var(p, 1, shape_vector(k));
  IrNode *w = hp_var(p, 1, shape_vector(m));
  IrNode *s = ir_reduce(g, IR_SUM, ir_mul(g, u, u));
  IrNode *XW = ir_matmul(g, X, W);
  IrNode *nodes[] = {
      XW,
      ir_matmul(g, X, ir_transpose(g, Wt)),
      ir_matmul(g, ir_transpose(g, X), Gv),
      ir_matmul(g, ir_transpose(g, X), ir_transpose(g, Gt)),
      ir_matvec(g, X, u),
      ir_vecmat(g, w, X),
      ir_add(g, ir_mul(g, s, ir_matmul(g, X, W)), ir_unary(g, IR_SIN, Cd)), /* alpha s, beta 1 */
      ir_scale(g, 0.5,
               ir_matmul(g, ir_transpose(g, X),
                         ir_unary(g, IR_TANH, ir_matmul(g, X, ir_transpose(g, Wt))))),
      ir_reduce(g, IR_LSE_ROWS, ir_matmul(g, X, W)),
      ir_reduce(
          g, IR_SUM_COLS,
          ir_mul(g, ir_matmul(g, ir_gather(g, X, ir_sample(g, 0, 0, 5)), W), ir_scalar(g, 2))),
      ir_reduce(g, IR_SUM, ir_mul(g, ir_matmul(g, X, ir_unary(g, IR_COS, W)), Cd)),
  };
  IrKernel *kr = &p->kernels[BLO_K_REPORTS];
  kr->id = BLO_K_REPORTS;
  kr->name = "reports";
  int nn = (int)(sizeof nodes / sizeof nodes[0]);
  kr->outs = arena_calloc(a, (size_t)nn, sizeof(IrOutput));
  int64_t off0 = 3, off1 = 0; /* slot 0 starts at an offset */
  for (int i = 0; i < nn; i++) add_out(kr, i % 2, i % 2 ? &off1 : &off0, nodes[i]);
}

/* skinny_problem with m = 37 rows, its data drawn from seed n, the sample sets smp and a name
 * saying n and k: the case test_skinny_products and test_shared_skinny run. */
typedef struct SkinnyCase {
  Arena arena;
  IrProblem p;
  double *X, *Cd;
  const double *data[2];
  int64_t sizes[2];
  int64_t smp[5];
  Inputs in;
  char name[64];
} SkinnyCase;

static void skinny_case_init(SkinnyCase *c, int64_t k, int64_t n) {
  int64_t m = 37;
  arena_init(&c->arena);
  skinny_problem(&c->p, &c->arena, m, k, n);
  RtRng r;
  rt_rng_seed(&r, (uint64_t)n);
  c->X = random_data(&r, m * k, -1, 1);
  c->Cd = random_data(&r, m * n, -1, 1);
  c->data[0] = c->X;
  c->data[1] = c->Cd;
  c->sizes[0] = m * k;
  c->sizes[1] = m * n;
  static const int64_t smp[5] = {36, 0, 17, 5, 17};
  memcpy(c->smp, smp, sizeof smp);
  c->in = (Inputs){c->data, c->smp, 31 + (uint64_t)n};
  snprintf(c->name, sizeof c->name, "skinny n=%lld k=%lld", (long long)n, (long long)k);
}

static void skinny_case_free(SkinnyCase *c) {
  free(c->X);
  free(c->Cd);
  arena_free(&c->arena);
}

static void test_skinny_products(void **state) {
  (void)state;
  static const int64_t ks[] = {13, 3, 8, 1};
  for (int64_t n = 1; n <= SCHED_SKINNY_MAX_N + 1; n++) {
    SkinnyCase sc;
    skinny_case_init(&sc, ks[n % 4], n);
    const char *name = sc.name;
    IrProblem *p = &sc.p;
    const Inputs *in = &sc.in;
    bool some = n <= 5 || n % 8 == 2 || n >= SCHED_SKINNY_MAX_N; /* every variant for some n */
    JitOptions o = jit_default_options();
    o.threads = 1;
    o.sched.par_min_cost = 1; /* regions everywhere, blocks of 12 rows, several tasks */
    o.sched.par_block_rows = 12;
    if (some) check_problem_threads(name, p, in, &o);
    else check_problem(name, p, in, &o);
    o.sched.par_block_rows = 0;
    o.sched.no_par = true; /* skinny products alone */
    check_problem(name, p, in, &o);
    if (some) {
      o.sched.no_skinny = true; /* BLAS */
      check_problem(name, p, in, &o);
    }
    skinny_case_free(&sc);
  }
}

/* Hyper-cleaning big enough for the default plan's regions (several tasks), and the same with
 * tiny blocks: against the evaluator, and bit for bit on 1 and 3 threads. */
static void test_regions_hyperclean(void **state) {
  (void)state;
  Hyperclean h;
  hyperclean_init(&h, 601, 203, 99, 10, 9, 41);
  JitOptions o = jit_default_options();
  check_problem_threads("hyper-cleaning regions", &h.p, &h.in, &o);
  o.sched.par_min_cost = 1;
  o.sched.par_block_rows = 36;
  check_problem_threads("hyper-cleaning small blocks", &h.p, &h.in, &o);
  hyperclean_free(&h);
}

/* The number of products of m's plan that add into transposed partials (SchedBlas.part_trans). */
static int transposed_products(const IrProblem *p, JitModule *m) {
  int n = 0;
  for (int id = 0; id < BLO_K_COUNT; id++) {
    const SchedKernel *k = p->kernels[id].nouts ? jit_plan(m, (BloKernelId)id) : NULL;
    for (int i = 0; k && i < k->nsteps; i++)
      for (int j = 0; k->steps[i].kind == SS_PAR_ROWS && j < k->steps[i].nbody; j++)
        n += k->steps[i].body[j].blas.part_trans;
  }
  return n;
}

/* A double a' b in a region adds into a transposed partial with loops along c's rows
 * (SchedOptions.trans_f64, the JIT's default at 512 bits: cg_llvm_skinny.c tn_loops_ct) or
 * into rows of c (rows_partials): each element takes the same FMAs in the same order, so every
 * output is the same bit for bit, on 1 and 3 threads, at both widths (forced at 256 bits). */
static void check_partials(const char *name, IrProblem *p, const Inputs *in, JitOptions o) {
  char err[512];
  for (int wide = 0; wide < 1 + jit_host_has_avx512(); wide++) {
    o.vector_bits = wide ? 512 : 256;
    JitModule *rows = NULL, *trans = NULL;
    o.sched.rows_partials = true;
    o.sched.trans_f64 = false;
    assert_int_equal(jit_compile(p, &o, &rows, err, sizeof err), 0);
    o.sched.rows_partials = false;
    o.sched.trans_f64 = true;
    assert_int_equal(jit_compile(p, &o, &trans, err, sizeof err), 0);
    if (transposed_products(p, rows) || !transposed_products(p, trans))
      fail_msg("%s (%d-bit): %d and %d transposed products", name, o.vector_bits,
               transposed_products(p, rows), transposed_products(p, trans));
    for (int threads = 1; threads <= 3; threads += 2) {
      double *want[BLO_K_COUNT][4], *got[BLO_K_COUNT][4];
      run_all(p, rows, in, threads, want);
      run_all(p, trans, in, threads, got);
      int id, s;
      if (!jr_same_outs(p, want, got, &id, &s))
        fail_msg("%s (%d-bit, %d threads): kernel %d slot %d differs with transposed partials",
                 name, o.vector_bits, threads, id, s);
      jr_free_outs(want);
      jr_free_outs(got);
    }
    rt_par_set_threads(2);
    jit_free(rows);
    jit_free(trans);
  }
}

static void test_transposed_partials(void **state) {
  (void)state;
  static const int64_t ks[] = {13, 3, 8, 1, 17};
  static const int64_t ns[] = {1, 2, 5, 10, 11, 20, 21, 32};
  JitOptions o = jit_default_options();
  o.sched.par_min_cost = 1; /* regions everywhere, blocks of 12 rows, several tasks */
  o.sched.par_block_rows = 12;
  for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
    SkinnyCase sc;
    skinny_case_init(&sc, ks[i % 5], ns[i]);
    check_partials(sc.name, &sc.p, &sc.in, o);
    skinny_case_free(&sc);
  }
  Hyperclean h; /* 99 features: tiles of 16 and 8 rows of c and a tail of 3 */
  hyperclean_init(&h, 601, 203, 99, 10, 9, 41);
  check_partials("hyper-cleaning, blocks of 12", &h.p, &h.in, o);
  check_partials("hyper-cleaning", &h.p, &h.in, jit_default_options());
  hyperclean_free(&h);
}

/* ------------------------------------------------- skinny products' shared functions */

/* A problem for check_shared_skinny: its data arrays have sizes[0..ndata) elements; linked:
 * split into 3 parts, some part calls a function another part defines. */
typedef struct SharedCase {
  const char *name;
  IrProblem *p;
  const Inputs *in;
  const int64_t *sizes;
  int ndata;
  bool linked;
} SharedCase;

/* Whether every shared skinny function that ir defines or declares keeps none of its pointer
 * parameters (nocapture): a call that may capture the views of x, y or v it is given takes
 * from LLVM the knowledge that the caller's other pointers (env's work) do not alias them, and
 * the caller's loops then vectorise otherwise than with the tile loops inlined (a reassociating
 * sum of 13 terms summed in another order on Zen 4: cg_llvm_skinny.c sk_function). */
static bool skinny_ptrs_nocapture(const char *ir) {
  for (const char *l = ir; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
    if (strncmp(l, "define void @bloc.skinny", 24) && strncmp(l, "declare void @bloc.skinny", 25))
      continue;
    const char *end = strchr(l, ')'), *t = strchr(l, '(');
    int ptrs = 0, kept = 0;
    for (t = t ? strstr(t, "ptr") : NULL; t && t < end; t = strstr(t + 3, "ptr"))
      ptrs++, kept += !strncmp(t + 3, " nocapture", 10);
    if (ptrs != 4 || kept != ptrs) return false;
  }
  return true;
}

/* Every kernel of c->p compiled with each skinny product's tile loops inside it
 * (skinny_inline) and with the loops in functions shared across kernels and compile parts
 * (the default; 1, 2 and 3 parts, so that parts call functions defined in other parts; no
 * more parts than kernels, as jit_compile makes no more: a one-kernel problem is compiled
 * once, not three times the same): all outputs bit for bit the same. With f32, the data are
 * handed to the kernels as floats. ir_out (or NULL): the IR of the compile in the most parts,
 * for the caller's own checks of it (the caller frees it). */
static void check_shared_skinny(const SharedCase *c, bool f32, JitOptions o, char **ir_out) {
  const char *name = c->name;
  IrProblem *p = c->p;
  const Inputs *in = c->in;
  const int64_t *sizes = c->sizes;
  int ndata = c->ndata;
  JrData jd;
  jr_data_init(&jd, in->data, sizes, ndata, f32);
  Inputs fin = *in;
  fin.data = jd.view;
  o.f32 = f32;
  o.vector_bits = 256;
  o.keep_ir = true;
  char err[512];
  JitModule *ref = NULL;
  o.threads = 1;
  o.skinny_inline = true;
  assert_int_equal(jit_compile(p, &o, &ref, err, sizeof err), 0);
  char *ir = jr_module_ir(ref);
  if (strstr(ir, "bloc.skinny")) fail_msg("%s: skinny_inline still calls shared functions", name);
  free(ir);
  double *want[BLO_K_COUNT][4];
  run_all(p, ref, &fin, 1, want);
  o.skinny_inline = false;
  int nk = 0;
  for (int id = 0; id < BLO_K_COUNT; id++) nk += p->kernels[id].nouts > 0;
  for (int threads = 1; threads <= 3 && threads <= nk; threads++) {
    JitModule *m = NULL;
    o.threads = threads;
    assert_int_equal(jit_compile(p, &o, &m, err, sizeof err), 0);
    assert_int_equal(jit_timings(m)->threads, threads); /* parts: no compile repeated */
    ir = jr_module_ir(m);
    if (!strstr(ir, "define void @bloc.skinny0("))
      fail_msg("%s, %d parts: no shared skinny function", name, threads);
    if (threads == 3 && c->linked && !strstr(ir, "declare void @bloc.skinny"))
      fail_msg("%s, 3 parts: no part calls a function of another", name);
    if (!skinny_ptrs_nocapture(ir))
      fail_msg("%s, %d parts: a skinny function may capture its pointers", name, threads);
    if (ir_out && (threads == 3 || threads == nk)) *ir_out = ir;
    else free(ir);
    double *got[BLO_K_COUNT][4];
    run_all(p, m, &fin, 1, got);
    int id, s;
    if (!jr_same_outs(p, want, got, &id, &s))
      fail_msg("%s%s, %d parts: kernel %d slot %d differs from the inlined loops", name,
               f32 ? " (f32)" : "", threads, id, s);
    jr_free_outs(got);
    jit_free(m);
  }
  jr_free_outs(want);
  rt_par_set_threads(2);
  jit_free(ref);
  jr_data_free(&jd);
}

/* The most calls in one function of ir that pass a skinny function `arg` (a table of rows:
 * "i64 0, ptr nonnull %next" the next block's, "(ptr nonnull %rows" the block's own). */
static int most_tables(const char *ir, const char *arg) {
  int most = 0, n = 0;
  for (const char *l = ir; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
    if (!strncmp(l, "define ", 7)) n = 0;
    const char *end = strchr(l, '\n'), *t = strstr(l, arg);
    if (t && (!end || t < end) && ++n > most) most = n;
  }
  return most;
}

/* Whether a function of ir whose definition line names `fn` has a line holding `text`. */
static bool fn_has(const char *ir, const char *fn, const char *text) {
  bool in = false;
  for (const char *l = ir; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
    const char *end = strchr(l, '\n'), *t;
    if (!strncmp(l, "define ", 7)) in = (t = strstr(l, fn)) && (!end || t < end);
    else if (in && (t = strstr(l, text)) && (!end || t < end)) return true;
  }
  return false;
}

/* Stochastic hyper-cleaning in regions of 12-row blocks: the products over sampled rows of X
 * read them where they are in X, from a table of the block's rows (SchedBuf.rows_direct,
 * cg_gather_row_table), and the product that prefetches the next block's rows (X' G, or
 * hvp_xy's X W) reads where they are from another (cg_skinny_prefetch_table), so its call
 * passes one; with a second matrix
 * sampled in the same blocks, each of the two products its own (one table for both failed to
 * compile). The same bits with the loops inlined and in shared functions, and each kernel
 * against the evaluator. */
static void test_gathered_prefetch(void **state) {
  (void)state;
  for (int two = 0; two < 2; two++) {
    Stoch st;
    stoch_init(&st, two);
    JitOptions o = jit_default_options();
    o.sched.par_min_cost = 1; /* regions, several tasks */
    o.sched.par_block_rows = 12;
    o.keep_ir = true;
    o.vector_bits = 256;
    const char *name = two ? "stochastic hyper-cleaning, two matrices, 12-row blocks"
                           : "stochastic hyper-cleaning, 12-row blocks";
    check_problem(name, &st.p, &st.in, &o);
    SharedCase sc = {name, &st.p, &st.in, st.sizes, 2 + two, true};
    /* the IR of its 256-bit compile in 3 parts, the functions shared (compiled once, not
     * again here) */
    char *ir = NULL;
    check_shared_skinny(&sc, false, o, &ir);
    assert_non_null(ir);
    int next = most_tables(ir, "i64 0, ptr nonnull %next");
    if (next < 1 + two)
      fail_msg("%d matrices: a region's products of sampled rows are given %d tables", 1 + two,
               next);
    /* where a region's products are all that reads the copies (hvp_yy: X W and X' G of each
     * matrix), they read the rows in the data, through a table of them (at these sizes
     * grad_y_g's X' G is a region of its own, after the one that copies: a copy there) */
    int own = most_tables(ir, "(ptr nonnull %rows");
    if (own < 2 + 2 * two)
      fail_msg("%d matrices: %d products read the sampled rows in place", 1 + two, own);
    /* hvp_xy's only product over them is an a b' (X W): it prefetches the next block's rows
     * from a table too */
    if (!fn_has(ir, "@bloc_hvp_xy.par", "ptr nonnull %next"))
      fail_msg("%d matrices: hvp_xy's X W prefetches no table of the next rows", 1 + two);
    free(ir);
    check_shared_skinny(&sc, true, o, NULL);
    stoch_free(&st);
  }
}

/* The marks of copies of sampled rows read in place (sched_direct_rows, SchedBuf.rows_direct) in
 * stochastic hyper-cleaning's plan, regions of 12-row blocks. Marked wherever the region that
 * copies the rows holds every product over them (f, hvp_yy); not where grad_y_g's X' G is a
 * region of its own after the copy's (it reads the copy); nowhere with sched.copy_rows. The
 * verifier accepts the plan and rejects the marks changed into what the JIT would run wrong:
 * one product's view unmarked (its copy would be skipped), the copy read by another region. */
static void test_direct_rows_plan(void **state) {
  (void)state;
  Stoch st;
  stoch_init(&st, false);
  char err[512];
  for (int copy = 0; copy < 2; copy++) {
    Arena a;
    arena_init(&a);
    SchedOptions o = {.par_min_cost = 1, .par_block_rows = 12, .copy_rows = copy == 1};
    SchedPlan plan;
    assert_int_equal(sched_problem(&st.p, &o, &a, &plan, err, sizeof err), 0);
    assert_int_equal(sched_verify_plan(&st.p, &plan, err, sizeof err), 0);
    int copies, products = jr_rows_in_place(&plan.kernels[BLO_K_HVP_YY], &copies);
    assert_int_equal(copies, copy ? 0 : 1);
    assert_int_equal(products, copy ? 0 : 3); /* X W, X V and X' G */
    products = jr_rows_in_place(&plan.kernels[BLO_K_GRAD_F], &copies);
    assert_int_equal(copies, copy ? 0 : 1);
    assert_int_equal(products, copy ? 0 : 2); /* X W and X' G over the other sample */
    assert_int_equal(jr_rows_in_place(&plan.kernels[BLO_K_GRAD_Y_G], &copies), 0);
    assert_int_equal(copies, 0);
    if (copy) {
      arena_free(&a);
      continue;
    }
    SchedKernel *k = &plan.kernels[BLO_K_HVP_YY];
    SchedBlas *prod = NULL;
    for (int i = 0; i < k->nsteps && !prod; i++)
      for (int j = 0; k->steps[i].kind == SS_PAR_ROWS && j < k->steps[i].nbody; j++)
        if (k->steps[i].body[j].blas.a.rows_direct) prod = &k->steps[i].body[j].blas;
    prod->a.rows_direct = false;
    assert_int_equal(sched_verify_plan(&st.p, &plan, err, sizeof err), -1);
    if (!strstr(err, "viewed both as rows read in place and not")) fail_msg("%s", err);
    prod->a.rows_direct = true;
    /* grad_y_g: its copy marked and the X' G of the next region reading it marked too */
    k = &plan.kernels[BLO_K_GRAD_Y_G];
    int marked = 0;
    for (int i = 0; i < k->nsteps; i++)
      for (int j = 0; k->steps[i].kind == SS_PAR_ROWS && j < k->steps[i].nbody; j++) {
        SchedStep *b = &k->steps[i].body[j];
        SchedBuf *w;
        if (sched_gather_rows(b, (const SchedBuf **)&w)) w->rows_direct = true, marked++;
        else if (b->kind == SS_SKINNY_GEMM && b->blas.a.rows_of_data)
          b->blas.a.rows_direct = true, marked++;
      }
    assert_int_equal(marked, 3); /* the copy, its X W, the X' G after */
    assert_int_equal(sched_verify_plan(&st.p, &plan, err, sizeof err), -1);
    if (!strstr(err, "outside the region that copies them")) fail_msg("%s", err);
    arena_free(&a);
  }
  stoch_free(&st);
}

/* A region (SS_PAR_ROWS) with blocks of block_rows and body steps body[0..n) (none: NULL). */
static SchedStep region_of(int64_t block_rows, SchedStep *body, int n) {
  SchedStep par;
  memset(&par, 0, sizeof par);
  par.kind = SS_PAR_ROWS;
  par.rows = 512;
  par.block_rows = block_rows;
  par.body = body;
  par.nbody = n;
  return par;
}

/* The shared functions' key holds everything the tile code depends on: the plan's prefetch
 * mark (a product that prefetches the next block gets other code, so it cannot share a
 * function with one that does not: the first caller's choice used to be given to both), the
 * block's rows only where they are used, by the prefetching product, and whether that product
 * reads the next block's rows from a table (its a a copy of sampled rows). */
static void test_skinny_key(void **state) {
  (void)state;
  SchedStep st;
  memset(&st, 0, sizeof st);
  st.kind = SS_SKINNY_GEMM;
  st.blas.m = 512;
  st.blas.n = 10;
  st.blas.k = 785;
  st.blas.trans_b = true; /* a b' */
  st.blas.a = (SchedBuf){.base = SB_WORK, .index = 1, .offset = 0, .ld = 785};
  st.blas.b.ld = 785;
  st.blas.c.ld = 10;
  st.blas.alpha = 1;
  SchedStep r128 = region_of(128, NULL, 0), r64 = region_of(64, NULL, 0);
  CgSkinnyKey plain = cg_skinny_key(&st, false, 256, &r128);
  CgSkinnyKey other_block = cg_skinny_key(&st, false, 256, &r64);
  assert_true(cg_skinny_key_eq(&plain, &other_block));
  /* a b' in a region: the prefetch distance is an argument, so the prefetching product and
   * the others share a function, whatever the block */
  st.blas.prefetch = true;
  CgSkinnyKey pf = cg_skinny_key(&st, false, 256, &r128);
  CgSkinnyKey pf_block = cg_skinny_key(&st, false, 256, &r64);
  assert_true(cg_skinny_key_eq(&plain, &pf));
  assert_true(cg_skinny_key_eq(&pf, &pf_block));
  CgSkinnyKey outside = cg_skinny_key(&st, false, 256, NULL); /* not in a region: no prefetch */
  assert_false(cg_skinny_key_eq(&plain, &outside));
  st.blas.trans_a = true; /* a' b: the block's rows are in its code */
  st.blas.trans_b = false;
  st.blas.prefetch = false;
  CgSkinnyKey tn = cg_skinny_key(&st, false, 256, &r128);
  st.blas.prefetch = true;
  CgSkinnyKey tn_pf = cg_skinny_key(&st, false, 256, &r128);
  CgSkinnyKey tn_pf_block = cg_skinny_key(&st, false, 256, &r64);
  assert_false(cg_skinny_key_eq(&tn, &tn_pf));
  assert_false(cg_skinny_key_eq(&tn_pf, &tn_pf_block));
  assert_false(tn_pf.pft);
  /* the same a' b when a is a block's copy of sampled rows of data: a table of the next
   * block's rows (cg_skinny_prefetch_table); not for a b', nor for a copy into another buffer */
  SchedExpr data = {.op = SCHED_LOAD,
                    .shape = {.rank = 2, .rows = 5000, .cols = 785},
                    .buf = {.base = SB_DATA, .index = 4, .ld = 785}};
  SchedExpr rows = {.op = SCHED_LOAD,
                    .shape = {.rank = 1, .rows = 512, .cols = 1},
                    .buf = {.base = SB_SAMPLE, .ld = 1}};
  SchedExpr *gargs[2] = {&data, &rows};
  SchedExpr gather = {
      .op = IR_GATHER, .nargs = 2, .args = gargs, .shape = {.rank = 2, .rows = 512, .cols = 785}};
  SchedItem copy = {.kind = SI_WRITE, .expr = &gather, .dest = st.blas.a};
  SchedStep body[2];
  memset(body, 0, sizeof body);
  body[0].kind = SS_LOOP;
  body[0].rows = 512;
  body[0].cols = 785;
  body[0].items = &copy;
  body[0].nitems = 1;
  body[1] = st;
  SchedStep rg = region_of(128, body, 2);
  const SchedBuf *dest = NULL;
  assert_true(sched_gather_rows(&body[0], &dest));
  assert_ptr_equal(dest, &copy.dest);
  assert_true(cg_skinny_prefetch_table(&rg, &body[1]));
  CgSkinnyKey tn_tab = cg_skinny_key(&body[1], false, 256, &rg);
  assert_true(tn_tab.pft);
  assert_false(cg_skinny_key_eq(&tn_pf, &tn_tab));
  body[1].blas.prefetch = false; /* not the prefetching product */
  assert_false(cg_skinny_key(&body[1], false, 256, &rg).pft);
  body[1].blas.prefetch = true;
  body[1].blas.a.offset = 785; /* a is not the copy */
  assert_false(cg_skinny_prefetch_table(&rg, &body[1]));
  body[1] = st;
  body[1].blas.trans_a = false; /* a b' */
  body[1].blas.trans_b = true;
  assert_false(cg_skinny_key(&body[1], false, 256, &rg).pft);
  rows.buf.base = SB_WORK; /* rows chosen by something else than samples: not a copy */
  assert_false(sched_gather_rows(&body[0], NULL));
}

/* Hyper-cleaning-shaped kernels (X W and X' G with c = 10 in regions, in several kernels)
 * and every skinny product layout, at f64 and f32. */
static void test_shared_skinny(void **state) {
  (void)state;
  Hyperclean h;
  int64_t m = 601, mv = 203, nf = 99, nc = 10;
  hyperclean_init(&h, m, mv, nf, nc, 9, 41);
  int64_t hsizes[4] = {m * nf, m * nc, mv * nf, mv * nc};
  JitOptions o = jit_default_options();
  SharedCase hc = {"hyper-cleaning", &h.p, &h.in, hsizes, 4, true};
  check_shared_skinny(&hc, false, o, NULL);
  check_shared_skinny(&hc, true, o, NULL);
  o.sched.par_min_cost = 1;
  o.sched.par_block_rows = 36;
  hc.name = "hyper-cleaning small blocks";
  check_shared_skinny(&hc, false, o, NULL);
  hyperclean_free(&h);
  static const int64_t ns[] = {1, 3, 4, 10, 13, SCHED_SKINNY_MAX_N};
  for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
    SkinnyCase c;
    skinny_case_init(&c, 13 + (int64_t)i, ns[i]);
    SharedCase sc = {c.name, &c.p, &c.in, c.sizes, 2, false}; /* one kernel: one part */
    o = jit_default_options();
    o.sched.par_min_cost = 1; /* regions, several tasks */
    o.sched.par_block_rows = 12;
    check_shared_skinny(&sc, false, o, NULL);
    check_shared_skinny(&sc, true, o, NULL);
    o.sched.par_block_rows = 0;
    o.sched.no_par = true; /* skinny products alone */
    check_shared_skinny(&sc, false, o, NULL);
    skinny_case_free(&c);
  }
}

/* The 512-bit code on any host (JitOptions.any_host_width: LLVM splits its vectors where the
 * CPU lacks AVX-512), so its register tiles and float paths are checked on every machine, not
 * only where the CPU has AVX-512 (check_problem): hyper-cleaning at f64 against the evaluator
 * (1e-12), and at f32 against the 256-bit code within 1e-5 of each output's largest
 * magnitude (both sum in float; the tiles group the float sums differently). */
static void test_wide_any_host(void **state) {
  (void)state;
  Hyperclean h;
  int64_t m = 601, mv = 203, nf = 99, nc = 10;
  hyperclean_init(&h, m, mv, nf, nc, 9, 41);
  JitOptions o = jit_default_options();
  o.vector_bits = 512;
  o.any_host_width = true;
  o.sched.par_min_cost = 1;
  o.sched.par_block_rows = 84; /* blocks of more than one 64-row chunk */
  check_width("hyper-cleaning, 512-bit code", &h.p, &h.in, &o);
  int64_t sizes[4] = {m * nf, m * nc, mv * nf, mv * nc};
  JrData jd;
  jr_data_init(&jd, h.in.data, sizes, 4, true);
  Inputs fin = h.in;
  fin.data = jd.view;
  o.f32 = true;
  double *out[2][BLO_K_COUNT][4];
  char err[512];
  for (int w = 0; w < 2; w++) {
    JitModule *mod = NULL;
    o.vector_bits = w ? 512 : 256;
    assert_int_equal(jit_compile(&h.p, &o, &mod, err, sizeof err), 0);
    if (w) {
      o.keep_ir = true;
      jit_free(mod);
      assert_int_equal(jit_compile(&h.p, &o, &mod, err, sizeof err), 0);
      char *ir = jr_module_ir(mod);
      if (!strstr(ir, "<16 x float>")) fail_msg("no 16-float vectors in the 512-bit code");
      free(ir);
    }
    run_all(&h.p, mod, &fin, 1, out[w]);
    jit_free(mod);
  }
  for (int id = 0; id < BLO_K_COUNT; id++)
    for (int s = 0; s < 4; s++) {
      int64_t n = h.p.kernels[id].slot_size[s];
      double scale = 1e-300, d = 0;
      for (int64_t i = 0; i < n; i++) scale = fmax(scale, fabs(out[0][id][s][i]));
      for (int64_t i = 0; i < n; i++) d = fmax(d, fabs(out[1][id][s][i] - out[0][id][s][i]));
      if (h.p.kernels[id].nouts && d > 1e-5 * scale)
        fail_msg("f32 kernel %d slot %d: 512-bit code differs from 256-bit by %.3g (scale %.3g)",
                 id, s, d, scale);
      free(out[0][id][s]);
      free(out[1][id][s]);
    }
  jr_data_free(&jd);
  hyperclean_free(&h);
}

/* ------------------------------------------------------------------ API contract */

static void test_errors_and_absent(void **state) {
  (void)state;
  Arena arena;
  arena_init(&arena);
  IrProblem p;
  hp_init(&p, &arena);
  IrGraph *g = &p.graph;
  IrNode *x = hp_var(&p, 0, shape_vector(4));
  /* a data-stage generator cannot be compiled: a clear internal error, nothing leaks */
  IrNode *rnd = ir_rand(g, IR_RAND_UNIFORM, 0, 1, "s", shape_vector(4), SPAN_NONE);
  p.f = ir_dot(g, x, rnd);
  hp_derive(&p);
  JitModule *m = (JitModule *)&arena;
  char err[256];
  assert_int_equal(jit_compile(&p, NULL, &m, err, sizeof err), -1);
  assert_null(m);
  assert_non_null(strstr(err, "internal error"));
  /* an output outside its declared slot */
  p.f = ir_reduce(g, IR_SUM, x);
  hp_derive(&p);
  p.kernels[BLO_K_F].slot_size[0] = 1;
  p.kernels[BLO_K_F].outs[0].offset = 3;
  assert_int_equal(jit_compile(&p, NULL, &m, err, sizeof err), -1);
  assert_non_null(strstr(err, "internal error"));
  /* an LLVM failure (here: a pipeline LLVM does not know) is an internal error, not a crash */
  p.kernels[BLO_K_F].outs[0].offset = 0;
  JitOptions bad = jit_default_options();
  bad.passes = "function(no-such-pass)";
  assert_int_equal(jit_compile(&p, &bad, &m, err, sizeof err), -1);
  assert_null(m);
  assert_non_null(strstr(err, "internal error: LLVM optimisation failed"));
  /* kernels absent from the problem give NULL */
  p.kernels[BLO_K_F].outs[0].offset = 0;
  assert_int_equal(jit_compile(&p, NULL, &m, err, sizeof err), 0);
  assert_non_null(jit_kernel(m, BLO_K_F));
  assert_non_null(jit_kernel(m, BLO_K_GRAD_F));
  assert_null(jit_kernel(m, BLO_K_G));
  assert_null(jit_kernel(m, BLO_K_HVP_YY));
  assert_null(jit_kernel(m, BLO_K_REPORTS));
  assert_null(jit_kernel(m, BLO_K_COUNT));
  assert_true(jit_timings(m)->total_ms > 0);
  assert_string_equal(jit_symbol(m, BLO_K_F), "bloc_f");
  assert_null(jit_symbol(m, BLO_K_G));
  jit_free(m);
  /* kernels sharing a name still get distinct symbols (and their own code) */
  p.kernels[BLO_K_GRAD_F].name = "f";
  assert_int_equal(jit_compile(&p, NULL, &m, err, sizeof err), 0);
  assert_string_equal(jit_symbol(m, BLO_K_F), "bloc_f");
  assert_string_equal(jit_symbol(m, BLO_K_GRAD_F), "bloc_kernel2");
  assert_ptr_not_equal(jit_kernel(m, BLO_K_F), jit_kernel(m, BLO_K_GRAD_F));
  FILE *devnull = fopen("/dev/null", "w");
  jit_print_module(m, devnull);
  fclose(devnull);
  jit_free(m);
  jit_free(NULL);
  arena_free(&arena);
}

/* Compile and free many modules (LeakSanitizer checks nothing is kept), printing IR once. */
static void test_many_modules(void **state) {
  (void)state;
  for (int rep = 0; rep < 12; rep++) {
    Arena arena;
    arena_init(&arena);
    IrProblem p;
    hp_synthetic(&p, &arena, 20 + rep, 0.5);
    JitOptions o = jit_default_options();
    o.keep_ir = rep == 0;
    JitModule *m;
    char err[256];
    assert_int_equal(jit_compile(&p, &o, &m, err, sizeof err), 0);
    if (rep == 0) {
      char *buf = NULL;
      size_t len = 0;
      FILE *f = open_memstream(&buf, &len);
      jit_print_module(m, f);
      fclose(f);
      assert_non_null(strstr(buf, "define void @bloc_grad_y_g("));
      assert_non_null(strstr(buf, "cblas_dsymv"));
      free(buf);
    }
    assert_string_equal(jit_symbol(m, BLO_K_HVP_YY), "bloc_hvp_yy");
    jit_free(m);
    arena_free(&arena);
  }
}

/* jit_skinny (bench/bench_loops.c times the functions through it): hyper-cleaning's shared
 * skinny functions are found with the keys they were generated for, nothing outside
 * [0, jit_skinny_count), and each computes its product on the rows it is given: c = a b' rows
 * [lo, hi), or c += a' b over rows [lo, hi) of a and b, against sums in double here. */
static void test_skinny_lookup(void **state) {
  (void)state;
  Arena arena;
  arena_init(&arena);
  IrProblem p;
  hp_hyperclean(&p, &arena, 61, 37, 29, 10);
  JitModule *m;
  char err[256];
  JitOptions o = jit_default_options();
  assert_int_equal(jit_compile(&p, &o, &m, err, sizeof err), 0);
  int n = jit_skinny_count(m);
  assert_true(n >= 2); /* X W' and X' G at least */
  assert_null(jit_skinny(m, -1, NULL));
  assert_null(jit_skinny(m, n, NULL));
  assert_int_equal(jit_skinny_count(NULL), 0);
  RtRng r;
  rt_rng_seed(&r, 5);
  bool seen[2] = {false, false};
  for (int i = 0; i < n; i++) {
    CgSkinnyKey k;
    JitSkinnyFn fn = jit_skinny(m, i, &k);
    assert_non_null(fn);
    assert_true(k.n >= 1 && k.n <= 10 && !k.ta32 && !k.tb32);
    seen[k.trans_a ? 1 : 0] = true;
    int64_t lo = 2, hi = 2 + 13; /* rows given to the call: not from 0, not a multiple of a tile */
    int64_t arows = hi + (k.trans_a ? k.blockr + 8 : 0); /* a' b prefetches a block on */
    int64_t brows = k.trans_a ? arows : k.n, crows = k.trans_a ? k.m : hi;
    double *a = malloc(sizeof(double) * (size_t)(arows * k.lda));
    double *b = malloc(sizeof(double) * (size_t)(brows * k.ldb));
    double *c = calloc((size_t)(crows * k.ldc), sizeof(double));
    assert_true(a && b && c);
    for (int64_t e = 0; e < arows * k.lda; e++) a[e] = rt_rng_double(&r) - 0.5;
    for (int64_t e = 0; e < brows * k.ldb; e++) b[e] = rt_rng_double(&r) - 0.5;
    fn(a, b, c, lo, hi, 1.0, 0, NULL);
    double worst = 0;
    if (!k.trans_a) {
      for (int64_t row = lo; row < hi; row++)
        for (int64_t j = 0; j < k.n; j++) {
          double want = 0;
          for (int64_t q = 0; q < k.k; q++) want += a[row * k.lda + q] * b[j * k.ldb + q];
          worst = fmax(worst, fabs(c[row * k.ldc + j] - want));
        }
      assert_true(c[0] == 0); /* rows before lo untouched */
    } else {
      for (int64_t col = 0; col < k.m; col++)
        for (int64_t j = 0; j < k.n; j++) {
          double want = 0;
          for (int64_t row = lo; row < hi; row++) want += a[row * k.lda + col] * b[row * k.ldb + j];
          worst = fmax(worst, fabs(c[col * k.ldc + j] - want));
        }
    }
    assert_true(worst < 1e-12);
    free(a);
    free(b);
    free(c);
  }
  assert_true(seen[0] && seen[1]);
  jit_free(m);
  arena_free(&arena);
}

/* max_kernel_size leaves out exactly the kernels whose plan is larger, whatever the split
 * into parts; the others are compiled and linked as usual, and 0 means no limit. */
static void test_size_limit(void **state) {
  (void)state;
  Arena arena;
  arena_init(&arena);
  IrProblem p;
  hp_synthetic(&p, &arena, 20, 0.5);
  JitModule *m;
  char err[256];
  JitOptions o = jit_default_options();
  assert_int_equal(o.max_kernel_size, JIT_MAX_KERNEL_SIZE);
  o.max_kernel_size = 0;
  assert_int_equal(jit_compile(&p, &o, &m, err, sizeof err), 0);
  int64_t size[BLO_K_COUNT], lo = INT64_MAX, hi = 0;
  for (int id = 0; id < BLO_K_COUNT; id++) {
    size[id] = jit_kernel_size(m, (BloKernelId)id);
    assert_true((size[id] > 0) == (p.kernels[id].nouts > 0));
    assert_true((jit_kernel(m, (BloKernelId)id) != NULL) == (size[id] > 0));
    if (size[id] > 0 && size[id] < lo) lo = size[id];
    if (size[id] > hi) hi = size[id];
  }
  jit_free(m);
  assert_true(lo < hi);
  for (int threads = 1; threads <= 2; threads++) {
    o.threads = threads;
    o.max_kernel_size = lo;
    assert_int_equal(jit_compile(&p, &o, &m, err, sizeof err), 0);
    for (int id = 0; id < BLO_K_COUNT; id++) {
      bool kept = size[id] > 0 && size[id] <= lo;
      assert_true((jit_kernel(m, (BloKernelId)id) != NULL) == kept);
      assert_true((jit_symbol(m, (BloKernelId)id) != NULL) == kept);
      assert_int_equal(jit_kernel_size(m, (BloKernelId)id), size[id]); /* still planned */
    }
    jit_free(m);
  }
  o.max_kernel_size = 1; /* nothing compiled at all */
  assert_int_equal(jit_compile(&p, &o, &m, err, sizeof err), 0);
  for (int id = 0; id < BLO_K_COUNT; id++) assert_null(jit_kernel(m, (BloKernelId)id));
  jit_free(m);
  arena_free(&arena);
}

/* Runs last: every non-generator op has been compiled by some test above. */
static void test_op_coverage(void **state) {
  (void)state;
  int missing = 0;
  for (int op = 0; op < IR_OP_COUNT; op++) {
    if (ir_ops[op].cls == IRC_GEN || op_seen[op]) continue;
    fprintf(stderr, "op '%s' is never compiled by test_jit\n", ir_ops[op].name);
    missing++;
  }
  assert_int_equal(missing, 0);
}

int main(void) {
  for (int i = 0; i < 12; i++) Ddata[i] = sin(1.0 + i) * 0.8;
  for (int i = 0; i < 3; i++) ddata[i] = 0.3 + 0.2 * i;
  if (getenv("TEST_FILTER")) cmocka_set_test_filter(getenv("TEST_FILTER")); /* iterating */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_c_exp),
      cmocka_unit_test(test_c_log),
      cmocka_unit_test(test_c_log1p),
      cmocka_unit_test(test_c_sqrt),
      cmocka_unit_test(test_c_sincos),
      cmocka_unit_test(test_c_tanh),
      cmocka_unit_test(test_c_sigmoid),
      cmocka_unit_test(test_c_softplus),
      cmocka_unit_test(test_c_abs),
      cmocka_unit_test(test_c_relu),
      cmocka_unit_test(test_c_powc),
      cmocka_unit_test(test_c_maxmin),
      cmocka_unit_test(test_c_div),
      cmocka_unit_test(test_c_neg_sub),
      cmocka_unit_test(test_c_scalar_bcast),
      cmocka_unit_test(test_c_where),
      cmocka_unit_test(test_c_lse),
      cmocka_unit_test(test_c_lse_rows),
      cmocka_unit_test(test_c_softmax_ce),
      cmocka_unit_test(test_c_matmul),
      cmocka_unit_test(test_c_matvec),
      cmocka_unit_test(test_c_vecmat),
      cmocka_unit_test(test_c_outer),
      cmocka_unit_test(test_c_transpose),
      cmocka_unit_test(test_c_sum_rows_cols),
      cmocka_unit_test(test_c_rowwise_colwise),
      cmocka_unit_test(test_c_slice_reshape),
      cmocka_unit_test(test_c_gather),
      cmocka_unit_test(test_c_diag_trace),
      cmocka_unit_test(test_c_cat),
      cmocka_unit_test(test_c_mean_norm),
      cmocka_unit_test(test_c_synthetic),
      cmocka_unit_test(test_c_piecewise),
      cmocka_unit_test(test_c_bcast_pad),
      cmocka_unit_test(test_special_values),
      cmocka_unit_test(test_libm_bits),
      cmocka_unit_test(test_synthetic),
      cmocka_unit_test(test_hyperclean),
      cmocka_unit_test(test_big_products),
      cmocka_unit_test(test_stochastic),
      cmocka_unit_test(test_sparse),
      cmocka_unit_test(test_skinny_products),
      cmocka_unit_test(test_regions_hyperclean),
      cmocka_unit_test(test_transposed_partials),
      cmocka_unit_test(test_shared_skinny),
      cmocka_unit_test(test_skinny_key),
      cmocka_unit_test(test_wide_any_host),
      cmocka_unit_test(test_errors_and_absent),
      cmocka_unit_test(test_many_modules),
      cmocka_unit_test(test_size_limit),
      cmocka_unit_test(test_skinny_lookup),
      cmocka_unit_test(test_op_coverage),
      cmocka_unit_test(test_gathered_prefetch),
      cmocka_unit_test(test_direct_rows_plan),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
