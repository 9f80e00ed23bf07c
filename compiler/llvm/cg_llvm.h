/* cg_llvm.h — internal to the LLVM backend: translation of execution plans (schedule.h) into
 * LLVM IR through the C API. cg_llvm.c emits kernel functions, loop nests and BLAS calls;
 * cg_llvm_expr.c emits the per-element expressions; cg_llvm_scalar.c says which elementwise
 * loops the vectoriser leaves alone. jit.c owns the module and the JIT. */
#ifndef BLOC_CG_LLVM_H
#define BLOC_CG_LLVM_H

#include <llvm-c/Core.h>
#include <stdbool.h>
#include <stddef.h>

#include "plan/schedule.h"

/* Functions the generated code calls (libm, BLAS); declared lazily in the module. */
typedef enum CgFn {
  CG_EXP, CG_LOG, CG_LOG1P, CG_SIN, CG_COS, CG_TAN, CG_TANH, CG_ACOS, CG_ASIN, CG_ATAN, CG_ERF,
  CG_POW, CG_SQRT, CG_FABS, CG_FLOOR, CG_ROUND,
  CG_MAXNUM, CG_DGEMM, CG_DGEMV, CG_DSYMV, CG_DGER, CG_PAR_RUN, CG_PAR_REDUCE, CG_F32_GEMM,
  CG_SPARSE_MUL, CG_MEMCMP,
  CG_FN_COUNT
} CgFn;

/* Most skinny products of one region whose right operand a task rounds to float up front. */
#define CG_B32_MAX 4

/* An index value and the loop level it varies at: 0 = invariant in the current nest, 1 = the
 * outer (row) loop, 2 = the inner loop. Code computing a value is placed at its level. */
typedef struct CgIx {
  LLVMValueRef v;
  int lvl;
} CgIx;

typedef struct CgMemoEntry {
  int id;           /* SchedExpr id + 1; 0 = empty */
  LLVMValueRef r, c;
  LLVMValueRef val;
} CgMemoEntry;

/* The function being emitted: a kernel, or the task function of one of its row-parallel
 * regions (emitted in the middle of the kernel's, each with its own CgFunc). */
typedef struct CgFunc {
  LLVMValueRef fn;
  LLVMBuilderRef b;    /* the current position */
  LLVMBuilderRef hb;   /* hoisting: positioned at the end of lvl_block[level] on demand */
  LLVMBuilderRef eb;   /* the entry block: allocas and base pointers */
  LLVMValueRef env, x, y, v, out;
  LLVMValueRef data_ptr[64]; /* env->data[k] (loaded in the entry block on first use) */
  LLVMValueRef *data_more;   /* beyond 64 */
  int ndata_more;
  LLVMValueRef work, samples, outs[4];
  LLVMValueRef *sregs;       /* allocas (in a task function: the kernel's copies) */
  /* loop levels */
  int top;                   /* level of the current position */
  LLVMBasicBlockRef lvl_block[3];
  bool flat;                 /* SS_LOOP flattened: r is the flat index */
  /* a task function only: the rows of the current block [rlo, rhi) and the task's partial of
   * every reduction (NULL in a kernel) */
  LLVMValueRef rlo, rhi;
  LLVMValueRef *part;
  const SchedReduce *reds;   /* the region's reductions */
  int64_t block_rows;        /* rows of the region's blocks */
  /* a task function only: the right operands of float skinny products a b' rounded to float
   * once per task, before its blocks (cg_skinny_round_b), for the steps b32_step[] */
  const SchedStep *b32_step[CG_B32_MAX];
  LLVMValueRef b32[CG_B32_MAX];
  int nb32;
  const SchedStep *par; /* a task function only: its region */
} CgFunc;

/* What the code of a skinny product's tile loops depends on besides a, b, c, its rows and
 * alpha (cg_llvm_skinny.c): products with equal keys (cg_skinny_key_eq) share one function. */
typedef struct CgSkinnyKey {
  int64_t m, n, k, lda, ldb, ldc, blockr;
  int trans_a, alpha, beta, fl, vw, ta32, tb32, prefetch;
  int ct; /* c is a transposed partial (SchedBlas.part_trans): n x m, ld m */
  int pft; /* prefetch addresses from a table (cg_gather_row_table): the prefetching a' b of a
              block whose a is a copy of sampled rows (the next block's rows), and an a b' in
              a region over rows read in place (the next block's, or its own) */
  int direct; /* a is read where its rows are in the data (SchedBuf.rows_direct): the function's
                 a is a table of pointers to the block's rows (cg_gather_row_table) */
} CgSkinnyKey;

/* The key of SS_SKINNY_GEMM step st compiled with float data (precision f32) or not, for
 * vectors of vector_bits, in the body of SS_PAR_ROWS region par (NULL: not in a region). */
CgSkinnyKey cg_skinny_key(const SchedStep *st, bool f32, int vector_bits, const SchedStep *par);
/* Whether product st of region par is the one prefetching the next block's rows of its a (the
 * plan's SchedBlas.prefetch, an a' b) and a is a copy of sampled rows: it then reads where they
 * come from in a table (cg_gather_row_table, CgSkinnyKey.pft). */
bool cg_skinny_prefetch_table(const SchedStep *par, const SchedStep *st);
bool cg_skinny_key_eq(const CgSkinnyKey *x, const CgSkinnyKey *y);

/* The skinny-product functions of a JIT module split into parts (one LLVM module each): key i
 * is the function "bloc.skinny<i>", defined in part owner[i] and declared in the others that
 * call it (jit.c decides). */
typedef struct CgSkinnyTable {
  CgSkinnyKey *keys;
  int *owner;
  int n;
} CgSkinnyTable;

/* The module part: what every function of the module shares. */
typedef struct Cg {
  LLVMContextRef ctx;
  LLVMModuleRef mod;
  LLVMTypeRef f64, i64, i32, i1, ptr, voidt, blasint, env_t;
  LLVMValueRef fns[CG_FN_COUNT];
  LLVMTypeRef fn_types[CG_FN_COUNT];
  const char *cpu, *features;
  int vector_bits;           /* 256 or 512: the vector width the loops are generated and
                                vectorised for (jit.c chooses; cg_init sets 256) */
  bool f32;                  /* data tensors are floats (precision f32): loads of SB_DATA
                                widen to double; BLAS steps reading them call rt_f32_gemm */
  LLVMTypeRef f32t;
  bool skinny_inline; /* skinny products' tile loops in place, not in the module's shared
                         functions (JitOptions.skinny_inline) */
  const CgSkinnyTable *sk_table; /* NULL: each module has its own, internal functions */
  int part; /* this module's index in sk_table's owner[] */
  struct CgSkinnyFn *sk_fns; /* the skinny functions defined or declared in the module */
  int nsk_fns;
  bool sparse_call;          /* SS_SPMM steps call the runtime's rt_sparse_mul_par instead of
                                generated loops (SchedOptions.sparse_call) */
  bool vectorize_all; /* every loop left to LLVM's vectoriser (JitOptions.vectorize_all);
                         else some elementwise loops are left scalar (cg_loop_vec) and sampled
                         rows of data are copied by memcpy */
  const SchedXMemo *xmemo; /* the plan's x-memo slots (SchedPlan.xmemo) */
  int nxmemo;
  /* the kernel being emitted */
  const SchedKernel *k;
  double madds; /* its products' multiply-adds (cg_kernel_madds) */
  const char *symbol;        /* the kernel's, for the names of outlined task functions */
  int nregions;
  CgFunc *f;                 /* the function being emitted */
  /* memo of expressions evaluated in the current step: (expr, r, c) -> value */
  CgMemoEntry *memo;
  size_t memo_cap, memo_len;
  /* first error */
  char *err;
  size_t errlen;
  bool failed;
} Cg;

/* Module-level setup: types and context. */
void cg_init(Cg *cg, LLVMContextRef ctx, LLVMModuleRef mod, const char *cpu, const char *features);
void cg_dispose(Cg *cg);

/* The attributes every function of the module carries: target CPU, features, vector width. */
void cg_set_target_attrs(Cg *cg, LLVMValueRef fn);

/* Emit `void symbol(const BloEnv *, const double *x, const double *y, const double *v,
 * double *const *out)` for the plan. Returns 0, or -1 with an internal error in err. */
int cg_kernel(Cg *cg, const SchedKernel *k, const char *symbol, char *err, size_t errlen);

/* ---- shared between cg_llvm.c and cg_llvm_expr.c */
LLVMValueRef cg_fn(Cg *cg, CgFn f, LLVMTypeRef *type);
LLVMValueRef cg_base(Cg *cg, const SchedBuf *b);  /* base pointer (double* or int64*) of a view */
LLVMValueRef cg_addr(Cg *cg, LLVMBuilderRef bd, const SchedBuf *b, CgIx r, CgIx c, LLVMTypeRef elt);
LLVMValueRef cg_const_f64(Cg *cg, double v);
LLVMValueRef cg_const_i64(Cg *cg, int64_t v);
CgIx cg_ix(Cg *cg, int64_t v);
void cg_memo_reset(Cg *cg);
/* An SS_SKINNY_GEMM step at the current position (cg_llvm_skinny.c): the whole product, or in
 * a region body the rows [rlo, rhi). */
void cg_skinny(Cg *cg, const SchedStep *st);
/* For a skinny a b' that computes in float (float data a, double b): b rounded to float into
 * a new stack buffer (n x k) at the current position; else NULL. */
LLVMValueRef cg_skinny_round_b(Cg *cg, const SchedStep *st);
/* In a region's block (a task function), for the copy of sampled rows `gather`
 * (sched_gather_rows): a table of block_rows pointers, filled here, to where rows of the copy
 * are in the data. next false: the block's own rows (entry j: row rlo + j; an index outside the
 * data gives a row of NaN, as the copy holds), read by products that skip the copy
 * (SchedBuf.rows_direct). next true: the rows the next block copies (an index outside the data
 * gives its first row: the addresses are only prefetched, never read). Past the region's last
 * row the last one repeats. */
LLVMValueRef cg_gather_row_table(Cg *cg, const SchedStep *gather, bool next);

/* An SS_SPMM step at the current position (cg_llvm_sparse.c): CSR loops specialised to the
 * product's column count; in a region body only the rows [rlo, rhi) of c. */
void cg_sparse(Cg *cg, const SchedStep *st);

/* ---- elementwise loops left scalar (cg_llvm_scalar.c) */
/* What the loop vectoriser may do with a loop nest's innermost loop. */
typedef enum CgVec {
  CG_VEC_AUTO, /* its choice */
  CG_VEC_NEVER /* not vectorised */
} CgVec;
/* The multiply-adds of kernel k's products (BLAS and skinny; regions included). */
double cg_kernel_madds(const SchedKernel *k);
/* The choice for SS_LOOP step st of the kernel being emitted (cg->madds set). */
CgVec cg_loop_vec(const Cg *cg, const SchedStep *st);
/* Apply vec to the innermost loop whose latch ends with the branch latch_br. */
void cg_loop_hint(Cg *cg, CgVec vec, LLVMValueRef latch_br);

/* ---- vector helpers of the product loops (cg_llvm_skinny.c), shared with cg_llvm_sparse.c */
LLVMTypeRef cg_vty(Cg *cg, int w);   /* <w x double>, or double when w is 1 */
LLVMValueRef cg_vfma(Cg *cg, LLVMValueRef x, LLVMValueRef y, LLVMValueRef acc, int w);
LLVMValueRef cg_splat(Cg *cg, LLVMValueRef s, int w); /* the double s in all w lanes */
/* w elements of type t (float or double) at p, as doubles */
LLVMValueRef cg_vload_t(Cg *cg, LLVMTypeRef t, LLVMValueRef p, int w);
/* for (iv = start; iv < end; iv += step), tested at the top (may run zero times):
 * cg_for_begin returns iv with the builder in the body; cg_for_end closes the loop and leaves
 * the builder after it. */
typedef struct CgLoop {
  LLVMBasicBlockRef pre, head, body, exit;
  LLVMValueRef iv, start;
} CgLoop;
LLVMValueRef cg_for_begin(Cg *cg, CgLoop *L, LLVMValueRef start, LLVMValueRef end);
void cg_for_end(Cg *cg, CgLoop *L, int64_t step);
LLVMValueRef cg_view_ptr(Cg *cg, const SchedBuf *b); /* first element of a view (offset applied) */
/* The same, built with bd; the offset counted in cg_offset_elt (doubles in the work buffer) */
LLVMValueRef cg_view_base(Cg *cg, LLVMBuilderRef bd, const SchedBuf *b);
LLVMTypeRef cg_offset_elt(const Cg *cg, const SchedBuf *b);
bool cg_is_f32(const Cg *cg, const SchedBuf *b);      /* a view of float data (precision f32) */
LLVMTypeRef cg_elt(const Cg *cg, const SchedBuf *b);   /* its element type: float or double */
/* Load the element at p of view b as a double (widening float data). */
LLVMValueRef cg_load_f64(Cg *cg, LLVMBuilderRef bd, const SchedBuf *b, LLVMValueRef p);
LLVMValueRef cg_alpha(Cg *cg, const SchedBlas *b);    /* alpha times the scalar at alpha_buf */
LLVMValueRef cg_exp(Cg *cg, LLVMBuilderRef bd,
                    LLVMValueRef x); /* exp(x), inline (cg_llvm_expr.c) */
/* The value of e at element (r, c); placed at the level of (r, c) (rank-0: level 0). */
LLVMValueRef cg_expr(Cg *cg, const SchedExpr *e, CgIx r, CgIx c);
void cg_fail(Cg *cg, const char *fmt, ...);

#endif
