/* derive.c — every ABI kernel of a problem as IR: gradients by reverse mode, hvp_yy as the
 * forward-mode derivative of the lower gradient, hvp_xy and the initialiser's VJP by reverse
 * mode, hvp_yx (J^T u) as the forward-mode derivative of the lower gradient along x, all in
 * one hash-consed graph so kernels evaluated together share their work. Also
 * hoists data-only subexpressions out of the kernels (computed once, before solving). */
#include <assert.h>
#include <string.h>

#include "ir/diff.h"
#include "ir/problem.h"

static const char *const names[BLO_K_COUNT] = {
  "f", "g", "grad_f", "grad_y_g", "hvp_yy", "hvp_xy", "grad_y_g_hvp_yy", "hvp_both",
  "init_y", "init_vjp", "reports", "grad_x_g", "hvp_yx",
};

const char *kern_name(BloKernelId id) { return id < BLO_K_COUNT ? names[id] : "?"; }

typedef struct KB {
  IrProblem *p;
  IrKernel *k;
  int cap;
} KB;

static void begin(IrProblem *p, BloKernelId id, int nslots, KB *kb) {
  IrKernel *k = &p->kernels[id];
  memset(k, 0, sizeof *k);
  k->id = id;
  k->name = names[id];
  k->nslots = nslots;
  kb->p = p;
  kb->k = k;
  kb->cap = 0;
}

static void out(KB *kb, int slot, int64_t offset, IrNode *node) {
  IrKernel *k = kb->k;
  ARENA_VEC_GROW(kb->p->graph.arena, k->outs, k->nouts, kb->cap);
  k->outs[k->nouts++] = (IrOutput){slot, offset, node, false};
  int64_t end = offset + shape_size(node->shape);
  if (end > k->slot_size[slot]) k->slot_size[slot] = end;
  if (ir_depends(node, IR_DEP_V)) k->uses_v = true;
}

/* Outputs laid out per variable: vars[i] (an IR_VAR/IR_DIR leaf carrying its offset). */
static void out_vars(KB *kb, int slot, IrNode *const *nodes, IrNode *const *vars, int n) {
  for (int i = 0; i < n; i++) out(kb, slot, vars[i]->attr[2], nodes[i]);
}

static void fix_sizes(IrProblem *p, BloKernelId id, int slot, int64_t size) {
  if (p->kernels[id].slot_size[slot] < size) p->kernels[id].slot_size[slot] = size;
}

void kern_build(IrProblem *p) {
  IrGraph *g = &p->graph;
  Arena *a = g->arena;
  int nu = p->nupper, nl = p->nlower;
  IrNode *one = ir_scalar(g, 1);

  /* grad f with respect to x and y in one reverse sweep */
  IrNode **leaves = arena_calloc(a, (size_t)(nu + nl) + 1, sizeof(IrNode *));
  IrNode **adj = arena_calloc(a, (size_t)(nu + nl) + 1, sizeof(IrNode *));
  for (int i = 0; i < nu; i++) leaves[i] = p->xvars[i];
  for (int j = 0; j < nl; j++) leaves[nu + j] = p->yvars[j];
  diff_vjp(g, &p->f, &one, 1, IR_DEP_X | IR_DEP_Y, leaves, (size_t)(nu + nl), adj);
  p->grad_x_f = adj;
  p->grad_y_f = adj + nu;

  p->grad_y_g = arena_calloc(a, (size_t)nl + 1, sizeof(IrNode *));
  diff_vjp(g, &p->g, &one, 1, IR_DEP_Y, p->yvars, (size_t)nl, p->grad_y_g);
  p->hvp_yy = arena_calloc(a, (size_t)nl + 1, sizeof(IrNode *));
  diff_jvp(g, p->grad_y_g, (size_t)nl, p->yvars, p->dirs, (size_t)nl, p->hvp_yy);
  p->hvp_xy = arena_calloc(a, (size_t)nu + 1, sizeof(IrNode *));
  diff_vjp(g, p->grad_y_g, p->dirs, (size_t)nl, IR_DEP_X, p->xvars, (size_t)nu, p->hvp_xy);
  p->init_vjp = arena_calloc(a, (size_t)nu + 1, sizeof(IrNode *));
  diff_vjp(g, p->lower_init, p->dirs, (size_t)nl, IR_DEP_X, p->xvars, (size_t)nu, p->init_vjp);
  /* grad_x g by its own reverse sweep (F2SA and HJFBiO need it without grad_y g); J^T u as
   * the directional derivative of grad_y g along x in direction u (an x-sized v) */
  p->grad_x_g = arena_calloc(a, (size_t)nu + 1, sizeof(IrNode *));
  diff_vjp(g, &p->g, &one, 1, IR_DEP_X, p->xvars, (size_t)nu, p->grad_x_g);
  p->xdirs = arena_calloc(a, (size_t)nu + 1, sizeof(IrNode *));
  for (int i = 0; i < nu; i++)
    p->xdirs[i] = ir_dir_x(g, i, p->xvars[i]->attr[2], p->xvars[i]->shape);
  p->hvp_yx = arena_calloc(a, (size_t)nl + 1, sizeof(IrNode *));
  diff_jvp(g, p->grad_y_g, (size_t)nl, p->xvars, p->xdirs, (size_t)nu, p->hvp_yx);

  KB kb;
  begin(p, BLO_K_F, 1, &kb);
  out(&kb, 0, 0, p->f);
  begin(p, BLO_K_G, 1, &kb);
  out(&kb, 0, 0, p->g);
  begin(p, BLO_K_GRAD_F, 3, &kb);
  out(&kb, 0, 0, p->f);
  out_vars(&kb, 1, p->grad_x_f, p->xvars, nu);
  out_vars(&kb, 2, p->grad_y_f, p->yvars, nl);
  begin(p, BLO_K_GRAD_Y_G, 2, &kb);
  out(&kb, 0, 0, p->g);
  out_vars(&kb, 1, p->grad_y_g, p->yvars, nl);
  begin(p, BLO_K_HVP_YY, 1, &kb);
  out_vars(&kb, 0, p->hvp_yy, p->yvars, nl);
  begin(p, BLO_K_HVP_XY, 1, &kb);
  out_vars(&kb, 0, p->hvp_xy, p->xvars, nu);
  begin(p, BLO_K_GRAD_Y_G_HVP_YY, 3, &kb);
  out(&kb, 0, 0, p->g);
  out_vars(&kb, 1, p->grad_y_g, p->yvars, nl);
  out_vars(&kb, 2, p->hvp_yy, p->yvars, nl);
  begin(p, BLO_K_HVP_BOTH, 2, &kb);
  out_vars(&kb, 0, p->hvp_yy, p->yvars, nl);
  out_vars(&kb, 1, p->hvp_xy, p->xvars, nu);
  begin(p, BLO_K_INIT_Y, 1, &kb);
  out_vars(&kb, 0, p->lower_init, p->yvars, nl);
  begin(p, BLO_K_INIT_VJP, 1, &kb);
  out_vars(&kb, 0, p->init_vjp, p->xvars, nu);
  begin(p, BLO_K_REPORTS, 1, &kb);
  for (int r = 0; r < p->nreports; r++) out(&kb, 0, r, p->reports[r]);
  begin(p, BLO_K_GRAD_X_G, 2, &kb);
  out(&kb, 0, 0, p->g);
  out_vars(&kb, 1, p->grad_x_g, p->xvars, nu);
  begin(p, BLO_K_HVP_YX, 1, &kb);
  kb.k->v_in_x = true;
  out_vars(&kb, 0, p->hvp_yx, p->yvars, nl);
  /* slot sizes are the full vectors even if the last variable's output is a zero constant */
  fix_sizes(p, BLO_K_GRAD_F, 1, p->nx);
  fix_sizes(p, BLO_K_GRAD_F, 2, p->ny);
  fix_sizes(p, BLO_K_GRAD_Y_G, 1, p->ny);
  fix_sizes(p, BLO_K_HVP_YY, 0, p->ny);
  fix_sizes(p, BLO_K_HVP_XY, 0, p->nx);
  fix_sizes(p, BLO_K_GRAD_Y_G_HVP_YY, 1, p->ny);
  fix_sizes(p, BLO_K_GRAD_Y_G_HVP_YY, 2, p->ny);
  fix_sizes(p, BLO_K_HVP_BOTH, 0, p->ny);
  fix_sizes(p, BLO_K_HVP_BOTH, 1, p->nx);
  fix_sizes(p, BLO_K_INIT_Y, 0, p->ny);
  fix_sizes(p, BLO_K_INIT_VJP, 0, p->nx);
  fix_sizes(p, BLO_K_GRAD_X_G, 1, p->nx);
  fix_sizes(p, BLO_K_HVP_YX, 0, p->ny);
}

/* ------------------------------------------------------------------ hoisting */

enum { VARYING = IR_DEP_X | IR_DEP_Y | IR_DEP_V | IR_DEP_SAMPLE };

/* Views of data that backends handle without a copy are not worth precomputing. */
static bool cheap_view(const IrNode *n) {
  if (ir_ops[n->op].cls == IRC_LEAF) return true;
  switch ((IrOp)n->op) {
  case IR_TRANSPOSE: case IR_RESHAPE: case IR_BCAST: case IR_BCAST_ROWS: case IR_BCAST_COLS:
    return ir_ops[n->args[0]->op].cls == IRC_LEAF;
  default:
    return false;
  }
}

typedef struct Hoist {
  IrProblem *p;
  IrNode **memo; /* by id: rewritten node */
  uint32_t count;
  int cap;
} Hoist;

static IrNode *hoist_node(Hoist *h, IrNode *n) {
  IrProblem *p = h->p;
  for (int i = 0; i < p->nhoisted; i++)
    if (p->hoisted[i] == n) return ir_data(&p->graph, p->ndata + i, n->shape);
  ARENA_VEC_GROW(p->graph.arena, p->hoisted, p->nhoisted, h->cap);
  p->hoisted[p->nhoisted++] = n;
  return ir_data(&p->graph, p->ndata + p->nhoisted - 1, n->shape);
}

/* Generators and loaders count as data: one in an initialiser or a report (normal(0, 1)) is
 * drawn or read once, from the seed, in the data stage, and the kernels read the result —
 * no backend evaluates a generator inside a kernel. */
static bool hoistable(const IrNode *n) {
  return !(n->deps & VARYING) && !cheap_view(n);
}

/* An operand or output as the kernels will see it: a maximal data-only subexpression becomes
 * a hoisted data leaf, anything else its rewritten form. */
static IrNode *use(Hoist *h, IrNode *n) { return hoistable(n) ? hoist_node(h, n) : h->memo[n->id]; }

void kern_hoist(IrProblem *p) {
  IrGraph *g = &p->graph;
  size_t nroots = 0;
  for (int k = 0; k < BLO_K_COUNT; k++) nroots += (size_t)p->kernels[k].nouts;
  IrNode **roots = arena_calloc(g->arena, nroots + 1, sizeof(IrNode *));
  nroots = 0;
  for (int k = 0; k < BLO_K_COUNT; k++)
    for (int o = 0; o < p->kernels[k].nouts; o++) roots[nroots++] = p->kernels[k].outs[o].node;
  IrNode **order;
  size_t n = ir_topo(g, roots, nroots, &order); /* operands first: no recursion needed */
  Hoist h = {p, arena_calloc(g->arena, g->count + 1, sizeof(IrNode *)), g->count, 0};
  for (size_t i = 0; i < n; i++) {
    IrNode *x = order[i];
    h.memo[x->id] = x;
    if (hoistable(x) || x->nargs == 0) continue; /* kept whole, or replaced at its users */
    IrNode *args[64];
    IrNode **av = x->nargs <= 64 ? args : arena_calloc(g->arena, x->nargs, sizeof(IrNode *));
    bool changed = false;
    for (int a = 0; a < x->nargs; a++) {
      av[a] = use(&h, x->args[a]);
      changed |= av[a] != x->args[a];
    }
    if (changed)
      h.memo[x->id] =
          ir_node(g, (IrOp)x->op, x->shape, av, x->nargs, x->num, x->num2, x->attr, x->str);
  }
  for (int k = 0; k < BLO_K_COUNT; k++) {
    IrKernel *kern = &p->kernels[k];
    for (int o = 0; o < kern->nouts; o++) kern->outs[o].node = use(&h, kern->outs[o].node);
  }
}
