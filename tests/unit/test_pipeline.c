/* test_pipeline.c — whole-pipeline checks on .blo programs (sema -> IR -> derivatives ->
 * backend): every kernel of a compiled BloProblem against central finite differences of the
 * kernels it differentiates, the fused kernels against the separate ones, and bloc's exact
 * hypergradient against a closed form. Programs come from examples/ and tests/e2e/. */
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

#include "compiled.h" /* looks inside the compiled problem */
#include "rt_data.h"
#include "rt_hypergrad.h"
#include "rt_oracle.h"
#include "rt_rng.h"
#include "src_path.h"

typedef struct Ctx {
  BloCompiled *c;
  const BloProblem *p;
  BloEnv env;
  int64_t *samples;
  double *work;
} Ctx;

static BloCompiled *compile(const char *rel, const SemaDefine *defs, int ndefs,
                            BloBackend backend) {
  BloCompileOptions opt = {0};
  opt.defs = defs;
  opt.ndefs = ndefs;
  opt.backend = backend;
  opt.all_kernels = true; /* the fused kernels too, whatever the program's method calls */
  BloCompiled *c = NULL;
  int rc = blo_compile_file(src_path(rel), &opt, &c);
  if (rc) fprintf(stderr, "compiling %s failed\n", rel);
  assert_int_equal(rc, 0);
  return c;
}

static void ctx_open(Ctx *x, const char *rel, const SemaDefine *defs, int ndefs,
                     BloBackend backend) {
  memset(x, 0, sizeof *x);
  x->c = compile(rel, defs, ndefs, backend);
  x->p = &x->c->problem;
  x->samples = calloc((size_t)x->p->sample_total + 1, sizeof(int64_t));
  /* a fixed draw: the last K indices of each population, in reverse */
  for (int s = 0; s < x->p->n_samples; s++) {
    const BloSampleInfo *si = &x->p->samples[s];
    for (int64_t i = 0; i < si->batch; i++) x->samples[si->offset + i] = si->population - 1 - i;
  }
  x->work = calloc((size_t)x->p->work_size + 1, sizeof(double));
  x->env = (BloEnv){x->p->data, x->samples, x->work, x->p->backend};
}

static void ctx_close(Ctx *x) {
  free(x->samples);
  free(x->work);
  blo_compiled_free(x->c);
}

static double call1(Ctx *x, BloKernelId k, const double *xx, const double *yy) {
  double out;
  double *outs[1] = {&out};
  x->p->kernels[k](&x->env, xx, yy, NULL, outs);
  return out;
}

static void closeness(const char *what, const double *got, const double *want, int64_t n,
                      double tol) {
  double scale = 1e-8, worst = 0;
  int64_t at = 0;
  for (int64_t i = 0; i < n; i++) scale = fmax(scale, fabs(want[i]));
  for (int64_t i = 0; i < n; i++)
    if (fabs(got[i] - want[i]) > worst) {
      worst = fabs(got[i] - want[i]);
      at = i;
    }
  if (worst > tol * scale) {
    fprintf(stderr, "%s: error %.3g at [%lld] (got %.15g, want %.15g; scale %.3g)\n", what, worst,
            (long long)at, got[at], want[at], scale);
    fail();
  }
}

/* Coordinates to probe: all when few, else a spread-out subset. */
static int64_t probe(int64_t n, int k, int total) {
  return total >= n ? k : (int64_t)((double)k * (double)n / total);
}

/* Every derivative kernel of the program against finite differences, at a random point near
 * the initial values. Also: fused kernels equal their separate parts. */
static void fd_check(const char *rel, const SemaDefine *defs, int ndefs) {
  Ctx X;
  ctx_open(&X, rel, defs, ndefs, BLO_BACKEND_INTERP);
  const BloProblem *p = X.p;
  int64_t nx = p->nx, ny = p->ny;
  double *x = malloc(sizeof(double) * (size_t)(nx * 6 + ny * 12 + 8));
  double *y = x + nx, *v = y + ny, *gx = v + ny, *gy = gx + nx, *gyg = gy + ny, *hv = gyg + ny;
  double *jv = hv + ny, *tmp = jv + nx, *tmp2 = tmp + ny, *want = tmp2 + ny, *xp = want + nx + ny;
  double *yp = xp + nx, *gyp = yp + ny, *gym = gyp + ny, *hv2 = gym + ny, *jv2 = hv2 + ny;
  RtRng r = rt_rng_stream(11, rel);
  for (int64_t i = 0; i < nx; i++) x[i] = p->x0[i] + rt_rng_uniform(&r, -0.1, 0.1);
  for (int64_t i = 0; i < ny; i++) y[i] = p->y0[i] + rt_rng_uniform(&r, -0.1, 0.1);
  for (int64_t i = 0; i < ny; i++) v[i] = rt_rng_uniform(&r, -1, 1);
  double f, g;
  {
    double *o[3] = {&f, gx, gy};
    p->kernels[BLO_K_GRAD_F](&X.env, x, y, NULL, o);
    double *o2[2] = {&g, gyg};
    p->kernels[BLO_K_GRAD_Y_G](&X.env, x, y, NULL, o2);
  }
  assert_true(fabs(f - call1(&X, BLO_K_F, x, y)) <= 1e-12 * fmax(1, fabs(f)));
  assert_true(fabs(g - call1(&X, BLO_K_G, x, y)) <= 1e-12 * fmax(1, fabs(g)));
  const int K = 24;
  /* grad_x f, grad_y f, grad_y g */
  double got[64], wnt[64];
  int n = 0;
  for (int k = 0; k < K && k < nx; k++) {
    int64_t i = probe(nx, k, K);
    double h = 1e-6 * fmax(1, fabs(x[i]));
    memcpy(xp, x, sizeof(double) * (size_t)nx);
    xp[i] = x[i] + h;
    double fp = call1(&X, BLO_K_F, xp, y);
    xp[i] = x[i] - h;
    double fm = call1(&X, BLO_K_F, xp, y);
    got[n] = gx[i];
    wnt[n++] = (fp - fm) / (2 * h);
  }
  closeness("grad_x_f", got, wnt, n, 1e-6);
  n = 0;
  double got2[64] = {0}, wnt2[64] = {0};
  for (int k = 0; k < K && k < ny; k++) {
    int64_t i = probe(ny, k, K);
    double h = 1e-6 * fmax(1, fabs(y[i]));
    memcpy(yp, y, sizeof(double) * (size_t)ny);
    yp[i] = y[i] + h;
    double fp = call1(&X, BLO_K_F, x, yp), gp = call1(&X, BLO_K_G, x, yp);
    yp[i] = y[i] - h;
    double fm = call1(&X, BLO_K_F, x, yp), gm = call1(&X, BLO_K_G, x, yp);
    got[n] = gy[i];
    wnt[n] = (fp - fm) / (2 * h);
    got2[n] = gyg[i];
    wnt2[n++] = (gp - gm) / (2 * h);
  }
  closeness("grad_y_f", got, wnt, n, 1e-6);
  closeness("grad_y_g", got2, wnt2, n, 1e-6);
  /* hvp_yy = d/de grad_y g(y + e v) */
  {
    double *o[1] = {hv};
    p->kernels[BLO_K_HVP_YY](&X.env, x, y, v, o);
    /* differences of gradients cancel large terms (the synthetic problem's G y ~ 1e5 y): a
     * wider step keeps rounding (eps |grad| / h) below the O(h^2) truncation error */
    double h = 1e-4, dummy;
    for (int64_t i = 0; i < ny; i++) yp[i] = y[i] + h * v[i];
    double *op[2] = {&dummy, gyp};
    p->kernels[BLO_K_GRAD_Y_G](&X.env, x, yp, NULL, op);
    for (int64_t i = 0; i < ny; i++) yp[i] = y[i] - h * v[i];
    double *om[2] = {&dummy, gym};
    p->kernels[BLO_K_GRAD_Y_G](&X.env, x, yp, NULL, om);
    for (int64_t i = 0; i < ny; i++) tmp[i] = (gyp[i] - gym[i]) / (2 * h);
    closeness("hvp_yy", hv, tmp, ny, 1e-6);
  }
  /* hvp_xy = grad_x <grad_y g, v> */
  {
    double *o[1] = {jv};
    p->kernels[BLO_K_HVP_XY](&X.env, x, y, v, o);
    n = 0;
    for (int k = 0; k < K && k < nx; k++) {
      int64_t i = probe(nx, k, K);
      double h = 1e-4 * fmax(1, fabs(x[i])), dummy, sp = 0, sm = 0; /* as for hvp_yy */
      memcpy(xp, x, sizeof(double) * (size_t)nx);
      double *og[2] = {&dummy, gyp};
      xp[i] = x[i] + h;
      p->kernels[BLO_K_GRAD_Y_G](&X.env, xp, y, NULL, og);
      for (int64_t j = 0; j < ny; j++) sp += gyp[j] * v[j];
      xp[i] = x[i] - h;
      p->kernels[BLO_K_GRAD_Y_G](&X.env, xp, y, NULL, og);
      for (int64_t j = 0; j < ny; j++) sm += gyp[j] * v[j];
      got[n] = jv[i];
      wnt[n++] = (sp - sm) / (2 * h);
    }
    closeness("hvp_xy", got, wnt, n, 1e-6);
  }
  /* grad_x g (F2SA, HJFBiO): central differences of g in x; g itself equals BLO_K_G's */
  {
    double *gxg = malloc(sizeof(double) * (size_t)nx), gv;
    double *o[2] = {&gv, gxg};
    p->kernels[BLO_K_GRAD_X_G](&X.env, x, y, NULL, o);
    assert_true(fabs(gv - g) <= 1e-12 * fmax(1, fabs(g)));
    n = 0;
    for (int k = 0; k < K && k < nx; k++) {
      int64_t i = probe(nx, k, K);
      double h = 1e-6 * fmax(1, fabs(x[i]));
      memcpy(xp, x, sizeof(double) * (size_t)nx);
      xp[i] = x[i] + h;
      double gp = call1(&X, BLO_K_G, xp, y);
      xp[i] = x[i] - h;
      double gm = call1(&X, BLO_K_G, xp, y);
      got[n] = gxg[i];
      wnt[n++] = (gp - gm) / (2 * h);
    }
    closeness("grad_x_g", got, wnt, n, 1e-6);
    free(gxg);
  }
  /* hvp_yx = J' u (STABLE), u in x-space: d/de grad_y g(x + e u), and <J' u, v> = <u, J v> */
  {
    double *u = malloc(sizeof(double) * (size_t)nx), *jtu = malloc(sizeof(double) * (size_t)ny);
    double *jv0 = malloc(sizeof(double) * (size_t)nx);
    for (int64_t i = 0; i < nx; i++) u[i] = rt_rng_uniform(&r, -1, 1);
    double *o[1] = {jtu};
    p->kernels[BLO_K_HVP_YX](&X.env, x, y, u, o);
    double h = 1e-4, dummy; /* as for hvp_yy */
    for (int64_t i = 0; i < nx; i++) xp[i] = x[i] + h * u[i];
    double *op[2] = {&dummy, gyp};
    p->kernels[BLO_K_GRAD_Y_G](&X.env, xp, y, NULL, op);
    for (int64_t i = 0; i < nx; i++) xp[i] = x[i] - h * u[i];
    double *om[2] = {&dummy, gym};
    p->kernels[BLO_K_GRAD_Y_G](&X.env, xp, y, NULL, om);
    for (int64_t i = 0; i < ny; i++) tmp[i] = (gyp[i] - gym[i]) / (2 * h);
    closeness("hvp_yx", jtu, tmp, ny, 1e-6);
    double *oj[1] = {jv0};
    p->kernels[BLO_K_HVP_XY](&X.env, x, y, v, oj);
    double a = 0, b = 0, scale = 0;
    for (int64_t i = 0; i < ny; i++) a += jtu[i] * v[i], scale += fabs(jtu[i] * v[i]);
    for (int64_t i = 0; i < nx; i++) b += u[i] * jv0[i], scale += fabs(u[i] * jv0[i]);
    closeness("hvp_yx adjoint of hvp_xy", &a, &b, 1, 1e-12 * fmax(1, scale) / fmax(1e-8, fabs(b)));
    free(u);
    free(jtu);
    free(jv0);
  }
  /* fused kernels equal the separate ones (bit for bit on one backend) */
  {
    double gg;
    double *o[3] = {&gg, tmp, tmp2};
    p->kernels[BLO_K_GRAD_Y_G_HVP_YY](&X.env, x, y, v, o);
    closeness("grad_y_g_hvp_yy[grad]", tmp, gyg, ny, 1e-14);
    closeness("grad_y_g_hvp_yy[hvp]", tmp2, hv, ny, 1e-14);
    double *ob[2] = {hv2, jv2};
    p->kernels[BLO_K_HVP_BOTH](&X.env, x, y, v, ob);
    closeness("hvp_both[yy]", hv2, hv, ny, 1e-14);
    closeness("hvp_both[xy]", jv2, jv, nx, 1e-14);
  }
  /* init_vjp = (dPhi/dx)' v */
  if (p->init_uses_x) {
    double *o[1] = {jv};
    p->kernels[BLO_K_INIT_VJP](&X.env, x, NULL, v, o);
    n = 0;
    for (int k = 0; k < K && k < nx; k++) {
      int64_t i = probe(nx, k, K);
      double h = 1e-6 * fmax(1, fabs(x[i])), sp = 0, sm = 0;
      memcpy(xp, x, sizeof(double) * (size_t)nx);
      double *oi[1] = {yp};
      xp[i] = x[i] + h;
      p->kernels[BLO_K_INIT_Y](&X.env, xp, NULL, NULL, oi);
      for (int64_t j = 0; j < ny; j++) sp += yp[j] * v[j];
      xp[i] = x[i] - h;
      p->kernels[BLO_K_INIT_Y](&X.env, xp, NULL, NULL, oi);
      for (int64_t j = 0; j < ny; j++) sm += yp[j] * v[j];
      got[n] = jv[i];
      wnt[n++] = (sp - sm) / (2 * h);
    }
    closeness("init_vjp", got, wnt, n, 1e-6);
  }
  free(x);
  ctx_close(&X);
}

static void test_builtins_fd(void **state) {
  (void)state;
  fd_check("tests/e2e/builtins.blo", NULL, 0);
}

static void test_stdlib_fd(void **state) {
  (void)state;
  fd_check("tests/e2e/stdlib.blo", NULL, 0);
}

/* reshape(a, n) and reshape(a, m, n) of both levels' variables and of data */
static void test_reshape_fd(void **state) {
  (void)state;
  fd_check("tests/e2e/reshape.blo", NULL, 0);
}

/* vcat of both levels' variables: scalars, vectors and matrices stacked, in fns and slices */
static void test_vcat_fd(void **state) {
  (void)state;
  fd_check("tests/e2e/vcat.blo", NULL, 0);
}

/* rank-3 data indexed by task (X[t], X[0], X[t][i, :], a fn taking the tensor) */
static void test_tensors_fd(void **state) {
  (void)state;
  fd_check("tests/e2e/tensors.blo", NULL, 0);
}

static void test_fewshot_fd(void **state) {
  (void)state;
  fd_check("examples/fewshot_regression.blo", NULL, 0);
}

static void test_synthetic_fd(void **state) {
  (void)state;
  SemaDefine d[1] = {{"n", 8, NULL}};
  fd_check("examples/synthetic.blo", d, 1);
}

static void test_ufom_toy_fd(void **state) {
  (void)state;
  fd_check("examples/ufom_toy.blo", NULL, 0);
}

static void test_hyperclean_fd(void **state) {
  (void)state;
  FILE *fp = fopen("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz", "rb");
  if (!fp) skip();
  fclose(fp);
  SemaDefine d[3] = {{"n_train", 30, NULL}, {"n_val", 20, NULL}, {"n_test", 50, NULL}};
  fd_check("examples/hyperclean.blo", d, 3);
}

/* f alone, g alone, grad_x g and J'u are compiled only for the methods whose steps call them
 * (and for a run without a method: the program's own is lancbio here, so only the listed
 * methods count); trace points take f and g from grad f and grad_y g. */
static void test_optional_kernels_per_method(void **state) {
  (void)state;
  struct {
    const char *methods[2];
    int n;
    bool g, gxg, yx;
  } c[] = {
      {{"lancbio"}, 1, false, false, false},       {{"f2sa"}, 1, false, true, false},
      {{"hjfbio"}, 1, false, true, false},         {{"stable"}, 1, false, false, true},
      {{"soba", "stable"}, 2, false, false, true}, {{"f2sa", "stable"}, 2, false, true, true},
      {{"exact"}, 1, true, false, false},          {{"exact", "ufom"}, 2, true, false, false},
  };
  for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
    BloCompileOptions opt = {0};
    opt.backend = BLO_BACKEND_INTERP;
    opt.methods = c[i].methods;
    opt.nmethods = c[i].n;
    BloCompiled *bc = NULL;
    assert_int_equal(blo_compile_file(src_path("tests/e2e/lancbio_quad8.blo"), &opt, &bc), 0);
    assert_null(bc->problem.kernels[BLO_K_F]);
    assert_int_equal(bc->problem.kernels[BLO_K_G] != NULL, c[i].g);
    assert_int_equal(bc->problem.kernels[BLO_K_GRAD_X_G] != NULL, c[i].gxg);
    assert_int_equal(bc->problem.kernels[BLO_K_HVP_YX] != NULL, c[i].yx);
    assert_non_null(bc->problem.kernels[BLO_K_HVP_XY]);
    assert_non_null(bc->problem.kernels[BLO_K_GRAD_F]);
    blo_compiled_free(bc);
  }
}

/* bloc's exact hypergradient (dense and CG) equals rho x + B' H^{-1} (y - t) at an arbitrary
 * point (tests/e2e/quadratic.blo spells out H, B, c, t). */
static void test_quadratic_closed_form(void **state) {
  (void)state;
  Ctx X;
  ctx_open(&X, "tests/e2e/quadratic.blo", NULL, 0, BLO_BACKEND_INTERP);
  const double H[16] = {4, 1, 0, 0.5, 1, 3, 0.2, 0, 0, 0.2, 2, 0.1, 0.5, 0, 0.1, 5};
  const double B[12] = {1, 0.5, 0, 0, 1, -0.3, 0.2, 0, 1, 0.1, 0.1, 0.1};
  const double t[4] = {1, 2, -1, 0.5}, rho = 0.1;
  double x[3] = {0.4, -1.2, 0.9}, y[4] = {0.3, -0.7, 2.0, 1.1};
  /* want = rho x + B' H^{-1} (y - t): solve H w = y - t by Gaussian elimination */
  double M[4][5];
  for (int i = 0; i < 4; i++) {
    for (int j = 0; j < 4; j++) M[i][j] = H[i * 4 + j];
    M[i][4] = y[i] - t[i];
  }
  for (int k = 0; k < 4; k++)
    for (int i = k + 1; i < 4; i++) {
      double m = M[i][k] / M[k][k];
      for (int j = k; j < 5; j++) M[i][j] -= m * M[k][j];
    }
  double w[4];
  for (int i = 3; i >= 0; i--) {
    double s = M[i][4];
    for (int j = i + 1; j < 4; j++) s -= M[i][j] * w[j];
    w[i] = s / M[i][i];
  }
  double want[3];
  for (int j = 0; j < 3; j++) {
    want[j] = rho * x[j];
    for (int i = 0; i < 4; i++) want[j] += B[i * 3 + j] * w[i];
  }
  RtOracle o;
  char err[256];
  assert_int_equal(rt_oracle_init(&o, X.p, 1, 1, err, sizeof err), 0);
  double hg[3], v[4];
  RtHypergrad info;
  info = (RtHypergrad){.dense_max = 100, .cg_rtol = 1e-12, .hg = hg, .v = v};
  assert_int_equal(rt_hypergrad_exact(&o, rt_oracle_draw(&o), x, y, &info, err, sizeof err), 0);
  assert_int_equal(info.how, RT_HG_CHOLESKY);
  closeness("hypergrad (dense)", hg, want, 3, 1e-10);
  info = (RtHypergrad){.dense_max = 0, .cg_rtol = 1e-13, .hg = hg, .v = v};
  assert_int_equal(rt_hypergrad_exact(&o, rt_oracle_draw(&o), x, y, &info, err, sizeof err), 0);
  assert_int_equal(info.how, RT_HG_CG);
  closeness("hypergrad (cg)", hg, want, 3, 1e-10);
  rt_oracle_free(&o);
  ctx_close(&X);
}

/* Every report of tests/e2e/values.blo is a sum of |builtin value - expected value|. */
static void test_builtin_values(void **state) {
  (void)state;
  Ctx X;
  ctx_open(&X, "tests/e2e/values.blo", NULL, 0, BLO_BACKEND_INTERP);
  double r[16];
  double *o[1] = {r};
  assert_true(X.p->n_reports >= 5 && X.p->n_reports <= 16);
  X.p->kernels[BLO_K_REPORTS](&X.env, X.p->x0, X.p->y0, NULL, o);
  for (int i = 0; i < X.p->n_reports; i++) {
    if (!(fabs(r[i]) < 1e-12)) fprintf(stderr, "report '%s' = %.3g\n", X.p->report_names[i], r[i]);
    assert_true(fabs(r[i]) < 1e-12);
  }
  ctx_close(&X);
}


/* rt_phi_exact started at y*(x) itself, densely and by Newton-CG (dense_max = 1): soft-Q
 * inverse RL at tau = 0.001 (tests/e2e/irl_soft.blo), a least-squares g with zero residual
 * (g ~ 5e-31 at y*(x), |grad_y g| = 1.05e-15, its rounding). Both solves refused it: "Newton's
 * method on g stopped at |grad_y g| = 1.05e-15, not below 1.05e-25", the rounding floor taken
 * with no Hessian (or curvature) known before the first step. torch: phi 56905.82967716023. */
static void test_phi_at_exact_start(void **state) {
  (void)state;
  SemaDefine d[1] = {{"tau", 0.001, NULL}};
  /* (the JIT's: the interpreter's rounding let the dense line search pass by chance) */
  BloCompiled *c = compile("tests/e2e/irl_soft.blo", d, 1, BLO_BACKEND_JIT);
  const double x[3] = {0.3, 0.2, -0.1};
  const double ys[12] = {2.4265153673492916, 1.9126857784957716, 2.2184681659628875,
                         2.9944099671780426, 2.4566670485766275, 1.808753572396864,
                         2.1234463988047123, 2.024332162950352,  2.0853169061947807,
                         2.6741518243541154, 2.0005493741732208, 2.7347520524771176};
  for (int64_t dense_max = 0; dense_max <= 1; dense_max++) {
    RtPhi m;
    int rc = rt_phi_exact(&c->problem, &(RtPhiAt){.x = x, .y_start = ys, .dense_max = dense_max},
                          &m);
    if (rc) print_message("dense_max %lld: %s\n", (long long)dense_max, m.why);
    assert_int_equal(rc, 0);
    assert_int_equal(m.by_cg, dense_max == 1);
    assert_true(fabs(m.phi - 56905.82967716023) < 1e-12 * 56905.82967716023);
  }
  blo_compiled_free(c);
}

/* rt_phi_exact from y0 = 0 on the entropic-OT dual with the exact gauge term (s49 nuH's
 * ot_gauge.blo, as tests/e2e/phi_flat_lower.sh writes it), densely and by Newton-CG
 * (dense_max = 1, as the end checks go where dense solves cost too much): exp((u + v - C) /
 * eps) underflows on whole rows at y0, the Hessian is singular there and g linear along its
 * null directions. The dense solve stopped there ("g is flat along its gradient there"), and
 * Newton-CG's CG met the zero curvature ("g is not strongly convex in y"). torch (log-domain
 * Sinkhorn, implicit differentiation): phi 0.009322450646234689 at eps 0.1. */
static const char ot_gauge_src[] =
    "problem ot_gauge\n"
    "const eps = 0.1\n"
    "const n = 4\n"
    "const m = 5\n"
    "data P = [[0.1257302210933933, -0.1321048632913019], [0.6404226504432821, "
    "0.10490011715303971], [-0.535669373161111, 0.36159505490948474], [1.3040000451301372, "
    "0.9470809631292422]]\n"
    "data Q = [[-0.7037352358069926, -1.2654214710460525], [-0.6232744625373522, "
    "0.0413259793472436], [-2.3250307746388343, -0.21879166393254573], [-1.2459109472530652, "
    "-0.7322673547034516], [-0.5442589828573099, -0.31630015636915454]]\n"
    "data a = [0.27816045833018455, 0.3209344557466562, 0.18376323224595648, "
    "0.21714185367720282]\n"
    "data b = [0.2013427920441594, 0.197312080941508, 0.19184184929962886, "
    "0.15198906140054036, 0.2575142163141633]\n"
    "data Pt = [[0.11632825945918449, 0.0009114938781674204, 0.008078617053781467, "
    "0.15198348031807798, 0.0008586076209730089], [0.08501427524108467, 0.07726888418722408, "
    "2.2502768779979954e-16, 5.581082351663957e-06, 0.15864571523599505], "
    "[3.550882536689997e-21, 2.0977218817572017e-21, 0.1837632322458478, "
    "1.0940041578610084e-13, 4.1796064445368846e-23], [2.573438906653179e-07, "
    "0.11913170287611462, 9.372095750301208e-37, 8.469040365746946e-16, "
    "0.09800989345719434]]\n"
    "fn cost(x) = outer(P ^ 2 @ x, ones(m)) + outer(ones(n), Q ^ 2 @ x) - 2 * rowwise(P, x) @ "
    "Q'\n"
    "fn plan(x, u, v) = exp((outer(u, ones(m)) + outer(ones(n), v) - cost(x)) / eps)\n"
    "upper x : vector[2] = 1\n"
    "lower u : vector[n] = 0\n"
    "lower v : vector[m] = 0\n"
    "upper objective f = 0.5 * sumsq(plan(x, u, v) - Pt)\n"
    "lower objective g = -dot(a, u) - dot(b, v) + eps * sum(plan(x, u, v)) + 0.5 * (sum(u) - "
    "sum(v)) ^ 2\n";

static void test_phi_flat_start(void **state) {
  (void)state;
  char dir[] = "/tmp/bloc-test-otflat-XXXXXX", path[200];
  assert_non_null(mkdtemp(dir));
  snprintf(path, sizeof path, "%s/ot_gauge.blo", dir);
  FILE *fp = fopen(path, "w");
  assert_non_null(fp);
  fputs(ot_gauge_src, fp);
  assert_int_equal(fclose(fp), 0);
  BloCompileOptions opt = {0};
  opt.backend = BLO_BACKEND_INTERP;
  BloCompiled *c = NULL;
  assert_int_equal(blo_compile_file(path, &opt, &c), 0);
  const double x[2] = {1, 1};
  for (int64_t dense_max = 0; dense_max <= 1; dense_max++) {
    RtPhi m;
    int rc = rt_phi_exact(&c->problem, &(RtPhiAt){.x = x, .dense_max = dense_max}, &m);
    if (rc) print_message("dense_max %lld: %s\n", (long long)dense_max, m.why);
    assert_int_equal(rc, 0);
    assert_int_equal(m.by_cg, dense_max == 1);
    assert_true(fabs(m.phi - 0.009322450646234689) < 1e-10 * 0.009322450646234689);
  }
  blo_compiled_free(c);
  unlink(path);
  rmdir(dir);
}

/* rt_phi_exact from a random y0 on a matrix factorisation, dense (s50 nuI, finding 5): g is
 * not convex in (U, V) there, and phi is refused once Newton met a Hessian that is not
 * positive definite. At 1500 lower variables the dense Newton went on for about 100 steps
 * (1500 products and an eigendecomposition each: 231 s) before that refusal; now it stops
 * after five such Hessians in a row that did not lower |grad_y g|, as Newton-CG stops at its
 * first negative curvature. The refusal stands: its products now 7 ny (8 ny allowed), 29 before. */
static const char mf_src[] =
    "problem mfu\n"
    "const nu = 12\n"
    "const ni = 8\n"
    "const k = 3\n"
    "data A : matrix[nu, k] = normal(0, 1)\n"
    "data B : matrix[ni, k] = normal(0, 1)\n"
    "data N : matrix[nu, ni] = normal(0, 0.1)\n"
    "data R = A @ B' + N\n"
    "data M : matrix[nu, ni] = bernoulli(0.3)\n"
    "upper t : scalar = -1\n"
    "lower U : matrix[nu, k] = normal(0, 0.1)\n"
    "lower V : matrix[ni, k] = normal(0, 0.1)\n"
    "upper objective f = sumsq(U @ V' - R)\n"
    "lower objective g = 0.5 * sumsq(M * (U @ V' - R)) + 0.5 * exp(t) * (sumsq(U) + sumsq(V))\n";

static void test_phi_nonconvex_stops(void **state) {
  (void)state;
  char dir[] = "/tmp/bloc-test-mfu-XXXXXX", path[200];
  assert_non_null(mkdtemp(dir));
  snprintf(path, sizeof path, "%s/mfu.blo", dir);
  FILE *fp = fopen(path, "w");
  assert_non_null(fp);
  fputs(mf_src, fp);
  assert_int_equal(fclose(fp), 0);
  BloCompileOptions opt = {0};
  opt.backend = BLO_BACKEND_INTERP;
  BloCompiled *c = NULL;
  assert_int_equal(blo_compile_file(path, &opt, &c), 0);
  const double x[1] = {-1};
  RtPhi m;
  int rc = rt_phi_exact(&c->problem, &(RtPhiAt){.x = x}, &m);
  if (!(m.hvps < 8 * (uint64_t)c->problem.ny))
    print_message("%llu products: %s\n", (unsigned long long)m.hvps, m.why);
  assert_int_equal(rc, -1);
  assert_true(m.not_convex);
  assert_true(m.hvps < 8 * (uint64_t)c->problem.ny);
  blo_compiled_free(c);
  unlink(path);
  rmdir(dir);
}

/* The data stage holds load_idx tensors as their file and decodes on demand (pipeline.c): a
 * tensor read only through slices, one an expression reads whole, and one the kernels read
 * must all come out exactly as an eager rt_load_idx would make them. */
static void write_idx(const char *dir, const char *name, int seed) {
  char p[4200];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  FILE *f = fopen(p, "wb");
  assert_non_null(f);
  const unsigned char hdr[] = {0, 0, 0x08, 3, 0, 0, 0, 6, 0, 0, 0, 2, 0, 0, 0, 2};
  fwrite(hdr, 1, sizeof hdr, f);
  for (int i = 0; i < 24; i++) fputc((i * 37 + seed * 101) & 0xFF, f);
  assert_int_equal(fclose(f), 0);
}

static void test_lazy_idx_data(void **state) {
  (void)state;
  char dir[] = "/tmp/bloc-test-lazyidx-XXXXXX", p[4200];
  assert_non_null(mkdtemp(dir));
  write_idx(dir, "a.idx", 1);
  write_idx(dir, "b.idx", 2);
  write_idx(dir, "k.idx", 3);
  snprintf(p, sizeof p, "%s/lazy.blo", dir);
  FILE *f = fopen(p, "w");
  assert_non_null(f);
  fputs("problem lazy\n"
        "data A : matrix[6, 4] = load_idx(\"a.idx\")\n"
        "data B : matrix[6, 4] = load_idx(\"b.idx\")\n"
        "data K : matrix[6, 4] = load_idx(\"k.idx\")\n"
        "data S : matrix[2, 3] = A[1:3, 1:4] / 255\n"
        "data R : matrix[3, 4] = A[3:6, :]\n"
        "data T : matrix[6, 4] = B * 2\n"
        "upper x : vector[4] = 0\n"
        "upper z : vector[3] = 0\n"
        "lower y : vector[4] = 0\n"
        "upper objective f = sum(sin(T @ x)) + sum(sin(S @ z)) + sum(sin(R @ y))\n"
        "lower objective g = sumsq(K @ y - 1) + 0.5 * sumsq(y - x)\n"
        "solve lancbio(outer_steps = 1)\n", f);
  assert_int_equal(fclose(f), 0);
  BloCompileOptions opt = {0};
  opt.backend = BLO_BACKEND_INTERP;
  BloCompiled *c = NULL;
  assert_int_equal(blo_compile_file(p, &opt, &c), 0);
  RtTensor a, b, k;
  char err[512];
  snprintf(p, sizeof p, "%s/a.idx", dir);
  assert_int_equal(rt_load_idx(p, rt_shape(2, 6, 4), &a, rt_err(err, sizeof err)), 0);
  snprintf(p, sizeof p, "%s/b.idx", dir);
  assert_int_equal(rt_load_idx(p, rt_shape(2, 6, 4), &b, rt_err(err, sizeof err)), 0);
  snprintf(p, sizeof p, "%s/k.idx", dir);
  assert_int_equal(rt_load_idx(p, rt_shape(2, 6, 4), &k, rt_err(err, sizeof err)), 0);
  assert_null(c->data[0]); /* A, B: only the data stage reads them */
  assert_null(c->data[1]);
  assert_non_null(c->data[2]);
  assert_memory_equal(c->data[2], k.v, 24 * sizeof(double));
  double *S = c->data[3], *R = c->data[4], *T = c->data[5];
  assert_non_null(S);
  assert_non_null(R);
  assert_non_null(T);
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 3; j++) assert_true(S[i * 3 + j] == a.v[(1 + i) * 4 + 1 + j] / 255);
  assert_memory_equal(R, a.v + 12, 12 * sizeof(double));
  for (int i = 0; i < 24; i++) assert_true(T[i] == b.v[i] * 2);
  rt_tensor_free(&a);
  rt_tensor_free(&b);
  rt_tensor_free(&k);
  blo_compiled_free(c);
  const char *names[] = {"a.idx", "b.idx", "k.idx", "lazy.blo"};
  for (int i = 0; i < 4; i++) {
    snprintf(p, sizeof p, "%s/%s", dir, names[i]);
    unlink(p);
  }
  rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_builtins_fd),
    cmocka_unit_test(test_stdlib_fd),
    cmocka_unit_test(test_reshape_fd),
    cmocka_unit_test(test_vcat_fd),
    cmocka_unit_test(test_tensors_fd),
    cmocka_unit_test(test_fewshot_fd),
    cmocka_unit_test(test_synthetic_fd),
    cmocka_unit_test(test_ufom_toy_fd),
    cmocka_unit_test(test_hyperclean_fd),
    cmocka_unit_test(test_quadratic_closed_form),
    cmocka_unit_test(test_optional_kernels_per_method),
    cmocka_unit_test(test_builtin_values),
    cmocka_unit_test(test_lazy_idx_data),
    cmocka_unit_test(test_phi_at_exact_start),
    cmocka_unit_test(test_phi_flat_start),
    cmocka_unit_test(test_phi_nonconvex_stops),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
