/* rt_mem.h — the runtime's one allocation layer: calloc/free with counters (calls, live and
 * peak bytes), so tests can prove that hot loops never allocate and that a method's memory does
 * not depend on, e.g., the number of unrolled steps. Blocks come from the heap, or from a
 * caller's buffer (an arena) while one is set: the library entry point of generated solvers
 * runs a whole solve without touching the heap. Counters and arena are per thread
 * (each thread sees the blocks it allocated; solves on two threads do not mix). */
#ifndef BLOC_RT_MEM_H
#define BLOC_RT_MEM_H

#include <stddef.h>
#include <stdint.h>

#include "rt_api.h"

typedef struct RtMemStats {
  uint64_t calls;       /* successful rt_mem_calloc calls since start (or last reset) */
  size_t live_bytes;    /* currently allocated (payload bytes) */
  size_t peak_bytes;    /* maximum of live_bytes since the last rt_mem_reset_peak */
  size_t arena_bytes;   /* arena space those calls took, or would have taken from the heap:
                           the difference over a sequence of calls sizes an arena for it */
} RtMemStats;

/* Zeroed memory for n elements of `size` bytes; NULL on overflow or exhaustion (n == 0 gives a
 * valid minimal block). Release with rt_mem_free. */
RT_API void *rt_mem_calloc(size_t n, size_t size);
RT_API void rt_mem_free(void *p);
RT_API RtMemStats rt_mem_stats(void);
/* Start a new peak measurement: peak_bytes = live_bytes. */
RT_API void rt_mem_reset_peak(void);

/* Take blocks from buf[0..bytes) (any alignment; RT_MEM_ARENA_SLACK bytes go to aligning it)
 * instead of the heap, until called again; buf = NULL returns to the heap. rt_mem_free of an
 * arena block only updates the counters, so release every arena block before the buffer is
 * reused or the arena unset. */
RT_API void rt_mem_set_arena(void *buf, size_t bytes);
#define RT_MEM_ARENA_SLACK 16

/* Out of memory is its own status (3; BLOC_ERR_MEMORY), not a user error, yet the runtime's
 * failures travel as -1 (or NULL) and a message in an err buffer. So a failure for want of
 * memory also raises this thread's flag: rt_oom_errf writes the message and raises it,
 * rt_oom_raise only raises it. Whoever turns a failure into a status (rt_solve, the data
 * stage, the library) clears it before the stage (rt_oom_take) and takes it after. */
RT_API int rt_oom_errf(char *err, size_t errlen, const char *fmt, ...) RT_PRINTF(3, 4);
RT_API void rt_oom_raise(void);
/* Whether the flag was raised since the last call; clears it. */
RT_API int rt_oom_take(void);

#endif
