/* jit_cache — the JIT's on-disk object cache: keys, the directory, load, store and pruning. */
#define _GNU_SOURCE
#include "llvm/jit_cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { JIT_CACHE_DEFAULT_ENTRIES = 256 };
/* 2: the key in the header */
static const char magic[8] = {'B', 'L', 'O', 'C', 'O', 'B', 'J', '2'};

/* Two independent 64-bit lanes (FNV-1a, and a multiply-rotate lane), each finished with
 * the splitmix64 mixer: not cryptographic, but a collision needs both lanes to collide. */
typedef struct Hash {
  uint64_t a, b;
} Hash;

static void hash_bytes(Hash *h, const void *p, size_t n) {
  const unsigned char *s = p;
  uint64_t a = h->a, b = h->b;
  for (size_t i = 0; i < n; i++) {
    a = (a ^ s[i]) * 0x100000001b3ULL;
    b = ((b ^ s[i]) * 0x9e3779b97f4a7c15ULL);
    b = (b << 23) | (b >> 41);
  }
  h->a = a;
  h->b = b;
}

static uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static Hash hash_init(void) { return (Hash){0xcbf29ce484222325ULL, 0x243f6a8885a308d3ULL}; }

static JitCacheKey hash_final(Hash h) { return (JitCacheKey){{mix(h.a), mix(h.b ^ mix(h.a))}}; }

JitCacheKey jit_cache_key(const char *const *s, size_t n) {
  Hash h = hash_init();
  for (size_t i = 0; i < n; i++) {
    uint64_t len = s[i] ? strlen(s[i]) : 0;
    hash_bytes(&h, &len, sizeof len); /* the boundary: ("ab","c") differs from ("a","bc") */
    if (len) hash_bytes(&h, s[i], len);
  }
  return hash_final(h);
}

/* Keep the first warning of c's calls: the parts of one compile meet the same refused directory
 * or entry in each of them, and the compile reports one (jit.c). */
static void warn(JitCache *c, const char *fmt, const char *path, const char *why) {
  if (!c->warning[0]) snprintf(c->warning, sizeof c->warning, fmt, path, why);
}

/* Why the cache refuses a file or directory described by st: only ours, writable by us alone,
 * is trusted (as ssh treats ~/.ssh); NULL when it is acceptable. */
static const char *untrusted(const struct stat *st) {
  if (st->st_uid != geteuid()) return "it is owned by another user";
  if (st->st_mode & (S_IWGRP | S_IWOTH)) return "it is writable by group or others";
  return NULL;
}

/* mkdir -p, creating every missing directory 0700 whatever the umask (the XDG rule for cache
 * directories); 0 when path is a directory afterwards. */
static int make_dirs(char *path) {
  for (char *p = path + 1;; p++) {
    if (*p && *p != '/') continue;
    char c = *p;
    *p = '\0';
    int rc = mkdir(path, 0700);
    if (rc == 0) rc = chmod(path, 0700); /* the umask may have removed owner bits */
    *p = c;
    if (rc && errno != EEXIST) return -1;
    if (!c) break;
  }
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -1;
}

/* Open the cache directory and check it is ours and writable by us alone: its fd, or -1 (with a
 * warning in c when it exists but is not trusted). Entries are then opened relative to the fd,
 * so the directory checked is the directory used. */
static int open_dir(JitCache *c, const char *dir) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -1;
  struct stat st;
  const char *why = fstat(fd, &st) ? strerror(errno) : untrusted(&st);
  if (why) {
    warn(c, "not using the compile cache '%s': %s (it must be yours, mode 700); compiling afresh",
         dir, why);
    close(fd);
    return -1;
  }
  return fd;
}

/* mkdir -p for a cache under a home or XDG_CACHE_HOME: the missing directories of path, 0700,
 * each only inside a directory of the user running bloc; the base (path's first baselen bytes,
 * named by var in messages) is never created when it is a home (must_exist). A root run with
 * HOME=/home/other made a root-owned ~/.cache there, locking its owner out, and
 * HOME=/nonexistent (Debian's system users) made /nonexistent/.cache/bloc. NULL when path is a
 * directory afterwards, else why not, in why. */
static const char *make_own_dirs(char *path, size_t baselen, bool must_exist, const char *var,
                                 char *why, size_t whylen) {
  why[0] = '\0';
  for (char *p = path + 1; !why[0]; p++) {
    if (*p && *p != '/') continue;
    char c = *p, *slash;
    struct stat st;
    *p = '\0';
    size_t at = (size_t)(p - path);
    bool base = at == baselen;
    if (stat(path, &st) == 0) {
      if (!S_ISDIR(st.st_mode))
        snprintf(why, whylen, base ? "'%s' (%s) is not a directory" : "'%s' is not a directory",
                 path, var);
    } else if (errno != ENOENT) {
      snprintf(why, whylen, "cannot use '%s': %s", path, strerror(errno));
    } else if (at <= baselen && must_exist) { /* HOME=/nonexistent/ too */
      snprintf(why, whylen, "'%s' (%s) does not exist", path, var);
    } else { /* missing: made inside its parent, when that is ours */
      *(slash = strrchr(path, '/')) = '\0';
      const char *parent = slash == path ? "/" : path;
      if (stat(parent, &st) != 0)
        snprintf(why, whylen, "cannot use '%s': %s", parent, strerror(errno));
      else if (st.st_uid != geteuid())
        snprintf(why, whylen, "'%s' is owned by another user: bloc creates no directory there",
                 parent);
      *slash = '/';
      /* chmod: the umask may have removed owner bits */
      if (!why[0] && (mkdir(path, 0700) != 0 || chmod(path, 0700) != 0) && errno != EEXIST)
        snprintf(why, whylen, "cannot create '%s': %s", path, strerror(errno));
    }
    *p = c;
    if (!c) break;
  }
  return why[0] ? why : NULL;
}

/* The home directory when HOME is unset or empty (env -i, a service): the user's, from the
 * password database, as ssh and the shell's ~ find it. NULL when it has none. */
static const char *passwd_home(char *buf, size_t len) {
  struct passwd pw, *found = NULL;
  if (getpwuid_r(geteuid(), &pw, buf, len, &found) != 0 || !found || found->pw_dir[0] != '/')
    return NULL;
  return found->pw_dir;
}

const char *jit_cache_dir(JitCache *c, const char *dir, char *buf, size_t len) {
  c->dir = NULL;
  const char *env = getenv("BLOC_CACHE");
  if (env && !strcmp(env, "0")) return NULL;
  int w;
  const char *named = dir ? dir : getenv("BLOC_CACHE_DIR"), *var = NULL;
  bool home = false; /* the base is a home: never created */
  char pwbuf[4096];
  size_t baselen = 0; /* the home or XDG_CACHE_HOME at the start of buf */
  if (named) {
    w = snprintf(buf, len, "%s", named);
  } else if ((env = getenv("XDG_CACHE_HOME")) && *env == '/') {
    w = snprintf(buf, len, "%s/bloc", env);
    var = "XDG_CACHE_HOME"; /* created when missing (the XDG rule), inside directories of ours */
    baselen = strlen(env);
  } else {
    var = "HOME";
    home = true;
    env = getenv("HOME");
    if (!env || !*env) {
      var = "HOME unset: the password database's home";
      env = passwd_home(pwbuf, sizeof pwbuf);
    }
    if (!env) { /* nowhere to keep it: said once, as for any refusal */
      if (!c->warning[0])
        snprintf(c->warning, sizeof c->warning,
                 "not using the compile cache: HOME is not set and the password database has "
                 "no home directory for user %ld (set BLOC_CACHE_DIR); compiling afresh",
                 (long)geteuid());
      return NULL;
    }
    w = snprintf(buf, len, "%s/.cache/bloc", env);
    baselen = strlen(env);
  }
  if (w <= 0 || (size_t)w >= len) return NULL;
  if (var) { /* every failure is said: XDG_CACHE_HOME=/dev/null disabled the cache silently */
    char why[JIT_CACHE_WARNING_LEN / 2];
    if (make_own_dirs(buf, baselen, home, var, why, sizeof why)) {
      warn(c, "not using the compile cache '%s': %s; compiling afresh", buf, why);
      return NULL;
    }
  } else if (make_dirs(buf)) { /* BLOC_CACHE_DIR=/dev/null or a file disabled it silently */
    warn(c, "not using the compile cache '%s': %s; compiling afresh", buf,
         errno == ENOTDIR || errno == EEXIST ? "it is not a directory" : strerror(errno));
    return NULL;
  }
  int fd = open_dir(c, buf);
  if (fd < 0) return NULL;
  close(fd);
  return c->dir = buf;
}

static void entry_name(JitCacheKey key, char *buf, size_t len) {
  snprintf(buf, len, "%016llx%016llx.o", (unsigned long long)key.h[0],
           (unsigned long long)key.h[1]);
}

/* header: magic, the entry's full key, object size, checksum of key and object (little-endian-
 * as-stored u64; entries are only read by the machine that wrote them, whose CPU is part of the
 * key). The key makes an entry copied under another key's name a miss. */
typedef struct Header {
  char magic[8];
  uint64_t key[2];
  uint64_t size;
  uint64_t sum[2];
} Header;

static JitCacheKey checksum(JitCacheKey key, const char *bytes, size_t n) {
  Hash h = hash_init();
  hash_bytes(&h, key.h, sizeof key.h);
  hash_bytes(&h, bytes, n);
  return hash_final(h);
}

/* read exactly n bytes; false on a short read or an error */
static bool read_all(int fd, void *buf, size_t n) {
  char *p = buf;
  while (n > 0) {
    ssize_t r = read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= (size_t)r;
  }
  return true;
}

/* Open the entry name in dfd for reading: O_NOFOLLOW and O_NONBLOCK (a FIFO must not block the
 * run), then it must be a regular file that is ours and writable by us alone. -1 when missing
 * (silently) or refused (with a warning in c). */
static int open_entry(JitCache *c, int dfd, const char *name) {
  int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    if (errno != ENOENT)
      warn(c, "not using a compile cache entry in '%s': %s; compiling afresh", c->dir,
           errno == ELOOP ? "it is a symbolic link" : strerror(errno));
    return -1;
  }
  struct stat st;
  const char *why = fstat(fd, &st)           ? strerror(errno)
                    : !S_ISREG(st.st_mode) ? "it is not a regular file"
                                           : untrusted(&st);
  if (why) {
    warn(c, "not using a compile cache entry in '%s': %s; compiling afresh", c->dir, why);
    close(fd);
    return -1;
  }
  return fd;
}

int jit_cache_load(JitCache *c, JitCacheKey key, char **bytes, size_t *n) {
  if (!c->dir) return -1;
  char name[64];
  entry_name(key, name, sizeof name);
  int dfd = open_dir(c, c->dir);
  if (dfd < 0) return -1;
  int fd = open_entry(c, dfd, name);
  close(dfd);
  if (fd < 0) return -1;
  Header hd;
  char *buf = NULL, extra;
  bool ok = read_all(fd, &hd, sizeof hd) && !memcmp(hd.magic, magic, sizeof magic) &&
            hd.key[0] == key.h[0] && hd.key[1] == key.h[1] && hd.size > 0 &&
            hd.size < ((uint64_t)1 << 32) && (buf = malloc((size_t)hd.size)) &&
            read_all(fd, buf, (size_t)hd.size) && read(fd, &extra, 1) == 0; /* nothing more */
  if (ok) {
    JitCacheKey sum = checksum(key, buf, (size_t)hd.size);
    ok = sum.h[0] == hd.sum[0] && sum.h[1] == hd.sum[1];
  }
  if (ok) futimens(fd, NULL); /* now: most recently used */
  close(fd);
  if (!ok) {
    free(buf);
    return -1;
  }
  *bytes = buf;
  *n = (size_t)hd.size;
  return 0;
}

typedef struct Entry {
  char name[64];
  struct timespec used;
} Entry;

static int older_first(const void *a, const void *b) {
  const struct timespec *x = &((const Entry *)a)->used, *y = &((const Entry *)b)->used;
  if (x->tv_sec != y->tv_sec) return x->tv_sec < y->tv_sec ? -1 : 1;
  return (x->tv_nsec > y->tv_nsec) - (x->tv_nsec < y->tv_nsec);
}

/* Remove the least recently used entries ("<32 hex digits>.o") of the directory dfd beyond max. */
static void prune(int dfd, int max) {
  int fd = dup(dfd); /* closedir closes the fd fdopendir took */
  DIR *d = fd < 0 ? NULL : fdopendir(fd);
  if (!d) {
    if (fd >= 0) close(fd);
    return;
  }
  Entry *e = NULL;
  size_t n = 0, cap = 0;
  struct dirent *de;
  while ((de = readdir(d))) {
    size_t len = strlen(de->d_name);
    if (len != 34 || strcmp(de->d_name + 32, ".o") || strspn(de->d_name, "0123456789abcdef") != 32)
      continue;
    struct stat st;
    if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW)) continue;
    if (n == cap) {
      size_t nc = cap ? 2 * cap : 64;
      Entry *ne = realloc(e, nc * sizeof *e);
      if (!ne) break;
      e = ne;
      cap = nc;
    }
    snprintf(e[n].name, sizeof e[n].name, "%s", de->d_name);
    e[n++].used = st.st_mtim;
  }
  closedir(d);
  if (n > (size_t)max) {
    qsort(e, n, sizeof *e, older_first);
    for (size_t i = 0; i < n - (size_t)max; i++) unlinkat(dfd, e[i].name, 0);
  }
  free(e);
}

/* A new file for writing in dfd, named from prefix and a random suffix: created with
 * O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600, so nothing planted at the name (a symbolic link to
 * one of the user's files) is ever written through. Its name in tmp; fd or -1. */
static int create_temp(int dfd, const char *prefix, char *tmp, size_t len) {
  static unsigned long long counter;
  unsigned long long seed = (unsigned long long)getpid() << 32 ^ (unsigned long long)time(NULL);
  for (int attempt = 0; attempt < 100; attempt++) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t n = __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED);
    uint64_t r = mix(seed ^ (uint64_t)ts.tv_nsec ^ mix(n));
    snprintf(tmp, len, "%s.tmp%012llx", prefix, (unsigned long long)(r & 0xffffffffffffULL));
    int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0) {
      if (fchmod(fd, 0600) == 0) return fd; /* 0600 whatever the umask */
      close(fd);
      unlinkat(dfd, tmp, 0);
      return -1;
    }
    if (errno != EEXIST) return -1;
  }
  return -1;
}

static bool write_all(int fd, const void *buf, size_t n) {
  const char *p = buf;
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= (size_t)w;
  }
  return true;
}

void jit_cache_store(JitCache *c, JitCacheKey key, const char *bytes, size_t n) {
  if (!c->dir) return;
  char name[64], tmp[96];
  entry_name(key, name, sizeof name);
  Header hd;
  memcpy(hd.magic, magic, sizeof magic);
  hd.key[0] = key.h[0];
  hd.key[1] = key.h[1];
  hd.size = n;
  JitCacheKey sum = checksum(key, bytes, n);
  hd.sum[0] = sum.h[0];
  hd.sum[1] = sum.h[1];
  int dfd = open_dir(c, c->dir);
  if (dfd < 0) return;
  /* A directory we may not write (a read-only mount, mode 500, a full disk) stores nothing,
   * and every later run compiles afresh: said, as a directory that cannot be made is (a batch
   * system's read-only cache compiled every run cold without a word, s51 nuN 1) */
  const char *store_fail = "not storing in the compile cache '%s': %s; this and later runs "
                           "compile afresh (make it writable, or set BLOC_CACHE_DIR)";
  int fd = create_temp(dfd, name, tmp, sizeof tmp);
  if (fd < 0) {
    warn(c, store_fail, c->dir, strerror(errno));
    close(dfd);
    return;
  }
  bool ok = write_all(fd, &hd, sizeof hd) && write_all(fd, bytes, n);
  int err = ok ? 0 : errno;
  if (close(fd) != 0 && ok) {
    err = errno;
    ok = false;
  }
  if (ok && renameat(dfd, tmp, dfd, name)) {
    err = errno;
    ok = false;
  }
  if (!ok) {
    warn(c, store_fail, c->dir, err ? strerror(err) : "a short write");
    unlinkat(dfd, tmp, 0);
  } else {
    prune(dfd, c->max_entries > 0 ? c->max_entries : JIT_CACHE_DEFAULT_ENTRIES);
  }
  close(dfd);
}
