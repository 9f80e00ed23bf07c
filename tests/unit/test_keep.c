/* test_keep.c — what a run keeps and saves (doc/methods.md "Results"): the saved pair (x, y)
 * describes one point for every method (exact: y = y*(x) to y_tol; methods with a lower loop:
 * that loop run once more at the final x; soba: its next pair); the best trace point beside the
 * final one and --keep; on_divergence = halve; eval_draws. Closed forms come from the quadratic
 * test problem (rt_testprob.h), computed here independently of the runtime. */
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

#include "rt_linalg.h"
#include "rt_run.h"
#include "fixture_dir.h"
#include "rt_testprob.h"

/* The fixture directory's name; one buffer per file name used here, so a path stays valid in a
 * config. */
static const char *path(const char *name) {
  static const char *const names[] = {"x.csv", "y.csv", "a.json", "a.csv"};
  static char buf[4][512];
  for (int i = 0; i < 4; i++)
    if (strcmp(name, names[i]) == 0) {
      snprintf(buf[i], sizeof buf[i], "%s/%s", fxd_dir(), name);
      return buf[i];
    }
  fail_msg("no buffer for the path of %s", name);
  return NULL;
}

/* The first n numbers of a saved vector file. */
static void read_vec(const char *p, int64_t n, double *v) {
  FILE *f = fopen(p, "r");
  assert_non_null(f);
  for (int64_t i = 0; i < n; i++) assert_int_equal(fscanf(f, "%lf", &v[i]), 1);
  fclose(f);
}

static RtRunConfig quiet_cfg(void) {
  RtRunConfig c;
  rt_run_config_init(&c);
  c.quiet = true;
  return c;
}

static int setup(void **state) {
  (void)state;
  return fxd_create("keep");
}

/* grad_y g = H y - (B x + c) of the quadratic test problem, written out here. */
static void quad_grad_y(const TpProblem *t, const double *x, const double *y, double *out) {
  int64_t nx = t->spec.nx, ny = t->spec.ny;
  for (int64_t i = 0; i < ny; i++) {
    double a = -t->c[i];
    for (int64_t j = 0; j < ny; j++) a += t->H[i * ny + j] * y[j];
    for (int64_t j = 0; j < nx; j++) a -= t->B[i * nx + j] * x[j];
    out[i] = a;
  }
}

/* exact: the saved y is y*(saved x) and the summary's |grad_y g| is below y_tol. Before the fix
 * the pair was (x_K, y*(x_{K-1})): |grad_y g| ~ |B (x_K - x_{K-1})|, far above y_tol. */
static void test_exact_pair(void **state) {
  (void)state;
  TpSpec sp = tp_default_spec();
  TpProblem *t = tp_new(&sp);
  RtOptions o = tp_options("exact", KV("x_step=0.5", "outer_steps=7", "trace_every=3"));
  RtRunConfig cfg = quiet_cfg();
  cfg.save_x_path = path("x.csv");
  cfg.save_y_path = path("y.csv");
  RtResult r;
  assert_int_equal(rt_solve(&t->p, &o, &cfg, &r), 0);
  double x[5], y[8], ys[8], gy[8];
  read_vec(path("x.csv"), 5, x);
  read_vec(path("y.csv"), 8, y);
  assert_memory_equal(x, r.x, sizeof x);
  assert_memory_equal(y, r.y, sizeof y);
  tp_ystar(t, x, ys);
  double err = tp_rel_err(8, y, ys);
  quad_grad_y(t, x, y, gy);
  print_message("exact: |y - y*(x)| / |y*| = %.3g, summary |grad_y g| = %.3g, recomputed %.3g\n",
                err, r.grad_y_g_norm, rt_nrm2(8, gy));
  assert_true(err < 1e-12);
  assert_true(r.grad_y_g_norm < 1e-10); /* y_tol */
  assert_true(rt_nrm2(8, gy) < 1e-10);
  /* the pair the last step used is y*(x_{K-1}): far from y*(x_K) while x still moves */
  RtOptions o6 = tp_options("exact", KV("x_step=0.5", "outer_steps=6"));
  RtResult r6;
  cfg.save_x_path = cfg.save_y_path = NULL;
  assert_int_equal(rt_solve(&t->p, &o6, &cfg, &r6), 0);
  tp_ystar(t, r6.x, ys);
  assert_true(tp_rel_err(8, r6.y, ys) < 1e-12);
  assert_true(tp_rel_err(8, y, r6.y) > 1e-6);
  rt_result_free(&r);
  rt_result_free(&r6);
  tp_free(t);
}

/* Methods that start a step with T gradient steps on y: the saved y is those T steps, run once
 * more from the method's y at the saved x; soba: the y of its next joint step. Checked against
 * the solver stepped by hand and the lower loop written out here; |grad_y g| in the result is
 * that of the saved pair. */
static void test_loop_pair(void **state) {
  (void)state;
  TpSpec sp = tp_default_spec();
  TpProblem *t = tp_new(&sp);
  struct { const char *m; int T; } c[] = {
      {"aid_cg", 4}, {"lancbio", 3}, {"stocbio", 2}, {"soba", 0}};
  for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
    char inner[32];
    snprintf(inner, sizeof inner, "inner_steps=%d", c[i].T ? c[i].T : 1);
    const char *const *kv =
        KV("x_step=0.3", "y_step=0.05", "outer_steps=9", "trace_every=4", inner);
    RtOptions o = tp_options(c[i].m, kv);
    RtRunConfig cfg = quiet_cfg();
    RtResult r;
    assert_int_equal(rt_solve(&t->p, &o, &cfg, &r), 0);
    RtSolver *s = tp_solver(&t->p, c[i].m, kv, 1);
    for (int64_t k = 0; k < 9; k++) rt_solver_step(s, k);
    assert_memory_equal(s->x, r.x, 5 * sizeof(double));
    double y[8], gy[8];
    rt_copy(8, s->y, y);
    for (int k = 0; k < c[i].T; k++) {
      quad_grad_y(t, s->x, y, gy);
      rt_axpy(8, -0.05, gy, y);
    }
    quad_grad_y(t, r.x, r.y, gy);
    double err = tp_rel_err(8, r.y, y);
    print_message("%s: |saved y - expected| / |y| = %.3g; |grad_y g| %.6g (recomputed %.6g)\n",
                  c[i].m, err, r.grad_y_g_norm, rt_nrm2(8, gy));
    assert_true(err < 1e-13);
    assert_true(fabs(r.grad_y_g_norm - rt_nrm2(8, gy)) <= 1e-12 * rt_nrm2(8, gy) + 1e-15);
    rt_solver_free(s);
    rt_result_free(&r);
  }
  tp_free(t);
}

/* A step too large (issue 11 item 5: SOBA kept "the iterate of step 50" with x = 1.8e7), here
 * LancBiO with x_step = 8 and on_divergence = stop: the last good iterate is already far off;
 * the best trace point is reported beside it (JSON "best"), and is what --save-x writes by
 * default after a failure; --keep last writes the final one. */
static void test_best_after_failure(void **state) {
  (void)state;
  TpSpec sp = tp_default_spec();
  TpProblem *t = tp_new(&sp);
  RtOptions o = tp_options("lancbio", KV("x_step=8", "y_step=0.1", "outer_steps=400",
                                         "trace_every=5", "on_divergence=stop"));
  RtRunConfig cfg = quiet_cfg();
  cfg.messages = tmpfile();
  cfg.save_x_path = path("x.csv");
  cfg.out_path = path("a.json");
  RtResult r;
  assert_int_equal(rt_solve(&t->p, &o, &cfg, &r), RT_STATUS_NUMERICAL);
  double xs[5], x[5];
  tp_xstar(t, xs);
  read_vec(path("x.csv"), 5, x);
  print_message("lancbio x_step 8: %s; last |x - x*| %.3g (|hypergradient| %.3g); best step %lld "
                "|x - x*| %.3g (|hypergradient| %.3g)\n", r.message, tp_rel_err(5, r.x, xs),
                r.hypergrad_norm, (long long)r.best_step, tp_rel_err(5, r.best_x, xs),
                r.best_hypergrad_norm);
  assert_true(r.best_step > 0 && r.best_step < r.steps);
  assert_true(tp_rel_err(5, r.best_x, xs) < 1e-5 && tp_rel_err(5, r.x, xs) > 1e3);
  assert_string_equal(r.best_by, "hypergrad_norm");
  assert_true(r.saved_best);
  assert_memory_equal(x, r.best_x, sizeof x);
  assert_true(r.best_hypergrad_norm < r.hypergrad_norm);
  assert_true(tp_rel_err(5, r.best_x, xs) < tp_rel_err(5, r.x, xs));
  char *js = fxd_read(path("a.json"), NULL);
  char want[64];
  snprintf(want, sizeof want, "\"best\": {\"step\": %lld, \"by\": \"hypergrad_norm\"",
           (long long)r.best_step);
  assert_non_null(strstr(js, want));
  assert_non_null(strstr(js, "\"saved\": \"best\""));
  assert_non_null(strstr(js, "\"recoveries\": []"));
  free(js);
  fflush(cfg.messages);
  rewind(cfg.messages);
  char msg[2048] = "";
  size_t n = fread(msg, 1, sizeof msg - 1, cfg.messages);
  msg[n] = '\0';
  assert_non_null(strstr(msg, "and the best trace point, step"));
  assert_non_null(strstr(msg, "which is saved"));
  rt_result_free(&r);
  /* --keep last */
  cfg.keep = RT_KEEP_LAST;
  assert_int_equal(rt_solve(&t->p, &o, &cfg, &r), RT_STATUS_NUMERICAL);
  read_vec(path("x.csv"), 5, x);
  assert_false(r.saved_best);
  assert_memory_equal(x, r.x, sizeof x);
  rt_result_free(&r);
  /* SOBA, as in the issue: with x_step = 30 it fails at step 19, |x - x*| / |x*| = 6e5; the
   * best trace point is the start (scored by SOBA's first estimate, taken there) */
  RtOptions so = tp_options("soba", KV("x_step=30", "y_step=0.1", "outer_steps=400",
                                       "trace_every=5", "on_divergence=stop"));
  cfg.keep = RT_KEEP_AUTO;
  assert_int_equal(rt_solve(&t->p, &so, &cfg, &r), RT_STATUS_NUMERICAL);
  print_message("soba x_step 30: last |x - x*| / |x*| %.3g, best step %lld: %.3g\n",
                tp_rel_err(5, r.x, xs), (long long)r.best_step, tp_rel_err(5, r.best_x, xs));
  assert_true(r.saved_best && r.best_step >= 0);
  assert_true(tp_rel_err(5, r.best_x, xs) < 10 && tp_rel_err(5, r.x, xs) > 1e3);
  read_vec(path("x.csv"), 5, x);
  assert_memory_equal(x, r.best_x, sizeof x);
  rt_result_free(&r);
  /* a finished run saves the last iterate unless --keep best */
  RtOptions ok = tp_options("aid_cg", KV("x_step=0.5", "y_step=0.1", "outer_steps=50"));
  cfg.keep = RT_KEEP_AUTO;
  assert_int_equal(rt_solve(&t->p, &ok, &cfg, &r), 0);
  read_vec(path("x.csv"), 5, x);
  assert_false(r.saved_best);
  assert_memory_equal(x, r.x, sizeof x);
  assert_true(r.best_step == 50 || r.best_step % 10 == 0);
  rt_result_free(&r);
  cfg.keep = RT_KEEP_BEST;
  assert_int_equal(rt_solve(&t->p, &ok, &cfg, &r), 0);
  read_vec(path("x.csv"), 5, x);
  assert_true(r.saved_best);
  assert_memory_equal(x, r.best_x, sizeof x);
  js = fxd_read(path("a.json"), NULL);
  assert_non_null(strstr(js, "\"saved\": \"best\""));
  free(js);
  rt_result_free(&r);
  fclose(cfg.messages);
  tp_free(t);
}

/* A random estimate (UFOM's coin, q < 1) picks its best trace point by f: one draw's |d|, 0 on
 * a coin flip, says nothing of stationarity, and ranked such a point first. */
static void test_best_random_estimate(void **state) {
  (void)state;
  TpSpec sp = tp_default_spec();
  TpProblem *t = tp_new(&sp);
  RtOptions o = tp_options("ufom", KV("x_step=0.1", "q=0.5", "outer_steps=20"));
  RtRunConfig cfg = quiet_cfg();
  RtResult r;
  assert_int_equal(rt_solve(&t->p, &o, &cfg, &r), 0);
  assert_string_equal(r.best_by, "f");
  rt_result_free(&r);
  o = tp_options("ufom", KV("x_step=0.1", "q=1", "outer_steps=20"));
  assert_int_equal(rt_solve(&t->p, &o, &cfg, &r), 0);
  assert_string_equal(r.best_by, "hypergrad_norm");
  rt_result_free(&r);
  tp_free(t);
}

/* on_divergence = halve (the default): a step that diverges goes back to the best iterate with
 * half the step, says so, and records it; the run then reaches x*. A y step above 2/L halves
 * the y step too. A step that diverges at every size allowed stops with status 2 after 3. */
static void test_halve(void **state) {
  (void)state;
  TpSpec sp = tp_default_spec();
  TpProblem *t = tp_new(&sp);
  double xs[5];
  tp_xstar(t, xs);
  RtRunConfig cfg = quiet_cfg();
  cfg.quiet = false;
  cfg.progress_mode = RT_PROGRESS_NONE;
  cfg.messages = tmpfile();
  cfg.out_path = path("a.json");
  RtResult r;
  RtOptions o = tp_options("aid_cg", KV("x_step=30", "y_step=0.1", "outer_steps=600"));
  assert_int_equal(rt_solve(&t->p, &o, &cfg, &r), 0);
  print_message("aid_cg x_step 30: %d recoveries, last x_step %g, |x - x*| / |x*| = %.3g\n",
                r.n_recoveries, r.n_recoveries ? r.recoveries[r.n_recoveries - 1].x_step : 30,
                tp_rel_err(5, r.x, xs));
  assert_true(r.n_recoveries >= 1 && r.n_recoveries <= 3);
  for (int i = 0; i < r.n_recoveries; i++) {
    assert_true(r.recoveries[i].x_step == 30 / pow(2, i + 1));
    assert_true(r.recoveries[i].y_step == 0.1);
    assert_true(r.recoveries[i].from_step < r.recoveries[i].step);
    assert_non_null(strstr(r.recoveries[i].reason, "divergence at outer step"));
  }
  assert_true(tp_rel_err(5, r.x, xs) < 1e-8);
  char *js = fxd_read(path("a.json"), NULL);
  assert_non_null(strstr(js, "\"recoveries\": [\n    {\"step\": "));
  free(js);
  rt_result_free(&r);
  /* the lower loop blows up: y_step 0.25 > 2 / L = 0.2; y_step alone is to blame, so x_step
   * stays (it was halved too, and every recovery halved it while y_step went on blowing up
   * on the diabetes ridge problem) */
  o = tp_options("aid_cg", KV("x_step=0.5", "y_step=0.25", "outer_steps=1000"));
  assert_int_equal(rt_solve(&t->p, &o, &cfg, &r), 0);
  print_message("aid_cg y_step 0.25: %d recoveries, y_step %g, |x - x*| / |x*| = %.3g\n",
                r.n_recoveries, r.n_recoveries ? r.recoveries[r.n_recoveries - 1].y_step : 0.25,
                tp_rel_err(5, r.x, xs));
  assert_true(r.n_recoveries >= 1);
  assert_true(r.recoveries[r.n_recoveries - 1].y_step < 0.2);
  assert_true(r.recoveries[0].x_step == 0.5);
  assert_non_null(strstr(r.recoveries[0].reason, "; the lower loop blew up on its own: at the x "
                                                 "of the best trace point (step "));
  assert_true(tp_rel_err(5, r.x, xs) < 1e-8);
  rt_result_free(&r);
  /* hopeless: status 2 after 3 halvings, the best iterate kept */
  o = tp_options("aid_cg", KV("x_step=1e6", "y_step=0.1", "outer_steps=600"));
  assert_int_equal(rt_solve(&t->p, &o, &cfg, &r), RT_STATUS_NUMERICAL);
  assert_int_equal(r.n_recoveries, 3);
  assert_non_null(strstr(r.message, "(after 3 halvings of x_step)"));
  assert_true(r.saved_best && rt_all_finite(5, r.best_x));
  rt_result_free(&r);
  fflush(cfg.messages);
  rewind(cfg.messages);
  char msg[8192] = "";
  size_t n = fread(msg, 1, sizeof msg - 1, cfg.messages);
  msg[n] = '\0';
  assert_non_null(strstr(msg, "bloc: warning: divergence at outer step"));
  assert_non_null(strstr(msg, "going back to the best iterate (step"));
  assert_non_null(strstr(msg, "(on_divergence = halve, 3 of 3)"));
  /* lancbio rebuilds its basis after going back */
  o = tp_options("lancbio", KV("x_step=30", "y_step=0.1", "outer_steps=600"));
  assert_int_equal(rt_solve(&t->p, &o, &cfg, &r), 0);
  print_message("lancbio x_step 30: %d recoveries, |x - x*| / |x*| = %.3g\n", r.n_recoveries,
                tp_rel_err(5, r.x, xs));
  assert_true(r.n_recoveries >= 1 && tp_rel_err(5, r.x, xs) < 1e-8);
  rt_result_free(&r);
  /* F2SA's penalised y (gradient steps on f + lambda g, L_f = 1, L_g = 10) blows up when
   * y_step (1 + 10 lambda) > 2: y_step = auto = 0.08 at lambda = 2.6. Halving x_step alone
   * could not help (exit 2 after three tries); the recovery halves y_step. */
  o = tp_options("f2sa", KV("lambda0=2.6", "x_step=0.5", "outer_steps=600"));
  assert_int_equal(rt_solve(&t->p, &o, &cfg, &r), 0);
  print_message("f2sa lambda0 2.6: %d recoveries, y_step %g, |d| %.3g\n", r.n_recoveries,
                r.n_recoveries ? r.recoveries[0].y_step : NAN, r.hypergrad_norm);
  assert_true(r.n_recoveries >= 1 && r.recoveries[0].y_step < 0.05);
  assert_true(rt_all_finite(5, r.x) && r.hypergrad_norm < 1e-3);
  rt_result_free(&r);
  fclose(cfg.messages);
  tp_free(t);
}

/* An unrolled loop whose inner_lr is too large (0.25 > 2 / L = 0.2) blows up within the step:
 * ITD, FOM and UFOM spent their three x_step halvings on it, which cannot help, and stopped
 * with a message about |x| or |y|. They now stop at once and name inner_lr. */
static void test_unrolled_blowup(void **state) {
  (void)state;
  TpSpec sp = tp_default_spec();
  sp.init_x = true;
  TpProblem *t = tp_new(&sp);
  const char *methods[] = {"itd", "fom", "ufom"};
  for (int i = 0; i < 3; i++) {
    RtRunConfig cfg = quiet_cfg();
    RtResult r;
    RtOptions o = tp_options(methods[i], KV("inner_lr=0.25", "r=20", "outer_steps=50"));
    assert_int_equal(rt_solve(&t->p, &o, &cfg, &r), RT_STATUS_NUMERICAL);
    print_message("%s: %s\n", methods[i], r.message);
    assert_int_equal(r.n_recoveries, 0);
    assert_non_null(strstr(r.message, "; the unrolled lower loop blew up on its own (|grad_y g| "
                                      "grew at every one of its 20 inner steps): inner_lr = 0.25 "
                                      "is too large"));
    rt_result_free(&r);
    /* a stable inner_lr: no such message, whatever happens */
    o = tp_options(methods[i], KV("inner_lr=0.15", "r=20", "outer_steps=50", "x_step=0.1"));
    assert_int_equal(rt_solve(&t->p, &o, &cfg, &r), 0);
    rt_result_free(&r);
  }
  tp_free(t);
}

/* A run that does not converge but stays below the divergence bound (x_step 3.9 here: |x| grows
 * about 3% a step, f from 7.3 to 5.6e5 in 300 steps) ended with status 0 and no word; it now
 * warns, and as its f ends over 1000 times its start with the second half's largest over ten
 * times the first half's, it is a divergence (status 2). One that converges (3.5), or
 * oscillates while it converges (3.85: |d| 0.0037 at the end), does neither. */
static void test_not_converging(void **state) {
  (void)state;
  TpSpec sp = tp_default_spec();
  TpProblem *t = tp_new(&sp);
  const char *steps[] = {"x_step=3.9", "x_step=3.85", "x_step=3.5", "x_step=7.8"};
  for (int i = 0; i < 4; i++) {
    RtRunConfig cfg = quiet_cfg();
    cfg.quiet = false;
    cfg.progress_mode = RT_PROGRESS_NONE;
    cfg.messages = tmpfile();
    RtResult r;
    RtOptions o = tp_options("aid_cg", KV(steps[i], "y_step=0.1", "outer_steps=300"));
    /* 7.8 blows up, recovers at 3.9 and grows again: a divergence (not converging since the
     * recovery is run_exact_diverging_end.blo's) */
    bool grows = i == 0 || i == 3;
    assert_int_equal(rt_solve(&t->p, &o, &cfg, &r), grows ? RT_STATUS_NUMERICAL : 0);
    if (grows) assert_non_null(strstr(r.message, "divergence: f grew from 7.2728 at the start"));
    rewind(cfg.messages);
    char msg[4096] = "";
    msg[fread(msg, 1, sizeof msg - 1, cfg.messages)] = '\0';
    print_message("%s: |d| %.3g, f %.3g; %s\n", steps[i], r.hypergrad_norm, r.f,
                  *msg ? msg : "no message");
    bool warned = strstr(msg, "bloc: warning: the run has not converged: |hypergradient| "
                              "reached ") != NULL;
    assert_false(warned); /* 3.9: the divergence said it, a warning would repeat it */
    assert_int_equal(r.n_recoveries, i == 3);
    fclose(cfg.messages);
    rt_result_free(&r);
  }
  tp_free(t);
}

/* eval_draws: at the start (x fixed, so only the diagnostic draws vary with the seed) the trace
 * point's f over 20 seeds spreads much less with 100 draws than with 1. A deterministic problem
 * gives the same result with any eval_draws (and a warning that it has no effect). */
static void test_eval_draws(void **state) {
  (void)state;
  TpToy toy;
  tp_toy_init(&toy, 0.0);
  double sd[2];
  const char *nd[2] = {"eval_draws=1", "eval_draws=100"};
  for (int j = 0; j < 2; j++) {
    double sum = 0, sum2 = 0;
    for (int seed = 1; seed <= 20; seed++) {
      RtOptions o = tp_options("fom", KV("outer_steps=0", nd[j]));
      RtRunConfig cfg = quiet_cfg();
      cfg.seed = seed;
      RtResult r;
      assert_int_equal(rt_solve(&toy.p, &o, &cfg, &r), 0);
      sum += r.f;
      sum2 += r.f * r.f;
      if (seed == 1) assert_int_equal(r.diag_calls[RT_CALL_F], j ? 100 : 1);
      rt_result_free(&r);
    }
    sd[j] = sqrt(fmax(0, sum2 / 20 - (sum / 20) * (sum / 20)));
  }
  print_message("toy: sd of f at the start over 20 seeds: %.4g (1 draw), %.4g (100 draws)\n",
                sd[0], sd[1]);
  assert_true(sd[0] > 0 && sd[1] < 0.3 * sd[0]);
  TpSpec sp = tp_default_spec();
  TpProblem *t = tp_new(&sp);
  RtResult a, b;
  RtRunConfig cfg = quiet_cfg();
  RtOptions o1 = tp_options("aid_cg", KV("outer_steps=20"));
  RtOptions o2 = tp_options("aid_cg", KV("outer_steps=20", "eval_draws=50"));
  assert_int_equal(rt_solve(&t->p, &o1, &cfg, &a), 0);
  assert_int_equal(rt_solve(&t->p, &o2, &cfg, &b), 0);
  assert_true(a.f == b.f && a.g == b.g);
  assert_memory_equal(a.diag_calls, b.diag_calls, sizeof a.diag_calls);
  assert_int_equal(a.n_warnings, 0);
  assert_int_equal(b.n_warnings, 1);
  rt_result_free(&a);
  rt_result_free(&b);
  tp_free(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_exact_pair),         cmocka_unit_test(test_loop_pair),
      cmocka_unit_test(test_best_after_failure), cmocka_unit_test(test_halve),
      cmocka_unit_test(test_not_converging),     cmocka_unit_test(test_best_random_estimate),
      cmocka_unit_test(test_unrolled_blowup),    cmocka_unit_test(test_eval_draws),
  };
  return cmocka_run_group_tests(tests, setup, fxd_remove);
}
