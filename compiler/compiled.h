/* compiled.h — what a compiled problem holds (the BloCompiled of blo.h), for the stages of
 * the pipeline (pipeline.c, the C emitter) and the commands that dump their intermediate
 * forms (bloc derive, dump-ir, dump-plan, dump-llvm) and unit tests. Drivers that only run
 * problems use blo.h's accessors instead. */
#ifndef BLOC_COMPILED_H
#define BLOC_COMPILED_H

#include "blo.h"
#include "support/arena.h"
#include "ir/problem.h"

struct BloCompiled {
  Arena arena;
  Diag diag;
  Program *prog;
  IrProblem *ir;            /* NULL when check_only */
  BloProblem problem;       /* filled unless check_only / no_data */
  uint64_t seed;
  BloPrecision precision;   /* of the data tensors the kernels read (after the data stage) */
  double **data;            /* declared then hoisted tensors (NULL: not needed by kernels) */
  struct RtIdxFile **idx;   /* during the data stage: declared tensors still held as their IDX
                               file (data[k] NULL until something needs all of it) */
  int ndata_total;
  float **f32;              /* precision f32: the float copies the compiled kernels read (in
                               the arena; NULL entries where data[k] holds the values) */
  uint8_t *borrowed;        /* [ndata]: data[k] is the caller's (BloBinding), not freed */
  /* [ndata] or NULL: > 0 when declaration k is read only as its first rows_needed[k] rows, by
   * row slices in the data stage (a 60000-row image file sliced to 5000), else -1; the
   * emitted solver reads only those rows, as bloc's data stage does */
  int64_t *rows_needed;
  int64_t *want; /* during the data stage: rows_wanted's rows per declaration */
  double *x0, *y0;
  void *jit;                /* JitModule when the JIT backend is used */
  BloTimings time;
  RtShard shard; /* the rank compiled for (BloCompileOptions.shard, resolved) */
  bool sharded; /* the kernels compute that rank's share (blo_sharded) */
};

/* Hoisted tensor h (a data-only subexpression of the objectives, computed once in the data
 * stage, data tensor ndata + h of the kernels), as a message names it: "the subexpression
 * c * c of the lower objective" in buf (len bytes), and where the user wrote it (SPAN_NONE
 * when not known: the ranks' graphs of a sharded problem keep no source). */
Span bloc_hoisted_what(const BloCompiled *c, int h, char *buf, size_t len);

#endif
