/* schedule.c — planning an IR kernel into steps (see schedule.h): which nodes are materialised,
 * BLAS folding (transposes, alpha, accumulation chains), loop fusion with identity sharing of
 * producers, and liveness-based work-buffer allocation. The graph is read-only here. */
#include "plan/schedule_int.h"
#include "plan/schedule_verify.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { CHEAP = 3, COST_CAP = 1 << 20 };
#define ALIGN SCHED_ALIGN

/* ------------------------------------------------------------------ small id -> pointer map */

static void *map_get(const Map *m, uint32_t key) {
  if (!m->cap) return NULL;
  uint32_t h = (key * 2654435761u) & (m->cap - 1);
  while (m->keys[h]) {
    if (m->keys[h] == key + 1) return m->vals[h];
    h = (h + 1) & (m->cap - 1);
  }
  return NULL;
}

static void map_put(Map *m, uint32_t key, void *val) {
  if ((m->len + 1) * 2 > m->cap) {
    uint32_t cap = m->cap ? m->cap * 2 : 16;
    Map n = {xcalloc(cap, sizeof(uint32_t)), xcalloc(cap, sizeof(void *)), cap, 0};
    for (uint32_t i = 0; i < m->cap; i++)
      if (m->keys[i]) map_put(&n, m->keys[i] - 1, m->vals[i]);
    free(m->keys);
    free(m->vals);
    *m = n;
  }
  uint32_t h = (key * 2654435761u) & (m->cap - 1);
  while (m->keys[h] && m->keys[h] != key + 1) h = (h + 1) & (m->cap - 1);
  if (!m->keys[h]) m->len++;
  m->keys[h] = key + 1;
  m->vals[h] = val;
}

void sched_map_free(Map *m) {
  free(m->keys);
  free(m->vals);
  memset(m, 0, sizeof *m);
}

static int fail(Sch *s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = snprintf(s->err, s->errlen, "internal error: ");
  if (n >= 0 && (size_t)n < s->errlen) vsnprintf(s->err + n, s->errlen - (size_t)n, fmt, ap);
  va_end(ap);
  return -1;
}

static bool is_xleaf(const Sch *s, const IrNode *n) { return s->xleaf && s->xleaf[n->id]; }
static bool is_leaf(const Sch *s, const IrNode *n) {
  return ir_ops[n->op].cls == IRC_LEAF || is_xleaf(s, n);
}
static bool is_memleaf(const Sch *s, const IrNode *n) {
  return n->op == IR_VAR || n->op == IR_DIR || n->op == IR_DATA || is_xleaf(s, n);
}
static bool is_blas(const IrNode *n) { return n->op == IR_MATMUL || n->op == IR_MATVEC; }

static int64_t ld_of(Shape s) { return s.rank == 2 ? s.cols : 1; }

static SchedBuf leaf_buf(const Sch *s, const IrNode *n) {
  SchedBuf b = {SB_NONE, 0, 0, ld_of(n->shape), false, false};
  if (is_xleaf(s, n)) {
    b.base = SB_XMEMO;
    b.index = s->xleaf[n->id] - 1;
    return b;
  }
  switch ((IrOp)n->op) {
  case IR_VAR: b.base = n->attr[0] == 0 ? SB_X : SB_Y; b.offset = n->attr[2]; break;
  case IR_DIR: b.base = SB_V; b.offset = n->attr[2]; break;
  case IR_DATA: b.base = SB_DATA; b.index = (int)n->attr[0]; break;
  case IR_SAMPLE: b.base = SB_SAMPLE; b.offset = n->attr[1]; b.ld = 1; break;
  case IR_CONST:
#define IRC_CASE_IRC_EW1(id) case id:
#define IRC_CASE_IRC_EW2(id) case id:
#define IRC_CASE_IRC_EW3(id) case id:
#define IRC_CASE_IRC_REDUCE(id) case id:
#define IRC_CASE_IRC_LINALG(id) case id:
#define IRC_CASE_IRC_STRUCT(id) case id:
#define IRC_CASE_IRC_GEN(id) case id:
#include "ir/ir_class_cases.h"
  case IR_OP_COUNT:
    assert(!"not a memory leaf");
    break;
  }
  return b;
}

/* ------------------------------------------------------------------ analysis */

static int topo(Sch *s) {
  uint8_t *state = xcalloc(s->n, 1);
  const IrNode **stack = xcalloc(s->n + 1, sizeof(IrNode *));
  uint32_t *next = xcalloc(s->n + 1, sizeof(uint32_t));
  s->order = arena_calloc(s->a, s->n ? s->n : 1, sizeof(IrNode *));
  size_t cnt = 0;
  for (int r = 0; r < s->k->nouts; r++) {
    const IrNode *root = s->k->outs[r].node;
    if (state[root->id]) continue;
    size_t sp = 0;
    stack[sp] = root;
    next[sp++] = 0;
    state[root->id] = 1;
    while (sp) {
      const IrNode *top = stack[sp - 1];
      if (next[sp - 1] < (uint32_t)top->nargs && !is_xleaf(s, top)) {
        const IrNode *a = top->args[next[sp - 1]++];
        if (!state[a->id]) {
          state[a->id] = 1;
          stack[sp] = a;
          next[sp++] = 0;
        }
      } else {
        s->order[cnt++] = top;
        sp--;
      }
    }
  }
  s->norder = cnt;
  free(state);
  free(stack);
  free(next);
  return 0;
}

static int32_t cost_of(const Sch *s, const IrNode *n) {
  if (is_leaf(s, n) || s->mat[n->id]) return 0;
  return s->cost[n->id];
}

/* Materialise n (unless it is a leaf that already lives in memory or a constant). */
static void force(Sch *s, const IrNode *n) {
  if (!is_memleaf(s, n)) s->mat[n->id] = 1;
}

static void force_if_costly(Sch *s, const IrNode *n) {
  if (cost_of(s, n) > CHEAP) force(s, n);
}

static bool contiguous(const Sch *s, const IrNode *n);

/* n's elements can be addressed as a row-major view of memory (BLAS operand). */
static bool is_mem(const Sch *s, const IrNode *n) {
  if (is_memleaf(s, n)) return true;
  if (n->op == IR_CONST || n->op == IR_SAMPLE) return false;
  if (s->mat[n->id]) return n->shape.rank > 0;
  if (n->op == IR_RESHAPE) return is_mem(s, n->args[0]) && contiguous(s, n->args[0]);
  if (n->op == IR_SLICE)
    return is_mem(s, n->args[0]) && (n->shape.rank == 2 || contiguous(s, n->args[0]));
  return false;
}

static bool contiguous(const Sch *s, const IrNode *n) {
  if (is_memleaf(s, n) || (s->mat[n->id] && n->op != IR_SAMPLE && n->op != IR_CONST)) return true;
  if (n->op == IR_RESHAPE) return contiguous(s, n->args[0]);
  if (n->op == IR_SLICE) {
    const IrNode *a = n->args[0];
    if (n->shape.rank < 2) return contiguous(s, a);
    return n->attr[2] == 0 && n->attr[3] == a->shape.cols && contiguous(s, a);
  }
  return false;
}

/* The buffer under a memory view is read by BLAS: it must stay a plain row-major buffer. */
static void mark_blas_use(Sch *s, const IrNode *n) {
  while ((n->op == IR_RESHAPE || n->op == IR_SLICE || n->op == IR_TRANSPOSE) && !s->mat[n->id])
    n = n->args[0];
  s->blas_use[n->id] = 1;
}

/* A BLAS operand: strip transposes, then materialise whatever is not a memory view. */
static void blas_operand(Sch *s, const IrNode *n) {
  while (n->op == IR_TRANSPOSE) n = n->args[0];
  if (!is_mem(s, n)) force(s, n);
  mark_blas_use(s, n);
}

static void decide(Sch *s) {
  for (size_t i = 0; i < s->norder; i++) {
    const IrNode *n = s->order[i];
    uint32_t id = n->id;
    IrClass cls = ir_ops[n->op].cls;
    if (cls == IRC_LEAF || n->shape.sparse || is_xleaf(s, n))
      continue; /* sparse: read only by its products; an x-memo's value: read from its slot */
    int32_t c = ir_ops[n->op].cost;
    for (int j = 0; j < n->nargs; j++) {
      c += cost_of(s, n->args[j]);
      if (c > COST_CAP) c = COST_CAP;
    }
    s->cost[id] = c;
    bool m = s->is_out[id] || n->shape.rank == 0;
    switch ((IrOp)n->op) {
    case IR_MATMUL:
    case IR_MATVEC:
      m = true;
      blas_operand(s, n->args[0]);
      blas_operand(s, n->args[1]);
      break;
    case IR_SPMM: case IR_SPMTM: /* the dense operand is read in place, like a BLAS one */
      m = true;
      if (!is_mem(s, n->args[1])) force(s, n->args[1]);
      mark_blas_use(s, n->args[1]);
      break;
    case IR_LSE: case IR_LSE_ROWS: case IR_ARGMAX_ROWS:
      force_if_costly(s, n->args[0]); /* evaluated twice */
      m = true;
      break;
    case IR_SUM: case IR_SUM_ROWS: case IR_SUM_COLS:
    case IR_CAT: case IR_HCAT: case IR_VCAT: case IR_SCATTER:
      m = true;
      break;
    case IR_BCAST_ROWS: case IR_BCAST_COLS: case IR_DIAGM: case IR_ONEHOT: case IR_PAD:
      force_if_costly(s, n->args[0]); /* evaluated more often than it has elements */
      break;
    case IR_OUTER:
      force_if_costly(s, n->args[0]);
      force_if_costly(s, n->args[1]);
      break;
    case IR_TRANSPOSE: case IR_BCAST: case IR_RESHAPE: case IR_SLICE: case IR_GATHER:
    case IR_DIAGV: /* index ops: read each element of their argument at most once */
#define IRC_CASE_IRC_LEAF(id) case id:
#define IRC_CASE_IRC_EW1(id) case id:
#define IRC_CASE_IRC_EW2(id) case id:
#define IRC_CASE_IRC_EW3(id) case id:
#define IRC_CASE_IRC_GEN(id) case id:
#include "ir/ir_class_cases.h"
    case IR_OP_COUNT:
      break;
    }
    if (!m && s->uses[id] > 1 && c > CHEAP) m = true;
    if (s->opt->no_fusion && s->uses[id] > 1) m = true;
    if (m) s->mat[id] = 1;
  }
}

/* ------------------------------------------------------------------ accumulation chains */

typedef struct Term {
  const IrNode *node;
  double c;
  const IrNode *reg; /* scalar factor node, or NULL */
} Term;

typedef struct Chain {
  const IrNode *root;
  Term *terms;
  int nterms, cap;
  const IrNode **nodes; /* chain nodes (root and inline sums/negations/scalings) */
  int nnodes, capnodes;
} Chain;

static void chain_term(Chain *ch, const IrNode *n, double c, const IrNode *reg) {
  VEC_GROW(ch->terms, ch->nterms, ch->cap);
  ch->terms[ch->nterms++] = (Term){n, c, reg};
}

static void chain_walk(Sch *s, Chain *ch, const IrNode *n, double c, const IrNode *reg, bool root) {
  /* an x-memo's value is a term read from its slot, whatever op computes it */
  bool inner = root || (!s->mat[n->id] && s->uses[n->id] == 1 && !s->is_out[n->id] &&
                        !is_xleaf(s, n));
  if (inner && shape_eq(n->shape, ch->root->shape)) {
    const IrNode *sc = NULL, *x = NULL;
    if (n->op == IR_MUL) {
      if (n->args[0]->shape.rank == 0 && n->args[1]->shape.rank > 0) {
        sc = n->args[0];
        x = n->args[1];
      }
      if (n->args[1]->shape.rank == 0 && n->args[0]->shape.rank > 0) {
        sc = n->args[1];
        x = n->args[0];
      }
    }
    bool go = n->op == IR_ADD || n->op == IR_SUB || n->op == IR_NEG;
    if (sc && (sc->op == IR_CONST || (!reg && s->mat[sc->id]))) go = true;
    if (go) {
      VEC_GROW(ch->nodes, ch->nnodes, ch->capnodes);
      ch->nodes[ch->nnodes++] = n;
      /* go is set for these four only: + - unary - and * by a scalar */
      if (n->op == IR_ADD || n->op == IR_SUB) {
        chain_walk(s, ch, n->args[0], c, reg, false);
        chain_walk(s, ch, n->args[1], n->op == IR_SUB ? -c : c, reg, false);
      } else if (n->op == IR_NEG) {
        chain_walk(s, ch, n->args[0], -c, reg, false);
      } else if (sc->op == IR_CONST) {
        chain_walk(s, ch, x, c * sc->num, reg, false);
      } else {
        chain_walk(s, ch, x, c, sc, false);
      }
      return;
    }
  }
  chain_term(ch, n, c, reg);
}

/* A product or outer product in a chain that BLAS can write (not one whose value is read from
 * an x-memo slot: its operands are not computed in this kernel). */
static bool foldable_term(const Sch *s, const IrNode *t) {
  return s->uses[t->id] == 1 && !s->is_out[t->id] && !s->folded[t->id] && !is_xleaf(s, t);
}

/* Roots of accumulation chains get their products written by BLAS with alpha/beta. Each
 * root's terms are recorded in chains[] (indexed by root id). */
static void fold_chains(Sch *s, Chain **chains) {
  if (s->opt->no_blas_fold) return;
  for (size_t i = 0; i < s->norder; i++) {
    const IrNode *n = s->order[i];
    if (!s->mat[n->id] || n->shape.rank == 0) continue;
    if (n->op != IR_ADD && n->op != IR_SUB && n->op != IR_NEG && n->op != IR_MUL) continue;
    Chain ch = {n, NULL, 0, 0, NULL, 0, 0};
    chain_walk(s, &ch, n, 1.0, NULL, true);
    int nprod = 0, ngemm = 0;
    for (int t = 0; t < ch.nterms; t++) {
      const IrNode *x = ch.terms[t].node;
      if (is_blas(x) && foldable_term(s, x)) {
        nprod++;
        ngemm += x->op == IR_MATMUL;
      }
    }
    if (nprod == 0) {
      free(ch.terms);
      free(ch.nodes);
      continue;
    }
    for (int t = 0; t < ch.nterms; t++) {
      const IrNode *x = ch.terms[t].node;
      bool f = is_blas(x) && foldable_term(s, x);
      /* outer products join a chain of matrix products as dger */
      if (!f && ngemm && x->op == IR_OUTER && foldable_term(s, x) && is_mem(s, x->args[0]) &&
          is_mem(s, x->args[1]))
        f = true;
      if (f) s->folded[x->id] = 1;
      if (f && x->op == IR_OUTER) {
        mark_blas_use(s, x->args[0]);
        mark_blas_use(s, x->args[1]);
      }
    }
    for (int j = 0; j < ch.nnodes; j++) s->chain[ch.nodes[j]->id] = (int32_t)n->id + 1;
    free(ch.nodes);
    ch.nodes = NULL;
    Chain *keep = xcalloc(1, sizeof(Chain));
    *keep = ch;
    chains[n->id] = keep;
  }
}

/* ------------------------------------------------------------------ expressions */

static SchedExpr *new_expr(Sch *s, int op, Shape shape, int nargs) {
  SchedExpr *e = ARENA_NEW(s->a, SchedExpr);
  e->op = op;
  e->shape = shape;
  e->nargs = nargs;
  if (nargs) e->args = arena_calloc(s->a, (size_t)nargs, sizeof(SchedExpr *));
  e->id = s->nexprs++;
  return e;
}

static SchedExpr *load_expr(Sch *s, SchedBuf b, Shape shape) {
  SchedExpr *e = new_expr(s, SCHED_LOAD, shape, 0);
  e->buf = b;
  return e;
}

static void buf_touch(Sch *s, uint32_t b, int step, bool write) {
  if (write && (s->bfirst[b] < 0 || s->bfirst[b] > step)) s->bfirst[b] = step;
  if (s->blast[b] < step) s->blast[b] = step;
}

uint32_t sched_new_buffer(Sch *s, int64_t size) {
  if (s->nbufs == s->capbufs) {
    s->capbufs *= 2;
    s->bfirst = xrealloc(s->bfirst, s->capbufs, sizeof(int32_t));
    s->blast = xrealloc(s->blast, s->capbufs, sizeof(int32_t));
    s->bsize = xrealloc(s->bsize, s->capbufs, sizeof(int64_t));
  }
  uint32_t b = s->nbufs++;
  s->bfirst[b] = s->blast[b] = -1;
  s->bsize[b] = size;
  return b;
}

static void note_use(Sch *s, const IrNode *n, int step) {
  if (s->last[n->id] < step) s->last[n->id] = step;
  if (s->loc[n->id].base == SB_WORK) buf_touch(s, (uint32_t)s->loc[n->id].index, step, false);
}

/* A memory view of n (is_mem(n) holds); records the read at `step`. */
static SchedBuf mem_view(Sch *s, const IrNode *n, int step) {
  if (is_memleaf(s, n)) return leaf_buf(s, n);
  if (s->mat[n->id]) {
    note_use(s, n, step);
    return s->loc[n->id];
  }
  SchedBuf b = mem_view(s, n->args[0], step);
  if (n->op == IR_RESHAPE) {
    b.ld = ld_of(n->shape);
  } else {
    assert(n->op == IR_SLICE);
    if (n->shape.rank == 2) b.offset += n->attr[0] * b.ld + n->attr[2];
    else b.offset += n->attr[0];
    if (n->shape.rank < 2) b.ld = 1;
  }
  return b;
}

typedef struct Tr {
  Sch *s;
  int step;
  Map *memo; /* the step's */
  Map tmp;   /* made by this attempt */
  bool failed;
} Tr;

static SchedExpr *tr(Tr *t, const IrNode *n, bool ident);

/* The expression computing n's own op from its (translated) operands. */
static SchedExpr *tr_op(Tr *t, const IrNode *n, bool ident) {
  Sch *s = t->s;
  IrClass cls = ir_ops[n->op].cls;
  if (n->op == IR_CONST) {
    SchedExpr *e = new_expr(s, IR_CONST, n->shape, 0);
    e->num = n->num;
    return e;
  }
  if (is_leaf(s, n)) return load_expr(s, leaf_buf(s, n), n->shape);
  SchedExpr *e = new_expr(s, n->op, n->shape, n->nargs);
  e->num = n->num;
  memcpy(e->attr, n->attr, sizeof e->attr);
  bool ew = cls == IRC_EW1 || cls == IRC_EW2 || cls == IRC_EW3;
  for (int i = 0; i < n->nargs; i++) {
    const IrNode *a = n->args[i];
    if ((n->op == IR_GATHER || n->op == IR_SCATTER) && i == 1) {
      assert(a->op == IR_SAMPLE);
      e->args[i] = load_expr(s, leaf_buf(s, a), a->shape);
      continue;
    }
    bool id2 = ident && ew && shape_eq(a->shape, n->shape);
    e->args[i] = tr(t, a, id2);
    if (t->failed) return NULL;
  }
  return e;
}

static SchedExpr *tr(Tr *t, const IrNode *n, bool ident) {
  Sch *s = t->s;
  SchedExpr *e = map_get(t->memo, n->id);
  if (!e) e = map_get(&t->tmp, n->id);
  if (e) return e;
  if (n->op == IR_CONST || is_leaf(s, n)) {
    e = tr_op(t, n, ident);
  } else if (s->mat[n->id]) {
    if (s->def[n->id] >= 0 && s->def[n->id] < t->step) {
      note_use(s, n, t->step);
      e = load_expr(s, s->loc[n->id], n->shape);
    } else if (s->share_step[n->id] == t->step && s->share[n->id] && ident) {
      e = s->share[n->id];
    } else {
      t->failed = true;
      return NULL;
    }
  } else {
    e = tr_op(t, n, ident);
    if (!e) return NULL;
  }
  map_put(&t->tmp, n->id, e);
  return e;
}

/* ------------------------------------------------------------------ steps */

static Step *new_step(Sch *s, SchedStepKind kind, int64_t rows, int64_t cols) {
  VEC_GROW(s->steps, s->nsteps, s->capsteps);
  Step *st = &s->steps[s->nsteps++];
  memset(st, 0, sizeof *st);
  st->st.kind = kind;
  st->st.rows = rows;
  st->st.cols = cols;
  return st;
}

static void add_item(Step *st, const SchedItem *it) {
  VEC_GROW(st->st.items, st->st.nitems, st->capitems);
  st->st.items[st->st.nitems++] = *it;
}

/* How an item's expression is built in the context of a candidate step. */
typedef SchedExpr *(*BuildFn)(Tr *t, const void *ctx);

static SchedExpr *build_node(Tr *t, const void *ctx) { return tr_op(t, ctx, true); }
static SchedExpr *build_arg(Tr *t, const void *ctx) {
  return tr(t, ((const IrNode *)ctx)->args[0], true);
}
static SchedExpr *build_value(Tr *t, const void *ctx) { return tr(t, ctx, true); }

static void merge(Map *into, Map *from) {
  for (uint32_t i = 0; i < from->cap; i++)
    if (from->keys[i]) map_put(into, from->keys[i] - 1, from->vals[i]);
  sched_map_free(from);
}

static void mark_written(Sch *s, uint32_t node, int step) {
  if (node == UINT32_MAX) return;
  if (s->def[node] < step) s->def[node] = step;
  if (s->loc[node].base == SB_WORK) buf_touch(s, (uint32_t)s->loc[node].index, step, true);
}

/* Place an item in the newest compatible step (same kind and domain) where its operands are
 * available, else in a new step. Returns the step index. */
static int place(Sch *s, SchedStepKind kind, int64_t rows, int64_t cols, SchedItem it,
                 BuildFn build, const void *ctx) {
  if (!s->opt->no_fusion && kind != SS_LSE && kind != SS_SCATTER) {
    for (int i = s->nsteps - 1; i >= 0; i--) {
      Step *st = &s->steps[i];
      if (st->st.kind != kind || st->st.rows != rows || st->st.cols != cols) continue;
      Tr t = {s, i, &st->memo, {0}, false};
      SchedExpr *e = build(&t, ctx);
      if (t.failed) {
        sched_map_free(&t.tmp);
        break;
      }
      merge(&st->memo, &t.tmp);
      it.expr = e;
      add_item(st, &it);
      return i;
    }
  }
  Step *st = new_step(s, kind, rows, cols);
  int idx = s->nsteps - 1;
  Tr t = {s, idx, &st->memo, {0}, false};
  SchedExpr *e = build(&t, ctx);
  assert(!t.failed && "operands of a new step are always available");
  merge(&st->memo, &t.tmp);
  it.expr = e;
  add_item(st, &it);
  return idx;
}

static SchedItem item(SchedItemKind kind, SchedBuf dest, uint32_t node) {
  SchedItem it;
  memset(&it, 0, sizeof it);
  it.kind = kind;
  it.dest = dest;
  it.node = node;
  return it;
}

static void operand(Sch *s, const IrNode *n, int step, SchedBuf *b, bool *trans) {
  *trans = false;
  while (n->op == IR_TRANSPOSE) {
    *trans = !*trans;
    n = n->args[0];
  }
  *b = mem_view(s, n, step);
}

static const IrNode *strip_t(const IrNode *n, bool *trans);
static bool memo_candidate(const Sch *s, const IrNode *n);

/* Products with few columns stream their big operand once in the backend's own loops
 * (SS_SKINNY_GEMM): c = op(a) b with n <= SCHED_SKINNY_MAX_N columns, as long as what stays in
 * cache does: b (k x n) when op(a) is a, c (m x n) when op(a) = a' is reduced over a's rows. */
enum { SKINNY_MAX_CACHED = 32768 }; /* doubles: 256 KB, half of a Zen 3 L2 */

static bool skinny_ok(const Sch *s, bool trans_a, int64_t m, int64_t n, int64_t k) {
  if (s->opt->no_skinny || n < 1 || n > SCHED_SKINNY_MAX_N || m < 1 || k < 1) return false;
  return trans_a ? m * n <= SKINNY_MAX_CACHED : k * n <= SKINNY_MAX_CACHED;
}

/* The right operand of a skinny product in the layout its loops read, copied into a new
 * buffer (it is small): n x k (b transposed, dot products over k) for a b, k x n for a' b.
 * Returns the buffer's view. */
static SchedBuf skinny_copy_b(Sch *s, const IrNode *b, int64_t k, int64_t n, bool transposed);

/* A product as a BLAS step writing dest with alpha = c * (*reg) and beta. */
static int blas_step(Sch *s, const IrNode *p, SchedBuf dest, double c, const IrNode *reg,
                     double beta) {
  SchedStepKind kind = p->op == IR_MATMUL ? SS_GEMM : p->op == IR_MATVEC ? SS_GEMV : SS_GER;
  /* a skinny product (matrix-vector products included, n = 1: a vector is a k x 1 matrix),
   * unless dsymv applies (symmetric data) */
  bool skinny = false, copy_b = false;
  SchedBuf bcopy = {SB_NONE, 0, 0, 1, false, false};
  if (kind != SS_GER) {
    bool ta, tb;
    const IrNode *ma = strip_t(p->args[0], &ta);
    strip_t(p->args[1], &tb);
    int64_t m = p->shape.rows, n = p->shape.rank == 2 ? p->shape.cols : 1,
            k = p->args[0]->shape.cols;
    bool sym = kind == SS_GEMV && ma->op == IR_DATA && ma->attr[0] < s->g->nsym_data &&
               s->g->sym_data[ma->attr[0]] && ma->shape.rows == ma->shape.cols;
    skinny = !sym && skinny_ok(s, ta, m, n, k);
    /* a b reads b as n x k (b' stored row-major), a' b reads it k x n; a vector is both */
    copy_b = skinny && kind == SS_GEMM && tb == ta;
    if (copy_b) bcopy = skinny_copy_b(s, p->args[1], k, n, !ta);
  }
  if (skinny) kind = SS_SKINNY_GEMM;
  Step *st = new_step(s, kind, 0, 0);
  int idx = s->nsteps - 1;
  SchedBlas *b = &st->st.blas;
  b->alpha = c;
  b->beta = beta;
  b->c = dest;
  b->node = p->id;
  if (reg) {
    b->alpha_buf = s->loc[reg->id];
    note_use(s, reg, idx);
  }
  if (kind == SS_SKINNY_GEMM) {
    operand(s, p->args[0], idx, &b->a, &b->trans_a);
    b->m = p->shape.rows;
    b->n = p->shape.rank == 2 ? p->shape.cols : 1;
    b->k = p->args[0]->shape.cols;
    if (copy_b) {
      b->b = bcopy;
      buf_touch(s, (uint32_t)bcopy.index, idx, false);
    } else {
      bool tb;
      operand(s, p->args[1], idx, &b->b, &tb);
      if (p->op == IR_MATVEC && !b->trans_a) b->b.ld = b->k; /* a vector: one row of k */
    }
    b->trans_b = !b->trans_a;
    if (memo_candidate(s, p) && !b->trans_a && b->a.base == SB_DATA && c == 1.0 && !reg &&
        beta == 0.0 && dest.base == SB_WORK && dest.index == (int)p->id &&
        (b->b.ld == b->k || b->n == 1)) {
      b->memo = true;
      s->memo[p->id] = 1;
    }
  } else if (kind == SS_GEMM) {
    operand(s, p->args[0], idx, &b->a, &b->trans_a);
    operand(s, p->args[1], idx, &b->b, &b->trans_b);
    b->m = p->shape.rows;
    b->n = p->shape.cols;
    b->k = p->args[0]->shape.cols;
  } else if (kind == SS_GEMV) {
    operand(s, p->args[0], idx, &b->a, &b->trans_a);
    bool tb;
    operand(s, p->args[1], idx, &b->b, &tb);
    /* stored dimensions of the matrix */
    b->m = b->trans_a ? p->args[0]->shape.cols : p->args[0]->shape.rows;
    b->n = b->trans_a ? p->args[0]->shape.rows : p->args[0]->shape.cols;
    /* symmetric data: dsymv reads one triangle, half the memory traffic of dgemv */
    const IrNode *mat = p->args[0];
    while (mat->op == IR_TRANSPOSE) mat = mat->args[0];
    if (mat->op == IR_DATA && mat->attr[0] < s->g->nsym_data && s->g->sym_data[mat->attr[0]] &&
        b->m == b->n) {
      st->st.kind = SS_SYMV;
      b->trans_a = false;
    }
  } else {
    b->a = mem_view(s, p->args[0], idx);
    b->b = mem_view(s, p->args[1], idx);
    b->m = p->shape.rows;
    b->n = p->shape.cols;
  }
  return idx;
}

/* A sparse product as an SS_SPMM step writing dest. */
static int sparse_step(Sch *s, const IrNode *p, SchedBuf dest) {
  Step *st = new_step(s, SS_SPMM, 0, 0);
  int idx = s->nsteps - 1;
  SchedBlas *b = &st->st.blas;
  const IrNode *a = p->args[0], *x = a->op == IR_GATHER ? a->args[0] : a;
  b->a = (SchedBuf){SB_DATA, (int)x->attr[0], 0, x->shape.cols, false, false};
  b->idx = a->op == IR_GATHER ? leaf_buf(s, a->args[1])
                               : (SchedBuf){SB_NONE, 0, 0, 1, false, false};
  if (a->op == IR_GATHER && a->attr[1]) { /* a rank's rows of sharded data (ir_gather_shard) */
    b->idx_r0 = a->attr[0];
    b->idx_rows = x->shape.rows;
  }
  b->trans_a = p->op == IR_SPMTM;
  b->m = a->shape.rows;
  b->k = a->shape.cols;
  b->n = p->shape.rank == 2 ? p->shape.cols : 1;
  b->b = mem_view(s, p->args[1], idx);
  b->c = dest;
  b->alpha = 1;
  b->node = p->id;
  return idx;
}

/* The elementwise part of the accumulation chain rooted at `root`: its tree without the
 * folded products (NULL when nothing is left). */
static SchedExpr *partial(Tr *t, const IrNode *n, int32_t root) {
  Sch *s = t->s;
  if (s->folded[n->id]) return NULL;
  if (s->chain[n->id] != root + 1) return tr(t, n, true); /* a term */
  SchedExpr *p0 = NULL, *p1 = NULL, *e;
  switch ((IrOp)n->op) {
  case IR_ADD:
  case IR_SUB:
    p0 = partial(t, n->args[0], root);
    if (t->failed) return NULL;
    p1 = partial(t, n->args[1], root);
    if (t->failed) return NULL;
    if (p0 && p1) {
      e = new_expr(s, n->op, n->shape, 2);
      e->args[0] = p0;
      e->args[1] = p1;
      return e;
    }
    if (p0) return p0;
    if (!p1) return NULL;
    if (n->op == IR_ADD) return p1;
    e = new_expr(s, IR_NEG, p1->shape, 1);
    e->args[0] = p1;
    return e;
  case IR_NEG:
    p0 = partial(t, n->args[0], root);
    if (!p0) return NULL;
    e = new_expr(s, IR_NEG, p0->shape, 1);
    e->args[0] = p0;
    return e;
  case IR_MUL: {
    int xi = n->args[0]->shape.rank == 0 ? 1 : 0;
    p1 = partial(t, n->args[xi], root);
    if (!p1) return NULL;
    p0 = tr(t, n->args[1 - xi], true);
    if (t->failed) return NULL;
    e = new_expr(s, IR_MUL, p1->shape, 2);
    e->args[xi] = p1;
    e->args[1 - xi] = p0;
    return e;
  }
  default:
    return tr(t, n, true);
  }
}

static SchedExpr *build_partial(Tr *t, const void *ctx) {
  const IrNode *r = ctx;
  return partial(t, r, (int32_t)r->id);
}

static void build_chain(Sch *s, const IrNode *r, const Chain *ch) {
  bool has_ew = false;
  for (int i = 0; i < ch->nterms; i++)
    if (!s->folded[ch->terms[i].node->id]) has_ew = true;
  SchedBuf dest = s->loc[r->id];
  if (has_ew) {
    SchedItem it = item(SI_WRITE, dest, r->id);
    it.partial = true;
    int st = place(s, SS_LOOP, r->shape.rows, r->shape.cols, it, build_partial, r);
    mark_written(s, r->id, st);
  }
  /* products first (the first one sets the destination when there is no elementwise part),
   * then outer products: dger only accumulates */
  bool first = !has_ew;
  for (int pass = 0; pass < 2; pass++)
    for (int i = 0; i < ch->nterms; i++) {
      const Term *t = &ch->terms[i];
      if (!s->folded[t->node->id] || (t->node->op == IR_OUTER) != (pass == 1)) continue;
      int st = blas_step(s, t->node, dest, t->c, t->reg, first ? 0.0 : 1.0);
      first = false;
      mark_written(s, r->id, st);
    }
}

static void build_cat(Sch *s, const IrNode *n) {
  SchedBuf base = s->loc[n->id];
  int64_t at = 0;
  for (int i = 0; i < n->nargs; i++) {
    const IrNode *p = n->args[i];
    SchedBuf d = base;
    int64_t rows = p->shape.rows, cols = p->shape.cols;
    if (n->op == IR_CAT) {
      d.offset += at;
      d.ld = ld_of(p->shape);
      at += shape_size(p->shape);
    } else if (n->op == IR_HCAT) {
      d.offset += at;
      at += p->shape.rank == 2 ? p->shape.cols : 1;
    } else {
      d.offset += at * base.ld;
      at += p->shape.rows;
    }
    SchedItem it = item(SI_WRITE, d, n->id);
    int st = place(s, SS_LOOP, rows, cols, it, build_value, p);
    mark_written(s, n->id, st);
  }
}

/* ------------------------------------------------------------------ horizontal product fusion */

enum { PACK_MAX = 8, PACK_MIN_LEFT = 32768, PACK_MAX_COLS = 256 };

/* The transpose of a value (its translation wrapped in a transpose). */
static SchedExpr *build_transposed(Tr *t, const void *ctx) {
  const IrNode *n = ctx;
  SchedExpr *v = tr(t, n, false);
  if (t->failed) return NULL;
  SchedExpr *e = new_expr(t->s, IR_TRANSPOSE, shape_matrix(n->shape.cols, n->shape.rows), 1);
  e->args[0] = v;
  return e;
}

static SchedBuf skinny_copy_b(Sch *s, const IrNode *b, int64_t k, int64_t n, bool transposed) {
  uint32_t bp = sched_new_buffer(s, k * n);
  SchedBuf view = {SB_WORK, (int)bp, 0, transposed ? k : n, false, false};
  SchedItem it = item(SI_WRITE, view, UINT32_MAX);
  int st = transposed ? place(s, SS_LOOP, n, k, it, build_transposed, b)
                      : place(s, SS_LOOP, k, n, it, build_value, b);
  buf_touch(s, bp, st, true);
  return view;
}

static const IrNode *strip_t(const IrNode *n, bool *trans) {
  *trans = false;
  while (n->op == IR_TRANSPOSE) {
    *trans = !*trans;
    n = n->args[0];
  }
  return n;
}

/* Its value is in memory now (a leaf, a materialised node already computed, or a view or
 * transpose of one): a copy loop can read it. */
static bool available(const Sch *s, const IrNode *n) {
  while (n->op == IR_TRANSPOSE) n = n->args[0];
  if (is_memleaf(s, n) || n->op == IR_CONST) return true;
  if (s->mat[n->id]) return s->def[n->id] >= 0;
  if (n->op == IR_RESHAPE || n->op == IR_SLICE) return available(s, n->args[0]);
  return false;
}

/* A product that gets a memo slot if it is planned as a skinny a b' of data a into its own
 * buffer (blas_step decides): such products are not packed with others, so that the slot
 * holds exactly this product (a packed [B1 B2] gives the same bits in B1's columns as B1
 * alone: the dot products over k are the same operations). One too wide to be skinny gets no
 * slot and stays packable. */
static bool memo_candidate(const Sch *s, const IrNode *n) {
  return s->memo_ok && s->memo_ok[n->id] && !s->is_out[n->id] && !s->blas_use[n->id] &&
         s->loc[n->id].base == SB_WORK && s->loc[n->id].index == (int)n->id &&
         skinny_ok(s, false, n->shape.rows, n->shape.rank == 2 ? n->shape.cols : 1,
                   n->args[0]->shape.cols);
}

/* Products A B1, A B2, ... sharing their left operand A run as one dgemm A [B1 B2 ...] into
 * [C1 C2 ...]: A (a big data matrix) is streamed once instead of once per product. Their
 * results become column blocks (strided views) of one buffer, so products another BLAS call
 * reads are left alone. The right operands are copied side by side first (cheap: narrow).
 * Returns false when n has no partner. */
static bool pack_products(Sch *s, const IrNode *n, size_t pos, Chain **chains) {
  if (s->opt->no_fusion || s->is_out[n->id] || s->blas_use[n->id] || memo_candidate(s, n))
    return false;
  bool ta;
  const IrNode *a = strip_t(n->args[0], &ta);
  int64_t m = n->shape.rows, k = n->args[0]->shape.cols;
  if (m * k < PACK_MIN_LEFT || n->shape.cols > PACK_MAX_COLS) return false;
  const IrNode *part[PACK_MAX] = {n};
  int np = 1;
  int64_t ntot = n->shape.cols;
  for (size_t j = pos + 1; j < s->norder && np < PACK_MAX; j++) {
    const IrNode *q = s->order[j];
    bool tq;
    if (q->op != IR_MATMUL || !s->mat[q->id] || s->folded[q->id] || chains[q->id] ||
        s->is_out[q->id] || s->blas_use[q->id] || s->def[q->id] >= 0 || memo_candidate(s, q))
      continue;
    if (strip_t(q->args[0], &tq) != a || tq != ta || !available(s, q->args[1])) continue;
    if (ntot + q->shape.cols > PACK_MAX_COLS) continue;
    part[np++] = q;
    ntot += q->shape.cols;
  }
  if (np == 1) return false;
  /* a skinny a [B1 B2 ...] reads the packed operand transposed (ntot x k), a' [B1 ...] k x ntot */
  bool skinny = skinny_ok(s, ta, m, ntot, k), trans = skinny && !ta;
  uint32_t bp = sched_new_buffer(s, k * ntot), cp = sched_new_buffer(s, m * ntot);
  int64_t off = 0;
  for (int i = 0; i < np; i++) {
    int64_t nc = part[i]->shape.cols;
    SchedItem it =
        item(SI_WRITE,
             (SchedBuf){SB_WORK, (int)bp, trans ? off * k : off, trans ? k : ntot, false, false},
             UINT32_MAX);
    int st = trans ? place(s, SS_LOOP, nc, k, it, build_transposed, part[i]->args[1])
                   : place(s, SS_LOOP, k, nc, it, build_value, part[i]->args[1]);
    buf_touch(s, bp, st, true);
    off += nc;
  }
  Step *stp = new_step(s, skinny ? SS_SKINNY_GEMM : SS_GEMM, 0, 0);
  int idx = s->nsteps - 1;
  SchedBlas *b = &stp->st.blas;
  operand(s, n->args[0], idx, &b->a, &b->trans_a);
  b->b = (SchedBuf){SB_WORK, (int)bp, 0, trans ? k : ntot, false, false};
  b->trans_b = trans;
  b->c = (SchedBuf){SB_WORK, (int)cp, 0, ntot, false, false};
  b->m = m;
  b->n = ntot;
  b->k = k;
  b->alpha = 1;
  b->node = n->id;
  buf_touch(s, bp, idx, false);
  off = 0;
  for (int i = 0; i < np; i++) {
    s->loc[part[i]->id] = (SchedBuf){SB_WORK, (int)cp, off, ntot, false, false};
    mark_written(s, part[i]->id, idx);
    off += part[i]->shape.cols;
  }
  return true;
}

static int build_steps(Sch *s, Chain **chains) {
  for (size_t i = 0; i < s->norder; i++) {
    const IrNode *n = s->order[i];
    uint32_t id = n->id;
    if (!s->mat[id] || s->folded[id] || s->def[id] >= 0)
      continue; /* def: packed with an earlier product */
    if (chains[id]) {
      build_chain(s, n, chains[id]);
      continue;
    }
    SchedBuf dest = s->loc[id];
    const IrNode *a0 = n->nargs ? n->args[0] : NULL;
    int st;
    switch ((IrOp)n->op) {
    case IR_MATMUL:
    case IR_MATVEC:
      if (n->op == IR_MATMUL && pack_products(s, n, i, chains)) break;
      st = blas_step(s, n, dest, 1.0, NULL, 0.0);
      mark_written(s, id, st);
      break;
    case IR_SPMM: case IR_SPMTM:
      st = sparse_step(s, n, dest);
      mark_written(s, id, st);
      break;
    case IR_SUM:
      st = place(s, SS_LOOP, a0->shape.rows, a0->shape.cols, item(SI_SUM, dest, id), build_arg, n);
      mark_written(s, id, st);
      break;
    case IR_SUM_COLS: {
      SchedItem it = item(SI_SUM_COLS, dest, id);
      it.dest_rows = n->shape.rows;
      it.dest_cols = 1;
      st = place(s, SS_LOOP, a0->shape.rows, a0->shape.cols, it, build_arg, n);
      mark_written(s, id, st);
      break;
    }
    case IR_LSE:
      st = place(s, SS_LSE, a0->shape.rows, a0->shape.cols, item(SI_LSE, dest, id), build_arg, n);
      mark_written(s, id, st);
      break;
    case IR_SUM_ROWS: case IR_LSE_ROWS: case IR_ARGMAX_ROWS: {
      SchedItemKind k = n->op == IR_SUM_ROWS   ? SI_ROW_SUM
                        : n->op == IR_LSE_ROWS ? SI_ROW_LSE
                                               : SI_ROW_ARGMAX;
      st = place(s, SS_ROWS, a0->shape.rows, a0->shape.cols, item(k, dest, id), build_arg, n);
      mark_written(s, id, st);
      break;
    }
    case IR_CAT: case IR_HCAT: case IR_VCAT:
      build_cat(s, n);
      break;
    case IR_SCATTER: {
      SchedItem it = item(SI_SCATTER, dest, id);
      it.idx = leaf_buf(s, n->args[1]);
      it.idx_limit = n->shape.rows;
      it.dest_rows = n->shape.rows;
      it.dest_cols = n->shape.cols;
      st = place(s, SS_SCATTER, a0->shape.rows, a0->shape.cols, it, build_arg, n);
      mark_written(s, id, st);
      break;
    }
    /* everything else is computed element by element in a loop */
    case IR_OUTER: case IR_TRANSPOSE: case IR_BCAST: case IR_BCAST_ROWS: case IR_BCAST_COLS:
    case IR_RESHAPE: case IR_SLICE: case IR_PAD: case IR_GATHER: case IR_DIAGM: case IR_DIAGV:
    case IR_ONEHOT:
#define IRC_CASE_IRC_LEAF(id) case id:
#define IRC_CASE_IRC_EW1(id) case id:
#define IRC_CASE_IRC_EW2(id) case id:
#define IRC_CASE_IRC_EW3(id) case id:
#define IRC_CASE_IRC_GEN(id) case id:
#include "ir/ir_class_cases.h"
    case IR_OP_COUNT:
    {
      st = place(s, SS_LOOP, n->shape.rows, n->shape.cols, item(SI_WRITE, dest, id), build_node, n);
      mark_written(s, id, st);
      Step *sp = &s->steps[st];
      s->share_step[id] = st;
      s->share[id] = sp->st.items[sp->st.nitems - 1].expr;
      break;
    }
    }
  }
  /* outputs that are leaves, constants, or a second occurrence of a node */
  for (int i = 0; i < s->ncopies; i++) {
    const IrOutput *o = &s->copies[i];
    SchedBuf d = {SB_OUT, o->slot, o->offset, ld_of(o->node->shape), false, false};
    SchedItem it = item(SI_WRITE, d, UINT32_MAX);
    it.node = o->node->id;
    place(s, SS_LOOP, o->node->shape.rows, o->node->shape.cols, it, build_value, o->node);
  }
  return 0;
}

/* ------------------------------------------------------------------ finishing */

static bool flat_ok(const SchedExpr *e) {
  if (e->shape.rank == 0) return true;
  switch (e->op) {
  case SCHED_LOAD: return e->buf.ld == (e->shape.rank == 2 ? e->shape.cols : 1);
  case IR_CONST: return true;
  case IR_RESHAPE: return flat_ok(e->args[0]);
  default:
    if (e->op < (int)IR_OP_COUNT) {
      IrClass c = ir_ops[e->op].cls;
      if (c == IRC_EW1 || c == IRC_EW2 || c == IRC_EW3) {
        for (int i = 0; i < e->nargs; i++)
          if (!flat_ok(e->args[i])) return false;
        return true;
      }
    }
    return false;
  }
}

static void set_flat(SchedStep *st) {
  st->flat = false;
  if (st->kind != SS_LOOP || st->rows <= 1 || st->cols <= 1) return;
  for (int i = 0; i < st->nitems; i++) {
    const SchedItem *it = &st->items[i];
    if (it->kind == SI_WRITE) {
      if (it->dest.ld != st->cols) return;
    } else if (it->kind != SI_SUM) {
      return;
    }
    if (!flat_ok(it->expr)) return;
  }
  st->flat = true;
}

typedef struct Interval {
  uint32_t node;
  int start, end;
  int64_t size, off;
} Interval;

static int cmp_start(const void *a, const void *b) {
  const Interval *x = a, *y = b;
  if (x->start != y->start) return x->start < y->start ? -1 : 1;
  if (x->size != y->size) return x->size > y->size ? -1 : 1;
  return x->node < y->node ? -1 : x->node > y->node;
}

/* Linear scan over live intervals with first-fit placement; returns the peak. */
static int64_t allocate(Interval *iv, int n) {
  qsort(iv, (size_t)n, sizeof *iv, cmp_start);
  int64_t peak = 0;
  for (int i = 0; i < n; i++) {
    /* candidate offsets: 0 and the end of every interval overlapping in time */
    int64_t best = -1;
    for (int pass = -1; pass < i; pass++) {
      int64_t cand = pass < 0 ? 0 : iv[pass].off + ((iv[pass].size + ALIGN - 1) / ALIGN) * ALIGN;
      if (pass >= 0 && (iv[pass].end < iv[i].start)) continue;
      bool ok = true;
      for (int j = 0; j < i && ok; j++) {
        if (iv[j].end < iv[i].start || iv[j].start > iv[i].end) continue;
        int64_t jend = iv[j].off + ((iv[j].size + ALIGN - 1) / ALIGN) * ALIGN;
        if (cand < jend && iv[j].off < cand + iv[i].size) ok = false;
      }
      if (ok && (best < 0 || cand < best)) best = cand;
    }
    iv[i].off = best;
    int64_t end = best + ((iv[i].size + ALIGN - 1) / ALIGN) * ALIGN;
    if (end > peak) peak = end;
  }
  return peak;
}

/* Offsets added to work views by buffer id: add[id] for ids < n (finish: every buffer's
 * place; place_memo: the memo'd products' slots, 0 for the rest). index keeps the buffer id
 * (schedule_verify.c checks liveness by it; backends ignore it). */
typedef struct Rebase {
  const int64_t *add;
  uint32_t n;
  uint8_t *seen; /* expressions already done (they are shared within a kernel) */
} Rebase;

static void rebase_buf(SchedBuf *b, const Rebase *r) {
  if (b->base == SB_WORK && b->index >= 0 && (uint32_t)b->index < r->n)
    b->offset += r->add[b->index];
}

static void rebase_expr(SchedExpr *e, const Rebase *r) {
  if (r->seen[e->id]) return;
  r->seen[e->id] = 1;
  if (e->op == SCHED_LOAD) rebase_buf(&e->buf, r);
  for (int i = 0; i < e->nargs; i++) rebase_expr(e->args[i], r);
}

/* Every view of step st: its items, its product's operands, a region's reductions (not the
 * region's body steps). */
static void rebase_step(SchedStep *st, const Rebase *r) {
  for (int j = 0; j < st->nitems; j++) {
    rebase_buf(&st->items[j].dest, r);
    rebase_expr(st->items[j].expr, r);
  }
  rebase_buf(&st->blas.a, r);
  rebase_buf(&st->blas.b, r);
  rebase_buf(&st->blas.c, r);
  rebase_buf(&st->blas.alpha_buf, r);
  for (int j = 0; j < st->nreds; j++) {
    rebase_buf(&st->reds[j].part, r);
    rebase_buf(&st->reds[j].dest, r);
    rebase_buf(&st->reds[j].alpha_buf, r);
  }
}

static bool empty_step(const SchedStep *st) {
  return (st->kind == SS_LOOP || st->kind == SS_ROWS) && st->nitems == 0;
}

/* The final form of a step in *o (work offsets assigned, items and region bodies in the
 * arena); frees the planner's copies. Returns false for an empty step (nothing written). */
static bool output_step(Sch *s, SchedStep *st, SchedStep *o, const Rebase *r) {
  if (empty_step(st)) {
    free(st->items);
    return false;
  }
  rebase_step(st, r);
  set_flat(st);
  *o = *st;
  o->items = arena_calloc(s->a, (size_t)(st->nitems ? st->nitems : 1), sizeof(SchedItem));
  if (st->nitems) memcpy(o->items, st->items, (size_t)st->nitems * sizeof(SchedItem));
  free(st->items);
  if (st->kind == SS_PAR_ROWS) {
    o->body = arena_calloc(s->a, (size_t)(st->nbody ? st->nbody : 1), sizeof(SchedStep));
    int nb = 0;
    for (int j = 0; j < st->nbody; j++)
      if (output_step(s, &st->body[j], &o->body[nb], r)) nb++;
    o->nbody = nb;
    o->reds = arena_calloc(s->a, (size_t)(st->nreds ? st->nreds : 1), sizeof(SchedReduce));
    if (st->nreds) memcpy(o->reds, st->reds, (size_t)st->nreds * sizeof(SchedReduce));
    free(st->body);
    free(st->reds);
  }
  return true;
}

static int finish(Sch *s, SchedKernel *out) {
  /* a full write nobody reads (every consumer shares its expression) needs no buffer */
  for (int i = 0; i < s->nsteps; i++) {
    SchedStep *st = &s->steps[i].st;
    int w = 0;
    for (int j = 0; j < st->nitems; j++) {
      SchedItem *it = &st->items[j];
      bool drop = it->kind == SI_WRITE && !it->partial &&
                  (it->dest.base == SB_WORK || it->dest.base == SB_SREG) &&
                  it->node != UINT32_MAX && s->last[it->node] < 0 && !s->is_out[it->node] &&
                  s->share_step[it->node] == i;
      if (drop && it->dest.base == SB_WORK)
        s->bfirst[s->loc[it->node].index] = -1; /* its own buffer, written by this item only */
      else st->items[w++] = *it;
    }
    st->nitems = w;
  }
  sched_regions(s);
  /* work buffers by liveness */
  Interval *iv = xcalloc(s->nbufs + 1, sizeof(Interval));
  int niv = 0;
  int64_t *bufoff = xcalloc(s->nbufs, sizeof(int64_t));
  out->memo_nodes = arena_calloc(s->a, s->n + 1, sizeof(uint32_t));
  for (uint32_t b = 0; b < s->nbufs; b++) {
    if (s->bfirst[b] < 0) continue; /* never written (folded, dropped, or not a buffer) */
    if (b < s->n && s->memo[b]) { /* its slot's place: sched_problem */
      out->memo_nodes[out->nmemo++] = b;
      continue;
    }
    int end = s->blast[b] > s->bfirst[b] ? s->blast[b] : s->bfirst[b];
    iv[niv++] = (Interval){b, s->bfirst[b], end, s->bsize[b], 0};
  }
  int64_t work = allocate(iv, niv);
  for (int i = 0; i < niv; i++) bufoff[iv[i].node] = iv[i].off;
  out->materialised = niv;
  free(iv);
  Rebase r = {bufoff, s->nbufs, xcalloc((size_t)s->nexprs + 1, 1)};
  out->steps = arena_calloc(s->a, (size_t)(s->nsteps ? s->nsteps : 1), sizeof(SchedStep));
  int w = 0;
  for (int i = 0; i < s->nsteps; i++) {
    if (output_step(s, &s->steps[i].st, &out->steps[w], &r)) w++;
    sched_map_free(&s->steps[i].memo);
  }
  free(r.seen);
  free(bufoff);
  out->nsteps = w;
  out->work_size = work;
  out->nsregs = s->nsregs;
  out->nexprs = s->nexprs;
  if (!s->opt->copy_rows) sched_direct_rows(out);
  return 0;
}

/* ------------------------------------------------------------------ entry points */

static int plan_kernel(const IrGraph *g, const IrKernel *k, const SchedOptions *opt,
                       const uint8_t *memo_ok, const int32_t *xleaf, Arena *a, SchedKernel *out,
                       char *err, size_t errlen) {
  static const SchedOptions defaults = {0};
  memset(out, 0, sizeof *out);
  out->id = k->id;
  out->name = k->name;
  out->nslots = k->nslots;
  out->uses_v = k->uses_v;
  if (err && errlen) err[0] = '\0';
  Sch sch, *s = &sch;
  memset(s, 0, sizeof *s);
  char dummy[8];
  s->g = g;
  s->k = k;
  s->opt = opt ? opt : &defaults;
  s->a = a;
  s->err = err && errlen ? err : dummy;
  s->errlen = err && errlen ? errlen : sizeof dummy;
  s->n = g->count;
  if (k->nouts == 0) return 0;
  for (int i = 0; i < k->nouts; i++) {
    const IrOutput *o = &k->outs[i];
    if (!o->node) return fail(s, "kernel '%s': output %d has no value", k->name ? k->name : "?", i);
    if (o->slot < 0 || o->slot >= 4 || o->offset < 0 ||
        (k->slot_size[o->slot] > 0 &&
         o->offset + shape_size(o->node->shape) > k->slot_size[o->slot]))
      return fail(s, "kernel '%s': output %d (slot %d, offset %lld) lies outside its slot",
                  k->name ? k->name : "?", i, o->slot, (long long)o->offset);
  }
  uint32_t n = s->n;
  s->uses = xcalloc(n, sizeof(uint32_t));
  s->is_out = xcalloc(n, 1);
  s->mat = xcalloc(n, 1);
  s->cost = xcalloc(n, sizeof(int32_t));
  s->folded = xcalloc(n, 1);
  s->chain = xcalloc(n, sizeof(int32_t));
  s->def = xcalloc(n, sizeof(int32_t));
  s->blas_use = xcalloc(n, 1);
  s->capbufs = n + 16;
  s->nbufs = n;
  s->bfirst = xcalloc(s->capbufs, sizeof(int32_t));
  s->blast = xcalloc(s->capbufs, sizeof(int32_t));
  s->bsize = xcalloc(s->capbufs, sizeof(int64_t));
  for (uint32_t i = 0; i < n; i++) s->bfirst[i] = s->blast[i] = -1;
  s->last = xcalloc(n, sizeof(int32_t));
  s->share_step = xcalloc(n, sizeof(int32_t));
  s->share = xcalloc(n, sizeof(SchedExpr *));
  s->loc = xcalloc(n, sizeof(SchedBuf));
  s->has_loc = xcalloc(n, 1);
  s->copies = xcalloc((size_t)k->nouts, sizeof(IrOutput));
  s->memo_ok = s->opt->memo ? memo_ok : NULL;
  s->memo = xcalloc(n, 1);
  s->xleaf = xleaf;
  Chain **chains = xcalloc(n, sizeof(Chain *));
  for (uint32_t i = 0; i < n; i++) s->def[i] = s->last[i] = s->share_step[i] = -1;

  int rc = topo(s);
  for (size_t i = 0; i < s->norder && rc == 0; i++) {
    const IrNode *nd = s->order[i];
    if (ir_ops[nd->op].cls == IRC_GEN)
      rc = fail(s, "data-stage operation '%s' reached compiled kernel '%s'", ir_ops[nd->op].name,
                k->name ? k->name : "?");
    for (int j = 0; j < nd->nargs && !is_xleaf(s, nd); j++) {
      bool dup = false;
      for (int q = 0; q < j; q++) dup |= nd->args[q] == nd->args[j];
      if (!dup) s->uses[nd->args[j]->id]++;
    }
  }
  if (rc == 0) {
    for (int i = 0; i < k->nouts; i++) {
      const IrOutput *o = &k->outs[i];
      const IrNode *nd = o->node;
      s->uses[nd->id]++;
      if (is_leaf(s, nd) || s->is_out[nd->id]) {
        s->copies[s->ncopies++] = *o;
        continue;
      }
      s->is_out[nd->id] = 1;
      s->loc[nd->id] = (SchedBuf){SB_OUT, o->slot, o->offset, ld_of(nd->shape), false, false};
      s->has_loc[nd->id] = 1;
    }
    decide(s);
    fold_chains(s, chains);
    for (size_t i = 0; i < s->norder; i++) {
      const IrNode *nd = s->order[i];
      if (!s->mat[nd->id] || s->has_loc[nd->id]) continue;
      if (nd->shape.rank == 0)
        s->loc[nd->id] = (SchedBuf){SB_SREG, s->nsregs++, 0, 1, false, false};
      else {
        s->loc[nd->id] = (SchedBuf){SB_WORK, (int)nd->id, 0, ld_of(nd->shape), false, false};
        /* X[S, :] of a data matrix X (not a rank's rows of sharded data) */
        s->loc[nd->id].rows_of_data = nd->op == IR_GATHER && !nd->attr[1] &&
                                      nd->args[0]->op == IR_DATA && nd->shape.rank == 2;
        s->bsize[nd->id] = shape_size(nd->shape);
      }
      s->has_loc[nd->id] = 1;
    }
    rc = build_steps(s, chains);
  }
  if (rc == 0) rc = finish(s, out);
  else
    for (int i = 0; i < s->nsteps; i++) {
      free(s->steps[i].st.items);
      sched_map_free(&s->steps[i].memo);
    }
  for (uint32_t i = 0; i < n; i++)
    if (chains[i]) {
      free(chains[i]->terms);
      free(chains[i]);
    }
  free(chains);
  free(s->steps);
  free(s->uses);
  free(s->is_out);
  free(s->mat);
  free(s->cost);
  free(s->folded);
  free(s->chain);
  free(s->def);
  free(s->blas_use);
  free(s->bfirst);
  free(s->blast);
  free(s->bsize);
  free(s->last);
  free(s->share_step);
  free(s->share);
  free(s->loc);
  free(s->has_loc);
  free(s->copies);
  free(s->memo);
  return rc;
}

int sched_kernel(const IrGraph *g, const IrKernel *k, const SchedOptions *opt, Arena *a,
                 SchedKernel *out, char *err, size_t errlen) {
  return plan_kernel(g, k, opt, NULL, NULL, a, out, err, errlen);
}

/* The products worth a memo slot (SchedOptions.memo): a b' (a data, not transposed) with b
 * depending on y but not on v or the samples, computed by a kernel that reads v. Such
 * kernels (Hessian and mixed products) are the ones methods call again at the same y (a
 * Lanczos or CG solve, the mixed product after it), and the same product in the gradient
 * kernels is then found in the slot too. Products of the gradient alone change with every
 * call (y moves each inner step), so they get no slot: it would only cost the copy. */
static uint8_t *memo_products(const IrProblem *p) {
  const IrGraph *g = &p->graph;
  uint8_t *reach = xcalloc(g->count + 1, 1), *ok = xcalloc(g->count + 1, 1);
  for (int id = 0; id < BLO_K_COUNT; id++)
    if (p->kernels[id].uses_v)
      for (int i = 0; i < p->kernels[id].nouts; i++) reach[p->kernels[id].outs[i].node->id] = 1;
  for (uint32_t i = g->count; i-- > 0;) { /* operands have smaller ids */
    const IrNode *n = g->nodes[i];
    if (!reach[i] || !n) continue;
    for (int j = 0; j < n->nargs; j++) reach[n->args[j]->id] = 1;
    if (n->op != IR_MATMUL && n->op != IR_MATVEC) continue;
    bool ta;
    const IrNode *a = strip_t(n->args[0], &ta);
    ok[i] = !ta && a->op == IR_DATA && ir_depends(n->args[1], IR_DEP_Y) &&
            !ir_depends(n->args[1], IR_DEP_V | IR_DEP_SAMPLE);
  }
  free(reach);
  return ok;
}

/* Every view of a memo'd product's buffer moves to its slot (r->add[node]: the offset of c);
 * a memo'd product learns its slot's header (hdr[node]). */
static void memo_steps(SchedStep *st, int n, const Rebase *r, const int64_t *hdr) {
  for (int i = 0; i < n; i++) {
    rebase_step(&st[i], r);
    if (st[i].blas.memo) st[i].blas.memo_at = hdr[st[i].blas.c.index];
    if (st[i].kind == SS_PAR_ROWS) memo_steps(st[i].body, st[i].nbody, r, hdr);
  }
}

static int64_t align_up(int64_t n) { return (n + SCHED_ALIGN - 1) / SCHED_ALIGN * SCHED_ALIGN; }

/* The memo slots after the largest kernel's work, one per product node whichever kernels
 * compute it (SCHED_MEMO_MAGIC in schedule.h); each kernel's work_size then covers its slots. */
static void place_memo(const IrProblem *p, SchedPlan *plan) {
  uint32_t count = p->graph.count;
  int64_t *coff = xcalloc(count + 1, sizeof(int64_t)), *hdr = xcalloc(count + 1, sizeof(int64_t));
  int64_t *kcoff = xcalloc(count + 1, sizeof(int64_t)); /* the kernel's own memo'd nodes only */
  int64_t end = align_up(plan->work_size);
  for (int id = 0; id < BLO_K_COUNT; id++) {
    SchedKernel *k = &plan->kernels[id];
    if (!plan->present[id] || k->nmemo == 0) continue;
    for (int i = 0; i < k->nmemo; i++) {
      const IrNode *nd = p->graph.nodes[k->memo_nodes[i]];
      int64_t m = nd->shape.rows, n = nd->shape.rank == 2 ? nd->shape.cols : 1;
      if (!coff[nd->id]) { /* a new slot (a slot's c is never at offset 0: its header is first) */
        hdr[nd->id] = end;
        coff[nd->id] = align_up(end + SCHED_MEMO_HEADER + n * nd->args[0]->shape.cols);
        end = align_up(coff[nd->id] + m * n);
        plan->nmemo++;
      }
      kcoff[nd->id] = coff[nd->id];
      if (coff[nd->id] + m * n > k->work_size) k->work_size = coff[nd->id] + m * n;
    }
    Rebase r = {kcoff, count, xcalloc((size_t)k->nexprs + 1, 1)};
    memo_steps(k->steps, k->nsteps, &r, hdr);
    free(r.seen);
    for (int i = 0; i < k->nmemo; i++) kcoff[k->memo_nodes[i]] = 0;
  }
  if (plan->nmemo) plan->work_size = end;
  free(coff);
  free(hdr);
  free(kcoff);
}

/* ------------------------------------------------------------------ x-memo slots */

/* Depends on x and the data only. */
static bool x_only(const IrNode *n) {
  return (n->deps & IR_DEP_X) && !(n->deps & (IR_DEP_Y | IR_DEP_V | IR_DEP_SAMPLE)) &&
         !n->shape.sparse;
}

/* Adds to *c the operations a call spends on n and its operands not yet counted (mark[id] ==
 * gen: counted), by the cost model of ir_ops.def per element (of the operand for a reduction),
 * 2mnk a product; stops once *c reaches `enough` (the walk then visits each node of a large
 * x-only graph a bounded number of times). */
static void sub_cost(const IrNode *n, uint32_t *mark, uint32_t gen, double enough, double *c) {
  if (*c >= enough || mark[n->id] == gen || ir_ops[n->op].cls == IRC_LEAF) return;
  mark[n->id] = gen;
  if (n->op == IR_MATMUL || n->op == IR_MATVEC)
    *c += 2.0 * (double)shape_size(n->shape) * (double)n->args[0]->shape.cols;
  else if (ir_ops[n->op].cls == IRC_REDUCE && n->nargs)
    *c += (double)ir_ops[n->op].cost * (double)shape_size(n->args[0]->shape);
  else
    *c += (double)ir_ops[n->op].cost * (double)shape_size(n->shape);
  for (int i = 0; i < n->nargs; i++) sub_cost(n->args[i], mark, gen, enough, c);
}

typedef struct XPick {
  const IrProblem *p;
  uint32_t *mark, gen;   /* sub_cost's */
  uint8_t *seen;         /* the current kernel's walk */
  uint8_t *is_out;       /* the current kernel's outputs */
  int32_t *slot;         /* node id -> 1 + its slot (every kernel's), 0: none yet */
  int32_t *kleaf;        /* the current kernel's xleaf (slot + 1 by node id) */
  uint32_t *nodes;       /* the slots' nodes */
  int n;
  int64_t doubles;       /* of the slots so far */
  int *kslots, nk;       /* the current kernel's slots */
} XPick;

/* Worth a slot: an x-only value, not a view (its operand is the one to keep) nor a kernel
 * output, whose computation costs enough in all and per element that reading it back wins. */
static bool xmemo_worth(XPick *x, const IrNode *n) {
  if (!x_only(n) || ir_ops[n->op].cls == IRC_LEAF || ir_ops[n->op].cost == 0 ||
      ir_ops[n->op].cls == IRC_GEN || x->is_out[n->id])
    return false;
  double size = (double)shape_size(n->shape), enough = SCHED_XMEMO_MIN_COST, cost = 0;
  if (SCHED_XMEMO_RATIO * size > enough) enough = SCHED_XMEMO_RATIO * size;
  if (SCHED_XMEMO_RATIO * (double)x->p->nx > enough) enough = SCHED_XMEMO_RATIO * (double)x->p->nx;
  sub_cost(n, x->mark, ++x->gen, enough, &cost);
  return cost >= enough;
}

/* The maximal nodes worth a slot under n, by a walk from the kernel's outputs. */
static void xmemo_walk(XPick *x, const IrNode *n) {
  if (x->seen[n->id]) return;
  x->seen[n->id] = 1;
  if (!(n->deps & IR_DEP_X)) return;
  if (xmemo_worth(x, n)) {
    int64_t size = shape_size(n->shape);
    if (!x->slot[n->id]) {
      if (x->doubles + size > SCHED_XMEMO_MAX_DOUBLES) return; /* computed in the kernel */
      x->doubles += size;
      x->nodes[x->n++] = n->id;
      x->slot[n->id] = x->n;
    }
    x->kleaf[n->id] = x->slot[n->id];
    x->kslots[x->nk++] = x->slot[n->id] - 1;
    return;
  }
  for (int i = 0; i < n->nargs; i++) xmemo_walk(x, n->args[i]);
}

/* Plans the stage of every slot (its scratch is the start of the work buffer, so before the
 * memo slots are placed). Returns 0 or -1 with err set. */
static int plan_stages(const IrProblem *p, const SchedOptions *opt, XPick *x, Arena *a,
                       SchedPlan *plan, char *err, size_t errlen) {
  SchedOptions so = *opt;
  so.memo = so.xmemo = false;
  so.no_skinny = true; /* products of x and data: BLAS (the skinny functions are per kernel) */
  plan->xmemo = arena_calloc(a, (size_t)x->n + 1, sizeof(SchedXMemo));
  plan->nxmemo = x->n;
  for (int j = 0; j < x->n; j++) {
    SchedXMemo *xm = &plan->xmemo[j];
    IrNode *nd = p->graph.nodes[x->nodes[j]];
    xm->node = nd->id;
    xm->size = shape_size(nd->shape);
    xm->nx = p->nx;
    xm->ik.id = BLO_K_COUNT; /* none of the ABI's */
    xm->ik.name = "xmemo";
    xm->ik.outs = arena_calloc(a, 1, sizeof(IrOutput));
    xm->ik.outs[0] = (IrOutput){0, 0, nd, false};
    xm->ik.nouts = 1;
    xm->ik.nslots = 1;
    xm->ik.slot_size[0] = xm->size;
    if (plan_kernel(&p->graph, &xm->ik, &so, NULL, NULL, a, &xm->stage, err, errlen)) return -1;
    if (xm->stage.work_size > plan->work_size) plan->work_size = xm->stage.work_size;
  }
  return 0;
}

/* The x-memo slots after the memo slots: header (magic, x), then the value (SchedXMemo). */
static void place_xmemo(const IrProblem *p, SchedPlan *plan) {
  int64_t end = align_up(plan->work_size);
  for (int j = 0; j < plan->nxmemo; j++) {
    SchedXMemo *xm = &plan->xmemo[j];
    xm->hdr = end;
    xm->at = align_up(end + 1 + p->nx);
    end = align_up(xm->at + xm->size);
  }
  if (plan->nxmemo) plan->work_size = end;
  for (int id = 0; id < BLO_K_COUNT; id++) {
    SchedKernel *k = &plan->kernels[id];
    for (int i = 0; plan->present[id] && i < k->nxmemo; i++) {
      const SchedXMemo *xm = &plan->xmemo[k->xmemo[i]];
      if (xm->at + xm->size > k->work_size) k->work_size = xm->at + xm->size;
    }
  }
}

int sched_problem(const IrProblem *p, const SchedOptions *opt, Arena *a, SchedPlan *plan, char *err,
                  size_t errlen) {
  memset(plan, 0, sizeof *plan);
  uint8_t *memo_ok = opt && opt->memo ? memo_products(p) : NULL;
  uint32_t count = p->graph.count + 1;
  XPick x = {p, NULL, 0, NULL, NULL, NULL, NULL, NULL, 0, 0, NULL, 0};
  if (opt && opt->xmemo) {
    x.mark = xcalloc(count, sizeof(uint32_t));
    x.seen = xcalloc(count, 1);
    x.is_out = xcalloc(count, 1);
    x.slot = xcalloc(count, sizeof(int32_t));
    x.kleaf = xcalloc(count, sizeof(int32_t));
    x.nodes = xcalloc(count, sizeof(uint32_t));
    x.kslots = xcalloc(count, sizeof(int));
  }
  int rc = 0;
  for (int id = 0; id < BLO_K_COUNT && rc == 0; id++) {
    const IrKernel *k = &p->kernels[id];
    if (k->nouts == 0) continue;
    x.nk = 0;
    if (x.seen) {
      memset(x.seen, 0, count);
      memset(x.is_out, 0, count);
      memset(x.kleaf, 0, count * sizeof(int32_t));
      for (int o = 0; o < k->nouts; o++) x.is_out[k->outs[o].node->id] = 1;
      for (int o = 0; o < k->nouts; o++) xmemo_walk(&x, k->outs[o].node);
    }
    SchedKernel *sk = &plan->kernels[id];
    rc = plan_kernel(&p->graph, k, opt, memo_ok, x.nk ? x.kleaf : NULL, a, sk, err, errlen);
    if (rc) break;
    sk->id = (BloKernelId)id;
    plan->present[id] = true;
    sk->nxmemo = x.nk;
    sk->xmemo = arena_calloc(a, (size_t)x.nk + 1, sizeof(int));
    if (x.nk) memcpy(sk->xmemo, x.kslots, (size_t)x.nk * sizeof(int));
    if (sk->work_size > plan->work_size) plan->work_size = sk->work_size;
  }
  free(memo_ok);
  if (rc == 0 && x.n) rc = plan_stages(p, opt, &x, a, plan, err, errlen);
  if (rc == 0) place_memo(p, plan);
  if (rc == 0) place_xmemo(p, plan);
  free(x.mark);
  free(x.seen);
  free(x.is_out);
  free(x.slot);
  free(x.kleaf);
  free(x.nodes);
  free(x.kslots);
  if (rc) return -1;
  sched_verify_after(p, plan, "planning");
  return 0;
}

static int count_steps(const SchedStep *steps, int n, SchedStepKind kind) {
  int c = 0;
  for (int i = 0; i < n; i++) {
    c += steps[i].kind == kind;
    if (steps[i].kind == SS_PAR_ROWS) c += count_steps(steps[i].body, steps[i].nbody, kind);
  }
  return c;
}

static int count_items(const SchedStep *steps, int n, SchedItemKind kind) {
  int c = 0;
  for (int i = 0; i < n; i++) {
    for (int j = 0; j < steps[i].nitems; j++) c += steps[i].items[j].kind == kind;
    if (steps[i].kind == SS_PAR_ROWS) c += count_items(steps[i].body, steps[i].nbody, kind);
  }
  return c;
}

int sched_count_steps(const SchedKernel *k, SchedStepKind kind) {
  return count_steps(k->steps, k->nsteps, kind);
}

int sched_count_items(const SchedKernel *k, SchedItemKind kind) {
  return count_items(k->steps, k->nsteps, kind);
}

static int64_t steps_size(const SchedStep *steps, int n) {
  int64_t size = 0;
  for (int i = 0; i < n; i++) {
    size += 8 + 4 * steps[i].nitems;
    if (steps[i].kind == SS_SKINNY_GEMM) size += 40; /* tiles and tails */
    if (steps[i].kind == SS_PAR_ROWS)
      size += 20 + 8 * steps[i].nreds + steps_size(steps[i].body, steps[i].nbody);
  }
  return size;
}

int64_t sched_kernel_size(const SchedKernel *k) {
  return k->nexprs + steps_size(k->steps, k->nsteps);
}

static int64_t ld1(int64_t ld) { return ld > 1 ? ld : 1; }

SchedGemm sched_as_gemm(const SchedStep *st) {
  const SchedBlas *b = &st->blas;
  SchedGemm g = {b->trans_a, b->trans_b, b->m, b->n, b->k, ld1(b->a.ld), ld1(b->b.ld),
                 ld1(b->c.ld), b->beta};
  switch (st->kind) {
  case SS_GEMV: /* a stored m x n; b, c vectors (k x 1 and m x 1, stride 1) */
    g = (SchedGemm){b->trans_a, 0, b->trans_a ? b->n : b->m, 1, b->trans_a ? b->m : b->n,
                    ld1(b->a.ld), 1, 1, b->beta};
    break;
  case SS_SYMV:
    g = (SchedGemm){0, 0, b->m, 1, b->m, ld1(b->a.ld), 1, 1, b->beta};
    break;
  case SS_GER: /* c += a b': a is m x 1, b 1 x n */
    g = (SchedGemm){0, 0, b->m, b->n, 1, 1, b->n, ld1(b->c.ld), 1};
    break;
  default: break;
  }
  return g;
}
