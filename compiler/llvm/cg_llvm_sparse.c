/* cg_llvm_sparse.c — LLVM IR for SS_SPMM, the products of a sparse data matrix (an RtSparse,
 * runtime/rt_sparse.h) with a dense b, generated per kernel with the column count n of b and
 * c known: row i of c is the sum over the entries (j, v) of row i of the CSR matrix of
 * v * b(j, :), in the order of the entries, with c's row held in registers (vectors of W = 4
 * doubles, or 8 when the JIT generates 512-bit code; n = 20 is 8 + 8 + 4) and b's row j loaded
 * once per entry. Columns beyond 8 W are done in chunks of 8 W, each a pass over the row.
 *   a b (trans_a false): rows of c are rows of a, or of its sampled rows idx (X[i, :] @ W);
 *   a' b without idx: rows of c are rows of the stored transpose (RtSparse.t, built once when
 *     the data are loaded), so c's rows are independent too, and X' @ G needs no reduction;
 *   a[idx]' b: a scatter, c zeroed, then c(j, :) += v b(r, :) for the entries of each sampled
 *     row r, in order (a few rows: serial).
 * Sampled rows of sharded data (SchedBlas.idx_rows > 0) are global rows: row idx - idx_r0 of
 * the rank's CSR rows, a row outside them (another rank's) empty: a zero row of a b, nothing
 * scattered in a' b.
 * The first two compute rows [rlo, rhi) of c in a region body (the planner puts them in
 * row-parallel regions, fused with the row-wise steps around them), all rows elsewhere. Every
 * element is the same sequence of FMAs whichever block or task computes it, so results do not
 * depend on the thread count. Float dense data (precision f32) are widened as they are
 * loaded; the sparse values are always doubles. */
#include <stddef.h>

#include "llvm/cg_llvm.h"
#include "rt_sparse.h"

/* RtSparse as LLVM sees it: { RtCsr m, t }, RtCsr = { rows, cols, nnz, rowptr, col, val }. */
enum { CSR_ROWPTR = 3, CSR_COL = 4, CSR_VAL = 5 };
_Static_assert(sizeof(void *) == 8 && offsetof(RtSparse, t) == 48 &&
                   offsetof(RtCsr, rowptr) == 8 * CSR_ROWPTR &&
                   offsetof(RtCsr, col) == 8 * CSR_COL && offsetof(RtCsr, val) == 8 * CSR_VAL,
               "RtSparse's layout is not the one the generated code reads");

/* The columns of one pass: at most 7 vectors of W, then 4, 2, 1 (8 W columns are a pass). */
typedef struct Chunk {
  int nvec;
  int w[10];  /* doubles of each vector: W, 4, 2 or 1 */
} Chunk;

typedef struct Sp {
  Cg *cg;
  const SchedBlas *bl;
  LLVMValueRef rowptr, col, val; /* of the CSR matrix whose rows are read */
  LLVMValueRef b, c, idx;
  int64_t idx_r0, idx_rows; /* SchedBlas's: sampled rows of sharded data when rows > 0 */
  LLVMTypeRef tb;                 /* element type of b: float data or double */
  int64_t ldb, ldc;
  int vw;                         /* W */
} Sp;

static LLVMValueRef at(Cg *cg, LLVMTypeRef t, LLVMValueRef base, LLVMValueRef i) {
  return LLVMBuildInBoundsGEP2(cg->f->b, t, base, &i, 1, "");
}

static LLVMValueRef mul_i(Cg *cg, LLVMValueRef a, int64_t k) {
  return k == 1 ? a : LLVMBuildNSWMul(cg->f->b, a, cg_const_i64(cg, k), "");
}

static LLVMValueRef add_i(Cg *cg, LLVMValueRef a, int64_t k) {
  return k == 0 ? a : LLVMBuildNSWAdd(cg->f->b, a, cg_const_i64(cg, k), "");
}

/* Field f of matrix `which` (0: m, 1: t) of the RtSparse at p, loaded once in the entry. */
static LLVMValueRef csr_field(Cg *cg, LLVMValueRef p, int which, int f) {
  LLVMTypeRef fl[6] = {cg->i64, cg->i64, cg->i64, cg->ptr, cg->ptr, cg->ptr};
  LLVMTypeRef csr = LLVMStructTypeInContext(cg->ctx, fl, 6, 0);
  LLVMTypeRef two[2] = {csr, csr};
  LLVMTypeRef sp = LLVMStructTypeInContext(cg->ctx, two, 2, 0);
  LLVMValueRef ix[3] = {LLVMConstInt(cg->i32, 0, 0), LLVMConstInt(cg->i32, (unsigned)which, 0),
                        LLVMConstInt(cg->i32, (unsigned)f, 0)};
  LLVMValueRef q = LLVMBuildInBoundsGEP2(cg->f->eb, sp, p, ix, 3, "");
  return LLVMBuildLoad2(cg->f->eb, f < CSR_ROWPTR ? cg->i64 : cg->ptr, q, "");
}

/* len columns as vectors: W at a time, then 4, 2, 1. */
static Chunk chunk(int64_t len, int vw) {
  Chunk ch = {0, {0}};
  for (int64_t j = 0; j < len;) {
    int64_t left = len - j;
    int w = left >= vw ? vw : left >= 4 ? 4 : left >= 2 ? 2 : 1;
    ch.w[ch.nvec++] = w;
    j += w;
  }
  return ch;
}

/* A vector of w doubles stored at p (c is always double). */
static void vstore(Cg *cg, LLVMValueRef v, LLVMValueRef p) {
  LLVMValueRef s = LLVMBuildStore(cg->f->b, v, p);
  LLVMSetAlignment(s, 8);
}

/* Opens a loop over the entries of CSR row r (the caller closes it with cg_for_end(cg, L, 1));
 * *v and *j receive the entry's value and its column (i64). A sampled row of sharded data is
 * global: row r - idx_r0, no entries when outside the rank's rows (and never read there). */
static void csr_row_begin(Sp *s, CgLoop *L, LLVMValueRef r, LLVMValueRef *v, LLVMValueRef *j) {
  Cg *cg = s->cg;
  LLVMValueRef in = NULL;
  if (s->idx_rows > 0) {
    r = LLVMBuildSub(cg->f->b, r, cg_const_i64(cg, s->idx_r0), "");
    in = LLVMBuildICmp(cg->f->b, LLVMIntULT, r, cg_const_i64(cg, s->idx_rows), "");
    r = LLVMBuildSelect(cg->f->b, in, r, cg_const_i64(cg, 0), "");
  }
  LLVMValueRef k0 = LLVMBuildLoad2(cg->f->b, cg->i64, at(cg, cg->i64, s->rowptr, r), "");
  LLVMValueRef k1 =
      LLVMBuildLoad2(cg->f->b, cg->i64, at(cg, cg->i64, s->rowptr, add_i(cg, r, 1)), "");
  if (in) k1 = LLVMBuildSelect(cg->f->b, in, k1, k0, "");
  LLVMValueRef k = cg_for_begin(cg, L, k0, k1);
  *v = LLVMBuildLoad2(cg->f->b, cg->f64, at(cg, cg->f64, s->val, k), "");
  *j = LLVMBuildSExt(cg->f->b, LLVMBuildLoad2(cg->f->b, cg->i32, at(cg, cg->i32, s->col, k), ""),
                     cg->i64, "");
}

/* c(i, c0 + j0 ...) for the chunk's columns (j0: a value, for a loop over chunks) = the sum
 * over the entries k of CSR row r of val[k] * b(col[k], same columns). */
static void row_chunk(Sp *s, LLVMValueRef i, LLVMValueRef r, LLVMValueRef j0, const Chunk *ch) {
  Cg *cg = s->cg;
  LLVMValueRef acc[10];
  for (int q = 0; q < ch->nvec; q++) {
    acc[q] = LLVMBuildAlloca(cg->f->eb, cg_vty(cg, ch->w[q]), "sp.acc"); /* SROA promotes */
    LLVMBuildStore(cg->f->b, LLVMConstNull(cg_vty(cg, ch->w[q])), acc[q]);
  }
  CgLoop L;
  LLVMValueRef v, j;
  csr_row_begin(s, &L, r, &v, &j);
  LLVMValueRef brow = at(cg, s->tb, s->b, LLVMBuildNSWAdd(cg->f->b, mul_i(cg, j, s->ldb), j0, ""));
  int64_t off = 0;
  for (int q = 0; q < ch->nvec; q++) {
    LLVMValueRef x = cg_vload_t(cg, s->tb, at(cg, s->tb, brow, cg_const_i64(cg, off)), ch->w[q]);
    LLVMValueRef a = LLVMBuildLoad2(cg->f->b, cg_vty(cg, ch->w[q]), acc[q], "");
    LLVMBuildStore(cg->f->b, cg_vfma(cg, cg_splat(cg, v, ch->w[q]), x, a, ch->w[q]), acc[q]);
    off += ch->w[q];
  }
  cg_for_end(cg, &L, 1);
  LLVMValueRef crow =
      at(cg, cg->f64, s->c, LLVMBuildNSWAdd(cg->f->b, mul_i(cg, i, s->ldc), j0, ""));
  off = 0;
  for (int q = 0; q < ch->nvec; q++) {
    LLVMValueRef a = LLVMBuildLoad2(cg->f->b, cg_vty(cg, ch->w[q]), acc[q], "");
    vstore(cg, a, at(cg, cg->f64, crow, cg_const_i64(cg, off)));
    off += ch->w[q];
  }
}

/* Rows [lo, hi) of c = a b or a' b (rows of the stored transpose). */
static void rows_product(Sp *s, LLVMValueRef lo, LLVMValueRef hi) {
  Cg *cg = s->cg;
  int64_t n = s->bl->n, width = 8 * (int64_t)s->vw; /* columns of c a pass keeps in registers */
  int64_t full = n > width ? n / width : 0, rest = n - full * width;
  CgLoop L;
  LLVMValueRef i = cg_for_begin(cg, &L, lo, hi);
  LLVMValueRef r = s->idx ? LLVMBuildLoad2(cg->f->b, cg->i64, at(cg, cg->i64, s->idx, i), "") : i;
  if (full == 1) {
    Chunk ch = chunk(width, s->vw);
    row_chunk(s, i, r, cg_const_i64(cg, 0), &ch);
  } else if (full > 1) { /* a loop over the full chunks: code size independent of n */
    CgLoop J;
    LLVMValueRef j0 = cg_for_begin(cg, &J, cg_const_i64(cg, 0), cg_const_i64(cg, full * width));
    Chunk ch = chunk(width, s->vw);
    row_chunk(s, i, r, j0, &ch);
    cg_for_end(cg, &J, width);
  }
  if (rest) {
    Chunk ch = chunk(rest, s->vw);
    row_chunk(s, i, r, cg_const_i64(cg, full * width), &ch);
  }
  cg_for_end(cg, &L, 1);
}

/* c = a[idx]' b: zero c, then scatter each sampled row's entries, rows in order. */
static void scatter_product(Sp *s) {
  Cg *cg = s->cg;
  const SchedBlas *bl = s->bl;
  LLVMValueRef zero8 = LLVMConstInt(LLVMInt8TypeInContext(cg->ctx), 0, 0);
  if (s->ldc == bl->n) {
    LLVMBuildMemSet(cg->f->b, s->c, zero8, cg_const_i64(cg, bl->k * bl->n * (int64_t)8), 8);
  } else {
    CgLoop Z;
    LLVMValueRef i = cg_for_begin(cg, &Z, cg_const_i64(cg, 0), cg_const_i64(cg, bl->k));
    LLVMBuildMemSet(cg->f->b, at(cg, cg->f64, s->c, mul_i(cg, i, s->ldc)), zero8,
                    cg_const_i64(cg, bl->n * (int64_t)8), 8);
    cg_for_end(cg, &Z, 1);
  }
  CgLoop L;
  LLVMValueRef i = cg_for_begin(cg, &L, cg_const_i64(cg, 0), cg_const_i64(cg, bl->m));
  LLVMValueRef r = LLVMBuildLoad2(cg->f->b, cg->i64, at(cg, cg->i64, s->idx, i), "");
  LLVMValueRef brow = at(cg, s->tb, s->b, mul_i(cg, i, s->ldb));
  CgLoop K;
  LLVMValueRef v, j;
  csr_row_begin(s, &K, r, &v, &j);
  LLVMValueRef crow = at(cg, cg->f64, s->c, mul_i(cg, j, s->ldc));
  for (int64_t c0 = 0; c0 < bl->n;) { /* n is small here (a minibatch's gradient): unrolled */
    int64_t left = bl->n - c0;
    int w = left >= s->vw ? s->vw : left >= 4 ? 4 : left >= 2 ? 2 : 1;
    LLVMValueRef p = at(cg, cg->f64, crow, cg_const_i64(cg, c0));
    LLVMValueRef x = cg_vload_t(cg, s->tb, at(cg, s->tb, brow, cg_const_i64(cg, c0)), w);
    LLVMValueRef old = cg_vload_t(cg, cg->f64, p, w);
    vstore(cg, cg_vfma(cg, cg_splat(cg, v, w), x, old, w), p);
    c0 += w;
  }
  cg_for_end(cg, &K, 1);
  cg_for_end(cg, &L, 1);
}

void cg_sparse(Cg *cg, const SchedStep *st) {
  const SchedBlas *bl = &st->blas;
  bool sampled = bl->idx.base != SB_NONE;
  if (bl->n < 1 || bl->m < 0 || bl->k < 0 || bl->alpha != 1 || bl->beta != 0 ||
      bl->alpha_buf.base != SB_NONE || (cg->f->rlo && bl->trans_a && sampled)) {
    cg_fail(cg, "a sparse product of %lld x %lld x %lld that the loops cannot run",
            (long long)bl->m, (long long)bl->k, (long long)bl->n);
    return;
  }
  Sp s = {.cg = cg, .bl = bl, .vw = cg->vector_bits / 64};
  LLVMValueRef sp = cg_base(cg, &bl->a); /* the RtSparse (data pointer, offset 0) */
  int which = bl->trans_a && !sampled ? 1 : 0;
  s.rowptr = csr_field(cg, sp, which, CSR_ROWPTR);
  s.col = csr_field(cg, sp, which, CSR_COL);
  s.val = csr_field(cg, sp, which, CSR_VAL);
  s.b = cg_view_ptr(cg, &bl->b);
  s.c = cg_view_ptr(cg, &bl->c);
  s.idx = sampled ? cg_view_ptr(cg, &bl->idx) : NULL;
  s.idx_r0 = bl->idx_r0;
  s.idx_rows = sampled ? bl->idx_rows : 0;
  s.tb = cg_elt(cg, &bl->b);
  s.ldb = bl->b.ld > 1 ? bl->b.ld : 1;
  s.ldc = bl->c.ld > 1 ? bl->c.ld : 1;
  if (bl->trans_a && sampled) {
    scatter_product(&s);
    return;
  }
  LLVMValueRef lo = cg->f->rlo ? cg->f->rlo : cg_const_i64(cg, 0);
  LLVMValueRef hi = cg->f->rhi ? cg->f->rhi : cg_const_i64(cg, bl->trans_a ? bl->k : bl->m);
  rows_product(&s, lo, hi);
}
