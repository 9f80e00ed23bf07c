/* probe.c — the machine's limits, measured where the benchmark runs (probe.h): read bandwidth
 * from memory and the FMA peak at 256-bit vector width, and at 512 bits on a CPU with AVX-512,
 * on 1 and on T threads. Built with -march=native, so the 512-bit loop uses zmm registers; on a
 * CPU without AVX-512 it would be two ymm halves, 24 chains in 16 registers, spilling (3.7
 * Gflop/s against 48 at 256 bits on a Zen 3), so it is not run there. Each figure is the best
 * of 5 runs: a limit, not a typical value. */
#include "probe.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef double v4d __attribute__((vector_size(32)));
typedef double v8d __attribute__((vector_size(64)));

enum { BW_BYTES = 256 << 20, FMA_ITERS = 20000000, FMA_CHAINS = 12, RUNS = 5 };

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

typedef struct Job {
  int kind; /* 0: read bandwidth, 1: 256-bit FMA, 2: 512-bit FMA */
  const v8d *mem;
  size_t nvec;
  double sink;
  pthread_barrier_t *start;
} Job;

/* Sum nvec vectors with 4 independent accumulators: the loads, not the adds, are the limit. */
static double read_mem(const v8d *m, size_t nvec) {
  v8d a = {0}, b = {0}, c = {0}, d = {0};
  for (size_t i = 0; i + 4 <= nvec; i += 4) {
    a += m[i];
    b += m[i + 1];
    c += m[i + 2];
    d += m[i + 3];
  }
  v8d s = a + b + c + d;
  double t = 0;
  for (int i = 0; i < 8; i++) t += s[i];
  return t;
}

/* FMA_CHAINS (12) independent multiply-add chains in named registers, enough to cover the FMA
 * latency on two ports. The multiplier is just below 1 and the addend small, so values stay
 * finite. (An array of accumulators would live in memory: one load and store per FMA.) Every
 * chain starts from its own value: chains that start equal compute the same values, and GCC
 * merged such chains in the sanitizer build, which then reported 76.7 Gflop/s on a core whose
 * FMA units can do 51. */
#define FMA_LOOP(T, W)                                                                   \
  do {                                                                                   \
    T m, d, a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11;                            \
    for (int w = 0; w < (W); w++) {                                                      \
      m[w] = 0.999999, d[w] = 1e-9;                                                      \
      a0[w] = w, a1[w] = w + 0.5, a2[w] = w + 1, a3[w] = w + 1.5, a4[w] = w + 2;         \
      a5[w] = w + 2.5, a6[w] = w + 3, a7[w] = w + 3.5, a8[w] = w + 4, a9[w] = w + 4.5;    \
      a10[w] = w + 5, a11[w] = w + 5.5;                                                  \
    }                                                                                    \
    for (long it = 0; it < FMA_ITERS; it++) {                                            \
      a0 = a0 * m + d, a1 = a1 * m + d, a2 = a2 * m + d, a3 = a3 * m + d;                \
      a4 = a4 * m + d, a5 = a5 * m + d, a6 = a6 * m + d, a7 = a7 * m + d;                \
      a8 = a8 * m + d, a9 = a9 * m + d, a10 = a10 * m + d, a11 = a11 * m + d;            \
    }                                                                                    \
    T s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;                   \
    double t = 0;                                                                        \
    for (int w = 0; w < (W); w++) t += s[w];                                             \
    return t;                                                                            \
  } while (0)

static double fma256(void) { FMA_LOOP(v4d, 4); }
static double fma512(void) { FMA_LOOP(v8d, 8); }

static void *run_job(void *arg) {
  Job *j = arg;
  pthread_barrier_wait(j->start);
  j->sink = j->kind == 0 ? read_mem(j->mem, j->nvec) : j->kind == 1 ? fma256() : fma512();
  return NULL;
}

/* Seconds for `threads` threads to each run one job of `kind` (the slowest thread's end). */
static double timed(int kind, int threads, const v8d *mem, size_t nvec) {
  pthread_t tid[64];
  Job job[64];
  pthread_barrier_t start;
  if (threads > 64) threads = 64;
  pthread_barrier_init(&start, NULL, (unsigned)threads + 1);
  size_t per = nvec / (size_t)threads;
  for (int i = 0; i < threads; i++) {
    job[i] = (Job){kind, mem + (size_t)i * per, per, 0, &start};
    pthread_create(&tid[i], NULL, run_job, &job[i]);
  }
  pthread_barrier_wait(&start);
  double t0 = now_s();
  for (int i = 0; i < threads; i++) pthread_join(tid[i], NULL);
  double t = now_s() - t0;
  pthread_barrier_destroy(&start);
  return t;
}

double probe_peak(const ProbeLimits *l, int q) {
  return l->widest == 512 && l->gflops512[q] > 0 ? l->gflops512[q] : l->gflops256[q];
}

int probe_machine(int threads, bool has_avx512, ProbeLimits *out) {
  memset(out, 0, sizeof *out);
  out->widest = has_avx512 ? 512 : 256;
  size_t nvec = BW_BYTES / sizeof(v8d);
  v8d *mem = aligned_alloc(64, BW_BYTES);
  if (!mem) return -1;
  for (size_t i = 0; i < nvec; i++)
    for (int w = 0; w < 8; w++) mem[i][w] = (double)(i % 7) + w;
  int ts[2] = {1, threads > 1 ? threads : 1};
  for (int c = 0; c < 2; c++) {
    double bw = 0, f256 = 0, f512 = 0;
    for (int r = 0; r < RUNS; r++) {
      double t = timed(0, ts[c], mem, nvec);
      double bytes = (double)(nvec / (size_t)ts[c]) * (double)ts[c] * sizeof(v8d);
      if (bytes / t > bw) bw = bytes / t;
      double flops256 = 2.0 * 4 * FMA_CHAINS * (double)FMA_ITERS * ts[c];
      t = timed(1, ts[c], NULL, 0);
      if (flops256 / t > f256) f256 = flops256 / t;
      if (!has_avx512) continue;
      t = timed(2, ts[c], NULL, 0);
      if (2 * flops256 / t > f512) f512 = 2 * flops256 / t;
    }
    out->threads[c] = ts[c];
    out->gbs[c] = bw * 1e-9;
    out->gflops256[c] = f256 * 1e-9;
    out->gflops512[c] = f512 * 1e-9;
  }
  free(mem);
  return 0;
}
