/* sema_summary.c — `bloc check`'s summary of a checked program: one line per fact, in a fixed
 * order, so golden tests can pin it (the format is documented in doc/language.md §9). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rt_fmt.h"
#include "rt_methods.h"
#include "front/sema_int.h"

/* An objective that uses x only in comparisons (g = ... + where(x > 1, 1, 2) * sum(y)) is a
 * step in x: its derivatives in x are 0 wherever they exist, so a method's estimate gets
 * nothing from it, as if it did not use x (AstExpr.slope_x). */
unsigned sema_x_uses(const Program *p) {
  if (!p->f || !p->g) return RT_X_F | RT_X_G | RT_X_INIT; /* nothing to refuse on */
  return (p->f->init->slope_x ? RT_X_F : 0u) | (p->g->init->slope_x ? RT_X_G : 0u) |
         (p->init_uses_x ? RT_X_INIT : 0u);
}

unsigned sema_x_steps(const Program *p) {
  if (!p->f || !p->g) return 0;
  return (p->f->init->depends_x && !p->f->init->slope_x ? RT_X_F : 0u) |
         (p->g->init->depends_x && !p->g->init->slope_x ? RT_X_G : 0u);
}

const char *sema_x_parts(unsigned bits, bool words, const char *conj, char *buf, size_t n) {
  typedef struct {
    unsigned bit;
    const char *sym, *words;
  } Part;
  static const Part parts[] = {
      {RT_X_F, "f", "the upper objective"},
      {RT_X_G, "g", "the lower objective"},
      {RT_X_INIT, "y0", "a lower initialiser"},
  };
  int total = 0, k = 0;
  for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) total += (bits & parts[i].bit) != 0;
  char last[16];
  snprintf(last, sizeof last, " %s ", conj);
  buf[0] = '\0';
  for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
    if (!(bits & parts[i].bit)) continue;
    size_t len = strlen(buf);
    snprintf(buf + len, n - len, "%s%s", rt_list_sep(k++, total, last),
             words ? parts[i].words : parts[i].sym);
  }
  return buf;
}

/* "suits: METHODS (REASONS)": the methods of the catalogue this program suits, from four
 * facts about it (doc/language.md §9). A lower objective not twice differentiable in y (abs,
 * relu, max, min, clip of y, a comparison or where() condition on y) leaves the methods that
 * need only gradients of g: the unrolled ones and those without the option allow_nonsmooth
 * (f2sa), as `run` decides
 * (api/opt_resolve.c: opt_check_suits; the others refuse it without allow_nonsmooth); a
 * method that solves densely in y (exact) needs ny <= its max_ny, and on a stochastic problem
 * its Newton solve would be of one draw's lower level; a method needs x in one of the parts
 * its estimate takes x from (RtMethodSpec.x_via: fom's are f and y0, an implicit method's f
 * and g); a lower variable g reads only at the rows a sample set draws (W[k, :]) leaves the
 * unrolled methods and those that need only gradients of g, as a kink does. */
static void print_suits(const Program *p, FILE *out) {
  const char *sep = "";
  char nb[32];
  int64_t max_ny = -1; /* the smallest default max_ny of a dense method */
  const char *dense = NULL;
  unsigned uses = sema_x_uses(p), blind = 0; /* the parts the methods left out follow x in */
  char blind_names[256] = "";
  int nblind = 0;
  fputs("suits: ", out);
  for (int i = 0; i < rt_nmethods; i++) {
    const RtMethodSpec *m = &rt_methods[i];
    int64_t lim = INT64_MAX;
    if (m->needs_small_y) {
      const RtOptSpec *o = rt_method_option(m, "max_ny");
      lim = o ? (int64_t)o->def : 0;
      if (!dense || lim < max_ny) max_ny = lim;
      if (!dense) dense = m->name;
    }
    if (!(m->x_via & uses)) { /* named with this reason alone, whatever else rules it out */
      size_t len = strlen(blind_names);
      snprintf(blind_names + len, sizeof blind_names - len, "%s%s", nblind++ ? ", " : "", m->name);
      blind |= m->x_via;
      continue;
    }
    if (m->needs_small_y && (p->ny > lim || p->stochastic)) continue;
    bool hessian = !m->unrolled && rt_method_option(m, "allow_nonsmooth"); /* of g, in y */
    if ((p->nonsmooth_op || p->drawn_var) && hessian) continue;
    fprintf(out, "%s%s", sep, m->name);
    sep = ", ";
  }
  if (!*sep) fputs("none", out);
  if (p->stochastic)
    fprintf(out, " (stochastic%s%s%s; ", dense ? ": " : "", dense ? dense : "",
            dense ? " would solve one draw's lower level" : "");
  else
    fputs(" (deterministic; ", out);
  if (p->nonsmooth_op)
    fprintf(out, "g not twice differentiable in y (%s): the others need allow_nonsmooth = true",
            p->nonsmooth_op);
  else if (p->c1_op) /* relu(y) ^ 2: its second derivative jumps, not refused */
    fprintf(out, "g once continuously differentiable in y ('%s' squared)", p->c1_op);
  else
    fputs("g twice differentiable in y", out);
  if (p->drawn_var) /* check_drawn_rows (sema_decls.c) */
    fprintf(out,
            "; g reads '%s' only at the rows '%s' draws: one draw's Hessian in y is "
            "singular, and the methods built on it are left out",
            p->drawn_var, p->drawn_set);
  if (dense) {
    fprintf(out, "; ny %lld %s %s", (long long)p->ny, p->ny <= max_ny ? "<=" : ">",
            sema_num_str((double)max_ny, nb));
    if (p->ny <= max_ny) fprintf(out, " for %s", dense);
    else fprintf(out, ": %s needs max_ny >= %lld", dense, (long long)p->ny);
  }
  if (blind) {
    char parts[64];
    bool all = nblind == rt_nmethods;
    fprintf(out, "; %s do not use x%s: %s %s move it",
            sema_x_parts(blind, false, "and", parts, sizeof parts),
            blind & sema_x_steps(p) ? " (or only in comparisons)" : "",
            all ? "no method" : blind_names, all ? "can" : "cannot");
  }
  fputs(")\n", out);
}

/* The source text of a span with every run of whitespace (and comments) shown as one space. */
static void print_source(const Program *p, Span s, FILE *out) {
  const SrcFile *f = diag_file(p->diag, s.file);
  if (!f || s.end > f->len) return;
  bool space = false;
  for (uint32_t i = s.start; i < s.end; i++) {
    char ch = f->text[i];
    if (ch == '"') { /* a string is printed as written, '#' and spaces included (escaped as
                      * diagnostics echo it: a control in it would reach the terminal) */
      if (space) fputc(' ', out);
      space = false;
      uint32_t j = i + 1;
      while (j < s.end && f->text[j] != '"' && f->text[j] != '\n')
        j += f->text[j] == '\\' && j + 1 < s.end ? 2 : 1;
      if (j > s.end) j = s.end;
      bool closed = j < s.end && f->text[j] == '"';
      diag_put_escaped(out, f->text + i, j - i + (closed ? 1 : 0));
      i = j;
      continue;
    }
    if (ch == '#') {
      while (i < s.end && f->text[i] != '\n') i++;
      space = true;
      continue;
    }
    if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v') {
      space = true;
      continue;
    }
    if (space) fputc(' ', out);
    space = false;
    fputc(ch, out);
  }
}

static void print_depends(const AstExpr *e, FILE *out) {
  if (e->depends_x && e->depends_y) fputs("depends on x, y", out);
  else if (e->depends_x) fputs("depends on x", out);
  else if (e->depends_y) fputs("depends on y", out);
  else fputs("depends on no variable", out);
  if (e->uses_sample) fputs(", sampled", out);
}

static const char *load_name(const AstExpr *e) {
  if (e->kind != AST_CALL) return NULL;
  switch (e->builtin) {
  case BI_LOAD_CSV: case BI_LOAD_IDX: case BI_LOAD_LIBSVM: case BI_LOAD_NPY:
  case BI_LOAD_LIBSVM_LABELS: case BI_LOAD_MTX: return e->str;
  default: return NULL;
  }
}

/* " in [lo, hi]" / " in simplex", bounds as numbers or data names (the shorthand >= / <= shown
 * as the box it is). */
static void print_constraint(const AstConstraint *k, FILE *out) {
  if (k->kind == CON_SIMPLEX) {
    fputs(" in simplex", out);
    return;
  }
  char a[32], b[32];
  fprintf(out, " in [%s, %s]", k->lo_data ? k->lo_data->name : sema_num_str(k->lo_val, a),
          k->hi_data ? k->hi_data->name : sema_num_str(k->hi_val, b));
}

static void print_tensor(const Program *p, const AstDecl *d, const char *kind, FILE *out) {
  char buf[64];
  Shape s = d->tensor.rank == 3 ? d->tensor : d->shape;
  fprintf(out, "%s %s: %s", kind, d->name, shape_str(s, buf));
  if (d->kind == DECL_UPPER || d->kind == DECL_LOWER)
    fprintf(out, " at %c[%lld:%lld]", d->kind == DECL_UPPER ? 'x' : 'y', (long long)d->offset,
            (long long)(d->offset + shape_size(d->shape)));
  fputs(" = ", out);
  print_source(p, d->init->span, out);
  if (load_name(d->init) && d->init->args[0]->kind == AST_STR) {
    const char *path = d->init->args[0]->str;
    const SrcFile *f = diag_file(p->diag, d->span.file);
    fputs(" (file ", out);
    if (path[0] != '/' && f && !d->init->args[0]->cwd_path) {
      diag_put_escaped(out, f->dir, strlen(f->dir));
      fputc('/', out);
    }
    diag_put_escaped(out, path, strlen(path));
    fputs(d->init->args[0]->cwd_path ? ", from --data)" : ")", out);
  }
  if (d->con) print_constraint(d->con, out);
  /* split by rows over the ranks: marked, or computed row by row from marked data */
  if (d->row_sharded) fputs(d->sharded ? " sharded" : " (sharded rows)", out);
  fputc('\n', out);
}

void sema_print_summary(const Program *p, FILE *out) {
  char buf[64], nb[32];
  /* names from the command line and the file system, escaped as diagnostics write them */
  fputs("problem: ", out);
  diag_put_escaped(out, p->name, strlen(p->name));
  fputs("\nfile: ", out);
  diag_put_escaped(out, p->path, strlen(p->path));
  fputc('\n', out);
  fprintf(out, "nx: %lld\n", (long long)p->nx);
  fprintf(out, "ny: %lld\n", (long long)p->ny);
  for (int i = 0; i < p->nconsts; i++) {
    const AstDecl *d = p->consts[i];
    fprintf(out, "const %s = %s", d->name, sema_num_str(d->const_val, nb));
    if (d->overridden_by) fprintf(out, " (from %s)", d->overridden_by);
    fputc('\n', out);
  }
  for (int i = 0; i < p->ndata; i++) print_tensor(p, p->data[i], "data", out);
  for (int i = 0; i < p->nupper; i++) print_tensor(p, p->upper[i], "upper", out);
  for (int i = 0; i < p->nlower; i++) print_tensor(p, p->lower[i], "lower", out);
  for (int i = 0; i < p->nsamples; i++) {
    const AstDecl *d = p->samples[i];
    if (sema_sample_whole(d)) {
      fprintf(out, "sample %s: batch(%lld) of %lld, the whole population in order (no draws)\n",
              d->name, (long long)d->batch_k, (long long)d->population_n);
      continue;
    }
    fprintf(out, "sample %s: batch(%lld) of %lld at indices[%lld:%lld]\n", d->name,
            (long long)d->batch_k, (long long)d->population_n, (long long)d->offset,
            (long long)(d->offset + d->batch_k));
  }
  for (int i = 0; i < p->nfns; i++) {
    const AstDecl *d = p->fns[i];
    fprintf(out, "fn %s(", d->name);
    for (int j = 0; j < d->nparams; j++) fprintf(out, "%s%s", j ? ", " : "", d->params[j]);
    fputs(")\n", out);
  }
  if (p->f) {
    fprintf(out, "upper objective %s: ", p->f->name);
    print_depends(p->f->init, out);
    fputc('\n', out);
  }
  if (p->g) {
    fprintf(out, "lower objective %s: ", p->g->name);
    print_depends(p->g->init, out);
    fputc('\n', out);
  }
  for (int i = 0; i < p->nreports; i++) {
    const AstDecl *d = p->reports[i];
    fprintf(out, "report %s: ", d->name);
    print_depends(d->init, out);
    fputc('\n', out);
  }
  sema_print_memory(p, out);
  fprintf(out, "stochastic: %s\n", p->stochastic ? "yes" : "no");
  fprintf(out, "lower initialisers use x: %s\n", p->init_uses_x ? "yes" : "no");
  print_suits(p, out);
  if (!p->method) {
    fputs("method: none (choose one with --method)\n", out);
    return;
  }
  const RtMethodSpec *m = rt_method_find(p->method);
  fprintf(out, "method: %s", p->method);
  if (!m) {
    fputc('\n', out);
    return;
  }
  /* the values the solver starts from: the catalogue's defaults, the solve line's options
   * (sema checked them), one value per alias pair; the options the method has no use for and
   * the common name of an alias pair (r, not inner_steps, for itd) are not listed */
  RtOptions o;
  rt_options_init(&o, m);
  for (int j = 0; j < p->nopts; j++) {
    const SemaOption *so = &p->opts[j];
    if (so->is_word) rt_options_set_word(&o, so->key, so->word);
    else rt_options_set_num(&o, so->key, so->num);
  }
  rt_options_resolve_aliases(&o);
  /* the solve line's method that run refuses on a kinked g: check printed "method: aid_cg" for
   * where(y >= 0, y, -y), and only the suits line said otherwise */
  if (p->nonsmooth_op && !m->unrolled && rt_method_option(m, "allow_nonsmooth") &&
      strcmp(rt_opt_word(&o, "allow_nonsmooth"), "true") != 0)
    fprintf(out, " (refused by run: g is not twice differentiable in y (%s); allow_nonsmooth = "
                 "true runs it anyway)", p->nonsmooth_op);
  fputc('\n', out);
  for (int i = 0; i < m->nopts; i++) {
    const RtOptSpec *s = &m->opts[i];
    if (!rt_method_shows_option(m, s->name)) continue;
    fprintf(out, "  %s = ", s->name);
    if (o.word[i][0]) fputs(o.word[i], out);
    else if (isnan(o.num[i])) fputs("derived", out);
    else fputs(sema_num_str(o.num[i], nb), out);
    if (!o.set[i]) fputs(" (default)", out);
    fputc('\n', out);
  }
  (void)buf;
}
