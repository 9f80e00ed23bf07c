/* rt_fom.c — FOM (first-order MAML): g_F = grad_x f(x, y_r) + (dPhi/dx)^T grad_y f(x, y_r) over
 * the unrolled loop, no second derivatives, O(1) memory; averaged over meta_batch task draws;
 * x <- x - x_step/(k+1)^x_decay g_F. Biased: it ignores how y_r depends on x through the loop. */
#include <stdio.h>

#include "rt_linalg.h"
#include "rt_unroll.h"
#include "rt_mem.h"

typedef struct Fo {
  RtUnroll u; /* first member: rt_unroll_diag_y */
  double *gF;
} Fo;

static int fom_setup(RtSolver *s, char *err, size_t errlen) {
  Fo *F = rt_solver_mem(s, sizeof *F);
  if (!F) goto oom;
  s->state = F;
  if (rt_unroll_setup_from_options(s, &F->u, RT_UNROLL_RECOMPUTE, err, errlen)) return -1;
  if (!(F->gF = rt_solver_vec(s, s->nx))) goto oom;
  return 0;
oom:
  rt_oom_errf(err, errlen, "out of memory");
  return -1;
}

static void fom_step(RtSolver *s, int64_t k) {
  Fo *F = s->state;
  int K = s->meta_batch;
  double fsum = 0;
  rt_zero(s->nx, s->d);
  for (int i = 0; i < K; i++) {
    RtDraw base = rt_oracle_draws(&s->o, rt_unroll_keys(&F->u));
    fsum += rt_unroll_forward(s, &F->u, base, s->x, F->gF);
    if (s->abandoned) return; /* a stop request: x, y as before the step */
    rt_axpy(s->nx, 1.0 / K, F->gF, s->d);
  }
  s->f_est = fsum / K;
  rt_copy(s->ny, F->u.yt, s->y);
  rt_x_update(s, k);
}

RT_API const RtMethodImpl rt_impl_fom = {"fom", RT_SCHED_POLY, false, fom_setup, fom_step, NULL,
                                         rt_unroll_diag_y, NULL,
                                         rt_unroll_blew_up, NULL};
