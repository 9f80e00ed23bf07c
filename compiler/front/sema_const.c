/* sema_const.c — compile-time constants: folding scalar arithmetic and BI_CONST builtins,
 * requiring constants where the language needs them (dimensions, exponents, generator
 * parameters), with an error that points at the part that is not constant. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "rt_fmt.h"
#include "rt_scalar.h"
#include "ir/ir.h"
#include "front/sema_int.h"

const char *sema_num_str(double v, char buf[32]) { return rt_fmt_num(v, buf); }

/* The arithmetic is runtime/rt_scalar.h's: a folded constant has the bits the kernels would
 * compute (sigmoid(-0.01) used to fold one bit away from them). */
double sema_fold_binary(int op, double a, double b) {
  switch (op) {
  case OP_ADD: return rt_op_add(a, b);
  case OP_SUB: return rt_op_sub(a, b);
  case OP_MUL: return rt_op_mul(a, b);
  case OP_DIV: return rt_op_div(a, b);
  case OP_MATMUL: return rt_op_mul(a, b);
  case OP_POW: return rt_op_powc(a, b);
  case OP_LT: return rt_op_lt(a, b);
  case OP_LE: return rt_op_le(a, b);
  case OP_GT: return rt_op_gt(a, b);
  case OP_GE: return rt_op_ge(a, b);
  case OP_EQ: return rt_op_eq(a, b);
  case OP_NE: return rt_op_ne(a, b);
  }
  return NAN;
}

bool sema_fold_builtin(BuiltinId id, const double *x, int n, double *out) {
  /* the composites fold as they lower (lower.c) */
  if (id == BI_CLIP && n == 3) {
    *out = rt_op_min(rt_op_max(x[0], x[1]), x[2]);
    return true;
  }
  if (id == BI_POW && n == 2) {
    *out = rt_op_powc(x[0], x[1]);
    return true;
  }
  int op = ast_builtins[id].ir_op; /* the other foldable builtins are elementwise ops */
  if (op < 0 || n < ir_ops[op].nargs) return false;
  const IrOpInfo *o = &ir_ops[op];
  *out = o->fn1 ? o->fn1(x[0]) : o->fn2(x[0], n > 1 ? x[1] : 0);
  return true;
}

/* The deepest sub-expression that keeps e from being constant, for the note. */
static const AstExpr *culprit(const AstExpr *e) {
  if (!e || e->is_const) return NULL;
  switch (e->kind) {
  case AST_IDENT: return e;
  case AST_CALL:
    if (e->inlined) {
      const AstExpr *c = culprit(e->inlined);
      return c ? c : e;
    }
    if (e->builtin != BI_NONE && !(ast_builtins[e->builtin].flags & BI_CONST)) return e;
    break;
  case AST_INDEX: case AST_LIST: return e;
  default: break;
  }
  for (int i = 0; i < e->nargs; i++) {
    const AstExpr *c = culprit(e->args[i]);
    if (c) return c;
  }
  return e;
}

bool sema_need_const(Sema *S, const ECtx *c, const AstExpr *e, const char *what) {
  char buf[64];
  if (e->shape.rank != 0) {
    sema_err(S, c, e->span, "%s must be a scalar, got %s", what, shape_str(e->shape, buf));
    return false;
  }
  if (e->is_const) return true;
  sema_err(S, c, e->span, "%s must be a compile-time constant", what);
  const AstExpr *k = culprit(e);
  if (!k || k == e) return false;
  if (k->kind == AST_IDENT && k->ref)
    diag_note(S->diag, k->span, "%s is not a compile-time constant", sema_decl_what(k->ref));
  else if (k->kind == AST_CALL && k->builtin != BI_NONE)
    diag_note(S->diag, k->span, "'%s' is not evaluated at compile time", k->str);
  else if (k->kind == AST_INDEX)
    diag_note(S->diag, k->span, "indexing is not evaluated at compile time");
  return false;
}

bool sema_dim(Sema *S, const ECtx *c, const AstExpr *e, const char *what, int64_t *out) {
  if (!sema_need_const(S, c, e, what)) return false;
  double v = e->const_val;
  char buf[32];
  if (!(v >= 1) || v != floor(v)) {
    sema_err(S, c, e->span, "%s must be a positive integer, got %s", what, sema_num_str(v, buf));
    return false;
  }
  if (v > (double)SEMA_MAX_DIM) {
    sema_err(S, c, e->span, "%s %s is too large (at most %lld)", what, sema_num_str(v, buf),
             SEMA_MAX_DIM);
    return false;
  }
  *out = (int64_t)v;
  return true;
}

bool sema_type_shape(Sema *S, AstType *t, Shape *out) {
  ECtx c = {.kind = CTX_CONST};
  int n = (int)t->kind; /* the number of dimensions */
  int64_t d[3] = {1, 1, 1};
  bool ok = true;
  for (int i = 0; i < n; i++)
    if (!sema_check(S, &c, t->dims[i]) || !sema_dim(S, &c, t->dims[i], "a dimension", &d[i]))
      ok = false;
  if (!ok) return false;
  /* a sparse matrix holds its entries, not m n numbers (each dimension is bounded above): url
   * (2.4M x 3.2M) and kdd2010 (8.4M x 20M) were refused as too large */
  bool sparse = n == 2 && t->sparse;
  if ((n == 2 && !sparse && d[0] > SEMA_MAX_SIZE / d[1]) ||
      (n == 3 && d[0] > SEMA_MAX_SIZE / d[1] / d[2])) {
    char buf[64];
    Shape s = n == 2 ? shape_matrix(d[0], d[1]) : shape_tensor(d[0], d[1], d[2]);
    diag_error(S->diag, t->span, "%s is too large (more than 2^40 elements)", shape_str(s, buf));
    return false;
  }
  *out = n == 0   ? shape_scalar()
         : n == 1 ? shape_vector(d[0])
         : n == 2 ? shape_matrix(d[0], d[1])
                  : shape_tensor(d[0], d[1], d[2]);
  out->sparse = t->sparse;
  return true;
}
