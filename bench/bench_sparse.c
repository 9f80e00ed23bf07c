/* bench_sparse.c — the sparse products of `sparse[m, d]` data (rt_sparse.h) against the dense
 * ones at 1% density, and the two ways of X' @ G: the stored transpose (CSR of X', what the
 * data stage builds) against per-task accumulators over the rows of X (each task scatters its
 * rows into a private d x n partial, then the partials are summed). Times are thread CPU time,
 * the median of 9 calls, so that a loaded machine distorts them less; every variant runs on
 * one thread (OpenBLAS too).
 * Then whole JIT kernels of the sparse logistic regression (f = mean CE(X W, Y), g = f + a
 * per-feature L2 penalty: f, grad_y_g, hvp_yy) three ways: the generated CSR loops in
 * row-parallel regions (cg_llvm_sparse.c), the runtime's rt_sparse_mul_par called per
 * product (SchedOptions.sparse_call), and X held dense (skinny products); ms per call (thread
 * CPU time on 1 thread, wall time on BLOC_THREADS, default 2), rounds of the three
 * interleaved, the median.
 * X is not held dense when that takes more than 1 GiB (the dense columns then read nan).
 * Usage: bench_sparse [m d n density] (default 4000 10000 20 0.01; 20 Newsgroups' training
 * split is 5657 130107 20 0.001). 
 * Built with `make bench/bench_sparse`; not run by make bench. */
#define _GNU_SOURCE
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hand_problems.h"
#include "llvm/jit.h"
#include "rt_par.h"
#include "rt_rng.h"
#include "rt_sparse.h"

void openblas_set_num_threads(int);

static double wall_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}

static double cpu_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

enum { REPS = 9, TASKS = 8 };
#define DENSE_MAX 1073741824.0 /* bytes of the largest X held dense */

typedef struct Case {
  const RtSparse *s;
  const double *dense, *b, *g;
  double *c, *part;
  int64_t m, d, n;
} Case;

/* X' G by per-task partials over row blocks of X, summed in task order. */
static void by_partials(const Case *k) {
  int64_t per = (k->m + TASKS - 1) / TASKS;
  for (int p = 0; p < TASKS; p++) {
    double *part = k->part + (size_t)p * (size_t)(k->d * k->n);
    memset(part, 0, sizeof(double) * (size_t)(k->d * k->n));
    int64_t r1 = (p + 1) * per < k->m ? (p + 1) * per : k->m;
    for (int64_t i = p * per; i < r1; i++)
      for (int64_t e = k->s->m.rowptr[i]; e < k->s->m.rowptr[i + 1]; e++) {
        double v = k->s->m.val[e], *cr = part + k->s->m.col[e] * k->n;
        const double *gr = k->g + i * k->n;
        for (int64_t j = 0; j < k->n; j++) cr[j] += v * gr[j];
      }
  }
  for (int64_t q = 0; q < k->d * k->n; q++) {
    double acc = k->part[q];
    for (int p = 1; p < TASKS; p++) acc += k->part[(size_t)p * (size_t)(k->d * k->n) + q];
    k->c[q] = acc;
  }
}

static double run(const Case *k, int which) {
  double t[REPS];
  if (!k->dense && (which == 1 || which == 4)) return NAN; /* too big to hold dense */
  for (int r = 0; r < REPS; r++) {
    double t0 = cpu_ms();
    switch (which) {
    case 0: rt_sparse_mul(k->s, NULL, k->m, 0, k->n, k->b, k->n, k->c, k->n); break;
    case 1:
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)k->m, (int)k->n, (int)k->d, 1,
                  k->dense, (int)k->d, k->b, (int)k->n, 0, k->c, (int)k->n);
      break;
    case 2: rt_sparse_mul(k->s, NULL, k->m, 1, k->n, k->g, k->n, k->c, k->n); break;
    case 3: by_partials(k); break;
    default:
      cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)k->d, (int)k->n, (int)k->m, 1,
                  k->dense, (int)k->d, k->g, (int)k->n, 0, k->c, (int)k->n);
      break;
    }
    t[r] = cpu_ms() - t0;
  }
  qsort(t, REPS, sizeof t[0], cmp);
  return t[REPS / 2];
}

/* ------------------------------------------------------------------ whole kernels */

enum { KROUNDS = 7, KCALLS = 5, NVAR = 3 };
static const char *const var_name[NVAR] = {"generated", "runtime call", "dense"};
static const BloKernelId kern[3] = {BLO_K_F, BLO_K_GRAD_Y_G, BLO_K_HVP_YY};
static const char *const kname[3] = {"f", "grad_y_g", "hvp_yy"};

/* The problem over X (sparse or dense data 0), Y one-hot (data 1); z upper, W lower. */
static void logreg(IrProblem *p, Arena *a, int64_t m, int64_t d, int64_t n, bool sparse) {
  hp_init(p, a);
  IrGraph *g = &p->graph;
  Shape xs = shape_matrix(m, d);
  xs.sparse = sparse;
  IrNode *z = hp_var(p, 0, shape_vector(d)), *W = hp_var(p, 1, shape_matrix(d, n));
  IrNode *X = ir_data(g, 0, xs), *Y = ir_data(g, 1, shape_matrix(m, n));
  p->ndata = 2;
  IrNode *Z = sparse ? ir_spmm(g, X, W) : ir_matmul(g, X, W);
  IrNode *ce = ir_sub(g, ir_reduce(g, IR_LSE_ROWS, Z), ir_reduce(g, IR_SUM_ROWS, ir_mul(g, Z, Y)));
  p->f = ir_scale(g, 1.0 / (double)m, ir_reduce(g, IR_SUM, ce));
  IrNode *reg = ir_mul(g, ir_bcast_cols(g, ir_unary(g, IR_EXP, z), n), ir_mul(g, W, W));
  p->g = ir_add(g, p->f, ir_scale(g, 0.5 / (double)(d * n), ir_reduce(g, IR_SUM, reg)));
  hp_derive(p);
}

typedef struct Var {
  JitModule *jm;
  BloEnv env;
  double *work;
} Var;

static void kernels(const RtSparse *s, const double *dense, int64_t n, RtRng *r) {
  int64_t m = s->m.rows, d = s->m.cols;
  Arena ar[NVAR];
  IrProblem p[NVAR];
  Var v[NVAR];
  double *Y = calloc((size_t)(m * n), sizeof(double));
  for (int64_t i = 0; i < m; i++) Y[i * n + i % n] = 1;
  const double *dsp[2] = {(const double *)(const void *)s, Y}, *dde[2] = {dense, Y};
  int nvar = dense ? NVAR : NVAR - 1;
  for (int k = 0; k < nvar; k++) {
    arena_init(&ar[k]);
    logreg(&p[k], &ar[k], m, d, n, k < 2);
    JitOptions o = jit_default_options();
    o.sched.sparse_call = k == 1;
    o.sched.memo = false; /* each kernel is timed again and again at one point (bench_kernels) */
    char err[512];
    if (jit_compile(&p[k], &o, &v[k].jm, err, sizeof err)) {
      fprintf(stderr, "bench_sparse: %s\n", err);
      exit(1);
    }
    int64_t ws = jit_work_size(v[k].jm);
    v[k].work = calloc((size_t)(ws ? ws : 1), sizeof(double));
    v[k].env = (BloEnv){k < 2 ? dsp : dde, NULL, v[k].work, NULL};
  }
  int64_t ny = d * n, nx = d;
  double *x = malloc(sizeof(double) * (size_t)nx), *y = malloc(sizeof(double) * (size_t)ny);
  double *dir = malloc(sizeof(double) * (size_t)ny), *o1 = malloc(sizeof(double) * (size_t)ny);
  double *o0 = malloc(sizeof(double) * (size_t)ny), *o2 = malloc(sizeof(double) * (size_t)ny);
  rt_rng_fill_normal(r, 0, 0.1, x, nx);
  rt_rng_fill_normal(r, 0, 0.1, y, ny);
  rt_rng_fill_normal(r, 0, 1, dir, ny);
  double *outs[4] = {o0, o1, o2, NULL};
  int threads[2] = {1, rt_par_threads()};
  for (int th = 0; th < 2; th++) {
    if (th == 1 && threads[1] == 1) break;
    rt_par_set_threads(threads[th]);
    double t[3][NVAR][KROUNDS];
    for (int rd = 0; rd < KROUNDS; rd++)
      for (int q = 0; q < nvar; q++) {
        int k = (q + rd) % nvar; /* rotate the order */
        for (int f = 0; f < 3; f++) {
          BloKernelFn fn = jit_kernel(v[k].jm, kern[f]);
          double t0 = th == 0 ? cpu_ms() : wall_ms();
          for (int c = 0; c < KCALLS; c++) fn(&v[k].env, x, y, dir, outs);
          t[f][k][rd] = ((th == 0 ? cpu_ms() : wall_ms()) - t0) / KCALLS;
        }
      }
    printf("kernels on %d thread%s, %s ms a call (median of %d rounds of %d calls, "
           "interleaved):\n", threads[th], threads[th] == 1 ? "" : "s",
           th == 0 ? "thread CPU" : "wall", KROUNDS, KCALLS);
    for (int f = 0; f < 3; f++) {
      printf("  %-9s", kname[f]);
      for (int k = 0; k < nvar; k++) {
        qsort(t[f][k], KROUNDS, sizeof(double), cmp);
        printf("  %s %8.2f", var_name[k], t[f][k][KROUNDS / 2]);
      }
      printf("\n");
    }
  }
  for (int k = 0; k < nvar; k++) {
    jit_free(v[k].jm);
    free(v[k].work);
    arena_free(&ar[k]);
  }
  free(Y), free(x), free(y), free(dir), free(o0), free(o1), free(o2);
}

int main(int argc, char **argv) {
  int64_t m = argc > 1 ? atoll(argv[1]) : 4000, d = argc > 2 ? atoll(argv[2]) : 10000;
  int64_t n = argc > 3 ? atoll(argv[3]) : 20;
  double density = argc > 4 ? atof(argv[4]) : 0.01;
  openblas_set_num_threads(1);
  RtRng r = rt_rng_stream(1, "bench_sparse");
  double u, *dense = (double)m * (double)d * 8 <= DENSE_MAX ? calloc((size_t)(m * d), 8) : NULL;
  RtCsr x = {m, d, 0, calloc((size_t)m + 1, sizeof(int64_t)), NULL, NULL};
  int64_t cap = (int64_t)((double)(m * d) * density * 1.2) + 16;
  x.col = malloc(sizeof(int32_t) * (size_t)cap);
  x.val = malloc(sizeof(double) * (size_t)cap);
  if (!x.rowptr || !x.col || !x.val) return 1;
  for (int64_t i = 0; i < m; i++) {
    /* each entry present with probability density: geometric gaps between present ones */
    for (int64_t j = -1; x.nnz < cap;) {
      rt_rng_fill_uniform(&r, 0, 1, &u, 1);
      j += 1 + (density < 1 ? (int64_t)floor(log1p(-u) / log1p(-density)) : 0);
      if (j >= d) break;
      rt_rng_fill_uniform(&r, -1, 1, &u, 1);
      x.col[x.nnz] = (int32_t)j;
      x.val[x.nnz++] = u;
      if (dense) dense[i * d + j] = u;
    }
    x.rowptr[i + 1] = x.nnz;
  }
  RtSparse s;
  char msg[128];
  if (rt_sparse_make(&x, &s, (RtErr){msg, sizeof msg})) return 1;
  double *b = malloc(sizeof(double) * (size_t)(d * n));
  double *g = malloc(sizeof(double) * (size_t)(m * n));
  double *c = malloc(sizeof(double) * (size_t)((m > d ? m : d) * n));
  double *part = malloc(sizeof(double) * (size_t)(TASKS * d * n));
  if (!b || !g || !c || !part) return 1;
  rt_rng_fill_normal(&r, 0, 1, b, d * n);
  rt_rng_fill_normal(&r, 0, 1, g, m * n);
  Case k = {&s, dense, b, g, c, part, m, d, n};
  printf("X: %lld x %lld, %lld entries (%.2f%%), %lld columns; thread CPU ms, median of %d\n",
         (long long)m, (long long)d, (long long)s.m.nnz, 100.0 * (double)s.m.nnz / (double)(m * d),
         (long long)n, REPS);
  printf("X @ B : sparse %8.2f   dense dgemm %8.2f\n", run(&k, 0), run(&k, 1));
  printf("X' @ G: sparse (stored transpose) %8.2f   per-task partials %8.2f   dense dgemm %8.2f\n",
         run(&k, 2), run(&k, 3), run(&k, 4));
  kernels(&s, dense, n, &r);
  rt_sparse_free(&s);
  free(dense), free(b), free(g), free(c), free(part);
  return 0;
}
