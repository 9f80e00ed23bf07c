/* blo.h — bloc's public compile API: a .blo file in, a ready-to-solve BloProblem out.
 * Runs the whole pipeline of ENGINEERING.md: parse and check (sema), lower to IR, evaluate the
 * data stage (loaders, generators), derive and hoist the kernels, and compile them with the
 * chosen backend. User errors are reported as diagnostics (exit status 1 for the caller). */
#ifndef BLOC_BLO_H
#define BLOC_BLO_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "blo_abi.h"
#include "rt_shard.h"
#include "support/diag.h"
#include "front/sema.h"

typedef enum BloBackend { BLO_BACKEND_JIT, BLO_BACKEND_INTERP } BloBackend;

/* A data declaration's values supplied by the caller instead of its loader (api/bloc.h):
 * row-major doubles of exactly the declared shape (a tensor[T, K, d]: T*K*d in that order),
 * used in place, not copied; they must outlive the compiled problem. */
typedef struct BloBinding {
  const char *name;         /* a data declaration of the program */
  const double *values;
  const struct RtCsr *csr; /* instead of values, for a sparse[m, n] declaration (copied) */
} BloBinding;

typedef struct BloCompileOptions {
  const SemaDefine *defs;   /* -D overrides */
  int ndefs;
  const char *defs_given;   /* how they were given, for messages (SemaInputs.defs_given) */
  const SemaDataFile *data_files; /* --data NAME=FILE (SemaInputs.files) */
  int ndata_files;
  uint64_t seed;            /* seed of the data-stage generators */
  bool seed_set;            /* else the program's `seed` option, else 1 */
  BloBackend backend;
  /* BLO_PREC_F32: data tensors stored as floats (--precision, --set precision=); else the
   * program's `precision` option decides (default f64) */
  bool precision_set;
  BloPrecision precision;
  bool check_only;          /* stop after sema (bloc check) */
  bool no_data;             /* stop before the data stage (bloc derive, dump-ir): kernels are
                               derived with only statically known symmetry */
  FILE *diag_out;           /* NULL: stderr */
  bool keep_llvm_ir;        /* JIT: keep the optimised LLVM IR (bloc dump-llvm) */
  /* Compile only the kernels these methods call (rt_method_uses_kernel): methods[0..nmethods),
   * or when nmethods is 0 the program's own method; all_kernels (or no method at all) compiles
   * every kernel. Leaving out unused fused kernels only saves compile time; a method that
   * needs a left-out grad_x_g or hvp_yx kernel is refused when its solver is set up. */
  const char *const *methods;
  int nmethods;
  bool all_kernels;
  const BloBinding *bindings; /* declarations evaluated from caller memory (see BloBinding) */
  int nbindings;
  DiagSink diag_sink;       /* when set, diagnostics go there instead of diag_out (diag.h) */
  void *diag_sink_ctx;
  /* The rank this compile is for, of a data-parallel run over shard.count processes
   * (doc/scaling.md, "Sharded data"): the kernels of a program with sharded data then compute
   * that rank's share of every output. count 0: the environment's BLOC_SHARD=R/N (a testing
   * aid: one process compiled as rank R of N), else {0, 1}, today's unsharded compile. */
  RtShard shard;
  bool full_population; /* SemaInputs.full_population (blo_compile_full) */
} BloCompileOptions;

/* Wall times of the phases. With the JIT compiling while the data stage runs (overlapped),
 * compile_ms is the JIT's own wall time, which the data stage's overlaps, and wait_ms what
 * the data stage's end waited for it; else wait_ms is compile_ms. */
typedef struct BloTimings {
  double parse_ms, data_ms, derive_ms, compile_ms, wait_ms;
  bool overlapped;          /* the JIT compiled while the data stage ran */
  int jit_parts;            /* JIT: the parts compiled in parallel (0 for the evaluator) */
  int jit_cached;           /* JIT: of those, the parts loaded from the compile cache */
} BloTimings;

/* A compiled problem. Opaque to drivers: its fields are the stages' business
 * (compiler/compiled.h, for the stages and the dump commands). */
typedef struct BloCompiled BloCompiled;

/* Compile `path`. Returns 0 and *out on success; 1 after reporting user errors (diagnostics
 * printed to opt->diag_out); *out is then still set (for its Diag) and must be freed. */
int blo_compile_file(const char *path, const BloCompileOptions *opt, BloCompiled **out);

/* blo_compile_file in two halves, for callers that bind data after checking the program
 * (api/): blo_compile_begin parses and checks `path`, or the program `text` named `path` when
 * text is not NULL, and stops there (as check_only); blo_compile_rest then runs the rest of
 * the pipeline on c, once, with opt (its defs and seed are not read again). Both return 0,
 * or 1 after reporting user errors; *out is set as by blo_compile_file. */
int blo_compile_begin(const char *path, const char *text, const BloCompileOptions *opt,
                      BloCompiled **out);
int blo_compile_rest(BloCompiled *c, const BloCompileOptions *opt);

/* The settings blo_compile_rest reads from the environment first, checked as it checks them:
 * BLOC_SHARD (malformed, or set under mpirun with several ranks) and, with the JIT backend of
 * opt, BLOC_CPU (a name bloc does not know, or a level this CPU cannot run). 0, or 1 after
 * reporting the first bad one; no warning. For callers that report them as settings, not as a
 * failure of the data stage, and keep c compiled for another try (api/: Python's
 * OptionError). */
int blo_check_env(BloCompiled *c, const BloCompileOptions *opt);

/* The full variant of c (compiled and prepared, without errors, from a sampled program): the
 * same program with every sample set read as its whole population (SemaInputs.
 * full_population), compiled with opt (its defs, backend; the exact method's kernels) and
 * its data declarations bound to c's data, so that no file is read again where c kept the
 * values (a declaration c's data stage let go, one its kernels do not read, is evaluated
 * again). Its diagnostics go to opt's sink, or nowhere. Returns 0 and *out, or 1 (*out
 * NULL) when the variant does not compile (a batch(1) set dropped a dimension the whole
 * population keeps) or c cannot lend its data (precision f32, sharded): the caller goes
 * without it, or when the program has none (blo_full_why); a variant that does not compile
 * leaves its first error in c as the reason (blo_full_why). The variant borrows c's data: free
 * it before c. Each sum-like reduction over drawn rows is read as its mean over the draws
 * (compiler/front/sema_full.c). */
int blo_compile_full(BloCompiled *c, const BloCompileOptions *opt, BloCompiled **out);
/* Whether c can lend its data to a full variant (f64, not sharded): blo_compile_full's own
 * precondition, which bloc compare asks without compiling after an interrupt. */
bool blo_full_can_lend(const BloCompiled *c);
/* Why sampled program c has no full variant: a reduction over drawn rows whose mean over the
 * draws is no function of all the data (norm, logsumexp, ...: sema_full.c); else NULL. */
const char *blo_full_why(const BloCompiled *c);
/* Why c has no full variant, for a note: blo_full_why (after blo_compile_full failed, also
 * the variant's first error), or its data cannot be lent (sharded, f32); else NULL (a batch(1)
 * set, whose reason the runtime gives, or a variant not tried). */
const char *blo_full_absent_why(const BloCompiled *c);

/* Free everything, including JIT'd code (kernel pointers die with it). */
void blo_compiled_free(BloCompiled *c);

/* What a driver reads of a compiled problem. c must come from blo_compile_file and have
 * compiled without errors; the pointers live as long as c. */
const Program *blo_program(const BloCompiled *c); /* the checked program (sema.h) */
Diag *blo_diag(BloCompiled *c);                   /* to report more diagnostics on c's sources */
/* Whether out_path names an existing regular file the compile read (the program, an import, a
 * loaded data file): an output must not replace its own inputs (compiler/inputs.c). 1 with
 * the message in err (the caller names the output before it), else 0. */
int blo_output_replaces_input(const BloCompiled *c, const char *out_path, char *err, size_t errlen);
/* The kernels and sizes; NULL when compiled with check_only or no_data. */
BloProblem *blo_problem(BloCompiled *c);
/* The initial x and y (nx and ny doubles), which the caller may overwrite before solving. */
double *blo_x0(BloCompiled *c);
double *blo_y0(BloCompiled *c);
uint64_t blo_seed(const BloCompiled *c);          /* the data stage's seed */
uint64_t blo_program_seed(const BloCompiled *c);  /* the solve line's option seed, else 1 */
BloPrecision blo_precision(const BloCompiled *c); /* how the data are stored (BLO_PREC_F64/F32) */
/* The spelling of a precision in .blo files, --precision, --set and the API: "f64" or "f32".
 * blo_precision_parse returns 0 and *out, or -1 (and leaves *out) for any other name. */
int blo_precision_parse(const char *name, BloPrecision *out);
const char *blo_precision_name(BloPrecision p);
BloTimings blo_timings(const BloCompiled *c);
/* Whether c's kernels compute one rank's share of each output (the program has sharded data
 * and was compiled for a shard of count > 1): the caller must then sum every oracle output
 * over the ranks (MPI_Allreduce) to get the problem's value. */
bool blo_sharded(const BloCompiled *c);
/* The shard c was compiled for ({0, 1} when unsharded). */
RtShard blo_shard(const BloCompiled *c);

#endif
