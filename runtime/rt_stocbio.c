/* rt_stocbio.c — stocBiO (Ji, Yang, Liang 2021): T gradient steps on y, then the truncated
 * Neumann series v = eta sum_{q=0..Q} (I - eta A)^q b (Q + 1 terms, Q HVPs, independent draws;
 * v is rebuilt every step, not warm-started), then the x step. Q + 1 terms as in the authors'
 * code, so that neumann_steps = Q means their estimator. */
#include <stdio.h>

#include "rt_solver.h"
#include "rt_mem.h"

typedef struct Neu {
  int Q;
  double *p, *Ap;
} Neu;

static int neu_setup(RtSolver *s, char *err, size_t errlen) {
  Neu *N = rt_solver_mem(s, sizeof *N);
  if (!N || !(N->p = rt_solver_vec(s, s->ny)) || !(N->Ap = rt_solver_vec(s, s->ny))) {
    rt_oom_errf(err, errlen, "out of memory");
    return -1;
  }
  N->Q = (int)rt_solver_num(s, "neumann_steps");
  s->state = N;
  return 0;
}

static void neu_step(RtSolver *s, int64_t k) {
  Neu *N = s->state;
  rt_lower_gd(s, s->x, s->y, s->inner_steps, s->y_step);
  rt_upper_grads(s);
  rt_neumann_sum(s, s->b, N->Q + 1, s->v, N->p, N->Ap); /* Q + 1 terms: Q HVPs */
  rt_upper_step(s, k);
}

RT_API const RtMethodImpl rt_impl_stocbio = {"stocbio", RT_SCHED_POLY, true, neu_setup, neu_step,
                                             NULL, rt_lower_next_y, NULL, NULL, NULL};
