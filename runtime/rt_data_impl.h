/* rt_data_impl.h — helpers shared by the loaders (rt_data.c, rt_csv.c, rt_libsvm.c): error
 * formatting, reading a whole (possibly gzipped) file, and checking a file's shape against the
 * declared one. Internal to the runtime; not installed. */
#ifndef BLOC_RT_DATA_IMPL_H
#define BLOC_RT_DATA_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "rt_api.h"
#include "rt_data.h"

/* snprintf into err (if err && errlen); always returns -1 so callers can `return
 * rt_data_errf(...)`. */
RT_API int rt_data_errf(char *err, size_t errlen, const char *fmt, ...) RT_PRINTF(3, 4);
/* "'path' is empty" (after gzip decompression when inflated; standard input says that under
 * mpirun only rank 0 gets it, the others' is empty); returns -1. */
RT_API int rt_data_empty(char *err, size_t errlen, const char *path, int inflated);

/* How much of a file a loader reads: a file declared to hold N numbers needs at most
 * RT_DATA_SLACK + N * per_value bytes (after decompression), so reading stops there and
 * /dev/zero, a FIFO or a gzip bomb costs at most that much memory and time. */
#define RT_DATA_SLACK ((size_t)1 << 20)
typedef struct RtReadBound {
  size_t max_bytes; /* SIZE_MAX: no bound (a dimension is RT_ANY) */
  size_t per_value; /* for the message */
  char decl[96];    /* "vector[2]", for the message */
  int over;         /* set by rt_data_read_file: the file is longer than max_bytes */
  const char *what; /* what the file is read into, when not a data declaration ("x" of
                       --init-x), for the message; NULL: the declaration */
} RtReadBound;

/* The bound for a file holding the declared shape (rank, rows, cols; RT_ANY: no bound) at
 * most per_value bytes a number: 8 for binary formats, RT_TEXT_PER_VALUE for text. */
#define RT_TEXT_PER_VALUE 256
RT_API void rt_data_bound(RtReadBound *b, int rank, int64_t rows, int64_t cols, size_t per_value);

/* Reads the whole file into *buf (malloc'd, owned by the caller, with a NUL after the last of
 * *len bytes), but never more than bound->max_bytes (NULL: no bound): of a longer file it
 * returns the first max_bytes bytes and sets bound->over, so that a binary loader can still
 * report a header's shape that disagrees with the declaration (otherwise the caller reports
 * rt_data_too_large); it never reads more than one byte past the bound. A file starting
 * with the gzip magic 1f 8b is decompressed through zlib. Devices, FIFOs and other
 * non-regular files are read the same way, under the same bound. Fails with a message for a
 * missing or unreadable file, a directory, an empty or too long file, a truncated or corrupt
 * gzip stream, or no memory. Returns 0 or -1. */
RT_API int rt_data_read_file(const char *path, RtReadBound *bound, unsigned char **buf,
                             size_t *len, char *err, size_t errlen);

/* A data file opened once (rt_data_open): a FIFO, a pipe or a device can be read only once, so
 * the gzip magic is looked for without losing bytes. fd is the open descriptor, size the byte
 * count of a regular file (-1 otherwise) and gz says to read fd through zlib: a regular file
 * starting with the magic 1f 8b (peeked at with pread) or, built with zlib, any other file,
 * which zlib inflates when it starts with the magic and copies as it is otherwise (gzdirect).
 * Built without zlib, the caller of a file that is not regular looks for the magic itself.
 * Fails as rt_data_read_file does for a missing or unreadable file or a directory. */
typedef struct RtOpen {
  int fd;
  int gz;
  int64_t size;
} RtOpen;
RT_API int rt_data_open(const char *path, RtOpen *o, RtErr err);

/* Built with zlib: the error of the gzip stream gz (a gzFile) read to where it stopped,
 * formatted as rt_data_read_file's, returning -1; 0 when there was none. Built without
 * (RT_NO_ZLIB): rt_data_no_zlib formats the error for a gzip file and returns -1. */
#ifdef RT_NO_ZLIB
RT_API int rt_data_no_zlib(const char *path, char *err, size_t errlen);
#else
RT_API int rt_data_gz_error(void *gz, const char *path, char *err, size_t errlen);
#endif

/* A file read front to back without holding it (the row-range loaders, rt_data.h): plain or
 * gzip-compressed (transparently), never trusting its size. rt_stream_open fails as
 * rt_data_read_file does for a missing or unreadable file or a directory. rt_stream_read reads
 * up to n bytes and returns how many (fewer only at the end), or -1 on a read error or a
 * corrupt or truncated gzip stream; rt_stream_skip discards n bytes (seeking in a plain
 * regular file, inflating a gzip one) and returns 0, or -1 on an error; reaching the end is
 * not an error: pos says how far the file went. size is the byte count of a plain regular
 * file, -1 otherwise. */
typedef struct RtStream {
  const char *path;
  void *f;  /* FILE * */
  void *gz; /* gzFile, for a gzip file */
  int64_t size;
  uint64_t pos; /* bytes read or skipped (decompressed) */
  unsigned char pend[2]; /* without zlib: a pipe's first bytes, read to look for the magic */
  int npend;
} RtStream;
RT_API int rt_stream_open(RtStream *s, const char *path, RtErr err);
RT_API int64_t rt_stream_read(RtStream *s, void *buf, size_t n, RtErr err);
RT_API int rt_stream_skip(RtStream *s, uint64_t n, RtErr err);
RT_API void rt_stream_close(RtStream *s);
/* Whether s is being decompressed (not a plain file, nor one zlib copies as it is). */
RT_API int rt_stream_inflated(RtStream *s);

/* The lines of a text file, streamed: rt_lines_next gives the next line [*s, *e) without its
 * newline, valid until the next call and followed by '\n' or a NUL, and numbers it in no
 * (1-based); a line holding a NUL byte may be given before its newline is read (the caller
 * refuses it: text has none). It holds one line at a time (plus a read-ahead block); reading past
 * bound->max_bytes fails with rt_data_too_large's message, an empty file with
 * rt_data_read_file's. Returns 1 (a line), 0 (the end) or -1 (an error, message in err). */
typedef struct RtLines {
  RtStream st;
  RtReadBound *bound;
  char *buf;
  size_t cap, beg, end;
  int eof;
  int64_t no;
} RtLines;
RT_API int rt_lines_open(RtLines *r, const char *path, RtReadBound *bound, RtErr err);
RT_API int rt_lines_next(RtLines *r, const char **s, const char **e, RtErr err);
RT_API void rt_lines_close(RtLines *r);

/* The row range [r0, r0 + n) of a declared shape, checked: rank 0 has one row; the rows must
 * be known (not RT_ANY). Returns 0, or -1 with a message naming path. */
RT_API int rt_rows_check(const char *path, RtShape want, RtRows rows, RtErr err);

/* The line rules every text loader shares (CSV, LIBSVM, MatrixMarket), so that a file one of
 * them reads the others read alike. rt_text_bom: where the first line [s, e) starts after a
 * UTF-8 byte-order mark (Notepad and Excel write one), s when it has none. rt_text_cr_inside:
 * whether a carriage return in the line [s, e) has more than blanks after it, i.e. the file
 * ends its lines with CR alone (classic Mac OS, Excel's "CSV (Macintosh)"), so that what was
 * read as its first line holds them all (a CR before the newline, CRLF, is a blank).
 * rt_text_cr_error says so, naming the line, and returns -1. */
RT_API const char *rt_text_bom(const char *s, const char *e);
RT_API int rt_text_cr_inside(const char *s, const char *e);
RT_API int rt_text_cr_error(char *err, size_t errlen, const char *path, int64_t no);

/* The error for a file longer than bound->max_bytes; returns -1. */
RT_API int rt_data_too_large(const char *path, const RtReadBound *bound, char *err, size_t errlen);

/* Writes "scalar", "vector[n]" or "matrix[m, n]" (RT_ANY as "?") into buf. */
RT_API void rt_data_decl_str(int rank, int64_t rows, int64_t cols, char *buf, size_t len);

/* What a file was found to hold: a rows x cols table (a 1-D file is rows x 1), described for
 * messages as `holds` ("a 3 x 4 matrix"), with `hint` (or NULL) appended to a mismatch. */
typedef struct RtFileTable {
  int64_t rows, cols;
  const char *holds, *hint;
} RtFileTable;

/* Checks that the table found fits the declared shape want (rules in rt_data.h) and sets
 * out->rank/rows/cols (v untouched). On a mismatch the message is "'PATH' holds HOLDS but the
 * declaration says DECL" followed by the hint. Also rejects a malformed declared shape.
 * Returns 0 or -1. */
RT_API int rt_data_fit_shape(const char *path, RtShape want, const RtFileTable *found,
                             RtTensor *out, RtErr err);

/* Describes a file's dimensions for messages: "a single number", "a vector of 5 numbers",
 * "a 3 x 4 matrix", "a 10 x 28 x 28 array (flattened to 10 x 784)". */
RT_API void rt_data_describe_dims(const int64_t *dims, int ndim, char *buf, size_t len);

#endif
