/* probe.h — measure the limits of the machine a benchmark runs on, so that `make bench` prints
 * each kernel's distance to them rather than an estimate (issue 19 item 5). */
#ifndef BLOC_BENCH_PROBE_H
#define BLOC_BENCH_PROBE_H

typedef struct ProbeLimits {
  int threads[2];      /* [0] = 1 thread, [1] = the benchmark's thread count */
  double gbs[2];       /* read bandwidth from memory (a 256 MiB array), GB/s */
  double gflops256[2]; /* FMA peak with 256-bit vectors, Gflop/s (an FMA counts 2) */
  double gflops512[2]; /* FMA peak with 512-bit vectors (two 256-bit halves without AVX-512) */
} ProbeLimits;

/* Measure on 1 and on `threads` threads (best of 5 runs each, about 2 s in all). 0, or -1
 * when the 256 MiB buffer cannot be allocated. */
int probe_machine(int threads, ProbeLimits *out);

#endif
