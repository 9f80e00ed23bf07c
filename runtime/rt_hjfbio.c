/* rt_hjfbio.c — HJFBiO (Feihu Huang, ICML 2024), Hessian/Jacobian free: SOBA's joint single
 * step with A v and J v replaced by central differences of gradients, as the authors' code:
 *   h = (grad_y g(x, y + delta v) - grad_y g(x, y - delta v)) / (2 delta)     ~ A v
 *   p = (grad_x g(x, y + delta v) - grad_x g(x, y - delta v)) / (2 delta)     ~ J v
 *   v <- v - eta (h - b);  y <- y - y_step grad_y g(x, y);  x <- x - x_step (grad_x f - p)
 * every quantity at the same (x, y, v) (Jacobi style), b = grad_y f(x, y). v is not normalised
 * (the perturbation is delta |v|) and nothing projects or clips it, as in the code. For g
 * quadratic in y the differences are exact up to rounding; otherwise their error is O(delta^2).
 * The four gradients at y +- delta v share one draw (a difference of two minibatches would not
 * estimate a derivative), and so does grad_y g at y. */
#include <stdio.h>
#include <string.h>

#include "rt_linalg.h"
#include "rt_solver.h"
#include "rt_mem.h"

typedef struct Hjf {
  double delta;
  double *yd;     /* y + delta v, then y - delta v [ny] */
  double *h, *hm; /* grad_y g at y + delta v, y - delta v [ny] */
  double *pm;     /* grad_x g at y - delta v [nx] (the one at y + delta v goes to s->jv) */
} Hjf;

/* inner_steps is not hjfbio's (rt_method_unused_option): setting it is refused. */
static int hjf_setup(RtSolver *s, char *err, size_t errlen) {
  Hjf *H = rt_solver_mem(s, sizeof *H);
  if (!H) goto oom;
  H->delta = rt_solver_num(s, "delta");
  if (!(H->delta > 0)) {
    snprintf(err, errlen, "option 'delta' must be positive (the finite-difference step), got %g",
             H->delta);
    return -1;
  }
  if (!(H->yd = rt_solver_vec(s, s->ny)) || !(H->h = rt_solver_vec(s, s->ny)) ||
      !(H->hm = rt_solver_vec(s, s->ny)) || !(H->pm = rt_solver_vec(s, s->nx)) ||
      !(s->ya = rt_solver_vec(s, s->ny)))
    goto oom;
  const char *vi = rt_opt_word(&s->opt, "v_init");
  if (vi && strcmp(vi, "uniform") == 0)
    for (int64_t i = 0; i < s->ny; i++) s->v[i] = rt_rng_uniform(&s->rng, 0, 1);
  s->state = H;
  return 0;
oom:
  rt_oom_errf(err, errlen, "out of memory");
  return -1;
}

RT_API void rt_hjfbio_differences(RtSolver *s, RtDraw key, double delta, double *Av,
                                  double *Jv) {
  Hjf *H = s->state;
  int64_t nx = s->nx, ny = s->ny;
  double scale = 1.0 / (2.0 * delta);
  rt_copy(ny, s->y, H->yd);
  rt_axpy(ny, delta, s->v, H->yd);
  rt_oracle_grad_g(&s->o, key, s->x, H->yd, Av);
  rt_oracle_grad_x_g(&s->o, key, s->x, H->yd, Jv);
  rt_copy(ny, s->y, H->yd);
  rt_axpy(ny, -delta, s->v, H->yd);
  rt_oracle_grad_g(&s->o, key, s->x, H->yd, H->hm);
  rt_oracle_grad_x_g(&s->o, key, s->x, H->yd, H->pm);
  rt_axpy(ny, -1.0, H->hm, Av);
  rt_scal(ny, scale, Av);
  rt_axpy(nx, -1.0, H->pm, Jv);
  rt_scal(nx, scale, Jv);
}

static void hjf_step(RtSolver *s, int64_t k) {
  Hjf *H = s->state;
  int64_t ny = s->ny;
  RtDraw key = rt_oracle_draw(&s->o);
  rt_hjfbio_differences(s, key, H->delta, H->h, s->jv);
  rt_oracle_grad_g(&s->o, key, s->x, s->y, s->gy);
  rt_copy(ny, s->y, s->ya);
  rt_upper_grads(s); /* f, grad_x f, b at (x, y); xa = x */
  rt_axpy(ny, -s->eta, H->h, s->v);
  rt_axpy(ny, s->eta, s->b, s->v);
  rt_axpy(ny, -s->y_step, s->gy, s->y);
  rt_sub(s->nx, s->gx, s->jv, s->d);
  rt_x_update(s, k);
}

RT_API const RtMethodImpl rt_impl_hjfbio = {"hjfbio", RT_SCHED_POLY, true, hjf_setup, hjf_step,
                                            NULL, NULL, NULL, NULL, NULL};
