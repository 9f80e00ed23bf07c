/* shard_rows.c — a row range of a data expression pushed down to its leaves (shard_rows.h).
 * Every node is rebuilt raw (ir_node) with the same operation and attributes and nl rows, so
 * that each row computes exactly what the whole expression computes for it; only the row
 * and column slices go through ir_slice, whose simplifications (a slice of a slice, of a
 * constant) move indices and never change a value, and onehot's attr[0] (the index its
 * messages give its first label) and take's attr[1] (its first index's) move with the rows. */
#include "ir/shard_rows.h"

#include <stdlib.h>

#include "support/alloc.h"

/* A rebuilt row range, by (node, first row): the row count is the same everywhere in one
 * push, and the first row moves only through row slices. Failures (n NULL) are remembered
 * too, so that a shared operand is never visited twice. */
typedef struct Memo {
  const IrNode *o; /* NULL: an empty slot */
  int64_t r0;
  IrNode *n;
} Memo;

typedef struct Push {
  const ShardRowsEnv *env;
  int64_t nl;
  Memo *tab;
  size_t cap, count; /* cap a power of two */
} Push;

static size_t slot_of(const Push *P, const IrNode *o, int64_t r0) {
  uint64_t h = (uint64_t)o->id * 0x9E3779B97F4A7C15u ^ (uint64_t)r0 * 0xC2B2AE3D27D4EB4Fu;
  size_t i = (size_t)(h >> 17) & (P->cap - 1);
  while (P->tab[i].o && (P->tab[i].o != o || P->tab[i].r0 != r0)) i = (i + 1) & (P->cap - 1);
  return i;
}

static void remember(Push *P, const IrNode *o, int64_t r0, IrNode *n) {
  if (2 * (P->count + 1) > P->cap) {
    Memo *old = P->tab;
    size_t oldcap = P->cap;
    P->cap = oldcap ? 2 * oldcap : 64;
    P->tab = xcalloc(P->cap, sizeof *P->tab);
    for (size_t i = 0; i < oldcap; i++)
      if (old[i].o) P->tab[slot_of(P, old[i].o, old[i].r0)] = old[i];
    free(old);
  }
  Memo *m = &P->tab[slot_of(P, o, r0)];
  if (!m->o) P->count++;
  *m = (Memo){o, r0, n};
}

/* o rebuilt with nl rows over operands args (the rank's nodes). */
static IrNode *build(const Push *P, const IrNode *o, IrNode *const *args) {
  Shape s = o->shape;
  s.rows = P->nl;
  IrNode *n = ir_node(P->env->g, (IrOp)o->op, s, args, o->nargs, o->num, o->num2, o->attr, o->str);
  n->span = o->span;
  return n;
}

/* o's whole value, when it is replicated (a scalar operand, B of A @ B); else NULL. */
static IrNode *whole(const Push *P, const IrNode *o) {
  ShardRowsKind k;
  IrNode *n = P->env->rebuilt(P->env->ctx, o, &k);
  return k == SHARD_ROWS_WHOLE ? n : NULL;
}

/* Rows [r0, r0 + nl) of o as the sharding pass rebuilt it: cut from its whole value, or its
 * sharded rows when they are the rank's (NULL otherwise). */
static IrNode *cut(const Push *P, const IrNode *o, int64_t r0) {
  ShardRowsKind k;
  IrNode *n = P->env->rebuilt(P->env->ctx, o, &k);
  RtRows mine = rt_shard_rows(P->env->s, o->shape.rows);
  if (k == SHARD_ROWS_MINE && mine.r0 == r0 && mine.n == P->nl) return n;
  if (k != SHARD_ROWS_WHOLE || o->shape.sparse) return NULL; /* a CSR matrix is not sliced */
  return ir_slice(P->env->g, n, r0, r0 + P->nl, 0, n->shape.cols);
}

static IrNode *push(Push *P, const IrNode *o, int64_t r0);

/* Operand i of o, at o's rows when it has o's shape, whole when it is a scalar (NULL: any
 * other shape, or a scalar that is not replicated). */
static IrNode *aligned(Push *P, const IrNode *o, int i, int64_t r0) {
  const IrNode *a = o->args[i];
  if (a->shape.rank == 0) return whole(P, a);
  if (!shape_eq(a->shape, o->shape)) return NULL;
  return push(P, a, r0);
}

/* A row-range load: rows r0 .. of the file, as shard.c asks for a sharded declaration's. */
static IrNode *load_rows(const Push *P, const IrNode *o, int64_t r0) {
  if (o->attr[1] != 0 || o->attr[3] != 0 || o->shape.sparse) return NULL;
  Shape s = o->shape;
  s.rows = P->nl;
  int64_t at[4] = {o->attr[0], 0, r0, o->shape.rows};
  IrNode *n = ir_node(P->env->g, IR_LOAD, s, NULL, 0, 0, 0, at, o->str);
  n->span = o->span;
  return n;
}

/* o's rows [r0, r0 + nl) by its operation's rule, or NULL when it has none. */
static IrNode *push_op(Push *P, const IrNode *o, int64_t r0) {
  IrOp op = (IrOp)o->op;
  const IrNode *a0 = o->nargs > 0 ? o->args[0] : NULL;
  IrNode *args[3] = {NULL, NULL, NULL};
  switch (op) {
  case IR_CONST: return build(P, o, NULL);
  case IR_LOAD: return load_rows(P, o, r0);
  case IR_SLICE: {
    IrNode *in = push(P, a0, r0 + o->attr[0]);
    if (!in || (o->attr[2] == 0 && o->attr[3] == a0->shape.cols)) return in;
    return ir_slice(P->env->g, in, 0, P->nl, o->attr[2], o->attr[3]);
  }
  case IR_HCAT: {
    IrNode **parts = xcalloc((size_t)o->nargs + 1, sizeof *parts), *n = NULL;
    int i = 0;
    for (; i < o->nargs; i++)
      if (o->args[i]->shape.rows != o->shape.rows || !(parts[i] = push(P, o->args[i], r0))) break;
    if (i == o->nargs) n = build(P, o, parts);
    free(parts);
    return n;
  }
  case IR_BCAST:
  case IR_BCAST_ROWS: /* a scalar or a row vector, the same on every row */
    args[0] = whole(P, a0);
    return args[0] ? build(P, o, args) : NULL;
  case IR_MATMUL:
  case IR_MATVEC:
  case IR_OUTER: /* row i of A @ B is row i of A times B; of outer(a, b), a[i] b */
    args[0] = push(P, a0, r0);
    args[1] = whole(P, o->args[1]);
    return args[0] && args[1] ? build(P, o, args) : NULL;
  case IR_ONEHOT: { /* of labels r0..: attr[0] numbers them as all of them are (ir_ops.def) */
    if (a0->shape.rows != o->shape.rows || !(args[0] = push(P, a0, r0))) return NULL;
    int64_t at[4] = {o->attr[0] + r0, 0, 0, 0};
    Shape s = o->shape;
    s.rows = P->nl;
    IrNode *n = ir_node(P->env->g, IR_ONEHOT, s, args, 1, 0, 0, at, NULL);
    n->span = o->span;
    return n;
  }
  case IR_TAKE: { /* rows r0.. of X[idx, :] are X[idx[r0..], :], attr[1] numbering those
                   * indices as all of them are; of X[:, idx], X[r0.., idx] */
    bool rows = o->attr[0] == 0;
    args[0] = rows ? whole(P, a0) : push(P, a0, r0);
    args[1] = rows ? push(P, o->args[1], r0) : whole(P, o->args[1]);
    if (!args[0] || !args[1]) return NULL;
    int64_t at[4] = {o->attr[0], o->attr[1] + (rows ? r0 : 0), 0, 0};
    Shape s = o->shape;
    s.rows = P->nl;
    IrNode *n = ir_node(P->env->g, IR_TAKE, s, args, 2, 0, 0, at, NULL);
    n->span = o->span;
    return n;
  }
  case IR_SUM_ROWS:
  case IR_LSE_ROWS:
  case IR_ARGMAX_ROWS:
  case IR_BCAST_COLS:
  case IR_RESHAPE: /* keeping the rows (same size: so the same columns, or a vector's) */
    if (a0->shape.rank == 0 || a0->shape.rows != o->shape.rows) return NULL;
    args[0] = push(P, a0, r0);
    return args[0] ? build(P, o, args) : NULL;
  default: break;
  }
  switch (ir_ops[op].cls) {
  case IRC_EW1:
  case IRC_EW2:
  case IRC_EW3:
    for (int i = 0; i < o->nargs; i++)
      if (!(args[i] = aligned(P, o, i, r0))) return NULL;
    return build(P, o, args);
  default: return NULL; /* generators, transposes, reductions over rows, ...: cut */
  }
}

static IrNode *push(Push *P, const IrNode *o, int64_t r0) {
  if (o->shape.rank < 1 || o->shape.rank > 2 || r0 < 0 || r0 + P->nl > o->shape.rows) return NULL;
  size_t i = P->cap ? slot_of(P, o, r0) : 0;
  if (P->cap && P->tab[i].o) return P->tab[i].n;
  IrNode *n = push_op(P, o, r0);
  if (!n) n = cut(P, o, r0);
  remember(P, o, r0, n);
  return n;
}

IrNode *shard_rows_push(const ShardRowsEnv *env, const IrNode *old, RtRows rows) {
  Push P = {env, rows.n, NULL, 0, 0};
  IrNode *n = rows.n >= 1 ? push(&P, old, rows.r0) : NULL;
  free(P.tab);
  return n;
}
