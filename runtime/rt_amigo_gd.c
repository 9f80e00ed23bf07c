/* rt_amigo_gd.c — AmIGO-GD: T gradient steps on y, then Q warm-started gradient steps
 * v <- v - eta (A v - b) (a fresh draw per product: stochastic gradient steps on the quadratic),
 * then the x step. HVPs per step: Q. */
#include <stdio.h>

#include "rt_linalg.h"
#include "rt_solver.h"
#include "rt_mem.h"

typedef struct Gd {
  int Q;
  double *Av;
} Gd;

static int gd_setup(RtSolver *s, char *err, size_t errlen) {
  Gd *G = rt_solver_mem(s, sizeof *G);
  if (!G || !(G->Av = rt_solver_vec(s, s->ny))) {
    rt_oom_errf(err, errlen, "out of memory");
    return -1;
  }
  G->Q = (int)rt_solver_num(s, "v_steps");
  s->state = G;
  return 0;
}

static void gd_step(RtSolver *s, int64_t k) {
  Gd *G = s->state;
  rt_lower_gd(s, s->x, s->y, s->inner_steps, s->y_step);
  rt_upper_grads(s);
  for (int q = 0; q < G->Q; q++) {
    rt_oracle_hvp(&s->o, RT_DRAW_FRESH, s->x, s->y, s->v, G->Av);
    rt_axpy(s->ny, -s->eta, G->Av, s->v);
    rt_axpy(s->ny, s->eta, s->b, s->v);
  }
  rt_upper_step(s, k);
}

RT_API const RtMethodImpl rt_impl_amigo_gd = {"amigo_gd", RT_SCHED_POLY, true, gd_setup, gd_step,
                                              NULL, rt_lower_next_y, NULL, NULL, NULL};
