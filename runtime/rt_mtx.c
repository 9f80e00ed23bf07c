/* rt_mtx.c — MatrixMarket coordinate files into CSR (rt_load_mtx_csr, rt_sparse.h). The file
 * is read in two steps so that its size line bounds the read: first at most 1 MiB (the banner,
 * comments and size line), then, if the file is longer, at most what the size line's entry
 * count justifies. The entry lines are counted against that count before anything is
 * allocated for them; rt_csr_from_triplets sorts them and rejects duplicates. */
#include "rt_data_impl.h"
#include "rt_sparse.h"
#include "rt_mem.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The most bytes an entry line "i j value" may take (three numbers of RT_TEXT_PER_VALUE). */
#define MTX_ENTRY_BYTES (3 * (size_t)RT_TEXT_PER_VALUE)

typedef enum MtxField { MTX_REAL, MTX_INTEGER, MTX_PATTERN } MtxField;

/* What the banner and the size line say. */
typedef struct MtxHeader {
  MtxField field;
  int symmetric;
  int64_t rows, cols, nnz;
  int64_t size_line; /* its line number */
  size_t body;       /* offset of the line after it */
} MtxHeader;

/* The lines of a buffer, numbered from 1. */
typedef struct MtxLines {
  const char *p, *end;
  int64_t no;
} MtxLines;

static int mtx_is_sp(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* The next line [*s, *e) without its newline; 0 at the end of the buffer. */
static int mtx_next_line(MtxLines *it, const char **s, const char **e) {
  if (it->p >= it->end) return 0;
  const char *nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
  *s = it->p;
  *e = nl ? nl : it->end;
  it->p = nl ? nl + 1 : it->end;
  it->no++;
  return 1;
}

/* The next blank-separated token of [*s, e) as [*ts, *te), advancing *s; 0 when none is left. */
static int mtx_token(const char **s, const char *e, const char **ts, const char **te) {
  const char *p = *s;
  while (p < e && mtx_is_sp(*p)) p++;
  if (p == e) return 0;
  *ts = p;
  while (p < e && !mtx_is_sp(*p)) p++;
  *te = p;
  *s = p;
  return 1;
}

/* Whether the line holds nothing but blanks, or is a '%' comment. */
static int mtx_skip_line(const char *s, const char *e) {
  while (s < e && mtx_is_sp(*s)) s++;
  return s == e || *s == '%';
}

/* Case-insensitive comparison of the token [s, e) with the lowercase word w. */
static int mtx_word(const char *s, const char *e, const char *w) {
  size_t n = strlen(w);
  if ((size_t)(e - s) != n) return 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
    if (c != w[i]) return 0;
  }
  return 1;
}

/* A count or an index: decimal digits only, at most INT64_MAX. Returns 0 and *v, or -1. */
static int mtx_int(const char *s, const char *e, int64_t *v) {
  int64_t x = 0;
  if (s == e) return -1;
  for (; s < e; s++) {
    if (*s < '0' || *s > '9' || x > (INT64_MAX - 9) / 10) return -1;
    x = 10 * x + (*s - '0');
  }
  *v = x;
  return 0;
}

/* Up to 40 characters of a token for a message, and "..." when it is longer. */
#define MTX_SHOWN(s, e) (int)((e) - (s) > 40 ? 40 : (e) - (s)), (s), ((e) - (s) > 40 ? "..." : "")

/* The banner's four words after %%MatrixMarket: matrix coordinate FIELD SYMMETRY. */
static int mtx_banner(const char *path, const char *s, const char *e, MtxHeader *h, RtErr err) {
  static const char magic[] = "%%MatrixMarket";
  size_t ml = sizeof magic - 1;
  if ((size_t)(e - s) < ml || memcmp(s, magic, ml) != 0 || (e - s > (long)ml && !mtx_is_sp(s[ml])))
    return rt_data_errf(err.buf, err.len, "'%s' line 1: not a MatrixMarket file (the first line "
                        "must start with %%%%MatrixMarket)", path);
  s += ml;
  const char *w[4][2];
  int n = 0;
  const char *ts, *te;
  while (mtx_token(&s, e, &ts, &te)) {
    if (n == 4)
      return rt_data_errf(err.buf, err.len, "'%s' line 1: '%.*s%s' after the banner's four words",
                          path, MTX_SHOWN(ts, te));
    w[n][0] = ts;
    w[n++][1] = te;
  }
  if (n < 4)
    return rt_data_errf(err.buf, err.len, "'%s' line 1: the banner needs four words after "
                        "%%%%MatrixMarket: matrix coordinate FIELD SYMMETRY", path);
  if (!mtx_word(w[0][0], w[0][1], "matrix"))
    return rt_data_errf(err.buf, err.len, "'%s' line 1: object '%.*s%s' is not 'matrix'", path,
                        MTX_SHOWN(w[0][0], w[0][1]));
  if (mtx_word(w[1][0], w[1][1], "array"))
    return rt_data_errf(err.buf, err.len, "'%s' line 1: the array (dense) format is not read: "
                        "sparse data must be in the coordinate format", path);
  if (!mtx_word(w[1][0], w[1][1], "coordinate"))
    return rt_data_errf(err.buf, err.len, "'%s' line 1: format '%.*s%s' is not 'coordinate'",
                        path, MTX_SHOWN(w[1][0], w[1][1]));
  if (mtx_word(w[2][0], w[2][1], "real"))
    h->field = MTX_REAL;
  else if (mtx_word(w[2][0], w[2][1], "integer"))
    h->field = MTX_INTEGER;
  else if (mtx_word(w[2][0], w[2][1], "pattern"))
    h->field = MTX_PATTERN;
  else
    return rt_data_errf(err.buf, err.len, "'%s' line 1: field '%.*s%s' is not supported (real, "
                        "integer or pattern)", path, MTX_SHOWN(w[2][0], w[2][1]));
  if (mtx_word(w[3][0], w[3][1], "general"))
    h->symmetric = 0;
  else if (mtx_word(w[3][0], w[3][1], "symmetric"))
    h->symmetric = 1;
  else
    return rt_data_errf(err.buf, err.len, "'%s' line 1: symmetry '%.*s%s' is not supported "
                        "(general or symmetric)", path, MTX_SHOWN(w[3][0], w[3][1]));
  return 0;
}

/* Whether nnz > a * b, without overflow (a, b, nnz >= 0). */
static int mtx_exceeds(int64_t nnz, int64_t a, int64_t b) {
  if (nnz == 0 || a == 0 || b == 0) return nnz > 0;
  return (uint64_t)(nnz - 1) / (uint64_t)a >= (uint64_t)b;
}

/* Parses the banner, the comments and the size line of buf (the whole file when complete, else
 * its first bytes) into *h and checks the size against want. */
static int mtx_header(const char *path, const char *buf, size_t len, int complete, RtShape want,
                      MtxHeader *h, RtErr err) {
  MtxLines it = {buf, buf + len, 0};
  const char *s, *e;
  if (!mtx_next_line(&it, &s, &e) || memchr(s, 0, (size_t)(e - s)))
    return rt_data_errf(err.buf, err.len, "'%s' line 1: not a MatrixMarket file (the first line "
                        "must start with %%%%MatrixMarket)", path);
  /* else the banner held the whole file: "'2' after the banner's four words" */
  if (rt_text_cr_inside(s, e)) return rt_text_cr_error(err.buf, err.len, path, 1);
  s = rt_text_bom(s, e); /* a UTF-8 byte-order mark */
  if (mtx_banner(path, s, e, h, err)) return -1;
  for (;;) {
    int got = mtx_next_line(&it, &s, &e);
    if (got && (e < it.end || complete) && memchr(s, 0, (size_t)(e - s)))
      return rt_data_errf(err.buf, err.len, "'%s' line %" PRId64 ": contains a NUL byte (is "
                          "this a binary file?)", path, it.no);
    if (!got || (e == it.end && !complete)) /* no line, or one the read bound cut */
      return rt_data_errf(err.buf, err.len, complete ? "'%s' has no size line after its banner"
                          : "'%s' has no size line in its first 1 MiB", path);
    if (rt_text_cr_inside(s, e)) return rt_text_cr_error(err.buf, err.len, path, it.no);
    if (!mtx_skip_line(s, e)) break;
  }
  h->size_line = it.no;
  h->body = (size_t)(it.p - buf);
  int64_t v[3];
  const char *ts, *te;
  for (int i = 0; i < 4; i++) {
    int got = mtx_token(&s, e, &ts, &te);
    if (i == 3 && !got) break;
    if (i == 3 || !got || mtx_int(ts, te, &v[i]))
      return rt_data_errf(err.buf, err.len, "'%s' line %" PRId64 ": the size line must be three "
                          "counts: rows columns entries", path, h->size_line);
  }
  h->rows = v[0];
  h->cols = v[1];
  h->nnz = v[2];
  if ((want.rows != RT_ANY && h->rows != want.rows) ||
      (want.cols != RT_ANY && h->cols != want.cols)) {
    char decl[96]; /* "matrix[?, 3]": the dimensions of sparse[?, 3] */
    rt_data_decl_str(2, want.rows, want.cols, decl, sizeof decl);
    return rt_data_errf(err.buf, err.len, "'%s' holds a %" PRId64 " x %" PRId64 " matrix but the "
                        "declaration says sparse%s", path, h->rows, h->cols, decl + 6);
  }
  if (h->cols > INT32_MAX)
    return rt_data_errf(err.buf, err.len, "'%s' line %" PRId64 ": %" PRId64 " columns is more "
                        "than a sparse matrix can have (%d)", path, h->size_line, h->cols,
                        INT32_MAX);
  if (h->symmetric && h->rows != h->cols)
    return rt_data_errf(err.buf, err.len, "'%s' line %" PRId64 ": a symmetric matrix must be "
                        "square, not %" PRId64 " x %" PRId64, path, h->size_line, h->rows,
                        h->cols);
  /* a symmetric file stores the lower triangle: rows (rows + 1) / 2 < 2^62 entries at most */
  if (h->symmetric ? (uint64_t)h->nnz > (uint64_t)h->rows * ((uint64_t)h->rows + 1) / 2
                   : mtx_exceeds(h->nnz, h->rows, h->cols))
    return rt_data_errf(err.buf, err.len, "'%s' line %" PRId64 ": %" PRId64 " entries do not "
                        "fit a %s%" PRId64 " x %" PRId64 " matrix", path, h->size_line, h->nnz,
                        h->symmetric ? "symmetric " : "", h->rows, h->cols);
  return 0;
}

/* Reads the file under the bounds described at the top into *buf (*len bytes) and parses its
 * header into *h. Returns 0 or -1 (nothing left allocated). */
static int mtx_read(const char *path, RtShape want, MtxHeader *h, unsigned char **buf,
                    size_t *len, RtErr err) {
  struct stat st;
  int regular = stat(path, &st) == 0 && S_ISREG(st.st_mode);
  size_t limit = RT_DATA_SLACK;
  for (int pass = 0;; pass++) {
    RtReadBound b = {limit, MTX_ENTRY_BYTES, "", 0, NULL};
    if (rt_data_read_file(path, &b, buf, len, err.buf, err.len)) return -1;
    if (mtx_header(path, (const char *)*buf, *len, !b.over, want, h, err)) break;
    if (!b.over) return 0;
    /* the header, then at most MTX_ENTRY_BYTES an entry, and the slack again */
    size_t need = SIZE_MAX;
    if ((uint64_t)h->nnz < (SIZE_MAX - 2 * RT_DATA_SLACK - h->body) / MTX_ENTRY_BYTES)
      need = h->body + RT_DATA_SLACK + (size_t)h->nnz * MTX_ENTRY_BYTES;
    if (pass > 0 || need <= limit) {
      rt_data_errf(err.buf, err.len, "'%s' is longer than the %" PRId64 " entr%s of its size "
                   "line (line %" PRId64 ") can take: more than %zu bytes (the header, 1 MiB "
                   "and %zu bytes an entry)", path, h->nnz, h->nnz == 1 ? "y" : "ies",
                   h->size_line, limit, MTX_ENTRY_BYTES);
      break;
    }
    if (!regular) {
      rt_data_errf(err.buf, err.len, "'%s' is not a regular file and is longer than 1 MiB: "
                   "save it to a file to load it", path);
      break;
    }
    free(*buf);
    limit = need;
  }
  free(*buf);
  *buf = NULL;
  return -1;
}

/* The next entry line after the size line (skipping blank and comment lines); 0 at the end. */
static int mtx_next_entry(MtxLines *it, const char **s, const char **e) {
  while (mtx_next_line(it, s, e))
    if (!mtx_skip_line(*s, *e)) return 1;
  return 0;
}

/* Counts the entry lines of the body, checking them against h->nnz and for NUL bytes. */
static int mtx_count(const char *path, const char *buf, size_t len, const MtxHeader *h,
                     RtErr err) {
  MtxLines it = {buf + h->body, buf + len, h->size_line};
  const char *s, *e;
  int64_t n = 0;
  while (mtx_next_line(&it, &s, &e)) {
    if (memchr(s, 0, (size_t)(e - s)))
      return rt_data_errf(err.buf, err.len, "'%s' line %" PRId64 ": contains a NUL byte (is "
                          "this a binary file?)", path, it.no);
    if (rt_text_cr_inside(s, e)) return rt_text_cr_error(err.buf, err.len, path, it.no);
    if (mtx_skip_line(s, e)) continue;
    if (++n > h->nnz)
      return rt_data_errf(err.buf, err.len, "'%s' line %" PRId64 ": more entries than the %"
                          PRId64 " of the size line (line %" PRId64 ")", path, it.no, h->nnz,
                          h->size_line);
  }
  if (n < h->nnz)
    return rt_data_errf(err.buf, err.len, "'%s' holds %" PRId64 " entr%s but its size line "
                        "(line %" PRId64 ") says %" PRId64, path, n, n == 1 ? "y" : "ies",
                        h->size_line, h->nnz);
  return 0;
}

/* A 1-based index token: "row" or "column" (what), at most max. Returns 0 and *v (0-based). */
static int mtx_index(const char *path, int64_t line, const char *what, const char *ts,
                     const char *te, int64_t max, int64_t *v, RtErr err) {
  if (ts == te)
    return rt_data_errf(err.buf, err.len, "'%s' line %" PRId64 ": no %s index", path, line,
                        what);
  int64_t i;
  if (mtx_int(ts, te, &i))
    return rt_data_errf(err.buf, err.len, "'%s' line %" PRId64 ": %s index '%.*s%s' is not a "
                        "positive integer", path, line, what, MTX_SHOWN(ts, te));
  if (i == 0)
    return rt_data_errf(err.buf, err.len, "'%s' line %" PRId64 ": %s index 0 (indices are "
                        "1-based)", path, line, what);
  if (i > max)
    return rt_data_errf(err.buf, err.len, "'%s' line %" PRId64 ": %s index %" PRId64 " is past "
                        "the %" PRId64 " %ss of the size line", path, line, what, i, max, what);
  *v = i - 1;
  return 0;
}

/* The value token of an entry into *v: finite, and an integer in an integer file. */
static int mtx_value(const char *path, int64_t line, MtxField field, const char *ts,
                     const char *te, double *v, RtErr err) {
  if (field == MTX_INTEGER) {
    const char *d = ts + (ts < te && (*ts == '-' || *ts == '+'));
    int digits = d < te;
    for (const char *p = d; p < te; p++) digits &= *p >= '0' && *p <= '9';
    if (!digits)
      return rt_data_errf(err.buf, err.len, "'%s' line %" PRId64 ": value '%.*s%s' is not an "
                          "integer (the banner says integer)", path, line, MTX_SHOWN(ts, te));
  }
  /* the token ends at a blank, a newline or the buffer's final NUL: strtod stops there */
  char *end;
  *v = strtod(ts, &end);
  if (end != te)
    return rt_data_errf(err.buf, err.len, "'%s' line %" PRId64 ": value '%.*s%s' is not a "
                        "number", path, line, MTX_SHOWN(ts, te));
  if (!isfinite(*v))
    return rt_data_errf(err.buf, err.len, "'%s' line %" PRId64 ": value '%.*s%s' is not a "
                        "finite number", path, line, MTX_SHOWN(ts, te));
  return 0;
}

/* The entries' arrays, with room for a symmetric file's mirrored ones. */
typedef struct MtxEntries {
  int64_t *row, *line;
  int32_t *col;
  double *val;
  int64_t n;
} MtxEntries;

/* Parses one entry line [s, e) (line number no) into E, and its mirror in a symmetric file. */
static int mtx_entry(const char *path, const MtxHeader *h, int64_t no, const char *s,
                     const char *e, MtxEntries *E, RtErr err) {
  const char *ts[2] = {e, e}, *te[2] = {e, e}, *vs, *ve;
  int64_t ij[2];
  for (int k = 0; k < 2; k++) {
    mtx_token(&s, e, &ts[k], &te[k]);
    if (mtx_index(path, no, k ? "column" : "row", ts[k], te[k], k ? h->cols : h->rows, &ij[k],
                  err))
      return -1;
  }
  double v = 1.0;
  if (h->field != MTX_PATTERN) {
    if (!mtx_token(&s, e, &vs, &ve))
      return rt_data_errf(err.buf, err.len, "'%s' line %" PRId64 ": entry (%" PRId64 ", %" PRId64
                          ") has no value", path, no, ij[0] + 1, ij[1] + 1);
    if (mtx_value(path, no, h->field, vs, ve, &v, err)) return -1;
  }
  if (mtx_token(&s, e, &vs, &ve))
    return rt_data_errf(err.buf, err.len, "'%s' line %" PRId64 ": '%.*s%s' after the entry (one "
                        "entry a line: %s)", path, no, MTX_SHOWN(vs, ve),
                        h->field == MTX_PATTERN ? "row column" : "row column value");
  for (int m = 0; m < 1 + (h->symmetric && ij[0] != ij[1]); m++) {
    E->row[E->n] = ij[m];
    E->col[E->n] = (int32_t)ij[1 - m];
    E->val[E->n] = v;
    E->line[E->n++] = no;
  }
  return 0;
}

/* The CSR matrix of t, the entries of the file at path with header h (rt_csr_from_triplets).
 * Two entries at one position in a symmetric file: one may be the mirror of the other, which
 * the message then says. */
static int mtx_csr(const RtTriplets *t, const char *path, const MtxHeader *h, RtCsr *out,
                   RtErr err) {
  int rc = rt_csr_from_triplets(t, path, out, err);
  if (rc && h->symmetric && err.buf && (strstr(err.buf, "both give") || strstr(err.buf, "twice"))) {
    size_t at = strlen(err.buf);
    snprintf(err.buf + at, err.len - at,
             " (a symmetric file stores each off-diagonal entry "
             "once: (i, j) stands for (j, i) too)");
  }
  return rc;
}

RT_API int rt_load_mtx_csr(const char *path, RtShape want, RtCsr *out, RtErr err) {
  memset(out, 0, sizeof *out);
  if (want.rank != 2 || want.rows < RT_ANY || want.cols < RT_ANY) {
    char decl[96];
    rt_data_decl_str(want.rank, want.rows, want.cols, decl, sizeof decl);
    return rt_data_errf(err.buf, err.len, "'%s': a MatrixMarket file loads into a sparse[rows, "
                        "cols] declaration, not %s", path, decl);
  }
  MtxHeader h = {0};
  unsigned char *buf;
  size_t len;
  if (mtx_read(path, want, &h, &buf, &len, err)) return -1;
  const char *b = (const char *)buf;
  int rc = -1;
  MtxEntries E = {0};
  /* the row pointers of a row count no declaration fixed: at most what the file's bytes and
   * the slack justify */
  if (want.rows == RT_ANY && (uint64_t)h.rows > RT_DATA_SLACK + (uint64_t)len) {
    rt_data_errf(err.buf, err.len, "'%s' line %" PRId64 ": %" PRId64 " rows in a file of %zu "
                 "bytes: declare the row count to load so sparse a matrix", path, h.size_line,
                 h.rows, len);
    goto done;
  }
  if (mtx_count(path, b, len, &h, err)) goto done; /* nnz is now backed by as many lines */
  size_t cap = (size_t)h.nnz * (h.symmetric ? 2 : 1) + 1;
  E.row = malloc(cap * sizeof *E.row);
  E.line = malloc(cap * sizeof *E.line);
  E.col = malloc(cap * sizeof *E.col);
  E.val = malloc(cap * sizeof *E.val);
  if (!E.row || !E.line || !E.col || !E.val) {
    rt_oom_errf(err.buf, err.len, "'%s': out of memory for %" PRId64 " entries", path, h.nnz);
    goto done;
  }
  MtxLines it = {b + h.body, b + len, h.size_line};
  const char *s, *e;
  while (mtx_next_entry(&it, &s, &e))
    if (mtx_entry(path, &h, it.no, s, e, &E, err)) goto done;
  RtTriplets t = {h.rows, h.cols, E.n, E.row, E.col, E.val, E.line, 0};
  rc = mtx_csr(&t, path, &h, out, err);
done:
  free(E.row);
  free(E.line);
  free(E.col);
  free(E.val);
  free(buf);
  return rc;
}

/* ------------------------------------------------------------------ row ranges */

/* Appends the line [s, e) and its newline to the growing text *acc (*len bytes, *cap). */
static int mtx_append(char **acc, size_t *len, size_t *cap, const char *s, const char *e) {
  size_t n = (size_t)(e - s) + 1;
  if (*len + n + 1 > *cap) {
    size_t nc = *cap ? *cap : 4096;
    while (*len + n + 1 > nc) nc *= 2;
    char *nb = realloc(*acc, nc);
    if (!nb) return -1;
    *acc = nb;
    *cap = nc;
  }
  memcpy(*acc + *len, s, n - 1);
  (*acc)[*len + n - 1] = '\n';
  *len += n;
  (*acc)[*len] = 0;
  return 0;
}

/* Reads the banner, comments and size line of the stream L into *h, as mtx_header does on the
 * file's first bytes (at most 1 MiB of them). */
static int mtx_rows_header(const char *path, RtLines *L, RtShape want, MtxHeader *h, RtErr err) {
  char *acc = NULL;
  size_t len = 0, cap = 0;
  const char *s, *e;
  int got, complete = 0, rc;
  while ((got = rt_lines_next(L, &s, &e, err)) == 1) {
    if (mtx_append(&acc, &len, &cap, s, e)) {
      free(acc);
      return rt_oom_errf(err.buf, err.len, "'%s': out of memory", path);
    }
    if (len > RT_DATA_SLACK) break;
    if (L->no > 1 && !mtx_skip_line(s, e)) break; /* the size line */
  }
  if (got < 0) {
    free(acc);
    return -1;
  }
  complete = got == 0;
  rc = mtx_header(path, acc ? acc : "", len, complete || len <= RT_DATA_SLACK, want, h, err);
  free(acc);
  return rc;
}

RT_API int rt_load_mtx_csr_rows(const char *path, RtShape want, RtRows rows, RtCsr *out,
                                RtErr err) {
  memset(out, 0, sizeof *out);
  if (want.rank != 2 || want.rows < 0 || want.cols < RT_ANY) {
    char decl[96];
    rt_data_decl_str(want.rank, want.rows, want.cols, decl, sizeof decl);
    return rt_data_errf(err.buf, err.len, "'%s': a MatrixMarket file loads into a sparse[rows, "
                        "cols] declaration, not %s", path, decl);
  }
  if (rt_rows_check(path, want, rows, err)) return -1;
  RtReadBound bound = {SIZE_MAX, MTX_ENTRY_BYTES, "", 0, NULL};
  RtLines L;
  if (rt_lines_open(&L, path, &bound, err)) return -1;
  MtxHeader h = {0};
  int rc = -1;
  MtxEntries E = {0};
  int64_t cap = 0, n = 0, r1 = rows.r0 + rows.n;
  if (mtx_rows_header(path, &L, want, &h, err)) goto done;
  /* the file is read only as far as the size line's entry count justifies */
  snprintf(bound.decl, sizeof bound.decl, "with %" PRId64 " entries (line %" PRId64 ")", h.nnz,
           h.size_line);
  if ((uint64_t)h.nnz < (SIZE_MAX - 2 * RT_DATA_SLACK - L.st.pos) / MTX_ENTRY_BYTES)
    bound.max_bytes = L.st.pos + RT_DATA_SLACK + (size_t)h.nnz * MTX_ENTRY_BYTES;
  const char *s, *e;
  int got;
  while ((got = rt_lines_next(&L, &s, &e, err)) == 1) {
    int64_t no = L.no;
    if (memchr(s, 0, (size_t)(e - s))) {
      rt_data_errf(err.buf, err.len, "'%s' line %" PRId64 ": contains a NUL byte (is this a "
                   "binary file?)", path, no);
      goto done;
    }
    if (rt_text_cr_inside(s, e)) {
      rt_text_cr_error(err.buf, err.len, path, no);
      goto done;
    }
    if (mtx_skip_line(s, e)) continue;
    if (++n > h.nnz) {
      rt_data_errf(err.buf, err.len, "'%s' line %" PRId64 ": more entries than the %" PRId64
                   " of the size line (line %" PRId64 ")", path, no, h.nnz, h.size_line);
      goto done;
    }
    /* the indices decide whose entry it is: parse them (every rank reports a bad one) */
    const char *p = s, *ts[2] = {e, e}, *te[2] = {e, e};
    int64_t ij[2] = {0, 0};
    for (int k = 0; k < 1 + h.symmetric; k++) {
      mtx_token(&p, e, &ts[k], &te[k]);
      if (mtx_index(path, no, k ? "column" : "row", ts[k], te[k], k ? h.cols : h.rows, &ij[k],
                    err))
        goto done;
    }
    int mine = (ij[0] >= rows.r0 && ij[0] < r1) ||
               (h.symmetric && ij[1] >= rows.r0 && ij[1] < r1);
    if (!mine) continue;
    if (E.n + 2 > cap) {
      int64_t nc = cap ? 2 * cap : 1024;
      int64_t *row = realloc(E.row, (size_t)nc * sizeof *row);
      if (row) E.row = row;
      int64_t *line = realloc(E.line, (size_t)nc * sizeof *line);
      if (line) E.line = line;
      int32_t *col = realloc(E.col, (size_t)nc * sizeof *col);
      if (col) E.col = col;
      double *val = realloc(E.val, (size_t)nc * sizeof *val);
      if (val) E.val = val;
      if (!row || !line || !col || !val) {
        rt_oom_errf(err.buf, err.len, "'%s': out of memory for its entries", path);
        goto done;
      }
      cap = nc;
    }
    int64_t first = E.n;
    if (mtx_entry(path, &h, no, s, e, &E, err)) goto done;
    int64_t keep = first; /* of the entry and its mirror, those in the range, rows shifted */
    for (int64_t k = first; k < E.n; k++) {
      if (E.row[k] < rows.r0 || E.row[k] >= r1) continue;
      E.row[keep] = E.row[k] - rows.r0;
      E.col[keep] = E.col[k];
      E.val[keep] = E.val[k];
      E.line[keep++] = E.line[k];
    }
    E.n = keep;
  }
  if (got < 0) goto done;
  if (n < h.nnz) {
    rt_data_errf(err.buf, err.len, "'%s' holds %" PRId64 " entr%s but its size line (line %"
                 PRId64 ") says %" PRId64, path, n, n == 1 ? "y" : "ies", h.size_line, h.nnz);
    goto done;
  }
  RtTriplets t = {rows.n, h.cols, E.n, E.row, E.col, E.val, E.line, rows.r0};
  rc = mtx_csr(&t, path, &h, out, err);
done:
  rt_lines_close(&L);
  free(E.row);
  free(E.line);
  free(E.col);
  free(E.val);
  return rc;
}
