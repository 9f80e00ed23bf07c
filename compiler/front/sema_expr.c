/* sema_expr.c — checking one expression: names and what each context may reference, shapes of
 * operators, indexing and list literals, constant folding, and fn inlining (each call checks a
 * fresh clone of the fn body with the parameters replaced by copies of the arguments, which is
 * how fns get a shape per call). Builtin calls are in sema_builtins.c. */
#include <math.h>
#include <string.h>

#include "front/sema_int.h"

/* ------------------------------------------------------------------ diagnostics */

static void call_notes(Sema *S, const ECtx *c) {
  for (const CallSite *cs = c ? c->calls : NULL; cs; cs = cs->outer)
    diag_note(S->diag, cs->call->name_span, "in this call of fn '%s'", cs->fn->name);
}

void sema_err(Sema *S, const ECtx *c, Span at, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  diag_report(S->diag, DIAG_ERROR, at, fmt, ap);
  va_end(ap);
  call_notes(S, c);
}

void sema_warn(Sema *S, const ECtx *c, Span at, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  diag_report(S->diag, DIAG_WARNING, at, fmt, ap);
  va_end(ap);
  call_notes(S, c);
}

/* ------------------------------------------------------------------ helpers */

static void inherit(AstExpr *e, const AstExpr *a) {
  if (!a) return;
  e->depends_x |= a->depends_x;
  e->depends_y |= a->depends_y;
  e->slope_x |= a->slope_x;
  e->slope_y |= a->slope_y;
  e->uses_sample |= a->uses_sample;
  e->uses_data_only |= a->uses_data_only;
}

bool sema_broadcast(Shape a, Shape b, Shape *out) {
  if (a.rank == 0) { *out = b; return true; }
  if (b.rank == 0 || shape_eq(a, b)) { *out = a; return true; }
  return false;
}

bool sema_no_tensor(Sema *S, const ECtx *c, const AstExpr *a) {
  if (a->shape.rank != 3) return true;
  char buf[64];
  shape_str(a->shape, buf);
  if (a->kind == AST_IDENT)
    sema_err(S, c, a->span, "'%s' is a %s: index it by task first, as in %s[t]", a->str, buf,
             a->str);
  else
    sema_err(S, c, a->span, "a %s cannot be used here: index it by task first", buf);
  diag_hint(S->diag, "X[t] is the matrix[K, d] of task t (a constant or a batch(1) sample set); "
                     "only indexing and fn arguments take a whole tensor");
  return false;
}

bool sema_no_sparse(Sema *S, const ECtx *c, const AstExpr *a) {
  if (!a->shape.sparse) return true;
  char buf[64];
  shape_str(a->shape, buf);
  if (a->kind == AST_IDENT)
    sema_err(S, c, a->span, "'%s' is a %s matrix: it cannot be used here", a->str, buf);
  else
    sema_err(S, c, a->span, "this is a %s matrix: it cannot be used here", buf);
  diag_hint(S->diag, "a sparse matrix X only multiplies dense values (X @ W, X' @ G) and has its "
                     "rows sampled (X[i, :]); write dense(X) in a data declaration for the rest");
  return false;
}

static bool is_value_ctx(CtxKind k) {
  return k == CTX_DATA || k == CTX_UPPER_INIT || k == CTX_LOWER_INIT;
}

/* ------------------------------------------------------------------ identifiers */

static bool check_ident(Sema *S, const ECtx *c, AstExpr *e) {
  AstDecl *d = e->ref;
  if (!d) {
    d = sema_sym_get(&S->syms, e->str);
    if (!d) {
      if (ast_builtin_lookup(e->str) != BI_NONE)
        sema_err(S, c, e->span, "'%s' is a builtin function: call it as %s(...)", e->str, e->str);
      else
        sema_unknown_name(S, c, e->str, e->span, false);
      return false;
    }
  }
  d->used = true;
  e->ref = d;
  switch (d->kind) {
  case DECL_CONST:
    if (d->failed) return false;
    e->shape = shape_scalar();
    e->is_const = true;
    e->const_val = d->const_val;
    return true;
  case DECL_DATA:
    if (d->failed) return false;
    e->shape = d->tensor.rank == 3 ? d->tensor : d->shape;
    return true;
  case DECL_UPPER:
    if (c->kind == CTX_DATA || c->kind == CTX_UPPER_INIT) {
      sema_err(S, c, e->span, "%s cannot use %s",
               c->kind == CTX_DATA ? sema_decl_what(c->decl) : "an upper initialiser",
               sema_decl_what(d));
      diag_hint(S->diag,
                c->kind == CTX_DATA
                    ? "data is evaluated once, before solving: it cannot depend on variables"
                    : "upper initialisers may use consts, data and random generators");
      return false;
    }
    if (d->failed) return false;
    e->shape = d->shape;
    e->depends_x = e->slope_x = true;
    return true;
  case DECL_LOWER:
    if (is_value_ctx(c->kind)) {
      sema_err(S, c, e->span, "%s cannot use %s",
               c->kind == CTX_DATA         ? sema_decl_what(c->decl)
               : c->kind == CTX_UPPER_INIT ? "an upper initialiser"
                                           : "a lower initialiser",
               sema_decl_what(d));
      if (c->kind == CTX_LOWER_INIT)
        diag_hint(S->diag,
                  "a lower initialiser may use upper variables (y0 = phi(x)), never lower ones");
      return false;
    }
    if (d->failed) return false;
    e->shape = d->shape;
    e->depends_y = e->slope_y = true;
    return true;
  case DECL_SAMPLE:
    sema_err(S, c, e->span, "sample set '%s' can only be used as a subscript, as in 'X[%s, :]'",
             d->name, d->name);
    return false;
  case DECL_FN:
    sema_err(S, c, e->span, "'%s' is a fn: call it as %s(...)", d->name, d->name);
    return false;
  default:
    sema_err(S, c, e->span, "%s is not a value", sema_decl_what(d));
    diag_hint(S->diag, "put the shared expression in a fn and call it from both places");
    return false;
  }
}

/* ------------------------------------------------------------------ operators */

/* A matrix m (rows x cols) and a vector v under an elementwise operator: how to say it. The
 * hint is the operator's own: rowwise/colwise multiply, so for + and - (a bias on every row,
 * PyTorch's broadcast) the vector is spread over the rows or columns with outer, which a
 * rowwise hint would have turned into a product without a word. */
static void matrix_vector_hint(Sema *S, int op, Shape m, Shape v, bool v_left) {
  long long rows = (long long)m.rows, cols = (long long)m.cols, len = (long long)v.rows;
  bool mul = op == OP_MUL || op == OP_DIV;
  /* A * v and v * A scale A; A / v divides A by v; v / A is colwise(1 / A, v) */
  const char *a = op == OP_DIV && v_left ? "1 / A" : "A";
  const char *w = op == OP_DIV && !v_left ? "1 / v" : "v";
  const char *what = op == OP_MUL ? "multiply" : v_left ? "divide v by" : "divide";
  /* A * v with v as long as A's rows are wide (v * A: as A is tall) chains as a product: as
   * for two matrices, '@' is as likely meant as the broadcast (X * w for X @ w) */
  const char *or = "";
  if (op == OP_MUL && len == (v_left ? rows : cols)) {
    char ms[64], vs[64];
    shape_str(m, ms);
    shape_str(v, vs);
    diag_hint(S->diag, "did you mean '@'? '*' multiplies elementwise; %s @ %s is the "
                       "%s product, a vector[%lld]", v_left ? vs : ms, v_left ? ms : vs,
              v_left ? "vector-matrix" : "matrix-vector", v_left ? cols : rows);
    or = "or, elementwise, ";
  }
  if (mul && len == cols && len == rows) { /* square: either was meant */
    diag_hint(S->diag, "%sto %s every row%s, write rowwise(%s, %s); every column, "
              "colwise(%s, %s)", or, what, op == OP_DIV && v_left ? "" : " by v", a, w, a, w);
  } else if (mul && len == cols) {
    diag_hint(S->diag, "%sto %s every row%s, write rowwise(%s, %s)", or, what,
              op == OP_DIV && v_left ? "" : " by v", a, w);
  } else if (mul && len == rows) {
    diag_hint(S->diag, "%sto %s every column%s, write colwise(%s, %s)", or, what,
              op == OP_DIV && v_left ? "" : " by v", a, w);
  } else if (len == cols && len == rows) {
    diag_hint(S->diag, "to combine v with every row, repeat it on the rows: outer(ones(%lld), "
                       "v); with every column, outer(v, ones(%lld)) (rowwise and colwise "
                       "multiply)", rows, cols);
  } else if (len == cols) {
    diag_hint(S->diag, "to combine v with every row, repeat it on the %lld rows: "
                       "outer(ones(%lld), v) (rowwise and colwise multiply)", rows, rows);
  } else if (len == rows) {
    diag_hint(S->diag, "to combine v with every column, repeat it in the %lld columns: "
                       "outer(v, ones(%lld)) (rowwise and colwise multiply)", cols, cols);
  } else {
    diag_hint(S->diag, "a vector combines with a matrix with as many rows as it has elements "
                       "(colwise(A, v), outer(v, ones(n))) or as many columns (rowwise(A, v), "
                       "outer(ones(m), v))");
  }
}

/* The source text of e as an operand of a postfix index, into buf: a name, a call or an index
 * as written (z, f(z), W[0]), anything else in parentheses ((2 * z)). False when the text is
 * not one short line. */
static bool indexable_text(Sema *S, const AstExpr *e, char *buf, size_t size) {
  const SrcFile *f = diag_file(S->diag, e->span.file);
  Span at = e->span;
  size_t n = at.end - at.start;
  if (!f || at.start >= at.end || at.end > f->len || n >= 64 || memchr(f->text + at.start, '\n', n))
    return false;
  bool bare = e->kind == AST_IDENT || e->kind == AST_CALL || e->kind == AST_INDEX;
  snprintf(buf, size, "%s%.*s%s", bare ? "" : "(", (int)n, f->text + at.start, bare ? "" : ")");
  return true;
}

/* A side of one element that is not a scalar, vector[1] or matrix[1, 1] (`zeta[0:1] * W`),
 * under an elementwise operator with another shape: a constant index gives the scalar that
 * broadcasts. Named from the side: a range of one is indexed at its start (zeta[0:1] ->
 * zeta[0]), anything else is indexed as written (z -> z[0], 2 * z -> (2 * z)[0]); v[0] when
 * the text is not one short line. True when the hint was given. */
static bool one_element_hint(Sema *S, const AstExpr *side) {
  Shape s = side->shape;
  if (!(s.rank == 1 && s.rows == 1) && !(s.rank == 2 && s.rows == 1 && s.cols == 1)) return false;
  char shape[64], text[80], idx[200] = "";
  shape_str(s, shape);
  const AstExpr *base = side->kind == AST_INDEX ? side->args[0] : NULL;
  bool ranges = base && side->subs && indexable_text(S, base, text, sizeof text);
  for (int i = 0; ranges && i < side->nargs - 1; i++)
    ranges = (side->subs[i].kind == SUB_RANGE || side->subs[i].kind == SUB_INDEX) &&
             side->subs[i].hi - side->subs[i].lo == 1;
  if (ranges) {
    size_t len = (size_t)snprintf(idx, sizeof idx, "%s[", text);
    for (int i = 0; i < side->nargs - 1 && len < sizeof idx; i++)
      len += (size_t)snprintf(idx + len, sizeof idx - len, "%s%lld", i ? ", " : "",
                              (long long)side->subs[i].lo);
    if (len < sizeof idx) snprintf(idx + len, sizeof idx - len, "]");
  } else {
    if (!indexable_text(S, side, text, sizeof text))
      snprintf(text, sizeof text, "%s", s.rank == 1 ? "v" : "A");
    snprintf(idx, sizeof idx, "%s%s", text, s.rank == 1 ? "[0]" : "[0, 0]");
  }
  diag_hint(S->diag, "a %s is not a scalar: a constant index, %s, gives a scalar, which "
                     "broadcasts", shape, idx);
  return true;
}

/* A note where e is a row subscript by a batch(1) sample set (X[B, :] with B of one draw):
 * the set drops the row dimension, so that a program written for batch(K) breaks at -D
 * batch=1 with an error about vectors that does not name the set (its hint, dot(u, v),
 * breaks every K > 1). */
static void batch1_note(Sema *S, const AstExpr *e) {
  if (e->kind != AST_INDEX || !e->subs) return;
  for (int i = 0; i + 1 < e->nargs; i++) {
    const AstSub *sub = &e->subs[i];
    if (sub->kind != SUB_SAMPLE || !sub->sample || sub->sample->batch_k != 1) continue;
    diag_note(S->diag, e->span, "a vector: sample set '%s' draws one index (batch(1)), which "
              "drops its dimension; batch(K) with K >= 2 keeps it", sub->sample->name);
    return;
  }
}

static bool check_binary(Sema *S, const ECtx *c, AstExpr *e) {
  AstExpr *l = e->args[0], *r = e->args[1];
  bool cmp = e->op >= OP_LT; /* comparisons: OP_LT .. OP_NE */
  ECtx mask = *c;
  mask.piecewise_const |= cmp; /* and stays so below: abs(y - 1) + 2 > 0 is one mask */
  bool okl, okr;
  if (e->op == OP_POW) { /* the exponent first: relu(z) ^ 2 is C1, not a kink (sema_kink) */
    okr = sema_check(S, &mask, r);
    ECtx base = mask;
    if (okr && r->is_const && r->shape.rank == 0 && r->const_val >= 2) {
      base.squared = l;
      base.squared_p = r->const_val;
    }
    okl = sema_check(S, &base, l);
  } else {
    okl = sema_check(S, &mask, l);
    okr = sema_check(S, &mask, r);
  }
  if (!okl || !okr) return false;
  if (!sema_no_tensor(S, c, l) || !sema_no_tensor(S, c, r)) return false;
  if (e->op != OP_MATMUL && !sema_no_sparse(S, c, l)) return false;
  if (e->op == OP_MATMUL && r->shape.sparse && l->shape.sparse) {
    /* B' @ B of an incidence B: a graph Laplacian, which need not be formed */
    char buf[64];
    sema_err(S, c, r->span, "a product of two sparse matrices (%s on the right) is not "
             "supported: a sparse matrix is never the right operand of @",
             shape_str(r->shape, buf));
    diag_hint(S->diag, "apply the factors to the vector instead: y' B' diag(w) B y is "
              "sum(w * (B @ y) ^ 2) and B' diag(w) B y is B' @ (w * (B @ y)), each a pair of "
              "sparse products (a graph Laplacian from an incidence B); write dense(B) in a "
              "data declaration for a dense copy");
    return false;
  }
  if (!sema_no_sparse(S, c, r)) return false;
  inherit(e, l);
  inherit(e, r);
  if (cmp) { /* a step: 0/1, its derivative 0 wherever it exists, a jump where the sides cross */
    e->slope_x = e->slope_y = false;
    sema_kink(S, c, ast_binop_str(e->op), e->op_span, e,
              "of a variable is a step, not differentiable where its sides cross");
  }
  char a[64], b[64];
  const char *op = ast_binop_str(e->op);
  switch (e->op) {
  case OP_POW:
    if (r->shape.rank != 0) {
      sema_err(S, c, r->span, "the exponent of '^' must be a scalar, got %s",
               shape_str(r->shape, a));
      return false;
    }
    if (!r->is_const) {
      sema_err(S, c, r->span, "the exponent of '^' must be a compile-time constant");
      diag_hint(S->diag, "for a variable exponent write exp(p * log(x))");
      return false;
    }
    e->shape = l->shape;
    break;
  case OP_MATMUL: {
    Shape x = l->shape, y = r->shape;
    if (x.rank == 0 || y.rank == 0) {
      sema_err(S, c, e->op_span, "'@' needs a vector or matrix on both sides, got %s @ %s",
               shape_str(x, a), shape_str(y, b));
      diag_hint(S->diag, "use '*' to multiply by a scalar");
      return false;
    }
    if (x.rank == 1 && y.rank == 1) {
      sema_err(S, c, e->op_span, "'@' of two vectors: %s @ %s", shape_str(x, a), shape_str(y, b));
      diag_hint(S->diag,
                "use dot(u, v) for the inner product, or outer(u, v) for the outer product");
      batch1_note(S, l);
      batch1_note(S, r);
      return false;
    }
    int64_t k1 = x.rank == 2 ? x.cols : x.rows;
    int64_t k2 = y.rows;
    if (k1 != k2) {
      sema_err(S, c, e->op_span,
               "shape mismatch in '@': %s @ %s (inner dimensions %lld and %lld differ)",
               shape_str(x, a), shape_str(y, b), (long long)k1, (long long)k2);
      if (x.rank == 2 && y.rank == 2 && x.rows == y.rows)
        diag_hint(S->diag, "did you mean A' @ B?");
      else if (x.rank == 2 && y.rank == 2 && x.cols == y.cols)
        diag_hint(S->diag, "did you mean A @ B'?");
      return false;
    }
    if (x.rank == 2 && y.rank == 2) {
      if (x.rows > SEMA_MAX_SIZE / y.cols) {
        sema_err(S, c, e->op_span, "the result of '@' would be too large");
        return false;
      }
      e->shape = shape_matrix(x.rows, y.cols);
    } else if (x.rank == 2) {
      e->shape = shape_vector(x.rows);
    } else {
      e->shape = shape_vector(y.cols);
    }
    break;
  }
  default:
    if (!sema_broadcast(l->shape, r->shape, &e->shape)) {
      sema_err(S, c, e->op_span, "shape mismatch in '%s': %s and %s", op, shape_str(l->shape, a),
               shape_str(r->shape, b));
      if (one_element_hint(S, l) || one_element_hint(S, r))
        ;
      else if (l->shape.rank + r->shape.rank == 3)
        matrix_vector_hint(S, e->op, l->shape.rank == 2 ? l->shape : r->shape,
                           l->shape.rank == 1 ? l->shape : r->shape, l->shape.rank == 1);
      else if (e->op == OP_MUL && l->shape.rank == 2 && r->shape.rank == 2 &&
               l->shape.cols == r->shape.rows) { /* Xtr * W for Xtr @ W */
        diag_hint(S->diag, "did you mean '@'? '*' multiplies elementwise; %s @ %s is the "
                           "matrix product, a matrix[%lld, %lld]", a, b,
                  (long long)l->shape.rows, (long long)r->shape.cols);
        if (l->shape.rows == r->shape.cols)
          diag_hint(S->diag, "or, elementwise, one side may need a transpose (A')");
      } else if (l->shape.rank == 2 && r->shape.rank == 2 && l->shape.rows == r->shape.cols &&
               l->shape.cols == r->shape.rows)
        diag_hint(S->diag, "one side may need a transpose (A')");
      else
        diag_hint(S->diag, "elementwise operators need equal shapes, or a scalar on one side");
      return false;
    }
    break;
  }
  if (l->is_const && r->is_const) {
    e->is_const = true;
    e->const_val = sema_fold_binary(e->op, l->const_val, r->const_val);
  }
  return true;
}

/* ------------------------------------------------------------------ indexing */

#define SUBSCRIPT_HINT                                                                         \
  "a subscript is a constant integer, a range lo:hi, a sample set, or a vector of indices "   \
  "computed from data (X[idx, :], v[idx])"

/* A constant integer subscript or range bound, made non-negative (Python-style: -1 is the last).
 * dim_is_task: the subscript of a tensor[T, K, d], which takes one task, never a vector. */
static bool index_value(Sema *S, const ECtx *c, AstExpr *x, int64_t dim, bool is_bound,
                        bool dim_is_task, int64_t *out) {
  if (!sema_check(S, c, x)) return false;
  if (!sema_need_const(S, c, x, is_bound ? "a range bound" : "a subscript")) {
    if (!is_bound)
      diag_hint(S->diag, "%s", dim_is_task ? "a task subscript is a constant integer or a "
                                             "batch(1) sample set" : SUBSCRIPT_HINT);
    return false;
  }
  double v = x->const_val;
  char buf[32];
  if (v != floor(v) || fabs(v) > 9e15) {
    sema_err(S, c, x->span, "%s must be an integer, got %s",
             is_bound ? "a range bound" : "a subscript", sema_num_str(v, buf));
    return false;
  }
  int64_t i = (int64_t)v;
  if (i < 0) i += dim;
  if (i < 0 || i > dim || (!is_bound && i == dim)) {
    sema_err(S, c, x->span, "%s %s is out of bounds for a dimension of size %lld",
             is_bound ? "range bound" : "index", sema_num_str(v, buf), (long long)dim);
    return false;
  }
  *out = i;
  return true;
}

static AstDecl *sample_ref(Sema *S, AstExpr *s) {
  if (s->kind != AST_IDENT) return NULL;
  AstDecl *d = s->ref ? s->ref : sema_sym_get(&S->syms, s->str);
  return d && d->kind == DECL_SAMPLE ? d : NULL;
}

/* Whether sample set smp may be a row subscript of a dimension of size dim here (reports
 * why not). */
static bool sample_fits(Sema *S, const ECtx *c, AstExpr *s, AstDecl *smp, int64_t dim) {
  if (is_value_ctx(c->kind) || c->kind == CTX_CONST) {
    sema_err(S, c, s->span, "sample set '%s' cannot be used in %s", smp->name,
             c->decl ? sema_decl_what(c->decl) : "a constant");
    diag_hint(S->diag, "a sample set is drawn afresh at each oracle call: use it in objectives, "
                       "reports and fns");
    return false;
  }
  if (smp->failed) return false;
  if (smp->population_n != dim) {
    sema_err(S, c, s->span,
             "sample set '%s' draws from a population of %lld, but this dimension has size %lld",
             smp->name, (long long)smp->population_n, (long long)dim);
    diag_note(S->diag, smp->name_span, "sample set '%s' is declared here", smp->name);
    return false;
  }
  return true;
}

/* X[t] of a tensor[T, K, d]: the matrix[K, d] of task t, where t is a constant or a batch(1)
 * sample set (one task per oracle call; meta_batch averages several). Lowered as row t of the
 * storage matrix[T, K*d], reshaped. */
static bool check_task_index(Sema *S, const ECtx *c, AstExpr *e) {
  AstExpr *base = e->args[0];
  Shape bs = base->shape;
  char buf[64];
  int nsubs = e->nargs - 1;
  if (nsubs != 1) {
    sema_err(S, c, e->op_span, "%s takes 1 subscript (the task), got %d", shape_str(bs, buf),
             nsubs);
    diag_hint(S->diag, "X[t] is the matrix[%lld, %lld] of task t; index that in turn: X[t][i, :]",
              (long long)bs.rows, (long long)bs.cols);
    return false;
  }
  AstExpr *s = e->args[1];
  AstSub *sub = e->subs = ARENA_ARRAY(S->arena, AstSub, 1);
  AstDecl *smp = sample_ref(S, s);
  if (smp) {
    smp->used = true;
    s->ref = smp;
    if (!sample_fits(S, c, s, smp, bs.blocks)) return false;
    if (smp->batch_k == 1 && sema_sample_whole(smp)) { /* batch(1) of 1: task 0, no draw */
      sub->kind = SUB_INDEX;
      sub->lo = 0;
      sub->hi = 1;
      s->checked = true;
      s->shape = shape_vector(1);
      e->shape = shape_matrix(bs.rows, bs.cols);
      return true;
    }
    if (smp->batch_k != 1) {
      sema_err(S, c, s->span,
               "a tensor is indexed by one task at a time, but sample set '%s' draws %lld",
               smp->name, (long long)smp->batch_k);
      diag_note(S->diag, smp->name_span, "sample set '%s' is declared here", smp->name);
      diag_hint(S->diag,
                "declare it batch(1), and average over tasks with the method option meta_batch");
      return false;
    }
    sub->kind = SUB_SAMPLE;
    sub->sample = smp;
    sub->lo = 0;
    sub->hi = 1;
    s->checked = true;
    s->shape = shape_vector(1);
    s->uses_sample = true;
    e->uses_sample = true;
  } else if (s->kind == AST_SLICE) {
    sema_err(S, c, s->span, "a tensor's subscript is one task, not a range");
    diag_hint(S->diag, "index it by a constant or a batch(1) sample set: X[0], X[t]");
    return false;
  } else {
    int64_t idx;
    if (!index_value(S, c, s, bs.blocks, false, true, &idx)) return false;
    sub->kind = SUB_INDEX;
    sub->lo = idx;
    sub->hi = idx + 1;
  }
  e->shape = shape_matrix(bs.rows, bs.cols);
  return true;
}

/* X[i, :] of a sparse X by a sample set i of more than one index: its rows, still sparse. */
static bool check_sparse_index(Sema *S, const ECtx *c, AstExpr *e) {
  AstExpr *base = e->args[0];
  AstExpr *s0 = e->nargs == 3 ? e->args[1] : NULL, *s1 = e->nargs == 3 ? e->args[2] : NULL;
  AstDecl *smp = s0 ? sample_ref(S, s0) : NULL;
  bool whole = s1 && s1->kind == AST_SLICE && !s1->args[0] && !s1->args[1];
  if (base->shape.sparse == 1 && smp && whole && smp->batch_k == 1) {
    /* a batch(1) set picks one row as a vector (a task's, as X[t, :] of a dense matrix), and
     * sparse data has no vector: said as such, not as if V were no sample set */
    char buf[64];
    sema_err(S, c, e->span, "the rows of a %s matrix are sampled by a set of at least 2, but "
             "sample set '%s' draws 1 (one row would be a sparse vector, which bloc does not "
             "have)", shape_str(base->shape, buf), smp->name);
    diag_note(S->diag, smp->name_span, "sample set '%s' is declared here", smp->name);
    diag_hint(S->diag, "declare it batch(K) with K >= 2 (the objective's mean over its rows); "
                       "for one row at a time, dense(X) in a data declaration, if it fits");
    return false;
  }
  if (base->shape.sparse != 1 || !smp || !whole || smp->batch_k < 2) {
    char buf[64];
    sema_err(S, c, e->span, "a %s matrix can only be indexed by the rows of a sample set, as in "
             "X[i, :]", shape_str(base->shape, buf));
    diag_hint(S->diag, "per-call rows: i declared 'sample i : batch(K) of n' with K >= 2; "
                       "other slices and picks by indices, in a data declaration, of dense(X): "
                       "dense(X)[idx, :]");
    return false;
  }
  smp->used = true;
  s0->ref = smp;
  if (!sample_fits(S, c, s0, smp, base->shape.rows)) return false;
  e->subs = ARENA_ARRAY(S->arena, AstSub, 2);
  e->subs[0] = (AstSub){SUB_SAMPLE, 0, smp->batch_k, smp};
  if (sema_sample_whole(smp)) /* batch(n) of n: all the rows in order, X itself (lower.c) */
    e->subs[0] = (AstSub){SUB_RANGE, 0, smp->batch_k, NULL};
  e->subs[1] = (AstSub){SUB_RANGE, 0, base->shape.cols, NULL};
  s0->checked = s1->checked = true;
  s0->shape = shape_vector(smp->batch_k);
  s1->shape = shape_vector(base->shape.cols);
  s0->uses_sample = e->uses_sample = !sema_sample_whole(smp);
  e->shape = shape_matrix(smp->batch_k, base->shape.cols);
  e->shape.sparse = 1;
  return true;
}

/* What a value depends on that a data-stage index cannot, or NULL. */
static const char *varying_what(const AstExpr *x) {
  return x->depends_x ? "the upper variables"
         : x->depends_y ? "the lower variables"
         : x->uses_sample ? "a sample set"
                          : NULL;
}

/* A[idx, :], v[idx], A[:, idx]: subscript s (checked, not a constant) picks the rows (columns)
 * at a vector of indices. Both it and the indexed value must be data, known before solving:
 * the pick is made once, in the data stage (IR_TAKE), which also checks every index; a pick
 * that changes per oracle call is a sample set's. */
static bool take_fits(Sema *S, const ECtx *c, const AstExpr *base, const AstExpr *s, int axis) {
  char buf[64];
  if (s->shape.rank != 1 || s->shape.sparse) {
    sema_err(S, c, s->span, "a subscript must be a scalar or a vector of indices, got %s",
             shape_str(s->shape, buf));
    diag_hint(S->diag, SUBSCRIPT_HINT);
    return false;
  }
  const char *why = varying_what(s);
  if (why) {
    sema_err(S, c, s->span, "a vector of indices must be data, known before solving; this one "
             "depends on %s", why);
    diag_hint(S->diag, "rows picked afresh at each oracle call are a sample set: sample i : "
                       "batch(K) of n, then X[i, :]");
    return false;
  }
  why = varying_what(base);
  if (why) {
    sema_err(S, c, s->span, "only data can be indexed by a vector of indices; this value "
             "depends on %s", why);
    bool var = base->kind == AST_IDENT && base->ref &&
               (base->ref->kind == DECL_UPPER || base->ref->kind == DECL_LOWER);
    if (!var) {
      diag_hint(S->diag, "index the data first, then compute with it: X[idx, :] @ w, not "
                         "(X @ w)[idx]");
    } else { /* a variable's rows (W[idx, :], lam[group]): a 0/1 selection matrix picks them */
      long long n = axis == 0 ? (long long)base->shape.rows : (long long)base->shape.cols;
      const char *v = base->str;
      diag_hint(S->diag, "pick them with a 0/1 selection matrix: data S = onehot(idx, %lld) "
                "(idx the indices), then %s%s%s", n, axis == 0 ? "S @ " : "", v,
                axis == 0 ? "" : " @ S'");
    }
    return false;
  }
  return true;
}

static bool check_index(Sema *S, const ECtx *c, AstExpr *e) {
  AstExpr *base = e->args[0];
  if (!sema_check(S, c, base)) return false;
  inherit(e, base);
  int rank = base->shape.rank;
  int nsubs = e->nargs - 1;
  char buf[64];
  if (rank == 0) {
    sema_err(S, c, e->op_span, "cannot index a scalar");
    return false;
  }
  if (rank == 3) return check_task_index(S, c, e);
  if (base->shape.sparse) return check_sparse_index(S, c, e);
  if (nsubs != rank) {
    sema_err(S, c, e->op_span, "%s takes %d subscript%s, got %d", shape_str(base->shape, buf), rank,
             rank == 1 ? "" : "s", nsubs);
    if (rank == 2 && nsubs == 1)
      diag_hint(S->diag, "write A[i, :] for a row and A[:, j] for a column");
    return false;
  }
  int64_t dims[2] = {base->shape.rows, base->shape.cols};
  int64_t kept[2];
  int nkept = 0;
  e->subs = ARENA_ARRAY(S->arena, AstSub, (size_t)nsubs);
  bool ok = true;
  for (int i = 0; i < nsubs; i++) {
    AstExpr *s = e->args[i + 1];
    AstSub *sub = &e->subs[i];
    int64_t dim = dims[i];
    AstDecl *smp = sample_ref(S, s);
    if (smp) {
      smp->used = true;
      s->ref = smp;
      if (i != 0 && !is_value_ctx(c->kind) && c->kind != CTX_CONST) {
        sema_err(S, c, s->span, "a sample set may only be the first (row) subscript");
        ok = false;
        continue;
      }
      if (!sample_fits(S, c, s, smp, dim)) { ok = false; continue; }
      if (sema_sample_whole(smp)) { /* batch(n) of n: every row in order, as X[:, :] */
        sub->kind = dim == 1 ? SUB_INDEX : SUB_RANGE; /* batch(1) of 1 drops the dimension */
        sub->lo = 0;
        sub->hi = dim;
        s->checked = true;
        s->shape = shape_vector(dim);
        if (dim != 1) kept[nkept++] = dim;
        continue;
      }
      sub->kind = SUB_SAMPLE;
      sub->sample = smp;
      sub->lo = 0;
      sub->hi = smp->batch_k;
      s->checked = true;
      s->shape = shape_vector(smp->batch_k);
      s->uses_sample = true;
      e->uses_sample = true;
      if (smp->batch_k != 1) kept[nkept++] = smp->batch_k;
    } else if (s->kind == AST_SLICE) {
      int64_t lo = 0, hi = dim;
      bool sok = true;
      if (s->args[0] && !index_value(S, c, s->args[0], dim, true, false, &lo)) sok = false;
      if (s->args[1] && !index_value(S, c, s->args[1], dim, true, false, &hi)) sok = false;
      if (!sok) { ok = false; continue; }
      if (lo >= hi) {
        sema_err(S, c, s->span, "empty range %lld:%lld", (long long)lo, (long long)hi);
        ok = false;
        continue;
      }
      sub->kind = SUB_RANGE;
      sub->lo = lo;
      sub->hi = hi;
      s->checked = true;
      s->shape = shape_vector(hi - lo);
      kept[nkept++] = hi - lo;
    } else {
      if (!sema_check(S, c, s)) { ok = false; continue; }
      if (s->shape.rank != 0) { /* a vector of indices: X[idx, :], v[idx], X[:, idx] */
        if (!take_fits(S, c, base, s, i)) { ok = false; continue; }
        sub->kind = SUB_TAKE;
        sub->lo = 0;
        sub->hi = s->shape.rows;
        inherit(e, s);
        kept[nkept++] = s->shape.rows;
        continue;
      }
      int64_t idx;
      if (!index_value(S, c, s, dim, false, false, &idx)) { ok = false; continue; }
      sub->kind = SUB_INDEX;
      sub->lo = idx;
      sub->hi = idx + 1;
    }
  }
  if (!ok) return false;
  /* a sampled value is a per-call one, which the data stage's take cannot read */
  bool take = false, sampled = false;
  for (int i = 0; i < nsubs; i++) {
    take |= e->subs[i].kind == SUB_TAKE;
    sampled |= e->subs[i].kind == SUB_SAMPLE;
  }
  if (take && sampled) {
    sema_err(S, c, e->span, "a sample set and a vector of indices cannot subscript one value");
    diag_hint(S->diag, "take with the indices in a data declaration, data Xc = X[:, idx], then "
                       "sample its rows: Xc[i, :]");
    return false;
  }
  e->shape = nkept == 0   ? shape_scalar()
             : nkept == 1 ? shape_vector(kept[0])
                          : shape_matrix(kept[0], kept[1]);
  return true;
}

/* ------------------------------------------------------------------ list literals */

static bool const_elem(Sema *S, const ECtx *c, AstExpr *x) {
  if (x->kind == AST_LIST) {
    sema_err(S, c, x->span, "a list literal nests at most two levels (a matrix)");
    return false;
  }
  if (!sema_check(S, c, x)) return false;
  return sema_need_const(S, c, x, "a list element");
}

static bool check_list(Sema *S, const ECtx *c, AstExpr *e) {
  if (e->nargs == 0) {
    sema_err(S, c, e->span, "empty list literal");
    return false;
  }
  int nlists = 0;
  for (int i = 0; i < e->nargs; i++) nlists += e->args[i]->kind == AST_LIST;
  if (nlists != 0 && nlists != e->nargs) {
    sema_err(S, c, e->span, "a list literal mixes numbers and rows");
    return false;
  }
  bool ok = true;
  if (nlists == 0) {
    for (int i = 0; i < e->nargs; i++)
      if (!const_elem(S, c, e->args[i])) ok = false;
    e->shape = shape_vector(e->nargs);
    return ok;
  }
  int cols = e->args[0]->nargs;
  for (int i = 0; i < e->nargs; i++) {
    AstExpr *row = e->args[i];
    if (row->nargs == 0) {
      sema_err(S, c, row->span, "empty list literal");
      ok = false;
      continue;
    }
    if (row->nargs != cols) {
      sema_err(S, c, row->span, "ragged list literal: row %d has %d elements, row 1 has %d", i + 1,
               row->nargs, cols);
      ok = false;
      continue;
    }
    bool rok = true;
    for (int j = 0; j < row->nargs; j++)
      if (!const_elem(S, c, row->args[j])) rok = false;
    if (rok) {
      row->checked = true;
      row->shape = shape_vector(cols);
    } else {
      ok = false;
    }
  }
  if (ok && cols > 0) e->shape = shape_matrix(e->nargs, cols);
  return ok && cols > 0;
}

/* ------------------------------------------------------------------ fn calls (inlining) */

static bool budget(Sema *S) {
  if (S->inline_nodes >= SEMA_MAX_INLINE) return false;
  S->inline_nodes++;
  return true;
}

/* Deep copy of a checked argument, annotations included. */
static AstExpr *copy_checked(Sema *S, const AstExpr *e, bool *fail) {
  if (!e || *fail) return NULL;
  if (!budget(S)) { *fail = true; return NULL; }
  AstExpr *n = ARENA_NEW(S->arena, AstExpr);
  *n = *e;
  if (e->nargs) {
    n->args = ARENA_ARRAY(S->arena, AstExpr *, (size_t)e->nargs);
    for (int i = 0; i < e->nargs; i++) n->args[i] = copy_checked(S, e->args[i], fail);
  }
  if (e->inlined) n->inlined = copy_checked(S, e->inlined, fail);
  return n;
}

static int param_of(const AstDecl *fn, const char *name) {
  for (int i = 0; i < fn->nparams; i++)
    if (strcmp(fn->params[i], name) == 0) return i;
  return -1;
}

/* A fresh (unchecked) copy of a fn body; parameter uses become copies of the arguments.
 * Names other than parameters were resolved at the fn's declaration (e->ref is set). */
static AstExpr *clone_body(Sema *S, const AstExpr *e, const AstDecl *fn, AstExpr **args,
                           bool *fail) {
  if (!e || *fail) return NULL;
  if (e->kind == AST_IDENT && !e->ref) {
    int i = param_of(fn, e->str);
    if (i >= 0) return copy_checked(S, args[i], fail);
  }
  if (!budget(S)) { *fail = true; return NULL; }
  AstExpr *n = ARENA_NEW(S->arena, AstExpr);
  *n = *e;
  if (e->nargs) {
    n->args = ARENA_ARRAY(S->arena, AstExpr *, (size_t)e->nargs);
    for (int i = 0; i < e->nargs; i++) n->args[i] = clone_body(S, e->args[i], fn, args, fail);
  }
  return n;
}

static bool check_fn_call(Sema *S, const ECtx *c, AstExpr *e) {
  AstDecl *fn = e->fn ? e->fn : sema_sym_get(&S->syms, e->str);
  bool ok = true;
  if (!fn) {
    sema_unknown_name(S, c, e->str, e->name_span, true);
    ok = false;
  } else if (fn->kind != DECL_FN) {
    sema_err(S, c, e->name_span, "%s is not a function", sema_decl_what(fn));
    ok = false;
  }
  for (int i = 0; i < e->nargs; i++)
    if (!sema_check(S, c, e->args[i])) ok = false;
  if (!ok) return false;
  fn->used = true;
  e->fn = fn;
  if (fn->failed || sema_call_kwarg(S, c, e, fn)) return false;
  if (e->nargs != fn->nparams) {
    sema_err(S, c, e->name_span, "fn '%s' takes %d argument%s, got %d", fn->name, fn->nparams,
             fn->nparams == 1 ? "" : "s", e->nargs);
    diag_note(S->diag, fn->name_span, "fn '%s' is declared here", fn->name);
    return false;
  }
  bool fail = false;
  AstExpr *body = clone_body(S, fn->init, fn, e->args, &fail);
  if (fail || !body) {
    if (!S->inline_exhausted) {
      sema_err(S, c, e->name_span,
               "inlining fn calls makes the program too large (more than %d expression nodes)",
               SEMA_MAX_INLINE);
      diag_hint(
          S->diag,
          "fns are expanded at every call; deeply nested calls of fns that use a parameter several "
          "times grow exponentially");
      S->inline_exhausted = true;
    }
    return false;
  }
  CallSite cs = {e, fn, c->calls};
  ECtx inner = *c;
  inner.calls = &cs;
  inner.whole = NULL; /* a load_* inside a fn is never the whole initialiser */
  if (!sema_check(S, &inner, body)) return false;
  e->inlined = body;
  e->shape = body->shape;
  e->is_const = body->is_const;
  e->const_val = body->const_val;
  inherit(e, body);
  return true;
}

/* ------------------------------------------------------------------ dispatch */

static bool check_node(Sema *S, const ECtx *c, AstExpr *e) {
  switch (e->kind) {
  case AST_NUM:
    e->shape = shape_scalar();
    e->is_const = true;
    e->const_val = e->num;
    return true;
  case AST_STR:
    sema_err(S, c, e->span, "a string is not a value");
    diag_hint(S->diag, "strings are file paths (load_csv(\"...\")) and solve option values");
    return false;
  case AST_IDENT:
    return check_ident(S, c, e);
  case AST_UNARY: {
    AstExpr *a = e->args[0];
    if (!sema_check(S, c, a) || !sema_no_tensor(S, c, a) || !sema_no_sparse(S, c, a)) return false;
    inherit(e, a);
    e->shape = a->shape;
    if (a->is_const) {
      e->is_const = true;
      e->const_val = -a->const_val;
    }
    return true;
  }
  case AST_BINARY:
    return check_binary(S, c, e);
  case AST_TRANSPOSE: {
    AstExpr *a = e->args[0];
    if (!sema_check(S, c, a) || !sema_no_tensor(S, c, a)) return false;
    inherit(e, a);
    e->shape = a->shape.rank == 2 ? shape_matrix(a->shape.cols, a->shape.rows) : a->shape;
    if (a->shape.sparse) e->shape.sparse = (uint8_t)(3 - a->shape.sparse); /* 1 <-> 2 */
    e->is_const = a->is_const;
    e->const_val = a->const_val;
    return true;
  }
  case AST_INDEX:
    return check_index(S, c, e);
  case AST_SLICE:
    sema_err(S, c, e->span, "a range lo:hi can only be a subscript");
    return false;
  case AST_LIST:
    return check_list(S, c, e);
  case AST_CALL: {
    if (e->builtin == BI_NONE && !e->fn) e->builtin = ast_builtin_lookup(e->str);
    if (e->builtin != BI_NONE) return sema_check_builtin(S, c, e, e->builtin);
    return check_fn_call(S, c, e);
  }
  }
  return false;
}

bool sema_check(Sema *S, const ECtx *c, AstExpr *e) {
  if (e->checked) return true; /* an argument copied into an inlined body, already checked */
  if (S->depth >= S->max_depth) {
    if (!S->depth_exhausted) {
      char why[96] = ""; /* a limit below SEMA_MAX_DEPTH is the stack's */
      if (S->max_depth < SEMA_MAX_DEPTH)
        snprintf(why, sizeof why, ", the most a stack of %ld KB holds: raise it with ulimit -s",
                 S->stack_kb);
      sema_err(S, c, e->span,
               "expression nested too deeply once fns are inlined (more than %d levels%s)",
               S->max_depth, why);
      S->depth_exhausted = true;
    }
    return false;
  }
  S->depth++;
  bool ok = check_node(S, c, e);
  S->depth--;
  e->checked = ok;
  return ok;
}
