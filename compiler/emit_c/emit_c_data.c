/* emit_c_data.c — the data stage of a generated solver: C that recomputes, at run time, what
 * pipeline.c computes before solving — every data declaration in order (files through the
 * runtime's loaders, generators through its RNG streams, derived tensors node by node through
 * the runtime's data ops, rt_dataops.c, which eval.c calls too, so the values are the
 * evaluator's), the finiteness and symmetry checks, the hoisted kernel subexpressions and the
 * initial values — or, with --embed-data, the values themselves. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support/alloc.h"
#include "emit_c/emit_c_int.h"
#include "ir/shard.h"

/* An int64_t in a format string of the generated code. */
#define I64 "%" PRId64

const char *emit_data_name(const Emit *e, int k, char buf[80]) {
  const IrProblem *p = e->p;
  if (k < p->ndata) snprintf(buf, 80, "%s", e->c->prog->data[k]->name);
  else snprintf(buf, 80, "derived%d", k - p->ndata);
  return buf;
}

/* ------------------------------------------------------------------ one graph */

typedef struct G {
  Emit *e;
  EmitBuf *out;
  const char *what; /* the declaration, for messages: "data 'X' (file.blo:3)" */
  /* the same without the place, for the solver's run-time messages, which the caller begins
   * with it ("file.blo:3: data 'X' : ...: index [2] is 19, ..."): said twice before */
  const char *named;
  uint32_t *slot;   /* node id -> index in m[] + 1 (owned buffers) */
  uint32_t nslots;
  bool uses_seed, uses_t, uses_x;
  bool k, r; /* scratch variables the body uses */
} G;

/* The C expression of node n's buffer (an alias for leaves in memory). */
static const char *val(G *g, const IrNode *n, char buf[64]) {
  switch ((IrOp)n->op) {
  case IR_DATA:
    g->uses_t = true;
    snprintf(buf, 64, "t[%" PRId64 "]", n->attr[0]);
    return buf;
  case IR_VAR:
    g->uses_x = true;
    if (n->attr[2]) snprintf(buf, 64, "(x + %" PRId64 ")", n->attr[2]);
    else snprintf(buf, 64, "x");
    return buf;
  default: snprintf(buf, 64, "m[%u]", g->slot[n->id] - 1); return buf;
  }
}

/* Element i (or 0 for a scalar operand) of operand j of n. */
static void opnd(G *g, const IrNode *n, int j, const char *i, char *out, size_t len) {
  char b[64];
  const IrNode *a = n->args[j];
  snprintf(out, len, "%s[%s]", val(g, a, b), a->shape.rank == 0 ? "0" : i);
}

static void line(G *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void line(G *g, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  emit_buf_puts(g->out, "  ");
  emit_buf_vprintf(g->out, fmt, ap);
  emit_buf_puts(g->out, "\n");
  va_end(ap);
}

/* The random stream of a generator node, named as in the evaluator. */
static void rng_stream(G *g, const IrNode *n) {
  EmitBuf name = {0};
  emit_c_string(&name, n->str ? n->str : "");
  line(g, "r = rt_rng_stream(seed, %s);", name.s);
  emit_buf_free(&name);
}

/* bloc resolved path against the .blo file's directory, which is relative when the .blo path
 * was: the solver must find the file from wherever it runs, so a relative path becomes
 * absolute against the directory bloc emit-c runs in (where bloc itself would open it). */
static const char *absolute_path(Emit *e, const char *path) {
  if (path[0] == '/' || !path[0]) return path;
  char cwd[4096];
  if (!getcwd(cwd, sizeof cwd)) {
    emit_fail(e, 1, "cannot make the data path '%s' absolute: the current directory is unknown",
              path);
    return path;
  }
  while (path[0] == '.' && path[1] == '/') path += 2; /* "./a.csv" -> "/dir/a.csv" */
  return arena_printf(&e->arena, "%s/%s", cwd, path);
}

void emit_data_write_inputs(Emit *e, FILE *f) {
  fputs("\n/* The data files the solver reads, which no output may replace (as bloc run) */\n"
        "static RT_MAYBE_UNUSED const char *const emit_inputs[] = {", /* main's alone */
        f);
  const IrGraph *g = e->o->embed_data || !e->c->ir ? NULL : &e->c->ir->graph;
  for (uint32_t i = 0; g && i < g->count; i++) {
    const IrNode *n = g->nodes[i];
    if (n->op != IR_LOAD || !n->str) continue;
    EmitBuf path = {0};
    emit_c_string(&path, absolute_path(e, n->str));
    fprintf(f, "%s, ", path.s);
    emit_buf_free(&path);
  }
  fputs("NULL};\n", f);
}

/* The end of an emitted bad-value message of onehot or take (the caller printed its start,
 * up to "... not a class: the "): "WHO are the integers 0..last", where the value came from
 * when it is a file's (as bloc's data stage names it, 0-based), the position k (the value's
 * index in the emitted loop plus k0, the rank's offset) and the value vals[k]; then the
 * jump out. */
static void place_and_fail(G *g, const char *who, int64_t last, IrLoadedAt at, int64_t k0,
                           const char *vals) {
  const IrNode *ld = at.load;
  EmitBuf path = {0};
  emit_c_string(&path, ld ? absolute_path(g->e, ld->str) : "");
  line(g, "           \"%s are the integers 0..%" PRId64 "%s\", \"%s\",", who, last,
       !ld ? "" : at.c0 < 0 ? " (value [%lld] of '%s')" : " (row [%lld], column [%lld] of '%s')",
       g->named);
  line(g, "           (long long)k + %" PRId64 ", rt_fmt_num(%s[k], lb)%s", k0, vals,
       ld ? "," : ");");
  if (ld && at.c0 < 0)
    line(g, "           (long long)k + %" PRId64 ", %s);", at.r0, path.s);
  else if (ld)
    line(g, "           %" PRId64 " + (long long)k * %" PRId64 ", %" PRId64 " + (long long)k * "
         "%" PRId64 ", %s);", at.r0, at.dr, at.c0, at.dc, path.s);
  line(g, "  goto done;");
  line(g, "}");
  emit_buf_free(&path);
}

/* The rows of load n the solver reads: its first rows when the data stage reads no other
 * (c->rows_needed, as bloc's data stage does), else -1. A 60000-row image file sliced to 100
 * rows was decoded whole, 1.1 s and 737 MB where bloc run took 0.04 s and 63 MB; the rest of
 * its buffer is never touched. */
static int64_t load_first_rows(const Emit *e, const IrNode *n) {
  if (n->op != IR_LOAD || n->attr[1] != 0 || n->attr[3] > 0 || !e->c->rows_needed) return -1;
  for (int k = 0; k < e->p->ndata; k++)
    if (e->p->data_value[k] == n) return e->c->rows_needed[k];
  return -1;
}

static void node_code(G *g, const IrNode *n) {
  Emit *e = g->e;
  char o[64], a[64], b[64], nb[48], nb2[48];
  int64_t size = shape_size(n->shape), m = n->shape.rows, nc = n->shape.cols;
  val(g, n, o);
  const IrNode *a0 = n->nargs ? n->args[0] : NULL;
  IrClass cls = ir_ops[n->op].cls;
  if (cls == IRC_EW1 || cls == IRC_EW2 || cls == IRC_EW3) {
    char x[3][96] = {"", "", ""};
    for (int j = 0; j < n->nargs && j < 3; j++) opnd(g, n, j, "i", x[j], sizeof x[j]);
    EmitBuf ex = {0};
    if (!emit_ew_expr(&ex, n->op, n->num, x[0], x[1], x[2]))
      emit_fail(e, -1, "data stage: op '%s' is not elementwise", ir_ops[n->op].name);
    line(g, "for (i = 0; i < %" PRId64 "; i++) %s[i] = %s;", size, o, ex.s ? ex.s : "0.0");
    emit_buf_free(&ex);
    return;
  }
  switch ((IrOp)n->op) {
  case IR_CONST: line(g, "rt_dop_fill(%s, " I64 ", %s);", o, size, emit_num(n->num, nb)); return;
  case IR_SUM: case IR_LSE:
    line(g, "%s[0] = rt_dop_%s(%s, " I64 ");", o, n->op == IR_SUM ? "sum" : "lse", val(g, a0, a),
         shape_size(a0->shape));
    return;
  case IR_SUM_ROWS: case IR_LSE_ROWS: case IR_ARGMAX_ROWS: case IR_SUM_COLS: {
    const char *f = n->op == IR_SUM_ROWS    ? "sum_rows"
                    : n->op == IR_LSE_ROWS  ? "lse_rows"
                    : n->op == IR_SUM_COLS  ? "sum_cols"
                                            : "argmax_rows";
    line(g, "rt_dop_%s(%s, " I64 ", " I64 ", %s);", f, val(g, a0, a), a0->shape.rows,
         a0->shape.cols, o);
    return;
  }
  case IR_MATMUL: case IR_MATVEC: /* a matrix-vector product is a product with n = 1 */
    line(g, "rt_dop_matmul(%s, %s, " I64 ", " I64 ", " I64 ", %s);", val(g, a0, a),
         val(g, n->args[1], b), m, a0->shape.cols, n->op == IR_MATMUL ? nc : 1, o);
    return;
  case IR_SPMM: case IR_SPMTM: { /* of a declared sparse matrix (samples never reach here) */
    int64_t w = n->shape.rank == 2 ? nc : 1;
    line(g, "rt_sparse_mul((const RtSparse *)(const void *)%s, NULL, " I64 ", %d, " I64 ", %s, " I64
         ", %s, " I64 ");", val(g, a0, a), a0->shape.rows, n->op == IR_SPMTM, w,
         val(g, n->args[1], b), w, o, w);
    return;
  }
  case IR_DENSE:
    line(g, "rt_sparse_to_dense((const RtSparse *)(const void *)%s, %s);", val(g, a0, a), o);
    return;
  case IR_OUTER:
    line(g, "rt_dop_outer(%s, %s, " I64 ", " I64 ", %s);", val(g, a0, a), val(g, n->args[1], b), m,
         nc, o);
    return;
  case IR_TRANSPOSE:
    line(g, "rt_dop_transpose(%s, " I64 ", " I64 ", %s);", val(g, a0, a), nc, m, o);
    return;
  case IR_BCAST: line(g, "rt_dop_fill(%s, " I64 ", %s[0]);", o, size, val(g, a0, a)); return;
  case IR_BCAST_ROWS: case IR_BCAST_COLS:
    line(g, "rt_dop_bcast_%s(%s, " I64 ", " I64 ", %s);", n->op == IR_BCAST_ROWS ? "rows" : "cols",
         val(g, a0, a), m, nc, o);
    return;
  case IR_RESHAPE:
    line(g, "memcpy(%s, %s, " I64 " * sizeof(double));", o, val(g, a0, a), size);
    return;
  case IR_SLICE: /* the block at row attr[0], column attr[2] */
    line(g, "rt_dop_copy_block(%s + " I64 ", " I64 ", " I64 ", " I64 ", %s, " I64 ");",
         val(g, a0, a), n->attr[0] * a0->shape.cols + n->attr[2], a0->shape.cols, m, nc, o, nc);
    return;
  case IR_PAD: /* zeros around the operand, placed at row attr[0], column attr[2] */
    line(g, "rt_dop_fill(%s, " I64 ", 0);", o, size);
    line(g, "rt_dop_copy_block(%s, " I64 ", " I64 ", " I64 ", %s + " I64 ", " I64 ");",
         val(g, a0, a), a0->shape.cols, a0->shape.rows, a0->shape.cols, o,
         n->attr[0] * nc + n->attr[2], nc);
    return;
  case IR_GATHER: case IR_SCATTER: {
    g->k = true;
    int64_t k = n->args[1]->shape.rows;
    int64_t limit = n->op == IR_GATHER ? a0->shape.rows : m;
    val(g, a0, a);
    val(g, n->args[1], b);
    if (n->op == IR_GATHER)
      line(g, "if ((k = rt_dop_gather(%s, " I64 ", " I64 ", %s, " I64 ", %s)) >= 0) {", a, limit,
           nc, b, k, o);
    else
      line(g, "if ((k = rt_dop_scatter(%s, " I64 ", " I64 ", %s, " I64 ", %s)) >= 0) {", a, k,
           a0->shape.cols, b, limit, o);
    line(g, "  snprintf(err, errlen, \"%%s: index %%lld out of range 0.." I64 "\", \"%s\",",
         limit - 1, g->named);
    line(g, "           (long long)(int64_t)%s[k]);", b);
    line(g, "  goto done;");
    line(g, "}");
    return;
  }
  case IR_DIAGM: line(g, "rt_dop_diag_matrix(%s, " I64 ", %s);", val(g, a0, a), m, o); return;
  case IR_DIAGV: line(g, "rt_dop_diag_vector(%s, " I64 ", %s);", val(g, a0, a), m, o); return;
  case IR_CAT: case IR_VCAT: {
    int64_t at0 = 0;
    for (int j = 0; j < n->nargs; j++) {
      int64_t k = shape_size(n->args[j]->shape);
      line(g, "memcpy(%s + " I64 ", %s, " I64 " * sizeof(double));", o, at0, val(g, n->args[j], a),
           k);
      at0 += k;
    }
    return;
  }
  case IR_HCAT: { /* each operand is the column block of its width at column c0 */
    int64_t c0 = 0;
    for (int j = 0; j < n->nargs; j++) {
      const IrNode *src = n->args[j];
      int64_t w = src->shape.rank == 2 ? src->shape.cols : 1;
      line(g, "rt_dop_copy_block(%s, " I64 ", " I64 ", " I64 ", %s + " I64 ", " I64 ");",
           val(g, src, a), w, m, w, o, c0, nc);
      c0 += w;
    }
    return;
  }
  case IR_ONEHOT: { /* a label that is not a class is an error, as in bloc's data stage;
                     * attr[0] numbers the rank's labels as all of them are (ir_ops.def) */
    IrLoadedAt at = ir_loaded_from(g->e->p, a0, NULL); /* the file, as bloc names it */
    g->k = true;
    line(g, "if ((k = rt_dop_onehot(%s, " I64 ", " I64 ", %s)) >= 0) {", val(g, a0, a), m, nc, o);
    line(g, "  char lb[RT_FMT_NUM_LEN];");
    line(g, "  snprintf(err, errlen, \"%%s: label [%%lld] of 'onehot' is %%s, not a class: the \"");
    place_and_fail(g, "classes", nc - 1, at, n->attr[0], a);
    return;
  }
  case IR_TAKE: { /* an index that is not a row (column) is an error, as in bloc's data stage;
                   * attr[1] numbers the rank's indices as all of them are (ir_ops.def) */
    const IrNode *ix = n->args[1];
    IrLoadedAt at = ir_loaded_from(g->e->p, ix, NULL); /* the file, as bloc names it */
    bool cols = n->attr[0] == 1, vec = a0->shape.rank == 1;
    int64_t count = cols ? a0->shape.cols : a0->shape.rows;
    char sb[64];
    g->k = true;
    line(g, "if ((k = rt_dop_take(%s, " I64 ", " I64 ", %s, " I64 ", %d, %s)) >= 0) {",
         val(g, a0, a), a0->shape.rows, vec ? 1 : a0->shape.cols, val(g, ix, b), ix->shape.rows,
         cols, o);
    line(g, "  char lb[RT_FMT_NUM_LEN];");
    line(g, "  snprintf(err, errlen, \"%%s: index [%%lld] is %%s, not a%s %s of the %s: \"",
         vec ? "n" : "", vec ? "element" : cols ? "column" : "row", shape_str(a0->shape, sb));
    place_and_fail(g, "they", count - 1, at, n->attr[1], b);
    return;
  }
  case IR_LOAD: {
    static const char *const fmts[] = {"csv", "idx", "libsvm", "npy", "libsvm_labels"};
    EmitBuf path = {0};
    emit_c_string(&path, absolute_path(e, n->str ? n->str : ""));
    if (n->attr[0] < 0 || n->attr[0] > 4 || n->shape.sparse)
      emit_fail(e, -1, "data stage: unknown file format " I64, n->attr[0]);
    if (n->attr[3] > 0) { /* sharded: this rank's rows attr[2].. of attr[3] (ir/shard.c) */
      line(g,
           "if (blo_load_rows(\"%s\", %s, rt_shape(%d, " I64 ", " I64 "), " I64 ", " I64 ", " I64
           ", %s, rt_err(err, errlen))) goto done;",
           fmts[n->attr[0]], path.s, n->shape.rank, n->attr[3], nc, n->attr[1], n->attr[2], m, o);
      emit_buf_free(&path);
      return;
    }
    int64_t first = load_first_rows(e, n);
    if (first > 0)
      line(g,
           "if (blo_load_rows(\"%s\", %s, rt_shape(%d, " I64 ", " I64 "), 0, 0, " I64
           ", %s, rt_err(err, errlen))) goto done;",
           fmts[n->attr[0]], path.s, n->shape.rank, m, nc, first, o);
    else
      line(g,
           "if (blo_load(\"%s\", %s, rt_shape(%d, " I64 ", " I64 "), " I64
           ", %s, rt_err(err, errlen))) goto done;",
           fmts[n->attr[0]], path.s, n->shape.rank, m, nc, n->attr[1], o);
    emit_buf_free(&path);
    return;
  }
  case IR_RAND: {
    g->uses_seed = g->r = true;
    rng_stream(g, n);
    switch ((IrRandKind)n->attr[0]) {
    case IR_RAND_UNIFORM:
      line(g, "rt_rng_fill_uniform(&r, %s, %s, %s, " I64 ");", emit_num(n->num, nb),
           emit_num(n->num2, nb2), o, size);
      break;
    case IR_RAND_NORMAL:
      line(g, "rt_rng_fill_normal(&r, %s, %s, %s, " I64 ");", emit_num(n->num, nb),
           emit_num(n->num2, nb2), o, size);
      break;
    case IR_RAND_RANDINT:
      line(g, "rt_rng_fill_randint(&r, " I64 ", " I64 ", %s, " I64 ");", (int64_t)n->num,
           (int64_t)n->num2, o, size);
      break;
    case IR_RAND_BERNOULLI:
      line(g, "rt_rng_fill_bernoulli(&r, %s, %s, " I64 ");", emit_num(n->num, nb), o, size);
      break;
    default: emit_fail(e, -1, "data stage: unknown generator " I64, n->attr[0]); break;
    }
    return;
  }
  case IR_PERM:
    g->uses_seed = g->r = true;
    rng_stream(g, n);
    line(g, "rt_rng_fill_permutation(&r, " I64 ", %s);", size, o);
    return;
  case IR_ARANGE:
    line(g, "for (int64_t k = 0; k < " I64 "; k++) %s[k] = (double)k;", size, o);
    return;
  case IR_RANDOM_SPD:
    g->uses_seed = g->r = true;
    rng_stream(g, n);
    line(g, "if (blo_random_spd(&r, " I64 ", %s, %s, %s, err, errlen)) goto done;", m,
         emit_num(n->num, nb), emit_num(n->num2, nb2), o);
    return;
  default:
    emit_fail(e, -1, "data stage: op '%s' has no C translation", ir_ops[n->op].name);
    return;
  }
}

/* static int blo_<fname>(const double *const *t, double *out, const double *x, uint64_t seed,
 * char *err, size_t errlen): root's value into out, every node into its own buffer, freed after
 * its last use (as eval.c). */
static void graph_fn(Emit *e, EmitBuf *out, const char *fname, const char *what,
                     const char *named, IrNode *root) {
  IrGraph *gr = (IrGraph *)&e->p->graph;
  IrNode **order;
  size_t n = ir_topo(gr, &root, 1, &order);
  G g = {e, NULL, what, named, xcalloc(gr->count + 1, sizeof(uint32_t)), 0, false, false, false,
         false, false};
  uint32_t *uses = xcalloc(gr->count + 1, sizeof(uint32_t));
  for (size_t i = 0; i < n; i++) {
    for (int j = 0; j < order[i]->nargs; j++) uses[order[i]->args[j]->id]++;
    IrOp op = (IrOp)order[i]->op;
    if (op == IR_DIR || op == IR_SAMPLE)
      emit_fail(e, -1, "%s: the data stage reads a solver input ('%s')", what, ir_ops[op].name);
    if (op != IR_DATA && op != IR_VAR) g.slot[order[i]->id] = ++g.nslots;
  }
  uses[root->id]++;
  EmitBuf body = {0};
  g.out = &body;
  for (size_t i = 0; i < n && !e->failed; i++) {
    const IrNode *nd = order[i];
    char o[64], sb[64];
    if (g.slot[nd->id]) {
      val(&g, nd, o);
      line(&g, "/* %%%u = %s : %s */", nd->id, ir_ops[nd->op].name, shape_str(nd->shape, sb));
      line(&g, "if (!(%s = blo_alloc(" I64 ", err, errlen))) goto done;", o,
           shape_size(nd->shape));
      node_code(&g, nd);
    }
    /* every use of each operand is counted off, then a buffer whose last use this was is
     * freed at its first place among the operands; in two passes, linear in the operands (a
     * literal of 65536 elements has as many: comparing each with those before it took 10 s) */
    for (int j = 0; j < nd->nargs; j++) uses[nd->args[j]->id]--;
    for (int j = 0; j < nd->nargs; j++) {
      const IrNode *a = nd->args[j];
      if (uses[a->id] != 0) continue;
      uses[a->id] = UINT32_MAX; /* done: its repeats later in the list are skipped */
      if (g.slot[a->id]) {
        line(&g, "free(%s);", val(&g, a, o));
        line(&g, "%s = NULL;", o);
      }
    }
  }
  char o[64];
  int64_t first = load_first_rows(e, root); /* only what was read: the rest stays untouched */
  line(&g, "memcpy(out, %s, " I64 " * sizeof(double));", val(&g, root, o),
       first > 0 ? first * root->shape.cols : shape_size(root->shape));
  emit_buf_printf(out, "\n/* %s */\n", what);
  emit_buf_printf(out,
                  "static int blo_%s%s(const double *const *t, double *out, const double *x, "
                  "uint64_t seed, char *err, size_t errlen) {\n",
                  fname, e->sfx);
  if (g.nslots) emit_buf_printf(out, "  double *m[%u];\n  int64_t i;\n", g.nslots);
  if (g.k) emit_buf_puts(out, "  int64_t k;\n");
  if (g.r) emit_buf_puts(out, "  RtRng r;\n");
  emit_buf_puts(out, "  int rc = 1;\n");
  emit_buf_puts(out, g.nslots ? "  memset(m, 0, sizeof m);\n" : "  (void)err, (void)errlen;\n");
  if (!g.uses_t) emit_buf_puts(out, "  (void)t;\n");
  if (!g.uses_x) emit_buf_puts(out, "  (void)x;\n");
  if (!g.uses_seed) emit_buf_puts(out, "  (void)seed;\n");
  emit_buf_puts(out, body.s ? body.s : "");
  /* every owned node's allocation can fail (goto done); without one there is no label */
  if (g.nslots)
    emit_buf_printf(out, "  rc = 0;\ndone:\n  for (i = 0; i < %u; i++) free(m[i]);\n"
                    "  return rc;\n}\n", g.nslots);
  else emit_buf_puts(out, "  rc = 0;\n  return rc;\n}\n");
  emit_buf_free(&body);
  free(g.slot);
  free(uses);
}

/* ------------------------------------------------------------------ the stage */

/* Helpers of the data stage (static; only what the program uses is called). */
static const char data_helpers[] =
    "/* A buffer of n doubles for the data stage, or NULL with a message. */\n"
    "static RT_MAYBE_UNUSED double *blo_alloc(int64_t n, char *err, size_t errlen) {\n"
    "  double *p = malloc(sizeof(double) * (size_t)(n > 0 ? n : 1));\n"
    "  if (!p) rt_oom_errf(err, errlen, \"out of memory (%lld doubles)\", (long long)n);\n"
    "  return p;\n"
    "}\n"
    "\n"
    "/* A data file through bloc's loaders, checked against the declared shape, into out\n"
    " * (blocks > 0: a tensor[blocks, rows / blocks, cols], its tasks' matrices stacked). */\n"
    "static RT_MAYBE_UNUSED int blo_load(const char *fmt, const char *path, RtShape want, int64_t "
    "blocks, double *out,\n"
    "                                    RtErr e) {\n"
    "  RtTensor t;\n"
    "  int rc;\n"
    "  int64_t k = blocks > 0 ? want.rows / blocks : 0;\n"
    "  memset(&t, 0, sizeof t);\n"
    "  if (!strcmp(fmt, \"csv\") && blocks > 0)\n"
    "    rc = rt_load_csv3(path, blocks, k, want.cols, &t, e);\n"
    "  else if (!strcmp(fmt, \"csv\")) rc = rt_load_csv(path, want, &t, e);\n"
    "  else if (!strcmp(fmt, \"libsvm\")) rc = rt_load_libsvm(path, want, &t, e);\n"
    "  else if (!strcmp(fmt, \"libsvm_labels\")) rc = rt_load_libsvm_labels(path, want, &t, e);\n"
    /* the binary formats are decoded straight into out: no second copy of the values */
    "  else if (!strcmp(fmt, \"idx\")) return rt_load_idx_into(path, want, out, e) != 0;\n"
    "  else if (blocks > 0) return rt_load_npy3_into(path, blocks, k, want.cols, out, e) != 0;\n"
    "  else return rt_load_npy_into(path, want, out, e) != 0;\n"
    "  if (rc) return 1;\n"
    "  memcpy(out, t.v, sizeof(double) * (size_t)(t.rows * t.cols));\n"
    "  rt_tensor_free(&t);\n"
    "  return 0;\n"
    "}\n"
    "\n"
    "/* Rows [r0, r0 + n) of a data file of the whole shape want (sharded data: this rank's rows,\n"
    " * bloc emit-c --ranks) by the row-range loaders, which read no other row; a tensor of\n"
    " * tasks (blocks > 0) is read whole and cut, as bloc does. */\n"
    "static RT_MAYBE_UNUSED int blo_load_rows(const char *fmt, const char *path, RtShape want,\n"
    "                                         int64_t blocks, int64_t r0, int64_t n, double *out,\n"
    "                                         RtErr e) {\n"
    "  RtTensor t;\n"
    "  RtRows rows;\n"
    "  int rc;\n"
    "  int64_t w = want.rank == 2 ? want.cols : 1;\n"
    "  double *whole;\n"
    "  rows.r0 = r0;\n"
    "  rows.n = n;\n"
    "  memset(&t, 0, sizeof t);\n"
    "  if (blocks > 0) {\n"
    "    if (!(whole = malloc(sizeof(double) * (size_t)(want.rows * w + 1)))) {\n"
    "      rt_oom_errf(e.buf, e.len, \"%s: out of memory\", path);\n"
    "      return 1;\n"
    "    }\n"
    "    rc = blo_load(fmt, path, want, blocks, whole, e);\n"
    "    if (!rc) memcpy(out, whole + r0 * w, sizeof(double) * (size_t)(n * w));\n"
    "    free(whole);\n"
    "    return rc;\n"
    "  }\n"
    "  if (!strcmp(fmt, \"csv\")) rc = rt_load_csv_rows(path, want, rows, &t, e);\n"
    "  else if (!strcmp(fmt, \"idx\")) rc = rt_load_idx_rows(path, want, rows, &t, e);\n"
    "  else if (!strcmp(fmt, \"libsvm\")) rc = rt_load_libsvm_rows(path, want, rows, &t, e);\n"
    "  else if (!strcmp(fmt, \"libsvm_labels\"))\n"
    "    rc = rt_load_libsvm_labels_rows(path, want, rows, &t, e);\n"
    "  else rc = rt_load_npy_rows(path, want, rows, &t, e);\n"
    "  if (rc) return 1;\n"
    "  memcpy(out, t.v, sizeof(double) * (size_t)(n * w));\n"
    "  rt_tensor_free(&t);\n"
    "  return 0;\n"
    "}\n"
    "\n"
    "/* A CSR m, checked, with its transpose as one block (*owned, freed with free()); *t is\n"
    " * the data pointer kernels receive. m is freed. name (a path when quote) names it in\n"
    " * messages. */\n"
    "static RT_MAYBE_UNUSED int blo_sparse_own(RtCsr *m, const char *name, int quote, const "
    "double **t,\n"
    "                                          void **owned, char *err, size_t errlen) {\n"
    "  RtSparse s;\n"
    "  RtErr e = rt_err(err, errlen);\n"
    "  if (rt_csr_check(m, name, e) || rt_sparse_make(m, &s, e)) {\n"
    "    rt_csr_free(m);\n"
    "    return 1;\n"
    "  }\n"
    "  *owned = rt_sparse_pack(&s);\n"
    "  rt_sparse_free(&s);\n"
    "  if (!*owned) {\n"
    "    rt_oom_errf(err, errlen, quote ? \"'%s': out of memory\" : \"%s: out of memory\", name);\n"
    "    return 1;\n"
    "  }\n"
    "  *t = (const double *)*owned;\n"
    "  return 0;\n"
    "}\n"
    "\n"
    "/* A sparse[rows, cols] LIBSVM (mtx 0) or MatrixMarket (mtx 1) file into CSR, with the\n"
    " * transpose the kernels use, as one block (*owned, freed with free()); *t is the data\n"
    " * pointer kernels receive. part.n < rows (sharded data, emit-c --ranks): only the rows\n"
    " * part.r0.. by the row-range loaders, and the transpose of those rows, as bloc does. */\n"
    "static RT_MAYBE_UNUSED int blo_load_sparse(int mtx, const char *path, int64_t rows, int64_t "
    "cols,\n"
    "                                           RtRows part, const double **t, void **owned, "
    "char *err,\n"
    "                                           size_t errlen) {\n"
    "  RtCsr m;\n"
    "  RtErr e = rt_err(err, errlen);\n"
    "  RtShape want = rt_shape(2, rows, cols);\n"
    "  int rc;\n"
    "  memset(&m, 0, sizeof m);\n"
    "  if (part.n < rows)\n"
    "    rc = mtx ? rt_load_mtx_csr_rows(path, want, part, &m, e)\n"
    "             : rt_load_libsvm_csr_rows(path, want, part, &m, e);\n"
    "  else\n"
    "    rc = mtx ? rt_load_mtx_csr(path, want, &m, e) : rt_load_libsvm_csr(path, want, &m, e);\n"
    "  if (rc) {\n"
    "    rt_csr_free(&m);\n"
    "    return 1;\n"
    "  }\n"
    "  return blo_sparse_own(&m, path, 1, t, owned, err, errlen);\n"
    "}\n"
    "\n"
    "/* sparse_coo(rows, cols, vals) of n entries into a sparse[rows, cols] (only its rows\n"
    " * part.r0.. when sharded) with its transpose, as blo_load_sparse; what names the\n"
    " * declaration in messages. */\n"
    "static RT_MAYBE_UNUSED int blo_sparse_coo(const double *r, const double *c, const double "
    "*v, int64_t n,\n"
    "                                          int64_t rows, int64_t cols, RtRows part, const "
    "char *what,\n"
    "                                          const double **t, void **owned, char *err, "
    "size_t errlen) {\n"
    "  RtCsr m;\n"
    "  RtErr e = rt_err(err, errlen);\n"
    "  if (rt_csr_from_coo(r, c, v, n, rows, cols, part, what, &m, e)) {\n"
    "    rt_csr_free(&m);\n"
    "    return 1;\n"
    "  }\n"
    "  return blo_sparse_own(&m, what, 0, t, owned, err, errlen);\n"
    "}\n"
    "\n"
    "/* random_spd(n, lo, hi) from stream r (bloc's pipeline.c messages). */\n"
    "static RT_MAYBE_UNUSED int blo_random_spd(RtRng *r, int64_t n, double lo, double hi, double "
    "*out, char *err,\n"
    "                                          size_t errlen) {\n"
    "  int rc = rt_random_spd(r, n, lo, hi, out);\n"
    "  if (rc == -2) rt_oom_errf(err, errlen, \"random_spd(%lld, %g, %g): out of memory\", (long "
    "long)n, lo, hi);\n"
    "  else if (rc) snprintf(err, errlen, \"random_spd(%lld, %g, %g): the eigenvalues must satisfy "
    "0 < lo <= hi\",\n"
    "                        (long long)n, lo, hi);\n"
    "  return rc != 0;\n"
    "}\n"
    "\n"
    "/* Data must be finite: the first NaN or Inf of a declared tensor is an error (its rows are\n"
    " * the global rows r0.. of the declaration: a rank's, for sharded data). */\n"
    "static RT_MAYBE_UNUSED int blo_check_finite(const double *v, int rank, int64_t r0, int64_t "
    "rows, int64_t cols,\n"
    "                                            const char *what, const char *shape, char *err,\n"
    "                                            size_t errlen) {\n"
    "  int64_t i, n = rows * cols;\n"
    "  char nb[RT_FMT_NUM_LEN];\n"
    "  for (i = 0; i < n; i++)\n"
    "    if (!isfinite(v[i])) break;\n"
    "  if (i == n) return 0;\n"
    "  rt_fmt_num(v[i], nb);\n"
    "  if (rank == 2)\n"
    "    snprintf(err, errlen, \"%s (%s) holds %s at [%lld, %lld]; data must be finite\", what, "
    "shape, nb,\n"
    "             (long long)(r0 + i / cols), (long long)(i % cols));\n"
    "  else if (rank == 1)\n"
    "    snprintf(err, errlen, \"%s (%s) holds %s at [%lld]; data must be finite\", what, shape, "
    "nb, (long long)(r0 + i));\n"
    "  else\n"
    "    snprintf(err, errlen, \"%s is %s; data must be finite\", what, nb);\n"
    "  return 1;\n"
    "}\n"
    "\n"
    "/* The kernels were derived for a symmetric matrix (transposes of it dropped): it must be. "
    "*/\n"
    "static RT_MAYBE_UNUSED int blo_check_symmetric(const double *a, int64_t n, const char *what, "
    "char *err,\n"
    "                                               size_t errlen) {\n"
    "  int64_t i, j;\n"
    "  for (i = 0; i < n; i++)\n"
    "    for (j = i + 1; j < n; j++)\n"
    "      if (a[i * n + j] != a[j * n + i]) {\n"
    "        snprintf(err, errlen, \"%s is not symmetric ([%lld, %lld] != [%lld, %lld]), but it "
    "was when bloc emit-c \"\n"
    "                 \"derived the kernels from it: generate the solver again\", what, (long "
    "long)i, (long long)j,\n"
    "                 (long long)j, (long long)i);\n"
    "        return 1;\n"
    "      }\n"
    "  return 0;\n"
    "}\n";

static bool exactly_symmetric(const double *a, int64_t n) {
  for (int64_t i = 0; i < n; i++)
    for (int64_t j = i + 1; j < n; j++)
      if (a[i * n + j] != a[j * n + i]) return false;
  return true;
}

/* Data tensor k's shape in this compile: a rank's rows of sharded data (emit-c --ranks). */
static Shape data_shape(const Emit *e, int k) {
  if (k >= e->p->ndata) return e->p->hoisted[k - e->p->ndata]->shape;
  const AstDecl *d = e->c->prog->data[k];
  Shape s = d->shape;
  if (e->c->sharded && d->row_sharded) s.rows = rt_shard_rows(e->c->shard, s.rows).n;
  /* a replicated load narrowed to the rows the rank reads (ir/shard.c) */
  else if (e->c->sharded && e->p->data_value[k]->op == IR_LOAD && e->p->data_value[k]->attr[3] > 0)
    s.rows = e->p->data_value[k]->shape.rows;
  return s;
}

/* Bytes --embed-data writes: the tensors the kernels read and the initial values. */
static int64_t embedded_bytes(const Emit *e) {
  const BloCompiled *c = e->c;
  int64_t b = (c->problem.nx + c->problem.ny) * (int64_t)sizeof(double);
  for (int k = 0; k < c->ndata_total; k++)
    if (c->data[k]) b += shape_size(data_shape(e, k)) * (int64_t)sizeof(double);
  return b;
}

static void embedded_stage(Emit *e, EmitBuf *out) {
  const BloCompiled *c = e->c;
  for (int k = 0; k < e->p->ndata; k++)
    if (c->data[k] && c->prog->data[k]->shape.sparse) {
      emit_fail(e, 1,
                "--embed-data: data '%s' is sparse, which is not embedded\n"
                "hint: without --embed-data the solver loads its data itself when it starts",
                c->prog->data[k]->name);
      return;
    }
  int64_t limit = e->o->embed_limit > 0 ? e->o->embed_limit : EMIT_EMBED_LIMIT;
  int64_t bytes = embedded_bytes(e);
  if (bytes > limit) {
    EmitBuf list = {0};
    for (int k = 0; k < c->ndata_total; k++) {
      if (!c->data[k]) continue;
      Shape s = data_shape(e, k);
      char nb[80];
      emit_buf_printf(&list, "%s%s %.1f MiB", list.len ? ", " : "", emit_data_name(e, k, nb),
                  (double)shape_size(s) * 8 / (1 << 20));
    }
    emit_fail(
        e, 1,
        "--embed-data: the data the solver needs is %.1f MiB (%s), more than the %.0f MiB limit\n"
        "hint: without --embed-data the solver reads and computes its data itself when it starts",
        (double)bytes / (1 << 20), list.s ? list.s : "", (double)limit / (1 << 20));
    emit_buf_free(&list);
    return;
  }
  emit_buf_puts(
      out,
      "\n/* The data stage, evaluated when the solver was generated (--embed-data): the arrays "
      "above. */\n");
  emit_buf_puts(
      out,
      "static int emit_data_stage(const double **t, void **owned, double **x0, double **y0, "
      "uint64_t seed,\n"
      "                           char *err, size_t errlen) {\n");
  emit_buf_puts(out, "  (void)owned, (void)seed;\n");
  for (int k = 0; k < c->ndata_total; k++)
    if (c->data[k]) emit_buf_printf(out, "  t[%d] = blo_embedded_%d;\n", k, k);
  emit_buf_printf(out,
                  "  if (!(*x0 = blo_alloc(%" PRId64 ", err, errlen)) || !(*y0 = blo_alloc(%" PRId64
                  ", err, errlen)))"
                  " return 1;\n",
                  c->problem.nx, c->problem.ny);
  emit_buf_printf(out, "  memcpy(*x0, blo_embedded_x0, sizeof blo_embedded_x0);\n");
  emit_buf_printf(out, "  memcpy(*y0, blo_embedded_y0, sizeof blo_embedded_y0);\n");
  emit_buf_puts(out, "  return 0;\n}\n");
}

/* The variables of one level (upper or lower) as the data stage initialises them: the
 * declarations and their initial-value graphs, the emitted buffer they fill (`dst`) and what
 * their functions get as x (`xarg`: lower initial values may read x, upper ones not). */
typedef struct InitLevel {
  const char *level; /* "upper", "lower" */
  AstDecl *const *decls;
  IrNode *const *init;
  int n;
  const char *dst, *xarg;
} InitLevel;

/* One function "LEVEL_i" per variable of a level, computing its initial value. */
static void init_fns(Emit *e, EmitBuf *out, const InitLevel *lv) {
  char fname[100], what[500], named[400], w[300], sb[64];
  for (int i = 0; i < lv->n && !e->failed; i++) {
    const AstDecl *d = lv->decls[i];
    snprintf(fname, sizeof fname, "%s_%d", lv->level, i);
    snprintf(named, sizeof named, "%s '%s' : %s, initial value", lv->level, d->name,
             shape_str(d->shape, sb));
    snprintf(what, sizeof what, "%s '%s' : %s (%s), initial value", lv->level, d->name,
             shape_str(d->shape, sb), emit_where(e, d->span, w));
    graph_fn(e, out, fname, what, named, lv->init[i]);
  }
}

/* The data stage's calls of those functions, each writing its variable's slice of dst. */
static void init_calls(Emit *e, EmitBuf *out, const InitLevel *lv) {
  char w[300];
  for (int i = 0; i < lv->n; i++) {
    const AstDecl *d = lv->decls[i];
    if (d->offset)
      emit_buf_printf(out,
                      "  if (blo_%s_%d%s(t, %s + %" PRId64 ", %s, seed, msg, sizeof msg)) {\n",
                      lv->level, i, e->sfx, lv->dst, d->offset, lv->xarg);
    else
      emit_buf_printf(out, "  if (blo_%s_%d%s(t, %s, %s, seed, msg, sizeof msg)) {\n", lv->level,
                      i, e->sfx, lv->dst, lv->xarg);
    emit_buf_printf(out,
                    "    snprintf(err, errlen, \"%%s: %%s\", \"%s\", msg);\n    return 1;\n  }\n",
                    emit_where(e, d->span, w));
  }
}

void emit_data_stage(Emit *e, EmitBuf *out) {
  const BloCompiled *c = e->c;
  const IrProblem *p = e->p;
  const Program *prog = c->prog;
  if (!*e->sfx) emit_buf_puts(out, data_helpers); /* once: the whole problem's part comes first */
  if (e->o->embed_data) {
    embedded_stage(e, out);
    return;
  }
  char fname[100], what[500], named[400], w[300], sb[64];
  for (int k = 0; k < p->ndata && !e->failed; k++) {
    const AstDecl *d = prog->data[k];
    if (d->shape.sparse && p->data_value[k]->op == IR_SPARSE_COO) {
      /* sparse_coo(rows, cols, vals): its three vectors, then blo_sparse_coo */
      for (int i = 0; i < 3 && !e->failed; i++) {
        static const char *const part[3] = {"row indices", "column indices", "values"};
        snprintf(fname, sizeof fname, "data_%d_coo%d", k, i);
        snprintf(named, sizeof named, "the %s of data '%s' : %s", part[i], d->name,
                 shape_str(d->shape, sb));
        snprintf(what, sizeof what, "%s (%s)", named, emit_where(e, d->span, w));
        graph_fn(e, out, fname, what, named, p->data_value[k]->args[i]);
      }
      continue;
    }
    if (d->shape.sparse) continue; /* loaded by blo_load_sparse */
    snprintf(fname, sizeof fname, "data_%d", k);
    snprintf(named, sizeof named, "data '%s' : %s", d->name, shape_str(d->shape, sb));
    snprintf(what, sizeof what, "%s (%s)", named, emit_where(e, d->span, w));
    graph_fn(e, out, fname, what, named, p->data_value[k]);
  }
  for (int h = 0; h < p->nhoisted && !e->failed; h++) {
    snprintf(fname, sizeof fname, "derived_%d", h);
    snprintf(what, sizeof what, "derived tensor %d : %s, a data-only part of the kernels", h,
             shape_str(p->hoisted[h]->shape, sb));
    graph_fn(e, out, fname, what, what, p->hoisted[h]); /* its message names no place */
  }
  const InitLevel levels[2] = {
      {"upper", prog->upper, p->upper_init, p->nupper, "*x0", "NULL"},
      {"lower", prog->lower, p->lower_init, p->nlower, "*y0", "*x0"},
  };
  for (int l = 0; l < 2; l++) init_fns(e, out, &levels[l]);
  /* the stage: declarations in order, checks, derived tensors, initial values */
  emit_buf_puts(
      out,
      "\n/* The data stage, as bloc runs it before solving: every data declaration in order (each "
      "may\n"
      " * read the earlier ones), the derived tensors, the initial values; then the declared "
      "tensors\n"
      " * the kernels do not read are freed. t[k] is data tensor k, owned[k] what to free. */\n");
  emit_buf_printf(
      out,
      "static int emit_data_stage%s(const double **t, void **owned, double **x0, double **y0, "
      "uint64_t seed,\n"
      "                           char *err, size_t errlen) {\n",
      e->sfx);
  emit_buf_printf(out, "  char msg[1024];\n");
  if (c->ndata_total > 0) emit_buf_puts(out, "  double *v;\n");
  else emit_buf_puts(out, "  (void)t, (void)owned;\n");
  for (int k = 0; k < c->ndata_total && !e->failed; k++) {
    Shape s = data_shape(e, k);
    char nb[80];
    if (k < p->ndata) {
      const AstDecl *d = prog->data[k];
      emit_buf_printf(out, "  /* data %s : %s (%s) */\n", d->name, shape_str(s, sb),
                      emit_where(e, d->span, w));
    } else {
      emit_buf_printf(out, "  /* %s : %s */\n", emit_data_name(e, k, nb), shape_str(s, sb));
    }
    if (k < p->ndata && s.sparse && p->data_value[k]->op == IR_SPARSE_COO) {
      const IrNode *co = p->data_value[k];
      int64_t whole = co->attr[3] > 0 ? co->attr[3] : s.rows,
              r0 = co->attr[3] > 0 ? co->attr[2] : 0, n = co->args[0]->shape.rows;
      emit_buf_printf(out, "  {\n    double *tr[3] = {NULL, NULL, NULL};\n    int i, bad = 0;\n");
      emit_buf_printf(out,
                      "    for (i = 0; i < 3 && !bad; i++)\n"
                      "      bad = !(tr[i] = blo_alloc(%" PRId64 ", err, errlen));\n",
                      n);
      for (int i = 0; i < 3; i++)
        emit_buf_printf(out,
                        "    if (!bad && blo_data_%d_coo%d%s(t, tr[%d], NULL, seed, msg, "
                        "sizeof msg))\n      bad = 2;\n",
                        k, i, e->sfx, i);
      emit_buf_printf(out,
                      "    if (!bad && blo_sparse_coo(tr[0], tr[1], tr[2], %" PRId64 ", %" PRId64
                      ", %" PRId64 ", (RtRows){%" PRId64 ", %" PRId64 "}, \"data '%s'\", &t[%d], "
                      "&owned[%d], msg, sizeof msg))\n      bad = 2;\n",
                      n, whole, s.cols, r0, s.rows, prog->data[k]->name, k, k);
      emit_buf_printf(out,
                      "    for (i = 0; i < 3; i++) free(tr[i]);\n"
                      "    if (bad == 2) snprintf(err, errlen, \"%%s: %%s\", \"%s\", msg);\n"
                      "    if (bad) return 1;\n  }\n",
                      emit_where(e, prog->data[k]->span, w));
      continue;
    }
    if (k < p->ndata && s.sparse) {
      /* sharded (attr[3] > 0, ir/shard.c): this rank's rows attr[2].. of the file's attr[3] */
      const IrNode *ld = p->data_value[k];
      int64_t whole = ld->attr[3] > 0 ? ld->attr[3] : s.rows,
              r0 = ld->attr[3] > 0 ? ld->attr[2] : 0;
      EmitBuf path = {0};
      emit_c_string(&path, absolute_path(e, ld->str ? ld->str : ""));
      emit_buf_printf(out,
                      "  if (blo_load_sparse(%d, %s, %" PRId64 ", %" PRId64 ", (RtRows){%" PRId64
                      ", %" PRId64 "}, &t[%d], &owned[%d], msg, sizeof msg)) {\n"
                      "    snprintf(err, errlen, \"%%s: %%s\", \"%s\", msg);\n    return 1;\n  }\n",
                      ld->attr[0] == IR_LOAD_MTX, path.s, whole, s.cols, r0, s.rows, k, k,
                      emit_where(e, prog->data[k]->span, w));
      emit_buf_free(&path);
      continue;
    }
    emit_buf_printf(out, "  if (!(v = blo_alloc(%" PRId64 ", err, errlen))) return 1;\n",
                    shape_size(s));
    emit_buf_printf(out, "  t[%d] = owned[%d] = v;\n", k, k);
    const char *fn = k < p->ndata ? "data" : "derived";
    int idx = k < p->ndata ? k : k - p->ndata;
    emit_buf_printf(out, "  if (blo_%s_%d%s(t, v, NULL, seed, msg, sizeof msg)) {\n", fn, idx,
                    e->sfx);
    if (k < p->ndata)
      emit_buf_printf(out, "    snprintf(err, errlen, \"%%s: %%s\", \"%s\", msg);\n",
                      emit_where(e, prog->data[k]->span, w));
    else
      emit_buf_printf(out, "    snprintf(err, errlen, \"%%s\", msg);\n");
    emit_buf_puts(out, "    return 1;\n  }\n");
    if (k < p->ndata) {
      const AstDecl *d = prog->data[k];
      int64_t first = load_first_rows(e, p->data_value[k]); /* the rows read: no others */
      emit_buf_printf(out,
                      "  if (blo_check_finite(v, %d, %" PRId64 ", %" PRId64 ", %" PRId64
                      ", \"%s: data '%s'\", \"%s\",",
                      s.rank,
                      !c->sharded      ? 0
                      : d->row_sharded ? rt_shard_rows(c->shard, d->shape.rows).r0
                                       : ir_shard_load_row0(p->data_value[k]),
                      first > 0 ? first : s.rows, s.cols, emit_where(e, d->span, w), d->name,
                      shape_str(d->shape, sb));
      emit_buf_puts(out, " err, errlen))");
      emit_buf_puts(out, " return 1;\n");
      /* the kernels (and the data graphs) were simplified for a symmetric matrix: check it still
       * is, unless it was not exactly symmetric when bloc ran either (rounding in a matrix
       * symmetric by construction), which bloc tolerates too */
      if (p->data_symmetric[k] && s.rank == 2 && s.rows == s.cols && first < 0 &&
          (!c->data[k] || exactly_symmetric(c->data[k], s.rows)))
        emit_buf_printf(out,
                        "  if (blo_check_symmetric(v, %" PRId64
                        ", \"%s: data '%s'\", err, errlen)) return 1;\n",
                        s.rows, emit_where(e, d->span, w), d->name);
    }
  }
  emit_buf_printf(out,
                  "  if (!(*x0 = blo_alloc(%" PRId64 ", err, errlen)) || !(*y0 = blo_alloc(%" PRId64
                  ", err, errlen)))",
                  c->problem.nx, c->problem.ny);
  emit_buf_puts(out, " return 1;\n");
  for (int l = 0; l < 2; l++) init_calls(e, out, &levels[l]);
  for (int k = 0; k < p->ndata; k++)
    if (!c->data[k])
      emit_buf_printf(
          out,
          "  free(owned[%d]); /* %s: only the data stage reads it */\n  t[%d] = owned[%d] = "
          "NULL;\n",
          k, prog->data[k]->name, k, k);
  emit_buf_puts(out, "  return 0;\n}\n");
}

/* ------------------------------------------------------------------ embedded values */

static void write_array(FILE *f, const char *name, const double *v, int64_t n,
                        const char *comment) {
  char nb[48];
  fprintf(f, "\n/* %s */\nstatic const double %s[%" PRId64 "] = {", comment, name, n > 0 ? n : 1);
  for (int64_t i = 0; i < n; i++) {
    if (i % 8 == 0) fputs("\n  ", f);
    else fputc(' ', f);
    const char *s = emit_num(v[i], nb);
    if (s[0] == '(')
      fprintf(f, "%.*s,", (int)strlen(s) - 2, s + 1); /* no parentheses needed here */
    else fprintf(f, "%s,", s);
  }
  if (n == 0) fputs("0.0", f);
  fputs("\n};\n", f);
}

void emit_data_write_embedded(Emit *e, FILE *f) {
  const BloCompiled *c = e->c;
  const Program *prog = c->prog;
  char name[64], cm[600], nb[80], sb[64], w[300];
  for (int k = 0; k < c->ndata_total; k++) {
    if (!c->data[k]) continue;
    Shape s = data_shape(e, k);
    snprintf(name, sizeof name, "blo_embedded_%d", k);
    if (k < e->p->ndata)
      snprintf(cm, sizeof cm, "data %s : %s (%s), row-major", prog->data[k]->name, shape_str(s, sb),
               emit_where(e, prog->data[k]->span, w));
    else
      snprintf(cm, sizeof cm, "%s : %s, a data-only part of the kernels", emit_data_name(e, k, nb),
               shape_str(s, sb));
    write_array(f, name, c->data[k], shape_size(s), cm);
  }
  write_array(f, "blo_embedded_x0", c->x0, c->problem.nx, "initial x");
  write_array(f, "blo_embedded_y0", c->y0, c->problem.ny, "initial y");
}
