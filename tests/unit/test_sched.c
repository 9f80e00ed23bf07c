/* test_sched.c — the execution planner (schedule.h): fusion of elementwise chains and their
 * reductions into single loops, BLAS folding (transposes, alpha, beta accumulation, dger),
 * row-wise fusion, multi-output loops, forward passes shared by combined kernels, work-buffer
 * reuse by liveness, and a structural check that every access of every plan stays inside the
 * work buffer and the output slots (kernels never allocate). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hand_problems.h"
#include "plan/schedule.h"

typedef struct Fix {
  Arena arena;
  IrProblem p;
  IrGraph *g;
  IrNode *x, *y, *A, *B, *c;
  SchedKernel k;
} Fix;

static void fix_init(Fix *f) {
  arena_init(&f->arena);
  hp_init(&f->p, &f->arena);
  f->g = &f->p.graph;
  f->x = hp_var(&f->p, 0, shape_vector(50));
  f->y = hp_var(&f->p, 1, shape_vector(40));
  f->A = ir_data(f->g, 0, shape_matrix(40, 50));
  f->B = ir_data(f->g, 1, shape_matrix(50, 40));
  f->c = ir_data(f->g, 2, shape_vector(50));
  f->p.ndata = 3;
}

/* Plan a kernel whose outputs are `nodes`, packed into slot 0. */
static void plan(Fix *f, IrNode *const *nodes, int n, const SchedOptions *opt) {
  IrKernel *k = &f->p.kernels[BLO_K_REPORTS];
  memset(k, 0, sizeof *k);
  k->id = BLO_K_REPORTS;
  k->name = "test";
  k->outs = arena_calloc(&f->arena, (size_t)n, sizeof(IrOutput));
  int64_t off = 0;
  for (int i = 0; i < n; i++) {
    k->outs[i] = (IrOutput){.slot = 0, .offset = off, .node = nodes[i]};
    off += shape_size(nodes[i]->shape);
  }
  k->nouts = n;
  k->nslots = 1;
  k->slot_size[0] = off;
  char err[256];
  assert_int_equal(sched_kernel(f->g, k, opt, &f->arena, &f->k, err, sizeof err), 0);
  if (getenv("BLOC_TEST_DUMP")) sched_dump(&f->k, stderr);
}

static void fix_free(Fix *f) { arena_free(&f->arena); }

/* ------------------------------------------------------------------ structural validity */

static int64_t extent(const SchedBuf *b, int64_t rows, int64_t cols) {
  return b->offset + (rows - 1) * (b->ld > 1 ? b->ld : (cols > 1 ? cols : 1)) + cols;
}

static void check_buf(const SchedKernel *k, const IrKernel *ik, const SchedBuf *b, int64_t rows,
                      int64_t cols) {
  if (b->base == SB_WORK) {
    assert_true(b->offset >= 0);
    assert_true(extent(b, rows, cols) <= k->work_size);
  } else if (b->base == SB_OUT) {
    assert_true(b->index >= 0 && b->index < ik->nslots);
    assert_true(extent(b, rows, cols) <= ik->slot_size[b->index]);
  } else if (b->base == SB_SREG) {
    assert_true(b->index >= 0 && b->index < k->nsregs);
  }
}

static void check_expr(const SchedKernel *k, const IrKernel *ik, const SchedExpr *e) {
  assert_true(e->id >= 0 && e->id < k->nexprs);
  if (e->op == SCHED_LOAD) check_buf(k, ik, &e->buf, e->shape.rows, e->shape.cols);
  for (int i = 0; i < e->nargs; i++) check_expr(k, ik, e->args[i]);
}

/* Every buffer a plan touches lies inside the work buffer, an output slot, a scalar register
 * or an input: the kernel needs no memory of its own. Region bodies and their reductions'
 * partials (one per task) included. */
static void check_steps(const SchedKernel *k, const IrKernel *ik, const SchedStep *steps,
                        int nsteps, bool in_region);

static void check_plan(const SchedKernel *k, const IrKernel *ik) {
  check_steps(k, ik, k->steps, k->nsteps, false);
}

static void check_steps(const SchedKernel *k, const IrKernel *ik, const SchedStep *steps,
                        int nsteps, bool in_region) {
  for (int i = 0; i < nsteps; i++) {
    const SchedStep *st = &steps[i];
    if (st->kind == SS_PAR_ROWS) {
      assert_false(in_region);
      assert_true(st->ntasks >= 1 && st->ntasks <= SCHED_PAR_MAX_TASKS);
      assert_true(st->block_rows >= 1 && st->task_rows % st->block_rows == 0);
      assert_true((st->ntasks - 1) * st->task_rows < st->rows &&
                  st->ntasks * st->task_rows >= st->rows);
      for (int r = 0; r < st->nreds; r++) {
        const SchedReduce *rd = &st->reds[r];
        assert_int_equal(rd->part.base, SB_WORK);
        assert_true(rd->stride >= rd->rows * rd->cols && rd->stride % 8 == 0);
        assert_true(rd->part.offset + st->ntasks * rd->stride <= k->work_size);
        check_buf(k, ik, &rd->dest, rd->rows, rd->cols);
      }
      for (int j = 0; j < st->nbody; j++) { /* every body step runs over the region's rows */
        const SchedStep *b = &st->body[j];
        int64_t rows =
            b->kind == SS_SKINNY_GEMM ? (b->blas.trans_a ? b->blas.k : b->blas.m) : b->rows;
        assert_int_equal(rows, st->rows);
      }
      check_steps(k, ik, st->body, st->nbody, true);
      continue;
    }
    for (int j = 0; j < st->nitems; j++) {
      const SchedItem *it = &st->items[j];
      check_expr(k, ik, it->expr);
      if (it->kind == SI_WRITE) check_buf(k, ik, &it->dest, st->rows, st->cols);
      else if (it->kind == SI_SCATTER || it->kind == SI_SUM_COLS)
        check_buf(k, ik, &it->dest, it->dest_rows, it->dest_cols);
      else if (it->kind == SI_ROW_SUM || it->kind == SI_ROW_LSE || it->kind == SI_ROW_ARGMAX)
        check_buf(k, ik, &it->dest, st->rows, 1);
      else if (!it->part) check_buf(k, ik, &it->dest, 1, 1);
      assert_true(!it->part || in_region);
    }
    const SchedBlas *b = &st->blas;
    if (st->kind == SS_SKINNY_GEMM) {
      assert_true(b->n >= 1 && b->n <= SCHED_SKINNY_MAX_N);
      assert_true(b->trans_b == !b->trans_a);
      if (!b->part) check_buf(k, ik, &b->c, b->m, b->n);
      assert_true(!b->part || in_region);
      check_buf(k, ik, &b->a, b->trans_a ? b->k : b->m, b->trans_a ? b->m : b->k);
      if (b->n > 1 || b->trans_a)
        check_buf(k, ik, &b->b, b->trans_b ? b->n : b->k, b->trans_b ? b->k : b->n);
    } else if (st->kind == SS_GEMM) {
      check_buf(k, ik, &b->c, b->m, b->n);
      check_buf(k, ik, &b->a, b->trans_a ? b->k : b->m, b->trans_a ? b->m : b->k);
      check_buf(k, ik, &b->b, b->trans_b ? b->n : b->k, b->trans_b ? b->k : b->n);
    } else if (st->kind == SS_GEMV || st->kind == SS_SYMV) {
      check_buf(k, ik, &b->a, b->m, b->n);
      check_buf(k, ik, &b->c, b->trans_a ? b->n : b->m, 1);
    } else if (st->kind == SS_GER) {
      check_buf(k, ik, &b->c, b->m, b->n);
    }
  }
}

static int count_steps_in(const SchedStep *par, SchedStepKind kind) {
  int c = 0;
  for (int j = 0; j < par->nbody; j++) c += par->body[j].kind == kind;
  return c;
}

/* ------------------------------------------------------------------ fusion */

static void test_chain_is_one_loop(void **state) {
  (void)state;
  Fix f;
  fix_init(&f);
  IrGraph *g = f.g;
  IrNode *t = ir_add(g, ir_mul(g, f.x, f.c), ir_scalar(g, 1));             /* 2 ops */
  IrNode *e = ir_sub(g, ir_unary(g, IR_EXP, ir_unary(g, IR_SIN, t)), f.x); /* 3 more */
  plan(&f, &e, 1, NULL);
  assert_int_equal(f.k.nsteps, 1);
  assert_int_equal(f.k.steps[0].kind, SS_LOOP);
  assert_int_equal(f.k.steps[0].nitems, 1);
  assert_int_equal(f.k.steps[0].items[0].dest.base, SB_OUT); /* written straight into the slot */
  assert_int_equal(f.k.work_size, 0);
  fix_free(&f);
}

static void test_sum_of_tree_is_one_loop(void **state) {
  (void)state;
  Fix f;
  fix_init(&f);
  IrGraph *g = f.g;
  IrNode *r = ir_sub(g, ir_mul(g, f.c, f.x), ir_unary(g, IR_TANH, f.x));
  IrNode *s = ir_dot(g, r, r); /* sum of an elementwise tree: accumulators, no temporary */
  plan(&f, &s, 1, NULL);
  assert_int_equal(sched_count_steps(&f.k, SS_LOOP), 1);
  assert_int_equal(sched_count_items(&f.k, SI_SUM), 1);
  assert_int_equal(f.k.work_size, 0);
  fix_free(&f);
}

static void test_multi_output_loop(void **state) {
  (void)state;
  Fix f;
  fix_init(&f);
  IrGraph *g = f.g;
  IrNode *e = ir_unary(g, IR_EXP, ir_mul(g, f.x, f.c)); /* shared and expensive */
  IrNode *outs[3] = {ir_mul(g, e, f.x), ir_add(g, e, f.c), ir_reduce(g, IR_SUM, e)};
  plan(&f, outs, 3, NULL);
  /* e is computed once per element, in the one loop that writes both outputs and the sum
   * (straight into the output slot) */
  assert_int_equal(f.k.nsteps, 1);
  assert_int_equal(f.k.steps[0].kind, SS_LOOP);
  assert_int_equal(f.k.steps[0].nitems, 3);
  assert_int_equal(f.k.work_size, 0);
  fix_free(&f);
}

static void test_rows_fuse(void **state) {
  (void)state;
  Fix f;
  fix_init(&f);
  IrGraph *g = f.g;
  IrNode *Z = ir_data(g, 3, shape_matrix(30, 10)), *Y = ir_data(g, 4, shape_matrix(30, 10));
  IrNode *ce = ir_sub(g, ir_reduce(g, IR_LSE_ROWS, Z), ir_reduce(g, IR_SUM_ROWS, ir_mul(g, Z, Y)));
  IrNode *outs[2] = {ce, ir_reduce(g, IR_ARGMAX_ROWS, Z)};
  plan(&f, outs, 2, NULL);
  assert_int_equal(sched_count_steps(&f.k, SS_ROWS), 1);
  assert_int_equal(sched_count_items(&f.k, SI_ROW_LSE), 1);
  assert_int_equal(sched_count_items(&f.k, SI_ROW_SUM), 1);
  assert_int_equal(sched_count_items(&f.k, SI_ROW_ARGMAX), 1);
  fix_free(&f);
}

static void test_no_fusion_option(void **state) {
  (void)state;
  Fix f;
  fix_init(&f);
  IrGraph *g = f.g;
  IrNode *e = ir_unary(g, IR_EXP, ir_mul(g, f.x, f.c));
  IrNode *outs[2] = {ir_mul(g, e, f.x), ir_add(g, e, f.c)};
  SchedOptions o = {.no_fusion = true, .no_blas_fold = true};
  plan(&f, outs, 2, &o);
  assert_int_equal(sched_count_steps(&f.k, SS_LOOP), 3);
  fix_free(&f);
}

/* ------------------------------------------------------------------ BLAS folding */

/* The BLAS path (what backends without skinny products and regions get) */
static const SchedOptions blas_only = {.no_skinny = true, .no_par = true};

static void test_transposed_matvec(void **state) {
  (void)state;
  Fix f;
  fix_init(&f);
  IrNode *e = ir_vecmat(f.g, f.y, f.A); /* A' y */
  plan(&f, &e, 1, &blas_only);
  assert_int_equal(f.k.nsteps, 1);
  const SchedStep *st = &f.k.steps[0];
  assert_int_equal(st->kind, SS_GEMV);
  assert_true(st->blas.trans_a);
  assert_int_equal(st->blas.m, 40); /* stored dimensions of A */
  assert_int_equal(st->blas.n, 50);
  assert_int_equal(st->blas.a.base, SB_DATA);
  assert_int_equal(st->blas.b.base, SB_Y);
  assert_int_equal(st->blas.c.base, SB_OUT);
  assert_true(st->blas.beta == 0);
  assert_int_equal(f.k.work_size, 0);
  fix_free(&f);
}

static void test_alpha_beta(void **state) {
  (void)state;
  Fix f;
  fix_init(&f);
  IrGraph *g = f.g;
  /* c * (A x): alpha = c */
  IrNode *e = ir_scale(g, 3, ir_matvec(g, f.A, f.x));
  plan(&f, &e, 1, &blas_only);
  assert_int_equal(f.k.nsteps, 1);
  assert_int_equal(f.k.steps[0].kind, SS_GEMV);
  assert_true(f.k.steps[0].blas.alpha == 3);
  assert_false(f.k.steps[0].blas.trans_a);
  /* acc - s (A x), s a runtime scalar: the elementwise part first, then gemv with beta = 1 */
  IrNode *s = ir_reduce(g, IR_SUM, ir_mul(g, f.y, f.y));
  IrNode *acc = ir_unary(g, IR_SIN, f.y);
  e = ir_sub(g, acc, ir_mul(g, s, ir_matvec(g, f.A, f.x)));
  plan(&f, &e, 1, &blas_only);
  assert_int_equal(sched_count_steps(&f.k, SS_GEMV), 1);
  const SchedStep *gv = NULL;
  for (int i = 0; i < f.k.nsteps; i++)
    if (f.k.steps[i].kind == SS_GEMV) gv = &f.k.steps[i];
  assert_true(gv->blas.alpha == -1);
  assert_int_equal(gv->blas.alpha_buf.base, SB_SREG);
  assert_true(gv->blas.beta == 1);
  assert_int_equal(gv->blas.c.base, SB_OUT);
  assert_int_equal(sched_count_items(&f.k, SI_WRITE), 1);
  int partial = 0;
  for (int i = 0; i < f.k.nsteps; i++)
    for (int j = 0; j < f.k.steps[i].nitems; j++) partial += f.k.steps[i].items[j].partial;
  assert_int_equal(partial, 1);
  assert_int_equal(f.k.work_size, 0);
  /* two products in one accumulation: gemm + gemm (beta 1) + ger */
  IrNode *P = ir_add(
      g,
      ir_add(g, ir_matmul(g, f.A, f.B), ir_matmul(g, ir_transpose(g, f.B), ir_transpose(g, f.A))),
      ir_outer(g, f.y, f.y));
  plan(&f, &P, 1, &blas_only);
  assert_int_equal(sched_count_steps(&f.k, SS_GEMM), 2);
  assert_int_equal(sched_count_steps(&f.k, SS_GER), 1);
  assert_int_equal(sched_count_steps(&f.k, SS_LOOP), 0);
  assert_true(f.k.steps[0].blas.beta == 0 && f.k.steps[1].blas.beta == 1 &&
              f.k.steps[2].blas.beta == 1);
  assert_true(
      (f.k.steps[0].blas.trans_a && f.k.steps[0].blas.trans_b) !=
      (f.k.steps[1].blas.trans_a && f.k.steps[1].blas.trans_b)); /* B'A' folds both transposes */
  fix_free(&f);
}

static void test_blas_operand_materialised(void **state) {
  (void)state;
  Fix f;
  fix_init(&f);
  IrGraph *g = f.g;
  /* A (sin(x)) needs sin(x) in memory; the result used twice stays in one buffer */
  IrNode *t = ir_matvec(g, f.A, ir_unary(g, IR_SIN, f.x));
  IrNode *outs[2] = {ir_unary(g, IR_EXP, t), ir_mul(g, t, f.y)};
  plan(&f, outs, 2, &blas_only);
  assert_int_equal(sched_count_steps(&f.k, SS_GEMV), 1);
  assert_int_equal(f.k.materialised, 2);
  assert_int_equal(f.k.steps[f.k.nsteps - 1].nitems, 2); /* both outputs in one loop */
  fix_free(&f);
}

/* X W and X V share X: one dgemm on [W V] (X streamed once), results as column blocks.
 * Only products whose right operands are already computed join (here: data); X tanh(V) is
 * computed after X W and stays a product of its own. */
static void test_packed_products(void **state) {
  (void)state;
  Fix f;
  fix_init(&f);
  IrGraph *g = f.g;
  IrNode *X = ir_data(g, 3, shape_matrix(500, 100));
  IrNode *W = ir_data(g, 4, shape_matrix(100, 10)), *V = ir_data(g, 5, shape_matrix(100, 4));
  IrNode *P = ir_matmul(g, X, W), *Q = ir_matmul(g, X, V),
         *R = ir_matmul(g, X, ir_unary(g, IR_TANH, V));
  IrNode *outs[3] = {ir_reduce(g, IR_SUM_ROWS, ir_unary(g, IR_EXP, P)),
                     ir_reduce(g, IR_SUM_ROWS, ir_mul(g, Q, Q)), ir_reduce(g, IR_SUM_COLS, R)};
  plan(&f, outs, 3, &blas_only);
  check_plan(&f.k, &f.p.kernels[BLO_K_REPORTS]);
  assert_int_equal(sched_count_steps(&f.k, SS_GEMM), 2);
  int packed = 0;
  for (int i = 0; i < f.k.nsteps; i++)
    if (f.k.steps[i].kind == SS_GEMM && f.k.steps[i].blas.n == 14) {
      packed++;
      assert_int_equal(f.k.steps[i].blas.b.ld, 14); /* [W V] */
      assert_int_equal(f.k.steps[i].blas.c.ld, 14);
    }
  assert_int_equal(packed, 1);
  SchedOptions o = blas_only;
  o.no_fusion = true;
  plan(&f, outs, 3, &o);
  assert_int_equal(sched_count_steps(&f.k, SS_GEMM), 3);
  fix_free(&f);
}

/* ------------------------------------------------------------------ skinny products, regions */

/* Products with at most 32 columns get the backend's own loops; a b reads b transposed (a
 * copy when b is not already stored so), a' b reads b as is; matrix-vector products too,
 * unless dsymv applies. */
static void test_skinny_choice(void **state) {
  (void)state;
  Fix f;
  fix_init(&f);
  IrGraph *g = f.g;
  IrNode *X = ir_data(g, 3, shape_matrix(300, 70));
  for (int n = 31; n <= 33; n++) {
    IrNode *W = ir_data(g, 4, shape_matrix(70, n));
    IrNode *e = ir_matmul(g, X, W);
    plan(&f, &e, 1, NULL);
    check_plan(&f.k, &f.p.kernels[BLO_K_REPORTS]);
    assert_int_equal(sched_count_steps(&f.k, SS_SKINNY_GEMM), n <= SCHED_SKINNY_MAX_N);
    assert_int_equal(sched_count_steps(&f.k, SS_GEMM), n > SCHED_SKINNY_MAX_N);
    if (n <= SCHED_SKINNY_MAX_N) assert_int_equal(sched_count_steps(&f.k, SS_LOOP), 1); /* W' */
  }
  /* X W' with W stored n x k: read in place; X' G: G read in place, G' copied */
  IrNode *Wt = ir_data(g, 4, shape_matrix(12, 70)), *G = ir_data(g, 5, shape_matrix(300, 12));
  IrNode *Gt = ir_data(g, 6, shape_matrix(12, 300));
  IrNode *outs[3] = {ir_matmul(g, X, ir_transpose(g, Wt)), ir_matmul(g, ir_transpose(g, X), G),
                     ir_matmul(g, ir_transpose(g, X), ir_transpose(g, Gt))};
  SchedOptions nopar = {.no_par = true};
  plan(&f, outs, 3, &nopar);
  check_plan(&f.k, &f.p.kernels[BLO_K_REPORTS]);
  assert_int_equal(sched_count_steps(&f.k, SS_SKINNY_GEMM), 3);
  assert_int_equal(sched_count_steps(&f.k, SS_LOOP), 1); /* Gt' only */
  for (int i = 0; i < f.k.nsteps; i++)
    if (f.k.steps[i].kind == SS_SKINNY_GEMM)
      assert_true(f.k.steps[i].blas.trans_b == !f.k.steps[i].blas.trans_a);
  /* matrix-vector products, both ways; BLAS when asked */
  IrNode *mv[2] = {ir_matvec(g, f.A, f.x), ir_vecmat(g, f.y, f.A)};
  plan(&f, mv, 2, &nopar);
  assert_int_equal(sched_count_steps(&f.k, SS_SKINNY_GEMM), 2);
  assert_int_equal(f.k.work_size, 0);
  plan(&f, mv, 2, &blas_only);
  assert_int_equal(sched_count_steps(&f.k, SS_SKINNY_GEMM), 0);
  assert_int_equal(sched_count_steps(&f.k, SS_GEMV), 2);
  fix_free(&f);
}

/* Region blocks are sized in bytes: with float data (precision f32) a row of X takes half the
 * bytes, so a block holds about twice the rows. */
static void test_region_block_bytes(void **state) {
  (void)state;
  int64_t block[2];
  for (int f32 = 0; f32 < 2; f32++) {
    Fix f;
    fix_init(&f);
    IrGraph *g = f.g;
    IrNode *X = ir_data(g, 3, shape_matrix(4000, 800)), *W = ir_data(g, 4, shape_matrix(800, 10));
    IrNode *out = ir_reduce(g, IR_SUM_ROWS, ir_unary(g, IR_TANH, ir_matmul(g, X, W)));
    SchedOptions o = {.f32_data = f32};
    plan(&f, &out, 1, &o);
    check_plan(&f.k, &f.p.kernels[BLO_K_REPORTS]);
    block[f32] = 0;
    for (int i = 0; i < f.k.nsteps; i++)
      if (f.k.steps[i].kind == SS_PAR_ROWS) block[f32] = f.k.steps[i].block_rows;
    fix_free(&f);
  }
  assert_true(block[0] >= 12);
  assert_true(block[1] >= 2 * block[0] - 12 && block[1] <= 2 * block[0] + 12);
}

/* A region holds only steps that touch row r of what it writes at row r: a step reading
 * another row of the product (a slice with a row offset) or reading a sum over all rows
 * comes after it; what does not depend on the region moves before it. */
static void test_region_boundaries(void **state) {
  (void)state;
  Fix f;
  fix_init(&f);
  IrGraph *g = f.g;
  IrNode *X = ir_data(g, 3, shape_matrix(400, 60)), *W = ir_data(g, 4, shape_matrix(60, 5));
  IrNode *Z = ir_unary(g, IR_TANH, ir_matmul(g, X, W));                  /* 400 x 5 */
  IrNode *s = ir_reduce(g, IR_SUM, ir_mul(g, Z, Z));                      /* sum over rows */
  IrNode *shift = ir_slice(g, Z, 1, 400, 0, 5);                            /* row r + 1 */
  IrNode *outs[3] = {ir_reduce(g, IR_SUM_ROWS, ir_mul(g, s, Z)),          /* reads the sum */
                     ir_reduce(g, IR_SUM_COLS, shift), ir_unary(g, IR_SIN, f.c)};
  SchedOptions o = {.par_min_cost = 1, .par_block_rows = 24};
  plan(&f, outs, 3, &o);
  check_plan(&f.k, &f.p.kernels[BLO_K_REPORTS]);
  const SchedStep *par = NULL;
  int at = -1, sin_at = -1, sum_at = -1, shift_at = -1;
  for (int i = 0; i < f.k.nsteps; i++) {
    const SchedStep *st = &f.k.steps[i];
    const SchedStep *body = st->kind == SS_PAR_ROWS ? st->body : st;
    int nb = st->kind == SS_PAR_ROWS ? st->nbody : 1;
    for (int j = 0; j < nb; j++) {
      if (body[j].kind == SS_SKINNY_GEMM) par = &f.k.steps[at = i];
      for (int q = 0; q < body[j].nitems; q++) {
        if (body[j].items[q].kind == SI_ROW_SUM) sum_at = i;
        if (body[j].items[q].kind == SI_SUM_COLS) shift_at = i;
        if (body[j].rows == 50) sin_at = i;
      }
    }
  }
  assert_non_null(par);
  assert_int_equal(par->kind, SS_PAR_ROWS);
  assert_int_equal(par->rows, 400);
  assert_int_equal(par->block_rows, 24);
  assert_int_equal(par->nreds, 1); /* the sum */
  assert_true(sum_at > at && shift_at > at); /* neither the use of s nor the shifted read */
  assert_true(sin_at >= 0 && sin_at < at);   /* independent of the region: before it */
  fix_free(&f);
}

/* ------------------------------------------------------------------ liveness */

static void test_buffer_reuse(void **state) {
  (void)state;
  Fix f;
  fix_init(&f);
  IrGraph *g = f.g;
  IrNode *M = ir_data(g, 3, shape_matrix(50, 50));
  IrNode *v = f.x;
  for (int i = 0; i < 6; i++) v = ir_unary(g, IR_TANH, ir_matvec(g, M, v)); /* 12 temporaries */
  plan(&f, &v, 1, &blas_only);
  check_plan(&f.k, &f.p.kernels[BLO_K_REPORTS]);
  assert_int_equal(sched_count_steps(&f.k, SS_GEMV), 6);
  assert_true(f.k.work_size <= 2 * 56); /* two live 50-vectors at a time (8-aligned) */
  fix_free(&f);
}

/* ------------------------------------------------------------------ whole problems */

static void test_problem_plans(void **state) {
  (void)state;
  Arena arena;
  arena_init(&arena);
  IrProblem p;
  hp_synthetic(&p, &arena, 100, 0.5);
  SchedPlan plan;
  char err[256];
  assert_int_equal(sched_problem(&p, NULL, &arena, &plan, err, sizeof err), 0);
  int64_t ws = 0;
  for (int id = 0; id < BLO_K_COUNT; id++) {
    assert_int_equal(plan.present[id], p.kernels[id].nouts > 0);
    if (!plan.present[id]) continue;
    check_plan(&plan.kernels[id], &p.kernels[id]);
    if (plan.kernels[id].work_size > ws) ws = plan.kernels[id].work_size;
  }
  assert_int_equal(plan.work_size, ws);
  /* the combined kernel runs G y and G v once each and logsumexp once */
  const SchedKernel *both = &plan.kernels[BLO_K_GRAD_Y_G_HVP_YY];
  assert_int_equal(sched_count_steps(both, SS_SYMV), 2); /* G is symmetric data: dsymv */
  assert_int_equal(sched_count_steps(both, SS_LSE), 1);
  assert_int_equal(sched_count_steps(&plan.kernels[BLO_K_GRAD_Y_G], SS_SYMV), 1);
  assert_int_equal(sched_count_steps(&plan.kernels[BLO_K_HVP_XY], SS_SYMV), 0);
  /* dump: readable and mentions the product */
  char *buf = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&buf, &len);
  sched_dump(both, out);
  fclose(out);
  assert_non_null(strstr(buf, "kernel grad_y_g_hvp_yy"));
  assert_non_null(strstr(buf, "symv"));
  assert_non_null(strstr(buf, "logsumexp"));
  free(buf);

  IrProblem h;
  hp_hyperclean(&h, &arena, 500, 400, 785, 10);
  SchedOptions blas = blas_only;
  assert_int_equal(sched_problem(&h, &blas, &arena, &plan, err, sizeof err), 0);
  for (int id = 0; id < BLO_K_COUNT; id++)
    if (plan.present[id]) check_plan(&plan.kernels[id], &h.kernels[id]);
  /* grad_y g = X' G + 0.02 W: a partial loop writing 0.02 W into the output, then one dgemm
   * with X transposed accumulating into it */
  const SchedKernel *k = &plan.kernels[BLO_K_GRAD_Y_G];
  const SchedStep *last = &k->steps[k->nsteps - 1];
  assert_int_equal(last->kind, SS_GEMM);
  assert_true(last->blas.trans_a && last->blas.beta == 1);
  assert_int_equal(last->blas.c.base, SB_OUT);
  assert_int_equal(sched_count_steps(k, SS_GEMM), 2);
  assert_int_equal(sched_count_steps(k, SS_ROWS), 1);

  /* the default plan: skinny products, and the row pass as one region: X W, the row
   * reductions, the loss, the weights G and X' G run block by block (X read once), with the
   * loss and X' G summed per task; 0.02 W is written before the region, the loss scaled after */
  hp_hyperclean(&h, &arena, 5000, 400, 785, 10);
  assert_int_equal(sched_problem(&h, NULL, &arena, &plan, err, sizeof err), 0);
  for (int id = 0; id < BLO_K_COUNT; id++)
    if (plan.present[id]) check_plan(&plan.kernels[id], &h.kernels[id]);
  k = &plan.kernels[BLO_K_GRAD_Y_G];
  assert_int_equal(sched_count_steps(k, SS_GEMM), 0);
  assert_int_equal(sched_count_steps(k, SS_SKINNY_GEMM), 2);
  assert_int_equal(sched_count_steps(k, SS_PAR_ROWS), 1);
  const SchedStep *par = NULL;
  int at = -1;
  for (int i = 0; i < k->nsteps; i++)
    if (k->steps[i].kind == SS_PAR_ROWS) par = &k->steps[at = i];
  /* before it: W' for the dot products of X W, and 0.02 W into the output (hoisted) */
  assert_true(at >= 1);
  int hoisted = 0;
  for (int i = 0; i < at; i++) {
    assert_int_equal(k->steps[i].kind, SS_LOOP);
    for (int j = 0; j < k->steps[i].nitems; j++)
      hoisted += k->steps[i].items[j].dest.base == SB_OUT;
  }
  assert_int_equal(hoisted, 1);
  assert_int_equal(par->rows, 5000);
  assert_true(par->ntasks > 1);
  assert_int_equal(par->nreds, 2);
  assert_int_equal(count_steps_in(par, SS_SKINNY_GEMM), 2);
  const SchedStep *tn = NULL;
  for (int j = 0; j < par->nbody; j++)
    if (par->body[j].kind == SS_SKINNY_GEMM && par->body[j].blas.trans_a) tn = &par->body[j];
  assert_non_null(tn);
  const SchedReduce *rd = &par->reds[tn->blas.part - 1];
  assert_true(rd->beta == 1 && rd->rows == 785 && rd->cols == 10);
  assert_int_equal(rd->dest.base, SB_OUT); /* X' G accumulates into 0.02 W */
  /* the Hessian products: X [W V] (packed, 20 columns) and X' G in one region */
  k = &plan.kernels[BLO_K_HVP_YY];
  assert_int_equal(sched_count_steps(k, SS_PAR_ROWS), 1);
  assert_int_equal(sched_count_steps(k, SS_SKINNY_GEMM), 2);
  for (int i = 0; i < k->nsteps; i++)
    if (k->steps[i].kind == SS_PAR_ROWS)
      for (int j = 0; j < k->steps[i].nbody; j++)
        if (k->steps[i].body[j].kind == SS_SKINNY_GEMM && !k->steps[i].body[j].blas.trans_a)
          assert_int_equal(k->steps[i].body[j].blas.n, 20);
  /* one product per region prefetches the next block of X: X' G where there is one (it
   * measured faster than prefetching in X W, or in both), else X W (f) */
  for (int id = 0; id < BLO_K_COUNT; id++) {
    if (!plan.present[id]) continue;
    for (int i = 0; i < plan.kernels[id].nsteps; i++) {
      const SchedStep *st = &plan.kernels[id].steps[i];
      if (st->kind != SS_PAR_ROWS) continue;
      int n_tn = 0, n_nn = 0, pf_tn = 0, pf_nn = 0;
      for (int j = 0; j < st->nbody; j++) {
        const SchedBlas *b = &st->body[j].blas;
        if (st->body[j].kind != SS_SKINNY_GEMM) continue;
        *(b->trans_a ? &n_tn : &n_nn) += 1;
        *(b->trans_a ? &pf_tn : &pf_nn) += b->prefetch;
      }
      assert_int_equal(pf_tn + pf_nn, n_tn + n_nn > 0);
      assert_int_equal(pf_tn, n_tn > 0);
    }
  }
  k = &plan.kernels[BLO_K_F];
  for (int i = 0; i < k->nsteps; i++)
    for (int j = 0; k->steps[i].kind == SS_PAR_ROWS && j < k->steps[i].nbody; j++)
      if (k->steps[i].body[j].kind == SS_SKINNY_GEMM)
        assert_true(k->steps[i].body[j].blas.prefetch);
  /* no regions: the same steps in order, ordinary steps */
  SchedOptions nopar = {.no_par = true};
  assert_int_equal(sched_problem(&h, &nopar, &arena, &plan, err, sizeof err), 0);
  assert_int_equal(sched_count_steps(&plan.kernels[BLO_K_GRAD_Y_G], SS_PAR_ROWS), 0);
  assert_int_equal(sched_count_steps(&plan.kernels[BLO_K_GRAD_Y_G], SS_SKINNY_GEMM), 2);
  /* the dump shows the region */
  assert_int_equal(sched_problem(&h, NULL, &arena, &plan, err, sizeof err), 0);
  buf = NULL;
  out = open_memstream(&buf, &len);
  sched_dump(&plan.kernels[BLO_K_GRAD_Y_G], out);
  fclose(out);
  assert_non_null(strstr(buf, "par_rows 5000"));
  assert_non_null(strstr(buf, "skinny_gemm"));
  assert_non_null(strstr(buf, "combine 1"));
  assert_non_null(strstr(buf, "(partial 1)  (prefetch)"));
  free(buf);
  arena_free(&arena);
}

static void test_generator_rejected(void **state) {
  (void)state;
  Fix f;
  fix_init(&f);
  IrNode *e =
      ir_add(f.g, f.x, ir_rand(f.g, IR_RAND_NORMAL, 0, 1, "z", shape_vector(50), SPAN_NONE));
  IrKernel *k = &f.p.kernels[BLO_K_REPORTS];
  IrOutput o = {.slot = 0, .offset = 0, .node = e};
  k->outs = &o;
  k->nouts = 1;
  k->nslots = 1;
  k->slot_size[0] = 50;
  k->name = "test";
  char err[256];
  assert_int_equal(sched_kernel(f.g, k, NULL, &f.arena, &f.k, err, sizeof err), -1);
  assert_non_null(strstr(err, "internal error"));
  assert_non_null(strstr(err, "rand"));
  fix_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_chain_is_one_loop), cmocka_unit_test(test_sum_of_tree_is_one_loop),
    cmocka_unit_test(test_multi_output_loop), cmocka_unit_test(test_rows_fuse),
    cmocka_unit_test(test_no_fusion_option), cmocka_unit_test(test_transposed_matvec),
    cmocka_unit_test(test_alpha_beta), cmocka_unit_test(test_blas_operand_materialised),
    cmocka_unit_test(test_packed_products), cmocka_unit_test(test_skinny_choice),
    cmocka_unit_test(test_region_boundaries),
    cmocka_unit_test(test_region_block_bytes),
    cmocka_unit_test(test_buffer_reuse), cmocka_unit_test(test_problem_plans),
    cmocka_unit_test(test_generator_rejected),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
