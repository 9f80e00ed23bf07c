/* bloc.h — the C embedding API of bloc: compile a bilevel problem written in .blo, bind its
 * data from memory, solve it with any method, evaluate its oracles. Documented in doc/api.md.
 *
 * Conventions (as in libjq and Lua's C API):
 * - Handles are opaque; nothing is global: several problems may live in one process and be
 *   compiled, solved and evaluated from different threads at once (one thread per handle at a
 *   time).
 * - Every function that can fail returns a bloc_status and never prints or exits (running out
 *   of memory while compiling is the one exception: the process exits with status 3). What
 *   went wrong is a list of diagnostics on the problem (bloc_problem_diag): each call on a
 *   problem replaces the list with its own.
 * - Only plain C types cross the interface (no varargs, no structs by value), so that FFIs
 *   such as Python's ctypes can drive it; callbacks take a `void *user`.
 * - Strings and arrays returned live as long as the handle they came from. */
#ifndef BLOC_H
#define BLOC_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BLOC_VERSION_MAJOR 0
#define BLOC_VERSION_MINOR 1
#define BLOC_VERSION_PATCH 0

/* The version of the library linked, "MAJOR.MINOR.PATCH" (the macros are the header's). */
const char *bloc_version(void);

typedef enum bloc_status {
  BLOC_OK = 0,
  BLOC_ERR_INPUT = 1,     /* a bad program, data, option or argument: see the diagnostics */
  BLOC_ERR_NUMERICAL = 2, /* numerical failure; a result holds the last good iterate */
  BLOC_ERR_MEMORY = 3,    /* out of memory */
  BLOC_CANCELLED = 4,     /* the progress callback asked to stop; the result holds the iterate */
  BLOC_INTERRUPTED = 5,   /* a signal stopped the solve (run setting signals = on only) */
  BLOC_ERR_STATE = 6      /* a NULL handle, or a call out of order (bind after preparing) */
} bloc_status;

/* ------------------------------------------------------------------ diagnostics */

typedef struct bloc_diag bloc_diag;

typedef enum bloc_severity { BLOC_ERROR = 0, BLOC_WARNING = 1, BLOC_NOTE = 2 } bloc_severity;

int bloc_diag_severity(const bloc_diag *d);
/* What it is about: "compile" (parsing, checking), "data" (bound arrays, loaders, the data
 * stage and preparing the kernels), "option" (method and options), "run" (a solve: output
 * files, numerical failure), "eval" (bloc_eval), "usage" (a call out of order). */
const char *bloc_diag_category(const bloc_diag *d);
const char *bloc_diag_file(const bloc_diag *d); /* NULL: no location */
int bloc_diag_line(const bloc_diag *d);         /* 1-based; 0 without a location */
int bloc_diag_column(const bloc_diag *d);       /* 1-based, in bytes; 0 without a location */
const char *bloc_diag_message(const bloc_diag *d);
const char *bloc_diag_hint(const bloc_diag *d); /* NULL: none (several are joined by "\n") */
/* The whole diagnostic as the bloc command prints it: "file:line:col: error: message", the
 * source line with a caret under the place, and the "hint:" lines. */
const char *bloc_diag_text(const bloc_diag *d);

/* ------------------------------------------------------------------ problems */

typedef struct bloc_problem bloc_problem;

/* A new, empty problem. Set the -D constants, backend and seed, then compile it. */
int bloc_problem_new(bloc_problem **out);
void bloc_problem_free(bloc_problem *p);

/* The diagnostics of the last call on p: their number, and the i-th (NULL out of range). */
int bloc_problem_diag_count(const bloc_problem *p);
const bloc_diag *bloc_problem_diag(const bloc_problem *p, int i);

/* Also hand each diagnostic to fn as soon as it is complete (before a solve starts running,
 * so that a command line tool prints warnings in order); fn NULL: none. */
typedef void (*bloc_diag_fn)(void *user, const bloc_diag *d);
int bloc_set_diag_handler(bloc_problem *p, bloc_diag_fn fn, void *user);

/* Before compiling: override `const NAME` of the program (as -D NAME=VALUE); the backend,
 * "jit" (LLVM, the default) or "interp" (the reference evaluator); the seed of the data
 * stage's generators, also the default seed of every solve (as bloc run --seed; at most
 * 2^53 - 1, the range of the option 'seed', else BLOC_ERR_INPUT). */
int bloc_define(bloc_problem *p, const char *name, double value);
int bloc_set_backend(bloc_problem *p, const char *backend);
int bloc_set_seed(bloc_problem *p, uint64_t seed);
/* The data stage's seed alone (as bloc run --data-seed): the solves keep theirs (bloc_set_seed's,
 * else the program's option 'seed'). The result JSON's "program" names it as data_seed. */
int bloc_set_data_seed(bloc_problem *p, uint64_t seed);
/* How the data tensors are stored for the kernels: "f64" (the default unless the program's
 * solve line says `precision = f32`) or "f32" (as bloc run --precision; doc/performance.md). */
int bloc_set_precision(bloc_problem *p, const char *precision);

/* Parse and check the program in file `path`, or the program `text` (named `name` in
 * diagnostics; relative imports and data paths resolve against name's directory). Once per
 * problem. */
int bloc_compile_file(bloc_problem *p, const char *path);
int bloc_compile_string(bloc_problem *p, const char *name, const char *text);

/* After compiling, before preparing: the data declaration `name` takes `values` instead of
 * its loader: row-major doubles of exactly its declared shape, dims[0..rank) (a scalar: rank
 * 0; vector[n]: {n}; matrix[m, n]: {m, n}; tensor[T, K, d]: {T, K, d}). They are used in
 * place, not copied: keep them alive and unchanged until p is freed. Unbound declarations
 * keep their loaders; declarations computed from bound ones are computed from them. */
int bloc_bind(bloc_problem *p, const char *name, const double *values, int rank,
              const int64_t *dims);

/* A sparse matrix in compressed sparse row arrays (scipy.sparse.csr_matrix's layout): row i's
 * entries are values[indptr[i] .. indptr[i+1]) at the 0-based columns indices[...], in any
 * order within a row; indptr has rows + 1 entries, indptr[0] = 0. */
typedef struct bloc_csr {
  int64_t rows, cols;
  const int64_t *indptr;
  const int64_t *indices;
  const double *values;
} bloc_csr;

/* After compiling, before preparing: the `sparse[m, n]` declaration `name` takes the matrix
 * *m (rows = m, cols = n) instead of its file. Unlike bloc_bind, the arrays are checked
 * (columns in range, finite values, no position twice) and copied at once: the caller may free
 * them when this returns. Binding again replaces the matrix. */
int bloc_bind_csr(bloc_problem *p, const char *name, const bloc_csr *m);

/* Run the data stage and compile the kernels. `methods` is a comma-separated list of the
 * methods to compile kernels for, NULL for the program's own, "all" for every kernel (what
 * bloc_eval needs). Optional: bloc_solve prepares for its method, bloc_eval for all, on a
 * problem not prepared yet; once prepared, a method needing a kernel left out is refused. */
int bloc_prepare(bloc_problem *p, const char *methods);

/* After compiling: the problem's name, the sizes of x (all upper variables, in declaration
 * order) and y (the lower ones). After preparing: whether it draws samples (stochastic), the
 * seed of its data stage. */
const char *bloc_problem_name(const bloc_problem *p);
int64_t bloc_problem_nx(const bloc_problem *p);
int64_t bloc_problem_ny(const bloc_problem *p);
int bloc_problem_stochastic(const bloc_problem *p);
uint64_t bloc_problem_seed(const bloc_problem *p);
/* After compiling: the data declarations, for binding: their number, and the i-th's name
 * and declared shape (the rank, and dims[0..rank) as bloc_bind takes them; dims must hold
 * 3). -1 / NULL out of range. */
int bloc_problem_data_count(const bloc_problem *p);
const char *bloc_problem_data_name(const bloc_problem *p, int i);
int bloc_problem_data_shape(const bloc_problem *p, int i, int64_t *dims);
/* 1 if the i-th data declaration is sparse[m, n] (bound with bloc_bind_csr), 0 if dense, -1
 * out of range. */
int bloc_problem_data_sparse(const bloc_problem *p, int i);
/* After compiling: the variables, the upper ones (x) then the lower ones (y), each in
 * declaration order: their number, and the i-th's name, and its declared shape (rank and
 * dims[0..rank), dims must hold 2), level (0 upper, 1 lower) and first element in x or y
 * (row-major within it), so that a caller can cut x and y into the variables. -1 / NULL out
 * of range. */
int bloc_problem_var_count(const bloc_problem *p);
const char *bloc_problem_var_name(const bloc_problem *p, int i);
int bloc_problem_var_shape(const bloc_problem *p, int i, int64_t *dims, int *level,
                           int64_t *offset);
/* What `bloc check` prints about the compiled program: variables, data, objectives, method. */
const char *bloc_problem_summary(bloc_problem *p);

/* Start solves from x (nx doubles) and/or y (ny doubles) instead of the initialisers; NULL
 * keeps one. With only x given and a lower initialiser that reads x, y follows the new x.
 * Prepares p if needed. */
int bloc_set_start(bloc_problem *p, const double *x, const double *y);

/* ------------------------------------------------------------------ solving */

typedef struct bloc_options bloc_options;
typedef struct bloc_result bloc_result;

int bloc_options_new(bloc_options **out);
void bloc_options_free(bloc_options *o);
/* The method (NULL: the program's `solve` method). Options of the program's solve line that
 * the method does not use are dropped with a warning. */
int bloc_options_method(bloc_options *o, const char *method);
/* A method option, the keys of the solve line and `bloc run --set` (bloc help METHOD), over
 * the program's. Checked when solving (an unknown key is an "option" error with a
 * did-you-mean hint). value NULL: key is a whole "key=value" setting, as --set takes it. */
int bloc_options_set(bloc_options *o, const char *key, const char *value);
/* A setting of the run rather than of the method (doc/api.md lists them): trace_file,
 * result_file, x_file, y_file (write bloc run's files), keep (best|last), seed, console
 * (on: progress, warnings and errors printed on stderr as bloc run does), quiet, signals (on:
 * SIGINT, SIGTERM, SIGHUP, SIGPIPE stop the solve; process-wide, one solve at a time),
 * option_label (how option messages name a setting; default "option"). Checked when
 * solving. */
int bloc_options_run(bloc_options *o, const char *key, const char *value);

/* Called at every trace point (the method's trace_every) with the trace row: ncols values
 * named names[0..ncols) (step, time, f, g, grad_y_g_norm, hypergrad_norm, residual, ritz_min,
 * ritz_max, the reports, the oracle counts; NaN where not computed). A nonzero return stops
 * the solve there: status BLOC_CANCELLED, the result holding the iterate so far. */
typedef int (*bloc_progress_fn)(void *user, int ncols, const char *const *names,
                                const double *values);

/* Solve p with options o (NULL: the program's method and options). Prepares p if needed.
 * *out is set whenever the solve started (also after a numerical failure or a cancel; free
 * it with bloc_result_free), else NULL. Returns the solve's status. */
int bloc_solve(bloc_problem *p, const bloc_options *o, bloc_progress_fn progress, void *user,
               bloc_result **out);

void bloc_result_free(bloc_result *r);
int bloc_result_status(const bloc_result *r);
/* Why it stopped: "outer_steps", "tol", "interrupted", "numerical_failure", "cancelled". */
const char *bloc_result_stop(const bloc_result *r);
const char *bloc_result_method(const bloc_result *r);
const char *bloc_result_message(const bloc_result *r); /* what went wrong, or "" */
/* The final x and y (the last good iterate; y is the lower point of x, doc/methods.md), and
 * the best trace point's. *n gets the length. */
const double *bloc_result_x(const bloc_result *r, int64_t *n);
const double *bloc_result_y(const bloc_result *r, int64_t *n);
const double *bloc_result_best_x(const bloc_result *r, int64_t *n);
const double *bloc_result_best_y(const bloc_result *r, int64_t *n);
/* The scalar fields of the result JSON by name: steps, seed, f, g, grad_y_g_norm,
 * hypergrad_norm, residual, ritz_min, ritz_max, best_step, best_f, best_g,
 * best_grad_y_g_norm, best_hypergrad_norm, warnings, recoveries, signal, t_setup, t_solve,
 * t_diag, t_output, t_total, t_data, t_compile, calls_KIND and diag_calls_KIND (KIND: f, g,
 * grad_f, grad_g, hvp, mixed, init, init_vjp, reports, grad_x_g, mixed_t) and each report by
 * its name. BLOC_ERR_INPUT for an unknown name (or a NULL name or value); BLOC_ERR_STATE for a
 * NULL r. */
int bloc_result_get(const bloc_result *r, const char *name, double *value);
/* The names bloc_result_get knows: their number and the i-th. */
int bloc_result_field_count(const bloc_result *r);
const char *bloc_result_field(const bloc_result *r, int i);
/* The trace: rows x cols numbers, row-major, the columns named as in the trace CSV. */
int64_t bloc_result_trace_rows(const bloc_result *r);
int bloc_result_trace_cols(const bloc_result *r);
const char *bloc_result_trace_column(const bloc_result *r, int j);
const double *bloc_result_trace(const bloc_result *r);
/* The summary bloc run prints: what stopped the run, final values, reports, oracle counts. */
const char *bloc_result_summary(const bloc_result *r);
/* What hypergrad_norm and best_hypergrad_norm measure: "projected_gradient" when the upper
 * variables are constrained (|x - P(x - d)|, the result JSON's "stationarity"), else
 * "gradient" (|d|). */
const char *bloc_result_stationarity(const bloc_result *r);

/* ------------------------------------------------------------------ evaluating */

typedef struct bloc_eval bloc_eval;

/* Evaluate oracles once at (x, y), v the direction of the products (v NULL: 1), what `bloc
 * eval` prints. x NULL: the x bloc_solve starts from, the initial x projected onto the
 * constraints with the solve's warning; y NULL then the solve's y0 (the initialiser's at that
 * x when it reads x, unless bloc_set_start gave y). A given x is evaluated as given, with a
 * warning when it lies outside the constraints; x without y: y0 of x when the lower
 * initialiser uses x. `what` is a comma-separated list of bloc_eval_quantities() (NULL or
 * "all": every one; an empty name, "" too, is unknown: BLOC_ERR_INPUT). `hypergrad` is the
 * implicit-function formula at (x, y), solved exactly (a dense solve up to 2000 lower
 * variables, else CG to 1e-12): grad phi(x) only where grad_y g(x, y) = 0, and a warning says
 * so elsewhere. `phi`, `grad_phi` and `y_star` are phi(x) = f(x, y*(x)), its gradient and
 * y*(x), with y*(x) solved by Newton's method from y0, or from y when given (bloc compare's
 * yardstick: deterministic problems, ny <= 2000, g strongly convex in y, or at least along
 * Newton's way from the start; asked for by name where they cannot be
 * computed, an error, BLOC_ERR_NUMERICAL when the Newton solve failed; in "all", a note).
 * Prepares p (every kernel) if needed. *out is set when the oracles could be evaluated (status
 * BLOC_OK, or BLOC_ERR_NUMERICAL when the hypergradient or phi failed), else NULL. */
int bloc_eval_at(bloc_problem *p, const char *what, const double *x, const double *y,
                 const double *v, bloc_eval **out);
void bloc_eval_free(bloc_eval *e);
/* A setting of bloc_eval_at's solve for y*(x) (bloc eval --set KEY=VALUE): "max_inner", the
 * most Newton steps it takes, a whole number from 1 to 1e9 (by default 100, then more in
 * rounds of 100 while g still falls, up to 1000 and 1e10 flops). BLOC_OK, or BLOC_ERR_INPUT
 * for another key or a bad value, with a diagnostic. */
int bloc_set_eval_option(bloc_problem *p, const char *key, const char *value);
/* Whether `what` names only known quantities (NULL and "all" do; "" and "f," do not):
 * BLOC_OK, or BLOC_ERR_INPUT with *bad and *badlen the first unknown name, badlen 0 for an
 * empty one (for a caller's own message). */
int bloc_eval_check_what(const char *what, const char **bad, int *badlen);
/* The quantities bloc_eval_at computes, "f, g, ..., y_star", for messages. */
const char *bloc_eval_quantities(void);
/* One quantity: its values and length (1 for f, g), or BLOC_ERR_INPUT when it was not asked
 * for (or a pointer argument is NULL; BLOC_ERR_STATE for a NULL e). hypergrad_residual and
 * lower_hessian_min_eig (when the Hessian was not positive definite) are there with
 * hypergrad. */
int bloc_eval_get(const bloc_eval *e, const char *name, const double **values, int64_t *n);
/* How the hypergradient was solved: "cholesky", "eigendecomposition" or "cg" (NULL: not
 * computed). */
const char *bloc_eval_hypergrad_solver(const bloc_eval *e);

#ifdef __cplusplus
}
#endif

#endif
