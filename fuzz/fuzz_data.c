/* fuzz_data.c — libFuzzer target for the data loaders (CSV, IDX, LIBSVM, NPY, and MatrixMarket
 * into CSR; each plain or gzip-compressed), with ASan and UBSan. The loaders read files, so
 * every input is written to one temporary file and loaded through each format. Input layout:
 *   byte 0   the declared shape: bits 0-1 the rank (3 means 2), bits 2-4 and 5-7 index
 *            `sizes` for rows and cols (RT_ANY among them)
 *   byte 1   bit 0: gzip the rest before writing it (a valid stream of fuzzed content; a
 *            fuzzed stream of its own starts with the magic 1f 8b and needs no flag)
 *   rest     the file's bytes
 * A successful load must give a tensor of the declared shape; rt_idx_read then reads blocks
 * of it; a MatrixMarket load must give a CSR matrix of that shape that rt_csr_check accepts.
 * libFuzzer's malloc limit (the -rss_limit_mb of the runs) catches an allocation sized by a
 * forged header rather than by the bytes present. `make fuzz` runs it
 * (FUZZ_TARGET=fuzz_data); make check runs it for a few seconds. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "rt_data.h"
#include "rt_sparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char g_path[4200];

static void cleanup(void) {
  if (g_path[0]) unlink(g_path);
}

/* Writes bytes to the fixture file (gzip-compressed when gz); 0 on success. */
static int write_input(const uint8_t *p, size_t n, int gz) {
  if (!g_path[0]) {
    const char *tmp = getenv("TMPDIR");
    snprintf(g_path, sizeof g_path, "%s/bloc-fuzz-data-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    int fd = mkstemp(g_path);
    if (fd < 0) {
      g_path[0] = 0;
      return -1;
    }
    close(fd);
    atexit(cleanup);
  }
  if (gz) {
    gzFile g = gzopen(g_path, "wb1");
    if (!g) return -1;
    int ok = n == 0 || gzwrite(g, p, (unsigned)n) == (int)n;
    return gzclose(g) == Z_OK && ok ? 0 : -1;
  }
  FILE *f = fopen(g_path, "wb");
  if (!f) return -1;
  int ok = n == 0 || fwrite(p, 1, n, f) == n;
  return fclose(f) == 0 && ok ? 0 : -1;
}

typedef int (*Loader)(const char *, RtShape, RtTensor *, RtErr);
typedef int (*RowsLoader)(const char *, RtShape, RtRows, RtTensor *, RtErr);

/* The row-range twin of a whole load split in two at h: both halves load when the whole did,
 * and hold its values bit for bit; when the whole failed, a half fails (every row's checks are
 * made by the range that holds it) and says why. */
static void check_ranges(RowsLoader load, RtShape want, int whole_ok, const RtTensor *whole,
                         int64_t h) {
  char err[512];
  int64_t R = want.rank == 0 ? 1 : want.rows;
  RtRows parts[2] = {{0, h}, {h, R - h}};
  int failed = 0;
  for (int k = 0; k < (want.rank == 0 ? 1 : 2); k++) { /* a scalar is one row */
    RtTensor t;
    err[0] = 0;
    if (load(g_path, want, parts[k], &t, rt_err(err, sizeof err)) != 0) {
      if (!err[0] || t.v || whole_ok) abort(); /* a range of a good file fails */
      failed = 1;
      continue;
    }
    int64_t n = t.rows * t.cols;
    if (t.rows != (want.rank == 0 ? 1 : parts[k].n) || !t.v ||
        (whole_ok && n && memcmp(t.v, whole->v + parts[k].r0 * t.cols, (size_t)n * 8) != 0))
      abort(); /* another shape, or other values than the whole load's */
    rt_tensor_free(&t);
  }
  if (!whole_ok && !failed) abort(); /* a bad file that no range rejects */
}

static void check_tensor(const RtTensor *t, int rank, int64_t rows, int64_t cols) {
  if (rank == 0) rows = cols = 1;
  if (rank == 1) cols = 1;
  if (t->rank != rank || (rows != RT_ANY && t->rows != rows) ||
      (cols != RT_ANY && t->cols != cols) || t->rows < 0 || t->cols < 0 || !t->v)
    abort(); /* a load that succeeded with another shape than the declared one */
  volatile double sum = 0;
  for (int64_t i = 0; i < t->rows * t->cols; i++) sum += t->v[i]; /* every value is there */
  (void)sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const int64_t sizes[8] = {1, 2, 3, 4, 7, 16, RT_ANY, 0};
  if (size < 2 || size > (1u << 20)) return 0;
  int rank = data[0] & 3;
  if (rank == 3) rank = 2;
  int64_t rows = sizes[(data[0] >> 2) & 7], cols = sizes[(data[0] >> 5) & 7];
  if (write_input(data + 2, size - 2, data[1] & 1)) return 0;
  char err[512];
  static const Loader loaders[] = {rt_load_csv, rt_load_idx, rt_load_libsvm, rt_load_npy};
  static const RowsLoader ranged[] = {rt_load_csv_rows, rt_load_idx_rows, rt_load_libsvm_rows,
                                      rt_load_npy_rows};
  for (size_t k = 0; k < sizeof loaders / sizeof loaders[0]; k++) {
    RtTensor t;
    err[0] = 0;
    int ok = loaders[k](g_path, rt_shape(rank, rows, cols), &t, rt_err(err, sizeof err)) == 0;
    if (ok) check_tensor(&t, rank, rows, cols);
    else if (!err[0] || t.v) abort(); /* a failure must say why and leave nothing behind */
    if (rank == 0 || rows > 0) /* rows known: split them in two */
      check_ranges(ranged[k], rt_shape(rank, rows, cols), ok, &t, rank == 0 ? 1 : rows / 2);
    if (ok) rt_tensor_free(&t);
  }
  if (rows > 0) {
    double x[16];
    err[0] = 0;
    if (rt_read_vector_csv(g_path, "x", rows, x, rt_err(err, sizeof err)) != 0 && !err[0]) abort();
  }
  RtCsr m;
  err[0] = 0;
  if (rt_load_mtx_csr(g_path, (RtShape){rank, rows, cols}, &m, (RtErr){err, sizeof err}) == 0) {
    if (rank != 2 || (rows != RT_ANY && m.rows != rows) || (cols != RT_ANY && m.cols != cols) ||
        rt_csr_check(&m, "fuzz", (RtErr){err, sizeof err}) != 0)
      abort(); /* another shape than the declared one, or a malformed matrix */
    rt_csr_free(&m);
  } else if (!err[0] || m.rowptr || m.col || m.val) {
    abort();
  }
  RtIdxFile *f = NULL;
  if (rt_idx_open(g_path, rt_shape(rank, rows, cols), &f, rt_err(err, sizeof err)) == 0) {
    int64_t r = rank == 0 ? 1 : rows, c = rank == 2 ? cols : 1;
    if (r > 0 && c > 0 && r != RT_ANY && c != RT_ANY) {
      double *blk = malloc((size_t)(r * c) * sizeof *blk);
      if (blk) {
        rt_idx_read(f, 0, r, 0, c, blk);
        rt_idx_read(f, r - 1, 1, c / 2, c - c / 2, blk);
        free(blk);
      }
    }
    rt_idx_close(f);
  }
  return 0;
}
