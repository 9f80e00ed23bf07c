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
/* rt_ystep_watch: rises in a row, and their growth, that make the estimate stale */
#define RT_YSTEP_RISES 3
#define RT_YSTEP_GROWTH 2.0
#define RT_YSTEP_RISE_TOL 1e-6
/* Past this growth the lower loop has blown up, and its y says nothing of the curvature where
 * the steps are taken: stocBiO on g = y^4 + y^2/2 - x c y went from |grad_y g| 4.81 to 2.4e22
 * in 3 steps, an estimate there gave L = 4e15 and y_step 2e-16, y stayed out there and x went
 * to 0 (the answer is 1.97). The divergence tests and their recovery, which halves y_step
 * from the last good iterate, take it from there. */
#define RT_YSTEP_GROWTH_MAX 1e3

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
  /* The method's lower loop watched between estimates (rt_ystep_watch): |grad_y g| at each of
   * its gradient steps, over the outer steps, the start of the current run of rises, their
   * count, and whether they made the estimate stale (the run loop estimates again before the
   * next outer step). */
  double gy_last, gy_from;
  int rises;
  /* On a sampled problem, each step's draw is new and the per-step rises are the draws' noise
   * as often as not: the lowest |grad_y g| of each outer step's loop (loop_min, of the step
   * min_step), watched over the outer steps the same way (rt_ystep_watch). */
  double loop_min, loop_max, min_last, min_from, max_from;
  int min_rises;
  int64_t min_step;
  int64_t step;        /* the outer step under way (rt_solver_step) */
  int64_t watch_step;  /* 1 + the last step the watch estimated in (0: none) */
  char note[512];      /* an estimate within the step, announced: for the run loop to print */
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
/* A gradient step of the method's lower loop with the auto step took |grad_y g| = gn (at the
 * y it stepped from). When it rose at each of the last RT_YSTEP_RISES steps (across outer
 * steps: the loop goes on from the y the last one left) to over RT_YSTEP_GROWTH times the value
 * before the rises, estimates L again at once, at (s->x, y), at most once an outer step, and
 * returns true when it did (s->y_step and a following eta then hold the new step, for the rest
 * of the step; the note, if any, in s->ystep.note). That L only raises the last one (the step
 * only shrinks: at a y the loop threw away the curvature can be lower, |x| + y^2 softened);
 * a failed estimate (not positive definite there) changes nothing.
 * Gradient descent with a step below 2/L does not raise it so (a minibatch draw's noise, or an
 * x step moving y*(x), once); one over 2/L raises it along the top eigenvector by |1 - y_step
 * L| a step: the curvature grew past the estimate between two of them (ystep_every apart).
 * O(1) unless it estimates. */
RT_API bool rt_ystep_watch(struct RtSolver *s, const double *y, double gn);

#endif
