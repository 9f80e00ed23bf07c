/* fixture_dir.c — the unit tests' temporary directory (fixture_dir.h). */
#define _XOPEN_SOURCE 700 /* nftw, mkdtemp */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "fixture_dir.h"

static char g_dir[4096];

int fxd_create(const char *name) {
  const char *tmp = getenv("TMPDIR");
  int n = snprintf(g_dir, sizeof g_dir, "%s/bloc-test-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", name);
  if (n < 0 || (size_t)n >= sizeof g_dir) return -1;
  return mkdtemp(g_dir) ? 0 : -1;
}

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb, (void)flag, (void)ftw;
  return remove(p);
}

int fxd_remove(void **state) {
  (void)state;
  /* FTW_PHYS: a symbolic link a test planted is removed, never followed */
  return g_dir[0] ? nftw(g_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) : 0;
}

const char *fxd_dir(void) { return g_dir; }

const char *fxd_path(const char *name) {
  static char bufs[8][4200];
  static int k;
  char *b = bufs[k++ % 8];
  snprintf(b, sizeof bufs[0], "%s/%s", g_dir, name);
  return b;
}

static const char *fxd_write(const char *name, const void *data, size_t len, int gz) {
  const char *p = fxd_path(name);
  if (gz) {
    gzFile g = gzopen(p, "wb");
    if (!g) fail_msg("cannot create the fixture %s", p);
    if (len && gzwrite(g, data, (unsigned)len) != (int)len) fail_msg("cannot write %s", p);
    if (gzclose(g) != Z_OK) fail_msg("cannot close %s", p);
  } else {
    FILE *f = fopen(p, "wb");
    if (!f) fail_msg("cannot create the fixture %s", p);
    if (len && fwrite(data, 1, len, f) != len) fail_msg("cannot write %s", p);
    if (fclose(f) != 0) fail_msg("cannot close %s", p);
  }
  return p;
}

const char *fxd_bytes(const char *name, const void *data, size_t len) {
  return fxd_write(name, data, len, 0);
}

const char *fxd_gz(const char *name, const void *data, size_t len) {
  return fxd_write(name, data, len, 1);
}

const char *fxd_text(const char *name, const char *text) {
  return fxd_write(name, text, strlen(text), 0);
}

void *fxd_read(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) fail_msg("cannot open %s", path);
  long n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
  char *b = n >= 0 ? malloc((size_t)n + 1) : NULL;
  if (!b || fseek(f, 0, SEEK_SET) != 0 || fread(b, 1, (size_t)n, f) != (size_t)n)
    fail_msg("cannot read %s", path);
  fclose(f);
  b[n] = '\0';
  if (len) *len = (size_t)n;
  return b;
}
