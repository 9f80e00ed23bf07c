/* rt_diag.c — trace-point diagnostics (rt_diag.h). */
#include "rt_diag.h"

#include <math.h>

#include "rt_linalg.h"
#include "rt_tridiag.h"

RT_API int rt_diag_setup(RtDiagWork *w, RtSolver *s, int ritz_steps, bool residual) {
  w->ritz_steps = ritz_steps;
  w->residual = residual;
  RtRng r = rt_rng_stream(s->seed, "diag.lanczos");
  w->lanczos_seed = rt_rng_next(&r);
  int64_t m = ritz_steps > 0 ? ritz_steps : 1;
  w->gy = rt_solver_vec(s, s->ny);
  w->Av = rt_solver_vec(s, s->ny);
  w->q = rt_solver_vec(s, 2 * s->ny);
  w->u = rt_solver_vec(s, s->ny);
  w->alpha = rt_solver_vec(s, m);
  w->beta = rt_solver_vec(s, m);
  w->val.y = rt_solver_vec(s, s->ny);
  w->val.reports = rt_solver_vec(s, s->p->n_reports > 0 ? s->p->n_reports : 1);
  w->draws = s->p->n_samples > 0 ? (int)rt_solver_num(s, "eval_draws") : 1;
  w->gy_sum = rt_solver_vec(s, s->ny);
  w->yi = rt_solver_vec(s, s->ny);
  w->rep_i = rt_solver_vec(s, s->p->n_reports > 0 ? s->p->n_reports : 1);
  return w->gy && w->Av && w->q && w->u && w->alpha && w->beta && w->val.y && w->val.reports &&
                 w->gy_sum && w->yi && w->rep_i
             ? 0
             : -1;
}

RT_API int rt_lanczos_extremes(RtOracle *o, const double *x, const double *y,
                               const RtLanczosRun *run, double *lo, double *hi) {
  int64_t n = o->ny;
  int steps = run->steps;
  uint64_t seed = run->seed;
  double *q = run->q, *u = run->u, *alpha = run->alpha, *beta = run->beta;
  if (steps < 1) return 0;
  RtRng r;
  rt_rng_seed(&r, seed);
  double *qc = q, *qp = q + n;
  for (int64_t i = 0; i < n; i++) qc[i] = rt_rng_uniform(&r, -1, 1);
  rt_scal(n, 1.0 / rt_nrm2(n, qc), qc);
  rt_zero(n, qp);
  RtDraw key = rt_oracle_draw(o); /* one matrix for the whole run */
  int j = 0;
  double b = 0, hnorm = 0;
  while (j < steps) {
    rt_oracle_hvp(o, key, x, y, qc, u);
    if (j > 0) rt_axpy(n, -b, qp, u);
    double a = rt_dot(n, qc, u);
    rt_axpy(n, -a, qc, u);
    alpha[j] = a;
    j++;
    double bprev = b;
    b = rt_nrm2(n, u);
    /* An invariant subspace: b falls to rounding noise, eps ||H|| times a growth that can
     * reach 1e-12 ||H|| when the Krylov space is small (l2 terms give many equal eigenvalues).
     * A threshold far above the noise makes the step count, and with it the oracle counts,
     * the same under every BLAS; the Ritz values are then within 1e-8 ||H|| anyway. */
    hnorm = fmax(hnorm, fabs(a) + b + bprev);
    if (j == steps || !(b > 1e-8 * fmax(hnorm, 1e-300))) break;
    beta[j - 1] = b;
    double *t = qp;
    qp = qc;
    qc = t;
    rt_copy(n, u, qc);
    rt_scal(n, 1.0 / b, qc);
  }
  if (!rt_all_finite(j, alpha) || !rt_all_finite(j - 1, beta)) return 0;
  rt_tridiag_extremes(j, alpha, beta, lo, hi);
  if (run->resid) *run->resid = b;
  return j;
}

/* f, g, |grad_y g| and the reports over w->draws draws: the first (already in w->val, gradient
 * in w->gy) and draws - 1 more. The lower point stays v->y, except for unrolled methods, whose
 * y is the draw's own (its task's adapted parameters); their |grad_y g| is then the mean of the
 * norms, otherwise the norm of the mean gradient. */
static void average_draws(RtDiagWork *w, RtSolver *s) {
  RtDiagValues *v = &w->val;
  RtOracle *o = &s->o;
  int64_t ny = s->ny;
  int nr = s->p->n_reports;
  bool own_y = s->opt.method->unrolled && s->impl->diag_y && !w->kept_y;
  double gn = v->gy_norm;
  rt_copy(ny, w->gy, w->gy_sum);
  for (int i = 1; i < w->draws; i++) {
    RtDraw key = rt_oracle_draw(o);
    const double *y = v->y;
    if (own_y) {
      s->impl->diag_y(s, key, w->yi);
      y = w->yi;
    }
    v->f += rt_oracle_f(o, key, s->x, y);
    v->g += rt_oracle_grad_g(o, key, s->x, y, w->gy);
    rt_axpy(ny, 1.0, w->gy, w->gy_sum);
    gn += rt_nrm2(ny, w->gy);
    rt_oracle_reports(o, key, s->x, y, w->rep_i);
    rt_axpy(nr, 1.0, w->rep_i, v->reports);
  }
  double inv = 1.0 / w->draws;
  v->f *= inv;
  v->g *= inv;
  rt_scal(nr, inv, v->reports);
  v->gy_norm = own_y ? gn * inv : rt_nrm2(ny, w->gy_sum) * inv;
}

/* y <- the lower iterate that belongs to the current x (the method's diag_y, else s->y) and
 * w->gy <- grad_y g there, on draw key (diagnostic mode); returns g. */
static double lower_point(RtDiagWork *w, RtSolver *s, RtDraw key, double *y) {
  if (s->impl->diag_y && !w->kept_y) s->impl->diag_y(s, key, y);
  else rt_copy(s->ny, s->y, y);
  return rt_oracle_grad_g(&s->o, key, s->x, y, w->gy);
}

RT_API double rt_diag_lower_norm(RtDiagWork *w, RtSolver *s) {
  bool prev = rt_oracle_set_diag(&s->o, true);
  lower_point(w, s, rt_oracle_draw(&s->o), w->yi);
  rt_oracle_set_diag(&s->o, prev);
  return rt_nrm2(s->ny, w->gy);
}

RT_API void rt_diag_eval_kept(RtDiagWork *w, RtSolver *s, int64_t steps_done) {
  w->kept_y = true;
  rt_diag_eval(w, s, steps_done);
  w->kept_y = false;
}

RT_API void rt_diag_eval(RtDiagWork *w, RtSolver *s, int64_t steps_done) {
  RtDiagValues *v = &w->val;
  RtOracle *o = &s->o;
  bool prev = rt_oracle_set_diag(o, true);
  rt_oracle_clear_diag_fail(o); /* the draw a non-finite f or g came from: this point's */
  uint64_t counter = rt_oracle_diag_at_step(o, steps_done);
  /* One draw for the whole trace point: y (unrolled: y_r of one task), f, g and the reports
   * all see the same samples. */
  RtDraw key = rt_oracle_draw(o);
  v->g = lower_point(w, s, key, v->y);
  v->gy_norm = rt_nrm2(s->ny, w->gy);
  v->f = rt_oracle_f(o, key, s->x, v->y);
  rt_oracle_reports(o, key, s->x, v->y, v->reports);
  if (w->draws > 1) average_draws(w, s);
  v->residual = NAN;
  if (w->residual && s->v && steps_done > 0) {
    rt_oracle_hvp(o, key, s->xa, s->ya, s->v, w->Av);
    rt_axpy(s->ny, -1.0, s->b, w->Av);
    v->residual = rt_nrm2(s->ny, w->Av);
  }
  v->ritz_min = v->ritz_max = v->ritz_resid = NAN;
  v->ritz_lanczos = 0;
  double lo, hi, resid = NAN;
  int n;
  if (s->impl->ritz && steps_done > 0 && s->impl->ritz(s, w->ritz_steps, &lo, &hi)) {
    v->ritz_min = lo;
    v->ritz_max = hi;
  } else if ((n = rt_lanczos_extremes(o, s->x, v->y,
                                      &(RtLanczosRun){w->ritz_steps, w->lanczos_seed, w->q, w->u,
                                                      w->alpha, w->beta, &resid},
                                      &lo, &hi)) > 0) {
    v->ritz_min = lo;
    v->ritz_max = hi;
    v->ritz_resid = resid;
    v->ritz_lanczos = n;
  }
  rt_oracle_diag_resume(o, counter);
  rt_oracle_set_diag(o, prev);
}
