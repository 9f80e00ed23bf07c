/* rt_data.c — the common layer of the loaders (whole-file reading with transparent gzip, shape
 * checks, messages) and the two binary formats: IDX (MNIST family) and NPY. Every size read
 * from a header is checked against the bytes actually present before anything is allocated. */
#include "rt_data_impl.h"
#include "rt_fmt.h"
#include "rt_mem.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#ifndef RT_NO_ZLIB
#include <zlib.h>
#endif
#if defined(BLO_USE_LIBDEFLATE) && !defined(RT_NO_ZLIB)
#include <libdeflate.h>
#endif

RT_API void rt_tensor_free(RtTensor *t) {
  if (!t) return;
  free(t->v);
  memset(t, 0, sizeof *t);
}

RT_API int rt_data_errf(char *err, size_t errlen, const char *fmt, ...) {
  if (err && errlen) {
    va_list ap;
    va_start(ap, fmt);
    rt_vfit(err, errlen, fmt, ap); /* a long path leaves room for the reason */
    va_end(ap);
  }
  return -1;
}

RT_API const char *rt_text_bom(const char *s, const char *e) {
  return e - s >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3) ? s + 3 : s;
}

static int text_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

RT_API int rt_text_cr_inside(const char *s, const char *e) {
  /* the first CR decides: any later one is among what follows it */
  const char *cr = memchr(s, '\r', (size_t)(e - s));
  for (const char *q = cr ? cr + 1 : e; q < e; q++)
    if (!text_blank(*q)) return 1;
  return 0;
}

RT_API int rt_text_cr_error(char *err, size_t errlen, const char *path, int64_t no) {
  return rt_data_errf(err, errlen,
                      "'%s' line %" PRId64 ": its lines end with CR alone (classic Mac OS line "
                      "endings), which are not supported: use \\n or \\r\\n (tr '\\r' '\\n' "
                      "converts them)", path, no);
}

RT_API int rt_data_empty(char *err, size_t errlen, const char *path, int inflated) {
  int in = strcmp(path, "/dev/stdin") == 0 || strcmp(path, "/dev/fd/0") == 0;
  return rt_data_errf(err, errlen, "'%s' is empty%s%s", path,
                      inflated ? " (after gzip decompression)" : "",
                      in ? " (under mpirun only rank 0 receives standard input)" : "");
}

/* ------------------------------------------------------------------ reading files */

RT_API void rt_data_bound(RtReadBound *b, int rank, int64_t rows, int64_t cols, size_t per_value) {
  if (rank == 0) rows = cols = 1;
  if (rank == 1) cols = 1;
  rt_data_decl_str(rank, rows, cols, b->decl, sizeof b->decl);
  b->per_value = per_value;
  b->what = NULL;
  b->max_bytes = SIZE_MAX;
  b->over = 0;
  if (rows < 0 || cols < 0) return; /* RT_ANY: the caller accepts any size */
  uint64_t n = (uint64_t)rows;
  if (cols && n > UINT64_MAX / (uint64_t)cols) return;
  n *= (uint64_t)cols;
  if (per_value && n > (SIZE_MAX - RT_DATA_SLACK - 1) / per_value) return;
  b->max_bytes = RT_DATA_SLACK + (size_t)n * per_value;
}

RT_API int rt_data_too_large(const char *path, const RtReadBound *b, char *err, size_t errlen) {
  if (b->what) /* --init-x of another problem's x: "the declaration vector[50]" named none */
    return rt_data_errf(err, errlen,
                        "'%s' is too large for %s, a %s: it holds more than %zu bytes, far "
                        "more numbers than %s has",
                        path, b->what, b->decl, b->max_bytes, b->what);
  return rt_data_errf(err, errlen,
                      "'%s' is too large for the declaration %s: it holds more than %zu bytes "
                      "(a loader reads at most 1 MiB plus %zu bytes a number)",
                      path, b->decl, b->max_bytes, b->per_value);
}

/* Grows *b (capacity *cap) so that it has room for more bytes, never past limit + 1 (so that
 * a file one byte over the limit is seen) plus the NUL. Returns 0, or -1 when out of memory. */
static int grow_buf(unsigned char **b, size_t *cap, size_t limit) {
  size_t nc = *cap > SIZE_MAX / 4 ? SIZE_MAX / 2 : 2 * *cap;
  if (limit < SIZE_MAX - 2 && nc > limit + 1) nc = limit + 1;
  if (nc <= *cap) return 0;
  unsigned char *nb = realloc(*b, nc + 1);
  if (!nb) return -1;
  *b = nb;
  *cap = nc;
  return 0;
}

#ifdef RT_NO_ZLIB
/* Built without zlib (a generated solver without -DBLO_USE_ZLIB): a gzip file is an error that
 * says how to get zlib in (RT_NO_ZLIB_HINT). */
#ifndef RT_NO_ZLIB_HINT
#define RT_NO_ZLIB_HINT "build with zlib"
#endif
RT_API int rt_data_no_zlib(const char *path, char *err, size_t errlen) {
  return rt_data_errf(err, errlen,
                      "'%s' is gzip-compressed, but this program was built without zlib: %s", path,
                      RT_NO_ZLIB_HINT);
}
#else
/* The error of a gzip stream read to its end, if any: formats it and returns -1, else 0. */
static int gz_failed(gzFile gz, const char *path, char *err, size_t errlen) {
  int zerr = Z_OK;
  const char *zmsg = gzerror(gz, &zerr);
  if (zerr == Z_OK) return 0;
  /* zmsg belongs to gz: format the message before gzclose frees it. zlib prefixes it with
   * the name it knows, "<fd:N>: " (gzdopen), where our message says the path. */
  const char *named = zmsg && !strncmp(zmsg, "<fd:", 4) ? strstr(zmsg, ">: ") : NULL;
  if (named) zmsg = named + 3;
  if (zerr == Z_BUF_ERROR) return rt_data_errf(err, errlen, "'%s': truncated gzip stream", path);
  if (zerr == Z_ERRNO)
    return rt_data_errf(err, errlen, "'%s': read error: %s", path, strerror(errno));
  if (zerr == Z_MEM_ERROR)
    return rt_oom_errf(err, errlen, "'%s': out of memory decompressing", path);
  return rt_data_errf(err, errlen, "'%s': corrupt gzip stream (%s)", path,
                      zmsg ? zmsg : "unknown error");
}

RT_API int rt_data_gz_error(void *gz, const char *path, char *err, size_t errlen) {
  return gz_failed((gzFile)gz, path, err, errlen);
}

#ifdef BLO_USE_LIBDEFLATE
/* libdeflate inflates a whole buffer 2-3x faster than zlib's streaming inflate (hyper-cleaning's
 * 7.8 MB test images: 21 ms of CPU against 52; doc/performance.md). It is tried on a regular
 * file that is exactly one gzip member whose trailer's size (ISIZE, the output's length mod
 * 2^32) is within the bound and plausible for deflate (at most ~1032x the input): the output
 * buffer then has that size, and libdeflate checks the CRC and the length. Anything else --
 * several members, data after the member, a corrupt or truncated stream, a file larger than the
 * bound -- returns 1 and zlib reads the file (the fallback, which reports every error and reads
 * prefixes), so the results and the messages are zlib's. Returns 0 with *buf and *len set, 1
 * when zlib should read the file. BLOC_LIBDEFLATE=0 turns it off (tests compare both). */
/* Reads the n bytes at the start of fd without moving its offset; 0, or -1 when it cannot. */
static int pread_all(int fd, unsigned char *b, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = pread(fd, b + got, n - got, (off_t)got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return -1;
    got += (size_t)r;
  }
  return 0;
}

static int read_gzip_whole(const RtOpen *o, const RtReadBound *bound, unsigned char **buf,
                           size_t *len) {
  const char *env = getenv("BLOC_LIBDEFLATE");
  if (env && !strcmp(env, "0")) return 1;
  unsigned char tail[4];
  unsigned char *in = NULL, *out = NULL;
  int rc = 1;
  /* pread leaves the offset at 0 for zlib */
  if (o->size < 18 || (uint64_t)o->size > (uint64_t)SIZE_MAX / 2 ||
      pread(o->fd, tail, 4, (off_t)(o->size - 4)) != 4)
    goto done;
  size_t n = (size_t)o->size;
  size_t isize = (size_t)tail[0] | (size_t)tail[1] << 8 | (size_t)tail[2] << 16 |
                 (size_t)tail[3] << 24;
  if (isize == 0 || isize > bound->max_bytes || isize / 1032 > n) goto done;
  in = malloc(n);
  out = malloc(isize + 1);
  if (!in || !out || pread_all(o->fd, in, n) != 0) goto done;
  struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
  if (!d) goto done;
  size_t used = 0, got = 0;
  enum libdeflate_result r = libdeflate_gzip_decompress_ex(d, in, n, out, isize, &used, &got);
  libdeflate_free_decompressor(d);
  if (r != LIBDEFLATE_SUCCESS || used != n || got != isize) goto done;
  out[isize] = 0;
  *buf = out;
  *len = isize;
  out = NULL;
  rc = 0;
done:
  free(in);
  free(out);
  return rc;
}
#endif

/* Reads o->fd through zlib (and closes it): inflated when it starts with the gzip magic, as it
 * is otherwise (a FIFO or a pipe, which cannot be looked at first). */
static int read_gzip(const RtOpen *o, const char *path, size_t hint, RtReadBound *bound,
                     unsigned char **buf, size_t *len, RtErr e) {
  char *err = e.buf;
  size_t errlen = e.len;
  size_t limit = bound->max_bytes;
#ifdef BLO_USE_LIBDEFLATE
  if (read_gzip_whole(o, bound, buf, len) == 0) {
    close(o->fd);
    return 0;
  }
#endif
  gzFile gz = gzdopen(o->fd, "rb");
  if (!gz) {
    close(o->fd);
    return rt_oom_errf(err, errlen, "'%s': out of memory", path);
  }
  gzbuffer(gz, 1 << 17);
  size_t cap = hint < (1u << 16) ? (1u << 16) : hint, n = 0;
  if (limit < SIZE_MAX - 2 && cap > limit + 1) cap = limit + 1;
  unsigned char *b = malloc(cap + 1);
  if (!b) {
    gzclose(gz);
    return rt_oom_errf(err, errlen, "'%s': out of memory", path);
  }
  while (n <= limit) {
    if (n == cap && grow_buf(&b, &cap, limit)) {
      free(b);
      gzclose(gz);
      return rt_oom_errf(err, errlen, "'%s': out of memory decompressing", path);
    }
    if (n == cap) break; /* cap == limit + 1 == n: too large */
    size_t want = cap - n > (size_t)INT_MAX ? (size_t)INT_MAX : cap - n;
    int got = gzread(gz, b + n, (unsigned)want);
    if (got <= 0) break;
    n += (size_t)got;
  }
  if (n > limit) { /* the rest is not read: a corrupt tail past the bound goes unseen */
    n = limit;
    bound->over = 1;
  } else if (gz_failed(gz, path, err, errlen)) {
    free(b);
    gzclose(gz);
    return -1;
  }
  int direct = gzdirect(gz);
  gzclose(gz);
  if (n == 0) {
    free(b);
    return rt_data_empty(err, errlen, path, !direct);
  }
  b[n] = 0;
  *buf = b;
  *len = n;
  return 0;
}
#endif

RT_API int rt_data_open(const char *path, RtOpen *o, RtErr e) {
  o->fd = -1;
  o->gz = 0;
  o->size = -1;
  if (!path || !*path) return rt_data_errf(e.buf, e.len, "empty file name");
  int fd = open(path, O_RDONLY);
  if (fd < 0) return rt_data_errf(e.buf, e.len, "'%s': cannot open: %s", path, strerror(errno));
  struct stat st;
  int have_st = fstat(fd, &st) == 0;
  if (have_st && S_ISDIR(st.st_mode)) {
    close(fd);
    return rt_data_errf(e.buf, e.len, "'%s' is a directory, not a data file", path);
  }
  o->fd = fd;
  if (have_st && S_ISREG(st.st_mode)) {
    unsigned char magic[2];
    o->size = (int64_t)st.st_size;
    o->gz = pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
  } else {
#ifndef RT_NO_ZLIB
    o->gz = 1;
#endif
  }
  return 0;
}

RT_API int rt_data_read_file(const char *path, RtReadBound *bound, unsigned char **buf,
                             size_t *len, char *err, size_t errlen) {
  RtReadBound unbounded = {SIZE_MAX, 0, "any shape", 0, NULL};
  if (!bound) bound = &unbounded;
  bound->over = 0;
  size_t limit = bound->max_bytes;
  *buf = NULL;
  *len = 0;
  RtOpen o;
  if (rt_data_open(path, &o, rt_err(err, errlen))) return -1;
  size_t size_hint = o.size > 0 ? (size_t)o.size : 0;
  if (o.gz) {
#ifdef RT_NO_ZLIB
    close(o.fd);
    return rt_data_no_zlib(path, err, errlen);
#else
    /* deflate expands by at most ~1032x; start at 4x the compressed size (at most 256 MiB) */
    size_t hint = size_hint > ((size_t)1 << 26) ? ((size_t)1 << 28) : 4 * size_hint;
    return read_gzip(&o, path, hint, bound, buf, len, rt_err(err, errlen));
#endif
  }
  FILE *f = fdopen(o.fd, "rb");
  if (!f) {
    close(o.fd);
    return rt_data_errf(err, errlen, "'%s': cannot open: %s", path, strerror(errno));
  }
  unsigned char magic[2];
  size_t m = fread(magic, 1, 2, f);
#ifdef RT_NO_ZLIB
  if (m == 2 && magic[0] == 0x1f && magic[1] == 0x8b) { /* a stream's (rt_data_open) */
    fclose(f);
    return rt_data_no_zlib(path, err, errlen);
  }
#endif
  if (size_hint > limit) size_hint = limit; /* read just what the bound allows */
  size_t cap = size_hint + 1 > 4096 ? size_hint + 1 : 4096, n = m;
  if (limit < SIZE_MAX - 2 && cap > limit + 1) cap = limit + 1;
  if (cap < 2) cap = 2;
  unsigned char *b = malloc(cap + 1);
  if (!b) {
    fclose(f);
    return rt_oom_errf(err, errlen, "'%s': out of memory (%zu bytes)", path, cap);
  }
  memcpy(b, magic, m);
  while (n <= limit) {
    if (n == cap && grow_buf(&b, &cap, limit)) {
      free(b);
      fclose(f);
      return rt_oom_errf(err, errlen, "'%s': out of memory", path);
    }
    if (n == cap) break;
    size_t got = fread(b + n, 1, cap - n, f);
    n += got;
    if (got == 0) break;
  }
  if (ferror(f)) {
    int e = errno;
    free(b);
    fclose(f);
    return rt_data_errf(err, errlen, "'%s': read error: %s", path, strerror(e));
  }
  fclose(f);
  if (n > limit) {
    n = limit;
    bound->over = 1;
  }
  if (n == 0) {
    free(b);
    return rt_data_empty(err, errlen, path, 0);
  }
  b[n] = 0;
  *buf = b;
  *len = n;
  return 0;
}

/* ------------------------------------------------------------------ shapes */

static void dim_str(int64_t d, char *buf, size_t len) {
  if (d == RT_ANY)
    snprintf(buf, len, "?");
  else
    snprintf(buf, len, "%" PRId64, d);
}

RT_API void rt_data_decl_str(int rank, int64_t rows, int64_t cols, char *buf, size_t len) {
  char a[32], b[32];
  dim_str(rows, a, sizeof a);
  dim_str(cols, b, sizeof b);
  if (rank == 0)
    snprintf(buf, len, "scalar");
  else if (rank == 1)
    snprintf(buf, len, "vector[%s]", a);
  else
    snprintf(buf, len, "matrix[%s, %s]", a, b);
}

RT_API void rt_data_describe_dims(const int64_t *dims, int ndim, char *buf, size_t len) {
  if (ndim == 0) {
    snprintf(buf, len, "a single number");
    return;
  }
  if (ndim == 1) {
    snprintf(buf, len, "a vector of %" PRId64 " numbers", dims[0]);
    return;
  }
  /* Over RT_DIMS_SHOWN dimensions, the first and last RT_DIMS_SHOWN / 2 around "..." and the
   * count: the 51 dimensions of an IDX header filled the buffer with the first 40, silently. */
  enum { RT_DIMS_SHOWN = 8 };
  int elide = ndim > RT_DIMS_SHOWN;
  size_t k = 0;
  int w = snprintf(buf, len, "a ");
  k = w > 0 ? (size_t)w : 0;
  uint64_t rest = 1;
  for (int i = 0; i < ndim; i++) {
    if (i > 0)
      rest = (dims[i] && rest > UINT64_MAX / (uint64_t)dims[i]) ? UINT64_MAX
                                                                : rest * (uint64_t)dims[i];
    if (k >= len || (elide && i >= RT_DIMS_SHOWN / 2 && i < ndim - RT_DIMS_SHOWN / 2)) continue;
    w = snprintf(buf + k, len - k, i ? " x %" PRId64 : "%" PRId64, dims[i]);
    k += w > 0 ? (size_t)w : 0;
    if (elide && i == RT_DIMS_SHOWN / 2 - 1 && k < len) {
      w = snprintf(buf + k, len - k, " x ...");
      k += w > 0 ? (size_t)w : 0;
    }
  }
  if (k >= len) return;
  if (ndim == 2)
    snprintf(buf + k, len - k, " matrix");
  else if (elide)
    snprintf(buf + k, len - k, " array of %d dimensions (flattened to %" PRId64 " x %" PRIu64 ")",
             ndim, dims[0], rest);
  else
    snprintf(buf + k, len - k, " array (flattened to %" PRId64 " x %" PRIu64 ")", dims[0], rest);
}

RT_API int rt_data_fit_shape(const char *path, RtShape want, const RtFileTable *found,
                             RtTensor *out, RtErr e) {
  int rank = want.rank;
  int64_t rows = want.rows, cols = want.cols;
  char *err = e.buf;
  size_t errlen = e.len;
  int64_t frows = found->rows, fcols = found->cols;
  const char *holds = found->holds, *hint = found->hint;
  char decl[96];
  if (rank == 0) rows = cols = 1;
  if (rank == 1) cols = 1;
  rt_data_decl_str(rank, rows, cols, decl, sizeof decl);
  if (rank < 0 || rank > 2 || rows < RT_ANY || cols < RT_ANY)
    return rt_data_errf(err, errlen,
                        "'%s': invalid expected shape (rank %d, %" PRId64 " x %" PRId64 ")", path,
                        rank, rows, cols);
  int ok;
  int64_t r = frows, c = fcols;
  if (rank == 0) {
    ok = frows == 1 && fcols == 1;
  } else if (rank == 1) {
    /* a vector's length, without a product that can overflow (a forged header's sizes) */
    int64_t n = frows == 1 ? fcols : fcols == 1 ? frows : -1;
    ok = n >= 0 && (rows == RT_ANY || n == rows);
    r = n;
    c = 1;
  } else {
    ok = (rows == RT_ANY || frows == rows) && (cols == RT_ANY || fcols == cols);
  }
  if (!ok)
    return rt_data_errf(err, errlen, "'%s' holds %s but the declaration says %s%s", path, holds,
                        decl, hint ? hint : "");
  out->rank = rank;
  out->rows = r;
  out->cols = c;
  return 0;
}

/* 0-based position of element i of a tensor, for messages: "[i]", "[row, col]", or, for the
 * storage of a tensor[T, K, d] declaration (dims3, else NULL), "[t, k, j]" as .blo indexes it. */
static void pos_str(const RtTensor *t, const int64_t *dims3, int64_t i, char *buf, size_t len) {
  if (dims3)
    snprintf(buf, len, "[%" PRId64 ", %" PRId64 ", %" PRId64 "]", i / (dims3[1] * dims3[2]),
             i / dims3[2] % dims3[1], i % dims3[2]);
  else if (t->rank == 2)
    snprintf(buf, len, "[%" PRId64 ", %" PRId64 "]", i / t->cols, i % t->cols);
  else if (t->rank == 1)
    snprintf(buf, len, "[%" PRId64 "]", i);
  else
    snprintf(buf, len, "(the scalar)");
}

/* The error for element i (value v, not finite) of a tensor shaped like t; returns -1. */
static int nonfinite_error(const char *path, const RtTensor *t, const int64_t *dims3, int64_t i,
                           double v, char *err, size_t errlen) {
  char p[96];
  pos_str(t, dims3, i, p, sizeof p);
  return rt_data_errf(err, errlen, "'%s': element %s is %s (only finite numbers are accepted)",
                      path, p,
                      isnan(v) ? "NaN"
                      : v > 0  ? "+Inf"
                               : "-Inf");
}

static int check_finite(const char *path, const RtTensor *t, const int64_t *dims3, char *err,
                        size_t errlen) {
  int64_t n = t->rows * t->cols;
  for (int64_t i = 0; i < n; i++)
    if (!isfinite(t->v[i])) return nonfinite_error(path, t, dims3, i, t->v[i], err, errlen);
  return 0;
}

static uint64_t sat_mul(uint64_t a, uint64_t b) {
  if (a && b > UINT64_MAX / a) return UINT64_MAX;
  return a * b;
}

/* ------------------------------------------------------------------ element decoding */

typedef enum ElemKind { EK_U, EK_I, EK_F, EK_B } ElemKind;

static double decode(const unsigned char *p, ElemKind k, int size, int big) {
  unsigned char q[8];
  for (int i = 0; i < size; i++) q[i] = big ? p[size - 1 - i] : p[i]; /* q is little-endian */
  uint64_t u = 0;
  for (int i = size - 1; i >= 0; i--) u = (u << 8) | q[i];
  switch (k) {
  case EK_B: return u != 0;
  case EK_U: return (double)u;
  case EK_I:
    if (size < 8 && (u >> (8 * size - 1)) & 1) u |= ~UINT64_C(0) << (8 * size); /* sign-extend */
    return (double)(int64_t)u;
  case EK_F:
    if (size == 4) {
      uint32_t w = (uint32_t)u;
      float f;
      memcpy(&f, &w, 4);
      return f;
    } else {
      double d;
      memcpy(&d, &u, 8);
      return d;
    }
  }
  return 0;
}

/* ------------------------------------------------------------------ IDX */

/* An IDX file checked against its declaration, its values still in the file's encoding: a
 * u8 image file takes 1 byte per pixel here against 8 as doubles, so a caller that wants a
 * few rows decodes just those (rt_idx_read). */
struct RtIdxFile {
  unsigned char *buf;        /* the whole (decompressed) file */
  const unsigned char *vals; /* the values, row-major, big-endian */
  ElemKind kind;
  int esize;
  RtTensor shape;            /* rank, rows, cols as declared (v unused) */
  int64_t nread;             /* rows read: shape.rows, or fewer (rt_idx_open_rows) */
};

/* Decodes n consecutive values from p into out. */
static void idx_decode(const RtIdxFile *f, const unsigned char *p, int64_t n, double *out) {
  if (f->kind == EK_U && f->esize == 1) {
    for (int64_t i = 0; i < n; i++) out[i] = p[i]; /* exact: every byte is a double */
  } else {
    for (int64_t i = 0; i < n; i++) out[i] = decode(p + i * f->esize, f->kind, f->esize, 1);
  }
}

/* The bytes of path's header and first `want` items, from its header; 0 when that is not
 * known (an unreadable or malformed header: the caller reads the whole file, which reports
 * it) or path is not a regular file (a FIFO or a pipe, whose header read here would be lost
 * to the caller's read). Reading the header inflates one gzip block. */
static size_t idx_prefix_bytes(const char *path, int64_t want) {
  RtReadBound hb = {4 + 4 * 255, 8, "the header", 0, NULL};
  unsigned char *b;
  size_t len, bytes = 0;
  char msg[8];
  struct stat st;
  if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return 0;
  if (rt_data_read_file(path, &hb, &b, &len, msg, sizeof msg)) return 0;
  size_t hdr = len >= 4 ? 4 + 4 * (size_t)b[3] : SIZE_MAX;
  if (len >= 4 && b[0] == 0 && b[1] == 0 && b[3] > 0 && len >= hdr) {
    int esize = b[2] == 0x08 || b[2] == 0x09   ? 1
                : b[2] == 0x0B                 ? 2
                : b[2] == 0x0C || b[2] == 0x0D ? 4
                                               : 8;
    uint64_t item = (uint64_t)esize;
    for (int i = 1; i < b[3]; i++) {
      const unsigned char *p = b + 4 + 4 * i;
      item = sat_mul(item, ((uint64_t)p[0] << 24) | ((uint64_t)p[1] << 16) | ((uint64_t)p[2] << 8) |
                               p[3]);
    }
    uint64_t n = sat_mul(item, (uint64_t)want);
    if (n < SIZE_MAX - hdr) bytes = hdr + (size_t)n;
  }
  free(b);
  return bytes;
}

RT_API int rt_idx_open(const char *path, RtShape want, RtIdxFile **out, RtErr e) {
  return rt_idx_open_rows(path, want, -1, out, e);
}

/* An IDX file's sizes from its header, for the short-file message. */
typedef struct IdxSize {
  uint64_t items, per_item, item_bytes;
  int ndim;
  const char *tname;
} IdxSize;

/* The error of an IDX file with `have` bytes of data, fewer than its header's items need (the
 * whole-file and the row readers'); returns -1. */
static int idx_short_error(char *err, size_t errlen, const char *path, const IdxSize *z,
                           uint64_t have) {
  uint64_t held = z->item_bytes ? have / z->item_bytes : 0;
  char each[64] = "";
  if (z->ndim > 1)
    snprintf(each, sizeof each, " (each item is %" PRIu64 " %s values)", z->per_item, z->tname);
  return rt_data_errf(err, errlen,
                      "'%s': header says %" PRIu64 " items but the file holds %s%" PRIu64 "%s%s",
                      path, z->items, held < z->items ? "only " : "", held,
                      z->item_bytes && have % z->item_bytes ? " and part of another" : "", each);
}

RT_API int rt_idx_open_rows(const char *path, RtShape shape, int64_t want, RtIdxFile **out,
                            RtErr e) {
  int rank = shape.rank;
  int64_t rows = shape.rows, cols = shape.cols;
  char *err = e.buf;
  size_t errlen = e.len;
  *out = NULL;
  unsigned char *b;
  size_t len;
  RtReadBound bound;
  rt_data_bound(&bound, rank, rows, cols, 8); /* IDX values take at most 8 bytes */
  /* a prefix: the header and the first `want` items, when that is less than the bound */
  size_t prefix =
      want >= 0 && rank >= 1 && rows >= 0 && want < rows ? idx_prefix_bytes(path, want) : 0;
  if (prefix && prefix < bound.max_bytes) bound.max_bytes = prefix;
  else prefix = 0;
  if (rt_data_read_file(path, &bound, &b, &len, err, errlen)) return -1;
  int rc = -1;
  if (len < 4) {
    rt_data_errf(err, errlen, "'%s': too short for an IDX header (%zu bytes)", path, len);
    goto done;
  }
  if (b[0] != 0 || b[1] != 0) {
    rt_data_errf(err, errlen,
                 "'%s': not an IDX file (it starts with bytes %02x %02x, expected 00 00)", path,
                 b[0], b[1]);
    goto done;
  }
  ElemKind kind;
  int esize;
  const char *tname;
  switch (b[2]) {
  case 0x08: kind = EK_U, esize = 1, tname = "u8"; break;
  case 0x09: kind = EK_I, esize = 1, tname = "i8"; break;
  case 0x0B: kind = EK_I, esize = 2, tname = "i16"; break;
  case 0x0C: kind = EK_I, esize = 4, tname = "i32"; break;
  case 0x0D: kind = EK_F, esize = 4, tname = "f32"; break;
  case 0x0E: kind = EK_F, esize = 8, tname = "f64"; break;
  default:
    rt_data_errf(err, errlen,
                 "'%s': IDX type 0x%02X is not supported (supported: 0x08 u8, 0x09 i8, 0x0B i16, "
                 "0x0C i32, 0x0D f32, 0x0E f64)", path, b[2]);
    goto done;
  }
  int ndim = b[3];
  if (ndim == 0) {
    rt_data_errf(err, errlen, "'%s': IDX header declares 0 dimensions", path);
    goto done;
  }
  size_t hdr = 4 + 4 * (size_t)ndim;
  if (len < hdr) {
    rt_data_errf(err, errlen,
                 "'%s': truncated IDX header (%d dimensions need %zu bytes, the file has %zu)",
                 path, ndim, hdr, len);
    goto done;
  }
  int64_t dims[255];
  uint64_t per_item = 1;
  for (int i = 0; i < ndim; i++) {
    const unsigned char *p = b + 4 + 4 * i;
    dims[i] =
        (int64_t)(((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3]);
    if (i > 0) per_item = sat_mul(per_item, (uint64_t)dims[i]);
  }
  uint64_t items = (uint64_t)dims[0];
  uint64_t item_bytes = sat_mul(per_item, (uint64_t)esize);
  uint64_t need = sat_mul(items, item_bytes);
  uint64_t have = len - hdr;
  char holds[160];
  rt_data_describe_dims(dims, ndim, holds, sizeof holds);
  RtTensor t = {0};
  if (prefix) {
    /* the file goes on past the first `want` items, and its header agrees with the
     * declaration, items being its rows: keep those rows; else read it all (and report) */
    char ignored[8];
    RtFileTable found = {(int64_t)items, ndim == 1 ? 1 : (int64_t)per_item, holds, NULL};
    int fits = rt_data_fit_shape(path, shape, &found, &t, rt_err(ignored, sizeof ignored)) == 0 &&
               t.rows == (int64_t)items;
    if (!fits || !bound.over || len != hdr + (size_t)sat_mul((uint64_t)want, item_bytes)) {
      free(b);
      return rt_idx_open_rows(path, shape, -1, out, e);
    }
    items = (uint64_t)want; /* what follows checks the rows read */
    need = have;
  } else if (bound.over) { /* only a prefix was read: the header's shape may still explain why */
    int64_t fc = ndim == 1 ? 1 : (int64_t)per_item;
    int64_t fr = (int64_t)items;
    if (!rt_data_fit_shape(path, rt_shape(rank, rows, cols), &(RtFileTable){fr, fc, holds, NULL},
                           &t, e))
      rt_data_too_large(path, &bound, err, errlen);
    goto done;
  }
  /* a header whose shape is not the declaration's says so before its sizes are checked: a
   * forged or foreign header's sizes (4294967295 items of 18446744065119617025 values) explain
   * nothing */
  int64_t fc = ndim == 1 ? 1 : per_item > INT64_MAX ? INT64_MAX : (int64_t)per_item;
  RtFileTable found = {(int64_t)items, fc, holds, NULL};
  if (!prefix && rt_data_fit_shape(path, shape, &found, &t, e)) goto done;
  if (have != need) {
    if (have < need) {
      idx_short_error(err, errlen, path, &(IdxSize){items, per_item, item_bytes, ndim, tname},
                      have);
    } else {
      rt_data_errf(err, errlen, "'%s': header says %" PRIu64 " items but the file has %" PRIu64
                   " extra bytes after them", path, items, have - need);
    }
    goto done;
  }
  RtIdxFile *f = malloc(sizeof *f);
  if (!f) {
    rt_oom_errf(err, errlen, "'%s': out of memory", path);
    goto done;
  }
  *f = (RtIdxFile){b, b + hdr, kind, esize, t, (int64_t)items};
  if (kind == EK_F) {
    /* checked now, not when decoding, so that rt_idx_read cannot fail and a bad value is
     * reported even when the caller reads only some rows */
    uint64_t count = items * per_item;
    for (uint64_t i = 0; i < count; i++) {
      double v;
      idx_decode(f, f->vals + i * (uint64_t)esize, 1, &v);
      if (!isfinite(v)) {
        nonfinite_error(path, &t, NULL, (int64_t)i, v, err, errlen);
        free(f);
        goto done;
      }
    }
  }
  *out = f;
  return 0;
done:
  free(b);
  return rc;
}

RT_API const unsigned char *rt_idx_bytes(const RtIdxFile *f) {
  return f && f->kind == EK_U && f->esize == 1 ? f->vals : NULL;
}

RT_API void rt_idx_read(const RtIdxFile *f, int64_t r0, int64_t nrows, int64_t c0, int64_t ncols,
                        double *out) {
  int64_t cols = f->shape.cols;
  if (c0 == 0 && ncols == cols) { /* whole rows: one contiguous run */
    idx_decode(f, f->vals + (size_t)(r0 * cols) * (size_t)f->esize, nrows * cols, out);
    return;
  }
  for (int64_t i = 0; i < nrows; i++)
    idx_decode(f, f->vals + (size_t)((r0 + i) * cols + c0) * (size_t)f->esize, ncols,
               out + i * ncols);
}

RT_API int64_t rt_idx_rows_read(const RtIdxFile *f) { return f->nread; }

RT_API void rt_idx_close(RtIdxFile *f) {
  if (!f) return;
  free(f->buf);
  free(f);
}

RT_API int rt_load_idx(const char *path, RtShape want, RtTensor *out, RtErr e) {
  memset(out, 0, sizeof *out);
  RtIdxFile *f;
  if (rt_idx_open(path, want, &f, e)) return -1;
  RtTensor t = f->shape;
  uint64_t count = (uint64_t)t.rows * (uint64_t)t.cols;
  t.v = malloc((count ? count : 1) * sizeof(double));
  if (!t.v) {
    rt_idx_close(f);
    return rt_oom_errf(e.buf, e.len, "'%s': out of memory for %" PRIu64 " values", path, count);
  }
  rt_idx_read(f, 0, t.rows, 0, t.cols, t.v);
  rt_idx_close(f);
  *out = t;
  return 0;
}

RT_API int rt_load_idx_into(const char *path, RtShape want, double *dst, RtErr e) {
  int rank = want.rank;
  int64_t rows = want.rows, cols = want.cols;
  char *err = e.buf;
  size_t errlen = e.len;
  if ((rank >= 1 && rows == RT_ANY) || (rank == 2 && cols == RT_ANY) || !dst)
    return rt_data_errf(err, errlen, "'%s': rt_load_idx_into needs a known shape and a buffer",
                        path);
  RtIdxFile *f;
  if (rt_idx_open(path, want, &f, e)) return -1;
  rt_idx_read(f, 0, f->shape.rows, 0, f->shape.cols, dst);
  rt_idx_close(f);
  return 0;
}

/* ------------------------------------------------------------------ NPY */

typedef struct NpyHeader {
  char descr[32];
  int have_descr, have_order, have_shape;
  int fortran;
  int ndim;
  int64_t dims[32];
} NpyHeader;

static int isalnum_c(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static const char *skip_ws(const char *s) {
  while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') s++;
  return s;
}

/* A Python string literal in ' or " (no escapes occur in NPY headers); copies at most cap-1. */
static const char *parse_pystr(const char *s, char *buf, size_t cap) {
  char q = *s;
  if (q != '\'' && q != '"') return NULL;
  const char *e = strchr(s + 1, q);
  if (!e) return NULL;
  size_t n = (size_t)(e - s - 1);
  if (buf) {
    if (n >= cap) n = cap - 1;
    memcpy(buf, s + 1, n);
    buf[n] = 0;
  }
  return e + 1;
}

/* Skips one Python literal we might meet as an unknown value: string, True/False/None, number,
 * tuple or list (nested). Returns NULL when it is something else. */
static const char *skip_pyvalue(const char *s, int depth) {
  s = skip_ws(s);
  if (*s == '\'' || *s == '"') return parse_pystr(s, NULL, 0);
  if (*s == '(' || *s == '[') {
    if (depth > 8) return NULL;
    char close = *s == '(' ? ')' : ']';
    s = skip_ws(s + 1);
    while (*s != close) {
      s = skip_pyvalue(s, depth + 1);
      if (!s) return NULL;
      s = skip_ws(s);
      if (*s == ',') s = skip_ws(s + 1);
      else if (*s != close) return NULL;
    }
    return s + 1;
  }
  const char *st = s;
  while (*s && (isalnum_c(*s) || *s == '.' || *s == '-' || *s == '+')) s++;
  return s > st ? s : NULL;
}

static const char *repeated_key(const char *key) {
  return !strcmp(key, "descr") ? "the key 'descr' appears twice"
         : !strcmp(key, "shape") ? "the key 'shape' appears twice"
                                 : "the key 'fortran_order' appears twice";
}

/* Parses the header dict {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }.
 * Returns NULL, or what is wrong. */
static const char *parse_npy_header(const char *h, NpyHeader *nh) {
  memset(nh, 0, sizeof *nh);
  const char *s = skip_ws(h);
  if (*s != '{') return "it does not start with '{'";
  s = skip_ws(s + 1);
  while (*s != '}') {
    char key[32];
    s = parse_pystr(s, key, sizeof key);
    if (!s) return "expected a quoted key";
    s = skip_ws(s);
    if (*s != ':') return "expected ':' after a key";
    s = skip_ws(s + 1);
    /* numpy writes each key once; a repeated one (which dict() would let the last win, and
     * 'shape' used to append to) is a damaged or crafted header */
    if ((!strcmp(key, "descr") && nh->have_descr) ||
        (!strcmp(key, "fortran_order") && nh->have_order) ||
        (!strcmp(key, "shape") && nh->have_shape))
      return repeated_key(key);
    if (!strcmp(key, "descr")) {
      if (*s == '[') return "structured dtypes (a list of fields) are not supported";
      s = parse_pystr(s, nh->descr, sizeof nh->descr);
      if (!s) return "'descr' is not a string";
      nh->have_descr = 1;
    } else if (!strcmp(key, "fortran_order")) {
      if (!strncmp(s, "True", 4)) nh->fortran = 1, s += 4;
      else if (!strncmp(s, "False", 5)) nh->fortran = 0, s += 5;
      else return "'fortran_order' is neither True nor False";
      nh->have_order = 1;
    } else if (!strcmp(key, "shape")) {
      if (*s != '(') return "'shape' is not a tuple";
      s = skip_ws(s + 1);
      while (*s != ')') {
        if (*s < '0' || *s > '9') return "'shape' holds something other than non-negative integers";
        if (nh->ndim == 32) return "'shape' has more than 32 dimensions";
        int64_t d = 0;
        while (*s >= '0' && *s <= '9') {
          if (d > (INT64_MAX - 9) / 10) return "a dimension in 'shape' is too large";
          d = 10 * d + (*s++ - '0');
        }
        if (*s == 'L') s++; /* Python 2 longs */
        nh->dims[nh->ndim++] = d;
        s = skip_ws(s);
        if (*s == ',') s = skip_ws(s + 1);
        else if (*s != ')') return "expected ',' or ')' in 'shape'";
      }
      s++;
      nh->have_shape = 1;
    } else {
      s = skip_pyvalue(s, 0);
      if (!s) return "cannot read the value of an unknown key";
    }
    s = skip_ws(s);
    if (*s == ',') s = skip_ws(s + 1);
    else if (*s != '}') return "expected ',' or '}' after a value";
  }
  if (!nh->have_descr) return "no 'descr' key";
  if (!nh->have_order) return "no 'fortran_order' key";
  if (!nh->have_shape) return "no 'shape' key";
  return NULL;
}

static void npy_shape_str(const NpyHeader *nh, char *buf, size_t len) {
  size_t k = 0;
  int w = snprintf(buf, len, "(");
  k = (size_t)w;
  for (int i = 0; i < nh->ndim && k < len; i++) {
    w = snprintf(buf + k, len - k, i ? ", %" PRId64 : "%" PRId64, nh->dims[i]);
    k += w > 0 ? (size_t)w : 0;
  }
  if (k + (nh->ndim == 1 ? 2 : 1) < len) snprintf(buf + k, len - k, nh->ndim == 1 ? ",)" : ")");
  else if (len > 5) memcpy(buf + len - 5, "...)", 5); /* cut, but never silently */
}

static int host_big_endian(void) {
  const uint16_t one = 1;
  unsigned char c;
  memcpy(&c, &one, 1);
  return c == 0;
}

/* The dtype of a parsed header: kind, size in bytes and byte order (an optional order letter,
 * a kind letter, a size). Returns 0, or -1 with the message of an unsupported dtype. */
static int npy_dtype(const char *path, const NpyHeader *nh, ElemKind *kind_out, int *isz_out,
                     int *big_out, RtErr e) {
  const char *d = nh->descr;
  char order = '=';
  if (*d == '<' || *d == '>' || *d == '|' || *d == '=') order = *d++;
  ElemKind kind = EK_F;
  int isz = 0, ok = 1;
  if (!strcmp(d, "?")) {
    kind = EK_B, isz = 1;
  } else {
    switch (d[0]) {
    case 'f': kind = EK_F; break;
    case 'i': kind = EK_I; break;
    case 'u': kind = EK_U; break;
    case 'b': kind = EK_B; break;
    default: ok = 0;
    }
    if (ok && d[1] >= '1' && d[1] <= '8' && d[2] == 0) isz = d[1] - '0';
    if (kind == EK_F) ok = ok && (isz == 4 || isz == 8);
    else if (kind == EK_B) ok = ok && isz == 1;
    else ok = ok && (isz == 1 || isz == 2 || isz == 4 || isz == 8);
  }
  if (!ok) { /* -1 here, not rt_data_errf's value: gcc -O2 cannot see that it is nonzero, and
              * warns that load_npy may read the outputs unset (emitted solvers: -Wall clean) */
    rt_data_errf(e.buf, e.len,
                 "'%s': dtype '%s' is not supported (only f8 f4 i8 i4 i2 i1 u8 u4 u2 u1 "
                 "b1, little-endian '<' or big-endian '>')",
                 path, nh->descr);
    return -1;
  }
  *kind_out = kind;
  *isz_out = isz;
  *big_out = order == '>' || (order == '=' && host_big_endian());
  return 0;
}

/* ------------------------------------------------------------------ row ranges: IDX, NPY */

/* Where a binary file's values start and what they are, for the row-range loaders. */
typedef struct BinRows {
  const char *path;
  RtStream *st;
  ElemKind kind;
  int esize, big;
  uint64_t data;  /* offset of the first value */
  uint64_t count; /* values in the file (its header says) */
  RtTensor shape; /* the declared (global) shape */
  int check;      /* check floats finite as they are read (0: the caller checks them) */
} BinRows;

/* The error for a file whose data is not count values: have bytes were found (more than
 * needed: extra bytes). fmt 0 is IDX's wording, 1 NPY's (shp: its shape, descr its dtype). */
typedef struct BinSizeMsg {
  int npy;
  uint64_t items, per_item;
  int ndim;
  const char *tname, *shp, *descr;
} BinSizeMsg;

static int bin_size_error(const BinRows *b, const BinSizeMsg *m, uint64_t have, RtErr e) {
  uint64_t need = sat_mul(b->count, (uint64_t)b->esize);
  if (m->npy) {
    if (have < need)
      return rt_data_errf(e.buf, e.len, "'%s': shape %s of '%s' needs %" PRIu64 " bytes of data "
                          "but the file holds %" PRIu64, b->path, m->shp, m->descr, need, have);
    return rt_data_errf(e.buf, e.len, "'%s': %" PRIu64 " extra bytes after the data of shape %s",
                        b->path, have - need, m->shp);
  }
  uint64_t item_bytes = sat_mul(m->per_item, (uint64_t)b->esize);
  if (have > need)
    return rt_data_errf(e.buf, e.len, "'%s': header says %" PRIu64 " items but the file has %"
                        PRIu64 " extra bytes after them", b->path, m->items, have - need);
  return idx_short_error(e.buf, e.len, b->path,
                         &(IdxSize){m->items, m->per_item, item_bytes, m->ndim, m->tname}, have);
}

/* Checks the size of a plain file now; of a gzip one when the range ends at the last row
 * (reading on to its end, at most the loaders' bound past the data) or when a read came up
 * short (at). Returns 0 or -1. */
static int bin_check_size(const BinRows *b, const BinSizeMsg *m, int at_end, RtErr e) {
  uint64_t need = sat_mul(b->count, (uint64_t)b->esize);
  if (b->st->size >= 0) {
    uint64_t have = (uint64_t)b->st->size - b->data;
    return have == need ? 0 : bin_size_error(b, m, have, e);
  }
  if (!at_end) return 0;
  RtReadBound bound;
  rt_data_bound(&bound, b->shape.rank, b->shape.rows, b->shape.cols, 8);
  uint64_t limit = bound.max_bytes;
  if (rt_stream_skip(b->st, limit - b->st->pos + 1, e)) return -1;
  if (b->st->pos > limit) return rt_data_too_large(b->path, &bound, e.buf, e.len);
  uint64_t have = b->st->pos - b->data;
  return have == need ? 0 : bin_size_error(b, m, have, e);
}

/* Reads n values starting at value index v0 (at or after the stream's position) into
 * out[0], out[stride], ... (positions pos0, pos0 + pstride, ... of the declared shape, for
 * messages). Returns 0, or -1 on a read error, a short file (the size message) or a
 * non-finite float. */
typedef struct BinRun {
  uint64_t v0;
  int64_t n, stride, pos0, pstride;
} BinRun;

static int bin_read_run(const BinRows *b, const BinSizeMsg *m, BinRun r, double *out,
                        unsigned char *scratch, size_t scratch_len, RtErr e) {
  uint64_t at = b->data + r.v0 * (uint64_t)b->esize;
  if (at > b->st->pos && rt_stream_skip(b->st, at - b->st->pos, e)) return -1;
  int64_t per = (int64_t)(scratch_len / (size_t)b->esize);
  for (int64_t i = 0; i < r.n;) {
    int64_t k = r.n - i < per ? r.n - i : per;
    size_t want = (size_t)k * (size_t)b->esize;
    int64_t got = rt_stream_read(b->st, scratch, want, e);
    if (got < 0) return -1;
    if ((size_t)got < want) return bin_size_error(b, m, b->st->pos - b->data, e);
    for (int64_t j = 0; j < k; j++, i++) {
      double v = decode(scratch + j * b->esize, b->kind, b->esize, b->big);
      if (b->check && b->kind == EK_F && !isfinite(v))
        return nonfinite_error(b->path, &b->shape, NULL, r.pos0 + i * r.pstride, v, e.buf,
                               e.len);
      out[i * r.stride] = v;
    }
  }
  return 0;
}

/* The flat C-order values [r0 * cols, (r0 + n) * cols) of b into out. */
static int bin_read_rows(const BinRows *b, const BinSizeMsg *m, RtRows rows, double *out,
                         RtErr e) {
  unsigned char scratch[1 << 14];
  int64_t cols = b->shape.cols;
  BinRun r = {(uint64_t)(rows.r0 * cols), rows.n * cols, 1, rows.r0 * cols, 1};
  return bin_read_run(b, m, r, out, scratch, sizeof scratch, e);
}

/* A fresh tensor of the range's rows (cols a row), or -1 out of memory. */
static int rows_tensor(const char *path, const RtTensor *shape, RtRows rows, RtTensor *t,
                       RtErr e) {
  *t = *shape;
  t->rows = shape->rank == 0 ? 1 : rows.n;
  uint64_t count = (uint64_t)t->rows * (uint64_t)t->cols;
  t->v = malloc((count ? count : 1) * sizeof(double));
  if (!t->v)
    return rt_oom_errf(e.buf, e.len, "'%s': out of memory for %" PRIu64 " values", path, count);
  return 0;
}

/* What a binary row-range load starts from: the declaration, the range, the tensor to fill
 * and the stream to open. */
typedef struct RowsOpen {
  RtShape want;
  RtRows rows;
  RtTensor *out;
  RtStream *st;
} RowsOpen;

/* The start of a binary row-range load: o.out zeroed, the range checked against the
 * declaration, the file opened into o.st and up to n bytes of its header read into buf.
 * Returns how many were read (at least 1), or -1 with the message in e, an empty file
 * included, and the stream closed. */
static int64_t rows_open(const char *path, RowsOpen o, void *buf, size_t n, RtErr e) {
  memset(o.out, 0, sizeof *o.out);
  if (rt_rows_check(path, o.want, o.rows, e)) return -1;
  if (rt_stream_open(o.st, path, e)) return -1;
  int64_t got = rt_stream_read(o.st, buf, n, e);
  if (got == 0) rt_data_empty(e.buf, e.len, path, rt_stream_inflated(o.st));
  if (got > 0) return got;
  rt_stream_close(o.st);
  return -1;
}

RT_API int rt_load_idx_rows(const char *path, RtShape want, RtRows rows, RtTensor *out, RtErr e) {
  RtStream st;
  unsigned char hb[4 + 4 * 255];
  int64_t got = rows_open(path, (RowsOpen){want, rows, out, &st}, hb, 4, e);
  if (got < 0) return -1;
  int rc = -1;
  if (got < 4) {
    rt_data_errf(e.buf, e.len, "'%s': too short for an IDX header (%zu bytes)", path,
                 (size_t)got);
    goto done;
  }
  if (hb[0] != 0 || hb[1] != 0) {
    rt_data_errf(e.buf, e.len, "'%s': not an IDX file (it starts with bytes %02x %02x, expected "
                 "00 00)", path, hb[0], hb[1]);
    goto done;
  }
  BinRows b = {path, &st, EK_U, 1, 1, 0, 0, {0}, 1};
  const char *tname;
  switch (hb[2]) {
  case 0x08: b.kind = EK_U, b.esize = 1, tname = "u8"; break;
  case 0x09: b.kind = EK_I, b.esize = 1, tname = "i8"; break;
  case 0x0B: b.kind = EK_I, b.esize = 2, tname = "i16"; break;
  case 0x0C: b.kind = EK_I, b.esize = 4, tname = "i32"; break;
  case 0x0D: b.kind = EK_F, b.esize = 4, tname = "f32"; break;
  case 0x0E: b.kind = EK_F, b.esize = 8, tname = "f64"; break;
  default:
    rt_data_errf(e.buf, e.len,
                 "'%s': IDX type 0x%02X is not supported (supported: 0x08 u8, 0x09 i8, 0x0B i16, "
                 "0x0C i32, 0x0D f32, 0x0E f64)", path, hb[2]);
    goto done;
  }
  int ndim = hb[3];
  if (ndim == 0) {
    rt_data_errf(e.buf, e.len, "'%s': IDX header declares 0 dimensions", path);
    goto done;
  }
  size_t hdr = 4 + 4 * (size_t)ndim;
  got = rt_stream_read(&st, hb + 4, hdr - 4, e);
  if (got < 0) goto done;
  if ((size_t)got < hdr - 4) {
    rt_data_errf(e.buf, e.len, "'%s': truncated IDX header (%d dimensions need %zu bytes, the "
                 "file has %zu)", path, ndim, hdr, 4 + (size_t)got);
    goto done;
  }
  int64_t dims[255];
  uint64_t per_item = 1;
  for (int i = 0; i < ndim; i++) {
    const unsigned char *p = hb + 4 + 4 * i;
    dims[i] =
        (int64_t)(((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3]);
    if (i > 0) per_item = sat_mul(per_item, (uint64_t)dims[i]);
  }
  char holds[160];
  rt_data_describe_dims(dims, ndim, holds, sizeof holds);
  b.data = hdr;
  b.count = sat_mul((uint64_t)dims[0], per_item);
  BinSizeMsg m = {0, (uint64_t)dims[0], per_item, ndim, tname, NULL, NULL};
  RtFileTable found = {dims[0], ndim == 1 ? 1 : (int64_t)per_item, holds, NULL};
  if (b.st->size >= 0 && bin_check_size(&b, &m, 0, e)) goto done; /* as the whole load: first */
  if (rt_data_fit_shape(path, want, &found, &b.shape, e)) goto done;
  RtTensor t;
  if (rows_tensor(path, &b.shape, rows, &t, e)) goto done;
  if (bin_read_rows(&b, &m, rows, t.v, e) ||
      bin_check_size(&b, &m, rows.r0 + t.rows == b.shape.rows, e)) {
    rt_tensor_free(&t);
    goto done;
  }
  *out = t;
  rc = 0;
done:
  rt_stream_close(&st);
  return rc;
}

/* An NPY file opened and read up to its first value: its header, its dtype and the size
 * message's wording in b and m, its flattened table (rows x columns) in found. */
typedef struct NpyFile {
  RtStream st;
  NpyHeader nh;
  BinRows b;
  BinSizeMsg m;
  RtFileTable found;
  char shp[400], holds[400];
} NpyFile;

/* The preamble and header of an NPY file already open in f->st (got: how many of its first
 * 10 bytes are in pre). A zip archive (an .npz, numpy.savez) is named as such. Returns 0, or
 * -1 with a message. */
static int npy_header(const char *path, NpyFile *f, unsigned char *pre, int64_t got, RtErr e) {
  char *h = NULL;
  int rc = -1;
  if (got >= 4 && !memcmp(pre, "PK\x03\x04", 4)) {
    rt_data_errf(e.buf, e.len, "'%s': a zip archive (an .npz file, from numpy.savez), not an "
                 "NPY file: load_npy reads one array, as numpy.save(\"X.npy\", X) writes it "
                 "(unzip extracts an .npz's arrays, one .npy file each)", path);
    goto done;
  }
  if (got < 10 || memcmp(pre, "\x93NUMPY", 6) != 0) {
    rt_data_errf(e.buf, e.len, "'%s': not an NPY file (it does not start with \\x93NUMPY)", path);
    goto done;
  }
  int major = pre[6], minor = pre[7];
  size_t hstart = 10, hlen = (size_t)pre[8] | (size_t)pre[9] << 8;
  if (major == 2 || major == 3) {
    got = rt_stream_read(&f->st, pre + 10, 2, e);
    if (got < 0) goto done;
    if (got < 2) {
      rt_data_errf(e.buf, e.len, "'%s': truncated NPY preamble", path);
      goto done;
    }
    hstart = 12;
    hlen |= (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
  } else if (major != 1) {
    rt_data_errf(e.buf, e.len, "'%s': NPY version %d.%d is not supported (1.0, 2.0 and 3.0 are)",
                 path, major, minor);
    goto done;
  }
  RtStream *st = &f->st;
  if (st->size >= 0 && hlen > (uint64_t)st->size - hstart) { /* nothing allocated for a lie */
    rt_data_errf(e.buf, e.len, "'%s': truncated NPY header (it declares %zu bytes, the file has "
                 "%zu after the preamble)", path, hlen, (size_t)((uint64_t)st->size - hstart));
    goto done;
  }
  if (st->size < 0 && hlen > RT_DATA_SLACK) {
    rt_data_errf(e.buf, e.len, "'%s': its NPY header declares %zu bytes, more than a loader "
                 "reads (1 MiB)", path, hlen);
    goto done;
  }
  h = malloc(hlen + 1);
  if (!h) {
    rt_oom_errf(e.buf, e.len, "'%s': out of memory", path);
    goto done;
  }
  got = rt_stream_read(st, h, hlen, e);
  if (got < 0) goto done;
  if ((size_t)got < hlen) {
    rt_data_errf(e.buf, e.len, "'%s': truncated NPY header (it declares %zu bytes, the file has "
                 "%zu after the preamble)", path, hlen, (size_t)got);
    goto done;
  }
  h[hlen] = 0;
  NpyHeader *nh = &f->nh;
  const char *bad = parse_npy_header(h, nh);
  if (bad) {
    rt_data_errf(e.buf, e.len, "'%s': malformed NPY header: %s", path, bad);
    goto done;
  }
  f->b = (BinRows){path, st, EK_F, 8, 0, hstart + hlen, 1, {0}, 1};
  if (npy_dtype(path, nh, &f->b.kind, &f->b.esize, &f->b.big, e)) goto done;
  uint64_t rest = 1;
  for (int i = 0; i < nh->ndim; i++) {
    f->b.count = sat_mul(f->b.count, (uint64_t)nh->dims[i]);
    if (i > 0) rest = sat_mul(rest, (uint64_t)nh->dims[i]);
  }
  npy_shape_str(nh, f->shp, sizeof f->shp);
  rt_data_describe_dims(nh->dims, nh->ndim, f->holds, sizeof f->holds);
  f->m = (BinSizeMsg){1, 0, 0, nh->ndim, NULL, f->shp, nh->descr};
  f->found = (RtFileTable){nh->ndim == 0 ? 1 : nh->dims[0], nh->ndim <= 1 ? 1 : (int64_t)rest,
                           f->holds, NULL};
  rc = 0;
done:
  free(h);
  return rc;
}

/* The values of a Fortran-order array: rows are contiguous in each column, columns in
 * Fortran order of the trailing dimensions (cols of them: the file's, flattened). Reads every
 * column's run of the range, in file order (so that a gzip file is only read forwards). */
static int npy_fortran_rows(const BinRows *b, const BinSizeMsg *m, const NpyHeader *nh,
                            RtRows rows, double *out, RtErr e) {
  unsigned char scratch[1 << 14];
  int64_t cols = 1, mrows = nh->dims[0];
  for (int k = 1; k < nh->ndim; k++) cols *= nh->dims[k];
  int64_t idx[32] = {0}, cstride[32];
  cstride[nh->ndim - 1] = 1; /* the C-order column of a trailing multi-index */
  for (int k = nh->ndim - 2; k >= 1; k--) cstride[k] = cstride[k + 1] * nh->dims[k + 1];
  for (int64_t q = 0; q < cols; q++) {
    int64_t c = 0;
    for (int k = 1; k < nh->ndim; k++) c += idx[k] * cstride[k];
    BinRun r = {(uint64_t)(q * mrows + rows.r0), rows.n, cols, rows.r0 * cols + c, cols};
    if (bin_read_run(b, m, r, out + c, scratch, sizeof scratch, e)) return -1;
    for (int k = 1; k < nh->ndim; k++) /* the next trailing index, the first fastest */
      if (++idx[k] < nh->dims[k]) break;
      else idx[k] = 0;
  }
  return 0;
}

/* rt_load_npy (into dst, or a fresh tensor when dst is NULL), and rt_load_npy3 when dims3
 * (T, K, d) is given: then want is the stacked matrix[T*K, d] and the file must be exactly a
 * T x K x d array. The file is streamed and converted block by block (16 KiB) straight into
 * the doubles: the peak is the values and that block, whatever the dtype and order (reading
 * the whole file first took the file and the values, and a copy into the data stage's buffer
 * the values twice: 797 MB for Fashion-MNIST's 47 MB of u8). The messages are those of the
 * whole-file reading it replaces: a regular file past the declaration's bound gets the
 * shape's message when its header's shape disagrees, else rt_data_too_large's; a NaN is the
 * first in C order. */
static int load_npy(const char *path, RtShape want, const int64_t *dims3, double *dst,
                    RtTensor *out, RtErr e) {
  memset(out, 0, sizeof *out);
  NpyFile f;
  unsigned char pre[12];
  if (rt_stream_open(&f.st, path, e)) return -1;
  int64_t got = rt_stream_read(&f.st, pre, 10, e);
  if (got == 0) rt_data_empty(e.buf, e.len, path, rt_stream_inflated(&f.st));
  int rc = -1;
  if (got <= 0 || npy_header(path, &f, pre, got, e)) goto done;
  NpyHeader *nh = &f.nh;
  if (dims3 && (nh->ndim != 3 || nh->dims[0] != dims3[0] || nh->dims[1] != dims3[1] ||
                nh->dims[2] != dims3[2])) {
    rt_data_errf(e.buf, e.len, "'%s' holds %s%s but the declaration says tensor[%" PRId64 ", %"
                 PRId64 ", %" PRId64 "] (a 3-D array of that shape)", path,
                 nh->ndim >= 3 ? "an array of shape " : "", nh->ndim >= 3 ? f.shp : f.holds,
                 dims3[0], dims3[1], dims3[2]);
    goto done;
  }
  if (dims3) { /* the tasks' matrices stacked */
    f.found.rows = nh->dims[0] * nh->dims[1];
    f.found.cols = nh->dims[2];
  }
  RtReadBound bound;
  rt_data_bound(&bound, want.rank, want.rows, want.cols, 8); /* values take at most 8 bytes */
  RtTensor t;
  if (f.st.size >= 0 && (uint64_t)f.st.size > bound.max_bytes) { /* past the bound */
    if (!rt_data_fit_shape(path, want, &f.found, &t, e))
      rt_data_too_large(path, &bound, e.buf, e.len);
    goto done;
  }
  if (sat_mul(f.b.count, (uint64_t)f.b.esize) == UINT64_MAX) { /* no byte count to print */
    char have[64] = "";
    if (f.st.size >= 0)
      snprintf(have, sizeof have, " (the file holds %" PRIu64 ")",
               (uint64_t)f.st.size - f.b.data);
    rt_data_errf(e.buf, e.len, "'%s': shape %s of '%s' is too large: its data would need more "
                 "than 2^64 bytes%s", path, f.shp, nh->descr, have);
    goto done;
  }
  if (f.st.size >= 0 && bin_check_size(&f.b, &f.m, 0, e)) goto done;
  if (rt_data_fit_shape(path, want, &f.found, &t, e)) goto done;
  f.b.shape = t;
  uint64_t count = (uint64_t)t.rows * (uint64_t)t.cols;
  t.v = dst ? dst : malloc((count ? count : 1) * sizeof(double));
  if (!t.v) {
    rt_oom_errf(e.buf, e.len, "'%s': out of memory for %" PRIu64 " values", path, count);
    goto done;
  }
  f.b.check = 0; /* checked below in C order, the order of the message's position */
  int fortran = nh->fortran && nh->ndim >= 2;
  unsigned char scratch[1 << 14];
  if ((fortran ? npy_fortran_rows(&f.b, &f.m, nh, (RtRows){0, nh->dims[0]}, t.v, e)
               : bin_read_run(&f.b, &f.m, (BinRun){0, (int64_t)count, 1, 0, 1}, t.v, scratch,
                              sizeof scratch, e)) ||
      bin_check_size(&f.b, &f.m, 1, e) ||
      (f.b.kind == EK_F && check_finite(path, &t, dims3, e.buf, e.len))) {
    if (!dst) free(t.v);
    goto done;
  }
  *out = t;
  rc = 0;
done:
  rt_stream_close(&f.st);
  return rc;
}

RT_API bool rt_path_is_npy(const char *path) {
  size_t n = strlen(path);
  return n > 4 && path[n - 4] == '.' && tolower((unsigned char)path[n - 3]) == 'n' &&
         tolower((unsigned char)path[n - 2]) == 'p' && tolower((unsigned char)path[n - 1]) == 'y';
}

RT_API int rt_load_npy(const char *path, RtShape want, RtTensor *out, RtErr e) {
  return load_npy(path, want, NULL, NULL, out, e);
}

RT_API int rt_load_npy_into(const char *path, RtShape want, double *dst, RtErr e) {
  RtTensor t;
  if ((want.rank >= 1 && want.rows == RT_ANY) || (want.rank == 2 && want.cols == RT_ANY) || !dst)
    return rt_data_errf(e.buf, e.len, "'%s': rt_load_npy_into needs a known shape and a buffer",
                        path);
  return load_npy(path, want, NULL, dst, &t, e);
}

static int npy3(const char *path, int64_t t, int64_t k, int64_t d, double *dst, RtTensor *out,
                RtErr e) {
  int64_t dims3[3];
  dims3[0] = t;
  dims3[1] = k;
  dims3[2] = d;
  if (t < 1 || k < 1 || d < 1 || k > INT64_MAX / t) {
    memset(out, 0, sizeof *out);
    return rt_data_errf(e.buf, e.len, "'%s': invalid expected shape tensor[%" PRId64 ", %" PRId64
                        ", %" PRId64 "]", path, t, k, d);
  }
  return load_npy(path, rt_shape(2, t * k, d), dims3, dst, out, e);
}

RT_API int rt_load_npy3(const char *path, int64_t t, int64_t k, int64_t d, RtTensor *out, RtErr e) {
  return npy3(path, t, k, d, NULL, out, e);
}

RT_API int rt_load_npy3_into(const char *path, int64_t t, int64_t k, int64_t d, double *dst,
                             RtErr e) {
  RtTensor out;
  if (!dst)
    return rt_data_errf(e.buf, e.len, "'%s': rt_load_npy3_into needs a buffer", path);
  return npy3(path, t, k, d, dst, &out, e);
}

RT_API int rt_load_npy_rows(const char *path, RtShape want, RtRows rows, RtTensor *out, RtErr e) {
  NpyFile f;
  unsigned char pre[12];
  int64_t got = rows_open(path, (RowsOpen){want, rows, out, &f.st}, pre, 10, e);
  if (got < 0) return -1;
  int rc = -1;
  if (npy_header(path, &f, pre, got, e)) goto done;
  if (f.st.size >= 0 && bin_check_size(&f.b, &f.m, 0, e)) goto done;
  if (rt_data_fit_shape(path, want, &f.found, &f.b.shape, e)) goto done;
  int fortran = f.nh.fortran && f.nh.ndim >= 2;
  if (fortran && want.rank != 2) { /* a vector from a 1 x ... array: its order is its own */
    rt_stream_close(&f.st);
    RtTensor all;
    if (rt_load_npy(path, want, &all, e)) return -1;
    memmove(all.v, all.v + rows.r0, (size_t)rows.n * sizeof *all.v);
    all.rows = rows.n;
    *out = all;
    return 0;
  }
  RtTensor t;
  if (rows_tensor(path, &f.b.shape, rows, &t, e)) goto done;
  if ((fortran ? npy_fortran_rows(&f.b, &f.m, &f.nh, rows, t.v, e)
               : bin_read_rows(&f.b, &f.m, rows, t.v, e)) ||
      bin_check_size(&f.b, &f.m, rows.r0 + t.rows == f.b.shape.rows, e)) {
    rt_tensor_free(&t);
    goto done;
  }
  *out = t;
  rc = 0;
done:
  rt_stream_close(&f.st);
  return rc;
}
