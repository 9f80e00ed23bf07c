/* test_api.c — the C API (api/bloc.h): hyper-cleaning from arrays bound in memory gives the
 * x bloc run gives on the same data written to files; two problems compiled and solved on two
 * threads each give their single-thread x; a progress callback cancels; -D constants; a
 * bound rank-3 tensor; every error path returns a diagnostic with its location; a refused
 * compile cache is a warning to the caller of each compile, never on stderr; the version. */
#define _GNU_SOURCE /* mkdtemp */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "bloc.h"
#include "config.h"
#include "rt_data.h"
#include "rt_rng.h"

/* A small hyper-cleaning problem (examples/hyperclean.blo on synthetic data): one weight per
 * training sample, a linear classifier on the weighted loss. */
static const char hc_text[] =
    "problem hc_small\n"
    "const n = 60\n"
    "const m = 40\n"
    "const d = 8\n"
    "const k = 3\n"
    "data Xtr  : matrix[n, d] = load_csv(\"Xtr.csv\")\n"
    "data Ytr  : matrix[n, k] = load_csv(\"Ytr.csv\")\n"
    "data Xval : matrix[m, d] = load_csv(\"Xval.csv\")\n"
    "data Yval : matrix[m, k] = load_csv(\"Yval.csv\")\n"
    "upper lam : vector[n] = 0\n"
    "lower W   : matrix[d, k] = 0\n"
    "upper objective f = mean(cross_entropy(Xval @ W, Yval))\n"
    "lower objective g = mean(sigmoid(lam) * cross_entropy(Xtr @ W, Ytr)) + 0.01 * sumsq(W)\n"
    "report val_acc = mean(argmax_rows(Xval @ W) == argmax_rows(Yval))\n"
    "solve lancbio(outer_steps = 40, x_step = 50, y_step = 0.1, inner_steps = 5, m0 = 1,\n"
    "              m_max = 5, trace_every = 5)\n";

enum { N = 60, M = 40, D = 8, K = 3 };

typedef struct HcData {
  double Xtr[N * D], Ytr[N * K], Xval[M * D], Yval[M * K];
} HcData;

/* Features from a seeded stream; labels from a fixed linear rule, a third of the training
 * labels flipped (what hyper-cleaning has to find). */
static void hc_make(HcData *h, uint64_t seed) {
  RtRng r = rt_rng_stream(seed, "test_api");
  double w[D * K];
  for (int i = 0; i < D * K; i++) w[i] = rt_rng_normal(&r, 0, 1);
  for (int s = 0; s < N + M; s++) {
    double *x = s < N ? &h->Xtr[s * D] : &h->Xval[(s - N) * D];
    double *y = s < N ? &h->Ytr[s * K] : &h->Yval[(s - N) * K];
    for (int j = 0; j < D; j++) x[j] = rt_rng_normal(&r, 0, 1);
    int best = 0;
    double score[K];
    for (int c = 0; c < K; c++) {
      score[c] = 0;
      for (int j = 0; j < D; j++) score[c] += x[j] * w[j * K + c];
      if (score[c] > score[best]) best = c;
    }
    if (s < N && s % 3 == 0) best = (best + 1) % K;
    for (int c = 0; c < K; c++) y[c] = c == best;
  }
}

static void write_csv(const char *dir, const char *name, const double *v, int rows, int cols) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  for (int i = 0; i < rows; i++)
    for (int j = 0; j < cols; j++)
      fprintf(f, "%.17g%c", v[i * cols + j], j + 1 < cols ? ',' : '\n');
  fclose(f);
}

static void bind_all(bloc_problem *p, const HcData *h) {
  int64_t dtr[2] = {N, D}, ytr[2] = {N, K}, dval[2] = {M, D}, yval[2] = {M, K};
  assert_int_equal(bloc_bind(p, "Xtr", h->Xtr, 2, dtr), BLOC_OK);
  assert_int_equal(bloc_bind(p, "Ytr", h->Ytr, 2, ytr), BLOC_OK);
  assert_int_equal(bloc_bind(p, "Xval", h->Xval, 2, dval), BLOC_OK);
  assert_int_equal(bloc_bind(p, "Yval", h->Yval, 2, yval), BLOC_OK);
}

/* A compiled hc problem (from the string, named as a file of dir) with h bound. */
static bloc_problem *hc_problem(const char *dir, const HcData *h) {
  bloc_problem *p;
  char name[512];
  snprintf(name, sizeof name, "%s/hc_small.blo", dir ? dir : "/nonexistent");
  assert_int_equal(bloc_problem_new(&p), BLOC_OK);
  assert_int_equal(bloc_compile_string(p, name, hc_text), BLOC_OK);
  if (h) bind_all(p, h);
  return p;
}

/* The first diagnostic of p, which must exist. */
static const bloc_diag *first_diag(const bloc_problem *p) {
  assert_true(bloc_problem_diag_count(p) >= 1);
  const bloc_diag *d = bloc_problem_diag(p, 0);
  print_message("%s", bloc_diag_text(d));
  return d;
}

static char tmpdir[256];

static void make_tmpdir(void) {
  if (tmpdir[0]) return;
  snprintf(tmpdir, sizeof tmpdir, "/tmp/test_api.XXXXXX");
  assert_non_null(mkdtemp(tmpdir));
}

/* x of a solve of p with the program's options (asserting it finished). */
static double *solve_x(bloc_problem *p, int64_t *nx) {
  bloc_result *r = NULL;
  assert_int_equal(bloc_solve(p, NULL, NULL, NULL, &r), BLOC_OK);
  assert_string_equal(bloc_result_stop(r), "outer_steps");
  const double *x = bloc_result_x(r, nx);
  double *copy = malloc(sizeof(double) * (size_t)*nx);
  memcpy(copy, x, sizeof(double) * (size_t)*nx);
  bloc_result_free(r);
  return copy;
}

/* Hyper-cleaning from bound arrays and `bloc run` on the same numbers in CSV files. */
static void test_memory_matches_bloc_run(void **state) {
  (void)state;
  make_tmpdir();
  HcData *h = malloc(sizeof *h);
  hc_make(h, 7);
  write_csv(tmpdir, "Xtr.csv", h->Xtr, N, D);
  write_csv(tmpdir, "Ytr.csv", h->Ytr, N, K);
  write_csv(tmpdir, "Xval.csv", h->Xval, M, D);
  write_csv(tmpdir, "Yval.csv", h->Yval, M, K);
  char path[512], cmd[2048];
  snprintf(path, sizeof path, "%s/hc_small.blo", tmpdir);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(hc_text, f);
  fclose(f);
  const char *bloc = getenv("BLOC");
  snprintf(cmd, sizeof cmd, "'%s' run '%s' --quiet --save-x '%s/x.csv' > /dev/null",
           bloc ? bloc : BLOC_BUILD_DIR "/bloc", path, tmpdir);
  assert_int_equal(system(cmd), 0);
  bloc_problem *p = hc_problem(tmpdir, h);
  int64_t nx;
  double *x = solve_x(p, &nx);
  assert_int_equal(nx, N);
  double *ref = malloc(sizeof(double) * N);
  char err[512];
  snprintf(path, sizeof path, "%s/x.csv", tmpdir);
  assert_int_equal(rt_read_vector_csv(path, "x", N, ref, rt_err(err, sizeof err)), 0);
  double maxdiff = 0, spread = 0;
  for (int i = 0; i < N; i++) {
    maxdiff = fmax(maxdiff, fabs(x[i] - ref[i]));
    spread = fmax(spread, fabs(x[i]));
  }
  print_message("bound arrays vs bloc run: max |dx| = %g (max |x| %g)\n", maxdiff, spread);
  assert_true(maxdiff <= 1e-12);
  assert_true(spread > 1e-3); /* the weights moved: the comparison says something */
  bloc_problem_free(p);
  /* the same file compiled by path with its loaders, through the API */
  assert_int_equal(bloc_problem_new(&p), BLOC_OK);
  snprintf(path, sizeof path, "%s/hc_small.blo", tmpdir);
  assert_int_equal(bloc_compile_file(p, path), BLOC_OK);
  double *x2 = solve_x(p, &nx);
  for (int i = 0; i < N; i++) assert_true(fabs(x2[i] - ref[i]) <= 1e-12);
  bloc_problem_free(p);
  free(x2);
  free(ref);
  free(x);
  free(h);
}

/* ---- two threads */

typedef struct Job {
  uint64_t seed;
  const char *backend;
  double *x;
  int64_t nx;
  int status;
} Job;

static void *job_run(void *arg) {
  Job *j = arg;
  HcData *h = malloc(sizeof *h);
  hc_make(h, j->seed);
  bloc_problem *p;
  j->status = bloc_problem_new(&p);
  char name[64];
  snprintf(name, sizeof name, "/nonexistent/hc%llu.blo", (unsigned long long)j->seed);
  if (!j->status) j->status = bloc_set_backend(p, j->backend);
  if (!j->status) j->status = bloc_compile_string(p, name, hc_text);
  int64_t dims[4][2] = {{N, D}, {N, K}, {M, D}, {M, K}};
  const char *names[4] = {"Xtr", "Ytr", "Xval", "Yval"};
  const double *vals[4] = {h->Xtr, h->Ytr, h->Xval, h->Yval};
  for (int i = 0; i < 4 && !j->status; i++) j->status = bloc_bind(p, names[i], vals[i], 2, dims[i]);
  bloc_result *r = NULL;
  if (!j->status) j->status = bloc_solve(p, NULL, NULL, NULL, &r);
  if (r) {
    const double *x = bloc_result_x(r, &j->nx);
    j->x = malloc(sizeof(double) * (size_t)j->nx);
    memcpy(j->x, x, sizeof(double) * (size_t)j->nx);
  }
  bloc_result_free(r);
  bloc_problem_free(p);
  free(h);
  return NULL;
}

static void test_two_threads(void **state) {
  (void)state;
  Job single[2] = {{11, "jit", NULL, 0, 0}, {12, "jit", NULL, 0, 0}};
  for (int i = 0; i < 2; i++) {
    job_run(&single[i]);
    assert_int_equal(single[i].status, BLOC_OK);
  }
  for (int round = 0; round < 2; round++) { /* JIT and JIT, then JIT and the evaluator */
    Job par[2] = {{11, "jit", NULL, 0, 0}, {12, round ? "interp" : "jit", NULL, 0, 0}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++) assert_int_equal(pthread_create(&th[i], NULL, job_run, &par[i]), 0);
    for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
    for (int i = 0; i < 2; i++) {
      assert_int_equal(par[i].status, BLOC_OK);
      assert_int_equal(par[i].nx, single[i].nx);
      double maxdiff = 0;
      for (int64_t k = 0; k < par[i].nx; k++)
        maxdiff = fmax(maxdiff, fabs(par[i].x[k] - single[i].x[k]));
      print_message("round %d, problem %d (%s): max |dx| vs one thread = %g\n", round, i,
                    par[i].backend, maxdiff);
      /* the evaluator's sums may round differently from the JIT's vector code */
      assert_true(maxdiff <= (strcmp(par[i].backend, "jit") == 0 ? 0.0 : 1e-9));
      free(par[i].x);
    }
    /* the two problems differ: their x must too */
  }
  double d01 = 0;
  for (int64_t k = 0; k < single[0].nx; k++) d01 = fmax(d01, fabs(single[0].x[k] - single[1].x[k]));
  assert_true(d01 > 1e-6);
  free(single[0].x);
  free(single[1].x);
}

/* ---- progress and cancellation */

typedef struct Progress {
  int calls, cancel_at, f_col, step_col;
  double last_step, last_f;
} Progress;

static int on_progress(void *user, int ncols, const char *const *names, const double *values) {
  Progress *pr = user;
  pr->f_col = pr->step_col = -1;
  for (int j = 0; j < ncols; j++) {
    if (strcmp(names[j], "f") == 0) pr->f_col = j;
    if (strcmp(names[j], "step") == 0) pr->step_col = j;
  }
  pr->last_step = values[pr->step_col];
  pr->last_f = values[pr->f_col];
  return ++pr->calls == pr->cancel_at;
}

static void test_cancel(void **state) {
  (void)state;
  HcData *h = malloc(sizeof *h);
  hc_make(h, 3);
  bloc_problem *p = hc_problem(NULL, h);
  Progress pr = {0, 3, 0, 0, 0, 0};
  bloc_result *r = NULL;
  assert_int_equal(bloc_solve(p, NULL, on_progress, &pr, &r), BLOC_CANCELLED);
  assert_non_null(r);
  assert_int_equal(bloc_result_status(r), BLOC_CANCELLED);
  assert_string_equal(bloc_result_stop(r), "cancelled");
  double steps, f;
  assert_int_equal(bloc_result_get(r, "steps", &steps), BLOC_OK);
  assert_int_equal(pr.calls, 3);
  assert_true(steps == 10 && pr.last_step == 10); /* trace points at 0, 5, 10 */
  assert_int_equal(bloc_result_trace_rows(r), 3);
  int fcol = -1;
  for (int j = 0; j < bloc_result_trace_cols(r); j++)
    if (strcmp(bloc_result_trace_column(r, j), "f") == 0) fcol = j;
  assert_true(fcol >= 0);
  assert_int_equal(bloc_result_get(r, "f", &f), BLOC_OK);
  assert_true(f == pr.last_f); /* the iterate so far */
  assert_true(bloc_result_trace(r)[2 * bloc_result_trace_cols(r) + fcol] == f);
  double acc;
  assert_int_equal(bloc_result_get(r, "val_acc", &acc), BLOC_OK);
  assert_int_equal(bloc_result_get(r, "no_such_field", &acc), BLOC_ERR_INPUT);
  assert_non_null(strstr(bloc_result_summary(r), "cancelled"));
  bloc_result_free(r);
  /* the problem solves again, to the end, with options and a method of the program */
  bloc_options *o;
  assert_int_equal(bloc_options_new(&o), BLOC_OK);
  bloc_options_set(o, "outer_steps", "7");
  bloc_options_set(o, "trace_every=7", NULL);
  assert_int_equal(bloc_solve(p, o, NULL, NULL, &r), BLOC_OK);
  assert_int_equal(bloc_result_trace_rows(r), 2);
  assert_int_equal(bloc_result_get(r, "steps", &steps), BLOC_OK);
  assert_true(steps == 7);
  bloc_result_free(r);
  bloc_options_free(o);
  bloc_problem_free(p);
  free(h);
}

/* ---- -D constants and evaluation */

static const char quad_text[] = "problem quad\n"
                                "const n = 3\n"
                                "upper x : vector[n] = 1\n"
                                "lower y : vector[n] = 0\n"
                                "upper objective f = sumsq(y - 2)\n"
                                "lower objective g = sumsq(y - x)\n"
                                "solve aid_cg(outer_steps = 50, x_step = 0.2, y_step = 0.5)\n";

static void test_define_and_eval(void **state) {
  (void)state;
  bloc_problem *p;
  assert_int_equal(bloc_problem_new(&p), BLOC_OK);
  assert_int_equal(bloc_define(p, "n", 5), BLOC_OK);
  assert_int_equal(bloc_compile_string(p, "quad.blo", quad_text), BLOC_OK);
  assert_int_equal(bloc_problem_nx(p), 5);
  assert_int_equal(bloc_problem_ny(p), 5);
  assert_non_null(strstr(bloc_problem_summary(p), "quad"));
  assert_int_equal(bloc_define(p, "n", 6), BLOC_ERR_STATE); /* too late */
  assert_string_equal(bloc_diag_category(first_diag(p)), "usage");
  bloc_eval *e;
  double x[5] = {1, 1, 1, 1, 1}, y[5] = {0, 0, 0, 0, 3};
  assert_int_equal(bloc_eval_at(p, "f,grad_y_g,hypergrad", x, y, NULL, &e), BLOC_OK);
  const double *v;
  int64_t n;
  assert_int_equal(bloc_eval_get(e, "f", &v, &n), BLOC_OK);
  assert_int_equal(n, 1);
  assert_true(fabs(v[0] - (4 * 4 + 1)) < 1e-12);
  assert_int_equal(bloc_eval_get(e, "grad_y_g", &v, &n), BLOC_OK);
  assert_int_equal(n, 5);
  assert_true(fabs(v[0] + 2) < 1e-12 && fabs(v[4] - 4) < 1e-12); /* 2 (y - x) */
  assert_int_equal(bloc_eval_get(e, "hypergrad", &v, &n), BLOC_OK);
  /* at the given y: grad_x f - grad_xy g H^-1 grad_y f = -(-2)(1/2) 2 (y - 2) */
  assert_true(fabs(v[0] - 2 * (0 - 2)) < 1e-9 && fabs(v[4] - 2 * (3 - 2)) < 1e-9);
  assert_non_null(bloc_eval_hypergrad_solver(e));
  assert_int_equal(bloc_eval_get(e, "g", &v, &n), BLOC_ERR_INPUT); /* not asked for */
  bloc_eval_free(e);
  assert_int_equal(bloc_eval_at(p, "f,hessian", x, y, NULL, &e), BLOC_ERR_INPUT);
  assert_null(e);
  assert_non_null(strstr(bloc_diag_message(first_diag(p)), "'hessian'"));
  /* the start: x given, y from the initialiser (here a constant) */
  assert_int_equal(bloc_set_start(p, x, NULL), BLOC_OK);
  int64_t nx;
  double *xs = solve_x(p, &nx);
  assert_int_equal(nx, 5);
  for (int i = 0; i < 5; i++) assert_true(fabs(xs[i] - 2) < 1e-3); /* min |x - 2|^2 */
  free(xs);
  bloc_problem_free(p);
  /* a -D that names no constant */
  assert_int_equal(bloc_problem_new(&p), BLOC_OK);
  assert_int_equal(bloc_define(p, "nn", 5), BLOC_OK);
  assert_int_equal(bloc_compile_string(p, "quad.blo", quad_text), BLOC_ERR_INPUT);
  const bloc_diag *d = first_diag(p);
  assert_int_equal(bloc_diag_severity(d), BLOC_ERROR);
  assert_string_equal(bloc_diag_category(d), "compile");
  bloc_problem_free(p);
}

/* The point bloc_eval_at evaluates by default is the one a solve starts from: x0 projected onto
 * its constraints (with the solve's warning) and y0 = Phi(P(x0)) from an initialiser that reads
 * x; a given y0 (bloc_set_start) is kept, as the solve keeps it. A given x is evaluated as
 * given, with a warning. An empty `what` is an error, as Python's what=[] is. */
static const char box_text[] = "problem box\n"
                               "upper x : vector[2] = [5, -3] in [0, 1]\n"
                               "lower y : vector[2] = 10 * x\n"
                               "upper objective f = sumsq(y - 1)\n"
                               "lower objective g = sumsq(y - 2 * x)\n"
                               "solve soba(outer_steps = 0)\n";

/* f at the default point, and whether the call warned with text containing `warning` */
static double eval_f(bloc_problem *p, const double *x, const char *warning) {
  bloc_eval *e;
  assert_int_equal(bloc_eval_at(p, "f", x, NULL, NULL, &e), BLOC_OK);
  const double *v;
  int64_t n;
  assert_int_equal(bloc_eval_get(e, "f", &v, &n), BLOC_OK);
  double f = v[0];
  bloc_eval_free(e);
  if (warning) {
    assert_int_equal(bloc_diag_severity(first_diag(p)), BLOC_WARNING);
    assert_non_null(strstr(bloc_diag_message(first_diag(p)), warning));
  } else {
    assert_int_equal(bloc_problem_diag_count(p), 0);
  }
  return f;
}

/* f at the point a solve of 0 steps (soba: no lower step before its first) starts from */
static double solve_start_f(bloc_problem *p) {
  bloc_result *r = NULL;
  assert_int_equal(bloc_solve(p, NULL, NULL, NULL, &r), BLOC_OK);
  double f;
  assert_int_equal(bloc_result_get(r, "f", &f), BLOC_OK);
  bloc_result_free(r);
  return f;
}

static void test_eval_at_solve_start(void **state) {
  (void)state;
  static const char projected[] = "the initial value of upper variable 'x' lies outside its "
                                  "constraint: projected onto it (|x0 - P(x0)| = 5)";
  bloc_problem *p;
  assert_int_equal(bloc_problem_new(&p), BLOC_OK);
  assert_int_equal(bloc_compile_string(p, "box.blo", box_text), BLOC_OK);
  /* P(x0) = [1, 0], y0 = [10, 0]: f = 81 + 1 (at x0 itself, y0 = [50, -30]: f = 3362) */
  assert_true(fabs(eval_f(p, NULL, projected) - 82) < 1e-12);
  assert_true(fabs(solve_start_f(p) - 82) < 1e-12);
  /* a given x outside: evaluated there, y0 = 10 x = [20, 5], f = 361 + 16 */
  double xo[2] = {2, 0.5}, yg[2] = {3, 3};
  assert_true(fabs(eval_f(p, xo, "the given x lies outside the constraints") - 377) < 1e-12);
  /* that x as the start: the solve and the default point project it (y0 = [10, 5], f = 97) */
  assert_int_equal(bloc_set_start(p, xo, NULL), BLOC_OK);
  assert_true(fabs(eval_f(p, NULL, "(|x0 - P(x0)| = 1)") - 97) < 1e-12);
  assert_true(fabs(solve_start_f(p) - 97) < 1e-12);
  /* a given y0 is kept at the projected x: f = 4 + 4 */
  assert_int_equal(bloc_set_start(p, xo, yg), BLOC_OK);
  assert_true(fabs(eval_f(p, NULL, "(|x0 - P(x0)| = 1)") - 8) < 1e-12);
  assert_true(fabs(solve_start_f(p) - 8) < 1e-12);
  /* inside the box: no warning */
  double xi[2] = {0.5, 0.5};
  assert_true(fabs(eval_f(p, xi, NULL) - 32) < 1e-12);
  /* an empty list names no quantity: an error, as an unknown name is */
  bloc_eval *e;
  assert_int_equal(bloc_eval_at(p, "", NULL, NULL, NULL, &e), BLOC_ERR_INPUT);
  assert_null(e);
  assert_non_null(strstr(bloc_diag_message(first_diag(p)), "unknown quantity ''"));
  assert_int_equal(bloc_eval_check_what("", NULL, NULL), BLOC_ERR_INPUT);
  assert_int_equal(bloc_eval_check_what("f,", NULL, NULL), BLOC_ERR_INPUT);
  assert_int_equal(bloc_eval_check_what("f,g", NULL, NULL), BLOC_OK);
  bloc_problem_free(p);
}

/* A rank-3 declaration bound from memory beside one loaded from its file (tests/golden/
 * ok_tensor.blo, whose comment works out f = 71 and g = -4.875 at the initial point). */
static void test_bind_tensor(void **state) {
  (void)state;
  const char *top = getenv("top_srcdir");
  char path[512];
  snprintf(path, sizeof path, "%s/tests/golden/ok_tensor.blo", top ? top : ".");
  bloc_problem *p;
  assert_int_equal(bloc_problem_new(&p), BLOC_OK);
  assert_int_equal(bloc_compile_file(p, path), BLOC_OK);
  double X[12];
  for (int i = 0; i < 12; i++) X[i] = i;
  int64_t dims[3] = {3, 2, 2}, got[3];
  assert_int_equal(bloc_problem_data_shape(p, 0, got), 3);
  assert_true(got[0] == 3 && got[1] == 2 && got[2] == 2);
  int64_t flat[2] = {3, 4};
  assert_int_equal(bloc_bind(p, "X", X, 2, flat), BLOC_ERR_INPUT); /* its storage is no tensor */
  assert_non_null(strstr(bloc_diag_message(first_diag(p)), "tensor[3, 2, 2]"));
  /* a rank out of range was "the bound array is missing" */
  assert_int_equal(bloc_bind(p, "X", X, 4, dims), BLOC_ERR_INPUT);
  assert_non_null(strstr(bloc_diag_message(first_diag(p)), "bloc_bind: rank 4 for data 'X': a "
                                                            "rank is 0 to 3"));
  assert_int_equal(bloc_bind(p, "X", X, 3, dims), BLOC_OK);
  bloc_eval *e;
  assert_int_equal(bloc_eval_at(p, "f,g", NULL, NULL, NULL, &e), BLOC_OK);
  const double *v;
  int64_t n;
  assert_int_equal(bloc_eval_get(e, "f", &v, &n), BLOC_OK);
  assert_true(fabs(v[0] - 71) < 1e-12);
  assert_int_equal(bloc_eval_get(e, "g", &v, &n), BLOC_OK);
  assert_true(fabs(v[0] + 4.875) < 1e-12);
  bloc_eval_free(e);
  bloc_problem_free(p);
}

/* precision f32 with bound arrays: the kernels read float copies, and the caller's arrays are
 * neither rounded in place nor freed (both happened before the f32 and API work met), under
 * the JIT (which drops the doubles) and the evaluator (which keeps rounded doubles). */
static void test_bind_f32_leaves_arrays(void **state) {
  (void)state;
  HcData *h = malloc(sizeof *h), *before = malloc(sizeof *before);
  hc_make(h, 11);
  *before = *h;
  static const char *const backends[] = {"jit", "interp"};
  for (int b = 0; b < 2; b++) {
    bloc_problem *p;
    assert_int_equal(bloc_problem_new(&p), BLOC_OK);
    assert_int_equal(bloc_set_precision(p, "f32"), BLOC_OK);
    assert_int_equal(bloc_set_backend(p, backends[b]), BLOC_OK);
    assert_int_equal(bloc_compile_string(p, "/nonexistent/hc_small.blo", hc_text), BLOC_OK);
    bind_all(p, h);
    int64_t nx;
    double *x = solve_x(p, &nx);
    for (int64_t i = 0; i < nx; i++) assert_true(isfinite(x[i]));
    free(x);
    bloc_problem_free(p);
    assert_memory_equal(h, before, sizeof *h);
  }
  bloc_problem *p;
  assert_int_equal(bloc_problem_new(&p), BLOC_OK);
  assert_int_equal(bloc_set_precision(p, "f16"), BLOC_ERR_INPUT);
  assert_non_null(strstr(bloc_diag_message(first_diag(p)), "expected f64 or f32"));
  bloc_problem_free(p);
  free(h);
  free(before);
}

/* The precision is chosen before compiling: a solve's option precision that differs from the
 * one the data were prepared in is refused (it was dropped silently, the solve ran in f64 and
 * its result said f64); the same precision is accepted. */
static void test_precision_option(void **state) {
  (void)state;
  HcData *h = malloc(sizeof *h);
  hc_make(h, 3);
  bloc_problem *p = hc_problem(NULL, h);
  bloc_options *o;
  bloc_result *r = NULL;
  assert_int_equal(bloc_options_new(&o), BLOC_OK);
  bloc_options_set(o, "precision", "f32");
  assert_int_equal(bloc_solve(p, o, NULL, NULL, &r), BLOC_ERR_INPUT);
  assert_null(r);
  const bloc_diag *d = first_diag(p);
  assert_string_equal(bloc_diag_category(d), "option");
  assert_non_null(strstr(bloc_diag_message(d), "option precision=f32: "));
  assert_non_null(strstr(bloc_diag_message(d), "compiled for precision f64"));
  assert_non_null(strstr(bloc_diag_message(d), "bloc_set_precision"));
  bloc_options_free(o);
  /* the last setting counts, as for every key: f32 then f64 is the f64 compiled (it was
   * refused over the first) */
  assert_int_equal(bloc_options_new(&o), BLOC_OK);
  bloc_options_set(o, "precision", "f32");
  bloc_options_set(o, "precision", "f64");
  bloc_options_set(o, "outer_steps", "2");
  assert_int_equal(bloc_solve(p, o, NULL, NULL, &r), BLOC_OK);
  bloc_result_free(r);
  bloc_options_free(o);
  assert_int_equal(bloc_options_new(&o), BLOC_OK);
  bloc_options_set(o, "precision=f64", NULL);
  bloc_options_set(o, "outer_steps", "2");
  assert_int_equal(bloc_solve(p, o, NULL, NULL, &r), BLOC_OK);
  bloc_result_free(r);
  bloc_options_free(o);
  bloc_problem_free(p);
  free(h);
}

/* The solve line's tol on a problem that samples its data is refused by bloc_solve, at its
 * location, unless the solve's options switch it off (tol=0); a tol > 0 from the options is
 * refused naming the option. bloc_compile refused the file's before any option was read, so
 * no solve of such a file could run without editing it. */
static void test_tol_sampled_option(void **state) {
  (void)state;
  static const char text[] = "data X : matrix[20, 2] = normal(0, 1)\n"
                             "data t : vector[20] = normal(0, 1)\n"
                             "sample s : batch(5) of 20\n"
                             "upper x : scalar = 0\n"
                             "lower y : vector[2] = 0\n"
                             "upper objective f = sumsq(X[s, :] @ y - t[s]) / 5\n"
                             "lower objective g = sumsq(X[s, :] @ y - t[s]) / 5 + exp(x) * "
                             "sumsq(y)\n"
                             "solve stocbio(outer_steps = 3, tol = 1e-3)\n";
  bloc_problem *p;
  bloc_options *o;
  bloc_result *r = NULL;
  assert_int_equal(bloc_problem_new(&p), BLOC_OK);
  assert_int_equal(bloc_compile_string(p, "tol.blo", text), BLOC_OK);
  assert_int_equal(bloc_options_new(&o), BLOC_OK);
  assert_int_equal(bloc_solve(p, o, NULL, NULL, &r), BLOC_ERR_INPUT);
  assert_null(r);
  const bloc_diag *d = first_diag(p);
  assert_string_equal(bloc_diag_file(d), "tol.blo");
  assert_int_equal(bloc_diag_line(d), 8);
  assert_int_equal(bloc_diag_column(d), 32);
  assert_non_null(strstr(bloc_diag_message(d), "the problem samples its data"));
  bloc_options_set(o, "tol", "0");
  assert_int_equal(bloc_solve(p, o, NULL, NULL, &r), BLOC_OK);
  bloc_result_free(r);
  r = NULL;
  bloc_options_free(o);
  assert_int_equal(bloc_options_new(&o), BLOC_OK);
  bloc_options_set(o, "tol", "1e-4");
  assert_int_equal(bloc_solve(p, o, NULL, NULL, &r), BLOC_ERR_INPUT);
  d = first_diag(p);
  assert_null(bloc_diag_file(d));
  assert_non_null(strstr(bloc_diag_message(d), "option tol=1e-4: option 'tol' needs"));
  bloc_options_free(o);
  bloc_problem_free(p);
}

/* A rule between options that the solve line breaks (tol with UFOM's random estimate, q < 1)
 * is refused by bloc_solve at the option, a note at q, unless the solve's options mend it
 * (tol=0, q=1, another method); an option that breaks it is named. bloc_compile refused the
 * file before any option was read, so no solve of it could run without editing it. */
static void test_rule_mended_by_option(void **state) {
  (void)state;
  static const char text[] = "upper x = 0\n"
                             "lower y = 0\n"
                             "upper objective f = 0.5 * (y - 0.25) ^ 2\n"
                             "lower objective g = 0.5 * (y - 1) ^ 2 + 0.5 * exp(x) * y ^ 2\n"
                             "solve ufom(q = 0.5, tol = 1e-8, outer_steps = 20)\n";
  bloc_problem *p;
  bloc_options *o;
  bloc_result *r = NULL;
  assert_int_equal(bloc_problem_new(&p), BLOC_OK);
  assert_int_equal(bloc_compile_string(p, "rnd.blo", text), BLOC_OK);
  assert_int_equal(bloc_options_new(&o), BLOC_OK);
  assert_int_equal(bloc_solve(p, o, NULL, NULL, &r), BLOC_ERR_INPUT);
  assert_null(r);
  const bloc_diag *d = first_diag(p);
  assert_string_equal(bloc_diag_file(d), "rnd.blo");
  assert_int_equal(bloc_diag_line(d), 5);
  assert_int_equal(bloc_diag_column(d), 21);
  assert_non_null(strstr(bloc_diag_message(d), "ufom's is random (the method draws it)"));
  const char *mend[][2] = {{"tol", "0"}, {"q", "1"}};
  for (int i = 0; i < 2; i++) {
    bloc_options_free(o);
    assert_int_equal(bloc_options_new(&o), BLOC_OK);
    assert_int_equal(bloc_options_set(o, mend[i][0], mend[i][1]), BLOC_OK);
    assert_int_equal(bloc_solve(p, o, NULL, NULL, &r), BLOC_OK);
    bloc_result_free(r);
    r = NULL;
  }
  bloc_options_free(o);
  assert_int_equal(bloc_options_new(&o), BLOC_OK);
  assert_int_equal(bloc_options_method(o, "lancbio"), BLOC_OK);
  assert_int_equal(bloc_solve(p, o, NULL, NULL, &r), BLOC_OK);
  bloc_result_free(r);
  r = NULL;
  bloc_options_free(o);
  assert_int_equal(bloc_options_new(&o), BLOC_OK);
  assert_int_equal(bloc_options_set(o, "q", "0.3"), BLOC_OK);
  assert_int_equal(bloc_options_set(o, "q", "1"), BLOC_OK);
  assert_int_equal(bloc_options_set(o, "tol", "1e-6"), BLOC_OK);
  assert_int_equal(bloc_options_set(o, "q", "0.3"), BLOC_OK);
  assert_int_equal(bloc_solve(p, o, NULL, NULL, &r), BLOC_ERR_INPUT);
  d = first_diag(p);
  assert_null(bloc_diag_file(d));
  assert_non_null(strstr(bloc_diag_message(d), "option q=0.3: option 'tol' needs"));
  bloc_options_free(o);
  bloc_problem_free(p);
}

/* A report may not take the name of a trace column or of a result field, which would hide
 * it (bloc_result_get("steps") gave the step count for a report 'steps'): every name the
 * library gives a result is refused by the compiler (sema's list follows the library's). */
static void test_report_names(void **state) {
  (void)state;
  static const char head[] = "problem r\nupper x : scalar = 1\nlower y : scalar = 0\n"
                             "upper objective f = (y - 2) ^ 2\nlower objective g = (y - x) ^ 2\n";
  char text[512];
  snprintf(text, sizeof text, "%sreport acc = 1\nsolve aid_cg(outer_steps = 1)\n", head);
  bloc_problem *p;
  assert_int_equal(bloc_problem_new(&p), BLOC_OK);
  assert_int_equal(bloc_compile_string(p, "r.blo", text), BLOC_OK);
  bloc_result *r = NULL;
  assert_int_equal(bloc_solve(p, NULL, NULL, NULL, &r), BLOC_OK);
  int nfields = bloc_result_field_count(r), ncols = bloc_result_trace_cols(r);
  assert_true(nfields > 30 && ncols > 10);
  for (int i = 0; i < nfields + ncols; i++) {
    const char *name =
        i < nfields ? bloc_result_field(r, i) : bloc_result_trace_column(r, i - nfields);
    if (strcmp(name, "acc") == 0) continue; /* the report itself */
    bloc_problem *q;
    assert_int_equal(bloc_problem_new(&q), BLOC_OK);
    snprintf(text, sizeof text, "%sreport %s = 1\n", head, name);
    print_message("report %s\n", name);
    assert_int_equal(bloc_compile_string(q, "r.blo", text), BLOC_ERR_INPUT);
    assert_non_null(strstr(bloc_diag_message(bloc_problem_diag(q, 0)), "would hide it"));
    bloc_problem_free(q);
  }
  bloc_result_free(r);
  bloc_problem_free(p);
}

/* Data paths are relative to the program's directory as it was when compiled: a process that
 * changes directory between compiling and the first solve or eval (when the data are read)
 * read another directory's files of the same relative path, a silent wrong answer. */
static void test_relative_path_after_chdir(void **state) {
  (void)state;
  make_tmpdir();
  char path[400], old[4096];
  static const char *const dirs[] = {"a", "a/d", "b", "b/d"};
  for (int i = 0; i < 4; i++) {
    snprintf(path, sizeof path, "%s/%s", tmpdir, dirs[i]);
    assert_int_equal(mkdir(path, 0700), 0);
  }
  double one[2] = {1, 2}, ten[2] = {10, 20};
  snprintf(path, sizeof path, "%s/a/d", tmpdir);
  write_csv(path, "v.csv", one, 2, 1);
  snprintf(path, sizeof path, "%s/b/d", tmpdir);
  write_csv(path, "v.csv", ten, 2, 1); /* the decoy */
  snprintf(path, sizeof path, "%s/a/d/p.blo", tmpdir);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs("problem p\ndata v : vector[2] = load_csv(\"v.csv\")\nupper x : scalar = 0\n"
        "lower y : vector[2] = 0\nupper objective f = sumsq(y - v)\n"
        "lower objective g = sumsq(y - x)\n",
        f);
  fclose(f);
  assert_non_null(getcwd(old, sizeof old));
  snprintf(path, sizeof path, "%s/a", tmpdir);
  assert_int_equal(chdir(path), 0);
  bloc_problem *p;
  assert_int_equal(bloc_problem_new(&p), BLOC_OK);
  assert_int_equal(bloc_compile_file(p, "d/p.blo"), BLOC_OK);
  snprintf(path, sizeof path, "%s/b", tmpdir);
  assert_int_equal(chdir(path), 0);
  bloc_eval *e = NULL;
  int rc = bloc_eval_at(p, "f", NULL, NULL, NULL, &e);
  assert_int_equal(chdir(old), 0);
  assert_int_equal(rc, BLOC_OK);
  const double *v;
  int64_t n;
  assert_int_equal(bloc_eval_get(e, "f", &v, &n), BLOC_OK);
  assert_true(v[0] == 5); /* 1 + 4 from a/d/v.csv, not 500 from b/d/v.csv */
  bloc_eval_free(e);
  bloc_problem_free(p);
}

/* A method that needs a kernel the problem was not prepared for: an option error saying how
 * to prepare for it (it was a "run" error, a numerical failure to Python, that said "compile
 * it for this method"); prepared for both methods, both run. */
static void test_method_not_prepared(void **state) {
  (void)state;
  HcData *h = malloc(sizeof *h);
  hc_make(h, 3);
  bloc_problem *p = hc_problem(NULL, h);
  assert_int_equal(bloc_prepare(p, NULL), BLOC_OK); /* the program's lancbio */
  bloc_options *o;
  bloc_result *r = NULL;
  assert_int_equal(bloc_options_new(&o), BLOC_OK);
  bloc_options_method(o, "f2sa");
  bloc_options_set(o, "outer_steps", "2");
  assert_int_equal(bloc_solve(p, o, NULL, NULL, &r), BLOC_ERR_INPUT);
  assert_null(r);
  const bloc_diag *d = NULL;
  for (int i = 0; i < bloc_problem_diag_count(p); i++) /* after the dropped-option warnings */
    if (bloc_diag_severity(bloc_problem_diag(p, i)) == BLOC_ERROR) d = bloc_problem_diag(p, i);
  assert_non_null(d);
  print_message("%s", bloc_diag_text(d));
  assert_string_equal(bloc_diag_category(d), "option");
  assert_non_null(strstr(bloc_diag_message(d), "method 'f2sa' calls the kernel grad_x_g (the "
                                                "gradient of g in x)"));
  assert_non_null(strstr(bloc_diag_message(d), "prepared for lancbio"));
  assert_non_null(strstr(bloc_diag_hint(d), "bloc_prepare(p, \"lancbio,f2sa\")"));
  bloc_problem_free(p);
  p = hc_problem(NULL, h);
  assert_int_equal(bloc_prepare(p, "lancbio, f2sa"), BLOC_OK); /* " f2sa" was unknown */
  assert_int_equal(bloc_solve(p, o, NULL, NULL, &r), BLOC_OK);
  bloc_result_free(r);
  assert_int_equal(bloc_solve(p, NULL, NULL, NULL, &r), BLOC_OK);
  bloc_result_free(r);
  bloc_options_free(o);
  bloc_problem_free(p);
  free(h);
}

/* bloc_prepare's method list: an unknown name (a typo compiled every kernel and said nothing),
 * an empty one, or a wrong case is an option error with the nearest name, and the problem
 * stays compiled: prepared again with good names, it solves. */
static void test_prepare_unknown_method(void **state) {
  (void)state;
  HcData *h = malloc(sizeof *h);
  hc_make(h, 3);
  bloc_problem *p = hc_problem(NULL, h);
  static const struct {
    const char *list, *says, *hint;
  } c[] = {{"lancbio,lancboi", "unknown method 'lancboi'", "did you mean 'lancbio'?"},
           {"nosuch", "unknown method 'nosuch'", NULL},
           {"", "an empty method name", NULL},
           {"aid_cg,", "an empty name in the method list 'aid_cg,'", NULL}};
  for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
    assert_int_equal(bloc_prepare(p, c[i].list), BLOC_ERR_INPUT);
    assert_int_equal(bloc_problem_diag_count(p), 1); /* the call's diagnostics */
    const bloc_diag *d = bloc_problem_diag(p, 0);
    print_message("%s\n", bloc_diag_text(d));
    assert_string_equal(bloc_diag_category(d), "option");
    assert_non_null(strstr(bloc_diag_message(d), c[i].says));
    if (c[i].hint) assert_string_equal(bloc_diag_hint(d), c[i].hint);
  }
  /* BLOC_CPU naming no level, and a malformed BLOC_SHARD, are settings too: they were data
   * errors, and the problem could not be prepared again once the variable was fixed */
  static const struct {
    const char *var, *value, *says;
  } e[] = {{"BLOC_CPU", "pentium", "BLOC_CPU='pentium' is not a CPU level"},
           {"BLOC_SHARD", "3/2", "BLOC_SHARD='3/2' is not RANK/COUNT"}};
  for (size_t i = 0; i < sizeof e / sizeof e[0]; i++) {
    const char *was = getenv(e[i].var);
    char *saved = was ? strdup(was) : NULL;
    setenv(e[i].var, e[i].value, 1);
    int rc = bloc_prepare(p, "lancbio");
    if (saved) setenv(e[i].var, saved, 1); /* before any assertion: the later tests need it */
    else unsetenv(e[i].var);
    free(saved);
    assert_int_equal(rc, BLOC_ERR_INPUT);
    assert_int_equal(bloc_problem_diag_count(p), 1);
    const bloc_diag *d = bloc_problem_diag(p, 0);
    assert_string_equal(bloc_diag_category(d), "option");
    assert_non_null(strstr(bloc_diag_message(d), e[i].says));
  }
  assert_int_equal(bloc_prepare(p, "lancbio"), BLOC_OK);
  bloc_result *r = NULL;
  assert_int_equal(bloc_solve(p, NULL, NULL, NULL, &r), BLOC_OK);
  bloc_result_free(r);
  bloc_problem_free(p);
  free(h);
}

/* Every quantity of an evaluation is at one sample draw, the hypergradient too: it drew a
 * draw of its own, so on a minibatch problem it disagreed with the gradients printed beside
 * it. Here H = I and grad_xy g = -I, so hypergrad = grad_x f + grad_y f at the same draw. */
static void test_eval_one_draw(void **state) {
  (void)state;
  static const char text[] = "problem s\n"
                             "const n = 50\n"
                             "data A : matrix[n, 3] = normal(0, 1)\n"
                             "data b : vector[n] = normal(0, 1)\n"
                             "sample K : batch(5) of n\n"
                             "upper x : vector[3] = 0.3\n"
                             "lower y : vector[3] = 0\n"
                             "upper objective f = mean((A[K, :] @ y - b[K]) ^ 2) + 0.1 * sumsq(x)\n"
                             "lower objective g = 0.5 * sumsq(y - x)\n";
  bloc_problem *p;
  assert_int_equal(bloc_problem_new(&p), BLOC_OK);
  assert_int_equal(bloc_compile_string(p, "s.blo", text), BLOC_OK);
  double x[3] = {0.3, -0.1, 0.2}, y[3] = {0.5, 0.2, -0.4};
  bloc_eval *e;
  assert_int_equal(bloc_eval_at(p, "grad_x_f,grad_y_f,hypergrad", x, y, NULL, &e), BLOC_OK);
  const double *gx, *gy, *hg;
  int64_t n;
  assert_int_equal(bloc_eval_get(e, "grad_x_f", &gx, &n), BLOC_OK);
  assert_int_equal(bloc_eval_get(e, "grad_y_f", &gy, &n), BLOC_OK);
  assert_int_equal(bloc_eval_get(e, "hypergrad", &hg, &n), BLOC_OK);
  for (int i = 0; i < 3; i++) {
    print_message("hypergrad[%d] = %.17g, grad_x_f + grad_y_f = %.17g\n", i, hg[i], gx[i] + gy[i]);
    assert_true(fabs(hg[i] - (gx[i] + gy[i])) < 1e-12);
  }
  bloc_eval_free(e);
  bloc_problem_free(p);
}

/* A sparse declaration cannot be bound to a dense array: refused with a diagnostic at the
 * declaration, the problem left as it was. */
static void test_bind_sparse_refused(void **state) {
  (void)state;
  static const char text[] = "problem sp\n"
                             "data X : sparse[4, 3] = load_libsvm(\"x.svm\")\n"
                             "upper z : vector[3] = 0\n"
                             "lower w : vector[3] = 0\n"
                             "upper objective f = sumsq(X @ w)\n"
                             "lower objective g = sumsq(X @ w - 1) + sumsq(z * w)\n";
  bloc_problem *p;
  assert_int_equal(bloc_problem_new(&p), BLOC_OK);
  assert_int_equal(bloc_compile_string(p, "/nonexistent/sp.blo", text), BLOC_OK);
  double X[12] = {0};
  int64_t dims[2] = {4, 3};
  assert_int_equal(bloc_bind(p, "X", X, 2, dims), BLOC_ERR_INPUT);
  const bloc_diag *d = first_diag(p);
  assert_non_null(strstr(bloc_diag_message(d), "is sparse"));
  assert_int_equal(bloc_diag_line(d), 2);
  bloc_problem_free(p);
}

/* A sparse declaration bound from CSR arrays (bloc_bind_csr) gives what its file gives, bit for
 * bit: the arrays are scipy's layout (a row's columns in any order), copied at once (freed
 * before the data stage here), and checked with messages that name the declaration. */
static const char sparse_text[] = "problem sp\n"
                                  "data X : sparse[4, 3] = load_mtx(\"x.mtx\")\n"
                                  "data D : matrix[4, 3] = dense(X)\n"
                                  "upper z : vector[3] = 1\n"
                                  "lower w : vector[3] = 0\n"
                                  "upper objective f = sumsq(X @ w - 1) + sum(D @ w)\n"
                                  "lower objective g = sumsq(X @ w - 2) + sumsq(z * w)\n";

/* f, g and the exact hypergradient of p at its start, in out[0..5). */
static void sparse_eval(bloc_problem *p, double out[5]) {
  bloc_eval *e;
  assert_int_equal(bloc_eval_at(p, "f,g,hypergrad", NULL, NULL, NULL, &e), BLOC_OK);
  const double *v;
  int64_t n;
  assert_int_equal(bloc_eval_get(e, "f", &v, &n), BLOC_OK);
  out[0] = v[0];
  assert_int_equal(bloc_eval_get(e, "g", &v, &n), BLOC_OK);
  out[1] = v[0];
  assert_int_equal(bloc_eval_get(e, "hypergrad", &v, &n), BLOC_OK);
  assert_int_equal(n, 3);
  memcpy(out + 2, v, 3 * sizeof *v);
  bloc_eval_free(e);
}

static void test_bind_csr(void **state) {
  (void)state;
  make_tmpdir();
  char path[512], blo[512];
  snprintf(path, sizeof path, "%s/x.mtx", tmpdir);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs("%%MatrixMarket matrix coordinate real general\n4 3 6\n"
        "1 1 1\n1 3 2\n2 2 3\n4 1 4\n4 2 5\n4 3 6\n",
        f);
  fclose(f);
  snprintf(blo, sizeof blo, "%s/sp.blo", tmpdir);
  bloc_problem *p;
  double want[5], got[5];
  assert_int_equal(bloc_problem_new(&p), BLOC_OK);
  assert_int_equal(bloc_compile_string(p, blo, sparse_text), BLOC_OK);
  assert_int_equal(bloc_problem_data_sparse(p, 0), 1);
  assert_int_equal(bloc_problem_data_sparse(p, 1), 0);
  assert_int_equal(bloc_problem_data_sparse(p, 2), -1);
  sparse_eval(p, want);
  bloc_problem_free(p);

  assert_int_equal(bloc_problem_new(&p), BLOC_OK);
  assert_int_equal(bloc_compile_string(p, "/nonexistent/sp.blo", sparse_text), BLOC_OK);
  int64_t indptr[] = {0, 2, 3, 3, 6}, bad_ptr[] = {0, 2, 1, 3, 6};
  int64_t *indices = malloc(6 * sizeof *indices);
  double *values = malloc(6 * sizeof *values);
  memcpy(indices, (int64_t[]){2, 0, 1, 2, 0, 1}, 6 * sizeof *indices);
  memcpy(values, (double[]){2, 1, 3, 6, 4, 5}, 6 * sizeof *values);
  bloc_csr m = {4, 3, indptr, indices, values};
  struct {
    bloc_csr m;
    const char *name, *message;
  } bad[] = {
      {{4, 4, indptr, indices, values},
       "X",
       "declared sparse[4, 3], but the bound matrix is 4 x 4"},
      {m, "D", "declared matrix[4, 3]: a sparse matrix cannot be bound"},
      {{4, 3, bad_ptr, indices, values}, "X", "row 2 ends (pointer 1) before it starts (2)"},
      {{4, 3, indptr, (int64_t[]){2, 0, 1, 3, 0, 1}, values},
       "X",
       "entry 4: column index 3 is outside 0..2 (row 4)"},
      {{4, 3, (int64_t[]){1, 2, 3, 3, 6}, indices, values}, "X", "pointers start at 1, not 0"},
      {{4, 3, NULL, indices, values}, "X", "no row pointers (indptr is NULL)"},
      /* checked before narrowing to 32 bits, where it would be column 1 */
      {{4, 3, indptr, (int64_t[]){2, 0, 1, 2, 0, 4294967297}, values},
       "X",
       "entry 6: column index 4294967297 is outside 0..2 (row 4)"},
      {{4, 3, indptr, (int64_t[]){2, 0, 1, 2, 2, 1}, values},
       "X",
       "'X' entries 4 and 5 both give entry (4, 3)"},
      {{4, 3, indptr, indices, (double[]){2, 1, NAN, 6, 4, 5}},
       "X",
       "'X' entry 3: the value of entry (2, 2) is not finite"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    assert_int_equal(bloc_bind_csr(p, bad[i].name, &bad[i].m), BLOC_ERR_INPUT);
    const bloc_diag *d = first_diag(p);
    assert_non_null(strstr(bloc_diag_message(d), bad[i].message));
    assert_int_equal(bloc_diag_line(d), bad[i].name[0] == 'X' ? 2 : 3);
  }
  assert_int_equal(bloc_bind_csr(p, "X", NULL), BLOC_ERR_INPUT);
  assert_non_null(strstr(bloc_diag_message(first_diag(p)), "bloc_bind_csr: data 'X' is "
                                                           "declared sparse[4, 3], but the "
                                                           "bound matrix is missing (NULL)"));
  assert_int_equal(bloc_bind_csr(p, "Y", &m), BLOC_ERR_INPUT);
  assert_string_equal(bloc_diag_hint(first_diag(p)), "did you mean 'X'?");
  int64_t dims[2] = {4, 3};
  assert_int_equal(bloc_bind(p, "X", values, 2, dims), BLOC_ERR_INPUT);
  assert_non_null(strstr(bloc_diag_hint(first_diag(p)), "bloc_bind_csr"));

  bloc_csr zero = {4, 3, (int64_t[]){0, 0, 0, 0, 0}, NULL, NULL};
  assert_int_equal(bloc_bind_csr(p, "X", &zero), BLOC_OK); /* replaced by the next */
  assert_int_equal(bloc_bind_csr(p, "X", &m), BLOC_OK);
  free(indices); /* copied */
  free(values);
  sparse_eval(p, got);
  for (int i = 0; i < 5; i++) assert_true(got[i] == want[i]);
  assert_int_equal(bloc_bind_csr(p, "X", &m), BLOC_ERR_STATE); /* too late */
  bloc_problem_free(p);
}

/* A declaration only bound ones are computed from is not loaded: binding X, declared from
 * images (whose file is missing here), read images' file anyway and failed. One that the
 * objectives read directly still is (t, bound too here, is read; u's file is missing and
 * nothing reads u: no error either). */
static void test_bind_derived_skips_source(void **state) {
  (void)state;
  static const char text[] = "problem der\n"
                             "data images : matrix[4, 3] = load_csv(\"missing.csv\")\n"
                             "data X : matrix[4, 4] = hcat(images / 2, ones(4))\n"
                             "data u : vector[4] = load_csv(\"missing_too.csv\")\n"
                             "data t : vector[4] = load_csv(\"t.csv\")\n"
                             "upper lam : scalar = 0\n"
                             "lower w : vector[4] = 0\n"
                             "upper objective f = sumsq(X @ w - t)\n"
                             "lower objective g = sumsq(X @ w - t) + exp(lam) * sumsq(w)\n";
  double X[16] = {1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 1, 1, 1, 1, 1, 1}, t[4] = {1, 2, 3, 4};
  for (int b = 0; b < 2; b++) { /* the evaluator lowers the objectives after the data stage */
    bloc_problem *p;
    assert_int_equal(bloc_problem_new(&p), BLOC_OK);
    assert_int_equal(bloc_set_backend(p, b ? "interp" : "jit"), BLOC_OK);
    assert_int_equal(bloc_compile_string(p, "/nonexistent/der.blo", text), BLOC_OK);
    assert_int_equal(bloc_bind(p, "X", X, 2, (int64_t[]){4, 4}), BLOC_OK);
    assert_int_equal(bloc_bind(p, "t", t, 1, (int64_t[]){4}), BLOC_OK);
    assert_int_equal(bloc_prepare(p, "all"), BLOC_OK);
    bloc_eval *e;
    assert_int_equal(bloc_eval_at(p, "f", NULL, NULL, NULL, &e), BLOC_OK);
    const double *v;
    int64_t n;
    assert_int_equal(bloc_eval_get(e, "f", &v, &n), BLOC_OK);
    assert_true(v[0] == 30); /* w = 0: sumsq(t) */
    bloc_eval_free(e);
    bloc_problem_free(p);
  }
}

/* ---- every error path */

/* ---- warnings of the compile */

typedef struct Heard {
  int n;
  char message[8192];
  int severity;
} Heard;

static void on_diag(void *user, const bloc_diag *d) {
  Heard *h = user;
  if (h->n++ == 0) {
    snprintf(h->message, sizeof h->message, "%s", bloc_diag_message(d));
    h->severity = bloc_diag_severity(d);
  }
}

/* What the library writes to stderr between stderr_begin and stderr_end (into buf). */
typedef struct Captured {
  FILE *file;
  int saved_fd;
} Captured;

static Captured stderr_begin(void) {
  Captured c = {tmpfile(), -1};
  assert_non_null(c.file);
  fflush(stderr);
  c.saved_fd = dup(2);
  assert_true(c.saved_fd >= 0);
  assert_int_equal(dup2(fileno(c.file), 2), 2);
  return c;
}

static void stderr_end(Captured *c, char *buf, size_t n) {
  fflush(stderr);
  dup2(c->saved_fd, 2);
  close(c->saved_fd);
  rewind(c->file);
  buf[fread(buf, 1, n - 1, c->file)] = '\0';
  fclose(c->file);
}

/* A refused compile cache directory (writable by group) is a warning of each compile: the
 * caller's handler and the problem's diagnostics have it, once, and nothing reaches stderr. It
 * went to stderr from the library, once per process, so a second problem never heard of it. */
static void test_cache_warning_to_caller(void **state) {
  (void)state;
  make_tmpdir();
  char open_dir[300], want[600], *saved = getenv("BLOC_CACHE_DIR");
  saved = saved ? strdup(saved) : NULL;
  snprintf(open_dir, sizeof open_dir, "%s/open-cache", tmpdir);
  assert_int_equal(mkdir(open_dir, 0700), 0);
  assert_int_equal(chmod(open_dir, 0770), 0);
  setenv("BLOC_CACHE_DIR", open_dir, 1);
  snprintf(want, sizeof want,
           "not using the compile cache '%s': it is writable by group or others (it must be "
           "yours, mode 700); compiling afresh",
           open_dir);
  static HcData h;
  hc_make(&h, 11);
  for (int i = 0; i < 2; i++) { /* two problems in one process: each is told */
    bloc_problem *p = hc_problem(NULL, &h);
    Heard heard = {0};
    assert_int_equal(bloc_set_diag_handler(p, on_diag, &heard), BLOC_OK);
    Captured cap = stderr_begin();
    int rc = bloc_prepare(p, NULL);
    char printed[256];
    stderr_end(&cap, printed, sizeof printed);
    assert_int_equal(rc, BLOC_OK);
    assert_string_equal(printed, ""); /* nothing printed by the library */
    assert_int_equal(heard.n, 1);
    assert_int_equal(heard.severity, BLOC_WARNING);
    assert_string_equal(heard.message, want);
    assert_int_equal(bloc_problem_diag_count(p), 1);
    assert_string_equal(bloc_diag_message(bloc_problem_diag(p, 0)), want);
    assert_string_equal(bloc_diag_category(bloc_problem_diag(p, 0)), "data");
    bloc_problem_free(p);
  }
  if (saved) setenv("BLOC_CACHE_DIR", saved, 1);
  else unsetenv("BLOC_CACHE_DIR");
  free(saved);
  rmdir(open_dir);
}

/* bloc_solve with console = on and no handler (p, options o): stderr into buf. */
static int solve_stderr(bloc_problem *p, const bloc_options *o, char *buf, size_t n) {
  Captured cap = stderr_begin();
  bloc_result *r = NULL;
  int rc = bloc_solve(p, o, NULL, NULL, &r);
  stderr_end(&cap, buf, n);
  bloc_result_free(r);
  return rc;
}

/* console = on prints what goes wrong before the run too, as bloc run does: an unknown option
 * returned 1 with nothing on stderr, and the warning that an option of the program's method
 * does not apply to the one asked for was never seen. quiet = on leaves the errors; a
 * diagnostics handler takes them instead. */
static void test_console_diags(void **state) {
  (void)state;
  static const char text[] = "upper x : scalar = 0\nlower y : scalar = 0\n"
                             "upper objective f = (y - 1) ^ 2\n"
                             "lower objective g = 0.5 * (y - x) ^ 2\n"
                             "solve aid_cg(cg_steps = 3, outer_steps = 5)\n";
  char buf[4096];
  for (int quiet = 0; quiet < 2; quiet++) {
    bloc_problem *p;
    assert_int_equal(bloc_problem_new(&p), BLOC_OK);
    assert_int_equal(bloc_compile_string(p, "con.blo", text), BLOC_OK);
    bloc_options *o;
    assert_int_equal(bloc_options_new(&o), BLOC_OK);
    bloc_options_run(o, "console", "on");
    if (quiet) bloc_options_run(o, "quiet", "on");
    bloc_options_set(o, "x_stpe", "1");
    assert_int_equal(solve_stderr(p, o, buf, sizeof buf), BLOC_ERR_INPUT);
    if (!strstr(buf, "bloc: error: ") || !strstr(buf, "x_stpe") ||
        !strstr(buf, "did you mean 'x_step'?"))
      fail_msg("console = on, an unknown option: stderr '%s'", buf);
    bloc_options_free(o);
    assert_int_equal(bloc_options_new(&o), BLOC_OK);
    bloc_options_run(o, "console", "on");
    if (quiet) bloc_options_run(o, "quiet", "on");
    bloc_options_method(o, "itd");
    assert_int_equal(solve_stderr(p, o, buf, sizeof buf), BLOC_OK);
    int said = strstr(buf, "bloc: warning: option 'cg_steps' of the program's method 'aid_cg' "
                            "does not apply to 'itd' (ignored)") != NULL;
    if (said == (quiet == 1)) fail_msg("console = on, quiet = %d: stderr '%s'", quiet, buf);
    Heard heard = {0}; /* a handler takes them: nothing on stderr */
    bloc_set_diag_handler(p, on_diag, &heard);
    assert_int_equal(solve_stderr(p, o, buf, sizeof buf), BLOC_OK);
    if (!quiet && strstr(buf, "does not apply")) fail_msg("printed beside a handler: '%s'", buf);
    assert_true(heard.n >= 1);
    bloc_options_free(o);
    bloc_problem_free(p);
  }
}

static void test_errors(void **state) {
  (void)state;
  bloc_problem *p;
  const bloc_diag *d;
  /* a compile error: file, line, column, message, the caret text */
  assert_int_equal(bloc_problem_new(&p), BLOC_OK);
  const char *bad = "problem bad\nupper x : scalar = 0\nlower y : scalar = zz\n";
  assert_int_equal(bloc_compile_string(p, "dir/bad.blo", bad), BLOC_ERR_INPUT);
  d = first_diag(p);
  assert_string_equal(bloc_diag_file(d), "dir/bad.blo");
  assert_int_equal(bloc_diag_line(d), 3);
  assert_int_equal(bloc_diag_column(d), 20);
  assert_string_equal(bloc_diag_category(d), "compile");
  assert_non_null(strstr(bloc_diag_message(d), "zz"));
  assert_non_null(strstr(bloc_diag_text(d), "dir/bad.blo:3:20: error: "));
  assert_non_null(strstr(bloc_diag_text(d), "^"));
  assert_int_equal(bloc_bind(p, "x", NULL, 0, NULL), BLOC_ERR_STATE);
  bloc_problem_free(p);
  assert_int_equal(bloc_problem_new(&p), BLOC_OK);
  assert_int_equal(bloc_compile_file(p, "/nonexistent/no.blo"), BLOC_ERR_INPUT);
  assert_non_null(strstr(bloc_diag_message(first_diag(p)), "cannot read"));
  /* compiling again after a failure: it said "already compiled" */
  assert_int_equal(bloc_compile_string(p, "ok.blo", "upper x : scalar = 0\n"), BLOC_ERR_STATE);
  assert_string_equal(bloc_diag_message(first_diag(p)),
                      "bloc_compile: the problem failed to compile: compile the next file in a "
                      "new problem (bloc_problem_new)");
  bloc_problem_free(p);
  assert_int_equal(bloc_problem_new(&p), BLOC_OK);
  assert_int_equal(bloc_set_backend(p, "gpu"), BLOC_ERR_INPUT);
  assert_non_null(strstr(bloc_diag_message(first_diag(p)), "gpu"));
  /* a bad value is an option error; usage is for calls out of order */
  assert_string_equal(bloc_diag_category(first_diag(p)), "option");
  assert_int_equal(bloc_set_seed(p, UINT64_C(1) << 53), BLOC_ERR_INPUT);
  assert_string_equal(bloc_diag_category(first_diag(p)), "option");
  assert_int_equal(bloc_set_data_seed(p, UINT64_C(1) << 53), BLOC_ERR_INPUT);
  assert_non_null(strstr(bloc_diag_message(first_diag(p)), "bloc_set_data_seed"));
  assert_string_equal(bloc_diag_category(first_diag(p)), "option");
  assert_int_equal(bloc_set_precision(p, "f16"), BLOC_ERR_INPUT);
  assert_string_equal(bloc_diag_category(first_diag(p)), "option");
  /* a NULL argument: this call's error, not the last call's left in place */
  assert_int_equal(bloc_define(p, NULL, 1), BLOC_ERR_INPUT);
  assert_int_equal(bloc_problem_diag_count(p), 1);
  assert_string_equal(bloc_diag_message(first_diag(p)), "bloc_define: name is NULL");
  assert_string_equal(bloc_diag_category(first_diag(p)), "usage");
  /* NaN and inf were accepted, then failed at every use of the const ("got nan") */
  assert_int_equal(bloc_define(p, "n", NAN), BLOC_ERR_INPUT);
  assert_string_equal(bloc_diag_message(first_diag(p)),
                      "bloc_define: n = nan is not a finite number");
  assert_int_equal(bloc_define(p, "n", -INFINITY), BLOC_ERR_INPUT);
  assert_int_equal(bloc_set_backend(p, "gpu"), BLOC_ERR_INPUT);
  assert_int_equal(bloc_compile_string(p, "x.blo", NULL), BLOC_ERR_INPUT);
  assert_string_equal(bloc_diag_message(first_diag(p)), "bloc_compile_string: text is NULL");
  bloc_problem_free(p);

  /* data: an unknown name (did you mean), a shape mismatch (at the declaration), NaN */
  HcData *h = malloc(sizeof *h);
  hc_make(h, 5);
  p = hc_problem(NULL, NULL);
  assert_int_equal(bloc_problem_data_count(p), 4);
  assert_string_equal(bloc_problem_data_name(p, 2), "Xval");
  int64_t got[3];
  assert_int_equal(bloc_problem_data_shape(p, 2, got), 2);
  assert_true(got[0] == M && got[1] == D);
  assert_null(bloc_problem_data_name(p, 4));
  int64_t dims[2] = {N, D};
  assert_int_equal(bloc_bind(p, "Xtrn", h->Xtr, 2, dims), BLOC_ERR_INPUT);
  d = first_diag(p);
  assert_string_equal(bloc_diag_category(d), "data");
  assert_null(bloc_diag_file(d));
  assert_string_equal(bloc_diag_hint(d), "did you mean 'Xtr'?");
  int64_t wrong[2] = {N, D + 1};
  assert_int_equal(bloc_bind(p, "Xtr", h->Xtr, 2, wrong), BLOC_ERR_INPUT);
  d = first_diag(p);
  assert_int_equal(bloc_diag_line(d), 6); /* data Xtr ... */
  assert_int_equal(bloc_diag_column(d), 6);
  assert_non_null(strstr(bloc_diag_message(d), "matrix[60, 9]"));
  assert_int_equal(bloc_bind(p, "Xtr", h->Xtr, 1, dims), BLOC_ERR_INPUT);
  h->Xval[3] = NAN;
  bind_all(p, h); /* the refused bindings left the program fit to prepare */
  assert_int_equal(bloc_prepare(p, NULL), BLOC_ERR_INPUT);
  d = first_diag(p);
  assert_int_equal(bloc_diag_line(d), 8);
  assert_non_null(strstr(bloc_diag_message(d), "nan"));
  /* it compiled: the message says what failed, and what is left to do */
  assert_int_equal(bloc_bind(p, "Xval", h->Xval, 2, dims), BLOC_ERR_STATE);
  assert_non_null(strstr(bloc_diag_message(first_diag(p)), "failed to prepare"));
  assert_int_equal(bloc_prepare(p, NULL), BLOC_ERR_STATE);
  assert_non_null(strstr(bloc_diag_message(first_diag(p)), "failed to prepare"));
  /* unusable for good, as api.md says, even once the bound array is fixed: every call */
  h->Xval[3] = 0;
  assert_int_equal(bloc_prepare(p, NULL), BLOC_ERR_STATE);
  assert_int_equal(bloc_set_start(p, NULL, NULL), BLOC_ERR_STATE);
  bloc_result *fr = NULL;
  assert_int_equal(bloc_solve(p, NULL, NULL, NULL, &fr), BLOC_ERR_STATE);
  assert_null(fr);
  bloc_eval *fe = NULL;
  assert_int_equal(bloc_eval_at(p, "f", NULL, NULL, NULL, &fe), BLOC_ERR_STATE);
  assert_null(fe);
  d = first_diag(p);
  assert_string_equal(bloc_diag_category(d), "usage");
  assert_non_null(strstr(bloc_diag_message(d), "failed to prepare"));
  bloc_problem_free(p);
  /* a loader's error when a declaration is left unbound: at the call */
  p = hc_problem(NULL, NULL);
  int64_t yd[2] = {N, K};
  assert_int_equal(bloc_bind(p, "Ytr", h->Ytr, 2, yd), BLOC_OK);
  bloc_result *r = NULL;
  assert_int_equal(bloc_solve(p, NULL, NULL, NULL, &r), BLOC_ERR_INPUT);
  assert_null(r);
  d = first_diag(p);
  assert_string_equal(bloc_diag_category(d), "data");
  assert_int_equal(bloc_diag_line(d), 6);
  assert_true(bloc_diag_column(d) > 6);
  assert_int_equal(bloc_bind(p, "Xtr", h->Xtr, 2, dims), BLOC_ERR_STATE);
  bloc_problem_free(p);

  /* options: an unknown key, method, run setting; a bad value; numerical failure */
  p = hc_problem(NULL, h);
  bloc_options *o;
  assert_int_equal(bloc_options_new(&o), BLOC_OK);
  bloc_options_set(o, "x_stpe", "3");
  assert_int_equal(bloc_solve(p, o, NULL, NULL, &r), BLOC_ERR_INPUT);
  d = first_diag(p);
  assert_string_equal(bloc_diag_category(d), "option");
  assert_string_equal(bloc_diag_hint(d), "did you mean 'x_step'?");
  assert_non_null(strstr(bloc_diag_message(d), "option x_stpe=3: unknown option 'x_stpe'"));
  bloc_options_free(o);
  assert_int_equal(bloc_options_new(&o), BLOC_OK);
  bloc_options_method(o, "lancbo");
  assert_int_equal(bloc_solve(p, o, NULL, NULL, &r), BLOC_ERR_INPUT);
  assert_string_equal(bloc_diag_hint(first_diag(p)), "did you mean 'lancbio'?");
  bloc_options_method(o, NULL);
  bloc_options_run(o, "trace_fiel", "t.csv");
  assert_int_equal(bloc_solve(p, o, NULL, NULL, &r), BLOC_ERR_INPUT);
  assert_string_equal(bloc_diag_hint(first_diag(p)), "did you mean 'trace_file'?");
  bloc_options_free(o);
  assert_int_equal(bloc_options_new(&o), BLOC_OK);
  bloc_options_set(o, "inner_steps", "many");
  assert_int_equal(bloc_solve(p, o, NULL, NULL, &r), BLOC_ERR_INPUT);
  assert_non_null(strstr(bloc_diag_message(first_diag(p)), "many"));
  bloc_options_free(o);
  assert_int_equal(bloc_options_new(&o), BLOC_OK);
  bloc_options_set(o, "x_step", "1e200");
  bloc_options_set(o, "on_divergence", "stop");
  assert_int_equal(bloc_solve(p, o, NULL, NULL, &r), BLOC_ERR_NUMERICAL);
  assert_non_null(r);
  assert_string_equal(bloc_result_stop(r), "numerical_failure");
  d = first_diag(p);
  assert_string_equal(bloc_diag_category(d), "run");
  assert_string_equal(bloc_diag_message(d), bloc_result_message(r));
  int64_t nx;
  const double *x = bloc_result_x(r, &nx);
  for (int64_t i = 0; i < nx; i++) assert_true(isfinite(x[i])); /* the last good iterate */
  /* the start, step 0, is the last good point: traced once, not again after the failure */
  assert_int_equal(bloc_result_trace_rows(r), 1);
  assert_true(bloc_result_trace(r)[0] == 0);
  bloc_result_free(r);
  bloc_options_free(o);
  /* an output file that cannot be written */
  assert_int_equal(bloc_options_new(&o), BLOC_OK);
  bloc_options_run(o, "trace_file", "/nonexistent/dir/t.csv");
  assert_int_equal(bloc_solve(p, o, NULL, NULL, &r), BLOC_ERR_INPUT);
  assert_non_null(strstr(bloc_diag_message(first_diag(p)), "/nonexistent/dir/t.csv"));
  bloc_options_free(o);
  bloc_problem_free(p);
  free(h);
  /* a program with no solve line and no method given */
  assert_int_equal(bloc_problem_new(&p), BLOC_OK);
  assert_int_equal(bloc_compile_string(p, "q.blo", "problem q\nupper x : scalar = 0\n"
                                                   "lower y : scalar = 0\n"
                                                   "upper objective f = (y - 1) ^ 2\n"
                                                   "lower objective g = (y - x) ^ 2\n"),
                   BLOC_OK);
  assert_int_equal(bloc_solve(p, NULL, NULL, NULL, &r), BLOC_ERR_INPUT);
  assert_non_null(strstr(bloc_diag_message(first_diag(p)), "no method to run"));
  /* the API's way to name one, not the command line's --method */
  assert_non_null(strstr(bloc_diag_hint(first_diag(p)), "or name the method: "
                                                        "bloc_options_method (Python: "));
  bloc_problem_free(p);
  /* NULL handles */
  assert_int_equal(bloc_solve(NULL, NULL, NULL, NULL, &r), BLOC_ERR_STATE);
  assert_int_equal(bloc_compile_file(NULL, "x.blo"), BLOC_ERR_STATE);
  assert_int_equal(bloc_problem_diag_count(NULL), 0);
  double v;
  const double *vs;
  int64_t n;
  assert_int_equal(bloc_result_get(NULL, "f", &v), BLOC_ERR_STATE);
  assert_int_equal(bloc_eval_get(NULL, "f", &vs, &n), BLOC_ERR_STATE);
  /* a NULL name is an argument error, as bloc_bind's is (it was ERR_STATE here only) */
  bloc_problem *q;
  bloc_eval *e;
  assert_int_equal(bloc_problem_new(&q), BLOC_OK);
  assert_int_equal(bloc_compile_string(q, "q.blo", "upper x = 0\nlower y = 0\nupper objective "
                                                   "f = y ^ 2\nlower objective g = (y - x) ^ 2\n"
                                                   "solve aid_cg(outer_steps = 2)\n"),
                   BLOC_OK);
  assert_int_equal(bloc_eval_at(q, "f", NULL, NULL, NULL, &e), BLOC_OK);
  assert_int_equal(bloc_eval_get(e, NULL, &vs, &n), BLOC_ERR_INPUT);
  bloc_eval_free(e);
  assert_int_equal(bloc_solve(q, NULL, NULL, NULL, &r), BLOC_OK);
  assert_int_equal(bloc_result_get(r, NULL, &v), BLOC_ERR_INPUT);
  bloc_result_free(r);
  bloc_problem_free(q);
}

static void test_version(void **state) {
  (void)state;
  char v[64];
  snprintf(v, sizeof v, "%d.%d.%d", BLOC_VERSION_MAJOR, BLOC_VERSION_MINOR, BLOC_VERSION_PATCH);
  assert_string_equal(bloc_version(), v);
  assert_string_equal(bloc_version(), PACKAGE_VERSION);
}

/* The run's own warnings reach the caller: to the handler as they are made and in the call's
 * diagnostics, category "run", whole (the advice at the end of this one was cut at 255
 * characters); none with the run setting quiet. A silent solve (console off, the default)
 * told no one that it had not converged. */
static void test_run_warnings_to_caller(void **state) {
  (void)state;
  static const char text[] = "problem nc\n"
                             "upper x : scalar = 1\n"
                             "lower y : vector[2] = 0.1\n"
                             "upper objective f = sumsq(y) + x^2\n"
                             "lower objective g = 0.5 * y[0]^2 - 0.01 * y[1]^2 + 0.1 * y[1]^4"
                             " + x * sum(y)\n"
                             "solve aid_cg(outer_steps = 20, x_step = 0.1, y_step = 0.1)\n";
  bloc_problem *p;
  assert_int_equal(bloc_problem_new(&p), BLOC_OK);
  assert_int_equal(bloc_compile_string(p, "/nonexistent/nc.blo", text), BLOC_OK);
  for (int quiet = 0; quiet < 2; quiet++) {
    Heard heard = {0};
    assert_int_equal(bloc_set_diag_handler(p, on_diag, &heard), BLOC_OK);
    bloc_options *o;
    assert_int_equal(bloc_options_new(&o), BLOC_OK);
    if (quiet) assert_int_equal(bloc_options_run(o, "quiet", "on"), BLOC_OK);
    bloc_result *r;
    assert_int_equal(bloc_solve(p, o, NULL, NULL, &r), BLOC_OK);
    int count = bloc_problem_diag_count(p);
    const char *found = NULL;
    for (int i = 0; i < count; i++) {
      const bloc_diag *d = bloc_problem_diag(p, i);
      if (strstr(bloc_diag_message(d), "the run has not converged")) {
        found = bloc_diag_message(d);
        assert_int_equal(bloc_diag_severity(d), BLOC_WARNING);
        assert_string_equal(bloc_diag_category(d), "run");
      }
    }
    if (quiet) {
      assert_int_equal(heard.n, 0);
      assert_null(found);
    } else {
      assert_int_equal(heard.n, count); /* each handed to the handler */
      assert_non_null(found);
      /* the run setting, not bloc run's flag (it said "--keep best" to library callers) */
      assert_non_null(strstr(found, "; keep = best saves the best trace point (step 10, "
                                    "|hypergradient| "));
    }
    bloc_result_free(r);
    bloc_options_free(o);
  }
  bloc_problem_free(p);
}

/* The variables as a caller cuts x and y into them (Python's Result.vars had only flat x and
 * y, and the offsets were in the summary's text): upper then lower, declaration order. */
static void test_var_listing(void **state) {
  (void)state;
  bloc_problem *p;
  assert_int_equal(bloc_problem_new(&p), BLOC_OK);
  assert_int_equal(bloc_problem_var_count(p), -1); /* not compiled */
  assert_int_equal(bloc_compile_string(p, "vars.blo",
                                       "upper lam : scalar = 0\n"
                                       "upper s : vector[3] = 1\n"
                                       "lower W : matrix[2, 3] = 0\n"
                                       "lower b : vector[2] = 0\n"
                                       "upper objective f = sumsq(W) + sumsq(b) + lam + sum(s)\n"
                                       "lower objective g = sumsq(W - lam) + sumsq(b * sum(s))\n"),
                   BLOC_OK);
  assert_int_equal(bloc_problem_var_count(p), 4);
  static const char *const names[] = {"lam", "s", "W", "b"};
  static const int ranks[] = {0, 1, 2, 1}, levels[] = {0, 0, 1, 1};
  static const int64_t offsets[] = {0, 1, 0, 6}, d0[] = {0, 3, 2, 2}, d1[] = {0, 0, 3, 0};
  for (int i = 0; i < 4; i++) {
    int64_t dims[2] = {-1, -1}, off = -1;
    int level = -1;
    assert_string_equal(bloc_problem_var_name(p, i), names[i]);
    assert_int_equal(bloc_problem_var_shape(p, i, dims, &level, &off), ranks[i]);
    assert_int_equal(level, levels[i]);
    assert_true(off == offsets[i]);
    if (ranks[i] >= 1) assert_true(dims[0] == d0[i]);
    if (ranks[i] == 2) assert_true(dims[1] == d1[i]);
  }
  int64_t dims[2];
  assert_null(bloc_problem_var_name(p, 4));
  assert_null(bloc_problem_var_name(p, -1));
  assert_int_equal(bloc_problem_var_shape(p, 4, dims, NULL, NULL), -1);
  assert_int_equal(bloc_problem_var_shape(p, 0, NULL, NULL, NULL), -1);
  bloc_problem_free(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_version),
      cmocka_unit_test(test_memory_matches_bloc_run),
      cmocka_unit_test(test_two_threads),
      cmocka_unit_test(test_cancel),
      cmocka_unit_test(test_define_and_eval),
      cmocka_unit_test(test_eval_at_solve_start),
      cmocka_unit_test(test_bind_tensor),
      cmocka_unit_test(test_bind_f32_leaves_arrays),
      cmocka_unit_test(test_bind_sparse_refused),
      cmocka_unit_test(test_bind_csr),
      cmocka_unit_test(test_bind_derived_skips_source),
      cmocka_unit_test(test_precision_option), cmocka_unit_test(test_tol_sampled_option),
      cmocka_unit_test(test_rule_mended_by_option),
      cmocka_unit_test(test_report_names),
      cmocka_unit_test(test_relative_path_after_chdir),
      cmocka_unit_test(test_method_not_prepared),
      cmocka_unit_test(test_prepare_unknown_method),
      cmocka_unit_test(test_eval_one_draw),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_cache_warning_to_caller), cmocka_unit_test(test_console_diags),
      cmocka_unit_test(test_run_warnings_to_caller), cmocka_unit_test(test_var_listing),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  if (tmpdir[0]) {
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) rc = rc ? rc : 1;
  }
  return rc;
}
