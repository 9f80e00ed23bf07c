/* test_progress.c — the live progress line fits the terminal (issue 11 item 10: it was wider
 * than 80 columns, so the terminal wrapped it and every refresh left a line behind), and
 * rt_term_width's fallbacks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_progress.h"

static const char *const names[] = {"test_accuracy", "validation_loss", "train_loss", NULL};
static const double reports[] = {0.8125, 0.4567891234, 1.25, 7};

static RtProgressLine line(bool last) {
  RtProgressLine pl = {"lancbio", 420,     1000,  0.123456789, 3.5e-4, 4,
                       names,     reports, 12.34, 16.5,        last};
  return pl;
}

static void test_unlimited(void **state) {
  (void)state;
  char buf[512];
  RtProgressLine pl = line(false);
  size_t n = rt_progress_format(buf, sizeof buf, &pl, 0);
  assert_string_equal(
      buf, "lancbio: step 420/1000  f 0.123457  |hypergrad| 0.00035  test_accuracy 0.8125  "
           "validation_loss 0.456789  train_loss 1.25  report 7  elapsed 12.3s  ETA 16.5s");
  assert_int_equal(n, strlen(buf));
  pl = line(true);
  rt_progress_format(buf, sizeof buf, &pl, 0);
  assert_string_equal(
      buf, "lancbio: step 420/1000  f 0.123457  |hypergrad| 0.00035  test_accuracy 0.8125  "
           "validation_loss 0.456789  train_loss 1.25  report 7  elapsed 12.3s");
}

/* At 80 columns: reports that do not fit are dropped from the right, the ETA kept, and the
 * line leaves the last column free (79 characters at most). */
static void test_fits_80(void **state) {
  (void)state;
  char buf[512];
  RtProgressLine pl = line(false);
  size_t n = rt_progress_format(buf, sizeof buf, &pl, 80);
  assert_string_equal(buf, "lancbio: step 420/1000  f 0.123457  |hypergrad| 0.00035  ETA 16.5s");
  assert_true(n <= 79);
  pl = line(true);
  rt_progress_format(buf, sizeof buf, &pl, 80);
  assert_string_equal(buf,
                      "lancbio: step 420/1000  f 0.123457  |hypergrad| 0.00035  elapsed 12.3s");
  pl = line(false);
  n = rt_progress_format(buf, sizeof buf, &pl, 120);
  assert_string_equal(
      buf, "lancbio: step 420/1000  f 0.123457  |hypergrad| 0.00035  test_accuracy 0.8125  "
           "elapsed 12.3s  ETA 16.5s");
  assert_true(n <= 119);
}

/* Every width from 1 to 300 gives a line of at most width - 1 characters, and the same line
 * as the unlimited one when that fits. */
static void test_every_width(void **state) {
  (void)state;
  char full[512], buf[512];
  for (int last = 0; last < 2; last++) {
    RtProgressLine pl = line(last);
    size_t nfull = rt_progress_format(full, sizeof full, &pl, 0);
    for (int w = 1; w <= 300; w++) {
      size_t n = rt_progress_format(buf, sizeof buf, &pl, w);
      assert_int_equal(n, strlen(buf));
      assert_true(n <= (size_t)(w - 1));
      if (nfull <= (size_t)(w - 1)) assert_string_equal(buf, full);
      assert_null(strchr(buf, '\n'));
    }
  }
  /* narrower than the head: the head is cut, never overflowing */
  RtProgressLine pl = line(false);
  rt_progress_format(buf, sizeof buf, &pl, 10);
  assert_string_equal(buf, "lancbio: ");
  /* a small buffer is never overrun */
  rt_progress_format(buf, 8, &pl, 0);
  assert_string_equal(buf, "lancbio");
}

static void test_before_first_step(void **state) {
  (void)state;
  char buf[512];
  RtProgressLine pl = {"exact", 0, 3, 2, NAN, 0, NULL, NULL, 0, NAN, false};
  rt_progress_format(buf, sizeof buf, &pl, 80);
  assert_string_equal(buf, "exact: step 0/3  f 2  |hypergrad| -  elapsed 0.0s  ETA ?");
}

/* Not a terminal: $COLUMNS, else 80. */
static void test_term_width(void **state) {
  (void)state;
  FILE *f = tmpfile();
  assert_non_null(f);
  unsetenv("COLUMNS");
  assert_int_equal(rt_term_width(f), 80);
  setenv("COLUMNS", "132", 1);
  assert_int_equal(rt_term_width(f), 132);
  setenv("COLUMNS", "wide", 1);
  assert_int_equal(rt_term_width(f), 80);
  fclose(f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_unlimited),   cmocka_unit_test(test_fits_80),
      cmocka_unit_test(test_every_width), cmocka_unit_test(test_before_first_step),
      cmocka_unit_test(test_term_width),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
