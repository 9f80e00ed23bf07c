/* sema.h — semantic analysis: from source files to a checked Program.
 * sema_compile_file parses the main file and its imports, resolves names, evaluates
 * constants (with -D overrides), infers and checks shapes, inlines fn calls, checks where each
 * builtin may appear, and validates the solve options against runtime/rt_methods.h.
 * Every error is reported through Diag (all of them, not just the first). */
#ifndef BLOC_SEMA_H
#define BLOC_SEMA_H

#include "front/ast.h"
#include "support/diag.h"

typedef struct SemaDefine {     /* -D NAME=VALUE */
  const char *name;
  double value;
  const char *text;             /* VALUE as written (NULL from the C API): 1e-400 reads as 0 */
} SemaDefine;

typedef struct SemaDataFile { /* --data NAME=FILE */
  const char *name;             /* a data declaration whose value is one loader call */
  const char *path;             /* the file it loads instead, relative to the working directory */
} SemaDataFile;

typedef struct SemaOption {     /* one resolved `solve` option */
  const char *key;
  Span span;                    /* the whole `key = value` */
  bool is_word;
  double num;                   /* numeric value (const-evaluated) */
  const char *word;             /* word value: bare identifier or string */
} SemaOption;

typedef struct Program {
  const char *name;             /* `problem NAME`, else the file's base name without .blo */
  const char *path;             /* main file as given */
  const char *dir;              /* its directory: data paths are relative to the file naming them */
  const char *cwd; /* the working directory when compiled (NULL: unknown): the
                      data are read later, when the process may be elsewhere */
  AstProgram *ast;
  /* declarations by kind, in declaration order (pointers into ast) */
  AstDecl **consts;   int nconsts;
  AstDecl **data;     int ndata;      /* decl->index = position here */
  AstDecl **upper;    int nupper;     /* decl->offset = first element in x */
  AstDecl **lower;    int nlower;     /* decl->offset = first element in y */
  AstDecl **samples;  int nsamples;   /* decl->offset = first index in the sample buffer */
  AstDecl **reports;  int nreports;
  AstDecl **fns;      int nfns;
  AstDecl *f;                   /* upper objective */
  AstDecl *g;                   /* lower objective */
  int64_t nx, ny, sample_total;
  /* The first operation of the lower objective that depends on y and is not twice
   * differentiable (abs, relu; '>' or where, a condition on y), or NULL. Methods built on
   * the second derivatives of g refuse such a program when the method is known
   * (opt_check_suits, api/opt_resolve.c). */
  const char *nonsmooth_op;
  Span nonsmooth_span;          /* the operation */
  Span nonsmooth_call;          /* the outermost fn call that brought it there, or SPAN_NONE */
  const char *nonsmooth_fn;     /* that fn's name */
  /* The first kink at 0 under a square in y (relu(y) ^ 2: once continuously differentiable,
   * its second derivative jumps), or NULL: not refused, said by bloc check's suits line */
  const char *c1_op;
  /* The first lower variable g reads only through rows a sample set draws, fewer a draw than
   * it has (W[k, :], sample k : batch(1) of K), and that set: one draw's Hessian of g in y is
   * singular (sema_decls.c: check_drawn_rows); the suits line leaves out the methods built
   * on it. NULL: none. */
  const char *drawn_var, *drawn_set;
  bool init_uses_x;             /* some lower initialiser depends on an upper variable */
  bool stochastic;              /* some sample set is used by f or g */
  /* some sample set is used by f, g or a report: the kernels read the draws
   * (BloProblem.n_samples, else 0); a report's alone leave the oracles deterministic
   * (BloProblem.samples_reports_only) */
  bool samples_used;
  bool sharded; /* some data declaration is sharded (sema_shard.c) */
  /* Why the program has no full variant (sema_full.c): a reduction over rows a sample set
   * drew that has no form over all the data equal to its mean over the draws (norm,
   * logsumexp, ...), said as the cause of "phi over all the data not computed"; else NULL */
  const char *full_why;
  /* solve */
  const char *method;           /* NULL when the program has no solve declaration */
  Span method_span;
  SemaOption *opts;
  int nopts;

  /* additions (front end): */
  const Diag *diag;             /* the sources the program was read from (spans, init text) */
  /* The data stage's peak in bytes: the data declarations with what computing one of them
   * holds besides (its intermediates), set by the pipeline from the lowered data stage
   * (blo_compile_begin); 0 when not known. data_peak_decl: the declaration at the peak. */
  double data_peak_bytes;
  int data_peak_decl;
} Program;

/* What a compile reads besides its source: the -D overrides (the last one of a name wins), the
 * standard library's directory (NULL: sema_stdlib_dir()) and how the overrides were given. */
typedef struct SemaInputs {
  const SemaDefine *defs;
  int ndefs;
  const char *stdlib_dir;
  /* how messages name where defs came from: "-D" (NULL) on the command line, "define" for the
   * C API's bloc_define and Python's defines=, whose callers typed no -D */
  const char *defs_given;
  /* Read every sample set as its whole population, batch(k) of n as batch(n) of n: the full
   * variant of a sampled program, whose phi the end-of-run checks of its stochastic runs
   * measure (blo_compile_full). A batch(1) set then keeps the dimension it dropped, so such a
   * program may fail to check. */
  bool full_population;
  /* --data NAME=FILE: data declaration NAME's loader reads FILE instead of the path the
   * program names (the last one of a name wins), relative to the working directory as a
   * command-line path is */
  const SemaDataFile *files;
  int nfiles;
} SemaInputs;

/* Whether sample set d (checked) draws its whole population: batch(n) of n. Such a set is no
 * draw: its subscript reads every row in order, X[B, :] is X, and the program is as
 * deterministic as one written without it (doc/language.md, "Sample sets"); it takes no
 * slot in the sample buffer and is not in BloProblem.samples. */
static inline bool sema_sample_whole(const AstDecl *d) {
  return d->batch_k > 0 && d->batch_k == d->population_n;
}

/* Parse and check `path` (imports resolved against the file's directory, then
 * in->stdlib_dir). Returns the checked program, or NULL when any error was reported
 * (diagnostics printed). All memory belongs to `arena`. */
Program *sema_compile_file(Arena *arena, Diag *diag, const char *path, const SemaInputs *in);

/* Same, from a string (tests, fuzzing). `path` is used in messages and for relative paths. */
Program *sema_compile_string(Arena *arena, Diag *diag, const char *path, const char *text,
                             const SemaInputs *in);

/* Parse `path` alone (no imports, no checks), for `bloc dump-ast --parse-only`. Returns the
 * declarations it could parse, or NULL when the file cannot be read; syntax errors are
 * reported through diag. */
AstProgram *sema_parse_only(Arena *arena, Diag *diag, const char *path);

/* Print the `bloc check` summary. */
void sema_print_summary(const Program *p, FILE *out);
/* The parts of p that use an upper variable, as RT_X_* bits (rt_methods.h): a method whose
 * estimate takes x from none of them (RtMethodSpec.x_via) is zero at every step and never
 * moves x. The summary's suits line and opt_check_suits ask. */
unsigned sema_x_uses(const Program *p);
unsigned sema_x_steps(const Program *p); /* the parts using x only in comparisons */
/* The parts `bits` (RT_X_*) as a list into buf: "f, g and y0", or with words "the upper
 * objective, the lower objective CONJ a lower initialiser" (CONJ "and", "nor"). */
const char *sema_x_parts(unsigned bits, bool words, const char *conj, char *buf, size_t n);
/* The "memory:" line of the summary: what the data and the variables take as doubles, the
 * data at the data stage's peak (Program.data_peak_bytes) when that is known. */
void sema_print_memory(const Program *p, FILE *out);
/* The bytes data declaration d holds once computed, as doubles: a sparse_coo matrix's CSR
 * and transpose by sema_coo_held_bytes, a loaded sparse matrix 0 (sized by its file). */
double sema_decl_bytes(const AstDecl *d);
/* A sparse[rows, cols] built by sparse_coo from `entries` triplets: the bytes its CSR and
 * transpose hold at most (language.md §9's rule), and the most building them from the
 * triplets holds (the triplets' three vectors included, their expressions' work not). */
double sema_coo_held_bytes(int64_t rows, int64_t cols, int64_t entries);
double sema_coo_build_bytes(int64_t rows, int64_t cols, int64_t entries);
/* Bytes of physical memory, or 0 when the system does not say. */
double sema_physical_bytes(void);
/* "7.28 TiB", "512 B": binary units, three significant digits. */
const char *sema_fmt_bytes(double b, char buf[32]);

/* The directory holding the stdlib modules: $BLOC_STDLIB if set, else the source tree's
 * stdlib/ when the code running is the build tree's (its bloc, or its libbloc.so loaded by an
 * absolute path), else the installed one. */
const char *sema_stdlib_dir(void);

#endif
