/* test_mpi.c — the MPI layer (runtime/rt_mpi.c) and the oracle's allreduce. Run alone (make
 * check's unit test) it checks the single-process behaviour: rank 0 of 1, sums and agreement
 * that change nothing, a sharded oracle equal to an unsharded one. tests/e2e/mpi.sh runs it
 * under mpirun -n 2 and -n 3, where every rank checks: several buffers summed in one call, the
 * byte counter, the largest failing status with the lowest rank holding it, and a sharded
 * oracle whose every output (fused ones too, reports, not the initialiser) is the sum over the
 * ranks, with one allreduce a call; blocks of owned rows assembled with one allgather (the
 * blocks alone, and in an oracle whose problem names them). With --disagree, the ranks call
 * rt_mpi_sum with different lengths (tests/e2e/mpi_uneven.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "rt_mpi.h"
#include "rt_oracle.h"
#include "rt_run.h"
#include "rt_shard.h"
#include "rt_testprob.h"

static void test_layer(void **state) {
  (void)state;
  int rank = rt_mpi_rank(), size = rt_mpi_size();
  assert_true(size >= 1);
  assert_true(rank >= 0 && rank < size);
  double a[3] = {1, 2, 3}, b[1] = {0.5}, c[4] = {-1, 0, 1e300, 4};
  for (int i = 0; i < 3; i++) a[i] += rank;
  double *bufs[] = {a, b, c};
  int64_t lens[] = {3, 1, 4};
  double pack[8];
  rt_mpi_bytes_reset();
  assert_int_equal(rt_mpi_sum(bufs, lens, 3, pack), 0);
  /* rank r holds (1 + r, 2 + r, 3 + r): the sum is N k + N (N - 1) / 2 */
  double tri = size * (size - 1) / 2.0;
  for (int i = 0; i < 3; i++) assert_true(a[i] == size * (i + 1.0) + tri);
  assert_true(b[0] == 0.5 * size);
  assert_true(c[0] == -size && c[1] == 0 && c[2] == 1e300 * size && c[3] == 4.0 * size);
  assert_int_equal(rt_mpi_bytes(), size > 1 ? 8 * 8 : 0);
  assert_int_equal(rt_mpi_sum(bufs, lens, 1, NULL), 0); /* one buffer: no packing */
  assert_true(a[0] == (size * 1.0 + tri) * size);
  /* the largest status wins, and the lowest rank that has it reports */
  int who = -1;
  assert_int_equal(rt_mpi_agree(0, &who), 0);
  int mine = rank == size - 1 ? 2 : (rank == 0 ? 1 : 0);
  assert_int_equal(rt_mpi_agree(mine, &who), 2);
  assert_int_equal(who, size - 1);
  assert_int_equal(rt_mpi_agree(rank > 0 ? 7 : 0, &who), size > 1 ? 7 : 0);
  assert_int_equal(who, size > 1 ? 1 : 0);
}

/* Two oracles of t's problem: *one local, *all summed across the ranks, with the owned output
 * blocks given (NULL, 0: none) and the unsharded oracle built without them. */
static void two_oracles(TpProblem *t, const BloOwned *owned, int n_owned, RtOracle *one,
                        RtOracle *all) {
  char err[256];
  assert_int_equal(rt_oracle_init(one, &t->p, 1, 1, err, sizeof err), 0);
  t->p.owned = owned;
  t->p.n_owned = n_owned;
  assert_int_equal(rt_oracle_init(all, &t->p, 1, 1, err, sizeof err), 0);
  assert_int_equal(rt_oracle_set_sharded(all, true), 0);
}

/* The point both oracle tests evaluate at: x of 5, y and v of 8 values. */
static void point(double x[5], double y[8], double v[8]) {
  static const double x0[5] = {0.1, -0.2, 0.3, 0.4, -0.5};
  for (int i = 0; i < 5; i++) x[i] = x0[i];
  for (int i = 0; i < 8; i++) y[i] = 0.1 * i, v[i] = 1.0 - 0.2 * i;
}

static void test_oracle_sum(void **state) {
  (void)state;
  int size = rt_mpi_size();
  TpSpec sp = tp_default_spec();
  sp.init_x = true;
  TpProblem *t = tp_new(&sp);
  RtOracle one, all;
  double x[5], y[8], v[8];
  two_oracles(t, NULL, 0, &one, &all);
  point(x, y, v);
  /* every rank holds the same rows here: the sums are size times one rank's values */
  double gx1[5], gy1[8], gx2[5], gy2[8];
  double f1 = rt_oracle_grad_f(&one, RT_DRAW_FRESH, x, y, gx1, gy1);
  double f2 = rt_oracle_grad_f(&all, RT_DRAW_FRESH, x, y, gx2, gy2);
  assert_true(f2 == size * f1);
  for (int i = 0; i < 5; i++) assert_true(gx2[i] == size * gx1[i]);
  for (int i = 0; i < 8; i++) assert_true(gy2[i] == size * gy1[i]);
  uint64_t per = size > 1 ? 8 : 0;
  assert_int_equal(all.mpi_bytes[RT_CALL_GRAD_F], per * (1 + 5 + 8));
  double Av1[8], Av2[8];
  double g1 = rt_oracle_grad_g_hvp(&one, RT_DRAW_FRESH, x, y, v, gy1, Av1);
  double g2 = rt_oracle_grad_g_hvp(&all, RT_DRAW_FRESH, x, y, v, gy2, Av2);
  assert_true(g2 == size * g1);
  for (int i = 0; i < 8; i++) assert_true(gy2[i] == size * gy1[i] && Av2[i] == size * Av1[i]);
  /* the fused kernel: its three outputs in one allreduce, counted under its first kind */
  assert_int_equal(all.mpi_bytes[RT_CALL_GRAD_G], per * (1 + 8 + 8));
  assert_int_equal(all.mpi_bytes[RT_CALL_HVP], 0);
  double r1[2], r2[2];
  rt_oracle_reports(&one, RT_DRAW_FRESH, x, y, r1);
  rt_oracle_reports(&all, RT_DRAW_FRESH, x, y, r2);
  for (int i = 0; i < t->p.n_reports; i++) assert_true(r2[i] == size * r1[i]);
  assert_int_equal(all.mpi_bytes[RT_CALL_REPORTS], per * (uint64_t)t->p.n_reports);
  /* the lower initialiser's kernel is a share like the others (compiler/ir/shard.c computes
   * it on rank 0 alone): summed; without the kernel, y0 is copied and nothing is sent */
  double y01[8], y02[8];
  rt_oracle_init_y(&one, RT_DRAW_FRESH, x, y01);
  rt_oracle_init_y(&all, RT_DRAW_FRESH, x, y02);
  bool kernel = t->p.kernels[BLO_K_INIT_Y] != NULL;
  for (int i = 0; i < 8; i++) assert_true(y02[i] == (kernel ? size : 1) * y01[i]);
  assert_int_equal(all.mpi_bytes[RT_CALL_INIT], kernel ? per * 8 : 0);
  /* an unsharded oracle never communicates */
  for (int k = 0; k < RT_CALL_NKINDS; k++) assert_int_equal(one.mpi_bytes[k], 0);
  rt_oracle_free(&one);
  rt_oracle_free(&all);
  tp_free(t);
}

/* Blocks of rows assembled across the ranks (rt_mpi_gather_rows): every rank fills its own
 * rows (rt_shard_rows: uneven splits at 2 and 3 ranks) with values naming the rank and the
 * element and the others with garbage; after the gather every rank holds every owner's
 * values, exactly. Two blocks go through the packed path, one block in place. */
static void test_gather(void **state) {
  (void)state;
  int rank = rt_mpi_rank(), size = rt_mpi_size();
  double a[5 * 2], b[4], pack[14];
  RtMpiRows blk[] = {{a, 5, 2}, {b, 4, 1}};
  RtShard me = {rank, size};
  for (int k = 0; k < 2; k++) {
    RtRows own = rt_shard_rows(me, blk[k].rows);
    for (int64_t i = 0; i < blk[k].rows * blk[k].cols; i++) {
      int64_t row = i / blk[k].cols;
      blk[k].buf[i] = row >= own.r0 && row < own.r0 + own.n ? 1000.0 * rank + 10 * k + i : -1;
    }
  }
  rt_mpi_bytes_reset();
  assert_int_equal(rt_mpi_gather_rows(blk, 2, pack), 0);
  RtRows mine_a = rt_shard_rows(me, 5), mine_b = rt_shard_rows(me, 4);
  assert_int_equal(rt_mpi_gather_bytes(), size > 1 ? 8 * (mine_a.n * 2 + mine_b.n) : 0);
  assert_int_equal(rt_mpi_bytes(), 0);
  for (int r = 0; r < size; r++)
    for (int k = 0; k < 2; k++) {
      RtRows own = rt_shard_rows((RtShard){r, size}, blk[k].rows);
      for (int64_t i = own.r0 * blk[k].cols; i < (own.r0 + own.n) * blk[k].cols; i++)
        assert_true(blk[k].buf[i] == 1000.0 * r + 10 * k + i);
    }
  /* one block, in place: no pack */
  for (int i = 0; i < 4; i++) b[i] = i >= mine_b.r0 && i < mine_b.r0 + mine_b.n ? 7.0 * i : -1;
  assert_int_equal(rt_mpi_gather_rows(&blk[1], 1, NULL), 0);
  for (int i = 0; i < 4; i++) assert_true(b[i] == 7.0 * i);
}

/* An oracle whose problem names owned blocks (BloProblem.owned, as a sharded compile does):
 * those are assembled (here every rank computes the same values, so the result is one rank's
 * value, where a sum would give size times it), the rest summed; the bytes are counted per
 * collective. Two blocks in grad_f (one in grad_x f, a 3 x 2 one in grad_y f), the whole mixed
 * product in another. */
static void test_oracle_gather(void **state) {
  (void)state;
  int rank = rt_mpi_rank(), size = rt_mpi_size();
  TpSpec sp = tp_default_spec();
  TpProblem *t = tp_new(&sp);
  static const BloOwned owned[] = {
      {BLO_K_GRAD_F, 1, 1, 3, 1}, {BLO_K_GRAD_F, 2, 2, 3, 2}, {BLO_K_HVP_XY, 0, 0, 5, 1}};
  RtOracle one, all;
  double x[5], y[8], v[8];
  two_oracles(t, owned, 3, &one, &all);
  point(x, y, v);
  double gx1[5], gy1[8], gx2[5], gy2[8];
  double f1 = rt_oracle_grad_f(&one, RT_DRAW_FRESH, x, y, gx1, gy1);
  double f2 = rt_oracle_grad_f(&all, RT_DRAW_FRESH, x, y, gx2, gy2);
  assert_true(f2 == size * f1);
  for (int i = 0; i < 5; i++) assert_true(gx2[i] == (i >= 1 && i < 4 ? 1 : size) * gx1[i]);
  for (int i = 0; i < 8; i++) assert_true(gy2[i] == (i >= 2 ? 1 : size) * gy1[i]);
  uint64_t per = size > 1 ? 8 : 0;
  RtShard me = {rank, size};
  RtRows own3 = rt_shard_rows(me, 3), own5 = rt_shard_rows(me, 5);
  assert_int_equal(all.mpi_bytes[RT_CALL_GRAD_F], per * (1 + 2 + 2));
  assert_int_equal(all.gather_bytes[RT_CALL_GRAD_F], per * (uint64_t)(own3.n * 3));
  double Jv1[5], Jv2[5];
  rt_oracle_mixed(&one, RT_DRAW_FRESH, x, y, v, Jv1);
  rt_oracle_mixed(&all, RT_DRAW_FRESH, x, y, v, Jv2);
  for (int i = 0; i < 5; i++) assert_true(Jv2[i] == Jv1[i]);
  assert_int_equal(all.mpi_bytes[RT_CALL_MIXED], 0);
  assert_int_equal(all.gather_bytes[RT_CALL_MIXED], per * (uint64_t)own5.n);
  /* outputs the blocks do not name are summed as before */
  double Av1[8], Av2[8];
  rt_oracle_hvp(&one, RT_DRAW_FRESH, x, y, v, Av1);
  rt_oracle_hvp(&all, RT_DRAW_FRESH, x, y, v, Av2);
  for (int i = 0; i < 8; i++) assert_true(Av2[i] == size * Av1[i]);
  assert_int_equal(all.gather_bytes[RT_CALL_HVP], 0);
  rt_oracle_free(&one);
  rt_oracle_free(&all);
  tp_free(t);
}

/* A sharded solve: every rank runs the method on identical iterates (the same x on every
 * rank, bit for bit), rank 0 alone writes the result JSON, which has the bytes allreduced
 * under MPI and not on one process. */
static void test_solve(void **state) {
  (void)state;
  int rank = rt_mpi_rank(), size = rt_mpi_size();
  TpSpec sp = tp_default_spec();
  TpProblem *t = tp_new(&sp);
  RtOptions o = tp_options("aid_cg", KV("x_step=0.1", "y_step=0.05", "outer_steps=8"));
  RtRunConfig cfg;
  rt_run_config_init(&cfg);
  cfg.quiet = true;
  cfg.handle_sigint = false;
  cfg.sharded = true;
  char json[64];
  snprintf(json, sizeof json, "test_mpi_%d.json", (int)getpid());
  if (rank == 0) cfg.out_path = json;
  RtResult r;
  assert_int_equal(rt_solve(&t->p, &o, &cfg, &r), 0);
  double x[5];
  memcpy(x, r.x, sizeof x);
  double *bufs[] = {x};
  int64_t lens[] = {5};
  assert_int_equal(rt_mpi_sum(bufs, lens, 1, NULL), 0);
  for (int i = 0; i < 5; i++) assert_true(x[i] == size * r.x[i]); /* identical on every rank */
  if (rank == 0) {
    FILE *f = fopen(json, "r");
    assert_non_null(f);
    char text[1 << 15];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = 0;
    fclose(f);
    remove(json);
    assert_true((strstr(text, "\"allreduce_bytes\"") != NULL) == (size > 1));
    assert_true((strstr(text, "\"allgather_bytes\"") != NULL) == (size > 1));
  }
  rt_result_free(&r);
  tp_free(t);
}

int main(int argc, char **argv) {
  rt_mpi_init(&argc, &argv);
  if (argc > 1 && strcmp(argv[1], "--disagree") == 0) {
    /* tests/e2e/mpi_uneven.sh: rank r sums 1 + r values, the bug BLOC_VERIFY's check of every
     * collective reports (status 3, a message) instead of MPI_ERR_TRUNCATE or a hang */
    double a[8] = {0};
    double *bufs[] = {a};
    int64_t lens[] = {1 + rt_mpi_rank() % 8};
    rt_mpi_sum(bufs, lens, 1, NULL);
    rt_mpi_finalize();
    return 0;
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_layer),
      cmocka_unit_test(test_oracle_sum),
      cmocka_unit_test(test_gather),
      cmocka_unit_test(test_oracle_gather),
      cmocka_unit_test(test_solve),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  /* every rank's verdict: a failure on one fails them all */
  rc = rt_mpi_agree(rc != 0, NULL);
  rt_mpi_finalize();
  return rc;
}
