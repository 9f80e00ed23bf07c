/* schedule.h — the backend-neutral execution plan of an IR kernel (an IrKernel of problem.h).
 * Planning decides which IR nodes are materialised (in the work buffer, straight in an output
 * slot, or in a scalar register) and which are computed inline inside loops; folds products
 * into BLAS calls (transposes, scalar factors and accumulations become trans/alpha/beta);
 * fuses elementwise trees, their reductions and loops of one shape into single loop nests;
 * and assigns work-buffer offsets by liveness. Backends (the LLVM JIT, the C emitter) only
 * translate steps: they never look at the IR graph again.
 *
 * Semantics of a plan: steps run in order. Element (r, c) of a buffer view SchedBuf is at
 * base + offset + r*ld + c (vectors are column-shaped: c = 0; scalars: r = c = 0). A SchedExpr
 * is an elementwise expression evaluated at one element (r, c) of its shape, with the meaning
 * of the IR op it carries (compiler/interp/eval.c defines them); index ops (transpose, broadcasts,
 * slice, pad, gather, reshape, diag, onehot, outer) map (r, c) to the element of their operand.
 * A rank-0 SchedExpr does not depend on (r, c). Plans never allocate at run time. */
#ifndef BLOC_SCHEDULE_H
#define BLOC_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "support/arena.h"
#include "ir/problem.h"

typedef enum SchedBase {
  SB_NONE,
  SB_X,      /* the x argument */
  SB_Y,      /* the y argument */
  SB_V,      /* the v argument (direction) */
  SB_DATA,   /* env->data[index] */
  SB_SAMPLE, /* env->samples: int64 indices (loaded as doubles when used as values) */
  SB_WORK,   /* env->work */
  SB_OUT,    /* out[index] */
  SB_SREG,   /* scalar register `index`: a local double of the kernel */
  SB_XMEMO   /* the value of x-memo slot `index` (SchedPlan.xmemo), read only: element `offset`
                is work[SchedPlan.xmemo[index].at + offset] */
} SchedBase;

typedef struct SchedBuf {
  SchedBase base;
  int index;      /* data tensor, output slot or scalar register; for SB_WORK the planner's
                     buffer id (offset is final; the plan verifier checks liveness by it) */
  int64_t offset; /* elements from the base pointer */
  int64_t ld;     /* row stride in elements: cols of the stored matrix, 1 for vectors */
  bool rows_of_data; /* SB_WORK: a copy of sampled rows of a data matrix, whose elements are
                        the data's (floats at precision f32, where backends may keep them so) */
  bool rows_direct; /* with rows_of_data: the copy is made in a region's blocks and only read
                       there, as the a of skinny products reading whole rows
                       (sched_direct_rows): a backend may skip the copy and have those
                       products read the rows where they are in the data */
} SchedBuf;

/* Whether b holds a data tensor's elements: the tensor, or a copy of its sampled rows
 * (rows_of_data). At precision f32 those are floats in the JIT (cg_is_f32). */
static inline bool sched_data_elts(const SchedBuf *b) {
  return b->base == SB_DATA || (b->base == SB_WORK && b->rows_of_data);
}

/* SchedExpr.op beyond the IR ops: a load of .buf viewed with .shape. */
#define SCHED_LOAD ((int)IR_OP_COUNT)

typedef struct SchedExpr {
  int op;                 /* an IrOp (IR_CONST, elementwise, index ops) or SCHED_LOAD */
  int nargs;
  Shape shape;
  struct SchedExpr **args; /* IR operand order; IR_GATHER's args[1] is a SCHED_LOAD of SB_SAMPLE */
  double num;              /* IR_CONST value, IR_POWC exponent */
  int64_t attr[4];         /* IR_SLICE / IR_PAD offsets, as in ir_ops.def */
  SchedBuf buf;            /* SCHED_LOAD */
  int id; /* dense within the kernel (0 .. SchedKernel.nexprs-1), for memo tables */
} SchedExpr;

typedef enum SchedItemKind {
  SI_WRITE, /* dest(r, c) = expr(r, c) */
  SI_SUM, /* dest (a scalar location) = sum over the domain of expr (reassociable) */
  SI_SUM_COLS, /* dest(c) = sum over r of expr(r, c) (dest zeroed before the loop) */
  SI_LSE, /* dest (scalar) = logsumexp over the domain, max-shifted as eval.c */
  SI_ROW_SUM, /* dest(r) = sum over c of expr(r, c) */
  SI_ROW_LSE, /* dest(r) = logsumexp over c of expr(r, c) */
  SI_ROW_ARGMAX, /* dest(r) = first c maximising expr(r, c) */
  SI_SCATTER /* dest zeroed (idx_limit x cols); dest(idx[r], c) += expr(r, c) for idx[r] in range */
} SchedItemKind;

typedef struct SchedItem {
  SchedItemKind kind;
  SchedExpr *expr;        /* over the step's domain */
  SchedBuf dest;
  SchedBuf idx;           /* SI_SCATTER: the index vector (SB_SAMPLE) */
  int64_t idx_limit;      /* SI_SCATTER: rows of dest; indices outside [0, limit) are skipped */
  int64_t dest_rows, dest_cols; /* SI_SCATTER / SI_SUM_COLS: extent of dest to zero */
  bool partial;           /* writes the elementwise part of a sum that BLAS steps complete */
  int part;               /* in an SS_PAR_ROWS body, SI_SUM / SI_SUM_COLS: 1 + index of the
                             region's SchedReduce the item accumulates into (dest is then that
                             reduction's); 0 everywhere else */
  uint32_t node;          /* IR node id computed (for dumps) */
} SchedItem;

typedef enum SchedStepKind {
  SS_LOOP,    /* one loop nest over rows x cols evaluating every item (SI_WRITE/SUM/SUM_COLS) */
  SS_ROWS,    /* for each row r: each item's reduction over c (SI_ROW_*) */
  SS_LSE,     /* a max pass then a sum-of-exp pass over the domain (one SI_LSE item) */
  SS_SCATTER, /* one SI_SCATTER item; domain = rows of the scattered tensor x its cols */
  SS_GEMM,    /* c = alpha op(a) op(b) + beta c, row-major; c is m x n, op(a) m x k */
  SS_GEMV,    /* c = alpha op(a) b + beta c; a stored m x n (op = transpose when trans_a) */
  SS_SYMV,    /* c = alpha a b + beta c; a symmetric m x m data (upper triangle read) */
  SS_GER,     /* c += alpha a b' ; c stored m x n, a [m], b [n] */
  SS_SKINNY_GEMM, /* c = alpha op(a) op(b) + beta c (as SS_GEMM) with n <= SCHED_SKINNY_MAX_N:
                     the backend's own register-blocked loops that stream a once, straight
                     from memory (no packing). Two forms, by trans_a:
                     trans_a false (then trans_b true: b stored n x k): row by row,
                       c(i, j) = alpha a(i, :) . b(j, :) + beta c(i, j), dot products over k
                       (b, n x k, stays in cache);
                     trans_a true (then trans_b false: b stored k x n): a stored k x m,
                       c = alpha sum over r < k of a(r, :)' b(r, :) + beta c, a reduction over
                       the k rows of a and b (c, m x n, stays in cache).
                     A vector b (n = 1) is one row of k (ld irrelevant) or k x 1 (ld 1) */
  SS_SPMM,    /* c = op(a) b with a sparse data tensor a (an RtSparse, rt_sparse.h: data index
                 a.index), or its rows idx (SB_SAMPLE; base SB_NONE: all rows): m rows of a
                 (the sample's K, or the data's rows), k its columns; trans_a false: c (m x n)
                 = a b, b k x n; trans_a true: c (k x n) = a' b, b m x n. b and c are row-major
                 views (a vector: n = 1, ld 1); c is overwritten (alpha 1, beta 0). Row i of c
                 is row i of a (or of the stored transpose a', RtSparse.t, when not sampled)
                 times b, so the product can join a region over c's rows (except a sampled
                 a' b, a scatter). The JIT generates its loops (cg_llvm_sparse.c); the C
                 emitter calls the runtime's rt_sparse_mul */
  SS_PAR_ROWS /* a row-parallel region: `body` steps over the same `rows`, run in row blocks
                 (see SchedStep) */
} SchedStepKind;

/* Products with at most this many columns (n) become SS_SKINNY_GEMM. */
#define SCHED_SKINNY_MAX_N 32
/* Most tasks of an SS_PAR_ROWS region. Each task zeroes and fills its own partial of every
 * reduction, combined serially afterwards: 8 tasks measured 4% faster than 16 on hyper-
 * cleaning's gradient with 2 threads (no slower with 1), and as fast as 4 or 6. */
#define SCHED_PAR_MAX_TASKS 8

/* A reduction over the rows of an SS_PAR_ROWS region: every task accumulates its rows into its
 * own partial (zeroed when the task starts), then the partials are combined in task order:
 * dest = alpha * (((part_0 + part_1) + part_2) + ...) + beta * dest. */
typedef struct SchedReduce {
  SchedBuf part;          /* task 0's partial (work, rows x cols with ld = cols, or cols x
                             rows with ld = rows when trans); task p's starts p * stride
                             doubles further */
  int64_t stride;
  int64_t rows, cols;     /* extent of the reduced value: 1x1 (SI_SUM), n x 1 (SI_SUM_COLS), m x n
                             (a reducing SS_SKINNY_GEMM) */
  SchedBuf dest;          /* where the combined value goes (a scalar register for 1x1 sums) */
  double alpha;           /* times the scalar at alpha_buf when alpha_buf.base != SB_NONE */
  SchedBuf alpha_buf;
  double beta;            /* 0 or 1 */
  bool trans;             /* the partials are transposed, cols x rows (ld = rows): the float
                             a' b of precision f32 adds its chunks' sums to them without
                             transposing them (cg_llvm_skinny.c, tn_add) */
} SchedReduce;

typedef struct SchedBlas {
  bool trans_a, trans_b;
  int64_t m, n, k;
  SchedBuf a, b, c;       /* lda/ldb/ldc are the views' ld */
  double alpha;           /* times the scalar at alpha_buf when alpha_buf.base != SB_NONE */
  SchedBuf alpha_buf;
  double beta;            /* 0 or 1 */
  SchedBuf idx;           /* SS_SPMM: the sampled rows of a (SB_SAMPLE), or SB_NONE */
  int64_t idx_r0, idx_rows; /* SS_SPMM, idx_rows > 0: a is a rank's rows of sharded data, global
                               rows [idx_r0, idx_r0 + idx_rows) (ir_gather_shard), and idx
                               global rows: row idx - idx_r0 of a, empty outside those rows */
  int part; /* a reducing SS_SKINNY_GEMM in an SS_PAR_ROWS body: 1 + index of the
               region's SchedReduce (c, alpha, beta are then the reduction's); 0 else */
  bool part_trans; /* with part: that reduction's partials are transposed (SchedReduce.trans):
                      c is n x m with ld m */
  bool prefetch; /* an SS_SKINNY_GEMM in an SS_PAR_ROWS body that prefetches the rows of a of
                    the region's next block into L2 as it goes; the planner marks one product
                    per a: its a' b when there is one, else its first a b' */
  uint32_t node;          /* the product node (for dumps) */
  bool memo;     /* c is kept between calls (SchedOptions.memo, SCHED_MEMO_MAGIC): memo_at
                    is its slot's header in the work buffer */
  int64_t memo_at;
} SchedBlas;

/* An SS_PAR_ROWS region runs `ntasks` tasks, in any order or concurrently; task p covers rows
 * [p * task_rows, min((p + 1) * task_rows, rows)) and runs them in blocks of block_rows rows
 * (the last one shorter), in order: for each block, every body step in order, restricted to
 * the block's rows: SS_LOOP / SS_ROWS iterate only those rows (flat loops the flat indices of
 * those rows); SS_SKINNY_GEMM with trans_a false, and SS_SPMM, compute only those rows of c
 * (SS_SPMM: rows of a, of its sampled rows, or of the stored transpose); a reducing
 * SS_SKINNY_GEMM (trans_a, blas.part) sums only over those rows of a and b, into the task's
 * partial; SI_SUM / SI_SUM_COLS items with `part` add the block's sum into the task's partial.
 * When every task is done, the reductions are combined (SchedReduce), in order. The planner
 * guarantees that body steps read and write, for row r, only row r of what the region
 * writes (everything else they read is not written in the region), so blocks and tasks are
 * independent; block and task boundaries are fixed by the plan, so results do not depend on
 * the number of threads. Body steps are never SS_PAR_ROWS. */
typedef struct SchedStep {
  SchedStepKind kind;
  int64_t rows, cols;     /* loop domain (SS_LOOP, SS_ROWS, SS_LSE, SS_SCATTER); rows of an
                             SS_PAR_ROWS region */
  bool flat;              /* SS_LOOP over a matrix where every access is contiguous: backends
                             may run one loop over rows*cols with r = flat index, c = 0 */
  SchedItem *items;
  int nitems;
  SchedBlas blas;
  /* SS_PAR_ROWS */
  struct SchedStep *body;
  int nbody;
  int64_t ntasks, task_rows, block_rows;
  SchedReduce *reds;
  int nreds;
} SchedStep;

typedef struct SchedKernel {
  BloKernelId id;
  const char *name;
  SchedStep *steps;
  int nsteps;
  int nsregs;             /* scalar registers used */
  int nexprs;             /* SchedExpr ids are < nexprs */
  int64_t work_size;      /* doubles of env->work this kernel needs */
  int nslots;
  bool uses_v;
  int64_t materialised;   /* statistics: tensors written to the work buffer */
  uint32_t *memo_nodes;   /* the products with memo slots (SchedBlas.memo), by IR node id */
  int nmemo;
  int *xmemo;             /* the x-memo slots the kernel reads (SchedPlan.xmemo indices): it
                             brings each up to date with x before its first step */
  int nxmemo;
} SchedKernel;

typedef struct SchedOptions {
  bool no_fusion;         /* one loop per materialised node (for tests and debugging) */
  bool no_blas_fold;      /* never fold scalars/accumulations into BLAS alpha/beta */
  bool no_skinny;         /* every product to BLAS: no SS_SKINNY_GEMM (backends without it) */
  bool no_par;            /* no SS_PAR_ROWS regions (backends without them; serial plans) */
  bool sparse_call;       /* SS_SPMM steps stay out of regions: the backend runs each as one
                             call of the runtime's product (the JIT's generated loops measured
                             against it: bench/bench_sparse) */
  int64_t par_min_cost;   /* a region runs as parallel tasks only above this estimated cost
                             (about one unit per flop; 0: the default, 400000); below it, its
                             steps stay ordinary steps. Tests set 1 to split small problems */
  int64_t par_block_rows; /* rows per block of a region (0: sized so a block's rows fit the L2
                             cache); tests set a few rows */
  bool copy_rows;         /* never mark copies of sampled rows as read in place
                             (SchedBuf.rows_direct): the tests compare the two */
  bool f32_data;          /* data tensors are floats (precision f32): 4 bytes an element when
                             block sizes are worked out from the bytes a row touches */
  bool trans_f64; /* a double a' b in a region adds into transposed partials too (the
                     JIT sets it for 512-bit vectors: cg_llvm_skinny.c), as a float
                     one always does */
  bool rows_partials; /* never trans_f64 (the JIT's tests compare the two layouts) */
  bool memo;              /* keep the products a b' of data a (an SS_SKINNY_GEMM that is not a
                             reduction) with b depending on y but not on v or the samples in
                             memo slots after every kernel's work (SCHED_MEMO_MAGIC), so that
                             a kernel called again at the same b reuses the product. For the
                             JIT: the plan's SS_SKINNY_GEMM steps then carry SchedBlas.memo */
  bool xmemo;             /* keep costly subexpressions of x and the data alone (a kernel matrix
                             exp(-exp(x) D)) in x-memo slots (SchedPlan.xmemo): every call at
                             the same x reads them instead of computing them again */
} SchedOptions;

/* Whether step st copies sampled rows of a data matrix, w(r, :) = X(samples(r), :): an SS_LOOP
 * of one SI_WRITE of a gather of a rank-2 data tensor over all its columns (not a rank's rows
 * of sharded data); *dest (when not NULL) is w. */
bool sched_gather_rows(const SchedStep *st, const SchedBuf **dest);

/* Plan kernel k of graph g into *out; every allocation is made in arena a (the graph is only
 * read). Returns 0, or -1 with an "internal error: ..." message in err (an op the plan cannot
 * express, such as a data-stage generator, or an output outside its slot). */
int sched_kernel(const IrGraph *g, const IrKernel *k, const SchedOptions *opt, Arena *a,
                 SchedKernel *out, char *err, size_t errlen);

/* A whole problem: one SchedKernel per kernel with outputs (present[id]); work_size is the
 * maximum over kernels (the one work buffer every kernel shares). */
/* An x-memo slot (SchedOptions.xmemo): the value of one IR node that depends on x and the
 * data only, computed at the x of the last call that needed it. At work[hdr]:
 *   [0]   SCHED_XMEMO_MAGIC (as an int64) when the slot holds the value at the x after it
 *   [1, 1 + nx)  that x
 * and the value (row-major, `size` doubles) at work[at]. A kernel that reads the slot
 * (SchedKernel.xmemo) compares the header with its x before its first step: equal (bit for
 * bit), the value is there; different, [0] is cleared, `stage` computes the value into it
 * (its output slot 0 is work + at; its scratch is the start of the work buffer, free before
 * the kernel's first step), then the header is written. The stage is the same code whichever
 * kernel runs it, so every kernel reads the same bits. */
typedef struct SchedXMemo {
  uint32_t node;          /* the IR node */
  int64_t hdr, at, size;  /* work offsets of the header and the value; doubles of the value */
  int64_t nx;             /* doubles of x in the header */
  IrKernel ik;            /* the node as the one output of a kernel (out[0]) */
  SchedKernel stage;      /* its plan */
} SchedXMemo;

#define SCHED_XMEMO_MAGIC 0x786d656d6f626c6fLL /* "olbomemx" */
/* x-memo slots are given to x-only nodes (not views) costing at least SCHED_XMEMO_MIN_COST
 * operations a call (ir_ops.def's cost per element, 2mnk a product) and SCHED_XMEMO_RATIO
 * per element of the value, up to SCHED_XMEMO_MAX_DOUBLES of slots (256 MB) in all */
#define SCHED_XMEMO_MIN_COST 524288.0
#define SCHED_XMEMO_RATIO 8.0
#define SCHED_XMEMO_MAX_DOUBLES (INT64_C(1) << 25)

typedef struct SchedPlan {
  SchedKernel kernels[BLO_K_COUNT];
  bool present[BLO_K_COUNT];
  int64_t work_size;
  int nmemo;              /* memo slots (SchedOptions.memo), at the end of the work buffer */
  SchedXMemo *xmemo;      /* x-memo slots (SchedOptions.xmemo), after the memo slots */
  int nxmemo;
} SchedPlan;

/* A memo slot (SchedOptions.memo): the product c = a b' (a data, m x k; b n x k, contiguous)
 * of one IR node, shared by every kernel that computes that node. At work[memo_at]:
 *   [0]   SCHED_MEMO_MAGIC (as an int64) when the slot holds a product, anything else when not
 *   [1]   the address of a's data (as an int64)
 *   [2, 2 + n k)  the b the product was computed from
 * and c itself (m x n, ld n) at the product's SchedBlas.c, after it. Before the product a
 * kernel compares the header with a and b: equal, the product is skipped (c is already
 * there); different, [0] is cleared, the product computed into c, then the header written.
 * The work buffer starts as anything but the magic word (calloc, or NaN in tests); kernels
 * keep the slots between calls, so a caller that changes a's values in place must clear the
 * work buffer (data are fixed for a problem's life: bloc_bind). */
#define SCHED_MEMO_MAGIC 0x6d656d6f626c6f63LL /* "coblomem" */
enum { SCHED_MEMO_HEADER = 2 };

int sched_problem(const IrProblem *p, const SchedOptions *opt, Arena *a, SchedPlan *plan,
                  char *err, size_t errlen);

/* A BLAS step (SS_GEMM, SS_GEMV, SS_SYMV, SS_GER) as the general product
 * c = alpha op(a) op(b) + beta c with row-major strides: what backends call when an operand is
 * float data (rt_f32_gemm, runtime/rt_f32.h). SS_SYMV reads the whole matrix (its data is
 * symmetric on its values); alpha is the step's (times alpha_buf). */
typedef struct SchedGemm {
  int trans_a, trans_b;
  int64_t m, n, k, lda, ldb, ldc;
  double beta;
} SchedGemm;
SchedGemm sched_as_gemm(const SchedStep *st);

/* Readable listing of a kernel's steps (bloc dump-plan, tests). */
void sched_dump(const SchedKernel *k, FILE *out);

/* Counts of a kernel's steps by kind, and of loop items by kind, region bodies included
 * (tests, statistics). */
int sched_count_steps(const SchedKernel *k, SchedStepKind kind);
int sched_count_items(const SchedKernel *k, SchedItemKind kind);

/* An estimate of the code generated for a kernel: its expressions plus its loop nests. It
 * grows like LLVM's instruction count (about 5 per unit for long scalar sums); the JIT's
 * size limit and emit-c's note on huge kernels are in these units. */
int64_t sched_kernel_size(const SchedKernel *k);

#endif
