/* ranks.c — bloc under mpirun (doc/scaling.md): every rank runs the same command, rank 0 alone
 * speaks. The other ranks' stdout goes to /dev/null and their stderr to a temporary file, which
 * a rank copies to the real stderr only when it is the one that reports a failure: an error
 * seen by every rank (a compile error) is printed once, by rank 0, and an error of one rank
 * alone (its data file) once, by that rank. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "driver.h"
#include "rt_mpi.h"

static int real_stderr = -1; /* ranks > 0: the descriptor stderr had */
static FILE *captured;       /* what they wrote to stderr instead */

void driver_ranks_start(int *argc, char ***argv) {
  rt_mpi_init(argc, argv);
  if (rt_mpi_rank() == 0) return;
  int null = open("/dev/null", O_WRONLY);
  if (null >= 0) {
    fflush(stdout);
    dup2(null, STDOUT_FILENO);
    close(null);
  }
  captured = tmpfile();
  if (!captured) return; /* then this rank speaks too: better twice than never */
  fflush(stderr);
  real_stderr = dup(STDERR_FILENO);
  if (real_stderr < 0 || dup2(fileno(captured), STDERR_FILENO) < 0) {
    fclose(captured);
    captured = NULL;
  }
}

int driver_ranks_agree(int status) {
  int who = 0;
  int all = rt_mpi_agree(status, &who);
  if (all && who == rt_mpi_rank() && who > 0 && captured) {
    /* the failing rank with the lowest number reports what it wrote */
    fflush(stderr);
    rewind(captured);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, captured)) > 0)
      if (write(real_stderr, buf, n) < 0) break;
  }
  return all;
}

int driver_ranks_finish(int status) {
  rt_mpi_finalize();
  return status;
}
