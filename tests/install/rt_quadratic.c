/* rt_quadratic.c — make installcheck: a program written against the installed runtime headers
 * (<bloc/rt_run.h>, <bloc/blo_abi.h>) that fills a BloProblem by hand and solves it with
 * rt_solve, linked against the installed libbloc (shared, static) and libblocrt.a
 * (tests/install/run.sh). The problem has a closed form:
 *   g(x, y) = 1/2 |y|^2 - <y, x>              so y*(x) = x,
 *   f(x, y) = 1/2 |y - a|^2 + rho/2 |x|^2     so phi(x) = 1/2 |x - a|^2 + rho/2 |x|^2,
 * and x* = a / (1 + rho) = (0.5, 1, 1.5) for a = (1, 2, 3), rho = 1. The program prints the
 * solution (compared with rt_quadratic.out) and fails unless it is within 1e-9 of x*. */
#include <math.h>
#include <stdio.h>

#include <bloc/blo_abi.h>
#include <bloc/rt_run.h>

enum { N = 3 };
static const double a[N] = {1, 2, 3};
static const double rho = 1;

static void k_f(const BloEnv *e, const double *x, const double *y, const double *v,
                double *const *out) {
  double s = 0;
  for (int i = 0; i < N; i++) s += 0.5 * (y[i] - a[i]) * (y[i] - a[i]) + 0.5 * rho * x[i] * x[i];
  out[0][0] = s;
}

static void k_g(const BloEnv *e, const double *x, const double *y, const double *v,
                double *const *out) {
  double s = 0;
  for (int i = 0; i < N; i++) s += 0.5 * y[i] * y[i] - y[i] * x[i];
  out[0][0] = s;
}

static void k_grad_f(const BloEnv *e, const double *x, const double *y, const double *v,
                     double *const *out) {
  k_f(e, x, y, v, out);
  for (int i = 0; i < N; i++) {
    out[1][i] = rho * x[i];
    out[2][i] = y[i] - a[i];
  }
}

static void k_grad_y_g(const BloEnv *e, const double *x, const double *y, const double *v,
                       double *const *out) {
  k_g(e, x, y, v, out);
  for (int i = 0; i < N; i++) out[1][i] = y[i] - x[i];
}

static void k_hvp_yy(const BloEnv *e, const double *x, const double *y, const double *v,
                     double *const *out) {
  for (int i = 0; i < N; i++) out[0][i] = v[i];
}

static void k_hvp_xy(const BloEnv *e, const double *x, const double *y, const double *v,
                     double *const *out) {
  for (int i = 0; i < N; i++) out[0][i] = -v[i];
}

int main(void) {
  static const double x0[N] = {0, 0, 0}, y0[N] = {0, 0, 0};
  static const BloVarInfo vars[2] = {{"x", 0, 1, N, 1, 0}, {"y", 1, 1, N, 1, 0}};
  BloProblem p = {0};
  p.abi_version = BLO_ABI_VERSION;
  p.name = "installed_quadratic";
  p.nx = p.ny = N;
  p.n_vars = 2;
  p.vars = vars;
  p.kernels[BLO_K_F] = k_f;
  p.kernels[BLO_K_G] = k_g;
  p.kernels[BLO_K_GRAD_F] = k_grad_f;
  p.kernels[BLO_K_GRAD_Y_G] = k_grad_y_g;
  p.kernels[BLO_K_HVP_YY] = k_hvp_yy;
  p.kernels[BLO_K_HVP_XY] = k_hvp_xy;
  p.x0 = x0;
  p.y0 = y0;

  const RtMethodSpec *m = rt_method_find("lancbio");
  if (!m) {
    fprintf(stderr, "rt_quadratic: no method lancbio\n");
    return 1;
  }
  RtOptions opt;
  rt_options_init(&opt, m);
  static const char *const settings[][2] = {
    {"outer_steps", "200"}, {"x_step", "0.25"}, {"y_step", "0.5"}, {"tol", "1e-12"}};
  for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++) {
    const char *bad = rt_options_set(&opt, settings[i][0], settings[i][1]);
    if (bad) {
      fprintf(stderr, "rt_quadratic: %s = %s: %s\n", settings[i][0], settings[i][1], bad);
      return 1;
    }
  }
  RtRunConfig cfg;
  rt_run_config_init(&cfg);
  cfg.silent = true;
  cfg.handle_sigint = false;
  RtResult res;
  int status = rt_solve(&p, &opt, &cfg, &res);
  if (status != RT_STATUS_OK) {
    fprintf(stderr, "rt_quadratic: rt_solve: status %d: %s\n", status, res.message);
    rt_result_free(&res);
    return 1;
  }
  double err = 0;
  for (int i = 0; i < N; i++) err = fmax(err, fabs(res.x[i] - a[i] / (1 + rho)));
  printf("method %s, stopped by %s\n", res.method, rt_stop_name(res.stop));
  printf("x = %.9f %.9f %.9f\n", res.x[0], res.x[1], res.x[2]);
  printf("y = %.9f %.9f %.9f\n", res.y[0], res.y[1], res.y[2]);
  rt_result_free(&res);
  if (!(err <= 1e-9)) {
    fprintf(stderr, "rt_quadratic: x is %.3g from x* = a / (1 + rho)\n", err);
    return 1;
  }
  return 0;
}
