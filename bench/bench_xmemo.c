/* bench_xmemo.c — x-memo slots (SchedOptions.xmemo, doc/performance.md "Values of x alone")
 * measured against the same kernels planned without them, in one process (make bench).
 * The problem is kernel ridge regression with a learned RBF bandwidth and ridge (dual form,
 * n training points: K(x) = exp(-exp(x0) D), an n x n matrix of exponentials in every lower
 * kernel), compiled twice, BLOC_XMEMO=1 and =0. Two call patterns, each timed alternately
 * with and without slots, several rounds, medians printed with their ratio:
 *   step  — what an AID-CG outer step calls at one x (10 gradients of g, 8 Hessian products,
 *           the gradient of f and one mixed product), then x moves;
 *   dense — n Hessian products at one x, the dense Hessian `bloc eval` builds for phi.
 * The outputs of the two compiles are compared too (to rounding: 1e-12 relative).
 * Usage: bench_xmemo [-n size] [-r rounds] */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compiled.h" /* looks inside the compiled problem */
#include "llvm/jit.h"
#include "timing.h"

static BloCompiled *compile(int n, bool xmemo) {
  char path[] = "/tmp/bloc-bench-xmemo-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return NULL;
  FILE *f = fdopen(fd, "w");
  fprintf(f,
          "problem krr\nconst n = %d\nconst m = %d\nconst d = 5\n"
          "data Xtr : matrix[n, d] = normal(0, 1)\ndata ttr : vector[n] = normal(0, 1)\n"
          "data Xva : matrix[m, d] = normal(0, 1)\ndata tva : vector[m] = normal(0, 1)\n"
          "data str = sum_rows(Xtr * Xtr)\ndata sva = sum_rows(Xva * Xva)\n"
          "data D = outer(str, ones(n)) + outer(ones(n), str) - 2 * Xtr @ Xtr'\n"
          "data Dv = outer(sva, ones(n)) + outer(ones(m), str) - 2 * Xva @ Xtr'\n"
          "upper x : vector[2] = [-2, -1]\nlower y : vector[n] = 0\n"
          "fn K(D, x) = exp(-exp(x[0]) * D)\n"
          "upper objective f = 0.5 * mean((K(Dv, x) @ y - tva) ^ 2)\n"
          "lower objective g = 0.5 * dot(y, K(D, x) @ y) + 0.5 * exp(x[1]) * sumsq(y)"
          " - dot(y, ttr)\nsolve aid_cg\n",
          n, n / 2);
  fclose(f);
  setenv("BLOC_XMEMO", xmemo ? "1" : "0", 1);
  BloCompileOptions opt = {0};
  opt.backend = BLO_BACKEND_JIT;
  BloCompiled *c = NULL;
  int rc = blo_compile_file(path, &opt, &c);
  unsetenv("BLOC_XMEMO");
  unlink(path);
  if (rc) {
    blo_compiled_free(c);
    return NULL;
  }
  return c;
}

typedef struct Run {
  const BloProblem *p;
  BloEnv env;
  double *work, *out[4], *x, *y, *v;
} Run;

static void run_init(Run *r, BloCompiled *c, int n) {
  r->p = &c->problem;
  int64_t ws = jit_work_size(c->jit);
  r->work = calloc((size_t)ws + 1, sizeof(double));
  r->env = (BloEnv){r->p->data, NULL, r->work, r->p->backend};
  for (int s = 0; s < 4; s++) r->out[s] = calloc((size_t)n + 8, sizeof(double));
  r->x = calloc(2, sizeof(double));
  r->y = calloc((size_t)n, sizeof(double));
  r->v = calloc((size_t)n, sizeof(double));
  for (int i = 0; i < n; i++) {
    r->y[i] = sin(0.37 * i);
    r->v[i] = cos(0.11 * i + 1);
  }
}

static void run_free(Run *r) {
  free(r->work);
  for (int s = 0; s < 4; s++) free(r->out[s]);
  free(r->x);
  free(r->y);
  free(r->v);
}

static void call(Run *r, BloKernelId id, bool v) {
  r->p->kernels[id](&r->env, r->x, r->y, v ? r->v : NULL, r->out);
}

/* An AID-CG outer step's calls at x = (-2 + 0.01 t, -1), ms. */
static double step(Run *r, int t) {
  r->x[0] = -2 + 0.01 * t;
  r->x[1] = -1;
  double t0 = bench_now_ms();
  for (int i = 0; i < 10; i++) call(r, BLO_K_GRAD_Y_G, false);
  for (int i = 0; i < 8; i++) call(r, BLO_K_HVP_YY, true);
  call(r, BLO_K_GRAD_F, false);
  call(r, BLO_K_HVP_XY, true);
  return bench_now_ms() - t0;
}

/* n Hessian products at one x (a dense Hessian), ms. */
static double dense(Run *r, int n, int t) {
  r->x[0] = -2.5 + 0.01 * t;
  r->x[1] = -1;
  double t0 = bench_now_ms();
  for (int i = 0; i < n; i++) call(r, BLO_K_HVP_YY, true);
  return bench_now_ms() - t0;
}

int main(int argc, char **argv) {
  int n = 1000, rounds = 5, opt;
  while ((opt = getopt(argc, argv, "n:r:")) != -1) {
    if (opt == 'n') n = atoi(optarg);
    else if (opt == 'r') rounds = atoi(optarg);
    else {
      fprintf(stderr, "usage: bench_xmemo [-n size] [-r rounds]\n");
      return 1;
    }
  }
  if (n < 16 || rounds < 1 || rounds > 100) {
    fprintf(stderr, "bench_xmemo: n >= 16, 1 <= rounds <= 100\n");
    return 1;
  }
  BloCompiled *on = compile(n, true), *off = compile(n, false);
  if (!on || !off) {
    fprintf(stderr, "bench_xmemo: the problem does not compile\n");
    return 1;
  }
  int slots = 0;
  jit_xmemo(on->jit, &slots);
  Run ron, roff;
  run_init(&ron, on, n);
  run_init(&roff, off, n);
  /* the same values to rounding */
  step(&ron, 0);
  step(&roff, 0);
  double worst = 0, scale = 0;
  for (int i = 0; i < 2; i++) scale = fmax(scale, fabs(roff.out[0][i]));
  for (int i = 0; i < 2; i++) worst = fmax(worst, fabs(ron.out[0][i] - roff.out[0][i]) / scale);
  double ts[2][100], td[2][100];
  for (int k = 0; k < rounds; k++) {
    ts[0][k] = step(&ron, k + 1);
    ts[1][k] = step(&roff, k + 1);
    td[0][k] = dense(&ron, n, k);
    td[1][k] = dense(&roff, n, k);
  }
  printf("bench_xmemo: kernel ridge regression, n = %d (K: %d x %d), %d x-memo slot(s), "
         "%d rounds\n", n, n, n, slots, rounds);
  printf("  hvp_xy with and without slots: largest difference %.2g relative%s\n", worst,
         worst <= 1e-12 ? "" : "  ** over 1e-12 **");
  double s1 = bench_median(ts[0], rounds), s0 = bench_median(ts[1], rounds);
  double d1 = bench_median(td[0], rounds), d0 = bench_median(td[1], rounds);
  printf("  %-34s %10s %10s %8s\n", "calls", "slots ms", "none ms", "ratio");
  printf("  %-34s %10.2f %10.2f %8.3f\n", "AID-CG outer step (20 calls)", s1, s0, s1 / s0);
  printf("  %-34s %10.1f %10.1f %8.3f\n", "dense Hessian (n hvp_yy at one x)", d1, d0, d1 / d0);
  run_free(&ron);
  run_free(&roff);
  blo_compiled_free(on);
  blo_compiled_free(off);
  return worst <= 1e-12 && slots > 0 ? 0 : 1;
}
