/* ast.c — the builtin table (from builtins.def), AST constructors, and `bloc dump-ast`:
 * one node per line, indented by depth, each with its line:col and, once sema has checked
 * it, its shape and constant value. */
#include "front/ast.h"
#include "ir/ir.h"
#include "rt_fmt.h"

#include <stdlib.h>
#include <string.h>

const BuiltinInfo ast_builtins[BI_COUNT] = {
#define X(id, name, lo, hi, flags) [id] = {name, lo, hi, flags, -1},
#define EW(id, name, nargs, flags, op) [id] = {name, nargs, nargs, flags, op},
#include "front/builtins.def"
#undef X
#undef EW
};

BuiltinId ast_builtin_lookup(const char *name) {
  for (int i = 0; i < BI_COUNT; i++)
    if (strcmp(ast_builtins[i].name, name) == 0) return (BuiltinId)i;
  return BI_NONE;
}

AstExpr *ast_expr(Arena *a, AstExprKind kind, Span span) {
  AstExpr *e = ARENA_NEW(a, AstExpr);
  e->kind = kind;
  e->span = span;
  e->op_span = span;
  e->name_span = SPAN_NONE;
  e->builtin = BI_NONE;
  e->depth = 1;
  return e;
}

AstExpr *ast_expr_n(Arena *a, AstExprKind kind, Span span, AstExpr **args, int n) {
  AstExpr *e = ast_expr(a, kind, span);
  if (n > 0) {
    e->args = ARENA_ARRAY(a, AstExpr *, (size_t)n);
    memcpy(e->args, args, (size_t)n * sizeof *args);
  }
  e->nargs = n;
  for (int i = 0; i < n; i++)
    if (args[i] && args[i]->depth + 1 > e->depth) e->depth = args[i]->depth + 1;
  return e;
}

AstDecl *ast_decl(Arena *a, AstDeclKind kind, Span span) {
  AstDecl *d = ARENA_NEW(a, AstDecl);
  d->kind = kind;
  d->span = span;
  d->name_span = SPAN_NONE;
  d->path_span = SPAN_NONE;
  return d;
}

const char *ast_binop_str(int op) {
  switch (op) {
  case OP_ADD: return "+";
  case OP_SUB: return "-";
  case OP_MUL: return "*";
  case OP_DIV: return "/";
  case OP_MATMUL: return "@";
  case OP_POW: return "^";
  case OP_LT: return "<";
  case OP_LE: return "<=";
  case OP_GT: return ">";
  case OP_GE: return ">=";
  case OP_EQ: return "==";
  case OP_NE: return "!=";
  case '-': return "-";
  }
  return "?";
}

const char *ast_decl_kind_str(AstDeclKind k) {
  switch (k) {
  case DECL_PROBLEM: return "problem";
  case DECL_IMPORT: return "import";
  case DECL_CONST: return "const";
  case DECL_DATA: return "data";
  case DECL_UPPER: return "upper";
  case DECL_LOWER: return "lower";
  case DECL_UPPER_OBJ: return "upper objective";
  case DECL_LOWER_OBJ: return "lower objective";
  case DECL_FN: return "fn";
  case DECL_REPORT: return "report";
  case DECL_SAMPLE: return "sample";
  case DECL_SOLVE: return "solve";
  }
  return "?";
}

static const char *ast_expr_kind_str(AstExprKind k) {
  switch (k) {
  case AST_NUM: return "num";
  case AST_STR: return "str";
  case AST_IDENT: return "ident";
  case AST_UNARY: return "unary";
  case AST_BINARY: return "binary";
  case AST_TRANSPOSE: return "transpose";
  case AST_INDEX: return "index";
  case AST_SLICE: return "slice";
  case AST_CALL: return "call";
  case AST_LIST: return "list";
  }
  return "?";
}

/* ------------------------------------------------------------------ dump */

static void indent(FILE *out, int level) {
  for (int i = 0; i < level; i++) fputs("  ", out);
}

static void at(const Diag *d, Span s, FILE *out) {
  uint32_t line, col;
  if (s.file == SPAN_NO_FILE) return;
  diag_line_col(d, s.file, s.start, &line, &col);
  fprintf(out, " @%u:%u", line, col);
}

static void print_str(FILE *out, const char *s) {
  fputc('"', out);
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') fputc('\\', out);
    if ((unsigned char)*s < 0x20) fprintf(out, "\\x%02x", (unsigned char)*s);
    else fputc(*s, out);
  }
  fputc('"', out);
}

static void dump_expr(const AstExpr *e, const Diag *d, FILE *out, int level, const char *role);

/* shortest text that reads back as v */
static void print_num(FILE *out, double v) {
  char buf[RT_FMT_NUM_LEN];
  fputs(rt_fmt_num(v, buf), out);
}

static void dump_annot(const AstExpr *e, FILE *out) {
  if (!e->checked) return;
  char buf[64];
  fprintf(out, " : %s", shape_str(e->shape, buf));
  if (e->is_const) {
    fputs(" = ", out);
    print_num(out, e->const_val);
  }
}

static void dump_expr(const AstExpr *e, const Diag *d, FILE *out, int level, const char *role) {
  indent(out, level);
  if (role) fprintf(out, "%s: ", role);
  if (!e) {
    fputs("(none)\n", out);
    return;
  }
  fputs(ast_expr_kind_str(e->kind), out);
  switch (e->kind) {
  case AST_NUM: fputc(' ', out); print_num(out, e->num); break;
  case AST_STR: fputc(' ', out); print_str(out, e->str); break;
  case AST_IDENT: fprintf(out, " %s", e->str); break;
  case AST_CALL: fprintf(out, " %s", e->str); break;
  case AST_UNARY: case AST_BINARY: fprintf(out, " %s", ast_binop_str(e->op)); break;
  default: break;
  }
  at(d, e->span, out);
  dump_annot(e, out);
  fputc('\n', out);
  for (int i = 0; i < e->nargs; i++) {
    const char *r = NULL;
    if (e->kind == AST_SLICE) r = i == 0 ? "lo" : "hi";
    dump_expr(e->args[i], d, out, level + 1, r);
  }
}

static void dump_type(const AstType *t, const Diag *d, FILE *out, int level) {
  indent(out, level);
  static const char *const kinds[] = {"scalar", "vector", "matrix", "tensor"};
  fprintf(out, "type %s", kinds[t->kind]);
  at(d, t->span, out);
  fputc('\n', out);
  int n = (int)t->kind; /* the number of dimensions */
  for (int i = 0; i < n; i++) dump_expr(t->dims[i], d, out, level + 1, "dim");
}

static void dump_decl(const AstDecl *dc, const Diag *d, FILE *out) {
  indent(out, 1);
  fputs(ast_decl_kind_str(dc->kind), out);
  if (dc->kind == DECL_IMPORT) {
    fputc(' ', out);
    print_str(out, dc->path ? dc->path : "");
  } else if (dc->name) {
    fprintf(out, " %s", dc->name);
  }
  if (dc->kind == DECL_FN) {
    fputc('(', out);
    for (int i = 0; i < dc->nparams; i++) fprintf(out, "%s%s", i ? ", " : "", dc->params[i]);
    fputc(')', out);
  }
  at(d, dc->span, out);
  fputc('\n', out);
  if (dc->type) dump_type(dc->type, d, out, 2);
  if (dc->batch) dump_expr(dc->batch, d, out, 2, "batch");
  if (dc->population) dump_expr(dc->population, d, out, 2, "of");
  if (dc->init) dump_expr(dc->init, d, out, 2, NULL);
  for (int i = 0; i < dc->nopts; i++) {
    indent(out, 2);
    fprintf(out, "option %s", dc->opts[i].key);
    at(d, dc->opts[i].key_span, out);
    fputc('\n', out);
    dump_expr(dc->opts[i].value, d, out, 3, NULL);
  }
}

void ast_dump(const AstProgram *p, const Diag *d, FILE *out) {
  const SrcFile *f = diag_file(d, p->file);
  fprintf(out, "program %s\n", f ? f->path : "?");
  for (int i = 0; i < p->ndecls; i++) {
    /* imported declarations are listed under their own file */
    if (i == 0 || p->decls[i]->span.file != p->decls[i - 1]->span.file) {
      const SrcFile *df = diag_file(d, p->decls[i]->span.file);
      if (p->decls[i]->span.file != p->file || i > 0)
        fprintf(out, " file %s\n", df ? df->path : "?");
    }
    dump_decl(p->decls[i], d, out);
  }
}
