/* rt_f2sa.c — F2SA (Kwon, Kwon, Wright, Nowak, ICML 2023), fully first order: minimise the
 * penalty form f(x, y) + lambda (g(x, y) - g(x, z)) with z ~ argmin g, as the authors' code:
 *   T times, same x:  z <- z - theta grad_y g(x, z);
 *                     y <- y - theta (grad_y f + lambda grad_y g)(x, y)
 *   d = grad_x f(x, y) + lambda (grad_x g(x, y) - grad_x g(x, z));  x <- x - x_step/(k+1)^x_decay d
 *   lambda <- lambda + delta_lambda/(k+1)        (lambda_k = lambda0 + delta_lambda H_k)
 * s->y is z, the lower-level iterate: diagnostics, reports and the saved y are taken there, as
 * the authors measure test accuracy on z. The penalised y is the method's own (F->yp); both
 * start at y0. No HVP, no mixed product: grad_x g is the one extra kernel. */
#include <stdio.h>

#include "rt_linalg.h"
#include "rt_solver.h"
#include "rt_mem.h"

typedef struct F2sa {
  double *yp;      /* the penalised variable y [ny] */
  double *gfy;     /* grad_y f at (x, yp) [ny] */
  double *gxz;     /* grad_x g at (x, z) [nx] */
  double lambda0, dlambda;
  double lambda;   /* lambda of step lambda_k (k = lambda_k) */
  int64_t lambda_k;
  int st_lambda;
  RtRising rising; /* the penalised gradient at the inner steps of the last step */
} F2sa;

static int f2sa_setup(RtSolver *s, char *err, size_t errlen) {
  F2sa *F = rt_solver_mem(s, sizeof *F);
  if (!F || !(F->yp = rt_solver_vec(s, s->ny)) || !(F->gfy = rt_solver_vec(s, s->ny)) ||
      !(F->gxz = rt_solver_vec(s, s->nx))) {
    rt_oom_errf(err, errlen, "out of memory");
    return -1;
  }
  F->lambda0 = rt_solver_num(s, "lambda0");
  F->dlambda = rt_solver_num(s, "delta_lambda");
  F->lambda = F->lambda0;
  F->lambda_k = 0;
  F->st_lambda = rt_solver_stat(s, "lambda");
  rt_copy(s->ny, s->y, F->yp);
  s->state = F;
  return 0;
}

/* lambda_k, accumulated as the authors' code does (lambda += delta/(k+1) in double); a step
 * index out of sequence (a test stepping by hand) sums the schedule again from lambda0. */
static double f2sa_lambda(F2sa *F, int64_t k) {
  if (k != F->lambda_k) {
    F->lambda = F->lambda0;
    for (int64_t j = 0; j < k; j++) F->lambda += F->dlambda / (double)(j + 1);
    F->lambda_k = k;
  }
  return F->lambda;
}

static void f2sa_step(RtSolver *s, int64_t k) {
  F2sa *F = s->state;
  int64_t nx = s->nx, ny = s->ny;
  double lambda = f2sa_lambda(F, k), theta = s->y_step;
  F->rising = rt_rising_start(s->inner_steps);
  for (int t = 0; t < s->inner_steps; t++) {
    rt_oracle_grad_g(&s->o, RT_DRAW_FRESH, s->x, s->y, s->gy); /* z step */
    rt_axpy(ny, -theta, s->gy, s->y);
    /* the penalised step: grad_y f and grad_y g on one draw */
    RtDraw key = rt_oracle_draw(&s->o);
    rt_oracle_grad_f(&s->o, key, s->x, F->yp, NULL, F->gfy);
    rt_oracle_grad_g(&s->o, key, s->x, F->yp, s->gy);
    rt_axpy(ny, lambda, s->gy, F->gfy);
    rt_rising_note(&F->rising, rt_nrm2(ny, F->gfy));
    rt_axpy(ny, -theta, F->gfy, F->yp);
  }
  /* d = grad_x f(x, y) + lambda (grad_x g(x, y) - grad_x g(x, z)), all on one draw */
  RtDraw key = rt_oracle_draw(&s->o);
  s->f_est = rt_oracle_grad_f(&s->o, key, s->x, F->yp, s->gx, NULL);
  rt_oracle_grad_x_g(&s->o, key, s->x, F->yp, s->jv);
  rt_oracle_grad_x_g(&s->o, key, s->x, s->y, F->gxz);
  rt_sub(nx, s->jv, F->gxz, s->d);
  rt_axpby(nx, 1.0, s->gx, lambda, s->d);
  rt_x_update(s, k);
  F->lambda = lambda + F->dlambda / (double)(k + 1);
  F->lambda_k = k + 1;
  s->stats[F->st_lambda] = F->lambda;
}

/* Back to an earlier (x, z): the penalised y restarts from z, as it may have blown up. */
static void f2sa_reset(RtSolver *s) {
  F2sa *F = s->state;
  rt_copy(s->ny, s->y, F->yp);
  F->rising = rt_rising_start(0);
}

/* The penalised y is gradient descent on f + lambda g, stable only while theta (L_f + lambda L_g)
 * < 2, and lambda grows every step: a y_step fit for g alone blew it up (a 1-D problem at
 * lambda = 1.5 with y_step = auto = 0.8), which halving x_step three times could not cure
 * (RtRising: its gradient grows by |1 - theta (L_f + lambda L_g)| at each inner step). */
static bool f2sa_blew_up(const RtSolver *s) {
  const F2sa *F = s->state;
  return F->rising.all;
}

RT_API const RtMethodImpl rt_impl_f2sa = {"f2sa",         RT_SCHED_POLY,   false,
                                          f2sa_setup,     f2sa_step,       NULL,
                                          rt_lower_next_y, f2sa_reset,     f2sa_blew_up};
