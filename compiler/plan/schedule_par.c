/* schedule_par.c — row-parallel regions (SS_PAR_ROWS in schedule.h). Consecutive steps over the
 * same rows that touch, for row r, only row r of what they write (elementwise loops, row
 * reductions, skinny products streaming a big operand, sparse products, sums over rows) are
 * grouped into one region that backends run in row blocks, as parallel tasks: each block of
 * the big matrix is read from memory once and reused from cache by the region's later steps
 * (the softmax of a block of X @ W while it is in cache), and both cores work. Steps that do
 * not belong are hoisted before the region when independent of it, else deferred after it.
 * Runs on logical work buffers, before their offsets are assigned. */
#include <stdlib.h>
#include <string.h>

#include "plan/schedule_int.h"

enum {
  DEFAULT_MIN_COST = 400000,  /* below this a region is not worth waking threads for */
  TASK_COST = 200000,         /* about this much work per task (at most SCHED_PAR_MAX_TASKS) */
  BLOCK_BYTES = 196608,       /* the rows of one block touch about this much memory (L2) */
  SPARSE_ROW_NNZ = 64         /* entries a row of a sparse matrix is taken to hold, for costs
                                 and block sizes (plans are made before the data are loaded) */
};

/* ------------------------------------------------------------------ accesses */

/* How a step touches a logical buffer: ROW = for domain row r, only row r of the view;
 * ALL = any element; RED = a reduction over the rows into it (written once per region). */
typedef enum { A_ROW, A_ALL, A_RED } AccMode;

typedef struct Acc {
  SchedBase base;
  int index;
  int64_t off, ld, cols;
  int64_t len; /* elements from off the access may touch (outputs: distinct ranges of a slot
                  are distinct buffers) */
  AccMode mode;
  bool write;
} Acc;

#define WHOLE ((int64_t)(INT64_MAX / 4)) /* rows of an access whose extent is not worked out */

typedef struct StepInfo {
  Acc *acc;
  int nacc, cap;
  bool cand;        /* may join a region over `rows` */
  int64_t rows;
  double cost;      /* estimated work (about one unit per flop) */
  double row_bytes; /* memory touched per row */
  double a_bytes;   /* of which a skinny a b' reads from a */
  int data_bytes;   /* bytes of an element of data (SB_DATA): 4 when they are floats */
} StepInfo;

static bool tracked(SchedBase b) { return b == SB_WORK || b == SB_OUT || b == SB_SREG; }

static void add_acc(StepInfo *si, const SchedBuf *b, int64_t rows, int64_t cols, AccMode mode,
                    bool write) {
  if (!tracked(b->base)) return;
  VEC_GROW(si->acc, si->nacc, si->cap);
  int64_t ld = b->ld > 0 ? b->ld : 1;
  if (cols < 1) cols = 1;
  int64_t len = rows >= WHOLE / (ld + 1) ? WHOLE : (rows > 1 ? rows - 1 : 0) * ld + cols;
  si->acc[si->nacc++] = (Acc){b->base, b->index, b->offset, ld, cols, len, mode, write};
}

/* Bytes of an element of buffer b: data may be floats (SchedOptions.f32_data), the rest is
 * double. Block sizes are bytes, so float data fits twice the rows in a cache. */
static double elt_bytes(const StepInfo *si, const SchedBuf *b) {
  return sched_data_elts(b) ? si->data_bytes : 8;
}

/* Reads of e evaluated at domain row r; `row` says whether e's row index is still r there
 * (elementwise ops, column broadcasts, slices and pads without a row offset keep it). Adds
 * the per-element cost and the bytes of an element of each distinct node's loads once
 * (seen). */
static void expr_acc(StepInfo *si, const SchedExpr *e, bool row, uint8_t *seen, double *cost,
                     double *load_bytes) {
  if (e->shape.rank == 0) row = false;
  if (seen[2 * e->id + row]) return;
  seen[2 * e->id + row] = 1;
  if (e->op == SCHED_LOAD) {
    add_acc(si, &e->buf, e->shape.rank >= 1 ? e->shape.rows : 1,
            e->shape.rank == 2 ? e->shape.cols : 1, row ? A_ROW : A_ALL, false);
    *cost += 1;
    *load_bytes += elt_bytes(si, &e->buf);
    return;
  }
  if (e->op == IR_CONST) return;
  /* the table's cost, but an index-only op (cost 0: free to recompute) still costs the loop
   * its index arithmetic */
  *cost += ir_ops[e->op].cost > 0 ? ir_ops[e->op].cost : 1;
  IrClass cls = ir_ops[e->op].cls;
  bool ew = cls == IRC_EW1 || cls == IRC_EW2 || cls == IRC_EW3;
  for (int i = 0; i < e->nargs; i++) {
    bool r = false;
    if (ew) r = row;
    else if (e->op == IR_BCAST_COLS || e->op == IR_ONEHOT || e->op == IR_DIAGM) r = row;
    else if (e->op == IR_OUTER) r = row && i == 0;
    else if (e->op == IR_SLICE || e->op == IR_PAD) r = row && e->attr[0] == 0;
    expr_acc(si, e->args[i], r, seen, cost, load_bytes);
  }
}

/* An SS_SPMM step's part in a region: row i of c from row i of a (or of its stored transpose),
 * b whole. A sampled a' b scatters into all of c: a boundary (false). */
static bool sparse_info(const Sch *s, const SchedBlas *b, StepInfo *si) {
  if (s->opt->sparse_call || (b->trans_a && b->idx.base != SB_NONE)) return false;
  int64_t row_len = b->trans_a ? b->m : b->k;
  int64_t nnz = row_len < SPARSE_ROW_NNZ ? row_len : SPARSE_ROW_NNZ;
  si->cand = true;
  si->rows = b->trans_a ? b->k : b->m;
  add_acc(si, &b->b, row_len, b->n, A_ALL, false);
  add_acc(si, &b->c, si->rows, b->n, A_ROW, true);
  si->cost = 2.0 * (double)si->rows * (double)b->n * (double)nnz;
  si->row_bytes = 8.0 * (double)b->n + 12.0 * (double)nnz;
  return true;
}

static void step_info(const Sch *s, const SchedStep *st, StepInfo *si) {
  memset(si, 0, sizeof *si);
  si->data_bytes = s->opt->f32_data ? 4 : 8;
  uint8_t *seen = xcalloc(2 * (size_t)s->nexprs + 2, 1);
  const SchedBlas *b = &st->blas;
  switch (st->kind == SS_SPMM && sparse_info(s, b, si) ? SS_PAR_ROWS : st->kind) {
  case SS_PAR_ROWS: break; /* a sparse product in a region (sparse_info) */
  case SS_LOOP:
  case SS_ROWS: {
    si->cand = st->rows >= 2;
    si->rows = st->rows;
    double per = 0;
    double loads = 0;
    for (int i = 0; i < st->nitems; i++) {
      const SchedItem *it = &st->items[i];
      expr_acc(si, it->expr, true, seen, &per, &loads);
      switch (it->kind) {
      case SI_WRITE:
        if (it->dest.base == SB_SREG) si->cand = false;
        add_acc(si, &it->dest, st->rows, st->cols, A_ROW, true);
        break;
      case SI_ROW_SUM: case SI_ROW_LSE: case SI_ROW_ARGMAX:
        per += it->kind == SI_ROW_LSE ? 24 : 1;
        add_acc(si, &it->dest, st->rows, 1, A_ROW, true);
        break;
      case SI_SUM:
        add_acc(si, &it->dest, 1, 1, A_RED, true);
        break;
      case SI_SUM_COLS:
        add_acc(si, &it->dest, it->dest_rows, 1, A_RED, true);
        break;
      default:
        si->cand = false;
        add_acc(si, &it->dest, WHOLE, 1, A_ALL, true);
        break;
      }
    }
    si->cost = (double)st->rows * (double)st->cols * (1 + per);
    si->row_bytes = (double)st->cols * (loads + 8.0 * st->nitems);
    break;
  }
  case SS_SKINNY_GEMM:
    si->cand = true;
    si->cost = 2.0 * (double)b->m * (double)b->n * (double)b->k;
    if (!b->trans_a) { /* rows of c from rows of a; b whole */
      si->rows = b->m;
      add_acc(si, &b->a, b->m, b->k, A_ROW, false);
      add_acc(si, &b->b, b->n, b->k, A_ALL, false);
      if (b->beta != 0) add_acc(si, &b->c, b->m, b->n, A_ROW, false);
      add_acc(si, &b->c, b->m, b->n, A_ROW, true);
      si->a_bytes = elt_bytes(si, &b->a) * (double)b->k;
      si->row_bytes = si->a_bytes + 8.0 * (double)b->n;
    } else { /* a sum over the rows of a and b */
      si->rows = b->k;
      add_acc(si, &b->a, b->k, b->m, A_ROW, false);
      add_acc(si, &b->b, b->k, b->n, A_ROW, false);
      add_acc(si, &b->c, b->m, b->n, A_RED, true);
      si->row_bytes = elt_bytes(si, &b->a) * (double)b->m + elt_bytes(si, &b->b) * (double)b->n;
    }
    if (b->alpha_buf.base != SB_NONE) add_acc(si, &b->alpha_buf, 1, 1, A_ALL, false);
    break;
  default: /* anything else is a region boundary: every access is to the whole buffer */
    for (int i = 0; i < st->nitems; i++) {
      const SchedItem *it = &st->items[i];
      double c = 0;
      double l = 0;
      expr_acc(si, it->expr, false, seen, &c, &l);
      add_acc(si, &it->dest, WHOLE, 1, A_ALL, true);
      if (it->kind == SI_SCATTER) add_acc(si, &it->idx, WHOLE, 1, A_ALL, false);
    }
    if (st->kind == SS_SPMM && b->idx.base != SB_NONE) add_acc(si, &b->idx, WHOLE, 1, A_ALL, false);
    if (st->kind == SS_GEMM || st->kind == SS_GEMV || st->kind == SS_SYMV || st->kind == SS_GER ||
        st->kind == SS_SPMM) {
      add_acc(si, &b->a, WHOLE, 1, A_ALL, false);
      add_acc(si, &b->b, WHOLE, 1, A_ALL, false);
      add_acc(si, &b->c, WHOLE, 1, A_ALL, false);
      add_acc(si, &b->c, WHOLE, 1, A_ALL, true);
      if (b->alpha_buf.base != SB_NONE) add_acc(si, &b->alpha_buf, 1, 1, A_ALL, false);
    }
    break;
  }
  /* what a non-member does to a buffer is "all of it" */
  if (!si->cand)
    for (int i = 0; i < si->nacc; i++) si->acc[i].mode = A_ALL;
  free(seen);
}

/* Two accesses may touch the same memory: the same logical buffer (work, scalar register), or
 * overlapping ranges of one output slot. */
static bool same_buf(const Acc *a, const Acc *b) {
  if (a->base != b->base || a->index != b->index) return false;
  if (a->base != SB_OUT) return true;
  return a->off < b->off + b->len && b->off < a->off + a->len;
}

/* j must run after (or before) every step of `set` keeps its meaning only if they do not
 * touch the same buffer with at least one write. */
static bool conflicts(const StepInfo *j, const StepInfo *info, const int *set, int n) {
  for (int q = 0; q < n; q++) {
    const StepInfo *o = &info[set[q]];
    for (int a = 0; a < j->nacc; a++)
      for (int b = 0; b < o->nacc; b++)
        if ((j->acc[a].write || o->acc[b].write) && same_buf(&j->acc[a], &o->acc[b])) return true;
  }
  return false;
}

/* ------------------------------------------------------------------ what a region touches */

typedef struct BufState {
  SchedBase base;
  int index;
  int64_t lo, hi; /* outputs: the range of the slot (grows to cover overlapping accesses) */
  bool has_view, all_read, written, reduced;
  int64_t off, ld, cols; /* the row view every ROW access must agree with */
} BufState;

typedef struct Region {
  BufState *b;
  int n, cap;
} Region;

static BufState *state_of(Region *r, const Acc *a) {
  for (int i = 0; i < r->n; i++) {
    BufState *b = &r->b[i];
    if (b->base != a->base || b->index != a->index) continue;
    if (a->base == SB_OUT) {
      if (!(a->off < b->hi && b->lo < a->off + a->len)) continue;
      if (a->off < b->lo) b->lo = a->off;
      if (a->off + a->len > b->hi) b->hi = a->off + a->len;
    }
    return b;
  }
  VEC_GROW(r->b, r->n, r->cap);
  BufState *b = &r->b[r->n++];
  memset(b, 0, sizeof *b);
  b->base = a->base;
  b->index = a->index;
  b->lo = a->off;
  b->hi = a->off + a->len;
  return b;
}

/* Row r of both views lies in the same row of the buffer (and nowhere else). */
static bool views_agree(const BufState *b, const Acc *a) {
  if (b->ld != a->ld) return false;
  if (a->ld == 1) return b->off == a->off && b->cols == 1 && a->cols == 1;
  return b->off / a->ld == a->off / a->ld && b->off % a->ld + b->cols <= a->ld &&
         a->off % a->ld + a->cols <= a->ld;
}

static bool apply(Region *r, const Acc *a) {
  BufState *b = state_of(r, a);
  if (a->mode == A_RED) {
    if (b->has_view || b->all_read || b->written || b->reduced) return false;
    b->reduced = true;
    return true;
  }
  if (b->reduced) return false;
  if (a->mode == A_ALL) {
    if (a->write || b->written) return false;
    b->all_read = true;
    return true;
  }
  if (a->write && b->all_read) return false;
  if (b->has_view && !views_agree(b, a)) return false;
  if (!b->has_view) {
    b->has_view = true;
    b->off = a->off;
    b->ld = a->ld;
    b->cols = a->cols;
  }
  if (a->write) b->written = true;
  return true;
}

/* Add step j to the region if every access keeps rows independent; unchanged otherwise. */
static bool try_join(Region *r, const StepInfo *j) {
  Region save = {xrealloc(NULL, (size_t)r->n + 1, sizeof(BufState)), r->n, r->n + 1};
  if (r->n) memcpy(save.b, r->b, (size_t)r->n * sizeof(BufState));
  bool ok = true;
  for (int pass = 0; pass < 2 && ok; pass++) /* reads first: a step never reads its own writes */
    for (int a = 0; a < j->nacc && ok; a++)
      if (j->acc[a].write == (pass == 1)) ok = apply(r, &j->acc[a]);
  if (!ok) {
    if (save.n) memcpy(r->b, save.b, (size_t)save.n * sizeof(BufState));
    r->n = save.n;
  }
  free(save.b);
  return ok;
}

/* ------------------------------------------------------------------ grouping */

typedef struct Entry {
  int step;    /* a plain step (>= 0), or -1 */
  int *region; /* the steps of a region (step == -1) */
  int nregion;
  int64_t rows;
} Entry;

typedef struct Grouping {
  Entry *e;
  int n, cap;
} Grouping;

static void push_entry(Grouping *g, Entry e) {
  VEC_GROW(g->e, g->n, g->cap);
  g->e[g->n++] = e;
}

/* Group the steps seq[0..len) (in this order) into plain steps and regions. */
static void group(const Sch *s, const StepInfo *info, const int *seq, int len, Grouping *g) {
  int64_t min_cost = s->opt->par_min_cost > 0 ? s->opt->par_min_cost : DEFAULT_MIN_COST;
  int *mem = xcalloc(3 * (size_t)len + 3, sizeof(int));
  for (int i = 0; i < len; i++) {
    int j0 = seq[i];
    const StepInfo *si = &info[j0];
    if (!si->cand) {
      push_entry(g, (Entry){j0, NULL, 0, 0});
      continue;
    }
    Region r = {NULL, 0, 0};
    int *reg = mem, *hoist = mem + len + 1, *defer = mem + 2 * len + 2;
    int nreg = 0, nhoist = 0, ndefer = 0;
    double cost = 0;
    if (try_join(&r, si)) {
      reg[nreg++] = j0;
      cost = si->cost;
      for (int t = i + 1; t < len; t++) {
        int j = seq[t];
        const StepInfo *sj = &info[j];
        if (sj->cand && sj->rows == si->rows && !conflicts(sj, info, defer, ndefer) &&
            try_join(&r, sj)) {
          reg[nreg++] = j;
          cost += sj->cost;
        } else if (!conflicts(sj, info, reg, nreg) && !conflicts(sj, info, defer, ndefer)) {
          hoist[nhoist++] = j;
        } else {
          defer[ndefer++] = j;
        }
      }
    }
    free(r.b);
    if (nreg == 0 || cost < (double)min_cost) { /* not worth it: keep the step where it is */
      push_entry(g, (Entry){j0, NULL, 0, 0});
      continue;
    }
    int *before = xcalloc((size_t)nhoist + 1, sizeof(int));
    memcpy(before, hoist, (size_t)nhoist * sizeof(int));
    group(s, info, before, nhoist, g); /* the hoisted steps may hold regions of their own */
    free(before);
    int *steps = xcalloc((size_t)nreg, sizeof(int));
    memcpy(steps, reg, (size_t)nreg * sizeof(int));
    push_entry(g, (Entry){-1, steps, nreg, si->rows});
    int *rest = xcalloc((size_t)ndefer + 1, sizeof(int));
    memcpy(rest, defer, (size_t)ndefer * sizeof(int));
    free(mem);
    group(s, info, rest, ndefer, g); /* the deferred steps may hold regions of their own */
    free(rest);
    return;
  }
  free(mem);
}

/* ------------------------------------------------------------------ building regions */

static SchedReduce *new_reduce(SchedStep *par, Sch *s, int64_t rows, int64_t cols, SchedBuf dest,
                               int *index) {
  par->reds = xrealloc(par->reds, (size_t)par->nreds + 1, sizeof(SchedReduce));
  SchedReduce *rd = &par->reds[par->nreds];
  memset(rd, 0, sizeof *rd);
  *index = ++par->nreds; /* 1-based, as SchedItem.part */
  int64_t size = rows * cols;
  rd->stride =
      (size + SCHED_ALIGN - 1) / SCHED_ALIGN * SCHED_ALIGN; /* tasks' partials on their own lines */
  rd->part = (SchedBuf){SB_WORK, (int)sched_new_buffer(s, rd->stride * par->ntasks), 0, cols, false,
                        false};
  rd->rows = rows;
  rd->cols = cols;
  rd->dest = dest;
  rd->alpha = 1;
  rd->beta = 0;
  return rd;
}

/* The SS_PAR_ROWS step of a region: its body (the steps, moved), tasks and blocks, and a
 * reduction for every sum over rows. */
/* One skinny product per big matrix a of the region prefetches the next block's rows of a:
 * the a' b when there is one, else the first a b' without a memo slot (else the first a b').
 * Measured on hyper-cleaning (Zen 3, one thread, CPU time; doc/performance.md): without the
 * a' b's prefetch grad_y_g took 1.2x the time; prefetching in the a b' as well took the three
 * kernels with both products 1.12-1.17x the time of the a' b alone; in f and hvp_xy (no a' b)
 * prefetching in the a b' took 0.87-0.93x the time of none. */
static bool same_matrix(const SchedBuf *a, const SchedBuf *b) {
  return a->base == b->base && a->index == b->index && a->offset == b->offset;
}

static void mark_prefetch(SchedStep *par) {
  for (int i = 0; i < par->nbody; i++) {
    SchedBlas *b = &par->body[i].blas;
    if (par->body[i].kind != SS_SKINNY_GEMM) continue;
    bool taken = false; /* another product over the same a prefetches */
    for (int j = 0; j < par->nbody && !taken; j++) {
      const SchedBlas *o = &par->body[j].blas;
      if (j == i || par->body[j].kind != SS_SKINNY_GEMM || !same_matrix(&o->a, &b->a)) continue;
      /* a memo'd product (SchedBlas.memo) is skipped when its slot is full: it prefetches
       * only when it is the only a b' */
      taken =
          b->trans_a ? o->trans_a && j < i : o->trans_a || (o->memo == b->memo ? j < i : b->memo);
    }
    b->prefetch = !taken;
  }
}

/* Region step i is a memo'd a b' (SchedBlas.memo) that planning without memo slots would
 * have packed with another a b' of the region over the same a (pack_products): its rows of a
 * are counted once, so that the region's blocks and tasks, and with them the results (the
 * float a' b sums in chunks of a block; partial sums per task), are the same either way. */
static bool memo_partner(const Sch *s, const Entry *e, int i) {
  const SchedStep *st = &s->steps[e->region[i]].st;
  if (st->kind != SS_SKINNY_GEMM || !st->blas.memo) return false;
  for (int j = 0; j < e->nregion; j++) {
    const SchedStep *o = &s->steps[e->region[j]].st;
    if (j != i && o->kind == SS_SKINNY_GEMM && !o->blas.trans_a &&
        same_matrix(&o->blas.a, &st->blas.a) && (!o->blas.memo || j < i))
      return true;
  }
  return false;
}

static SchedStep make_region(Sch *s, const Entry *e, const StepInfo *info) {
  SchedStep par;
  memset(&par, 0, sizeof par);
  par.kind = SS_PAR_ROWS;
  par.rows = e->rows;
  double cost = 0, bytes = 0;
  for (int i = 0; i < e->nregion; i++) {
    cost += info[e->region[i]].cost;
    bytes += info[e->region[i]].row_bytes;
    if (memo_partner(s, e, i)) bytes -= info[e->region[i]].a_bytes;
  }
  int64_t rows = e->rows;
  int64_t block = bytes > 0 ? (int64_t)(BLOCK_BYTES / bytes) : rows;
  if (s->opt->par_block_rows > 0) block = s->opt->par_block_rows;
  if (block < 12) block = 12; /* skinny products work in tiles of 3, 4 or 8 rows */
  block -= block % 12;
  if (block > rows) block = rows;
  int64_t nblocks = (rows + block - 1) / block;
  int64_t min_cost = s->opt->par_min_cost > 0 ? s->opt->par_min_cost : DEFAULT_MIN_COST;
  double task_cost = min_cost / 2 + 1 < TASK_COST ? (double)(min_cost / 2 + 1) : TASK_COST;
  int64_t ntasks = (int64_t)(cost / task_cost);
  if (ntasks > SCHED_PAR_MAX_TASKS) ntasks = SCHED_PAR_MAX_TASKS;
  if (ntasks > nblocks) ntasks = nblocks;
  if (ntasks < 1) ntasks = 1;
  int64_t per = (nblocks + ntasks - 1) / ntasks;
  par.block_rows = block;
  par.task_rows = per * block;
  par.ntasks = (rows + par.task_rows - 1) / par.task_rows;
  par.nbody = e->nregion;
  par.body = xcalloc((size_t)e->nregion, sizeof(SchedStep));
  for (int i = 0; i < e->nregion; i++) {
    Step *src = &s->steps[e->region[i]];
    SchedStep *st = &par.body[i];
    *st = src->st;
    src->st.items = NULL; /* moved */
    src->st.nitems = 0;
    sched_map_free(&src->memo);
    for (int j = 0; j < st->nitems; j++) {
      SchedItem *it = &st->items[j];
      if (it->kind != SI_SUM && it->kind != SI_SUM_COLS) continue;
      int idx;
      SchedReduce *rd =
          new_reduce(&par, s, it->kind == SI_SUM ? 1 : it->dest_rows, 1, it->dest, &idx);
      it->part = idx;
      it->dest = rd->part;
    }
    if (st->kind == SS_SKINNY_GEMM && st->blas.trans_a) {
      SchedBlas *b = &st->blas;
      int idx;
      SchedReduce *rd = new_reduce(&par, s, b->m, b->n, b->c, &idx);
      rd->alpha = b->alpha;
      rd->alpha_buf = b->alpha_buf;
      rd->beta = b->beta;
      /* float arithmetic (a float data or its rows, cg_llvm_skinny.c), and doubles when the
       * backend asks (trans_f64): partials transposed */
      bool fl = s->opt->f32_data && sched_data_elts(&b->a);
      rd->trans = b->part_trans = fl || (s->opt->trans_f64 && !s->opt->rows_partials);
      if (rd->trans) rd->part.ld = b->m;
      b->part = idx;
      b->c = rd->part;
      b->alpha = 1;
      b->alpha_buf = (SchedBuf){SB_NONE, 0, 0, 1, false, false};
      b->beta = 0;
    }
  }
  mark_prefetch(&par);
  return par;
}

void sched_regions(Sch *s) {
  if (s->opt->no_par || s->nsteps == 0) return;
  int n = s->nsteps;
  StepInfo *info = xcalloc((size_t)n, sizeof(StepInfo));
  int *seq = xcalloc((size_t)n, sizeof(int));
  for (int i = 0; i < n; i++) {
    step_info(s, &s->steps[i].st, &info[i]);
    seq[i] = i;
  }
  Grouping g = {NULL, 0, 0};
  group(s, info, seq, n, &g);
  bool any = false;
  for (int i = 0; i < g.n; i++) any |= g.e[i].step < 0;
  if (any) {
    /* new positions of the old steps, and the live ranges remapped to them */
    int *pos = xcalloc((size_t)n, sizeof(int));
    for (int i = 0; i < g.n; i++) {
      if (g.e[i].step >= 0) pos[g.e[i].step] = i;
      else
        for (int q = 0; q < g.e[i].nregion; q++) pos[g.e[i].region[q]] = i;
    }
    uint32_t nold = s->nbufs;
    for (uint32_t b = 0; b < nold; b++) {
      if (s->bfirst[b] < 0) continue;
      int lo = g.n, hi = -1;
      for (int j = s->bfirst[b]; j <= s->blast[b] && j < n; j++) {
        if (pos[j] < lo) lo = pos[j];
        if (pos[j] > hi) hi = pos[j];
      }
      s->bfirst[b] = lo;
      s->blast[b] = hi;
    }
    Step *steps = xcalloc((size_t)g.n, sizeof(Step));
    for (int i = 0; i < g.n; i++) {
      Entry *e = &g.e[i];
      if (e->step >= 0) {
        steps[i] = s->steps[e->step];
        continue;
      }
      steps[i].st = make_region(s, e, info);
      for (int r = 0; r < steps[i].st.nreds; r++) { /* partials live at the region only */
        uint32_t pb = (uint32_t)steps[i].st.reds[r].part.index;
        s->bfirst[pb] = s->blast[pb] = i;
      }
    }
    free(s->steps);
    s->steps = steps;
    s->nsteps = s->capsteps = g.n;
    free(pos);
  }
  for (int i = 0; i < g.n; i++) free(g.e[i].region);
  free(g.e);
  for (int i = 0; i < n; i++) free(info[i].acc);
  free(info);
  free(seq);
}

/* ------------------------------------------------------------------ rows read in place */

bool sched_gather_rows(const SchedStep *st, const SchedBuf **dest) {
  if (st->kind != SS_LOOP || st->nitems != 1 || st->flat || st->cols < 2) return false;
  const SchedItem *it = &st->items[0];
  const SchedExpr *e = it->expr, *a = e->nargs == 2 ? e->args[0] : NULL;
  if (it->kind != SI_WRITE || e->op != IR_GATHER || e->attr[1] || a->op != SCHED_LOAD ||
      a->buf.base != SB_DATA || a->shape.rank != 2 || a->shape.cols != st->cols ||
      e->args[1]->op != SCHED_LOAD || e->args[1]->buf.base != SB_SAMPLE || it->dest.base == SB_SREG)
    return false;
  if (dest) *dest = &it->dest;
  return true;
}

static bool is_buf(const SchedBuf *b, int id) { return b->base == SB_WORK && b->index == id; }

static int expr_views(const SchedExpr *e, int id) {
  int n = e->op == SCHED_LOAD && is_buf(&e->buf, id);
  for (int i = 0; i < e->nargs; i++) n += expr_views(e->args[i], id);
  return n;
}

/* Whether product st reads all of the rows it covers of copy w (gather's destination) as its
 * a: a' b over w's rows, or a b' with c's rows w's. */
static bool reads_whole_rows(const SchedStep *st, const SchedBuf *w, int64_t cols) {
  const SchedBlas *b = &st->blas;
  return st->kind == SS_SKINNY_GEMM && is_buf(&b->a, w->index) && b->a.offset == w->offset &&
         b->a.ld == w->ld && (b->trans_a ? b->m : b->k) == cols;
}

/* The views of work buffer `id` in steps[0..n) (region bodies included), except copy w itself
 * and, in region par, the a of products reading its whole rows (reads_whole_rows). */
static int other_views(const SchedStep *steps, int n, int id, const SchedStep *par,
                       const SchedBuf *w, int64_t cols) {
  int count = 0;
  for (int i = 0; i < n; i++) {
    const SchedStep *st = &steps[i];
    for (int j = 0; j < st->nitems; j++) {
      const SchedItem *it = &st->items[j];
      count += expr_views(it->expr, id) + is_buf(&it->idx, id) +
               (is_buf(&it->dest, id) && &it->dest != w);
    }
    const SchedBlas *b = &st->blas;
    bool mine = reads_whole_rows(st, w, cols) && par->body <= st && st < par->body + par->nbody;
    count += (is_buf(&b->a, id) && !mine) + is_buf(&b->b, id) + is_buf(&b->c, id) +
             is_buf(&b->alpha_buf, id) + is_buf(&b->idx, id);
    for (int r = 0; r < st->nreds; r++)
      count += is_buf(&st->reds[r].part, id) + is_buf(&st->reds[r].dest, id) +
               is_buf(&st->reds[r].alpha_buf, id);
    if (st->kind == SS_PAR_ROWS) count += other_views(st->body, st->nbody, id, par, w, cols);
  }
  return count;
}

void sched_direct_rows(SchedKernel *k) {
  for (int i = 0; i < k->nsteps; i++) {
    SchedStep *par = &k->steps[i];
    if (par->kind != SS_PAR_ROWS) continue;
    for (int g = 0; g < par->nbody; g++) {
      const SchedBuf *cw;
      if (!sched_gather_rows(&par->body[g], &cw) || cw->base != SB_WORK || !cw->rows_of_data)
        continue;
      SchedBuf *w = &par->body[g].items[0].dest;
      int64_t cols = par->body[g].cols;
      bool used = false;
      for (int j = 0; j < par->nbody; j++) used |= reads_whole_rows(&par->body[j], w, cols);
      if (!used || other_views(k->steps, k->nsteps, w->index, par, w, cols) > 0) continue;
      for (int j = 0; j < par->nbody; j++)
        if (reads_whole_rows(&par->body[j], w, cols)) par->body[j].blas.a.rows_direct = true;
      w->rows_direct = true;
    }
  }
}
