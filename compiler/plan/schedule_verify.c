/* schedule_verify.c — the plan verifier (see schedule_verify.h). It runs the plan abstractly:
 * a shadow of the work buffer records, for every element, which buffer wrote it last, and a
 * shadow of the outputs and scalar registers whether they were written. A read must find its
 * own buffer's writes there: finding nothing means the step reads a value not yet produced,
 * finding another buffer means two live buffers were given the same memory. The steps of a
 * row-parallel region count as one step (tasks run concurrently). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/alloc.h"
#include "ir/ir_verify.h"
#include "plan/schedule_verify.h"

typedef struct BufUse {
  int first, last; /* steps that access it (-1: never) */
  int64_t lo, hi;  /* work elements accessed [lo, hi) */
  bool data_rows;  /* its first view's SchedBuf.rows_of_data: every view must say the same */
  bool direct;     /* its first view's SchedBuf.rows_direct: every view must say the same */
} BufUse;

typedef struct Ver {
  const IrProblem *p;
  const SchedPlan *plan; /* for the x-memo slots' sizes (NULL: a kernel alone, none) */
  const IrKernel *ik;
  const SchedKernel *k;
  int step;          /* current top-level step */
  const char *where; /* "item 2", "blas", ... of the current step */
  uint32_t node;     /* IR node the current item or product computes (UINT32_MAX: none) */
  int32_t *work;     /* per work element: buffer id + 1 of its last writer, 0 = never */
  uint8_t *out[4];   /* per output element: written */
  uint8_t *sreg;     /* per scalar register: written */
  BufUse *bufs;
  int nbufs;
  uint8_t *seen; /* expressions already visited in the current item */
  bool in_region; /* the steps of a region's body are being checked */
  bool rows_read; /* the view being checked is a skinny product's a in a region's body: it may
                     be a copy of sampled rows read in place (SchedBuf.rows_direct) */
  char *err;
  size_t errlen;
  bool failed;
} Ver;

static void vfail(Ver *v, const char *fmt, ...) {
  if (v->failed) return;
  v->failed = true;
  int n = snprintf(v->err, v->errlen, "kernel '%s', step %d (%s", v->ik->name, v->step, v->where);
  if (v->node != UINT32_MAX && n > 0 && (size_t)n < v->errlen)
    n += snprintf(v->err + n, v->errlen - (size_t)n, ", node %%%u", v->node);
  if (n > 0 && (size_t)n < v->errlen) n += snprintf(v->err + n, v->errlen - (size_t)n, "): ");
  if (n <= 0 || (size_t)n >= v->errlen) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(v->err + n, v->errlen - (size_t)n, fmt, ap);
  va_end(ap);
}

static const char *base_name(SchedBase b) {
  switch (b) {
  case SB_NONE: return "nothing";
  case SB_X: return "x";
  case SB_Y: return "y";
  case SB_V: return "v";
  case SB_DATA: return "a data tensor";
  case SB_SAMPLE: return "the samples";
  case SB_WORK: return "the work buffer";
  case SB_OUT: return "an output slot";
  case SB_SREG: return "a scalar register";
  case SB_XMEMO: return "an x-memo slot";
  }
  return "an unknown base";
}

/* Elements of data tensor k, INT64_MAX when p does not say (hand-built problems). */
static int64_t data_size(const IrProblem *p, int k) {
  Shape s;
  return ir_problem_data_shape(p, k, &s) ? shape_size(s) : INT64_MAX;
}

/* Elements of the addressed object, or -1 when the view's base or index is invalid. */
static int64_t base_len(Ver *v, const SchedBuf *b) {
  switch (b->base) {
  case SB_X: return v->p->nx;
  case SB_Y: return v->p->ny;
  case SB_V:
    if (!v->k->uses_v) vfail(v, "reads v but the kernel does not declare uses_v");
    return v->ik->v_in_x ? v->p->nx : v->p->ny;
  case SB_DATA:
    return b->index >= 0 && b->index < v->p->ndata + v->p->nhoisted ? data_size(v->p, b->index)
                                                                    : -1;
  case SB_SAMPLE: return v->p->prog ? v->p->prog->sample_total : INT64_MAX;
  case SB_WORK: return v->k->work_size;
  case SB_OUT: return b->index >= 0 && b->index < v->ik->nslots ? v->ik->slot_size[b->index] : -1;
  case SB_SREG: return b->index >= 0 && b->index < v->k->nsregs ? 1 : -1;
  case SB_XMEMO:
    for (int i = 0; v->plan && i < v->k->nxmemo; i++) /* a slot the kernel brings up to date */
      if (v->k->xmemo[i] == b->index) return v->plan->xmemo[b->index].size;
    return -1;
  case SB_NONE: return -1;
  }
  return -1;
}

static void note_buf(Ver *v, int id, int64_t lo, int64_t hi, const SchedBuf *b) {
  if (id >= v->nbufs) {
    int n = id + 1 > 2 * v->nbufs ? id + 1 : 2 * v->nbufs;
    v->bufs = xrealloc(v->bufs, (size_t)n, sizeof(BufUse));
    for (int i = v->nbufs; i < n; i++) v->bufs[i] = (BufUse){-1, -1, 0, 0, false, false};
    v->nbufs = n;
  }
  BufUse *u = &v->bufs[id];
  if (u->first < 0) {
    u->first = v->step;
    u->lo = lo;
    u->hi = hi;
    u->data_rows = b->rows_of_data;
    u->direct = b->rows_direct;
  } else if (u->data_rows != b->rows_of_data) { /* the JIT would read floats as doubles */
    vfail(v, "buffer %d viewed both as copied rows of data and not", id);
  } else if (u->direct != b->rows_direct) { /* the JIT would skip the copy another reads */
    vfail(v, "buffer %d viewed both as rows read in place and not", id);
  }
  u->last = v->step;
  if (lo < u->lo) u->lo = lo;
  if (hi > u->hi) u->hi = hi;
}

/* One element of a view, read or written. */
static void touch(Ver *v, const SchedBuf *b, int64_t at, bool write) {
  uint8_t *flag = NULL;
  if (b->base == SB_WORK) {
    int32_t *c = &v->work[at];
    if (write)
      *c = b->index + 1;
    else if (*c == 0)
      vfail(v, "reads w[%lld] (buffer %d) before any step writes it", (long long)at, b->index);
    else if (*c != b->index + 1)
      vfail(v, "reads w[%lld] as buffer %d, but buffer %d overwrote it while buffer %d was live",
            (long long)at, b->index, *c - 1, b->index);
    return;
  }
  if (b->base == SB_OUT)
    flag = &v->out[b->index][at];
  else if (b->base == SB_SREG)
    flag = &v->sreg[b->index];
  if (!flag) return; /* inputs: nothing produces them */
  if (write)
    *flag = 1;
  else if (!*flag)
    vfail(v, "reads %s %d [%lld] before any step writes it", base_name(b->base), b->index,
          (long long)at);
}

/* The rows x cols view b (element (r, c) at offset + r*ld + c), read or written. */
static void access(Ver *v, const SchedBuf *b, int64_t rows, int64_t cols, bool write) {
  if (v->failed) return;
  int64_t len = base_len(v, b);
  if (len < 0) {
    vfail(v, "a view of %s with index %d", base_name(b->base), b->index);
    return;
  }
  if (b->rows_of_data && b->base != SB_WORK) {
    vfail(v, "a view of %s marked as copied rows of data", base_name(b->base));
    return;
  }
  if (b->rows_direct && !b->rows_of_data) {
    vfail(v, "a view of %s marked as rows read in place, not copied rows of data",
          base_name(b->base));
    return;
  }
  if (write && b->base != SB_WORK && b->base != SB_OUT && b->base != SB_SREG) {
    vfail(v, "writes %s, an input", base_name(b->base));
    return;
  }
  int64_t ld = rows > 1 ? b->ld : cols;
  if (rows < 1 || cols < 1 || (rows > 1 && ld < cols)) {
    vfail(v, "a %lld x %lld view of %s with row stride %lld", (long long)rows, (long long)cols,
          base_name(b->base), (long long)b->ld);
    return;
  }
  int64_t end = b->offset + (rows - 1) * ld + cols;
  if (b->base == SB_SREG ? (b->offset != 0 || rows * cols != 1) : (b->offset < 0 || end > len)) {
    vfail(v, "%s %lld x %lld view at offset %lld is outside %s (%lld elements)",
          write ? "writes a" : "reads a", (long long)rows, (long long)cols, (long long)b->offset,
          base_name(b->base), (long long)len);
    return;
  }
  if (b->base == SB_WORK) {
    if (b->index < 0) {
      vfail(v, "a work view without a buffer id");
      return;
    }
    note_buf(v, b->index, b->offset, end, b);
    /* a copy the JIT skips: only the products of the region that makes it may read it */
    if (b->rows_direct && !write && (!v->rows_read || v->bufs[b->index].first != v->step)) {
      vfail(v, "reads buffer %d, sampled rows that products read in place, %s", b->index,
            v->rows_read ? "outside the region that copies them" : "other than as a product's a");
      return;
    }
  }
  /* an input's elements have no shadow (nothing produces them) and its bounds are checked
   * above: walking them one by one took 10 s on a 1e10-element data tensor */
  if (b->base != SB_WORK && b->base != SB_OUT && b->base != SB_SREG) return;
  for (int64_t r = 0; r < rows && !v->failed; r++)
    for (int64_t c = 0; c < cols && !v->failed; c++) touch(v, b, b->offset + r * ld + c, write);
}

static void view_shape(Shape s, int64_t *rows, int64_t *cols) {
  *rows = s.rank >= 1 ? s.rows : 1;
  *cols = s.rank == 2 ? s.cols : 1;
}

/* Every load of e, and each node's shape rule. */
static void expr(Ver *v, const SchedExpr *e) {
  if (v->failed) return;
  if (e->id < 0 || e->id >= v->k->nexprs) {
    vfail(v, "expression id %d outside 0..%d", e->id, v->k->nexprs - 1);
    return;
  }
  if (v->seen[e->id]) return;
  v->seen[e->id] = 1;
  if (e->op == SCHED_LOAD) {
    int64_t rows, cols;
    view_shape(e->shape, &rows, &cols);
    access(v, &e->buf, rows, cols, false);
    return;
  }
  enum { MAXA = 64 };
  Shape shapes[MAXA];
  for (int i = 0; i < e->nargs; i++) {
    expr(v, e->args[i]);
    if (i < MAXA) shapes[i] = e->args[i]->shape;
  }
  char why[200];
  if (e->nargs <= MAXA &&
      !ir_verify_shapes(e->op, e->shape, shapes, e->nargs, e->attr, why, sizeof why))
    vfail(v, "expression %d (%s): %s", e->id, e->op < IR_OP_COUNT ? ir_ops[e->op].name : "?", why);
}

static void reset_seen(Ver *v) { memset(v->seen, 0, (size_t)v->k->nexprs + 1); }

/* The IR node an item or product computes against the `size` elements it writes: equal
 * (cmp 0), or the node larger (cmp < 0: concatenations are written operand by operand), or
 * smaller (cmp > 0: horizontally packed products compute several nodes in one call). */
static void node_size(Ver *v, int64_t size, int cmp) {
  if (v->node == UINT32_MAX || v->failed) return;
  if (v->node >= v->p->graph.count) {
    vfail(v, "no such IR node");
    return;
  }
  const IrNode *n = v->p->graph.nodes[v->node];
  int64_t ns = shape_size(n->shape);
  if (cmp == 0 ? ns != size : cmp < 0 ? size > ns : size < ns) {
    char sb[64];
    vfail(v, "computes %lld elements, its node is %s", (long long)size, shape_str(n->shape, sb));
  }
}

static bool item_fits(SchedStepKind sk, SchedItemKind ik) {
  switch (sk) {
  case SS_LOOP: return ik == SI_WRITE || ik == SI_SUM || ik == SI_SUM_COLS;
  case SS_ROWS: return ik == SI_ROW_SUM || ik == SI_ROW_LSE || ik == SI_ROW_ARGMAX;
  case SS_LSE: return ik == SI_LSE;
  case SS_SCATTER: return ik == SI_SCATTER;
  case SS_GEMM:
  case SS_GEMV:
  case SS_SYMV:
  case SS_GER:
  case SS_SKINNY_GEMM:
  case SS_SPMM:
  case SS_PAR_ROWS: return false;
  }
  return false;
}

static void item(Ver *v, const SchedStep *st, const SchedItem *it, int nreds) {
  v->node = it->node;
  if (!item_fits(st->kind, it->kind)) {
    vfail(v, "item kind %d in a step of kind %d", (int)it->kind, (int)st->kind);
    return;
  }
  if (it->part < 0 || it->part > nreds ||
      (it->part && it->kind != SI_SUM && it->kind != SI_SUM_COLS)) {
    vfail(v, "accumulates into reduction %d of %d", it->part, nreds);
    return;
  }
  Shape s = it->expr->shape;
  if (s.rank != 0 && (s.rows != st->rows || (s.rank == 2 ? s.cols : 1) != st->cols)) {
    char sb[64];
    vfail(v, "a %s expression over a %lld x %lld domain", shape_str(s, sb), (long long)st->rows,
          (long long)st->cols);
    return;
  }
  reset_seen(v);
  expr(v, it->expr);
  bool own = it->part == 0; /* with a part, the region's combine writes dest */
  switch (it->kind) {
  case SI_WRITE:
    if (!it->partial) node_size(v, st->rows * st->cols, -1);
    if (it->dest.rows_of_data && it->dest.base == SB_WORK &&
        (it->partial || it->expr->op != IR_GATHER || it->expr->args[0]->op != SCHED_LOAD ||
         it->expr->args[0]->buf.base != SB_DATA)) {
      vfail(v, "writes buffer %d, copied rows of data, with something else", it->dest.index);
      return;
    }
    access(v, &it->dest, st->rows, st->cols, true);
    break;
  case SI_SUM:
  case SI_LSE:
    node_size(v, 1, 0);
    if (own) access(v, &it->dest, 1, 1, true);
    break;
  case SI_SUM_COLS:
    if (own) access(v, &it->dest, st->cols, 1, true);
    break;
  case SI_ROW_SUM:
  case SI_ROW_LSE:
  case SI_ROW_ARGMAX:
    node_size(v, st->rows, 0);
    access(v, &it->dest, st->rows, 1, true);
    break;
  case SI_SCATTER:
    if (it->idx.base != SB_SAMPLE) vfail(v, "scatters by an index vector that is not a sample set");
    access(v, &it->idx, st->rows, 1, false);
    if (it->idx_limit != it->dest_rows)
      vfail(v, "index limit %lld for %lld rows", (long long)it->idx_limit,
            (long long)it->dest_rows);
    access(v, &it->dest, it->dest_rows, it->dest_cols, true);
    break;
  }
}

static void blas(Ver *v, const SchedStep *st, int nreds) {
  const SchedBlas *b = &st->blas;
  v->node = b->node;
  v->where = "product";
  if (b->m < 1 || b->n < 1 || (b->k < 1 && (st->kind == SS_GEMM || st->kind == SS_SKINNY_GEMM)))
    vfail(v, "a %lld x %lld x %lld product", (long long)b->m, (long long)b->n, (long long)b->k);
  if (b->beta != 0 && b->beta != 1) vfail(v, "beta %g (0 or 1)", b->beta);
  if (b->part < 0 || b->part > nreds || (b->part && (st->kind != SS_SKINNY_GEMM || !b->trans_a)))
    vfail(v, "a product accumulating into reduction %d of %d", b->part, nreds);
  if (v->failed) return;
  if (b->alpha_buf.base != SB_NONE) access(v, &b->alpha_buf, 1, 1, false);
  bool own = b->part == 0; /* with a part, c/alpha/beta are the reduction's */
  int64_t m = b->m, n = b->n, k = b->k;
  switch (st->kind) {
  case SS_GEMM:
  case SS_SKINNY_GEMM:
    v->rows_read = st->kind == SS_SKINNY_GEMM && v->in_region;
    access(v, &b->a, b->trans_a ? k : m, b->trans_a ? m : k, false);
    v->rows_read = false;
    if (n == 1 && st->kind == SS_SKINNY_GEMM)
      access(v, &b->b, 1, k, false); /* k contiguous */
    else
      access(v, &b->b, b->trans_b ? n : k, b->trans_b ? k : n, false);
    if (!own) return;
    node_size(v, m * n, 1);
    if (b->beta != 0) access(v, &b->c, m, n, false);
    access(v, &b->c, m, n, true);
    break;
  case SS_GEMV:
  case SS_SYMV:
    if (st->kind == SS_SYMV && m != n)
      vfail(v, "a symmetric %lld x %lld matrix", (long long)m, (long long)n);
    if (st->kind == SS_SYMV && b->a.base != SB_DATA) vfail(v, "a symmetric product of non-data");
    access(v, &b->a, m, n, false);
    access(v, &b->b, b->trans_a ? m : n, 1, false);
    node_size(v, b->trans_a ? n : m, 1);
    if (b->beta != 0) access(v, &b->c, b->trans_a ? n : m, 1, false);
    access(v, &b->c, b->trans_a ? n : m, 1, true);
    break;
  case SS_SPMM: { /* checked against its IR node: the sparse operand is data k, sampled or not */
    const IrGraph *g = &v->p->graph;
    const IrNode *pn = b->node < g->count ? g->nodes[b->node] : NULL;
    const IrNode *a = pn && (pn->op == IR_SPMM || pn->op == IR_SPMTM) ? pn->args[0] : NULL;
    const IrNode *x = a && a->op == IR_GATHER ? a->args[0] : a;
    int64_t rows = b->trans_a ? k : m;
    if (!x || !x->shape.sparse || b->a.base != SB_DATA || b->a.index != x->attr[0] ||
        b->trans_a != (pn->op == IR_SPMTM))
      vfail(v, "a sparse product of a tensor that is not its node's sparse data");
    else if ((b->idx.base == SB_SAMPLE) != (a->op == IR_GATHER) ||
             (b->idx.base != SB_SAMPLE && b->idx.base != SB_NONE))
      vfail(v, "a sparse product whose rows are not its node's (a sample set's, or all)");
    else if (b->idx_rows != (a->op == IR_GATHER && a->attr[1] ? x->shape.rows : 0) ||
             (b->idx_rows && b->idx_r0 != a->attr[0]))
      vfail(v, "a sparse product whose sharded rows are not its node's");
    else if (m != a->shape.rows || k != a->shape.cols || b->alpha != 1 || b->beta != 0)
      vfail(v, "a %lld x %lld sparse product of a %lld x %lld operand (alpha %g, beta %g)",
            (long long)m, (long long)k, (long long)a->shape.rows, (long long)a->shape.cols,
            b->alpha, b->beta);
    if (v->failed) return;
    if (b->idx.base == SB_SAMPLE) access(v, &b->idx, m, 1, false);
    access(v, &b->b, b->trans_a ? m : k, n, false);
    node_size(v, rows * n, 0);
    access(v, &b->c, rows, n, true);
    break;
  }
  case SS_GER:
    access(v, &b->a, m, 1, false);
    access(v, &b->b, n, 1, false);
    access(v, &b->c, m, n, false); /* c += a b' */
    access(v, &b->c, m, n, true);
    break;
  case SS_LOOP:
  case SS_ROWS:
  case SS_LSE:
  case SS_SCATTER:
  case SS_PAR_ROWS: break;
  }
}

static void step(Ver *v, const SchedStep *st, int nreds);

/* Task t's partial of reduction rd: rows x cols, or cols x rows when transposed. */
static void part_access(Ver *v, const SchedReduce *rd, int64_t t, bool write) {
  SchedBuf part = rd->part;
  part.offset += t * rd->stride;
  int64_t rows = rd->trans ? rd->cols : rd->rows, cols = rd->trans ? rd->rows : rd->cols;
  part.ld = cols;
  access(v, &part, rows, cols, write);
}

/* A region: partials zeroed by every task, the body steps block by block, then the combine. */
static void region(Ver *v, const SchedStep *st) {
  v->where = "region";
  v->node = UINT32_MAX;
  if (st->ntasks < 1 || st->block_rows < 1 || st->task_rows < 1 ||
      st->ntasks * st->task_rows < st->rows || (st->ntasks - 1) * st->task_rows >= st->rows) {
    vfail(v, "%lld rows in %lld tasks of %lld rows, blocks of %lld", (long long)st->rows,
          (long long)st->ntasks, (long long)st->task_rows, (long long)st->block_rows);
    return;
  }
  for (int r = 0; r < st->nreds && !v->failed; r++) {
    const SchedReduce *rd = &st->reds[r];
    if (rd->stride < rd->rows * rd->cols)
      vfail(v, "partials %lld apart for %lld x %lld sums", (long long)rd->stride,
            (long long)rd->rows, (long long)rd->cols);
    for (int64_t t = 0; t < st->ntasks && !v->failed; t++) part_access(v, rd, t, true);
  }
  for (int i = 0; i < st->nbody && !v->failed; i++) {
    if (st->body[i].kind == SS_PAR_ROWS) {
      vfail(v, "a region inside a region");
      return;
    }
    const SchedBlas *b = &st->body[i].blas;
    bool trans = b->part > 0 && b->part <= st->nreds && st->reds[b->part - 1].trans;
    if (b->part_trans != trans || (trans && b->c.ld != b->m))
      vfail(v, "a product whose partial layout (%s, ld %lld) is not its reduction's",
            b->part_trans ? "transposed" : "rows", (long long)b->c.ld);
    v->in_region = true;
    step(v, &st->body[i], st->nreds);
    v->in_region = false;
  }
  v->where = "combine";
  v->node = UINT32_MAX;
  for (int r = 0; r < st->nreds && !v->failed; r++) {
    const SchedReduce *rd = &st->reds[r];
    for (int64_t t = 0; t < st->ntasks && !v->failed; t++) part_access(v, rd, t, false);
    if (rd->alpha_buf.base != SB_NONE) access(v, &rd->alpha_buf, 1, 1, false);
    if (rd->beta != 0 && rd->beta != 1) vfail(v, "beta %g (0 or 1)", rd->beta);
    SchedBuf dest = rd->dest; /* rows rd->cols apart unless its ld says more (as rt_par_reduce) */
    if (dest.ld <= 1) dest.ld = rd->cols;
    if (rd->beta != 0) access(v, &dest, rd->rows, rd->cols, false);
    access(v, &dest, rd->rows, rd->cols, true);
  }
}

static void step(Ver *v, const SchedStep *st, int nreds) {
  static _Thread_local char where[32];
  switch (st->kind) {
  case SS_LOOP:
  case SS_ROWS:
  case SS_LSE:
  case SS_SCATTER:
    if (st->rows < 1 || st->cols < 1)
      vfail(v, "a %lld x %lld loop", (long long)st->rows, (long long)st->cols);
    if ((st->kind == SS_LSE || st->kind == SS_SCATTER) && st->nitems != 1)
      vfail(v, "%d items in a single-item step", st->nitems);
    for (int i = 0; i < st->nitems && !v->failed; i++) {
      snprintf(where, sizeof where, "item %d", i);
      v->where = where;
      item(v, st, &st->items[i], nreds);
    }
    break;
  case SS_GEMM:
  case SS_GEMV:
  case SS_SYMV:
  case SS_GER:
  case SS_SPMM:
  case SS_SKINNY_GEMM: blas(v, st, nreds); break;
  case SS_PAR_ROWS: region(v, st); break;
  }
}

static int verify_kernel(const IrProblem *p, const SchedPlan *plan, const IrKernel *ik,
                         const SchedKernel *k, char *err, size_t errlen) {
  Ver v = {.p = p,
           .plan = plan,
           .ik = ik,
           .k = k,
           .where = "kernel",
           .node = UINT32_MAX,
           .err = err,
           .errlen = errlen};
  if (k->work_size < 0 || k->nsregs < 0 || k->nexprs < 0) {
    snprintf(err, errlen, "kernel '%s': negative sizes", v.ik->name);
    return -1;
  }
  v.work = xcalloc((size_t)k->work_size, sizeof(int32_t));
  for (int s = 0; s < v.ik->nslots; s++) v.out[s] = xcalloc((size_t)v.ik->slot_size[s], 1);
  v.sreg = xcalloc((size_t)k->nsregs, 1);
  v.seen = xcalloc((size_t)k->nexprs + 1, 1);
  for (int i = 0; i < k->nsteps && !v.failed; i++) {
    v.step = i;
    step(&v, &k->steps[i], 0);
  }
  /* every output written */
  v.where = "end";
  v.node = UINT32_MAX;
  for (int o = 0; o < v.ik->nouts && !v.failed; o++) {
    const IrOutput *out = &v.ik->outs[o];
    for (int64_t e = 0; e < shape_size(out->node->shape) && !v.failed; e++)
      if (!v.out[out->slot][out->offset + e])
        vfail(&v, "output %d (node %%%u) element %lld is never written", o, out->node->id,
              (long long)e);
  }
  /* live buffers never share memory: both live at one step means disjoint elements */
  for (int a = 0; a < v.nbufs && !v.failed; a++)
    for (int b = a + 1; b < v.nbufs && !v.failed; b++) {
      const BufUse *x = &v.bufs[a], *y = &v.bufs[b];
      if (x->first < 0 || y->first < 0) continue;
      if (x->last < y->first || y->last < x->first || x->hi <= y->lo || y->hi <= x->lo) continue;
      v.step = x->first > y->first ? x->first : y->first;
      vfail(&v,
            "buffers %d (w[%lld..%lld), steps %d-%d) and %d (w[%lld..%lld), steps %d-%d) overlap",
            a, (long long)x->lo, (long long)x->hi, x->first, x->last, b, (long long)y->lo,
            (long long)y->hi, y->first, y->last);
    }
  free(v.work);
  for (int s = 0; s < 4; s++) free(v.out[s]);
  free(v.sreg);
  free(v.seen);
  free(v.bufs);
  return v.failed ? -1 : 0;
}

int sched_verify_kernel(const IrProblem *p, const SchedKernel *k, char *err, size_t errlen) {
  return verify_kernel(p, NULL, &p->kernels[k->id], k, err, errlen);
}

/* The x-memo slots: inside the work buffer, after every kernel's and stage's scratch, apart
 * from each other; each stage a plan of its node. */
static int verify_xmemo(const IrProblem *p, const SchedPlan *plan, char *err, size_t errlen) {
  int64_t scratch = 0;
  for (int j = 0; j < plan->nxmemo; j++)
    if (plan->xmemo[j].stage.work_size > scratch) scratch = plan->xmemo[j].stage.work_size;
  for (int id = 0; id < BLO_K_COUNT; id++)
    for (int i = 0; plan->present[id] && i < plan->kernels[id].nxmemo; i++)
      if (plan->kernels[id].xmemo[i] < 0 || plan->kernels[id].xmemo[i] >= plan->nxmemo) {
        snprintf(err, errlen, "kernel '%s' reads x-memo slot %d of %d", p->kernels[id].name,
                 plan->kernels[id].xmemo[i], plan->nxmemo);
        return -1;
      }
  int64_t end = 0;
  for (int j = 0; j < plan->nxmemo; j++) {
    const SchedXMemo *xm = &plan->xmemo[j];
    if (xm->hdr < scratch || xm->hdr < end || xm->at < xm->hdr + 1 + p->nx ||
        xm->at + xm->size > plan->work_size) {
      snprintf(err, errlen, "x-memo slot %d (header w[%lld], value w[%lld..%lld)) overlaps "
               "scratch (%lld), another slot (%lld) or leaves the work buffer (%lld)", j,
               (long long)xm->hdr, (long long)xm->at, (long long)(xm->at + xm->size),
               (long long)scratch, (long long)end, (long long)plan->work_size);
      return -1;
    }
    end = xm->at + xm->size;
    if (xm->stage.nxmemo || verify_kernel(p, plan, &xm->ik, &xm->stage, err, errlen)) {
      if (xm->stage.nxmemo) snprintf(err, errlen, "x-memo slot %d's stage reads slots", j);
      return -1;
    }
  }
  return 0;
}

int sched_verify_plan(const IrProblem *p, const SchedPlan *plan, char *err, size_t errlen) {
  if (verify_xmemo(p, plan, err, errlen)) return -1;
  for (int id = 0; id < BLO_K_COUNT; id++) {
    if (!plan->present[id]) continue;
    const SchedKernel *k = &plan->kernels[id];
    if (k->id != (BloKernelId)id || k->work_size > plan->work_size) {
      snprintf(err, errlen, "kernel '%s': id %d in slot %d, work %lld of the plan's %lld",
               p->kernels[id].name, (int)k->id, id, (long long)k->work_size,
               (long long)plan->work_size);
      return -1;
    }
    if (verify_kernel(p, plan, &p->kernels[id], k, err, errlen)) return -1;
  }
  return 0;
}

void sched_verify_after(const IrProblem *p, const SchedPlan *plan, const char *pass) {
  if (!ir_verify_enabled()) return;
  char err[512];
  if (sched_verify_plan(p, plan, err, sizeof err) == 0) return;
  fprintf(stderr, "bloc: internal error: plan verification failed after %s: %s\n", pass, err);
  exit(3);
}
