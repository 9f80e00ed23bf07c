/* eval_fused.h — the data stage's fast path over the reference evaluator: a tensor built by
 * elementwise operations, slices and hcat from large inputs (hyper-cleaning's
 * hcat((A[r0:r1, :] / 255 - 0.5) / 0.5, ones(n))) is computed row block by row block,
 * straight from the decoded inputs into its destination, with no full-size temporary per
 * operation, and the blocks are shared among the threads of rt_par_run. Each element goes
 * through the same operations in the same order as in ir_eval: the values are bit-identical.
 * BLOC_DATA_FUSE=0 turns the fast path off (every call is plain ir_eval), for comparing. */
#ifndef BLOC_EVAL_FUSED_H
#define BLOC_EVAL_FUSED_H

#include <stdbool.h>
#include <stdint.h>

#include "interp/eval.h"

/* ir_eval of the single root into out (shape_size(root->shape) doubles, row-major), with the
 * same contract and the same values. Roots that are not elementwise operations, hcat or
 * slices, and every part of the tree that is not one of those (products, generators,
 * loaders, reductions, ...), are evaluated by ir_eval itself. The data_block hook of `in`
 * may be called from several threads at once (it must only read). When first_bad is not
 * NULL it receives ir_first_nonfinite of the result (found block by block, while in cache). */
int ir_eval_fused(IrGraph *g, IrNode *root, const IrEvalInputs *in, double *out,
                  int64_t *first_bad, IrEvalError *err);

/* What ir_eval_fused of root holds at most for the values it computes, in bytes, as
 * ir_eval_peak_bytes (eval.h) models ir_eval: the operands it has ir_eval compute in full,
 * each held to the end, with the peak of computing each; fused operations hold only blocks of
 * rows (at most 256 KiB a thread, not counted). Data tensors are taken to be present. */
double ir_eval_fused_peak_bytes(IrGraph *g, IrNode *root);

/* The index of the first element of v[0..n) that is not finite, or -1. */
int64_t ir_first_nonfinite(const double *v, int64_t n);

/* Whether the fast path is on: BLOC_DATA_FUSE is unset or anything but "0". */
bool ir_fuse_enabled(void);

#endif
