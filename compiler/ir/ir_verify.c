/* ir_verify.c — the IR verifier (see ir_verify.h): every node against its op's rule in
 * ir_ops.def. The constructors of ir.c assert most of these rules as they build, but raw
 * ir_node calls and later passes (derivatives, hoisting) are not held to them: this is the
 * one place that states them all, and it runs between passes. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir/ir_verify.h"

/* What the leaves of a graph may refer to. A count of -1 leaves that kind of leaf unchecked
 * (unit tests build graphs without a program). */
typedef struct IrVerifyEnv {
  int64_t nx, ny;          /* length of x and y: VAR/DIR views must lie inside */
  int nupper, nlower;      /* variables by level (VAR attr[1], DIR attr[1]) */
  int ndata;               /* data tensors, declared and hoisted (DATA attr[0]) */
  const Shape *data_shape; /* shape of each (NULL: unchecked) */
  int nsamples;            /* sample sets (SAMPLE attr[0]) */
  int64_t sample_total;    /* length of env->samples (SAMPLE attr[1] + K must fit) */
} IrVerifyEnv;

bool ir_verify_enabled(void) {
  static int on = -1;
  if (on < 0) {
    const char *v = getenv("BLOC_VERIFY");
    on = v && *v && strcmp(v, "0") != 0;
  }
  return on != 0;
}

static bool why_fail(char *why, size_t len, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, len, fmt, ap);
  va_end(ap);
  return false;
}

static bool well_formed(Shape s) {
  switch (s.rank) {
  case 0: return s.rows == 1 && s.cols == 1 && !s.sparse;
  case 1: return s.rows >= 1 && s.cols == 1 && !s.sparse;
  case 2: return s.rows >= 1 && s.cols >= 1 && s.sparse <= 1; /* 2: the front end's only */
  default: return false; /* a corrupt rank: not an enum, so a default is the check itself */
  }
}

/* Elementwise: every operand a scalar or of the output's shape, and a non-scalar output
 * has a non-scalar operand to take its shape from. */
static bool ew_rule(Shape out, const Shape *args, int nargs, char *why, size_t len) {
  char a[64], b[64];
  bool any = false;
  for (int i = 0; i < nargs; i++) {
    if (args[i].rank == 0) continue;
    if (!shape_eq(args[i], out))
      return why_fail(why, len, "operand %d is %s, not %s or a scalar", i, shape_str(args[i], a),
                      shape_str(out, b));
    any = true;
  }
  if (out.rank != 0 && !any)
    return why_fail(why, len, "only scalar operands, but the result is %s", shape_str(out, a));
  return true;
}

static bool expect(Shape got, Shape want, const char *what, char *why, size_t len) {
  char a[64], b[64];
  if (shape_eq(got, want)) return true;
  return why_fail(why, len, "%s is %s, should be %s", what, shape_str(got, a), shape_str(want, b));
}

static bool rank_is(Shape s, int rank, const char *what, char *why, size_t len) {
  char a[64];
  if (s.rank == rank) return true;
  return why_fail(why, len, "%s is %s, should have rank %d", what, shape_str(s, a), rank);
}

static bool cat_rule(int op, Shape out, const Shape *args, int nargs, char *why, size_t len) {
  if (nargs < 1) return why_fail(why, len, "no operands");
  int64_t total = 0;
  for (int i = 0; i < nargs; i++) {
    Shape a = args[i];
    if (op == IR_CAT) {
      if (a.rank > 1)
        return why_fail(why, len, "operand %d of a vector concatenation is a matrix", i);
      total += shape_size(a);
    } else if (op == IR_HCAT) {
      if (a.rows != out.rows)
        return why_fail(why, len, "operand %d has %lld rows, the result %lld", i, (long long)a.rows,
                        (long long)out.rows);
      total += a.rank == 2 ? a.cols : 1;
    } else {
      if (a.cols != out.cols)
        return why_fail(why, len, "operand %d has %lld columns, the result %lld", i,
                        (long long)a.cols, (long long)out.cols);
      total += a.rows;
    }
  }
  if (op == IR_CAT) return expect(out, shape_vector(total), "the result", why, len);
  if (op == IR_HCAT) return expect(out, shape_matrix(out.rows, total), "the result", why, len);
  return expect(out, shape_matrix(total, out.cols), "the result", why, len);
}

static bool slice_rule(Shape out, Shape a, const int64_t at[4], char *why, size_t len) {
  if (a.rank == 0) return why_fail(why, len, "slice of a scalar");
  if (at[0] < 0 || at[0] >= at[1] || at[1] > a.rows || at[2] < 0 || at[2] >= at[3] ||
      at[3] > a.cols)
    return why_fail(why, len, "rows %lld:%lld, cols %lld:%lld outside %lld x %lld",
                    (long long)at[0], (long long)at[1], (long long)at[2], (long long)at[3],
                    (long long)a.rows, (long long)a.cols);
  Shape want =
      a.rank == 1 ? shape_vector(at[1] - at[0]) : shape_matrix(at[1] - at[0], at[3] - at[2]);
  return expect(out, want, "the result", why, len);
}

static bool pad_rule(Shape out, Shape a, const int64_t at[4], char *why, size_t len) {
  char s1[64], s2[64];
  if (a.rank != out.rank)
    return why_fail(why, len, "pads %s into %s", shape_str(a, s1), shape_str(out, s2));
  if (at[0] < 0 || at[2] < 0 || at[1] != 0 || at[3] != 0 || at[0] + a.rows > out.rows ||
      at[2] + a.cols > out.cols)
    return why_fail(why, len, "%s placed at [%lld, %lld] does not fit %s", shape_str(a, s1),
                    (long long)at[0], (long long)at[2], shape_str(out, s2));
  return true;
}

bool ir_verify_shapes(int op, Shape out, const Shape *args, int nargs, const int64_t attr[4],
                      char *why, size_t len) {
  char s1[64], s2[64];
  if (op < 0 || op >= IR_OP_COUNT) return why_fail(why, len, "op %d is not an IR op", op);
  if (!well_formed(out))
    return why_fail(why, len, "malformed result shape (rank %d, %lld x %lld)", out.rank,
                    (long long)out.rows, (long long)out.cols);
  for (int i = 0; i < nargs; i++)
    if (!well_formed(args[i])) return why_fail(why, len, "operand %d has a malformed shape", i);
  const IrOpInfo *info = &ir_ops[op];
  if (info->nargs >= 0 && nargs != info->nargs)
    return why_fail(why, len, "%d operands, '%s' takes %d", nargs, info->name, info->nargs);
  const Shape *a = args;
  /* a sparse value is data (a leaf or a load), sampled rows of it, or the left operand of a
   * sparse product or of dense(): nothing else reads or makes one */
  bool sparse_user = op == IR_SPMM || op == IR_SPMTM || op == IR_GATHER || op == IR_DENSE;
  for (int i = 0; i < nargs; i++)
    if (args[i].sparse && (i > 0 || !sparse_user))
      return why_fail(why, len, "operand %d is sparse", i);
  if ((op == IR_SPMM || op == IR_SPMTM || op == IR_DENSE) && !a[0].sparse)
    return why_fail(why, len, "the left operand is not sparse");
  if (out.sparse && op != IR_DATA && op != IR_LOAD && op != IR_SPARSE_COO &&
      !(op == IR_GATHER && a[0].sparse))
    return why_fail(why, len, "the result is sparse");
  switch ((IrOp)op) {
  case IR_CONST: return true;
  case IR_VAR:
  case IR_DIR:
  case IR_DATA:
  case IR_LOAD:
  case IR_RAND: return true;
  case IR_SAMPLE:
  case IR_ARANGE:
  case IR_PERM: return rank_is(out, 1, "the result", why, len);
  case IR_RANDOM_SPD: return expect(out, shape_matrix(out.rows, out.rows), "the result", why, len);
  /* every elementwise unary op of the table: the result has the operand's shape */
#define IRC_CASE_IRC_EW1(id) case id:
#include "ir/ir_class_cases.h"
    return expect(out, a[0], "the result", why, len);
#define IRC_CASE_IRC_EW2(id) case id:
#include "ir/ir_class_cases.h"
  case IR_WHERE: return ew_rule(out, a, nargs, why, len);
  case IR_SUM:
  case IR_LSE: return expect(out, shape_scalar(), "the result", why, len);
  case IR_SUM_ROWS:
  case IR_LSE_ROWS:
  case IR_ARGMAX_ROWS:
    return rank_is(a[0], 2, "the operand", why, len) &&
           expect(out, shape_vector(a[0].rows), "the result", why, len);
  case IR_SUM_COLS:
    return rank_is(a[0], 2, "the operand", why, len) &&
           expect(out, shape_vector(a[0].cols), "the result", why, len);
  case IR_MATMUL:
    if (!rank_is(a[0], 2, "the left operand", why, len) ||
        !rank_is(a[1], 2, "the right operand", why, len))
      return false;
    if (a[0].cols != a[1].rows)
      return why_fail(why, len, "%s @ %s are not conformable", shape_str(a[0], s1),
                      shape_str(a[1], s2));
    return expect(out, shape_matrix(a[0].rows, a[1].cols), "the result", why, len);
  case IR_MATVEC:
    if (!rank_is(a[0], 2, "the matrix", why, len) || !rank_is(a[1], 1, "the vector", why, len))
      return false;
    if (a[0].cols != a[1].rows)
      return why_fail(why, len, "%s @ %s are not conformable", shape_str(a[0], s1),
                      shape_str(a[1], s2));
    return expect(out, shape_vector(a[0].rows), "the result", why, len);
  case IR_SPMM: case IR_SPMTM: {
    int64_t inner = op == IR_SPMM ? a[0].cols : a[0].rows;
    int64_t m = op == IR_SPMM ? a[0].rows : a[0].cols;
    if (a[1].rank == 0 || a[1].rows != inner)
      return why_fail(why, len, "%s%s @ %s are not conformable", shape_str(a[0], s1),
                      op == IR_SPMTM ? "'" : "", shape_str(a[1], s2));
    return expect(out, a[1].rank == 1 ? shape_vector(m) : shape_matrix(m, a[1].cols), "the result",
                  why, len);
  }
  case IR_DENSE: return expect(out, shape_matrix(a[0].rows, a[0].cols), "the result", why, len);
  case IR_SPARSE_COO:
    if (!out.sparse || out.rank != 2) return why_fail(why, len, "the result is not sparse");
    return rank_is(a[0], 1, "the rows", why, len) &&
           expect(a[1], a[0], "the columns", why, len) &&
           expect(a[2], a[0], "the values", why, len);
  case IR_OUTER:
    return rank_is(a[0], 1, "the left operand", why, len) &&
           rank_is(a[1], 1, "the right operand", why, len) &&
           expect(out, shape_matrix(a[0].rows, a[1].rows), "the result", why, len);
  case IR_TRANSPOSE:
    return rank_is(a[0], 2, "the operand", why, len) &&
           expect(out, shape_matrix(a[0].cols, a[0].rows), "the result", why, len);
  case IR_BCAST: return rank_is(a[0], 0, "the operand", why, len);
  case IR_BCAST_ROWS:
    return rank_is(a[0], 1, "the operand", why, len) &&
           expect(out, shape_matrix(out.rows, a[0].rows), "the result", why, len);
  case IR_BCAST_COLS:
    return rank_is(a[0], 1, "the operand", why, len) &&
           expect(out, shape_matrix(a[0].rows, out.cols), "the result", why, len);
  case IR_RESHAPE:
    if (shape_size(out) != shape_size(a[0]))
      return why_fail(why, len, "reshapes %s (%lld elements) to %s", shape_str(a[0], s1),
                      (long long)shape_size(a[0]), shape_str(out, s2));
    return true;
  case IR_SLICE: return slice_rule(out, a[0], attr, why, len);
  case IR_PAD: return pad_rule(out, a[0], attr, why, len);
  case IR_GATHER:
    if (!rank_is(a[1], 1, "the index", why, len)) return false;
    if (a[0].rank == 0) return why_fail(why, len, "gathers from a scalar");
  {
    Shape want = a[0].rank == 1 ? shape_vector(a[1].rows) : shape_matrix(a[1].rows, a[0].cols);
    want.sparse = a[0].sparse;
    return expect(out, want, "the result", why, len);
  }
  case IR_SCATTER:
    if (!rank_is(a[1], 1, "the index", why, len)) return false;
    if (a[0].rows != a[1].rows)
      return why_fail(why, len, "scatters %s rows with %s indices", shape_str(a[0], s1),
                      shape_str(a[1], s2));
    if (a[0].rank == 0 || out.rank != a[0].rank || out.cols != a[0].cols)
      return why_fail(why, len, "scatters %s into %s", shape_str(a[0], s1), shape_str(out, s2));
    return true;
  case IR_DIAGM:
    return rank_is(a[0], 1, "the operand", why, len) &&
           expect(out, shape_matrix(a[0].rows, a[0].rows), "the result", why, len);
  case IR_DIAGV:
    if (!expect(a[0], shape_matrix(a[0].rows, a[0].rows), "the operand", why, len)) return false;
    return expect(out, shape_vector(a[0].rows), "the result", why, len);
  case IR_CAT:
  case IR_HCAT:
  case IR_VCAT: return cat_rule(op, out, a, nargs, why, len);
  case IR_ONEHOT:
    return rank_is(a[0], 1, "the labels", why, len) &&
           expect(out, shape_matrix(a[0].rows, out.cols), "the result", why, len);
  case IR_TAKE: {
    if (!rank_is(a[1], 1, "the index", why, len)) return false;
    if (a[0].rank != 1 && a[0].rank != 2) return why_fail(why, len, "takes from a %s",
                                                          shape_str(a[0], s1));
    if (attr[0] != 0 && (attr[0] != 1 || a[0].rank != 2))
      return why_fail(why, len, "takes along axis %lld of %s", (long long)attr[0],
                      shape_str(a[0], s1));
    Shape want = a[0].rank == 1 ? shape_vector(a[1].rows)
                 : attr[0] == 0 ? shape_matrix(a[1].rows, a[0].cols)
                                : shape_matrix(a[0].rows, a[1].rows);
    return expect(out, want, "the result", why, len);
  }
  case IR_OP_COUNT: break;
  }
  return why_fail(why, len, "op %d is not an IR op", op);
}

/* ---- leaves */

static bool view_fits(int64_t off, Shape s, int64_t total, const char *what, char *why,
                      size_t len) {
  if (off >= 0 && total >= 0 && off + shape_size(s) <= total) return true;
  return why_fail(why, len, "elements %lld..%lld are outside %s (%lld elements)", (long long)off,
                  (long long)(off + shape_size(s) - 1), what, (long long)total);
}

static bool var_rule(const IrNode *n, const IrVerifyEnv *env, char *why, size_t len) {
  const int64_t *at = n->attr;
  if (at[0] != 0 && at[0] != 1)
    return why_fail(why, len, "level %lld is neither 0 (x) nor 1 (y)", (long long)at[0]);
  int nvars = at[0] == 0 ? env->nupper : env->nlower;
  if (nvars >= 0 && (at[1] < 0 || at[1] >= nvars))
    return why_fail(why, len, "variable %lld of %d", (long long)at[1], nvars);
  int64_t total = at[0] == 0 ? env->nx : env->ny;
  return total < 0 || view_fits(at[2], n->shape, total, at[0] == 0 ? "x" : "y", why, len);
}

/* A direction of a lower variable (attr[0] = 1; v is y-sized) or, for the transposed mixed
 * product, of an upper one (attr[0] = 0; v is x-sized). */
static bool dir_rule(const IrNode *n, const IrVerifyEnv *env, char *why, size_t len) {
  const int64_t *at = n->attr;
  if (at[0] != 0 && at[0] != 1)
    return why_fail(why, len, "direction level %lld is neither 0 (x) nor 1 (y)", (long long)at[0]);
  int nvars = at[0] == 0 ? env->nupper : env->nlower;
  if (nvars >= 0 && (at[1] < 0 || at[1] >= nvars))
    return why_fail(why, len, "direction of %s variable %lld of %d", at[0] == 0 ? "upper" : "lower",
                    (long long)at[1], nvars);
  int64_t total = at[0] == 0 ? env->nx : env->ny;
  return total < 0 || view_fits(at[2], n->shape, total, "v", why, len);
}

static bool data_rule(const IrNode *n, const IrVerifyEnv *env, char *why, size_t len) {
  char s1[64], s2[64];
  const int64_t *at = n->attr;
  if (env->ndata < 0) return true;
  if (at[0] < 0 || at[0] >= env->ndata)
    return why_fail(why, len, "data tensor %lld of %d", (long long)at[0], env->ndata);
  if (env->data_shape && !shape_eq(env->data_shape[at[0]], n->shape))
    return why_fail(why, len, "data tensor %lld is %s, not %s", (long long)at[0],
                    shape_str(env->data_shape[at[0]], s1), shape_str(n->shape, s2));
  return true;
}

static bool sample_rule(const IrNode *n, const IrVerifyEnv *env, char *why, size_t len) {
  const int64_t *at = n->attr;
  if (env->nsamples >= 0 && (at[0] < 0 || at[0] >= env->nsamples))
    return why_fail(why, len, "sample set %lld of %d", (long long)at[0], env->nsamples);
  return env->sample_total < 0 ||
         view_fits(at[1], n->shape, env->sample_total, "the samples", why, len);
}

/* Data-stage generators: a known format or distribution, and the path or stream they need. */
static bool gen_rule(const IrNode *n, char *why, size_t len) {
  const int64_t *at = n->attr;
  if (n->op == IR_LOAD && (at[0] < IR_LOAD_CSV || at[0] > IR_LOAD_MTX))
    return why_fail(why, len, "format %lld", (long long)at[0]);
  bool blocks_ok = at[1] == 0 || (at[1] > 0 && n->shape.rank == 2 && n->shape.rows % at[1] == 0);
  if (n->op == IR_LOAD && !blocks_ok)
    return why_fail(why, len, "%lld blocks of a load", (long long)at[1]);
  bool rows_ok =
      (at[2] == 0 && at[3] == 0) || (at[1] == 0 && at[2] >= 0 && at[2] + n->shape.rows <= at[3]);
  if (n->op == IR_LOAD && !rows_ok)
    return why_fail(why, len, "rows %lld.. of %lld of a sharded load", (long long)at[2],
                    (long long)at[3]);
  if (n->op == IR_RAND && (at[0] < IR_RAND_UNIFORM || at[0] > IR_RAND_BERNOULLI))
    return why_fail(why, len, "distribution %lld", (long long)at[0]);
  return n->str ? true : why_fail(why, len, n->op == IR_LOAD ? "no path" : "no stream");
}

/* The attributes of leaf n against env (NULL n: a plan expression, nothing to check). */
static bool leaf_rule(const IrNode *n, const IrVerifyEnv *env, char *why, size_t len) {
  if (!n) return true;
  switch ((IrOp)n->op) {
  case IR_VAR: return var_rule(n, env, why, len);
  case IR_DIR: return dir_rule(n, env, why, len);
  case IR_DATA: return data_rule(n, env, why, len);
  case IR_SAMPLE: return sample_rule(n, env, why, len);
  case IR_LOAD:
  case IR_RAND:
  case IR_PERM:
  case IR_RANDOM_SPD: return gen_rule(n, why, len);
  case IR_ARANGE: return true;
  case IR_SPARSE_COO:
    if (!((n->attr[2] == 0 && n->attr[3] == 0) ||
          (n->attr[2] >= 0 && n->attr[2] + n->shape.rows <= n->attr[3])))
      return why_fail(why, len, "rows %lld.. of %lld of a sharded sparse_coo",
                      (long long)n->attr[2], (long long)n->attr[3]);
    return true;
  case IR_SPMM: case IR_SPMTM: case IR_DENSE: /* a sparse data leaf (sampled, for products) */
    if (!(n->op == IR_DENSE ? n->args[0]->op == IR_DATA : ir_is_sparse_operand(n->args[0])))
      return why_fail(why, len, "the sparse operand is not sparse data or its sampled rows");
    return true;
  case IR_CONST:
#define IRC_CASE_IRC_EW1(id) case id:
#define IRC_CASE_IRC_EW2(id) case id:
#include "ir/ir_class_cases.h"
  case IR_WHERE:
  case IR_SUM:
  case IR_SUM_ROWS:
  case IR_SUM_COLS:
  case IR_LSE:
  case IR_LSE_ROWS:
  case IR_ARGMAX_ROWS:
  case IR_MATMUL:
  case IR_MATVEC:
  case IR_OUTER:
  case IR_TRANSPOSE:
  case IR_BCAST:
  case IR_BCAST_ROWS:
  case IR_BCAST_COLS:
  case IR_RESHAPE:
  case IR_SLICE:
  case IR_PAD:
  case IR_GATHER:
  case IR_SCATTER:
  case IR_DIAGM:
  case IR_DIAGV:
  case IR_CAT:
  case IR_HCAT:
  case IR_VCAT:
  case IR_ONEHOT:
  case IR_TAKE:
  case IR_OP_COUNT: return true; /* no attributes that refer outside the graph */
  }
  return true;
}


/* "%12 = matvec %3, %7 : vector[1000]" */
static void node_str(const IrNode *n, char *buf, size_t len) {
  char sb[64];
  const char *name = n->op < IR_OP_COUNT ? ir_ops[n->op].name : "?";
  int k = snprintf(buf, len, "%%%u = %s", n->id, name);
  for (int i = 0; i < n->nargs && k > 0 && (size_t)k < len; i++)
    k += snprintf(buf + k, len - (size_t)k, "%s%%%u", i ? ", " : " ",
                  n->args[i] ? n->args[i]->id : 0u);
  if (k > 0 && (size_t)k < len)
    snprintf(buf + k, len - (size_t)k, " : %s", shape_str(n->shape, sb));
}

static int node_fail(const IrNode *n, char *err, size_t errlen, const char *why) {
  char ns[256];
  node_str(n, ns, sizeof ns);
  snprintf(err, errlen, "node %s: %s", ns, why);
  return -1;
}

enum { MAX_CHECKED_ARGS = 64 };

static int verify_node(const IrGraph *g, const IrNode *n, uint32_t id, const IrVerifyEnv *env,
                       char *err, size_t errlen) {
  char why[256];
  if (n->id != id) {
    snprintf(why, sizeof why, "listed as node %u", id);
    return node_fail(n, err, errlen, why);
  }
  if (n->op >= IR_OP_COUNT) return node_fail(n, err, errlen, "unknown op");
  if (n->nargs && !n->args) return node_fail(n, err, errlen, "operands missing");
  Shape shapes[MAX_CHECKED_ARGS];
  int ns = n->nargs < MAX_CHECKED_ARGS ? n->nargs : MAX_CHECKED_ARGS;
  for (int i = 0; i < n->nargs; i++) {
    const IrNode *a = n->args[i];
    /* ids grow with creation: an operand made after its user would allow a cycle */
    if (!a || a->id >= n->id || g->nodes[a->id] != a) {
      snprintf(why, sizeof why, "operand %d is not a node created before it", i);
      return node_fail(n, err, errlen, why);
    }
    if ((n->deps & a->deps) != a->deps) {
      snprintf(why, sizeof why, "dependencies 0x%x miss operand %d's 0x%x", n->deps, i, a->deps);
      return node_fail(n, err, errlen, why);
    }
    if (i < ns) shapes[i] = a->shape;
  }
  if (n->op == IR_CAT || n->op == IR_HCAT || n->op == IR_VCAT) {
    if (n->nargs > MAX_CHECKED_ARGS) return 0; /* long concatenations: operands checked above */
  }
  if (!ir_verify_shapes(n->op, n->shape, shapes, ns, n->attr, why, sizeof why))
    return node_fail(n, err, errlen, why);
  if (!leaf_rule(n, env, why, sizeof why)) return node_fail(n, err, errlen, why);
  return 0;
}

/* Check every node of g: op and operand count as in ir_ops.def, operands created before
 * their user (so the graph has no cycle), shapes by ir_verify_shapes, leaf attributes inside
 * env. Returns 0, or -1 with "node %N (op ...): reason" in err. */
static int verify_graph(const IrGraph *g, const IrVerifyEnv *env, char *err, size_t errlen) {
  for (uint32_t id = 0; id < g->count; id++) {
    const IrNode *n = g->nodes[id];
    if (!n) {
      snprintf(err, errlen, "node %%%u missing from the graph", id);
      return -1;
    }
    if (verify_node(g, n, id, env, err, errlen)) return -1;
  }
  return 0;
}

static int verify_outputs(const IrProblem *p, char *err, size_t errlen) {
  for (int k = 0; k < BLO_K_COUNT; k++) {
    const IrKernel *kern = &p->kernels[k];
    if (kern->nslots < 0 || kern->nslots > 4) {
      snprintf(err, errlen, "kernel '%s' has %d output slots", kern->name, kern->nslots);
      return -1;
    }
    for (int o = 0; o < kern->nouts; o++) {
      const IrOutput *out = &kern->outs[o];
      const IrNode *n = out->node;
      if (!n || n->id >= p->graph.count || p->graph.nodes[n->id] != n) {
        snprintf(err, errlen, "kernel '%s' output %d is not a node of the graph", kern->name, o);
        return -1;
      }
      if (out->slot < 0 || out->slot >= kern->nslots || out->offset < 0 ||
          out->offset + shape_size(n->shape) > kern->slot_size[out->slot]) {
        char why[160];
        snprintf(why, sizeof why,
                 "output %d of kernel '%s' (slot %d, offset %lld) is outside its slot", o,
                 kern->name, out->slot, (long long)out->offset);
        return node_fail(n, err, errlen, why);
      }
    }
  }
  return 0;
}

bool ir_problem_data_shape(const IrProblem *p, int k, Shape *s) {
  if (k < 0 || k >= p->ndata + p->nhoisted) return false;
  const IrNode *n = NULL;
  if (k >= p->ndata)
    n = p->hoisted ? p->hoisted[k - p->ndata] : NULL;
  else if (p->data_value && p->data_value[k]) { /* the program's, or one rank's (shard.h) */
    n = p->data_value[k];
  } else if (p->prog) {
    *s = p->prog->data[k]->shape;
    return true;
  } else if (p->data_value) {
    n = p->data_value[k];
  }
  if (!n) return false;
  *s = n->shape;
  return true;
}

int ir_verify_problem(const IrProblem *p, char *err, size_t errlen) {
  int ndata = p->ndata + p->nhoisted;
  Shape *shapes = calloc((size_t)ndata + 1, sizeof(Shape));
  if (!shapes) {
    fprintf(stderr, "bloc: out of memory\n");
    exit(3);
  }
  bool known = true;
  for (int k = 0; k < ndata; k++) known &= ir_problem_data_shape(p, k, &shapes[k]);
  /* hand-built problems (unit tests) have no program: their samples go unchecked */
  IrVerifyEnv env = {p->nx,
                     p->ny,
                     p->nupper,
                     p->nlower,
                     ndata,
                     known ? shapes : NULL,
                     p->prog ? p->prog->nsamples : -1,
                     p->prog ? p->prog->sample_total : -1};
  int rc = verify_graph(&p->graph, &env, err, errlen);
  free(shapes);
  return rc ? rc : verify_outputs(p, err, errlen);
}

void ir_verify_after(const IrProblem *p, const char *pass) {
  if (!ir_verify_enabled()) return;
  char err[512];
  if (ir_verify_problem(p, err, sizeof err) == 0) return;
  fprintf(stderr, "bloc: internal error: IR verification failed after %s: %s\n", pass, err);
  exit(3);
}
