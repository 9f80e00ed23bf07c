/* bench_sparse.c — the sparse products of `sparse[m, d]` data (rt_sparse.h) against the dense
 * ones at 1% density, and the two ways of X' @ G: the stored transpose (CSR of X', what the
 * data stage builds) against per-task accumulators over the rows of X (each task scatters its
 * rows into a private d x n partial, then the partials are summed). Times are thread CPU time,
 * the median of 9 calls, so that a loaded machine distorts them less; every variant runs on
 * one thread (OpenBLAS too). Usage: bench_sparse [m d n density] (default 4000 10000 20 0.01).
 * Built with `make bench/bench_sparse`; not run by make bench. */
#define _GNU_SOURCE
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rt_rng.h"
#include "rt_sparse.h"

void openblas_set_num_threads(int);

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

int main(int argc, char **argv) {
  int64_t m = argc > 1 ? atoll(argv[1]) : 4000, d = argc > 2 ? atoll(argv[2]) : 10000;
  int64_t n = argc > 3 ? atoll(argv[3]) : 20;
  double density = argc > 4 ? atof(argv[4]) : 0.01;
  openblas_set_num_threads(1);
  RtRng r = rt_rng_stream(1, "bench_sparse");
  double *dense = calloc((size_t)(m * d), sizeof(double)), u;
  RtCsr x = {m, d, 0, calloc((size_t)m + 1, sizeof(int64_t)), NULL, NULL};
  int64_t cap = (int64_t)((double)(m * d) * density * 1.2) + 16;
  x.col = malloc(sizeof(int32_t) * (size_t)cap);
  x.val = malloc(sizeof(double) * (size_t)cap);
  if (!dense || !x.rowptr || !x.col || !x.val) return 1;
  for (int64_t i = 0; i < m; i++) {
    for (int64_t j = 0; j < d && x.nnz < cap; j++) {
      rt_rng_fill_uniform(&r, 0, 1, &u, 1);
      if (u >= density) continue;
      rt_rng_fill_uniform(&r, -1, 1, &u, 1);
      x.col[x.nnz] = (int32_t)j;
      x.val[x.nnz++] = dense[i * d + j] = u;
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
  rt_sparse_free(&s);
  free(dense), free(b), free(g), free(c), free(part);
  return 0;
}
