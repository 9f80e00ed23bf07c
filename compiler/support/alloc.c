/* alloc.c — checked allocation for the compiler (see alloc.h): one out-of-memory report. */
#include "support/alloc.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* _exit, not exit: the JIT may be compiling on another thread while the data stage runs out of
 * memory, and exit's handlers (LLVM's static destructors among them) then ran under it: 4 of 40
 * such runs ended in a segfault, "double free or corruption" or an LLVM error instead of
 * status 3. What was written to stdout is flushed first. Two threads running out at once (the
 * data stage and the JIT) printed two messages: the second waits for the first's _exit. */
_Noreturn void blo_oom(size_t bytes) {
  static atomic_flag reported = ATOMIC_FLAG_INIT;
  if (atomic_flag_test_and_set(&reported))
    for (;;) pause();
  fflush(stdout);
  fprintf(stderr, "bloc: out of memory (%zu bytes)\n", bytes);
  fflush(stderr);
  _exit(3);
}

/* n * size, or out of memory when it overflows */
static size_t total(size_t n, size_t size) {
  if (size && n > SIZE_MAX / size) blo_oom(SIZE_MAX);
  return n * size;
}

void *xmalloc(size_t size) {
  void *p = malloc(size ? size : 1);
  if (!p) blo_oom(size);
  return p;
}

void *xcalloc(size_t n, size_t size) {
  size_t bytes = total(n, size);
  void *p = calloc(bytes ? bytes : 1, 1);
  if (!p) blo_oom(bytes);
  return p;
}

void *xrealloc(void *p, size_t n, size_t size) {
  size_t bytes = total(n, size);
  void *q = realloc(p, bytes ? bytes : 1);
  if (!q) blo_oom(bytes);
  return q;
}

char *xstrdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = xmalloc(n);
  memcpy(d, s, n);
  return d;
}

size_t vec_grow_cap(size_t cap, size_t n) {
  size_t c = cap ? cap : 8;
  while (c <= n) {
    if (c > SIZE_MAX / 2) blo_oom(SIZE_MAX);
    c *= 2;
  }
  return c;
}
