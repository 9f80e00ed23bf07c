/* jit_cache — the JIT's on-disk object cache: keys, the directory, load, store and pruning. */
#define _GNU_SOURCE
#include "jit_cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { JIT_CACHE_DEFAULT_ENTRIES = 256 };
static const char magic[8] = {'B', 'L', 'O', 'C', 'O', 'B', 'J', '1'};

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

/* mkdir -p; 0 when path is a directory afterwards. */
static int make_dirs(char *path) {
  for (char *p = path + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    int rc = mkdir(path, 0777);
    *p = '/';
    if (rc && errno != EEXIST) return -1;
  }
  if (mkdir(path, 0777) && errno != EEXIST) return -1;
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -1;
}

const char *jit_cache_dir(const char *dir, char *buf, size_t len) {
  const char *env = getenv("BLOC_CACHE");
  if (env && !strcmp(env, "0")) return NULL;
  int w;
  if (dir) {
    w = snprintf(buf, len, "%s", dir);
  } else if ((env = getenv("BLOC_CACHE_DIR"))) {
    w = snprintf(buf, len, "%s", env);
  } else if ((env = getenv("XDG_CACHE_HOME")) && *env == '/') {
    w = snprintf(buf, len, "%s/bloc", env);
  } else if ((env = getenv("HOME")) && *env) {
    w = snprintf(buf, len, "%s/.cache/bloc", env);
  } else {
    return NULL;
  }
  if (w <= 0 || (size_t)w >= len) return NULL;
  return make_dirs(buf) ? NULL : buf;
}

static void entry_path(const char *dir, JitCacheKey key, const char *suffix, char *buf, size_t len) {
  snprintf(buf, len, "%s/%016llx%016llx%s", dir, (unsigned long long)key.h[0], (unsigned long long)key.h[1], suffix);
}

/* header: magic, object size, checksum (both little-endian-as-stored u64; entries are only
 * read by the machine that wrote them, whose CPU is part of the key) */
typedef struct Header {
  char magic[8];
  uint64_t size;
  uint64_t sum[2];
} Header;

int jit_cache_load(const char *dir, JitCacheKey key, char **bytes, size_t *n) {
  char path[4096];
  entry_path(dir, key, ".o", path, sizeof path);
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  Header hd;
  char *buf = NULL;
  bool ok = fread(&hd, sizeof hd, 1, f) == 1 && !memcmp(hd.magic, magic, sizeof magic) && hd.size > 0 &&
            hd.size < ((uint64_t)1 << 32) && (buf = malloc((size_t)hd.size)) &&
            fread(buf, 1, (size_t)hd.size, f) == hd.size && fgetc(f) == EOF;
  fclose(f);
  if (ok) {
    Hash h = hash_init();
    hash_bytes(&h, buf, (size_t)hd.size);
    JitCacheKey sum = hash_final(h);
    ok = sum.h[0] == hd.sum[0] && sum.h[1] == hd.sum[1];
  }
  if (!ok) {
    free(buf);
    return -1;
  }
  utimensat(AT_FDCWD, path, NULL, 0); /* now: most recently used */
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

/* Remove the least recently used entries ("<32 hex digits>.o") beyond max. */
static void prune(const char *dir, int max) {
  DIR *d = opendir(dir);
  if (!d) return;
  Entry *e = NULL;
  size_t n = 0, cap = 0;
  struct dirent *de;
  char path[4096];
  while ((de = readdir(d))) {
    size_t len = strlen(de->d_name);
    if (len != 34 || strcmp(de->d_name + 32, ".o") || strspn(de->d_name, "0123456789abcdef") != 32) continue;
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
    if (stat(path, &st)) continue;
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
    for (size_t i = 0; i < n - (size_t)max; i++) {
      snprintf(path, sizeof path, "%s/%s", dir, e[i].name);
      unlink(path);
    }
  }
  free(e);
}

void jit_cache_store(const char *dir, JitCacheKey key, const char *bytes, size_t n, int max_entries) {
  char path[4096], tmp[4200];
  entry_path(dir, key, ".o", path, sizeof path);
  snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid());
  Header hd;
  memcpy(hd.magic, magic, sizeof magic);
  hd.size = n;
  Hash h = hash_init();
  hash_bytes(&h, bytes, n);
  JitCacheKey sum = hash_final(h);
  hd.sum[0] = sum.h[0];
  hd.sum[1] = sum.h[1];
  FILE *f = fopen(tmp, "wb");
  if (!f) return;
  bool ok = fwrite(&hd, sizeof hd, 1, f) == 1 && fwrite(bytes, 1, n, f) == n;
  ok = (fclose(f) == 0) && ok;
  if (!ok || rename(tmp, path)) {
    unlink(tmp);
    return;
  }
  prune(dir, max_entries > 0 ? max_entries : JIT_CACHE_DEFAULT_ENTRIES);
}
