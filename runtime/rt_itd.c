/* rt_itd.c — iterative differentiation: the exact unrolled gradient g_E by reverse mode through
 * the r inner steps, all r iterates stored by the forward pass (O(r ny) memory, r HVP + mixed
 * pairs, no recomputation); averaged over meta_batch task draws; x <- x - x_step/(k+1)^x_decay g_E.
 */
#include <stdio.h>

#include "rt_linalg.h"
#include "rt_unroll.h"
#include "rt_mem.h"

typedef struct Itd {
  RtUnroll u; /* first member: rt_unroll_diag_y */
  double *gF, *gE;
} Itd;

static int itd_setup(RtSolver *s, char *err, size_t errlen) {
  Itd *T = rt_solver_mem(s, sizeof *T);
  if (!T) goto oom;
  s->state = T;
  if (rt_unroll_setup_from_options(s, &T->u, RT_UNROLL_STORE, err, errlen)) return -1;
  if (!(T->gF = rt_solver_vec(s, s->nx)) || !(T->gE = rt_solver_vec(s, s->nx))) goto oom;
  return 0;
oom:
  rt_oom_errf(err, errlen, "out of memory");
  return -1;
}

static void itd_step(RtSolver *s, int64_t k) {
  Itd *T = s->state;
  int K = s->meta_batch;
  double fsum = 0;
  rt_zero(s->nx, s->d);
  for (int i = 0; i < K; i++) {
    RtDraw base = rt_oracle_draws(&s->o, rt_unroll_keys(&T->u));
    fsum += rt_unroll_forward(s, &T->u, base, s->x, T->gF);
    if (s->abandoned) return; /* a stop request: x, y as before the step */
    rt_unroll_exact(s, &T->u, base, s->x, T->gE);
    if (s->abandoned) return;
    rt_axpy(s->nx, 1.0 / K, T->gE, s->d);
  }
  s->f_est = fsum / K;
  rt_copy(s->ny, T->u.yt, s->y);
  rt_x_update(s, k);
}

RT_API const RtMethodImpl rt_impl_itd = {"itd", RT_SCHED_POLY, false, itd_setup, itd_step, NULL,
                                         rt_unroll_diag_y, NULL,
                                         rt_unroll_blew_up, NULL};
