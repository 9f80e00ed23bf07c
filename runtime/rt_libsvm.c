/* rt_libsvm.c — load_libsvm: sparse "label idx:val ..." lines (LIBSVM / SVMlight) into the dense
 * matrix [label | features] the declaration sizes, into a CSR sparse[rows, features] (the
 * features only), or just the labels. Two passes: count the examples and the index:value tokens
 * (so the row count is checked and the CSR arrays sized before allocating: nothing is sized by
 * anything but the bytes present), then parse every line with one parser. */
#include "rt_data_impl.h"
#include "rt_sparse.h"
#include "rt_mem.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_sp(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

/* The content of a line without its comment and surrounding blanks; empty when s == e. */
static void trim_line(const char **s, const char **e) {
  const char *h = memchr(*s, '#', (size_t)(*e - *s));
  if (h) *e = h;
  while (*s < *e && is_sp(**s)) (*s)++;
  while (*e > *s && is_sp((*e)[-1])) (*e)--;
}

typedef enum NumKind { NUM_OK, NUM_EMPTY, NUM_BAD, NUM_NONFINITE } NumKind;

/* strtod over exactly [s, e), a token of any length. The token holds no blank and no NUL
 * (the caller rejects lines with NUL bytes), and what follows it (a blank, a newline, '#' or
 * the file's final NUL) cannot continue a number, so strtod stops at e at the latest. */
static NumKind num(const char *s, const char *e, double *v) {
  if (s == e) return NUM_EMPTY; /* strtod would skip the blanks after e */
  char *end;
  errno = 0;
  *v = strtod(s, &end);
  if (end != e) return NUM_BAD;
  return isfinite(*v) ? NUM_OK : NUM_NONFINITE;
}

/* " is not a number" or " is not a finite number" (NaN, Inf, out of range), for messages. */
static const char *num_problem(NumKind k) {
  return k == NUM_NONFINITE ? "is not a finite number"
         : k == NUM_EMPTY  ? "is empty"
                           : "is not a number";
}

/* Where parse_row puts what it reads: the dense row (label at [0], feature j at [j]), or the
 * label at *label and the features appended to col/val at *nnz (CSR), or only the label. */
typedef struct Sink {
  double *dense;
  double *label;
  int32_t *col;
  double *val;
  int64_t *nnz;
  int64_t top; /* the largest feature index read, an explicit 0 value included */
} Sink;

/* Parses one trimmed, non-empty line (line number no) of at most maxidx features (INT64_MAX:
 * no bound; decl names the declaration in that message). Returns 0 or -1 with a message. */
static int parse_row(const char *path, int64_t no, const char *s, const char *e, int64_t maxidx,
                     const char *decl, const char *beyond, Sink *k, char *err, size_t errlen) {
  const char *tok = s, *te = s;
  double lab;
  while (te < e && !is_sp(*te)) te++;
  NumKind nk = num(tok, te, &lab);
  if (nk != NUM_OK) {
    int w = (int)(te - tok > 40 ? 40 : te - tok);
    int multi = memchr(tok, ',', (size_t)(te - tok)) != NULL;
    return rt_data_errf(err, errlen, "'%s' line %" PRId64 ": label '%.*s%s' %s%s", path, no, w,
                        tok, te - tok > 40 ? "..." : "", num_problem(nk),
                        multi ? " (multi-label lines are not supported)" : "");
  }
  if (k->dense) k->dense[0] = lab;
  if (k->label) *k->label = lab;
  int64_t prev = 0;
  for (;;) {
    tok = te;
    while (tok < e && is_sp(*tok)) tok++;
    if (tok == e) break;
    te = tok;
    while (te < e && !is_sp(*te)) te++;
    int w = (int)(te - tok > 40 ? 40 : te - tok);
    const char *ell = te - tok > 40 ? "..." : "";
    if (te - tok > 4 && !memcmp(tok, "qid:", 4)) continue; /* SVMlight query ids: not features */
    const char *colon = memchr(tok, ':', (size_t)(te - tok));
    if (!colon || colon == tok)
      return rt_data_errf(err, errlen, "'%s' line %" PRId64 ": '%.*s%s' is not index:value", path,
                          no, w, tok, ell);
    int64_t idx = 0;
    bool huge = false; /* digits past int64_t: beyond any declaration, said as such */
    for (const char *c = tok; c < colon; c++) {
      if (*c < '0' || *c > '9')
        return rt_data_errf(err, errlen,
                            "'%s' line %" PRId64 ": '%.*s%s' does not start with a feature index",
                            path, no, w, tok, ell);
      if (huge || idx > (INT64_MAX - (*c - '0')) / 10) huge = true;
      else idx = 10 * idx + (*c - '0');
    }
    if (huge) {
      int iw = (int)(colon - tok > 40 ? 40 : colon - tok);
      const char *iell = colon - tok > 40 ? "..." : "";
      if (maxidx == INT64_MAX)
        return rt_data_errf(err, errlen,
                            "'%s' line %" PRId64
                            ": feature index %.*s%s is too large (at most %" PRId64 ")",
                            path, no, iw, tok, iell, INT64_MAX);
      return rt_data_errf(err, errlen,
                          "'%s' line %" PRId64 ": feature index %.*s%s is beyond the %" PRId64
                          " features of %s%s",
                          path, no, iw, tok, iell, maxidx, decl, beyond);
    }
    if (idx == 0)
      return rt_data_errf(err, errlen, "'%s' line %" PRId64 ": feature index 0 (indices are "
                          "1-based; scikit-learn's dump_svmlight_file writes 0-based ones unless "
                          "given zero_based=False)", path, no);
    if (idx == prev)
      return rt_data_errf(err, errlen, "'%s' line %" PRId64 ": feature index %" PRId64
                          " appears twice", path, no, idx);
    if (idx < prev)
      return rt_data_errf(err, errlen,
                          "'%s' line %" PRId64 ": feature index %" PRId64 " after %" PRId64
                          " (indices must increase)", path, no, idx, prev);
    if (idx > maxidx)
      return rt_data_errf(err, errlen,
                          "'%s' line %" PRId64 ": feature index %" PRId64 " is beyond the %" PRId64
                          " features of %s%s", path, no, idx, maxidx, decl, beyond);
    double v;
    nk = num(colon + 1, te, &v);
    if (nk != NUM_OK)
      return rt_data_errf(err, errlen, "'%s' line %" PRId64 ": the value in '%.*s%s' %s", path, no,
                          w, tok, ell, num_problem(nk));
    if (k->dense) k->dense[idx] = v;
    if (k->col) {
      k->col[*k->nnz] = (int32_t)(idx - 1);
      k->val[*k->nnz] = v;
      (*k->nnz)++;
    }
    prev = idx;
  }
  if (prev > k->top) k->top = prev;
  return 0;
}

/* A LIBSVM file read and counted: its bytes, examples (non-blank lines) and tokens after the
 * labels (an upper bound of the stored entries). */
typedef struct Text {
  unsigned char *buf;
  size_t len;
  int64_t n, tokens;
} Text;

/* Reads path (bounded by the declared shape, as every text loader) and counts it; a file with
 * a NUL byte or no example is an error. decl names the declaration in the too-large message
 * (NULL: the shape's own). Returns 0 or -1 with a message (t->buf freed). */
static int read_text(const char *path, int rank, int64_t rows, int64_t cols, const char *decl,
                     Text *t, char *err, size_t errlen) {
  RtReadBound bound; /* each row holds at most `cols` numbers, as text */
  memset(t, 0, sizeof *t);
  rt_data_bound(&bound, rank, rows, cols, RT_TEXT_PER_VALUE);
  /* sparse[2, 3] is read as the text of [label | features], matrix[2, 4], which it said */
  if (decl) snprintf(bound.decl, sizeof bound.decl, "%s", decl);
  if (rt_data_read_file(path, &bound, &t->buf, &t->len, err, errlen)) return -1;
  if (bound.over) { /* text has no header to explain the size: just refuse */
    free(t->buf);
    t->buf = NULL;
    return rt_data_too_large(path, &bound, err, errlen);
  }
  const char *end = (const char *)t->buf + t->len;
  const char *b = rt_text_bom((const char *)t->buf, end); /* a UTF-8 byte-order mark */
  int64_t n_lines = 0;
  for (const char *p = b; p < end;) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *s = p, *e = nl ? nl : end;
    p = nl ? nl + 1 : end;
    if (memchr(s, 0, (size_t)(e - s))) {
      rt_data_errf(err, errlen, "'%s' line %" PRId64 ": contains a NUL byte (is this a binary "
                   "file?)", path, n_lines + 1);
      free(t->buf);
      t->buf = NULL;
      return -1;
    }
    if (rt_text_cr_inside(s, e)) { /* else its one line held every example */
      rt_text_cr_error(err, errlen, path, n_lines + 1);
      free(t->buf);
      t->buf = NULL;
      return -1;
    }
    n_lines++;
    trim_line(&s, &e);
    if (s == e) continue;
    t->n++;
    for (const char *q = s; q < e; q++) /* a token starts after each blank run */
      if (is_sp(*q) && q + 1 < e && !is_sp(q[1])) t->tokens++;
  }
  if (t->n == 0) {
    rt_data_errf(err, errlen, "'%s' holds no examples (only blank or comment lines)", path);
    free(t->buf);
    t->buf = NULL;
    return -1;
  }
  return 0;
}

/* Parses every example of t into the sink (advanced row by row by the caller's step). */
static int parse_all(const char *path, const Text *t, int64_t maxidx, const char *decl,
                     const char *beyond, Sink *k, int64_t dense_stride, int64_t *rowptr,
                     char *err, size_t errlen) {
  const char *end = (const char *)t->buf + t->len;
  const char *b = rt_text_bom((const char *)t->buf, end);
  int64_t row = 0, no = 0;
  for (const char *p = b; p < end;) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *s = p, *e = nl ? nl : end;
    p = nl ? nl + 1 : end;
    no++;
    trim_line(&s, &e);
    if (s == e) continue;
    if (parse_row(path, no, s, e, maxidx, decl, beyond, k, err, errlen)) return -1;
    if (k->dense) k->dense += dense_stride;
    if (k->label) k->label++;
    row++;
    if (rowptr) rowptr[row] = *k->nnz;
  }
  return 0;
}

RT_API void rt_libsvm_zero_based_warning(const char *path, const char *decl, int64_t features,
                                         int64_t top, RtErr warn) {
  if (!warn.len) return;
  warn.buf[0] = '\0';
  /* A 0-based file read as 1-based has its features one column to the left: its top index
   * (its last feature's) one short of the declared count. A 1-based file looks the same when
   * its last feature is 0 in every row (a subset of digits, of a text vocabulary), so the
   * warning says both; two or more absent features at the end are not taken for a shift. */
  if (top != features - 1) return;
  snprintf(warn.buf, warn.len, "'%s' has no feature 0 and no feature %" PRId64 ", the last of "
           "%s: it was read as 1-based; if it is 0-based (scikit-learn's dump_svmlight_file "
           "writes one unless given zero_based=False), every feature is one column to the left "
           "of its own", path, features, decl);
}

RT_API int rt_load_libsvm(const char *path, RtShape want, RtTensor *out, RtErr failure) {
  return rt_load_libsvm_warn(path, want, out, failure, rt_err(NULL, 0));
}

RT_API int rt_load_libsvm_warn(const char *path, RtShape want, RtTensor *out, RtErr failure,
                               RtErr warn) {
  if (warn.len) warn.buf[0] = '\0';
  int rank = want.rank;
  int64_t rows = want.rows, cols = want.cols;
  char *err = failure.buf;
  size_t errlen = failure.len;
  memset(out, 0, sizeof *out);
  char decl[96];
  rt_data_decl_str(rank, rows, cols, decl, sizeof decl);
  if (rank != 2 || cols == RT_ANY || cols < 1 || rows < RT_ANY)
    return rt_data_errf(err, errlen,
                        "'%s': load_libsvm needs a declaration matrix[rows, 1 + features], "
                        "not %s",
                        path, decl);
  Text tx;
  if (read_text(path, rank, rows, cols, NULL, &tx, err, errlen)) return -1;
  int rc = -1;
  int64_t n = tx.n;
  char holds[64];
  snprintf(holds, sizeof holds, "%" PRId64 " example%s", n, n == 1 ? "" : "s");
  RtTensor t = {0};
  if (rt_data_fit_shape(path, rt_shape(rank, rows, cols), &(RtFileTable){n, cols, holds, NULL}, &t,
                        failure))
    goto done;
  if ((uint64_t)n > SIZE_MAX / sizeof(double) / (uint64_t)cols) {
    rt_data_errf(err, errlen, "'%s': %s is too large", path, decl);
    goto done;
  }
  t.v = calloc((size_t)n * (size_t)cols, sizeof(double));
  if (!t.v) {
    rt_oom_errf(err, errlen, "'%s': out of memory for %s", path, decl);
    goto done;
  }
  Sink k = {t.v, NULL, NULL, NULL, NULL, 0};
  if (parse_all(path, &tx, cols - 1, decl, " (column 0 is the label)", &k, cols, NULL, err,
                errlen)) {
    rt_tensor_free(&t);
    goto done;
  }
  if (warn.buf) rt_libsvm_zero_based_warning(path, decl, cols - 1, k.top, warn);
  *out = t;
  rc = 0;
done:
  free(tx.buf);
  return rc;
}

RT_API int rt_load_libsvm_csr(const char *path, RtShape want, RtCsr *out, RtErr err) {
  memset(out, 0, sizeof *out);
  char decl[96];
  if (want.rows == RT_ANY) snprintf(decl, sizeof decl, "sparse[?, %" PRId64 "]", want.cols);
  else snprintf(decl, sizeof decl, "sparse[%" PRId64 ", %" PRId64 "]", want.rows, want.cols);
  if (want.rank != 2 || want.cols < 1 || want.cols > INT32_MAX || want.rows < RT_ANY)
    return rt_data_errf(err.buf, err.len, "'%s': load_libsvm into sparse needs a declaration "
                        "sparse[rows, features], not %s", path, decl);
  Text tx;
  /* the bound of the dense [label | features] text: a feature at most once a line */
  if (read_text(path, 2, want.rows, want.cols + 1, decl, &tx, err.buf, err.len)) return -1;
  int rc = -1;
  RtCsr m = {0};
  if (want.rows != RT_ANY && tx.n != want.rows) {
    rt_data_errf(err.buf, err.len, "'%s' holds %" PRId64 " example%s but the declaration says %s",
                 path, tx.n, tx.n == 1 ? "" : "s", decl);
    goto done;
  }
  m.rows = tx.n;
  m.cols = want.cols;
  m.rowptr = calloc((size_t)tx.n + 1, sizeof *m.rowptr);
  m.col = malloc(sizeof *m.col * (size_t)(tx.tokens ? tx.tokens : 1));
  m.val = malloc(sizeof *m.val * (size_t)(tx.tokens ? tx.tokens : 1));
  if (!m.rowptr || !m.col || !m.val) {
    rt_oom_errf(err.buf, err.len, "'%s': out of memory for %s", path, decl);
    goto fail;
  }
  Sink k = {NULL, NULL, m.col, m.val, &m.nnz, 0};
  if (parse_all(path, &tx, want.cols, decl, "", &k, 0, m.rowptr, err.buf, err.len)) goto fail;
  *out = m;
  rc = 0;
  goto done;
fail:
  rt_csr_free(&m);
done:
  free(tx.buf);
  return rc;
}

RT_API int rt_load_libsvm_labels(const char *path, RtShape want, RtTensor *out, RtErr err) {
  memset(out, 0, sizeof *out);
  char decl[96];
  rt_data_decl_str(want.rank, want.rows, want.cols, decl, sizeof decl);
  if (want.rank != 1 || want.rows < RT_ANY)
    return rt_data_errf(err.buf, err.len, "'%s': load_libsvm_labels needs a declaration "
                        "vector[rows], not %s", path, decl);
  /* streamed, stopping at one example too many: nothing else bounds the file (/dev/zero and
   * FIFOs held gigabytes) */
  if (want.rows >= 0)
    return rt_load_libsvm_labels_rows(path, want, (RtRows){0, want.rows}, out, err);
  Text tx;
  if (read_text(path, 1, RT_ANY, 1, NULL, &tx, err.buf, err.len)) return -1;
  int rc = -1;
  RtTensor t = {0};
  if (want.rows != RT_ANY && tx.n != want.rows) {
    rt_data_errf(err.buf, err.len, "'%s' holds %" PRId64 " example%s but the declaration says %s",
                 path, tx.n, tx.n == 1 ? "" : "s", decl);
    goto done;
  }
  t.rank = 1;
  t.rows = tx.n;
  t.cols = 1;
  t.v = calloc((size_t)tx.n, sizeof(double));
  if (!t.v) {
    rt_oom_errf(err.buf, err.len, "'%s': out of memory for %s", path, decl);
    goto done;
  }
  Sink k = {NULL, t.v, NULL, NULL, NULL, 0};
  if (parse_all(path, &tx, INT64_MAX, decl, "", &k, 0, NULL, err.buf, err.len)) {
    rt_tensor_free(&t);
    goto done;
  }
  *out = t;
  rc = 0;
done:
  free(tx.buf);
  return rc;
}

/* ------------------------------------------------------------------ row ranges */

/* Where the row-range reader puts its rows: the dense block (cols a row), the labels, or the
 * CSR arrays growing as entries come (the matrix's rowptr has rows.n + 1 entries). */
typedef struct RowsOut {
  double *dense;
  int64_t cols;
  double *labels;
  RtCsr *csr;
  int64_t cap;
  /* > 0: stop at the example after this many (the declared count), which makes the file too
   * long: the labels' reading has no other bound (their features are not declared), and a
   * FIFO fed `yes '1 1:1'` held 7.8 GB in 20 s */
  int64_t limit;
} RowsOut;

/* Room for one more line's entries in the CSR arrays: at most `tokens` of them. */
static int csr_reserve(RowsOut *o, int64_t tokens) {
  RtCsr *m = o->csr;
  if (m->nnz + tokens <= o->cap) return 0;
  int64_t nc = o->cap ? 2 * o->cap : 1024;
  while (nc < m->nnz + tokens) nc *= 2;
  int32_t *col = realloc(m->col, (size_t)nc * sizeof *col);
  if (col) m->col = col;
  double *val = realloc(m->val, (size_t)nc * sizeof *val);
  if (val) m->val = val;
  if (!col || !val) return -1;
  o->cap = nc;
  return 0;
}

/* Streams path, counts its examples and parses those in rows into o; then checks the count
 * against want_rows (RT_ANY: any) and, for dense, the declaration. Returns 0 or -1. */
static int libsvm_rows(const char *path, RtReadBound *bound, RtRows rows, int64_t maxidx,
                       const char *decl, const char *beyond, RowsOut *o, int64_t *examples,
                       RtErr err) {
  RtLines L;
  if (rt_lines_open(&L, path, bound, err)) return -1;
  int64_t n = 0, r1 = rows.r0 + rows.n;
  const char *s, *e;
  int got, rc = 0;
  while ((got = rt_lines_next(&L, &s, &e, err)) == 1) {
    if (memchr(s, 0, (size_t)(e - s))) {
      rc = rt_data_errf(err.buf, err.len, "'%s' line %" PRId64 ": contains a NUL byte (is this "
                        "a binary file?)", path, L.no);
      break;
    }
    if (rt_text_cr_inside(s, e)) {
      rc = rt_text_cr_error(err.buf, err.len, path, L.no);
      break;
    }
    if (L.no == 1) s = rt_text_bom(s, e);
    trim_line(&s, &e);
    if (s == e) continue;
    int64_t k = n++;
    if (o->limit > 0 && n > o->limit) {
      rc = rt_data_errf(err.buf, err.len,
                        "'%s' holds more than %" PRId64 " example%s (line %" PRId64
                        " is one more) but the declaration says %s",
                        path, o->limit, o->limit == 1 ? "" : "s", L.no, decl);
      break;
    }
    if (k < rows.r0 || k >= r1) continue;
    int64_t i = k - rows.r0;
    Sink sk = {NULL, NULL, NULL, NULL, NULL, 0};
    if (o->dense) sk.dense = o->dense + i * o->cols;
    if (o->labels) sk.label = o->labels + i;
    if (o->csr) {
      int64_t tokens = 0;
      for (const char *q = s; q < e; q++)
        if (is_sp(*q) && q + 1 < e && !is_sp(q[1])) tokens++;
      if (csr_reserve(o, tokens)) {
        rc = rt_oom_errf(err.buf, err.len, "'%s': out of memory for %s", path, decl);
        break;
      }
      sk.col = o->csr->col;
      sk.val = o->csr->val;
      sk.nnz = &o->csr->nnz;
    }
    if (parse_row(path, L.no, s, e, maxidx, decl, beyond, &sk, err.buf, err.len)) {
      rc = -1;
      break;
    }
    if (o->csr) o->csr->rowptr[i + 1] = o->csr->nnz;
  }
  rt_lines_close(&L);
  if (got < 0) rc = -1;
  if (rc == 0 && n == 0)
    rc = rt_data_errf(err.buf, err.len, "'%s' holds no examples (only blank or comment lines)",
                      path);
  *examples = n;
  return rc;
}

/* The row-count error of the sparse and label loaders; returns -1. */
static int examples_error(const char *path, int64_t n, const char *decl, RtErr err) {
  return rt_data_errf(err.buf, err.len, "'%s' holds %" PRId64 " example%s but the declaration "
                      "says %s", path, n, n == 1 ? "" : "s", decl);
}

RT_API int rt_load_libsvm_rows(const char *path, RtShape want, RtRows rows, RtTensor *out,
                               RtErr failure) {
  memset(out, 0, sizeof *out);
  char decl[96];
  rt_data_decl_str(want.rank, want.rows, want.cols, decl, sizeof decl);
  if (want.rank != 2 || want.cols == RT_ANY || want.cols < 1 || want.rows < RT_ANY)
    return rt_data_errf(failure.buf, failure.len,
                        "'%s': load_libsvm needs a declaration matrix[rows, 1 + features], "
                        "not %s", path, decl);
  if (rt_rows_check(path, want, rows, failure)) return -1;
  if ((uint64_t)rows.n > SIZE_MAX / sizeof(double) / (uint64_t)want.cols)
    return rt_data_errf(failure.buf, failure.len, "'%s': %s is too large", path, decl);
  RtTensor t = {2, rows.n, want.cols, NULL};
  t.v = calloc((size_t)(rows.n ? rows.n : 1) * (size_t)want.cols, sizeof(double));
  if (!t.v) return rt_oom_errf(failure.buf, failure.len, "'%s': out of memory for %s", path, decl);
  RtReadBound bound;
  rt_data_bound(&bound, 2, want.rows, want.cols, RT_TEXT_PER_VALUE);
  RowsOut o = {t.v, want.cols, NULL, NULL, 0, 0};
  int64_t n;
  int rc = libsvm_rows(path, &bound, rows, want.cols - 1, decl, " (column 0 is the label)", &o,
                       &n, failure);
  char holds[64];
  snprintf(holds, sizeof holds, "%" PRId64 " example%s", n, n == 1 ? "" : "s");
  RtTensor fit = {0};
  if (rc == 0)
    rc = rt_data_fit_shape(path, want, &(RtFileTable){n, want.cols, holds, NULL}, &fit, failure);
  if (rc) {
    rt_tensor_free(&t);
    return -1;
  }
  *out = t;
  return 0;
}

RT_API int rt_load_libsvm_csr_rows(const char *path, RtShape want, RtRows rows, RtCsr *out,
                                   RtErr err) {
  memset(out, 0, sizeof *out);
  char decl[96];
  snprintf(decl, sizeof decl, "sparse[%" PRId64 ", %" PRId64 "]", want.rows, want.cols);
  if (want.rank != 2 || want.cols < 1 || want.cols > INT32_MAX || want.rows < 0)
    return rt_data_errf(err.buf, err.len, "'%s': load_libsvm into sparse needs a declaration "
                        "sparse[rows, features], not %s", path, decl);
  if (rt_rows_check(path, want, rows, err)) return -1;
  RtCsr m = {rows.n, want.cols, 0, NULL, NULL, NULL};
  m.rowptr = calloc((size_t)rows.n + 1, sizeof *m.rowptr);
  if (!m.rowptr) return rt_oom_errf(err.buf, err.len, "'%s': out of memory for %s", path, decl);
  RtReadBound bound;
  rt_data_bound(&bound, 2, want.rows, want.cols + 1, RT_TEXT_PER_VALUE);
  RowsOut o = {NULL, 0, NULL, &m, 0, 0};
  int64_t n;
  int rc = libsvm_rows(path, &bound, rows, want.cols, decl, "", &o, &n, err);
  if (rc == 0 && n != want.rows) rc = examples_error(path, n, decl, err);
  if (rc == 0 && !m.col) { /* no entry: the arrays still exist */
    m.col = malloc(sizeof *m.col);
    m.val = malloc(sizeof *m.val);
    if (!m.col || !m.val) rc = rt_oom_errf(err.buf, err.len, "'%s': out of memory", path);
  }
  if (rc) {
    rt_csr_free(&m);
    return -1;
  }
  *out = m;
  return 0;
}

RT_API int rt_load_libsvm_labels_rows(const char *path, RtShape want, RtRows rows,
                                      RtTensor *out, RtErr err) {
  memset(out, 0, sizeof *out);
  char decl[96];
  rt_data_decl_str(want.rank, want.rows, want.cols, decl, sizeof decl);
  if (want.rank != 1 || want.rows < 0)
    return rt_data_errf(err.buf, err.len, "'%s': load_libsvm_labels needs a declaration "
                        "vector[rows], not %s", path, decl);
  if (rt_rows_check(path, want, rows, err)) return -1;
  RtTensor t = {1, rows.n, 1, calloc((size_t)(rows.n ? rows.n : 1), sizeof(double))};
  if (!t.v) return rt_oom_errf(err.buf, err.len, "'%s': out of memory for %s", path, decl);
  RtReadBound bound;
  rt_data_bound(&bound, 1, RT_ANY, 1, RT_TEXT_PER_VALUE);
  RowsOut o = {NULL, 0, t.v, NULL, 0, want.rows};
  int64_t n;
  int rc = libsvm_rows(path, &bound, rows, INT64_MAX, decl, "", &o, &n, err);
  if (rc == 0 && n != want.rows) rc = examples_error(path, n, decl, err);
  if (rc) {
    rt_tensor_free(&t);
    return -1;
  }
  *out = t;
  return 0;
}

RT_API int rt_libsvm_locate(const char *path, int64_t i, int64_t *line) {
  char msg[256];
  RtErr e = rt_err(msg, sizeof msg);
  RtReadBound bound;
  rt_data_bound(&bound, 1, RT_ANY, 1, RT_TEXT_PER_VALUE);
  RtLines L;
  if (rt_lines_open(&L, path, &bound, e)) return -1;
  int64_t k = 0;
  int rc = -1;
  const char *s, *end;
  while (rt_lines_next(&L, &s, &end, e) == 1) {
    if (L.no == 1) s = rt_text_bom(s, end);
    trim_line(&s, &end);
    if (s == end) continue;
    if (k++ == i) {
      *line = L.no;
      rc = 0;
      break;
    }
  }
  rt_lines_close(&L);
  return rc;
}
