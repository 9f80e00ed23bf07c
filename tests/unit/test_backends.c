/* test_backends.c — the JIT against the reference evaluator on real programs: every kernel of
 * every example, e2e program and valid golden program, compiled both ways, evaluated at the
 * same random points with the same sample draw, must agree within 1e-12 relative elementwise
 * (with an absolute floor of 1e-12 of the output's largest magnitude for near-zero entries). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiled.h" /* looks inside the compiled problem */
#include "rt_rng.h"

static const char *top(void) {
  const char *t = getenv("top_srcdir");
  return t ? t : ".";
}

static BloCompiled *compile(const char *path, const SemaDefine *defs, int ndefs, BloBackend backend,
                            FILE *quiet) {
  BloCompileOptions opt = {0};
  opt.defs = defs;
  opt.ndefs = ndefs;
  opt.backend = backend;
  opt.all_kernels = true; /* the fused kernels too, whatever the program's method calls */
  opt.diag_out = quiet;
  BloCompiled *c = NULL;
  if (blo_compile_file(path, &opt, &c) != 0) {
    blo_compiled_free(c);
    return NULL;
  }
  return c;
}

static int compare_out(const char *prog, const char *kernel, int slot, const double *jit,
                       const double *ref, int64_t n) {
  double scale = 0;
  for (int64_t i = 0; i < n; i++) scale = fmax(scale, fabs(ref[i]));
  for (int64_t i = 0; i < n; i++) {
    bool both_nan = isnan(jit[i]) && isnan(ref[i]);
    double tol = 1e-12 * fmax(fabs(ref[i]), scale);
    if (!both_nan && !(fabs(jit[i] - ref[i]) <= tol) && !(jit[i] == ref[i])) {
      fprintf(stderr, "%s: kernel %s out[%d][%lld]: jit %.17g vs evaluator %.17g\n", prog, kernel,
              slot, (long long)i, jit[i], ref[i]);
      return 1;
    }
  }
  return 0;
}

/* Returns the number of mismatching outputs (0), or -1 when the program does not compile. */
static int check_program(const char *path, const SemaDefine *defs, int ndefs) {
  FILE *devnull = fopen("/dev/null", "w");
  BloCompiled *cj = compile(path, defs, ndefs, BLO_BACKEND_JIT, devnull);
  BloCompiled *ci = compile(path, defs, ndefs, BLO_BACKEND_INTERP, devnull);
  fclose(devnull);
  if (!cj || !ci) {
    blo_compiled_free(cj);
    blo_compiled_free(ci);
    return -1;
  }
  const BloProblem *pj = &cj->problem, *pi = &ci->problem;
  int64_t nx = pj->nx, ny = pj->ny, nmax = (nx > ny ? nx : ny) + pj->n_reports + 1;
  int64_t *samples = calloc((size_t)pj->sample_total + 1, sizeof(int64_t));
  RtRng r = rt_rng_stream(3, path);
  for (int s = 0; s < pj->n_samples; s++) {
    const BloSampleInfo *si = &pj->samples[s];
    int64_t *scratch =
        calloc((size_t)rt_rng_sample_scratch_len(si->batch, si->population) + 1, sizeof(int64_t));
    rt_rng_sample_without_replacement(&r, si->batch, si->population, samples + si->offset, scratch);
    free(scratch);
  }
  double *work_j = calloc((size_t)pj->work_size + 1, sizeof(double));
  int64_t nv = nx > ny ? nx : ny; /* v is x-sized for hvp_yx */
  double *x = malloc(sizeof(double) * (size_t)(nx + ny + nv + 1)), *y = x + nx, *v = y + ny;
  for (int64_t i = 0; i < nx; i++) x[i] = pj->x0[i] + rt_rng_uniform(&r, -0.3, 0.3);
  for (int64_t i = 0; i < ny; i++) y[i] = pj->y0[i] + rt_rng_uniform(&r, -0.3, 0.3);
  for (int64_t i = 0; i < nv; i++) v[i] = rt_rng_uniform(&r, -1, 1);
  BloEnv ej = {pj->data, samples, work_j, pj->backend}, ei = {pi->data, samples, NULL, pi->backend};
  int bad = 0;
  for (int k = 0; k < BLO_K_COUNT; k++) {
    assert_true((pj->kernels[k] == NULL) == (pi->kernels[k] == NULL));
    if (!pj->kernels[k]) continue;
    double *oj[4], *oi[4];
    for (int s = 0; s < 4; s++) {
      oj[s] = calloc((size_t)nmax, sizeof(double));
      oi[s] = calloc((size_t)nmax, sizeof(double));
    }
    pj->kernels[k](&ej, x, y, v, oj);
    pi->kernels[k](&ei, x, y, v, oi);
    const IrKernel *kern = &ci->ir->kernels[k];
    for (int s = 0; s < kern->nslots; s++)
      bad += compare_out(path, kern->name, s, oj[s], oi[s], kern->slot_size[s]);
    for (int s = 0; s < 4; s++) {
      free(oj[s]);
      free(oi[s]);
    }
  }
  free(samples);
  free(work_j);
  free(x);
  blo_compiled_free(cj);
  blo_compiled_free(ci);
  return bad;
}

static void run_dir(const char *rel, const char *prefix, int min_checked) {
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/%s", top(), rel);
  DIR *d = opendir(dir);
  assert_non_null(d);
  struct dirent *e;
  int checked = 0, bad = 0;
  while ((e = readdir(d))) {
    size_t len = strlen(e->d_name);
    if (len < 5 || strcmp(e->d_name + len - 4, ".blo") != 0) continue;
    if (prefix && strncmp(e->d_name, prefix, strlen(prefix)) != 0) continue;
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    /* examples at small sizes (their defaults are the papers' sizes) */
    static const SemaDefine synthetic[] = {{"n", 40, NULL}};
    static const SemaDefine data[] = {
        {"n_train", 60, NULL}, {"n_val", 50, NULL}, {"n_test", 70, NULL}, {"batch", 16, NULL}};
    static const SemaDefine maml[] = {{"T", 20, NULL}};
    const SemaDefine *defs = NULL;
    int ndefs = 0;
    if (strstr(path, "/examples/")) {
      if (strstr(e->d_name, "synthetic")) { defs = synthetic; ndefs = 1; }
      else if (strstr(e->d_name, "minibatch")) { defs = data; ndefs = 4; }
      else if (strstr(e->d_name, "hyper")) { defs = data; ndefs = 3; }
      else if (strstr(e->d_name, "maml")) { defs = maml; ndefs = 1; }
    }
    int r = check_program(path, defs, ndefs);
    if (r < 0) {
      fprintf(stderr, "note: %s does not compile here (skipped)\n", e->d_name);
      continue;
    }
    checked++;
    bad += r;
  }
  closedir(d);
  fprintf(stderr, "%s: %d programs compared\n", rel, checked);
  assert_int_equal(bad, 0);
  assert_true(checked >= min_checked);
}

static void test_examples(void **state) {
  (void)state;
  run_dir("examples", NULL, 4);
}

static void test_e2e_programs(void **state) {
  (void)state;
  run_dir("tests/e2e", NULL, 4);
}

static void test_golden_programs(void **state) {
  (void)state;
  char stdlib[4096];
  snprintf(stdlib, sizeof stdlib, "%s/tests/golden/stdlib", top());
  setenv("BLOC_STDLIB", stdlib, 1);
  run_dir("tests/golden", "ok_", 15);
  unsetenv("BLOC_STDLIB");
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_examples),
    cmocka_unit_test(test_e2e_programs),
    cmocka_unit_test(test_golden_programs),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
