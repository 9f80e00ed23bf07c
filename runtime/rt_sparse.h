/* rt_sparse.h — sparse matrices (the `sparse[n, d]` data type) in compressed sparse row form,
 * and the loaders that read them (LIBSVM, MatrixMarket; gzip of either). Formats and errors:
 * doc/data.md. */
#ifndef BLOC_RT_SPARSE_H
#define BLOC_RT_SPARSE_H

#include <stddef.h>
#include <stdint.h>

#include "rt_api.h"
#include "rt_data.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A rows x cols matrix in CSR: row i's entries are val[rowptr[i] .. rowptr[i+1]-1] in columns
 * col[...] (0-based, strictly increasing within a row). rowptr has rows + 1 entries, rowptr[0]
 * = 0 and rowptr[rows] = nnz. Explicit zeros a file stores are kept. Owned by the matrix. */
typedef struct RtCsr {
  int64_t rows, cols, nnz;
  int64_t *rowptr;
  int32_t *col;
  double *val;
} RtCsr;

/* Frees the arrays and zeroes *m. Safe on a zeroed matrix and on NULL. */
RT_API void rt_csr_free(RtCsr *m);

/* Checks the invariants above (sizes, rowptr monotone from 0 to nnz, columns in range and
 * strictly increasing in each row, finite values). Returns 0, or -1 with a message that names
 * `what` (e.g. the file) and the first offending row. */
RT_API int rt_csr_check(const RtCsr *m, const char *what, RtErr err);

/* Entries as a loader collects them, in any order: entry k is (row[k], col[k]) = val[k],
 * 0-based, read from line line[k] of the file (line may be NULL: messages then count entries
 * from 1). The arrays are the caller's. */
typedef struct RtTriplets {
  int64_t rows, cols; /* the matrix's shape */
  int64_t n;          /* entries */
  const int64_t *row;
  const int32_t *col;
  const double *val;
  const int64_t *line;
  int64_t row_base; /* added to row indices in messages (a row range's first row), or 0 */
} RtTriplets;

/* Builds the CSR matrix of t into *out (freed with rt_csr_free; zeroed on failure): entries
 * sorted by (row, column), in O(n + rows) time for entries already in that order and
 * O(n log n) otherwise, with 16 bytes of scratch per entry; rows + 1 row pointers are allocated
 * whatever n is, so the caller bounds rows. Fails (-1, message naming `what`,
 * the file, in quotes) on a shape rt_csr_check rejects, an entry outside it, a non-finite value,
 * two entries at one position ("'f' lines 4 and 9 both give entry (2, 3)", 1-based), or no
 * memory. Returns 0 on success. */
RT_API int rt_csr_from_triplets(const RtTriplets *t, const char *what, RtCsr *out, RtErr err);

/* A caller's matrix in compressed sparse row arrays, as scipy.sparse.csr_matrix holds one:
 * row i's entries are values[indptr[i] .. indptr[i+1]) at the 0-based columns indices[...],
 * in any order within a row (scipy does not always sort them). indptr has rows + 1 entries. */
typedef struct RtCsrArrays {
  int64_t rows, cols;
  const int64_t *indptr, *indices;
  const double *values;
} RtCsrArrays;

/* Builds the CSR matrix of a into *out (its own copy, columns sorted in each row; freed with
 * rt_csr_free; zeroed on failure). Fails (-1, a message naming `what`, in quotes) on a bad
 * shape, indptr not starting at 0 or decreasing ("row 3 ends before it starts", 1-based), a
 * column index outside 0..cols-1, a non-finite value, two entries at one position, or no
 * memory. Entries are named 1-based in messages, as a file's lines are. */
RT_API int rt_csr_from_arrays(const RtCsrArrays *a, const char *what, RtCsr *out, RtErr err);

/* The first entry of sparse_coo triplets (n of them, into rows x cols) that rt_csr_from_coo
 * refuses, checked in its order (row index, column index, value, entry by entry), with *arg the
 * refused argument (0 rows, 1 columns, 2 values); -1 and *arg = -1 when none is. The data
 * stage names the refused entry's file line from it. */
RT_API int64_t rt_coo_bad_entry(const double *row, const double *col, const double *val,
                                int64_t n, int64_t rows, int64_t cols, int *arg);

/* sparse_coo(rows, cols, vals) of a .blo data declaration: entry k is (row[k], col[k]) =
 * val[k], 0-based, in any order, as doubles (the data stage's vectors); entries at one
 * position are summed, in entry order. part keeps rows part.r0 .. part.r0 + part.n - 1 only,
 * renumbered from 0 (a sharded declaration; {0, rows} keeps all), but every entry is checked.
 * Fails (-1, a message that starts with `what` and names the entry, 0-based, and its value)
 * on an index that is not an integer in 0..rows-1 (0..cols-1), a value that is not finite,
 * or no memory. Returns 0 and *out (freed with rt_csr_free; zeroed on failure). */
RT_API int rt_csr_from_coo(const double *row, const double *col, const double *val, int64_t n,
                           int64_t rows, int64_t cols, RtRows part, const char *what, RtCsr *out,
                           RtErr err);

/* A deep copy of m into *out (freed with rt_csr_free). Returns 0, or -1 (no memory) with *out
 * zeroed. */
RT_API int rt_csr_copy(const RtCsr *m, RtCsr *out);

/* MatrixMarket: `%%MatrixMarket matrix coordinate real|integer|pattern general|symmetric`,
 * '%' comment lines, the size line "rows cols entries", then one entry "i j [value]" a line
 * (1-based, any order; pattern entries are 1.0; a symmetric file's off-diagonal entries are
 * mirrored). Blank lines are skipped; gzip is read transparently. want is the declared shape
 * (rank 2; RT_ANY rows or cols take the file's). Errors give the file and line: a bad banner,
 * a size line that disagrees with want, an index 0 or past the size, two entries at one
 * position, a value that is not a finite number (or not an integer in an integer file), and
 * fewer or more entries than the size line says. The entry count of the size line is checked
 * against the lines present before anything is allocated for them, and the file is read only
 * as far as that count justifies. Returns 0 and *out (free with rt_csr_free), or -1 with *out
 * zeroed. Formats and messages: doc/data.md. */
RT_API int rt_load_mtx_csr(const char *path, RtShape want, RtCsr *out, RtErr err);

/* LIBSVM/SVMlight into CSR (`data X : sparse[n, d] = load_libsvm(...)`): the features only
 * (feature j of a line is column j - 1), the labels skipped; want is the declared shape (rank 2,
 * rows may be RT_ANY, cols = d). The same lexical rules and messages as rt_load_libsvm: an index
 * 0, past d, not increasing (unsorted or repeated) or a row count that disagrees is an error
 * naming the file, the line and the value. Nothing is ever densified, and the arrays are sized
 * by the tokens the file holds. Returns 0 and *out (free with rt_csr_free), or -1 and *out
 * zeroed. */
RT_API int rt_load_libsvm_csr(const char *path, RtShape want, RtCsr *out, RtErr err);

/* The labels of a LIBSVM file (`load_libsvm_labels(...)` into a vector[n]), without storing
 * its features (which are still checked, except against a feature count). Returns 0 and *out
 * (rank 1), or -1. */
RT_API int rt_load_libsvm_labels(const char *path, RtShape want, RtTensor *out, RtErr err);

/* Row ranges of the sparse loaders (rt_load_csv_rows in rt_data.h says the contract): the
 * result is the rows.n x cols matrix of rows r0..r0+n-1. A MatrixMarket file's entries come in
 * any order: every entry line is read and only its row index (and column, in a symmetric file)
 * parsed unless the entry falls in the range. */
RT_API int rt_load_libsvm_csr_rows(const char *path, RtShape want, RtRows rows, RtCsr *out,
                                   RtErr err);
RT_API int rt_load_mtx_csr_rows(const char *path, RtShape want, RtRows rows, RtCsr *out,
                                RtErr err);
RT_API int rt_load_libsvm_labels_rows(const char *path, RtShape want, RtRows rows,
                                      RtTensor *out, RtErr err);

/* A sparse data tensor as kernels receive it: BloEnv.data[k] of a sparse[n, d] declaration
 * points to one (cast to const double *). m is the matrix; t its transpose, built once by
 * rt_sparse_make so that X' @ G runs row-parallel over the rows of X' with no reduction. */
typedef struct RtSparse {
  RtCsr m, t;
} RtSparse;

/* Takes ownership of *m (zeroed) into *out and builds the transpose. Returns 0, or -1 (out of
 * memory) with *out freed. */
RT_API int rt_sparse_make(RtCsr *m, RtSparse *out, RtErr err);
RT_API void rt_sparse_free(RtSparse *s);

/* The products of the `sparse` type. A is s->m, or, when idx is not NULL, its rows idx[0..rows)
 * (a sample's minibatch X[i, :]; every idx[r] in [0, s->m.rows)). B is dense, stored row-major
 * with row stride ldb, n columns (a vector: n = 1, ldb = 1); C likewise with ldc, overwritten.
 *   trans 0: C (rows x n) = A B, B has s->m.cols rows;
 *   trans 1: C (s->m.cols x n) = A' B, B has `rows` rows (without forming A'[idx]).
 * rt_sparse_mul_rows computes only C's rows [r0, r1) (a whole C when A' of a row subset, which
 * is a sum over rows); row i of C is the same sum in the same order whichever rows are asked,
 * so splitting the rows between threads (rt_sparse_mul_par in rt_par.c) changes no bit. */
RT_API void rt_sparse_mul_rows(const RtSparse *s, const int64_t *idx, int64_t rows, int trans,
                               int64_t n, const double *b, int64_t ldb, double *c, int64_t ldc,
                               int64_t r0, int64_t r1);
RT_API void rt_sparse_mul(const RtSparse *s, const int64_t *idx, int64_t rows, int trans,
                          int64_t n, const double *b, int64_t ldb, double *c, int64_t ldc);
/* rt_sparse_mul of the drawn rows of a sharded sparse tensor: s->m is the rank's rows, from
 * global row off, and idx[0..rows) are global row indices; a drawn row the rank does not own
 * is an empty row (a zero row of C when trans is 0, nothing added when 1). */
RT_API void rt_sparse_mul_shard(const RtSparse *s, const int64_t *idx, int64_t off, int64_t rows,
                                int trans, int64_t n, const double *b, int64_t ldb, double *c,
                                int64_t ldc);
/* The dense rows x cols copy of s->m (dense(X)) into out, row-major. */
RT_API void rt_sparse_to_dense(const RtSparse *s, double *out);

/* A copy of s in one malloc'ed block (free() releases all of it), for owners that free with
 * free(), such as generated solvers; NULL when out of memory. */
RT_API RtSparse *rt_sparse_pack(const RtSparse *s);

/* Rows of C rt_sparse_mul writes. */
RT_API int64_t rt_sparse_out_rows(const RtSparse *s, int64_t rows, int trans);

#ifdef __cplusplus
}
#endif

#endif
