/* rt_progress.c — the progress line (rt_progress.h). Pure formatting, so it is unit-tested on
 * its own (tests/unit/test_progress.c); rt_run.c decides when to print it. */
#include "rt_progress.h"

#include "rt_fmt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if !defined(_WIN32)
#include <sys/ioctl.h>
#endif

static void fmt_duration(char *buf, size_t n, double t) {
  if (!isfinite(t) || t < 0) snprintf(buf, n, "?");
  else if (t < 60) snprintf(buf, n, "%.1fs", t);
  else if (t < 3600) snprintf(buf, n, "%dm%02ds", (int)(t / 60), (int)fmod(t, 60));
  else snprintf(buf, n, "%dh%02dm", (int)(t / 3600), (int)fmod(t / 60, 60));
}

/* Append s to buf[len..] if the result stays within limit characters (and buf's size). */
static bool append(char *buf, size_t n, size_t *len, size_t limit, const char *s) {
  size_t k = strlen(s);
  if (*len + k > limit || *len + k >= n) return false;
  memcpy(buf + *len, s, k + 1);
  *len += k;
  return true;
}

RT_API size_t rt_progress_format(char *buf, size_t n, const RtProgressLine *pl, int width) {
  if (n == 0) return 0;
  size_t limit = width > 0 ? (size_t)width - 1 : (size_t)-1;
  char head[160], tail[96], item[160], el[32], eta[32], hg[RT_FMT_NUM_LEN] = "-";
  char f[RT_FMT_NUM_LEN];
  if (pl->done > 0) rt_fmt_g(pl->hg, 3, hg);
  snprintf(head, sizeof head, "%s: step %lld/%lld  f %s  |hypergrad| %s", pl->method,
           (long long)pl->done, (long long)pl->total, rt_fmt_g(pl->f, 6, f), hg);
  fmt_duration(el, sizeof el, pl->elapsed);
  fmt_duration(eta, sizeof eta, pl->eta);
  if (pl->last) snprintf(tail, sizeof tail, "  elapsed %s", el);
  else snprintf(tail, sizeof tail, "  elapsed %s  ETA %s", el, eta);
  size_t len = 0;
  buf[0] = '\0';
  if (!append(buf, n, &len, limit, head)) { /* not even the head fits: cut it */
    size_t k = strlen(head);
    if (k > limit) k = limit;
    if (k >= n) k = n - 1;
    memcpy(buf, head, k);
    buf[k] = '\0';
    return k;
  }
  /* the reports that fit with the tail; on a narrow terminal the tail shrinks to the ETA (the
   * elapsed time on the last line), then goes */
  if (len + strlen(tail) > limit) {
    if (pl->last) snprintf(tail, sizeof tail, "  %s", el);
    else snprintf(tail, sizeof tail, "  ETA %s", eta);
  }
  size_t tlen = strlen(tail);
  size_t room = limit >= tlen ? limit - tlen : 0;
  for (int i = 0; i < pl->n_reports; i++) {
    const char *name = pl->report_names && pl->report_names[i] ? pl->report_names[i] : "report";
    char v[RT_FMT_NUM_LEN]; /* "nan", not glibc's "-nan" (rt_fmt_g) */
    snprintf(item, sizeof item, "  %s %s", name, rt_fmt_g(pl->reports[i], 6, v));
    if (!append(buf, n, &len, room, item)) break;
  }
  append(buf, n, &len, limit, tail);
  return len;
}

RT_API int rt_term_width(FILE *f) {
#if defined(TIOCGWINSZ)
  struct winsize ws;
  if (f && ioctl(fileno(f), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
#else
  (void)f;
#endif
  const char *c = getenv("COLUMNS");
  if (c && *c) {
    char *end;
    long w = strtol(c, &end, 10);
    if (*end == '\0' && w > 0 && w < 10000) return (int)w;
  }
  return 80;
}
