/* blo.h — bloc's public compile API: a .blo file in, a ready-to-solve BloProblem out.
 * Runs the whole pipeline of ENGINEERING.md: parse and check (sema), lower to IR, evaluate the
 * data stage (loaders, generators), derive and hoist the kernels, and compile them with the
 * chosen backend. User errors are reported as diagnostics (exit status 1 for the caller). */
#ifndef BLOC_BLO_H
#define BLOC_BLO_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "arena.h"
#include "blo_abi.h"
#include "diag.h"
#include "kernels.h"
#include "sema.h"

typedef enum BloBackend { BLO_BACKEND_JIT, BLO_BACKEND_INTERP } BloBackend;

typedef struct BloCompileOptions {
  const SemaDefine *defs;   /* -D overrides */
  int ndefs;
  uint64_t seed;            /* seed of the data-stage generators */
  bool seed_set;            /* else the program's `seed` option, else 1 */
  BloBackend backend;
  bool check_only;          /* stop after sema (bloc check) */
  bool no_data;             /* stop before the data stage (bloc derive, dump-ir): kernels are
                               derived with only statically known symmetry */
  FILE *diag_out;           /* NULL: stderr */
  bool keep_llvm_ir;        /* JIT: keep the optimised LLVM IR (bloc dump-llvm) */
  /* Compile only the kernels these methods call (rt_method_uses_kernel): methods[0..nmethods),
   * or when nmethods is 0 the program's own method; all_kernels (or no method at all) compiles
   * every kernel. Leaving out unused fused kernels only saves compile time. */
  const char *const *methods;
  int nmethods;
  bool all_kernels;
} BloCompileOptions;

/* Wall times of the phases. With the JIT compiling while the data stage runs (overlapped),
 * compile_ms is the JIT's own wall time, which the data stage's overlaps, and wait_ms what
 * the data stage's end waited for it; else wait_ms is compile_ms. */
typedef struct BloTimings {
  double parse_ms, data_ms, derive_ms, compile_ms, wait_ms;
  bool overlapped;
} BloTimings;

typedef struct BloCompiled {
  Arena arena;
  Diag diag;
  Program *prog;
  IrProblem *ir;            /* NULL when check_only */
  BloProblem problem;       /* filled unless check_only / no_data */
  uint64_t seed;
  double **data;            /* declared then hoisted tensors (NULL: not needed by kernels) */
  struct RtIdxFile **idx;   /* during the data stage: declared tensors still held as their IDX
                               file (data[k] NULL until something needs all of it) */
  int ndata_total;
  double *x0, *y0;
  void *jit;                /* JitModule when the JIT backend is used */
  BloTimings time;
} BloCompiled;

/* Compile `path`. Returns 0 and *out on success; 1 after reporting user errors (diagnostics
 * printed to opt->diag_out); *out is then still set (for its Diag) and must be freed. */
int blo_compile_file(const char *path, const BloCompileOptions *opt, BloCompiled **out);

/* Free everything, including JIT'd code (kernel pointers die with it). */
void blo_compiled_free(BloCompiled *c);

#endif
