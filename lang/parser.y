/* parser.y — the .blo grammar (LANGUAGE.md §2–§7): a pure bison parser building the AST.
 * Syntax only: the actions build nodes, nothing else. Syntax errors read "expected X, found Y";
 * the parser recovers at the next declaration keyword so one run reports them all.
 * Precedence, lowest first: comparisons (non-associative) < + - < * / @ < unary minus
 * < ^ (right-associative; -x^2 = -(x^2)) < postfix ' and [ ]. */

%code requires {
#include "support/arena.h"
#include "front/ast.h"
#include "support/diag.h"

typedef struct ParseState ParseState;

/* Spans are byte ranges: a rule covers its first to its last symbol; an empty rule sits at
 * the end of what precedes it. */
#define YYLLOC_DEFAULT(Cur, Rhs, N)                                   \
  do {                                                                \
    if (N) {                                                          \
      (Cur).file = YYRHSLOC(Rhs, 1).file;                             \
      (Cur).start = YYRHSLOC(Rhs, 1).start;                           \
      (Cur).end = YYRHSLOC(Rhs, N).end;                               \
    } else {                                                          \
      (Cur).file = YYRHSLOC(Rhs, 0).file;                             \
      (Cur).start = (Cur).end = YYRHSLOC(Rhs, 0).end;                 \
    }                                                                 \
  } while (0)
}

%code {
#include <ctype.h>
#include <string.h>

#include "front/spelling.h"
#include "lex.h"
#include "parse.h"

struct ParseState {
  Arena *arena;
  Diag *diag;
  LexState *lex;
  PtrVec decls;
  bool too_deep;     /* "nested too deeply" already reported in this declaration */
  PtrVec kwargs;     /* keyword arguments not yet reported (KwArg) */
  /* a line that began with an objective's sense word (sense_line): its other errors are not
   * reported. 1 + the offset of the line's start in quiet_file, 0: none */
  size_t quiet_line;
  uint32_t quiet_file;
};

/* A keyword argument, `axis = 0`: reported, in source order, once its call is known. */
typedef struct KwArg {
  const char *key;
  Span at;            /* `key =` */
  const char *callee; /* the call's name, once it is reduced */
  bool owned;         /* its call (callee) or list literal (callee NULL) has been reduced */
  bool to_sema;       /* a call of no builtin: sema says it (AstExpr.kw_key) */
} KwArg;

static int parse_lex(PARSE_STYPE *val, PARSE_LTYPE *loc, ParseState *ps) {
  return lex_next(ps->lex, val, loc);
}
static AstType *tensor_type(ParseState *ps, const char *word, Span word_at, PtrVec *dims, Span at);
static void parse_error(PARSE_LTYPE *loc, ParseState *ps, const char *msg);

static AstExpr *guard(ParseState *ps, AstExpr *e);
static AstExpr *node(ParseState *ps, AstExprKind k, Span at, AstExpr *a, AstExpr *b);
static AstExpr *binary(ParseState *ps, int op, Span at, Span op_at, AstExpr *l, AstExpr *r);
static AstExpr *chain(ParseState *ps, int op, Span at, Span op_at, AstExpr *l, AstExpr *r);
static AstExpr *finish(ParseState *ps, AstExpr *e);
static AstExpr *from_vec(ParseState *ps, AstExprKind k, Span at, AstExpr *first, PtrVec *v);
static PtrVec *vec1(ParseState *ps, void *item);
static PtrVec *vec_push(ParseState *ps, PtrVec *v, void *item);
static AstDecl *decl(ParseState *ps, AstDeclKind k, Span at, const char *name, Span name_at);
static void begin_decl(ParseState *ps);
static void expect_word(ParseState *ps, const char *got, Span at, const char *want,
                        const char *hint);
static AstExpr *kwarg(ParseState *ps, const char *key, Span at, AstExpr *value);
static void own_kwargs(ParseState *ps, const char *callee, Span call, AstExpr *e);
static void report_kwargs(ParseState *ps);
static void no_init(ParseState *ps, const char *name, Span at);
#define SAMPLE_HINT "a sample set is declared as 'sample NAME : batch(K) of N'"
#define CON_HINT "a constraint follows the initialiser: 'in [lo, hi]', 'in simplex' or '>= lo'"
static AstConstraint *constraint(ParseState *ps, AstConKind k, Span at, AstExpr *lo, AstExpr *hi);
static void data_marks(ParseState *ps, AstDecl *d, PtrVec *words);
static void var_word(ParseState *ps, const char *word, Span at);
static AstDecl *var_decl(ParseState *ps, AstDeclKind k, Span at, const char *name, Span name_at,
                         AstType *type, AstExpr *init, AstConstraint *con);
/* `tensor[T, K, d]` and `sparse[m, n]`: neither word is a keyword (they stay usable as
 * names), so any word followed by dimensions parses here and is checked. */
static AstType *tensor_type(ParseState *ps, const char *word, Span word_at, PtrVec *dims, Span at) {
  AstType *t = ARENA_NEW(ps->arena, AstType);
  t->kind = TY_TENSOR;
  t->span = at;
  if (strcmp(word, "sparse") == 0) {
    t->kind = TY_MATRIX;
    t->sparse = true;
    if (dims->len != 2) {
      diag_error(ps->diag, at, "sparse takes 2 dimensions, got %zu", dims->len);
      diag_hint(ps->diag, "a sparse[m, n] matrix has m rows and n columns");
      t->kind = TY_SCALAR;
      return t;
    }
    for (int i = 0; i < 2; i++) t->dims[i] = dims->items[i];
    return t;
  }
  if (strcmp(word, "tensor") != 0) {
    diag_error(ps->diag, word_at, "unknown type '%s'", word);
    diag_hint(ps->diag, "types are scalar, vector[n], matrix[m, n], sparse[m, n] and "
                        "tensor[T, K, d]");
    t->kind = TY_SCALAR;
    return t;
  }
  if (dims->len != 3) {
    diag_error(ps->diag, at, "tensor takes 3 dimensions, got %zu", dims->len);
    diag_hint(ps->diag, "a tensor[T, K, d] holds T matrices of K rows and d columns; use vector[n] "
                        "or matrix[m, n] for fewer dimensions");
    t->kind = TY_SCALAR;
    return t;
  }
  for (int i = 0; i < 3; i++) t->dims[i] = dims->items[i];
  return t;
}

}

%define api.pure full
%define api.prefix {parse_}
%define api.location.type {Span}
%define parse.error custom
%define parse.lac full
%locations
%expect 0
%param {ParseState *ps}

%union {
  double num;
  const char *str;
  AstExpr *expr;
  AstDecl *decl;
  AstType *type;
  PtrVec *vec;
  AstOption *opt;
  AstConstraint *con;
  int op;
}

%token <num> NUMBER "number"
%token <str> IDENT "identifier"
%token <str> STRING "string"
%token PROBLEM "'problem'" IMPORT "'import'" CONST "'const'" DATA "'data'"
%token UPPER "'upper'" LOWER "'lower'" OBJECTIVE "'objective'" FN "'fn'"
%token SOLVE "'solve'" REPORT "'report'" SAMPLE "'sample'"
%token VECTOR "'vector'" MATRIX "'matrix'" SCALAR "'scalar'"
%token LE "'<='" GE "'>='" EQ "'=='" NE "'!='"

%type <decl> decl
%type <type> opt_type type
%type <expr> expr sum prod unary power postfix primary sub
%type <expr> arg
%type <vec> exprs args arglist subs params opt_params options opt_options opt_marks marks
%type <op> cmp
%type <opt> option_item
%type <con> opt_constraint

%%

program
  : decls
  ;

decls
  : %empty
  | decls decl            { if ($2) ptrvec_push(ps->arena, &ps->decls, $2); }
  | decls ';'
  | decls error
  ;

/* Each declaration keyword clears the error-recovery state, so a syntax error in the very
 * next declaration is reported too. */
kw_problem: PROBLEM { yyerrok; begin_decl(ps); } ;
kw_import:  IMPORT  { yyerrok; begin_decl(ps); } ;
kw_const:   CONST   { yyerrok; begin_decl(ps); } ;
kw_data:    DATA    { yyerrok; begin_decl(ps); } ;
kw_upper:   UPPER   { yyerrok; begin_decl(ps); } ;
kw_lower:   LOWER   { yyerrok; begin_decl(ps); } ;
kw_fn:      FN      { yyerrok; begin_decl(ps); } ;
kw_report:  REPORT  { yyerrok; begin_decl(ps); } ;
kw_sample:  SAMPLE  { yyerrok; begin_decl(ps); } ;
kw_solve:   SOLVE   { yyerrok; begin_decl(ps); } ;

decl
  : kw_problem IDENT                    { $$ = decl(ps, DECL_PROBLEM, @$, $2, @2); }
  | kw_import STRING                    { $$ = decl(ps, DECL_IMPORT, @$, NULL, SPAN_NONE);
                                          $$->path = $2; $$->path_span = @2; }
  | kw_const IDENT '=' expr             { $$ = decl(ps, DECL_CONST, @$, $2, @2); $$->init = $4; }
  | kw_data IDENT opt_type '=' expr opt_marks {
        $$ = decl(ps, DECL_DATA, @$, $2, @2); $$->type = $3; $$->init = $5;
        data_marks(ps, $$, $6); }
  | kw_upper IDENT opt_type '=' expr opt_constraint {
        $$ = var_decl(ps, DECL_UPPER, @$, $2, @2, $3, $5, $6); }
  | kw_lower IDENT opt_type '=' expr opt_constraint {
        $$ = var_decl(ps, DECL_LOWER, @$, $2, @2, $3, $5, $6); }
  | kw_upper IDENT opt_type             { no_init(ps, $2, @$); $$ = NULL; }
  | kw_lower IDENT opt_type             { no_init(ps, $2, @$); $$ = NULL; }
  | kw_upper OBJECTIVE IDENT '=' expr   { $$ = decl(ps, DECL_UPPER_OBJ, @$, $3, @3);
                                          $$->init = $5; }
  | kw_lower OBJECTIVE IDENT '=' expr   { $$ = decl(ps, DECL_LOWER_OBJ, @$, $3, @3);
                                          $$->init = $5; }
  | kw_fn IDENT '(' opt_params ')' '=' expr {
        $$ = decl(ps, DECL_FN, @$, $2, @2);
        $$->init = $7;
        int n = (int)$4->len;
        $$->nparams = n;
        $$->params = ARENA_ARRAY(ps->arena, const char *, (size_t)n + 1);
        $$->param_spans = ARENA_ARRAY(ps->arena, Span, (size_t)n + 1);
        for (int i = 0; i < n; i++) {
          AstExpr *p = $4->items[i];
          $$->params[i] = p->str;
          $$->param_spans[i] = p->span;
        }
      }
  | kw_report IDENT '=' expr            { $$ = decl(ps, DECL_REPORT, @$, $2, @2); $$->init = $4; }
  | kw_sample IDENT ':' IDENT '(' expr ')' IDENT expr {
        expect_word(ps, $4, @4, "batch", SAMPLE_HINT);
        expect_word(ps, $8, @8, "of", SAMPLE_HINT);
        $$ = decl(ps, DECL_SAMPLE, @$, $2, @2);
        $$->batch = $6;
        $$->population = $9;
      }
  | kw_solve IDENT opt_options {
        $$ = decl(ps, DECL_SOLVE, @$, $2, @2);
        int n = (int)$3->len;
        $$->nopts = n;
        $$->opts = ARENA_ARRAY(ps->arena, AstOption, (size_t)n + 1);
        for (int i = 0; i < n; i++) $$->opts[i] = *(AstOption *)$3->items[i];
      }
  ;

opt_type
  : %empty                              { $$ = NULL; }
  | ':' type                            { $$ = $2; }
  ;

type
  : SCALAR                              { $$ = ARENA_NEW(ps->arena, AstType); $$->kind = TY_SCALAR;
                                          $$->span = @$; }
  | VECTOR '[' expr ']'                 { $$ = ARENA_NEW(ps->arena, AstType); $$->kind = TY_VECTOR;
                                          $$->span = @$; $$->dims[0] = $3; }
  | MATRIX '[' expr ',' expr ']'        { $$ = ARENA_NEW(ps->arena, AstType); $$->kind = TY_MATRIX;
                                          $$->span = @$; $$->dims[0] = $3; $$->dims[1] = $5; }
  | IDENT '[' exprs ']'                 { $$ = tensor_type(ps, $1, @1, $3, @$); }
  ;

opt_params
  : %empty                              { $$ = ARENA_NEW(ps->arena, PtrVec); }
  | params opt_comma                    { $$ = $1; }
  ;

params
  : IDENT                               { AstExpr *p = ast_expr(ps->arena, AST_IDENT, @1);
                                          p->str = $1; $$ = vec1(ps, p); }
  | params ',' IDENT                    { AstExpr *p = ast_expr(ps->arena, AST_IDENT, @3);
                                          p->str = $3; $$ = vec_push(ps, $1, p); }
  ;

opt_options
  : %empty                              { $$ = ARENA_NEW(ps->arena, PtrVec); }
  | '(' ')'                             { $$ = ARENA_NEW(ps->arena, PtrVec); }
  | '(' options opt_comma ')'           { $$ = $2; }
  ;

options
  : option_item                         { $$ = vec1(ps, $1); }
  | options ',' option_item             { $$ = vec_push(ps, $1, $3); }
  ;

option_item
  : IDENT '=' expr {
        $$ = ARENA_NEW(ps->arena, AstOption);
        $$->key = $1;
        $$->key_span = @1;
        $$->value = $3;
      }
  ;

/* `in [lo, hi]` and `in simplex`: contextual words, so `in` and `simplex` stay usable as names */
opt_constraint
  : %empty                              { $$ = NULL; }
  | IDENT '[' expr ',' expr ']'         { expect_word(ps, $1, @1, "in", CON_HINT);
                                          $$ = constraint(ps, CON_BOX, @$, $3, $5); }
  | IDENT IDENT                         { expect_word(ps, $1, @1, "in", CON_HINT);
                                          expect_word(ps, $2, @2, "simplex", CON_HINT);
                                          $$ = constraint(ps, CON_SIMPLEX, @$, NULL, NULL); }
  | IDENT                               { var_word(ps, $1, @1); $$ = NULL; }
  ;

/* words after a data initialiser: `sharded` (contextual, so it stays usable as a name) */
opt_marks
  : %empty                              { $$ = ARENA_NEW(ps->arena, PtrVec); }
  | marks                               { $$ = $1; }
  ;

marks
  : IDENT                               { AstExpr *w = ast_expr(ps->arena, AST_IDENT, @1);
                                          w->str = $1; $$ = vec1(ps, w); }
  | marks IDENT                         { AstExpr *w = ast_expr(ps->arena, AST_IDENT, @2);
                                          w->str = $2; $$ = vec_push(ps, $1, w); }
  ;

opt_comma
  : %empty
  | ','
  ;

/* ------------------------------------------------------------------ expressions */

expr
  : sum                                 { $$ = finish(ps, $1); }
  | sum cmp sum                         { $$ = binary(ps, $2, @$, @2, finish(ps, $1),
                                                         finish(ps, $3)); }
  ;

cmp
  : '<' { $$ = OP_LT; } | LE { $$ = OP_LE; } | '>' { $$ = OP_GT; }
  | GE  { $$ = OP_GE; } | EQ { $$ = OP_EQ; } | NE { $$ = OP_NE; }
  ;

/* Chains of + - and of * / are built unguarded and finished (depth-checked, rebalanced when
 * too deep) where they end: see finish(). */
sum
  : prod                                { $$ = finish(ps, $1); }
  | sum '+' prod                        { $$ = chain(ps, OP_ADD, @$, @2, $1, finish(ps, $3)); }
  | sum '-' prod                        { $$ = chain(ps, OP_SUB, @$, @2, $1, finish(ps, $3)); }
  ;

prod
  : unary
  | prod '*' unary                      { $$ = chain(ps, OP_MUL, @$, @2, $1, $3); }
  | prod '/' unary                      { $$ = chain(ps, OP_DIV, @$, @2, $1, $3); }
  | prod '@' unary                      { $$ = binary(ps, OP_MATMUL, @$, @2, finish(ps, $1), $3); }
  ;

unary
  : power
  | '-' unary                           { $$ = node(ps, AST_UNARY, @$, $2, NULL); $$->op = '-';
                                          $$->op_span = @1; }
  | '+' unary                           { $$ = $2; }
  ;

power
  : postfix
  | postfix '^' unary                   { $$ = binary(ps, OP_POW, @$, @2, $1, $3); }
  ;

postfix
  : primary
  | postfix '\''                        { $$ = node(ps, AST_TRANSPOSE, @$, $1, NULL);
                                          $$->op_span = @2; }
  | postfix '[' subs ']'                { $$ = from_vec(ps, AST_INDEX, @$, $1, $3);
                                          $$->op_span = span_join(@2, @4); }
  ;

subs
  : sub                                 { $$ = vec1(ps, $1); }
  | subs ',' sub                        { $$ = vec_push(ps, $1, $3); }
  ;

sub
  : expr
  | ':'                                 { $$ = node(ps, AST_SLICE, @$, NULL, NULL); }
  | ':' expr                            { $$ = node(ps, AST_SLICE, @$, NULL, $2); }
  | expr ':'                            { $$ = node(ps, AST_SLICE, @$, $1, NULL); }
  | expr ':' expr                       { $$ = node(ps, AST_SLICE, @$, $1, $3); }
  ;

primary
  : NUMBER                              { $$ = ast_expr(ps->arena, AST_NUM, @$); $$->num = $1; }
  | STRING                              { $$ = ast_expr(ps->arena, AST_STR, @$); $$->str = $1; }
  | IDENT                               { $$ = ast_expr(ps->arena, AST_IDENT, @$); $$->str = $1; }
  | IDENT '(' args ')'                  { $$ = from_vec(ps, AST_CALL, @$, NULL, $3); $$->str = $1;
                                          $$->name_span = @1; own_kwargs(ps, $1, @$, $$); }
  | '(' expr ')'                        { $$ = $2; }
  | '[' args ']'                        { own_kwargs(ps, NULL, @$, NULL);
                                          $$ = from_vec(ps, AST_LIST, @$, NULL, $2); }
  ;

args
  : %empty                              { $$ = ARENA_NEW(ps->arena, PtrVec); }
  | arglist opt_comma                   { $$ = $1; }
  ;

arglist
  : arg                                 { $$ = vec1(ps, $1); }
  | arglist ',' arg                     { $$ = vec_push(ps, $1, $3); }
  ;

/* `axis = 0`: NumPy's keyword argument, parsed to say that arguments go by position (the
 * call that holds it names it: own_kwargs; report_kwargs says it) */
arg
  : expr
  | IDENT '=' expr                      { $$ = kwarg(ps, $1, span_join(@1, @2), $3); }
  ;

exprs
  : expr                                { $$ = vec1(ps, $1); }
  | exprs ',' expr                      { $$ = vec_push(ps, $1, $3); }
  ;

%%

static void begin_decl(ParseState *ps) {
  ps->too_deep = false;
  report_kwargs(ps);
}

/* A keyword argument `key = value`: kept as the value, its `key =` remembered for the call
 * (or list) that holds it. */
static AstExpr *kwarg(ParseState *ps, const char *key, Span at, AstExpr *value) {
  KwArg *k = ARENA_NEW(ps->arena, KwArg);
  k->key = key;
  k->at = at;
  ptrvec_push(ps->arena, &ps->kwargs, k);
  return value;
}

/* The call e of callee (a list literal when NULL) spanning `call` is reduced: it holds the
 * keyword arguments inside it that no call nested in it took first. Those of a call of no
 * builtin (and no NumPy reduction's spelling) go to sema, its first in e->kw_key: whether the
 * callee is a fn is known there, and an unknown one is the error, with its hint
 * (`softmax(x, dim = 0)` was told "'softmax' takes no keyword argument 'dim'" and a hint on
 * the fn's parameters, and only `softmax(x, 0)` that softmax does not exist). */
static const AstDecl *declared_fn(const ParseState *ps, const char *name) {
  for (size_t i = 0; i < ps->decls.len; i++) {
    const AstDecl *d = ps->decls.items[i];
    if (d->kind == DECL_FN && d->name && strcmp(d->name, name) == 0) return d;
  }
  return NULL;
}

static void own_kwargs(ParseState *ps, const char *callee, Span call, AstExpr *e) {
  char buf[256];
  /* a fn declared before it in the file is said here, as a builtin is, even when a syntax
   * error stops the file before sema (a name is declared before it is used: any other is
   * imported or unknown) */
  bool to_sema = callee && e && ast_builtin_lookup(callee) == BI_NONE &&
                 !spelling_reduction_hint(callee, buf, sizeof buf) && !declared_fn(ps, callee);
  for (size_t i = 0; i < ps->kwargs.len; i++) {
    KwArg *k = ps->kwargs.items[i];
    if (k->owned || k->at.file != call.file || k->at.start < call.start || k->at.end > call.end)
      continue;
    k->owned = true;
    k->callee = callee;
    k->to_sema = to_sema;
    if (to_sema && (!e->kw_key || k->at.start < e->kw_at.start)) {
      e->kw_key = k->key;
      e->kw_at = k->at;
    }
  }
}

/* The keyword arguments since the last report, in source order (an inner call is reduced
 * before the outer one): an error each, with the hint a reduction's axis gets
 * (`sum(b, axis = 0)` was "expected ')', ',' or an operator, found '='", while `sum(W, 1)`
 * was told sum_rows and sum_cols). At each declaration keyword, syntax error and the end of
 * the file; those of a call a syntax error cut short are dropped (that error is the one). */
static void report_kwargs(ParseState *ps) {
  size_t n = ps->kwargs.len;
  KwArg **ks = (KwArg **)ps->kwargs.items;
  for (size_t i = 1; i < n; i++) /* insertion sort: a declaration holds a few */
    for (size_t j = i; j > 0 && ks[j - 1]->at.start > ks[j]->at.start; j--) {
      KwArg *t = ks[j];
      ks[j] = ks[j - 1];
      ks[j - 1] = t;
    }
  ps->kwargs.len = 0;
  for (size_t i = 0; i < n; i++) {
    const KwArg *k = ks[i];
    char buf[256];
    if (!k->owned || k->to_sema) continue;
    if (!k->callee) {
      diag_error(ps->diag, k->at, "a list literal has no named elements ('%s =')", k->key);
      diag_hint(ps->diag, "write the elements alone: [a, b, c]");
      continue;
    }
    diag_error(ps->diag, k->at, "'%s' takes no keyword argument '%s'", k->callee, k->key);
    if (spelling_reduction_hint(k->callee, buf, sizeof buf))
      diag_hint(ps->diag, "%s", buf);
    else if (ast_builtin_lookup(k->callee) != BI_NONE)
      diag_hint(ps->diag, "arguments are given by position, in the order doc/language.md "
                          "§6 lists them");
    else
      diag_hint(ps->diag, "arguments are given by position, in the order of the fn's "
                          "parameters");
  }
}

/* `lower W : matrix[d, k]` with no initialiser: said at the end of the declaration, not as
 * "expected '='" at the start of the next line. */
static void no_init(ParseState *ps, const char *name, Span at) {
  Span end = {at.file, at.end, at.end};
  diag_error(ps->diag, end, "expected '=' and an initial value for the variable '%s'", name);
  diag_hint(ps->diag, "a variable starts from its initial value: '= 0' fills every element with "
                      "0, or give an expression of its shape");
}


/* Keep every tree at most AST_MAX_DEPTH deep: a deeper one is reported once and replaced by a
 * leaf, so no later pass can run out of C stack on a pathological input. */
static AstExpr *guard(ParseState *ps, AstExpr *e) {
  if (e->depth <= AST_MAX_DEPTH) return e;
  if (!ps->too_deep) {
    diag_error(ps->diag, e->span, "expression nested too deeply (more than %d levels)",
               AST_MAX_DEPTH);
    diag_hint(ps->diag, "split it into several declarations or fns");
    ps->too_deep = true;
  }
  AstExpr *leaf = ast_expr(ps->arena, AST_NUM, e->span);
  return leaf;
}

static AstExpr *node(ParseState *ps, AstExprKind k, Span at, AstExpr *a, AstExpr *b) {
  AstExpr *args[2] = {a, b};
  int n = k == AST_SLICE ? 2 : b ? 2 : 1;
  return guard(ps, ast_expr_n(ps->arena, k, at, args, n));
}

static AstExpr *binary(ParseState *ps, int op, Span at, Span op_at, AstExpr *l, AstExpr *r) {
  AstExpr *e = node(ps, AST_BINARY, at, l, r);
  e->op = op;
  e->op_span = op_at;
  return e;
}

/* One link of a + - or * / chain, left-deep like binary() but not depth-checked yet: the
 * chain may grow past AST_MAX_DEPTH and be rebalanced by finish() when it ends. */
static AstExpr *chain(ParseState *ps, int op, Span at, Span op_at, AstExpr *l, AstExpr *r) {
  AstExpr *args[2] = {l, r};
  AstExpr *e = ast_expr_n(ps->arena, AST_BINARY, at, args, 2);
  e->op = op;
  e->op_span = op_at;
  return e;
}

/* The terms of a chain in source order: term[0] op[1] term[1] op[2] term[2] ... */
typedef struct Chain {
  AstExpr **term;
  bool *inv;     /* op[i] is - or / (term[i] enters inverted); inv[0] is false */
  Span *op_span; /* op[i]'s token */
  uint32_t *end; /* where the chain up to term[i] ends (after a closing parenthesis) */
  uint32_t start;
  int kinds[2];  /* the chain's direct and inverse operator: + - or * / */
} Chain;

static bool in_chain(const AstExpr *e, const Chain *c) {
  return e->kind == AST_BINARY && (e->op == c->kinds[0] || e->op == c->kinds[1]);
}

/* The terms lo..hi-1 of c as a balanced tree; *inv says whether the tree is their inverse
 * combination (-(t_lo + ...) or 1/(t_lo * ...)), which only a range not starting at term 0
 * can be. a - b == a + (-b) and a / b == a * (1/b) for the operators' rounding, so the only
 * change against the left-deep tree is the order in which partial results are combined. */
static AstExpr *balance(ParseState *ps, const Chain *c, int lo, int hi, bool *inv) {
  if (hi - lo == 1) {
    *inv = c->inv[lo];
    return c->term[lo];
  }
  int mid = lo + (hi - lo) / 2;
  bool li, ri;
  AstExpr *l = balance(ps, c, lo, mid, &li);
  AstExpr *r = balance(ps, c, mid, hi, &ri);
  Span at = {c->term[lo]->span.file, lo == 0 ? c->start : c->term[lo]->span.start, c->end[hi - 1]};
  *inv = li && ri;
  if (li && !ri) return chain(ps, c->kinds[1], at, c->op_span[mid], r, l); /* r - l, r / l */
  return chain(ps, c->kinds[li == ri ? 0 : 1], at, c->op_span[mid], l, r);
}

/* A chain ends: when its left-deep tree is deeper than AST_MAX_DEPTH it is rebalanced into
 * a tree of logarithmic depth (so flat sums of any length are accepted and no later pass
 * recurses deeply); shorter chains keep their exact left-to-right evaluation order. Then the
 * usual depth check. */
static AstExpr *finish(ParseState *ps, AstExpr *e) {
  if (e->depth <= AST_MAX_DEPTH || e->kind != AST_BINARY) return guard(ps, e);
  Chain c = {.start = e->span.start};
  if (e->op == OP_ADD || e->op == OP_SUB) c.kinds[0] = OP_ADD, c.kinds[1] = OP_SUB;
  else if (e->op == OP_MUL || e->op == OP_DIV) c.kinds[0] = OP_MUL, c.kinds[1] = OP_DIV;
  else return guard(ps, e);
  int n = 1;
  for (const AstExpr *t = e; in_chain(t, &c); t = t->args[0]) n++;
  c.term = ARENA_ARRAY(ps->arena, AstExpr *, (size_t)n);
  c.inv = ARENA_ARRAY(ps->arena, bool, (size_t)n);
  c.op_span = ARENA_ARRAY(ps->arena, Span, (size_t)n);
  c.end = ARENA_ARRAY(ps->arena, uint32_t, (size_t)n);
  AstExpr *t = e;
  for (int i = n - 1; i > 0; i--, t = t->args[0]) {
    c.term[i] = t->args[1];
    c.inv[i] = t->op == c.kinds[1];
    c.op_span[i] = t->op_span;
    c.end[i] = t->span.end;
  }
  c.term[0] = t;
  c.inv[0] = false;
  c.op_span[0] = SPAN_NONE;
  c.end[0] = t->span.end;
  bool inv;
  return guard(ps, balance(ps, &c, 0, n, &inv)); /* inv is false: the range holds term 0 */
}

static AstExpr *from_vec(ParseState *ps, AstExprKind k, Span at, AstExpr *first, PtrVec *v) {
  size_t n = v->len + (first ? 1 : 0);
  AstExpr **args = ARENA_ARRAY(ps->arena, AstExpr *, n + 1);
  size_t i = 0;
  if (first) args[i++] = first;
  for (size_t j = 0; j < v->len; j++) args[i++] = v->items[j];
  return guard(ps, ast_expr_n(ps->arena, k, at, args, (int)n));
}

static PtrVec *vec1(ParseState *ps, void *item) {
  PtrVec *v = ARENA_NEW(ps->arena, PtrVec);
  ptrvec_push(ps->arena, v, item);
  return v;
}

static PtrVec *vec_push(ParseState *ps, PtrVec *v, void *item) {
  ptrvec_push(ps->arena, v, item);
  return v;
}

static AstDecl *decl(ParseState *ps, AstDeclKind k, Span at, const char *name, Span name_at) {
  AstDecl *d = ast_decl(ps->arena, k, at);
  d->name = name;
  d->name_span = name_at;
  return d;
}

/* The offset where the line holding at begins, and whether only blanks come before at there. */
static size_t line_start(const SrcFile *f, Span at, bool *first) {
  size_t b = at.start;
  while (b > 0 && (f->text[b - 1] == ' ' || f->text[b - 1] == '\t')) b--;
  *first = b == 0 || f->text[b - 1] == '\n';
  while (b > 0 && f->text[b - 1] != '\n') b--;
  return b;
}

/* Whether at is on the line sense_line kept quiet. */
static bool quiet(ParseState *ps, Span at) {
  const SrcFile *f = diag_file(ps->diag, at.file);
  bool first;
  return ps->quiet_line && f && at.start <= f->len && at.file == ps->quiet_file &&
         line_start(f, at, &first) + 1 == ps->quiet_line;
}

/* A word of another modelling language for an objective's sense that begins a line, as in
 * AMPL's `maximize f = ...`: one error, with the hint that bloc minimises both levels, and
 * the rest of the line kept quiet. The word continued the declaration before it, so it was
 * read as a constraint's `in`, `f` as `simplex` and then '=' was unexpected: three errors, the
 * first with the constraint's hint. Returns whether it said so. */
static bool sense_line(ParseState *ps, const char *word, Span at) {
  const SrcFile *f = diag_file(ps->diag, at.file);
  if (!f || at.end > f->len) return false;
  bool first;
  size_t b = line_start(f, at, &first);
  /* then a name: `max(a, b)` starting a line of an expression is no such word */
  size_t nb = at.end, ne;
  while (nb < f->len && (f->text[nb] == ' ' || f->text[nb] == '\t')) nb++;
  for (ne = nb; ne < f->len && (isalnum((unsigned char)f->text[ne]) || f->text[ne] == '_');) ne++;
  if (!first || nb == at.end || ne == nb || ne - nb >= 32 || isdigit((unsigned char)f->text[nb]))
    return false;
  char name[32], hint[256];
  snprintf(name, sizeof name, "%.*s", (int)(ne - nb), f->text + nb);
  /* g is most often the lower level's objective */
  bool g = name[0] == 'g';
  const char *level = g ? "lower" : "upper", *other = g ? "upper" : "lower";
  if (!spelling_objective_hint(word, level, name, hint, sizeof hint)) return false;
  diag_error(ps->diag, at, "expected a declaration, found identifier '%s'", word);
  diag_hint(ps->diag, "%s, or '%s objective %s' at the %s level", hint, other, name, other);
  ps->quiet_line = b + 1;
  ps->quiet_file = at.file;
  return true;
}

/* Whether a line of f before offset end begins with `LEVEL objective` (level "upper" or
 * "lower"); *line its number. */
static bool level_declared(const SrcFile *f, size_t end, const char *level, int *line) {
  size_t n = strlen(level);
  int no = 1;
  for (size_t b = 0; b < end; no++) {
    size_t w = b;
    while (w < end && (f->text[w] == ' ' || f->text[w] == '\t')) w++;
    if (end - w > n + 10 && memcmp(f->text + w, level, n) == 0 &&
        (f->text[w + n] == ' ' || f->text[w + n] == '\t')) {
      size_t o = w + n;
      while (o < end && (f->text[o] == ' ' || f->text[o] == '\t')) o++;
      if (end - o > 9 && memcmp(f->text + o, "objective", 9) == 0 &&
          !isalnum((unsigned char)f->text[o + 9]) && f->text[o + 9] != '_') {
        *line = no;
        return true;
      }
    }
    while (b < end && f->text[b] != '\n') b++;
    b++;
  }
  return false;
}

/* `objective f = ...` beginning a line, its level left out: read as a name where the
 * declaration before it could go on, it had "'objective' is a keyword and cannot be a name"
 * (verification pass vA, session 48). One error, with the hint of both levels (the one the
 * file declares no objective of, or for a name g the lower one, first), the rest of the line
 * kept quiet, as sense_line does. Returns whether it said so. */
static bool level_line(ParseState *ps, Span at) {
  const SrcFile *f = diag_file(ps->diag, at.file);
  if (!f || at.end > f->len || at.end - at.start != 9 ||
      memcmp(f->text + at.start, "objective", 9) != 0)
    return false;
  bool first;
  size_t b = line_start(f, at, &first);
  if (!first) return false;
  size_t nb = at.end, ne;
  while (nb < f->len && (f->text[nb] == ' ' || f->text[nb] == '\t')) nb++;
  for (ne = nb; ne < f->len && (isalnum((unsigned char)f->text[ne]) || f->text[ne] == '_');) ne++;
  char name[32] = "f";
  if (ne > nb && ne - nb < sizeof name && !isdigit((unsigned char)f->text[nb]))
    snprintf(name, sizeof name, "%.*s", (int)(ne - nb), f->text + nb);
  int uline = 0, lline = 0;
  bool up = level_declared(f, b, "upper", &uline), low = level_declared(f, b, "lower", &lline);
  diag_error(ps->diag, at, "expected a declaration, found 'objective' without its level");
  if (up != low) /* the other level's objective is declared: this is most likely the missing one */
    diag_hint(ps->diag, "an objective begins with its level: write '%s objective %s = ...' (the "
              "%s objective is on line %d), or '%s objective %s = ...'", up ? "lower" : "upper",
              name, up ? "upper" : "lower", up ? uline : lline, up ? "upper" : "lower", name);
  else
    diag_hint(ps->diag, "an objective begins with its level: write '%s objective %s = ...' or "
              "'%s objective %s = ...'", name[0] == 'g' ? "lower" : "upper", name,
              name[0] == 'g' ? "upper" : "lower", name);
  ps->quiet_line = b + 1;
  ps->quiet_file = at.file;
  return true;
}

static void expect_word(ParseState *ps, const char *got, Span at, const char *want,
                        const char *hint) {
  if (quiet(ps, at) || sense_line(ps, got, at)) return;
  if (strcmp(got, want) != 0) {
    diag_error(ps->diag, at, "expected '%s', found identifier '%s'", want, got);
    diag_hint(ps->diag, "%s", hint);
  }
}

/* The words after a data initialiser: each must be `sharded`, at most once. */
static void data_marks(ParseState *ps, AstDecl *d, PtrVec *words) {
  for (size_t i = 0; i < words->len; i++) {
    const AstExpr *w = words->items[i];
    if (quiet(ps, w->span) || sense_line(ps, w->str, w->span)) continue;
    if (strcmp(w->str, "sharded") != 0) {
      diag_error(ps->diag, w->span,
                 "expected 'sharded' or a new declaration, found identifier '%s'", w->str);
      diag_hint(ps->diag, "the only word allowed after a data initialiser is 'sharded'");
    } else if (d->sharded) {
      diag_error(ps->diag, w->span, "'sharded' given twice");
      diag_note(ps->diag, d->sharded_span, "first given here");
    } else {
      d->sharded = true;
      d->sharded_span = w->span;
    }
  }
}

/* One word after a variable's initialiser: a constraint missing its bound, or `sharded`,
 * which only data may be. */
static void var_word(ParseState *ps, const char *word, Span at) {
  if (quiet(ps, at) || sense_line(ps, word, at)) return;
  if (strcmp(word, "sharded") == 0) {
    diag_error(ps->diag, at, "only data declarations can be sharded");
    diag_hint(ps->diag, "variables are held whole by every rank; shard the data they meet");
    return;
  }
  expect_word(ps, word, at, "in", CON_HINT);
  if (strcmp(word, "in") == 0) {
    diag_error(ps->diag, at, "'in' needs a constraint: '[lo, hi]' or 'simplex'");
    diag_hint(ps->diag, "%s", CON_HINT);
  }
}

static AstConstraint *constraint(ParseState *ps, AstConKind k, Span at, AstExpr *lo, AstExpr *hi) {
  AstConstraint *c = ARENA_NEW(ps->arena, AstConstraint);
  c->kind = k;
  c->span = at;
  c->lo = lo;
  c->hi = hi;
  return c;
}

/* upper/lower NAME [: type] = init [constraint]. An initialiser that is a comparison with >=
 * or <= is the shorthand `= init >= lo` (`<= hi`): a box with one side. */
static AstDecl *var_decl(ParseState *ps, AstDeclKind k, Span at, const char *name, Span name_at,
                         AstType *type, AstExpr *init, AstConstraint *con) {
  AstDecl *d = decl(ps, k, at, name, name_at);
  d->type = type;
  d->init = init;
  d->con = con;
  if (init->kind != AST_BINARY || init->op < OP_LT || init->op > OP_GE) return d;
  Span cs = span_join(init->op_span, init->args[1]->span);
  if (init->op == OP_LT || init->op == OP_GT) {
    diag_error(ps->diag, init->op_span, "a strict bound cannot be kept: use '%s'",
               init->op == OP_LT ? "<=" : ">=");
    diag_hint(ps->diag, "an upper variable is kept in its constraint by projection onto the "
              "closed set");
    return d;
  }
  if (con) {
    diag_error(ps->diag, con->span, "a second constraint on '%s'", name);
    diag_note(ps->diag, cs, "the first one is here");
    diag_hint(ps->diag, "give both bounds at once: in [lo, hi]");
    return d;
  }
  d->init = init->args[0];
  d->con = init->op == OP_GE ? constraint(ps, CON_BOX, cs, init->args[1], NULL)
                             : constraint(ps, CON_BOX, cs, NULL, init->args[1]);
  return d;
}

static void parse_error(PARSE_LTYPE *loc, ParseState *ps, const char *msg) {
  if (strstr(msg, "exhausted"))
    diag_error(ps->diag, *loc, "the program is nested too deeply to parse");
  else
    diag_error(ps->diag, *loc, "%s", msg);
}

/* ------------------------------------------------------------------ syntax error messages */

static bool has(const char **names, int n, const char *want) {
  for (int i = 0; i < n; i++)
    if (names[i] && strcmp(names[i], want) == 0) return true;
  return false;
}

static void drop(const char **names, int n, const char *const *set) {
  for (int i = 0; i < n; i++)
    for (int j = 0; set[j]; j++)
      if (names[i] && strcmp(names[i], set[j]) == 0) names[i] = NULL;
}

/* "identifier 'foo'", "number '1.5'", "'upper'", "end of file" */
static const char *describe_found(ParseState *ps, yysymbol_kind_t tok, Span at) {
  if (tok == YYSYMBOL_YYEOF) return "end of file";
  const SrcFile *f = diag_file(ps->diag, at.file);
  const char *text = f && at.end <= f->len && at.start < at.end ? f->text + at.start : "";
  int len = f && at.end <= f->len && at.start < at.end ? (int)(at.end - at.start) : 0;
  if (len > 40) len = 40;
  switch (tok) {
  case YYSYMBOL_IDENT: return arena_printf(ps->arena, "identifier '%.*s'", len, text);
  case YYSYMBOL_NUMBER: return arena_printf(ps->arena, "number '%.*s'", len, text);
  case YYSYMBOL_STRING:
    return arena_printf(ps->arena, "string %.*s%s", len, text, at.end - at.start > 40 ? "..." : "");
  default: return yysymbol_name(tok);
  }
}

/* Whether the word just before `at` (spaces between) is `word`. */
static bool word_before(ParseState *ps, Span at, const char *word) {
  const SrcFile *f = diag_file(ps->diag, at.file);
  if (!f || at.start > f->len) return false;
  size_t e = at.start, n = strlen(word);
  while (e > 0 && (f->text[e - 1] == ' ' || f->text[e - 1] == '\t')) e--;
  if (e < n || memcmp(f->text + e - n, word, n) != 0) return false;
  char c = e > n ? f->text[e - n - 1] : ' ';
  return !(isalnum((unsigned char)c) || c == '_');
}

/* Whether the ':' at `at` is a second one in a subscript, NumPy's step (`v[::2]`,
 * `v[1:9:2]`): a ':' at the same depth since the subscript's '[' or ','. */
static bool step_in_slice(ParseState *ps, Span at) {
  const SrcFile *f = diag_file(ps->diag, at.file);
  if (!f || at.start > f->len) return false;
  int depth = 0;
  bool colon = false;
  for (size_t e = at.start; e > 0; e--) {
    char ch = f->text[e - 1];
    if (ch == ')' || ch == ']') depth++;
    else if ((ch == '(' || ch == '[') && depth-- == 0) return ch == '[' && colon;
    else if (depth == 0 && ch == ',') return colon;
    else if (depth == 0 && ch == ':') colon = true;
  }
  return false;
}

/* The interval whose bracket, '(' or '[', is at offset open: its closing ')' or ']' (at the
 * same depth, on the same line, within 80 characters), or 0. */
static size_t interval_close(const SrcFile *f, size_t open) {
  int depth = 0;
  for (size_t e = open + 1; e < f->len && e - open < 80 && f->text[e] != '\n'; e++) {
    char ch = f->text[e];
    if (ch == '(' || ch == '[') depth++;
    else if ((ch == ')' || ch == ']') && depth-- == 0) return e;
  }
  return 0;
}

/* The closed box an interval written from offset open makes, "in [0, 1]" for `(0, 1)`,
 * `[0, 1)` or `(0, 1]`, else NULL. */
static const char *closed_interval(ParseState *ps, const SrcFile *f, size_t open) {
  if (!f || open >= f->len || (f->text[open] != '(' && f->text[open] != '[')) return NULL;
  size_t e = interval_close(f, open);
  if (!e) return NULL;
  return arena_printf(ps->arena, "in [%.*s]", (int)(e - open - 1), f->text + open + 1);
}

/* The '[' that a ')' at `at` closes by mistake, `in [0, 1)`: its offset when the word `in` is
 * just before it, else 0. */
static size_t half_open_start(ParseState *ps, Span at) {
  const SrcFile *f = diag_file(ps->diag, at.file);
  if (!f || at.start >= f->len || f->text[at.start] != ')') return 0;
  int depth = 0;
  for (size_t e = at.start; e > 0 && at.start - e < 80 && f->text[e - 1] != '\n'; e--) {
    char ch = f->text[e - 1];
    if (ch == ')' || ch == ']') depth++;
    else if (ch == '(' && depth-- == 0) return 0;
    else if (ch == '[' && depth-- == 0)
      return word_before(ps, (Span){.file = at.file, .start = (uint32_t)(e - 1)}, "in") ? e - 1 : 0;
  }
  return 0;
}

/* Whether the line holding offset at starts (after spaces) with `upper` or `lower`. */
static bool var_line(const SrcFile *f, size_t at) {
  if (!f || at > f->len) return false;
  size_t b = at;
  while (b > 0 && f->text[b - 1] != '\n') b--;
  while (b < at && (f->text[b] == ' ' || f->text[b] == '\t')) b++;
  if (at - b <= 6) return false;
  bool var = memcmp(f->text + b, "upper", 5) == 0 || memcmp(f->text + b, "lower", 5) == 0;
  return var && (f->text[b + 5] == ' ' || f->text[b + 5] == '\t');
}

/* A constraint written before the variable's initial value, `upper x : scalar in [0, 1] = 0.5`
 * (or `>= 0 = 1`), the constraint at `at`: the declaration's end in the right order, "= 0.5
 * in [0, 1]" (an open or half-open interval closed), or NULL when the line does not read so.
 * *closed is set when the interval was not closed as written. */
static const char *constraint_first_fix(ParseState *ps, Span at, bool *closed) {
  const SrcFile *f = diag_file(ps->diag, at.file);
  *closed = false;
  if (!f || at.start >= f->len) return NULL;
  size_t eq = 0, end = at.start;
  char quote = 0;
  for (; end < f->len && f->text[end] != '\n'; end++) { /* the lone '=' and the comment */
    char ch = f->text[end];
    if (quote) {
      if (ch == quote) quote = 0;
      continue;
    }
    if (ch == '"' || ch == '\'') quote = ch;
    if (ch == '#') break;
    if (ch == '=' && !eq && !strchr("<>=!", f->text[end - 1]) && f->text[end + 1] != '=')
      eq = end;
  }
  if (!eq) return NULL;
  size_t v0 = eq + 1;
  while (v0 < end && isspace((unsigned char)f->text[v0])) v0++;
  while (end > v0 && isspace((unsigned char)f->text[end - 1])) end--;
  size_t c1 = eq;
  while (c1 > at.start && isspace((unsigned char)f->text[c1 - 1])) c1--;
  if (v0 >= end || c1 <= at.start || end - v0 > 60 || c1 - at.start > 60) return NULL;
  const char *con = arena_printf(ps->arena, "%.*s", (int)(c1 - at.start), f->text + at.start);
  size_t open = at.start + 2;
  while (open < c1 && f->text[open] == ' ') open++;
  if (strncmp(con, "in", 2) == 0 && open < c1 && (f->text[open] == '(' || f->text[open] == '[')) {
    size_t close = interval_close(f, open);
    if (close + 1 == c1) {
      *closed = f->text[open] == '(' || f->text[close] == ')';
      con = closed_interval(ps, f, open);
    }
  }
  return arena_printf(ps->arena, "= %.*s %s", (int)(end - v0), f->text + v0, con);
}

/* A word of another modelling language for the objective's sense where .blo wants `objective`
 * or a name: `upper maximize f = ...`, `upper maximize objective f`, `upper objective max f`,
 * the error at the token after that word. Writes spelling_objective_hint's hint into buf. */
static bool objective_sense_hint(ParseState *ps, Span at, char *buf, size_t size) {
  const SrcFile *f = diag_file(ps->diag, at.file);
  if (!f || at.start > f->len) return false;
  size_t b = at.start;
  while (b > 0 && f->text[b - 1] != '\n') b--;
  char words[4][32];
  int nw = 0;
  size_t e = b;
  while (e < at.start) { /* the words of the line before the error, at most 3 */
    while (e < at.start && (f->text[e] == ' ' || f->text[e] == '\t')) e++;
    if (e >= at.start) break;
    size_t w = e;
    while (e < at.start && (isalnum((unsigned char)f->text[e]) || f->text[e] == '_')) e++;
    if (e == w || e - w >= sizeof words[0] || nw == 3) return false;
    snprintf(words[nw++], sizeof words[0], "%.*s", (int)(e - w), f->text + w);
  }
  if (nw < 2 || (strcmp(words[0], "upper") != 0 && strcmp(words[0], "lower") != 0) ||
      (nw == 3 && strcmp(words[1], "objective") != 0))
    return false;
  /* the objective's name: the token at the error, or the word after `objective` there */
  size_t nb = at.start;
  if (f->len - nb > 9 && memcmp(f->text + nb, "objective", 9) == 0 && nw == 2) {
    nb += 9;
    while (nb < f->len && (f->text[nb] == ' ' || f->text[nb] == '\t')) nb++;
  }
  size_t ne = nb;
  while (ne < f->len && (isalnum((unsigned char)f->text[ne]) || f->text[ne] == '_')) ne++;
  char name[32] = "f";
  if (ne > nb && ne - nb < sizeof name && !isdigit((unsigned char)f->text[nb]))
    snprintf(name, sizeof name, "%.*s", (int)(ne - nb), f->text + nb);
  return spelling_objective_hint(words[nw - 1], words[0], name, buf, size);
}

static int yyreport_syntax_error(const yypcontext_t *ctx, ParseState *ps) {
  report_kwargs(ps); /* those before the error, in order */
  yysymbol_kind_t exp[YYNTOKENS];
  int n = yypcontext_expected_tokens(ctx, exp, YYNTOKENS);
  if (n < 0) n = 0;
  const char *names[YYNTOKENS + 3];
  for (int i = 0; i < n; i++) names[i] = yysymbol_name(exp[i]);
  static const char *const expr_start[] = {"identifier", "number", "string", "'('",
                                           "'['", "'-'", "'+'", NULL};
  static const char *const operators[] = {"'+'", "'-'", "'*'", "'/'", "'@'", "'^'", "'\\''", "'['",
                                          "'('", "'<'", "'<='", "'>'", "'>='", "'=='", "'!='",
                                          NULL};
  static const char *const decl_start[] = {"'problem'", "'import'", "'const'", "'data'", "'upper'",
                                            "'lower'", "'fn'", "'report'", "'sample'", "'solve'",
                                            "';'", "end of file", NULL};
  bool want_expr = has(names, n, "identifier") && has(names, n, "number") && has(names, n, "'('");
  bool want_op = has(names, n, "'*'") && has(names, n, "'@'");
  bool want_decl = has(names, n, "'upper'") && has(names, n, "'fn'");
  /* a type: the identifier it expects is `tensor` (not a keyword, so that it stays a name) */
  if (has(names, n, "'vector'") && !want_expr)
    for (int i = 0; i < n; i++)
      if (strcmp(names[i], "identifier") == 0) names[i] = "'tensor'";
  /* '=' after an identifier in an argument list is a keyword argument (parsed to be told
   * apart), and a variable's declaration may end without one (to say so at its end): in
   * neither place is it what to suggest beside an operator or a new declaration */
  static const char *const assign[] = {"'='", NULL};
  if (want_op) drop(names, n, assign);
  if (want_decl && has(names, n, "'='")) {
    drop(names, n, decl_start);
    want_decl = false;
  }
  if (want_expr) drop(names, n, expr_start);
  if (want_op) drop(names, n, operators);
  if (want_decl) drop(names, n, decl_start);
  int m = 0;
  const char *list[YYNTOKENS + 3];
  if (want_expr) list[m++] = "an expression";
  for (int i = 0; i < n; i++)
    if (names[i]) list[m++] = strcmp(names[i], "end of file") == 0 ? "end of file" : names[i];
  if (want_op) list[m++] = "an operator";
  if (want_decl) list[m++] = "a declaration";

  yysymbol_kind_t tok = yypcontext_token(ctx);
  Span at = *yypcontext_location(ctx);
  if (quiet(ps, at)) return 0;
  const SrcFile *src = diag_file(ps->diag, at.file);
  if (src && at.start <= src->len) { /* a line `maximize f = ...`, its '=' or its first word */
    bool first;
    size_t w = line_start(src, at, &first), e = w;
    while (w < at.start && (src->text[w] == ' ' || src->text[w] == '\t')) w++;
    for (e = w; e < src->len && isalpha((unsigned char)src->text[e]) && e - w < 16;) e++;
    char word[20];
    snprintf(word, sizeof word, "%.*s", (int)(e - w), src->text + w);
    if (e > w && sense_line(ps, word, (Span){.file = at.file, .start = (uint32_t)w,
                                             .end = (uint32_t)e}))
      return 0;
  }
  if (strcmp(yysymbol_name(tok), "'objective'") == 0 && level_line(ps, at)) return 0;
  if (strcmp(yysymbol_name(tok), "':'") == 0 && has(names, n, "']'") && step_in_slice(ps, at)) {
    /* v[::2] read "expected an expression, ']' or ',', found ':'" (new-user pass D) */
    diag_error(ps->diag, at, "slices take no step: a subscript is lo:hi, with no second ':'");
    diag_hint(ps->diag, "every s-th element of a vector v of n elements, from a < s, is "
              "reshape(v, n / s, s)[:, a] when s divides n (else reshape(v[0:m * s], m, s)[:, a]); "
              "the reverse of v is v[n - 1 - i] for data, R @ v for a variable with data "
              "R = onehot(n - 1 - i, n), and data i = argmax_rows(eye(n)), 0..n-1");
    return 0;
  }
  const char *found = describe_found(ps, tok, at);
  if (m == 0) {
    diag_error(ps->diag, at, "unexpected %s", found);
  } else {
    char buf[512];
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; i < m && len < sizeof buf - 64; i++) {
      const char *sep = i == 0 ? "" : i == m - 1 ? " or " : ", ";
      len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", sep, list[i]);
    }
    diag_error(ps->diag, at, "expected %s, found %s", buf, found);
  }
  static const char *const keywords[] = {"'problem'", "'import'", "'const'", "'data'", "'upper'",
                                         "'lower'", "'fn'", "'report'", "'sample'", "'solve'",
                                         NULL};
  const char *tname = yysymbol_name(tok);
  bool found_decl_kw = false;
  for (int i = 0; keywords[i]; i++)
    if (strcmp(tname, keywords[i]) == 0) found_decl_kw = true;
  static const char *const all_keywords[] = {"'problem'", "'import'", "'const'", "'data'",
                                             "'upper'", "'lower'", "'fn'", "'report'", "'sample'",
                                             "'solve'", "'objective'", "'vector'", "'matrix'",
                                             "'scalar'", NULL};
  bool found_kw = false;
  for (int i = 0; all_keywords[i]; i++)
    if (strcmp(tname, all_keywords[i]) == 0) found_kw = true;
  static const char *const comparisons[] = {"'<'", "'<='", "'>'", "'>='", "'=='", "'!='", NULL};
  bool found_cmp = false;
  for (int i = 0; comparisons[i]; i++)
    if (strcmp(tname, comparisons[i]) == 0) found_cmp = true;
  /* `in (0, 1)` and `in [0, 1)`, as strict bounds `> 0` get their hint: a constraint is a
   * closed set */
  bool open_in = strcmp(tname, "'('") == 0 && word_before(ps, at, "in");
  size_t half = strcmp(tname, "')'") == 0 && has(names, n, "']'") ? half_open_start(ps, at) : 0;
  /* the constraint before the '=' of a variable's initial value: `in`, `>=` or `<=` where '='
   * was due, on a line that starts with upper or lower */
  bool in_word = tok == YYSYMBOL_IDENT && src && at.end - at.start == 2 &&
                 memcmp(src->text + at.start, "in", 2) == 0;
  bool con_first = has(names, n, "'='") && var_line(src, at.start) &&
                   (in_word || strcmp(tname, "'>='") == 0 || strcmp(tname, "'<='") == 0);
  char sense[256];
  if ((tok == YYSYMBOL_IDENT || strcmp(tname, "'objective'") == 0) &&
      objective_sense_hint(ps, at, sense, sizeof sense)) {
    diag_hint(ps->diag, "%s", sense);
  } else if (open_in || half) {
    const char *closed = closed_interval(ps, src, open_in ? at.start : half);
    diag_hint(ps->diag, "%s interval cannot be kept: use '%s'; an upper variable is kept in "
              "its constraint by projection onto the closed set",
              open_in ? "an open" : "a half-open", closed ? closed : "in [lo, hi]");
  } else if (con_first) {
    bool closed;
    const char *fix = constraint_first_fix(ps, at, &closed);
    if (fix)
      diag_hint(ps->diag, "the initial value comes first, then the constraint: '%s'%s", fix,
                closed ? " (closed: a constraint is kept by projection onto a closed set)" : "");
    else
      diag_hint(ps->diag, "%s", CON_HINT);
  } else if (found_kw && has(names, n, "identifier") && !want_expr)
    diag_hint(ps->diag, "%s is a keyword and cannot be a name", tname);
  else if (found_decl_kw && (want_expr || want_op))
    diag_hint(ps->diag, "the declaration before %s is incomplete", tname);
  else if (found_cmp && want_op)
    diag_hint(ps->diag, "comparisons do not chain: write (a < b) * (b < c)");
  else if (tok == YYSYMBOL_IDENT && want_decl)
    diag_hint(ps->diag, "a declaration starts with a keyword: problem, import, const, data, upper, "
                        "lower, fn, report, sample or solve");
  return 0;
}

AstProgram *parse_program(Arena *a, Diag *d, uint32_t file) {
  ParseState ps;
  memset(&ps, 0, sizeof ps);
  ps.arena = a;
  ps.diag = d;
  ps.lex = lex_open(a, d, file);
  parse_parse(&ps);
  report_kwargs(&ps);
  lex_close(ps.lex);
  AstProgram *p = ARENA_NEW(a, AstProgram);
  p->file = file;
  p->ndecls = (int)ps.decls.len;
  p->decls = ARENA_ARRAY(a, AstDecl *, ps.decls.len + 1);
  for (size_t i = 0; i < ps.decls.len; i++) p->decls[i] = ps.decls.items[i];
  return p;
}
