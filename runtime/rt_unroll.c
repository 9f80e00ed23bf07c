/* rt_unroll.c — forward and reverse passes through the unrolled lower loop (rt_unroll.h). */
#include "rt_unroll.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rt_linalg.h"
#include "rt_mem.h"

RT_API int rt_unroll_setup(RtSolver *s, RtUnroll *u, int r, double alpha, bool per_step,
                    RtUnrollMode mode, char *err, size_t errlen) {
  int64_t nx = s->nx, ny = s->ny;
  u->r = r;
  u->alpha = alpha;
  u->per_step = per_step;
  u->mode = mode;
  int64_t nstore = 0;
  if (mode == RT_UNROLL_STORE) nstore = r;
  if (mode == RT_UNROLL_SQRT) {
    u->seg = (int)ceil(sqrt((double)r));
    u->nck = (r + u->seg - 1) / u->seg;
    nstore = u->nck + u->seg;
  }
  if (!(u->y0 = rt_solver_vec(s, ny)) || !(u->yt = rt_solver_vec(s, ny)) ||
      !(u->v = rt_solver_vec(s, ny)) || !(u->Av = rt_solver_vec(s, ny)) ||
      !(u->gy = rt_solver_vec(s, ny)) || !(u->gx = rt_solver_vec(s, nx)) ||
      !(u->Jv = rt_solver_vec(s, nx)) || !(u->acc = rt_solver_vec(s, nx)) ||
      (nstore > 0 && !(u->store = rt_solver_vec(s, nstore * ny)))) {
    /* the bytes it needed, and what needs fewer: ufom with q = 1 is itd's gradient (g_U = g_E,
     * to rounding), and its sqrt checkpoints keep about 2 sqrt(r) iterates; itd said only
     * "(10000000 stored iterates of 2000)" */
    int64_t seg = (int64_t)ceil(sqrt((double)r)), nsq = (r + seg - 1) / seg + seg;
    char hint[256] = "";
    if (mode == RT_UNROLL_STORE)
      snprintf(hint, sizeof hint,
               "; %scheckpoint = sqrt keeps %lld of them (%.0f bytes), recomputing about r "
               "inner steps per exact gradient: the same gradient to rounding",
               strcmp(s->opt.method->name, "ufom") == 0 ? "" : "ufom with q = 1 and ",
               (long long)nsq, (double)nsq * (double)ny * sizeof(double));
    else if (mode == RT_UNROLL_SQRT)
      snprintf(hint, sizeof hint,
               "; checkpoint = none keeps none, recomputing r(r-1)/2 inner steps per exact "
               "gradient");
    rt_oom_errf(err, errlen,
                "out of memory for the unrolled loop: %lld stored iterates of %lld doubles need "
                "%.0f bytes%s",
                (long long)nstore, (long long)ny, (double)nstore * (double)ny * sizeof(double),
                hint);
    return -1;
  }
  return 0;
}

RT_API int rt_unroll_setup_from_options(RtSolver *s, RtUnroll *u, RtUnrollMode mode, char *err,
                                 size_t errlen) {
  const char *rs = rt_opt_word(&s->opt, "resample");
  return rt_unroll_setup(s, u, (int)rt_solver_num(s, "r"), rt_solver_num(s, "inner_lr"),
                         rs && strcmp(rs, "step") == 0, mode, err, errlen);
}

RT_API uint64_t rt_unroll_keys(const RtUnroll *u) { return u->per_step ? (uint64_t)u->r + 1 : 1; }

static RtDraw step_key(const RtUnroll *u, RtDraw base, int t) {
  return u->per_step ? base + (RtDraw)t : base;
}
static RtDraw outer_key(const RtUnroll *u, RtDraw base) {
  return u->per_step ? base + (RtDraw)u->r : base;
}

/* Whether the run asked to stop within the step (RtSolver.stop): the step is then abandoned.
 * One load of a flag per inner step or more, beside a kernel call. */
static bool stop_now(RtSolver *s) {
  if (s->stop && *s->stop) s->abandoned = true;
  return s->abandoned;
}

/* y <- y - alpha grad_y g(x, y) with step t's draw; gbuf is scratch [ny]. */
static void inner_step(RtSolver *s, const RtUnroll *u, RtDraw base, int t, const double *x,
                       double *y, double *gbuf) {
  rt_oracle_grad_g(&s->o, step_key(u, base, t), x, y, gbuf);
  rt_axpy(s->ny, -u->alpha, gbuf, y);
}

RT_API double rt_unroll_forward(RtSolver *s, RtUnroll *u, RtDraw base, const double *x,
                                double *gF) {
  int64_t ny = s->ny;
  rt_oracle_init_y(&s->o, outer_key(u, base), x, u->y0);
  rt_copy(ny, u->y0, u->yt);
  u->rising = rt_rising_start(u->r);
  for (int t = 0; t < u->r; t++) {
    if (stop_now(s)) return NAN;
    if (u->mode == RT_UNROLL_STORE) rt_copy(ny, u->yt, u->store + (int64_t)t * ny);
    if (u->mode == RT_UNROLL_SQRT && t % u->seg == 0)
      rt_copy(ny, u->yt, u->store + (int64_t)(t / u->seg) * ny);
    inner_step(s, u, base, t, x, u->yt, u->gy);
    rt_rising_note(&u->rising, rt_nrm2(ny, u->gy));
  }
  double f = rt_oracle_grad_f(&s->o, outer_key(u, base), x, u->yt, u->gx, u->gy);
  rt_oracle_init_vjp(&s->o, outer_key(u, base), x, u->gy, u->Jv);
  rt_copy(s->nx, u->gx, gF);
  rt_axpy(s->nx, 1.0, u->Jv, gF);
  return f;
}

/* One reverse step at y_t: acc += -alpha J(x, y_t) v;  v <- v - alpha A(x, y_t) v. */
static void reverse_step(RtSolver *s, RtUnroll *u, RtDraw base, int t, const double *x,
                         const double *yt) {
  rt_oracle_hvp_both(&s->o, step_key(u, base, t), x, yt, u->v, u->Av, u->Jv);
  rt_axpy(s->nx, -u->alpha, u->Jv, u->acc);
  rt_axpy(s->ny, -u->alpha, u->Av, u->v);
}

RT_API void rt_unroll_exact(RtSolver *s, RtUnroll *u, RtDraw base, const double *x, double *gE) {
  int64_t ny = s->ny;
  rt_copy(ny, u->gy, u->v);     /* v_r = grad_y f(x, y_r) */
  rt_copy(s->nx, u->gx, u->acc);
  switch (u->mode) {
  case RT_UNROLL_RECOMPUTE:
    for (int t = u->r - 1; t >= 0; t--) {
      if (stop_now(s)) return;
      rt_copy(ny, u->y0, u->yt); /* y_t from y0, replaying steps 0..t-1 (Av is free scratch) */
      for (int i = 0; i < t; i++) inner_step(s, u, base, i, x, u->yt, u->Av);
      u->extra_steps += (uint64_t)t;
      reverse_step(s, u, base, t, x, u->yt);
    }
    break;
  case RT_UNROLL_SQRT: {
    double *seg = u->store + (int64_t)u->nck * ny;
    for (int c = u->nck - 1; c >= 0; c--) {
      if (stop_now(s)) return;
      int t0 = c * u->seg, t1 = t0 + u->seg < u->r ? t0 + u->seg : u->r;
      rt_copy(ny, u->store + (int64_t)c * ny, seg);
      for (int t = t0 + 1; t < t1; t++) {
        double *yn = seg + (int64_t)(t - t0) * ny;
        rt_copy(ny, yn - ny, yn);
        inner_step(s, u, base, t - 1, x, yn, u->Av);
      }
      u->extra_steps += (uint64_t)(t1 - t0 - 1);
      for (int t = t1 - 1; t >= t0; t--)
        reverse_step(s, u, base, t, x, seg + (int64_t)(t - t0) * ny);
    }
    break;
  }
  case RT_UNROLL_STORE:
    for (int t = u->r - 1; t >= 0; t--) {
      if (stop_now(s)) return;
      reverse_step(s, u, base, t, x, u->store + (int64_t)t * ny);
    }
    break;
  }
  /* g_E = grad_x f + sum_t (dU/dx)^T v_{t+1} + (dPhi/dx)^T v_0 */
  rt_oracle_init_vjp(&s->o, outer_key(u, base), x, u->v, u->Jv);
  rt_copy(s->nx, u->acc, gE);
  rt_axpy(s->nx, 1.0, u->Jv, gE);
}

RT_API bool rt_unroll_blew_up(const RtSolver *s) {
  const RtUnroll *u = s->state;
  return u->rising.all;
}

RT_API void rt_unroll_diag_y(RtSolver *s, RtDraw key, double *y) {
  RtUnroll *u = s->state;
  bool prev = rt_oracle_set_diag(&s->o, true);
  RtDraw base = u->per_step ? rt_oracle_draws(&s->o, rt_unroll_keys(u)) : key;
  rt_oracle_init_y(&s->o, outer_key(u, base), s->x, y);
  for (int t = 0; t < u->r; t++) inner_step(s, u, base, t, s->x, y, u->Av);
  rt_oracle_set_diag(&s->o, prev);
}
