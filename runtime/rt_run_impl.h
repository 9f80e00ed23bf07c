/* rt_run_impl.h — what the run loop (rt_run.c) and its end-of-run checks (rt_run_checks.c)
 * share: the state of one run. Internal to the runtime; not installed. */
#ifndef BLOC_RT_RUN_IMPL_H
#define BLOC_RT_RUN_IMPL_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "rt_api.h"
#include "blo_abi.h"
#include "rt_diag.h"
#include "rt_outfile.h"
#include "rt_run.h"
#include "rt_solver.h"

/* The secant curvature |d - d'| / |x - x'| between two estimates d, d' taken at x, x' (nx
 * long): NaN where x did not move or a difference is not finite. */
static inline double rt_secant(int64_t nx, const double *d, const double *dp, const double *x,
                               const double *xp) {
  double dd = 0, dx = 0;
  for (int64_t i = 0; i < nx; i++) {
    dd += (d[i] - dp[i]) * (d[i] - dp[i]);
    dx += (x[i] - xp[i]) * (x[i] - xp[i]);
  }
  return dx > 0 && isfinite(dd) ? sqrt(dd) / sqrt(dx) : NAN;
}

/* Everything one run holds. */
typedef struct Run {
  const RtRunConfig *cfg;
  RtResult *res;
  RtSolver *s;
  RtDiagWork dw;
  FILE *msg, *prog, *trace;
  RtOutFile trace_out; /* trace writes to trace_out.f, renamed into place at the end */
  /* the result JSON, x and y when written in place (a FIFO, a device, stdout): opened before
   * the run and kept open until the results are written into them. Closing and reopening
   * would hand a FIFO's reader an end-of-file first and then block on the FIFO forever. */
  RtOutFile outs[3];
  RtProgressMode mode;
  bool line_shown;
  double t_start, t_last_prog;
  int64_t K, last_trace;
  double *x_good, *y_good;
  double *x_prev, *y_prev; /* x_good and y_good before the last good step (surged) */
  double *sing_w; /* [2 ny]: rt_lower_singular's work at the start (owned) */
  double ystep_last;       /* the y_step of the last good step, which began at x_prev */
  double *x_start, *ys_start, *v_start; /* x and the method's y and v at the start */
  /* the method's y after the first completed step, whose lower loop began at x_start (ok:
   * finite): a second start for phi at x_start where Newton from the program's y0 meets a
   * Hessian that is not positive definite (start_phi_at) */
  double *y_first;
  bool y_first_ok;
  double f0, g0, x0n, y0n;
  /* f's and g's size along the run's first move: at (x1, y at the start), or 0 (past_bound) */
  double f_move, g_move;
  bool g_move_set;
  double gy0; /* |grad_y g| at the start's trace point (ystep_over) */
  double eta0;      /* the method's eta at the start (check_neumann_bias) */
  bool eta_halved;  /* a recovery halved eta */
  double hg_good;   /* |d| of the last good step */
  bool below_tol;   /* the previous step's |d| was below tol too */
  double inner_L; /* unrolled: the curvature met at the start that inner_lr >= 2/L exceeds, or 0 */
  double eta_L;   /* the Ritz value at the start that a user's eta >= 2/L exceeds, or 0 */
  /* the largest |d| of the trace points (after the start) in the first and the second half of
   * the run since seg0, its start or its last recovery (0: none there) */
  double hg_early, hg_late;
  double hg_q2; /* ... and in its second quarter: the first half past an early transient */
  double f_early, f_late; /* the largest f of the trace points in either half, likewise */
  /* the largest |grad_y g| and f of the trace points after the start, over the whole run, and
   * their steps (0: none): a lower loop that blew up, which check_full_phi names as the cause
   * of a phi that rose */
  double gy_peak, f_peak;
  int64_t gy_peak_step, f_peak_step;
  /* the least f of the trace points since seg0 (after the start), its step (-1: none yet) and
   * the |d| of the step that led there: f_rose */
  double f_min, hg_at_f_min;
  int64_t f_min_step;
  double hg_first; /* the segment's first nonzero |d| (soba's first d is 0 when v = 0) */
  double first_move; /* how far that step moved x, |x1 - x0| (check_progress's "thrown") */
  double hg_steps_early; /* the largest |d| of the steps (traced or not) in its first half */
  double hg_steps_max;   /* ... and in the whole segment so far: surged */
  double hg_run_max;     /* the largest |d| of the run's steps, over every segment */
  bool surge;            /* the failure being handled is a surge */
  /* > 0: the failure being handled is a fixed y_step over 2/L (ystep_over), with this L, the
   * largest Ritz value of the trace points so far (ritz_hi) */
  double ystep_L, ritz_hi;
  bool ystep_restart; /* ... seen at the start's trace point too: back to the start */
  struct { int64_t step; double L; } over; /* the last trace point's y_step over 2/L (step -1:
                                            * it was not) */
  /* the last jump of x that surged found no blown-up lower loop for: its step (-1: none),
   * |d|, the largest |d| before it, how far x moved and |x| before; the last step of the
   * throw (x moving on by over max(1, |x|) each step after it), whose next step is watched,
   * and |x| there */
  struct { int64_t step, last; double d, prev, dx, xn, xn_last; } jump;
  double f_low; /* the least f of the start and of every good step (its f_est): surged */
  double *x_low; /* [nx] the x where f_low was seen (check_vanished) */
  /* the |d| of the last trace point, and the last trace point's step whose |d| rose over it by
   * 0.1% (0: none): whether the second half crept down or oscillated (check_progress's hint) */
  double hg_prev_trace;
  int64_t hg_rise_step;
  /* the steps of the segment's second half, and those among them whose move of x reversed
   * the one before (a negative inner product): x swinging back and forth (check_progress) */
  int64_t half2_steps, half2_turns;
  /* ... and the sum of their moves' squares, |x_k+1 - x_k|^2: what |x|^2 grows by over them
   * where each move is orthogonal to x (a scale gauge: steady_drift) */
  double half2_sq;
  /* x, f and |d| after steps K/4 and K/2 of a run with no recovery (q.n: how many taken):
   * steady_drift compares the moves of x and the falls of f and |d| over [K/4, K/2], [K/2, K] */
  struct { int n; double *x; double f[2], hg[2]; } q;
  bool seg_xs; /* the last recovery halved x_step (a larger one diverged) */
  int64_t seg0;
  int cg_steps; /* random_target: > 0, by Newton-CG with this many CG steps a solve */
  /* The best trace point (res->best_*): its score and the method's own y and v there, to go
   * back to on a failure (its x is res->best_x). */
  bool best_by_f;   /* stochastic problem: least f; else least |hypergradient| */
  double best_score, best_hg;
  bool best_nonconvex; /* the best trace point's Ritz values show g not convex in y there */
  double *best_ys, *best_v;
  /* the best trace point set aside at the end for the end itself, being no lower in f while
   * the run had seen a far lower f (best_not_above_end): its step (-1: none), f and |d| */
  struct { int64_t step; double f, hg; } best_passed;
  /* the best trace point set aside at the end for the end itself, its y no nearer y*(x) while
   * the end's y was found far from it (rt_run_checks.c, best_lagged): its step (-1: none), |d|
   * and |grad_y g|, and whether the not-converged warning said so */
  struct { int64_t step; double hg, gy; bool said; } best_lagged;
  /* f(x, y*(x)) at the best trace point between the start and the end, measured by the end
   * checks beside the end's (rt_run_checks.c, best_vs_end; NaN: not measured), and whether it
   * was clearly above the end's, the end made the best then: its step, |d| and |grad_y g| */
  struct { double phi, end; bool passed; int64_t step; double hg, gy; } best_phi;
  /* check_progress's not-converged warning in parts, composed again once the later checks have
   * said whether the end's y lags y*(x) (nc_compose): its text up to the cure, the cure and its
   * kind (a creep's and the generic one a lag overrides), f32's word, and the hint on the best
   * trace point, which best_lagged replaces */
  struct {
    bool on;
    enum { NC_OWN, NC_CREEP, NC_GENERIC, NC_DRIFT } kind;
    char head[512], cure[600], best[400];
    char drift_lag[400]; /* NC_DRIFT: its cure where the end's y lags */
    const char *tail;
  } nc;
  bool lagged; /* an end check found the end's y far from y*(x) (the lag warnings) */
  /* the largest |y| of the trace points, the start's included: lower_lag's floor, in y's own
   * units (so that the same problem in other units gets the same verdict) */
  double y_seen;
  bool estimate_missed; /* an end check measured a |grad phi| the estimate missed */
  /* The start's trace point as a best point (take_best at step 0): its y and reports, f, g,
   * |grad_y g| and the first step's |d| (taken there), for the end checks to go back to when
   * they measured phi at the start clearly below phi at the end (keep_start). ok: finite. */
  struct { bool ok; double f, g, gy, hg; double *y, *reports; } start_tp;
  /* keep_start made the start the best trace point: phi at the start and at the end */
  struct { bool kept; double start, end; } start_phi;
  bool phi_rose_warned; /* check_phi_rose warned: phi at the end above the start's */
  bool phi_rose_flat;   /* and blamed a flat part of phi (grad phi or |d| vanished) */
  bool unrolled_rose; /* check_unrolled_rose: the unrolled f rose, never below the start's */
  int own_why; /* the method's own_why for the last lower_blew_up (RT_OWN_*, 0: none said) */
  RtLowerProbe blown; /* the probe lower_blew_up's message names (blew_up false: none) */
  /* The change of the estimate d over the change of x between the last two points it was
   * taken at (the secant curvature of f(x, y*(x)) along x's path): the size of an x_step cure
   * (secant_note). sec [4 nx]: the last d and its x, then d and x at step K/2 (creep_size). */
  double *sec;
  bool sec_have, sec_half;
  double sec_L, sec_min, sec_max; /* the last, least and largest since the start or the last
                                   * recovery: a size is given only where they agree */
  bool halve;       /* on_divergence = halve */
  int x_halvings, y_halvings; /* recoveries that halved x_step, y_step */
  int64_t good_step; /* the step of x_good, y_good */
  /* A non-finite oracle output by the same call of a step from the same iterate as the last
   * recovery's (futile_recovery): the oracle calls before the step, and that failure's. */
  uint64_t step_calls0;
  struct { int kind; const char *what; uint64_t offset; int64_t from; double y_step; } last_fail;
  bool cancel;      /* on_trace asked to stop */
  double flops[BLO_K_COUNT]; /* job_flops: the kernels' flops per call, whole job */
  bool have_flops;
  double *row;      /* a trace row for on_trace */
  /* a sampled problem's full variant, asked for by the end-of-run check (full_objective):
   * whether it was, and whether it built (res->full_twin) */
  bool full_asked, full_built;
  /* lower_lag's last measure: its length over max(|y|, |y*(x)|) (a lower bound; NaN: none,
   * or lag_curv: its CG met a curvature that is not positive, and its length bounds nothing),
   * and whether its CG reached its residual with y within 1e-6 of |y*(x)| (check_estimate's
   * note: the formula at the method's own y then stands for grad phi) */
  double lag_rel;
  bool lag_near, lag_curv;
  /* the least g of the trace points (the start's included) and its step (-1: none), and the
   * first trace point since which |grad_y g| stayed within 5% of its value there (frozen: y on
   * a plateau of g, check_lower_left), with the count of trace points since and that value */
  double g_low;
  int64_t g_low_step;
  int64_t gy_frozen_step, gy_frozen_n;
  double gy_frozen;
  bool lower_left; /* check_lower_left warned */
  /* the first trace point whose Ritz values showed the lower Hessian singular or not positive
   * definite (step -1: none), for unchecked_note */
  struct { int64_t step; double lo, hi; } ritz_low;
} Run;

/* A note of the run's ("bloc: note: TEXT"; none with quiet), as its y_step notes are. */
RT_API void rt_run_note(Run *r, const char *text);

/* Where `bloc eval --what phi` measures the phi over all the data of sampled problem p, in the
 * words of the run's note and of its summary (RtResult.full_twin): NULL on p itself, when its
 * full variant builds (lends: its data can lend themselves to one, f64 and not sharded, and p
 * has no batch(1) set, whose variant drops a dimension); else on which twin program. */
RT_API const char *rt_full_twin(const BloProblem *p, bool lends);

/* Make the start's trace point (r->start_tp, ok) the best one: its x, the method's y and v,
 * f, g, |grad_y g| and the first step's |d| into res->best_* (keep_start, and a failed run's
 * best no lower in f than the start's). */
RT_API void rt_run_best_start(Run *r);

/* Make the end's trace point (the final values, r->dw.val) the best one (best_lagged). */
RT_API void rt_run_best_end(Run *r);

/* The end-of-run checks, once after the loop (rt_run_checks.c): warnings (rt_solver_warn) of
 * what the run's status alone would hide. */
RT_API void rt_run_checks(Run *r);

#endif
