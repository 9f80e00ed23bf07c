/* rt_outfile.h — output files that are replaced whole or not at all, so that a failed,
 * interrupted or killed run never loses what the file held before (doc/security.md).
 *
 * A regular file (or a new name) is written to a fresh temporary file beside it, created with
 * O_CREAT|O_EXCL|O_NOFOLLOW under a random name, and renamed over it only when complete; the
 * new file keeps the mode (and, for root, the owner) of the file it replaces, a new one gets
 * 0666 less the umask. A symbolic link is written through: the temporary goes beside the file
 * it points to. Anything else (a device such as /dev/null or /dev/stdout, a FIFO) is written
 * in place, never replaced. The path "-" is stdout: flushed and checked, never closed; so is a
 * name of it (/dev/stdout, /dev/fd/1), and a name of another descriptor of the process
 * (/dev/stderr, /dev/fd/N) is written through that descriptor: the file behind it, such as a
 * shell's `> log`, is never replaced. */
#ifndef BLOC_RT_OUTFILE_H
#define BLOC_RT_OUTFILE_H

#include <stddef.h>
#include <stdio.h>

#include "rt_api.h"

typedef struct RtOutFile {
  FILE *f;      /* write the contents here */
  char *target; /* the file written: path, or what its symbolic links lead to */
  char *tmp;    /* the temporary renamed over target; NULL when written in place */
} RtOutFile;

/* Open path for writing without truncating or replacing anything yet. Refuses (-1, errno set,
 * a message naming path in err when err is not NULL) an existing regular file the process may
 * not write, a directory, or a directory where no file can be created. 0 on success; the
 * caller ends with rt_outfile_commit or rt_outfile_discard. */
RT_API int rt_outfile_open(RtOutFile *o, const char *path, char *err, size_t errlen);

/* Whether rt_outfile_open would accept path, with its message when not (-1, errno set),
 * without writing or keeping anything: for outputs that are written later by others (the
 * plots of `bloc compare`) or so many that holding them open could exhaust descriptors. A
 * device or FIFO is only tested for write permission, not opened. 0 when acceptable. */
RT_API int rt_outfile_check(const char *path, char *err, size_t errlen);

/* Flush and close o->f and (for a temporary) rename it over the target. 0, or -1 with errno
 * set and a message naming path (as given to rt_outfile_open) in err: a write error (disk full,
 * /dev/full) leaves the target as it was. o is released either way. */
RT_API int rt_outfile_commit(RtOutFile *o, const char *path, char *err, size_t errlen);

/* Close o->f and remove the temporary: the target is left as it was. o is released. */
RT_API void rt_outfile_discard(RtOutFile *o);

/* Whether two of the outputs paths[0..n) of one command (NULL: not written) write one file,
 * so that one would silently replace the other (or, on stdout, be mixed into it): the same
 * name, the same existing file (through links, or as a descriptor's file: "-", /dev/stdout
 * and a shell's `> log`), or stdout twice. A character device (/dev/null) may take several.
 * 0, or 1 with "NAME_i and NAME_j both write 'PATH': ..." in err (names[i] names paths[i]). */
RT_API int rt_outfile_clash(const char *const *paths, const char *const *names, int n, char *err,
                            size_t errlen);

#endif
