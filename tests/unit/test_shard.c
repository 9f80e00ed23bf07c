/* test_shard.c — sharded data compiled for one rank (compiler/ir/shard.h, doc/scaling.md
 * "Sharded data"): for each program, each rank count N (uneven splits included) and both
 * backends, the sum over the ranks r = 0 .. N-1 of every kernel's outputs at a fixed random
 * (x, y, v) must equal the unsharded kernel's outputs to 1e-12 of the output's largest
 * magnitude. Every kernel is compiled (fused and optional ones too), so this covers f, g, the
 * gradients, the HVPs, the mixed products, the initialiser and its VJP and the reports. Also:
 * BLOC_SHARD sets the shard of a compile that leaves it unset; a sharded tensor with fewer
 * rows than ranks is refused; blo_sharded/blo_shard report what was compiled. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compiled.h"
#include "kernel_calls.h"
#include "rt_rng.h"
#include "src_path.h"

/* Compiles `file` for rank s with the backend and every kernel. */
static int run_open(KcRun *r, const char *file, BloBackend backend, RtShard s) {
  BloCompileOptions opt = {0};
  opt.backend = backend;
  opt.all_kernels = true;
  opt.shard = s;
  return kc_open(r, file, &opt);
}

/* The blocks of owned rows rank s's compile names for kernel id (BloOwned): zero outside the
 * rank's rows, in the part it wrote (the runtime assembles those blocks instead of summing
 * them, which is exact only then). */
static void check_owned(const BloProblem *p, RtShard s, int id, const double *part,
                        int64_t slot) {
  for (int b = 0; b < p->n_owned; b++) {
    const BloOwned *w = &p->owned[b];
    if (w->kernel != id) continue;
    assert_true(w->slot >= 0 && w->slot < KC_SLOTS && w->offset >= 0 && w->rows >= s.count);
    assert_true(w->offset + w->rows * w->cols <= slot);
    RtRows own = rt_shard_rows(s, w->rows);
    const double *blk = part + w->slot * slot + w->offset;
    for (int64_t i = 0; i < w->rows; i++)
      if (i < own.r0 || i >= own.r0 + own.n)
        for (int64_t j = 0; j < w->cols; j++)
          if (blk[i * w->cols + j] != 0)
            fail_msg("rank %d of %d: kernel %d, owned block %d: row %lld is another rank's but "
                     "holds %g", s.rank, s.count, id, b, (long long)i, blk[i * w->cols + j]);
  }
}

/* The sum over N ranks of every kernel of `file` against the unsharded kernels; a stochastic
 * problem at `draws` sample draws. */
static void check_sum_draws(const char *file, BloBackend backend, int N, int draws);
static void check_sum(const char *file, BloBackend backend, int N) {
  check_sum_draws(file, backend, N, 1);
}

static void check_sum_draws(const char *file, BloBackend backend, int N, int draws) {
  KcRun whole;
  assert_int_equal(run_open(&whole, file, backend, (RtShard){0, 1}), 0);
  assert_false(blo_sharded(whole.c));
  int64_t nx = whole.p->nx, ny = whole.p->ny, n = nx > ny ? nx : ny;
  int64_t slot = n + whole.p->n_reports + 1;
  KcPoint pt = kc_point(n, 11);
  size_t len = (size_t)(KC_SLOTS * slot);
  double *ref = malloc(sizeof(double) * len), *sum = malloc(sizeof(double) * len),
         *part = malloc(sizeof(double) * len);
  KcRun *ranks = calloc((size_t)N, sizeof(KcRun));
  for (int r = 0; r < N; r++) {
    assert_int_equal(run_open(&ranks[r], file, backend, (RtShard){r, N}), 0);
    assert_int_equal(blo_sharded(ranks[r].c), N > 1);
    assert_int_equal(blo_shard(ranks[r].c).rank, r);
    assert_int_equal(blo_shard(ranks[r].c).count, N);
    /* x0 and y0 are whole on every rank */
    assert_memory_equal(ranks[r].p->x0, whole.p->x0, sizeof(double) * (size_t)nx);
    assert_memory_equal(ranks[r].p->y0, whole.p->y0, sizeof(double) * (size_t)ny);
  }
  int checked = 0;
  for (int dr = 0; dr < draws; dr++) {
    kc_draw(whole.p, 100 + (uint64_t)dr, whole.samples);
    for (int r = 0; r < N; r++) kc_draw(ranks[r].p, 100 + (uint64_t)dr, ranks[r].samples);
    for (int id = 0; id < BLO_K_COUNT; id++) {
      if (!whole.p->kernels[id]) continue;
      kc_call(&whole, id, &pt, ref, slot);
      for (size_t i = 0; i < len; i++) sum[i] = 0;
      for (int r = 0; r < N; r++) {
        assert_non_null(ranks[r].p->kernels[id]);
        kc_call(&ranks[r], id, &pt, part, slot);
        check_owned(ranks[r].p, (RtShard){r, N}, id, part, slot);
        for (size_t i = 0; i < len; i++) sum[i] += part[i];
      }
      double scale = 1e-300, diff = 0;
      for (size_t i = 0; i < len; i++) {
        scale = fmax(scale, fabs(ref[i]));
        diff = fmax(diff, fabs(sum[i] - ref[i]));
      }
      if (!(diff <= 1e-12 * scale))
        fail_msg("%s, %s, N = %d: kernel '%s': sum over ranks differs by %g (largest %g)", file,
                 backend == BLO_BACKEND_JIT ? "jit" : "interp", N, whole.c->ir->kernels[id].name,
                 diff, scale);
      checked++;
    }
  }
  assert_true(checked >= 11 * draws);
  for (int r = 0; r < N; r++) kc_close(&ranks[r]);
  free(ranks);
  free(ref);
  free(sum);
  free(part);
  kc_point_free(&pt);
  kc_close(&whole);
}

static void test_hyperclean_jit(void **state) {
  (void)state;
  for (int N = 1; N <= 4; N++) check_sum("tests/unit/shard_hyperclean.blo", BLO_BACKEND_JIT, N);
}

/* Which outputs a sharded compile assembles from owned rows (BloOwned): hyper-cleaning's
 * gradient and mixed product with respect to lam (23 per-row weights: sharded rows, and a
 * replicated regulariser of lam's length), none of W's (5 x 3: partial sums); the same list
 * on every rank; none in an unsharded compile. */
static void test_owned(void **state) {
  (void)state;
  KcRun r[3];
  for (int i = 0; i < 3; i++)
    assert_int_equal(run_open(&r[i], "tests/unit/shard_hyperclean.blo", BLO_BACKEND_JIT,
                              (RtShard){i == 2 ? 0 : i, i == 2 ? 1 : 2}),
                     0);
  assert_int_equal(r[2].p->n_owned, 0);
  const BloProblem *p = r[0].p;
  assert_int_equal(p->n_owned, r[1].p->n_owned);
  assert_memory_equal(p->owned, r[1].p->owned, sizeof(BloOwned) * (size_t)p->n_owned);
  bool grad_f = false, mixed = false;
  for (int b = 0; b < p->n_owned; b++) {
    const BloOwned *w = &p->owned[b];
    assert_true(w->rows == 23 && w->cols == 1 && w->offset == 0); /* lam, never W */
    grad_f |= w->kernel == BLO_K_GRAD_F && w->slot == 1;
    mixed |= w->kernel == BLO_K_HVP_XY && w->slot == 0;
    if (b > 0) /* ordered by kernel and slot */
      assert_true(w->kernel > w[-1].kernel || (w->kernel == w[-1].kernel && w->slot > w[-1].slot));
  }
  assert_true(grad_f && mixed);
  for (int i = 0; i < 3; i++) kc_close(&r[i]);
}

static void test_hyperclean_interp(void **state) {
  (void)state;
  for (int N = 2; N <= 3; N++) check_sum("tests/unit/shard_hyperclean.blo", BLO_BACKEND_INTERP, N);
}

static void test_ridge(void **state) {
  (void)state;
  for (int N = 2; N <= 3; N++) {
    check_sum("tests/unit/shard_ridge.blo", BLO_BACKEND_JIT, N);
    check_sum("tests/unit/shard_ridge.blo", BLO_BACKEND_INTERP, N);
  }
}

/* y' G y with G's rows sharded: its gradient adds the rank's rows of G y to its share of G' y
 * (a sum over ranks); it failed to compile for a rank. */
static void test_quadform(void **state) {
  (void)state;
  for (int N = 2; N <= 3; N++) {
    check_sum("tests/unit/shard_quadform.blo", BLO_BACKEND_JIT, N);
    check_sum("tests/unit/shard_quadform.blo", BLO_BACKEND_INTERP, N);
  }
}

/* Minibatches over sharded rows: drawn rows each rank owns; several draws, so that a rank
 * owns all, some or none of a batch. */
static void test_minibatch(void **state) {
  (void)state;
  for (int N = 2; N <= 4; N++) {
    check_sum_draws("tests/unit/shard_minibatch.blo", BLO_BACKEND_JIT, N, 6);
    check_sum_draws("tests/unit/shard_minibatch.blo", BLO_BACKEND_INTERP, N, 3);
  }
}

/* Tasks sharded: a batch(1) draw is owned by one rank. */
static void test_tasks(void **state) {
  (void)state;
  for (int N = 2; N <= 3; N++) {
    check_sum_draws("tests/unit/shard_tasks.blo", BLO_BACKEND_JIT, N, 7);
    check_sum_draws("tests/unit/shard_tasks.blo", BLO_BACKEND_INTERP, N, 3);
  }
}

/* A one-row draw's term beside the sharded rows' terms in one gradient (grad_x g adds the task
 * t's value to every row's): the sharder refused that sum ("sampled values meet sharded
 * rows"); each rank now adds its rows' terms and the task's where it owns row t. Seven draws
 * put t on every rank. */
static void test_task_rows(void **state) {
  (void)state;
  for (int N = 2; N <= 3; N++) {
    check_sum_draws("tests/unit/shard_task_rows.blo", BLO_BACKEND_JIT, N, 7);
    check_sum_draws("tests/unit/shard_task_rows.blo", BLO_BACKEND_INTERP, N, 3);
  }
}

/* Sparse data sharded by rows (LIBSVM and MatrixMarket): each rank's CSR rows and their own
 * stored transpose; 23 and 11 rows, split unevenly. */
static void test_sparse(void **state) {
  (void)state;
  for (int N = 1; N <= 3; N++) {
    check_sum("tests/unit/shard_sparse.blo", BLO_BACKEND_JIT, N);
    check_sum("tests/unit/shard_sparse.blo", BLO_BACKEND_INTERP, N);
  }
}

/* Each rank's kernels of `file` compiled by the JIT against the evaluator's (rank r of N, at
 * `draws` sample draws): every output within 1e-12 of its slot's largest magnitude. */
static void check_backends(const char *file, int N, int draws) {
  for (int r = 0; r < N; r++) {
    KcRun jit, ev;
    assert_int_equal(run_open(&jit, file, BLO_BACKEND_JIT, (RtShard){r, N}), 0);
    assert_int_equal(run_open(&ev, file, BLO_BACKEND_INTERP, (RtShard){r, N}), 0);
    int64_t nx = jit.p->nx, ny = jit.p->ny, n = nx > ny ? nx : ny;
    int64_t slot = n + jit.p->n_reports + 1;
    size_t len = (size_t)(KC_SLOTS * slot);
    double *pt = malloc(sizeof(double) * (size_t)n), *a = malloc(sizeof(double) * len),
           *b = malloc(sizeof(double) * len);
    for (int64_t i = 0; i < n; i++) pt[i] = 0.3 * sin(1.7 * (double)i + 0.2);
    KcPoint at = {pt, pt, pt}; /* x = y = v */
    int checked = 0;
    for (int dr = 0; dr < draws; dr++) {
      kc_draw(jit.p, 200 + (uint64_t)dr, jit.samples);
      kc_draw(ev.p, 200 + (uint64_t)dr, ev.samples);
      for (int id = 0; id < BLO_K_COUNT; id++) {
        if (!jit.p->kernels[id]) continue;
        assert_non_null(ev.p->kernels[id]);
        kc_call(&jit, id, &at, a, slot);
        kc_call(&ev, id, &at, b, slot);
        for (int q = 0; q < KC_SLOTS; q++) {
          double scale = 1e-300, diff = 0;
          for (int64_t i = q * slot; i < (q + 1) * slot; i++) {
            scale = fmax(scale, fabs(b[i]));
            diff = fmax(diff, fabs(a[i] - b[i]));
          }
          if (!(diff <= 1e-12 * scale))
            fail_msg("%s, rank %d of %d: kernel '%s', output %d: the JIT differs from the "
                     "evaluator by %g (largest %g)",
                     file, r, N, jit.c->ir->kernels[id].name, q, diff, scale);
        }
        checked++;
      }
    }
    assert_true(checked >= 11 * draws);
    free(pt);
    free(a);
    free(b);
    kc_close(&jit);
    kc_close(&ev);
  }
}

/* Minibatches over sparse data sharded by rows: each rank's drawn rows of its CSR rows, the
 * others empty; several draws, so that a rank owns more or fewer of a batch. The sums over
 * the ranks against the unsharded kernels, and each rank's JIT kernels against its evaluator
 * (the generated CSR loops against rt_sparse_mul_shard). */
static void test_sparse_batch(void **state) {
  (void)state;
  const char *file = "tests/unit/shard_sparse_batch.blo";
  for (int N = 1; N <= 4; N++) {
    check_sum_draws(file, BLO_BACKEND_JIT, N, 6);
    check_sum_draws(file, BLO_BACKEND_INTERP, N, 3);
  }
  for (int N = 2; N <= 3; N++) check_backends(file, N, 4);
}

/* Copies file `rel` of the source tree to dir/name, its line `bad` (1-based; 0: none)
 * replaced by a line with a field that is not a number. */
static void copy_file(const char *rel, const char *dir, const char *name, int bad) {
  char to[4200], line[4096];
  snprintf(to, sizeof to, "%s/%s", dir, name);
  FILE *in = fopen(src_path(rel), "rb"), *out = fopen(to, "wb");
  assert_non_null(in);
  assert_non_null(out);
  if (bad == 0) {
    size_t n;
    while ((n = fread(line, 1, sizeof line, in)) > 0) fwrite(line, 1, n, out);
  }
  for (int i = 1; bad && fgets(line, sizeof line, in); i++)
    fputs(i == bad ? "1,oops,2\n" : line, out);
  fclose(in);
  fclose(out);
}

/* Tasks loaded from files (tensor[T, K, d] from CSV and from NPY) sharded over 2 and 3 ranks:
 * each rank holds exactly the whole load's rows of its tasks, read by the row-range loaders
 * (a task another rank owns is not read: with the last task damaged, rank 0 of 2 compiles and
 * rank 1 reports it), and the sums over the ranks are the unsharded outputs. */
static void test_tasks_file(void **state) {
  (void)state;
  const char *file = "tests/unit/shard_tasks_file.blo";
  KcRun whole;
  assert_int_equal(run_open(&whole, file, BLO_BACKEND_JIT, (RtShard){0, 1}), 0);
  for (int N = 2; N <= 3; N++) {
    check_sum_draws(file, BLO_BACKEND_JIT, N, 7);
    for (int r = 0; r < N; r++) {
      KcRun one;
      assert_int_equal(run_open(&one, file, BLO_BACKEND_JIT, (RtShard){r, N}), 0);
      RtRows t = rt_shard_rows((RtShard){r, N}, 7);
      for (int k = 0; k < 2; k++) { /* X (CSV), Xn (NPY): 7 tasks of 4 x 3 */
        assert_int_equal(one.p->data_info[k].rows, t.n);
        assert_memory_equal(one.p->data[k], whole.p->data[k] + t.r0 * 12,
                            sizeof(double) * (size_t)(t.n * 12));
      }
      kc_close(&one);
    }
  }
  kc_close(&whole);
  char dir[] = "/tmp/test_shard_XXXXXX", path[64];
  assert_non_null(mkdtemp(dir));
  copy_file(file, dir, "p.blo", 0);
  copy_file("tests/unit/shard_tasks_x.npy", dir, "shard_tasks_x.npy", 0);
  copy_file("tests/unit/shard_tasks_x.csv", dir, "shard_tasks_x.csv", 28); /* task 6 */
  snprintf(path, sizeof path, "%s/p.blo", dir);
  BloCompileOptions opt = {0};
  opt.diag_out = fopen("/dev/null", "w");
  for (int r = 0; r < 2; r++) {
    BloCompiled *c = NULL;
    opt.shard = (RtShard){r, 2};
    assert_int_equal(blo_compile_file(path, &opt, &c), r);
    blo_compiled_free(c);
  }
  fclose(opt.diag_out);
  const char *names[] = {"p.blo", "shard_tasks_x.npy", "shard_tasks_x.csv"};
  for (int i = 0; i < 3; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    remove(path);
  }
  rmdir(dir);
}

/* N = 1 is the unsharded compile, bit for bit: no rank count, no rewrite. */
static void test_one_rank(void **state) {
  (void)state;
  KcRun a, b;
  assert_int_equal(run_open(&a, "tests/unit/shard_ridge.blo", BLO_BACKEND_JIT, (RtShard){0, 0}), 0);
  assert_int_equal(run_open(&b, "tests/unit/shard_ridge.blo", BLO_BACKEND_JIT, (RtShard){0, 1}), 0);
  assert_false(blo_sharded(a.c));
  assert_int_equal(a.p->data_info[0].rows, 13);
  assert_int_equal(b.p->data_info[0].rows, 13);
  kc_close(&a);
  kc_close(&b);
}

/* BLOC_SHARD=R/N: the testing aid for one process; local row counts follow rt_shard_rows. */
static void test_env(void **state) {
  (void)state;
  setenv("BLOC_SHARD", "2/3", 1);
  KcRun a;
  assert_int_equal(run_open(&a, "tests/unit/shard_ridge.blo", BLO_BACKEND_JIT, (RtShard){0, 0}), 0);
  assert_true(blo_sharded(a.c));
  assert_int_equal(blo_shard(a.c).rank, 2);
  assert_int_equal(a.p->data_info[0].rows, 13 - 13 * 2 / 3); /* rows 8 .. 12 */
  kc_close(&a);
  setenv("BLOC_SHARD", "3/3", 1);
  BloCompiled *c = NULL;
  BloCompileOptions opt = {0};
  opt.diag_out = fopen("/dev/null", "w");
  assert_int_equal(blo_compile_file(src_path("tests/unit/shard_ridge.blo"), &opt, &c), 1);
  blo_compiled_free(c);
  unsetenv("BLOC_SHARD");
  /* more ranks than the 10 rows of Xv: refused, not an empty shard */
  c = NULL;
  opt.shard = (RtShard){0, 11};
  assert_int_equal(blo_compile_file(src_path("tests/unit/shard_ridge.blo"), &opt, &c), 1);
  blo_compiled_free(c);
  fclose(opt.diag_out);
}

/* The shard formula: blocks differ by at most one row and cover every row once. */
static void test_rows(void **state) {
  (void)state;
  for (int N = 1; N <= 7; N++)
    for (int64_t n = N; n < 40; n++) {
      int64_t next = 0, lo = n, hi = 0;
      for (int r = 0; r < N; r++) {
        RtRows s = rt_shard_rows((RtShard){r, N}, n);
        assert_int_equal(s.r0, next);
        next += s.n;
        lo = s.n < lo ? s.n : lo;
        hi = s.n > hi ? s.n : hi;
      }
      assert_int_equal(next, n);
      assert_true(hi - lo <= 1 && lo >= 1);
    }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rows),         cmocka_unit_test(test_one_rank),
      cmocka_unit_test(test_env),          cmocka_unit_test(test_hyperclean_jit),
      cmocka_unit_test(test_owned),        cmocka_unit_test(test_hyperclean_interp),
      cmocka_unit_test(test_quadform),     cmocka_unit_test(test_ridge),
      cmocka_unit_test(test_minibatch),    cmocka_unit_test(test_tasks),
      cmocka_unit_test(test_task_rows),    cmocka_unit_test(test_sparse),
      cmocka_unit_test(test_sparse_batch), cmocka_unit_test(test_tasks_file),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
