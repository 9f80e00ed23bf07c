/* rt_solver.c — solver construction (option resolution, validation, allocation) and the pieces
 * every method shares (see rt_solver.h). */
#include "rt_solver.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rt_linalg.h"
#include "rt_mem.h"

static const RtMethodImpl *const impls[] = {
    &rt_impl_lancbio, &rt_impl_subbio, &rt_impl_ufom, &rt_impl_fom, &rt_impl_itd, &rt_impl_aid_cg,
    &rt_impl_amigo_gd, &rt_impl_soba, &rt_impl_stocbio, &rt_impl_bsa, &rt_impl_ttsa, &rt_impl_f2sa,
    &rt_impl_hjfbio, &rt_impl_stable, &rt_impl_exact};

RT_API const char *rt_method_lacks(const RtMethodSpec *m, const BloProblem *p) {
  /* named as bloc derive and dump-ir name the kernels, not by the ABI's enum */
  if ((m->needs & RT_NEEDS_GRAD_X_G) && !p->kernels[BLO_K_GRAD_X_G])
    return "grad_x_g (the gradient of g in x)";
  if ((m->needs & RT_NEEDS_HVP_YX) && !p->kernels[BLO_K_HVP_YX])
    return "hvp_yx (the transposed mixed product of g)";
  return NULL;
}

RT_API const RtMethodImpl *rt_method_impl(const char *name) {
  for (size_t i = 0; i < sizeof impls / sizeof impls[0]; i++)
    if (strcmp(impls[i]->name, name) == 0) return impls[i];
  return NULL;
}

RT_API void *rt_solver_mem(RtSolver *s, size_t bytes) {
  if (s->nallocs >= RT_MAX_ALLOCS) return NULL;
  void *m = rt_mem_calloc(bytes ? bytes : 1, 1);
  if (m) s->allocs[s->nallocs++] = m;
  return m;
}

RT_API double *rt_solver_vec(RtSolver *s, int64_t n) {
  if (n < 0 || (uint64_t)n > SIZE_MAX / sizeof(double)) return NULL;
  return rt_solver_mem(s, (size_t)n * sizeof(double));
}

RT_API int rt_solver_stat(RtSolver *s, const char *name) {
  if (s->nstats >= RT_MAX_STATS) return RT_MAX_STATS - 1;
  s->stat_names[s->nstats] = name;
  s->stats[s->nstats] = 0;
  return s->nstats++;
}

RT_API int64_t rt_lower_flat_vars(RtSolver *s, const char *key, const double *y, char *buf,
                                  size_t len) {
  const BloProblem *p = s->p;
  if (len) buf[0] = 0;
  if (len < 2 || blo_problem_stochastic(p) || rt_solver_warned(s, key)) return 0;
  double *v = rt_mem_calloc((size_t)s->ny, sizeof *v);
  double *hv = rt_mem_calloc((size_t)s->ny, sizeof *hv);
  char names[160] = "";
  int64_t nflat = 0;
  int nvars = 0;
  bool prev = rt_oracle_set_diag(&s->o, true);
  for (int i = 0; v && hv && i < p->n_vars; i++) {
    const BloVarInfo *vi = &p->vars[i];
    int64_t n = vi->rows * vi->cols;
    if (vi->level != 1 || n <= 0 || n >= s->ny) continue;
    rt_zero(s->ny, v);
    for (int64_t j = 0; j < n; j++) v[vi->offset + j] = 1 + 0.125 * (double)(j % 7);
    rt_oracle_hvp(&s->o, rt_oracle_draw(&s->o), s->x, y, v, hv);
    bool zero = true;
    for (int64_t j = 0; j < s->ny && zero; j++) zero = hv[j] == 0;
    if (!zero) continue;
    size_t at = strlen(names);
    snprintf(names + at, sizeof names - at, "%s'%s'", nvars ? ", " : "", vi->name);
    nvars++;
    nflat += n;
  }
  rt_oracle_set_diag(&s->o, prev);
  rt_mem_free(v);
  rt_mem_free(hv);
  if (nvars == 0) return 0;
  bool many = nvars > 1;
  const char *it = many ? "them" : "it";
  snprintf(buf, len,
           "it is 0 along every element of lower variable%s %s, which g does not "
           "read (bloc check warns at %s declaration) or is linear in: g cannot determine %s, "
           "so %s %s %s initial value%s, which f sees; make g depend on %s, or declare %s %s "
           "upper variable%s or data",
           many ? "s" : "", names, many ? "their" : "its", it, many ? "they" : "it",
           many ? "keep" : "keeps", many ? "their" : "its", many ? "s" : "", it, it,
           many ? "as" : "an", many ? "s" : "");
  return nflat;
}

RT_API void rt_solver_warn(RtSolver *s, const char *key, const char *fmt, ...) {
  for (int i = 0; i < s->nwarn; i++)
    if (strcmp(s->warn[i].key, key) == 0) {
      s->warn[i].count++;
      return;
    }
  if (s->nwarn >= RT_MAX_WARNINGS - 1) {
    /* the table's last entry counts the warnings it has no room for, and is printed and in
     * the JSON as they were not: a ninth warning, the end-of-run checks' included, was
     * dropped unseen (the compile's took four of eight entries) */
    if (s->nwarn == RT_MAX_WARNINGS - 1) {
      RtWarning *w = &s->warn[s->nwarn++];
      w->key = "run.more_warnings";
      w->count = 0;
      w->printed = false;
      snprintf(w->text, sizeof w->text,
               "more warnings than the result keeps (%d): the count is of those left out",
               RT_MAX_WARNINGS - 1);
    }
    s->warn[RT_MAX_WARNINGS - 1].count++;
    return;
  }
  RtWarning *w = &s->warn[s->nwarn++];
  w->key = key;
  w->count = 1;
  w->printed = false;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(w->text, sizeof w->text, fmt, ap);
  va_end(ap);
}

RT_API void rt_solver_warn_shown(RtSolver *s, const char *text) {
  rt_solver_warn(s, text, "%s", text);
  for (int i = 0; i < s->nwarn; i++)
    if (strcmp(s->warn[i].key, text) == 0) s->warn[i].printed = true;
}

RT_API void rt_not_finite_at(char *buf, size_t len, int64_t step, const char *what, double val,
                             int64_t at, int64_t n) {
  char where[48] = "the start";
  if (step > 0) snprintf(where, sizeof where, "the iterate of step %lld", (long long)step);
  char comp[64] = "";
  if (n > 1) /* 0-based, as eval's and the data errors' positions */
    snprintf(comp, sizeof comp, " (element [%lld], 0-based)", (long long)at);
  snprintf(buf, len, "%s itself has no finite %s: %s = %s%s there, at its x and lower point",
           where, what, what, isnan(val) ? "nan" : val > 0 ? "inf" : "-inf", comp);
}

static int opt_index(const RtSolver *s, const char *key) {
  const RtMethodSpec *m = s->opt.method;
  for (int i = 0; i < m->nopts; i++)
    if (strcmp(m->opts[i].name, key) == 0) return i;
  return -1;
}

RT_API double rt_solver_num(const RtSolver *s, const char *key) { return rt_opt_num(&s->opt, key); }

RT_API bool rt_solver_isset(const RtSolver *s, const char *key) {
  int i = opt_index(s, key);
  return i >= 0 && s->opt.set[i];
}

RT_API void rt_solver_resolve(RtSolver *s, const char *key, double value) {
  int i = opt_index(s, key);
  if (i < 0) return;
  s->opt.num[i] = value;
  s->opt.word[i][0] = '\0';
}

RT_API void rt_solver_resolve_word(RtSolver *s, const char *key, const char *word) {
  int i = opt_index(s, key);
  if (i < 0) return;
  snprintf(s->opt.word[i], sizeof s->opt.word[i], "%s", word);
}

RT_API RtSolver *rt_solver_new(const BloProblem *p, const RtOptions *opt, uint64_t seed, char *err,
                        size_t errlen) {
  if (!opt || !opt->method) {
    snprintf(err, errlen, "no solve method given");
    return NULL;
  }
  /* the rules between options, as bloc check and the commands' option resolution check them
   * (a caller of this API may not have) */
  const char *keys[2];
  const char *bad = rt_options_check(opt, keys);
  if (bad) {
    snprintf(err, errlen, "%s", bad);
    return NULL;
  }
  const RtMethodImpl *impl = rt_method_impl(opt->method->name);
  if (!impl) {
    snprintf(err, errlen, "method '%s' has no implementation", opt->method->name);
    return NULL;
  }
  size_t live0 = rt_mem_stats().live_bytes;
  RtSolver *s = rt_mem_calloc(1, sizeof *s);
  if (!s) {
    rt_oom_errf(err, errlen, "out of memory");
    return NULL;
  }
  s->p = p;
  s->impl = impl;
  s->opt = *opt;
  s->seed = seed;
  char name[64];
  snprintf(name, sizeof name, "method.%s", impl->name);
  s->rng = rt_rng_stream(seed, name);

  s->outer_steps = (int64_t)rt_solver_num(s, "outer_steps");
  s->meta_batch = (int)rt_solver_num(s, "meta_batch");
  rt_options_resolve_aliases(&s->opt); /* unrolled methods: inner_steps = r, y_step = inner_lr */
  s->x_step = rt_solver_num(s, "x_step");
  s->y_step = rt_solver_num(s, "y_step");
  s->inner_steps = (int)rt_solver_num(s, "inner_steps");
  s->tol = rt_solver_num(s, "tol");
  s->x_decay = rt_solver_num(s, "x_decay"); /* every method's (rt_methods.c: XDECAY) */
  bool eta_derived = false;
  if (opt_index(s, "eta") >= 0) {
    s->eta = rt_solver_num(s, "eta");
    if (isnan(s->eta)) { /* the word y_step: it stays in the options (rt_methods.c: ETA) */
      eta_derived = true;
      s->eta = s->y_step;
    }
  }
  /* Unrolled methods average their meta-batch over whole task trajectories themselves; the
   * others let the oracle average every call over meta_batch draws. */
  if (rt_oracle_init(&s->o, p, seed, opt->method->unrolled ? 1 : s->meta_batch, err, errlen))
    goto fail;
  const char *lacks = rt_method_lacks(opt->method, p);
  if (lacks) {
    snprintf(err, errlen, "problem '%s' lacks the kernel %s that method '%s' calls; compile it "
             "for this method", p->name ? p->name : "?", lacks, impl->name);
    goto fail;
  }
  if (!blo_problem_stochastic(p) && s->meta_batch > 1)
    rt_solver_warn(s, "meta_batch", "meta_batch = %d has no effect: neither objective samples its "
                   "data", s->meta_batch);
  if (p->n_samples == 0 && rt_solver_isset(s, "eval_draws"))
    rt_solver_warn(s, "eval_draws", "eval_draws = %d has no effect: the problem has no sample "
                   "sets, so every evaluation is exact", (int)rt_solver_num(s, "eval_draws"));
  s->nx = p->nx;
  s->ny = p->ny;
  s->x = rt_solver_vec(s, s->nx);
  s->y = rt_solver_vec(s, s->ny);
  s->d = rt_solver_vec(s, s->nx);
  s->gx = rt_solver_vec(s, s->nx);
  s->jv = rt_solver_vec(s, s->nx);
  s->gy = rt_solver_vec(s, s->ny);
  if (!s->x || !s->y || !s->d || !s->gx || !s->jv || !s->gy) goto oom;
  if (impl->has_v) {
    s->v = rt_solver_vec(s, s->ny);
    s->xa = rt_solver_vec(s, s->nx);
    s->b = rt_solver_vec(s, s->ny);
    if (!s->v || !s->xa || !s->b) goto oom;
    s->ya = s->y; /* methods that move y after forming the system keep their own copy */
  }
  rt_copy(s->nx, p->x0, s->x);
  rt_copy(s->ny, p->y0, s->y);
  s->f_est = NAN;
  s->hg_norm = NAN;
  if (rt_xstep_setup(s, err, errlen)) goto fail;
  if (rt_ystep_setup(s, eta_derived)) goto oom;
  if (impl->setup(s, err, errlen)) goto fail;
  if (s->tol > 0 && blo_problem_stochastic(p)) { /* the method's own draws: rt_options_check */
    rt_tol_refusal(err, errlen, impl->name, true);
    goto fail;
  }
  s->alloc_bytes = rt_mem_stats().live_bytes - live0;
  return s;
oom:
  rt_oom_errf(err, errlen, "out of memory allocating the %s solver (nx = %lld, ny = %lld)",
              impl->name, (long long)p->nx, (long long)p->ny);
fail:
  rt_solver_free(s);
  return NULL;
}

RT_API void rt_solver_step(RtSolver *s, int64_t k) {
  if (s->ystep.on && s->ystep.estimates == 0) {
    char msg[512];
    rt_ystep_refresh(s, k, msg, sizeof msg); /* on failure y_step stays NaN: the step fails */
  }
  s->ystep.step = k;
  s->impl->step(s, k);
}

RT_API void rt_solver_free(RtSolver *s) {
  if (!s) return;
  if (s->o.p) rt_oracle_free(&s->o);
  for (int i = 0; i < s->nallocs; i++) rt_mem_free(s->allocs[i]);
  rt_mem_free(s);
}

RT_API double rt_lower_gd(RtSolver *s, const double *x, double *y, int T, double theta) {
  double gnorm = 0;
  /* the method's own loop with y_step = auto (not a diagnostic's): its |grad_y g| watched for
   * a rise that says the estimate went stale (rt_ystep_watch) */
  bool watch = s->ystep.on && theta == s->y_step && !s->o.diag, own = !s->o.diag;
  for (int t = 0; t < T; t++) {
    rt_oracle_grad_g(&s->o, RT_DRAW_FRESH, x, y, s->gy);
    if (own || t == T - 1) gnorm = rt_nrm2(s->ny, s->gy);
    if (own && isfinite(gnorm) && gnorm > s->lower_peak) /* (not finite: the divergence tests') */
      s->lower_peak = gnorm, s->lower_peak_step = s->ystep.step + 1;
    if (watch && rt_ystep_watch(s, y, gnorm)) theta = s->y_step; /* estimated again */
    rt_axpy(s->ny, -theta, s->gy, y);
  }
  return gnorm;
}

RT_API RtLowerProbe rt_lower_probe(RtSolver *s, const double *x, double *y) {
  RtLowerProbe pr = {0, NAN, NAN, NAN, 0, NAN, NAN, false, false, NAN, NAN};
  bool prev = rt_oracle_set_diag(&s->o, true);
  RtDraw key = rt_oracle_draw(&s->o);
  double g = rt_oracle_grad_g(&s->o, key, x, y, s->gy);
  pr.g0 = pr.g1 = rt_nrm2(s->ny, s->gy);
  int rises = 0;
  while (isfinite(g) && isfinite(pr.g0) && pr.g0 > 0 && pr.steps < RT_PROBE_STEPS) {
    rt_axpy(s->ny, -s->y_step, s->gy, y);
    double g_before = g, t = s->y_step * pr.g1;
    g = rt_oracle_grad_g(&s->o, key, x, y, s->gy);
    double gn = rt_nrm2(s->ny, s->gy);
    pr.curv = 2 * (g - g_before + s->y_step * pr.g1 * pr.g1) / (t * t);
    pr.steps++;
    rises = gn > pr.g1 ? rises + 1 : 0;
    /* over rounding too: g's last bits move at its floor, where t |grad|^2 is below them */
    bool jump = g - g_before > RT_PROBE_GJUMP * fmax(t * pr.g1, 1e-8 * fabs(g_before));
    pr.g1 = gn;
    /* g itself too: a step out of g's domain (log(y) at y < 0) leaves a finite gradient,
     * (y - x - mu/y), whose steps went on to the root of y < 0 and looked stable, while the
     * method's same step failed on g = nan: x_step alone was halved, never y_step */
    if (!isfinite(g) || !isfinite(gn) ||
        (rises >= RT_PROBE_RISES && gn > RT_PROBE_FACTOR * pr.g0) || jump) {
      pr.blew_up = true;
      if (jump && isfinite(g)) pr.jump = pr.steps, pr.g_from = g_before, pr.g_to = g;
      pr.no_g = !isfinite(g) && isfinite(gn);
      break;
    }
  }
  rt_oracle_set_diag(&s->o, prev);
  return pr;
}

RT_API void rt_lower_next_y(RtSolver *s, RtDraw key, double *y) {
  (void)key; /* the lower loop draws fresh (diagnostic) samples at every step, as the method's */
  rt_copy(s->ny, s->y, y);
  rt_lower_gd(s, s->x, y, s->inner_steps, s->y_step);
}

RT_API void rt_upper_grads(RtSolver *s) {
  s->f_est = rt_oracle_grad_f(&s->o, RT_DRAW_FRESH, s->x, s->y, s->gx, s->b);
  if (s->xa) rt_copy(s->nx, s->x, s->xa);
}

RT_API double rt_step_size(const RtSolver *s, int64_t k) {
  double kk = (double)k + 1.0;
  switch (s->impl->schedule) {
  case RT_SCHED_POLY_FLOOR: return s->x_step * fmax(0.01, pow(kk, -s->x_decay));
  case RT_SCHED_POLY: break;
  }
  return s->x_step / pow(kk, s->x_decay); /* pow(kk, 0) = 1: x_decay = 0 is x_step exactly */
}

RT_API void rt_x_update(RtSolver *s, int64_t k) {
  s->step_size = rt_step_size(s, k);
  rt_xstep_apply(s, s->step_size);
}

RT_API void rt_upper_step(RtSolver *s, int64_t k) {
  rt_oracle_mixed(&s->o, RT_DRAW_FRESH, s->x, s->y, s->v, s->jv);
  rt_sub(s->nx, s->gx, s->jv, s->d);
  rt_x_update(s, k);
}

RT_API double rt_cg_solve(RtOracle *o, RtDraw key, const double *x, const double *y, double *v,
                          RtCgRun *run) {
  int64_t n = o->ny;
  const double *b = run->b;
  double *r = run->r, *p = run->p, *Ap = run->Ap, rtol = run->rtol;
  int Q = run->max_steps;
  run->curvature = run->curvature_min = INFINITY;
  rt_oracle_hvp(o, key, x, y, v, Ap);
  if (run->shift != 0) rt_axpy(n, run->shift, v, Ap);
  rt_sub(n, b, Ap, r);
  rt_copy(n, r, p);
  double rr = rt_dot(n, r, r);
  double stop = fmax(1e-30, rtol * rtol) * rt_dot(n, b, b);
  /* A curvature p'Ap / p'p at the rounding level of the largest one met is no curvature: the
   * product's own rounding is of that size (eps |A| |p|^2, times a few sqrt(n)), so on a
   * singular A, with b partly in its null space, alpha = rr / p'Ap would be noise of size
   * 1e16 |p| (x = 2e47 after one step of aid_cg). Stopping there keeps the solve on the other
   * directions, the pseudo-inverse's answer. */
  double tiny = 64 * DBL_EPSILON * fmax(1.0, sqrt((double)n)), rq_max = 0;
  for (int i = 0; i < Q; i++) {
    if (rr <= stop || rr == 0) break;
    rt_oracle_hvp(o, key, x, y, p, Ap);
    if (run->shift != 0) rt_axpy(n, run->shift, p, Ap);
    double pAp = rt_dot(n, p, Ap), rq = pAp / rt_dot(n, p, p);
    if (!(pAp > 0) || rq <= tiny * rq_max) {
      run->curvature = pAp > 0 ? rq : pAp;
      run->curvature_max = rq_max;
      return -1;
    }
    rq_max = fmax(rq_max, rq);
    run->curvature_min = fmin(run->curvature_min, rq);
    double alpha = rr / pAp;
    rt_axpy(n, alpha, p, v);
    rt_axpy(n, -alpha, Ap, r);
    double rr_new = rt_dot(n, r, r);
    rt_axpby(n, 1.0, r, rr_new / rr, p);
    rr = rr_new;
  }
  run->curvature_max = rq_max; /* the largest p'Ap / p'p met: a lower bound on |A| */
  return sqrt(rr);
}

RT_API bool rt_oracle_kept_failure(const RtOracle *o) { return !o->diag && o->fail_kind >= 0; }

RT_API double rt_newton_floor(int64_t n, double hnorm, const double *y, double gstart) {
  return 64 * sqrt((double)n) * DBL_EPSILON * (hnorm * rt_nrm2(n, y) + gstart);
}

RT_API const char *rt_lower_var_at(const BloProblem *p, int64_t at, char *el, size_t len) {
  el[0] = '\0';
  for (int k = 0; k < p->n_vars; k++) {
    const BloVarInfo *vi = &p->vars[k];
    if (vi->level != 1 || at < vi->offset || at >= vi->offset + vi->rows * vi->cols) continue;
    int64_t j = at - vi->offset;
    if (vi->rank == 1) snprintf(el, len, "[%lld]", (long long)j);
    else if (vi->rank == 2)
      snprintf(el, len, "[%lld, %lld]", (long long)(j / vi->cols), (long long)(j % vi->cols));
    return vi->name;
  }
  return "y";
}

RT_API bool rt_lower_singular(RtOracle *o, RtDraw d, const double *x, const double *y, double g,
                              const double *gy, double *w, RtSingular *sing) {
  int64_t n = o->ny, at = 0;
  double gn = rt_nrm2(n, gy);
  if (!isfinite(g) || !(gn > 0) || !isfinite(gn)) return false;
  double *u = w, *yt = w + n, ymax = 0;
  for (int64_t j = 0; j < n; j++) {
    u[j] = gy[j] / gn;
    if (fabs(gy[j]) > fabs(gy[at])) at = j;
    ymax = fmax(ymax, fabs(y[j]));
  }
  rt_oracle_hvp(o, d, x, y, u, yt);
  double c = rt_dot(n, u, yt); /* inf: a step of 0 */
  if (!(c > 0)) return false;
  double t = gn / c;
  for (int64_t j = 0; j < n; j++)
    if (y[j] - t * u[j] != y[j]) return false; /* a step moves y */
  double h = sqrt(DBL_EPSILON) * fmax(1.0, ymax), gt[2];
  for (int i = 0; i < 2; i++) {
    for (int64_t j = 0; j < n; j++) yt[j] = y[j] - (i + 1) * h * u[j];
    gt[i] = rt_oracle_g_trial(o, d, x, yt);
  }
  if (!isfinite(gt[0]) || !isfinite(gt[1]) || !(g - gt[0] > 1e6 * fabs(gt[0] - gt[1])))
    return false;
  if (sing) *sing = (RtSingular){.step = t, .h = h, .g_near = gt[0], .at = at};
  return true;
}

RT_API bool rt_newton_ls(RtOracle *o, RtDraw key, const double *x, const RtNewtonLs *ls,
                         double *y, double *g, double *len) {
  int64_t n = o->ny;
  double slope = rt_dot(n, ls->gy, ls->dy); /* > 0: -dy is a descent direction */
  double t = 1;
  bool ok = false;
  for (int i = 0; i < 40 && !ok && !rt_oracle_kept_failure(o); i++, t *= 0.5) {
    rt_copy(n, y, ls->yt);
    rt_axpy(n, -t, ls->dy, ls->yt);
    /* A trial point outside g's domain (log(y) at y < 0: the full step from y = 0.3 on a
     * log barrier) has a non-finite g: a refused step, which the next halving retries, not a
     * failure of the outer step (the run went back to the start and halved x_step). A
     * non-finite g or gradient at y itself, at the start or once accepted, still is one. */
    double gt = rt_oracle_g_trial(o, key, x, ls->yt);
    ok = isfinite(gt) && (gt <= *g - 1e-4 * t * slope || (gt <= *g && t == 1));
    /* Near y* the decrease Newton predicts falls below g's rounding, and g's values can no
     * longer rank the points: every step was refused, and a quadratic g stalled at
     * |grad_y g| = 1.1e-9 > y_tol for 100 steps. There the gradient's norm decides. */
    if (!ok && isfinite(gt) && 0.5 * t * slope <= 1e3 * DBL_EPSILON * fmax(fabs(*g), fabs(gt))) {
      rt_oracle_grad_g(o, key, x, ls->yt, ls->gyt);
      ok = rt_nrm2(n, ls->gyt) < ls->gn;
    }
    if (ok) {
      if (len) *len = t * rt_nrm2(n, ls->dy);
      rt_copy(n, ls->yt, y);
      *g = gt;
    }
  }
  return ok;
}

RT_API int rt_flat_step(RtOracle *o, RtDraw key, const double *x, double *y, const double *d,
                        double t0, double *g, double *yt) {
  int64_t n = o->ny;
  double dn = rt_nrm2(n, d), scale = fmax(1.0, rt_nrm2(n, y));
  if (!(dn > 0) || !isfinite(dn)) return 0;
  double t = fmax(t0 > 0 && isfinite(t0) ? t0 : 0, 1e-6 * scale / dn);
  double best = NAN, tbest = 0;
  for (int ls = 0; ls < 40 && !rt_oracle_kept_failure(o); ls++, t *= 0.5) {
    rt_copy(n, y, yt);
    rt_axpy(n, -t, d, yt);
    double gt = rt_oracle_g_trial(o, key, x, yt);
    if (isfinite(gt) && gt <= *g - 1e-4 * t * dn * dn) {
      best = gt;
      tbest = t;
      break;
    }
  }
  if (!(tbest > 0)) return 0;
  for (t = 2 * tbest; !rt_oracle_kept_failure(o); t *= 2) {
    if (t * dn > 1e10 * scale) return -1;
    rt_copy(n, y, yt);
    rt_axpy(n, -t, d, yt);
    double gt = rt_oracle_g_trial(o, key, x, yt);
    if (!(gt < best)) break;
    best = gt;
    tbest = t;
  }
  if (rt_oracle_kept_failure(o)) return 0;
  rt_axpy(n, -tbest, d, y);
  *g = best;
  return 1;
}

RT_API bool rt_linear_rate(const double r[3]) {
  double lo = fmin(r[0], fmin(r[1], r[2])), hi = fmax(r[0], fmax(r[1], r[2]));
  return lo >= 0.05 && hi <= 0.8 && hi <= 1.5 * lo;
}

RT_API int rt_probe_lower(RtOracle *o, RtDraw key, const double *x, double *y, double *g,
                          const double *const *dirs, int nd, double t0, double top, double *d,
                          double *yt, double *ylow) {
  int64_t n = o->ny;
  if (!(t0 < top) || !isfinite(*g)) return 0;
  double best = *g, tbest = 0;
  for (int di = 0; di < nd; di++) {
    if (!dirs[di]) continue;
    rt_copy(n, dirs[di], d);
    double dn = rt_nrm2(n, d);
    if (!(dn > 0) || !isfinite(dn)) continue;
    rt_scal(n, 1 / dn, d);
    for (int sign = -1; sign <= 1; sign += 2)
      for (double t = t0; t <= top && !rt_oracle_kept_failure(o); t *= 2) {
        rt_copy(n, y, yt);
        rt_axpy(n, sign * t, d, yt);
        double gt = rt_oracle_g_trial(o, key, x, yt);
        if (isfinite(gt) && gt < best) { /* ylow: the direction, its sign in it */
          best = gt;
          tbest = t;
          rt_copy(n, d, ylow);
          rt_scal(n, sign, ylow);
        }
      }
  }
  if (rt_oracle_kept_failure(o) || !(tbest > 0) || !(best < *g - 1e-10 * fabs(*g))) return 0;
  /* the least g on that line between the grid's neighbours of tbest (golden sections): the
   * grid's lowest point may lie where g is not convex (g = (x - y^3)^2 at x = -1.03: y = -0.74,
   * Hessian -0.2), and Newton from it met an indefinite Hessian, which refuses phi */
  double a = tbest / 2, c = 2 * tbest, r = 0.5 * (sqrt(5.0) - 1);
  double u = c - r * (c - a), v = a + r * (c - a), gu = NAN, gv = NAN;
  for (int i = 0; i < 60 && !rt_oracle_kept_failure(o) && c - a > 1e-12 * tbest; i++) {
    if (isnan(gu)) {
      rt_copy(n, y, yt);
      rt_axpy(n, u, ylow, yt);
      gu = rt_oracle_g_trial(o, key, x, yt);
    }
    if (isnan(gv)) {
      rt_copy(n, y, yt);
      rt_axpy(n, v, ylow, yt);
      gv = rt_oracle_g_trial(o, key, x, yt);
    }
    if (!(gu > gv)) { /* (a non-finite gv: keep the part without it) */
      c = v, v = u, gv = gu, u = c - r * (c - a), gu = NAN;
      if (gv < best) best = gv, tbest = v;
    } else {
      a = u, u = v, gu = gv, v = a + r * (c - a), gv = NAN;
      if (gu < best) best = gu, tbest = u;
    }
  }
  if (rt_oracle_kept_failure(o)) return 0;
  rt_axpy(n, tbest, ylow, y);
  *g = best;
  return 1;
}

RT_API int rt_probe_start(RtOracle *o, RtDraw key, const double *x, double *y, double *g,
                          double *u, double *hu, double *yt, double *ylow) {
  int64_t n = o->ny;
  double ymax = 0;
  if (!isfinite(*g) || n < 1) return 0;
  for (int64_t i = 0; i < n; i++) {
    u[i] = 1 / sqrt((double)n);
    ymax = fmax(ymax, fabs(y[i]));
  }
  rt_oracle_hvp(o, key, x, y, u, hu);
  double c = rt_dot(n, u, hu);
  if (rt_oracle_kept_failure(o) || !isfinite(c) || fabs(c) > RT_SCALED_FLOOR * fmax(1.0, fabs(*g)))
    return 0;
  const double *dirs[1] = {u};
  double t0 = 1e-8 * fmax(1.0, rt_nrm2(n, y)), top = 2 * sqrt((double)n) * fmax(1.0, ymax);
  return rt_probe_lower(o, key, x, y, g, dirs, 1, t0, top, hu, yt, ylow);
}

RT_API const char *rt_cg_curvature(const RtCgRun *run, char *buf, size_t size) {
  if (run->curvature > 0)
    snprintf(buf, size, "curvature p'Ap/p'p = %.3g, rounding beside %.3g", run->curvature,
             run->curvature_max);
  else snprintf(buf, size, "non-positive curvature p'Ap = %.3g", run->curvature);
  return buf;
}

RT_API bool rt_curvature_scaled(double least, double g) {
  return fabs(least) > RT_SCALED_FLOOR * fmax(1.0, isfinite(g) ? fabs(g) : 0);
}

RT_API bool rt_cg_scaled(const RtCgRun *run, double g) {
  return run->curvature > 0 && run->curvature_max > 0 && rt_curvature_scaled(run->curvature, g);
}

RT_API const char *rt_scaled_why(double least, double largest, const char *who, char *buf,
                                 size_t size) {
  snprintf(buf, size,
           "the lower Hessian's curvatures spread over %.0f decades, the least far from 0 for "
           "g's size: y's variables are most likely on very different scales (an unstandardised "
           "feature, or one huge penalty), which %s cannot resolve, rather than g singular",
           log10(largest / fabs(least)), who);
  return buf;
}

RT_API bool rt_solver_warned(const RtSolver *s, const char *key) {
  for (int i = 0; i < s->nwarn; i++)
    if (strcmp(s->warn[i].key, key) == 0) return true;
  return false;
}

RT_API double rt_cg(RtSolver *s, RtDraw key, const double *x, const double *y, double *v,
                    RtCgRun *run) {
  double res = rt_cg_solve(&s->o, key, x, y, v, run);
  char why[96], scaled[400];
  /* a NaN curvature says nothing of the Hessian: the solve ran on non-finite numbers, and the
   * step fails for them (the warning stayed after the recovery from a lower loop that blew up,
   * blaming a positive definite Hessian) */
  if (!(res < 0) || isnan(run->curvature)) return res;
  if (rt_solver_warned(s, "cg.curvature")) { /* the first text stays: count this one */
    rt_solver_warn(s, "cg.curvature", "%s", "");
    return res;
  }
  /* g's size judges a positive curvature above the floor (one diagonal call, at the first
   * stop only): 3.06 beside 9.8e14 on ridge with a feature times 3e7, SPD with its least
   * eigenvalue 1.006, was called "singular or not positive definite" */
  double g = 0;
  if (run->curvature > RT_SCALED_FLOOR) {
    bool prev = rt_oracle_set_diag(&s->o, true);
    g = rt_oracle_g(&s->o, key, x, y);
    rt_oracle_set_diag(&s->o, prev);
  }
  if (isfinite(g) && rt_cg_scaled(run, g))
    rt_solver_warn(s, "cg.curvature", "conjugate gradients met %s: %s; %s; v keeps the solve on "
                   "the other directions",
                   rt_cg_curvature(run, why, sizeof why),
                   rt_scaled_why(run->curvature, run->curvature_max, "conjugate gradients",
                                 scaled, sizeof scaled),
                   RT_SCALED_CURE);
  else
    rt_solver_warn(s, "cg.curvature", "conjugate gradients met %s: %s",
                   rt_cg_curvature(run, why, sizeof why),
                   "the lower Hessian is singular or not positive definite; v keeps the solve "
                   "on the other directions");
  return res;
}

RT_API void rt_neumann_sum(RtSolver *s, const double *b, int Q, double *v, double *p, double *Ap) {
  int64_t n = s->ny;
  rt_copy(n, b, p);
  rt_copy(n, b, v);
  for (int q = 1; q < Q; q++) {
    rt_oracle_hvp(&s->o, RT_DRAW_FRESH, s->x, s->y, p, Ap);
    rt_axpy(n, -s->eta, Ap, p);
    rt_axpy(n, 1.0, p, v);
  }
  rt_scal(n, s->eta, v);
}

RT_API int rt_neumann_random(RtSolver *s, const double *b, int Q, double *v, double *Ap) {
  int64_t n = s->ny;
  int q = (int)rt_rng_randint(&s->rng, 0, Q);
  rt_copy(n, b, v);
  for (int i = 0; i < q; i++) {
    rt_oracle_hvp(&s->o, RT_DRAW_FRESH, s->x, s->y, v, Ap);
    rt_axpy(n, -s->eta, Ap, v);
  }
  rt_scal(n, (double)Q * s->eta, v);
  return q;
}

/* ---- BSA and TTSA: the same step (T lower steps, a randomly truncated Neumann estimate, the x
 * step); they differ only in defaults (inner_steps, x_decay), kept in their method tables. */

typedef struct RtRandNeumann {
  int Q;
  double *Ap;
  int st_trunc;
} RtRandNeumann;

RT_API int rt_rand_neumann_setup(RtSolver *s, char *err, size_t errlen) {
  RtRandNeumann *R = rt_solver_mem(s, sizeof *R);
  if (!R || !(R->Ap = rt_solver_vec(s, s->ny))) {
    rt_oom_errf(err, errlen, "out of memory");
    return -1;
  }
  R->Q = (int)rt_solver_num(s, "neumann_steps");
  R->st_trunc = rt_solver_stat(s, "mean_truncation");
  s->state = R;
  return 0;
}

RT_API void rt_rand_neumann_step(RtSolver *s, int64_t k) {
  RtRandNeumann *R = s->state;
  rt_lower_gd(s, s->x, s->y, s->inner_steps, s->y_step);
  rt_upper_grads(s);
  int q = rt_neumann_random(s, s->b, R->Q, s->v, R->Ap);
  s->stats[R->st_trunc] += (q - s->stats[R->st_trunc]) / (double)(k + 1);
  rt_upper_step(s, k);
}
