/* rt_ystep.h — y_step = auto: the lower gradient step 1/(RT_YSTEP_SAFETY L), L the largest Ritz
 * value of the lower Hessian A = d2g/dydy at the current (x, y), from a short Lanczos run of at
 * most RT_YSTEP_LANCZOS HVPs (rt_lanczos_extremes; one draw of the sample sets for stochastic
 * problems). Gradient descent on a quadratic with Hessian A is stable for steps below 2/L; the
 * Ritz value is a lower bound of L that a few Lanczos steps bring close, and the safety factor
 * covers what it misses. Stochastic problems estimate on one draw; as one draw's curvature
 * understates another's, L is the largest estimate so far there (the step only shrinks). A
 * method's eta that defaults to y_step
 * follows the estimate. The run loop estimates before the first step and again every
 * ystep_every steps (rt_run.c; not at trace points, so that tracing never changes the iterates);
 * the HVPs are the method's oracle calls. */
#ifndef BLOC_RT_YSTEP_H
#define BLOC_RT_YSTEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rt_api.h"

#define RT_YSTEP_SAFETY 1.25
#define RT_YSTEP_LANCZOS 20
/* A new estimate is announced when it differs from the last announced one by this fraction. */
#define RT_YSTEP_ANNOUNCE 0.1

struct RtSolver;

typedef struct RtYStep {
  bool on;             /* the method's y_step is "auto" */
  bool eta_follows;    /* eta derived from y_step: takes its estimates and halvings */
  int steps;           /* Lanczos steps: min(RT_YSTEP_LANCZOS, ny) */
  double *q, *u, *alpha, *beta;
  uint64_t seed;
  double ritz_min, ritz_max; /* of the last estimate */
  double L;            /* the L of the step in use (stochastic: the largest estimate so far) */
  double scale;        /* 1, halved by each recovery that halves y_step (on_divergence, rt_run.c),
                        * so later estimates keep the smaller step: y_step = scale/(SAFETY L) */
  double announced;    /* the step last announced (0: none yet) */
  int64_t every;       /* ystep_every: outer steps between estimates */
  int estimates;
} RtYStep;

/* Whether s's y_step option is "auto"; if so, allocate the Lanczos work through the solver and
 * leave s->y_step NaN until the first estimate. eta_derived: eta had no value of its own. 0, or
 * -1 when out of memory. */
RT_API int rt_ystep_setup(struct RtSolver *s, bool eta_derived);
/* Estimate L at (s->x, s->y) and set s->y_step (and eta when it follows). Returns 0, 1 when the
 * step changed materially since it was last announced (text in msg, to print), or -1 when the
 * lower Hessian is not positive definite there or the products are not finite (the reason in
 * msg; y_step unchanged). No-op (0) unless y_step is auto. */
RT_API int rt_ystep_refresh(struct RtSolver *s, int64_t step, char *msg, size_t msglen);
/* (step: outer steps done, 0-based index of the step that follows.) */

#endif
