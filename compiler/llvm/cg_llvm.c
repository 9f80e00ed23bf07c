/* cg_llvm.c — LLVM IR for execution plans: one function per kernel with the ABI signature of
 * runtime/blo_abi.h, loop nests for loop/row/scatter steps, and calls into CBLAS for products.
 * Only reduction accumulations carry fast-math flags (reassoc + contract) so they vectorise;
 * everything else keeps IEEE semantics. */
#define _GNU_SOURCE /* cblas.h needs cpu_set_t */
#include <assert.h>
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/alloc.h"
#include "llvm/cg_llvm.h"

/* ------------------------------------------------------------------ module setup */

void cg_init(Cg *cg, LLVMContextRef ctx, LLVMModuleRef mod, const char *cpu, const char *features) {
  memset(cg, 0, sizeof *cg);
  cg->ctx = ctx;
  cg->mod = mod;
  cg->cpu = cpu;
  cg->features = features;
  cg->vector_bits = 256;
  cg->f64 = LLVMDoubleTypeInContext(ctx);
  cg->f32t = LLVMFloatTypeInContext(ctx);
  cg->i64 = LLVMInt64TypeInContext(ctx);
  cg->i32 = LLVMInt32TypeInContext(ctx);
  cg->i1 = LLVMInt1TypeInContext(ctx);
  cg->ptr = LLVMPointerTypeInContext(ctx, 0);
  cg->voidt = LLVMVoidTypeInContext(ctx);
  cg->blasint = LLVMIntTypeInContext(ctx, (unsigned)(sizeof(blasint) * 8));
  LLVMTypeRef f[4] = {cg->ptr, cg->ptr, cg->ptr,
                      cg->ptr}; /* BloEnv: data, samples, work, backend */
  cg->env_t = LLVMStructTypeInContext(ctx, f, 4, 0);
}

void cg_dispose(Cg *cg) {
  free(cg->memo);
  cg->memo = NULL;
  free(cg->sk_fns);
  cg->sk_fns = NULL;
  cg->nsk_fns = 0;
}

/* ------------------------------------------------------------------ function state */

/* Start emitting fn (its entry and first blocks appended) into the fresh state f, which
 * becomes cg->f. The kernel signature's first five parameters are env, x, y, v, out. */
static void func_begin(Cg *cg, CgFunc *f, LLVMValueRef fn) {
  memset(f, 0, sizeof *f);
  f->fn = fn;
  f->b = LLVMCreateBuilderInContext(cg->ctx);
  f->hb = LLVMCreateBuilderInContext(cg->ctx);
  f->eb = LLVMCreateBuilderInContext(cg->ctx);
  f->env = LLVMGetParam(fn, 0);
  f->x = LLVMGetParam(fn, 1);
  f->y = LLVMGetParam(fn, 2);
  f->v = LLVMGetParam(fn, 3);
  f->out = LLVMGetParam(fn, 4);
  LLVMBasicBlockRef entry = LLVMAppendBasicBlockInContext(cg->ctx, fn, "entry");
  LLVMBasicBlockRef start = LLVMAppendBasicBlockInContext(cg->ctx, fn, "start");
  LLVMPositionBuilderAtEnd(f->eb, entry);
  LLVMPositionBuilderAtEnd(f->b, start);
  cg->f = f;
}

/* Finish f: the entry block falls through to the first block; `caller` (NULL after a
 * kernel) becomes the current function again. */
static void func_end(Cg *cg, CgFunc *f, CgFunc *caller) {
  LLVMBuildBr(f->eb, LLVMGetNextBasicBlock(LLVMGetEntryBasicBlock(f->fn)));
  LLVMDisposeBuilder(f->b);
  LLVMDisposeBuilder(f->hb);
  LLVMDisposeBuilder(f->eb);
  free(f->data_more);
  free(f->sregs);
  cg->f = caller;
  cg_memo_reset(cg); /* memoised values belong to f */
}

static void add_fn_attr(Cg *cg, LLVMValueRef fn, const char *name, uint64_t val) {
  unsigned kind = LLVMGetEnumAttributeKindForName(name, strlen(name));
  LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
                          LLVMCreateEnumAttribute(cg->ctx, kind, val));
}

static LLVMValueRef intrinsic(Cg *cg, const char *name, LLVMTypeRef *type) {
  unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
  if (!id) {
    cg_fail(cg, "LLVM intrinsic %s not found", name);
    return NULL;
  }
  LLVMTypeRef over[1] = {cg->f64};
  *type = LLVMIntrinsicGetType(cg->ctx, id, over, 1);
  return LLVMGetIntrinsicDeclaration(cg->mod, id, over, 1);
}

/* A libm function the JIT resolves through its symbol table: pure, so calls can be hoisted
 * and merged like the intrinsics. */
static LLVMValueRef libm(Cg *cg, const char *name, int nargs, LLVMTypeRef *type) {
  LLVMTypeRef args[2] = {cg->f64, cg->f64};
  *type = LLVMFunctionType(cg->f64, args, (unsigned)nargs, 0);
  LLVMValueRef fn = LLVMGetNamedFunction(cg->mod, name);
  if (fn) return fn;
  fn = LLVMAddFunction(cg->mod, name, *type);
  add_fn_attr(cg, fn, "nounwind", 0);
  add_fn_attr(cg, fn, "willreturn", 0);
  add_fn_attr(cg, fn, "memory", 0); /* memory(none) */
  return fn;
}

static LLVMValueRef blas_fn(Cg *cg, const char *name, LLVMTypeRef *params, unsigned n,
                            LLVMTypeRef *type) {
  *type = LLVMFunctionType(cg->voidt, params, n, 0);
  LLVMValueRef fn = LLVMGetNamedFunction(cg->mod, name);
  if (!fn) {
    fn = LLVMAddFunction(cg->mod, name, *type);
    add_fn_attr(cg, fn, "nounwind", 0);
  }
  return fn;
}

LLVMValueRef cg_fn(Cg *cg, CgFn f, LLVMTypeRef *type) {
  if (cg->fns[f]) {
    *type = cg->fn_types[f];
    return cg->fns[f];
  }
  LLVMValueRef fn = NULL;
  LLVMTypeRef t = NULL;
  LLVMTypeRef Ti = cg->i32, Tn = cg->blasint, Td = cg->f64, Tp = cg->ptr;
  switch (f) {
  case CG_EXP: fn = intrinsic(cg, "llvm.exp", &t); break;
  case CG_LOG: fn = intrinsic(cg, "llvm.log", &t); break;
  case CG_SIN: fn = intrinsic(cg, "llvm.sin", &t); break;
  case CG_COS: fn = intrinsic(cg, "llvm.cos", &t); break;
  case CG_POW: fn = intrinsic(cg, "llvm.pow", &t); break;
  case CG_SQRT: fn = intrinsic(cg, "llvm.sqrt", &t); break;
  case CG_FABS: fn = intrinsic(cg, "llvm.fabs", &t); break;
  case CG_FLOOR: fn = intrinsic(cg, "llvm.floor", &t); break;
  case CG_ROUND: fn = intrinsic(cg, "llvm.round", &t); break;
  case CG_MAXNUM: fn = intrinsic(cg, "llvm.maxnum", &t); break;
  case CG_LOG1P: fn = libm(cg, "log1p", 1, &t); break;
  case CG_TAN: fn = libm(cg, "tan", 1, &t); break;
  case CG_TANH: fn = libm(cg, "tanh", 1, &t); break;
  case CG_ACOS: fn = libm(cg, "acos", 1, &t); break;
  case CG_ASIN: fn = libm(cg, "asin", 1, &t); break;
  case CG_ATAN: fn = libm(cg, "atan", 1, &t); break;
  case CG_ERF: fn = libm(cg, "erf", 1, &t); break;
  case CG_DGEMM: {
    LLVMTypeRef p[14] = {Ti, Ti, Ti, Tn, Tn, Tn, Td, Tp, Tn, Tp, Tn, Td, Tp, Tn};
    fn = blas_fn(cg, "cblas_dgemm", p, 14, &t);
    break;
  }
  case CG_DGEMV: {
    LLVMTypeRef p[12] = {Ti, Ti, Tn, Tn, Td, Tp, Tn, Tp, Tn, Td, Tp, Tn};
    fn = blas_fn(cg, "cblas_dgemv", p, 12, &t);
    break;
  }
  case CG_DSYMV: {
    LLVMTypeRef p[11] = {Ti, Ti, Tn, Td, Tp, Tn, Tp, Tn, Td, Tp, Tn};
    fn = blas_fn(cg, "cblas_dsymv", p, 11, &t);
    break;
  }
  case CG_DGER: {
    LLVMTypeRef p[10] = {Ti, Tn, Tn, Td, Tp, Tn, Tp, Tn, Tp, Tn};
    fn = blas_fn(cg, "cblas_dger", p, 10, &t);
    break;
  }
  case CG_PAR_RUN: {
    LLVMTypeRef p[3] = {Tp, Tp, cg->i64};
    fn = blas_fn(cg, "rt_par_run", p, 3, &t);
    break;
  }
  case CG_PAR_REDUCE: {
    LLVMTypeRef p[10] = {Tp, cg->i64, Tp, cg->i64, cg->i64, cg->i64, cg->i64, Td, Td, Ti};
    fn = blas_fn(cg, "rt_par_reduce", p, 10, &t);
    break;
  }
  case CG_F32_GEMM: {
    LLVMTypeRef Tl = cg->i64;
    LLVMTypeRef p[15] = {Ti, Ti, Tl, Tl, Tl, Td, Tp, Ti, Tl, Tp, Ti, Tl, Td, Tp, Tl};
    fn = blas_fn(cg, "rt_f32_gemm", p, 15, &t);
    break;
  }
  case CG_SPARSE_MUL: { /* rt_par.h: rt_sparse_mul_par(s, idx, rows, trans, n, b, ldb, c, ldc) */
    LLVMTypeRef p[9] = {Tp, Tp, cg->i64, Ti, cg->i64, Tp, cg->i64, Tp, cg->i64};
    fn = blas_fn(cg, "rt_sparse_mul_par", p, 9, &t);
    break;
  }
  case CG_MEMCMP: { /* int memcmp(const void *, const void *, size_t) */
    LLVMTypeRef p[3] = {Tp, Tp, cg->i64};
    t = LLVMFunctionType(cg->i32, p, 3, 0);
    fn = LLVMGetNamedFunction(cg->mod, "memcmp");
    if (!fn) {
      fn = LLVMAddFunction(cg->mod, "memcmp", t);
      add_fn_attr(cg, fn, "nounwind", 0);
      add_fn_attr(cg, fn, "willreturn", 0);
    }
    break;
  }
  case CG_FN_COUNT: break;
  }
  cg->fns[f] = fn;
  cg->fn_types[f] = t;
  *type = t;
  return fn;
}

/* ------------------------------------------------------------------ base pointers */

static LLVMValueRef env_field(Cg *cg, unsigned i, const char *name) {
  LLVMValueRef p = LLVMBuildStructGEP2(cg->f->eb, cg->env_t, cg->f->env, i, "");
  return LLVMBuildLoad2(cg->f->eb, cg->ptr, p, name);
}

LLVMValueRef cg_base(Cg *cg, const SchedBuf *b) {
  switch (b->base) {
  case SB_X: return cg->f->x;
  case SB_Y: return cg->f->y;
  case SB_V: return cg->f->v;
  case SB_DATA: {
    LLVMValueRef *slot = b->index < 64 ? &cg->f->data_ptr[b->index] : NULL;
    if (!slot) {
      if (b->index - 64 >= cg->f->ndata_more) {
        int n = b->index - 64 + 1;
        cg->f->data_more = xrealloc(cg->f->data_more, (size_t)n, sizeof(LLVMValueRef));
        for (int i = cg->f->ndata_more; i < n; i++) cg->f->data_more[i] = NULL;
        cg->f->ndata_more = n;
      }
      slot = &cg->f->data_more[b->index - 64];
    }
    if (!*slot) {
      LLVMValueRef arr = env_field(cg, 0, "data");
      LLVMValueRef i = cg_const_i64(cg, b->index);
      *slot = LLVMBuildLoad2(cg->f->eb, cg->ptr,
                             LLVMBuildInBoundsGEP2(cg->f->eb, cg->ptr, arr, &i, 1, ""), "");
    }
    return *slot;
  }
  case SB_SAMPLE:
    if (!cg->f->samples) cg->f->samples = env_field(cg, 1, "samples");
    return cg->f->samples;
  case SB_WORK:
    if (!cg->f->work) cg->f->work = env_field(cg, 2, "work");
    return cg->f->work;
  case SB_OUT:
    if (b->index < 0 || b->index >= 4) {
      cg_fail(cg, "output slot %d", b->index);
      return cg->f->x;
    }
    if (!cg->f->outs[b->index]) {
      LLVMValueRef i = cg_const_i64(cg, b->index);
      cg->f->outs[b->index] = LLVMBuildLoad2(
          cg->f->eb, cg->ptr, LLVMBuildInBoundsGEP2(cg->f->eb, cg->ptr, cg->f->out, &i, 1, ""), "");
    }
    return cg->f->outs[b->index];
  case SB_SREG: return cg->f->sregs[b->index];
  case SB_XMEMO: {
    if (b->index < 0 || b->index >= cg->nxmemo) {
      cg_fail(cg, "x-memo slot %d of %d", b->index, cg->nxmemo);
      return cg->f->x;
    }
    SchedBuf w = {SB_WORK, -1, 0, 1, false, false};
    LLVMValueRef at = cg_const_i64(cg, cg->xmemo[b->index].at);
    return LLVMBuildInBoundsGEP2(cg->f->eb, cg->f64, cg_base(cg, &w), &at, 1, "xmemo");
  }
  case SB_NONE: break;
  }
  cg_fail(cg, "a plan buffer has no base");
  return cg->f->x;
}

bool cg_is_f32(const Cg *cg, const SchedBuf *b) { return cg->f32 && sched_data_elts(b); }

LLVMTypeRef cg_elt(const Cg *cg, const SchedBuf *b) {
  return cg_is_f32(cg, b) ? cg->f32t : cg->f64;
}

LLVMValueRef cg_load_f64(Cg *cg, LLVMBuilderRef bd, const SchedBuf *b, LLVMValueRef p) {
  LLVMValueRef v = LLVMBuildLoad2(bd, cg_elt(cg, b), p, "");
  return cg_is_f32(cg, b) ? LLVMBuildFPExt(bd, v, cg->f64, "") : v;
}

/* The type the planner counts a view's offset in: its elements, but doubles for a float copy
 * of sampled rows in the work buffer (precision f32), whose buffers the planner places in
 * doubles. Counted in floats, w[8] was byte 32, inside the buffer before it: with 5 sampled
 * rows, lam[B] at w[0..5) lost its last element to the copy of X[B, :], and X[B, :]' lam[B]
 * came out wrong at batch sizes from 5, silently. */
LLVMTypeRef cg_offset_elt(const Cg *cg, const SchedBuf *b) {
  return b->base == SB_WORK ? cg->f64 : cg_elt(cg, b);
}

LLVMValueRef cg_view_base(Cg *cg, LLVMBuilderRef bd, const SchedBuf *b) {
  LLVMValueRef base = cg_base(cg, b);
  if (!b->offset) return base;
  LLVMValueRef i = cg_const_i64(cg, b->offset);
  return LLVMBuildInBoundsGEP2(bd, cg_offset_elt(cg, b), base, &i, 1, "");
}

/* Pointer to the first element of a view (offset applied), for BLAS and memset. */
LLVMValueRef cg_view_ptr(Cg *cg, const SchedBuf *b) { return cg_view_base(cg, cg->f->b, b); }

static LLVMValueRef scalar_ptr(Cg *cg, const SchedBuf *b) {
  if (b->base == SB_SREG) return cg->f->sregs[b->index];
  return cg_view_ptr(cg, b);
}

static LLVMValueRef new_alloca(Cg *cg, LLVMTypeRef t, const char *name) {
  return LLVMBuildAlloca(cg->f->eb, t, name);
}

/* ------------------------------------------------------------------ loops */

typedef struct Loop {
  LLVMBasicBlockRef pre, header, body, exit;
  LLVMValueRef phi, start;
  int level;
} Loop;

/* Start `for (iv = start; iv < end; iv++)` at the current position; the current block becomes
 * the preheader, left open for code hoisted to level-1 until loop_end. */
static CgIx loop_begin_v(Cg *cg, Loop *L, LLVMValueRef start, LLVMValueRef end, int level) {
  L->pre = LLVMGetInsertBlock(cg->f->b);
  L->level = level;
  L->header = LLVMAppendBasicBlockInContext(cg->ctx, cg->f->fn, "head");
  L->body = LLVMAppendBasicBlockInContext(cg->ctx, cg->f->fn, "body");
  L->exit = LLVMAppendBasicBlockInContext(cg->ctx, cg->f->fn, "exit");
  LLVMPositionBuilderAtEnd(cg->f->b, L->header);
  L->phi = LLVMBuildPhi(cg->f->b, cg->i64, "i");
  L->start = start;
  LLVMValueRef cond = LLVMBuildICmp(cg->f->b, LLVMIntSLT, L->phi, end, "");
  LLVMBuildCondBr(cg->f->b, cond, L->body, L->exit);
  LLVMPositionBuilderAtEnd(cg->f->b, L->body);
  cg->f->lvl_block[level - 1] = L->pre;
  cg->f->top = level;
  return (CgIx){L->phi, level};
}

static CgIx loop_begin(Cg *cg, Loop *L, int64_t start, int64_t end, int level) {
  return loop_begin_v(cg, L, cg_const_i64(cg, start), cg_const_i64(cg, end), level);
}

/* Close loop L; returns its latch's branch (for loop metadata). */
static LLVMValueRef loop_end(Cg *cg, Loop *L) {
  LLVMValueRef next = LLVMBuildNSWAdd(cg->f->b, L->phi, cg_const_i64(cg, 1), "");
  LLVMBasicBlockRef latch = LLVMGetInsertBlock(cg->f->b);
  LLVMValueRef br = LLVMBuildBr(cg->f->b, L->header);
  LLVMValueRef vals[2] = {L->start, next};
  LLVMBasicBlockRef blocks[2] = {L->pre, latch};
  LLVMAddIncoming(L->phi, vals, blocks, 2);
  LLVMPositionBuilderAtEnd(cg->f->b, L->pre);
  LLVMBuildBr(cg->f->b, L->header);
  LLVMPositionBuilderAtEnd(cg->f->b, L->exit);
  cg->f->top = L->level - 1;
  return br;
}

/* Close the innermost loop L of a nest, with what the vectoriser may do with it. */
static void inner_end(Cg *cg, Loop *L, CgVec vec) { cg_loop_hint(cg, vec, loop_end(cg, L)); }

/* A reduction accumulation: acc = acc (op) v with reassociation allowed. */
static LLVMValueRef fadd_reassoc(Cg *cg, LLVMValueRef a, LLVMValueRef v) {
  LLVMValueRef s = LLVMBuildFAdd(cg->f->b, a, v, "");
  LLVMSetFastMathFlags(s, LLVMFastMathAllowReassoc | LLVMFastMathAllowContract);
  return s;
}

static void accumulate(Cg *cg, LLVMValueRef acc, LLVMValueRef v) {
  LLVMValueRef old = LLVMBuildLoad2(cg->f->b, cg->f64, acc, "");
  LLVMBuildStore(cg->f->b, fadd_reassoc(cg, old, v), acc);
}

static void zero_fill(Cg *cg, const SchedBuf *b, int64_t n) {
  if (n <= 0) return;
  LLVMBuildMemSet(cg->f->b, cg_view_ptr(cg, b), LLVMConstInt(LLVMInt8TypeInContext(cg->ctx), 0, 0),
                  cg_const_i64(cg, n * (int64_t)sizeof(double)), 8);
}

/* The loop nest of a domain: calls body(r, c) inside. 1x1 domains have no loop; vectors and
 * flat loops one loop (r); matrices two (r outer, c inner). */
typedef void (*BodyFn)(Cg *cg, const SchedStep *st, CgIx r, CgIx c, void *ctx);

/* The row range of a step: all rows, or the current block's inside a region body. */
static LLVMValueRef row_lo(Cg *cg) { return cg->f->rlo ? cg->f->rlo : cg_const_i64(cg, 0); }
static LLVMValueRef row_hi(Cg *cg, const SchedStep *st) {
  return cg->f->rhi ? cg->f->rhi : cg_const_i64(cg, st->rows);
}

static void nest(Cg *cg, const SchedStep *st, bool flat, CgVec vec, BodyFn body, void *ctx) {
  CgIx z = cg_ix(cg, 0);
  cg->f->flat = false;
  if (st->rows == 1 && st->cols == 1 && !cg->f->rlo) {
    body(cg, st, z, z, ctx);
    return;
  }
  if (st->cols == 1 || flat) {
    Loop L;
    cg->f->flat = flat;
    LLVMValueRef lo = row_lo(cg), hi = row_hi(cg, st);
    if (st->cols > 1) {
      LLVMValueRef nc = cg_const_i64(cg, st->cols);
      lo = LLVMBuildNSWMul(cg->f->b, lo, nc, "");
      hi = LLVMBuildNSWMul(cg->f->b, hi, nc, "");
    }
    CgIx r = loop_begin_v(cg, &L, lo, hi, 1);
    body(cg, st, r, z, ctx);
    inner_end(cg, &L, vec);
    cg->f->flat = false;
    return;
  }
  Loop Lr, Lc;
  CgIx r = loop_begin_v(cg, &Lr, row_lo(cg), row_hi(cg, st), 1);
  CgIx c = loop_begin(cg, &Lc, 0, st->cols, 2);
  body(cg, st, r, c, ctx);
  inner_end(cg, &Lc, vec);
  loop_end(cg, &Lr);
}

/* ------------------------------------------------------------------ loop steps */

static void store_at(Cg *cg, const SchedBuf *d, CgIx r, CgIx c, LLVMValueRef v) {
  if (d->base == SB_SREG) {
    LLVMBuildStore(cg->f->b, v, cg->f->sregs[d->index]);
    return;
  }
  LLVMTypeRef elt = cg_elt(cg, d); /* floats: copies of float data rows */
  if (elt != cg->f64) v = LLVMBuildFPTrunc(cg->f->b, v, elt, "");
  LLVMBuildStore(cg->f->b, v, cg_addr(cg, cg->f->b, d, r, c, elt));
}

static void loop_body(Cg *cg, const SchedStep *st, CgIx r, CgIx c, void *ctx) {
  LLVMValueRef *acc = ctx;
  CgIx z = cg_ix(cg, 0);
  for (int i = 0; i < st->nitems; i++) {
    const SchedItem *it = &st->items[i];
    LLVMValueRef v = cg_expr(cg, it->expr, r, c);
    switch (it->kind) {
    case SI_WRITE: store_at(cg, &it->dest, r, c, v); break;
    case SI_SUM: accumulate(cg, acc[i], v); break;
    case SI_SUM_COLS: {
      CgIx col = cg->f->flat ? z : c;
      LLVMValueRef p = it->part ? LLVMBuildInBoundsGEP2(cg->f->b, cg->f64,
                                                        cg->f->part[it->part - 1], &col.v, 1, "")
                                : cg_addr(cg, cg->f->b, &it->dest, col, z, cg->f64);
      LLVMValueRef old = LLVMBuildLoad2(cg->f->b, cg->f64, p, "");
      LLVMBuildStore(cg->f->b, LLVMBuildFAdd(cg->f->b, old, v, ""), p);
      break;
    }
    default: cg_fail(cg, "item kind %d in a loop step", (int)it->kind); break;
    }
  }
}

static LLVMValueRef imin(Cg *cg, LLVMValueRef a, LLVMValueRef b);

/* A row of `cols` NaNs of type elt, a constant of the module: where a table of the block's
 * rows points for an index outside the data. */
static LLVMValueRef nan_row(Cg *cg, LLVMTypeRef elt, int64_t cols) {
  char name[64];
  snprintf(name, sizeof name, "bloc.nan_row.%s%lld", elt == cg->f64 ? "d" : "f", (long long)cols);
  LLVMValueRef g = LLVMGetNamedGlobal(cg->mod, name);
  if (g) return g;
  LLVMValueRef *v = xcalloc((size_t)cols, sizeof *v);
  for (int64_t c = 0; c < cols; c++) v[c] = LLVMConstReal(elt, NAN);
  LLVMTypeRef t = LLVMArrayType2(elt, (uint64_t)cols);
  g = LLVMAddGlobal(cg->mod, t, name);
  LLVMSetInitializer(g, LLVMConstArray2(elt, v, (uint64_t)cols));
  free(v);
  LLVMSetGlobalConstant(g, 1);
  LLVMSetLinkage(g, LLVMPrivateLinkage);
  LLVMSetAlignment(g, 64);
  return g;
}

LLVMValueRef cg_gather_row_table(Cg *cg, const SchedStep *gather, bool next) {
  LLVMBuilderRef b = cg->f->b;
  const SchedExpr *e = gather->items[0].expr, *a = e->args[0], *samples = e->args[1];
  LLVMValueRef tab = LLVMBuildArrayAlloca(cg->f->eb, cg->ptr, cg_const_i64(cg, cg->f->block_rows),
                                          next ? "next" : "rows");
  LLVMTypeRef elt = cg_elt(cg, &a->buf);
  CgIx z = cg_ix(cg, 0);
  Loop Lj;
  CgIx j = loop_begin(cg, &Lj, 0, cg->f->block_rows, 1);
  LLVMValueRef r = LLVMBuildNSWAdd(b, next ? cg->f->rhi : cg->f->rlo, j.v, "");
  r = imin(cg, r, cg_const_i64(cg, gather->rows - 1));
  LLVMValueRef row =
      LLVMBuildLoad2(b, cg->i64, cg_addr(cg, b, &samples->buf, (CgIx){r, 1}, z, cg->i64), "");
  LLVMValueRef in = LLVMBuildICmp(b, LLVMIntULT, row, cg_const_i64(cg, a->shape.rows), "");
  LLVMValueRef src = cg_addr(
      cg, b, &a->buf, (CgIx){LLVMBuildSelect(b, in, row, cg_const_i64(cg, 0), ""), 1}, z, elt);
  if (!next) src = LLVMBuildSelect(b, in, src, nan_row(cg, elt, gather->cols), "");
  LLVMBuildStore(b, src, LLVMBuildInBoundsGEP2(b, cg->ptr, tab, &j.v, 1, ""));
  inner_end(cg, &Lj, CG_VEC_NEVER);
  return tab;
}

/* A loop that only copies sampled rows of a data matrix, w(r, :) = X(samples(r), :) (a minibatch
 * before its products, when something else than they reads them: SchedBuf.rows_direct), as
 * one memcpy per row: the general loop's vector body, remainder and
 * alias checks cost compile time (7% of hyperclean_minibatch's IR) for what is a row copy. The
 * same values: an index outside X's rows gives a row of NaN, as in the general code
 * (cg_llvm_expr.c, IR_GATHER). Returns false, emitting nothing, for any other loop. */
static bool emit_gather_rows(Cg *cg, const SchedStep *st) {
  if (!sched_gather_rows(st, NULL)) return false;
  const SchedItem *it = &st->items[0];
  const SchedExpr *e = it->expr, *a = e->args[0];
  if (cg_elt(cg, &a->buf) != cg_elt(cg, &it->dest)) return false; /* f32 data into doubles */
  LLVMBuilderRef b = cg->f->b;
  LLVMTypeRef elt = cg_elt(cg, &it->dest);
  CgIx z = cg_ix(cg, 0);
  Loop Lr;
  CgIx r = loop_begin_v(cg, &Lr, row_lo(cg), row_hi(cg, st), 1);
  LLVMValueRef row =
      LLVMBuildLoad2(b, cg->i64, cg_addr(cg, b, &e->args[1]->buf, r, z, cg->i64), "");
  LLVMValueRef in = LLVMBuildICmp(b, LLVMIntULT, row, cg_const_i64(cg, a->shape.rows), "");
  LLVMValueRef dst = cg_addr(cg, b, &it->dest, r, z, elt);
  LLVMBasicBlockRef copy = LLVMAppendBasicBlockInContext(cg->ctx, cg->f->fn, "gcopy"),
                    fill = LLVMAppendBasicBlockInContext(cg->ctx, cg->f->fn, "gnan"),
                    join = LLVMAppendBasicBlockInContext(cg->ctx, cg->f->fn, "gjoin");
  LLVMBuildCondBr(b, in, copy, fill);
  LLVMPositionBuilderAtEnd(b, copy);
  LLVMValueRef src = cg_addr(cg, b, &a->buf, (CgIx){row, 1}, z, elt);
  unsigned size = elt == cg->f64 ? 8 : 4;
  LLVMBuildMemCpy(b, dst, size, src, size, cg_const_i64(cg, st->cols * (int64_t)size));
  LLVMBuildBr(b, join);
  LLVMPositionBuilderAtEnd(b, fill);
  Loop Lc;
  CgIx c = loop_begin(cg, &Lc, 0, st->cols, 2);
  LLVMBuildStore(b, LLVMConstReal(elt, NAN), cg_addr(cg, b, &it->dest, r, c, elt));
  inner_end(cg, &Lc, CG_VEC_NEVER);
  LLVMBuildBr(b, join);
  LLVMPositionBuilderAtEnd(b, join);
  loop_end(cg, &Lr);
  return true;
}

static void emit_loop(Cg *cg, const SchedStep *st) {
  const SchedBuf *copy;
  /* a copy nothing reads: its products read the rows in the data (cg_gather_row_table) */
  if (cg->f->rlo && sched_gather_rows(st, &copy) && copy->rows_direct) return;
  if (!cg->vectorize_all && emit_gather_rows(cg, st)) return;
  LLVMValueRef *acc = xcalloc((size_t)st->nitems + 1, sizeof(LLVMValueRef));
  for (int i = 0; i < st->nitems; i++) {
    const SchedItem *it = &st->items[i];
    if (it->kind == SI_SUM) {
      acc[i] = new_alloca(cg, cg->f64, "acc");
      LLVMBuildStore(cg->f->b, cg_const_f64(cg, 0), acc[i]);
    } else if (it->kind == SI_SUM_COLS &&
               !it->part) { /* a partial is zeroed when its task starts */
      zero_fill(cg, &it->dest, it->dest_rows);
    }
  }
  nest(cg, st, st->flat, cg_loop_vec(cg, st), loop_body, acc);
  for (int i = 0; i < st->nitems; i++) {
    if (!acc[i]) continue;
    LLVMValueRef v = LLVMBuildLoad2(cg->f->b, cg->f64, acc[i], "");
    if (st->items[i].part) { /* the block's sum joins the task's partial */
      LLVMValueRef p = cg->f->part[st->items[i].part - 1];
      LLVMValueRef sum = LLVMBuildFAdd(cg->f->b, LLVMBuildLoad2(cg->f->b, cg->f64, p, ""), v, "");
      LLVMBuildStore(cg->f->b, sum, p);
    } else {
      LLVMBuildStore(cg->f->b, v, scalar_ptr(cg, &st->items[i].dest));
    }
  }
  free(acc);
}

/* logsumexp over c (row r fixed) or over the whole domain: max pass, then sum of exp. */
typedef struct LseCtx {
  const SchedExpr *e;
  LLVMValueRef acc, mx; /* allocas */
  LLVMValueRef mxv;     /* the max, in the sum pass */
  bool pass2;
} LseCtx;

static void lse_body(Cg *cg, const SchedStep *st, CgIx r, CgIx c, void *ctx) {
  (void)st;
  LseCtx *l = ctx;
  LLVMValueRef v = cg_expr(cg, l->e, r, c);
  if (!l->pass2) {
    LLVMValueRef old = LLVMBuildLoad2(cg->f->b, cg->f64, l->mx, "");
    LLVMTypeRef t;
    LLVMValueRef fn = cg_fn(cg, CG_MAXNUM, &t);
    LLVMValueRef args[2] = {old, v};
    LLVMBuildStore(cg->f->b, LLVMBuildCall2(cg->f->b, t, fn, args, 2, ""), l->mx);
  } else {
    LLVMValueRef d = LLVMBuildFSub(cg->f->b, v, l->mxv, "");
    accumulate(cg, l->acc, cg_exp(cg, cg->f->b, d));
  }
}

/* mx + log(s), or mx itself when mx is infinite (all -inf: -inf; any +inf: +inf), as eval.c */
static LLVMValueRef lse_finish(Cg *cg, LLVMValueRef mx, LLVMValueRef s) {
  LLVMTypeRef t;
  LLVMValueRef fabs_fn = cg_fn(cg, CG_FABS, &t);
  LLVMValueRef a = LLVMBuildCall2(cg->f->b, t, fabs_fn, &mx, 1, "");
  LLVMValueRef isinf_ = LLVMBuildFCmp(cg->f->b, LLVMRealOEQ, a, cg_const_f64(cg, INFINITY), "");
  LLVMValueRef log_fn = cg_fn(cg, CG_LOG, &t);
  LLVMValueRef lg = LLVMBuildCall2(cg->f->b, t, log_fn, &s, 1, "");
  return LLVMBuildSelect(cg->f->b, isinf_, mx, LLVMBuildFAdd(cg->f->b, mx, lg, ""), "");
}

static void emit_lse(Cg *cg, const SchedStep *st) {
  const SchedItem *it = &st->items[0];
  LseCtx l = {it->expr, new_alloca(cg, cg->f64, "s"), new_alloca(cg, cg->f64, "mx"), NULL, false};
  LLVMBuildStore(cg->f->b, cg_const_f64(cg, -INFINITY), l.mx);
  nest(cg, st, false, CG_VEC_AUTO, lse_body, &l);
  l.mxv = LLVMBuildLoad2(cg->f->b, cg->f64, l.mx, "");
  l.pass2 = true;
  LLVMBuildStore(cg->f->b, cg_const_f64(cg, 0), l.acc);
  nest(cg, st, false, CG_VEC_AUTO, lse_body, &l);
  LLVMValueRef s = LLVMBuildLoad2(cg->f->b, cg->f64, l.acc, "");
  LLVMBuildStore(cg->f->b, lse_finish(cg, l.mxv, s), scalar_ptr(cg, &it->dest));
}

/* Row reductions: for each row, each item runs its own inner loop(s) over the columns. */
static void emit_rows(Cg *cg, const SchedStep *st) {
  LLVMValueRef acc = new_alloca(cg, cg->f64, "acc"), mx = new_alloca(cg, cg->f64, "mx");
  LLVMValueRef best = new_alloca(cg, cg->i64, "best");
  Loop Lr;
  CgIx z = cg_ix(cg, 0);
  cg->f->flat = false;
  CgIx r = loop_begin_v(cg, &Lr, row_lo(cg), row_hi(cg, st), 1);
  for (int i = 0; i < st->nitems; i++) {
    const SchedItem *it = &st->items[i];
    LLVMValueRef res = NULL;
    Loop Lc;
    if (it->kind == SI_ROW_SUM) {
      LLVMBuildStore(cg->f->b, cg_const_f64(cg, 0), acc);
      CgIx c = loop_begin(cg, &Lc, 0, st->cols, 2);
      accumulate(cg, acc, cg_expr(cg, it->expr, r, c));
      loop_end(cg, &Lc);
      res = LLVMBuildLoad2(cg->f->b, cg->f64, acc, "");
    } else if (it->kind == SI_ROW_LSE) {
      LLVMBuildStore(cg->f->b, cg_const_f64(cg, -INFINITY), mx);
      CgIx c = loop_begin(cg, &Lc, 0, st->cols, 2);
      LseCtx l = {it->expr, acc, mx, NULL, false};
      lse_body(cg, st, r, c, &l);
      loop_end(cg, &Lc);
      l.mxv = LLVMBuildLoad2(cg->f->b, cg->f64, mx, "");
      l.pass2 = true;
      LLVMBuildStore(cg->f->b, cg_const_f64(cg, 0), acc);
      c = loop_begin(cg, &Lc, 0, st->cols, 2);
      lse_body(cg, st, r, c, &l);
      loop_end(cg, &Lc);
      res = lse_finish(cg, l.mxv, LLVMBuildLoad2(cg->f->b, cg->f64, acc, ""));
    } else if (it->kind == SI_ROW_ARGMAX) {
      /* first maximum: start at column 0, replace only on a strictly greater value */
      LLVMBuildStore(cg->f->b, cg_expr(cg, it->expr, r, z), mx);
      LLVMBuildStore(cg->f->b, cg_const_i64(cg, 0), best);
      CgIx c = loop_begin(cg, &Lc, 1, st->cols, 2);
      LLVMValueRef v = cg_expr(cg, it->expr, r, c);
      LLVMValueRef bv = LLVMBuildLoad2(cg->f->b, cg->f64, mx, "");
      LLVMValueRef gt = LLVMBuildFCmp(cg->f->b, LLVMRealOGT, v, bv, "");
      LLVMBuildStore(cg->f->b, LLVMBuildSelect(cg->f->b, gt, v, bv, ""), mx);
      LLVMValueRef bi = LLVMBuildLoad2(cg->f->b, cg->i64, best, "");
      LLVMBuildStore(cg->f->b, LLVMBuildSelect(cg->f->b, gt, c.v, bi, ""), best);
      loop_end(cg, &Lc);
      res = LLVMBuildSIToFP(cg->f->b, LLVMBuildLoad2(cg->f->b, cg->i64, best, ""), cg->f64, "");
    } else {
      cg_fail(cg, "item kind %d in a rows step", (int)it->kind);
      break;
    }
    store_at(cg, &it->dest, r, z, res);
  }
  loop_end(cg, &Lr);
}

/* dest = 0; for each row r with idx[r] in range: dest(idx[r], :) += expr(r, :) */
static void emit_scatter(Cg *cg, const SchedStep *st) {
  const SchedItem *it = &st->items[0];
  CgIx z = cg_ix(cg, 0);
  zero_fill(cg, &it->dest, it->dest_rows * it->dest_cols);
  cg->f->flat = false;
  Loop Lr;
  CgIx r = loop_begin(cg, &Lr, 0, st->rows, 1);
  LLVMValueRef row =
      LLVMBuildLoad2(cg->f->b, cg->i64, cg_addr(cg, cg->f->b, &it->idx, r, z, cg->i64), "");
  LLVMValueRef in = LLVMBuildICmp(cg->f->b, LLVMIntULT, row, cg_const_i64(cg, it->idx_limit), "");
  LLVMBasicBlockRef doit = LLVMAppendBasicBlockInContext(cg->ctx, cg->f->fn, "scatter");
  LLVMBasicBlockRef next = LLVMAppendBasicBlockInContext(cg->ctx, cg->f->fn, "next");
  LLVMBuildCondBr(cg->f->b, in, doit, next);
  LLVMPositionBuilderAtEnd(cg->f->b, doit);
  CgIx dr = {row, 1};
  if (st->cols == 1) {
    LLVMValueRef v = cg_expr(cg, it->expr, r, z);
    LLVMValueRef p = cg_addr(cg, cg->f->b, &it->dest, dr, z, cg->f64);
    LLVMValueRef sum = LLVMBuildFAdd(cg->f->b, LLVMBuildLoad2(cg->f->b, cg->f64, p, ""), v, "");
    LLVMBuildStore(cg->f->b, sum, p);
  } else {
    Loop Lc;
    CgIx c = loop_begin(cg, &Lc, 0, st->cols, 2);
    LLVMValueRef v = cg_expr(cg, it->expr, r, c);
    LLVMValueRef p = cg_addr(cg, cg->f->b, &it->dest, dr, c, cg->f64);
    LLVMValueRef sum = LLVMBuildFAdd(cg->f->b, LLVMBuildLoad2(cg->f->b, cg->f64, p, ""), v, "");
    LLVMBuildStore(cg->f->b, sum, p);
    loop_end(cg, &Lc);
  }
  LLVMBuildBr(cg->f->b, next);
  LLVMPositionBuilderAtEnd(cg->f->b, next);
  loop_end(cg, &Lr);
}

/* ------------------------------------------------------------------ BLAS steps */

static LLVMValueRef bi(Cg *cg, int64_t v) {
  return LLVMConstInt(cg->blasint, (unsigned long long)v, 1);
}
static LLVMValueRef ci(Cg *cg, int v) { return LLVMConstInt(cg->i32, (unsigned long long)v, 1); }

LLVMValueRef cg_alpha(Cg *cg, const SchedBlas *b) {
  LLVMValueRef a = cg_const_f64(cg, b->alpha);
  if (b->alpha_buf.base == SB_NONE) return a;
  LLVMValueRef s = cg_load_f64(cg, cg->f->b, &b->alpha_buf, scalar_ptr(cg, &b->alpha_buf));
  return b->alpha == 1 ? s : LLVMBuildFMul(cg->f->b, a, s, "");
}

static int64_t ld_or_1(int64_t ld) { return ld > 1 ? ld : 1; }

static bool fits_blasint(int64_t v) { return sizeof(blasint) >= 8 || (v >= 0 && v <= INT32_MAX); }

static void emit_blas(Cg *cg, const SchedStep *st) {
  const SchedBlas *b = &st->blas;
  if (!fits_blasint(b->m) || !fits_blasint(b->n) || !fits_blasint(b->k) || !fits_blasint(b->a.ld) ||
      !fits_blasint(b->b.ld) || !fits_blasint(b->c.ld)) {
    cg_fail(cg, "a matrix dimension of %lld x %lld exceeds the BLAS integer type", (long long)b->m,
            (long long)b->n);
    return;
  }
  LLVMTypeRef t;
  LLVMValueRef alpha = cg_alpha(cg, b), beta = cg_const_f64(cg, b->beta);
  LLVMValueRef pa = cg_view_ptr(cg, &b->a), pb = cg_view_ptr(cg, &b->b),
               pc = cg_view_ptr(cg, &b->c);
  if (cg_is_f32(cg, &b->a) || cg_is_f32(cg, &b->b)) { /* float data: rt_f32_gemm */
    SchedGemm g = sched_as_gemm(st);
    LLVMValueRef fn = cg_fn(cg, CG_F32_GEMM, &t);
    LLVMValueRef args[15] = {ci(cg, g.trans_a), ci(cg, g.trans_b), cg_const_i64(cg, g.m),
                             cg_const_i64(cg, g.n), cg_const_i64(cg, g.k), alpha, pa,
                             ci(cg, cg_is_f32(cg, &b->a)), cg_const_i64(cg, g.lda), pb,
                             ci(cg, cg_is_f32(cg, &b->b)), cg_const_i64(cg, g.ldb), beta, pc,
                             cg_const_i64(cg, g.ldc)};
    LLVMBuildCall2(cg->f->b, t, fn, args, 15, "");
    return;
  }
  if (st->kind == SS_GEMM) {
    LLVMValueRef fn = cg_fn(cg, CG_DGEMM, &t);
    /* stored widths: op(A) is m x k, so A is m x k (k x m when transposed) */
    int64_t lda = ld_or_1(b->a.ld), ldb = ld_or_1(b->b.ld), ldc = ld_or_1(b->c.ld);
    LLVMValueRef args[14] = {ci(cg, CblasRowMajor),
                             ci(cg, b->trans_a ? CblasTrans : CblasNoTrans),
                             ci(cg, b->trans_b ? CblasTrans : CblasNoTrans),
                             bi(cg, b->m),
                             bi(cg, b->n),
                             bi(cg, b->k),
                             alpha,
                             pa,
                             bi(cg, lda),
                             pb,
                             bi(cg, ldb),
                             beta,
                             pc,
                             bi(cg, ldc)};
    LLVMBuildCall2(cg->f->b, t, fn, args, 14, "");
  } else if (st->kind == SS_GEMV) {
    LLVMValueRef fn = cg_fn(cg, CG_DGEMV, &t);
    LLVMValueRef args[12] = {ci(cg, CblasRowMajor),
                             ci(cg, b->trans_a ? CblasTrans : CblasNoTrans),
                             bi(cg, b->m),
                             bi(cg, b->n),
                             alpha,
                             pa,
                             bi(cg, ld_or_1(b->a.ld)),
                             pb,
                             bi(cg, 1),
                             beta,
                             pc,
                             bi(cg, 1)};
    LLVMBuildCall2(cg->f->b, t, fn, args, 12, "");
  } else if (st->kind == SS_SYMV) {
    LLVMValueRef fn = cg_fn(cg, CG_DSYMV, &t);
    LLVMValueRef args[11] = {ci(cg, CblasRowMajor), ci(cg, CblasUpper), bi(cg, b->m), alpha, pa,
                             bi(cg, ld_or_1(b->a.ld)), pb, bi(cg, 1), beta, pc, bi(cg, 1)};
    LLVMBuildCall2(cg->f->b, t, fn, args, 11, "");
  } else {
    LLVMValueRef fn = cg_fn(cg, CG_DGER, &t);
    LLVMValueRef args[10] = {ci(cg, CblasRowMajor),
                             bi(cg, b->m),
                             bi(cg, b->n),
                             alpha,
                             pa,
                             bi(cg, 1),
                             pb,
                             bi(cg, 1),
                             pc,
                             bi(cg, ld_or_1(b->c.ld))};
    LLVMBuildCall2(cg->f->b, t, fn, args, 10, "");
  }
}

/* SS_SPMM: the generated CSR loops (cg_llvm_sparse.c), or with sched.sparse_call the runtime's
 * CSR product, split over threads by rows of c (rt_par.h); sampled rows of sharded data
 * (global rows: a few of the rank's) always the loops. */
static void emit_sparse(Cg *cg, const SchedStep *st) {
  if (!cg->sparse_call || st->blas.idx_rows > 0) {
    cg_sparse(cg, st);
    return;
  }
  const SchedBlas *b = &st->blas;
  LLVMTypeRef t;
  LLVMValueRef fn = cg_fn(cg, CG_SPARSE_MUL, &t);
  LLVMValueRef idx = b->idx.base == SB_NONE ? LLVMConstNull(cg->ptr) : cg_view_ptr(cg, &b->idx);
  LLVMValueRef args[9] = {cg_view_ptr(cg, &b->a), idx, cg_const_i64(cg, b->m),
                          ci(cg, b->trans_a),     cg_const_i64(cg, b->n), cg_view_ptr(cg, &b->b),
                          cg_const_i64(cg, b->b.ld), cg_view_ptr(cg, &b->c),
                          cg_const_i64(cg, b->c.ld)};
  LLVMBuildCall2(cg->f->b, t, fn, args, 9, "");
}

/* ------------------------------------------------------------------ row-parallel regions */

static void emit_step(Cg *cg, const SchedStep *st);

void cg_set_target_attrs(Cg *cg, LLVMValueRef fn) {
  add_fn_attr(cg, fn, "nounwind", 0);
  if (cg->cpu && *cg->cpu) LLVMAddTargetDependentFunctionAttr(fn, "target-cpu", cg->cpu);
  if (cg->features && *cg->features)
    LLVMAddTargetDependentFunctionAttr(fn, "target-features", cg->features);
  /* LLVM tunes AVX-512 Intel cores to prefer 256-bit vectors (512-bit code may lower the
   * clock); the JIT measured which pays (jit.c, doc/performance.md) and says so here */
  if (cg->vector_bits == 512) {
    LLVMAddTargetDependentFunctionAttr(fn, "prefer-vector-width", "512");
    LLVMAddTargetDependentFunctionAttr(fn, "min-legal-vector-width", "512");
  }
}

static LLVMValueRef gep(Cg *cg, LLVMValueRef base, LLVMValueRef idx) {
  return LLVMBuildInBoundsGEP2(cg->f->b, cg->f64, base, &idx, 1, "");
}

static LLVMValueRef imin(Cg *cg, LLVMValueRef a, LLVMValueRef b) {
  return LLVMBuildSelect(cg->f->b, LLVMBuildICmp(cg->f->b, LLVMIntSLT, a, b, ""), a, b, "");
}

/* The task function of a region: `void body(env, x, y, v, out, sregs, task)` runs task `task`
 * (its rows, block by block, every body step per block) into its own partials; a
 * trampoline `void tramp(ctx, task)` unpacks the pointers rt_par_run passes as ctx. The body
 * keeps the kernel's noalias/readonly parameters, so its loops vectorise as the kernel's do. */
static LLVMValueRef emit_task_fn(Cg *cg, const SchedStep *par, LLVMValueRef *body_out) {
  char name[160];
  int idx = cg->nregions++;
  snprintf(name, sizeof name, "%s.par%d.body", cg->symbol ? cg->symbol : "bloc", idx);
  LLVMTypeRef bp[7] = {cg->ptr, cg->ptr, cg->ptr, cg->ptr, cg->ptr, cg->ptr, cg->i64};
  LLVMTypeRef bt = LLVMFunctionType(cg->voidt, bp, 7, 0);
  LLVMValueRef body =
      LLVMAddFunction(cg->mod, name, bt); /* external: profilers can find it (jit.c) */
  cg_set_target_attrs(cg, body);
  unsigned noalias = LLVMGetEnumAttributeKindForName("noalias", 7);
  unsigned readonly = LLVMGetEnumAttributeKindForName("readonly", 8);
  for (unsigned i = 1; i <= 6; i++) {
    if (i != 5) LLVMAddAttributeAtIndex(body, i, LLVMCreateEnumAttribute(cg->ctx, noalias, 0));
    LLVMAddAttributeAtIndex(body, i, LLVMCreateEnumAttribute(cg->ctx, readonly, 0));
  }
  CgFunc *caller = cg->f, task_fn;
  func_begin(cg, &task_fn, body);
  LLVMValueRef sregs = LLVMGetParam(body, 5), task = LLVMGetParam(body, 6);
  int ns = cg->k->nsregs;
  cg->f->sregs = xcalloc((size_t)ns + 1, sizeof(LLVMValueRef));
  for (int i = 0; i < ns; i++) { /* the kernel's scalars, read-only in a region */
    LLVMValueRef ix = cg_const_i64(cg, i);
    cg->f->sregs[i] = LLVMBuildInBoundsGEP2(cg->f->eb, cg->f64, sregs, &ix, 1, "");
  }
  /* rows of the task; its partials, zeroed */
  LLVMValueRef lo = LLVMBuildNSWMul(cg->f->b, task, cg_const_i64(cg, par->task_rows), "lo");
  LLVMValueRef hi = imin(cg, LLVMBuildNSWAdd(cg->f->b, lo, cg_const_i64(cg, par->task_rows), ""),
                         cg_const_i64(cg, par->rows));
  LLVMValueRef *part = xcalloc((size_t)par->nreds + 1, sizeof(LLVMValueRef));
  for (int r = 0; r < par->nreds; r++) {
    const SchedReduce *rd = &par->reds[r];
    LLVMValueRef off = LLVMBuildNSWMul(cg->f->b, task, cg_const_i64(cg, rd->stride), "");
    part[r] = gep(cg, cg_view_ptr(cg, &rd->part), off);
    LLVMBuildMemSet(cg->f->b, part[r], LLVMConstInt(LLVMInt8TypeInContext(cg->ctx), 0, 0),
                    cg_const_i64(cg, rd->rows * rd->cols * (int64_t)sizeof(double)), 8);
  }
  /* float a b' (precision f32): b rounded once per task, not per block */
  for (int i = 0; i < par->nbody && cg->f->nb32 < CG_B32_MAX; i++) {
    LLVMValueRef b32 = cg_skinny_round_b(cg, &par->body[i]);
    if (!b32) continue;
    cg->f->b32_step[cg->f->nb32] = &par->body[i];
    cg->f->b32[cg->f->nb32++] = b32;
  }
  /* for (b0 = lo; b0 < hi; b0 += block_rows): every body step on rows [b0, min(b0 + block, hi)) */
  LLVMBasicBlockRef pre = LLVMGetInsertBlock(cg->f->b);
  LLVMBasicBlockRef blk = LLVMAppendBasicBlockInContext(cg->ctx, body, "block");
  LLVMBuildBr(cg->f->b, blk);
  LLVMPositionBuilderAtEnd(cg->f->b, blk);
  LLVMValueRef b0 = LLVMBuildPhi(cg->f->b, cg->i64, "b0");
  LLVMValueRef b1 =
      imin(cg, LLVMBuildNSWAdd(cg->f->b, b0, cg_const_i64(cg, par->block_rows), ""), hi);
  cg->f->rlo = b0;
  cg->f->rhi = b1;
  cg->f->part = part;
  cg->f->reds = par->reds;
  cg->f->block_rows = par->block_rows;
  cg->f->par = par;
  for (int i = 0; i < par->nbody && !cg->failed; i++) {
    cg_memo_reset(cg);
    cg->f->top = 0;
    emit_step(cg, &par->body[i]);
  }
  LLVMBasicBlockRef latch = LLVMGetInsertBlock(cg->f->b);
  LLVMValueRef more = LLVMBuildICmp(cg->f->b, LLVMIntSLT, b1, hi, "");
  LLVMBasicBlockRef done = LLVMAppendBasicBlockInContext(cg->ctx, body, "done");
  LLVMBuildCondBr(cg->f->b, more, blk, done);
  LLVMValueRef inc[2] = {lo, b1};
  LLVMBasicBlockRef from[2] = {pre, latch};
  LLVMAddIncoming(b0, inc, from, 2);
  LLVMPositionBuilderAtEnd(cg->f->b, done);
  LLVMBuildRetVoid(cg->f->b);
  free(part);
  func_end(cg, &task_fn, caller);

  /* the trampoline rt_par_run calls */
  snprintf(name, sizeof name, "%s.par%d", cg->symbol ? cg->symbol : "bloc", idx);
  LLVMTypeRef tp[2] = {cg->ptr, cg->i64};
  LLVMValueRef tramp = LLVMAddFunction(cg->mod, name, LLVMFunctionType(cg->voidt, tp, 2, 0));
  LLVMSetLinkage(tramp, LLVMInternalLinkage);
  cg_set_target_attrs(cg, tramp);
  LLVMBuilderRef tb = LLVMCreateBuilderInContext(cg->ctx);
  LLVMPositionBuilderAtEnd(tb, LLVMAppendBasicBlockInContext(cg->ctx, tramp, "entry"));
  LLVMValueRef args[7];
  LLVMValueRef ctx = LLVMGetParam(tramp, 0);
  for (int i = 0; i < 6; i++) {
    LLVMValueRef ix = cg_const_i64(cg, i);
    args[i] = LLVMBuildLoad2(tb, cg->ptr, LLVMBuildInBoundsGEP2(tb, cg->ptr, ctx, &ix, 1, ""), "");
  }
  args[6] = LLVMGetParam(tramp, 1);
  LLVMBuildCall2(tb, bt, body, args, 7, "");
  LLVMBuildRetVoid(tb);
  LLVMDisposeBuilder(tb);
  *body_out = body;
  return tramp;
}

/* dest = alpha * (part_0 + part_1 + ...) + beta * dest, tasks in order (rt_par_reduce). */
static void emit_combine(Cg *cg, const SchedStep *par, const SchedReduce *rd) {
  LLVMValueRef alpha = cg_const_f64(cg, rd->alpha);
  if (rd->alpha_buf.base != SB_NONE) {
    LLVMValueRef sv = cg_load_f64(cg, cg->f->b, &rd->alpha_buf, scalar_ptr(cg, &rd->alpha_buf));
    alpha = rd->alpha == 1 ? sv : LLVMBuildFMul(cg->f->b, alpha, sv, "");
  }
  LLVMTypeRef t;
  LLVMValueRef fn = cg_fn(cg, CG_PAR_REDUCE, &t);
  LLVMValueRef args[10] = {
      scalar_ptr(cg, &rd->dest),     cg_const_i64(cg, rd->dest.ld > 1 ? rd->dest.ld : rd->cols),
      cg_view_ptr(cg, &rd->part),    cg_const_i64(cg, rd->stride),
      cg_const_i64(cg, par->ntasks), cg_const_i64(cg, rd->rows),
      cg_const_i64(cg, rd->cols),    alpha,
      cg_const_f64(cg, rd->beta),    LLVMConstInt(cg->i32, rd->trans, 0)};
  LLVMBuildCall2(cg->f->b, t, fn, args, 10, "");
}

static void memo_check(Cg *cg, const SchedBlas *bl);
static void memo_fill(Cg *cg, const SchedBlas *bl);

static void emit_par(Cg *cg, const SchedStep *par) {
  for (int i = 0; i < par->nbody; i++)
    if (par->body[i].kind == SS_SKINNY_GEMM && par->body[i].blas.memo)
      memo_check(cg, &par->body[i].blas);
  LLVMValueRef body;
  LLVMValueRef tramp = emit_task_fn(cg, par, &body);
  /* ctx: the kernel's pointers and a copy of its scalar registers */
  LLVMTypeRef ctx_t = LLVMArrayType(cg->ptr, 6);
  LLVMValueRef ctx = LLVMBuildAlloca(cg->f->eb, ctx_t, "ctx");
  int ns = cg->k->nsregs;
  LLVMValueRef sregs =
      LLVMBuildAlloca(cg->f->eb, LLVMArrayType(cg->f64, (unsigned)(ns > 0 ? ns : 1)), "sregs");
  for (int i = 0; i < ns; i++) {
    LLVMValueRef ix = cg_const_i64(cg, i);
    LLVMValueRef val = LLVMBuildLoad2(cg->f->b, cg->f64, cg->f->sregs[i], "");
    LLVMBuildStore(cg->f->b, val, gep(cg, sregs, ix));
  }
  LLVMValueRef vals[6] = {cg->f->env, cg->f->x, cg->f->y, cg->f->v, cg->f->out, sregs};
  for (int i = 0; i < 6; i++) {
    LLVMValueRef ix = cg_const_i64(cg, i);
    LLVMBuildStore(cg->f->b, vals[i], LLVMBuildInBoundsGEP2(cg->f->b, cg->ptr, ctx, &ix, 1, ""));
  }
  LLVMTypeRef t;
  if (par->ntasks > 1) {
    LLVMValueRef fn = cg_fn(cg, CG_PAR_RUN, &t);
    LLVMValueRef args[3] = {tramp, ctx, cg_const_i64(cg, par->ntasks)};
    LLVMBuildCall2(cg->f->b, t, fn, args, 3, "");
  } else {
    LLVMValueRef args[7] = {cg->f->env, cg->f->x, cg->f->y, cg->f->v,
                            cg->f->out, sregs, cg_const_i64(cg, 0)};
    LLVMBuildCall2(cg->f->b, LLVMGlobalGetValueType(body), body, args, 7, "");
  }
  for (int r = 0; r < par->nreds; r++) {
    cg_memo_reset(cg);
    cg->f->top = 0;
    emit_combine(cg, par, &par->reds[r]);
  }
  for (int i = 0; i < par->nbody; i++)
    if (par->body[i].kind == SS_SKINNY_GEMM && par->body[i].blas.memo)
      memo_fill(cg, &par->body[i].blas);
}

/* ------------------------------------------------------------------ memo slots */

/* Word i of a memo'd product's slot header (SCHED_MEMO_MAGIC in schedule.h), as an int64. */
static LLVMValueRef memo_word(Cg *cg, const SchedBlas *bl, int i) {
  SchedBuf h = {SB_WORK, -1, bl->memo_at + i, 1, false, false};
  return cg_view_ptr(cg, &h);
}

static LLVMValueRef memo_full(Cg *cg, const SchedBlas *bl) {
  LLVMValueRef w = LLVMBuildLoad2(cg->f->b, cg->i64, memo_word(cg, bl, 0), "memo.magic");
  return LLVMBuildICmp(cg->f->b, LLVMIntEQ, w, LLVMConstInt(cg->i64, SCHED_MEMO_MAGIC, 0), "");
}

/* a's first element as an integer (header word 1) */
static LLVMValueRef memo_a(Cg *cg, const SchedBlas *bl) {
  return LLVMBuildPtrToInt(cg->f->b, cg_view_ptr(cg, &bl->a), cg->i64, "");
}

static LLVMValueRef memo_b_bytes(Cg *cg, const SchedBlas *bl) {
  return cg_const_i64(cg, bl->n * bl->k * (int64_t)sizeof(double));
}

static LLVMBasicBlockRef new_block(Cg *cg, const char *name) {
  LLVMValueRef fn = LLVMGetBasicBlockParent(LLVMGetInsertBlock(cg->f->b));
  return LLVMAppendBasicBlockInContext(cg->ctx, fn, name);
}

/* Before the product: the slot stays full only when it holds this a and this b; else its
 * magic word is cleared (the product is then computed, into the slot). */
static void memo_check(Cg *cg, const SchedBlas *bl) {
  LLVMBasicBlockRef cmp = new_block(cg, "memo.cmp"), miss = new_block(cg, "memo.miss"),
                    done = new_block(cg, "memo.done");
  LLVMValueRef pa = LLVMBuildLoad2(cg->f->b, cg->i64, memo_word(cg, bl, 1), "");
  LLVMValueRef same_a = LLVMBuildICmp(cg->f->b, LLVMIntEQ, pa, memo_a(cg, bl), "");
  LLVMBuildCondBr(cg->f->b, LLVMBuildAnd(cg->f->b, memo_full(cg, bl), same_a, ""), cmp, miss);
  LLVMPositionBuilderAtEnd(cg->f->b, cmp);
  LLVMTypeRef t;
  LLVMValueRef fn = cg_fn(cg, CG_MEMCMP, &t);
  LLVMValueRef args[3] = {memo_word(cg, bl, SCHED_MEMO_HEADER), cg_view_ptr(cg, &bl->b),
                          memo_b_bytes(cg, bl)};
  LLVMValueRef r = LLVMBuildCall2(cg->f->b, t, fn, args, 3, "");
  LLVMBuildCondBr(cg->f->b, LLVMBuildICmp(cg->f->b, LLVMIntEQ, r, LLVMConstInt(cg->i32, 0, 0), ""),
                  done, miss);
  LLVMPositionBuilderAtEnd(cg->f->b, miss);
  LLVMBuildStore(cg->f->b, LLVMConstInt(cg->i64, 0, 0), memo_word(cg, bl, 0));
  LLVMBuildBr(cg->f->b, done);
  LLVMPositionBuilderAtEnd(cg->f->b, done);
}

/* After the product: a slot computed this call records its a and b, then its magic word. */
static void memo_fill(Cg *cg, const SchedBlas *bl) {
  LLVMBasicBlockRef fill = new_block(cg, "memo.fill"), done = new_block(cg, "memo.filled");
  LLVMBuildCondBr(cg->f->b, memo_full(cg, bl), done, fill);
  LLVMPositionBuilderAtEnd(cg->f->b, fill);
  LLVMBuildMemCpy(cg->f->b, memo_word(cg, bl, SCHED_MEMO_HEADER), 8, cg_view_ptr(cg, &bl->b), 8,
                  memo_b_bytes(cg, bl));
  LLVMBuildStore(cg->f->b, memo_a(cg, bl), memo_word(cg, bl, 1));
  LLVMBuildStore(cg->f->b, LLVMConstInt(cg->i64, SCHED_MEMO_MAGIC, 0), memo_word(cg, bl, 0));
  LLVMBuildBr(cg->f->b, done);
  LLVMPositionBuilderAtEnd(cg->f->b, done);
}

/* The product itself, skipped when its slot is full (memo_check left it so). */
static void memo_product(Cg *cg, const SchedStep *st) {
  LLVMBasicBlockRef run = new_block(cg, "memo.run"), done = new_block(cg, "memo.ran");
  LLVMBuildCondBr(cg->f->b, memo_full(cg, &st->blas), done, run);
  LLVMPositionBuilderAtEnd(cg->f->b, run);
  cg_skinny(cg, st);
  LLVMBuildBr(cg->f->b, done);
  LLVMPositionBuilderAtEnd(cg->f->b, done);
}

static void emit_skinny(Cg *cg, const SchedStep *st) {
  if (!st->blas.memo) {
    cg_skinny(cg, st);
  } else if (cg->f->rlo) { /* in a region: emit_par checks and fills the slot around it */
    memo_product(cg, st);
  } else {
    memo_check(cg, &st->blas);
    memo_product(cg, st);
    memo_fill(cg, &st->blas);
  }
}

/* ------------------------------------------------------------------ kernels */

static void emit_step(Cg *cg, const SchedStep *st) {
  switch (st->kind) {
  case SS_LOOP: emit_loop(cg, st); break;
  case SS_ROWS: emit_rows(cg, st); break;
  case SS_LSE: emit_lse(cg, st); break;
  case SS_SCATTER: emit_scatter(cg, st); break;
  case SS_GEMM:
  case SS_GEMV:
  case SS_SYMV:
  case SS_GER: emit_blas(cg, st); break;
  case SS_SKINNY_GEMM: emit_skinny(cg, st); break;
  case SS_SPMM: emit_sparse(cg, st); break;
  case SS_PAR_ROWS:
    if (cg->f->rlo) cg_fail(cg, "a region inside a region");
    else emit_par(cg, st);
    break;
  }
}

/* ------------------------------------------------------------------ x-memo slots */

static LLVMValueRef xmemo_word(Cg *cg, const SchedXMemo *xm, int64_t i) {
  SchedBuf w = {SB_WORK, -1, xm->hdr + i, 1, false, false};
  return cg_view_ptr(cg, &w);
}

/* Before the kernel's first step, slot j is brought up to date with x: unless its header
 * holds the magic word and this x (bit for bit), the magic word is cleared, the stage
 * computes the value into the slot (scratch: the work buffer's start, unused yet), and the
 * header is written (SchedXMemo). */
static void xmemo_update(Cg *cg, int j, LLVMValueRef stage, LLVMTypeRef ft) {
  const SchedXMemo *xm = &cg->xmemo[j];
  LLVMBuilderRef b = cg->f->b;
  LLVMBasicBlockRef cmp = new_block(cg, "xmemo.cmp"), miss = new_block(cg, "xmemo.miss"),
                    done = new_block(cg, "xmemo.done");
  LLVMValueRef magic = LLVMBuildLoad2(b, cg->i64, xmemo_word(cg, xm, 0), "xmemo.magic");
  LLVMValueRef full =
      LLVMBuildICmp(b, LLVMIntEQ, magic, LLVMConstInt(cg->i64, SCHED_XMEMO_MAGIC, 0), "");
  LLVMBuildCondBr(b, full, cmp, miss);
  LLVMPositionBuilderAtEnd(b, cmp);
  LLVMTypeRef t;
  LLVMValueRef fn = cg_fn(cg, CG_MEMCMP, &t);
  LLVMValueRef bytes = cg_const_i64(cg, xm->nx * (int64_t)sizeof(double));
  LLVMValueRef args[3] = {xmemo_word(cg, xm, 1), cg->f->x, bytes};
  LLVMValueRef r = LLVMBuildCall2(b, t, fn, args, 3, "");
  LLVMBuildCondBr(b, LLVMBuildICmp(b, LLVMIntEQ, r, LLVMConstInt(cg->i32, 0, 0), ""), done, miss);
  LLVMPositionBuilderAtEnd(b, miss);
  LLVMBuildStore(b, LLVMConstInt(cg->i64, 0, 0), xmemo_word(cg, xm, 0));
  LLVMValueRef outs = LLVMBuildAlloca(cg->f->eb, cg->ptr, "xmemo.out");
  SchedBuf val = {SB_XMEMO, j, 0, 1, false, false};
  LLVMBuildStore(b, cg_view_ptr(cg, &val), outs);
  LLVMValueRef sargs[5] = {cg->f->env, cg->f->x, cg->f->y, cg->f->v, outs};
  LLVMBuildCall2(b, ft, stage, sargs, 5, "");
  LLVMBuildMemCpy(b, xmemo_word(cg, xm, 1), 8, cg->f->x, 8, bytes);
  LLVMBuildStore(b, LLVMConstInt(cg->i64, SCHED_XMEMO_MAGIC, 0), xmemo_word(cg, xm, 0));
  LLVMBuildBr(b, done);
  LLVMPositionBuilderAtEnd(b, done);
}

static int emit_kernel(Cg *cg, const SchedKernel *k, const char *symbol, bool internal, char *err,
                       size_t errlen);

/* The stage of slot j, internal to the module and emitted once per module: "bloc.xmemo<j>.<part>"
 * (the functions of its regions are named after it, and every part that needs it has its own). */
static LLVMValueRef xmemo_stage(Cg *cg, int j, char *err, size_t errlen) {
  char name[48];
  snprintf(name, sizeof name, "bloc.xmemo%d.%d", j, cg->part);
  LLVMValueRef fn = LLVMGetNamedFunction(cg->mod, name);
  if (fn) return fn;
  if (j < 0 || j >= cg->nxmemo) {
    snprintf(err, errlen, "internal error: x-memo slot %d of %d", j, cg->nxmemo);
    return NULL;
  }
  if (emit_kernel(cg, &cg->xmemo[j].stage, name, true, err, errlen)) return NULL;
  return LLVMGetNamedFunction(cg->mod, name);
}

int cg_kernel(Cg *cg, const SchedKernel *k, const char *symbol, char *err, size_t errlen) {
  return emit_kernel(cg, k, symbol, false, err, errlen);
}

static int emit_kernel(Cg *cg, const SchedKernel *k, const char *symbol, bool internal, char *err,
                       size_t errlen) {
  LLVMValueRef stages[8], *stage = k->nxmemo <= 8 ? stages : xcalloc((size_t)k->nxmemo,
                                                                      sizeof(LLVMValueRef));
  for (int i = 0; i < k->nxmemo; i++) /* before this kernel: cg_kernel is not reentrant */
    if (!(stage[i] = xmemo_stage(cg, k->xmemo[i], err, errlen))) {
      if (stage != stages) free(stage);
      return -1;
    }
  cg->err = err;
  cg->errlen = errlen;
  cg->failed = false;
  cg->k = k;
  cg->madds = cg_kernel_madds(k);
  LLVMTypeRef params[5] = {cg->ptr, cg->ptr, cg->ptr, cg->ptr, cg->ptr};
  LLVMTypeRef ft = LLVMFunctionType(cg->voidt, params, 5, 0);
  LLVMValueRef fn = LLVMAddFunction(cg->mod, symbol, ft);
  if (internal) LLVMSetLinkage(fn, LLVMInternalLinkage);
  cg->symbol = symbol;
  cg->nregions = 0;
  cg_set_target_attrs(cg, fn);
  /* the ABI: outputs and work never alias the inputs (x, y, v, env, data) */
  unsigned noalias = LLVMGetEnumAttributeKindForName("noalias", 7);
  unsigned readonly = LLVMGetEnumAttributeKindForName("readonly", 8);
  for (unsigned i = 1; i <= 4; i++) {
    LLVMAddAttributeAtIndex(fn, i, LLVMCreateEnumAttribute(cg->ctx, noalias, 0));
    LLVMAddAttributeAtIndex(fn, i, LLVMCreateEnumAttribute(cg->ctx, readonly, 0));
  }
  LLVMAddAttributeAtIndex(fn, 5, LLVMCreateEnumAttribute(cg->ctx, readonly, 0));
  CgFunc kf;
  func_begin(cg, &kf, fn);
  kf.sregs = xcalloc((size_t)k->nsregs + 1, sizeof(LLVMValueRef));
  for (int i = 0; i < k->nsregs; i++) kf.sregs[i] = new_alloca(cg, cg->f64, "s");
  for (int i = 0; i < k->nxmemo && !cg->failed; i++) xmemo_update(cg, k->xmemo[i], stage[i], ft);
  if (stage != stages) free(stage);

  for (int i = 0; i < k->nsteps && !cg->failed; i++) {
    const SchedStep *st = &k->steps[i];
    cg_memo_reset(cg);
    cg->f->top = 0;
    emit_step(cg, st);
  }
  LLVMBuildRetVoid(cg->f->b);
  func_end(cg, &kf, NULL);
  return cg->failed ? -1 : 0;
}
