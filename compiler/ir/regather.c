/* regather.c — a product on sampled rows that the kernel also computes on all rows reads its
 * rows from the whole product instead.
 *
 * ir_gather computes (X @ W)[B, :] as X[B, :] @ W (ir.c, gather_through): the product on K
 * rows instead of n. But a program may use the whole X @ W too, as in
 *     mean(s[B] * cross_entropy((X @ W)[B, :], Y[B, :])) + mean(cross_entropy(X @ W, Y))
 * and then the kernel computes both products where one and a row copy would do: 16-42% a step
 * slower than before the gather rewrite on such programs. The constructor cannot see the other
 * uses when it builds the node; this pass, run on each kernel's outputs, can. A product whose
 * left factor is gathered by a sample, X[B, :] @ W, becomes (X @ W)[B, :] where X @ W is live
 * in the same kernel: its forward value, and so the Hessian product's X[B, :] @ V where X @ V
 * is live. Only products: an elementwise expression of a whole vector may be fused into a loop
 * and never stored, and reading its rows would cost the store; a product's result is always
 * stored. Values are the same (a row of a product is the same dot products) up to the BLAS's
 * blocking of the n-row call.
 *
 * The derivatives have the same pair the other way round: X' @ R from the whole term and
 * X[B, :]' @ R_B from the sampled one, summed into one gradient. A sum holding both becomes
 * X' @ (R + scatter(R_B, B)): one product over n rows instead of that and a K-row one (and the
 * copy of X[B, :]), which is the form the derivative had before the gather rewrite. */
#include <stdlib.h>

#include "support/alloc.h"
#include "ir/problem.h"

/* The whole-rows product p stands for, if p is a product of sampled rows X[B, :] @ b whose
 * whole X @ b exists in the graph: its gather from that product is then p's value. The
 * sampled operand must be a plain gather (attr zero: not an MPI shard's). */
static IrNode *whole_product(const IrGraph *g, const IrNode *p) {
  if (p->op != IR_MATMUL && p->op != IR_MATVEC && p->op != IR_SPMM) return NULL;
  const IrNode *ga = p->args[0];
  if (ga->op != IR_GATHER || ga->attr[0] || ga->attr[1] || ga->attr[2] || ga->attr[3])
    return NULL;
  IrNode *args[2] = {ga->args[0], p->args[1]};
  Shape s = p->shape;
  s.rows = args[0]->shape.rows;
  return ir_find(g, (IrOp)p->op, s, args, 2, p->num, p->num2, p->attr, p->str);
}

/* ------------------------------------------------------------ transposed products in a sum */

enum { MAX_TERMS = 64 }; /* longer sums (unrolled per-task ones) are left as they are */

/* One term of a sum: sign * coef * prod, where prod is D' @ R (IR_MATMUL or IR_MATVEC of a
 * transpose, or IR_SPMTM of sparse D), else d == NULL. coef is NULL or a scalar. */
typedef struct Term {
  IrNode *node, *coef, *prod, *d, *r;
  bool neg, merged;
} Term;

static void split_term(Term *t) {
  IrNode *p = t->node;
  t->coef = NULL;
  if (p->op == IR_MUL && p->args[0]->shape.rank == 0 && p->args[1]->shape.rank) {
    t->coef = p->args[0];
    p = p->args[1];
  }
  t->prod = p;
  t->d = t->r = NULL;
  if ((p->op == IR_MATMUL || p->op == IR_MATVEC) && p->args[0]->op == IR_TRANSPOSE)
    t->d = p->args[0]->args[0];
  else if (p->op == IR_SPMTM)
    t->d = p->args[0];
  if (t->d) t->r = p->args[1];
}

/* The terms of a tree of additions, subtractions and negations; false past MAX_TERMS. */
static bool flatten(IrNode *n, bool neg, Term *terms, int *count) {
  if (n->op == IR_ADD || n->op == IR_SUB)
    return flatten(n->args[0], neg, terms, count) &&
           flatten(n->args[1], n->op == IR_SUB ? !neg : neg, terms, count);
  if (n->op == IR_NEG) return flatten(n->args[0], !neg, terms, count);
  if (*count == MAX_TERMS) return false;
  terms[*count] = (Term){.node = n, .neg = neg};
  split_term(&terms[(*count)++]);
  return true;
}

/* A plain gather (not an MPI shard's) of d's rows. */
static bool gathers(const IrNode *s, const IrNode *d) {
  return s->op == IR_GATHER && s->args[0] == d && !s->attr[0] && !s->attr[1] && !s->attr[2] &&
         !s->attr[3];
}

static IrNode *signed_term(IrGraph *g, const Term *t, IrNode *v) {
  if (t->coef) v = ir_mul(g, t->coef, v);
  return t->neg ? ir_neg(g, v) : v;
}

/* sum, with each X[B, :]' @ R_B term folded into an X' @ R term of the same sum; NULL when
 * there is none to fold. */
static IrNode *merge_transposed(IrGraph *g, IrNode *sum) {
  Term terms[MAX_TERMS];
  int n = 0;
  if (!flatten(sum, false, terms, &n)) return NULL;
  bool any = false;
  for (int w = 0; w < n; w++) {
    Term *whole = &terms[w];
    if (!whole->d || whole->d->op == IR_GATHER) continue;
    IrNode *inner = NULL;
    for (int s = 0; s < n; s++) {
      Term *part = &terms[s];
      if (s == w || part->merged || !part->d || part->prod->op != whole->prod->op ||
          !gathers(part->d, whole->d) || part->r->shape.rank != whole->r->shape.rank)
        continue;
      if (!inner) inner = signed_term(g, whole, whole->r);
      IrNode *spread = ir_scatter(g, part->r, part->d->args[1], whole->r->shape);
      inner = ir_add(g, inner, signed_term(g, part, spread));
      part->merged = true;
    }
    if (!inner) continue;
    IrNode *p = whole->prod->op == IR_SPMTM   ? ir_spmtm(g, whole->d, inner)
                : whole->prod->op == IR_MATMUL ? ir_matmul(g, whole->prod->args[0], inner)
                                               : ir_matvec(g, whole->prod->args[0], inner);
    *whole = (Term){.node = p, .prod = p};
    any = true;
  }
  if (!any) return NULL;
  IrNode *out = NULL;
  for (int i = 0; i < n; i++) {
    if (terms[i].merged) continue;
    IrNode *v = terms[i].node;
    out = !out ? (terms[i].neg ? ir_neg(g, v) : v)
               : (terms[i].neg ? ir_sub(g, out, v) : ir_add(g, out, v));
  }
  return out;
}

/* ------------------------------------------------------------------ the pass */

typedef struct Regather {
  IrGraph *g;
  uint32_t count;   /* nodes when the pass began: memo and live cover these */
  IrNode **memo;    /* by id: the node's rewritten form, or NULL before it is visited */
  uint8_t *live;    /* by id: reachable from the current kernel's outputs */
  bool merge_sums;  /* fold X[B, :]' @ R_B into X' @ R (not with sharded data: below) */
} Regather;

static IrNode *rewritten(const Regather *r, IrNode *n) {
  return n->id < r->count && r->memo[n->id] ? r->memo[n->id] : n;
}

static void regather_kernel(Regather *r, IrKernel *k) {
  IrGraph *g = r->g;
  if (!k->nouts) return;
  IrNode **roots = xcalloc((size_t)k->nouts, sizeof *roots);
  for (int o = 0; o < k->nouts; o++) roots[o] = k->outs[o].node;
  IrNode **order;
  size_t n = ir_topo(g, roots, (size_t)k->nouts, &order);
  free(roots);
  for (size_t i = 0; i < n; i++) r->live[order[i]->id] = 1;
  for (size_t i = 0; i < n; i++) { /* operands first: each node after its rewritten args */
    IrNode *x = order[i];
    IrNode *whole = whole_product(g, x);
    if (whole && whole->id < r->count && r->live[whole->id]) {
      IrNode *args[2] = {rewritten(r, whole), x->args[0]->args[1]};
      r->memo[x->id] = ir_node(g, IR_GATHER, x->shape, args, 2, 0, 0, NULL, NULL);
      continue;
    }
    IrNode *av[64];
    IrNode **args = x->nargs <= 64 ? av : arena_calloc(g->arena, x->nargs, sizeof *args);
    bool changed = false;
    for (int a = 0; a < x->nargs; a++) {
      args[a] = rewritten(r, x->args[a]);
      changed |= args[a] != x->args[a];
    }
    IrNode *y = changed ? ir_node(g, (IrOp)x->op, x->shape, args, x->nargs, x->num, x->num2,
                                  x->attr, x->str)
                        : x;
    bool sum = y->op == IR_ADD || y->op == IR_SUB;
    IrNode *merged = sum && r->merge_sums ? merge_transposed(g, y) : NULL;
    r->memo[x->id] = merged ? merged : y;
  }
  for (int o = 0; o < k->nouts; o++) k->outs[o].node = rewritten(r, k->outs[o].node);
  for (size_t i = 0; i < n; i++) { /* clear for the next kernel: cost in what was reached */
    r->live[order[i]->id] = 0;
    r->memo[order[i]->id] = NULL;
  }
}

void kern_regather(IrProblem *p) {
  /* With data sharded by rows, R + scatter(R_B) would add a rank's rows to the drawn rows of
   * every rank, a sum the sharder (shard.c) cannot split: such programs keep both products. */
  Regather r = {&p->graph, p->graph.count, NULL, NULL, !p->prog->sharded};
  r.memo = xcalloc((size_t)r.count + 1, sizeof *r.memo);
  r.live = xcalloc((size_t)r.count + 1, 1);
  for (int k = 0; k < BLO_K_COUNT; k++) regather_kernel(&r, &p->kernels[k]);
  free(r.memo);
  free(r.live);
}
