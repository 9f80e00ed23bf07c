/* rt_par.h — a small persistent thread pool for generated kernels. Compiled code calls
 * rt_par_run with a task function and a task count; the tasks run on the calling thread and
 * on the pool's workers, claimed one at a time, so a worker delayed by other load never holds
 * up the call. Tasks must write disjoint memory: plans give each task fixed rows and its own
 * partial sums (compiler/plan/schedule.h, SS_PAR_ROWS), so results never depend on which thread
 * ran which task, nor on the number of threads. */
#ifndef BLOC_RT_PAR_H
#define BLOC_RT_PAR_H

#include <stdint.h>

typedef void (*RtParFn)(void *ctx, int64_t task);

/* Run fn(ctx, t) once for every t in [0, ntasks) and return when all have finished. Never
 * allocates after the pool exists, never fails: without workers (one thread, BLOC_THREADS=1,
 * worker creation failed), or when the pool is busy with another caller's call (concurrent
 * kernels, a call from inside a task), the tasks run on the calling thread, in order. The
 * first call creates the pool (rt_par_threads() - 1 worker threads). */
void rt_par_run(RtParFn fn, void *ctx, int64_t ntasks);

/* Combine the per-task partial results of a reduction (compiler/plan/schedule.h, SchedReduce):
 * dest(i, j) = alpha * (((part_0 + part_1) + part_2) + ...)(i, j) + beta * dest(i, j) for
 * i < rows, j < cols, where task p's partial is rows x cols row-major at part + p * stride
 * (trans: cols x rows, element (i, j) at j * rows + i) and dest(i, j) is at dest + i * ld + j.
 * beta is 0 or 1 (0: dest is not read). Overwrites part_0 (scratch). The order of the sums is
 * fixed: results never depend on the number of threads. */
void rt_par_reduce(double *dest, int64_t ld, double *part, int64_t stride, int64_t ntasks,
                   int64_t rows, int64_t cols, double alpha, double beta, int trans);

/* rt_sparse_mul (rt_sparse.h) with C's rows split into tasks run by rt_par_run: the same bits
 * as the serial call, whatever the number of threads. s is a `const RtSparse *` (void here so
 * that this header stays free of the runtime's data types); the JIT calls it for SS_SPMM. A
 * product of a sampled A' (a scatter into all of C) runs serially. */
void rt_sparse_mul_par(const void *s, const int64_t *idx, int64_t rows, int trans, int64_t n,
                       const double *b, int64_t ldb, double *c, int64_t ldc);

/* Threads rt_par_run uses, the caller included: BLOC_THREADS when it is an integer in
 * [1, 64], else the online CPUs (at most 8). Read once, at the first call of rt_par_run,
 * rt_par_threads or rt_par_set_threads. */
int rt_par_threads(void);

/* A BLOC_THREADS value: a decimal integer in [1, 64] and nothing else ("4"), else -1 ("abc",
 * "0", "-1", "2x", " 4", "100"; NULL and "" too). The one parser of it: rt_par_threads takes
 * the default for -1, and the compiler warns about a value that is set, not empty, and -1
 * (compiler/pipeline.c). */
int rt_par_parse_threads(const char *s);

/* Use n threads from now on (clamped to [1, 64]); stops the current workers (waiting for a
 * call in progress) and starts new ones on the next rt_par_run. For tests and benchmarks. */
void rt_par_set_threads(int n);

/* Stop and join the workers (the next rt_par_run starts them again). Optional: workers
 * sleep while idle, and a process may exit with them running. */
void rt_par_shutdown(void);

#endif
