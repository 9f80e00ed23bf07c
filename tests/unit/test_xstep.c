/* test_xstep.c — the upper step of every method (runtime/rt_xstep.c): projection onto box and
 * simplex constraints and the outer optimizers.
 *   - The quadratic problems of rt_testprob.h have phi(x) = 1/2 x'Q x - r'x + const; Q and r
 *     come from the closed-form hypergradient. The constrained minimiser over a box or the
 *     simplex is found by enumerating active sets and keeping the one that satisfies the KKT
 *     conditions (the QP is strictly convex: exactly one does). Every method must end within
 *     1e-8 of it. The deterministic methods run on a box whose solution has free and active
 *     coordinates and on the simplex (a face with zeros); bsa and ttsa (random truncation:
 *     noisy estimates) are exact only where the solution is a vertex with strict
 *     complementarity, so they run on such a box and such a simplex instance; fom's estimate
 *     is biased: it must reach the minimiser of the objective its estimate is the gradient of.
 *   - The projection itself against brute force; Adam and momentum steps against their
 *     formulas; the same seed gives the same iterates; no allocation in a step. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_linalg.h"
#include "rt_mem.h"
#include "rt_rng.h"
#include "rt_solver.h"
#include "rt_testprob.h"

#define NX 5
/* tp_new seeds (measured by enumeration, see the printed counts): 20 puts the simplex solution
 * on a face with 2 zeros, 29 puts both the simplex and the box [0.5, 1] solutions on vertices
 * with margins 0.66 and 0.61 */
#define FACE_SEED 20
#define VERTEX_SEED 29

/* phi's Hessian Q and linear term r (phi = 1/2 x'Qx - r'x + c) from the exact hypergradient. */
static void quad_form(const TpProblem *t, double Q[NX][NX], double r[NX]) {
  double z[NX] = {0}, g0[NX], g[NX];
  tp_hypergrad(t, z, g0);
  for (int j = 0; j < NX; j++) {
    double e[NX] = {0};
    e[j] = 1;
    tp_hypergrad(t, e, g);
    for (int i = 0; i < NX; i++) Q[i][j] = g[i] - g0[i];
    r[j] = -g0[j];
  }
}

/* Solve the n x n system A z = b (Gaussian elimination, partial pivoting); false if singular. */
static bool solve(int n, double A[NX + 1][NX + 1], double *b) {
  for (int k = 0; k < n; k++) {
    int p = k;
    for (int i = k + 1; i < n; i++) if (fabs(A[i][k]) > fabs(A[p][k])) p = i;
    if (fabs(A[p][k]) < 1e-14) return false;
    for (int j = 0; j < n; j++) { double t = A[k][j]; A[k][j] = A[p][j]; A[p][j] = t; }
    double t = b[k]; b[k] = b[p]; b[p] = t;
    for (int i = k + 1; i < n; i++) {
      double f = A[i][k] / A[k][k];
      for (int j = k; j < n; j++) A[i][j] -= f * A[k][j];
      b[i] -= f * b[k];
    }
  }
  for (int k = n - 1; k >= 0; k--) {
    for (int j = k + 1; j < n; j++) b[k] -= A[k][j] * b[j];
    b[k] /= A[k][k];
  }
  return true;
}

/* min phi over lo <= x <= hi: each coordinate free, at lo or at hi (3^NX sets); the free ones
 * solve Q_FF x_F = r_F - Q_FA x_A; KKT: lo <= x_F <= hi, grad >= 0 at lo, <= 0 at hi. Returns
 * the number of active coordinates and the smallest |grad| over them (the margin). */
static int box_kkt(double Q[NX][NX], const double *r, double lo, double hi, double *x,
                   double *margin) {
  int found = -1;
  for (int code = 0, ncode = (int)pow(3, NX); code < ncode; code++) {
    int st[NX], c = code, free_idx[NX], nf = 0;
    double z[NX];
    for (int i = 0; i < NX; i++, c /= 3) {
      st[i] = c % 3; /* 0 free, 1 at lo, 2 at hi */
      z[i] = st[i] == 1 ? lo : st[i] == 2 ? hi : 0;
      if (st[i] == 0) free_idx[nf++] = i;
    }
    double A[NX + 1][NX + 1], b[NX + 1];
    for (int a = 0; a < nf; a++) {
      b[a] = r[free_idx[a]];
      for (int i = 0; i < NX; i++) if (st[i]) b[a] -= Q[free_idx[a]][i] * z[i];
      for (int e = 0; e < nf; e++) A[a][e] = Q[free_idx[a]][free_idx[e]];
    }
    if (nf && !solve(nf, A, b)) continue;
    for (int a = 0; a < nf; a++) z[free_idx[a]] = b[a];
    bool ok = true;
    double m = INFINITY;
    for (int i = 0; i < NX && ok; i++) {
      double g = -r[i];
      for (int j = 0; j < NX; j++) g += Q[i][j] * z[j];
      if (st[i] == 0) ok = z[i] >= lo - 1e-13 && z[i] <= hi + 1e-13;
      else ok = st[i] == 1 ? g >= -1e-13 : g <= 1e-13;
      if (st[i]) m = fmin(m, fabs(g));
    }
    if (!ok) continue;
    assert_int_equal(found, -1); /* strictly convex: one KKT point */
    found = NX - nf;
    memcpy(x, z, sizeof z);
    *margin = m;
  }
  assert_true(found >= 0);
  return found;
}

/* min phi over the simplex: a support set F (x_F > 0) solves [Q_FF 1; 1' 0][x_F; nu] =
 * [r_F; 1]; KKT: x_F >= 0, (Qx - r)_i >= nu off F. Returns the number of zeros; margin is the
 * smallest (Qx - r)_i - nu over them. */
static int simplex_kkt(double Q[NX][NX], const double *r, double *x, double *margin) {
  int found = -1;
  for (int set = 1; set < (1 << NX); set++) {
    int idx[NX], nf = 0;
    for (int i = 0; i < NX; i++) if (set >> i & 1) idx[nf++] = i;
    double A[NX + 1][NX + 1], b[NX + 1], z[NX] = {0};
    for (int a = 0; a < nf; a++) {
      for (int e = 0; e < nf; e++) A[a][e] = Q[idx[a]][idx[e]];
      A[a][nf] = 1;
      A[nf][a] = 1;
      b[a] = r[idx[a]];
    }
    A[nf][nf] = 0;
    b[nf] = 1;
    if (!solve(nf + 1, A, b)) continue;
    double nu = b[nf];
    for (int a = 0; a < nf; a++) z[idx[a]] = b[a];
    bool ok = true;
    double m = INFINITY;
    for (int i = 0; i < NX && ok; i++) {
      double g = -r[i];
      for (int j = 0; j < NX; j++) g += Q[i][j] * z[j];
      /* the solve returns nu with the sign of Q x - r = -nu on F: stationarity Qx - r + nu = 0 */
      if (set >> i & 1) ok = z[i] >= -1e-13;
      else ok = g + nu >= -1e-13, m = fmin(m, g + nu);
    }
    if (!ok) continue;
    assert_int_equal(found, -1);
    found = NX - nf;
    memcpy(x, z, sizeof z);
    *margin = m;
  }
  assert_true(found >= 0);
  return found;
}

/* A quadratic instance with one constraint on all of x. */
typedef struct Inst {
  TpProblem *t;
  BloConstraint con;
  double Q[NX][NX], r[NX], xstar[NX];
} Inst;

static void inst_init(Inst *I, uint64_t seed, int kind, double lo, double hi) {
  TpSpec sp = tp_default_spec();
  sp.seed = seed;
  I->t = tp_new(&sp);
  quad_form(I->t, I->Q, I->r);
  I->con = (BloConstraint){.var = 0, .kind = kind, .lo_data = -1, .hi_data = -1, .lo = lo,
                           .hi = hi};
  I->t->p.n_constraints = 1;
  I->t->p.constraints = &I->con;
}

/* Run `method` for `steps` steps; the relative distance of x to I->xstar. */
static double run_to(const Inst *I, const char *method, const char *const *kv, int64_t steps) {
  RtSolver *s = tp_solver(&I->t->p, method, kv, 1);
  for (int64_t k = 0; k < steps; k++) rt_solver_step(s, k);
  assert_int_equal(s->o.fail_kind, -1);
  double d[NX];
  rt_sub(NX, s->x, I->xstar, d);
  double e = rt_nrm2(NX, d) / fmax(1.0, rt_nrm2(NX, I->xstar));
  rt_solver_free(s);
  return e;
}

typedef struct Case {
  const char *m;
  const char *const *kv;
  int64_t steps;
} Case;

/* The methods whose fixed point is x* itself (the unrolled ones with a truncation bias of
 * 0.9^300 ~ 2e-14), with the options test_implicit uses. */
static const Case exact_cases[] = {
    {"lancbio", KV("x_step=0.5", "y_step=0.1"), 2000},
    {"subbio", KV("x_step=0.5", "y_step=0.1"), 2000},
    {"aid_cg", KV("x_step=0.5", "y_step=0.1"), 2000},
    {"amigo_gd", KV("x_step=0.5", "y_step=0.1"), 2000},
    {"soba", KV("x_step=0.1", "y_step=0.1"), 3000},
    {"stocbio", KV("x_step=0.5", "y_step=0.1", "eta=0.15", "neumann_steps=150"), 2000},
    {"exact", KV("x_step=0.5"), 600},
    {"itd", KV("x_step=0.5", "r=300", "inner_lr=0.1"), 1000},
    {"ufom", KV("x_step=0.5", "r=300", "inner_lr=0.1", "q=1"), 1000},
};
/* Noisy estimates: exact where the solution is a vertex with a margin. */
static const Case vertex_cases[] = {
    {"bsa", KV("x_step=0.5", "y_step=0.1", "eta=0.1", "neumann_steps=40"), 3000},
    {"ttsa", KV("x_step=0.5", "y_step=0.1", "eta=0.1", "neumann_steps=40"), 3000},
};

static void run_cases(const Inst *I, const Case *c, size_t n, const char *what) {
  for (size_t i = 0; i < n; i++) {
    double e = run_to(I, c[i].m, c[i].kv, c[i].steps);
    print_message("%-8s %-14s |x - x*|/max(1, |x*|) = %.2e (tolerance 1e-8)\n", c[i].m, what, e);
    assert_true(e < 1e-8);
  }
}

static void test_box_boundary(void **state) {
  (void)state;
  Inst I;
  inst_init(&I, 7, BLO_CON_BOX, -0.05, 0.05);
  double margin;
  int active = box_kkt(I.Q, I.r, -0.05, 0.05, I.xstar, &margin);
  print_message("box [-0.05, 0.05]: %d of %d coordinates active, margin %.3g\n", active, NX,
                margin);
  assert_true(active >= 1 && active < NX);
  run_cases(&I, exact_cases, sizeof exact_cases / sizeof exact_cases[0], "box");
  tp_free(I.t);
}

static void test_simplex_face(void **state) {
  (void)state;
  Inst I;
  inst_init(&I, FACE_SEED, BLO_CON_SIMPLEX, 0, 0);
  double margin;
  int zeros = simplex_kkt(I.Q, I.r, I.xstar, &margin);
  print_message("simplex: %d of %d coordinates zero, margin %.3g\n", zeros, NX, margin);
  assert_true(zeros >= 1 && zeros < NX - 1);
  run_cases(&I, exact_cases, sizeof exact_cases / sizeof exact_cases[0], "simplex");
  tp_free(I.t);
}

static void test_vertices(void **state) {
  (void)state;
  Inst I;
  inst_init(&I, VERTEX_SEED, BLO_CON_BOX, 0.5, 1.0);
  double margin;
  int active = box_kkt(I.Q, I.r, 0.5, 1.0, I.xstar, &margin);
  print_message("box [0.5, 1]: %d of %d active, margin %.3g\n", active, NX, margin);
  assert_int_equal(active, NX);
  run_cases(&I, vertex_cases, sizeof vertex_cases / sizeof vertex_cases[0], "box vertex");
  run_cases(&I, exact_cases, sizeof exact_cases / sizeof exact_cases[0], "box vertex");
  tp_free(I.t);
  inst_init(&I, VERTEX_SEED, BLO_CON_SIMPLEX, 0, 0);
  int zeros = simplex_kkt(I.Q, I.r, I.xstar, &margin);
  print_message("simplex: %d of %d zero, margin %.3g\n", zeros, NX, margin);
  assert_int_equal(zeros, NX - 1);
  run_cases(&I, vertex_cases, sizeof vertex_cases / sizeof vertex_cases[0], "simplex vertex");
  tp_free(I.t);
}

/* fom ignores how y_r depends on x, and here Phi does not depend on x either: its estimate is
 * grad_x f = rho x, the gradient of rho/2 |x|^2, whose minimisers over the box [0.1, 0.2]
 * (0.1 everywhere) and over the simplex (1/5 everywhere) are where it must end. */
static void test_fom(void **state) {
  (void)state;
  const Case c = {"fom", KV("x_step=0.5", "r=20", "inner_lr=0.1"), 1000};
  Inst I;
  inst_init(&I, 7, BLO_CON_BOX, 0.1, 0.2);
  double Q[NX][NX] = {{0}}, r[NX] = {0}, margin;
  for (int i = 0; i < NX; i++) Q[i][i] = I.t->spec.rho;
  assert_int_equal(box_kkt(Q, r, 0.1, 0.2, I.xstar, &margin), NX);
  run_cases(&I, &c, 1, "box");
  tp_free(I.t);
  inst_init(&I, 7, BLO_CON_SIMPLEX, 0, 0);
  assert_int_equal(simplex_kkt(Q, r, I.xstar, &margin), 0);
  run_cases(&I, &c, 1, "simplex");
  tp_free(I.t);
}


/* rt_project_simplex against the threshold found by bisection on sum max(v - theta, 0) = 1,
 * on random vectors of sizes 1..40 (ties and all-equal vectors included). */
static void test_simplex_projection(void **state) {
  (void)state;
  RtRng rng = rt_rng_stream(3, "test_xstep");
  double v[40], p[40], sort[40];
  for (int trial = 0; trial < 400; trial++) {
    int n = 1 + trial % 40;
    for (int i = 0; i < n; i++)
      v[i] = trial % 7 == 0 ? 0.25 : trial % 5 == 0 ? (double)rt_rng_randint(&rng, 0, 3)
                                                     : rt_rng_normal(&rng, 0, 2);
    memcpy(p, v, sizeof v);
    rt_project_simplex(n, p, sort);
    double lo = -100, hi = 100;
    for (int it = 0; it < 200; it++) {
      double th = 0.5 * (lo + hi), sum = 0;
      for (int i = 0; i < n; i++) sum += fmax(v[i] - th, 0);
      if (sum > 1) lo = th; else hi = th;
    }
    double sum = 0;
    for (int i = 0; i < n; i++) {
      assert_true(fabs(p[i] - fmax(v[i] - lo, 0)) < 1e-12);
      assert_true(p[i] >= 0);
      sum += p[i];
    }
    assert_true(fabs(sum - 1) < 1e-12);
  }
}

/* Two steps of momentum and of Adam equal their formulas, from the estimates d the method
 * produced (exact: deterministic d); x_step = 0.1 on an unconstrained instance. */
static void test_optimizer_formulas(void **state) {
  (void)state;
  TpSpec sp = tp_default_spec();
  TpProblem *t = tp_new(&sp);
  const double lam = 0.1, b1 = 0.8, b2 = 0.95, eps = 1e-3;
  for (int which = 0; which < 2; which++) {
    RtSolver *s = tp_solver(&t->p, "exact",
                            which ? KV("x_step=0.1", "x_optimizer=adam", "beta1=0.8", "beta2=0.95",
                                       "eps=1e-3")
                                  : KV("x_step=0.1", "x_optimizer=momentum", "beta1=0.8"), 1);
    double x[NX], m[NX] = {0}, v[NX] = {0};
    memcpy(x, s->x, sizeof x);
    for (int k = 0; k < 2; k++) {
      rt_solver_step(s, k);
      for (int i = 0; i < NX; i++) {
        double d = s->d[i];
        if (which == 0) {
          m[i] = b1 * m[i] + d;
          x[i] -= lam * m[i];
        } else {
          m[i] = b1 * m[i] + (1 - b1) * d;
          v[i] = b2 * v[i] + (1 - b2) * d * d;
          double mh = m[i] / (1 - pow(b1, k + 1)), vh = v[i] / (1 - pow(b2, k + 1));
          x[i] -= lam * mh / (sqrt(vh) + eps);
        }
      }
      print_message("%s step %d: |x - formula| = %.2e\n", which ? "adam" : "momentum", k + 1,
                    tp_rel_err(NX, s->x, x));
      assert_true(tp_rel_err(NX, s->x, x) < 1e-15);
    }
    assert_int_equal(s->xs.t, which ? 2 : 0);
    rt_xstep_reset(s); /* on_divergence = halve: the moments start again */
    for (int i = 0; i < NX; i++) assert_true(s->xs.m[i] == 0 && (!s->xs.v || s->xs.v[i] == 0));
    assert_int_equal(s->xs.t, 0);
    rt_solver_free(s);
  }
  tp_free(t);
}

/* A stochastic method (bsa: random truncation) with Adam and a simplex: the same seed gives
 * bit-identical iterates, another seed different ones; no allocation after setup. */
static void test_same_seed(void **state) {
  (void)state;
  Inst I;
  inst_init(&I, FACE_SEED, BLO_CON_SIMPLEX, 0, 0);
  const char *const *kv = KV("x_step=0.05", "y_step=0.1", "x_optimizer=adam");
  RtSolver *a = tp_solver(&I.t->p, "bsa", kv, 5), *b = tp_solver(&I.t->p, "bsa", kv, 5),
           *c = tp_solver(&I.t->p, "bsa", kv, 6);
  bool differs = false;
  uint64_t calls = rt_mem_stats().calls;
  for (int k = 0; k < 50; k++) {
    rt_solver_step(a, k);
    rt_solver_step(b, k);
    rt_solver_step(c, k);
    assert_memory_equal(a->x, b->x, NX * sizeof(double));
    differs |= memcmp(a->x, c->x, NX * sizeof(double)) != 0;
  }
  assert_int_equal(rt_mem_stats().calls, calls);
  assert_true(differs);
  double sum = 0;
  for (int i = 0; i < NX; i++) sum += a->x[i];
  assert_true(fabs(sum - 1) < 1e-14);
  rt_solver_free(a);
  rt_solver_free(b);
  rt_solver_free(c);
  tp_free(I.t);
}

/* Momentum and Adam (step, then project) reach the box solution of test_box_boundary (4 active
 * coordinates, 1 free); measured 1.8e-16 and 5.3e-15. On a box, the projection commutes with
 * Adam's per-coordinate scaling, so its fixed points are the KKT points; on the simplex they
 * are not (doc/methods.md). */
static void test_optimizers_on_box(void **state) {
  (void)state;
  Inst I;
  inst_init(&I, 7, BLO_CON_BOX, -0.05, 0.05);
  double margin;
  box_kkt(I.Q, I.r, -0.05, 0.05, I.xstar, &margin);
  double em = run_to(&I, "aid_cg", KV("x_step=0.1", "y_step=0.1", "x_optimizer=momentum"), 2000);
  double ea = run_to(&I, "aid_cg", KV("x_step=0.001", "y_step=0.1", "x_optimizer=adam"), 4000);
  print_message("aid_cg box: momentum %.2e, adam %.2e from x*\n", em, ea);
  assert_true(em < 1e-8);
  assert_true(ea < 1e-8);
  tp_free(I.t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_box_boundary),
      cmocka_unit_test(test_simplex_face),
      cmocka_unit_test(test_vertices),
      cmocka_unit_test(test_fom),
      cmocka_unit_test(test_simplex_projection),
      cmocka_unit_test(test_optimizer_formulas),
      cmocka_unit_test(test_same_seed),
      cmocka_unit_test(test_optimizers_on_box),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
