/* ir.c — IR node construction: hash-consing (CSE by construction), shape rules, and the
 * local algebraic simplifications every constructor applies. */
#include "support/alloc.h"
#include "ir/ir.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void ir_graph_init(IrGraph *g, Arena *a) {
  memset(g, 0, sizeof *g);
  g->arena = a;
  g->nbuckets = 1024;
  g->buckets = arena_calloc(a, g->nbuckets, sizeof(IrNode *));
}

/* ------------------------------------------------------------------ hashing */

static uint32_t mix(uint32_t h, uint64_t v) {
  h ^= (uint32_t)v + 0x9e3779b9u + (h << 6) + (h >> 2);
  h ^= (uint32_t)(v >> 32) + 0x9e3779b9u + (h << 6) + (h >> 2);
  return h;
}

static uint64_t dbits(double d) {
  uint64_t u;
  if (d == 0) d = 0; /* -0 and +0 hash alike; equality below still tells them apart */
  memcpy(&u, &d, sizeof u);
  return u;
}

static uint32_t str_hash(const char *s) {
  uint32_t h = 2166136261u;
  for (; s && *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
  return h;
}

static bool same_double(double a, double b) {
  /* bitwise: keeps 0 and -0 apart and lets NaN equal itself */
  return memcmp(&a, &b, sizeof a) == 0;
}

static void rehash(IrGraph *g) {
  uint32_t nb = g->nbuckets * 2;
  IrNode **b = arena_calloc(g->arena, nb, sizeof(IrNode *));
  for (uint32_t i = 0; i < g->nbuckets; i++) {
    IrNode *n = g->buckets[i];
    while (n) {
      IrNode *next = n->chain;
      n->chain = b[n->hash & (nb - 1)];
      b[n->hash & (nb - 1)] = n;
      n = next;
    }
  }
  g->buckets = b;
  g->nbuckets = nb;
}

static uint32_t node_hash(IrOp op, Shape shape, IrNode *const *args, int nargs, double num,
                          double num2, const int64_t attr[4], const char *str) {
  uint32_t h = mix(2166136261u, (uint64_t)op);
  h = mix(h, (uint64_t)shape.rank);
  h = mix(h, (uint64_t)shape.rows);
  h = mix(h, (uint64_t)shape.cols);
  for (int i = 0; i < nargs; i++) h = mix(h, args[i]->id);
  h = mix(h, dbits(num));
  h = mix(h, dbits(num2));
  for (int i = 0; i < 4; i++) h = mix(h, (uint64_t)attr[i]);
  return mix(h, str_hash(str));
}

static const int64_t zero_attr[4] = {0, 0, 0, 0};

static IrNode *find_hashed(const IrGraph *g, uint32_t h, IrOp op, Shape shape,
                           IrNode *const *args, int nargs, double num, double num2,
                           const int64_t attr[4], const char *str) {
  for (IrNode *n = g->buckets[h & (g->nbuckets - 1)]; n; n = n->chain) {
    if (n->hash != h || n->op != op || n->nargs != nargs || !shape_eq(n->shape, shape)) continue;
    if (!same_double(n->num, num) || !same_double(n->num2, num2)) continue;
    if (memcmp(n->attr, attr, sizeof n->attr) != 0) continue;
    if ((n->str == NULL) != (str == NULL) || (str && strcmp(n->str, str) != 0)) continue;
    bool same = true;
    for (int i = 0; i < nargs && same; i++) same = n->args[i] == args[i];
    if (same) return n;
  }
  return NULL;
}

IrNode *ir_find(const IrGraph *g, IrOp op, Shape shape, IrNode *const *args, int nargs,
                double num, double num2, const int64_t attr[4], const char *str) {
  if (!attr) attr = zero_attr;
  uint32_t h = node_hash(op, shape, args, nargs, num, num2, attr, str);
  return find_hashed(g, h, op, shape, args, nargs, num, num2, attr, str);
}

IrNode *ir_node(IrGraph *g, IrOp op, Shape shape, IrNode *const *args, int nargs, double num,
                double num2, const int64_t attr[4], const char *str) {
  if (!attr) attr = zero_attr;
  uint32_t h = node_hash(op, shape, args, nargs, num, num2, attr, str);
  IrNode *found = find_hashed(g, h, op, shape, args, nargs, num, num2, attr, str);
  if (found) return found;

  IrNode *n = ARENA_NEW(g->arena, IrNode);
  n->op = (uint16_t)op;
  n->nargs = nargs;
  n->shape = shape;
  n->num = num;
  n->num2 = num2;
  memcpy(n->attr, attr, sizeof n->attr);
  n->str = str ? arena_strdup(g->arena, str) : NULL;
  n->span = SPAN_NONE;
  n->hash = h;
  if (nargs) {
    n->args = arena_calloc(g->arena, (size_t)nargs, sizeof(IrNode *));
    for (int i = 0; i < nargs; i++) {
      n->args[i] = args[i];
      n->deps |= args[i]->deps;
    }
  }
  switch ((IrOp)op) {
  case IR_VAR: n->deps |= attr[0] == 0 ? IR_DEP_X : IR_DEP_Y; break;
  case IR_DIR: n->deps |= IR_DEP_V; break;
  case IR_SAMPLE: n->deps |= IR_DEP_SAMPLE; break;
#define IRC_CASE_IRC_GEN(id) case id:
#include "ir/ir_class_cases.h"
    n->deps |= IR_DEP_GEN;
    break;
  case IR_CONST: case IR_DATA: /* no dependence of their own */
#define IRC_CASE_IRC_EW1(id) case id:
#define IRC_CASE_IRC_EW2(id) case id:
#define IRC_CASE_IRC_EW3(id) case id:
#define IRC_CASE_IRC_REDUCE(id) case id:
#define IRC_CASE_IRC_LINALG(id) case id:
#define IRC_CASE_IRC_STRUCT(id) case id:
#include "ir/ir_class_cases.h"
  case IR_OP_COUNT:
    break;
  }
  if (g->count == g->capnodes) {
    uint32_t cap = g->capnodes ? g->capnodes * 2 : 256;
    IrNode **nodes = arena_calloc(g->arena, cap, sizeof(IrNode *));
    if (g->count) memcpy(nodes, g->nodes, g->count * sizeof(IrNode *));
    g->nodes = nodes;
    g->capnodes = cap;
  }
  n->id = g->count;
  g->nodes[g->count++] = n;
  n->chain = g->buckets[h & (g->nbuckets - 1)];
  g->buckets[h & (g->nbuckets - 1)] = n;
  if (g->count > g->nbuckets) rehash(g);
  return n;
}

static IrNode *mk(IrGraph *g, IrOp op, Shape s, IrNode *const *args, int nargs) {
  return ir_node(g, op, s, args, nargs, 0, 0, NULL, NULL);
}
static IrNode *mk1(IrGraph *g, IrOp op, Shape s, IrNode *a) { return mk(g, op, s, &a, 1); }
static IrNode *mk2(IrGraph *g, IrOp op, Shape s, IrNode *a, IrNode *b) {
  IrNode *args[2] = {a, b};
  return mk(g, op, s, args, 2);
}
/* A node of one operand with its four attributes (a rectangle: rows r0:r1, cols c0:c1). */
static IrNode *mk_attr(IrGraph *g, IrOp op, Shape s, IrNode *a, const int64_t at[4]) {
  return ir_node(g, op, s, &a, 1, 0, 0, at, NULL);
}

/* ------------------------------------------------------------------ leaves and queries */

IrNode *ir_const(IrGraph *g, double value, Shape shape) {
  if (value == 0) value = 0; /* one zero: -0 folds into +0 so zeros are recognised */
  return ir_node(g, IR_CONST, shape, NULL, 0, value, 0, NULL, NULL);
}

IrNode *ir_scalar(IrGraph *g, double value) { return ir_const(g, value, shape_scalar()); }

IrNode *ir_var(IrGraph *g, int level, int index, int64_t offset, Shape shape) {
  int64_t at[4] = {level, index, offset, 0};
  return ir_node(g, IR_VAR, shape, NULL, 0, 0, 0, at, NULL);
}

IrNode *ir_dir(IrGraph *g, int index, int64_t offset, Shape shape) {
  int64_t at[4] = {1, index, offset, 0};
  return ir_node(g, IR_DIR, shape, NULL, 0, 0, 0, at, NULL);
}

IrNode *ir_dir_x(IrGraph *g, int index, int64_t offset, Shape shape) {
  int64_t at[4] = {0, index, offset, 0};
  return ir_node(g, IR_DIR, shape, NULL, 0, 0, 0, at, NULL);
}

IrNode *ir_data(IrGraph *g, int index, Shape shape) {
  int64_t at[4] = {index, 0, 0, 0};
  return ir_node(g, IR_DATA, shape, NULL, 0, 0, 0, at, NULL);
}

IrNode *ir_sample(IrGraph *g, int index, int64_t offset, int64_t k) {
  int64_t at[4] = {index, offset, 0, 0};
  return ir_node(g, IR_SAMPLE, shape_vector(k), NULL, 0, 0, 0, at, NULL);
}

bool ir_is_const(const IrNode *n, double *value) {
  if (n->op != IR_CONST) return false;
  if (value) *value = n->num;
  return true;
}

bool ir_is_zero(const IrNode *n) { return n->op == IR_CONST && n->num == 0; }

static IrNode *zeros(IrGraph *g, Shape s) { return ir_const(g, 0, s); }

/* ------------------------------------------------------------------ elementwise */

/* The arithmetic is runtime/rt_scalar.h's (the table's fn column), shared with sema, the
 * evaluator and emitted C. */
static double fold1(IrOp op, double a, double p) {
  const IrOpInfo *o = &ir_ops[op];
  assert(o->cls == IRC_EW1 && (o->fn1 || o->fn2) && "not a unary op");
  return o->fn1 ? o->fn1(a) : o->fn2(a, p);
}

double ir_fold_binary(IrOp op, double a, double b) {
  assert(ir_ops[op].cls == IRC_EW2 && ir_ops[op].fn2 && "not a binary op");
  return ir_ops[op].fn2(a, b);
}

double ir_fold_unary(IrOp op, double a, double p) { return fold1(op, a, p); }

static bool is_scalar_const(const IrNode *n, double *v) {
  return n->shape.rank == 0 && ir_is_const(n, v);
}

IrNode *ir_unary(IrGraph *g, IrOp op, IrNode *a) {
  assert(ir_ops[op].cls == IRC_EW1 && op != IR_POWC);
  if (!g->no_simplify) {
    double c;
    if (ir_is_const(a, &c)) return ir_const(g, fold1(op, c, 0), a->shape);
    if (op == IR_NEG && a->op == IR_NEG) return a->args[0];
    if (op == IR_NEG && a->op == IR_MUL && is_scalar_const(a->args[0], &c))
      return ir_mul(g, ir_scalar(g, -c), a->args[1]);
    /* sign, step, floor and round of piecewise-constant values are idempotent */
    if ((op == IR_SIGN || op == IR_STEP || op == IR_FLOOR || op == IR_ROUND || op == IR_ABS ||
         op == IR_RELU) && a->op == op)
      return a;
  }
  return mk1(g, op, a->shape, a);
}

IrNode *ir_neg(IrGraph *g, IrNode *a) { return ir_unary(g, IR_NEG, a); }

IrNode *ir_powc(IrGraph *g, IrNode *a, double p) {
  if (!g->no_simplify) {
    double c;
    if (ir_is_const(a, &c)) return ir_const(g, fold1(IR_POWC, c, p), a->shape);
    if (p == 1) return a;
    if (p == 0) return ir_const(g, 1, a->shape);
    if (p == 2) return ir_mul(g, a, a);
    if (p == 0.5) return ir_unary(g, IR_SQRT, a);
    if (p == -1) return ir_div(g, ir_scalar(g, 1), a);
    if (a->op == IR_POWC && a->num != 0 && p == floor(p)) /* (x^q)^k = x^(qk) for integer k */
      return ir_powc(g, a->args[0], a->num * p);
  }
  return ir_node(g, IR_POWC, a->shape, &a, 1, p, 0, NULL, NULL);
}

static Shape ew_shape(const IrNode *a, const IrNode *b) {
  if (a->shape.rank == 0) return b->shape;
  if (b->shape.rank == 0) return a->shape;
  assert(shape_eq(a->shape, b->shape) && "elementwise shapes must agree");
  return a->shape;
}

/* a, broadcast to shape s (a is s-shaped or a scalar). */
static IrNode *fit(IrGraph *g, IrNode *a, Shape s) { return ir_bcast(g, a, s); }


/* ---- sums of terms: a + b is flattened into sum_i c_i t_i (through add, sub, neg and scalar
 * constant factors) and, when two terms are the same node or constants can merge, rebuilt with
 * the coefficients combined: t + (G y + t) becomes 2 t + G y, and 0.5 u + 0.5 u becomes u. */

enum { MAX_TERMS = 24 };

typedef struct Term {
  IrNode *n;   /* NULL: the constant term */
  double c;
} Term;

typedef struct Terms {
  Term t[MAX_TERMS];
  int n;
  bool merged;    /* a repeated node or a second constant was folded in */
  bool overflow;
} Terms;


static void add_term(Terms *ts, IrNode *x, double c) {
  double k;
  if (ir_is_const(x, &k) && x->shape.rank == 0) {
    for (int i = 0; i < ts->n; i++)
      if (!ts->t[i].n) {
        ts->t[i].c += c * k;
        ts->merged = true;
        return;
      }
    x = NULL;
    c *= k;
  }
  for (int i = 0; i < ts->n; i++)
    if (x && ts->t[i].n == x) {
      ts->t[i].c += c;
      ts->merged = true;
      return;
    }
  if (ts->n == MAX_TERMS) {
    ts->overflow = true;
    return;
  }
  ts->t[ts->n++] = (Term){x, c};
}

static void collect_terms(Terms *ts, IrNode *x, double c, Shape s, int depth) {
  double k;
  if (depth < 8 && shape_eq(x->shape, s)) {
    if (x->op == IR_ADD || x->op == IR_SUB) {
      collect_terms(ts, x->args[0], c, s, depth + 1);
      collect_terms(ts, x->args[1], x->op == IR_SUB ? -c : c, s, depth + 1);
      return;
    }
    if (x->op == IR_NEG) {
      collect_terms(ts, x->args[0], -c, s, depth + 1);
      return;
    }
    if (x->op == IR_MUL && is_scalar_const(x->args[0], &k)) {
      collect_terms(ts, x->args[1], c * k, s, depth + 1);
      return;
    }
  }
  add_term(ts, x, c);
}

/* The combined sum, or NULL when nothing combines (the caller builds the node as asked). */
static IrNode *combine_sum(IrGraph *g, IrNode *a, IrNode *b, double sign_b, Shape s) {
  Terms ts = {.n = 0, .merged = false, .overflow = false};
  collect_terms(&ts, a, 1, s, 0);
  collect_terms(&ts, b, sign_b, s, 0);
  if (!ts.merged || ts.overflow) return NULL;
  IrNode *acc = NULL;
  for (int i = 0; i < ts.n; i++) {
    Term t = ts.t[i];
    if (t.c == 0) continue;
    IrNode *term = t.n ? ir_scale(g, t.c, t.n) : ir_scalar(g, t.c);
    acc = acc ? ir_add(g, acc, term) : term;
  }
  return ir_bcast(g, acc ? acc : ir_scalar(g, 0), s);
}

IrNode *ir_binary(IrGraph *g, IrOp op, IrNode *a, IrNode *b) {
  assert(ir_ops[op].cls == IRC_EW2);
  Shape s = ew_shape(a, b);
  if (g->no_simplify) return mk2(g, op, s, a, b);
  double ca = 0, cb = 0;
  bool ka = ir_is_const(a, &ca), kb = ir_is_const(b, &cb);
  if (ka && kb) return ir_const(g, ir_fold_binary(op, ca, cb), s);
  /* a filled constant against a tensor of its own shape acts as a scalar: c * x, not
   * fill(c) * x, so that constant factors meet and fold */
  if (ka && a->shape.rank > 0 && b->shape.rank > 0) return ir_binary(g, op, ir_scalar(g, ca), b);
  if (kb && b->shape.rank > 0 && a->shape.rank > 0) return ir_binary(g, op, a, ir_scalar(g, cb));
  /* likewise a broadcast scalar: fill(s) * x is s * x */
  if (a->op == IR_BCAST && b->shape.rank > 0) return ir_binary(g, op, a->args[0], b);
  if (b->op == IR_BCAST && a->shape.rank > 0) return ir_binary(g, op, a, b->args[0]);
  if (op == IR_ADD || op == IR_SUB) {
    IrNode *sum = combine_sum(g, a, b, op == IR_SUB ? -1 : 1, s);
    if (sum) return sum;
  }
  switch (op) {
  case IR_ADD:
    if (ka && ca == 0) return fit(g, b, s);
    if (kb && cb == 0) return fit(g, a, s);
    if (b->op == IR_NEG) return ir_sub(g, a, b->args[0]);
    if (a->op == IR_NEG) return ir_sub(g, b, a->args[0]);
    if (a == b) return ir_mul(g, ir_scalar(g, 2), a);
    break;
  case IR_SUB:
    if (kb && cb == 0) return fit(g, a, s);
    if (ka && ca == 0) return fit(g, ir_neg(g, b), s);
    if (a == b) return zeros(g, s);
    if (b->op == IR_NEG) return ir_add(g, a, b->args[0]);
    if (a->op == IR_NEG) return ir_neg(g, ir_add(g, a->args[0], b));
    break;
  case IR_MUL:
    if ((ka && ca == 0) || (kb && cb == 0)) return zeros(g, s);
    if (ka && ca == 1) return fit(g, b, s);
    if (kb && cb == 1) return fit(g, a, s);
    if (ka && ca == -1) return fit(g, ir_neg(g, b), s);
    if (kb && cb == -1) return fit(g, ir_neg(g, a), s);
    if (a->op == IR_NEG) return ir_neg(g, ir_mul(g, a->args[0], b));
    if (b->op == IR_NEG) return ir_neg(g, ir_mul(g, a, b->args[0]));
    {
      /* scalar constant factors go to the left and meet there: c1 (c2 x) = (c1 c2) x,
       * (c x) y = c (x y) */
      double c1, c2;
      if (is_scalar_const(b, &c1)) { IrNode *t = a; a = b; b = t; }
      bool a_const = is_scalar_const(a, &c1);
      if (a_const && b->op == IR_MUL && is_scalar_const(b->args[0], &c2))
        return ir_mul(g, ir_scalar(g, c1 * c2), b->args[1]);
      if (!a_const && a->op == IR_MUL && is_scalar_const(a->args[0], &c2))
        return ir_mul(g, a->args[0], ir_mul(g, a->args[1], b));
      if (!a_const && b->op == IR_MUL && is_scalar_const(b->args[0], &c2))
        return ir_mul(g, b->args[0], ir_mul(g, a, b->args[1]));
      ka = ir_is_const(a, &ca);
      kb = ir_is_const(b, &cb);
      /* u * where(m, v, 0) = where(m, u * v, 0) but where u is not finite and m is 0: the
       * adjoint of where(c > 0, log(c) * y, 0) is log(c) times a masked 1, and -inf * 0 made
       * grad_y f NaN at c = 0, where the masked-out branch has no derivative to give */
      for (int k = 0; k < 2 && !a_const; k++) {
        IrNode *w = k ? a : b, *u = k ? b : a;
        if (w->op != IR_WHERE) continue;
        double z;
        for (int br = 1; br <= 2; br++) {
          IrNode *zb = w->args[br], *vb = w->args[3 - br];
          if (!ir_is_const(zb, &z) || z != 0) continue;
          IrNode *uv = ir_mul(g, u, vb);
          return fit(g, br == 2 ? ir_where(g, w->args[0], uv, zb) : ir_where(g, w->args[0], zb, uv),
                     s);
        }
      }
    }
    break;
  case IR_DIV:
    if (kb && cb == 1) return fit(g, a, s);
    if (ka && ca == 0) return zeros(g, s);
    if (a->op == IR_NEG) return ir_neg(g, ir_div(g, a->args[0], b));
    if (b->op == IR_NEG) return ir_neg(g, ir_div(g, a, b->args[0]));
    break;
  case IR_MOD: case IR_MAX: case IR_MIN:
  case IR_LT: case IR_LE: case IR_GT: case IR_GE: case IR_EQ: case IR_NE:
    break; /* no algebraic rules */
#define IRC_CASE_IRC_LEAF(id) case id:
#define IRC_CASE_IRC_EW1(id) case id:
#define IRC_CASE_IRC_EW3(id) case id:
#define IRC_CASE_IRC_REDUCE(id) case id:
#define IRC_CASE_IRC_LINALG(id) case id:
#define IRC_CASE_IRC_STRUCT(id) case id:
#define IRC_CASE_IRC_GEN(id) case id:
#include "ir/ir_class_cases.h"
  case IR_OP_COUNT:
    break; /* not a binary op: callers pass only IRC_EW2 */
  }
  /* canonical operand order for commutative ops: scalar constants first, then by id */
  if (ir_ops[op].flags & IRF_COMM) {
    bool swap = false;
    if (kb && b->shape.rank == 0 && !(ka && a->shape.rank == 0)) swap = true;
    else if (!(ka && a->shape.rank == 0) && !(kb && b->shape.rank == 0) && b->id < a->id)
      swap = true;
    if (swap) { IrNode *t = a; a = b; b = t; }
  }
  return mk2(g, op, s, a, b);
}

IrNode *ir_add(IrGraph *g, IrNode *a, IrNode *b) { return ir_binary(g, IR_ADD, a, b); }
IrNode *ir_sub(IrGraph *g, IrNode *a, IrNode *b) { return ir_binary(g, IR_SUB, a, b); }
IrNode *ir_mul(IrGraph *g, IrNode *a, IrNode *b) { return ir_binary(g, IR_MUL, a, b); }
IrNode *ir_div(IrGraph *g, IrNode *a, IrNode *b) { return ir_binary(g, IR_DIV, a, b); }
IrNode *ir_scale(IrGraph *g, double c, IrNode *a) { return ir_mul(g, ir_scalar(g, c), a); }

IrNode *ir_where(IrGraph *g, IrNode *mask, IrNode *a, IrNode *b) {
  Shape s = mask->shape;
  const IrNode *ops[2] = {a, b};
  for (int i = 0; i < 2; i++) {
    if (ops[i]->shape.rank == 0) continue;
    assert((s.rank == 0 || shape_eq(s, ops[i]->shape)) && "where: shapes must agree");
    s = ops[i]->shape;
  }
  if (!g->no_simplify) {
    double m;
    if (ir_is_const(mask, &m)) return fit(g, m != 0 ? a : b, s);
    if (a == b) return fit(g, a, s);
  }
  IrNode *args[3] = {mask, a, b};
  return mk(g, IR_WHERE, s, args, 3);
}

/* ------------------------------------------------------------------ reductions */

IrNode *ir_reduce(IrGraph *g, IrOp op, IrNode *a) {
  Shape s;
  switch (op) {
  case IR_SUM:
  case IR_LSE: s = shape_scalar(); break;
  case IR_SUM_ROWS:
  case IR_LSE_ROWS:
  case IR_ARGMAX_ROWS: assert(a->shape.rank == 2); s = shape_vector(a->shape.rows); break;
  case IR_SUM_COLS: assert(a->shape.rank == 2); s = shape_vector(a->shape.cols); break;
#define IRC_CASE_IRC_LEAF(id) case id:
#define IRC_CASE_IRC_EW1(id) case id:
#define IRC_CASE_IRC_EW2(id) case id:
#define IRC_CASE_IRC_EW3(id) case id:
#define IRC_CASE_IRC_LINALG(id) case id:
#define IRC_CASE_IRC_STRUCT(id) case id:
#define IRC_CASE_IRC_GEN(id) case id:
#include "ir/ir_class_cases.h"
  case IR_OP_COUNT:
    assert(!"not a reduction");
    return a;
  }
  if (g->no_simplify) return mk1(g, op, s, a);
  double c;
  int64_t m = a->shape.rows, n = a->shape.cols;
  switch (op) {
  case IR_SUM:
    if (a->shape.rank == 0) return a;
    if (ir_is_const(a, &c)) return ir_scalar(g, c * (double)shape_size(a->shape));
    if (a->op == IR_BCAST) return ir_scale(g, (double)shape_size(a->shape), a->args[0]);
    if (a->op == IR_NEG) return ir_neg(g, ir_reduce(g, IR_SUM, a->args[0]));
    if (a->op == IR_MUL && a->args[0]->shape.rank == 0)
      return ir_mul(g, a->args[0], ir_reduce(g, IR_SUM, a->args[1]));
    if (a->op == IR_MUL && a->args[1]->shape.rank == 0)
      return ir_mul(g, a->args[1], ir_reduce(g, IR_SUM, a->args[0]));
    if (a->op == IR_PAD || a->op == IR_RESHAPE || a->op == IR_TRANSPOSE || a->op == IR_SCATTER)
      return ir_reduce(g, IR_SUM, a->args[0]); /* same elements (plus zeros) */
    if (a->op == IR_SUM_ROWS || a->op == IR_SUM_COLS) return ir_reduce(g, IR_SUM, a->args[0]);
    /* sum(M * outer(u, v)) = u . (M v): the product is the one the gradient computes (the
     * form of trace(M @ outer(v, u)), ir_diagv) */
    for (int i = 0; i < 2 && a->op == IR_MUL && a->shape.rank == 2; i++)
      if (a->args[i]->op == IR_OUTER && a->args[1 - i]->shape.rank == 2)
        return ir_dot(g, a->args[i]->args[0], ir_matvec(g, a->args[1 - i], a->args[i]->args[1]));
    break;
  case IR_LSE:
    if (a->shape.rank == 0) return a;
    if (ir_is_const(a, &c)) return ir_scalar(g, c + log((double)shape_size(a->shape)));
    break;
  case IR_SUM_ROWS:
    if (ir_is_const(a, &c)) return ir_const(g, c * (double)n, s);
    if (a->op == IR_BCAST_COLS) return ir_scale(g, (double)n, a->args[0]);
    if (a->op == IR_BCAST_ROWS) return ir_bcast(g, ir_reduce(g, IR_SUM, a->args[0]), s);
    if (a->op == IR_NEG) return ir_neg(g, ir_reduce(g, op, a->args[0]));
    if (a->op == IR_TRANSPOSE) return ir_reduce(g, IR_SUM_COLS, a->args[0]);
    break;
  case IR_SUM_COLS:
    if (ir_is_const(a, &c)) return ir_const(g, c * (double)m, s);
    if (a->op == IR_BCAST_ROWS) return ir_scale(g, (double)m, a->args[0]);
    if (a->op == IR_BCAST_COLS) return ir_bcast(g, ir_reduce(g, IR_SUM, a->args[0]), s);
    if (a->op == IR_NEG) return ir_neg(g, ir_reduce(g, op, a->args[0]));
    if (a->op == IR_TRANSPOSE) return ir_reduce(g, IR_SUM_ROWS, a->args[0]);
    break;
  case IR_LSE_ROWS:
    if (ir_is_const(a, &c)) return ir_const(g, c + log((double)n), s);
    if (a->op == IR_BCAST_COLS) return ir_add(g, a->args[0], ir_scalar(g, log((double)n)));
    break;
  case IR_ARGMAX_ROWS:
    if (ir_is_const(a, &c)) return zeros(g, s);
    break;
#define IRC_CASE_IRC_LEAF(id) case id:
#define IRC_CASE_IRC_EW1(id) case id:
#define IRC_CASE_IRC_EW2(id) case id:
#define IRC_CASE_IRC_EW3(id) case id:
#define IRC_CASE_IRC_LINALG(id) case id:
#define IRC_CASE_IRC_STRUCT(id) case id:
#define IRC_CASE_IRC_GEN(id) case id:
#include "ir/ir_class_cases.h"
  case IR_OP_COUNT:
    break; /* not a reduction: refused above */
  }
  return mk1(g, op, s, a);
}

/* ------------------------------------------------------------------ products */

/* Values that change per call; the rest is computed once, before solving (kern_hoist). */
enum { VARYING = IR_DEP_X | IR_DEP_Y | IR_DEP_V | IR_DEP_SAMPLE };

/* a = M * bop(s), a matrix M scaled by a vector s broadcast as bop (IR_BCAST_ROWS: column j
 * by s[j]; IR_BCAST_COLS: row i by s[i]); then *m = M, *sv = s. */
static bool scaled_matrix(const IrNode *a, IrOp bop, IrNode **m, IrNode **sv) {
  if (a->op != IR_MUL || a->shape.rank != 2) return false;
  for (int i = 0; i < 2; i++)
    if (a->args[i]->op == bop && a->args[1 - i]->shape.rank == 2) {
      *m = a->args[1 - i];
      *sv = a->args[i]->args[0];
      return true;
    }
  return false;
}

/* a is a symmetric matrix by construction: symmetric data, a diagonal matrix, or an
 * elementwise function of such matrices and scalars (exp(-exp(x) D) of a symmetric D, a
 * kernel matrix), looked at to a small depth. */
static bool known_symmetric(const IrGraph *g, const IrNode *a, int depth) {
  if (a->shape.rank == 0) return true;
  if (a->shape.rank != 2 || a->shape.rows != a->shape.cols || depth > 12) return false;
  if (a->op == IR_DATA) return a->attr[0] < g->nsym_data && g->sym_data[a->attr[0]];
  if (a->op == IR_DIAGM || a->op == IR_CONST) return true;
  IrClass cls = ir_ops[a->op].cls;
  if (cls != IRC_EW1 && cls != IRC_EW2 && cls != IRC_EW3) return false;
  for (int i = 0; i < a->nargs; i++)
    if (!known_symmetric(g, a->args[i], depth + 1)) return false;
  return true;
}

IrNode *ir_transpose(IrGraph *g, IrNode *a) {
  if (a->shape.rank < 2) return a;
  Shape s = shape_matrix(a->shape.cols, a->shape.rows);
  if (!g->no_simplify) {
    double c;
    if (ir_is_const(a, &c)) return ir_const(g, c, s);
    if (a->op == IR_TRANSPOSE) return a->args[0];
    if (a->op == IR_OUTER) return ir_outer(g, a->args[1], a->args[0]);
    if (a->op == IR_BCAST_ROWS) return ir_bcast_cols(g, a->args[0], a->shape.rows);
    if (a->op == IR_BCAST_COLS) return ir_bcast_rows(g, a->args[0], a->shape.cols);
    if (a->op == IR_DIAGM) return a;
    if (known_symmetric(g, a, 0)) return a;
    if (a->op == IR_NEG) return ir_neg(g, ir_transpose(g, a->args[0]));
    if (a->op == IR_MUL && a->args[0]->shape.rank == 0)
      return ir_mul(g, a->args[0], ir_transpose(g, a->args[1]));
    /* (M * bcast_rows(s))' = M' * bcast_cols(s), so that v @ (M * bcast_rows(s)), a product
     * with the transpose, meets the rules of ir_matvec below */
    IrNode *m, *sv;
    if ((a->deps & VARYING) && (scaled_matrix(a, IR_BCAST_ROWS, &m, &sv) ||
                                scaled_matrix(a, IR_BCAST_COLS, &m, &sv)))
      return ir_mul(g, ir_transpose(g, m), ir_transpose(g, a->args[a->args[0] == m]));
  }
  return mk1(g, IR_TRANSPOSE, s, a);
}

IrNode *ir_matmul(IrGraph *g, IrNode *a, IrNode *b) {
  assert(a->shape.rank == 2 && b->shape.rank == 2 && a->shape.cols == b->shape.rows);
  Shape s = shape_matrix(a->shape.rows, b->shape.cols);
  if (!g->no_simplify) {
    if (ir_is_zero(a) || ir_is_zero(b)) return zeros(g, s);
    if (a->op == IR_NEG) return ir_neg(g, ir_matmul(g, a->args[0], b));
    if (b->op == IR_NEG) return ir_neg(g, ir_matmul(g, a, b->args[0]));
    if (a->op == IR_MUL && a->args[0]->shape.rank == 0)
      return ir_mul(g, a->args[0], ir_matmul(g, a->args[1], b));
    if (b->op == IR_MUL && b->args[0]->shape.rank == 0)
      return ir_mul(g, b->args[0], ir_matmul(g, a, b->args[1]));
    /* diag(u) @ M scales M's rows, M @ diag(v) its columns: O(n^2), where the dense n x n
     * diagonal matrix and its product cost O(n^3) (X @ diag(exp(lam)) was 46x slower than
     * X @ (exp(lam) * w), and a data-only A @ diag(s) took 3.3 s at n = 1000). A diagonal of
     * a constant is then a scalar factor: diag(fill(1, n)) @ M is M. */
    if (a->op == IR_DIAGM && b->op == IR_DIAGM)
      return ir_diagm(g, ir_mul(g, a->args[0], b->args[0]));
    if (a->op == IR_DIAGM) return ir_mul(g, ir_bcast_cols(g, a->args[0], s.cols), b);
    if (b->op == IR_DIAGM) return ir_mul(g, a, ir_bcast_rows(g, b->args[0], s.rows));
    /* A scaled matrix times a skinny one: the scaling moves to the smaller operand, so no
     * matrix-sized temporary is built per call (as ir_matvec, which see). */
    IrNode *m, *sv;
    if ((a->deps & VARYING) && s.cols <= s.rows && scaled_matrix(a, IR_BCAST_ROWS, &m, &sv))
      return ir_matmul(g, m, ir_mul(g, ir_bcast_cols(g, sv, s.cols), b));
    if ((a->deps & VARYING) && s.cols <= a->shape.cols && scaled_matrix(a, IR_BCAST_COLS, &m, &sv))
      return ir_mul(g, ir_bcast_cols(g, sv, s.cols), ir_matmul(g, m, b));
  }
  return mk2(g, IR_MATMUL, s, a, b);
}

bool ir_is_sparse_operand(const IrNode *n) {
  if (n->op == IR_GATHER) n = n->args[0];
  return n->op == IR_DATA && n->shape.sparse == 1;
}

/* A @ b or A' @ b: zeros through, scalar factors and negations of b out (as ir_matmul does),
 * so that derivatives stay the products the backends run. */
static IrNode *sparse_product(IrGraph *g, IrOp op, IrNode *a, IrNode *b) {
  assert(ir_is_sparse_operand(a) && b->shape.rank >= 1 && !b->shape.sparse);
  assert(b->shape.rows == (op == IR_SPMM ? a->shape.cols : a->shape.rows));
  int64_t m = op == IR_SPMM ? a->shape.rows : a->shape.cols;
  Shape s = b->shape.rank == 1 ? shape_vector(m) : shape_matrix(m, b->shape.cols);
  if (!g->no_simplify) {
    if (ir_is_zero(b)) return zeros(g, s);
    if (b->op == IR_NEG) return ir_neg(g, sparse_product(g, op, a, b->args[0]));
    if (b->op == IR_MUL && b->args[0]->shape.rank == 0)
      return ir_mul(g, b->args[0], sparse_product(g, op, a, b->args[1]));
  }
  return mk2(g, op, s, a, b);
}

IrNode *ir_spmm(IrGraph *g, IrNode *a, IrNode *b) { return sparse_product(g, IR_SPMM, a, b); }
IrNode *ir_spmtm(IrGraph *g, IrNode *a, IrNode *b) { return sparse_product(g, IR_SPMTM, a, b); }

IrNode *ir_matvec(IrGraph *g, IrNode *a, IrNode *v) {
  assert(a->shape.rank == 2 && v->shape.rank == 1 && a->shape.cols == v->shape.rows);
  Shape s = shape_vector(a->shape.rows);
  if (!g->no_simplify) {
    if (ir_is_zero(a) || ir_is_zero(v)) return zeros(g, s);
    if (a->op == IR_NEG) return ir_neg(g, ir_matvec(g, a->args[0], v));
    if (v->op == IR_NEG) return ir_neg(g, ir_matvec(g, a, v->args[0]));
    if (a->op == IR_MUL && a->args[0]->shape.rank == 0)
      return ir_mul(g, a->args[0], ir_matvec(g, a->args[1], v));
    if (v->op == IR_MUL && v->args[0]->shape.rank == 0)
      return ir_mul(g, v->args[0], ir_matvec(g, a, v->args[1]));
    if (a->op == IR_DIAGM) return ir_mul(g, a->args[0], v);
    if (a->op == IR_OUTER) /* (u w') v = u (w . v) */
      return ir_mul(g, ir_dot(g, a->args[1], v), a->args[0]);
    /* (M * bcast_rows(s)) @ v = M @ (s * v), (bcast_cols(s) * M) @ v = s * (M @ v) (rowwise
     * and colwise): with s changing per call the scaled matrix was rebuilt every call (1.9-2.9x
     * the product); this way M, usually data, is read as it is. A data-only scaled matrix is
     * computed once, before solving, and kept. */
    IrNode *m, *sv;
    if ((a->deps & VARYING) && scaled_matrix(a, IR_BCAST_ROWS, &m, &sv))
      return ir_matvec(g, m, ir_mul(g, sv, v));
    if ((a->deps & VARYING) && scaled_matrix(a, IR_BCAST_COLS, &m, &sv))
      return ir_mul(g, sv, ir_matvec(g, m, v));
  }
  return mk2(g, IR_MATVEC, s, a, v);
}

IrNode *ir_vecmat(IrGraph *g, IrNode *v, IrNode *a) { return ir_matvec(g, ir_transpose(g, a), v); }

IrNode *ir_outer(IrGraph *g, IrNode *u, IrNode *v) {
  assert(u->shape.rank == 1 && v->shape.rank == 1);
  Shape s = shape_matrix(u->shape.rows, v->shape.rows);
  if (!g->no_simplify) {
    if (ir_is_zero(u) || ir_is_zero(v)) return zeros(g, s);
    double c;
    if (ir_is_const(u, &c)) return ir_scale(g, c, ir_bcast_rows(g, v, u->shape.rows));
    if (ir_is_const(v, &c)) return ir_scale(g, c, ir_bcast_cols(g, u, v->shape.rows));
  }
  return mk2(g, IR_OUTER, s, u, v);
}

IrNode *ir_dot(IrGraph *g, IrNode *a, IrNode *b) { return ir_reduce(g, IR_SUM, ir_mul(g, a, b)); }

/* ------------------------------------------------------------------ structure */

IrNode *ir_bcast(IrGraph *g, IrNode *a, Shape s) {
  if (shape_eq(a->shape, s)) return a;
  assert(a->shape.rank == 0 && "only scalars broadcast");
  double c;
  if (!g->no_simplify && ir_is_const(a, &c)) return ir_const(g, c, s);
  return mk1(g, IR_BCAST, s, a);
}

IrNode *ir_bcast_rows(IrGraph *g, IrNode *v, int64_t m) {
  assert(v->shape.rank == 1);
  Shape s = shape_matrix(m, v->shape.rows);
  double c;
  if (!g->no_simplify && ir_is_const(v, &c)) return ir_const(g, c, s);
  return mk1(g, IR_BCAST_ROWS, s, v);
}

IrNode *ir_bcast_cols(IrGraph *g, IrNode *v, int64_t n) {
  assert(v->shape.rank == 1);
  Shape s = shape_matrix(v->shape.rows, n);
  double c;
  if (!g->no_simplify && ir_is_const(v, &c)) return ir_const(g, c, s);
  return mk1(g, IR_BCAST_COLS, s, v);
}

IrNode *ir_reshape(IrGraph *g, IrNode *a, Shape s) {
  assert(shape_size(a->shape) == shape_size(s));
  if (shape_eq(a->shape, s)) return a;
  if (!g->no_simplify) {
    double c;
    if (ir_is_const(a, &c)) return ir_const(g, c, s);
    if (a->op == IR_RESHAPE) return ir_reshape(g, a->args[0], s);
    /* reshape(c * reshape(u)) is c * u reshaped once (a scalar's slice of a vcat, scaled) */
    if (a->op == IR_MUL && a->args[0]->shape.rank == 0 && a->args[1]->op == IR_RESHAPE)
      return ir_mul(g, a->args[0], ir_reshape(g, a->args[1]->args[0], s));
  }
  return mk1(g, IR_RESHAPE, s, a);
}

IrNode *ir_slice(IrGraph *g, IrNode *a, int64_t r0, int64_t r1, int64_t c0, int64_t c1) {
  assert(a->shape.rank >= 1 && r0 >= 0 && r0 < r1 && r1 <= a->shape.rows);
  assert(c0 >= 0 && c0 < c1 && c1 <= a->shape.cols);
  Shape s = a->shape.rank == 1 ? shape_vector(r1 - r0) : shape_matrix(r1 - r0, c1 - c0);
  if (r0 == 0 && r1 == a->shape.rows && c0 == 0 && c1 == a->shape.cols) return a;
  if (!g->no_simplify) {
    double c;
    if (ir_is_const(a, &c)) return ir_const(g, c, s);
    if (a->op == IR_PAD) {
      const IrNode *in = a->args[0];
      int64_t pr0 = a->attr[0], pc0 = a->attr[2];
      int64_t pr1 = pr0 + in->shape.rows, pc1 = pc0 + in->shape.cols;
      if (r1 <= pr0 || r0 >= pr1 || c1 <= pc0 || c0 >= pc1) return zeros(g, s);
      if (r0 >= pr0 && r1 <= pr1 && c0 >= pc0 && c1 <= pc1)
        return ir_slice(g, a->args[0], r0 - pr0, r1 - pr0, c0 - pc0, c1 - pc0);
    }
    if (a->op == IR_SLICE)
      return ir_slice(g, a->args[0], a->attr[0] + r0, a->attr[0] + r1, a->attr[2] + c0,
                      a->attr[2] + c1);
    /* a block of outer(u, v) is the outer product of u's and v's pieces (the adjoint of the
     * stacked vcat(W, S) @ y, read back as W's rows) */
    if (a->op == IR_OUTER)
      return ir_outer(g, ir_slice(g, a->args[0], r0, r1, 0, 1),
                      ir_slice(g, a->args[1], c0, c1, 0, 1));
    /* through a scalar factor, when the piece is simpler than a slice (the adjoint of
     * sumsq(vcat(...)) is 2 * vcat(...), read back as twice each part) */
    if (a->op == IR_MUL && a->args[0]->shape.rank == 0) {
      IrNode *part = ir_slice(g, a->args[1], r0, r1, c0, c1);
      if (part->op != IR_SLICE || part->args[0] != a->args[1]) return ir_mul(g, a->args[0], part);
    }
    /* a slice within one part of a concatenation is a slice of that part: the adjoint of
     * vcat(y, D - sum(y)) is read back as y's and the scalar's slices, not through the join */
    if (a->op == IR_CAT || a->op == IR_VCAT || a->op == IR_HCAT) {
      bool cols = a->op == IR_HCAT;
      int64_t lo = cols ? c0 : r0, hi = cols ? c1 : r1, at = 0;
      for (int i = 0; i < a->nargs; i++) {
        IrNode *p = a->args[i];
        int64_t w = a->op == IR_CAT    ? shape_size(p->shape)
                    : a->op == IR_VCAT ? p->shape.rows
                                       : (p->shape.rank == 2 ? p->shape.cols : 1);
        if (lo >= at && hi <= at + w) {
          if (a->op == IR_CAT)
            return ir_slice(g, ir_reshape(g, p, shape_vector(w)), r0 - at, r1 - at, 0, 1);
          if (a->op == IR_VCAT) return ir_slice(g, p, r0 - at, r1 - at, c0, c1);
          return ir_slice(g, ir_reshape(g, p, shape_matrix(p->shape.rows, w)), r0, r1, c0 - at,
                          c1 - at);
        }
        at += w;
      }
    }
  }
  return mk_attr(g, IR_SLICE, s, a, (const int64_t[4]){r0, r1, c0, c1});
}

IrNode *ir_pad(IrGraph *g, IrNode *a, Shape s, int64_t r0, int64_t c0) {
  assert(a->shape.rank == s.rank && r0 + a->shape.rows <= s.rows && c0 + a->shape.cols <= s.cols);
  if (shape_eq(a->shape, s)) return a;
  if (!g->no_simplify && ir_is_zero(a)) return zeros(g, s);
  return mk_attr(g, IR_PAD, s, a, (const int64_t[4]){r0, 0, c0, 0});
}

/* The sampled rows of a row-aligned operation, computed on those rows only: row i of the
 * result reads row i of each operand (elementwise ops, broadcasts, row reductions, the left
 * factor of a product), so gather(op(a, b)) = op(gather(a), gather(b)), and gather(A @ b) =
 * gather(A) @ b. (X @ w - t)[B] then costs a K-row product per call instead of a whole n-row
 * one, and its derivative X[B, :]' @ r instead of X' @ scatter(r): 17-34x per step at
 * n = 20000, K = 200. Only values that change per call (upper, lower, direction): a data-only
 * one is computed once, before solving (kern_hoist), and its gather is a cheap read; nor
 * through a transposed left factor, whose rows are columns (no column gather). NULL: keep the
 * gather as it is. */
static IrNode *gather_through(IrGraph *g, IrNode *a, IrNode *idx) {
  if (!(a->deps & (IR_DEP_X | IR_DEP_Y | IR_DEP_V))) return NULL;
  int64_t k = idx->shape.rows;
  IrNode *const *x = a->args;
  switch (ir_ops[a->op].cls) {
  case IRC_EW1:
    if (a->op == IR_POWC) return ir_powc(g, ir_gather(g, x[0], idx), a->num);
    return ir_unary(g, (IrOp)a->op, ir_gather(g, x[0], idx));
  case IRC_EW2: { /* a scalar operand broadcasts to the sampled rows as it did to all */
    IrNode *l = x[0]->shape.rank ? ir_gather(g, x[0], idx) : x[0];
    IrNode *r = x[1]->shape.rank ? ir_gather(g, x[1], idx) : x[1];
    return ir_binary(g, (IrOp)a->op, l, r);
  }
  case IRC_EW3: {
    IrNode *p[3];
    for (int i = 0; i < 3; i++) p[i] = x[i]->shape.rank ? ir_gather(g, x[i], idx) : x[i];
    return ir_where(g, p[0], p[1], p[2]);
  }
  case IRC_LEAF: case IRC_REDUCE: case IRC_LINALG: case IRC_STRUCT: case IRC_GEN:
    break;
  }
  switch ((IrOp)a->op) {
  case IR_SUM_ROWS: case IR_LSE_ROWS: case IR_ARGMAX_ROWS:
    return ir_reduce(g, (IrOp)a->op, ir_gather(g, x[0], idx));
  case IR_MATVEC:
    if (x[0]->op == IR_TRANSPOSE) return NULL;
    return ir_matvec(g, ir_gather(g, x[0], idx), x[1]);
  case IR_MATMUL:
    if (x[0]->op == IR_TRANSPOSE) return NULL;
    return ir_matmul(g, ir_gather(g, x[0], idx), x[1]);
  case IR_SPMM: /* of sparse data: its sampled rows are a sparse operand too */
    return x[0]->op == IR_DATA ? ir_spmm(g, ir_gather(g, x[0], idx), x[1]) : NULL;
  case IR_OUTER: return ir_outer(g, ir_gather(g, x[0], idx), x[1]);
  case IR_BCAST:
    return ir_bcast(g, x[0], a->shape.rank == 1 ? shape_vector(k) : shape_matrix(k, a->shape.cols));
  case IR_BCAST_ROWS: return ir_bcast_rows(g, x[0], k);
  case IR_BCAST_COLS: return ir_bcast_cols(g, ir_gather(g, x[0], idx), a->shape.cols);
  default:
    return NULL;
  }
}

IrNode *ir_gather(IrGraph *g, IrNode *a, IrNode *idx) {
  assert(idx->op == IR_SAMPLE && a->shape.rank >= 1);
  Shape s = a->shape.rank == 1 ? shape_vector(idx->shape.rows)
                               : shape_matrix(idx->shape.rows, a->shape.cols);
  s.sparse = a->shape.sparse; /* a sparse matrix's sampled rows stay sparse */
  if (!g->no_simplify) {
    double c;
    if (ir_is_const(a, &c)) return ir_const(g, c, s);
    IrNode *r = gather_through(g, a, idx);
    if (r) return r;
  }
  return mk2(g, IR_GATHER, s, a, idx);
}

IrNode *ir_gather_shard(IrGraph *g, IrNode *a, IrNode *idx, int64_t r0) {
  assert(idx->op == IR_SAMPLE && a->shape.rank >= 1);
  Shape s = a->shape.rank == 1 ? shape_vector(idx->shape.rows)
                               : shape_matrix(idx->shape.rows, a->shape.cols);
  s.sparse = a->shape.sparse; /* a sparse operand of IR_SPMM, IR_SPMTM, as ir_gather's */
  IrNode *args[2] = {a, idx};
  return ir_node(g, IR_GATHER, s, args, 2, 0, 0, (const int64_t[4]){r0, 1, 0, 0}, NULL);
}

IrNode *ir_scatter(IrGraph *g, IrNode *a, IrNode *idx, Shape s) {
  assert(idx->op == IR_SAMPLE && a->shape.rows == idx->shape.rows);
  if (!g->no_simplify && ir_is_zero(a)) return zeros(g, s);
  return mk2(g, IR_SCATTER, s, a, idx);
}

IrNode *ir_diagm(IrGraph *g, IrNode *v) {
  assert(v->shape.rank == 1);
  Shape s = shape_matrix(v->shape.rows, v->shape.rows);
  if (!g->no_simplify && ir_is_zero(v)) return zeros(g, s);
  return mk1(g, IR_DIAGM, s, v);
}

IrNode *ir_diagv(IrGraph *g, IrNode *a) {
  assert(a->shape.rank == 2 && a->shape.rows == a->shape.cols);
  Shape s = shape_vector(a->shape.rows);
  if (!g->no_simplify) {
    double c;
    if (ir_is_const(a, &c)) return ir_const(g, c, s);
    if (a->op == IR_DIAGM) return a->args[0];
    if (a->op == IR_TRANSPOSE) return ir_diagv(g, a->args[0]);
    if (a->op == IR_OUTER) return ir_mul(g, a->args[0], a->args[1]);
    /* diag(A @ B)[i] = sum_j A[i, j] B[j, i]: O(n^2) elementwise, where the product is O(n^3);
     * trace(A @ outer(y, y)) was 100-200x 0.5 * dot(y, A @ y), and its derivative built
     * A @ diag(fill(1, n)). */
    if (a->op == IR_MATMUL)
      return ir_reduce(g, IR_SUM_ROWS, ir_mul(g, a->args[0], ir_transpose(g, a->args[1])));
  }
  return mk1(g, IR_DIAGV, s, a);
}

IrNode *ir_cat(IrGraph *g, IrOp op, IrNode *const *args, int n) {
  assert(n >= 1);
  Shape s;
  if (op == IR_CAT) {
    int64_t len = 0;
    for (int i = 0; i < n; i++) len += shape_size(args[i]->shape);
    s = shape_vector(len);
  } else if (op == IR_HCAT) {
    int64_t cols = 0;
    for (int i = 0; i < n; i++) {
      assert(args[i]->shape.rows == args[0]->shape.rows);
      cols += args[i]->shape.rank == 2 ? args[i]->shape.cols : 1;
    }
    s = shape_matrix(args[0]->shape.rows, cols);
  } else {
    assert(op == IR_VCAT);
    int64_t rows = 0;
    for (int i = 0; i < n; i++) {
      assert(args[i]->shape.cols == args[0]->shape.cols);
      rows += args[i]->shape.rows;
    }
    s = shape_matrix(rows, args[0]->shape.cols);
  }
  if (n == 1 && !g->no_simplify) return ir_reshape(g, args[0], s);
  return mk(g, op, s, args, n);
}

IrNode *ir_onehot(IrGraph *g, IrNode *labels, int64_t k) {
  assert(labels->shape.rank == 1 && k >= 1);
  return mk1(g, IR_ONEHOT, shape_matrix(labels->shape.rows, k), labels);
}

/* ------------------------------------------------------------------ data stage */

static IrNode *with_span(IrNode *n, Span span) {
  if (n->span.file == SPAN_NO_FILE) n->span = span;
  return n;
}

IrNode *ir_load(IrGraph *g, IrLoadFormat fmt, const char *path, Shape s, int64_t blocks,
                Span span) {
  int64_t at[4] = {fmt, blocks, 0, 0};
  return with_span(ir_node(g, IR_LOAD, s, NULL, 0, 0, 0, at, path), span);
}

IrNode *ir_rand(IrGraph *g, IrRandKind kind, double p0, double p1, const char *stream, Shape s,
                Span span) {
  int64_t at[4] = {kind, 0, 0, 0};
  return with_span(ir_node(g, IR_RAND, s, NULL, 0, p0, p1, at, stream), span);
}

IrNode *ir_dense(IrGraph *g, IrNode *a) {
  assert(a->op == IR_DATA && a->shape.sparse == 1);
  return mk1(g, IR_DENSE, shape_matrix(a->shape.rows, a->shape.cols), a);
}

IrNode *ir_sparse_coo(IrGraph *g, IrNode *rows, IrNode *cols, IrNode *vals, Shape s,
                      Span span) {
  assert(s.sparse == 1 && rows->shape.rank == 1 && shape_eq(rows->shape, cols->shape) &&
         shape_eq(rows->shape, vals->shape));
  IrNode *a[3] = {rows, cols, vals};
  return with_span(ir_node(g, IR_SPARSE_COO, s, a, 3, 0, 0, NULL, NULL), span);
}

/* Never folded, even of a constant a: every index must still be checked. */
IrNode *ir_take(IrGraph *g, IrNode *a, IrNode *idx, int axis, Span span) {
  assert(idx->shape.rank == 1 && a->shape.rank >= 1 && !a->shape.sparse);
  assert(axis == 0 || (axis == 1 && a->shape.rank == 2));
  int64_t k = idx->shape.rows;
  Shape s = a->shape.rank == 1 ? shape_vector(k)
            : axis == 0        ? shape_matrix(k, a->shape.cols)
                               : shape_matrix(a->shape.rows, k);
  IrNode *args[2] = {a, idx};
  int64_t at[4] = {axis, 0, 0, 0};
  return with_span(ir_node(g, IR_TAKE, s, args, 2, 0, 0, at, NULL), span);
}

IrNode *ir_perm(IrGraph *g, int64_t n, const char *stream, Span span) {
  return with_span(ir_node(g, IR_PERM, shape_vector(n), NULL, 0, 0, 0, NULL, stream), span);
}

IrNode *ir_arange(IrGraph *g, int64_t n, Span span) {
  return with_span(ir_node(g, IR_ARANGE, shape_vector(n), NULL, 0, 0, 0, NULL, NULL), span);
}

IrNode *ir_random_spd(IrGraph *g, int64_t n, double lo, double hi, const char *stream, Span span) {
  return with_span(ir_node(g, IR_RANDOM_SPD, shape_matrix(n, n), NULL, 0, lo, hi, NULL, stream),
                   span);
}

/* ------------------------------------------------------------------ traversal */

static uint32_t idmap_home(const IrIdMap *m, uint32_t id) {
  return (id * 2654435761u) & m->mask; /* ids are dense: a multiplicative hash spreads them */
}

void ir_idmap_init(IrIdMap *m, size_t expect) {
  size_t cap = 16;
  while (cap < 2 * expect) cap *= 2;
  m->key = xcalloc(cap, sizeof(uint32_t));
  m->val = xrealloc(NULL, cap, sizeof(uint32_t));
  m->mask = (uint32_t)(cap - 1);
  m->count = 0;
}

void ir_idmap_free(IrIdMap *m) {
  free(m->key);
  free(m->val);
  m->key = m->val = NULL;
}

static uint32_t idmap_find(const IrIdMap *m, uint32_t id) {
  uint32_t i = idmap_home(m, id);
  while (m->key[i] && m->key[i] != id + 1) i = (i + 1) & m->mask;
  return i;
}

uint32_t *ir_idmap_put(IrIdMap *m, uint32_t id, uint32_t value, bool *added) {
  if (2 * ((size_t)m->count + 1) > (size_t)m->mask + 1) { /* keep it at most half full */
    IrIdMap big;
    ir_idmap_init(&big, 2 * ((size_t)m->mask + 1));
    for (uint32_t i = 0; i <= m->mask; i++)
      if (m->key[i]) {
        uint32_t j = idmap_find(&big, m->key[i] - 1);
        big.key[j] = m->key[i];
        big.val[j] = m->val[i];
      }
    big.count = m->count;
    ir_idmap_free(m);
    *m = big;
  }
  uint32_t i = idmap_find(m, id);
  *added = m->key[i] == 0;
  if (*added) {
    m->key[i] = id + 1;
    m->val[i] = value;
    m->count++;
  }
  return &m->val[i];
}

uint32_t ir_idmap_get(const IrIdMap *m, uint32_t id) {
  uint32_t i = idmap_find(m, id);
  assert(m->key[i] == id + 1);
  return m->val[i];
}

size_t ir_topo_map(IrGraph *g, IrNode *const *roots, size_t nroots, IrNode ***out, IrIdMap *pos) {
  enum { ON_STACK = UINT32_MAX }; /* else a node's value is its position: it is done */
  ir_idmap_init(pos, 64);
  /* built in growing scratch, then copied to the arena at its size: the data stage calls this
   * once per declaration, and a whole graph's worth of arena each time grew as
   * declarations^2 */
  IrNode **order = NULL, **stack = NULL;
  uint32_t *next = NULL;
  size_t n = 0, cap_order = 0, cap_stack = 0;
  bool added;
  for (size_t r = 0; r < nroots; r++) {
    if (!roots[r]) continue;
    ir_idmap_put(pos, roots[r]->id, ON_STACK, &added);
    if (!added) continue;
    size_t sp = 0;
    IrNode *push = roots[r];
    while (push || sp) {
      if (push) { /* stack[sp] = push with its next operand 0; next grows with stack */
        size_t cap = cap_stack;
        VEC_GROW(stack, sp, cap_stack);
        if (cap_stack != cap) next = xrealloc(next, cap_stack, sizeof *next);
        stack[sp] = push;
        next[sp++] = 0;
        push = NULL;
      }
      IrNode *top = stack[sp - 1];
      if (next[sp - 1] < (uint32_t)top->nargs) {
        IrNode *a = top->args[next[sp - 1]++];
        ir_idmap_put(pos, a->id, ON_STACK, &added);
        if (added) push = a;
      } else {
        *ir_idmap_put(pos, top->id, 0, &added) = (uint32_t)n;
        VEC_GROW(order, n, cap_order);
        order[n++] = top;
        sp--;
      }
    }
  }
  free(stack);
  free(next);
  *out = arena_calloc(g->arena, n ? n : 1, sizeof(IrNode *));
  if (n) memcpy(*out, order, n * sizeof(IrNode *));
  free(order);
  return n;
}

size_t ir_topo(IrGraph *g, IrNode *const *roots, size_t nroots, IrNode ***out) {
  IrIdMap pos;
  size_t n = ir_topo_map(g, roots, nroots, out, &pos);
  ir_idmap_free(&pos);
  return n;
}

uint32_t *ir_use_counts(IrGraph *g, IrNode *const *roots, size_t nroots) {
  IrNode **order;
  size_t n = ir_topo(g, roots, nroots, &order);
  uint32_t *uses = arena_calloc(g->arena, g->count ? g->count : 1, sizeof(uint32_t));
  for (size_t i = 0; i < n; i++)
    for (int j = 0; j < order[i]->nargs; j++) uses[order[i]->args[j]->id]++;
  for (size_t r = 0; r < nroots; r++)
    if (roots[r]) uses[roots[r]->id]++;
  return uses;
}

static double node_flops(const IrNode *n) {
  double size = (double)shape_size(n->shape);
  switch (ir_ops[n->op].cls) {
  case IRC_LEAF:
  case IRC_GEN:
    return 0;
  case IRC_EW1:
    return n->op == IR_NEG
               ? size
               : size * (n->op == IR_ABS || n->op == IR_RELU || n->op == IR_SIGN || n->op == IR_STEP
                             ? 1
                             : 4);
  case IRC_EW2:
  case IRC_EW3:
    return size;
  case IRC_REDUCE: {
    double in = (double)shape_size(n->args[0]->shape);
    return n->op == IR_LSE || n->op == IR_LSE_ROWS ? 6 * in : in;
  }
  case IRC_LINALG:
    if (n->op == IR_MATMUL)
      return 2.0 * (double)n->args[0]->shape.rows * (double)n->args[0]->shape.cols *
             (double)n->args[1]->shape.cols;
    if (n->op == IR_MATVEC) return 2.0 * (double)shape_size(n->args[0]->shape);
    if (n->op == IR_OUTER) return size;
    if (n->op == IR_SPMM || n->op == IR_SPMTM) /* no nnz at compile time: 1% of the entries */
      return 0.02 * (double)n->args[0]->shape.rows * (double)n->args[0]->shape.cols *
             (double)(n->shape.rank == 2 ? n->shape.cols : 1);
    return 0;
  case IRC_STRUCT:
    return n->op == IR_SCATTER ? (double)shape_size(n->args[0]->shape) : 0;
  }
  return 0;
}

double ir_flops(IrGraph *g, IrNode *const *roots, size_t nroots) {
  IrNode **order;
  size_t n = ir_topo(g, roots, nroots, &order);
  double total = 0;
  for (size_t i = 0; i < n; i++) total += node_flops(order[i]);
  return total;
}

size_t ir_count_ops(IrGraph *g, IrNode *const *roots, size_t nroots) {
  IrNode **order;
  size_t n = ir_topo(g, roots, nroots, &order);
  size_t count = 0;
  for (size_t i = 0; i < n; i++)
    if (ir_ops[order[i]->op].cls != IRC_LEAF) count++;
  return count;
}
