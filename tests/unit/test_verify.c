/* test_verify.c — the checks between passes (ir_verify.h, schedule_verify.h): graphs and
 * plans broken on purpose, one rule at a time, must be rejected with a message naming the
 * rule; valid problems and their real plans must pass; and a failure after a pass is an
 * internal error with exit status 3. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hand_problems.h"
#include "ir/ir_verify.h"
#include "plan/schedule_verify.h"

typedef struct Fix {
  Arena arena;
  IrProblem p;
  IrGraph *g;
  IrNode *x, *y, *A, *c;
  char err[512];
} Fix;

/* x: vector[5], y: vector[4]; data 0 A matrix[4, 5], 1 c vector[5]. */
static void fix_init(Fix *f) {
  arena_init(&f->arena);
  hp_init(&f->p, &f->arena);
  f->g = &f->p.graph;
  f->g->no_simplify = true;
  f->x = hp_var(&f->p, 0, shape_vector(5));
  f->y = hp_var(&f->p, 1, shape_vector(4));
  f->A = ir_data(f->g, 0, shape_matrix(4, 5));
  f->c = ir_data(f->g, 1, shape_vector(5));
  f->p.ndata = 2;
  f->err[0] = '\0';
}

static IrNode *raw(Fix *f, IrOp op, Shape s, IrNode *a, IrNode *b) {
  IrNode *args[2] = {a, b};
  return ir_node(f->g, op, s, args, (a != NULL) + (b != NULL), 0, 0, NULL, NULL);
}

/* The problem must fail verification with a message containing `want`. */
static void expect_ir_error(Fix *f, const char *want) {
  assert_int_equal(ir_verify_problem(&f->p, f->err, sizeof f->err), -1);
  if (!strstr(f->err, want)) fail_msg("message '%s' lacks '%s'", f->err, want);
  arena_free(&f->arena);
}

/* ------------------------------------------------------------------ the IR verifier */

static void test_ir_valid(void **state) {
  (void)state;
  Fix f;
  fix_init(&f);
  raw(&f, IR_MATVEC, shape_vector(4), f.A, f.x);
  raw(&f, IR_ADD, shape_vector(5), f.x, ir_scalar(f.g, 2));
  assert_int_equal(ir_verify_problem(&f.p, f.err, sizeof f.err), 0);
  arena_free(&f.arena);
  /* whole problems with derivatives, hoisting-free */
  Arena a;
  arena_init(&a);
  IrProblem p;
  hp_synthetic(&p, &a, 30, 0.5);
  assert_int_equal(ir_verify_problem(&p, f.err, sizeof f.err), 0);
  hp_hyperclean(&p, &a, 40, 30, 7, 3);
  assert_int_equal(ir_verify_problem(&p, f.err, sizeof f.err), 0);
  arena_free(&a);
}

static void test_ir_operand_count(void **state) {
  (void)state;
  Fix f;
  fix_init(&f);
  raw(&f, IR_EXP, shape_vector(5), f.x, f.c);
  expect_ir_error(&f, "2 operands, 'exp' takes 1");
}

static void test_ir_elementwise_shapes(void **state) {
  (void)state;
  Fix f;
  fix_init(&f);
  raw(&f, IR_ADD, shape_vector(5), f.x, f.y);
  expect_ir_error(&f, "operand 1 is vector[4], not vector[5] or a scalar");
  fix_init(&f);
  raw(&f, IR_EXP, shape_vector(4), f.x, NULL);
  expect_ir_error(&f, "the result is vector[4], should be vector[5]");
}

static void test_ir_products(void **state) {
  (void)state;
  Fix f;
  fix_init(&f);
  raw(&f, IR_MATVEC, shape_vector(4), f.A, f.y); /* A is 4 x 5: needs a vector[5] */
  expect_ir_error(&f, "are not conformable");
  fix_init(&f);
  raw(&f, IR_MATMUL, shape_matrix(4, 4), f.A, f.A);
  expect_ir_error(&f, "matrix[4, 5] @ matrix[4, 5] are not conformable");
  fix_init(&f);
  raw(&f, IR_TRANSPOSE, shape_matrix(4, 5), f.A, NULL);
  expect_ir_error(&f, "should be matrix[5, 4]");
}

/* Sparse data: only a sparse product, a sample gather or dense() may read it. */
static void test_ir_sparse(void **state) {
  (void)state;
  Fix f;
  Shape sp = shape_matrix(4, 5);
  sp.sparse = 1;
  fix_init(&f);
  IrNode *S = ir_data(f.g, 2, sp);
  f.p.ndata = 3;
  raw(&f, IR_SPMM, shape_vector(4), S, f.x);
  raw(&f, IR_SPMTM, shape_vector(5), S, f.y);
  raw(&f, IR_DENSE, shape_matrix(4, 5), S, NULL);
  assert_int_equal(ir_verify_problem(&f.p, f.err, sizeof f.err), 0);
  arena_free(&f.arena);
  fix_init(&f);
  raw(&f, IR_SPMM, shape_vector(4), f.A, f.x);
  expect_ir_error(&f, "the left operand is not sparse");
  fix_init(&f);
  S = ir_data(f.g, 2, sp);
  f.p.ndata = 3;
  raw(&f, IR_EXP, sp, S, NULL);
  expect_ir_error(&f, "operand 0 is sparse");
  fix_init(&f);
  S = ir_data(f.g, 2, sp);
  f.p.ndata = 3;
  raw(&f, IR_MATVEC, shape_vector(5), f.x, S);
  expect_ir_error(&f, "operand 1 is sparse");
  fix_init(&f);
  S = ir_data(f.g, 2, sp);
  f.p.ndata = 3;
  raw(&f, IR_SPMM, shape_vector(4), S, f.y); /* sparse[4, 5] @ vector[4] */
  expect_ir_error(&f, "are not conformable");
  fix_init(&f);
  S = ir_data(f.g, 2, sp);
  f.p.ndata = 3;
  raw(&f, IR_SPMTM, shape_vector(4), S, f.y); /* S' @ y is a vector[5] */
  expect_ir_error(&f, "should be vector[5]");
  fix_init(&f);
  raw(&f, IR_SPMM, shape_vector(4), raw(&f, IR_ADD, sp, f.A, f.A), f.x); /* a sparse sum */
  expect_ir_error(&f, "the result is sparse");
}

static void test_ir_slice_reshape_reduce(void **state) {
  (void)state;
  Fix f;
  fix_init(&f);
  int64_t at[4] = {1, 5, 0, 2}; /* rows 1:5 of a 4-row matrix */
  ir_node(f.g, IR_SLICE, shape_matrix(4, 2), &f.A, 1, 0, 0, at, NULL);
  expect_ir_error(&f, "rows 1:5, cols 0:2 outside 4 x 5");
  fix_init(&f);
  raw(&f, IR_RESHAPE, shape_matrix(2, 3), f.x, NULL);
  expect_ir_error(&f, "reshapes vector[5] (5 elements) to matrix[2, 3]");
  fix_init(&f);
  raw(&f, IR_SUM_ROWS, shape_vector(5), f.A, NULL);
  expect_ir_error(&f, "the result is vector[5], should be vector[4]");
  fix_init(&f);
  raw(&f, IR_SUM, shape_vector(1), f.x, NULL);
  expect_ir_error(&f, "should be scalar");
  fix_init(&f);
  int64_t pad[4] = {2, 0, 0, 0};
  ir_node(f.g, IR_PAD, shape_vector(6), &f.x, 1, 0, 0, pad, NULL);
  expect_ir_error(&f, "does not fit vector[6]");
}

static void test_ir_leaves(void **state) {
  (void)state;
  Fix f;
  fix_init(&f);
  ir_var(f.g, 0, 0, 3, shape_vector(3)); /* x has 5 elements: 3..5 is outside */
  expect_ir_error(&f, "elements 3..5 are outside x (5 elements)");
  fix_init(&f);
  ir_var(f.g, 1, 2, 0, shape_vector(2));
  expect_ir_error(&f, "variable 2 of 1");
  fix_init(&f);
  ir_dir(f.g, 0, 2, shape_vector(4));
  expect_ir_error(&f, "outside v");
  fix_init(&f);
  ir_data(f.g, 2, shape_vector(5));
  expect_ir_error(&f, "data tensor 2 of 2");
  /* a program's data shapes are known: a leaf must agree */
  fix_init(&f);
  IrNode *vals[2] = {f.A, f.c};
  f.p.data_value = vals;
  f.p.nhoisted = 1;
  IrNode *h = raw(&f, IR_EXP, shape_vector(5), f.c, NULL);
  f.p.hoisted = &h;
  ir_data(f.g, 2, shape_vector(4));
  expect_ir_error(&f, "data tensor 2 is vector[5], not vector[4]");
}

static void test_ir_order(void **state) {
  (void)state;
  Fix f;
  fix_init(&f);
  IrNode *e = raw(&f, IR_EXP, shape_vector(5), f.x, NULL);
  IrNode *later = raw(&f, IR_LOG, shape_vector(5), f.x, NULL);
  e->args[0] = later; /* a use before the definition: could close a cycle */
  expect_ir_error(&f, "operand 0 is not a node created before it");
  fix_init(&f);
  e = raw(&f, IR_EXP, shape_vector(5), f.x, NULL);
  e->deps = 0;
  expect_ir_error(&f, "dependencies 0x0 miss operand 0's");
}

static void test_ir_outputs(void **state) {
  (void)state;
  Fix f;
  fix_init(&f);
  IrKernel *k = &f.p.kernels[BLO_K_F];
  IrOutput out = {.slot = 0, .offset = 2, .node = f.y};
  k->name = "f";
  k->outs = &out;
  k->nouts = 1;
  k->nslots = 1;
  k->slot_size[0] = 5; /* y (4 elements) at 2 ends at 6 */
  expect_ir_error(&f, "is outside its slot");
}

/* ------------------------------------------------------------------ the plan verifier */

/* A hand-made plan of kernel F (one output: exp(x) into slot 0, 5 elements):
 *   step 0  w[0..5) (buffer 0) = load x
 *   step 1  out0 = exp(load w[0..5)) */
typedef struct PlanFix {
  Fix f;
  IrNode *val;
  SchedExpr ex, ew, eexp;
  SchedExpr *args[1];
  SchedItem items[4];
  SchedStep steps[4];
  SchedKernel k;
  IrOutput out;
} PlanFix;

static SchedExpr load(SchedBase base, int index, int64_t off, Shape s, int id) {
  return (SchedExpr){.op = SCHED_LOAD, .shape = s, .buf = {base, index, off, 1}, .id = id};
}

static void plan_init(PlanFix *t) {
  memset(t, 0, sizeof *t);
  fix_init(&t->f);
  t->val = raw(&t->f, IR_EXP, shape_vector(5), t->f.x, NULL);
  IrKernel *ik = &t->f.p.kernels[BLO_K_F];
  t->out = (IrOutput){.slot = 0, .offset = 0, .node = t->val};
  *ik = (IrKernel){.id = BLO_K_F, .name = "f", .outs = &t->out, .nouts = 1, .nslots = 1};
  ik->slot_size[0] = 5;
  Shape v5 = shape_vector(5);
  t->ex = load(SB_X, 0, 0, v5, 0);
  t->ew = load(SB_WORK, 0, 0, v5, 1);
  t->args[0] = &t->ew;
  t->eexp = (SchedExpr){.op = IR_EXP, .nargs = 1, .shape = v5, .args = t->args, .id = 2};
  t->items[0] =
      (SchedItem){.kind = SI_WRITE, .expr = &t->ex, .dest = {SB_WORK, 0, 0, 1}, .node = t->f.x->id};
  t->items[1] = (SchedItem){
      .kind = SI_WRITE, .expr = &t->eexp, .dest = {SB_OUT, 0, 0, 1}, .node = t->val->id};
  for (int i = 0; i < 2; i++)
    t->steps[i] =
        (SchedStep){.kind = SS_LOOP, .rows = 5, .cols = 1, .items = &t->items[i], .nitems = 1};
  t->k = (SchedKernel){.id = BLO_K_F,
                       .name = "f",
                       .steps = t->steps,
                       .nsteps = 2,
                       .nexprs = 3,
                       .work_size = 8,
                       .nslots = 1};
}

static void expect_plan_error(PlanFix *t, const char *want) {
  char *err = t->f.err;
  assert_int_equal(sched_verify_kernel(&t->f.p, &t->k, err, sizeof t->f.err), -1);
  if (!strstr(err, want)) fail_msg("message '%s' lacks '%s'", err, want);
  arena_free(&t->f.arena);
}

static void test_plan_valid(void **state) {
  (void)state;
  PlanFix t;
  plan_init(&t);
  assert_int_equal(sched_verify_kernel(&t.f.p, &t.k, t.f.err, sizeof t.f.err), 0);
  arena_free(&t.f.arena);
  /* real plans: serial, regions with tiny blocks, BLAS only */
  static const SchedOptions opts[] = {{0},
                                      {.par_min_cost = 1, .par_block_rows = 3},
                                      {.no_skinny = true, .no_par = true, .no_fusion = true}};
  for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
    Arena a;
    arena_init(&a);
    IrProblem p;
    SchedPlan plan;
    hp_hyperclean(&p, &a, 60, 40, 9, 3);
    assert_int_equal(sched_problem(&p, &opts[i], &a, &plan, t.f.err, sizeof t.f.err), 0);
    assert_int_equal(sched_verify_plan(&p, &plan, t.f.err, sizeof t.f.err), 0);
    hp_synthetic(&p, &a, 50, 0.5);
    assert_int_equal(sched_problem(&p, &opts[i], &a, &plan, t.f.err, sizeof t.f.err), 0);
    assert_int_equal(sched_verify_plan(&p, &plan, t.f.err, sizeof t.f.err), 0);
    arena_free(&a);
  }
}

static void test_plan_bounds(void **state) {
  (void)state;
  PlanFix t;
  plan_init(&t);
  t.items[0].dest.offset = 4; /* 5 elements at 4 in a work buffer of 8 */
  t.ew.buf.offset = 4;
  expect_plan_error(&t, "view at offset 4 is outside the work buffer (8 elements)");
  plan_init(&t);
  t.ex.buf.offset = 1; /* x has 5 elements */
  expect_plan_error(&t, "outside x");
  plan_init(&t);
  t.items[1].dest.index = 1; /* the kernel has one output slot */
  expect_plan_error(&t, "a view of an output slot with index 1");
  plan_init(&t);
  t.items[0].dest = (SchedBuf){SB_DATA, 1, 0, 1, false, false};
  expect_plan_error(&t, "writes a data tensor, an input");
}

/* A work buffer marked as copied rows of data (SchedBuf.rows_of_data: floats at f32 in the JIT)
 * is written only by a gather of a data matrix and viewed with the mark everywhere. */
static void test_plan_data_rows(void **state) {
  (void)state;
  PlanFix t;
  plan_init(&t);
  t.items[0].dest.rows_of_data = true; /* w = load x */
  expect_plan_error(&t, "writes buffer 0, copied rows of data, with something else");
  plan_init(&t);
  t.ew.buf.rows_of_data = true; /* written unmarked, read marked */
  expect_plan_error(&t, "buffer 0 viewed both as copied rows of data and not");
  plan_init(&t);
  t.items[1].dest.rows_of_data = true;
  expect_plan_error(&t, "a view of an output slot marked as copied rows of data");
}

static void test_plan_order(void **state) {
  (void)state;
  PlanFix t;
  plan_init(&t);
  SchedStep s0 = t.steps[0];
  t.steps[0] = t.steps[1];
  t.steps[1] = s0;
  expect_plan_error(&t, "step 0 (item 0, node %");
  plan_init(&t);
  t.steps[0] = t.steps[1];
  t.steps[0].items = &t.items[1];
  t.k.nsteps = 1;
  expect_plan_error(&t, "reads w[0] (buffer 0) before any step writes it");
  plan_init(&t);
  t.k.nsteps = 1; /* nothing writes the output */
  expect_plan_error(&t, "output 0 (node %");
}

static void test_plan_liveness(void **state) {
  (void)state;
  /* buffer 1 takes w[3..8) while buffer 0 (w[0..5)) waits for step 2 */
  PlanFix t;
  plan_init(&t);
  t.steps[2] = t.steps[1];
  t.items[2] =
      (SchedItem){.kind = SI_WRITE, .expr = &t.ex, .dest = {SB_WORK, 1, 3, 1}, .node = t.f.x->id};
  t.steps[1] =
      (SchedStep){.kind = SS_LOOP, .rows = 5, .cols = 1, .items = &t.items[2], .nitems = 1};
  t.k.nsteps = 3;
  expect_plan_error(&t,
                    "reads w[3] as buffer 0, but buffer 1 overwrote it while buffer 0 was live");
  /* the same overlap with the reader looking only at w[0..2): no clobbered read, but two live
   * buffers share w[3..5) */
  plan_init(&t);
  t.steps[2] = t.steps[1];
  t.items[2] =
      (SchedItem){.kind = SI_WRITE, .expr = &t.ex, .dest = {SB_WORK, 1, 3, 1}, .node = t.f.x->id};
  t.steps[1] =
      (SchedStep){.kind = SS_LOOP, .rows = 5, .cols = 1, .items = &t.items[2], .nitems = 1};
  t.k.nsteps = 3;
  t.ew.shape = shape_scalar(); /* exp(w[0]) broadcast: reads one element */
  t.eexp.shape = shape_scalar();
  expect_plan_error(&t, "buffers 0 (w[0..5), steps 0-2) and 1 (w[3..8), steps 1-1) overlap");
}

static void test_plan_shapes(void **state) {
  (void)state;
  PlanFix t;
  plan_init(&t);
  t.eexp.shape = shape_vector(4);
  expect_plan_error(&t, "a vector[4] expression over a 5 x 1 domain");
  plan_init(&t);
  t.ew.shape = shape_vector(4); /* exp of a vector[4] said to be a vector[5] */
  expect_plan_error(&t, "expression 2 (exp): the result is vector[5], should be vector[4]");
  plan_init(&t);
  t.items[1].node = t.f.A->id; /* writes 5 elements of a 20-element node: allowed (a part) */
  assert_int_equal(sched_verify_kernel(&t.f.p, &t.k, t.f.err, sizeof t.f.err), 0);
  arena_free(&t.f.arena);
  plan_init(&t);
  t.items[1].node = ir_scalar(t.f.g, 1)->id; /* 5 elements for a scalar */
  expect_plan_error(&t, "computes 5 elements, its node is scalar");
  plan_init(&t);
  t.items[0].kind = SI_ROW_SUM; /* a row reduction in a plain loop */
  expect_plan_error(&t, "item kind");
}

static void test_plan_blas(void **state) {
  (void)state;
  PlanFix t;
  plan_init(&t);
  /* step 1 becomes out0 = A' y (gemv, A stored 4 x 5): fine; then y too short for A x */
  SchedBlas b = {.m = 4,
                 .n = 5,
                 .trans_a = true,
                 .a = {SB_DATA, 0, 0, 5},
                 .b = {SB_Y, 0, 0, 1},
                 .c = {SB_OUT, 0, 0, 1},
                 .alpha = 1,
                 .node = t.val->id};
  t.steps[1] = (SchedStep){.kind = SS_GEMV, .blas = b};
  assert_int_equal(sched_verify_kernel(&t.f.p, &t.k, t.f.err, sizeof t.f.err), 0);
  t.steps[1].blas.trans_a = false; /* A x needs a vector[5] operand: y has 4 */
  t.steps[1].blas.b = (SchedBuf){SB_Y, 0, 0, 1, false, false};
  expect_plan_error(&t, "outside y");
  plan_init(&t);
  b.beta = 1; /* accumulates into an output nothing wrote */
  t.steps[1] = (SchedStep){.kind = SS_GEMV, .blas = b};
  expect_plan_error(&t, "reads an output slot 0 [0] before any step writes it");
  plan_init(&t);
  b.beta = 0.5;
  t.steps[1] = (SchedStep){.kind = SS_GEMV, .blas = b};
  expect_plan_error(&t, "beta 0.5");
  plan_init(&t);
  b.beta = 0; /* a sparse product of the dense A, for a node that is no sparse product */
  t.steps[1] = (SchedStep){.kind = SS_SPMM, .blas = b};
  expect_plan_error(&t, "a sparse product of a tensor that is not its node's sparse data");
}

/* The float a' b of precision f32 adds into transposed partials (SchedReduce.trans), and the
 * double one when the backend asks (trans_f64, unless rows_partials): the planner marks the
 * product and its reduction together, and the verifier rejects a product whose layout is not
 * its reduction's either way. */
static void test_plan_partial_layout(void **state) {
  (void)state;
  for (int mode = 0; mode < 4; mode++) {
    bool f32 = mode == 1, t64 = mode >= 2, rows = mode == 3;
    Arena a;
    arena_init(&a);
    IrProblem p;
    SchedPlan plan;
    char err[256];
    hp_hyperclean(&p, &a, 60, 40, 9, 3);
    SchedOptions o = {.par_min_cost = 1,
                      .par_block_rows = 12,
                      .f32_data = f32,
                      .trans_f64 = t64,
                      .rows_partials = rows};
    assert_int_equal(sched_problem(&p, &o, &a, &plan, err, sizeof err), 0);
    assert_int_equal(sched_verify_plan(&p, &plan, err, sizeof err), 0);
    int ntrans = 0;
    for (int id = 0; id < BLO_K_COUNT; id++) {
      if (!plan.present[id]) continue;
      SchedKernel *k = &plan.kernels[id];
      for (int i = 0; i < k->nsteps; i++) {
        SchedStep *par = &k->steps[i];
        if (par->kind != SS_PAR_ROWS) continue;
        for (int j = 0; j < par->nbody; j++) {
          SchedBlas *b = &par->body[j].blas;
          if (!b->part) continue;
          SchedReduce *rd = &par->reds[b->part - 1];
          assert_true(b->part_trans == rd->trans);
          assert_true(rd->trans == ((f32 && sched_data_elts(&b->a)) || (t64 && !rows)));
          if (!rd->trans) continue;
          ntrans++;
          assert_int_equal(b->c.ld, b->m);
          b->part_trans = false; /* the product writes rows, the combine reads columns */
          assert_int_equal(sched_verify_kernel(&p, k, err, sizeof err), -1);
          assert_non_null(strstr(err, "partial layout"));
          b->part_trans = true;
          rd->trans = false;
          assert_int_equal(sched_verify_kernel(&p, k, err, sizeof err), -1);
          assert_non_null(strstr(err, "partial layout"));
          rd->trans = true;
          assert_int_equal(sched_verify_kernel(&p, k, err, sizeof err), 0);
        }
      }
    }
    assert_true(f32 || (t64 && !rows) ? ntrans >= 3 : ntrans == 0); /* grad f, grad_y g, hvp_yy */
    arena_free(&a);
  }
}

/* ------------------------------------------------------------------ after a pass */

static void test_internal_error_exit(void **state) {
  (void)state;
  setenv("BLOC_VERIFY", "1", 1);
  int fds[2];
  assert_int_equal(pipe(fds), 0);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    dup2(fds[1], 2);
    Fix f;
    fix_init(&f);
    raw(&f, IR_ADD, shape_vector(5), f.x, f.y);
    ir_verify_after(&f.p, "kern_build");
    _exit(0);
  }
  close(fds[1]);
  char buf[512] = {0};
  ssize_t n = read(fds[0], buf, sizeof buf - 1);
  close(fds[0]);
  int status;
  waitpid(pid, &status, 0);
  assert_true(n > 0);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 3);
  if (!strstr(buf, "bloc: internal error: IR verification failed after kern_build: node %"))
    fail_msg("stderr: %s", buf);
  if (!strstr(buf, "= add %0, %1")) fail_msg("the node is not named: %s", buf);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ir_valid),
      cmocka_unit_test(test_ir_operand_count),
      cmocka_unit_test(test_ir_elementwise_shapes),
      cmocka_unit_test(test_ir_products),
      cmocka_unit_test(test_ir_sparse),
      cmocka_unit_test(test_ir_slice_reshape_reduce),
      cmocka_unit_test(test_ir_leaves),
      cmocka_unit_test(test_ir_order),
      cmocka_unit_test(test_ir_outputs),
      cmocka_unit_test(test_plan_valid),
      cmocka_unit_test(test_plan_bounds),
      cmocka_unit_test(test_plan_order),
      cmocka_unit_test(test_plan_data_rows),
      cmocka_unit_test(test_plan_liveness),
      cmocka_unit_test(test_plan_shapes),
      cmocka_unit_test(test_plan_blas),
      cmocka_unit_test(test_plan_partial_layout),
      cmocka_unit_test(test_internal_error_exit),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
