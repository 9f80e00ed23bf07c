/* test_run.c — rt_solve, the run loop: same seed -> identical trace (time column excluded) and
 * result; trace/result/saved-vector formats; NaN -> status 2 with the last good iterate;
 * divergence -> status 2; a stop request (and a real SIGINT) -> a clean "interrupted" stop with
 * results written; tol stops; user errors come back as status 1 with their message, and rt_check
 * finds them without solving; progress modes; the non-convexity warning. Files go to a fresh
 * directory under $TMPDIR (or /tmp). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rt_linalg.h"
#include "rt_mem.h"
#include "rt_methods.h"
#include "rt_run.h"
#include "fixture_dir.h"
#include "rt_testprob.h"

static char *slurp_stream(FILE *f) {
  fflush(f);
  rewind(f);
  static char buf[1 << 16];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = '\0';
  return strdup(buf);
}

/* The trace with its second column (time) blanked. */
static char *without_time(const char *csv) {
  char *out = malloc(strlen(csv) + 1), *o = out;
  for (const char *p = csv; *p;) {
    const char *nl = strchr(p, '\n');
    size_t len = nl ? (size_t)(nl - p) + 1 : strlen(p);
    const char *c1 = memchr(p, ',', len),
               *c2 = c1 ? memchr(c1 + 1, ',', len - (size_t)(c1 + 1 - p)) : NULL;
    if (c1 && c2) {
      memcpy(o, p, (size_t)(c1 - p) + 1);
      o += c1 - p + 1;
      memcpy(o, c2, len - (size_t)(c2 - p));
      o += len - (size_t)(c2 - p);
    } else {
      memcpy(o, p, len);
      o += len;
    }
    p += len;
  }
  *o = '\0';
  return out;
}


static RtRunConfig quiet_cfg(void) {
  RtRunConfig c;
  rt_run_config_init(&c);
  c.quiet = true;
  return c;
}

static int setup(void **state) {
  (void)state;
  return fxd_create("rt");
}

/* Same seed -> identical trace (but time) and identical x, for a deterministic method, a
 * randomised one and a stochastic problem; another seed changes the stochastic runs; tracing
 * more often changes nothing in the iterates. */
static void test_deterministic_trace(void **state) {
  (void)state;
  TpSpec sp = tp_default_spec();
  TpProblem *t = tp_new(&sp);
  TpToy toy;
  tp_toy_init(&toy, 0.0);
  struct { const BloProblem *p; const char *m; const char *const *kv; bool random;
  } c[] = {
      {&t->p, "lancbio", KV("x_step=0.5", "y_step=0.1", "outer_steps=60", "trace_every=7"), false},
      {&t->p, "bsa", KV("x_step=0.5", "y_step=0.1", "outer_steps=60", "trace_every=7"), true},
      /* y_step = auto is estimated every ystep_every steps, not at trace points (it was: a
       * new user's soba run ended at lam = -0.906 traced every step, 0.101 every 10); the
       * seed moves its Lanczos start, so the last bits of x */
      {&t->p, "soba", KV("x_step=0.5", "outer_steps=60", "trace_every=7"), true},
      {&toy.p, "ufom", KV("x_step=10", "x_decay=1", "outer_steps=200", "trace_every=9", "q=0.1"),
       true},
  };
  for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
    RtOptions o = tp_options(c[i].m, c[i].kv);
    RtRunConfig cfg = quiet_cfg();
    RtResult r1, r2, r3, r4;
    cfg.trace_path = fxd_path("a.csv");
    assert_int_equal(rt_solve(c[i].p, &o, &cfg, &r1), 0);
    cfg.trace_path = fxd_path("b.csv");
    assert_int_equal(rt_solve(c[i].p, &o, &cfg, &r2), 0);
    char *a = fxd_read(fxd_path("a.csv"), NULL), *b = fxd_read(fxd_path("b.csv"), NULL);
    char *a2 = without_time(a), *b2 = without_time(b);
    assert_string_equal(a2, b2);
    assert_memory_equal(r1.x, r2.x, (size_t)r1.nx * sizeof(double));
    /* trace every step: same iterates */
    RtOptions o2 = o;
    assert_null(rt_options_set(&o2, "trace_every", "1"));
    cfg.trace_path = fxd_path("c.csv");
    assert_int_equal(rt_solve(c[i].p, &o2, &cfg, &r3), 0);
    assert_memory_equal(r1.x, r3.x, (size_t)r1.nx * sizeof(double));
    for (int k = 0; k < RT_CALL_NKINDS; k++) assert_int_equal(r1.calls[k], r3.calls[k]);
    /* another seed */
    cfg.seed = 99;
    cfg.trace_path = NULL;
    assert_int_equal(rt_solve(c[i].p, &o, &cfg, &r4), 0);
    assert_int_equal(r4.seed, 99);
    assert_true((memcmp(r1.x, r4.x, (size_t)r1.nx * sizeof(double)) != 0) == c[i].random);
    free(a); free(b); free(a2); free(b2);
    rt_result_free(&r1); rt_result_free(&r2); rt_result_free(&r3); rt_result_free(&r4);
  }
  tp_free(t);
}

/* rt_solve_arena_bytes sizes an arena in which a whole solve runs without the heap (the rt_mem
 * call count moves, the heap does not: every block lies in the arena) with the same iterates
 * as on the heap, for every method; a byte less makes the setup fail cleanly (silently, with
 * RtRunConfig.silent: the message is in the result). */
static void test_arena(void **state) {
  (void)state;
  TpSpec sp = tp_default_spec();
  TpProblem *t = tp_new(&sp);
  TpToy toy;
  tp_toy_init(&toy, 0.0);
  for (int m = 0; m < rt_nmethods; m++) {
    const RtMethodSpec *ms = &rt_methods[m];
    const BloProblem *p = ms->unrolled ? &toy.p : &t->p;
    RtOptions o = tp_options(ms->name, KV("outer_steps=12", "trace_every=5"));
    RtRunConfig cfg = quiet_cfg();
    RtResult heap, ar;
    assert_int_equal(rt_solve(p, &o, &cfg, &heap), 0);
    size_t bytes = 0;
    char err[256];
    assert_int_equal(rt_solve_arena_bytes(p, &o, &cfg, &bytes, err, sizeof err), 0);
    unsigned char *buf = malloc(bytes + 1);
    rt_mem_set_arena(buf + 1, bytes); /* misaligned on purpose */
    assert_int_equal(rt_solve(p, &o, &cfg, &ar), 0);
    uintptr_t lo = (uintptr_t)(buf + 1), hi = lo + bytes;
    assert_true((uintptr_t)ar.x >= lo && (uintptr_t)ar.x < hi);
    assert_memory_equal(heap.x, ar.x, (size_t)heap.nx * sizeof(double));
    assert_int_equal(heap.steps, ar.steps);
    rt_result_free(&ar);
    rt_mem_set_arena(buf,
                     bytes - RT_MEM_ARENA_SLACK - 1); /* malloc'd: aligned, so no slack needed */
    FILE *sink = tmpfile();
    cfg.messages = sink;
    cfg.silent = true; /* the error is in the result only */
    assert_int_equal(rt_solve(p, &o, &cfg, &ar), RT_STATUS_MEMORY);
    assert_int_equal(ftell(sink), 0);
    fclose(sink);
    assert_non_null(strstr(ar.message, "out of memory"));
    rt_result_free(&ar);
    rt_mem_set_arena(NULL, 0);
    rt_result_free(&heap);
    free(buf);
  }
  tp_free(t);
}

static int count_lines(const char *s) {
  int n = 0;
  for (; *s; s++) n += *s == '\n';
  return n;
}

static void test_formats(void **state) {
  (void)state;
  TpSpec sp = tp_default_spec();
  TpProblem *t = tp_new(&sp);
  RtOptions o =
      tp_options("lancbio", KV("x_step=0.5", "y_step=0.1", "outer_steps=25", "trace_every=10"));
  RtRunConfig cfg = quiet_cfg();
  cfg.trace_path = fxd_path("a.csv");
  cfg.out_path = fxd_path("a.json");
  cfg.save_x_path = fxd_path("x.csv");
  cfg.save_y_path = fxd_path("y.csv");
  RtResult r;
  assert_int_equal(rt_solve(&t->p, &o, &cfg, &r), 0);
  char *tr = fxd_read(fxd_path("a.csv"), NULL);
  const char *hdr =
      "step,time,f,g,grad_y_g_norm,hypergrad_norm,residual,ritz_min,ritz_max,x_norm,y_first,"
      "calls_f,calls_g,calls_grad_f,calls_grad_g,calls_hvp,calls_mixed,calls_init,calls_init_vjp,"
      "calls_grad_x_g,calls_mixed_t\n";
  assert_memory_equal(tr, hdr, strlen(hdr));
  assert_int_equal(count_lines(tr), 1 + 4); /* steps 0, 10, 20, 25 */
  const char *row0 = strchr(tr, '\n') + 1;
  assert_memory_equal(row0, "0,", 2);
  char *last = strstr(tr, "\n25,");
  assert_non_null(last);
  /* step 25: hypergrad and residual present; 25 grad_f, 125 grad_g, 25 mixed calls */
  int commas = 0;
  for (char *p = last + 1; *p != '\n'; p++) commas += *p == ',';
  assert_int_equal(commas, 20);
  assert_non_null(strstr(last, ",0,0,25,125,"));
  /* step 0: no hypergradient estimate and no residual yet: empty cells */
  char f0[64];
  assert_int_equal(sscanf(row0, "0,%*[^,],%*[^,],%*[^,],%*[^,],%63[^\n]", f0), 1);
  assert_memory_equal(f0, ",,", 2);
  /* result JSON */
  char *js = fxd_read(fxd_path("a.json"), NULL);
  const char *expect[] = {
      "\"problem\": \"quadratic\"",
      "\"method\": \"lancbio\"",
      "\"m_max\": 80",
      "\"x_step\": 0.5",
      "\"status\": 0",
      "\"stop_reason\": \"outer_steps\"",
      "\"steps\": 25",
      "\"seed\": 1",
      "\"reports\": {\"x_norm\": ",
      "\"x\": [",
      "\"y\": [",
      "\"oracle_calls\": {\"f\": 0, \"g\": 0, \"grad_f\": 25, \"grad_g\": 125, \"hvp\": ",
      "\"diagnostic_calls\": {",
      "\"method_stats\": {\"restarts\": ",
      "\"time\": {\"setup\": "};
  for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++)
    if (!strstr(js, expect[i])) fail_msg("result JSON lacks %s:\n%s", expect[i], js);
  /* saved vectors round-trip exactly */
  FILE *f = fopen(fxd_path("x.csv"), "r");
  for (int j = 0; j < 5; j++) {
    double v;
    assert_int_equal(fscanf(f, "%lf", &v), 1);
    assert_true(v == r.x[j]);
  }
  double extra;
  assert_int_equal(fscanf(f, "%lf", &extra), EOF);
  fclose(f);
  char *ys = fxd_read(fxd_path("y.csv"), NULL);
  assert_int_equal(count_lines(ys), 8);
  /* an option that follows another appears as the user gave it, so that the JSON's options
   * repeat the run: subbio's eta, which follows y_step, is the word y_step (as a number it
   * fixed eta, and a recovery's halving of y_step no longer carried to it) */
  rt_result_free(&r);
  RtOptions o2 = tp_options("subbio", KV("y_step=0.125", "outer_steps=2"));
  assert_int_equal(rt_solve(&t->p, &o2, &cfg, &r), 0);
  char *js2 = fxd_read(fxd_path("a.json"), NULL);
  assert_non_null(strstr(js2, "\"eta\": \"y_step\""));
  free(tr); free(js); free(ys); free(js2);
  rt_result_free(&r);
  tp_free(t);
}

/* NaN: grad_x f becomes NaN at the 40th method call of grad_f (outer step 40 for lancbio). */
static BloKernelFn real_grad_f;
static int nan_calls, nan_at;
static void nan_grad_f(const BloEnv *env, const double *x, const double *y, const double *v,
                       double *const *out) {
  real_grad_f(env, x, y, v, out);
  if (++nan_calls == nan_at) out[1][2] = NAN;
}

static void test_nan_keeps_last_good(void **state) {
  (void)state;
  TpSpec sp = tp_default_spec();
  TpProblem *t = tp_new(&sp);
  BloProblem p = t->p;
  real_grad_f = p.kernels[BLO_K_GRAD_F];
  p.kernels[BLO_K_GRAD_F] = nan_grad_f;
  RtOptions o = tp_options("lancbio", KV("x_step=0.5", "y_step=0.1", "outer_steps=100",
                                          "trace_every=5", "on_divergence=stop"));
  RtRunConfig cfg = quiet_cfg();
  cfg.messages = tmpfile();
  cfg.trace_path = fxd_path("a.csv");
  cfg.out_path = fxd_path("a.json");
  cfg.save_x_path = fxd_path("x.csv");
  cfg.keep = RT_KEEP_LAST;
  RtResult r, good;
  nan_calls = 0;
  nan_at = 40;
  assert_int_equal(rt_solve(&p, &o, &cfg, &r), RT_STATUS_NUMERICAL);
  assert_int_equal(r.stop, RT_STOP_NUMERICAL);
  assert_int_equal(r.steps, 39);
  const char *want = "numerical failure at outer step 40: the grad_f oracle returned a non-finite "
                     "grad_x f (oracle call ";
  assert_memory_equal(r.message, want, strlen(want));
  char *m = slurp_stream(cfg.messages);
  assert_non_null(strstr(m, "bloc: error: numerical failure at outer step 40"));
  assert_non_null(strstr(m, "keeping the iterate of step 39"));
  /* The kept iterate is exactly the one after 39 clean steps. */
  RtOptions o39 = tp_options("lancbio", KV("x_step=0.5", "y_step=0.1", "outer_steps=39"));
  RtRunConfig c2 = quiet_cfg();
  nan_at = -1;
  assert_int_equal(rt_solve(&p, &o39, &c2, &good), 0);
  assert_memory_equal(r.x, good.x, 5 * sizeof(double));
  assert_true(rt_all_finite(5, r.x) && isfinite(r.f));
  assert_true(r.hypergrad_norm == good.hypergrad_norm);
  char *js = fxd_read(fxd_path("a.json"), NULL), *tr = fxd_read(fxd_path("a.csv"), NULL);
  assert_non_null(strstr(js, "\"status\": 2"));
  assert_non_null(strstr(js, "\"stop_reason\": \"numerical_failure\""));
  assert_non_null(strstr(tr, "\n39,")); /* the last row is the kept iterate */
  FILE *f = fopen(fxd_path("x.csv"), "r");
  double v;
  assert_int_equal(fscanf(f, "%lf", &v), 1);
  assert_true(v == good.x[0]);
  fclose(f);
  fclose(cfg.messages);
  free(m); free(js); free(tr);
  rt_result_free(&r);
  rt_result_free(&good);
  tp_free(t);
}

/* Divergence: x_step far too large makes x grow geometrically; y_step too large makes y blow
 * up. Both stop with status 2 and a finite kept iterate. */
static void test_divergence(void **state) {
  (void)state;
  TpSpec sp = tp_default_spec();
  TpProblem *t = tp_new(&sp);
  RtRunConfig cfg = quiet_cfg();
  cfg.messages = tmpfile();
  RtResult r;
  RtOptions o = tp_options("aid_cg", KV("x_step=200", "y_step=0.1", "outer_steps=1000",
                                         "on_divergence=stop"));
  assert_int_equal(rt_solve(&t->p, &o, &cfg, &r), RT_STATUS_NUMERICAL);
  assert_non_null(strstr(r.message, "divergence at outer step"));
  assert_true(r.steps < 1000 && rt_all_finite(5, r.x));
  print_message("x_step = 200: %s\n", r.message);
  rt_result_free(&r);
  o = tp_options("aid_cg", KV("x_step=0.1", "y_step=0.5", "outer_steps=1000",
                              "on_divergence=stop"));
  assert_int_equal(rt_solve(&t->p, &o, &cfg, &r), RT_STATUS_NUMERICAL);
  print_message("y_step = 0.5: %s\n", r.message);
  assert_true(strstr(r.message, "|y|") || strstr(r.message, "|f|") ||
              strstr(r.message, "not finite"));
  assert_true(rt_all_finite(8, r.y));
  rt_result_free(&r);
  fclose(cfg.messages);
  tp_free(t);
}

/* A kernel asks for a stop after N calls (as SIGINT would); another raises a real SIGINT. */
static int stop_calls, stop_at, use_raise;
static void stop_grad_g(const BloEnv *env, const double *x, const double *y, const double *v,
                        double *const *out) {
  real_grad_f(env, x, y, v, out); /* here: the real grad_y g */
  if (++stop_calls == stop_at) {
    if (use_raise) raise(SIGINT);
    else rt_request_stop();
  }
}

/* The default problem with its grad_y g kernel replaced by stop_grad_g (into *p). */
static TpProblem *stopping_problem(BloProblem *p) {
  TpSpec sp = tp_default_spec();
  TpProblem *t = tp_new(&sp);
  *p = t->p;
  real_grad_f = p->kernels[BLO_K_GRAD_Y_G];
  p->kernels[BLO_K_GRAD_Y_G] = stop_grad_g;
  return t;
}

/* SIGINT's disposition is h. */
static void assert_sigint(void (*h)(int)) {
  struct sigaction now;
  sigaction(SIGINT, NULL, &now);
  assert_true(now.sa_handler == h);
}

/* Set SIGINT's disposition to h; the previous one in *old. */
static void set_sigint(void (*h)(int), struct sigaction *old) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = h;
  sigemptyset(&sa.sa_mask);
  assert_int_equal(sigaction(SIGINT, &sa, old), 0);
}

static void test_interrupt(void **state) {
  (void)state;
  /* the test may itself run with SIGINT ignored (a background job): start from the default */
  struct sigaction inherited;
  set_sigint(SIG_DFL, &inherited);
  BloProblem p;
  TpProblem *t = stopping_problem(&p);
  for (use_raise = 0; use_raise < 2; use_raise++) {
    RtOptions o =
        tp_options("lancbio", KV("x_step=0.5", "y_step=0.1", "outer_steps=1000", "inner_steps=5"));
    RtRunConfig cfg;
    rt_run_config_init(&cfg);
    cfg.progress_mode = RT_PROGRESS_NONE; /* not quiet: the note must be printed */
    cfg.out_path = fxd_path("i.json");
    cfg.messages = tmpfile();
    RtResult r;
    stop_calls = 0;
    stop_at = 5 * 30 + 3; /* during step 31 (diagnostics use grad_g too: a few calls earlier) */
    assert_int_equal(rt_solve(&p, &o, &cfg, &r), RT_STATUS_INTERRUPTED);
    assert_int_equal(r.stop, RT_STOP_INTERRUPTED);
    assert_true(r.steps > 20 && r.steps < 40);
    assert_true(rt_all_finite(5, r.x));
    char *js = fxd_read(fxd_path("i.json"), NULL), *m = slurp_stream(cfg.messages);
    assert_non_null(strstr(js, "\"stop_reason\": \"interrupted\""));
    assert_non_null(strstr(js, "\"status\": 130"));
    assert_non_null(strstr(m, "interrupted after"));
    print_message("%s stop: %lld steps kept\n", use_raise ? "SIGINT" : "rt_request_stop",
                  (long long)r.steps);
    free(js); free(m);
    fclose(cfg.messages);
    rt_result_free(&r);
  }
  assert_sigint(SIG_DFL); /* the previous handler (default) is back */
  tp_free(t);
  sigaction(SIGINT, &inherited, NULL);
}

/* Started with SIGINT ignored, a run does not catch it: it keeps going, and it stays ignored. */
static void test_interrupt_ignored(void **state) {
  (void)state;
  struct sigaction inherited;
  set_sigint(SIG_IGN, &inherited);
  BloProblem p;
  TpProblem *t = stopping_problem(&p);
  use_raise = 1;
  RtOptions o =
      tp_options("lancbio", KV("x_step=0.5", "y_step=0.1", "outer_steps=60", "inner_steps=5"));
  RtRunConfig cfg;
  rt_run_config_init(&cfg);
  cfg.progress_mode = RT_PROGRESS_NONE;
  cfg.messages = tmpfile();
  RtResult r;
  stop_calls = 0;
  stop_at = 5 * 30 + 3; /* SIGINT raised during step 31: ignored */
  assert_int_equal(rt_solve(&p, &o, &cfg, &r), RT_STATUS_OK);
  assert_int_equal(r.stop, RT_STOP_STEPS);
  assert_int_equal(r.steps, 60);
  assert_true(stop_calls > stop_at);
  assert_sigint(SIG_IGN);
  fclose(cfg.messages);
  rt_result_free(&r);
  tp_free(t);
  sigaction(SIGINT, &inherited, NULL);
}

static void test_tol(void **state) {
  (void)state;
  TpSpec sp = tp_default_spec();
  TpProblem *t = tp_new(&sp);
  RtOptions o =
      tp_options("lancbio", KV("x_step=0.5", "y_step=0.1", "outer_steps=5000", "tol=1e-6"));
  RtRunConfig cfg = quiet_cfg();
  RtResult r;
  assert_int_equal(rt_solve(&t->p, &o, &cfg, &r), 0);
  assert_int_equal(r.stop, RT_STOP_TOL);
  assert_true(r.steps < 5000 && r.hypergrad_norm < 1e-6);
  print_message("tol = 1e-6 reached after %lld steps\n", (long long)r.steps);
  rt_result_free(&r);
  tp_free(t);
}

/* From x0 = 0, where f has no x term (rho x = 0) and v starts at 0, the first d of SOBA,
 * STABLE and HJFBiO is exactly 0: tol stopped them there, x untouched, status 0. They must
 * run on to x* (STABLE: its fixed point) with the lower level solved. */
static void test_tol_first_step(void **state) {
  (void)state;
  const char *methods[] = {"soba", "stable", "hjfbio"};
  for (size_t m = 0; m < sizeof methods / sizeof methods[0]; m++) {
    TpSpec sp = tp_default_spec();
    TpProblem *t = tp_new(&sp);
    for (int64_t j = 0; j < sp.nx; j++) t->x0[j] = 0;
    RtOptions o = tp_options(methods[m], KV("x_step=0.5", "outer_steps=20000", "tol=1e-7"));
    RtRunConfig cfg = quiet_cfg();
    RtResult r;
    assert_int_equal(rt_solve(&t->p, &o, &cfg, &r), 0);
    double xs[8], err;
    tp_xstar(t, xs);
    err = tp_rel_err(sp.nx, r.x, xs);
    print_message("%s: tol after %lld steps, |grad_y g| %.2g, x* error %.2g\n", methods[m],
                  (long long)r.steps, r.grad_y_g_norm, err);
    assert_int_equal(r.stop, RT_STOP_TOL);
    assert_true(r.steps > 10 && r.hypergrad_norm < 1e-7 && r.grad_y_g_norm < 1e-6);
    if (strcmp(methods[m], "stable") != 0) assert_true(err < 1e-5);
    rt_result_free(&r);
    tp_free(t);
  }
}

static void expect_user_error(const BloProblem *p, RtOptions o, const RtRunConfig *c0,
                              const char *msg) {
  RtRunConfig cfg = *c0;
  cfg.messages = tmpfile();
  RtResult r;
  assert_int_equal(rt_solve(p, &o, &cfg, &r), RT_STATUS_USER);
  if (!strstr(r.message, msg)) fail_msg("message '%s' lacks '%s'", r.message, msg);
  char *m = slurp_stream(cfg.messages);
  assert_memory_equal(m, "bloc: error: ", 13);
  assert_non_null(strstr(m, msg));
  free(m);
  fclose(cfg.messages);
  rt_result_free(&r);
  /* rt_check finds the same error without solving, except an unwritable output (it has none) */
  if (!c0->trace_path && !c0->out_path && !c0->save_x_path && !c0->save_y_path) {
    char err[1024];
    assert_int_equal(rt_check(p, &o, c0->seed, err, sizeof err), RT_STATUS_USER);
    if (!strstr(err, msg)) fail_msg("rt_check message '%s' lacks '%s'", err, msg);
  }
}

static void test_user_errors(void **state) {
  (void)state;
  TpSpec sp = tp_default_spec();
  TpProblem *t = tp_new(&sp);
  RtRunConfig cfg = quiet_cfg();
  expect_user_error(&t->p, tp_options("lancbio", KV("m0=10", "m_max=5")), &cfg,
                    "option 'm0' = 10 exceeds 'm_max' = 5");
  expect_user_error(
      &t->p, tp_options("exact", KV("max_ny=4")), &cfg,
      "method 'exact' builds a dense 8 x 8 lower Hessian (0 MB); ny = 8 exceeds max_ny = 4");
  expect_user_error(&t->p, tp_options("soba", KV("inner_steps=3")), &cfg, "inner_steps must be 1");
  /* tol on a random estimate: BSA stopped on one small draw, x 56% from x*, status 0 */
  expect_user_error(&t->p, tp_options("bsa", KV("tol=1e-8")), &cfg,
                    "option 'tol' needs a deterministic hypergradient estimate, and bsa's is "
                    "random (the method draws it)");
  expect_user_error(&t->p, tp_options("ufom", KV("tol=1e-8")), &cfg, "and ufom's is random");
  TpToy toy;
  tp_toy_init(&toy, 0.0);
  expect_user_error(&toy.p, tp_options("lancbio", KV("tol=1e-8")), &cfg,
                    "and lancbio's is random (the problem samples its data)");
  RtOptions q1 = tp_options("ufom", KV("tol=1e-8", "q=1")); /* always g_E: deterministic */
  char qerr[1024];
  assert_int_equal(rt_check(&t->p, &q1, -1, qerr, sizeof qerr), RT_STATUS_OK);
  RtRunConfig bad = cfg;
  bad.trace_path = "/nonexistent-dir/trace.csv";
  expect_user_error(&t->p, tp_options("lancbio", NULL), &bad,
                    "cannot write the trace file '/nonexistent-dir/trace.csv'");
  bad = cfg;
  bad.save_y_path = "/nonexistent-dir/y.csv";
  expect_user_error(&t->p, tp_options("lancbio", NULL), &bad,
                    "cannot write the y file '/nonexistent-dir/y.csv'");
  BloProblem p = t->p;
  p.kernels[BLO_K_HVP_YY] = NULL;
  expect_user_error(&p, tp_options("lancbio", NULL), &cfg,
                    "problem 'quadratic' lacks the kernel BLO_K_HVP_YY");
  /* what rt_solve accepts, rt_check accepts, leaving nothing allocated behind (ASan) */
  char err[1024];
  assert_int_equal(rt_check(&t->p, &(RtOptions){0}, -1, err, sizeof err), RT_STATUS_USER);
  RtOptions ok = tp_options("soba", KV("inner_steps=1"));
  assert_int_equal(rt_check(&t->p, &ok, -1, err, sizeof err), RT_STATUS_OK);
  ok = tp_options("exact", NULL);
  assert_int_equal(rt_check(&t->p, &ok, 3, err, sizeof err), RT_STATUS_OK);
  tp_free(t);
}

static void test_progress(void **state) {
  (void)state;
  TpSpec sp = tp_default_spec();
  TpProblem *t = tp_new(&sp);
  RtOptions o =
      tp_options("lancbio", KV("x_step=0.5", "y_step=0.1", "outer_steps=10", "trace_every=5"));
  RtRunConfig cfg;
  rt_run_config_init(&cfg);
  cfg.progress = tmpfile();
  cfg.progress_mode = RT_PROGRESS_PLAIN;
  cfg.plain_interval = 0;
  RtResult r;
  assert_int_equal(rt_solve(&t->p, &o, &cfg, &r), 0);
  char *s = slurp_stream(cfg.progress);
  assert_non_null(strstr(s, "lancbio: step 0/10"));
  assert_non_null(strstr(s, "lancbio: step 10/10  f "));
  assert_non_null(strstr(s, "x_norm "));
  assert_null(strchr(s, '\r'));
  free(s);
  fclose(cfg.progress);
  rt_result_free(&r);
  cfg.progress = tmpfile();
  cfg.progress_mode = RT_PROGRESS_LINE;
  assert_int_equal(rt_solve(&t->p, &o, &cfg, &r), 0);
  s = slurp_stream(cfg.progress);
  assert_non_null(strchr(s, '\r'));
  assert_non_null(strstr(s, "ETA"));
  assert_int_equal(s[strlen(s) - 1], '\n');
  free(s);
  fclose(cfg.progress);
  rt_result_free(&r);
  cfg.progress = tmpfile();
  cfg.quiet = true;
  assert_int_equal(rt_solve(&t->p, &o, &cfg, &r), 0);
  s = slurp_stream(cfg.progress);
  assert_string_equal(s, "");
  free(s);
  fclose(cfg.progress);
  rt_result_free(&r);
  tp_free(t);
}

/* H shifted by -2 I has a negative eigenvalue: Ritz values warn, exact warns and falls back
 * to the eigendecomposition. */
static void test_nonconvex_warnings(void **state) {
  (void)state;
  TpSpec sp = tp_default_spec();
  TpProblem *t = tp_new(&sp);
  for (int i = 0; i < 8; i++) t->H[i * 8 + i] -= 2;
  const char *methods[] = {"lancbio", "exact"};
  const char *want[] = {"looks non-convex in y", "not positive definite"};
  for (int i = 0; i < 2; i++) {
    RtOptions o =
        tp_options(methods[i], i == 0 ? KV("outer_steps=4", "trace_every=1", "y_step=0.01")
                                      : KV("outer_steps=2", "max_inner=3"));
    RtRunConfig cfg;
    rt_run_config_init(&cfg);
    cfg.progress_mode = RT_PROGRESS_NONE;
    cfg.messages = tmpfile();
    cfg.out_path = fxd_path("b.json");
    RtResult r;
    rt_solve(&t->p, &o, &cfg, &r);
    char *m = slurp_stream(cfg.messages), *js = fxd_read(fxd_path("b.json"), NULL);
    if (!strstr(m, want[i])) fail_msg("%s: messages lack '%s':\n%s", methods[i], want[i], m);
    assert_non_null(strstr(m, "bloc: warning: "));
    assert_non_null(strstr(js, want[i]));
    assert_true(r.ritz_min < 0);
    print_message("%s: %s", methods[i], strstr(m, "bloc: warning: "));
    free(m); free(js);
    fclose(cfg.messages);
    rt_result_free(&r);
  }
  tp_free(t);
}

/* C = op(A) B, row-major; op(A) = A' when ta (A is k x m then), else A (m x k). */
static void matmul(bool ta, int m, int n, int k, const double *A, const double *B, double *C) {
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++) {
      double a = 0;
      for (int l = 0; l < k; l++) a += (ta ? A[l * m + i] : A[i * k + l]) * B[l * n + j];
      C[i * n + j] = a;
    }
}

/* A singular lower Hessian, H = P H0 P with P = I - u u' (u = (1, 1) / sqrt(2)), B and c in
 * its range: y*(x) is unique only up to u, y keeps y0's u component, and the pseudo-inverse
 * gives x* = (M'M + rho)^{-1} M'(y_t - H^+ c) with M = H^+ B (y0 = 0). b = y - y_t has a u
 * component, so CG's second step meets a rounding-level curvature p'Ap / p'p ~ 1e-16: it used to
 * take it for curvature and step by 1e16 |p| (|x| ~ 1e16 after a step, status 2); now it stops
 * there and warns. The Ritz values warn that the lower Hessian looks singular. GD on v (amigo_gd)
 * keeps its error in the null space, which the mixed product does not see: x* to 1e-8. */
static void test_singular_lower(void **state) {
  (void)state;
  TpSpec sp = tp_default_spec();
  sp.nx = 1;
  sp.ny = 2;
  TpProblem *t = tp_new(&sp);
  double P[4] = {0.5, -0.5, -0.5, 0.5}, T[4], H[4], w[2], tmp[2], M[2], r[2], xs[1];
  matmul(false, 2, 2, 2, P, t->H, T);
  matmul(false, 2, 2, 2, T, P, t->H);
  matmul(false, 2, 1, 2, P, t->B, T);
  memcpy(t->B, T, sizeof(double) * 2);
  matmul(false, 2, 1, 2, P, t->c, T);
  memcpy(t->c, T, sizeof(double) * 2);
  /* the closed form, H^+ from the eigendecomposition */
  int64_t lw = rt_sym_eig_lwork(2);
  double *work = malloc(sizeof(double) * (size_t)lw);
  memcpy(H, t->H, sizeof H);
  assert_int_equal(rt_sym_eig(2, H, w, work, lw), 0);
  assert_true(fabs(w[0]) < 1e-14 && w[1] > 0.5);
  memcpy(M, t->B, sizeof M);
  assert_int_equal(rt_sym_eig_solve(2, H, w, 1e-10, false, M, tmp), 1);
  memcpy(r, t->c, sizeof r);
  rt_sym_eig_solve(2, H, w, 1e-10, false, r, tmp);
  for (int i = 0; i < 2; i++) r[i] = t->yt[i] - r[i];
  xs[0] = (M[0] * r[0] + M[1] * r[1]) / (M[0] * M[0] + M[1] * M[1] + sp.rho);
  struct {
    const char *m;
    double tol;
  } c[] = {{"amigo_gd", 1e-8}, {"aid_cg", 0.2}};
  for (int k = 0; k < 2; k++) {
    RtOptions o = tp_options(c[k].m, KV("outer_steps=400", "x_step=0.5", "y_step=0.1"));
    RtRunConfig cfg = quiet_cfg();
    cfg.quiet = false;
    cfg.progress_mode = RT_PROGRESS_NONE;
    cfg.messages = tmpfile();
    RtResult res;
    int rc = rt_solve(&t->p, &o, &cfg, &res);
    char *m = slurp_stream(cfg.messages);
    double e = tp_rel_err(1, res.x, xs);
    print_message("%s: status %d, x %.6g, x* %.6g\n%s", c[k].m, rc, res.x[0], xs[0], m);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(m, "the lower Hessian looks singular"));
    /* CG stops on the null direction: its p'Ap is rounding-level, or exactly 0 where the
     * machine's FMAs cancel it exactly (the AVX-512 EPYC), a non-positive curvature */
    if (k == 1)
      assert_true(strstr(m, "conjugate gradients met curvature p'Ap/p'p = ") ||
                  strstr(m, "conjugate gradients met non-positive curvature p'Ap = "));
    assert_true(e < c[k].tol);
    free(m);
    fclose(cfg.messages);
    rt_result_free(&res);
  }
  free(work);
  tp_free(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_deterministic_trace),
      cmocka_unit_test(test_formats),
      cmocka_unit_test(test_nan_keeps_last_good),
      cmocka_unit_test(test_divergence),
      cmocka_unit_test(test_interrupt),
      cmocka_unit_test(test_interrupt_ignored),
      cmocka_unit_test(test_tol),
      cmocka_unit_test(test_tol_first_step),
      cmocka_unit_test(test_user_errors),
      cmocka_unit_test(test_progress),
      cmocka_unit_test(test_nonconvex_warnings),
      cmocka_unit_test(test_singular_lower),
      cmocka_unit_test(test_arena),
  };
  return cmocka_run_group_tests(tests, setup, fxd_remove);
}
