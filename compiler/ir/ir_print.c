/* ir_print.c — textual forms of IR graphs: the SSA listing of `bloc dump-ir` and the readable
 * .blo-like expressions of `bloc derive` (shared subexpressions become let-temporaries). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ir/ir.h"
#include "rt_fmt.h"

static void print_num(FILE *out, double v) {
  char buf[RT_FMT_NUM_LEN];
  fputs(rt_fmt_num(v, buf), out);
}

void ir_dump(IrGraph *g, IrNode *const *roots, const char *const *names, size_t nroots, FILE *out) {
  IrNode **order;
  size_t n = ir_topo(g, roots, nroots, &order);
  char sb[64];
  for (size_t i = 0; i < n; i++) {
    const IrNode *x = order[i];
    fprintf(out, "  %%%u = %s", x->id, ir_ops[x->op].name);
    switch ((IrOp)x->op) {
    case IR_CONST: fputc(' ', out); print_num(out, x->num); break;
    case IR_VAR:
      fprintf(out, " %s#%lld @%lld", x->attr[0] ? "y" : "x", (long long)x->attr[1],
              (long long)x->attr[2]);
      break;
    case IR_DIR: fprintf(out, " v#%lld @%lld", (long long)x->attr[1], (long long)x->attr[2]); break;
    case IR_DATA: fprintf(out, " #%lld", (long long)x->attr[0]); break;
    case IR_SAMPLE:
      fprintf(out, " #%lld @%lld", (long long)x->attr[0], (long long)x->attr[1]);
      break;
    case IR_POWC: fprintf(out, " ^"); print_num(out, x->num); break;
    case IR_SLICE:
      fprintf(out, " [%lld:%lld, %lld:%lld]", (long long)x->attr[0], (long long)x->attr[1],
              (long long)x->attr[2], (long long)x->attr[3]);
      break;
    case IR_PAD:
      fprintf(out, " at [%lld, %lld]", (long long)x->attr[0], (long long)x->attr[2]);
      break;
    case IR_TAKE:
      if (x->attr[0]) fprintf(out, " cols");
      break;
    case IR_LOAD: case IR_RAND: case IR_PERM: case IR_RANDOM_SPD:
      fprintf(out, " \"%s\"", x->str ? x->str : "");
      if (x->op == IR_RAND || x->op == IR_RANDOM_SPD) {
        fprintf(out, " ");
        print_num(out, x->num);
        fprintf(out, " ");
        print_num(out, x->num2);
      }
      break;
    default: break;
    }
    for (int j = 0; j < x->nargs; j++) fprintf(out, "%s%%%u", j ? ", " : " ", x->args[j]->id);
    fprintf(out, " : %s\n", shape_str(x->shape, sb));
  }
  for (size_t r = 0; r < nroots; r++)
    if (roots[r]) fprintf(out, "  %s = %%%u\n", names && names[r] ? names[r] : "out", roots[r]->id);
}

/* ------------------------------------------------------------------ readable expressions */

typedef struct Pr {
  IrGraph *g;
  uint32_t *uses;
  int *temp;          /* by id: temporary number, 0 = inline */
  IrLeafNamer namer;
  void *ctx;
  FILE *out;
} Pr;

/* Precedence levels for parenthesisation: 1 comparison, 2 additive, 3 multiplicative,
 * 4 unary minus, 5 power, 6 atoms (calls, names, numbers). */
static int prec(const IrNode *n) {
  switch ((IrOp)n->op) {
  case IR_LT: case IR_LE: case IR_GT: case IR_GE: case IR_EQ: case IR_NE: return 1;
  case IR_ADD: case IR_SUB: return 2;
  case IR_MUL: case IR_DIV: case IR_MATMUL: case IR_MATVEC: case IR_SPMM: case IR_SPMTM: return 3;
  case IR_NEG: return 4;
  case IR_POWC: return 5;
  case IR_CONST: return n->num < 0 ? 4 : 6;
  default: return 6;
  }
}

static void expr(Pr *p, const IrNode *n, int min_prec);

static void call(Pr *p, const char *name, const IrNode *n) {
  fprintf(p->out, "%s(", name);
  for (int i = 0; i < n->nargs; i++) {
    if (i) fprintf(p->out, ", ");
    expr(p, n->args[i], 0);
  }
  fputc(')', p->out);
}

static void infix(Pr *p, const IrNode *n, const char *op, int my) {
  expr(p, n->args[0], my);
  fprintf(p->out, " %s ", op);
  expr(p, n->args[1], my + 1); /* left associative */
}

static void body(Pr *p, const IrNode *n) {
  FILE *out = p->out;
  char sb[64];
  switch ((IrOp)n->op) {
  case IR_CONST:
    if (n->shape.rank == 0) print_num(out, n->num);
    else if (n->num == 0) fprintf(out, "zeros(%s)", shape_str(n->shape, sb));
    else {
      fprintf(out, "fill(");
      print_num(out, n->num);
      fprintf(out, ", %s)", shape_str(n->shape, sb));
    }
    break;
  case IR_VAR: case IR_DIR: case IR_DATA: case IR_SAMPLE: {
    const char *name = p->namer ? p->namer(p->ctx, n) : NULL;
    if (name) fputs(name, out);
    else
      fprintf(out, "%s%lld",
              n->op == IR_VAR    ? (n->attr[0] ? "y" : "x")
              : n->op == IR_DIR  ? "v"
              : n->op == IR_DATA ? "data"
                                 : "sample",
              (long long)n->attr[1]);
    break;
  }
  case IR_NEG: fputc('-', out); expr(p, n->args[0], 5); break;
  case IR_POWC: expr(p, n->args[0], 6); fprintf(out, " ^ "); print_num(out, n->num); break;
  case IR_ADD:
    if (n->args[1]->op == IR_MUL && n->args[1]->args[0]->op == IR_CONST &&
        n->args[1]->args[0]->shape.rank == 0 && n->args[1]->args[0]->num < 0 &&
        p->temp[n->args[1]->id] == 0) {
      /* a + (-c) * x prints as a - c * x */
      expr(p, n->args[0], 2);
      fprintf(p->out, " - ");
      print_num(p->out, -n->args[1]->args[0]->num);
      fprintf(p->out, " * ");
      expr(p, n->args[1]->args[1], 4);
      break;
    }
    infix(p, n, "+", 2);
    break;
  case IR_SUB: infix(p, n, "-", 2); break;
  case IR_MUL: infix(p, n, "*", 3); break;
  case IR_DIV: infix(p, n, "/", 3); break;
  case IR_MATMUL: case IR_MATVEC: case IR_SPMM: infix(p, n, "@", 3); break;
  case IR_SPMTM: /* X' @ b, the sparse X never transposed in memory */
    expr(p, n->args[0], 6);
    fprintf(out, "' @ ");
    expr(p, n->args[1], 4);
    break;
  case IR_LT: infix(p, n, "<", 1); break;
  case IR_LE: infix(p, n, "<=", 1); break;
  case IR_GT: infix(p, n, ">", 1); break;
  case IR_GE: infix(p, n, ">=", 1); break;
  case IR_EQ: infix(p, n, "==", 1); break;
  case IR_NE: infix(p, n, "!=", 1); break;
  case IR_TRANSPOSE: expr(p, n->args[0], 6); fputc('\'', out); break;
  case IR_SLICE:
    expr(p, n->args[0], 6);
    if (n->args[0]->shape.rank == 1)
      fprintf(out, "[%lld:%lld]", (long long)n->attr[0], (long long)n->attr[1]);
    else
      fprintf(out, "[%lld:%lld, %lld:%lld]", (long long)n->attr[0], (long long)n->attr[1],
              (long long)n->attr[2], (long long)n->attr[3]);
    break;
  case IR_GATHER:
    expr(p, n->args[0], 6);
    fputc('[', out);
    expr(p, n->args[1], 0);
    fprintf(out, n->args[0]->shape.rank == 2 ? ", :]" : "]");
    break;
  case IR_BCAST:
    fprintf(out, "fill(");
    expr(p, n->args[0], 0);
    fprintf(out, ", %s)", shape_str(n->shape, sb));
    break;
  case IR_BCAST_ROWS:
    fprintf(out, "bcast_rows(");
    expr(p, n->args[0], 0);
    fprintf(out, ", %lld)", (long long)n->shape.rows);
    break;
  case IR_BCAST_COLS:
    fprintf(out, "bcast_cols(");
    expr(p, n->args[0], 0);
    fprintf(out, ", %lld)", (long long)n->shape.cols);
    break;
  case IR_RESHAPE:
    fprintf(out, "reshape(");
    expr(p, n->args[0], 0);
    if (n->shape.rank == 1) /* as .blo writes it */
      fprintf(out, ", %lld)", (long long)n->shape.rows);
    else if (n->shape.rank == 2)
      fprintf(out, ", %lld, %lld)", (long long)n->shape.rows, (long long)n->shape.cols);
    else
      fprintf(out, ", %s)", shape_str(n->shape, sb));
    break;
  case IR_PAD:
    fprintf(out, "pad(");
    expr(p, n->args[0], 0);
    fprintf(out, ", %s, %lld, %lld)", shape_str(n->shape, sb), (long long)n->attr[0],
            (long long)n->attr[2]);
    break;
  case IR_SCATTER:
    fprintf(out, "scatter(");
    expr(p, n->args[0], 0);
    fprintf(out, ", ");
    expr(p, n->args[1], 0);
    fprintf(out, ", %s)", shape_str(n->shape, sb));
    break;
  case IR_DIAGM: case IR_DIAGV: call(p, "diag", n); break;
  case IR_ONEHOT:
    fprintf(out, "onehot(");
    expr(p, n->args[0], 0);
    fprintf(out, ", %lld)", (long long)n->shape.cols);
    break;
  case IR_TAKE: /* as written: X[idx, :], X[:, idx], v[idx] */
    expr(p, n->args[0], 6);
    fprintf(out, n->attr[0] ? "[:, " : "[");
    expr(p, n->args[1], 0);
    fprintf(out, n->attr[0] || n->args[0]->shape.rank == 1 ? "]" : ", :]");
    break;
  case IR_CAT: call(p, "vcat", n); break;
  case IR_LOAD: fprintf(out, "load(\"%s\")", n->str ? n->str : ""); break;
  case IR_RAND:
  case IR_PERM:
  case IR_RANDOM_SPD: fprintf(out, "%s<%s>", ir_ops[n->op].name, n->str ? n->str : ""); break;
  default: call(p, ir_ops[n->op].name, n); break;
  }
}

static void expr(Pr *p, const IrNode *n, int min_prec) {
  if (p->temp[n->id] > 0) {
    fprintf(p->out, "t%d", p->temp[n->id]);
    return;
  }
  int my = prec(n);
  bool paren = my < min_prec;
  if (paren) fputc('(', p->out);
  body(p, n);
  if (paren) fputc(')', p->out);
}

/* A node becomes a temporary when it is used more than once and is not trivial to repeat. */
static bool worth_temp(const IrNode *n, uint32_t uses) {
  if (uses < 2) return false;
  IrClass c = ir_ops[n->op].cls;
  if (c == IRC_LEAF) return false;
  if (n->op == IR_NEG || n->op == IR_TRANSPOSE || n->op == IR_BCAST) return false;
  return true;
}

void ir_print_expr(IrGraph *g, IrNode *const *roots, const char *const *names, size_t nroots,
                   IrLeafNamer namer, void *ctx, FILE *out) {
  IrNode **order;
  size_t n = ir_topo(g, roots, nroots, &order);
  Pr p = {g,
          ir_use_counts(g, roots, nroots),
          arena_calloc(g->arena, g->count + 1, sizeof(int)),
          namer,
          ctx,
          out};
  int next = 0;
  for (size_t i = 0; i < n; i++) {
    const IrNode *x = order[i];
    bool is_root = false;
    for (size_t r = 0; r < nroots; r++) is_root |= roots[r] == x;
    uint32_t uses = p.uses[x->id] - (is_root ? 1 : 0);
    if (!worth_temp(x, uses)) continue;
    fprintf(out, "  t%d = ", next + 1);
    expr(&p, x, 0);
    fputc('\n', out);
    p.temp[x->id] = ++next;
  }
  for (size_t r = 0; r < nroots; r++) {
    if (!roots[r]) continue;
    fprintf(out, "  %s = ", names && names[r] ? names[r] : "out");
    int saved = p.temp[roots[r]->id];
    if (saved) fprintf(out, "t%d", saved);
    else expr(&p, roots[r], 0);
    fputc('\n', out);
  }
}
