/* hand_problems.c — see hand_problems.h. */
#include "hand_problems.h"

#include <string.h>

#include "ir/diff.h"

void hp_init(IrProblem *p, Arena *a) {
  memset(p, 0, sizeof *p);
  ir_graph_init(&p->graph, a);
  p->xvars = arena_calloc(a, 16, sizeof(IrNode *));
  p->yvars = arena_calloc(a, 16, sizeof(IrNode *));
  p->dirs = arena_calloc(a, 16, sizeof(IrNode *));
}

IrNode *hp_var(IrProblem *p, int level, Shape shape) {
  IrGraph *g = &p->graph;
  if (level == 0) {
    IrNode *v = ir_var(g, 0, p->nupper, p->nx, shape);
    p->xvars[p->nupper++] = v;
    p->nx += shape_size(shape);
    return v;
  }
  IrNode *v = ir_var(g, 1, p->nlower, p->ny, shape);
  p->dirs[p->nlower] = ir_dir(g, p->nlower, p->ny, shape);
  p->yvars[p->nlower++] = v;
  p->ny += shape_size(shape);
  return v;
}

static void add_out(IrGraph *g, IrKernel *k, int slot, int64_t offset, IrNode *node) {
  if (k->nouts % 8 == 0) {
    IrOutput *o = arena_calloc(g->arena, (size_t)k->nouts + 8, sizeof(IrOutput));
    if (k->nouts) memcpy(o, k->outs, (size_t)k->nouts * sizeof(IrOutput));
    k->outs = o;
  }
  k->outs[k->nouts++] = (IrOutput){.slot = slot, .offset = offset, .node = node};
  if (slot + 1 > k->nslots) k->nslots = slot + 1;
  int64_t end = offset + shape_size(node->shape);
  if (end > k->slot_size[slot]) k->slot_size[slot] = end;
}

/* Outputs of a list of variables' values, concatenated in one slot. */
static void add_vec(IrGraph *g, IrKernel *k, int slot, IrNode *const *vars, IrNode *const *vals,
                    int n) {
  int64_t off = 0;
  for (int i = 0; i < n; i++) {
    add_out(g, k, slot, off, vals[i]);
    off += shape_size(vars[i]->shape);
  }
}

static void kernel(IrProblem *p, BloKernelId id, const char *name, bool uses_v) {
  IrKernel *k = &p->kernels[id];
  memset(k, 0, sizeof *k);
  k->id = id;
  k->name = name;
  k->uses_v = uses_v;
}

void hp_derive(IrProblem *p) {
  IrGraph *g = &p->graph;
  Arena *a = g->arena;
  IrNode *one = ir_scalar(g, 1);
  int nu = p->nupper, nl = p->nlower;
  IrNode **gxf = arena_calloc(a, (size_t)nu + 1, sizeof(IrNode *));
  IrNode **gyf = arena_calloc(a, (size_t)nl + 1, sizeof(IrNode *));
  IrNode **gyg = arena_calloc(a, (size_t)nl + 1, sizeof(IrNode *));
  IrNode **hyy = arena_calloc(a, (size_t)nl + 1, sizeof(IrNode *));
  IrNode **hxy = arena_calloc(a, (size_t)nu + 1, sizeof(IrNode *));
  for (int i = 0; i < BLO_K_COUNT; i++) kernel(p, (BloKernelId)i, "", false);
  kernel(p, BLO_K_F, "f", false);
  kernel(p, BLO_K_G, "g", false);
  kernel(p, BLO_K_GRAD_F, "grad_f", false);
  kernel(p, BLO_K_GRAD_Y_G, "grad_y_g", false);
  kernel(p, BLO_K_HVP_YY, "hvp_yy", true);
  kernel(p, BLO_K_HVP_XY, "hvp_xy", true);
  kernel(p, BLO_K_GRAD_Y_G_HVP_YY, "grad_y_g_hvp_yy", true);
  kernel(p, BLO_K_HVP_BOTH, "hvp_both", true);
  kernel(p, BLO_K_INIT_Y, "init_y", false);
  kernel(p, BLO_K_INIT_VJP, "init_vjp", true);
  kernel(p, BLO_K_REPORTS, "reports", false);
  if (p->f) {
    diff_vjp(g, &p->f, &one, 1, IR_DEP_X, p->xvars, (size_t)nu, gxf);
    diff_vjp(g, &p->f, &one, 1, IR_DEP_Y, p->yvars, (size_t)nl, gyf);
    add_out(g, &p->kernels[BLO_K_F], 0, 0, p->f);
    IrKernel *k = &p->kernels[BLO_K_GRAD_F];
    add_out(g, k, 0, 0, p->f);
    add_vec(g, k, 1, p->xvars, gxf, nu);
    add_vec(g, k, 2, p->yvars, gyf, nl);
  }
  if (p->g) {
    diff_vjp(g, &p->g, &one, 1, IR_DEP_Y, p->yvars, (size_t)nl, gyg);
    diff_jvp(g, gyg, (size_t)nl, p->yvars, p->dirs, (size_t)nl, hyy);
    diff_vjp(g, gyg, p->dirs, (size_t)nl, IR_DEP_X, p->xvars, (size_t)nu, hxy);
    add_out(g, &p->kernels[BLO_K_G], 0, 0, p->g);
    IrKernel *k = &p->kernels[BLO_K_GRAD_Y_G];
    add_out(g, k, 0, 0, p->g);
    add_vec(g, k, 1, p->yvars, gyg, nl);
    add_vec(g, &p->kernels[BLO_K_HVP_YY], 0, p->yvars, hyy, nl);
    add_vec(g, &p->kernels[BLO_K_HVP_XY], 0, p->xvars, hxy, nu);
    k = &p->kernels[BLO_K_GRAD_Y_G_HVP_YY];
    add_out(g, k, 0, 0, p->g);
    add_vec(g, k, 1, p->yvars, gyg, nl);
    add_vec(g, k, 2, p->yvars, hyy, nl);
    k = &p->kernels[BLO_K_HVP_BOTH];
    add_vec(g, k, 0, p->yvars, hyy, nl);
    add_vec(g, k, 1, p->xvars, hxy, nu);
  }
}

void hp_synthetic(IrProblem *p, Arena *a, int64_t n, double gamma) {
  hp_init(p, a);
  IrGraph *g = &p->graph;
  static uint8_t sym[4] = {0, 0, 0, 1};
  g->sym_data = sym;
  g->nsym_data = 4;
  IrNode *x = hp_var(p, 0, shape_vector(n));
  IrNode *y = hp_var(p, 1, shape_vector(n));
  IrNode *c = ir_data(g, 0, shape_vector(n));
  IrNode *d = ir_data(g, 1, shape_vector(n));
  IrNode *e = ir_data(g, 2, shape_vector(n));
  IrNode *G = ir_data(g, 3, shape_matrix(n, n));
  p->ndata = 4;
  /* f = 0.1 cos(dot(x, c y)) + 0.5 sumsq(d x - y) */
  IrNode *r = ir_sub(g, ir_mul(g, d, x), y);
  p->f = ir_add(g, ir_scale(g, 0.1, ir_unary(g, IR_COS, ir_dot(g, x, ir_mul(g, c, y)))),
                ir_scale(g, 0.5, ir_dot(g, r, r)));
  /* g = gamma sum(sin(x + y)) + lse(x y) + 0.5 dot(y, e y) + 0.5 dot(y, G y) */
  IrNode *t1 = ir_scale(g, gamma, ir_reduce(g, IR_SUM, ir_unary(g, IR_SIN, ir_add(g, x, y))));
  IrNode *t2 = ir_reduce(g, IR_LSE, ir_mul(g, x, y));
  IrNode *t3 = ir_scale(g, 0.5, ir_dot(g, y, ir_mul(g, e, y)));
  IrNode *t4 = ir_scale(g, 0.5, ir_dot(g, y, ir_matvec(g, G, y)));
  p->g = ir_add(g, ir_add(g, ir_add(g, t1, t2), t3), t4);
  hp_derive(p);
}

static IrNode *cross_entropy(IrGraph *g, IrNode *Z, IrNode *Y) {
  return ir_sub(g, ir_reduce(g, IR_LSE_ROWS, Z), ir_reduce(g, IR_SUM_ROWS, ir_mul(g, Z, Y)));
}

void hp_hyperclean(IrProblem *p, Arena *a, int64_t m, int64_t mv, int64_t nf, int64_t nc) {
  hp_init(p, a);
  IrGraph *g = &p->graph;
  IrNode *lam = hp_var(p, 0, shape_vector(m));
  IrNode *W = hp_var(p, 1, shape_matrix(nf, nc));
  IrNode *X = ir_data(g, 0, shape_matrix(m, nf));
  IrNode *Y = ir_data(g, 1, shape_matrix(m, nc));
  IrNode *Xv = ir_data(g, 2, shape_matrix(mv, nf));
  IrNode *Yv = ir_data(g, 3, shape_matrix(mv, nc));
  p->ndata = 4;
  IrNode *ce = cross_entropy(g, ir_matmul(g, X, W), Y);
  IrNode *wsum = ir_reduce(g, IR_SUM, ir_mul(g, ir_unary(g, IR_SIGMOID, lam), ce));
  p->g = ir_add(g, ir_scale(g, 1.0 / (double)m, wsum),
                ir_scale(g, 0.01, ir_reduce(g, IR_SUM, ir_mul(g, W, W))));
  p->f = ir_scale(g, 1.0 / (double)mv,
                  ir_reduce(g, IR_SUM, cross_entropy(g, ir_matmul(g, Xv, W), Yv)));
  hp_derive(p);
}
