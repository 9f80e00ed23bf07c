/* sema_int.h — what the semantic-analysis files share (not a public interface): the checker
 * state, the expression context (which declaration an expression belongs to decides what it
 * may reference), the symbol table and the helpers each sema_*.c provides to the others. */
#ifndef BLOC_SEMA_INT_H
#define BLOC_SEMA_INT_H

#include "front/sema.h"

/* Where an expression appears: decides what it may name and which builtins it may call. */
typedef enum CtxKind {
  CTX_CONST,       /* const initialiser, dimension, sample size, option value */
  CTX_DATA,        /* data initialiser */
  CTX_UPPER_INIT,  /* upper variable initialiser */
  CTX_LOWER_INIT,  /* lower variable initialiser (may use upper variables) */
  CTX_UPPER_OBJ,
  CTX_LOWER_OBJ,
  CTX_REPORT
} CtxKind;

/* One level of fn inlining: notes point at every call that led to an error. */
typedef struct CallSite {
  const AstExpr *call;
  const AstDecl *fn;
  const struct CallSite *outer;
} CallSite;

typedef struct ECtx {
  CtxKind kind;
  AstDecl *decl;          /* the declaration being checked */
  bool has_shape;         /* the declaration's type is known: zeros()/uniform()/load_*() use it */
  Shape shape;
  const AstExpr *whole;   /* the whole initialiser (a load_* must be exactly it) */
  const CallSite *calls;  /* innermost fn call being inlined, or NULL */
  bool piecewise_const;   /* inside a comparison or a where() mask: the value only feeds a
                             0/1 mask, so kinks (abs, relu) inside do not reach second
                             derivatives; the mask itself is the kink (sema_kink) */
  const AstExpr *squared; /* the direct operand of a square (e ^ p, p >= 2; sumsq(e)), whose
                             power: relu, abs, max(e, 0) or min(e, 0) of it is zero at its
                             kink, so the square is C1 there (sema_kink) */
  double squared_p;
} ECtx;

/* Open-addressing name -> declaration map, in the arena. */
typedef struct SymTab {
  const char **keys;
  AstDecl **vals;
  size_t cap, len;
} SymTab;

typedef struct Sema {
  Arena *arena;
  Diag *diag;
  Program *prog;
  const SemaDefine *defs;
  int ndefs;
  const char *defs_given; /* "-D", or SemaInputs.defs_given */
  bool full_population;   /* SemaInputs.full_population */
  bool *def_used;
  const SemaDataFile *files; /* SemaInputs.files */
  int nfiles;
  bool *file_used;
  const char *stdlib_dir;
  SymTab syms;            /* declared so far */
  SymTab all;             /* every declaration of the program (for "used before declared") */
  PtrVec decls;           /* imported declarations first, then the main file's */
  PtrVec loaded;          /* canonical paths of the modules loaded */
  PtrVec stack;           /* canonical paths of the modules being loaded (cycle detection) */
  PtrVec stack_names;     /* their display paths */
  long inline_nodes;      /* nodes cloned by fn inlining so far (bounded) */
  bool inline_exhausted;
  int depth;              /* recursion depth of the expression checker */
  int max_depth; /* its limit: SEMA_MAX_DEPTH, or what the stack limit holds */
  long stack_kb; /* that stack limit (ulimit -s), 0: none */
  bool depth_exhausted;
  bool shard_hinted; /* sema_shard.c gave the separability rule's hint */
  bool shard_sets_hinted; /* ... and the hint on the rows of two sample sets */
  /* the kinks warned of so far (sema_kink): a fn's kink is warned once, not at every call */
  Span kinks_warned[32];
  int nkinks_warned;
  AstDecl *upper_obj, *lower_obj, *solve, *problem;
  /* program lists under construction */
  PtrVec consts, data, upper, lower, samples, reports, fns;
} Sema;

enum {
  SEMA_MAX_DEPTH = 2000,          /* checker recursion (trees nest fn bodies inside calls) */
  SEMA_MAX_INLINE = 200000,       /* expression nodes fn inlining may create in one program */
};
#define SEMA_MAX_DIM 2147483647LL          /* largest dimension */
#define SEMA_MAX_SIZE (1LL << 40)          /* largest number of elements of one tensor */

/* sema_names.c */
AstDecl *sema_sym_get(const SymTab *t, const char *name);
void sema_sym_put(Arena *a, SymTab *t, const char *name, AstDecl *d);
/* Declare d->name; reports duplicates (with a note at the first) and builtin names.
 * Returns false when the name was not added. */
bool sema_declare(Sema *S, AstDecl *d);
/* Resolve the names in a fn body (params, consts, data, samples, earlier fns); false on error. */
bool sema_resolve_fn(Sema *S, AstDecl *fn);
/* Report an unknown or not-yet-declared name used at `at`. */
void sema_unknown_name(Sema *S, const ECtx *c, const char *name, Span at, bool as_call);
/* A call e of fn with a keyword argument (e->kw_key, left by the parser for sema: a call of no
 * builtin nor fn declared before it in its file, an imported fn's), refused as the parser
 * refuses the others: "'fn' takes no keyword argument 'key'". True when it reported. */
bool sema_call_kwarg(Sema *S, const ECtx *c, const AstExpr *e, const AstDecl *fn);
/* "did you mean" over declared names of the given kinds (bitmask of 1 << AstDeclKind), plus
 * builtins when `builtins`. */
const char *sema_suggest(Sema *S, const char *name, unsigned kinds, bool builtins);
const char *sema_decl_what(const AstDecl *d);  /* "upper variable 'x'", "data 'X'", ... */

/* sema_memory.c */
/* Error (at the declaration) when a data or variable declaration, or all of them together,
 * need more bytes than the machine's physical memory. */
void sema_check_memory(Sema *S);

/* sema_expr.c */
/* Check e in context c: resolve names, infer the shape, fold constants, inline fn calls. On
 * failure the error has been reported and false is returned. */
bool sema_check(Sema *S, const ECtx *c, AstExpr *e);
/* Errors and warnings inside expressions: followed by a note at every enclosing fn call. */
void sema_err(Sema *S, const ECtx *c, Span at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void sema_warn(Sema *S, const ECtx *c, Span at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A rank-3 value (a tensor) may only be indexed by task or passed to a fn: reports any other
 * use of a (an error) and returns false; true for every other shape. */
bool sema_no_tensor(Sema *S, const ECtx *c, const AstExpr *a);
/* A sparse matrix (or its transpose) may only be the left operand of '@', be sampled by rows
 * (X[i, :]), transposed, or passed to dense(), rows(), cols() or a fn: reports any other use of
 * a (an error naming it) and returns false; true for every dense value. */
bool sema_no_sparse(Sema *S, const ECtx *c, const AstExpr *a);
/* Broadcasting rule of + - * / and comparisons: equal shapes, or one side scalar. */
bool sema_broadcast(Shape a, Shape b, Shape *out);

/* sema_builtins.c */
bool sema_check_builtin(Sema *S, const ECtx *c, AstExpr *e, BuiltinId id);
void sema_kink(Sema *S, const ECtx *c, const char *op, Span at, const AstExpr *arg,
               const char *why);

/* sema_const.c */
/* e (checked) must be a constant scalar; what = "a dimension", "the batch size", ... */
bool sema_need_const(Sema *S, const ECtx *c, const AstExpr *e, const char *what);
/* A positive integer dimension (at most SEMA_MAX_DIM). */
bool sema_dim(Sema *S, const ECtx *c, const AstExpr *e, const char *what, int64_t *out);
/* The shape a type denotes (dimensions checked as constants). */
bool sema_type_shape(Sema *S, AstType *t, Shape *out);
/* Folding of constant scalars. */
double sema_fold_binary(int op, double a, double b);
bool sema_fold_builtin(BuiltinId id, const double *args, int n, double *out);
/* Shortest text that reads back as v ("1e-05", "0.1", "1000"). */
const char *sema_num_str(double v, char buf[32]);

/* sema_decls.c */
void sema_check_decl(Sema *S, AstDecl *d);
void sema_check_program(Sema *S);

/* sema_shard.c: which data are split by rows (AstDecl.row_sharded, Program.sharded) and the
 * separability of every objective and report over them; after sema_check_program. */
void sema_check_shards(Sema *S);
/* The source text of a span, whitespace collapsed, cut to fit buf ("..." at the cut): the
 * expression a sharding or full-variant message names. */
const char *sema_span_text(Sema *S, Span s, char *buf, size_t len);
void sema_check_full(Sema *S);

/* After an arity error of builtin id called with nargs arguments: a hint for the usual
 * reason (np.max(x) as max(x); an axis, sum(A, 1), for sum_rows/sum_cols). */
void sema_arity_hint(Sema *S, BuiltinId id, int nargs);

#endif
