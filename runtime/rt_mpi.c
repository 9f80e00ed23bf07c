/* rt_mpi.c — MPI, or single-process stubs without BLO_USE_MPI (rt_mpi.h). */
#include "rt_mpi.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef BLO_USE_MPI
#include <mpi.h>
#endif

#include "rt_shard.h"

/* Process-wide, as MPI's own state is. */
static int rt_mpi_inited, rt_mpi_rank_, rt_mpi_size_ = 1;
static int rt_mpi_verify_; /* BLOC_VERIFY: every collective first checks that all ranks agree */
static uint64_t rt_mpi_bytes_, rt_mpi_gather_bytes_;
static int *rt_mpi_counts_, *rt_mpi_displs_; /* rt_mpi_gather_rows: one per rank */

/* Whether a launcher started us: OpenMPI's mpirun, PMIx launchers, Hydra (MPICH) and Slurm. */
static int launched_by_mpi(void) {
  static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"};
  size_t i;
  for (i = 0; i < sizeof vars / sizeof vars[0]; i++) {
    const char *v = getenv(vars[i]);
    if (v && *v) return 1;
  }
  return 0;
}

RT_API int rt_mpi_init(int *argc, char ***argv) {
#ifdef BLO_USE_MPI
  int already = 0;
  if (rt_mpi_inited || !launched_by_mpi()) return 0;
  MPI_Initialized(&already);
  if (!already && MPI_Init(argc, argv) != MPI_SUCCESS) return -1;
  rt_mpi_inited = already ? 2 : 1; /* 2: someone else initialised it and finalises it */
  MPI_Comm_rank(MPI_COMM_WORLD, &rt_mpi_rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &rt_mpi_size_);
  /* allocated once here, so that gathers allocate nothing; without them a gather fails */
  rt_mpi_counts_ = malloc((size_t)rt_mpi_size_ * 2 * sizeof(int));
  rt_mpi_displs_ = rt_mpi_counts_ ? rt_mpi_counts_ + rt_mpi_size_ : NULL;
  {
    const char *v = getenv("BLOC_VERIFY");
    rt_mpi_verify_ = v && *v && strcmp(v, "0") != 0;
  }
  return 0;
#else
  (void)argc;
  (void)argv;
  (void)launched_by_mpi;
  (void)rt_mpi_inited;
  (void)rt_mpi_verify_;
  return 0;
#endif
}

RT_API void rt_mpi_finalize(void) {
#ifdef BLO_USE_MPI
  int done = 0;
  if (rt_mpi_inited == 1) {
    MPI_Finalized(&done);
    if (!done) MPI_Finalize();
  }
#endif
  free(rt_mpi_counts_);
  rt_mpi_counts_ = rt_mpi_displs_ = NULL;
  rt_mpi_inited = 0;
  rt_mpi_rank_ = 0;
  rt_mpi_size_ = 1;
}

#ifdef BLO_USE_MPI
/* With BLOC_VERIFY, before each collective: the ranks compare what they are about to call
 * (kind: 1 sum, 2 gather, 3 agree; the number of values) with one small MPI_Allreduce of their
 * own, which every collective of this file makes first, so that it always meets its match. A
 * rank that took another path than the others (a choice made from a value of its own: the
 * flops of its rows, once) made MPI_Allreduce fail with MPI_ERR_TRUNCATE, exit 15, no word of
 * bloc's, or wait for ever; this ends every rank with status 3 and says which call differs. */
static void verify_same_call(int kind, int64_t count) {
  static const char *const what[] = {"?", "a sum", "a gather", "an agreement"};
  long long v[4] = {kind, count, -(long long)kind, -(long long)count}, w[4];
  if (!rt_mpi_verify_ || rt_mpi_size_ <= 1) return;
  if (MPI_Allreduce(v, w, 4, MPI_LONG_LONG, MPI_MAX, MPI_COMM_WORLD) != MPI_SUCCESS) return;
  if (w[0] == -w[2] && w[1] == -w[3]) return; /* the largest is the smallest: all the same */
  fprintf(stderr,
          "bloc: internal error: the MPI ranks disagree at a collective call: rank %d calls %s "
          "of %lld values, and the ranks' calls range over kinds %lld to %lld and %lld to %lld "
          "values (a bug in bloc: a choice that differs between ranks)\n",
          rt_mpi_rank_, what[kind], (long long)count, -w[2], w[0], -w[3], w[1]);
  fflush(stderr);
  /* rank 0's message is the one printed (bloc run holds the others' stderr back): the others
   * give it time to print and end the job before they end it themselves */
  if (rt_mpi_rank_ > 0) {
    double t0 = MPI_Wtime();
    while (MPI_Wtime() - t0 < 10) {
    }
  }
  MPI_Abort(MPI_COMM_WORLD, 3);
  exit(3);
}
#endif

RT_API int rt_mpi_rank(void) { return rt_mpi_rank_; }
RT_API int rt_mpi_size(void) { return rt_mpi_size_; }
RT_API uint64_t rt_mpi_bytes(void) { return rt_mpi_bytes_; }
RT_API uint64_t rt_mpi_gather_bytes(void) { return rt_mpi_gather_bytes_; }
RT_API void rt_mpi_bytes_reset(void) { rt_mpi_bytes_ = rt_mpi_gather_bytes_ = 0; }

RT_API int rt_mpi_sum(double *const *bufs, const int64_t *lens, int nbuf, double *pack) {
  int64_t total = 0;
  int i;
  if (rt_mpi_size_ <= 1 || nbuf <= 0) return 0;
  for (i = 0; i < nbuf; i++) total += lens[i];
  if (total <= 0) return 0;
  rt_mpi_bytes_ += (uint64_t)total * sizeof(double);
#ifdef BLO_USE_MPI
  verify_same_call(1, total);
  {
    /* MPI counts are ints: reduce in pieces of at most 2^30 doubles (one call in practice) */
    const int64_t piece = (int64_t)1 << 30;
    double *buf = nbuf == 1 ? bufs[0] : pack;
    int64_t at = 0, off = 0;
    if (!buf) return -1;
    if (nbuf > 1)
      for (i = 0; i < nbuf; i++) {
        memcpy(pack + off, bufs[i], (size_t)lens[i] * sizeof(double));
        off += lens[i];
      }
    for (at = 0; at < total; at += piece) {
      int n = (int)(total - at < piece ? total - at : piece);
      if (MPI_Allreduce(MPI_IN_PLACE, buf + at, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD) !=
          MPI_SUCCESS)
        return -1;
    }
    off = 0;
    if (nbuf > 1)
      for (i = 0; i < nbuf; i++) {
        memcpy(bufs[i], pack + off, (size_t)lens[i] * sizeof(double));
        off += lens[i];
      }
  }
  return 0;
#else
  (void)bufs;
  (void)pack;
  return 0;
#endif
}

/* Rank r's rows of blk[0..nblk) packed one block after the other (the layout of rank r's part
 * of the gathered buffer), or in place at the rows' own offset when nblk == 1: count, first
 * element. */
static int64_t rank_part(const RtMpiRows *blk, int nblk, int r, int64_t *first) {
  RtShard s;
  int64_t n = 0;
  int i;
  s.rank = r;
  s.count = rt_mpi_size_;
  *first = nblk == 1 ? rt_shard_rows(s, blk[0].rows).r0 * blk[0].cols : 0;
  for (i = 0; i < nblk; i++) n += rt_shard_rows(s, blk[i].rows).n * blk[i].cols;
  return n;
}

/* Copies rank r's rows of every block between the blocks and pack + at (to pack when out). */
static void move_part(const RtMpiRows *blk, int nblk, int r, double *pack, int64_t at, int out) {
  RtShard s;
  int i;
  s.rank = r;
  s.count = rt_mpi_size_;
  for (i = 0; i < nblk; i++) {
    RtRows rr = rt_shard_rows(s, blk[i].rows);
    double *mine = blk[i].buf + rr.r0 * blk[i].cols;
    size_t bytes = (size_t)(rr.n * blk[i].cols) * sizeof(double);
    if (out)
      memcpy(pack + at, mine, bytes);
    else
      memcpy(mine, pack + at, bytes);
    at += rr.n * blk[i].cols;
  }
}

RT_API int rt_mpi_gather_rows(const RtMpiRows *blk, int nblk, double *pack) {
  int64_t total = 0, first = 0, n;
  int r;
  if (rt_mpi_size_ <= 1 || nblk <= 0) return 0;
  if (!rt_mpi_counts_ || (nblk > 1 && !pack)) return -1;
  for (r = 0; r < rt_mpi_size_; r++) {
    n = rank_part(blk, nblk, r, &first);
    if (total + n > INT_MAX || first > INT_MAX) return -1;
    rt_mpi_counts_[r] = (int)n;
    rt_mpi_displs_[r] = (int)(nblk == 1 ? first : total);
    total += n;
  }
  if (total <= 0) return 0;
  rt_mpi_gather_bytes_ += (uint64_t)rt_mpi_counts_[rt_mpi_rank_] * sizeof(double);
#ifdef BLO_USE_MPI
  verify_same_call(2, total);
  {
    double *buf = nblk == 1 ? blk[0].buf : pack;
    if (nblk > 1) move_part(blk, nblk, rt_mpi_rank_, pack, rt_mpi_displs_[rt_mpi_rank_], 1);
    if (MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, buf, rt_mpi_counts_, rt_mpi_displs_,
                       MPI_DOUBLE, MPI_COMM_WORLD) != MPI_SUCCESS)
      return -1;
    if (nblk > 1)
      for (r = 0; r < rt_mpi_size_; r++)
        if (r != rt_mpi_rank_) move_part(blk, nblk, r, pack, rt_mpi_displs_[r], 0);
  }
  return 0;
#else
  (void)move_part;
  return 0;
#endif
}

RT_API int rt_mpi_agree(int status, int *who) {
  if (who) *who = rt_mpi_rank_;
#ifdef BLO_USE_MPI
  if (rt_mpi_size_ > 1) {
    verify_same_call(3, 1);
    /* MAXLOC: the largest status, and on a tie the lowest rank holding it */
    struct {
      int v, r;
    } in, out;
    in.v = status;
    in.r = rt_mpi_rank_;
    out = in;
    if (MPI_Allreduce(&in, &out, 1, MPI_2INT, MPI_MAXLOC, MPI_COMM_WORLD) == MPI_SUCCESS) {
      if (who) *who = out.r;
      return out.v;
    }
  }
#endif
  return status;
}

RT_API void rt_mpi_abort(int status) {
#ifdef BLO_USE_MPI
  if (rt_mpi_size_ > 1) MPI_Abort(MPI_COMM_WORLD, status);
#endif
  exit(status);
}
