/* test_data.c — the loaders and the CSV writer/reader: every format on files the tests write into
 * a fresh temporary directory (plain and gzipped), every malformed or truncated variant with its
 * exact message, shape mismatches, and the real Fashion-MNIST / scikit-learn files when they
 * are installed (skipped otherwise). */
#define _XOPEN_SOURCE 700
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "fixture_dir.h"
#include "load_expect.h"
#include "rt_data.h"
#include "rt_data_impl.h" /* rt_data_read_file */
#include "rt_rng.h"
#include "rt_sparse.h"

/* ------------------------------------------------------------------ fixtures */

static int group_setup(void **state) {
  (void)state;
  return fxd_create("data");
}

static int file_exists(const char *p) { return access(p, R_OK) == 0; }

static void expect_values(const RtTensor *t, int rank, int64_t rows, int64_t cols,
                          const double *v) {
  assert_int_equal(t->rank, rank);
  assert_int_equal(t->rows, rows);
  assert_int_equal(t->cols, cols);
  assert_non_null(t->v);
  for (int64_t i = 0; i < rows * cols; i++)
    if (t->v[i] != v[i]) fail_msg("value %lld: %.17g, expected %.17g", (long long)i, t->v[i], v[i]);
}

#define E sizeof g_err

/* ------------------------------------------------------------------ CSV */

static void test_csv_matrix(void **state) {
  (void)state;
  RtTensor t;
  const double want[] = {1, 2, 3, 4, 5.5, -6e-3};
  expect_ok(rt_load_csv(fxd_text("m.csv", "1,2,3\n4,5.5,-6e-3\n"), rt_shape(2, 2, 3), &t,
                        rt_err(g_err, E)));
  expect_values(&t, 2, 2, 3, want);
  rt_tensor_free(&t);
  assert_null(t.v);
  /* header, blanks around fields, CRLF, quotes, a BOM, blank lines inside and at the end */
  expect_ok(rt_load_csv(
      fxd_text("h.csv", "\xEF\xBB\xBF\"a\", b ,c\r\n 1 , 2,3 \r\n\r\n\t4,\"5.5\" ,-6e-3\r\n\n  \n"),
      rt_shape(2, 2, 3), &t, rt_err(g_err, E)));
  expect_values(&t, 2, 2, 3, want);
  rt_tensor_free(&t);
  /* CR alone ends no line (doc/data.md): said, where it was "a header line but no numbers"
   * (comma-separated) or one row of 6 numbers (blank-separated); a final CR is a blank */
  const char *cr_says = "line 1: its lines end with CR alone (classic Mac OS line endings), which "
                        "are not supported: use \\n or \\r\\n (tr '\\r' '\\n' converts them)";
  expect_fail(rt_load_csv(fxd_text("cr.csv", "1,2,3\r4,5.5,-6e-3\r"), rt_shape(2, 2, 3), &t,
                          rt_err(g_err, E)), t, cr_says);
  expect_fail(rt_load_csv(fxd_text("crw.csv", "1 2 3\r4 5.5 -6e-3"), rt_shape(1, 6, 1), &t,
                          rt_err(g_err, E)), t, cr_says);
  expect_fail(rt_load_csv_rows(fxd_path("cr.csv"), rt_shape(2, 2, 3), (RtRows){1, 1}, &t,
                               rt_err(g_err, E)), t, cr_says);
  expect_ok(rt_load_csv(fxd_text("cr1.csv", "1,2,3\r"), rt_shape(1, 3, 1), &t, rt_err(g_err, E)));
  rt_tensor_free(&t);
  /* blank-separated, no final newline */
  expect_ok(rt_load_csv(fxd_text("w.csv", "1 2\t3\n  4 5.5 -6e-3"), rt_shape(2, 2, 3), &t,
                        rt_err(g_err, E)));
  expect_values(&t, 2, 2, 3, want);
  rt_tensor_free(&t);
  /* a header whose fields are partly numeric (scikit-learn style) is still a header */
  expect_ok(rt_load_csv(fxd_text("s.csv", "2,3,setosa\n1,2,3\n4,5.5,-6e-3\n"), rt_shape(2, 2, 3),
                        &t, rt_err(g_err, E)));
  expect_values(&t, 2, 2, 3, want);
  rt_tensor_free(&t);
  /* RT_ANY takes the size from the file */
  expect_ok(rt_load_csv(fxd_path("m.csv"), rt_shape(2, RT_ANY, RT_ANY), &t, rt_err(g_err, E)));
  expect_values(&t, 2, 2, 3, want);
  rt_tensor_free(&t);
  /* gzip is transparent */
  const char *txt = "x,y,z\n1,2,3\n4,5.5,-6e-3\n";
  expect_ok(
      rt_load_csv(fxd_gz("m.csv.gz", txt, strlen(txt)), rt_shape(2, 2, 3), &t, rt_err(g_err, E)));
  expect_values(&t, 2, 2, 3, want);
  rt_tensor_free(&t);
}

static void test_csv_vector_layouts(void **state) {
  (void)state;
  RtTensor t;
  const double want[] = {0.5, -1, 2e10, 3};
  expect_ok(rt_load_csv(fxd_text("col.csv", "0.5\n-1\n2e10\n3\n\n"), rt_shape(1, 4, 1), &t,
                        rt_err(g_err, E)));
  expect_values(&t, 1, 4, 1, want);
  rt_tensor_free(&t);
  expect_ok(rt_load_csv(fxd_text("row.csv", "0.5, -1, 2e10, 3\n"), rt_shape(1, 4, 1), &t,
                        rt_err(g_err, E)));
  expect_values(&t, 1, 4, 1, want);
  rt_tensor_free(&t);
  expect_ok(rt_load_csv(fxd_text("colh.csv", "value\n0.5\n-1\n2e10\n3\n"), rt_shape(1, 4, 1), &t,
                        rt_err(g_err, E)));
  expect_values(&t, 1, 4, 1, want);
  rt_tensor_free(&t);
  expect_ok(rt_load_csv(fxd_path("col.csv"), rt_shape(1, RT_ANY, 1), &t, rt_err(g_err, E)));
  expect_values(&t, 1, 4, 1, want);
  rt_tensor_free(&t);
  /* a column also loads as matrix[4, 1], a row as matrix[1, 4] */
  expect_ok(rt_load_csv(fxd_path("col.csv"), rt_shape(2, 4, 1), &t, rt_err(g_err, E)));
  rt_tensor_free(&t);
  expect_ok(rt_load_csv(fxd_path("row.csv"), rt_shape(2, 1, 4), &t, rt_err(g_err, E)));
  rt_tensor_free(&t);
  expect_fail(rt_load_csv(fxd_path("row.csv"), rt_shape(2, 4, 1), &t, rt_err(g_err, E)), t,
              "holds one row of 4 numbers but the declaration says matrix[4, 1]");
  /* scalar */
  const double one[] = {42};
  expect_ok(rt_load_csv(fxd_text("s.csv", " 42 \n"), rt_shape(0, 1, 1), &t, rt_err(g_err, E)));
  expect_values(&t, 0, 1, 1, one);
  rt_tensor_free(&t);
  expect_fail(rt_load_csv(fxd_path("col.csv"), rt_shape(0, 1, 1), &t, rt_err(g_err, E)), t,
              "holds one column of 4 numbers but the declaration says scalar");
}

static void test_csv_errors(void **state) {
  (void)state;
  RtTensor t;
  char msg[600];
  const char *p = fxd_text("train.csv", "1,2,3\n4,5,6\n7,8\n");
  snprintf(msg, sizeof msg, "'%s' line 3: expected 3 fields, found 2", p);
  expect_fail(rt_load_csv(p, rt_shape(2, 3, 3), &t, rt_err(g_err, E)), t, msg);
  assert_string_equal(g_err, msg); /* the whole message, nothing more */

  p = fxd_text("nan.csv", "1,2,3\n4,nan,6\n");
  snprintf(msg, sizeof msg, "'%s' line 2, field 2: 'nan' is not a finite number", p);
  expect_fail(rt_load_csv(p, rt_shape(2, 2, 3), &t, rt_err(g_err, E)), t, msg);
  expect_fail(rt_load_csv(fxd_text("inf.csv", "1,2,3\n4,5,-Inf\n"), rt_shape(2, 2, 3), &t,
                          rt_err(g_err, E)),
              t, "line 2, field 3: '-Inf' is not a finite number");
  expect_fail(
      rt_load_csv(fxd_text("inf1.csv", "inf\n1\n"), rt_shape(1, 2, 1), &t, rt_err(g_err, E)), t,
      "line 1, field 1: 'inf' is not a finite number");
  expect_fail(
      rt_load_csv(fxd_text("big.csv", "1,2\n3,1e999\n"), rt_shape(2, 2, 2), &t, rt_err(g_err, E)),
      t, "line 2, field 2: '1e999' is out of the range of a double");
  expect_fail(rt_load_csv(fxd_text("empty_field.csv", "1,2\n3,,4\n"), rt_shape(2, 2, 3), &t,
                          rt_err(g_err, E)),
              t, "line 2, field 2: empty field");
  expect_fail(rt_load_csv(fxd_text("trailing_comma.csv", "1,2,\n"), rt_shape(1, 2, 1), &t,
                          rt_err(g_err, E)),
              t, "line 1, field 3: empty field");
  expect_fail(rt_load_csv(fxd_text("word.csv", "a,b\n1,2\n3,x7\n"), rt_shape(2, 2, 2), &t,
                          rt_err(g_err, E)),
              t, "line 3, field 2: 'x7' is not a number");
  expect_fail(
      rt_load_csv(fxd_text("unit.csv", "1,2\n3,4kg\n"), rt_shape(2, 2, 2), &t, rt_err(g_err, E)), t,
      "line 2, field 2: '4kg' is not a number");
  assert_null(strstr(g_err, "a date"));
  /* a date or time, the first column of a time series as pandas writes it, says so: it said
   * only "is not a number" (s50 nuK 5) */
  static const char *const dates[] = {"2024-01-31", "31/01/2024", "31.01.2024", "31-Jan-2024",
                                      "2024-01-31 09:30:00", "2024-01-31T09:30", "09:30",
                                      "09:30:00.5"};
  for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++) {
    char text[64];
    snprintf(text, sizeof text, "i,d,v\n0,%s,1.5\n", dates[i]);
    snprintf(msg, sizeof msg, "line 2, field 2: '%s' is not a number (a date or time? "
             "load_csv reads numbers only: drop that column", dates[i]);
    expect_fail(rt_load_csv(fxd_text("date.csv", text), rt_shape(2, 1, 3), &t,
                            rt_err(g_err, E)), t, msg);
  }
  static const char *const not_dates[] = {"1-2",    "2024-01", "12345-01-01",    "1-2-3x",
                                          "1:2",    "1:23x",   "31-January-2024"};
  for (size_t i = 0; i < sizeof not_dates / sizeof not_dates[0]; i++) {
    char text[64];
    snprintf(text, sizeof text, "i,d,v\n0,%s,1.5\n", not_dates[i]);
    assert_int_not_equal(
        rt_load_csv(fxd_text("date.csv", text), rt_shape(2, 1, 3), &t, rt_err(g_err, E)), 0);
    if (strstr(g_err, "a date")) fail_msg("'%s' read as a date: %s", not_dates[i], g_err);
  }

  /* shape mismatches name both shapes */
  p = fxd_text("X.csv", "1,2,3\n4,5,6\n");
  snprintf(msg, sizeof msg, "'%s' holds a 2 x 3 matrix but the declaration says matrix[2, 4]", p);
  expect_fail(rt_load_csv(p, rt_shape(2, 2, 4), &t, rt_err(g_err, E)), t, msg);
  expect_fail(rt_load_csv(p, rt_shape(2, 3, 3), &t, rt_err(g_err, E)), t,
              "holds a 2 x 3 matrix but the declaration says matrix[3, 3]");
  expect_fail(
      rt_load_csv(p, rt_shape(1, 6, 1), &t, rt_err(g_err, E)), t,
      "holds a 2 x 3 matrix but the declaration says vector[6] (a vector is one number per line, "
      "or a single row)");
  expect_fail(rt_load_csv(fxd_text("v.csv", "1\n2\n3\n"), rt_shape(1, 4, 1), &t, rt_err(g_err, E)),
              t, "holds one column of 3 numbers but the declaration says vector[4]");
  /* a first data line with a typo is taken as a header: the shape check says so */
  expect_fail(
      rt_load_csv(fxd_text("typo.csv", "1,2o\n3,4\n"), rt_shape(2, 2, 2), &t, rt_err(g_err, E)), t,
      "holds one row of 2 numbers but the declaration says matrix[2, 2] (line 1 was read as a "
      "header and skipped)");

  /* files that are not there, empty, blank, a directory, binary */
  p = fxd_path("absent.csv");
  snprintf(msg, sizeof msg, "'%s': cannot open: No such file or directory", p);
  expect_fail(rt_load_csv(p, rt_shape(1, 3, 1), &t, rt_err(g_err, E)), t, msg);
  p = fxd_text("empty.csv", "");
  snprintf(msg, sizeof msg, "'%s' is empty", p);
  expect_fail(rt_load_csv(p, rt_shape(1, 3, 1), &t, rt_err(g_err, E)), t, msg);
  /* an empty standard input says why it may be (mpirun's ranks but 0 get none): it said only
   * "'/dev/stdin' is empty" on rank 1 */
  char why[256];
  assert_int_equal(rt_data_empty(why, sizeof why, "/dev/stdin", 0), -1);
  assert_string_equal(why, "'/dev/stdin' is empty (under mpirun only rank 0 receives standard "
                           "input)");
  rt_data_empty(why, sizeof why, p, 1);
  assert_null(strstr(why, "mpirun"));
  assert_non_null(strstr(why, "is empty (after gzip decompression)"));
  expect_fail(
      rt_load_csv(fxd_text("blank.csv", "\n \n\t\n"), rt_shape(1, 3, 1), &t, rt_err(g_err, E)), t,
      "holds no numbers");
  expect_fail(rt_load_csv(fxd_text("hdr.csv", "a,b,c\n"), rt_shape(1, 3, 1), &t, rt_err(g_err, E)),
              t, "has a header line but no numbers");
  expect_fail(rt_load_csv(fxd_dir(), rt_shape(1, 3, 1), &t, rt_err(g_err, E)), t, "is a directory");
  expect_fail(rt_load_csv(fxd_bytes("bin.csv", "1,2\n3\0004\n", 8), rt_shape(2, 2, 2), &t,
                          rt_err(g_err, E)),
              t, "line 2: contains a NUL byte (is this a binary file?)");
  expect_fail(rt_load_csv("", rt_shape(1, 3, 1), &t, rt_err(g_err, E)), t, "empty file name");
  /* a bad expected shape is reported, not trusted */
  expect_fail(rt_load_csv(fxd_path("X.csv"), rt_shape(3, 2, 3), &t, rt_err(g_err, E)), t,
              "invalid expected shape");
  /* a tiny message buffer truncates safely; a NULL one is allowed */
  char small[8];
  assert_int_not_equal(
      rt_load_csv(fxd_path("train.csv"), rt_shape(2, 3, 3), &t, rt_err(small, sizeof small)), 0);
  assert_int_equal(strlen(small), 7);
  assert_int_not_equal(rt_load_csv(fxd_path("train.csv"), rt_shape(2, 3, 3), &t, rt_err(NULL, 0)),
                       0);
}

static void test_csv_write_read_roundtrip(void **state) {
  (void)state;
  double v[12] = {0.1, -0.0, 1.0 / 3, 1e308, 4.9e-324, -2.2250738585072014e-308,
                  123456789012345678.0, 1e-300, 5, -7.25, 3.141592653589793, 0};
  RtTensor t;
  const char *p = fxd_path("out_m.csv");
  expect_ok(rt_save_csv(p, rt_shape(2, 3, 4), v, rt_err(g_err, E)));
  expect_ok(rt_load_csv(p, rt_shape(2, 3, 4), &t, rt_err(g_err, E)));
  assert_memory_equal(t.v, v, sizeof v); /* bit-exact, including -0 and subnormals */
  rt_tensor_free(&t);
  size_t n;
  unsigned char *txt = fxd_read(p, &n);
  assert_non_null(memchr(txt, ',', n));
  free(txt);

  p = fxd_path("out_v.csv");
  expect_ok(rt_save_csv(p, rt_shape(1, 12, 1), v, rt_err(g_err, E)));
  txt = fxd_read(p, &n);
  assert_null(memchr(txt, ',', n)); /* one number per line */
  free(txt);
  double x[12];
  expect_ok(rt_read_vector_csv(p, "x", 12, x, rt_err(g_err, E)));
  assert_memory_equal(x, v, sizeof v);
  /* a point given as a single row works too */
  expect_ok(rt_save_csv(fxd_path("out_row.csv"), rt_shape(2, 1, 12), v, rt_err(g_err, E)));
  memset(x, 0, sizeof x);
  expect_ok(rt_read_vector_csv(fxd_path("out_row.csv"), "x", 12, x, rt_err(g_err, E)));
  assert_memory_equal(x, v, sizeof v);
  expect_ok(rt_save_csv(fxd_path("out_s.csv"), rt_shape(0, 1, 1), v + 2, rt_err(g_err, E)));
  expect_ok(rt_read_vector_csv(fxd_path("out_s.csv"), NULL, 1, x, rt_err(g_err, E)));
  assert_true(x[0] == 1.0 / 3);

  char msg[600];
  snprintf(msg, sizeof msg, "'%s' holds 12 numbers but y has 13", p);
  g_err[0] = 0;
  assert_int_not_equal(rt_read_vector_csv(p, "y", 13, x, rt_err(g_err, E)), 0);
  assert_string_equal(g_err, msg);
  assert_int_not_equal(rt_read_vector_csv(fxd_path("out_m.csv"), "v", 12, x, rt_err(g_err, E)), 0);
  assert_non_null(strstr(g_err, "holds a 3 x 4 matrix, but v is a vector of 12"));
  assert_int_not_equal(rt_read_vector_csv(fxd_path("nope.csv"), "v", 12, x, rt_err(g_err, E)), 0);
  assert_non_null(strstr(g_err, "cannot open"));

  /* writing where it cannot */
  assert_int_not_equal(
      rt_save_csv(fxd_path("no/such/dir/x.csv"), rt_shape(1, 2, 1), v, rt_err(g_err, E)), 0);
  assert_non_null(strstr(g_err, "cannot write: No such file or directory"));
  if (file_exists("/dev/full")) {
    assert_int_not_equal(rt_save_csv("/dev/full", rt_shape(1, 12, 1), v, rt_err(g_err, E)), 0);
    assert_non_null(strstr(g_err, "write failed"));
  }
  /* non-finite values are written (the state is worth seeing) but not read back */
  double bad[3] = {1, NAN, -INFINITY};
  expect_ok(rt_save_csv(fxd_path("bad.csv"), rt_shape(1, 3, 1), bad, rt_err(g_err, E)));
  expect_fail(rt_load_csv(fxd_path("bad.csv"), rt_shape(1, 3, 1), &t, rt_err(g_err, E)), t,
              "line 2, field 1: 'nan'");
}

static void test_csv_sklearn_files(void **state) {
  (void)state;
  const char *dir = "/usr/lib/python3/dist-packages/sklearn/datasets/data";
  char p[512];
  snprintf(p, sizeof p, "%s/iris.csv", dir);
  if (!file_exists(p)) skip();
  RtTensor t;
  /* "150,4,setosa,versicolor,virginica" is a header; 150 rows of 4 features and a class */
  expect_ok(rt_load_csv(p, rt_shape(2, 150, 5), &t, rt_err(g_err, E)));
  const double first[] = {5.1, 3.5, 1.4, 0.2, 0};
  assert_int_equal(t.rows, 150);
  for (int j = 0; j < 5; j++) assert_true(t.v[j] == first[j]);
  assert_true(t.v[149 * 5 + 4] == 2);
  rt_tensor_free(&t);
  snprintf(p, sizeof p, "%s/linnerud_exercise.csv", dir); /* blank-separated with a header */
  if (file_exists(p)) {
    expect_ok(rt_load_csv(p, rt_shape(2, 20, 3), &t, rt_err(g_err, E)));
    rt_tensor_free(&t);
  }
  snprintf(p, sizeof p, "%s/digits.csv.gz", dir); /* gzipped, no header */
  if (file_exists(p)) {
    expect_ok(rt_load_csv(p, rt_shape(2, 1797, 65), &t, rt_err(g_err, E)));
    for (int64_t i = 0; i < 1797 * 65; i++) assert_true(t.v[i] >= 0 && t.v[i] <= 16);
    rt_tensor_free(&t);
  }
}

/* ------------------------------------------------------------------ IDX */

/* An IDX file: magic, big-endian dims, then `data` (already big-endian). */
static size_t idx_make(unsigned char *buf, int type, int ndim, const uint32_t *dims,
                       const void *data, size_t dlen) {
  size_t k = 0;
  buf[k++] = 0, buf[k++] = 0, buf[k++] = (unsigned char)type, buf[k++] = (unsigned char)ndim;
  for (int i = 0; i < ndim; i++) {
    buf[k++] = (unsigned char)(dims[i] >> 24), buf[k++] = (unsigned char)(dims[i] >> 16);
    buf[k++] = (unsigned char)(dims[i] >> 8), buf[k++] = (unsigned char)dims[i];
  }
  memcpy(buf + k, data, dlen);
  return k + dlen;
}

static void put_be(unsigned char *p, uint64_t v, int size) {
  for (int i = 0; i < size; i++) p[i] = (unsigned char)(v >> (8 * (size - 1 - i)));
}

static void test_idx_formats(void **state) {
  (void)state;
  unsigned char buf[512], data[256];
  RtTensor t;
  /* u8, 2 x 2 x 3 -> matrix[2, 6], plain and gzipped */
  for (int i = 0; i < 12; i++) data[i] = (unsigned char)(i * 20);
  const uint32_t d3[] = {2, 2, 3};
  size_t n = idx_make(buf, 0x08, 3, d3, data, 12);
  double want[12];
  for (int i = 0; i < 12; i++) want[i] = i * 20;
  expect_ok(rt_load_idx(fxd_bytes("u8.idx", buf, n), rt_shape(2, 2, 6), &t, rt_err(g_err, E)));
  expect_values(&t, 2, 2, 6, want);
  rt_tensor_free(&t);
  expect_ok(rt_load_idx(fxd_gz("u8.idx.gz", buf, n), rt_shape(2, 2, 6), &t, rt_err(g_err, E)));
  expect_values(&t, 2, 2, 6, want);
  rt_tensor_free(&t);
  expect_fail(rt_load_idx(fxd_path("u8.idx"), rt_shape(2, 2, 5), &t, rt_err(g_err, E)), t,
              "holds a 2 x 2 x 3 array (flattened to 2 x 6) but the declaration says matrix[2, 5]");
  /* 51 dimensions (50 of 1, then 7): the shape was cut after 40 of them, without a word */
  uint32_t d51[51];
  for (int i = 0; i < 51; i++) d51[i] = i < 50 ? 1 : 7;
  n = idx_make(buf, 0x08, 51, d51, data, 7);
  expect_fail(rt_load_idx(fxd_bytes("d51.idx", buf, n), rt_shape(2, 2, 3), &t, rt_err(g_err, E)),
              t, "holds a 1 x 1 x 1 x 1 x ... x 1 x 1 x 1 x 7 array of 51 dimensions (flattened to "
                 "1 x 7) but the declaration says matrix[2, 3]");

  /* 1-D labels: a vector, or a one-column matrix */
  const uint32_t d1[] = {5};
  unsigned char lab[5] = {9, 0, 3, 255, 1};
  n = idx_make(buf, 0x08, 1, d1, lab, 5);
  const double lw[] = {9, 0, 3, 255, 1};
  expect_ok(rt_load_idx(fxd_bytes("lab.idx", buf, n), rt_shape(1, 5, 1), &t, rt_err(g_err, E)));
  expect_values(&t, 1, 5, 1, lw);
  rt_tensor_free(&t);
  expect_ok(rt_load_idx(fxd_path("lab.idx"), rt_shape(2, 5, 1), &t, rt_err(g_err, E)));
  rt_tensor_free(&t);
  expect_fail(rt_load_idx(fxd_path("lab.idx"), rt_shape(1, 6, 1), &t, rt_err(g_err, E)), t,
              "holds a vector of 5 numbers but the declaration says vector[6]");

  /* signed and wider types, big-endian */
  const double iv[] = {-128, 127, -1, 0};
  unsigned char i8[4] = {0x80, 0x7f, 0xff, 0};
  const uint32_t d4[] = {4}, d22[] = {2, 2};
  n = idx_make(buf, 0x09, 1, d4, i8, 4);
  expect_ok(rt_load_idx(fxd_bytes("i8.idx", buf, n), rt_shape(1, 4, 1), &t, rt_err(g_err, E)));
  expect_values(&t, 1, 4, 1, iv);
  rt_tensor_free(&t);
  const double i16v[] = {-32768, 32767, -2, 300};
  for (int i = 0; i < 4; i++) put_be(data + 2 * i, (uint64_t)(int64_t)i16v[i], 2);
  n = idx_make(buf, 0x0B, 2, d22, data, 8);
  expect_ok(rt_load_idx(fxd_bytes("i16.idx", buf, n), rt_shape(2, 2, 2), &t, rt_err(g_err, E)));
  expect_values(&t, 2, 2, 2, i16v);
  rt_tensor_free(&t);
  const double i32v[] = {-2147483648.0, 2147483647.0, -70000, 70000};
  for (int i = 0; i < 4; i++) put_be(data + 4 * i, (uint64_t)(int64_t)i32v[i], 4);
  n = idx_make(buf, 0x0C, 1, d4, data, 16);
  expect_ok(rt_load_idx(fxd_bytes("i32.idx", buf, n), rt_shape(1, 4, 1), &t, rt_err(g_err, E)));
  expect_values(&t, 1, 4, 1, i32v);
  rt_tensor_free(&t);
  const float f32v[] = {1.5f, -0.1f, 3e38f, 1e-40f};
  for (int i = 0; i < 4; i++) {
    uint32_t w;
    memcpy(&w, &f32v[i], 4);
    put_be(data + 4 * i, w, 4);
  }
  n = idx_make(buf, 0x0D, 2, d22, data, 16);
  expect_ok(rt_load_idx(fxd_bytes("f32.idx", buf, n), rt_shape(2, 2, 2), &t, rt_err(g_err, E)));
  for (int i = 0; i < 4; i++) assert_true(t.v[i] == (double)f32v[i]);
  rt_tensor_free(&t);
  const double f64v[] = {0.1, -1e300, 4.9e-324, 2};
  for (int i = 0; i < 4; i++) {
    uint64_t w;
    memcpy(&w, &f64v[i], 8);
    put_be(data + 8 * i, w, 8);
  }
  n = idx_make(buf, 0x0E, 1, d4, data, 32);
  expect_ok(rt_load_idx(fxd_bytes("f64.idx", buf, n), rt_shape(1, 4, 1), &t, rt_err(g_err, E)));
  expect_values(&t, 1, 4, 1, f64v);
  rt_tensor_free(&t);
  double nanv = NAN;
  uint64_t w;
  memcpy(&w, &nanv, 8);
  put_be(data + 8, w, 8);
  n = idx_make(buf, 0x0E, 2, d22, data, 32);
  expect_fail(rt_load_idx(fxd_bytes("nan.idx", buf, n), rt_shape(2, 2, 2), &t, rt_err(g_err, E)), t,
              "element [0, 1] is NaN (only finite numbers are accepted)");
}

static void test_idx_errors(void **state) {
  (void)state;
  unsigned char buf[512], data[64] = {0};
  RtTensor t;
  char msg[600];
  const uint32_t d3[] = {3, 2, 2}, d1[] = {60};
  size_t n = idx_make(buf, 0x08, 3, d3, data, 8); /* 2 of 3 items */
  const char *p = fxd_bytes("a.idx", buf, n);
  snprintf(msg, sizeof msg,
           "'%s': header says 3 items but the file holds only 2 (each item is 4 u8 values)", p);
  expect_fail(rt_load_idx(p, rt_shape(2, 3, 4), &t, rt_err(g_err, E)), t, msg);
  assert_string_equal(g_err, msg);
  n = idx_make(buf, 0x08, 1, d1, data, 59);
  expect_fail(
      rt_load_idx(fxd_bytes("short1.idx", buf, n), rt_shape(1, 60, 1), &t, rt_err(g_err, E)), t,
      "header says 60 items but the file holds only 59");
  n = idx_make(buf, 0x08, 3, d3, data, 10);
  expect_fail(rt_load_idx(fxd_bytes("part.idx", buf, n), rt_shape(2, 3, 4), &t, rt_err(g_err, E)),
              t, "header says 3 items but the file holds only 2 and part of another");
  n = idx_make(buf, 0x08, 3, d3, data, 13);
  expect_fail(rt_load_idx(fxd_bytes("extra.idx", buf, n), rt_shape(2, 3, 4), &t, rt_err(g_err, E)),
              t, "header says 3 items but the file has 1 extra bytes after them");
  const uint32_t d2w[] = {2, 3};
  n = idx_make(buf, 0x0C, 2, d2w, data, 23);
  expect_fail(
      rt_load_idx(fxd_bytes("i32short.idx", buf, n), rt_shape(2, 2, 3), &t, rt_err(g_err, E)), t,
      "header says 2 items but the file holds only 1 and part of another (each item is 3 i32 "
      "values)");

  expect_fail(rt_load_idx(fxd_bytes("magic.idx", "\x01\x00\x08\x01\0\0\0\1x", 9), rt_shape(1, 1, 1),
                          &t, rt_err(g_err, E)),
              t, "not an IDX file (it starts with bytes 01 00, expected 00 00)");
  expect_fail(
      rt_load_idx(fxd_bytes("type.idx", "\0\0\x0A\x01\0\0\0\1x", 9), rt_shape(1, 1, 1), &t,
                  rt_err(g_err, E)),
      t,
      "IDX type 0x0A is not supported (supported: 0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32, "
      "0x0E f64)");
  expect_fail(rt_load_idx(fxd_bytes("ndim0.idx", "\0\0\x08\x00x", 5), rt_shape(1, 1, 1), &t,
                          rt_err(g_err, E)),
              t, "IDX header declares 0 dimensions");
  expect_fail(rt_load_idx(fxd_bytes("hdr.idx", "\0\0\x08\x03\0\0\0\1\0\0", 10), rt_shape(1, 1, 1),
                          &t, rt_err(g_err, E)),
              t, "truncated IDX header (3 dimensions need 16 bytes, the file has 10)");
  expect_fail(
      rt_load_idx(fxd_bytes("tiny.idx", "\0\0", 2), rt_shape(1, 1, 1), &t, rt_err(g_err, E)), t,
      "too short for an IDX header (2 bytes)");
  expect_fail(rt_load_idx(fxd_bytes("empty.idx", "", 0), rt_shape(1, 1, 1), &t, rt_err(g_err, E)),
              t, "is empty");
  expect_fail(rt_load_idx(fxd_path("missing.idx"), rt_shape(1, 1, 1), &t, rt_err(g_err, E)), t,
              "cannot open: No such file");

  /* a hostile header: 2^32-1 x 2^32-1 x 2^32-1 doubles in a 20-byte file; nothing is allocated */
  const uint32_t huge[] = {0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu};
  n = idx_make(buf, 0x0E, 3, huge, data, 4);
  expect_fail(
      rt_load_idx(fxd_bytes("huge.idx", buf, n), rt_shape(2, RT_ANY, RT_ANY), &t, rt_err(g_err, E)),
      t, "header says 4294967295 items but the file holds only 0");
  /* declared matrix[10, 10]: the header's shape, not its sizes, is what is wrong */
  expect_fail(rt_load_idx(fxd_bytes("huge.idx", buf, n), rt_shape(2, 10, 10), &t,
                          rt_err(g_err, E)),
              t, "holds a 4294967295 x 4294967295 x 4294967295 array");
  assert_non_null(strstr(g_err, "but the declaration says matrix[10, 10]"));
  const uint32_t huge1[] = {0xFFFFFFFFu};
  n = idx_make(buf, 0x08, 1, huge1, data, 4);
  expect_fail(
      rt_load_idx(fxd_bytes("huge1.idx", buf, n), rt_shape(1, RT_ANY, 1), &t, rt_err(g_err, E)), t,
      "header says 4294967295 items but the file holds only 4");

  /* gzip: truncated and corrupt streams */
  unsigned char raw[600];
  const uint32_t d500[] = {500};
  unsigned char big[600];
  for (int i = 0; i < 500; i++) big[i] = (unsigned char)((i * 7919) >> 3);
  n = idx_make(raw, 0x08, 1, d500, big, 500);
  const char *gz = fxd_gz("labels.gz", raw, n);
  size_t glen;
  unsigned char *g = fxd_read(gz, &glen);
  p = fxd_bytes("trunc.gz", g, glen - 20);
  snprintf(msg, sizeof msg, "'%s': truncated gzip stream", p);
  expect_fail(rt_load_idx(p, rt_shape(1, 500, 1), &t, rt_err(g_err, E)), t, msg);
  assert_string_equal(g_err, msg);
  expect_fail(rt_load_idx(fxd_bytes("trunc2.gz", g, 12), rt_shape(1, 500, 1), &t, rt_err(g_err, E)),
              t, "truncated gzip stream");
  g[glen - 6] ^= 0xFF; /* inside the CRC-32 */
  expect_fail(rt_load_idx(fxd_bytes("crc.gz", g, glen), rt_shape(1, 500, 1), &t, rt_err(g_err, E)),
              t, "corrupt gzip stream (incorrect data check)");
  g[glen - 6] ^= 0xFF;
  g[3] = 0xE0; /* reserved flag bits */
  expect_fail(
      rt_load_idx(fxd_bytes("flags.gz", g, glen), rt_shape(1, 500, 1), &t, rt_err(g_err, E)), t,
      "corrupt gzip stream");
  free(g);
  const char *empty_gz = fxd_gz("empty.gz", "", 0);
  expect_fail(rt_load_idx(empty_gz, rt_shape(1, 1, 1), &t, rt_err(g_err, E)), t,
              "is empty (after gzip decompression)");
}

/* rt_data_read_file through libdeflate (BLO_USE_LIBDEFLATE builds) and through zlib
 * (BLOC_LIBDEFLATE=0): the same rc, bytes, length, `over` flag and message. */
static void expect_same_both_ways(const char *path, size_t max_bytes) {
  unsigned char *b[2] = {NULL, NULL};
  size_t len[2] = {0, 0};
  int rc[2], over[2];
  char msg[2][512];
  for (int k = 0; k < 2; k++) {
    if (k) setenv("BLOC_LIBDEFLATE", "0", 1);
    else unsetenv("BLOC_LIBDEFLATE");
    RtReadBound bound = {max_bytes, 1, "the test's", 0, NULL};
    msg[k][0] = 0;
    rc[k] = rt_data_read_file(path, &bound, &b[k], &len[k], msg[k], sizeof msg[k]);
    over[k] = bound.over;
  }
  unsetenv("BLOC_LIBDEFLATE");
  if (rc[0] != rc[1] || strcmp(msg[0], msg[1]) || len[0] != len[1] || over[0] != over[1])
    fail_msg("%s: libdeflate rc %d len %zu over %d \"%s\"; zlib rc %d len %zu over %d \"%s\"",
             path, rc[0], len[0], over[0], msg[0], rc[1], len[1], over[1], msg[1]);
  if (rc[0] == 0) assert_memory_equal(b[0], b[1], len[0] + 1); /* the NUL too */
  free(b[0]);
  free(b[1]);
}

/* Whole gzip files are inflated by libdeflate when the build has it; every case it does not
 * take (several members, trailing data, a trailer that lies about the size, corrupt or
 * truncated streams, a file over the bound) goes to zlib, so nothing a loader sees changes. */
static void test_gzip_libdeflate_agrees_with_zlib(void **state) {
  (void)state;
#ifndef BLO_USE_LIBDEFLATE
  skip(); /* built without libdeflate: zlib reads everything */
#endif
  enum { N = 200000 };
  unsigned char *raw = malloc(N);
  for (size_t i = 0; i < N; i++) raw[i] = (unsigned char)((i * 2654435761u) >> 27);
  const char *one = fxd_gz("whole.gz", raw, N);
  expect_same_both_ways(one, SIZE_MAX);
  expect_same_both_ways(one, N);     /* exactly the bound */
  expect_same_both_ways(one, N - 1); /* one over: a prefix, `over` set */
  expect_same_both_ways(one, 1000);
  size_t glen, hlen;
  unsigned char *g = fxd_read(one, &glen);
  unsigned char *two = malloc(2 * glen + 16);
  memcpy(two, g, glen); /* two members: read one after the other */
  memcpy(two + glen, g, glen);
  expect_same_both_ways(fxd_bytes("two.gz", two, 2 * glen), SIZE_MAX);
  memcpy(two + glen, "trailing garbage", 16); /* data after the member is ignored */
  expect_same_both_ways(fxd_bytes("tail.gz", two, glen + 16), SIZE_MAX);
  memcpy(two, g, glen);
  two[glen - 1] ^= 0x01; /* ISIZE off by 2^24 */
  expect_same_both_ways(fxd_bytes("isize.gz", two, glen), SIZE_MAX);
  two[glen - 1] ^= 0x01;
  two[glen - 4] ^= 0x01; /* ISIZE off by one */
  expect_same_both_ways(fxd_bytes("isize1.gz", two, glen), SIZE_MAX);
  two[glen - 4] ^= 0x01;
  two[glen - 6] ^= 0xFF; /* the CRC */
  expect_same_both_ways(fxd_bytes("crc.gz", two, glen), SIZE_MAX);
  two[glen - 6] ^= 0xFF;
  two[glen / 2] ^= 0x55; /* inside the deflate stream */
  expect_same_both_ways(fxd_bytes("mid.gz", two, glen), SIZE_MAX);
  expect_same_both_ways(fxd_bytes("cut.gz", g, glen - 9), SIZE_MAX); /* truncated trailer */
  expect_same_both_ways(fxd_bytes("cut2.gz", g, glen / 2), SIZE_MAX);
  unsigned char *h = fxd_read(fxd_gz("tiny.gz", "x", 1), &hlen);
  expect_same_both_ways(fxd_bytes("tiny2.gz", h, hlen), SIZE_MAX);
  expect_same_both_ways(fxd_gz("empty.gz", "", 0), SIZE_MAX);
  free(h);
  free(two);
  free(g);
  free(raw);
}

static void test_idx_fashion_mnist(void **state) {
  (void)state;
  const char *lp = "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz";
  const char *ip = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
  if (!file_exists(lp) || !file_exists(ip)) skip();
  RtTensor t;
  expect_ok(rt_load_idx(lp, rt_shape(1, 10000, 1), &t, rt_err(g_err, E)));
  int count[10] = {0};
  for (int i = 0; i < 10000; i++) {
    double y = t.v[i];
    assert_true(y >= 0 && y <= 9 && y == floor(y));
    count[(int)y]++;
  }
  for (int c = 0; c < 10; c++) assert_int_equal(count[c], 1000); /* the test set is balanced */
  rt_tensor_free(&t);
  expect_fail(rt_load_idx(lp, rt_shape(1, 60000, 1), &t, rt_err(g_err, E)), t,
              "holds a vector of 10000 numbers but the declaration says vector[60000]");
  expect_ok(rt_load_idx(ip, rt_shape(2, 10000, 784), &t, rt_err(g_err, E)));
  double mx = 0;
  for (int64_t i = 0; i < 10000 * 784; i++) {
    assert_true(t.v[i] >= 0 && t.v[i] <= 255);
    mx = fmax(mx, t.v[i]);
  }
  assert_true(mx == 255);
  rt_tensor_free(&t);
  expect_fail(rt_load_idx(ip, rt_shape(2, 10000, 28), &t, rt_err(g_err, E)), t,
              "holds a 10000 x 28 x 28 array (flattened to 10000 x 784) but the declaration says "
              "matrix[10000, 28]");
}

/* rt_load_idx_into and rt_idx_open/rt_idx_read (the data stage's paths: decoding into the
 * caller's buffer, and decoding only the rows a slice needs) must give the same bits and the
 * same messages as rt_load_idx, for every element type, plain and gzipped, good files and bad. */
static void check_into_matches(const char *p, int rank, int64_t rows, int64_t cols) {
  RtTensor t;
  char want_err[512], got_err[512];
  want_err[0] = got_err[0] = 0;
  int want_rc = rt_load_idx(p, rt_shape(rank, rows, cols), &t, rt_err(want_err, sizeof want_err));
  int64_t n = rank == 0 ? 1 : rank == 1 ? rows : rows * cols;
  double *dst = malloc((size_t)n * sizeof(double));
  assert_non_null(dst);
  for (int64_t i = 0; i < n; i++) dst[i] = -12345.5; /* must all be overwritten */
  int got_rc =
      rt_load_idx_into(p, rt_shape(rank, rows, cols), dst, rt_err(got_err, sizeof got_err));
  assert_int_equal(got_rc != 0, want_rc != 0);
  assert_string_equal(got_err, want_err);
  if (want_rc == 0) assert_memory_equal(dst, t.v, (size_t)n * sizeof(double));
  free(dst);
  /* rt_idx_open: the same verdict and message; then any block read equals that part of the
   * whole load (whole rows, a column range, single elements, the full tensor) */
  RtIdxFile *f = (RtIdxFile *)1;
  got_err[0] = 0;
  got_rc = rt_idx_open(p, rt_shape(rank, rows, cols), &f, rt_err(got_err, sizeof got_err));
  assert_int_equal(got_rc != 0, want_rc != 0);
  assert_string_equal(got_err, want_err);
  if (want_rc == 0) {
    int64_t R = t.rows, C = t.cols;
    const int64_t blocks[][4] = {{0, R, 0, C},
                                 {R / 3, R - R / 3, 0, C},
                                 {1, R / 2, C / 4, C - C / 4},
                                 {R - 1, 1, C - 1, 1},
                                 {0, 1, 0, 1},
                                 {R / 2, 2 < R - R / 2 ? 2 : 1, 0, C / 2 + 1}};
    double *blk = malloc((size_t)(R * C) * sizeof(double));
    assert_non_null(blk);
    for (size_t b = 0; b < sizeof blocks / sizeof blocks[0]; b++) {
      int64_t r0 = blocks[b][0], nr = blocks[b][1], c0 = blocks[b][2], nc = blocks[b][3];
      if (nr < 1 || nc < 1 || r0 + nr > R || c0 + nc > C) continue;
      rt_idx_read(f, r0, nr, c0, nc, blk);
      for (int64_t i = 0; i < nr; i++)
        assert_memory_equal(blk + i * nc, t.v + (r0 + i) * C + c0, (size_t)nc * sizeof(double));
    }
    free(blk);
  } else {
    assert_null(f);
  }
  rt_idx_close(f);
  rt_tensor_free(&t);
}

static void test_idx_into_matches(void **state) {
  (void)state;
  enum { ROWS = 300, COLS = 49 };
  static unsigned char data[ROWS * COLS * 8], buf[ROWS * COLS * 8 + 64];
  static const struct {
    int type, esize;
  } types[] = {{0x08, 1}, {0x09, 1}, {0x0B, 2}, {0x0C, 4}, {0x0D, 4}, {0x0E, 8}};
  RtRng r = rt_rng_stream(7, "idx_into");
  for (size_t k = 0; k < sizeof types / sizeof types[0]; k++) {
    int es = types[k].esize;
    for (size_t i = 0; i < sizeof data; i++) data[i] = (unsigned char)rt_rng_next(&r);
    if (es >= 4 && types[k].type >= 0x0D) /* floats: keep them finite (exponent below all-ones) */
      for (size_t i = 0; i < (size_t)ROWS * COLS; i++) data[i * es] &= 0x3F;
    const uint32_t d3[] = {ROWS, 7, 7}, d1[] = {ROWS * COLS};
    char name[64];
    size_t n = idx_make(buf, (unsigned char)types[k].type, 3, d3, data, (size_t)ROWS * COLS * es);
    snprintf(name, sizeof name, "into%zu.idx", k);
    check_into_matches(fxd_bytes(name, buf, n), 2, ROWS, COLS);
    check_into_matches(fxd_path(name), 2, ROWS, COLS + 1); /* shape mismatch */
    snprintf(name, sizeof name, "into%zu.idx.gz", k);
    check_into_matches(fxd_gz(name, buf, n), 2, ROWS, COLS);
    snprintf(name, sizeof name, "into%zu.trunc.idx", k);
    check_into_matches(fxd_bytes(name, buf, n - 3), 2, ROWS, COLS);
    n = idx_make(buf, (unsigned char)types[k].type, 1, d1, data, (size_t)ROWS * COLS * es);
    snprintf(name, sizeof name, "into%zu.vec.idx", k);
    check_into_matches(fxd_bytes(name, buf, n), 1, ROWS * COLS, 1);
  }
  double nanv = NAN;
  uint64_t w;
  memcpy(&w, &nanv, 8);
  put_be(data + 8 * 5, w, 8);
  const uint32_t d4[] = {4, 2};
  size_t n = idx_make(buf, 0x0E, 2, d4, data, 64);
  check_into_matches(fxd_bytes("into_nan.idx", buf, n), 2, 4, 2);
  check_into_matches(fxd_bytes("into_magic.idx", "\x01\x00\x08\x01\0\0\0\1x", 9), 1, 1, 1);
  check_into_matches(fxd_bytes("into_empty.idx", "", 0), 1, 1, 1);
  check_into_matches(fxd_path("into_missing.idx"), 1, 1, 1);
}

/* rt_idx_open_rows: the first rows of a file (plain and gzipped, matrix and vector, every
 * type) read alone give the full read's values; a file truncated after them still opens, one
 * truncated before them fails with rt_load_idx's message; want >= rows or < 0 reads it all. */
static void test_idx_open_rows(void **state) {
  (void)state;
  enum { ROWS = 40, COLS = 12 };
  static unsigned char data[ROWS * COLS * 8], buf[ROWS * COLS * 8 + 64];
  static const struct { int type, esize; } types[] = {{0x08, 1}, {0x0B, 2}, {0x0D, 4}, {0x0E, 8}};
  RtRng r = rt_rng_stream(11, "idx_rows");
  for (size_t k = 0; k < sizeof types / sizeof types[0]; k++) {
    int es = types[k].esize;
    for (size_t i = 0; i < sizeof data; i++) data[i] = (unsigned char)rt_rng_next(&r);
    if (types[k].type >= 0x0D)
      for (size_t i = 0; i < (size_t)ROWS * COLS; i++) data[i * es] &= 0x3F;
    const uint32_t d3[] = {ROWS, 3, 4}, d1[] = {ROWS};
    size_t n = idx_make(buf, types[k].type, 3, d3, data, (size_t)ROWS * COLS * es);
    char name[64];
    for (int gz = 0; gz < 2; gz++) {
      snprintf(name, sizeof name, "rows%zu.idx%s", k, gz ? ".gz" : "");
      const char *path = gz ? fxd_gz(name, buf, n) : fxd_bytes(name, buf, n);
      RtIdxFile *full, *part;
      expect_ok(rt_idx_open(path, rt_shape(2, ROWS, COLS), &full, rt_err(g_err, E)));
      static const int64_t wants[] = {0, 1, 7, ROWS - 1, ROWS, ROWS + 5, -1};
      for (size_t w = 0; w < sizeof wants / sizeof wants[0]; w++) {
        expect_ok(
            rt_idx_open_rows(path, rt_shape(2, ROWS, COLS), wants[w], &part, rt_err(g_err, E)));
        int64_t got = rt_idx_rows_read(part),
                expect = wants[w] < 0 || wants[w] >= ROWS ? ROWS : wants[w];
        assert_int_equal(got, expect);
        if (got) {
          double a[ROWS * COLS], b[ROWS * COLS];
          rt_idx_read(full, 0, got, 0, COLS, a);
          rt_idx_read(part, 0, got, 0, COLS, b);
          assert_memory_equal(a, b, (size_t)(got * COLS) * sizeof(double));
        }
        rt_idx_close(part);
      }
      rt_idx_close(full);
    }
    /* truncated after row 21: the first 20 rows open (the file goes on after them), 21 do
     * not (the file ends right there, short of its header's 40 items), nor 22 */
    size_t cut = n - (size_t)(ROWS - 21) * COLS * es;
    snprintf(name, sizeof name, "rows%zu.trunc.idx.gz", k);
    const char *path = fxd_gz(name, buf, cut);
    RtIdxFile *f = NULL;
    expect_ok(rt_idx_open_rows(path, rt_shape(2, ROWS, COLS), 20, &f, rt_err(g_err, E)));
    assert_int_equal(rt_idx_rows_read(f), 20);
    rt_idx_close(f);
    g_err[0] = 0;
    for (int64_t w = 21; w <= 22; w++) {
      g_err[0] = 0;
      assert_int_not_equal(rt_idx_open_rows(path, rt_shape(2, ROWS, COLS), w, &f, rt_err(g_err, E)),
                           0);
      assert_null(f);
      assert_non_null(strstr(g_err, "header says 40 items but the file holds only 21"));
    }
    /* a vector file */
    n = idx_make(buf, types[k].type, 1, d1, data, (size_t)ROWS * es);
    snprintf(name, sizeof name, "rows%zu.vec.idx.gz", k);
    path = fxd_gz(name, buf, n);
    expect_ok(rt_idx_open_rows(path, rt_shape(1, ROWS, 1), 5, &f, rt_err(g_err, E)));
    assert_int_equal(rt_idx_rows_read(f), 5);
    rt_idx_close(f);
  }
}

/* ------------------------------------------------------------------ LIBSVM */

static void test_libsvm(void **state) {
  (void)state;
  RtTensor t;
  const char *p = fxd_text("a.svm", "# a comment line\n"
                                    "1 1:0.5 3:2\n"
                                    "-1 2:1.5   # trailing comment\n"
                                    "\n"
                                    "+1 qid:3 1:-1 2:1e-3 3:7\n"
                                    "0.25\n");
  const double want[] = {1, 0.5, 0, 2, -1, 0, 1.5, 0, 1, -1, 1e-3, 7, 0.25, 0, 0, 0};
  expect_ok(rt_load_libsvm(p, rt_shape(2, 4, 4), &t, rt_err(g_err, E)));
  expect_values(&t, 2, 4, 4, want);
  rt_tensor_free(&t);
  /* more columns than the largest index: zeros */
  expect_ok(rt_load_libsvm(p, rt_shape(2, RT_ANY, 6), &t, rt_err(g_err, E)));
  assert_int_equal(t.rows, 4);
  assert_true(t.v[6 + 2] == 1.5 && t.v[5] == 0);
  rt_tensor_free(&t);
  expect_ok(
      rt_load_libsvm(fxd_gz("a.svm.gz", "3 2:1\n", 6), rt_shape(2, 1, 3), &t, rt_err(g_err, E)));
  rt_tensor_free(&t);

  char msg[600];
  snprintf(
      msg, sizeof msg,
      "'%s' line 2: feature index 3 is beyond the 2 features of matrix[4, 3] (column 0 is the "
      "label)",
      p);
  expect_fail(rt_load_libsvm(p, rt_shape(2, 4, 3), &t, rt_err(g_err, E)), t, msg);
  assert_string_equal(g_err, msg);
  expect_fail(rt_load_libsvm(p, rt_shape(2, 5, 4), &t, rt_err(g_err, E)), t,
              "holds 4 examples but the declaration says matrix[5, 4]");
  expect_fail(rt_load_libsvm(p, rt_shape(1, 4, 1), &t, rt_err(g_err, E)), t,
              "load_libsvm needs a declaration matrix[rows, 1 + features], not vector[4]");
  expect_fail(rt_load_libsvm(p, rt_shape(2, 4, RT_ANY), &t, rt_err(g_err, E)), t,
              "not matrix[4, ?]");
  expect_fail(rt_load_libsvm(fxd_text("dec.svm", "1 1:1 3:1\n1 3:1 2:1\n"), rt_shape(2, 2, 4), &t,
                             rt_err(g_err, E)),
              t, "line 2: feature index 2 after 3 (indices must increase)");
  expect_fail(
      rt_load_libsvm(fxd_text("dup.svm", "1 2:1 2:1\n"), rt_shape(2, 1, 4), &t, rt_err(g_err, E)),
      t, "line 1: feature index 2 appears twice");
  expect_fail(
      rt_load_libsvm(fxd_text("zero.svm", "1 0:1\n"), rt_shape(2, 1, 4), &t, rt_err(g_err, E)), t,
      "line 1: feature index 0 (indices are 1-based; scikit-learn's dump_svmlight_file writes "
      "0-based ones unless given zero_based=False)");
  expect_fail(
      rt_load_libsvm(fxd_text("tok.svm", "1 1:1\n1 3\n"), rt_shape(2, 2, 4), &t, rt_err(g_err, E)),
      t, "line 2: '3' is not index:value");
  expect_fail(
      rt_load_libsvm(fxd_text("neg.svm", "1 -1:1\n"), rt_shape(2, 1, 4), &t, rt_err(g_err, E)), t,
      "line 1: '-1:1' does not start with a feature index");
  expect_fail(
      rt_load_libsvm(fxd_text("lab.svm", "yes 1:1\n"), rt_shape(2, 1, 4), &t, rt_err(g_err, E)), t,
      "line 1: label 'yes' is not a number");
  expect_fail(
      rt_load_libsvm(fxd_text("multi.svm", "1,3 1:1\n"), rt_shape(2, 1, 4), &t, rt_err(g_err, E)),
      t, "label '1,3' is not a number (multi-label lines are not supported)");
  expect_fail(
      rt_load_libsvm(fxd_text("val.svm", "1 1:nan\n"), rt_shape(2, 1, 4), &t, rt_err(g_err, E)), t,
      "line 1: the value in '1:nan' is not a finite number");
  expect_fail(
      rt_load_libsvm(fxd_text("val2.svm", "1 1:\n"), rt_shape(2, 1, 4), &t, rt_err(g_err, E)), t,
      "the value in '1:' is empty");
  /* an index past int64_t is still an index: beyond the declaration, or past what is read */
  expect_fail(rt_load_libsvm(fxd_text("huge.svm", "1 99999999999999999999999:1\n"),
                             rt_shape(2, 1, 4), &t, rt_err(g_err, E)),
              t, "line 1: feature index 99999999999999999999999 is beyond the 3 features of");
  expect_fail(rt_load_libsvm(fxd_text("max.svm", "1 9223372036854775807:1\n"), rt_shape(2, 1, 4),
                             &t, rt_err(g_err, E)),
              t, "line 1: feature index 9223372036854775807 is beyond the 3 features of");
  expect_fail(rt_load_libsvm_labels(fxd_text("hugel.svm", "1 99999999999999999999999:1\n"),
                                    (RtShape){1, 1, 1}, &t, rt_err(g_err, E)),
              t, "line 1: feature index 99999999999999999999999 is too large (at most "
                 "9223372036854775807)");
  expect_fail(rt_load_libsvm(fxd_text("comments.svm", "# only\n\n# comments\n"), rt_shape(2, 1, 4),
                             &t, rt_err(g_err, E)),
              t, "holds no examples (only blank or comment lines)");
  expect_fail(rt_load_libsvm(fxd_text("empty.svm", ""), rt_shape(2, 1, 4), &t, rt_err(g_err, E)), t,
              "is empty");
  expect_fail(rt_load_libsvm(fxd_path("absent.svm"), rt_shape(2, 1, 4), &t, rt_err(g_err, E)), t,
              "cannot open");
}

/* LIBSVM into CSR (sparse[n, d]) and the labels alone: the entries, the transpose kept for
 * X' @ G, the products against the dense matrix, and the errors with the sparse type. */
static void test_libsvm_csr(void **state) {
  (void)state;
  RtCsr m;
  RtSparse s;
  RtTensor t;
  RtErr err = {g_err, E};
  const char *p = fxd_text("c.svm", "# header\n1 1:0.5 3:2\n-1 2:1.5  # c\n\n+1 qid:3 1:-1 2:1e-3 "
                                    "3:7\n0.25\n2 3:0\n");
  expect_ok(rt_load_libsvm_csr(p, (RtShape){2, 5, 3}, &m, err));
  assert_int_equal(m.rows, 5);
  assert_int_equal(m.cols, 3);
  assert_int_equal(m.nnz, 7); /* the explicit 3:0 is kept */
  const int64_t ptr[] = {0, 2, 3, 6, 6, 7};
  const int32_t col[] = {0, 2, 1, 0, 1, 2, 2};
  const double val[] = {0.5, 2, 1.5, -1, 1e-3, 7, 0};
  for (int i = 0; i < 6; i++) assert_int_equal(m.rowptr[i], ptr[i]);
  for (int k = 0; k < 7; k++) {
    assert_int_equal(m.col[k], col[k]);
    assert_true(m.val[k] == val[k]);
  }
  expect_ok(rt_csr_check(&m, p, err));
  expect_ok(rt_sparse_make(&m, &s, err));
  assert_null(m.rowptr); /* taken over */
  assert_int_equal(s.t.rows, 3);
  expect_ok(rt_csr_check(&s.t, "transpose", err));
  /* X B, X' C and sampled rows against the dense products (exact: the same sums) */
  double dense[15], b[6] = {1, 2, 3, -1, 0.5, 4}, c5[10], out[10], want[10];
  rt_sparse_to_dense(&s, dense);
  for (int i = 0; i < 5; i++)
    for (int j = 0; j < 2; j++) {
      want[i * 2 + j] = 0;
      for (int k = 0; k < 3; k++) want[i * 2 + j] += dense[i * 3 + k] * b[k * 2 + j];
    }
  rt_sparse_mul(&s, NULL, 5, 0, 2, b, 2, out, 2);
  for (int i = 0; i < 10; i++) assert_true(out[i] == want[i]);
  for (int i = 0; i < 10; i++) c5[i] = i - 3.5;
  rt_sparse_mul(&s, NULL, 5, 1, 2, c5, 2, out, 2);
  for (int k = 0; k < 3; k++)
    for (int j = 0; j < 2; j++) {
      double w = 0;
      for (int i = 0; i < 5; i++) w += dense[i * 3 + k] * c5[i * 2 + j];
      assert_true(fabs(out[k * 2 + j] - w) <= 1e-15 * (1 + fabs(w)));
    }
  const int64_t idx[] = {2, 0, 2};
  rt_sparse_mul(&s, idx, 3, 1, 2, c5, 2, out, 2); /* rows 2, 0, 2 transposed: a scatter */
  for (int k = 0; k < 3; k++)
    for (int j = 0; j < 2; j++) {
      double w = 0;
      for (int r = 0; r < 3; r++) w += dense[idx[r] * 3 + k] * c5[r * 2 + j];
      assert_true(fabs(out[k * 2 + j] - w) <= 1e-15 * (1 + fabs(w)));
    }
  RtSparse *packed = rt_sparse_pack(&s);
  assert_non_null(packed);
  rt_sparse_mul(packed, idx, 3, 0, 2, b, 2, out, 2);
  for (int j = 0; j < 2; j++) assert_true(out[j] == want[2 * 2 + j] && out[2 + j] == want[j]);
  free(packed);
  rt_sparse_free(&s);

  expect_ok(rt_load_libsvm_labels(p, (RtShape){1, 5, 1}, &t, err));
  const double labels[] = {1, -1, 1, 0.25, 2};
  expect_values(&t, 1, 5, 1, labels);
  rt_tensor_free(&t);
  expect_ok(rt_load_libsvm_csr(fxd_gz("c.svm.gz", "3 2:1\n", 6), (RtShape){2, RT_ANY, 4}, &m, err));
  assert_int_equal(m.rows, 1);
  rt_csr_free(&m);

  char msg[600];
  snprintf(msg, sizeof msg, "'%s' line 2: feature index 3 is beyond the 2 features of sparse[5, 2]",
           p);
  assert_int_equal(rt_load_libsvm_csr(p, (RtShape){2, 5, 2}, &m, err), -1);
  assert_string_equal(g_err, msg);
  assert_null(m.rowptr);
  assert_int_equal(rt_load_libsvm_csr(p, (RtShape){2, 4, 3}, &m, err), -1);
  assert_non_null(strstr(g_err, "holds 5 examples but the declaration says sparse[4, 3]"));
  assert_int_equal(
      rt_load_libsvm_csr(fxd_text("dup2.svm", "1 2:1 2:1\n"), (RtShape){2, 1, 4}, &m, err), -1);
  assert_non_null(strstr(g_err, "line 1: feature index 2 appears twice"));
  assert_int_equal(
      rt_load_libsvm_csr(fxd_text("dec2.svm", "1 3:1 2:1\n"), (RtShape){2, 1, 4}, &m, err), -1);
  assert_non_null(strstr(g_err, "line 1: feature index 2 after 3 (indices must increase)"));
  assert_int_equal(
      rt_load_libsvm_csr(fxd_text("zero2.svm", "1 0:1\n"), (RtShape){2, 1, 4}, &m, err), -1);
  assert_non_null(strstr(g_err, "feature index 0 (indices are 1-based; scikit-learn"));
  assert_int_equal(rt_load_libsvm_labels(p, (RtShape){1, 6, 1}, &t, err), -1);
  assert_non_null(strstr(g_err, "holds 5 examples but the declaration says vector[6]"));
  assert_int_equal(rt_load_libsvm_labels(p, (RtShape){2, 5, 2}, &t, err), -1);
  assert_non_null(strstr(g_err, "needs a declaration vector[rows], not matrix[5, 2]"));
}

/* A UTF-8 byte-order mark is skipped and lines ending with CR alone are said as such, as the
 * CSV loader does (the same code), by every LIBSVM loader: dense, CSR, labels, row ranges. They
 * said "label '<U+FEFF>1' is not a number", and of CR alone "holds 1 example but the
 * declaration says sparse[2, 3]" or "'0' is not index:value". CRLF is read. */
static void test_libsvm_bom_cr(void **state) {
  (void)state;
  RtTensor t;
  RtCsr m;
  RtErr err = {g_err, E};
  const double dense[] = {1, 1, 0, 2, 0, 0, 5, 0}, labels[] = {1, 0};
  const char *texts[] = {"\xEF\xBB\xBF" "1 1:1 3:2\n0 2:5\n", "1 1:1 3:2\r\n0 2:5\r\n",
                         "\xEF\xBB\xBF" "1 1:1 3:2\r\n\r\n0 2:5"};
  for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
    const char *p = fxd_text("bom.svm", texts[i]);
    expect_ok(rt_load_libsvm(p, rt_shape(2, 2, 4), &t, err));
    expect_values(&t, 2, 2, 4, dense);
    rt_tensor_free(&t);
    expect_ok(rt_load_libsvm_rows(p, rt_shape(2, 2, 4), (RtRows){0, 2}, &t, err));
    expect_values(&t, 2, 2, 4, dense);
    rt_tensor_free(&t);
    expect_ok(rt_load_libsvm_labels(p, (RtShape){1, 2, 1}, &t, err));
    expect_values(&t, 1, 2, 1, labels);
    rt_tensor_free(&t);
    expect_ok(rt_load_libsvm_labels(p, (RtShape){1, RT_ANY, 1}, &t, err));
    expect_values(&t, 1, 2, 1, labels);
    rt_tensor_free(&t);
    for (int by_rows = 0; by_rows < 2; by_rows++) {
      expect_ok(by_rows ? rt_load_libsvm_csr_rows(p, (RtShape){2, 2, 3}, (RtRows){0, 2}, &m, err)
                        : rt_load_libsvm_csr(p, (RtShape){2, 2, 3}, &m, err));
      assert_int_equal(m.nnz, 3);
      assert_int_equal(m.rowptr[1], 2);
      assert_int_equal(m.col[0], 0);
      assert_true(m.val[0] == 1 && m.val[1] == 2 && m.val[2] == 5);
      rt_csr_free(&m);
    }
  }
  const char *cr_says = "line 1: its lines end with CR alone (classic Mac OS line endings), which "
                        "are not supported: use \\n or \\r\\n (tr '\\r' '\\n' converts them)";
  const char *p = fxd_text("cr.svm", "1 1:1 3:2\r0 2:5\r");
  expect_fail(rt_load_libsvm(p, rt_shape(2, 2, 4), &t, err), t, cr_says);
  expect_fail(rt_load_libsvm(p, rt_shape(2, 1, 4), &t, err), t, cr_says);
  expect_fail(rt_load_libsvm_rows(p, rt_shape(2, 2, 4), (RtRows){1, 1}, &t, err), t, cr_says);
  expect_fail(rt_load_libsvm_labels(p, (RtShape){1, 2, 1}, &t, err), t, cr_says);
  expect_fail(rt_load_libsvm_labels(p, (RtShape){1, RT_ANY, 1}, &t, err), t, cr_says);
  char msg[600];
  snprintf(msg, sizeof msg, "'%s' %s", p, cr_says);
  assert_int_equal(rt_load_libsvm_csr(p, (RtShape){2, 2, 3}, &m, err), -1);
  assert_string_equal(g_err, msg);
  assert_null(m.rowptr);
  assert_int_equal(rt_load_libsvm_csr(p, (RtShape){2, 1, 3}, &m, err), -1);
  assert_string_equal(g_err, msg);
  assert_int_equal(rt_load_libsvm_csr_rows(p, (RtShape){2, 2, 3}, (RtRows){0, 2}, &m, err), -1);
  assert_string_equal(g_err, msg);
  /* after a line ending with \n: the line where they start */
  p = fxd_text("cr2.svm", "# written on a Mac\n1 1:1 3:2\r0 2:5\r");
  expect_fail(rt_load_libsvm(p, rt_shape(2, 2, 4), &t, err), t, "line 2: its lines end with CR");
  assert_int_equal(rt_load_libsvm_csr_rows(p, (RtShape){2, 2, 3}, (RtRows){0, 2}, &m, err), -1);
  assert_non_null(strstr(g_err, "line 2: its lines end with CR alone"));
  /* a final CR is a blank */
  expect_ok(rt_load_libsvm_csr(fxd_text("cr1.svm", "1 1:1 3:2\r"), (RtShape){2, 1, 3}, &m, err));
  assert_int_equal(m.nnz, 2);
  rt_csr_free(&m);
}

/* ------------------------------------------------------------------ NPY */

/* An NPY file with the given version, descr, order and shape text; header padded to 64. */
static const char *npy_file(const char *name, int major, const char *descr, int fortran,
                            const char *shape, const void *data, size_t dlen) {
  char dict[256];
  snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }", descr,
           fortran ? "True" : "False", shape);
  size_t pre = major == 1 ? 10 : 12, hl = strlen(dict) + 1;
  while ((pre + hl) % 64) hl++;
  unsigned char *b = calloc(1, pre + hl + dlen);
  memcpy(b, "\x93NUMPY", 6);
  b[6] = (unsigned char)major, b[7] = 0;
  b[8] = (unsigned char)hl, b[9] = (unsigned char)(hl >> 8);
  if (major != 1) b[10] = (unsigned char)(hl >> 16), b[11] = (unsigned char)(hl >> 24);
  memset(b + pre, ' ', hl);
  memcpy(b + pre, dict, strlen(dict));
  b[pre + hl - 1] = '\n';
  memcpy(b + pre + hl, data, dlen);
  const char *p = fxd_bytes(name, b, pre + hl + dlen);
  free(b);
  return p;
}

static void test_npy_dtypes(void **state) {
  (void)state;
  RtTensor t;
  const double m[6] = {1.5, -2, 3, 0.25, 1e300, -0.0};
  expect_ok(rt_load_npy(npy_file("f8.npy", 1, "<f8", 0, "(2, 3)", m, sizeof m), rt_shape(2, 2, 3),
                        &t, rt_err(g_err, E)));
  expect_values(&t, 2, 2, 3, m);
  rt_tensor_free(&t);
  expect_ok(rt_load_npy(npy_file("f8v2.npy", 2, "<f8", 0, "(2, 3)", m, sizeof m), rt_shape(2, 2, 3),
                        &t, rt_err(g_err, E)));
  expect_values(&t, 2, 2, 3, m);
  rt_tensor_free(&t);
  expect_ok(rt_load_npy(npy_file("f8v3.npy", 3, "<f8", 0, "(2,3)", m, sizeof m), rt_shape(2, 2, 3),
                        &t, rt_err(g_err, E)));
  expect_values(&t, 2, 2, 3, m);
  rt_tensor_free(&t);
  /* vector, scalar, flattened 3-D */
  expect_ok(rt_load_npy(npy_file("vec.npy", 1, "<f8", 0, "(6,)", m, sizeof m), rt_shape(1, 6, 1),
                        &t, rt_err(g_err, E)));
  expect_values(&t, 1, 6, 1, m);
  rt_tensor_free(&t);
  expect_ok(rt_load_npy(npy_file("sc.npy", 1, "<f8", 0, "()", m, 8), rt_shape(0, 1, 1), &t,
                        rt_err(g_err, E)));
  expect_values(&t, 0, 1, 1, m);
  rt_tensor_free(&t);
  expect_ok(rt_load_npy(npy_file("t3.npy", 1, "<f8", 0, "(1, 3, 2)", m, sizeof m),
                        rt_shape(2, 1, 6), &t, rt_err(g_err, E)));
  expect_values(&t, 2, 1, 6, m);
  rt_tensor_free(&t);
  expect_fail(rt_load_npy(fxd_path("t3.npy"), rt_shape(2, 3, 2), &t, rt_err(g_err, E)), t,
              "holds a 1 x 3 x 2 array (flattened to 1 x 6) but the declaration says matrix[3, 2]");

  /* every integer and float width, both byte orders */
  const float f4[3] = {0.5f, -3.25f, 1e-8f};
  expect_ok(rt_load_npy(npy_file("f4.npy", 1, "<f4", 0, "(3,)", f4, sizeof f4), rt_shape(1, 3, 1),
                        &t, rt_err(g_err, E)));
  for (int i = 0; i < 3; i++) assert_true(t.v[i] == (double)f4[i]);
  rt_tensor_free(&t);
  const int64_t i8[3] = {-5, INT64_C(9007199254740993), 7};
  expect_ok(rt_load_npy(npy_file("i8.npy", 1, "<i8", 0, "(3,)", i8, sizeof i8), rt_shape(1, 3, 1),
                        &t, rt_err(g_err, E)));
  assert_true(t.v[0] == -5 && t.v[1] == 9007199254740992.0 && t.v[2] == 7); /* rounds above 2^53 */
  rt_tensor_free(&t);
  const int32_t i4[4] = {INT32_MIN, -1, 0, INT32_MAX};
  const double i4w[4] = {INT32_MIN, -1, 0, INT32_MAX};
  expect_ok(rt_load_npy(npy_file("i4.npy", 1, "<i4", 0, "(2, 2)", i4, sizeof i4), rt_shape(2, 2, 2),
                        &t, rt_err(g_err, E)));
  expect_values(&t, 2, 2, 2, i4w);
  rt_tensor_free(&t);
  const int16_t i2[2] = {-300, 300};
  const double i2w[2] = {-300, 300};
  expect_ok(rt_load_npy(npy_file("i2.npy", 1, "<i2", 0, "(2,)", i2, sizeof i2), rt_shape(1, 2, 1),
                        &t, rt_err(g_err, E)));
  expect_values(&t, 1, 2, 1, i2w);
  rt_tensor_free(&t);
  const int8_t i1[2] = {-128, 127};
  const double i1w[2] = {-128, 127};
  expect_ok(rt_load_npy(npy_file("i1.npy", 1, "|i1", 0, "(2,)", i1, sizeof i1), rt_shape(1, 2, 1),
                        &t, rt_err(g_err, E)));
  expect_values(&t, 1, 2, 1, i1w);
  rt_tensor_free(&t);
  const uint8_t u1[3] = {0, 200, 255};
  const double u1w[3] = {0, 200, 255};
  expect_ok(rt_load_npy(npy_file("u1.npy", 1, "|u1", 0, "(3,)", u1, sizeof u1), rt_shape(1, 3, 1),
                        &t, rt_err(g_err, E)));
  expect_values(&t, 1, 3, 1, u1w);
  rt_tensor_free(&t);
  const uint16_t u2[2] = {65535, 1};
  const double u2w[2] = {65535, 1};
  expect_ok(rt_load_npy(npy_file("u2.npy", 1, "<u2", 0, "(2,)", u2, sizeof u2), rt_shape(1, 2, 1),
                        &t, rt_err(g_err, E)));
  expect_values(&t, 1, 2, 1, u2w);
  rt_tensor_free(&t);
  const uint8_t b1[3] = {1, 0, 1};
  const double b1w[3] = {1, 0, 1};
  expect_ok(rt_load_npy(npy_file("b1.npy", 1, "|b1", 0, "(3,)", b1, sizeof b1), rt_shape(1, 3, 1),
                        &t, rt_err(g_err, E)));
  expect_values(&t, 1, 3, 1, b1w);
  rt_tensor_free(&t);
  expect_ok(rt_load_npy(npy_file("bq.npy", 1, "?", 0, "(3,)", b1, sizeof b1), rt_shape(1, 3, 1), &t,
                        rt_err(g_err, E)));
  expect_values(&t, 1, 3, 1, b1w);
  rt_tensor_free(&t);
  /* big-endian f8 and i4 */
  unsigned char be[16];
  const double bev[2] = {-1.25, 6.5};
  for (int i = 0; i < 2; i++) {
    uint64_t w;
    memcpy(&w, &bev[i], 8);
    put_be(be + 8 * i, w, 8);
  }
  expect_ok(rt_load_npy(npy_file("bef8.npy", 1, ">f8", 0, "(2,)", be, 16), rt_shape(1, 2, 1), &t,
                        rt_err(g_err, E)));
  expect_values(&t, 1, 2, 1, bev);
  rt_tensor_free(&t);
  put_be(be, (uint32_t)-7, 4);
  put_be(be + 4, 70000, 4);
  const double bei[2] = {-7, 70000};
  expect_ok(rt_load_npy(npy_file("bei4.npy", 1, ">i4", 0, "(2,)", be, 8), rt_shape(1, 2, 1), &t,
                        rt_err(g_err, E)));
  expect_values(&t, 1, 2, 1, bei);
  rt_tensor_free(&t);
}

static void test_npy_fortran_order(void **state) {
  (void)state;
  RtTensor t;
  /* the 2 x 3 matrix [[1, 2, 3], [4, 5, 6]] stored column-major */
  const double f[6] = {1, 4, 2, 5, 3, 6}, c[6] = {1, 2, 3, 4, 5, 6};
  expect_ok(rt_load_npy(npy_file("fo.npy", 1, "<f8", 1, "(2, 3)", f, sizeof f), rt_shape(2, 2, 3),
                        &t, rt_err(g_err, E)));
  expect_values(&t, 2, 2, 3, c);
  rt_tensor_free(&t);
  /* a 2 x 2 x 3 array a[i][j][k] = 100 i + 10 j + k, column-major, flattened to 2 x 6 */
  double f3[12], c3[12];
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2; j++)
      for (int k = 0; k < 3; k++) {
        double v = 100 * i + 10 * j + k;
        f3[i + 2 * (j + 2 * k)] = v;
        c3[(i * 2 + j) * 3 + k] = v;
      }
  expect_ok(rt_load_npy(npy_file("fo3.npy", 1, "<f8", 1, "(2, 2, 3)", f3, sizeof f3),
                        rt_shape(2, 2, 6), &t, rt_err(g_err, E)));
  expect_values(&t, 2, 2, 6, c3);
  rt_tensor_free(&t);
  /* fortran order of a vector is the same bytes */
  expect_ok(rt_load_npy(npy_file("fov.npy", 1, "<f8", 1, "(6,)", c, sizeof c), rt_shape(1, 6, 1),
                        &t, rt_err(g_err, E)));
  expect_values(&t, 1, 6, 1, c);
  rt_tensor_free(&t);
}

/* A tensor[T, K, d] (rt_load_npy3): exactly that 3-D array, any dtype and order, read as the
 * tasks' matrices stacked; any other rank or shape is refused, naming both shapes. */
static void test_npy_tensor3(void **state) {
  (void)state;
  RtTensor t;
  char msg[600];
  /* a[i][j][k] = 100 i + 10 j + k, T = 2 tasks of 3 x 2 */
  double c[12], f[12];
  int32_t i4[12];
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 3; j++)
      for (int k = 0; k < 2; k++) {
        double v = 100 * i + 10 * j + k;
        c[(i * 3 + j) * 2 + k] = v;
        f[i + 2 * (j + 3 * k)] = v;
        i4[(i * 3 + j) * 2 + k] = (int32_t)v;
      }
  const char *p = npy_file("t3c.npy", 1, "<f8", 0, "(2, 3, 2)", c, sizeof c);
  expect_ok(rt_load_npy3(p, 2, 3, 2, &t, rt_err(g_err, E)));
  expect_values(&t, 2, 6, 2, c); /* matrix[T*K, d]: task 1 is rows 3..5 */
  rt_tensor_free(&t);
  p = npy_file("t3f.npy", 2, "<f8", 1, "(2, 3, 2)", f, sizeof f);
  expect_ok(rt_load_npy3(p, 2, 3, 2, &t, rt_err(g_err, E)));
  expect_values(&t, 2, 6, 2, c);
  rt_tensor_free(&t);
  p = npy_file("t3i.npy", 1, "<i4", 0, "(2, 3, 2)", i4, sizeof i4);
  expect_ok(rt_load_npy3(p, 2, 3, 2, &t, rt_err(g_err, E)));
  expect_values(&t, 2, 6, 2, c);
  rt_tensor_free(&t);
  /* the same numbers in other shapes */
  p = npy_file("t3m.npy", 1, "<f8", 0, "(6, 2)", c, sizeof c);
  snprintf(msg, sizeof msg, "'%s' holds a 6 x 2 matrix but the declaration says tensor[2, 3, 2] "
           "(a 3-D array of that shape)", p);
  expect_fail(rt_load_npy3(p, 2, 3, 2, &t, rt_err(g_err, E)), t, msg);
  assert_string_equal(g_err, msg);
  p = npy_file("t3s.npy", 1, "<f8", 0, "(2, 2, 3)", c, sizeof c);
  snprintf(msg, sizeof msg, "'%s' holds an array of shape (2, 2, 3) but the declaration says "
           "tensor[2, 3, 2] (a 3-D array of that shape)", p);
  expect_fail(rt_load_npy3(p, 2, 3, 2, &t, rt_err(g_err, E)), t, msg);
  p = npy_file("t4.npy", 1, "<f8", 0, "(2, 3, 2, 1)", c, sizeof c);
  /* not "(flattened to 2 x 6)": a tensor declaration flattens nothing */
  expect_fail(rt_load_npy3(p, 2, 3, 2, &t, rt_err(g_err, E)), t,
              "holds an array of shape (2, 3, 2, 1) but the declaration says tensor[2, 3, 2]");
  p = npy_file("t3v.npy", 1, "<f8", 0, "(12,)", c, sizeof c);
  expect_fail(rt_load_npy3(p, 2, 3, 2, &t, rt_err(g_err, E)), t,
              "holds a vector of 12 numbers but the declaration says tensor[2, 3, 2]");
  /* the usual checks still apply: truncated data, non-finite values */
  p = npy_file("t3short.npy", 1, "<f8", 0, "(2, 3, 2)", c, 88);
  expect_fail(rt_load_npy3(p, 2, 3, 2, &t, rt_err(g_err, E)), t,
              "needs 96 bytes of data but the file holds 88");
  double bad[12];
  memcpy(bad, c, sizeof bad);
  bad[7] = NAN;
  p = npy_file("t3nan.npy", 1, "<f8", 0, "(2, 3, 2)", bad, sizeof bad);
  /* at its place in the tensor, as .blo indexes it (X[1][0, 1]), not in the stacked storage */
  expect_fail(rt_load_npy3(p, 2, 3, 2, &t, rt_err(g_err, E)), t, "element [1, 0, 1] is NaN");
  expect_fail(rt_load_npy3(fxd_path("absent3.npy"), 2, 3, 2, &t, rt_err(g_err, E)), t,
              "cannot open");
  /* CSV: the tasks' matrices one after another */
  p = fxd_text("t3.csv", "0,1\n10,11\n20,21\n100,101\n110,111\n120,121\n");
  expect_ok(rt_load_csv3(p, 2, 3, 2, &t, rt_err(g_err, E)));
  expect_values(&t, 2, 6, 2, c);
  rt_tensor_free(&t);
  snprintf(msg, sizeof msg, "'%s' holds a 6 x 2 matrix but the declaration says matrix[4, 2] "
           "(tensor[2, 2, 2]: its 2 matrices one after another)", p);
  expect_fail(rt_load_csv3(p, 2, 2, 2, &t, rt_err(g_err, E)), t, msg);
  assert_string_equal(g_err, msg);
  /* a plain matrix declaration still flattens the 3-D file (rt_load_npy) */
  expect_ok(rt_load_npy(fxd_path("t3c.npy"), rt_shape(2, 2, 6), &t, rt_err(g_err, E)));
  expect_values(&t, 2, 2, 6, c);
  rt_tensor_free(&t);
}

static void test_npy_errors(void **state) {
  (void)state;
  RtTensor t;
  char msg[600];
  const double m[6] = {1, 2, 3, 4, 5, 6};
  const char *p = npy_file("x.npy", 1, "<c16", 0, "(3,)", m, 48);
  snprintf(msg, sizeof msg,
           "'%s': dtype '<c16' is not supported (only f8 f4 i8 i4 i2 i1 u8 u4 u2 u1 b1, "
           "little-endian '<' or big-endian '>')",
           p);
  expect_fail(rt_load_npy(p, rt_shape(1, 3, 1), &t, rt_err(g_err, E)), t, msg);
  assert_string_equal(g_err, msg);
  expect_fail(rt_load_npy(npy_file("f2.npy", 1, "<f2", 0, "(3,)", m, 6), rt_shape(1, 3, 1), &t,
                          rt_err(g_err, E)),
              t, "dtype '<f2' is not supported");
  expect_fail(rt_load_npy(npy_file("u16.npy", 1, "<U16", 0, "(3,)", m, 48), rt_shape(1, 3, 1), &t,
                          rt_err(g_err, E)),
              t, "dtype '<U16' is not supported");
  expect_fail(rt_load_npy(npy_file("o.npy", 1, "|O", 0, "(3,)", m, 24), rt_shape(1, 3, 1), &t,
                          rt_err(g_err, E)),
              t, "dtype '|O' is not supported");
  p = npy_file("short.npy", 1, "<f8", 0, "(2, 3)", m, 40);
  snprintf(msg, sizeof msg,
           "'%s': shape (2, 3) of '<f8' needs 48 bytes of data but the file holds 40", p);
  expect_fail(rt_load_npy(p, rt_shape(2, 2, 3), &t, rt_err(g_err, E)), t, msg);
  expect_fail(rt_load_npy(npy_file("long.npy", 1, "<f8", 0, "(5,)", m, 48), rt_shape(1, 5, 1), &t,
                          rt_err(g_err, E)),
              t, "8 extra bytes after the data of shape (5,)");
  expect_fail(
      rt_load_npy(npy_file("huge.npy", 1, "<f8", 0, "(4294967296, 4294967296, 4294967296)", m, 48),
                  rt_shape(2, RT_ANY, RT_ANY), &t, rt_err(g_err, E)),
      t, "shape (4294967296, 4294967296, 4294967296) of '<f8' is too large: its data would need "
         "more than 2^64 bytes (the file holds 48)");
  expect_fail(rt_load_npy(npy_file("huge2.npy", 1, "<f8", 0, "(3037000500, 3037000500)", m, 16),
                          rt_shape(2, 2, 2), &t, rt_err(g_err, E)),
              t, "shape (3037000500, 3037000500) of '<f8' is too large: its data would need more "
                 "than 2^64 bytes (the file holds 16)");
  expect_fail(
      rt_load_npy(npy_file("nan.npy", 1, "<f8", 0, "(2, 3)", (double[]){1, 2, 3, 4, 5, NAN}, 48),
                  rt_shape(2, 2, 3), &t, rt_err(g_err, E)),
      t, "element [1, 2] is NaN");
  expect_fail(rt_load_npy(npy_file("inf4.npy", 1, "<f4", 0, "(2,)", (float[]){-INFINITY, 0}, 8),
                          rt_shape(1, 2, 1), &t, rt_err(g_err, E)),
              t, "element [0] is -Inf");
  expect_fail(rt_load_npy(npy_file("sh.npy", 1, "<f8", 0, "(2, 3)", m, 48), rt_shape(2, 3, 2), &t,
                          rt_err(g_err, E)),
              t, "holds a 2 x 3 matrix but the declaration says matrix[3, 2]");
  expect_fail(rt_load_npy(fxd_path("sh.npy"), rt_shape(1, 6, 1), &t, rt_err(g_err, E)), t,
              "holds a 2 x 3 matrix but the declaration says vector[6]");

  /* broken preambles and headers */
  expect_fail(rt_load_npy(fxd_bytes("magic.npy", "\x93NUMPX\x01\x00\x00\x00", 10),
                          rt_shape(1, 1, 1), &t, rt_err(g_err, E)),
              t, "not an NPY file (it does not start with \\x93NUMPY)");
  expect_fail(rt_load_npy(fxd_text("text.npy", "1,2,3\n"), rt_shape(1, 3, 1), &t, rt_err(g_err, E)),
              t, "not an NPY file");
  expect_fail(rt_load_npy(fxd_bytes("v4.npy", "\x93NUMPY\x04\x00\x00\x00", 10), rt_shape(1, 1, 1),
                          &t, rt_err(g_err, E)),
              t, "NPY version 4.0 is not supported (1.0, 2.0 and 3.0 are)");
  expect_fail(rt_load_npy(fxd_bytes("v2short.npy", "\x93NUMPY\x02\x00\x00\x00", 10),
                          rt_shape(1, 1, 1), &t, rt_err(g_err, E)),
              t, "truncated NPY preamble");
  expect_fail(rt_load_npy(fxd_bytes("hlen.npy", "\x93NUMPY\x01\x00\xff\xff{'descr'", 18),
                          rt_shape(1, 1, 1), &t, rt_err(g_err, E)),
              t,
              "truncated NPY header (it declares 65535 bytes, the file has 8 after the preamble)");
  const char *bad[][2] = {
      {"{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,), }",
       "malformed NPY header: structured dtypes (a list of fields) are not supported"},
      {"{'descr': '<f8', 'fortran_order': False}", "no 'shape' key"},
      {"{'fortran_order': False, 'shape': (1,)}", "no 'descr' key"},
      {"{'descr': '<f8', 'shape': (1,)}", "no 'fortran_order' key"},
      {"{'descr': '<f8', 'fortran_order': 0, 'shape': (1,)}",
       "'fortran_order' is neither True nor False"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (-1,)}", "non-negative integers"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': 1}", "'shape' is not a tuple"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (1 2)}",
       "expected ',' or ')' in 'shape'"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,)}", "too large"},
      {"['descr', '<f8']", "it does not start with '{'"},
      {"{descr: '<f8'}", "expected a quoted key"},
      {"{'descr' '<f8'}", "expected ':' after a key"},
      {"{'descr': <f8}", "'descr' is not a string"},
      {"{'descr': '<f8' 'fortran_order': False}", "expected ',' or '}' after a value"},
      {"{'descr': '<f8", "'descr' is not a string"},
      {"{'extra': {1: 2}, 'descr': '<f8'}", "cannot read the value of an unknown key"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    unsigned char b[200];
    size_t hl = strlen(bad[i][0]);
    memcpy(b, "\x93NUMPY\x01\x00", 8);
    b[8] = (unsigned char)hl, b[9] = 0;
    memcpy(b + 10, bad[i][0], hl);
    expect_fail(
        rt_load_npy(fxd_bytes("hdr.npy", b, 10 + hl), rt_shape(1, 1, 1), &t, rt_err(g_err, E)), t,
        bad[i][1]);
  }
  /* unknown keys with simple values are skipped */
  const char *h =
      "{'descr': '<f8', 'extra': ('x', [1, 2.5], None), 'fortran_order': False, 'shape': (1,)}";
  unsigned char b[200];
  size_t hl = strlen(h);
  memcpy(b, "\x93NUMPY\x01\x00", 8);
  b[8] = (unsigned char)hl, b[9] = 0;
  memcpy(b + 10, h, hl);
  memcpy(b + 10 + hl, m, 8);
  expect_ok(
      rt_load_npy(fxd_bytes("extra.npy", b, 18 + hl), rt_shape(1, 1, 1), &t, rt_err(g_err, E)));
  assert_true(t.v[0] == 1);
  rt_tensor_free(&t);
  /* gzip works here too */
  size_t len;
  unsigned char *raw = fxd_read(fxd_path("sh.npy"), &len);
  expect_ok(rt_load_npy(fxd_gz("sh.npy.gz", raw, len), rt_shape(2, 2, 3), &t, rt_err(g_err, E)));
  free(raw);
  rt_tensor_free(&t);
}

/* ------------------------------------------------------------------ hostile input */

typedef int (*Loader)(const char *, RtShape, RtTensor *, RtErr);

/* Random damage to a valid file: byte flips, bytes set to separators and digits, truncation,
 * duplicated slices. Each loader must fail cleanly (a message, nothing allocated) or succeed
 * with the declared shape; ASan/UBSan builds check that nothing is read out of bounds. */
static void mutate_and_load(const char *name, const unsigned char *good, size_t len, Loader load,
                            RtShape shape, int reps, uint64_t seed) {
  int rank = shape.rank;
  int64_t rows = shape.rows, cols = shape.cols;
  RtRng r = rt_rng_stream(seed, name);
  static const unsigned char special[] = {0,    0xff, 0x7f, 0x80, '\n', ',',  ':',
                                          '#',  ' ',  '-',  '.',  'e',  '1',  '9',
                                          '\'', '(',  ')',  '{',  '}',  0x1f, 0x8b};
  const char *scale = getenv("BLOC_TEST_MUTATIONS"); /* a multiplier for longer local runs */
  if (scale && atoi(scale) > 0) reps *= atoi(scale);
  unsigned char *b = malloc(2 * len + 16);
  for (int rep = 0; rep < reps; rep++) {
    size_t n = len;
    memcpy(b, good, len);
    int edits = 1 + (int)rt_rng_below(&r, 4);
    for (int e = 0; e < edits && n > 0; e++) {
      size_t at = (size_t)rt_rng_below(&r, n);
      switch (rt_rng_below(&r, 4)) {
      case 0: b[at] ^= (unsigned char)(1u << rt_rng_below(&r, 8)); break;
      case 1: b[at] = special[rt_rng_below(&r, sizeof special)]; break;
      case 2: n = at; break;
      default: {
        size_t k = (size_t)rt_rng_below(&r, n - at < 16 ? n - at : 16) + 1;
        if (n + k <= 2 * len + 16) {
          memmove(b + at + k, b + at, n - at);
          n += k;
        }
      }
      }
    }
    const char *p = fxd_bytes(name, b, n);
    for (int any = 0; any < 2; any++) {
      RtTensor t = {0};
      g_err[0] = 0;
      int64_t rr = any ? RT_ANY : rows,
              cc = any && rank == 2 && load != rt_load_libsvm ? RT_ANY : cols;
      if (load(p, rt_shape(rank, rr, cc), &t, rt_err(g_err, E)) == 0) {
        assert_int_equal(t.rank, rank);
        if (!any) assert_int_equal(t.rows, rows);
        for (int64_t i = 0; i < t.rows * t.cols; i++) assert_true(isfinite(t.v[i]));
        rt_tensor_free(&t);
      } else {
        assert_null(t.v);
        assert_true(g_err[0] != 0);
      }
    }
  }
  free(b);
}

static void test_mutations_never_crash(void **state) {
  (void)state;
  const char *csv = "a,b,c\n1,2.5,-3e2\n4,5,6\n7,8,9\n";
  mutate_and_load("mut.csv", (const unsigned char *)csv, strlen(csv), rt_load_csv,
                  rt_shape(2, 3, 3), 400, 1);
  const char *svm = "1 1:0.5 3:2\n-1 2:1.5 # c\n+1 1:-1 2:1e-3 3:7\n";
  mutate_and_load("mut.svm", (const unsigned char *)svm, strlen(svm), rt_load_libsvm,
                  rt_shape(2, 3, 4), 400, 2);
  unsigned char buf[256], data[64];
  for (int i = 0; i < 64; i++) data[i] = (unsigned char)(i * 37);
  const uint32_t d[] = {4, 2, 2};
  size_t n = idx_make(buf, 0x08, 3, d, data, 16);
  mutate_and_load("mut.idx", buf, n, rt_load_idx, rt_shape(2, 4, 4), 400, 3);
  const uint32_t d1[] = {2};
  n = idx_make(buf, 0x0E, 1, d1, data, 16);
  mutate_and_load("mutf.idx", buf, n, rt_load_idx, rt_shape(1, 2, 1), 400, 4);
  size_t glen;
  unsigned char *g = fxd_read(fxd_gz("mut.gz", buf, n), &glen);
  mutate_and_load("mut.idx.gz", g, glen, rt_load_idx, rt_shape(1, 2, 1), 400, 5);
  free(g);
  const double m[6] = {1, 2, 3, 4, 5, 6};
  unsigned char *np = fxd_read(npy_file("mut.npy", 1, "<f8", 1, "(2, 3)", m, sizeof m), &glen);
  mutate_and_load("mut2.npy", np, glen, rt_load_npy, rt_shape(2, 2, 3), 600, 6);
  free(np);
}

static void test_tensor_free(void **state) {
  (void)state;
  RtTensor t = {0};
  rt_tensor_free(&t);
  rt_tensor_free(NULL);
}

/* A message longer than its buffer keeps its end, the reason: a long quoted path is cut to its
 * first and last RT_FIT_KEEP bytes, and what is still too long loses its middle. A 1,505-byte
 * data path filled the 512 bytes and the message ended inside it. */
static void test_message_keeps_its_reason(void **state) {
  (void)state;
  char path[1600] = "", err[512];
  for (int i = 0; i < 300; i++) strcat(path, "dddd/");
  strcat(path, "x.csv");
  rt_data_errf(err, sizeof err, "'%s' line 2, field 1: '%s' is not a finite number", path, "nan");
  char want[512];
  snprintf(want, sizeof want, "'%.60s...%s' line 2, field 1: 'nan' is not a finite number", path,
           path + strlen(path) - 60);
  assert_string_equal(err, want);
  /* a short message is as it was */
  rt_data_errf(err, sizeof err, "'%s': %s", "a.csv", "no such file");
  assert_string_equal(err, "'a.csv': no such file");
  /* too long even with the path cut: the start, "...", and the end whole */
  char small[64];
  rt_data_errf(small, sizeof small, "'%s' line 2: %s", path, "the reason is at the end");
  assert_int_equal(strlen(small), sizeof small - 1);
  assert_memory_equal(small, "'dddd/", 6);
  assert_non_null(strstr(small, "..."));
  assert_string_equal(small + strlen(small) - 24, "the reason is at the end");
  /* a cut never splits a UTF-8 character: the end starts at a character's first byte */
  char u[800] = "'";
  for (int i = 0; i < 300; i++) strcat(u, "\xc3\xa9");
  strcat(u, "' bad");
  rt_data_errf(small, sizeof small, "%s", u);
  const char *dots = strstr(small, "...");
  assert_non_null(dots);
  assert_true(((unsigned char)dots[3] & 0xc0) != 0x80);
  assert_true(((unsigned char)dots[-1] & 0xc0) != 0xc0); /* not a lead byte without its tail */
  assert_string_equal(small + strlen(small) - 5, "' bad");
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_csv_matrix),
    cmocka_unit_test(test_csv_vector_layouts),
    cmocka_unit_test(test_csv_errors),
    cmocka_unit_test(test_csv_write_read_roundtrip),
    cmocka_unit_test(test_csv_sklearn_files),
    cmocka_unit_test(test_idx_formats),
    cmocka_unit_test(test_idx_errors),
    cmocka_unit_test(test_idx_fashion_mnist),
    cmocka_unit_test(test_idx_into_matches),
    cmocka_unit_test(test_idx_open_rows),
    cmocka_unit_test(test_libsvm),
    cmocka_unit_test(test_libsvm_csr),
    cmocka_unit_test(test_libsvm_bom_cr),
    cmocka_unit_test(test_npy_dtypes),
    cmocka_unit_test(test_npy_fortran_order),
    cmocka_unit_test(test_npy_tensor3),
    cmocka_unit_test(test_npy_errors),
    cmocka_unit_test(test_mutations_never_crash),
    cmocka_unit_test(test_tensor_free),
    cmocka_unit_test(test_gzip_libdeflate_agrees_with_zlib),
    cmocka_unit_test(test_message_keeps_its_reason),
  };
  return cmocka_run_group_tests(tests, group_setup, fxd_remove);
}
