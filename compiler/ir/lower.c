/* lower.c — typed AST -> tensor IR. Each .blo construct becomes IR through the simplifying
 * constructors of ir.h; composite builtins (mean, softmax_rows, cross_entropy, rowwise, ...)
 * are expanded into primitive ops here, so differentiation and every backend only ever see
 * the op table. Relative data paths are resolved against the file that names them. */
#include "ir/lower.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef struct Lower {
  IrProblem *p;
  Diag *diag;
  Arena *arena;
  const char *decl_name; /* declaration being lowered: names generator streams */
  int gen_ordinal;       /* generators met so far in that declaration */
  bool failed;
} Lower;

static IrNode *lower_expr(Lower *L, const AstExpr *e);

static IrGraph *G(Lower *L) { return &L->p->graph; }

static const char *stream_name(Lower *L) {
  return arena_printf(L->arena, "%s#%d", L->decl_name ? L->decl_name : "?", L->gen_ordinal++);
}

static const char *resolve_path(Lower *L, const AstExpr *e) {
  const char *path = e->str;
  if (!path) return "";
  if (path[0] == '/') return path;
  const SrcFile *f = diag_file(L->diag, e->span.file);
  /* --data's path is the command line's: relative to the directory bloc runs in */
  const char *dir = f && !e->cwd_path ? f->dir : ".";
  /* messages show the path as written, relative to the directory of the compile */
  const char *rel = strcmp(dir, ".") == 0 ? path : arena_printf(L->arena, "%s/%s", dir, path);
  /* the C API compiles, then reads the data at the first solve: a process that moved in
   * between must still read the files the program named, not the same names where it is */
  const char *then = L->p->prog->cwd;
  char now[4096];
  if (rel[0] != '/' && then && !(getcwd(now, sizeof now) && strcmp(now, then) == 0))
    return arena_printf(L->arena, "%s/%s", then, rel);
  return rel;
}

static double cnum(const AstExpr *e) {
  assert(e->is_const || e->kind == AST_NUM);
  return e->kind == AST_NUM && !e->is_const ? e->num : e->const_val;
}

/* A literal list: nested CAT/VCAT of scalar constants. */
static IrNode *lower_list(Lower *L, const AstExpr *e) {
  IrNode **parts = arena_calloc(L->arena, (size_t)(e->nargs ? e->nargs : 1), sizeof(IrNode *));
  bool nested = e->nargs > 0 && e->args[0]->kind == AST_LIST;
  for (int i = 0; i < e->nargs; i++) {
    IrNode *x = lower_expr(L, e->args[i]);
    if (nested) x = ir_reshape(G(L), x, shape_matrix(1, shape_size(x->shape)));
    parts[i] = x;
  }
  return ir_cat(G(L), nested ? IR_VCAT : IR_CAT, parts, e->nargs);
}

static IrNode *lower_index(Lower *L, const AstExpr *e) {
  IrNode *b = lower_expr(L, e->args[0]);
  IrGraph *g = G(L);
  int nsubs = e->nargs - 1;
  for (int k = 0; k < nsubs; k++) {
    const AstSub *s = &e->subs[k];
    bool rows = k == 0;
    int64_t m = b->shape.rows, n = b->shape.cols;
    switch (s->kind) {
    case SUB_INDEX:
      b = rows ? ir_slice(g, b, s->lo, s->lo + 1, 0, n) : ir_slice(g, b, 0, m, s->lo, s->lo + 1);
      break;
    case SUB_RANGE:
      b = rows ? ir_slice(g, b, s->lo, s->hi, 0, n) : ir_slice(g, b, 0, m, s->lo, s->hi);
      break;
    case SUB_SAMPLE: {
      assert(rows);
      const AstDecl *sd = s->sample;
      IrNode *idx = ir_sample(g, sd->index, sd->offset, sd->batch_k);
      b = ir_gather(g, b, idx);
      break;
    }
    case SUB_TAKE: { /* an index out of range is told at the subscript */
      const AstExpr *ix = e->args[k + 1];
      b = ir_take(g, b, lower_expr(L, ix), rows || b->shape.rank == 1 ? 0 : 1, ix->span);
      break;
    }
    }
  }
  return b->shape.sparse ? b : ir_reshape(g, b, e->shape); /* sparse: sampled rows, X[i, :] */
}

static IrNode *lower_builtin(Lower *L, const AstExpr *e) {
  IrGraph *g = G(L);
  IrNode *a[16] = {0};
  const BuiltinInfo *bi = &ast_builtins[e->builtin];
  /* data-stage builtins with compile-time parameters read them from the AST; the others
   * lower their arguments first */
  bool params_only = e->builtin == BI_UNIFORM || e->builtin == BI_NORMAL ||
                     e->builtin == BI_RANDINT || e->builtin == BI_BERNOULLI ||
                     e->builtin == BI_PERMUTATION || e->builtin == BI_RANDOM_SPD ||
                     e->builtin == BI_ARANGE ||
                     e->builtin == BI_ZEROS || e->builtin == BI_ONES || e->builtin == BI_EYE ||
                     e->builtin == BI_LOAD_CSV || e->builtin == BI_LOAD_IDX ||
                     e->builtin == BI_LOAD_LIBSVM || e->builtin == BI_LOAD_NPY ||
                     e->builtin == BI_LOAD_LIBSVM_LABELS || e->builtin == BI_LOAD_MTX;
  if (e->builtin == BI_RESHAPE) /* its dimensions are compile-time constants */
    return ir_reshape(g, lower_expr(L, e->args[0]), e->shape);
  if (!params_only)
    for (int i = 0; i < e->nargs && i < 16; i++) a[i] = lower_expr(L, e->args[i]);
  (void)bi;
  Shape s = shape_storage(e->shape); /* a tensor declaration's generators fill its storage */
  /* a tensor[T, K, d] file is read as its tasks' matrices stacked, matrix[T*K, d] */
  Shape ls = e->shape.rank == 3 ? shape_matrix(e->shape.blocks * e->shape.rows, e->shape.cols) : s;
  int64_t lb = e->shape.rank == 3 ? e->shape.blocks : 0;
  switch ((BuiltinId)e->builtin) {
#include "front/builtin_ew_cases.h"
  {
    IrOp op = (IrOp)ast_builtins[e->builtin].ir_op; /* one elementwise op (builtins.def) */
    return ir_ops[op].nargs == 1 ? ir_unary(g, op, a[0]) : ir_binary(g, op, a[0], a[1]);
  }
  case BI_SUM: return ir_reduce(g, IR_SUM, a[0]);
  case BI_MEAN:
    return ir_scale(g, 1.0 / (double)shape_size(a[0]->shape), ir_reduce(g, IR_SUM, a[0]));
  case BI_SUMSQ: return ir_dot(g, a[0], a[0]);
  case BI_DOT: return ir_dot(g, a[0], a[1]);
  case BI_NORM: return ir_unary(g, IR_SQRT, ir_dot(g, a[0], a[0]));
  case BI_LOGSUMEXP: return ir_reduce(g, IR_LSE, a[0]);
  case BI_SUM_ROWS: return ir_reduce(g, IR_SUM_ROWS, a[0]);
  case BI_SUM_COLS: return ir_reduce(g, IR_SUM_COLS, a[0]);
  case BI_MEAN_ROWS:
    return ir_scale(g, 1.0 / (double)a[0]->shape.cols, ir_reduce(g, IR_SUM_ROWS, a[0]));
  case BI_MEAN_COLS:
    return ir_scale(g, 1.0 / (double)a[0]->shape.rows, ir_reduce(g, IR_SUM_COLS, a[0]));
  case BI_LOGSUMEXP_ROWS: return ir_reduce(g, IR_LSE_ROWS, a[0]);
  case BI_SOFTMAX_ROWS: {
    IrNode *lse = ir_reduce(g, IR_LSE_ROWS, a[0]);
    return ir_unary(g, IR_EXP, ir_sub(g, a[0], ir_bcast_cols(g, lse, a[0]->shape.cols)));
  }
  case BI_ROWWISE: return ir_mul(g, a[0], ir_bcast_rows(g, a[1], a[0]->shape.rows));
  case BI_COLWISE: return ir_mul(g, a[0], ir_bcast_cols(g, a[1], a[0]->shape.cols));
  case BI_DIAG: return a[0]->shape.rank == 1 ? ir_diagm(g, a[0]) : ir_diagv(g, a[0]);
  case BI_OUTER: return ir_outer(g, a[0], a[1]);
  case BI_TRACE: return ir_reduce(g, IR_SUM, ir_diagv(g, a[0]));
  case BI_WHERE: return ir_where(g, a[0], a[1], a[2]);
  case BI_CLIP: return ir_binary(g, IR_MIN, ir_binary(g, IR_MAX, a[0], a[1]), a[2]);
  case BI_POW: return ir_powc(g, a[0], cnum(e->args[1]));
  case BI_CROSS_ENTROPY: {
    /* -sum_j Y_ij log softmax(Z_i)_j = lse(Z_i) * sum_j Y_ij - sum_j Y_ij Z_ij */
    IrNode *lse = ir_reduce(g, IR_LSE_ROWS, a[0]);
    IrNode *mass = ir_reduce(g, IR_SUM_ROWS, a[1]);
    return ir_sub(g, ir_mul(g, lse, mass), ir_reduce(g, IR_SUM_ROWS, ir_mul(g, a[0], a[1])));
  }
  case BI_ZEROS: return ir_const(g, 0, s);
  case BI_ONES: return ir_const(g, 1, s);
  case BI_EYE: return ir_diagm(g, ir_const(g, 1, shape_vector(s.rows)));
  case BI_LOAD_CSV:
    return ir_load(g, IR_LOAD_CSV, resolve_path(L, e->args[0]), ls, lb, e->span);
  case BI_LOAD_IDX:
    return ir_load(g, IR_LOAD_IDX, resolve_path(L, e->args[0]), ls, lb, e->span);
  case BI_LOAD_LIBSVM:
    return ir_load(g, IR_LOAD_LIBSVM, resolve_path(L, e->args[0]), ls, lb, e->span);
  case BI_LOAD_NPY:
    return ir_load(g, IR_LOAD_NPY, resolve_path(L, e->args[0]), ls, lb, e->span);
  case BI_LOAD_LIBSVM_LABELS:
    return ir_load(g, IR_LOAD_LIBSVM_LABELS, resolve_path(L, e->args[0]), ls, lb, e->span);
  case BI_LOAD_MTX:
    return ir_load(g, IR_LOAD_MTX, resolve_path(L, e->args[0]), ls, lb, e->span);
  case BI_DENSE: return ir_dense(g, a[0]);
  case BI_SPARSE_COO: return ir_sparse_coo(g, a[0], a[1], a[2], e->shape, e->span);
  case BI_UNIFORM:
    return ir_rand(g, IR_RAND_UNIFORM, cnum(e->args[0]), cnum(e->args[1]), stream_name(L), s,
                   e->span);
  case BI_NORMAL:
    return ir_rand(g, IR_RAND_NORMAL, cnum(e->args[0]), cnum(e->args[1]), stream_name(L), s,
                   e->span);
  case BI_RANDINT:
    return ir_rand(g, IR_RAND_RANDINT, cnum(e->args[0]), cnum(e->args[1]), stream_name(L), s,
                   e->span);
  case BI_BERNOULLI:
    return ir_rand(g, IR_RAND_BERNOULLI, cnum(e->args[0]), 0, stream_name(L), s, e->span);
  case BI_PERMUTATION: return ir_perm(g, s.rows, stream_name(L), e->span);
  case BI_ARANGE: return ir_arange(g, s.rows, e->span);
  case BI_RANDOM_SPD:
    return ir_random_spd(g, s.rows, cnum(e->args[1]), cnum(e->args[2]), stream_name(L), e->span);
  case BI_ONEHOT: {
    IrNode *oh = ir_onehot(g, a[0], s.cols);
    if (oh->span.file == SPAN_NO_FILE) oh->span = e->span; /* a label not a class is told here */
    return oh;
  }
  case BI_ARGMAX_ROWS: return ir_reduce(g, IR_ARGMAX_ROWS, a[0]);
  case BI_HCAT: return ir_cat(g, IR_HCAT, a, e->nargs);
  case BI_VCAT: {
    bool matrices = false;
    for (int i = 0; i < e->nargs; i++) matrices |= a[i]->shape.rank == 2;
    if (!matrices) return ir_cat(g, IR_CAT, a, e->nargs);
    for (int i = 0; i < e->nargs; i++)
      if (a[i]->shape.rank < 2)
        a[i] = ir_reshape(g, a[i], shape_matrix(1, shape_size(a[i]->shape)));
    return ir_cat(g, IR_VCAT, a, e->nargs);
  }
  case BI_ROWS: case BI_COLS:
    return ir_scalar(g, e->const_val);
  case BI_RESHAPE: break; /* above */
  case BI_COUNT: case BI_NONE:
    break;
  }
  diag_error(L->diag, e->span, "internal error: builtin #%d cannot be lowered", (int)e->builtin);
  L->failed = true;
  return ir_const(g, 0, s);
}

/* A @ b with a sparse A (sema allows nothing else): A is X, X[i, :] or either transposed, any
 * number of times; the product is IR_SPMM, or IR_SPMTM for an odd number of transposes. */
static IrNode *lower_sparse_product(Lower *L, const AstExpr *a, IrNode *b) {
  bool trans = false;
  while (a->kind == AST_TRANSPOSE || (a->kind == AST_CALL && a->inlined)) {
    if (a->kind == AST_TRANSPOSE) trans = !trans;
    a = a->kind == AST_TRANSPOSE ? a->args[0] : a->inlined;
  }
  IrNode *x = lower_expr(L, a);
  return trans ? ir_spmtm(G(L), x, b) : ir_spmm(G(L), x, b);
}

/* The node made of e (lower_expr_node) noted as written at e's span (IrProblem.src): the
 * first expression that made it, or the call of a fn whose body did. */
static IrNode *lower_expr_node(Lower *L, const AstExpr *e);
static IrNode *lower_expr(Lower *L, const AstExpr *e) {
  IrNode *n = lower_expr_node(L, e);
  IrProblem *p = L->p;
  while (n->id >= p->nsrc) {
    size_t cap = p->nsrc;
    p->src = arena_grow(L->arena, p->src, p->nsrc, sizeof *p->src, &cap);
    for (size_t i = p->nsrc; i < cap; i++) p->src[i] = SPAN_NONE;
    p->nsrc = (uint32_t)cap;
  }
  if (p->src[n->id].file == SPAN_NO_FILE || (e->kind == AST_CALL && e->inlined))
    p->src[n->id] = e->span;
  return n;
}

static IrNode *lower_expr_sampled(Lower *L, const AstExpr *e);
/* The full variant's sum-like reductions over drawn rows are the mean over the draws
 * (AstExpr.full_scale, compiler/front/sema_full.c) */
static IrNode *lower_expr_node(Lower *L, const AstExpr *e) {
  IrNode *n = lower_expr_sampled(L, e);
  return e->full_scale != 0 ? ir_scale(G(L), e->full_scale, n) : n;
}

static IrNode *lower_expr_sampled(Lower *L, const AstExpr *e) {
  IrGraph *g = G(L);
  if (e->is_const && e->shape.rank == 0) return ir_scalar(g, e->const_val);
  switch (e->kind) {
  case AST_NUM: return ir_scalar(g, e->num);
  case AST_IDENT: {
    const AstDecl *d = e->ref;
    assert(d);
    switch (d->kind) {
    case DECL_CONST: return ir_scalar(g, d->const_val);
    case DECL_DATA: return ir_data(g, d->index, d->shape);
    case DECL_UPPER: return L->p->xvars[d->index];
    case DECL_LOWER: return L->p->yvars[d->index];
    default: break;
    }
    diag_error(L->diag, e->span, "internal error: '%s' cannot be used as a value", e->str);
    L->failed = true;
    return ir_const(g, 0, e->shape);
  }
  case AST_UNARY: return ir_neg(g, lower_expr(L, e->args[0]));
  case AST_TRANSPOSE: return ir_transpose(g, lower_expr(L, e->args[0]));
  case AST_BINARY: {
    if (e->op == OP_POW) return ir_powc(g, lower_expr(L, e->args[0]), cnum(e->args[1]));
    if (e->op == OP_MATMUL && e->args[0]->shape.sparse)
      return lower_sparse_product(L, e->args[0], lower_expr(L, e->args[1]));
    IrNode *a = lower_expr(L, e->args[0]), *b = lower_expr(L, e->args[1]);
    switch ((AstBinOp)e->op) {
    case OP_ADD: return ir_add(g, a, b);
    case OP_SUB: return ir_sub(g, a, b);
    case OP_MUL: return ir_mul(g, a, b);
    case OP_DIV: return ir_div(g, a, b);
    case OP_LT: return ir_binary(g, IR_LT, a, b);
    case OP_LE: return ir_binary(g, IR_LE, a, b);
    case OP_GT: return ir_binary(g, IR_GT, a, b);
    case OP_GE: return ir_binary(g, IR_GE, a, b);
    case OP_EQ: return ir_binary(g, IR_EQ, a, b);
    case OP_NE: return ir_binary(g, IR_NE, a, b);
    case OP_MATMUL:
      if (a->shape.rank == 2 && b->shape.rank == 2) return ir_matmul(g, a, b);
      if (a->shape.rank == 2) return ir_matvec(g, a, b);
      return ir_vecmat(g, a, b);
    case OP_POW: break;
    }
    break;
  }
  case AST_INDEX: return lower_index(L, e);
  case AST_CALL:
    if (e->inlined) return lower_expr(L, e->inlined);
    return lower_builtin(L, e);
  case AST_LIST: return lower_list(L, e);
  case AST_STR: case AST_SLICE: break;
  }
  diag_error(L->diag, e->span, "internal error: expression cannot be lowered");
  L->failed = true;
  return ir_const(g, 0, e->shape);
}

static bool statically_symmetric(const AstExpr *e) {
  while (e->kind == AST_CALL && e->inlined) e = e->inlined;
  if (e->kind != AST_CALL) return false;
  return e->builtin == BI_RANDOM_SPD || e->builtin == BI_EYE ||
         (e->builtin == BI_DIAG && e->shape.rank == 2);
}

IrProblem *lower_begin(Arena *arena, Diag *diag, const Program *prog) {
  IrProblem *p = ARENA_NEW(arena, IrProblem);
  ir_graph_init(&p->graph, arena);
  p->prog = prog;
  p->nx = prog->nx;
  p->ny = prog->ny;
  Lower L = {p, diag, arena, NULL, 0, false};
  IrGraph *g = &p->graph;

  p->ndata = prog->ndata;
  p->data_value = arena_calloc(arena, (size_t)prog->ndata + 1, sizeof(IrNode *));
  p->data_name = arena_calloc(arena, (size_t)prog->ndata + 1, sizeof(char *));
  p->data_symmetric = arena_calloc(arena, (size_t)prog->ndata + 1, 1);
  g->sym_data = p->data_symmetric;
  g->nsym_data = p->ndata;
  for (int k = 0; k < prog->ndata; k++) {
    const AstDecl *d = prog->data[k];
    L.decl_name = d->name;
    L.gen_ordinal = 0;
    p->data_name[k] = d->name;
    /* a scalar fills the declared shape (`data A : matrix[3, 3] = 0`); anything else has the
     * declared size and only takes its shape */
    IrNode *v = lower_expr(&L, d->init);
    p->data_value[k] = v->shape.rank == 0 && shape_size(d->shape) != 1 ? ir_bcast(g, v, d->shape)
                                                                       : ir_reshape(g, v, d->shape);
    if (statically_symmetric(d->init)) p->data_symmetric[k] = 1;
  }
  p->nupper = prog->nupper;
  p->nlower = prog->nlower;
  p->xvars = arena_calloc(arena, (size_t)prog->nupper + 1, sizeof(IrNode *));
  p->upper_init = arena_calloc(arena, (size_t)prog->nupper + 1, sizeof(IrNode *));
  p->yvars = arena_calloc(arena, (size_t)prog->nlower + 1, sizeof(IrNode *));
  p->dirs = arena_calloc(arena, (size_t)prog->nlower + 1, sizeof(IrNode *));
  p->lower_init = arena_calloc(arena, (size_t)prog->nlower + 1, sizeof(IrNode *));
  for (int i = 0; i < prog->nupper; i++) {
    const AstDecl *d = prog->upper[i];
    p->xvars[i] = ir_var(g, 0, i, d->offset, d->shape);
  }
  for (int j = 0; j < prog->nlower; j++) {
    const AstDecl *d = prog->lower[j];
    p->yvars[j] = ir_var(g, 1, j, d->offset, d->shape);
    p->dirs[j] = ir_dir(g, j, d->offset, d->shape);
  }
  for (int i = 0; i < prog->nupper; i++) {
    const AstDecl *d = prog->upper[i];
    L.decl_name = d->name;
    L.gen_ordinal = 0;
    p->upper_init[i] = ir_bcast(g, lower_expr(&L, d->init), d->shape);
  }
  return L.failed ? NULL : p;
}

void lower_mark_symmetric(IrProblem *p, int k) {
  if (k >= 0 && k < p->ndata) p->data_symmetric[k] = 1;
}

int lower_finish(IrProblem *p, Diag *diag) {
  const Program *prog = p->prog;
  Lower L = {p, diag, p->graph.arena, NULL, 0, false};
  IrGraph *g = &p->graph;
  for (int j = 0; j < prog->nlower; j++) {
    const AstDecl *d = prog->lower[j];
    L.decl_name = d->name;
    L.gen_ordinal = 0;
    p->lower_init[j] = ir_bcast(g, lower_expr(&L, d->init), d->shape);
  }
  L.decl_name = prog->f->name;
  p->f = lower_expr(&L, prog->f->init);
  L.decl_name = prog->g->name;
  p->g = lower_expr(&L, prog->g->init);
  p->nreports = prog->nreports;
  p->reports = arena_calloc(p->graph.arena, (size_t)prog->nreports + 1, sizeof(IrNode *));
  for (int r = 0; r < prog->nreports; r++) {
    L.decl_name = prog->reports[r]->name;
    L.gen_ordinal = 0;
    p->reports[r] = ir_reshape(g, lower_expr(&L, prog->reports[r]->init), shape_scalar());
  }
  return L.failed ? -1 : 0;
}

IrLoadedAt ir_loaded_from(const IrProblem *p, const IrNode *n, const uint8_t *skip) {
  IrLoadedAt at = {NULL, 0, -1, 1, 0};
  bool matrix = false; /* (r0, c0) a place in a matrix yet */
  for (;;) {
    if (n->op == IR_SLICE && !matrix && n->shape.rank < 2) {
      at.r0 += n->attr[0];
    } else if (n->op == IR_RESHAPE && !matrix && n->args[0]->shape.rank == 2 &&
               (n->args[0]->shape.cols == 1 || n->args[0]->shape.rows == 1)) {
      bool column = n->args[0]->shape.cols == 1; /* M[:, j]: along rows; M[i, :]: columns */
      at.c0 = column ? 0 : at.r0;
      at.r0 = column ? at.r0 : 0;
      at.dr = column, at.dc = !column;
      matrix = true;
    } else if (n->op == IR_SLICE && matrix) {
      at.r0 += n->attr[0], at.c0 += n->attr[2];
    } else if (n->op == IR_DATA && n->attr[0] < p->ndata && !(skip && skip[n->attr[0]])) {
      n = p->data_value[n->attr[0]];
      continue;
    } else {
      break;
    }
    n = n->args[0];
  }
  if (n->op != IR_LOAD || !n->str || n->shape.rank == 3 || matrix != (n->shape.rank == 2))
    return (IrLoadedAt){NULL, 0, 0, 0, 0};
  at.load = n;
  at.r0 += n->attr[2]; /* a sharded rank's rows start there */
  return at;
}
