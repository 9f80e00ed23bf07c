/* sema_shard.c — the separability check of sharded data (doc/language.md, §3b).
 * A data declaration marked `sharded` is split by rows over the ranks of a data-parallel run;
 * data computed row by row from it is split the same way. Each rank's kernels compute its
 * share of every objective and report, and the runtime sums the shares: that is only right when
 * the value is a sum (or mean) over the sharded rows of per-row terms plus terms without
 * sharded data, combined linearly. This pass classifies every expression of the program and
 * reports, at the expression, each place where that fails. It runs on every compile of a
 * program with sharded data, sharded or not, so that a program checks the same everywhere.
 * The IR pass compiler/ir/shard.c follows the same rules op by op. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "front/sema_int.h"

/* What an expression's value is, seen from one rank. */
typedef enum Sh {
  SH_REP, /* the same on every rank: no sharded data */
  SH_ROWS, /* its rows (a vector's elements) are the sharded rows: each rank holds its own */
  SH_COLS, /* a matrix whose columns are the sharded rows (a transpose) */
  SH_PART, /* a sum over the sharded rows: each rank holds its share, the value is their sum */
  SH_TASK, /* a value of one task drawn by a batch(1) sample set (X[t], XS[t, :]): whoever owns
              the task computes it whole; any function of it stays the task's */
  SH_ERR /* not separable (reported) */
} Sh;

typedef struct ShCtx {
  Sema *S;
  const char *where; /* "objective 'f'", "report 'acc'", "data 'X'" */
  bool *hinted; /* the rule's hint was given (once a program) */
} ShCtx;

#define SEP_HINT \
  "over sharded data, an objective or report must be a sum or mean over the sharded rows of " \
  "per-row terms, plus terms without sharded data (doc/language.md, section 3b)"

const char *sema_span_text(Sema *S, Span s, char *buf, size_t len) {
  const SrcFile *f = diag_file(S->diag, s.file);
  size_t n = 0;
  bool space = false;
  if (f)
    for (uint32_t i = s.start; i < s.end && n + 4 < len; i++) {
      char ch = f->text[i];
      bool ws = ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
      if (ws) {
        space = n > 0;
        continue;
      }
      if (space) buf[n++] = ' ';
      space = false;
      buf[n++] = ch;
      if (n + 4 >= len && i + 1 < s.end) {
        memcpy(buf + n, "...", 3);
        n += 3;
        break;
      }
    }
  buf[n] = 0;
  return buf;
}

static Sh fail(const ShCtx *c, const AstExpr *e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static Sh fail(const ShCtx *c, const AstExpr *e, const char *fmt, ...) {
  char why[256], text[72];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, sizeof why, fmt, ap);
  va_end(ap);
  diag_error(c->S->diag, e->span, "%s is not separable over the sharded rows: '%s' %s", c->where,
             sema_span_text(c->S, e->span, text, sizeof text), why);
  if (!*c->hinted) diag_hint(c->S->diag, SEP_HINT);
  *c->hinted = true;
  return SH_ERR;
}

static Sh classify(const ShCtx *c, const AstExpr *e);

static bool sharded(Sh s) { return s == SH_ROWS || s == SH_COLS; }

/* drawn(): a value's rows are all the sharded rows (WHOLE), those a sample set drew (its
 * declaration), or not sharded (NULL). */
static const AstDecl whole_rows;
#define WHOLE (&whole_rows)

/* Which rows the sharded rows (or the task) of e are. Only asked of a value classified as
 * sharded or a task: any operand that pairs other sharded rows has been checked (or
 * reported) already, so the first operand with sharded rows tells. */
static const AstDecl *drawn(const AstExpr *e) {
  switch (e->kind) {
  case AST_IDENT: return e->ref && e->ref->kind == DECL_DATA && e->ref->row_sharded ? WHOLE : NULL;
  case AST_INDEX: {
    const AstDecl *b = drawn(e->args[0]);
    if (!b || e->nargs < 2) return b;
    if (e->subs[0].kind == SUB_SAMPLE) return e->subs[0].sample;
    if (e->nargs > 2 && e->subs[1].kind == SUB_SAMPLE && e->args[0]->kind == AST_TRANSPOSE)
      return e->subs[1].sample; /* X'[:, B] */
    return b;
  }
  case AST_CALL:
    if (e->is_const) return NULL;
    if (e->inlined) return drawn(e->inlined);
    break;
  case AST_BINARY:
  case AST_UNARY:
  case AST_TRANSPOSE: break;
  default: return NULL;
  }
  for (int i = 0; i < e->nargs; i++) {
    const AstDecl *d = drawn(e->args[i]);
    if (d) return d;
  }
  return NULL;
}

/* Operands a[0..n) of e (a[i] the class of e->args[i]) whose sharded rows (or tasks) are
 * paired with each other, element by element or by a product: they must be the same rows.
 * Rows drawn by two sample sets, or drawn rows and all the rows, cannot be paired: each rank
 * holds only the drawn rows it owns of each. Returns SH_ERR after reporting, else SH_REP. */
static Sh same_rows(const ShCtx *c, const AstExpr *e, const Sh *a, int n) {
  const AstDecl *first = NULL;
  for (int i = 0; i < n && i < e->nargs; i++) {
    if (!sharded(a[i]) && a[i] != SH_TASK) continue;
    const AstDecl *d = drawn(e->args[i]);
    if (!d || d == first) continue;
    if (!first) {
      first = d;
      continue;
    }
    char text[72];
    const AstDecl *set = first == WHOLE ? d : first, *other = first == WHOLE ? first : d;
    const char *what = sema_span_text(c->S, e->span, text, sizeof text);
    if (other == WHOLE)
      diag_error(c->S->diag, e->span,
                 "%s: '%s' pairs the rows drawn by sample set '%s' with all the sharded rows",
                 c->where, what, set->name);
    else
      diag_error(c->S->diag, e->span,
                 "%s: '%s' pairs the rows drawn by sample set '%s' with those drawn by '%s'",
                 c->where, what, set->name, other->name);
    if (!c->S->shard_sets_hinted)
      diag_hint(c->S->diag, "over sharded data each rank holds only the drawn rows it owns of "
                            "each set, so rows of two sets cannot meet: index both by one "
                            "sample set, or reduce each (sum, mean) before combining them");
    c->S->shard_sets_hinted = true;
    return SH_ERR;
  }
  return SH_REP;
}

/* Operands combined element by element (arithmetic, comparisons, elementwise builtins,
 * per-row builtins). Sums over rows pass only a sum or difference (`add`), or a product or
 * quotient with values the same on every rank (`scale`). */
static Sh combine(const ShCtx *c, const AstExpr *e, const Sh *a, int n, bool add, bool scale) {
  bool rows = false, cols = false, task = false;
  int nparts = 0;
  for (int i = 0; i < n; i++) {
    if (a[i] == SH_ERR) return SH_ERR;
    rows |= a[i] == SH_ROWS;
    cols |= a[i] == SH_COLS;
    task |= a[i] == SH_TASK;
    if (a[i] == SH_PART) nparts++;
  }
  if ((rows || cols || task) && same_rows(c, e, a, n) == SH_ERR) return SH_ERR;
  bool part = nparts > 0;
  if (task && (rows || cols)) return fail(c, e, "combines a sampled task with sharded rows");
  if (task && part && !add) return fail(c, e, "combines a sampled task with a sum over rows");
  if (task) return part ? SH_PART : SH_TASK;
  if (rows && cols) return fail(c, e, "combines sharded rows with sharded columns (a transpose)");
  if (part && (rows || cols))
    return fail(c, e, "combines a sum over the sharded rows with per-row values");
  if (part) {
    if (add) return SH_PART;
    if (scale && nparts == 1) return SH_PART;
    return nparts > 1 ? fail(c, e, "multiplies or divides two sums over the sharded rows")
                      : fail(c, e, "is a nonlinear function of a sum over the sharded rows");
  }
  return rows ? SH_ROWS : cols ? SH_COLS : SH_REP;
}

/* A @ B: the contraction runs over A's columns (a vector's elements) and B's rows. */
static Sh matmul(const ShCtx *c, const AstExpr *e, Sh a, Sh b) {
  if (a == SH_ERR || b == SH_ERR) return SH_ERR;
  if (a == SH_TASK || b == SH_TASK) {
    Sh pair[2] = {a, b};
    return combine(c, e, pair, 2, false, false);
  }
  const AstExpr *ea = e->args[0];
  if (a == SH_PART || b == SH_PART) {
    if (a == SH_REP || b == SH_REP) return SH_PART;
    return fail(c, e, "multiplies a sum over the sharded rows by sharded or summed values");
  }
  Sh pair[2] = {a, b};
  if (sharded(a) && sharded(b) && same_rows(c, e, pair, 2) == SH_ERR) return SH_ERR;
  bool a_rows = a == SH_ROWS && ea->shape.rank == 2; /* A's first dimension */
  bool contract = a == SH_COLS || (a == SH_ROWS && ea->shape.rank == 1) || b == SH_ROWS;
  /* a sparse matrix cannot be cut to a rank's rows (compiler/ir/shard.c) */
  if (contract && a == SH_REP && ea->shape.sparse)
    return fail(c, e, "multiplies sparse data that are not sharded by sharded rows: shard the "
                      "sparse data by the same rows");
  if (contract) {
    if (a_rows || b == SH_COLS)
      return fail(c, e, "pairs every sharded row with every other (an n x n result)");
    return SH_PART;
  }
  if (a_rows && b == SH_COLS)
    return fail(c, e, "pairs every sharded row with every other (an n x n result)");
  if (a_rows) return SH_ROWS;
  if (b == SH_COLS) return e->shape.rank == 2 ? SH_COLS : SH_ROWS;
  return SH_REP;
}

/* X[idx, :] (SUB_TAKE) of sharded rows: the indices may name any row, and each rank holds
 * only its own. */
static Sh take_of_sharded(const ShCtx *c, const AstExpr *e) {
  char text[72];
  diag_error(c->S->diag, e->span, "%s: '%s' picks sharded rows by a vector of indices, but "
             "each rank holds only its own rows", c->where,
             sema_span_text(c->S, e->span, text, sizeof text));
  diag_hint(c->S->diag, "pick from data that are not sharded and shard the result, data Xs "
                        "sharded = X[idx, :], or shuffle the file before sharding it");
  return SH_ERR;
}

/* The vectors of indices of e (SUB_TAKE), and what they make of base class b: sharded
 * indices pick from replicated data on each rank the rows its indices say, the result sharded
 * as they are (a column pick, sharded columns); replicated ones keep b. */
static Sh take_indices(const ShCtx *c, const AstExpr *e, Sh b) {
  for (int k = 0; k < e->nargs - 1; k++) {
    if (e->subs[k].kind != SUB_TAKE) continue;
    Sh ix = classify(c, e->args[k + 1]);
    if (ix == SH_ERR || ix == SH_REP) {
      if (ix == SH_ERR) return SH_ERR;
      continue;
    }
    if (ix != SH_ROWS) return fail(c, e, "picks by indices that are %s", ix == SH_PART ?
                                   "a sum over the sharded rows" : "not data");
    if (b != SH_REP) return fail(c, e, "picks sharded values by sharded indices");
    return e->shape.rank == 2 && k == 1 ? SH_COLS : SH_ROWS;
  }
  return b;
}

static Sh index_expr(const ShCtx *c, const AstExpr *e) {
  Sh b0 = classify(c, e->args[0]);
  Sh b = b0 == SH_ERR ? b0 : take_indices(c, e, b0);
  if (b != b0 || b == SH_ERR || b == SH_REP || b == SH_PART || b == SH_TASK) return b;
  const AstExpr *base = e->args[0];
  for (int k = 0; k < e->nargs - 1; k++) {
    const AstSub *s = &e->subs[k];
    bool on_rows = (k == 0) == (b == SH_ROWS);
    int64_t dim = k == 0 ? base->shape.rows : base->shape.cols;
    if (!on_rows) continue;
    /* sampled rows: each rank evaluates the drawn rows it owns (of sparse data too: the rows
     * it does not own are empty, compiler/ir/shard.c); a task (batch(1)) whole */
    if (s->kind == SUB_SAMPLE && s->sample->batch_k == 1) return SH_TASK;
    if (s->kind == SUB_SAMPLE) continue;
    if (s->kind == SUB_TAKE) return take_of_sharded(c, e);
    if (base->shape.rank == 3)
      return fail(c, e, "takes one task of sharded tasks: index them by a batch(1) sample set");
    if (s->kind != SUB_RANGE || s->lo != 0 || s->hi != dim)
      return fail(c, e,
                  "takes some of the sharded rows: only whole sharded dimensions may be "
                  "indexed");
  }
  if (base->shape.rank == 2 && e->shape.rank == 1 && b == SH_COLS) return SH_ROWS;
  if (base->shape.rank == 2 && e->shape.rank == 1 && b == SH_ROWS) return SH_ROWS;
  return b;
}

static Sh builtin(const ShCtx *c, const AstExpr *e) {
  Sh a[16] = {SH_REP};
  int n = e->nargs < 16 ? e->nargs : 16;
  for (int i = 0; i < n; i++) a[i] = classify(c, e->args[i]);
  bool task = false;
  for (int i = 0; i < n; i++) {
    if (a[i] == SH_ERR) return SH_ERR;
    task |= a[i] == SH_TASK;
  }
  if (task) return combine(c, e, a, n, false, false); /* all of one task */
  const char *name = ast_builtins[e->builtin].name;
  Sh x = n > 0 ? a[0] : SH_REP;
  switch (e->builtin) {
  case BI_SUM:
  case BI_MEAN: return sharded(x) ? SH_PART : x;
  case BI_SUMSQ:
    if (x == SH_PART) return fail(c, e, "squares a sum over the sharded rows");
    return sharded(x) ? SH_PART : x;
  case BI_DOT: {
    Sh m = combine(c, e, a, 2, false, true);
    return sharded(m) ? SH_PART : m;
  }
  case BI_NORM:
  case BI_LOGSUMEXP:
    if (x == SH_REP) return SH_REP;
    return fail(c, e, "needs every rank's rows at once ('%s' is not a sum over them)", name);
  case BI_SUM_ROWS:
  case BI_MEAN_ROWS: return x == SH_COLS ? SH_PART : x;
  case BI_SUM_COLS:
  case BI_MEAN_COLS: return x == SH_ROWS ? SH_PART : x == SH_COLS ? SH_ROWS : x;
  case BI_LOGSUMEXP_ROWS:
  case BI_SOFTMAX_ROWS:
  case BI_ARGMAX_ROWS:
    if (x == SH_COLS) return fail(c, e, "reduces each row across the sharded columns");
    if (x == SH_PART) return fail(c, e, "is a nonlinear function of a sum over the sharded rows");
    return x;
  case BI_CROSS_ENTROPY:
    if (x == SH_COLS || a[1] == SH_COLS)
      return fail(c, e, "reduces each row across the sharded columns");
    return combine(c, e, a, 2, false, false);
  case BI_ROWWISE:
  case BI_COLWISE: {
    /* rowwise(A, v): v runs along A's columns; colwise(A, v): along its rows */
    bool along_rows = e->builtin == BI_COLWISE;
    Sh v = a[1] == SH_ROWS ? (along_rows ? SH_ROWS : SH_COLS) : a[1];
    Sh pair[2] = {x, v};
    return combine(c, e, pair, 2, false, true);
  }
  case BI_OUTER: {
    if (x == SH_PART || a[1] == SH_PART) {
      Sh pair[2] = {x, a[1]};
      return combine(c, e, pair, 2, false, true);
    }
    if (x == SH_ROWS && a[1] == SH_ROWS)
      return fail(c, e, "pairs every sharded row with every other (an n x n result)");
    return x == SH_ROWS ? SH_ROWS : a[1] == SH_ROWS ? SH_COLS : SH_REP;
  }
  case BI_RESHAPE:
    if (x == SH_ROWS || x == SH_COLS)
      return fail(c, e, "moves elements across the sharded rows");
    return x;
  case BI_DIAG:
  case BI_TRACE:
    if (sharded(x)) return fail(c, e, "needs the sharded rows as a square matrix");
    return x;
  case BI_HCAT: {
    bool part = false, rows = false;
    for (int i = 0; i < n; i++) {
      part |= a[i] == SH_PART;
      rows |= a[i] == SH_ROWS;
      if (a[i] == SH_COLS) return fail(c, e, "concatenates sharded columns");
    }
    if (part) return fail(c, e, "concatenates a sum over the sharded rows");
    if (rows && same_rows(c, e, a, n) == SH_ERR) return SH_ERR;
    return rows ? SH_ROWS : SH_REP;
  }
  case BI_VCAT:
    for (int i = 0; i < n; i++)
      if (a[i] != SH_REP) return fail(c, e, "stacks sharded rows with other rows");
    return SH_REP;
  case BI_DENSE:
  case BI_ONEHOT:
  case BI_WHERE:
  default:
    if (ast_builtins[e->builtin].ir_op >= 0 || e->builtin == BI_CLIP || e->builtin == BI_POW ||
        e->builtin == BI_WHERE || e->builtin == BI_ONEHOT || e->builtin == BI_DENSE)
      return combine(c, e, a, n, false, false);
    return SH_REP; /* constants, generators and loaders: a declaration marks them sharded */
  }
}

static Sh classify(const ShCtx *c, const AstExpr *e) {
  switch (e->kind) {
  case AST_NUM:
  case AST_STR:
  case AST_LIST:
  case AST_SLICE: return SH_REP;
  case AST_IDENT:
    return e->ref && e->ref->kind == DECL_DATA && e->ref->row_sharded ? SH_ROWS : SH_REP;
  case AST_UNARY: return classify(c, e->args[0]);
  case AST_TRANSPOSE: {
    Sh a = classify(c, e->args[0]);
    if (e->args[0]->shape.rank != 2) return a;
    return a == SH_ROWS ? SH_COLS : a == SH_COLS ? SH_ROWS : a;
  }
  case AST_INDEX: return index_expr(c, e);
  case AST_CALL:
    if (e->is_const) return SH_REP;
    if (e->inlined) return classify(c, e->inlined);
    return builtin(c, e);
  case AST_BINARY: {
    if (e->is_const) return SH_REP;
    Sh a[2] = {classify(c, e->args[0]), classify(c, e->args[1])};
    switch ((AstBinOp)e->op) {
    case OP_MATMUL: return matmul(c, e, a[0], a[1]);
    case OP_ADD:
    case OP_SUB: return combine(c, e, a, 2, true, false);
    case OP_MUL: return combine(c, e, a, 2, false, true);
    case OP_DIV:
      if (a[1] == SH_PART && a[0] != SH_ERR)
        return fail(c, e, "divides by a sum over the sharded rows");
      return combine(c, e, a, 2, false, true);
    case OP_POW:
      if (a[0] == SH_PART && e->args[1]->const_val == 1) return SH_PART;
      return combine(c, e, a, 2, false, false);
    default: return combine(c, e, a, 2, false, false);
    }
  }
  }
  return SH_REP;
}

static void check_data(Sema *S, AstDecl *d) {
  char where[160];
  snprintf(where, sizeof where, "data '%s'", d->name);
  ShCtx c = {S, where, &S->shard_hinted};
  Sh v = classify(&c, d->init);
  if (v == SH_ERR) return;
  if (d->sharded) {
    if (d->shape.rank == 0) {
      diag_error(S->diag, d->sharded_span, "%s cannot be sharded: a scalar has no rows", where);
      diag_hint(S->diag, "shard a vector or a matrix (dense or sparse): its rows are split over "
                         "the ranks");
      return;
    }
  }
  if (v == SH_TASK) return; /* not reached: data cannot use sample sets */
  if (v == SH_PART || v == SH_COLS) {
    diag_error(S->diag, d->init->span,
               "%s %s the sharded rows: data computed from sharded data must keep its rows", where,
               v == SH_PART ? "sums over" : "transposes");
    diag_hint(S->diag, "compute it in the objective instead, where a sum over rows is allowed");
    return;
  }
  if (v == SH_ROWS && d->tensor.rank == 3) {
    diag_error(S->diag, d->init->span, "%s is a tensor computed from sharded rows", where);
    diag_hint(S->diag, "sharding a tensor by tasks is not supported yet");
    return;
  }
  d->row_sharded = d->sharded || v == SH_ROWS;
}

/* Initial values and bounds must be the same on every rank. */
static void check_whole(Sema *S, const AstDecl *d, const AstExpr *e, const char *what) {
  char where[160];
  snprintf(where, sizeof where, "%s '%s'", what, d->name);
  ShCtx c = {S, where, &S->shard_hinted};
  Sh v = classify(&c, e);
  if (v == SH_ERR || v == SH_REP || v == SH_TASK) return;
  diag_error(S->diag, e->span, "%s uses sharded data", where);
  diag_hint(S->diag, "every rank holds the whole x and y: their initial values and bounds "
                     "cannot depend on sharded rows");
}

static void check_scalar(Sema *S, const AstDecl *d, const char *what) {
  char where[160];
  snprintf(where, sizeof where, "%s '%s'", what, d->name);
  ShCtx c = {S, where, &S->shard_hinted};
  classify(&c, d->init); /* a scalar is REP or PART, or was reported */
}

void sema_check_shards(Sema *S) {
  Program *p = S->prog;
  bool any = false;
  for (int k = 0; k < p->ndata; k++) any |= p->data[k]->sharded;
  if (!any) return;
  p->sharded = true;
  for (int k = 0; k < p->ndata; k++) check_data(S, p->data[k]);
  for (int i = 0; i < p->nupper; i++) {
    const AstDecl *d = p->upper[i];
    check_whole(S, d, d->init, "the initial value of");
    if (d->con && d->con->lo_data && d->con->lo_data->row_sharded)
      check_whole(S, d, d->con->lo, "the lower bound of");
    if (d->con && d->con->hi_data && d->con->hi_data->row_sharded)
      check_whole(S, d, d->con->hi, "the upper bound of");
  }
  for (int j = 0; j < p->nlower; j++)
    check_whole(S, p->lower[j], p->lower[j]->init, "the initial value of");
  if (p->f) check_scalar(S, p->f, "upper objective");
  if (p->g) check_scalar(S, p->g, "lower objective");
  for (int r = 0; r < p->nreports; r++) check_scalar(S, p->reports[r], "report");
}
