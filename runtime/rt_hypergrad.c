/* rt_hypergrad.c — exact hypergradients at a point, and phi with its exact gradient at an x
 * (see rt_hypergrad.h). */
#include "rt_hypergrad.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_data.h"
#include "rt_linalg.h"
#include "rt_solver.h"
#include "rt_mem.h"

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

/* The largest relative residual |A v - b| / |b| a dense solve of a nonsingular A leaves by
 * rounding; above it A is singular to rounding. A backward-stable solve leaves about
 * eps cond(A): at f64 1e-2 is cond 1e14, where the eigendecomposition's test (1e-14) calls A
 * singular too, while a singular A that rounding let through leaves O(1) (0.59 and 0.17: v is
 * 1/eps too large). At f32, whose products carry the float data's rounding (q.blo, cond 1e6,
 * left 4.5e-3 after Cholesky), 1: a v worse than v = 0. */
static double residual_max(const RtOracle *o) {
  return o->p->precision == BLO_PREC_F32 ? 1.0 : 1e-2;
}

/* |A v - b| / |b| by one more product (r: ny doubles). */
static double dense_residual(RtOracle *o, RtDraw key, const double *x, const double *y,
                             const double *b, const double *v, double *r) {
  int64_t n = o->ny;
  rt_oracle_hvp(o, key, x, y, v, r);
  rt_axpy(n, -1.0, b, r);
  double nb = rt_nrm2(n, b);
  return rt_nrm2(n, r) / (nb > 0 ? nb : 1);
}

RT_API const char *rt_f32_rounding_note(const BloProblem *p, double min_eig, double max_eig) {
  double scale = fmax(fabs(min_eig), fabs(max_eig));
  if (p->precision != BLO_PREC_F32 || !(fabs(min_eig) <= RT_F32_ROUNDING * scale))
    return "";
  return " (more likely the rounding of the float data, precision f32: this eigenvalue is "
         "within float rounding of 0; precision f64 tells)";
}

/* The reason for a lower Hessian that is not finite (an overflow in g, exp(1000), or a point
 * outside its second derivative's domain): err of rt_hypergrad_exact with h->nonfinite. */
#define RT_HVP_NONFINITE                                                                      \
  "a Hessian-vector product of g is not finite at this point: the implicit formula needs g's " \
  "second derivatives in y finite there"

/* The work of scaled_solve: A (its strict upper triangle and diag), s, and the rest. */
/* The dense solve's test of a singular A on its Jacobi scaling S A S (unit diagonal), whose
 * eigenvalues do not depend on the units of y's variables: when it is positive definite to
 * ten ulps (f64; float rounding at f32), v <- S (S A S)^{-1} S b through its
 * eigendecomposition (0, or -1 with the residual's message), else 1 with A's strict upper
 * triangle and diag intact. A's own eigenvalues called a ridge Hessian with one feature in
 * other units (times 3e7: eigenvalues 1.006 to 9.8e14) singular, and phi was "not computed"
 * as not strongly convex; scaled, that one's eigenvalues are 0.1 to 2. min_eig and max_eig
 * are then bounds from the scaled ones (its smallest times the least diagonal entry, its
 * largest times the largest). */
static int scaled_solve(RtOracle *o, RtDraw key, const double *x, const double *y,
                        RtHypergrad *info, const double *b, RtErr fail, RtSymScaled m) {
  int64_t n = o->ny;
  double *v = info->v;
  double zero = o->p->precision == BLO_PREC_F32 ? RT_F32_ROUNDING : RT_EIG_SINGULAR_RTOL;
  rt_copy(n, b, v);
  int rc = rt_sym_scaled_solve(n, &m, zero, v);
  if (rc == 0) return 1;
  if (rc < 0) {
    snprintf(fail.buf, fail.len, "the eigendecomposition of the lower Hessian failed");
    return -1;
  }
  double dmin = INFINITY, dmax = 0;
  for (int64_t i = 0; i < n; i++) {
    dmin = fmin(dmin, m.diag[i]);
    dmax = fmax(dmax, m.diag[i]);
  }
  info->min_eig = m.w[0] * dmin;
  info->max_eig = m.w[n - 1] * dmax;
  /* the residual of the scaled system, S (A v - b) against S b: eps cond(S A S) at most */
  rt_oracle_hvp(o, key, x, y, v, m.tmp);
  double r = 0, nb = 0;
  for (int64_t i = 0; i < n; i++) {
    r += (m.tmp[i] - b[i]) * (m.tmp[i] - b[i]) * m.s[i] * m.s[i];
    nb += b[i] * b[i] * m.s[i] * m.s[i];
  }
  double res = sqrt(r) / (nb > 0 ? sqrt(nb) : 1);
  if (!(res > fmax(residual_max(o), 10 * DBL_EPSILON * m.w[n - 1] / m.w[0]))) {
    if (info->soft) { /* the scaled matrix's least eigenvector (row 0) and its scaling */
      rt_copy(n, m.A, info->soft);
      rt_copy(n, m.s, info->soft_s);
      info->soft_eig = m.w[0];
      info->top_eig = m.w[n - 1];
    }
    return 0;
  }
  snprintf(fail.buf, fail.len,
           "the lower Hessian is singular to rounding (scaled by its diagonal, eigenvalues in "
           "[%.6g, %.6g]; the solve for v left a relative residual of %.3g): the hypergradient "
           "is not defined at this point",
           m.w[0], m.w[n - 1], res);
  return -1;
}

/* Inverse iterations for the least curvature of A from its Cholesky factor, power iterations
 * for the largest: the factor costs n^3/3 and each iteration 2 n^2, so these are nearly free
 * beside it. Enough to put the vector in A's least-curved subspace (a cluster of eigenvalues
 * near the least, ten of them on a covariance of rank 19 in 30 assets, converges to the
 * cluster, not to one of them, and any vector in it does) and to size the largest within a
 * few percent, which is all the condition number is for. */
#define SOFT_ITERS 12
#define TOP_ITERS 30

/* A start for the iterations with no zero component against any eigenvector in practice:
 * ones would be orthogonal to a direction such as y_1 - y_2 of a symmetric problem. */
static void spread_start(int64_t n, double *z) {
  uint64_t h = 0x9e3779b97f4a7c15ULL;
  for (int64_t i = 0; i < n; i++) {
    h ^= h >> 31;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 29;
    z[i] = 0.5 + (double)(h >> 11) * 0x1.0p-53; /* in [0.5, 1.5) */
  }
}

/* The least-curved unit direction of A's Jacobi scaling S A S (S = diag(A)^-1/2: units of
 * y's variables do not count) into info->soft, by inverse iteration with A's Cholesky factor
 * L, (S A S)^-1 = S^-1 A^-1 S^-1, and info->soft_eig its Rayleigh quotient 1 / |(S A S)^-1 z|
 * (z the unit iterate before); S into info->soft_s; info->top_eig, S A S's largest
 * eigenvalue, by power iteration on A held as its strict upper triangle (row-major, intact
 * after the factorisation) and diag. tmp: 2 n doubles. */
static void soft_by_chol(int64_t n, const double *L, const double *diag, RtHypergrad *info,
                         double *tmp) {
  double *z = info->soft, *sc = info->soft_s, q = NAN;
  if (!rt_sym_jacobi(n, diag, sc)) return;
  spread_start(n, z);
  rt_scal(n, 1 / rt_nrm2(n, z), z);
  for (int it = 0; it < SOFT_ITERS; it++) {
    for (int64_t i = 0; i < n; i++) z[i] /= sc[i];
    rt_chol_solve(n, L, z);
    for (int64_t i = 0; i < n; i++) z[i] /= sc[i];
    double zn = rt_nrm2(n, z);
    if (!(zn > 0) || !isfinite(zn)) return;
    q = 1 / zn;
    rt_scal(n, q, z);
  }
  spread_start(n, tmp);
  double top = NAN;
  double *w = tmp + n;
  for (int it = 0; it < TOP_ITERS; it++) {
    double tn = rt_nrm2(n, tmp);
    if (!(tn > 0) || !isfinite(tn)) return;
    rt_scal(n, 1 / tn, tmp);
    for (int64_t i = 0; i < n; i++) w[i] = diag[i] * sc[i] * sc[i] * tmp[i];
    for (int64_t i = 0; i < n; i++)
      for (int64_t j = i + 1; j < n; j++) {
        double a = L[i * n + j] * sc[i] * sc[j]; /* the strict upper triangle: A's own */
        w[i] += a * tmp[j];
        w[j] += a * tmp[i];
      }
    top = rt_dot(n, tmp, w);
    rt_copy(n, w, tmp);
  }
  info->soft_eig = q;
  info->top_eig = top;
}

/* The dense solve's singular A where (x, y) is a minimum of g (info->min_gtol): H holds A's
 * eigenvectors (rows) and w its eigenvalues, those within zero of 0 its null space. A
 * factorisation's U V' (g the same at U Q, V Q for every orthogonal Q) has k(k-1)/2 of them at
 * every minimiser: y*(x) is a set, and bloc eval said "the hypergradient is not defined" where
 * grad phi is -J' A^+ grad_y f (finite differences agree to 2e-9). That holds when grad_y f
 * and J = grad_xy g have no part along the null space: then v = A^+ b, the same grad phi at
 * every minimiser of the set. Their parts are measured (b's over |b|, J's over |J|, Frobenius,
 * by a mixed product per eigenvector) against the eigenvectors' own rounding, eps |A| / gap
 * (gap: the least eigenvalue kept), with |grad_y g| / gap for y short of the exact minimum.
 * Returns 0 (v solved), -1 (refused, err says what sees it), 1 (no minimum: not |grad_y g| <=
 * min_gtol, or an eigenvalue negative beyond rounding; the caller's message stands). */
static int min_null_solve(RtOracle *o, RtDraw key, const double *x, const double *y,
                          RtHypergrad *info, const double *b, const double *H, const double *w,
                          double zero, double *tmp, RtErr fail) {
  int64_t n = o->ny, nx = o->nx;
  double scale = fmax(fabs(w[0]), fabs(w[n - 1]));
  if (!(info->min_gtol > 0) || !(w[n - 1] > 0)) return 1;
  rt_oracle_grad_g(o, key, x, y, tmp);
  double gn = rt_nrm2(n, tmp), yn = rt_nrm2(n, y);
  if (!(gn <= info->min_gtol)) return 1;
  /* short of the exact minimum a symmetry's direction t (H t = -T' grad_y g, T the
   * generator) carries an eigenvalue of about |grad_y g| / |y| either side of 0: Newton from
   * y0 on U V' stopped with -7.7e-14 of 11, beyond ten ulps */
  zero = fmax(zero * scale, 1e3 * gn / (yn > 0 ? yn : 1));
  if (w[0] < -zero) return 1;
  double *jv = malloc(sizeof(double) * (size_t)(nx > 0 ? nx : 1));
  if (!jv) {
    rt_oom_errf(fail.buf, fail.len, "out of memory");
    return -1;
  }
  int64_t dim = 0;
  double gap = INFINITY, bn2 = 0, jn2 = 0, jf2 = 0;
  for (int64_t i = 0; i < n; i++) {
    const double *q = H + i * n;
    rt_oracle_mixed(o, key, x, y, q, jv);
    double j2 = rt_dot(nx, jv, jv);
    jf2 += j2;
    if (fabs(w[i]) <= zero) {
      dim++;
      double qb = rt_dot(n, q, b);
      bn2 += qb * qb;
      jn2 += j2;
    } else {
      gap = fmin(gap, w[i]);
    }
  }
  free(jv);
  double nb = rt_nrm2(n, b);
  info->null_dim = dim;
  info->null_b = nb > 0 ? sqrt(bn2) / nb : 0;
  info->null_j = jf2 > 0 ? sqrt(jn2 / jf2) : 0;
  info->null_gap = gap;
  double tol = fmax(1e-10, 1e3 * (DBL_EPSILON * scale + gn) / gap);
  info->null_seen = !(info->null_b <= tol) || !(info->null_j <= tol);
  if (info->null_seen) {
    snprintf(fail.buf, fail.len,
             "the lower Hessian is singular at a minimum of g (%lld flat direction%s, "
             "eigenvalues in [%.6g, %.6g], |grad_y g| = %.3g), and %s a part along them (%.3g "
             "of %s, rounding %.3g): y*(x) is not unique and the hypergradient depends on the "
             "minimiser, so it is not defined; a ridge term in g on the flat variables makes "
             "it so",
             (long long)dim, dim == 1 ? "" : "s", w[0], w[n - 1], gn,
             info->null_b > tol ? "grad_y f has" : "the mixed products grad_xy g have",
             info->null_b > tol ? info->null_b : info->null_j,
             info->null_b > tol ? "|grad_y f|" : "|grad_xy g|", tol);
    return -1;
  }
  rt_copy(n, b, info->v);
  rt_sym_eig_solve(n, H, w, zero / scale, false, info->v, tmp);
  info->min_eig = w[0];
  info->max_eig = w[n - 1];
  return 0;
}

/* v <- A^{-1} v densely (b: the right-hand side, kept). Returns 0 or -1 (singular). Cholesky
 * first, refused when a pivot shows A singular to rounding; then the eigendecomposition,
 * which reports the singular A. */
static int dense_solve(RtOracle *o, RtDraw key, const double *x, const double *y, RtHypergrad *info,
                       const double *b, RtErr fail) {
  double *v = info->v;
  char *err = fail.buf;
  size_t errlen = fail.len;
  int64_t n = o->ny;
  double *H = malloc(sizeof(double) * (size_t)(n * n + 6 * n));
  int64_t lwork = rt_sym_eig_lwork(n);
  double *work = malloc(sizeof(double) * (size_t)(lwork > 0 ? lwork : 1));
  if (!H || !work) {
    free(H);
    free(work);
    rt_oom_errf(err, errlen, "out of memory for the dense %lld x %lld lower Hessian", (long long)n,
                (long long)n);
    return -1;
  }
  double *e = H + n * n, *w = e + n, *tmp = w + n, *diag = tmp + n, *sc = diag + n;
  for (int64_t i = 0; i < n; i++) e[i] = 0;
  rt_dense_hessian(o, key, x, y, H, e);
  int rc = 0;
  /* a Hessian of nan (exp(1000) in g) failed the eigendecomposition, and one of inf passed
   * Cholesky with a residual of nan: neither said that g's curvature is not finite here */
  if (!rt_all_finite(n * n, H)) {
    snprintf(err, errlen, "%s", RT_HVP_NONFINITE);
    info->nonfinite = true;
    rc = -1;
    goto done;
  }
  /* A singular A that rounding let Cholesky pass (a rank-3 Gram matrix of order 4: pivot
   * 1e-16) gave v ~ 1e15 and a relative residual of 0.59, printed with exit 0: a pivot below
   * 1e-11 of the diagonal, or such a residual, hands A to the eigendecomposition, which tells
   * singular from merely ill-conditioned. */
  for (int64_t i = 0; i < n; i++) diag[i] = H[i * n + i]; /* (for soft_by_chol) */
  if (rt_chol_factor_nonsingular(n, H, RT_CHOL_SINGULAR_RTOL) == 0) {
    rt_chol_solve(n, H, v);
    info->how = RT_HG_CHOLESKY;
    /* (not finite: an infinite Hessian, exp(1000) |y|^2, that the caller's tests name) */
    if (!(dense_residual(o, key, x, y, b, v, tmp) > residual_max(o))) {
      if (info->soft) soft_by_chol(n, H, diag, info, sc); /* sc and the n after it */
      goto done;
    }
    rt_copy(n, b, v);
  }
  rt_dense_hessian(o, key, x, y, H, e); /* the factorisation overwrote it */
  info->how = RT_HG_EIGEN;
  for (int64_t i = 0; i < n; i++) diag[i] = H[i * n + i];
  rc = scaled_solve(o, key, x, y, info, b, rt_err(err, errlen), (RtSymScaled){H, diag, sc, w, work,
                                                                          lwork, tmp});
  if (rc <= 0) goto done;
  rc = 0;
  rt_sym_fill_lower(n, H, diag, NULL);
  if (rt_sym_eig(n, H, w, work, lwork) != 0) {
    snprintf(err, errlen, "the eigendecomposition of the lower Hessian failed");
    rc = -1;
    goto done;
  }
  info->min_eig = w[0];
  info->max_eig = w[n - 1];
  double scale = fmax(fabs(w[0]), fabs(w[n - 1]));
  /* at f32 A carries the float data's rounding, about 6e-8 of its size: an eigenvalue within
   * that of 0 is no more told from 0 than one of 1e-16 at f64 (random_spd(300, 1e-4, 1e5),
   * SPD by construction, had -2.3e-4, and the solve through it was printed with exit 0) */
  bool f32 = o->p->precision == BLO_PREC_F32;
  /* at f64 ten ulps of the largest: an SPD Hessian of condition 1e14 (eigenvalues 1 to 1e14)
   * was called singular at 1e-14, where Cholesky had solved it before the pivot test sent it
   * here; the singular Gram matrices had 1e-16 to 1e-15, and one that passes this is caught by
   * the residual below */
  double zero = f32 ? RT_F32_ROUNDING : RT_EIG_SINGULAR_RTOL;
  bool singular = !(scale > 0);
  double wmin = scale;
  for (int64_t i = 0; i < n; i++) {
    singular |= fabs(w[i]) <= zero * scale;
    wmin = fmin(wmin, fabs(w[i]));
  }
  /* a minimum's flat directions, a symmetry of g (min_null_solve); else as before */
  if (!f32 && (singular || !(w[0] > 0)) && info->min_gtol > 0 &&
      (rc = min_null_solve(o, key, x, y, info, b, H, w, zero, tmp, rt_err(err, errlen))) <= 0)
    goto done;
  rc = 0;
  if (!singular) {
    rt_sym_eig_solve(n, H, w, 0, false, v, tmp);
    double res = dense_residual(o, key, x, y, b, v, tmp);
    /* a backward-stable solve leaves up to about eps times the condition number: 2e-2 at
     * condition 1e14, over residual_max, where a singular Hessian leaves 0.1 to 1 */
    if (!(res > fmax(residual_max(o), 10 * DBL_EPSILON * scale / wmin))) goto done;
    snprintf(err, errlen,
             "the lower Hessian is singular to rounding (eigenvalues in [%.6g, %.6g]; the solve "
             "for v left a relative residual of %.3g): the hypergradient is not defined at this "
             "point",
             w[0], w[n - 1], res);
  } else if (f32) {
    snprintf(err, errlen,
             "the lower Hessian is singular to the rounding of the float data, precision f32 "
             "(eigenvalues in [%.6g, %.6g], the smallest within float rounding of 0): the "
             "hypergradient is not defined at this point in f32 (precision f64 may compute it)",
             w[0], w[n - 1]);
  } else {
    snprintf(err, errlen,
             "the lower Hessian is singular (eigenvalues in [%.6g, %.6g]): the hypergradient is "
             "not defined at this point",
             w[0], w[n - 1]);
  }
  rc = -1;
done:
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
  info->min_eig = info->max_eig = NAN;
  info->soft_eig = info->top_eig = NAN;
  info->cg_steps = 0;
  info->cg_curv_min = info->cg_curv_max = info->cg_floor = NAN;
  info->nonfinite = false;
  info->null_dim = 0;
  info->null_b = info->null_j = info->null_gap = NAN;
  info->null_seen = false;
  info->term_size = NAN;
  double *b = malloc(sizeof(double) * (size_t)(4 * ny + nx + 1));
  if (!b) {
    rt_oom_errf(err, errlen, "out of memory");
    return -1;
  }
  double *r = b + ny, *p = r + ny, *Ap = p + ny, *jv = Ap + ny;
  rt_oracle_grad_f(o, key, x, y, hg, b);
  rt_copy(ny, b, v);
  int rc = 0;
  if (info->how != RT_HG_CG) {
    rc = dense_solve(o, key, x, y, info, b, rt_err(err, errlen));
  } else {
    rt_zero(ny, v);
    int64_t maxit = h->cg_max_steps > 0 ? h->cg_max_steps : ny < 500 ? 1000 : 2 * ny;
    RtCgRun run = {.b = b, .max_steps = (int)maxit, .rtol = h->cg_rtol, .r = r, .p = p, .Ap = Ap};
    double res = rt_cg_solve(o, key, x, y, v, &run);
    info->cg_curv_min = run.curvature_min;
    info->cg_curv_max = run.curvature_max;
    char why[96];
    info->nonfinite = res < 0 && isnan(run.curvature); /* CG ran on non-finite products */
    if (info->nonfinite) {
      snprintf(err, errlen, "%s", RT_HVP_NONFINITE);
      rc = -1;
    } else if (res < 0) {
      /* g's size judges a positive curvature above the floor (rt_curvature_scaled) */
      double g = run.curvature > RT_SCALED_FLOOR ? rt_oracle_g(o, key, x, y) : 0;
      char scaled[400];
      if (isfinite(g) && rt_cg_scaled(&run, g)) {
        /* formed whole, then cut to errlen: gcc -O2 warned that the parts may not fit err */
        char msg[640];
        snprintf(msg, sizeof msg, "conjugate gradients met %s at this point: %s; standardise "
                 "the data (import \"prep\", doc/stdlib.md)",
                 rt_cg_curvature(&run, why, sizeof why),
                 rt_scaled_why(run.curvature, run.curvature_max, "conjugate gradients", scaled,
                               sizeof scaled));
        size_t n = strlen(msg) < errlen ? strlen(msg) : errlen - 1;
        if (errlen > 0) {
          memcpy(err, msg, n);
          err[n] = '\0';
        }
      } else
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
    if (info->how == RT_HG_CG)
      info->cg_floor = rt_newton_floor(ny, info->cg_curv_max, v, 0) / (nb > 0 ? nb : 1);
    rt_oracle_mixed(o, key, x, y, v, jv);
    info->term_size = 0;
    for (int64_t i = 0; i < nx; i++)
      info->term_size = fmax(info->term_size, fmax(fabs(hg[i]), fabs(jv[i])));
    rt_axpy(nx, -1.0, jv, hg);
  }
  free(b);
  return rc;
}

static int phi_not(RtPhi *out, const char *fmt, ...) RT_PRINTF(2, 3);
static int phi_not(RtPhi *out, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(out->why, sizeof out->why, fmt, ap);
  va_end(ap);
  out->phi = out->grad_norm = NAN;
  return -1;
}

/* phi's reasons for a g, or a Hessian of g, that is not finite: not non-convexity, which the
 * eigenvalues of a Hessian of nan named ("smallest eigenvalue nan"), nor a y near the minimum,
 * no cure where g is nan for every y. */
/* The start of phi's Newton solve, for its messages. */
static const char *start_name(const RtPhiAt *at) {
  return at->retrying ? "the run's y" : at->y_start ? "the given y" : "y0";
}

static int phi_g_nonfinite(RtPhi *out, const RtPhiAt *at) {
  return phi_not(out, "g or its gradient in y is not finite at this x (where Newton's method on "
                 "g stopped, from %s): phi needs an x, and a start for y, where g is defined and "
                 "finite", start_name(at));
}
static int phi_hvp_nonfinite(RtPhi *out, const RtPhiAt *at, bool at_ystar) {
  return phi_not(out, "a Hessian-vector product of g is not finite at this x (%s%s): phi needs "
                 "g's second derivatives in y finite on the way to y*(x)",
                 at_ystar ? "at y*(x)" : "where Newton's method on g stopped, from ",
                 at_ystar ? "" : start_name(at));
}

/* The reason of a Newton solve that ended by its step limit (RtPhi.capped), into out->why. */
static int phi_capped(RtPhi *out, const RtPhiAt *at, double gn, double tol, int64_t round) {
  out->capped = true;
  char limit[160];
  if (out->cap_reason == 'm')
    snprintf(limit, sizeof limit, "its limit (max_inner = %d)", at->max_newton);
  else if (out->cap_reason == 'g')
    snprintf(limit, sizeof limit, "its last %lld no longer lowered g", (long long)round);
  else if (out->cap_reason == 'f')
    snprintf(limit, sizeof limit, "the rounds of %lld more it takes while g falls reached "
             "their %.3g flops", (long long)round,
             at->extra_flops > 0 ? at->extra_flops : RT_PHI_EXTRA_FLOPS);
  else
    snprintf(limit, sizeof limit, "the most it takes by default, with g still falling");
  return phi_not(out, "Newton's method on g from %s stopped at |grad_y g| = %.3g, not below "
                 "%.3g, after %d Newton steps, %s: damped Newton's steps stay short where g's "
                 "curvature changes fast on the way, as on a nearly nonsmooth term such as "
                 "sqrt(z^2 + eps) with eps = 1e-8",
                 start_name(at), gn, tol, out->newton_steps, limit);
}

/* The index of solver statistic `name` (-1: none). */
static int stat_of(const RtSolver *s, const char *name) {
  for (int i = 0; i < s->nstats; i++)
    if (strcmp(s->stat_names[i], name) == 0) return i;
  return -1;
}

/* After the dense solve's first round (diag_y: max_inner Newton steps from s->y to ystar):
 * where it ended by that limit alone, more rounds of as many from where it stopped, while g
 * fell over the last, up to RT_PHI_NEWTON_MAX steps in all (at->max_newton: none), the
 * rounds past the first within at->extra_flops. Sets out->newton_steps, and cap_reason where
 * the last round still ended by its limit. s->y is the start again at the end. */
static void newton_rounds(RtSolver *s, const RtPhiAt *at, RtDraw key, double *ystar,
                          RtPhi *out) {
  int64_t ny = s->ny;
  int st = stat_of(s, "newton_steps");
  double steps0 = st >= 0 ? s->stats[st] : 0;
  s->impl->diag_y(s, key, ystar);
  int64_t round = (int64_t)rt_solver_num(s, "max_inner");
  double per_step = (double)ny * fmax(s->p->kernel_flops[BLO_K_HVP_YY], 1.0) +
                    (double)ny * (double)ny * (double)ny / 3;
  double budget = at->extra_flops > 0 ? at->extra_flops : RT_PHI_EXTRA_FLOPS;
  double *ystart = NULL, extra = 0;
  out->cap_reason = 'm';
  while (s->lower_capped && !at->max_newton && s->o.fail_kind < 0) {
    double steps = st >= 0 ? s->stats[st] - steps0 : 0;
    out->cap_reason = 'n';
    if (steps + (double)round > RT_PHI_NEWTON_MAX) break;
    out->cap_reason = 'f';
    if ((extra + (double)round) * per_step > budget) break;
    if (!ystart && !(ystart = rt_solver_vec(s, ny))) break;
    if (extra == 0) rt_copy(ny, s->y, ystart);
    double g0 = rt_oracle_g(&s->o, key, s->x, ystar);
    rt_copy(ny, ystar, s->y);
    s->impl->diag_y(s, key, ystar);
    extra += (double)round;
    double g1 = rt_oracle_g(&s->o, key, s->x, ystar);
    out->cap_reason = 'g';
    if (s->lower_capped && !(g1 < g0 - 4 * DBL_EPSILON * fabs(g0))) break;
  }
  if (ystart) rt_copy(ny, ystart, s->y);
  out->newton_steps = st >= 0 ? (int)(s->stats[st] - steps0) : 0;
}

/* Newton-CG's lower solve stops where the exact method's does: below y_tol (its default)
 * times min(1, |grad_y g| at the start), within max_inner (its default) steps. */
#define NCG_Y_TOL 1e-10
#define NCG_MAX_NEWTON 100
/* The relative residual A v = grad_y f is solved to by CG, and the most it may have left to
 * be accepted (a limit of 2 ny steps reached short of it: v is not A^-1 grad_y f). */
#define NCG_V_RTOL 1e-10
#define NCG_V_ACCEPT 1e-8
/* (or up to the rounding floor of A v, RtHypergrad.cg_floor: a chain-graph Laplacian with a
 * ridge of 1e-8, ny = 2001, left 6.5e-7 after 2 ny steps against a floor of 8e-5, and grad
 * phi was refused where it was right to 1e-8, as the dense solve's at ny = 2000 (s51 nuR F4);
 * a sparse ridge with rank-deficient X'X, condition 1.1e8, 2.2e-8 for 3.9e-9) */

/* Where Newton-CG's budget of Hessian-vector products stands: 0, or -1 with why (over). */
static int ncg_budget(RtSolver *s, const RtPhiAt *at, RtPhi *out, double *left) {
  out->hvps = s->o.calls[RT_CALL_HVP];
  *left = at->max_hvps > 0 ? at->max_hvps - (double)out->hvps : INFINITY;
  if (*left >= 2) return 0;
  out->over_budget = true;
  return phi_not(out, "its Newton-CG solve reached the %.0f Hessian-vector products it was "
                 "given", at->max_hvps);
}

/* Newton-CG stopped at |grad_y g| = gn, where its last step's CG met curvature that is not
 * positive: a stationary point of g that may not be a minimum (a saddle) */
static int ncg_not_min(RtPhi *out, const RtPhiAt *at, double gn) {
  out->not_convex = true;
  return phi_not(out, "g is not strongly convex in y: Newton-CG on g from %s stopped at "
                 "|grad_y g| = %.3g, where conjugate gradients met a curvature that is not "
                 "positive (least %.3g): a stationary point of g that need not be a minimum",
                 start_name(at), gn, out->path_w0);
}

/* y <- y*(s->x) by Newton-CG from y, for lower levels too large for dense Newton steps: each
 * step solves H d = grad_y g by conjugate gradients to a relative residual of
 * min(0.5, sqrt(|grad_y g| / |grad_y g at the start|)), tightening as y nears y*(x) (the
 * forcing term of inexact Newton methods: the steps converge superlinearly without solving
 * the far ones exactly), then backtracks on g as the exact method's steps do. Sets out's
 * lower_norm, lower_tol and s->lower_floor; returns 0, or -1 with why: a curvature CG found
 * not positive (g not strongly convex in y on the way), a line search or step limit short of
 * the tolerance, a value not finite, the budget. w: 6 ny doubles of work. */
static int newton_cg(RtSolver *s, const RtPhiAt *at, double *y, double *w, RtPhi *out) {
  RtOracle *o = &s->o;
  int64_t n = s->ny;
  double *gy = s->gy, *dy = w, *yt = dy + n, *r = yt + n, *p = r + n, *Ap = p + n;
  double *ylast = Ap + n; /* y before the last step */
  RtDraw key = rt_oracle_draw(o);
  bool f32 = s->p->precision == BLO_PREC_F32;
  double gstart = -1, gn = NAN, hmax = 0, tol = NCG_Y_TOL;
  double hist[5] = {INFINITY, INFINITY, INFINITY, INFINITY, INFINITY};
  bool shifted = false; /* the last step's CG solve was shifted (g not convex there) */
  double g_round = INFINITY, hvps_round1 = 0;
  double hvp_flops = fmax(s->p->kernel_flops[BLO_K_HVP_YY], 1.0);
  s->lower_floor = false;
  /* the last three ratios of |grad_y g| (rt_linear_rate), the last two step lengths, the
   * path's length, the stationary points left that were no minimiser (rt_probe_lower) */
  double ratio[3] = {0, 0, 0}, gprev = NAN, step = NAN, step_prev = NAN, path = 0;
  int escapes = 0;
  for (int it = 0;; it++) {
    double g = rt_oracle_grad_g(o, key, s->x, y, gy), left;
    gn = rt_nrm2(n, gy);
    out->lower_norm = gn;
    if (!isfinite(g) || !isfinite(gn)) return phi_g_nonfinite(out, at);
    if (gstart < 0) gstart = gn;
    tol = NCG_Y_TOL * fmin(1.0, gstart);
    out->lower_tol = tol;
    ratio[it % 3] = gn / gprev;
    gprev = gn;
    /* y_tol reached at the start where g's curvature vanishes (y0 = 0 on (x - y^3)^2), or
     * reached only linearly (Newton from y0 = 0.5 halves y towards that inflection, and
     * |grad_y g| = 6 y^2 |x - y^3| falls 4 times a step): a stationary point that may be no
     * minimiser of g, probed as the dense solve probes it (rt_exact.c, probe_nonmin), along
     * the last step. Above the dense limit it was taken for y*(x), phi 500.25 where it is
     * 172.61 and grad phi 6e-7 where it is -0.31 in every element, exit 0, no word (s51 nuR
     * F1). Where g falls nearby, Newton goes on from the lower point, at most three times */
    /* (|grad_y g| = 0 meets it, where the tolerance scaled by |grad_y g| at the start is 0:
     * "stopped at |grad_y g| = 0, not below 0, after 100 Newton steps" at y0 = 0) */
    bool met = gn < tol || gn == 0;
    int probed = 0;
    if (met && it == 0) probed = rt_probe_start(o, key, s->x, y, &g, dy, r, yt, p);
    else if (met && it >= 3 && rt_linear_rate(ratio)) {
      double q = fmin(0.95, step / step_prev), yn = rt_nrm2(n, y);
      double yerr = isfinite(q) && q > 0 ? step * q / (1 - q) : step;
      double t0 = fmax(10 * (isfinite(yerr) ? yerr : 0), 1e-8 * fmax(1.0, yn));
      double top = 2 * fmax(yn, path);
      rt_copy(n, y, dy);
      rt_axpy(n, -1.0, ylast, dy);
      const double *dirs[1] = {dy};
      probed = rt_probe_lower(o, key, s->x, y, &g, dirs, 1, t0, top > 0 ? top : 1, r, yt, p);
    }
    if (rt_oracle_kept_failure(o)) return phi_g_nonfinite(out, at);
    if (probed) {
      if (escapes++ == 3)
        return phi_not(out, "Newton-CG on g from %s stopped, four times, at a stationary point "
                       "of g that is no minimum (g falls nearby, where its curvature vanishes): "
                       "y*(x) was not reached; start y nearer the minimum meant (a y given "
                       "with x, bloc eval --y, or the initial value of the lower variables)",
                       start_name(at));
      ratio[0] = ratio[1] = ratio[2] = 0;
      gprev = step = step_prev = NAN;
      for (int i = 0; i < 5; i++) hist[i] = INFINITY;
      gstart = -1;
      it = -1; /* (a new solve from the lower point, its step limit counted afresh) */
      continue;
    }
    if (met && shifted) return ncg_not_min(out, at, gn);
    if (met) return 0;
    /* its step limit: at->max_newton, or RT_PHI_NEWTON_MAX's rounds (rt_hypergrad.h), their
     * flops by the products taken past the first */
    bool round_end = it > 0 && it % NCG_MAX_NEWTON == 0;
    if (it == NCG_MAX_NEWTON) hvps_round1 = (double)o->calls[RT_CALL_HVP];
    out->cap_reason = at->max_newton ? 'm' : it >= RT_PHI_NEWTON_MAX ? 'n'
                      : !(g < g_round - 4 * DBL_EPSILON * fabs(g_round)) ? 'g'
                      : ((double)o->calls[RT_CALL_HVP] - hvps_round1) * hvp_flops >
                              (at->extra_flops > 0 ? at->extra_flops : RT_PHI_EXTRA_FLOPS)
                          ? 'f' : 0;
    if (at->max_newton ? it == at->max_newton : round_end && out->cap_reason) {
      out->newton_steps = it;
      return phi_capped(out, at, gn, tol, NCG_MAX_NEWTON);
    }
    if (it % NCG_MAX_NEWTON == 0) g_round = g;
    /* the rounding floor of grad_y g's terms, as the dense steps judge it (rt_exact.c), with
     * the largest curvature CG met standing for |H| */
    double rounding = rt_newton_floor(n, hmax, y, gstart);
    if (f32 ? gn > 0.5 * hist[it % 5] : gn <= rounding && gn > 0.5 * hist[(it + 3) % 5]) {
      if (shifted) return ncg_not_min(out, at, gn);
      s->lower_floor = true;
      return 0;
    }
    hist[it % 5] = gn;
    if (ncg_budget(s, at, out, &left)) return -1;
    rt_zero(n, dy);
    double cap = fmin(left - 1, n < 500 ? 1000.0 : 2.0 * (double)n);
    RtCgRun cg = {.b = gy, .max_steps = (int)cap, .r = r, .p = p, .Ap = Ap,
                  .rtol = fmin(0.5, sqrt(gn / gstart))};
    double res = rt_cg_solve(o, key, s->x, y, dy, &cg);
    hmax = fmax(hmax, cg.curvature_max);
    char why[96];
    if (res < 0 && isnan(cg.curvature)) return phi_hvp_nonfinite(out, at, false);
    /* a curvature far from 0 for g's size is the Hessian's scaling (rt_curvature_scaled) */
    char scaled[400];
    if (res < 0 && rt_cg_scaled(&cg, g))
      return phi_not(out, "conjugate gradients met %s on Newton's way to y*(x) from %s "
                     "(|grad_y g| = %.3g): %s; standardise the data (import \"prep\", "
                     "doc/stdlib.md)",
                     rt_cg_curvature(&cg, why, sizeof why), start_name(at),
                     gn, rt_scaled_why(cg.curvature, cg.curvature_max, "conjugate gradients",
                                       scaled, sizeof scaled));
    /* a curvature of 0 to rounding (not negative): g is linear along p there, and CG's dy
     * solves the other directions. From y0 = 0 on an entropic OT dual, exp underflowing on
     * whole rows, CG met 1.8e-15 beside 0.74 at |grad_y g| = 0.65 and phi was "not strongly
     * convex": the Newton step on dy, then a step along grad_y g's part along p (rt_exact.c's
     * dense solve does the same with the dropped eigenvectors) */
    double tiny = 64 * DBL_EPSILON * fmax(1.0, sqrt((double)n));
    bool flat = res < 0 && (cg.curvature > 0 || cg.curvature >= -tiny * cg.curvature_max);
    double pg = flat ? rt_dot(n, p, gy) / rt_dot(n, p, p) : 0;
    if (flat) { /* Ap: that part (CG's product, no longer needed; the line search takes r) */
      rt_zero(n, Ap);
      rt_axpy(n, pg, p, Ap);
    }
    double rounding_now = rt_newton_floor(n, hmax, y, gstart);
    flat = flat && rt_nrm2(n, Ap) > fmax(tol, rounding_now) && isfinite(pg);
    if (res < 0 && !flat) {
      /* a negative curvature along p: where g still falls 1e10 max(1, |y|) away along it (the
       * sign of p that does not raise g to first order, from a copy of y in r), g has no
       * minimum, and "a y near the minimum meant" was no cure (a consumer's quadratic utility
       * that is not concave at that x) */
      double gc = g;
      if (rt_dot(n, p, gy) < 0) rt_scal(n, -1.0, p);
      rt_copy(n, y, r);
      if (cg.curvature < 0 &&
          rt_flat_step(o, key, s->x, r, p, 1 / fabs(cg.curvature / rt_dot(n, p, p)), &gc, yt) <
              0) {
        out->flat = true;
        /* no positive curvature met on the way (hmax: this CG's too, none shifted): g looks
         * concave in y there, as the dense solve says where every eigenvalue is negative; a
         * maximisation written as a minimisation lost that cure over ny = 2000 (s51 nuR F6) */
        bool concave = !(hmax > 0) && !out->nonconvex_path;
        return phi_not(out, "g is unbounded below in y at this x: Newton-CG on g from %s met "
                       "%s where |grad_y g| = %.3g%s, and along that direction g still falls "
                       "1e10 times max(1, |y|) away, so y*(x) does not exist there; %s",
                       start_name(at), rt_cg_curvature(&cg, why, sizeof why), gn,
                       concave ? " and no positive curvature before it" : "",
                       concave ? RT_CONCAVE_CURE : RT_UNBOUNDED_CURE);
      }
      /* else g falls along p to a point, and a part of y where g is not convex lies on the
       * way: as the dense steps do (rt_exact.c, newton_dir), CG solves (H + mu I) dy =
       * grad_y g instead, mu twice the negative curvature it met (more where it meets more),
       * a descent direction for the line search. The entropy-regularised logit in logit
       * coordinates (ny = 3000, not convex near y0 = 0, a unique positive definite
       * minimiser) was refused here, at |grad_y g| = 0.0171 (s51 nuO F2) */
      for (int shifts = 0; res < 0; shifts++) {
        double c = cg.curvature > 0 ? 0 : cg.curvature / rt_dot(n, p, p);
        if (isnan(c)) return phi_hvp_nonfinite(out, at, false);
        if (!out->nonconvex_path) out->path_gn = gn, out->path_w0 = INFINITY;
        out->nonconvex_path = true;
        out->path_w0 = fmin(out->path_w0, c - cg.shift);
        if (shifts == 30 || ncg_budget(s, at, out, &left)) {
          if (out->over_budget) return -1;
          out->not_convex = true;
          return phi_not(out, "g is not strongly convex in y: conjugate gradients met %s on "
                         "Newton's way to y*(x) from %s (|grad_y g| = %.3g)",
                         rt_cg_curvature(&cg, why, sizeof why), start_name(at), gn);
        }
        cg.shift = fmax(cg.shift - 2 * c, fmax(2 * cg.shift, tiny * cg.curvature_max));
        cg.max_steps = (int)fmin(left - 1, n < 500 ? 1000.0 : 2.0 * (double)n);
        rt_zero(n, dy);
        res = rt_cg_solve(o, key, s->x, y, dy, &cg);
        hmax = fmax(hmax, cg.curvature_max);
      }
    }
    shifted = cg.shift > 0;
    /* (CG from 0 gives a descent direction; r is free work here) */
    RtNewtonLs ls = {.gy = gy, .dy = dy, .gn = gn, .yt = yt, .gyt = r};
    double len = NAN;
    rt_copy(n, y, ylast);
    bool ok = rt_newton_ls(o, key, s->x, &ls, y, &g, &len);
    if (ok) {
      step_prev = step;
      step = len;
      path += len;
    }
    if (flat) {
      /* still falling 1e10 max(1, |y|) away (g = x'y), or no step moved y: as before, g is
       * not strongly convex in y on the way */
      int fr = rt_flat_step(o, key, s->x, y, Ap,
                            cg.curvature_max > 0 ? 1 / cg.curvature_max : 0, &g, yt);
      /* (no decrease along it after the Newton step moved y: its part at the new y may point
       * elsewhere, and the next step finds it) */
      /* g = x'y with ny over the dense limit said "not strongly convex" here, and "a y near
       * the minimum meant" for a cure: there is no minimum. As the dense solve says it */
      if (fr < 0) {
        out->flat = true;
        return phi_not(out, "g is unbounded below in y at this x: Newton-CG on g from %s met "
                       "%s where |grad_y g| = %.3g, and along grad_y g's part in that "
                       "direction g still falls 1e10 times max(1, |y|) away, so y*(x) does "
                       "not exist there; %s", start_name(at),
                       rt_cg_curvature(&cg, why, sizeof why), gn, RT_UNBOUNDED_CURE);
      }
      if (fr == 0 && !(ok && rt_nrm2(n, dy) > 0)) {
        out->not_convex = true;
        return phi_not(out, "g is not strongly convex in y: conjugate gradients met %s on "
                       "Newton's way to y*(x) from %s (|grad_y g| = %.3g)",
                       rt_cg_curvature(&cg, why, sizeof why), start_name(at), gn);
      }
      continue;
    }
    if (!ok) {
      /* the floor with the curvature this step's CG met (none before a solve's first: the
       * exact y*(x) given as the start was refused, as rt_exact.c's newton was) */
      rounding = rt_newton_floor(n, hmax, y, gstart);
      if (gn <= rounding) {
        s->lower_floor = true;
        return 0;
      }
      return phi_not(out, "Newton's line search on g failed at |grad_y g| = %.3g", gn);
    }
  }
}

/* How far grad phi can be trusted at y*(x) (RtPhiAt.spread). In the Jacobi-scaled variables
 * y^ = S^-1 y (S from the dense solve, h->soft_s: units of y's variables do not count, and a
 * Hessian badly scaled but well-conditioned once scaled is no concern), y*(x) is known only as
 * far as |S grad_y g| at y*(x) says, that over the least eigenvalue lambda^ of S A S along its
 * direction u^ (h->soft), and no closer than the rounding of grad_y g's terms, eps lambda^_max
 * |y^|, allows: Newton's steps from two starts stop at two points that far apart. grad phi
 * moves by |hg(y*(x) + e S u^) - hg(y*(x))| for that e, a second exact hypergradient (its
 * Hessian rebuilt: g's third derivatives count). Shrinkage of a 30-asset covariance from 20
 * days (rank 19) at weight 1e-7, condition 3.75e8: grad phi -0.3638 from y0 and -0.3282 from
 * the first y*(x), against -0.32936 (50 digits), status 0 and no word. Skipped (spread 0)
 * under a scaled condition number of 1e3, where it predicts nothing to see unless Newton
 * stopped far above rounding, and at a degenerate minimiser (phi's own note says that). */
static void measure_spread(RtSolver *s, RtDraw key, const double *ystar, const RtHypergrad *h,
                           RtPhi *out) {
  int64_t nx = s->nx, ny = s->ny;
  double lmin = h->soft_eig, lmax = h->top_eig;
  const double *sc = h->soft_s;
  out->grad_size = rt_nrm2(nx, s->d);
  if (!(lmin > 0) || !(lmax >= lmin) || !isfinite(lmax)) return;
  out->soft_eig = lmin;
  out->top_eig = lmax;
  out->cond = lmax / lmin;
  double gs = 0, ys = 0, dn = 0;
  for (int64_t i = 0; i < ny; i++) {
    gs += s->gy[i] * sc[i] * s->gy[i] * sc[i];
    ys += ystar[i] / sc[i] * ystar[i] / sc[i];
    dn += h->soft[i] * sc[i] * h->soft[i] * sc[i];
  }
  gs = sqrt(gs), ys = sqrt(ys), dn = sqrt(dn);
  double round_gy = DBL_EPSILON * lmax * ys, e = fmax(gs, round_gy) / lmin;
  out->gy_noise = out->lower_norm;
  out->ystar_noise = e * dn; /* |e S u^|, in y's units */
  /* Newton's own floor for the rounding of grad_y g's terms (rt_exact.c), or below y_tol above
   * it, where a smaller y_tol would take y*(x) closer */
  out->gy_rounding = gs <= 64 * sqrt((double)ny) * round_gy;
  out->grad_spread = 0;
  if (out->cond < 1e3 || out->degenerate || !(e * out->cond > 1e-10 * ys)) return;
  double *yp = rt_solver_vec(s, ny), *vp = rt_solver_vec(s, ny), *hp = rt_solver_vec(s, nx);
  if (!yp || !vp || !hp) { /* a measure left out, not a failure of phi */
    out->grad_spread = NAN;
    return;
  }
  for (int64_t i = 0; i < ny; i++) yp[i] = ystar[i] + e * sc[i] * h->soft[i];
  RtHypergrad h2 = {.dense_max = RT_HG_DENSE_MAX, .cg_rtol = 1e-12, .hg = hp, .v = vp};
  char err[400];
  if (rt_hypergrad_exact(&s->o, key, s->x, yp, &h2, err, sizeof err) != 0) {
    out->grad_spread = NAN;
    return;
  }
  rt_axpy(nx, -1.0, s->d, hp);
  /* against the 50-digit values, grad phi from y0 was off by 0.034 at weight 1e-7 and by
   * 2.2e-4 at 1e-6, where this measure gives 0.042 and 1.9e-4 */
  out->grad_spread = rt_nrm2(nx, hp);
}

RT_API bool rt_phi_digits_note(const RtPhi *phi, const char *what, char *buf, size_t len) {
  double d = phi->grad_spread, size = phi->grad_size;
  if (!(d > 0) || !isfinite(d) || !(d > pow(10, -RT_PHI_DIGITS) * size)) return false;
  int digits = size > d ? (int)lround(log10(size / d)) : 0;
  char have[64];
  if (digits > 0)
    snprintf(have, sizeof have, "only about %d significant digit%s", digits,
             digits == 1 ? "" : "s");
  else
    snprintf(have, sizeof have, "no significant digit");
  snprintf(buf, len,
           "%s has %s (|grad phi| = %.3g, uncertain by about %.2g): the lower Hessian at y*(x) "
           "is ill-conditioned (condition number %.3g scaled by its diagonal, eigenvalues from "
           "%.3g to %.3g), so y*(x) is known only to about %.2g along its least-curved "
           "direction (Newton stopped at |grad_y g| = %.2g, %s), and moving y*(x) that far "
           "moves grad phi by about that much: Newton's method from another start for y gives "
           "another value within it; more digits need g better conditioned in y: a larger "
           "ridge or shrinkage weight in g (or a bound on x that keeps it away from where the "
           "lower Hessian turns singular), or y's variables rescaled to like sizes",
           what, have, size, d, phi->cond, phi->soft_eig, phi->top_eig, phi->ystar_noise,
           phi->gy_noise,
           phi->gy_rounding ? "the rounding of its terms" : "below y_tol but above rounding");
  return true;
}

/* A solver holds everything this needs: the exact method's Newton solve (diag_y, outside
 * diagnostic mode so that it counts the indefinite Hessians it met) or, by CG, newton_cg, the
 * constraints of x with their projection, and the oracle. */
/* Whether Newton's solve stopped at y (from at's start) at or next to a singularity of g
 * (rt_lower_singular, diagnostic calls): then phi_not saying so, true. */
static bool phi_singular(RtSolver *s, RtDraw key, const RtPhiAt *at, const double *y, double g,
                         RtPhi *out) {
  int64_t ny = s->ny;
  double *w = rt_mem_calloc(2 * (size_t)ny, sizeof(double));
  if (!w) return false; /* (no verdict) */
  bool prev = rt_oracle_set_diag(&s->o, true);
  RtSingular sing;
  bool singular = rt_lower_singular(&s->o, key, s->x, y, g, s->gy, w, &sing);
  rt_oracle_set_diag(&s->o, prev);
  rt_mem_free(w);
  if (!singular) return false;
  char el[64];
  const char *var = rt_lower_var_at(s->p, sing.at, el, sizeof el);
  bool at_start = memcmp(y, s->y, sizeof(double) * (size_t)ny) == 0;
  phi_not(out, "Newton's method on g %s %s%s where no step moves y: g = %.4g and "
          "|grad_y g| = %.4g there, Newton's step along grad_y g (%.2g) is below y's "
          "rounding, and %.2g away g falls to %.4g: y sits at or next to a singularity of g, "
          "at `%s%s` (a pole such as tan's at pi/2, or 1 / z's at z = 0), no minimum; start y "
          "elsewhere: a y given with x (bloc eval --y), or the initial value of `lower %s`",
          at_start ? "could not leave" : "from", start_name(at), at_start ? "," : " stopped", g,
          out->lower_norm,
          sing.step, sing.h, sing.g_near, var, el, var);
  return true;
}

static int phi_measure(RtSolver *s, const RtPhiAt *at, RtPhi *out, bool by_cg) {
  int64_t nx = s->nx, ny = s->ny;
  double *ystar = rt_solver_vec(s, ny), *w = by_cg ? rt_solver_vec(s, 6 * ny) : ystar;
  if (!ystar || !w || rt_oracle_set_sharded(&s->o, at->sharded)) {
    rt_oom_raise();
    return phi_not(out, "out of memory for the lower solve");
  }
  RtDraw key = rt_oracle_draw(&s->o);
  rt_copy(nx, at->x, s->x);
  if (s->p->init_uses_x) rt_oracle_init_y(&s->o, key, s->x, s->y);
  if (at->y_start) rt_copy(ny, at->y_start, s->y);
  out->by_cg = by_cg;
  out->solve_ran = true;
  out->grad_spread = out->grad_size = out->cond = out->soft_eig = out->top_eig = NAN;
  out->ystar_noise = out->gy_noise = out->grad_terms = NAN;
  double indefinite = 0;
  if (by_cg) {
    rt_copy(ny, s->y, ystar);
    if (newton_cg(s, at, ystar, w, out)) return -1;
    s->lower_tol = out->lower_tol;
  } else {
    newton_rounds(s, at, key, ystar, out);
    for (int i = 0; i < s->nstats; i++)
      if (strcmp(s->stat_names[i], "indefinite_hessians") == 0) indefinite = s->stats[i];
  }
  /* (the oracle is not in diagnostic mode: its first non-finite output is kept; a trial point
   * of the line search outside g's domain is not one) */
  bool hvp_nonfinite = !by_cg && s->o.fail_kind == RT_CALL_HVP;
  double g = rt_oracle_grad_g(&s->o, key, s->x, ystar, s->gy);
  out->lower_norm = rt_nrm2(ny, s->gy);
  /* before the Hessian's tests: one of nan failed its eigendecomposition, and phi's reason
   * said g was not strongly convex (smallest eigenvalue nan), with a y near the minimum for a
   * cure, where g was nan for every y (exp(1000) in a softmax) */
  if (!isfinite(g) || !isfinite(out->lower_norm)) /* not "stopped at |grad_y g| = -nan" */
    return phi_g_nonfinite(out, at);
  /* one not finite on the dense Newton's way: an eigendecomposition that failed, counted as
   * an indefinite Hessian, or one of inf that Newton could not step through */
  if (hvp_nonfinite) return phi_hvp_nonfinite(out, at, false);
  /* short of y_tol where no step moves y: at or next to a singularity of g, no minimum (from
   * y0 = pi/2 on tan(y)^2, Newton "stalled at the rounding floor" there, |grad_y g| = 8.7e46,
   * and bloc eval gave phi as f at y0 and y_star = y0, exit 0) */
  if (!(out->lower_norm < s->lower_tol) && phi_singular(s, key, at, ystar, g, out)) return -1;
  char err[512]; /* the dense solve's longest message is about 400 (min_null_solve's) */
  double left = INFINITY;
  if (by_cg && at->no_grad) { /* phi and y*(x) alone */
    out->lower_tol = s->lower_tol;
    if (!(out->lower_norm < s->lower_tol) && !s->lower_floor)
      return phi_not(out, "Newton's method on g stopped at |grad_y g| = %.3g, not below %.3g",
                     out->lower_norm, s->lower_tol);
    out->float_floor = !(out->lower_norm < s->lower_tol) && s->p->precision == BLO_PREC_F32;
    out->phi = rt_oracle_f(&s->o, key, s->x, ystar);
    out->g = rt_oracle_g(&s->o, key, s->x, ystar);
    out->grad_norm = NAN;
    out->hvps = s->o.calls[RT_CALL_HVP];
    if (!isfinite(out->phi)) return phi_not(out, "phi is not finite at y*(x)");
    if (at->ystar) rt_copy(ny, ystar, at->ystar);
    return 0;
  }
  if (by_cg && ncg_budget(s, at, out, &left)) return -1;
  RtHypergrad h = {.dense_max = by_cg ? 0 : RT_HG_DENSE_MAX,
                   .cg_rtol = by_cg ? NCG_V_RTOL : 1e-12,
                   .cg_max_steps = isfinite(left) ? (int64_t)fmax(1, left - 2) : 0,
                   .hg = s->d,
                   .v = s->v,
                   .soft = at->spread && !by_cg ? rt_solver_vec(s, ny) : NULL,
                   .soft_s = at->spread && !by_cg ? rt_solver_vec(s, ny) : NULL,
                   /* y*(x) to y_tol (or its rounding floor) is a minimum: a singular Hessian
                    * there may be a symmetry of g, which grad phi need not see */
                   .min_gtol = s->lower_floor ? fmax(s->lower_tol, out->lower_norm)
                                              : s->lower_tol};
  if (!h.soft_s) h.soft = NULL;
  int hg_rc = rt_hypergrad_exact(&s->o, key, s->x, ystar, &h, err, sizeof err);
  out->hvps = s->o.calls[RT_CALL_HVP];
  out->null_dim = h.null_dim;
  out->null_b = h.null_b;
  out->null_j = h.null_j;
  out->null_seen = h.null_seen;
  /* Hessians not positive definite on the dense Newton's way to a minimum whose own singular
   * directions are a symmetry of g (h.null_dim, solved): short of the minimum those directions
   * carry eigenvalues of about |grad_y g| / |y| either side of 0 (min_null_solve), and where
   * every Hessian met had no more eigenvalues near 0 than the minimum's null space, the
   * negative ones within a hundredth of its gap (the least eigenvalue kept), they were that
   * null space, not a non-convex g whose other minima Newton might have reached. A matrix
   * factorisation U V' (ny = 1500, k = 5) given its run's y, 0.05% from a minimiser: the first
   * Hessian's least eigenvalues -1.5e-7 and -1.3e-7 beside a gap of 0.109, and phi was
   * refused after 10 s, "not positive definite on Newton's way" */
  if (!by_cg && indefinite > 0 && hg_rc == 0 && h.null_dim > 0 &&
      s->lower_indef_k <= h.null_dim && -s->lower_indef_w0 <= 1e-2 * h.null_gap) {
    out->null_path_w0 = s->lower_indef_w0;
    indefinite = 0;
  }
  if (hg_rc == 0 && by_cg && !(h.residual <= fmax(NCG_V_ACCEPT, h.cg_floor))) {
    out->over_budget = isfinite(left) && (double)out->hvps >= at->max_hvps - 1;
    snprintf(err, sizeof err, "conjugate gradients for A v = grad_y f at y*(x) stopped at a "
             "relative residual of %.3g, above %.0e and above the %.2g the rounding of A v "
             "leaves%s; their curvatures p'Ap/p'p ran from %.3g to %.3g: the lower Hessian's "
             "condition number is at least %.2g; condition g better in y: standardise the data "
             "(import \"prep\", doc/stdlib.md), or a larger ridge term in g", h.residual,
             NCG_V_ACCEPT, h.cg_floor,
             out->over_budget ? ", within the Hessian-vector products it was given"
                              : ", after its 2 ny steps",
             h.cg_curv_min, h.cg_curv_max, h.cg_curv_max / h.cg_curv_min);
    hg_rc = -1;
  }
  if (h.nonfinite) return phi_hvp_nonfinite(out, at, true);
  /* A g that is not strongly convex in y may have minima other than the one Newton found, and
   * that one would depend on where it started: no common measure. */
  /* (the eigendecomposition also solves a positive definite Hessian that Cholesky's pivots
   * found too ill-conditioned to trust: that one is convex) */
  /* (not a minimum's null space that grad phi does not see, solved: a symmetry of g) */
  bool eig_refused = h.how == RT_HG_EIGEN && (hg_rc != 0 || !(h.min_eig > 0)) &&
                     !(hg_rc == 0 && h.null_dim > 0);
  double y_tol = s->lower_tol; /* y_tol as the solve applied it (set by diag_y above) */
  /* singular, not negative, where |grad_y g| is far from 0: g is flat along its gradient
   * there, no minimum, and Newton's steps (the singular directions dropped) cannot move
   * along it. From y0 = 0 on an entropic OT dual (exp underflow) Newton stopped so at
   * |grad_y g| = 0.23, and "y*(x) is not unique" was said of a g strictly convex at y*(x);
   * from a Sinkhorn half-step as y0 at 18.2, the Hessian there passing as positive definite
   * (smallest eigenvalue 2.1e-14 of 9), and "not positive definite on Newton's way" was
   * said of the singular ones before it. Before those tests, which would say the same */
  if (h.how == RT_HG_EIGEN && isfinite(h.min_eig) && h.max_eig >= 0 &&
      fabs(h.min_eig) <= 1e-12 * h.max_eig && !(out->lower_norm < y_tol) && !s->lower_floor) {
    out->flat = true;
    out->flat_at_start = memcmp(ystar, s->y, sizeof(double) * (size_t)ny) == 0;
    const char *cure = "where g has a minimum in y, start nearer it: a y given with x (bloc "
                       "eval --y), or a lower initialiser";
    /* Newton's step along that part found g still falling 1e10 max(1, |y|) away: it said
     * "its terms vanish there, as an exp that underflows, or g is unbounded below", and
     * "start nearer" a minimum, where Newton leaves an underflow plateau on its own */
    if (!by_cg && s->lower_unbounded)
      return phi_not(out, "g is unbounded below in y at this x: Newton's method on g from %s "
                     "stopped at |grad_y g| = %.3g, where the lower Hessian is singular "
                     "(smallest eigenvalue %.3g, largest %.3g), and along grad_y g's part in "
                     "its flat directions g still falls 1e10 times max(1, |y|) away, so y*(x) "
                     "does not exist there; %s",
                     start_name(at), out->lower_norm, h.min_eig, h.max_eig, RT_UNBOUNDED_CURE);
    if (out->flat_at_start)
      return phi_not(out, "g is flat at the start (%s): the lower Hessian is singular there "
                     "(smallest eigenvalue %.3g, largest %.3g) where |grad_y g| = %.3g, and "
                     "Newton's method cannot leave it (g's curvature vanishes there: an exp "
                     "that underflows, a power such as y^4 at 0, or g linear in y); this says "
                     "nothing of y*(x); %s",
                     start_name(at), h.min_eig, h.max_eig, out->lower_norm, cure);
    return phi_not(out, "Newton's method on g from %s stopped at |grad_y g| = %.3g, not below "
                   "%.3g, where the lower Hessian is singular (smallest eigenvalue %.3g, "
                   "largest %.3g): g is flat along its gradient there, no minimum (its terms "
                   "vanish there, as an exp that underflows, or g is unbounded below along "
                   "it); %s",
                   start_name(at), out->lower_norm, y_tol, h.min_eig, h.max_eig, cure);
  }
  /* Newton met a clearly negative eigenvalue along whose eigenvector g fell 1e10 max(1, |y|)
   * away (rt_exact.c, neg_unbounded) and stopped there: a consumer's quadratic utility that is
   * not concave at that x was "not strongly convex", with "a y ... near the minimum meant"
   * for a cure, where there is none */
  if (!by_cg && s->lower_unbounded && h.how == RT_HG_EIGEN && h.min_eig < 0) {
    out->flat = true;
    return phi_not(out, "g is unbounded below in y at this x: Newton's method on g from %s "
                   "stopped at |grad_y g| = %.3g, where the lower Hessian has a negative "
                   "eigenvalue (smallest %.3g, largest %.3g), and along its eigenvector g "
                   "still falls 1e10 times max(1, |y|) away, so y*(x) does not exist there; %s",
                   start_name(at), out->lower_norm, h.min_eig, h.max_eig,
                   h.max_eig < 0 ? RT_CONCAVE_CURE : RT_UNBOUNDED_CURE);
  }
  /* Hessians not positive definite on the dense Newton's way, short of a minimum where the
   * Hessian is positive definite (Cholesky or the eigendecomposition solved v, y_tol reached):
   * Newton's shifted steps (rt_exact.c, newton_dir) went through a part of y where g is not
   * convex to a minimum, whose phi is measured, with a note (RtPhi.nonconvex_path). The
   * entropy-regularised logit in logit coordinates, not convex near y0 = 0 and with a unique
   * positive definite minimiser, was refused "not positive definite on Newton's way" (s51 nuO
   * F2). Where g has other minima, phi is that of the one reached from this start */
  if (!by_cg && indefinite > 0 && hg_rc == 0 && !eig_refused && h.null_dim == 0 &&
      (out->lower_norm < y_tol || s->lower_floor)) {
    out->nonconvex_path = true;
    out->path_w0 = s->lower_indef_w0;
    out->path_gn = NAN;
    indefinite = 0;
  }
  out->not_convex = eig_refused || indefinite > 0;
  if (eig_refused && h.null_seen)
    return phi_not(out, "g is not strongly convex in y: %s", err);
  /* stationary (y_tol) with a clearly negative eigenvalue: a saddle of g, not a minimum. U V'
   * from U = V = 0, or a constant, stays there: every gradient and Newton step keeps the
   * columns equal (the Hessian's -2.57 of 10.5 at |grad_y g| 4e-5 after 300 steps), and the
   * run was told "y*(x) is not unique" and "a smaller x_step helps" */
  double hscale = fmax(fabs(h.min_eig), fabs(h.max_eig));
  out->saddle = eig_refused && h.min_eig < -1e-6 * hscale &&
                (out->lower_norm < y_tol || s->lower_floor);
  if (out->saddle)
    return phi_not(out, "g is not strongly convex in y: Newton's method on g from %s stopped at "
                   "a saddle point of g, not a minimum (|grad_y g| = %.3g, the lower Hessian's "
                   "smallest eigenvalue %.3g, largest %.3g): no step leaves a stationary point "
                   "whose negative curvature a symmetric start hides (a factorisation U V' "
                   "from 0 or a constant keeps its columns equal); start y from a random, "
                   "non-symmetric point (a lower initialiser such as normal(0, 0.1))",
                   start_name(at), out->lower_norm, h.min_eig, h.max_eig);
  if (eig_refused)
    return phi_not(out,
                   "g is not strongly convex in y: the lower Hessian is singular or not "
                   "positive definite where Newton's method stopped (smallest eigenvalue %.3g)%s",
                   h.min_eig, rt_f32_rounding_note(s->p, h.min_eig, h.max_eig));
  if (indefinite > 0)
    return phi_not(out, "g is not strongly convex in y: the lower Hessian was not positive "
                        "definite on Newton's way to y*(x) from %s",
                   start_name(at));
  /* at the rounding floor of grad_y g's terms (f64) or of the float data (f32), above y_tol,
   * y*(x) is as good as it gets: |y*| ~ 1e6 stalled at 2.3e-10 > 1e-10, and phi was "not
   * computed" on a Hessian of eigenvalues 0.7 to 3.6 */
  out->lower_tol = y_tol;
  if (!(out->lower_norm < y_tol) && !s->lower_floor && s->lower_capped)
    return phi_capped(out, at, out->lower_norm, y_tol, (int64_t)rt_solver_num(s, "max_inner"));
  if (!(out->lower_norm < y_tol) && !s->lower_floor)
    return phi_not(out, "Newton's method on g stopped at |grad_y g| = %.3g, not below %.3g",
                   out->lower_norm, y_tol);
  /* at f32 that floor is far above y_tol (6e-3 with G of condition 1e6): the caller says so,
   * as the exact method's own step does */
  out->float_floor = !(out->lower_norm < y_tol) && s->p->precision == BLO_PREC_F32;
  out->degenerate = s->lower_degenerate;
  out->ystar_err = s->lower_yerr;
  if (hg_rc) {
    /* y*(x) reached y_tol: phi and y*(x) stand, only grad phi's solve for v failed (bloc eval
     * --what phi threw them away with status 2, naming the CG solve) */
    phi_not(out, "%s", err);
    double phi = rt_oracle_f(&s->o, key, s->x, ystar);
    out->phi_only = isfinite(phi);
    if (out->phi_only) out->phi = phi;
    if (out->phi_only && at->ystar) rt_copy(ny, ystar, at->ystar);
    return -1;
  }
  out->phi = rt_oracle_f(&s->o, key, s->x, ystar);
  out->g = rt_oracle_g(&s->o, key, s->x, ystar);
  out->grad_terms = h.term_size;
  out->grad_norm = rt_xstep_stationarity(&s->xs, s->x, s->d);
  out->projected = s->xs.constrained;
  if (!isfinite(out->phi) || !isfinite(out->grad_norm))
    return phi_not(out, "phi or its gradient is not finite at y*(x)");
  if (h.soft) measure_spread(s, key, ystar, &h, out);
  if (at->grad) rt_copy(nx, s->d, at->grad);
  if (at->ystar) rt_copy(ny, ystar, at->ystar);
  return 0;
}

RT_API int rt_phi_applies(const BloProblem *p, const char *nonsmooth_op, RtPhi *out) {
  memset(out, 0, sizeof *out);
  out->lower_norm = NAN;
  if (blo_problem_stochastic(p))
    return phi_not(out, "the problem samples its data, and phi at one draw is not phi");
  if (nonsmooth_op)
    return phi_not(out, "'%s' makes g not twice differentiable in y", nonsmooth_op);
  return 0;
}

RT_API int rt_phi_exact(const BloProblem *p, const RtPhiAt *at, RtPhi *out) {
  if (rt_phi_applies(p, at->nonsmooth_op, out)) return -1;
  bool by_cg = p->ny > (at->dense_max > 0 ? at->dense_max : RT_HG_DENSE_MAX);
  RtOptions opt;
  /* by CG the solver is a holder of the oracle, x's constraints and vectors: aid_cg's setup
   * allocates three of them, where exact's would allocate a dense Hessian (two calls: gcc -O3
   * warned of strcmp on the inlined choice of literals, -Wstring-compare, in emitted C) */
  rt_options_init(&opt, by_cg ? rt_method_find("aid_cg") : rt_method_find("exact"));
  if (!by_cg && at->max_newton > 0) rt_options_set_num(&opt, "max_inner", at->max_newton);
  char err[200];
  RtSolver *s = rt_solver_new(p, &opt, 1, err, sizeof err);
  if (!s) return phi_not(out, "%s", err);
  int rc = phi_measure(s, at, out, by_cg);
  rt_solver_free(s);
  /* and where g is not convex in y on the way from the first start: Newton from y0 may go to
   * another minimum than the run's, or through indefinite Hessians to the run's (U V' from a
   * random y0, where the run's y led Newton to a strictly convex minimum: "y*(x) is not
   * unique" was said, and x, not stationary, passed unchecked) */
  if (rc && (out->flat || (out->not_convex && !out->null_seen)) && at->y_retry &&
      !at->retrying) {
    RtPhiAt again = *at;
    again.y_start = at->y_retry;
    again.retrying = true;
    uint64_t hvps = out->hvps;
    rc = rt_phi_exact(p, &again, out);
    out->hvps += hvps;
    out->retried = rc == 0;
  } else if (rc == 0 && out->nonconvex_path && at->y_retry && !at->retrying) {
    /* a minimum reached through a part of y where g is not convex: it need not be the run's,
     * whose y (at->y_retry) is the start that means it; that one's measure where it has one */
    RtPhiAt again = *at;
    again.y_start = at->y_retry;
    again.retrying = true;
    RtPhi second;
    /* (a failed retry may still write y*(x) of its own: phi_only) */
    double *keep = at->ystar ? malloc(sizeof(double) * (size_t)p->ny) : NULL;
    if (keep) rt_copy(p->ny, at->ystar, keep);
    again.ystar = keep || !at->ystar ? at->ystar : NULL;
    if (rt_phi_exact(p, &again, &second) == 0 && (keep || !at->ystar)) {
      second.hvps += out->hvps;
      second.retried = true;
      *out = second;
    } else {
      out->hvps += second.hvps;
      if (keep) rt_copy(p->ny, keep, at->ystar);
    }
    free(keep);
  }
  return rc;
}
