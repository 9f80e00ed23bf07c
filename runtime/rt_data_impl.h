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

/* How much of a file a loader reads: a file declared to hold N numbers needs at most
 * RT_DATA_SLACK + N * per_value bytes (after decompression), so reading stops there and
 * /dev/zero, a FIFO or a gzip bomb costs at most that much memory and time. */
#define RT_DATA_SLACK ((size_t)1 << 20)
typedef struct RtReadBound {
  size_t max_bytes; /* SIZE_MAX: no bound (a dimension is RT_ANY) */
  size_t per_value; /* for the message */
  char decl[96];    /* "vector[2]", for the message */
  int over;         /* set by rt_data_read_file: the file is longer than max_bytes */
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
