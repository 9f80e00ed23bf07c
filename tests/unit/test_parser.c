/* test_parser.c — the grammar: declarations, precedence and associativity, subscripts and
 * slices, options, and error recovery (several syntax errors reported in one run). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

typedef struct Fx {
  Arena a;
  Diag d;
  FILE *out;
} Fx;

static AstProgram *parse(Fx *fx, const char *src) {
  arena_init(&fx->a);
  fx->out = tmpfile();
  diag_init(&fx->d, &fx->a, fx->out);
  uint32_t f = diag_add_file(&fx->d, "t.blo", src, strlen(src));
  return parse_program(&fx->a, &fx->d, f);
}

static void done(Fx *fx) {
  fclose(fx->out);
  arena_free(&fx->a);
}

static void test_declarations(void **state) {
  (void)state;
  Fx fx;
  AstProgram *p = parse(
      &fx,
      "problem p\nimport \"losses\"\nconst n = 3;\ndata D : matrix[n, 2] = 0\n"
      "upper x : vector[n] = 0 lower y = x\nupper objective f = 1\nlower objective g = 2\n"
      "fn h(a, b) = a\nreport r = 3\nsample B : batch(2) of n\nsolve ufom(q = adaptive, r = 3)\n");
  assert_int_equal(diag_error_count(&fx.d), 0);
  AstDeclKind want[] = {DECL_PROBLEM, DECL_IMPORT, DECL_CONST,     DECL_DATA,
                        DECL_UPPER,   DECL_LOWER,  DECL_UPPER_OBJ, DECL_LOWER_OBJ,
                        DECL_FN,      DECL_REPORT, DECL_SAMPLE,    DECL_SOLVE};
  assert_int_equal(p->ndecls, 12);
  for (int i = 0; i < p->ndecls; i++) assert_int_equal(p->decls[i]->kind, want[i]);
  assert_string_equal(p->decls[1]->path, "losses");
  assert_int_equal(p->decls[3]->type->kind, TY_MATRIX);
  assert_null(p->decls[5]->type);
  assert_int_equal(p->decls[8]->nparams, 2);
  assert_string_equal(p->decls[8]->params[1], "b");
  assert_non_null(p->decls[10]->batch);
  assert_string_equal(p->decls[11]->name, "ufom");
  assert_int_equal(p->decls[11]->nopts, 2);
  assert_string_equal(p->decls[11]->opts[0].key, "q");
  assert_int_equal(p->decls[11]->opts[0].value->kind, AST_IDENT);
  done(&fx);
}

static void test_precedence(void **state) {
  (void)state;
  Fx fx;
  AstProgram *p = parse(
      &fx, "const a = -x^2\nconst b = a^b^c\nconst c = 1 + 2 * 3 < 4\nconst d = A'[0, :] @ v\n");
  assert_int_equal(diag_error_count(&fx.d), 0);
  AstExpr *e = p->decls[0]->init; /* -(x^2) */
  assert_int_equal(e->kind, AST_UNARY);
  assert_int_equal(e->args[0]->kind, AST_BINARY);
  assert_int_equal(e->args[0]->op, OP_POW);
  e = p->decls[1]->init; /* a^(b^c) */
  assert_int_equal(e->op, OP_POW);
  assert_int_equal(e->args[0]->kind, AST_IDENT);
  assert_int_equal(e->args[1]->op, OP_POW);
  e = p->decls[2]->init; /* (1 + (2 * 3)) < 4 */
  assert_int_equal(e->op, OP_LT);
  assert_int_equal(e->args[0]->op, OP_ADD);
  assert_int_equal(e->args[0]->args[1]->op, OP_MUL);
  e = p->decls[3]->init; /* ((A')[0, :]) @ v */
  assert_int_equal(e->op, OP_MATMUL);
  assert_int_equal(e->args[0]->kind, AST_INDEX);
  assert_int_equal(e->args[0]->args[0]->kind, AST_TRANSPOSE);
  assert_int_equal(e->args[0]->args[2]->kind, AST_SLICE);
  assert_null(e->args[0]->args[2]->args[0]);
  assert_null(e->args[0]->args[2]->args[1]);
  /* spans: the operator token of '@' */
  uint32_t line, col;
  diag_line_col(&fx.d, e->op_span.file, e->op_span.start, &line, &col);
  assert_int_equal(line, 4);
  assert_int_equal(col, 20);
  done(&fx);
}

static void test_slices_and_lists(void **state) {
  (void)state;
  Fx fx;
  AstProgram *p = parse(
      &fx, "data a = x[2:]\ndata b = x[:3]\ndata c = A[0:100, :]\ndata d = [[1, 2], [3, 4]]\n");
  assert_int_equal(diag_error_count(&fx.d), 0);
  AstExpr *s = p->decls[0]->init->args[1];
  assert_int_equal(s->kind, AST_SLICE);
  assert_non_null(s->args[0]);
  assert_null(s->args[1]);
  s = p->decls[1]->init->args[1];
  assert_null(s->args[0]);
  assert_non_null(s->args[1]);
  assert_int_equal(p->decls[2]->init->nargs, 3);
  AstExpr *l = p->decls[3]->init;
  assert_int_equal(l->kind, AST_LIST);
  assert_int_equal(l->nargs, 2);
  assert_int_equal(l->args[1]->kind, AST_LIST);
  done(&fx);
}

static void test_recovery(void **state) {
  (void)state;
  Fx fx;
  AstProgram *p = parse(
      &fx, "const = 1\nconst ok1 = 2\nupper x vector[3] = 0\nconst ok2 = (3\nconst ok3 = 4\n");
  /* three errors, and the good declarations after each are kept */
  assert_int_equal(diag_error_count(&fx.d), 3);
  int nconst = 0;
  for (int i = 0; i < p->ndecls; i++) nconst += p->decls[i]->kind == DECL_CONST;
  assert_int_equal(nconst, 2); /* ok1 and ok3 */
  done(&fx);
}

/* "const a = 1 OP 1 OP 1 ..." with n operators */
static char *chain_src(int n, const char *op) {
  char *src = malloc(20 + (strlen(op) + 3) * (size_t)n);
  size_t len = (size_t)sprintf(src, "const a = 1");
  for (int i = 0; i < n; i++) len += (size_t)sprintf(src + len, " %s 1", op);
  return src;
}

static void test_depth_limit(void **state) {
  (void)state;
  Fx fx;
  /* nesting no regrouping can flatten is still rejected, and the tree stays bounded */
  char *src = malloc(20 + 8 * 300);
  strcpy(src, "const a = 1");
  for (int i = 0; i < 300; i++) strcat(src, " + (1");
  for (int i = 0; i < 300; i++) strcat(src, ")");
  AstProgram *p = parse(&fx, src);
  assert_int_equal(diag_error_count(&fx.d), 1);
  assert_true(p->decls[0]->init->depth <= AST_MAX_DEPTH);
  free(src);
  done(&fx);
}

/* A chain short enough for AST_MAX_DEPTH keeps its left-deep shape (evaluation order); a
 * longer one is rebalanced instead of rejected, whatever its length. */
static void test_long_chains(void **state) {
  (void)state;
  Fx fx;
  char *src = chain_src(AST_MAX_DEPTH - 1, "-");
  AstProgram *p = parse(&fx, src);
  assert_int_equal(diag_error_count(&fx.d), 0);
  AstExpr *e = p->decls[0]->init;
  assert_int_equal(e->depth, AST_MAX_DEPTH);
  int n = 0;
  for (; e->kind == AST_BINARY; e = e->args[0], n++) assert_int_equal(e->op, OP_SUB);
  assert_int_equal(n, AST_MAX_DEPTH - 1);
  free(src);
  done(&fx);

  static const char *const ops[] = {"+", "-", "*", "/"};
  for (int i = 0; i < 4; i++) {
    src = chain_src(100000, ops[i]);
    p = parse(&fx, src);
    assert_int_equal(diag_error_count(&fx.d), 0);
    e = p->decls[0]->init;
    assert_true(e->depth <= 19); /* 1 + ceil(log2(100001)) */
    assert_int_equal(e->kind, AST_BINARY);
    /* the first term stays leftmost; - and / at the top when the right half is inverted */
    int direct = i < 2 ? OP_ADD : OP_MUL;
    assert_int_equal(e->op, i % 2 ? direct + 1 : direct);
    free(src);
    done(&fx);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_declarations),
    cmocka_unit_test(test_precedence),
    cmocka_unit_test(test_slices_and_lists),
    cmocka_unit_test(test_recovery),
    cmocka_unit_test(test_depth_limit),
    cmocka_unit_test(test_long_chains),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
