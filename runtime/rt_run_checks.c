/* rt_run_checks.c — the end-of-run checks of rt_solve (rt_run.c): once the loop has stopped
 * on its steps or tol, tests of what a status 0 alone would hide (a run not converging or not
 * settled, a blow-up below the bound, a biased estimate, a lower loop that lags, a lower level
 * with no minimiser), each a warning with the cure. */
#include "rt_run_impl.h"
#include "rt_clock.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "rt_hypergrad.h"
#include "rt_linalg.h"
#include "rt_mem.h"
#include "rt_mpi.h"
#include "rt_unroll.h"

/* phi trials of full_gain, the stochastic end check's search along -grad phi */
#define FULL_GAIN_TRIALS 6

/* How this caller asks to keep the best point (the library's said "--keep best" too). */
static const char *keep_best(const Run *r) {
  return r->cfg->keep_best ? r->cfg->keep_best : "keep = best";
}

/* The unit of the end-of-run checks' absolute floors (1e-12 of it for |d|, 1e-9 for f): 1, or
 * the problem's f where that is smaller, the larger of |f| at the start and at the end. A floor
 * of 1e-12 itself hid every failure on objectives of that size (f and g times 1e-12: x left at
 * 1e-9 where x* = 2/3 by aid_cg, lancbio, exact and bsa, status 0 and no word). */
/* The scale of the estimates a run saw, for the end's exact checks: the largest |d| of its
 * trace points and of its first half's steps, traced or not. The trace points alone made the
 * verdict depend on trace_every: stocbio on a quadratic warned at trace_every 10, where its
 * first traced |d| was already 5.8e-5, and not at 1 or 5, with x bit-identical. */
static double seen_scale(const Run *r) {
  return fmax(fmax(r->hg_early, r->hg_late), r->hg_steps_early);
}

static double f_unit(const Run *r) {
  double fs = fmin(1.0, fmax(fabs(r->f0), fabs(r->dw.val.f)));
  return fs > 0 ? fs : 1.0; /* NaN, or f = 0 at both: the old unit */
}

/* A gradient norm (the method's |d|, or |grad phi|) that vanished beside the estimates the
 * run saw: exactly 0, or at most 1e-12 of their largest (seen_scale). Where it does at an x
 * above the start, x was thrown or drifted onto a flat part of f(x, y*(x)) (check_vanished,
 * check_phi_rose, check_unrolled_rose). */
static bool vanished(const Run *r, double norm) {
  double seen = seen_scale(r);
  return norm == 0 || (seen > 0 && norm <= 1e-12 * seen);
}

/* " (bloc run --init-x)" after "start from a better x", or "" in an emitted solver (cfg->who),
 * which has no --init-x (its library's params.x0). */
static const char *init_x_hint(const Run *r) { return r->cfg->who ? "" : " (bloc run --init-x)"; }

/* The noise of |d| at the final point: what |d| can be made of at an x already stationary,
 * from the sizes of the terms d is made of (|grad_x f| + |J v|, or |d| where that is larger)
 * and how well y is known. Two parts: the rounding of those terms, 64 sqrt(nx) eps times
 * their size (eps of float at precision f32 when f32 is true, else of double); and, where
 * every step solves y afresh to a tolerance (exact: s->lower_tol, y_tol as its solves apply
 * it), the error that tolerance leaves in y, tol / mu over |y| (mu the least Ritz value),
 * which v = A^{-1} b amplifies by the lower Hessian's condition number and which carries into
 * the terms in proportion: ten times (L / mu) min(1, (tol / mu) / |y|) (|grad_x f| + |J v|).
 * (A y still on its way to y*(x), |grad_y g| large, is no noise: the method's y iterates on.)
 * The rule it replaces, 1e-9
 * of the first |d|, was wrong both ways: a first step of |d| = 1.25e5 threw x onto a plateau
 * where |d| = 6.4e-8 is phi's true gradient (phi 0.49 for 0), called rounding there, status 0
 * and no word; and exact on a box-bounded ridge problem, converged to 3e-9 with |d| at its
 * solves' noise (1e-11, from |grad_y g| ~ 4e-11 against a first |d| of 2.5e-3), was told "a
 * smaller x_step helps" at trace_every 100 and not at 10. with_y false: the rounding of the
 * terms alone (whether the floor is that of doubles). */
static double d_noise(const Run *r, bool f32, bool with_y) {
  const RtSolver *s = r->s;
  const RtDiagValues *v = &r->dw.val;
  double terms = rt_nrm2(s->nx, s->gx) + rt_nrm2(s->nx, s->jv);
  terms = fmax(terms, rt_nrm2(s->nx, s->d));
  if (!isfinite(terms)) return 0;
  double eps = f32 && s->p->precision == BLO_PREC_F32 ? FLT_EPSILON : DBL_EPSILON;
  double noise = 64 * sqrt((double)s->nx) * eps * terms;
  double gy = s->lower_tol, mu = v->ritz_min, L = v->ritz_max;
  double yn = fmax(rt_nrm2(s->ny, v->y), r->y0n);
  /* y and y0 exactly 0 (y*(x) = x at x = 0): the relative error tol / mu / |y| was infinite, and
   * every |d| noise (exact on 2 (y - 1)^2 under 0.5 (y - x)^2 swung between x = 0 and 2, f = 2
   * for 0, with no word); y's error against a unit y then */
  if (!(yn > 0)) yn = 1;
  /* The amplification is that of exact's dense solves, which see the Hessian scaled by its
   * diagonal (rt_exact_scaled_cond): a variable in other units (ridge with a feature times
   * 3e7) makes L / mu 1e15 where the scaled one is 20, and after 3 steps of exact the run was
   * told that |d| = 0.16 (from 0.18) was the rounding floor, not that it had not converged. */
  double kappa = L / mu, ks = rt_exact_scaled_cond(s);
  if (ks >= 1 && ks < kappa) kappa = ks;
  if (with_y && gy > 0 && mu > 0 && L >= mu && isfinite(L) && isfinite(gy))
    noise += 10 * kappa * fmin(1.0, gy / mu / yn) * terms;
  return noise;
}

/* Whether |d| (late, the largest of the second half) sits at its noise at the final point
 * (d_noise): f32 true counts the float rounding of the terms at precision f32. */
static bool at_floor(const Run *r, double late, bool f32) {
  return late <= d_noise(r, f32, true);
}

/* y's lag behind x, the error exact's y_tol lets y keep (y_tol_floor): Newton is not run while
 * |grad_y g| < tol, so when x moves by dx and y stays, y is off y*(x) by A^{-1} J dx (A the lower
 * Hessian, J dx the change of grad_y g), up to where |grad_y g| = |J dx| reaches tol. Into e
 * [ny]: that error for dx along dir [nx] (the final d, along which x moved), J dx by a central
 * difference of grad_y g in x, A^{-1} by conjugate gradients. w: work [nx + 5 ny]. Returns
 * false where it cannot be measured (dir 0, a product not finite, CG stopped on no curvature). */
static bool y_lag(RtSolver *s, RtDraw key, const double *dir, double tol, double *e, double *w) {
  int64_t nx = s->nx, ny = s->ny;
  double dn = rt_nrm2(nx, dir), xn = rt_nrm2(nx, s->x);
  if (!(dn > 0) || !isfinite(dn) || !isfinite(xn)) return false;
  double *xp = w, *gp = xp + nx, *gm = gp + ny, *r = gm + ny, *p = r + ny, *Ap = p + ny;
  double t = 1e-6 * fmax(1.0, xn) / dn; /* x moves by 1e-6 of its size each way */
  rt_copy(nx, s->x, xp);
  rt_axpy(nx, t, dir, xp);
  rt_oracle_grad_g(&s->o, key, xp, s->y, gp);
  rt_copy(nx, s->x, xp);
  rt_axpy(nx, -t, dir, xp);
  rt_oracle_grad_g(&s->o, key, xp, s->y, gm);
  rt_axpy(ny, -1.0, gm, gp); /* 2 t J dir */
  double jn = rt_nrm2(ny, gp);
  if (!(jn > 0) || !isfinite(jn)) return false;
  rt_zero(ny, e);
  int steps = ny < 500 ? 1000 : (int)(2 * ny < INT32_MAX ? 2 * ny : INT32_MAX);
  RtCgRun run = {.b = gp, .max_steps = steps, .rtol = 1e-10, .r = r, .p = p, .Ap = Ap};
  if (rt_cg_solve(&s->o, key, s->x, s->y, e, &run) < 0 || !rt_all_finite(ny, e)) return false;
  rt_scal(ny, tol / jn, e); /* the lag whose |grad_y g| is tol */
  return true;
}

/* The floor y_tol puts under |d| for a method whose every step solves y by Newton to y_tol
 * (exact): y is y*(x) only to within y_tol / mu (mu the least Ritz value), and Newton is not
 * run while |grad_y g| < y_tol, so x can move while y stays. d at the final x moves by
 * |d(x, y + e) - d(x, y)| for y's error e: of size y_tol / mu along u, the direction of
 * grad_y g at the end, or of v where that is 0; and y's lag behind x (y_lag), A^{-1} J dx with
 * |J dx| = y_tol; twice the larger. 0 where the method is not such or the measures fail.
 * d_noise's relative model of that error, (y_tol / mu) / |y| of the terms,
 * misses it where the terms vanish at x* (f of y alone): exact converged 7.6e-11 from x* with
 * |d| alternating 9.5e-12 / 1.9e-11, a floor of 5e-11 (phi'' 0.25, y_tol 1e-10), and was told
 * "the run has not converged ... creeps". The direction of grad_y g alone missed it where
 * Newton had solved y exactly (a quadratic g: |grad_y g| 2.2e-16 at the end, of rounding's
 * direction, or 0): exact converged 3e-11 from x* with |d| wandering 1e-11 to 8e-11, a floor
 * of 2e-11 along grad_y g and 1.3e-10 along the lag, and was told "the run has not
 * converged". Three exact hypergradients and a CG solve (a few outer steps' cost);
 * diagnostics, not the method's calls. */
static double y_tol_floor(Run *r) {
  RtSolver *s = r->s;
  double mu = r->dw.val.ritz_min, tol = s->lower_tol;
  int64_t nx = s->nx, ny = s->ny;
  if (!rt_method_newton_lower(s->opt.method) || !(tol > 0) || !(mu > 0) || !isfinite(tol) ||
      !isfinite(mu) || !rt_all_finite(ny, s->y))
    return 0;
  double *buf = rt_mem_calloc((size_t)(4 * nx + 8 * ny), sizeof(double));
  if (!buf) return 0;
  double *h0 = buf, *h1 = h0 + nx, *dh = h1 + nx, *v = dh + nx, *yp = v + ny, *u = yp + ny;
  double *work = u + ny; /* y_lag's, nx + 5 ny */
  double t0 = rt_seconds(), floor = 0;
  char err[256];
  bool prev = rt_oracle_set_diag(&s->o, true);
  RtDraw key = rt_oracle_draw(&s->o);
  RtHypergrad hg = {.dense_max = RT_HG_DENSE_MAX, .cg_rtol = 1e-12, .hg = h0, .v = v};
  const double *gy = r->dw.gy;
  double gn = gy ? rt_nrm2(ny, gy) : 0;
  if (rt_hypergrad_exact(&s->o, key, s->x, s->y, &hg, err, sizeof err) == 0) {
    const double *dir = gn > 0 && isfinite(gn) ? gy : v;
    double dn = rt_nrm2(ny, dir);
    hg.hg = h1;
    for (int pass = 0; pass < 2; pass++) {
      if (pass == 0) { /* y_tol / mu along grad_y g (or v) */
        if (!(dn > 0) || !isfinite(dn)) continue;
        rt_copy(ny, dir, u);
        rt_scal(ny, tol / mu / dn, u);
      } else if (!y_lag(s, key, s->d, tol, u, work)) {
        continue;
      }
      rt_copy(ny, s->y, yp);
      rt_axpy(ny, 1.0, u, yp);
      if (rt_hypergrad_exact(&s->o, key, s->x, yp, &hg, err, sizeof err) == 0) {
        rt_copy(nx, h1, dh);
        rt_axpy(nx, -1.0, h0, dh);
        floor = fmax(floor, 2 * rt_nrm2(nx, dh));
      }
    }
  }
  rt_oracle_set_diag(&s->o, prev);
  r->res->t_diag += rt_seconds() - t0;
  rt_mem_free(buf);
  return isfinite(floor) ? floor : 0;
}

/* The floor HJFBiO's finite differences put under |d|: its A v and J v are differences of
 * gradients at y +- delta v over 2 delta, whose rounding (about eps times the size of the
 * gradients' terms, over delta) d_noise's model of d's own terms does not see. Measured at the
 * final (x, y, v): e_p, the difference's J v less the exact mixed product, goes into d as it
 * is; e_h, its A v less the exact HVP, moves the v that h = b settles at by A^{-1} e_h, which J
 * carries into d: at most |J| |e_h| / mu (mu the least Ritz value; |J| estimated by the larger
 * of |J v| / |v| and |J u| for u the unit vector along e_h). Ten times their sum: the rounding
 * differs from step to step, x jitters by it, and y, one gradient step behind a jittering x,
 * adds its lag (adv_train: the second half's largest |d| 2.25e-10 against one measurement's
 * 9.1e-11, |grad_y g| 3.4e-10 at the end). Stackelberg and adversarial-training runs converged
 * to a projected gradient of 4e-13 and 4e-11 (by an independent reference) and were told "the
 * run has not converged ... a smaller x_step helps", which could not help. 0 where the method
 * is not hjfbio or the measure fails. Diagnostics: one difference, one HVP, two mixed
 * products. */
static double fd_floor(Run *r) {
  RtSolver *s = r->s;
  double mu = r->dw.val.ritz_min;
  int64_t nx = s->nx, ny = s->ny;
  if (strcmp(s->opt.method->name, "hjfbio") != 0 || !(mu > 0) || !isfinite(mu) ||
      !rt_all_finite(ny, s->y) || !rt_all_finite(ny, s->v))
    return 0;
  double delta = rt_solver_num(s, "delta");
  if (!(delta > 0)) return 0;
  double *buf = rt_mem_calloc((size_t)(3 * nx + 2 * ny), sizeof(double));
  if (!buf) return 0;
  double *pf = buf, *pe = pf + nx, *ju = pe + nx, *hf = ju + nx, *he = hf + ny;
  double t0 = rt_seconds();
  bool prev = rt_oracle_set_diag(&s->o, true);
  RtDraw key = rt_oracle_draw(&s->o);
  rt_hjfbio_differences(s, key, delta, hf, pf);
  rt_oracle_hvp(&s->o, key, s->x, s->y, s->v, he);
  rt_oracle_mixed(&s->o, key, s->x, s->y, s->v, pe);
  double vn = rt_nrm2(ny, s->v), jn = vn > 0 ? rt_nrm2(nx, pe) / vn : 0;
  rt_axpy(nx, -1.0, pe, pf);
  rt_axpy(ny, -1.0, he, hf);
  double ep = rt_nrm2(nx, pf), eh = rt_nrm2(ny, hf);
  if (eh > 0 && isfinite(eh)) {
    rt_scal(ny, 1.0 / eh, hf);
    rt_oracle_mixed(&s->o, key, s->x, s->y, hf, ju);
    jn = fmax(jn, rt_nrm2(nx, ju));
  }
  double floor = 10 * (ep + jn * eh / mu);
  rt_oracle_set_diag(&s->o, prev);
  r->res->t_diag += rt_seconds() - t0;
  rt_mem_free(buf);
  return isfinite(floor) ? floor : 0;
}

/* Whether |d| = hg is no more than the noise of a stationary x (check_progress's floors: the
 * rounding of d's terms and y's error, exact's y_tol floor, hjfbio's finite differences, or
 * 1e-12 of f's unit): steady_drift takes no such |d| for a drift. Diagnostic oracle calls for
 * exact and hjfbio. */
static bool d_floor(Run *r, double hg) {
  return !(hg > 1e-12 * f_unit(r)) || at_floor(r, hg, true) || hg <= y_tol_floor(r) ||
         hg <= fd_floor(r);
}

/* A steady drift of x over a run of K steps with no recovery: x moved one way (its moves over
 * [K/4, K/2] and [K/2, K] along each other, and at most 1 in 5 of the second half's steps
 * reversing the one before) and no less far over the second half than over the quarter before
 * (0.95 of it: the sum of its steps does not converge, as steps ~ 1/k give log k), while f
 * kept falling and |d| fell like a power law, by factors r1 over the quarter and r2 over the
 * half (both below 0.95) with r2 at least r1^1.5: as much over the half as over the
 * quarter (k^-p gives r2 = r1), where a geometric fall squares it (r2 = r1^2), and a slow
 * geometric creep to a minimiser far off (curvature 1e-3) moves x as far over the second half
 * too. Converging to a minimiser, the steps shrink geometrically, or, at a degenerate one such
 * as x^4, like k^-1.5, whose sum converges: x moves 0.7 as far in the second half. x then creeps
 * towards an infimum at infinity: f = 0.5 |y - c|^2 under g = 0.5 |y - c|^2 + 0.5 exp(x) |y|^2,
 * phi ~ exp(2 x), x ~ -0.5 log(k), went to -5.4 in 2000 steps with |d| and f falling like
 * 1/k, status 0 and no word, as the note on it waited for |x| over 10 max(1, |x0|). Fills
 * buf (size n) with what was seen. */
static bool steady_drift(Run *r, char *buf, size_t n) {
  RtSolver *s = r->s;
  int64_t nx = s->nx, half2 = r->half2_steps;
  double f = r->dw.val.f, d = s->hg_norm;
  if (r->seg0 != 0 || r->q.n < 2 || r->K < 16 || r->res->steps != r->K || half2 < 4 ||
      5 * r->half2_turns > half2 || !isfinite(f) || !(d > 0) || !isfinite(d))
    return false;
  const double *x1 = r->q.x, *x2 = r->q.x + nx, *x3 = s->x;
  double d1 = 0, d2 = 0, dot = 0;
  for (int64_t i = 0; i < nx; i++) {
    double a = x2[i] - x1[i], b = x3[i] - x2[i];
    d1 += a * a, d2 += b * b, dot += a * b;
  }
  d1 = sqrt(d1), d2 = sqrt(d2);
  /* x can run off to infinity only along variables with no bound the way they moved and in no
   * simplex: hjfbio creeping on a simplex (x_step 0.01) fell like that, and was told of an
   * infimum at infinity no simplex has */
  const RtXStep *xs = &s->xs;
  double free2 = 0;
  for (int64_t i = 0; i < nx; i++) {
    double b = x3[i] - x2[i], bound = b > 0 ? (xs->hi ? xs->hi[i] : INFINITY)
                                            : (xs->lo ? -xs->lo[i] : INFINITY);
    if (isinf(bound)) free2 += b * b;
  }
  for (int k = 0; k < xs->nsimplex; k++)
    for (int64_t i = xs->simplex[k].off; i < xs->simplex[k].off + xs->simplex[k].n; i++) {
      double b = x3[i] - x2[i], bound = b > 0 ? (xs->hi ? xs->hi[i] : INFINITY)
                                              : (xs->lo ? -xs->lo[i] : INFINITY);
      if (isinf(bound)) free2 -= b * b;
    }
  if (!(free2 >= 0.25 * d2 * d2)) return false;
  /* x going out towards infinity: |x|^2 grew over the second half by over four times the sum
   * of its moves' squares, which is all it grows by where each move is orthogonal to x. A
   * scale gauge does that: phi(normcols(V)) is the same for V with a column scaled, d is
   * orthogonal to each column, and every step lengthens them by a second-order amount (s51 nuS
   * F4: a task-driven dictionary, |x| 3.46 -> 3.48 over 300 steps of aid_cg that had not
   * converged, was told of an infimum at infinity and of bounds on x as its cure). */
  double g2 = rt_nrm2(nx, x3), g1 = rt_nrm2(nx, x2);
  if (!((g2 - g1) * (g2 + g1) > 4 * r->half2_sq)) return false;
  double h1 = r->q.hg[0], h2 = r->q.hg[1], f1 = r->q.f[0], f2 = r->q.f[1];
  double r1 = h2 / h1, r2 = d / h2;
  if (!(d1 > 0) || !(dot > 0) || !(d2 >= 0.95 * d1) || !(f < f2 && f2 < f1 && f < r->f0) ||
      !(f1 - f > 1e-9 * fmax(1.0, fabs(f1))) || !(r1 < 0.95 && r2 < 0.95) ||
      !(log(r2) >= 1.5 * log(r1)) || d_floor(r, d))
    return false;
  snprintf(buf, n,
           "x moved steadily one way, by %.3g over the run's second half and %.3g over the "
           "quarter before (steps %lld to %lld), as f fell from %.6g to %.6g and %.6g and |d| "
           "fell by a factor %.3g and then %.3g, like a power law, not geometrically",
           d2, d1, (long long)(r->K >> 2), (long long)(r->K >> 1), f1, f2, f, r1, r2);
  return true;
}

/* After a run of outer_steps steps on a deterministic estimate: warn when the largest |d| of the
 * trace points in the second half of the run is over half the largest in the first half, unless
 * the run ends far below it or at the rounding floor. A run that converges lowers it by far
 * more; one that oscillates, creeps away or hardly moves does not, and ended with status 0 and
 * no word: SOBA with its default x_step on a well-conditioned
 * simplex problem wandered with |d| between 0.04 and 0.32 (x 120% from x*), F2SA on a
 * condition number of 1e4 went from f = 10 to 861 (|d| 0.016 -> 1.4) without reaching the
 * divergence test's 1e10. */
/* The not-converged warning from its parts (r->nc). Where an end check found the end's y far
 * from y*(x) (r->lagged), a creep's cure is the lower loop's: the README's example (LancBiO,
 * lower Hessian of condition 1e5, inner_steps 5) was told "more outer_steps help, or a larger
 * x_step" here and "raise inner_steps, or y_step up to 2/L" by the lag warning, two cures for
 * one cause: its estimates crept on a y that lagged (|grad phi| 0.0101 at the end, |d| 3e-6;
 * 0.0070 with inner_steps 20, 0.0033 with 50). */
static const char *nc_compose(Run *r, char *buf, size_t size) {
  const char *cure = r->nc.cure;
  if (r->lagged && r->nc.kind == NC_CREEP)
    cure = "it creeps, falling slowly or not at all, on estimates taken with y far from y*(x) "
           "(the warning on y below): the cure named there comes first, and more outer_steps "
           "help only as they give y more steps";
  /* the drift along a plateau towards an infimum at infinity, likewise: on raw-feature
   * ridge (s50 nuJ 4, kappa 5e10) aid_cg was told that, and that bounds on x help, beside the
   * lag warning; phi has an interior minimiser there, and bounds left x where it was */
  else if (r->lagged && r->nc.kind == NC_DRIFT)
    cure = r->nc.drift_lag;
  else if (r->lagged && r->nc.kind == NC_GENERIC)
    cure = "its estimates were taken with y far from y*(x) (the warning on y below): the cure "
           "named there comes first";
  /* whole, then cut to the warning's size (as rt_solver_warn cuts): a direct snprintf into buf
   * fails the emitted solver's -Werror=format-truncation */
  char whole[sizeof r->nc.head + sizeof r->nc.cure + sizeof r->nc.best + 256];
  snprintf(whole, sizeof whole, "%s; %s%s%s", r->nc.head, cure, r->nc.tail, r->nc.best);
  size_t n = strlen(whole);
  if (n >= size) n = size - 1;
  memcpy(buf, whole, n);
  buf[n] = '\0';
  return buf;
}

/* Compose the not-converged warning again, its parts complete: the lag checks ran after it. */
static void nc_finish(Run *r) {
  RtSolver *s = r->s;
  if (!r->nc.on) return;
  for (int i = 0; i < s->nwarn; i++)
    if (strcmp(s->warn[i].key, "run.not_converging") == 0 && !s->warn[i].printed)
      nc_compose(r, s->warn[i].text, sizeof s->warn[i].text);
}

/* A creep's size (check_progress, check_creep): the change of d over the change of x since
 * step K/2 is the curvature of f(x, y*(x)) along x's path, and x_step times it the fraction of
 * the way to the minimiser along it that a step goes. s50 nuJ 5: x in units of 1e3 (toy, every
 * implicit method) was told "a larger x_step", and 1000 times larger still crept (x/sx =
 * 0.42); 1e6 converged, where that curvature is 3.5e-7 (1 / 3.5e-7 = 2.9e6). Fills buf (size
 * n) with the cure and returns true where it could be sized. */
static bool creep_size(Run *r, char *buf, size_t n) {
  RtSolver *s = r->s;
  double Lp = NAN;
  if (r->seg0 == 0 && r->sec_half && r->sec_have && s->xs.opt == RT_XOPT_SGD &&
      !s->xs.constrained) {
    int64_t nx = s->nx; /* r->sec: d and x at the last estimate, then at step K/2 */
    Lp = rt_secant(nx, r->sec, r->sec + 2 * nx, r->sec + nx, r->sec + 3 * nx);
  }
  /* ... where the path's curvature was steady: the secants of single steps within a factor 2
   * of it (x = (9.3, 1e4) on curvatures 2 and 1e-4 crept along the second at x_step 0.1,
   * where 1 / 1e-4 would be unstable along the first) */
  if (!(Lp > 0 && isfinite(Lp) && s->x_step * Lp < 0.1 && r->sec_max <= 2 * Lp &&
        r->sec_min >= 0.5 * Lp))
    return false;
  snprintf(buf, n,
           "it creeps: the estimates changed by %.3g per unit of x moved since step %lld "
           "(f(x, y*(x))'s curvature along x's path), so a step of x_step = %g goes %.2g of "
           "the way along it: an x_step of about %.1g goes the whole way, where x's other "
           "directions stay stable (on an ill-conditioned f(x, y*(x)) they may not)",
           Lp, (long long)(r->K >> 1), s->x_step, s->x_step * Lp, 1 / Lp);
  return true;
}

static bool check_progress(Run *r) {
  RtSolver *s = r->s;
  const RtResult *res = r->res;
  /* x_step = 0 holds x where it is (examples/README: the lower level at a fixed lambda): |d|
   * stays, by request, and "a smaller x_step helps" was nonsense there */
  /* check_unrolled_rose said it, with the cure: the unrolled f rose from the start's, and x
   * never went below it */
  if (res->stop != RT_STOP_STEPS || rt_method_random_estimate(&s->opt) ||
      blo_problem_stochastic(s->p) || s->x_step == 0 || r->unrolled_rose)
    return false;
  double early = r->hg_early, late = r->hg_late;
  /* no trace point in the first half (trace_every >= outer_steps / 2): the largest |d| of its
   * steps stands for it (soba went from f = 1.1 to 2005 in 40 steps traced every 50, no word;
   * its first |d|, small while v warms up, made a converging run warn) */
  bool untraced = early == 0;
  if (untraced) early = r->hg_steps_early;
  /* against the first half's second quarter when that has trace points: past a fast transient
   * (|d| 2.69 at step 10 of 1000, then about 1 throughout), a run that stalled far from x*
   * compared 0.99 with 2.69 and said nothing */
  bool quarter = !untraced && r->hg_q2 > 0 && late > 0.5 * r->hg_q2 && !(late > 0.5 * early);
  if (quarter) early = r->hg_q2;
  /* a tol below the rounding floor, never met: the not-converging hint (a smaller x_step)
   * would be wrong, and saying nothing left the unmet tol unexplained (ridge regression at
   * precision f32 stalled at |d| ~ 5e-8 from 1.2 with tol = 1e-9); hjfbio's at the floor of
   * its finite differences (fd_floor) too */
  bool rounding = late > 0 && at_floor(r, late, true);
  double fd = NAN; /* fd_floor where measured (oracle calls: once) */
  if (s->tol > 0 && late > 0 && (rounding || late <= (fd = fd_floor(r)))) {
    /* the floor of doubles where f32's data are exact (small integers): "use f64" would not
     * help. The rounding of the terms alone: at f32 y's error is the float data's too. */
    bool f32 = rounding && s->p->precision == BLO_PREC_F32 && late > d_noise(r, false, false);
    rt_solver_warn(s, "run.tol_floor",
                   "tol = %g was not reached: |hypergradient| fell from %.3g to the rounding "
                   "floor of %s, about %.3g (the largest of the run's second half), and stayed "
                   "there (|grad_y g| = %.3g at the end; tol needs both below it); %s",
                   s->tol, fmax(r->hg_first, early),
                   f32 ? "float data (precision f32)"
                   : rounding ? "double arithmetic"
                              : "hjfbio's finite differences (their rounding over delta)",
                   late,
                   r->dw.val.gy_norm,
                   f32 ? "use precision f64, or a tol above the floor" : "set tol above it");
    return true;
  }
  /* |d| at the rounding noise of an x already at x* (1e-17 from a first of the same size) says
   * nothing. The floor scales with f, down from 1e-12 where |f| < 1: an absolute 1e-12 hid
   * every run on objectives of that size (f and g times 1e-12: aid_cg, lancbio and exact left x
   * at 1e-9 where x* = 2/3, |d| 1e-12 throughout, status 0 and no word). */
  if (!(early > 0 && late > 0.5 * early && late > 1e-12 * f_unit(r))) return false;
  /* Converged all the same: |d| came down by three orders of magnitude from the second half's
   * largest by the end (x escaping a maximum of phi, or reaching a bound, where its projected
   * step is 0), or all of it sat at the rounding floor of the first step's (exact, converged
   * before the first trace point: 1.4e-12 against 1.45e-12). These warned "a smaller x_step
   * helps" on runs that had converged. */
  if (s->hg_norm <= 1e-3 * late || at_floor(r, late, true)) return false;
  /* or |d| sits at the floor exact's y_tol leaves (y_tol_floor), x stationary to that level */
  if (late <= y_tol_floor(r)) return false;
  /* or at the floor of hjfbio's finite differences (fd_floor) */
  if (late <= (isnan(fd) ? fd_floor(r) : fd)) return false;
  char since[64] = "", first[96];
  snprintf(first, sizeof first,
           untraced  ? "%.3g at the steps of its first half (no trace point there)"
           : quarter ? "%.3g in its first half's second quarter"
                     : "%.3g of its first",
           early);
  if (r->seg0 > 0)
    snprintf(since, sizeof since, " since its last recovery (step %lld)", (long long)r->seg0);
  r->nc.best[0] = '\0'; /* best_lagged may replace it */
  if (res->best_step > 0 && res->best_hypergrad_norm < s->hg_norm)
    snprintf(r->nc.best, sizeof r->nc.best, "; %s saves the best trace point (step %lld, "
             "|hypergradient| %.3g)", keep_best(r), (long long)res->best_step,
             res->best_hypergrad_norm);
  /* The cure depends on the way |d| went: a creep (x moving too slowly, as for x* = 1e6 in
   * g = 0.5 (y - 1e-6 x)^2, whose cure was x_step = 1e12) was told of a smaller x_step first.
   * No trace point of the second half above the one before it (0.1%), none above the first
   * half's largest, and the end below the second half's largest: a creep. A |d| exactly
   * steady (x swinging between two points, |d| = 2 throughout) is no creep. */
  bool creep = late <= early && s->hg_norm < late &&
               2 * (r->hg_rise_step - r->seg0) <= r->K - r->seg0;
  /* x swinging back and forth looks like a creep when |d| falls slowly, as it damps: stocBiO
   * with x_step 1 on f(x, y*(x)) of curvature 2, where x_step 1 sits at the edge of stability,
   * went 1 -> 2 -> 1 ..., |d| 1.42 -> 1.29 in 50 steps, and was told of a larger x_step. Its
   * moves reversed at every step; a creep's keep their direction. */
  bool swings = r->half2_steps >= 4 && 5 * r->half2_turns >= 4 * r->half2_steps;
  bool f32 = s->p->precision == BLO_PREC_F32;
  char swung[320] = "";
  /* at f32, x jittering at the products' rounding floor swings too, and a smaller x_step
   * then gives the same floor (0.5 |A y - b|^2 with b ~ 3e3): f32 named first there */
  if (swings)
    snprintf(swung, sizeof swung, "x swings back and forth (its move reversed direction at %lld "
             "of the second half's %lld steps): %s",
             (long long)r->half2_turns, (long long)r->half2_steps,
             f32 ? "at precision f32 that can be x jittering at the float rounding of the "
                   "products' terms, which can be far above |d| (a run at precision f64 "
                   "tells); else a smaller x_step helps"
                 : "a smaller x_step helps");
  /* x running off at a steady pace down a slope that does not flatten: f fell by about
   * x_step |d|^2 a step (at least half of it over the run, by the last step's length where
   * the step decays), |d| did not shrink (the end's at least 90% of the first half's
   * largest), f's second half all below its first half's largest, and |x| grew by at least
   * half of x_step |d| a step (likewise), past ten times max(1, |x0|): x far out (a creep of
   * 1e-12 a step to x* = 2/3 has all the rest). f = -x - 3 y with y*(x) = 1 - x, phi = 2 x - 3
   * and no bound, went to x = -1999, f = -4001 in 1000 steps at |d| = 2, told only of
   * x_step; phi unbounded below is the likely cause. Where a recovery restarted the run
   * (seg0 > 0), f0 and |x0| are not the segment's: not said. Nor where f fell by far more
   * than that (100 times): a first step that threw x far out, onto a plateau (thrown). */
  double n = (double)(res->steps - r->seg0), f = r->dw.val.f, xn = rt_nrm2(s->nx, s->x);
  double lam = s->step_size > 0 ? s->step_size : s->x_step; /* the last step's, decayed */
  double rate = lam * s->hg_norm * s->hg_norm;
  char runs_off[560] = "";
  if (!swings && r->seg0 == 0 && n > 0 && s->hg_norm >= 0.9 * early && isfinite(f) &&
      r->f0 - f >= 0.5 * n * rate && r->f0 - f <= 100 * n * rate && r->f_late < r->f_early &&
      f < r->f_late &&
      xn - r->x0n >= 0.5 * n * lam * s->hg_norm && xn > 10 * fmax(1.0, r->x0n))
    snprintf(runs_off, sizeof runs_off,
             "f fell steadily, from %.6g to %.6g (%.3g a step, about the x step times "
             "|d|^2, %.3g), while |d| did not shrink and |x| grew from %.3g to %.3g: "
             "f(x, y*(x)) may be unbounded below (or its infimum lie at infinity) the way x "
             "runs; if so, bound x with `in [lo, hi]` (or `>= lo`), or add a regulariser to f "
             "(such as + 1e-3 * sumsq(x)); a minimiser far out would need a larger x_step or "
             "more outer_steps",
             r->f0, f, (r->f0 - f) / n, rate, r->x0n, xn);
  /* x thrown far out by a first step of a |d| far above the rest (over 1000 times the first
   * half's), where |d| is small and steady, a plateau of f(x, y*(x)) far from x*: two ridge
   * weights with lam* = (1e-4, 1000), sgd with x_step 1, a first d of -1.25e5 put lam2 at
   * 125001, where |d| = 6.4e-8 (phi 0.49 for phi* = 0), status 0 and no word. Neither a
   * larger x_step nor more outer_steps is the cure there. The first step itself must have
   * moved x far out (|x1 - x0| over ten times max(1, |x0|)): a step that does not scale with
   * |d| (Adam's, x_step sqrt(nx) at first) did not throw it. Adam on a per-feature ridge,
   * x_step 0.1, moved x by 0.316 at its first step, |x| reached 23.6 over 5000 steps as f fell
   * steadily, below L-BFGS's reference, and was told its first step "can throw x far out". */
  char thrown[560] = "";
  if (!swings && r->seg0 == 0 && r->hg_first > 1e3 * early && xn > 10 * fmax(1.0, r->x0n) &&
      r->first_move > 10 * fmax(1.0, r->x0n))
    snprintf(thrown, sizeof thrown,
             "its first |d| was %.3g, %.3g times the later ones, its first step moved x by "
             "%.3g, and |x| went from %.3g to %.3g: a first step that long can throw x far "
             "out, onto a plateau of f(x, y*(x)) where |d| is small but x far from a "
             "minimiser; a smaller x_step (one that moves x by about its own size at the first "
             "step), or bounds on x, keep it near",
             r->hg_first, r->hg_first / early, r->first_move, r->x0n, xn);
  /* x drifting far out along a plateau as f keeps falling: |x| past ten times max(1, |x0|), f
   * at its least at the end and its second half below its first's largest, |d| at the end
   * below the second half's largest. Where x was not thrown there, f(x, y*(x)) may approach its
   * infimum only as x goes to infinity (a penalty weight exp(zeta) going to 0), where |d|
   * shrinks without reaching 0 and no x_step converges: Adam on a per-feature ridge (x_step
   * 0.1, 5000 steps) fell steadily to phi 0.2224025, below L-BFGS's 0.2224033, |x| 0 -> 23.6,
   * and a spike of |d| (2.07e-5 at step 4620, 1.04e-6 at the end) made it warn with the
   * generic x_step advice. */
  char drifts[560] = "";
  char steady[400];
  if (!swings && !thrown[0] && r->seg0 == 0 && isfinite(f) && r->f_min_step == res->steps &&
      r->f_late < r->f_early && s->hg_norm < late && f < r->f0 &&
      steady_drift(r, steady, sizeof steady))
    snprintf(drifts, sizeof drifts,
             "f kept falling, from %.6g to %.6g, its least at the end, as |x| grew from %.3g "
             "to %.3g and |d| shrank: x may be creeping along a plateau of f(x, y*(x)) towards "
             "an infimum at infinity (such as a penalty weight exp(zeta) going to 0), where |d| "
             "shrinks without reaching 0 and more outer_steps lower f ever less; the x reached "
             "may be as good as any (compare its f), else bounds on x (`in [lo, hi]`) give "
             "the run a minimiser to converge to",
             r->f0, f, r->x0n, xn);
  /* after a recovery halved x_step a larger one has failed already, and on an ill-conditioned
   * f(x, y*(x)) the creeping x_step can sit just under the largest stable one (0.0019 crept,
   * 0.0021 diverged, then was told again of a larger x_step) */
  /* Adam on a simplex stalls short of the minimiser whatever its step (doc/methods.md "Adam
   * and the simplex"): 6 simplex weights ended at phi 0.670 for 0.647 with x_step 0.1, 0.01
   * and 0.001 (20000 steps), told of x_step and outer_steps */
  const char *adam_simplex =
      s->xs.opt == RT_XOPT_ADAM && s->xs.nsimplex > 0
          ? "x_optimizer = adam on a simplex can stall short of the minimiser whatever its "
            "x_step or outer_steps (Adam's per-coordinate scaling does not commute with the "
            "simplex projection; doc/methods.md, \"Adam and the simplex\"): use "
            "x_optimizer = sgd or momentum"
          : NULL;
  char creep_cure[600] = "";
  if (creep) creep_size(r, creep_cure, sizeof creep_cure);
  const char *cure =
      runs_off[0] ? runs_off
      : adam_simplex ? adam_simplex
      : thrown[0] ? thrown
      : drifts[0] ? drifts
      : swings ? swung
      : creep && r->seg0 > 0 && r->seg_xs
          ? "it creeps, falling slowly or not at all, with the x_step its recovery left (a "
            "larger one diverged): more outer_steps help"
      : creep && creep_cure[0] ? creep_cure
      : creep ? "it creeps, falling slowly or not at all: more outer_steps help, or a larger "
                "x_step where that stays stable (on an ill-conditioned f(x, y*(x)) it may not)"
              : "a smaller x_step helps when it oscillates or grows, a larger x_step (or more "
                "outer_steps) when it creeps down slowly";
  /* At f32 the floor is float rounding of the products' terms, which can be far larger than
   * |d| (0.5 |A y - b|^2 with b ~ 3e3: |d| stalled at 0.02 from 0.03, x 3% off, and smaller
   * x_steps left the same floor; f64 reached tol = 1e-9 in 26 steps): at_floor measures against
   * |d|'s own scale and cannot see it, so the warning says to check with f64. */
  const char *f32_floor = f32 && !swings
                              ? "; at precision f32 |d| may also stall at the float rounding of "
                                "its products' terms, which can be far above |d|: a run at "
                                "precision f64 tells"
                              : "";
  snprintf(r->nc.head, sizeof r->nc.head,
           "the run has not converged%s: |hypergradient| reached %.3g at trace points of its "
           "second half, %s (%.3g at the end)",
           since, late, first, s->hg_norm);
  snprintf(r->nc.cure, sizeof r->nc.cure, "%s", cure);
  r->nc.kind = runs_off[0] || adam_simplex || thrown[0] || swings ? NC_OWN
                : drifts[0]                                         ? NC_DRIFT
                : creep                                             ? NC_CREEP
                                                                    : NC_GENERIC;
  if (r->nc.kind == NC_DRIFT)
    snprintf(r->nc.drift_lag, sizeof r->nc.drift_lag,
             "f kept falling, from %.6g to %.6g, as |x| went from %.3g to %.3g and |d| shrank, "
             "on estimates taken with y far from y*(x) (the warning on y below): x crept with "
             "the lower loop lagging, not necessarily along a plateau towards an infimum at "
             "infinity, so the cure named there comes first, and bounds on x would only stop "
             "it where it is",
             r->f0, f, r->x0n, xn);
  r->nc.tail = f32_floor;
  r->nc.on = true;
  char text[sizeof((RtWarning *)0)->text];
  rt_solver_warn(s, "run.not_converging", "%s", nc_compose(r, text, sizeof text));
  return true;
}

/* A run that converged to check_progress (|d| fell by over half from its first half's largest)
 * while x drifted steadily towards an infimum at infinity (steady_drift): check_progress's note
 * on it came only with its warning, and only past |x| = 10 max(1, |x0|), which x ~ -0.5 log(k)
 * reaches after e^20 steps (the exp(x) penalty of steady_drift: status 0 and no word). */
static void check_drift(Run *r) {
  RtSolver *s = r->s;
  char seen[400];
  if (r->res->stop != RT_STOP_STEPS || rt_method_random_estimate(&s->opt) ||
      blo_problem_stochastic(s->p) || s->x_step == 0 || r->unrolled_rose ||
      !steady_drift(r, seen, sizeof seen))
    return;
  rt_solver_warn(s, "run.drift",
                 "the run may not have converged: %s: x may be creeping along a plateau of "
                 "f(x, y*(x)) towards an infimum at infinity (such as a penalty weight "
                 "exp(zeta) going to 0), where |d| shrinks without reaching 0 and more "
                 "outer_steps lower f ever less; the x reached may be as good as any (compare "
                 "its f), else bounds on x (`in [lo, hi]`) give the run a minimiser to converge "
                 "to",
                 seen);
}

/* A run that check_progress let pass, its |d| below half of its first half's largest, but that
 * was still creeping down at its end: |d| still a sizeable share of the first half's largest
 * |d| (over CREEP_SHARE of it: a run that converges brings it down by orders), no trace point
 * of the second half above the one before it, and a steady fall from step K/2 to the end (by
 * at least 10%, and over the quarter before too: not a plateau at a floor). aid_cg learning
 * the log weight s of smoothed sparse coding (s51 nuS F3) fell monotonically from |d| =
 * 0.0164 to 0.0012 in 300 steps and ended at s = -4.40 where s* = -4.70 (the weight 30% off),
 * status 0 and no word; 3000 steps reach s*. The warning gives the rate of the second half and
 * the outer_steps it needs to bring |d| down by 1e3, and creep_size's x_step where it can. */
#define CREEP_SHARE 0.03
static void check_creep(Run *r) {
  RtSolver *s = r->s;
  const RtResult *res = r->res;
  int64_t K = r->K, h = K >> 1, q = K >> 2;
  if (res->stop != RT_STOP_STEPS || rt_method_random_estimate(&s->opt) ||
      blo_problem_stochastic(s->p) || s->x_step == 0 || r->unrolled_rose || r->seg0 != 0 ||
      r->q.n < 2 || K < 16 || res->steps != K || rt_solver_warned(s, "run.drift"))
    return;
  double start = fmax(r->hg_first, r->hg_steps_early), end = s->hg_norm;
  double hq = r->q.hg[0], hh = r->q.hg[1], late = r->hg_late;
  if (!(end > CREEP_SHARE * start) || !(end <= 0.9 * hh) || !(hh < hq) || !(end < late) ||
      !isfinite(start) || 2 * r->hg_rise_step > K)
    return;
  /* not at a floor of d's noise (check_progress's) */
  if (!(late > 1e-12 * f_unit(r)) || at_floor(r, late, true) || late <= y_tol_floor(r) ||
      late <= fd_floor(r))
    return;
  double rate = log(end / hh) / (double)(K - h), rate1 = log(hh / hq) / (double)(h - q);
  double more = log(1e3) / -rate;
  bool swings = r->half2_steps >= 4 && 5 * r->half2_turns >= 4 * r->half2_steps;
  char cure[600];
  if (swings)
    snprintf(cure, sizeof cure,
             "x swings back and forth (its move reversed direction at %lld of the second "
             "half's %lld steps): a smaller x_step helps",
             (long long)r->half2_turns, (long long)r->half2_steps);
  else if (!creep_size(r, cure, sizeof cure))
    snprintf(cure, sizeof cure,
             "it creeps: more outer_steps help, or a larger x_step where that stays stable (on "
             "an ill-conditioned f(x, y*(x)) it may not)");
  /* the steps, to two digits */
  double unit = more >= 100 ? pow(10, floor(log10(more)) - 1) : 1;
  more = unit * ceil(more / unit);
  char head[sizeof r->nc.head + 64];
  snprintf(head, sizeof head,
           "the run has not converged: |hypergradient| fell steadily from %.3g (the largest of "
           "its first half's steps) to %.3g at the end, still %.2g%% of it, and was falling "
           "still, by a factor %.3g over the second half (%.4g a step): at that rate about "
           "%.0f more outer_steps would bring it down by 1e3%s",
           start, end, 100 * end / start, end / hh, exp(rate), more,
           rate > 0.9 * rate1 ? " (or more: its fall slowed, faster over the quarter before)"
                              : "");
  size_t len = strlen(head);
  if (len >= sizeof r->nc.head) len = sizeof r->nc.head - 1;
  memcpy(r->nc.head, head, len);
  r->nc.head[len] = '\0';
  snprintf(r->nc.cure, sizeof r->nc.cure, "%s", cure);
  r->nc.best[0] = '\0';
  r->nc.kind = swings ? NC_OWN : NC_CREEP;
  r->nc.tail = "";
  r->nc.on = true;
  char text[sizeof((RtWarning *)0)->text];
  rt_solver_warn(s, "run.not_converging", "%s", nc_compose(r, text, sizeof text));
}

/* |x - x0|: how far the run took x from its start. */
static double moved_from_start(const Run *r) {
  double m = 0;
  for (int64_t i = 0; i < r->s->nx; i++) {
    double d = r->s->x[i] - r->x_start[i];
    m += d * d;
  }
  return sqrt(m);
}

/* at->y_retry for phi at the start x: the run's own y after its first step, whose lower loop
 * began there, where Newton from the program's y0 meets a lower Hessian that is not positive
 * definite (or a flat g). BSA on SMD8 from y0 where (xu2 - xl2^3)^2 is not convex in xl2
 * (Ritz values -4.125 and 2) ended at |grad phi| 203% of the start's, phi 0.22 against 0,
 * status 0 and no word: the start's phi was not computed and the end check said nothing. */
static const double *start_retry(const Run *r) { return r->y_first_ok ? r->y_first : NULL; }

/* How far phi of the full variant falls from the final x (where it is phi_end, its gradient
 * grad) along -grad phi: phi at P(x - t grad) for FULL_GAIN_TRIALS steps t, the first as long
 * as the path x took from the start (went), each a quarter of the one before; the largest
 * fall, or 0. What is left to gain near x, where |grad phi| beside the start's said nothing:
 * a start on a plateau of phi has a small gradient, and runs that came 99.99% of the way
 * down ended at 25-27% of it. Diagnostic solves; NaN when out of memory. */
/* Newton-CG's share of the full check where the dense solves cost too much (full_objective):
 * the Hessian-vector products left, and y*(x) at the end, where the trials near it start. */
typedef struct FullCg {
  double left;
  const double *ystar;
} FullCg;

/* rt_phi_exact on the full variant: dense (cg NULL), or by Newton-CG within cg->left, which it
 * spends. */
static int full_phi(const BloProblem *full, RtPhiAt *at, RtPhi *out, FullCg *cg) {
  if (cg) {
    at->dense_max = 1;
    at->max_hvps = fmax(cg->left, 1); /* (0 would be no limit) */
  }
  int rc = rt_phi_exact(full, at, out);
  if (cg) cg->left -= (double)out->hvps;
  return rc;
}

static double full_gain(Run *r, const BloProblem *full, const double *grad, double phi_end,
                        double went, FullCg *cg) {
  RtSolver *s = r->s;
  int64_t nx = s->nx;
  double gn = rt_nrm2(nx, grad), best = 0;
  if (!(gn > 0) || !(went > 0)) return 0;
  double *xt = rt_mem_calloc((size_t)nx, sizeof(double));
  if (!xt) return NAN;
  double t = went / gn;
  for (int k = 0; k < FULL_GAIN_TRIALS; k++, t *= 0.25) {
    rt_copy(nx, s->x, xt);
    rt_axpy(nx, -t, grad, xt);
    rt_xstep_project(&s->xs, xt);
    RtPhi pt = {0};
    RtPhiAt at = {.x = xt, .nonsmooth_op = r->cfg->nonsmooth_op, .y_start = cg ? cg->ystar : 0};
    if (full_phi(full, &at, &pt, cg) == 0 && isfinite(pt.phi) && phi_end - pt.phi > best)
      best = phi_end - pt.phi;
    if (pt.over_budget) break;
  }
  rt_mem_free(xt);
  return best;
}

/* "a decaying step ... lets x settle" where the method's step is constant (x_decay = 0 on
 * the schedule without a floor: every method but bsa and ttsa, whose default decays), or NULL.
 * A constant step on a random estimate leaves x hovering in noise of the step's size; a step
 * that shrinks narrows it along the run (x_decay in (0.5, 1] meets Robbins-Monro's conditions). */
static const char *decay_hint(const RtSolver *s) {
  return s->impl->schedule == RT_SCHED_POLY && s->x_decay == 0
             ? "a decaying step (x_decay > 0, e.g. 0.6) lets x settle"
             : NULL;
}

/* After a run of outer_steps steps on a random estimate (UFOM with q < 1, BSA, TTSA) of a
 * deterministic problem, where check_progress's |d| says nothing (one draw's): warn when the
 * final point's f is above the best trace point's by over 5% of the way down from the start.
 * A random estimate with a step that does not shrink hovers around a stationary point
 * instead of settling, and the last iterate is then whichever the noise left: UFOM with its
 * defaults (q = 0.1, x_decay = 0) on a quadratic ended at f = 4.3545 after 3000 steps, where
 * its trace had reached 4.2292 (the unrolled problem's minimum 4.2291), with status 0 and no
 * word. On a stochastic problem f is itself an estimate (eval_draws), so no test. */
static void check_settled(Run *r) {
  RtSolver *s = r->s;
  const RtResult *res = r->res;
  if (res->stop != RT_STOP_STEPS || !rt_method_random_estimate(&s->opt) ||
      blo_problem_stochastic(s->p) || res->best_step < 0 || res->best_step == res->steps ||
      r->cfg->x0_given)
    return;
  double f = r->dw.val.f, best = res->best_f, drop = r->f0 - best;
  if (!isfinite(f) || !isfinite(best) || !(drop > 0) || !(f - best > 0.05 * drop) ||
      !(f - best > 1e-9 * fmax(f_unit(r), fabs(best))))
    return;
  char decay[96] = "";
  if (decay_hint(s)) snprintf(decay, sizeof decay, "%s; ", decay_hint(s));
  rt_solver_warn(s, "run.not_settled",
                 "the run has not settled: its hypergradient estimate is random, and the "
                 "final f (%.6g) is above the best trace point's (%.6g at step %lld) by %.0f%% "
                 "of the way down from the start's (%.6g); %s%s saves the best trace point",
                 f, best, (long long)res->best_step, 100 * (f - best) / drop, r->f0, decay,
                 keep_best(r));
}

/* "; --keep best saves the best trace point, step N (f F)" into buf when `when`, else "". */
static void best_by_f(const Run *r, bool when, char *buf, size_t size) {
  buf[0] = '\0';
  if (when)
    snprintf(buf, size, "; %s saves the best trace point, step %lld (f %.6g)", keep_best(r),
             (long long)r->res->best_step, r->res->best_f);
}

/* The end checks measured f(x, y*(x)) at the start (phi_start) clearly below, by over a
 * thousandth, the end's (phi_end): where the best trace point is the end (set aside for it by
 * best_not_above_end, or of least |d| there, on a plateau where |d| is tiny), the start is
 * the better point, and --keep best saves it. It saved the end's: HJFBiO on kernel ridge
 * regression (log gamma, log lambda) thrown to where the kernel underflows, phi 0.441 against
 * the start's 0.2905, and exact thrown onto the plateau of 1 - exp(-20 y^2), f 1 against
 * 0.0488, where |d| = 5.1e-121 was the least seen. A best trace point between the two, of
 * unknown phi, stays. The start's trace f is f(x0, y0) at the start's y, which can equal the
 * end's (y0 = 0 and a kernel that underflows at the end): phi tells them apart. */
static bool clearly_above(double a, double b) {
  return isfinite(a) && isfinite(b) && a - b > 1e-3 * fmax(fabs(a), fabs(b));
}

/* Whether the best trace point lies between the start and the end (keep_start measures its
 * phi then: phi_best). */
static bool best_between(const Run *r) {
  return r->res->best_step > 0 && r->res->best_step != r->res->steps;
}

static void keep_start(Run *r, double phi_start, double phi_end, double phi_best) {
  const RtResult *res = r->res;
  /* one between, of least |d| on the same plateau (HJFBiO thrown, recovered and thrown again
   * made step 10 of 40 its best, |d| 3e-114 and phi 0.5 against the start's 0.024): by its
   * phi, measured by the caller (NaN: not, and it stays) */
  /* a random estimate's best by f stays; on a sampled problem the draws' f is what ranked the
   * trace points, and phi over all the data (check_full_phi) outranks it */
  if (!r->start_tp.ok || (r->best_by_f && !blo_problem_stochastic(r->s->p)) ||
      !isfinite(phi_start) ||
      !clearly_above(phi_end, phi_start) ||
      (best_between(r) && !clearly_above(phi_best, phi_start)))
    return;
  r->start_phi.start = phi_start;
  r->start_phi.end = phi_end;
  r->start_phi.kept = true;
  if (res->best_step == 0) return; /* the best already */
  rt_run_best_start(r);
}

/* keep_start's word: "; --keep best saves the start (step 0), where f(x, y*(x)) = A against
 * the end's B" into buf when it made (or found) the start the best by phi, else "". By phi:
 * the start's trace f, at y0, can be the end's (HJFBiO on kernel ridge regression: 0.441067
 * at both, phi 0.2905 against 0.441067). */
static const char *start_hint(const Run *r, char *buf, size_t size) {
  buf[0] = '\0';
  if (r->start_phi.kept)
    snprintf(buf, size, "; %s saves the start (step 0), where f(x, y*(x)) = %.6g against the "
             "end's %.6g", keep_best(r), r->start_phi.start, r->start_phi.end);
  return buf;
}

/* After a run of outer_steps (or tol) on a stochastic problem: final_diverged's rule for a
 * blow-up below the bound, as a warning, f being an estimate (the average of eval_draws draws,
 * which one heavy-tailed draw can lift). The final f over ten times both the start's and the
 * largest of the first half's trace points (since the last recovery: a spread the draws
 * reached there), the second half's largest over ten times the first's, and |x| ten times
 * further out than at the start: LancBiO on a quadratic over minibatches with x0 = 100
 * recovered once, then climbed from f = 54 (step 80) to 3.3e8 at step 300, |x| from 224 to
 * 3.4e4, with status 0 and no word. A run that converges lowers f; one whose y converges from
 * y0 raises it, but x stays (final_diverged). */
static void check_blew_up_stoch(Run *r) {
  RtSolver *s = r->s;
  const RtResult *res = r->res;
  double f = r->dw.val.f, xn = rt_nrm2(s->nx, s->x);
  if ((res->stop != RT_STOP_STEPS && res->stop != RT_STOP_TOL) || res->steps == 0 ||
      !blo_problem_stochastic(s->p) || !isfinite(r->f0) || !(r->f_early > 0) ||
      !(f > 10 * fmax(fabs(r->f0), r->f_early)) || !(r->f_late > 10 * r->f_early) ||
      !(xn > 10 * fmax(1.0, r->x0n)))
    return;
  char since[64] = "", best[128];
  if (r->seg0 > 0)
    snprintf(since, sizeof since, ", since its last recovery at step %lld", (long long)r->seg0);
  best_by_f(r, res->best_step >= 0, best, sizeof best);
  rt_solver_warn(s, "run.blew_up",
                 "the run blew up below the divergence bound: the final f (%.6g, the average "
                 "of %d draws) is over ten times the start's (%.6g) and the largest f of the "
                 "trace points in the run's first half (%.6g%s), and |x| went from %.6g to "
                 "%.6g; a smaller x_step helps%s",
                 f, r->dw.draws, r->f0, r->f_early, since, r->x0n, xn, best);
}

/* After a run of a method with a truncated Neumann series (stocBiO, STABLE) whose recoveries
 * halved eta: the series eta sum_{i<Q} (I - eta A)^i b leaves (1 - eta mu)^Q of A^-1 b out
 * along an eigenvalue mu of A, and the smallest Ritz value of the end's trace point is at
 * least the smallest eigenvalue, so (1 - eta mu)^Q with mu that Ritz value is a lower bound of
 * the slowest part's bias. Valid on stochastic problems too (one draw's Ritz value), where
 * check_estimate does not run: stocBiO on g = y^4 + y^2/2 - x c y over minibatches halved
 * y_step = auto's scale to 0.125 in two recoveries near the start (the curvature at y0 = 0 is
 * 1, 13 near y*), eta following it to 0.0085, 10 terms: (1 - 0.0085 x 4.4)^10 = 0.69, and it
 * ended at x = 1.15 where the other methods reach 1.96, status 0 and no word. Only where a
 * recovery halved eta and the start's eta (or 1/L, if smaller) left far less out: a user's
 * eta and Q (the example's stocBiO, eta mu Q = 0.02 on a Hessian of condition 1e3) are a
 * choice of estimator. */
static void check_neumann_bias(Run *r) {
  RtSolver *s = r->s;
  const RtResult *res = r->res;
  const RtMethodSpec *m = s->opt.method;
  if ((res->stop != RT_STOP_STEPS && res->stop != RT_STOP_TOL) || res->steps == 0 ||
      !r->eta_halved || !rt_method_option(m, "neumann_steps") ||
      rt_method_random_estimate(&s->opt) || !(s->eta > 0) || !(s->eta < r->eta0))
    return;
  double mu = r->dw.val.ritz_min, Q = rt_solver_num(s, "neumann_steps");
  if (!isfinite(mu) || !(mu > 0) || !(s->eta * mu < 1) || !(Q >= 1)) return;
  /* the halving is to blame only where the start's eta, at most 1/L, left far less out: at
   * eta = 0.1 with mu = 0.02 (hyper-cleaning) the series left 98% out before any recovery */
  double L = r->dw.val.ritz_max, ref = fmin(r->eta0, 1 / L);
  double left = pow(1 - s->eta * mu, Q);
  if (!(left > 0.5) || !(L >= mu) || !(pow(1 - ref * mu, Q) < 0.5 * left)) return;
  double q = ceil(log(0.1) / log1p(-s->eta * mu)); /* terms that leave a tenth */
  rt_solver_warn(s, "run.neumann_bias",
                 "recoveries halved eta (%.6g at the start, %.6g at the end), and with "
                 "neumann_steps = %g the Neumann series leaves (1 - eta mu)^Q >= %.0f%% of "
                 "A^-1 b out along the smallest curvature of the lower Hessian (mu <= %.6g, its "
                 "smallest Ritz value at the end), so the hypergradient estimate is biased and "
                 "x may be far from stationary; raise neumann_steps (about %.0f leave a tenth), "
                 "or give eta a value of its own (at most 1/L)",
                 r->eta0, s->eta, Q, 100 * left, mu, q);
}

/* The cure for a lower Hessian of condition kappa (least curvature mu, g's value g) that no
 * number of steps the run can take will overcome (steps_hopeless, estimate_hint): a least
 * curvature at rounding for g's size is g singular, not scaled; over 1e8 with one far from 0,
 * most likely units (warn_ritz_scaled's words); between, any of them. */
static const char *ill_cure(double mu, double g, double kappa) {
  return !rt_curvature_scaled(mu, g)
             ? "its least curvature is at rounding for g's size, so g may be singular in y: a "
               "ridge term such as + 1e-4 * sum(y * y) cures that, or use method exact"
         : kappa >= 1e8
             ? "y's variables are most likely on very different scales (an unstandardised "
               "feature, or one huge penalty), not g singular: " RT_SCALED_CURE
             : "rescale y's variables where they are on different scales (standardise the "
               "data: import \"prep\", doc/stdlib.md), use method exact (Newton solves of y, "
               "scaled by the Hessian's diagonal), or add a ridge term to g that lifts its "
               "least curvature";
}

/* How to make an implicit method's estimate of grad phi closer, by the options it has, into
 * buf[size]; returns buf. F2SA's penalised y step is stable only for y_step (L_f + lambda L_g)
 * < 2, and y_step = auto is sized for g alone: "raise lambda0" by itself sent ridge regression
 * (lambda0 = 3) into a divergence whose recovery ended at x = -1583, phi 1.356 against the
 * optimum's 1.137; with y_step about 1/(L (1 + lambda0)) it converged (lambda0 = 3, y_step 0.1:
 * x = 0.712; lambda0 = 10, y_step 0.03: x = 0.893). */
static const char *estimate_hint(Run *r, char *buf, size_t size) {
  const RtSolver *s = r->s;
  const RtMethodSpec *m = s->opt.method;
  /* soba (one v step an outer step) on a lower condition number of 1e4 ended 46% from x*: a
   * smaller x_step (0.1, 0.01) left it 46-51% off, 20000 and 100000 steps 22% and 0.04% */
  const char *hint = "its v takes one gradient step on A v = b per outer step, which needs about "
                     "as many steps as A's condition number to settle: more outer_steps help "
                     "(a smaller x_step only when x outruns v)";
  if (rt_method_option(m, "v_steps"))
    hint = "raise v_steps (gradient steps on A v = b a step), or outer_steps";
  else if (rt_method_option(m, "neumann_steps")) {
    /* eta (1 - eta A)^k sums to A^-1 b within 1e-6 only after about kappa ln(1e6) terms at
     * eta = 1/L: BSA and TTSA on a ridge with one feature times 1e6 (Ritz values 0.9 and 9e11)
     * were told to raise neumann_steps, which would need 1e12 of them; where the terms needed
     * are within reach (1e6 products a step; kappa 1e3 needs 1.4e4), raising them is the cure */
    double mu = r->dw.val.ritz_min, L = r->dw.val.ritz_max, kappa = L / mu;
    double need = kappa * log(1e6), have = rt_solver_num(s, "neumann_steps");
    if (mu > 0 && L >= mu && isfinite(L) && have >= 1 && need > 1e3 * have && need > 1e6 &&
        !r->cfg->nonsmooth_op) {
      snprintf(buf, size,
               "its Neumann series is far from A^-1 b here, and the lower Hessian is "
               "ill-conditioned (kappa ~ %.2g, the ratio of its Ritz values %.3g and %.3g): the "
               "series needs ~%.2g terms, %.2g times neumann_steps = %g, so raising it cannot "
               "close it; %s",
               kappa, mu, L, need, need / have, have, ill_cure(mu, r->dw.val.g, kappa));
      return buf;
    }
    hint = "its Neumann series is far from A^-1 b here: raise neumann_steps, or eta (at most "
           "1/L)";
  }
  else if (rt_method_option(m, "cg_steps")) hint = "raise cg_steps (CG steps on A v = b a step)";
  else if (rt_method_option(m, "m_max")) hint = "raise m0 and m_max (its Krylov dimension)";
  else if (rt_method_option(m, "lambda0")) {
    double L = r->dw.val.ritz_max;
    char at[96] = "";
    double up = fmax(3.0, 3 * rt_solver_num(s, "lambda0")); /* a raise to suggest */
    if (isfinite(L) && L > 0)
      snprintf(at, sizeof at, " (%.3g here: e.g. lambda0 = %g with y_step = %.2g)", L, up,
               1 / (L * (1 + up)));
    snprintf(buf, size,
             "its penalty lambda is still small, which biases y: raise lambda0 together with a "
             "smaller y_step, about 1/(L (1 + lambda0)) with L the largest eigenvalue of the "
             "lower Hessian%s; the penalised y step is stable only for y_step (L_f + lambda "
             "L_g) < 2, and y_step = auto is sized for g alone, so raising lambda0 alone "
             "diverges",
             at);
    return buf;
  }
  snprintf(buf, size, "%s", hint);
  return buf;
}

/* The end of a hint that sends the user to an implicit method (`cure`), where the program
 * allows one: a lower objective with a kink (RtRunConfig.nonsmooth_op) has no second
 * derivatives there, and the implicit methods refuse it unless allow_nonsmooth. itd on a
 * hinge loss was told "use an implicit method (lancbio, aid_cg, ...)"; the cure there is the
 * methods that need g's gradient alone. Into buf[len]; returns buf or cure. */
static const char *implicit_cure(const Run *r, const char *cure, char *buf, size_t len) {
  const char *op = r->cfg->nonsmooth_op;
  if (!op) return cure;
  snprintf(buf, len, "; the implicit methods need g twice differentiable in y, which '%s' "
           "makes it not: compare with %s", op,
           r->s->opt.method->unrolled ? "f2sa, or the other unrolled methods" : "itd or ufom");
  return buf;
}

/* Whether g is close enough to a quadratic in y between y and y + step (y + step: y*(x), or a
 * Newton step's end) for the lower Hessian's Ritz values at y to say how gradient steps close
 * the gap (keep_up_hint): the change of g along it within a quarter of the quadratic model's,
 * 0.5 step . grad_y g(y) (exact for a quadratic g, y + step its minimiser, and for a CG
 * iterate of the Newton step from 0). STABLE on a log-utility follower ended with y = (0.4,
 * 4389), y*(x) = (0.4, 0.6): Ritz values 1.56e-7 and 12.5 at y, where -3 log(y) is flat, but
 * 8.3 and 12.5 at y*(x); g falls by twice the model's there. Diagnostics: two values of g, a
 * gradient. false where y or step is NULL or a value is not finite. */
static bool quadratic_to(const Run *r, const double *y, const double *step) {
  RtSolver *s = r->s;
  int64_t ny = s->ny;
  if (!y || !step || !rt_all_finite(ny, y) || !rt_all_finite(ny, step)) return false;
  double *buf = rt_mem_calloc((size_t)(2 * ny), sizeof(double));
  if (!buf) return false;
  double *yc = buf, *gy = yc + ny, t0 = rt_seconds();
  rt_copy(ny, y, yc);
  rt_axpy(ny, 1.0, step, yc);
  bool prev = rt_oracle_set_diag(&s->o, true);
  RtDraw key = rt_oracle_draw(&s->o);
  double g0 = rt_oracle_g(&s->o, key, s->x, y), g1 = rt_oracle_g(&s->o, key, s->x, yc);
  rt_oracle_grad_g(&s->o, key, s->x, y, gy);
  rt_oracle_set_diag(&s->o, prev);
  double q = 0.5 * rt_dot(ny, step, gy), dg = g1 - g0;
  rt_mem_free(buf);
  r->res->t_diag += rt_seconds() - t0;
  return isfinite(dg) && isfinite(q) && q < 0 && fabs(dg - q) <= 0.25 * fabs(q);
}

/* Whether gradient steps on y cannot close the gap from y to y + step (y*(x), or a Newton
 * step's end) in any reasonable number: `taken` is how many the run gave it, `raising` what the
 * old cure would raise. At the best fixed step, 2/(L + mu), the error along the lower
 * Hessian's least curvature shrinks by (kappa - 1)/(kappa + 1) a step, so cutting it by 1e6
 * (runs that converge end within 1e-6 of y*(x)) takes about kappa/2 ln(1e6) ~ 7 kappa steps,
 * kappa = L/mu from the last trace point's Ritz values (a lower bound on the true ratio: Ritz
 * values lie within the spectrum; and only where g is about quadratic between the two points,
 * quadratic_to, so that those at y say how the steps go). Where that is over 1e3 times
 * `taken` (`whose`: "this run took"), only a thousandfold run would close it: into buf[size]
 * that the lower problem is ill-conditioned, that raising cannot close it, and the cures that
 * work. Ridge regression with one feature times 1e6 (Ritz values 0.907 and 9.05e11, y_step
 * already 0.8/L) was told by aid_cg, lancbio and amigo_gd to raise inner_steps, and 100 times
 * inner_steps changed nothing (|grad phi| 0.0114); the README's example (kappa ~ 2e4, 2000
 * outer steps of 5) needs about 14 times its steps, where raising inner_steps does help. Not
 * where g has a kink (the program's nonsmooth_op): exact and Newton do not apply there. */
static bool steps_hopeless(const Run *r, const double *y, const double *step, double taken,
                           const char *whose, const char *raising, char *buf, size_t size) {
  double mu = r->dw.val.ritz_min, L = r->dw.val.ritz_max, g = r->dw.val.g;
  double kappa = L / mu, need = kappa / 2 * log(1e6);
  if (!(mu > 0) || !(L >= mu) || !isfinite(L) || !(taken >= 1) || !(need > 1e3 * taken) ||
      r->cfg->nonsmooth_op || !quadratic_to(r, y, step))
    return false;
  const char *cure = ill_cure(mu, g, kappa);
  snprintf(buf, size,
           "the lower Hessian is ill-conditioned (kappa ~ %.2g, the ratio of its Ritz values "
           "%.3g and %.3g): gradient steps on y need ~%.2g steps to reach y*(x), %.2g times the "
           "%.0f %s, so raising %s cannot close it; %s",
           kappa, mu, L, need, need / taken, taken, whose, raising, cure);
  return true;
}

/* What lets a lower loop lagging behind x (y, off y*(x) by step: steps_hopeless) keep up, by
 * the options the method has (soba and hjfbio were told to raise inner_steps, which they
 * refuse: one joint step an outer step), into buf[size]; returns buf. Warm started, the whole
 * run's lower steps (outer steps x inner_steps) are the most a lag can be closed with. */
static const char *keep_up_hint(const Run *r, const double *y, const double *step, char *buf,
                                size_t size) {
  RtSolver *s = r->s;
  bool inner = rt_method_tunable_option(s->opt.method, "inner_steps");
  double taken = (double)r->res->steps * (inner ? fmax(1.0, (double)s->inner_steps) : 1.0);
  if (!steps_hopeless(r, y, step, taken, "this run took",
                      inner ? "inner_steps (or y_step, stable below 2/L)"
                            : "y_step (stable below 2/L) or lowering x_step",
                      buf, size))
    snprintf(buf, size, "%s",
             inner ? "raise inner_steps, or y_step up to 2/L"
                   : "raise y_step (up to 2/L), or lower x_step so that x moves more slowly");
  return buf;
}

/* The flops per call of each kernel, for the whole job: the same on every MPI rank. A sharded
 * rank's kernels were compiled for its own rows, so their counts (BloProblem.kernel_flops)
 * differ between ranks whenever the rows do not split evenly; the end-of-run checks sized
 * from them sent the ranks down different paths (one more Hessian-vector product in
 * check_lower_lag's solve on one rank: MPI_ERR_TRUNCATE in the next MPI_Allreduce, with 301
 * Fashion-MNIST rows on 2 ranks). Summed over the ranks (one MPI_Allreduce, which every rank
 * reaches: the checks' conditions before it are on summed values), the job's cost. */
static const double *job_flops(Run *r) {
  RtSolver *s = r->s;
  if (r->have_flops) return r->flops;
  memcpy(r->flops, s->p->kernel_flops, sizeof r->flops);
  if (s->o.sharded && rt_mpi_size() > 1) {
    double *bufs[] = {r->flops};
    int64_t lens[] = {BLO_K_COUNT};
    rt_mpi_sum(bufs, lens, 1, NULL); /* not an oracle call's: not in allreduce_bytes */
  }
  r->have_flops = true;
  return r->flops;
}

/* The flops of the run's oracle calls, by job_flops (the same on every MPI rank). */
static double run_flops(Run *r) {
  static const int kernel_of[RT_CALL_NKINDS] = {
      [RT_CALL_F] = BLO_K_F,           [RT_CALL_G] = BLO_K_G,
      [RT_CALL_GRAD_F] = BLO_K_GRAD_F, [RT_CALL_GRAD_G] = BLO_K_GRAD_Y_G,
      [RT_CALL_HVP] = BLO_K_HVP_YY,    [RT_CALL_MIXED] = BLO_K_HVP_XY};
  const double *fl = job_flops(r);
  double run = 0;
  for (int k = 0; k <= RT_CALL_MIXED; k++) run += (double)r->s->o.calls[k] * fl[kernel_of[k]];
  return run;
}

/* Whether `times` exact hypergradients (rt_phi_exact: a Newton solve of ny Hessian-vector
 * products a step, a dense solve) fit the end-of-run checks' budget: ny within the dense limit,
 * the products within `share` of the run's flops or 2e8 (phi_cheap: a tenth). */
static bool phi_within(Run *r, double run, int times, double share) {
  const RtSolver *s = r->s;
  double hvp = fmax(job_flops(r)[BLO_K_HVP_YY], 1.0);
  return s->ny <= RT_HG_DENSE_MAX && 6.0 * times * (double)s->ny * hvp <= fmax(2e8, share * run);
}
static bool phi_cheap(Run *r, double run, int times) { return phi_within(r, run, times, 0.1); }

/* How many Hessian-vector products of the run's problem fit within `share` of the run's flops
 * or 2e8: the budget of the end-of-run checks' CG and Newton-CG solves. */
static double check_products(Run *r, double run, double share) {
  return floor(fmax(2e8, share * run) / fmax(job_flops(r)[BLO_K_HVP_YY], 1.0));
}

/* Whether f at the trace points rose, after its least, by over a tenth of its fall from the
 * start to that least, while the method's |d| fell below the one it had there: x moved
 * against f(x, y*(x)) and the method's estimate says it is nearly stationary, the mark of a
 * biased estimate. F2SA with its defaults on L2-regularised softmax regression (640 lower
 * variables) took f from 0.233 (step 140) to 0.515 at step 1000 while |d| fell from 0.03 to
 * 3.8e-4; x ended at -27.6 where x* = -8.33 and |grad phi| = 0.046, with status 0 and no
 * word: the exact check was over its budget, and the cheaper lag check's lower bound came out
 * at 9% of |y*(x)|, under its tenth (the exact check costs 0.17 of that run by phi_within's
 * count). f is taken at the lower point of each trace point, not at y*(x): this decides
 * whether the exact check is worth a quarter of the run, and is said alone only where even
 * that is too much and the lag check is silent. */
static bool f_rose(const Run *r) {
  const RtSolver *s = r->s;
  double f = r->dw.val.f, least = r->f_min, fall = r->f0 - least;
  return r->f_min_step > r->seg0 && r->f_min_step < r->res->steps && isfinite(f) &&
         isfinite(r->f0) && fall > 0 && f - least > 0.1 * fall &&
         f - least > 1e-9 * fmax(f_unit(r), fabs(least)) && s->hg_norm < r->hg_at_f_min;
}

/* How far the lower point of the final x (the trace point's y) is from y*(x), by the length of
 * a Newton step on g from it, H^-1 grad_y g, which is y - y*(x) when g is quadratic in y. A
 * few conjugate-gradient steps from 0 give a lower bound of that length (CG's iterates grow
 * in norm towards the solution's), within a twentieth of the run's flops `run` or 2e8.
 * Whether it is far (over a tenth of max(|y|, |y*(x)|), and over 1e-8 of the largest |y| of
 * the trace points), with out = {that length, |y|, |y*(x)|}, and into step [ny] (unless NULL)
 * the step from y to there, -H^-1 grad_y g. Its time counts as diagnostics. */
static bool lower_lag(Run *r, double run, double out[3], double *step) {
  RtSolver *s = r->s;
  int64_t ny = s->ny;
  int steps = (int)fmin(100.0, check_products(r, run, 0.05));
  const double *y = r->dw.val.y, *gy = r->dw.gy;
  if (steps < 10 || !rt_all_finite(ny, y) || !rt_all_finite(ny, gy)) return false;
  double t0 = rt_seconds();
  double *buf = rt_mem_calloc((size_t)(5 * ny), sizeof(double));
  if (!buf) return false; /* a check left out, not a failure of the run */
  double *v = buf, *rr = v + ny, *pp = rr + ny, *Ap = pp + ny, *ystar = Ap + ny;
  RtCgRun cg = {.b = gy, .max_steps = steps, .rtol = 1e-3, .r = rr, .p = pp, .Ap = Ap};
  bool prev = rt_oracle_set_diag(&s->o, true);
  double res = rt_cg_solve(&s->o, rt_oracle_draw(&s->o), s->x, y, v, &cg);
  rt_oracle_set_diag(&s->o, prev);
  double lag = rt_nrm2(ny, v), yn = rt_nrm2(ny, y);
  rt_copy(ny, y, ystar);
  rt_axpy(ny, -1.0, v, ystar);
  double ysn = rt_nrm2(ny, ystar), ref = fmax(yn, ysn); /* |y - H^-1 grad_y g| ~ |y*(x)| */
  if (step) {
    rt_copy(ny, v, step);
    rt_scal(ny, -1.0, step);
  }
  rt_mem_free(buf);
  r->res->t_diag += rt_seconds() - t0;
  out[0] = lag, out[1] = yn, out[2] = ysn;
  /* CG's iterates grow towards A^-1 b only where A is positive definite: past a curvature
   * that is not (a factorisation U V', its Hessian near-singular along the rotation, CG met
   * -0.15), the length bounds nothing. The end note called aid_cg's y on U V' (ny = 1500) "at
   * least 86% of |y*(x)| from y*(x)", where it is 1.9% from a minimiser (L-BFGS to 1e-14) */
  r->lag_curv = res < 0 && !isnan(cg.curvature);
  r->lag_rel = r->lag_curv ? NAN : lag > 0 ? lag / ref : 0;
  r->lag_near = res >= 0 && res <= 1e-3 * rt_nrm2(ny, gy) && lag <= 1e-6 * ref;
  /* and not negligible beside the largest |y| the run's trace points had seen (1e-8 of it), in
   * y's own units: a y*(x) that shrank to nothing as x moved (exp(-x^2) underflowing, ITD at
   * y* = 4.4e-15 after a start at 0.78: run_vanished_tiny.blo) lags only in its own rounding.
   * An absolute floor, 1e-8 max(1, |y*(x)|), silenced the same problem in other units: ITD on
   * a quadratic with y in units of 1e-9 (or g in units of 1e-9, where y*(x) ended at 5e-9 and
   * x at the unrolled problem's answer, 1e-8 against x* = 1.43) ended with status 0 and no
   * word, where in base units it warned (run_unrolled_lag_units.blo) */
  return res >= 0 && isfinite(lag) && lag > 0.1 * ref && lag > 1e-8 * r->y_seen;
}

/* The end checks found the method's y far from y*(x) at the end (check_estimate's exact
 * measure, check_lower_lag's): the |d| that made a trace point the best ranks it above the end
 * only where its own y was nearer y*(x), by g's gradient there. Where that gradient was not
 * below a tenth of the end's, its estimate was made as far from y*(x) and says no more than the
 * end's: LancBiO on a ridge problem with one feature in other units (times 1e4, y_step = 1/L
 * with L = 1e8, y barely moving) made step 10 its best by |d| = 5.2e-10, an estimate taken at
 * w ~ 0 with |grad_y g| 0.4676 against the end's 0.4675, warned "--keep best saves the best
 * trace point (step 20, |hypergradient| 5.21e-10)", and saved there phi(x0) itself, above the
 * end's. The end, where the run's estimates led x, becomes the best then (unless phi, where
 * measured, is clearly lower at the other), and the not-converged warning's hint to keep the
 * other is taken back (its text, not yet printed). true when set aside. */
static int end_phi(Run *r, double run, const double *x, double *left, RtPhi *out, bool spread);
/* phi measured at the best trace point, beside the end's (best_unmeasured reads them) */
static void best_phi_measured(Run *r, double phi, double end) {
  r->best_phi.phi = phi;
  r->best_phi.end = end;
}
static bool best_lagged(Run *r, double run, double phi_end) {
  RtResult *res = r->res;
  double gy = r->dw.val.gy_norm, gb = res->best_grad_y_g_norm, hg = res->best_hypergrad_norm;
  int64_t step = res->best_step;
  if (r->best_by_f || step < 0 || step == res->steps || !isfinite(gy) || !(gb >= 0.1 * gy))
    return false;
  /* where phi at the end is known (check_estimate's dense measure) and one more dense solve is
   * affordable, a best trace point whose phi is clearly below the end's stays: the better
   * point, whatever its |d| */
  RtPhi pb;
  if (isfinite(phi_end) && phi_cheap(r, run, 2) &&
      end_phi(r, run, res->best_x, &(double){NAN}, &pb, false) == 0 &&
      clearly_above(phi_end, pb.phi)) {
    best_phi_measured(r, pb.phi, phi_end);
    return false;
  }
  r->best_lagged.step = step;
  r->best_lagged.hg = hg;
  r->best_lagged.gy = gb;
  rt_run_best_end(r);
  if (r->nc.on && r->nc.best[0]) { /* its hint to keep that point, taken back (nc_finish) */
    snprintf(r->nc.best, sizeof r->nc.best,
             "; the trace point of least |hypergradient| (step %lld, %.3g) is no better: its "
             "estimate was taken with y no nearer y*(x) by g's gradient (|grad_y g| %.3g there, "
             "%.3g at the end, where y is far from y*(x)), so %s saves the end's point",
             (long long)step, hg, gb, gy, keep_best(r));
    r->best_lagged.said = true;
  }
  return true;
}

/* best_lagged's word in the lag warning (phi_end: phi at the end, NaN where not measured),
 * where --keep best was asked for and the not-converged warning did not say it: "" else. */
static const char *lagged_word(Run *r, double run, double phi_end, char *buf, size_t size) {
  buf[0] = '\0';
  if (best_lagged(r, run, phi_end) && !r->best_lagged.said && r->cfg->keep == RT_KEEP_BEST)
    snprintf(buf, size, "; %s saves the end's point, not the trace point of least "
             "|hypergradient| (step %lld), whose estimate was taken with y no nearer y*(x)",
             keep_best(r), (long long)r->best_lagged.step);
  return buf;
}

/* Where the exact hypergradient costs too much (check_estimate): an implicit method's estimate
 * assumes y = y*(x), and the README's example (LancBiO on a lower Hessian of condition 2e4,
 * y_step = 1/L) ended with |d| = 3e-6 where |grad phi| = 0.0101, its y 87% of |y*(x)| away,
 * and only a warning that more outer_steps would help. */
static bool check_lower_lag(Run *r, double run) {
  double lag[3];
  /* bloc eval's grad_phi measures it at any ny (Newton-CG past the dense limit, where it
   * refused and the hint was left out: run_lag_hint_large.blo) */
  double *step = rt_mem_calloc((size_t)r->s->ny, sizeof(double)); /* NULL: no step, no word */
  if (!lower_lag(r, run, lag, step)) {
    rt_mem_free(step);
    return false;
  }
  r->lagged = true;
  char word[200], hint[1024];
  rt_solver_warn(r->s, "run.lower_lag",
                 "the run ended with its y far from y*(x): a Newton step on g from it is at "
                 "least %.3g long, against |y| = %.3g and |y*(x)| ~ %.3g, so the method's "
                 "hypergradient estimate (|d| = %.3g) may be far from that of f(x, y*(x)); "
                 "the lower loop does not keep up: %s%s%s",
                 lag[0], lag[1], lag[2], r->s->hg_norm,
                 keep_up_hint(r, r->dw.val.y, step, hint, sizeof hint),
                 "; check with `bloc eval --what grad_phi` at the saved x",
                 lagged_word(r, run, NAN, word, sizeof word));
  rt_mem_free(step);
  return true;
}

/* The exact formula at (x, y), h = grad_x f - J A^-1 grad_y f with A^-1 grad_y f by at most
 * `steps` CG steps to a relative residual of CG_RTOL, as a stationarity measure (the projected
 * gradient's norm when x is constrained), or NaN when CG stopped short of that residual (its
 * budget, or curvature): a truncated CG is itself an estimate. Diagnostic oracle calls. */
#define CG_RTOL 1e-8
static double cg_formula(Run *r, const double *x, const double *y, int steps) {
  RtSolver *s = r->s;
  int64_t nx = s->nx, ny = s->ny;
  double *buf = rt_mem_calloc((size_t)(5 * ny + 2 * nx), sizeof(double));
  if (!buf) return NAN; /* a check left out, not a failure of the run */
  double *b = buf, *v = b + ny, *rr = v + ny, *pp = rr + ny, *Ap = pp + ny, *h = Ap + ny;
  double *jv = h + nx;
  RtCgRun cg = {.b = b, .max_steps = steps, .rtol = CG_RTOL, .r = rr, .p = pp, .Ap = Ap};
  bool prev = rt_oracle_set_diag(&s->o, true); /* diagnostics, not the method's calls */
  RtDraw key = rt_oracle_draw(&s->o);
  rt_oracle_grad_f(&s->o, key, x, y, h, b);
  double nb = rt_nrm2(ny, b), res = rt_cg_solve(&s->o, key, x, y, v, &cg);
  bool solved = res >= 0 && res <= CG_RTOL * nb && rt_all_finite(ny, v);
  if (solved) {
    rt_oracle_mixed(&s->o, key, x, y, v, jv);
    rt_axpy(nx, -1.0, jv, h);
  }
  rt_oracle_set_diag(&s->o, prev);
  double hn = solved ? rt_xstep_stationarity(&s->xs, x, h) : NAN;
  rt_mem_free(buf);
  return isfinite(hn) ? hn : NAN;
}

/* Whether an exact measure hn (|grad phi|, or the formula at the method's y) says x is not
 * stationary, against the method's |d| = own: check_estimate's thresholds (which see) */
static bool estimate_off(const Run *r, double hn, double own) {
  double seen = seen_scale(r), f = r->dw.val.f;
  bool off = (hn > 10 * own && hn > 1e-3 * seen) || (hn > 3 * own && hn > 1e-2 * seen);
  return isfinite(hn) && off && hn > 1e-12 * fmax(f_unit(r), isfinite(f) ? fabs(f) : 0);
}

/* Where the exact hypergradient costs too much and the method's y is near y*(x) (lower_lag
 * silent): the exact formula at the method's own (x, y), h = grad_x f - J A^-1 grad_y f with
 * A^-1 grad_y f by conjugate gradients (Hessian-vector products only), against its d, with
 * check_estimate's thresholds. stocBiO, STABLE and BSA on a quadratic of 2001 lower variables
 * (over the dense limit, where only the lag check ran) ended with x 72% from x*, |d| = 9e-8
 * and |A v - b| = 32, status 0 and no word; at 2000 the exact check warned. The solve gets up
 * to 2 ny products within a tenth of the run's flops or 2e8 (the same on every MPI rank:
 * job_flops), and says nothing unless CG reached its relative residual 1e-8: a truncated CG
 * is itself an estimate, and runs that converged (aid_cg, lancbio, amigo_gd, soba at 2001 to
 * 3000 lower variables) must stay silent. Diagnostic oracle calls; the time goes to t_diag.
 * *measured: CG reached that residual (the formula was measured). */
static bool check_estimate_cg(Run *r, double run, const char *rise, bool *measured) {
  RtSolver *s = r->s;
  int64_t nx = s->nx, ny = s->ny;
  double steps = fmin(2.0 * (double)ny, check_products(r, run, 0.1));
  if (steps < 10 || !rt_all_finite(nx, s->x) || !rt_all_finite(ny, s->y)) return false;
  double t0 = rt_seconds();
  double hn = cg_formula(r, s->x, s->y, (int)steps), own = s->hg_norm;
  r->res->t_diag += rt_seconds() - t0;
  *measured = isfinite(hn);
  if (!estimate_off(r, hn, own)) return false;
  r->estimate_missed = true;
  char eh[640], why[96];
  /* below the dense limit the check gets here when the dense solve is over its flops */
  if (ny > RT_HG_DENSE_MAX)
    snprintf(why, sizeof why, "ny = %lld is over the dense solve's %d", (long long)ny,
             RT_HG_DENSE_MAX);
  else snprintf(why, sizeof why, "a dense solve is over the check's share of the run");
  rt_solver_warn(s, "run.estimate",
                 "the run ended with the method's hypergradient estimate at |d| = %.3g, but the "
                 "exact formula's at its x and y, %s of grad_x f - J A^-1 grad_y f (A^-1 by "
                 "conjugate gradients to a relative residual of %.0e; %s), is %.3g, and its y "
                 "is near y*(x): x is not stationary for f(x, y*(x)); %s%s",
                 own, s->xs.constrained ? "the projected gradient |x - P(x - h)|" : "the norm |h|",
                 CG_RTOL, why, hn, estimate_hint(r, eh, sizeof eh), rise);
  return true;
}


/* g's curvature in y along grad_y g at the end's lower point, grad' H grad / |grad|^2 (one
 * diagnostic Hessian-vector product), and *scale = |H grad| / |grad|; NaN when out of memory. */
static double gy_curvature(Run *r, double *scale) {
  RtSolver *s = r->s;
  int64_t ny = s->ny;
  const double *y = r->dw.val.y, *gy = r->dw.gy;
  double gn = r->dw.val.gy_norm, t0 = rt_seconds();
  *scale = NAN;
  double *hg = rt_mem_calloc((size_t)ny, sizeof(double));
  if (!hg) return NAN; /* a check left out, not a failure of the run */
  bool prev = rt_oracle_set_diag(&s->o, true);
  rt_oracle_hvp(&s->o, rt_oracle_draw(&s->o), s->x, y, gy, hg);
  rt_oracle_set_diag(&s->o, prev);
  double curv = rt_dot(ny, gy, hg) / (gn * gn);
  *scale = rt_nrm2(ny, hg) / gn;
  rt_mem_free(hg);
  r->res->t_diag += rt_seconds() - t0;
  return curv;
}
/* At the end of a run on a deterministic problem whose final lower point is not stationary
 * (|grad_y g| over 1e-6 of max(1, |g|)): g's curvature in y along grad_y g there, by one
 * Hessian-vector product. None (<= 0 within rounding) where the gradient is not 0 means that
 * the lower level has no minimiser near y (g linear or concave in y: unbounded below), so
 * y*(x) and the hypergradient mean nothing: exact on g = x'y ended with |d| = 0 after its
 * Newton solve stopped at |grad_y g| = 1.41, ITD at |d| 6e-17, and ITD on g = 0.5 x y^2 - y
 * at x = -1.54 where g is concave in y (x* = 0.213), all with status 0; the other checks'
 * CG solves stop on that curvature and say nothing. A warning, not a numerical failure: the
 * point is finite and saved, and the status says the run ran its steps. Not on an unrolled
 * loop that starts from x (MAML's adaptation, on a loss not convex in its weights). */
static bool check_lower_min(Run *r) {
  RtSolver *s = r->s;
  const RtResult *res = r->res;
  int64_t ny = s->ny;
  const double *y = r->dw.val.y, *gy = r->dw.gy;
  double gn = r->dw.val.gy_norm, g = r->dw.val.g;
  if ((res->stop != RT_STOP_STEPS && res->stop != RT_STOP_TOL) || res->steps == 0 ||
      blo_problem_stochastic(s->p) || !r->cfg->check_estimate || !y || !gy ||
      (s->opt.method->unrolled && s->p->init_uses_x) || /* MAML: y is not meant to be y* */
      !(gn > 1e-6 * fmax(1.0, isfinite(g) ? fabs(g) : 0)) || !rt_all_finite(ny, y) ||
      !rt_all_finite(ny, gy))
    return false;
  double scale, curv = gy_curvature(r, &scale);
  /* the product's rounding: eps |H| |gy|^2, |H| at least |H gy| / |gy| */
  if (!(curv <= 64 * DBL_EPSILON * scale)) return false;
  /* An unrolled method's estimate is the exact gradient of its unrolled objective, which is
   * well defined there: ITD on a swish network as the lower level (its x equal to torch's
   * unrolled autograd bit for bit) was told its hypergradient "means nothing" and to add a
   * ridge on every weight, the opposite of doc/methods.md's advice for such lower levels. */
  if (s->opt.method->unrolled) {
    rt_solver_warn(s, "run.lower_no_min",
                   "the run's r inner steps end where g is not convex along grad_y g: "
                   "|grad_y g| = %.3g there, and g's curvature in y along it is %.3g, so y is "
                   "not near a minimiser of g and x solves the unrolled problem (f after r = %d "
                   "steps of inner_lr from y0), whose gradient the estimate (|d| = %.3g) is, "
                   "not f(x, y*(x)); on a lower level that is not convex (a network's loss) "
                   "that is expected, but where g has no minimiser in y (linear or concave in "
                   "y: unbounded below) it is all there is: make g strongly convex in y for an "
                   "answer to the bilevel problem",
                   gn, curv, (int)rt_solver_num(s, "r"), s->hg_norm);
    return true;
  }
  rt_solver_warn(s, "run.lower_no_min",
                 "the run ended with its y where g is not convex along grad_y g: |grad_y g| = "
                 "%.3g there, and g's curvature in y along it is %.3g, so y is not near a "
                 "minimiser of g (with a Hessian of 0 or below everywhere g is unbounded below "
                 "in y and y*(x) does not exist) and the hypergradient (|d| = %.3g) means "
                 "nothing; make g strongly convex in y (a ridge term such as + 0.5 * sumsq(y)), "
                 "or bound x (box bounds) where g is convex only for some x",
                 gn, curv, s->hg_norm);
  return true;
}

/* A lower iterate that left the region where g curves: at the end g is far above the least
 * g the run had seen, and |grad_y g| has stayed within 5% of one value over the last quarter
 * of the run or more, not small. y was thrown by a step too long onto a plateau where g is
 * linear in y (an exp underflowing: the entropic-OT dual at eps = 0.1, every plan entry
 * exp((u + v - C) / eps) 0 there) and moves along it at a constant gradient, never back.
 * lancbio with its defaults went from g = -1.5 at step 30 to 1.6e5 at step 40, |grad_y g| =
 * 0.68336 from there to step 300, and ended with status 0, its f (0.066) taken at a y far from
 * y*(x) (phi 1.6e-5 there); amigo_gd with x_step = 20 ended with |d| = 0, g = 5.1e6 (-0.26 at
 * the start) and phi at its x above phi at x0; the warnings blamed non-uniqueness, and
 * check_lower_min a g not convex in y, which it is. g rising as x moves is normal, the frozen
 * gradient is not: a lower loop that follows y*(x) has |grad_y g| falling or moving with x.
 * Deterministic problems, methods with a y_step. */
static bool check_lower_left(Run *r) {
  RtSolver *s = r->s;
  const RtResult *res = r->res;
  const RtMethodSpec *m = s->opt.method;
  double g = r->dw.val.g, gn = r->dw.val.gy_norm;
  int64_t span = r->last_trace - r->gy_frozen_step;
  if ((res->stop != RT_STOP_STEPS && res->stop != RT_STOP_TOL) || res->steps < 8 ||
      blo_problem_stochastic(s->p) || m->unrolled || rt_method_newton_lower(m) ||
      !(s->y_step > 0) || r->last_trace != res->steps || r->g_low_step < 0 ||
      r->gy_frozen_n < 4 || 4 * span < res->steps || !isfinite(g) ||
      !(gn > 1e-6 * fmax(1.0, fabs(r->g_low))) || /* not at a minimiser, by g's own scale */
      !(g - r->g_low > fmax(1e-6, fabs(r->g_low))) || !r->dw.val.y || !r->dw.gy ||
      !rt_all_finite(s->ny, r->dw.val.y) || !rt_all_finite(s->ny, r->dw.gy))
    return false;
  /* and g linear along grad_y g there, beside the largest curvature the Ritz values saw: an
   * oscillation at a kink of g (allow_nonsmooth: 0.5 sumsq(y - a) + x sum(|y|), a subgradient
   * that never vanishes) has a frozen |grad_y g| too, with g's curvature 1 along it */
  double scale, curv = gy_curvature(r, &scale), top = fmax(scale, r->dw.val.ritz_max);
  if (!(fabs(curv) <= 1e-8 * top)) return false;
  rt_solver_warn(s, "run.lower_left",
                 "the lower iterate left the region where g curves: g = %.6g at the end, far "
                 "above the least g the run had seen (%.6g, step %lld), and |grad_y g| = %.6g "
                 "has stayed within 5%% of its value since step %lld (%lld trace points), with "
                 "g's curvature along it %.3g: y goes along a plateau where g is linear in y "
                 "(as where an exp underflows), thrown there by a lower step too long, and is "
                 "nowhere near y*(x), so f there and the hypergradient (|d| = %.3g) mean "
                 "nothing; a smaller y_step (y_step = %g%s), or a y0 nearer y*(x), keeps it "
                 "in",
                 g, r->g_low, (long long)r->g_low_step, gn, (long long)r->gy_frozen_step,
                 (long long)r->gy_frozen_n + 1, curv, s->hg_norm, s->y_step,
                 s->ystep.on ? ": auto sized it by the lower Hessian where g curves less" : "");
  r->lower_left = true;
  return true;
}

/* An unrolled method on a program whose lower start y0 does not use x (a bilevel problem, not
 * MAML's adaptation from x): where its r inner steps end far from y*(x) (lower_lag, at the
 * final x), x solves the unrolled problem, f after r steps, not min f(x, y*(x)), and it said
 * nothing: ITD with its defaults (r = 10, inner_lr = 0.1) ended 31% from x* of a quadratic
 * whose x* is known, with status 0. */
static void check_unrolled_lag(Run *r) {
  RtSolver *s = r->s;
  const RtResult *res = r->res;
  if ((res->stop != RT_STOP_STEPS && res->stop != RT_STOP_TOL) || res->steps == 0 ||
      !s->opt.method->unrolled || !(s->opt.method->x_via & RT_X_G) || s->p->init_uses_x ||
      blo_problem_stochastic(s->p) || !r->cfg->check_estimate) /* fom: warned at compile time */
    return;
  double lag[3];
  char other[160], hint[1024];
  double *step = rt_mem_calloc((size_t)s->ny, sizeof(double)); /* NULL: no word on the Hessian */
  int steps = (int)rt_solver_num(s, "r");
  /* each outer step unrolls r steps from y0: r is all the gradient steps y*(x) gets */
  if (lower_lag(r, run_flops(r), lag, step)) {
    /* 2/L measured: "up to 2/L" alone gave no size, where with g in units of 1e-9 it is 2e9
     * against inner_lr = 0.1 (nuJ); L the largest Ritz value at the final point */
    char two_l[160] = "", raising[200];
    double L = r->dw.val.ritz_max, lr = rt_solver_num(s, "inner_lr");
    if (isfinite(L) && L > 0)
      snprintf(two_l, sizeof two_l, " = %.3g (L = %.3g the largest Ritz value of the lower "
               "Hessian at the final x; inner_lr = %.3g)", 2 / L, L, lr);
    snprintf(raising, sizeof raising, "r (or inner_lr, stable below 2/L)");
    if (isfinite(L) && L > 0)
      snprintf(raising, sizeof raising, "r (or inner_lr, stable below 2/L = %.3g)", 2 / L);
    if (!steps_hopeless(r, r->dw.val.y, step, steps, "of its unrolled loop", raising, hint,
                        sizeof hint))
      snprintf(hint, sizeof hint, "for the bilevel problem's answer raise r, or inner_lr up to "
               "2/L%s%s", two_l,
               implicit_cure(r, ", or use an implicit method (lancbio, aid_cg, ...)", other,
                             sizeof other));
    rt_solver_warn(s, "run.unrolled_lag",
                   "the run's r inner steps end far from y*(x): a Newton step on g from their "
                   "last y is at least %.3g long, against |y| = %.3g and |y*(x)| ~ %.3g, so x "
                   "solves the unrolled problem (f after r = %d steps of inner_lr from y0), not "
                   "f(x, y*(x)); %s",
                   lag[0], lag[1], lag[2], steps, hint);
  }
  rt_mem_free(step);
}

/* An unrolled method's f at the trace points is f(x, y_r(x)), y_r after r inner steps from y0
 * (its diag_y): exactly the objective it minimises, which the exact checks leave out by
 * design. A run that ended with it clearly above the start's (over a thousandth) went uphill:
 * say so, with the cure of a step that took x there, and where no step saw an f below the
 * start's (r->f_low, the least of the start's and each step's), make the start the best.
 * ITD thrown by x_step = 2 from x = 0.05 onto the flat part of 1 - exp(-20 y^2) ended at f =
 * 0.9999999997 against the start's 0.021, and was told "the run has not converged ... a larger
 * x_step (or more outer_steps) when it creeps down slowly"; --keep best saved the end, the
 * worst f of the run, whose |d| (7.4e-9) was the least. */
static void check_unrolled_rose(Run *r) {
  RtSolver *s = r->s;
  const RtResult *res = r->res;
  double f = r->dw.val.f, f0 = r->start_tp.f;
  if ((res->stop != RT_STOP_STEPS && res->stop != RT_STOP_TOL) || res->steps == 0 ||
      !s->opt.method->unrolled || blo_problem_stochastic(s->p) || !r->start_tp.ok ||
      !clearly_above(f, f0))
    return;
  /* an estimate that vanished there (check_vanished's rule): check_vanished says it, with the
   * same cure, and keeps the start by phi (run_vanished_tiny.blo); not of a random estimate
   * (ufom with q < 1), which it leaves out: ufom thrown onto 1 - exp(-20 y^2), |d| = 0, kept
   * the start by f and said nothing of it */
  if (!rt_method_random_estimate(&s->opt) && vanished(r, rt_nrm2(s->nx, s->d))) return;
  bool lowest = isfinite(r->f_low) && r->f_low >= f0 - 1e-9 * fmax(fabs(f0), f_unit(r));
  /* check_progress is left out where x never got below the start (thrown, its cure a smaller
   * x_step); where it did, x went down and back up, and check_progress's word on how |d|
   * went (x swinging, at x_step 3 on a well of curvature 2) stays */
  r->unrolled_rose = lowest;
  /* the start is the best where no step went below it, or where the best trace point (of
   * least |d|, the end at x_step 3 above, f -0.08 against the start's -0.915) is clearly
   * above it: the trace points between are not kept, and the start is the lowest known */
  bool start_best = lowest || res->best_step == 0 || clearly_above(res->best_f, f0);
  char kept[200] = "", low[160] = "";
  if (start_best) {
    if (res->best_step != 0) rt_run_best_start(r);
    snprintf(kept, sizeof kept, "; %s saves the start (step 0), where f = %.6g against the "
             "end's %.10g", keep_best(r), f0, f);
  }
  if (!lowest)
    snprintf(low, sizeof low, " (its steps saw f as low as %.6g, below the start's)",
             r->f_low);
  rt_solver_warn(s, "run.unrolled_rose",
                 "the run ended where f = %.10g (f after r = %d inner steps from y0, the "
                 "unrolled objective this method minimises), above the start's %.6g: x went "
                 "uphill%s; %sa smaller x_step keeps x from there, or start from a better "
                 "x%s%s",
                 f, (int)rt_solver_num(s, "r"), f0, low,
                 start_best ? "the start is the better answer; " : "", init_x_hint(r), kept);
}

/* What kind of point the end of a run that went uphill is, where |grad phi| is small there
 * (check_phi_rose), by phi at x +- h u, u the unit direction back to the start, h = 1e-3
 * max(1, |x - x0|): above phi(x) both ways by over 1e-9 of max(|phi|, f_unit), another,
 * higher local minimum; within that both ways, a flat part; below both ways, a maximum; else,
 * or unmeasured (x constrained, phi by Newton-CG, a solve failing), the three causes. Only
 * "a flat part ... or a maximum" was said: exact and aid_cg thrown from the deep well of
 * -exp(-x^2) - 0.5 exp(-(x+5)^2/4) to the shallow one, a strict local minimum (phi'' 0.25),
 * were told of a flat part or a maximum. Two dense phi solves; their time goes to t_diag. */
static const char *end_kind(Run *r, const RtPhi *end) {
  /* (one literal in two lines, apart from the list: clang's -Wstring-concatenation takes a
   * concatenation inside a list of literals for a missing comma, an error in the emitted C's
   * -Werror builds) */
  static const char three[] = "another, higher local minimum of f(x, y*(x)), a flat part of it "
                              "(such as where exp(x) underflows), or a maximum";
  static const char *const kinds[] = {
      three,
      "another, higher local minimum of f(x, y*(x)): it rises both ways from there",
      "a flat part of f(x, y*(x)), such as where exp(x) underflows",
      "a maximum of f(x, y*(x)): it falls both ways from there"};
  RtSolver *s = r->s;
  int64_t nx = s->nx;
  double dist = moved_from_start(r);
  if (end->projected || end->by_cg || !(dist > 0) || !isfinite(end->phi)) return kinds[0];
  double *xp = rt_mem_calloc((size_t)nx, sizeof(double));
  if (!xp) return kinds[0];
  double h = 1e-3 * fmax(1.0, dist), tol = 1e-9 * fmax(fabs(end->phi), f_unit(r));
  int up = 0, down = 0, same = 0;
  double t0 = rt_seconds();
  for (int side = -1; side <= 1; side += 2) {
    for (int64_t i = 0; i < nx; i++)
      xp[i] = s->x[i] + side * h * (r->x_start[i] - s->x[i]) / dist;
    RtPhiAt at = {.x = xp, .sharded = r->cfg->sharded, .y_start = r->dw.val.y};
    RtPhi p;
    if (rt_phi_exact(s->p, &at, &p) != 0 || !isfinite(p.phi)) break;
    double dphi = p.phi - end->phi;
    if (dphi > tol) up++;
    else if (dphi < -tol) down++;
    else same++;
  }
  r->res->t_diag += rt_seconds() - t0;
  rt_mem_free(xp);
  return up == 2 ? kinds[1] : same == 2 ? kinds[2] : down == 2 ? kinds[3] : kinds[0];
}

/* Where the end checks measured phi at the end (end) and it is not above the start's: phi at
 * the best trace point between the start and the end too (densely where phi_cheap allows three
 * solves, the end's, the start's and this one, else by Newton-CG, phi alone, within a share of
 * its own: a tenth of the run's flops or 2e8, the end checks' rule), kept in r->best_phi. What
 * the end's and the start's solves left was too little where the best point's lower Hessian is
 * worse conditioned (a smaller ridge weight: 189 products there, 83 left:
 * run_best_phi_above_end_note.blo). Clearly above the end's (by over a thousandth), that point
 * is no better: its |d|, the least, was an estimate, and the end becomes the best.
 * LancBiO on leave-one-out ridge (ny = 1100) made step 20 its best by |d| = 4.7e-5, an
 * estimate taken with y far behind y*(x) (|grad_y g| 0.034 there, 0.0107 at the end), and the
 * not-converged warning said "--keep best saves the best trace point (step 20, |hypergradient|
 * 4.72e-05)": phi there is 0.2959, above the start's 0.2745 and the end's 0.2626, and --keep
 * best saved it without a word (tests/golden/run_best_phi_above_end.blo). The not-converged
 * warning's hint (nc_compose) says which it saves and why, else under --keep best a note. */
static void best_vs_end(Run *r, const RtPhi *end) {
  RtSolver *s = r->s;
  RtResult *res = r->res;
  if (!best_between(r) || r->best_by_f || !isfinite(end->phi)) return;
  RtPhiAt at = {.x = res->best_x, .sharded = r->cfg->sharded, .y_retry = res->best_y};
  double run = run_flops(r);
  if (end->by_cg || !phi_cheap(r, run, 3)) {
    at.dense_max = 1;
    at.max_hvps = check_products(r, run, 0.1);
    if (at.max_hvps < 20) return;
    at.no_grad = true;
  }
  double t0 = rt_seconds();
  RtPhi pb;
  int rc = rt_phi_exact(s->p, &at, &pb);
  res->t_diag += rt_seconds() - t0;
  if (rc != 0 || !isfinite(pb.phi)) return;
  best_phi_measured(r, pb.phi, end->phi);
  const char *how = end->by_cg ? "Newton-CG" : "Newton, a dense solve";
  if (!clearly_above(pb.phi, end->phi)) {
    if (r->nc.on && r->nc.best[0]) /* the hint to keep it, with what was measured */
      snprintf(r->nc.best, sizeof r->nc.best,
               "; %s saves the best trace point (step %lld, |hypergradient| %.3g), where "
               "f(x, y*(x)) = %.6g against the end's %.6g (y*(x) by %s)",
               keep_best(r), (long long)res->best_step, res->best_hypergrad_norm, pb.phi,
               end->phi, how);
    return;
  }
  r->best_phi.passed = true;
  r->best_phi.step = res->best_step;
  r->best_phi.hg = res->best_hypergrad_norm;
  r->best_phi.gy = res->best_grad_y_g_norm;
  rt_run_best_end(r);
  char gy[200] = "";
  if (r->best_phi.gy > r->dw.val.gy_norm)
    snprintf(gy, sizeof gy, "; its estimate was taken with y farther from y*(x) (|grad_y g| "
             "%.3g there, %.3g at the end)", r->best_phi.gy, r->dw.val.gy_norm);
  if (r->nc.on && r->nc.best[0]) { /* its hint to keep that point, taken back (nc_finish) */
    snprintf(r->nc.best, sizeof r->nc.best,
             "; the trace point of least |hypergradient| (step %lld, %.3g) is no better: "
             "f(x, y*(x)) there is %.6g, above the end's %.6g (y*(x) by %s), so %s saves the "
             "end's point%s",
             (long long)r->best_phi.step, r->best_phi.hg, pb.phi, end->phi, how, keep_best(r),
             gy);
    return;
  }
  if (r->cfg->keep != RT_KEEP_BEST) return;
  char note[640];
  snprintf(note, sizeof note,
           "%s saves the end's point, not the trace point of least |hypergradient| (step %lld, "
           "%.3g): f(x, y*(x)) there is %.6g, above the end's %.6g (y*(x) by %s)%s",
           keep_best(r), (long long)r->best_phi.step, r->best_phi.hg, pb.phi, end->phi, how,
           gy);
  rt_run_note(r, note);
}

/* Where the exact check found x stationary (check_estimate): phi at the end (end) against phi
 * at the start. A run whose x ends where f(x, y*(x)) is above the start's went uphill, whatever
 * its |d| says: F2SA with lambda0 = 3 on ridge regression diverged at step 11 with x at -1583,
 * where exp(x) underflows and grad phi is exactly 0, went back there (its |d| was 0, the best
 * one) and ended with phi 1.356 against the start's 1.153 (x* gives 1.137), status 0 and no
 * word: check_progress took |d| = 0 for convergence and |grad phi| = 0 agreed. A rise under
 * 1e-6 of phi is left to rounding. The time goes to t_diag. */
static void check_phi_rose(Run *r, const RtPhi *end, double max_hvps) {
  RtSolver *s = r->s;
  double t0 = rt_seconds();
  RtPhi start;
  /* the start's phi the way the end's was had: densely, or by Newton-CG within what is left */
  RtPhiAt at = {.x = r->x_start, .sharded = r->cfg->sharded, .dense_max = end->by_cg ? 1 : 0,
                .max_hvps = max_hvps, .y_retry = start_retry(r)};
  int rc = rt_phi_exact(s->p, &at, &start);
  r->res->t_diag += rt_seconds() - t0;
  if (rc != 0 || !(end->phi - start.phi > 1e-6 * fmax(fabs(start.phi), fabs(end->phi)))) {
    best_vs_end(r, end);
    return;
  }
  char eh[640], kept[160], flat_cure[96];
  snprintf(flat_cure, sizeof flat_cure,
           "a smaller x_step keeps x from there, or start from a better x%s", init_x_hint(r));
  const char *grad = end->projected ? "projected gradient" : "|grad phi|";
  const char *how = end->by_cg ? "Newton-CG" : "Newton, a dense solve";
  RtPhi best = {.phi = NAN};
  if (best_between(r)) { /* the best trace point's phi the same way, within what is left */
    at.x = r->res->best_x;
    /* a share of its own, as best_vs_end's (what the start's solve left was too little) */
    if (end->by_cg) at.max_hvps = check_products(r, run_flops(r), 0.1);
    double t1 = rt_seconds();
    if (!end->by_cg || at.max_hvps >= 20)
      if (rt_phi_exact(s->p, &at, &best) != 0) best.phi = NAN;
    r->res->t_diag += rt_seconds() - t1;
    if (isfinite(best.phi)) best_phi_measured(r, best.phi, end->phi);
  }
  keep_start(r, start.phi, end->phi, best.phi);
  start_hint(r, kept, sizeof kept);
  r->phi_rose_warned = true;
  /* exact's estimate is grad phi itself: its hint is no cure, the step that took x there is.
   * Nor is an estimate's hint where grad phi or |d| vanished beside the estimates the run saw
   * (check_vanished's rule, 1e-12 of seen_scale): x was thrown or drifted onto a flat part of
   * phi, where the estimate agrees with grad phi. SOBA and HJFBiO thrown by x_step = 2 onto
   * 1 - exp(-20 y^2) (|grad phi| 0) and by x_step = 50 to where exp(-x^2) underflows
   * (3.4e-114) were told "more outer_steps help"; F2SA's biased estimate drifting to a small
   * but not negligible |grad phi| (1.4e-5) keeps its hint (raise lambda0) */
  /* nor where the estimate agrees with grad phi (within 10%): it led x where phi's own
   * gradient does, and a step too long took x uphill (aid_cg thrown by its first step onto
   * sigmoid(x)'s plateau, |d| = |grad phi| = 4.5e-5, was told to raise cg_steps) */
  bool agrees = end->grad_norm > 0 && fabs(s->hg_norm - end->grad_norm) <= 0.1 * end->grad_norm;
  r->phi_rose_flat = rt_method_newton_lower(s->opt.method) || vanished(r, end->grad_norm) ||
                     vanished(r, s->hg_norm) || agrees;
  /* a recovery that went back to the start is not to blame: the start is the better point */
  const RtResult *res = r->res;
  bool off = r->seg0 > 0 && res->n_recoveries > 0 &&
             res->recoveries[res->n_recoveries - 1].from_step > 0;
  /* a gradient over a tenth of the start's: x did not settle (x_step = 1 on a box swinging
   * between vertices, phi 9.05 against the start's 8.20, the projected gradient 1.73), and
   * neither a flat part nor the estimate's options (cg_steps) are the cause */
  if (end->grad_norm > 0.1 * start.grad_norm) {
    rt_solver_warn(s, "run.phi_rose",
                   "the run ended where f(x, y*(x)) = %.6g (y*(x) by %s), above the start's "
                   "%.6g: x went uphill, and the exact %s there is %.3g (the start's %.3g; the "
                   "method's |d| = %.3g): x did not settle; the start is the better answer; a "
                   "smaller x_step%s%s",
                   end->phi, how, start.phi, grad, end->grad_norm, start.grad_norm, s->hg_norm,
                   off ? "; a recovery went back to a point already off (see its warning)"
                               : "",
                   kept);
    return;
  }
  rt_solver_warn(s, "run.phi_rose",
                 "the run ended where f(x, y*(x)) = %.6g (y*(x) by %s), above the start's "
                 "%.6g: x went uphill, though the exact %s there is %.3g (%s) and the "
                 "method's |d| = %.3g; the start is the better answer; %s%s%s",
                 end->phi, how, start.phi, grad, end->grad_norm, end_kind(r, end), s->hg_norm,
                 off ? "a recovery went back to a point already off (see its warning); "
                             : "",
                 r->phi_rose_flat ? flat_cure : estimate_hint(r, eh, sizeof eh),
                 kept);
}

/* The flops the end checks' Newton solves for y*(x) may take past their first 100 steps
 * (RtPhiAt.extra_flops): a quarter of the run's, or 1e9 (under a second). aid_cg on sparse
 * coding with sqrt(a^2 + 1e-10) (ny = 96) ended 91% of |y*(x)| from y*(x), and the check,
 * whose Newton needed about 900 steps (7e8 flops), stopped at 100 and said nothing. */
static double end_extra_flops(double run) { return fmax(1e9, 0.25 * run); }

/* phi at x as the end checks can afford it: dense Newton solves where phi_cheap allows two,
 * else Newton-CG within *left Hessian-vector products (NaN on the first call: a tenth of the
 * run's flops or 2e8), which it spends. 0, or -1 (not computed, or over that budget). spread:
 * the dense solve also measures how far grad phi can be trusted (RtPhiAt.spread). */
static int end_phi(Run *r, double run, const double *x, double *left, RtPhi *out, bool spread) {
  RtPhiAt at = {.x = x, .sharded = r->cfg->sharded, .y_retry = x == r->s->x ? r->s->y : NULL,
                .spread = spread, .extra_flops = end_extra_flops(run)};
  bool cg = !phi_cheap(r, run, 2);
  if (cg) {
    if (isnan(*left)) *left = check_products(r, run, 0.1);
    if (*left < 20) return -1;
    at.dense_max = 1;
    at.max_hvps = *left;
  }
  double t0 = rt_seconds();
  int rc = rt_phi_exact(r->s->p, &at, out);
  r->res->t_diag += rt_seconds() - t0;
  if (cg) *left -= (double)out->hvps;
  return rc;
}

/* check_phi_rose where the dense Newton solves cost too much (check_estimate's CG branch, when
 * its checks found the end stationary): phi at the end and at the start by Newton-CG, within a
 * tenth of the run's flops or 2e8 (shared; over it, nothing said). LancBiO on a 32 x 32
 * smoothed-TV denoising problem (ny = 1024, 300 steps in 0.02 s) went to weights e^-113 and
 * e^-1750, where the image is the noisy one and grad phi underflows, and ended with phi 20.17
 * against the start's 3.51, status 0 and no word; phi at both ends by Newton-CG took 0.1 s.
 * estimate: the method's |d| is an estimate (not exact's): grad phi at the end, from the same
 * solve, is held against it first with check_estimate's thresholds (formula: the exact formula
 * at the method's own y agreed with its d, check_estimate_cg, so y is to blame). Whether phi
 * and grad phi at the end were measured. */
static bool check_phi_rose_cg(Run *r, double run, bool estimate, bool formula) {
  RtSolver *s = r->s;
  double budget = check_products(r, run, 0.1);
  if (budget < 20) return false;
  double t0 = rt_seconds();
  RtPhi end;
  /* y*(x) - y, for keep_up_hint (NULL: no word on the Hessian) */
  double *step = estimate && formula ? rt_mem_calloc((size_t)s->ny, sizeof(double)) : NULL;
  RtPhiAt at = {.x = s->x, .sharded = r->cfg->sharded, .dense_max = 1, .max_hvps = budget / 2,
                .ystar = step};
  int rc = rt_phi_exact(s->p, &at, &end);
  r->res->t_diag += rt_seconds() - t0;
  if (step) rt_axpy(s->ny, -1.0, s->y, step);
  if (rc != 0) {
    rt_mem_free(step);
    return false;
  }
  if (estimate && estimate_off(r, end.grad_norm, s->hg_norm)) {
    r->estimate_missed = true;
    char eh[1024];
    rt_solver_warn(s, "run.estimate",
                   "the run ended with the method's hypergradient estimate at |d| = %.3g, but "
                   "the exact %s at its x is %.3g (y*(x) by Newton-CG): x is not stationary "
                   "for f(x, y*(x)); %s%s",
                   s->hg_norm,
                   end.projected ? "projected gradient |x - P(x - grad phi)|" : "|grad phi|",
                   end.grad_norm,
                   formula ? "the exact formula at the method's own y agrees with its d, so its "
                             "y, off y*(x), is to blame: the lower loop does not keep up: "
                           : "",
                   formula ? keep_up_hint(r, s->y, step, eh, sizeof eh)
                           : estimate_hint(r, eh, sizeof eh));
    rt_mem_free(step);
    return true;
  }
  rt_mem_free(step);
  check_phi_rose(r, &end, budget - (double)end.hvps);
  return true;
}

/* check_estimate's CG branch where no check measured grad phi at the end (its Newton-CG over
 * the budget) and the exact formula at the method's own y cannot stand for it (not measured,
 * or that y not within 1e-6 of y*(x): lag_near): a note, as a stochastic run's (full_note).
 * aid_cg on harmonic-function SSL (ny = 347, lower Hessian of condition 5.7e3) ended with |d|
 * = 0.0015 where |grad phi| = 0.078 (above the start's 0.050), its y 4.8% of |y*(x)| away, under
 * the lag check's tenth; the formula at its y agreed with d, and Newton-CG needed 993 products
 * against its 300: status 0 and no word (tests/golden/run_estimate_unchecked.blo). */
static void unchecked_note(Run *r, bool formula) {
  RtSolver *s = r->s;
  char note[1600], said[384], lag[160] = "nothing measured how far that y is from y*(x)";
  if (isfinite(r->lag_rel))
    snprintf(lag, sizeof lag, "that y is at least %.2g%% of |y*(x)| from y*(x)",
             100 * r->lag_rel);
  else if (r->lag_curv)
    snprintf(lag, sizeof lag, "how far that y is from y*(x) is not known (a Newton step from "
             "it met a lower Hessian not positive definite)");
  if (formula)
    snprintf(said, sizeof said,
             "agrees with its |d| = %.3g, but %s, and the formula stands for grad phi only at "
             "y*(x)",
             s->hg_norm, lag);
  else snprintf(said, sizeof said, "did not converge within it (|d| = %.3g)", s->hg_norm);
  /* the run saw g not strongly convex in y: eval's Newton from y0 meets that too and refuses
   * phi. On a matrix factorisation of 1500 lower variables (a gauge: U V' unchanged by
   * rotations, the Hessian singular at every minimiser) this note sent the user to an eval
   * that ran 231 to 438 s, about 100 dense Newton steps, and failed "not strongly convex" */
  char measure[640];
  if (r->ritz_low.step >= 0)
    snprintf(measure, sizeof measure,
             "the run saw the lower Hessian singular or not positive definite (Ritz values %.3g "
             "to %.3g after %lld outer steps), and `bloc eval --what phi,grad_phi --x SAVED_X` "
             "starts Newton from y0, which meets that and refuses phi%s; give it the run's y "
             "too, `--y SAVED_Y` (run --save-y), where Newton starts near the minimum meant "
             "(phi needs a minimum there: positive definite, or singular only along a "
             "symmetry of g that f and x do not see, as U V' under rotations)",
             r->ritz_low.lo, r->ritz_low.hi, (long long)r->ritz_low.step,
             s->ny > RT_HG_DENSE_MAX ? ""
                                     : ", possibly after many dense Newton steps, each ny "
                                       "Hessian-vector products and an eigendecomposition of "
                                       "order ny");
  else
    snprintf(measure, sizeof measure,
             "measure the saved x with `bloc eval --what phi,grad_phi --x SAVED_X`");
  snprintf(note, sizeof note,
           "nothing checked that the final x is stationary for f(x, y*(x)): grad phi there (%s) "
           "costs over the end-of-run checks' share, a tenth of the run's flops or 2e8; the "
           "exact formula at the method's own y %s: %s, or compare with exact, whose estimate "
           "is grad phi (a longer run, outer_steps, raises the checks' share)",
           s->ny > RT_HG_DENSE_MAX ? "Newton-CG" : "a dense solve, Newton-CG", said, measure);
  rt_run_note(r, note);
}

/* Where the run ended with its y far from y*(x) (Newton's from y0) but stationary for g at x
 * (|grad_y g| at y within the y_tol the measure applied, or its rounding floor): what y is.
 * Into why, a clause after "its y is": at another minimiser of g (the lower Hessian positive
 * definite at y: SMD1 from x = (10, 10), where y's tan(y2) crossed its poles to rest at y2 =
 * 10 pi, was told "the lower loop did not solve the lower level ... raise y_step"), or at a
 * stationary point that is no minimiser (a negative eigenvalue, or g falling from y towards
 * y*(x): aid_cg on g = (x - y^3)^2 crept to the inflection y = 0, and ended far from x* with
 * status 0). False (why untouched) where it is neither, or ny is over 500 (a dense Hessian). */
static bool y_elsewhere(Run *r, const double *y, const double *ystar, const RtPhi *phi,
                        char *why, size_t len) {
  RtSolver *s = r->s;
  int64_t ny = s->ny;
  double gy = r->dw.val.gy_norm;
  if (ny > 500 || phi->retried || !isfinite(gy)) return false;
  int64_t lwork = rt_sym_eig_lwork(ny);
  double *H = rt_mem_calloc((size_t)(ny * ny + 3 * ny + lwork), sizeof(double));
  if (!H) return false;
  double *w = H + ny * ny, *e = w + ny, *yt = e + ny, *work = yt + ny;
  bool prev = rt_oracle_set_diag(&s->o, true); /* diagnostics, not the method's calls */
  RtDraw key = rt_oracle_draw(&s->o);
  /* the lower Hessian's size at y*(x) (its largest row sum), the scale for y's: at the
   * inflection 8e-162 was "positive definite" on its own */
  double href = 0, hnorm = 0;
  for (int at = 0; at < 2; at++) {
    rt_dense_hessian(&s->o, key, s->x, at ? y : ystar, H, e);
    for (int64_t i = 0; i < ny; i++) {
      double row = 0;
      for (int64_t j = 0; j < ny; j++) row += fabs(H[i * ny + j]);
      *(at ? &hnorm : &href) = fmax(at ? hnorm : href, row);
    }
  }
  /* stationary: within y_tol, or the rounding of grad_y g's terms there */
  bool stationary = gy <= fmax(phi->lower_tol, rt_newton_floor(ny, hnorm, y, 0));
  bool ok = stationary && rt_all_finite(ny * ny, H) &&
            rt_sym_eigvals(ny, H, w, work, lwork) == 0;
  double lo = ok ? w[0] : NAN, hi = ok ? w[ny - 1] : NAN;
  double big = fmax(href, fmax(fabs(lo), fabs(hi)));
  double lag = 0, ysn = rt_nrm2(ny, ystar);
  for (int64_t i = 0; i < ny; i++) lag = hypot(lag, y[i] - ystar[i]);
  const char *cure = "start y nearer the minimiser meant (the lower variables' initial values in "
                     "the program, or --init-y)";
  bool said = false;
  if (ok && hi > 0 && lo > 1e-8 * big) {
    snprintf(why, len,
             "at another minimiser of g than the one Newton's method reaches from y0 "
             "(|grad_y g| = %.3g at y, the lower Hessian positive definite there, eigenvalues "
             "%.3g to %.3g; |y - y*(x)| = %.3g against |y*(x)| = %.3g): the lower loop did "
             "solve the lower level, at another of g's minima, and f(x, y*(x)) depends on "
             "which (phi here is measured at the one from y0); %s, or write a lower level "
             "with one minimiser",
             gy, lo, hi, lag, ysn, cure);
    said = true;
  } else if (ok && lo < -1e-6 * big) {
    snprintf(why, len,
             "at a saddle point of g, not a minimiser (|grad_y g| = %.3g at y, the lower "
             "Hessian's smallest eigenvalue %.3g, largest %.3g): gradient steps on g stop "
             "there, as grad_y g vanishes, and Newton's method from y0 goes on to y*(x), "
             "%.3g away (|y*(x)| = %.3g); %s",
             gy, lo, hi, lag, ysn, cure);
    said = true;
  } else if (ok) {
    /* Hessian ~0: whether g falls from y towards y*(x) */
    double g0 = rt_oracle_g_trial(&s->o, key, s->x, y), best = g0, tb = 0;
    for (double t = 1e-3; t <= 1 && isfinite(g0); t *= 10) {
      for (int64_t i = 0; i < ny; i++) yt[i] = y[i] + t * (ystar[i] - y[i]);
      double gt = rt_oracle_g_trial(&s->o, key, s->x, yt);
      if (isfinite(gt) && gt < best) best = gt, tb = t;
    }
    if (tb > 0 && best < g0 - 1e-10 * fabs(g0)) {
      snprintf(why, len,
               "at a stationary point of g that is not a minimiser (|grad_y g| = %.3g at y, "
               "the lower Hessian near 0 there, eigenvalues %.3g to %.3g, yet g falls from "
               "%.6g to %.6g a step of %.3g towards y*(x)): gradient steps on g stop there, "
               "as grad_y g vanishes (an inflection of g, as y = 0 of (x - y^3)^2), and "
               "Newton's method from y0 goes on to y*(x), %.3g away (|y*(x)| = %.3g); %s",
               gy, lo, hi, g0, best, tb * lag, lag, ysn, cure);
      said = true;
    }
  }
  rt_oracle_set_diag(&s->o, prev);
  rt_mem_free(H);
  return said;
}

/* Where the exact check found x stationary (check_estimate): the run's lower point y (the
 * summary's, the saved one) against y*(x) from the same Newton solve. x right does not make y
 * right, and the summary's f is f(x, y) at that y: STABLE on a log-utility follower (prices in
 * [0.05, 5]) ended at x = (5, 5), x*, with y = (0.4, 4389) where y*(x) = (0.4, 0.6) and f =
 * -13169 where phi = -3.4, |grad_y g| = 5, status 0 and no word. Far: over 1e-2 of the larger
 * of |y*(x)| and the largest |y| of the trace points, y_seen (runs that converge end within
 * 1e-6 of it). That was max(1, |y*(x)|), absolute in y's units: the same run with y in units of
 * 1e-9, |y - y*(x)| = 4.4e-6, said nothing (tests/e2e/units_verdict.sh). */
static void check_lower_end(Run *r, const double *ystar, const RtPhi *phi) {
  RtSolver *s = r->s;
  int64_t ny = s->ny;
  const double *y = r->dw.val.y;
  if (!y || !rt_all_finite(ny, y)) return;
  double lag = 0, ysn = rt_nrm2(ny, ystar);
  for (int64_t i = 0; i < ny; i++) lag = hypot(lag, y[i] - ystar[i]);
  if (!(lag > 1e-2 * fmax(ysn, r->y_seen))) return;
  char hint[1024], why[1024];
  if (y_elsewhere(r, y, ystar, phi, why, sizeof why)) {
    rt_solver_warn(s, "run.lower_end",
                   "the run ended with its y %s; the summary's f = %.6g is f(x, y) at that y, "
                   "not f(x, y*(x)) = %.6g",
                   why, r->dw.val.f, phi->phi);
    return;
  }
  double *step = rt_mem_calloc((size_t)ny, sizeof(double)); /* y*(x) - y; NULL: no word */
  if (step) {
    rt_copy(ny, ystar, step);
    rt_axpy(ny, -1.0, y, step);
  }
  rt_solver_warn(s, "run.lower_end",
                 "the run ended with its y far from y*(x) (the exact %s at its x is %.3g, "
                 "the method's estimate |d| = %.3g): |y - y*(x)| = %.3g "
                 "against |y*(x)| = %.3g, and "
                 "|grad_y g| = %.3g at y: the lower loop did not solve the lower level at the "
                 "end; the summary's f = %.6g is f(x, y) at that y, not f(x, y*(x)) = %.6g (and "
                 "the saved y is not y*(x)); `bloc eval --what phi,y_star` at the saved x gives "
                 "them; %s",
                 phi->projected ? "projected gradient" : "|grad phi|", phi->grad_norm, s->hg_norm,
                 lag, ysn,
                 r->dw.val.gy_norm, r->dw.val.f, phi->phi,
                 keep_up_hint(r, y, step, hint, sizeof hint));
  rt_mem_free(step);
}

/* exact's hypergradient is grad phi itself, but only as far as y*(x) is known: on an
 * ill-conditioned lower Hessian (shrinkage 1e-7 of a rank-19 covariance of 30 assets,
 * condition 3.75e8) it reported |hypergradient| = 0.3638 where |grad phi| = 0.32936, status 0
 * and no word. rt_phi_digits_note's warning where grad phi at the end (measured with
 * RtPhiAt.spread) has fewer digits than RT_PHI_DIGITS, and its uncertainty is not negligible
 * beside the estimates the run saw (1e-6 of seen_scale: at a converged x the uncertainty of a
 * vanishing gradient matters only that far). */
static void check_digits(Run *r, const RtPhi *end) {
  char note[1024];
  if (!(end->grad_spread > 1e-6 * seen_scale(r)) ||
      !rt_phi_digits_note(end, "the exact hypergradient at the final x", note, sizeof note))
    return;
  rt_solver_warn(r->s, "run.digits", "%s; the run's |hypergradient| (%.3g) and the steps it "
                 "took on it are only as good as that", note, r->s->hg_norm);
}

/* Whether the run's method was told allow_nonsmooth = true (f2sa has no such option). */
static bool nonsmooth_allowed(const RtSolver *s) {
  return rt_method_option(s->opt.method, "allow_nonsmooth") &&
         strcmp(rt_opt_word(&s->opt, "allow_nonsmooth"), "true") == 0;
}

/* At the end of a run that stopped on its steps or tol: the exact hypergradient at the final x
 * (rt_phi_exact: y*(x) by Newton, a dense solve for v) against the method's own estimate. A
 * method whose estimate is biased can stop where it says |d| ~ 0 and grad phi is not:
 * stocBiO with its 10 Neumann terms on a lower Hessian of condition 1e3 ended with |d| =
 * 8.9e-9 where |grad phi| = 1.64, x 41% from x*, status 0 and no word; SOBA and HJFBiO
 * drifted to lambda = e^-52 on ridge regression, where the lower Hessian is singular. Only
 * where it is cheap and means something: deterministic problems (one draw's phi is not phi),
 * ny within the dense limit, the Newton solve's ny Hessian-vector products a step within a
 * tenth of the run's flops or 2e8 (the same on every MPI rank: job_flops, not times),
 * implicit methods other than exact (an unrolled method's estimate is the unrolled
 * problem's, by design). The time goes to t_diag. */
static void check_estimate(Run *r) {
  RtSolver *s = r->s;
  RtResult *res = r->res;
  const RtMethodSpec *m = s->opt.method;
  const BloProblem *p = s->p;
  if ((res->stop != RT_STOP_STEPS && res->stop != RT_STOP_TOL) || res->steps == 0 ||
      blo_problem_stochastic(p) || m->unrolled || rt_method_random_estimate(&s->opt) ||
      !r->cfg->check_estimate)
    return;
  double run = run_flops(r);
  /* exact: its estimate is the formula at y*(x) by Newton, nothing to check it against, but
   * phi at the end against the start's is still to measure. Skipped with the rest, exact on
   * 1 - exp(-20 y^2) with x_step = 0.55 and tol = 1e-6 went from x = 0.05 (phi 0.049) to
   * -1.0, where |d| = 9.5e-8 < tol on the flat part of phi, and stopped (tol) at phi 1 with
   * status 0 and no word; aid_cg there was told "x went uphill" */
  if (rt_method_newton_lower(m)) {
    RtPhi end;
    if (!phi_cheap(r, run, 2)) check_phi_rose_cg(r, run, false, false);
    else if (end_phi(r, run, s->x, &(double){NAN}, &end, true) == 0) {
      check_digits(r, &end);
      check_phi_rose(r, &end, 0);
    } else if (nonsmooth_allowed(s) && end.solve_ran) {
      /* as the other implicit methods are told (below): exact on sparse coding with abs(A)
       * spent 382k g calls in Newton line searches that stalled at the kinks, and ended with
       * exit 0 and no word of them */
      rt_solver_warn(s, "run.nonsmooth",
                     "the exact hypergradient at the final x could not be computed: %s; with "
                     "allow_nonsmooth = true, y*(x) may sit at a kink of g, where Newton's "
                     "method on g stalls (|grad_y g| = %.3g at the run's y) and the implicit "
                     "hypergradient exact follows does not hold: nothing checked that x is "
                     "stationary; compare with itd, ufom or f2sa, which need no second "
                     "derivatives, or smooth the kink (sqrt(z^2 + eps) for abs(z))",
                     end.why, r->dw.val.gy_norm);
    }
    return;
  }
  /* f rising while |d| fell (f_rose): worth up to a quarter of the run's flops to say why */
  bool rose = f_rose(r);
  char rise[480] = "", other[160];
  if (rose)
    snprintf(rise, sizeof rise,
             "; f rose from %.6g (step %lld) to %.6g at the end while |d| fell from %.3g: the "
             "estimate led x away from the minimum of f(x, y*(x))%s",
             r->f_min, (long long)r->f_min_step, r->dw.val.f, r->hg_at_f_min,
             implicit_cure(r, "; compare with an implicit method (exact, aid_cg)", other,
                           sizeof other));
  if (!phi_cheap(r, run, 1) && !(rose && phi_within(r, run, 1, 0.25))) {
    /* f's rise alone is no evidence: at a trace point whose y lagged, f sits below phi, and
     * runs that converged to x* (aid_cg, lancbio, amigo_gd at 2001 lower variables) were told
     * their estimate "may be biased" */
    bool formula = false;
    r->lag_rel = NAN;
    r->lag_curv = false;
    if (check_lower_lag(r, run) || check_estimate_cg(r, run, rise, &formula)) return;
    if (!check_phi_rose_cg(r, run, true, formula) && !(formula && r->lag_near))
      unchecked_note(r, formula);
    return;
  }
  double t0 = rt_seconds();
  RtPhi phi;
  /* y*(x) and grad phi(x); below, the exact formula at the method's own y, with its v */
  int64_t nx = s->nx, ny = s->ny;
  double *buf = rt_mem_calloc((size_t)(3 * nx + 2 * ny + 1), sizeof(double));
  if (!buf) return; /* a check left out, not a failure of the run */
  double *gphi = buf, *h = gphi + nx, *dh = h + nx, *ystar = dh + nx, *hv = ystar + ny;
  /* from y0, and from the run's own y where g is flat where Newton from y0 stopped */
  RtPhiAt at = {.x = s->x, .sharded = r->cfg->sharded, .grad = gphi, .ystar = ystar,
                .y_retry = s->y, .extra_flops = end_extra_flops(run)};
  int rc = rt_phi_exact(p, &at, &phi);
  res->t_diag += rt_seconds() - t0;
  double own = s->hg_norm;
  /* not stationary: ten times what the method says, and not negligible beside the estimates
   * the run saw (hjfbio ended with d = 0 on a logistic problem where |grad phi| = 4.9e-12) */
  double seen = seen_scale(r);
  if (rc != 0) {
    /* (said nothing before: its reason was "not strongly convex", y*(x) not unique) */
    if (phi.flat)
      rt_solver_warn(s, "run.estimate",
                     "the exact hypergradient at the final x could not be computed: from y0 "
                     "and from the run's own y, %s; the method's estimate (|d| = %.3g) rests "
                     "on a y that Newton's method could not take to a minimum of g: the lower "
                     "loop may sit where g is flat (an exp that underflows), or g has no "
                     "minimum in y",
                     phi.why, own);
    else if (phi.saddle)
      rt_solver_warn(s, "run.estimate",
                     "the exact hypergradient at the final x could not be computed: %s; the "
                     "method's lower loop ended next to it (|grad_y g| = %.3g at its y), so its "
                     "estimate (|d| = %.3g) is taken at a saddle of g, not at y*(x), and x is "
                     "no solution of the bilevel problem",
                     phi.why, r->dw.val.gy_norm, own);
    else if (phi.not_convex)
      rt_solver_warn(s, "run.estimate",
                     "the exact hypergradient at the final x could not be computed: %s; "
                     "%sthe method's estimate (|d| = %.3g) does not show it",
                     phi.why, phi.null_seen ? "" : "y*(x) is not unique there, and ", own);
    /* allow_nonsmooth: the implicit formula the method uses holds only where g is twice
     * differentiable at y*(x); a Newton solve stopping short says y*(x) may sit at a kink
     * (lasso by aid_cg ended at x = 1.286, x* = 1.167, |grad_y g| 2.1, status 0, no word) */
    else if (nonsmooth_allowed(s))
      rt_solver_warn(s, "run.nonsmooth",
                     "the exact hypergradient at the final x could not be computed: %s; with "
                     "allow_nonsmooth = true, y*(x) may sit at a kink of g, where the implicit "
                     "hypergradient the method follows does not hold (|grad_y g| = %.3g at its "
                     "y): nothing checked that x is stationary; compare with itd, ufom or "
                     "f2sa, which need no second derivatives",
                     phi.why, r->dw.val.gy_norm);
    /* any other failure (Newton out of its steps on a nearly nonsmooth g, sqrt(a^2 + 1e-10),
     * its line search): said, and the cheap lag measure run instead. aid_cg on sparse coding
     * ended 91% of |y*(x)| from y*(x), f 0.594 against phi 0.532, with no word of it */
    else {
      rt_solver_warn(s, "run.estimate",
                     "the exact hypergradient at the final x could not be computed: %s; "
                     "nothing checked the method's estimate (|d| = %.3g) against grad phi, "
                     "nor its y (|grad_y g| = %.3g) against y*(x): `bloc eval --what "
                     "phi,grad_phi --x SAVED_X%s` measures them",
                     phi.why, own, r->dw.val.gy_norm, phi.capped ? " --set max_inner=N" : "");
      r->lag_rel = NAN;
      r->lag_curv = false;
      check_lower_lag(r, run);
    }
  } else if (((phi.grad_norm > 10 * own && phi.grad_norm > 1e-3 * seen) ||
              (phi.grad_norm > 3 * own && phi.grad_norm > 1e-2 * seen)) &&
             phi.grad_norm > 1e-12 * fmax(f_unit(r), fabs(phi.phi))) {
    /* the second: three times |d| where |grad phi| is not small beside the estimates the run
     * saw (their largest, the run's own scale). stocBiO on logistic regression (30 weights,
     * 1000 steps) ended at x = -5.805 (x* = -5.723) with |grad phi| 9.9 times |d| and 1.5% of
     * that scale, status 0 and no word; runs that converged end with |grad phi| under 1e-9 of
     * it, or about |d|; those that warn newly here (SOBA, HJFBiO, AmIGO-GD and F2SA stopped
     * short on quadratics) ended with |grad phi| 0.5 to 4 times it */
    t0 = rt_seconds();
    /* Which part of the error to blame: the method's y, away from y*(x) (h(x, y) - grad phi:
     * a lower loop that does not keep up, where raising cg_steps, aid_cg's hint, changed
     * nothing), or its solve for v at that y (d - h(x, y): a truncated Neumann series). */
    char err[400], eh[640];
    RtHypergrad hg = {.dense_max = RT_HG_DENSE_MAX, .cg_rtol = 1e-12, .hg = h, .v = hv};
    bool prev = rt_oracle_set_diag(&s->o, true); /* diagnostics, not the method's calls */
    int hrc = rt_hypergrad_exact(&s->o, rt_oracle_draw(&s->o), s->x, s->y, &hg, err, sizeof err);
    rt_oracle_set_diag(&s->o, prev);
    rt_copy(nx, s->d, dh);
    rt_axpy(nx, -1.0, h, dh);
    rt_axpy(nx, -1.0, gphi, h);
    bool y_lags = hrc == 0 && rt_nrm2(nx, h) > rt_nrm2(nx, dh);
    /* y stationary for g, but at another minimiser or no minimiser: not a lag */
    char elsewhere[960];
    bool y_other = y_lags && !phi.degenerate &&
                   y_elsewhere(r, s->y, ystar, &phi, elsewhere, sizeof elsewhere);
    double ns = rt_nrm2(ny, ystar);
    rt_axpy(ny, -1.0, s->y, ystar);
    char lagging[1024], hint[1024];
    snprintf(lagging, sizeof lagging,
             "its y is far from y*(x) (|y - y*(x)| = %.3g x max(1, |y*(x)|)): the lower loop "
             "does not keep up with x; %s",
             rt_nrm2(ny, ystar) / fmax(1.0, ns), keep_up_hint(r, s->y, ystar, hint, sizeof hint));
    /* a degenerate lower minimiser: neither the lower loop nor the method's solve is to blame
     * (aid_cg at x*, its y better than the yardstick's then, was told to raise inner_steps) */
    /* a degenerate lower minimiser: the measure's y*(x) is off, and neither the lower loop
     * nor the method's solve is to blame (aid_cg at x*, its y better than the yardstick's,
     * was told to raise inner_steps) */
    if (phi.degenerate)
      snprintf(lagging, sizeof lagging,
               "unless this measure is off: g is not strongly convex at y*(x) (a degenerate "
               "minimiser, where the lower Hessian vanishes), Newton reached y_tol with y*(x) "
               "only to about %.3g, and the measure is only as good as that (the lower loop is "
               "not to blame); compare x with other methods' (bloc compare) or a closed form",
               phi.ystar_err);
    if (y_other) snprintf(lagging, sizeof lagging, "its y is %s", elsewhere);
    char word[200] = "";
    r->lagged = y_lags && !phi.degenerate && !y_other;
    r->estimate_missed = true;
    if (r->lagged) lagged_word(r, run, phi.phi, word, sizeof word);
    rt_solver_warn(s, "run.estimate",
                   "the run ended with the method's hypergradient estimate at |d| = %.3g, but "
                   "the exact %s at its x is %.3g (y*(x) by Newton, a dense solve): x is not "
                   "stationary for f(x, y*(x)); %s%s%s",
                   own, phi.projected ? "projected gradient |x - P(x - grad phi)|" : "|grad phi|",
                   phi.grad_norm,
                   y_lags || phi.degenerate ? lagging : estimate_hint(r, eh, sizeof eh), rise,
                   word);
    res->t_diag += rt_seconds() - t0;
  } else if (own > 3 * phi.grad_norm && phi.grad_norm > 1e-4 * seen && !r->nc.on &&
             !rt_solver_warned(s, "run.drift") /* (check_drift) */) {
    /* The estimate over three times |grad phi|, which is not small beside the estimates the
     * run saw (runs that converge end under 1e-9 of them), where the progress checks, which
     * judge the run by its |d|, were silent. lancbio on a held-out Sharpe ratio over log risk
     * aversion (infimum at lg -> -inf) ended with |d| = 1.4e-4, 4.3 times |grad phi| = 3.3e-5
     * (5e-4 of the largest |d|), f 0.24% below phi, y 0.67% of |y*(x)| off, status 0 and no
     * word: its |d|, alternating between two values, fell by a jump at mid-run (its y
     * catching up), and the not-converged test read that as progress; aid_cg and exact, on
     * the same problem, were told that they had not converged. */
    double ns = rt_nrm2(ny, ystar);
    rt_axpy(ny, -1.0, s->y, ystar); /* y*(x) - y */
    char hint[1024];
    rt_solver_warn(s, "run.estimate",
                   "the run may not have converged: it ended with the method's hypergradient "
                   "estimate at |d| = %.3g, %.3g times the exact %s at its x, %.3g (y*(x) by "
                   "Newton, a dense solve), which is %.2g of the largest |d| the run saw, where "
                   "runs that converge end far below it; the |d| the run was judged by is off, "
                   "and so is f = %.6g, f(x, y) at its y (|y - y*(x)| = %.3g x max(1, "
                   "|y*(x)|)), against f(x, y*(x)) = %.6g: measure the saved x with `bloc eval "
                   "--what phi,grad_phi --x SAVED_X`, or compare with exact; %s",
                   own, own / phi.grad_norm,
                   phi.projected ? "projected gradient |x - P(x - grad phi)|" : "|grad phi|",
                   phi.grad_norm, phi.grad_norm / seen, r->dw.val.f,
                   rt_nrm2(ny, ystar) / fmax(1.0, ns), phi.phi,
                   keep_up_hint(r, s->y, ystar, hint, sizeof hint));
  } else {
    check_lower_end(r, ystar, &phi);
    if (phi_cheap(r, run, 2)) check_phi_rose(r, &phi, 0);
  }
  rt_mem_free(buf);
}

/* random_target where the dense solve is out of reach (BSA, TTSA over the dense limit): y*(x)
 * by up to 8 Newton steps from the method's y at x (the end's) or at the start, each a CG solve
 * of r->cg_steps steps, then cg_formula there. NaN unless every solve reached its residual and
 * |grad_y g| fell below 1e-10 of its first: no yardstick, no word. */
static double random_target_cg(Run *r, const double *x) {
  RtSolver *s = r->s;
  int64_t ny = s->ny;
  bool end = x == s->x;
  double *buf = rt_mem_calloc((size_t)(6 * ny), sizeof(double));
  if (!buf) return NAN;
  double *y = buf, *gy = y + ny, *dy = gy + ny, *rr = dy + ny, *pp = rr + ny, *Ap = pp + ny;
  rt_copy(ny, end ? s->y : r->ys_start, y);
  bool prev = rt_oracle_set_diag(&s->o, true);
  RtDraw key = rt_oracle_draw(&s->o);
  double g0 = -1, gn = NAN;
  for (int k = 0; k <= 8; k++) {
    rt_oracle_grad_g(&s->o, key, x, y, gy);
    gn = rt_nrm2(ny, gy);
    if (g0 < 0) g0 = gn;
    if (!isfinite(gn) || gn <= 1e-10 * g0 || gn == 0 || k == 8) break;
    rt_zero(ny, dy);
    RtCgRun cg = {.b = gy, .max_steps = r->cg_steps, .rtol = CG_RTOL, .r = rr, .p = pp, .Ap = Ap};
    double res = rt_cg_solve(&s->o, key, x, y, dy, &cg);
    if (!(res >= 0 && res <= CG_RTOL * gn)) {
      gn = NAN;
      break;
    }
    rt_axpy(ny, -1.0, dy, y);
  }
  rt_oracle_set_diag(&s->o, prev);
  double n = isfinite(gn) && (gn <= 1e-10 * g0 || gn == 0) ? cg_formula(r, x, y, r->cg_steps)
                                                            : NAN;
  rt_mem_free(buf);
  return n;
}

/* The exact hypergradient that a random estimate stands for, at x, as a stationarity measure
 * (the projected-gradient norm when x is constrained): phi's (rt_phi_exact) for BSA and TTSA,
 * the unrolled problem's (rt_unroll_exact, as q = 1 draws it) for UFOM; over the dense check's
 * budget (r->cg_steps > 0) by Newton-CG (random_target_cg). gbuf is scratch [nx].
 * NaN when it cannot be had (rt_phi_exact's reasons). Diagnostic oracle calls only. */
static double random_target(Run *r, const double *x, double *gbuf, char *why, size_t len) {
  RtSolver *s = r->s;
  if (!s->opt.method->unrolled && r->cg_steps > 0) {
    double n = random_target_cg(r, x);
    if (isnan(n))
      snprintf(why, len, "Newton-CG on g from the run's y did not reach y*(x) within %d conjugate "
               "gradient steps a solve", r->cg_steps);
    return n;
  }
  if (!s->opt.method->unrolled) {
    RtPhi phi;
    RtPhiAt at = {.x = x, .sharded = r->cfg->sharded,
                  .y_retry = x == s->x ? s->y : start_retry(r)};
    if (rt_phi_exact(s->p, &at, &phi) == 0) return phi.grad_norm;
    snprintf(why, len, "%s", phi.why);
    return NAN;
  }
  RtUnroll *u = s->state; /* ufom's state starts with its RtUnroll */
  uint64_t extra = u->extra_steps; /* the run's count, in its stats */
  bool prev = rt_oracle_set_diag(&s->o, true);
  RtDraw key = rt_oracle_draw(&s->o);
  rt_unroll_forward(s, u, key, x, gbuf);
  rt_unroll_exact(s, u, key, x, gbuf);
  rt_oracle_set_diag(&s->o, prev);
  u->extra_steps = extra;
  double n = rt_xstep_stationarity(&s->xs, x, gbuf);
  if (!isfinite(n)) snprintf(why, len, "the unrolled problem's gradient is not finite there");
  return isfinite(n) ? n : NAN;
}

/* check_random_estimate's word where it could not measure the exact gradient at the end or at
 * the start (why_end, why_start: rt_phi_exact's reasons, "" where measured): a note that x was
 * not checked and why. BSA on SMD8 from a y0 where g is not convex in y (the run's own y after
 * its first step did no better) said nothing, and its end at |grad phi| 203% of the start's
 * passed for a check made. */
static void random_not_checked(Run *r, const char *what, double end, const char *why_end,
                               const char *why_start) {
  char note[1400], had[1000];
  if (why_end[0])
    snprintf(had, sizeof had, "the exact %s could not be had at the final x (%s)", what,
             why_end);
  else
    snprintf(had, sizeof had, "the exact %s at the final x is %.3g, but the start's, to judge it "
             "by, could not be had (%s)", what, end, why_start);
  snprintf(note, sizeof note,
           "%s: nothing checked that the final x is near a minimiser (the method's estimate is a "
           "random draw's, and says nothing of stationarity); measure a saved x with `bloc eval "
           "--what phi,grad_phi --x SAVED_X`, or start where g is convex in y (the initial value "
           "of `lower`, or --init-y)", had);
  rt_run_note(r, note);
}

/* The sample sets of s's problem as "B (batch(50) of 600), V (...)" into buf; returns buf. */
static const char *sample_sets(const RtSolver *s, char *buf, size_t size) {
  size_t n = 0;
  buf[0] = '\0';
  for (int i = 0; i < s->p->n_samples && n < size; i++) {
    const BloSampleInfo *si = &s->p->samples[i];
    n += (size_t)snprintf(buf + n, size - n, "%s'%s' (batch(%lld) of %lld)", i ? ", " : "",
                          si->name ? si->name : "?", (long long)si->batch,
                          (long long)si->population);
  }
  return buf;
}

RT_API const char *rt_full_twin(const BloProblem *p, bool lends) {
  bool one = false; /* a batch(1) set: batch(N) keeps the dimension it drops */
  for (int i = 0; i < p->n_samples; i++) one |= p->samples[i].batch == 1;
  if (lends && !one) return NULL;
  return one ? "on a twin of the program written over all the rows (a batch(1) set drops a "
               "dimension that batch(N) keeps)"
             : "on the program with its sample sets whole, batch(N) of N (-D on the batch "
               "constant)";
}

/* The note of a stochastic run whose end nothing measured against the full objective: why
 * (NULL: why the program has no full variant), and how to measure it (full: whether it has
 * one). */
static void full_note(Run *r, bool full, const char *why) {
  RtSolver *s = r->s;
  char sets[256], note[1024];
  bool one = false; /* a batch(1) set: batch(N) keeps the dimension it drops */
  for (int i = 0; i < s->p->n_samples; i++) one |= s->p->samples[i].batch == 1;
  /* the reason the full variant gave, else only what is known: no guess (the note said "f32
   * or sharded" of f64 data on one process when the variant failed to compile) */
  if (!why) why = one ? "the program has a batch(1) set" : "the program has no full variant";
  /* bloc eval measures phi on the full variant where there is one (2627202): the program
   * rewritten with its sets whole is needed only where there is none */
  const char *how = full ? "on this program (eval's phi is over all the data)"
                         : rt_full_twin(s->p, false);
  snprintf(note, sizeof note,
           "nothing checked the final x against the full objective f(x, y*(x)) over all the "
           "data, the sample sets %s whole (%s); the run's f and |hypergradient| are minibatch "
           "estimates: measure a saved x with `bloc eval --what phi,grad_phi --x SAVED_X` %s",
           sample_sets(s, sets, sizeof sets), why, how);
  rt_run_note(r, note);
}

/* A stochastic run's full objective, f(x, y*(x)) over every sample set's whole population:
 * the full variant (RtRunConfig.full_problem) when it is given and its solves fit a tenth of
 * the run's flops or 2e8 (the full kernels' flops against the run's): dense Newton solves
 * (ny within the dense limit, six products a step), *cg = 0; else Newton-CG, *cg = the
 * Hessian-vector products it may take. Else NULL after full_note. */
static const BloProblem *full_objective(Run *r, double run, double *cg,
                                         const BloProblem **over) {
  const RtRunConfig *cfg = r->cfg;
  const BloProblem *full = cfg->full_problem(cfg->full_ctx);
  r->full_asked = true;
  r->full_built = full != NULL;
  *over = NULL;
  if (!full) {
    full_note(r, false, cfg->full_why ? cfg->full_why(cfg->full_ctx) : NULL);
    return NULL;
  }
  double hvp = fmax(full->kernel_flops[BLO_K_HVP_YY], 1.0), budget = fmax(2e8, 0.1 * run);
  /* two solves with their gradients and full_gain's trials */
  double solves = 2 + FULL_GAIN_TRIALS;
  *cg = 0;
  if (full->ny <= RT_HG_DENSE_MAX && 6.0 * solves * (double)full->ny * hvp <= budget)
    return full;
  /* Newton-CG: a solve from y0 takes some hundreds of products on a well-conditioned g */
  *cg = floor(budget / hvp);
  if (*cg >= 100) return full;
  *over = full; /* phi alone may fit (check_full_phi) */
  return NULL;
}

/* What the run saw of its lower loop, where its phi rose (check_full_phi): the loop lost
 * y*(x), blowing up or lagging x, when |grad_y g| peaked over ten times the start's (the
 * trace point's, the mean over the draws): at a trace point, or at any gradient step of the
 * method's own lower loop (s->lower_peak, one draw's), which sees a blow-up between two trace
 * points (BSA with its defaults on a minibatch hyper-representation: 0.24 at the start, 5.3 at
 * step 4, back to 0.79 at the trace point of step 10). A loop that converges, or hovers in a
 * minibatch's noise, stays near or below the start's. f's peak at the trace points with it
 * when it rose over the start's by more than |f| there. Into buf ("" when nothing of the kind
 * was seen); returns whether it was. */
static bool lower_blowup_seen(const Run *r, char *buf, size_t size) {
  const RtSolver *s = r->s;
  buf[0] = '\0';
  double peak = r->gy_peak;
  int64_t step = r->gy_peak_step;
  if (s->lower_peak > peak) peak = s->lower_peak, step = s->lower_peak_step;
  if (!(r->gy0 > 0) || !(peak > 10 * r->gy0) || step <= 0) return false;
  int n = snprintf(buf, size, "; the lower loop lost y*(x): its |grad_y g| peaked at %.3g (outer "
                   "step %lld), %.0f times the start's %.3g (a y_step too large for the "
                   "curvature x led to, or x moving faster than the loop follows)",
                   peak, (long long)step, peak / r->gy0, r->gy0);
  if (n > 0 && (size_t)n < size && isfinite(r->f0) && r->f_peak_step > 0 &&
      r->f_peak - r->f0 > fabs(r->f0))
    snprintf(buf + n, size - (size_t)n, ", and f rose to %.3g (step %lld) from the start's %.3g",
             r->f_peak, (long long)r->f_peak_step, r->f0);
  return true;
}

/* check_full_phi's share of the run's flops (or 2e8) for phi alone at the end and the start:
 * as much as the run itself */
#define FULL_PHI_SHARE 1.0

/* A stochastic run's end against its start where the full check (full_objective: phi and grad
 * phi at both ends and FULL_GAIN_TRIALS more phi solves) costs over its tenth of the run: phi
 * alone, f(x, y*(x)) on the full variant by Newton-CG with no solve for v (RtPhiAt.no_grad),
 * at the end and then at the start, within FULL_PHI_SHARE of the run's flops or 2e8 (the
 * Hessian-vector products on all the data; the start's phi is measured once, after the end's,
 * and only if the end's fit). That share, the run's own cost at most: the check runs only
 * where the full one cannot and a run may have made its x worse with no other word, which
 * costs the user more than a second run; phi alone is a small part of the full check (no v,
 * no gain trials, no dense Hessian).
 * aid_cg and bsa with their defaults on a minibatch hyper-representation (Fashion-MNIST, 1000
 * rows a level, batch(100), a 784 -> 32 tanh layer over a softmax head) blew up their lower
 * loop in the first steps and ended at phi = 2.308 (chance, ln 10) against the start's 1.036,
 * status 0, where the full check's 6 x 8 x 330 products on all the data (5.2e7 flops each)
 * were over its budget and the only word was the note that nothing checked x. Phi alone took
 * 108 to 190 products there (23% to 53% of the run's flops by the kernels' counts, which
 * overstate it: 0.05 to 0.14 s of 1.7 to 2.7 s runs), over a tenth, over half for aid_cg with
 * x_step 0.5 (110 at the end, 80 at the start). Warns when the end's phi is
 * above the start's by over a thousandth (the full check's rule for a rise), naming the lower
 * loop's blow-up where the trace shows it (lower_blowup_seen) and its cure; else a note with
 * both phis. Returns false when phi could not be had within the share (the caller's note
 * then). */
static bool check_full_phi(Run *r, double run, const BloProblem *full) {
  RtSolver *s = r->s;
  double left = floor(fmax(2e8, FULL_PHI_SHARE * run) /
                      fmax(full->kernel_flops[BLO_K_HVP_YY], 1.0));
  if (left < 20) return false;
  double t0 = rt_seconds();
  RtPhi pe = {0}, ps = {0};
  RtPhiAt at = {.x = s->x, .nonsmooth_op = r->cfg->nonsmooth_op, .dense_max = 1,
                .max_hvps = left, .no_grad = true};
  int rc = rt_phi_exact(full, &at, &pe);
  left -= (double)pe.hvps;
  if (rc == 0 && isfinite(pe.phi) && left >= 20) {
    at.x = r->x_start;
    at.max_hvps = left;
    rc = rt_phi_exact(full, &at, &ps);
  } else rc = -1;
  r->res->t_diag += rt_seconds() - t0;
  if (rc != 0 || !isfinite(ps.phi)) return false;
  char sets[256];
  sample_sets(s, sets, sizeof sets);
  if (!clearly_above(pe.phi, ps.phi)) {
    char note[1024];
    snprintf(note, sizeof note,
             "the full objective f(x, y*(x)) over all the data (the sample sets %s whole) went "
             "from %.7g at the start to %.7g at the end (phi alone, y*(x) by Newton-CG); nothing "
             "checked that the final x is near a minimiser: the exact hypergradient on all the "
             "data costs over a tenth of the run; measure a saved x with `bloc eval --what "
             "phi,grad_phi --x SAVED_X` on this program (eval's phi is over all the data)",
             sets, ps.phi, pe.phi);
    rt_run_note(r, note);
    return true;
  }
  /* the start is the better point: --keep best saves it where the best trace point (by the
   * draws' f) is the end or the start, or one between whose phi, measured within what is
   * left, is clearly above the start's */
  double pb = NAN;
  if (best_between(r) && left - (double)ps.hvps >= 20) {
    RtPhi b = {0};
    at.x = r->res->best_x;
    at.max_hvps = left - (double)ps.hvps;
    double t1 = rt_seconds();
    if (rt_phi_exact(full, &at, &b) == 0) pb = b.phi;
    r->res->t_diag += rt_seconds() - t1;
  }
  keep_start(r, ps.phi, pe.phi, pb);
  char seen[400], kept[320], cure[400];
  if (r->start_phi.kept) start_hint(r, kept, sizeof kept);
  else best_by_f(r, r->res->best_step >= 0 && r->res->best_step != r->res->steps, kept,
                 sizeof kept);
  bool ys = rt_method_option(s->opt.method, "y_step") != NULL;
  if (lower_blowup_seen(r, seen, sizeof seen))
    snprintf(cure, sizeof cure, "a smaller x_step, a smaller %s%s, or another method (bloc "
             "compare) keeps the lower loop with y*(x)", ys ? "y_step" : "lower step",
             s->ystep.on ? " (with y_step = auto, ystep_every = 1 estimates it before every "
                           "outer step)"
                         : ys ? " (stable below 2/L, L the lower Hessian's largest eigenvalue)"
                              : "");
  else
    snprintf(cure, sizeof cure, "a larger batch or meta_batch, a smaller y_step with more "
             "inner_steps, or a smaller x_step help");
  rt_solver_warn(s, "run.full_objective",
                 "the run ended where the full objective f(x, y*(x)) over all the data (the "
                 "sample sets %s whole) is %.7g, above the start's %.7g (phi alone, y*(x) by "
                 "Newton-CG; its gradient costs over a tenth of the run): x went uphill, and "
                 "the method's minibatch estimates (|d| = %.3g, f = %.6g) do not show it%s; "
                 "the start is the better answer; %s%s",
                 sets, pe.phi, ps.phi, s->hg_norm, r->dw.val.f, seen, cure, kept);
  return true;
}

/* Where exact descent on phi leads from the final x (where it is phi_end, its gradient grad):
 * spectral projected gradient steps on phi (Birgin, Martinez and Raydan's SPG: Barzilai-Borwein
 * lengths, the first as long as the path x took from the start, went; a step accepted when phi
 * falls below the largest of the last DESCENT_MEMORY accepted by an Armijo share, else cut by
 * four), y*(x) by rt_phi_exact, DESCENT_TRIALS evaluations at most. Out: how far the lowest
 * point it found is from x, *dist, and its phi, *phi_out (phi_end when none is lower). Descent
 * from a point goes towards the minimiser of its basin, so dist is about how far x is from
 * it (less where the trials run out), and *size is |x| there: a measure of x that the
 * gradient beside the start's does not give on an ill-conditioned phi or where a bound caps
 * the start's projected gradient. A monotone line search spent most of its trials cut back
 * on an ill-conditioned phi (condition 150: a third of the way in 24). Diagnostic solves; -1
 * when out of memory. */
#define DESCENT_TRIALS 24
#define DESCENT_MEMORY 10
static int descent_left(Run *r, const double *grad, double phi_end, double went, double *dist,
                        double *size, double *phi_out) {
  RtSolver *s = r->s;
  int64_t nx = s->nx;
  *dist = 0, *size = rt_nrm2(nx, s->x), *phi_out = phi_end;
  double gn = rt_nrm2(nx, grad);
  if (!(gn > 0)) return 0;
  double *buf = rt_mem_calloc((size_t)(6 * nx), sizeof(double));
  if (!buf) return -1;
  double *x = buf, *g = x + nx, *xt = g + nx, *gt = xt + nx, *st = gt + nx, *xb = st + nx;
  rt_copy(nx, s->x, x);
  rt_copy(nx, grad, g);
  rt_copy(nx, s->x, xb);
  double phi = phi_end, best = phi_end, last[DESCENT_MEMORY];
  double t = fmax(went, 1e-6 * fmax(1.0, rt_nrm2(nx, x))) / gn;
  int nlast = 1;
  last[0] = phi_end;
  for (int k = 0; k < DESCENT_TRIALS; k++) {
    rt_copy(nx, x, xt);
    rt_axpy(nx, -t, g, xt);
    rt_xstep_project(&s->xs, xt);
    rt_copy(nx, xt, st);
    rt_axpy(nx, -1.0, x, st); /* the step */
    double sn = rt_nrm2(nx, st), gs = rt_dot(nx, g, st), top = last[0];
    if (!(sn > 1e-12 * fmax(1.0, rt_nrm2(nx, x))) || !(gs < 0)) break; /* stationary */
    for (int i = 1; i < nlast; i++) top = fmax(top, last[i]);
    RtPhi pt = {0};
    RtPhiAt at = {.x = xt, .sharded = r->cfg->sharded, .grad = gt};
    if (rt_phi_exact(s->p, &at, &pt) != 0 || !isfinite(pt.phi) ||
        !(pt.phi <= top + 1e-4 * gs)) {
      t *= 0.25;
      continue;
    }
    /* Barzilai-Borwein: s's / s'(g_t - g), four times the last where that is not positive */
    rt_axpy(nx, -1.0, gt, g);
    double sy = -rt_dot(nx, st, g);
    t = sy > 0 ? sn * sn / sy : 4 * t;
    rt_copy(nx, xt, x);
    rt_copy(nx, gt, g);
    phi = pt.phi;
    last[nlast < DESCENT_MEMORY ? nlast++ : k % DESCENT_MEMORY] = phi;
    if (phi < best) {
      best = phi;
      rt_copy(nx, x, xb);
    }
  }
  *size = rt_nrm2(nx, xb);
  rt_axpy(nx, -1.0, s->x, xb);
  *dist = rt_nrm2(nx, xb), *phi_out = best;
  rt_mem_free(buf);
  return 0;
}

/* check_random_estimate's verdict where phi is cheap (BSA, TTSA; pe and ps are phi at the
 * final x and at the start, end and start their exact |grad phi| or projected gradient):
 * descent_left from the final x went dist to a point of phi phi_d and size |x|. The end's
 * gradient over 5% of the start's, the rule where only the gradient can be had, missed x
 * 18-47% off, status 0 and no word: BSA on Outrata's problem (phi of Hessian eigenvalues 0.23
 * and 34) ended at x = (0.30, 1.15) where x* = (-0.051, 2.041), |grad phi| 2.3% of the
 * start's, TTSA 26% off at 2.2%, and TTSA on Dempe's with x >= 0.5 at 0.5896 where x* = 0.5
 * (the bound), the start's projected gradient capped at 2.5 by its distance to the bound, the
 * end's 3.6%. Besides that rule, warns when x is over 5% of |x| from where descent goes and
 * phi falls there by over 1e-4 of what the run gained (42%, 26%, 18% of |x|; 1.1%, 0.38% and
 * 0.89% of the fall), or by over 1% of it (the stochastic check's rule), or when phi ended
 * above the start's. BSA and TTSA run long enough end 0.9-1.8% from x* on those problems
 * (the noise their step's floor leaves, phi 0.04-0.08% of the fall above x*), BSA on a
 * well-conditioned quadratic 1.2% (run_random_estimate_settled.blo): silent. */
static void random_descent_warn(Run *r, const RtPhi *pe, const RtPhi *ps, double end,
                                double start, double dist, double size, double phi_d) {
  RtSolver *s = r->s;
  double fall = ps->phi - pe->phi, left = pe->phi - phi_d;
  double floor = 1e-9 * fmax(f_unit(r), fmax(fabs(ps->phi), fabs(pe->phi)));
  bool steep = end > 0.05 * start && end > 1e-9 * fmax(f_unit(r), start);
  bool rose = -fall > fmax(floor, 1e-6 * fmax(fabs(ps->phi), fabs(pe->phi)));
  bool far = dist > 0.05 * size && left > 1e-4 * fall && left > floor;
  if (!steep && !rose && !far && !(left > 0.01 * fall && left > floor)) return;
  char up[400] = "", eh[640];
  if (rose)
    snprintf(up, sizeof up, ", and f(x, y*(x)) = %.7g, above the start's %.7g (x went uphill)",
             pe->phi, ps->phi);
  else if (left > floor)
    snprintf(up, sizeof up, ", and f(x, y*(x)) = %.7g (the run gained %.3g from the start's "
             "%.7g), which exact descent on it (projected gradient steps, y*(x) by Newton) "
             "lowers to %.7g at a point %.3g away, %.0f%% of |x| there (%.3g)",
             pe->phi, fall, ps->phi, phi_d, dist, 100 * dist / fmax(size, DBL_MIN), size);
  rt_solver_warn(s, "run.random_estimate",
                 "the run ended where the exact %s is %.3g, %.0f%% of the start's (%.3g)%s: x "
                 "is not at a minimiser, and the method's random estimate (|d| = %.3g, one "
                 "draw's) does not show it; more outer_steps help when f is still falling, "
                 "else a smaller x_step narrows the noise x hovers in; if it does not help, %s",
                 pe->projected ? "projected gradient |x - P(x - grad phi)|" : "|grad phi|", end,
                 100 * end / start, start, up, s->hg_norm, estimate_hint(r, eh, sizeof eh));
}

/* After a run of outer_steps steps on a random estimate (UFOM with q < 1, BSA, TTSA) of a
 * deterministic problem, whose |d| is one draw's and so says nothing of stationarity
 * (check_progress and check_estimate leave it out): the exact hypergradient the estimate
 * stands for, at the final x against the start. A biased or unsettled run ended far off with
 * status 0 and no word: BSA at x = 0.466 where x* = 1.001 (its 10 Neumann terms on a lower
 * Hessian of condition 1000), TTSA at 0.853; UFOM with x_decay = 0.6 48% from the unrolled
 * optimum, f still falling. Warns when the end's is over 5% of the start's; for BSA and TTSA
 * where phi is cheap, also by exact descent on phi from the final x (random_descent_warn).
 * Only where cheap (phi_cheap, or the unrolled loop twice within a tenth of the run's flops
 * or 2e8).
 * And after any run of outer_steps on a stochastic problem (sample sets), where every |d| and
 * f is a draw's: the same measure, |grad phi| of the full objective (the full variant,
 * full_objective), and phi itself, which must not end above the start's. BSA, TTSA, AID-CG
 * and stocBiO on ridge regression with batches of 50 of 600 rows ended, with their defaults,
 * at a phi above the start's (x 1.3 to 2.2 from x* = -1.06), status 0 and no word. */
static void check_random_estimate(Run *r) {
  RtSolver *s = r->s;
  const RtMethodSpec *m = s->opt.method;
  const RtResult *res = r->res;
  bool stoch = blo_problem_stochastic(s->p);
  if (res->stop != RT_STOP_STEPS || res->steps == 0 ||
      (!stoch && !rt_method_random_estimate(&s->opt)) || !r->cfg->check_estimate ||
      r->cfg->x0_given)
    return;
  double run = run_flops(r), cg_hvps = 0;
  const BloProblem *full = NULL, *over = NULL;
  if (stoch) {
    /* MAML (an unrolled loop from x: y is each task's own, not y*(x)) and sharded data (the
     * variant is not split) are left out, as are runs nobody can give a variant to */
    if ((m->unrolled && s->p->init_uses_x) || r->cfg->sharded || !r->cfg->full_problem)
      return;
    if (!(full = full_objective(r, run, &cg_hvps, &over))) {
      if (over && !check_full_phi(r, run, over))
        full_note(r, true, "its exact hypergradient on all the data costs over a tenth of the "
                  "run");
      return;
    }
  } else if (m->unrolled) {
    const RtUnroll *u = s->state;
    const double *fl = job_flops(r);
    double per = fl[BLO_K_GRAD_Y_G] + fl[BLO_K_HVP_YY] + fl[BLO_K_HVP_XY];
    double replay = u->mode == RT_UNROLL_RECOMPUTE ? 0.5 * u->r : 1.0;
    if (2.0 * u->r * (1.0 + replay) * per > fmax(2e8, 0.1 * run)) return;
  } else if (!phi_cheap(r, run, 2)) {
    /* over the dense check's budget: by CG, a tenth of the run's flops or 2e8 shared by two
     * measures of up to 9 solves each (BSA on 2001 lower variables ended 72% from x*, status 0
     * and no word) */
    double steps = fmin(2.0 * (double)s->ny, floor(check_products(r, run, 0.1) / 18));
    if (steps < 10) return;
    r->cg_steps = (int)steps;
  }
  /* phi itself where it is cheap: where exact descent on it leads from the final x */
  bool descent = !full && !m->unrolled && r->cg_steps == 0 &&
                 phi_cheap(r, run, 2 + DESCENT_TRIALS);
  double t0 = rt_seconds(), went = moved_from_start(r), dist = 0, size = 0, phi_d = NAN;
  double end, start, gain = 0;
  RtPhi pe = {0}, ps = {0};
  char why_e[768] = "", why_s[768] = "";
  if (full) {
    double *grad = rt_mem_calloc((size_t)(s->nx + full->ny), sizeof(double));
    if (!grad) return; /* a check left out, not a failure of the run */
    FullCg cg = {.left = cg_hvps, .ystar = grad + s->nx}, *by_cg = cg_hvps > 0 ? &cg : NULL;
    RtPhiAt at = {.x = s->x, .nonsmooth_op = r->cfg->nonsmooth_op, .grad = grad,
                  .ystar = grad + s->nx};
    end = full_phi(full, &at, &pe, by_cg) == 0 ? pe.grad_norm : NAN;
    at.x = r->x_start;
    at.grad = at.ystar = NULL;
    start = !pe.over_budget && full_phi(full, &at, &ps, by_cg) == 0 ? ps.grad_norm : NAN;
    if (isfinite(end) && isfinite(start))
      gain = full_gain(r, full, grad, pe.phi, moved_from_start(r), by_cg);
    rt_mem_free(grad);
    if (pe.over_budget || ps.over_budget) {
      r->res->t_diag += rt_seconds() - t0;
      if (!check_full_phi(r, run, full))
        full_note(r, true, "its Newton-CG solves on all the data took more than a tenth of the "
                  "run");
      return;
    }
  } else if (descent) {
    double *grad = rt_mem_calloc((size_t)s->nx, sizeof(double));
    if (!grad) return; /* a check left out, not a failure of the run */
    /* from y0, and from the run's own y at either end where g is not convex on the way */
    RtPhiAt at = {.x = s->x, .sharded = r->cfg->sharded, .grad = grad, .y_retry = s->y};
    end = rt_phi_exact(s->p, &at, &pe) == 0 && isfinite(pe.phi) ? pe.grad_norm : NAN;
    at.x = r->x_start;
    at.grad = NULL;
    at.y_retry = start_retry(r);
    start = isfinite(end) && rt_phi_exact(s->p, &at, &ps) == 0 && isfinite(ps.phi)
                ? ps.grad_norm
                : NAN;
    snprintf(why_e, sizeof why_e, "%s", isfinite(end) ? "" : pe.why);
    snprintf(why_s, sizeof why_s, "%s", isfinite(start) || !isfinite(end) ? "" : ps.why);
    if (isfinite(end) && isfinite(start) &&
        descent_left(r, grad, pe.phi, went, &dist, &size, &phi_d) != 0)
      end = NAN;
    rt_mem_free(grad);
  } else {
    double *g = rt_mem_calloc((size_t)s->nx, sizeof(double));
    if (!g) return; /* a check left out, not a failure of the run */
    end = random_target(r, s->x, g, why_e, sizeof why_e);
    start = isfinite(end) ? random_target(r, r->x_start, g, why_s, sizeof why_s) : NAN;
    rt_mem_free(g);
  }
  r->res->t_diag += rt_seconds() - t0;
  const char *what = !s->xs.constrained ? m->unrolled && !full ? "|gradient|" : "|grad phi|"
                     : m->unrolled && !full ? "projected gradient |x - P(x - gradient)|"
                                            : "projected gradient |x - P(x - grad phi)|";
  if (why_e[0] || why_s[0]) {
    random_not_checked(r, what, end, why_e, why_s);
    return;
  }
  if (descent) {
    if (isfinite(end) && isfinite(start) && start > 0)
      random_descent_warn(r, &pe, &ps, end, start, dist, size, phi_d);
    return;
  }
  /* uphill: phi at the end above the start's beyond the noise a minibatch run hovers in, a
   * thousandth of phi (a run started near x* ended 5e-5 above it; the silent ridge runs ended
   * 0.4% to 1.6% above theirs) */
  bool rose = full && isfinite(end) && isfinite(start) &&
              pe.phi - ps.phi > 1e-3 * fmax(fabs(ps.phi), fabs(pe.phi));
  /* a start already stationary (at x*, 0) measures nothing: "the start's (0)". A minibatch
   * run ends where its last draws left it: 25% of the start's (on a quadratic phi, 6% of the
   * way down left), since runs with settings that converge end at 6-21% (stocBiO on the ridge
   * above with y_step 0.01, inner_steps 50: x -0.79 to -1.16), and 5% warned of those */
  double share = full ? 0.25 : 0.05;
  if (!rose &&
      (!(start > 0) || !(end > share * start) || !(end > 1e-9 * fmax(f_unit(r), start))))
    return;
  /* The gradient beside the start's misjudges a start on a plateau of phi (ridge's
   * exp(lambda) at lambda = 5: runs 99.75% and 99.99% of the way down ended at 171% and 27%
   * of it, both warned): what is left to gain along -grad phi from x (full_gain) against what
   * the run gained, or, where phi barely moved, against a thousandth of phi. More than 1% of
   * the fall left (bsa there: 28%, f2sa 2.2%) is far from a minimiser. */
  double fall = ps.phi - pe.phi;
  if (full && !rose && !(gain > fmax(0.01 * fall, 1e-3 * fmax(fabs(ps.phi), fabs(pe.phi)))))
    return;
  char hint[800], eh[640], sets[256];
  if (full) {
    char up[200] = "", decay[96] = "";
    if (decay_hint(s)) snprintf(decay, sizeof decay, "; %s", decay_hint(s));
    if (rose)
      snprintf(up, sizeof up, "phi = %.7g, above the start's %.7g (x went uphill), and ", pe.phi,
               ps.phi);
    else
      snprintf(up, sizeof up, "phi = %.7g, which falls by %.3g more along -grad phi (the run "
               "gained %.3g from the start's %.7g), and ", pe.phi, gain, fall, ps.phi);
    rt_solver_warn(s, "run.full_objective",
                   "the run ended where the full objective f(x, y*(x)) over all the data (the "
                   "sample sets %s whole) has %s%s = %.3g, %.0f%% of the start's (%.3g): x is "
                   "far from a minimiser, and the method's minibatch estimates (|d| = %.3g, f = "
                   "%.6g) do not show it; the noise of the draws biases where x ends: a larger "
                   "batch or meta_batch, a smaller y_step with more inner_steps, or a smaller "
                   "x_step help%s; `bloc eval --what phi,grad_phi --x SAVED_X` measures a saved "
                   "x over all the data",
                   sample_sets(s, sets, sizeof sets), up, what, end, 100 * end / start, start,
                   s->hg_norm, r->dw.val.f, decay);
    return;
  }
  if (m->unrolled)
    snprintf(hint, sizeof hint, "%sq = 1 draws the exact unrolled hypergradient every step",
             s->x_decay == 0 ? "a decaying step (x_decay > 0, e.g. 0.6) lets x settle; " : "");
  else /* BSA's step stops shrinking at 0.01 x_step: the noise it hovers in stays */
    snprintf(hint, sizeof hint, "a smaller x_step narrows the noise x hovers in; if it does not "
             "help, %s", estimate_hint(r, eh, sizeof eh));
  rt_solver_warn(s, "run.random_estimate",
                 "the run ended where the exact %s %sis %.3g, %.0f%% of the start's (%.3g): x "
                 "is not stationary, and the method's random estimate (|d| = %.3g, one draw's) "
                 "does not show it; more outer_steps help when f is still falling, else %s",
                 what, m->unrolled ? "of the unrolled problem (f after r inner steps) " : "",
                 end, 100 * end / start, start, s->hg_norm, hint);
}

/* Where x never moved (check_unmoved), what the start is, by phi there and a step h = 1e-3
 * max(1, |x_i|) either way along each coordinate: lower somewhere by over 1e-9 of max(|phi|,
 * f_unit), a stationary point that is no minimum (a maximum or a saddle); higher everywhere, a
 * minimum along the coordinates; else nothing is said (false). Only for unconstrained x of at
 * most 8 numbers, where 1 + 2 nx dense solves fit the end checks' budget. phi = -x^2 started at
 * its maximum x = 0 (d exactly 0 there) was told "flat there ... or the start is its minimum". */
static bool unmoved_kind(Run *r, char *buf, size_t len) {
  RtSolver *s = r->s;
  int64_t nx = s->nx;
  if (nx > 8 || s->xs.constrained || !phi_cheap(r, run_flops(r), (int)(1 + 2 * nx))) return false;
  double t0 = rt_seconds(), xp[8];
  RtPhi p0, p;
  RtPhiAt at = {.x = s->x, .sharded = r->cfg->sharded};
  bool said = false;
  if (rt_phi_exact(s->p, &at, &p0) == 0 && isfinite(p0.phi)) {
    double tol = 1e-9 * fmax(fabs(p0.phi), f_unit(r));
    int up = 0, low_i = -1;
    double low = p0.phi;
    for (int64_t i = 0; i < nx; i++)
      for (int side = -1; side <= 1; side += 2) {
        for (int64_t j = 0; j < nx; j++) xp[j] = s->x[j];
        xp[i] += side * 1e-3 * fmax(1.0, fabs(s->x[i]));
        at.x = xp;
        if (rt_phi_exact(s->p, &at, &p) != 0 || !isfinite(p.phi)) continue;
        if (p.phi > p0.phi + tol) up++;
        else if (p.phi < low - tol) low = p.phi, low_i = (int)i;
      }
    if (low_i >= 0) {
      snprintf(buf, len, "the start is a stationary point of f(x, y*(x)) but no minimum (a "
               "maximum or a saddle): f(x, y*(x)) is %.6g there and %.6g a step of 1e-3 along "
               "x[%d]; start x elsewhere (--init-x, or another initial value)",
               p0.phi + 0.0, low, low_i);
      said = true;
    } else if (up == 2 * nx) {
      snprintf(buf, len, "f(x, y*(x)) rises a step of 1e-3 either way along every coordinate, "
               "so the start is (locally) its minimum: nothing was left to do");
      said = true;
    }
  }
  r->res->t_diag += rt_seconds() - t0;
  return said;
}

/* x never moved from the start, every step's |d| at rounding size beside f: ridge regression
 * with the penalty exp(lambda) started at lambda = 40 (or 700) ended where it began, |d| 1e-17
 * (or 0), status 0 and no word: exp(lambda) swamps the data there, y*(x) ~ 0 and f(x, y*(x))
 * is flat. The start may also be the minimum; either way the user is told that nothing moved. */
static void check_unmoved(Run *r) {
  RtSolver *s = r->s;
  const RtResult *res = r->res;
  if ((res->stop != RT_STOP_STEPS && res->stop != RT_STOP_TOL) || res->steps < 2 ||
      !(s->x_step > 0) || res->n_recoveries > 0 || blo_problem_stochastic(s->p) ||
      rt_method_random_estimate(&s->opt) || /* a warning said why already */
      s->nwarn > r->cfg->nprogram_warnings)
    return;
  double f = r->dw.val.f;
  /* the estimate itself, not only its projected step: x at a bound that is the constrained
   * optimum has a projected step of 0 and an estimate of (1, 1), and was told f is flat */
  if (!(moved_from_start(r) <= 1e-12 * fmax(1.0, rt_nrm2(s->nx, r->x_start))) || !isfinite(f) ||
      !(r->hg_steps_max <= 1e-12 * fmax(1.0, fabs(f))) ||
      !(rt_nrm2(s->nx, s->d) <= 1e-12 * fmax(1.0, fabs(f))))
    return;
  char dn[64] = "was 0 at every step";
  if (r->hg_steps_max > 0)
    snprintf(dn, sizeof dn, "stayed at or below %.3g, rounding beside f = %.6g", r->hg_steps_max,
             f);
  char kind[320];
  if (unmoved_kind(r, kind, sizeof kind)) {
    rt_solver_warn(s, "run.x_unmoved", "x did not move from the start in %lld steps: |d| %s; %s",
                   (long long)res->steps, dn, kind);
    return;
  }
  rt_solver_warn(s, "run.x_unmoved",
                 "x did not move from the start in %lld steps: |d| %s, so f(x, y*(x)) is flat "
                 "there (such as where exp of x swamps the data or underflows) or the start is "
                 "its minimum; if it is not the minimum you want, start x elsewhere",
                 (long long)res->steps, dn);
}

/* A run on a deterministic estimate that ends where its estimate is exactly 0, or negligible
 * beside the estimates the run saw (at most 1e-12 of their largest, seen_scale), while f there
 * is above the least f it had seen (the start's and each step's, r->f_low): no stationary
 * point it reached (a landing on one has f at its lowest) but one where the estimate
 * vanishes, as where an exp(x) underflows: x was thrown there, or drifted. The surge test
 * catches a throw whose collapse follows it; this is the end's word for any other way there.
 * SOBA on smoothed TV with log-weights, thrown over two steps before the surge test followed a
 * throw past its first step, ended at phi 1.99 (0.536 at the optimum, 0.59 seen) with status 0
 * and no word. Exact on 1 - exp(-20 y^2) with x_step = 2 from x = 0.05 landed at -3.75, where
 * |d| = 5.1e-121 (1.9 at the first step), and ended at f = 1 against the start's 0.049, status
 * 0 and no word: |d| exactly 0 alone was taken as vanished, and check_progress took 5.1e-121
 * for convergence. A converged run's |d| falls by as many orders; phi at the end against phi
 * where the least f was seen tells them apart, as below.
 * Above by over 1e-3 of f: the least f seen is f(x, y) at a step whose y lagged, which can
 * lie below phi* (HJFBiO on ridge regression, converged to 1e-9 in x with its estimate
 * rounding to exactly 0, had seen 1.4e-6 below phi* = 0.1706134 and was told it drifted). */
static void check_vanished(Run *r) {
  RtSolver *s = r->s;
  const RtResult *res = r->res;
  double f = r->dw.val.f, dn = rt_nrm2(s->nx, s->d), seen = seen_scale(r);
  /* told of it already, with the same cure (check_phi_rose: phi at both ends, flat there),
   * or with the lower loop's: y on a plateau of g, where f's estimate vanishes with it (the
   * emitted lancbio of run_lower_left_plateau.blo was told "a smaller x_step" too) */
  /* or where the exact check measured a |grad phi| the estimate missed (run.estimate): phi is
   * not flat there, the estimate is off (stocBiO's truncated Neumann series on a pinned
   * softmax, |d| 3e-17 against |grad phi| 0.0221, was told of a flat phi and x_step too) */
  if (r->phi_rose_flat || r->lower_left || r->estimate_missed ||
      (res->stop != RT_STOP_STEPS && res->stop != RT_STOP_TOL) || res->steps < 1 ||
      blo_problem_stochastic(s->p) || rt_method_random_estimate(&s->opt) ||
      !vanished(r, dn) || !isfinite(f) || !isfinite(r->f_low) ||
      !(f > r->f_low + 1e-6 * fmax(1.0, fabs(r->f_low))))
    return;
  /* a step's f is taken at its y, which can lag and put it below phi* (0.6% below on a ridge
   * regression whose HJFBiO run converged to x* within 5e-12 with its estimate rounding to 0
   * there, and was told it drifted): phi itself at the end and where f_low was seen decides,
   * where the end checks can afford it; else only a fall of over a tenth counts */
  RtPhi pe, pl;
  double run = run_flops(r), left = NAN;
  bool at_start = memcmp(r->x_low, r->x_start, (size_t)s->nx * sizeof(double)) == 0;
  bool unmoved =
      at_start && moved_from_start(r) <= 1e-9 * fmax(1.0, rt_nrm2(s->nx, r->x_start));
  if (end_phi(r, run, s->x, &left, &pe, false) == 0 &&
      end_phi(r, run, r->x_low, &left, &pl, false) == 0) {
    /* x never left the start: phi is the same at both ends, and an f off it at the end is the
     * lower iterate's (an entropic-OT dual's y moved along its exp-underflow plateau: f 0.120
     * at the end, 0.0663 at y0, phi 0.0122 at both; once phi was measurable there, this
     * returned with no word) */
    if (unmoved && fabs(f - pe.phi) > 1e-6 * fmax(fabs(f), fabs(pe.phi))) goto lower;
    if (!(pe.phi > pl.phi + 1e-6 * fmax(fabs(pe.phi), fabs(pl.phi)))) return;
    RtPhi pb = {.phi = NAN};
    if (at_start && best_between(r) && end_phi(r, run, r->res->best_x, &left, &pb, false) != 0)
      pb.phi = NAN;
    if (isfinite(pb.phi)) best_phi_measured(r, pb.phi, pe.phi);
    if (at_start) keep_start(r, pl.phi, pe.phi, pb.phi);
  } else if (dn != 0 || !(f > r->f_low + 0.1 * fmax(fabs(f), fabs(r->f_low)))) {
    /* a tiny |d| without phi to judge by: small, not exactly 0, it is what a converged run
     * shows too, and where phi cannot be measured (a kinked g under allow_nonsmooth: the
     * Lasso of run_nonsmooth_where_allowed, whose |d| fell to 1e-15 at its kinked answer)
     * an f above a lagging one is no evidence of a flat region */
    return;
  }
lower:;
  char best[320];
  best_by_f(r, res->best_step >= 0 && res->best_step != res->steps, best, sizeof best);
  /* the start made the best by phi (keep_start): its trace f, at y0, can be the end's */
  if (r->start_phi.kept) start_hint(r, best, sizeof best);
  /* the best trace point set aside for the end (best_not_above_end): none is better to save,
   * and a hint to save one misled (HJFBiO on kernel ridge regression: "--keep best saves the
   * best trace point, step 20 (f 0.441067)", the end's f). An emitted solver (cfg->who) has
   * no --init-x (its library's params.x0) */
  else if (r->best_passed.step > 0)
    snprintf(best, sizeof best,
             "; no trace point has f below the end's (step %lld, of least |hypergradient| "
             "%.3g, has f %.6g), so %s saves the end's point: run again from the start, or "
             "from a better x%s",
             (long long)r->best_passed.step, r->best_passed.hg, r->best_passed.f,
             keep_best(r), init_x_hint(r));
  char low[32] = "";
  if (at_start) snprintf(low, sizeof low, ", the start's");
  /* x never left the start (6e-13 from it): f rose because the lower iterate moved, not x
   * (10 inner steps of y_step 0.001 on an entropic-OT dual's exp-underflow plateau were told
   * "a smaller x_step keeps it from there"); the cure is the lower loop's */
  if (unmoved) {
    rt_solver_warn(s, "run.estimate_vanished",
                   "the run ended where the hypergradient estimate is %s%.3g while f = %.6g "
                   "is above the least f the run had seen (%.6g, the start's), and x never "
                   "left the start (by 1e-9 of its size): f rose because the lower iterate "
                   "moved, to where the estimate vanishes (as where an exp underflows in g), "
                   "not x; the cure is the lower loop's: a smaller y_step, more inner_steps, or "
                   "a y0 nearer y*(x)%s",
                   dn == 0 ? "exactly " : "|d| = ", dn, f, r->f_low, best);
    return;
  }
  if (dn == 0) {
    rt_solver_warn(s, "run.estimate_vanished",
                   "the run ended where the hypergradient estimate is exactly 0 while f = %.6g "
                   "is above the least f the run had seen (%.6g%s): x was thrown or drifted to "
                   "where the estimate vanishes (as where an exp(x) underflows), not to a "
                   "stationary point; a smaller x_step keeps it from there%s",
                   f, r->f_low, low, best);
    return;
  }
  rt_solver_warn(s, "run.estimate_vanished",
                 "the run ended where the hypergradient estimate is |d| = %.3g, %.2g of the "
                 "largest it had seen (%.3g), while f = %.6g is above the least f the run had "
                 "seen (%.6g%s): |d| is that small because f(x, y*(x)) is flat there (as where "
                 "an exp(x) underflows), not because x reached a stationary point; x was thrown "
                 "or drifted there; a smaller x_step keeps it from there, or start from a "
                 "better x%s%s",
                 dn, dn / seen, seen, f, r->f_low, low, init_x_hint(r), best);
}

/* A run whose last step failed and recovered (on_divergence = halve) ends on the iterate the
 * recovery went back to, its outer_steps spent (the failed steps count against them): exact
 * whose one step failed ended on the start after "0 outer steps", status 0, and only the
 * recovery's own warning told that no step had been kept; with 19 steps, on the start's x
 * after "18 outer steps". Status 0 as documented (a recovery is no failure; the budget is the
 * user's), with a warning that says what the result is and how to go on. */
static void check_ended_on_recovery(Run *r) {
  const RtResult *res = r->res;
  if (res->stop != RT_STOP_STEPS || res->n_recoveries == 0) return;
  const RtRecovery *rc = &res->recoveries[res->n_recoveries - 1];
  if (rc->step < r->K) return;
  char ys[48] = "";
  if (rc->y_step == rc->y_step) /* an unrolled method's y_step is its inner_lr */
    snprintf(ys, sizeof ys, " and %s = %g", r->s->opt.method->unrolled ? "inner_lr" : "y_step",
             rc->y_step);
  rt_solver_warn(r->s, "run.ended_on_recovery",
                 "the last outer step (%lld) failed, and the run went back to the iterate of "
                 "step %lld with x_step = %g%s: it ends there, its outer_steps spent, with no "
                 "step taken with the smaller steps, and its result is that iterate's; more "
                 "outer_steps (or --init-x from the saved x) go on from there",
                 (long long)rc->step, (long long)rc->from_step, rc->x_step, ys);
}

/* A run stopped by tol whose |d| at the stop was not below a tenth of the largest |d| of its
 * steps: tol is absolute (a bound on |d|, in f's units per unit of x, and on |grad_y g|, in g's
 * per unit of y), and this run's |d| began below it, or near, so the stop says nothing of
 * convergence. AID-CG, LancBiO and exact on a quadratic with f in units of 1e-9 (tol = 1e-6,
 * |d| = 5e-10 at the start) stopped after 2 steps at x0 = 0 (x* = 1.43), status 0 and no
 * word; in base units the same tol stopped after 33 steps at x* (run_tol_early.blo). A run
 * that converged brings |d| down by orders (exact's one Newton-like step: 1e-10 of it). */
static void check_tol_early(Run *r) {
  RtSolver *s = r->s;
  const RtResult *res = r->res;
  double hg = s->hg_norm, top = r->hg_run_max;
  if (res->stop != RT_STOP_TOL || !(top > 0) || !(hg >= 0.1 * top)) return;
  rt_solver_warn(s, "run.tol_early",
                 "the run stopped by tol after %lld outer steps with |hypergradient| = %.3g, "
                 "not below a tenth of the largest its steps had seen (%.3g), x %.3g from the "
                 "start: tol = %g is absolute (|d| in f's units per unit of x), and |d| was "
                 "below it, or near, from the start, so the stop says nothing of convergence "
                 "(unless x0 was already stationary); rescale f so that its gradient is of "
                 "order 1 (x_step acts in f's units too), or give a tol sized from the |d| "
                 "measured, such as tol = %.3g (1e-6 of that largest)",
                 (long long)res->steps, hg, top, moved_from_start(r), s->tol, 1e-6 * top);
}

/* A best trace point between the start and the end at which nothing measured phi (best_vs_end
 * over its budget, or not run), whose |grad_y g| was over twice the end's: its |d|, the least,
 * was an estimate taken with y farther from y*(x) than the end's, and may be off by more. The
 * hint to keep it says so, and under --keep best, where no hint did, a note: the point is
 * saved as asked, but not as one known better. Implicit methods on a deterministic estimate
 * (exact's y is y*(x); an unrolled method's estimate is exact for its own objective). */
static void best_unmeasured(Run *r) {
  const RtSolver *s = r->s;
  const RtResult *res = r->res;
  double gy = r->dw.val.gy_norm, gb = res->best_grad_y_g_norm, g = r->dw.val.g;
  if ((res->stop != RT_STOP_STEPS && res->stop != RT_STOP_TOL) || !best_between(r) ||
      r->best_by_f || !isnan(r->best_phi.phi) || s->opt.method->unrolled ||
      rt_method_newton_lower(s->opt.method) || blo_problem_stochastic(s->p) ||
      rt_method_random_estimate(&s->opt) || !isfinite(gy) || !(gb > 2 * gy) ||
      !(gb > 1e-6 * fmax(1.0, isfinite(g) ? fabs(g) : 0)))
    return;
#define UNMEASURED_WHY                                                                      \
  "its estimate was taken with y farther from y*(x) than the end's (|grad_y g| %.3g there, "  \
  "%.3g at the end) and may be off by more, and nothing measured f(x, y*(x)) there: compare " \
  "it with the end's (bloc eval --what phi --x SAVED_X) before keeping it"
  if (r->nc.on && r->nc.best[0] && r->best_lagged.step < 0) {
    snprintf(r->nc.best, sizeof r->nc.best,
             "; %s saves the trace point of least |hypergradient| (step %lld, %.3g), but "
             UNMEASURED_WHY, keep_best(r), (long long)res->best_step, res->best_hypergrad_norm,
             gb, gy);
    return;
  }
  if (r->cfg->keep != RT_KEEP_BEST) return;
  char note[640];
  snprintf(note, sizeof note, "%s saves the trace point of least |hypergradient| (step %lld, "
           "%.3g), but " UNMEASURED_WHY, keep_best(r), (long long)res->best_step,
           res->best_hypergrad_norm, gb, gy);
#undef UNMEASURED_WHY
  rt_run_note(r, note);
}

RT_API void rt_run_checks(Run *r) {
  check_ended_on_recovery(r);
  check_unrolled_rose(r); /* before check_progress, which it silences */
  if (!check_progress(r)) {
    check_drift(r);
    check_creep(r);
  }
  check_tol_early(r);
  check_settled(r);
  check_blew_up_stoch(r);
  check_neumann_bias(r);
  if (!check_lower_left(r)) check_lower_min(r); /* not convex along a plateau: told why */
  check_estimate(r);
  check_random_estimate(r);
  check_unrolled_lag(r);
  check_vanished(r);
  check_unmoved(r); /* last: only where no other check said why */
  best_unmeasured(r);
  nc_finish(r);
}
