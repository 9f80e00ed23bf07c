/* test_more_methods.c — f2sa, hjfbio and stable (ALGORITHMS-more.md) on the quadratic test
 * problem of rt_testprob.h, g = 1/2 y'H y - y'(B x + c), f = 1/2 |y - y_t|^2 + rho/2 |x|^2:
 * every step against a re-implementation with dense matrices (F2SA's penalty schedule, STABLE's
 * Neumann inverses and y correction), HJFBiO's finite differences against the exact products
 * (error O(delta^2): the ratio when delta halves), and where each method converges: HJFBiO to
 * x*, F2SA with a fixed penalty and STABLE with a truncated series to the biased points their
 * formulas predict, solved here in closed form. Measured figures are printed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_linalg.h"
#include "rt_solver.h"
#include "rt_testprob.h"

enum { NX = 5, NY = 8 };

/* out = M v, M dense n x n (row-major). */
static void matvec(int n, const double *M, const double *v, double *out) {
  for (int i = 0; i < n; i++) out[i] = rt_dot(n, M + i * n, v);
}

/* out = B u [ny], out = B' r [nx]. */
static void b_mul(const TpProblem *t, const double *u, double *out) {
  for (int i = 0; i < NY; i++) out[i] = rt_dot(NX, t->B + i * NX, u);
}
static void bt_mul(const TpProblem *t, const double *r, double *out) {
  for (int j = 0; j < NX; j++) out[j] = 0;
  for (int i = 0; i < NY; i++) rt_axpy(NX, r[i], t->B + i * NX, out);
}

/* The point where rho x + B' Q (H^{-1}(B x + c) - y_t) = 0, for a symmetric Q that commutes
 * with H: (rho I + B' Q H^{-1} B) x = B' Q (y_t - H^{-1} c). Q = H^{-1} gives x*, Q = the
 * Neumann polynomial STABLE's fixed point, Q = lambda (I + lambda H)^{-1} F2SA's at a fixed
 * penalty (rt_testprob.h: tp_q_neumann, tp_q_penalty). */
static void biased_point(const TpProblem *t, TpApplyQ q, const void *ctx, double *x) {
  double L[NY * NY], N[NX * NX], col[NY], hb[NY], qhb[NX][NY], w[NY], qw[NY];
  memcpy(L, t->H, sizeof L);
  assert_int_equal(rt_chol_factor(NY, L), 0);
  for (int j = 0; j < NX; j++) {
    for (int i = 0; i < NY; i++) col[i] = t->B[i * NX + j];
    rt_copy(NY, col, hb);
    rt_chol_solve(NY, L, hb);
    q(t, ctx, hb, qhb[j]); /* Q H^{-1} B e_j */
  }
  for (int a = 0; a < NX; a++)
    for (int b = 0; b < NX; b++) {
      double s = 0;
      for (int i = 0; i < NY; i++) s += t->B[i * NX + a] * qhb[b][i];
      N[a * NX + b] = s + (a == b ? t->spec.rho : 0);
    }
  rt_copy(NY, t->c, w);
  rt_chol_solve(NY, L, w);
  for (int i = 0; i < NY; i++) w[i] = t->yt[i] - w[i];
  q(t, ctx, w, qw);
  bt_mul(t, qw, x);
  /* N is symmetric in exact arithmetic; symmetrise its rounding for Cholesky */
  for (int a = 0; a < NX; a++)
    for (int b = a + 1; b < NX; b++)
      N[a * NX + b] = N[b * NX + a] = 0.5 * (N[a * NX + b] + N[b * NX + a]);
  assert_int_equal(rt_chol_factor(NX, N), 0);
  rt_chol_solve(NX, N, x);
}

static void q_hinv(const TpProblem *t, const void *ctx, const double *r, double *out) {
  (void)ctx;
  double L[NY * NY];
  memcpy(L, t->H, sizeof L);
  assert_int_equal(rt_chol_factor(NY, L), 0);
  rt_copy(NY, r, out);
  rt_chol_solve(NY, L, out);
}

static double run_steps(RtSolver *s, int64_t steps) {
  for (int64_t k = 0; k < steps; k++) rt_solver_step(s, k);
  assert_int_equal(s->o.fail_kind, -1);
  return 0;
}

/* The helper reproduces the closed form of x* (Q = H^{-1}). */
static void test_biased_point_helper(void **state) {
  (void)state;
  TpProblem *t = tp_new(&(TpSpec){NX, NY, 10, 0.1, 0, false, false, true, 7, false});
  double xs[NX], xq[NX];
  tp_xstar(t, xs);
  biased_point(t, q_hinv, NULL, xq);
  assert_true(tp_rel_err(NX, xq, xs) < 1e-13);
  tp_free(t);
}

/* F2SA: 6 steps of the solver against a re-implementation of the authors' loop, with
 * lambda_k = lambda0 + delta H_k accumulated as they do; z is the solver's y. */
static void test_f2sa_steps(void **state) {
  (void)state;
  TpProblem *t = tp_new(&(TpSpec){NX, NY, 10, 0.1, 0, false, false, true, 7, false});
  const double lambda0 = 0.7, dl = 0.3, theta = 0.08, xs = 0.4, decay = 1.0 / 7.0;
  RtSolver *s = tp_solver(&t->p, "f2sa", KV("lambda0=0.7", "delta_lambda=0.3", "y_step=0.08",
                                             "x_step=0.4", "inner_steps=3"), 1);
  double x[NX], z[NY], y[NY], g[NY], gf[NY], gx[NX], gxz[NX], bx[NY], lambda = lambda0;
  rt_copy(NX, t->p.x0, x);
  rt_copy(NY, t->p.y0, z);
  rt_copy(NY, t->p.y0, y);
  double worst = 0;
  for (int k = 0; k < 6; k++) {
    b_mul(t, x, bx);
    for (int tt = 0; tt < 3; tt++) {
      matvec(NY, t->H, z, g); /* grad_y g(x, z) = H z - B x - c */
      for (int i = 0; i < NY; i++) z[i] -= theta * (g[i] - bx[i] - t->c[i]);
      matvec(NY, t->H, y, g);
      for (int i = 0; i < NY; i++) gf[i] = (y[i] - t->yt[i]) + lambda * (g[i] - bx[i] - t->c[i]);
      rt_axpy(NY, -theta, gf, y);
    }
    /* grad_x f = rho x; grad_x g(x, y) = -B' y */
    bt_mul(t, y, gx);
    bt_mul(t, z, gxz);
    double eta_k = xs / pow(k + 1.0, decay);
    for (int j = 0; j < NX; j++) x[j] -= eta_k * (t->spec.rho * x[j] + lambda * (-gx[j] + gxz[j]));
    lambda += dl / (k + 1.0);
    rt_solver_step(s, k);
    worst = fmax(worst, fmax(tp_rel_err(NX, s->x, x), tp_rel_err(NY, s->y, z)));
    double want_lambda = lambda0;
    for (int j = 1; j <= k + 1; j++) want_lambda += dl / j;
    assert_true(fabs(s->stats[0] - want_lambda) <= 1e-15 * want_lambda);
  }
  print_message("f2sa: 6 steps against the hand computation: worst relative error %.2e; "
                "lambda_6 = %.15g\n", worst, s->stats[0]);
  assert_true(worst < 1e-13);
  /* 3 inner steps: 3 grad_g on z, 3 (grad_f + grad_g) on y; the x step: 1 grad_f, 2 grad_x_g */
  assert_int_equal(s->o.calls[RT_CALL_GRAD_G], 6 * 6);
  assert_int_equal(s->o.calls[RT_CALL_GRAD_F], 6 * 4);
  assert_int_equal(s->o.calls[RT_CALL_GRAD_X_G], 6 * 2);
  assert_int_equal(s->o.calls[RT_CALL_HVP] + s->o.calls[RT_CALL_MIXED], 0);
  rt_solver_free(s);
  tp_free(t);
}

/* F2SA with a fixed penalty (delta_lambda = 0) and constant steps converges to the minimiser of
 * f(x, y_lambda(x)) + lambda (g(x, y_lambda) - g(x, y*)), not to x*. */
static void test_f2sa_fixed_penalty(void **state) {
  (void)state;
  TpProblem *t = tp_new(&(TpSpec){NX, NY, 10, 0.1, 0, false, false, true, 7, false});
  double lambda = 1, xl[NX], xs[NX];
  biased_point(t, tp_q_penalty, &lambda, xl);
  tp_xstar(t, xs);
  RtSolver *s = tp_solver(&t->p, "f2sa", KV("delta_lambda=0", "x_decay=0", "x_step=0.5",
                                             "y_step=0.08"), 1);
  run_steps(s, 3000);
  double e = tp_rel_err(NX, s->x, xl), bias = tp_rel_err(NX, xl, xs);
  print_message("f2sa, lambda = 1 fixed: |x - x_lambda|/|x_lambda| = %.2e after 3000 steps "
                "(tolerance 1e-9); |x_lambda - x*|/|x*| = %.3f\n", e, bias);
  assert_true(e < 1e-9);
  assert_true(bias > 1e-2); /* the test tells the biased point from x* */
  rt_solver_free(s);
  tp_free(t);
}

/* HJFBiO's central differences against the exact products on a problem whose lower gradient is
 * cubic in y (gamma/4 sum y^4): the error of A v is gamma delta^2 |v^3| exactly, so it falls 4x
 * when delta halves; J v is exact (grad_x g is linear in y) up to rounding. */
static void test_hjfbio_differences(void **state) {
  (void)state;
  TpSpec sp = {NX, NY, 10, 0.1, 0.5, true, false, true, 7, false};
  TpProblem *t = tp_new(&sp);
  RtSolver *s = tp_solver(&t->p, "hjfbio", KV("y_step=0.1"), 1);
  RtRng r = rt_rng_stream(3, "hjfbio_test");
  for (int i = 0; i < NY; i++) s->y[i] = rt_rng_uniform(&r, -1, 1);
  for (int i = 0; i < NY; i++) s->v[i] = rt_rng_uniform(&r, -1, 1);
  for (int j = 0; j < NX; j++) s->x[j] = rt_rng_uniform(&r, -1, 1);
  double Av[NY], Jv[NX], fdA[NY], fdJ[NX], eA[4], eJ[4], delta = 1e-2;
  rt_oracle_hvp(&s->o, RT_DRAW_FRESH, s->x, s->y, s->v, Av);
  rt_oracle_mixed(&s->o, RT_DRAW_FRESH, s->x, s->y, s->v, Jv);
  for (int d = 0; d < 4; d++, delta /= 2) {
    rt_hjfbio_differences(s, RT_DRAW_FRESH, delta, fdA, fdJ);
    eA[d] = tp_rel_err(NY, fdA, Av);
    eJ[d] = tp_rel_err(NX, fdJ, Jv);
    print_message("hjfbio, delta = %.5f: |A v error| %.3e (ratio %.4f), |J v error| %.1e\n", delta,
                  eA[d], d ? eA[d - 1] / eA[d] : NAN, eJ[d]);
    if (d) assert_true(fabs(eA[d - 1] / eA[d] - 4) < 0.01);
    assert_true(eJ[d] < 1e-12);
  }
  rt_solver_free(s);
  tp_free(t);
}

/* HJFBiO on the quadratic: the differences are exact up to rounding, so it converges to x* as
 * SOBA does (x_step 0.1: joint single steps). */
static void test_hjfbio_converges(void **state) {
  (void)state;
  TpProblem *t = tp_new(&(TpSpec){NX, NY, 10, 0.1, 0, false, false, true, 7, false});
  double xs[NX];
  tp_xstar(t, xs);
  RtSolver *s = tp_solver(&t->p, "hjfbio", KV("x_step=0.1", "y_step=0.1"), 1);
  run_steps(s, 3000);
  double e = tp_rel_err(NX, s->x, xs);
  print_message("hjfbio: |x - x*|/|x*| = %.2e after 3000 steps (tolerance 1e-9); per step "
                "%llu grad_g, %llu grad_x_g, %llu grad_f\n", e,
                (unsigned long long)s->o.calls[RT_CALL_GRAD_G] / 3000,
                (unsigned long long)s->o.calls[RT_CALL_GRAD_X_G] / 3000,
                (unsigned long long)s->o.calls[RT_CALL_GRAD_F] / 3000);
  assert_true(e < 1e-9);
  assert_int_equal(s->o.calls[RT_CALL_GRAD_G], 3 * 3000);
  assert_int_equal(s->o.calls[RT_CALL_GRAD_X_G], 2 * 3000);
  assert_int_equal(s->o.calls[RT_CALL_HVP] + s->o.calls[RT_CALL_MIXED], 0);
  rt_solver_free(s);
  tp_free(t);
}

/* STABLE: one step from a random (x, y) against the formula with dense matrices, for both
 * corrections; they differ because grad_x f = rho x is not 0 here. */
static void test_stable_step(void **state) {
  (void)state;
  TpProblem *t = tp_new(&(TpSpec){NX, NY, 10, 0.1, 0, false, false, true, 7, false});
  const double eta = 0.05, beta = 0.1, alpha = 0.5;
  const int Q = 4;
  double x1[2][NX], y1[2][NY];
  for (int authors = 0; authors < 2; authors++) {
    const char *const *kv =
        authors ? KV("neumann_steps=4", "eta=0.05", "y_step=0.1", "x_step=0.5",
                     "correction=authors")
                : KV("neumann_steps=4", "eta=0.05", "y_step=0.1", "x_step=0.5");
    RtSolver *s = tp_solver(&t->p, "stable", kv, 1);
    RtRng r = rt_rng_stream(5, "stable_test");
    for (int i = 0; i < NY; i++) s->y[i] = rt_rng_uniform(&r, -1, 1);
    for (int j = 0; j < NX; j++) s->x[j] = rt_rng_uniform(&r, -1, 1);
    double x[NX], y[NY], b[NY], gy[NY], v[NY], d[NX], u[NY], w[NY], bx[NY], Jv[NX], dx[NX];
    rt_copy(NX, s->x, x);
    rt_copy(NY, s->y, y);
    b_mul(t, x, bx);
    matvec(NY, t->H, y, gy);
    for (int i = 0; i < NY; i++) {
      gy[i] -= bx[i] + t->c[i];
      b[i] = y[i] - t->yt[i];
    }
    tp_q_neumann(t, &(TpNeumann){eta, Q}, b, v);
    bt_mul(t, v, Jv);
    rt_scal(NX, -1, Jv); /* J v = -B' v */
    for (int j = 0; j < NX; j++) {
      d[j] = t->spec.rho * x[j] - Jv[j];
      dx[j] = -alpha * d[j];
    }
    /* J' u = -B u; formula w = N(J' dx), authors w = alpha N(J' J v) */
    b_mul(t, authors ? Jv : dx, u);
    rt_scal(NY, authors ? -alpha : -1, u);
    tp_q_neumann(t, &(TpNeumann){eta, Q}, u, w);
    rt_solver_step(s, 0);
    for (int j = 0; j < NX; j++) x[j] += dx[j];
    for (int i = 0; i < NY; i++) y[i] -= beta * gy[i] + w[i];
    double ex = tp_rel_err(NX, s->x, x), ey = tp_rel_err(NY, s->y, y), ev = tp_rel_err(NY, s->v, v);
    print_message("stable (correction = %s): one step against the formula: x %.1e, y %.1e, "
                  "v %.1e\n", authors ? "authors" : "step", ex, ey, ev);
    assert_true(ex < 1e-13 && ey < 1e-13 && ev < 1e-13);
    assert_int_equal(s->o.calls[RT_CALL_HVP], 2 * Q);
    assert_int_equal(s->o.calls[RT_CALL_MIXED], 1);
    assert_int_equal(s->o.calls[RT_CALL_MIXED_T], 1);
    rt_copy(NX, s->x, x1[authors]);
    rt_copy(NY, s->y, y1[authors]);
    rt_solver_free(s);
  }
  assert_memory_equal(x1[0], x1[1], sizeof x1[0]);
  double diff = tp_rel_err(NY, y1[1], y1[0]);
  print_message("stable: y after the step, authors' correction vs the formula's: %.2e apart\n",
                diff);
  assert_true(diff > 1e-6);
  tp_free(t);
}

/* STABLE converges to the fixed point of its truncated series, not to x*: with Q = 20 and
 * eta = 0.05 the series misses (1 - 0.05)^21 = 34% of H^{-1} at the smallest eigenvalue. */
static void test_stable_converges(void **state) {
  (void)state;
  TpProblem *t = tp_new(&(TpSpec){NX, NY, 10, 0.1, 0, false, false, true, 7, false});
  TpNeumann c = {0.05, 20};
  double xb[NX], xs[NX];
  biased_point(t, tp_q_neumann, &c, xb);
  tp_xstar(t, xs);
  RtSolver *s = tp_solver(&t->p, "stable", KV("x_step=0.1", "y_step=0.1", "eta=0.05"), 1);
  run_steps(s, 3000);
  double e = tp_rel_err(NX, s->x, xb), bias = tp_rel_err(NX, xb, xs);
  print_message("stable, Q = 20, eta = 0.05: |x - x_Q|/|x_Q| = %.2e after 3000 steps (tolerance "
                "1e-9); |x_Q - x*|/|x*| = %.3f\n", e, bias);
  assert_true(e < 1e-9);
  assert_true(bias > 1e-2);
  rt_solver_free(s);
  tp_free(t);
}

/* Methods that need grad_x g or J'u refuse a problem compiled without them. */
static void test_missing_kernels(void **state) {
  (void)state;
  TpProblem *t = tp_new(&(TpSpec){NX, NY, 10, 0.1, 0, false, false, true, 7, false});
  t->p.kernels[BLO_K_GRAD_X_G] = NULL;
  t->p.kernels[BLO_K_HVP_YX] = NULL;
  const char *methods[] = {"f2sa", "hjfbio", "stable"};
  const char *want[] = {"grad_x_g (the gradient", "grad_x_g (the gradient", "hvp_yx (the"};
  for (int m = 0; m < 3; m++) {
    RtOptions o = tp_options(methods[m], KV("y_step=0.1"));
    char err[512];
    RtSolver *s = rt_solver_new(&t->p, &o, 1, err, sizeof err);
    assert_null(s);
    assert_non_null(strstr(err, want[m]));
  }
  tp_free(t);
}

/* The warning table's last entry counts the warnings it has no room for: a ninth warning,
 * the end-of-run checks' included, was dropped unseen (not printed, not in the JSON) once
 * the program's and the options' warnings had taken their entries. */
static void test_warnings_overflow(void **state) {
  (void)state;
  TpProblem *t = tp_new(&(TpSpec){NX, NY, 10, 0.1, 0, false, false, true, 7, false});
  RtOptions o = tp_options("f2sa", KV("y_step=0.1"));
  char err[512];
  RtSolver *s = rt_solver_new(&t->p, &o, 1, err, sizeof err);
  assert_non_null(s);
  static const char *const keys[] = {"k0",  "k1",  "k2",  "k3",  "k4",  "k5",  "k6",  "k7",
                                     "k8",  "k9",  "k10", "k11", "k12", "k13", "k14", "k15",
                                     "k16", "k17", "k18", "k19", "k20", "k21", "k22", "k23",
                                     "k24", "k25", "k26", "k27", "k28", "k29"};
  for (int i = 0; i < 30; i++) rt_solver_warn(s, keys[i], "warning %d", i);
  rt_solver_warn(s, keys[3], "warning 3 again"); /* a kept key still counts as before */
  assert_int_equal(s->nwarn, RT_MAX_WARNINGS);
  assert_string_equal(s->warn[RT_MAX_WARNINGS - 2].text, "warning 22");
  assert_int_equal(s->warn[3].count, 2);
  const RtWarning *more = &s->warn[RT_MAX_WARNINGS - 1];
  assert_string_equal(more->key, "run.more_warnings");
  assert_int_equal(more->count, 30 - (RT_MAX_WARNINGS - 1));
  assert_false(more->printed);
  assert_non_null(strstr(more->text, "more warnings than the result keeps (23)"));
  rt_solver_free(s);
  tp_free(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_biased_point_helper), cmocka_unit_test(test_f2sa_steps),
      cmocka_unit_test(test_f2sa_fixed_penalty),  cmocka_unit_test(test_hjfbio_differences),
      cmocka_unit_test(test_hjfbio_converges),    cmocka_unit_test(test_stable_step),
      cmocka_unit_test(test_stable_converges),    cmocka_unit_test(test_missing_kernels),
      cmocka_unit_test(test_warnings_overflow),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
