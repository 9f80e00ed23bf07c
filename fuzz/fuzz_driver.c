/* fuzz_driver.c — a main for the fuzz targets when there is no libFuzzer (configure found no
 * clang): runs LLVMFuzzerTestOneInput once on every file named on the command line, or in a
 * directory named there, and then on simple mutations of each (every byte flipped in turn,
 * and every prefix), so that make check still exercises the target under the build's
 * sanitizers. Arguments starting with '-' (libFuzzer options) are ignored. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static long g_runs;

static void run_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "fuzz_driver: cannot open %s\n", path);
    exit(1);
  }
  size_t cap = 1 << 16, n = 0;
  uint8_t *b = malloc(cap);
  size_t got;
  while (b && (got = fread(b + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) {
      uint8_t *nb = n < ((size_t)1 << 24) ? realloc(b, 2 * cap) : NULL;
      if (!nb) break;
      b = nb;
      cap *= 2;
    }
  }
  fclose(f);
  if (!b) exit(3);
  LLVMFuzzerTestOneInput(b, n), g_runs++;
  uint8_t *m = malloc(n ? n : 1);
  if (!m) exit(3);
  for (size_t i = 0; i < n && i < 4096; i++) { /* one byte changed, and the prefix before it */
    memcpy(m, b, n);
    m[i] ^= (uint8_t)(0x5a + i);
    LLVMFuzzerTestOneInput(m, n), g_runs++;
    LLVMFuzzerTestOneInput(b, i), g_runs++;
  }
  free(m);
  free(b);
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (argv[i][0] == '-') continue;
    struct stat st;
    if (stat(argv[i], &st) != 0) {
      fprintf(stderr, "fuzz_driver: %s: not found\n", argv[i]);
      return 1;
    }
    if (!S_ISDIR(st.st_mode)) {
      run_file(argv[i]);
      continue;
    }
    DIR *d = opendir(argv[i]);
    struct dirent *e;
    while (d && (e = readdir(d))) {
      if (e->d_name[0] == '.') continue;
      char p[4096];
      snprintf(p, sizeof p, "%s/%s", argv[i], e->d_name);
      run_file(p);
    }
    if (d) closedir(d);
  }
  printf("fuzz_driver: %ld runs, no crash\n", g_runs);
  return 0;
}
