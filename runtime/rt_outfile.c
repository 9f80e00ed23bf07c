/* rt_outfile.c — output files replaced whole or not at all (rt_outfile.h). POSIX.1-2008. */
#include "rt_outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The message in err (when not NULL); -1 with errno kept, for callers that word their own. */
static int outfile_err(char *err, size_t errlen, const char *fmt, ...) {
  int e = errno;
  va_list ap;
  va_start(ap, fmt);
  if (err && errlen) vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
  errno = e;
  return -1;
}

static char *outfile_strdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

/* A name no other process can guess: the temporary's name must not be predictable, or a
 * symbolic link could be planted there (O_EXCL|O_NOFOLLOW refuse it; guessing only delays). */
static uint64_t outfile_random(void) {
  static uint64_t counter;
  int local;
  uint64_t z = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32 ^ (uint64_t)clock() << 16 ^
               (uint64_t)(uintptr_t)&local ^ (++counter * 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* A new temporary beside target ("DIR/.NAME.XXXXXXXXXXXX"), mode 0666 less the umask: its fd,
 * its name in o->tmp; -1 with errno. */
static int outfile_create_temp(RtOutFile *o) {
  const char *slash = strrchr(o->target, '/');
  size_t dirlen = slash ? (size_t)(slash - o->target) + 1 : 0;
  size_t len = strlen(o->target) + 24;
  o->tmp = malloc(len);
  if (!o->tmp) {
    errno = ENOMEM;
    return -1;
  }
  for (int attempt = 0; attempt < 100; attempt++) {
    snprintf(o->tmp, len, "%.*s.%s.%012llx", (int)dirlen, o->target, o->target + dirlen,
             (unsigned long long)(outfile_random() & 0xffffffffffffULL));
    int fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY, 0666);
    if (fd >= 0 || errno != EEXIST) return fd;
  }
  return -1;
}

/* The descriptor of this process that path names (/dev/stdout, /dev/stderr, /dev/fd/N,
 * /proc/self/fd/N: Linux's links to the files open in the process), or -1. */
static int outfile_own_fd(const char *path) {
  if (strcmp(path, "/dev/stdout") == 0) return 1;
  if (strcmp(path, "/dev/stderr") == 0) return 2;
  static const char *const dirs[] = {"/dev/fd/", "/proc/self/fd/"};
  for (int i = 0; i < 2; i++) {
    size_t n = strlen(dirs[i]);
    if (strncmp(path, dirs[i], n) != 0 || !path[n]) continue;
    long fd = 0;
    for (const char *c = path + n; *c; c++) {
      if (*c < '0' || *c > '9' || fd > INT_MAX / 10) return -1;
      fd = 10 * fd + (*c - '0');
    }
    return (int)fd;
  }
  return -1;
}

/* stat of the directory that holds path: "." without a slash, "/" for "/x". 0, or -1 with
 * errno. */
static int outfile_stat_dir(const char *path, struct stat *st) {
  const char *slash = strrchr(path, '/');
  char dir[PATH_MAX];
  size_t len = !slash ? 1 : slash == path ? 1 : (size_t)(slash - path);
  if (len >= sizeof dir) {
    errno = ENAMETOOLONG;
    return -1;
  }
  memcpy(dir, !slash ? "." : path, len);
  dir[len] = '\0';
  return stat(dir, st);
}

/* Whether the symbolic link at path (lst its lstat) may be followed, by the kernel's rule
 * for fs.protected_symlinks: not when it lies in a sticky directory others may write (/tmp)
 * and neither we nor the directory's owner own it. bloc resolves links itself (to write
 * beside the target and rename), so the kernel's check never saw them: another user's link
 * /tmp/r.json -> ~/victim made `--out /tmp/r.json` replace victim. */
#ifndef S_ISVTX /* XSI: not declared under a strict _POSIX_C_SOURCE (emitted solvers) */
#define S_ISVTX 01000
#endif
static int outfile_link_trusted(const char *path, const struct stat *lst) {
  struct stat ds;
  if (outfile_stat_dir(path, &ds) != 0) return 0;
  int shared = (ds.st_mode & S_ISVTX) && (ds.st_mode & S_IWOTH);
  return !shared || lst->st_uid == geteuid() || lst->st_uid == ds.st_uid;
}

/* The file a chain of symbolic links at path leads to (malloc'ed), or NULL with errno. A link
 * to a missing file leads to that name, so it is created where the link points. A name of one
 * of the process's descriptors (outfile_own_fd) ends the chain, *fd set: its link leads to the
 * file the descriptor holds open (a shell's `> log`), which is not to be replaced. */
static char *outfile_follow(const char *path, int *fd) {
  char *cur = outfile_strdup(path);
  int why = ELOOP; /* the chain is too long, unless a step below says otherwise */
  *fd = -1;
  for (int depth = 0; cur && depth < 40; depth++) {
    struct stat st;
    if ((*fd = outfile_own_fd(cur)) >= 0) return cur;
    if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode)) return cur;
    if (!outfile_link_trusted(cur, &st)) {
      why = EACCES;
      break;
    }
    char buf[PATH_MAX];
    ssize_t n = readlink(cur, buf, sizeof buf - 1);
    if (n < 0) {
      why = errno;
      break;
    }
    buf[n] = '\0';
    const char *slash = strrchr(cur, '/');
    size_t dirlen = buf[0] == '/' || !slash ? 0 : (size_t)(slash - cur) + 1;
    char *next = malloc(dirlen + (size_t)n + 1);
    if (!next) {
      why = ENOMEM;
      break;
    }
    memcpy(next, cur, dirlen);
    memcpy(next + dirlen, buf, (size_t)n + 1);
    free(cur);
    cur = next;
  }
  if (cur) errno = why;
  free(cur);
  return NULL;
}

/* rt_outfile_open, or with probe its check alone (rt_outfile_check): then a device or FIFO is
 * not opened (opening a FIFO waits for a reader), only tested for write permission, and the
 * temporary of a regular file is created and removed again. */
static int outfile_start(RtOutFile *o, const char *path, char *err, size_t errlen, int probe) {
  memset(o, 0, sizeof *o);
  if (!path[0]) { /* --out "$UNSET": refused before the run, not after hours of it */
    errno = ENOENT;
    return outfile_err(err, errlen, "cannot write '': %s", strerror(errno));
  }
  if (strcmp(path, "-") == 0) { /* stdout: flushed and checked on commit, never closed */
    o->f = stdout;
    return 0;
  }
  int own;
  o->target = outfile_follow(path, &own);
  if (!o->target) return outfile_err(err, errlen, "cannot write '%s': %s", path, strerror(errno));
  if (own == 1) { /* stdout itself, as "-": a `> log` keeps what came before and after */
    free(o->target);
    o->target = NULL;
    o->f = stdout;
    return 0;
  }
  struct stat st;
  int exists = stat(o->target, &st) == 0, fd = -1, ok = 0;
  if (own >= 0) { /* written through the descriptor, at its offset, never replaced */
    int fl = fcntl(own, F_GETFL);
    if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY) errno = fl < 0 ? errno : EBADF;
    else if (probe) ok = 1;
    else fd = fcntl(own, F_DUPFD_CLOEXEC, 3);
  } else if (exists && S_ISDIR(st.st_mode)) {
    errno = EISDIR;
  } else if (exists && !S_ISREG(st.st_mode) && probe) {
    ok = access(o->target, W_OK) == 0;
  } else if (exists && !S_ISREG(st.st_mode)) {
    fd = open(o->target, O_WRONLY | O_NOCTTY); /* a device or FIFO: never replaced by a file */
  } else if (!exists || access(o->target, W_OK) == 0) { /* a read-only file stays unwritten */
    fd = outfile_create_temp(o);
    if (fd >= 0 && exists) { /* the replacement keeps the file's owner (when root) and mode */
      if (fchown(fd, st.st_uid, st.st_gid) != 0) { /* not root: the file is ours, fine */
      }
      if (fchmod(fd, st.st_mode & 07777) != 0) { /* then it keeps 0666 less the umask */
      }
    }
  }
  if (probe && (ok || fd >= 0)) {
    if (fd >= 0) close(fd);
    rt_outfile_discard(o); /* removes the temporary */
    return 0;
  }
  if (fd >= 0 && !(o->f = fdopen(fd, "w"))) close(fd);
  if (!o->f) {
    int e = errno;
    rt_outfile_discard(o);
    errno = e;
    return outfile_err(err, errlen, "cannot write '%s': %s", path, strerror(e));
  }
  return 0;
}

RT_API int rt_outfile_open(RtOutFile *o, const char *path, char *err, size_t errlen) {
  return outfile_start(o, path, err, errlen, 0);
}

RT_API int rt_outfile_check(const char *path, char *err, size_t errlen) {
  RtOutFile o;
  return outfile_start(&o, path, err, errlen, 1);
}

RT_API int rt_outfile_commit(RtOutFile *o, const char *path, char *err, size_t errlen) {
  int bad = fflush(o->f) != 0 || ferror(o->f);
  int e = errno;
  if (o->f == stdout) {
    memset(o, 0, sizeof *o);
    if (!bad) return 0;
    clearerr(stdout); /* reported here: the caller's final check of stdout need not repeat it */
    errno = e ? e : EIO;
    return outfile_err(err, errlen, "error writing to stdout: %s", strerror(errno));
  }
  /* on disk before the rename, so that a crash leaves the old file or the new, never an
   * empty one */
  if (!bad && o->tmp && fsync(fileno(o->f)) != 0) bad = 1, e = errno;
  if (fclose(o->f) != 0 && !bad) bad = 1, e = errno;
  o->f = NULL;
  if (!bad && o->tmp && rename(o->tmp, o->target) != 0) {
    e = errno;
    rt_outfile_discard(o);
    errno = e;
    return outfile_err(err, errlen, "cannot replace '%s': %s", path, strerror(e));
  }
  if (bad) {
    rt_outfile_discard(o);
    errno = e ? e : EIO;
    return outfile_err(err, errlen, "error writing '%s': %s", path, strerror(errno));
  }
  free(o->tmp);
  free(o->target);
  memset(o, 0, sizeof *o);
  return 0;
}

RT_API void rt_outfile_discard(RtOutFile *o) {
  if (o->f && o->f != stdout) fclose(o->f);
  if (o->tmp) unlink(o->tmp);
  free(o->tmp);
  free(o->target);
  memset(o, 0, sizeof *o);
}

/* What an output writes, for rt_outfile_clash: a file (device and inode), a descriptor of the
 * process (a terminal on stdout), a name that does not exist yet (in a directory), or nothing to
 * compare (a character device such as /dev/null, which several outputs may share, a directory,
 * which rt_outfile_open refuses with its own message, or a chain of links that leads nowhere). */
typedef struct OutfileId {
  enum { OUTFILE_NONE, OUTFILE_INODE, OUTFILE_FD, OUTFILE_NAME } kind;
  dev_t dev;
  ino_t ino;
  int fd;
  char *name; /* OUTFILE_NAME: the missing file its links lead to (malloc'ed), in dev/ino */
} OutfileId;

/* A file that does not exist yet, as its directory (device and inode) and its own name:
 * `x.txt` and `./x.txt` are one file. The whole name (inode 0) when the directory is missing:
 * rt_outfile_open then refuses both. */
static void outfile_new_name(const char *name, OutfileId *id) {
  const char *slash = strrchr(name, '/');
  struct stat st;
  if (outfile_stat_dir(name, &st) == 0) {
    id->dev = st.st_dev;
    id->ino = st.st_ino;
    name = slash ? slash + 1 : name;
  }
  id->kind = OUTFILE_NAME;
  id->name = outfile_strdup(name);
}

/* The identity of path as rt_outfile_open would write it: "-" and the names of a descriptor
 * are what the descriptor holds open (a shell's `> log` is the file log), links are followed. */
static OutfileId outfile_id(const char *path) {
  OutfileId id = {OUTFILE_NONE, 0, 0, -1, NULL};
  int fd = 1;
  char *target = strcmp(path, "-") == 0 ? NULL : outfile_follow(path, &fd);
  struct stat st;
  int found;
  if (!target && strcmp(path, "-") != 0) return id;
  id.fd = fd;
  found = fd >= 0 ? fstat(fd, &st) == 0 : stat(target, &st) == 0;
  if (found && !S_ISCHR(st.st_mode) && !S_ISDIR(st.st_mode)) {
    id.kind = OUTFILE_INODE;
    id.dev = st.st_dev;
    id.ino = st.st_ino;
  } else if (fd >= 0) {
    id.kind = OUTFILE_FD;
  } else if (!found) {
    outfile_new_name(target, &id);
  }
  free(target);
  return id;
}

static int outfile_same(const OutfileId *a, const OutfileId *b) {
  if (a->kind != b->kind) return 0;
  switch (a->kind) {
  case OUTFILE_INODE: return a->dev == b->dev && a->ino == b->ino;
  case OUTFILE_FD: return a->fd == b->fd;
  case OUTFILE_NAME:
    return a->dev == b->dev && a->ino == b->ino && a->name && b->name &&
           strcmp(a->name, b->name) == 0;
  default: return 0;
  }
}

RT_API int rt_outfile_clash(const char *const *paths, const char *const *names, int n, char *err,
                            size_t errlen) {
  for (int i = 0; i < n; i++) {
    if (!paths[i]) continue;
    OutfileId a = outfile_id(paths[i]);
    for (int j = i + 1; j < n; j++) {
      if (!paths[j]) continue;
      OutfileId b = outfile_id(paths[j]);
      int same = outfile_same(&a, &b);
      /* written through a descriptor (stdout) they are mixed; else the later rename wins */
      const char *why = a.fd >= 0 || b.fd >= 0 ? "one would be mixed into the other"
                                               : "one would replace the other";
      free(b.name);
      if (!same) continue;
      if (strcmp(paths[i], paths[j]) == 0)
        outfile_err(err, errlen, "%s and %s both write '%s': %s", names[i], names[j], paths[i],
                    why);
      else
        outfile_err(err, errlen, "%s ('%s') and %s ('%s') write the same file: %s", names[i],
                    paths[i], names[j], paths[j], why);
      free(a.name);
      return 1;
    }
    free(a.name);
  }
  return 0;
}
