/* cg_llvm_scalar.c — which elementwise loops are left scalar (not given to LLVM's loop
 * vectoriser), and the loop metadata that says so.
 *
 * Vectorising a loop costs compile time: LLVM adds a vector body, a scalar remainder and often
 * runtime alias checks, and optimisation and instruction selection then pay for all of them
 * (hyper-cleaning: 11% of its optimised IR). For an elementwise loop (an SS_LOOP without SI_SUM
 * items: every element is computed and stored on its own, and nothing carries the
 * reassociation flags that let the vectoriser reorder a sum) the vector and the scalar code do
 * the same operations on each element, so the results are the same bits either way; the only
 * question is run time. Such a loop is left scalar when the kernel's products (BLAS and skinny
 * products) do at least SCALAR_RATIO multiply-adds per element of the loop: the loop is then a
 * negligible part of the kernel's work (hyper-cleaning: the transposes of W and V before the
 * products and the rows' sigmoid weights, 10000 to 23550 multiply-adds per element). Loops
 * that reduce (SI_SUM, row sums, logsumexp) are never touched: their
 * vector code sums in another order than the scalar code. Loops that call libm (exp, sin)
 * gain little from vectors, whose lanes call the scalar function one by one, but the
 * arithmetic around the call does: leaving all of them scalar made a synthetic kernel 6-7%
 * slower (doc/performance.md), so the ratio alone decides. JitOptions.vectorize_all gives every
 * loop to the vectoriser (tests compare the two bit for bit; bench_kernels `scalar` times
 * them). */
#include <llvm-c/DebugInfo.h> /* LLVMTemporaryMDNode */

#include "llvm/cg_llvm.h"

/* Multiply-adds of the kernel's products per element of a loop, at least, for the loop to be
 * left scalar. A scalar loop takes a few cycles per element more than vector code (up to 6 on
 * hyper-cleaning's softmax weights: the arithmetic around each exp); the products run at about
 * 3.7 multiply-adds a cycle there (grad_y_g on the AMD machine), so at 8192 they take over 2000
 * cycles per element and the loss stays under 0.3%. At 1024, hyper-cleaning's softmax-weight
 * loops (1570 to 2355 per element) would qualify too, for an estimated 1-1.5% of those
 * kernels, more than bench_kernels could rule out on the shared machine (doc/performance.md). */
enum { SCALAR_RATIO = 8192 };

/* The same for a loop that only transposes a product's operand (the planner's copies of W'
 * and V' before X W): strided loads either way, so vector code saves at most a cycle or two
 * per element, which products of at least 256 multiply-adds per element (over 60 cycles)
 * make negligible. hyperclean_minibatch's batches of 500 rows stay under SCALAR_RATIO. */
enum { TRANSPOSE_RATIO = 256 };

static bool transpose_copies(const SchedStep *st) {
  for (int i = 0; i < st->nitems; i++) {
    const SchedItem *it = &st->items[i];
    if (it->kind != SI_WRITE || it->node != UINT32_MAX || it->expr->op != IR_TRANSPOSE)
      return false;
  }
  return st->nitems > 0;
}

static double steps_madds(const SchedStep *steps, int n) {
  double m = 0;
  for (int i = 0; i < n; i++) {
    const SchedStep *st = &steps[i];
    const SchedBlas *b = &st->blas;
    switch (st->kind) {
    case SS_GEMM:
    case SS_SKINNY_GEMM: m += (double)b->m * (double)b->n * (double)b->k; break;
    case SS_GEMV:
    case SS_GER: m += (double)b->m * (double)b->n; break;
    case SS_SYMV: m += (double)b->m * (double)b->m; break;
    /* SS_SPMM: its entries per row are only known from the data; count none (its kernels'
     * loops keep the vectoriser's choice) */
    case SS_PAR_ROWS: m += steps_madds(st->body, st->nbody); break;
    default: break;
    }
  }
  return m;
}

double cg_kernel_madds(const SchedKernel *k) { return steps_madds(k->steps, k->nsteps); }

CgVec cg_loop_vec(const Cg *cg, const SchedStep *st) {
  if (cg->vectorize_all) return CG_VEC_AUTO;
  for (int i = 0; i < st->nitems; i++)
    if (st->items[i].kind == SI_SUM) return CG_VEC_AUTO;
  double elements = (double)st->rows * (double)st->cols;
  double ratio = transpose_copies(st) ? TRANSPOSE_RATIO : SCALAR_RATIO;
  return elements * ratio <= cg->madds ? CG_VEC_NEVER : CG_VEC_AUTO;
}

void cg_loop_hint(Cg *cg, CgVec vec, LLVMValueRef latch_br) {
  if (vec == CG_VEC_AUTO) return;
  /* !llvm.loop !0, !0 = distinct !{!0, !1}, !1 = !{!"llvm.loop.vectorize.enable", i1 false} */
  static const char enable[] = "llvm.loop.vectorize.enable";
  LLVMMetadataRef off[2] = {LLVMMDStringInContext2(cg->ctx, enable, sizeof enable - 1),
                            LLVMValueAsMetadata(LLVMConstInt(cg->i1, 0, 0))};
  LLVMMetadataRef self = LLVMTemporaryMDNode(cg->ctx, NULL, 0);
  LLVMMetadataRef ops[2] = {self, LLVMMDNodeInContext2(cg->ctx, off, 2)};
  LLVMMetadataRef loop = LLVMMDNodeInContext2(cg->ctx, ops, 2);
  LLVMMetadataReplaceAllUsesWith(self, loop); /* the first operand: the node itself */
  unsigned kind = LLVMGetMDKindIDInContext(cg->ctx, "llvm.loop", 9);
  LLVMSetMetadata(latch_br, kind, LLVMMetadataAsValue(cg->ctx, loop));
}
