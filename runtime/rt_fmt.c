/* rt_fmt.c — shortest round-tripping number text, the nearest name (see rt_fmt.h). */
#include "rt_fmt.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
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
