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

#ifdef __cplusplus
}
#endif

#endif
