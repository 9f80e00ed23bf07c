/* rt_ttsa.c — TTSA (Hong, Wai, Wang, Yang 2020): two time scales — a single y gradient step
 * per outer step (inner_steps = 1 by default), the randomly truncated Neumann estimate of BSA,
 * and x <- x - x_step max(0.01, (k+1)^-x_decay) d with the slower x_decay = 0.4. */
#include <stdio.h>

#include "rt_solver.h"

typedef struct Ttsa {
  int Q;
  double *Ap;
  int st_trunc;
} Ttsa;

static int ttsa_setup(RtSolver *s, char *err, size_t errlen) {
  Ttsa *R = rt_solver_mem(s, sizeof *R);
  if (!R || !(R->Ap = rt_solver_vec(s, s->ny))) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  R->Q = (int)rt_solver_num(s, "neumann_steps");
  R->st_trunc = rt_solver_stat(s, "mean_truncation");
  s->state = R;
  return 0;
}

static void ttsa_step(RtSolver *s, int64_t k) {
  Ttsa *R = s->state;
  rt_lower_gd(s, s->x, s->y, s->inner_steps, s->y_step);
  rt_upper_grads(s);
  int q = rt_neumann_random(s, s->b, R->Q, s->v, R->Ap);
  s->stats[R->st_trunc] += (q - s->stats[R->st_trunc]) / (double)(k + 1);
  rt_upper_step(s, k);
}

RT_API const RtMethodImpl rt_impl_ttsa = {"ttsa", RT_SCHED_POLY_FLOOR, true, ttsa_setup, ttsa_step, NULL, NULL};
