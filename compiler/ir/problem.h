/* problem.h — a problem in IR form: the data stage, initial values, and one IR kernel per
 * entry of the ABI (runtime/blo_abi.h). Built from a checked Program by lower.c (AST -> IR)
 * and derive.c (derivatives). Backends (JIT, C emitter, evaluator adapter) turn each IrKernel
 * into a BloKernelFn with exactly the output layout blo_abi.h documents. */
#ifndef BLOC_KERNELS_H
#define BLOC_KERNELS_H

#include "blo_abi.h"
#include "ir/ir.h"
#include "front/sema.h"

/* One output of a kernel: node's elements (row-major) are written to out[slot] + offset.
 * owned (set by ir_shard_problem): the node's rows are sharded rows, of which this rank writes
 * only its own (rt_shard_rows of node's rows) and zeros elsewhere: the ranks' outputs are
 * assembled (BloOwned, blo_abi.h) rather than summed. */
typedef struct IrOutput {
  int slot;
  int64_t offset;
  IrNode *node;
  bool owned;
} IrOutput;

typedef struct IrKernel {
  BloKernelId id;
  const char *name;         /* "grad_y_g", ... (also the symbol suffix in generated code) */
  IrOutput *outs;
  int nouts;
  int nslots;               /* number of out[] pointers the kernel writes */
  int64_t slot_size[4];     /* doubles per slot */
  bool uses_v;              /* reads the direction vector */
  bool v_in_x;              /* that vector is x-sized (BLO_K_HVP_YX), else y-sized */
} IrKernel;

typedef struct IrProblem {
  IrGraph graph;
  const Program *prog;
  int64_t nx, ny;
  /* data stage: data tensor k has value data_value[k] (a graph of data-stage ops over
   * earlier data tensors, as IR_DATA leaves), shape data_shape[k] */
  int ndata;
  IrNode **data_value;
  const char **data_name;
  uint8_t *data_symmetric;  /* known symmetric (static inference, or checked on the values) */
  /* initial values: upper_init[i] for upper variable i (data-stage graph), lower_init[j] for
   * lower variable j (may depend on x: the unrolled-loop start y0 = Phi(x)) */
  IrNode **upper_init, **lower_init;
  /* the variables as IR leaves and their direction leaves */
  IrNode **xvars, **yvars, **dirs;
  int nupper, nlower;
  IrNode *f, *g;
  IrNode **reports;
  int nreports;
  IrKernel kernels[BLO_K_COUNT];
  /* derivative graphs, per variable (before hoisting; for `bloc derive`) */
  IrNode **grad_x_f, **grad_y_f, **grad_y_g, **hvp_yy, **hvp_xy, **init_vjp;
  IrNode **grad_x_g, **hvp_yx;
  IrNode **xdirs;           /* directions of the upper variables (hvp_yx's v) */
  /* data-only subexpressions of the kernels, precomputed once before solving: they are data
   * tensors ndata .. ndata+nhoisted-1 of the kernels (graphs over declared data) */
  IrNode **hoisted;
  int nhoisted;
  /* where the user wrote each node lowering made from an expression (by node id: src[id] for
   * id < nsrc; SPAN_NONE for the others, such as a derivative's), the outermost fn call for an
   * inlined body: to name a hoisted subexpression, which has no name of its own, in messages.
   * Apart from IrNode.span, which the data stage's messages read from leaves. Dropped when
   * the graph is rebuilt (shard.c): ids start again there. */
  Span *src;
  uint32_t nsrc;
  /* the data in double for the evaluator's kernels (interp.c), when env->data holds the
   * compiled kernels' floats (precision f32 with kernels past the JIT's size limit); NULL:
   * env->data */
  const double *const *interp_data;
} IrProblem;

/* Derive every ABI kernel of p (after lower_finish). */
void kern_build(IrProblem *p);

/* In each kernel, a product of sampled rows X[B, :] @ b whose whole X @ b the kernel also
 * computes reads its rows from that product (regather.c). After kern_build. */
void kern_regather(IrProblem *p);

/* Replace the data-only subexpressions of every kernel by new data tensors (p->hoisted), so
 * that backends only see inputs, declared/hoisted data and differentiable-path ops. */
void kern_hoist(IrProblem *p);

/* Where the elements of data-stage vector n come from, when they are a file's values read
 * through row slices, single-row or single-column slices of a matrix, and declarations (not
 * those with skip[k] set: values bound by the caller): element i of n is value r0 + i dr of a
 * vector file (c0 = -1), or row r0 + i dr, column c0 + i dc of a matrix file. For messages
 * about a value that came from a file (onehot's labels). */
typedef struct IrLoadedAt {
  const IrNode *load; /* the IR_LOAD, or NULL: n is computed */
  int64_t r0, c0, dr, dc;
} IrLoadedAt;
IrLoadedAt ir_loaded_from(const IrProblem *p, const IrNode *n, const uint8_t *skip);

/* Name of kernel id ("f", "grad_y_g", ...). */
const char *kern_name(BloKernelId id);

#endif
