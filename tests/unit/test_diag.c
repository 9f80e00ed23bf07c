/* test_diag.c — diagnostics: line/column mapping, caret excerpts, suggestions, arena. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/arena.h"
#include "support/diag.h"

static char *render(Diag *d) {
  fflush(d->out);
  long n = ftell(d->out);
  rewind(d->out);
  char *buf = calloc(1, (size_t)n + 1);
  assert_int_equal(fread(buf, 1, (size_t)n, d->out), (size_t)n);
  return buf;
}

static void test_line_col(void **state) {
  (void)state;
  Arena a;
  arena_init(&a);
  Diag d;
  diag_init(&d, &a, stderr);
  const char *src = "ab\ncde\n\nf";
  uint32_t f = diag_add_file(&d, "t.blo", src, strlen(src));
  uint32_t line, col;
  diag_line_col(&d, f, 0, &line, &col);
  assert_int_equal(line, 1); assert_int_equal(col, 1);
  diag_line_col(&d, f, 4, &line, &col);
  assert_int_equal(line, 2); assert_int_equal(col, 2);
  diag_line_col(&d, f, 8, &line, &col);
  assert_int_equal(line, 4); assert_int_equal(col, 1);
  arena_free(&a);
}

static void test_error_format(void **state) {
  (void)state;
  Arena a;
  arena_init(&a);
  Diag d;
  FILE *out = tmpfile();
  diag_init(&d, &a, out);
  const char *src = "const n = 3\nupper objective f = x + y\n";
  uint32_t f = diag_add_file(&d, "dir/p.blo", src, strlen(src));
  diag_error(&d, (Span){f, 32, 37}, "shape mismatch in '%s'", "+");
  diag_hint(&d, "use %s", "rowwise");
  char *txt = render(&d);
  assert_string_equal(txt, "dir/p.blo:2:21: error: shape mismatch in '+'\n"
                           "    2 | upper objective f = x + y\n"
                           "      |                     ^~~~~\n"
                           "hint: use rowwise\n");
  assert_int_equal(diag_error_count(&d), 1);
  assert_string_equal(diag_file(&d, f)->dir, "dir");
  free(txt);
  fclose(out);
  arena_free(&a);
}

static void test_suggest(void **state) {
  (void)state;
  const char *names[] = {"sigmoid", "softplus", "sumsq", NULL, "sum"};
  assert_string_equal(diag_suggest("sigmiod", names, 5), "sigmoid");
  assert_string_equal(diag_suggest("smsq", names, 5), "sumsq");
  assert_null(diag_suggest("banana", names, 5));
}

static void test_arena(void **state) {
  (void)state;
  Arena a;
  arena_init(&a);
  for (int i = 0; i < 1000; i++) {
    char *p = arena_alloc(&a, (size_t)(i * 37 % 5000) + 1);
    assert_true(((uintptr_t)p & 15) == 0);
  }
  char *big = arena_alloc(&a, 1 << 20);
  big[(1 << 20) - 1] = 1;
  assert_string_equal(arena_printf(&a, "%d-%s", 7, "x"), "7-x");
  PtrVec v = {0};
  for (intptr_t i = 0; i < 100; i++) ptrvec_push(&a, &v, (void *)i);
  assert_int_equal(v.len, 100);
  assert_int_equal((intptr_t)v.items[99], 99);
  arena_free(&a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_line_col),
    cmocka_unit_test(test_error_format),
    cmocka_unit_test(test_suggest),
    cmocka_unit_test(test_arena),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
