/* shard.c — a problem's graphs rebuilt for one rank's rows (see shard.h).
 * Each node of the whole-data graph gets a class, the IR twin of sema_shard.c's:
 *   REP   the same on every rank (no sharded data): copied as it is;
 *   ROWS  its rows (a vector's elements) are sharded rows: the rank holds rows [r0, r0 + nl)
 *         of rt_shard_rows, and the node is rebuilt with nl rows;
 *   COLS  a matrix whose columns are sharded rows (a transpose of ROWS);
 *   PART  a sum over sharded rows: the rank holds its share; the value is the sum of shares.
 * A REP operand meeting a ROWS one element by element (hyper-cleaning's sigmoid(lam) *
 * per-row loss, lam the size of the training set) is cut to the rank's rows; a REP term added
 * to a PART one is counted on rank 0 only (scaled by 1 there and 0 elsewhere), and so is a
 * REP output. A ROWS output (the gradient of such a lam) is padded with zeros to its whole
 * size: the sum over the ranks assembles it. Nodes are copied raw (ir_node) so that the REP
 * parts compute exactly what the unsharded kernels compute. */
#include "ir/shard.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir/shard_rows.h"
#include "support/alloc.h"

typedef enum Cls { C_REP, C_ROWS, C_COLS, C_PART, C_BATCH, C_BATCHT, C_TASK } Cls;

typedef struct Val {
  IrNode *n; /* in the new graph */
  Cls c;
  IrNode *mask; /* C_BATCH, C_BATCHT: vector[K], 1 on the drawn rows the rank owns; C_TASK:
                   the scalar 1 when the rank owns the drawn task, else 0 */
} Val;

typedef struct Sh {
  IrProblem *p;
  IrGraph *g; /* the new graph */
  RtShard s;
  Val *memo; /* by old node id */
  uint8_t *done;
  Cls *data_cls; /* by data tensor (declared and hoisted) */
  Shape *data_loc; /* local shape by data tensor */
  char *err;
  size_t errlen;
  bool failed;
  int64_t *lengths; /* the global row counts of the sharded data (by data tensor) */
  int nlengths;
  const char *what; /* what is being split, for the message of a failure */
} Sh;

static Val val(IrNode *n, Cls c) { return (Val){n, c, NULL}; }

static const char *cls_name(Cls c) {
  static const char *const names[] = {"replicated",    "sharded rows", "sharded columns",
                                      "a partial sum", "sampled rows", "sampled columns",
                                      "a sampled task"};
  return names[c];
}

static Val fail(Sh *S, const IrNode *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static Val fail(Sh *S, const IrNode *n, const char *fmt, ...) {
  if (!S->failed) {
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    snprintf(S->err, S->errlen, "internal error: sharding '%s'%s%s: %s", ir_ops[n->op].name,
             S->what ? " in " : "", S->what ? S->what : "", why);
  }
  S->failed = true;
  return val((IrNode *)n, C_REP);
}

static int64_t lrows(const Sh *S, int64_t n) { return rt_shard_rows(S->s, n).n; }
static int64_t lrow0(const Sh *S, int64_t n) { return rt_shard_rows(S->s, n).r0; }

/* The local shape of a node of global shape s and class c. */
static Shape local_shape(const Sh *S, Shape s, Cls c) {
  if (c == C_ROWS) s.rows = lrows(S, s.rows);
  if (c == C_COLS) s.cols = lrows(S, s.cols);
  return s;
}

static IrNode *copy(Sh *S, const IrNode *old, IrNode *const *args, Shape shape) {
  IrNode *n = ir_node(S->g, (IrOp)old->op, shape, args, old->nargs, old->num, old->num2, old->attr,
                      old->str);
  n->span = old->span;
  return n;
}

/* A REP value of global shape cut to the rank's rows (columns). */
static IrNode *cut_rows(Sh *S, IrNode *n) {
  if (n->shape.rank == 0) return n;
  int64_t r0 = lrow0(S, n->shape.rows), nl = lrows(S, n->shape.rows);
  return ir_slice(S->g, n, r0, r0 + nl, 0, n->shape.cols);
}
static IrNode *cut_cols(Sh *S, IrNode *n) {
  if (n->shape.rank == 0) return n;
  int64_t c0 = lrow0(S, n->shape.cols), nl = lrows(S, n->shape.cols);
  return ir_slice(S->g, n, 0, n->shape.rows, c0, c0 + nl);
}
/* A sampled value (C_BATCH, C_BATCHT, C_TASK) with the entries of rows (tasks) the rank
 * does not own replaced by 0: what it adds to a sum over ranks. */
static IrNode *masked(Sh *S, Val v) {
  IrNode *m = v.mask, *zero = ir_scalar(S->g, 0);
  if (v.c == C_BATCH && v.n->shape.rank == 2) m = ir_bcast_cols(S->g, m, v.n->shape.cols);
  if (v.c == C_BATCHT) m = ir_bcast_rows(S->g, m, v.n->shape.rows);
  return ir_where(S->g, m, v.n, zero);
}

/* A REP term of a sum over ranks: counted on rank 0 only. */
static IrNode *once(Sh *S, IrNode *n) { return ir_scale(S->g, S->s.rank == 0 ? 1.0 : 0.0, n); }

static IrNode *share(Sh *S, Val v, Shape whole);

/* Operands combined element by element: REP ones are cut to the sharded ones' rows, or
 * counted once beside PART ones (when `add`); sharded rows (columns) added to a PART one are
 * the rank's share of the sum, padded with zeros (share): the gradient of y' G y with G's
 * rows sharded is G y (rows) + G' y (a partial sum), which failed under mpirun as "a partial
 * sum meets sharded values" though the sum over ranks is plain. PART passes a product with
 * REP values only when `scale` (the first operand, for division, must be the PART one). */
static Val elementwise(Sh *S, const IrNode *old, Val *a, int n, bool add, bool scale) {
  bool rows = false, cols = false;
  int parts = 0;
  for (int i = 0; i < n; i++) {
    rows |= a[i].c == C_ROWS;
    cols |= a[i].c == C_COLS;
    parts += a[i].c == C_PART;
  }
  IrNode *args[3];
  Shape shape = old->shape;
  if (parts && add) {
    for (int i = 0; i < n; i++)
      args[i] = a[i].c == C_REP                       ? once(S, a[i].n)
                : a[i].c == C_ROWS || a[i].c == C_COLS ? share(S, a[i], old->args[i]->shape)
                                                       : a[i].n;
    return val(copy(S, old, args, shape), C_PART);
  }
  if (rows && cols) return fail(S, old, "rows meet columns");
  if (parts) {
    if (rows || cols) return fail(S, old, "a partial sum meets sharded values");
    if (!(scale && parts == 1)) return fail(S, old, "nonlinear in a partial sum");
    if (old->op == IR_DIV && a[0].c != C_PART) return fail(S, old, "divides by a partial sum");
    for (int i = 0; i < n; i++) args[i] = a[i].n;
    return val(copy(S, old, args, shape), C_PART);
  }
  Cls c = rows ? C_ROWS : cols ? C_COLS : C_REP;
  for (int i = 0; i < n; i++) {
    args[i] = a[i].n;
    if (c != C_REP && a[i].c == C_REP && a[i].n->shape.rank > 0)
      args[i] = c == C_ROWS ? cut_rows(S, a[i].n) : cut_cols(S, a[i].n);
  }
  return val(copy(S, old, args, local_shape(S, shape, c)), c);
}

/* A @ B (matmul, matvec): the contraction runs over A's columns and B's rows. */
static Val product(Sh *S, const IrNode *old, Val a, Val b) {
  IrNode *args[2] = {a.n, b.n};
  if (a.c == C_PART || b.c == C_PART) {
    if (a.c != C_REP && b.c != C_REP) return fail(S, old, "a partial sum times sharded values");
    return val(copy(S, old, args, old->shape), C_PART);
  }
  bool contract = a.c == C_COLS || b.c == C_ROWS;
  if (contract) {
    if (a.c == C_ROWS || b.c == C_COLS) return fail(S, old, "an n x n product");
    if (a.c == C_REP) args[0] = cut_cols(S, a.n);
    if (b.c == C_REP) args[1] = cut_rows(S, b.n);
    return val(copy(S, old, args, old->shape), C_PART);
  }
  if (a.c == C_ROWS && b.c == C_COLS) return fail(S, old, "an n x n product");
  Cls c = a.c == C_ROWS ? C_ROWS : b.c == C_COLS ? C_COLS : C_REP;
  return val(copy(S, old, args, local_shape(S, old->shape, c)), c);
}

/* A @ B (IR_SPMM) and A' @ B (IR_SPMTM) of a sparse data matrix A, sharded by rows (ROWS)
 * or not (REP), and a dense B. A sharded A is the rank's rows, loaded as CSR with their own
 * stored transpose, so A @ B has the rank's rows and A' @ B is the rank's share of a sum over
 * rows (B cut to the rank's rows when replicated). A sparse matrix cannot be cut: a
 * replicated A meeting sharded rows is refused (sema_shard.c says so first). */
static Val sparse_product(Sh *S, const IrNode *old, Val a, Val b) {
  IrNode *args[2] = {a.n, b.n};
  bool trans = old->op == IR_SPMTM;
  if (a.c != C_ROWS && a.c != C_REP) return fail(S, old, "a sparse operand of %s", cls_name(a.c));
  if (b.c == C_PART) {
    if (a.c != C_REP) return fail(S, old, "a partial sum times sharded values");
    return val(copy(S, old, args, old->shape), C_PART);
  }
  if (b.c != C_REP && b.c != C_ROWS) return fail(S, old, "of %s", cls_name(b.c));
  if (a.c == C_REP) return fail(S, old, "replicated sparse data meet sharded rows");
  if (!trans) {
    if (b.c == C_ROWS) return fail(S, old, "an n x n product");
    return val(copy(S, old, args, local_shape(S, old->shape, C_ROWS)), C_ROWS);
  }
  if (b.c == C_REP) args[1] = cut_rows(S, b.n);
  return val(copy(S, old, args, old->shape), C_PART);
}

static bool sampled(Cls c) { return c == C_BATCH || c == C_BATCHT || c == C_TASK; }

/* X[i, :] @ B (IR_SPMM) and X[i, :]' @ B (IR_SPMTM) of the drawn rows of a sharded sparse X
 * (gather_rows) and a dense B. A row the rank does not own is empty, so X[i, :] @ B has zero
 * rows there, and X[i, :]' @ B adds nothing for them whatever B's rows hold: the rank's share
 * of a sum over the drawn rows, with no mask. Drawn rows of replicated sparse data meeting
 * sampled rows are refused (sema_shard.c says so first). */
static Val sparse_sampled(Sh *S, const IrNode *old, const Val *a, IrNode **args) {
  if (a[0].c != C_BATCH) return fail(S, old, "a sparse operand of %s", cls_name(a[0].c));
  if (old->op == IR_SPMM) {
    if (a[1].c != C_REP) return fail(S, old, "sampled rows times %s", cls_name(a[1].c));
    return (Val){copy(S, old, args, old->shape), C_BATCH, a[0].mask};
  }
  if (a[1].c != C_REP && a[1].c != C_BATCH) return fail(S, old, "of %s", cls_name(a[1].c));
  return val(copy(S, old, args, old->shape), C_PART);
}

/* GATHER of sharded rows by a sample set (minibatches, tasks): each rank reads the drawn rows
 * it owns (ir_gather_shard: the others read 0, or are empty rows of sparse data) and remembers
 * which in a mask; a batch(1) draw (a task) is owned whole by one rank. */
static Val gather_rows(Sh *S, const IrNode *old, Val *a) {
  int64_t n = old->args[0]->shape.rows, r0 = lrow0(S, n), k = old->args[1]->shape.rows;
  IrNode *ones = ir_const(S->g, 1, shape_vector(lrows(S, n)));
  IrNode *m = ir_gather_shard(S->g, ones, a[1].n, r0);
  IrNode *v = ir_gather_shard(S->g, a[0].n, a[1].n, r0);
  if (k == 1) return (Val){v, C_TASK, ir_reshape(S->g, m, shape_scalar())};
  return (Val){v, C_BATCH, m};
}

/* A node with a sampled operand. A task's values stay the task's through any operation
 * (every entry belongs to the one rank that owns the task), until added to a partial sum or
 * output: then masked. Sampled rows follow the rules of sharded rows, with the K drawn rows
 * in place of the rank's rows (no cutting: every rank holds all K, zero where not owned) and
 * masking where they are summed. */
static Val sampled_node(Sh *S, const IrNode *old, Val *a, IrNode **args, int na) {
  IrNode *mask = NULL;
  Cls bc = C_REP;
  bool part = false;
  IrOp op = (IrOp)old->op;
  if (op == IR_ADD || op == IR_SUB) { /* a task's term beside sharded rows: both shares */
    bool rows = false, tasks_only = true;
    for (int i = 0; i < na; i++) {
      rows |= a[i].c == C_ROWS || a[i].c == C_COLS;
      tasks_only &= !sampled(a[i].c) || a[i].c == C_TASK;
    }
    if (rows && tasks_only) {
      for (int i = 0; i < na; i++) args[i] = share(S, a[i], old->args[i]->shape);
      return val(copy(S, old, args, old->shape), C_PART);
    }
  }
  for (int i = 0; i < na; i++) {
    if (sampled(a[i].c)) {
      if (mask && a[i].mask != mask) return fail(S, old, "of two sample sets' rows");
      if (bc != C_REP && (bc == C_TASK) != (a[i].c == C_TASK))
        return fail(S, old, "of a task and sampled rows");
      mask = a[i].mask;
      if (bc == C_REP || bc == C_BATCHT) bc = a[i].c == C_BATCH ? C_BATCH : a[i].c;
    } else if (a[i].c == C_PART) {
      part = true;
    } else if (a[i].c != C_REP) {
      return fail(S, old, "sampled values meet %s", cls_name(a[i].c));
    }
  }
  if (part) { /* only a sum with partial sums: the sampled values are masked, REP counted once */
    if (op != IR_ADD && op != IR_SUB) return fail(S, old, "a partial sum meets sampled values");
    for (int i = 0; i < na; i++)
      args[i] = sampled(a[i].c) ? masked(S, a[i]) : a[i].c == C_REP ? once(S, a[i].n) : a[i].n;
    return val(copy(S, old, args, old->shape), C_PART);
  }
  if (bc == C_TASK) return (Val){copy(S, old, args, old->shape), C_TASK, mask};
  if (op == IR_SPMM || op == IR_SPMTM) return sparse_sampled(S, old, a, args);
  bool rows = false, cols = false;
  for (int i = 0; i < na; i++) {
    rows |= a[i].c == C_BATCH;
    cols |= a[i].c == C_BATCHT;
  }
  Cls x = a[0].c;
  Val r = {NULL, C_PART, NULL};
  switch (ir_ops[op].cls) {
  case IRC_EW1:
  case IRC_EW2:
  case IRC_EW3:
    if (rows && cols) return fail(S, old, "sampled rows meet sampled columns");
    return (Val){copy(S, old, args, old->shape), rows ? C_BATCH : C_BATCHT, mask};
  case IRC_REDUCE:
    if ((op == IR_SUM_ROWS && x == C_BATCH) || (op == IR_SUM_COLS && x == C_BATCHT) ||
        ((op == IR_LSE_ROWS || op == IR_ARGMAX_ROWS) && x == C_BATCH))
      return (Val){copy(S, old, args, old->shape), C_BATCH, mask};
    if (op != IR_SUM && op != IR_SUM_ROWS && op != IR_SUM_COLS)
      return fail(S, old, "of %s", cls_name(x));
    args[0] = masked(S, a[0]);
    r.n = copy(S, old, args, old->shape);
    return r;
  case IRC_LINALG:
    if (op == IR_TRANSPOSE)
      return (Val){copy(S, old, args, old->shape), x == C_BATCH ? C_BATCHT : C_BATCH, mask};
    if (op == IR_MATMUL || op == IR_MATVEC || op == IR_OUTER) {
      Cls y = a[1].c;
      bool contract = op != IR_OUTER && (x == C_BATCHT || y == C_BATCH);
      if (contract) {
        if (x == C_BATCH || y == C_BATCHT) return fail(S, old, "a K x K product");
        for (int i = 0; i < 2; i++)
          if (sampled(a[i].c)) args[i] = masked(S, a[i]);
        r.n = copy(S, old, args, old->shape);
        return r;
      }
      if ((x == C_BATCH) == (op == IR_OUTER ? y == C_BATCH : y == C_BATCHT) && x == C_BATCH)
        return fail(S, old, "a K x K product");
      Cls c = x == C_BATCH ? C_BATCH : C_BATCHT;
      return (Val){copy(S, old, args, old->shape), c, mask};
    }
    return fail(S, old, "of %s", cls_name(x));
  case IRC_STRUCT:
    switch (op) {
    case IR_BCAST_COLS:
    case IR_BCAST_ROWS:
      return (Val){copy(S, old, args, old->shape), op == IR_BCAST_COLS ? C_BATCH : C_BATCHT, mask};
    case IR_RESHAPE:
    case IR_SLICE:
    case IR_PAD:
    case IR_ONEHOT:
    case IR_HCAT: {
      const IrNode *in = old->args[0];
      bool keep = x == C_BATCH ? in->shape.rows == old->shape.rows
                               : in->shape.cols == old->shape.cols && old->shape.rank == 2;
      if (op == IR_SLICE || op == IR_PAD) keep &= (x == C_BATCH ? old->attr[0] : old->attr[2]) == 0;
      if (op == IR_HCAT) keep = !cols;
      if (!keep) return fail(S, old, "regroups %s", cls_name(x));
      return (Val){copy(S, old, args, old->shape), x, mask};
    }
    case IR_SCATTER:
      if (x != C_BATCH) return fail(S, old, "of %s", cls_name(x));
      args[0] = masked(S, a[0]);
      r.n = copy(S, old, args, old->shape);
      return r;
    default: return fail(S, old, "of %s", cls_name(x));
    }
  default: return fail(S, old, "of %s", cls_name(x));
  }
}

/* X[idx, :], v[idx], X[:, idx] (IR_TAKE): sharded indices pick from replicated data the rows
 * (columns) they name on each rank, attr[1] numbering them as all of them are (for messages);
 * replicated ones pick along a dimension that is not sharded, keeping the operand's class.
 * sema_shard.c refused the rest. */
static Val take_node(Sh *S, const IrNode *old, const Val *a, IrNode **args) {
  bool rows = old->attr[0] == 0;
  int64_t at[4] = {old->attr[0], old->attr[1], 0, 0};
  Shape s = old->shape;
  Cls c;
  if (a[0].c == C_REP && a[1].c == C_ROWS) {
    at[1] += lrow0(S, old->args[1]->shape.rows);
    c = rows ? C_ROWS : C_COLS;
    s = local_shape(S, s, c);
  } else if (a[1].c == C_REP && ((a[0].c == C_ROWS && !rows) || (a[0].c == C_COLS && rows) ||
                                 a[0].c == C_PART)) {
    c = a[0].c;
    s = local_shape(S, s, c);
  } else {
    return fail(S, old, "of %s by %s indices", cls_name(a[0].c), cls_name(a[1].c));
  }
  IrNode *n = ir_node(S->g, IR_TAKE, s, args, 2, 0, 0, at, NULL);
  n->span = old->span;
  return val(n, c);
}

static Val rewrite_node(Sh *S, const IrNode *old, Val *a) {
  IrNode *args[16];
  int na = old->nargs < 16 ? old->nargs : 16;
  for (int i = 0; i < na; i++) args[i] = a[i].n;
  bool all_rep = true;
  for (int i = 0; i < na; i++) all_rep &= a[i].c == C_REP;
  IrOp op = (IrOp)old->op;
  Cls x0 = na > 0 ? a[0].c : C_REP;
  if (op == IR_DATA) {
    int k = (int)old->attr[0];
    return val(copy(S, old, NULL, S->data_loc[k]), S->data_cls[k]);
  }
  if (all_rep && old->nargs <= 16) return val(copy(S, old, args, old->shape), C_REP);
  if (old->nargs > 16) return fail(S, old, "too many operands");
  if (op == IR_GATHER && a[0].c == C_ROWS && a[1].c == C_REP) return gather_rows(S, old, a);
  if (op == IR_TAKE) return take_node(S, old, a, args);
  if (op == IR_DENSE && x0 == C_ROWS) /* dense(X) of a sparse X's rows: the same rows */
    return val(copy(S, old, args, local_shape(S, old->shape, C_ROWS)), C_ROWS);
  for (int i = 0; i < na; i++)
    if (sampled(a[i].c)) return sampled_node(S, old, a, args, na);
  Cls x = a[0].c;
  switch (ir_ops[op].cls) {
  case IRC_EW1:
    if (x == C_PART && op != IR_NEG) return fail(S, old, "nonlinear in a partial sum");
    return val(copy(S, old, args, a[0].n->shape), x);
  case IRC_EW2:
    return elementwise(S, old, a, 2, op == IR_ADD || op == IR_SUB, op == IR_MUL || op == IR_DIV);
  case IRC_EW3:
    if (x == C_PART) return fail(S, old, "a mask that is a partial sum");
    if (a[1].c == C_PART || a[2].c == C_PART) { /* where(mask, da, db) of derivatives */
      for (int i = 0; i < 3; i++)
        if (a[i].c != C_PART && a[i].c != C_REP)
          return fail(S, old, "a sharded operand beside partial sums");
      for (int i = 1; i < 3; i++) args[i] = a[i].c == C_REP ? once(S, a[i].n) : a[i].n;
      return val(copy(S, old, args, old->shape), C_PART);
    }
    return elementwise(S, old, a, 3, false, false);
  case IRC_REDUCE:
    switch (op) {
    case IR_SUM: return val(copy(S, old, args, old->shape), C_PART);
    case IR_SUM_ROWS:
      if (x == C_ROWS) return val(copy(S, old, args, local_shape(S, old->shape, C_ROWS)), C_ROWS);
      return val(copy(S, old, args, old->shape), C_PART);
    case IR_SUM_COLS:
      if (x == C_COLS) return val(copy(S, old, args, local_shape(S, old->shape, C_ROWS)), C_ROWS);
      return val(copy(S, old, args, old->shape), C_PART);
    case IR_LSE_ROWS:
    case IR_ARGMAX_ROWS:
      if (x != C_ROWS) return fail(S, old, "of %s", cls_name(x));
      return val(copy(S, old, args, local_shape(S, old->shape, C_ROWS)), C_ROWS);
    default: return fail(S, old, "of %s", cls_name(x));
    }
  case IRC_LINALG:
    switch (op) {
    case IR_MATMUL:
    case IR_MATVEC: return product(S, old, a[0], a[1]);
    case IR_SPMM:
    case IR_SPMTM: return sparse_product(S, old, a[0], a[1]);
    case IR_TRANSPOSE: {
      Cls c = x == C_ROWS ? C_COLS : x == C_COLS ? C_ROWS : x;
      Shape s = a[0].n->shape;
      return val(copy(S, old, args, shape_matrix(s.cols, s.rows)), c);
    }
    case IR_OUTER:
      if (x == C_PART || a[1].c == C_PART) {
        if (x != C_REP && a[1].c != C_REP)
          return fail(S, old, "a partial sum times sharded values");
        return val(copy(S, old, args, old->shape), C_PART);
      }
      if (x == C_ROWS && a[1].c == C_ROWS) return fail(S, old, "an n x n product");
      {
        Cls c = x == C_ROWS ? C_ROWS : C_COLS;
        return val(copy(S, old, args, local_shape(S, old->shape, c)), c);
      }
    default: return fail(S, old, "of %s", cls_name(x));
    }
  case IRC_STRUCT:
    switch (op) {
    case IR_BCAST: return val(copy(S, old, args, old->shape), x);
    case IR_BCAST_ROWS:
    case IR_BCAST_COLS: {
      if (x == C_PART) return val(copy(S, old, args, old->shape), C_PART);
      Cls c = op == IR_BCAST_COLS ? C_ROWS : C_COLS;
      return val(copy(S, old, args, local_shape(S, old->shape, c)), c);
    }
    case IR_RESHAPE: {
      const IrNode *in = old->args[0];
      if (x == C_PART) return val(copy(S, old, args, old->shape), C_PART);
      Shape o = old->shape;
      if (x == C_ROWS && o.rank >= 1 && o.rows == in->shape.rows &&
          (in->shape.rank == 1 || o.rank == 1 || o.cols == in->shape.cols))
        return val(copy(S, old, args, local_shape(S, o, C_ROWS)), C_ROWS);
      if (x == C_COLS && in->shape.rows == 1 && o.rank == 1)
        return val(copy(S, old, args, shape_vector(a[0].n->shape.cols)), C_ROWS);
      if (x == C_ROWS && in->shape.rank == 1 && o.rank == 2 && o.rows == 1)
        return val(copy(S, old, args, shape_matrix(1, a[0].n->shape.rows)), C_COLS);
      return fail(S, old, "regroups %s", cls_name(x));
    }
    case IR_SLICE:
    case IR_PAD: {
      if (x == C_PART) return val(copy(S, old, args, old->shape), C_PART);
      const IrNode *in = old->args[0];
      bool pad = op == IR_PAD;
      /* the sharded dimension must be kept whole */
      int64_t lo = x == C_ROWS ? old->attr[0] : old->attr[2];
      int64_t in_n = x == C_ROWS ? in->shape.rows : in->shape.cols;
      int64_t out_n = x == C_ROWS ? old->shape.rows : old->shape.cols;
      if (lo != 0 || in_n != out_n) return fail(S, old, "cuts into %s", cls_name(x));
      int64_t at[4] = {old->attr[0], old->attr[1], old->attr[2], old->attr[3]};
      int64_t nl = lrows(S, in_n);
      if (x == C_ROWS && !pad) at[1] = nl;
      if (x == C_COLS && !pad) at[3] = nl;
      IrNode *n = ir_node(S->g, op, local_shape(S, old->shape, x), args, 1, old->num, old->num2, at,
                          old->str);
      n->span = old->span;
      return val(n, x);
    }
    case IR_SCATTER:
    case IR_DIAGM:
    case IR_DIAGV:
      if (x != C_PART || (op == IR_SCATTER && a[1].c != C_REP))
        return fail(S, old, "of %s", cls_name(x));
      return val(copy(S, old, args, old->shape), C_PART);
    case IR_ONEHOT: { /* of the rank's labels: attr[0] numbers them as all of them are */
      int64_t at[4] = {old->attr[0] + (x == C_ROWS ? lrow0(S, old->shape.rows) : 0), 0, 0, 0};
      IrNode *n = ir_node(S->g, IR_ONEHOT, local_shape(S, old->shape, x), args, 1, 0, 0, at, NULL);
      n->span = old->span;
      return val(n, x);
    }
    case IR_HCAT:
    case IR_CAT:
    case IR_VCAT: {
      Val v[16];
      memcpy(v, a, sizeof(Val) * (size_t)na);
      bool parts = false, rows = false;
      for (int i = 0; i < na; i++) {
        parts |= v[i].c == C_PART;
        rows |= v[i].c == C_ROWS;
        if (v[i].c == C_COLS) return fail(S, old, "of sharded columns");
      }
      if (parts && rows) return fail(S, old, "of partial sums and sharded rows");
      if (rows && op != IR_HCAT) return fail(S, old, "stacks sharded rows");
      for (int i = 0; i < na; i++)
        args[i] = parts ? (v[i].c == C_REP ? once(S, v[i].n) : v[i].n)
                        : (v[i].c == C_REP ? cut_rows(S, v[i].n) : v[i].n);
      Cls c = parts ? C_PART : C_ROWS;
      return val(copy(S, old, args, local_shape(S, old->shape, c)), c);
    }
    case IR_GATHER: /* drawn entries of a partial sum: the rank's share of them */
      if (x != C_PART || a[1].c != C_REP) return fail(S, old, "of %s", cls_name(x));
      return val(copy(S, old, args, old->shape), C_PART);
    default: return fail(S, old, "of %s", cls_name(x));
    }
  default: return fail(S, old, "of %s", cls_name(x));
  }
}

/* The new node of old (operands first: iterative, in topological order). */
static Val rewrite(Sh *S, IrGraph *old_g, IrNode *root) {
  if (!root) return val(NULL, C_REP);
  if (S->done[root->id]) return S->memo[root->id];
  IrNode **order;
  size_t n = ir_topo(old_g, &root, 1, &order);
  for (size_t i = 0; i < n && !S->failed; i++) {
    const IrNode *o = order[i];
    if (S->done[o->id]) continue;
    Val a[16];
    for (int j = 0; j < o->nargs && j < 16; j++) a[j] = S->memo[o->args[j]->id];
    S->memo[o->id] = rewrite_node(S, o, a);
    S->done[o->id] = 1;
  }
  return S->memo[root->id];
}

/* An output of the whole problem's size, as the rank's share of it. */
static IrNode *share(Sh *S, Val v, Shape whole) {
  switch (v.c) {
  case C_PART: return v.n;
  case C_REP: return once(S, v.n);
  case C_ROWS: return ir_pad(S->g, v.n, whole, lrow0(S, whole.rows), 0);
  case C_COLS: return ir_pad(S->g, v.n, whole, 0, lrow0(S, whole.cols));
  case C_TASK: return masked(S, v);
  case C_BATCH:
  case C_BATCHT: break;
  }
  fail(S, v.n, "an output of %s", cls_name(v.c));
  return v.n;
}

/* Whether n is the row count of sharded data: a replicated output of that many rows is
 * taken as per-row values (the gradient with respect to per-sample weights). */
static bool sharded_length(const Sh *S, int64_t n) {
  for (int i = 0; i < S->nlengths; i++)
    if (S->lengths[i] == n) return true;
  return false;
}

/* The rank's share of kernel output root. With owned (not NULL), an output of sharded rows,
 * or a replicated one as long as sharded data (cut to the rank's rows: every rank computes
 * the same values), is the rank's own rows padded with zeros, disjoint over the ranks, and
 * *owned says so: the runtime assembles it rather than summing (BloOwned, blo_abi.h), and
 * each rank sends only its rows. */
static IrNode *output_cls(Sh *S, IrGraph *old_g, IrNode *root, bool *owned) {
  if (owned) *owned = false;
  if (!root) return NULL;
  Val v = rewrite(S, old_g, root);
  if (S->failed) return v.n;
  Shape s = root->shape;
  if (owned && v.c == C_REP && (s.rank == 1 || s.rank == 2) && sharded_length(S, s.rows))
    v = val(cut_rows(S, v.n), C_ROWS);
  if (owned) *owned = v.c == C_ROWS && (s.rank == 1 || s.rank == 2);
  return share(S, v, s);
}
static IrNode *output(Sh *S, IrGraph *old_g, IrNode *root) {
  return output_cls(S, old_g, root, NULL);
}

static void outputs(Sh *S, IrGraph *old_g, IrNode **roots, int n) {
  for (int i = 0; roots && i < n; i++) roots[i] = output(S, old_g, roots[i]);
}

/* Replicated values (initial values, variables): must stay so. */
static void whole(Sh *S, IrGraph *old_g, IrNode **roots, int n, const char *what) {
  for (int i = 0; roots && i < n && !S->failed; i++) {
    if (!roots[i]) continue;
    Val v = rewrite(S, old_g, roots[i]);
    if (v.c != C_REP) fail(S, roots[i], "%s is %s", what, cls_name(v.c));
    roots[i] = v.n;
  }
}

/* A tensor[T, K, d] of tasks loaded from a file (a load of T blocks, matrix[T K, d], reshaped
 * to its storage [T, K d]), as a load of the rank's tasks only (NULL: not such a load). A CSV
 * file is read as the whole load reads it, the matrix[T K, d], K rows a task; an NPY file
 * holds the T x K x d array, whose dimensions after the first flatten into K d columns: one
 * row a task (doc/data.md, "Row ranges"). */
static IrNode *tasks_load(Sh *S, const IrNode *old) {
  const IrNode *ld = old->op == IR_RESHAPE ? old->args[0] : NULL;
  if (!ld || ld->op != IR_LOAD || ld->attr[1] <= 0 || old->shape.rank != 2) return NULL;
  IrLoadFormat fmt = (IrLoadFormat)ld->attr[0];
  if (fmt != IR_LOAD_CSV && fmt != IR_LOAD_NPY) return NULL; /* the formats of tensors */
  int64_t T = ld->attr[1], K = ld->shape.rows / T, per = fmt == IR_LOAD_NPY ? 1 : K;
  RtRows r = rt_shard_rows(S->s, T);
  Shape mine = shape_matrix(r.n, old->shape.cols);
  Shape s = per == 1 ? mine : shape_matrix(r.n * K, ld->shape.cols);
  int64_t at[4] = {fmt, 0, r.r0 * per, T * per};
  IrNode *n = ir_node(S->g, IR_LOAD, s, NULL, 0, 0, 0, at, ld->str);
  n->span = ld->span;
  return ir_reshape(S->g, n, mine);
}

/* The node the pass made of old, a node of the declaration being sharded (rewritten before
 * sharded_decl: every node under it is done), for shard_rows_push. */
static IrNode *rebuilt(void *ctx, const IrNode *old, ShardRowsKind *kind) {
  const Sh *S = ctx;
  Val v = S->memo[old->id];
  *kind = !S->done[old->id] ? SHARD_ROWS_OTHER
          : v.c == C_REP    ? SHARD_ROWS_WHOLE
          : v.c == C_ROWS   ? SHARD_ROWS_MINE
                            : SHARD_ROWS_OTHER;
  return v.n;
}

/* Declared tensor k, sharded by its declaration: a load reads only the rank's rows (a tensor
 * of tasks, the rank's tasks); an expression computes only the rank's rows, its row range
 * pushed down to its leaves (shard_rows.h: row slices of replicated data, row-range loads),
 * and what cannot be pushed (a generator: the same global draw on every rank) is computed
 * whole and cut. An expression of sharded rows already (v.c == C_ROWS: hcat(X, Z[0:n, :]), X
 * sharded) is pushed too, so that its replicated operands are read by rows, not cut. */
static Val sharded_decl(Sh *S, const IrNode *old, Val v) {
  if (old->op == IR_SPARSE_COO) { /* the triplets whole on every rank; the CSR of its rows */
    IrNode *a[3];
    for (int i = 0; i < 3; i++) {
      Val ai = S->memo[old->args[i]->id];
      if (ai.c != C_REP)
        return fail(S, old, "sparse_coo's triplets of %s (compute them from data that are not "
                    "sharded)", cls_name(ai.c));
      a[i] = ai.n;
    }
    RtRows r = rt_shard_rows(S->s, old->shape.rows);
    Shape s = old->shape;
    s.rows = r.n;
    int64_t at[4] = {0, 0, r.r0, old->shape.rows};
    IrNode *n = ir_node(S->g, IR_SPARSE_COO, s, a, 3, 0, 0, at, NULL);
    n->span = old->span;
    return val(n, C_ROWS);
  }
  if (v.c != C_ROWS) {
    IrNode *tasks = tasks_load(S, old);
    if (tasks) return val(tasks, C_ROWS);
    if (old->op == IR_LOAD && old->attr[1] == 0) {
      RtRows r = rt_shard_rows(S->s, old->shape.rows);
      Shape s = old->shape;
      s.rows = r.n;
      int64_t at[4] = {old->attr[0], 0, r.r0, old->shape.rows};
      IrNode *n = ir_node(S->g, IR_LOAD, s, NULL, 0, 0, 0, at, old->str);
      n->span = old->span;
      return val(n, C_ROWS);
    }
  }
  ShardRowsEnv env = {S->g, S->s, rebuilt, S};
  IrNode *mine = shard_rows_push(&env, old, rt_shard_rows(S->s, old->shape.rows));
  if (mine) return val(mine, C_ROWS);
  return v.c == C_ROWS ? v : val(cut_rows(S, v.n), C_ROWS);
}

/* ---- replicated loads narrowed to the rows the rank reads */

/* Whether replicated declaration k may be loaded for some rows only: a plain dense load whose
 * format has a row-range loader (every dense one), which is not a lazily held IDX file (the
 * data stage decodes only the rows it reads of those already, doc/data.md) and whose buffer
 * nothing reads by its declared shape (a box constraint's bound, element by element). */
static bool narrowable(const IrProblem *p, int k) {
  const IrNode *v = p->data_value[k];
  Shape s = v->shape;
  if (p->prog->data[k]->row_sharded || v->op != IR_LOAD || v->attr[1] != 0 || v->attr[3] != 0 ||
      s.sparse || s.rank < 1 || s.rank > 2 || v->attr[0] == IR_LOAD_MTX)
    return false;
  if (v->attr[0] == IR_LOAD_IDX && !(s.rank == 2 && s.rows == s.cols)) return false;
  for (int i = 0; i < p->prog->nupper; i++) {
    const AstConstraint *c = p->prog->upper[i]->con;
    if (c && ((c->lo_data && c->lo_data->index == k) || (c->hi_data && c->hi_data->index == k)))
      return false;
  }
  return true;
}

/* Appends the slots roots[0 .. n) holding a node to all. */
static void add_roots(IrNode ***all, size_t *count, IrNode **roots, int n) {
  for (int i = 0; roots && i < n; i++)
    if (roots[i]) all[(*count)++] = &roots[i];
}

/* The slots of every node the compile holds after the pass: the data values, hoisted tensors,
 * initial values, the variables and directions, the problem's outputs, every kernel output. */
static IrNode ***problem_roots(IrProblem *p, size_t *count) {
  size_t cap =
      (size_t)(p->ndata + p->nhoisted + p->nreports + 2) + (size_t)(7 * p->nupper + 7 * p->nlower);
  for (int k = 0; k < BLO_K_COUNT; k++) cap += (size_t)p->kernels[k].nouts;
  IrNode ***all = xcalloc(cap + 1, sizeof *all);
  *count = 0;
  add_roots(all, count, p->data_value, p->ndata);
  add_roots(all, count, p->hoisted, p->nhoisted);
  add_roots(all, count, p->upper_init, p->nupper);
  add_roots(all, count, p->lower_init, p->nlower);
  add_roots(all, count, &p->f, 1);
  add_roots(all, count, &p->g, 1);
  add_roots(all, count, p->reports, p->nreports);
  IrNode **per_x[] = {p->xvars, p->xdirs, p->grad_x_f, p->hvp_xy, p->init_vjp, p->grad_x_g};
  IrNode **per_y[] = {p->yvars, p->dirs, p->grad_y_f, p->grad_y_g, p->hvp_yy, p->hvp_yx};
  for (size_t i = 0; i < 6; i++) add_roots(all, count, per_x[i], p->nupper);
  for (size_t i = 0; i < 6; i++) add_roots(all, count, per_y[i], p->nlower);
  for (int k = 0; k < BLO_K_COUNT; k++)
    for (int o = 0; o < p->kernels[k].nouts; o++)
      add_roots(all, count, &p->kernels[k].outs[o].node, 1);
  return all;
}

/* The rows of a declared tensor that the graphs read: [lo, hi) covering its row slices, or
 * whole when anything reads it otherwise (an operand that is not a row slice, a root). */
typedef struct RowsRead {
  int64_t lo, hi;
  bool whole, narrowed;
} RowsRead;

static int data_of(const IrProblem *p, const IrNode *n) {
  return n->op == IR_DATA && n->attr[0] < p->ndata ? (int)n->attr[0] : -1;
}

/* The rows each declared tensor's readers take (order: every node the roots reach). */
static RowsRead *rows_read(const IrProblem *p, IrNode ***roots, size_t nroots, IrNode **order,
                           size_t n) {
  RowsRead *rd = xcalloc((size_t)p->ndata + 1, sizeof *rd);
  for (int k = 0; k < p->ndata; k++) rd[k] = (RowsRead){INT64_MAX, 0, !narrowable(p, k), false};
  for (size_t i = 0; i < nroots; i++)
    if (data_of(p, *roots[i]) >= 0) rd[data_of(p, *roots[i])].whole = true;
  for (size_t i = 0; i < n; i++)
    for (int a = 0; a < order[i]->nargs; a++) {
      const IrNode *u = order[i];
      int k = data_of(p, u->args[a]);
      if (k < 0) continue;
      if (u->op != IR_SLICE || a != 0) {
        rd[k].whole = true;
        continue;
      }
      rd[k].lo = u->attr[0] < rd[k].lo ? u->attr[0] : rd[k].lo;
      rd[k].hi = u->attr[1] > rd[k].hi ? u->attr[1] : rd[k].hi;
    }
  return rd;
}

/* u (a node the roots reach) copied into the graph g of the narrowed loads: the data tensor
 * with the rows loaded, a slice of it rebased to them, any other node over the new operands
 * (map, by old id). */
static IrNode *renarrowed(IrGraph *g, const IrProblem *p, const RowsRead *rd, const IrNode *u,
                          IrNode **map) {
  int k = u->op == IR_SLICE ? data_of(p, u->args[0]) : data_of(p, u);
  int64_t at[4] = {u->attr[0], u->attr[1], u->attr[2], u->attr[3]};
  Shape s = u->shape;
  if (k >= 0 && rd[k].narrowed && u->op == IR_DATA) s.rows = rd[k].hi - rd[k].lo;
  else if (k >= 0 && rd[k].narrowed) at[0] -= rd[k].lo, at[1] -= rd[k].lo;
  IrNode *args[16], **a = u->nargs > 16 ? xcalloc(u->nargs, sizeof *a) : args;
  for (int i = 0; i < u->nargs; i++) a[i] = map[u->args[i]->id];
  IrNode *n = ir_node(g, (IrOp)u->op, s, a, u->nargs, u->num, u->num2, at, u->str);
  n->span = u->span;
  if (a != args) free(a);
  return n;
}

/* Replicated declarations that the rank reads only through row slices (sharded declarations
 * pushed down to their rows, shard_rows.h) are loaded for the rows those slices take, by the
 * row-range loader (IR_LOAD's attr[2] .. of attr[3], as a sharded load). The graphs are copied
 * into a new graph (as ir_shard_problem does: every node of a graph must agree with the data
 * tensors' shapes), over the data tensor of those rows, the slices rebased to them. */
static void narrow_loads(IrProblem *p) {
  size_t nroots;
  IrNode ***roots = problem_roots(p, &nroots), **order, **list;
  list = xcalloc(nroots + 1, sizeof *list);
  for (size_t i = 0; i < nroots; i++) list[i] = *roots[i];
  size_t n = ir_topo(&p->graph, list, nroots, &order);
  RowsRead *rd = rows_read(p, roots, nroots, order, n);
  bool any = false;
  for (int k = 0; k < p->ndata; k++) {
    const IrNode *v = p->data_value[k];
    rd[k].narrowed =
        !rd[k].whole && rd[k].lo < rd[k].hi && (rd[k].lo > 0 || rd[k].hi < v->shape.rows);
    any |= rd[k].narrowed;
  }
  if (any) {
    IrGraph old = p->graph;
    ir_graph_init(&p->graph, old.arena);
    p->src = NULL; /* by the old graph's ids */
    p->nsrc = 0;
    p->graph.sym_data = old.sym_data;
    p->graph.nsym_data = old.nsym_data;
    IrNode **map = xcalloc((size_t)old.count + 1, sizeof *map);
    for (size_t i = 0; i < n; i++) map[order[i]->id] = renarrowed(&p->graph, p, rd, order[i], map);
    for (int k = 0; k < p->ndata; k++) {
      const IrNode *v = p->data_value[k];
      if (!rd[k].narrowed) continue;
      Shape s = v->shape;
      s.rows = rd[k].hi - rd[k].lo;
      int64_t at[4] = {v->attr[0], 0, rd[k].lo, v->shape.rows};
      map[v->id] = ir_node(&p->graph, IR_LOAD, s, NULL, 0, 0, 0, at, v->str);
      map[v->id]->span = v->span;
    }
    for (size_t i = 0; i < nroots; i++) *roots[i] = map[list[i]->id];
    free(map);
  }
  free(rd);
  free(list);
  free(roots);
}

int64_t ir_shard_load_row0(const IrNode *v) {
  return v->op == IR_LOAD && v->attr[1] == 0 && v->attr[3] > 0 ? v->attr[2] : 0;
}

int ir_shard_problem(IrProblem *p, RtShard s, char *err, size_t errlen) {
  IrGraph *old_g = xcalloc(1, sizeof *old_g);
  *old_g = p->graph;
  Sh S = {p, &p->graph, s, NULL, NULL, NULL, NULL, err, errlen, false, NULL, 0, NULL};
  S.lengths = xcalloc((size_t)p->ndata + 1, sizeof(int64_t));
  S.memo = xcalloc(old_g->count + 1, sizeof(Val));
  S.done = xcalloc(old_g->count + 1, 1);
  int ntot = p->ndata + p->nhoisted;
  S.data_cls = xcalloc((size_t)ntot + 1, sizeof(Cls));
  S.data_loc = xcalloc((size_t)ntot + 1, sizeof(Shape));
  ir_graph_init(&p->graph, old_g->arena);
  p->src = NULL; /* by the old graph's ids */
  p->nsrc = 0;
  p->graph.sym_data = old_g->sym_data;
  p->graph.nsym_data = old_g->nsym_data;
  err[0] = 0;

  for (int k = 0; k < p->ndata && !S.failed; k++) {
    const AstDecl *d = p->prog->data[k];
    IrNode *old = p->data_value[k];
    Val v = rewrite(&S, old_g, old);
    if (S.failed) break;
    if (d->row_sharded) {
      if (old->shape.rows < s.count) {
        snprintf(err, errlen, "sharded data '%s' has %lld rows, fewer than the %d ranks", d->name,
                 (long long)old->shape.rows, s.count);
        S.failed = true;
        break;
      }
      v = sharded_decl(&S, old, v);
      S.lengths[S.nlengths++] = old->shape.rows;
    } else if (v.c != C_REP) {
      fail(&S, old, "data '%s' is %s", d->name, cls_name(v.c));
      break;
    }
    p->data_value[k] = v.n;
    S.data_cls[k] = v.c;
    S.data_loc[k] = v.n->shape;
  }
  for (int h = 0; h < p->nhoisted && !S.failed; h++) {
    Val v = rewrite(&S, old_g, p->hoisted[h]);
    if (S.failed) break; /* v is not a node of the new graph */
    p->hoisted[h] = v.n;
    S.data_cls[p->ndata + h] = v.c;
    S.data_loc[p->ndata + h] = v.n->shape;
  }
  whole(&S, old_g, p->xvars, p->nupper, "an upper variable");
  whole(&S, old_g, p->yvars, p->nlower, "a lower variable");
  whole(&S, old_g, p->dirs, p->nlower, "a direction");
  whole(&S, old_g, p->xdirs, p->nupper, "a direction");
  whole(&S, old_g, p->upper_init, p->nupper, "an initial value");
  whole(&S, old_g, p->lower_init, p->nlower, "an initial value");
  if (!S.failed) {
    S.what = "the upper objective";
    p->f = output(&S, old_g, p->f);
    S.what = "the lower objective";
    p->g = output(&S, old_g, p->g);
    S.what = "a report";
    outputs(&S, old_g, p->reports, p->nreports);
    S.what = "the gradient of f in x";
    outputs(&S, old_g, p->grad_x_f, p->nupper);
    S.what = "the gradient of f in y";
    outputs(&S, old_g, p->grad_y_f, p->nlower);
    S.what = "the gradient of g in y";
    outputs(&S, old_g, p->grad_y_g, p->nlower);
    S.what = "the lower Hessian product";
    outputs(&S, old_g, p->hvp_yy, p->nlower);
    S.what = "the mixed product (d/dx of grad_y g . v)";
    outputs(&S, old_g, p->hvp_xy, p->nupper);
    S.what = "the initialiser's derivative";
    outputs(&S, old_g, p->init_vjp, p->nupper);
    S.what = "the gradient of g in x";
    outputs(&S, old_g, p->grad_x_g, p->nupper);
    S.what = "the mixed product (d/dx of grad_y g, along u)";
    outputs(&S, old_g, p->hvp_yx, p->nlower);
    S.what = "a kernel";
    for (int k = 0; k < BLO_K_COUNT; k++)
      for (int o = 0; o < p->kernels[k].nouts; o++) {
        IrOutput *out = &p->kernels[k].outs[o];
        out->node = output_cls(&S, old_g, out->node, &out->owned);
      }
  }
  if (!S.failed) narrow_loads(p);
  free(S.memo);
  free(S.done);
  free(S.data_cls);
  free(S.data_loc);
  free(S.lengths);
  free(old_g);
  return S.failed ? -1 : 0;
}
