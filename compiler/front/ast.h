/* ast.h — the abstract syntax tree of a .blo program, and the annotations sema adds to it.
 * The parser fills the syntactic fields; sema (compiler/front/sema*.c) fills the fields marked
 * "sema:". Everything lives in the compilation's Arena. IR lowering reads only checked ASTs. */
#ifndef BLOC_AST_H
#define BLOC_AST_H

#include <stdbool.h>
#include <stdint.h>

#include "support/arena.h"
#include "support/diag.h"
#include "support/shape.h"

typedef enum BuiltinId {
#define X(id, name, lo, hi, flags) id,
#define EW(id, name, nargs, flags, op) id,
#include "front/builtins.def"
#undef X
#undef EW
  BI_COUNT,
  BI_NONE = -1
} BuiltinId;

enum { BI_DIFF = 1, BI_DATA = 2, BI_C1 = 4, BI_CTX = 8, BI_CONST = 16 };

typedef struct BuiltinInfo {
  const char *name;
  int min_args, max_args;
  unsigned flags;
  int ir_op; /* EW rows: the elementwise IrOp the builtin is; -1 otherwise */
} BuiltinInfo;

extern const BuiltinInfo ast_builtins[BI_COUNT];
/* Builtin with this name, or BI_NONE. */
BuiltinId ast_builtin_lookup(const char *name);

typedef enum AstExprKind {
  AST_NUM,      /* num */
  AST_STR,      /* str (escapes resolved) */
  AST_IDENT,    /* str = name */
  AST_UNARY,    /* op = '-' ; args[0] */
  AST_BINARY,   /* op: AstBinOp ; args[0], args[1]; op_span = the operator token */
  AST_TRANSPOSE,/* args[0]' */
  AST_INDEX,    /* args[0] = base, args[1..] = subscripts (expressions or AST_SLICE) */
  AST_SLICE,    /* lo:hi inside an index; args[0] = lo or NULL, args[1] = hi or NULL */
  AST_CALL,     /* str = callee name, name_span; args = arguments */
  AST_LIST      /* [a, b, ...]; args = elements (numbers or nested lists) */
} AstExprKind;

typedef enum AstBinOp {
  OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MATMUL, OP_POW,
  OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_NE
} AstBinOp;

struct AstDecl;

/* sema: a resolved subscript of an AST_INDEX. */
typedef enum AstSubKind {
  SUB_INDEX,  /* a single constant index `lo` (the dimension is dropped) */
  SUB_RANGE,  /* lo:hi (hi exclusive); `:` is 0:dim */
  SUB_SAMPLE, /* a sample set: its K indices (a batch(1) set drops the dimension) */
  SUB_TAKE    /* a vector of hi indices computed in the data stage (the subscript expression) */
} AstSubKind;

typedef struct AstSub {
  AstSubKind kind;
  int64_t lo, hi;
  struct AstDecl *sample; /* SUB_SAMPLE */
} AstSub;

typedef struct AstExpr {
  AstExprKind kind;
  Span span;       /* the whole expression */
  Span op_span;    /* operator token (binary, unary, transpose, index brackets) */
  Span name_span;  /* callee name of a call */
  int op;          /* AstBinOp or '-' */
  double num;
  const char *str;
  struct AstExpr **args;
  int nargs;

  /* sema: */
  Shape shape;               /* result shape */
  bool checked;              /* sema visited this node successfully */
  bool is_const;             /* value known at compile time (scalars only) */
  double const_val;
  struct AstDecl *ref;       /* AST_IDENT: the declaration named (const/data/upper/lower/sample) */
  BuiltinId builtin;         /* AST_CALL of a builtin */
  struct AstExpr *inlined;   /* AST_CALL of a user fn: the body, cloned and typed at this call,
                                with parameter uses replaced by the argument expressions */
  AstSub *subs;              /* AST_INDEX: nargs-1 resolved subscripts */
  bool depends_x, depends_y; /* mentions an upper / lower variable (after inlining) */
  bool slope_x, slope_y;     /* ... other than only through a comparison or where's condition,
                                steps whose derivative is 0 wherever it exists: derivatives in
                                x / y can be nonzero */
  bool uses_data_only;       /* contains a data-only builtin */

  /* additions (front end): */
  int depth;                 /* parser: nesting depth of this subtree (1 for a leaf) */
  bool uses_sample;          /* sema: mentions a sample set (after inlining) */
  /* parser: AST_CALL of no builtin, its first keyword argument `kw_key =` at kw_at (NULL:
   * none), for sema to refuse once the callee is known: an unknown name is that error */
  const char *kw_key;
  Span kw_at;
  struct AstDecl *fn;        /* sema: AST_CALL of a user fn: its declaration */
  /* sema_full.c, the full variant only: a sum-like reduction over rows a sample set drew, its
   * value times this (batch / population) so that it is the mean over the draws; 0: none */
  double full_scale;
  /* sema: AST_STR, a loader's path given on the command line (--data NAME=FILE, SemaInputs.
   * files) in place of the program's: relative to the working directory, not to the file */
  bool cwd_path;
} AstExpr;

/* The parser rejects expressions nested deeper than this (keeps every recursive pass over the
 * tree far from the C stack limit, whatever the input). */
#define AST_MAX_DEPTH 200

typedef enum AstDeclKind {
  DECL_PROBLEM, DECL_IMPORT, DECL_CONST, DECL_DATA, DECL_UPPER, DECL_LOWER,
  DECL_UPPER_OBJ, DECL_LOWER_OBJ, DECL_FN, DECL_REPORT, DECL_SAMPLE, DECL_SOLVE
} AstDeclKind;

typedef enum AstTypeKind { TY_SCALAR, TY_VECTOR, TY_MATRIX, TY_TENSOR } AstTypeKind;

typedef struct AstType {
  AstTypeKind kind;
  AstExpr *dims[3];  /* vector: dims[0]; matrix: dims[0], dims[1]; tensor: dims[0..2] */
  bool sparse;       /* TY_MATRIX written sparse[m, n] (data only) */
  Span span;
} AstType;

typedef struct AstOption {
  const char *key;
  Span key_span;
  AstExpr *value;    /* a number expression, a string, or a bare identifier (a word) */
} AstOption;

/* A constraint on a variable: `in [lo, hi]`, `in simplex`, or the shorthand `>= lo` / `<= hi`
 * after the initialiser. Sema allows it on upper variables only (kept by projection). */
typedef enum AstConKind { CON_BOX = 1, CON_SIMPLEX = 2 } AstConKind;

typedef struct AstConstraint {
  AstConKind kind;
  Span span;                 /* the whole constraint, `in` included */
  AstExpr *lo, *hi;          /* box bounds; NULL: that side is unbounded */
  /* sema: a bound is a number (+-inf when unbounded) or a data tensor of the variable's shape */
  double lo_val, hi_val;
  struct AstDecl *lo_data, *hi_data;
} AstConstraint;

typedef struct AstDecl {
  AstDeclKind kind;
  Span span;          /* the whole declaration */
  const char *name;   /* NULL for import and solve */
  Span name_span;
  AstType *type;      /* data, upper, lower */
  AstExpr *init;      /* const/data/upper/lower initialiser, objective, report, fn body */
  AstConstraint *con; /* upper/lower: the constraint after the initialiser, or NULL */
  /* fn */
  const char **params;
  Span *param_spans;
  int nparams;
  /* sample NAME : batch(batch) of population */
  AstExpr *batch, *population;
  /* solve METHOD(opts) — name = method */
  AstOption *opts;
  int nopts;
  /* import "path" */
  const char *path;
  Span path_span;

  /* sema: */
  Shape shape;        /* data/upper/lower/objective/report/sample(vector[K]); a tensor's is
                         its storage, shape_storage(tensor) */
  Shape tensor;       /* data of a tensor[T, K, d] type: that shape (rank 3); else rank 0 */
  int64_t offset;     /* upper: offset in x; lower: offset in y; sample: offset in the
                         concatenated index buffer */
  int index;          /* position among the declarations of its kind */
  double const_val;   /* const: the value (after -D overrides) */
  int64_t batch_k, population_n; /* sample */
  int64_t batch_drawn; /* sample: the batch written, which the full variant makes population_n */
  bool used;

  /* additions (front end): */
  bool failed;        /* sema: this declaration's own check failed (its uses are not
                         reported again) */
  const char *overridden_by; /* sema: how the define that gave a const its value was given
                              * ("-D", SemaInputs.defs_given), or NULL */
  bool sharded; /* data: marked `sharded` (split by rows over the ranks of a run) */
  Span sharded_span; /* that word */
  /* sema (data): the values are split by rows over the ranks: marked sharded, or computed
   * row by row from sharded data (sema_shard.c) */
  bool row_sharded;
} AstDecl;

typedef struct AstProgram {
  AstDecl **decls;    /* in source order; imported declarations first, in import order */
  int ndecls;
  uint32_t file;      /* the main file */
} AstProgram;

/* Convenience constructors used by the parser (all arena-allocated). ast_expr leaves every
 * field zero except kind, span, depth = 1 and builtin = BI_NONE. */
AstExpr *ast_expr(Arena *a, AstExprKind kind, Span span);
AstDecl *ast_decl(Arena *a, AstDeclKind kind, Span span);
/* A node with n children copied from `args`; depth = 1 + the deepest child. */
AstExpr *ast_expr_n(Arena *a, AstExprKind kind, Span span, AstExpr **args, int n);

/* Print the tree (bloc dump-ast): one node per line, indented, with spans as line:col; nodes
 * that sema checked also show their shape (and constant value). */
void ast_dump(const AstProgram *p, const Diag *d, FILE *out);

const char *ast_binop_str(int op);
const char *ast_decl_kind_str(AstDeclKind k);

#endif
