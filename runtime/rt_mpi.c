/* rt_mpi.c — MPI, or single-process stubs without BLO_USE_MPI (rt_mpi.h). */
#include "rt_mpi.h"

#include <stdlib.h>
#include <string.h>

#ifdef BLO_USE_MPI
#include <mpi.h>
#endif

/* Process-wide, as MPI's own state is. */
static int rt_mpi_inited, rt_mpi_rank_, rt_mpi_size_ = 1;
static uint64_t rt_mpi_bytes_;

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
  return 0;
#else
  (void)argc;
  (void)argv;
  (void)launched_by_mpi;
  (void)rt_mpi_inited;
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
  rt_mpi_inited = 0;
  rt_mpi_rank_ = 0;
  rt_mpi_size_ = 1;
}

RT_API int rt_mpi_rank(void) { return rt_mpi_rank_; }
RT_API int rt_mpi_size(void) { return rt_mpi_size_; }
RT_API uint64_t rt_mpi_bytes(void) { return rt_mpi_bytes_; }
RT_API void rt_mpi_bytes_reset(void) { rt_mpi_bytes_ = 0; }

RT_API int rt_mpi_sum(double *const *bufs, const int64_t *lens, int nbuf, double *pack) {
  int64_t total = 0;
  int i;
  if (rt_mpi_size_ <= 1 || nbuf <= 0) return 0;
  for (i = 0; i < nbuf; i++) total += lens[i];
  if (total <= 0) return 0;
  rt_mpi_bytes_ += (uint64_t)total * sizeof(double);
#ifdef BLO_USE_MPI
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

RT_API int rt_mpi_agree(int status, int *who) {
  if (who) *who = rt_mpi_rank_;
#ifdef BLO_USE_MPI
  if (rt_mpi_size_ > 1) {
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
