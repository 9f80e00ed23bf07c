/* kernel_calls.h — a compiled problem's kernels called one by one, for the unit tests that
 * compare every kernel of two compiles at one point (test_shard: the ranks' sum against the
 * unsharded compile; test_f32: f32 against f64): the compile with its work and sample
 * buffers, a random point (x, y, v), and a kernel's outputs in the slots of one buffer. */
#ifndef BLOC_KERNEL_CALLS_H
#define BLOC_KERNEL_CALLS_H

#include <stdint.h>

#include "compiled.h"

/* The most outputs a kernel writes (blo_abi.h): the slots of kc_call's buffer. */
enum { KC_SLOTS = 4 };

/* A compile whose kernels a test calls. */
typedef struct KcRun {
  BloCompiled *c;
  BloProblem *p; /* blo_problem(c) */
  double *work; /* p->work_size doubles */
  int64_t *samples; /* p->sample_total indices, zero until the test draws its samples */
} KcRun;

/* Compiles `file` (a path in the source tree, src_path.h) with opt into r and allocates its
 * buffers; blo_compile_file's status. On failure r holds nothing (kc_close is not needed). */
int kc_open(KcRun *r, const char *file, const BloCompileOptions *opt);
void kc_close(KcRun *r);

/* Draw every sample set of p's problem from rt_rng seeded with seed into samples (its
 * p->sample_total indices): the same draw for every compile of one program (and on every
 * rank, as the runtime's shared seed gives). */
void kc_draw(const BloProblem *p, uint64_t seed, int64_t *samples);

/* The point kernels are called at: x, y and v of the longer of nx and ny values each. */
typedef struct KcPoint {
  double *x, *y, *v;
} KcPoint;

/* n values each, drawn in turn for each index from rt_rng seeded with seed: x and y uniform
 * in [-0.5, 0.5), v in [-1, 1). Free it with kc_point_free. */
KcPoint kc_point(int64_t n, uint64_t seed);
void kc_point_free(KcPoint *pt);

/* Kernel id's outputs at pt into the KC_SLOTS slots of `slot` doubles each of buf, zeroed
 * first (slot: at least the longest output). */
void kc_call(const KcRun *r, int id, const KcPoint *pt, double *buf, int64_t slot);

#endif
