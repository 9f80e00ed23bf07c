/* eval_fused.c — row-blocked evaluation of elementwise trees for the data stage (see
 * eval_fused.h). A plan holds the tree's fused nodes (elementwise ops, where, hcat) and its
 * sources (constants, rows of dense data or of a tensor ir_eval computed first, rows of a
 * compactly held data tensor through the data_block hook). Every node writes into a buffer of
 * B rows: the destination's rows themselves wherever a node has one user (an operation then
 * works in place on its operand, an hcat part on its columns of the destination), a small
 * temporary otherwise. The tasks of rt_par_run each take a range of rows and go through it B
 * rows at a time, so the values stay in cache from the decoded bytes to the result, and no
 * full-size buffer is made per operation (the evaluator's way: each a fresh allocation whose
 * pages the kernel must fault in and clear). */
#include "interp/eval_fused.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "support/alloc.h"
#include "rt_par.h"

typedef enum FKind {
  FK_EW1,   /* elementwise unary */
  FK_EW2,   /* elementwise binary, either side possibly a scalar */
  FK_WHERE, /* c != 0 ? a : b */
  FK_HCAT,  /* its parts side by side */
  FK_FILL,  /* a constant: a CONST, or a BCAST of a scalar */
  FK_ROWS,  /* rows of a full buffer: dense data, or a value ir_eval computed */
  FK_HOOK,  /* rows of a data tensor the driver holds compactly (IrEvalInputs.data_block) */
} FKind;

typedef struct FNode {
  const IrNode *n;
  FKind kind;
  int64_t w;      /* columns (1 for a vector) */
  int nargs;
  int arg0;       /* operands: fused node arg0 + i (in plan.args), or -1 for the scalar sc[i] */
  int uses;       /* users within the tree */
  int region;     /* the buffer written: 0 the destination, r > 0 temporary r; -1 not yet set */
  int64_t col;    /* first column written in the region */
  double fill;    /* FK_FILL */
  const double *src; /* FK_ROWS: row i of the node is src + (r0 + i) * ld + c0 */
  int data_k;     /* FK_HOOK: the tensor; its rows r0 + i, columns c0.. */
  int64_t r0, c0, ld;
  const uint8_t *bytes; /* FK_HOOK: the tensor as bytes (IrEvalInputs.data_bytes), or NULL */
  int tsrc;       /* tabulated: the FK_HOOK node with bytes it is a function of, else -1 */
  double *table;  /* tabulated: its value for each byte of tsrc (256) */
} FNode;

typedef struct Plan {
  IrGraph *g;
  const IrEvalInputs *in;
  IrEvalError *err;
  FNode *nodes;
  size_t nnodes, capnodes;
  int *args;      /* operand lists of the fused nodes */
  size_t nargs, capargs;
  double *sc;     /* scalar operands, parallel to args */
  size_t capsc;
  int *map;       /* by IR node id: its fused node, or -1 */
  int64_t *reg_w; /* by region: its width, which is also its row stride (region 0: the root's) */
  int64_t *reg_off; /* by region > 0: offset in a task's scratch, in doubles per block row */
  int nregs, capregs;
  int64_t temp_w; /* sum of the temporaries' widths */
  double **owned; /* buffers of values ir_eval computed */
  size_t nowned, capowned;
} Plan;

bool ir_fuse_enabled(void) {
  const char *v = getenv("BLOC_DATA_FUSE");
  return !(v && !strcmp(v, "0"));
}

static int64_t width(const IrNode *n) { return n->shape.rank == 2 ? n->shape.cols : 1; }

/* A value ir_eval computes in full: its buffer (kept until the plan is freed), or NULL with
 * the plan's error set. */
static double *materialize(Plan *p, IrNode *n) {
  double *buf = xrealloc(NULL, (size_t)(shape_size(n->shape) > 0 ? shape_size(n->shape) : 1),
                         sizeof(double));
  if (ir_eval(p->g, &n, 1, p->in, &buf, p->err) != 0) {
    free(buf);
    return NULL;
  }
  VEC_GROW(p->owned, p->nowned, p->capowned);
  p->owned[p->nowned++] = buf;
  return buf;
}

/* The value of a scalar operand into *v. Returns 0, or -1 with the error set. */
static int scalar_value(Plan *p, IrNode *n, double *v) {
  if (n->op == IR_CONST) {
    *v = n->num; /* what the evaluator fills a CONST with */
    return 0;
  }
  double *b = materialize(p, n);
  if (!b) return -1;
  *v = b[0];
  return 0;
}

static bool dense_data(const IrNode *n) { return n->op == IR_DATA && !n->shape.sparse; }

/* A data tensor held compactly by the driver, read through the data_block hook. */
static bool compact(const IrEvalInputs *in, const IrNode *d) {
  return !in->data[d->attr[0]] && in->data_block;
}

/* Dense data whose rows can be read here: present, or held compactly. */
static bool readable(const IrEvalInputs *in, const IrNode *d) {
  return dense_data(d) && (in->data[d->attr[0]] || compact(in, d));
}

static int new_node(Plan *p, const IrNode *n, FKind kind) {
  VEC_GROW(p->nodes, p->nnodes, p->capnodes);
  p->nodes[p->nnodes] = (FNode){.n = n, .kind = kind, .w = width(n), .arg0 = -1, .uses = 1,
                                .region = -1, .tsrc = -1};
  return (int)p->nnodes++;
}

/* Makes n a source reading rows of data tensor d from row r0, column c0. */
static void set_data_source(Plan *p, int i, const IrNode *d, int64_t r0, int64_t c0) {
  FNode *f = &p->nodes[i];
  f->r0 = r0;
  f->c0 = c0;
  if (compact(p->in, d)) {
    f->kind = FK_HOOK;
    f->data_k = (int)d->attr[0];
    f->ld = width(d);
    f->bytes = p->in->data_bytes ? p->in->data_bytes(p->in->hook_ctx, f->data_k) : NULL;
  } else {
    f->kind = FK_ROWS;
    f->src = p->in->data[d->attr[0]];
    f->ld = width(d);
  }
}

static bool is_ew(const IrNode *n) {
  IrClass c = ir_ops[n->op].cls;
  return c == IRC_EW1 || c == IRC_EW2 || n->op == IR_WHERE;
}

static int plan_node(Plan *p, IrNode *n, int64_t rows);

/* The operands of fused node i (IR node n): scalars evaluated now, the rest planned. */
static int plan_args(Plan *p, int i, IrNode *n, int64_t rows) {
  int base = (int)p->nargs;
  for (int a = 0; a < n->nargs; a++) {
    VEC_GROW(p->args, p->nargs, p->capargs);
    p->nargs++;
  }
  if (p->capsc < p->capargs) {
    p->sc = xrealloc(p->sc, p->capargs, sizeof(double));
    p->capsc = p->capargs;
  }
  p->nodes[i].arg0 = base;
  p->nodes[i].nargs = n->nargs;
  for (int a = 0; a < n->nargs; a++) {
    IrNode *x = n->args[a];
    int j = -1;
    if (n->op != IR_HCAT && x->shape.rank == 0) {
      if (scalar_value(p, x, &p->sc[base + a])) return -1;
    } else if ((j = plan_node(p, x, rows)) < 0) {
      return -1;
    }
    p->args[base + a] = j;
  }
  return 0;
}

/* Adds n (a value of `rows` rows) and what it reads to the plan. Returns its index, or -1
 * with the error set (a value computed by ir_eval failed). */
static int plan_node(Plan *p, IrNode *n, int64_t rows) {
  int i = p->map[n->id];
  if (i >= 0) {
    p->nodes[i].uses++;
    return i;
  }
  /* fused_root, plan_args and the hcat check below send only values of the root's rows */
  assert(n->shape.rank >= 1 && n->shape.rank <= 2 && !n->shape.sparse && n->shape.rows == rows);
  bool parts_ok = n->op == IR_HCAT;
  for (int a = 0; parts_ok && a < n->nargs; a++) {
    const Shape s = n->args[a]->shape;
    parts_ok = (s.rank == 1 || s.rank == 2) && !s.sparse && s.rows == rows;
  }
  if (is_ew(n) || parts_ok) {
    i = new_node(p, n, n->op == IR_HCAT ? FK_HCAT
                       : n->op == IR_WHERE ? FK_WHERE
                       : ir_ops[n->op].cls == IRC_EW1 ? FK_EW1
                                                      : FK_EW2);
    p->map[n->id] = i;
    return plan_args(p, i, n, rows) ? -1 : i;
  }
  i = new_node(p, n, FK_FILL);
  p->map[n->id] = i;
  if (n->op == IR_CONST) {
    p->nodes[i].fill = n->num;
  } else if (n->op == IR_BCAST) {
    double v;
    if (scalar_value(p, n->args[0], &v)) return -1;
    p->nodes[i].fill = v;
  } else if (readable(p->in, n)) {
    set_data_source(p, i, n, 0, 0);
  } else if (n->op == IR_SLICE && readable(p->in, n->args[0])) {
    set_data_source(p, i, n->args[0], n->attr[0], n->attr[2]);
  } else {
    /* anything else (a product, a generator, a load, a slice of a computed value, ...) is
     * the evaluator's; a slice reads rows of its operand's value, everything else its own */
    bool slice = n->op == IR_SLICE;
    double *b = materialize(p, slice ? n->args[0] : n);
    if (!b) return -1;
    FNode *f = &p->nodes[i];
    f->kind = FK_ROWS;
    f->src = b;
    f->ld = slice ? width(n->args[0]) : f->w;
    f->r0 = slice ? n->attr[0] : 0;
    f->c0 = slice ? n->attr[2] : 0;
  }
  return i;
}

/* ---- byte tables */

/* A chain of elementwise operations on the bytes of one data tensor (an image file's u8
 * pixels), with scalars as the other operands, takes one of 256 values per element: such a
 * node is computed here once for each byte, through the operations and in the order the
 * blocks would apply them, and the blocks map the bytes through its table instead of decoding
 * them and running each operation (bit-identical by construction). */
enum { NBYTE = 256 };

static void tabulate(Plan *p, int i);

/* The value of operand a of node f for byte b, or false when that operand is not tabulated. */
static double table_arg(const Plan *p, const FNode *f, int a, int b) {
  int j = p->args[f->arg0 + a];
  return j < 0 ? p->sc[f->arg0 + a] : p->nodes[j].table[b];
}

/* Fills node i's table when it is a function of one byte source (its operands first). */
static void tabulate(Plan *p, int i) {
  FNode *f = &p->nodes[i];
  if (f->tsrc >= 0 || f->kind == FK_FILL || f->kind == FK_ROWS) return;
  if (f->kind == FK_HOOK) {
    if (!f->bytes) return;
    f->table = xrealloc(NULL, NBYTE, sizeof(double));
    for (int b = 0; b < NBYTE; b++) f->table[b] = (double)b; /* rt_idx_read's value */
    f->tsrc = i;
    return;
  }
  int src = -1;
  for (int a = 0; a < f->nargs; a++) {
    int j = p->args[f->arg0 + a];
    if (j >= 0) tabulate(p, j);
  }
  f = &p->nodes[i];
  if (f->kind != FK_EW1 && f->kind != FK_EW2) return;
  for (int a = 0; a < f->nargs; a++) { /* every operand a scalar or of the same source */
    int j = p->args[f->arg0 + a];
    if (j < 0) continue;
    if (p->nodes[j].tsrc < 0 || (src >= 0 && p->nodes[j].tsrc != src)) return;
    src = p->nodes[j].tsrc;
    if (p->nodes[j].w != f->w) return;
  }
  if (src < 0) return;
  double *t = xrealloc(NULL, NBYTE, sizeof(double));
  IrOp op = (IrOp)f->n->op;
  for (int b = 0; b < NBYTE; b++) {
    double x = table_arg(p, f, 0, b);
    if (f->kind == FK_EW1) {
      t[b] = ir_fold_unary(op, x, f->n->num);
      continue;
    }
    double y = table_arg(p, f, 1, b);
    switch (op) { /* as run_ew2: the IEEE operators, else the evaluator's fold */
    case IR_ADD: t[b] = x + y; break;
    case IR_SUB: t[b] = x - y; break;
    case IR_MUL: t[b] = x * y; break;
    case IR_DIV: t[b] = x / y; break;
    default: t[b] = ir_fold_binary(op, x, y); break;
    }
  }
  f->table = t;
  f->tsrc = src;
}

static int new_region(Plan *p, int64_t w) {
  if (p->nregs == p->capregs) {
    p->capregs = p->capregs ? 2 * p->capregs : 8;
    p->reg_w = xrealloc(p->reg_w, (size_t)p->capregs, sizeof(int64_t));
    p->reg_off = xrealloc(p->reg_off, (size_t)p->capregs, sizeof(int64_t));
  }
  p->reg_w[p->nregs] = w;
  p->reg_off[p->nregs] = p->temp_w;
  if (p->nregs > 0) p->temp_w += w;
  return p->nregs++;
}

/* Where node i writes: columns col.. of region `region` (-1: a temporary of its own). A node
 * with several users always gets its own temporary, computed once per block; a node with one
 * writes where its user wants it: an operation's first operand with one user goes into the
 * operation's own buffer (the operation then runs in place), an hcat's parts into its columns. */
static void assign(Plan *p, int i, int region, int64_t col) {
  FNode *f = &p->nodes[i];
  if (f->region >= 0) return; /* a node with several users, placed already */
  if (f->uses > 1 || region < 0) {
    region = new_region(p, f->w);
    col = 0;
    f = &p->nodes[i];
  }
  f->region = region;
  f->col = col;
  if (f->kind == FK_HCAT) {
    int64_t c0 = 0;
    for (int a = 0; a < f->nargs; a++) {
      int j = p->args[f->arg0 + a];
      assign(p, j, region, col + c0);
      c0 += p->nodes[j].w;
    }
  } else if (f->kind == FK_EW1 || f->kind == FK_EW2 || f->kind == FK_WHERE) {
    bool in_place = false;
    for (int a = 0; a < f->nargs; a++) {
      int j = p->args[f->arg0 + a];
      if (j < 0) continue;
      if (!in_place && p->nodes[j].uses == 1) {
        in_place = true;
        assign(p, j, region, col);
      } else {
        assign(p, j, -1, 0);
      }
    }
  }
}

/* ---- evaluation of one block of rows */

typedef struct Task {
  const Plan *p;
  const IrEvalInputs *in;
  double **base;    /* by region: its first row in this block */
  uint32_t *stamp;  /* by node: the block it was last computed for (nodes with several users) */
  uint32_t blk;
  int64_t r0, nb;   /* the block: rows r0 .. r0 + nb - 1 */
} Task;

typedef struct Opnd {
  const double *v;  /* NULL: the scalar s */
  int64_t ld;
  double s;
} Opnd;

static double *node_buf(const Task *t, const FNode *f) { return t->base[f->region] + f->col; }

static Opnd operand(const Task *t, const FNode *f, int a) {
  const Plan *p = t->p;
  int j = p->args[f->arg0 + a];
  if (j < 0) return (Opnd){NULL, 0, p->sc[f->arg0 + a]};
  const FNode *x = &p->nodes[j];
  return (Opnd){node_buf(t, x), p->reg_w[x->region], 0};
}

/* Rows of the block, o = op(a, b) with x the element of a and y that of b: one loop per
 * operand kind. o may be a or b (in place). */
#define EW2_ROWS(EXPR)                                                                 \
  for (int64_t r = 0; r < t->nb; r++) {                                                \
    double *orow = o + r * ldo;                                                        \
    const double *arow = a.v ? a.v + r * a.ld : NULL, *brow = b.v ? b.v + r * b.ld : NULL; \
    for (int64_t j = 0; j < w; j++) {                                                  \
      double x = arow ? arow[j] : a.s, y = brow ? brow[j] : b.s;                       \
      orow[j] = (EXPR);                                                                \
    }                                                                                  \
  }

/* The four arithmetic operations on vectors of VW doubles (GCC's and clang's vector
 * extensions: -O2 does not vectorise loops that may work in place). rt_scalar.h's rt_op_add,
 * rt_op_sub, rt_op_mul and rt_op_div are these IEEE operators themselves, so each lane
 * rounds exactly as the evaluator's scalar call does. Two lanes: the width of the baseline
 * x86-64 (SSE2) and AArch64 registers; wider vector types without the instructions for them
 * are split through memory. */
enum { VW = 2 };
typedef double Vd __attribute__((vector_size(VW * sizeof(double))));

#define VEC_ROW(OP)                                                                    \
  do {                                                                                 \
    int64_t j = 0;                                                                     \
    Vd va, vb, vr;                                                                     \
    if (!arow) {                                                                       \
      va = (Vd){a.s, a.s};                                                   \
      for (; j + VW <= w; j += VW) {                                                   \
        memcpy(&vb, brow + j, sizeof vb);                                              \
        vr = va OP vb;                                                                 \
        memcpy(orow + j, &vr, sizeof vr);                                              \
      }                                                                                \
    } else if (!brow) {                                                                \
      vb = (Vd){b.s, b.s};                                                   \
      for (; j + VW <= w; j += VW) {                                                   \
        memcpy(&va, arow + j, sizeof va);                                              \
        vr = va OP vb;                                                                 \
        memcpy(orow + j, &vr, sizeof vr);                                              \
      }                                                                                \
    } else {                                                                           \
      for (; j + VW <= w; j += VW) {                                                   \
        memcpy(&va, arow + j, sizeof va);                                              \
        memcpy(&vb, brow + j, sizeof vb);                                              \
        vr = va OP vb;                                                                 \
        memcpy(orow + j, &vr, sizeof vr);                                              \
      }                                                                                \
    }                                                                                  \
    for (; j < w; j++) orow[j] = (arow ? arow[j] : a.s) OP (brow ? brow[j] : b.s);      \
  } while (0)

#define VEC_ROWS(OP)                                                                   \
  for (int64_t r = 0; r < t->nb; r++) {                                                \
    double *orow = o + r * ldo;                                                        \
    const double *arow = a.v ? a.v + r * a.ld : NULL, *brow = b.v ? b.v + r * b.ld : NULL; \
    VEC_ROW(OP);                                                                       \
  }

static void run_ew2(const Task *t, const FNode *f, double *o, int64_t ldo) {
  Opnd a = operand(t, f, 0), b = operand(t, f, 1);
  int64_t w = f->w;
  IrOp op = (IrOp)f->n->op;
  switch (op) {
  case IR_ADD: VEC_ROWS(+); break;
  case IR_SUB: VEC_ROWS(-); break;
  case IR_MUL: VEC_ROWS(*); break;
  case IR_DIV: VEC_ROWS(/); break;
  default: EW2_ROWS(ir_fold_binary(op, x, y)); break;
  }
}

static double at(const Opnd *x, int64_t r, int64_t j) { return x->v ? x->v[r * x->ld + j] : x->s; }

static void run_node(Task *t, int i);

static void run_node(Task *t, int i) {
  const Plan *p = t->p;
  const FNode *f = &p->nodes[i];
  if (f->uses > 1) {
    if (t->stamp[i] == t->blk) return;
    t->stamp[i] = t->blk;
  }
  if (f->table) { /* its bytes through its table (its operands are not needed) */
    const FNode *s = &p->nodes[f->tsrc];
    double *o = node_buf(t, f);
    int64_t ldo = p->reg_w[f->region];
    for (int64_t r = 0; r < t->nb; r++) {
      const uint8_t *in = s->bytes + (s->r0 + t->r0 + r) * s->ld + s->c0;
      double *orow = o + r * ldo;
      for (int64_t j = 0; j < f->w; j++) orow[j] = f->table[in[j]];
    }
    return;
  }
  if (f->kind == FK_EW1 || f->kind == FK_EW2 || f->kind == FK_WHERE || f->kind == FK_HCAT)
    for (int a = 0; a < f->nargs; a++)
      if (p->args[f->arg0 + a] >= 0) run_node(t, p->args[f->arg0 + a]);
  double *o = node_buf(t, f);
  int64_t ldo = p->reg_w[f->region], w = f->w, nb = t->nb;
  switch (f->kind) {
  case FK_EW1: {
    Opnd a = operand(t, f, 0);
    IrOp op = (IrOp)f->n->op;
    for (int64_t r = 0; r < nb; r++)
      for (int64_t j = 0; j < w; j++)
        o[r * ldo + j] = ir_fold_unary(op, a.v[r * a.ld + j], f->n->num);
    break;
  }
  case FK_EW2: run_ew2(t, f, o, ldo); break;
  case FK_WHERE: {
    Opnd c = operand(t, f, 0), a = operand(t, f, 1), b = operand(t, f, 2);
    for (int64_t r = 0; r < nb; r++)
      for (int64_t j = 0; j < w; j++)
        o[r * ldo + j] = at(&c, r, j) != 0 ? at(&a, r, j) : at(&b, r, j);
    break;
  }
  case FK_HCAT: { /* parts with one user wrote their columns already; copy the others' */
    int64_t c0 = 0;
    for (int a = 0; a < f->nargs; a++) {
      const FNode *x = &p->nodes[p->args[f->arg0 + a]];
      const double *xb = node_buf(t, x);
      if (xb != o + c0)
        for (int64_t r = 0; r < nb; r++)
          memcpy(o + r * ldo + c0, xb + r * p->reg_w[x->region], (size_t)x->w * sizeof(double));
      c0 += x->w;
    }
    break;
  }
  case FK_FILL:
    for (int64_t r = 0; r < nb; r++)
      for (int64_t j = 0; j < w; j++) o[r * ldo + j] = f->fill;
    break;
  case FK_ROWS:
    for (int64_t r = 0; r < nb; r++)
      memcpy(o + r * ldo, f->src + (f->r0 + t->r0 + r) * f->ld + f->c0,
             (size_t)w * sizeof(double));
    break;
  case FK_HOOK:
    if (ldo == w) { /* contiguous rows: one call */
      IrBlock b = {f->r0 + t->r0, nb, f->c0, w};
      t->in->data_block(t->in->hook_ctx, f->data_k, &b, o);
    } else {
      for (int64_t r = 0; r < nb; r++) {
        IrBlock b = {f->r0 + t->r0 + r, 1, f->c0, w};
        t->in->data_block(t->in->hook_ctx, f->data_k, &b, o + r * ldo);
      }
    }
    break;
  }
}

/* ---- the tasks */

/* A block's rows: about 256 KB of destination and temporaries, which stay in L2. */
enum { BLOCK_DOUBLES = 32768, MIN_PAR_DOUBLES = 1 << 16 };

typedef struct Job {
  const Plan *p;
  const IrEvalInputs *in;
  double *out;
  int64_t rows, block, per_task;
  int64_t *bad; /* by task: its first non-finite element (index in out), or -1; NULL: no check */
} Job;

int64_t ir_first_nonfinite(const double *v, int64_t n) {
  /* x * 0 is a zero for finite x and NaN for an infinity or a NaN: one vector multiply-add
   * per element finds whether there is any, and only then a scalar loop finds which */
  Vd a0 = {0, 0}, a1 = a0, a2 = a0, a3 = a0, x0, x1, x2, x3;
  int64_t j = 0;
  for (; j + 4 * VW <= n; j += 4 * VW) { /* four chains of additions, not one */
    memcpy(&x0, v + j, sizeof x0);
    memcpy(&x1, v + j + VW, sizeof x1);
    memcpy(&x2, v + j + 2 * VW, sizeof x2);
    memcpy(&x3, v + j + 3 * VW, sizeof x3);
    a0 += x0 * 0.0;
    a1 += x1 * 0.0;
    a2 += x2 * 0.0;
    a3 += x3 * 0.0;
  }
  a0 += a1 + (a2 + a3);
  double sum = a0[0] + a0[1];
  for (; j < n; j++) sum += v[j] * 0.0;
  if (sum == 0) return -1;
  for (j = 0; j < n; j++)
    if (!isfinite(v[j])) return j;
  return -1;
}

static void job_task(void *ctx, int64_t task) {
  const Job *j = ctx;
  const Plan *p = j->p;
  int64_t lo = task * j->per_task, hi = lo + j->per_task < j->rows ? lo + j->per_task : j->rows;
  double *scratch = p->temp_w ? xrealloc(NULL, (size_t)(p->temp_w * j->block), sizeof(double))
                              : NULL;
  double **base = xcalloc((size_t)p->nregs, sizeof(double *));
  for (int r = 1; r < p->nregs; r++) base[r] = scratch + p->reg_off[r] * j->block;
  Task t = {p, j->in, base, xcalloc(p->nnodes, sizeof(uint32_t)), 0, 0, 0};
  for (int64_t r0 = lo; r0 < hi; r0 += j->block) {
    t.blk++;
    t.r0 = r0;
    t.nb = hi - r0 < j->block ? hi - r0 : j->block;
    base[0] = j->out + r0 * p->reg_w[0];
    run_node(&t, 0);
    if (j->bad && j->bad[task] < 0) { /* checked while the block is in cache */
      int64_t at = ir_first_nonfinite(base[0], t.nb * p->reg_w[0]);
      if (at >= 0) j->bad[task] = r0 * p->reg_w[0] + at;
    }
  }
  free(t.stamp);
  free(base);
  free(scratch);
}

/* Roots worth the plan: elementwise operations, hcat and slices of data, of rank 1 or 2. */
static bool fused_root(const IrNode *n, const IrEvalInputs *in) {
  if (n->shape.rank == 0 || n->shape.rank > 2 || n->shape.sparse) return false;
  return is_ew(n) || n->op == IR_HCAT || (n->op == IR_SLICE && readable(in, n->args[0]));
}

static void plan_free(Plan *p) {
  for (size_t i = 0; i < p->nowned; i++) free(p->owned[i]);
  for (size_t i = 0; i < p->nnodes; i++) free(p->nodes[i].table);
  free(p->owned);
  free(p->nodes);
  free(p->args);
  free(p->sc);
  free(p->map);
  free(p->reg_w);
  free(p->reg_off);
}

int ir_eval_fused(IrGraph *g, IrNode *root, const IrEvalInputs *in, double *out,
                  int64_t *first_bad, IrEvalError *err) {
  IrEvalError local;
  if (!err) err = &local;
  if (first_bad) *first_bad = -1;
  if (!ir_fuse_enabled() || !fused_root(root, in)) {
    int rc = ir_eval(g, &root, 1, in, &out, err);
    if (rc == 0 && first_bad) *first_bad = ir_first_nonfinite(out, shape_size(root->shape));
    return rc;
  }
  *err = (IrEvalError){.span = SPAN_NONE};
  Plan p = {.g = g, .in = in, .err = err};
  p.map = xrealloc(NULL, g->count + 1, sizeof(int));
  for (uint32_t i = 0; i <= g->count; i++) p.map[i] = -1;
  int64_t rows = root->shape.rows;
  if (plan_node(&p, root, rows) < 0) { /* else the root is node 0 */
    plan_free(&p);
    return -1;
  }
  tabulate(&p, 0);
  new_region(&p, p.nodes[0].w); /* region 0: the destination */
  assign(&p, 0, 0, 0);
  int64_t row_w = p.nodes[0].w + p.temp_w;
  int64_t block = BLOCK_DOUBLES / row_w;
  if (block < 1) block = 1;
  if (block > rows) block = rows > 0 ? rows : 1;
  int64_t nblocks = (rows + block - 1) / block, ntasks = 1;
  if (rows * row_w >= MIN_PAR_DOUBLES) { /* a few tasks per thread, for the balance */
    ntasks = 4 * (int64_t)rt_par_threads();
    if (ntasks > nblocks) ntasks = nblocks;
  }
  if (ntasks < 1) ntasks = 1;
  int64_t per = (nblocks + ntasks - 1) / ntasks * block;
  ntasks = per ? (rows + per - 1) / per : 0;
  Job job = {&p, in, out, rows, block, per, NULL};
  if (first_bad) {
    job.bad = xrealloc(NULL, (size_t)(ntasks > 0 ? ntasks : 1), sizeof(int64_t));
    for (int64_t t = 0; t < ntasks; t++) job.bad[t] = -1;
  }
  rt_par_run(job_task, &job, ntasks);
  for (int64_t t = 0; first_bad && t < ntasks && *first_bad < 0; t++) *first_bad = job.bad[t];
  free(job.bad);
  plan_free(&p);
  return 0;
}

/* ---- the memory a plan holds, for bloc check: plan_node's walk, with sizes for values */

typedef struct Peak {
  IrGraph *g;
  uint8_t *seen; /* by node id: planned */
  double held, peak;
} Peak;

static double bytes_of(const IrNode *n) {
  return 8.0 * (double)(shape_size(n->shape) > 0 ? shape_size(n->shape) : 1);
}

/* materialize(): n's buffer, held to the end, and ir_eval's peak while computing it */
static void peak_materialize(Peak *k, IrNode *n) {
  double t = k->held + bytes_of(n) + ir_eval_peak_bytes(k->g, n);
  if (t > k->peak) k->peak = t;
  k->held += bytes_of(n);
}

static void peak_node(Peak *k, IrNode *n, int64_t rows) {
  if (k->seen[n->id]) return;
  k->seen[n->id] = 1;
  bool parts_ok = n->op == IR_HCAT;
  for (int a = 0; parts_ok && a < n->nargs; a++) {
    const Shape s = n->args[a]->shape;
    parts_ok = (s.rank == 1 || s.rank == 2) && !s.sparse && s.rows == rows;
  }
  if (is_ew(n) || parts_ok) {
    for (int a = 0; a < n->nargs; a++) {
      IrNode *x = n->args[a];
      if (n->op != IR_HCAT && x->shape.rank == 0) {
        if (x->op != IR_CONST) peak_materialize(k, x); /* scalar_value */
      } else {
        peak_node(k, x, rows);
      }
    }
  } else if (n->op == IR_BCAST) {
    if (n->args[0]->op != IR_CONST) peak_materialize(k, n->args[0]);
  } else if (n->op != IR_CONST && !dense_data(n) &&
             !(n->op == IR_SLICE && dense_data(n->args[0]))) {
    peak_materialize(k, n->op == IR_SLICE ? n->args[0] : n);
  }
}

double ir_eval_fused_peak_bytes(IrGraph *g, IrNode *root) {
  const Shape s = root->shape;
  bool fused = ir_fuse_enabled() && s.rank >= 1 && s.rank <= 2 && !s.sparse &&
               (is_ew(root) || root->op == IR_HCAT ||
                (root->op == IR_SLICE && dense_data(root->args[0])));
  if (!fused) return ir_eval_peak_bytes(g, root);
  Peak k = {g, xcalloc(g->count + 1, 1), 0, 0};
  peak_node(&k, root, s.rows);
  free(k.seen);
  return k.peak > k.held ? k.peak : k.held;
}
