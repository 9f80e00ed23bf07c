/* sema_builtins.c — calls of the builtins of builtins.def: arity, where each may appear
 * (data-only builtins never in an objective, C1 ones warned in the lower objective, loads only
 * as the whole initialiser of a data declaration), parameters that must be constants, and the
 * shape each one produces. */
#include <math.h>
#include <string.h>

#include "front/sema_int.h"
#include "front/spelling.h"

static bool is_objective(CtxKind k) { return k == CTX_UPPER_OBJ || k == CTX_LOWER_OBJ; }

static bool is_load(BuiltinId id) {
  return id == BI_LOAD_CSV || id == BI_LOAD_IDX || id == BI_LOAD_LIBSVM || id == BI_LOAD_NPY ||
         id == BI_LOAD_LIBSVM_LABELS || id == BI_LOAD_MTX;
}

/* The shape a context-shaped builtin (zeros(), uniform(a, b), load_csv(...)) takes. */
static bool decl_shape(Sema *S, const ECtx *c, AstExpr *e, Shape *out) {
  if (c->has_shape) {
    *out = c->shape;
    return true;
  }
  if (c->decl &&
      (c->decl->kind == DECL_DATA || c->decl->kind == DECL_UPPER || c->decl->kind == DECL_LOWER) &&
      !c->decl->type) {
    sema_err(S, c, e->span, "'%s' takes its shape from the declared type, and %s has none", e->str,
             sema_decl_what(c->decl));
    diag_hint(S->diag, "declare the type: %s %s : matrix[m, n] = %s(...)",
              ast_decl_kind_str(c->decl->kind), c->decl->name, e->str);
  } else {
    sema_err(S, c, e->span, "'%s' needs explicit dimensions here", e->str);
    diag_hint(
        S->diag,
        "without dimensions it takes the declared type of the data or variable it initialises");
  }
  return false;
}

/* Shape from trailing dimension arguments args[first..] (none: the declaration's). */
static bool dims_shape(Sema *S, const ECtx *c, AstExpr *e, int first, Shape *out) {
  int nd = e->nargs - first;
  if (nd == 0) return decl_shape(S, c, e, out);
  int64_t d[2] = {1, 1};
  bool ok = true;
  for (int i = 0; i < nd; i++)
    if (!sema_dim(S, c, e->args[first + i], "a dimension", &d[i])) ok = false;
  if (!ok) return false;
  if (nd == 2 && d[0] > SEMA_MAX_SIZE / d[1]) {
    sema_err(S, c, e->span, "matrix[%lld, %lld] is too large (more than 2^40 elements)",
             (long long)d[0], (long long)d[1]);
    return false;
  }
  *out = nd == 1 ? shape_vector(d[0]) : shape_matrix(d[0], d[1]);
  return true;
}

static bool need_rank(Sema *S, const ECtx *c, AstExpr *e, int i, int rank, const char *what) {
  char buf[64];
  if (e->args[i]->shape.rank == rank) return true;
  sema_err(S, c, e->args[i]->span, "'%s' expects %s, got %s", e->str, what,
           shape_str(e->args[i]->shape, buf));
  return false;
}

/* A row or column builtin given a vector (softmax_rows(a) on the logits of an architecture
 * search, after the hint for 'softmax'): the hint gives the vector's own form. */
static void rows_vector_hint(Sema *S, const AstExpr *e) {
  if (e->args[0]->shape.rank != 1) return;
  const char *name = e->str;
  if (strcmp(name, "softmax_rows") == 0) {
    diag_hint(S->diag, "%s", spelling_function_hint("softmax"));
    return;
  }
  size_t len = strlen(name) - strlen("_rows"); /* sum_cols too: the suffixes are as long */
  diag_hint(S->diag, "for a vector v write %.*s(v); %s(A) gives one value per %s of a matrix",
            (int)len, name, name, strcmp(name + len, "_rows") == 0 ? "row" : "column");
}

static bool const_params(Sema *S, const ECtx *c, AstExpr *e, int n) {
  bool ok = true;
  for (int i = 0; i < n; i++) {
    char what[96];
    snprintf(what, sizeof what, "parameter %d of '%s'", i + 1, e->str);
    if (!sema_need_const(S, c, e->args[i], what)) ok = false;
  }
  return ok;
}

static bool check_generator(Sema *S, const ECtx *c, AstExpr *e, BuiltinId id) {
  int np = id == BI_BERNOULLI ? 1 : 2;
  if (!const_params(S, c, e, np)) return false;
  double a = e->args[0]->const_val, b = np > 1 ? e->args[1]->const_val : 0;
  char x[32], y[32];
  /* the generators' parameter rules (a class of builtins, so not a switch over all) */
  if (id == BI_UNIFORM) {
    if (!(a <= b) || !isfinite(a) || !isfinite(b)) {
      sema_err(S, c, e->span, "'uniform(a, b)' needs finite a <= b, got %s and %s",
               sema_num_str(a, x), sema_num_str(b, y));
      return false;
    }
  } else if (id == BI_NORMAL) {
    if (!isfinite(a) || !(b >= 0) || !isfinite(b)) {
      sema_err(S, c, e->span, "'normal(mu, sigma)' needs a finite mu and sigma >= 0, got %s and %s",
               sema_num_str(a, x), sema_num_str(b, y));
      return false;
    }
  } else if (id == BI_RANDINT) {
    /* [a, b) holds no integer when a = b (uniform(a, a) is a, the limit of [a, b) as normal's
     * sigma = 0 is mu; randint(a, a) has no such value: the runtime gave a, outside [a, b)) */
    if (a != floor(a) || b != floor(b) || !(a < b) || fabs(a) > 9e15 || fabs(b) > 9e15) {
      sema_err(S, c, e->span, "'randint(a, b)' draws from [a, b): it needs integers a < b, got "
               "%s and %s", sema_num_str(a, x), sema_num_str(b, y));
      return false;
    }
  } else { /* bernoulli */
    if (!(a >= 0 && a <= 1)) {
      sema_err(S, c, e->span, "'bernoulli(p)' needs 0 <= p <= 1, got %s", sema_num_str(a, x));
      return false;
    }
  }
  return dims_shape(S, c, e, np, &e->shape);
}

static bool check_load(Sema *S, const ECtx *c, AstExpr *e) {
  AstExpr *p = e->args[0];
  bool ok = true;
  if (p->kind != AST_STR) {
    sema_err(S, c, p->span, "'%s' expects a file path string", e->str);
    ok = false;
  } else {
    p->checked = true;
    p->shape = shape_scalar();
    if (!p->str[0]) {
      sema_err(S, c, p->span, "empty file path");
      ok = false;
    }
  }
  if (c->kind != CTX_DATA || c->whole != e) {
    sema_err(S, c, e->span, "'%s' must be the whole initialiser of a data declaration", e->str);
    diag_hint(
        S->diag,
        "declare the full tensor (data X : matrix[m, n] = %s(\"...\")), then slice or transform it "
        "in another data declaration",
        e->str);
    return false;
  }
  if (!ok) return false;
  if (!decl_shape(S, c, e, &e->shape)) return false;
  BuiltinId id = e->builtin;
  if (e->shape.rank == 3 && id != BI_LOAD_NPY && id != BI_LOAD_CSV) {
    sema_err(S, c, e->span, "'%s' cannot load a tensor", e->str);
    diag_hint(S->diag, "a tensor[T, K, d] loads from load_npy (a 3-D array) or load_csv (T*K "
                       "rows of d numbers: the tasks' matrices one after another)");
    return false;
  }
  char buf[64];
  if (e->shape.sparse && id != BI_LOAD_LIBSVM && id != BI_LOAD_MTX) {
    sema_err(S, c, e->span, "'%s' cannot load a %s matrix", e->str, shape_str(e->shape, buf));
    diag_hint(S->diag, "sparse data loads from load_libsvm (LIBSVM/SVMlight files) or load_mtx "
                       "(MatrixMarket)");
    return false;
  }
  if (id == BI_LOAD_MTX && !e->shape.sparse) {
    sema_err(S, c, e->span, "'load_mtx' loads a sparse[m, n] matrix, not a %s",
             shape_str(e->shape, buf));
    diag_hint(S->diag, "declare data X : sparse[m, n] = load_mtx(\"...\"), and dense(X) in another "
                       "data declaration if a dense copy is needed");
    return false;
  }
  if (id == BI_LOAD_LIBSVM_LABELS && e->shape.rank != 1) {
    sema_err(S, c, e->span, "'load_libsvm_labels' loads a vector[n] (one label per example), "
             "not a %s", shape_str(e->shape, buf));
    return false;
  }
  return true;
}

static bool check_cat(Sema *S, const ECtx *c, AstExpr *e, bool horizontal) {
  char buf[64];
  int64_t total = 0, other = -1;
  int nmat = 0, nvec = 0, nscal = 0;
  for (int i = 0; i < e->nargs; i++) {
    Shape s = e->args[i]->shape;
    if (s.rank == 2) nmat++;
    else if (s.rank == 1) nvec++;
    else nscal++;
  }
  if (horizontal) {
    if (nscal) {
      sema_err(S, c, e->span, "'hcat' joins vectors (as columns) and matrices, not scalars");
      return false;
    }
    for (int i = 0; i < e->nargs; i++) {
      Shape s = e->args[i]->shape;
      int64_t r = s.rows, k = s.rank == 2 ? s.cols : 1;
      if (other >= 0 && r != other) {
        sema_err(S, c, e->args[i]->span,
                 "'hcat' needs equal numbers of rows: %s has %lld, the first argument %lld",
                 shape_str(s, buf), (long long)r, (long long)other);
        return false;
      }
      other = r;
      total += k;
    }
    if (other > SEMA_MAX_SIZE / total) {
      sema_err(S, c, e->span, "the result of 'hcat' would be too large");
      return false;
    }
    e->shape = shape_matrix(other, total);
    return true;
  }
  if (nmat && nmat != e->nargs) {
    sema_err(
        S, c, e->span,
        "'vcat' joins either scalars and vectors (into a vector) or matrices (into a matrix), not "
        "both");
    return false;
  }
  for (int i = 0; i < e->nargs; i++) {
    Shape s = e->args[i]->shape;
    if (nmat) {
      if (other >= 0 && s.cols != other) {
        sema_err(S, c, e->args[i]->span,
                 "'vcat' needs equal numbers of columns: %s has %lld, the first argument %lld",
                 shape_str(s, buf), (long long)s.cols, (long long)other);
        return false;
      }
      other = s.cols;
    }
    total += s.rows;
  }
  if (total > SEMA_MAX_DIM) {
    sema_err(S, c, e->span, "the result of 'vcat' would be too large");
    return false;
  }
  e->shape = nmat ? shape_matrix(total, other) : shape_vector(total);
  return true;
}

/* The shape rule of each builtin; args are checked. */
static bool shape_rule(Sema *S, const ECtx *c, AstExpr *e, BuiltinId id) {
  AstExpr **a = e->args;
  char x[64], y[64];
  switch (id) {
#include "front/builtin_ew_cases.h"
    /* one elementwise op: a unary keeps its argument's shape, a binary broadcasts a scalar */
    if (e->nargs == 1) {
      e->shape = a[0]->shape;
      return true;
    }
    if (!sema_broadcast(a[0]->shape, a[1]->shape, &e->shape)) {
      sema_err(S, c, e->span, "'%s' needs equal shapes or a scalar, got %s and %s",
               ast_builtins[id].name, shape_str(a[0]->shape, x), shape_str(a[1]->shape, y));
      return false;
    }
    return true;
  case BI_SUM: case BI_MEAN: case BI_SUMSQ: case BI_NORM: case BI_LOGSUMEXP:
    e->shape = shape_scalar();
    return true;
  case BI_DOT:
    if (!shape_eq(a[0]->shape, a[1]->shape)) {
      sema_err(S, c, e->span, "'dot' needs two operands of the same shape, got %s and %s",
               shape_str(a[0]->shape, x), shape_str(a[1]->shape, y));
      return false;
    }
    e->shape = shape_scalar();
    return true;
  case BI_ARGMAX_ROWS:
    if (!need_rank(S, c, e, 0, 2, "a matrix")) return false;
    e->shape = shape_vector(a[0]->shape.rows);
    return true;
  case BI_SUM_ROWS: case BI_MEAN_ROWS: case BI_LOGSUMEXP_ROWS:
    if (!need_rank(S, c, e, 0, 2, "a matrix")) {
      rows_vector_hint(S, e);
      return false;
    }
    e->shape = shape_vector(a[0]->shape.rows);
    return true;
  case BI_SUM_COLS: case BI_MEAN_COLS:
    if (!need_rank(S, c, e, 0, 2, "a matrix")) {
      rows_vector_hint(S, e);
      return false;
    }
    e->shape = shape_vector(a[0]->shape.cols);
    return true;
  case BI_SOFTMAX_ROWS:
    if (!need_rank(S, c, e, 0, 2, "a matrix")) {
      rows_vector_hint(S, e);
      return false;
    }
    e->shape = a[0]->shape;
    return true;
  case BI_ROWWISE: case BI_COLWISE: {
    bool row = id == BI_ROWWISE;
    Shape A = a[0]->shape, v = a[1]->shape;
    int64_t want = row ? A.cols : A.rows;
    if (A.rank != 2 || v.rank != 1 || v.rows != want) {
      sema_err(S, c, e->span, "'%s' needs matrix[m, n] and vector[%s], got %s and %s", e->str,
               row ? "n" : "m", shape_str(A, x), shape_str(v, y));
      if (A.rank == 2 && v.rank == 1 && v.rows == (row ? A.rows : A.cols))
        diag_hint(S->diag, "%s",
                  row ? "colwise(A, v) multiplies row i by v[i]"
                      : "rowwise(A, v) multiplies column j by v[j]");
      return false;
    }
    e->shape = A;
    return true;
  }
  case BI_DIAG: {
    Shape s = a[0]->shape;
    if (s.rank == 1) {
      if (s.rows > SEMA_MAX_SIZE / s.rows) {
        sema_err(S, c, e->span, "the result of 'diag' would be too large");
        return false;
      }
      e->shape = shape_matrix(s.rows, s.rows);
      return true;
    }
    if (s.rank == 2 && s.rows == s.cols) {
      e->shape = shape_vector(s.rows);
      return true;
    }
    sema_err(S, c, a[0]->span, "'diag' expects a vector or a square matrix, got %s",
             shape_str(s, x));
    return false;
  }
  case BI_OUTER:
    if (!need_rank(S, c, e, 0, 1, "two vectors") || !need_rank(S, c, e, 1, 1, "two vectors"))
      return false;
    if (a[0]->shape.rows > SEMA_MAX_SIZE / a[1]->shape.rows) {
      sema_err(S, c, e->span, "the result of 'outer' would be too large");
      return false;
    }
    e->shape = shape_matrix(a[0]->shape.rows, a[1]->shape.rows);
    return true;
  case BI_TRACE:
    if (a[0]->shape.rank != 2 || a[0]->shape.rows != a[0]->shape.cols) {
      sema_err(S, c, a[0]->span, "'trace' expects a square matrix, got %s",
               shape_str(a[0]->shape, x));
      return false;
    }
    e->shape = shape_scalar();
    return true;
  case BI_RESHAPE: {
    int64_t dim[2] = {1, 1};
    bool ok = true;
    for (int i = 1; i < e->nargs; i++)
      if (!sema_dim(S, c, a[i], "a dimension of 'reshape'", &dim[i - 1])) ok = false;
    if (!ok) return false;
    Shape s = e->nargs == 2 ? shape_vector(dim[0]) : shape_matrix(dim[0], dim[1]);
    if (shape_size(s) != shape_size(a[0]->shape)) { /* dims < 2^31: no overflow */
      long long have = (long long)shape_size(a[0]->shape), want = (long long)shape_size(s);
      sema_err(S, c, e->span, "'reshape' keeps the number of elements: %s has %lld, %s has %lld",
               shape_str(a[0]->shape, x), have, shape_str(s, y), want);
      diag_hint(S->diag, "reshape(a, m, n) needs m * n = %lld; reshape(a, %lld) is the vector of "
                "a's elements in row-major order", have, have);
      return false;
    }
    e->shape = s;
    return true;
  }
  case BI_WHERE: {
    Shape s = shape_scalar();
    for (int i = 0; i < 3; i++) {
      if (!sema_broadcast(s, a[i]->shape, &s)) {
        sema_err(S, c, a[i]->span, "'where' needs equal shapes (or scalars), got %s and %s",
                 shape_str(s, x), shape_str(a[i]->shape, y));
        return false;
      }
    }
    e->shape = s;
    return true;
  }
  case BI_CLIP: {
    Shape s = a[0]->shape;
    for (int i = 1; i < 3; i++) {
      if (!sema_broadcast(s, a[i]->shape, &s)) {
        sema_err(S, c, a[i]->span, "'clip' needs equal shapes (or scalars), got %s and %s",
                 shape_str(s, x), shape_str(a[i]->shape, y));
        return false;
      }
    }
    if (a[1]->is_const && a[2]->is_const && a[1]->shape.rank == 0 && a[2]->shape.rank == 0 &&
        !(a[1]->const_val <= a[2]->const_val)) {
      sema_err(S, c, e->span, "'clip(a, lo, hi)' needs lo <= hi, got %s and %s",
               sema_num_str(a[1]->const_val, x), sema_num_str(a[2]->const_val, y));
      return false;
    }
    e->shape = s;
    return true;
  }
  case BI_POW:
    /* the rules of '^': a compile-time constant scalar exponent */
    if (a[1]->shape.rank != 0) {
      sema_err(S, c, a[1]->span, "the exponent of 'pow' must be a scalar, got %s",
               shape_str(a[1]->shape, x));
      return false;
    }
    if (!sema_need_const(S, c, a[1], "the exponent of 'pow'")) {
      diag_hint(S->diag, "for a variable exponent write exp(p * log(x))");
      return false;
    }
    e->shape = a[0]->shape;
    return true;
  case BI_CROSS_ENTROPY:
    if (a[0]->shape.rank != 2 || !shape_eq(a[0]->shape, a[1]->shape)) {
      sema_err(
          S, c, e->span,
          "'cross_entropy' needs two matrices of the same shape (logits and one-hot rows), got %s "
          "and %s",
          shape_str(a[0]->shape, x), shape_str(a[1]->shape, y));
      if (a[0]->shape.rank == 2 && a[1]->shape.rank == 1 && a[1]->shape.rows == a[0]->shape.rows)
        diag_hint(S->diag, "for class labels 0..%lld, make them one-hot rows in a data "
                           "declaration: data Y : matrix[%lld, %lld] = onehot(labels, %lld)",
                  (long long)a[0]->shape.cols - 1, (long long)a[0]->shape.rows,
                  (long long)a[0]->shape.cols, (long long)a[0]->shape.cols);
      return false;
    }
    e->shape = shape_vector(a[0]->shape.rows);
    return true;
  case BI_ZEROS: case BI_ONES:
    return dims_shape(S, c, e, 0, &e->shape);
  case BI_EYE: case BI_PERMUTATION: case BI_ARANGE: {
    int64_t n;
    const char *what = id == BI_EYE ? "the size of 'eye'"
                       : id == BI_ARANGE ? "the size of 'arange'" : "the size of 'permutation'";
    if (!sema_dim(S, c, a[0], what, &n)) return false;
    if (id == BI_EYE && n > SEMA_MAX_SIZE / n) {
      sema_err(S, c, e->span, "eye(%lld) is too large", (long long)n);
      return false;
    }
    e->shape = id == BI_EYE ? shape_matrix(n, n) : shape_vector(n);
    return true;
  }
  case BI_RANDOM_SPD: {
    int64_t n;
    bool ok = sema_dim(S, c, a[0], "the size of 'random_spd'", &n);
    if (!const_params(S, c, e, 3) || !ok) return false;
    double lo = a[1]->const_val, hi = a[2]->const_val;
    if (!(lo > 0 && lo <= hi && isfinite(hi))) {
      sema_err(S, c, e->span,
               "'random_spd(n, lo, hi)' needs eigenvalue bounds 0 < lo <= hi, got %s and %s",
               sema_num_str(lo, x), sema_num_str(hi, y));
      return false;
    }
    if (n > SEMA_MAX_SIZE / n) {
      sema_err(S, c, e->span, "random_spd(%lld, ...) is too large", (long long)n);
      return false;
    }
    e->shape = shape_matrix(n, n);
    return true;
  }
  case BI_UNIFORM: case BI_NORMAL: case BI_RANDINT: case BI_BERNOULLI:
    return check_generator(S, c, e, id);
  case BI_ONEHOT: {
    int64_t k;
    if (!need_rank(S, c, e, 0, 1, "a vector of labels")) return false;
    if (!sema_dim(S, c, a[1], "the number of classes of 'onehot'", &k)) return false;
    if (a[0]->shape.rows > SEMA_MAX_SIZE / k) {
      sema_err(S, c, e->span, "the result of 'onehot' would be too large");
      return false;
    }
    e->shape = shape_matrix(a[0]->shape.rows, k);
    return true;
  }
  case BI_HCAT: return check_cat(S, c, e, true);
  case BI_VCAT: return check_cat(S, c, e, false);
  case BI_ROWS: case BI_COLS:
    e->shape = shape_scalar();
    e->is_const = true;
    e->const_val = (double)(id == BI_ROWS ? a[0]->shape.rows : a[0]->shape.cols);
    return true;
  case BI_DENSE:
    if (a[0]->shape.sparse != 1) {
      sema_err(S, c, a[0]->span, "'dense' expects a sparse[m, n] matrix, got %s",
               shape_str(a[0]->shape, x));
      return false;
    }
    e->shape = shape_matrix(a[0]->shape.rows, a[0]->shape.cols);
    return true;
  case BI_SPARSE_COO: {
    /* the sparse[m, n] of its declaration, from three data vectors of one length */
    if (c->kind != CTX_DATA || c->whole != e || !c->has_shape || !c->shape.sparse) {
      sema_err(S, c, e->name_span, "'sparse_coo' makes a sparse[m, n] matrix: it must be the "
               "whole initialiser of a data declaration of that type");
      diag_hint(S->diag, "data X : sparse[m, n] = sparse_coo(rows, cols, vals), with rows, cols "
                "and vals vectors of one length (0-based indices); then use X in products, or "
                "dense(X) in another data declaration");
      return false;
    }
    static const char *const what[3] = {"row indices", "column indices", "values"};
    for (int i = 0; i < 3; i++)
      if (a[i]->shape.rank != 1) {
        sema_err(S, c, a[i]->span, "the %s of 'sparse_coo' must be a vector, got %s", what[i],
                 shape_str(a[i]->shape, x));
        diag_hint(S->diag, "sparse_coo(rows, cols, vals): entry k is X[rows[k], cols[k]] = "
                  "vals[k]; a column of a matrix is E[:, 0]");
        return false;
      }
    for (int i = 1; i < 3; i++)
      if (a[i]->shape.rows != a[0]->shape.rows) {
        sema_err(S, c, a[i]->span, "the %s of 'sparse_coo' are a %s, but its row indices a %s: "
                 "they must have one length, one entry each", what[i],
                 shape_str(a[i]->shape, x), shape_str(a[0]->shape, y));
        return false;
      }
    e->shape = c->shape;
    return true;
  }
  case BI_LOAD_CSV: case BI_LOAD_IDX: case BI_LOAD_LIBSVM: case BI_LOAD_NPY:
  case BI_LOAD_LIBSVM_LABELS: case BI_LOAD_MTX:
  case BI_COUNT: case BI_NONE:
    break;
  }
  return false;
}

void sema_arity_hint(Sema *S, BuiltinId id, int nargs) {
  char buf[256];
  const char *name = ast_builtins[id].name;
  /* np.max(x): a reduction; sum(A, 1): an axis */
  if ((((id == BI_MAX || id == BI_MIN) && nargs == 1) ||
       ((id == BI_SUM || id == BI_MEAN || id == BI_LOGSUMEXP) && nargs == 2)) &&
      spelling_reduction_hint(name, buf, sizeof buf))
    diag_hint(S->diag, "%s", buf);
}

/* An operation of the lower objective that is not twice differentiable in `arg`'s variables
 * (abs, relu, max, min, clip; a comparison or where's condition, a step): a warning, as the
 * lower objective needs second derivatives, and, in y, Program.nonsmooth_op, which makes run,
 * compare, eval and emit-c refuse the methods built on them (api/opt_resolve.c). Inside a mask
 * the mask itself is the kink, named once (ECtx.piecewise_const). A kink in x alone is only
 * warned of: for each x, g stays smooth in y and the implicit function theorem holds away
 * from where the kink switches (doc/language.md §7). */
void sema_kink(Sema *S, const ECtx *c, const char *op, Span at, const AstExpr *arg,
               const char *why) {
  if (c->kind != CTX_LOWER_OBJ || c->piecewise_const || !(arg->depends_x || arg->depends_y))
    return;
  /* once per kink: ufom_toy's where in fn dist, called four times, warned four times */
  bool seen = false;
  for (int i = 0; i < S->nkinks_warned && !seen; i++)
    seen = S->kinks_warned[i].file == at.file && S->kinks_warned[i].start == at.start &&
           S->kinks_warned[i].end == at.end;
  if (!seen) {
    /* in x alone: a relu in a feature map whose weights are all upper variables was warned
     * as a need of the lower objective's, and a user pushed to replace a harmless relu */
    if (!arg->depends_y)
      sema_warn(S, c, at, "'%s' %s; here in x alone: g stays smooth in y for each x, and the "
                "implicit methods hold wherever x is off the kink, where y*(x) may have one "
                "too", op, why);
    else sema_warn(S, c, at, "'%s' %s: the lower objective needs second derivatives", op, why);
    if (S->nkinks_warned < (int)(sizeof S->kinks_warned / sizeof S->kinks_warned[0]))
      S->kinks_warned[S->nkinks_warned++] = at;
  }
  Program *p = S->prog;
  if (arg->depends_y && !p->nonsmooth_op) {
    p->nonsmooth_op = op;
    p->nonsmooth_span = at;
    p->nonsmooth_call = SPAN_NONE;
    for (const CallSite *cs = c->calls; cs; cs = cs->outer) {
      p->nonsmooth_call = cs->call->name_span;
      p->nonsmooth_fn = cs->fn->name;
    }
  }
}

/* Whether the kink of builtin id's value e is where e is 0: relu, abs, max(z, 0), min(z, 0)
 * (either order); not clip, nor max(a, b) of two variables, whose kinks have any value. */
static bool kink_at_zero(BuiltinId id, const AstExpr *e) {
  if (id == BI_RELU || id == BI_ABS) return true;
  if (id != BI_MAX && id != BI_MIN) return false;
  for (int i = 0; i < 2; i++)
    if (e->args[i]->is_const && e->args[i]->shape.rank == 0 && e->args[i]->const_val == 0)
      return true;
  return false;
}

/* A kink at 0 (kink_at_zero) under a square, relu(z) ^ p with p >= 2 or sumsq(relu(z)): the
 * value and the gradient are continuous (the gradient is 0 on both sides of the kink), so
 * the implicit function theorem holds wherever y*(x) is off the kink, and y*(x) has no
 * reason to sit on it, as a minimiser of a kinked g does (Lasso's zeros). For p > 2 the
 * second derivative is continuous too: nothing to say. For p = 2 it jumps (0 on one side, 2
 * on the other): a warning, and no refusal (Program.nonsmooth_op is not set). A squared hinge
 * run with allow_nonsmooth matched an exact solve to 7e-15 (session 45). */
static void sema_kink_squared(Sema *S, const ECtx *c, const char *op, Span at,
                              const AstExpr *arg) {
  if (c->kind != CTX_LOWER_OBJ || c->piecewise_const || !(arg->depends_x || arg->depends_y) ||
      c->squared_p > 2)
    return;
  if (arg->depends_y && !S->prog->c1_op) S->prog->c1_op = op;
  bool seen = false;
  for (int i = 0; i < S->nkinks_warned && !seen; i++)
    seen = S->kinks_warned[i].file == at.file && S->kinks_warned[i].start == at.start &&
           S->kinks_warned[i].end == at.end;
  if (seen) return;
  sema_warn(S, c, at, "'%s' squared is once continuously differentiable, not twice: its second "
            "derivative jumps at the kink of '%s', and the implicit methods are right wherever "
            "y*(x) is off it", op, op);
  if (S->nkinks_warned < (int)(sizeof S->kinks_warned / sizeof S->kinks_warned[0]))
    S->kinks_warned[S->nkinks_warned++] = at;
}

bool sema_check_builtin(Sema *S, const ECtx *c, AstExpr *e, BuiltinId id) {
  const BuiltinInfo *b = &ast_builtins[id];
  e->builtin = id;
  if (e->nargs < b->min_args || e->nargs > b->max_args) {
    if (b->min_args == b->max_args)
      sema_err(S, c, e->name_span, "'%s' takes %d argument%s, got %d", b->name, b->min_args,
               b->min_args == 1 ? "" : "s", e->nargs);
    else
      sema_err(S, c, e->name_span, "'%s' takes %d to %d arguments, got %d", b->name, b->min_args,
               b->max_args, e->nargs);
    sema_arity_hint(S, id, e->nargs);
    return false;
  }
  if (is_load(id)) {
    if (!check_load(S, c, e)) return false;
    e->uses_data_only = true;
    return true;
  }
  bool ok = true;
  ECtx mask = *c;
  mask.piecewise_const = true;
  ECtx square = *c; /* sumsq(relu(z)) is C1, not a kink (sema_kink) */
  square.squared = e->nargs > 0 ? e->args[0] : NULL; /* zeros(): no arguments */
  square.squared_p = 2;
  for (int i = 0; i < e->nargs; i++) {
    const ECtx *ci = id == BI_WHERE && i == 0 ? &mask : id == BI_SUMSQ ? &square : c;
    if (!sema_check(S, ci, e->args[i])) ok = false;
    else {
      e->depends_x |= e->args[i]->depends_x;
      e->depends_y |= e->args[i]->depends_y;
      if (id != BI_WHERE || i > 0) { /* where's mask is a step: derivative 0 where it exists */
        e->slope_x |= e->args[i]->slope_x;
        e->slope_y |= e->args[i]->slope_y;
      }
      e->uses_sample |= e->args[i]->uses_sample;
      e->uses_data_only |= e->args[i]->uses_data_only;
    }
  }
  if (!ok) return false;
  for (int i = 0; i < e->nargs; i++)
    if (!sema_no_tensor(S, c, e->args[i])) return false;
  if (id != BI_DENSE && id != BI_ROWS && id != BI_COLS)
    for (int i = 0; i < e->nargs; i++)
      if (!sema_no_sparse(S, c, e->args[i])) return false;
  if (!shape_rule(S, c, e, id)) return false;

  /* constant folding of scalar BI_CONST builtins (rows/cols folded by the shape rule) */
  if ((b->flags & BI_CONST) && !e->is_const && e->shape.rank == 0) {
    double v[3];
    bool all = true;
    for (int i = 0; i < e->nargs && i < 3; i++) {
      all &= e->args[i]->is_const && e->args[i]->shape.rank == 0;
      v[i] = e->args[i]->const_val;
    }
    if (all && sema_fold_builtin(id, v, e->nargs, &e->const_val)) e->is_const = true;
  }

  if (!(b->flags & BI_DIFF)) {
    /* a data-only builtin folded to a constant (rows(X), mod(n, 2)) has nothing to differentiate */
    if (is_objective(c->kind) && !e->is_const) {
      sema_err(S, c, e->name_span,
               "'%s' is data-only: it has no derivative and cannot appear in an objective",
               b->name);
      /* of a variable a data declaration cannot hold it: floor(y) was told "compute it in a
       * data declaration or a report", half of which cannot be done */
      if (e->depends_x || e->depends_y)
        diag_hint(S->diag, "of a variable it can only be watched in a report (report r = "
                  "%s(...)), which needs no derivative; an objective needs a differentiable "
                  "form", b->name);
      else diag_hint(S->diag, "compute it in a data declaration or a report");
      return false;
    }
    if (!e->is_const) e->uses_data_only = true;
  }
  if ((b->flags & BI_C1) && c->squared == e && kink_at_zero(id, e))
    sema_kink_squared(S, c, b->name, e->name_span, e);
  else if (b->flags & BI_C1)
    sema_kink(S, c, b->name, e->name_span, e, "is not twice differentiable");
  /* a condition on y selects between the branches: where(y >= 0, y, -y) is abs(y), with its
   * kink (named after the branches' own: huber's abs) */
  if (id == BI_WHERE)
    sema_kink(S, c, b->name, e->name_span, e->args[0],
              "switches between its branches on a condition on a variable, not twice "
              "differentiable where it does");
  return true;
}
