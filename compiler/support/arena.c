/* arena.c — chunked bump allocator backing every compilation-lifetime object. */
#include "support/arena.h"
#include "support/alloc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ArenaChunk {
  ArenaChunk *next;
  size_t used, cap;
  _Alignas(16) unsigned char data[];
};

enum { ARENA_CHUNK = 64 * 1024 };

void arena_init(Arena *a) {
  a->head = NULL;
  a->total = 0;
}

void arena_free(Arena *a) {
  ArenaChunk *c = a->head;
  while (c) {
    ArenaChunk *next = c->next;
    free(c);
    c = next;
  }
  a->head = NULL;
  a->total = 0;
}

void *arena_alloc(Arena *a, size_t size) {
  size_t need = (size + 15) & ~(size_t)15;
  if (need < size) blo_oom(size);
  ArenaChunk *c = a->head;
  if (!c || c->cap - c->used < need) {
    size_t cap = need > ARENA_CHUNK / 2 ? need : ARENA_CHUNK;
    c = malloc(sizeof(ArenaChunk) + cap);
    if (!c) blo_oom(size);
    c->used = 0;
    c->cap = cap;
    /* A big allocation gets its own chunk behind the current one so that the
     * current chunk's free space is not wasted. */
    if (a->head && need > ARENA_CHUNK / 2) {
      c->next = a->head->next;
      a->head->next = c;
    } else {
      c->next = a->head;
      a->head = c;
    }
  }
  void *p = c->data + c->used;
  c->used += need;
  a->total += need;
  memset(p, 0, size);
  return p;
}

void *arena_calloc(Arena *a, size_t n, size_t size) {
  if (size && n > SIZE_MAX / size) blo_oom(SIZE_MAX);
  return arena_alloc(a, n * size);
}

char *arena_strndup(Arena *a, const char *s, size_t n) {
  char *p = arena_alloc(a, n + 1);
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

char *arena_strdup(Arena *a, const char *s) { return arena_strndup(a, s, strlen(s)); }

static char *arena_vprintf(Arena *a, const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0) n = 0;
  char *p = arena_alloc(a, (size_t)n + 1);
  vsnprintf(p, (size_t)n + 1, fmt, ap);
  return p;
}

char *arena_printf(Arena *a, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *p = arena_vprintf(a, fmt, ap);
  va_end(ap);
  return p;
}

void *arena_grow(Arena *a, const void *v, size_t n, size_t elem, size_t *cap) {
  *cap = vec_grow_cap(*cap, n);
  void *nv = arena_calloc(a, *cap, elem);
  if (n) memcpy(nv, v, n * elem);
  return nv;
}

void ptrvec_push(Arena *a, PtrVec *v, void *item) {
  ARENA_VEC_GROW(a, v->items, v->len, v->cap);
  v->items[v->len++] = item;
}
