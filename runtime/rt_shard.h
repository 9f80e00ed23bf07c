/* rt_shard.h — how sharded data are split over the ranks of a data-parallel run: the one
 * formula both the compiler (which compiles kernels for one rank's rows) and the runtime
 * (which loads those rows) use. Plain C99, header only.
 * Rank r of N owns the contiguous global rows [floor(r n / N), floor((r + 1) n / N)) of a
 * tensor of n rows: the blocks differ by at most one row, the first ranks get the smaller
 * ones, and their union over r = 0 .. N-1 is every row exactly once (doc/scaling.md,
 * "Sharded data"). A rank may own no row when n < N; the compiler refuses that case. */
#ifndef BLOC_RT_SHARD_H
#define BLOC_RT_SHARD_H

#include <stdint.h>

#include "rt_api.h"
#include "rt_data.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The rank a problem is compiled for, of how many. {0, 1} is an unsharded run. */
typedef struct RtShard {
  int rank; /* 0 .. count-1 */
  int count; /* >= 1 */
} RtShard;

/* The rows of a tensor with n global rows that shard s owns (RtRows, rt_data.h: [r0, r0 + n)). n <
 * 2^31 and count < 2^31 (the language's limits), so n * (rank + 1) cannot overflow. */
static inline RT_MAYBE_UNUSED RtRows rt_shard_rows(RtShard s, int64_t n) {
  RtRows r;
  int64_t lo = n * (int64_t)s.rank / (int64_t)s.count;
  int64_t hi = n * ((int64_t)s.rank + 1) / (int64_t)s.count;
  r.r0 = lo;
  r.n = hi - lo;
  return r;
}

#ifdef __cplusplus
}
#endif
#endif
