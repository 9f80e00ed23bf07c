/* sema_full.c — the full variant of a sampled program (doc/language.md, §7, "The full
 * variant"). bloc eval, bloc compare's yardstick and the end-of-run checks measure phi "over
 * all the data" on the program compiled with every sample set whole (blo_compile_full). That
 * must be the mean of the sampled objective over the draws, not the same text read with
 * batch(N): `(N / K) * sum(r[B] ^ 2)` over a whole B is N / K times the full sum, a different
 * problem (a new-user pass measured phi 1.8301 with grad -0.063 at the true minimiser, where
 * it is 1.7715 and 0). So each reduction over rows a set drew is read as its mean over the
 * draws: a sum-like one (sum, sumsq, dot, a matrix product contracting the drawn rows,
 * sum_rows / sum_cols over them) over a batch of K of N is K / N times the sum over all N; a
 * mean-like one (mean, mean_rows, mean_cols) is unchanged. A reduction with no such form
 * (norm, logsumexp, softmax, an N x N pairing of drawn rows, ...) leaves the program without a
 * full variant: Program.full_why says why, and every place that would have measured it says
 * so instead. This pass classifies the objectives' expressions as sema_shard.c does the
 * sharded rows; on the full variant's compile it also marks the sum-like reductions
 * (AstExpr.full_scale, applied by compiler/ir/lower.c). */
#include <stdio.h>
#include <string.h>

#include "front/sema_int.h"

/* Which axes of a value are rows a sample set drew. */
typedef enum Fk {
  FK_NONE, /* none: no drawn rows, or reduced over them */
  FK_ROWS, /* its rows (a vector's elements) */
  FK_COLS, /* a matrix's columns (a transpose) */
  FK_BAD /* a reduction with no full form (Program.full_why set) */
} Fk;

typedef struct Fv {
  Fk k;
  const AstDecl *set; /* FK_ROWS, FK_COLS: the sample set */
} Fv;

typedef struct FCtx {
  Sema *S;
  const char *where; /* "upper objective", "lower objective" */
} FCtx;

static const Fv NONE = {FK_NONE, NULL};
static const Fv BADV = {FK_BAD, NULL};

static bool drawn(Fv v) { return v.k == FK_ROWS || v.k == FK_COLS; }

/* The first reason the program has no full variant (the others are not kept). */
static Fv bad(const FCtx *c, const AstExpr *e, const AstDecl *set, const char *why) {
  Program *p = c->S->prog;
  if (p->full_why) return BADV;
  char text[72], msg[512];
  const SrcFile *f = diag_file(c->S->diag, e->span.file);
  int line = 0;
  if (f && f->text) {
    line = 1;
    for (uint32_t i = 0; i < e->span.start && f->text[i]; i++) line += f->text[i] == '\n';
  }
  snprintf(msg, sizeof msg,
           "the %s's '%s' (line %d) %s the rows drawn by sample set '%s': its mean over the "
           "draws is no function of all the data (that of a sum, mean, sumsq, dot or matrix "
           "product over them is)",
           c->where, sema_span_text(c->S, e->span, text, sizeof text), line, why,
           set ? set->name : "?");
  p->full_why = arena_strdup(c->S->arena, msg);
  return BADV;
}

/* The sample set a subscript expression names (whole or not), or NULL. */
static const AstDecl *sub_set(const AstExpr *s) {
  return s && s->kind == AST_IDENT && s->ref && s->ref->kind == DECL_SAMPLE ? s->ref : NULL;
}

/* A sum-like reduction e over rows set drew: in the full variant, times batch / population. */
static Fv reduced(const FCtx *c, AstExpr *e, const AstDecl *set) {
  if (c->S->full_population && set->population_n > 0 && set->batch_drawn != set->population_n)
    e->full_scale = (double)set->batch_drawn / (double)set->population_n;
  return NONE;
}

/* Whether x mentions sample set `set` (after inlining): ones(rows(X[B, :])) does, and its
 * size follows the set into the full variant; ones(bt) does not. */
static bool mentions(const AstExpr *x, const AstDecl *set) {
  if (!x) return false;
  if (x->kind == AST_IDENT) return x->ref == set;
  if (x->inlined) return mentions(x->inlined, set);
  for (int i = 0; i < x->nargs; i++)
    if (mentions(x->args[i], set)) return true;
  return false;
}

/* Operand `fixed`, sized by the batch but not drawn, meets `with`, whose rows set drew: in the
 * full variant `with` has all the population's rows and `fixed` keeps the batch's (new-user
 * pass G, session 49: `X[B, :] @ W + outer(ones(bt), b)` left the variant failing to build,
 * with no reason said). */
static Fv fixed_bad(const FCtx *c, const AstExpr *fixed, const AstExpr *with, const AstDecl *set,
                    bool cols) {
  Program *p = c->S->prog;
  if (p->full_why) return BADV;
  char ft[72], wt[72], cure[200], msg[512];
  const SrcFile *f = diag_file(c->S->diag, fixed->span.file);
  int line = 0;
  if (f && f->text) {
    line = 1;
    for (uint32_t i = 0; i < fixed->span.start && f->text[i]; i++) line += f->text[i] == '\n';
  }
  sema_span_text(c->S, with->span, wt, sizeof wt);
  /* outer(ones(K), v): the bias form of doc/language.md, section 5 */
  const AstExpr *o = fixed->kind == AST_CALL && fixed->inlined ? fixed->inlined : fixed;
  if (!cols && o->kind == AST_CALL && o->builtin == BI_OUTER && o->nargs == 2 &&
      o->args[0]->kind == AST_CALL && o->args[0]->builtin == BI_ONES) {
    char vt[64];
    snprintf(cure, sizeof cure, "outer(ones(rows(%s)), %s) or stdlib affine", wt,
             sema_span_text(c->S, o->args[1]->span, vt, sizeof vt));
  } else {
    snprintf(cure, sizeof cure, "its size as %s(%s), which follows the set", cols ? "cols" : "rows",
             wt);
  }
  snprintf(msg, sizeof msg,
           "the %s's '%s' (line %d) has the batch's %lld %s but does not follow sample set "
           "'%s', which draws those of '%s': with the set whole it keeps %lld where the other "
           "has %lld; write %s",
           c->where, sema_span_text(c->S, fixed->span, ft, sizeof ft), line,
           (long long)set->batch_drawn, cols ? "columns" : "rows", set->name, wt,
           (long long)set->batch_drawn, (long long)set->population_n, cure);
  p->full_why = arena_strdup(c->S->arena, msg);
  return BADV;
}

/* Which of the result's axes operand x spans: 1 its rows (a vector's elements), 2 its
 * columns; a scalar none (it broadcasts). */
static int spans_of(const AstExpr *x) {
  return x->shape.rank == 0 ? 0 : x->shape.rank == 1 ? 1 : 3;
}

/* Operands combined element by element: drawn rows must be one set's, on one axis, and an
 * operand that spans the drawn axis must be drawn too or sized by the set (ops: the operands'
 * expressions and span[i] the axes each spans, or ops NULL: not checked). */
static Fv combine_ops(const FCtx *c, const AstExpr *e, const Fv *a, AstExpr *const *ops,
                      const int *span, int n) {
  Fv r = NONE;
  int at = -1;
  for (int i = 0; i < n; i++) {
    if (a[i].k == FK_BAD) return BADV;
    if (!drawn(a[i])) continue;
    if (!drawn(r)) {
      r = a[i];
      at = i;
      continue;
    }
    if (a[i].set != r.set)
      return bad(c, e, r.set, a[i].k == r.k ? "pairs rows drawn by two sample sets, including"
                                            : "pairs drawn rows with drawn columns, of");
    if (a[i].k != r.k) return bad(c, e, r.set, "pairs drawn rows with drawn columns, of");
  }
  if (!drawn(r) || !ops || r.set->batch_drawn <= 1) return r;
  int axis = r.k == FK_ROWS ? 1 : 2;
  for (int i = 0; i < n; i++)
    if (a[i].k == FK_NONE && (span[i] & axis) && !mentions(ops[i], r.set))
      return fixed_bad(c, ops[i], ops[at], r.set, axis == 2);
  return r;
}

/* combine_ops over operands of equal shapes (or scalars): e's arguments from `from` on */
static Fv combine(const FCtx *c, const AstExpr *e, const Fv *a, int n) {
  int span[16];
  if (n > 16) return combine_ops(c, e, a, NULL, NULL, n);
  for (int i = 0; i < n; i++) span[i] = spans_of(e->args[i]);
  return combine_ops(c, e, a, e->args, span, n);
}

static Fv classify(const FCtx *c, AstExpr *e);

static Fv index_expr(const FCtx *c, AstExpr *e) {
  Fv b = classify(c, e->args[0]);
  if (b.k == FK_BAD) return b;
  const AstExpr *base = e->args[0];
  int nsubs = e->nargs - 1;
  if (!e->subs || base->shape.rank > 2) return b.k == FK_NONE ? NONE : b;
  /* the drawn set of each of base's axes, then of the result's */
  const AstDecl *ax[2] = {NULL, NULL};
  if (b.k == FK_ROWS) ax[0] = b.set;
  if (b.k == FK_COLS) ax[1] = b.set;
  const AstDecl *out[2] = {NULL, NULL};
  int nout = 0;
  for (int k = 0; k < nsubs && k < 2; k++) {
    const AstSub *s = &e->subs[k];
    int64_t dim = k == 0 ? base->shape.rows : base->shape.cols;
    if (base->shape.rank == 1) dim = base->shape.rows;
    const AstDecl *set = sub_set(e->args[k + 1]);
    bool dropped = s->kind == SUB_INDEX || (s->kind == SUB_SAMPLE && s->hi == 1);
    if (set && set->batch_drawn != set->population_n && !dropped) {
      if (ax[k]) return bad(c, e, ax[k], "samples again");
      out[nout++] = set;
      continue;
    }
    if (s->kind == SUB_TAKE) {
      Fv ix = classify(c, e->args[k + 1]);
      if (ix.k == FK_BAD) return ix;
      if (ax[k]) return bad(c, e, ax[k], "picks by indices from");
      out[nout++] = drawn(ix) ? ix.set : NULL;
      continue;
    }
    bool whole = s->kind == SUB_RANGE && s->lo == 0 && s->hi == dim;
    if (ax[k] && !whole) return bad(c, e, ax[k], "takes part of");
    if (!dropped) out[nout++] = ax[k];
  }
  if (e->shape.rank == 0) return NONE;
  Fv r = NONE;
  for (int k = 0; k < nout && k < 2; k++) {
    if (!out[k]) continue;
    if (drawn(r)) return bad(c, e, out[k], "pairs each with every other of");
    r = (Fv){k == 0 || e->shape.rank == 1 ? FK_ROWS : FK_COLS, out[k]};
  }
  return r;
}

/* A @ B: the contraction runs over A's columns (a vector's elements) and B's rows. */
static Fv matmul(const FCtx *c, AstExpr *e, Fv a, Fv b) {
  if (a.k == FK_BAD || b.k == FK_BAD) return BADV;
  const AstExpr *ea = e->args[0], *eb = e->args[1];
  const AstDecl *ca = NULL, *cb = NULL, *keep_a = NULL, *keep_b = NULL;
  if (ea->shape.rank == 1) ca = drawn(a) ? a.set : NULL;
  else if (a.k == FK_COLS) ca = a.set;
  else if (a.k == FK_ROWS) keep_a = a.set;
  if (b.k == FK_ROWS) cb = b.set;
  else if (b.k == FK_COLS && eb->shape.rank == 2) keep_b = b.set;
  if (keep_a && keep_b) return bad(c, e, keep_a, "pairs each with every other of");
  if ((ca || cb) && (keep_a || keep_b))
    return bad(c, e, ca ? ca : cb, "contracts and keeps");
  if (ca && cb && ca != cb) return bad(c, e, ca, "pairs rows drawn by two sample sets, including");
  if (ca || cb) return reduced(c, e, ca ? ca : cb);
  if (keep_a) return (Fv){FK_ROWS, keep_a};
  if (keep_b) return (Fv){e->shape.rank == 2 ? FK_COLS : FK_ROWS, keep_b};
  return NONE;
}

static Fv builtin(const FCtx *c, AstExpr *e) {
  Fv a[16] = {{FK_NONE, NULL}};
  int n = e->nargs < 16 ? e->nargs : 16;
  for (int i = 0; i < n; i++) {
    a[i] = classify(c, e->args[i]);
    if (a[i].k == FK_BAD) return BADV;
  }
  Fv x = n > 0 ? a[0] : NONE;
  const char *name = ast_builtins[e->builtin].name;
  char why[96];
  snprintf(why, sizeof why, "reduces by %s", name);
  switch (e->builtin) {
  case BI_SUM:
  case BI_SUMSQ: return drawn(x) ? reduced(c, e, x.set) : NONE;
  case BI_MEAN: return NONE;
  case BI_DOT: {
    Fv m = combine(c, e, a, 2);
    return drawn(m) ? reduced(c, e, m.set) : m;
  }
  case BI_NORM:
  case BI_LOGSUMEXP: return drawn(x) ? bad(c, e, x.set, why) : NONE;
  case BI_SUM_ROWS: return x.k == FK_COLS ? reduced(c, e, x.set) : x;
  case BI_MEAN_ROWS: return x.k == FK_COLS ? NONE : x;
  case BI_SUM_COLS:
    if (x.k == FK_ROWS && e->args[0]->shape.rank == 2) return reduced(c, e, x.set);
    return x.k == FK_COLS ? (Fv){FK_ROWS, x.set} : x;
  case BI_MEAN_COLS:
    if (x.k == FK_ROWS && e->args[0]->shape.rank == 2) return NONE;
    return x.k == FK_COLS ? (Fv){FK_ROWS, x.set} : x;
  case BI_LOGSUMEXP_ROWS:
  case BI_SOFTMAX_ROWS:
    if (x.k == FK_COLS || (drawn(x) && e->args[0]->shape.rank == 1)) return bad(c, e, x.set, why);
    return x;
  case BI_CROSS_ENTROPY:
    if (x.k == FK_COLS || a[1].k == FK_COLS) return bad(c, e, x.set ? x.set : a[1].set, why);
    return combine(c, e, a, 2);
  case BI_ROWWISE:
  case BI_COLWISE: {
    /* rowwise(A, v): v runs along A's columns; colwise(A, v): along its rows */
    Fv v = a[1];
    if (v.k == FK_ROWS && e->builtin == BI_ROWWISE) v.k = FK_COLS;
    Fv pair[2] = {x, v};
    int span[2] = {3, e->builtin == BI_ROWWISE ? 2 : 1};
    return combine_ops(c, e, pair, e->args, span, 2);
  }
  case BI_OUTER:
    if (drawn(x) && drawn(a[1]))
      return bad(c, e, x.set, "pairs each with every other of");
    return drawn(x) ? (Fv){FK_ROWS, x.set} : drawn(a[1]) ? (Fv){FK_COLS, a[1].set} : NONE;
  case BI_RESHAPE:
  case BI_DIAG:
  case BI_TRACE:
  case BI_VCAT:
    /* any part of a vcat: vcat(w, r[B]) moves the drawn rows as vcat(r[B], w) does */
    for (int i = 1; i < n && !drawn(x); i++) x = a[i];
    if (!drawn(x)) return NONE;
    snprintf(why, sizeof why, "moves by %s", name);
    return bad(c, e, x.set, why);
  case BI_HCAT: {
    int span[16];
    for (int i = 0; i < n; i++) {
      if (a[i].k == FK_COLS) return bad(c, e, a[i].set, "concatenates the columns of");
      span[i] = e->args[i]->shape.rank == 0 ? 0 : 1; /* side by side: each spans the rows */
    }
    return combine_ops(c, e, a, e->args, span, n);
  }
  default:
    if (ast_builtins[e->builtin].ir_op >= 0 || e->builtin == BI_CLIP || e->builtin == BI_POW ||
        e->builtin == BI_WHERE || e->builtin == BI_ONEHOT || e->builtin == BI_DENSE)
      return combine(c, e, a, n);
    return NONE;
  }
}

static Fv classify(const FCtx *c, AstExpr *e) {
  if (!e) return NONE;
  switch (e->kind) {
  case AST_NUM:
  case AST_STR:
  case AST_LIST:
  case AST_SLICE:
  case AST_IDENT: return NONE;
  case AST_UNARY: return classify(c, e->args[0]);
  case AST_TRANSPOSE: {
    Fv a = classify(c, e->args[0]);
    if (e->args[0]->shape.rank != 2 || !drawn(a)) return a;
    return (Fv){a.k == FK_ROWS ? FK_COLS : FK_ROWS, a.set};
  }
  case AST_INDEX: return index_expr(c, e);
  case AST_CALL:
    if (e->is_const) return NONE;
    if (e->inlined) return classify(c, e->inlined);
    return builtin(c, e);
  case AST_BINARY: {
    if (e->is_const) return NONE;
    Fv a[2] = {classify(c, e->args[0]), classify(c, e->args[1])};
    if (e->op == OP_MATMUL) return matmul(c, e, a[0], a[1]);
    return combine(c, e, a, 2);
  }
  }
  return NONE;
}

void sema_check_full(Sema *S) {
  Program *p = S->prog;
  bool drawn_any = false;
  for (int i = 0; i < p->nsamples; i++)
    drawn_any |= p->samples[i]->batch_drawn != p->samples[i]->population_n;
  if (!drawn_any) return;
  if (p->g && p->g->init) classify(&(FCtx){S, "lower objective"}, p->g->init);
  if (p->f && p->f->init) classify(&(FCtx){S, "upper objective"}, p->f->init);
}
