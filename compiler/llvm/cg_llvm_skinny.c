/* cg_llvm_skinny.c — LLVM IR for SS_SKINNY_GEMM: products with at most SCHED_SKINNY_MAX_N
 * columns as register-blocked loops specialised to their shapes, streaming the big operand
 * once from memory (no packing, unlike BLAS). Vectors of W = 4 doubles (AVX2), or 8 when the
 * JIT generates 512-bit code (cg->vector_bits).
 *   c = a b' (a m x k, b n x k): dot products. A tile is R rows of a times up to G rows of b
 *     (tile_choose: 3 x 4 at 256 bits, 4 x 5 at 512); its R G accumulators run along k, W
 *     products per FMA (the last k % W through masked loads), then horizontal sums give
 *     adjacent elements of c 4 at a time (8-wide accumulators are first folded to 4: lanes
 *     i + (i + 4)). Every element is the
 *     same sequence of operations whichever tile it is in. No broadcasts in the inner loop:
 *     1.5x faster in cache than broadcasting a(r, kk) against rows of b (Zen 3).
 *   c = a' b (a k x m, b k x n), a reduction over the k rows of a and b: for R rows of a
 *     and b (4, or 8 at 512 bits), the rows of b in registers (up to 3
 *     vectors of W, 2 or 1 at a time), then along i < m:
 *     c(i, :) += sum over the R rows of a(r, i) (broadcast) b(r, :). Each element adds the
 *     rows in order, one FMA each, whatever the tiling. In a region it accumulates into the
 *     task's partial and prefetches the rows of a of the next block into L2, where the next
 *     block's a b' over the same a (memory-bound) finds them: 15-25% on hyper-cleaning's
 *     gradient and Hessian products (one thread, interleaved A/B). When a is the block's
 *     sampled rows, the rows the next block takes, from a table (Sk.pft): a
 *     minibatch step in 0.79-0.90 of the time. Vectorising along i
 *     instead (c stored transposed, no broadcasts) measured 15% slower.
 *     At 512 bits in a region (tn_loops, tn_tile_ct), the loops run along c's rows instead,
 *     onto a partial the planner transposes (SchedOptions.trans_f64): a tile of 2 x 8 rows of c
 *     times 10 columns is 20 accumulators loaded from the partial, one FMA a row of a each
 *     (a(r, i..) a vector, b(r, j) broadcast), stored back after the block: every lane works,
 *     where c = 10 in the broadcast form above spends a 2-lane FMA per row of a on the last two
 *     columns. Each element takes the same FMAs in the same order, so the same bits. On Zen 4:
 *     51 against 39 Gflop/s in cache (87% of the FMA peak against 66%), a hyper-cleaning f64
 *     step in 0.87-0.94 of the time on one thread (doc/performance.md "Session 38").
 * Sampled rows read in place (SchedBuf.rows_direct, CgSkinnyKey.direct): when nothing but a
 * region's products reads a block's sampled rows of data, the block does not copy them and the
 * products' a is a table of pointers to the rows in the data (cg_gather_row_table, Sk.direct;
 * a_row), the same arithmetic on the same values. doc/performance.md "Sampled rows read in
 * place".
 * Rows beyond the last full tile: a b' runs the last tile with its missing rows repeating the
 * last row (results not stored); a' b runs the same code one row at a time (after tiles of 8
 * rows: tiles of 4, then one at a time); float a' b has no row tiles (see below).
 * Float data (precision f32, doc/performance.md "Single precision"): when a is float, the
 * products are float arithmetic, with 2W lanes per vector (16 at 512 bits):
 *   a b': b (small: n x k) is rounded to float once per call (per task in a region, before
 *     its blocks) into a stack buffer; the dot products accumulate in float along k (each
 *     lane k / 2W products, then the lanes folded), and the 4 sums are widened to double.
 *     Float products summed in double measured 1.13-1.45x f64's time on hyper-cleaning,
 *     summed in float 0.58-0.77x. A b of more than B32_MAX numbers is not rounded: the
 *     product is double arithmetic, a's vector loads widened.
 *   a' b: vectorised along the rows of c instead (tn_loops, tn_tile_f32): for each chunk of at most
 *     TN_CH = 64 rows of a and b (a region's block is one or more chunks), b's rows are rounded
 *     to float into a stack buffer; a tile of c keeps 2W consecutive rows i times up to 12
 *     columns j in float accumulators, a(r, i..i+2W) loaded as a vector and b(r, j)
 *     broadcast, and adds each float sum over the chunk's rows (in row order) to c in double:
 *     in a region onto the task's partial, which the planner transposes for these products
 *     (SchedReduce.trans: 2W consecutive elements of a column of c, widened and added as they
 *     are: an f32 hyper-cleaning step in 0.89-0.98 of the time), else transposed 4 x 4 onto
 *     c's rows. The sums and their order are the same either way. No accumulator chain is
 *     longer than the chunk and every FMA uses all lanes; the broadcast of a with b's row in
 *     registers (as for doubles) used 10 of 16 lanes for c = 10, ran 8-long dependent chains
 *     per row of c and was 1.5x slower (doc/performance.md "Float a' b"). The long sum over
 *     rows stays double.
 * A double a with float b (rare) widens b's loads and computes in double. Float a with
 * double b is the usual case (X against W, or X' against G).
 * Shared functions: the tile loops of a product are a function `void (a, b, c, lo, hi,
 * alpha, pf, pft)` over rows [lo, hi), emitted once per JIT module for each distinct key
 * (cg_skinny_key: everything the loops' code depends on) and called by every kernel and
 * region that needs it; hyper-cleaning's 10 products need 3. LLVM then selects instructions
 * for each once instead of in every kernel. The instructions are the ones the loops had
 * inside the kernels (Cg.skinny_inline emits them there still), so results are bit for bit
 * the same; and the pointer parameters are nocapture, so a call leaves the caller's own loops
 * the alias facts they had with the loops inlined (sk_function). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llvm/cg_llvm.h"
#include "support/alloc.h"

enum { MAX_VECS = SCHED_SKINNY_MAX_N, MAX_R = 8, MAX_G = 12, TN_R = 4, TN_R8 = 8 };

typedef struct Vec {
  int64_t c0; /* first column */
  int w; /* doubles: W, 2 or 1 (and 4 when W is 8) */
} Vec;

typedef struct Sk {
  Cg *cg;
  const SchedBlas *bl;
  LLVMValueRef a, b, c;  /* first elements of the views */
  int64_t lda, ldb, ldc;
  LLVMValueRef alpha;    /* NULL: 1 */
  Vec vec[MAX_VECS];
  int nvec;
  int64_t blockr; /* rows of a region block (0 outside regions, or no prefetch) */
  bool prefetch; /* a' b: the plan's prefetching product of its region (SchedBlas.prefetch) */
  LLVMValueRef pfoff; /* a b' in a region: how far on (elements of a) its tiles prefetch, the
                         next block's rows for the plan's prefetching product, else 0 (their
                         own rows, in cache): a value, so both share one function (rows read
                         in place: NULL, Sk.pft instead) */
  LLVMValueRef pft;      /* the prefetching a' b of a block of sampled rows (CgSkinnyKey.pft),
                            and an a b' over rows read in place (direct): where the rows it
                            prefetches are, a table of pointers by row of the block
                            (cg_gather_row_table); NULL: they follow in a */
  LLVMValueRef lo;       /* the block's first row (the tables' entry 0) */
  bool direct;           /* a is a table of pointers to the block's rows where they are in the
                            data (CgSkinnyKey.direct), not a matrix with rows lda apart */
  int vw;                /* W: doubles per full vector, 4 or 8 */
  LLVMTypeRef ta, tb;    /* element types of a and b: float data (precision f32) is widened
                            to double as it is loaded, so the arithmetic stays double */
  bool fl;               /* float arithmetic (a is float data): see the top of the file */
  int fw;                /* floats per full vector: 2W */
  int nn_r, nn_g;        /* a b': rows and columns of c per tile */
  int tn_r;              /* a' b: rows of a and b per tile */
  bool ct;               /* c is a transposed partial, n x m (CgSkinnyKey.ct): float a' b only */
} Sk;

/* Most floats of b rounded for a float a b' (on the stack, 64 KiB): beyond it, a double b
 * makes the product double arithmetic (widened loads of a). */
#define B32_MAX 16384
static LLVMTypeRef vty(Cg *cg, int w) {
  return w == 1 ? cg->f64 : LLVMVectorType(cg->f64, (unsigned)w);
}

/* w elements of type et: a scalar when w is 1 */
static LLVMTypeRef vty_e(LLVMTypeRef et, int w) {
  return w == 1 ? et : LLVMVectorType(et, (unsigned)w);
}

/* x y + acc, elementwise (doubles or floats, scalars or vectors: the type of acc) */
static LLVMValueRef vfma(Cg *cg, LLVMValueRef x, LLVMValueRef y, LLVMValueRef acc) {
  static const char name[] = "llvm.fma";
  unsigned id = LLVMLookupIntrinsicID(name, sizeof name - 1);
  LLVMTypeRef ty = LLVMTypeOf(acc);
  LLVMTypeRef t = LLVMIntrinsicGetType(cg->ctx, id, &ty, 1);
  LLVMValueRef fn = LLVMGetIntrinsicDeclaration(cg->mod, id, &ty, 1);
  LLVMValueRef args[3] = {x, y, acc};
  return LLVMBuildCall2(cg->f->b, t, fn, args, 3, "");
}

/* the scalar s in w lanes (s itself when w is 1) */
static LLVMValueRef splat(Cg *cg, LLVMValueRef s, int w) {
  if (w == 1) return s;
  LLVMTypeRef t = vty_e(LLVMTypeOf(s), w);
  LLVMValueRef v = LLVMBuildInsertElement(cg->f->b, LLVMGetUndef(t), s, cg_const_i64(cg, 0), "");
  return LLVMBuildShuffleVector(cg->f->b, v, LLVMGetUndef(t),
                                LLVMConstNull(LLVMVectorType(cg->i32, (unsigned)w)), "");
}

/* lanes [from, from + w) of vector x (w = 1: the element) */
static LLVMValueRef lanes(Cg *cg, LLVMValueRef x, int from, int w) {
  if (w == 1)
    return LLVMBuildExtractElement(cg->f->b, x, LLVMConstInt(cg->i32, (unsigned)from, 0), "");
  LLVMValueRef m[16];
  for (int i = 0; i < w; i++) m[i] = LLVMConstInt(cg->i32, (unsigned)(from + i), 0);
  return LLVMBuildShuffleVector(cg->f->b, x, LLVMGetUndef(LLVMTypeOf(x)),
                                LLVMConstVector(m, (unsigned)w), "");
}

static LLVMValueRef at(Cg *cg, LLVMValueRef base, LLVMValueRef idx) {
  return LLVMBuildInBoundsGEP2(cg->f->b, cg->f64, base, &idx, 1, "");
}

/* &base[idx] for elements of type t (float data or double) */
static LLVMValueRef at_t(Cg *cg, LLVMTypeRef t, LLVMValueRef base, LLVMValueRef idx) {
  return LLVMBuildInBoundsGEP2(cg->f->b, t, base, &idx, 1, "");
}

static LLVMValueRef vload(Cg *cg, LLVMValueRef p, int w) {
  LLVMValueRef l = LLVMBuildLoad2(cg->f->b, vty(cg, w), p, "");
  LLVMSetAlignment(l, 8);
  return l;
}

/* w elements of type t at p, as doubles */
static LLVMValueRef vload_t(Cg *cg, LLVMTypeRef t, LLVMValueRef p, int w) {
  if (t == cg->f64) return vload(cg, p, w);
  LLVMTypeRef vt = w == 1 ? t : LLVMVectorType(t, (unsigned)w);
  LLVMValueRef l = LLVMBuildLoad2(cg->f->b, vt, p, "");
  LLVMSetAlignment(l, 4);
  return LLVMBuildFPExt(cg->f->b, l, vty(cg, w), "");
}

static void vstore(Cg *cg, LLVMValueRef v, LLVMValueRef p) {
  LLVMValueRef s = LLVMBuildStore(cg->f->b, v, p);
  LLVMSetAlignment(s, 8);
}

static LLVMValueRef mul_i(Cg *cg, LLVMValueRef a, int64_t k) {
  return k == 1 ? a : LLVMBuildNSWMul(cg->f->b, a, cg_const_i64(cg, k), "");
}

static LLVMValueRef add_i(Cg *cg, LLVMValueRef a, int64_t k) {
  return k == 0 ? a : LLVMBuildNSWAdd(cg->f->b, a, cg_const_i64(cg, k), "");
}

/* for (iv = start; iv < end; iv += step): a loop tested at the top (may run zero times). */
typedef CgLoop GLoop; /* cg_llvm.h */

static LLVMValueRef gl_begin(Cg *cg, GLoop *L, LLVMValueRef start, LLVMValueRef end) {
  L->pre = LLVMGetInsertBlock(cg->f->b);
  L->head = LLVMAppendBasicBlockInContext(cg->ctx, cg->f->fn, "sk.head");
  L->body = LLVMAppendBasicBlockInContext(cg->ctx, cg->f->fn, "sk.body");
  L->exit = LLVMAppendBasicBlockInContext(cg->ctx, cg->f->fn, "sk.exit");
  L->start = start;
  LLVMBuildBr(cg->f->b, L->head);
  LLVMPositionBuilderAtEnd(cg->f->b, L->head);
  L->iv = LLVMBuildPhi(cg->f->b, cg->i64, "r");
  LLVMBuildCondBr(cg->f->b, LLVMBuildICmp(cg->f->b, LLVMIntSLT, L->iv, end, ""), L->body, L->exit);
  LLVMPositionBuilderAtEnd(cg->f->b, L->body);
  return L->iv;
}

static void gl_end(Cg *cg, GLoop *L, int64_t step) {
  LLVMValueRef next = add_i(cg, L->iv, step);
  LLVMBasicBlockRef latch = LLVMGetInsertBlock(cg->f->b);
  LLVMBuildBr(cg->f->b, L->head);
  LLVMValueRef v[2] = {L->start, next};
  LLVMBasicBlockRef bb[2] = {L->pre, latch};
  LLVMAddIncoming(L->iv, v, bb, 2);
  LLVMPositionBuilderAtEnd(cg->f->b, L->exit);
}

/* ---- the helpers cg_llvm_sparse.c shares (cg_llvm.h) */
LLVMTypeRef cg_vty(Cg *cg, int w) { return vty(cg, w); }
LLVMValueRef cg_vfma(Cg *cg, LLVMValueRef x, LLVMValueRef y, LLVMValueRef acc, int w) {
  (void)w; /* the type of acc says it */
  return vfma(cg, x, y, acc);
}
LLVMValueRef cg_splat(Cg *cg, LLVMValueRef s, int w) { return splat(cg, s, w); }
LLVMValueRef cg_vload_t(Cg *cg, LLVMTypeRef t, LLVMValueRef p, int w) {
  return vload_t(cg, t, p, w);
}
LLVMValueRef cg_for_begin(Cg *cg, CgLoop *L, LLVMValueRef start, LLVMValueRef end) {
  return gl_begin(cg, L, start, end);
}
void cg_for_end(Cg *cg, CgLoop *L, int64_t step) { gl_end(cg, L, step); }

/* A loop over i in [0, n), n >= 1, tested at the bottom, carrying `nacc` values: on entry
 * acc[] holds their initial values; rl_begin returns i and replaces acc[] by the phis;
 * rl_end takes the updated values and leaves acc[] holding the final ones after the loop. */
typedef struct RLoop {
  LLVMBasicBlockRef pre, body;
  LLVMValueRef iv, start, phis[MAX_R * MAX_G];
  int nacc;
} RLoop;

static LLVMValueRef rl_begin_at(Cg *cg, RLoop *L, LLVMValueRef *acc, int nacc, LLVMValueRef start) {
  L->start = start;
  L->pre = LLVMGetInsertBlock(cg->f->b);
  L->body = LLVMAppendBasicBlockInContext(cg->ctx, cg->f->fn, "sk.k");
  L->nacc = nacc;
  LLVMBuildBr(cg->f->b, L->body);
  LLVMPositionBuilderAtEnd(cg->f->b, L->body);
  L->iv = LLVMBuildPhi(cg->f->b, cg->i64, "k");
  for (int i = 0; i < nacc; i++) {
    L->phis[i] = LLVMBuildPhi(cg->f->b, LLVMTypeOf(acc[i]), "acc");
    LLVMBasicBlockRef bb = L->pre;
    LLVMAddIncoming(L->phis[i], &acc[i], &bb, 1);
    acc[i] = L->phis[i];
  }
  return L->iv;
}

static void rl_end_at(Cg *cg, RLoop *L, LLVMValueRef *acc, LLVMValueRef end) {
  LLVMValueRef next = add_i(cg, L->iv, 1);
  LLVMBasicBlockRef latch = LLVMGetInsertBlock(cg->f->b);
  LLVMBasicBlockRef exit = LLVMAppendBasicBlockInContext(cg->ctx, cg->f->fn, "sk.kend");
  LLVMBuildCondBr(cg->f->b, LLVMBuildICmp(cg->f->b, LLVMIntSLT, next, end, ""), L->body, exit);
  LLVMBasicBlockRef pre = L->pre;
  LLVMAddIncoming(L->iv, &L->start, &pre, 1);
  LLVMAddIncoming(L->iv, &next, &latch, 1);
  for (int i = 0; i < L->nacc; i++) LLVMAddIncoming(L->phis[i], &acc[i], &latch, 1);
  LLVMPositionBuilderAtEnd(cg->f->b, exit);
}

/* the loop of i in [0, n) */
static LLVMValueRef rl_begin(Cg *cg, RLoop *L, LLVMValueRef *acc, int nacc) {
  return rl_begin_at(cg, L, acc, nacc, cg_const_i64(cg, 0));
}
static void rl_end(Cg *cg, RLoop *L, LLVMValueRef *acc, int64_t n) {
  rl_end_at(cg, L, acc, cg_const_i64(cg, n));
}

/* ------------------------------------------------------------------ c = a b' */

static LLVMValueRef shuffle(Cg *cg, LLVMValueRef x, LLVMValueRef y, const int *mask) {
  LLVMValueRef m[4];
  for (int i = 0; i < 4; i++) m[i] = LLVMConstInt(cg->i32, (unsigned long long)mask[i], 0);
  return LLVMBuildShuffleVector(cg->f->b, x, y, LLVMConstVector(m, 4), "");
}

/* [sum(p), sum(q), sum(r), sum(s)] of four 4-vectors: ((x0 + x1) + (x2 + x3)) each. */
static LLVMValueRef hsum4(Cg *cg, LLVMValueRef p, LLVMValueRef q, LLVMValueRef r, LLVMValueRef s) {
  static const int even[4] = {0, 4, 2, 6}, odd[4] = {1, 5, 3, 7}, lo[4] = {0, 1, 4, 5},
                   hi[4] = {2, 3, 6, 7};
  LLVMValueRef pq = LLVMBuildFAdd(cg->f->b, shuffle(cg, p, q, even), shuffle(cg, p, q, odd), "");
  LLVMValueRef rs = LLVMBuildFAdd(cg->f->b, shuffle(cg, r, s, even), shuffle(cg, r, s, odd), "");
  return LLVMBuildFAdd(cg->f->b, shuffle(cg, pq, rs, lo), shuffle(cg, pq, rs, hi), "");
}

/* Prefetch the cache line at p into L2 (locality 2) for reading. Never faults. */
static void prefetch(Cg *cg, LLVMValueRef p) {
  static const char name[] = "llvm.prefetch";
  unsigned id = LLVMLookupIntrinsicID(name, sizeof name - 1);
  LLVMTypeRef pt = cg->ptr;
  LLVMTypeRef ft = LLVMIntrinsicGetType(cg->ctx, id, &pt, 1);
  LLVMValueRef fn = LLVMGetIntrinsicDeclaration(cg->mod, id, &pt, 1);
  LLVMValueRef args[4] = {p, LLVMConstInt(cg->i32, 0, 0), LLVMConstInt(cg->i32, 2, 0),
                          LLVMConstInt(cg->i32, 1, 0)};
  LLVMBuildCall2(cg->f->b, ft, fn, args, 4, "");
}

/* The table's entries (Sk.pft: what each row of the block prefetches, its counterpart in the
 * next block, or itself) from the block's row `row` on. */
static LLVMValueRef pft_at(Sk *k, LLVMValueRef row) {
  Cg *cg = k->cg;
  LLVMValueRef i = LLVMBuildNSWSub(cg->f->b, row, k->lo, "");
  return LLVMBuildInBoundsGEP2(cg->f->b, cg->ptr, k->pft, &i, 1, "");
}

/* The first element of row r of a: in a, or where the table of the block's rows says */
static LLVMValueRef a_row(Sk *k, LLVMValueRef r) {
  Cg *cg = k->cg;
  if (!k->direct) return at_t(cg, k->ta, k->a, mul_i(cg, r, k->lda));
  LLVMValueRef i = LLVMBuildNSWSub(cg->f->b, r, k->lo, "");
  return LLVMBuildLoad2(cg->f->b, cg->ptr,
                        LLVMBuildInBoundsGEP2(cg->f->b, cg->ptr, k->a, &i, 1, ""), "");
}

/* Before the loop along a's rows of a tile of R rows from r0: the table's entries for the
 * tile's rows, for prefetch_next_block; NULL when this product does not prefetch (no blockr,
 * or the plan says another product does) or has no table (the rows then follow in a, blockr
 * rows on). */
static LLVMValueRef next_rows(Sk *k, LLVMValueRef r0) {
  if (!k->blockr || !k->prefetch || !k->pft) return NULL;
  return pft_at(k, r0);
}

/* In a tile of R rows starting at arow0, at step ii of the loop along a's rows: prefetch one
 * row of the next block of a (k->blockr rows on, or from next_rows' entries `rows` when not NULL;
 * none when blockr is 0 or the plan says another product prefetches), the rows in turn as ii
 * runs. */
static void prefetch_next_block(Sk *k, LLVMValueRef arow0, LLVMValueRef rows, LLVMValueRef ii,
                                int R) {
  Cg *cg = k->cg;
  if (!k->blockr || !k->prefetch) return;
  LLVMValueRef q =
      R > 1 ? LLVMBuildAnd(cg->f->b, ii, cg_const_i64(cg, R - 1), "") : cg_const_i64(cg, 0);
  if (rows) {
    LLVMValueRef p = LLVMBuildLoad2(cg->f->b, cg->ptr,
                                    LLVMBuildInBoundsGEP2(cg->f->b, cg->ptr, rows, &q, 1, ""), "");
    prefetch(cg, at_t(cg, k->ta, p, ii));
    return;
  }
  LLVMValueRef off = LLVMBuildNSWAdd(cg->f->b, mul_i(cg, add_i(cg, q, k->blockr), k->lda), ii, "");
  prefetch(cg, at_t(cg, k->ta, arow0, off));
}

/* A masked load of the first `w` of `n` (<= 16) elements of type et at p (the others 0; never
 * touches them), as they are (raw) or widened to doubles. */
static LLVMValueRef mload_raw(Cg *cg, LLVMTypeRef et, LLVMValueRef p, int w, int n, bool raw) {
  LLVMTypeRef t = LLVMVectorType(et, (unsigned)n), pt = cg->ptr;
  LLVMTypeRef ov[2] = {t, pt};
  static const char name[] = "llvm.masked.load";
  unsigned id = LLVMLookupIntrinsicID(name, sizeof name - 1);
  LLVMTypeRef ft = LLVMIntrinsicGetType(cg->ctx, id, ov, 2);
  LLVMValueRef fn = LLVMGetIntrinsicDeclaration(cg->mod, id, ov, 2);
  LLVMValueRef m[16];
  for (int i = 0; i < n; i++) m[i] = LLVMConstInt(cg->i1, i < w, 0);
  LLVMValueRef args[4] = {p, LLVMConstInt(cg->i32, et == cg->f64 ? 8 : 4, 0),
                          LLVMConstVector(m, (unsigned)n), LLVMConstNull(t)};
  LLVMValueRef v = LLVMBuildCall2(cg->f->b, ft, fn, args, 4, "");
  return raw || et == cg->f64 ? v : LLVMBuildFPExt(cg->f->b, v, vty(cg, n), "");
}

/* w elements of type et at p as they are (w = 1: a scalar) */
static LLVMValueRef vload_raw(Cg *cg, LLVMTypeRef et, LLVMValueRef p, int w) {
  LLVMValueRef l = LLVMBuildLoad2(cg->f->b, vty_e(et, w), p, "");
  LLVMSetAlignment(l, et == cg->f64 ? 8 : 4);
  return l;
}

/* [x0 + x_{w/2}, ...]: a vector of w lanes folded to w / 2 */
static LLVMValueRef fold_half(Cg *cg, LLVMValueRef x, int w) {
  return LLVMBuildFAdd(cg->f->b, lanes(cg, x, 0, w / 2), lanes(cg, x, w / 2, w / 2), "");
}

/* b (n rows of k at ldb, doubles) rounded to float into a stack buffer of n k floats (row j at
 * j k), at the current position: the right operand of a float a b'. */
static LLVMValueRef round_b(Cg *cg, LLVMValueRef b, int64_t ldb, int64_t n, int64_t k) {
  LLVMValueRef buf = LLVMBuildArrayAlloca(cg->f->eb, cg->f32t, cg_const_i64(cg, n * k), "b32");
  int64_t len = ldb == k ? n * k : k, rows = ldb == k ? 1 : n; /* contiguous: one loop */
  for (int64_t j = 0; j < rows; j++) {
    GLoop L;
    LLVMValueRef p = gl_begin(cg, &L, cg_const_i64(cg, 0), cg_const_i64(cg, len));
    LLVMValueRef d = LLVMBuildLoad2(cg->f->b, cg->f64, at(cg, b, add_i(cg, p, j * ldb)), "");
    LLVMValueRef f = LLVMBuildFPTrunc(cg->f->b, d, cg->f32t, "");
    LLVMBuildStore(cg->f->b, f, at_t(cg, cg->f32t, buf, add_i(cg, p, j * k)));
    gl_end(cg, &L, 1);
  }
  return buf;
}

/* The rows of a of a tile of c = a b' starting at r0: rows past hi (the last tile) repeat the
 * last row; their results are not stored. */
static void nn_rows(Sk *k, LLVMValueRef r0, int R, LLVMValueRef hi, LLVMValueRef *arow,
                    LLVMValueRef *rows) {
  Cg *cg = k->cg;
  LLVMValueRef last = add_i(cg, hi, -1);
  for (int i = 0; i < R; i++) {
    LLVMValueRef r = add_i(cg, r0, i);
    if (i > 0)
      r = LLVMBuildSelect(cg->f->b, LLVMBuildICmp(cg->f->b, LLVMIntSLT, r, hi, ""), r, last, "");
    arow[i] = a_row(k, r);
    rows[i] = r;
  }
}

/* Rows [r0, r0 + R) of c, columns [j0, j0 + nj) (nj <= MAX_G; j0 a value: groups may be a
 * loop). */
static void nn_tile(Sk *k, LLVMValueRef r0, int R, LLVMValueRef j0, int nj, LLVMValueRef hi) {
  Cg *cg = k->cg;
  const SchedBlas *bl = k->bl;
  int W = k->fl ? k->fw : k->vw;
  int64_t k4 = bl->k / W * W;
  int rem = (int)(bl->k - k4);
  LLVMValueRef arow[MAX_R], brow[MAX_G], acc[MAX_R * MAX_G];
  LLVMTypeRef ta = k->ta, tb = k->tb, et = k->fl ? cg->f32t : cg->f64;
  LLVMValueRef rows[MAX_R];
  nn_rows(k, r0, R, hi, arow, rows);
  for (int j = 0; j < nj; j++)
    brow[j] = at_t(cg, tb, k->b, mul_i(cg, add_i(cg, j0, j), k->ldb));
  for (int i = 0; i < R * nj; i++) acc[i] = LLVMConstNull(vty_e(et, W));
  /* the plan's prefetching product (bl->prefetch: f, hvp_xy): the first group of columns
   * prefetches the tile's rows of the next block as it goes along k (j0 a loop: the others
   * prefetch their own rows, already in cache) */
  LLVMValueRef pf[MAX_R] = {NULL};
  if ((k->direct ? k->pft : k->pfoff) &&
      (!LLVMIsAConstantInt(j0) || LLVMConstIntGetSExtValue(j0) == 0)) {
    LLVMValueRef first = LLVMBuildICmp(cg->f->b, LLVMIntEQ, j0, cg_const_i64(cg, 0), "");
    for (int i = 0; i < R; i++) { /* rows read in place: from the table of the rows to come */
      LLVMValueRef to = k->direct ? LLVMBuildLoad2(cg->f->b, cg->ptr, pft_at(k, rows[i]), "")
                                  : at_t(cg, ta, arow[i], k->pfoff);
      pf[i] = LLVMBuildSelect(cg->f->b, first, to, arow[i], "");
    }
  }
  for (int pass = 0; pass < 2; pass++) { /* W at a time, then the last k % W masked */
    LLVMValueRef kk;
    RLoop L;
    if (pass == 0) {
      if (k4 == 0) continue;
      kk = mul_i(cg, rl_begin(cg, &L, acc, R * nj), W);
    } else {
      if (rem == 0) continue;
      kk = cg_const_i64(cg, k4);
    }
    LLVMValueRef u[MAX_R];
    if (pass == 0 && pf[0])
      for (int i = 0; i < R; i++) prefetch(cg, at_t(cg, ta, pf[i], kk));
    for (int i = 0; i < R; i++) {
      LLVMValueRef p = at_t(cg, ta, arow[i], kk);
      u[i] = pass == 0 ? (k->fl ? vload_raw(cg, ta, p, W) : vload_t(cg, ta, p, W))
                       : mload_raw(cg, ta, p, rem, W, k->fl);
    }
    for (int j = 0; j < nj; j++) {
      LLVMValueRef p = at_t(cg, tb, brow[j], kk);
      LLVMValueRef v = pass == 0 ? (k->fl ? vload_raw(cg, tb, p, W) : vload_t(cg, tb, p, W))
                                 : mload_raw(cg, tb, p, rem, W, k->fl);
      for (int i = 0; i < R; i++) acc[i * nj + j] = vfma(cg, u[i], v, acc[i * nj + j]);
    }
    if (pass == 0) rl_end(cg, &L, acc, k4 / W);
  }
  /* fold each accumulator to 4 lanes: lane i + lane i + w/2, halving */
  for (int w = W; w > 4; w /= 2)
    for (int i = 0; i < R * nj; i++) acc[i] = fold_half(cg, acc[i], w);
  for (int i = 0; i < R; i++) {
    LLVMBasicBlockRef skip = NULL;
    if (i > 0) { /* only rows before hi */
      LLVMBasicBlockRef st = LLVMAppendBasicBlockInContext(cg->ctx, cg->f->fn, "sk.row");
      skip = LLVMAppendBasicBlockInContext(cg->ctx, cg->f->fn, "sk.next");
      LLVMValueRef in = LLVMBuildICmp(cg->f->b, LLVMIntSLT, add_i(cg, r0, i), hi, "");
      LLVMBuildCondBr(cg->f->b, in, st, skip);
      LLVMPositionBuilderAtEnd(cg->f->b, st);
    }
    LLVMValueRef crow =
        at(cg, k->c, LLVMBuildNSWAdd(cg->f->b, mul_i(cg, add_i(cg, r0, i), k->ldc), j0, ""));
    for (int j4 = 0; j4 < nj; j4 += 4) { /* 4 columns at a time */
      int n4 = nj - j4 < 4 ? nj - j4 : 4;
      LLVMValueRef *a = &acc[i * nj + j4];
      LLVMValueRef sum = hsum4(cg, a[0], a[n4 > 1 ? 1 : 0], a[n4 > 2 ? 2 : 0], a[n4 > 3 ? 3 : 0]);
      if (k->fl) sum = LLVMBuildFPExt(cg->f->b, sum, vty(cg, 4), "");
      if (k->alpha) sum = LLVMBuildFMul(cg->f->b, splat(cg, k->alpha, 4), sum, "");
      /* lanes 0..n4-1 to c: a vector of 4, 2 (+ 1) or 1 */
      for (int j = 0; j < n4;) {
        int w = n4 - j >= 4 ? 4 : n4 - j >= 2 ? 2 : 1;
        LLVMValueRef v;
        if (w == 4) v = sum;
        else if (w == 2) {
          LLVMValueRef m[2] = {LLVMConstInt(cg->i32, (unsigned long long)j, 0),
                               LLVMConstInt(cg->i32, (unsigned long long)j + 1, 0)};
          v = LLVMBuildShuffleVector(cg->f->b, sum, LLVMGetUndef(vty(cg, 4)),
                                     LLVMConstVector(m, 2), "");
        } else {
          v = LLVMBuildExtractElement(cg->f->b, sum,
                                      LLVMConstInt(cg->i32, (unsigned long long)j, 0), "");
        }
        LLVMValueRef p = at(cg, crow, cg_const_i64(cg, j4 + j));
        if (bl->beta != 0) v = LLVMBuildFAdd(cg->f->b, vload(cg, p, w), v, "");
        vstore(cg, v, p);
        j += w;
      }
    }
    if (skip) {
      LLVMBuildBr(cg->f->b, skip);
      LLVMPositionBuilderAtEnd(cg->f->b, skip);
    }
  }
}

/* ------------------------------------------------------------------ c = a' b */

/* Rows [r0, r0 + R) of a and b added into c (row-major), columns of vectors g[0..ng). */
static void tn_tile(Sk *k, LLVMValueRef r0, int R, const Vec *g, int ng) {
  Cg *cg = k->cg;
  const SchedBlas *bl = k->bl;
  LLVMValueRef arow[MAX_R], brow[MAX_R * 3];
  LLVMTypeRef ta = k->ta;
  for (int i = 0; i < R; i++) {
    LLVMValueRef r = add_i(cg, r0, i);
    arow[i] = a_row(k, r);
    LLVMValueRef b = at_t(cg, k->tb, k->b, mul_i(cg, r, k->ldb));
    for (int v = 0; v < ng; v++) {
      LLVMValueRef x = vload_t(cg, k->tb, at_t(cg, k->tb, b, cg_const_i64(cg, g[v].c0)), g[v].w);
      if (k->alpha) x = LLVMBuildFMul(cg->f->b, splat(cg, k->alpha, g[v].w), x, "");
      brow[i * ng + v] = x;
    }
  }
  LLVMValueRef pfrows = g[0].c0 == 0 ? next_rows(k, r0) : NULL;
  RLoop L;
  LLVMValueRef none[1];
  LLVMValueRef ii = rl_begin(cg, &L, none, 0);
  LLVMValueRef crow = mul_i(cg, ii, k->ldc), cp[3], cv[3];
  for (int v = 0; v < ng; v++) {
    cp[v] = at(cg, k->c, add_i(cg, crow, g[v].c0));
    cv[v] = vload(cg, cp[v], g[v].w);
  }
  if (g[0].c0 == 0) prefetch_next_block(k, arow[0], pfrows, ii, R);
  for (int i = 0; i < R; i++) {
    LLVMValueRef s = vload_t(cg, ta, at_t(cg, ta, arow[i], ii), 1);
    for (int v = 0; v < ng; v++)
      cv[v] = vfma(cg, splat(cg, s, g[v].w), brow[i * ng + v], cv[v]);
  }
  for (int v = 0; v < ng; v++) vstore(cg, cv[v], cp[v]);
  rl_end(cg, &L, none, bl->m);
}

/* Float a (see the top of the file): rows of a and b in chunks of at most TN_CH; in each, the
 * chunk's rows of b rounded to float (times alpha) into bf, then tiles of c: `nv` vectors of
 * F = 2W consecutive rows of c (i) times `nj` columns (j), nv nj float accumulators, each the
 * float sum over the chunk's rows in order of a(r, i) bf(r, j) (a's row loaded as vectors, bf
 * broadcast), widened to double, transposed 4 x 4 and added to c's rows. */
enum { TN_CH = 64, TN_ACC = 12 };

typedef struct TnChunk {
  LLVMValueRef r0, r1; /* the chunk's rows */
  LLVMValueRef bf; /* its rows of b in float: row r at (r - r0) n */
} TnChunk;

/* [x(0, l), x(1, l), x(2, l), x(3, l)] for l < 4: the 4 x 4 transpose of 4-vectors x */
static void transpose4(Cg *cg, LLVMValueRef *x) {
  static const int lo[4] = {0, 4, 2, 6}, hi[4] = {1, 5, 3, 7}, first[4] = {0, 1, 4, 5},
                   second[4] = {2, 3, 6, 7};
  LLVMValueRef t0 = shuffle(cg, x[0], x[1], lo), t1 = shuffle(cg, x[0], x[1], hi);
  LLVMValueRef t2 = shuffle(cg, x[2], x[3], lo), t3 = shuffle(cg, x[2], x[3], hi);
  x[0] = shuffle(cg, t0, t2, first);
  x[1] = shuffle(cg, t1, t3, first);
  x[2] = shuffle(cg, t0, t2, second);
  x[3] = shuffle(cg, t1, t3, second);
}

/* c(i0 + l, j0 + jj) += acc[jj](l) for l < valid (<= F), jj < nj: 4 rows of c at a time, the
 * accumulators' lanes widened and transposed into 4-column pieces of c's rows. */
static void tn_add(Sk *k, const LLVMValueRef *acc, int nj, LLVMValueRef i0, int64_t j0, int valid) {
  Cg *cg = k->cg;
  if (k->ct) { /* c'(j, i): each accumulator widened onto consecutive elements, no transpose */
    for (int jj = 0; jj < nj; jj++) {
      LLVMValueRef crow = mul_i(cg, cg_const_i64(cg, j0 + jj), k->ldc);
      for (int l = 0; l < valid;) {
        int w = valid - l >= 4 ? 4 : valid - l >= 2 ? 2 : 1;
        LLVMValueRef part = LLVMBuildFPExt(cg->f->b, lanes(cg, acc[jj], l, w), vty(cg, w), "");
        LLVMValueRef cp = at(cg, k->c, LLVMBuildNSWAdd(cg->f->b, crow, add_i(cg, i0, l), ""));
        vstore(cg, LLVMBuildFAdd(cg->f->b, vload(cg, cp, w), part, ""), cp);
        l += w;
      }
    }
    return;
  }
  LLVMValueRef zero = LLVMConstNull(vty(cg, 4));
  for (int q = 0; q * 4 < valid; q++) { /* rows i0 + 4q .. 4q + 3 of c */
    for (int g = 0; g < nj; g += 4) { /* columns j0 + g .. g + 3 */
      LLVMValueRef t[4];
      for (int jj = 0; jj < 4; jj++)
        t[jj] = g + jj < nj
                    ? LLVMBuildFPExt(cg->f->b, lanes(cg, acc[g + jj], 4 * q, 4), vty(cg, 4), "")
                    : zero;
      transpose4(cg, t); /* t[l]: row i0 + 4q + l, columns j0 + g .. */
      int cols = nj - g < 4 ? nj - g : 4;
      for (int l = 0; l < 4 && 4 * q + l < valid; l++) {
        LLVMValueRef crow = mul_i(cg, add_i(cg, i0, 4 * q + l), k->ldc);
        for (int j = 0; j < cols;) {
          int w = cols - j >= 4 ? 4 : cols - j >= 2 ? 2 : 1;
          LLVMValueRef part = lanes(cg, t[l], j, w);
          LLVMValueRef cp = at(cg, k->c, add_i(cg, crow, j0 + g + j));
          vstore(cg, LLVMBuildFAdd(cg->f->b, vload(cg, cp, w), part, ""), cp);
          j += w;
        }
      }
    }
  }
}

/* Prefetch, from column i on, the row of a that row r's place takes in the next block: the
 * table's row (sampled rows), or blockr rows on in a. */
static void prefetch_next_row(Sk *k, LLVMValueRef r, LLVMValueRef i) {
  Cg *cg = k->cg;
  LLVMValueRef p;
  if (k->pft) {
    p = at_t(cg, k->ta, LLVMBuildLoad2(cg->f->b, cg->ptr, pft_at(k, r), ""), i);
  } else {
    LLVMValueRef off = LLVMBuildNSWAdd(cg->f->b, mul_i(cg, add_i(cg, r, k->blockr), k->lda), i, "");
    p = LLVMBuildGEP2(cg->f->b, k->ta, k->a, &off, 1, "");
  }
  prefetch(cg, p);
}

/* One tile: rows [i0, i0 + nv F) of c (the last vector's first `tail` lanes only when tail > 0)
 * and columns [j0, j0 + nj), over the chunk's rows. */
static void tn_tile_f32(Sk *k, const TnChunk *ch, LLVMValueRef i0, int nv, int tail, int64_t j0,
                        int nj) {
  Cg *cg = k->cg;
  int F = k->fw;
  LLVMTypeRef vf = vty_e(cg->f32t, F);
  LLVMValueRef acc[TN_ACC];
  for (int i = 0; i < nv * nj; i++) acc[i] = LLVMConstNull(vf);
  RLoop L;
  LLVMValueRef r = rl_begin_at(cg, &L, acc, nv * nj, ch->r0);
  LLVMValueRef arow = a_row(k, r), x[TN_ACC];
  for (int v = 0; v < nv; v++) {
    LLVMValueRef p = at_t(cg, k->ta, arow, add_i(cg, i0, (int64_t)v * F));
    x[v] =
        tail && v == nv - 1 ? mload_raw(cg, k->ta, p, tail, F, true) : vload_raw(cg, k->ta, p, F);
  }
  if (k->blockr && k->prefetch && j0 == 0) prefetch_next_row(k, r, i0); /* from i0 on */
  LLVMValueRef brow = mul_i(cg, LLVMBuildNSWSub(cg->f->b, r, ch->r0, ""), k->bl->n);
  for (int jj = 0; jj < nj; jj++) {
    LLVMValueRef bj =
        vload_raw(cg, cg->f32t, at_t(cg, cg->f32t, ch->bf, add_i(cg, brow, j0 + jj)), 1);
    LLVMValueRef s = splat(cg, bj, F);
    for (int v = 0; v < nv; v++) acc[v * nj + jj] = vfma(cg, x[v], s, acc[v * nj + jj]);
  }
  rl_end_at(cg, &L, acc, ch->r1);
  for (int v = 0; v < nv; v++)
    tn_add(k, &acc[v * nj], nj, add_i(cg, i0, (int64_t)v * F), j0, tail && v == nv - 1 ? tail : F);
}

/* bf(r - r0, j) = float(alpha b(r, j)) for the chunk's rows */
static void tn_round_b(Sk *k, const TnChunk *ch) {
  Cg *cg = k->cg;
  int64_t n = k->bl->n;
  GLoop L;
  LLVMValueRef r = gl_begin(cg, &L, ch->r0, ch->r1);
  LLVMValueRef brow = at_t(cg, k->tb, k->b, mul_i(cg, r, k->ldb));
  LLVMValueRef frow =
      at_t(cg, cg->f32t, ch->bf, mul_i(cg, LLVMBuildNSWSub(cg->f->b, r, ch->r0, ""), n));
  for (int64_t j = 0; j < n;) {
    int w = n - j >= 4 ? 4 : n - j >= 2 ? 2 : 1;
    LLVMValueRef x = vload_t(cg, k->tb, at_t(cg, k->tb, brow, cg_const_i64(cg, j)), w);
    if (k->alpha) x = LLVMBuildFMul(cg->f->b, splat(cg, k->alpha, w), x, "");
    x = LLVMBuildFPTrunc(cg->f->b, x, vty_e(cg->f32t, w), "");
    LLVMValueRef st = LLVMBuildStore(cg->f->b, x, at_t(cg, cg->f32t, frow, cg_const_i64(cg, j)));
    LLVMSetAlignment(st, 4);
    j += w;
  }
  gl_end(cg, &L, 1);
}

/* Double a' b onto a transposed partial (k->ct, at 512 bits: see the top of the file): tiles of
 * `nv` vectors of W consecutive rows of c (i) times `nj` columns (j), each accumulator loaded
 * from c'(j, i..) and given one FMA a row, a(r, i..) loaded as a vector and b(r, j) broadcast,
 * in row order, then stored back: each element the same sequence of FMAs as tn_tile's. */
enum { TN_ACC_CT = 20 };

/* The tile of rows [i0, i0 + nv W) of c (the last vector's first `tail` lanes only when tail >
 * 0) and columns [j0, j0 + nj), over the chunk's rows. */
static void tn_tile_ct(Sk *k, const TnChunk *ch, LLVMValueRef i0, int nv, int tail, int64_t j0,
                       int nj) {
  Cg *cg = k->cg;
  int W = k->vw;
  LLVMValueRef acc[TN_ACC_CT], cp[TN_ACC_CT];
  for (int v = 0; v < nv; v++)
    for (int jj = 0; jj < nj; jj++) {
      LLVMValueRef e = LLVMBuildNSWAdd(cg->f->b, mul_i(cg, cg_const_i64(cg, j0 + jj), k->ldc),
                                       add_i(cg, i0, (int64_t)v * W), "");
      LLVMValueRef p = cp[v * nj + jj] = at(cg, k->c, e);
      acc[v * nj + jj] =
          tail && v == nv - 1 ? mload_raw(cg, cg->f64, p, tail, W, true) : vload(cg, p, W);
    }
  RLoop L;
  LLVMValueRef r = rl_begin_at(cg, &L, acc, nv * nj, ch->r0);
  LLVMValueRef arow = a_row(k, r), x[TN_ACC_CT];
  for (int v = 0; v < nv; v++) {
    LLVMValueRef p = at_t(cg, k->ta, arow, add_i(cg, i0, (int64_t)v * W));
    x[v] = tail && v == nv - 1 ? mload_raw(cg, k->ta, p, tail, W, false) : vload_t(cg, k->ta, p, W);
  }
  if (k->blockr && k->prefetch && j0 == 0) /* its tile's lines */
    for (int v = 0; v < nv; v += 8 / W) prefetch_next_row(k, r, add_i(cg, i0, (int64_t)v * W));
  LLVMValueRef brow = at_t(cg, k->tb, k->b, mul_i(cg, r, k->ldb));
  for (int jj = 0; jj < nj; jj++) {
    LLVMValueRef bj = vload_t(cg, k->tb, at_t(cg, k->tb, brow, cg_const_i64(cg, j0 + jj)), 1);
    if (k->alpha) bj = LLVMBuildFMul(cg->f->b, k->alpha, bj, "");
    LLVMValueRef s = splat(cg, bj, W);
    for (int v = 0; v < nv; v++) acc[v * nj + jj] = vfma(cg, x[v], s, acc[v * nj + jj]);
  }
  rl_end_at(cg, &L, acc, ch->r1);
  for (int v = 0; v < nv; v++)
    for (int jj = 0; jj < nj; jj++) {
      LLVMValueRef a = acc[v * nj + jj], p = cp[v * nj + jj];
      int valid = tail && v == nv - 1 ? tail : W;
      for (int l = 0; l < valid;) { /* the valid lanes: vectors of W, 4, 2, then 1 */
        int w = valid - l >= W ? W : valid - l >= 4 ? 4 : valid - l >= 2 ? 2 : 1;
        vstore(cg, w == W ? a : lanes(cg, a, l, w), at(cg, p, cg_const_i64(cg, l)));
        l += w;
      }
    }
}

/* How tn_loops tiles c: the tile function, its lanes per vector, its most accumulators and
 * vectors of rows of c per tile, and whether a chunk's rows of b are first rounded to float. */
typedef struct TnShape {
  void (*tile)(Sk *k, const TnChunk *ch, LLVMValueRef i0, int nv, int tail, int64_t j0, int nj);
  int lanes, acc, max_nv;
  bool round_b;
} TnShape;

/* c += alpha a' b over rows [lo, hi) of a and b along c's rows (float a: tn_tile_f32; double a
 * onto a transposed partial: tn_tile_ct): chunks of at most TN_CH rows (a's rows stay in cache
 * between the tiles of a chunk), and in each the tiles of c for every group of columns: nv
 * vectors at a time while they fit, then one, then the last rows of c (m % lanes) in a masked
 * vector. */
static void tn_loops(Sk *k, LLVMValueRef lo, LLVMValueRef hi, const TnShape *sh) {
  Cg *cg = k->cg;
  int64_t m = k->bl->m, n = k->bl->n, F = sh->lanes;
  int ngroups = (int)((n + sh->acc - 1) / sh->acc);
  TnChunk ch = {0};
  if (sh->round_b)
    ch.bf = LLVMBuildArrayAlloca(cg->f->eb, cg->f32t, cg_const_i64(cg, TN_CH * n), "bf");
  GLoop C;
  ch.r0 = gl_begin(cg, &C, lo, hi);
  LLVMValueRef end = add_i(cg, ch.r0, TN_CH);
  ch.r1 = LLVMBuildSelect(cg->f->b, LLVMBuildICmp(cg->f->b, LLVMIntSLT, end, hi, ""), end, hi, "");
  if (sh->round_b) tn_round_b(k, &ch);
  int64_t j0 = 0;
  for (int g = 0; g < ngroups; g++) {
    int nj = (int)((n - j0 + (ngroups - g) - 1) / (ngroups - g)); /* balanced groups */
    int nv = sh->acc / nj < 1 ? 1 : sh->acc / nj;
    if (nv > sh->max_nv) nv = sh->max_nv;
    int64_t wide = m / (nv * F) * (nv * F), full = m / F * F;
    if (nv > 1 && wide > 0) {
      GLoop I;
      LLVMValueRef i0 = gl_begin(cg, &I, cg_const_i64(cg, 0), cg_const_i64(cg, wide));
      sh->tile(k, &ch, i0, nv, 0, j0, nj);
      gl_end(cg, &I, nv * F);
    } else {
      wide = 0;
    }
    if (full > wide) {
      GLoop I;
      LLVMValueRef i0 = gl_begin(cg, &I, cg_const_i64(cg, wide), cg_const_i64(cg, full));
      sh->tile(k, &ch, i0, 1, 0, j0, nj);
      gl_end(cg, &I, F);
    }
    if (m > full) sh->tile(k, &ch, cg_const_i64(cg, full), 1, (int)(m - full), j0, nj);
    j0 += nj;
  }
  gl_end(cg, &C, TN_CH);
}

/* ------------------------------------------------------------------ driver */

/* Whether the skinny product st computes in float (see the top of the file): a is float data
 * and, for a b', b is float data or small enough to round into a stack buffer. */
static bool float_arith(Cg *cg, const SchedBlas *bl) {
  if (!cg_is_f32(cg, &bl->a)) return false;
  return bl->trans_a || cg_is_f32(cg, &bl->b) || bl->n * bl->k <= B32_MAX;
}

LLVMValueRef cg_skinny_round_b(Cg *cg, const SchedStep *st) {
  const SchedBlas *bl = &st->blas;
  if (st->kind != SS_SKINNY_GEMM || bl->trans_a || !float_arith(cg, bl) || cg_is_f32(cg, &bl->b))
    return NULL;
  return round_b(cg, cg_view_ptr(cg, &bl->b), bl->n == 1 ? bl->k : (bl->b.ld > 1 ? bl->b.ld : 1),
                 bl->n, bl->k);
}

/* The register tile for the vector width (measured, doc/performance.md "Register tiles"):
 * 256 bits (16 registers without AVX-512): a b' 3 rows x 4 columns, 12 accumulators; a' b 4
 * rows (float a, and double a onto a transposed partial at 512 bits: tn_loops). 512 bits (32
 * registers): a b' 4 rows x 5 columns, 20 accumulators (c = 10 in two tiles, a's rows loaded
 * once per 5 columns instead of 4, b's 10 rows once per 4 rows instead of 3); a' b 8 rows,
 * halving the loads and stores of c per row of a. */
static void tile_choose(Sk *k) {
  bool wide = k->vw >= 8;
  k->nn_r = wide ? 4 : 3;
  k->nn_g = wide ? 5 : 4;
  k->tn_r = wide ? TN_R8 : TN_R;
}

/* The tiles of rows [lo, hi) at the current position: rows of c (a b') or of a and b (a' b). */
static void sk_loops(Sk *k, LLVMValueRef lo, LLVMValueRef hi) {
  Cg *cg = k->cg;
  k->lo = lo;
  int R = k->bl->trans_a ? k->tn_r : k->nn_r;
  if (!k->bl->trans_a) { /* tiles of rows (the last one partial); groups of 4 columns (a loop when
                         there are several), then the rest */
    GLoop L;
    LLVMValueRef r0 = gl_begin(cg, &L, lo, hi);
    int G = k->nn_g;
    int64_t full = k->bl->n / G;
    if (full == 1) nn_tile(k, r0, R, cg_const_i64(cg, 0), G, hi);
    if (full > 1) {
      GLoop J;
      LLVMValueRef j0 = gl_begin(cg, &J, cg_const_i64(cg, 0), cg_const_i64(cg, full * G));
      nn_tile(k, r0, R, j0, G, hi);
      gl_end(cg, &J, G);
    }
    if (k->bl->n % G) nn_tile(k, r0, R, cg_const_i64(cg, full * G), (int)(k->bl->n % G), hi);
    gl_end(cg, &L, R);
    return;
  }
  if (k->fl || k->ct) {
    TnShape sh = k->fl ? (TnShape){tn_tile_f32, k->fw, TN_ACC, 8, true}
                       : (TnShape){tn_tile_ct, k->vw, TN_ACC_CT, 4, false};
    tn_loops(k, lo, hi, &sh);
    return;
  }
  /* tiles of R rows, then (at 512 bits) of 4, then one row at a time */
  int sizes[3] = {R, R > TN_R ? TN_R : 1, 1}, npass = R > TN_R ? 3 : 2;
  LLVMValueRef from = lo;
  for (int pass = 0; pass < npass; pass++) {
    int rows = sizes[pass];
    LLVMValueRef to = hi;
    if (rows > 1) {
      LLVMValueRef span = LLVMBuildNSWSub(cg->f->b, hi, from, "");
      to = LLVMBuildNSWAdd(
          cg->f->b, from,
          mul_i(cg, LLVMBuildSDiv(cg->f->b, span, cg_const_i64(cg, rows), ""), rows), "");
    }
    GLoop L;
    LLVMValueRef r0 = gl_begin(cg, &L, from, to);
    for (int g0 = 0; g0 < k->nvec; g0 += 3) {
      int ng = k->nvec - g0 < 3 ? k->nvec - g0 : 3;
      tn_tile(k, r0, rows, &k->vec[g0], ng);
    }
    gl_end(cg, &L, rows);
    from = to;
  }
}

/* ------------------------------------------------------------------ shared functions */

struct CgSkinnyFn { /* a function of the module, by key */
  CgSkinnyKey key;
  LLVMValueRef fn;
};

/* cg_is_f32 without a Cg: the key is computed from the plan alone (jit.c) */
static bool is_f32(bool f32, const SchedBuf *b) { return f32 && sched_data_elts(b); }

/* The body step of region par that copies sampled rows into buf (sched_gather_rows), or NULL. */
static const SchedStep *gather_into(const SchedStep *par, const SchedBuf *buf) {
  for (int i = 0; par && i < par->nbody; i++) {
    const SchedBuf *d;
    if (sched_gather_rows(&par->body[i], &d) && d->base == buf->base && d->index == buf->index &&
        d->offset == buf->offset && d->ld == buf->ld)
      return &par->body[i];
  }
  return NULL;
}

bool cg_skinny_prefetch_table(const SchedStep *par, const SchedStep *st) {
  const SchedBlas *bl = &st->blas;
  return par && st->kind == SS_SKINNY_GEMM && bl->trans_a && bl->prefetch && par->block_rows > 0 &&
         gather_into(par, &bl->a);
}

CgSkinnyKey cg_skinny_key(const SchedStep *st, bool f32, int vector_bits, const SchedStep *par) {
  const SchedBlas *bl = &st->blas;
  int64_t block_rows = par ? par->block_rows : 0;
  CgSkinnyKey key = {0};
  key.trans_a = bl->trans_a;
  key.m = bl->trans_a ? bl->m : 0; /* a b': the rows are arguments */
  key.n = bl->n;
  key.k = bl->k;
  key.lda = bl->a.ld > 1 ? bl->a.ld : 1;
  key.ldb = bl->b.ld > 1 ? bl->b.ld : 1;
  if (!bl->trans_a && bl->n == 1) key.ldb = bl->k; /* one row */
  key.ct = bl->part && bl->part_trans;
  key.ldc = bl->c.ld > 1 ? bl->c.ld : 1; /* a partial's is its layout's: n, or m transposed */
  /* the block's rows only matter to the product that prefetches the next block (the plan
   * marks one per region, SchedBlas.prefetch); the others' code does not depend on them. An
   * a b' in a region takes the distance as an argument (Sk.pfoff; prefetch: "has it"), so the
   * prefetching and the other products of one shape share their function */
  key.prefetch = (bl->prefetch || !bl->trans_a) && block_rows > 0;
  key.blockr = key.prefetch && bl->trans_a ? block_rows : 0;
  /* a copy of sampled rows that is never made: the rows are read in the data, through a table
   * of pointers (SchedBuf.rows_direct) */
  key.direct = par && bl->a.rows_direct && gather_into(par, &bl->a);
  /* prefetch addresses from a table (Sk.pft): the plan's prefetching a' b of a block of sampled
   * rows, the rows they come from; an a b' over rows read in place, the next block's rows or
   * its own (a value, as Sk.pfoff is for the others) */
  key.pft = cg_skinny_prefetch_table(par, st) || (key.direct && !bl->trans_a && key.prefetch);
  key.alpha = !bl->part && (bl->alpha != 1 || bl->alpha_buf.base != SB_NONE);
  key.beta = bl->beta != 0;
  key.ta32 = is_f32(f32, &bl->a);
  key.tb32 = is_f32(f32, &bl->b);
  /* float arithmetic (see the top of the file): a is float data and, for a b', b is float
   * data or small enough to round into a stack buffer */
  key.fl = key.ta32 && (bl->trans_a || key.tb32 || bl->n * bl->k <= B32_MAX);
  if (key.fl && !bl->trans_a && !key.tb32) { /* b rounded to float, rows of k */
    key.tb32 = true;
    key.ldb = bl->k;
  }
  key.vw = vector_bits / 64;
  return key;
}

bool cg_skinny_key_eq(const CgSkinnyKey *x, const CgSkinnyKey *y) {
  return x->m == y->m && x->n == y->n && x->k == y->k && x->lda == y->lda && x->ldb == y->ldb &&
         x->ldc == y->ldc && x->blockr == y->blockr && x->prefetch == y->prefetch &&
         x->trans_a == y->trans_a && x->alpha == y->alpha && x->beta == y->beta && x->fl == y->fl &&
         x->vw == y->vw && x->ta32 == y->ta32 && x->tb32 == y->tb32 && x->ct == y->ct &&
         x->pft == y->pft && x->direct == y->direct;
}

static LLVMTypeRef sk_fn_type(Cg *cg) {
  LLVMTypeRef p[8] = {cg->ptr, cg->ptr, cg->ptr, cg->i64, cg->i64, cg->f64, cg->i64, cg->ptr};
  return LLVMFunctionType(cg->voidt, p, 8, 0);
}

/* The function `void (a, b, c, lo, hi, alpha, pf, pft)` running k's tiles over rows [lo, hi)
 * (pf: Sk.pfoff, pft: Sk.pft), found in the module or added to it now: "bloc.skinny<i>" for key
 * i of the JIT module's table, defined (exported) in the part that owns it and declared in the
 * others, whose objects LLJIT links against it; a key not in the table (or no table) gets a
 * function internal to the module. */
static LLVMValueRef sk_function(Sk *k, const CgSkinnyKey *key) {
  Cg *cg = k->cg;
  for (int i = 0; i < cg->nsk_fns; i++)
    if (cg_skinny_key_eq(&cg->sk_fns[i].key, key)) return cg->sk_fns[i].fn;
  int idx = -1;
  for (int i = 0; cg->sk_table && i < cg->sk_table->n && idx < 0; i++)
    if (cg_skinny_key_eq(&cg->sk_table->keys[i], key)) idx = i;
  bool define = idx < 0 || cg->sk_table->owner[idx] == cg->part;
  char name[64];
  if (idx >= 0) snprintf(name, sizeof name, "bloc.skinny%d", idx);
  else snprintf(name, sizeof name, "bloc.skinny.local%d", cg->nsk_fns); /* not in the table */
  LLVMValueRef fn = LLVMAddFunction(cg->mod, name, sk_fn_type(cg));
  cg_set_target_attrs(cg, fn);
  unsigned noinline = LLVMGetEnumAttributeKindForName("noinline", 8);
  LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
                          LLVMCreateEnumAttribute(cg->ctx, noinline, 0));
  /* The tile code keeps none of its pointers (a, b, c, the table pft) past the call. Without
   * saying so, a call captures the caller's noalias parameters (x, y, v) it is given views of,
   * so LLVM can no longer tell that pointers loaded from memory (env's work) do not alias
   * them: the caller's loops then need runtime alias checks that the loops inlined did not,
   * and where those are not allowed (trip counts under 16) LLVM leaves a reassociating sum
   * scalar that it vectorised inlined, summing in another order (test_shared_skinny, Zen 4). */
  unsigned nocapture = LLVMGetEnumAttributeKindForName("nocapture", 9);
  static const unsigned ptr_params[] = {1, 2, 3, 8}; /* a, b, c, pft (1-based) */
  for (size_t i = 0; i < sizeof ptr_params / sizeof ptr_params[0]; i++)
    LLVMAddAttributeAtIndex(fn, ptr_params[i], LLVMCreateEnumAttribute(cg->ctx, nocapture, 0));
  cg->sk_fns = xrealloc(cg->sk_fns, (size_t)cg->nsk_fns + 1, sizeof *cg->sk_fns);
  cg->sk_fns[cg->nsk_fns++] = (struct CgSkinnyFn){*key, fn};
  if (!define) return fn; /* a declaration */
  if (idx < 0) LLVMSetLinkage(fn, LLVMInternalLinkage);
  /* its body, with a function state of its own: the tile code only uses the builder and
   * appends blocks to cg->f->fn */
  CgFunc hf, *caller = cg->f;
  memset(&hf, 0, sizeof hf);
  hf.fn = fn;
  hf.b = LLVMCreateBuilderInContext(cg->ctx);
  LLVMPositionBuilderAtEnd(hf.b, LLVMAppendBasicBlockInContext(cg->ctx, fn, "entry"));
  hf.eb = hf.b;
  cg->f = &hf;
  Sk h = *k;
  h.a = LLVMGetParam(fn, 0);
  h.b = LLVMGetParam(fn, 1);
  h.c = LLVMGetParam(fn, 2);
  h.alpha = k->alpha ? LLVMGetParam(fn, 5) : NULL;
  h.pfoff = k->pfoff ? LLVMGetParam(fn, 6) : NULL;
  h.pft = key->pft ? LLVMGetParam(fn, 7) : NULL;
  sk_loops(&h, LLVMGetParam(fn, 3), LLVMGetParam(fn, 4));
  LLVMBuildRetVoid(hf.b);
  LLVMDisposeBuilder(hf.b);
  cg->f = caller;
  return fn;
}

/* k's tiles over rows [lo, hi): a call to the shared function for them (cg->skinny_inline:
 * the loops in place, the code every product had before; the tests compare the two). */
static void sk_call(Sk *k, const CgSkinnyKey *key, LLVMValueRef lo, LLVMValueRef hi) {
  Cg *cg = k->cg;
  if (cg->skinny_inline) {
    sk_loops(k, lo, hi);
    return;
  }
  LLVMValueRef fn = sk_function(k, key);
  if (!fn) return;
  LLVMValueRef args[8] = {k->a,
                          k->b,
                          k->c,
                          lo,
                          hi,
                          k->alpha ? k->alpha : cg_const_f64(cg, 0),
                          k->pfoff ? k->pfoff : cg_const_i64(cg, 0),
                          k->pft ? k->pft : LLVMConstNull(cg->ptr)};
  LLVMBuildCall2(cg->f->b, sk_fn_type(cg), fn, args, 8, "");
}

void cg_skinny(Cg *cg, const SchedStep *st) {
  const SchedBlas *bl = &st->blas;
  if (bl->n < 1 || bl->n > SCHED_SKINNY_MAX_N || bl->trans_b == bl->trans_a || bl->m < 1 ||
      bl->k < 1) {
    cg_fail(cg, "a skinny product of %lld x %lld x %lld%s", (long long)bl->m, (long long)bl->n,
            (long long)bl->k,
            bl->trans_b == bl->trans_a ? " with its right operand in the wrong layout" : "");
    return;
  }
  /* the key says how the code is generated, so equal keys give the same code */
  CgSkinnyKey key = cg_skinny_key(st, cg->f32, cg->vector_bits, cg->f->rlo ? cg->f->par : NULL);
  Sk k = {.cg = cg,
          .bl = bl,
          .blockr = key.blockr,
          .prefetch = key.prefetch,
          .vw = key.vw,
          .fw = 2 * key.vw,
          .fl = key.fl,
          .lda = key.lda,
          .ldb = key.ldb,
          .ldc = key.ldc,
          .ct = key.ct};
  if (bl->a.rows_direct && !key.direct) { /* its rows are never copied */
    cg_fail(cg, "a product reading sampled rows in place outside the region that copies them");
    return;
  }
  k.a = cg_view_ptr(cg, &bl->a);
  k.b = cg_view_ptr(cg, &bl->b);
  k.ta = key.ta32 ? cg->f32t : cg->f64;
  /* where an a b' prefetches (loops inlined: a product that prefetches nothing gets no
   * prefetches, the code it had): the next block's rows for the plan's prefetching product,
   * else its own, in cache; a distance in a, or from a table when the rows are read in place */
  bool prefetches = key.prefetch && (bl->prefetch || !cg->skinny_inline);
  if (!bl->trans_a && !key.direct && prefetches)
    k.pfoff = cg_const_i64(cg, bl->prefetch ? cg->f->block_rows * key.lda : 0);
  const SchedStep *gather = key.pft || key.direct ? gather_into(cg->f->par, &bl->a) : NULL;
  if (key.direct) { /* the block's own rows, which it does not copy */
    k.a = cg_gather_row_table(cg, gather, false);
    k.direct = true;
  }
  if (key.pft && prefetches) /* (an a' b with a table is the prefetching product) */
    k.pft = bl->prefetch ? cg_gather_row_table(cg, gather, true) : k.a;
  k.tb = key.tb32 ? cg->f32t : cg->f64;
  k.c = bl->part ? cg->f->part[bl->part - 1] : cg_view_ptr(cg, &bl->c);
  if (key.alpha) k.alpha = cg_alpha(cg, bl);
  if (k.fl && !bl->trans_a && !cg_is_f32(cg, &bl->b)) { /* b in floats: rounded before the
                                                           region's blocks, or here */
    LLVMValueRef b32 = NULL;
    for (int i = 0; i < cg->f->nb32; i++)
      if (cg->f->b32_step[i] == st) b32 = cg->f->b32[i];
    k.b = b32 ? b32
              : round_b(cg, k.b, !bl->trans_a && bl->n == 1 ? bl->k : (bl->b.ld > 1 ? bl->b.ld : 1),
                        bl->n, bl->k);
  }
  for (int64_t c0 = 0; c0 < bl->n;) {
    int64_t left = bl->n - c0;
    int w = left >= k.vw ? k.vw : left >= 4 ? 4 : left >= 2 ? 2 : 1;
    k.vec[k.nvec++] = (Vec){c0, w};
    c0 += w;
  }
  tile_choose(&k);
  /* the rows that are split into tiles: rows of c (a b') or of a and b (a' b) */
  LLVMValueRef lo = cg->f->rlo ? cg->f->rlo : cg_const_i64(cg, 0);
  LLVMValueRef hi = cg->f->rhi ? cg->f->rhi : cg_const_i64(cg, bl->trans_a ? bl->k : bl->m);
  if (bl->trans_a && !bl->part && bl->beta == 0) { /* c = alpha a' b: start from zero */
    LLVMValueRef zero8 = LLVMConstInt(LLVMInt8TypeInContext(cg->ctx), 0, 0);
    if (k.ldc == bl->n) {
      LLVMBuildMemSet(cg->f->b, k.c, zero8,
                      cg_const_i64(cg, bl->m * bl->n * (int64_t)sizeof(double)), 8);
    } else {
      GLoop Z;
      LLVMValueRef i = gl_begin(cg, &Z, cg_const_i64(cg, 0), cg_const_i64(cg, bl->m));
      LLVMBuildMemSet(cg->f->b, at(cg, k.c, mul_i(cg, i, k.ldc)), zero8,
                      cg_const_i64(cg, bl->n * (int64_t)sizeof(double)), 8);
      gl_end(cg, &Z, 1);
    }
  }
  sk_call(&k, &key, lo, hi);
}
