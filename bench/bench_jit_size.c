/* bench_jit_size.c — how LLVM's compile time grows with a kernel's size (doc/performance.md,
 * "Compile time of huge kernels"; JIT_MAX_KERNEL_SIZE was set from it). For each N given, a
 * problem whose upper objective is a flat sum of N distinct terms c_i * (y[a] - d_i * x[b])^2
 * (the generator of tests/e2e/jit_limit.sh: nothing merges) is written to a temporary file and
 * compiled; then f and grad_f are each compiled alone by jit_compile on one thread with the
 * cache off and no size limit, and their size (sched_kernel_size), the optimised LLVM IR's
 * instruction count and the CPU time of LLVM IR generation, optimisation and machine code are
 * printed. Usage: bench_jit_size N... (e.g. 100 1000 10000; 10^5 takes hours) */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compiled.h" /* looks inside the compiled problem */
#include "llvm/jit.h"

static int write_problem(const char *path, long n) {
  FILE *f = fopen(path, "w");
  if (!f) return -1;
  const int m = 20;
  fprintf(f, "problem big%ld\nupper x : vector[%d] = 0.5\nlower y : vector[%d] = 0\n", n, m, m);
  for (long i = 0; i < n; i++)
    fprintf(f, "%s%.4g * (y[%ld] - %.4g * x[%ld])^2\n", i ? "  + " : "upper objective f = ",
            1 + (double)(i % 97) / 97, i % m, 1 + (double)i / (double)n, (i * 7 + 3) % m);
  fprintf(f, "lower objective g = 0.5 * sumsq(y - x) + 0.01 * sumsq(y)\n");
  return fclose(f);
}

/* Instructions of the functions in LLVM IR text: indented lines inside define ... { }. */
static long count_instructions(const char *ir) {
  long n = 0;
  bool in_fn = false;
  for (const char *l = ir; l && *l;) {
    const char *e = strchr(l, '\n');
    if (strncmp(l, "define ", 7) == 0) in_fn = true;
    else if (l[0] == '}') in_fn = false;
    else if (in_fn && l[0] == ' ' && l[1] == ' ' && l[2] != ';' && l[2] != '\n') n++;
    l = e ? e + 1 : NULL;
  }
  return n;
}

static int measure(IrProblem *p, BloKernelId id, long n) {
  int saved[BLO_K_COUNT];
  for (int k = 0; k < BLO_K_COUNT; k++) {
    saved[k] = p->kernels[k].nouts;
    if (k != (int)id) p->kernels[k].nouts = 0;
  }
  JitOptions o = jit_default_options();
  o.threads = 1;
  o.cache_dir = "";
  o.keep_ir = true;
  o.max_kernel_size = 0;
  JitModule *m;
  char err[512];
  int rc = jit_compile(p, &o, &m, err, sizeof err);
  for (int k = 0; k < BLO_K_COUNT; k++) p->kernels[k].nouts = saved[k];
  if (rc) {
    fprintf(stderr, "bench_jit_size: %s\n", err);
    return 1;
  }
  char *ir = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&ir, &len);
  jit_print_module(m, f);
  fclose(f);
  const JitTimings *t = jit_timings(m);
  printf("%8ld %-8s %9lld %9ld %10.1f %10.1f %10.1f %10.1f\n", n, p->kernels[id].name,
         (long long)jit_kernel_size(m, id), count_instructions(ir), t->codegen_ms, t->optimize_ms,
         t->emit_ms, t->codegen_ms + t->verify_ms + t->optimize_ms + t->emit_ms);
  fflush(stdout);
  free(ir);
  jit_free(m);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: bench_jit_size N...\n");
    return 2;
  }
  printf("%8s %-8s %9s %9s %10s %10s %10s %10s\n", "terms", "kernel", "size", "insts",
         "IR ms", "opt ms", "mc ms", "CPU ms");
  int rc = 0;
  for (int a = 1; a < argc && rc == 0; a++) {
    long n = strtol(argv[a], NULL, 10);
    char path[] = "/tmp/bench_jit_size_XXXXXX.blo";
    int fd = mkstemps(path, 4);
    if (n < 1 || fd < 0 || close(fd) || write_problem(path, n)) {
      fprintf(stderr, "bench_jit_size: cannot generate %s terms\n", argv[a]);
      return 1;
    }
    BloCompileOptions opt = {0};
    opt.backend = BLO_BACKEND_INTERP; /* the data stage and kernels, no JIT yet */
    BloCompiled *c = NULL;
    rc = blo_compile_file(path, &opt, &c);
    unlink(path);
    if (rc == 0) rc = measure(c->ir, BLO_K_F, n);
    if (rc == 0) rc = measure(c->ir, BLO_K_GRAD_F, n);
    blo_compiled_free(c);
  }
  return rc;
}
