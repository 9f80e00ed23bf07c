/* sema_decls.c — checking each declaration in order (types, initialisers, objectives, sample
 * sets, the solve method and its options against runtime/rt_methods.h) and the whole-program
 * rules: exactly one objective of each level, variables on both levels, g depends on y. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rt_methods.h"
#include "front/sema_int.h"
#include "lex.h"

static void check_const(Sema *S, AstDecl *d) {
  ECtx c = {.kind = CTX_CONST, .decl = d, .whole = d->init};
  bool ok = sema_check(S, &c, d->init);
  if (ok) {
    char what[160];
    snprintf(what, sizeof what, "the value of const '%s'", d->name);
    ok = sema_need_const(S, &c, d->init, what);
  }
  if (ok && !isfinite(d->init->const_val)) {
    char buf[32];
    diag_error(S->diag, d->init->span, "const '%s' is not a finite number (%s)", d->name,
               sema_num_str(d->init->const_val, buf));
    ok = false;
  }
  d->shape = shape_scalar();
  if (ok) d->const_val = d->init->const_val;
  for (int i = 0; i < S->ndefs; i++) /* -D NAME=VALUE: the last one given wins */
    if (strcmp(S->defs[i].name, d->name) == 0) {
      S->def_used[i] = true;
      d->const_val = S->defs[i].value;
      d->overridden_by = S->defs_given;
      if (S->defs[i].text && lex_underflows(S->defs[i].text, S->defs[i].value))
        diag_warning(S->diag, SPAN_NONE, "%s '%s=%s': number '%s' is too small for a double and "
                     "reads as 0", S->defs_given, d->name, S->defs[i].text, S->defs[i].text);
      ok = true; /* the override replaces a broken value too */
    }
  d->failed = !ok;
  d->index = (int)S->consts.len;
  ptrvec_push(S->arena, &S->consts, d);
}

/* +1 / -1 when e is `inf` / `-inf` (a name that declares nothing), else 0. */
static int infinity_sign(Sema *S, const AstExpr *e) {
  int sign = 1;
  if (e->kind == AST_UNARY && e->op == '-') {
    sign = -1;
    e = e->args[0];
  }
  if (e->kind != AST_IDENT || strcmp(e->str, "inf") != 0 || sema_sym_get(&S->syms, "inf"))
    return 0;
  return sign;
}

/* One bound of a box on variable d: a compile-time number, +-inf, or a data tensor of d's
 * shape. false after an error. */
static bool check_bound(Sema *S, AstDecl *d, AstExpr *e, double *val, AstDecl **data) {
  int inf = infinity_sign(S, e);
  if (inf) {
    *val = inf * INFINITY;
    return true;
  }
  ECtx c = {.kind = CTX_DATA, .decl = d, .whole = e};
  if (!sema_check(S, &c, e)) return false;
  if (e->is_const && e->shape.rank == 0) {
    *val = e->const_val;
    if (isnan(*val)) {
      diag_error(S->diag, e->span, "a bound of %s is NaN", sema_decl_what(d));
      return false;
    }
    return true;
  }
  if (e->kind == AST_IDENT && e->ref && e->ref->kind == DECL_DATA) {
    if (!shape_eq(e->shape, d->shape)) {
      char a[64], b[64];
      diag_error(S->diag, e->span, "bound '%s' has shape %s, but %s is %s", e->str,
                 shape_str(e->shape, a), sema_decl_what(d), shape_str(d->shape, b));
      diag_hint(S->diag, "a bound is a number (the same for every element) or data of the "
                "variable's shape");
      return false;
    }
    *data = e->ref;
    return true;
  }
  diag_error(S->diag, e->span, "a bound of %s must be a compile-time number, inf, -inf or the "
             "name of a data tensor of its shape", sema_decl_what(d));
  return false;
}

/* upper NAME = init in [lo, hi] | in simplex | >= lo | <= hi. Kept by projection after every x
 * step (runtime/rt_xstep.c); lower variables cannot be constrained. */
static void check_constraint(Sema *S, AstDecl *d) {
  AstConstraint *k = d->con;
  if (d->kind == DECL_LOWER) {
    diag_error(S->diag, k->span, "lower variable '%s' cannot be constrained", d->name);
    diag_note(S->diag, d->name_span, "the hypergradient of every method assumes the lower "
              "solution y*(x) is an interior point where g is smooth; a projection would break "
              "that (its Jacobian, not the implicit-function one, would apply)");
    /* the exact forms of doc/language.md section 3a first: the hint gave the softmax
     * exp(z) / sum(exp(z)) with a ridge (nan once exp overflows, and y*(x) moved by the
     * ridge), and not the budget's elimination vcat(z, 1 - sum(z)) (s50 nuK 3) */
    const char *y = d->name, *z = strcmp(d->name, "z") == 0 ? "u" : "z";
    char free_z[96];
    if (!d->failed && d->shape.rank == 1 && d->shape.rows > 1)
      snprintf(free_z, sizeof free_z, "'lower %s : vector[%lld]'", z,
               (long long)d->shape.rows - 1);
    else
      snprintf(free_z, sizeof free_z, "'lower %s : vector[n - 1]'", z);
    if (k->kind == CON_SIMPLEX)
      diag_hint(S->diag, "write %s as the softmax of free logits with one pinned to 0, %s = "
                "exp(vcat(%s, 0) - logsumexp(vcat(%s, 0))) with %s, or keep %s > 0 with a "
                "barrier - mu * sum(log(%s)) in g; a budget alone, sum(%s) = 1, is %s = "
                "vcat(%s, 1 - sum(%s)) (doc/language.md section 3a)",
                y, y, z, z, free_z, y, y, y, y, z, z);
    else if (d->shape.rank == 0)
      diag_hint(S->diag, "keep %s inside with a barrier in g (e.g. - mu * log(%s) for %s > 0), "
                "or reparameterise: %s = lo + (hi - lo) * sigmoid(%s) for a box "
                "(doc/language.md section 3a)", y, y, y, y, z);
    else
      diag_hint(S->diag, "keep %s inside with a barrier in g (e.g. - mu * sum(log(%s)) for %s "
                "> 0), or reparameterise: %s = lo + (hi - lo) * sigmoid(%s) for a box; a "
                "budget sum(%s) = 1 is eliminated, %s = vcat(%s, 1 - sum(%s)) with %s, and "
                "the simplex is exp(vcat(%s, 0) - logsumexp(vcat(%s, 0))) (doc/language.md "
                "section 3a)",
                y, y, y, y, z, y, y, z, z, free_z, z, z);
    d->failed = true;
    return;
  }
  char buf[64];
  if (k->kind == CON_SIMPLEX) {
    if (d->shape.rank != 1) {
      diag_error(S->diag, k->span, "'in simplex' needs a vector, but %s is %s",
                 sema_decl_what(d), shape_str(d->shape, buf));
      diag_hint(S->diag, "declare the weights as a vector[n]; for several simplices use "
                "several upper variables");
      d->failed = true;
    }
    return;
  }
  k->lo_val = -INFINITY;
  k->hi_val = INFINITY;
  bool ok = (!k->lo || check_bound(S, d, k->lo, &k->lo_val, &k->lo_data)) &
            (!k->hi || check_bound(S, d, k->hi, &k->hi_val, &k->hi_data));
  if (!ok) {
    d->failed = true;
    return;
  }
  char a[32], b[32];
  if (k->lo_val > k->hi_val || k->lo_val == INFINITY || k->hi_val == -INFINITY) {
    diag_error(S->diag, k->span, "the box [%s, %s] of %s is empty", sema_num_str(k->lo_val, a),
               sema_num_str(k->hi_val, b), sema_decl_what(d));
    if (k->lo_val == INFINITY || k->hi_val == -INFINITY) /* 1e308 * 10: not a swap */
      diag_hint(S->diag, "a lower bound of inf (or an upper one of -inf) leaves nothing: "
                "a bound past +-1.8e308 overflows to inf");
    else
      diag_hint(S->diag, "the lower bound comes first: in [lo, hi] with lo <= hi");
    d->failed = true;
  }
}

/* A sparse declaration is data loaded from a file or built from coordinate triplets
 * (sparse_coo): the data stage holds nothing else as CSR. */
static void check_sparse_decl(Sema *S, AstDecl *d) {
  const AstExpr *e = d->init;
  if (d->kind != DECL_DATA) {
    sema_err(S, NULL, d->type ? d->type->span : e->span, "%s cannot be sparse",
             sema_decl_what(d));
    diag_hint(S->diag, "variables are dense; only data may be a sparse[m, n] matrix");
    d->failed = true;
  } else if (e->kind != AST_CALL || (e->builtin != BI_LOAD_LIBSVM && e->builtin != BI_LOAD_MTX &&
                                      e->builtin != BI_SPARSE_COO)) {
    sema_err(S, NULL, e->span, "%s is sparse, so it is loaded from a file or built from "
             "triplets", sema_decl_what(d));
    diag_hint(S->diag, "data X : sparse[m, n] = load_libsvm(\"...\"), load_mtx(\"...\") or "
                       "sparse_coo(rows, cols, vals); use the sparse matrix it names directly, "
                       "or dense(X) for a dense copy");
    d->failed = true;
  }
}

/* --data NAME=FILE for data declaration d (the last one of its name): its loader reads FILE,
 * relative to the working directory, instead of the path the program names. The format and
 * the shape stay the declaration's: the loader checks FILE as it would check its own. */
static void replace_data_file(Sema *S, AstDecl *d) {
  int k = -1;
  for (int i = 0; i < S->nfiles; i++)
    if (strcmp(S->files[i].name, d->name) == 0) {
      S->file_used[i] = true;
      k = i;
    }
  if (k < 0 || d->failed) return; /* a declaration that failed was reported */
  AstExpr *e = d->init;
  bool load = e->kind == AST_CALL &&
              (e->builtin == BI_LOAD_CSV || e->builtin == BI_LOAD_IDX ||
               e->builtin == BI_LOAD_LIBSVM || e->builtin == BI_LOAD_NPY ||
               e->builtin == BI_LOAD_LIBSVM_LABELS || e->builtin == BI_LOAD_MTX);
  if (!load || e->nargs < 1 || e->args[0]->kind != AST_STR) {
    diag_error(S->diag, e->span, "--data %s=%s: %s is not loaded from a file, so no file can "
               "replace it", d->name, S->files[k].path, sema_decl_what(d));
    diag_hint(S->diag, "--data replaces the file of a data declaration whose value is one "
              "loader call (load_csv, load_npy, load_idx, load_libsvm, load_libsvm_labels, "
              "load_mtx); load the file in a declaration of its own and compute '%s' from it",
              d->name);
    d->failed = true;
    return;
  }
  AstExpr *path = arena_alloc(S->arena, sizeof *path);
  *path = *e->args[0];
  path->str = arena_strdup(S->arena, S->files[k].path);
  path->cwd_path = true;
  e->args[0] = path;
  char note[512];
  snprintf(note, sizeof note, "'%s' is the file of data '%s' given by --data %s=%s, read in "
           "place of the one the program names", S->files[k].path, d->name, d->name,
           S->files[k].path);
  diag_note_errors_at(S->diag, e->span, note);
}

/* data, upper and lower: the type (if any), then the initialiser in its context */
static void check_tensor(Sema *S, AstDecl *d) {
  CtxKind k = d->kind == DECL_DATA    ? CTX_DATA
              : d->kind == DECL_UPPER ? CTX_UPPER_INIT
                                      : CTX_LOWER_INIT;
  ECtx c = {.kind = k, .decl = d, .whole = d->init};
  bool ok = true;
  if (d->type) {
    ok = sema_type_shape(S, d->type, &c.shape);
    c.has_shape = ok;
  }
  /* a declared type that failed was reported: a loader in the initialiser would only add that
   * it "needs explicit dimensions here", beside the dimensions it was given */
  bool iok = ok && sema_check(S, &c, d->init);
  if (!ok || !iok) {
    d->failed = true;
  } else if (d->type) {
    d->shape = c.shape;
    Shape s = d->init->shape;
    if (s.rank != 0 && !shape_eq(s, d->shape)) {
      char a[64], b[64];
      diag_error(S->diag, d->init->span,
                 "the initialiser of %s has shape %s, but it is declared %s", sema_decl_what(d),
                 shape_str(s, a), shape_str(d->shape, b));
      if (s.sparse && !d->shape.sparse)
        diag_hint(S->diag, "dense(X) is the dense copy of a sparse matrix X (data only)");
      else
        diag_hint(
            S->diag,
            "a scalar initialiser fills the whole tensor; any other must have the declared shape");
      d->failed = true;
    }
  } else {
    d->shape = d->init->shape;
  }
  if (!d->failed && d->shape.sparse) check_sparse_decl(S, d);
  if (!d->failed && d->shape.rank == 3) {
    if (d->kind != DECL_DATA) {
      Span at = d->type ? d->type->span : d->init->span;
      diag_error(S->diag, at, "%s cannot be a tensor", sema_decl_what(d));
      diag_hint(S->diag, "only data may have rank 3; variables are scalars, vectors or matrices");
      d->failed = true;
    } else {
      d->tensor = d->shape; /* the IR holds it as its storage: task t is row t */
      d->shape = shape_storage(d->shape);
    }
  }
  if (!d->failed && !d->shape.sparse && shape_size(d->shape) > SEMA_MAX_SIZE) {
    char buf[64]; /* as a declared type says it (dense(X) of a sparse X said no more) */
    diag_error(S->diag, d->name_span, "%s is %s, too large (more than 2^40 elements)",
               sema_decl_what(d), shape_str(d->shape, buf));
    d->failed = true;
  }
  if (d->con && (d->kind == DECL_LOWER || !d->failed)) check_constraint(S, d);
  if (d->kind == DECL_DATA) replace_data_file(S, d);
  PtrVec *list = d->kind == DECL_DATA ? &S->data : d->kind == DECL_UPPER ? &S->upper : &S->lower;
  d->index = (int)list->len;
  ptrvec_push(S->arena, list, d);
  if (d->kind == DECL_LOWER && !d->failed && d->init->depends_x) S->prog->init_uses_x = true;
}

static void check_objective(Sema *S, AstDecl *d) {
  bool upper = d->kind == DECL_UPPER_OBJ;
  AstDecl **slot = upper ? &S->upper_obj : &S->lower_obj;
  if (*slot) {
    diag_error(S->diag, d->span, "a second %s objective '%s'", upper ? "upper" : "lower", d->name);
    diag_note(S->diag, (*slot)->span, "the %s objective is '%s', declared here",
              upper ? "upper" : "lower", (*slot)->name);
    diag_hint(S->diag, "a problem has exactly one upper and one lower objective: add the terms");
  } else {
    *slot = d;
  }
  ECtx c = {.kind = upper ? CTX_UPPER_OBJ : CTX_LOWER_OBJ, .decl = d, .whole = d->init};
  if (!sema_check(S, &c, d->init)) {
    d->failed = true;
    return;
  }
  d->shape = d->init->shape;
  if (d->shape.rank != 0) {
    char buf[64];
    diag_error(S->diag, d->init->span, "%s must be a scalar, got %s", sema_decl_what(d),
               shape_str(d->shape, buf));
    diag_hint(S->diag, "reduce it, e.g. with sum(...), mean(...) or sumsq(...)");
    d->failed = true;
  }
}

/* The trace's columns (runtime/rt_output.c, rt_trace_column) and the result's scalar fields
 * (api/api_solve.c, fill_fields: what bloc_result_get and Python's Result know), but the
 * oracle counts, which are every name calls_KIND and diag_calls_KIND; and the columns of bloc
 * compare's CSV and summary (method ... phi_note; a report `method` broke its plots and gave
 * the summary two columns of one name). A report so named would be hidden there:
 * bloc_result_get finds the run's own first, the trace CSV has two columns of that name.
 * test_api.c checks this list against the library's. */
static const char *const run_output_names[] = {"step",
                                               "time",
                                               "f",
                                               "g",
                                               "grad_y_g_norm",
                                               "hypergrad_norm",
                                               "residual",
                                               "ritz_min",
                                               "ritz_max",
                                               "steps",
                                               "seed",
                                               "best_step",
                                               "best_f",
                                               "best_g",
                                               "best_grad_y_g_norm",
                                               "best_hypergrad_norm",
                                               "warnings",
                                               "recoveries",
                                               "signal",
                                               "t_setup",
                                               "t_solve",
                                               "t_diag",
                                               "t_output",
                                               "t_total",
                                               "t_data",
                                               "t_compile",
                                               "method",
                                               "status",
                                               "stop",
                                               "phi",
                                               "grad_phi_norm",
                                               "grad_phi_projected",
                                               "phi_note"};

static bool run_output_name(const char *name) {
  if (strncmp(name, "calls_", 6) == 0 || strncmp(name, "diag_calls_", 11) == 0) return true;
  for (size_t i = 0; i < sizeof run_output_names / sizeof run_output_names[0]; i++)
    if (strcmp(name, run_output_names[i]) == 0) return true;
  return false;
}

static void check_report(Sema *S, AstDecl *d) {
  ECtx c = {.kind = CTX_REPORT, .decl = d, .whole = d->init};
  if (run_output_name(d->name)) {
    diag_error(S->diag, d->name_span,
               "report '%s' has the name of a column of the trace or of bloc compare's tables, "
               "or of a field of the result, which would hide it",
               d->name);
    diag_hint(S->diag, "choose another name");
    d->failed = true;
  }
  d->index = (int)S->reports.len;
  ptrvec_push(S->arena, &S->reports, d);
  if (!sema_check(S, &c, d->init)) {
    d->failed = true;
    return;
  }
  d->shape = d->init->shape;
  if (d->shape.rank != 0) {
    char buf[64];
    diag_error(S->diag, d->init->span, "report '%s' must be a scalar, got %s", d->name,
               shape_str(d->shape, buf));
    diag_hint(S->diag, "reduce it, e.g. with sum(...), mean(...) or norm(...)");
    d->failed = true;
  }
}

static void check_sample(Sema *S, AstDecl *d) {
  ECtx c = {.kind = CTX_CONST, .decl = d};
  bool okk =
      sema_check(S, &c, d->batch) && sema_dim(S, &c, d->batch, "the batch size", &d->batch_k);
  bool okn = sema_check(S, &c, d->population) &&
             sema_dim(S, &c, d->population, "the population", &d->population_n);
  d->index = (int)S->samples.len;
  ptrvec_push(S->arena, &S->samples, d);
  if (!okk || !okn) {
    d->failed = true;
    return;
  }
  if (d->batch_k > d->population_n) {
    diag_error(S->diag, d->batch->span, "the batch size %lld is larger than the population %lld",
               (long long)d->batch_k, (long long)d->population_n);
    d->failed = true;
    return;
  }
  d->batch_drawn = d->batch_k;
  if (S->full_population) d->batch_k = d->population_n; /* the full variant: no draws */
  d->shape = shape_vector(d->batch_k);
}

/* ------------------------------------------------------------------ solve */

/* A number literal's source text in buf (false for other expressions, or one too long): an
 * option given as a literal is checked as written (rt_options_set), so an integer option past
 * 2^53, where the double rounds it (seed = 9007199254740993), is refused quoting what the
 * user wrote, as --set quotes it. */
static bool literal_text(Sema *S, const AstExpr *v, char *buf, size_t size) {
  const SrcFile *f = v->kind == AST_NUM ? diag_file(S->diag, v->span.file) : NULL;
  size_t n = f ? v->span.end - v->span.start : 0;
  if (!f || n == 0 || n >= size || v->span.end > f->len) return false;
  memcpy(buf, f->text + v->span.start, n);
  buf[n] = '\0';
  return true;
}

static void check_solve(Sema *S, AstDecl *d) {
  if (S->solve) {
    diag_error(S->diag, d->span, "a second 'solve' declaration");
    diag_note(S->diag, S->solve->span, "the first one is here");
    return;
  }
  S->solve = d;
  Program *p = S->prog;
  const RtMethodSpec *m = rt_method_find(d->name);
  if (!m) {
    diag_error(S->diag, d->name_span, "unknown method '%s'", d->name);
    const char *s = rt_method_near(d->name);
    if (s) diag_hint(S->diag, "did you mean '%s'?", s);
    diag_hint(S->diag, "methods: %s", rt_method_names());
  } else {
    p->method = m->name;
    p->method_span = d->name_span;
  }
  RtOptions o;
  if (m) rt_options_init(&o, m);
  p->opts = ARENA_ARRAY(S->arena, SemaOption, (size_t)d->nopts + 1);
  p->nopts = 0;
  for (int i = 0; i < d->nopts; i++) {
    AstOption *op = &d->opts[i];
    Span span = span_join(op->key_span, op->value->span);
    bool dup = false;
    for (int j = 0; j < i; j++)
      if (strcmp(d->opts[j].key, op->key) == 0) {
        diag_error(S->diag, op->key_span, "option '%s' is given twice", op->key);
        diag_note(S->diag, d->opts[j].key_span, "first given here");
        dup = true;
        break;
      }
    if (dup) continue;
    SemaOption so = {.key = op->key, .span = span};
    AstExpr *v = op->value;
    AstDecl *named = v->kind == AST_IDENT ? sema_sym_get(&S->syms, v->str) : NULL;
    if (v->kind == AST_STR || (v->kind == AST_IDENT && (!named || named->kind != DECL_CONST))) {
      so.is_word = true; /* a bare word such as `adaptive`, unless it names a const */
      so.word = v->str;
      so.num = NAN;
      v->checked = true;
      v->shape = shape_scalar();
    } else {
      ECtx c = {.kind = CTX_CONST, .decl = d};
      char what[160];
      snprintf(what, sizeof what, "the value of option '%s'", op->key);
      if (!sema_check(S, &c, v) || !sema_need_const(S, &c, v, what)) continue;
      so.num = v->const_val;
    }
    if (!m) continue;
    char lit[64];
    const char *msg = so.is_word ? rt_options_set_word(&o, op->key, so.word)
                      : literal_text(S, v, lit, sizeof lit)
                          ? rt_options_set(&o, op->key, lit)
                          : rt_options_set_num(&o, op->key, so.num);
    if (msg) {
      bool unknown = !rt_method_option(m, op->key);
      bool about_key = unknown || rt_method_unused_option(m, op->key);
      diag_error(S->diag, about_key ? op->key_span : span, "%s", msg);
      char hint[160];
      if (unknown && rt_method_option_hint(m, op->key, hint, sizeof hint))
        diag_hint(S->diag, "%s", hint);
      continue;
    }
    p->opts[p->nopts++] = so;
  }
  /* the rules between options (rt_options_check: m0 <= m_max, an alias pair, soba's
   * inner_steps, tol with a random estimate) are checked where the options are resolved
   * (opt_check_rules_to, at these options' locations): a setting (--set, the API's options,
   * another method) may mend what the solve line breaks, which a refusal here did not let it */
}

/* ------------------------------------------------------------------ dispatch */

void sema_check_decl(Sema *S, AstDecl *d) {
  switch (d->kind) {
  case DECL_PROBLEM:
    if (S->problem) {
      diag_error(S->diag, d->span, "a second 'problem' declaration");
      diag_note(S->diag, S->problem->span, "the problem is named here");
    } else {
      S->problem = d;
      S->prog->name = d->name;
    }
    return;
  case DECL_IMPORT:
    return; /* loaded before checking */
  case DECL_CONST:
    check_const(S, d);
    break;
  case DECL_DATA: case DECL_UPPER: case DECL_LOWER:
    check_tensor(S, d);
    break;
  case DECL_UPPER_OBJ: case DECL_LOWER_OBJ:
    check_objective(S, d);
    break;
  case DECL_FN:
    d->failed = !sema_resolve_fn(S, d);
    d->index = (int)S->fns.len;
    ptrvec_push(S->arena, &S->fns, d);
    break;
  case DECL_REPORT:
    check_report(S, d);
    break;
  case DECL_SAMPLE:
    check_sample(S, d);
    break;
  case DECL_SOLVE:
    check_solve(S, d);
    return;
  }
  /* declared after its own initialiser: `const n = n + 1` is "used in its own declaration" */
  sema_declare(S, d);
}

/* Places the declarations of v one after another from offset 0 (the variables in x or y, the
 * sample sets' indices in the sample buffer), each taking its size: a variable its elements,
 * a sample set its batch; returns the total. */
static int64_t lay_out(const PtrVec *v) {
  int64_t off = 0;
  for (size_t i = 0; i < v->len; i++) {
    AstDecl *d = v->items[i];
    d->offset = off;
    off += d->kind != DECL_SAMPLE ? shape_size(d->shape) : sema_sample_whole(d) ? 0 : d->batch_k;
  }
  return off;
}

/* How an objective reads one lower variable: only at rows sample sets draw (V[k, :], V[B]; a
 * set is only ever the first subscript), by the sets in `sets`; `other` once it is read any
 * other way (whole, a fixed row, a set that draws its whole population). */
typedef struct RowReads {
  const AstDecl *var;
  const AstDecl *sets[8];
  int nsets;
  bool other;
  const AstExpr *first; /* the first drawn read, where the warning points */
} RowReads;

static void drawn_reads(const AstExpr *e, RowReads *r) {
  if (!e || r->other) return;
  if (e->kind == AST_CALL && e->inlined) { /* a fn call: its body, the arguments put in it */
    drawn_reads(e->inlined, r);
    return;
  }
  if (e->kind == AST_IDENT) {
    if (e->ref == r->var) r->other = true;
    return;
  }
  if (e->kind == AST_INDEX && e->args[0]->kind == AST_IDENT && e->args[0]->ref == r->var) {
    const AstDecl *set = e->subs && e->subs[0].kind == SUB_SAMPLE ? e->subs[0].sample : NULL;
    if (!set || sema_sample_whole(set)) {
      r->other = true;
      return;
    }
    if (!r->first) r->first = e;
    int j = 0;
    while (j < r->nsets && r->sets[j] != set) j++;
    if (j == r->nsets) {
      if (r->nsets == (int)(sizeof r->sets / sizeof r->sets[0])) {
        r->other = true; /* more sets than counted: said nothing about */
        return;
      }
      r->sets[r->nsets++] = set;
    }
    for (int i = 1; i < e->nargs; i++) drawn_reads(e->args[i], r); /* the subscripts */
    return;
  }
  for (int i = 0; i < e->nargs; i++) drawn_reads(e->args[i], r);
}

/* A lower variable that g reads only through rows drawn by sample sets, fewer rows a draw than
 * it has (`sample k : batch(1) of K`, `lower W : matrix[K, d]`, g of W[k, :]: a task or a
 * fold per row, drawn): one draw's g is flat in the other rows, so its Hessian in y is
 * singular, and the methods built on it (the implicit ones) solve a system that has no
 * unique solution for a draw, each row of y and of their v moving only when drawn. A
 * new-user pass's 5-fold cross-validation ended silently at a wrong lambda under amigo_gd
 * and stocbio (doc/language.md §7). Only a warning: the unrolled methods adapt the drawn row
 * from y0 by their inner steps, a per-task problem that is well posed. */
static void check_drawn_rows(Sema *S, const AstDecl *g) {
  Program *p = S->prog;
  for (size_t i = 0; i < S->lower.len; i++) {
    RowReads r = {.var = S->lower.items[i]};
    drawn_reads(g->init, &r);
    if (r.other || !r.first || r.var->shape.rank == 0) continue;
    int64_t rows = r.var->shape.rows, drawn = 0;
    for (int j = 0; j < r.nsets; j++) drawn += r.sets[j]->batch_k;
    if (drawn >= rows) continue;
    const AstDecl *set = r.sets[0];
    char sets[160] = "";
    for (int j = 0; j < r.nsets; j++) {
      size_t len = strlen(sets);
      snprintf(sets + len, sizeof sets - len, "%s'%s' (batch(%lld) of %lld)", j ? ", " : "",
               r.sets[j]->name, (long long)r.sets[j]->batch_k, (long long)r.sets[j]->population_n);
    }
    diag_warning(S->diag, r.first->span,
                 "lower variable '%s' is read by the lower objective only at the rows that "
                 "sample set%s %s draw%s: one draw's g is flat in its other %s%lld rows, so its "
                 "Hessian in y is singular, and the methods built on that Hessian (the implicit "
                 "ones) do not solve for each row, which moves only when drawn: they end at a "
                 "wrong x",
                 r.var->name, r.nsets > 1 ? "s" : "", sets, r.nsets > 1 ? "" : "s",
                 r.nsets > 1 ? "at least " : "", (long long)(rows - drawn));
    diag_hint(S->diag,
              "write the tasks out without sampling: g and f the mean of the %lld tasks' "
              "objectives, each on its own row of '%s' (K-fold cross-validation: masks from "
              "data fold = mod(arange(n), K); doc/language.md §7), or one lower variable per "
              "task; bloc check's suits line lists the methods not built on the Hessian",
              (long long)rows, r.var->name);
    if (!p->drawn_var) {
      p->drawn_var = r.var->name;
      p->drawn_set = set->name;
    }
  }
}

/* Whether e mentions declaration d (after inlining: a fn's argument its body drops is no use). */
static bool mentions_decl(const AstExpr *e, const AstDecl *d) {
  if (!e) return false;
  if (e->kind == AST_IDENT) return e->ref == d;
  if (e->kind == AST_CALL && e->inlined) return mentions_decl(e->inlined, d);
  for (int i = 0; i < e->nargs; i++)
    if (mentions_decl(e->args[i], d)) return true;
  return false;
}

/* Marks in `read` (one byte an element of var, row-major) the elements e reads: a subscript
 * of constant indices and ranges (V[0], V[1:3, :]) its box, any other read (V whole, a sample
 * set's or a computed index) every element; returns false once every element is read. */
static bool mark_reads(const AstExpr *e, const AstDecl *var, uint8_t *read) {
  if (!e) return true;
  int64_t n = shape_size(var->shape), cols = var->shape.rank == 2 ? var->shape.cols : 1;
  if (e->kind == AST_CALL && e->inlined) return mark_reads(e->inlined, var, read);
  if (e->kind == AST_IDENT) {
    if (e->ref != var) return true;
    memset(read, 1, (size_t)n);
    return false;
  }
  if (e->kind == AST_INDEX && e->args[0]->kind == AST_IDENT && e->args[0]->ref == var) {
    int rank = var->shape.rank;
    bool box = e->subs && rank >= 1 && rank <= 2 && e->nargs - 1 == rank;
    int64_t lo[2] = {0, 0}, hi[2] = {1, 1};
    for (int i = 0; box && i < rank; i++) {
      const AstSub *sub = &e->subs[i];
      box = sub->kind == SUB_INDEX || sub->kind == SUB_RANGE;
      lo[i] = sub->lo;
      hi[i] = sub->kind == SUB_INDEX ? sub->lo + 1 : sub->hi;
    }
    if (!box) {
      memset(read, 1, (size_t)n);
      return false;
    }
    for (int64_t i = lo[0]; i < hi[0]; i++)
      for (int64_t j = lo[1]; j < hi[1]; j++)
        if (i * cols + j < n) read[i * cols + j] = 1;
    for (int i = 1; i < e->nargs; i++) /* the subscripts' own expressions */
      if (!mark_reads(e->args[i], var, read)) return false;
    return true;
  }
  for (int i = 0; i < e->nargs; i++)
    if (!mark_reads(e->args[i], var, read)) return false;
  return true;
}

/* A lower variable g reads none or only some elements of (new-user pass Q, session 51: `lower
 * q` read only by f drew no word, and the run's singular-Hessian warnings guessed "an exp that
 * underflows?"): g is flat along the unread elements, so it cannot determine them: every value
 * minimises g, the lower Hessian is singular there, and they keep their initial values, which
 * f then sees. A variable neither objective reads is check_unused_vars's. Only constant
 * subscripts are told apart (V[0, :]); any other read counts as reading every element. */
static void check_unread_by_g(Sema *S, const AstDecl *f, const AstDecl *g, const AstDecl *d) {
  int64_t n = shape_size(d->shape);
  if (!mentions_decl(g->init, d)) {
    diag_warning(S->diag, d->name_span,
                 "lower variable '%s' is not read by the lower objective '%s': g cannot "
                 "determine it (every value of it minimises g, the lower Hessian is singular "
                 "along it), so no method moves it from its initial value, and '%s' sees that "
                 "value",
                 d->name, g->name, f->name);
    diag_hint(S->diag, "make '%s' depend on '%s', or declare '%s' an upper variable (chosen "
              "by the upper level) or data", g->name, d->name, d->name);
    return;
  }
  if (d->shape.rank == 0 || d->shape.rank > 2 || n > ((int64_t)1 << 24)) return;
  uint8_t *read = calloc((size_t)n, 1);
  if (!read) return;
  if (mark_reads(g->init, d, read)) {
    int64_t unread = 0, first = -1;
    for (int64_t i = 0; i < n; i++)
      if (!read[i]) {
        if (first < 0) first = i;
        unread++;
      }
    if (unread > 0) {
      bool many = unread > 1;
      const char *it = many ? "them" : "it";
      char at[64];
      if (d->shape.rank == 2)
        snprintf(at, sizeof at, "%s[%lld, %lld]", d->name, (long long)(first / d->shape.cols),
                 (long long)(first % d->shape.cols));
      else
        snprintf(at, sizeof at, "%s[%lld]", d->name, (long long)first);
      diag_warning(S->diag, d->name_span,
                   "the lower objective '%s' reads only some elements of lower variable '%s': "
                   "%lld of its %lld elements (%s%s) %s not read by g, which cannot determine "
                   "%s (every value of %s minimises g, the lower Hessian is singular along %s), "
                   "so no method moves %s from %s initial value%s",
                   g->name, d->name, (long long)unread, (long long)n, at,
                   many ? " the first" : "", many ? "are" : "is", it, it, it, it,
                   many ? "their" : "its", many ? "s" : "");
      diag_hint(S->diag, "make '%s' depend on every element of '%s', or declare the elements "
                "it does not read as their own upper variable or data", g->name, d->name);
    }
  }
  free(read);
}

/* A variable neither objective reads (new-user pass O, session 51: `upper junk : scalar = 0.5`
 * drew no word, where an unused sample set did): phi does not depend on an upper one, so no
 * method moves it and its Hessian of phi is singular; g has every value of a lower one for a
 * minimiser, so the lower Hessian is singular. An upper variable a lower initialiser reads
 * (y0 = Phi(x), MAML) is used: the unrolled methods differentiate it. */
static void check_unused_vars(Sema *S, const AstDecl *f, const AstDecl *g) {
  /* five warnings of a kind, then one for the rest: 70,000 generated upper declarations each
   * warned, and the run spent 14 s comparing the warnings' texts (tests/e2e/many_decls.sh) */
  enum { SAID_MAX = 5 };
  for (int k = 0; k < 2; k++) {
    const PtrVec *vars = k == 0 ? &S->upper : &S->lower;
    int said = 0;
    size_t more = 0;
    const AstDecl *first_more = NULL;
    for (size_t i = 0; i < vars->len; i++) {
      const AstDecl *d = vars->items[i];
      if (k == 1 && (mentions_decl(f->init, d) || mentions_decl(g->init, d))) {
        check_unread_by_g(S, f, g, d);
        continue;
      }
      if (mentions_decl(f->init, d) || mentions_decl(g->init, d)) continue;
      bool init = false;
      for (size_t j = 0; k == 0 && j < S->lower.len; j++)
        if (mentions_decl(((const AstDecl *)S->lower.items[j])->init, d)) init = true;
      if (init) continue;
      if (said == SAID_MAX) {
        if (!more++) first_more = d;
        continue;
      }
      said++;
      if (k == 0) {
        diag_warning(S->diag, d->name_span,
                     "upper variable '%s' is not used: neither objective reads it, so phi does "
                     "not depend on it and no method moves it from its initial value",
                     d->name);
        diag_hint(S->diag, "remove the declaration, or use it in f or g");
      } else {
        diag_warning(S->diag, d->name_span,
                     "lower variable '%s' is not used: neither objective reads it, so every "
                     "value of it minimises g (the lower Hessian is singular along it) and no "
                     "method moves it from its initial value",
                     d->name);
        diag_hint(S->diag, "remove the declaration, or use it in g");
      }
    }
    if (more)
      diag_warning(S->diag, first_more->name_span,
                   "%zu more %s variables, from '%s' on, are not used either: neither objective "
                   "reads them",
                   more, k == 0 ? "upper" : "lower", first_more->name);
  }
}

void sema_check_program(Sema *S) {
  Program *p = S->prog;
  const SrcFile *main = diag_file(S->diag, p->ast->file);
  const char *path = main ? main->path : "program";
  if (!S->upper_obj) {
    diag_error(S->diag, SPAN_NONE, "%s: no upper objective", path);
    diag_hint(S->diag, "declare one: upper objective f = ...");
  }
  if (!S->lower_obj) {
    diag_error(S->diag, SPAN_NONE, "%s: no lower objective", path);
    diag_hint(S->diag, "declare one: lower objective g = ...");
  }
  if (S->upper.len == 0) {
    diag_error(S->diag, SPAN_NONE, "%s: no upper variable", path);
    diag_hint(S->diag, "declare one: upper x : vector[n] = 0");
  }
  if (S->lower.len == 0) {
    diag_error(S->diag, SPAN_NONE, "%s: no lower variable", path);
    diag_hint(S->diag, "declare one: lower y : vector[n] = 0");
  }
  AstDecl *g = S->lower_obj, *f = S->upper_obj;
  if (g && !g->failed && S->lower.len && !g->init->depends_y) {
    diag_error(S->diag, g->init->span, "lower objective '%s' does not depend on any lower variable",
               g->name);
    diag_hint(S->diag, "the lower level minimises g over the lower variables: g must use them");
  }
  if (f && !f->failed && S->lower.len && !f->init->depends_y)
    diag_warning(S->diag, f->init->span,
                 "upper objective '%s' does not depend on any lower variable", f->name);
  /* f = mean(tv * (Xv @ w) < 0), a validation error count: a step, whose derivatives are 0
   * wherever they exist, so every method's estimate was 0 and x stayed at x0, status 0 */
  const AstExpr *fe = f && !f->failed ? f->init : NULL;
  static const char surrogate[] = "minimise a smooth surrogate (a logistic or squared loss for "
                                  "an error count, sigmoid(s / t) for s > 0 with a small t) and "
                                  "compute the count in a report";
  if (fe && (fe->depends_x || fe->depends_y) && !fe->slope_x && !fe->slope_y) {
    diag_error(S->diag, fe->span,
               "upper objective '%s' depends on the variables only through comparisons: its "
               "derivatives are 0 wherever they exist, so no method can move x",
               f->name);
    diag_hint(S->diag, "%s", surrogate);
  } else if (fe && fe->depends_y && !fe->slope_y) {
    diag_warning(S->diag, fe->span,
                 "upper objective '%s' depends on the lower variables only through "
                 "comparisons: the hypergradient gets nothing from them, it is grad_x f alone",
                 f->name);
    diag_hint(S->diag, "%s", surrogate);
  }
  p->f = f;
  p->g = g;
  p->stochastic =
      (f && !f->failed && f->init->uses_sample) || (g && !g->failed && g->init->uses_sample);
  p->samples_used = p->stochastic;
  for (size_t i = 0; i < S->reports.len; i++) {
    const AstDecl *r = S->reports.items[i];
    if (!r->failed && r->init && r->init->uses_sample) p->samples_used = true;
  }
  /* a sample set nothing reads made the runtime treat the problem as sampled: tol refused with
   * "the problem samples its data", diagnostics averaged over draws of nothing */
  bool clean = diag_error_count(S->diag) == 0; /* else the expressions using them may have failed */
  for (size_t i = 0; clean && !p->samples_used && i < S->samples.len; i++) {
    const AstDecl *d = S->samples.items[i];
    if (d->used && sema_sample_whole(d)) continue; /* read whole, in order: no draw to use */
    diag_warning(S->diag, d->name_span,
                 "sample set '%s' is not used: neither objective nor any report reads its rows",
                 d->name);
    diag_hint(S->diag,
              "the problem is deterministic; remove the declaration, or index data with "
              "it (X[%s, :]) to sample",
              d->name);
  }
  if (clean && p->stochastic && g && !g->failed) check_drawn_rows(S, g);
  if (clean && f && g && !f->failed && !g->failed) check_unused_vars(S, f, g);
  /* the solve line's tol on a sampled problem is refused where the options are resolved
   * (opt_check_tol_sampled, at its location): a setting tol=0 (--set, the API's options) may
   * switch it off, which a refusal here, before the settings are known, did not let it */
  for (int i = 0; i < S->ndefs; i++) {
    if (S->def_used[i]) continue;
    bool later = false; /* the same name given twice: only the unused copy would complain */
    for (int j = 0; j < S->ndefs; j++)
      if (j != i && S->def_used[j] && strcmp(S->defs[j].name, S->defs[i].name) == 0) later = true;
    if (later) continue;
    diag_error(S->diag, SPAN_NONE, "%s %s: '%s' declares no const named '%s'", S->defs_given,
               S->defs[i].name, path, S->defs[i].name);
    const char *s = sema_suggest(S, S->defs[i].name, 1u << DECL_CONST, false);
    if (s) diag_hint(S->diag, "did you mean '%s'?", s);
  }
  for (int i = 0; i < S->nfiles; i++) {
    bool later = false; /* named again: one message */
    for (int j = i + 1; j < S->nfiles; j++) later |= !strcmp(S->files[j].name, S->files[i].name);
    if (S->file_used[i] || later) continue;
    const AstDecl *other = sema_sym_get(&S->all, S->files[i].name);
    char what[64] = "";
    if (other)
      snprintf(what, sizeof what, " (it declares %s '%s')", ast_decl_kind_str(other->kind),
               other->name);
    diag_error(S->diag, SPAN_NONE, "--data %s=%s: '%s' declares no data named '%s'%s",
               S->files[i].name, S->files[i].path, path, S->files[i].name, what);
    const char *s = NULL; /* the name in another case first (--data t=... of data T) */
    for (size_t j = 0; j < S->data.len && !s; j++) {
      const AstDecl *dj = S->data.items[j];
      if (strcasecmp(dj->name, S->files[i].name) == 0) s = dj->name;
    }
    if (!s) s = sema_suggest(S, S->files[i].name, 1u << DECL_DATA, false);
    if (other && other->kind == DECL_CONST)
      diag_hint(S->diag, "-D %s=VALUE sets a const", S->files[i].name);
    else if (s) diag_hint(S->diag, "did you mean '%s'?", s);
  }

  /* offsets and the program's lists */
  p->nx = lay_out(&S->upper);
  p->ny = lay_out(&S->lower);
  p->sample_total = lay_out(&S->samples);
  sema_check_memory(S);
#define LIST(field, n, vec)                                              \
  p->field = ARENA_ARRAY(S->arena, AstDecl *, (vec).len + 1);           \
  for (size_t i = 0; i < (vec).len; i++) p->field[i] = (vec).items[i];  \
  p->n = (int)(vec).len;
  LIST(consts, nconsts, S->consts)
  LIST(data, ndata, S->data)
  LIST(upper, nupper, S->upper)
  LIST(lower, nlower, S->lower)
  LIST(samples, nsamples, S->samples)
  LIST(reports, nreports, S->reports)
  LIST(fns, nfns, S->fns)
#undef LIST
}
