/* ir.h — the tensor IR: a hash-consed DAG of tensor operations (ops in ir_ops.def).
 * Every node is created through an IrGraph, which looks it up by (op, operands, attributes)
 * first: structurally equal nodes are the same pointer, so common subexpressions are shared
 * by construction (across all kernels of a problem). The typed constructors below also
 * simplify as they build (constant folding, x*1, x+0, double transposes, zeros through
 * linear ops, ...): no pass ever sees an unsimplified node. */
#ifndef BLOC_IR_H
#define BLOC_IR_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "support/arena.h"
#include "support/diag.h"
#include "support/shape.h"

typedef enum IrOp {
#define X(id, ...) id,
#include "ir/ir_ops.def"
#undef X
  IR_OP_COUNT
} IrOp;

typedef enum IrClass {
  IRC_LEAF, IRC_EW1, IRC_EW2, IRC_EW3, IRC_REDUCE, IRC_LINALG, IRC_STRUCT, IRC_GEN
} IrClass;

enum { IRF_DIFF = 1, IRF_COMM = 2, IRF_ZERO_D = 4 };

typedef struct IrOpInfo {
  const char *name;
  int nargs;      /* -1: variadic */
  IrClass cls;
  unsigned flags;
  int cost;                        /* work per element (the planner's one cost model) */
  const char *fn_name;             /* runtime/rt_scalar.h function, as emitted C spells it */
  double (*fn1)(double);           /* FN1: fn(a) */
  double (*fn2)(double, double);   /* FNP: fn(a, num); FN2: fn(a, b) */
  const char *c_op;                /* emitted C as an operator template, or NULL: call fn */
} IrOpInfo;

extern const IrOpInfo ir_ops[IR_OP_COUNT];

/* What a node's value depends on (union over its operands). */
enum {
  IR_DEP_X = 1,      /* an upper variable */
  IR_DEP_Y = 2,      /* a lower variable */
  IR_DEP_V = 4,      /* the direction vector v */
  IR_DEP_SAMPLE = 8, /* a sample set (changes every oracle call) */
  IR_DEP_GEN = 16    /* a data-stage generator or loader (evaluated once, before solving) */
};

/* IR_LOAD_LIBSVM into a sparse shape loads the features as CSR; IR_LOAD_LIBSVM_LABELS the
 * labels only (a vector); IR_LOAD_MTX a MatrixMarket file (into a sparse shape only). */
typedef enum IrLoadFormat {
  IR_LOAD_CSV, IR_LOAD_IDX, IR_LOAD_LIBSVM, IR_LOAD_NPY, IR_LOAD_LIBSVM_LABELS, IR_LOAD_MTX
} IrLoadFormat;
typedef enum IrRandKind {
  IR_RAND_UNIFORM,
  IR_RAND_NORMAL,
  IR_RAND_RANDINT,
  IR_RAND_BERNOULLI
} IrRandKind;

typedef struct IrNode {
  uint16_t op;        /* IrOp */
  uint8_t deps;       /* IR_DEP_* */
  int32_t nargs;      /* 32 bits: a list literal's CAT has one operand per element */
  Shape shape;
  struct IrNode **args;
  double num, num2;   /* per-op attributes (see ir_ops.def) */
  int64_t attr[4];
  const char *str;
  Span span;          /* source location for messages (not part of identity) */
  uint32_t id;        /* dense creation index: 0 .. graph->count-1 */
  uint32_t hash;
  struct IrNode *chain; /* next node in the same hash bucket */
} IrNode;

typedef struct IrGraph {
  Arena *arena;
  IrNode **buckets;
  uint32_t nbuckets;
  uint32_t count;      /* nodes created */
  IrNode **nodes;      /* by id */
  uint32_t capnodes;
  bool no_simplify;    /* tests only: build exactly what is asked */
  const uint8_t
      *sym_data; /* sym_data[k]: data tensor k is a symmetric matrix (transpose = itself) */
  int nsym_data;
} IrGraph;

void ir_graph_init(IrGraph *g, Arena *a);

/* Raw hash-consed construction: finds or creates the node with exactly these fields
 * (attributes not used by an op must be zero). No simplification; checks nothing. */
IrNode *ir_node(IrGraph *g, IrOp op, Shape shape, IrNode *const *args, int nargs, double num,
                double num2, const int64_t attr[4], const char *str);
/* The node ir_node would return if it exists already, else NULL: creates nothing. */
IrNode *ir_find(const IrGraph *g, IrOp op, Shape shape, IrNode *const *args, int nargs,
                double num, double num2, const int64_t attr[4], const char *str);

/* ---- leaves */
IrNode *ir_const(IrGraph *g, double value, Shape shape);
IrNode *ir_scalar(IrGraph *g, double value);
IrNode *ir_var(IrGraph *g, int level, int index, int64_t offset, Shape shape);
IrNode *ir_dir(IrGraph *g, int index, int64_t offset, Shape shape);
/* The direction of upper variable `index` (attr[0] = 0): v is then x-sized (BLO_K_HVP_YX). */
IrNode *ir_dir_x(IrGraph *g, int index, int64_t offset, Shape shape);
IrNode *ir_data(IrGraph *g, int index, Shape shape);
IrNode *ir_sample(IrGraph *g, int index, int64_t offset, int64_t k);

/* ---- elementwise; shapes must agree (or one side a scalar): asserts otherwise, since sema
 * has already checked user programs and derivative rules are written to be shape-correct. */
IrNode *ir_unary(IrGraph *g, IrOp op, IrNode *a);
IrNode *ir_powc(IrGraph *g, IrNode *a, double p);
IrNode *ir_binary(IrGraph *g, IrOp op, IrNode *a, IrNode *b);
IrNode *ir_add(IrGraph *g, IrNode *a, IrNode *b);
IrNode *ir_sub(IrGraph *g, IrNode *a, IrNode *b);
IrNode *ir_mul(IrGraph *g, IrNode *a, IrNode *b);
IrNode *ir_div(IrGraph *g, IrNode *a, IrNode *b);
IrNode *ir_neg(IrGraph *g, IrNode *a);
IrNode *ir_scale(IrGraph *g, double c, IrNode *a); /* c * a */
IrNode *ir_where(IrGraph *g, IrNode *mask, IrNode *a, IrNode *b);

/* ---- reductions: IR_SUM, IR_SUM_ROWS, IR_SUM_COLS, IR_LSE, IR_LSE_ROWS, IR_ARGMAX_ROWS */
IrNode *ir_reduce(IrGraph *g, IrOp op, IrNode *a);

/* ---- products */
IrNode *ir_matmul(IrGraph *g, IrNode *a, IrNode *b);   /* matrix @ matrix */
IrNode *ir_matvec(IrGraph *g, IrNode *a, IrNode *v);   /* matrix @ vector */
IrNode *ir_vecmat(IrGraph *g, IrNode *v, IrNode *a);   /* vector @ matrix = A' v */
IrNode *ir_outer(IrGraph *g, IrNode *u, IrNode *v);
IrNode *ir_transpose(IrGraph *g, IrNode *a);           /* scalars and vectors unchanged */
IrNode *ir_dot(IrGraph *g, IrNode *a, IrNode *b);      /* sum(a * b) */
/* A @ b (IR_SPMM) and A' @ b (IR_SPMTM) of a sparse operand A (ir_ops.def) and a dense b */
IrNode *ir_spmm(IrGraph *g, IrNode *a, IrNode *b);
IrNode *ir_spmtm(IrGraph *g, IrNode *a, IrNode *b);
/* A sparse operand: a sparse data leaf, or one gathered by a sample index. */
bool ir_is_sparse_operand(const IrNode *n);

/* ---- structure */
IrNode *ir_bcast(IrGraph *g, IrNode *scalar, Shape shape);   /* identity when already shaped */
IrNode *ir_bcast_rows(IrGraph *g, IrNode *v, int64_t m);     /* vector[n] -> matrix[m,n] */
IrNode *ir_bcast_cols(IrGraph *g, IrNode *v, int64_t n);     /* vector[m] -> matrix[m,n] */
IrNode *ir_reshape(IrGraph *g, IrNode *a, Shape shape);
IrNode *ir_slice(IrGraph *g, IrNode *a, int64_t r0, int64_t r1, int64_t c0, int64_t c1);
IrNode *ir_pad(IrGraph *g, IrNode *a, Shape shape, int64_t r0, int64_t c0);
IrNode *ir_gather(IrGraph *g, IrNode *a, IrNode *idx);
/* The rows idx - r0 of a, one rank's rows of a sharded tensor (global indices idx); a row
 * outside a (the rank does not own it) reads as zeros (of sparse data: an empty row, in the
 * products that read it). Never simplified. */
IrNode *ir_gather_shard(IrGraph *g, IrNode *a, IrNode *idx, int64_t r0);
IrNode *ir_scatter(IrGraph *g, IrNode *a, IrNode *idx, Shape shape);
IrNode *ir_diagm(IrGraph *g, IrNode *v);
IrNode *ir_diagv(IrGraph *g, IrNode *a);
IrNode *ir_cat(IrGraph *g, IrOp op, IrNode *const *args, int n); /* IR_CAT, IR_HCAT, IR_VCAT */
IrNode *ir_onehot(IrGraph *g, IrNode *labels, int64_t k);

/* ---- data stage */
/* blocks > 0: the file holds a tensor[blocks, shape.rows / blocks, shape.cols] (its tasks'
 * matrices stacked into `shape`); 0: exactly `shape`. */
IrNode *ir_load(IrGraph *g, IrLoadFormat fmt, const char *path, Shape shape, int64_t blocks,
                Span span);
IrNode *ir_rand(IrGraph *g, IrRandKind kind, double p0, double p1, const char *stream, Shape shape,
                Span span);
IrNode *ir_perm(IrGraph *g, int64_t n, const char *stream, Span span);
/* vector[n]: 0, 1, ..., n-1 (data only) */
IrNode *ir_arange(IrGraph *g, int64_t n, Span span);
IrNode *ir_random_spd(IrGraph *g, int64_t n, double lo, double hi, const char *stream, Span span);
IrNode *ir_dense(IrGraph *g, IrNode *sparse); /* sparse data -> dense matrix (data stage) */
/* sparse_coo(rows, cols, vals): the sparse shape s from three data vectors of one length
 * (IR_SPARSE_COO; a sparse declaration's value only) */
IrNode *ir_sparse_coo(IrGraph *g, IrNode *rows, IrNode *cols, IrNode *vals, Shape s,
                      Span span);
/* The rows (axis 0; a vector's elements) or columns (axis 1) of a at the data-stage indices
 * idx (a vector): IR_TAKE, its out-of-range index told at span. */
IrNode *ir_take(IrGraph *g, IrNode *a, IrNode *idx, int axis, Span span);

/* ---- queries */
bool ir_is_const(const IrNode *n, double *value); /* a filled constant (any shape) */
bool ir_is_zero(const IrNode *n);
static inline bool ir_depends(const IrNode *n, unsigned mask) { return (n->deps & mask) != 0; }

/* Post-order (operands before users) list of the nodes reachable from roots; NULL roots are
 * skipped. Returns the count; *out is arena-allocated. Time and scratch memory are in the
 * nodes reached, not the graph's size (the data stage traverses once per declaration). */
size_t ir_topo(IrGraph *g, IrNode *const *roots, size_t nroots, IrNode ***out);

/* Node id -> position, for the nodes of one traversal: open addressing over a power of two of
 * slots at most half full, so a traversal's bookkeeping costs what it reaches (an array by id
 * cleared per traversal cost the graph's size each time: 70,000 data declarations, 2.2 s). */
typedef struct IrIdMap {
  uint32_t *key; /* id + 1; 0 an empty slot */
  uint32_t *val;
  uint32_t mask, count;
} IrIdMap;
void ir_idmap_init(IrIdMap *m, size_t expect);
void ir_idmap_free(IrIdMap *m);
/* The value of id, inserting it with `value` when absent (then *added is true). */
uint32_t *ir_idmap_put(IrIdMap *m, uint32_t id, uint32_t value, bool *added);
/* The value of an id that is in the map. */
uint32_t ir_idmap_get(const IrIdMap *m, uint32_t id);

/* ir_topo, and in *pos (ir_idmap_free it) each listed node's position in *out by id. */
size_t ir_topo_map(IrGraph *g, IrNode *const *roots, size_t nroots, IrNode ***out, IrIdMap *pos);

/* Use counts of each node (indexed by id) within the subgraph reachable from roots. */
uint32_t *ir_use_counts(IrGraph *g, IrNode *const *roots, size_t nroots);

/* Floating-point operation estimate of computing `roots` (each reachable node once). */
double ir_flops(IrGraph *g, IrNode *const *roots, size_t nroots);
/* Number of distinct non-leaf nodes reachable from roots. */
size_t ir_count_ops(IrGraph *g, IrNode *const *roots, size_t nroots);

/* SSA-style listing (bloc dump-ir): "%12 = matvec %3, %7 : vector[1000]". names[] (may be
 * NULL) labels the roots. */
void ir_dump(IrGraph *g, IrNode *const *roots, const char *const *names, size_t nroots, FILE *out);

/* Readable .blo-like expression of root (bloc derive): shared non-trivial subexpressions
 * become "let" temporaries t1, t2, ... printed before it. `leaf_name` names VAR/DIR/DATA/
 * SAMPLE leaves (returns a static or arena string). */
typedef const char *(*IrLeafNamer)(void *ctx, const IrNode *leaf);
void ir_print_expr(IrGraph *g, IrNode *const *roots, const char *const *names, size_t nroots,
                   IrLeafNamer namer, void *ctx, FILE *out);

/* One element of an elementwise unary op (IRC_EW1; p is IR_POWC's exponent) or binary op
 * (IRC_EW2), with runtime/rt_scalar.h's arithmetic: what every backend computes. */
double ir_fold_unary(IrOp op, double a, double p);
double ir_fold_binary(IrOp op, double a, double b);

#endif
