/* test_lancbio.c — LancBiO against its specification: with A, b fixed (x_step = 0, y at y*,
 * no inner steps) and no restart, the iterates v_k are exactly conjugate gradients' iterates
 * from the same start; the growing-m schedule (m <- min(ceil(rho m), m_max) every F steps,
 * restart when j == m) matches a direct re-implementation, including ceil(1.1 * 10) = 11; Ritz
 * values lie inside the spectrum of the lower Hessian and approach its ends; a Krylov space
 * exhausted at j = ny breaks down cleanly (restart, no NaN); m_max > ny is capped at ny and
 * converges on random quadratics (issue 11). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rt_linalg.h"
#include "rt_rng.h"
#include "rt_solver.h"
#include "rt_testprob.h"


static double stat(const RtSolver *s, const char *name) {
  for (int i = 0; i < s->nstats; i++)
    if (strcmp(s->stat_names[i], name) == 0) return s->stats[i];
  fail_msg("no statistic %s", name);
  return NAN;
}

enum { NX = 4, NY = 30, STEPS = 14 };

static void test_matches_cg(void **state) {
  (void)state;
  TpSpec sp = tp_default_spec();
  sp.nx = NX;
  sp.ny = NY;
  sp.cond = 50;
  TpProblem *t = tp_new(&sp);
  tp_ystar(t, t->x0, t->y0); /* y already optimal */
  /* y_step set: with inner_steps = 0 it is unused, and auto would add its Lanczos HVPs. */
  RtSolver *s = tp_solver(&t->p, "lancbio",
                          KV("x_step=0", "inner_steps=0", "y_step=0.1", "m0=100", "m_max=100"), 1);
  /* Plain CG on H v = b from v = 0, b = y* - y_t. */
  double b[NY], v[NY] = {0}, r[NY], p[NY], Ap[NY];
  for (int i = 0; i < NY; i++) b[i] = t->y0[i] - t->yt[i];
  rt_copy(NY, b, r);
  rt_copy(NY, b, p);
  double rr = rt_dot(NY, r, r), worst = 0;
  for (int k = 0; k < STEPS; k++) {
    rt_gemv(false, NY, NY, 1, t->H, p, 0, Ap);
    double a = rr / rt_dot(NY, p, Ap);
    rt_axpy(NY, a, p, v);
    rt_axpy(NY, -a, Ap, r);
    double rn = rt_dot(NY, r, r);
    rt_axpby(NY, 1, r, rn / rr, p);
    rr = rn;
    rt_solver_step(s, k); /* LancBiO's step k yields CG's iterate k + 1 */
    double e = tp_rel_err(NY, s->v, v);
    worst = fmax(worst, e);
    assert_true(e < 1e-10);
  }
  print_message(
      "LancBiO v_k vs CG iterates over %d steps: worst relative difference %.2e (tolerance "
      "1e-10)\n",
      STEPS, worst);
  assert_int_equal(stat(s, "restarts"), 1);
  /* one per step + the restart's + the residual watch's (every 10 steps) */
  assert_int_equal(s->o.calls[RT_CALL_HVP], STEPS + 1 + STEPS / 10);
  /* Ritz values of T after 14 Lanczos steps: inside [1, 50]; the largest within 1% of 50, the
   * smallest below the second eigenvalue 1 + 49/29 (the low end converges more slowly). */
  double lo, hi;
  assert_true(s->impl->ritz(s, 1, &lo, &hi));
  print_message("Ritz values after %d steps: [%.6f, %.6f], spectrum [1, 50]\n", STEPS, lo, hi);
  assert_true(lo >= 1 - 1e-9 && hi <= 50 + 1e-9);
  assert_true(lo < 1 + 49.0 / 29 && hi > 49.5);
  rt_solver_free(s);
  tp_free(t);
}

/* The schedule rule, independently: m grows every F steps, a restart happens when the basis
 * holds m vectors (or at the first step). */
static void test_m_schedule(void **state) {
  (void)state;
  TpSpec sp = tp_default_spec();
  sp.nx = NX;
  sp.ny = NY;
  TpProblem *t = tp_new(&sp);
  RtSolver *s = tp_solver(
      &t->p, "lancbio",
      KV("x_step=0.3", "y_step=0.1", "m0=1", "m_growth=1.1", "m_period=20", "m_max=12"), 1);
  int m = 1, j = 0, restarts = 0;
  const int expect_m[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 12}; /* at k = 0, 20, 40, ... */
  for (int k = 0; k < 260; k++) {
    if (k > 0 && k % 20 == 0) {
      double c = ceil(1.1 * m);
      m = c > 12 ? 12 : (int)c;
    }
    if (k == 0 || j == m) {
      restarts++;
      j = 0;
    }
    j++;
    rt_solver_step(s, k);
    if (k % 20 == 0) assert_int_equal(stat(s, "m"), expect_m[k / 20]);
    assert_int_equal(stat(s, "m"), m);
  }
  assert_int_equal(stat(s, "breakdowns"), 0);
  assert_int_equal(stat(s, "restarts"), restarts);
  print_message("m schedule over 260 steps: final m = %d, %d restarts (ceil(1.1*10) = 11)\n", m,
                restarts);
  rt_solver_free(s);
  tp_free(t);
}

/* The m sequence is the authors' m <- min(int(math.ceil(1.1 * m)), m_max) in Python (sequences
 * below printed by python3), rounding of the product included: 1.1 * 170 = 187.00000000000003
 * gives 188 and 1.1 * 50 = 55.00000000000001 gives 56 (an earlier guard gave 187 and 55). */
static void test_m_sequence(void **state) {
  (void)state;
  static const int from1[] = {1,  2,  3,  4,  5,  6,  7,  8,  9,   10,  11,  13,  15,
                              17, 19, 21, 24, 27, 30, 33, 37, 41,  46,  51,  57,  63,
                              70, 77, 85, 94, 104, 115, 127, 140, 154, 170, 188, 200};
  static const int from50[] = {50, 56, 62, 69, 76, 84, 93, 103, 114, 126, 139, 153, 169, 186, 200};
  static const int from170[] = {170, 188, 200};
  const struct { const char *m0; const int *seq; int len; } cases[] = {
      {"m0=1", from1, (int)(sizeof from1 / sizeof *from1)},
      {"m0=50", from50, (int)(sizeof from50 / sizeof *from50)},
      {"m0=170", from170, (int)(sizeof from170 / sizeof *from170)},
  };
  TpSpec sp = tp_default_spec();
  sp.ny = 200; /* m is capped at ny: make room for m_max = 200 */
  TpProblem *t = tp_new(&sp);
  for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
    RtSolver *s = tp_solver(&t->p, "lancbio",
                            KV("x_step=0", "y_step=0.1", "inner_steps=0", cases[c].m0,
                               "m_growth=1.1", "m_period=1", "m_max=200"),
                            1);
    for (int k = 0; k < cases[c].len; k++) {
      rt_solver_step(s, k);
      assert_int_equal(stat(s, "m"), cases[c].seq[k]);
    }
    rt_solver_free(s);
  }
  print_message("m sequences from m0 = 1, 50, 170 (rho 1.1, m_max 200) match Python's ceil\n");
  tp_free(t);
}

/* ny = 6 and m0 = m_max = 20: m is capped at ny = 6, where the Krylov space is exhausted; near
 * convergence the breakdown tests fire (counted), the next step restarts, and the run stays
 * finite and converges. */
static void test_breakdown_restart(void **state) {
  (void)state;
  TpSpec sp = tp_default_spec();
  sp.ny = 6;
  TpProblem *t = tp_new(&sp);
  RtSolver *s = tp_solver(&t->p, "lancbio", KV("x_step=0.5", "y_step=0.1", "m0=20", "m_max=20"), 1);
  for (int k = 0; k < 1500; k++) rt_solver_step(s, k);
  double xs[5];
  tp_xstar(t, xs);
  double e = tp_rel_err(5, s->x, xs);
  assert_int_equal(stat(s, "m"), 6);
  print_message("ny = 6, m_max = 20: %g breakdowns, %g restarts, |x - x*|/|x*| = %.2e\n",
                stat(s, "breakdowns"), stat(s, "restarts"), e);
  assert_true(stat(s, "breakdowns") >= 1);
  assert_true(stat(s, "restarts") >= 2);
  assert_true(e < 1e-10);
  assert_int_equal(s->o.fail_kind, -1);
  rt_solver_free(s);
  tp_free(t);
}

/* Issue 11 item 1: the quadratic of tp_default_spec (ny = 8, nx = 5, eigenvalues linspace(1,
 * 10)) with x_step 0.3, y_step 0.1, T = 5 and the default m_max = 80 > ny. Before the fix 3 of
 * these 10 instances diverged (duplicated Lanczos directions once the Krylov space was
 * exhausted); all must reach the closed-form x* to 1e-10. */
static void test_quadratic_instances(void **state) {
  (void)state;
  int bad = 0;
  double worst = 0;
  for (uint64_t seed = 1; seed <= 10; seed++) {
    TpSpec sp = tp_default_spec();
    sp.seed = seed;
    TpProblem *t = tp_new(&sp);
    for (int i = 0; i < 8 * 5; i++) t->B[i] *= sqrt(5.0); /* B ~ normal(0, 1), as in the issue */
    RtSolver *s = tp_solver(&t->p, "lancbio", KV("x_step=0.3", "y_step=0.1", "inner_steps=5"), 1);
    for (int k = 0; k < 1000; k++) rt_solver_step(s, k);
    double xs[5];
    tp_xstar(t, xs);
    double e = tp_rel_err(5, s->x, xs);
    if (!(e < 1e-10) || s->o.fail_kind != -1) bad++;
    assert_int_equal(stat(s, "m"), 8); /* capped at ny */
    assert_int_equal(stat(s, "residual_restarts"), 0); /* no false alarm on healthy runs */
    print_message("seed %2d: |x - x*|/|x*| = %.2e, %g restarts, %g breakdowns, %g by the residual "
                  "watch, m = %g\n", (int)seed, e, stat(s, "restarts"), stat(s, "breakdowns"),
                  stat(s, "residual_restarts"), stat(s, "m"));
    worst = fmax(worst, isnan(e) ? INFINITY : e);
    rt_solver_free(s);
    tp_free(t);
  }
  print_message("10 quadratic instances, m_max = 80 > ny = 8: worst error %.2e\n", worst);
  assert_int_equal(bad, 0);
}

/* The residual watch: eigenvalues linspace(1, 1e4) and y_step = 2.5e-4 make the lower iteration
 * diverge (|1 - 2.5| = 1.5 per inner step on the top eigenvector), so b = y - y_t grows ~7.6x per
 * outer step; with m = 2 the basis cannot keep up with an ill-conditioned A and |A v - b| rises
 * from 13.5 at step 10 to 1e24 at step 40, rising at each check: the watch restarts the basis and
 * says so once. The healthy runs above never trigger it. */
static void test_residual_watch(void **state) {
  (void)state;
  TpSpec sp = tp_default_spec();
  sp.cond = 1e4;
  TpProblem *t = tp_new(&sp);
  RtSolver *s = tp_solver(&t->p, "lancbio", KV("x_step=0", "y_step=2.5e-4", "m0=2", "m_max=2"), 1);
  for (int k = 0; k < 39; k++) rt_solver_step(s, k);
  assert_int_equal(stat(s, "residual_restarts"), 0);
  rt_solver_step(s, 39);
  assert_int_equal(stat(s, "residual_restarts"), 1);
  assert_int_equal(s->nwarn, 1);
  assert_non_null(strstr(s->warn[0].text, "outer step 40: the residual |A v - b| rose at 3"));
  print_message("residual watch: %s\n", s->warn[0].text);
  rt_solver_free(s);
  tp_free(t);
}

/* Solve the dense j x j system T s = r by Gaussian elimination with partial pivoting (j small). */
static void dense_solve(int j, const double *diag, const double *off, double *r) {
  double M[8][8] = {{0}};
  for (int i = 0; i < j; i++) {
    M[i][i] = diag[i];
    if (i + 1 < j) M[i][i + 1] = M[i + 1][i] = off[i];
  }
  for (int c = 0; c < j; c++) {
    int p = c;
    for (int i = c + 1; i < j; i++)
      if (fabs(M[i][c]) > fabs(M[p][c])) p = i;
    for (int e = 0; e < j; e++) {
      double t = M[c][e];
      M[c][e] = M[p][e];
      M[p][e] = t;
    }
    double t = r[c];
    r[c] = r[p];
    r[p] = t;
    for (int i = c + 1; i < j; i++) {
      double f = M[i][c] / M[c][c];
      for (int e = c; e < j; e++) M[i][e] -= f * M[c][e];
      r[i] -= f * r[c];
    }
  }
  for (int i = j - 1; i >= 0; i--) {
    for (int e = i + 1; e < j; e++) r[i] -= M[i][e] * r[e];
    r[i] /= M[i][i];
  }
}

/* warmup_steps (issue 15 item 3): the authors' hyper-cleaning warm-up, re-implemented here from
 * ALGORITHMS-more.md with a dense T solve, A and b fixed (x_step = 0, y at y*). m = 1 for k < 4:
 * every step restarts and slides, so v = 0 exactly (x would not move); then m = 2 and 4 with a
 * sliding window; at k = 10 the last warm-up v becomes the anchor and the run converges. */
static void test_warmup(void **state) {
  (void)state;
  enum { W = 10 };
  TpSpec sp = tp_default_spec();
  sp.nx = NX;
  sp.ny = NY;
  sp.cond = 20;
  TpProblem *t = tp_new(&sp);
  tp_ystar(t, t->x0, t->y0);
  RtSolver *s = tp_solver(&t->p, "lancbio",
                          KV("x_step=0", "inner_steps=0", "y_step=0.1", "m0=1", "m_growth=2",
                             "m_period=4", "m_max=4", "warmup_steps=10"), 1);
  double b[NY], bprev[NY], Q[6][NY], qprev[NY] = {0}, diag[6], off[6], v[NY], u[NY], beta = 0;
  int nw = 0, j = 0, m = 1;
  for (int i = 0; i < NY; i++) b[i] = t->y0[i] - t->yt[i];
  RtRng g = rt_rng_stream(s->seed, "lancbio.warmup");
  for (int i = 0; i < NY; i++) bprev[i] = rt_rng_uniform(&g, 0, 1);
  double worst = 0;
  for (int k = 0; k < W; k++) {
    if (k > 0 && k % 4 == 0) m = 2 * m > 4 ? 4 : 2 * m;
    if (k % m == 0) { /* restart from the previous b */
      double bn = rt_nrm2(NY, bprev);
      for (int i = 0; i < NY; i++) Q[0][i] = bprev[i] / bn, qprev[i] = 0;
      nw = 1, j = 0, beta = 0;
    }
    /* Lanczos step: a = A q, alpha = q^T a, omega = a - alpha q - beta q_prev */
    double *q = Q[nw - 1];
    rt_gemv(false, NY, NY, 1, t->H, q, 0, u);
    double alpha = rt_dot(NY, q, u);
    if (j > 0) off[j - 1] = beta;
    diag[j++] = alpha;
    for (int i = 0; i < NY; i++) Q[nw][i] = u[i] - alpha * q[i] - beta * qprev[i];
    rt_copy(NY, q, qprev);
    beta = rt_nrm2(NY, Q[nw]);
    rt_scal(NY, 1 / beta, Q[nw]);
    nw++;
    if (nw == m + 1) { /* slide */
      for (int w = 0; w + 1 < nw; w++) rt_copy(NY, Q[w + 1], Q[w]);
      for (int w = 0; w + 1 < j; w++) diag[w] = diag[w + 1];
      for (int w = 0; w + 2 < j; w++) off[w] = off[w + 1];
      nw--, j--;
    }
    /* v = Wu T^-1 Wu^T b */
    double r[8];
    for (int w = 0; w < j; w++) r[w] = rt_dot(NY, Q[w], b);
    dense_solve(j, diag, off, r);
    rt_zero(NY, v);
    for (int w = 0; w < j; w++) rt_axpy(NY, r[w], Q[w], v);
    rt_copy(NY, b, bprev);
    rt_solver_step(s, k);
    if (m == 1) {
      for (int i = 0; i < NY; i++) assert_true(s->v[i] == 0);
    } else {
      /* relative to |b|: right after a restart from b the window holds b's Krylov directions
       * beyond b itself, and v is nearly 0 */
      double d[NY];
      for (int i = 0; i < NY; i++) d[i] = s->v[i] - v[i];
      double e = rt_nrm2(NY, d) / rt_nrm2(NY, b);
      worst = fmax(worst, e);
      assert_true(e < 1e-10);
    }
  }
  assert_int_equal(stat(s, "m"), 4);
  assert_int_equal(s->o.calls[RT_CALL_HVP], W); /* one Lanczos product a step, no anchor */
  /* the switch: anchor v_bar = the last warm-up v, w = A v_bar, r = b - w, one Lanczos vector:
   * v = v_bar + q (q^T r) / (q^T A q) with q = r / |r| */
  double w[NY], rr[NY], Aq[NY];
  rt_gemv(false, NY, NY, 1, t->H, v, 0, w);
  for (int i = 0; i < NY; i++) rr[i] = b[i] - w[i];
  double rn = rt_nrm2(NY, rr);
  rt_scal(NY, 1 / rn, rr);
  rt_gemv(false, NY, NY, 1, t->H, rr, 0, Aq);
  rt_axpy(NY, rn / rt_dot(NY, rr, Aq), rr, v);
  rt_solver_step(s, W);
  double e = tp_rel_err(NY, s->v, v);
  assert_true(e < 1e-10);
  /* then the anchored scheme converges to A^-1 b */
  for (int k = W + 1; k < W + 60; k++) rt_solver_step(s, k);
  rt_gemv(false, NY, NY, 1, t->H, s->v, 0, w);
  rt_axpy(NY, -1, b, w);
  double res = rt_nrm2(NY, w) / rt_nrm2(NY, b);
  print_message("warm-up: v within %.2e |b| of the re-implementation (m = 2, 4), switch step %.2e, "
                "|A v - b|/|b| = %.2e after 60 anchored steps\n", worst, e, res);
  assert_true(res < 1e-8);
  rt_solver_free(s);
  tp_free(t);
}

static void test_options(void **state) {
  (void)state;
  TpSpec sp = tp_default_spec();
  TpProblem *t = tp_new(&sp);
  RtOptions o;
  rt_options_init(&o, rt_method_find("lancbio"));
  assert_null(rt_options_set(&o, "m0", "10"));
  assert_null(rt_options_set(&o, "m_max", "5"));
  char err[256];
  assert_null(rt_solver_new(&t->p, &o, 1, err, sizeof err));
  assert_string_equal(err, "option 'm0' = 10 exceeds 'm_max' = 5");
  tp_free(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_matches_cg),
      cmocka_unit_test(test_m_schedule),
      cmocka_unit_test(test_m_sequence),
      cmocka_unit_test(test_breakdown_restart),
      cmocka_unit_test(test_quadratic_instances),
      cmocka_unit_test(test_residual_watch),
      cmocka_unit_test(test_warmup),
      cmocka_unit_test(test_options),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
