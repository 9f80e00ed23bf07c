/* address_limit.c — OpenBLAS under an address-space limit (`ulimit -v`).
 *
 * OpenBLAS takes a work buffer of about 128 MiB for each thread that runs a level-3 or LAPACK
 * routine: its worker threads when the library loads, the calling thread at its first such
 * call. When malloc refuses one, it tries again, forever, and a SIGTERM changes nothing (bloc
 * stops between outer steps). Under `ulimit -v 300000` bloc hung at its start (main joining a
 * worker that was still trying) and, with one OpenBLAS thread under 250000, in its first
 * Cholesky factorisation: CPU spent until a SIGKILL. So, when a limit is set: too little room
 * for the workers' buffers runs bloc again with one OpenBLAS thread (the workers exist
 * before main runs, so only a new image is rid of them); too little for one buffer and LLVM
 * is an out of memory error (status 3) at once; else the calling thread's buffer is taken
 * now, before the data stage can use the room, and reused by every later call. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "driver.h"
#include "rt_linalg.h"

enum { MIB = 1 << 20 };
#define BLAS_BUFFER (136.0 * MIB) /* OpenBLAS 0.3's BUFFER_SIZE (128 MiB) and its pages */
#define SLACK (256.0 * MIB)       /* for bloc itself: LLVM, the data stage's first buffers */
/* LLVM's compile of a small problem: under less, its operator new threw std::bad_alloc, which
 * nothing in a C program catches (abort, status 134, under `ulimit -v 400000`) */
#define LLVM_NEED (192.0 * MIB)

/* The address space in use now (VmSize), or -1. */
static double address_space_used(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  if (!f) return -1;
  unsigned long pages = 0;
  int n = fscanf(f, "%lu", &pages);
  fclose(f);
  return n == 1 ? (double)pages * (double)sysconf(_SC_PAGESIZE) : -1;
}

/* The commands that compile kernels with LLVM and call OpenBLAS's level-3 and LAPACK routines;
 * `bloc check` and the others need neither (a check under `ulimit -v 400000` must work). */
static bool computes(const char *cmd) {
  static const char *const cmds[] = {"run", "compare", "eval", "dump-llvm"};
  for (size_t i = 0; cmd && i < sizeof cmds / sizeof cmds[0]; i++)
    if (!strcmp(cmd, cmds[i])) return true;
  return false;
}

void driver_fit_address_limit(char **argv) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_AS, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return;
  double used = address_space_used();
  if (used < 0) return;
  double room = (double)rl.rlim_cur - used;
  const char *nt = getenv("OPENBLAS_NUM_THREADS");
  bool one = nt && !strcmp(nt, "1");
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  if (!one && !getenv("BLOC_ADDRESS_LIMIT_FITTED") &&
      room < (double)(cpus > 1 ? cpus : 1) * BLAS_BUFFER + SLACK) {
    setenv("OPENBLAS_NUM_THREADS", "1", 1);
    setenv("BLOC_ADDRESS_LIMIT_FITTED", "1", 1); /* once: no loop if the exec changes nothing */
    execv("/proc/self/exe", argv);
    /* no /proc: go on as we are */
  }
  if (!computes(argv[0] ? argv[1] : NULL)) return;
  if (room < BLAS_BUFFER + LLVM_NEED) {
    fprintf(stderr,
            "bloc: out of memory: the address-space limit (ulimit -v) leaves %.0f MiB, and "
            "OpenBLAS's work buffer and LLVM need about %.0f MiB; raise the limit\n",
            room / MIB, (BLAS_BUFFER + LLVM_NEED) / MIB);
    exit(3);
  }
  rt_blas_reserve_buffer();
}
