/* jit_runs.h — every kernel of a JIT module run on a hand-built problem at one random point,
 * and the data as the kernels read them (doubles, or floats at precision f32): what test_jit
 * and test_jit_scalar compare between two compiles. */
#ifndef BLOC_TESTS_JIT_RUNS_H
#define BLOC_TESTS_JIT_RUNS_H

#include <stdbool.h>
#include <stdint.h>

#include "ir/problem.h"
#include "llvm/jit.h"

enum { JR_MAX_DATA = 8 };

/* The data tensors behind the pointers the kernels read: data[i] itself, or (f32) a float copy
 * of its sizes[i] numbers behind the same pointer type. */
typedef struct JrData {
  const double *view[JR_MAX_DATA];
  float *f32[JR_MAX_DATA];
} JrData;

void jr_data_init(JrData *d, const double *const *data, const int64_t *sizes, int n, bool f32);
void jr_data_free(JrData *d);

/* Every kernel of m (compiled from p) at x, y, v drawn uniform in [-1, 1) from seed (x, then
 * y, then v), on the current number of threads, with a work buffer filled with NaN (kernels
 * must not read stale scratch): outs[id][slot] malloc'ed, NaN where a kernel wrote nothing.
 * Free with jr_free_outs. */
void jr_run_all(const IrProblem *p, JitModule *m, const double *const *data, const int64_t *samples,
                uint64_t seed, double *outs[BLO_K_COUNT][4]);
void jr_free_outs(double *outs[BLO_K_COUNT][4]);

/* Whether two jr_run_all results of p are the same bits in every slot of every kernel with
 * outputs; if not, *id and *slot name the first that differs. */
bool jr_same_outs(const IrProblem *p, double *a[BLO_K_COUNT][4], double *b[BLO_K_COUNT][4], int *id,
                  int *slot);

/* The skinny products of plan k's regions that read sampled rows in place (their a marked
 * SchedBuf.rows_direct); *copies (when not NULL): the regions' copies so marked. */
int jr_rows_in_place(const SchedKernel *k, int *copies);

/* The optimised IR of m's parts (compiled with keep_ir), as one malloc'ed string. */
char *jr_module_ir(const JitModule *m);

#endif
