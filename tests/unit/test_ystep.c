/* test_ystep.c — y_step = auto (rt_ystep.h): the default of the methods that take gradient steps
 * on y; 1/(1.25 L) with L the largest Ritz value of the lower Hessian (exact when ny is within
 * the Lanczos steps); eta follows it when it has no value of its own; an explicit y_step wins;
 * rt_solve estimates before the first step and at every trace point, announces the value once
 * (and again only when it changes materially), records it in the result JSON, and stops with
 * status 2 and a clear message when the lower Hessian is not positive definite; on a stochastic
 * problem the step follows the largest estimate over the draws. */
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

#include "rt_methods.h"
#include "rt_run.h"
#include "rt_testprob.h"

/* Methods whose y_step defaults to auto, and the others. */
static void test_defaults(void **state) {
  (void)state;
  static const char *const autos[] = {"lancbio", "subbio", "aid_cg", "amigo_gd", "soba",
                                      "stocbio", "bsa", "ttsa", "f2sa", "hjfbio", "stable"};
  for (size_t i = 0; i < sizeof autos / sizeof autos[0]; i++) {
    RtOptions o;
    rt_options_init(&o, rt_method_find(autos[i]));
    const char *w = rt_opt_word(&o, "y_step");
    assert_non_null(w);
    assert_string_equal(w, "auto");
  }
  static const char *const numeric[] = {"ufom", "fom", "itd", "exact"};
  for (size_t i = 0; i < sizeof numeric / sizeof numeric[0]; i++) {
    RtOptions o;
    rt_options_init(&o, rt_method_find(numeric[i]));
    assert_null(rt_opt_word(&o, "y_step"));
    if (strcmp(numeric[i], "exact") == 0) { /* Newton: y_step is not used, setting it an error */
      assert_non_null(strstr(rt_options_set(&o, "y_step", "0.5"), "is not used"));
      continue;
    }
    assert_null(rt_options_set(&o, "y_step", "0.5"));
    assert_non_null(rt_options_set(&o, "y_step", "auto")); /* not accepted there */
  }
}

/* ny = 8 <= 20 Lanczos steps: the Krylov space is the whole space, so L = cond to rounding. */
static void test_value(void **state) {
  (void)state;
  TpSpec sp = tp_default_spec();
  sp.cond = 50;
  TpProblem *t = tp_new(&sp);
  RtSolver *s = tp_solver(&t->p, "amigo_gd", KV("outer_steps=1"), 1);
  assert_true(s->ystep.on && s->ystep.eta_follows);
  assert_true(isnan(s->y_step));
  char msg[512];
  assert_int_equal(rt_ystep_refresh(s, 0, msg, sizeof msg), 1);
  double want = 1 / (1.25 * 50);
  print_message("auto y_step %.17g (1/(1.25 * 50) = %.17g); %s\n", s->y_step, want, msg);
  assert_true(fabs(s->y_step - want) < 1e-12 * want);
  assert_true(s->eta == s->y_step);
  assert_true(strstr(msg, "y_step = auto: 0.016") != NULL);
  /* the same Hessian again: nothing to announce */
  assert_int_equal(rt_ystep_refresh(s, 10, msg, sizeof msg), 0);
  rt_solver_free(s);
  /* an explicit eta stays; an explicit y_step switches auto off */
  s = tp_solver(&t->p, "amigo_gd", KV("eta=0.003"), 1);
  assert_int_equal(rt_ystep_refresh(s, 0, msg, sizeof msg), 1);
  assert_true(s->eta == 0.003);
  rt_solver_free(s);
  s = tp_solver(&t->p, "lancbio", KV("y_step=0.01"), 1);
  assert_false(s->ystep.on);
  assert_int_equal(rt_ystep_refresh(s, 0, msg, sizeof msg), 0);
  assert_true(s->y_step == 0.01);
  rt_solver_free(s);
  /* a solver stepped directly estimates before its first step (20 Lanczos HVPs at most) */
  s = tp_solver(&t->p, "lancbio", NULL, 1);
  rt_solver_step(s, 0);
  assert_int_equal(s->ystep.estimates, 1);
  assert_true(fabs(s->y_step - want) < 1e-12 * want);
  assert_true(s->o.calls[RT_CALL_HVP] == 2 + (uint64_t)sp.ny);
  rt_solver_free(s);
  tp_free(t);
}

static char *slurp(FILE *f) {
  static char buf[1 << 16];
  rewind(f);
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = '\0';
  return buf;
}

static int count(const char *hay, const char *needle) {
  int n = 0;
  for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle)) n++;
  return n;
}

/* rt_solve: one note, estimates at k = 0, 10, 20, the value in the JSON, and the same x as a
 * run with that y_step given explicitly (the Hessian is constant, so every estimate agrees). */
static void test_run(void **state) {
  (void)state;
  TpSpec sp = tp_default_spec();
  sp.cond = 40;
  TpProblem *t = tp_new(&sp);
  char json[] = "/tmp/test_ystep_XXXXXX";
  int fd = mkstemp(json);
  assert_true(fd >= 0);
  FILE *msgs = tmpfile();
  RtRunConfig cfg;
  rt_run_config_init(&cfg);
  cfg.messages = msgs;
  cfg.progress_mode = RT_PROGRESS_NONE;
  cfg.handle_sigint = false;
  cfg.out_path = json;
  RtOptions o = tp_options("aid_cg", KV("outer_steps=30", "x_step=0.5"));
  RtResult res;
  assert_int_equal(rt_solve(&t->p, &o, &cfg, &res), 0);
  const char *m = slurp(msgs);
  print_message("%s", m);
  assert_int_equal(count(m, "bloc: note: y_step = auto: "), 1);
  FILE *jf = fopen(json, "r");
  const char *js = slurp(jf);
  fclose(jf);
  const char *p = strstr(js, "\"y_step_auto\": {\"y_step\": ");
  assert_non_null(p);
  double ys = strtod(p + strlen("\"y_step_auto\": {\"y_step\": "), NULL);
  assert_true(fabs(ys - 1 / (1.25 * 40)) < 1e-12);
  assert_non_null(strstr(js, "\"estimates\": 3}"));
  assert_non_null(strstr(js, "\"y_step\": \"auto\""));
  double x_auto[16];
  memcpy(x_auto, res.x, (size_t)sp.nx * sizeof(double));
  rt_result_free(&res);
  /* the explicit value: the same iterates (the estimate's HVPs aside) */
  char buf[64];
  snprintf(buf, sizeof buf, "y_step=%.17g", ys);
  o = tp_options("aid_cg", KV("outer_steps=30", "x_step=0.5", buf));
  cfg.out_path = NULL;
  cfg.messages = NULL;
  cfg.silent = true;
  assert_int_equal(rt_solve(&t->p, &o, &cfg, &res), 0);
  for (int64_t j = 0; j < sp.nx; j++) assert_true(res.x[j] == x_auto[j]);
  rt_result_free(&res);
  fclose(msgs);
  close(fd);
  remove(json);
  tp_free(t);
}

/* g = 1/2 y'H y - ... + gamma/4 sum y^4 with gamma < 0, started where 3 gamma y_i^2 outweighs
 * H: the lower Hessian is indefinite at y0. */
static void test_indefinite(void **state) {
  (void)state;
  TpSpec sp = tp_default_spec();
  sp.gamma = -1;
  TpProblem *t = tp_new(&sp);
  t->y0[0] = 3; /* H + 3 gamma diag(9, 0, ...): one negative eigenvalue, the others positive */
  FILE *msgs = tmpfile();
  RtRunConfig cfg;
  rt_run_config_init(&cfg);
  cfg.messages = msgs;
  cfg.progress_mode = RT_PROGRESS_NONE;
  cfg.handle_sigint = false;
  RtOptions o = tp_options("lancbio", KV("outer_steps=20"));
  RtResult res;
  assert_int_equal(rt_solve(&t->p, &o, &cfg, &res), RT_STATUS_NUMERICAL);
  assert_int_equal(res.stop, RT_STOP_NUMERICAL);
  assert_int_equal(res.steps, 0);
  const char *m = slurp(msgs);
  print_message("%s", m);
  assert_non_null(strstr(m, "bloc: error: y_step = auto before outer step 1: the lower Hessian "
                            "has Ritz values in [-"));
  /* the cure by case: none from y_step where g has no minimiser (session 51, fxF) */
  assert_non_null(strstr(m, "g is not convex in y there"));
  assert_non_null(strstr(m, "no y_step helps: bound x"));
  assert_non_null(strstr(m, "where g is convex only near its minimiser"));
  assert_non_null(strstr(m, "keeping the iterate of step 0"));
  for (int64_t j = 0; j < sp.nx; j++) assert_true(res.x[j] == t->x0[j]);
  rt_result_free(&res);
  fclose(msgs);
  tp_free(t);
}

/* Stochastic: the UFOM toy's two tasks have curvature 0.5 and 1.5 at y0 (ny = 1, so each
 * estimate is exact for its draw). The step follows the largest L seen and never grows. */
static void test_stochastic(void **state) {
  (void)state;
  TpToy toy;
  tp_toy_init(&toy, 0.0);
  RtSolver *s = tp_solver(&toy.p, "soba", NULL, 3);
  char msg[512];
  double prev = INFINITY;
  int announced = 0;
  for (int i = 0; i < 12; i++) {
    int rc = rt_ystep_refresh(s, 10 * i, msg, sizeof msg);
    assert_true(rc >= 0);
    announced += rc;
    assert_true(s->y_step <= prev);
    assert_true(s->ystep.ritz_max == 0.5 || s->ystep.ritz_max == 1.5);
    prev = s->y_step;
  }
  print_message("after 12 draws: y_step %.6g, %d notes; last: %s\n", s->y_step, announced, msg);
  assert_true(fabs(s->y_step - 1 / (1.25 * 1.5)) < 1e-15);
  assert_true(announced <= 2);
  assert_true(s->eta == s->y_step);
  rt_solver_free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_defaults), cmocka_unit_test(test_value), cmocka_unit_test(test_run),
      cmocka_unit_test(test_indefinite), cmocka_unit_test(test_stochastic)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
