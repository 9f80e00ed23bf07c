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

static void count_event(void *ctx, const DiagEvent *ev) {
  int *counts = ctx;
  counts[ev->kind]++;
}

/* Past the error limit a message costs nothing: the sink hears of the limit once (each dropped
 * error opened a memory stream and called it, and the C API's sink appended to the last
 * message each time: 16 MiB of NUL bytes, an error each, took 16 s in bloc check), and
 * diag_stopped says so, for callers that stop checking. */
static void test_error_limit(void **state) {
  (void)state;
  Arena a;
  arena_init(&a);
  Diag d;
  diag_init(&d, &a, stderr);
  int counts[8] = {0};
  d.sink = count_event;
  d.sink_ctx = counts;
  const char *src = "zz\n";
  uint32_t f = diag_add_file(&d, "t.blo", src, strlen(src));
  for (int i = 0; i < 1000; i++) {
    assert_int_equal(diag_stopped(&d), i > d.max_errors);
    diag_error(&d, (Span){f, 0, 2}, "unknown name '%s'", "zz");
    diag_note(&d, (Span){f, 0, 2}, "a note");
    diag_hint(&d, "a hint");
  }
  assert_int_equal(counts[DIAG_ERROR], d.max_errors);
  assert_int_equal(counts[DIAG_NOTE], d.max_errors);
  assert_int_equal(counts[DIAG_HINT], d.max_errors);
  assert_int_equal(counts[DIAG_LIMIT], 1);
  assert_int_equal(diag_error_count(&d), 1000);
  arena_free(&a);
}

/* A long span and a long quoted text are cut as a long line is: 80 bytes at each end. */
static void test_long_span(void **state) {
  (void)state;
  Arena a;
  arena_init(&a);
  Diag d;
  FILE *out = tmpfile();
  diag_init(&d, &a, out);
  char name[1001];
  memset(name, 'a', 1000);
  name[1000] = '\0';
  name[999] = 'z';
  char src[1100];
  snprintf(src, sizeof src, "f = %s + 1\n", name);
  uint32_t f = diag_add_file(&d, "t.blo", src, strlen(src));
  diag_error(&d, (Span){f, 4, 1004}, "unknown name '%s'", name);
  char *txt = render(&d);
  char a80[81], a79z[81], tildes[200], want[1000];
  memset(a80, 'a', 80), a80[80] = '\0';
  memset(a79z, 'a', 79), a79z[79] = 'z', a79z[80] = '\0';
  memset(tildes, '~', 162), tildes[162] = '\0';
  snprintf(want, sizeof want,
           "t.blo:1:5: error: unknown name '%s...%s'\n"
           "    1 | f = %s...%s + 1\n"
           "      |     ^%s\n",
           a80, a79z, a80, a79z, tildes);
  assert_string_equal(txt, want);
  free(txt);
  fclose(out);
  arena_free(&a);
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
    cmocka_unit_test(test_error_limit),
    cmocka_unit_test(test_long_span),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
