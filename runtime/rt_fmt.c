/* rt_fmt.c — shortest round-tripping number text, the nearest name (see rt_fmt.h). */
#include "rt_fmt.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

RT_API const char *rt_fmt_num(double v, char *buf) {
  if (isnan(v)) {
    snprintf(buf, RT_FMT_NUM_LEN, "nan"); /* printf may say "-nan" */
    return buf;
  }
  if (isinf(v)) {
    snprintf(buf, RT_FMT_NUM_LEN, v > 0 ? "inf" : "-inf");
    return buf;
  }
  for (int prec = 15; prec < 17; prec++) {
    snprintf(buf, RT_FMT_NUM_LEN, "%.*g", prec, v);
    if (strtod(buf, NULL) == v) return buf;
  }
  snprintf(buf, RT_FMT_NUM_LEN, "%.17g", v);
  return buf;
}

RT_API const char *rt_fmt_g(double v, int prec, char *buf) {
  if (isnan(v)) snprintf(buf, RT_FMT_NUM_LEN, "nan");
  else snprintf(buf, RT_FMT_NUM_LEN, "%.*g", prec, v);
  return buf;
}

/* Levenshtein distance, bounded to short identifiers. */
static size_t edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > 63 || lb > 63) return (size_t)-1;
  size_t row[64];
  for (size_t j = 0; j <= lb; j++) row[j] = j;
  for (size_t i = 1; i <= la; i++) {
    size_t prev = row[0];
    row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t cur = row[j];
      size_t sub = prev + (a[i - 1] != b[j - 1]);
      size_t del = row[j] + 1, ins = row[j - 1] + 1;
      row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
      prev = cur;
    }
  }
  return row[lb];
}

RT_API const char *rt_nearest_name(const char *name, const char *const *names, size_t n) {
  const char *best = NULL;
  size_t best_d = (size_t)-1;
  size_t len = strlen(name);
  size_t limit = len <= 3 ? 1 : len <= 6 ? 2 : 3;
  for (size_t i = 0; i < n; i++) {
    if (!names[i] || strcmp(names[i], name) == 0) continue;
    size_t dist = edit_distance(name, names[i]);
    if (dist <= limit && dist < best_d) {
      best_d = dist;
      best = names[i];
    }
  }
  return best;
}

RT_API int rt_parse_decimal(const char *text, double *out) {
  if (!*text || strpbrk(text, "xXnNiI") || isspace((unsigned char)text[0])) return -1;
  char *end;
  errno = 0;
  double d = strtod(text, &end);
  if (*end != '\0' || (errno == ERANGE && fabs(d) >= 1) || !isfinite(d)) return -1;
  *out = d;
  return 0;
}

RT_API const char *rt_list_sep(int k, int n, const char *last) {
  return k == 0 ? "" : last && k == n - 1 ? last : ", ";
}

/* The start of the UTF-8 sequence holding s[i] (a cut never splits a character). */
static size_t fit_unit(const char *s, size_t i) {
  while (i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80) i--;
  return i;
}

/* Cuts each quoted text of m (NUL-terminated) longer than RT_FIT_KEEP * 2 + 3 to its ends, in
 * place; returns the new length. */
static size_t fit_quoted(char *m, size_t n) {
  size_t w = 0;
  for (size_t i = 0; i < n;) {
    const char *close = m[i] == '\'' ? memchr(m + i + 1, '\'', n - i - 1) : NULL;
    if (!close) {
      m[w++] = m[i++];
      continue;
    }
    size_t a = i + 1, b = (size_t)(close - m); /* the quoted text is m[a, b) */
    m[w++] = m[i];
    if (b - a > 2 * RT_FIT_KEEP + 3) {
      size_t head = fit_unit(m, a + RT_FIT_KEEP), tail = fit_unit(m, b - RT_FIT_KEEP);
      memmove(m + w, m + a, head - a);
      w += head - a;
      memcpy(m + w, "...", 3);
      w += 3;
      a = tail;
    }
    memmove(m + w, m + a, b - a);
    w += b - a;
    m[w++] = '\'';
    i = b + 1;
  }
  m[w] = '\0';
  return w;
}

RT_API char *rt_vfit(char *buf, size_t len, const char *fmt, va_list ap) {
  va_list aq;
  va_copy(aq, ap);
  int n = vsnprintf(buf, len, fmt, aq);
  va_end(aq);
  if (n < 0 || (size_t)n < len || len < 8) return buf;
  char *m = malloc((size_t)n + 1);
  if (!m) return buf; /* out of memory: the message as vsnprintf cut it */
  vsnprintf(m, (size_t)n + 1, fmt, ap);
  size_t k = fit_quoted(m, (size_t)n);
  if (k < len) {
    memcpy(buf, m, k + 1);
  } else { /* a third of the room for the start, the rest for the end, where the reason is */
    size_t room = len - 4, head = fit_unit(m, room / 3), tail = k - (room - head);
    while (tail < k && ((unsigned char)m[tail] & 0xc0) == 0x80) tail++;
    memcpy(buf, m, head);
    memcpy(buf + head, "...", 3);
    memcpy(buf + head + 3, m + tail, k - tail + 1);
  }
  free(m);
  return buf;
}
