/* test_toy.c — the UFOM paper's reference check (ALGORITHMS.md): two equiprobable 1-D tasks,
 * MAML form Phi(x) = x, f = g = task loss (quadratic a_i z^2/2 for z <= A, a cubic blend on
 * (A, A+1], linear beyond; z = |y - b_i/a_i|), task drawn per trajectory from the sample set
 * "t : batch(1) of 2", r = 10, alpha = 0.1, SGD x step 10/(k+1), 10^4 steps, x0 = 0.
 * Expected: FOM settles near 5.76 (where the true gradient is ~0.346), UFOM (q = 0.1) and the
 * exact unrolled gradient (itd) near x* ~ 2.84.
 *
 * Tolerances (from 20 seeds, mean of the last 5000 iterates): FOM sd 0.05, itd sd 0.045 -> a
 * single run within 0.2 (4 sd). UFOM q = 0.1 adds the (xi/q)(g_E - g_F) noise: sd 0.34 per run,
 * 20-seed mean 2.74; the mean of 8 runs has sd 0.12 -> within 0.5 (4 sd) of 2.84, and still
 * 2.9 away from FOM's point. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rt_solver.h"
#include "rt_testprob.h"

#define X_STAR 2.84
#define X_FOM 5.76

/* Mean of the last 5000 of 10^4 iterates. */
static double toy_run(const char *method, const char *q, const char *ck, uint64_t seed) {
  TpToy toy;
  tp_toy_init(&toy, 0.0);
  RtOptions o;
  rt_options_init(&o, rt_method_find(method));
  const char *kv[][2] = {{"r", "10"}, {"inner_lr", "0.1"}, {"x_step", "10"}, {"x_decay", "1"}};
  for (int i = 0; i < 4; i++) assert_null(rt_options_set(&o, kv[i][0], kv[i][1]));
  if (q) assert_null(rt_options_set(&o, "q", q));
  if (ck) assert_null(rt_options_set(&o, "checkpoint", ck));
  char err[256];
  RtSolver *s = rt_solver_new(&toy.p, &o, seed, err, sizeof err);
  assert_non_null(s);
  double mean = 0;
  for (int k = 0; k < 10000; k++) {
    rt_solver_step(s, k);
    if (k >= 5000) mean += s->x[0] / 5000;
  }
  assert_int_equal(s->o.fail_kind, -1);
  rt_solver_free(s);
  return mean;
}

/* The loss is C1 (in fact C2) at both joints, and even around each task's centre. */
static void test_toy_loss_smooth(void **state) {
  (void)state;
  for (int task = 0; task < 2; task++) {
    double a = task ? TOY_A2 : TOY_A1, c = (task ? TOY_B2 : TOY_B1) / a;
    for (int side = -1; side <= 1; side += 2)
      for (int j = 0; j < 2; j++) {
        double z = TOY_BIG_A + j, h = 1e-9, d1m, d1p, d2m, d2p;
        double fm = tp_toy_loss(task, c + side * (z - h), &d1m, &d2m);
        double fp = tp_toy_loss(task, c + side * (z + h), &d1p, &d2p);
        assert_true(fabs(fp - fm) < 1e-6);
        assert_true(fabs(d1p - d1m) < 1e-6);
        assert_true(fabs(d2p - d2m) < 1e-6);
      }
    double d1;
    tp_toy_loss(task, c + 50, &d1, NULL); /* linear zone: slope a (A + 1/2) */
    assert_true(fabs(d1 - a * (TOY_BIG_A + 0.5)) < 1e-12);
  }
}

/* Independent of the runtime: unroll both tasks by hand and average the exact and first-order
 * gradients; the stationary points are where they vanish. */
static double hand_grad(double x, int exact) {
  double g = 0;
  for (int task = 0; task < 2; task++) {
    double y = x, d1, d2, jac = 1; /* dy_r/dx */
    for (int t = 0; t < 10; t++) {
      tp_toy_loss(task, y, &d1, &d2);
      y -= 0.1 * d1;
      jac *= 1 - 0.1 * d2;
    }
    tp_toy_loss(task, y, &d1, NULL);
    g += 0.5 * d1 * (exact ? jac : 1);
  }
  return g;
}

static double bisect(int exact, double lo, double hi) {
  for (int i = 0; i < 100; i++) {
    double m = 0.5 * (lo + hi);
    if ((hand_grad(m, exact) > 0) == (hand_grad(hi, exact) > 0)) hi = m; else lo = m;
  }
  return 0.5 * (lo + hi);
}

static void test_reference_points(void **state) {
  (void)state;
  double xs = bisect(1, 0, 8), xf = bisect(0, 0, 8);
  print_message(
      "hand-unrolled stationary points: exact %.4f, FOM %.4f; true gradient at the FOM point "
      "%.4f\n",
      xs, xf, hand_grad(xf, 1));
  assert_true(fabs(xs - X_STAR) < 0.01);
  assert_true(fabs(xf - X_FOM) < 0.01);
  assert_true(fabs(hand_grad(xf, 1) - 0.346) < 0.002);
}

static void test_fom_and_exact(void **state) {
  (void)state;
  double f = toy_run("fom", NULL, NULL, 1), e = toy_run("itd", NULL, NULL, 1),
         u1 = toy_run("ufom", "1", NULL, 1);
  print_message(
      "FOM settles at %.4f (expected %.2f +- 0.2); itd at %.4f, ufom q = 1 at %.4f (expected %.2f "
      "+- 0.2)\n",
      f, X_FOM, e, u1, X_STAR);
  assert_true(fabs(f - X_FOM) < 0.2);
  assert_true(fabs(e - X_STAR) < 0.2);
  assert_true(fabs(u1 - X_STAR) < 0.2);
}

static void test_ufom_unbiased_fixed_point(void **state) {
  (void)state;
  double m = 0;
  for (uint64_t seed = 1; seed <= 8; seed++) m += toy_run("ufom", "0.1", NULL, seed) / 8;
  print_message(
      "UFOM q = 0.1: mean over 8 seeds of the last-5000 averages %.4f (expected %.2f +- 0.5)\n", m,
      X_STAR);
  assert_true(fabs(m - X_STAR) < 0.5);
  assert_true(fabs(m - X_FOM) > 2);
  /* sqrt checkpoints reproduce recomputation: same y_t bit for bit, hence the same run. */
  assert_true(toy_run("ufom", "0.1", "sqrt", 3) == toy_run("ufom", "0.1", "none", 3));
  double a = toy_run("ufom", "adaptive", NULL, 1);
  print_message("UFOM q = adaptive settles at %.4f\n", a);
  assert_true(fabs(a - X_STAR) < 0.2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_toy_loss_smooth),
      cmocka_unit_test(test_reference_points),
      cmocka_unit_test(test_fom_and_exact),
      cmocka_unit_test(test_ufom_unbiased_fixed_point),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
