/* jit.h — the native backend: an IrProblem's kernels compiled to machine code with LLVM,
 * one function per kernel with the ABI of runtime/blo_abi.h, linked by an ORC LLJIT whose
 * code the returned pointers live in. Planning is schedule.h's, code generation cg_llvm*.c;
 * this module runs the LLVM pipeline for the host CPU, in parallel parts (one module and one
 * object file per part). Generated code reaches libm, memset/memcpy and CBLAS only through
 * an explicit table of absolute symbols, never through the process's symbol search. */
#ifndef BLOC_JIT_H
#define BLOC_JIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ir/problem.h"
#include "plan/schedule.h"

typedef struct JitOptions {
  int opt_level;     /* 0..3 for the host CPU; default 2. 0, 1, 3: LLVM's "default<On>"
                        (3 interleaves and unrolls); 2: a lean function pipeline that
                        vectorises without interleaving or unrolling (compile time; see jit.c) */
  bool keep_ir;      /* keep the optimised LLVM IR text for jit_print_module (bloc dump-llvm) */
  bool verify;       /* verify the module before optimising (default true; false skips it) */
  const char *passes; /* a new-pass-manager pipeline replacing the default (debugging), or NULL */
  int threads;       /* compile threads (kernels are split into this many modules); 0: one per
                        online CPU, at most 4; never more than kernels */
  SchedOptions sched;
  const char *cache_dir; /* the object cache (jit_cache.h): NULL, the environment's choice
                            (BLOC_CACHE_DIR, BLOC_CACHE=0, ~/.cache/bloc); "": no cache. Never
                            used with keep_ir (the optimised IR is not cached) */
  int cache_max_entries; /* entries kept in the cache directory (0: 256) */
  int64_t max_kernel_size; /* kernels whose plan is larger (jit_kernel_size) are not compiled:
                              LLVM's time grows faster than linearly with a function's size;
                              jit_kernel returns NULL for them. 0: no limit */
  bool skinny_inline; /* every skinny product's register-blocked loops inside its kernel, as
                         before they were shared (tests compare the two bit for bit); default
                         false: one function per distinct product and module, called by every
                         kernel that needs it (compile time, doc/performance.md) */
  bool vectorize_all; /* every loop given to LLVM's loop vectoriser, as before elementwise
                         loops that vectors cannot speed up were left scalar and sampled rows
                         copied by memcpy (tests compare the two bit for bit); default false:
                         such loops stay scalar (compile time, cg_llvm_scalar.c,
                         emit_gather_rows in cg_llvm.c, doc/performance.md) */
  bool f32;          /* data tensors stored as floats (precision f32; cg_llvm.h) */
  int vector_bits;   /* vector width of the generated loops: 256 or 512 (512 only on a CPU
                        with AVX-512F, else 256 is used); 0: per kernel, 512 on such a
                        CPU for kernels with row-parallel regions or skinny products (where
                        it measured faster: doc/performance.md), else 256 */
  bool any_host_width; /* testing: vector_bits as asked even on a CPU without AVX-512F, where
                          LLVM splits the wide vectors into 256-bit halves, so the 512-bit
                          code's results can be checked on any x86-64 machine */
} JitOptions;

/* The default max_kernel_size: LLVM compiles a kernel of this size in about 1 s of CPU
 * (doc/performance.md, "Compile time"). */
#define JIT_MAX_KERNEL_SIZE 50000

/* BLOC_VECTOR_WIDTH: 256 or 512 when the environment sets it to that, else 0 (the host's
 * default; any other value is ignored, and reported by blo_compile_file). */
int jit_env_vector_bits(void);

/* Default options: O2, verify, no IR kept, max_kernel_size JIT_MAX_KERNEL_SIZE,
 * vector_bits jit_env_vector_bits(). */
JitOptions jit_default_options(void);

/* Whether the CPU compiled for has AVX-512F (512-bit vectors of doubles): the host's, or the
 * level BLOC_CPU names (jit_target.h). */
bool jit_host_has_avx512(void);


/* Where jit_compile spends its time. Kernels are compiled in `threads` parts in parallel:
 * the per-phase times of compilation are CPU time summed over the parts, so they can add up
 * to more than compile_wall_ms; plan_ms, jit_ms and total_ms are wall time. */
typedef struct JitTimings {
  double plan_ms;         /* sched_problem */
  double codegen_ms;      /* plan -> LLVM IR */
  double verify_ms;
  double optimize_ms;     /* LLVMRunPasses */
  double emit_ms;         /* machine code (object files) */
  double compile_wall_ms; /* the parallel section: IR, verification, optimisation, machine code */
  double jit_ms;          /* LLJIT creation, linking the objects, symbol lookup */
  double part_max_ms; /* CPU of the costliest part (IR to machine code): with plan_ms and
                         jit_ms, compile + JIT's wall time when every part has a free CPU */
  double total_ms;
  int threads;
  int cache_hits;         /* parts whose object came from the cache (no optimisation, no
                             machine code: their optimize_ms and emit_ms are 0) */
  double cache_ms;        /* CPU: hashing the modules, reading and writing the cache */
  int vector_bits;        /* the width asked for: 256, 512, or 0 (per kernel) */
} JitTimings;

typedef struct JitModule JitModule;

/* The first call initialises LLVM's native target and sets two process-wide LLVM options,
 * -disable-lsr and -post-RA-scheduler=false (see jit.c): a program that parses LLVM
 * command-line options itself should do so before.
 * Compile every kernel of p that has outputs (p->kernels[id].nouts > 0). opt may be NULL.
 * On success *out owns the machine code (free with jit_free) and 0 is returned. On failure
 * returns -1, *out = NULL and err holds one line "internal error: ..." (planning, LLVM
 * verification, target lookup, symbol resolution); nothing leaks. p is only read. */
int jit_compile(const IrProblem *p, const JitOptions *opt, JitModule **out, char *err,
                size_t errlen);

/* The compiled kernel, or NULL when the problem has no such kernel or it was left out as
 * larger than max_kernel_size (jit_kernel_size says which). Valid until jit_free. */
BloKernelFn jit_kernel(const JitModule *m, BloKernelId id);

/* A kernel's size as max_kernel_size counts it: an estimate of its LLVM code from the plan
 * (expressions plus loop nests); 0 when the problem has no such kernel. */
int64_t jit_kernel_size(const JitModule *m, BloKernelId id);

/* Doubles of env->work every kernel of the module needs (the maximum over kernels). */
int64_t jit_work_size(const JitModule *m);

/* The execution plan the code was generated from (for dumps and statistics). */
const SchedKernel *jit_plan(const JitModule *m, BloKernelId id);
/* The plan's x-memo slots (SchedPlan.xmemo), *n of them. Valid until jit_free. */
const SchedXMemo *jit_xmemo(const JitModule *m, int *n);

const JitTimings *jit_timings(const JitModule *m);

/* The compile's warning, for the caller to report (jit_compile never prints): the compile
 * cache's directory or an entry of it was refused (jit_cache.h), the message without
 * "warning: "; NULL when there was none. At most one per compile, whatever the parts met. */
const char *jit_warning(const JitModule *m);

/* Write the optimised LLVM IR (when compiled with keep_ir; otherwise a one-line comment saying
 * it was not kept): one module per compile part, one after another, each kernel a function
 * "bloc_<name>" (see jit_symbol). */
void jit_print_module(const JitModule *m, FILE *out);

/* Symbol name of a kernel in the module: "bloc_<kernel name>", or "bloc_kernel<id>" when the
 * name is missing, too long or used by an earlier kernel (NULL when absent or not compiled). */
const char *jit_symbol(const JitModule *m, BloKernelId id);

/* The module's shared skinny-product functions ("bloc.skinny<i>", compiler/llvm/
 * cg_llvm_skinny.c), for programs that time their tile loops alone (bench/bench_loops.c):
 * function i over rows [lo, hi) (of c for a b', of a and b for a' b, which adds into c), alpha
 * read when key->alpha, pf the prefetch distance in elements of a of an a b' in a region (0:
 * its own rows), pft (read when key->pft, else NULL) hi - lo pointers to the rows the
 * function prefetches (a' b: for the next block, instead of those that follow); with
 * key->direct, a is not a matrix but hi - lo pointers to its rows lo.. (rows read in place:
 * cg_gather_row_table).
 * jit_skinny returns NULL for i outside [0, jit_skinny_count), else the function, valid until
 * jit_free, with the key it was generated for in *key (when not NULL). */
struct CgSkinnyKey;
typedef void (*JitSkinnyFn)(const void *a, const void *b, double *c, int64_t lo, int64_t hi,
                            double alpha, int64_t pf, const void *const *pft);
int jit_skinny_count(const JitModule *m);
JitSkinnyFn jit_skinny(const JitModule *m, int i, struct CgSkinnyKey *key);

void jit_free(JitModule *m);

#endif
