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
  RtDiagValues val;
} RtDiagWork;

/* Allocate through the solver. ritz_steps: Lanczos steps of the generic Ritz estimate (0: no
 * Ritz values except the method's own). residual: compute |A v - b| for methods that keep v. */
RT_API int rt_diag_setup(RtDiagWork *w, RtSolver *s, int ritz_steps, bool residual);
/* Evaluate at the solver's current point; steps_done > 0 enables the residual. */
RT_API void rt_diag_eval(RtDiagWork *w, RtSolver *s, int64_t steps_done);
/* Extreme eigenvalue estimates from `steps` Lanczos steps on A(x, y) from a pseudo-random start
 * (stream "diag.lanczos" of seed); returns the number of steps taken (0: none). Work q, u,
 * [2 ny] and [ny]; alpha, beta [steps]. */
RT_API int rt_lanczos_extremes(RtOracle *o, const double *x, const double *y, int steps,
                               uint64_t seed, double *q, double *u, double *alpha, double *beta,
                               double *lo, double *hi);

#endif
