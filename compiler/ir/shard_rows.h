/* shard_rows.h — a sharded declaration computed for one rank's rows only (doc/scaling.md,
 * "Sharded data"; used by compiler/ir/shard.c). A declaration such as hyper-cleaning's
 *   data Xtr : matrix[n, 785] = hcat((images[0:n, :] / 255 - 0.5) / 0.5, ones(n)) sharded
 * is row-wise: row i of the value depends on row i of its row-aligned operands only. Its rows
 * [r0, r0 + nl) are then the same operations on rows [r0, r0 + nl) of those operands (the
 * rows [a + r0, a + r0 + nl) of A for A[a:b, :]), down to the leaves, so that a rank neither
 * holds nor computes the whole value before cutting it. Values are bit for bit the rows of
 * the whole computation: the same operations on the same numbers, each row independent. */
#ifndef BLOC_SHARD_ROWS_H
#define BLOC_SHARD_ROWS_H

#include "ir/ir.h"
#include "rt_shard.h"

/* How the sharding pass rebuilt a node of the whole-data graph. */
typedef enum ShardRowsKind {
  SHARD_ROWS_WHOLE, /* replicated: the whole value, the same on every rank */
  SHARD_ROWS_MINE, /* sharded rows: the rank's rows rt_shard_rows(s, node's rows) */
  SHARD_ROWS_OTHER /* anything else (a partial sum, sampled rows, ...) */
} ShardRowsKind;

typedef struct ShardRowsEnv {
  IrGraph *g; /* the graph the rank's nodes are built in */
  RtShard s;
  /* The node of g that the sharding pass made of `old` (a node of the whole-data graph whose
   * operands it has rebuilt), and how (*kind). */
  IrNode *(*rebuilt)(void *ctx, const IrNode *old, ShardRowsKind *kind);
  void *ctx;
} ShardRowsEnv;

/* Rows [rows.r0, rows.r0 + rows.n) of `old` (rank >= 1, rows.n >= 1, within its rows) as
 * nodes of env->g computing only those rows. Pushed down through elementwise operations (a
 * scalar operand taken whole), row and column slices, hcat, onehot, reshapes that keep the
 * rows, broadcasts, constants, row-wise reductions (sum_rows, logsumexp_rows, argmax_rows),
 * A @ B and outer(a, b) with B (b) replicated, and loads (a row-range load). Any other
 * replicated node (a generator, whose draws depend on every earlier draw; a transpose; data
 * read whole) is computed whole and its rows cut, and sharded data is taken as the rank's
 * rows when those are the rows asked. NULL when no such rows can be built (sharded data at
 * other rows, a partial sum, ...): the caller falls back to the whole value. */
IrNode *shard_rows_push(const ShardRowsEnv *env, const IrNode *old, RtRows rows);

#endif
