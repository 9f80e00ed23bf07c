/* rt_stream.c — files read front to back without holding them: the byte stream (plain or
 * gzip) and the line reader behind the row-range loaders (rt_data_impl.h), which read each
 * rank's rows of a file that every rank opens. */
#include "rt_data_impl.h"
#include "rt_mem.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifndef RT_NO_ZLIB
#include <zlib.h>
#endif

RT_API int rt_stream_open(RtStream *s, const char *path, RtErr e) {
  memset(s, 0, sizeof *s);
  s->path = path;
  s->size = -1;
  RtOpen o;
  if (rt_data_open(path, &o, e)) return -1;
  if (o.gz) {
#ifdef RT_NO_ZLIB
    close(o.fd);
    return rt_data_no_zlib(path, e.buf, e.len);
#else
    gzFile gz = gzdopen(o.fd, "rb");
    if (!gz) {
      close(o.fd);
      return rt_oom_errf(e.buf, e.len, "'%s': out of memory", path);
    }
    gzbuffer(gz, 1 << 17);
    s->gz = gz;
    return 0;
#endif
  }
  FILE *f = fdopen(o.fd, "rb");
  if (!f) {
    close(o.fd);
    return rt_data_errf(e.buf, e.len, "'%s': cannot open: %s", path, strerror(errno));
  }
  s->size = o.size;
#ifdef RT_NO_ZLIB
  if (o.size < 0) { /* a stream (zlib reads one otherwise): its first bytes are handed out first */
    unsigned char magic[2];
    size_t m = fread(magic, 1, 2, f);
    if (m == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
      fclose(f);
      return rt_data_no_zlib(path, e.buf, e.len);
    }
    memcpy(s->pend, magic, m);
    s->npend = (int)m;
  }
#endif
  s->f = f;
  return 0;
}

RT_API int64_t rt_stream_read(RtStream *s, void *buf, size_t n, RtErr e) {
  size_t got = 0;
  if (s->gz) {
#ifndef RT_NO_ZLIB
    while (got < n) {
      size_t want = n - got > (size_t)INT_MAX ? (size_t)INT_MAX : n - got;
      int r = gzread((gzFile)s->gz, (unsigned char *)buf + got, (unsigned)want);
      if (r <= 0) break;
      got += (size_t)r;
    }
    if (got < n && rt_data_gz_error(s->gz, s->path, e.buf, e.len)) return -1;
#endif
  } else {
    FILE *f = s->f;
    while (s->npend > 0 && got < n) {
      ((unsigned char *)buf)[got++] = s->pend[0];
      s->pend[0] = s->pend[1];
      s->npend--;
    }
    got += fread((unsigned char *)buf + got, 1, n - got, f);
    if (got < n && ferror(f))
      return rt_data_errf(e.buf, e.len, "'%s': read error: %s", s->path, strerror(errno));
  }
  s->pos += got;
  return (int64_t)got;
}

RT_API int rt_stream_skip(RtStream *s, uint64_t n, RtErr e) {
  if (!s->gz && s->size >= 0) { /* a regular file: seek, but not past its end */
    uint64_t left = (uint64_t)s->size > s->pos ? (uint64_t)s->size - s->pos : 0;
    if (n > left) n = left;
    if (n > (uint64_t)LONG_MAX || fseek((FILE *)s->f, (long)n, SEEK_CUR) != 0)
      return rt_data_errf(e.buf, e.len, "'%s': cannot seek: %s", s->path, strerror(errno));
    s->pos += n;
    return 0;
  }
  unsigned char scratch[1 << 14];
  while (n > 0) {
    size_t k = n > sizeof scratch ? sizeof scratch : (size_t)n;
    int64_t got = rt_stream_read(s, scratch, k, e);
    if (got < 0) return -1;
    if ((size_t)got < k) return 0;
    n -= k;
  }
  return 0;
}

RT_API int rt_stream_inflated(RtStream *s) {
#ifndef RT_NO_ZLIB
  if (s->gz) return !gzdirect((gzFile)s->gz);
#else
  (void)s; /* without zlib nothing is inflated (emitted solvers built without -DBLO_USE_ZLIB) */
#endif
  return 0;
}

RT_API void rt_stream_close(RtStream *s) {
#ifndef RT_NO_ZLIB
  if (s->gz) gzclose((gzFile)s->gz);
#endif
  if (s->f) fclose((FILE *)s->f);
  s->f = s->gz = NULL;
}

/* ------------------------------------------------------------------ lines */

RT_API int rt_lines_open(RtLines *r, const char *path, RtReadBound *bound, RtErr e) {
  memset(r, 0, sizeof *r);
  r->bound = bound;
  bound->over = 0;
  if (rt_stream_open(&r->st, path, e)) return -1;
  r->cap = 1 << 16;
  r->buf = malloc(r->cap + 1);
  if (!r->buf) {
    rt_stream_close(&r->st);
    return rt_oom_errf(e.buf, e.len, "'%s': out of memory", path);
  }
  r->buf[0] = 0;
  return 0;
}

/* Reads more of the file after the held bytes, moving them to the front and growing the
 * buffer when a line fills it. Returns 0 or -1. */
static int lines_fill(RtLines *r, RtErr e) {
  const char *path = r->st.path;
  if (r->beg > 0) {
    memmove(r->buf, r->buf + r->beg, r->end - r->beg);
    r->end -= r->beg;
    r->beg = 0;
  }
  if (r->end == r->cap) {
    size_t nc = r->cap > SIZE_MAX / 4 ? SIZE_MAX / 2 : 2 * r->cap;
    char *nb = realloc(r->buf, nc + 1);
    if (!nb) return rt_oom_errf(e.buf, e.len, "'%s': out of memory", path);
    r->buf = nb;
    r->cap = nc;
  }
  int64_t got = rt_stream_read(&r->st, r->buf + r->end, r->cap - r->end, e);
  if (got < 0) return -1;
  r->end += (size_t)got;
  r->buf[r->end] = 0;
  if (r->st.pos > r->bound->max_bytes) {
    r->bound->over = 1;
    return rt_data_too_large(path, r->bound, e.buf, e.len);
  }
  if (got == 0) {
    r->eof = 1;
    if (r->st.pos == 0)
      return rt_data_empty(e.buf, e.len, path, rt_stream_inflated(&r->st));
  }
  return 0;
}

RT_API int rt_lines_next(RtLines *r, const char **s, const char **e, RtErr err) {
  for (;;) {
    char *p = r->buf + r->beg, *end = r->buf + r->end;
    char *nl = memchr(p, '\n', (size_t)(end - p));
    /* a NUL before the line ends: the line so far, which every text loader refuses, rather
     * than a line that may never end (/dev/zero held gigabytes before) */
    if (!nl && memchr(p, 0, (size_t)(end - p))) nl = end;
    if (nl || (r->eof && p < end)) {
      *s = p;
      *e = nl ? nl : end;
      r->beg = nl && nl < end ? (size_t)(nl + 1 - r->buf) : r->end;
      r->no++;
      return 1;
    }
    if (r->eof) return 0;
    if (lines_fill(r, err)) return -1;
  }
}

RT_API void rt_lines_close(RtLines *r) {
  rt_stream_close(&r->st);
  free(r->buf);
  r->buf = NULL;
}

RT_API int rt_rows_check(const char *path, RtShape want, RtRows rows, RtErr e) {
  int64_t total = want.rank == 0 ? 1 : want.rows;
  if (want.rank < 0 || want.rank > 2 || total < 0)
    return rt_data_errf(e.buf, e.len, "'%s': a row range needs a declaration whose row count "
                        "is known", path);
  if (rows.r0 < 0 || rows.n < 0 || rows.r0 > total || rows.n > total - rows.r0 ||
      (want.rank == 0 && rows.n != 1))
    return rt_data_errf(e.buf, e.len, "'%s': rows %" PRId64 "..%" PRId64 " are outside the %"
                        PRId64 " rows of the declaration", path, rows.r0, rows.r0 + rows.n,
                        total);
  return 0;
}
