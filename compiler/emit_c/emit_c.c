/* emit_c.c — `bloc emit-c`'s file (see emit_c.h): the provenance header, the library interface,
 * bloc's runtime as amalgamated by the build (emit_c_rt.awk), the kernels (emit_c_kernel.c),
 * the data stage (emit_c_data.c), the problem's tables and options, and the entry points
 * (emit_c_main.c.in). Everything that can fail is generated into memory first; only then is
 * the file written. */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/alloc.h"
#include "emit_c/emit_c_int.h"
#include "llvm/jit.h"
#include "rt_fmt.h"

/* ------------------------------------------------------------------ small pieces */

void emit_buf_vprintf(EmitBuf *b, const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0) return;
  if (b->len + (size_t)n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (b->len + (size_t)n + 1 > cap) cap *= 2;
    b->s = xrealloc(b->s, cap, 1);
    b->cap = cap;
  }
  vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
  b->len += (size_t)n;
}

void emit_buf_printf(EmitBuf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  emit_buf_vprintf(b, fmt, ap);
  va_end(ap);
}

void emit_buf_puts(EmitBuf *b, const char *s) { emit_buf_printf(b, "%s", s); }

void emit_buf_free(EmitBuf *b) {
  free(b->s);
  memset(b, 0, sizeof *b);
}

void emit_fail(Emit *e, int code, const char *fmt, ...) {
  if (e->failed) return;
  e->failed = code;
  int n = code < 0 ? snprintf(e->err, e->errlen, "internal error: ") : 0;
  if (n < 0 || (size_t)n >= e->errlen) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->err + n, e->errlen - (size_t)n, fmt, ap);
  va_end(ap);
}

const char *emit_num(double v, char buf[48]) {
  if (isnan(v)) return strcpy(buf, "NAN");
  if (isinf(v)) return strcpy(buf, v > 0 ? "INFINITY" : "(-INFINITY)");
  char t[RT_FMT_NUM_LEN];
  rt_fmt_num(v, t);
  bool has_point = strpbrk(t, ".eE") != NULL;
  snprintf(buf, 48, "%s%s%s%s", t[0] == '-' ? "(" : "", t, has_point ? "" : ".0",
           t[0] == '-' ? ")" : "");
  return buf;
}

/* Free text (a command line, an option's word) made safe inside a block comment: no newline
 * or other control character (a line splice could follow), no "*\/" to end the comment, no
 * "??" to start a trigraph (compilers in C89/C99 mode or with -trigraphs read ??/ as a
 * backslash, and "*??/" + newline + "/" ends the comment), no slash-star (-Wcomment) and
 * no backslash at the end. */
static void comment_text(char *s) {
  for (char *p = s; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = '_';
  for (char *p = s; (p = strstr(p, "??"));) p[1] = '_';
  for (char *p = s; (p = strstr(p, "*/"));) p[1] = '|';
  for (char *p = s; (p = strstr(p, "/*"));) p[1] = '|'; /* slash-star */
  size_t n = strlen(s);
  if (n && s[n - 1] == '\\') s[n - 1] = '_';
}

/* Text that may go inside a C comment and a C string literal: comment_text without quotes or
 * backslashes either. */
static void comment_safe(char *s) {
  for (char *p = s; *p; p++)
    if (*p == '"' || *p == '\\') *p = '_';
  comment_text(s);
}

void emit_c_string(EmitBuf *b, const char *s) {
  emit_buf_puts(b, "\"");
  for (; s && *s; s++) {
    unsigned char ch = (unsigned char)*s;
    /* '?' too: "??/" is a backslash to a compiler that reads trigraphs */
    if (ch == '"' || ch == '\\' || ch == '?') emit_buf_printf(b, "\\%c", ch);
    else if (ch < 0x20 || ch >= 0x7f) emit_buf_printf(b, "\\%03o", ch);
    else emit_buf_printf(b, "%c", ch);
  }
  emit_buf_puts(b, "\"");
}

const char *emit_where(const Emit *e, Span s, char buf[300]) {
  const SrcFile *f = s.file != SPAN_NO_FILE ? diag_file(&e->c->diag, s.file) : NULL;
  if (!f) {
    buf[0] = '\0';
    return buf;
  }
  uint32_t line, col;
  diag_line_col(&e->c->diag, s.file, s.start, &line, &col);
  snprintf(buf, 300, "%s:%u", f->path, line);
  comment_safe(buf);
  return buf;
}

bool emit_valid_prefix(const char *p) {
  static const char *const reserved[] = {"rt",   "RT",   "blo",   "BLO",
                                         "emit", "EMIT", "cblas", "Cblas"};
  size_t n = p ? strlen(p) : 0;
  if (n == 0 || n > 40 || !((p[0] >= 'A' && p[0] <= 'Z') || (p[0] >= 'a' && p[0] <= 'z')))
    return false;
  for (size_t i = 0; i < n; i++)
    if (!((p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= 'a' && p[i] <= 'z') ||
          (p[i] >= '0' && p[i] <= '9') || p[i] == '_'))
      return false;
  for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
    if (!strcmp(p, reserved[i])) return false;
  return true;
}

void emit_default_prefix(const char *name, char *buf, size_t len) {
  char t[48];
  size_t n = 0;
  bool letter = name && ((name[0] >= 'A' && name[0] <= 'Z') || (name[0] >= 'a' && name[0] <= 'z'));
  if (!letter) n = (size_t)snprintf(t, sizeof t, "blo");
  for (const char *p = name ? name : ""; *p && n < 40; p++) {
    char ch = *p;
    bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '_';
    t[n++] = ok ? ch : '_';
  }
  t[n] = '\0';
  if (!emit_valid_prefix(t)) snprintf(t + n, sizeof t - n, "_solver");
  snprintf(buf, len, "%s", t);
}

/* ------------------------------------------------------------------ elementwise ops */

/* Elementwise ops call runtime/rt_scalar.h (in the amalgamation), the arithmetic every
 * backend shares; + - * / and comparisons are written as C operators, which are the same.
 * Both spellings come from ir_ops.def (fn and C operator columns). */
bool emit_ew_expr(EmitBuf *o, int op, double num, const char *a, const char *b, const char *c) {
  if (op < 0 || op >= (int)IR_OP_COUNT) return false;
  const IrOpInfo *info = &ir_ops[op];
  char nb[48];
  switch (info->cls) {
  case IRC_EW1:
    if (info->c_op) emit_buf_printf(o, info->c_op, a);
    else if (info->fn1) emit_buf_printf(o, "%s(%s)", info->fn_name, a);
    else emit_buf_printf(o, "%s(%s, %s)", info->fn_name, a, emit_num(num, nb));
    return true;
  case IRC_EW2:
    if (info->c_op) emit_buf_printf(o, info->c_op, a, b);
    else emit_buf_printf(o, "%s(%s, %s)", info->fn_name, a, b);
    return true;
  case IRC_EW3: emit_buf_printf(o, info->c_op, a, b, c); return true;
  case IRC_LEAF: case IRC_REDUCE: case IRC_LINALG: case IRC_STRUCT: case IRC_GEN: return false;
  }
  return false;
}

/* ------------------------------------------------------------------ templates */

static const EmitRtFile *rt_file(const char *name) {
  for (int i = 0; i < emit_rt_nfiles; i++)
    if (!strcmp(emit_rt_files[i].name, name)) return &emit_rt_files[i];
  return NULL;
}

/* A template with every "PREFIX_" replaced by the prefix and its leading comment (the lines
 * up to the first blank one) left out. */
static void write_template(FILE *f, const EmitRtFile *t, const char *prefix) {
  int i = 0;
  while (t->lines[i] && strcmp(t->lines[i], "\n") != 0) i++;
  if (t->lines[i]) i++;
  for (; t->lines[i]; i++) {
    const char *s = t->lines[i], *p;
    while ((p = strstr(s, "PREFIX_"))) {
      fwrite(s, 1, (size_t)(p - s), f);
      fprintf(f, "%s_", prefix);
      s = p + 7;
    }
    fputs(s, f);
  }
}

static void write_runtime(FILE *f) {
  fputs(
      "\n/* ===== bloc runtime: the sources of runtime/, amalgamated when bloc was built ===== "
      "*/\n",
      f);
  for (int i = 0; i < emit_rt_nfiles; i++) {
    const EmitRtFile *rf = &emit_rt_files[i];
    size_t n = strlen(rf->name);
    if (n > 3 && !strcmp(rf->name + n - 3, ".in")) continue; /* the templates */
    /* the portable BLAS only when no CBLAS is used */
    bool portable = !strncmp(rf->name, "rt_blas_portable.", 17);
    fprintf(f, "\n/* ---- runtime/%s */\n", rf->name);
    if (portable) fputs("#ifdef RT_BLAS_PORTABLE\n", f);
    for (const char *const *l = rf->lines; *l; l++) fputs(*l, f);
    if (portable) fputs("#endif /* RT_BLAS_PORTABLE */\n", f);
  }
  fputs("\n/* ===== end of the bloc runtime ===== */\n", f);
}

/* ------------------------------------------------------------------ header and interface */

static void describe_option(const RtOptions *o, int i, EmitBuf *b) {
  const RtOptSpec *sp = &o->method->opts[i];
  char nb[RT_FMT_NUM_LEN];
  if (o->word[i][0]) emit_buf_printf(b, "%s = %s", sp->name, o->word[i]);
  else if (isnan(o->num[i])) emit_buf_printf(b, "%s = (derived when solving)", sp->name);
  else emit_buf_printf(b, "%s = %s", sp->name, rt_fmt_num(o->num[i], nb));
  if (!o->set[i]) emit_buf_puts(b, " (default)");
}

static void write_header(const Emit *e, FILE *f) {
  const BloCompiled *c = e->c;
  const Program *prog = c->prog;
  const RtOptions *o = e->o->opt;
  const char *pf = e->prefix;
  fprintf(
      f,
      "/* A standalone solver of the bilevel problem '%s', written by bloc emit-c: do not edit,\n",
      prog->name);
  fprintf(f, " * generate it again.\n *\n");
  char src[1024];
  snprintf(src, sizeof src, "%s", prog->path);
  comment_safe(src);
  fprintf(f, " * source:   %s\n", src);
  fprintf(f, " * bloc:     %s\n", e->o->version ? e->o->version : "?");
  const char *given = e->o->command ? e->o->command : "bloc emit-c";
  char *cmd = strdup(given);
  if (cmd) comment_text(cmd);
  /* then the command shown is not one to run as it stands (a newline in a path) */
  bool changed = cmd && strcmp(cmd, given) != 0;
  fprintf(f, " * command:  %s\n", cmd ? cmd : "bloc emit-c");
  if (changed)
    fprintf(f, " *           (shown with substitutions: characters a comment cannot hold, such "
               "as a\n *           newline, became '_' or '|')\n");
  free(cmd);
  fprintf(f, " * method:   %s\n", o->method->name);
  RtOptions shown = *o; /* as the solver will read them: one value per alias pair */
  rt_options_resolve_aliases(&shown);
  for (int i = 0; i < o->method->nopts; i++) {
    if (!rt_method_shows_option(o->method, o->method->opts[i].name)) continue;
    EmitBuf b = {0};
    describe_option(&shown, i, &b);
    if (b.s) comment_text(b.s);
    fprintf(f, " *   %s\n", b.s ? b.s : "");
    emit_buf_free(&b);
  }
  fprintf(f, " * seed:     %" PRIu64 " (the data generators and the solver; --seed N sets both)\n",
          c->seed);
  fprintf(f, " * sizes:    x %" PRId64 ", y %" PRId64 ", %d data tensors for the kernels, %" PRId64
             " doubles of kernel work\n",
          c->problem.nx, c->problem.ny, c->ndata_total, e->plan.work_size);
  if (e->o->nshards) { /* the run sizes of --ranks: the counts of the parts, each once */
    fprintf(f, " * ranks:    1 (the whole problem)");
    for (int i = 0; i < e->o->nshards; i++)
      if (e->o->shards[i]->shard.rank == 0) fprintf(f, ", %d", e->o->shards[i]->shard.count);
    fprintf(f, ": each rank reads its rows (mpicc -DBLO_USE_MPI, mpirun -n N)\n");
  }
  fprintf(f, " * data:     %s\n",
          e->o->embed_data ? "embedded (evaluated by bloc emit-c; the solver reads no file)"
                           : "read and computed when the solver starts (see the data stage)");
  fprintf(
      f,
      " *\n"
      " * Build:    cc -std=c99 -O2 solver.c -lm                     (portable loops, no BLAS)\n"
      " *           cc -O2 -DBLO_USE_CBLAS solver.c -lopenblas -lm   (CBLAS and LAPACK)\n"
      " *           add -DBLO_USE_ZLIB and -lz to read gzip-compressed data files\n"
      " * Run:      ./solver [--trace F] [--out F] [--save-x F] [--save-y F]\n"
      " *                    [--keep best|last] [--quiet] [--seed N] [--set key=value]...\n"
      " *                    (as bloc run; same trace, result and output formats)\n"
      " * Library:  compile with -D%s_NO_MAIN and call the functions declared below; in another "
      "file,\n"
      " *           #define %s_API_ONLY and #include this one for the declarations.\n"
      " * Exported: only %s_* symbols; everything else is static. See bloc's doc/emit-c.md.\n */\n",
      pf, pf, pf);
}

static void write_interface(const Emit *e, int ndata_max, FILE *f) {
  const BloCompiled *c = e->c;
  const Program *prog = c->prog;
  const char *pf = e->prefix;
  char sb[64], w[300], nb[80];
  fprintf(
      f,
      "\n#if !defined(%s_API_ONLY) && !defined(_POSIX_C_SOURCE)\n#define _POSIX_C_SOURCE "
      "200809L\n#endif\n",
      pf);
  /* -ffast-math assumes no NaN or Inf: the checks of the data and of the iterates would be
   * compiled away, and a NaN in a data file run to f = nan with status 0 */
  fprintf(f,
          "\n#if !defined(%s_API_ONLY) && defined(__FAST_MATH__)\n#error \"-ffast-math (or "
          "-Ofast) compiles away this solver's checks for NaN and Inf in the data and the "
          "iterates: build it without\"\n#endif\n",
          pf);
  fprintf(f, "\n/* ===== interface ===== */\n#ifndef %s_API_H\n#define %s_API_H\n\n", pf, pf);
  fputs("#include <stddef.h>\n#include <stdint.h>\n\n", f);
  fprintf(f, "/* x, the upper variables:");
  for (int i = 0; i < prog->nupper; i++)
    fprintf(f, "%s %s %s [%" PRId64 "..]", i ? "," : "", prog->upper[i]->name,
            shape_str(prog->upper[i]->shape, sb), prog->upper[i]->offset);
  fprintf(f, " */\n#define %s_NX %" PRId64 "\n", pf, c->problem.nx);
  fprintf(f, "/* y, the lower variables:");
  for (int i = 0; i < prog->nlower; i++)
    fprintf(f, "%s %s %s [%" PRId64 "..]", i ? "," : "", prog->lower[i]->name,
            shape_str(prog->lower[i]->shape, sb), prog->lower[i]->offset);
  fprintf(f, " */\n#define %s_NY %" PRId64 "\n", pf, c->problem.ny);
  fprintf(f, "/* reports:");
  for (int i = 0; i < prog->nreports; i++)
    fprintf(f, "%s %s", i ? "," : "", prog->reports[i]->name);
  fprintf(f, "%s */\n#define %s_N_REPORTS %d\n", prog->nreports ? "" : " none", pf, prog->nreports);
  fprintf(f, "/* data tensors (%s_data.tensor[i]) */\n#define %s_N_DATA %d\n", pf, pf,
          ndata_max);
  fprintf(f, "/* 1: the tensors are floats (precision f32) */\n#define %s_PRECISION_F32 %d\n", pf,
          c->precision == BLO_PREC_F32);
  for (int k = 0; k < c->ndata_total; k++) {
    Shape s = k < e->p->ndata ? prog->data[k]->shape : e->p->hoisted[k - e->p->ndata]->shape;
    fprintf(f, "#define %s_DATA_%s %d /* %s", pf, emit_data_name(e, k, nb), k, shape_str(s, sb));
    if (k < e->p->ndata) fprintf(f, ", %s", emit_where(e, prog->data[k]->span, w));
    else fprintf(f, ", computed from the data: a data-only part of the kernels");
    if (!c->data[k]) fprintf(f, "; only the data stage reads it (NULL)");
    fprintf(f, " */\n");
  }
  /* C linkage for a C++ program that includes the declarations (the definitions are C) */
  fputs("\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n", f);
  write_template(f, rt_file("emit_c_api.h.in"), pf);
  fputs("\n#ifdef __cplusplus\n}\n#endif\n", f);
  fprintf(f, "\n#endif /* %s_API_H */\n", pf);
}

static void write_config(const Emit *e, FILE *f) {
  (void)e;
  fputs(
      "\n/* ===== build configuration ===== */\n"
      "#define RT_AMALGAMATION 1 /* the runtime's functions are static (runtime/rt_api.h) */\n"
      "#ifndef BLO_USE_CBLAS\n"
      "#define RT_BLAS_PORTABLE 1 /* portable loops for BLAS and LAPACK "
      "(runtime/rt_blas_portable.c) */\n"
      "#endif\n"
      "#ifndef BLO_USE_ZLIB\n"
      "#define RT_NO_ZLIB 1\n"
      "#define RT_NO_ZLIB_HINT \"build the solver with -DBLO_USE_ZLIB and -lz, or generate it with "
      "\" \\\n"
      "  \"bloc emit-c --embed-data\"\n"
      "#endif\n",
      f);
}

/* ------------------------------------------------------------------ problem and options */

static void c_string(FILE *f, const char *s) {
  EmitBuf b = {0};
  emit_c_string(&b, s);
  fputs(b.s ? b.s : "\"\"", f);
  emit_buf_free(&b);
}

static const char *const kernel_enum[BLO_K_COUNT] = {
  "BLO_K_F", "BLO_K_G", "BLO_K_GRAD_F", "BLO_K_GRAD_Y_G", "BLO_K_HVP_YY", "BLO_K_HVP_XY",
  "BLO_K_GRAD_Y_G_HVP_YY", "BLO_K_HVP_BOTH", "BLO_K_INIT_Y", "BLO_K_INIT_VJP", "BLO_K_REPORTS",
  "BLO_K_GRAD_X_G", "BLO_K_HVP_YX",
};

/* The file's constants (the whole problem's; EMIT_NDATA the most data tensors of any part). */
static void write_defines(const Emit *e, int ndata_max, FILE *f) {
  const BloCompiled *c = e->c;
  fputs("\n/* ===== the problem: sizes, tables, kernels ===== */\n", f);
  fprintf(f, "#define EMIT_NDATA %d\n#define EMIT_DATA_SEED UINT64_C(%" PRIu64 ")\n", ndata_max,
          c->seed);
  fprintf(f, "#define EMIT_EMBEDDED %d\n#define EMIT_F32 %d\n#define EMIT_NAME ",
          e->o->embed_data ? 1 : 0, c->precision == BLO_PREC_F32);
  c_string(f, c->problem.name);
  /* the end-of-run hints' (RtRunConfig.nonsmooth_op) */
  fputs("\n#define EMIT_NONSMOOTH ", f);
  if (c->prog->nonsmooth_op) c_string(f, c->prog->nonsmooth_op);
  else fputs("NULL", f);
  fputs("\n", f);
}

/* The problem's tables and emit_fill_problem<sfx> of one part of the file (e->sfx). */
static void write_problem(const Emit *e, FILE *f) {
  const BloCompiled *c = e->c;
  const BloProblem *bp = &c->problem;
  const char *sx = e->sfx;
  char nb[48];
  if (*sx)
    fprintf(f, "\n/* ----- rank %d of %d: its rows of the sharded data (emit-c --ranks) */\n",
            c->shard.rank, c->shard.count);
  fprintf(f, "\nstatic const BloVarInfo blo_vars%s[] = {\n", sx);
  for (int i = 0; i < bp->n_vars; i++) {
    const BloVarInfo *v = &bp->vars[i];
    fputs("  {", f);
    c_string(f, v->name);
    fprintf(f, ", %d, %d, %" PRId64 ", %" PRId64 ", %" PRId64 "},\n", v->level, v->rank, v->rows,
            v->cols, v->offset);
  }
  fputs("  {NULL, 0, 0, 0, 0, 0}\n};\n", f);
  if (bp->n_constraints) { /* x is projected onto these after every step */
    fprintf(f, "\nstatic const BloConstraint blo_constraints%s[] = {\n", sx);
    for (int i = 0; i < bp->n_constraints; i++) {
      const BloConstraint *k = &bp->constraints[i];
      char lo[48], hi[48];
      fprintf(f, "  {%d, %d, %d, %d, %s, %s},\n", k->var, k->kind, k->lo_data, k->hi_data,
              emit_num(k->lo, lo), emit_num(k->hi, hi));
    }
    fputs("};\n", f);
  }
  if (bp->n_owned) { /* outputs of this rank's own rows: gathered across the ranks, not summed */
    fprintf(f, "\nstatic const BloOwned blo_owned%s[] = {\n", sx);
    for (int i = 0; i < bp->n_owned; i++) {
      const BloOwned *o = &bp->owned[i];
      fprintf(f, "  {%s, %d, %" PRId64 ", %" PRId64 ", %" PRId64 "},\n", kernel_enum[o->kernel],
              o->slot, o->offset, o->rows, o->cols);
    }
    fputs("};\n", f);
  }
  fprintf(f, "\nstatic const BloTensorInfo blo_data_info%s[] = {\n", sx);
  for (int k = 0; k < bp->n_data; k++) {
    const BloTensorInfo *t = &bp->data_info[k];
    fputs("  {", f);
    c_string(f, t->name);
    fprintf(f, ", %d, %" PRId64 ", %" PRId64 "},\n", t->rank, t->rows, t->cols);
  }
  fputs("  {NULL, 0, 0, 0}\n};\n", f);
  /* what messages call each tensor: a hoisted one by the source it comes from, which the user
   * wrote, not by its internal name (%hoisted0), as bloc's own messages do */
  fprintf(f, "\nstatic const char *const blo_data_what%s[] = {\n", sx);
  for (int k = 0; k < bp->n_data; k++) {
    char what[600], hw[256], w[300];
    if (k < e->p->ndata) {
      snprintf(what, sizeof what, "data '%s'", bp->data_info[k].name);
    } else {
      Span at = bloc_hoisted_what(c, k - e->p->ndata, hw, sizeof hw);
      snprintf(what, sizeof what, at.file != SPAN_NO_FILE ? "%s (%s)" : "%s", hw,
               emit_where(e, at, w));
    }
    fputs("  ", f);
    c_string(f, what);
    fputs(",\n", f);
  }
  fputs("  NULL\n};\n", f);
  /* which tensors are sparse: their pointer is the packed CSR block (rt_sparse_pack), whose
   * products read doubles at either precision, so f32 leaves it as loaded (pipeline.c's
   * data_to_f32 does the same) */
  fprintf(f, "\nstatic const unsigned char blo_data_sparse%s[] = {", sx);
  for (int k = 0; k < bp->n_data; k++)
    fprintf(f, "%d, ", k < e->p->ndata && c->prog->data[k]->shape.sparse ? 1 : 0);
  /* which tensors the kernels read, 1 (2: one computed from the data); the others are the
   * data stage's alone, NULL after it. PREFIX_solve refuses a caller-filled PREFIX_data that
   * leaves one of them NULL */
  fprintf(f, "0};\n\nstatic const unsigned char blo_data_needed%s[] = {", sx);
  for (int k = 0; k < bp->n_data; k++)
    fprintf(f, "%d, ", k >= e->p->ndata ? 2 : c->data[k] ? 1 : 0);
  fprintf(f, "0};\n\nstatic const BloSampleInfo blo_samples%s[] = {\n", sx);
  for (int s = 0; s < bp->n_samples; s++) {
    const BloSampleInfo *si = &bp->samples[s];
    fputs("  {", f);
    c_string(f, si->name);
    fprintf(f, ", %" PRId64 ", %" PRId64 ", %" PRId64 "},\n", si->batch, si->population,
            si->offset);
  }
  fprintf(f, "  {NULL, 0, 0, 0}\n};\n\nstatic const char *const blo_report_names%s[] = {", sx);
  for (int r = 0; r < bp->n_reports; r++) {
    c_string(f, bp->report_names[r]);
    fputs(", ", f);
  }
  fputs("NULL};\n\n", f);
  fprintf(f, "static void emit_fill_problem%s(BloProblem *bp) {\n  memset(bp, 0, sizeof *bp);\n",
          sx);
  fputs("  bp->abi_version = BLO_ABI_VERSION;\n  bp->name = EMIT_NAME;\n", f);
  fprintf(f, "  bp->nx = %" PRId64 ";\n  bp->ny = %" PRId64 ";\n", bp->nx, bp->ny);
  fprintf(f, "  bp->n_vars = %d;\n  bp->vars = blo_vars%s;\n", bp->n_vars, sx);
  fprintf(f, "  bp->n_data = %d;\n  bp->data_info = blo_data_info%s;\n", c->ndata_total, sx);
  if (c->precision == BLO_PREC_F32) fprintf(f, "  bp->precision = BLO_PREC_F32;\n");
  fprintf(
      f,
      "  bp->n_samples = %d;\n  bp->samples = blo_samples%s;\n  bp->sample_total = %" PRId64 ";\n",
      bp->n_samples, sx, bp->sample_total);
  if (bp->samples_reports_only) fputs("  bp->samples_reports_only = 1;\n", f);
  fprintf(f, "  bp->n_reports = %d;\n  bp->report_names = blo_report_names%s;\n", bp->n_reports,
          sx);
  if (bp->n_constraints)
    fprintf(f, "  bp->n_constraints = %d;\n  bp->constraints = blo_constraints%s;\n",
            bp->n_constraints, sx);
  if (bp->n_owned) fprintf(f, "  bp->n_owned = %d;\n  bp->owned = blo_owned%s;\n", bp->n_owned, sx);
  for (int id = 0; id < BLO_K_COUNT; id++) {
    char sym[64];
    if (!emit_kernel_symbol(e, (BloKernelId)id, sym)) continue;
    fprintf(f, "  bp->kernels[%s] = %s;\n", kernel_enum[id], sym);
    fprintf(f, "  bp->kernel_flops[%s] = %s;\n", kernel_enum[id],
            emit_num(bp->kernel_flops[id], nb));
  }
  fprintf(f, "  bp->work_size = %" PRId64 ";\n  bp->init_uses_x = %d;\n}\n", e->plan.work_size,
          bp->init_uses_x);
}

static void write_options(const Emit *e, FILE *f) {
  const RtOptions *o = e->o->opt;
  char nb[48];
  fputs(
      "\n/* ===== the method and its options (the program's solve declaration, then --set) ===== "
      "*/\n",
      f);
  fputs("static const char *emit_options(RtOptions *o) {\n  const char *e;\n", f);
  fputs("  const RtMethodSpec *m = rt_method_find(", f);
  c_string(f, o->method->name);
  fputs(");\n  if (!m) return \"the runtime has no method ", f);
  fprintf(f, "'%s'\";\n  rt_options_init(o, m);\n", o->method->name);
  for (int i = 0; i < o->method->nopts; i++) {
    if (!o->set[i]) continue;
    const char *key = o->method->opts[i].name;
    if (o->word[i][0]) {
      fputs("  if ((e = rt_options_set_word(o, ", f);
      c_string(f, key);
      fputs(", ", f);
      c_string(f, o->word[i]);
      fputs("))) return e;\n", f);
    } else {
      fputs("  if ((e = rt_options_set_num(o, ", f);
      c_string(f, key);
      fprintf(f, ", %s))) return e;\n", emit_num(o->num[i], nb));
    }
  }
  fputs("  (void)e;\n  return NULL;\n}\n", f);
}

/* ------------------------------------------------------------------ the file */

/* Kernels too large for the JIT are written out all the same (the file is correct C), but
 * a C compiler's time grows with them as LLVM's does: say so. */
static void note_large_kernels(const Emit *e) {
  for (int k = 0; k < BLO_K_COUNT; k++) {
    int64_t size = e->plan.present[k] ? sched_kernel_size(&e->plan.kernels[k]) : 0;
    if (size <= JIT_MAX_KERNEL_SIZE) continue;
    fprintf(e->o->notes,
            "bloc emit-c: note: kernel '%s' is very large (size %lld; the JIT compiles up to %d): "
            "C compilers may take many minutes on it at -O2; -O0 is much faster\n",
            e->p->kernels[k].name, (long long)size, JIT_MAX_KERNEL_SIZE);
  }
}

/* The parts of the file and how main picks one (emit_c_main.c.in's emit_part): the whole
 * problem first, then every rank's share for each count of --ranks. */
static void write_parts(const Emit *parts, int nparts, FILE *f) {
  fputs("\n/* ===== the parts: the whole problem (one process), then each rank's share of the\n"
        " * sharded data for every run size of emit-c --ranks; main picks its own ===== */\n"
        "typedef struct EmitPart {\n"
        "  int ranks, rank; /* the run it is for: 1, 0 the whole problem */\n"
        "  int ndata;\n"
        "  const BloTensorInfo *data_info;\n"
        "  const char *const *what; /* [ndata] each tensor as a message names it */\n"
        "  const unsigned char *sparse; /* [ndata] 1: an RtSparse block, double at f32 too */\n"
        "  const unsigned char *needed; /* [ndata] the kernels read it (2: computed) */\n"
        "  int (*data_stage)(const double **t, void **owned, double **x0, double **y0, "
        "uint64_t seed,\n"
        "                    char *err, size_t errlen);\n"
        "  void (*fill_problem)(BloProblem *bp);\n"
        "} EmitPart;\n\nstatic const EmitPart emit_parts[] = {\n",
        f);
  for (int i = 0; i < nparts; i++) {
    const Emit *e = &parts[i];
    fprintf(f,
            "  {%d, %d, %d, blo_data_info%s, blo_data_what%s, blo_data_sparse%s, "
            "blo_data_needed%s, emit_data_stage%s, emit_fill_problem%s},\n",
            e->c->shard.count, e->c->shard.rank, e->c->ndata_total, e->sfx, e->sfx, e->sfx,
            e->sfx, e->sfx, e->sfx);
  }
  /* "1 process", "1 or 2 processes", "1, 2 or 3 processes": for the message of a run of
   * another size */
  fprintf(f, "};\n#define EMIT_NPARTS %d\n#define EMIT_SHARDED %d\n#define EMIT_RANKS \"1", nparts,
          parts[0].c->prog->sharded ? 1 : 0);
  int last = 1;
  for (int i = 1; i < nparts; i++) {
    int n = parts[i].c->shard.count;
    if (n == last) continue;
    bool final = i + n >= nparts;
    fprintf(f, "%s%d", final ? " or " : ", ", n);
    last = n;
  }
  fprintf(f, " process%s\"\n", nparts > 1 ? "es" : "");
}

/* One part (the whole problem, or a rank's share) planned and its kernels and data stage
 * generated into memory. */
static void emit_part(Emit *e, const BloCompiled *c, const EmitCOptions *o, const char *sfx,
                      EmitBuf *kernels, EmitBuf *data, char *err, size_t errlen) {
  memset(e, 0, sizeof *e);
  e->c = c;
  e->p = c->ir;
  e->o = o;
  e->prefix = o->prefix;
  e->err = err;
  e->errlen = errlen;
  e->sfx = sfx;
  arena_init(&e->arena);
  if (!c->ir || !c->data || !c->x0 || !c->y0)
    emit_fail(e, -1, "emit_c needs problems compiled with their data stage");
  else {
    SchedOptions so = EMIT_SCHED_OPTIONS;
    const char *xmemo = getenv("BLOC_XMEMO");
    so.xmemo = !(xmemo && !strcmp(xmemo, "0"));
    if (sched_problem(c->ir, &so, &e->arena, &e->plan, err, errlen))
      e->failed = -1; /* err holds the planner's message */
  }
  if (!e->failed && o->notes && !*sfx) note_large_kernels(e);
  if (!e->failed) emit_kernels(e, kernels);
  if (!e->failed) emit_data_stage(e, data);
}

/* Why the rank compiles of o cannot be parts of c's file, or NULL. */
static const char *bad_shards(const BloCompiled *c, const EmitCOptions *o, char *buf, size_t len) {
  if (o->nshards == 0) return NULL;
  if (!c->prog->sharded) return "--ranks: the program has no sharded data";
  if (o->embed_data)
    return "--ranks and --embed-data: a data-parallel solver reads each rank's rows from the "
           "files (leave out --embed-data)";
  for (int i = 0; i < o->nshards; i++) {
    const BloCompiled *s = o->shards[i];
    bool in_order = i == 0 ? s->shard.rank == 0
                           : (s->shard.count == o->shards[i - 1]->shard.count
                                  ? s->shard.rank == o->shards[i - 1]->shard.rank + 1
                                  : s->shard.rank == 0 && o->shards[i - 1]->shard.rank ==
                                                              o->shards[i - 1]->shard.count - 1);
    if (!s->sharded || !in_order || s->shard.count < 2) {
      snprintf(buf, len, "internal error: part %d (rank %d of %d) is not the next rank compile",
               i + 1, s->shard.rank, s->shard.count);
      return buf;
    }
  }
  if (o->shards[o->nshards - 1]->shard.rank != o->shards[o->nshards - 1]->shard.count - 1)
    return "internal error: the rank compiles stop before the last rank";
  return NULL;
}

int emit_c(const BloCompiled *c, const EmitCOptions *o, FILE *out, char *err, size_t errlen) {
  Emit e;
  memset(&e, 0, sizeof e);
  e.c = c;
  e.p = c->ir;
  e.o = o;
  e.prefix = o->prefix;
  e.err = err;
  e.errlen = errlen;
  e.sfx = "";
  if (err && errlen) err[0] = '\0';
  arena_init(&e.arena);
  char why[256];
  const char *bad = NULL;
  if (!c->ir || !c->data || !c->x0 || !c->y0 || !o->opt || !o->opt->method) {
    emit_fail(&e, -1, "emit_c needs a problem compiled with its data stage and resolved options");
  } else if (c->sharded) { /* the whole problem comes first; ranks' shares are o->shards */
    emit_fail(&e, 1,
              "emit-c of a compile for rank %d of %d: emit the whole problem (BLOC_SHARD "
              "unset) with the ranks' compiles as parts (bloc emit-c --ranks)",
              c->shard.rank, c->shard.count);
  } else if ((bad = bad_shards(c, o, why, sizeof why))) {
    emit_fail(&e, strncmp(bad, "internal error: ", 16) ? 1 : -1, "%s",
              strncmp(bad, "internal error: ", 16) ? bad : bad + 16);
  } else if (!emit_valid_prefix(o->prefix)) {
    emit_fail(
        &e, 1,
        "'%s' is not a usable prefix: a C identifier of at most 40 characters, not rt, blo, emit "
        "or cblas",
        o->prefix ? o->prefix : "");
  } else if (!rt_file("emit_c_api.h.in") || !rt_file("emit_c_main.c.in")) {
    emit_fail(&e, -1, "the runtime amalgamation lacks the emitter's templates");
  }
  int nparts = 1 + (e.failed ? 0 : o->nshards);
  Emit *parts = xcalloc((size_t)nparts, sizeof *parts);
  EmitBuf *kernels = xcalloc((size_t)nparts, sizeof *kernels);
  EmitBuf *data = xcalloc((size_t)nparts, sizeof *data);
  char (*sfx)[32] = xcalloc((size_t)nparts, sizeof *sfx);
  int failed = e.failed, ndata_max = c->ndata_total;
  for (int i = 0; i < nparts && !failed; i++) {
    const BloCompiled *pc = i == 0 ? c : o->shards[i - 1];
    if (i > 0) snprintf(sfx[i], sizeof sfx[i], "_r%dof%d", pc->shard.rank, pc->shard.count);
    emit_part(&parts[i], pc, o, sfx[i], &kernels[i], &data[i], err, errlen);
    failed = parts[i].failed;
    if (pc->ndata_total > ndata_max) ndata_max = pc->ndata_total;
  }
  if (!failed) {
    Emit *w = &parts[0]; /* the whole problem: the header, the interface, the options */
    write_header(w, out);
    write_interface(w, ndata_max, out);
    fprintf(out, "\n#ifndef %s_API_ONLY\n", e.prefix);
    write_config(w, out);
    write_runtime(out);
    fputs("\n/* ===== kernels, generated from the execution plans the JIT compiles ===== */\n",
          out);
    for (int i = 0; i < nparts; i++) {
      if (i > 0)
        fprintf(out, "\n/* ----- rank %d of %d: the kernels of its rows */\n",
                parts[i].c->shard.rank, parts[i].c->shard.count);
      fputs(kernels[i].s ? kernels[i].s : "", out);
    }
    fputs("\n/* ===== the data stage ===== */\n", out);
    if (o->embed_data) emit_data_write_embedded(w, out);
    for (int i = 0; i < nparts; i++) {
      if (i > 0)
        fprintf(out, "\n/* ----- rank %d of %d: its rows of the sharded data */\n",
                parts[i].c->shard.rank, parts[i].c->shard.count);
      fputs(data[i].s ? data[i].s : "", out);
    }
    write_defines(w, ndata_max, out);
    emit_data_write_inputs(w, out);
    for (int i = 0; i < nparts; i++) write_problem(&parts[i], out);
    write_parts(parts, nparts, out);
    write_options(w, out);
    fputs("\n/* ===== entry points ===== */\n", out);
    write_template(out, rt_file("emit_c_main.c.in"), e.prefix);
    fprintf(out, "\n#endif /* %s_API_ONLY */\n", e.prefix);
  }
  for (int i = 0; i < nparts; i++) {
    emit_buf_free(&kernels[i]);
    emit_buf_free(&data[i]);
    arena_free(&parts[i].arena);
  }
  free(parts);
  free(kernels);
  free(data);
  free(sfx);
  arena_free(&e.arena);
  return failed;
}
