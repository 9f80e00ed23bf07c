/* rt_clock.h — the monotonic clock every timing in bloc reads: the runtime's (oracle seconds,
 * the run's time columns, the parallel loops' spin budget), the compiler's and the driver's.
 * Header-only, so that the emitted solvers, which copy the runtime (RUNTIME_FILES), have it
 * without a library; the includer defines _POSIX_C_SOURCE for clock_gettime, as bloc's
 * sources do. */
#ifndef RT_CLOCK_H
#define RT_CLOCK_H

#include <stdint.h>
#include <time.h>

#include "rt_api.h"

/* Nanoseconds since an arbitrary start (CLOCK_MONOTONIC: not moved by changes of the date). */
static inline int64_t rt_clock_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The same clock in seconds (exact to the nanosecond for 104 days of uptime). */
static inline double rt_seconds(void) { return 1e-9 * (double)rt_clock_ns(); }

/* In milliseconds, as the compiler's timings are kept (the emitted solvers, which copy this
 * header, have no use for it: clang would warn of an unused function). */
static inline RT_MAYBE_UNUSED double rt_milliseconds(void) { return 1e-6 * (double)rt_clock_ns(); }

#endif
