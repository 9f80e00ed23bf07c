/* api_int.h — what the C API's files (api/api_*.c) share: the handles' contents and the
 * diagnostics list. Not installed; bloc.h is the interface (and api_set_defs_given, for the
 * bloc command's -D). */
#ifndef BLOC_API_INT_H
#define BLOC_API_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "bloc.h"
#include "blo.h"
#include "opt_resolve.h"
#include "support/alloc.h"

struct bloc_diag {
  int severity;             /* bloc_severity */
  const char *category;     /* static string */
  char *file;               /* NULL: no location */
  int line, column;
  char *message, *hint, *text;
};

/* A bound data declaration: the caller's dense values (used in place), or a sparse matrix
 * (bloc_bind_csr: the problem's own copy, freed with it). */
typedef struct ApiBinding {
  char *name;
  const double *values;
  struct RtCsr *csr;
} ApiBinding;

/* A failed compile or prepare is final: the program or its kernels are half built. */
typedef enum ApiStage {
  API_NEW,
  API_COMPILED,
  API_PREPARED,
  API_FAILED, /* compiling failed */
  API_PREP_FAILED /* preparing failed (the data stage, a kernel) */
} ApiStage;

struct bloc_problem {
  ApiStage stage;
  BloCompiled *c;
  SemaDefine *defs;         /* bloc_define's constants (names owned) */
  int ndefs;
  const char *defs_given;   /* how messages name them: "define", or the bloc command's "-D" */
  SemaDataFile *files;      /* the bloc command's --data NAME=FILE (api_data_file; owned) */
  int nfiles;
  BloBackend backend;
  uint64_t seed;
  bool seed_set;
  uint64_t data_seed; /* bloc_set_data_seed: the data stage's alone (over seed) */
  bool data_seed_set;
  bool precision_set; /* bloc_set_precision; else the program's option */
  BloPrecision precision;
  bool y0_given; /* bloc_set_start gave y: kept when the solve projects x0 */
  bool x0_given; /* bloc_set_start gave x: a warm start, which the end-of-run checks of random
                    estimates cannot measure progress from */
  bool blas_by_size; /* the bloc command's: OpenBLAS on one thread for small kernels */
  int eval_max_inner; /* bloc_set_eval_option's max_inner (0: rt_phi_exact's default) */
  ApiBinding *bind;
  int nbind;
  char *summary;
  char *prepared_for; /* the methods bloc_prepare compiled kernels for, for messages */
  const char *category;     /* of the diagnostics being reported */
  bloc_diag *diags;
  int ndiags;
  int delivered;            /* diags[0..delivered) went to the handler */
  /* The compile's and the data stage's warnings ("file:line:col: message" where located),
   * given to every solve's result: they are about the problem solved (a kink in g, data
   * that float rounds away), and api_begin clears each call's diagnostics. */
  char **kept;
  int nkept;
  bloc_diag_fn handler;
  void *handler_user;
  /* The full variant of a sampled program (blo_compile_full), compiled on the first call of
   * api_full_problem; full_tried then, full NULL when it did not compile */
  BloCompiled *full;
  bool full_tried;
};

/* Start a call on p: its diagnostics are cleared; `category` tags the new ones. */
void api_begin(bloc_problem *p, const char *category);
/* Hand the complete diagnostics not yet delivered to p's handler (and keep those that
 * api_diag_kept says are about the problem, in p->kept). */
void api_flush(bloc_problem *p);
/* Whether d is a warning of the compile or the data stage, which every solve's result gives. */
bool api_diag_kept(const bloc_diag *d);
/* The end of a call on p: api_flush, and rc. */
int api_end(bloc_problem *p, int rc);
/* Add a diagnostic without a location (text "bloc: LEVEL: message" and the hint line). */
void api_diag(bloc_problem *p, int severity, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The Diag sink (diag.h) that turns compiler messages into p's diagnostics. */
void api_diag_sink(void *ctx, const DiagEvent *ev);
/* The opt_resolve.h sink adding to p's diagnostics, naming settings with `label`. */
OptSink api_opt_sink(bloc_problem *p, const char *label);
/* How messages name p's defines (bloc_define): "define", or `given` ("-D": the bloc command's,
 * driver/api_cmd.c). */
void api_set_defs_given(bloc_problem *p, const char *given);
/* The bloc command's --data NAME=FILE (before compiling): data declaration NAME's loader
 * reads path (relative to the working directory) instead of the program's file; checked by
 * the compile. Copies both strings. BLOC_OK, or BLOC_ERR_STATE once compiled. */
int api_data_file(bloc_problem *p, const char *name, const char *path);
/* The seed of a solve's or an eval's draws when no option says another: bloc_set_seed's, else
 * the program's (its solve line's, else 1). Not the data stage's when bloc_set_data_seed set
 * that apart. */
uint64_t api_draw_seed(const bloc_problem *p);
/* "did you mean 'phi'?" for an unknown eval quantity bad[0..badlen) (in buf), or NULL. */
const char *api_eval_hint(const char *bad, int badlen, char *buf, size_t len);
/* The last bloc_define's value as its caller wrote it (the command line's -D NAME=TEXT), so
 * that a nonzero number too small for a double, which reads as 0, is named in a warning. */
void api_define_text(bloc_problem *p, const char *text);
/* A NULL argument `arg` of `fn` (not the handle p): a "usage" error replacing p's diagnostics
 * (those of an earlier call stayed, and looked like this call's); returns BLOC_ERR_INPUT. */
int api_null_arg(bloc_problem *p, const char *fn, const char *arg);
/* 1 after an error "FN: WHAT[i] (0-based) is nan: it must be finite" on p when v[0..n) (NULL:
 * none) holds a value that is not finite, else 0. */
int api_nonfinite(bloc_problem *p, const char *fn, const char *what, const double *v, int64_t n);
/* The outputs (trace, result, x, y) as run settings [0] and as bloc run's flags [1]. */
extern const char *const api_output_names[2][4];
/* Whether the outputs paths[] (trace, result, x, y; NULL: none) of a solve of p clash: one
 * is an input of p (the program, an import, a data file) or two are the same file. 1 with the
 * message in err (naming bloc run's flags when cli, else the run settings), else 0. bloc_solve
 * checks its run settings so; bloc run under mpirun checks on every rank first, since only
 * rank 0 is given the paths (driver/cmd_run.c). */
int api_outputs_clash(const bloc_problem *p, const char *const paths[4], bool cli, char *err,
                      size_t errlen);
/* RtRunConfig.full_problem of a solve of p (ctx: p, prepared): the full variant of its
 * sampled program, every sample set read as its whole population, compiled once on p's data
 * (blo_compile_full; its diagnostics dropped), or NULL when it does not compile. */
const BloProblem *api_full_problem(void *ctx);
/* Why api_full_problem gave no variant (RtRunConfig.full_why): blo_full_absent_why. */
const char *api_full_why(void *ctx);
/* Prepare p (bloc_prepare) when it is only compiled; methods as there. */
int api_ensure_prepared(bloc_problem *p, const char *methods);
/* What bloc_solve(p, o) checks that needs no data, made on a problem compiled but not yet
 * prepared, so that a typo costs no data stage (bloc run's --set outer_steps=-1 or --out
 * nodir/r.json was refused only after loading every data file): the run settings (outputs
 * that clash, replace the program or an import, or cannot be written), the method, its
 * options and the rules between them, and whether the method suits the program. Errors only:
 * the warnings come once, from bloc_solve. BLOC_OK, or BLOC_ERR_INPUT after the errors. */
int api_solve_check(bloc_problem *p, const bloc_options *o);
/* The rules of the options of p's solve line, as a solve with no settings would apply them
 * (opt_check_rules_to; a tol on a sampled problem is refused there, not by sema): bloc check
 * refuses what bloc run refuses. BLOC_OK when p has no solve line. */
int api_check_solve_line(bloc_problem *p);

#endif
