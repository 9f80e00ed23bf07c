/* rt_libsvm.c — load_libsvm: sparse "label idx:val ..." lines (LIBSVM / SVMlight) into the dense
 * matrix [label | features] the declaration sizes. Two passes: count the examples (so the row
 * count is checked before allocating), then parse and scatter. */
#include "rt_data_impl.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
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

RT_API int rt_load_libsvm(const char *path, RtShape want, RtTensor *out, RtErr failure) {
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
  unsigned char *buf;
  size_t len;
  RtReadBound bound; /* each row holds at most `cols` numbers, as text */
  rt_data_bound(&bound, rank, rows, cols, RT_TEXT_PER_VALUE);
  if (rt_data_read_file(path, &bound, &buf, &len, err, errlen)) return -1;
  if (bound.over) { /* text has no header to explain the size: just refuse */
    free(buf);
    return rt_data_too_large(path, &bound, err, errlen);
  }
  const char *b = (const char *)buf, *end = b + len;
  int rc = -1;

  int64_t n = 0, n_lines = 0;
  for (const char *p = b; p < end;) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *s = p, *e = nl ? nl : end;
    p = nl ? nl + 1 : end;
    if (memchr(s, 0, (size_t)(e - s))) {
      rt_data_errf(err, errlen, "'%s' line %" PRId64 ": contains a NUL byte (is this a binary "
                   "file?)", path, n_lines + 1);
      goto done;
    }
    n_lines++;
    trim_line(&s, &e);
    if (s < e) n++;
  }
  char holds[64];
  snprintf(holds, sizeof holds, "%" PRId64 " example%s", n, n == 1 ? "" : "s");
  RtTensor t = {0};
  if (n == 0) {
    rt_data_errf(err, errlen, "'%s' holds no examples (only blank or comment lines)", path);
    goto done;
  }
  if (rt_data_fit_shape(path, rt_shape(rank, rows, cols), &(RtFileTable){n, cols, holds, NULL}, &t,
                        failure))
    goto done;
  if ((uint64_t)n > SIZE_MAX / sizeof(double) / (uint64_t)cols) {
    rt_data_errf(err, errlen, "'%s': %s is too large", path, decl);
    goto done;
  }
  t.v = calloc((size_t)n * (size_t)cols, sizeof(double));
  if (!t.v) {
    rt_data_errf(err, errlen, "'%s': out of memory for %s", path, decl);
    goto done;
  }

  int64_t row = 0, no = 0;
  for (const char *p = b; p < end;) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *s = p, *e = nl ? nl : end;
    p = nl ? nl + 1 : end;
    no++;
    trim_line(&s, &e);
    if (s == e) continue;
    double *r = t.v + row * cols;
    const char *tok = s, *te = s;
    while (te < e && !is_sp(*te)) te++;
    NumKind nk = num(tok, te, &r[0]);
    if (nk != NUM_OK) {
      int w = (int)(te - tok > 40 ? 40 : te - tok);
      int multi = memchr(tok, ',', (size_t)(te - tok)) != NULL;
      rt_data_errf(err, errlen, "'%s' line %" PRId64 ": label '%.*s%s' %s%s", path, no, w, tok,
                   te - tok > 40 ? "..." : "", num_problem(nk),
                   multi ? " (multi-label lines are not supported)" : "");
      goto fail;
    }
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
      if (!colon || colon == tok) {
        rt_data_errf(err, errlen, "'%s' line %" PRId64 ": '%.*s%s' is not index:value", path, no, w,
                     tok, ell);
        goto fail;
      }
      int64_t idx = 0;
      for (const char *c = tok; c < colon; c++) {
        if (*c < '0' || *c > '9' || idx > (INT64_MAX - 9) / 10) {
          rt_data_errf(err, errlen, "'%s' line %" PRId64 ": '%.*s%s' does not start with a feature "
                       "index", path, no, w, tok, ell);
          goto fail;
        }
        idx = 10 * idx + (*c - '0');
      }
      if (idx == 0) {
        rt_data_errf(err, errlen, "'%s' line %" PRId64 ": feature index 0 (indices are 1-based)",
                     path, no);
        goto fail;
      }
      if (idx <= prev) {
        rt_data_errf(err, errlen, "'%s' line %" PRId64 ": feature index %" PRId64 " after %" PRId64
                     " (indices must increase)", path, no, idx, prev);
        goto fail;
      }
      if (idx > cols - 1) {
        rt_data_errf(err, errlen,
                     "'%s' line %" PRId64 ": feature index %" PRId64 " is beyond the %" PRId64
                     " features of %s (column 0 is the label)",
                     path, no, idx, cols - 1, decl);
        goto fail;
      }
      nk = num(colon + 1, te, &r[idx]);
      if (nk != NUM_OK) {
        rt_data_errf(err, errlen, "'%s' line %" PRId64 ": the value in '%.*s%s' %s", path, no, w,
                     tok, ell, num_problem(nk));
        goto fail;
      }
      prev = idx;
    }
    row++;
  }
  *out = t;
  rc = 0;
  goto done;
fail:
  rt_tensor_free(&t);
done:
  free(buf);
  return rc;
}
