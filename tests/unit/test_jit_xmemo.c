/* test_jit_xmemo.c — x-memo slots (SchedOptions.xmemo, SchedXMemo in
 * compiler/plan/schedule.h): a costly value of x and the data alone (the kernel matrix
 * exp(-exp(x0) D) of kernel ridge regression) is computed once per x into a slot of the work
 * buffer, and every kernel called at that x reads it there. Checked on a kernel ridge problem:
 * the lower kernels share one slot, and K' v folds into K v (D is symmetric data, so K is);
 * the cross-kernel of f, too cheap to be worth a slot, and a problem whose x-only part is a
 * mere scaling get none, nor do the examples whose loops are tuned (hyper-cleaning); a
 * sequence of calls as a method makes them (the same x several times, another x, the first x
 * again, x one ulp away, a work buffer that starts as NaN) gives the evaluator's values to
 * 1e-12 and, at one x, the same bits whether the slot was filled by this call or an earlier
 * one, by this kernel or another; a hit really reads the slot (a poisoned value shows), a
 * changed x in the header misses it; BLOC_XMEMO=0 plans none; values in chains of products
 * that BLAS writes are read from their slots, not folded (pass vA's crash). */
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

#include "compiled.h"
#include "llvm/jit.h"

enum { N = 200, M = 50 };

static const char *krr_text =
    "problem krr\n"
    "const n = 200\n"
    "const m = 50\n"
    "const d = 4\n"
    "data Xtr : matrix[n, d] = normal(0, 1)\n"
    "data ttr : vector[n] = normal(0, 1)\n"
    "data Xva : matrix[m, d] = normal(0, 1)\n"
    "data tva : vector[m] = normal(0, 1)\n"
    "data str = sum_rows(Xtr * Xtr)\n"
    "data sva = sum_rows(Xva * Xva)\n"
    "data D = outer(str, ones(n)) + outer(ones(n), str) - 2 * Xtr @ Xtr'\n"
    "data Dv = outer(sva, ones(n)) + outer(ones(m), str) - 2 * Xva @ Xtr'\n"
    "upper x : vector[2] = [-2, -1]\n"
    "lower y : vector[n] = 0\n"
    "fn K(D, x) = exp(-exp(x[0]) * D)\n"
    "upper objective f = 0.5 * mean((K(Dv, x) @ y - tva) ^ 2)\n"
    "lower objective g = 0.5 * dot(y, K(D, x) @ y) + 0.5 * exp(x[1]) * sumsq(y) - dot(y, ttr)\n"
    "solve aid_cg\n";

/* the x-only part is exp(x0) times data: one multiplication an element, not worth a slot */
static const char *scaled_text =
    "problem scaled\n"
    "const n = 300\n"
    "data A : matrix[n, n] = normal(0, 1)\n"
    "data b : vector[n] = normal(0, 1)\n"
    "upper x : vector[1] = [0]\n"
    "lower y : vector[n] = 0\n"
    "upper objective f = 0.5 * sumsq(y - b)\n"
    "lower objective g = 0.5 * sumsq(y) + 0.5 * sumsq((exp(x[0]) * A) @ y) - dot(y, b)\n"
    "solve aid_cg\n";

/* hyper-cleaning's shape: one weight sigmoid(lam_i) per sample; sigmoid of 5000 weights
 * costs too little to be worth a slot (and its loops were tuned without one) */
static const char *weights_text =
    "problem weights\n"
    "const m = 5000\n"
    "data A : matrix[m, 20] = normal(0, 1)\n"
    "data b : vector[m] = normal(0, 1)\n"
    "upper lam : vector[m] = 0\n"
    "lower w : vector[20] = 0\n"
    "upper objective f = 0.5 * sumsq(w - 1)\n"
    "lower objective g = 0.5 * sum(sigmoid(lam) * (A @ w - b) ^ 2) + 0.5 * sumsq(w)\n"
    "solve aid_cg\n";

/* x-memo values inside chains of products the planner folds into BLAS (pass vA): the lower
 * start 0.01 * (K @ t) (a scaled product whose value is a slot's) and an outer product of K's
 * row sums beside a matrix product in one sum; the planner folded them as products of
 * operands it never computed (an assertion in mem_view, exit 134) */
static const char *chains_text =
    "problem chains\n"
    "const n = 200\n"
    "data Z : matrix[n, 3] = normal(0, 1)\n"
    "data D = outer(sum_rows(Z * Z), ones(n)) + outer(ones(n), sum_rows(Z * Z)) - 2 * (Z @ Z')\n"
    "data t : vector[n] = normal(0, 1)\n"
    "data B : matrix[n, n] = normal(0, 0.01)\n"
    "upper s : scalar = -1\n"
    "lower a : vector[n] = 0.01 * (exp(-exp(s) * D) @ t)\n"
    "upper objective f = 0.5 * sumsq(a - t)\n"
    "lower objective g = 0.5 * sumsq(a) - dot(a, t)"
    " + 1e-4 * sum((outer(exp(-exp(s) * D) @ t, t) + B @ outer(a, t)) ^ 2)\n"
    "solve itd(outer_steps = 5, x_step = 0.01, inner_lr = 0.5, r = 5)\n";

static BloCompiled *compile_text(const char *text, BloBackend backend, bool xmemo) {
  char path[] = "/tmp/bloc-xmemo-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
  close(fd);
  if (xmemo) unsetenv("BLOC_XMEMO");
  else setenv("BLOC_XMEMO", "0", 1);
  BloCompileOptions opt = {0};
  opt.backend = backend;
  opt.all_kernels = true;
  BloCompiled *c = NULL;
  int rc = blo_compile_file(path, &opt, &c);
  unsetenv("BLOC_XMEMO");
  unlink(path);
  if (rc) fail_msg("%s does not compile", text);
  return c;
}

/* The number of plan steps of k (regions included) that read x-memo slot j. */
static int reads_of(const SchedStep *st, int n, int j) {
  int count = 0;
  for (int i = 0; i < n; i++) {
    const SchedBlas *b = &st[i].blas;
    bool reads = (b->a.base == SB_XMEMO && b->a.index == j) ||
                 (b->b.base == SB_XMEMO && b->b.index == j);
    count += reads;
    if (st[i].kind == SS_PAR_ROWS) count += reads_of(st[i].body, st[i].nbody, j);
  }
  return count;
}

/* Plans: grad_y_g, hvp_yy, hvp_xy and the fused kernels bring one slot (K, N x N) up to date
 * and read it; hvp_yy reads it in one product (K' v folded into K v); grad_f has none (K of
 * Dv is M x N, under SCHED_XMEMO_MIN_COST); BLOC_XMEMO=0 plans none. */
static void test_plan(void **state) {
  (void)state;
  BloCompiled *on = compile_text(krr_text, BLO_BACKEND_JIT, true);
  BloCompiled *off = compile_text(krr_text, BLO_BACKEND_JIT, false);
  int n = 0, n_off = 0;
  const SchedXMemo *xm = jit_xmemo(on->jit, &n);
  jit_xmemo(off->jit, &n_off);
  assert_int_equal(n, 1);
  assert_int_equal(n_off, 0);
  assert_int_equal(xm[0].size, N * N);
  assert_int_equal(xm[0].nx, 2);
  assert_true(xm[0].at >= xm[0].hdr + 1 + 2);
  assert_true(xm[0].at + xm[0].size <= jit_work_size(on->jit));
  assert_true(xm[0].hdr >= xm[0].stage.work_size);
  static const BloKernelId with[] = {BLO_K_GRAD_Y_G, BLO_K_HVP_YY, BLO_K_HVP_XY,
                                     BLO_K_GRAD_Y_G_HVP_YY, BLO_K_HVP_BOTH};
  for (size_t i = 0; i < sizeof with / sizeof with[0]; i++) {
    const SchedKernel *k = jit_plan(on->jit, with[i]);
    assert_non_null(k);
    assert_int_equal(k->nxmemo, 1);
    assert_int_equal(k->xmemo[0], 0);
    assert_true(xm[0].hdr >= k->work_size - (xm[0].at + xm[0].size - xm[0].hdr) ||
                k->work_size == xm[0].at + xm[0].size);
    assert_int_equal(jit_plan(off->jit, with[i])->nxmemo, 0);
  }
  const SchedKernel *h = jit_plan(on->jit, BLO_K_HVP_YY);
  assert_int_equal(reads_of(h->steps, h->nsteps, 0), 1);
  assert_int_equal(jit_plan(on->jit, BLO_K_GRAD_F)->nxmemo, 0);
  blo_compiled_free(on);
  blo_compiled_free(off);
}

/* Too cheap an x-only part (a scaling; hyper-cleaning's sigmoid of its weights): no slot. */
static void test_not_worth(void **state) {
  (void)state;
  BloCompiled *c = compile_text(scaled_text, BLO_BACKEND_JIT, true);
  int n = -1;
  jit_xmemo(c->jit, &n);
  assert_int_equal(n, 0);
  blo_compiled_free(c);
  c = compile_text(weights_text, BLO_BACKEND_JIT, true);
  jit_xmemo(c->jit, &n);
  assert_int_equal(n, 0);
  blo_compiled_free(c);
}

typedef struct Outs {
  double *o[4];
} Outs;

static Outs outs_new(void) {
  Outs o;
  for (int s = 0; s < 4; s++) o.o[s] = calloc(2 * N + 8, sizeof(double));
  return o;
}

static void outs_free(Outs *o) {
  for (int s = 0; s < 4; s++) free(o->o[s]);
}

static void call(const BloProblem *p, BloEnv *env, BloKernelId id, const double *x,
                 const double *y, const double *v, Outs *o) {
  for (int s = 0; s < 4; s++)
    for (int i = 0; i < 2 * N + 8; i++) o->o[s][i] = NAN;
  p->kernels[id](env, x, y, v, o->o);
}

static void same_bits(const Outs *a, const Outs *b, int slot, int64_t n, const char *what) {
  if (memcmp(a->o[slot], b->o[slot], (size_t)n * sizeof(double)))
    fail_msg("%s: out[%d] differs in its bits", what, slot);
}

static void near(const Outs *a, const Outs *ref, int slot, int64_t n, const char *what) {
  double scale = 0;
  for (int64_t i = 0; i < n; i++) scale = fmax(scale, fabs(ref->o[slot][i]));
  for (int64_t i = 0; i < n; i++)
    if (!(fabs(a->o[slot][i] - ref->o[slot][i]) <= 1e-12 * fmax(fabs(ref->o[slot][i]), scale)))
      fail_msg("%s: out[%d][%lld] = %.17g, evaluator %.17g", what, slot, (long long)i,
               a->o[slot][i], ref->o[slot][i]);
}

/* The calls of a method at x1 (gradient, then products), at x2, at x1 again, at x1 one ulp
 * away: each the evaluator's value; at one x the same bits whichever call filled the slot. */
static void test_calls(void **state) {
  (void)state;
  BloCompiled *cj = compile_text(krr_text, BLO_BACKEND_JIT, true);
  BloCompiled *ci = compile_text(krr_text, BLO_BACKEND_INTERP, true);
  const BloProblem *pj = &cj->problem, *pi = &ci->problem;
  int64_t ws = jit_work_size(cj->jit);
  double *work = malloc((size_t)ws * sizeof(double));
  for (int64_t i = 0; i < ws; i++) work[i] = NAN;
  BloEnv ej = {pj->data, NULL, work, pj->backend}, ei = {pi->data, NULL, NULL, pi->backend};
  double x1[2] = {-2.1, -0.9}, x2[2] = {-1.5, -1.2}, x1u[2] = {-2.1, -0.9};
  x1u[0] = nextafter(x1u[0], 0);
  double y[N], v[N];
  for (int i = 0; i < N; i++) {
    y[i] = sin(0.37 * i);
    v[i] = cos(0.11 * i + 1);
  }
  Outs a = outs_new(), b = outs_new(), r = outs_new();
  const double *xs[] = {x1, x1, x2, x1, x1u};
  Outs first_hvp[5];
  for (int t = 0; t < 5; t++) {
    first_hvp[t] = outs_new();
    call(pj, &ej, BLO_K_GRAD_Y_G, xs[t], y, NULL, &a);
    call(pi, &ei, BLO_K_GRAD_Y_G, xs[t], y, NULL, &r);
    near(&a, &r, 0, 1, "g");
    near(&a, &r, 1, N, "grad_y g");
    call(pj, &ej, BLO_K_HVP_YY, xs[t], y, v, &first_hvp[t]);
    call(pi, &ei, BLO_K_HVP_YY, xs[t], y, v, &r);
    near(&first_hvp[t], &r, 0, N, "hvp_yy");
    call(pj, &ej, BLO_K_HVP_XY, xs[t], y, v, &b);
    call(pi, &ei, BLO_K_HVP_XY, xs[t], y, v, &r);
    near(&b, &r, 0, 2, "hvp_xy");
    call(pj, &ej, BLO_K_HVP_YY, xs[t], y, v, &b); /* a hit */
    same_bits(&b, &first_hvp[t], 0, N, "hvp_yy at the same x");
  }
  same_bits(&first_hvp[0], &first_hvp[3], 0, N, "hvp_yy at x1 after x2");
  /* hvp_yy filling the slot itself (no gradient before it) gives the same bits */
  call(pj, &ej, BLO_K_HVP_YY, x2, y, v, &b);
  same_bits(&b, &first_hvp[2], 0, N, "hvp_yy at x2, filling the slot");
  /* a hit reads the slot: poisoning the value shows; a changed x in the header misses */
  int n = 0;
  const SchedXMemo *xm = jit_xmemo(cj->jit, &n);
  assert_int_equal(n, 1);
  double saved = work[xm[0].at + 3];
  work[xm[0].at + 3] = 1e6;
  call(pj, &ej, BLO_K_HVP_YY, x2, y, v, &b);
  assert_true(fabs(b.o[0][0] - first_hvp[2].o[0][0]) > 1);
  work[xm[0].at + 3] = saved;
  work[xm[0].hdr + 1] += 1;
  call(pj, &ej, BLO_K_HVP_YY, x2, y, v, &b);
  same_bits(&b, &first_hvp[2], 0, N, "hvp_yy after the header's x changed");
  for (int t = 0; t < 5; t++) outs_free(&first_hvp[t]);
  outs_free(&a);
  outs_free(&b);
  outs_free(&r);
  free(work);
  blo_compiled_free(cj);
  blo_compiled_free(ci);
}

/* Every kernel of the chains program against the evaluator at one point (1e-12). */
static void test_chains(void **state) {
  (void)state;
  BloCompiled *cj = compile_text(chains_text, BLO_BACKEND_JIT, true);
  BloCompiled *ci = compile_text(chains_text, BLO_BACKEND_INTERP, true);
  int n = 0;
  jit_xmemo(cj->jit, &n);
  assert_true(n >= 2); /* K @ t in the start, the outer product in g */
  const BloProblem *pj = &cj->problem, *pi = &ci->problem;
  int64_t ws = jit_work_size(cj->jit);
  double *work = malloc((size_t)ws * sizeof(double));
  for (int64_t i = 0; i < ws; i++) work[i] = NAN;
  BloEnv ej = {pj->data, NULL, work, pj->backend}, ei = {pi->data, NULL, NULL, pi->backend};
  double x[1] = {-0.7}, y[N], v[N];
  for (int i = 0; i < N; i++) {
    y[i] = sin(0.37 * i);
    v[i] = cos(0.11 * i + 1);
  }
  Outs a = outs_new(), r = outs_new();
  for (int k = 0; k < BLO_K_COUNT; k++) {
    if (!pj->kernels[k]) continue;
    call(pj, &ej, (BloKernelId)k, x, y, v, &a);
    call(pi, &ei, (BloKernelId)k, x, y, v, &r);
    const IrKernel *kern = &ci->ir->kernels[k];
    for (int sl = 0; sl < kern->nslots; sl++) near(&a, &r, sl, kern->slot_size[sl], kern->name);
  }
  outs_free(&a);
  outs_free(&r);
  free(work);
  blo_compiled_free(cj);
  blo_compiled_free(ci);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_chains),
      cmocka_unit_test(test_plan),
      cmocka_unit_test(test_not_worth),
      cmocka_unit_test(test_calls),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
