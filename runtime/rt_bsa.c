/* rt_bsa.c — BSA (Ghadimi, Wang 2018): T gradient steps on y, then the randomly truncated
 * Neumann estimate v = Q eta (I - eta A)^q b with q ~ U{0..Q-1} (q HVPs, unbiased for stocBiO's
 * truncated sum), then x <- x - x_step max(0.01, (k+1)^-x_decay) d, x_decay = 0.5 by default. */
#include <stdio.h>

#include "rt_solver.h"

typedef struct Rnd {
  int Q;
  double *Ap;
  int st_trunc;
} Rnd;

static int bsa_setup(RtSolver *s, char *err, size_t errlen) {
  Rnd *R = rt_solver_mem(s, sizeof *R);
  if (!R || !(R->Ap = rt_solver_vec(s, s->ny))) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  R->Q = (int)rt_solver_num(s, "neumann_steps");
  R->st_trunc = rt_solver_stat(s, "mean_truncation");
  s->state = R;
  return 0;
}

static void bsa_step(RtSolver *s, int64_t k) {
  Rnd *R = s->state;
  rt_lower_gd(s, s->x, s->y, s->inner_steps, s->y_step);
  rt_upper_grads(s);
  int q = rt_neumann_random(s, s->b, R->Q, s->v, R->Ap);
  s->stats[R->st_trunc] += (q - s->stats[R->st_trunc]) / (double)(k + 1);
  rt_upper_step(s, k);
}

RT_API const RtMethodImpl rt_impl_bsa = {"bsa", RT_SCHED_POLY_FLOOR, true, bsa_setup, bsa_step, NULL, NULL};
