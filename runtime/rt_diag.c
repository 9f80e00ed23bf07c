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
  return w->gy && w->Av && w->q && w->u && w->alpha && w->beta && w->val.y && w->val.reports ? 0 : -1;
}

RT_API int rt_lanczos_extremes(RtOracle *o, const double *x, const double *y, int steps, uint64_t seed,
                        double *q, double *u, double *alpha, double *beta, double *lo, double *hi) {
  int64_t n = o->ny;
  if (steps < 1) return 0;
  RtRng r;
  rt_rng_seed(&r, seed);
  double *qc = q, *qp = q + n;
  for (int64_t i = 0; i < n; i++) qc[i] = rt_rng_uniform(&r, -1, 1);
  rt_scal(n, 1.0 / rt_nrm2(n, qc), qc);
  rt_zero(n, qp);
  RtDraw key = rt_oracle_draw(o); /* one matrix for the whole run */
  int j = 0;
  double b = 0;
  while (j < steps) {
    rt_oracle_hvp(o, key, x, y, qc, u);
    if (j > 0) rt_axpy(n, -b, qp, u);
    double a = rt_dot(n, qc, u);
    rt_axpy(n, -a, qc, u);
    alpha[j] = a;
    j++;
    b = rt_nrm2(n, u);
    if (j == steps || !(b > 1e-12 * fmax(fabs(a), 1e-300))) break;
    beta[j - 1] = b;
    double *t = qp;
    qp = qc;
    qc = t;
    rt_copy(n, u, qc);
    rt_scal(n, 1.0 / b, qc);
  }
  if (!rt_all_finite(j, alpha) || !rt_all_finite(j - 1, beta)) return 0;
  rt_tridiag_extremes(j, alpha, beta, lo, hi);
  return j;
}

RT_API void rt_diag_eval(RtDiagWork *w, RtSolver *s, int64_t steps_done) {
  RtDiagValues *v = &w->val;
  RtOracle *o = &s->o;
  bool prev = rt_oracle_set_diag(o, true);
  /* One draw for the whole trace point: y (unrolled: y_r of one task), f, g and the reports
   * all see the same samples. */
  RtDraw key = rt_oracle_draw(o);
  if (s->impl->diag_y) s->impl->diag_y(s, key, v->y);
  else rt_copy(s->ny, s->y, v->y);
  v->f = rt_oracle_f(o, key, s->x, v->y);
  v->g = rt_oracle_grad_g(o, key, s->x, v->y, w->gy);
  v->gy_norm = rt_nrm2(s->ny, w->gy);
  rt_oracle_reports(o, key, s->x, v->y, v->reports);
  v->residual = NAN;
  if (w->residual && s->v && steps_done > 0) {
    rt_oracle_hvp(o, key, s->xa, s->ya, s->v, w->Av);
    rt_axpy(s->ny, -1.0, s->b, w->Av);
    v->residual = rt_nrm2(s->ny, w->Av);
  }
  v->ritz_min = v->ritz_max = NAN;
  double lo, hi;
  if (s->impl->ritz && steps_done > 0 && s->impl->ritz(s, w->ritz_steps, &lo, &hi)) {
    v->ritz_min = lo;
    v->ritz_max = hi;
  } else if (rt_lanczos_extremes(o, s->x, v->y, w->ritz_steps, w->lanczos_seed, w->q, w->u,
                                 w->alpha, w->beta, &lo, &hi) > 0) {
    v->ritz_min = lo;
    v->ritz_max = hi;
  }
  rt_oracle_set_diag(o, prev);
}
