/* test_sema.c — the checked Program that IR lowering reads: offsets, sizes, shapes, resolved
 * subscripts, inlined fn bodies, constants, dependencies, options, -D, and error counts; data
 * and variables that need more than the physical memory are refused at their declaration. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "front/sema.h"

typedef struct Fx {
  Arena a;
  Diag d;
  FILE *out;
} Fx;

static Program *compile(Fx *fx, const char *src, const SemaDefine *defs, int ndefs) {
  arena_init(&fx->a);
  fx->out = tmpfile();
  diag_init(&fx->d, &fx->a, fx->out);
  SemaInputs in = {defs, ndefs, "/nonexistent", NULL, false, NULL, 0};
  return sema_compile_string(&fx->a, &fx->d, "t.blo", src, &in);
}

static void done(Fx *fx) {
  fclose(fx->out);
  arena_free(&fx->a);
}

#define BASE "upper objective f = sumsq(x) + sum(y)\nlower objective g = sumsq(y - 1)\n"

static void test_layout(void **state) {
  (void)state;
  Fx fx;
  Program *p =
      compile(&fx,
              "problem demo\nconst n = 3\nupper x : vector[n] = 0\nupper B : matrix[2, n] = 1\n"
              "lower y : scalar = 0\nlower Z : matrix[n, 2] = x[0]\ndata D : matrix[4, n] = 0\n"
              "sample S : batch(2) of 4\nsample T : batch(1) of 4\n" BASE,
              NULL, 0);
  assert_non_null(p);
  assert_string_equal(p->name, "demo");
  assert_int_equal(p->nupper, 2);
  assert_int_equal(p->nx, 9);
  assert_int_equal(p->upper[1]->offset, 3);
  assert_int_equal(p->ny, 7);
  assert_int_equal(p->lower[1]->offset, 1);
  assert_true(shape_eq(p->lower[1]->shape, shape_matrix(3, 2)));
  assert_true(p->init_uses_x);
  assert_int_equal(p->ndata, 1);
  assert_int_equal(p->data[0]->index, 0);
  assert_int_equal(p->nsamples, 2);
  assert_int_equal(p->samples[1]->offset, 2);
  assert_int_equal(p->sample_total, 3);
  assert_int_equal(p->samples[0]->batch_k, 2);
  assert_int_equal(p->samples[0]->population_n, 4);
  assert_false(p->stochastic);
  assert_non_null(p->f);
  assert_non_null(p->g);
  assert_null(p->method);
  done(&fx);
}

static void test_subscripts_and_samples(void **state) {
  (void)state;
  Fx fx;
  Program *p =
      compile(&fx,
              "data X : matrix[5, 3] = 1\nsample B : batch(2) of 5\nsample t : batch(1) of 5\n"
              "upper x : vector[3] = 0\nlower y : vector[3] = 0\n"
              "upper objective f = sum(X[B, :] @ y) + sum(X[t, 1:] * y[-2:])\n"
              "lower objective g = sumsq(y - x)\n",
              NULL, 0);
  assert_non_null(p);
  assert_true(p->stochastic);
  AstExpr *sum1 = p->f->init->args[0];          /* sum(X[B, :] @ y) */
  AstExpr *idx = sum1->args[0]->args[0];        /* X[B, :] */
  assert_int_equal(idx->kind, AST_INDEX);
  assert_true(shape_eq(idx->shape, shape_matrix(2, 3)));
  assert_int_equal(idx->subs[0].kind, SUB_SAMPLE);
  assert_ptr_equal(idx->subs[0].sample, p->samples[0]);
  assert_int_equal(idx->subs[1].kind, SUB_RANGE);
  assert_int_equal(idx->subs[1].hi, 3);
  assert_true(idx->uses_sample);
  AstExpr *mul = p->f->init->args[1]->args[0];  /* X[t, 1:] * y[-2:] */
  assert_true(shape_eq(mul->args[0]->shape, shape_vector(2))); /* batch(1) drops the row */
  assert_int_equal(mul->args[1]->subs[0].kind, SUB_RANGE);
  assert_int_equal(mul->args[1]->subs[0].lo, 1);
  assert_int_equal(mul->args[1]->subs[0].hi, 3);
  assert_true(mul->depends_y);
  assert_false(mul->depends_x);
  assert_ptr_equal(mul->args[0]->args[0]->ref, p->data[0]);
  done(&fx);
}

static void test_inlining(void **state) {
  (void)state;
  Fx fx;
  Program *p = compile(&fx,
                       "fn sq(a) = a * a\nfn tot(a) = sum(sq(a))\nconst k = sq(3)\n"
                       "upper x : vector[3] = 0\nlower y : matrix[2, 2] = 0\n"
                       "upper objective f = tot(x) + tot(y)\nlower objective g = tot(y) * k\n",
                       NULL, 0);
  assert_non_null(p);
  assert_true(p->consts[0]->const_val == 9);
  AstExpr *c1 = p->f->init->args[0];
  assert_int_equal(c1->kind, AST_CALL);
  assert_ptr_equal(c1->fn, p->fns[1]);
  assert_non_null(c1->inlined);
  assert_true(shape_eq(c1->shape, shape_scalar()));
  assert_true(c1->depends_x);
  assert_false(c1->depends_y);
  /* the inner call at this site is typed at vector[3], the other at matrix[2, 2] */
  AstExpr *inner1 = c1->inlined->args[0];
  assert_true(shape_eq(inner1->shape, shape_vector(3)));
  AstExpr *inner2 = p->f->init->args[1]->inlined->args[0];
  assert_true(shape_eq(inner2->shape, shape_matrix(2, 2)));
  /* parameter uses became (copies of) the argument: an identifier bound to x */
  AstExpr *use = inner1->inlined->args[0];
  assert_int_equal(use->kind, AST_IDENT);
  assert_ptr_equal(use->ref, p->upper[0]);
  assert_true(p->f->init->depends_y);
  done(&fx);
}

static void test_constants(void **state) {
  (void)state;
  Fx fx;
  SemaDefine defs[] = {{"n", 4, NULL}};
  Program *p = compile(
      &fx,
      "const n = 100\nconst m = 2 * n + 1\ndata A : matrix[n, 2] = 0\nconst r = rows(A) + cols(A)\n"
      "const e = -2^2\nconst s = mod(-1, 3) + floor(2.7) + round(2.5)\n"
      "upper x : vector[n] = 0\nlower y : vector[m] = 0\n" BASE,
      defs, 1);
  assert_non_null(p);
  assert_string_equal(p->consts[0]->overridden_by, "-D"); /* SemaInputs.defs_given NULL */
  assert_true(p->consts[1]->const_val == 9);
  assert_true(p->consts[2]->const_val == 6);
  assert_true(p->consts[3]->const_val == -4);
  assert_true(p->consts[4]->const_val == 2 + 2 + 3);
  assert_int_equal(p->nx, 4);
  assert_int_equal(p->ny, 9);
  done(&fx);
}

static void test_options(void **state) {
  (void)state;
  Fx fx;
  Program *p = compile(&fx,
                       "const s = 50\nupper x : vector[2] = 0\nlower y : vector[2] = 0\n" BASE
                       "solve ufom(outer_steps = s * 2, q = adaptive, checkpoint = \"sqrt\")\n",
                       NULL, 0);
  assert_non_null(p);
  assert_string_equal(p->method, "ufom");
  assert_int_equal(p->nopts, 3);
  assert_string_equal(p->opts[0].key, "outer_steps");
  assert_false(p->opts[0].is_word);
  assert_true(p->opts[0].num == 100);
  assert_true(p->opts[1].is_word);
  assert_string_equal(p->opts[1].word, "adaptive");
  assert_string_equal(p->opts[2].word, "sqrt");
  done(&fx);
}

static void test_all_errors_reported(void **state) {
  (void)state;
  Fx fx;
  /* four independent errors: unknown name, shape mismatch, data-only builtin in an
   * objective, unknown method (g failed, so "g does not depend on y" is not piled on) */
  Program *p =
      compile(&fx,
              "upper x : vector[3] = 0\nlower y : vector[2] = 0\ndata A : matrix[3, 3] = 1\n"
              "report r = sum(nothere)\nupper objective f = sum(x + y)\n"
              "lower objective g = sum(argmax_rows(A)) + sum(x)\nsolve nope\n",
              NULL, 0);
  assert_null(p);
  assert_int_equal(diag_error_count(&fx.d), 4);
  done(&fx);
}

/* The diagnostics written so far. */
static const char *diagnostics(Fx *fx, char *buf, size_t len) {
  fflush(fx->out);
  rewind(fx->out);
  size_t n = fread(buf, 1, len - 1, fx->out);
  buf[n] = '\0';
  return buf;
}

static void test_memory_refused(void **state) {
  (void)state;
  Fx fx;
  char buf[4096];
  /* one declaration: 8 TB (issue 13: it passed check, then run exited 3 "out of memory") */
  Program *p = compile(&fx, "upper x : vector[3] = 0\nlower y : vector[2] = 0\n"
                            "data A : matrix[1e6, 1e6] = ones(1e6, 1e6)\n" BASE, NULL, 0);
  assert_null(p);
  assert_int_equal(diag_error_count(&fx.d), 1);
  const char *d = diagnostics(&fx, buf, sizeof buf);
  if (!strstr(d, "t.blo:3:6: error: data 'A' needs 7.28 TiB (1000000000000 numbers), "
                 "more than this machine's"))
    fail_msg("%s", d);
  done(&fx);
  /* three declarations of 40% of the physical memory each: refused together, at the largest */
  double phys = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE);
  long long n = (long long)sqrt(0.4 * phys / 8);
  char src[512];
  snprintf(src, sizeof src,
           "upper x : vector[3] = 0\nlower y : vector[2] = 0\ndata A : matrix[%lld, %lld] = 1\n"
           "data B : matrix[%lld, %lld] = 1\ndata C : matrix[%lld, %lld] = 1\n" BASE,
           n, n, n + 1, n, n, n);
  p = compile(&fx, src, NULL, 0);
  assert_null(p);
  assert_int_equal(diag_error_count(&fx.d), 1);
  d = diagnostics(&fx, buf, sizeof buf);
  if (!strstr(d, "t.blo:4:6: error: the data and variables need ") ||
      !strstr(d, "in all, more than") ||
      !strstr(d, "hint: data 'B' is the largest"))
    fail_msg("%s", d);
  done(&fx);
  /* 40% alone is fine */
  snprintf(
      src, sizeof src,
      "upper x : vector[3] = 0\nlower y : vector[2] = 0\ndata A : matrix[%lld, %lld] = 1\n" BASE, n,
      n);
  p = compile(&fx, src, NULL, 0);
  assert_non_null(p);
  done(&fx);
}

static void test_stdlib_dir(void **state) {
  (void)state;
  setenv("BLOC_STDLIB", "/tmp/somewhere", 1);
  assert_string_equal(sema_stdlib_dir(), "/tmp/somewhere");
  unsetenv("BLOC_STDLIB");
  assert_non_null(sema_stdlib_dir());
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_layout),
    cmocka_unit_test(test_subscripts_and_samples),
    cmocka_unit_test(test_inlining),
    cmocka_unit_test(test_constants),
    cmocka_unit_test(test_options),
    cmocka_unit_test(test_all_errors_reported),
    cmocka_unit_test(test_memory_refused),
    cmocka_unit_test(test_stdlib_dir),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
