/* diff.h — symbolic differentiation on the tensor IR.
 * Reverse mode (vector-Jacobian products) and forward mode (Jacobian-vector products) are
 * both written as IR-building rules per op, so derivatives are ordinary IR: they can be
 * differentiated again (HVP = forward mode over the reverse-mode gradient; mixed products =
 * reverse mode over the gradient), simplified, shared by hash-consing, evaluated and
 * compiled like any other graph. */
#ifndef BLOC_DIFF_H
#define BLOC_DIFF_H

#include "ir/ir.h"

/* Reverse mode. For roots r_i with cotangents c_i (c_i has r_i's shape; NULL = zero),
 * adj_out[j] = sum_i (d r_i / d leaves[j])^T c_i, or a zero constant when leaves[j] does not
 * influence the roots. Only paths through nodes depending on `wrt_mask` (IR_DEP_X/IR_DEP_Y)
 * are followed; leaves are IR_VAR nodes. */
void diff_vjp(IrGraph *g, IrNode *const *roots, IrNode *const *cots, size_t nroots,
              unsigned wrt_mask, IrNode *const *leaves, size_t nleaves, IrNode **adj_out);

/* Forward mode. With tangent t_j seeded at leaves[j] (same shape; NULL = zero),
 * out[i] = directional derivative of roots[i], or a zero constant. */
void diff_jvp(IrGraph *g, IrNode *const *roots, size_t nroots, IrNode *const *leaves,
              IrNode *const *tangents, size_t nleaves, IrNode **out);

#endif
