/* rt_subbio.c — SubBiO (same paper as LancBiO): each step minimises 1/2 v'A v - b'v over
 * span{b, v - eta A v}, a 2x2 Galerkin system (3 HVPs, one draw so the system sees one matrix),
 * then the LancBiO x step. Default eta = y_step. */
#include <math.h>
#include <stdio.h>

#include "rt_linalg.h"
#include "rt_solver.h"
#include "rt_mem.h"

typedef struct Sub {
  double *Av, *p2, *Ap1, *Ap2;
  int st_fallback;
} Sub;

static int sub_setup(RtSolver *s, char *err, size_t errlen) {
  Sub *S = rt_solver_mem(s, sizeof *S);
  if (!S || !(S->Av = rt_solver_vec(s, s->ny)) || !(S->p2 = rt_solver_vec(s, s->ny)) ||
      !(S->Ap1 = rt_solver_vec(s, s->ny)) || !(S->Ap2 = rt_solver_vec(s, s->ny))) {
    rt_oom_errf(err, errlen, "out of memory");
    return -1;
  }
  S->st_fallback = rt_solver_stat(s, "one_dim_fallbacks");
  s->state = S;
  return 0;
}

static void sub_step(RtSolver *s, int64_t k) {
  Sub *S = s->state;
  int64_t n = s->ny;
  rt_lower_gd(s, s->x, s->y, s->inner_steps, s->y_step);
  rt_upper_grads(s);
  const double *b = s->b;
  RtDraw key = rt_oracle_draw(&s->o);
  /* p1 = b, p2 = v - eta A v */
  rt_oracle_hvp(&s->o, key, s->x, s->y, s->v, S->Av);
  rt_copy(n, s->v, S->p2);
  rt_axpy(n, -s->eta, S->Av, S->p2);
  rt_oracle_hvp(&s->o, key, s->x, s->y, b, S->Ap1);
  rt_oracle_hvp(&s->o, key, s->x, s->y, S->p2, S->Ap2);
  double g11 = rt_dot(n, b, S->Ap1), g22 = rt_dot(n, S->p2, S->Ap2);
  double g12 = 0.5 * (rt_dot(n, b, S->Ap2) + rt_dot(n, S->p2, S->Ap1));
  double r1 = rt_dot(n, b, b), r2 = rt_dot(n, S->p2, b);
  double det = g11 * g22 - g12 * g12;
  /* The 2x2 Galerkin matrix of an SPD A is SPD unless p1, p2 are (nearly) parallel (e.g. v = 0
   * at the first step); then minimise along b alone. */
  if (det > 1e-12 * fabs(g11 * g22) && g11 > 0) {
    double c1 = (g22 * r1 - g12 * r2) / det, c2 = (g11 * r2 - g12 * r1) / det;
    rt_axpby(n, c2, S->p2, 0.0, s->v);
    rt_axpy(n, c1, b, s->v);
  } else {
    s->stats[S->st_fallback]++;
    if (g11 > 0) {
      rt_copy(n, b, s->v);
      rt_scal(n, r1 / g11, s->v);
    } else if (r1 > 0) {
      rt_solver_warn(s, "subbio.curvature",
                     "outer step %lld: b'Ab = %.3g <= 0: the lower Hessian is not "
                     "positive definite; v kept",
                     (long long)k + 1, g11);
    }
  }
  rt_upper_step(s, k);
}

RT_API const RtMethodImpl rt_impl_subbio = {"subbio", RT_SCHED_POLY, true, sub_setup, sub_step,
                                            NULL, rt_lower_next_y, NULL, NULL, NULL};
