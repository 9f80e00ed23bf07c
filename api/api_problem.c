/* api_problem.c — the C API's problems (bloc.h): diagnostics, compiling, binding data from
 * memory, preparing (the data stage and the kernels) and the starting point. */
#define _GNU_SOURCE /* open_memstream, strdup */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "compiled.h"
#include "config.h"
#include "front/sema.h"
#include "rt_fmt.h"
#include "rt_mem.h"
#include "rt_sparse.h"

const char *bloc_version(void) { return PACKAGE_VERSION; }

/* ------------------------------------------------------------------ diagnostics */

static void diag_clear(bloc_diag *d) {
  free(d->file);
  free(d->message);
  free(d->hint);
  free(d->text);
}

bool api_diag_kept(const bloc_diag *d) {
  return d->severity == BLOC_WARNING && d->category &&
         (strcmp(d->category, "compile") == 0 || strcmp(d->category, "data") == 0);
}

static char *dup_or_die(const char *s);

/* d, complete with its hint, into p->kept when api_diag_kept (once: bloc_set_start may say
 * the same again). */
static void keep_warning(bloc_problem *p, const bloc_diag *d) {
  if (!api_diag_kept(d)) return;
  char text[4096];
  int n = d->file ? snprintf(text, sizeof text, "%s:%d:%d: ", d->file, d->line, d->column) : 0;
  if (n < 0 || (size_t)n >= sizeof text) n = 0; /* a path longer than the buffer: none */
  snprintf(text + n, sizeof text - (size_t)n, "%s%s%s", d->message, d->hint ? "; " : "",
           d->hint ? d->hint : "");
  for (int i = 0; i < p->nkept; i++)
    if (strcmp(p->kept[i], text) == 0) return;
  char **k = realloc(p->kept, sizeof *k * (size_t)(p->nkept + 1));
  if (!k) blo_oom(sizeof *k * (size_t)(p->nkept + 1));
  p->kept = k;
  p->kept[p->nkept++] = dup_or_die(text);
}

void api_flush(bloc_problem *p) {
  for (; p->delivered < p->ndiags; p->delivered++) {
    keep_warning(p, &p->diags[p->delivered]); /* complete now: its hint came before the next */
    if (p->handler) p->handler(p->handler_user, &p->diags[p->delivered]);
  }
}

int api_end(bloc_problem *p, int rc) {
  api_flush(p);
  return rc;
}

int bloc_set_diag_handler(bloc_problem *p, bloc_diag_fn fn, void *user) {
  if (!p) return BLOC_ERR_STATE;
  p->handler = fn;
  p->handler_user = user;
  return BLOC_OK;
}

void api_begin(bloc_problem *p, const char *category) {
  api_flush(p);
  p->delivered = 0;
  for (int i = 0; i < p->ndiags; i++) diag_clear(&p->diags[i]);
  free(p->diags);
  p->diags = NULL;
  p->ndiags = 0;
  p->category = category;
}

static char *dup_or_die(const char *s) {
  char *d = strdup(s ? s : "");
  if (!d) blo_oom(strlen(s ? s : "") + 1);
  return d;
}

static bloc_diag *diag_push(bloc_problem *p) {
  api_flush(p); /* the diagnostics before this one are complete (hints come right after) */
  bloc_diag *d = realloc(p->diags, sizeof *d * (size_t)(p->ndiags + 1));
  if (!d) blo_oom(sizeof *d * (size_t)(p->ndiags + 1));
  p->diags = d;
  d = &p->diags[p->ndiags++];
  memset(d, 0, sizeof *d);
  d->category = p->category;
  return d;
}

/* s + "\n" + add, freeing s (either may be NULL). */
static char *join(char *s, const char *add, const char *sep) {
  if (!s) return dup_or_die(add);
  size_t n = strlen(s) + strlen(sep) + strlen(add) + 1;
  char *j = malloc(n);
  if (!j) blo_oom(n);
  snprintf(j, n, "%s%s%s", s, sep, add);
  free(s);
  return j;
}

static const char *const sev_names[] = {"error", "warning", "note"};

void api_diag(bloc_problem *p, int severity, const char *hint, const char *fmt, ...) {
  char msg[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  bloc_diag *d = diag_push(p);
  d->severity = severity;
  d->message = dup_or_die(msg);
  char text[2200];
  snprintf(text, sizeof text, "bloc: %s: %s\n", sev_names[severity], msg);
  d->text = dup_or_die(text);
  if (hint) {
    d->hint = dup_or_die(hint);
    d->text = join(d->text, hint, "hint: ");
    d->text = join(d->text, "\n", "");
  }
}

void api_diag_sink(void *ctx, const DiagEvent *ev) {
  bloc_problem *p = ctx;
  if ((ev->kind == DIAG_HINT || ev->kind == DIAG_LIMIT) && p->ndiags > 0) {
    bloc_diag *d = &p->diags[p->ndiags - 1]; /* a hint belongs to the message before it */
    if (ev->kind == DIAG_HINT) d->hint = d->hint ? join(d->hint, ev->message, "\n")
                                                 : dup_or_die(ev->message);
    d->text = join(d->text, ev->text, "");
    return;
  }
  bloc_diag *d = diag_push(p);
  d->severity = ev->kind == DIAG_WARNING ? BLOC_WARNING : ev->kind == DIAG_ERROR ? BLOC_ERROR
                                                                                : BLOC_NOTE;
  d->file = ev->path ? dup_or_die(ev->path) : NULL;
  d->line = (int)ev->line;
  d->column = (int)ev->col;
  d->message = dup_or_die(ev->message);
  d->text = dup_or_die(ev->text);
}

static void opt_report(void *ctx, int level, const char *msg, const char *hint) {
  api_diag(ctx, level == DIAG_WARNING ? BLOC_WARNING : BLOC_ERROR, hint, "%s", msg);
}

OptSink api_opt_sink(bloc_problem *p, const char *label) {
  return (OptSink){.fn = opt_report, .ctx = p, .set_label = label};
}

int bloc_diag_severity(const bloc_diag *d) { return d ? d->severity : BLOC_ERROR; }
const char *bloc_diag_category(const bloc_diag *d) { return d ? d->category : NULL; }
const char *bloc_diag_file(const bloc_diag *d) { return d ? d->file : NULL; }
int bloc_diag_line(const bloc_diag *d) { return d ? d->line : 0; }
int bloc_diag_column(const bloc_diag *d) { return d ? d->column : 0; }
const char *bloc_diag_message(const bloc_diag *d) { return d ? d->message : NULL; }
const char *bloc_diag_hint(const bloc_diag *d) { return d ? d->hint : NULL; }
const char *bloc_diag_text(const bloc_diag *d) { return d ? d->text : NULL; }

int bloc_problem_diag_count(const bloc_problem *p) { return p ? p->ndiags : 0; }

const bloc_diag *bloc_problem_diag(const bloc_problem *p, int i) {
  return p && i >= 0 && i < p->ndiags ? &p->diags[i] : NULL;
}

/* ------------------------------------------------------------------ problems */

int bloc_problem_new(bloc_problem **out) {
  if (!out) return BLOC_ERR_STATE;
  *out = calloc(1, sizeof **out);
  if (!*out) return BLOC_ERR_MEMORY;
  (*out)->backend = BLO_BACKEND_JIT;
  (*out)->category = "usage";
  (*out)->defs_given = "define";
  return BLOC_OK;
}

void api_set_defs_given(bloc_problem *p, const char *given) { p->defs_given = given; }

void api_define_text(bloc_problem *p, const char *text) {
  if (p->ndefs > 0 && !p->defs[p->ndefs - 1].text) p->defs[p->ndefs - 1].text = dup_or_die(text);
}

/* A bound sparse matrix, the problem's own copy (NULL is fine). */
static void drop_csr(RtCsr *m) {
  rt_csr_free(m);
  free(m);
}

static void drop_binding(ApiBinding *b) {
  free(b->name);
  drop_csr(b->csr);
}

void bloc_problem_free(bloc_problem *p) {
  if (!p) return;
  api_begin(p, NULL);
  blo_compiled_free(p->full); /* it borrows p->c's data */
  blo_compiled_free(p->c);
  for (int i = 0; i < p->ndefs; i++) {
    free((char *)p->defs[i].name);
    free((char *)p->defs[i].text);
  }
  free(p->defs);
  for (int i = 0; i < p->nfiles; i++) {
    free((char *)p->files[i].name);
    free((char *)p->files[i].path);
  }
  free(p->files);
  for (int i = 0; i < p->nbind; i++) drop_binding(&p->bind[i]);
  free(p->bind);
  free(p->summary);
  free(p->prepared_for);
  for (int i = 0; i < p->nkept; i++) free(p->kept[i]);
  free(p->kept);
  free(p);
}

/* A usage error: the call came at the wrong stage. */
static int misuse(bloc_problem *p, const char *what) {
  api_begin(p, "usage");
  api_diag(p, BLOC_ERROR, NULL, "%s", what);
  return BLOC_ERR_STATE;
}

int api_null_arg(bloc_problem *p, const char *fn, const char *arg) {
  api_begin(p, "usage");
  api_diag(p, BLOC_ERROR, NULL, "%s: %s is NULL", fn, arg);
  return api_end(p, BLOC_ERR_INPUT);
}

int bloc_define(bloc_problem *p, const char *name, double value) {
  if (!p) return BLOC_ERR_STATE;
  if (!name) return api_null_arg(p, "bloc_define", "name");
  if (p->stage != API_NEW)
    return misuse(p, "bloc_define: the problem is already compiled");
  api_begin(p, "usage");
  if (!isfinite(value)) { /* -D refuses it as malformed; compiled, it failed at every use */
    char num[RT_FMT_NUM_LEN];
    api_diag(p, BLOC_ERROR, NULL, "bloc_define: %s = %s is not a finite number", name,
             rt_fmt_num(value, num));
    return api_end(p, BLOC_ERR_INPUT);
  }
  SemaDefine *defs = realloc(p->defs, sizeof *defs * (size_t)(p->ndefs + 1));
  if (!defs) return api_end(p, BLOC_ERR_MEMORY);
  p->defs = defs;
  p->defs[p->ndefs++] = (SemaDefine){dup_or_die(name), value, NULL};
  return api_end(p, BLOC_OK);
}

int api_data_file(bloc_problem *p, const char *name, const char *path) {
  if (p->stage != API_NEW) return misuse(p, "--data: the problem is already compiled");
  SemaDataFile *f = realloc(p->files, sizeof *f * (size_t)(p->nfiles + 1));
  if (!f) return BLOC_ERR_MEMORY;
  p->files = f;
  p->files[p->nfiles++] = (SemaDataFile){dup_or_die(name), dup_or_die(path)};
  return BLOC_OK;
}

int bloc_set_backend(bloc_problem *p, const char *backend) {
  if (!p) return BLOC_ERR_STATE;
  if (!backend) return api_null_arg(p, "bloc_set_backend", "backend");
  if (p->stage != API_NEW)
    return misuse(p, "bloc_set_backend: the problem is already compiled");
  api_begin(p, "option"); /* a bad value; "usage" is for calls out of order */
  if (strcmp(backend, "jit") == 0) p->backend = BLO_BACKEND_JIT;
  else if (strcmp(backend, "interp") == 0) p->backend = BLO_BACKEND_INTERP;
  else {
    api_diag(p, BLOC_ERROR, NULL, "unknown backend '%s': expected jit or interp", backend);
    return api_end(p, BLOC_ERR_INPUT);
  }
  return api_end(p, BLOC_OK);
}

int bloc_set_precision(bloc_problem *p, const char *precision) {
  if (!p) return BLOC_ERR_STATE;
  if (!precision) return api_null_arg(p, "bloc_set_precision", "precision");
  if (p->stage != API_NEW)
    return misuse(p, "bloc_set_precision: the problem is already compiled");
  api_begin(p, "option");
  if (blo_precision_parse(precision, &p->precision) != 0) {
    api_diag(p, BLOC_ERROR, NULL, "unknown precision '%s': expected f64 or f32", precision);
    return api_end(p, BLOC_ERR_INPUT);
  }
  p->precision_set = true;
  return api_end(p, BLOC_OK);
}

/* bloc_set_seed and bloc_set_data_seed: seed in the range of the option 'seed' (a double holds
 * it exactly), as bloc's --seed: a seed past it would be used for the data and not for the
 * solve's draws. */
static int set_seed(bloc_problem *p, const char *fn, uint64_t seed, uint64_t *to, bool *set) {
  if (!p) return BLOC_ERR_STATE;
  if (p->stage != API_NEW) {
    char what[96];
    snprintf(what, sizeof what, "%s: the problem is already compiled", fn);
    return misuse(p, what);
  }
  api_begin(p, "option");
  char text[32];
  snprintf(text, sizeof text, "%llu", (unsigned long long)seed);
  uint64_t ok;
  const char *bad = rt_seed_parse(fn, text, &ok);
  if (bad) {
    api_diag(p, BLOC_ERROR, NULL, "%s", bad);
    return api_end(p, BLOC_ERR_INPUT);
  }
  *to = seed;
  *set = true;
  return api_end(p, BLOC_OK);
}

int bloc_set_seed(bloc_problem *p, uint64_t seed) {
  return set_seed(p, "bloc_set_seed", seed, p ? &p->seed : NULL, p ? &p->seed_set : NULL);
}

int bloc_set_data_seed(bloc_problem *p, uint64_t seed) {
  return set_seed(p, "bloc_set_data_seed", seed, p ? &p->data_seed : NULL,
                  p ? &p->data_seed_set : NULL);
}

static BloCompileOptions compile_options(bloc_problem *p) {
  BloCompileOptions o = {0};
  o.defs = p->defs;
  o.ndefs = p->ndefs;
  o.defs_given = p->defs_given;
  o.data_files = p->files;
  o.ndata_files = p->nfiles;
  o.seed = p->data_seed_set ? p->data_seed : p->seed;
  o.seed_set = p->seed_set || p->data_seed_set;
  o.backend = p->backend;
  o.precision_set = p->precision_set;
  o.precision = p->precision;
  o.diag_sink = api_diag_sink;
  o.diag_sink_ctx = p;
  return o;
}

static int compile(bloc_problem *p, const char *path, const char *text) {
  if (!p) return BLOC_ERR_STATE;
  if (!path)
    return api_null_arg(p, text ? "bloc_compile_string" : "bloc_compile_file",
                        text ? "name" : "path");
  if (p->stage == API_FAILED) /* "already compiled" sent the caller looking for a success */
    return misuse(p, "bloc_compile: the problem failed to compile: compile the next file in a "
                     "new problem (bloc_problem_new)");
  if (p->stage != API_NEW)
    return misuse(p, "bloc_compile: the problem is already compiled");
  api_begin(p, "compile");
  BloCompileOptions o = compile_options(p);
  o.check_only = true;
  int rc = blo_compile_begin(path, text, &o, &p->c);
  p->stage = rc ? API_FAILED : API_COMPILED;
  return api_end(p, rc ? BLOC_ERR_INPUT : BLOC_OK);
}

int bloc_compile_file(bloc_problem *p, const char *path) { return compile(p, path, NULL); }

int bloc_compile_string(bloc_problem *p, const char *name, const char *text) {
  if (!p) return BLOC_ERR_STATE;
  if (!text) return api_null_arg(p, "bloc_compile_string", "text");
  return compile(p, name, text);
}

/* "vector[3]" and the like, for messages (rank 3: tensor[T, K, d]). */
static const char *dims_str(int rank, const int64_t *dims, char buf[96]) {
  if (rank == 0) return "a scalar";
  int n = snprintf(buf, 96, "%s[", rank == 1 ? "vector" : rank == 2 ? "matrix" : "tensor");
  for (int i = 0; i < rank && n < 80; i++)
    n += snprintf(buf + n, (size_t)(96 - n), "%s%lld", i ? ", " : "", (long long)dims[i]);
  snprintf(buf + n, (size_t)(96 - n), "]");
  return buf;
}

/* A data declaration's shape as declared (a tensor's, not its storage) and its dims in the
 * order bloc_bind takes them. */
static Shape decl_shape(const AstDecl *d) { return d->tensor.rank == 3 ? d->tensor : d->shape; }

static void shape_dims(Shape s, int64_t dims[3]) {
  dims[0] = s.rank == 3 ? s.blocks : s.rows;
  dims[1] = s.rank == 3 ? s.rows : s.cols;
  dims[2] = s.cols;
}

int bloc_problem_data_count(const bloc_problem *p) {
  return p && p->c && blo_program(p->c) ? blo_program(p->c)->ndata : -1;
}

const char *bloc_problem_data_name(const bloc_problem *p, int i) {
  if (i < 0 || i >= bloc_problem_data_count(p)) return NULL;
  return blo_program(p->c)->data[i]->name;
}

int bloc_problem_data_shape(const bloc_problem *p, int i, int64_t *dims) {
  if (i < 0 || i >= bloc_problem_data_count(p) || !dims) return -1;
  Shape s = decl_shape(blo_program(p->c)->data[i]);
  int64_t all[3];
  shape_dims(s, all);
  for (int k = 0; k < s.rank; k++) dims[k] = all[k];
  return s.rank;
}

int bloc_problem_var_count(const bloc_problem *p) {
  const Program *g = p && p->c ? blo_program(p->c) : NULL;
  return g ? g->nupper + g->nlower : -1;
}

/* Variable i of bloc_problem_var_count's order (upper, then lower), or NULL out of range. */
static const AstDecl *var_decl(const bloc_problem *p, int i, int *level) {
  if (i < 0 || i >= bloc_problem_var_count(p)) return NULL;
  const Program *g = blo_program(p->c);
  *level = i >= g->nupper;
  return *level ? g->lower[i - g->nupper] : g->upper[i];
}

const char *bloc_problem_var_name(const bloc_problem *p, int i) {
  int level;
  const AstDecl *d = var_decl(p, i, &level);
  return d ? d->name : NULL;
}

int bloc_problem_var_shape(const bloc_problem *p, int i, int64_t *dims, int *level,
                           int64_t *offset) {
  int lv;
  const AstDecl *d = var_decl(p, i, &lv);
  if (!d || !dims) return -1;
  int64_t all[3];
  shape_dims(d->shape, all);
  for (int k = 0; k < d->shape.rank; k++) dims[k] = all[k];
  if (level) *level = lv;
  if (offset) *offset = d->offset;
  return d->shape.rank;
}

/* The declaration `name` that `fn` (bloc_bind, bloc_bind_csr) binds, after api_begin; NULL
 * after reporting a call out of order or a name the program does not declare. */
static const AstDecl *bind_target(bloc_problem *p, const char *fn, const char *name) {
  if (p->stage != API_COMPILED) {
    char msg[160];
    snprintf(msg, sizeof msg, "%s: %s", fn,
             p->stage == API_NEW      ? "compile the problem first"
             : p->stage == API_FAILED ? "the problem failed to compile"
             : p->stage == API_PREP_FAILED
                 ? "the problem failed to prepare (its data or kernels): compile a new problem "
                   "to bind again"
                 : "the problem is already prepared (bind before the first solve, eval or "
                   "bloc_prepare)");
    misuse(p, msg);
    return NULL;
  }
  api_begin(p, "data");
  const Program *prog = blo_program(p->c);
  const char *names[256];
  int n = 0;
  for (int k = 0; k < prog->ndata; k++) {
    if (strcmp(prog->data[k]->name, name) == 0) return prog->data[k];
    if (n < 256) names[n++] = prog->data[k]->name;
  }
  const char *near = diag_suggest(name, names, (size_t)n);
  char hint[128];
  if (near) snprintf(hint, sizeof hint, "did you mean '%s'?", near);
  api_diag(p, BLOC_ERROR, near ? hint : NULL, "%s: the program has no data '%s'", fn, name);
  return NULL;
}

/* An error about declaration d's binding, at the declaration; a refused binding leaves the
 * program as good as it was. */
static int bind_refused(bloc_problem *p, const AstDecl *d, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int bind_refused(bloc_problem *p, const AstDecl *d, const char *hint, const char *fmt, ...) {
  char msg[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  diag_error(blo_diag(p->c), d->name_span, "%s", msg);
  if (hint) diag_hint(blo_diag(p->c), "%s", hint);
  blo_diag(p->c)->nerrors--;
  return api_end(p, BLOC_ERR_INPUT);
}

/* Records the binding of `name` (replacing an earlier one), taking csr. */
static int add_binding(bloc_problem *p, const char *name, const double *values, RtCsr *csr) {
  for (int i = 0; i < p->nbind; i++)
    if (strcmp(p->bind[i].name, name) == 0) { /* bound again: the new values */
      drop_csr(p->bind[i].csr);
      p->bind[i].values = values;
      p->bind[i].csr = csr;
      return api_end(p, BLOC_OK);
    }
  ApiBinding *b = realloc(p->bind, sizeof *b * (size_t)(p->nbind + 1));
  if (!b) {
    drop_csr(csr);
    return api_end(p, BLOC_ERR_MEMORY);
  }
  p->bind = b;
  p->bind[p->nbind++] = (ApiBinding){dup_or_die(name), values, csr};
  return api_end(p, BLOC_OK);
}

int bloc_problem_data_sparse(const bloc_problem *p, int i) {
  if (i < 0 || i >= bloc_problem_data_count(p)) return -1;
  return decl_shape(blo_program(p->c)->data[i]).sparse ? 1 : 0;
}

int bloc_bind(bloc_problem *p, const char *name, const double *values, int rank,
              const int64_t *dims) {
  if (!p) return BLOC_ERR_STATE;
  if (!name) return api_null_arg(p, "bloc_bind", "name");
  const AstDecl *d = bind_target(p, "bloc_bind", name);
  if (!d) return p->stage == API_COMPILED ? api_end(p, BLOC_ERR_INPUT) : BLOC_ERR_STATE;
  Shape s = decl_shape(d);
  if (s.sparse) /* its values are a CSR matrix, not an array of the declared shape */
    return bind_refused(p, d,
                        "bind its compressed sparse rows with bloc_bind_csr (Python: a SciPy "
                        "sparse matrix)",
                        "data '%s' is sparse[%lld, %lld]: a dense array cannot be bound to it",
                        name, (long long)s.rows, (long long)s.cols);
  int64_t want[3];
  shape_dims(s, want);
  if (rank < 0 || rank > 3) /* was "the bound array is missing" */
    return bind_refused(p, d, NULL, "bloc_bind: rank %d for data '%s': a rank is 0 to 3", rank,
                        name);
  bool ok = rank == s.rank && (rank == 0 || (dims && values));
  for (int i = 0; ok && i < rank; i++) ok = dims[i] == want[i];
  if (!ok || !values) {
    char got[96], decl[64];
    return bind_refused(
        p, d, NULL, "data '%s' is declared %s, but the bound array is %s", name, shape_str(s, decl),
        values && (rank == 0 || dims) ? dims_str(rank, dims, got) : "missing");
  }
  return add_binding(p, name, values, NULL);
}

int bloc_bind_csr(bloc_problem *p, const char *name, const bloc_csr *m) {
  if (!p) return BLOC_ERR_STATE;
  if (!name) return api_null_arg(p, "bloc_bind_csr", "name");
  const AstDecl *d = bind_target(p, "bloc_bind_csr", name);
  if (!d) return p->stage == API_COMPILED ? api_end(p, BLOC_ERR_INPUT) : BLOC_ERR_STATE;
  Shape s = decl_shape(d);
  char decl[64];
  if (!s.sparse)
    return bind_refused(p, d,
                        "bind its values with bloc_bind (Python: a NumPy array), or declare it "
                        "sparse[m, n]",
                        "data '%s' is declared %s: a sparse matrix cannot be bound to it", name,
                        shape_str(s, decl));
  if (!m || m->rows != s.rows || m->cols != s.cols) {
    char got[64];
    if (m) snprintf(got, sizeof got, "%lld x %lld", (long long)m->rows, (long long)m->cols);
    return bind_refused(p, d, NULL,
                        "bloc_bind_csr: data '%s' is declared sparse[%lld, %lld], but the bound "
                        "matrix is %s",
                        name, (long long)s.rows, (long long)s.cols, m ? got : "missing (NULL)");
  }
  RtCsr *csr = calloc(1, sizeof *csr);
  if (!csr) return api_end(p, BLOC_ERR_MEMORY);
  char msg[512];
  RtCsrArrays a = {m->rows, m->cols, m->indptr, m->indices, m->values};
  if (rt_csr_from_arrays(&a, name, csr, rt_err(msg, sizeof msg))) {
    free(csr);
    return bind_refused(p, d, NULL, "bloc_bind_csr: data %s", msg);
  }
  return add_binding(p, name, NULL, csr);
}

/* Split "a,b,c" into at most 64 names (into buf, which they point into), blanks around each
 * left out ("lancbio, f2sa" named " f2sa", unknown); -1 after reporting an empty or unknown
 * name, or more than 64. A typo compiled every kernel for "lancboi" and said nothing (the
 * pipeline keeps the kernels an unknown method might need). */
static int split_methods(bloc_problem *p, const char *list, char *buf, const char **names) {
  int n = 0;
  OptSink sink = api_opt_sink(p, "option");
  const char *category = p->category;
  p->category = "option";
  for (char *s = buf;; n++) {
    char *comma = strchr(s, ',');
    if (comma) *comma = '\0';
    while (*s == ' ' || *s == '\t') s++;
    for (char *e = s + strlen(s); e > s && (e[-1] == ' ' || e[-1] == '\t');) *--e = '\0';
    if (!*s || n == 64) {
      /* no function named: `bloc run --method ''` comes here too */
      if (!*list) api_diag(p, BLOC_ERROR, NULL, "an empty method name");
      else
        api_diag(p, BLOC_ERROR, NULL, "%s in the method list '%s'",
                 *s ? "more than 64 names" : "an empty name", list);
      return -1;
    }
    if (!opt_find_method_to(&sink, s)) return -1;
    names[n] = s;
    if (!comma) {
      p->category = category;
      return n + 1;
    }
    s = comma + 1;
  }
}

void openblas_set_num_threads(int); /* OpenBLAS's own, not in cblas.h */

/* The bloc command's OpenBLAS threads (p->blas_by_size): one when every kernel is small.
 * OpenBLAS 0.3.21 splits even a 50 x 50 symv over its threads (its gemv has a size threshold,
 * its symv none), and on two busy CPUs a 50 x 50 problem ran five times slower than with
 * OPENBLAS_NUM_THREADS=1 (doc/performance.md, "Small problems"). Not in the library: its
 * host's BLAS (NumPy's) may be the same OpenBLAS. A thread count set in the environment
 * wins. */
static void blas_threads_by_size(const bloc_problem *p) {
  if (getenv("OPENBLAS_NUM_THREADS") || getenv("GOTO_NUM_THREADS") || getenv("OMP_NUM_THREADS"))
    return;
  const BloProblem *bp = blo_problem(p->c);
  double most = 0;
  for (int k = 0; k < BLO_K_COUNT; k++) most = fmax(most, bp->kernel_flops[k]);
  if (most < 1e6) openblas_set_num_threads(1);
}

const BloProblem *api_full_problem(void *ctx) {
  bloc_problem *p = ctx;
  if (!p->full_tried && p->stage == API_PREPARED) {
    p->full_tried = true;
    BloCompileOptions o = compile_options(p);
    o.diag_sink = NULL; /* the variant's messages are nobody's: blo_compile_full drops them */
    o.diag_sink_ctx = NULL;
    bool oom = rt_oom_take();
    if (blo_compile_full(p->c, &o, &p->full)) p->full = NULL;
    if (rt_oom_take()) p->full = (blo_compiled_free(p->full), NULL);
    if (oom) rt_oom_raise();
  }
  return p->full ? blo_problem(p->full) : NULL;
}

const char *api_full_why(void *ctx) {
  const bloc_problem *p = ctx;
  return blo_full_absent_why(p->c);
}

int api_ensure_prepared(bloc_problem *p, const char *methods) {
  if (p->stage == API_PREPARED) return BLOC_OK;
  if (p->stage != API_COMPILED)
    return misuse(p, p->stage == API_NEW      ? "compile the problem first"
                     : p->stage == API_FAILED ? "the problem failed to compile"
                                              : "the problem failed to prepare (its data or "
                                                "kernels): compile a new problem");
  const char *category = p->category;
  BloCompileOptions o = compile_options(p);
  /* a bad BLOC_CPU or BLOC_SHARD is a setting (OptionError in Python), not the data's
   * failure, and the problem stays compiled: prepare again once the environment is fixed */
  p->category = "option";
  if (blo_check_env(p->c, &o)) {
    p->category = category;
    return BLOC_ERR_INPUT;
  }
  p->category = "data";
  BloBinding *b = calloc((size_t)p->nbind + 1, sizeof *b);
  if (!b) return BLOC_ERR_MEMORY;
  for (int i = 0; i < p->nbind; i++)
    b[i] = (BloBinding){p->bind[i].name, p->bind[i].values, p->bind[i].csr};
  o.bindings = b;
  o.nbindings = p->nbind;
  char *buf = NULL;
  const char *names[64];
  if (methods && strcmp(methods, "all") == 0) {
    o.all_kernels = true;
  } else if (methods) {
    buf = dup_or_die(methods);
    o.methods = names;
    if ((o.nmethods = split_methods(p, methods, buf, names)) < 0) {
      free(buf);
      free(b);
      p->category = category;
      return BLOC_ERR_INPUT; /* the problem stays compiled: prepare again with good names */
    }
  }
  rt_oom_take(); /* the data stage runs on this thread: a flag it raises is its failure */
  int rc = blo_compile_rest(p->c, &o);
  bool oom = rt_oom_take();
  free(buf);
  free(b);
  const char *prog_method = blo_program(p->c)->method;
  free(p->prepared_for);
  p->prepared_for = dup_or_die(methods ? methods : prog_method ? prog_method : "all");
  p->category = category;
  p->stage = rc ? API_PREP_FAILED : API_PREPARED;
  if (!rc && p->blas_by_size) blas_threads_by_size(p);
  return !rc ? BLOC_OK : oom ? BLOC_ERR_MEMORY : BLOC_ERR_INPUT;
}

int bloc_prepare(bloc_problem *p, const char *methods) {
  if (!p) return BLOC_ERR_STATE;
  if (p->stage == API_PREPARED)
    return misuse(p, "bloc_prepare: the problem is already prepared");
  api_begin(p, "data");
  return api_end(p, api_ensure_prepared(p, methods));
}

const char *bloc_problem_name(const bloc_problem *p) {
  return p && p->c && blo_program(p->c) ? blo_program(p->c)->name : NULL;
}

int64_t bloc_problem_nx(const bloc_problem *p) {
  return p && p->c && blo_program(p->c) ? blo_program(p->c)->nx : -1;
}

int64_t bloc_problem_ny(const bloc_problem *p) {
  return p && p->c && blo_program(p->c) ? blo_program(p->c)->ny : -1;
}

int bloc_problem_stochastic(const bloc_problem *p) {
  return p && p->c && blo_program(p->c) ? blo_program(p->c)->stochastic : 0;
}

uint64_t api_draw_seed(const bloc_problem *p) {
  return p->seed_set ? p->seed : blo_program_seed(p->c);
}

uint64_t bloc_problem_seed(const bloc_problem *p) {
  return p && p->stage == API_PREPARED ? blo_seed(p->c) : 0;
}

const char *bloc_problem_summary(bloc_problem *p) {
  if (!p || !p->c || !blo_program(p->c)) return NULL;
  if (!p->summary) {
    size_t len = 0;
    FILE *m = open_memstream(&p->summary, &len);
    if (!m) return NULL;
    sema_print_summary(blo_program(p->c), m);
    fclose(m);
  }
  return p->summary;
}

int api_nonfinite(bloc_problem *p, const char *fn, const char *what, const double *v, int64_t n) {
  for (int64_t i = 0; v && i < n; i++)
    if (!isfinite(v[i])) {
      char num[RT_FMT_NUM_LEN]; /* "nan", never "-nan" */
      api_diag(p, BLOC_ERROR, NULL, "%s: %s[%lld] (0-based) is %s: it must be finite", fn, what,
               (long long)i, rt_fmt_num(v[i], num));
      return 1;
    }
  return 0;
}

int bloc_set_start(bloc_problem *p, const double *x, const double *y) {
  if (!p) return BLOC_ERR_STATE;
  api_begin(p, "data");
  int rc = api_ensure_prepared(p, NULL);
  if (rc) return api_end(p, rc);
  BloProblem *bp = blo_problem(p->c);
  /* refused as bloc run --init-x refuses it: a NaN start failed later, at the first oracle
   * call, naming no start, and every later solve with it */
  if (api_nonfinite(p, "bloc_set_start", "x", x, bp->nx) ||
      api_nonfinite(p, "bloc_set_start", "y", y, bp->ny))
    return api_end(p, BLOC_ERR_INPUT);
  if (x) memcpy(blo_x0(p->c), x, sizeof(double) * (size_t)bp->nx);
  if (y || x) p->y0_given = y != NULL; /* x alone: y0 follows it again */
  if (x) p->x0_given = true;
  if (y) {
    memcpy(blo_y0(p->c), y, sizeof(double) * (size_t)bp->ny);
  } else if (x && bp->init_uses_x) { /* y0 follows the new x, as the initialiser says */
    double *work = calloc((size_t)bp->work_size + 1, sizeof(double));
    int64_t *samples = calloc((size_t)bp->sample_total + 1, sizeof(int64_t));
    if (!work || !samples) {
      free(work);
      free(samples);
      return api_end(p, BLOC_ERR_MEMORY);
    }
    BloEnv env = {bp->data, samples, work, bp->backend};
    double *outs[1] = {blo_y0(p->c)};
    bp->kernels[BLO_K_INIT_Y](&env, blo_x0(p->c), NULL, NULL, outs);
    free(work);
    free(samples);
  }
  return api_end(p, BLOC_OK);
}
