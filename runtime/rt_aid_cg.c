/* rt_aid_cg.c — AmIGO-CG / AID-CG: T gradient steps on y, then Q conjugate-gradient steps on
 * A v = b warm-started from the previous v (one draw for the whole CG run, which needs a fixed
 * matrix), then the x step. HVPs per step: Q + 1 (the initial residual). */
#include <stdio.h>

#include "rt_solver.h"
#include "rt_mem.h"

typedef struct Cg {
  int Q;
  double *r, *p, *Ap;
  int st_curv;
} Cg;

static int cg_setup(RtSolver *s, char *err, size_t errlen) {
  Cg *C = rt_solver_mem(s, sizeof *C);
  if (!C || !(C->r = rt_solver_vec(s, s->ny)) || !(C->p = rt_solver_vec(s, s->ny)) ||
      !(C->Ap = rt_solver_vec(s, s->ny))) {
    rt_oom_errf(err, errlen, "out of memory");
    return -1;
  }
  C->Q = (int)rt_solver_num(s, "cg_steps");
  C->st_curv = rt_solver_stat(s, "negative_curvature_stops");
  s->state = C;
  return 0;
}

static void cg_step(RtSolver *s, int64_t k) {
  Cg *C = s->state;
  rt_lower_gd(s, s->x, s->y, s->inner_steps, s->y_step);
  rt_upper_grads(s);
  RtCgRun run = {.b = s->b, .max_steps = C->Q, .r = C->r, .p = C->p, .Ap = C->Ap};
  if (rt_cg(s, rt_oracle_draw(&s->o), s->x, s->y, s->v, &run) < 0) s->stats[C->st_curv]++;
  rt_upper_step(s, k);
}

RT_API const RtMethodImpl rt_impl_aid_cg = {"aid_cg", RT_SCHED_POLY, true, cg_setup, cg_step, NULL,
                                           rt_lower_next_y, NULL, NULL, NULL};
