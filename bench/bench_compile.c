/* bench_compile.c — compile + JIT latency of every example (make bench): each example
 * (examples/NAME.blo) (or the files given) is compiled through blo_compile_file with the JIT
 * backend, at its real size, several times in one process, and the median of each phase is printed:
 * parse (+ sema), data stage (loaders, generators, hoisted tensors, initial points), derive
 * (lowering, kernels, hoisting), JIT (jit_compile: planning, LLVM IR, optimisation, machine code,
 * linking). The target is compile + JIT, i.e. everything but the data stage, under 100 ms per
 * example: rows over it are flagged. "total wall" is all of blo_compile_file (the JIT overlapping
 * the data stage where it can), with the cache off and on. The first compile of the process also
 * pays LLVM's one-time initialisation; it is printed on its own and not part of the medians. These
 * compiles run with the object cache off (BLOC_CACHE=0: LLVM does all the work); then, with the
 * cache in a fresh temporary directory, one compile fills it and as many again are timed: the
 * "cached" column, what a second `bloc run` of the same problem pays. Usage: bench_compile [-n
 * rounds] [file.blo ...] */
#define _GNU_SOURCE
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compiled.h" /* looks inside the compiled problem */
#include "llvm/jit.h"
#include "timing.h"
#include "rt_linalg.h"

#ifndef BENCH_EXAMPLES_DIR
#define BENCH_EXAMPLES_DIR "examples"
#endif

#define BUDGET_MS 100.0
#define MAX_ROUNDS 15

enum {
  P_PARSE,
  P_DATA,
  P_DERIVE,
  P_JIT,
  P_JITCPU,
  P_CRIT,
  P_PLAN,
  P_OPT,
  P_EMIT,
  P_LINK,
  P_NOTDATA,
  P_WALL,
  P_HITS,
  P_COUNT
};

/* One compile; fills t[P_*]. Returns the number of kernels, -1 on failure. */
static int compile_once(const char *path, double *t) {
  BloCompileOptions opt = {0};
  opt.backend = BLO_BACKEND_JIT;
  BloCompiled *c = NULL;
  double t0 = bench_now_ms();
  int rc = blo_compile_file(path, &opt, &c);
  double wall = bench_now_ms() - t0;
  if (rc != 0 || !c->jit) {
    blo_compiled_free(c);
    return -1;
  }
  const JitTimings *j = jit_timings(c->jit);
  t[P_PARSE] = c->time.parse_ms;
  t[P_DATA] = c->time.data_ms;
  t[P_DERIVE] = c->time.derive_ms;
  t[P_JIT] = c->time.compile_ms;
  /* what jit_compile costs on one free CPU: planning, the parts' CPU time, linking */
  t[P_JITCPU] = j->plan_ms + j->codegen_ms + j->verify_ms + j->optimize_ms + j->emit_ms + j->jit_ms;
  /* ... and on as many free CPUs as parts: the costliest part bounds it */
  t[P_CRIT] = j->plan_ms + j->part_max_ms + j->jit_ms;
  t[P_PLAN] = j->plan_ms;
  t[P_OPT] = j->optimize_ms;
  t[P_EMIT] = j->emit_ms;
  t[P_LINK] = j->jit_ms;
  t[P_NOTDATA] = c->time.parse_ms + c->time.derive_ms + c->time.compile_ms;
  t[P_WALL] = wall;
  t[P_HITS] = j->cache_hits;
  int nk = 0;
  for (int k = 0; k < BLO_K_COUNT; k++) nk += jit_kernel(c->jit, (BloKernelId)k) != NULL;
  blo_compiled_free(c);
  return nk;
}

static const char *base(const char *p) {
  const char *s = strrchr(p, '/');
  return s ? s + 1 : p;
}

int main(int argc, char **argv) {
  rt_blas_stop_idle_threads(); /* as `bloc run` does */
  int rounds = 5, first = 1;
  if (argc > 2 && !strcmp(argv[1], "-n")) {
    rounds = atoi(argv[2]);
    if (rounds < 1) rounds = 1;
    if (rounds > MAX_ROUNDS) rounds = MAX_ROUNDS;
    first = 3;
  }
  glob_t g = {0};
  char **files = argv + first;
  int nfiles = argc - first;
  if (nfiles == 0) {
    if (glob(BENCH_EXAMPLES_DIR "/*.blo", 0, NULL, &g) != 0) {
      fprintf(stderr, "bench_compile: no examples under %s\n", BENCH_EXAMPLES_DIR);
      return 1;
    }
    files = g.gl_pathv;
    nfiles = (int)g.gl_pathc;
  }
  char cache_dir[] = "/tmp/bloc-bench-cache-XXXXXX";
  if (!mkdtemp(cache_dir)) {
    perror("bench_compile: mkdtemp");
    return 1;
  }
  setenv("BLOC_CACHE_DIR", cache_dir, 1);
  setenv("BLOC_CACHE", "0", 1);
  printf("\n== Compile + JIT latency per example (blo_compile_file, JIT backend, real sizes)\n");
  printf(
      "  median of %d compiles in one process (fewer when the data stage takes > 1 s), ms wall;\n"
      "  compile + JIT = parse + derive + JIT (everything but the data stage); budget %.0f ms\n"
      "  JIT = jit_compile wall (of which: plan; CPU summed over the compile threads: optimise, "
      "machine code;"
      " LLJIT link);\n  JIT CPU = plan + CPU of every compile part + link: jit_compile's wall time "
      "on one free CPU"
      " (load-independent);\n  JIT CPU, slowest part = plan + CPU of the costliest part + link: "
      "its wall time with a free CPU per part\n"
      "  cached = compile + JIT when every object comes from the JIT's cache (median of as many "
      "compiles)\n"
      "  total wall = all of blo_compile_file, the data stage included (the JIT compiles while it "
      "runs\n"
      "  unless a symmetry check is pending): bloc run's time to its first step, less process "
      "start\n",
      rounds, BUDGET_MS);
  /* cold: the first compile of the process pays LLVM's initialisation (targets, pass registry) */
  double cold[P_COUNT];
  if (compile_once(files[0], cold) < 0) {
    fprintf(stderr, "bench_compile: %s does not compile\n", files[0]);
    return 1;
  }
  printf(
      "  first compile in the process (%s, not in the table): JIT %.1f ms, compile + JIT %.1f ms\n",
      base(files[0]), cold[P_JIT], cold[P_NOTDATA]);
  FILE *la = fopen("/proc/loadavg", "r");
  char load[128] = "?";
  if (la) {
    if (fgets(load, sizeof load, la)) load[strcspn(load, "\n")] = '\0';
    fclose(la);
  }
  printf("  load average before the table (other processes share the CPUs): %s\n\n", load);
  printf("| example | kernels | parse | data stage | derive | JIT | compile + JIT | JIT CPU | "
         "JIT CPU, slowest part | plan | "
         "optimise (CPU) |"
         " machine code (CPU) | link | total wall | ≤ %.0f ms | cached | cached total wall |\n",
         BUDGET_MS);
  printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|\n");
  fflush(stdout);
  int over = 0;
  for (int f = 0; f < nfiles; f++) {
    double t[P_COUNT][MAX_ROUNDS], one[P_COUNT];
    int n = 0, nk = 0;
    double started = bench_now_ms();
    for (int r = 0; r < rounds; r++) {
      nk = compile_once(files[f], one);
      if (nk < 0) break;
      for (int p = 0; p < P_COUNT; p++) t[p][n] = one[p];
      n++;
      if (n >= 3 && one[P_DATA] > 1000) break; /* data loading dominates: 3 compiles are enough */
      if (bench_now_ms() - started > 30000) break;
    }
    if (n == 0) {
      printf("| %s | compile failed (run bloc check %s) |\n", base(files[f]), files[f]);
      over++;
      continue;
    }
    double m[P_COUNT];
    for (int p = 0; p < P_COUNT; p++) m[p] = bench_median(t[p], n);
    bool bad = m[P_NOTDATA] > BUDGET_MS;
    over += bad;
    /* the same number of compiles with the cache on, after one that fills it */
    unsetenv("BLOC_CACHE");
    double warm[MAX_ROUNDS], warm_wall[MAX_ROUNDS];
    int nw = 0;
    bool all_hits = compile_once(files[f], one) >= 0;
    for (int r = 0; r < n && all_hits; r++) {
      all_hits = compile_once(files[f], one) >= 0 && one[P_HITS] > 0;
      warm_wall[nw] = one[P_WALL];
      warm[nw++] = one[P_NOTDATA];
    }
    setenv("BLOC_CACHE", "0", 1);
    char cached[32] = "miss", cached_wall[32] = "miss";
    if (all_hits && nw) {
      snprintf(cached, sizeof cached, "%.1f", bench_median(warm, nw));
      snprintf(cached_wall, sizeof cached_wall, "%.1f", bench_median(warm_wall, nw));
    }
    printf("| %s | %d | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f "
           "| %.1f | %s | %s | %s |\n",
           base(files[f]), nk, m[P_PARSE], m[P_DATA], m[P_DERIVE], m[P_JIT], m[P_NOTDATA],
           m[P_JITCPU], m[P_CRIT], m[P_PLAN], m[P_OPT], m[P_EMIT], m[P_LINK], m[P_WALL],
           bad ? "**no: over budget**" : "yes", cached, cached_wall);
    fflush(stdout);
  }
  printf("\n  %d of %d examples over the %.0f ms compile + JIT budget\n", over, nfiles, BUDGET_MS);
  if (g.gl_pathv) globfree(&g);
  char cmd[64];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", cache_dir);
  if (system(cmd) != 0) fprintf(stderr, "bench_compile: could not remove %s\n", cache_dir);
  return 0;
}
