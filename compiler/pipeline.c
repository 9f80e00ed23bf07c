/* pipeline.c — the compile pipeline behind blo_compile_file (see blo.h): sema, lowering, the
 * data stage on the reference evaluator, derivatives, hoisting, and the backend. With
 * BLOC_VERIFY set, the IR verifier runs after every pass (and the plan verifier after
 * planning, in sched_problem): see ir_verify.h.
 * Kernels depend on the data's shapes, not on its values, except where a square matrix
 * found symmetric simplifies derivatives (lower.h): when no declaration can be found so,
 * derivation runs before the data stage and the JIT compiles on its own thread while the
 * data stage runs (BLOC_OVERLAP=0: one after the other; the code is the same either way). */
#define _GNU_SOURCE /* MADV_HUGEPAGE */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "support/alloc.h"
#include "rt_clock.h"
#include "compiled.h"
#include "interp/eval.h"
#include "interp/eval_fused.h"
#include "interp/interp.h"
#include "ir/ir_verify.h"
#include "llvm/jit.h"
#include "llvm/jit_target.h"
#include "ir/lower.h"
#include "ir/shard.h"
#include "rt_data.h"
#include "rt_f32.h"
#include "rt_fmt.h"
#include "rt_mem.h"
#include "rt_methods.h"
#include "rt_mpi.h"
#include "rt_par.h"
#include "rt_rng.h"
#include "rt_sparse.h"

/* Data tensors (freed with free()). Big ones, which kernels stream through again and again,
 * sit on transparent huge pages where the system allows it (madvise mode): fewer TLB misses
 * while streaming a 31 MB matrix made hyper-cleaning's kernels 4-10% faster. */
enum { HUGE_PAGE = 2 << 20 };

static double *dalloc_soft(int64_t n) {
  size_t bytes = (size_t)(n > 0 ? n : 1) * sizeof(double);
  void *p = NULL;
  if (bytes >= 2 * (size_t)HUGE_PAGE) {
    size_t round = (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
    if (posix_memalign(&p, HUGE_PAGE, round) == 0)
      madvise(p, round, MADV_HUGEPAGE); /* a hint: ignore failure */
    else p = NULL;
  } else {
    p = malloc(bytes);
  }
  return p;
}

/* The data stage's big buffers, whose sizes the program gives (a data declaration, the
 * variables): refused, they are the program's error with status 3 (BLOC_ERR_MEMORY), reported
 * at `at` (rt_oom_raise: the library returns, where blo_oom ended its caller's process). NULL
 * then. */
static double *dalloc_or_report(BloCompiled *c, int64_t n, Span at, const char *what) {
  double *p = dalloc_soft(n);
  if (p) return p;
  size_t bytes = (size_t)(n > 0 ? n : 1) * sizeof(double);
  diag_error(&c->diag, at, "%s: out of memory for %lld values (%zu bytes)", what, (long long)n,
             bytes);
  rt_oom_raise();
  return NULL;
}

/* Where no caller can take a failure (the evaluator's hooks): out of memory ends the process */
static double *dalloc(int64_t n) {
  double *p = dalloc_soft(n);
  if (!p) blo_oom((size_t)(n > 0 ? n : 1) * sizeof(double));
  return p;
}

/* ---- data-stage hooks (eval.h) */

/* One row per data format: its whole loader, its row-range loader (rt_load_*_rows) and, for
 * formats that can hold a tensor[T, K, d] of tasks, the loader of its T stacked matrices. */
typedef struct DataLoader {
  IrLoadFormat fmt;
  int (*whole)(const char *path, RtShape want, RtTensor *out, RtErr e);
  int (*rows)(const char *path, RtShape want, RtRows rows, RtTensor *out, RtErr e);
  int (*tasks)(const char *path, int64_t t, int64_t k, int64_t d, RtTensor *out, RtErr e);
} DataLoader;

static const DataLoader k_loaders[] = {
    {IR_LOAD_IDX, rt_load_idx, rt_load_idx_rows, NULL},
    {IR_LOAD_CSV, rt_load_csv, rt_load_csv_rows, rt_load_csv3},
    {IR_LOAD_LIBSVM, rt_load_libsvm, rt_load_libsvm_rows, NULL},
    {IR_LOAD_LIBSVM_LABELS, rt_load_libsvm_labels, rt_load_libsvm_labels_rows, NULL},
    {IR_LOAD_NPY, rt_load_npy, rt_load_npy_rows, rt_load_npy3},
};

static const DataLoader *loader_of(IrLoadFormat fmt) {
  for (size_t i = 0; i < sizeof k_loaders / sizeof k_loaders[0]; i++)
    if (k_loaders[i].fmt == fmt) return &k_loaders[i];
  return NULL;
}

/* Load the whole of req->shape into out; a warning about the file in warn (else ""). */
static int load_whole(const IrLoadRequest *req, double *out, char *err, size_t errlen,
                      RtErr warn) {
  const char *path = req->path;
  if (warn.len) warn.buf[0] = '\0'; /* only rt_load_libsvm_warn has one to give */
  RtShape want = rt_shape(req->shape.rank, req->shape.rows, req->shape.cols);
  int64_t blocks = req->blocks, k = blocks > 0 ? want.rows / blocks : 0;
  RtErr e = rt_err(err, errlen);
  /* IDX files are the big ones (MNIST): decoded straight into out, not copied there */
  if (req->fmt == IR_LOAD_IDX) return rt_load_idx_into(path, want, out, e);
  /* so are NPY files: through a tensor and a copy, their peak was twice the values */
  if (req->fmt == IR_LOAD_NPY)
    return blocks > 0 ? rt_load_npy3_into(path, blocks, k, want.cols, out, e)
                      : rt_load_npy_into(path, want, out, e);
  const DataLoader *l = loader_of(req->fmt);
  if (!l || (blocks > 0 && !l->tasks)) {
    snprintf(err, errlen, "unknown data format");
    return 1;
  }
  RtTensor t = {0};
  /* a tensor[T, K, d] (blocks = T): its T matrices stacked (an NPY file must be exactly that
   * 3-D array) */
  int rc = blocks > 0                    ? l->tasks(path, blocks, k, want.cols, &t, e)
           : req->fmt == IR_LOAD_LIBSVM ? rt_load_libsvm_warn(path, want, &t, e, warn)
                                        : l->whole(path, want, &t, e);
  if (rc) return rc;
  memcpy(out, t.v, (size_t)shape_size(req->shape) * sizeof(double));
  rt_tensor_free(&t);
  return 0;
}

/* A load of some rows only (sharded data: one rank's rows, IrLoadRequest.row0/nrows): the
 * row-range loaders read just those rows (rt_load_*_rows, rt_data.h). compiler/ir/shard.c asks
 * for a tensor[T, K, d] of tasks as plain rows (blocks 0); a request with blocks > 0 would be
 * loaded whole and its rows cut here. */
static int load_rows(const IrLoadRequest *req, double *out, char *err, size_t errlen) {
  int64_t cols = req->shape.rank == 2 ? req->shape.cols : 1;
  if (req->blocks == 0) {
    const DataLoader *l = loader_of(req->fmt);
    if (!l) {
      snprintf(err, errlen, "unknown data format");
      return 1;
    }
    RtShape want = rt_shape(req->shape.rank, req->shape.rows, req->shape.cols);
    RtTensor t = {0};
    int rc = l->rows(req->path, want, (RtRows){req->row0, req->nrows}, &t, rt_err(err, errlen));
    if (rc) return rc;
    memcpy(out, t.v, sizeof(double) * (size_t)(req->nrows * cols));
    rt_tensor_free(&t);
    return 0;
  }
  double *whole = malloc(sizeof(double) * (size_t)(shape_size(req->shape) + 1));
  if (!whole) {
    rt_oom_errf(err, errlen, "%s: out of memory", req->path);
    return 1;
  }
  int rc = load_whole(req, whole, err, errlen, rt_err(NULL, 0));
  if (rc == 0) memcpy(out, whole + req->row0 * cols, sizeof(double) * (size_t)(req->nrows * cols));
  free(whole);
  return rc;
}

/* The hint under rt_libsvm_zero_based_warning's warning: how to say which the file is. */
static void libsvm_zero_based_hint(BloCompiled *c, int64_t features) {
  diag_hint(&c->diag, "if it is 0-based, write it 1-based (dump_svmlight_file(X, y, f, "
            "zero_based=False)); if it is 1-based and feature %lld is 0 in every row, the values "
            "are right, and an explicit '%lld:0' on one line says so", (long long)features,
            (long long)features);
}

static int load_hook(void *ctx, const IrLoadRequest *req, double *out, char *err, size_t errlen) {
  BloCompiled *c = ctx;
  /* a row range cannot tell a 0-based LIBSVM file: another range may hold the last column */
  if (req->row0 != 0 || req->nrows != req->shape.rows) return load_rows(req, out, err, errlen);
  char warn[512];
  int rc = load_whole(req, out, err, errlen, rt_err(warn, sizeof warn));
  if (rc == 0 && warn[0]) {
    diag_warning(&c->diag, req->span, "%s", warn);
    libsvm_zero_based_hint(c, req->shape.cols - 1);
  }
  return rc;
}

static int spd_hook(void *ctx, const IrSpdRequest *req, double *out, char *err, size_t errlen) {
  (void)ctx;
  RtRng r = rt_rng_stream(req->seed, req->stream);
  int rc = rt_random_spd(&r, req->n, req->lo, req->hi, out);
  if (rc == -2) {
    rt_oom_errf(err, errlen, "random_spd(%lld, %g, %g): out of memory", (long long)req->n, req->lo,
                req->hi);
    return 1;
  }
  if (rc != 0) {
    snprintf(err, errlen, "random_spd(%lld, %g, %g): the eigenvalues must satisfy 0 < lo <= hi",
             (long long)req->n, req->lo, req->hi);
    return 1;
  }
  return 0;
}

static bool is_symmetric(const double *a, int64_t n) {
  for (int64_t i = 0; i < n; i++)
    for (int64_t j = i + 1; j < n; j++)
      if (a[i * n + j] != a[j * n + i]) return false;
  return true;
}

/* The first global row of declaration d that this compile holds (0 unless sharded): a
 * sharded declaration's rank rows, or the rows a replicated load was narrowed to (ir/shard.c:
 * the rows the rank's slices of it read). */
static int64_t first_row(const BloCompiled *c, const AstDecl *d) {
  if (!c->sharded) return 0;
  if (d->row_sharded) return rt_shard_rows(c->shard, d->shape.rows).r0;
  return ir_shard_load_row0(c->ir->data_value[d->index]);
}

/* A non-finite element at `at` of data declaration d (bound: the caller's array, from
 * bloc_bind). The cure is the source's: the file or expression, or the bound array; and when d
 * is a bound of a constrained upper variable, where an infinite element usually means "no
 * bound", the finite stand-in doc/language.md 3a gives, 1e300. */
static void report_nonfinite(BloCompiled *c, const AstDecl *d, const double *v, int64_t at,
                             bool bound) {
  char sb[64], nb[RT_FMT_NUM_LEN];
  rt_fmt_num(v[at], nb);
  int64_t r0 = first_row(c, d);
  if (d->shape.rank == 2)
    diag_error(&c->diag, d->name_span, "data '%s' (%s) holds %s at [%lld, %lld]", d->name,
               shape_str(d->shape, sb), nb, (long long)(r0 + at / d->shape.cols),
               (long long)(at % d->shape.cols));
  else if (d->shape.rank == 1)
    diag_error(&c->diag, d->name_span, "data '%s' (%s) holds %s at [%lld]", d->name,
               shape_str(d->shape, sb), nb, (long long)(r0 + at));
  else
    diag_error(&c->diag, d->name_span, "data '%s' is %s", d->name, nb);
  if (bound)
    diag_hint(&c->diag, "data must be finite: check the array passed to bind for '%s'", d->name);
  else
    diag_hint(&c->diag, "data must be finite: check the file, or the expression that computes it");
  for (int i = 0; i < c->prog->nupper; i++) {
    const AstDecl *x = c->prog->upper[i];
    const AstConstraint *k = x->con;
    if (!k || (k->lo_data != d && k->hi_data != d)) continue;
    bool lo = k->lo_data == d;
    diag_hint(&c->diag, "'%s' is the %s bound of '%s': for an element with no %s bound use %s, "
              "where projection never moves an x that stays finite (doc/language.md 3a)",
              d->name, lo ? "lower" : "upper", x->name, lo ? "lower" : "upper",
              lo ? "-1e300" : "1e300");
    break;
  }
}

/* Declared tensors loaded from IDX files are held as the file (1 byte per u8 pixel) and
 * decoded on demand: the examples slice 10000 of Fashion-MNIST's 60000 training images, and
 * decoding all of them meant faulting in and writing 376 MB of doubles, most of the data
 * stage's time. */
static void block_hook(void *ctx, int k, const IrBlock *b, double *out) {
  BloCompiled *c = ctx;
  rt_idx_read(c->idx[k], b->r0, b->nrows, b->c0, b->ncols, out);
}

static const uint8_t *bytes_hook(void *ctx, int k) {
  const BloCompiled *c = ctx;
  return rt_idx_bytes(c->idx[k]);
}

static const double *full_hook(void *ctx, int k) {
  BloCompiled *c = ctx;
  Shape s = c->prog->data[k]->shape;
  c->data[k] = dalloc(shape_size(s));
  rt_idx_read(c->idx[k], 0, s.rows, 0, s.cols, c->data[k]);
  rt_idx_close(c->idx[k]);
  c->idx[k] = NULL;
  return c->data[k];
}

/* Whether declaration k is a plain load_idx that can stay an IDX file: not a square matrix,
 * whose symmetry must be known before lower_finish. */
static bool idx_lazy(const BloCompiled *c, int k) {
  const IrNode *v = c->ir->data_value[k];
  Shape s = c->prog->data[k]->shape;
  return v->op == IR_LOAD && v->attr[0] == IR_LOAD_IDX && v->attr[3] == 0 &&
         !(s.rank == 2 && s.rows == s.cols);
}

static IrEvalInputs stage_inputs(BloCompiled *c) {
  IrEvalInputs in = {0};
  in.data = (const double *const *)c->data;
  in.seed = c->seed;
  in.load = load_hook;
  in.random_spd = spd_hook;
  in.data_block = block_hook;
  in.data_full = full_hook;
  in.data_bytes = bytes_hook;
  in.hook_ctx = c;
  in.data_stage = true;
  return in;
}

/* A label of onehot that is not a class, or an index of a take that is not a row, when the
 * labels (indices) are a file's values (or rows sliced from them): the file and the value's
 * place in it, which the error's index alone does not name when the labels are a slice
 * (`labels[5000:10000]`) or another declaration's. */
static void note_value_file(BloCompiled *c, const IrNode *vals, int64_t index,
                            const char *what);

static void note_labels_file(BloCompiled *c, const IrEvalError *err) {
  if (!err->onehot && !err->take) return;
  const IrNode *vals = err->onehot ? err->onehot->args[0] : err->take->args[1];
  note_value_file(c, vals, err->label, err->onehot ? "label" : "index");
}

/* Where value [index] of data vector vals was read, when vals is a file's values (or rows
 * sliced from them, a column of a loaded matrix): a note naming the file and the value's place
 * in it (for a text file its line, counting what the loader skipped), `that <what> is ...`. */
static void note_value_file(BloCompiled *c, const IrNode *vals, int64_t index,
                            const char *what) {
  IrLoadedAt at = ir_loaded_from(c->ir, vals, c->borrowed);
  int64_t r = at.r0 + index * at.dr, col = at.c0 + index * at.dc;
  int64_t line, field;
  int fmt = at.load ? (int)at.load->attr[0] : -1;
  /* a text file: its line (and field), where the user will look; read again, now that the
   * run has failed anyway (a sharded load's rows are a range of the file's: not named so) */
  bool whole = at.load && at.load->attr[3] == 0;
  Shape s = at.load ? at.load->shape : (Shape){0};
  if (whole && fmt == IR_LOAD_CSV &&
      !rt_csv_locate(at.load->str, rt_shape(s.rank, s.rows, s.cols), r, at.c0 < 0 ? 0 : col,
                     &line, &field)) {
    if (at.c0 < 0 && s.rank == 1 && field == 1)
      diag_note(&c->diag, at.load->span, "that %s is line %lld of '%s' (value [%lld] of the "
                "vector read here)", what, (long long)line, at.load->str, (long long)r);
    else if (at.c0 < 0)
      diag_note(&c->diag, at.load->span, "that %s is line %lld, field %lld of '%s' (value "
                "[%lld] of the vector read here)", what, (long long)line, (long long)field,
                at.load->str, (long long)r);
    else
      diag_note(&c->diag, at.load->span, "that %s is line %lld, field %lld of '%s' (row "
                "[%lld], column [%lld] of the matrix read here)", what, (long long)line,
                (long long)field, at.load->str, (long long)r, (long long)col);
  } else if (whole && (fmt == IR_LOAD_LIBSVM_LABELS || (fmt == IR_LOAD_LIBSVM && col == 0)) &&
             !rt_libsvm_locate(at.load->str, r, &line)) {
    diag_note(&c->diag, at.load->span, "that %s begins line %lld of '%s' (example [%lld] of "
              "those read here)", what, (long long)line, at.load->str, (long long)r);
  } else if (at.load && at.c0 < 0) /* else computed labels: the error names the call */
    diag_note(&c->diag, at.load->span, "that %s is value [%lld] of '%s', read here", what,
              (long long)r, at.load->str);
  else if (at.load)
    diag_note(&c->diag, at.load->span, "that %s is row [%lld], column [%lld] of '%s', read "
              "here", what, (long long)r, (long long)col, at.load->str);
}

/* An evaluation of the data stage failed: its message at the failing node (else at `at`). */
static void report_eval_error(BloCompiled *c, const IrEvalError *err, Span at) {
  diag_error(&c->diag, err->span.file != SPAN_NO_FILE ? err->span : at, "%s", err->msg);
  note_labels_file(c, err);
  if (err->hint[0]) diag_hint(&c->diag, "%s", err->hint);
}

/* The rows of each declared tensor the data stage reads: the end of the last row its slices
 * take (a gzip'ed IDX file is then inflated only that far), or -1 when something reads it
 * whole. Anything after the data stage that reads it has it completed (complete_idx). */
static int64_t *rows_wanted(BloCompiled *c) {
  IrProblem *p = c->ir;
  int64_t *want = arena_calloc(&c->arena, (size_t)p->ndata + 1, sizeof(int64_t));
  IrNode **order;
  size_t n = ir_topo(&p->graph, p->data_value, (size_t)p->ndata, &order);
  for (int k = 0; k < p->ndata; k++)
    if (p->data_value[k]->op == IR_DATA) want[p->data_value[k]->attr[0]] = -1;
  for (size_t i = 0; i < n; i++)
    for (int a = 0; a < order[i]->nargs; a++) {
      const IrNode *u = order[i], *d = u->args[a];
      if (d->op != IR_DATA || d->attr[0] >= p->ndata || want[d->attr[0]] < 0) continue;
      int64_t *w = &want[d->attr[0]];
      if (u->op == IR_SLICE && a == 0)
        *w = u->attr[0] + u->shape.rows > *w ? u->attr[0] + u->shape.rows : *w;
      else *w = -1;
    }
  return want;
}

/* Opening a lazily held IDX declaration: what rt_idx_open_rows is asked, and what it gave.
 * rt_idx_open checks everything the load would (finiteness included), so nothing is left to
 * report when the values are decoded. */
typedef struct IdxOpen {
  int k;
  int64_t want;
  RtIdxFile *f;
  int rc;
  char msg[512];
} IdxOpen;

typedef struct IdxOpens {
  const BloCompiled *c;
  IdxOpen *by_k;
  const int *ks; /* the declarations to open, one per task */
} IdxOpens;

/* Opens o's declaration, only reading c. */
static void idx_open(const BloCompiled *c, IdxOpen *o) {
  const IrNode *v = c->ir->data_value[o->k];
  RtShape shape = rt_shape(v->shape.rank, v->shape.rows, v->shape.cols);
  o->rc = rt_idx_open_rows(v->str, shape, o->want, &o->f, rt_err(o->msg, sizeof o->msg));
}

/* rt_par_run's task t: opens by_k[ks[t]]. */
static void idx_open_task(void *ctx, int64_t t) {
  const IdxOpens *all = ctx;
  idx_open(all->c, &all->by_k[all->ks[t]]);
}

/* Makes o's file its declaration's; reports its failure (returns 1). */
static int idx_opened(BloCompiled *c, IdxOpen *o) {
  const IrNode *v = c->ir->data_value[o->k];
  rt_idx_close(c->idx[o->k]);
  c->idx[o->k] = o->f;
  o->f = NULL;
  if (o->rc) {
    diag_error(&c->diag, v->span.file != SPAN_NO_FILE ? v->span : c->prog->data[o->k]->name_span,
               "%s", o->msg);
    return 1;
  }
  return 0;
}

/* Open a lazily held IDX declaration (its first `want` rows; -1 all), reporting failure. */
static int open_idx(BloCompiled *c, int k, int64_t want) {
  IdxOpen o = {k, want, NULL, 0, ""};
  idx_open(c, &o);
  return idx_opened(c, &o);
}

/* The caller's binding of declaration k (BloCompileOptions.bindings), or NULL. */
static const BloBinding *binding(const BloCompiled *c, const BloCompileOptions *opt, int k) {
  for (int b = 0; b < opt->nbindings; b++)
    if (strcmp(opt->bindings[b].name, c->prog->data[k]->name) == 0) return &opt->bindings[b];
  return NULL;
}

/* Marks in need[] the data declarations expression e names (through the bodies of the user
 * functions it calls). */
static void mark_data_refs(const AstExpr *e, uint8_t *need) {
  if (!e) return;
  if (e->kind == AST_IDENT && e->ref && e->ref->kind == DECL_DATA) need[e->ref->index] = 1;
  if (e->kind == AST_CALL) mark_data_refs(e->inlined, need);
  for (int i = 0; i < e->nargs; i++) mark_data_refs(e->args[i], need);
}

/* Which declarations the data stage must compute: those the objectives, the reports, the
 * initial values and the bounds of constrained variables name (from the program: their IR
 * may be lowered after the data stage), and what the unbound ones among them are computed
 * from (declarations read only earlier ones: one pass from the last). With nothing bound, all
 * of them (NULL). A declaration only bound ones were computed from is left out: binding Xtr,
 * declared hcat(images[0:n, :] / 255, ones(n)), still read all of images' file, and failed
 * when it was missing. */
static const uint8_t *needed_decls(BloCompiled *c, const BloCompileOptions *opt) {
  IrProblem *p = c->ir;
  const Program *prog = c->prog;
  if (opt->nbindings == 0) return NULL;
  uint8_t *need = arena_calloc(&c->arena, (size_t)p->ndata + 1, 1);
  if (prog->f) mark_data_refs(prog->f->init, need);
  if (prog->g) mark_data_refs(prog->g->init, need);
  for (int r = 0; r < prog->nreports; r++) mark_data_refs(prog->reports[r]->init, need);
  for (int j = 0; j < prog->nlower; j++) mark_data_refs(prog->lower[j]->init, need);
  for (int i = 0; i < prog->nupper; i++) {
    mark_data_refs(prog->upper[i]->init, need);
    const AstConstraint *k = prog->upper[i]->con;
    if (k && k->lo_data) need[k->lo_data->index] = 1;
    if (k && k->hi_data) need[k->hi_data->index] = 1;
  }
  IrNode **order;
  for (int k = p->ndata - 1; k >= 0; k--) {
    if (!need[k] || binding(c, opt, k)) continue;
    size_t m = ir_topo(&p->graph, &p->data_value[k], 1, &order);
    for (size_t i = 0; i < m; i++)
      if (order[i]->op == IR_DATA && order[i]->attr[0] < p->ndata) need[order[i]->attr[0]] = 1;
  }
  return need;
}

/* The data stage's lazily held IDX declarations, opened all at once on the thread pool:
 * inflating them is most of what remains of a data stage like hyper-cleaning's, and files
 * inflate side by side. The files that opened are in c->idx; the result, by declaration,
 * holds the failures (rc), which the data stage reports when it reaches them, in order, as
 * when it opened the files one by one. */
static IdxOpen *open_idx_all(BloCompiled *c, const BloCompileOptions *opt, const int64_t *want,
                             const uint8_t *need) {
  IrProblem *p = c->ir;
  IdxOpen *by_k = arena_calloc(&c->arena, (size_t)p->ndata + 1, sizeof *by_k);
  int *ks = xcalloc((size_t)p->ndata + 1, sizeof(int)), n = 0;
  for (int k = 0; k < p->ndata; k++)
    if (!binding(c, opt, k) && (!need || need[k]) && idx_lazy(c, k)) {
      by_k[k] = (IdxOpen){k, want[k], NULL, 0, ""};
      ks[n++] = k;
    }
  rt_par_run(idx_open_task, &(IdxOpens){c, by_k, ks}, n);
  for (int i = 0; i < n; i++)
    if (by_k[ks[i]].rc == 0) idx_opened(c, &by_k[ks[i]]);
  free(ks);
  return by_k;
}

/* A sparse declaration (sema: always load_libsvm or load_mtx): its file into CSR and the
 * transpose kernels use, held as an RtSparse that c->data[k] points to (BloEnv.data's
 * convention, rt_sparse.h). Sharded (IR_LOAD's attr[3] > 0, ir/shard.c): only the rank's rows
 * attr[2] .. of the file's attr[3], read by the row-range loaders; the transpose is then that
 * of the rank's rows, which is what X' @ G of the rank's share needs. */
static int load_sparse(BloCompiled *c, int k, const RtCsr *bound);

/* The positions of CSR m (the rows of a sparse_coo's triplets t it holds, from row r0) that
 * two or more of the n triplets gave, and those triplets beyond the first at each. */
static void coo_duplicates(double *const t[3], int64_t n, int64_t r0, const RtCsr *m,
                           int64_t *positions, int64_t *extra) {
  *positions = *extra = 0;
  int32_t *count = calloc(m->nnz > 0 ? (size_t)m->nnz : 1, sizeof *count);
  if (!count) return; /* a note left out */
  for (int64_t i = 0; i < n; i++) {
    int64_t r = (int64_t)t[0][i] - r0;
    if (r < 0 || r >= m->rows) continue;
    int64_t lo = m->rowptr[r], hi = m->rowptr[r + 1] - 1, col = (int64_t)t[1][i];
    while (lo < hi) {
      int64_t mid = lo + (hi - lo) / 2;
      if (m->col[mid] < col) lo = mid + 1;
      else hi = mid;
    }
    if (lo <= hi && m->col[lo] == col && count[lo]++ > 0) {
      ++*extra;
      *positions += count[lo] == 2;
    }
  }
  free(count);
}

/* sparse_coo(rows, cols, vals) of sparse declaration k (IR_SPARSE_COO): its three vectors
 * computed as any data expression, then the CSR of the rows want.rows takes (sharded: the
 * rank's). 1 when an error was reported (an argument's) or is in msg (the triplets'): then
 * *bad_arg and *bad_k are the refused entry and its argument (-1: none), for note_value_file.
 * Positions given more than once are summed, by design (a Laplacian's diagonal from an edge
 * list), but a dense R built from ratings with a repeated (user, item) held two ratings added,
 * with nothing said: a note counts them. */
static int coo_sparse(BloCompiled *c, int k, RtShape want, RtRows rows, RtCsr *m, char *msg,
                      size_t len, bool *reported, int *bad_arg, int64_t *bad_k) {
  IrNode *v = c->ir->data_value[k];
  const AstDecl *d = c->prog->data[k];
  int64_t n = v->args[0]->shape.rows;
  double *t[3] = {0};
  IrEvalInputs in = stage_inputs(c);
  int rc = 0;
  for (int i = 0; i < 3 && rc == 0; i++) {
    char what[160];
    snprintf(what, sizeof what, "the triplets of data '%s'", d->name);
    if (!(t[i] = dalloc_or_report(c, n, d->name_span, what))) rc = 1;
    IrEvalError err;
    int64_t bad;
    if (rc == 0 && ir_eval_fused(&c->ir->graph, v->args[i], &in, t[i], &bad, &err) != 0) {
      report_eval_error(c, &err, d->name_span);
      rc = 1;
    }
  }
  *reported = rc != 0;
  if (rc == 0) {
    char what[160];
    snprintf(what, sizeof what, "data '%s'", d->name);
    rc = rt_csr_from_coo(t[0], t[1], t[2], n, want.rows, want.cols, rows, what, m,
                         rt_err(msg, len)) != 0;
    *bad_arg = -1;
    /* (none refused: an infinite sum, or out of memory) */
    *bad_k = rc ? rt_coo_bad_entry(t[0], t[1], t[2], n, want.rows, want.cols, bad_arg) : -1;
    int64_t positions, extra;
    if (rc == 0) coo_duplicates(t, n, rows.r0, m, &positions, &extra);
    if (rc == 0 && positions > 0)
      diag_note(&c->diag, v->span.file != SPAN_NO_FILE ? v->span : d->name_span,
                "data '%s': %lld position%s of the sparse[%lld, %lld] %s given by more than "
                "one entry of sparse_coo (%lld entries at %s), and their values summed "
                "(doc/data.md): what a Laplacian from an edge list wants, but two ratings of one "
                "(row, column) pair are added; where each position is one observation, drop the "
                "repeated pairs from the data",
                d->name, (long long)positions, positions == 1 ? "" : "s", (long long)want.rows,
                (long long)want.cols, positions == 1 ? "is" : "are each",
                (long long)(extra + positions), positions == 1 ? "it" : "them");
  }
  for (int i = 0; i < 3; i++) free(t[i]);
  return rc;
}

static int load_sparse(BloCompiled *c, int k, const RtCsr *bound) {
  const IrNode *v = c->ir->data_value[k];
  const AstDecl *d = c->prog->data[k];
  char msg[512];
  RtErr err = rt_err(msg, sizeof msg);
  bool part = v->attr[3] > 0;
  RtShape want = rt_shape(2, part ? v->attr[3] : v->shape.rows, v->shape.cols);
  RtRows rows = {v->attr[2], v->shape.rows};
  RtCsr m = {0};
  RtSparse *sp = xcalloc(1, sizeof *sp);
  bool coo = v->op == IR_SPARSE_COO, mtx = !coo && v->attr[0] == IR_LOAD_MTX;
  bool reported = false;
  int rc, bad_arg = -1;
  int64_t bad_k = -1;
  if (coo && !bound) {
    if (!part) rows = (RtRows){0, want.rows};
    rc = coo_sparse(c, k, want, rows, &m, msg, sizeof msg, &reported, &bad_arg, &bad_k);
    if (rc && reported) {
      free(sp);
      return 1;
    }
  } else if (bound) { /* checked when bound (bloc_bind_csr); never sharded (shard_problem) */
    rc = rt_csr_copy(bound, &m);
    if (rc)
      rt_oom_errf(msg, sizeof msg, "out of memory copying the sparse matrix bound to '%s'",
                  d->name);
  } else {
    rc = part ? (mtx ? rt_load_mtx_csr_rows(v->str, want, rows, &m, err)
                     : rt_load_libsvm_csr_rows(v->str, want, rows, &m, err))
              : (mtx ? rt_load_mtx_csr(v->str, want, &m, err)
                     : rt_load_libsvm_csr(v->str, want, &m, err));
  }
  if (rc == 0) rc = rt_csr_check(&m, bound || coo ? d->name : v->str, err); /* contracts */
  /* a 0-based file: as load_hook says for dense */
  if (rc == 0 && !bound && !part && !mtx && !coo) {
    int64_t top = 0;
    for (int64_t i = 0; i < m.nnz; i++)
      if (m.col[i] + 1 > top) top = m.col[i] + 1;
    char decl[96], warn[512];
    snprintf(decl, sizeof decl, "sparse[%lld, %lld]", (long long)m.rows, (long long)want.cols);
    rt_libsvm_zero_based_warning(v->str, decl, want.cols, top, rt_err(warn, sizeof warn));
    if (warn[0]) {
      diag_warning(&c->diag, v->span.file != SPAN_NO_FILE ? v->span : d->name_span, "%s", warn);
      libsvm_zero_based_hint(c, want.cols);
    }
  }
  if (rc == 0) rc = rt_sparse_make(&m, sp, err);
  if (rc) {
    rt_csr_free(&m);
    free(sp);
    diag_error(&c->diag, v->span.file != SPAN_NO_FILE ? v->span : d->name_span, "%s", msg);
    /* the entry's index or value from a file: its line there, as onehot's labels */
    if (bad_k >= 0)
      note_value_file(c, v->args[bad_arg], bad_k,
                      bad_arg == 0 ? "row index" : bad_arg == 1 ? "column index" : "value");
    return 1;
  }
  c->data[k] = (double *)(void *)sp;
  return 0;
}

/* Data tensor k is the caller's memory (a BloBinding): never written or freed here. */
static bool borrowed(const BloCompiled *c, int k) {
  return c->borrowed && k < c->ir->ndata && c->borrowed[k];
}

/* Data tensor k is a sparse declaration's RtSparse (BloEnv.data's convention), at every
 * precision: f32 stores dense tensors as floats, never a sparse one. */
static bool is_sparse(const BloCompiled *c, int k) {
  return c->ir && k < c->ir->ndata && c->prog->data[k]->shape.sparse;
}

/* Frees data tensor k (a sparse one's CSR arrays too; a borrowed one is only forgotten). */
static void free_data(BloCompiled *c, int k) {
  if (!borrowed(c, k)) {
    if (is_sparse(c, k) && c->data[k]) rt_sparse_free((RtSparse *)(void *)c->data[k]);
    free(c->data[k]);
  }
  c->data[k] = NULL;
}

/* Evaluate every data declaration in order; later ones read earlier ones. A bound declaration
 * takes the caller's values (checked like loaded ones) instead of running its loader. */
static int run_data_stage(BloCompiled *c, const BloCompileOptions *opt) {
  IrProblem *p = c->ir;
  IrEvalInputs in = stage_inputs(c);
  int64_t *want = c->want = rows_wanted(c);
  const uint8_t *need = needed_decls(c, opt);
  IdxOpen *opened = open_idx_all(c, opt, want, need);
  for (int k = 0; k < p->ndata; k++) {
    const AstDecl *d = c->prog->data[k];
    if (need && !need[k]) continue; /* c->data[k] stays NULL: nothing reads it */
    int64_t size = shape_size(p->data_value[k]->shape); /* one rank's rows when sharded */
    const BloBinding *bind = binding(c, opt, k);
    const double *bound = bind ? bind->values : NULL;
    int64_t bad;
    if (d->shape.sparse) {
      if (load_sparse(c, k, bind ? bind->csr : NULL)) return 1;
      continue;
    } else if (bound) {
      c->data[k] = (double *)bound; /* read only: kernels and the evaluator never write data */
      c->borrowed[k] = 1;
      bad = ir_first_nonfinite(bound, size);
    } else if (idx_lazy(c, k)) {
      if (opened[k].rc && idx_opened(c, &opened[k])) return 1;
      continue;
    } else {
      char what[160], sb[64];
      snprintf(what, sizeof what, "data '%s' (%s)", d->name, shape_str(d->shape, sb));
      if (!(c->data[k] = dalloc_or_report(c, size, d->name_span, what))) return 1;
      IrEvalError err;
      if (ir_eval_fused(&p->graph, p->data_value[k], &in, c->data[k], &bad, &err) != 0) {
        report_eval_error(c, &err, d->name_span);
        return 1;
      }
    }
    if (bad >= 0) {
      report_nonfinite(c, d, c->data[k], bad, bound != NULL);
      return 1;
    }
    if (!c->sharded && d->shape.rank == 2 && d->shape.rows == d->shape.cols &&
        !p->data_symmetric[k] && is_symmetric(c->data[k], d->shape.rows))
      lower_mark_symmetric(p, k);
  }
  return 0;
}

/* IDX declarations read only in part by the data stage, which the hoisted tensors, initial
 * values or kernels read too: read whole now (reporting what the rest of the file holds
 * wrong), before the evaluator or mark_used asks for them. And c->rows_needed: the rows the
 * data stage wanted (c->want) of each declaration nothing else reads. */
static int complete_idx(BloCompiled *c) {
  const int64_t *want = c->want;
  IrProblem *p = c->ir;
  size_t nroots = (size_t)(p->nhoisted + p->nupper + p->nlower);
  for (int k = 0; k < BLO_K_COUNT; k++) nroots += (size_t)p->kernels[k].nouts;
  IrNode **roots = arena_calloc(&c->arena, nroots + 1, sizeof(IrNode *)), **order;
  nroots = 0;
  for (int h = 0; h < p->nhoisted; h++) roots[nroots++] = p->hoisted[h];
  for (int i = 0; i < p->nupper; i++) roots[nroots++] = p->upper_init[i];
  for (int j = 0; j < p->nlower; j++) roots[nroots++] = p->lower_init[j];
  for (int k = 0; k < BLO_K_COUNT; k++)
    for (int o = 0; o < p->kernels[k].nouts; o++) roots[nroots++] = p->kernels[k].outs[o].node;
  size_t n = ir_topo(&p->graph, roots, nroots, &order);
  c->rows_needed = arena_calloc(&c->arena, (size_t)p->ndata + 1, sizeof(int64_t));
  for (int k = 0; k < p->ndata; k++)
    c->rows_needed[k] =
        want && want[k] > 0 && want[k] < c->prog->data[k]->shape.rows ? want[k] : -1;
  for (size_t i = 0; i < n; i++) {
    if (order[i]->op != IR_DATA || order[i]->attr[0] >= p->ndata) continue;
    int k = (int)order[i]->attr[0];
    c->rows_needed[k] = -1; /* the kernels, a hoisted tensor or an initial value read it all */
    if (c->idx[k] && rt_idx_rows_read(c->idx[k]) < c->prog->data[k]->shape.rows &&
        open_idx(c, k, -1))
      return 1;
  }
  return 0;
}

/* Which data tensors the kernels read (after hoisting): the others can be freed. */
static void mark_used(IrProblem *p, uint8_t *used) {
  size_t nroots = 0;
  for (int k = 0; k < BLO_K_COUNT; k++) nroots += (size_t)p->kernels[k].nouts;
  IrNode **roots = arena_calloc(p->graph.arena, nroots + 1, sizeof(IrNode *));
  nroots = 0;
  for (int k = 0; k < BLO_K_COUNT; k++)
    for (int o = 0; o < p->kernels[k].nouts; o++) roots[nroots++] = p->kernels[k].outs[o].node;
  IrNode **order;
  size_t n = ir_topo(&p->graph, roots, nroots, &order);
  for (size_t i = 0; i < n; i++)
    if (order[i]->op == IR_DATA) used[order[i]->attr[0]] = 1;
}

/* The initial values of one level's n variables (decls, their inits) into base + offset. A call
 * of ir_eval clears arrays of the whole graph's size, so one call per variable made the time
 * quadratic in their number (20,000 upper scalars on the evaluator: 5.2 s, 98% of it in those
 * arrays' page faults). A batch of variables per call holds their values until it ends: at
 * most INIT_BATCH_DOUBLES of them (or one variable's, when larger). A failing batch is
 * evaluated again one variable at a time, so that the first failing variable in source order
 * is the one reported, where its message has no node to point at. */
enum { INIT_BATCH_DOUBLES = 1 << 20 };
static int eval_inits(BloCompiled *c, const IrEvalInputs *in, AstDecl *const *decls,
                      IrNode *const *inits, int n, double *base) {
  IrGraph *g = &c->ir->graph;
  IrNode **roots = xcalloc((size_t)n + 1, sizeof *roots);
  double **dst = xcalloc((size_t)n + 1, sizeof *dst);
  int rc = 0;
  for (int i = 0, j; i < n && rc == 0; i = j) {
    int64_t size = 0;
    for (j = i; j < n && (j == i || size + shape_size(inits[j]->shape) <= INIT_BATCH_DOUBLES);
         j++) {
      roots[j - i] = inits[j];
      dst[j - i] = base + decls[j]->offset;
      size += shape_size(inits[j]->shape);
    }
    IrEvalError batch_err, err;
    if (ir_eval(g, roots, (size_t)(j - i), in, dst, &batch_err) == 0) continue;
    rc = 1;
    int k = i;
    for (; k < j; k++) {
      double *d = base + decls[k]->offset;
      if (ir_eval(g, &inits[k], 1, in, &d, &err) != 0) break;
    }
    if (k < j) report_eval_error(c, &err, decls[k]->name_span);
    else report_eval_error(c, &batch_err, decls[i]->name_span); /* failed only together */
  }
  free(roots);
  free(dst);
  return rc;
}

static int eval_hoisted_and_inits(BloCompiled *c) {
  IrProblem *p = c->ir;
  IrEvalInputs in = stage_inputs(c);
  for (int h = 0; h < p->nhoisted; h++) {
    int k = p->ndata + h;
    c->data[k] = dalloc_or_report(c, shape_size(p->hoisted[h]->shape), SPAN_NONE,
                                  "a tensor computed once from the data");
    if (!c->data[k]) return 1;
    IrEvalError err;
    if (ir_eval_fused(&p->graph, p->hoisted[h], &in, c->data[k], NULL, &err) != 0) {
      report_eval_error(c, &err, SPAN_NONE);
      return 1;
    }
  }
  c->x0 = dalloc_or_report(c, p->nx, SPAN_NONE, "the upper variables");
  c->y0 = c->x0 ? dalloc_or_report(c, p->ny, SPAN_NONE, "the lower variables") : NULL;
  if (!c->y0) return 1;
  if (eval_inits(c, &in, c->prog->upper, p->upper_init, p->nupper, c->x0)) return 1;
  in.x = c->x0; /* lower initial values may read x */
  return eval_inits(c, &in, c->prog->lower, p->lower_init, p->nlower, c->y0);
}

/* Optional kernels (f and g alone, fused ones, grad_x g, J^T u) that no method of this run
 * calls are not compiled (see blo.h). */
static void drop_unused_kernels(BloCompiled *c, const BloCompileOptions *opt) {
  const char *own = c->prog->method;
  const char *const *names = opt->nmethods ? opt->methods : &own;
  int n = opt->nmethods ? opt->nmethods : (own ? 1 : 0);
  if (opt->all_kernels || n == 0) return;
  static const BloKernelId optional[] = {BLO_K_F,        BLO_K_G,        BLO_K_GRAD_Y_G_HVP_YY,
                                         BLO_K_HVP_BOTH, BLO_K_GRAD_X_G, BLO_K_HVP_YX};
  for (size_t i = 0; i < sizeof optional / sizeof optional[0]; i++) {
    bool used = false;
    for (int m = 0; m < n; m++) {
      const RtMethodSpec *spec = rt_method_find(names[m]);
      used |=
          !spec || rt_method_uses_kernel(spec, optional[i]); /* unknown: the caller reports it */
    }
    if (!used) c->ir->kernels[optional[i]].nouts = 0;
  }
}

/* The outputs a sharded compile assembles from each rank's rows (BloOwned, blo_abi.h), in
 * kernel, slot and offset order. */
static void fill_owned(BloCompiled *c) {
  const IrProblem *p = c->ir;
  BloProblem *bp = &c->problem;
  int n = 0;
  for (int k = 0; k < BLO_K_COUNT; k++)
    for (int o = 0; o < p->kernels[k].nouts; o++) n += c->sharded && p->kernels[k].outs[o].owned;
  BloOwned *own = arena_calloc(&c->arena, (size_t)n + 1, sizeof(BloOwned));
  bp->owned = own;
  bp->n_owned = 0;
  for (int k = 0; k < BLO_K_COUNT && n > 0; k++) {
    const IrKernel *kern = &p->kernels[k];
    for (int slot = 0; slot < kern->nslots; slot++)
      for (int o = 0; o < kern->nouts; o++) {
        const IrOutput *out = &kern->outs[o];
        if (!out->owned || out->slot != slot) continue;
        BloOwned b = {k, slot, out->offset, out->node->shape.rows, out->node->shape.cols};
        if (out->node->shape.rank < 2) b.cols = 1;
        int at = bp->n_owned++;
        while (at > 0 && own[at - 1].kernel == k && own[at - 1].slot == slot &&
               own[at - 1].offset > b.offset) {
          own[at] = own[at - 1];
          at--;
        }
        own[at] = b;
      }
  }
}

static void fill_problem(BloCompiled *c) {
  IrProblem *p = c->ir;
  const Program *prog = c->prog;
  Arena *a = &c->arena;
  BloProblem *bp = &c->problem;
  memset(bp, 0, sizeof *bp);
  bp->abi_version = BLO_ABI_VERSION;
  bp->name = prog->name;
  bp->nx = p->nx;
  bp->ny = p->ny;
  bp->n_vars = prog->nupper + prog->nlower;
  BloVarInfo *vars = arena_calloc(a, (size_t)bp->n_vars + 1, sizeof(BloVarInfo));
  for (int i = 0; i < bp->n_vars; i++) {
    const AstDecl *d = i < prog->nupper ? prog->upper[i] : prog->lower[i - prog->nupper];
    vars[i] = (BloVarInfo){
        d->name, i < prog->nupper ? 0 : 1, d->shape.rank, d->shape.rows, d->shape.cols, d->offset};
  }
  bp->vars = vars;
  BloConstraint *con = arena_calloc(a, (size_t)prog->nupper + 1, sizeof(BloConstraint));
  for (int i = 0; i < prog->nupper; i++) {
    const AstConstraint *k = prog->upper[i]->con;
    if (!k) continue;
    con[bp->n_constraints++] = (BloConstraint){
        .var = i, .kind = k->kind == CON_SIMPLEX ? BLO_CON_SIMPLEX : BLO_CON_BOX,
        .lo_data = k->lo_data ? k->lo_data->index : -1,
        .hi_data = k->hi_data ? k->hi_data->index : -1, .lo = k->lo_val, .hi = k->hi_val};
  }
  bp->constraints = con;
  bp->n_data = c->ndata_total;
  BloTensorInfo *info = arena_calloc(a, (size_t)c->ndata_total + 1, sizeof(BloTensorInfo));
  for (int k = 0; k < c->ndata_total; k++) {
    Shape s = k < p->ndata ? p->data_value[k]->shape : p->hoisted[k - p->ndata]->shape;
    const char *name =
        k < p->ndata ? prog->data[k]->name : arena_printf(a, "%%hoisted%d", k - p->ndata);
    info[k] = (BloTensorInfo){name, s.rank, s.rows, s.cols};
  }
  bp->data_info = info;
  bp->data = (const double *const *)c->data;
  /* sample sets no kernel reads are left out: the runtime treats a problem with sample sets as
   * sampled (its own draws, no tol, diagnostics averaged over eval_draws) */
  int nsamples = 0; /* and those of batch(n) of n, which are no draws (sema_sample_whole) */
  BloSampleInfo *si = arena_calloc(a, (size_t)prog->nsamples + 1, sizeof(BloSampleInfo));
  for (int s = 0; prog->samples_used && s < prog->nsamples; s++) {
    const AstDecl *d = prog->samples[s];
    if (!sema_sample_whole(d))
      si[nsamples++] = (BloSampleInfo){d->name, d->batch_k, d->population_n, d->offset};
  }
  bp->n_samples = nsamples;
  bp->samples = si;
  bp->sample_total = nsamples ? prog->sample_total : 0;
  bp->samples_reports_only = prog->samples_used && !prog->stochastic;
  bp->n_reports = prog->nreports;
  const char **rn = arena_calloc(a, (size_t)prog->nreports + 1, sizeof(char *));
  for (int r = 0; r < prog->nreports; r++) rn[r] = prog->reports[r]->name;
  bp->report_names = rn;
  for (int k = 0; k < BLO_K_COUNT; k++) {
    IrKernel *kern = &p->kernels[k];
    IrNode **roots = arena_calloc(a, (size_t)kern->nouts + 1, sizeof(IrNode *));
    for (int o = 0; o < kern->nouts; o++) roots[o] = kern->outs[o].node;
    bp->kernel_flops[k] = ir_flops(&p->graph, roots, (size_t)kern->nouts);
  }
  fill_owned(c);
  bp->init_uses_x = prog->init_uses_x;
  bp->x0 = c->x0;
  bp->y0 = c->y0;
  bp->backend = p;
}

/* The JIT's kernel size limit: BLOC_JIT_MAX_SIZE (0: none) when set, else the default. */
static int64_t jit_size_limit(BloCompiled *c) {
  const char *v = getenv("BLOC_JIT_MAX_SIZE");
  if (!v || !*v) return JIT_MAX_KERNEL_SIZE;
  char *end;
  long long n = strtoll(v, &end, 10);
  if (*end || n < 0) {
    diag_warning(&c->diag, SPAN_NONE, "BLOC_JIT_MAX_SIZE='%s' is not a size: using %d", v,
                 JIT_MAX_KERNEL_SIZE);
    return JIT_MAX_KERNEL_SIZE;
  }
  return n;
}

/* Kernels the JIT left out as too large run on the reference evaluator: LLVM's time grows
 * faster than the code (a 10^4-term objective took 7-10 s of CPU per kernel, 10^5 terms did not
 * finish in 20 minutes), the evaluator's only linearly. The ABI lets each kernel come from
 * either backend (interp kernels find the IR through env->backend, which fill_problem set). */
static bool fall_back_large(BloCompiled *c, const JitModule *jm, int64_t limit) {
  BloKernelFn interp[BLO_K_COUNT];
  interp_kernels(c->ir, interp);
  bool any = false;
  for (int k = 0; k < BLO_K_COUNT; k++) {
    if (c->problem.kernels[k] || !interp[k]) continue;
    c->problem.kernels[k] = interp[k];
    diag_note(&c->diag, SPAN_NONE,
              "kernel '%s' is too large to compile (size %lld, limit %lld): it runs on the "
              "reference evaluator, more slowly",
              c->ir->kernels[k].name, (long long)jit_kernel_size(jm, (BloKernelId)k),
              (long long)limit);
    any = true;
  }
  if (any)
    diag_hint(&c->diag, "BLOC_JIT_MAX_SIZE=0 compiles every kernel anyway (LLVM may take minutes); "
                        "--backend=interp runs them all on the evaluator");
  return any;
}

/* Whether span s lies within declaration d's expression. */
static bool span_in(Span s, const AstDecl *d) {
  const AstExpr *e = d ? d->init : NULL;
  return e && e->span.file == s.file && e->span.start <= s.start && s.end <= e->span.end;
}

/* The part of the program a hoisted subexpression at s comes from, as a message names it
 * ("the lower objective", "report 'acc'"), or NULL. */
static const char *span_owner(const Program *prog, Span s, char *buf, size_t len) {
  if (span_in(s, prog->f)) return "the upper objective";
  if (span_in(s, prog->g)) return "the lower objective";
  const struct {
    AstDecl **d;
    int n;
    const char *what;
  } lists[] = {{prog->reports, prog->nreports, "report '%s'"},
               {prog->upper, prog->nupper, "the initial value of '%s'"},
               {prog->lower, prog->nlower, "the initial value of '%s'"},
               {prog->fns, prog->nfns, "fn '%s'"}};
  for (size_t l = 0; l < sizeof lists / sizeof lists[0]; l++)
    for (int i = 0; i < lists[l].n; i++)
      if (span_in(s, lists[l].d[i])) {
        snprintf(buf, len, lists[l].what, lists[l].d[i]->name);
        return buf;
      }
  return NULL;
}

/* The declarations whose expressions a kernel's node can come from: the objectives, reports,
 * initial values and fns (not data: a data declaration's node, such as a constant shared by
 * hash-consing, would place the node outside the expression it was derived from). */
static int expr_decls(const Program *prog, const AstDecl **out, int cap) {
  int n = 0;
  if (prog->f && n < cap) out[n++] = prog->f;
  if (prog->g && n < cap) out[n++] = prog->g;
  AstDecl **const lists[] = {prog->reports, prog->upper, prog->lower, prog->fns};
  const int counts[] = {prog->nreports, prog->nupper, prog->nlower, prog->nfns};
  for (int l = 0; l < 4; l++)
    for (int i = 0; i < counts[l] && n < cap; i++) out[n++] = lists[l][i];
  return n;
}

/* The union of the source spans of n's operands (lowering's src of each node, else a leaf's
 * own span) that lie in one of decls, found up to depth levels down: where the operands of a
 * node the compiler made (a derivative's 1e39 * c of 1e39 * dot(c, y)) were written. */
static void operand_spans(const IrProblem *p, const IrNode *n, int depth, const AstDecl **decls,
                          int ndecls, Span *u) {
  for (int i = 0; i < n->nargs; i++) {
    const IrNode *a = n->args[i];
    Span s = a->id < p->nsrc ? p->src[a->id] : SPAN_NONE;
    if (s.file == SPAN_NO_FILE && a->nargs == 0) s = a->span;
    bool in = false;
    for (int d = 0; d < ndecls && !in; d++) in = span_in(s, decls[d]);
    if (!in) {
      if (depth > 0) operand_spans(p, a, depth - 1, decls, ndecls, u);
      continue;
    }
    if (u->file == SPAN_NO_FILE) {
      *u = s;
    } else if (u->file == s.file) {
      if (s.start < u->start) u->start = s.start;
      if (s.end > u->end) u->end = s.end;
    }
  }
}

/* The smallest expression of e's tree that holds u and depends on a variable (a node made
 * from the data alone comes from differentiating such an expression: dot(c, y) for c), or
 * NULL; dep is the innermost such ancestor of e. */
static const AstExpr *smallest_holding(const AstExpr *e, Span u, const AstExpr *dep) {
  if (!e || e->span.file != u.file || e->span.start > u.start || u.end > e->span.end)
    return NULL;
  if (e->depends_x || e->depends_y) dep = e;
  for (int i = 0; i < e->nargs; i++) {
    const AstExpr *in = smallest_holding(e->args[i], u, dep);
    if (in) return in;
  }
  return dep ? dep : e;
}

/* The written expression a hoisted node without a source of its own comes from, or
 * SPAN_NONE. */
static Span derived_from(const BloCompiled *c, const IrNode *n) {
  const AstDecl *decls[256];
  int nd = expr_decls(c->prog, decls, 256);
  Span u = SPAN_NONE;
  operand_spans(c->ir, n, 8, decls, nd, &u);
  if (u.file == SPAN_NO_FILE) return u;
  for (int i = 0; i < nd; i++) {
    const AstExpr *e = smallest_holding(decls[i]->init, u, NULL);
    if (e) return e->span;
  }
  return SPAN_NONE;
}

Span bloc_hoisted_what(const BloCompiled *c, int h, char *buf, size_t len) {
  const IrProblem *p = c->ir;
  const IrNode *n = p->hoisted[h];
  Span s = n->id < p->nsrc ? p->src[n->id] : SPAN_NONE;
  /* a node the compiler made (a derivative's): named by the expression it comes from */
  bool derived = s.file == SPAN_NO_FILE && c->prog;
  if (derived) s = derived_from(c, n);
  derived = derived && s.file != SPAN_NO_FILE;
  const SrcFile *f = s.file != SPAN_NO_FILE ? diag_file(&c->diag, s.file) : NULL;
  char owner_buf[160];
  const char *owner = f ? span_owner(c->prog, s, owner_buf, sizeof owner_buf) : NULL;
  /* the source text, when it is short and on one line */
  size_t n_src = f && s.end > s.start ? s.end - s.start : 0;
  bool plain = n_src > 0 && n_src <= 60 && s.end <= f->len;
  for (size_t i = 0; plain && i < n_src; i++)
    plain = f->text[s.start + i] >= 0x20 && f->text[s.start + i] < 0x7f;
  if (plain && derived)
    snprintf(buf, len, "a tensor the compiler computes from the data in %.*s%s%s",
             (int)n_src, f->text + s.start, owner ? " of " : "", owner ? owner : "");
  else if (derived)
    snprintf(buf, len, "a tensor the compiler computes from the data in this expression%s%s",
             owner ? " of " : "", owner ? owner : "");
  else if (plain)
    snprintf(buf, len, "the subexpression %.*s%s%s", (int)n_src, f->text + s.start,
             owner ? " of " : "", owner ? owner : "");
  else
    snprintf(buf, len, "%s%s%s", f ? "this subexpression" : "a subexpression of the data alone",
             owner ? " of " : "", owner ? owner : "");
  return f ? s : SPAN_NONE;
}

/* A hoisted tensor beyond the range of float: named by its source, which the user wrote, not
 * by its internal name %hoistedN, which the user never saw. */
static void hoisted_beyond_float(BloCompiled *c, int h, double v, const char *at) {
  char what[256];
  Span s = bloc_hoisted_what(c, h, what, sizeof what);
  diag_error(&c->diag, s, "%s holds %g%s, beyond the range of float (precision f32)", what, v,
             at);
  diag_hint(&c->diag, "it is computed once from the data and the kernels read it as float "
                      "(at most 3.4e38): rescale the data or the expression, or use precision "
                      "f64 (--precision f64, or precision = f64 on the solve line)");
}

/* " at element [i, j]" for element i of data tensor k, 0-based as .blo indexes it ([t, i, j]
 * in a tensor[T, K, d]; "" for a scalar): the tensor's own position, whichever file or
 * expression it came from (doc/data.md's convention for binary files). */
static void tensor_pos(const BloCompiled *c, int k, int64_t i, char *buf, size_t len) {
  const BloTensorInfo *t = &c->problem.data_info[k];
  Shape sh = k < c->ir->ndata ? c->prog->data[k]->shape : (Shape){0};
  if (sh.rank == 3 && sh.rows > 0 && sh.cols > 0)
    snprintf(buf, len, " at element [%lld, %lld, %lld]", (long long)(i / (sh.rows * sh.cols)),
             (long long)(i / sh.cols % sh.rows), (long long)(i % sh.cols));
  else
    rt_f32_pos(t->rank, t->cols, i, buf, len);
}

/* Warnings for what rounding data tensor k to float (v) loses: a value on an offset, whose
 * variation float cannot hold, or nonzero values below its range (rt_f32_loss). Warnings, not
 * errors (doc/performance.md, "Single precision"): they may not matter to the solution (a term
 * 1e-50 * dot(c, y) is negligible at f64 too), where a value beyond the range is inf. */
static void f32_loss_warn(BloCompiled *c, int k, const float *v, int64_t n) {
  const IrProblem *p = c->ir;
  RtF32Loss l;
  rt_f32_loss(c->data[k], v, n, &l);
  for (int w = 1; w <= 2; w++) {
    if (!(w == 1 ? l.offset : l.tiny > 0)) continue;
    char what[300], msg[700], hint[400];
    Span s = k < p->ndata ? c->prog->data[k]->span : SPAN_NONE;
    if (k < p->ndata)
      snprintf(what, sizeof what, "data '%s'", c->problem.data_info[k].name);
    else
      s = bloc_hoisted_what(c, k - p->ndata, what, sizeof what);
    char at[96];
    tensor_pos(c, k, l.first_tiny, at, sizeof at);
    rt_f32_loss_text(&l, w, what, k < p->ndata ? c->problem.data_info[k].name : NULL, at, msg,
                     sizeof msg, hint, sizeof hint);
    diag_warning(&c->diag, s, "%s", msg);
    diag_hint(&c->diag, "%s", hint);
  }
}

/* precision f32, after the data stage (which computes in double, as at f64): every tensor the
 * kernels read is rounded to float. The compiled kernels get float copies (problem.data, the
 * doubles freed); the evaluator's kernels, the reference the f32 JIT is tested against, read
 * the rounded values as doubles (interp_data; kept only when some kernel runs there). A value
 * beyond the float range is an error (the kernels would see inf). Returns 0 or 1. */
static int data_to_f32(BloCompiled *c, bool interp_needs) {
  IrProblem *p = c->ir;
  bool any_jit = false;
  for (int k = 0; k < BLO_K_COUNT; k++)
    if (c->problem.kernels[k] && c->jit && jit_kernel(c->jit, (BloKernelId)k)) any_jit = true;
  bool keep_double = !any_jit || interp_needs; /* the evaluator reads the rounded doubles */
  float **f = arena_calloc(&c->arena, (size_t)c->ndata_total + 1, sizeof(float *));
  for (int k = 0; k < c->ndata_total; k++) {
    if (!c->data[k]) continue;
    if (is_sparse(c, k)) { /* the CSR products read doubles: the kernels get the RtSparse */
      f[k] = (float *)(void *)c->data[k];
      continue;
    }
    const BloTensorInfo *t = &c->problem.data_info[k];
    int64_t n = t->rows * t->cols, bad;
    float *v = rt_f32_copy(c->data[k], n, &bad);
    if (!v) {
      diag_error(&c->diag, SPAN_NONE, "out of memory converting '%s' to float", t->name);
      rt_oom_raise(); /* status 3 (BLOC_ERR_MEMORY), not a user error */
      return 1;
    }
    if (bad >= 0) {
      char at[96];
      tensor_pos(c, k, bad, at, sizeof at);
      if (k < p->ndata) {
        diag_error(&c->diag, c->prog->data[k]->span,
                   "data '%s' holds %g%s, beyond the range of float (precision f32)", t->name,
                   c->data[k][bad], at);
        diag_hint(&c->diag, "precision = f64 keeps the data in double");
      } else {
        hoisted_beyond_float(c, k - p->ndata, c->data[k][bad], at);
      }
      free(v);
      for (int j = 0; j < k; j++)
        if (!is_sparse(c, j)) free(f[j]);
      return 1;
    }
    f32_loss_warn(c, k, v, n);
    if (keep_double) {
      if (borrowed(c, k)) { /* the rounded doubles go into a copy, not the caller's array */
        double *own = malloc(sizeof(double) * (size_t)(n > 0 ? n : 1));
        if (!own) blo_oom(sizeof(double) * (size_t)n);
        c->data[k] = own;
        c->borrowed[k] = 0;
      }
      for (int64_t i = 0; i < n; i++) c->data[k][i] = v[i];
    }
    f[k] = v;
  }
  c->f32 = f;
  if (any_jit) {
    c->problem.data = (const double *const *)(void *)f;
    c->problem.precision = BLO_PREC_F32;
    if (interp_needs) p->interp_data = (const double *const *)c->data;
  }
  if (!any_jit || !interp_needs) { /* one copy is enough */
    for (int k = 0; k < c->ndata_total; k++) {
      if (is_sparse(c, k)) continue; /* one copy already: data[k] and f[k] are the same */
      if (any_jit) {
        if (!borrowed(c, k)) free(c->data[k]);
        c->data[k] = NULL;
      } else {
        free(f[k]);
        f[k] = NULL;
      }
    }
  }
  return 0;
}

/* Whether the data stage may mark a declaration symmetric (a square matrix not known
 * symmetric before its values are): derivation must then wait for it. */
static bool symmetry_pending(const BloCompiled *c) {
  const IrProblem *p = c->ir;
  for (int k = 0; k < p->ndata; k++) {
    Shape s = c->prog->data[k]->shape;
    if (s.rank == 2 && s.rows == s.cols && !p->data_symmetric[k]) return true;
  }
  return false;
}

/* lower_finish, derivatives, hoisting, and (compiling for a run: not no_data, which `bloc
 * derive` uses to show every kernel) leaving out the kernels no method calls. */
static int derive(BloCompiled *c, const BloCompileOptions *opt) {
  IrProblem *p = c->ir;
  double t0 = rt_milliseconds();
  if (lower_finish(p, &c->diag)) return 1;
  ir_verify_after(p, "lower_finish");
  kern_build(p);
  ir_verify_after(p, "kern_build");
  kern_regather(p);
  ir_verify_after(p, "kern_regather");
  kern_hoist(p);
  ir_verify_after(p, "kern_hoist");
  if (!opt->no_data) {
    drop_unused_kernels(c, opt);
    ir_verify_after(p, "drop_unused_kernels");
  }
  c->time.derive_ms = rt_milliseconds() - t0;
  return 0;
}

/* The JIT compile, on the caller's thread or its own. jit_compile only reads the IrProblem
 * (planning allocates in the module's own arena), and the data stage running meanwhile only
 * evaluates it, allocating in the graph's arena (ir_topo), which the JIT never touches. */
typedef struct JitJob {
  const IrProblem *p;
  JitOptions opt;
  JitModule *m;
  int rc;
  char err[1024];
  double ms;
  pthread_t th;
  bool started;
} JitJob;

static void *jit_job_run(void *arg) {
  JitJob *j = arg;
  double t0 = rt_milliseconds();
  j->rc = jit_compile(j->p, &j->opt, &j->m, j->err, sizeof j->err);
  j->ms = rt_milliseconds() - t0;
  return NULL;
}

static void jit_job_init(JitJob *j, BloCompiled *c, const BloCompileOptions *opt) {
  memset(j, 0, sizeof *j);
  j->p = c->ir;
  j->opt = jit_default_options();
  j->opt.keep_ir = opt->keep_llvm_ir;
  j->opt.f32 = c->precision == BLO_PREC_F32;
  j->opt.max_kernel_size = jit_size_limit(c);
  const char *vw = getenv("BLOC_VECTOR_WIDTH");
  if (vw && *vw && j->opt.vector_bits == 0)
    diag_warning(&c->diag, SPAN_NONE, "BLOC_VECTOR_WIDTH='%s' is not 256 or 512: using the default",
                 vw);
}

/* Wait for a started job (nothing when it was not started). */
static void jit_job_join(JitJob *j) {
  if (j->started) pthread_join(j->th, NULL);
  j->started = false;
}

/* BLOC_THREADS set to something that is not a thread count: the thread pool (rt_par.h) takes
 * its default then, as the other tuning variables do (BLOC_JIT_MAX_SIZE, BLOC_VECTOR_WIDTH),
 * and says so here, where a warning reaches the user; `BLOC_THREADS=100` or `=2x` was taken
 * silently. Results do not depend on the threads, so it is not an error. */
static void check_env_threads(BloCompiled *c) {
  const char *v = getenv("BLOC_THREADS");
  if (v && *v && rt_par_parse_threads(v) < 0) /* set but empty: unset, as the others */
    diag_warning(&c->diag, SPAN_NONE,
                 "BLOC_THREADS='%s' is not a number of threads from 1 to 64: using the default, "
                 "%d (the online CPUs, at most 8)",
                 v, rt_par_threads());
}

/* BLOC_CPU names the CPU level to compile for (jit_target.h): a name it does not know, or a
 * level this CPU cannot run, is an error before the data stage. Unlike the tuning variables
 * it is asked for the sake of the results' bits, which the host's own code would not give. */
static int check_env_cpu(BloCompiled *c) {
  JitTarget t;
  char err[256];
  int rc = jit_target(&t, err, sizeof err);
  jit_target_free(&t);
  if (rc) diag_error(&c->diag, SPAN_NONE, "%s", err);
  return rc ? 1 : 0;
}

/* BLOC_OVERLAP=0 turns the overlap off (for comparing; the results are the same). */
static bool overlap_allowed(void) {
  const char *v = getenv("BLOC_OVERLAP");
  return !(v && !strcmp(v, "0"));
}

/* BLOC_SHARD=R/N when set and not overridden by opt->shard: into *s ({0, 0} when it does not
 * apply). Returns 0, or 1 after reporting a malformed one, or one set in an MPI run of several
 * ranks. Reports no warning: blo_check_env runs it before the pipeline does. */
static int env_shard(BloCompiled *c, const BloCompileOptions *opt, RtShard *s) {
  *s = (RtShard){0, 0};
  const char *env = getenv("BLOC_SHARD");
  if (opt->shard.count != 0 || !env || !*env) return 0;
  /* mpirun hands its environment to every rank: BLOC_SHARD=1/3 left set made each of 2 ranks
   * solve rank 1's share of 3, summed twice, with status 0 (doc/scaling.md: an error, never a
   * wrong result). The launcher says which rank this is. */
  if (rt_mpi_size() > 1) {
    diag_error(&c->diag, SPAN_NONE,
               "BLOC_SHARD=%s is set, but this is rank %d of %d under mpirun, which gives every "
               "rank its share: unset BLOC_SHARD (a testing aid for one process)",
               env, rt_mpi_rank(), rt_mpi_size());
    return 1;
  }
  char *end;
  long r = strtol(env, &end, 10), n = -1;
  if (end != env && *end == '/') n = strtol(end + 1, &end, 10);
  if (*end || r < 0 || n < 1 || r >= n || n > 1 << 20) {
    diag_error(&c->diag, SPAN_NONE, "BLOC_SHARD='%s' is not RANK/COUNT with 0 <= RANK < COUNT",
               env);
    return 1;
  }
  *s = (RtShard){(int)r, (int)n};
  return 0;
}

/* The shard to compile for: opt->shard, else BLOC_SHARD=R/N, else this process's rank of an
 * MPI run (rt_mpi.h: mpirun -n N bloc run), else {0, 1}. Returns 0, or 1 after reporting a
 * bad one (env_shard). */
static int resolve_shard(BloCompiled *c, const BloCompileOptions *opt) {
  c->shard = (RtShard){0, 1};
  RtShard s = opt->shard;
  if (s.count == 0) {
    if (env_shard(c, opt, &s)) return 1;
    if (s.count > 1 && c->prog->sharded && !opt->no_data)
      diag_warning(&c->diag, SPAN_NONE,
                   "BLOC_SHARD=%s: compiled as rank %d of %d: every output is that rank's "
                   "share of the problem's (a testing aid)",
                   getenv("BLOC_SHARD"), s.rank, s.count);
  }
  if (s.count == 0 && rt_mpi_size() > 1) s = (RtShard){rt_mpi_rank(), rt_mpi_size()};
  if (s.count == 0) return 0;
  if (s.count < 1 || s.rank < 0 || s.rank >= s.count) {
    diag_error(&c->diag, SPAN_NONE, "shard %d of %d: not a rank of the run", s.rank, s.count);
    return 1;
  }
  c->shard = s;
  return 0;
}

int blo_check_env(BloCompiled *c, const BloCompileOptions *opt) {
  RtShard s;
  if (env_shard(c, opt, &s)) return 1;
  return opt->backend == BLO_BACKEND_JIT ? check_env_cpu(c) : 0;
}

/* Compiling for one rank of a sharded run (shard.h): the whole problem is derived first, then
 * rebuilt for the rank's rows, before its data stage reads only those rows. */
static int shard_problem(BloCompiled *c, const BloCompileOptions *opt) {
  if (opt->nbindings > 0) {
    diag_error(&c->diag, SPAN_NONE,
               "data bound by the caller cannot be sharded (compiled as "
               "rank %d of %d)",
               c->shard.rank, c->shard.count);
    return 1;
  }
  /* a rank would hold no row: at the declaration (the first, in declaration order) */
  for (int k = 0; k < c->ir->ndata; k++) {
    const AstDecl *d = c->ir->prog->data[k];
    int64_t rows = c->ir->data_value[k]->shape.rows;
    if (!d->row_sharded || rows >= c->shard.count) continue;
    diag_error(&c->diag, d->name_span, "sharded data '%s' has %lld rows, fewer than the %d ranks",
               d->name, (long long)rows, c->shard.count);
    diag_hint(&c->diag, "every rank needs at least one row: run on at most %lld ranks",
              (long long)rows);
    return 1;
  }
  char err[512];
  if (ir_shard_problem(c->ir, c->shard, err, sizeof err)) {
    diag_error(&c->diag, SPAN_NONE, "%s", err);
    /* the checker (sema_shard.c) accepted the program: a kernel it does not see, a
     * derivative, combines sharded values in a way the split kernels cannot compute */
    if (strncmp(err, "internal error", 14) == 0)
      diag_hint(&c->diag, "the program checks, but a kernel derived from it cannot be split "
                "over the ranks; solve it on one process (without mpirun, or without "
                "`sharded`) and report the program: bloc should have refused it at the "
                "expression");
    return 1;
  }
  ir_verify_after(c->ir, "ir_shard_problem");
  return 0;
}

int blo_compile_file(const char *path, const BloCompileOptions *opt, BloCompiled **out) {
  int rc = blo_compile_begin(path, NULL, opt, out);
  if (rc || opt->check_only) return rc;
  return blo_compile_rest(*out, opt);
}

/* The precision of the data: --precision (opt), else the solve line's, else f64. */
static void choose_precision(BloCompiled *c, const BloCompileOptions *opt) {
  c->precision = BLO_PREC_F64;
  for (int i = 0; i < c->prog->nopts; i++)
    if (strcmp(c->prog->opts[i].key, "precision") == 0 && c->prog->opts[i].is_word)
      blo_precision_parse(c->prog->opts[i].word,
                          &c->precision); /* the option table allows only f64, f32 */
  if (opt->precision_set) c->precision = opt->precision;
}

/* The size of node n (8 bytes a number). */
static double node_bytes(const IrNode *n) { return 8.0 * (double)shape_size(n->shape); }

/* The data stage's memory, known at check time from its lowered graphs (language.md §9): the
 * data declarations, each held from its computing on, with what computing one holds besides
 * (ir_eval_fused_peak_bytes: `argmax_rows(eye(n))` holds the n x n eye). Sets the program's
 * data_peak_bytes for the summary's memory line. An intermediate that alone needs more than
 * the machine's physical memory is refused at the expression, as sema refuses a declaration
 * that does (a 26.8 GiB eye(60000) inside an expression passed check, then ran out of
 * memory, exit 3), and so is a peak that, with the variables, does. Returns 0, or 1 after
 * reporting. */
static int check_data_stage_memory(BloCompiled *c) {
  Program *prog = c->prog;
  Arena arena;
  arena_init(&arena);
  IrProblem *p = lower_begin(&arena, &c->diag, prog);
  if (!p) {
    arena_free(&arena);
    return 1;
  }
  double phys = sema_physical_bytes(), held = 0, peak = 0, peak_trans = 0, vars = 0;
  int at = -1, rc = 0;
  bool peak_coo = false;
  char a[32], b[32], sb[64];
  for (int i = 0; i < prog->nupper; i++) vars += 8.0 * (double)shape_size(prog->upper[i]->shape);
  for (int i = 0; i < prog->nlower; i++) vars += 8.0 * (double)shape_size(prog->lower[i]->shape);
  for (int k = 0; k < p->ndata; k++) {
    const AstDecl *d = prog->data[k];
    IrNode *root = p->data_value[k];
    /* a loaded sparse matrix is sized by its file, as sema counts it; sparse_coo's triplets
     * are data expressions, and the CSR they make is bounded by their number */
    bool coo = root && d->shape.sparse && root->op == IR_SPARSE_COO;
    if (!root || (d->shape.sparse && !coo)) continue;
    IrNode **order;
    size_t n = phys > 0 ? ir_topo(&p->graph, &root, 1, &order) : 0;
    for (size_t i = 0; i + 1 < n; i++) { /* the root is the declaration, which sema checked */
      const IrNode *x = order[i];
      if (x->op == IR_DATA || x->op == IR_VAR || x->op == IR_DIR || node_bytes(x) <= phys)
        continue;
      Span sp = x->id < p->nsrc && p->src[x->id].file != SPAN_NO_FILE ? p->src[x->id]
                : x->span.file != SPAN_NO_FILE                           ? x->span
                                                                           : d->name_span;
      diag_error(&c->diag, sp, "computing data '%s' makes this %s, which needs %s (%lld "
                 "numbers), more than this machine's %s of memory", d->name,
                 shape_str(x->shape, sb), sema_fmt_bytes(node_bytes(x), a),
                 (long long)shape_size(x->shape), sema_fmt_bytes(phys, b));
      diag_hint(&c->diag, "the data stage computes each operation of a data expression in "
                "full before the next one reads it: write '%s' without this value, or load "
                "it from a file", d->name);
      rc = 1;
      break; /* one a declaration: what it feeds is as large or is this one's consequence */
    }
    /* own: what the declaration holds from now on; during: the most computing it holds */
    double own, during;
    if (coo) { /* coo_sparse: the triplets one after the other, each kept, then the CSR */
      int64_t nt = root->args[0]->shape.rows;
      own = sema_coo_held_bytes(d->shape.rows, d->shape.cols, nt);
      during = sema_coo_build_bytes(d->shape.rows, d->shape.cols, nt);
      for (int i = 0; i < 3; i++) {
        double t = 8.0 * (double)nt * (i + 1);
        t += ir_eval_fused_peak_bytes(&p->graph, root->args[i]);
        if (t > during) during = t;
      }
    } else {
      own = node_bytes(root);
      during = own + ir_eval_fused_peak_bytes(&p->graph, root);
    }
    if (held + during > peak)
      peak = held + during, peak_trans = during - own, at = k, peak_coo = coo;
    held += own;
  }
  prog->data_peak_bytes = peak;
  prog->data_peak_decl = at;
  if (rc == 0 && phys > 0 && at >= 0 && peak_trans > 0 && peak + vars > phys) {
    const AstDecl *d = prog->data[at];
    diag_error(&c->diag, d->name_span, "computing data '%s' needs %s with the data before it "
               "and the variables, %s of it %s, more than this machine's %s of memory",
               d->name, sema_fmt_bytes(peak + vars, a), sema_fmt_bytes(peak_trans, sb),
               peak_coo ? "sparse_coo's triplets and their sorting"
                        : "intermediates of its expression",
               sema_fmt_bytes(phys, b));
    if (peak_coo)
      diag_hint(&c->diag, "sparse_coo holds its three vectors of triplets and sorts them into "
                "rows, about 52 bytes an entry with the matrix: build '%s' from fewer triplets "
                "(a position given twice is held twice before it is summed)", d->name);
    else
      diag_hint(&c->diag, "the data stage computes each operation of a data expression in full "
                "before the next one reads it: write '%s' with smaller intermediates, or load "
                "it from a file", d->name);
    rc = 1;
  }
  arena_free(&arena);
  return rc;
}

int blo_compile_begin(const char *path, const char *text, const BloCompileOptions *opt,
                      BloCompiled **out) {
  BloCompiled *c = xcalloc(1, sizeof *c);
  *out = c;
  arena_init(&c->arena);
  diag_init(&c->diag, &c->arena, opt->diag_out);
  c->diag.sink = opt->diag_sink;
  c->diag.sink_ctx = opt->diag_sink_ctx;
  double t0 = rt_milliseconds();
  SemaInputs in = {opt->defs, opt->ndefs, sema_stdlib_dir(), opt->defs_given,
                   opt->full_population, opt->data_files, opt->ndata_files};
  c->prog = text ? sema_compile_string(&c->arena, &c->diag, path, text, &in)
                 : sema_compile_file(&c->arena, &c->diag, path, &in);
  c->time.parse_ms = rt_milliseconds() - t0;
  if (!c->prog || diag_error_count(&c->diag)) return 1;
  if (check_data_stage_memory(c)) return 1;
  /* known now, so that a method's options can be checked before the data stage (whose
   * precision they must agree with) */
  choose_precision(c, opt);
  return 0;
}

uint64_t blo_program_seed(const BloCompiled *c) {
  uint64_t seed = 1;
  for (int i = 0; i < c->prog->nopts; i++)
    if (strcmp(c->prog->opts[i].key, "seed") == 0 && !c->prog->opts[i].is_word)
      seed = (uint64_t)c->prog->opts[i].num;
  return seed;
}

int blo_compile_rest(BloCompiled *c, const BloCompileOptions *opt) {
  double t0;
  c->seed = opt->seed_set ? opt->seed : blo_program_seed(c);
  choose_precision(c, opt);
  if (resolve_shard(c, opt)) return 1;
  check_env_threads(c);
  if (opt->backend == BLO_BACKEND_JIT && check_env_cpu(c)) return 1;
  c->sharded = c->prog->sharded && c->shard.count > 1 && !opt->no_data;

  c->ir = lower_begin(&c->arena, &c->diag, c->prog);
  if (!c->ir) return 1;
  IrProblem *p = c->ir;
  ir_verify_after(p, "lower_begin");
  bool jit = opt->backend == BLO_BACKEND_JIT;
  JitJob job;
  memset(&job, 0, sizeof job);
  if (jit) jit_job_init(&job, c, opt);
  /* sharded: derived (from the whole problem) and rebuilt for the rank before its data stage */
  c->time.overlapped =
      jit && !opt->no_data && overlap_allowed() && (c->sharded || !symmetry_pending(c));
  if (c->sharded && (derive(c, opt) || shard_problem(c, opt))) return 1;
  if (c->time.overlapped) {
    if (!c->sharded && derive(c, opt)) return 1;
    job.started = pthread_create(&job.th, NULL, jit_job_run, &job) == 0;
    if (!job.started) c->time.overlapped = false; /* no thread: compile after the data stage */
  }
  if (!opt->no_data) {
    /* room for hoisted tensors is added after kern_hoist */
    c->data = xcalloc((size_t)p->ndata + 1, sizeof(double *));
    c->idx = xcalloc((size_t)p->ndata + 1, sizeof(RtIdxFile *));
    c->borrowed = xcalloc((size_t)p->ndata + 1, 1);
    c->ndata_total = p->ndata;
    t0 = rt_milliseconds();
    int rc = run_data_stage(c, opt);
    c->time.data_ms = rt_milliseconds() - t0;
    if (rc) {
      jit_job_join(&job);
      if (job.m) jit_free(job.m);
      return 1;
    }
    ir_verify_after(p, "the data stage");
  }
  if (!c->time.overlapped && !c->sharded && derive(c, opt)) return 1;
  if (opt->no_data) return 0;

  c->data = xrealloc(c->data, (size_t)(p->ndata + p->nhoisted + 1), sizeof(double *));
  for (int h = 0; h < p->nhoisted; h++) c->data[p->ndata + h] = NULL;
  c->ndata_total = p->ndata + p->nhoisted;
  t0 = rt_milliseconds();
  int rc = complete_idx(c);
  if (rc == 0) rc = eval_hoisted_and_inits(c);
  c->time.data_ms += rt_milliseconds() - t0;
  if (rc) {
    if (jit) jit_job_join(&job);
    if (jit && job.m) jit_free(job.m);
    return 1;
  }
  /* declared tensors only the data stage needed are freed now (a 60000 x 784 image file
   * sliced into a 5000-row training set need not stay in memory) */
  uint8_t *used = arena_calloc(&c->arena, (size_t)c->ndata_total + 1, 1);
  mark_used(p, used);
  for (int i = 0; i < c->prog->nupper; i++) { /* bounds of constrained upper variables */
    const AstConstraint *k = c->prog->upper[i]->con;
    if (k && k->lo_data) used[k->lo_data->index] = 1;
    if (k && k->hi_data) used[k->hi_data->index] = 1;
  }
  for (int k = 0; k < p->ndata; k++) {
    if (used[k] && c->idx[k]) full_hook(c, k);
    rt_idx_close(c->idx[k]);
    c->idx[k] = NULL;
    if (!used[k]) free_data(c, k);
  }
  fill_problem(c);
  t0 = rt_milliseconds();
  if (jit) {
    if (c->time.overlapped) jit_job_join(&job);
    else jit_job_run(&job);
    c->time.wait_ms = rt_milliseconds() - t0;
    c->time.compile_ms = job.ms;
    /* the JIT's warning, reported only now: the Diag is not thread-safe (counts, its arena,
     * the sink), and the data stage may have used it while the JIT ran */
    if (jit_warning(job.m)) diag_warning(&c->diag, SPAN_NONE, "%s", jit_warning(job.m));
    if (job.rc != 0) {
      /* the IR was built from a checked program: a failure here is bloc's bug, not the user's */
      diag_error(&c->diag, SPAN_NONE, "%s", job.err);
      diag_hint(&c->diag, "--backend=interp runs the same kernels on the reference evaluator");
      return 1;
    }
    JitModule *jm = job.m;
    c->jit = jm;
    c->time.jit_parts = jit_timings(jm)->threads;
    c->time.jit_cached = jit_timings(jm)->cache_hits;
    for (int k = 0; k < BLO_K_COUNT; k++) c->problem.kernels[k] = jit_kernel(jm, (BloKernelId)k);
    c->problem.work_size = jit_work_size(jm);
    bool fell_back = fall_back_large(c, jm, job.opt.max_kernel_size);
    if (c->precision == BLO_PREC_F32) return data_to_f32(c, fell_back);
  } else {
    interp_kernels(p, c->problem.kernels);
    c->problem.work_size = 0;
    c->time.compile_ms = c->time.wait_ms = rt_milliseconds() - t0;
    if (c->precision == BLO_PREC_F32) return data_to_f32(c, true);
  }
  return 0;
}

/* The full variant's diagnostics: the first error kept as the reason it did not compile
 * (Program.full_why), every event passed on to the caller's sink if it gave one. */
typedef struct FullDiag {
  DiagSink sink;
  void *ctx;
  char first[400];
} FullDiag;

static void full_diag(void *ctx, const DiagEvent *ev) {
  FullDiag *fd = ctx;
  if (ev->kind == DIAG_ERROR && !fd->first[0])
    snprintf(fd->first, sizeof fd->first, "%s:%u:%u: %s", ev->path ? ev->path : "?",
             (unsigned)ev->line, (unsigned)ev->col, ev->message ? ev->message : "error");
  if (fd->sink) fd->sink(fd->ctx, ev);
}

bool blo_full_can_lend(const BloCompiled *c) {
  return c->prog && c->ir && c->precision == BLO_PREC_F64 && !c->sharded && !c->prog->sharded;
}

const char *blo_full_why(const BloCompiled *c) { return c->prog ? c->prog->full_why : NULL; }

const char *blo_full_absent_why(const BloCompiled *c) {
  if (blo_full_why(c)) return blo_full_why(c);
  if (c->sharded || (c->prog && c->prog->sharded))
    return "the program's data are sharded, and the full variant is not split";
  if (c->precision == BLO_PREC_F32)
    return "the program's data are f32 (--precision f32), which the full variant, compiled in "
           "f64, cannot borrow";
  return NULL;
}

int blo_compile_full(BloCompiled *c, const BloCompileOptions *opt, BloCompiled **out) {
  *out = NULL;
  if (!blo_full_can_lend(c) || blo_full_why(c)) return 1;
  const SrcFile *main = diag_file(&c->diag, c->prog->ast->file);
  if (!main || !main->text) return 1;
  int nd = c->ir->ndata, nb = 0;
  BloBinding *b = xcalloc((size_t)nd + 1, sizeof *b);
  for (int k = 0; k < nd; k++) {
    if (!c->data[k]) continue;
    b[nb].name = c->prog->data[k]->name;
    if (is_sparse(c, k)) b[nb].csr = &((const RtSparse *)(const void *)c->data[k])->m;
    else b[nb].values = c->data[k];
    nb++;
  }
  static const char *const exact[] = {"exact"};
  BloCompileOptions o = *opt;
  o.full_population = true;
  o.check_only = o.no_data = o.all_kernels = false;
  o.methods = exact;
  o.nmethods = 1;
  o.bindings = b;
  o.nbindings = nb;
  o.precision_set = true;
  o.precision = BLO_PREC_F64;
  o.shard = (RtShard){0, 1};
  o.seed = c->seed; /* what c's data stage drew, for a declaration evaluated again */
  o.seed_set = true;
  FullDiag fd = {opt->diag_sink, opt->diag_sink_ctx, ""};
  o.diag_sink = full_diag;
  o.diag_sink_ctx = &fd;
  BloCompiled *v = NULL;
  int rc = blo_compile_begin(main->path, main->text, &o, &v);
  if (rc == 0) rc = blo_compile_rest(v, &o);
  free(b);
  if (rc == 0 && blo_program(v)->stochastic) rc = 1; /* not reached: every set is whole */
  if (rc) {
    /* its reason, for every place that would have measured phi over all the data (new-user
     * pass G, session 49: they guessed "f32 or sharded"); a batch(1) set has its own (the
     * dimension it drops), as has running out of memory (rt_oom) */
    bool one = false;
    for (int i = 0; i < c->prog->nsamples; i++) one |= c->prog->samples[i]->batch_drawn == 1;
    if (fd.first[0] && !one) {
      char msg[512];
      snprintf(msg, sizeof msg,
               "the program with its sample sets whole (its full variant) does not compile: %s",
               fd.first);
      c->prog->full_why = arena_strdup(&c->arena, msg);
    }
    blo_compiled_free(v);
    return 1;
  }
  *out = v;
  return 0;
}

void blo_compiled_free(BloCompiled *c) {
  if (!c) return;
  if (c->jit) jit_free(c->jit);
  for (int k = 0; k < c->ndata_total; k++) free_data(c, k);
  for (int k = 0; c->f32 && k < c->ndata_total; k++)
    if (!is_sparse(c, k)) free(c->f32[k]);
  free(c->data);
  free(c->borrowed);
  if (c->idx)
    for (int k = 0; k < c->ir->ndata; k++) rt_idx_close(c->idx[k]);
  free(c->idx);
  free(c->x0);
  free(c->y0);
  arena_free(&c->arena);
  free(c);
}

const Program *blo_program(const BloCompiled *c) { return c->prog; }
Diag *blo_diag(BloCompiled *c) { return &c->diag; }
BloProblem *blo_problem(BloCompiled *c) { return c->ir && c->x0 ? &c->problem : NULL; }
double *blo_x0(BloCompiled *c) { return c->x0; }
double *blo_y0(BloCompiled *c) { return c->y0; }
uint64_t blo_seed(const BloCompiled *c) { return c->seed; }
BloPrecision blo_precision(const BloCompiled *c) { return c->precision; }

/* One table for the names of BloPrecision. */
static const char *const precision_names[] = {[BLO_PREC_F64] = "f64", [BLO_PREC_F32] = "f32"};

int blo_precision_parse(const char *name, BloPrecision *out) {
  for (int p = 0; p < (int)(sizeof precision_names / sizeof *precision_names); p++)
    if (name && strcmp(name, precision_names[p]) == 0) {
      *out = (BloPrecision)p;
      return 0;
    }
  return -1;
}

const char *blo_precision_name(BloPrecision p) { return precision_names[p == BLO_PREC_F32]; }
BloTimings blo_timings(const BloCompiled *c) { return c->time; }
bool blo_sharded(const BloCompiled *c) { return c->sharded; }
RtShard blo_shard(const BloCompiled *c) { return c->shard; }
