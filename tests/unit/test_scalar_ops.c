/* test_scalar_ops.c — every elementwise scalar op computes the same bits wherever it runs:
 * runtime/rt_scalar.h (the definition), sema's constant folding (a `const` of the op on
 * literals), the IR folder and evaluator (ir_fold_unary/binary, and a program run on
 * --backend=interp), the JIT (the same program compiled by LLVM) and the emitted C (the
 * program through `bloc emit-c`, built with cc -std=c99). Inputs: signs, ±0, tiny, subnormal,
 * large, halves (round), arguments where exp overflows or underflows. Issue 11 item 9:
 * `const c = sigmoid(-0.01)` folded one bit away from what the kernels computed. Issue 14:
 * max, min, pow and clip (a composite: min(max(a, lo), hi), folded as it lowers), and the
 * derivative of max/min at a tie (the first argument's). Session 49: acos, asin, atan, erf
 * (NaN outside [-1, 1] for acos and asin, in every place alike). Session 51: tan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blo.h"
#include "emit_c/emit_c.h"
#include "ir/ir.h"
#include "rt_scalar.h"
#include "front/sema_int.h"

static const double inputs[] = {0.0,  -0.0, 1e-300, -1e-300, 1e-310, -0.01, 0.01,  0.5,
                                -0.5, 1,    -1,     2.5,     -2.5,   3.7,   -7.25, 40,
                                -40,  700,  710,    -745,    1e300,  -1e300};
enum { N = sizeof inputs / sizeof inputs[0], NVARS = 5 };

typedef struct Unary {
  const char *name; /* builtin, or NULL for the op spelled as an operator (neg, powc ^) */
  IrOp op;
  int builtin; /* BuiltinId, or -1 */
  double p;    /* IR_POWC's exponent */
  double (*ref)(double);
} Unary;

static double ref_neg(double a) { return rt_op_neg(a); }
static double ref_exp(double a) { return rt_op_exp(a); }
static double ref_log(double a) { return rt_op_log(a); }
static double ref_log1p(double a) { return rt_op_log1p(a); }
static double ref_sqrt(double a) { return rt_op_sqrt(a); }
static double ref_sin(double a) { return rt_op_sin(a); }
static double ref_cos(double a) { return rt_op_cos(a); }
static double ref_tan(double a) { return rt_op_tan(a); }
static double ref_tanh(double a) { return rt_op_tanh(a); }
static double ref_acos(double a) { return rt_op_acos(a); }
static double ref_asin(double a) { return rt_op_asin(a); }
static double ref_atan(double a) { return rt_op_atan(a); }
static double ref_erf(double a) { return rt_op_erf(a); }
static double ref_sigmoid(double a) { return rt_op_sigmoid(a); }
static double ref_softplus(double a) { return rt_op_softplus(a); }
static double ref_log_sigmoid(double a) { return rt_op_log_sigmoid(a); }
static double ref_abs(double a) { return rt_op_abs(a); }
static double ref_relu(double a) { return rt_op_relu(a); }
static double ref_floor(double a) { return rt_op_floor(a); }
static double ref_round(double a) { return rt_op_round(a); }

static const Unary unary[] = {
    {NULL, IR_NEG, -1, 0, ref_neg},
    {"exp", IR_EXP, BI_EXP, 0, ref_exp},
    {"log", IR_LOG, BI_LOG, 0, ref_log},
    {"log1p", IR_LOG1P, BI_LOG1P, 0, ref_log1p},
    {"sqrt", IR_SQRT, BI_SQRT, 0, ref_sqrt},
    {"sin", IR_SIN, BI_SIN, 0, ref_sin},
    {"cos", IR_COS, BI_COS, 0, ref_cos},
    {"tan", IR_TAN, BI_TAN, 0, ref_tan},
    {"tanh", IR_TANH, BI_TANH, 0, ref_tanh},
    {"acos", IR_ACOS, BI_ACOS, 0, ref_acos},
    {"asin", IR_ASIN, BI_ASIN, 0, ref_asin},
    {"atan", IR_ATAN, BI_ATAN, 0, ref_atan},
    {"erf", IR_ERF, BI_ERF, 0, ref_erf},
    {"sigmoid", IR_SIGMOID, BI_SIGMOID, 0, ref_sigmoid},
    {"softplus", IR_SOFTPLUS, BI_SOFTPLUS, 0, ref_softplus},
    {"log_sigmoid", IR_LOG_SIGMOID, BI_LOG_SIGMOID, 0, ref_log_sigmoid},
    {"abs", IR_ABS, BI_ABS, 0, ref_abs},
    {"relu", IR_RELU, BI_RELU, 0, ref_relu},
    {"floor", IR_FLOOR, BI_FLOOR, 0, ref_floor},
    {"round", IR_ROUND, BI_ROUND, 0, ref_round},
    {NULL, IR_POWC, -1, 2, NULL},
    {NULL, IR_POWC, -1, 3, NULL},
    {NULL, IR_POWC, -1, 0.5, NULL},
    {NULL, IR_POWC, -1, -1, NULL},
    {NULL, IR_POWC, -1, 1.5, NULL},
    {NULL, IR_POWC, -1, -2.5, NULL},
    {"pow", IR_POWC, BI_POW, 3, NULL},
    {"pow", IR_POWC, BI_POW, 0.5, NULL},
    {"pow", IR_POWC, BI_POW, -1.5, NULL},
};
enum { NU = sizeof unary / sizeof unary[0] };

typedef struct Binary {
  const char *spell; /* "+" ..., or "mod" */
  IrOp op;
  int sema_op; /* AST operator, or -1 (a builtin) */
  int builtin; /* BuiltinId when sema_op is -1 */
} Binary;

static const Binary binary[] = {
    {"+", IR_ADD, OP_ADD, -1}, {"-", IR_SUB, OP_SUB, -1},
    {"*", IR_MUL, OP_MUL, -1}, {"/", IR_DIV, OP_DIV, -1},
    {"mod", IR_MOD, -1, BI_MOD}, {"max", IR_MAX, -1, BI_MAX}, {"min", IR_MIN, -1, BI_MIN},
    {"<", IR_LT, OP_LT, -1},   {"<=", IR_LE, OP_LE, -1},  {">", IR_GT, OP_GT, -1},
    {">=", IR_GE, OP_GE, -1},  {"==", IR_EQ, OP_EQ, -1},  {"!=", IR_NE, OP_NE, -1},
};
enum { NB = sizeof binary / sizeof binary[0], NPAIRS = 4 * N };

/* clip(a, lo, hi) on every input, with constant bounds: a proper box, a point (lo = hi, so
 * max and min both tie at 0 and at -0), and bounds at the ends of the range. */
static const double clips[][2] = {{-0.5, 2.5}, {0, 0}, {1e-300, 1e300}, {-40, -40}};
enum { NC = sizeof clips / sizeof clips[0] };

static double clip_ref(double a, int c) {
  return rt_op_min(rt_op_max(a, clips[c][0]), clips[c][1]);
}

/* The pairs of inputs every binary op sees: each input with itself, with a scrambled one and
 * with its two neighbours in the list (so 0 meets -0 both ways: max and min at a signed tie). */
static void pair(int k, int *i, int *j) {
  *i = k % N;
  *j = k < N ? k : k < 2 * N ? (k * 7 + 3) % N : k < 3 * N ? (*i + 1) % N : (*i + N - 1) % N;
}

static double unary_ref(const Unary *u, double a) {
  return u->ref ? u->ref(a) : rt_op_powc(a, u->p);
}

static double binary_ref(IrOp op, double a, double b) {
  switch (op) {
  case IR_ADD:
    return rt_op_add(a, b);
  case IR_SUB:
    return rt_op_sub(a, b);
  case IR_MUL:
    return rt_op_mul(a, b);
  case IR_DIV:
    return rt_op_div(a, b);
  case IR_MOD:
    return rt_op_mod(a, b);
  case IR_MAX:
    return rt_op_max(a, b);
  case IR_MIN:
    return rt_op_min(a, b);
  case IR_LT:
    return rt_op_lt(a, b);
  case IR_LE:
    return rt_op_le(a, b);
  case IR_GT:
    return rt_op_gt(a, b);
  case IR_GE:
    return rt_op_ge(a, b);
  case IR_EQ:
    return rt_op_eq(a, b);
  case IR_NE:
    return rt_op_ne(a, b);
  default:
    fail_msg("not a binary op");
    return NAN;
  }
}

/* Same bits, or both NaN (the sign and payload of a NaN are not part of the semantics). */
static bool same(double a, double b) {
  if (isnan(a) && isnan(b)) return true;
  return memcmp(&a, &b, sizeof a) == 0;
}

static int mismatches;

static void expect_same(const char *where, const char *what, double got, double want) {
  if (same(got, want)) return;
  if (mismatches++ < 20)
    fprintf(stderr, "%s: %s = %a (%.17g), rt_scalar.h gives %a (%.17g)\n", where, what, got, got,
            want, want);
}

static void spell_unary(char *buf, size_t n, const Unary *u, const char *arg) {
  if (u->name && u->op == IR_POWC)
    snprintf(buf, n, "pow(%s, %.17g)", arg, u->p);
  else if (u->name)
    snprintf(buf, n, "%s(%s)", u->name, arg);
  else if (u->op == IR_NEG)
    snprintf(buf, n, "-(%s)", arg);
  else
    snprintf(buf, n, "(%s) ^ %.17g", arg, u->p);
}

static void spell_binary(char *buf, size_t n, const Binary *b, const char *x, const char *y) {
  if (b->sema_op < 0)
    snprintf(buf, n, "%s(%s, %s)", b->spell, x, y);
  else
    snprintf(buf, n, "(%s) %s (%s)", x, b->spell, y);
}

static void spell_clip(char *buf, size_t n, int c, const char *arg) {
  int len = snprintf(buf, n, "clip(%s, %.17g, %.17g)", arg, clips[c][0], clips[c][1]);
  assert_true(len > 0 && (size_t)len < n);
}

/* The program: y holds the inputs; for every op and input, `report r... = op(y[i])` (a kernel
 * computes it) and `report k... = c...` with `const c... = op(literal)` (sema folds it; 0 where
 * the value is not finite, which a const may not be); z1 .. z4
 * hold the inputs again so that grad_y g = [y, sign(z1), step(z2), d max(z3, 0.5),
 * d min(0.5, z4)] exercises sign, step and the tie rule of max and min (at the input 0.5).
 * Reports are in the order unary (op, input), binary (op, pair), clip (bounds, input), r
 * before k. */
static void write_program(const char *path) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  char lit[N][40], e[256], y[2][32];
  for (int i = 0; i < N; i++)
    snprintf(lit[i], sizeof lit[i], "%.17g", inputs[i]);
  fprintf(f, "upper x : scalar = 0\n");
  const char *vars[] = {"y", "z1", "z2", "z3", "z4"};
  for (int v = 0; v < NVARS; v++) {
    fprintf(f, "lower %s : vector[%d] = [", vars[v], N);
    for (int i = 0; i < N; i++)
      fprintf(f, "%s%s", i ? ", " : "", lit[i]);
    fprintf(f, "]\n");
  }
  fprintf(f, "upper objective f = sumsq(y) + x ^ 2\n");
  fprintf(f, "lower objective g = 0.5 * sumsq(y - x) + sum(abs(z1)) + sum(relu(z2))"
             " + sum(max(z3, 0.5)) + sum(min(0.5, z4))\n");
  for (int u = 0; u < NU; u++)
    for (int i = 0; i < N; i++) {
      snprintf(y[0], sizeof y[0], "y[%d]", i);
      spell_unary(e, sizeof e, &unary[u], lit[i]);
      if (isfinite(unary_ref(&unary[u], inputs[i])))
        fprintf(f, "const cu%d_%d = %s\n", u, i, e);
      else
        fprintf(f, "const cu%d_%d = 0\n", u, i); /* a const must be finite */
      spell_unary(e, sizeof e, &unary[u], y[0]);
      fprintf(f, "report ru%d_%d = %s\nreport ku%d_%d = cu%d_%d\n", u, i, e, u, i, u, i);
    }
  for (int b = 0; b < NB; b++)
    for (int k = 0; k < NPAIRS; k++) {
      int i, j;
      pair(k, &i, &j);
      spell_binary(e, sizeof e, &binary[b], lit[i], lit[j]);
      if (isfinite(binary_ref(binary[b].op, inputs[i], inputs[j])))
        fprintf(f, "const cb%d_%d = %s\n", b, k, e);
      else
        fprintf(f, "const cb%d_%d = 0\n", b, k);
      snprintf(y[0], sizeof y[0], "y[%d]", i);
      snprintf(y[1], sizeof y[1], "y[%d]", j);
      spell_binary(e, sizeof e, &binary[b], y[0], y[1]);
      fprintf(f, "report rb%d_%d = %s\nreport kb%d_%d = cb%d_%d\n", b, k, e, b, k, b, k);
    }
  for (int c = 0; c < NC; c++)
    for (int i = 0; i < N; i++) {
      spell_clip(e, sizeof e, c, lit[i]);
      fprintf(f, "const cc%d_%d = %s\n", c, i, e); /* clip of a finite input is finite */
      snprintf(y[0], sizeof y[0], "y[%d]", i);
      spell_clip(e, sizeof e, c, y[0]);
      fprintf(f, "report rc%d_%d = %s\nreport kc%d_%d = cc%d_%d\n", c, i, e, c, i, c, i);
    }
  fprintf(f, "solve aid_cg(outer_steps = 0)\n");
  assert_int_equal(fclose(f), 0);
}

/* IR constants have one zero (ir_const: -0 becomes +0, so that zeros are recognised), so a
 * folded -0 reaches the kernels as +0; every other folded value keeps its bits. */
static double one_zero(double v) { return v == 0 ? 0.0 : v; }

/* Every report against rt_scalar.h: r (the kernel) and k (sema's folded constant). */
static void check_reports(const char *where, const double *rep) {
  char what[112];
  int at = 0;
  for (int u = 0; u < NU; u++)
    for (int i = 0; i < N; i++, at += 2) {
      double want = unary_ref(&unary[u], inputs[i]);
      spell_unary(what, sizeof what, &unary[u], "y");
      snprintf(what + strlen(what), sizeof what - strlen(what), " at %.17g", inputs[i]);
      expect_same(where, what, rep[at], want);
      char folded[128];
      snprintf(folded, sizeof folded, "folded %s", what);
      if (isfinite(want)) expect_same(where, folded, rep[at + 1], one_zero(want));
    }
  for (int b = 0; b < NB; b++)
    for (int k = 0; k < NPAIRS; k++, at += 2) {
      int i, j;
      pair(k, &i, &j);
      double want = binary_ref(binary[b].op, inputs[i], inputs[j]);
      snprintf(what, sizeof what, "%.17g %s %.17g", inputs[i], binary[b].spell, inputs[j]);
      expect_same(where, what, rep[at], want);
      char folded[128];
      snprintf(folded, sizeof folded, "folded %s", what);
      if (isfinite(want)) expect_same(where, folded, rep[at + 1], one_zero(want));
    }
  for (int c = 0; c < NC; c++)
    for (int i = 0; i < N; i++, at += 2) {
      double want = clip_ref(inputs[i], c);
      spell_clip(what, sizeof what, c, "y");
      snprintf(what + strlen(what), sizeof what - strlen(what), " at %.17g", inputs[i]);
      expect_same(where, what, rep[at], want);
      char folded[128];
      snprintf(folded, sizeof folded, "folded %s", what);
      expect_same(where, folded, rep[at + 1], one_zero(want));
    }
}

static char dir[64];
static FILE *devnull;

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof dir, "/tmp/test_scalar_ops.XXXXXX");
  devnull = fopen("/dev/null", "w");
  return mkdtemp(dir) && devnull ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  fclose(devnull);
  return system(cmd) == 0 ? 0 : -1;
}

/* The folders and the reference definition, op by op (no program involved). */
static void test_folders(void **state) {
  (void)state;
  mismatches = 0;
  for (int u = 0; u < NU; u++)
    for (int i = 0; i < N; i++) {
      double want = unary_ref(&unary[u], inputs[i]), got;
      expect_same("ir_fold_unary", ir_ops[unary[u].op].name,
                  ir_fold_unary(unary[u].op, inputs[i], unary[u].p), want);
      double args[2] = {inputs[i], unary[u].p};
      if (unary[u].builtin >= 0 &&
          sema_fold_builtin((BuiltinId)unary[u].builtin, args, unary[u].op == IR_POWC ? 2 : 1,
                            &got))
        expect_same("sema_fold_builtin", unary[u].name, got, want);
    }
  for (int i = 0; i < N; i++) {
    expect_same("ir_fold_unary", "sign", ir_fold_unary(IR_SIGN, inputs[i], 0),
                rt_op_sign(inputs[i]));
    expect_same("ir_fold_unary", "step", ir_fold_unary(IR_STEP, inputs[i], 0),
                rt_op_step(inputs[i]));
    for (int j = 0; j < N; j++)
      for (int b = 0; b < NB; b++) {
        double want = binary_ref(binary[b].op, inputs[i], inputs[j]), got;
        expect_same("ir_fold_binary", binary[b].spell,
                    ir_fold_binary(binary[b].op, inputs[i], inputs[j]), want);
        double args[2] = {inputs[i], inputs[j]};
        if (binary[b].sema_op >= 0)
          got = sema_fold_binary(binary[b].sema_op, inputs[i], inputs[j]);
        else
          assert_true(sema_fold_builtin((BuiltinId)binary[b].builtin, args, 2, &got));
        expect_same("sema fold", binary[b].spell, got, want);
      }
    for (int c = 0; c < NC; c++) {
      double args[3] = {inputs[i], clips[c][0], clips[c][1]}, got;
      assert_true(sema_fold_builtin(BI_CLIP, args, 3, &got));
      expect_same("sema_fold_builtin", "clip", got, clip_ref(inputs[i], c));
    }
  }
  assert_int_equal(mismatches, 0);
}

/* The program on one backend: its reports, and sign/step through grad_y g. */
static void check_backend(BloBackend backend, const char *where) {
  char path[128];
  snprintf(path, sizeof path, "%s/ops.blo", dir);
  write_program(path);
  BloCompileOptions opt = {0};
  opt.backend = backend;
  opt.diag_out = devnull; /* the program's abs and relu warnings */
  BloCompiled *c = NULL;
  int rc = blo_compile_file(path, &opt, &c);
  assert_int_equal(rc, 0);
  const BloProblem *p = blo_problem(c);
  assert_int_equal(p->n_reports, 2 * (NU * N + NB * NPAIRS + NC * N));
  /* the kernels run at the exact inputs: the literal -0 of the initialiser is a +0 constant */
  assert_int_equal(p->ny, NVARS * N);
  double yin[NVARS * N];
  for (int i = 0; i < NVARS * N; i++)
    yin[i] = inputs[i % N];
  double *work = calloc((size_t)p->work_size + 1, sizeof(double));
  double *rep = calloc((size_t)p->n_reports, sizeof(double));
  double *gy = calloc((size_t)p->ny, sizeof(double)), gval;
  BloEnv env = {p->data, NULL, work, p->backend};
  double *outs[2] = {rep, NULL};
  p->kernels[BLO_K_REPORTS](&env, p->x0, yin, NULL, outs);
  mismatches = 0;
  check_reports(where, rep);
  outs[0] = &gval;
  outs[1] = gy;
  p->kernels[BLO_K_GRAD_Y_G](&env, p->x0, yin, NULL, outs);
  for (int i = 0; i < N; i++) {
    expect_same(where, "sign (d abs)", gy[N + i], rt_op_sign(inputs[i]));
    expect_same(where, "step (d relu)", gy[2 * N + i], rt_op_step(inputs[i]));
    /* ties go to the first argument: d max(z, 0.5) = 1 at z = 0.5, d min(0.5, z) = 0 there */
    expect_same(where, "d max(z, 0.5)", gy[3 * N + i], inputs[i] >= 0.5 ? 1 : 0);
    expect_same(where, "d min(0.5, z)", gy[4 * N + i], 0.5 <= inputs[i] ? 0 : 1);
  }
  free(work);
  free(rep);
  free(gy);
  blo_compiled_free(c);
  assert_int_equal(mismatches, 0);
}

static void test_evaluator(void **state) {
  (void)state;
  check_backend(BLO_BACKEND_INTERP, "evaluator");
}

static void test_jit(void **state) {
  (void)state;
  check_backend(BLO_BACKEND_JIT, "JIT");
}

/* The emitted solver, with a small main that prints the reports at the start in hex. The trace
 * point reports at the method's next lower iterate, so inner_steps = 0 keeps y at the inputs.
 * y_step is given: abs and relu leave the lower Hessian singular, so y_step = auto would refuse
 * to start. Built at -O0 (3 s, where -O1 took 8): without -mfma gcc contracts nothing on
 * x86-64, so the bits are those of -O1. With clang ($CLANG, configure's) when there is one: it
 * builds the 0.4 MB solver at -O0 in a third of gcc's time, and contracts nothing either
 * without -mfma (the inputs are read at run time, so no compiler folds the ops). */
static void test_emitted_c(void **state) {
  (void)state;
  char path[128], solver[128], driver[128], bin[128], out[128], cmd[1024];
  snprintf(path, sizeof path, "%s/ops.blo", dir);
  snprintf(solver, sizeof solver, "%s/ops.c", dir);
  snprintf(driver, sizeof driver, "%s/driver.c", dir);
  snprintf(bin, sizeof bin, "%s/driver", dir);
  snprintf(out, sizeof out, "%s/reports.txt", dir);
  const char *cc = getenv("CLANG");
  if (cc && *cc) {
    snprintf(cmd, sizeof cmd, "%s --version >/dev/null 2>&1", cc);
    if (system(cmd) != 0) cc = NULL;
  }
  if (!cc || !*cc) cc = getenv("CC");
  if (!cc || !*cc) cc = "cc";
  snprintf(cmd, sizeof cmd, "%s --version >/dev/null 2>&1", cc);
  if (system(cmd) != 0) skip();
  write_program(path);
  BloCompileOptions opt = {0};
  opt.backend = BLO_BACKEND_INTERP;
  opt.diag_out = devnull;
  BloCompiled *c = NULL;
  assert_int_equal(blo_compile_file(path, &opt, &c), 0);
  RtOptions ro;
  rt_options_init(&ro, rt_method_find("aid_cg"));
  EmitCOptions eo = {0};
  eo.prefix = "ops";
  eo.opt = &ro;
  FILE *f = fopen(solver, "w");
  assert_non_null(f);
  char err[512];
  assert_int_equal(emit_c(c, &eo, f, err, sizeof err), 0);
  assert_int_equal(fclose(f), 0);
  int nrep = blo_problem(c)->n_reports;
  blo_compiled_free(c);
  f = fopen(driver, "w");
  assert_non_null(f);
  fprintf(f, "#define ops_NO_MAIN\n#include \"ops.c\"\n"
             "static const double inputs[] = {");
  for (int i = 0; i < NVARS * N; i++)
    fprintf(f, "%s%a", i ? ", " : "", inputs[i % N]);
  fprintf(
      f, "};\n"
         "int main(void) {\n"
         "  static const char *set[] = {\"outer_steps=0\", \"inner_steps=0\", \"y_step=1\"};\n"
         "  static const char *step[] = {\"outer_steps=0\", \"inner_steps=1\", \"y_step=1\"};\n"
         "  char err[256];\n  ops_data d;\n  ops_params p;\n  ops_result r;\n  size_t bytes;\n"
         "  double x[ops_NX], y[ops_NY];\n  int i;\n"
         "  if (ops_data_load(&d, 1, err, sizeof err)) return 3;\n"
         "  ops_params_init(&p);\n  p.data = &d;\n  p.set = set;\n  p.nset = 3;\n  p.y0 = inputs;\n"
         "  if (ops_work_size(&p, &bytes, err, sizeof err)) return 4;\n"
         "  void *work = malloc(bytes);\n"
         "  if (ops_solve(&p, work, bytes, x, y, &r) != 0) return 5;\n"
         "  for (i = 0; i < ops_N_REPORTS; i++) printf(\"%%a\\n\", r.reports[i]);\n"
         /* one lower step of size 1 from the inputs: y - grad_y g, the derivatives */
         "  p.set = step;\n"
         "  if (ops_solve(&p, work, bytes, x, y, &r) != 0) return 6;\n"
         "  for (i = 0; i < ops_NY; i++) printf(\"%%a\\n\", y[i]);\n"
         "  free(work);\n  ops_data_free(&d);\n  return 0;\n}\n");
  assert_int_equal(fclose(f), 0);
  snprintf(cmd, sizeof cmd, "%s -std=c99 -O0 -w -I'%s' '%s' -o '%s' -lm && '%s' > '%s'", cc, dir,
           driver, bin, bin, out);
  assert_int_equal(system(cmd), 0);
  f = fopen(out, "r");
  assert_non_null(f);
  double *rep = calloc((size_t)nrep, sizeof(double));
  for (int i = 0; i < nrep; i++) {
    char line[64];
    assert_non_null(fgets(line, sizeof line, f));
    rep[i] = strtod(line, NULL); /* C99 reads %a back exactly; "nan", "-inf" too */
  }
  /* y after one lower step of size 1: input - derivative, block by block (z1: sign, z2: step,
   * z3: d max(z, 0.5), z4: d min(0.5, z)), as check_backend reads them from grad_y g */
  double ystep[NVARS * N];
  for (int i = 0; i < NVARS * N; i++) {
    char line[64];
    assert_non_null(fgets(line, sizeof line, f));
    ystep[i] = strtod(line, NULL);
  }
  fclose(f);
  mismatches = 0;
  check_reports("emitted C", rep);
  for (int i = 0; i < N; i++) {
    double in = inputs[i];
    expect_same("emitted C", "y - sign (d abs)", ystep[N + i], in - rt_op_sign(in));
    expect_same("emitted C", "y - step (d relu)", ystep[2 * N + i], in - rt_op_step(in));
    expect_same("emitted C", "y - d max(z, 0.5)", ystep[3 * N + i], in - (in >= 0.5 ? 1 : 0));
    expect_same("emitted C", "y - d min(0.5, z)", ystep[4 * N + i], in - (0.5 <= in ? 0 : 1));
  }
  free(rep);
  assert_int_equal(mismatches, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_folders),
      cmocka_unit_test(test_evaluator),
      cmocka_unit_test(test_jit),
      cmocka_unit_test(test_emitted_c),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
