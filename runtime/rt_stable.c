/* rt_stable.c — STABLE (T. Chen, Y. Sun, Q. Xiao, W. Yin, AISTATS 2022), single timescale, as
 * the authors' code: both inverses of A = grad2_yy g(x_k, y_k) are truncated Neumann series
 * N(r) = eta sum_{q=0..Q} (I - eta A)^q r (Q HVPs, cold start, as stocbio), and y takes the
 * implicit correction of the x step:
 *   b = grad_y f, gy = grad_y g, v = N(b), d = grad_x f - J v, x_{k+1} = P(x_k - x_step d)
 *   dx = x_{k+1} - x_k;  w = N(J^T dx);  y <- y - y_step gy - w
 * all at (x_k, y_k). dx is the step taken (the paper's x_{k+1} - x_k): the optimizer's
 * direction and the projection onto the constraints of x included. With -x_step d instead, a
 * solution on the boundary of the constraints (d != 0 there) would keep pushing y off y*(x).
 * correction = authors: w = x_step N(J^T J v), which is what their code
 * computes (u = -J^T J v, y <- y - beta gy + alpha N(u)); the two agree when grad_x f = 0, as
 * on hyper-cleaning. The paper's momentum estimates of the second derivatives and its
 * projection are not in the code and not here. */
#include <stdio.h>
#include <string.h>

#include "rt_linalg.h"
#include "rt_solver.h"
#include "rt_mem.h"

typedef struct Stable {
  int Q;
  bool authors;      /* correction = authors */
  double *p, *Ap;    /* Neumann work [ny] */
  double *u, *w;     /* J^T (x step), its Neumann image [ny] */
  double *dx, *xn;   /* the x step taken, x_{k+1} [nx] (correction = step) */
} Stable;

static int stable_setup(RtSolver *s, char *err, size_t errlen) {
  if (s->inner_steps != 1) {
    snprintf(err, errlen, "option 'inner_steps' = %d: method 'stable' takes one y step per outer "
             "step (the authors' code ignores its T); inner_steps must be 1", s->inner_steps);
    return -1;
  }
  Stable *S = rt_solver_mem(s, sizeof *S);
  if (!S || !(S->p = rt_solver_vec(s, s->ny)) || !(S->Ap = rt_solver_vec(s, s->ny)) ||
      !(S->u = rt_solver_vec(s, s->ny)) || !(S->w = rt_solver_vec(s, s->ny)) ||
      !(S->dx = rt_solver_vec(s, s->nx)) || !(S->xn = rt_solver_vec(s, s->nx)) ||
      !(s->ya = rt_solver_vec(s, s->ny))) {
    rt_oom_errf(err, errlen, "out of memory");
    return -1;
  }
  S->Q = (int)rt_solver_num(s, "neumann_steps");
  const char *c = rt_opt_word(&s->opt, "correction");
  S->authors = c && strcmp(c, "authors") == 0;
  s->state = S;
  return 0;
}

static void stable_step(RtSolver *s, int64_t k) {
  Stable *S = s->state;
  int64_t ny = s->ny;
  rt_oracle_grad_g(&s->o, RT_DRAW_FRESH, s->x, s->y, s->gy);
  rt_copy(ny, s->y, s->ya);
  rt_upper_grads(s); /* f, grad_x f, b at (x_k, y_k); xa = x */
  rt_neumann_sum(s, s->b, S->Q + 1, s->v, S->p, S->Ap);
  rt_oracle_mixed(&s->o, RT_DRAW_FRESH, s->x, s->y, s->v, s->jv);
  rt_sub(s->nx, s->gx, s->jv, s->d);
  if (S->authors) { /* w = alpha N(J^T J v): y gets -w */
    double alpha = rt_step_size(s, k);
    rt_oracle_mixed_t(&s->o, RT_DRAW_FRESH, s->x, s->y, s->jv, S->u);
    rt_neumann_sum(s, S->u, S->Q + 1, S->w, S->p, S->Ap);
    rt_axpy(ny, -s->y_step, s->gy, s->y);
    rt_axpy(ny, -alpha, S->w, s->y);
    rt_x_update(s, k);
    return;
  }
  /* w = N(J^T dx) with A and J at (x_k, y_k): x goes back to x_k (xa) for the series */
  rt_x_update(s, k);
  rt_copy(s->nx, s->x, S->xn);
  rt_sub(s->nx, S->xn, s->xa, S->dx);
  rt_copy(s->nx, s->xa, s->x);
  rt_oracle_mixed_t(&s->o, RT_DRAW_FRESH, s->x, s->y, S->dx, S->u);
  rt_neumann_sum(s, S->u, S->Q + 1, S->w, S->p, S->Ap);
  rt_copy(s->nx, S->xn, s->x);
  rt_axpy(ny, -s->y_step, s->gy, s->y);
  rt_axpy(ny, -1.0, S->w, s->y);
}

RT_API const RtMethodImpl rt_impl_stable = {"stable", RT_SCHED_POLY, true, stable_setup,
                                            stable_step, NULL, NULL, NULL, NULL, NULL};
