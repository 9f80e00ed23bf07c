/* rt_mem.c — counting calloc/free (see rt_mem.h). Each block carries a 16-byte header with its
 * size, which keeps the payload 16-byte aligned and lets rt_mem_free update the live count.
 * Arena blocks are the header plus the payload rounded up to 16 bytes, bumped off the buffer. */
#include "rt_mem.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "rt_fmt.h"

#define HDR 16

/* per thread: each thread counts its own blocks and sets its own arena */
static RT_THREAD_LOCAL RtMemStats stats;
static RT_THREAD_LOCAL unsigned char *arena_next, *arena_end; /* arena_next NULL: the heap */
static RT_THREAD_LOCAL uintptr_t arena_lo, arena_hi; /* the arena's range, for rt_mem_free */

RT_API void *rt_mem_calloc(size_t n, size_t size) {
  if (size && n > (SIZE_MAX - 2 * HDR) / size) return NULL;
  size_t bytes = n * size;
  size_t block = HDR + (bytes + HDR - 1) / HDR * HDR;
  unsigned char *p;
  if (arena_next) {
    if ((size_t)(arena_end - arena_next) < block) return NULL;
    p = arena_next;
    arena_next += block;
    memset(p, 0, block);
  } else {
    p = calloc(1, bytes + HDR);
    if (!p) return NULL;
  }
  *(size_t *)p = bytes;
  stats.calls++;
  stats.live_bytes += bytes;
  stats.arena_bytes += block;
  if (stats.live_bytes > stats.peak_bytes) stats.peak_bytes = stats.live_bytes;
  return p + HDR;
}

RT_API void rt_mem_free(void *ptr) {
  if (!ptr) return;
  unsigned char *p = (unsigned char *)ptr - HDR;
  stats.live_bytes -= *(size_t *)p;
  if (arena_next && (uintptr_t)p >= arena_lo && (uintptr_t)p < arena_hi) return;
  free(p);
}

RT_API RtMemStats rt_mem_stats(void) { return stats; }

RT_API void rt_mem_reset_peak(void) { stats.peak_bytes = stats.live_bytes; }

RT_API void rt_mem_set_arena(void *buf, size_t bytes) {
  arena_next = arena_end = NULL;
  arena_lo = arena_hi = 0;
  if (!buf || bytes < RT_MEM_ARENA_SLACK) return;
  unsigned char *b = buf;
  size_t skip = (size_t)((HDR - (uintptr_t)b % HDR) % HDR);
  arena_next = b + skip;
  arena_end = b + bytes;
  arena_lo = (uintptr_t)arena_next;
  arena_hi = (uintptr_t)arena_end;
}

static RT_THREAD_LOCAL int oom_raised;

RT_API void rt_oom_raise(void) { oom_raised = 1; }

RT_API int rt_oom_take(void) {
  int was = oom_raised;
  oom_raised = 0;
  return was;
}

RT_API int rt_oom_errf(char *err, size_t errlen, const char *fmt, ...) {
  if (err && errlen) {
    va_list ap;
    va_start(ap, fmt);
    rt_vfit(err, errlen, fmt, ap); /* a long path leaves room for the reason */
    va_end(ap);
  }
  oom_raised = 1;
  return -1;
}
