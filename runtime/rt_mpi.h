/* rt_mpi.h — the runtime's one door to MPI (doc/scaling.md). Built with -DBLO_USE_MPI it calls
 * MPI; without, every function is a single-process stub (rank 0 of 1), so the library, the
 * no-MPI build and generated solvers make the same calls. MPI is initialised only when a
 * launcher started the process (mpirun sets OMPI_COMM_WORLD_SIZE, PMIx PMIX_RANK, Hydra and
 * Slurm PMI_SIZE): a program run by hand never pays for MPI_Init. The state is process-wide (MPI
 * is: one communicator, MPI_COMM_WORLD). Plain C99. */
#ifndef BLOC_RT_MPI_H
#define BLOC_RT_MPI_H

#include <stddef.h>
#include <stdint.h>

#include "rt_api.h"

/* Initialise MPI when launched by an MPI launcher (and not yet initialised); argc/argv may be
 * NULL. Idempotent. Returns 0, or -1 when MPI_Init failed (the process then runs alone). */
RT_API int rt_mpi_init(int *argc, char ***argv);
/* MPI_Finalize when rt_mpi_init initialised MPI; then rank 0 of 1 again. Idempotent. */
RT_API void rt_mpi_finalize(void);
/* This process's rank and the number of ranks: 0 and 1 outside MPI. */
RT_API int rt_mpi_rank(void);
RT_API int rt_mpi_size(void);

/* Sums the nbuf buffers bufs[i][0..lens[i]) across all ranks, in place, with ONE
 * MPI_Allreduce: the buffers are packed into pack (room for the sum of lens; may be NULL when
 * nbuf == 1, which needs no packing) and unpacked. Every rank must call it with the same
 * lengths. Adds the bytes sent (8 a double) to the counter below. Does nothing on one rank.
 * Returns 0, or -1 when MPI failed (MPI's default handler aborts the job before that). */
RT_API int rt_mpi_sum(double *const *bufs, const int64_t *lens, int nbuf, double *pack);
/* Bytes of doubles rt_mpi_sum has reduced in this process (one rank's share), and a reset (of
 * this counter and rt_mpi_gather_bytes'). */
RT_API uint64_t rt_mpi_bytes(void);
RT_API void rt_mpi_bytes_reset(void);

/* A block of rows x cols doubles at buf (row-major) whose rows are split over the ranks by
 * rt_shard_rows (rt_shard.h): each rank holds its own rows, the others are to be filled. */
typedef struct RtMpiRows {
  double *buf;
  int64_t rows, cols;
} RtMpiRows;

/* Completes the nblk blocks on every rank with the other ranks' rows, with ONE
 * MPI_Allgatherv: this rank's rows of every block are packed into pack (room for the sum of
 * the blocks' sizes; may be NULL when nblk == 1, which is gathered in place) and every rank's
 * unpacked. Exact: each value is copied from the rank that owns it. Every rank must call it
 * with the same shapes; the total must stay below 2^31 doubles (MPI counts are ints: else
 * -1 and nothing done). Adds the bytes this rank contributes (its rows, 8 a double) to
 * rt_mpi_gather_bytes. Does nothing on one rank. Returns 0, or -1 when MPI failed. */
RT_API int rt_mpi_gather_rows(const RtMpiRows *blk, int nblk, double *pack);
RT_API uint64_t rt_mpi_gather_bytes(void);

/* The collective "did any rank fail?": every rank passes its status (0: fine, else an exit
 * status); returns the largest status of all ranks, and in *who (may be NULL) the lowest rank
 * that has it, the one that prints the message. Without MPI: status and 0. Every rank must call
 * it at the same point. */
RT_API int rt_mpi_agree(int status, int *who);

/* Ends every rank with status (MPI_Abort under MPI, exit otherwise). For failures where the
 * others cannot be told in an orderly way (out of memory). */
RT_API void rt_mpi_abort(int status);

#endif
