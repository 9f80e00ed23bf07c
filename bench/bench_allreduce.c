/* bench_allreduce.c — MPI_Allreduce (sum of doubles, in place, as rt_mpi_sum calls it) against
 * the message size on this machine: the communication term of the scaling model of
 * doc/scaling.md. Run under mpirun (`make bench` runs it on 2 ranks, or mpirun -n 2
 * bench/bench_allreduce); rank 0 prints, for each size, the median over 7 batches of the time
 * per call (the slowest rank's), the latency (one double), and t = alpha + bytes / bandwidth
 * fitted by least squares to the sizes from 8 KiB on. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Seconds per call of an allreduce of n doubles: the median of 7 batches of reps calls. */
static double time_allreduce(double *buf, int n, int reps) {
  double t[7];
  for (int b = 0; b < 7; b++) {
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    for (int r = 0; r < reps; r++)
      MPI_Allreduce(MPI_IN_PLACE, buf, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    double dt = (MPI_Wtime() - t0) / reps, worst;
    /* the slowest rank's time is the collective's */
    MPI_Allreduce(&dt, &worst, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    t[b] = worst;
  }
  qsort(t, 7, sizeof t[0], cmp_double);
  return t[3];
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  enum { NSIZES = 12 };
  const int sizes[NSIZES] = {1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576,
                             4194304};
  double *buf = malloc(sizeof(double) * (size_t)sizes[NSIZES - 1]);
  if (!buf) MPI_Abort(MPI_COMM_WORLD, 3);
  for (int i = 0; i < sizes[NSIZES - 1]; i++) buf[i] = 1e-9 * i;
  double secs[NSIZES];
  if (rank == 0)
    printf("MPI_Allreduce (MPI_SUM, doubles, in place) on %d ranks\n%10s %12s %12s %10s\n",
           size, "doubles", "bytes", "us/call", "GB/s");
  for (int k = 0; k < NSIZES; k++) {
    int n = sizes[k];
    /* about 50 ms a batch: enough calls to time the small sizes */
    double once = time_allreduce(buf, n, 3);
    int reps = once > 0 ? (int)(0.05 / once) : 1000;
    if (reps < 3) reps = 3;
    if (reps > 20000) reps = 20000;
    secs[k] = time_allreduce(buf, n, reps);
    if (rank == 0)
      printf("%10d %12lld %12.2f %10.3f\n", n, 8LL * n, 1e6 * secs[k],
             8.0 * n / secs[k] / 1e9);
  }
  if (rank == 0) {
    /* least squares of t = alpha + beta * bytes over the sizes from 8 KiB on */
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    int m = 0;
    for (int k = 0; k < NSIZES; k++) {
      double x = 8.0 * sizes[k];
      if (x < 8192) continue;
      sx += x, sy += secs[k], sxx += x * x, sxy += x * secs[k], m++;
    }
    double beta = (m * sxy - sx * sy) / (m * sxx - sx * sx), alpha = (sy - beta * sx) / m;
    printf("latency (1 double): %.2f us; fit from 8 KiB: alpha %.2f us, %.3f GB/s\n",
           1e6 * secs[0], 1e6 * alpha, 1e-9 / beta);
  }
  free(buf);
  MPI_Finalize();
  return 0;
}
