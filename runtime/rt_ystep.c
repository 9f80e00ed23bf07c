/* rt_ystep.c — y_step = auto (rt_ystep.h). */
#include "rt_ystep.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rt_diag.h"
#include "rt_hypergrad.h"
#include "rt_linalg.h"
#include "rt_solver.h"

RT_API int rt_ystep_setup(struct RtSolver *s, bool eta_derived) {
  RtYStep *a = &s->ystep;
  memset(a, 0, sizeof *a);
  a->eta_follows = eta_derived;
  const char *w = rt_opt_word(&s->opt, "y_step");
  if (!w || strcmp(w, "auto") != 0) return 0;
  a->on = true;
  a->steps = s->ny < RT_YSTEP_LANCZOS ? (int)s->ny : RT_YSTEP_LANCZOS;
  RtRng r = rt_rng_stream(s->seed, "ystep.lanczos");
  a->seed = rt_rng_next(&r);
  a->q = rt_solver_vec(s, 2 * s->ny);
  a->u = rt_solver_vec(s, s->ny);
  a->alpha = rt_solver_vec(s, a->steps);
  a->beta = rt_solver_vec(s, a->steps);
  a->ritz_min = a->ritz_max = NAN;
  a->L = 0;
  a->scale = 1;
  a->every = (int64_t)rt_solver_num(s, "ystep_every");
  a->gy_last = INFINITY;
  a->loop_min = a->min_last = INFINITY;
  a->min_step = -1;
  s->y_step = NAN;
  return a->q && a->u && a->alpha && a->beta ? 0 : -1;
}

/* The products were not finite at (s->x, y): whether g or grad_y g already is not (one
 * diagnostic call, after the failure only), which is then the cause to name, with its first
 * non-finite element, as the steps' check of the start does (rt_run.c,
 * derivative_not_finite). 0.01 * norm(W) ^ 2 in g from W0 = 0 (norm's gradient is 0/0 there)
 * was told "the lower Hessian-vector products are not finite" before the first step, which
 * came first in the run, while bloc eval said grad_y g had no finite values. True when msg was
 * written. */
static bool first_not_finite(struct RtSolver *s, const double *y, int64_t step, const char *when,
                             char *msg, size_t msglen) {
  RtOracle *o = &s->o;
  double *gy = s->ystep.u; /* the Lanczos work, free after the failure */
  bool prev = rt_oracle_set_diag(o, true);
  RtDraw key = rt_oracle_draw(o);
  double g = rt_oracle_grad_g(o, key, s->x, y, gy);
  rt_oracle_set_diag(o, prev);
  int64_t at = -1;
  for (int64_t j = 0; j < s->ny && at < 0; j++)
    if (!isfinite(gy[j])) at = j;
  if (isfinite(g) && at < 0) return false;
  char none[256];
  if (!isfinite(g))
    rt_not_finite_at(none, sizeof none, step, "g", g, 0, 1);
  else
    rt_not_finite_at(none, sizeof none, step, "grad_y g", gy[at], at, s->ny);
  snprintf(msg, msglen, "y_step = auto %s: %s, so no lower Hessian-vector product is finite "
           "either (%s)", when, none,
           isfinite(g) ? RT_NOT_FINITE_CURE : "start where g is defined and finite");
  return true;
}

/* The estimate at (s->x, y), `when` naming it in the messages: rt_ystep_refresh. */
static int estimate(struct RtSolver *s, const double *y, int64_t step, const char *when,
                    bool shrink, char *msg, size_t msglen) {
  RtYStep *a = &s->ystep;
  double lo = NAN, hi = NAN;
  a->gy_last = INFINITY; /* the watch starts again with the new step */
  a->rises = a->min_rises = 0;
  a->min_last = INFINITY;
  /* Method calls (own draw keys and counts): the estimate is part of the method's work. */
  RtLanczosRun run = {a->steps, a->seed, a->q, a->u, a->alpha, a->beta, NULL};
  int n = rt_lanczos_extremes(&s->o, s->x, y, &run, &lo, &hi);
  a->estimates++;
  a->ritz_min = lo;
  a->ritz_max = hi;
  if (n == 0) {
    if (!first_not_finite(s, y, step, when, msg, msglen))
      snprintf(msg, msglen, "y_step = auto %s: the lower Hessian-vector products are not finite",
               when);
    return -1;
  }
  /* The same threshold as the trace points' non-convexity warning (rt_run.c). */
  /* every one negative: g concave in y, most often a maximisation left unnegated (a duopoly's
   * follower's profit), where "give y_step explicitly" diverged (y_step 0.1: |y| = 1e10 at
   * step 592, exit 2) */
  if (hi < 0) {
    snprintf(msg, msglen, "y_step = auto %s: the lower Hessian has Ritz values in [%.6g, %.6g], "
             "all negative: %s", when, lo, hi, RT_CONCAVE_CURE);
    return -1;
  }
  /* one clearly negative beside a positive one: g curves down along some direction, where y
   * grows at every y_step. "give y_step explicitly" was the cure first named on a consumer's
   * quadratic utility that is not concave at that x (demand.blo, eigenvalues -0.00275,
   * -0.00249, 0.018: unbounded below in y), which no y_step cures; not within f32 rounding
   * of 0 (below) */
  if (hi > 0 && lo < -1e-10 * hi && !*rt_f32_rounding_note(s->p, lo, hi)) {
    snprintf(msg, msglen, "y_step = auto %s: the lower Hessian has Ritz values in [%.6g, %.6g]; "
             "it is not positive definite: g is not convex in y there, and no gradient step on "
             "y is safe (y grows along the directions where g curves down at every y_step); "
             "where g has no minimiser in y at that x (unbounded below, as a quadratic with a "
             "negative eigenvalue) no y_step helps: bound x (box bounds) to where g is convex "
             "in y, or make g strongly convex in y (a ridge term such as + 0.5 * sumsq(y)); "
             "where g is convex only near its minimiser, start y nearer it (a lower "
             "initialiser) or give y_step explicitly",
             when, lo, hi);
    return -1;
  }
  if (!(hi > 0) || lo < -1e-10 * fabs(hi)) {
    /* at f32 a Ritz value within float rounding of 0 is more likely the data's rounding (a
     * column scaled by 1e5: [-154.9, 9.4e9] on an SPD Hessian, which did not say so) */
    snprintf(msg, msglen, "y_step = auto %s: the lower Hessian has Ritz values in [%.6g, %.6g]%s; "
             "it is not positive definite, so the lower level is not strongly convex there and "
             "no gradient step on y is safe (give y_step explicitly, or make g strongly convex "
             "in y)", when, lo, hi, rt_f32_rounding_note(s->p, lo, hi));
    return -1;
  }
  bool stochastic = blo_problem_stochastic(s->p);
  /* the watch on a sampled problem: rises of one draw's gradient norm over the next can be the
   * draws' noise, and where the step taken is still stable for this estimate (y_step L < 2)
   * nothing is to shrink (AID-CG from x0 = 100 shrank its y_step on a draw's larger curvature
   * and ended far from x*) */
  if (shrink && stochastic && s->y_step * hi < 2) return 0;
  a->L = (stochastic || shrink) && a->L > hi ? a->L : hi;
  s->y_step = a->scale / (RT_YSTEP_SAFETY * a->L);
  if (a->eta_follows) s->eta = s->y_step; /* options.eta stays the word y_step */
  if (a->announced > 0 && fabs(s->y_step / a->announced - 1) <= RT_YSTEP_ANNOUNCE) return 0;
  a->announced = s->y_step;
  snprintf(msg, msglen, "y_step = auto: %.6g %s (%g/(%g L), L = %.6g the largest Ritz value "
           "of the lower Hessian from %d Lanczos steps%s)%s", s->y_step, when, a->scale,
           RT_YSTEP_SAFETY, a->L, n,
           stochastic ? ", the largest over the draws so far" : "",
           a->eta_follows ? "; eta follows it" : "");
  return 1;
}

RT_API int rt_ystep_refresh(struct RtSolver *s, int64_t step, char *msg, size_t msglen) {
  if (!s->ystep.on) return 0;
  /* when: before the step it is for; a run of outer_steps = 0 takes none */
  char when[48];
  if (s->outer_steps == 0) snprintf(when, sizeof when, "at the start");
  else snprintf(when, sizeof when, "before outer step %lld", (long long)step + 1);
  return estimate(s, s->y, step, when, false, msg, msglen);
}

/* The watch again, at an estimate that went stale: once an outer step at most, its cost
 * bounded. True when it estimated (rt_ystep_watch). */
static bool watch_estimate(struct RtSolver *s, const double *y, double from, double to,
                           const char *over) {
  RtYStep *a = &s->ystep;
  if (a->watch_step == a->step + 1) return false;
  a->watch_step = a->step + 1;
  char when[240], msg[sizeof a->note - 64]; /* room for the v note */
  snprintf(when, sizeof when, "during outer step %lld, as the lower loop's |grad_y g| rose "
           "from %.3g to %.3g %s", (long long)a->step + 1, from, to, over);
  int rc = estimate(s, y, a->step, when, true, msg, sizeof msg);
  /* a failed estimate (not positive definite there) leaves the step as it was, to the
   * divergence tests and their recovery (a g not convex in y: rt_run.c) */
  if (rc != 1) return rc >= 0;
  /* The step shrank. A v kept across steps by eta = y_step blew up with y, along the same
   * directions, and x's later moves turned them into ones of low curvature, where the smaller
   * step shrinks them no faster than 1 - eta mu a step: AmIGO-GD on the Fashion-MNIST head
   * above kept |A v - b| above 1e4 for its 200 steps and ended uphill (phi 1.86 from 1.04).
   * It starts again from 0, as the method's first step did. */
  bool v_reset = a->eta_follows && s->impl->has_v;
  if (v_reset) rt_zero(s->ny, s->v);
  snprintf(a->note, sizeof a->note, "%s%s", msg,
           v_reset ? "; v, built with the larger eta, starts again from 0" : "");
  return true;
}

/* Whether the lowest |grad_y g| of the outer steps' loops rose RT_YSTEP_RISES times in a row,
 * to over RT_YSTEP_GROWTH times the largest of the loop before the rises: the whole loop
 * above that one's range (a sampled problem; called at the first step of an outer step's loop,
 * the one before it done). The lowest values alone rose so 12 times in 300 steps of BSA
 * converging on a quadratic (2100 lower variables, batch(10) of 100): the draws' noise.
 * Hyper-representation on Fashion-MNIST (a softmax head on 32 tanh features, batch(100) of
 * 1000): the curvature grew from L 0.57 to 12 in ten outer steps, y_step stayed 1.39, and
 * every outer step's loop rose from 0.23 to 5.7 - but one draw's |grad_y g| over the next
 * fell as often as it rose, the per-step watch never saw three rises, and aid_cg ended at
 * chance (phi 2.308, from 1.036). */
static bool loop_min_rose(RtYStep *a) {
  double m = a->loop_min, top = a->loop_max;
  a->loop_min = INFINITY;
  a->loop_max = 0;
  if (!isfinite(m)) return false;
  if (!(m > a->min_last * (1 + RT_YSTEP_RISE_TOL))) {
    a->min_rises = 0;
    a->min_from = m;
    a->max_from = top;
  } else {
    a->min_rises++;
  }
  a->min_last = m;
  return a->min_rises >= RT_YSTEP_RISES && m > RT_YSTEP_GROWTH * a->max_from &&
         m <= RT_YSTEP_GROWTH_MAX * a->min_from;
}

RT_API bool rt_ystep_watch(struct RtSolver *s, const double *y, double gn) {
  RtYStep *a = &s->ystep;
  if (blo_problem_stochastic(s->p)) {
    bool rose = a->min_step != a->step && a->min_step >= 0 && loop_min_rose(a);
    a->min_step = a->step;
    if (isfinite(gn) && gn < a->loop_min) a->loop_min = gn;
    if (isfinite(gn) && gn > a->loop_max) a->loop_max = gn;
    if (rose) { /* (its words only then: this runs at every inner step) */
      char over[96];
      snprintf(over, sizeof over, "over the loops of %d outer steps (their lowest values)",
               a->min_rises);
      if (watch_estimate(s, y, a->min_from, a->min_last, over)) return true;
    }
  }
  /* a gradient that is not finite is the divergence tests' (rt_run.c), which name it; an
   * estimate there would only see it again */
  /* a rise is one past the rounding of the norm (1e-6 of it): a tie broken by rounding made
   * the estimates, and the method's HVP count, differ between bloc run and the emitted solver
   * (ok_regather: 286 against 289) */
  if (!(gn > a->gy_last * (1 + RT_YSTEP_RISE_TOL)) || !isfinite(gn)) {
    a->rises = 0;
    a->gy_from = gn;
  } else if (++a->rises >= RT_YSTEP_RISES &&
             gn > RT_YSTEP_GROWTH * a->gy_from &&
             gn <= RT_YSTEP_GROWTH_MAX * a->gy_from && a->watch_step != a->step + 1) {
    char over[48];
    snprintf(over, sizeof over, "in %d steps", a->rises);
    return watch_estimate(s, y, a->gy_from, gn, over);
  }
  a->gy_last = gn;
  return false;
}
