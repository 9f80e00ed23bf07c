/* rt_soba.c — SOBA (Dagreou, Ablin, Vaiter, Moreau 2022): at z = (x, y, v), one joint step
 *   y <- y - y_step grad_y g,   v <- v - eta (A v - b),   x <- x - x_step (grad_x f - J v),
 * every direction evaluated at the same z before any update (A v and J v from one fused call).
 * Per step: 1 grad_g, 1 grad_f, 1 HVP, 1 mixed. SOBA takes exactly one y step per outer step. */
#include <stdio.h>

#include "rt_linalg.h"
#include "rt_solver.h"
#include "rt_mem.h"

typedef struct Soba {
  double *Av;
} Soba;

/* inner_steps = 1 is rt_options_check's rule (fixed_opts), checked before setup. */
static int soba_setup(RtSolver *s, char *err, size_t errlen) {
  Soba *S = rt_solver_mem(s, sizeof *S);
  if (!S || !(S->Av = rt_solver_vec(s, s->ny)) || !(s->ya = rt_solver_vec(s, s->ny))) {
    rt_oom_errf(err, errlen, "out of memory");
    return -1;
  }
  s->state = S;
  return 0;
}

static void soba_step(RtSolver *s, int64_t k) {
  Soba *S = s->state;
  int64_t n = s->ny;
  rt_oracle_grad_g(&s->o, RT_DRAW_FRESH, s->x, s->y, s->gy);
  rt_oracle_hvp_both(&s->o, RT_DRAW_FRESH, s->x, s->y, s->v, S->Av, s->jv);
  rt_copy(n, s->y, s->ya);
  rt_upper_grads(s); /* f, grad_x f, b at z; xa = x */
  rt_axpy(n, -s->y_step, s->gy, s->y);
  rt_axpy(n, -s->eta, S->Av, s->v);
  rt_axpy(n, s->eta, s->b, s->v);
  rt_sub(s->nx, s->gx, s->jv, s->d);
  rt_x_update(s, k);
}

RT_API const RtMethodImpl rt_impl_soba = {"soba", RT_SCHED_POLY, true, soba_setup, soba_step, NULL,
                                          NULL, NULL, NULL, NULL};
