/* rt_exact.c — the exact hypergradient, ground truth for small ny: the lower level is solved by
 * Newton's method (dense Hessian from ny HVPs with unit vectors, Cholesky, backtracking on g)
 * until |grad_y g| < y_tol, then A v = b is solved densely and x steps along grad_x f - J v.
 * When the Hessian is not positive definite, Cholesky fails and a symmetric eigendecomposition
 * takes over (|eigenvalues| for the Newton direction, the exact inverse for v) with a warning.
 * Where it drops a singular Hessian's null directions and grad_y g has a part along them (g
 * flat there: an exp that underflows), a step along that part, lengthened while g falls, leaves
 * the flat region (null_step).
 * Memory: ny^2 + O(ny) doubles; refuses ny > max_ny (4000: a 128 MB Hessian). */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rt_hypergrad.h"
#include "rt_linalg.h"
#include "rt_solver.h"
#include "rt_mem.h"

typedef struct Ex {
  double y_tol;  /* as given; the solves stop below tol(E) */
  double gstart; /* |grad_y g| where the first solve began (0: none yet) */
  int max_inner;
  double *H, *diag, *sc, *w, *work, *tmp, *e, *dy, *yt, *gyt;
  /* Newton's last solve: grad_y g's part along the directions it dropped (the Hessian's
   * eigenvalues at most 1e-14 of the largest), its norm, and that largest eigenvalue */
  double *gnull, gnull_norm, null_wmax;
  /* y where the solve began and before its last step, and the lowest point a probe found */
  double *ysolve, *ylast, *ylow;
  bool null_unbounded; /* this solve found g falling without end along such a part, or along
                          the eigenvector of a clearly negative eigenvalue (neg_unbounded) */
  double unb_w0, unb_wmax; /* and the eigenvalues of the Hessian it found so at */
  bool h_finite;       /* the last Hessian built is finite (none of those steps on one not) */
  /* singular Hessians (none negative) met on Newton's way, told once the solve ends short of
   * y_tol (flush_flat): Newton steps out of a flat region along its gradient, and "y*(x) is
   * not unique" was said of a g strictly convex at y*(x) (entropic OT from y0 = 0) */
  int flat_pending;
  int64_t flat_k, flat_nnull;
  double flat_w0, flat_wmax;
  const double *hy; /* the y the last Hessian was built at (warn_singular's flat variables) */
  /* this solve's Hessians counted as not positive definite: RtSolver.lower_indef_w0, _k */
  double indef_w0;
  int64_t indef_k;
  int64_t lwork;
  int st_newton, st_indef, st_lower_gnorm;
  bool indef_step; /* this step's solves met a Hessian that is not positive definite */
  bool unsolved;   /* and its Newton solve stopped short of y_tol (ex_blew_up) */
  bool stalled; /* the last Newton solve stopped at the rounding floor, above y_tol */
  bool degenerate; /* and it converged only linearly to a vanishing Hessian (rt_linear_rate) */
  bool warned_degenerate;
  double yerr;   /* then how far its y may be from y*(x) */
  double hnorm;  /* the last Hessian built: its largest absolute row sum */
  double hmax;   /* the largest hnorm of the run's solves */
  /* The last solve's Hessian as the dense solves see it, scaled by its diagonal: its
   * condition number (NaN: not yet known), and whether H's strict upper triangle and diag
   * still hold it (Cholesky solved it), for rt_exact_scaled_cond to find it then */
  double cond_s;
  bool h_kept;
  bool h_eig; /* the last solve's eigendecomposition: eigenvectors in H's rows, values in w */
} Ex;

/* The tolerance the Newton solves stop below: y_tol, scaled down to grad_y g's own size where
 * that is under 1 (|grad_y g| at the first solve's start). An absolute 1e-10 was no tolerance
 * on a problem of size 1e-8: x was 7.3e-5 from x* with status 0 (1.9e-7 at 1e-6). */
static double tol(const Ex *E) {
  return E->gstart > 0 ? E->y_tol * fmin(1.0, E->gstart) : E->y_tol;
}

/* y_step and inner_steps are not exact's (rt_method_unused_option): setting them is refused
 * when the options are set (rt_options_set_num). */
static int ex_setup(RtSolver *s, char *err, size_t errlen) {
  int64_t ny = s->ny, max_ny = (int64_t)rt_solver_num(s, "max_ny");
  if (ny > max_ny) {
    snprintf(
        err, errlen,
        "method 'exact' builds a dense %lld x %lld lower Hessian (%.0f MB); ny = %lld "
        "exceeds max_ny = %lld (raise max_ny, or use an iterative method such as lancbio or "
        "aid_cg)",
        (long long)ny, (long long)ny, (double)ny * (double)ny * 8 / 1e6, (long long)ny,
        (long long)max_ny);
    return -1;
  }
  Ex *E = rt_solver_mem(s, sizeof *E);
  if (!E) goto oom;
  s->state = E;
  E->cond_s = NAN;
  E->y_tol = rt_solver_num(s, "y_tol");
  E->max_inner = (int)rt_solver_num(s, "max_inner");
  E->lwork = rt_sym_eig_lwork(ny);
  if (!(E->H = rt_solver_vec(s, ny * ny)) || !(E->diag = rt_solver_vec(s, ny)) ||
      !(E->sc = rt_solver_vec(s, ny)) ||
      !(E->w = rt_solver_vec(s, ny)) || !(E->work = rt_solver_vec(s, E->lwork)) ||
      !(E->tmp = rt_solver_vec(s, ny)) || !(E->e = rt_solver_vec(s, ny)) ||
      !(E->dy = rt_solver_vec(s, ny)) || !(E->yt = rt_solver_vec(s, ny)) ||
      !(E->gyt = rt_solver_vec(s, ny)) || !(E->gnull = rt_solver_vec(s, ny)) ||
      !(E->ysolve = rt_solver_vec(s, ny)) || !(E->ylast = rt_solver_vec(s, ny)) ||
      !(E->ylow = rt_solver_vec(s, ny)))
    goto oom;
  E->st_newton = rt_solver_stat(s, "newton_steps");
  E->st_indef = rt_solver_stat(s, "indefinite_hessians");
  E->st_lower_gnorm = rt_solver_stat(s, "lower_grad_norm");
  return 0;
oom:
  rt_oom_errf(err, errlen, "out of memory for the dense %lld x %lld Hessian", (long long)ny,
              (long long)ny);
  return -1;
}

/* H = the symmetrised Hessian at (x, y), one draw for all columns; diag keeps its diagonal. */
static void build_hessian(RtSolver *s, Ex *E, const double *y) {
  int64_t n = s->ny;
  rt_dense_hessian(&s->o, rt_oracle_draw(&s->o), s->x, y, E->H, E->e);
  E->hy = y;
  E->hnorm = 0;
  for (int64_t i = 0; i < n; i++) {
    E->diag[i] = E->H[i * n + i];
    double row = 0;
    for (int64_t j = 0; j < n; j++) row += fabs(E->H[i * n + j]);
    E->hnorm = fmax(E->hnorm, row);
  }
  E->hmax = fmax(E->hmax, E->hnorm);
  E->h_finite = rt_all_finite(n * n, E->H);
}

/* Whether H, once Jacobi-scaled (S H S, unit diagonal), is positive definite to ten ulps:
 * then (1) rhs <- S (S H S)^{-1} S rhs, through its eigendecomposition, which overwrites H.
 * H's strict upper triangle and diag are intact before, and after when it is not (0). A
 * variable in other units (ridge with a feature times 3e7, eigenvalues 1.006 to 9.8e14) is
 * within ten ulps of the largest eigenvalue unscaled, and Newton dropped its directions as a
 * singular H's; scaled, its eigenvalues are 0.1 to 2. -1: the eigendecomposition with vectors
 * failed after the one without had passed, H lost. */
static int solve_scaled(int64_t n, Ex *E, double *rhs) {
  RtSymScaled m = {E->H, E->diag, E->sc, E->w, E->work, E->lwork, E->tmp};
  return rt_sym_scaled_solve(n, &m, RT_EIG_SINGULAR_RTOL, rhs);
}

/* The warning on a lower Hessian that is not positive definite, of eigenvalues w0 to wmax and
 * nnull of them at rounding, met at outer step k + 1 at y (none after a non-finite oracle
 * output: the step fails on it). */
static void warn_singular(RtSolver *s, int64_t k, double w0, double wmax, int64_t nnull,
                          const double *y) {
  if (s->o.fail_kind >= 0) return;
  if (wmax < 0)
    rt_solver_warn(s, "exact.indefinite", "outer step %lld: the lower Hessian's eigenvalues are "
                   "all negative (smallest %.3g, largest %.3g): %s",
                   (long long)k + 1, w0, wmax,
                   s->lower_pos_curv ? RT_NONCONVEX_PATH_CURE : RT_CONCAVE_CURE);
  /* an eigenvalue at rounding beside a positive largest, none clearly negative: g convex with
   * a flat direction, minimisers not unique (a softmax's bias left unregularised: b + c 1
   * changes nothing), which was called "looks non-convex in y, or has no minimiser" */
  else if (wmax > 0 && fabs(w0) <= 1e3 * DBL_EPSILON * wmax) {
    /* a lower variable g does not read, named where the flat directions are exactly its */
    char flat[512];
    int64_t nflat = rt_lower_flat_vars(s, "exact.indefinite", y, flat, sizeof flat);
    if (nflat > 0 && nflat == nnull)
      rt_solver_warn(s, "exact.indefinite", "outer step %lld: the lower Hessian is singular "
                     "(smallest eigenvalue %.3g of largest %.3g): %s",
                     (long long)k + 1, w0, wmax, flat);
    else
      rt_solver_warn(s, "exact.indefinite", "outer step %lld: the lower Hessian is singular "
                     "(smallest eigenvalue %.3g of largest %.3g): g is flat along a direction of "
                     "y (such as a bias left unregularised under a softmax, or a gauge), so y*(x) "
                     "is not unique and the hypergradient is not defined there; a ridge term in "
                     "g on the flat variables, such as + 1e-4 * sumsq(b), makes it so%s%s%s",
                     (long long)k + 1, w0, wmax, rt_f32_rounding_note(s->p, w0, wmax),
                     nflat > 0 ? "; and " : "", flat);
  } else
    /* "singular or": an eigenvalue of 1e-16 is a zero one (g linear in y), not a negative */
    rt_solver_warn(s, "exact.indefinite", "outer step %lld: the lower Hessian is singular or not "
                   "positive definite (smallest eigenvalue %.3g of largest %.3g): the lower "
                   "level looks non-convex in y, or has no minimiser%s",
                   (long long)k + 1, w0, wmax,
                   rt_f32_rounding_note(s->p, w0, wmax));
}

/* E->gnull <- rhs's part along the eigenvectors (rows of E->H, eigenvalues E->w) that
 * rt_sym_eig_solve at 1e-14 drops; E->gnull_norm its norm, E->null_wmax the largest |w|. */
static void null_part(int64_t n, Ex *E, const double *rhs) {
  double wmax = 0;
  for (int64_t i = 0; i < n; i++) wmax = fmax(wmax, fabs(E->w[i]));
  rt_zero(n, E->gnull);
  for (int64_t i = 0; i < n; i++)
    if (fabs(E->w[i]) <= 1e-14 * wmax || wmax == 0)
      rt_axpy(n, rt_dot(n, E->H + i * n, rhs), E->H + i * n, E->gnull);
  E->gnull_norm = rt_nrm2(n, E->gnull);
  E->null_wmax = wmax;
}

/* A Hessian counted as not positive definite: its smallest eigenvalue (E->w, ascending, where
 * eig_rc is 0) and how many are at or below its size, into E->indef_w0 and E->indef_k. */
static void indef_seen(int64_t n, Ex *E, int eig_rc) {
  if (eig_rc != 0 || !isfinite(E->w[0])) {
    E->indef_w0 = -INFINITY;
    return;
  }
  int64_t k = 0;
  while (k < n && E->w[k] <= fabs(E->w[0])) k++;
  E->indef_w0 = fmin(E->indef_w0, E->w[0]);
  E->indef_k = k > E->indef_k ? k : E->indef_k;
}

/* rhs <- Newton's direction through the eigendecomposition in E->H (rows) and E->w: grad_y g's
 * part along each eigenvector over |w|, floored at |w0| where the least eigenvalue w0 is
 * negative (no step longer than that curvature's along a direction whose own curvature is
 * nearer 0, of either sign: the quadratic model says nothing of how far to go there), none
 * along those within 1e-14 of the largest (null_part's). Along the directions curved more
 * than |w0| the step is Newton's, which keeps its quadratic convergence to a saddle that a
 * symmetric start stays on (told as one, phi_measure). Over |w| alone the step along an
 * eigenvalue near 0 was as long as 1 / |w|:
 * the entropy-regularised logit in logit coordinates (not convex near y0 = 0, a unique
 * positive definite minimiser) went from y0 to where its softmax saturates, g flat there,
 * and phi was "g is flat along its gradient there, no minimum" (s51 nuO F2). */
static void newton_dir(int64_t n, Ex *E, double *rhs) {
  double wmax = 0, w0 = INFINITY;
  for (int64_t i = 0; i < n; i++) wmax = fmax(wmax, fabs(E->w[i])), w0 = fmin(w0, E->w[i]);
  double shift = w0 < -1e-14 * wmax ? -w0 : 0;
  rt_gemv(false, n, n, 1.0, E->H, rhs, 0.0, E->tmp);
  for (int64_t i = 0; i < n; i++) {
    if (fabs(E->w[i]) <= 1e-14 * wmax || wmax == 0) E->tmp[i] = 0;
    else E->tmp[i] /= E->w[i] >= 2 * shift ? E->w[i] : E->w[i] + 2 * shift;
  }
  rt_gemv(true, n, n, 1.0, E->H, E->tmp, 0.0, rhs);
}

/* rhs <- H^{-1} rhs (newton: |H|^{-1}). Cholesky first; on failure restore H from its intact
 * strict upper triangle and diagonal, and use the eigendecomposition: the Jacobi-scaled H's
 * (solve_scaled), else H's own. */
static void solve(RtSolver *s, Ex *E, int64_t k, double *rhs, bool newton) {
  int64_t n = s->ny;
  /* a pivot below 1e-11 of its row's diagonal is a singular H that rounding let Cholesky pass
   * (a rank-3 Gram matrix of order 4: pivot 1e-16, and Newton's y* went to 1e15 with exit 0);
   * the eigendecomposition below tells singular from merely ill-conditioned */
  E->cond_s = NAN;
  E->h_kept = E->h_eig = false;
  if (rt_chol_factor_nonsingular(n, E->H, RT_CHOL_SINGULAR_RTOL) == 0) {
    rt_chol_solve(n, E->H, rhs);
    E->h_kept = true;
    s->lower_pos_curv = true;
    return;
  }
  int scaled = solve_scaled(n, E, rhs);
  if (scaled > 0) {
    E->cond_s = E->w[n - 1] / E->w[0];
    return;
  }
  E->cond_s = INFINITY; /* not positive definite once scaled either */
  rt_sym_fill_lower(n, E->H, E->diag, NULL);
  bool diag = s->o.diag; /* the trace point's solve: no statistics, no warnings */
  int eig_rc = scaled < 0 ? -1 : rt_sym_eig(n, E->H, E->w, E->work, E->lwork);
  E->h_eig = eig_rc == 0;
  /* positive definite, only too ill-conditioned for the pivots: solved through every
   * eigenvalue, nothing to say. Above ten ulps of the largest: at 1e-14 a Hessian of
   * condition 1e14 (eigenvalues 1 to 1e14), which Cholesky had solved before the pivot test,
   * lost its smallest direction and Newton stopped at |grad_y g| 1.46 with exit 0 */
  if (eig_rc == 0 && E->w[0] > RT_EIG_SINGULAR_RTOL * E->w[n - 1]) {
    rt_sym_eig_solve(n, E->H, E->w, 0, newton, rhs, E->tmp);
    return;
  }
  /* singular with none negative, on Newton's way: told only if the solve ends short of
   * y_tol (flush_flat), since Newton steps out of it along the gradient's part it drops */
  bool flat = eig_rc == 0 && newton && E->w[n - 1] >= 0 &&
              E->w[0] >= -1e3 * DBL_EPSILON * E->w[n - 1];
  int64_t nnull = 0; /* the eigenvalues at rounding */
  while (eig_rc == 0 && nnull < n && fabs(E->w[nnull]) <= 1e3 * DBL_EPSILON * E->w[n - 1])
    nnull++;
  if (flat && !diag && E->flat_pending++ == 0) {
    E->flat_k = k;
    E->flat_nnull = nnull;
    E->flat_w0 = E->w[0];
    E->flat_wmax = E->w[n - 1];
  } else if (!flat && !diag) {
    s->stats[E->st_indef]++;
    E->indef_step = true;
    indef_seen(n, E, eig_rc);
  }
  /* a Hessian that is not finite (g = nan at x = (1000, 0, -1000) through exp(x) / sum(exp(x)))
   * fails the step with the oracle's own message, non-finite g or product: "the
   * eigendecomposition failed" or "singular" before it was noise */
  bool said = s->o.fail_kind >= 0;
  if (eig_rc != 0) {
    if (!diag && !said)
      rt_solver_warn(s, "exact.eig", "outer step %lld: the eigendecomposition of the lower Hessian "
                     "failed", (long long)k + 1);
    return;
  }
  if (!flat && !diag) warn_singular(s, k, E->w[0], E->w[n - 1], nnull, E->hy);
  /* (not on a Hessian that is not finite, y ^ 1.5 at 0: LAPACK's eigendecomposition fails
   * on it, the emitted solver's portable one need not, and the trace point's solves, which
   * keep no failure, went two ways) */
  if (newton && E->h_finite) null_part(n, E, rhs);
  if (newton) newton_dir(n, E, rhs);
  else rt_sym_eig_solve(n, E->H, E->w, 1e-14, false, rhs, E->tmp);
}

/* Whether the oracle kept a non-finite output of this method step's calls: the step fails on
 * it (the run loop names it), so nothing computed after it is used. With a Hessian of inf
 * (y ^ 1.5 at y = 0) Newton went on for its 100 steps, about 700 oracle calls, before the
 * step failed, and the error after a recovery named "oracle call 710" for the retry's second
 * call. Diagnostic calls (trace points) keep no failure here. */
static bool step_failed(const RtSolver *s) { return rt_oracle_kept_failure(&s->o); }

/* y <- y - t gnull where g falls along E->gnull, grad_y g's part along a singular Hessian's
 * dropped directions, where g is linear (its curvature there is 0), by rt_flat_step from one
 * over the largest eigenvalue. From y0 = 0 on an entropic OT dual (exp((u + v - C) / eps)
 * underflowing on whole rows) Newton's steps, without these directions, never left:
 * |grad_y g| = 0.23 for 100 steps. g is the value at y, updated. Returns 1 (stepped), 0 (no
 * decrease found), -1 (g unbounded below along it, as g = x'y; y unchanged). */
static int null_step(RtSolver *s, Ex *E, RtDraw key, double *y, double *g) {
  double t0 = E->null_wmax > 0 ? 1 / E->null_wmax : 0;
  return rt_flat_step(&s->o, key, s->x, y, E->gnull, t0, g, E->yt);
}

/* Whether g falls without bound along the eigenvector u of a clearly negative smallest
 * eigenvalue of the last solve's Hessian (at y, g the value there): rt_flat_step along the
 * sign of u that does not raise g to first order, from a copy of y, still falling 1e10
 * max(1, |y|) away. A consumer's quadratic utility that is not concave at that x
 * (demand.blo: eigenvalues -0.00275, -0.00249, 0.018) went on through indefinite Hessians,
 * and phi was "not strongly convex", with a y "near the minimum meant" for a cure, where g has
 * none. y and g unchanged; uses E->gyt and E->yt. */
static bool neg_unbounded(RtSolver *s, Ex *E, RtDraw key, const double *y, double g) {
  int64_t n = s->ny;
  double wmax = fmax(fabs(E->w[0]), fabs(E->w[n - 1]));
  if (!E->h_eig || !(E->w[0] < -1e-6 * wmax) || !isfinite(g)) return false;
  double *u = E->H; /* the first row: E->H is free until the next build_hessian */
  if (rt_dot(n, u, s->gy) < 0) rt_scal(n, -1.0, u);
  rt_copy(n, y, E->gyt);
  return rt_flat_step(&s->o, key, s->x, E->gyt, u, 1 / fabs(E->w[0]), &g, E->yt) < 0;
}

/* After a solve through the eigendecomposition (E->H's rows its eigenvectors, E->w): whether
 * the Hessian has a clearly negative eigenvalue whose eigenvector grad_y g (s->gy) has no part
 * along beyond rounding, and then rt_probe_lower along it. A factorisation U V' started from a
 * constant (U = V = 0.1) keeps its columns equal under every gradient and Newton step: the
 * negative curvature that leads off that set is hidden from the gradient, the shifted Newton
 * step (newton_dir) has no part along it, and whether the solve left the saddle was up to
 * rounding (the end check of one run found a minimum on Intel AVX-512 and stopped next to the
 * saddle on AMD Zen 3). Returns as rt_probe_lower (1: y and *g moved lower). */
static int saddle_escape(RtSolver *s, Ex *E, RtDraw key, double *y, double *g) {
  int64_t n = s->ny;
  double wmax = fmax(fabs(E->w[0]), fabs(E->w[n - 1])), gn = rt_nrm2(n, s->gy);
  const double *u = E->H; /* the eigenvector of E->w[0] */
  if (!E->h_eig || !(E->w[0] < -1e-6 * wmax) || !isfinite(*g) ||
      !(fabs(rt_dot(n, u, s->gy)) <= 1e-8 * gn))
    return 0;
  double yn = 0;
  for (int64_t i = 0; i < n; i++) yn = fmax(yn, fabs(y[i]));
  double top = 2 * sqrt((double)n) * fmax(1.0, yn), t0 = 1e-8 * fmax(1.0, yn);
  const double *dirs[1] = {u};
  /* (E->tmp for work, not E->dy: Newton's direction there is taken when no lower g is found) */
  return rt_probe_lower(&s->o, key, s->x, y, g, dirs, 1, t0, top, E->tmp, E->yt, E->ylow);
}

/* Newton's backtracking on g from y along -E->dy (g the value at y, gn |grad_y g| there, in
 * s->gy): rt_newton_ls. */
static bool newton_ls(RtSolver *s, Ex *E, RtDraw key, double *y, double *g, double gn,
                      double *len) {
  RtNewtonLs ls = {.gy = s->gy, .dy = E->dy, .gn = gn, .yt = E->yt, .gyt = E->gyt};
  return rt_newton_ls(&s->o, key, s->x, &ls, y, g, len);
}

/* After a failed line search above the rounding floor: the Hessian at y again, its
 * eigenvalues at most c of the largest taken as flat (c = 1e-10, 1e-7, 1e-4): the Newton step
 * on the others, the null step (over thresh) on the gradient's part along them. A Hessian of
 * condition 1e13 scaled (entropic OT at eps = 0.001, rows of exp entries near underflow)
 * passed as positive definite, and its Newton step of 2.4e10 along the near-null directions
 * found no decrease in 40 halvings. Whether y moved. */
static bool flat_retry(RtSolver *s, Ex *E, RtDraw key, double *y, double *g, double gn,
                       double thresh) {
  int64_t n = s->ny;
  build_hessian(s, E, y);
  E->h_kept = false; /* H becomes eigenvectors: no factor for rt_exact_scaled_cond */
  E->cond_s = NAN;
  if (step_failed(s) || !E->h_finite) return false;
  rt_sym_fill_lower(n, E->H, E->diag, NULL);
  if (rt_sym_eig(n, E->H, E->w, E->work, E->lwork) != 0) return false;
  double wmax = 0;
  for (int64_t i = 0; i < n; i++) wmax = fmax(wmax, fabs(E->w[i]));
  if (!isfinite(wmax)) return false;
  int dropped_before = 0;
  for (double c = 1e-10; c <= 2e-4; c *= 1e3) {
    int dropped = 0;
    rt_zero(n, E->dy);
    rt_zero(n, E->gnull);
    for (int64_t i = 0; i < n; i++) {
      const double *v = E->H + i * n;
      double vg = rt_dot(n, v, s->gy);
      if (fabs(E->w[i]) <= c * wmax) {
        dropped++;
        rt_axpy(n, vg, v, E->gnull);
      } else
        rt_axpy(n, vg / fabs(E->w[i]), v, E->dy);
    }
    E->gnull_norm = rt_nrm2(n, E->gnull);
    E->null_wmax = wmax;
    if (dropped == dropped_before || !(E->gnull_norm > thresh)) continue;
    dropped_before = dropped;
    double len;
    bool ok = newton_ls(s, E, key, y, g, gn, &len);
    if (step_failed(s)) return false;
    if (null_step(s, E, key, y, g) > 0 || ok) return true;
    if (step_failed(s)) return false;
  }
  return false;
}

/* Whether y, where Newton's solve reached y_tol only linearly as the Hessian vanished (a
 * degenerate stationary point), is no minimiser of g: g at y +/- t d for d the last step's
 * direction and the two least-curved eigenvectors of the Hessian at y, t doubling from ten
 * times E->yerr (nearer, g falls towards a degenerate minimiser Newton has not reached) to
 * twice the larger of |y| and the distance the solve moved. Where the lowest of those is
 * clearly below g (g at y, updated), y moves there and 1 is returned. g = (x - y^3)^2 from
 * y0 = 0.5: Newton halved y to 5e-6, an inflection where g = x^2, and exact, bloc eval and
 * the end-of-run checks took it for y*(x) = cbrt(x) ("a degenerate minimiser accurate to
 * 5e-6", phi 0.25 where it is 0.0863). One eigendecomposition and up to 6 log2(T / t0) g. */
static int probe_nonmin(RtSolver *s, Ex *E, RtDraw key, double *y, double *g) {
  int64_t n = s->ny;
  double yn = rt_nrm2(n, y);
  rt_copy(n, y, E->tmp);
  rt_axpy(n, -1.0, E->ysolve, E->tmp);
  double moved = rt_nrm2(n, E->tmp), top = 2 * fmax(yn, moved);
  if (!(top > 0)) top = 1;
  double t0 = fmax(10 * E->yerr, 1e-8 * fmax(1.0, yn));
  if (!(t0 < top) || !isfinite(*g)) return 0;
  build_hessian(s, E, y);
  E->h_kept = false; /* H becomes eigenvectors: no factor for rt_exact_scaled_cond */
  E->cond_s = NAN;
  if (step_failed(s)) return 0;
  bool eig = E->h_finite;
  if (eig) {
    rt_sym_fill_lower(n, E->H, E->diag, NULL);
    eig = rt_sym_eig(n, E->H, E->w, E->work, E->lwork) == 0;
  }
  /* the two eigenvalues of least |w| (rows of E->H), -1: none */
  int64_t least[2] = {-1, -1};
  for (int64_t i = 0; eig && i < n; i++) {
    if (least[0] < 0 || fabs(E->w[i]) < fabs(E->w[least[0]])) {
      least[1] = least[0];
      least[0] = i;
    } else if (least[1] < 0 || fabs(E->w[i]) < fabs(E->w[least[1]]))
      least[1] = i;
  }
  /* the last step's direction (E->tmp), then the two least-curved eigenvectors */
  rt_copy(n, y, E->tmp);
  rt_axpy(n, -1.0, E->ylast, E->tmp);
  const double *dirs[3] = {E->tmp, least[0] >= 0 ? E->H + least[0] * n : NULL,
                           least[1] >= 0 ? E->H + least[1] * n : NULL};
  return rt_probe_lower(&s->o, key, s->x, y, g, dirs, 3, t0, top, E->dy, E->yt, E->ylow);
}

/* The singular Hessians met on Newton's way (solve), counted and told as the other Hessians
 * that are not positive definite where the solve ended short of y_tol; forgotten where it
 * reached it (or its rounding floor), having left them. */
static void flush_flat(RtSolver *s, Ex *E, bool converged) {
  /* (not where g was found unbounded below: the step fails, saying so, where the warning
   * said "g is flat ... y*(x) is not unique" and the run went on with exit 0) */
  if (E->flat_pending > 0 && !converged && !E->null_unbounded) {
    s->stats[E->st_indef] += E->flat_pending;
    E->indef_step = true;
    E->indef_w0 = -INFINITY;
    warn_singular(s, E->flat_k, E->flat_w0, E->flat_wmax, E->flat_nnull, E->hy);
  }
  E->flat_pending = 0;
}

/* Newton's record of its way from its start, or from the last point it left for a lower g
 * (rt_probe_start, probe_nonmin, saddle_escape: the rates before it are another point's): the
 * last three ratios of |grad_y g| (rt_linear_rate), the last |grad_y g| and two step lengths,
 * and the last five |grad_y g| (its stall at the rounding floor). */
typedef struct NewtonWay {
  double ratio[3], gprev, step, step_prev, gn[5];
} NewtonWay;

static void way_reset(NewtonWay *h) {
  *h = (NewtonWay){.gprev = NAN, .step = NAN, .step_prev = NAN};
  for (int i = 0; i < 5; i++) h->gn[i] = INFINITY;
}

/* Newton's method on g(s->x, .) from y until |grad_y g| < y_tol (at most max_inner steps);
 * returns the last |grad_y g|. Method steps count Newton steps and warn; the diagnostic solve
 * at trace points (the oracle in diagnostic mode) leaves statistics and warnings alone. It
 * stops at the first non-finite oracle output of a method step (step_failed). */
static double newton(RtSolver *s, Ex *E, int64_t k, double *y) {
  int64_t n = s->ny;
  bool diag = s->o.diag;
  double gn = INFINITY;
  bool f32 = s->p->precision == BLO_PREC_F32;
  bool first = E->gstart == 0; /* the run's first solve (E->gstart set at its start) */
  E->stalled = E->degenerate = E->null_unbounded = false;
  E->flat_pending = 0;
  E->yerr = 0;
  rt_copy(n, y, E->ysolve);
  rt_copy(n, y, E->ylast);
  int escapes = 0; /* stationary points that were no minimiser, left (probe_nonmin) */
  E->indef_w0 = INFINITY;
  E->indef_k = 0;
  NewtonWay h;
  way_reset(&h);
  /* the last solves in a row that met a Hessian not positive definite, |grad_y g| at the first */
  int indef_run = 0;
  double indef_gn = INFINITY;
  bool capped = false; /* stopped by max_inner alone (s->lower_capped) */
  for (int it = 0; it <= E->max_inner; it++) {
    RtDraw key = rt_oracle_draw(&s->o);
    double g = rt_oracle_grad_g(&s->o, key, s->x, y, s->gy);
    gn = rt_nrm2(n, s->gy);
    if (step_failed(s)) break;
    if (E->gstart == 0 && isfinite(gn)) E->gstart = gn;
    h.ratio[it % 3] = gn / h.gprev;
    h.gprev = gn;
    /* y_tol reached by linear convergence to a Hessian that vanishes (1e-3 of the largest
     * the run built): a degenerate minimiser, g = (x + y - 20)^4, where |grad_y g| < 1e-10
     * left |x + y - 20| ~ 3e-4 (phi 2303.948 where it is 2304), said nowhere. Going on past
     * y_tol is no cure: on L2-regularised softmax regression at a ridge weight of e^-32,
     * which converged so too, it moved y*(x) far and the end-of-run check fell silent.
     * Linear convergence where the Hessian vanishes along some directions only (SMD8's
     * (x - y3^3)^2 beside y1, y2 of curvature 2) is probed as well, not called degenerate */
    /* a start already below y_tol where g's curvature vanishes (y0 = 0 on (x - y^3)^2, an
     * inflection): no step ran for the rate to tell, and it was taken for y*(x) at once. Only
     * at the run's first solve and phi's measures (k < 0): a warm start from the last outer
     * step's y*(x) is already below y_tol on most steps, and the probe's product costs there */
    if (it == 0 && (k < 0 || first) && !(gn >= tol(E)) &&
        rt_probe_start(&s->o, key, s->x, y, &g, E->tmp, E->dy, E->yt, E->ylow)) {
      if (step_failed(s)) break;
      escapes++;
      way_reset(&h);
      rt_copy(n, y, E->ylast);
      continue;
    }
    if (step_failed(s)) break;
    if (!(gn >= tol(E)) && it >= 3 && rt_linear_rate(h.ratio)) {
      double q = fmin(0.95, h.step / h.step_prev); /* linear by q: q / (1 - q) of a step to go */
      E->yerr = isfinite(q) && q > 0 ? h.step * q / (1 - q) : h.step;
      /* is it a minimiser? If g falls nearby, Newton goes on from the lower point (its
       * history reset: the rates before it are another point's), at most three times; then
       * it ends there, above y_tol, and phi's measure is refused */
      if (probe_nonmin(s, E, key, y, &g)) {
        if (step_failed(s)) break;
        if (escapes++ == 3) { /* |grad_y g| at the lower point, where it ends */
          rt_oracle_grad_g(&s->o, key, s->x, y, s->gy);
          gn = rt_nrm2(n, s->gy);
          break;
        }
        E->yerr = 0;
        way_reset(&h);
        rt_copy(n, y, E->ylast);
        continue;
      }
      if (step_failed(s)) break;
      E->degenerate = E->hnorm <= 1e-3 * E->hmax;
      if (!E->degenerate) E->yerr = 0;
    }
    capped = gn >= tol(E) && it == E->max_inner;
    if (!(gn >= tol(E)) || it == E->max_inner) break;
    /* In precision f32 the data's rounding puts a floor under |grad_y g| far above the
     * default y_tol (1.5e-7 on a ridge problem): five Newton steps that did not halve it are
     * at that floor. Every outer step spent its 100 Newton steps there. At f64 the floor is
     * the rounding of grad_y g's terms, about eps |H| |y|, which y_tol = 1e-10 is below when
     * y is large: g = y'Ay/2 - 1e6 x'y (|y*| ~ 1e6) stalled at |grad_y g| = 2.3e-10, each
     * outer step spent its 100 Newton steps there, and phi could not be measured. */
    double rounding = rt_newton_floor(n, E->hnorm, y, E->gstart);
    /* at f64 two steps that did not halve it at that floor suffice: Newton's quadratic
     * convergence halves it at every step above the floor */
    if (f32 ? gn > 0.5 * h.gn[it % 5] : gn <= rounding && gn > 0.5 * h.gn[(it + 3) % 5]) {
      E->stalled = true;
      break;
    }
    h.gn[it % 5] = gn;
    build_hessian(s, E, y);
    if (step_failed(s)) break;
    rt_copy(n, s->gy, E->dy);
    E->gnull_norm = 0;
    double indef_before = s->stats[E->st_indef];
    solve(s, E, k, E->dy, true);
    /* A measure of phi (bloc eval, the end-of-run checks: diag_y outside diagnostic mode)
     * refuses y*(x) once this solve met a Hessian that is not positive definite (phi_measure:
     * no common measure where g is not convex on the way), as Newton-CG stops at its first
     * negative curvature. On a matrix factorisation of 1500 lower variables from a random y0
     * its dense Newton went on for about 100 steps of 1500 products and an eigendecomposition
     * of order 1500 each (231 s), its Hessian indefinite on most, and phi was refused at the
     * end. It stops after five such Hessians in a row that left |grad_y g| no lower than where
     * the first of them was met (no progress to a stationary point: |grad_y g| 10.7 there rose
     * to 18.3), y at the last; short passes through non-convex parts still end in a y*(x), and
     * phi's message then says from where Newton started */
    if (!(s->stats[E->st_indef] > indef_before)) indef_run = 0;
    else if (indef_run++ == 0) indef_gn = gn;
    if (k < 0 && !diag && indef_run >= 5 && gn >= indef_gn) break;
    /* g unbounded below along a direction of negative curvature: no minimiser to go on to
     * (as null_step's below) */
    bool neg = !diag && s->stats[E->st_indef] > indef_before && neg_unbounded(s, E, key, y, g);
    if (step_failed(s)) break;
    if (neg) {
      E->null_unbounded = true;
      E->unb_w0 = E->w[0];
      E->unb_wmax = E->w[n - 1];
      break;
    }
    if (escapes < 3 && saddle_escape(s, E, key, y, &g)) {
      if (step_failed(s)) break;
      escapes++;
      way_reset(&h);
      indef_run = 0;
      rt_copy(n, y, E->ylast);
      continue;
    }
    if (step_failed(s)) break;
    double len = NAN;
    rt_copy(n, y, E->ylast);
    bool ok = newton_ls(s, E, key, y, &g, gn, &len);
    if (ok) {
      h.step_prev = h.step;
      h.step = len;
    }
    if (!diag) s->stats[E->st_newton]++;
    if (step_failed(s)) break; /* a gradient at a trial point */
    /* the gradient's part along the directions the solve dropped (g flat there), above its
     * rounding: a step along it too, lengthened while g falls */
    if (E->gnull_norm > fmax(tol(E), rounding) && !E->null_unbounded) {
      int nr = null_step(s, E, key, y, &g);
      if (step_failed(s)) break;
      /* g unbounded below: no minimiser to go on to. The solve went on for its 100 Newton
       * steps, each ny HVPs and an eigendecomposition (g = x'y at ny = 2001: over 120 s),
       * its |grad_y g| unmoved; it stops here, |grad_y g| taken at the y it leaves */
      if (nr < 0) {
        E->null_unbounded = true;
        E->unb_w0 = E->w[0];
        E->unb_wmax = E->w[n - 1];
        rt_oracle_grad_g(&s->o, key, s->x, y, s->gy);
        gn = rt_nrm2(n, s->gy);
        break;
      }
      if (nr > 0) ok = true;
    }
    /* no decrease left to find: the floor with this step's Hessian, not the one before it
     * (none at a solve's first step: the exact y*(x) given to bloc eval --y, where
     * |grad_y g| = 1.05e-15 was refused against a floor of 5e-29 from gstart alone) */
    if (!ok) rounding = rt_newton_floor(n, E->hnorm, y, E->gstart);
    /* above it, a Hessian that passed as nonsingular with directions of curvature near 0
     * (g flat along them): the step along them was too long for 40 halvings */
    if (!ok && gn > rounding) {
      ok = flat_retry(s, E, key, y, &g, gn, fmax(tol(E), rounding));
      if (step_failed(s)) break;
    }
    if (!ok) {
      if (gn <= rounding) E->stalled = true;
      else if (!diag && s->o.fail_kind < 0) /* else the step fails, naming the cause */
        rt_solver_warn(s, "exact.linesearch", "outer step %lld: Newton's line search on g failed "
                       "(|grad_y g| = %.3g)", (long long)k + 1, gn);
      break;
    }
  }
  if (!diag) flush_flat(s, E, !(gn >= tol(E)) || E->stalled);
  if (E->degenerate && !diag && !E->warned_degenerate) {
    E->warned_degenerate = true;
    rt_solver_warn(s, "exact.degenerate",
                   "outer step %lld: Newton's method on g reached y_tol only linearly "
                   "(|grad_y g| fell by %.3g a step) as the lower Hessian vanished: g is not "
                   "strongly convex at y*(x) (a degenerate minimiser), so y is only as accurate "
                   "as about %.3g and the implicit hypergradient rests on a Hessian near 0; a "
                   "smaller y_tol takes y closer",
                   (long long)k + 1, h.ratio[0], E->yerr);
  }
  s->lower_floor = E->stalled;
  s->lower_tol = tol(E);
  s->lower_degenerate = E->degenerate;
  s->lower_unbounded = E->null_unbounded;
  s->lower_capped = capped;
  s->lower_yerr = E->yerr;
  s->lower_indef_w0 = E->indef_w0;
  s->lower_indef_k = E->indef_k;
  return gn;
}

static void ex_step(RtSolver *s, int64_t k) {
  Ex *E = s->state;
  int64_t n = s->ny;
  E->indef_step = false;
  double gn = newton(s, E, k, s->y);
  s->stats[E->st_lower_gnorm] = gn;
  /* g unbounded below in y at this x (riskavfat: a singular covariance, the mean with a part
   * in its null space): y*(x) does not exist, and the run loop fails the step, naming the
   * cause (failed()); x stays. The step went on with the hypergradient of a y that is no
   * minimiser, and the run ended with exit 0, "g is flat ... y*(x) is not unique", and
   * advice on x_step. ex_blew_up: no smaller x step helps at this x. */
  s->lower_no_min = E->null_unbounded && !step_failed(s);
  if (s->lower_no_min) {
    s->lower_no_min_gn = gn;
    s->lower_no_min_w0 = E->unb_w0;
    s->lower_no_min_wmax = E->unb_wmax;
    E->unsolved = true;
    return;
  }
  /* the run loop fails the step, naming the output; not as a Hessian "not positive definite"
   * (unsolved): on the Hessian of inf the emitted solver (its portable LAPACK) stopped so at
   * once, where bloc run recovered */
  if (step_failed(s)) {
    E->unsolved = false;
    return;
  }
  E->unsolved = E->indef_step && !(gn < tol(E));
  /* at f64 the floor is the rounding of grad_y g's terms: y is y*(x) to double precision */
  bool f64_floor = E->stalled && s->p->precision != BLO_PREC_F32;
  /* (a g or Hessian that was not finite on the way fails the step, naming it) */
  if (gn >= tol(E) && !f64_floor && s->o.fail_kind < 0) {
    if (E->stalled)
      rt_solver_warn(s, "exact.lower",
                     "outer step %lld: the lower level stopped at |grad_y g| = %.3g > y_tol = "
                     "%.3g: Newton steps no longer lower it (the rounding of the float data, "
                     "precision f32); a y_tol above it, or precision f64, stops this warning",
                     (long long)k + 1, gn, tol(E));
    else
      rt_solver_warn(s, "exact.lower",
                     "outer step %lld: the lower level stopped at |grad_y g| = %.3g > y_tol = "
                     "%.3g after %d Newton steps%s",
                     (long long)k + 1, gn, tol(E), E->max_inner,
                     blo_problem_stochastic(s->p)
                         ? " (the problem samples its data: each Newton step sees another "
                           "draw, whose gradient is not 0 at y*; a deterministic lower level "
                           "suits exact)"
                     /* (nuS, F2 and F6: the cure was not said) */
                     : rt_method_option(s->opt.method, "allow_nonsmooth") &&
                             strcmp(rt_opt_word(&s->opt, "allow_nonsmooth"), "true") == 0
                         ? ": with allow_nonsmooth = true, y*(x) may sit at a kink of g, where "
                           "Newton's steps stall"
                         : ": a larger max_inner lets it go on where damped Newton's steps stay "
                           "short, as on a nearly nonsmooth g (sqrt(z^2 + eps), a small eps)");
  }
  rt_upper_grads(s);
  if (step_failed(s)) return;
  build_hessian(s, E, s->y);
  if (step_failed(s)) return;
  rt_copy(n, s->b, s->v);
  solve(s, E, k, s->v, false);
  rt_upper_step(s, k);
}

/* The lower point of the current x: the Newton solve the next step would start with (from the
 * current y), so saved pairs and summaries describe y*(x) to y_tol. */
static void ex_diag_y(RtSolver *s, RtDraw key, double *y) {
  (void)key;
  rt_copy(s->ny, s->y, y);
  newton(s, s->state, -1, y);
}

/* The lower level has no minimiser Newton's method can reach from here: the last step's solve
 * met a Hessian that is not positive definite and stopped short of y_tol (g unbounded below in
 * y, or non-convex), which no smaller x step cures (the run loop stops at once). */
static bool ex_blew_up(const RtSolver *s) {
  const Ex *E = s->state;
  return E->unsolved;
}

RT_API double rt_exact_scaled_cond(const RtSolver *s) {
  if (s->impl != &rt_impl_exact) return NAN;
  Ex *E = s->state;
  int64_t n = s->ny;
  if (!isnan(E->cond_s) || !E->h_kept) return E->cond_s;
  E->cond_s = INFINITY;
  if (!rt_sym_jacobi(n, E->diag, E->sc)) return E->cond_s;
  rt_sym_fill_lower(n, E->H, E->diag, E->sc); /* the factor's triangle, H's next build's */
  if (rt_sym_eigvals(n, E->H, E->w, E->work, E->lwork) == 0 && E->w[0] > 0)
    E->cond_s = E->w[n - 1] / E->w[0];
  return E->cond_s;
}

RT_API const RtMethodImpl rt_impl_exact = {"exact", RT_SCHED_POLY, true, ex_setup, ex_step, NULL,
                                          ex_diag_y, NULL, ex_blew_up, NULL};
