/* alloc.h — the compiler's one allocation layer. The x* functions are malloc, calloc, realloc
 * and strdup that never return NULL: out of memory (or a size that overflows size_t) prints
 * `bloc: out of memory (N bytes)` and exits with status 3, as doc/security.md promises; there
 * is nothing a compilation could recover. VEC_GROW is the growable array of Lua's
 * luaM_growvector and QBE's vgrow: a typed pointer, a count and a capacity, doubled on demand. */
#ifndef BLOC_ALLOC_H
#define BLOC_ALLOC_H

#include <stddef.h>

/* Report out of memory for a request of `bytes` and exit(3). */
_Noreturn void blo_oom(size_t bytes);

/* malloc(size), at least 1 byte; never NULL. */
void *xmalloc(size_t size);
/* calloc(n, size), at least 1 byte, zeroed; never NULL (n * size may not overflow). */
void *xcalloc(size_t n, size_t size);
/* realloc(p, n * size), at least 1 byte; never NULL (n * size may not overflow). With p NULL,
 * the checked malloc of an array of n elements. */
void *xrealloc(void *p, size_t n, size_t size);
/* A copy of the string s; never NULL. */
char *xstrdup(const char *s);

/* The capacity after cap when n + 1 elements are needed: cap doubled (8 at first) until it
 * holds them. */
size_t vec_grow_cap(size_t cap, size_t n);

/* Make room for element v[n] of the array v (a typed pointer, NULL when empty) of capacity cap
 * (an int or size_t lvalue): doubles cap and reallocates v when n == cap. Then v[n++] = x. */
#define VEC_GROW(v, n, cap)                                                            \
  do {                                                                                 \
    if ((size_t)(n) >= (size_t)(cap)) {                                                \
      size_t vec_newcap_ = vec_grow_cap((size_t)(cap), (size_t)(n));                   \
      (v) = xrealloc((v), vec_newcap_, sizeof *(v));                                   \
      (cap) = vec_newcap_;                                                             \
    }                                                                                  \
  } while (0)

#endif
