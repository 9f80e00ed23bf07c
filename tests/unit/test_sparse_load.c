/* test_sparse_load.c — the CSR side of the loaders: rt_load_mtx_csr on MatrixMarket files the
 * tests write (general, symmetric, pattern, integer; plain and gzipped; larger than the 1 MiB
 * first read), every error with its exact message, forged size lines that must fail without
 * allocating what they claim; rt_csr_from_triplets (sorting, duplicates, messages) and
 * rt_csr_check (every message). */
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
#include "rt_sparse.h"

/* ------------------------------------------------------------------ fixtures */

static char g_err[512];
static const RtErr E = {g_err, sizeof g_err};
static const RtShape ANY = {2, RT_ANY, RT_ANY};

static int group_setup(void **state) {
  (void)state;
  return fxd_create("sparse");
}

static RtShape shape(int64_t rows, int64_t cols) { return (RtShape){2, rows, cols}; }

/* Loads text as f.mtx into want and expects the message "'PATH'" + rest; *out stays zeroed.
 * The row-range loader asked for every row of a declared row count says the same. */
static void expect_mtx_fail(const char *text, RtShape want, const char *rest) {
  const char *p = fxd_text("f.mtx", text);
  RtCsr m;
  char msg[600];
  snprintf(msg, sizeof msg, "'%s'%s", p, rest);
  for (int by_rows = 0; by_rows < (want.rows > 0 ? 2 : 1); by_rows++) {
    g_err[0] = 0;
    RtRows all = {0, want.rows};
    assert_int_not_equal(
        by_rows ? rt_load_mtx_csr_rows(p, want, all, &m, E) : rt_load_mtx_csr(p, want, &m, E), 0);
    assert_string_equal(g_err, msg);
    assert_null(m.rowptr);
    assert_null(m.col);
    assert_null(m.val);
    assert_int_equal(m.nnz, 0);
  }
}

static void load_ok(const char *p, RtShape want, RtCsr *m) {
  g_err[0] = 0;
  int rc = rt_load_mtx_csr(p, want, m, E);
  if (rc) fail_msg("%s", g_err);
  assert_int_equal(rt_csr_check(m, p, E), 0);
}

/* Expects m to be the rows x cols matrix with rowptr rp, columns (0-based) cl, values vl. */
static void expect_csr(const RtCsr *m, int64_t rows, int64_t cols, const int64_t *rp,
                       const int32_t *cl, const double *vl) {
  assert_int_equal(m->rows, rows);
  assert_int_equal(m->cols, cols);
  assert_int_equal(m->nnz, rp[rows]);
  for (int64_t i = 0; i <= rows; i++) assert_int_equal(m->rowptr[i], rp[i]);
  for (int64_t k = 0; k < rp[rows]; k++) {
    assert_int_equal(m->col[k], cl[k]);
    assert_true(m->val[k] == vl[k]);
  }
}

/* ------------------------------------------------------------------ MatrixMarket: reading */

/* 3 x 4, entries out of order, comments and blank lines, CRLF, an explicit zero kept */
static const char *GENERAL = "%%MatrixMarket matrix coordinate real general\r\n"
                             "% a comment\n"
                             "%\n"
                             "\n"
                             "  3 4   5  \r\n"
                             "3 1 -2.5\n"
                             "1 4 1e-3\r\n"
                             "\n"
                             "% a comment among the entries\n"
                             "1 2 7\n"
                             "3 4 0\n"
                             "2\t3\t.5";
static const int64_t GEN_RP[] = {0, 2, 3, 5};
static const int32_t GEN_COL[] = {1, 3, 2, 0, 3};
static const double GEN_VAL[] = {7, 1e-3, .5, -2.5, 0};

static void test_mtx_general(void **state) {
  (void)state;
  RtCsr m;
  load_ok(fxd_text("g.mtx", GENERAL), shape(3, 4), &m);
  expect_csr(&m, 3, 4, GEN_RP, GEN_COL, GEN_VAL);
  rt_csr_free(&m);
  assert_null(m.rowptr);
  /* the file's sizes where the declaration leaves them open */
  load_ok(fxd_text("g.mtx", GENERAL), ANY, &m);
  expect_csr(&m, 3, 4, GEN_RP, GEN_COL, GEN_VAL);
  rt_csr_free(&m);
  load_ok(fxd_text("g.mtx", GENERAL), shape(3, RT_ANY), &m);
  assert_int_equal(m.cols, 4);
  rt_csr_free(&m);
  /* gzip is transparent */
  load_ok(fxd_gz("g.mtx.gz", GENERAL, strlen(GENERAL)), shape(3, 4), &m);
  expect_csr(&m, 3, 4, GEN_RP, GEN_COL, GEN_VAL);
  rt_csr_free(&m);
  /* banner words in any case; no entries at all */
  load_ok(fxd_text("e.mtx", "%%MatrixMarket MATRIX Coordinate REAL General\n2 3 0\n"), ANY, &m);
  static const int64_t rp0[] = {0, 0, 0};
  expect_csr(&m, 2, 3, rp0, NULL, NULL);
  rt_csr_free(&m);
}

static void test_mtx_symmetric_pattern_integer(void **state) {
  (void)state;
  RtCsr m;
  /* symmetric: off-diagonal entries mirrored, the diagonal once; either triangle may be given */
  load_ok(fxd_text("s.mtx", "%%MatrixMarket matrix coordinate real symmetric\n3 3 4\n"
                            "1 1 4\n3 1 -1\n2 2 5\n2 3 0.25\n"),
          shape(3, 3), &m);
  static const int64_t srp[] = {0, 2, 4, 6};
  static const int32_t scol[] = {0, 2, 1, 2, 0, 1};
  static const double sval[] = {4, -1, 5, 0.25, -1, 0.25};
  expect_csr(&m, 3, 3, srp, scol, sval);
  rt_csr_free(&m);
  /* pattern: every entry is 1 */
  load_ok(fxd_text("p.mtx", "%%MatrixMarket matrix coordinate pattern general\n2 3 3\n"
                            "2 3\n1 1\n2 1\n"),
          shape(2, 3), &m);
  static const int64_t prp[] = {0, 1, 3};
  static const int32_t pcol[] = {0, 0, 2};
  static const double pval[] = {1, 1, 1};
  expect_csr(&m, 2, 3, prp, pcol, pval);
  rt_csr_free(&m);
  /* pattern symmetric */
  static const char ps[] = "%%MatrixMarket matrix coordinate pattern symmetric\n2 2 2\n2 1\n2 2\n";
  load_ok(fxd_gz("ps.mtx.gz", ps, sizeof ps - 1), ANY, &m);
  static const int64_t psrp[] = {0, 1, 3};
  static const int32_t pscol[] = {1, 0, 1};
  expect_csr(&m, 2, 2, psrp, pscol, pval);
  rt_csr_free(&m);
  /* integer values */
  load_ok(fxd_text("i.mtx", "%%MatrixMarket matrix coordinate integer general\n1 2 2\n"
                            "1 2 -7\n1 1 +3\n"),
          shape(1, 2), &m);
  static const int64_t irp[] = {0, 2};
  static const int32_t icol[] = {0, 1};
  static const double ival[] = {3, -7};
  expect_csr(&m, 1, 2, irp, icol, ival);
  rt_csr_free(&m);
}

/* A file over the 1 MiB first read: the size line's count lets the second read take it all,
 * plain and gzipped. */
static void test_mtx_large(void **state) {
  (void)state;
  const int64_t n = 150000; /* about 2 MB of entries */
  size_t cap = 64 + (size_t)n * 32, len = 0;
  char *txt = malloc(cap);
  assert_non_null(txt);
  len += (size_t)snprintf(txt, cap, "%%%%MatrixMarket matrix coordinate real general\n"
                                    "%lld 1000 %lld\n", (long long)n, (long long)n);
  for (int64_t k = n; k >= 1; k--) /* reversed, so that the rows are sorted */
    len += (size_t)snprintf(txt + len, cap - len, "%lld %lld %.17g\n", (long long)k,
                            (long long)(k * 7 % 1000 + 1), 0.5 * (double)k);
  assert_true(len > ((size_t)1 << 20));
  for (int gz = 0; gz < 2; gz++) {
    const char *p = gz ? fxd_gz("big.mtx.gz", txt, len) : fxd_bytes("big.mtx", txt, len);
    RtCsr m;
    load_ok(p, shape(n, 1000), &m);
    assert_int_equal(m.nnz, n);
    for (int64_t i = 0; i < n; i++) {
      assert_int_equal(m.rowptr[i], i);
      assert_int_equal(m.col[i], (i + 1) * 7 % 1000);
      assert_true(m.val[i] == 0.5 * (double)(i + 1));
    }
    rt_csr_free(&m);
  }
  free(txt);
}

/* ------------------------------------------------------------------ MatrixMarket: errors */

#define HDR "%%MatrixMarket matrix coordinate real general\n"

static void test_mtx_banner_errors(void **state) {
  (void)state;
  RtShape w = shape(2, 2);
  expect_mtx_fail("2 2 1\n1 1 1\n", w,
                  " line 1: not a MatrixMarket file (the first line must start with "
                  "%%MatrixMarket)");
  expect_mtx_fail("%%MatrixMarketx matrix coordinate real general\n", w,
                  " line 1: not a MatrixMarket file (the first line must start with "
                  "%%MatrixMarket)");
  expect_mtx_fail("%%MatrixMarket matrix coordinate real\n2 2 0\n", w,
                  " line 1: the banner needs four words after %%MatrixMarket: matrix coordinate "
                  "FIELD SYMMETRY");
  expect_mtx_fail("%%MatrixMarket matrix coordinate real general x\n2 2 0\n", w,
                  " line 1: 'x' after the banner's four words");
  expect_mtx_fail("%%MatrixMarket vector coordinate real general\n2 2 0\n", w,
                  " line 1: object 'vector' is not 'matrix'");
  expect_mtx_fail("%%MatrixMarket matrix array real general\n2 2\n1\n2\n3\n4\n", w,
                  " line 1: the array (dense) format is not read: sparse data must be in the "
                  "coordinate format");
  expect_mtx_fail("%%MatrixMarket matrix coord real general\n2 2 0\n", w,
                  " line 1: format 'coord' is not 'coordinate'");
  expect_mtx_fail("%%MatrixMarket matrix coordinate complex general\n2 2 0\n", w,
                  " line 1: field 'complex' is not supported (real, integer or pattern)");
  expect_mtx_fail("%%MatrixMarket matrix coordinate real skew-symmetric\n2 2 0\n", w,
                  " line 1: symmetry 'skew-symmetric' is not supported (general or symmetric)");
  expect_mtx_fail("%%MatrixMarket matrix coordinate real hermitian\n2 2 0\n", w,
                  " line 1: symmetry 'hermitian' is not supported (general or symmetric)");
  expect_mtx_fail(HDR "% only comments\n\n", w, " has no size line after its banner");
  /* not a sparse declaration */
  const char *p = fxd_text("v.mtx", HDR "2 1 0\n");
  RtCsr m;
  assert_int_not_equal(rt_load_mtx_csr(p, (RtShape){1, 2, 1}, &m, E), 0);
  char msg[600];
  snprintf(msg, sizeof msg, "'%s': a MatrixMarket file loads into a sparse[rows, cols] "
           "declaration, not vector[2]", p);
  assert_string_equal(g_err, msg);
  /* a missing file: the common reader's message */
  p = fxd_path("missing.mtx");
  assert_int_not_equal(rt_load_mtx_csr(p, w, &m, E), 0);
  snprintf(msg, sizeof msg, "'%s': cannot open: No such file or directory", p);
  assert_string_equal(g_err, msg);
}

/* A UTF-8 byte-order mark is skipped and lines ending with CR alone are said as such, as the
 * CSV loader does (the same code): they said "not a MatrixMarket file" and "'2' after the
 * banner's four words". Both the whole-file and the row-range reader. */
static void test_mtx_bom_cr(void **state) {
  (void)state;
  RtCsr m;
  static const int64_t rp[] = {0, 1, 2};
  static const int32_t cl[] = {0, 1};
  static const double vl[] = {1, 9};
  const char *p = fxd_text("bom.mtx", "\xEF\xBB\xBF" "%%MatrixMarket matrix coordinate real "
                           "general\r\n2 3 2\r\n1 1 1\r\n2 2 9\r\n");
  load_ok(p, shape(2, 3), &m);
  expect_csr(&m, 2, 3, rp, cl, vl);
  rt_csr_free(&m);
  assert_int_equal(rt_load_mtx_csr_rows(p, shape(2, 3), (RtRows){0, 2}, &m, E), 0);
  expect_csr(&m, 2, 3, rp, cl, vl);
  rt_csr_free(&m);
  const char *cr = " line %d: its lines end with CR alone (classic Mac OS line endings), which "
                   "are not supported: use \\n or \\r\\n (tr '\\r' '\\n' converts them)";
  char rest[300];
  snprintf(rest, sizeof rest, cr, 1);
  expect_mtx_fail("%%MatrixMarket matrix coordinate real general\r2 3 2\r1 1 1\r2 2 9\r",
                  shape(2, 3), rest);
  expect_mtx_fail("\xEF\xBB\xBF" "%%MatrixMarket matrix coordinate real general\r2 3 1\r1 1 1\r",
                  shape(2, 3), rest);
  snprintf(rest, sizeof rest, cr, 2);
  expect_mtx_fail(HDR "%% a comment\r2 3 1\r1 1 1\r", shape(2, 3), rest);
  snprintf(rest, sizeof rest, cr, 3);
  expect_mtx_fail(HDR "2 3 2\n1 1 1\r2 2 9\r", shape(2, 3), rest);
}

static void test_mtx_size_errors(void **state) {
  (void)state;
  RtShape w = shape(2, 3);
  const char *three = " line 2: the size line must be three counts: rows columns entries";
  expect_mtx_fail(HDR "2 3\n", w, three);
  expect_mtx_fail(HDR "2 3 1 1\n1 1 1\n", w, three);
  expect_mtx_fail(HDR "2 -3 1\n1 1 1\n", w, three);
  expect_mtx_fail(HDR "2 3 x\n", w, three);
  expect_mtx_fail(HDR "2 3 99999999999999999999\n", w, three);
  expect_mtx_fail(HDR "3 3 0\n", w, " holds a 3 x 3 matrix but the declaration says sparse[2, 3]");
  expect_mtx_fail(HDR "2 4 0\n", shape(RT_ANY, 3),
                  " holds a 2 x 4 matrix but the declaration says sparse[?, 3]");
  expect_mtx_fail(HDR "2 2147483648 0\n", ANY,
                  " line 2: 2147483648 columns is more than a sparse matrix can have "
                  "(2147483647)");
  expect_mtx_fail("%%MatrixMarket matrix coordinate real symmetric\n2 3 0\n", ANY,
                  " line 2: a symmetric matrix must be square, not 2 x 3");
  expect_mtx_fail(HDR "2 3 7\n", w, " line 2: 7 entries do not fit a 2 x 3 matrix");
  expect_mtx_fail("%%MatrixMarket matrix coordinate real symmetric\n3 3 7\n", ANY,
                  " line 2: 7 entries do not fit a symmetric 3 x 3 matrix");
}

static void test_mtx_entry_errors(void **state) {
  (void)state;
  RtShape w = shape(2, 3);
  expect_mtx_fail(HDR "2 3 2\n1 1 1\n0 2 1\n", w, " line 4: row index 0 (indices are 1-based)");
  expect_mtx_fail(HDR "2 3 1\n1 0 1\n", w, " line 3: column index 0 (indices are 1-based)");
  expect_mtx_fail(HDR "2 3 1\n3 1 1\n", w, " line 3: row index 3 is past the 2 rows of the size "
                  "line");
  expect_mtx_fail(HDR "2 3 1\n1 4 1\n", w, " line 3: column index 4 is past the 3 columns of "
                  "the size line");
  expect_mtx_fail(HDR "2 3 1\n1.0 1 1\n", w, " line 3: row index '1.0' is not a positive "
                  "integer");
  expect_mtx_fail(HDR "2 3 1\n1 -1 1\n", w, " line 3: column index '-1' is not a positive "
                  "integer");
  expect_mtx_fail(HDR "2 3 1\n1\n", w, " line 3: no column index");
  expect_mtx_fail(HDR "2 3 1\n1 2\n", w, " line 3: entry (1, 2) has no value");
  expect_mtx_fail(HDR "2 3 1\n1 2 x1\n", w, " line 3: value 'x1' is not a number");
  expect_mtx_fail(HDR "2 3 1\n1 2 nan\n", w, " line 3: value 'nan' is not a finite number");
  expect_mtx_fail(HDR "2 3 1\n1 2 -inf\n", w, " line 3: value '-inf' is not a finite number");
  expect_mtx_fail(HDR "2 3 1\n1 2 1e999\n", w, " line 3: value '1e999' is not a finite number");
  expect_mtx_fail(HDR "2 3 1\n1 2 3 4\n", w, " line 3: '4' after the entry (one entry a line: "
                  "row column value)");
  expect_mtx_fail("%%MatrixMarket matrix coordinate pattern general\n2 3 1\n1 2 3\n", w,
                  " line 3: '3' after the entry (one entry a line: row column)");
  expect_mtx_fail("%%MatrixMarket matrix coordinate integer general\n2 3 1\n1 2 1.5\n", w,
                  " line 3: value '1.5' is not an integer (the banner says integer)");
  expect_mtx_fail(HDR "2 3 1\n1 2 0123456789012345678901234567890123456789x\n", w,
                  " line 3: value '0123456789012345678901234567890123456789...' is not a "
                  "number");
  /* counts */
  expect_mtx_fail(HDR "2 3 3\n1 1 1\n2 2 2\n", w, " holds 2 entries but its size line (line 2) "
                  "says 3");
  expect_mtx_fail(HDR "2 3 2\n1 1 1\n", w, " holds 1 entry but its size line (line 2) says 2");
  expect_mtx_fail(HDR "2 3 1\n1 1 1\n\n2 2 2\n", w, " line 5: more entries than the 1 of the "
                  "size line (line 2)");
  /* duplicates, named by both lines */
  expect_mtx_fail(HDR "2 3 3\n1 2 1\n2 2 2\n1 2 3\n", w, " lines 3 and 5 both give entry (1, 2)");
  expect_mtx_fail("%%MatrixMarket matrix coordinate real symmetric\n3 3 2\n3 1 1\n1 3 2\n",
                  shape(3, 3),
                  " lines 3 and 4 both give entry (1, 3) (a symmetric file stores each "
                  "off-diagonal entry once: (i, j) stands for (j, i) too)");
  /* a binary file */
  static const char nul[] = HDR "2 3 1\n1 1 \0\n";
  const char *p = fxd_bytes("nul.mtx", nul, sizeof nul - 1);
  RtCsr m;
  assert_int_not_equal(rt_load_mtx_csr(p, w, &m, E), 0);
  char msg[600];
  snprintf(msg, sizeof msg, "'%s' line 3: contains a NUL byte (is this a binary file?)", p);
  assert_string_equal(g_err, msg);
}

/* Size lines that claim far more than the file holds fail with their message, not with "out
 * of memory" (nothing of the claimed size is allocated; under ASan a huge request would abort),
 * and files longer than their size line justifies are read only that far. */
static void test_mtx_forged(void **state) {
  (void)state;
  expect_mtx_fail(HDR "1000000000000 1000000000 1000000000000000\n1 1 1\n",
                  shape(1000000000000, 1000000000),
                  " holds 1 entry but its size line (line 2) says 1000000000000000");
  expect_mtx_fail(HDR "100000000000 2 1\n1 1 1\n", ANY,
                  " line 2: 100000000000 rows in a file of 69 bytes: declare the row count to "
                  "load so sparse a matrix");
  expect_mtx_fail("%%MatrixMarket matrix coordinate real symmetric\n2000000000 2000000000 "
                  "2000000000000000000\n1 1 1\n",
                  shape(2000000000, 2000000000),
                  " holds 1 entry but its size line (line 2) says 2000000000000000000");
  /* 2 MiB of blank lines after one entry: more than 1 MiB + 768 bytes an entry */
  size_t n = (size_t)2 << 20;
  char *txt = malloc(n + 1);
  assert_non_null(txt);
  static const char head[] = HDR "2 2 1\n1 1 1\n";
  size_t h = sizeof head - 1;
  memcpy(txt, head, h);
  memset(txt + h, '\n', n - h);
  char msg[600];
  for (int gz = 0; gz < 2; gz++) {
    const char *p = gz ? fxd_gz("long.mtx.gz", txt, n) : fxd_bytes("long.mtx", txt, n);
    RtCsr m;
    assert_int_not_equal(rt_load_mtx_csr(p, shape(2, 2), &m, E), 0);
    snprintf(msg, sizeof msg, "'%s' is longer than the 1 entry of its size line (line 2) can "
             "take: more than 1049396 bytes (the header, 1 MiB and 768 bytes an entry)", p);
    assert_string_equal(g_err, msg);
  }
  /* a banner followed by more than 1 MiB of comments */
  memset(txt + strlen(HDR), '%', n - strlen(HDR));
  for (size_t i = 100; i < n; i += 100) txt[i] = '\n';
  const char *p = fxd_bytes("comments.mtx", txt, n);
  RtCsr m;
  assert_int_not_equal(rt_load_mtx_csr(p, shape(2, 2), &m, E), 0);
  snprintf(msg, sizeof msg, "'%s' has no size line in its first 1 MiB", p);
  assert_string_equal(g_err, msg);
  free(txt);
}

/* ------------------------------------------------------------------ triplets and the check */

/* sparse_coo's builder: any order, duplicates summed in entry order, a row range, and an
 * index or value at fault named by its entry (0-based), with every entry checked */
static void test_from_coo(void **state) {
  (void)state;
  char msg[512];
  RtErr err = rt_err(msg, sizeof msg);
  RtCsr m;
  /* 3 x 4: (2, 0) = -2.5, (0, 3) = 1e-3 + 2 (two entries), (0, 1) = 7, (1, 2) = 0.5 */
  static const double r[] = {2, 0, 0, 1, 0}, c[] = {0, 3, 1, 2, 3}, v[] = {-2.5, 1e-3, 7, .5, 2};
  assert_int_equal(rt_csr_from_coo(r, c, v, 5, 3, 4, (RtRows){0, 3}, "data 'X'", &m, err), 0);
  static const int64_t rp[] = {0, 2, 3, 4};
  static const int32_t cl[] = {1, 3, 2, 0};
  static const double vl[] = {7, 1e-3 + 2, .5, -2.5};
  expect_csr(&m, 3, 4, rp, cl, vl);
  assert_int_equal(rt_csr_check(&m, "X", err), 0);
  rt_csr_free(&m);
  /* rows 1..2 only, renumbered from 0 */
  assert_int_equal(rt_csr_from_coo(r, c, v, 5, 3, 4, (RtRows){1, 2}, "data 'X'", &m, err), 0);
  static const int64_t rp1[] = {0, 1, 2};
  static const int32_t cl1[] = {2, 0};
  static const double vl1[] = {.5, -2.5};
  expect_csr(&m, 2, 4, rp1, cl1, vl1);
  rt_csr_free(&m);
  /* an entry outside the kept rows is still checked */
  static const double rb[] = {2, 0, 0, 3, 0};
  assert_int_equal(rt_csr_from_coo(rb, c, v, 5, 3, 4, (RtRows){0, 1}, "data 'X'", &m, err), -1);
  assert_string_equal(msg, "data 'X': entry [3] of sparse_coo has row index 3, not a row of the "
                           "sparse[3, 4]: the rows are the integers 0..2 (indices are 0-based: "
                           "subtract 1 from indices numbered from 1)");
  assert_null(m.rowptr);
  static const double cb[] = {0, 3, 1, -1, 3}, cf[] = {0, 3, 1, 2.25, 3};
  assert_int_equal(rt_csr_from_coo(r, cb, v, 5, 3, 4, (RtRows){0, 3}, "B", &m, err), -1);
  assert_non_null(strstr(msg, "entry [3] of sparse_coo has column index -1, not a column"));
  assert_int_equal(rt_csr_from_coo(r, cf, v, 5, 3, 4, (RtRows){0, 3}, "B", &m, err), -1);
  assert_string_equal(msg, "B: entry [3] of sparse_coo has column index 2.25, not an integer");
  static const double vn[] = {1, 2, NAN, 4, 5}, vb[] = {1, 1e308, 3, 4, 1e308};
  assert_int_equal(rt_csr_from_coo(r, c, vn, 5, 3, 4, (RtRows){0, 3}, "B", &m, err), -1);
  assert_string_equal(msg, "B: entry [2] of sparse_coo has value nan, not a finite number");
  assert_int_equal(rt_csr_from_coo(r, c, vb, 5, 3, 4, (RtRows){0, 3}, "B", &m, err), -1);
  assert_string_equal(msg, "B: the entries of sparse_coo at (0, 3) sum to an infinity");
  /* no entries: an empty matrix */
  assert_int_equal(rt_csr_from_coo(r, c, v, 0, 2, 2, (RtRows){0, 2}, "B", &m, err), 0);
  static const int64_t rp0[] = {0, 0, 0};
  expect_csr(&m, 2, 2, rp0, NULL, NULL);
  rt_csr_free(&m);
}

static void test_from_triplets(void **state) {
  (void)state;
  /* a 4 x 5 matrix in scrambled order, row 1 empty: sorted by (row, column) */
  static const int64_t row[] = {3, 0, 2, 0, 3, 2, 0};
  static const int32_t col[] = {4, 3, 0, 0, 1, 4, 2};
  static const double val[] = {1, 2, 3, 4, 5, 6, 7};
  static const int64_t line[] = {10, 11, 12, 13, 14, 15, 16};
  RtTriplets t = {4, 5, 7, row, col, val, line, 0};
  RtCsr m;
  assert_int_equal(rt_csr_from_triplets(&t, "x", &m, E), 0);
  static const int64_t rp[] = {0, 3, 3, 5, 7};
  static const int32_t cl[] = {0, 2, 3, 0, 4, 1, 4};
  static const double vl[] = {4, 7, 2, 3, 6, 5, 1};
  expect_csr(&m, 4, 5, rp, cl, vl);
  assert_int_equal(rt_csr_check(&m, "x", E), 0);
  rt_csr_free(&m);
  /* duplicates: by line, and by entry number without lines; the same line twice */
  static const int64_t drow[] = {1, 0, 1, 1};
  static const int32_t dcol[] = {2, 2, 0, 2};
  RtTriplets d = {2, 3, 4, drow, dcol, val, line, 0};
  assert_int_equal(rt_csr_from_triplets(&d, "f", &m, E), -1);
  assert_string_equal(g_err, "'f' lines 10 and 13 both give entry (2, 3)");
  assert_null(m.rowptr);
  d.line = NULL;
  assert_int_equal(rt_csr_from_triplets(&d, "f", &m, E), -1);
  assert_string_equal(g_err, "'f' entries 1 and 4 both give entry (2, 3)");
  static const int64_t same[] = {5, 6, 7, 5};
  d.line = same;
  assert_int_equal(rt_csr_from_triplets(&d, "f", &m, E), -1);
  assert_string_equal(g_err, "'f' line 5 gives entry (2, 3) twice");
  /* out of range, not finite, a bad shape */
  static const int64_t orow[] = {0, 2};
  static const int32_t ocol[] = {0, 0};
  RtTriplets o = {2, 3, 2, orow, ocol, val, line, 0};
  assert_int_equal(rt_csr_from_triplets(&o, "f", &m, E), -1);
  assert_string_equal(g_err, "'f' line 11: entry (3, 1) is outside the 2 x 3 matrix");
  static const int32_t ncol[] = {0, -1};
  o.row = row + 1; /* {0, 2} -> rows 0 and 2 of a 4-row matrix */
  o.rows = 4;
  o.col = ncol;
  o.line = NULL;
  assert_int_equal(rt_csr_from_triplets(&o, "f", &m, E), -1);
  assert_string_equal(g_err, "'f' entry 2: entry (3, 0) is outside the 4 x 3 matrix");
  static const double nv[] = {1, NAN};
  RtTriplets nf = {4, 5, 2, row, col, nv, line, 0};
  assert_int_equal(rt_csr_from_triplets(&nf, "f", &m, E), -1);
  assert_string_equal(g_err, "'f' line 11: the value of entry (1, 4) is not finite");
  RtTriplets bad = {2, -1, 0, NULL, NULL, NULL, NULL, 0};
  assert_int_equal(rt_csr_from_triplets(&bad, "f", &m, E), -1);
  assert_string_equal(g_err, "'f': bad sparse shape 2 x -1 with 0 entries");
  /* no entries: all rows empty */
  RtTriplets z = {3, 2, 0, NULL, NULL, NULL, NULL, 0};
  assert_int_equal(rt_csr_from_triplets(&z, "f", &m, E), 0);
  static const int64_t zrp[] = {0, 0, 0, 0};
  expect_csr(&m, 3, 2, zrp, NULL, NULL);
  rt_csr_free(&m);
}

static void test_csr_check(void **state) {
  (void)state;
  int64_t rp[] = {0, 2, 3};
  int32_t cl[] = {0, 2, 1};
  double vl[] = {1, 2, 3};
  RtCsr m = {2, 3, 3, rp, cl, vl};
  assert_int_equal(rt_csr_check(&m, "X", E), 0);
  m.cols = -1;
  assert_int_equal(rt_csr_check(&m, "X", E), -1);
  assert_string_equal(g_err, "X: bad sparse shape 2 x -1 with 3 entries");
  m.cols = 3;
  rp[2] = 2;
  assert_int_equal(rt_csr_check(&m, "X", E), -1);
  assert_string_equal(g_err, "X: row pointers do not run from 0 to 3");
  rp[2] = 3;
  rp[1] = 4;
  assert_int_equal(rt_csr_check(&m, "X", E), -1);
  assert_string_equal(g_err, "X: row 2 has a negative length");
  rp[1] = 2;
  cl[1] = 3;
  assert_int_equal(rt_csr_check(&m, "X", E), -1);
  assert_string_equal(g_err, "X: row 1: column 4 outside 1..3");
  cl[1] = 0;
  assert_int_equal(rt_csr_check(&m, "X", E), -1);
  assert_string_equal(g_err, "X: row 1: columns not strictly increasing at 1");
  cl[1] = 2;
  vl[2] = INFINITY;
  assert_int_equal(rt_csr_check(&m, "X", E), -1);
  assert_string_equal(g_err, "X: row 2, column 2: value is not finite");
  /* rt_csr_free on a zeroed matrix and on NULL */
  RtCsr z = {0};
  rt_csr_free(&z);
  rt_csr_free(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mtx_general),
      cmocka_unit_test(test_mtx_symmetric_pattern_integer),
      cmocka_unit_test(test_mtx_large),
      cmocka_unit_test(test_mtx_banner_errors),
      cmocka_unit_test(test_mtx_bom_cr),
      cmocka_unit_test(test_mtx_size_errors),
      cmocka_unit_test(test_mtx_entry_errors),
      cmocka_unit_test(test_mtx_forged),
      cmocka_unit_test(test_from_triplets),
      cmocka_unit_test(test_from_coo),
      cmocka_unit_test(test_csr_check),
  };
  return cmocka_run_group_tests(tests, group_setup, fxd_remove);
}
