/* test_jit_memo.c — memo slots (SchedOptions.memo, SCHED_MEMO_MAGIC in
 * compiler/plan/schedule.h): a product a b' of data a with b depending on y only, computed by
 * a kernel that reads v, is kept in the work buffer, and every kernel computing that product
 * skips it when the slot holds the same a and b. Checked on hand-built hyper-cleaning (X W in
 * grad_y_g, hvp_yy, hvp_xy and the combined kernels): the plan gives them one slot and the
 * gradient of f none; a sequence of calls as LancBiO makes them (the same y several times,
 * then another y, a y one ulp away, other data) gives the same bits as compiling without memo
 * slots, at f64 and f32, with regions on 1 and 2 threads and without regions; a hit really
 * reads the slot (a poisoned slot shows in the result) while any change of a or b misses it;
 * a kernel that keeps the product in its own buffer (grad_f, when f uses X W as a product's
 * operand) is left where its plan put it; and a product too wide to be skinny gets no slot
 * and is packed as without slots. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hand_problems.h"
#include "jit_runs.h"
#include "ir/ir.h"
#include "llvm/jit.h"
#include "plan/schedule_verify.h"
#include "rt_par.h"
#include "rt_rng.h"

enum { M = 601, MV = 203, NF = 99, NC = 10, NY = NF * NC };

typedef struct Case {
  Arena arena;
  IrProblem p;
  double *data[4], *data_changed[4]; /* the same, X with one element changed */
  int64_t sizes[4];
  JrData jd, jd_changed;
} Case;

static double *uniform(RtRng *r, int64_t n) {
  double *d = malloc((size_t)n * sizeof(double));
  for (int64_t i = 0; i < n; i++) d[i] = rt_rng_uniform(r, -1, 1);
  return d;
}

static double *onehot(RtRng *r, int64_t m) {
  double *y = calloc((size_t)(m * NC), sizeof(double));
  for (int64_t i = 0; i < m; i++) y[i * NC + rt_rng_randint(r, 0, NC - 1)] = 1;
  return y;
}

static void case_init(Case *c, bool f32) {
  arena_init(&c->arena);
  hp_hyperclean(&c->p, &c->arena, M, MV, NF, NC);
  RtRng r;
  rt_rng_seed(&r, 77);
  c->data[0] = uniform(&r, M * NF);
  c->data[1] = onehot(&r, M);
  c->data[2] = uniform(&r, MV * NF);
  c->data[3] = onehot(&r, MV);
  int64_t sizes[4] = {M * NF, M * NC, MV * NF, MV * NC};
  memcpy(c->sizes, sizes, sizeof sizes);
  for (int i = 0; i < 4; i++) {
    c->data_changed[i] = malloc((size_t)sizes[i] * sizeof(double));
    memcpy(c->data_changed[i], c->data[i], (size_t)sizes[i] * sizeof(double));
  }
  c->data_changed[0][5 * NF + 7] += 0.25;
  jr_data_init(&c->jd, (const double *const *)c->data, c->sizes, 4, f32);
  jr_data_init(&c->jd_changed, (const double *const *)c->data_changed, c->sizes, 4, f32);
}

static void case_free(Case *c) {
  jr_data_free(&c->jd);
  jr_data_free(&c->jd_changed);
  for (int i = 0; i < 4; i++) {
    free(c->data[i]);
    free(c->data_changed[i]);
  }
  arena_free(&c->arena);
}

static JitModule *compile(const Case *c, JitOptions o, bool memo, bool f32) {
  o.sched.memo = memo;
  o.f32 = f32;
  o.cache_dir = "";
  JitModule *m = NULL;
  char err[512];
  if (jit_compile(&c->p, &o, &m, err, sizeof err)) fail_msg("compile: %s", err);
  return m;
}

/* The memo'd product of kernel k's plan (regions included), or NULL. */
static const SchedBlas *memo_step(const SchedStep *st, int n) {
  for (int i = 0; i < n; i++) {
    if (st[i].kind == SS_SKINNY_GEMM && st[i].blas.memo) return &st[i].blas;
    if (st[i].kind == SS_PAR_ROWS) {
      const SchedBlas *b = memo_step(st[i].body, st[i].nbody);
      if (b) return b;
    }
  }
  return NULL;
}

static const SchedBlas *kernel_memo(const JitModule *m, BloKernelId id) {
  const SchedKernel *k = jit_plan(m, id);
  return k ? memo_step(k->steps, k->nsteps) : NULL;
}

/* Plans: grad_y_g, hvp_yy, hvp_xy and the combined kernels share one slot for X W (node and
 * header the same); grad_f (Xv W: no kernel reading v computes it) and the memo-less plan
 * have none; the slot lies past the work of a kernel without one. */
static void test_plan_slots(void **state) {
  (void)state;
  Case c;
  case_init(&c, false);
  JitOptions o = jit_default_options();
  JitModule *on = compile(&c, o, true, false), *off = compile(&c, o, false, false);
  static const BloKernelId with[] = {BLO_K_GRAD_Y_G, BLO_K_HVP_YY, BLO_K_HVP_XY,
                                     BLO_K_GRAD_Y_G_HVP_YY, BLO_K_HVP_BOTH};
  const SchedBlas *first = kernel_memo(on, with[0]);
  assert_non_null(first);
  assert_int_equal(first->m, M);
  assert_int_equal(first->n, NC);
  assert_int_equal(first->k, NF);
  for (size_t i = 0; i < sizeof with / sizeof with[0]; i++) {
    const SchedBlas *b = kernel_memo(on, with[i]);
    if (!b) fail_msg("kernel %d has no memo slot", (int)with[i]);
    assert_int_equal(b->node, first->node);
    assert_int_equal(b->memo_at, first->memo_at);
    assert_int_equal(b->c.offset, first->c.offset);
    assert_null(kernel_memo(off, with[i]));
  }
  assert_null(kernel_memo(on, BLO_K_GRAD_F));
  assert_true(first->memo_at >= jit_plan(on, BLO_K_GRAD_F)->work_size);
  assert_int_equal(first->memo_at % 8, 0);
  assert_true(first->c.offset >= first->memo_at + SCHED_MEMO_HEADER + NC * NF);
  assert_in_range(jit_work_size(on), first->c.offset + M * NC, first->c.offset + M * NC + 7);
  jit_free(on);
  jit_free(off);
  case_free(&c);
}

/* One kernel call on env; the outputs into out (NaN first, so unwritten slots compare). */
typedef struct Call {
  BloKernelId id;
  int x, y, v;   /* which point: xs[x], ys[y], vs[v] (v < 0: none) */
  bool changed;  /* the data with X changed (another pointer, other values) */
} Call;

enum { NPTS = 3 };

typedef struct Points {
  double *xs[NPTS], *ys[NPTS], *vs[NPTS];
} Points;

static void points_init(Points *pt) {
  RtRng r;
  rt_rng_seed(&r, 5);
  for (int i = 0; i < NPTS; i++) {
    pt->xs[i] = uniform(&r, M);
    pt->ys[i] = uniform(&r, NY);
    pt->vs[i] = uniform(&r, M > NY ? M : NY);
  }
  /* ys[2]: ys[0] one ulp away in one element (the slot's b compare must see it) */
  memcpy(pt->ys[2], pt->ys[0], NY * sizeof(double));
  pt->ys[2][NY - 3] = nextafter(pt->ys[2][NY - 3], 2.0);
}

static void points_free(Points *pt) {
  for (int i = 0; i < NPTS; i++) {
    free(pt->xs[i]);
    free(pt->ys[i]);
    free(pt->vs[i]);
  }
}

/* What LancBiO, CG and the upper step call, in their order, plus the cases that must miss. */
static const Call seq[] = {
    {BLO_K_GRAD_Y_G, 0, 1, -1, false},        /* an inner step (fills the slot at ys[1]) */
    {BLO_K_HVP_YY, 0, 0, 0, false},           /* miss: another y */
    {BLO_K_HVP_YY, 0, 0, 1, false},           /* hit */
    {BLO_K_HVP_XY, 0, 0, 2, false},           /* hit */
    {BLO_K_HVP_BOTH, 0, 0, 1, false},         /* hit */
    {BLO_K_GRAD_Y_G, 1, 0, -1, false},        /* hit at another x (X W depends on y only) */
    {BLO_K_GRAD_Y_G_HVP_YY, 1, 0, 0, false},  /* hit */
    {BLO_K_HVP_YY, 0, 2, 0, false},           /* miss: one ulp in one element of y */
    {BLO_K_HVP_XY, 0, 2, 1, false},           /* hit */
    {BLO_K_HVP_YY, 0, 0, 1, false},           /* miss: back at ys[0] */
    {BLO_K_HVP_YY, 0, 0, 1, true},            /* miss: other data */
    {BLO_K_HVP_XY, 1, 0, 2, true},            /* hit on the other data */
    {BLO_K_HVP_XY, 1, 0, 2, false},           /* miss: the first data again */
    {BLO_K_GRAD_F, 2, 0, -1, false},          /* no slot */
    {BLO_K_GRAD_Y_G, 2, 0, -1, false},        /* hit */
};
enum { NSEQ = sizeof seq / sizeof seq[0] };

/* The outputs of every call of seq on one work buffer (NaN at first): outs[i][slot]. */
static void run_seq(const Case *c, const JitModule *m, const Points *pt, double *outs[][4]) {
  int64_t ws = jit_work_size(m);
  double *work = malloc((size_t)ws * sizeof(double));
  for (int64_t i = 0; i < ws; i++) work[i] = NAN;
  for (int i = 0; i < NSEQ; i++) {
    const Call *cl = &seq[i];
    const IrKernel *k = &c->p.kernels[cl->id];
    BloEnv env = {cl->changed ? c->jd_changed.view : c->jd.view, NULL, work, NULL};
    for (int s = 0; s < 4; s++) {
      int64_t n = k->slot_size[s] ? k->slot_size[s] : 1;
      outs[i][s] = malloc((size_t)n * sizeof(double));
      for (int64_t e = 0; e < n; e++) outs[i][s][e] = NAN;
    }
    jit_kernel(m, cl->id)(&env, pt->xs[cl->x], pt->ys[cl->y], cl->v >= 0 ? pt->vs[cl->v] : NULL,
                          outs[i]);
  }
  free(work);
}

static void free_seq(double *outs[][4]) {
  for (int i = 0; i < NSEQ; i++)
    for (int s = 0; s < 4; s++) free(outs[i][s]);
}

static void compare_seq(const char *name, const Case *c, double *a[][4], double *b[][4]) {
  for (int i = 0; i < NSEQ; i++) {
    const IrKernel *k = &c->p.kernels[seq[i].id];
    for (int s = 0; s < k->nslots; s++)
      if (memcmp(a[i][s], b[i][s], (size_t)k->slot_size[s] * sizeof(double)))
        fail_msg("%s: call %d (kernel %s) slot %d differs from the plan without memo slots", name,
                 i, k->name, s);
  }
}

static void check_seq(const char *name, JitOptions o, bool f32) {
  Case c;
  case_init(&c, f32);
  Points pt;
  points_init(&pt);
  JitModule *on = compile(&c, o, true, f32), *off = compile(&c, o, false, f32);
  assert_non_null(kernel_memo(on, BLO_K_HVP_YY));
  for (int threads = 1; threads <= 2; threads++) {
    rt_par_set_threads(threads);
    double *a[NSEQ][4], *b[NSEQ][4];
    run_seq(&c, on, &pt, a);
    run_seq(&c, off, &pt, b);
    char what[160];
    snprintf(what, sizeof what, "%s%s, %d thread%s", name, f32 ? " (f32)" : "", threads,
             threads > 1 ? "s" : "");
    compare_seq(what, &c, a, b);
    free_seq(a);
    free_seq(b);
  }
  rt_par_set_threads(2);
  jit_free(on);
  jit_free(off);
  points_free(&pt);
  case_free(&c);
}

static void test_sequence_bits(void **state) {
  (void)state;
  JitOptions o = jit_default_options();
  check_seq("default plan", o, false);
  check_seq("default plan", o, true);
  o.sched.par_min_cost = 1; /* regions everywhere, small blocks, 8 tasks */
  o.sched.par_block_rows = 36;
  check_seq("small blocks", o, false);
  check_seq("small blocks", o, true);
  o.sched.par_min_cost = 0;
  o.sched.par_block_rows = 0;
  o.sched.no_par = true; /* products as steps of their own: the check around the step */
  check_seq("no regions", o, false);
  check_seq("no regions", o, true);
}

/* A hit reads the slot: poisoned after grad_y_g at y, hvp_yy at the same y shows the poison;
 * a y one ulp away, other data, or a slot whose copy of b is one ulp off miss it and give
 * the memo-less result. */
static void check_poison(const char *name, JitOptions o) {
  Case c;
  case_init(&c, false);
  Points pt;
  points_init(&pt);
  JitModule *on = compile(&c, o, true, false), *off = compile(&c, o, false, false);
  const SchedBlas *slot = kernel_memo(on, BLO_K_HVP_YY);
  assert_non_null(slot);
  int64_t ws = jit_work_size(on), wo = jit_work_size(off);
  double *work = calloc((size_t)ws, sizeof(double)), *wk_off = calloc((size_t)wo, sizeof(double));
  double want[NY], got[NY], grad[NY], g;
  double *ow[1] = {want}, *og[1] = {got}, *gg[2] = {&g, grad};
  BloEnv env = {c.jd.view, NULL, work, NULL}, env_off = {c.jd.view, NULL, wk_off, NULL};
  BloKernelFn gyg = jit_kernel(on, BLO_K_GRAD_Y_G), hvp = jit_kernel(on, BLO_K_HVP_YY);
  double *cslot = work + slot->c.offset, *bcopy = work + slot->memo_at + SCHED_MEMO_HEADER;
  struct {
    int y;              /* the point of the hvp */
    bool other_data, flip_b;
    bool poisoned;      /* the result must show the poison */
  } cases[] = {{0, false, false, true}, {2, false, false, false}, {0, true, false, false},
               {0, false, true, false}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    gyg(&env, pt.xs[0], pt.ys[0], NULL, gg); /* fills the slot at ys[0] */
    for (int64_t e = 0; e < M * NC; e++) cslot[e] = 0.5; /* not X W */
    if (cases[i].flip_b) bcopy[17] = nextafter(bcopy[17], 2.0);
    BloEnv ev = env;
    if (cases[i].other_data) ev.data = c.jd_changed.view;
    hvp(&ev, pt.xs[0], pt.ys[cases[i].y], pt.vs[0], og);
    env_off.data = ev.data;
    jit_kernel(off, BLO_K_HVP_YY)(&env_off, pt.xs[0], pt.ys[cases[i].y], pt.vs[0], ow);
    bool same = !memcmp(want, got, sizeof want);
    if (cases[i].poisoned && same)
      fail_msg("%s: the hit did not read the slot (poisoned, same result)", name);
    if (!cases[i].poisoned && !same)
      fail_msg("%s: case %zu should miss the slot but differs from the memo-less plan", name, i);
  }
  free(work);
  free(wk_off);
  jit_free(on);
  jit_free(off);
  points_free(&pt);
  case_free(&c);
}

static void test_hit_reads_slot(void **state) {
  (void)state;
  JitOptions o = jit_default_options();
  check_poison("default plan", o);
  o.sched.no_par = true;
  check_poison("no regions", o);
}

/* The memo'd product used otherwise by another kernel: f adds sum((X W)' (X W)), so grad_f
 * reads X W as a product's operand (no slot there: its own buffer in grad_f's work), while
 * grad_y_g and hvp_yy keep it in the slot. grad_f's buffer must stay where its plan put it
 * (placing the slots once moved every kernel's buffer of that node): every plan verifies and
 * every kernel gives the memo-less plan's bits. */
static void test_slot_and_plain_buffer(void **state) {
  (void)state;
  Case c;
  case_init(&c, false);
  IrGraph *g = &c.p.graph;
  IrNode *xw = ir_matmul(g, ir_data(g, 0, shape_matrix(M, NF)), c.p.yvars[0]);
  IrNode *gram = ir_reduce(g, IR_SUM, ir_matmul(g, ir_transpose(g, xw), xw));
  c.p.f = ir_add(g, c.p.f, ir_scale(g, 1e-3, gram));
  hp_derive(&c.p);
  JitOptions o = jit_default_options();
  JitModule *on = compile(&c, o, true, false), *off = compile(&c, o, false, false);
  const SchedBlas *slot = kernel_memo(on, BLO_K_HVP_YY);
  assert_non_null(slot);
  assert_int_equal(slot->node, xw->id);
  assert_null(kernel_memo(on, BLO_K_GRAD_F));
  char err[512];
  for (int id = 0; id < BLO_K_COUNT; id++) {
    const SchedKernel *k = jit_plan(on, (BloKernelId)id);
    if (k && sched_verify_kernel(&c.p, k, err, sizeof err))
      fail_msg("plan of %s: %s", k->name, err);
  }
  double *a[BLO_K_COUNT][4], *b[BLO_K_COUNT][4];
  jr_run_all(&c.p, on, c.jd.view, NULL, 3, a);
  jr_run_all(&c.p, off, c.jd.view, NULL, 3, b);
  int id, sl;
  if (!jr_same_outs(&c.p, a, b, &id, &sl))
    fail_msg("kernel %d slot %d differs from the plan without memo slots", id, sl);
  jr_free_outs(a);
  jr_free_outs(b);
  jit_free(on);
  jit_free(off);
  case_free(&c);
}

/* A product that would get a slot but is too wide for a skinny product (40 columns: a dgemm)
 * gets none, and is still packed with its partner as without memo slots: hvp_yy's X [W V] is
 * one dgemm either way. */
static void test_wide_product_packed(void **state) {
  (void)state;
  Arena arena;
  arena_init(&arena);
  IrProblem p;
  hp_hyperclean(&p, &arena, M, MV, NF, 40);
  JitOptions o = jit_default_options();
  o.cache_dir = "";
  JitModule *m[2] = {NULL, NULL};
  char err[512];
  for (int memo = 0; memo < 2; memo++) {
    o.sched.memo = memo;
    if (jit_compile(&p, &o, &m[memo], err, sizeof err)) fail_msg("compile: %s", err);
  }
  const SchedKernel *k[2] = {jit_plan(m[0], BLO_K_HVP_YY), jit_plan(m[1], BLO_K_HVP_YY)};
  assert_int_equal(sched_count_steps(k[0], SS_GEMM), sched_count_steps(k[1], SS_GEMM));
  assert_int_equal(sched_count_steps(k[1], SS_SKINNY_GEMM), 0);
  assert_null(kernel_memo(m[1], BLO_K_HVP_YY));
  jit_free(m[0]);
  jit_free(m[1]);
  arena_free(&arena);
}

int main(void) {
  rt_par_set_threads(2);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_plan_slots),
      cmocka_unit_test(test_sequence_bits),
      cmocka_unit_test(test_hit_reads_slot),
      cmocka_unit_test(test_slot_and_plain_buffer),
      cmocka_unit_test(test_wide_product_packed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
