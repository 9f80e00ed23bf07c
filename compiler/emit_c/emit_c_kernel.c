/* emit_c_kernel.c — C for execution plans (schedule.h): one static function per kernel with
 * the ABI signature of runtime/blo_abi.h, each step lowered as compiler/llvm/cg_llvm.c lowers it to
 * LLVM IR — loop nests for loop, row and scatter steps, CBLAS calls for products — and each
 * element expression as cg_llvm_expr.c does: memoised per (expression, row, column) within a
 * step and placed at the outermost loop level where its indices are defined, so the C has
 * the JIT's loop-invariant code motion by construction. A step kind, item kind or op this
 * file does not know fails at emit time, never silently. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/alloc.h"
#include "emit_c/emit_c_int.h"

/* ------------------------------------------------------------------ blocks of code */

/* Code is a tree of blocks: a block's items are lines of text and nested blocks, so code can
 * be added to an outer level (before the loop that is open) after inner code was written. */
typedef struct Blk Blk;
typedef struct BlkItem {
  char *text; /* a line (no newline), or NULL for a child block */
  Blk *child;
} BlkItem;
struct Blk {
  BlkItem *items;
  int n, cap;
  int depth; /* indentation */
};

/* An index value: a C expression of type int64_t and the loop level it varies at (0: fixed in
 * the current nest, 1: the outer loop, 2: the inner loop). */
typedef struct Ix {
  char s[112];
  int lvl;
} Ix;

typedef struct MemoEnt {
  int id; /* SchedExpr id + 1; 0: empty */
  char *r, *c;
  char *val;
} MemoEnt;

typedef struct K {
  Emit *e;
  const SchedKernel *k;
  Blk *root, *cur;
  Blk *hoist[3];   /* hoist[l]: where code of level l goes while a deeper loop is open */
  int top;         /* level of the current position */
  bool flat;       /* the current nest is a flattened matrix loop: r is the flat index */
  int ntmp, nloop; /* counters for names */
  MemoEnt *memo;
  size_t memo_cap, memo_len;
  /* bases used (declared in the prologue) */
  bool use_env, use_x, use_y, use_v, use_out, use_work, use_samples, use_out_slot[4];
  uint8_t *use_data, *use_sreg, *use_xmemo;
  uint8_t *sreg_read; /* scalar registers some step reads (writes to the others are dropped) */
  int ndata;
  bool f32;        /* data tensors are floats (precision f32): read as (double)d[i] */
} K;

static Blk *blk_new(int depth) {
  Blk *b = xcalloc(1, sizeof *b);
  b->depth = depth;
  return b;
}

static BlkItem *blk_item(Blk *b) {
  VEC_GROW(b->items, b->n, b->cap);
  BlkItem *it = &b->items[b->n++];
  it->text = NULL;
  it->child = NULL;
  return it;
}

static void blk_line(Blk *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void blk_line(Blk *b, const char *fmt, ...) {
  EmitBuf t = {0};
  va_list ap;
  va_start(ap, fmt);
  emit_buf_vprintf(&t, fmt, ap);
  va_end(ap);
  blk_item(b)->text = t.s ? t.s : xstrdup("");
}

static Blk *blk_child(Blk *b, int extra_depth) {
  Blk *c = blk_new(b->depth + extra_depth);
  blk_item(b)->child = c;
  return c;
}

static void blk_write(const Blk *b, EmitBuf *out) {
  for (int i = 0; i < b->n; i++) {
    if (b->items[i].child) blk_write(b->items[i].child, out);
    else emit_buf_printf(out, "%*s%s\n", 2 * b->depth, "", b->items[i].text);
  }
}

static void blk_free(Blk *b) {
  if (!b) return;
  for (int i = 0; i < b->n; i++) {
    free(b->items[i].text);
    blk_free(b->items[i].child);
  }
  free(b->items);
  free(b);
}

static void kfail(K *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void kfail(K *k, const char *fmt, ...) {
  char msg[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  emit_fail(k->e, -1, "kernel '%s': %s", k->k->name ? k->k->name : "?", msg);
}

/* The block where code of level lvl goes now. */
static Blk *at(K *k, int lvl) { return lvl >= k->top ? k->cur : k->hoist[lvl]; }

/* ------------------------------------------------------------------ memo */

static size_t memo_hash(int id, const char *r, const char *c, size_t cap) {
  uint64_t h = (uint64_t)id * UINT64_C(0x9E3779B97F4A7C15);
  for (const char *p = r; *p; p++) h = (h ^ (unsigned char)*p) * UINT64_C(0x100000001B3);
  h ^= 0xFF;
  for (const char *p = c; *p; p++) h = (h ^ (unsigned char)*p) * UINT64_C(0x100000001B3);
  h ^= h >> 29;
  return (size_t)h & (cap - 1);
}

static void memo_reset(K *k) {
  for (size_t i = 0; i < k->memo_cap; i++)
    if (k->memo[i].id) {
      free(k->memo[i].r);
      free(k->memo[i].c);
      free(k->memo[i].val);
      k->memo[i].id = 0;
    }
  k->memo_len = 0;
}

static const char *memo_get(K *k, int id, const char *r, const char *c) {
  if (!k->memo_cap) return NULL;
  for (size_t h = memo_hash(id, r, c, k->memo_cap);; h = (h + 1) & (k->memo_cap - 1)) {
    MemoEnt *m = &k->memo[h];
    if (!m->id) return NULL;
    if (m->id == id + 1 && !strcmp(m->r, r) && !strcmp(m->c, c)) return m->val;
  }
}

static void memo_insert(MemoEnt *tab, size_t cap, MemoEnt ent) {
  size_t h = memo_hash(ent.id - 1, ent.r, ent.c, cap);
  while (tab[h].id) h = (h + 1) & (cap - 1);
  tab[h] = ent;
}

static const char *memo_put(K *k, int id, const char *r, const char *c, const char *val) {
  if ((k->memo_len + 1) * 2 > k->memo_cap) {
    size_t oldcap = k->memo_cap;
    MemoEnt *old = k->memo;
    k->memo_cap = oldcap ? oldcap * 2 : 256;
    k->memo = xcalloc(k->memo_cap, sizeof(MemoEnt));
    for (size_t i = 0; i < oldcap; i++)
      if (old[i].id) memo_insert(k->memo, k->memo_cap, old[i]);
    free(old);
  }
  MemoEnt ent = {id + 1, xstrdup(r), xstrdup(c), xstrdup(val)};
  memo_insert(k->memo, k->memo_cap, ent);
  k->memo_len++;
  return ent.val;
}

/* ------------------------------------------------------------------ indices and addresses */

static Ix ix_const(int64_t v) {
  Ix x;
  snprintf(x.s, sizeof x.s, "%" PRId64, v);
  x.lvl = 0;
  return x;
}

static bool ix_is_const(const Ix *x, int64_t *v) {
  char *end;
  long long n = strtoll(x->s, &end, 10);
  if (end == x->s || *end) return false;
  if (v) *v = n;
  return true;
}

static int maxl(int a, int b) { return a > b ? a : b; }

/* The index `expr` of level lvl: the expression itself (index arithmetic is cheap and the C
 * compiler shares it), or an int64_t variable when it grows long. */
static Ix ix_expr(K *k, int lvl, const char *expr) {
  Ix x;
  x.lvl = lvl;
  if (strlen(expr) + 3 <= sizeof x.s) {
    snprintf(x.s, sizeof x.s, "(%s)", expr);
    return x;
  }
  snprintf(x.s, sizeof x.s, "j%d", k->ntmp++);
  blk_line(at(k, lvl), "const int64_t %s = %s;", x.s, expr);
  blk_line(at(k, lvl), "(void)%s;", x.s);
  return x;
}

static Ix ix_addc(K *k, Ix a, int64_t d) {
  int64_t v;
  if (d == 0) return a;
  if (ix_is_const(&a, &v)) return ix_const(v + d);
  char e[160];
  snprintf(e, sizeof e, "%s %c %" PRId64, a.s, d < 0 ? '-' : '+', d < 0 ? -d : d);
  return ix_expr(k, a.lvl, e);
}

/* The C name of a view's base pointer (declared in the kernel's prologue). */
static const char *base_name(K *k, const SchedBuf *b, char buf[24]) {
  switch (b->base) {
  case SB_X: k->use_x = true; return "x";
  case SB_Y: k->use_y = true; return "y";
  case SB_V: k->use_v = true; return "v";
  case SB_DATA:
    if (b->index < 0 || b->index >= k->ndata) {
      kfail(k, "data tensor %d out of range", b->index);
      return "x";
    }
    k->use_data[b->index] = 1;
    k->use_env = true;
    snprintf(buf, 24, "d%d", b->index);
    return buf;
  case SB_SAMPLE: k->use_samples = k->use_env = true; return "smp";
  case SB_WORK: k->use_work = k->use_env = true; return "w";
  case SB_OUT:
    if (b->index < 0 || b->index >= 4) {
      kfail(k, "output slot %d", b->index);
      return "x";
    }
    k->use_out_slot[b->index] = k->use_out = true;
    snprintf(buf, 24, "o%d", b->index);
    return buf;
  case SB_SREG:
    if (b->index < 0 || b->index >= k->k->nsregs) {
      kfail(k, "scalar register %d out of range", b->index);
      return "x";
    }
    k->use_sreg[b->index] = 1;
    snprintf(buf, 24, "s%d", b->index);
    return buf;
  case SB_XMEMO:
    if (b->index < 0 || b->index >= k->e->plan.nxmemo) {
      kfail(k, "x-memo slot %d of %d", b->index, k->e->plan.nxmemo);
      return "x";
    }
    k->use_xmemo[b->index] = 1;
    k->use_env = true;
    snprintf(buf, 24, "xm%d", b->index);
    return buf;
  case SB_NONE: break;
  }
  kfail(k, "a plan buffer has no base");
  return "x";
}

/* The element index of (r, c) in view b, as cg_addr computes it. */
static void lin_index(K *k, const SchedBuf *b, Ix r, Ix c, char *out, size_t len) {
  int64_t rv, cv;
  bool rc = ix_is_const(&r, &rv), cc = ix_is_const(&c, &cv);
  int64_t konst = b->offset;
  char buf[320] = "";
  size_t n = 0;
  bool plain = k->flat || b->ld == 1;
  if (rc) konst += plain ? rv : rv * b->ld;
  else if (plain) n += (size_t)snprintf(buf + n, sizeof buf - n, "%s", r.s);
  else n += (size_t)snprintf(buf + n, sizeof buf - n, "%s * %" PRId64, r.s, b->ld);
  if (cc) konst += cv;
  else n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", n ? " + " : "", c.s);
  if (konst || !n) snprintf(buf + n, sizeof buf - n, "%s%" PRId64, n ? " + " : "", konst);
  snprintf(out, len, "%s", buf);
}

/* "base[index]" of element (r, c) of view b (scalar registers: the register). */
static void elem(K *k, const SchedBuf *b, Ix r, Ix c, char *out, size_t len) {
  char nb[24];
  const char *base = base_name(k, b, nb);
  if (b->base == SB_SREG) {
    snprintf(out, len, "%s", base);
    return;
  }
  char idx[320];
  lin_index(k, b, r, c, idx, sizeof idx);
  /* float data widen before any arithmetic, as the JIT's loads do */
  snprintf(out, len, "%s%s[%s]", k->f32 && b->base == SB_DATA ? "(double)" : "", base, idx);
}

/* A pointer to the first element of a view, for CBLAS and memset. */
static void view_ptr(K *k, const SchedBuf *b, char *out, size_t len) {
  char nb[24];
  const char *base = base_name(k, b, nb);
  if (b->base == SB_SREG) snprintf(out, len, "&%s", base);
  else if (b->offset) snprintf(out, len, "%s + %" PRId64, base, b->offset);
  else snprintf(out, len, "%s", base);
}

/* ------------------------------------------------------------------ expressions */

static const char *expr(K *k, const SchedExpr *e, Ix r, Ix c);

/* A new double of level lvl holding `value`; returns its name. */
static const char *tmp(K *k, int lvl, const char *value, char name[24]) {
  snprintf(name, 24, "t%d", k->ntmp++);
  blk_line(at(k, lvl), "const double %s = %s;", name, value);
  return name;
}

static const char *arg_at(K *k, const SchedExpr *a, Ix r, Ix c) {
  return a->shape.rank == 0 ? expr(k, a, ix_const(0), ix_const(0)) : expr(k, a, r, c);
}

/* The value of e at (r, c) as a C expression (a variable or a literal); copies into out. */
static void compute(K *k, const SchedExpr *e, Ix r, Ix c, int lvl, char *out, size_t len) {
  char name[24], buf[640];
  Ix z = ix_const(0);
  const SchedExpr *a = e->nargs ? e->args[0] : NULL;
  if (e->op == SCHED_LOAD) {
    const SchedBuf *b = &e->buf;
    if (b->base == SB_SREG) {
      base_name(k, b, name);
      snprintf(out, len, "%s", name);
      return;
    }
    char el[512];
    elem(k, b, r, c, el, sizeof el);
    if (b->base == SB_SAMPLE) snprintf(buf, sizeof buf, "(double)%s", el);
    else snprintf(buf, sizeof buf, "%s", el);
    snprintf(out, len, "%s", tmp(k, lvl, buf, name));
    return;
  }
  if (e->op < 0 || e->op >= (int)IR_OP_COUNT) {
    kfail(k, "unknown plan expression op %d", e->op);
    snprintf(out, len, "0.0");
    return;
  }
  IrClass cls = ir_ops[e->op].cls;
  if (cls == IRC_EW1 || cls == IRC_EW2 || cls == IRC_EW3) {
    char va[64] = "", vb[64] = "", vc[64] = "";
    snprintf(va, sizeof va, "%s", arg_at(k, a, r, c));
    if (e->nargs > 1) snprintf(vb, sizeof vb, "%s", arg_at(k, e->args[1], r, c));
    if (e->nargs > 2) snprintf(vc, sizeof vc, "%s", arg_at(k, e->args[2], r, c));
    EmitBuf x = {0};
    if (!emit_ew_expr(&x, e->op, e->num, va, vb, vc))
      kfail(k, "op '%s' is not elementwise", ir_ops[e->op].name);
    snprintf(out, len, "%s", tmp(k, lvl, x.s ? x.s : "0.0", name));
    emit_buf_free(&x);
    return;
  }
  switch ((IrOp)e->op) {
  case IR_CONST: {
    char nb[48];
    snprintf(out, len, "%s", emit_num(e->num, nb));
    return;
  }
  case IR_TRANSPOSE: snprintf(out, len, "%s", expr(k, a, c, r)); return;
  case IR_BCAST: snprintf(out, len, "%s", expr(k, a, z, z)); return;
  case IR_BCAST_ROWS: snprintf(out, len, "%s", expr(k, a, c, z)); return;
  case IR_BCAST_COLS: snprintf(out, len, "%s", expr(k, a, r, z)); return;
  case IR_RESHAPE: {
    if (a->shape.rank == 0) {
      snprintf(out, len, "%s", expr(k, a, z, z));
      return;
    }
    if (k->flat || a->shape.cols == e->shape.cols) {
      snprintf(out, len, "%s", expr(k, a, r, c));
      return;
    }
    char f[300];
    snprintf(f, sizeof f, "%s * %" PRId64 " + %s", r.s, e->shape.cols, c.s);
    Ix flat = ix_expr(k, lvl, f);
    if (a->shape.cols == 1) {
      snprintf(out, len, "%s", expr(k, a, flat, z));
      return;
    }
    char q[160], m[160];
    snprintf(q, sizeof q, "%s / %" PRId64, flat.s, a->shape.cols);
    snprintf(m, sizeof m, "%s %% %" PRId64, flat.s, a->shape.cols);
    Ix ar = ix_expr(k, lvl, q), ac = ix_expr(k, lvl, m);
    snprintf(out, len, "%s", expr(k, a, ar, ac));
    return;
  }
  case IR_SLICE:
    snprintf(out, len, "%s", expr(k, a, ix_addc(k, r, e->attr[0]), ix_addc(k, c, e->attr[2])));
    return;
  case IR_PAD: {
    Ix rr = ix_addc(k, r, -e->attr[0]), cc = ix_addc(k, c, -e->attr[2]);
    char cond[300], ibuf[48];
    snprintf(cond, sizeof cond, "(uint64_t)%s < %" PRId64 "u && (uint64_t)%s < %" PRId64 "u", rr.s,
             a->shape.rows, cc.s, a->shape.cols);
    snprintf(ibuf, sizeof ibuf, "p%d", k->ntmp++);
    blk_line(at(k, lvl), "const int %s = %s;", ibuf, cond);
    char e1[300], e2[300];
    snprintf(e1, sizeof e1, "%s ? %s : 0", ibuf, rr.s);
    snprintf(e2, sizeof e2, "%s ? %s : 0", ibuf, cc.s);
    const char *v = a->shape.rank == 0 ? expr(k, a, z, z)
                                       : expr(k, a, ix_expr(k, lvl, e1), ix_expr(k, lvl, e2));
    snprintf(buf, sizeof buf, "%s ? %s : 0.0", ibuf, v);
    snprintf(out, len, "%s", tmp(k, lvl, buf, name));
    return;
  }
  case IR_GATHER: {
    const SchedExpr *ix = e->args[1];
    if (ix->op != SCHED_LOAD || ix->buf.base != SB_SAMPLE) {
      kfail(k, "gather index is not a sample set");
      snprintf(out, len, "0.0");
      return;
    }
    char el[512], rowv[24], inv[24];
    elem(k, &ix->buf, r, z, el, sizeof el);
    snprintf(rowv, sizeof rowv, "g%d", k->ntmp++);
    snprintf(inv, sizeof inv, "g%d", k->ntmp++);
    /* an index out of range gives NaN, never a wild read (as the JIT); a sharded gather
     * (ir_gather_shard) reads row idx - attr[0], 0 for a row another rank owns */
    if (e->attr[1])
      blk_line(at(k, r.lvl), "const int64_t %s = %s - %" PRId64 ";", rowv, el, e->attr[0]);
    else blk_line(at(k, r.lvl), "const int64_t %s = %s;", rowv, el);
    blk_line(at(k, r.lvl), "const int %s = (uint64_t)%s < %" PRId64 "u;", inv, rowv, a->shape.rows);
    char sel[96];
    snprintf(sel, sizeof sel, "%s ? %s : 0", inv, rowv);
    Ix rr = ix_expr(k, r.lvl, sel);
    const char *v = expr(k, a, rr, a->shape.rank == 2 ? c : z);
    snprintf(buf, sizeof buf, "%s ? %s : %s", inv, v, e->attr[1] ? "0.0" : "NAN");
    snprintf(out, len, "%s", tmp(k, lvl, buf, name));
    return;
  }
  case IR_DIAGM: {
    const char *v = expr(k, a, r, z);
    snprintf(buf, sizeof buf, "%s == %s ? %s : 0.0", r.s, c.s, v);
    snprintf(out, len, "%s", tmp(k, lvl, buf, name));
    return;
  }
  case IR_DIAGV: snprintf(out, len, "%s", expr(k, a, r, r)); return;
  case IR_ONEHOT: {
    /* a label that is not an integer in 0..k-1 makes its row NaN (as rt_dop_onehot, the JIT) */
    const char *l = expr(k, a, r, z);
    snprintf(buf, sizeof buf,
             "(%s >= 0.0 && %s < %" PRId64 ".0 && floor(%s) == %s) ? (%s == (double)%s ? 1.0 : 0.0)"
             " : NAN",
             l, l, e->shape.cols, l, l, l, c.s);
    snprintf(out, len, "%s", tmp(k, lvl, buf, name));
    return;
  }
  case IR_OUTER: {
    char u[64];
    snprintf(u, sizeof u, "%s", expr(k, a, r, z));
    const char *w = expr(k, e->args[1], c, z);
    snprintf(buf, sizeof buf, "%s * %s", u, w);
    snprintf(out, len, "%s", tmp(k, lvl, buf, name));
    return;
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
  kfail(k, "op '%s' cannot be computed inside a loop", ir_ops[e->op].name);
  snprintf(out, len, "0.0");
}

/* The value of e at (r, c): a variable name or literal, valid for the rest of the step. */
static const char *expr(K *k, const SchedExpr *e, Ix r, Ix c) {
  if (e->shape.rank == 0) r = c = ix_const(0);
  const char *v = memo_get(k, e->id, r.s, c.s);
  if (v) return v;
  char out[128];
  compute(k, e, r, c, maxl(r.lvl, c.lvl), out, sizeof out);
  return memo_put(k, e->id, r.s, c.s, out);
}

/* Which scalar registers are read anywhere in the kernel: a write nobody reads would be
 * dead code (LLVM drops it; a C compiler warns about it). */
static void mark_reads(K *k, const SchedExpr *e, uint8_t *seen) {
  if (e->id >= 0 && e->id < k->k->nexprs) {
    if (seen[e->id]) return;
    seen[e->id] = 1;
  }
  if (e->op == SCHED_LOAD && e->buf.base == SB_SREG && e->buf.index >= 0 &&
      e->buf.index < k->k->nsregs)
    k->sreg_read[e->buf.index] = 1;
  for (int i = 0; i < e->nargs; i++) mark_reads(k, e->args[i], seen);
}

static void find_sreg_reads(K *k) {
  uint8_t *seen = xcalloc((size_t)k->k->nexprs + 1, 1);
  for (int i = 0; i < k->k->nsteps; i++) {
    const SchedStep *st = &k->k->steps[i];
    for (int j = 0; j < st->nitems; j++) mark_reads(k, st->items[j].expr, seen);
    const SchedBuf *bufs[4] = {&st->blas.a, &st->blas.b, &st->blas.c, &st->blas.alpha_buf};
    for (int j = 0; j < 4; j++)
      if (bufs[j]->base == SB_SREG && bufs[j]->index >= 0 && bufs[j]->index < k->k->nsregs)
        k->sreg_read[bufs[j]->index] = 1;
  }
  free(seen);
}

/* An item whose only effect is a scalar register nobody reads. */
static bool dead_item(const K *k, const SchedItem *it) {
  return (it->kind == SI_WRITE || it->kind == SI_SUM) && it->dest.base == SB_SREG &&
         it->dest.index >= 0 && it->dest.index < k->k->nsregs && !k->sreg_read[it->dest.index];
}

/* ------------------------------------------------------------------ loops */

typedef struct Loop {
  Blk *parent;
  int level;
} Loop;

/* `for (iv = start; iv < end; iv++) {` at the current position, with a hoisting block for
 * code of level-1 just before it. */
static Ix loop_begin(K *k, Loop *L, int64_t start, int64_t end, int level) {
  Ix iv;
  snprintf(iv.s, sizeof iv.s, "i%d", k->nloop++);
  iv.lvl = level;
  L->parent = k->cur;
  L->level = level;
  k->hoist[level - 1] = blk_child(k->cur, 0);
  blk_line(k->cur, "for (int64_t %s = %" PRId64 "; %s < %" PRId64 "; %s++) {", iv.s, start, iv.s,
           end, iv.s);
  k->cur = blk_child(k->cur, 1);
  blk_line(L->parent, "}");
  k->top = level;
  return iv;
}

static void loop_end(K *k, Loop *L) {
  k->cur = L->parent;
  k->top = L->level - 1;
}

typedef void (*BodyFn)(K *k, const SchedStep *st, Ix r, Ix c, void *ctx);

/* The loop nest of a step's domain, as cg_llvm.c's nest(). */
static void nest(K *k, const SchedStep *st, bool flat, BodyFn body, void *ctx) {
  Ix z = ix_const(0);
  k->flat = false;
  if (st->rows == 1 && st->cols == 1) {
    body(k, st, z, z, ctx);
    return;
  }
  if (st->cols == 1 || flat) {
    Loop L;
    k->flat = flat;
    Ix r = loop_begin(k, &L, 0, st->rows * st->cols, 1);
    body(k, st, r, z, ctx);
    loop_end(k, &L);
    k->flat = false;
    return;
  }
  Loop Lr, Lc;
  Ix r = loop_begin(k, &Lr, 0, st->rows, 1);
  Ix c = loop_begin(k, &Lc, 0, st->cols, 2);
  body(k, st, r, c, ctx);
  loop_end(k, &Lc);
  loop_end(k, &Lr);
}

static void zero_fill(K *k, const SchedBuf *b, int64_t n) {
  if (n <= 0) return;
  char p[64];
  view_ptr(k, b, p, sizeof p);
  blk_line(k->cur, "memset(%s, 0, %" PRId64 " * sizeof(double));", p, n);
}

/* ------------------------------------------------------------------ loop steps */

static void loop_body(K *k, const SchedStep *st, Ix r, Ix c, void *ctx) {
  char (*acc)[24] = ctx;
  Ix z = ix_const(0);
  for (int i = 0; i < st->nitems; i++) {
    const SchedItem *it = &st->items[i];
    char v[128], el[200];
    if (dead_item(k, it)) continue;
    snprintf(v, sizeof v, "%s", expr(k, it->expr, r, c));
    switch (it->kind) {
    case SI_WRITE:
      elem(k, &it->dest, r, c, el, sizeof el);
      blk_line(k->cur, "%s = %s;", el, v);
      break;
    case SI_SUM: blk_line(k->cur, "%s += %s;", acc[i], v); break;
    case SI_SUM_COLS:
      elem(k, &it->dest, k->flat ? z : c, z, el, sizeof el);
      blk_line(k->cur, "%s += %s;", el, v);
      break;
    default: kfail(k, "item kind %d in a loop step", (int)it->kind); break;
    }
  }
}

static void emit_loop(K *k, const SchedStep *st) {
  char (*acc)[24] = xcalloc((size_t)st->nitems + 1, sizeof *acc);
  for (int i = 0; i < st->nitems; i++) {
    const SchedItem *it = &st->items[i];
    if (dead_item(k, it)) continue;
    if (it->kind == SI_SUM) {
      snprintf(acc[i], sizeof acc[i], "a%d", k->ntmp++);
      blk_line(k->cur, "double %s = 0.0;", acc[i]);
    } else if (it->kind == SI_SUM_COLS) {
      zero_fill(k, &it->dest, it->dest_rows);
    }
  }
  nest(k, st, st->flat, loop_body, acc);
  for (int i = 0; i < st->nitems; i++)
    if (acc[i][0]) {
      char el[512];
      elem(k, &st->items[i].dest, ix_const(0), ix_const(0), el, sizeof el);
      blk_line(k->cur, "%s = %s;", el, acc[i]);
    }
  free(acc);
}

typedef struct LseCtx {
  const SchedExpr *e;
  const char *acc, *mx;
  bool pass2;
} LseCtx;

static void lse_body(K *k, const SchedStep *st, Ix r, Ix c, void *ctx) {
  (void)st;
  LseCtx *l = ctx;
  const char *v = expr(k, l->e, r, c);
  if (!l->pass2) blk_line(k->cur, "%s = fmax(%s, %s);", l->mx, l->mx, v);
  else blk_line(k->cur, "%s += exp(%s - %s);", l->acc, v, l->mx);
}

/* mx + log(s), or mx itself when mx is infinite, as eval.c */
static void lse_finish(K *k, const char *dest, const char *mx, const char *s) {
  blk_line(k->cur, "%s = fabs(%s) == INFINITY ? %s : %s + log(%s);", dest, mx, mx, mx, s);
}

static void emit_lse(K *k, const SchedStep *st) {
  const SchedItem *it = &st->items[0];
  char acc[24], mx[24], el[200];
  snprintf(acc, sizeof acc, "a%d", k->ntmp++);
  snprintf(mx, sizeof mx, "m%d", k->ntmp++);
  blk_line(k->cur, "double %s = -INFINITY, %s = 0.0;", mx, acc);
  LseCtx l = {it->expr, acc, mx, false};
  nest(k, st, false, lse_body, &l);
  l.pass2 = true;
  nest(k, st, false, lse_body, &l);
  elem(k, &it->dest, ix_const(0), ix_const(0), el, sizeof el);
  lse_finish(k, el, mx, acc);
}

static void emit_rows(K *k, const SchedStep *st) {
  Ix z = ix_const(0);
  k->flat = false;
  Loop Lr;
  Ix r = loop_begin(k, &Lr, 0, st->rows, 1);
  for (int i = 0; i < st->nitems; i++) {
    const SchedItem *it = &st->items[i];
    char el[512], res[24];
    Loop Lc;
    snprintf(res, sizeof res, "a%d", k->ntmp++);
    if (it->kind == SI_ROW_SUM) {
      blk_line(k->cur, "double %s = 0.0;", res);
      Ix c = loop_begin(k, &Lc, 0, st->cols, 2);
      blk_line(k->cur, "%s += %s;", res, expr(k, it->expr, r, c));
      loop_end(k, &Lc);
    } else if (it->kind == SI_ROW_LSE) {
      char mx[24], s[24];
      snprintf(mx, sizeof mx, "m%d", k->ntmp++);
      snprintf(s, sizeof s, "a%d", k->ntmp++);
      blk_line(k->cur, "double %s = -INFINITY, %s = 0.0, %s;", mx, s, res);
      LseCtx l = {it->expr, s, mx, false};
      Ix c = loop_begin(k, &Lc, 0, st->cols, 2);
      lse_body(k, st, r, c, &l);
      loop_end(k, &Lc);
      l.pass2 = true;
      c = loop_begin(k, &Lc, 0, st->cols, 2);
      lse_body(k, st, r, c, &l);
      loop_end(k, &Lc);
      lse_finish(k, res, mx, s);
    } else if (it->kind == SI_ROW_ARGMAX) {
      /* first maximum: start at column 0, replace only on a strictly greater value */
      char mx[24], best[24];
      snprintf(mx, sizeof mx, "m%d", k->ntmp++);
      snprintf(best, sizeof best, "b%d", k->ntmp++);
      blk_line(k->cur, "double %s = %s;", mx, expr(k, it->expr, r, z));
      blk_line(k->cur, "int64_t %s = 0;", best);
      Ix c = loop_begin(k, &Lc, 1, st->cols, 2);
      const char *v = expr(k, it->expr, r, c);
      blk_line(k->cur, "if (%s > %s) {", v, mx);
      blk_line(k->cur, "  %s = %s;", mx, v);
      blk_line(k->cur, "  %s = %s;", best, c.s);
      blk_line(k->cur, "}");
      loop_end(k, &Lc);
      blk_line(k->cur, "const double %s = (double)%s;", res, best);
    } else {
      kfail(k, "item kind %d in a rows step", (int)it->kind);
      break;
    }
    elem(k, &it->dest, r, z, el, sizeof el);
    blk_line(k->cur, "%s = %s;", el, res);
  }
  loop_end(k, &Lr);
}

/* dest = 0; for each row r with idx[r] in range: dest(idx[r], :) += expr(r, :) */
static void emit_scatter(K *k, const SchedStep *st) {
  const SchedItem *it = &st->items[0];
  Ix z = ix_const(0);
  zero_fill(k, &it->dest, it->dest_rows * it->dest_cols);
  k->flat = false;
  Loop Lr;
  Ix r = loop_begin(k, &Lr, 0, st->rows, 1);
  char el[512];
  elem(k, &it->idx, r, z, el, sizeof el);
  Ix row;
  snprintf(row.s, sizeof row.s, "j%d", k->ntmp++);
  row.lvl = 1;
  blk_line(k->cur, "const int64_t %s = %s;", row.s, el);
  blk_line(k->cur, "if ((uint64_t)%s < %" PRId64 "u) {", row.s, it->idx_limit);
  Blk *outer = k->cur;
  k->cur = blk_child(outer, 1);
  blk_line(outer, "}");
  if (st->cols == 1) {
    const char *v = expr(k, it->expr, r, z);
    elem(k, &it->dest, row, z, el, sizeof el);
    blk_line(k->cur, "%s += %s;", el, v);
  } else {
    Loop Lc;
    Ix c = loop_begin(k, &Lc, 0, st->cols, 2);
    const char *v = expr(k, it->expr, r, c);
    elem(k, &it->dest, row, c, el, sizeof el);
    blk_line(k->cur, "%s += %s;", el, v);
    loop_end(k, &Lc);
  }
  k->cur = outer;
  loop_end(k, &Lr);
}

/* ------------------------------------------------------------------ BLAS steps */

static bool fits_int(int64_t v) { return v >= 0 && v <= INT32_MAX; }

static int64_t ld_or_1(int64_t ld) { return ld > 1 ? ld : 1; }

static void emit_blas(K *k, const SchedStep *st) {
  const SchedBlas *b = &st->blas;
  if (!fits_int(b->m) || !fits_int(b->n) || !fits_int(b->k) || !fits_int(b->a.ld) ||
      !fits_int(b->b.ld) || !fits_int(b->c.ld)) {
    emit_fail(k->e, 1,
              "kernel '%s': a %" PRId64 " x %" PRId64 " product exceeds the BLAS integer type",
              k->k->name ? k->k->name : "?", b->m, b->n);
    return;
  }
  char alpha[640], beta[48], pa[64], pb[64], pc[64], nb[48];
  snprintf(alpha, sizeof alpha, "%s", emit_num(b->alpha, nb));
  if (b->alpha_buf.base != SB_NONE) {
    char s[512];
    elem(k, &b->alpha_buf, ix_const(0), ix_const(0), s, sizeof s);
    if (b->alpha == 1) snprintf(alpha, sizeof alpha, "%s", s);
    else snprintf(alpha, sizeof alpha, "%s * %s", emit_num(b->alpha, nb), s);
  }
  snprintf(beta, sizeof beta, "%s", emit_num(b->beta, nb));
  view_ptr(k, &b->a, pa, sizeof pa);
  view_ptr(k, &b->b, pb, sizeof pb);
  view_ptr(k, &b->c, pc, sizeof pc);
  const char *ta = b->trans_a ? "CblasTrans" : "CblasNoTrans",
             *tb = b->trans_b ? "CblasTrans" : "CblasNoTrans";
  bool fa = k->f32 && b->a.base == SB_DATA, fb = k->f32 && b->b.base == SB_DATA;
  if (fa || fb) { /* float data: float arithmetic (rt_f32.h), as the JIT's products */
    SchedGemm g = sched_as_gemm(st);
    blk_line(k->cur,
             "rt_f32_gemm(%d, %d, %" PRId64 ", %" PRId64 ", %" PRId64 ", %s, %s, %d, %" PRId64
             ", %s, %d, %" PRId64 ", %s, %s, %" PRId64 ");",
             g.trans_a, g.trans_b, g.m, g.n, g.k, alpha, pa, fa, g.lda, pb, fb, g.ldb,
             emit_num(g.beta, nb), pc, g.ldc);
    return;
  }
  switch (st->kind) {
  case SS_GEMM:
    blk_line(k->cur,
             "cblas_dgemm(CblasRowMajor, %s, %s, %" PRId64 ", %" PRId64 ", %" PRId64
             ", %s, %s, %" PRId64 ", %s, %" PRId64 ", %s, %s, %" PRId64 ");",
             ta, tb, b->m, b->n, b->k, alpha, pa, ld_or_1(b->a.ld), pb, ld_or_1(b->b.ld), beta, pc,
             ld_or_1(b->c.ld));
    break;
  case SS_GEMV:
    blk_line(k->cur,
             "cblas_dgemv(CblasRowMajor, %s, %" PRId64 ", %" PRId64 ", %s, %s, %" PRId64
             ", %s, 1, %s, %s, 1);",
             ta, b->m, b->n, alpha, pa, ld_or_1(b->a.ld), pb, beta, pc);
    break;
  case SS_SYMV:
    blk_line(k->cur,
             "cblas_dsymv(CblasRowMajor, CblasUpper, %" PRId64 ", %s, %s, %" PRId64
             ", %s, 1, %s, %s, 1);",
             b->m, alpha, pa, ld_or_1(b->a.ld), pb, beta, pc);
    break;
  case SS_GER:
    blk_line(k->cur,
             "cblas_dger(CblasRowMajor, %" PRId64 ", %" PRId64 ", %s, %s, 1, %s, 1, %s, %" PRId64
             ");",
             b->m, b->n, alpha, pa, pb, pc, ld_or_1(b->c.ld));
    break;
  default: kfail(k, "step kind %d is not a BLAS step", (int)st->kind); break;
  }
}

/* SS_SPMM: the runtime's CSR product (rt_sparse.h); a sparse data pointer is its RtSparse.
 * Sampled rows of sharded data: rt_sparse_mul_shard, global rows from the rank's first. */
static void emit_sparse(K *k, const SchedStep *st) {
  const SchedBlas *b = &st->blas;
  char pa[64], pb[64], pc[64], pi[64] = "NULL";
  view_ptr(k, &b->a, pa, sizeof pa);
  view_ptr(k, &b->b, pb, sizeof pb);
  view_ptr(k, &b->c, pc, sizeof pc);
  if (b->idx.base != SB_NONE) view_ptr(k, &b->idx, pi, sizeof pi);
  if (b->idx.base != SB_NONE && b->idx_rows > 0) {
    blk_line(k->cur,
             "rt_sparse_mul_shard((const RtSparse *)(const void *)%s, %s, %" PRId64 ", %" PRId64
             ", %d, %" PRId64 ", %s, %" PRId64 ", %s, %" PRId64 ");",
             pa, pi, b->idx_r0, b->m, b->trans_a ? 1 : 0, b->n, pb, b->b.ld, pc, b->c.ld);
    return;
  }
  blk_line(k->cur,
           "rt_sparse_mul((const RtSparse *)(const void *)%s, %s, %" PRId64 ", %d, %" PRId64
           ", %s, %" PRId64 ", %s, %" PRId64 ");",
           pa, pi, b->m, b->trans_a ? 1 : 0, b->n, pb, b->b.ld, pc, b->c.ld);
}

/* ------------------------------------------------------------------ kernels */

static const char *step_name(const SchedStep *st, char *buf, size_t len) {
  switch (st->kind) {
  case SS_LOOP:
    snprintf(buf, len, "loop over %" PRId64 " x %" PRId64 "%s, %d item%s", st->rows, st->cols,
             st->flat ? " (flat)" : "", st->nitems, st->nitems == 1 ? "" : "s");
    break;
  case SS_ROWS:
    snprintf(buf, len, "row reductions over %" PRId64 " x %" PRId64, st->rows, st->cols);
    break;
  case SS_LSE:
    snprintf(buf, len, "logsumexp over %" PRId64 " x %" PRId64, st->rows, st->cols);
    break;
  case SS_SCATTER:
    snprintf(buf, len, "scatter of %" PRId64 " x %" PRId64, st->rows, st->cols);
    break;
  case SS_GEMM:
    snprintf(buf, len, "c = %s op(a) op(b)%s (%" PRId64 " x %" PRId64 " x %" PRId64 ")",
             st->blas.alpha_buf.base != SB_NONE ? "s" : "alpha", st->blas.beta != 0 ? " + c" : "",
             st->blas.m, st->blas.n, st->blas.k);
    break;
  case SS_GEMV:
    snprintf(buf, len, "matrix-vector product (%" PRId64 " x %" PRId64 ")", st->blas.m, st->blas.n);
    break;
  case SS_SYMV:
    snprintf(buf, len, "symmetric matrix-vector product (%" PRId64 ")", st->blas.m);
    break;
  case SS_GER:
    snprintf(buf, len, "rank-1 update (%" PRId64 " x %" PRId64 ")", st->blas.m, st->blas.n);
    break;
  case SS_SPMM:
    snprintf(buf, len, "sparse product %s (%" PRId64 " x %" PRId64 " sparse, %" PRId64 " columns)",
             st->blas.trans_a ? "a' b" : "a b", st->blas.m, st->blas.k, st->blas.n);
    break;
  default: snprintf(buf, len, "step kind %d", (int)st->kind); break;
  }
  return buf;
}

const char *emit_kernel_symbol(const Emit *e, BloKernelId id, char buf[64]) {
  if (!e->plan.present[id]) return NULL;
  snprintf(buf, 64, "blo_k_%s%s", kern_name(id), e->sfx ? e->sfx : "");
  return buf;
}

/* The .blo declarations a kernel differentiates, for its comment. */
static void kernel_sources(const Emit *e, BloKernelId id, EmitBuf *out) {
  const Program *prog = e->c->prog;
  char w[300];
  switch (id) {
  case BLO_K_F: case BLO_K_GRAD_F:
    emit_buf_printf(out, "upper objective %s (%s)", prog->f->name, emit_where(e, prog->f->span, w));
    break;
  case BLO_K_G:
  case BLO_K_GRAD_Y_G:
  case BLO_K_HVP_YY:
  case BLO_K_HVP_XY:
  case BLO_K_GRAD_Y_G_HVP_YY:
  case BLO_K_HVP_BOTH: case BLO_K_GRAD_X_G: case BLO_K_HVP_YX:
    emit_buf_printf(out, "lower objective %s (%s)", prog->g->name, emit_where(e, prog->g->span, w));
    break;
  case BLO_K_INIT_Y: case BLO_K_INIT_VJP:
    for (int j = 0; j < prog->nlower; j++)
      emit_buf_printf(out, "%slower %s (%s)", j ? ", " : "", prog->lower[j]->name,
                      emit_where(e, prog->lower[j]->span, w));
    break;
  case BLO_K_REPORTS:
    for (int j = 0; j < prog->nreports; j++)
      emit_buf_printf(out, "%sreport %s (%s)", j ? ", " : "", prog->reports[j]->name,
                  emit_where(e, prog->reports[j]->span, w));
    break;
  default: break;
  }
}

static const char *const kernel_what[BLO_K_COUNT] = {
  "out[0] = f(x, y)",
  "out[0] = g(x, y)",
  "out[0] = f, out[1] = grad_x f, out[2] = grad_y f",
  "out[0] = g, out[1] = grad_y g",
  "out[0] = (d2 g / dy dy) v",
  "out[0] = (d2 g / dx dy) v",
  "out[0] = g, out[1] = grad_y g, out[2] = (d2 g / dy dy) v",
  "out[0] = (d2 g / dy dy) v, out[1] = (d2 g / dx dy) v",
  "out[0] = y0 = Phi(x), the lower initialiser",
  "out[0] = (dPhi / dx)^T v",
  "out[0] = the reports",
};

/* What emit_kernel writes: the function's name and its comment's first line. */
typedef struct KernelHead {
  const char *symbol;
  const char *what;
} KernelHead;

/* Before the kernel's first step, each x-memo slot it reads is brought up to date with x as
 * the JIT's kernels do (cg_llvm.c, xmemo_update): unless the header holds the magic word and
 * this x bit for bit, the word is cleared, the stage computes the value into the slot, and
 * the header is written. memcpy, not a cast: the header's first double holds an int64. */
static void xmemo_guards(Emit *e, const SchedKernel *sk, EmitBuf *out) {
  for (int i = 0; i < sk->nxmemo; i++) {
    int j = sk->xmemo[i];
    const SchedXMemo *xm = &e->plan.xmemo[j];
    emit_buf_printf(out,
                    "  { /* x-memo slot %d: header w[%" PRId64 "], value w[%" PRId64 "..%" PRId64
                    ") */\n",
                    j, xm->hdr, xm->at, xm->at + xm->size);
    emit_buf_printf(out, "    double *const h = env->work + %" PRId64 ";\n", xm->hdr);
    emit_buf_puts(out, "    int64_t magic;\n    memcpy(&magic, h, sizeof magic);\n");
    emit_buf_printf(out,
                    "    if (magic != INT64_C(%lld) ||\n"
                    "        memcmp(h + 1, x, %" PRId64 " * sizeof(double)) != 0) {\n",
                    (long long)SCHED_XMEMO_MAGIC, xm->nx);
    emit_buf_printf(out, "      double *const value[1] = {env->work + %" PRId64 "};\n", xm->at);
    emit_buf_puts(out, "      magic = 0;\n      memcpy(h, &magic, sizeof magic);\n");
    emit_buf_printf(out, "      blo_xmemo%d%s(env, x, y, v, value);\n", j, e->sfx ? e->sfx : "");
    emit_buf_printf(out, "      memcpy(h + 1, x, %" PRId64 " * sizeof(double));\n", xm->nx);
    emit_buf_printf(out, "      magic = INT64_C(%lld);\n", (long long)SCHED_XMEMO_MAGIC);
    emit_buf_puts(out, "      memcpy(h, &magic, sizeof magic);\n    }\n  }\n");
  }
}

static void emit_kernel(Emit *e, const SchedKernel *sk, const KernelHead *head, EmitBuf *out) {
  K k;
  memset(&k, 0, sizeof k);
  k.e = e;
  k.k = sk;
  k.ndata = e->c->ndata_total;
  k.f32 = e->c->precision == BLO_PREC_F32;
  k.use_data = xcalloc((size_t)k.ndata + 1, 1);
  k.use_sreg = xcalloc((size_t)sk->nsregs + 1, 1);
  k.sreg_read = xcalloc((size_t)sk->nsregs + 1, 1);
  k.use_xmemo = xcalloc((size_t)e->plan.nxmemo + 1, 1);
  find_sreg_reads(&k);
  k.root = blk_new(1);
  k.cur = k.root;
  for (int i = 0; i < sk->nsteps && !e->failed; i++) {
    const SchedStep *st = &sk->steps[i];
    char nb[160];
    memo_reset(&k);
    k.top = 0;
    k.flat = false;
    blk_line(k.cur, "/* step %d: %s */", i + 1, step_name(st, nb, sizeof nb));
    /* each step in its own scope: its names and memo die with it */
    blk_line(k.cur, "{");
    Blk *outer = k.cur;
    k.cur = blk_child(outer, 1);
    blk_line(outer, "}");
    switch (st->kind) {
    case SS_LOOP: emit_loop(&k, st); break;
    case SS_ROWS: emit_rows(&k, st); break;
    case SS_LSE: emit_lse(&k, st); break;
    case SS_SCATTER: emit_scatter(&k, st); break;
    case SS_GEMM:
    case SS_GEMV:
    case SS_SYMV:
    case SS_GER: emit_blas(&k, st); break;
    case SS_SPMM: emit_sparse(&k, st); break;
    default:
      kfail(
          &k,
          "execution plan step kind %d is not supported by the C emitter (bloc emit-c needs "
          "updating)",
          (int)st->kind);
      break;
    }
    k.cur = outer;
  }
  if (!e->failed) {
    EmitBuf src = {0};
    kernel_sources(e, sk->id, &src);
    emit_buf_printf(out, "\n/* %s\n", head->what);
    if (src.s) emit_buf_printf(out, " * from %s\n", src.s);
    emit_buf_printf(out, " * %d step%s, %" PRId64 " doubles of work */\n", sk->nsteps,
                    sk->nsteps == 1 ? "" : "s", sk->work_size);
    emit_buf_free(&src);
    emit_buf_printf(
        out,
        "static void %s(const BloEnv *env, const double *x, const double *y, const double *v, "
        "double *const *out) {\n",
        head->symbol);
    if (sk->nxmemo) k.use_env = k.use_x = true; /* the guards read both */
    if (!k.use_env) emit_buf_puts(out, "  (void)env;\n");
    if (!k.use_x) emit_buf_puts(out, "  (void)x;\n");
    if (!k.use_y) emit_buf_puts(out, "  (void)y;\n");
    if (!k.use_v) emit_buf_puts(out, "  (void)v;\n");
    if (!k.use_out) emit_buf_puts(out, "  (void)out;\n");
    for (int d = 0; d < k.ndata; d++)
      if (k.use_data[d]) {
        char dn[80];
        if (k.f32)
          emit_buf_printf(out,
                          "  const float *const d%d = (const float *)(const void *)env->data[%d];"
                          " /* %s */\n", d, d, emit_data_name(e, d, dn));
        else
          emit_buf_printf(out, "  const double *const d%d = env->data[%d]; /* %s */\n", d, d,
                          emit_data_name(e, d, dn));
      }
    if (k.use_samples) emit_buf_puts(out, "  const int64_t *const smp = env->samples;\n");
    if (k.use_work) emit_buf_puts(out, "  double *const w = env->work;\n");
    for (int j = 0; j < e->plan.nxmemo; j++)
      if (k.use_xmemo[j])
        emit_buf_printf(out, "  const double *const xm%d = env->work + %" PRId64 ";\n", j,
                        e->plan.xmemo[j].at);
    for (int s = 0; s < 4; s++)
      if (k.use_out_slot[s]) emit_buf_printf(out, "  double *const o%d = out[%d];\n", s, s);
    for (int s = 0, first = 1; s < sk->nsregs; s++)
      if (k.use_sreg[s]) {
        emit_buf_printf(out, "%s s%d = 0.0", first ? "  double" : ",", s);
        first = 0;
        if (s == sk->nsregs - 1 || !memchr(k.use_sreg + s + 1, 1, (size_t)(sk->nsregs - s - 1)))
          emit_buf_puts(out, ";\n");
      }
    xmemo_guards(e, sk, out);
    blk_write(k.root, out);
    emit_buf_puts(out, "}\n");
  }
  memo_reset(&k);
  free(k.memo);
  free(k.use_data);
  free(k.use_sreg);
  free(k.sreg_read);
  free(k.use_xmemo);
  blk_free(k.root);
}

void emit_kernels(Emit *e, EmitBuf *out) {
  /* the x-memo stages first: the kernels call them */
  for (int j = 0; j < e->plan.nxmemo && !e->failed; j++) {
    char sym[64], what[160];
    snprintf(sym, sizeof sym, "blo_xmemo%d%s", j, e->sfx ? e->sfx : "");
    snprintf(what, sizeof what,
             "the stage of x-memo slot %d (doc/abi.md): out[0] = a value of x and the data alone"
             " (IR node %%%u)",
             j, e->plan.xmemo[j].node);
    KernelHead head = {sym, what};
    emit_kernel(e, &e->plan.xmemo[j].stage, &head, out);
  }
  for (int id = 0; id < BLO_K_COUNT && !e->failed; id++)
    if (e->plan.present[id]) {
      char sym[64], what[160];
      snprintf(what, sizeof what, "kernel %s: %s", kern_name((BloKernelId)id), kernel_what[id]);
      KernelHead head = {emit_kernel_symbol(e, (BloKernelId)id, sym), what};
      emit_kernel(e, &e->plan.kernels[id], &head, out);
    }
}
