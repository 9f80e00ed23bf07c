/* rt_run.h — the public entry point of the runtime: rt_solve runs one method on one problem
 * with the loop every method shares — stopping rules (outer_steps, tol, SIGINT), progress on
 * stderr, a CSV trace, a result JSON, saved iterates (the final or the best trace point),
 * diagnostics at trace points, and the numerical-failure rules (NaN/Inf, divergence, and
 * on_divergence = halve going back to the best trace point). The `bloc run` driver fills an
 * RtRunConfig from its command line and calls rt_solve; formats are specified in doc/methods.md. */
#ifndef BLOC_RT_RUN_H
#define BLOC_RT_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "rt_api.h"
#include "blo_abi.h"
#include "rt_methods.h"
#include "rt_oracle.h"

/* C++ programs link against libbloc's C symbols (blo_abi.h and bloc.h do the same) */
#ifdef __cplusplus
extern "C" {
#endif

/* Exit statuses (also the process exit status of `bloc run`). */
enum {
  RT_STATUS_OK = 0,           /* finished: outer_steps reached or tol met */
  RT_STATUS_USER = 1,         /* unusable problem, option or output path; nothing was solved */
  RT_STATUS_NUMERICAL = 2,    /* NaN/Inf or divergence; the last good iterate is reported */
  RT_STATUS_MEMORY = 3,       /* out of memory (the message says for what); nothing was solved,
                               * or the run stopped there as at a numerical failure */
  RT_STATUS_CANCELLED = 4,    /* on_trace asked to stop (library callers); results as for an
                               * interruption */
  RT_STATUS_INTERRUPTED = 130 /* SIGINT (or rt_request_stop); results written as usual.
                               * SIGTERM, SIGHUP, SIGPIPE stop a run the same way, with status
                               * 128 + signal (143, 129, 141) */
};

typedef enum RtStop {
  RT_STOP_NONE,        /* not started (user error) */
  RT_STOP_STEPS,       /* "outer_steps" */
  RT_STOP_TOL,         /* "tol" */
  RT_STOP_INTERRUPTED, /* "interrupted" */
  RT_STOP_NUMERICAL,   /* "numerical_failure" */
  RT_STOP_CANCELLED    /* "cancelled" (RtRunConfig.on_trace) */
} RtStop;

/* RtRunConfig.on_trace: called at every trace point with its row (rt_trace_ncols(p) values,
 * named by rt_trace_column; rt_output.h). A nonzero return stops the run after this point as
 * an interruption does, with RT_STOP_CANCELLED and RT_STATUS_CANCELLED. */
typedef int (*RtTraceFn)(void *ctx, const double *row, int ncols);

/* "none", "outer_steps", "tol", "interrupted", "numerical_failure", "cancelled". */
RT_API const char *rt_stop_name(RtStop stop);

typedef enum RtProgressMode {
  RT_PROGRESS_AUTO,  /* a live status line on a terminal, plain periodic lines otherwise */
  RT_PROGRESS_LINE,  /* the live status line (redrawn with \r, at most 10 times a second) */
  RT_PROGRESS_PLAIN, /* a line every plain_interval seconds, and a last one */
  RT_PROGRESS_NONE
} RtProgressMode;

/* Which iterate --save-x / --save-y write (doc/methods.md "Results"). */
typedef enum RtKeep {
  RT_KEEP_AUTO, /* the last for a run that finished or was interrupted, else the best */
  RT_KEEP_LAST, /* the final (last good) iterate */
  RT_KEEP_BEST  /* the best trace point: least |hypergradient|, or least f (stochastic) */
} RtKeep;

typedef struct RtRunConfig {
  const char *trace_path;   /* CSV trace, or NULL */
  const char *out_path;     /* result JSON, or NULL */
  const char *save_x_path;  /* final x, one %.17g number per line, or NULL */
  const char *save_y_path;  /* final y, likewise, or NULL */
  RtKeep keep;              /* which iterate the saved vectors hold (default RT_KEEP_AUTO) */
  /* How warnings tell the caller to keep the best point: bloc run's "--keep best"; NULL: the
   * run setting's "keep = best" (the C API's bloc_options_run, Python's solve(keep=...)). */
  const char *keep_best;
  bool quiet;               /* no progress and no warnings (errors are still printed) */
  bool silent; /* nothing printed at all, errors included (they are in RtResult.message):
                  for library callers; implies quiet */
  int64_t seed;             /* >= 0: overrides the option 'seed'; -1: use the option */
  FILE *progress;           /* progress stream; NULL: stderr */
  FILE *messages;           /* warnings and errors ("bloc: warning: ..."); NULL: stderr */
  const char *who; /* how those messages begin: NULL "bloc", an emitted solver its name */
  RtProgressMode progress_mode;
  double plain_interval;    /* seconds between plain progress lines (default 5) */
  int ritz_steps;           /* Lanczos steps of the Ritz diagnostic (default 10; 0: off) */
  bool residual;            /* residual |A v - b| at trace points (default true) */
  double divergence_factor; /* divergence rule factor (default 1e10; 0: off), see doc/methods.md */
  bool handle_sigint;       /* install the stop handler of SIGINT, SIGTERM, SIGHUP and SIGPIPE
                             * for the run (default true) */
  int64_t json_vector_max; /* x and y appear in full in the JSON up to this length (default 1000) */
  /* Library callers that solve from several threads at once (api/): the run neither clears
   * nor reads the process-wide stop flag of rt_request_stop and the signals (with
   * handle_sigint false, nothing stops it but on_trace). Default false. */
  bool isolated;
  RtTraceFn on_trace;       /* called at every trace point (NULL: none) */
  void *on_trace_ctx;
  /* Each warning and note of the run as it is made (kind "warning" or "note", the text
   * without "bloc: KIND: "), silent or not; none with quiet. Errors are RtResult.message.
   * Library callers turn them into their diagnostics: a silent run's warnings (not
   * converged, a biased estimate) reached no one. NULL: none. */
  void (*on_message)(void *ctx, const char *kind, const char *text);
  void *on_message_ctx;
  /* Warnings about the run given before it (its options, the method on this program: fom
   * ignoring how y*(x) moves), already shown with the program's diagnostics: the result JSON
   * lists them first, as it does the run's own, for scripts that read only the JSON (a fom
   * run that stayed at its start with |d| = 0 looked converged there). Not copied: they must
   * outlive the run. */
  const char *const *given_warnings;
  int ngiven_warnings;
  /* How many of the first given_warnings are the program's (the compiler's and the data
   * stage's: a kink in g, data float rounds away), which say nothing of why a run ended as
   * it did; the options' that follow may (fom ignoring how y*(x) moves: x never moves). */
  int nprogram_warnings;
  /* The lower objective's first operation that is not twice differentiable in y ("relu",
   * "abs", ...; the compiler's Program.nonsmooth_op), or NULL: the end-of-run hints then send
   * the user to methods that need only g's gradient, not to the implicit methods, which
   * refuse such a program. Not copied. Default NULL. */
  const char *nonsmooth_op;
  /* What happened before the run, for the result JSON's "compile" object (bloc run fills it;
   * a negative t_data leaves the object out): seconds in the data stage and in compiling
   * (parse, derive, code generation), how many of the JIT's compile parts there were and
   * how many came from its cache (both 0: no JIT), and whether the JIT compiled while the
   * data stage ran (1) or after it (0). */
  double t_data, t_compile;
  int jit_parts, jit_cached, jit_overlapped;
  /* The problem's data is split by rows across the MPI ranks (a `sharded` declaration, run
   * under mpirun; doc/scaling.md): the oracle sums every output across them
   * (rt_oracle_set_sharded). Default false; without MPI or on one rank it changes nothing. */
  bool sharded;
  /* At the end of a deterministic run, the exact hypergradient at the final x against the
   * method's estimate, with a warning when they disagree (rt_run_checks.c, check_estimate).
   * Default true (rt_run_config_init). */
  bool check_estimate;
  /* The problem's y0 was given by the caller (bloc run --init-y), not computed from x0 by a
   * lower initialiser that uses x: it is kept when the initial x is projected onto its
   * constraints. Otherwise (the default) such a y0 is recomputed as Phi(P(x0)). */
  bool y0_given;
  /* x0 is the caller's (--init-x, bloc_set_start): a warm start, perhaps at the answer of an
   * earlier run, which measures no progress: the end-of-run checks that compare a random
   * estimate's end with its start (not settled, the exact hypergradient) are left out */
  bool x0_given;
  /* What was compiled, for the result JSON's "program" object (bloc run and the C API fill
   * it; a NULL version leaves the object out): the program's file (NULL for a program
   * given as text without a name), its constants given from outside (-D, bloc_define) by
   * name and value, the data files given from outside (--data), the data stage's seed
   * (which a library caller may have set apart from the run's), and the version of bloc. A
   * script sweeping -D n=... can then tell its results apart, and a run can be repeated from
   * its JSON alone. Not copied: they must outlive the run. */
  const char *program_file;
  const char *const *define_names;
  const double *define_values;
  int ndefines;
  /* the data files given from outside (bloc run's --data NAME=FILE), by declaration name and
   * path as given, in order (the last one of a name won) */
  const char *const *data_names;
  const char *const *data_paths;
  int ndata_files;
  uint64_t data_seed;
  const char *bloc_version;
  /* A stochastic problem's full variant (every sample set read as its whole population, a
   * deterministic problem on the same data with the exact method's kernels), asked for at
   * the end of a run that the check of the full objective applies to (rt_run_checks.c,
   * check_random_estimate; check_estimate on): it returns the variant, or NULL when there is
   * none (a note then says that nothing checked x against the full objective, and how to).
   * The variant must outlive the run. bloc run, bloc compare and the C API give it; NULL (the
   * default, and the emitted solver's): no variant. */
  const BloProblem *(*full_problem)(void *ctx);
  void *full_ctx;
  /* Why full_problem gave no variant, asked after it returned NULL, for the note: a reduction
   * over drawn rows with no form over all the data (compiler/front/sema_full.c), the variant's
   * first compile error, data it cannot borrow (f32, sharded); NULL: the runtime says what it
   * knows (a batch(1) set) and guesses nothing. NULL function: none. */
  const char *(*full_why)(void *ctx);
  /* The name the progress lines begin with ("small: step 10/40 ..."): bloc compare gives an
   * entry's label (--methods small=lancbio). NULL (the default): the method's name. */
  const char *progress_name;
} RtRunConfig;

/* One recovery of on_divergence = halve: the failure at `step`, the best iterate the run went
 * back to, and the step sizes it went on with. */
#define RT_MAX_RECOVERIES 3
typedef struct RtRecovery {
  int64_t step, from_step;
  double x_step, y_step;
  double eta; /* the method's eta after it, NaN where the method has none */
  char reason[512];
} RtRecovery;

typedef struct RtResult {
  int status;               /* RT_STATUS_* */
  RtStop stop;
  char message[1024];       /* what went wrong (status 1, 2), empty otherwise */
  const char *method;
  const char *precision;    /* the option precision, "f64" or "f32" (the summary names f32) */
  int64_t steps;            /* outer steps completed (and kept) */
  uint64_t seed;
  /* Diagnostics at the final (last good) point; residual / ritz NaN when not computed. */
  double f, g, grad_y_g_norm, hypergrad_norm, residual, ritz_min, ritz_max;
  bool projected; /* x is constrained: hypergrad_norm is |x - P(x - d)| ("stationarity") */
  /* a problem with sample sets: f, g and |grad_y g| are means over this many draws at the
   * final y (eval_draws), hypergrad_norm one draw's; 0 on a deterministic problem */
  int eval_draws;
  /* such a problem's phi over all the data, which bloc eval --what phi measures on a twin of
   * the program (words of rt_full_twin) where it cannot on the program itself (a batch(1)
   * set, f32 or sharded data); NULL on the program itself, or on a deterministic problem */
  const char *full_twin;
  int64_t nx, ny;
  double *x, *y;            /* final x and y (owned; y is the lower point of x, doc/methods.md) */
  int n_reports;
  double *reports;          /* owned */
  /* The best trace point (step -1: none): by |hypergradient| for deterministic problems, by f
   * for stochastic ones (best_by names which); its diagnostics and iterate (owned). */
  int64_t best_step;
  const char *best_by;
  double best_f, best_g, best_grad_y_g_norm, best_hypergrad_norm;
  double *best_x, *best_y, *best_reports;
  bool saved_best;          /* the saved vectors (and "saved" in the JSON) are the best iterate */
  int n_recoveries;         /* on_divergence = halve */
  RtRecovery recoveries[RT_MAX_RECOVERIES];
  uint64_t calls[RT_CALL_NKINDS];      /* the method's oracle calls (kernel evaluations) */
  uint64_t diag_calls[RT_CALL_NKINDS]; /* diagnostics' calls */
  double t_setup, t_solve, t_diag, t_output, t_total; /* seconds */
  int n_warnings;
} RtResult;

/* "best" / "last" (--keep) into *keep: 0, or -1 for any other word. */
RT_API int rt_keep_parse(const char *word, RtKeep *keep);

/* Defaults as documented on each field. */
RT_API void rt_run_config_init(RtRunConfig *c);

/* Solve problem p with the resolved options opt. Writes the trace / result / saved vectors
 * named in cfg and fills res, which is overwritten (free a previous result first; release
 * this one with rt_result_free, also after a failure). cfg may be NULL (defaults). Returns
 * res->status. Never exits; user errors come back as status 1 with res->message (also printed
 * to cfg->messages as "bloc: error: ..."). */
RT_API int rt_solve(const BloProblem *p, const RtOptions *opt, const RtRunConfig *cfg,
                    RtResult *res);
RT_API void rt_result_free(RtResult *res);

/* Would rt_solve accept opt for p? Runs the method's setup as rt_solve does (option
 * constraints such as soba's inner_steps = 1, aliases, the problem's size, memory) and frees
 * it, without evaluating any kernel or printing anything. seed >= 0 overrides the option
 * 'seed', as RtRunConfig.seed. Returns RT_STATUS_OK, or RT_STATUS_USER with the message
 * rt_solve would print (no "bloc: error:" prefix) in err. For drivers that run several
 * methods and want every option error before the first run (bloc compare). */
RT_API int rt_check(const BloProblem *p, const RtOptions *opt, int64_t seed, char *err,
                    size_t errlen);

/* Bytes of rt_mem arena (rt_mem_set_arena) that rt_solve(p, opt, cfg) allocates: its solver,
 * its diagnostics and its results, measured by running that setup on the heap and freeing it.
 * With an arena of that size, a solve (and rt_result_free) never touches the heap; opening
 * the output files of cfg does, through stdio. Returns RT_STATUS_OK, or RT_STATUS_USER with
 * the message rt_solve would print in err. */
RT_API int rt_solve_arena_bytes(const BloProblem *p, const RtOptions *opt, const RtRunConfig *cfg,
                                size_t *bytes, char *err, size_t errlen);

/* The outcome as `bloc run` prints it on stdout: what stopped the run, the final values,
 * reports and oracle counts (doc/methods.md). */
RT_API void rt_print_summary(FILE *out, const BloProblem *p, const RtResult *r);
/* Where the summary goes: stdout, or stderr when one of cfg's outputs is "-" (stdout then
 * carries that file's content alone, so `--save-x - > x.csv` is a vector file). */
RT_API FILE *rt_summary_stream(const RtRunConfig *cfg);

/* Ask the running rt_solve to stop after the current outer step, as SIGINT does.
 * Async-signal-safe. The flag is cleared when rt_solve starts. */
RT_API void rt_request_stop(void);

#ifdef __cplusplus
}
#endif
#endif
