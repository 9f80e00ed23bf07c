/* test_rows.c — the row-range loaders (rt_load_*_rows): for every format, plain and gzipped,
 * every split of a small file into 1, 2 and 3 ranges (uneven ones included) gives exactly the
 * rows of the whole load, bit for bit; an error in a row is reported by the range that holds it
 * with the whole load's message (global line, value), and a row count that disagrees with the
 * declaration by every range; ranges outside the declaration are refused. */
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
#include "rt_data.h"
#include "rt_sparse.h"

/* ------------------------------------------------------------------ fixtures */

static char g_err[512], g_err2[512];

static int group_setup(void **state) {
  (void)state;
  return fxd_create("rows");
}

/* Writes the bytes to NAME (gz: gzip-compressed, NAME.gz) in the test directory; its path. */
static const char *fx(const char *name, const void *data, size_t len, int gz) {
  if (!gz) return fxd_bytes(name, data, len);
  char gzname[256];
  snprintf(gzname, sizeof gzname, "%s.gz", name);
  return fxd_gz(gzname, data, len);
}

static const char *fx_text(const char *name, const char *text, int gz) {
  return fx(name, text, strlen(text), gz);
}

/* ------------------------------------------------------------------ dense splits */

typedef int (*WholeFn)(const char *, RtShape, RtTensor *, RtErr);
typedef int (*RowsFn)(const char *, RtShape, RtRows, RtTensor *, RtErr);

/* Range k of n over rows: uneven, [k rows / n, (k + 1) rows / n). */
static RtRows split(int64_t rows, int k, int n) {
  RtRows r = {k * rows / n, (k + 1) * rows / n - k * rows / n};
  return r;
}

/* Every split into 1, 2, 3 (and rows) ranges gives the whole load's rows, bit for bit. */
static void check_dense_splits(const char *path, RtShape want, WholeFn whole, RowsFn rows) {
  RtTensor all;
  int rc = whole(path, want, &all, (RtErr){g_err, sizeof g_err});
  if (rc) fail_msg("whole load of %s: %s", path, g_err);
  int64_t R = want.rank == 0 ? 1 : all.rows, C = all.cols;
  int ns[] = {1, 2, 3, (int)R};
  size_t nsplits = want.rank == 0 ? 1 : sizeof ns / sizeof ns[0]; /* a scalar is one row */
  for (size_t s = 0; s < nsplits; s++) {
    int64_t at = 0;
    for (int k = 0; k < ns[s]; k++) {
      RtRows r = split(R, k, ns[s]);
      RtTensor t;
      if (rows(path, want, r, &t, (RtErr){g_err, sizeof g_err}))
        fail_msg("%s rows %lld+%lld: %s", path, (long long)r.r0, (long long)r.n, g_err);
      assert_int_equal(t.rank, all.rank);
      assert_int_equal(t.rows, r.n);
      assert_int_equal(t.cols, C);
      assert_int_equal(r.r0, at);
      if (r.n) assert_memory_equal(t.v, all.v + at * C, (size_t)(r.n * C) * sizeof(double));
      at += r.n;
      rt_tensor_free(&t);
    }
    assert_int_equal(at, R);
  }
  rt_tensor_free(&all);
}

/* The whole load fails with a message; the range holding row `bad` fails with the same one,
 * the ranges without it load (bad < 0: every range fails alike). */
static void check_dense_error(const char *path, RtShape want, WholeFn whole, RowsFn rows,
                              int64_t bad) {
  RtTensor all;
  assert_int_not_equal(whole(path, want, &all, (RtErr){g_err, sizeof g_err}), 0);
  int64_t R = want.rows;
  for (int n = 1; n <= 3; n++)
    for (int k = 0; k < n; k++) {
      RtRows r = split(R, k, n);
      RtTensor t;
      g_err2[0] = 0;
      int rc = rows(path, want, r, &t, (RtErr){g_err2, sizeof g_err2});
      int holds = bad < 0 || (bad >= r.r0 && bad < r.r0 + r.n);
      if (holds) {
        assert_int_not_equal(rc, 0);
        assert_string_equal(g_err2, g_err);
        assert_null(t.v);
      } else {
        if (rc) fail_msg("%s rows %lld+%lld: %s", path, (long long)r.r0, (long long)r.n, g_err2);
        rt_tensor_free(&t);
      }
    }
}

/* ------------------------------------------------------------------ CSV */

static const char k_csv[] = "\xEF\xBB\xBF" "a,b,c\n"
                            "1,2,3\n"
                            "\n"
                            "4.5, -5e-3 ,\"6\"\n"
                            "7,8,9\n"
                            "   \n"
                            "10,11,12\n"
                            "13,14,15\n"
                            "16,17,18\n"
                            "19,20,1e300";

static void test_csv_splits(void **state) {
  (void)state;
  for (int gz = 0; gz < 2; gz++) {
    check_dense_splits(fx_text("m.csv", k_csv, gz), rt_shape(2, 7, 3), rt_load_csv,
                       rt_load_csv_rows);
    const char *col = fx_text("col.csv", "1\n2\n\n3\n4\n5\n", gz);
    check_dense_splits(col, rt_shape(1, 5, 1), rt_load_csv, rt_load_csv_rows);
    const char *row = fx_text("row.csv", "1 2 3 4 5\n", gz);
    check_dense_splits(row, rt_shape(1, 5, 1), rt_load_csv, rt_load_csv_rows);
    const char *one = fx_text("one.csv", "42\n", gz);
    check_dense_splits(one, rt_shape(0, 1, 1), rt_load_csv, rt_load_csv_rows);
  }
}

static void test_csv_errors(void **state) {
  (void)state;
  for (int gz = 0; gz < 2; gz++) {
    /* data row 4 (line 6) holds a word */
    const char *bad = fx_text("bad.csv", "1,2\n3,4\n\n5,6\n7,8\n9,x\n11,12\n", gz);
    check_dense_error(bad, rt_shape(2, 6, 2), rt_load_csv, rt_load_csv_rows, 4);
    const char *nf = fx_text("nf.csv", "1,2\n3,4\n5,inf\n7,8\n", gz);
    check_dense_error(nf, rt_shape(2, 4, 2), rt_load_csv, rt_load_csv_rows, 2);
    const char *short_row = fx_text("short.csv", "1,2\n3,4\n5\n7,8\n", gz);
    check_dense_error(short_row, rt_shape(2, 4, 2), rt_load_csv, rt_load_csv_rows, 2);
    /* the declaration says 5 rows, the file has 4: every range says so */
    const char *four = fx_text("four.csv", "1,2\n3,4\n5,6\n7,8\n", gz);
    check_dense_error(four, rt_shape(2, 5, 2), rt_load_csv, rt_load_csv_rows, -1);
    check_dense_error(four, rt_shape(2, 3, 2), rt_load_csv, rt_load_csv_rows, -1);
    check_dense_error(four, rt_shape(2, 4, 3), rt_load_csv, rt_load_csv_rows, -1);
  }
  RtTensor t;
  /* a NUL byte anywhere is seen by every range (no number parsed), as by the whole load */
  const char *nul = fx("nul.csv", "1,2\n3,\0\n5,6\n", 10, 0);
  check_dense_error(nul, rt_shape(2, 3, 2), rt_load_csv, rt_load_csv_rows, -1);
  /* ranges outside the declaration, unknown row counts, missing files */
  const char *m = fx_text("m2.csv", "1,2\n3,4\n", 0);
  assert_int_not_equal(rt_load_csv_rows(m, rt_shape(2, 2, 2), (RtRows){1, 2}, &t,
                                        (RtErr){g_err, sizeof g_err}), 0);
  assert_non_null(strstr(g_err, "rows 1..3 are outside the 2 rows of the declaration"));
  assert_int_not_equal(rt_load_csv_rows(m, rt_shape(2, RT_ANY, 2), (RtRows){0, 1}, &t,
                                        (RtErr){g_err, sizeof g_err}), 0);
  assert_non_null(strstr(g_err, "row count is known"));
  char missing[4300];
  snprintf(missing, sizeof missing, "%s/missing.csv", fxd_dir());
  assert_int_not_equal(rt_load_csv_rows(missing, rt_shape(2, 2, 2), (RtRows){0, 1}, &t,
                                        (RtErr){g_err, sizeof g_err}), 0);
  assert_non_null(strstr(g_err, "cannot open"));
}

/* ------------------------------------------------------------------ IDX */

/* An IDX file of type `type` (esize bytes a value) with the dims, its values given as
 * big-endian bytes already. */
static size_t idx_bytes(unsigned char *out, int type, int ndim, const uint32_t *dims,
                        const unsigned char *vals, size_t vlen) {
  size_t k = 0;
  out[k++] = 0, out[k++] = 0, out[k++] = (unsigned char)type, out[k++] = (unsigned char)ndim;
  for (int i = 0; i < ndim; i++) {
    out[k++] = (unsigned char)(dims[i] >> 24), out[k++] = (unsigned char)(dims[i] >> 16);
    out[k++] = (unsigned char)(dims[i] >> 8), out[k++] = (unsigned char)dims[i];
  }
  memcpy(out + k, vals, vlen);
  return k + vlen;
}

/* value v as a big-endian f64 */
static void be_f64(double v, unsigned char *p) {
  uint64_t u;
  memcpy(&u, &v, 8);
  for (int i = 0; i < 8; i++) p[i] = (unsigned char)(u >> (56 - 8 * i));
}

static void test_idx_splits(void **state) {
  (void)state;
  unsigned char vals[7 * 2 * 2], buf[256];
  for (int i = 0; i < 28; i++) vals[i] = (unsigned char)(i * 9 + 1);
  uint32_t d3[3] = {7, 2, 2}, d1[1] = {5};
  unsigned char f[5 * 8];
  for (int i = 0; i < 5; i++) be_f64(0.25 * i - 1e-300, f + 8 * i);
  for (int gz = 0; gz < 2; gz++) {
    size_t n = idx_bytes(buf, 0x08, 3, d3, vals, sizeof vals);
    check_dense_splits(fx("u8.idx", buf, n, gz), rt_shape(2, 7, 4), rt_load_idx,
                       rt_load_idx_rows);
    n = idx_bytes(buf, 0x0E, 1, d1, f, sizeof f);
    check_dense_splits(fx("f64.idx", buf, n, gz), rt_shape(1, 5, 1), rt_load_idx,
                       rt_load_idx_rows);
    /* 5 numbers as a 1-D file filling a matrix[5, 1], and as rows of a vector */
    check_dense_splits(fx("f64m.idx", buf, n, gz), rt_shape(2, 5, 1), rt_load_idx,
                       rt_load_idx_rows);
  }
}

static void test_idx_errors(void **state) {
  (void)state;
  unsigned char buf[256] = {0}, f[5 * 8];
  uint32_t d1[1] = {5};
  for (int i = 0; i < 5; i++) be_f64(i == 3 ? NAN : i, f + 8 * i);
  for (int gz = 0; gz < 2; gz++) {
    size_t n = idx_bytes(buf, 0x0E, 1, d1, f, sizeof f);
    check_dense_error(fx("nan.idx", buf, n, gz), rt_shape(1, 5, 1), rt_load_idx,
                      rt_load_idx_rows, 3);
    /* the header's 5 items against a declaration of 6, and of a matrix */
    check_dense_error(fx("nan.idx", buf, n, gz), rt_shape(1, 6, 1), rt_load_idx,
                      rt_load_idx_rows, -1);
  }
  /* truncated: a plain file's size is known to every range; a gzip file's end only to the
   * last (the whole load's message either way) */
  for (int i = 0; i < 5; i++) be_f64(i, f + 8 * i);
  size_t n = idx_bytes(buf, 0x0E, 1, d1, f, sizeof f) - 5;
  check_dense_error(fx("trunc.idx", buf, n, 0), rt_shape(1, 5, 1), rt_load_idx, rt_load_idx_rows,
                    -1);
  check_dense_error(fx("trunc.idx", buf, n, 1), rt_shape(1, 5, 1), rt_load_idx, rt_load_idx_rows,
                    4);
  n = idx_bytes(buf, 0x0E, 1, d1, f, sizeof f) + 3; /* 3 extra bytes (of f's tail: any) */
  check_dense_error(fx("extra.idx", buf, n, 0), rt_shape(1, 5, 1), rt_load_idx, rt_load_idx_rows,
                    -1);
  check_dense_error(fx("extra.idx", buf, n, 1), rt_shape(1, 5, 1), rt_load_idx, rt_load_idx_rows,
                    4);
  check_dense_error(fx("junk.idx", "\x01\x02\x08\x01", 4, 1), rt_shape(1, 5, 1), rt_load_idx,
                    rt_load_idx_rows, -1);
  /* empty, plain and gzipped: every range says so as the whole load does; the same for NPY */
  for (int gz = 0; gz < 2; gz++) {
    check_dense_error(fx("empty.idx", "", 0, gz), rt_shape(1, 5, 1), rt_load_idx, rt_load_idx_rows,
                      -1);
    check_dense_error(fx("empty.npy", "", 0, gz), rt_shape(1, 5, 1), rt_load_npy, rt_load_npy_rows,
                      -1);
  }
}

/* ------------------------------------------------------------------ NPY */

/* An NPY v1.0 file: header dict, padded with spaces to a multiple of 64, then the data. */
static size_t npy_bytes(unsigned char *out, const char *dict, const void *data, size_t dlen) {
  size_t hl = strlen(dict) + 1, total = 10 + hl;
  size_t pad = (64 - total % 64) % 64;
  memcpy(out, "\x93NUMPY\x01\x00", 8);
  out[8] = (unsigned char)((hl + pad) & 0xff), out[9] = (unsigned char)((hl + pad) >> 8);
  memcpy(out + 10, dict, hl - 1);
  memset(out + 10 + hl - 1, ' ', pad);
  out[10 + hl - 1 + pad] = '\n';
  memcpy(out + 10 + hl + pad, data, dlen);
  return 10 + hl + pad + dlen;
}

static void test_npy_splits(void **state) {
  (void)state;
  unsigned char buf[1024];
  double c[7 * 3];
  int32_t fi[7 * 3];
  double f3[5 * 2 * 2];
  for (int i = 0; i < 21; i++) c[i] = i * 1.5 - 4, fi[i] = i * 7 - 50;
  for (int i = 0; i < 20; i++) f3[i] = i + 0.125;
  for (int gz = 0; gz < 2; gz++) {
    size_t n = npy_bytes(buf, "{'descr': '<f8', 'fortran_order': False, 'shape': (7, 3), }", c,
                         sizeof c);
    check_dense_splits(fx("c.npy", buf, n, gz), rt_shape(2, 7, 3), rt_load_npy, rt_load_npy_rows);
    n = npy_bytes(buf, "{'descr': '<i4', 'fortran_order': True, 'shape': (7, 3), }", fi,
                  sizeof fi);
    check_dense_splits(fx("f.npy", buf, n, gz), rt_shape(2, 7, 3), rt_load_npy, rt_load_npy_rows);
    n = npy_bytes(buf, "{'descr': '<f8', 'fortran_order': True, 'shape': (5, 2, 2), }", f3,
                  sizeof f3);
    check_dense_splits(fx("f3.npy", buf, n, gz), rt_shape(2, 5, 4), rt_load_npy,
                       rt_load_npy_rows);
    n = npy_bytes(buf, "{'descr': '<f8', 'fortran_order': False, 'shape': (6,), }", c,
                  6 * sizeof(double));
    check_dense_splits(fx("v.npy", buf, n, gz), rt_shape(1, 6, 1), rt_load_npy, rt_load_npy_rows);
    n = npy_bytes(buf, "{'descr': '<f8', 'fortran_order': True, 'shape': (1, 6), }", c,
                  6 * sizeof(double));
    check_dense_splits(fx("v16.npy", buf, n, gz), rt_shape(1, 6, 1), rt_load_npy,
                       rt_load_npy_rows);
  }
}

static void test_npy_errors(void **state) {
  (void)state;
  unsigned char buf[1024];
  double c[4 * 2] = {1, 2, 3, 4, 5, INFINITY, 7, 8};
  for (int gz = 0; gz < 2; gz++) {
    size_t n = npy_bytes(buf, "{'descr': '<f8', 'fortran_order': False, 'shape': (4, 2), }", c,
                         sizeof c);
    check_dense_error(fx("inf.npy", buf, n, gz), rt_shape(2, 4, 2), rt_load_npy,
                      rt_load_npy_rows, 2);
    check_dense_error(fx("inf.npy", buf, n, gz), rt_shape(2, 5, 2), rt_load_npy,
                      rt_load_npy_rows, -1);
    n = npy_bytes(buf, "{'descr': '<f8', 'fortran_order': True, 'shape': (4, 2), }", c,
                  sizeof c);
    check_dense_error(fx("finf.npy", buf, n, gz), rt_shape(2, 4, 2), rt_load_npy,
                      rt_load_npy_rows, 1); /* column-major: the Inf is element [1, 1] */
    n = npy_bytes(buf, "{'descr': '<c16', 'fortran_order': False, 'shape': (4, 2), }", c,
                  sizeof c);
    check_dense_error(fx("c16.npy", buf, n, gz), rt_shape(2, 4, 2), rt_load_npy,
                      rt_load_npy_rows, -1);
  }
  c[5] = 6;
  size_t n = npy_bytes(buf, "{'descr': '<f8', 'fortran_order': False, 'shape': (4, 2), }", c,
                sizeof c - 8);
  check_dense_error(fx("short.npy", buf, n, 0), rt_shape(2, 4, 2), rt_load_npy, rt_load_npy_rows,
                    -1);
  check_dense_error(fx("short.npy", buf, n, 1), rt_shape(2, 4, 2), rt_load_npy, rt_load_npy_rows,
                    3);
}

/* ------------------------------------------------------------------ LIBSVM */

static const char k_svm[] = "# a comment line\n"
                            "1 1:0.5 3:-2 qid:4\n"
                            "-1 2:1e-3\n"
                            "\n"
                            "0.5 # no features\n"
                            "2 1:1 2:2 3:3 4:4 5:5\n"
                            "  -3 5:7   \n"
                            "1 4:1.25\n"
                            "4 2:6";

static void test_libsvm_splits(void **state) {
  (void)state;
  for (int gz = 0; gz < 2; gz++) {
    const char *p = fx_text("s.svm", k_svm, gz);
    check_dense_splits(p, rt_shape(2, 7, 6), rt_load_libsvm, rt_load_libsvm_rows);
    check_dense_splits(p, rt_shape(1, 7, 1), rt_load_libsvm_labels, rt_load_libsvm_labels_rows);
  }
}

static void test_libsvm_errors(void **state) {
  (void)state;
  for (int gz = 0; gz < 2; gz++) {
    const char *p = fx_text("bad.svm", "1 1:1\n2 2:2\n\n3 3:1 2:4\n4 1:x\n", gz);
    check_dense_error(p, rt_shape(2, 4, 4), rt_load_libsvm, rt_load_libsvm_rows, 2);
    p = fx_text("wide.svm", "1 1:1\n2 7:2\n3 3:1\n", gz);
    check_dense_error(p, rt_shape(2, 3, 4), rt_load_libsvm, rt_load_libsvm_rows, 1);
    p = fx_text("few.svm", "1 1:1\n2 2:2\n", gz);
    check_dense_error(p, rt_shape(2, 3, 4), rt_load_libsvm, rt_load_libsvm_rows, -1);
    check_dense_error(p, rt_shape(1, 3, 1), rt_load_libsvm_labels, rt_load_libsvm_labels_rows,
                      -1);
  }
}

/* ------------------------------------------------------------------ CSR */

typedef int (*CsrWhole)(const char *, RtShape, RtCsr *, RtErr);
typedef int (*CsrRows)(const char *, RtShape, RtRows, RtCsr *, RtErr);

static void check_csr_splits(const char *path, RtShape want, CsrWhole whole, CsrRows rows) {
  RtCsr all;
  if (whole(path, want, &all, (RtErr){g_err, sizeof g_err}))
    fail_msg("whole load of %s: %s", path, g_err);
  int ns[] = {1, 2, 3, (int)all.rows};
  for (size_t s = 0; s < sizeof ns / sizeof ns[0]; s++) {
    int64_t at = 0;
    for (int k = 0; k < ns[s]; k++) {
      RtRows r = split(all.rows, k, ns[s]);
      RtCsr m;
      if (rows(path, want, r, &m, (RtErr){g_err, sizeof g_err}))
        fail_msg("%s rows %lld+%lld: %s", path, (long long)r.r0, (long long)r.n, g_err);
      assert_int_equal(m.rows, r.n);
      assert_int_equal(m.cols, all.cols);
      assert_int_equal(rt_csr_check(&m, "range", (RtErr){g_err, sizeof g_err}), 0);
      int64_t base = all.rowptr[at];
      assert_int_equal(m.nnz, all.rowptr[at + r.n] - base);
      for (int64_t i = 0; i <= r.n; i++) assert_int_equal(m.rowptr[i], all.rowptr[at + i] - base);
      if (m.nnz) {
        assert_memory_equal(m.col, all.col + base, (size_t)m.nnz * sizeof *m.col);
        assert_memory_equal(m.val, all.val + base, (size_t)m.nnz * sizeof *m.val);
      }
      at += r.n;
      rt_csr_free(&m);
    }
    assert_int_equal(at, all.rows);
  }
  rt_csr_free(&all);
}

static void check_csr_error(const char *path, RtShape want, CsrWhole whole, CsrRows rows,
                            int64_t bad) {
  RtCsr all;
  assert_int_not_equal(whole(path, want, &all, (RtErr){g_err, sizeof g_err}), 0);
  for (int n = 1; n <= 3; n++)
    for (int k = 0; k < n; k++) {
      RtRows r = split(want.rows, k, n);
      RtCsr m;
      g_err2[0] = 0;
      int rc = rows(path, want, r, &m, (RtErr){g_err2, sizeof g_err2});
      if (bad < 0 || (bad >= r.r0 && bad < r.r0 + r.n)) {
        assert_int_not_equal(rc, 0);
        assert_string_equal(g_err2, g_err);
        assert_null(m.rowptr);
      } else {
        if (rc) fail_msg("%s rows %lld+%lld: %s", path, (long long)r.r0, (long long)r.n, g_err2);
        rt_csr_free(&m);
      }
    }
}

static const char k_mtx[] = "%%MatrixMarket matrix coordinate real general\n"
                            "% entries in no order\n"
                            "6 5 9\n"
                            "3 2 1.5\n"
                            "1 1 -1\n"
                            "\n"
                            "6 5 2e-3\n"
                            "2 4 4\n"
                            "3 1 0\n"
                            "5 3 7\n"
                            "1 5 8\n"
                            "6 1 -9\n"
                            "3 5 10\n";

static const char k_sym[] = "%%MatrixMarket matrix coordinate integer symmetric\n"
                            "5 5 6\n"
                            "1 1 1\n"
                            "4 2 -2\n"
                            "5 1 3\n"
                            "3 3 4\n"
                            "5 4 5\n"
                            "5 5 6\n";

static void test_csr_splits(void **state) {
  (void)state;
  for (int gz = 0; gz < 2; gz++) {
    check_csr_splits(fx_text("g.mtx", k_mtx, gz), rt_shape(2, 6, 5), rt_load_mtx_csr,
                     rt_load_mtx_csr_rows);
    check_csr_splits(fx_text("s.mtx", k_sym, gz), rt_shape(2, 5, 5), rt_load_mtx_csr,
                     rt_load_mtx_csr_rows);
    check_csr_splits(fx_text("s.svm", k_svm, gz), rt_shape(2, 7, 5), rt_load_libsvm_csr,
                     rt_load_libsvm_csr_rows);
  }
}

static void test_csr_errors(void **state) {
  (void)state;
  for (int gz = 0; gz < 2; gz++) {
    /* row 3 (index 2) given twice; a value that is not a number in row 5 (index 4) */
    const char *p = fx_text("dup.mtx", "%%MatrixMarket matrix coordinate real general\n"
                                       "5 3 4\n1 1 1\n3 2 2\n5 1 3\n3 2 4\n", gz);
    check_csr_error(p, rt_shape(2, 5, 3), rt_load_mtx_csr, rt_load_mtx_csr_rows, 2);
    p = fx_text("val.mtx", "%%MatrixMarket matrix coordinate real general\n"
                           "5 3 3\n1 1 1\n5 2 x\n2 1 3\n", gz);
    check_csr_error(p, rt_shape(2, 5, 3), rt_load_mtx_csr, rt_load_mtx_csr_rows, 4);
    /* a row index past the size: every range parses it */
    p = fx_text("row.mtx", "%%MatrixMarket matrix coordinate real general\n"
                           "5 3 2\n1 1 1\n6 2 1\n", gz);
    check_csr_error(p, rt_shape(2, 5, 3), rt_load_mtx_csr, rt_load_mtx_csr_rows, -1);
    p = fx_text("cnt.mtx", "%%MatrixMarket matrix coordinate real general\n"
                           "5 3 3\n1 1 1\n2 2 1\n", gz);
    check_csr_error(p, rt_shape(2, 5, 3), rt_load_mtx_csr, rt_load_mtx_csr_rows, -1);
    p = fx_text("hdr.mtx", "%%MatrixMarket matrix coordinate real general\n"
                           "5 3 3\n", gz);
    check_csr_error(p, rt_shape(2, 4, 3), rt_load_mtx_csr, rt_load_mtx_csr_rows, -1);
    p = fx_text("b.svm", "1 1:1\n2 2:2\n\n3 3:1 2:4\n4 1:x\n", gz);
    check_csr_error(p, rt_shape(2, 4, 3), rt_load_libsvm_csr, rt_load_libsvm_csr_rows, 2);
    p = fx_text("few.svm", "1 1:1\n2 2:2\n", gz);
    check_csr_error(p, rt_shape(2, 3, 3), rt_load_libsvm_csr, rt_load_libsvm_csr_rows, -1);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_csv_splits),    cmocka_unit_test(test_csv_errors),
      cmocka_unit_test(test_idx_splits),    cmocka_unit_test(test_idx_errors),
      cmocka_unit_test(test_npy_splits),    cmocka_unit_test(test_npy_errors),
      cmocka_unit_test(test_libsvm_splits), cmocka_unit_test(test_libsvm_errors),
      cmocka_unit_test(test_csr_splits),    cmocka_unit_test(test_csr_errors),
  };
  return cmocka_run_group_tests(tests, group_setup, fxd_remove);
}
