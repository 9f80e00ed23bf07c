/* rt_hypergrad.c — exact hypergradients at a point (see rt_hypergrad.h). */
#include "rt_hypergrad.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "rt_data.h"
#include "rt_linalg.h"
#include "rt_solver.h"

RT_API const char *rt_hg_how_name(RtHgHow how) {
  switch (how) {
  case RT_HG_CHOLESKY: return "cholesky";
  case RT_HG_EIGEN: return "eigendecomposition";
  case RT_HG_CG: return "cg";
  }
  return "?";
}

RT_API void rt_dense_hessian(RtOracle *o, RtDraw key, const double *x, const double *y, double *H,
                             double *e) {
  int64_t n = o->ny;
  for (int64_t i = 0; i < n; i++) {
    e[i] = 1.0;
    rt_oracle_hvp(o, key, x, y, e, H + i * n);
    e[i] = 0.0;
  }
  for (int64_t i = 0; i < n; i++)
    for (int64_t j = i + 1; j < n; j++) {
      double a = 0.5 * (H[i * n + j] + H[j * n + i]);
      H[i * n + j] = H[j * n + i] = a;
    }
}

/* v <- A^{-1} v densely; H is destroyed. Returns 0 or -1 (singular). */
static int dense_solve(RtOracle *o, RtDraw key, const double *x, const double *y, RtHypergrad *info,
                       RtErr fail) {
  double *v = info->v;
  char *err = fail.buf;
  size_t errlen = fail.len;
  int64_t n = o->ny;
  double *H = malloc(sizeof(double) * (size_t)(n * n + 3 * n));
  int64_t lwork = rt_sym_eig_lwork(n);
  double *work = malloc(sizeof(double) * (size_t)(lwork > 0 ? lwork : 1));
  if (!H || !work) {
    free(H);
    free(work);
    snprintf(err, errlen, "out of memory for the dense %lld x %lld lower Hessian", (long long)n,
             (long long)n);
    return -1;
  }
  double *e = H + n * n, *w = e + n, *tmp = w + n;
  for (int64_t i = 0; i < n; i++) e[i] = 0;
  rt_dense_hessian(o, key, x, y, H, e);
  int rc = 0;
  if (rt_chol_factor(n, H) == 0) {
    rt_chol_solve(n, H, v);
    info->how = RT_HG_CHOLESKY;
  } else {
    rt_dense_hessian(o, key, x, y, H, e); /* the factorisation overwrote it */
    info->how = RT_HG_EIGEN;
    if (rt_sym_eig(n, H, w, work, lwork) != 0) {
      snprintf(err, errlen, "the eigendecomposition of the lower Hessian failed");
      rc = -1;
    } else {
      info->min_eig = w[0];
      double scale = fmax(fabs(w[0]), fabs(w[n - 1]));
      bool singular = false;
      for (int64_t i = 0; i < n; i++) singular |= fabs(w[i]) <= 1e-14 * scale;
      if (singular || scale == 0) {
        snprintf(err, errlen,
                 "the lower Hessian is singular (eigenvalues in [%.6g, %.6g]): the hypergradient "
                 "is not defined at this point",
                 w[0], w[n - 1]);
        rc = -1;
      } else {
        rt_sym_eig_solve(n, H, w, 0, false, v, tmp);
      }
    }
  }
  free(H);
  free(work);
  return rc;
}

RT_API int rt_hypergrad_exact(RtOracle *o, RtDraw key, const double *x, const double *y,
                              RtHypergrad *h, char *err, size_t errlen) {
  int64_t nx = o->nx, ny = o->ny;
  RtHypergrad *info = h;
  double *hg = h->hg, *v = h->v;
  info->how = ny <= h->dense_max ? RT_HG_CHOLESKY : RT_HG_CG;
  info->residual = NAN;
  info->min_eig = NAN;
  info->cg_steps = 0;
  double *b = malloc(sizeof(double) * (size_t)(4 * ny + nx + 1));
  if (!b) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  double *r = b + ny, *p = r + ny, *Ap = p + ny, *jv = Ap + ny;
  rt_oracle_grad_f(o, key, x, y, hg, b);
  rt_copy(ny, b, v);
  int rc = 0;
  if (info->how != RT_HG_CG) {
    rc = dense_solve(o, key, x, y, info, rt_err(err, errlen));
  } else {
    rt_zero(ny, v);
    int64_t maxit = ny < 500 ? 1000 : 2 * ny;
    RtCgRun run = {.b = b, .max_steps = (int)maxit, .rtol = h->cg_rtol, .r = r, .p = p, .Ap = Ap};
    double res = rt_cg_solve(o, key, x, y, v, &run);
    char why[96];
    if (res < 0) {
      snprintf(err, errlen,
               "conjugate gradients met %s: the lower Hessian is singular or not positive "
               "definite at this point",
               rt_cg_curvature(&run, why, sizeof why));
      rc = -1;
    }
  }
  if (rc == 0) {
    rt_oracle_hvp(o, key, x, y, v, Ap);
    rt_sub(ny, Ap, b, r);
    double nb = rt_nrm2(ny, b);
    info->residual = rt_nrm2(ny, r) / (nb > 0 ? nb : 1);
    rt_oracle_mixed(o, key, x, y, v, jv);
    rt_axpy(nx, -1.0, jv, hg);
  }
  free(b);
  return rc;
}
