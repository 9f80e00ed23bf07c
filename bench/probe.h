/* probe.h — measure the limits of the machine a benchmark runs on, so that `make bench` prints
 * each kernel's distance to them rather than an estimate (issue 19 item 5). */
#ifndef BLOC_BENCH_PROBE_H
#define BLOC_BENCH_PROBE_H

#include <stdbool.h>

typedef struct ProbeLimits {
  int threads[2];      /* [0] = 1 thread, [1] = the benchmark's thread count */
  double gbs[2];       /* read bandwidth from memory (a 256 MiB array), GB/s */
  double gflops256[2]; /* FMA peak with 256-bit vectors, Gflop/s (an FMA counts 2) */
  double gflops512[2]; /* FMA peak with 512-bit vectors; 0 (not measured) without AVX-512 */
  int widest; /* the widest vector the CPU has: 512 with AVX-512F, else 256 */
} ProbeLimits;

/* Measure on 1 and on `threads` threads (best of 5 runs each, about 2 s in all); the 512-bit
 * peak only when has_avx512 (jit_host_has_avx512(): on a CPU without AVX-512 a 512-bit loop is
 * two 256-bit halves that spill, and would report a fraction of the real peak). 0, or -1 when
 * the 256 MiB buffer cannot be allocated. */
int probe_machine(int threads, bool has_avx512, ProbeLimits *out);

/* The FMA peak the floors are taken against on configuration q (0: 1 thread, 1: T threads):
 * that of the widest vectors the CPU has, as measured. */
double probe_peak(const ProbeLimits *l, int q);

#endif
