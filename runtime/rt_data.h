/* rt_data.h — the data loaders behind load_csv, load_idx, load_libsvm and load_npy, and the CSV
 * writer/reader of points (--save-x, --x). Every loader checks the file against the shape the
 * `.blo` declaration expects and fails with a message naming the file and what is wrong.
 * Loaders never trust sizes in a header before checking them against the bytes present.
 * Formats and shape rules: doc/data.md. */
#ifndef BLOC_RT_DATA_H
#define BLOC_RT_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rt_api.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A loaded tensor: rank 0 scalar (rows = cols = 1), 1 vector[rows] (cols = 1), 2
 * matrix[rows, cols]; v holds rows * cols doubles, row-major, owned by the tensor. */
typedef struct RtTensor {
  int rank;
  int64_t rows, cols;
  double *v;
} RtTensor;

/* Frees t->v and zeroes *t. Safe on a zeroed tensor and on NULL. */
RT_API void rt_tensor_free(RtTensor *t);

/* A declared shape as the loaders take it: rank 0 scalar (rows = cols = 1), 1 vector[rows]
 * (cols = 1), 2 matrix[rows, cols]. */
typedef struct RtShape {
  int rank;
  int64_t rows, cols;
} RtShape;

/* Where a failing call writes its one-line message: buf (may be NULL) of len bytes, always
 * NUL-terminated and truncated to len. Passed by value: rt_err(buf, sizeof buf). */
typedef struct RtErr {
  char *buf;
  size_t len;
} RtErr;

static inline RtShape rt_shape(int rank, int64_t rows, int64_t cols) {
  RtShape s;
  s.rank = rank;
  s.rows = rows;
  s.cols = cols;
  return s;
}

static inline RtErr rt_err(char *buf, size_t len) {
  RtErr e;
  e.buf = buf;
  e.len = len;
  return e;
}

/* In an expected shape, RT_ANY (for rows or cols) accepts whatever size the file holds. */
#define RT_ANY (-1)

/* Common contract of the loaders:
 *   path        — the file, opened as given (the caller resolves paths relative to the .blo).
 *                 Any of them may be gzip-compressed (detected by the magic bytes 1f 8b).
 *   want        — the declared shape (RtShape): rank 0 (rows = cols = 1), 1 (cols = 1) or 2.
 *   out         — receives the tensor (shape = the declared one, sizes from the file where
 *                 RT_ANY); the caller frees it with rt_tensor_free. Zeroed on failure.
 *   err         — on failure, receives a one-line message such as
 *                 "'train.csv' line 17: expected 785 fields, found 784" (RtErr above).
 * Return 0 on success, nonzero on failure. Non-finite values (NaN, Inf) are rejected with their
 * position. Shape rules: a matrix[m, n] needs an m x n file; a vector[n] takes any file of n
 * numbers laid out as one column or one row; a scalar takes a file of one number. */

/* CSV: numbers separated by commas (or, on a line without commas, by blanks), one row per
 * line; spaces and tabs around fields and "double quotes" around a field are ignored; a first
 * line with a non-numeric field is a header and is skipped; blank lines are skipped. */
RT_API int rt_load_csv(const char *path, RtShape want, RtTensor *out, RtErr err);

/* load_csv into a tensor[t, k, d]: the file holds the tasks' k x d matrices one after
 * another, t*k rows of d numbers, loaded as the matrix[t*k, d]; a mismatch says so. */
RT_API int rt_load_csv3(const char *path, int64_t t, int64_t k, int64_t d, RtTensor *out,
                        RtErr err);

/* IDX (the MNIST family): bytes 0 0 TYPE NDIM, NDIM big-endian uint32 dimensions, then the
 * big-endian values; TYPE 0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32, 0x0E f64. A 1-D file
 * is a vector; dimensions after the first flatten into columns (60000 x 28 x 28 loads as
 * matrix[60000, 784]). Values are the raw numbers, unscaled. */
RT_API int rt_load_idx(const char *path, RtShape want, RtTensor *out, RtErr err);

/* rt_load_idx into the caller's buffer dst of rows * cols doubles (rank 0: 1, rank 1: rows)
 * instead of a new one: the same checks, messages and values. The shape must be fully known
 * (no RT_ANY). On failure dst holds unspecified values. Returns 0, nonzero on failure. */
RT_API int rt_load_idx_into(const char *path, RtShape want, double *dst, RtErr err);

/* An IDX file opened for reading parts of it: the data stage decodes just the rows a
 * declaration slices out of a 60000-image file rather than all 376 MB of doubles.
 * rt_idx_open makes every check rt_load_idx makes, with the same messages (including the
 * finiteness of every float), and keeps the file's bytes; returns 0 and *out, or nonzero with
 * *out NULL. rt_idx_read then cannot fail: it writes rows r0..r0+nrows-1, columns c0..c0+ncols-1
 * of the declared shape (a vector is one column) into out, row-major (nrows * ncols doubles),
 * with exactly the values rt_load_idx gives; the block must lie inside the shape.
 * rt_idx_close frees the file (NULL is fine). */
typedef struct RtIdxFile RtIdxFile;
RT_API int rt_idx_open(const char *path, RtShape want, RtIdxFile **out, RtErr err);
RT_API void rt_idx_read(const RtIdxFile *f, int64_t r0, int64_t nrows, int64_t c0, int64_t ncols,
                        double *out);
RT_API void rt_idx_close(RtIdxFile *f);
/* The values of f, one unsigned byte each (row-major, as rt_idx_read's rows), when the file
 * holds u8 values (type 0x08), else NULL: a caller can then map bytes through a table of 256
 * values instead of decoding each. Valid until rt_idx_close. */
RT_API const unsigned char *rt_idx_bytes(const RtIdxFile *f);

/* rt_idx_open reading just the header and the first `want` rows of the declared shape (want
 * < 0 or >= rows: all of them), so that a gzip'ed file is inflated only that far: the same
 * checks, except that only those rows' floats are checked finite and nothing past them is
 * read (a damaged tail goes unseen). When the file's rows are not the declaration's (a 1-D
 * file filling a matrix), it reads everything. rt_idx_read may then read only rows below
 * rt_idx_rows_read(f). */
RT_API int rt_idx_open_rows(const char *path, RtShape shape, int64_t want, RtIdxFile **out,
                            RtErr err);
RT_API int64_t rt_idx_rows_read(const RtIdxFile *f);

/* LIBSVM/SVMlight: "label idx:val idx:val ..." per line, feature indices 1-based and strictly
 * increasing, '#' starts a comment. The result is the dense matrix [label | features]: the
 * declaration must be matrix[rows, 1 + features] (cols may not be RT_ANY); a feature index
 * above cols - 1 is an error. Absent features are 0. */
RT_API int rt_load_libsvm(const char *path, RtShape want, RtTensor *out, RtErr err);
/* rt_load_libsvm, and in warn (warn.len 0: none wanted) the message of
 * rt_libsvm_zero_based_warning, or "" when it has none. */
RT_API int rt_load_libsvm_warn(const char *path, RtShape want, RtTensor *out, RtErr err,
                               RtErr warn);
/* A LIBSVM file that has no feature 0 (the loaders refuse it) and no value in the last of its
 * `features` declared columns (top: the largest index it gives, an explicit 0 value
 * included) is what a 0-based file read 1-based looks like (scikit-learn writes 0-based by
 * default; its first feature is often 0 everywhere, as pixel 0 of its digits): everything
 * then lies one column to the left. Writes that warning, naming path and decl, into warn,
 * else "" (also when top is 0: no feature at all). Only a whole load can tell. */
RT_API void rt_libsvm_zero_based_warning(const char *path, const char *decl, int64_t features,
                                         int64_t top, RtErr warn);

/* NPY v1.0, v2.0 and v3.0: dtype f8 f4 i8 i4 i2 i1 u8 u4 u2 u1 b1 (little- or big-endian);
 * shape () is a scalar, (n,) a vector, (m, n) a matrix, and dimensions after the first
 * flatten into columns as in IDX. fortran_order True is read correctly (the values are
 * reordered into row-major). 64-bit integers above 2^53 round to the nearest double. */
RT_API int rt_load_npy(const char *path, RtShape want, RtTensor *out, RtErr err);

/* Whether a point file is NPY by its name (ends in ".npy", any case): --save-x/-y write it so,
 * and --x/--y/--v/--init-x/-y read it so (a text file under that name loaded nowhere). */
RT_API bool rt_path_is_npy(const char *path);

/* load_npy into a tensor[t, k, d] (the type of per-task data): the file must hold exactly a
 * t x k x d array (any dtype, order and version rt_load_npy takes); the result is the tasks'
 * matrices stacked, a matrix[t*k, d] (rank 2), row-major: the same numbers in the same order.
 * Any other rank or shape fails with a message that names both shapes. */
RT_API int rt_load_npy3(const char *path, int64_t t, int64_t k, int64_t d, RtTensor *out,
                        RtErr err);

/* rt_load_npy and rt_load_npy3 straight into dst (caller-owned, the declared shape's values;
 * the shape must be known): the file is converted block by block, so the peak is dst and a
 * 16 KiB buffer. dst is undefined after a failure. */
RT_API int rt_load_npy_into(const char *path, RtShape want, double *dst, RtErr err);
RT_API int rt_load_npy3_into(const char *path, int64_t t, int64_t k, int64_t d, double *dst,
                             RtErr err);

/* Row ranges: the rows [r0, r0 + n) of a declaration, the part of a `sharded` data
 * declaration one MPI rank holds (doc/scaling.md). */
typedef struct RtRows {
  int64_t r0, n;
} RtRows;

/* The row-range loaders: rows.r0 .. rows.r0 + rows.n - 1 of the file, as the whole load would
 * give them, without loading the rest. want is the GLOBAL declared shape (its rows known); the
 * result has rows.n rows (a vector rows.n numbers). Every check the whole load makes on the
 * rows read is made, with the same message naming the file, the (global) line and the value;
 * the file's total row count is still checked against the declaration (text formats count the
 * lines before r0 without parsing them; binary formats read their header). Files are streamed:
 * memory is proportional to the rows read (a vector written as one CSV row is one line: it is
 * read whole). A gzip'ed file is inflated up to the end of the range (the last range reads it
 * all and checks its end); a plain binary file is seeked. Return 0 or nonzero as the loaders
 * above. Splitting a file's rows into ranges and loading each gives exactly the whole load. */
RT_API int rt_load_csv_rows(const char *path, RtShape want, RtRows rows, RtTensor *out,
                            RtErr err);
RT_API int rt_load_idx_rows(const char *path, RtShape want, RtRows rows, RtTensor *out,
                            RtErr err);
RT_API int rt_load_npy_rows(const char *path, RtShape want, RtRows rows, RtTensor *out,
                            RtErr err);
RT_API int rt_load_libsvm_rows(const char *path, RtShape want, RtRows rows, RtTensor *out,
                               RtErr err);

/* Where a value of a loaded file is, for messages about it after the load (onehot's labels):
 * the line and 1-based field of element (i, j) (j = 0 for a vector) of a CSV file loaded as
 * want, by the loader's rules (blank, comment and header lines skipped; a vector as one row);
 * the line of example i of a LIBSVM file. The file is read again, up to that line. Return 0,
 * or -1 when it cannot be read or has no such value. */
RT_API int rt_csv_locate(const char *path, RtShape want, int64_t i, int64_t j, int64_t *line,
                         int64_t *field);
RT_API int rt_libsvm_locate(const char *path, int64_t i, int64_t *line);

/* Reads a point (--x, --y, --v): a CSV vector of exactly n numbers (one per line or one row)
 * into out[n] (caller-owned). `what` names it in messages ("x"; may be NULL):
 * "'x.csv' holds 5 numbers but x has 6". Returns 0, nonzero on failure. */
RT_API int rt_read_vector_csv(const char *path, const char *what, int64_t n, double *out,
                              RtErr err);

/* Writes v (rows * cols doubles, row-major) as CSV with %.17g so values round-trip: a scalar
 * as one number, a vector (rank 1) one number per line, a matrix as comma-separated rows.
 * Path "-" writes to stdout. NaN and Inf are written as nan / inf / -inf (which the loaders
 * reject). Returns 0, nonzero (with a message) when the file cannot be written completely. */
RT_API int rt_save_csv(const char *path, RtShape shape, const double *v, RtErr err);

#ifdef __cplusplus
}
#endif
#endif
