/* eval.h — the reference evaluator: a plain interpreter of the tensor IR on doubles.
 * Slow and obviously correct: each node is computed into its own buffer straight from its
 * definition. It is the oracle for the JIT and the C emitter in tests, the `--backend=interp`
 * path, and the data stage (loaders and generators run only here). */
#ifndef BLOC_EVAL_H
#define BLOC_EVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ir/ir.h"

/* Data-stage services the evaluator calls for IR_LOAD / IR_RANDOM_SPD (set by the driver;
 * NULL makes those nodes an error). Return 0 on success, else fill err (errlen bytes). */
typedef struct IrLoadRequest {
  IrLoadFormat fmt;
  const char *path;
  Shape shape; /* the declared (whole) shape */
  int64_t blocks; /* IR_LOAD's attr[1]: 0, or the T of a tensor[T, K, d] stacked into shape */
  /* the rows wanted, [row0, row0 + nrows) of shape (sharded data: one rank's rows,
   * rt_shard.h); out holds nrows rows. Unsharded: 0 and shape.rows */
  int64_t row0, nrows;
  Span span; /* the call, for a warning about the file */
} IrLoadRequest;
typedef int (*IrLoadHook)(void *ctx, const IrLoadRequest *req, double *out, char *err,
                          size_t errlen);

typedef struct IrSpdRequest {
  uint64_t seed;
  const char *stream; /* the generator's stream name */
  int64_t n; /* out is n x n */
  double lo, hi; /* the eigenvalue range */
} IrSpdRequest;
typedef int (*IrSpdHook)(void *ctx, const IrSpdRequest *req, double *out, char *err, size_t errlen);

/* A block of a matrix: rows r0..r0+nrows-1, columns c0..c0+ncols-1. */
typedef struct IrBlock {
  int64_t r0, nrows, c0, ncols;
} IrBlock;

/* Data tensors a driver keeps in a compact form until needed (data[k] NULL; see
 * IrEvalInputs): block fills block b of tensor k into out (row-major); full makes the whole
 * tensor and returns it (data[k] then points at it too). Neither can fail. */
typedef void (*IrDataBlockHook)(void *ctx, int k, const IrBlock *b, double *out);
typedef const double *(*IrDataFullHook)(void *ctx, int k);
/* Optional, with data_block: tensor k's values as one unsigned byte each (value = byte,
 * row-major, its width per row), when the driver holds it so; else NULL. */
typedef const uint8_t *(*IrDataBytesHook)(void *ctx, int k);

typedef struct IrEvalInputs {
  const double *x;              /* upper variables (nx) */
  const double *y;              /* lower variables (ny) */
  const double *v;              /* direction (ny), may be NULL if no DIR node is reached */
  const double *const *data;    /* data tensors by index */
  const int64_t *samples;       /* concatenated sample draws */
  uint64_t seed;                /* run seed for data-stage generators */
  IrLoadHook load;
  IrSpdHook random_spd;
  IrDataBlockHook data_block;   /* both set, or both NULL (then every data[k] read is present) */
  IrDataFullHook data_full;
  IrDataBytesHook data_bytes;   /* may be NULL */
  void *hook_ctx;
  /* the data stage (data, hoisted values, initial values): a label of onehot that is not one
   * of its classes is an error there; in a kernel, which cannot fail, its row is NaN */
  bool data_stage;
} IrEvalInputs;

typedef struct IrEvalError {
  Span span;                    /* where the failing node came from (may be SPAN_NONE) */
  char msg[512];
  char hint[256];               /* a hint to print after msg, or "" */
  const IrNode *onehot;         /* a label of this onehot is not a class (else NULL) ... */
  const IrNode *take;           /* ... or an index of this take is not a row (column) ... */
  int64_t label;                /* ... its index among the node's labels (indices) */
} IrEvalError;

/* Evaluate roots[0..n) into out[i] (caller-allocated, shape_size(roots[i]->shape) doubles,
 * row-major). Returns 0, or -1 with *err filled (a loader or generator failed, in the data
 * stage a label of onehot is not one of its classes, or an index of a take is out of range). */
int ir_eval(IrGraph *g, IrNode *const *roots, size_t n, const IrEvalInputs *in, double *const *out,
            IrEvalError *err);

/* The most bytes (8 a number) ir_eval of the single root into a caller's buffer holds at once
 * for the values it computes: a model of its allocations and frees, for the memory bloc check
 * reports (sizes only; nothing is evaluated). Every node but a variable, a direction or a data
 * tensor is a buffer of its own, from its computing to its last use; a loader or generator at
 * the root writes straight into the caller's buffer. Workspace a loader or random_spd takes
 * besides (a file's decompressed bytes) is not counted. */
double ir_eval_peak_bytes(IrGraph *g, IrNode *root);

#endif
