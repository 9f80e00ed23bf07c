/* arena.h — bump allocation for one compilation: the AST, the IR, strings and diagnostics
 * all live in one Arena and are freed together by arena_free. Allocation never fails
 * silently: on out-of-memory the process reports and exits (there is nothing to recover). */
#ifndef BLOC_ARENA_H
#define BLOC_ARENA_H

#include <stddef.h>

typedef struct ArenaChunk ArenaChunk;

typedef struct Arena {
  ArenaChunk *head;   /* newest chunk first */
  size_t total;       /* bytes handed out, for statistics */
} Arena;

/* Initialise an empty arena (no allocation until first use). */
void arena_init(Arena *a);
/* Free every chunk; the arena may be reused after arena_init. */
void arena_free(Arena *a);
/* Zeroed, 16-byte aligned memory that lives until arena_free. */
void *arena_alloc(Arena *a, size_t size);
/* Zeroed array of n elements of size `size`; aborts on overflow. */
void *arena_calloc(Arena *a, size_t n, size_t size);
/* Copy of the n bytes at s, NUL-terminated. */
char *arena_strndup(Arena *a, const char *s, size_t n);
char *arena_strdup(Arena *a, const char *s);
/* printf into the arena. */
char *arena_printf(Arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define ARENA_NEW(a, T) ((T *)arena_alloc((a), sizeof(T)))
#define ARENA_ARRAY(a, T, n) ((T *)arena_calloc((a), (n), sizeof(T)))

/* VEC_GROW (alloc.h) for an array kept in the arena: when n == cap, v becomes a copy of its n
 * elements in a new arena array of doubled capacity (the old one is abandoned, which is fine
 * for the small lists of a compilation). */
void *arena_grow(Arena *a, const void *v, size_t n, size_t elem, size_t *cap);
#define ARENA_VEC_GROW(a, v, n, cap)                                                   \
  do {                                                                                 \
    if ((size_t)(n) >= (size_t)(cap)) {                                                \
      size_t arena_cap_ = (size_t)(cap);                                               \
      (v) = arena_grow((a), (v), (size_t)(n), sizeof *(v), &arena_cap_);               \
      (cap) = arena_cap_;                                                              \
    }                                                                                  \
  } while (0)

/* Growable array of pointers kept in the arena (old storage is abandoned on growth,
 * which is fine for the small lists of a compilation). */
typedef struct PtrVec {
  void **items;
  size_t len, cap;
} PtrVec;
void ptrvec_push(Arena *a, PtrVec *v, void *item);

#endif
