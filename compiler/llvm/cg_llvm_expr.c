/* cg_llvm_expr.c — LLVM IR for one element of a SchedExpr: elementwise ops with exactly the
 * arithmetic of runtime/rt_scalar.h (the same operations in the same order), index ops as index
 * arithmetic, memoised per (expression, row index, column index) within a step, and placed at
 * the outermost loop level where their indices are defined (loop-invariant code motion by
 * construction, so hoisting never depends on alias analysis). */
#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/alloc.h"
#include "llvm/cg_llvm.h"

void cg_fail(Cg *cg, const char *fmt, ...) {
  if (cg->failed) return;
  cg->failed = true;
  va_list ap;
  va_start(ap, fmt);
  int n = snprintf(cg->err, cg->errlen, "internal error: ");
  if (n >= 0 && (size_t)n < cg->errlen) vsnprintf(cg->err + n, cg->errlen - (size_t)n, fmt, ap);
  va_end(ap);
}

LLVMValueRef cg_const_f64(Cg *cg, double v) { return LLVMConstReal(cg->f64, v); }
LLVMValueRef cg_const_i64(Cg *cg, int64_t v) {
  return LLVMConstInt(cg->i64, (unsigned long long)v, 1);
}
CgIx cg_ix(Cg *cg, int64_t v) { return (CgIx){cg_const_i64(cg, v), 0}; }

static int maxl(int a, int b) { return a > b ? a : b; }

/* a builder positioned for code of level lvl */
static LLVMBuilderRef cg_at(Cg *cg, int lvl) {
  if (lvl >= cg->f->top) return cg->f->b;
  LLVMPositionBuilderAtEnd(cg->f->hb, cg->f->lvl_block[lvl]);
  return cg->f->hb;
}

/* ------------------------------------------------------------------ memo */

void cg_memo_reset(Cg *cg) {
  if (cg->memo) memset(cg->memo, 0, cg->memo_cap * sizeof(CgMemoEntry));
  cg->memo_len = 0;
}

static size_t memo_hash(int id, LLVMValueRef r, LLVMValueRef c, size_t cap) {
  uintptr_t h = (uintptr_t)id * 0x9E3779B97F4A7C15ull;
  h ^= ((uintptr_t)r >> 4) * 0xC2B2AE3D27D4EB4Full;
  h ^= ((uintptr_t)c >> 4) * 0x165667B19E3779F9ull;
  h ^= h >> 29;
  return (size_t)h & (cap - 1);
}

static LLVMValueRef memo_get(Cg *cg, int id, LLVMValueRef r, LLVMValueRef c) {
  if (!cg->memo_cap) return NULL;
  for (size_t h = memo_hash(id, r, c, cg->memo_cap);; h = (h + 1) & (cg->memo_cap - 1)) {
    CgMemoEntry *e = &cg->memo[h];
    if (!e->id) return NULL;
    if (e->id == id + 1 && e->r == r && e->c == c) return e->val;
  }
}

static void memo_put(Cg *cg, int id, LLVMValueRef r, LLVMValueRef c, LLVMValueRef val) {
  if ((cg->memo_len + 1) * 2 > cg->memo_cap) {
    size_t oldcap = cg->memo_cap;
    CgMemoEntry *old = cg->memo;
    cg->memo_cap = oldcap ? oldcap * 2 : 1024;
    cg->memo = xcalloc(cg->memo_cap, sizeof(CgMemoEntry));
    cg->memo_len = 0;
    for (size_t i = 0; i < oldcap; i++)
      if (old[i].id) memo_put(cg, old[i].id - 1, old[i].r, old[i].c, old[i].val);
    free(old);
  }
  size_t h = memo_hash(id, r, c, cg->memo_cap);
  while (cg->memo[h].id) h = (h + 1) & (cg->memo_cap - 1);
  cg->memo[h] = (CgMemoEntry){id + 1, r, c, val};
  cg->memo_len++;
}

/* ------------------------------------------------------------------ addresses */

LLVMValueRef cg_addr(Cg *cg, LLVMBuilderRef bd, const SchedBuf *b, CgIx r, CgIx c,
                     LLVMTypeRef elt) {
  LLVMValueRef idx;
  if (cg->f->flat || b->ld == 1) idx = LLVMBuildNSWAdd(bd, r.v, c.v, "");
  else idx = LLVMBuildNSWAdd(bd, LLVMBuildNSWMul(bd, r.v, cg_const_i64(cg, b->ld), ""), c.v, "");
  if (b->offset && cg_offset_elt(cg, b) == elt) { /* one GEP, as before */
    idx = LLVMBuildNSWAdd(bd, idx, cg_const_i64(cg, b->offset), "");
    return LLVMBuildInBoundsGEP2(bd, elt, cg_base(cg, b), &idx, 1, "");
  }
  return LLVMBuildInBoundsGEP2(bd, elt, cg_view_base(cg, bd, b), &idx, 1, ""); /* float copy */
}

static CgIx ix_addc(Cg *cg, CgIx a, int64_t k) {
  if (k == 0) return a;
  return (CgIx){LLVMBuildNSWAdd(cg_at(cg, a.lvl), a.v, cg_const_i64(cg, k), ""), a.lvl};
}

/* ------------------------------------------------------------------ math helpers */

static LLVMValueRef call1(Cg *cg, LLVMBuilderRef bd, CgFn f, LLVMValueRef a) {
  LLVMTypeRef t;
  LLVMValueRef fn = cg_fn(cg, f, &t);
  return LLVMBuildCall2(bd, t, fn, &a, 1, "");
}

static LLVMValueRef call2(Cg *cg, LLVMBuilderRef bd, CgFn f, LLVMValueRef a, LLVMValueRef b) {
  LLVMTypeRef t;
  LLVMValueRef fn = cg_fn(cg, f, &t);
  LLVMValueRef args[2] = {a, b};
  return LLVMBuildCall2(bd, t, fn, args, 2, "");
}

/* exp(x): the C library's, as runtime/rt_scalar.h (rt_op_exp) and so the evaluator, sema's
 * folding and the emitted C (the JIT links glibc's exp without its errno wrapper, the same
 * bits: jit_libm.c). An inline polynomial that the loop vectorizer could widen was up to 1 ulp
 * away from it on 6% of arguments, so the JIT's values depended on the backend. */
LLVMValueRef cg_exp(Cg *cg, LLVMBuilderRef bd, LLVMValueRef x) { return call1(cg, bd, CG_EXP, x); }

static LLVMValueRef sel(Cg *cg, LLVMBuilderRef bd, LLVMValueRef cond, double t, double f) {
  return LLVMBuildSelect(bd, cond, cg_const_f64(cg, t), cg_const_f64(cg, f), "");
}

static LLVMValueRef unary(Cg *cg, LLVMBuilderRef bd, int op, LLVMValueRef a, double p) {
  LLVMValueRef zero = cg_const_f64(cg, 0), one = cg_const_f64(cg, 1);
  switch ((IrOp)op) {
  case IR_NEG: return LLVMBuildFNeg(bd, a, "");
  case IR_EXP: return cg_exp(cg, bd, a);
  case IR_LOG: return call1(cg, bd, CG_LOG, a);
  case IR_LOG1P: return call1(cg, bd, CG_LOG1P, a);
  case IR_SQRT: return call1(cg, bd, CG_SQRT, a);
  case IR_SIN: return call1(cg, bd, CG_SIN, a);
  case IR_COS: return call1(cg, bd, CG_COS, a);
  case IR_TAN: return call1(cg, bd, CG_TAN, a);
  case IR_TANH: return call1(cg, bd, CG_TANH, a);
  case IR_ACOS: return call1(cg, bd, CG_ACOS, a);
  case IR_ASIN: return call1(cg, bd, CG_ASIN, a);
  case IR_ATAN: return call1(cg, bd, CG_ATAN, a);
  case IR_ERF: return call1(cg, bd, CG_ERF, a);
  /* the unary and binary ops build rt_scalar.h's rt_op_* in the same order of operations */
  case IR_SIGMOID: {
    /* t = exp(-|a|), d = 1 + t; a >= 0 ? 1/d : t/d */
    LLVMValueRef na = LLVMBuildFNeg(bd, call1(cg, bd, CG_FABS, a), "");
    LLVMValueRef t = cg_exp(cg, bd, na);
    LLVMValueRef den = LLVMBuildFAdd(bd, one, t, "");
    LLVMValueRef pos = LLVMBuildFDiv(bd, one, den, "");
    LLVMValueRef neg = LLVMBuildFDiv(bd, t, den, "");
    return LLVMBuildSelect(bd, LLVMBuildFCmp(bd, LLVMRealOGE, a, zero, ""), pos, neg, "");
  }
  case IR_SOFTPLUS: {
    /* a > 0 ? a + log1p(exp(-a)) : log1p(exp(a)) */
    LLVMValueRef na = LLVMBuildFNeg(bd, call1(cg, bd, CG_FABS, a), "");
    LLVMValueRef t = cg_exp(cg, bd, na);
    LLVMValueRef l = call1(cg, bd, CG_LOG1P, t);
    return LLVMBuildSelect(bd, LLVMBuildFCmp(bd, LLVMRealOGT, a, zero, ""),
                           LLVMBuildFAdd(bd, a, l, ""), l, "");
  }
  case IR_LOG_SIGMOID: {
    /* l = log1p(exp(-|a|)); a < 0 ? a - l : -l */
    LLVMValueRef na = LLVMBuildFNeg(bd, call1(cg, bd, CG_FABS, a), "");
    LLVMValueRef l = call1(cg, bd, CG_LOG1P, cg_exp(cg, bd, na));
    LLVMValueRef neg = LLVMBuildFSub(bd, a, l, ""), pos = LLVMBuildFNeg(bd, l, "");
    return LLVMBuildSelect(bd, LLVMBuildFCmp(bd, LLVMRealOLT, a, zero, ""), neg, pos, "");
  }
  case IR_ABS: return call1(cg, bd, CG_FABS, a);
  case IR_RELU:
    return LLVMBuildSelect(bd, LLVMBuildFCmp(bd, LLVMRealOGT, a, zero, ""), a, zero, "");
  case IR_SIGN: {
    LLVMValueRef lt = sel(cg, bd, LLVMBuildFCmp(bd, LLVMRealOLT, a, zero, ""), -1, 0);
    return LLVMBuildSelect(bd, LLVMBuildFCmp(bd, LLVMRealOGT, a, zero, ""), one, lt, "");
  }
  case IR_STEP: return sel(cg, bd, LLVMBuildFCmp(bd, LLVMRealOGT, a, zero, ""), 1, 0);
  case IR_POWC: /* rt_op_powc: ^ 0.5 is sqrt */
    return p == 0.5 ? call1(cg, bd, CG_SQRT, a) : call2(cg, bd, CG_POW, a, cg_const_f64(cg, p));
  case IR_FLOOR: return call1(cg, bd, CG_FLOOR, a);
  case IR_ROUND: return call1(cg, bd, CG_ROUND, a);
#define IRC_CASE_IRC_LEAF(id) case id:
#define IRC_CASE_IRC_EW2(id) case id:
#define IRC_CASE_IRC_EW3(id) case id:
#define IRC_CASE_IRC_REDUCE(id) case id:
#define IRC_CASE_IRC_LINALG(id) case id:
#define IRC_CASE_IRC_STRUCT(id) case id:
#define IRC_CASE_IRC_GEN(id) case id:
#include "ir/ir_class_cases.h"
  case IR_OP_COUNT:
    break;
  }
  cg_fail(cg, "op '%s' is not elementwise unary", ir_ops[op].name);
  return zero;
}

static LLVMValueRef binary(Cg *cg, LLVMBuilderRef bd, int op, LLVMValueRef a, LLVMValueRef b) {
  switch ((IrOp)op) {
  case IR_ADD: return LLVMBuildFAdd(bd, a, b, "");
  case IR_SUB: return LLVMBuildFSub(bd, a, b, "");
  case IR_MUL: return LLVMBuildFMul(bd, a, b, "");
  case IR_DIV: return LLVMBuildFDiv(bd, a, b, "");
  case IR_MOD: {
    /* b == 0 ? NaN : a - b*floor(a/b) */
    LLVMValueRef q = call1(cg, bd, CG_FLOOR, LLVMBuildFDiv(bd, a, b, ""));
    LLVMValueRef r = LLVMBuildFSub(bd, a, LLVMBuildFMul(bd, b, q, ""), "");
    return LLVMBuildSelect(bd, LLVMBuildFCmp(bd, LLVMRealOEQ, b, cg_const_f64(cg, 0), ""),
                           cg_const_f64(cg, NAN), r, "");
  }
  case IR_MAX: case IR_MIN: {
    /* (a >= b || a != a) ? a : b, resp. a <= b */
    LLVMValueRef ge = LLVMBuildFCmp(bd, op == IR_MAX ? LLVMRealOGE : LLVMRealOLE, a, b, "");
    LLVMValueRef nan = LLVMBuildFCmp(bd, LLVMRealUNO, a, a, "");
    return LLVMBuildSelect(bd, LLVMBuildOr(bd, ge, nan, ""), a, b, "");
  }
  case IR_LT: return sel(cg, bd, LLVMBuildFCmp(bd, LLVMRealOLT, a, b, ""), 1, 0);
  case IR_LE: return sel(cg, bd, LLVMBuildFCmp(bd, LLVMRealOLE, a, b, ""), 1, 0);
  case IR_GT: return sel(cg, bd, LLVMBuildFCmp(bd, LLVMRealOGT, a, b, ""), 1, 0);
  case IR_GE: return sel(cg, bd, LLVMBuildFCmp(bd, LLVMRealOGE, a, b, ""), 1, 0);
  case IR_EQ: return sel(cg, bd, LLVMBuildFCmp(bd, LLVMRealOEQ, a, b, ""), 1, 0);
  case IR_NE:
    return sel(cg, bd, LLVMBuildFCmp(bd, LLVMRealUNE, a, b, ""), 1, 0); /* C's != : true for NaN */
#define IRC_CASE_IRC_LEAF(id) case id:
#define IRC_CASE_IRC_EW1(id) case id:
#define IRC_CASE_IRC_EW3(id) case id:
#define IRC_CASE_IRC_REDUCE(id) case id:
#define IRC_CASE_IRC_LINALG(id) case id:
#define IRC_CASE_IRC_STRUCT(id) case id:
#define IRC_CASE_IRC_GEN(id) case id:
#include "ir/ir_class_cases.h"
  case IR_OP_COUNT:
    break;
  }
  cg_fail(cg, "op '%s' is not elementwise binary", ir_ops[op].name);
  return a;
}

/* ------------------------------------------------------------------ expressions */

static LLVMValueRef arg_at(Cg *cg, const SchedExpr *a, CgIx r, CgIx c) {
  CgIx z = cg_ix(cg, 0);
  return a->shape.rank == 0 ? cg_expr(cg, a, z, z) : cg_expr(cg, a, r, c);
}

static LLVMValueRef load(Cg *cg, const SchedExpr *e, CgIx r, CgIx c, int lvl) {
  const SchedBuf *b = &e->buf;
  if (b->base == SB_SREG) return LLVMBuildLoad2(cg_at(cg, 0), cg->f64, cg->f->sregs[b->index], "");
  LLVMBuilderRef bd = cg_at(cg, lvl);
  if (b->base == SB_SAMPLE) {
    LLVMValueRef p = cg_addr(cg, bd, b, r, c, cg->i64);
    return LLVMBuildSIToFP(bd, LLVMBuildLoad2(bd, cg->i64, p, ""), cg->f64, "");
  }
  return cg_load_f64(cg, bd, b, cg_addr(cg, bd, b, r, c, cg_elt(cg, b)));
}

static LLVMValueRef compute(Cg *cg, const SchedExpr *e, CgIx r, CgIx c, int lvl) {
  CgIx z = cg_ix(cg, 0);
  const SchedExpr *a = e->nargs ? e->args[0] : NULL;
  if (e->op == SCHED_LOAD) return load(cg, e, r, c, lvl);
  if (e->op < 0 || e->op >= (int)IR_OP_COUNT) {
    cg_fail(cg, "unknown plan expression op %d", e->op);
    return cg_const_f64(cg, 0);
  }
  IrClass cls = ir_ops[e->op].cls;
  if (cls == IRC_EW1) {
    LLVMValueRef v = arg_at(cg, a, r, c);
    return unary(cg, cg_at(cg, lvl), e->op, v, e->num);
  }
  if (cls == IRC_EW2) {
    LLVMValueRef va = arg_at(cg, a, r, c), vb = arg_at(cg, e->args[1], r, c);
    return binary(cg, cg_at(cg, lvl), e->op, va, vb);
  }
  if (cls == IRC_EW3) {
    LLVMValueRef m = arg_at(cg, a, r, c), va = arg_at(cg, e->args[1], r, c),
                 vb = arg_at(cg, e->args[2], r, c);
    LLVMBuilderRef bd = cg_at(cg, lvl);
    return LLVMBuildSelect(bd, LLVMBuildFCmp(bd, LLVMRealUNE, m, cg_const_f64(cg, 0), ""), va, vb,
                           "");
  }
  switch ((IrOp)e->op) {
  case IR_CONST: return cg_const_f64(cg, e->num);
  case IR_TRANSPOSE: return cg_expr(cg, a, c, r);
  case IR_BCAST: return cg_expr(cg, a, z, z);
  case IR_BCAST_ROWS: return cg_expr(cg, a, c, z);
  case IR_BCAST_COLS: return cg_expr(cg, a, r, z);
  case IR_RESHAPE: {
    if (a->shape.rank == 0) return cg_expr(cg, a, z, z);
    if (cg->f->flat || a->shape.cols == e->shape.cols) return cg_expr(cg, a, r, c);
    LLVMBuilderRef bd = cg_at(cg, lvl);
    LLVMValueRef flat =
        LLVMBuildNSWAdd(bd, LLVMBuildNSWMul(bd, r.v, cg_const_i64(cg, e->shape.cols), ""), c.v, "");
    if (a->shape.cols == 1) return cg_expr(cg, a, (CgIx){flat, lvl}, z);
    LLVMValueRef ac = cg_const_i64(cg, a->shape.cols);
    CgIx ar = {LLVMBuildUDiv(bd, flat, ac, ""), lvl}, acol = {LLVMBuildURem(bd, flat, ac, ""), lvl};
    return cg_expr(cg, a, ar, acol);
  }
  case IR_SLICE: return cg_expr(cg, a, ix_addc(cg, r, e->attr[0]), ix_addc(cg, c, e->attr[2]));
  case IR_PAD: {
    CgIx rr = ix_addc(cg, r, -e->attr[0]), cc = ix_addc(cg, c, -e->attr[2]);
    LLVMBuilderRef bd = cg_at(cg, lvl);
    LLVMValueRef in =
        LLVMBuildAnd(bd, LLVMBuildICmp(bd, LLVMIntULT, rr.v, cg_const_i64(cg, a->shape.rows), ""),
                     LLVMBuildICmp(bd, LLVMIntULT, cc.v, cg_const_i64(cg, a->shape.cols), ""), "");
    LLVMValueRef zi = cg_const_i64(cg, 0);
    CgIx r2 = {LLVMBuildSelect(bd, in, rr.v, zi, ""), lvl},
         c2 = {LLVMBuildSelect(bd, in, cc.v, zi, ""), lvl};
    LLVMValueRef v = cg_expr(cg, a, r2, c2);
    bd = cg_at(cg, lvl);
    return LLVMBuildSelect(bd, in, v, cg_const_f64(cg, 0), "");
  }
  case IR_GATHER: {
    const SchedExpr *ix = e->args[1];
    if (ix->op != SCHED_LOAD || ix->buf.base != SB_SAMPLE) {
      cg_fail(cg, "gather index is not a sample set");
      return cg_const_f64(cg, 0);
    }
    LLVMBuilderRef bd = cg_at(cg, r.lvl);
    LLVMValueRef row = LLVMBuildLoad2(bd, cg->i64, cg_addr(cg, bd, &ix->buf, r, z, cg->i64), "");
    if (e->attr[1]) /* sharded (ir_gather_shard): the rank's rows start at global row attr[0] */
      row = LLVMBuildSub(bd, row, cg_const_i64(cg, e->attr[0]), "");
    LLVMValueRef in = LLVMBuildICmp(bd, LLVMIntULT, row, cg_const_i64(cg, a->shape.rows), "");
    CgIx rr = {LLVMBuildSelect(bd, in, row, cg_const_i64(cg, 0), ""), r.lvl};
    LLVMValueRef v = cg_expr(cg, a, rr, a->shape.rank == 2 ? c : z);
    bd = cg_at(cg, lvl);
    /* out of range: NaN, never a wild read; a row another rank owns: 0 */
    return LLVMBuildSelect(bd, in, v, cg_const_f64(cg, e->attr[1] ? 0 : NAN), "");
  }
  case IR_DIAGM: {
    LLVMValueRef v = cg_expr(cg, a, r, z);
    LLVMBuilderRef bd = cg_at(cg, lvl);
    return LLVMBuildSelect(bd, LLVMBuildICmp(bd, LLVMIntEQ, r.v, c.v, ""), v, cg_const_f64(cg, 0),
                           "");
  }
  case IR_DIAGV: return cg_expr(cg, a, r, r);
  case IR_ONEHOT: {
    /* a label that is not an integer in 0..k-1 makes its row NaN, as rt_dop_onehot's (the
     * data stage reports it; a kernel cannot fail, and a row of zeros would look valid) */
    LLVMValueRef l = cg_expr(cg, a, r, z);
    LLVMBuilderRef bd = cg_at(cg, lvl);
    LLVMValueRef cf = LLVMBuildSIToFP(bd, c.v, cg->f64, "");
    LLVMValueRef k = cg_const_f64(cg, (double)e->shape.cols);
    LLVMValueRef ok = LLVMBuildAnd(bd, LLVMBuildFCmp(bd, LLVMRealOGE, l, cg_const_f64(cg, 0), ""),
                                   LLVMBuildFCmp(bd, LLVMRealOLT, l, k, ""), "");
    LLVMValueRef whole = LLVMBuildFCmp(bd, LLVMRealOEQ, call1(cg, bd, CG_FLOOR, l), l, "");
    ok = LLVMBuildAnd(bd, ok, whole, "");
    return LLVMBuildSelect(bd, ok, sel(cg, bd, LLVMBuildFCmp(bd, LLVMRealOEQ, l, cf, ""), 1, 0),
                           cg_const_f64(cg, NAN), "");
  }
  case IR_OUTER: {
    LLVMValueRef u = cg_expr(cg, a, r, z), w = cg_expr(cg, e->args[1], c, z);
    return LLVMBuildFMul(cg_at(cg, lvl), u, w, "");
  }
  /* computed before the loop (BLAS steps, reductions, data) or handled above by class */
  case IR_MATMUL: case IR_MATVEC: case IR_SPMM: case IR_SPMTM:
  case IR_SCATTER: case IR_CAT: case IR_HCAT: case IR_VCAT:
  case IR_VAR: case IR_DIR: case IR_DATA: case IR_SAMPLE:
#define IRC_CASE_IRC_EW1(id) case id:
#define IRC_CASE_IRC_EW2(id) case id:
#define IRC_CASE_IRC_EW3(id) case id:
#define IRC_CASE_IRC_REDUCE(id) case id:
#define IRC_CASE_IRC_GEN(id) case id:
#include "ir/ir_class_cases.h"
  case IR_OP_COUNT:
    break;
  }
  cg_fail(cg, "op '%s' cannot be computed inside a loop", ir_ops[e->op].name);
  return cg_const_f64(cg, 0);
}

LLVMValueRef cg_expr(Cg *cg, const SchedExpr *e, CgIx r, CgIx c) {
  if (e->shape.rank == 0) r = c = cg_ix(cg, 0);
  if (e->op == IR_CONST) return cg_const_f64(cg, e->num);
  LLVMValueRef v = memo_get(cg, e->id, r.v, c.v);
  if (v) return v;
  int lvl = maxl(r.lvl, c.lvl);
  v = compute(cg, e, r, c, lvl);
  memo_put(cg, e->id, r.v, c.v, v);
  return v;
}
