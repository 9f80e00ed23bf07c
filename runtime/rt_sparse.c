/* rt_sparse.c — the CSR matrix type: ownership, the invariant check, building one from a
 * loader's entries, the transpose kept for X' @ G, and the sparse-dense products every backend
 * calls (rt_sparse.h). Plain C99. */
#include "rt_sparse.h"
#include "rt_mem.h"

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
  /* monotone first: then every row lies within the nnz entries the scan below reads */
  for (int64_t i = 0; i < m->rows; i++)
    if (m->rowptr[i + 1] < m->rowptr[i])
      return csr_fail(err, "%s: row %lld has a negative length", what, (long long)i + 1);
  for (int64_t i = 0; i < m->rows; i++) {
    int64_t a = m->rowptr[i], b = m->rowptr[i + 1];
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

/* ------------------------------------------------------------------ building from triplets */

/* Entry k of the triplets at column col: the scratch that sorts a row's entries. */
typedef struct CsrSlot {
  int64_t k;
  int32_t col;
} CsrSlot;

/* A CSR of rows x cols holding nnz entries, room for cap of them, zeroed row pointers, and
 * cap sort slots: 0, or -1 (out of memory, raised) with nothing allocated. */
static int csr_alloc(int64_t rows, int64_t cols, int64_t nnz, int64_t cap, RtCsr *m,
                     CsrSlot **s) {
  size_t n1 = cap > 0 ? (size_t)cap : 1;
  *m = (RtCsr){rows, cols, nnz, calloc((size_t)rows + 1, sizeof(int64_t)),
               malloc(n1 * sizeof(int32_t)), malloc(n1 * sizeof(double))};
  *s = malloc(n1 * sizeof **s);
  if (m->rowptr && m->col && m->val && *s) return 0;
  free(*s);
  *s = NULL;
  rt_csr_free(m);
  rt_oom_raise();
  return -1;
}

/* By column, then by entry number, so that of two entries at one position the one read first
 * comes first (the message names them in file order). */
static int csr_slot_cmp(const void *pa, const void *pb) {
  const CsrSlot *a = pa, *b = pb;
  if (a->col != b->col) return a->col < b->col ? -1 : 1;
  return (a->k > b->k) - (a->k < b->k);
}

/* "line 17" (t->line) or "entry 17" (1-based) into buf, for messages. */
static void csr_where(const RtTriplets *t, int64_t k, char *buf, size_t len) {
  if (t->line)
    snprintf(buf, len, "line %lld", (long long)t->line[k]);
  else
    snprintf(buf, len, "entry %lld", (long long)k + 1);
}

/* The message for entries a (read first) and b at one position (row r, column c; 0-based). */
static int csr_duplicate(const RtTriplets *t, const char *what, int64_t a, int64_t b, int64_t r,
                         int32_t c, RtErr err) {
  long long i = (long long)(r + t->row_base) + 1, j = (long long)c + 1;
  if (t->line && t->line[a] == t->line[b])
    return csr_fail(err, "'%s' line %lld gives entry (%lld, %lld) twice", what,
                    (long long)t->line[a], i, j);
  const char *unit = t->line ? "lines" : "entries";
  long long la = t->line ? (long long)t->line[a] : (long long)a + 1;
  long long lb = t->line ? (long long)t->line[b] : (long long)b + 1;
  return csr_fail(err, "'%s' %s %lld and %lld both give entry (%lld, %lld)", what, unit, la, lb,
                  i, j);
}

/* Sorts row r's entries (slots [a, b)) by column unless they are in order already, and fails
 * on two at one position. */
static int csr_sort_row(const RtTriplets *t, const char *what, int64_t r, CsrSlot *s, int64_t a,
                        int64_t b, RtErr err) {
  int sorted = 1;
  for (int64_t p = a + 1; p < b && sorted; p++) sorted = s[p].col > s[p - 1].col;
  if (sorted) return 0;
  qsort(s + a, (size_t)(b - a), sizeof *s, csr_slot_cmp);
  for (int64_t p = a + 1; p < b; p++)
    if (s[p].col == s[p - 1].col)
      return csr_duplicate(t, what, s[p - 1].k, s[p].k, r, s[p].col, err);
  return 0;
}

RT_API int rt_csr_from_triplets(const RtTriplets *t, const char *what, RtCsr *out, RtErr err) {
  memset(out, 0, sizeof *out);
  if (t->rows < 0 || t->cols < 0 || t->cols > INT32_MAX || t->n < 0 ||
      (uint64_t)t->rows >= SIZE_MAX / sizeof(int64_t) ||
      (uint64_t)t->n >= SIZE_MAX / sizeof(CsrSlot))
    return csr_fail(err, "'%s': bad sparse shape %lld x %lld with %lld entries", what,
                    (long long)t->rows, (long long)t->cols, (long long)t->n);
  char where[48];
  for (int64_t k = 0; k < t->n; k++) {
    if (t->row[k] < 0 || t->row[k] >= t->rows || t->col[k] < 0 || t->col[k] >= t->cols) {
      csr_where(t, k, where, sizeof where);
      return csr_fail(err, "'%s' %s: entry (%lld, %lld) is outside the %lld x %lld matrix", what,
                      where, (long long)t->row[k] + 1, (long long)t->col[k] + 1,
                      (long long)t->rows, (long long)t->cols);
    }
    if (!isfinite(t->val[k])) {
      csr_where(t, k, where, sizeof where);
      return csr_fail(err, "'%s' %s: the value of entry (%lld, %lld) is not finite", what, where,
                      (long long)t->row[k] + 1, (long long)t->col[k] + 1);
    }
  }
  RtCsr m;
  CsrSlot *s;
  if (csr_alloc(t->rows, t->cols, t->n, t->n, &m, &s))
    return csr_fail(err, "'%s': out of memory for a sparse matrix of %lld entries", what,
                    (long long)t->n);
  /* counting sort by row, stable (file order within a row): rowptr[r + 1] counts row r, the
   * prefix sums make rowptr[r] its start, the scatter advances rowptr[r] to its end, and the
   * shift by one restores the starts */
  for (int64_t k = 0; k < t->n; k++) m.rowptr[t->row[k] + 1]++;
  for (int64_t r = 0; r < t->rows; r++) m.rowptr[r + 1] += m.rowptr[r];
  for (int64_t k = 0; k < t->n; k++) {
    CsrSlot *d = &s[m.rowptr[t->row[k]]++];
    d->k = k;
    d->col = t->col[k];
  }
  for (int64_t r = t->rows; r > 0; r--) m.rowptr[r] = m.rowptr[r - 1];
  m.rowptr[0] = 0;
  for (int64_t r = 0; r < t->rows; r++) {
    if (csr_sort_row(t, what, r, s, m.rowptr[r], m.rowptr[r + 1], err)) {
      free(s);
      rt_csr_free(&m);
      return -1;
    }
  }
  for (int64_t p = 0; p < t->n; p++) {
    m.col[p] = s[p].col;
    m.val[p] = t->val[s[p].k];
  }
  free(s);
  *out = m;
  return 0;
}

RT_API int rt_csr_from_arrays(const RtCsrArrays *a, const char *what, RtCsr *out, RtErr err) {
  memset(out, 0, sizeof *out);
  if (!a->indptr) return csr_fail(err, "'%s': no row pointers (indptr is NULL)", what);
  if (a->rows < 0 || a->cols < 0 || a->cols > INT32_MAX)
    return csr_fail(err, "'%s': bad sparse shape %lld x %lld", what, (long long)a->rows,
                    (long long)a->cols);
  if (a->indptr[0] != 0)
    return csr_fail(err, "'%s': the row pointers start at %lld, not 0", what,
                    (long long)a->indptr[0]);
  for (int64_t i = 0; i < a->rows; i++)
    if (a->indptr[i + 1] < a->indptr[i])
      return csr_fail(err, "'%s': row %lld ends (pointer %lld) before it starts (%lld)", what,
                      (long long)i + 1, (long long)a->indptr[i + 1], (long long)a->indptr[i]);
  int64_t n = a->indptr[a->rows];
  if (n > 0 && (!a->indices || !a->values))
    return csr_fail(err, "'%s': %lld entries but no %s", what, (long long)n,
                    a->indices ? "values" : "column indices");
  if ((uint64_t)n >= SIZE_MAX / sizeof(int64_t))
    return csr_fail(err, "'%s': bad sparse shape %lld x %lld with %lld entries", what,
                    (long long)a->rows, (long long)a->cols, (long long)n);
  for (int64_t i = 0; i < a->rows; i++) /* before narrowing a column to int32 */
    for (int64_t k = a->indptr[i]; k < a->indptr[i + 1]; k++)
      if (a->indices[k] < 0 || a->indices[k] >= a->cols)
        return csr_fail(err, "'%s' entry %lld: column index %lld is outside 0..%lld (row %lld)",
                        what, (long long)k + 1, (long long)a->indices[k], (long long)a->cols - 1,
                        (long long)i + 1);
  size_t n1 = n > 0 ? (size_t)n : 1;
  int64_t *row = malloc(n1 * sizeof *row);
  int32_t *col = malloc(n1 * sizeof *col);
  int rc = -1;
  if (row && col) {
    for (int64_t i = 0; i < a->rows; i++)
      for (int64_t k = a->indptr[i]; k < a->indptr[i + 1]; k++) {
        row[k] = i;
        col[k] = (int32_t)a->indices[k];
      }
    RtTriplets t = {a->rows, a->cols, n, row, col, a->values, NULL, 0};
    rc = rt_csr_from_triplets(&t, what, out, err);
  } else {
    rt_oom_raise();
    csr_fail(err, "'%s': out of memory for a sparse matrix of %lld entries", what, (long long)n);
  }
  free(row);
  free(col);
  return rc;
}

/* v as the shortest of %.15g and %.17g that reads back as v (messages). */
static void coo_num(double v, char *buf, size_t len) {
  snprintf(buf, len, "%.15g", v);
  if (strtod(buf, NULL) != v) snprintf(buf, len, "%.17g", v);
}

/* The message for index v of entry k, which is not an integer in 0..lim-1. */
static int coo_bad_index(const char *what, int64_t k, const char *kind, double v, int64_t lim,
                         int64_t rows, int64_t cols, RtErr err) {
  char num[40];
  coo_num(v, num, sizeof num);
  if (v != v || v != floor(v))
    return csr_fail(err, "%s: entry [%lld] of sparse_coo has %s index %s, not an integer", what,
                    (long long)k, kind, num);
  return csr_fail(err,
                  "%s: entry [%lld] of sparse_coo has %s index %s, not a %s of the "
                  "sparse[%lld, %lld]: the %ss are the integers 0..%lld (indices are 0-based: "
                  "subtract 1 from indices numbered from 1)",
                  what, (long long)k, kind, num, kind, (long long)rows, (long long)cols, kind,
                  (long long)lim - 1);
}

RT_API int64_t rt_coo_bad_entry(const double *row, const double *col, const double *val,
                                int64_t n, int64_t rows, int64_t cols, int *arg) {
  for (int64_t k = 0; k < n; k++) {
    double r = row[k], c = col[k];
    *arg = !(r >= 0 && r < (double)rows && r == floor(r))   ? 0
           : !(c >= 0 && c < (double)cols && c == floor(c)) ? 1
           : !isfinite(val[k])                               ? 2
                                                             : -1;
    if (*arg >= 0) return k;
  }
  *arg = -1;
  return -1;
}

RT_API int rt_csr_from_coo(const double *row, const double *col, const double *val, int64_t n,
                           int64_t rows, int64_t cols, RtRows part, const char *what, RtCsr *out,
                           RtErr err) {
  memset(out, 0, sizeof *out);
  if (rows < 0 || cols < 0 || cols > INT32_MAX || n < 0 || part.r0 < 0 || part.n < 0 ||
      part.r0 + part.n > rows || (uint64_t)rows >= SIZE_MAX / sizeof(int64_t) ||
      (uint64_t)n >= SIZE_MAX / sizeof(CsrSlot))
    return csr_fail(err, "%s: bad sparse shape %lld x %lld with %lld entries", what,
                    (long long)rows, (long long)cols, (long long)n);
  int arg;
  int64_t bad = rt_coo_bad_entry(row, col, val, n, rows, cols, &arg);
  if (arg == 0) return coo_bad_index(what, bad, "row", row[bad], rows, rows, cols, err);
  if (arg == 1) return coo_bad_index(what, bad, "column", col[bad], cols, rows, cols, err);
  if (arg == 2) {
    char num[40];
    coo_num(val[bad], num, sizeof num);
    return csr_fail(err, "%s: entry [%lld] of sparse_coo has value %s, not a finite number",
                    what, (long long)bad, num);
  }
  int64_t kept = 0, r1 = part.r0 + part.n;
  for (int64_t k = 0; k < n; k++) kept += row[k] >= (double)part.r0 && row[k] < (double)r1;
  RtCsr m;
  CsrSlot *s;
  if (csr_alloc(part.n, cols, 0, kept, &m, &s))
    return csr_fail(err, "%s: out of memory for a sparse matrix of %lld entries", what,
                    (long long)kept);
  /* counting sort by row, stable (entry order within a row), as rt_csr_from_triplets */
  for (int64_t k = 0; k < n; k++)
    if (row[k] >= (double)part.r0 && row[k] < (double)r1)
      m.rowptr[(int64_t)row[k] - part.r0 + 1]++;
  for (int64_t r = 0; r < part.n; r++) m.rowptr[r + 1] += m.rowptr[r];
  for (int64_t k = 0; k < n; k++) {
    if (!(row[k] >= (double)part.r0 && row[k] < (double)r1)) continue;
    CsrSlot *d = &s[m.rowptr[(int64_t)row[k] - part.r0]++];
    d->k = k;
    d->col = (int32_t)col[k];
  }
  for (int64_t r = part.n; r > 0; r--) m.rowptr[r] = m.rowptr[r - 1];
  m.rowptr[0] = 0;
  /* each row by column, then by entry: duplicates are summed in entry order, so the sum does
   * not depend on the sort */
  int64_t w = 0;
  for (int64_t r = 0; r < part.n; r++) {
    int64_t a = m.rowptr[r], b = m.rowptr[r + 1];
    int sorted = 1;
    for (int64_t p = a + 1; p < b && sorted; p++) sorted = s[p].col > s[p - 1].col;
    if (!sorted) qsort(s + a, (size_t)(b - a), sizeof *s, csr_slot_cmp);
    m.rowptr[r] = w;
    for (int64_t p = a; p < b; p++) {
      if (p > a && s[p].col == s[p - 1].col) {
        m.val[w - 1] += val[s[p].k];
        continue;
      }
      m.col[w] = s[p].col;
      m.val[w++] = val[s[p].k];
    }
  }
  m.rowptr[part.n] = w;
  m.nnz = w;
  free(s);
  for (int64_t p = 0; p < w; p++)
    if (!isfinite(m.val[p])) { /* two finite values can sum to an infinity */
      int64_t r = 0, c = m.col[p];
      while (m.rowptr[r + 1] <= p) r++;
      rt_csr_free(&m);
      return csr_fail(err, "%s: the entries of sparse_coo at (%lld, %lld) sum to an infinity",
                      what, (long long)(r + part.r0), (long long)c);
    }
  *out = m;
  return 0;
}

RT_API int rt_csr_copy(const RtCsr *m, RtCsr *out) {
  size_t n1 = m->nnz > 0 ? (size_t)m->nnz : 1;
  *out = (RtCsr){m->rows,
                 m->cols,
                 m->nnz,
                 malloc(((size_t)m->rows + 1) * sizeof(int64_t)),
                 malloc(n1 * sizeof(int32_t)),
                 malloc(n1 * sizeof(double))};
  if (!out->rowptr || !out->col || !out->val) {
    rt_csr_free(out);
    return -1;
  }
  memcpy(out->rowptr, m->rowptr, ((size_t)m->rows + 1) * sizeof(int64_t));
  memcpy(out->col, m->col, (size_t)m->nnz * sizeof(int32_t));
  memcpy(out->val, m->val, (size_t)m->nnz * sizeof(double));
  return 0;
}

/* Counting sort of the entries by column: row j of the transpose lists column j of m in row
 * order, so its columns increase. */
static int csr_transpose(const RtCsr *m, RtCsr *t) {
  memset(t, 0, sizeof *t);
  t->rows = m->cols;
  t->cols = m->rows;
  t->nnz = m->nnz;
  t->rowptr = calloc((size_t)m->cols + 1, sizeof *t->rowptr);
  t->col = malloc(sizeof *t->col * (size_t)(m->nnz ? m->nnz : 1));
  t->val = malloc(sizeof *t->val * (size_t)(m->nnz ? m->nnz : 1));
  if (!t->rowptr || !t->col || !t->val) {
    rt_csr_free(t);
    return -1;
  }
  int64_t i, k;
  for (k = 0; k < m->nnz; k++) t->rowptr[m->col[k] + 1]++;
  for (i = 0; i < m->cols; i++) t->rowptr[i + 1] += t->rowptr[i];
  for (i = 0; i < m->rows; i++)
    for (k = m->rowptr[i]; k < m->rowptr[i + 1]; k++) {
      int64_t at = t->rowptr[m->col[k]]++;
      t->col[at] = (int32_t)i;
      t->val[at] = m->val[k];
    }
  for (i = m->cols; i > 0; i--) t->rowptr[i] = t->rowptr[i - 1];
  t->rowptr[0] = 0;
  return 0;
}

RT_API int rt_sparse_make(RtCsr *m, RtSparse *out, RtErr err) {
  memset(out, 0, sizeof *out);
  out->m = *m;
  memset(m, 0, sizeof *m);
  if (csr_transpose(&out->m, &out->t)) {
    rt_sparse_free(out);
    rt_oom_raise();
    return csr_fail(err, "out of memory for the transpose of a sparse matrix");
  }
  return 0;
}

RT_API void rt_sparse_free(RtSparse *s) {
  if (!s) return;
  rt_csr_free(&s->m);
  rt_csr_free(&s->t);
}

RT_API int64_t rt_sparse_out_rows(const RtSparse *s, int64_t rows, int trans) {
  return trans ? s->m.cols : rows;
}

/* Columns of c summed ROW_BLOCK at a time in local accumulators, which the compiler keeps in
 * registers; summed straight into c (which, for all it knows, aliases b) they were stored and
 * reloaded at every entry. Rough, on a loaded machine (bench/bench_sparse.c's matrix, 4000 x
 * 10000 with 1.7M entries, 20 columns; thread CPU time): X @ B 35-44 ms against 44-50, X' @ G
 * 24-27 ms against 35-41. 4, 8 and 20 were within that noise of each other. */
enum { ROW_BLOCK = 4 };

/* c(i, :) = sum over the entries (j, v) of row `row` of a of v * b(j, :), each element summed
 * in the order of the entries. */
static void row_times(const RtCsr *a, int64_t row, int64_t n, const double *b, int64_t ldb,
                      double *c) {
  const int64_t k0 = a->rowptr[row], k1 = a->rowptr[row + 1];
  int64_t k, j, j0;
  if (n == 1) {
    double acc = 0;
    for (k = k0; k < k1; k++) acc += a->val[k] * b[a->col[k] * ldb];
    c[0] = acc;
    return;
  }
  for (j0 = 0; j0 < n; j0 += ROW_BLOCK) {
    double acc[ROW_BLOCK] = {0};
    if (n - j0 >= ROW_BLOCK) { /* a full block: a fixed trip count the compiler unrolls */
      for (k = k0; k < k1; k++) {
        const double v = a->val[k], *br = b + a->col[k] * ldb + j0;
        for (j = 0; j < ROW_BLOCK; j++) acc[j] += v * br[j];
      }
      for (j = 0; j < ROW_BLOCK; j++) c[j0 + j] = acc[j];
    } else {
      const int64_t w = n - j0;
      for (k = k0; k < k1; k++) {
        const double v = a->val[k], *br = b + a->col[k] * ldb + j0;
        for (j = 0; j < w; j++) acc[j] += v * br[j];
      }
      for (j = 0; j < w; j++) c[j0 + j] = acc[j];
    }
  }
}

/* rt_sparse_mul_rows with rows idx - off of s->m, a row outside [0, s->m.rows) empty (a
 * sharded tensor's drawn rows another rank owns; never one otherwise). */
static void mul_rows(const RtSparse *s, const int64_t *idx, int64_t off, int64_t rows, int trans,
                     int64_t n, const double *b, int64_t ldb, double *c, int64_t ldc, int64_t r0,
                     int64_t r1) {
  int64_t i, k, j;
  if (!trans) {
    for (i = r0; i < r1; i++) {
      int64_t r = idx ? idx[i] - off : i;
      if (r >= 0 && r < s->m.rows) row_times(&s->m, r, n, b, ldb, c + i * ldc);
      else
        for (j = 0; j < n; j++) c[i * ldc + j] = 0;
    }
    return;
  }
  if (!idx) { /* rows of A' are the rows of the stored transpose */
    for (i = r0; i < r1; i++) row_times(&s->t, i, n, b, ldb, c + i * ldc);
    return;
  }
  /* A[idx]' B: a few sampled rows, scattered into the whole of C */
  for (i = 0; i < s->m.cols; i++)
    for (j = 0; j < n; j++) c[i * ldc + j] = 0;
  for (i = 0; i < rows; i++) {
    const RtCsr *a = &s->m;
    const double *br = b + i * ldb;
    const int64_t r = idx[i] - off;
    if (r < 0 || r >= a->rows) continue;
    for (k = a->rowptr[r]; k < a->rowptr[r + 1]; k++) {
      double v = a->val[k], *cr = c + a->col[k] * ldc;
      for (j = 0; j < n; j++) cr[j] += v * br[j];
    }
  }
}

RT_API void rt_sparse_mul_rows(const RtSparse *s, const int64_t *idx, int64_t rows, int trans,
                               int64_t n, const double *b, int64_t ldb, double *c, int64_t ldc,
                               int64_t r0, int64_t r1) {
  mul_rows(s, idx, 0, rows, trans, n, b, ldb, c, ldc, r0, r1);
}

RT_API void rt_sparse_mul(const RtSparse *s, const int64_t *idx, int64_t rows, int trans,
                          int64_t n, const double *b, int64_t ldb, double *c, int64_t ldc) {
  rt_sparse_mul_rows(s, idx, rows, trans, n, b, ldb, c, ldc, 0, rt_sparse_out_rows(s, rows, trans));
}

RT_API void rt_sparse_mul_shard(const RtSparse *s, const int64_t *idx, int64_t off, int64_t rows,
                                int trans, int64_t n, const double *b, int64_t ldb, double *c,
                                int64_t ldc) {
  mul_rows(s, idx, off, rows, trans, n, b, ldb, c, ldc, 0, rt_sparse_out_rows(s, rows, trans));
}

RT_API void rt_sparse_to_dense(const RtSparse *s, double *out) {
  const RtCsr *a = &s->m;
  int64_t i, k;
  for (i = 0; i < a->rows * a->cols; i++) out[i] = 0;
  for (i = 0; i < a->rows; i++)
    for (k = a->rowptr[i]; k < a->rowptr[i + 1]; k++) out[i * a->cols + a->col[k]] = a->val[k];
}

/* Copies m into the packed block: its values at *dv, row pointers at *iv, columns at *cv (each
 * advanced past them). The block holds all doubles, then all int64s, then all int32s, so that
 * each array is aligned. */
static void pack_csr(const RtCsr *m, RtCsr *o, double **dv, int64_t **iv, int32_t **cv) {
  *o = *m;
  o->val = *dv;
  o->rowptr = *iv;
  o->col = *cv;
  memcpy(o->val, m->val, sizeof *m->val * (size_t)m->nnz);
  memcpy(o->rowptr, m->rowptr, sizeof *m->rowptr * (size_t)(m->rows + 1));
  memcpy(o->col, m->col, sizeof *m->col * (size_t)m->nnz);
  *dv += m->nnz;
  *iv += m->rows + 1;
  *cv += m->nnz;
}

RT_API RtSparse *rt_sparse_pack(const RtSparse *s) {
  size_t nnz = (size_t)s->m.nnz, nptr = (size_t)(s->m.rows + 1 + s->t.rows + 1);
  size_t bytes = sizeof(RtSparse) + 2 * nnz * sizeof(double) + nptr * sizeof(int64_t) +
                 2 * nnz * sizeof(int32_t);
  RtSparse *p = malloc(bytes);
  if (!p) return NULL;
  double *dv = (double *)(void *)(p + 1);
  int64_t *iv = (int64_t *)(void *)(dv + 2 * nnz);
  int32_t *cv = (int32_t *)(void *)(iv + nptr);
  pack_csr(&s->m, &p->m, &dv, &iv, &cv);
  pack_csr(&s->t, &p->t, &dv, &iv, &cv);
  return p;
}
