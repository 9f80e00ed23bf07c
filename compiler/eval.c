/* eval.c — the reference IR interpreter (see eval.h). Every op is written out in the most
 * direct way; speed is not a goal. Intermediate buffers are freed after their last use so the
 * data stage can chain large tensors. */
#include "alloc.h"
#include "eval.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_rng.h"


typedef struct Ev {
  IrGraph *g;
  const IrEvalInputs *in;
  double **val;      /* by node id */
  uint8_t *owned;    /* val[id] was malloc'ed here */
  uint32_t *uses;    /* remaining uses */
  double **dest;     /* by node id: the caller's out[r] when the node is root r, else NULL */
  uint8_t *sliced;   /* by node id: an IR_DATA node read only by slices (see IR_DATA below) */
  IrEvalError *err;
} Ev;

static double *xalloc(size_t n) {
  return xrealloc(NULL, n, sizeof(double));
}

/* Loaders and generators (data stage only): they read no input buffer. */
static bool is_source(const IrNode *n) {
  return n->op == IR_LOAD || n->op == IR_RAND || n->op == IR_PERM || n->op == IR_RANDOM_SPD;
}

/* The buffer for a source node: the caller's out[r] when the node is root r, so that a 376 MB
 * image file is decoded straight into its destination rather than into a buffer that is then
 * copied; else a new one. *own says which. A source reads no input, so writing into out[r]
 * before the other roots are computed cannot change what they compute. (Kernel roots, which
 * may be written over their own inputs, are never sources.) */
static double *source_buf(Ev *e, const IrNode *n, size_t size, bool *own) {
  double *d = e->dest[n->id];
  *own = d == NULL;
  return d ? d : xalloc(size);
}

static int fail(Ev *e, const IrNode *n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->err->msg, sizeof e->err->msg, fmt, ap);
  va_end(ap);
  e->err->span = n->span;
  return -1;
}

static double *V(Ev *e, const IrNode *n, int i) { return e->val[n->args[i]->id]; }

/* Row-major (r, c) of an element index. */
static int eval_node(Ev *e, IrNode *n) {
  const IrEvalInputs *in = e->in;
  int64_t size = shape_size(n->shape), m = n->shape.rows, nc = n->shape.cols;
  double *out = NULL;
  bool own = true;
  switch ((IrOp)n->op) {
  case IR_CONST:
    out = xalloc((size_t)size);
    for (int64_t i = 0; i < size; i++) out[i] = n->num;
    break;
  case IR_VAR:
    out = (double *)(n->attr[0] == 0 ? in->x : in->y) + n->attr[2];
    own = false;
    break;
  case IR_DIR:
    if (!in->v) return fail(e, n, "internal error: direction vector not provided");
    out = (double *)in->v + n->attr[2];
    own = false;
    break;
  case IR_DATA:
    out = (double *)in->data[n->attr[0]];
    own = false;
    if (!out && in->data_full) {
      /* held compactly by the driver: the slices that read it ask for their rows (and only
       * they read it, so val stays NULL); anything else needs the whole tensor */
      if (e->sliced[n->id]) {
        e->val[n->id] = NULL;
        e->owned[n->id] = false;
        return 0;
      }
      out = (double *)in->data_full(in->hook_ctx, (int)n->attr[0]);
    }
    break;
  case IR_SAMPLE:
    out = xalloc((size_t)size);
    for (int64_t i = 0; i < size; i++) out[i] = (double)in->samples[n->attr[1] + i];
    break;

  case IR_NEG: case IR_EXP: case IR_LOG: case IR_LOG1P: case IR_SQRT: case IR_SIN: case IR_COS:
  case IR_TANH: case IR_SIGMOID: case IR_SOFTPLUS: case IR_ABS: case IR_RELU: case IR_SIGN:
  case IR_STEP: case IR_POWC: case IR_FLOOR: case IR_ROUND: {
    const double *a = V(e, n, 0);
    out = xalloc((size_t)size);
    for (int64_t i = 0; i < size; i++) out[i] = ir_fold_unary((IrOp)n->op, a[i], n->num);
    break;
  }
  case IR_ADD: case IR_SUB: case IR_MUL: case IR_DIV: case IR_MOD: case IR_LT: case IR_LE:
  case IR_GT: case IR_GE: case IR_EQ: case IR_NE: {
    const double *a = V(e, n, 0), *b = V(e, n, 1);
    int sa = n->args[0]->shape.rank == 0, sb = n->args[1]->shape.rank == 0;
    out = xalloc((size_t)size);
    for (int64_t i = 0; i < size; i++) out[i] = ir_fold_binary((IrOp)n->op, a[sa ? 0 : i], b[sb ? 0 : i]);
    break;
  }
  case IR_WHERE: {
    const double *c = V(e, n, 0), *a = V(e, n, 1), *b = V(e, n, 2);
    int sc = n->args[0]->shape.rank == 0, sa = n->args[1]->shape.rank == 0, sb = n->args[2]->shape.rank == 0;
    out = xalloc((size_t)size);
    for (int64_t i = 0; i < size; i++) out[i] = c[sc ? 0 : i] != 0 ? a[sa ? 0 : i] : b[sb ? 0 : i];
    break;
  }

  case IR_SUM: {
    const double *a = V(e, n, 0);
    int64_t k = shape_size(n->args[0]->shape);
    double s = 0;
    for (int64_t i = 0; i < k; i++) s += a[i];
    out = xalloc(1);
    out[0] = s;
    break;
  }
  case IR_LSE: {
    const double *a = V(e, n, 0);
    int64_t k = shape_size(n->args[0]->shape);
    double mx = -INFINITY, s = 0;
    for (int64_t i = 0; i < k; i++) mx = a[i] > mx ? a[i] : mx;
    if (isinf(mx)) {
      s = mx; /* all -inf: -inf; any +inf: +inf */
    } else {
      for (int64_t i = 0; i < k; i++) s += exp(a[i] - mx);
      s = mx + log(s);
    }
    out = xalloc(1);
    out[0] = s;
    break;
  }
  case IR_SUM_ROWS: case IR_LSE_ROWS: case IR_ARGMAX_ROWS: {
    const double *a = V(e, n, 0);
    int64_t cols = n->args[0]->shape.cols;
    out = xalloc((size_t)m);
    for (int64_t i = 0; i < m; i++) {
      const double *row = a + i * cols;
      if (n->op == IR_SUM_ROWS) {
        double s = 0;
        for (int64_t j = 0; j < cols; j++) s += row[j];
        out[i] = s;
      } else if (n->op == IR_ARGMAX_ROWS) {
        int64_t best = 0;
        for (int64_t j = 1; j < cols; j++)
          if (row[j] > row[best]) best = j;
        out[i] = (double)best;
      } else {
        double mx = -INFINITY, s = 0;
        for (int64_t j = 0; j < cols; j++) mx = row[j] > mx ? row[j] : mx;
        if (isinf(mx)) {
          out[i] = mx;
        } else {
          for (int64_t j = 0; j < cols; j++) s += exp(row[j] - mx);
          out[i] = mx + log(s);
        }
      }
    }
    break;
  }
  case IR_SUM_COLS: {
    const double *a = V(e, n, 0);
    int64_t rows = n->args[0]->shape.rows, cols = n->args[0]->shape.cols;
    out = xalloc((size_t)cols);
    for (int64_t j = 0; j < cols; j++) out[j] = 0;
    for (int64_t i = 0; i < rows; i++)
      for (int64_t j = 0; j < cols; j++) out[j] += a[i * cols + j];
    break;
  }

  case IR_MATMUL: {
    const double *a = V(e, n, 0), *b = V(e, n, 1);
    int64_t k = n->args[0]->shape.cols;
    out = xalloc((size_t)size);
    for (int64_t i = 0; i < m; i++)
      for (int64_t j = 0; j < nc; j++) {
        double s = 0;
        for (int64_t t = 0; t < k; t++) s += a[i * k + t] * b[t * nc + j];
        out[i * nc + j] = s;
      }
    break;
  }
  case IR_MATVEC: {
    const double *a = V(e, n, 0), *x = V(e, n, 1);
    int64_t k = n->args[0]->shape.cols;
    out = xalloc((size_t)m);
    for (int64_t i = 0; i < m; i++) {
      double s = 0;
      for (int64_t t = 0; t < k; t++) s += a[i * k + t] * x[t];
      out[i] = s;
    }
    break;
  }
  case IR_OUTER: {
    const double *u = V(e, n, 0), *w = V(e, n, 1);
    out = xalloc((size_t)size);
    for (int64_t i = 0; i < m; i++)
      for (int64_t j = 0; j < nc; j++) out[i * nc + j] = u[i] * w[j];
    break;
  }
  case IR_TRANSPOSE: {
    const double *a = V(e, n, 0);
    out = xalloc((size_t)size);
    for (int64_t i = 0; i < m; i++)
      for (int64_t j = 0; j < nc; j++) out[i * nc + j] = a[j * m + i];
    break;
  }

  case IR_BCAST: {
    const double *a = V(e, n, 0);
    out = xalloc((size_t)size);
    for (int64_t i = 0; i < size; i++) out[i] = a[0];
    break;
  }
  case IR_BCAST_ROWS: case IR_BCAST_COLS: {
    const double *a = V(e, n, 0);
    out = xalloc((size_t)size);
    for (int64_t i = 0; i < m; i++)
      for (int64_t j = 0; j < nc; j++) out[i * nc + j] = n->op == IR_BCAST_ROWS ? a[j] : a[i];
    break;
  }
  case IR_RESHAPE:
    out = xalloc((size_t)size);
    memcpy(out, V(e, n, 0), (size_t)size * sizeof(double));
    break;
  case IR_SLICE: {
    const double *a = V(e, n, 0);
    int64_t cols = n->args[0]->shape.cols;
    out = xalloc((size_t)size);
    if (!a) { /* a compactly held data tensor (IR_DATA above) */
      in->data_block(in->hook_ctx, (int)n->args[0]->attr[0], n->attr[0], m, n->attr[2], nc, out);
      break;
    }
    for (int64_t i = 0; i < m; i++)
      for (int64_t j = 0; j < nc; j++) out[i * nc + j] = a[(n->attr[0] + i) * cols + n->attr[2] + j];
    break;
  }
  case IR_PAD: {
    const double *a = V(e, n, 0);
    int64_t am = n->args[0]->shape.rows, an = n->args[0]->shape.cols;
    out = xalloc((size_t)size);
    for (int64_t i = 0; i < size; i++) out[i] = 0;
    for (int64_t i = 0; i < am; i++)
      for (int64_t j = 0; j < an; j++) out[(n->attr[0] + i) * nc + n->attr[2] + j] = a[i * an + j];
    break;
  }
  case IR_GATHER: case IR_SCATTER: {
    const double *a = V(e, n, 0), *idx = V(e, n, 1);
    int64_t k = n->args[1]->shape.rows;
    int64_t width = n->op == IR_GATHER ? nc : n->args[0]->shape.cols;
    int64_t limit = n->op == IR_GATHER ? n->args[0]->shape.rows : m;
    out = xalloc((size_t)size);
    if (n->op == IR_SCATTER)
      for (int64_t i = 0; i < size; i++) out[i] = 0;
    for (int64_t i = 0; i < k; i++) {
      int64_t r = (int64_t)idx[i];
      if (r < 0 || r >= limit) {
        free(out);
        return fail(e, n, "sample index %lld out of range 0..%lld", (long long)r, (long long)limit - 1);
      }
      for (int64_t j = 0; j < width; j++) {
        if (n->op == IR_GATHER) out[i * width + j] = a[r * width + j];
        else out[r * width + j] += a[i * width + j];
      }
    }
    break;
  }
  case IR_DIAGM: {
    const double *a = V(e, n, 0);
    out = xalloc((size_t)size);
    for (int64_t i = 0; i < size; i++) out[i] = 0;
    for (int64_t i = 0; i < m; i++) out[i * m + i] = a[i];
    break;
  }
  case IR_DIAGV: {
    const double *a = V(e, n, 0);
    out = xalloc((size_t)m);
    for (int64_t i = 0; i < m; i++) out[i] = a[i * m + i];
    break;
  }
  case IR_CAT: case IR_VCAT: {
    out = xalloc((size_t)size);
    int64_t at = 0;
    for (int i = 0; i < n->nargs; i++) {
      int64_t k = shape_size(n->args[i]->shape);
      memcpy(out + at, V(e, n, i), (size_t)k * sizeof(double));
      at += k;
    }
    break;
  }
  case IR_HCAT: {
    out = xalloc((size_t)size);
    int64_t c0 = 0;
    for (int a = 0; a < n->nargs; a++) {
      const double *src = V(e, n, a);
      int64_t w = n->args[a]->shape.rank == 2 ? n->args[a]->shape.cols : 1;
      for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < w; j++) out[i * nc + c0 + j] = src[i * w + j];
      c0 += w;
    }
    break;
  }
  case IR_ONEHOT: {
    const double *lab = V(e, n, 0);
    out = xalloc((size_t)size);
    for (int64_t i = 0; i < size; i++) out[i] = 0;
    for (int64_t i = 0; i < m; i++) {
      double l = lab[i];
      if (l >= 0 && l < (double)nc && l == floor(l)) out[i * nc + (int64_t)l] = 1;
    }
    break;
  }

  case IR_LOAD: {
    if (!in->load) return fail(e, n, "internal error: no data loader available");
    out = source_buf(e, n, (size_t)size, &own);
    if (in->load(in->hook_ctx, (IrLoadFormat)n->attr[0], n->str, n->shape, out, e->err->msg, sizeof e->err->msg)) {
      if (own) free(out);
      e->err->span = n->span;
      return -1;
    }
    break;
  }
  case IR_RAND: {
    RtRng r = rt_rng_stream(in->seed, n->str);
    out = source_buf(e, n, (size_t)size, &own);
    switch ((IrRandKind)n->attr[0]) {
    case IR_RAND_UNIFORM: rt_rng_fill_uniform(&r, n->num, n->num2, out, size); break;
    case IR_RAND_NORMAL: rt_rng_fill_normal(&r, n->num, n->num2, out, size); break;
    case IR_RAND_RANDINT: rt_rng_fill_randint(&r, (int64_t)n->num, (int64_t)n->num2, out, size); break;
    case IR_RAND_BERNOULLI: rt_rng_fill_bernoulli(&r, n->num, out, size); break;
    }
    break;
  }
  case IR_PERM: {
    RtRng r = rt_rng_stream(in->seed, n->str);
    out = source_buf(e, n, (size_t)size, &own);
    rt_rng_fill_permutation(&r, size, out);
    break;
  }
  case IR_RANDOM_SPD: {
    if (!in->random_spd) return fail(e, n, "internal error: random_spd is not available");
    out = source_buf(e, n, (size_t)size, &own);
    if (in->random_spd(in->hook_ctx, in->seed, n->str, m, n->num, n->num2, out, e->err->msg, sizeof e->err->msg)) {
      if (own) free(out);
      e->err->span = n->span;
      return -1;
    }
    break;
  }
  case IR_OP_COUNT:
    break;
  }
  assert(out);
  e->val[n->id] = out;
  e->owned[n->id] = own;
  return 0;
}

int ir_eval(IrGraph *g, IrNode *const *roots, size_t nroots, const IrEvalInputs *in, double *const *out,
            IrEvalError *err) {
  IrEvalError local;
  if (!err) err = &local;
  err->msg[0] = '\0';
  err->span = SPAN_NONE;
  IrNode **order;
  size_t n = ir_topo(g, roots, nroots, &order);
  Ev e = {g, in, xcalloc(g->count + 1, sizeof(double *)), xcalloc(g->count + 1, 1),
          xcalloc(g->count + 1, sizeof(uint32_t)), xcalloc(g->count + 1, sizeof(double *)),
          xcalloc(g->count + 1, 1), err};
  for (size_t i = 0; i < n; i++)
    if (order[i]->op == IR_DATA) e.sliced[order[i]->id] = 1;
  for (size_t i = 0; i < n; i++)
    for (int j = 0; j < order[i]->nargs; j++) {
      e.uses[order[i]->args[j]->id]++;
      if (order[i]->op != IR_SLICE) e.sliced[order[i]->args[j]->id] = 0;
    }
  for (size_t r = 0; r < nroots; r++) e.sliced[roots[r]->id] = 0;
  for (size_t r = 0; r < nroots; r++) {
    e.uses[roots[r]->id]++; /* roots live to the end */
    if (is_source(roots[r]) && !e.dest[roots[r]->id]) e.dest[roots[r]->id] = out[r];
  }
  int rc = 0;
  for (size_t i = 0; i < n && rc == 0; i++) {
    rc = eval_node(&e, order[i]);
    if (rc) break;
    for (int j = 0; j < order[i]->nargs; j++) {
      uint32_t id = order[i]->args[j]->id;
      if (--e.uses[id] == 0 && e.owned[id]) {
        free(e.val[id]);
        e.val[id] = NULL;
      }
    }
  }
  if (rc == 0)
    for (size_t r = 0; r < nroots; r++)
      if (out[r] != e.val[roots[r]->id]) /* a source root was computed in place */
        memcpy(out[r], e.val[roots[r]->id], (size_t)shape_size(roots[r]->shape) * sizeof(double));
  for (size_t i = 0; i < n; i++)
    if (e.owned[order[i]->id]) free(e.val[order[i]->id]);
  free(e.val);
  free(e.owned);
  free(e.uses);
  free(e.dest);
  free(e.sliced);
  return rc;
}
