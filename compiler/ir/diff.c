/* diff.c — reverse- and forward-mode rules for every differentiable op of ir_ops.def.
 * Rules build IR through the simplifying constructors, so zero terms vanish as they are made
 * and repeated subterms are shared. A missing (NULL) adjoint or tangent means zero. */
#include "ir/diff.h"

#include <assert.h>
#include <stdlib.h>

static IrNode *zero_of(IrGraph *g, const IrNode *n) { return ir_const(g, 0, n->shape); }
static IrNode *or_zero(IrGraph *g, IrNode *t, const IrNode *like) {
  return t ? t : zero_of(g, like);
}

/* Contribution c to an operand of shape s: sum it when the operand was broadcast. */
static IrNode *unbroadcast(IrGraph *g, IrNode *c, Shape s) {
  if (s.rank == 0 && c->shape.rank != 0) return ir_reduce(g, IR_SUM, c);
  return c;
}

static IrNode *accumulate(IrGraph *g, IrNode *acc, IrNode *c) {
  if (!c || ir_is_zero(c)) return acc;
  return acc ? ir_add(g, acc, c) : c;
}

/* d(n)/d(arg) as an elementwise factor, for elementwise unary ops: n = op(x). */
static IrNode *ew1_factor(IrGraph *g, IrNode *n) {
  IrNode *x = n->args[0];
  switch ((IrOp)n->op) {
  case IR_NEG: return ir_scalar(g, -1);
  case IR_EXP: return n;
  case IR_LOG: return ir_div(g, ir_scalar(g, 1), x);
  case IR_LOG1P: return ir_div(g, ir_scalar(g, 1), ir_add(g, ir_scalar(g, 1), x));
  case IR_SQRT: return ir_div(g, ir_scalar(g, 0.5), n);
  case IR_SIN: return ir_unary(g, IR_COS, x);
  case IR_COS: return ir_neg(g, ir_unary(g, IR_SIN, x));
  /* 1 + tan^2 from the value itself, as tanh's 1 - tanh^2 (1 / cos^2 would call cos) */
  case IR_TAN: return ir_add(g, ir_scalar(g, 1), ir_mul(g, n, n));
  case IR_TANH: return ir_sub(g, ir_scalar(g, 1), ir_mul(g, n, n));
  /* -+1 / sqrt(1 - x^2) (infinite at x = +-1), 1 / (1 + x^2), 2/sqrt(pi) exp(-x^2) */
  case IR_ACOS:
  case IR_ASIN: {
    IrNode *r = ir_div(g, ir_scalar(g, 1),
                       ir_unary(g, IR_SQRT, ir_sub(g, ir_scalar(g, 1), ir_mul(g, x, x))));
    return n->op == IR_ACOS ? ir_neg(g, r) : r;
  }
  case IR_ATAN: return ir_div(g, ir_scalar(g, 1), ir_add(g, ir_scalar(g, 1), ir_mul(g, x, x)));
  case IR_ERF:
    return ir_scale(g, 1.1283791670955126, ir_unary(g, IR_EXP, ir_neg(g, ir_mul(g, x, x))));
  case IR_SIGMOID: return ir_mul(g, n, ir_sub(g, ir_scalar(g, 1), n));
  case IR_SOFTPLUS: return ir_unary(g, IR_SIGMOID, x);
  case IR_LOG_SIGMOID: return ir_unary(g, IR_SIGMOID, ir_neg(g, x));
  case IR_ABS: return ir_unary(g, IR_SIGN, x);
  case IR_RELU: return ir_unary(g, IR_STEP, x);
  case IR_POWC: return ir_scale(g, n->num, ir_powc(g, x, n->num - 1));
  case IR_SIGN: case IR_STEP: case IR_FLOOR: case IR_ROUND: /* IRF_ZERO_D: never asked */
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
  assert(!"no elementwise derivative");
  return NULL;
}

/* For n = max(a, b) or min(a, b): 1 where the value is a (a >= b, resp. a <= b; ties go to a,
 * as rt_op_max/rt_op_min), else 0. The subgradient convention, shared by every backend since
 * it is IR: clip(x, lo, hi) = min(max(x, lo), hi) passes dx on the closed [lo, hi]. */
static IrNode *minmax_first(IrGraph *g, IrNode *n) {
  return ir_binary(g, n->op == IR_MAX ? IR_GE : IR_LE, n->args[0], n->args[1]);
}

/* Softmax-like weights exp(x - lse) for IR_LSE (scalar n) and IR_LSE_ROWS (vector n). */
static IrNode *lse_weights(IrGraph *g, IrNode *n) {
  IrNode *x = n->args[0];
  IrNode *shift = n->op == IR_LSE ? n : ir_bcast_cols(g, n, x->shape.cols);
  return ir_unary(g, IR_EXP, ir_sub(g, x, shift));
}

/* ------------------------------------------------------------------ reverse mode */

/* Contribution of adjoint a (of node n) to operand i. */
static IrNode *vjp_rule(IrGraph *g, IrNode *n, int i, IrNode *a) {
  IrNode *const *x = n->args;
  Shape si = x[i]->shape;
  if (ir_ops[n->op].flags & IRF_ZERO_D) return NULL;
  switch (ir_ops[n->op].cls) {
  case IRC_EW1:
    return n->op == IR_NEG ? ir_neg(g, a) : ir_mul(g, a, ew1_factor(g, n));
  case IRC_EW2:
    switch ((IrOp)n->op) {
    case IR_ADD: return unbroadcast(g, a, si);
    case IR_SUB: return unbroadcast(g, i == 0 ? a : ir_neg(g, a), si);
    case IR_MUL: return unbroadcast(g, ir_mul(g, a, x[1 - i]), si);
    case IR_DIV:
      if (i == 0) return unbroadcast(g, ir_div(g, a, x[1]), si);
      return unbroadcast(g, ir_neg(g, ir_div(g, ir_mul(g, a, n), x[1])), si);
    case IR_MAX: case IR_MIN: { /* the adjoint goes to the side returned (a at a tie) */
      IrNode *first = minmax_first(g, n), *z = zero_of(g, n);
      return unbroadcast(g, i == 0 ? ir_where(g, first, a, z) : ir_where(g, first, z, a), si);
    }
    case IR_MOD: case IR_LT: case IR_LE: case IR_GT: case IR_GE: case IR_EQ: case IR_NE:
#define IRC_CASE_IRC_LEAF(id) case id:
#define IRC_CASE_IRC_EW1(id) case id:
#define IRC_CASE_IRC_EW3(id) case id:
#define IRC_CASE_IRC_REDUCE(id) case id:
#define IRC_CASE_IRC_LINALG(id) case id:
#define IRC_CASE_IRC_STRUCT(id) case id:
#define IRC_CASE_IRC_GEN(id) case id:
#include "ir/ir_class_cases.h"
    case IR_OP_COUNT:
      break; /* IRF_ZERO_D (returned above) or not this class */
    }
    return NULL;
  case IRC_EW3: /* where(mask, p, q) */
    if (i == 0) return NULL;
    return unbroadcast(
        g, i == 1 ? ir_where(g, x[0], a, zero_of(g, n)) : ir_where(g, x[0], zero_of(g, n), a), si);
  case IRC_LEAF: case IRC_REDUCE: case IRC_LINALG: case IRC_STRUCT: case IRC_GEN:
    break;
  }
  switch ((IrOp)n->op) {
  case IR_SUM: return ir_bcast(g, a, si);
  case IR_SUM_ROWS: return ir_bcast_cols(g, a, si.cols);
  case IR_SUM_COLS: return ir_bcast_rows(g, a, si.rows);
  case IR_LSE: return ir_mul(g, a, lse_weights(g, n));
  case IR_LSE_ROWS: return ir_mul(g, ir_bcast_cols(g, a, si.cols), lse_weights(g, n));
  case IR_MATMUL:
    return i == 0 ? ir_matmul(g, a, ir_transpose(g, x[1])) : ir_matmul(g, ir_transpose(g, x[0]), a);
  case IR_MATVEC:
    return i == 0 ? ir_outer(g, a, x[1]) : ir_vecmat(g, a, x[0]);
  /* the sparse operand is data: only b has an adjoint, and it is a sparse product again */
  case IR_SPMM: return i == 1 ? ir_spmtm(g, x[0], a) : NULL;
  case IR_SPMTM: return i == 1 ? ir_spmm(g, x[0], a) : NULL;
  case IR_OUTER:
    return i == 0 ? ir_matvec(g, a, x[1]) : ir_vecmat(g, x[0], a);
  case IR_TRANSPOSE: return ir_transpose(g, a);
  case IR_BCAST: return ir_reduce(g, IR_SUM, a);
  case IR_BCAST_ROWS: return ir_reduce(g, IR_SUM_COLS, a);
  case IR_BCAST_COLS: return ir_reduce(g, IR_SUM_ROWS, a);
  case IR_RESHAPE: return ir_reshape(g, a, si);
  case IR_SLICE: return ir_pad(g, a, si, n->attr[0], n->attr[2]);
  case IR_PAD:
    return ir_slice(g, a, n->attr[0], n->attr[0] + si.rows, n->attr[2], n->attr[2] + si.cols);
  case IR_GATHER: return i == 0 ? ir_scatter(g, a, x[1], si) : NULL;
  case IR_SCATTER: return i == 0 ? ir_gather(g, a, x[1]) : NULL;
  case IR_DIAGM: return ir_diagv(g, a);
  case IR_DIAGV: return ir_diagm(g, a);
  case IR_CAT: {
    int64_t off = 0;
    for (int k = 0; k < i; k++) off += shape_size(x[k]->shape);
    return ir_reshape(g, ir_slice(g, a, off, off + shape_size(si), 0, 1), si);
  }
  case IR_HCAT: {
    int64_t off = 0;
    for (int k = 0; k < i; k++) off += x[k]->shape.rank == 2 ? x[k]->shape.cols : 1;
    int64_t w = si.rank == 2 ? si.cols : 1;
    return ir_reshape(g, ir_slice(g, a, 0, si.rows, off, off + w), si);
  }
  case IR_VCAT: {
    int64_t off = 0;
    for (int k = 0; k < i; k++) off += x[k]->shape.rows;
    return ir_slice(g, a, off, off + si.rows, 0, si.cols);
  }
  case IR_ARGMAX_ROWS: case IR_ONEHOT: /* IRF_ZERO_D: returned above */
#define IRC_CASE_IRC_LEAF(id) case id:
#define IRC_CASE_IRC_EW1(id) case id:
#define IRC_CASE_IRC_EW2(id) case id:
#define IRC_CASE_IRC_EW3(id) case id:
#define IRC_CASE_IRC_GEN(id) case id:
#include "ir/ir_class_cases.h"
  case IR_OP_COUNT:
    break;
  }
  assert(!"vjp: op has no reverse rule");
  return NULL;
}

void diff_vjp(IrGraph *g, IrNode *const *roots, IrNode *const *cots, size_t nroots,
              unsigned wrt_mask, IrNode *const *leaves, size_t nleaves, IrNode **adj_out) {
  IrNode **order;
  size_t n = ir_topo(g, roots, nroots, &order);
  uint32_t count = g->count; /* nodes made below are never looked up by id here */
  IrNode **adj = calloc(count + 1, sizeof(IrNode *));
  if (!adj) abort();
  for (size_t r = 0; r < nroots; r++)
    if (roots[r] && cots[r] && ir_depends(roots[r], wrt_mask))
      adj[roots[r]->id] = accumulate(g, adj[roots[r]->id], cots[r]);
  for (size_t k = n; k-- > 0;) {
    IrNode *node = order[k];
    IrNode *a = adj[node->id];
    if (!a || ir_ops[node->op].cls == IRC_LEAF) continue;
    for (int i = 0; i < node->nargs; i++) {
      IrNode *arg = node->args[i];
      if (!ir_depends(arg, wrt_mask)) continue;
      IrNode *c = vjp_rule(g, node, i, a);
      if (c) {
        assert(shape_eq(c->shape, arg->shape));
        adj[arg->id] = accumulate(g, adj[arg->id], c);
      }
    }
  }
  for (size_t j = 0; j < nleaves; j++) {
    IrNode *a = leaves[j]->id < count ? adj[leaves[j]->id] : NULL;
    adj_out[j] = a ? a : zero_of(g, leaves[j]);
  }
  free(adj);
}

/* ------------------------------------------------------------------ forward mode */

static IrNode *jvp_rule(IrGraph *g, IrNode *n, IrNode *const *dt) {
  IrNode *const *x = n->args;
  if (ir_ops[n->op].flags & IRF_ZERO_D) return NULL;
  switch (ir_ops[n->op].cls) {
  case IRC_EW1:
    return n->op == IR_NEG ? ir_neg(g, dt[0]) : ir_mul(g, ew1_factor(g, n), dt[0]);
  case IRC_EW2: {
    IrNode *r = NULL;
    switch ((IrOp)n->op) {
    case IR_ADD: r = accumulate(g, dt[0], dt[1]); break;
    case IR_SUB: r = accumulate(g, dt[0], dt[1] ? ir_neg(g, dt[1]) : NULL); break;
    case IR_MUL:
      r = accumulate(g, dt[0] ? ir_mul(g, dt[0], x[1]) : NULL,
                     dt[1] ? ir_mul(g, x[0], dt[1]) : NULL);
      break;
    case IR_DIV: /* (dx - n db) / b */
      r = accumulate(g, dt[0], dt[1] ? ir_neg(g, ir_mul(g, n, dt[1])) : NULL);
      r = r ? ir_div(g, r, x[1]) : NULL;
      break;
    case IR_MAX: case IR_MIN:
      r = ir_where(g, minmax_first(g, n), or_zero(g, dt[0], x[0]), or_zero(g, dt[1], x[1]));
      break;
    case IR_MOD: case IR_LT: case IR_LE: case IR_GT: case IR_GE: case IR_EQ: case IR_NE:
#define IRC_CASE_IRC_LEAF(id) case id:
#define IRC_CASE_IRC_EW1(id) case id:
#define IRC_CASE_IRC_EW3(id) case id:
#define IRC_CASE_IRC_REDUCE(id) case id:
#define IRC_CASE_IRC_LINALG(id) case id:
#define IRC_CASE_IRC_STRUCT(id) case id:
#define IRC_CASE_IRC_GEN(id) case id:
#include "ir/ir_class_cases.h"
    case IR_OP_COUNT:
      return NULL; /* IRF_ZERO_D (returned above) or not this class */
    }
    return r ? ir_bcast(g, r, n->shape) : NULL;
  }
  case IRC_EW3:
    if (!dt[1] && !dt[2]) return NULL;
    return ir_where(g, x[0], or_zero(g, dt[1], n), or_zero(g, dt[2], n));
  case IRC_LEAF: case IRC_REDUCE: case IRC_LINALG: case IRC_STRUCT: case IRC_GEN:
    break;
  }
  switch ((IrOp)n->op) {
  case IR_SUM: case IR_SUM_ROWS: case IR_SUM_COLS:
    return ir_reduce(g, (IrOp)n->op, dt[0]);
  case IR_LSE: return ir_reduce(g, IR_SUM, ir_mul(g, lse_weights(g, n), dt[0]));
  case IR_LSE_ROWS: return ir_reduce(g, IR_SUM_ROWS, ir_mul(g, lse_weights(g, n), dt[0]));
  case IR_MATMUL:
    return accumulate(g, dt[0] ? ir_matmul(g, dt[0], x[1]) : NULL,
                      dt[1] ? ir_matmul(g, x[0], dt[1]) : NULL);
  case IR_MATVEC:
    return accumulate(g, dt[0] ? ir_matvec(g, dt[0], x[1]) : NULL,
                      dt[1] ? ir_matvec(g, x[0], dt[1]) : NULL);
  case IR_OUTER:
    return accumulate(g, dt[0] ? ir_outer(g, dt[0], x[1]) : NULL,
                      dt[1] ? ir_outer(g, x[0], dt[1]) : NULL);
  case IR_SPMM: return dt[1] ? ir_spmm(g, x[0], dt[1]) : NULL;
  case IR_SPMTM: return dt[1] ? ir_spmtm(g, x[0], dt[1]) : NULL;
  case IR_TRANSPOSE: return ir_transpose(g, dt[0]);
  case IR_BCAST: return ir_bcast(g, dt[0], n->shape);
  case IR_BCAST_ROWS: return ir_bcast_rows(g, dt[0], n->shape.rows);
  case IR_BCAST_COLS: return ir_bcast_cols(g, dt[0], n->shape.cols);
  case IR_RESHAPE: return ir_reshape(g, dt[0], n->shape);
  case IR_SLICE: return ir_slice(g, dt[0], n->attr[0], n->attr[1], n->attr[2], n->attr[3]);
  case IR_PAD: return ir_pad(g, dt[0], n->shape, n->attr[0], n->attr[2]);
  case IR_GATHER: return dt[0] ? ir_gather(g, dt[0], x[1]) : NULL;
  case IR_SCATTER: return dt[0] ? ir_scatter(g, dt[0], x[1], n->shape) : NULL;
  case IR_DIAGM: return ir_diagm(g, dt[0]);
  case IR_DIAGV: return ir_diagv(g, dt[0]);
  case IR_CAT: case IR_HCAT: case IR_VCAT: {
    IrNode **parts = arena_calloc(g->arena, n->nargs, sizeof(IrNode *));
    for (int i = 0; i < n->nargs; i++) parts[i] = or_zero(g, dt[i], x[i]);
    return ir_cat(g, (IrOp)n->op, parts, n->nargs);
  }
  case IR_ARGMAX_ROWS: case IR_ONEHOT: /* IRF_ZERO_D: returned above */
#define IRC_CASE_IRC_LEAF(id) case id:
#define IRC_CASE_IRC_EW1(id) case id:
#define IRC_CASE_IRC_EW2(id) case id:
#define IRC_CASE_IRC_EW3(id) case id:
#define IRC_CASE_IRC_GEN(id) case id:
#include "ir/ir_class_cases.h"
  case IR_OP_COUNT:
    break;
  }
  assert(!"jvp: op has no forward rule");
  return NULL;
}

void diff_jvp(IrGraph *g, IrNode *const *roots, size_t nroots, IrNode *const *leaves,
              IrNode *const *tangents, size_t nleaves, IrNode **out) {
  IrNode **order;
  size_t n = ir_topo(g, roots, nroots, &order);
  uint32_t count = g->count;
  IrNode **tan = calloc(count + 1, sizeof(IrNode *));
  uint8_t *seeded = calloc(count + 1, 1);
  if (!tan || !seeded) abort();
  unsigned mask = 0;
  for (size_t j = 0; j < nleaves; j++) {
    if (!tangents[j] || ir_is_zero(tangents[j])) continue;
    tan[leaves[j]->id] = tangents[j];
    seeded[leaves[j]->id] = 1;
    mask |= leaves[j]->deps;
  }
  IrNode *dt[16];
  IrNode **dtv = dt;
  for (size_t k = 0; k < n; k++) {
    IrNode *node = order[k];
    if (ir_ops[node->op].cls == IRC_LEAF || !ir_depends(node, mask)) continue;
    if (node->nargs > 16) dtv = arena_calloc(g->arena, node->nargs, sizeof(IrNode *));
    bool any = false;
    for (int i = 0; i < node->nargs; i++) {
      dtv[i] = tan[node->args[i]->id];
      any |= dtv[i] != NULL;
    }
    if (any) {
      IrNode *t = jvp_rule(g, node, dtv);
      if (t && !ir_is_zero(t)) {
        assert(shape_eq(t->shape, node->shape));
        tan[node->id] = t;
      }
    }
    dtv = dt;
  }
  for (size_t r = 0; r < nroots; r++) {
    IrNode *t = roots[r] && roots[r]->id < count ? tan[roots[r]->id] : NULL;
    out[r] = t ? t : zero_of(g, roots[r]);
  }
  free(tan);
  free(seeded);
}
