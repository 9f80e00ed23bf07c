/* test_implicit.c — the implicit methods on random quadratic bilevel problems with a closed-form
 * x*: every method converges to x* within its stated tolerance; `exact`'s hypergradient equals
 * the closed form; stocBiO's v is the Neumann sum and BSA's randomly truncated estimate is
 * unbiased for it; rt_phi_exact measures phi and its gradient; no method allocates after
 * setup; fused and separate kernels give identical runs. Measured figures are printed (cmocka
 * print_message). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_hypergrad.h"
#include "rt_linalg.h"
#include "rt_mem.h"
#include "rt_solver.h"
#include "rt_testprob.h"


/* Run `steps` steps; xavg = mean of x over the steps from avg_from on (the last x when
 * avg_from == steps). Returns the relative error of xavg against x*. */
static double converge(const char *method, const char *const *kv, int64_t steps, int64_t avg_from,
                       uint64_t seed) {
  TpSpec sp = tp_default_spec();
  TpProblem *t = tp_new(&sp);
  double xs[5], xavg[5] = {0};
  tp_xstar(t, xs);
  RtSolver *s = tp_solver(&t->p, method, kv, seed);
  for (int64_t k = 0; k < steps; k++) {
    rt_solver_step(s, k);
    if (k >= avg_from) rt_axpy(5, 1.0 / (double)(steps - avg_from), s->x, xavg);
  }
  if (avg_from >= steps) rt_copy(5, s->x, xavg);
  double e = tp_rel_err(5, xavg, xs);
  assert_int_equal(s->o.fail_kind, -1);
  rt_solver_free(s);
  tp_free(t);
  return e;
}


/* Deterministic methods: 2000 steps, x_step 0.5, y_step 0.1 (= 1/L_g); the fixed point is x*
 * exactly, measured errors are ~1e-15; tolerance 1e-10. */
static void test_deterministic_methods(void **state) {
  (void)state;
  struct { const char *m; const char *const *kv; int64_t steps; double tol; } c[] = {
      {"lancbio", KV("x_step=0.5", "y_step=0.1"), 2000, 1e-10},
      {"subbio", KV("x_step=0.5", "y_step=0.1"), 2000, 1e-10},
      {"aid_cg", KV("x_step=0.5", "y_step=0.1"), 2000, 1e-10},
      {"amigo_gd", KV("x_step=0.5", "y_step=0.1"), 2000, 1e-10},
      /* SOBA moves y, v and x by single joint steps: stable for this instance only with a
       * smaller upper step (x_step 0.5 oscillates away) */
      {"soba", KV("x_step=0.1", "y_step=0.1"), 3000, 1e-10},
      /* Neumann truncation bias (1 - eta lambda_min)^(Q+1) = 0.85^151 ~ 2e-11 */
      {"stocbio", KV("x_step=0.5", "y_step=0.1", "eta=0.15", "neumann_steps=150"), 2000, 1e-8},
      {"exact", KV("x_step=0.5"), 600, 1e-10},
  };
  for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
    double e = converge(c[i].m, c[i].kv, c[i].steps, c[i].steps, 1);
    print_message("%-8s |x - x*|/|x*| = %.2e after %lld steps (tolerance %.0e)\n", c[i].m, e,
                  (long long)c[i].steps, c[i].tol);
    assert_true(e < c[i].tol);
  }
}

/* BSA and TTSA are stochastic even here (random truncation, x steps floored at 0.01 x_step):
 * single runs end 1-20% from x*. Q = 40, eta = 0.1: stocBiO with the same truncation ends
 * 6.6e-4 from x*, so the truncation bias is negligible and the rest is noise. The Polyak average
 * of the last 15000 of 20000 iterates was 0.3-6.8% from x* over seeds 1..8 (bsa 0.8%, ttsa
 * 4.3% for seed 1, ~1% at 10^5 steps): tolerance 10%. Their estimator is checked exactly (its
 * mean, to 5 standard errors) in test_neumann_estimators. */
static void test_random_truncation_methods(void **state) {
  (void)state;
  const char *const *kv = KV("x_step=0.5", "y_step=0.1", "eta=0.1", "neumann_steps=40");
  double eb = converge("bsa", kv, 20000, 5000, 1), et = converge("ttsa", kv, 20000, 5000, 1);
  print_message("bsa      |mean x - x*|/|x*| = %.2e (tolerance 1e-1)\n", eb);
  print_message("ttsa     |mean x - x*|/|x*| = %.2e (tolerance 1e-1)\n", et);
  assert_true(eb < 1e-1);
  assert_true(et < 1e-1);
}

/* One exact step at x0 with x_step = 0: d is the true hypergradient (Newton solves the
 * quadratic lower level exactly). */
static void test_exact_hypergradient(void **state) {
  (void)state;
  TpSpec sp = tp_default_spec();
  sp.nx = 7;
  sp.ny = 12;
  sp.cond = 100;
  TpProblem *t = tp_new(&sp);
  RtSolver *s = tp_solver(&t->p, "exact", KV("x_step=0"), 1);
  rt_solver_step(s, 0);
  double want[7];
  tp_hypergrad(t, t->x0, want);
  double e = tp_rel_err(7, s->d, want);
  print_message("exact hypergradient relative error %.2e (tolerance 1e-10)\n", e);
  assert_true(e < 1e-10);
  double ys[12];
  tp_ystar(t, t->x0, ys);
  assert_true(tp_rel_err(12, s->y, ys) < 1e-12);
  rt_solver_free(s);
  tp_free(t);
}

/* Near y* the decrease a Newton step promises is below g's rounding, so comparing values of g
 * refused every step and the lower solve stalled above y_tol (a new user's 1-D quadratic: 100
 * Newton steps at |grad_y g| = 1.1e-9, 57466 calls of g in 1000 outer steps). These quadratics
 * took 508-4203 Newton steps and 8615-102940 calls of g in 1000 outer steps, with a warning;
 * now about one Newton step (one g) per outer step, and none. */
static void test_exact_newton_rounding(void **state) {
  (void)state;
  const uint64_t seeds[] = {2, 3, 7};
  for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
    TpSpec sp = tp_default_spec();
    sp.nx = 1;
    sp.ny = 5;
    sp.seed = seeds[i];
    TpProblem *t = tp_new(&sp);
    RtSolver *s = tp_solver(&t->p, "exact", KV("x_step=0.5"), 1);
    const int steps = 1000;
    for (int k = 0; k < steps; k++) rt_solver_step(s, k);
    assert_string_equal(s->stat_names[0], "newton_steps");
    assert_string_equal(s->stat_names[2], "lower_grad_norm");
    double newton = s->stats[0], gnorm = s->stats[2];
    unsigned long long gcalls = (unsigned long long)s->o.calls[RT_CALL_G];
    print_message("seed %llu: %.0f Newton steps in %d outer steps, %llu calls of g, "
                  "|grad_y g| %.2g, %d warnings\n", (unsigned long long)seeds[i], newton, steps,
                  gcalls, gnorm, s->nwarn);
    assert_int_equal(s->nwarn, 0);
    assert_true(newton <= steps && gcalls <= 2 * (unsigned long long)steps && gnorm < 1e-10);
    rt_solver_free(s);
    tp_free(t);
  }
}

/* rt_hypergrad_exact at a point off the lower solution: the dense (Cholesky) and CG paths
 * both equal grad_x f - J A^{-1} grad_y f computed from the problem's closed-form pieces. At
 * y = y*(x) that is the hypergradient of tp_hypergrad. */
static void test_hypergrad_at_point(void **state) {
  (void)state;
  TpSpec sp = tp_default_spec();
  sp.nx = 6;
  sp.ny = 10;
  sp.cond = 50;
  TpProblem *t = tp_new(&sp);
  RtOracle o;
  char err[256];
  assert_int_equal(rt_oracle_init(&o, &t->p, 3, 1, err, sizeof err), 0);
  double y[10], want[6], hg[6], v[10];
  tp_ystar(t, t->x0, y);
  tp_hypergrad(t, t->x0, want);
  RtHypergrad info;
  info = (RtHypergrad){.dense_max = 100, .cg_rtol = 1e-12, .hg = hg, .v = v};
  assert_int_equal(rt_hypergrad_exact(&o, rt_oracle_draw(&o), t->x0, y, &info, err, sizeof err), 0);
  assert_int_equal(info.how, RT_HG_CHOLESKY);
  assert_true(tp_rel_err(6, hg, want) < 1e-10);
  assert_true(info.residual < 1e-12);
  info = (RtHypergrad){.dense_max = 5, .cg_rtol = 1e-12, .hg = hg, .v = v};
  assert_int_equal(rt_hypergrad_exact(&o, rt_oracle_draw(&o), t->x0, y, &info, err, sizeof err), 0);
  assert_int_equal(info.how, RT_HG_CG);
  assert_true(tp_rel_err(6, hg, want) < 1e-10);
  assert_true(info.residual < 1e-11);
  rt_oracle_free(&o);
  tp_free(t);
}

/* rt_phi_exact, the yardstick of bloc compare: phi(x) = f(x, y*(x)) and |grad phi(x)| equal
 * the closed forms; with a box on x the measure is |x - P(x - grad phi)|;
 * and it says why where it cannot measure: sampled data, ny over the dense limit, a lower
 * objective without a minimum (H shifted to be indefinite). */
static void test_phi_exact(void **state) {
  (void)state;
  TpSpec sp = tp_default_spec();
  TpProblem *t = tp_new(&sp);
  double x[5] = {0.3, -1, 0.5, 2, -0.2}, ys[8], hg[5];
  tp_ystar(t, x, ys);
  tp_hypergrad(t, x, hg);
  double phi = 0.5 * sp.rho * rt_dot(5, x, x);
  for (int i = 0; i < 8; i++) phi += 0.5 * (ys[i] - t->yt[i]) * (ys[i] - t->yt[i]);
  RtPhi m;
  assert_int_equal(rt_phi_exact(&t->p, &(RtPhiAt){.x = x}, &m), 0);
  assert_string_equal(m.why, "");
  assert_false(m.projected);
  assert_true(fabs(m.phi - phi) < 1e-12 * phi);
  assert_true(fabs(m.grad_norm - rt_nrm2(5, hg)) < 1e-10 * rt_nrm2(5, hg));
  assert_true(m.lower_norm < 1e-10);
  /* a box that x touches: the projected-gradient norm, by hand */
  BloConstraint box = {
      .var = 0, .kind = BLO_CON_BOX, .lo_data = -1, .hi_data = -1, .lo = -1, .hi = 2};
  t->p.n_constraints = 1;
  t->p.constraints = &box;
  double want = 0;
  for (int i = 0; i < 5; i++) {
    double d = x[i] - fmin(2, fmax(-1, x[i] - hg[i]));
    want += d * d;
  }
  assert_int_equal(rt_phi_exact(&t->p, &(RtPhiAt){.x = x}, &m), 0);
  assert_true(m.projected);
  assert_true(fabs(m.grad_norm - sqrt(want)) < 1e-10 * sqrt(want));
  assert_true(fabs(m.phi - phi) < 1e-12 * phi);
  t->p.n_constraints = 0;
  /* H - 6 I has eigenvalues from -5 to 4: g has no minimum in y */
  for (int i = 0; i < 8; i++) t->H[i * 8 + i] -= 6;
  assert_int_equal(rt_phi_exact(&t->p, &(RtPhiAt){.x = x}, &m), -1);
  print_message("phi_exact on an indefinite H: %s\n", m.why);
  /* (a quadratic g: unbounded below along the negative eigenvalue's eigenvector) */
  assert_non_null(strstr(m.why, "g is unbounded below in y at this x"));
  assert_non_null(strstr(m.why, "negative eigenvalue"));
  assert_true(isnan(m.phi));
  tp_free(t);
  TpToy toy;
  tp_toy_init(&toy, 0.5);
  assert_int_equal(rt_phi_exact(&toy.p, &(RtPhiAt){.x = toy.x0}, &m), -1);
  assert_non_null(strstr(m.why, "samples its data"));
}

/* Over the dense limit rt_phi_exact goes by Newton-CG: on a quadratic g of 2001 lower
 * variables (condition 100) phi and |grad phi| are the closed forms'; on a quartic one the CG
 * path (dense_max = 1) gives what the dense Newton solve gives, in fewer products; on an
 * indefinite H it finds the negative curvature and says so; and a budget of products stops it
 * with its reason, not a wrong value. Before, ny = 2001 was refused ("ny = 2001 is over the
 * 2000 lower variables"): `bloc eval --what phi` and bloc compare on hyperclean.blo (ny = 7850)
 * measured nothing. */
static void test_phi_newton_cg(void **state) {
  (void)state;
  TpSpec sp = tp_default_spec();
  sp.ny = RT_HG_DENSE_MAX + 1;
  sp.cond = 100;
  sp.reflect = true; /* a dense H with the same spectrum, built in O(ny^2) */
  TpProblem *t = tp_new(&sp);
  double x[5] = {0.3, -1, 0.5, 2, -0.2}, hg[5];
  double *ys = calloc((size_t)sp.ny, sizeof(double));
  assert_non_null(ys);
  tp_ystar(t, x, ys);
  tp_hypergrad(t, x, hg);
  double phi = 0.5 * sp.rho * rt_dot(5, x, x);
  for (int64_t i = 0; i < sp.ny; i++) phi += 0.5 * (ys[i] - t->yt[i]) * (ys[i] - t->yt[i]);
  RtPhi m;
  assert_int_equal(rt_phi_exact(&t->p, &(RtPhiAt){.x = x}, &m), 0);
  print_message("Newton-CG, ny = %lld: %llu HVPs, phi rel err %.2e, |grad| rel err %.2e\n",
                (long long)sp.ny, (unsigned long long)m.hvps, fabs(m.phi - phi) / phi,
                fabs(m.grad_norm - rt_nrm2(5, hg)) / rt_nrm2(5, hg));
  assert_true(m.by_cg);
  assert_true(fabs(m.phi - phi) < 1e-12 * phi);
  assert_true(fabs(m.grad_norm - rt_nrm2(5, hg)) < 1e-8 * rt_nrm2(5, hg));
  assert_true(m.lower_norm < m.lower_tol);
  /* phi and y*(x) alone (bloc eval --what phi): the same phi and y*, no solve for v, so fewer
   * products (eval --what phi spent 10 s in a CG solve for v it did not need at T = 10^4) */
  uint64_t with_grad = m.hvps;
  double *y1 = calloc((size_t)sp.ny, sizeof(double)), *y2 = calloc((size_t)sp.ny, sizeof(double));
  assert_true(y1 && y2);
  RtPhi m1, m2;
  assert_int_equal(rt_phi_exact(&t->p, &(RtPhiAt){.x = x, .ystar = y1}, &m1), 0);
  assert_int_equal(rt_phi_exact(&t->p, &(RtPhiAt){.x = x, .ystar = y2, .no_grad = true}, &m2), 0);
  assert_true(m2.phi == m1.phi && memcmp(y1, y2, sizeof(double) * (size_t)sp.ny) == 0);
  assert_true(isnan(m2.grad_norm));
  print_message("phi alone: %llu HVPs against %llu with grad phi\n",
                (unsigned long long)m2.hvps, (unsigned long long)with_grad);
  assert_true(m2.hvps + 5 < with_grad);
  free(y1);
  free(y2);
  /* a budget below what it needs: not computed, and said why */
  assert_int_equal(rt_phi_exact(&t->p, &(RtPhiAt){.x = x, .max_hvps = 20}, &m), -1);
  assert_true(m.over_budget);
  assert_non_null(strstr(m.why, "20 Hessian-vector products"));
  assert_true(isnan(m.phi) && isnan(m.grad_norm));
  free(ys);
  tp_free(t);

  /* quartic g (not quadratic in y): the CG path against the dense one */
  sp = tp_default_spec();
  sp.ny = 40;
  sp.gamma = 0.5;
  sp.cond = 30;
  t = tp_new(&sp);
  RtPhi dense, cg;
  double gd[5], gc[5];
  assert_int_equal(rt_phi_exact(&t->p, &(RtPhiAt){.x = x, .grad = gd}, &dense), 0);
  assert_int_equal(rt_phi_exact(&t->p, &(RtPhiAt){.x = x, .grad = gc, .dense_max = 1}, &cg), 0);
  assert_false(dense.by_cg);
  assert_true(cg.by_cg);
  print_message("quartic ny = 40: dense %llu HVPs, Newton-CG %llu\n",
                (unsigned long long)dense.hvps, (unsigned long long)cg.hvps);
  assert_true(fabs(cg.phi - dense.phi) < 1e-12 * fabs(dense.phi));
  for (int i = 0; i < 5; i++) assert_true(fabs(gc[i] - gd[i]) < 1e-8 * rt_nrm2(5, gd));
  /* H - 40 I is indefinite at y0, but the quartic term bounds g below. The dense path's
   * Newton ends at a saddle (smallest eigenvalue -38.9) and refuses phi there; Newton-CG's
   * shifted steps (s51 fxJ) go on to a minimum, with the way's non-convexity noted. That it is
   * one: the dense solve started there accepts it, with the same phi and grad phi. */
  for (int64_t i = 0; i < sp.ny; i++) t->H[i * sp.ny + i] -= 40;
  assert_int_equal(rt_phi_exact(&t->p, &(RtPhiAt){.x = x, .grad = gd}, &dense), -1);
  assert_true(dense.not_convex);
  double *yc = calloc((size_t)sp.ny, sizeof(double));
  assert_non_null(yc);
  assert_int_equal(
      rt_phi_exact(&t->p, &(RtPhiAt){.x = x, .grad = gc, .ystar = yc, .dense_max = 1}, &cg), 0);
  assert_true(cg.nonconvex_path);
  assert_int_equal(rt_phi_exact(&t->p, &(RtPhiAt){.x = x, .grad = gd, .y_start = yc}, &dense),
                   0);
  print_message("Newton-CG on an indefinite H at y0: phi %.12g, dense from its y* %.12g\n",
                cg.phi, dense.phi);
  assert_true(fabs(cg.phi - dense.phi) < 1e-12 * fabs(dense.phi));
  for (int i = 0; i < 5; i++) assert_true(fabs(gc[i] - gd[i]) < 1e-8 * rt_nrm2(5, gd));
  free(yc);
  tp_free(t);
}

/* stocBiO's v equals eta sum_{q=0..Q} (I - eta H)^q b computed densely (Q + 1 terms from Q
 * HVPs, as in the authors' code); the mean of many BSA estimates Q eta (I - eta H)^q b,
 * q ~ U{0..Q-1}, equals the Q-term sum eta sum_{q<Q} (I - eta H)^q b within 5 standard
 * errors. */
static void test_neumann_estimators(void **state) {
  (void)state;
  TpSpec sp = tp_default_spec();
  TpProblem *t = tp_new(&sp);
  int64_t ny = sp.ny;
  enum { Q = 12, N = 20000 };
  double eta = 0.1;
  const char *const *kv =
      KV("x_step=0", "y_step=0.1", "eta=0.1", "neumann_steps=12", "inner_steps=0");
  RtSolver *s = tp_solver(&t->p, "stocbio", kv, 1);
  rt_solver_step(s, 0);
  assert_int_equal(s->o.calls[RT_CALL_HVP], Q);
  double want[64] = {0}, p[64], tmp[64];
  rt_copy(ny, s->b, p);
  for (int q = 0; q < Q; q++) {
    rt_axpy(ny, eta, p, want);
    rt_gemv(false, ny, ny, 1, t->H, p, 0, tmp);
    rt_axpy(ny, -eta, tmp, p);
  }
  double want_stocbio[64]; /* the (Q + 1)-th term */
  rt_copy(ny, want, want_stocbio);
  rt_axpy(ny, eta, p, want_stocbio);
  double e = tp_rel_err(ny, s->v, want_stocbio);
  print_message("stocBiO, neumann_steps = %d: %lld HVPs, |v - dense (Q+1)-term sum| = %.2e\n", Q,
                (long long)s->o.calls[RT_CALL_HVP], e);
  assert_true(e < 1e-13);
  rt_solver_free(s);
  s = tp_solver(&t->p, "bsa", kv, 1);
  double mean[64] = {0}, m2[64] = {0};
  for (int k = 0; k < N; k++) {
    rt_solver_step(s, k);
    for (int64_t i = 0; i < ny; i++) {
      mean[i] += s->v[i] / N;
      m2[i] += s->v[i] * s->v[i] / N;
    }
  }
  double worst = 0;
  for (int64_t i = 0; i < ny; i++) {
    double se = sqrt((m2[i] - mean[i] * mean[i]) / N);
    worst = fmax(worst, fabs(mean[i] - want[i]) / se);
  }
  print_message("BSA estimator: worst |mean - Neumann sum| = %.2f standard errors (bound 5)\n",
                worst);
  assert_true(worst < 5);
  rt_solver_free(s);
  tp_free(t);
}

/* After setup, no method allocates: the allocator's call count does not move over 30 steps. */
static void test_no_allocation_in_steps(void **state) {
  (void)state;
  TpSpec sp = tp_default_spec();
  sp.init_x = true; /* unrolled methods see an initialiser */
  TpProblem *t = tp_new(&sp);
  /* every method of the table: a new one is covered without an edit here */
  assert_true(rt_nmethods >= 12);
  for (int i = 0; i < rt_nmethods; i++) {
    const char *name = rt_methods[i].name;
    RtSolver *s = tp_solver(&t->p, name, strcmp(name, "exact") ? KV("y_step=0.1") : NULL, 1);
    uint64_t before = rt_mem_stats().calls;
    for (int k = 0; k < 30; k++) rt_solver_step(s, k);
    assert_int_equal(rt_mem_stats().calls, before);
    rt_solver_free(s);
  }
  tp_free(t);
}

/* Problems without fused kernels give bit-identical runs (the oracle falls back to the
 * separate kernels with the same draw). */
static void test_fused_fallback_identical(void **state) {
  (void)state;
  TpSpec sp = tp_default_spec();
  sp.gamma = 0.3;
  sp.tanh = true;
  sp.init_x = true;
  TpProblem *a = tp_new(&sp);
  sp.fused = false;
  TpProblem *b = tp_new(&sp);
  const char *methods[] = {"soba", "itd", "lancbio"};
  for (int m = 0; m < 3; m++) {
    RtSolver *s1 = tp_solver(&a->p, methods[m], KV("y_step=0.1"), 1);
    RtSolver *s2 = tp_solver(&b->p, methods[m], KV("y_step=0.1"), 1);
    for (int k = 0; k < 50; k++) {
      rt_solver_step(s1, k);
      rt_solver_step(s2, k);
    }
    assert_memory_equal(s1->x, s2->x, 5 * sizeof(double));
    for (int kind = 0; kind < RT_CALL_NKINDS; kind++)
      assert_int_equal(s1->o.calls[kind], s2->o.calls[kind]);
    rt_solver_free(s1);
    rt_solver_free(s2);
  }
  tp_free(a);
  tp_free(b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_deterministic_methods),
      cmocka_unit_test(test_random_truncation_methods),
      cmocka_unit_test(test_exact_hypergradient),
      cmocka_unit_test(test_exact_newton_rounding),
      cmocka_unit_test(test_hypergrad_at_point),
      cmocka_unit_test(test_phi_exact),
      cmocka_unit_test(test_phi_newton_cg),
      cmocka_unit_test(test_neumann_estimators),
      cmocka_unit_test(test_no_allocation_in_steps),
      cmocka_unit_test(test_fused_fallback_identical),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
