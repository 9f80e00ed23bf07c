/* rt_sparse.c — the CSR matrix type's ownership and invariant check (rt_sparse.h). */
#include "rt_sparse.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

RT_API void rt_csr_free(RtCsr *m) {
  if (!m) return;
  free(m->rowptr);
  free(m->col);
  free(m->val);
  memset(m, 0, sizeof *m);
}

static int csr_fail(RtErr err, const char *fmt, ...) RT_PRINTF(2, 3);
static int csr_fail(RtErr err, const char *fmt, ...) {
  if (err.buf && err.len) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err.buf, err.len, fmt, ap);
    va_end(ap);
  }
  return -1;
}

RT_API int rt_csr_check(const RtCsr *m, const char *what, RtErr err) {
  if (m->rows < 0 || m->cols < 0 || m->cols > INT32_MAX || m->nnz < 0)
    return csr_fail(err, "%s: bad sparse shape %lld x %lld with %lld entries", what,
                    (long long)m->rows, (long long)m->cols, (long long)m->nnz);
  if (!m->rowptr || m->rowptr[0] != 0 || m->rowptr[m->rows] != m->nnz)
    return csr_fail(err, "%s: row pointers do not run from 0 to %lld", what, (long long)m->nnz);
  for (int64_t i = 0; i < m->rows; i++) {
    int64_t a = m->rowptr[i], b = m->rowptr[i + 1];
    if (b < a) return csr_fail(err, "%s: row %lld has a negative length", what, (long long)i + 1);
    for (int64_t k = a; k < b; k++) {
      if (m->col[k] < 0 || m->col[k] >= m->cols)
        return csr_fail(err, "%s: row %lld: column %lld outside 1..%lld", what, (long long)i + 1,
                        (long long)m->col[k] + 1, (long long)m->cols);
      if (k > a && m->col[k] <= m->col[k - 1])
        return csr_fail(err, "%s: row %lld: columns not strictly increasing at %lld", what,
                        (long long)i + 1, (long long)m->col[k] + 1);
      if (!isfinite(m->val[k]))
        return csr_fail(err, "%s: row %lld, column %lld: value is not finite", what,
                        (long long)i + 1, (long long)m->col[k] + 1);
    }
  }
  return 0;
}
