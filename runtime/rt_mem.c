/* rt_mem.c — counting calloc/free (see rt_mem.h). Each block carries a 16-byte header with its
 * size, which keeps the payload 16-byte aligned and lets rt_mem_free update the live count. */
#include "rt_mem.h"

#include <stdlib.h>

#define HDR 16

static RtMemStats stats;

RT_API void *rt_mem_calloc(size_t n, size_t size) {
  if (size && n > (SIZE_MAX - HDR) / size) return NULL;
  size_t bytes = n * size;
  unsigned char *p = calloc(1, bytes + HDR);
  if (!p) return NULL;
  *(size_t *)p = bytes;
  stats.calls++;
  stats.live_bytes += bytes;
  if (stats.live_bytes > stats.peak_bytes) stats.peak_bytes = stats.live_bytes;
  return p + HDR;
}

RT_API void rt_mem_free(void *ptr) {
  if (!ptr) return;
  unsigned char *p = (unsigned char *)ptr - HDR;
  stats.live_bytes -= *(size_t *)p;
  free(p);
}

RT_API RtMemStats rt_mem_stats(void) { return stats; }

RT_API void rt_mem_reset_peak(void) { stats.peak_bytes = stats.live_bytes; }
