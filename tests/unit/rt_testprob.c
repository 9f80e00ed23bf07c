/* rt_testprob.c — the test problems of rt_testprob.h: kernels written by hand. */
#include "rt_testprob.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rt_linalg.h"
#include "rt_rng.h"

TpSpec tp_default_spec(void) {
  TpSpec s = {.nx = 5, .ny = 8, .cond = 10, .rho = 0.1, .gamma = 0, .tanh = false,
              .init_x = false, .fused = true, .seed = 7};
  return s;
}

/* env->data: 0 H [ny x ny], 1 B [ny x nx], 2 c [ny], 3 y_t [ny], 4 P [ny x nx],
 * 5 dims {nx, ny, rho, gamma, tanh}. work: 2 ny doubles. */
#define DIMS                                                                               \
  const double *const *D = env->data;                                                     \
  int64_t nx = (int64_t)D[5][0], ny = (int64_t)D[5][1];                                   \
  double rho = D[5][2], gamma = D[5][3];                                                  \
  int use_tanh = D[5][4] != 0;                                                            \
  (void)nx; (void)ny; (void)rho; (void)gamma; (void)use_tanh;

/* work[0..ny) = s(x) = B x + c (or tanh of it); work[ny..2ny) = s'(x) when tanh. */
static void coupling(const BloEnv *env, const double *x) {
  DIMS
  double *s = env->work;
  for (int64_t i = 0; i < ny; i++) {
    double a = D[2][i];
    for (int64_t j = 0; j < nx; j++) a += D[1][i * nx + j] * x[j];
    s[i] = use_tanh ? tanh(a) : a;
    s[ny + i] = use_tanh ? 1 - tanh(a) * tanh(a) : 1;
  }
}

static double g_and_grad(const BloEnv *env, const double *x, const double *y, double *gy) {
  DIMS
  coupling(env, x);
  double g = 0;
  for (int64_t i = 0; i < ny; i++) {
    double hy = 0;
    for (int64_t j = 0; j < ny; j++) hy += D[0][i * ny + j] * y[j];
    g += 0.5 * y[i] * hy - y[i] * env->work[i] + 0.25 * gamma * pow(y[i], 4);
    if (gy) gy[i] = hy - env->work[i] + gamma * y[i] * y[i] * y[i];
  }
  return g;
}

static void hvp(const BloEnv *env, const double *y, const double *v, double *out) {
  DIMS
  for (int64_t i = 0; i < ny; i++) {
    double a = 0;
    for (int64_t j = 0; j < ny; j++) a += D[0][i * ny + j] * v[j];
    out[i] = a + 3 * gamma * y[i] * y[i] * v[i];
  }
}

static void mixed(const BloEnv *env, const double *x, const double *v, double *out) {
  DIMS
  coupling(env, x);
  for (int64_t j = 0; j < nx; j++) out[j] = 0;
  for (int64_t i = 0; i < ny; i++)
    for (int64_t j = 0; j < nx; j++) out[j] -= D[1][i * nx + j] * env->work[ny + i] * v[i];
}

/* grad_x g = -B' (s'(x) .* y): x enters g only through -y's(x). */
static double grad_x_g(const BloEnv *env, const double *x, const double *y, double *gx) {
  DIMS
  double g = g_and_grad(env, x, y, NULL); /* also leaves s'(x) in work[ny..2ny) */
  for (int64_t j = 0; j < nx; j++) gx[j] = 0;
  for (int64_t i = 0; i < ny; i++)
    for (int64_t j = 0; j < nx; j++) gx[j] -= D[1][i * nx + j] * env->work[ny + i] * y[i];
  return g;
}

/* J' u = d/dx (grad_y g) u = -s'(x) .* (B u), u in x-space. */
static void mixed_t(const BloEnv *env, const double *x, const double *u, double *out) {
  DIMS
  coupling(env, x);
  for (int64_t i = 0; i < ny; i++) {
    double a = 0;
    for (int64_t j = 0; j < nx; j++) a += D[1][i * nx + j] * u[j];
    out[i] = -env->work[ny + i] * a;
  }
}

static double f_and_grad(const BloEnv *env, const double *x, const double *y, double *gx,
                         double *gy) {
  DIMS
  double f = 0;
  for (int64_t i = 0; i < ny; i++) {
    double d = y[i] - D[3][i];
    f += 0.5 * d * d;
    if (gy) gy[i] = d;
  }
  for (int64_t j = 0; j < nx; j++) {
    f += 0.5 * rho * x[j] * x[j];
    if (gx) gx[j] = rho * x[j];
  }
  return f;
}

static void k_f(const BloEnv *env, const double *x, const double *y, const double *v,
                double *const *out) {
  (void)v;
  out[0][0] = f_and_grad(env, x, y, NULL, NULL);
}
static void k_g(const BloEnv *env, const double *x, const double *y, const double *v,
                double *const *out) {
  (void)v;
  out[0][0] = g_and_grad(env, x, y, NULL);
}
static void k_grad_f(const BloEnv *env, const double *x, const double *y, const double *v,
                     double *const *out) {
  (void)v;
  out[0][0] = f_and_grad(env, x, y, out[1], out[2]);
}
static void k_grad_g(const BloEnv *env, const double *x, const double *y, const double *v,
                     double *const *out) {
  (void)v;
  out[0][0] = g_and_grad(env, x, y, out[1]);
}
static void k_hvp(const BloEnv *env, const double *x, const double *y, const double *v,
                  double *const *out) {
  (void)x;
  hvp(env, y, v, out[0]);
}
static void k_mixed(const BloEnv *env, const double *x, const double *y, const double *v,
                    double *const *out) {
  (void)y;
  mixed(env, x, v, out[0]);
}
static void k_grad_x_g(const BloEnv *env, const double *x, const double *y, const double *v,
                       double *const *out) {
  (void)v;
  out[0][0] = grad_x_g(env, x, y, out[1]);
}
static void k_mixed_t(const BloEnv *env, const double *x, const double *y, const double *v,
                      double *const *out) {
  (void)y;
  mixed_t(env, x, v, out[0]);
}
static void k_grad_g_hvp(const BloEnv *env, const double *x, const double *y, const double *v,
                         double *const *out) {
  out[0][0] = g_and_grad(env, x, y, out[1]);
  hvp(env, y, v, out[2]);
}
static void k_hvp_both(const BloEnv *env, const double *x, const double *y, const double *v,
                       double *const *out) {
  hvp(env, y, v, out[0]);
  mixed(env, x, v, out[1]);
}
static void k_init(const BloEnv *env, const double *x, const double *y, const double *v,
                   double *const *out) {
  DIMS
  (void)y; (void)v;
  for (int64_t i = 0; i < ny; i++) {
    double a = 0;
    for (int64_t j = 0; j < nx; j++) a += D[4][i * nx + j] * x[j];
    out[0][i] = a;
  }
}
static void k_init_vjp(const BloEnv *env, const double *x, const double *y, const double *v,
                       double *const *out) {
  DIMS
  (void)x; (void)y;
  for (int64_t j = 0; j < nx; j++) out[0][j] = 0;
  for (int64_t i = 0; i < ny; i++)
    for (int64_t j = 0; j < nx; j++) out[0][j] += D[4][i * nx + j] * v[i];
}
static void k_reports(const BloEnv *env, const double *x, const double *y, const double *v,
                      double *const *out) {
  DIMS
  (void)v;
  double s = 0;
  for (int64_t j = 0; j < nx; j++) s += x[j] * x[j];
  out[0][0] = sqrt(s);
  out[0][1] = y[0];
}

/* Random orthogonal Q (Gram-Schmidt on Gaussians), H = Q diag(linspace(1, cond)) Q'. */
static void random_spd(RtRng *r, int64_t n, double cond, double *H) {
  double *Q = calloc((size_t)(n * n), sizeof *Q);
  for (int64_t i = 0; i < n * n; i++) Q[i] = rt_rng_normal(r, 0, 1);
  for (int64_t i = 0; i < n; i++) { /* rows of Q orthonormal */
    for (int pass = 0; pass < 2; pass++)
      for (int64_t k = 0; k < i; k++)
        rt_axpy(n, -rt_dot(n, Q + k * n, Q + i * n), Q + k * n, Q + i * n);
    rt_scal(n, 1.0 / rt_nrm2(n, Q + i * n), Q + i * n);
  }
  /* H_ij = sum over k ascending of (Q_ki d_k) Q_kj, added in that order as by a plain triple
   * loop (same H to the bit), but a block of rows of H at a time, four k per pass: the loop
   * over k walking a column of Q per entry took 120 s at ny = 2001 (test_phi_newton_cg, which
   * now takes reflected_spd's H: with the orthonormal rows above, still 11 s), this 3 s */
  double *d = malloc((size_t)n * sizeof *d);
  for (int64_t k = 0; k < n; k++) d[k] = 1 + (cond - 1) * (double)k / (double)(n > 1 ? n - 1 : 1);
  enum { IB = 16 };
  for (int64_t i0 = 0; i0 < n; i0 += IB) {
    int64_t ib = n - i0 < IB ? n - i0 : IB, k = 0;
    memset(H + i0 * n, 0, (size_t)(ib * n) * sizeof *H);
    for (; k + 4 <= n; k += 4) {
      const double *q0 = Q + k * n, *q1 = q0 + n, *q2 = q1 + n, *q3 = q2 + n;
      for (int64_t i = i0; i < i0 + ib; i++) {
        double s0 = q0[i] * d[k], s1 = q1[i] * d[k + 1], s2 = q2[i] * d[k + 2];
        double s3 = q3[i] * d[k + 3], *h = H + i * n;
        for (int64_t j = 0; j < n; j++)
          h[j] = h[j] + s0 * q0[j] + s1 * q1[j] + s2 * q2[j] + s3 * q3[j];
      }
    }
    for (; k < n; k++) {
      const double *q = Q + k * n;
      for (int64_t i = i0; i < i0 + ib; i++) {
        double s = q[i] * d[k], *h = H + i * n;
        for (int64_t j = 0; j < n; j++) h[j] += s * q[j];
      }
    }
  }
  free(d);
  for (int64_t i = 0; i < n; i++) /* exact symmetry */
    for (int64_t j = i + 1; j < n; j++)
      H[j * n + i] = H[i * n + j] = 0.5 * (H[i * n + j] + H[j * n + i]);
  free(Q);
}

/* H = Q D Q, Q = I - 2 w w' for a random unit w, D as random_spd's: D - 2 w u' - 2 u w' +
 * 4 (w'u) w w' with u = D w, the upper triangle mirrored (exact symmetry). */
static void reflected_spd(RtRng *r, int64_t n, double cond, double *H) {
  double *w = malloc((size_t)n * sizeof *w), *d = malloc((size_t)n * sizeof *d);
  double *u = malloc((size_t)n * sizeof *u), s = 0;
  for (int64_t i = 0; i < n; i++) w[i] = rt_rng_normal(r, 0, 1);
  rt_scal(n, 1.0 / rt_nrm2(n, w), w);
  for (int64_t i = 0; i < n; i++) {
    d[i] = 1 + (cond - 1) * (double)i / (double)(n > 1 ? n - 1 : 1);
    u[i] = d[i] * w[i];
    s += w[i] * u[i];
  }
  for (int64_t i = 0; i < n; i++)
    for (int64_t j = i; j < n; j++)
      H[i * n + j] = H[j * n + i] =
          (i == j ? d[i] : 0) - 2 * w[i] * u[j] - 2 * u[i] * w[j] + 4 * s * w[i] * w[j];
  free(w);
  free(d);
  free(u);
}

TpProblem *tp_new(const TpSpec *spec) {
  TpProblem *t = calloc(1, sizeof *t);
  t->spec = *spec;
  int64_t nx = spec->nx, ny = spec->ny;
  RtRng r = rt_rng_stream(spec->seed, "testprob");
  t->H = calloc((size_t)(ny * ny), sizeof(double));
  t->B = calloc((size_t)(ny * nx), sizeof(double));
  t->c = calloc((size_t)ny, sizeof(double));
  t->yt = calloc((size_t)ny, sizeof(double));
  t->P = calloc((size_t)(ny * nx), sizeof(double));
  t->dims = calloc(5, sizeof(double));
  t->x0 = calloc((size_t)nx, sizeof(double));
  t->y0 = calloc((size_t)ny, sizeof(double));
  if (spec->reflect) reflected_spd(&r, ny, spec->cond, t->H);
  else random_spd(&r, ny, spec->cond, t->H);
  for (int64_t i = 0; i < ny * nx; i++) t->B[i] = rt_rng_normal(&r, 0, 1) / sqrt((double)nx);
  for (int64_t i = 0; i < ny; i++) t->c[i] = rt_rng_uniform(&r, -1, 1);
  for (int64_t i = 0; i < ny; i++) t->yt[i] = rt_rng_uniform(&r, -2, 2);
  for (int64_t i = 0; i < ny * nx; i++) t->P[i] = rt_rng_normal(&r, 0, 1) / sqrt((double)nx);
  for (int64_t j = 0; j < nx; j++) t->x0[j] = rt_rng_uniform(&r, -1, 1);
  t->dims[0] = (double)nx;
  t->dims[1] = (double)ny;
  t->dims[2] = spec->rho;
  t->dims[3] = spec->gamma;
  t->dims[4] = spec->tanh ? 1 : 0;
  const double *d[6] = {t->H, t->B, t->c, t->yt, t->P, t->dims};
  memcpy(t->data, d, sizeof d);
  BloTensorInfo info[6] = {{"H", 2, ny, ny}, {"B", 2, ny, nx}, {"c", 1, ny, 1},
                           {"y_t", 1, ny, 1}, {"P", 2, ny, nx}, {"dims", 1, 5, 1}};
  memcpy(t->info, info, sizeof info);
  t->vars[0] = (BloVarInfo){"x", 0, 1, nx, 1, 0};
  t->vars[1] = (BloVarInfo){"y", 1, 1, ny, 1, 0};
  t->report_names[0] = "x_norm";
  t->report_names[1] = "y_first";
  BloProblem *p = &t->p;
  p->abi_version = BLO_ABI_VERSION;
  p->name = spec->gamma == 0 && !spec->tanh ? "quadratic" : "nonlinear";
  p->nx = nx;
  p->ny = ny;
  p->n_vars = 2;
  p->vars = t->vars;
  p->n_data = 6;
  p->data_info = t->info;
  p->data = t->data;
  p->n_reports = 2;
  p->report_names = t->report_names;
  p->kernels[BLO_K_F] = k_f;
  p->kernels[BLO_K_G] = k_g;
  p->kernels[BLO_K_GRAD_F] = k_grad_f;
  p->kernels[BLO_K_GRAD_Y_G] = k_grad_g;
  p->kernels[BLO_K_HVP_YY] = k_hvp;
  p->kernels[BLO_K_HVP_XY] = k_mixed;
  p->kernels[BLO_K_GRAD_X_G] = k_grad_x_g;
  p->kernels[BLO_K_HVP_YX] = k_mixed_t;
  if (spec->fused) {
    p->kernels[BLO_K_GRAD_Y_G_HVP_YY] = k_grad_g_hvp;
    p->kernels[BLO_K_HVP_BOTH] = k_hvp_both;
  }
  p->kernels[BLO_K_REPORTS] = k_reports;
  if (spec->init_x) {
    p->kernels[BLO_K_INIT_Y] = k_init;
    p->kernels[BLO_K_INIT_VJP] = k_init_vjp;
    p->init_uses_x = 1;
    BloEnv env = {t->data, NULL, NULL, NULL};
    double *out[] = {t->y0};
    k_init(&env, t->x0, NULL, NULL, out);
  }
  p->work_size = 2 * ny;
  p->x0 = t->x0;
  p->y0 = t->y0;
  return t;
}

void tp_free(TpProblem *t) {
  if (!t) return;
  free(t->H); free(t->B); free(t->c); free(t->yt); free(t->P); free(t->dims);
  free(t->x0); free(t->y0);
  free(t);
}

/* z = H^{-1} z in place (Cholesky of a copy). */
static void hsolve(const TpProblem *t, double *z, int64_t nrhs) {
  int64_t n = t->spec.ny;
  double *L = malloc((size_t)(n * n) * sizeof *L);
  memcpy(L, t->H, (size_t)(n * n) * sizeof *L);
  rt_chol_factor(n, L);
  for (int64_t k = 0; k < nrhs; k++) rt_chol_solve(n, L, z + k * n);
  free(L);
}

void tp_ystar(const TpProblem *t, const double *x, double *y) {
  int64_t nx = t->spec.nx, ny = t->spec.ny;
  for (int64_t i = 0; i < ny; i++) {
    y[i] = t->c[i];
    for (int64_t j = 0; j < nx; j++) y[i] += t->B[i * nx + j] * x[j];
  }
  hsolve(t, y, 1);
}

void tp_hypergrad(const TpProblem *t, const double *x, double *grad) {
  int64_t nx = t->spec.nx, ny = t->spec.ny;
  double *w = malloc((size_t)ny * sizeof *w);
  tp_ystar(t, x, w);
  for (int64_t i = 0; i < ny; i++) w[i] -= t->yt[i];
  hsolve(t, w, 1); /* H^{-1}(y* - y_t) */
  for (int64_t j = 0; j < nx; j++) {
    grad[j] = t->spec.rho * x[j];
    for (int64_t i = 0; i < ny; i++) grad[j] += t->B[i * nx + j] * w[i];
  }
  free(w);
}

void tp_xstar(const TpProblem *t, double *x) {
  int64_t nx = t->spec.nx, ny = t->spec.ny;
  double *M =
      malloc((size_t)(nx * ny) * sizeof *M); /* column j of M = H^{-1} B e_j, stored as rows */
  for (int64_t j = 0; j < nx; j++)
    for (int64_t i = 0; i < ny; i++) M[j * ny + i] = t->B[i * nx + j];
  hsolve(t, M, nx);
  double *w = malloc((size_t)ny * sizeof *w);
  memcpy(w, t->c, (size_t)ny * sizeof *w);
  hsolve(t, w, 1);
  for (int64_t i = 0; i < ny; i++) w[i] = t->yt[i] - w[i];
  double *N = malloc((size_t)(nx * nx) * sizeof *N);
  for (int64_t a = 0; a < nx; a++) {
    for (int64_t b = 0; b < nx; b++)
      N[a * nx + b] = rt_dot(ny, M + a * ny, M + b * ny) + (a == b ? t->spec.rho : 0);
    x[a] = rt_dot(ny, M + a * ny, w);
  }
  rt_chol_factor(nx, N);
  rt_chol_solve(nx, N, x);
  free(M); free(w); free(N);
}

void tp_model_grad(const TpProblem *t, TpApplyQ q, const void *ctx, const double *x,
                   double *grad) {
  int64_t nx = t->spec.nx, ny = t->spec.ny;
  double *w = malloc((size_t)(2 * ny) * sizeof *w), *qw = w + ny;
  tp_ystar(t, x, w);
  for (int64_t i = 0; i < ny; i++) w[i] -= t->yt[i];
  q(t, ctx, w, qw);
  for (int64_t j = 0; j < nx; j++) {
    grad[j] = t->spec.rho * x[j];
    for (int64_t i = 0; i < ny; i++) grad[j] += t->B[i * nx + j] * qw[i];
  }
  free(w);
}

void tp_q_neumann(const TpProblem *t, const void *ctx, const double *r, double *out) {
  const TpNeumann *c = ctx;
  int64_t ny = t->spec.ny;
  double *p = malloc((size_t)(2 * ny) * sizeof *p), *Hp = p + ny;
  rt_copy(ny, r, p);
  rt_zero(ny, out);
  for (int q = 0; q <= c->Q; q++) {
    rt_axpy(ny, c->eta, p, out);
    for (int64_t i = 0; i < ny; i++) Hp[i] = rt_dot(ny, t->H + i * ny, p);
    rt_axpy(ny, -c->eta, Hp, p);
  }
  free(p);
}

void tp_q_penalty(const TpProblem *t, const void *ctx, const double *r, double *out) {
  double lambda = *(const double *)ctx;
  int64_t ny = t->spec.ny;
  double *M = malloc((size_t)(ny * ny) * sizeof *M);
  for (int64_t i = 0; i < ny * ny; i++) M[i] = lambda * t->H[i];
  for (int64_t i = 0; i < ny; i++) M[i * ny + i] += 1;
  assert_int_equal(rt_chol_factor(ny, M), 0);
  rt_copy(ny, r, out);
  rt_chol_solve(ny, M, out);
  rt_scal(ny, lambda, out);
  free(M);
}

double tp_rel_err(int64_t n, const double *a, const double *b) {
  double d = 0, nb = 0;
  for (int64_t i = 0; i < n; i++) {
    d += (a[i] - b[i]) * (a[i] - b[i]);
    nb += b[i] * b[i];
  }
  return sqrt(d) / fmax(sqrt(nb), 1e-300);
}

/* ---------------------------------------------------------------------------- the toy */
/* loss_i(y), z = |y - b_i/a_i|:
 *   z <= A:          a z^2/2
 *   A < z <= A + 1:  a A^2/2 + a A u + a u^2/2 - a u^3/6,  u = z - A   (second derivative a(1 - u)
 *                    falls linearly from a to 0, so the blend is C2, in particular C1)
 *   z > A + 1:       a (A^2/2 + A + 1/3) + a (A + 1/2)(z - A - 1)
 * d1, d2: first and second derivative in y. */
double tp_toy_loss(int task, double y, double *d1, double *d2) {
  double a = task == 0 ? TOY_A1 : TOY_A2, b = task == 0 ? TOY_B1 : TOY_B2, A = TOY_BIG_A;
  double c = b / a, z = fabs(y - c), sg = y >= c ? 1 : -1;
  double h, h1, h2;
  if (z <= A) {
    h = a * z * z / 2;
    h1 = a * z;
    h2 = a;
  } else if (z <= A + 1) {
    double u = z - A;
    h = a * A * A / 2 + a * A * u + a * u * u / 2 - a * u * u * u / 6;
    h1 = a * A + a * u - a * u * u / 2;
    h2 = a * (1 - u);
  } else {
    h = a * (A * A / 2 + A + 1.0 / 3) + a * (A + 0.5) * (z - A - 1);
    h1 = a * (A + 0.5);
    h2 = 0;
  }
  if (d1) *d1 = sg * h1;
  if (d2) *d2 = h2;
  return h;
}

static int toy_task(const BloEnv *env) { return (int)env->samples[0]; }
static void toy_f(const BloEnv *env, const double *x, const double *y, const double *v,
                  double *const *out) {
  (void)x; (void)v;
  out[0][0] = tp_toy_loss(toy_task(env), y[0], NULL, NULL);
}
static void toy_grad_f(const BloEnv *env, const double *x, const double *y, const double *v,
                       double *const *out) {
  (void)x; (void)v;
  out[0][0] = tp_toy_loss(toy_task(env), y[0], out[2], NULL);
  out[1][0] = 0;
}
static void toy_grad_g(const BloEnv *env, const double *x, const double *y, const double *v,
                       double *const *out) {
  (void)x; (void)v;
  out[0][0] = tp_toy_loss(toy_task(env), y[0], out[1], NULL);
}
static void toy_hvp(const BloEnv *env, const double *x, const double *y, const double *v,
                    double *const *out) {
  (void)x;
  double h2;
  tp_toy_loss(toy_task(env), y[0], NULL, &h2);
  out[0][0] = h2 * v[0];
}
static void toy_mixed(const BloEnv *env, const double *x, const double *y, const double *v,
                      double *const *out) {
  (void)env; (void)x; (void)y; (void)v;
  out[0][0] = 0;
}
static void toy_init(const BloEnv *env, const double *x, const double *y, const double *v,
                     double *const *out) {
  (void)env; (void)y; (void)v;
  out[0][0] = x[0];
}
static void toy_init_vjp(const BloEnv *env, const double *x, const double *y, const double *v,
                         double *const *out) {
  (void)env; (void)x; (void)y;
  out[0][0] = v[0];
}

void tp_toy_init(TpToy *t, double x0) {
  memset(t, 0, sizeof *t);
  t->x0[0] = x0;
  t->y0[0] = x0;
  t->sample = (BloSampleInfo){"t", 1, 2, 0};
  t->vars[0] = (BloVarInfo){"x", 0, 0, 1, 1, 0};
  t->vars[1] = (BloVarInfo){"phi", 1, 0, 1, 1, 0};
  BloProblem *p = &t->p;
  p->abi_version = BLO_ABI_VERSION;
  p->name = "ufom_toy";
  p->nx = 1;
  p->ny = 1;
  p->n_vars = 2;
  p->vars = t->vars;
  p->n_samples = 1;
  p->samples = &t->sample;
  p->sample_total = 1;
  p->kernels[BLO_K_F] = toy_f;
  p->kernels[BLO_K_G] = toy_f;
  p->kernels[BLO_K_GRAD_F] = toy_grad_f;
  p->kernels[BLO_K_GRAD_Y_G] = toy_grad_g;
  p->kernels[BLO_K_HVP_YY] = toy_hvp;
  p->kernels[BLO_K_HVP_XY] = toy_mixed;
  p->kernels[BLO_K_INIT_Y] = toy_init;
  p->kernels[BLO_K_INIT_VJP] = toy_init_vjp;
  p->init_uses_x = 1;
  p->x0 = t->x0;
  p->y0 = t->y0;
}

RtOptions tp_options(const char *method, const char *const *kv) {
  RtOptions o;
  rt_options_init(&o, rt_method_find(method));
  for (; kv && *kv; kv++) {
    char key[64];
    const char *eq = strchr(*kv, '=');
    if (!eq) fail_msg("option '%s' is not key=value", *kv);
    snprintf(key, sizeof key, "%.*s", (int)(eq - *kv), *kv);
    const char *e = rt_options_set(&o, key, eq + 1);
    if (e) fail_msg("%s", e);
  }
  return o;
}

RtSolver *tp_solver(const BloProblem *p, const char *method, const char *const *kv, uint64_t seed) {
  RtOptions o = tp_options(method, kv);
  char err[512];
  RtSolver *s = rt_solver_new(p, &o, seed, err, sizeof err);
  if (!s) fail_msg("%s", err);
  return s;
}
