/* test_lexer.c — the scanner: tokens, values, spans as byte offsets, and errors that are
 * reported while scanning goes on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lex.h"

typedef struct Tok {
  int code;
  PARSE_STYPE val;
  Span at;
} Tok;

/* A scan's arena and diagnostics (written to a temporary file), as test_parser's. */
typedef struct Fx {
  Arena a;
  Diag d;
  FILE *out;
} Fx;

/* Scan `src` into toks (at most 64) with a fresh fx; returns the count (the final 0 not
 * included). */
static int scan(Fx *fx, const char *src, Tok *toks) {
  arena_init(&fx->a);
  fx->out = tmpfile();
  diag_init(&fx->d, &fx->a, fx->out);
  uint32_t f = diag_add_file(&fx->d, "t.blo", src, strlen(src));
  LexState *ls = lex_open(&fx->a, &fx->d, f);
  int n = 0;
  for (;;) {
    Tok t;
    t.code = lex_next(ls, &t.val, &t.at);
    if (t.code == 0 || n == 64) break;
    toks[n++] = t;
  }
  lex_close(ls);
  return n;
}

static void done(Fx *fx) {
  fclose(fx->out);
  arena_free(&fx->a);
}

static void test_tokens_and_spans(void **state) {
  (void)state;
  Fx fx;
  Tok t[64];
  int n = scan(&fx, "upper x : vector[n] = 0  # comment\nx' <= 1.5e2", t);
  int want[] = {UPPER, IDENT, ':', VECTOR, '[', IDENT, ']', '=', NUMBER, IDENT, '\'', LE, NUMBER};
  assert_int_equal(n, (int)(sizeof want / sizeof want[0]));
  for (int i = 0; i < n; i++) assert_int_equal(t[i].code, want[i]);
  assert_string_equal(t[1].val.str, "x");
  assert_int_equal(t[1].at.start, 6);
  assert_int_equal(t[1].at.end, 7);
  assert_int_equal(t[3].at.start, 10);
  assert_int_equal(t[3].at.end, 16);
  assert_true(t[12].val.num == 150.0);
  assert_int_equal(t[12].at.start, 41);
  assert_int_equal(diag_error_count(&fx.d), 0);
  done(&fx);
}

static void test_numbers(void **state) {
  (void)state;
  Fx fx;
  Tok t[64];
  int n = scan(&fx, "12 0.5 1e-5 .5 3. 2E+3", t);
  double want[] = {12, 0.5, 1e-5, 0.5, 3, 2000};
  assert_int_equal(n, 6);
  for (int i = 0; i < n; i++) {
    assert_int_equal(t[i].code, NUMBER);
    assert_true(t[i].val.num == want[i]);
  }
  assert_int_equal(diag_error_count(&fx.d), 0);
  done(&fx);
}

static void test_keywords_not_builtins(void **state) {
  (void)state;
  Fx fx;
  Tok t[64];
  int n = scan(
      &fx,
      "problem import const data upper lower objective fn solve report sample vector matrix scalar "
      "batch of sum",
      t);
  int want[] = {PROBLEM, IMPORT, CONST,  DATA,   UPPER,  LOWER, OBJECTIVE, FN,   SOLVE,
                REPORT,  SAMPLE, VECTOR, MATRIX, SCALAR, IDENT, IDENT,     IDENT};
  assert_int_equal(n, 17);
  for (int i = 0; i < n; i++) assert_int_equal(t[i].code, want[i]);
  done(&fx);
}

static void test_strings(void **state) {
  (void)state;
  Fx fx;
  Tok t[64];
  int n = scan(&fx, "\"a\\\"b\\\\c\" \"# not a comment\"", t);
  assert_int_equal(n, 2);
  assert_int_equal(t[0].code, STRING);
  assert_string_equal(t[0].val.str, "a\"b\\c");
  assert_string_equal(t[1].val.str, "# not a comment");
  assert_int_equal(diag_error_count(&fx.d), 0);
  done(&fx);
}

static void test_errors_keep_scanning(void **state) {
  (void)state;
  Fx fx;
  Tok t[64];
  /* stray '$', a bad escape, an unterminated string, a malformed number: 4 errors, and
   * the tokens around them still come out */
  int n = scan(&fx, "a $ b \"x\\qy\" \"open\n1e+ c", t);
  assert_int_equal(diag_error_count(&fx.d), 4);
  int want[] = {IDENT, IDENT, STRING, STRING, NUMBER, IDENT};
  assert_int_equal(n, 6);
  for (int i = 0; i < n; i++) assert_int_equal(t[i].code, want[i]);
  assert_string_equal(t[3].val.str, "open");
  done(&fx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_tokens_and_spans),
    cmocka_unit_test(test_numbers),
    cmocka_unit_test(test_keywords_not_builtins),
    cmocka_unit_test(test_strings),
    cmocka_unit_test(test_errors_keep_scanning),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
