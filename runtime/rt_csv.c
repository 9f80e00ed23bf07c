/* rt_csv.c — CSV in and out: load_csv (numbers, optional header, commas or blanks), the point
 * reader behind --x/--y/--v, and the round-tripping writer behind --save-x/--save-y.
 * Numbers are read with strtod and written with %.17g, so both assume the "C" LC_NUMERIC. */
#include "rt_data_impl.h"
#include "rt_fmt.h"
#include "rt_mem.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum FieldKind { FK_OK, FK_EMPTY, FK_BAD, FK_NONFINITE, FK_RANGE } FieldKind;

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

/* Classifies the field [s, e) and parses it into *val. */
static FieldKind parse_field(const char *s, const char *e, double *val, const char **fs,
                             const char **fe) {
  while (s < e && is_blank(*s)) s++;
  while (e > s && is_blank(e[-1])) e--;
  if (e - s >= 2 && *s == '"' && e[-1] == '"') {
    s++, e--;
    while (s < e && is_blank(*s)) s++;
    while (e > s && is_blank(e[-1])) e--;
  }
  *fs = s;
  *fe = e;
  if (s == e) return FK_EMPTY;
  /* s is not blank, and no number spans a separator, a quote or a newline, so strtod stops
   * inside the field (the buffer is NUL-terminated in any case). */
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (end != e) return FK_BAD;
  if (!isfinite(v)) return errno == ERANGE ? FK_RANGE : FK_NONFINITE;
  *val = v; /* an underflow (ERANGE with a tiny result) is a fine value */
  return FK_OK;
}

typedef struct Line {
  const char *s, *e; /* content without the newline */
  int64_t no;        /* 1-based */
} Line;

/* Splits a line into fields: at commas when it has one, else at runs of blanks. Calls
 * visit(field_s, field_e, field_no, ctx) for each; stops at the first nonzero return. */
typedef int (*FieldVisit)(const char *s, const char *e, int64_t fno, void *ctx);

static int for_each_field(const Line *ln, FieldVisit visit, void *ctx) {
  int64_t fno = 0;
  if (memchr(ln->s, ',', (size_t)(ln->e - ln->s))) {
    const char *s = ln->s;
    for (;;) {
      const char *c = memchr(s, ',', (size_t)(ln->e - s));
      const char *fe = c ? c : ln->e;
      int r = visit(s, fe, ++fno, ctx);
      if (r) return r;
      if (!c) return 0;
      s = c + 1;
    }
  }
  const char *s = ln->s;
  for (;;) {
    while (s < ln->e && is_blank(*s)) s++;
    if (s == ln->e) return 0;
    const char *fe = s;
    while (fe < ln->e && !is_blank(*fe)) fe++;
    int r = visit(s, fe, ++fno, ctx);
    if (r) return r;
    s = fe;
  }
}

/* A line no loader reads: blank, or a comment (numpy's savetxt writes its header as one). */
static bool skipped(const Line *ln) {
  const char *q = ln->s;
  while (q < ln->e && is_blank(*q)) q++;
  return q == ln->e || *q == '#';
}

typedef struct Table {
  const char *path;
  double *v;
  int64_t n, cap;
  int64_t rows, cols;     /* cols of the first data line */
  int64_t header_line;    /* 0: none */
  int64_t header_fields;  /* the header line's fields */
  int64_t seq_line;       /* the first data line, when it reads 0..k-1 or 1..k (k > 1); else 0 */
  int seq_from;           /* and the first of them */
  int64_t fields;         /* in the current line */
  int64_t line;
  bool commas;            /* the current line is split at commas (LIBSVM's never is) */
  char *err;
  size_t errlen;
} Table;

/* What the fields of a candidate header line are: words, missing-value marks, numbers. */
typedef struct HeaderScan {
  int words, marks, numbers;
  bool commas; /* the line is split at commas: "0:00" is then a time, not LIBSVM's 0:00 */
} HeaderScan;

/* R's, pandas' and spreadsheets' marks of a missing value, in any case */
static bool missing_mark(const char *s, const char *e) {
  static const char *const marks[] = {"na", "n/a", "#n/a", "null", "none", "?", "-"};
  for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++) {
    size_t n = strlen(marks[i]), j = 0;
    if ((size_t)(e - s) != n) continue;
    while (j < n && tolower((unsigned char)s[j]) == marks[i][j]) j++;
    if (j == n) return true;
  }
  return false;
}

/* Whether [s, e) is numbers joined by sep: "1;2.5" (a file separated by semicolons, which
 * has no comma to split at), or an index:value pair "3:0.5" (a LIBSVM file). */
static bool numbers_joined(const char *s, const char *e, char sep) {
  const char *c = memchr(s, sep, (size_t)(e - s));
  if (!c) return false;
  for (const char *p = s; p <= e; p++) {
    if (p < e && *p != sep) continue;
    double v;
    const char *a, *b;
    if (p > s && parse_field(s, p, &v, &a, &b) != FK_OK) return false;
    s = p + 1;
  }
  return true;
}

/* A LIBSVM token: a feature index, ':', a number (what load_csv mistakes a LIBSVM file for) */
static bool index_value(const char *s, const char *e) {
  const char *c = memchr(s, ':', (size_t)(e - s));
  if (!c || c == s || c + 1 == e) return false;
  for (const char *p = s; p < c; p++)
    if (*p < '0' || *p > '9') return false;
  return numbers_joined(s, e, ':');
}

static int scan_header_field(const char *s, const char *e, int64_t fno, void *ctx) {
  HeaderScan *h = ctx;
  double v;
  const char *a, *b;
  (void)fno;
  FieldKind k = parse_field(s, e, &v, &a, &b);
  /* "1;2" and "3:0.5" are numbers in a format load_csv does not read: a data line, so that
   * its error (which names the format) comes at line 1, not after it was skipped unsaid */
  if (k == FK_BAD && (numbers_joined(a, b, ';') || (!h->commas && index_value(a, b))))
    h->numbers++;
  else if (k == FK_BAD) *(missing_mark(a, b) ? &h->marks : &h->words) += 1;
  else if (k == FK_OK) h->numbers++;
  return 0;
}

/* How many decimal digits [*p, e) starts with, *p moved past them: 0 if none or more than
 * max. */
static int digits(const char **p, const char *e, int max) {
  int n = 0;
  while (*p < e && n < max && **p >= '0' && **p <= '9') (*p)++, n++;
  return *p < e && **p >= '0' && **p <= '9' ? 0 : n;
}

/* A date or a time of day, the non-numbers of a time series' first column: 2024-01-31,
 * 31/01/2024, 31.01.2024, 31-Jan-2024, each optionally followed by a time ("2024-01-31
 * 09:30:00", "2024-01-31T09:30"), or a time alone (09:30, 09:30:00.5). */
static bool date_or_time(const char *s, const char *e) {
  const char *p = s;
  if (digits(&p, e, 2) && p < e && *p == ':' && (p++, digits(&p, e, 2) == 2))
    return p == e || strchr(":.+-Z ", *p);
  p = s;
  if (!digits(&p, e, 4) || p == e || !strchr("-/.", *p)) return false;
  char sep = *p++;
  if (!digits(&p, e, 2)) {
    int n = 0;
    while (p < e && n < 3 && isalpha((unsigned char)*p)) p++, n++;
    if (n != 3) return false;
  }
  if (p == e || *p++ != sep || !digits(&p, e, 4)) return false;
  return p == e || *p == 'T' || *p == ' ';
}

/* What a field that is not a number probably is, for its message: "" when nothing says. */
static const char *bad_field_hint(const char *a, const char *b, bool commas) {
  if (missing_mark(a, b))
    return " (a missing value? data have none: fill or drop it before loading)";
  if (memchr(a, ';', (size_t)(b - a)))
    return " (the delimiter looks like ';': load_csv splits at commas, or else at spaces and "
           "tabs; tr ';' ',' converts the file, after the decimal commas of 1,5;2,5 are made "
           "points)";
  if (!commas && index_value(a, b))
    return " (index:value: this looks like a LIBSVM file, which load_libsvm reads)";
  if (date_or_time(a, b))
    return " (a date or time? load_csv reads numbers only: drop that column, and a pandas "
           "index, before saving, as df.select_dtypes('number').to_csv(path, index=False) "
           "does)";
  if (isalpha((unsigned char)*a))
    return " (a class name? labels must be numbers before loading: number the classes 0..k-1, "
           "as pandas' df[col].astype('category').cat.codes or scikit-learn's LabelEncoder do)";
  return "";
}

/* Whether the first non-blank line is a header: a field that is not a number, unless the only
 * ones are missing-value marks beside numbers. `1,NA,3` is a data line with a missing value
 * (an error at its field): read as a header, it was skipped and a file declared with one row
 * less loaded without a word. */
static bool is_header(const Line *ln) {
  HeaderScan h = {0, 0, 0, memchr(ln->s, ',', (size_t)(ln->e - ln->s)) != NULL};
  for_each_field(ln, scan_header_field, &h);
  return h.words > 0 || (h.marks > 0 && h.numbers == 0);
}

static int count_field(const char *s, const char *e, int64_t fno, void *ctx) {
  (void)s, (void)e;
  *(int64_t *)ctx = fno;
  return 0;
}

/* Whether a line's fields read 0, 1, ..., k-1 or 1, 2, ..., k with k > 1: the header of
 * column numbers pandas writes for a frame made from a numpy array, read as data. */
typedef struct SeqScan {
  int64_t n;
  bool from0, from1;
} SeqScan;

static int seq_field(const char *s, const char *e, int64_t fno, void *ctx) {
  SeqScan *q = ctx;
  double v;
  const char *a, *b;
  if (parse_field(s, e, &v, &a, &b) != FK_OK) return q->from0 = q->from1 = false, 1;
  q->from0 &= v == (double)(fno - 1);
  q->from1 &= v == (double)fno;
  q->n = fno;
  return 0;
}

/* 0 or 1: the line reads from0..., else -1 */
static int counts_columns(const Line *ln) {
  SeqScan q = {0, true, true};
  if (for_each_field(ln, seq_field, &q) || q.n < 2) return -1;
  return q.from0 ? 0 : q.from1 ? 1 : -1;
}

/* Whether a file of r rows of c numbers fits want (RT_ANY: any) */
static bool fits(RtShape want, int64_t r, int64_t c) {
  if (want.rank == 0) return r == 1 && c == 1;
  if (want.rank == 1) return c == 1 && (want.rows == RT_ANY || r == want.rows);
  return (want.rows == RT_ANY || r == want.rows) && (want.cols == RT_ANY || c == want.cols);
}

/* The note after a shape mismatch of a file of rows x cols: a skipped header line only where
 * reading it as data would have given the declared shape (a typo in the first data line; a
 * real header has nothing to do with the mismatch), a first line of column numbers only
 * where dropping it would, else why (NULL: none), or what a vector's rows are. */
static void shape_hint(const Table *t, int64_t rows, int64_t cols, RtShape want,
                       const char *why, char *hint, size_t len) {
  hint[0] = '\0';
  if (t->header_line && t->header_fields == cols && fits(want, rows + 1, cols))
    snprintf(hint, len, " (line %" PRId64 " was read as a header and skipped)", t->header_line);
  else if (t->seq_line && fits(want, rows - 1, cols))
    snprintf(hint, len, " (line %" PRId64 " reads %s, %s, ...: a header of column numbers, "
             "as pandas writes for a frame made from an array? drop that line, or save with "
             "header=False)", t->seq_line, t->seq_from ? "1" : "0", t->seq_from ? "2" : "1");
  else if (why)
    snprintf(hint, len, "%s", why);
  else if (want.rank == 1 && rows > 1 && cols > 1)
    snprintf(hint, len, " (a vector is one number per line, or a single row)");
}

static int store_field(const char *s, const char *e, int64_t fno, void *ctx) {
  Table *t = ctx;
  double v = 0;
  const char *a, *b;
  FieldKind k = parse_field(s, e, &v, &a, &b);
  int w = (int)(b - a > 40 ? 40 : b - a);
  const char *ell = b - a > 40 ? "..." : "";
  switch (k) {
  case FK_OK: break;
  case FK_EMPTY: /* line 1's first field empty: the index column pandas' to_csv writes */
    return rt_data_errf(t->err, t->errlen,
                        "'%s' line %" PRId64 ", field %" PRId64 ": empty field%s", t->path,
                        t->line, fno,
                        fno == 1 && t->rows == 0 && t->commas
                            ? " (the header of an index column, as pandas' to_csv writes by "
                              "default? save with index=False, or drop the first column)"
                            : "");
  case FK_BAD:
    return rt_data_errf(t->err, t->errlen,
                        "'%s' line %" PRId64 ", field %" PRId64 ": '%.*s%s' is not a number%s",
                        t->path, t->line, fno, w, a, ell, bad_field_hint(a, b, t->commas));
  case FK_NONFINITE:
    return rt_data_errf(t->err, t->errlen, "'%s' line %" PRId64 ", field %" PRId64
                        ": '%.*s%s' is not a finite number (NaN and Inf are not accepted)",
                        t->path, t->line, fno, w, a, ell);
  case FK_RANGE:
    return rt_data_errf(t->err, t->errlen,
                        "'%s' line %" PRId64 ", field %" PRId64
                        ": '%.*s%s' is out of the range of a double",
                        t->path, t->line, fno, w, a, ell);
  }
  if (t->n == t->cap) {
    int64_t nc = t->cap ? 2 * t->cap : 1024;
    double *nv = realloc(t->v, (size_t)nc * sizeof *nv);
    if (!nv) return rt_oom_errf(t->err, t->errlen, "'%s': out of memory", t->path);
    t->v = nv;
    t->cap = nc;
  }
  t->v[t->n++] = v;
  t->fields = fno;
  return 0;
}

/* Parses the whole CSV file into t (rows x cols, row-major), reading no more than bound
 * allows. Returns 0 or -1. */
static int csv_parse(const char *path, RtReadBound *bound, Table *t, char *err,
                     size_t errlen) {
  memset(t, 0, sizeof *t);
  t->path = path;
  t->err = err;
  t->errlen = errlen;
  unsigned char *buf;
  size_t len;
  if (rt_data_read_file(path, bound, &buf, &len, err, errlen)) return -1;
  if (bound->over) { /* text has no header to explain the size: just refuse */
    free(buf);
    return rt_data_too_large(path, bound, err, errlen);
  }
  const char *p = (const char *)buf, *end = p + len;
  p = rt_text_bom(p, end); /* a UTF-8 byte-order mark */
  int rc = 0;
  int seen_data_or_header = 0;
  for (int64_t no = 1; p < end; no++) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    Line ln = {p, nl ? nl : end, no};
    p = nl ? nl + 1 : end;
    if (memchr(ln.s, 0, (size_t)(ln.e - ln.s))) {
      rc = rt_data_errf(err, errlen,
                        "'%s' line %" PRId64 ": contains a NUL byte (is this a binary file?)", path,
                        no);
      break;
    }
    if (rt_text_cr_inside(ln.s, ln.e)) {
      rc = rt_text_cr_error(err, errlen, path, no);
      break;
    }
    if (skipped(&ln)) continue;
    t->line = no;
    if (!seen_data_or_header) {
      seen_data_or_header = 1;
      if (is_header(&ln)) {
        t->header_line = no;
        for_each_field(&ln, count_field, &t->header_fields);
        continue;
      }
    }
    if (t->rows == 0 && (t->seq_from = counts_columns(&ln)) >= 0) t->seq_line = no;
    t->fields = 0;
    t->commas = memchr(ln.s, ',', (size_t)(ln.e - ln.s)) != NULL;
    int64_t before = t->n;
    if (for_each_field(&ln, store_field, t)) {
      rc = -1;
      break;
    }
    int64_t nf = t->n - before;
    if (t->rows == 0) {
      t->cols = nf;
    } else if (nf != t->cols) {
      rc = rt_data_errf(err, errlen,
                        "'%s' line %" PRId64 ": expected %" PRId64 " fields, found %" PRId64, path,
                        no, t->cols, nf);
      break;
    }
    t->rows++;
  }
  free(buf);
  if (rc == 0 && t->rows == 0)
    rc = rt_data_errf(err, errlen, t->header_line ? "'%s' has a header line but no numbers"
                                                  : "'%s' holds no numbers", path);
  if (rc) {
    free(t->v);
    t->v = NULL;
  }
  return rc;
}

static void csv_holds(int64_t r, int64_t c, char *buf, size_t len) {
  if (r == 1 && c == 1)
    snprintf(buf, len, "a single number");
  else if (c == 1)
    snprintf(buf, len, "one column of %" PRId64 " numbers", r);
  else if (r == 1)
    snprintf(buf, len, "one row of %" PRId64 " numbers", c);
  else
    snprintf(buf, len, "a %" PRId64 " x %" PRId64 " matrix", r, c);
}

/* rt_load_csv; `why` (or NULL) explains the declared shape after a mismatch, unless a header
 * line does. */
static int load_csv(const char *path, RtShape want, const char *why, RtTensor *out, RtErr e) {
  int rank = want.rank;
  int64_t rows = want.rows, cols = want.cols;
  char *err = e.buf;
  size_t errlen = e.len;
  memset(out, 0, sizeof *out);
  Table t;
  RtReadBound bound;
  rt_data_bound(&bound, rank, rows, cols, RT_TEXT_PER_VALUE);
  if (csv_parse(path, &bound, &t, err, errlen)) return -1;
  char holds[96], hint[256];
  csv_holds(t.rows, t.cols, holds, sizeof holds);
  shape_hint(&t, t.rows, t.cols, want, why, hint, sizeof hint);
  RtTensor r = {0};
  RtFileTable found = {t.rows, t.cols, holds, hint[0] ? hint : NULL};
  if (rt_data_fit_shape(path, want, &found, &r, e)) {
    free(t.v);
    return -1;
  }
  double *fit = realloc(t.v, (size_t)t.n * sizeof *fit); /* t.n > 0: give back the slack */
  r.v = fit ? fit : t.v;
  *out = r;
  return 0;
}

RT_API int rt_load_csv(const char *path, RtShape want, RtTensor *out, RtErr e) {
  return load_csv(path, want, NULL, out, e);
}

RT_API int rt_load_csv3(const char *path, int64_t t, int64_t k, int64_t d, RtTensor *out, RtErr e) {
  char *err = e.buf;
  size_t errlen = e.len;
  if (t < 1 || k < 1 || d < 1 || k > INT64_MAX / t) {
    memset(out, 0, sizeof *out);
    return rt_data_errf(err, errlen, "'%s': invalid expected shape tensor[%" PRId64 ", %" PRId64
                        ", %" PRId64 "]", path, t, k, d);
  }
  char why[128];
  snprintf(why, sizeof why, " (tensor[%" PRId64 ", %" PRId64 ", %" PRId64 "]: its %" PRId64
           " matrices one after another)", t, k, d, t);
  return load_csv(path, rt_shape(2, t * k, d), why, out, e);
}

RT_API int rt_read_vector_csv(const char *path, const char *what, int64_t n, double *out, RtErr e) {
  char *err = e.buf;
  size_t errlen = e.len;
  const char *name = what ? what : "the vector";
  if (rt_path_is_npy(path)) { /* as --save-x x.npy writes it: a vector, any length read, then
                               * the length checked as below (not "the declaration says") */
    RtTensor t;
    if (rt_load_npy(path, rt_shape(2, RT_ANY, RT_ANY), &t, e)) return -1;
    int64_t got = t.rows * t.cols;
    int rc = got == n ? 0
                      : rt_data_errf(err, errlen, "'%s' holds %" PRId64 " number%s but %s has %"
                                     PRId64, path, got, got == 1 ? "" : "s", name, n);
    if (rc == 0) memcpy(out, t.v, (size_t)n * sizeof *out);
    rt_tensor_free(&t);
    return rc;
  }
  Table t;
  RtReadBound bound;
  rt_data_bound(&bound, 1, n, 1, RT_TEXT_PER_VALUE);
  bound.what = name;
  if (csv_parse(path, &bound, &t, err, errlen)) return -1;
  int rc = 0;
  if (t.rows > 1 && t.cols > 1)
    rc =
        rt_data_errf(err, errlen,
                     "'%s' holds a %" PRId64 " x %" PRId64 " matrix, but %s is a vector of %" PRId64
                     " (one number per line, or a single row)",
                     path, t.rows, t.cols, name, n);
  else if (t.rows * t.cols != n)
    rc = rt_data_errf(err, errlen, "'%s' holds %" PRId64 " number%s but %s has %" PRId64 "%s", path,
                      t.rows * t.cols, t.rows * t.cols == 1 ? "" : "s", name, n,
                      t.header_line ? " (its first line was read as a header)" : "");
  else
    memcpy(out, t.v, (size_t)n * sizeof *out);
  free(t.v);
  return rc;
}

RT_API int rt_save_csv(const char *path, RtShape shape, const double *v, RtErr e) {
  int rank = shape.rank;
  int64_t rows = shape.rows, cols = shape.cols;
  char *err = e.buf;
  size_t errlen = e.len;
  if (rank == 0) rows = cols = 1;
  if (rank == 1) cols = 1;
  if (rank < 0 || rank > 2 || rows < 0 || cols < 0)
    return rt_data_errf(err, errlen,
                        "'%s': invalid shape to write (rank %d, %" PRId64 " x %" PRId64 ")", path,
                        rank, rows, cols);
  int to_stdout = !strcmp(path, "-");
  FILE *f = to_stdout ? stdout : fopen(path, "w");
  if (!f) return rt_data_errf(err, errlen, "'%s': cannot write: %s", path, strerror(errno));
  for (int64_t i = 0; i < rows; i++) {
    for (int64_t j = 0; j < cols; j++) {
      double x = v[i * cols + j];
      /* non-finite values as nan/inf/-inf: glibc's %g prints a NaN with its sign bit set
       * (log of a negative number gives one) as "-nan" */
      char buf[RT_FMT_NUM_LEN];
      if (isfinite(x)) fprintf(f, j ? ",%.17g" : "%.17g", x);
      else fprintf(f, j ? ",%s" : "%s", rt_fmt_num(x, buf));
    }
    fputc('\n', f);
  }
  int bad = ferror(f);
  int code = errno;
  if (to_stdout) {
    if (fflush(f)) bad = 1, code = errno;
  } else if (fclose(f)) {
    bad = 1, code = errno;
  }
  if (bad) return rt_data_errf(err, errlen, "'%s': write failed: %s", path, strerror(code));
  return 0;
}

/* ------------------------------------------------------------------ row ranges */

RT_API int rt_load_csv_rows(const char *path, RtShape want, RtRows rows, RtTensor *out,
                            RtErr e) {
  memset(out, 0, sizeof *out);
  if (rt_rows_check(path, want, rows, e)) return -1;
  Table t;
  memset(&t, 0, sizeof t);
  t.path = path;
  t.err = e.buf;
  t.errlen = e.len;
  RtReadBound bound;
  rt_data_bound(&bound, want.rank, want.rows, want.cols, RT_TEXT_PER_VALUE);
  RtLines L;
  if (rt_lines_open(&L, path, &bound, e)) return -1;
  int rc = 0, seen = 0, one_row = 0;
  int64_t r1 = rows.r0 + rows.n, first_cols = 0;
  const char *s, *end;
  int got;
  while ((got = rt_lines_next(&L, &s, &end, e)) == 1) {
    Line ln = {s, end, L.no};
    if (L.no == 1) ln.s = rt_text_bom(s, end);
    if (memchr(ln.s, 0, (size_t)(ln.e - ln.s))) { /* every rank sees it: no number parsed */
      rc = rt_data_errf(e.buf, e.len, "'%s' line %" PRId64 ": contains a NUL byte (is this a "
                        "binary file?)", path, L.no);
      break;
    }
    if (rt_text_cr_inside(ln.s, ln.e)) {
      rc = rt_text_cr_error(e.buf, e.len, path, L.no);
      break;
    }
    if (skipped(&ln)) continue;
    t.line = L.no;
    if (!seen) {
      seen = 1;
      if (is_header(&ln)) {
        t.header_line = L.no;
        for_each_field(&ln, count_field, &t.header_fields);
        continue;
      }
    }
    if (t.rows == 0) { /* the first data line: its fields are the file's columns */
      for_each_field(&ln, count_field, &first_cols);
      if ((t.seq_from = counts_columns(&ln)) >= 0) t.seq_line = L.no;
      /* a vector written as one row: its numbers are the rows (read whole, it is one line) */
      one_row = want.rank == 1 && first_cols > 1;
    }
    int64_t k = t.rows++; /* data row k (0-based) */
    if (!one_row && (k < rows.r0 || k >= r1)) continue;
    int64_t before = t.n;
    t.commas = memchr(ln.s, ',', (size_t)(ln.e - ln.s)) != NULL;
    if (for_each_field(&ln, store_field, &t)) {
      rc = -1;
      break;
    }
    if (t.n - before != first_cols) {
      rc = rt_data_errf(e.buf, e.len, "'%s' line %" PRId64 ": expected %" PRId64 " fields, found %"
                        PRId64, path, L.no, first_cols, t.n - before);
      break;
    }
  }
  rt_lines_close(&L);
  if (got < 0) rc = -1;
  if (rc == 0 && t.rows == 0)
    rc = rt_data_errf(e.buf, e.len, t.header_line ? "'%s' has a header line but no numbers"
                                                  : "'%s' holds no numbers", path);
  RtTensor r = {0};
  if (rc == 0) {
    char holds[96], hint[256];
    csv_holds(t.rows, first_cols, holds, sizeof holds);
    shape_hint(&t, t.rows, first_cols, want, NULL, hint, sizeof hint);
    RtFileTable found = {t.rows, first_cols, holds, hint[0] ? hint : NULL};
    rc = rt_data_fit_shape(path, want, &found, &r, e);
  }
  if (rc) {
    free(t.v);
    return -1;
  }
  if (one_row) /* the one line held the whole vector: keep the range */
    memmove(t.v, t.v + rows.r0, (size_t)rows.n * sizeof *t.v);
  r.rows = want.rank == 0 ? 1 : rows.n;
  r.v = t.v;
  if (!r.v) r.v = malloc(sizeof *r.v); /* an empty range: a valid block, as the loaders give */
  if (!r.v) return rt_oom_errf(e.buf, e.len, "'%s': out of memory", path);
  *out = r;
  return 0;
}

RT_API int rt_csv_locate(const char *path, RtShape want, int64_t i, int64_t j, int64_t *line,
                         int64_t *field) {
  char msg[256];
  RtErr e = rt_err(msg, sizeof msg);
  RtReadBound bound;
  rt_data_bound(&bound, want.rank, want.rows, want.cols, RT_TEXT_PER_VALUE);
  RtLines L;
  if (rt_lines_open(&L, path, &bound, e)) return -1;
  int seen = 0, got, rc = -1;
  int64_t k = 0;
  const char *s, *end;
  while ((got = rt_lines_next(&L, &s, &end, e)) == 1) { /* the loaders' rules, not their checks */
    Line ln = {s, end, L.no};
    if (L.no == 1) ln.s = rt_text_bom(s, end);
    if (skipped(&ln)) continue;
    if (!seen) {
      seen = 1;
      if (is_header(&ln)) continue;
    }
    int64_t nf = 0;
    if (k == 0 && want.rank == 1 && !for_each_field(&ln, count_field, &nf) && nf > 1) {
      *line = L.no; /* a vector written as one row */
      *field = i + 1;
      rc = i < nf ? 0 : -1;
      break;
    }
    if (k++ == i) {
      *line = L.no;
      *field = j + 1;
      rc = 0;
      break;
    }
  }
  rt_lines_close(&L);
  return rc;
}
