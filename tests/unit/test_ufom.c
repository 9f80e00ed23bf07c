/* test_ufom.c — the unrolled methods (ufom, fom, itd) on a nonlinear problem with an initialiser
 * Phi(x) = P x: the three ways of getting the exact unrolled gradient (recomputation from y0,
 * sqrt(r) checkpoints, stored iterates = itd) agree to 1e-12, also with per-step minibatches
 * (replayed draws); g_E matches finite differences of F(x) = f(x, y_r(x)); UFOM's estimate is
 * unbiased (mean of many g_U = g_E within 5 standard errors); the memory of the recomputation
 * branch does not depend on r (setup size and peak); the adaptive-q rule; option aliases. */
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
#include "rt_mem.h"
#include "rt_solver.h"
#include "rt_testprob.h"
#include "rt_unroll.h"


static double stat(const RtSolver *s, const char *name) {
  for (int i = 0; i < s->nstats; i++)
    if (strcmp(s->stat_names[i], name) == 0) return s->stats[i];
  fail_msg("no statistic %s", name);
  return NAN;
}

static TpProblem *nonlinear(void) {
  TpSpec sp = tp_default_spec();
  sp.gamma = 0.3;
  sp.tanh = true;
  sp.init_x = true;
  return tp_new(&sp);
}

/* d after `steps` steps of method with options kv (x_step = 0.05 moves x a little). */
static void run_d(const BloProblem *p, const char *method, const char *const *kv, int steps,
                  double *d, double *extra) {
  RtSolver *s = tp_solver(p, method, kv, 3);
  for (int k = 0; k < steps; k++) rt_solver_step(s, k);
  rt_copy(p->nx, s->d, d);
  if (extra) *extra = strcmp(method, "ufom") == 0 ? stat(s, "recomputed_inner_steps") : 0;
  rt_solver_free(s);
}

static void test_exact_branch_modes(void **state) {
  (void)state;
  TpProblem *t = nonlinear();
  const char *rs[] = {"1", "2", "5", "10", "17", "40"};
  double worst = 0;
  for (int i = 0; i < 6; i++) {
    char ropt[16];
    snprintf(ropt, sizeof ropt, "r=%s", rs[i]);
    double di[5], dr[5], ds[5], dt[5], da[5], er, es, et, ea;
    run_d(&t->p, "itd", KV(ropt, "x_step=0.05", "inner_lr=0.05"), 3, di, NULL);
    run_d(&t->p, "ufom", KV(ropt, "x_step=0.05", "inner_lr=0.05", "q=1", "checkpoint=none"), 3, dr,
          &er);
    run_d(&t->p, "ufom", KV(ropt, "x_step=0.05", "inner_lr=0.05", "q=1", "checkpoint=sqrt"), 3, ds,
          &es);
    run_d(&t->p, "ufom", KV(ropt, "x_step=0.05", "inner_lr=0.05", "q=1", "checkpoint=store"), 3,
          dt, &et);
    run_d(&t->p, "ufom", KV(ropt, "x_step=0.05", "inner_lr=0.05", "q=1"), 3, da, &ea); /* auto */
    double e1 = tp_rel_err(5, dr, di), e2 = tp_rel_err(5, ds, di);
    worst = fmax(worst, fmax(e1, e2));
    assert_true(e1 < 1e-12);
    assert_true(e2 < 1e-12);
    /* the three strategies perform the same operations: bit-identical hypergradients */
    assert_memory_equal(dr, ds, sizeof dr);
    assert_memory_equal(dr, dt, sizeof dr);
    assert_memory_equal(dr, da, sizeof dr);
    int r = atoi(rs[i]);
    assert_true(er == 3.0 * r * (r - 1) / 2); /* r(r-1)/2 recomputed steps per exact draw */
    assert_true(es <= 3.0 * r);               /* each checkpoint segment recomputed once */
    assert_true(et == 0 && ea == 0);          /* stored (auto stores what fits): none */
  }
  print_message(
      "itd vs recomputation vs sqrt checkpoints, r in {1..40}: worst relative difference %.2e "
      "(tolerance 1e-12)\n",
      worst);
  tp_free(t);
}

/* F(x) = f(x, y_r(x)) by central differences against g_E (itd at x0). */
static void test_exact_vs_finite_differences(void **state) {
  (void)state;
  TpProblem *t = nonlinear();
  RtSolver *s = tp_solver(&t->p, "itd", KV("r=8", "inner_lr=0.05", "x_step=0"), 1);
  rt_solver_step(s, 0);
  RtUnroll *u = s->state;
  double gE[5], gF[5], x[5], fd[5];
  rt_copy(5, s->d, gE);
  for (int j = 0; j < 5; j++) {
    double h = 1e-5;
    rt_copy(5, t->x0, x);
    x[j] += h;
    double fp = rt_unroll_forward(s, u, rt_oracle_draw(&s->o), x, gF);
    x[j] -= 2 * h;
    double fm = rt_unroll_forward(s, u, rt_oracle_draw(&s->o), x, gF);
    fd[j] = (fp - fm) / (2 * h);
  }
  double e = tp_rel_err(5, gE, fd);
  print_message("g_E vs central differences of F: relative difference %.2e (tolerance 1e-7)\n", e);
  assert_true(e < 1e-7);
  /* and g_F is not g_E here: the second-order terms matter */
  rt_unroll_forward(s, u, rt_oracle_draw(&s->o), t->x0, gF);
  assert_true(tp_rel_err(5, gF, gE) > 1e-3);
  rt_solver_free(s);
  tp_free(t);
}

/* resample = step on the toy (a fresh task per inner step): the reverse sweep must replay each
 * step's draw; all three modes still agree, and differ from resample = task. */
static void test_step_resampling_replay(void **state) {
  (void)state;
  TpToy toy;
  tp_toy_init(&toy, 3.0);
  double di[1], dr[1], ds[1], dt[1];
  const char *const *kv = KV("r=12", "x_step=0.3", "resample=step");
  run_d(&toy.p, "itd", kv, 5, di, NULL);
  run_d(&toy.p, "ufom", KV("r=12", "x_step=0.3", "resample=step", "q=1"), 5, dr, NULL);
  run_d(&toy.p, "ufom", KV("r=12", "x_step=0.3", "resample=step", "q=1", "checkpoint=sqrt"), 5, ds,
        NULL);
  run_d(&toy.p, "itd", KV("r=12", "x_step=0.3"), 5, dt, NULL);
  assert_true(fabs(dr[0] - di[0]) <= 1e-12 * fabs(di[0]));
  assert_true(fabs(ds[0] - di[0]) <= 1e-12 * fabs(di[0]));
  assert_true(dt[0] != di[0]);
}

/* x_step = 0: every step estimates g_U at x0. Mean over N = 4000 draws vs g_E (itd). */
static void test_unbiased(void **state) {
  (void)state;
  TpProblem *t = nonlinear();
  enum { N = 4000 };
  double gE[5], mean[5] = {0}, m2[5] = {0};
  run_d(&t->p, "itd", KV("r=10", "inner_lr=0.05", "x_step=0"), 1, gE, NULL);
  RtSolver *s = tp_solver(&t->p, "ufom", KV("r=10", "inner_lr=0.05", "x_step=0", "q=0.3"), 11);
  for (int k = 0; k < N; k++) {
    rt_solver_step(s, k);
    for (int j = 0; j < 5; j++) {
      mean[j] += s->d[j] / N;
      m2[j] += s->d[j] * s->d[j] / N;
    }
  }
  double worst = 0;
  for (int j = 0; j < 5; j++) {
    double se = sqrt((m2[j] - mean[j] * mean[j]) / N);
    worst = fmax(worst, fabs(mean[j] - gE[j]) / se);
  }
  double frac = stat(s, "exact_draws") / N;
  print_message(
      "UFOM q = 0.3: mean of %d g_U within %.2f standard errors of g_E (bound 5); exact draws %.3f "
      "(q = 0.3)\n",
      N, worst, frac);
  assert_true(worst < 5);
  assert_true(fabs(frac - 0.3) < 5 * sqrt(0.3 * 0.7 / N));
  rt_solver_free(s);
  tp_free(t);
}

/* Setup allocates everything; for the recomputation branch that is the same for r = 10 and
 * r = 1000, and the peak over 2 steps (both exact, q = 1: 2 x 499500 recomputed inner steps at
 * r = 1000) adds nothing. Stored iterates
 * (itd) grow by exactly (r2 - r1) ny doubles; sqrt checkpoints by about 2 sqrt(r) ny. */
static size_t ufom_bytes(const BloProblem *p, const char *method, const char *r, const char *ck,
                         size_t *peak_extra) {
  char ropt[32], copt[32];
  snprintf(ropt, sizeof ropt, "r=%s", r);
  snprintf(copt, sizeof copt, "checkpoint=%s", ck);
  RtSolver *s = tp_solver(p, method,
                          strcmp(method, "ufom") ? KV(ropt, "inner_lr=0.05")
                                                 : KV(ropt, "inner_lr=0.05", "q=1", copt),
                          1);
  size_t bytes = s->alloc_bytes;
  if (peak_extra) {
    RtMemStats m0 = rt_mem_stats();
    rt_mem_reset_peak();
    for (int k = 0; k < 2; k++) rt_solver_step(s, k);
    *peak_extra = rt_mem_stats().peak_bytes - m0.live_bytes;
  }
  rt_solver_free(s);
  return bytes;
}

/* checkpoint = auto stores the trajectory when r ny doubles fit memory_budget (MiB), else takes
 * sqrt(r) checkpoints; the choice is recorded in the options (the result JSON shows it) and
 * the stored iterates in method_stats. The nonlinear problem has ny = 8: r = 1000 stores 64000
 * bytes. */
static void test_checkpoint_auto(void **state) {
  (void)state;
  TpProblem *t = nonlinear();
  const struct {
    const char *budget, *expect;
    double stored;
  } c[] = {{"memory_budget=1", "store", 1000}, {"memory_budget=0.06", "sqrt", 32 + 32}};
  for (int i = 0; i < 2; i++) {
    RtSolver *s = tp_solver(&t->p, "ufom", KV("r=1000", "inner_lr=0.05", "q=1", c[i].budget), 1);
    assert_string_equal(rt_opt_word(&s->opt, "checkpoint"), c[i].expect);
    assert_true(stat(s, "stored_iterates") == c[i].stored);
    rt_solver_step(s, 0);
    assert_true(stat(s, "recomputed_inner_steps") <= (i == 0 ? 0 : 1000));
    rt_solver_free(s);
  }
  /* the default budget is recorded too: the result JSON showed "memory_budget": null */
  RtSolver *s = tp_solver(&t->p, "ufom", KV("r=1000", "inner_lr=0.05", "q=1"), 1);
  double mib = rt_solver_num(s, "memory_budget");
  assert_true(isfinite(mib) && mib > 0);
  rt_solver_free(s);
  tp_free(t);
}

static void test_memory_independent_of_r(void **state) {
  (void)state;
  TpProblem *t = nonlinear();
  size_t pk10, pk1000;
  size_t b10 = ufom_bytes(&t->p, "ufom", "10", "none", &pk10);
  size_t b1000 = ufom_bytes(&t->p, "ufom", "1000", "none", &pk1000);
  print_message(
      "ufom (recompute) setup bytes: r = 10: %zu, r = 1000: %zu; peak growth during steps %zu / "
      "%zu\n",
      b10, b1000, pk10, pk1000);
  assert_int_equal(b10, b1000);
  assert_int_equal(pk10, 0);
  assert_int_equal(pk1000, 0);
  size_t i10 = ufom_bytes(&t->p, "itd", "10", "none", NULL),
         i1000 = ufom_bytes(&t->p, "itd", "1000", "none", NULL);
  assert_int_equal(i1000 - i10, 990 * 8 * sizeof(double));
  size_t s100 = ufom_bytes(&t->p, "ufom", "100", "sqrt", NULL),
         s10000 = ufom_bytes(&t->p, "ufom", "10000", "sqrt", NULL);
  assert_int_equal(s10000 - s100, (size_t)((100 + 100) - (10 + 10)) * 8 * sizeof(double));
  print_message("itd setup bytes r = 10 / 1000: %zu / %zu; ufom sqrt r = 100 / 10000: %zu / %zu\n",
                i10, i1000, s100, s10000);
  tp_free(t);
}

static void test_adaptive_rule(void **state) {
  (void)state;
  double cdet = 11, crnd = 55, thr = crnd / (2 * (cdet + crnd)); /* r = 10 */
  assert_true(rt_ufom_adaptive_q(thr * 2.0, 2.0, cdet, crnd, 0.05) == 1);    /* at the threshold */
  assert_true(rt_ufom_adaptive_q(5.0, 1.0, cdet, crnd, 0.05) == 1);          /* D^2 > V^2 */
  assert_true(rt_ufom_adaptive_q(0.0, 1.0, cdet, crnd, 0.05) == 0.05);       /* no bias: q_min */
  double D2 = 0.01, V2 = 1.0, q = rt_ufom_adaptive_q(D2, V2, cdet, crnd, 1e-9);
  double resid = (V2 - D2) * crnd * q * q - D2 * crnd * q - 2 * D2 * cdet;
  assert_true(q > 0 && q < 1);
  assert_true(fabs(resid) < 1e-12);
  assert_true(rt_ufom_adaptive_q(D2, V2, cdet, crnd, 0.5) == 0.5);           /* clamped */
  /* In a run: q = q_min before the first exact draw, then within [q_min, 1]. */
  TpProblem *t = nonlinear();
  RtSolver *s =
      tp_solver(&t->p, "ufom", KV("r=10", "inner_lr=0.05", "q=adaptive", "x_step=0.01"), 1);
  assert_true(stat(s, "q") == 0.05);
  for (int k = 0; k < 300; k++) rt_solver_step(s, k);
  double qf = stat(s, "q");
  print_message("adaptive q after 300 steps: %.4f (%g exact draws)\n", qf, stat(s, "exact_draws"));
  assert_true(stat(s, "exact_draws") > 0);
  assert_true(qf >= 0.05 && qf <= 1);
  rt_solver_free(s);
  tp_free(t);
}

static void test_option_aliases(void **state) {
  (void)state;
  TpProblem *t = nonlinear();
  RtSolver *s = tp_solver(&t->p, "fom", KV("inner_steps=7", "y_step=0.02"), 1);
  assert_int_equal(((RtUnroll *)s->state)->r, 7);
  assert_true(((RtUnroll *)s->state)->alpha == 0.02);
  assert_true(rt_solver_num(s, "r") == 7 && rt_solver_num(s, "inner_steps") == 7);
  rt_solver_free(s);
  RtOptions o;
  rt_options_init(&o, rt_method_find("ufom"));
  assert_null(rt_options_set(&o, "inner_steps", "7"));
  assert_null(rt_options_set(&o, "r", "8"));
  char err[512];
  assert_null(rt_solver_new(&t->p, &o, 1, err, sizeof err));
  assert_string_equal(
      err,
      "options 'inner_steps' = 7 and 'r' = 8 disagree; for method 'ufom' 'inner_steps' is an alias "
      "of 'r'");
  tp_free(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_exact_branch_modes),
      cmocka_unit_test(test_exact_vs_finite_differences),
      cmocka_unit_test(test_step_resampling_replay),
      cmocka_unit_test(test_unbiased),
      cmocka_unit_test(test_checkpoint_auto),
      cmocka_unit_test(test_memory_independent_of_r),
      cmocka_unit_test(test_adaptive_rule),
      cmocka_unit_test(test_option_aliases),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
