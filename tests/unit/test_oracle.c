/* test_oracle.c — the oracle layer: call counting, fused kernels and their fallbacks, sample
 * draws (fresh per call, replayed by key, none without sample sets, diagnostics in their own
 * key space), meta-batch averaging, NaN/Inf detection, problem validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "rt_oracle.h"
#include "rt_rng.h"
#include "rt_testprob.h"

static void test_counts_and_fused(void **state) {
  (void)state;
  TpSpec sp = tp_default_spec();
  TpProblem *fused = tp_new(&sp);
  sp.fused = false;
  TpProblem *plain = tp_new(&sp);
  RtOracle a, b;
  char err[256];
  assert_int_equal(rt_oracle_init(&a, &fused->p, 1, 1, err, sizeof err), 0);
  assert_int_equal(rt_oracle_init(&b, &plain->p, 1, 1, err, sizeof err), 0);
  double x[5] = {0.1, -0.2, 0.3, 0.4, -0.5}, y[8], v[8];
  for (int i = 0; i < 8; i++) y[i] = 0.1 * i, v[i] = 1.0 - 0.2 * i;
  double gy1[8], Av1[8], gy2[8], Av2[8], Jv1[5], Jv2[5];
  double g1 = rt_oracle_grad_g_hvp(&a, RT_DRAW_FRESH, x, y, v, gy1, Av1);
  double g2 = rt_oracle_grad_g_hvp(&b, RT_DRAW_FRESH, x, y, v, gy2, Av2);
  assert_true(g1 == g2);
  assert_memory_equal(gy1, gy2, sizeof gy1);
  assert_memory_equal(Av1, Av2, sizeof Av1);
  rt_oracle_hvp_both(&a, RT_DRAW_FRESH, x, y, v, Av1, Jv1);
  rt_oracle_hvp_both(&b, RT_DRAW_FRESH, x, y, v, Av2, Jv2);
  assert_memory_equal(Av1, Av2, sizeof Av1);
  assert_memory_equal(Jv1, Jv2, sizeof Jv1);
  /* Both count one grad_g, two HVPs, one mixed product: counts are per quantity. */
  for (int k = 0; k < RT_CALL_NKINDS; k++) assert_int_equal(a.calls[k], b.calls[k]);
  assert_int_equal(a.calls[RT_CALL_GRAD_G], 1);
  assert_int_equal(a.calls[RT_CALL_HVP], 2);
  assert_int_equal(a.calls[RT_CALL_MIXED], 1);
  /* NULL outputs are accepted; f and g agree with the gradient kernels. */
  double gx[5];
  double f = rt_oracle_grad_f(&a, RT_DRAW_FRESH, x, y, gx, NULL);
  assert_true(f == rt_oracle_f(&a, RT_DRAW_FRESH, x, y));
  assert_true(g1 == rt_oracle_g(&a, RT_DRAW_FRESH, x, y));
  assert_int_equal(a.calls[RT_CALL_F], 1);
  assert_int_equal(a.calls[RT_CALL_G], 1);
  /* Without sample sets nothing is ever drawn. */
  assert_false(a.have_draw);
  assert_null(a.env.samples);
  /* Diagnostic calls count apart. */
  rt_oracle_set_diag(&a, true);
  rt_oracle_hvp(&a, RT_DRAW_FRESH, x, y, v, Av1);
  rt_oracle_set_diag(&a, false);
  assert_int_equal(a.calls[RT_CALL_HVP], 2);
  assert_int_equal(a.diag_calls[RT_CALL_HVP], 1);
  /* init_y without an initialiser kernel is the problem's y0; init_vjp is zero. */
  double y0[8], z[5] = {1, 1, 1, 1, 1};
  rt_oracle_init_y(&a, RT_DRAW_FRESH, x, y0);
  assert_memory_equal(y0, fused->y0, sizeof y0);
  rt_oracle_init_vjp(&a, RT_DRAW_FRESH, x, v, z);
  for (int j = 0; j < 5; j++) assert_true(z[j] == 0);
  rt_oracle_free(&a);
  rt_oracle_free(&b);
  tp_free(fused);
  tp_free(plain);
}

/* A problem whose kernels expose the sample sets: grad_y g writes samples (as doubles) into
 * gy; set "a" batch 3 of 10 (Floyd's branch), set "b" batch 100 of 200 (Fisher-Yates with the
 * oracle's scratch). NaN when x[0] is NaN-triggering. */
#define NY (3 + 100)
static void s_grad_g(const BloEnv *env, const double *x, const double *y, const double *v,
                     double *const *out) {
  (void)y; (void)v;
  double s = 0;
  for (int i = 0; i < NY; i++) {
    out[1][i] = (double)env->samples[i];
    s += out[1][i];
  }
  out[0][0] = x[0] > 1e300 ? NAN : s;
}
static void s_zero(const BloEnv *env, const double *x, const double *y, const double *v,
                   double *const *out) {
  (void)env; (void)x; (void)y; (void)v;
  out[0][0] = 0;
}
static void s_grad_f(const BloEnv *env, const double *x, const double *y, const double *v,
                     double *const *out) {
  (void)env; (void)y; (void)v;
  out[0][0] = x[0];
  out[1][0] = x[0] > 1e300 ? INFINITY : 0;
  memset(out[2], 0, NY * sizeof(double));
}
static void s_hvp(const BloEnv *env, const double *x, const double *y, const double *v,
                  double *const *out) {
  (void)env; (void)x; (void)y;
  memcpy(out[0], v, NY * sizeof(double));
}

static BloSampleInfo sets[2] = {{"a", 3, 10, 0}, {"b", 100, 200, 3}};
static double sx0[1], sy0[NY];
static BloProblem sample_problem(void) {
  BloProblem p;
  memset(&p, 0, sizeof p);
  p.abi_version = BLO_ABI_VERSION;
  p.name = "samples";
  p.nx = 1;
  p.ny = NY;
  p.n_samples = 2;
  p.samples = sets;
  p.sample_total = NY;
  p.kernels[BLO_K_GRAD_F] = s_grad_f;
  p.kernels[BLO_K_GRAD_Y_G] = s_grad_g;
  p.kernels[BLO_K_HVP_YY] = s_hvp;
  p.kernels[BLO_K_HVP_XY] = s_zero;
  p.x0 = sx0;
  p.y0 = sy0;
  return p;
}

static void check_draw(const double *d) {
  for (int i = 0; i < 3; i++) {
    assert_true(d[i] >= 0 && d[i] < 10);
    for (int j = 0; j < i; j++) assert_true(d[i] != d[j]);
  }
  char seen[200] = {0};
  for (int i = 3; i < NY; i++) {
    assert_true(d[i] >= 0 && d[i] < 200);
    assert_int_equal(seen[(int)d[i]], 0);
    seen[(int)d[i]] = 1;
  }
}

static void test_sample_draws(void **state) {
  (void)state;
  BloProblem p = sample_problem();
  RtOracle o;
  char err[256];
  assert_int_equal(rt_oracle_init(&o, &p, 42, 1, err, sizeof err), 0);
  double x[1] = {0}, y[NY] = {0}, d1[NY], d2[NY], d3[NY];
  RtDraw k1 = rt_oracle_draw(&o);
  rt_oracle_grad_g(&o, k1, x, y, d1);
  check_draw(d1);
  rt_oracle_grad_g(&o, RT_DRAW_FRESH, x, y, d2);
  check_draw(d2);
  assert_true(memcmp(d1, d2, sizeof d1) != 0);
  /* Diagnostic draws in between change nothing for the method's keys. */
  rt_oracle_set_diag(&o, true);
  rt_oracle_grad_g(&o, RT_DRAW_FRESH, x, y, d3);
  check_draw(d3);
  rt_oracle_set_diag(&o, false);
  RtDraw k3 = rt_oracle_draw(&o);
  assert_int_equal(k3, k1 + 2);
  /* Replay: the same key gives the same samples, whatever ran in between. */
  rt_oracle_grad_g(&o, k1, x, y, d3);
  assert_memory_equal(d1, d3, sizeof d1);
  /* The draw is a function of (seed, key, sub-draw) only: a second oracle agrees. */
  RtOracle o2;
  assert_int_equal(rt_oracle_init(&o2, &p, 42, 1, err, sizeof err), 0);
  rt_oracle_grad_g(&o2, k1, x, y, d3);
  assert_memory_equal(d1, d3, sizeof d1);
  rt_oracle_free(&o2);
  assert_int_equal(rt_oracle_init(&o2, &p, 43, 1, err, sizeof err), 0);
  rt_oracle_grad_g(&o2, k1, x, y, d3);
  assert_true(memcmp(d1, d3, sizeof d1) != 0);
  rt_oracle_free(&o2);
  /* Over many draws set "a" covers its population roughly uniformly (3/10 each). */
  int hits[10] = {0};
  for (int t = 0; t < 2000; t++) {
    rt_oracle_grad_g(&o, RT_DRAW_FRESH, x, y, d3);
    for (int i = 0; i < 3; i++) hits[(int)d3[i]]++;
  }
  for (int i = 0; i < 10; i++) assert_true(hits[i] > 600 - 5 * 20.5 && hits[i] < 600 + 5 * 20.5);
  rt_oracle_free(&o);
}

/* meta_batch = K: each call averages K sub-draws; the result equals the mean of the K draws
 * recomputed from rt_oracle_sample_seed; it counts K evaluations. */
static void test_meta_batch(void **state) {
  (void)state;
  BloProblem p = sample_problem();
  RtOracle o;
  char err[256];
  enum { K = 4 };
  assert_int_equal(rt_oracle_init(&o, &p, 5, K, err, sizeof err), 0);
  double x[1] = {0}, y[NY] = {0}, got[NY], want[NY] = {0};
  RtDraw key = rt_oracle_draw(&o);
  double g = rt_oracle_grad_g(&o, key, x, y, got);
  double gsum = 0;
  for (int sub = 0; sub < K; sub++) {
    RtRng r;
    rt_rng_seed(&r, rt_oracle_sample_seed(&o, key, sub));
    int64_t s[NY], scratch[200];
    rt_rng_sample_without_replacement(&r, 3, 10, s, scratch);
    rt_rng_sample_without_replacement(&r, 100, 200, s + 3, scratch);
    for (int i = 0; i < NY; i++) {
      want[i] += (double)s[i] / K;
      gsum += (double)s[i];
    }
  }
  for (int i = 0; i < NY; i++) assert_true(fabs(got[i] - want[i]) < 1e-12);
  assert_true(fabs(g - gsum / K) < 1e-9);
  assert_int_equal(o.calls[RT_CALL_GRAD_G], K);
  rt_oracle_free(&o);
}

static void test_nonfinite(void **state) {
  (void)state;
  BloProblem p = sample_problem();
  RtOracle o;
  char err[256];
  assert_int_equal(rt_oracle_init(&o, &p, 5, 1, err, sizeof err), 0);
  double x[1] = {0}, bad[1] = {1e308}, y[NY] = {0}, gy[NY], gx[1];
  rt_oracle_grad_g(&o, RT_DRAW_FRESH, x, y, gy);
  assert_int_equal(o.fail_kind, -1);
  rt_oracle_set_diag(&o, true); /* diagnostics never raise the failure flag */
  rt_oracle_grad_g(&o, RT_DRAW_FRESH, bad, y, gy);
  rt_oracle_set_diag(&o, false);
  assert_int_equal(o.fail_kind, -1);
  /* a line search's trial point: a non-finite g is returned as NaN for the caller to refuse,
   * not recorded as the step's failure (exact's Newton step onto log(y) at y < 0 was one) */
  assert_true(isnan(rt_oracle_g_trial(&o, RT_DRAW_FRESH, bad, y)));
  assert_int_equal(o.fail_kind, -1);
  RtDraw key = rt_oracle_draw(&o);
  assert_true(rt_oracle_g_trial(&o, key, x, y) == rt_oracle_g(&o, key, x, y));
  rt_oracle_grad_f(&o, RT_DRAW_FRESH, bad, y, gx, NULL);
  assert_int_equal(o.fail_kind, RT_CALL_GRAD_F);
  assert_string_equal(o.fail_what, "grad_x f");
  assert_int_equal(o.fail_call, 5);
  rt_oracle_grad_g(&o, RT_DRAW_FRESH, bad, y, gy); /* the first failure is kept */
  assert_int_equal(o.fail_kind, RT_CALL_GRAD_F);
  rt_oracle_g_trial(&o, RT_DRAW_FRESH, bad, y); /* nor cleared by a trial */
  assert_int_equal(o.fail_kind, RT_CALL_GRAD_F);
  rt_oracle_free(&o);
}

static void test_validation(void **state) {
  (void)state;
  char err[256];
  RtOracle o;
  BloProblem p = sample_problem();
  p.abi_version = 99;
  assert_int_equal(rt_oracle_init(&o, &p, 1, 1, err, sizeof err), -1);
  assert_non_null(strstr(err, "ABI version 99"));
  p = sample_problem();
  p.kernels[BLO_K_HVP_XY] = NULL;
  assert_int_equal(rt_oracle_init(&o, &p, 1, 1, err, sizeof err), -1);
  assert_string_equal(err, "problem 'samples' lacks the kernel BLO_K_HVP_XY");
  p = sample_problem();
  BloSampleInfo bad[1] = {{"t", 5, 2, 0}};
  p.n_samples = 1;
  p.samples = bad;
  assert_int_equal(rt_oracle_init(&o, &p, 1, 1, err, sizeof err), -1);
  assert_non_null(strstr(err, "sample set 't': batch 5 of population 2"));
  p = sample_problem();
  p.init_uses_x = 1;
  assert_int_equal(rt_oracle_init(&o, &p, 1, 1, err, sizeof err), -1);
  assert_non_null(strstr(err, "initialiser uses x but BLO_K_INIT_Y is missing"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_counts_and_fused),
      cmocka_unit_test(test_sample_draws),
      cmocka_unit_test(test_meta_batch),
      cmocka_unit_test(test_nonfinite),
      cmocka_unit_test(test_validation),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
