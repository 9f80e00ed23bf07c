/* bench_loops.c — the JIT's skinny-product loops alone, on data kept in cache, against the
 * machine's FMA peak (part of `make bench`). Hyper-cleaning's kernels (X 5000 x 785, W 785 x 10)
 * spend most of their time in the shared functions "bloc.skinny<i>" (X W' and X' G: 78% of an
 * f64 LancBiO step's samples under perf on the AMD machine, doc/performance.md); bench_kernels
 * times whole kernels, which also stream X from memory. Here each function runs over one
 * block of rows again and again (the rows a region block gives it: the block's rows for a' b,
 * 24 rows of c for a b'), its operands in L1/L2, so the time is the loop code's alone: the
 * Gflop/s it reaches and their share of the FMA peak (probe.c; float arithmetic against twice
 * the double peak) are the ceiling those kernels can approach, whatever the memory system
 * does. One thread; best of 7 rounds of at least 40 ms each. Usage: bench_loops [quick] [ROWS]
 * (quick: small problem, short rounds; ROWS: every function on ROWS rows per call, to see how
 * a block's size moves them: the float a' b adds its sums into c once per block). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hand_problems.h"
#include "llvm/cg_llvm.h"
#include "llvm/jit.h"
#include "probe.h"
#include "rt_par.h"
#include "rt_rng.h"

enum { ROUNDS = 7, NB_ROWS = 24 };

static int64_t g_rows; /* rows per call from the command line (0: as a region gives them) */

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *xalloc(size_t n) {
  void *p = aligned_alloc(64, (n + 63) / 64 * 64);
  if (!p) {
    fprintf(stderr, "bench_loops: out of memory (%zu bytes)\n", n);
    exit(3);
  }
  return p;
}

/* rows x cols of random numbers in [-1/2, 1/2) (leading dimension ld), as floats or doubles */
static void *operand(RtRng *r, int64_t rows, int64_t ld, bool f32) {
  size_t n = (size_t)(rows * ld);
  void *p = xalloc(n * (f32 ? sizeof(float) : sizeof(double)));
  for (size_t i = 0; i < n; i++) {
    double v = rt_rng_double(r) - 0.5;
    if (f32) ((float *)p)[i] = (float)v;
    else ((double *)p)[i] = v;
  }
  return p;
}

/* Time function fn of key k: Gflop/s at its best round, 0 when it cannot be run. */
static double time_loops(JitSkinnyFn fn, const CgSkinnyKey *k, int64_t *rows_out, int quick) {
  RtRng r;
  rt_rng_seed(&r, 7);
  /* rows per call: a' b, the region's block (or 24); a b', 24 rows of c */
  int64_t rows = k->trans_a && k->blockr ? k->blockr : NB_ROWS;
  if (g_rows > 0) rows = g_rows;
  /* a' b prefetches the rows one block on: they must exist */
  int64_t arows = rows + (k->trans_a ? rows + k->blockr : 0);
  int64_t brows = k->trans_a ? arows : k->n;
  int64_t crows = k->trans_a ? (k->ct ? k->n : k->m) : rows; /* ct: a transposed partial */
  void *a = operand(&r, arows, k->lda, k->ta32);
  void *b = operand(&r, brows, k->ldb, k->tb32);
  double *c = operand(&r, crows, k->ldc, false);
  /* a product of sampled rows (k->pft) reads the rows it prefetches from a table: the rows that
   * follow (an a b': its own), as the others prefetch; read in place (k->direct), a itself is a
   * table of its rows */
  size_t esz = k->ta32 ? sizeof(float) : sizeof(double);
  const void **pft = NULL, **arow = NULL;
  if (k->pft) {
    pft = malloc(sizeof(void *) * (size_t)rows);
    for (int64_t i = 0; i < rows; i++)
      pft[i] = (const char *)a + (size_t)((i + k->blockr) * k->lda) * esz;
  }
  if (k->direct) {
    arow = malloc(sizeof(void *) * (size_t)rows);
    for (int64_t i = 0; i < rows; i++) arow[i] = (const char *)a + (size_t)(i * k->lda) * esz;
  }
  const void *fa = k->direct ? (const void *)arow : a;
  double flops = 2.0 * (double)rows * (double)k->n * (double)(k->trans_a ? k->m : k->k);
  double best = 0, round_s = quick ? 0.005 : 0.04;
  for (int round = 0; round < (quick ? 2 : ROUNDS); round++) {
    long calls = 0;
    double t0 = now_s(), t;
    do {
      for (int i = 0; i < 16; i++) fn(fa, b, c, 0, rows, 1.0, 0, pft);
      calls += 16;
      t = now_s() - t0;
    } while (t < round_s);
    double g = flops * (double)calls / t * 1e-9;
    if (g > best) best = g;
    if (k->trans_a) memset(c, 0, (size_t)(crows * k->ldc) * sizeof(double)); /* sums grow */
  }
  free(a);
  free(b);
  free(c);
  free(pft);
  free(arow);
  *rows_out = rows;
  return best;
}

int main(int argc, char **argv) {
  int quick = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "quick")) quick = 1;
    else if ((g_rows = atoll(argv[i])) < 1 || g_rows > 4096) {
      fprintf(stderr, "usage: bench_loops [quick] [ROWS (1 to 4096)]\n");
      return 1;
    }
  }
  setenv("BLOC_CACHE", "0", 1);
  rt_par_set_threads(1);
  ProbeLimits lim;
  bool have_lim = probe_machine(1, jit_host_has_avx512(), &lim) == 0;
  double peak = have_lim ? probe_peak(&lim, 0) : 0;
  printf("== The JIT's skinny-product loops in cache (hyper-cleaning, 1 thread)\n");
  if (have_lim) printf("  FMA peak measured on 1 thread: %.1f Gflop/s (doubles)\n", peak);
  printf("  %-13s %-4s %-5s %6s %6s %6s %5s %5s %9s %8s\n", "function", "prec", "form", "m", "n",
         "k", "rows", "width", "Gflop/s", "of peak");
  Arena arena;
  arena_init(&arena);
  IrProblem p;
  int64_t m = quick ? 500 : 5000;
  hp_hyperclean(&p, &arena, m, m, 785, 10);
  for (int f32 = 0; f32 < 2; f32++) {
    JitOptions opt = jit_default_options();
    opt.f32 = f32;
    JitModule *jm;
    char err[512];
    if (jit_compile(&p, &opt, &jm, err, sizeof err)) {
      fprintf(stderr, "bench_loops: %s\n", err);
      return 1;
    }
    for (int i = 0; i < jit_skinny_count(jm); i++) {
      CgSkinnyKey k;
      JitSkinnyFn fn = jit_skinny(jm, i, &k);
      if (!fn) continue;
      int64_t rows;
      double g = time_loops(fn, &k, &rows, quick);
      /* float arithmetic: twice the lanes of a double vector */
      double pk = peak * (k.fl ? 2 : 1);
      char name[24];
      snprintf(name, sizeof name, "bloc.skinny%d", i);
      printf("  %-13s %-4s %-5s %6lld %6lld %6lld %5lld %5d %9.1f", name, f32 ? "f32" : "f64",
             k.trans_a ? "a'b" : "ab'", (long long)(k.trans_a ? k.m : rows), (long long)k.n,
             (long long)(k.trans_a ? rows : k.k), (long long)rows, k.vw * 64, g);
      if (pk > 0) printf(" %7.0f%%", 100 * g / pk);
      printf("\n");
    }
    jit_free(jm);
  }
  arena_free(&arena);
  return 0;
}
