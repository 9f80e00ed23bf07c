/* rt_diag.h — diagnostics at trace points: f, g, |grad_y g| and the reports at the current
 * point, the residual |A v - b| of the last linear system (one HVP), and Ritz estimates of the
 * extreme eigenvalues of the lower Hessian (the method's own Krylov basis when it holds at
 * least ritz_steps vectors, else a short Lanczos run of ritz_steps HVPs). Every call here is a
 * diagnostic oracle call: its own draw keys and counters, so tracing never changes the
 * method's iterates or its oracle counts. A trace point uses one draw for all of its values
 * (the generic Lanczos run another, for one consistent matrix); on a stochastic problem f, g,
 * |grad_y g| and the reports average `eval_draws` draws (the method option). */
#ifndef BLOC_RT_DIAG_H
#define BLOC_RT_DIAG_H

#include <stdbool.h>

#include "rt_api.h"
#include "rt_solver.h"

typedef struct RtDiagValues {
  double f, g, gy_norm;
  double residual;            /* NaN when not computed */
  double ritz_min, ritz_max;  /* NaN when not computed */
  /* how well they are resolved, when the generic Lanczos run gave them: its last residual
   * |A q_j - alpha_j q_j - beta_{j-1} q_{j-1}| (each Ritz value within about it of an
   * eigenvalue, no eigenvalue hidden below it), and its steps; NaN and 0 otherwise (the
   * method's own basis) */
  double ritz_resid;
  int ritz_lanczos;
  double *reports;            /* [n_reports], owned by RtDiagWork */
  double *y;                  /* the lower point used [ny], owned by RtDiagWork */
} RtDiagValues;

typedef struct RtDiagWork {
  int ritz_steps;
  bool residual;
  int draws;                  /* draws averaged (eval_draws; 1 on a deterministic problem) */
  double *gy, *Av, *q, *u, *alpha, *beta;
  double *gy_sum, *yi, *rep_i; /* averaging work [ny], [ny], [n_reports] */
  uint64_t lanczos_seed;
  /* evaluate at the method's own y (s->y), not the lower point of the current x: the pair a
   * run that stopped on a numerical failure keeps, where that lower point diverged */
  bool kept_y;
  RtDiagValues val;
} RtDiagWork;

/* Allocate through the solver. ritz_steps: Lanczos steps of the generic Ritz estimate (0: no
 * Ritz values except the method's own). residual: compute |A v - b| for methods that keep v. */
RT_API int rt_diag_setup(RtDiagWork *w, RtSolver *s, int ritz_steps, bool residual);
/* Evaluate at the solver's current point, after steps_done outer steps (> 0 enables the
 * residual); its draws are the step's own (rt_oracle_diag_at_step). */
RT_API void rt_diag_eval(RtDiagWork *w, RtSolver *s, int64_t steps_done);
/* The same at the solver's current x and its own y (w->kept_y), with no lower steps. */
RT_API void rt_diag_eval_kept(RtDiagWork *w, RtSolver *s, int64_t steps_done);
/* |grad_y g| at the solver's current x and the lower iterate that belongs to it (the y a trace
 * point evaluates at), with diagnostic calls only; w's values are left as they were. */
RT_API double rt_diag_lower_norm(RtDiagWork *w, RtSolver *s);
/* A run of Lanczos for extreme eigenvalues: its length, the seed of its pseudo-random start,
 * and its work q [2 ny], u [ny], alpha, beta [steps]. */
typedef struct RtLanczosRun {
  int steps;
  uint64_t seed;
  double *q, *u, *alpha, *beta;
  double *resid; /* optional out: the residual norm of the last step (NULL: not wanted) */
} RtLanczosRun;

/* Extreme eigenvalue estimates *lo, *hi from run->steps Lanczos steps on A(x, y) from a
 * pseudo-random start (seed run->seed); returns the number of steps taken (0: none). */
RT_API int rt_lanczos_extremes(RtOracle *o, const double *x, const double *y,
                               const RtLanczosRun *run, double *lo, double *hi);

#endif
