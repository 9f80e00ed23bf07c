/* eval.c — the reference IR interpreter (see eval.h). Every op is written out in the most
 * direct way; speed is not a goal. Intermediate buffers are freed after their last use so the
 * data stage can chain large tensors. */
#include "support/alloc.h"
#include "interp/eval.h"

#include <assert.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_dataops.h"
#include "rt_fmt.h"
#include "rt_mem.h"
#include "rt_rng.h"
#include "rt_sparse.h"

/* The arrays are by a node's position in the evaluation order (at()), not by its id: sized by
 * the nodes evaluated, not by the graph, which the data stage's one evaluation per declaration
 * paid as declarations^2. */
typedef struct Ev {
  IrGraph *g;
  const IrEvalInputs *in;
  IrIdMap pos; /* node id -> position */
  double **val;
  uint8_t *owned; /* val[i] was malloc'ed here */
  uint32_t *uses;    /* remaining uses */
  double **dest; /* the caller's out[r] when the node is root r, else NULL */
  uint8_t *sliced; /* an IR_DATA node read only by slices (see IR_DATA below) */
  IrEvalError *err;
  /* The data stage's buffers are sized by the program (a 150000000-vector): refused, they
   * fail the evaluation (status 3, rt_oom_raise) instead of ending a library caller's process.
   * ev_alloc jumps back to ir_eval, which frees what the evaluation holds. */
  jmp_buf oom;
  const IrNode *cur; /* the node being evaluated, for the message's place */
} Ev;

static uint32_t at(const Ev *e, const IrNode *n) { return ir_idmap_get(&e->pos, n->id); }

static double *ev_alloc(Ev *e, size_t n) {
  if (!e->in->data_stage) return xrealloc(NULL, n, sizeof(double)); /* kernels: as before */
  double *p = n <= SIZE_MAX / sizeof(double) ? malloc((n ? n : 1) * sizeof(double)) : NULL;
  if (p) return p;
  snprintf(e->err->msg, sizeof e->err->msg, "out of memory for a tensor of %zu values", n);
  e->err->span = e->cur ? e->cur->span : SPAN_NONE;
  rt_oom_raise();
  longjmp(e->oom, 1);
}
/* every node's buffer in eval_node (and source_buf) comes from ev_alloc */
#define xalloc(n) ev_alloc(e, (n))

/* Loaders and generators (data stage only): they read no input buffer. */
static bool is_source(const IrNode *n) {
  return n->op == IR_LOAD || n->op == IR_RAND || n->op == IR_PERM || n->op == IR_RANDOM_SPD ||
         n->op == IR_ARANGE;
}

/* The buffer for a source node: the caller's out[r] when the node is root r, so that a 376 MB
 * image file is decoded straight into its destination rather than into a buffer that is then
 * copied; else a new one. *own says which. A source reads no input, so writing into out[r]
 * before the other roots are computed cannot change what they compute. (Kernel roots, which
 * may be written over their own inputs, are never sources.) */
static double *source_buf(Ev *e, const IrNode *n, size_t size, bool *own) {
  double *d = e->dest[at(e, n)];
  *own = d == NULL;
  return d ? d : xalloc(size);
}

static int fail(Ev *e, const IrNode *n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->err->msg, sizeof e->err->msg, fmt, ap);
  va_end(ap);
  e->err->span = n->span;
  return -1;
}

static double *V(Ev *e, const IrNode *n, int i) { return e->val[at(e, n->args[i])]; }

/* Whether one of vals[0..n) is 0: then values one past the end are not a numbering from 1. */
static bool has_zero(const double *vals, int64_t n) {
  for (int64_t i = 0; i < n; i++)
    if (vals[i] == 0) return true;
  return false;
}

/* Label i of onehot node n, l, is not an integer in 0..k-1: a file of labels numbered from 1,
 * or of other values than classes, which a row of zeros would have silently dropped. */
static int onehot_fail(Ev *e, const IrNode *n, int64_t i, double l) {
  char lb[RT_FMT_NUM_LEN];
  int64_t k = n->shape.cols;
  const double *labels = V(e, n, 0);
  fail(e, n, "label [%lld] of 'onehot' is %s, not a class: the classes are the integers 0..%lld",
       (long long)(n->attr[0] + i), rt_fmt_num(l, lb), (long long)(k - 1)); /* global index */
  e->err->onehot = n;
  e->err->label = i;
  if (l == (double)k && has_zero(labels, n->shape.rows))
    snprintf(e->err->hint, sizeof e->err->hint,
             "labels 0 and %lld are both there: for %lld classes, write onehot(labels, %lld)",
             (long long)k, (long long)(k + 1), (long long)(k + 1));
  else if (l == (double)k)
    snprintf(e->err->hint, sizeof e->err->hint,
             "for labels numbered from 1, write onehot(labels - 1, %lld)", (long long)k);
  return -1;
}

/* Index i of take node n, v, is not an integer in 0..count-1 of the rows (columns) it picks
 * from: a file of indices numbered from 1, or a computed index gone wrong, which truncating
 * to a row would have hidden. attr[1] numbers the rank's indices as all of them are. */
static int take_fail(Ev *e, const IrNode *n, int64_t i, double v) {
  char vb[RT_FMT_NUM_LEN], sb[64];
  const IrNode *a = n->args[0];
  bool cols = n->attr[0] == 1, vec = a->shape.rank == 1;
  int64_t count = cols ? a->shape.cols : a->shape.rows;
  const char *what = vec ? "element" : cols ? "column" : "row";
  fail(e, n, "index [%lld] is %s, not a%s %s of the %s: they are the integers 0..%lld",
       (long long)(n->attr[1] + i), rt_fmt_num(v, vb), vec ? "n" : "", what,
       shape_str(a->shape, sb), (long long)(count - 1));
  e->err->take = n;
  e->err->label = i;
  if (v == (double)count && !has_zero(V(e, n, 1), n->args[1]->shape.rows))
    snprintf(e->err->hint, sizeof e->err->hint,
             "for indices numbered from 1, subtract 1 from them: idx - 1");
  else if (v < 0)
    snprintf(e->err->hint, sizeof e->err->hint,
             "indices count from 0; a negative one does not count from the end here");
  else if (v != floor(v) && v == v) /* a fraction, not NaN */
    snprintf(e->err->hint, sizeof e->err->hint,
             "indices are whole numbers: round computed ones first, round(idx)");
  return -1;
}

/* The CSR data (and sampled rows, as indices checked in range) of sparse operand i of n. A
 * sparse data tensor's pointer is its RtSparse (rt_sparse.h); a sparse gather has no value of
 * its own. *idx is malloc'ed (NULL: all rows). A sharded gather (ir_gather_shard) reads rows
 * idx - *off, those outside the rank's rows empty: its global indices are not checked here
 * (the sample set's draw is in range). Returns NULL with the error set. */
static const RtSparse *sparse_arg(Ev *e, const IrNode *n, int i, int64_t **idx, int64_t *off) {
  const IrNode *a = n->args[i];
  *idx = NULL;
  *off = 0;
  if (a->op != IR_GATHER) return (const RtSparse *)(const void *)e->val[at(e, a)];
  const RtSparse *s = (const RtSparse *)(const void *)e->val[at(e, a->args[0])];
  const double *d = e->val[at(e, a)];
  int64_t k = a->args[1]->shape.rows;
  bool shard = a->attr[1] != 0;
  *off = shard ? a->attr[0] : 0;
  *idx = xrealloc(NULL, (size_t)(k ? k : 1), sizeof(int64_t));
  for (int64_t r = 0; r < k; r++) {
    if (!shard && !(d[r] >= 0 && d[r] < (double)s->m.rows)) {
      free(*idx);
      *idx = NULL;
      fail(e, n, "sample index %lld out of range 0..%lld", (long long)(int64_t)d[r],
           (long long)s->m.rows - 1);
      return NULL;
    }
    (*idx)[r] = (int64_t)d[r];
  }
  return s;
}

/* Row-major (r, c) of an element index. */
static int eval_node(Ev *e, IrNode *n) {
  const IrEvalInputs *in = e->in;
  int64_t size = shape_size(n->shape), m = n->shape.rows, nc = n->shape.cols;
  double *out = NULL;
  bool own = true;
  switch ((IrOp)n->op) {
  case IR_CONST:
    out = xalloc((size_t)size);
    rt_dop_fill(out, size, n->num);
    break;
  case IR_VAR:
    out = (double *)(n->attr[0] == 0 ? in->x : in->y) + n->attr[2];
    own = false;
    break;
  case IR_DIR:
    if (!in->v) return fail(e, n, "internal error: direction vector not provided");
    out = (double *)in->v + n->attr[2];
    own = false;
    break;
  case IR_DATA:
    out = (double *)in->data[n->attr[0]];
    own = false;
    if (!out && in->data_full) {
      /* held compactly by the driver: the slices that read it ask for their rows (and only
       * they read it, so val stays NULL); anything else needs the whole tensor */
      if (e->sliced[at(e, n)]) {
        e->val[at(e, n)] = NULL;
        e->owned[at(e, n)] = false;
        return 0;
      }
      out = (double *)in->data_full(in->hook_ctx, (int)n->attr[0]);
    }
    break;
  case IR_SAMPLE:
    out = xalloc((size_t)size);
    for (int64_t i = 0; i < size; i++) out[i] = (double)in->samples[n->attr[1] + i];
    break;

#define IRC_CASE_IRC_EW1(id) case id:
#include "ir/ir_class_cases.h"
  {
    const double *a = V(e, n, 0);
    out = xalloc((size_t)size);
    for (int64_t i = 0; i < size; i++) out[i] = ir_fold_unary((IrOp)n->op, a[i], n->num);
    break;
  }
#define IRC_CASE_IRC_EW2(id) case id:
#include "ir/ir_class_cases.h"
  {
    const double *a = V(e, n, 0), *b = V(e, n, 1);
    int sa = n->args[0]->shape.rank == 0, sb = n->args[1]->shape.rank == 0;
    out = xalloc((size_t)size);
    for (int64_t i = 0; i < size; i++)
      out[i] = ir_fold_binary((IrOp)n->op, a[sa ? 0 : i], b[sb ? 0 : i]);
    break;
  }
  case IR_WHERE: {
    const double *c = V(e, n, 0), *a = V(e, n, 1), *b = V(e, n, 2);
    int sc = n->args[0]->shape.rank == 0, sa = n->args[1]->shape.rank == 0,
        sb = n->args[2]->shape.rank == 0;
    out = xalloc((size_t)size);
    for (int64_t i = 0; i < size; i++) out[i] = c[sc ? 0 : i] != 0 ? a[sa ? 0 : i] : b[sb ? 0 : i];
    break;
  }

  case IR_SUM: {
    out = xalloc(1);
    out[0] = rt_dop_sum(V(e, n, 0), shape_size(n->args[0]->shape));
    break;
  }
  case IR_LSE: {
    out = xalloc(1);
    out[0] = rt_dop_lse(V(e, n, 0), shape_size(n->args[0]->shape));
    break;
  }
  case IR_SUM_ROWS: case IR_LSE_ROWS: case IR_ARGMAX_ROWS: {
    const double *a = V(e, n, 0);
    int64_t cols = n->args[0]->shape.cols;
    out = xalloc((size_t)m);
    if (n->op == IR_SUM_ROWS) rt_dop_sum_rows(a, m, cols, out);
    else if (n->op == IR_ARGMAX_ROWS) rt_dop_argmax_rows(a, m, cols, out);
    else rt_dop_lse_rows(a, m, cols, out);
    break;
  }
  case IR_SUM_COLS: {
    const double *a = V(e, n, 0);
    int64_t rows = n->args[0]->shape.rows, cols = n->args[0]->shape.cols;
    out = xalloc((size_t)cols);
    rt_dop_sum_cols(a, rows, cols, out);
    break;
  }

  case IR_MATMUL: {
    out = xalloc((size_t)size);
    rt_dop_matmul(V(e, n, 0), V(e, n, 1), m, n->args[0]->shape.cols, nc, out);
    break;
  }
  case IR_MATVEC: {
    out = xalloc((size_t)m);
    rt_dop_matmul(V(e, n, 0), V(e, n, 1), m, n->args[0]->shape.cols, 1, out);
    break;
  }
  case IR_SPMM: case IR_SPMTM: {
    int64_t *idx, off;
    const RtSparse *sp = sparse_arg(e, n, 0, &idx, &off);
    if (!sp) return -1;
    int64_t cols = n->shape.rank == 2 ? nc : 1;
    out = xalloc((size_t)size);
    rt_sparse_mul_shard(sp, idx, off, n->args[0]->shape.rows, n->op == IR_SPMTM, cols, V(e, n, 1),
                        cols, out, cols);
    free(idx);
    break;
  }
  case IR_SPARSE_COO: /* a sparse declaration's value: built by the data stage, never here */
    return fail(e, n, "internal error: sparse_coo evaluated as a dense tensor");
  case IR_DENSE:
    out = xalloc((size_t)size);
    rt_sparse_to_dense((const RtSparse *)(const void *)V(e, n, 0), out);
    break;
  case IR_OUTER: {
    out = xalloc((size_t)size);
    rt_dop_outer(V(e, n, 0), V(e, n, 1), m, nc, out);
    break;
  }
  case IR_TRANSPOSE: {
    out = xalloc((size_t)size);
    rt_dop_transpose(V(e, n, 0), nc, m, out);
    break;
  }

  case IR_BCAST: {
    out = xalloc((size_t)size);
    rt_dop_fill(out, size, V(e, n, 0)[0]);
    break;
  }
  case IR_BCAST_ROWS: case IR_BCAST_COLS: {
    out = xalloc((size_t)size);
    if (n->op == IR_BCAST_ROWS) rt_dop_bcast_rows(V(e, n, 0), m, nc, out);
    else rt_dop_bcast_cols(V(e, n, 0), m, nc, out);
    break;
  }
  case IR_RESHAPE:
    out = xalloc((size_t)size);
    memcpy(out, V(e, n, 0), (size_t)size * sizeof(double));
    break;
  case IR_SLICE: {
    const double *a = V(e, n, 0);
    int64_t cols = n->args[0]->shape.cols;
    out = xalloc((size_t)size);
    if (!a) { /* a compactly held data tensor (IR_DATA above) */
      IrBlock blk = {n->attr[0], m, n->attr[2], nc};
      in->data_block(in->hook_ctx, (int)n->args[0]->attr[0], &blk, out);
      break;
    }
    rt_dop_copy_block(a + n->attr[0] * cols + n->attr[2], cols, m, nc, out, nc);
    break;
  }
  case IR_PAD: {
    int64_t am = n->args[0]->shape.rows, an = n->args[0]->shape.cols;
    out = xalloc((size_t)size);
    rt_dop_fill(out, size, 0);
    rt_dop_copy_block(V(e, n, 0), an, am, an, out + n->attr[0] * nc + n->attr[2], nc);
    break;
  }
  case IR_GATHER: case IR_SCATTER: {
    if (n->shape.sparse) { /* sampled rows of a sparse matrix: its value is the indices, which
                              the product reads with the matrix (sparse_arg) */
      int64_t k = n->args[1]->shape.rows;
      out = xalloc((size_t)(k ? k : 1));
      memcpy(out, V(e, n, 1), (size_t)k * sizeof(double));
      break;
    }
    const double *a = V(e, n, 0), *idx = V(e, n, 1);
    int64_t k = n->args[1]->shape.rows;
    int64_t limit = n->op == IR_GATHER ? n->args[0]->shape.rows : m;
    out = xalloc((size_t)size);
    if (n->op == IR_GATHER && n->attr[1]) { /* sharded: rows the rank does not own are 0 */
      for (int64_t i = 0; i < k; i++) {
        int64_t r = (int64_t)idx[i] - n->attr[0];
        for (int64_t j = 0; j < nc; j++) out[i * nc + j] = r >= 0 && r < limit ? a[r * nc + j] : 0;
      }
      break;
    }
    int64_t bad = n->op == IR_GATHER
                      ? rt_dop_gather(a, limit, nc, idx, k, out)
                      : rt_dop_scatter(a, k, n->args[0]->shape.cols, idx, limit, out);
    if (bad >= 0) {
      free(out);
      return fail(e, n, "sample index %lld out of range 0..%lld", (long long)(int64_t)idx[bad],
                  (long long)limit - 1);
    }
    break;
  }
  case IR_DIAGM: {
    out = xalloc((size_t)size);
    rt_dop_diag_matrix(V(e, n, 0), m, out);
    break;
  }
  case IR_DIAGV: {
    out = xalloc((size_t)m);
    rt_dop_diag_vector(V(e, n, 0), m, out);
    break;
  }
  case IR_CAT: case IR_VCAT: {
    out = xalloc((size_t)size);
    int64_t at = 0;
    for (int i = 0; i < n->nargs; i++) {
      int64_t k = shape_size(n->args[i]->shape);
      memcpy(out + at, V(e, n, i), (size_t)k * sizeof(double));
      at += k;
    }
    break;
  }
  case IR_HCAT: {
    out = xalloc((size_t)size);
    int64_t c0 = 0;
    for (int a = 0; a < n->nargs; a++) {
      const double *src = V(e, n, a);
      int64_t w = n->args[a]->shape.rank == 2 ? n->args[a]->shape.cols : 1;
      rt_dop_copy_block(src, w, m, w, out + c0, nc);
      c0 += w;
    }
    break;
  }
  case IR_ONEHOT: {
    out = xalloc((size_t)size);
    int64_t bad = rt_dop_onehot(V(e, n, 0), m, nc, out);
    if (bad >= 0 && in->data_stage) {
      free(out);
      return onehot_fail(e, n, bad, V(e, n, 0)[bad]);
    }
    break;
  }

  case IR_TAKE: {
    const IrNode *a0 = n->args[0];
    const double *a = V(e, n, 0), *idx = V(e, n, 1);
    int64_t k = n->args[1]->shape.rows;
    int64_t rows = a0->shape.rows, cols = a0->shape.rank == 2 ? a0->shape.cols : 1;
    out = xalloc((size_t)size);
    int64_t bad;
    if (!a) { /* a compactly held data tensor (IR_DATA above): only the rows taken are read */
      bad = rt_dop_take_check(idx, k, rows);
      for (int64_t i = 0; i < k && bad < 0; i++) {
        IrBlock blk = {(int64_t)idx[i], 1, 0, cols};
        in->data_block(in->hook_ctx, (int)a0->attr[0], &blk, out + i * cols);
      }
    } else {
      bad = rt_dop_take(a, rows, cols, idx, k, (int)n->attr[0], out);
    }
    if (bad >= 0) {
      free(out);
      return take_fail(e, n, bad, idx[bad]);
    }
    break;
  }
  case IR_LOAD: {
    if (!in->load) return fail(e, n, "internal error: no data loader available");
    out = source_buf(e, n, (size_t)size, &own);
    /* attr[3] > 0: a sharded load of rows attr[2] .. of a whole of attr[3] rows (shard.c) */
    Shape whole = n->shape;
    if (n->attr[3] > 0) whole.rows = n->attr[3];
    IrLoadRequest req = {
        (IrLoadFormat)n->attr[0], n->str, whole, n->attr[1], n->attr[2], n->shape.rows,
        n->span};
    if (in->load(in->hook_ctx, &req, out, e->err->msg, sizeof e->err->msg)) {
      if (own) free(out);
      e->err->span = n->span;
      return -1;
    }
    break;
  }
  case IR_RAND: {
    RtRng r = rt_rng_stream(in->seed, n->str);
    out = source_buf(e, n, (size_t)size, &own);
    switch ((IrRandKind)n->attr[0]) {
    case IR_RAND_UNIFORM: rt_rng_fill_uniform(&r, n->num, n->num2, out, size); break;
    case IR_RAND_NORMAL: rt_rng_fill_normal(&r, n->num, n->num2, out, size); break;
    case IR_RAND_RANDINT:
      rt_rng_fill_randint(&r, (int64_t)n->num, (int64_t)n->num2, out, size);
      break;
    case IR_RAND_BERNOULLI: rt_rng_fill_bernoulli(&r, n->num, out, size); break;
    }
    break;
  }
  case IR_PERM: {
    RtRng r = rt_rng_stream(in->seed, n->str);
    out = source_buf(e, n, (size_t)size, &own);
    rt_rng_fill_permutation(&r, size, out);
    break;
  }
  case IR_ARANGE:
    out = source_buf(e, n, (size_t)size, &own);
    for (int64_t i = 0; i < size; i++) out[i] = (double)i;
    break;
  case IR_RANDOM_SPD: {
    if (!in->random_spd) return fail(e, n, "internal error: random_spd is not available");
    out = source_buf(e, n, (size_t)size, &own);
    IrSpdRequest req = {in->seed, n->str, m, n->num, n->num2};
    if (in->random_spd(in->hook_ctx, &req, out, e->err->msg, sizeof e->err->msg)) {
      if (own) free(out);
      e->err->span = n->span;
      return -1;
    }
    break;
  }
  case IR_OP_COUNT:
    break;
  }
  assert(out);
  e->val[at(e, n)] = out;
  e->owned[at(e, n)] = own;
  return 0;
}

int ir_eval(IrGraph *g, IrNode *const *roots, size_t nroots, const IrEvalInputs *in,
            double *const *out, IrEvalError *err) {
  IrEvalError local;
  if (!err) err = &local;
  *err = (IrEvalError){.span = SPAN_NONE};
  IrNode **order;
  Ev e = {.g = g, .in = in, .err = err};
  size_t n = ir_topo_map(g, roots, nroots, &order, &e.pos);
  e.val = xcalloc(n + 1, sizeof(double *));
  e.owned = xcalloc(n + 1, 1);
  e.uses = xcalloc(n + 1, sizeof(uint32_t));
  e.dest = xcalloc(n + 1, sizeof(double *));
  e.sliced = xcalloc(n + 1, 1);
  for (size_t i = 0; i < n; i++)
    if (order[i]->op == IR_DATA) e.sliced[i] = 1;
  for (size_t i = 0; i < n; i++)
    for (int j = 0; j < order[i]->nargs; j++) {
      uint32_t a = at(&e, order[i]->args[j]);
      e.uses[a]++;
      /* slices, and rows taken by index, read a compact tensor's rows as they need them */
      bool rows_only = order[i]->op == IR_SLICE ||
                       (order[i]->op == IR_TAKE && order[i]->attr[0] == 0 && j == 0);
      if (!rows_only) e.sliced[a] = 0;
    }
  for (size_t r = 0; r < nroots; r++) e.sliced[at(&e, roots[r])] = 0;
  for (size_t r = 0; r < nroots; r++) {
    uint32_t k = at(&e, roots[r]);
    e.uses[k]++; /* roots live to the end */
    if (is_source(roots[r]) && !e.dest[k]) e.dest[k] = out[r];
  }
  volatile int rc = 0; /* set again after a longjmp from ev_alloc */
  if (setjmp(e.oom)) {
    rc = 1; /* e's arrays were allocated before setjmp: the cleanup below frees what they hold */
    goto done;
  }
  for (size_t i = 0; i < n && rc == 0; i++) {
    e.cur = order[i];
    rc = eval_node(&e, order[i]);
    if (rc) break;
    for (int j = 0; j < order[i]->nargs; j++) {
      uint32_t a = at(&e, order[i]->args[j]);
      if (--e.uses[a] == 0 && e.owned[a]) {
        free(e.val[a]);
        e.val[a] = NULL;
      }
    }
  }
  if (rc == 0)
    for (size_t r = 0; r < nroots; r++)
      if (out[r] != e.val[at(&e, roots[r])]) /* a source root was computed in place */
        memcpy(out[r], e.val[at(&e, roots[r])],
               (size_t)shape_size(roots[r]->shape) * sizeof(double));
done:
  for (size_t i = 0; i < n; i++)
    if (e.owned[i]) free(e.val[i]);
  free(e.val);
  free(e.owned);
  free(e.uses);
  free(e.dest);
  free(e.sliced);
  ir_idmap_free(&e.pos);
  return rc;
}

/* The same walk as ir_eval's over one root, with sizes for buffers (see eval.h). */
double ir_eval_peak_bytes(IrGraph *g, IrNode *root) {
  IrNode **order;
  IrIdMap pos;
  size_t n = ir_topo_map(g, &root, 1, &order, &pos);
  uint32_t *uses = xcalloc(n + 1, sizeof(uint32_t));
  uint8_t *owned = xcalloc(n + 1, 1);
  for (size_t i = 0; i < n; i++)
    for (int j = 0; j < order[i]->nargs; j++) uses[ir_idmap_get(&pos, order[i]->args[j]->id)]++;
  uses[n - 1]++; /* the root (last in the order) lives to the end */
  double held = 0, peak = 0;
  for (size_t i = 0; i < n; i++) {
    const IrNode *x = order[i];
    bool into_dest = i == n - 1 && is_source(x);
    owned[i] = !into_dest && x->op != IR_VAR && x->op != IR_DIR && x->op != IR_DATA;
    if (owned[i]) held += 8.0 * (double)(shape_size(x->shape) > 0 ? shape_size(x->shape) : 1);
    if (held > peak) peak = held;
    for (int j = 0; j < x->nargs; j++) {
      uint32_t a = ir_idmap_get(&pos, x->args[j]->id);
      if (--uses[a] == 0 && owned[a])
        held -= 8.0 * (double)(shape_size(order[a]->shape) > 0 ? shape_size(order[a]->shape) : 1);
    }
  }
  free(uses);
  free(owned);
  ir_idmap_free(&pos);
  return peak;
}
