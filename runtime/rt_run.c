/* rt_run.c — rt_solve: the run loop shared by every method (rt_run.h). Setup allocates every
 * buffer; the loop performs steps, checks for numerical failure after each, keeps the last good
 * iterate and the best trace point, goes back to the best one with half the step on a failure
 * (on_divergence = halve), writes trace rows and progress, and stops on outer_steps, tol or a
 * stop request. The checks run once after the loop are in rt_run_checks.c. */
#include "rt_run.h"
#include "rt_clock.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rt_diag.h"
#include "rt_fmt.h"
#include "rt_hypergrad.h"
#include "rt_linalg.h"
#include "rt_mem.h"
#include "rt_outfile.h"
#include "rt_mpi.h"
#include "rt_output.h"
#include "rt_progress.h"
#include "rt_run_impl.h"
#include "rt_solver.h"

/* The signal that asked the run to stop (SIGINT for rt_request_stop), or 0. */
static volatile sig_atomic_t stop_flag;

static void on_stop_signal(int sig) { stop_flag = sig; }

RT_API void rt_request_stop(void) { stop_flag = SIGINT; }

/* The signals that stop a run after its current step, results written, exit status
 * 128 + signal: Ctrl-C, kill's default, a closed terminal, and a closed pipe (stdout or the
 * progress stream piped into head: writes then fail with EPIPE instead of killing the run
 * before it saves anything). */
static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
#define NSTOP_SIGNALS (int)(sizeof stop_signals / sizeof stop_signals[0])

/* Install on_stop_signal for each stop signal the process does not ignore: a process started
 * with one ignored (nohup, a background job of a script) keeps it ignored. installed[i]
 * tells which, old[i] what to restore. */
static void install_stop_handlers(bool installed[], struct sigaction old[]) {
  for (int i = 0; i < NSTOP_SIGNALS; i++) {
    struct sigaction cur, sa;
    installed[i] = false;
    if (sigaction(stop_signals[i], NULL, &cur) != 0 || cur.sa_handler == SIG_IGN) continue;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    /* a second signal acts as usual (a second Ctrl-C kills), but for SIGPIPE: once the
     * progress stream's reader went away, every later line to it raises another, and the
     * first of them, the next progress line, killed the run before it saved anything */
    sa.sa_flags = stop_signals[i] == SIGPIPE ? 0 : SA_RESETHAND;
    installed[i] = sigaction(stop_signals[i], &sa, &old[i]) == 0;
  }
}

static void restore_stop_handlers(const bool installed[], const struct sigaction old[]) {
  for (int i = 0; i < NSTOP_SIGNALS; i++)
    if (installed[i]) sigaction(stop_signals[i], &old[i], NULL);
}

RT_API const char *rt_stop_name(RtStop stop) {
  switch (stop) {
  case RT_STOP_STEPS: return "outer_steps";
  case RT_STOP_TOL: return "tol";
  case RT_STOP_INTERRUPTED: return "interrupted";
  case RT_STOP_NUMERICAL: return "numerical_failure";
  case RT_STOP_CANCELLED: return "cancelled";
  case RT_STOP_NONE: break;
  }
  return "none";
}

RT_API int rt_keep_parse(const char *word, RtKeep *keep) {
  if (strcmp(word, "best") == 0) *keep = RT_KEEP_BEST;
  else if (strcmp(word, "last") == 0) *keep = RT_KEEP_LAST;
  else return -1;
  return 0;
}

RT_API void rt_run_config_init(RtRunConfig *c) {
  memset(c, 0, sizeof *c);
  c->seed = -1;
  c->progress_mode = RT_PROGRESS_AUTO;
  c->plain_interval = 5;
  c->ritz_steps = 10;
  c->residual = true;
  c->divergence_factor = 1e10;
  c->handle_sigint = true;
  c->json_vector_max = 1000;
  c->t_data = -1;
  c->check_estimate = true;
}

RT_API void rt_result_free(RtResult *res) {
  rt_mem_free(res->x);
  rt_mem_free(res->y);
  rt_mem_free(res->reports);
  rt_mem_free(res->best_x);
  rt_mem_free(res->best_y);
  rt_mem_free(res->best_reports);
  res->x = res->y = res->reports = NULL;
  res->best_x = res->best_y = res->best_reports = NULL;
}

/* Whether the run was asked to stop: by on_trace, or (not isolated) a signal or
 * rt_request_stop. */
static bool stop_asked(const Run *r) {
  bool stop = r->cancel || (!r->cfg->isolated && stop_flag);
  /* under MPI a signal reaches the ranks at different moments: they stop at the same step */
  if (!r->cfg->isolated && rt_mpi_size() > 1) stop = rt_mpi_agree(stop, NULL) != 0;
  return stop;
}

static void clear_line(Run *r) {
  if (r->line_shown) {
    fputs("\r\033[K", r->prog);
    fflush(r->prog);
    r->line_shown = false;
  }
}

static void message(Run *r, const char *kind, const char *fmt, ...) RT_PRINTF(3, 4);
static void message(Run *r, const char *kind, const char *fmt, ...) {
  bool tell = r->cfg->on_message && strcmp(kind, "error") != 0;
  if (r->cfg->silent && !tell) return;
  char text[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  if (tell) r->cfg->on_message(r->cfg->on_message_ctx, kind, text);
  if (r->cfg->silent) return;
  clear_line(r);
  /* An error names the run's program and its constants from outside: a sweep's runs share
   * one stderr, and "numerical failure at outer step 2" alone did not say which of four
   * programs run by xargs -P4 failed (s51 nuN 2), as compile and data errors do */
  char run_name[512] = "";
  if (!strcmp(kind, "error") && r->cfg->program_file) {
    size_t n = (size_t)snprintf(run_name, sizeof run_name, "%s", r->cfg->program_file);
    for (int i = 0; i < r->cfg->ndefines && n < sizeof run_name; i++)
      n += (size_t)snprintf(run_name + n, sizeof run_name - n, "%s-D %s=%.15g",
                            i ? " " : " (", r->cfg->define_names[i], r->cfg->define_values[i]);
    for (int i = 0; i < r->cfg->ndata_files && n < sizeof run_name; i++)
      n += (size_t)snprintf(run_name + n, sizeof run_name - n, "%s--data %s=%s",
                            i || r->cfg->ndefines ? " " : " (", r->cfg->data_names[i],
                            r->cfg->data_paths[i]);
    if (r->cfg->ndefines + r->cfg->ndata_files > 0 && n < sizeof run_name)
      snprintf(run_name + n, sizeof run_name - n, ")");
    if (strlen(run_name) < sizeof run_name - 3) strcat(run_name, ": ");
  }
  fprintf(r->msg, "%s: %s: %s%s\n", r->cfg->who ? r->cfg->who : "bloc", kind, run_name, text);
  fflush(r->msg);
}

RT_API void rt_run_note(Run *r, const char *text) {
  if (!r->cfg->quiet) message(r, "note", "%s", text);
}

static void print_new_warnings(Run *r) {
  RtSolver *s = r->s;
  for (int i = 0; i < s->nwarn; i++) {
    if (s->warn[i].printed) continue;
    s->warn[i].printed = true;
    if (!r->cfg->quiet) message(r, "warning", "%s", s->warn[i].text);
  }
}

/* Progress: f of the last step, |d|, the reports of the last trace point, elapsed, ETA. */
static void progress(Run *r, int64_t done, bool last) {
  if (r->mode == RT_PROGRESS_NONE) return;
  double t = rt_seconds();
  double gap = r->mode == RT_PROGRESS_LINE ? 0.1 : r->cfg->plain_interval;
  if (!last && t - r->t_last_prog < gap) return;
  r->t_last_prog = t;
  RtSolver *s = r->s;
  double elapsed = t - r->t_start;
  const char *name = r->cfg->progress_name ? r->cfg->progress_name : s->impl->name;
  RtProgressLine pl = {name, done, r->K, done > 0 ? s->f_est : r->dw.val.f, s->hg_norm,
                       (int)s->p->n_reports, s->p->report_names, r->dw.val.reports, elapsed,
                       done > 0 ? elapsed / (double)done * (double)(r->K - done) : NAN, last};
  char line[512];
  /* the live line must fit the terminal: a wrapped line leaves a row behind at each redraw */
  int width = r->mode == RT_PROGRESS_LINE ? rt_term_width(r->prog) : 0;
  rt_progress_format(line, sizeof line, &pl, width);
  if (r->mode == RT_PROGRESS_LINE) {
    fprintf(r->prog, "\r%s\033[K%s", line, last ? "\n" : "");
    r->line_shown = !last;
  } else {
    fprintf(r->prog, "%s\n", line);
  }
  fflush(r->prog);
}

/* f or g past the divergence bound, divergence_factor x max(1, |its value at the start|),
 * upwards only: minimising lowers them, by far more than the start's size where it is 0
 * (f = y^2/2 - 1e6 y from y = 0 reaches -5e11 at its minimum, and that run stopped with
 * status 2 and its start saved as a "divergence"; g = |y|^2/2 - 1e6 x'y the same from y = 0),
 * while a run that blows up raises them (iterates swinging ever wider about a minimum). An f
 * unbounded below takes x past the bound on |x|. */
static bool past_bound(const Run *r, double v, double v0, double moved) {
  double c = r->cfg->divergence_factor;
  return c > 0 && isfinite(v0) && v > c * fmax(1.0, fabs(v0)) && !(v <= c * moved);
}
/* moved for past_bound: the size of f or g at the first moved x (f_move, g_move), where their
 * start's value v0 is 0 or below 1e-6 of it (else 0: v0 itself has that scale). A first move
 * that raised f or g by orders from a nonzero start is the run's first overshoot (x_step = 50
 * on run_exact_diverging_end.blo took f from 11 to 4314 at y0) and does not raise the bound
 * that is to catch the rest. */
static double moved_scale(double v0, double moved) {
  return isfinite(moved) && fabs(v0) <= 1e-6 * moved ? moved : 0;
}
/* g's bound also scales with g's size along the run's first move, g_move = |g(x1, y at the
 * start)| (g_scale_note): where the start is g's own minimum, g0 = 0 and the bound was the
 * absolute c x 1, in g's units. The same problem in other units then got another verdict: the
 * toy bilevel problem with y in units of 1e-9 and g in units of 1e-18 (-D sy=1e9 -D sg=1e18),
 * whose iterates are those of its base units where ITD ends with status 0, stopped with
 * status 2, "g = 7.6e14 exceeds 1e+10 x max(1, |g at start| = 0)"
 * (tests/golden/run_g_bound_units.blo). y at the start, not the method's y after the step: a
 * lower loop that blows up in step 1 (y_step over 2/L) does not raise the bound that is to
 * catch it. */
static bool g_past_bound(const Run *r, double g) {
  return past_bound(r, g, r->g0, moved_scale(r->g0, r->g_move));
}
static bool f_past_bound(const Run *r, double f) {
  return past_bound(r, f, r->f0, moved_scale(r->f0, r->f_move));
}

/* After the run's first step that moved x (UFOM's and SOBA's first d can be 0), x1 = s->x:
 * g_move, one diagnostic value of g (0 where it is not finite). Once per run: a recovery's
 * step 1 from a smaller x_step keeps it. */
static void g_scale_note(Run *r) {
  RtSolver *s = r->s;
  if (r->g_move_set || !memcmp(s->x, r->x_start, (size_t)s->nx * sizeof *s->x)) return;
  r->g_move_set = true;
  if (!rt_all_finite(s->nx, s->x) || !rt_all_finite(s->ny, r->ys_start)) return;
  double t0 = rt_seconds();
  bool prev = rt_oracle_set_diag(&s->o, true);
  /* step 1's diagnostic draw, the counter left as it was: later draws are those of before */
  uint64_t counter = rt_oracle_diag_at_step(&s->o, 1);
  RtDraw key = rt_oracle_draw(&s->o);
  double g = rt_oracle_g(&s->o, key, s->x, r->ys_start);
  double f = rt_oracle_f(&s->o, key, s->x, r->ys_start);
  rt_oracle_diag_resume(&s->o, counter);
  rt_oracle_set_diag(&s->o, prev);
  r->res->t_diag += rt_seconds() - t0;
  r->g_move = isfinite(g) ? fabs(g) : 0;
  r->f_move = isfinite(f) ? fabs(f) : 0;
}

/* "max(1, |f at start| = 0)" (or g's), with f_move where it sets the bound: the divergence
 * messages */
static void bound_text(const Run *r, bool g, char *buf, size_t n) {
  const char *v = g ? "g" : "f";
  double v0 = fabs(g ? r->g0 : r->f0), moved = moved_scale(v0, g ? r->g_move : r->f_move);
  if (moved > fmax(1.0, v0))
    snprintf(buf, n, "max(1, |%s at start| = %.6g, |%s at the first moved x and the start's y| = "
             "%.6g)", v, v0, v, moved);
  else
    snprintf(buf, n, "max(1, |%s at start| = %.6g)", v, v0);
}

/* A trace point's lower point (v->y) that blew up: not finite, or past the divergence bound on
 * |y| of the steps' test (|y at start|: r->y0n). exact's Newton solve on an un-negated
 * follower's profit, g = y (8 - x - y), went from y0 = 0 to y = -4.4e30; that step-0 point was
 * the best trace point, and a run that stopped at step 1 kept and saved it, f = -4.4e30. The
 * bound leaves the unrolled methods out: their y_r(x) is the unrolled problem's own lower point,
 * rerun from Phi(x) at every step, with no y of the method's to keep instead. */
static bool lower_diverged(const Run *r, const double *y) {
  int64_t n = r->s->ny;
  return !rt_all_finite(n, y) ||
         (!r->s->opt.method->unrolled && past_bound(r, rt_nrm2(n, y), r->y0n, 0));
}

/* Whether a trace point's Ritz values show the lower Hessian not positive semidefinite: one
 * below 0 beside the largest, or all <= 0 (warn_ritz's "ritz.negative"). */
static bool ritz_nonconvex(const RtDiagValues *v) {
  return isfinite(v->ritz_min) && isfinite(v->ritz_max) &&
         (v->ritz_min < -1e-10 * fabs(v->ritz_max) || v->ritz_max <= 0);
}

/* What a best trace point holds, wherever it comes from: the trace point just evaluated
 * (take_best) or the start's kept one (rt_run_best_start). ys and v: the method's own y and
 * v there, which a restart from the best point takes up. */
typedef struct BestFrom {
  double f, g, gy, hg;
  const double *x, *y, *reports, *ys, *v;
} BestFrom;

static void put_best(Run *r, int64_t step, double score, bool nonconvex, const BestFrom *b) {
  RtSolver *s = r->s;
  RtResult *res = r->res;
  r->best_nonconvex = nonconvex;
  r->best_score = score;
  r->best_hg = b->hg;
  res->best_step = step;
  res->best_f = b->f;
  res->best_g = b->g;
  res->best_grad_y_g_norm = b->gy;
  res->best_hypergrad_norm = b->hg;
  rt_copy(s->nx, b->x, res->best_x);
  rt_copy(s->ny, b->y, res->best_y);
  rt_copy(s->p->n_reports, b->reports, res->best_reports);
  rt_copy(s->ny, b->ys, r->best_ys);
  if (s->v) rt_copy(s->ny, b->v, r->best_v);
}

/* The point just evaluated at trace point `step` becomes the best one (offer_best). */
static void take_best(Run *r, int64_t step, double score, double hg, bool nonconvex) {
  RtSolver *s = r->s;
  const RtDiagValues *v = &r->dw.val;
  put_best(r, step, score, nonconvex,
           &(BestFrom){v->f, v->g, v->gy_norm, hg, s->x, v->y, v->reports, s->y, s->v});
  rt_xstep_mark(s, true); /* the optimizer's moments there, for a recovery */
  if (step == 0) { /* the start's, for keep_start (rt_run_checks.c) */
    r->start_tp.ok = true;
    r->start_tp.f = v->f;
    r->start_tp.g = v->g;
    r->start_tp.gy = v->gy_norm;
    r->start_tp.hg = hg;
    rt_copy(s->ny, v->y, r->start_tp.y);
    rt_copy(s->p->n_reports, v->reports, r->start_tp.reports);
  }
}

RT_API void rt_run_best_start(Run *r) {
  r->best_passed.step = -1;
  put_best(r, 0, r->start_tp.hg, false,
           &(BestFrom){r->start_tp.f, r->start_tp.g, r->start_tp.gy, r->start_tp.hg, r->x_start,
                       r->start_tp.y, r->start_tp.reports, r->ys_start, r->v_start});
  rt_xstep_mark(r->s, false);
}

RT_API void rt_run_best_end(Run *r) {
  take_best(r, r->res->steps, r->s->hg_norm, r->s->hg_norm, false);
}

/* Record the point just evaluated at trace point `step` as the best one if it is finite and
 * scores better: least f for stochastic problems, else least |hypergradient| (the estimate of
 * the step that produced it; the start is scored by the first step's estimate, taken there,
 * and is until then, or when that estimate is 0, only a fallback). */
static void offer_best(Run *r, int64_t step) {
  RtSolver *s = r->s;
  RtResult *res = r->res;
  const RtDiagValues *v = &r->dw.val;
  double hg = step > 0 ? s->hg_norm : NAN;
  double score = r->best_by_f ? v->f : step > 0 ? hg : INFINITY;
  if (!isfinite(v->f) || !isfinite(v->g) || !isfinite(v->gy_norm) || isnan(score) ||
      !rt_all_finite(s->p->n_reports, v->reports) || lower_diverged(r, v->y))
    return;
  /* past the divergence test's bound on f: the test saw the f of the step's upper gradient,
   * one point behind, and itd on ridge regression saved step 8, at f = 2.9e30, as its best
   * (tests/golden/run_best_bound.blo) */
  if (step > 0 && f_past_bound(r, v->f)) return;
  /* ... or on g, which no test after a step sees: hjfbio with its defaults on
   * g = exp(x) y^2 / 2 - y took x to 600 in ten steps, where g = 2.8e263 while f was still
   * 1e4 times its start, and made that point, whose |d| was the smallest yet, its best: all
   * three recoveries went back there, and the run ended with status 2 keeping it */
  if (step > 0 && g_past_bound(r, v->g)) return;
  /* ... or one whose estimate is exactly 0 where f is above the least f the run had seen (the
   * start's and each step's, r->f_low): the estimate vanishes there, as where an exp(x)
   * underflows, and is no sign of a stationary point, which a run that lands on one reaches
   * with f at its lowest (surged's collapse, at a trace point). SOBA on smoothed TV with
   * log-weights, thrown to x = (-6074, -8426) before the surge test watched a throw over more
   * than one step, made step 140 its best, f = 1.6e6 (0.59 seen) and |grad_y g| = 1787, and
   * --keep best saved that y */
  if (step > 0 && !r->best_by_f && hg == 0 && v->f > r->f_low + 1e-12 * fabs(r->f_low)) return;
  /* where the trace point's Ritz values show g not convex in y (ritz_nonconvex), the lower
   * level has no minimiser there and its |d| means nothing: lancbio on g = 0.5 x y^2 - y with
   * x in [-1, 3] saved the box corner x = -1 (y = 69, f = 4506), whose projected |d| was 0, as
   * its best. Such a point is the best only while no convex one is; an implicit method's
   * (an unrolled one needs no minimiser), on a deterministic problem (one draw's Hessian is
   * not g's) */
  bool nonconvex = ritz_nonconvex(v) && !s->opt.method->unrolled &&
                   !blo_problem_stochastic(s->p);
  if (res->best_step >= 0 && nonconvex && !r->best_nonconvex) return;
  if (res->best_step >= 0 && nonconvex == r->best_nonconvex && !(score < r->best_score)) return;
  take_best(r, step, score, hg, nonconvex);
}

/* After a run that ended on its steps or tol, on a deterministic estimate: a best trace point
 * (not the start) whose f is no lower than the end's while the run had seen an f well below
 * the end's (r->f_low, over a tenth) is no better point. Its small |d| says no more than the
 * end's: x was thrown onto a flat part of f(x, y*(x)), where the estimate is small everywhere
 * (offer_best's rule for an estimate of exactly 0 there, for one that is only small). HJFBiO
 * with its defaults on kernel ridge regression (log gamma, log lambda) was thrown to log gamma
 * = 43.7 in seven steps, where the kernel underflows and f = 0.441067 whatever x does (phi
 * 0.2905 at the start, 0.2814 seen); |d| = 6.8e-9 at step 20 made that its best, and the end
 * warned "--keep best saves the best trace point, step 20 (f 0.441067)": the end's f. The end
 * (always a trace point) is the best then, and the end checks say so (best_passed) instead of
 * offering it. f at a lagging y can dip below any phi (run_best_lagging_f.blo), but only a
 * best trace point no lower than the end is set aside, for the end, as good by f. */
static void best_not_above_end(Run *r, int64_t done) {
  RtSolver *s = r->s;
  RtResult *res = r->res;
  const RtDiagValues *v = &r->dw.val;
  double f = v->f, best = res->best_f;
  r->best_passed.step = -1;
  r->best_lagged.step = -1;
  r->best_lagged.said = false;
  r->best_phi.phi = NAN;
  r->best_phi.passed = false;
  r->nc.on = false;
  r->lagged = false;
  r->estimate_missed = false;
  if ((res->stop != RT_STOP_STEPS && res->stop != RT_STOP_TOL) || r->best_by_f ||
      res->best_step <= 0 || res->best_step == done || done == 0 || !isfinite(f) ||
      !isfinite(v->g) || !isfinite(v->gy_norm) || !isfinite(s->hg_norm) ||
      !rt_all_finite(s->p->n_reports, v->reports) || !rt_all_finite(s->ny, v->y) ||
      !isfinite(best) || !isfinite(r->f_low) ||
      !(best >= f - 1e-9 * fmax(fabs(f), fabs(best))) ||
      !(r->f_low < f - 0.1 * fmax(fabs(f), fabs(r->f_low))))
    return;
  /* the end's |d| means nothing where g is not convex in y there (offer_best) */
  if (ritz_nonconvex(v) && !s->opt.method->unrolled && !blo_problem_stochastic(s->p)) return;
  r->best_passed.step = res->best_step;
  r->best_passed.f = best;
  r->best_passed.hg = res->best_hypergrad_norm;
  take_best(r, done, s->hg_norm, s->hg_norm, false);
}

/* After a numerical failure: a best trace point (not the start) whose f is no lower than the
 * start's trace f is no better point than the start, whatever its |d|, and the start becomes
 * the best (true; best_not_above_end's comparison by f, against the start: the end checks,
 * whose keep_start measures phi, do not run after a failure). HJFBiO with x_step = 200 on
 * kernel ridge regression (log gamma, log lambda) was thrown where the kernel underflows, a
 * plateau of f = 0.363346 (phi 0.3633 against the start's 0.3523; the start's trace f, at
 * y0 = 0, is 0.363346 too), made its step 20 the best by |d| = 0.0088, then diverged: exit 2
 * "keeping ... the best trace point, step 20", which it saved. A run that lowered f keeps its
 * best. */
static bool best_not_below_start(Run *r) {
  RtResult *res = r->res;
  double f0 = r->start_tp.f, best = res->best_f;
  if (res->stop != RT_STOP_NUMERICAL || r->best_by_f || res->best_step <= 0 ||
      !r->start_tp.ok || !isfinite(f0) || !isfinite(best) ||
      best < f0 - 1e-9 * fmax(fabs(f0), fabs(best)))
    return false;
  rt_run_best_start(r);
  return true;
}

/* The Ritz warning for a smallest Ritz value far from 0 for g's size beside a largest 1e12
 * times it (warn_ritz). Lanczos resolves eigenvalues only to about eps times the largest: a
 * Hessian singular in y's own units shows a smallest Ritz value of that size (1e-16 to 1e-14
 * of a largest of 1 to 100), one whose variables are on very different scales (ridge with a
 * feature times 3e7: 1.006 to 9.8e14, Ritz values 3.53 and -0.23 beside 9.8e14) one far above
 * it for g's size, each positive definite once scaled (exact solves it). That one was told
 * "singular ... add a ridge term" on a g with a ridge term of weight 1. But a Ritz value is
 * only an upper bound on the smallest eigenvalue: scaling is named only where it is resolved,
 * the run's last residual (v->ritz_resid) under a tenth of it. Least squares with 12 unknowns,
 * 6 points and one column times 1e6 (6 zero eigenvalues) had Ritz values 1.62 and 2.68e12 from
 * 2 Lanczos steps, whose residual left everything below 1e4 unseen, and was told "most likely
 * ... very different scales ... rather than g singular", and later "singular". Unresolved, or
 * from the method's own basis (no residual kept), both causes are named. */
static void warn_ritz_scaled(RtSolver *s, const RtDiagValues *v, int64_t step) {
  bool exact = strcmp(s->opt.method->name, "exact") == 0;
  const char *cure = exact ? "exact's dense solves, scaled by the Hessian's diagonal, handle it"
                           : "standardise the data (import \"prep\", doc/stdlib.md) or use method "
                             "exact, whose dense solves are scaled by the Hessian's diagonal";
  double decades = log10(v->ritz_max / fabs(v->ritz_min));
  if (isfinite(v->ritz_resid) && v->ritz_resid <= 0.1 * fabs(v->ritz_min)) {
    rt_solver_warn(s, "ritz.singular",
                   "after %lld outer steps: the lower Hessian's curvature spreads over %.0f "
                   "decades (Ritz values %.3g to %.3g, the smallest far from 0 for g's size): "
                   "y's variables are most likely on very different scales (an unstandardised "
                   "feature, or one huge penalty), which no Krylov solve or gradient step on y "
                   "resolves, rather than g singular; %s (if no variable is on another scale, "
                   "g is singular in y: a ridge term such as + 1e-4 * sum(y * y) cures that)",
                   (long long)step, decades, v->ritz_min, v->ritz_max, cure);
    return;
  }
  char from[96] = "";
  if (v->ritz_lanczos > 0)
    snprintf(from, sizeof from, " from %d Lanczos step%s", v->ritz_lanczos,
             v->ritz_lanczos == 1 ? "" : "s");
  rt_solver_warn(s, "ritz.singular",
                 "after %lld outer steps: the lower Hessian's curvature spreads over %.0f decades "
                 "(Ritz values %.3g to %.3g%s, which do not resolve the smallest eigenvalue: it "
                 "can be far below %.3g, or 0): either y's variables are on very different scales "
                 "(an unstandardised feature, or one huge penalty), which no Krylov solve or "
                 "gradient step on y resolves: %s; or g is singular in y: a ridge term such as "
                 "+ 1e-4 * sum(y * y) cures that%s",
                 (long long)step, decades, v->ritz_min, v->ritz_max, from, v->ritz_min, cure,
                 exact ? " (exact's solves tell which: they warn when it is singular)" : "");
}

/* The trace point's warnings on the lower Hessian's Ritz values (v, at outer step `step`). */
static void warn_ritz(RtSolver *s, const RtDiagValues *v, int64_t step) {
  /* Ritz values at a point where g is not finite mean nothing (all 0 there read as "g is linear
   * or concave in y" on a strictly convex log barrier whose first y step left its domain):
   * the failure test after the trace point says what went wrong */
  if (!isfinite(v->g) || !isfinite(v->f)) return;
  bool ritz = isfinite(v->ritz_min) && isfinite(v->ritz_max);
  char flat[512];
  if (ritz && v->ritz_max > 0) s->lower_pos_curv = true;
  if (ritz && v->ritz_max < 0)
    rt_solver_warn(s, "ritz.negative",
                   "after %lld outer steps: the Ritz values of the lower Hessian are all negative "
                   "(smallest %.6g, largest %.6g): %s",
                   (long long)step, v->ritz_min, v->ritz_max,
                   s->lower_pos_curv ? RT_NONCONVEX_PATH_CURE : RT_CONCAVE_CURE);
  else if (ritz && v->ritz_min < -1e-10 * fabs(v->ritz_max))
    rt_solver_warn(s, "ritz.negative",
                   "after %lld outer steps: the smallest Ritz value of the lower Hessian is %.6g "
                   "(largest %.6g): the lower level looks non-convex in y%s",
                   (long long)step, v->ritz_min, v->ritz_max,
                   rt_f32_rounding_note(s->p, v->ritz_min, v->ritz_max));
  /* all of them 0 (or below, within rounding): g is linear in y (g = x'y) and has no minimiser;
   * the test above, a negative one beside the largest, stayed quiet on exact zeros, and ITD
   * ended there with status 0, |d| 6e-17 and no word */
  else if (isfinite(v->ritz_min) && isfinite(v->ritz_max) && v->ritz_max <= 0)
    rt_solver_warn(s, "ritz.negative",
                   "after %lld outer steps: the Ritz values of the lower Hessian are all <= 0 "
                   "(smallest %.3g, largest %.3g): g is linear or concave in y, and the lower "
                   "level has no minimiser",
                   (long long)step, v->ritz_min, v->ritz_max);
  /* A Ritz value is never below the smallest eigenvalue, so a tiny one proves a condition
   * number over 1e12: y*(x) is (numerically) not unique and an implicit hypergradient depends
   * on how each method's solve treats the null space (CG and Lanczos get it wrong). Unrolled
   * methods differentiate their loop, which needs no unique minimiser (MAML with fewer support
   * points than weights). On a stochastic problem the Ritz values are one draw's, and a draw of
   * fewer rows than lower variables is singular where the whole lower problem is not (see
   * doc/methods.md, "One draw's Hessian can be nearly singular"): no warning there. */
  else if (isfinite(v->ritz_min) && v->ritz_max > 0 && v->ritz_min <= 1e-12 * v->ritz_max &&
           !s->opt.method->unrolled && !blo_problem_stochastic(s->p) &&
           rt_curvature_scaled(v->ritz_min, v->g))
    warn_ritz_scaled(s, v, step);
  /* a lower variable g does not read (or is linear in): named, where "an exp that
   * underflows?" and "y*(x) is not unique" were guessed (new-user pass nuQ, finding 4) */
  else if (isfinite(v->ritz_min) && v->ritz_max > 0 && v->ritz_min <= 1e-12 * v->ritz_max &&
           !s->opt.method->unrolled && !blo_problem_stochastic(s->p) &&
           rt_lower_flat_vars(s, "ritz.singular", s->y, flat, sizeof flat) > 0)
    rt_solver_warn(s, "ritz.singular",
                   "after %lld outer steps: the lower Hessian looks singular (smallest Ritz "
                   "value %.3g, largest %.3g): %s (a ridge term in g, such as + 1e-4 * sum(y * "
                   "y), cures any other flat direction)",
                   (long long)step, v->ritz_min, v->ritz_max, flat);
  /* at the start's y, before any lower step, where |grad_y g| is not 0: the Hessian of a g
   * flat there (an entropic OT dual from y0 = 0, exp underflowing), not at y*(x): "y*(x) is
   * not unique" and a ridge, which biases the plan, were said of a g strictly convex there */
  else if (step == 0 && isfinite(v->ritz_min) && v->ritz_max > 0 &&
           v->ritz_min <= 1e-12 * v->ritz_max && !s->opt.method->unrolled &&
           !blo_problem_stochastic(s->p) && v->gy_norm > 0)
    rt_solver_warn(s, "ritz.singular",
                   "after 0 outer steps: the lower Hessian looks singular at the start's y "
                   "(smallest Ritz value %.3g, largest %.3g), where |grad_y g| = %.3g: g is "
                   "flat there (an exp that underflows?), which need not hold at y*(x); if the "
                   "lower loop does not leave it, start y nearer y*(x) (a lower initialiser, "
                   "--init-y); if g is singular at y*(x) too, y*(x) is not unique, and a ridge "
                   "term in g, such as + 1e-4 * sum(y * y), makes it so",
                   v->ritz_min, v->ritz_max, v->gy_norm);
  else if (isfinite(v->ritz_min) && v->ritz_max > 0 && v->ritz_min <= 1e-12 * v->ritz_max &&
           !s->opt.method->unrolled && !blo_problem_stochastic(s->p))
    rt_solver_warn(s, "ritz.singular",
                   "after %lld outer steps: the lower Hessian looks singular (smallest Ritz "
                   "value %.3g, largest %.3g): y*(x) is not unique, so the hypergradient is "
                   "not defined there; a ridge term in g, such as + 1e-4 * sum(y * y), makes "
                   "it so",
                   (long long)step, v->ritz_min, v->ritz_max);
}

/* Diagnostics at the current point, the best-point bookkeeping and, when tracing, a row. */
static void trace_point(Run *r, int64_t step) {
  double t0 = rt_seconds();
  rt_diag_eval(&r->dw, r->s, step);
  offer_best(r, step);
  const RtDiagValues *v = &r->dw.val;
  RtSolver *s = r->s;
  warn_ritz(s, v, step);
  if (r->ritz_low.step < 0 && isfinite(v->ritz_min) && isfinite(v->ritz_max) &&
      (v->ritz_min < 1e-12 * fabs(v->ritz_max) || v->ritz_max <= 0))
    r->ritz_low.step = step, r->ritz_low.lo = v->ritz_min, r->ritz_low.hi = v->ritz_max;
  double t1 = rt_seconds();
  r->res->t_diag += t1 - t0;
  if (r->trace) {
    rt_trace_row(r->trace, step, r->res->t_solve, v, step > 0 ? s->hg_norm : NAN, s);
    fflush(r->trace);
  }
  if (r->row) {
    rt_trace_values(r->row, step, r->res->t_solve, v, step > 0 ? s->hg_norm : NAN, s);
    if (r->cfg->on_trace(r->cfg->on_trace_ctx, r->row, rt_trace_ncols(s->p))) r->cancel = true;
  }
  r->last_trace = step;
  double yn = v->y ? rt_nrm2(s->ny, v->y) : NAN;
  if (isfinite(yn) && yn > r->y_seen) r->y_seen = yn;
  bool early = 2 * (step - r->seg0) <= r->K - r->seg0;
  double *half = early ? &r->hg_early : &r->hg_late, *fhalf = early ? &r->f_early : &r->f_late;
  if (step > r->seg0 && !(s->hg_norm <= *half)) *half = s->hg_norm;
  if (step > r->seg0 && isfinite(v->f) && (*fhalf == 0 || v->f > *fhalf)) *fhalf = v->f;
  if (step > 0 && isfinite(v->gy_norm) && v->gy_norm > r->gy_peak)
    r->gy_peak = v->gy_norm, r->gy_peak_step = step;
  if (step > 0 && isfinite(v->f) && (r->f_peak_step == 0 || v->f > r->f_peak))
    r->f_peak = v->f, r->f_peak_step = step;
  if (step > r->seg0 && isfinite(v->f) && (r->f_min_step < 0 || v->f < r->f_min))
    r->f_min = v->f, r->f_min_step = step, r->hg_at_f_min = s->hg_norm;
  if (isfinite(v->g) && (r->g_low_step < 0 || v->g < r->g_low))
    r->g_low = v->g, r->g_low_step = step;
  if (isfinite(v->gy_norm) && v->gy_norm > 0 && r->gy_frozen_step >= 0 &&
      fabs(v->gy_norm - r->gy_frozen) <= 0.05 * r->gy_frozen)
    r->gy_frozen_n++;
  else
    r->gy_frozen_step = step, r->gy_frozen_n = 0, r->gy_frozen = v->gy_norm;
  if (half == &r->hg_early && 4 * (step - r->seg0) > r->K - r->seg0 && !(s->hg_norm <= r->hg_q2))
    r->hg_q2 = s->hg_norm;
  if (step > 0 && r->hg_prev_trace > 0 && s->hg_norm > 1.001 * r->hg_prev_trace)
    r->hg_rise_step = step;
  r->hg_prev_trace = step > 0 ? s->hg_norm : 0;
  r->res->t_output += rt_seconds() - t1;
}

/* Whether the move from x1 to x2 reversed the one from x0 to x1: (x2 - x1).(x1 - x0) < 0, x
 * swinging back and forth (one pass over x, no allocation: it runs every step). */
static bool turned(int64_t n, const double *x0, const double *x1, const double *x2) {
  double dot = 0;
  for (int64_t i = 0; i < n; i++) dot += (x2[i] - x1[i]) * (x1[i] - x0[i]);
  return dot < 0;
}

/* tol: the step's |d| is below it, and so was the previous step's, and (unless the lower level
 * is an unrolled loop, whose y is not meant to be stationary) |grad_y g| is below it at the
 * lower iterate that belongs to x (one diagnostic gradient, only when |d| is). One small d
 * alone proves nothing: SOBA's, STABLE's and HJFBiO's first d is exactly 0 when v or y starts
 * at 0 and f has no direct x term, which stopped them after one step with x untouched,
 * |grad_y g| still 0.2 and status 0. Random estimates are refused (rt_options_check and, for
 * problems with sample sets, rt_solver_new). */
static bool tol_reached(Run *r) {
  RtSolver *s = r->s;
  bool below = s->tol > 0 && s->hg_norm < s->tol, prev = r->below_tol;
  r->below_tol = below;
  if (!below || !prev) return false;
  /* The step's d was measured at the x it began from (x_prev); the step then moved x on. The
   * run stops at that x, where |d| < tol holds, not at the one after: Adam's move does not
   * shrink with d (lr 0.5, tol 1e-5 stopped with |d| = 7.7e-6 reported and saved an x whose
   * |grad phi| was 1.65e-5), nor momentum's with its velocity. */
  rt_copy(s->nx, r->x_prev, s->x);
  bool met = true;
  if (!s->opt.method->unrolled) {
    double t0 = rt_seconds();
    met = rt_diag_lower_norm(&r->dw, s) < s->tol;
    r->res->t_diag += rt_seconds() - t0;
  }
  rt_copy(s->nx, met ? s->x : r->x_good, met ? r->x_good : s->x);
  return met;
}

/* y_step = auto: a new estimate before step k (rt_ystep.h), announced when it changed
 * materially. Returns true when the lower Hessian rules out a step (res->message set). */
static bool ystep_failed(Run *r, int64_t k) {
  char text[sizeof r->res->message];
  int rc = rt_ystep_refresh(r->s, k, text, sizeof text);
  if (rc == 1 && !r->cfg->quiet) message(r, "note", "%s", text);
  if (rc >= 0) return false;
  snprintf(r->res->message, sizeof r->res->message, "%s", text);
  return true;
}

/* A surge after step `step` of a run on a stochastic problem: its |d| over RT_SURGE times the
 * largest of the segment's steps before it (since the start or the last recovery), moving x by
 * over RT_SURGE times max(1, |x|) from where the step began, where the lower loop blows up on
 * its own (rt_lower_probe at that x, from the method's y there). x had moved to where y_step is
 * too large for g, the y steps blew up for a step or two, and their |d| threw x away, below
 * the divergence bound, maybe where the estimate vanishes: HJFBiO with its defaults on ridge
 * regression with a penalty exp(lam) over minibatches drifted to lam = 9.8, where the lower
 * Hessian's L = 17587 against 2/y_step = 13, and |d| = 357 threw lam to -347.7, where
 * |d| ~ 1e-151; it ended there with status 0 and no word (no bound reached, and
 * check_progress, whose |d| is one draw's, leaves stochastic problems out). Such a jump moved
 * x by 37 and 29 times max(1, |x|) with |d| 47 and 23 times the segment's largest; converged
 * runs of that problem (stocbio, amigo_gd) moved x by at most 1.6 times. The probe tells it
 * from a jump of the estimate alone: data hyper-cleaning with x_step = 500 jumps as much
 * while its lower loop stays stable (sigmoid weights bound its Hessian). Also a surge: a jump
 * of x (by over max(1, |x|), |d| as above) the probes do not explain, after which |d| is 0 to
 * rounding (below). Deterministic problems have check_progress and check_estimate. Fills
 * res->message. */
#define RT_SURGE 10.0
/* What probe pr saw, for the messages: "raised |grad_y g| from a to b in n steps", or where
 * its steps left g's domain, where no rise is seen. */
static const char *probe_saw(const RtLowerProbe *pr, char *buf, size_t n) {
  if (pr->no_g)
    snprintf(buf, n, "took y where g is not finite (out of its domain?) in %d step%s from "
             "|grad_y g| = %.3g", pr->steps, pr->steps == 1 ? "" : "s", pr->g0);
  else if (pr->jump > 0)
    snprintf(buf, n, "raised g itself from %.3g to %.3g in one step (step %d, from "
             "|grad_y g| = %.3g): that step overshot to where g curves far more than where "
             "the steps began, as from a plateau where an exp underflows",
             pr->g_from, pr->g_to, pr->jump, pr->g0);
  else
    snprintf(buf, n, "raised |grad_y g| from %.3g to %.3g in %d steps", pr->g0, pr->g1,
             pr->steps);
  return buf;
}

/* Whether the probe's steps blew up because g is not convex in y along them (its curvature
 * there <= 0), not because y_step is too long for g: lancbio on g = 0.5 x y^2 - y with x in
 * [-1, 3] stepped to x < 0, where g has no minimiser, and was told "y_step is too large for g
 * there" twice before the Ritz test at a trace point said why. */
static bool probe_nonconvex(const RtLowerProbe *pr) {
  return pr->blew_up && !pr->no_g && (pr->curv <= 0 || pr->ritz_lo < -1e-8 * pr->ritz_hi);
}

/* A probe whose steps blew up with g curving up along the last of them (curv > 0): y_step too
 * long for g's largest curvature, whose part of y grows fastest, and maybe a direction where g
 * curves down as well, whose part grows at every y_step but slower, hidden by the first (and
 * where g curves down along them, the largest Ritz value, for recover's y_step).
 * demand.blo, a consumer's quadratic utility with B = diag(exp d) + s (11' - I) and no bounds,
 * at s = 2.75 (the lower Hessian's eigenvalues -0.00275, -0.00249 and 0.018): "y_step is too
 * large for g there", and y_step was halved, which no y_step cures. The Ritz values of the
 * lower Hessian where the steps went (y, ritz_steps diagnostic Hessian-vector products) tell:
 * one below 0 beside the largest, past rounding, is a direction where g curves down. Fills
 * pr->ritz_lo and ritz_hi. */
static void probe_ritz(Run *r, const double *x, const double *y, RtLowerProbe *pr) {
  RtDiagWork *w = &r->dw;
  RtSolver *s = r->s;
  if (!pr->blew_up || pr->no_g || pr->jump > 0 || w->ritz_steps <= 0 ||
      !w->q || !rt_all_finite(s->ny, y))
    return;
  double lo = NAN, hi = NAN;
  bool prev = rt_oracle_set_diag(&s->o, true);
  int n = rt_lanczos_extremes(&s->o, x, y,
                              &(RtLanczosRun){w->ritz_steps, w->lanczos_seed, w->q, w->u,
                                              w->alpha, w->beta, NULL},
                              &lo, &hi);
  rt_oracle_set_diag(&s->o, prev);
  if (n > 0 && isfinite(lo) && isfinite(hi)) pr->ritz_lo = lo, pr->ritz_hi = hi;
}

/* What the probe says of g there, after probe_saw's "raised |grad_y g| ...". */
static const char *probe_cure(const RtLowerProbe *pr, char *buf, size_t n) {
  if (probe_nonconvex(pr) && !(pr->curv <= 0))
    snprintf(buf, n, ", and the lower Hessian where they went has Ritz values in [%.3g, "
             "%.3g]: g is not convex in y there (it curves down along some direction, hidden "
             "by the faster growth along the largest curvature), so the lower level may have "
             "no minimiser near y, and a smaller y_step alone does not help (y grows along "
             "that direction at every y_step); bound x (box bounds) to where g is convex in y, "
             "or make g strongly convex in y (a ridge term such as + 0.5 * sumsq(y))",
             pr->ritz_lo, pr->ritz_hi);
  else if (probe_nonconvex(pr))
    snprintf(buf, n, ", and g's curvature in y along them is %.3g: g is not convex in y "
             "there, so the lower level has no minimiser near y and no y_step helps; bound x "
             "(box bounds) to where g is convex in y, or make g strongly convex in y (a "
             "ridge term such as + 0.5 * sumsq(y))", pr->curv);
  else if (pr->jump > 0)
    snprintf(buf, n, "; stable steps never raise g, so y_step is too large for g there");
  else snprintf(buf, n, " (%s), so y_step is too large for g there",
                pr->no_g ? "steps that lower g never do" : "stable ones never raise it");
  return buf;
}

/* A jump of x at step `step` (by dx from |x| = xn, |d| over prev) whose next step surged()
 * watches. */
static void note_jump(Run *r, int64_t step, double prev, double dx, double xn) {
  r->jump.step = r->jump.last = step, r->jump.d = r->s->hg_norm, r->jump.prev = prev;
  r->jump.dx = dx, r->jump.xn = xn;
}

/* How far x moved in the step just taken (x_good is the x it began from), and |x| there. */
static double moved(const Run *r, double *xn) {
  const RtSolver *s = r->s;
  double dx2 = 0;
  for (int64_t i = 0; i < s->nx; i++) {
    double e = s->x[i] - r->x_good[i];
    dx2 += e * e;
  }
  *xn = rt_nrm2(s->nx, r->x_good);
  return sqrt(dx2);
}

#define RT_COLLAPSE 1e-12
static bool surged(Run *r, int64_t step) {
  RtSolver *s = r->s;
  double d = s->hg_norm, prev = r->hg_steps_max;
  const RtMethodSpec *m = s->opt.method;
  bool stoch = blo_problem_stochastic(s->p);
  /* The step after a jump that no lower loop explains, where |d| collapsed to 1e-12 of the
   * largest: x was thrown to where the estimate is 0 to rounding, which one draw's estimate
   * never is at a stationary point (it keeps its sampling noise there). HJFBiO, another data
   * draw: x doubling its steps to lam = 6.86 (L = 955), where y_step = auto's next estimate
   * kept the lower loop stable, then |d| = 112 threw it to -104.9, |d| 1.7e-48 ever after. On
   * a deterministic problem (and for every method) the same when |d| is exactly 0 after a
   * jump of x by over RT_SURGE times max(1, |x|): an exact estimate there is 0 only where it
   * vanishes identically, such as where exp(x) underflows (ITD with inner_lr over 2/L threw
   * lam from 4 to -3.6e9 in its first step, |d| exactly 0 ever after, status 0); unless f
   * fell there: f = (x - 50)^2 / 2 with x_step 1 lands on x* = 50 from 0 in one step, |d|
   * exactly 0, and was sent back with half the step (s->f_est is now f where the jump
   * landed). Fell below every f the run has seen (r->f_low), not only below f where the jump
   * began: a run blowing up raises f before it throws x, and ITD with inner_lr 7000 times 2/L
   * on logistic regression, f rising from 141 to 7.7e9 over two steps, was thrown from
   * x = 3.9 to -4.2e10, where every logit saturates: |d| exactly 0 ever after, f = 153.66
   * there above the start's 153.58, yet below 7.7e9, and it ended with status 0. The
   * estimate itself is measured, not its projected step: x on a bound of its box has a
   * projected step of exactly 0 where the estimate points out of the box (lambda in
   * [-12, 5] on noiseless ridge regression reached its optimum, the bound -12, in one step;
   * told it was thrown, it went back and ended 2750 times higher in phi). UFOM's estimate
   * with q < 1 is exactly 0 on a step without its exact draw where f has no x term: not a
   * collapse (rt_method_zero_draws). BSA's and TTSA's, random too, are 0 only where an exact
   * one is: BSA with its defaults on dataset distillation (logistic, 4 points) had |d| = 1e7
   * at step 5, which threw x to |x| = 4.6e6, where every logit saturates, |d| exactly 0 ever
   * after; it ended at phi = log 2 (0.0746 at the optimum) with status 0. Only the step after
   * a jump is tested, and each step after it while the throw goes on (x moving on by over
   * max(1, |x|)): SOBA with its defaults on smoothed TV with log-weights had |d| = 2.4e4 at
   * step 133, which threw x from |x| = 10.8 to 6074, |d| = 3.4e4 at step 134 threw it on to
   * 1.04e4, and |d| was exactly 0 from step 135 (f 1.8e6 against 0.59 seen), every weight
   * underflowed; it ended at phi 1.99 (0.536 at the optimum) with status 0. The rest of the
   * run pays nothing. */
  bool vanished = false, watched = r->jump.last == step - 1;
  if (watched && !rt_method_zero_draws(&s->opt)) {
    double raw = rt_nrm2(s->nx, s->d);
    bool fell = s->f_est < r->f_low - 1e-12 * fabs(r->f_low);
    /* deterministic: 0, or 1e-12 of the largest too where f did not fall (the same ITD, its
     * second throw, landed where |d| = 1e-53, exit 0) */
    vanished = stoch ? raw < RT_COLLAPSE * prev : (raw == 0 || raw < RT_COLLAPSE * prev) && !fell;
  }
  if (vanished) {
    char times[96] = ", at the first step since the start or the last recovery", on[160] = "";
    if (r->jump.prev > 0)
      snprintf(times, sizeof times, ", %.3g times the largest of the steps before it (%.6g)",
               r->jump.d / r->jump.prev, r->jump.prev);
    if (r->jump.last > r->jump.step)
      snprintf(on, sizeof on,
               "; x moved on by over max(1, |x|) at each step after it, to |x| = %.6g at step "
               "%lld, and ", r->jump.xn_last, (long long)r->jump.last);
    snprintf(r->res->message, sizeof r->res->message,
             "surge at outer step %lld: the hypergradient estimate jumped to |d| = %.6g%s, "
             "and moved x by %.6g, %.3g times max(1, |x| = %.6g)%sthe next step's |d| = %.3g "
             "is %s: x was thrown to where the estimate vanishes",
             (long long)r->jump.step, r->jump.d, times, r->jump.dx,
             r->jump.dx / fmax(1.0, r->jump.xn), r->jump.xn, on[0] ? on : "; ", d,
             stoch ? "0 to rounding, which a stochastic estimate is not at a stationary point"
             : d == 0 ? "exactly 0, as where an exp(x) underflows, not the rounding noise of a "
                        "stationary point"
                      : "0 to rounding (as where an exp(x) underflows) while f there is no "
                        "lower than the run had seen, so no stationary point it reached");
    r->surge = true;
    return true;
  }
  double xn, dx;
  if (watched && (dx = moved(r, &xn)) > fmax(1.0, xn)) { /* the throw goes on */
    r->jump.last = step;
    r->jump.xn_last = rt_nrm2(s->nx, s->x);
  }
  bool first = !(prev > 0); /* the segment's first step: nothing to compare its |d| with */
  if (!first && !(d > RT_SURGE * prev)) return false;
  dx = moved(r, &xn);
  /* the segment's first step, a deterministic problem, or a method without a y_step the
   * probes below could blame: only a jump by over RT_SURGE times max(1, |x|) is watched, for
   * the collapse above */
  if (first || !stoch || m->unrolled || rt_method_newton_lower(m) || !(s->y_step > 0)) {
    if (dx > RT_SURGE * fmax(1.0, xn))
      note_jump(r, step, prev, dx, xn);
    return false;
  }
  /* a jump of x by more than max(1, |x|), short of a surge: its next step is still watched
   * (the same HJFBiO, a third draw: |d| 12.6 times the largest before moved lam by 9 times
   * its size, and |d| was 1.7e-14 ever after) */
  if (!(dx > RT_SURGE * fmax(1.0, xn))) {
    if (dx > fmax(1.0, xn))
      note_jump(r, step, prev, dx, xn);
    return false;
  }
  /* the probes run on the diagnostics' work vectors, and s->gy is kept for the method. At the
   * x the step began from, or the one before with that step's y_step: the y that blew up
   * there can throw x a step later, from an x where y_step is fine (HJFBiO on that problem,
   * another draw: lam = 5.67, where L = 294 against 2/y_step = 23, then 2.68, where |d| = 76
   * threw it to -73.5), or after y_step = auto's estimate there made it so */
  double *y = r->dw.yi, *gy = r->dw.gy_sum, ystep = s->y_step;
  rt_copy(s->ny, s->gy, gy);
  rt_copy(s->ny, r->y_good, y);
  RtLowerProbe pr = rt_lower_probe(s, r->x_good, y);
  char saw[320];
  bool before = !pr.blew_up;
  if (before && r->ystep_last > 0) {
    rt_copy(s->ny, r->y_prev, y);
    s->y_step = r->ystep_last;
    pr = rt_lower_probe(s, r->x_prev, y);
    probe_ritz(r, r->x_prev, y, &pr);
    s->y_step = ystep;
  } else probe_ritz(r, r->x_good, y, &pr);
  rt_copy(s->ny, gy, s->gy);
  if (!pr.blew_up) {
    note_jump(r, step, prev, dx, xn);
    return false;
  }
  snprintf(r->res->message, sizeof r->res->message,
           "surge at outer step %lld: the hypergradient estimate jumped to |d| = %.6g, %.3g "
           "times the largest of the steps before it (%.6g), and moved x by %.6g, %.3g times "
           "max(1, |x| = %.6g); at the x %s, gradient steps on y with y_step = %g %s: x had "
           "moved to where %s, and the y that blew up threw x away",
           (long long)step, d, d / prev, prev, dx, dx / fmax(1.0, xn), xn,
           before ? "of the step before" : "it began from", before ? r->ystep_last : ystep,
           probe_saw(&pr, saw, sizeof saw),
           probe_nonconvex(&pr) ? "g is not convex in y (no minimiser: no y_step helps)"
                                : "y_step is too large for g");
  r->surge = true;
  return true;
}

/* At a trace point of a run on a stochastic problem (step 0 included): a y_step the user gave
 * (not auto) at least 2/L, L >= the largest Ritz value of the lower Hessian there (one draw's,
 * a lower bound of its L). Gradient steps on y with it cannot converge, yet on a lower level
 * whose curvature falls off away from its minimum (softmax cross-entropy) they need not blow
 * up either, which is what lower_blew_up's probe looks for, and one draw's |d| and f say
 * nothing at the end: examples/hyperclean_minibatch.blo with batch = 100 (its y_step = 0.1,
 * Ritz values up to 28-46, 2/L ~ 0.05) threw x to |x| = 5.6e6 and ended with test_acc 0.489
 * (0.734 with y_step = auto), status 0 and no word. Deterministic problems are left to the
 * divergence test on g and the end-of-run checks, which catch the loop there. At two trace
 * points in a row: one draw's Ritz value varies (13 to 22 over the example's trace points at
 * its own batch = 500, where y_step = 0.1 converges; 22 to 46 at batch = 100), and with
 * |grad_y g| there above the start's: one draw's L is only a bound, and minibatch steps of
 * 1.5-1.9/L of the full data's L converge, where a draw's reached 2/L (ridge, batch 50:
 * |grad_y g| 0.31 and 0.14 of the start's where that fired and halved y_step needlessly; the
 * failing example's was 3.4 times its start's). The recovery
 * halves y_step (and an eta at least 2/L, which steps on the same Hessian) to 0.8/L, as
 * y_step = auto sizes it. Fills res->message. */
static bool ystep_over(Run *r, int64_t step) {
  RtSolver *s = r->s;
  const RtMethodSpec *m = s->opt.method;
  double L = r->dw.val.ritz_max;
  if (!blo_problem_stochastic(s->p) || s->ystep.on || m->unrolled ||
      rt_method_newton_lower(m) || !(s->y_step > 0) || !isfinite(L) || !(L > 0))
    return false;
  if (L > r->ritz_hi) r->ritz_hi = L;
  int64_t before = r->over.step;
  double L_before = r->over.L;
  r->over.step = s->y_step * L >= 2 ? step : -1;
  r->over.L = L;
  if (r->over.step < 0 || before < 0 || !(r->dw.val.gy_norm > r->gy0)) return false;
  r->ystep_L = r->ritz_hi;
  r->ystep_restart = before == 0 && r->seg0 == 0;
  r->over.step = -1;
  snprintf(r->res->message, sizeof r->res->message,
           "y_step too large at outer step %lld: y_step = %g is at least 2/L = %.3g (L >= "
           "%.6g, the largest Ritz value of the lower Hessian there, one draw's; %.6g at the "
           "trace point before, step %lld), and |grad_y g| = %.3g there is above the "
           "start's %.3g: gradient steps on y with it do not converge, and the hypergradient "
           "they give means nothing",
           (long long)step, s->y_step, 2 / L, L, L_before, (long long)before,
           r->dw.val.gy_norm, r->gy0);
  return true;
}

/* Appends to res->message (what failed and why, built in pieces), truncating at its size. */
static void message_add(RtResult *res, const char *fmt, ...) RT_PRINTF(2, 3);
static void message_add(RtResult *res, const char *fmt, ...) {
  size_t len = strlen(res->message);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(res->message + len, sizeof res->message - len, fmt, ap);
  va_end(ap);
}

/* A non-finite value at precision f32: the products with the data compute in float, whose
 * range ends at 3.4e38, so in-range data (1e9 against 1e-80 * sumsq(A @ y)) can overflow where
 * f64 would not. Appended to res->message, which named only the oracle. Returns true. */
static bool nonfinite_f32(Run *r) {
  RtResult *res = r->res;
  if (res->precision && strcmp(res->precision, "f32") == 0) {
    message_add(res, "; precision f32 is the likely cause: the products with the data compute "
                     "in float, whose range ends at 3.4e38 (precision f64 tells)");
  }
  return true;
}

/* y0 at or next to a singularity of g (rt_lower_singular): no method's step moves y there, and
 * aid_cg, exact and lancbio ended with exit 0, f at that y0 and a warning blaming x_step (y0
 * = pi/2 on tan(y)^2: g = 2.7e30, |grad_y g| = 8.7e46). Fills res->message; true. */
static bool start_singular(Run *r, double g, double gn, const RtSingular *sing) {
  char el[64], gv[RT_FMT_NUM_LEN], nv[RT_FMT_NUM_LEN], tv[RT_FMT_NUM_LEN], hv[RT_FMT_NUM_LEN],
      nearv[RT_FMT_NUM_LEN];
  const char *var = rt_lower_var_at(r->s->p, sing->at, el, sizeof el);
  snprintf(r->res->message, sizeof r->res->message,
           "numerical failure before outer step 1: y cannot move from the start (x0, y0): g = "
           "%s and |grad_y g| = %s there, but Newton's step along grad_y g, %s, is below y's "
           "rounding, so no method's step moves y, while %s away g falls to %s: y0 sits at or "
           "next to a singularity of g, at `%s%s` (a pole such as tan's at pi/2, or 1 / z's at "
           "z = 0), where the result would be that y0's, no minimum of g; start y elsewhere, "
           "with the initial value of `lower %s` or --init-y FILE (bloc eval --what g,grad_y_g "
           "tells g's values there)",
           rt_fmt_g(g, 4, gv), rt_fmt_g(gn, 4, nv), rt_fmt_g(sing->step, 2, tv),
           rt_fmt_g(sing->h, 2, hv), rt_fmt_g(sing->g_near, 4, nearv), var, el, var);
  return true;
}

/* g and grad_y g at the start (x0 and the method's y0), one diagnostic call before anything
 * else: when either is not finite there, no method can take a step, and the run stops with
 * status 2 naming the start and the cure (res->message set; true). A y0 outside g's domain
 * was blamed on what came first: logit shares summing to 1.2 (g = ... + xlogx(1 - sum(y)), the
 * log of -0.2) had finite Hessian-vector products, and y_step = auto said "the lower Hessian
 * has Ritz values in [-16.7, 3.33]; it is not positive definite ... give y_step explicitly",
 * a cure that then failed on g; exact, itd and ufom said only "the grad_g oracle returned a
 * non-finite g (oracle call 1)", as did every method on g = -log(1 - y) + ... from y0 = 2,
 * whose gradient is finite there. */
static bool start_not_finite(Run *r) {
  RtSolver *s = r->s;
  RtOracle *o = &s->o;
  double *gy = r->dw.gy; /* the start's trace point fills it next */
  bool prev = rt_oracle_set_diag(o, true);
  uint64_t counter = rt_oracle_diag_at_step(o, 0); /* the start's trace point's draw */
  rt_oracle_clear_diag_fail(o);
  RtDraw d = rt_oracle_draw(o);
  double g = rt_oracle_grad_g(o, d, s->x, s->y, gy);
  int64_t at = -1;
  for (int64_t j = 0; j < s->ny && at < 0; j++)
    if (!isfinite(gy[j])) at = j;
  RtSingular sing;
  bool singular = isfinite(g) && at < 0 &&
                  rt_lower_singular(o, d, s->x, s->y, g, gy, r->sing_w, &sing);
  rt_oracle_diag_resume(o, counter);
  rt_oracle_set_diag(o, prev);
  if (singular) return start_singular(r, g, rt_nrm2(s->ny, gy), &sing);
  if (isfinite(g) && at < 0) return false;
  /* on a sampled problem, the draw: its data may give g no value (a task with no support
   * points, whose masks sum to 0: 0/0), wherever the start */
  char text[144], draw[240] = "";
  rt_oracle_draw_text(o, o->diag_fail_key, o->diag_fail_sub, text, sizeof text);
  if (text[0])
    snprintf(draw, sizeof draw, "; the draw %s gave it, whose data may give g no value at any "
             "y (a mean over no points: 0/0)", text);
  /* the lower variable to start elsewhere: the one holding the first non-finite element (the
   * first lower variable where none is known) */
  char vel[64];
  const char *var = rt_lower_var_at(s->p, at >= 0 ? at : 0, vel, sizeof vel);
  char gv[RT_FMT_NUM_LEN], el[96] = "";
  if (at >= 0)
    snprintf(el, sizeof el, "%sgrad_y g = %s", isfinite(g) ? "" : ", and ",
             isnan(gy[at]) ? "nan" : gy[at] > 0 ? "inf" : "-inf");
  if (at >= 0 && s->ny > 1)
    snprintf(el + strlen(el), sizeof el - strlen(el), " at element [%lld] (0-based)",
             (long long)at);
  if (!isfinite(g))
    snprintf(r->res->message, sizeof r->res->message,
             "numerical failure before outer step 1: g is not finite at the start (x0, y0): "
             "g = %s%s there; the start lies outside g's domain (such as a log of a negative "
             "number, a pole such as cot's, 1 / tan(z), at z = 0, or an exp that overflows), "
             "and no method can take a step from it: start "
             "inside it, with the initial value of `lower %s` or --init-y FILE (of x: --init-x "
             "FILE; bloc eval --what g,grad_y_g tells where g is finite)%s",
             isnan(g) ? "nan" : g > 0 ? "inf" : "-inf", el, var, draw);
  else
    snprintf(r->res->message, sizeof r->res->message,
             "numerical failure before outer step 1: grad_y g is not finite at the start (x0, "
             "y0): %s there, while g = %s is, and no method can take a step from it (%s; "
             "the start: the initial value of `lower %s` or --init-y FILE)%s",
             el, rt_fmt_g(g, 6, gv), RT_NOT_FINITE_CURE, var, draw);
  nonfinite_f32(r);
  return true;
}

/* After step k (1-based `step`): NaN/Inf anywhere, divergence, or a surge. Fills
 * res->message. */
static bool failed(Run *r, int64_t step) {
  RtSolver *s = r->s;
  RtResult *res = r->res;
  const RtOracle *o = &s->o;
  if (o->fail_kind >= 0) {
    /* on a sampled problem, the indices the failing call drew: one task of 1000 with no
     * support points (a mask summing to 0) is found by them, not by the call's number */
    char draw[160] = "", text[144];
    rt_oracle_draw_text(&s->o, o->fail_key, o->fail_sub, text, sizeof text);
    if (text[0]) snprintf(draw, sizeof draw, ", on the draw %s", text);
    snprintf(
        res->message, sizeof res->message,
        "numerical failure at outer step %lld: the %s oracle returned a non-finite %s (oracle call "
        "%llu%s)",
        (long long)step, rt_call_names[o->fail_kind], o->fail_what,
        (unsigned long long)o->fail_call, draw);
    return nonfinite_f32(r);
  }
  /* exact's Newton solve found g unbounded below in y at this x (rt_exact.c, ex_step) */
  if (s->lower_no_min) {
    /* (rt_exact.c, neg_unbounded: along a direction of negative curvature) */
    bool neg = s->lower_no_min_w0 < -1e-6 * fabs(s->lower_no_min_wmax);
    snprintf(res->message, sizeof res->message,
             "numerical failure at outer step %lld: the lower level has no minimiser at this "
             "x: g is unbounded below in y: Newton's method on g stopped at |grad_y g| = %.3g, "
             "where the lower Hessian is %s (smallest eigenvalue %.3g, largest %.3g), "
             "and along %s g still falls 1e10 times "
             "max(1, |y|) away, so y*(x) does not exist and a hypergradient means nothing; %s",
             (long long)step, s->lower_no_min_gn, neg ? "not positive definite" : "singular",
             s->lower_no_min_w0, s->lower_no_min_wmax,
             neg ? "the smallest one's eigenvector" : "grad_y g's part in its flat directions",
             s->lower_no_min_wmax < 0 && !s->lower_pos_curv ? RT_CONCAVE_CURE
                                                            : RT_UNBOUNDED_CURE);
    return true;
  }
  struct { const char *name; int64_t n; const double *v; double ref; } q[] = {
      {"x", s->nx, s->x, r->x0n}, {"y", s->ny, s->y, r->y0n},
      {"v", s->v ? s->ny : 0, s->v, NAN}, {"the hypergradient estimate", s->nx, s->d, NAN}};
  for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
    if (!q[i].v) continue;
    double nrm = rt_nrm2(q[i].n, q[i].v);
    if (!isfinite(nrm) || !rt_all_finite(q[i].n, q[i].v)) {
      snprintf(res->message, sizeof res->message,
               "numerical failure at outer step %lld: %s is not finite", (long long)step,
               q[i].name);
      return nonfinite_f32(r);
    }
    double lim = r->cfg->divergence_factor * fmax(1.0, q[i].ref);
    if (r->cfg->divergence_factor > 0 && isfinite(q[i].ref) && nrm > lim) {
      snprintf(
          res->message, sizeof res->message,
          "divergence at outer step %lld: |%s| = %.6g exceeds %g x max(1, |%s at start| = %.6g)",
          (long long)step, q[i].name, nrm, r->cfg->divergence_factor, q[i].name, q[i].ref);
      return true;
    }
  }
  if (!isfinite(s->f_est)) {
    snprintf(res->message, sizeof res->message,
             "numerical failure at outer step %lld: f is not finite (%g)", (long long)step,
             s->f_est);
    return nonfinite_f32(r);
  }
  if (f_past_bound(r, s->f_est)) {
    char bound[160];
    bound_text(r, false, bound, sizeof bound);
    snprintf(res->message, sizeof res->message,
             "divergence at outer step %lld: f = %.6g exceeds %g x %s", (long long)step,
             s->f_est, r->cfg->divergence_factor, bound);
    return true;
  }
  return surged(r, step);
}

/* How much vector v (n) grew since the best trace point's `best` (factor of max(1, norm));
 * infinite when v is not finite. */
static double growth(int64_t n, const double *v, const double *best) {
  double nrm = rt_nrm2(n, v);
  if (!isfinite(nrm) || !rt_all_finite(n, v)) return INFINITY;
  return fmax(1.0, nrm) / fmax(1.0, rt_nrm2(n, best));
}

/* Where the lower loop blew up on its own (lower_blew_up). */
typedef enum LowerBlowUp {
  LOWER_STABLE, /* not shown: the x step alone failed */
  LOWER_AT_BEST, /* at the best trace point's x: y_step alone is to blame */
  LOWER_FROM_START, /* there and at the start's x: every iterate since came from it */
  LOWER_ON_THE_WAY /* only at an x reached since (x may have stepped too far), or F2SA's own */
} LowerBlowUp;

/* The most halvings of y_step one recovery makes (a factor of 1024) while the lower loop still
 * blows up at the x the run goes back to. */
#define RT_MAX_Y_HALVINGS 10

/* rt_lower_probe at x from the method's y there (copied into s->y). */
static RtLowerProbe probe_at(Run *r, const double *x, const double *y) {
  rt_copy(r->s->ny, y, r->s->y);
  return rt_lower_probe(r->s, x, r->s->y);
}

/* probe_at, and where its steps blew up, probe_ritz where they went (for the message). */
static RtLowerProbe probe_why(Run *r, const double *x, const double *y) {
  RtLowerProbe pr = probe_at(r, x, y);
  probe_ritz(r, x, r->s->y, &pr);
  return pr;
}

/* Whether the lower loop blew up on its own, with y_step too large for g at the x the recovery
 * goes back to (the best trace point's), or at the x the failed step began from (the last good
 * one, which x may have reached by a step too large or on its way to x*); appends why to
 * res->message. The test runs the gradient steps on y again at each fixed x, from the y the
 * method had there (probe_at); a method with a lower loop the run loop does not see (F2SA's
 * penalised y) says so itself (own_blew_up). How much y grew beside x tells neither: a y that
 * blows up drives x with it through the hypergradient, and an x that starts at 0 compares with
 * 1 (ridge on the diabetes data with y_step 0.4 > 2/L = 0.34: three halvings of x_step, exit
 * 2). Unrolled methods (their inner loop) and exact have no y_step to halve
 * (lower_cannot_recover).
 * Overwrites s->y. */
static LowerBlowUp lower_blew_up(Run *r) {
  RtSolver *s = r->s;
  RtResult *res = r->res;
  const RtMethodSpec *m = s->opt.method;
  if (m->unrolled || rt_method_newton_lower(m) || !(s->y_step > 0)) return LOWER_STABLE;
  bool own = s->impl->own_blew_up && s->impl->own_blew_up(s);
  LowerBlowUp where = LOWER_STABLE;
  r->own_why = 0;
  char what[80], also[96] = "";
  snprintf(what, sizeof what, "the best trace point (step %lld)", (long long)res->best_step);
  RtLowerProbe pr, p0;
  if (res->best_step < 0) {
    /* no trace point to keep: the start's, whose lower point (the method's inner steps from
     * y0) was not finite or past the divergence bound, is the only iterate to go back to
     * (recover) */
    snprintf(what, sizeof what, "the start (its trace point's y is not finite or blew up)");
    pr = probe_why(r, r->x_start, r->ys_start);
    where = pr.blew_up ? LOWER_FROM_START : LOWER_STABLE;
  } else if ((pr = probe_why(r, res->best_x, r->best_ys)).blew_up) {
    where = LOWER_AT_BEST;
    if (res->best_step > 0 && (p0 = probe_at(r, r->x_start, r->ys_start)).blew_up) {
      where = LOWER_FROM_START;
      if (p0.no_g)
        snprintf(also, sizeof also, ", and at the start's x in %d steps", p0.steps);
      else
        snprintf(also, sizeof also, ", and at the start's x from %.3g to %.3g in %d steps",
                 p0.g0, p0.g1, p0.steps);
    }
  } else if (r->good_step != res->best_step && !r->surge &&
             (pr = probe_why(r, r->x_good, r->y_good)).blew_up) {
    where = LOWER_ON_THE_WAY;
    snprintf(what, sizeof what, "step %lld", (long long)r->good_step);
  }
  char saw[320], cure[480];
  r->blown = pr;
  r->blown.blew_up = where != LOWER_STABLE;
  if (where != LOWER_STABLE)
    message_add(res,
                "; the lower loop blew up on its own: at the x of %s, gradient steps on y with "
                "y_step = %g %s%s%s",
                what, s->y_step, probe_saw(&pr, saw, sizeof saw), also,
                probe_cure(&pr, cure, sizeof cure));
  else if (own) {
    char why[800];
    r->own_why = s->impl->own_why ? s->impl->own_why(s, r->x_good, r->y_good, why, sizeof why)
                                  : 0;
    if (r->own_why)
      message_add(res, "%s", why);
    else
      message_add(res,
                  "; the method's own lower loop blew up on its own (its gradient grew at every "
                  "one of its %d inner steps at a fixed x): y_step = %g is too large for it",
                  s->inner_steps, s->y_step);
  }
  return where == LOWER_STABLE && own ? LOWER_ON_THE_WAY : where;
}

/* Whether going back to the best iterate with smaller steps again is futile: the oracle
 * output that failed is the one the last recovery's failure was, from the same call of a
 * step that began at the same iterate, after that recovery halved the steps. Such a call
 * does not depend on the steps: f or g has no finite derivative there. exact on
 * norm(x - y) with x = y at the start (the gradient of norm, or sqrt, at 0 is 0/0) went back
 * to step 0 three times, each failing at the same call, before stopping with status 2.
 * Records the failure for the next time and appends why to res->message. */
static bool futile_recovery(Run *r) {
  RtSolver *s = r->s;
  const RtOracle *o = &s->o;
  if (o->fail_kind < 0) return false;
  uint64_t offset = o->fail_call - r->step_calls0;
  /* only after y_step was halved too, where the method has one: a call in the lower loop (F2SA's
   * penalised y overflowing at y_step = 0.8) fails at the same place whatever x_step is, and
   * was blamed on a derivative after x_step alone was halved (--set y_step=0.2 ran fine) */
  const RtMethodSpec *m = s->opt.method;
  bool y_tried = m->unrolled || rt_method_newton_lower(m) || !(s->y_step > 0) ||
                 s->y_step < r->last_fail.y_step;
  bool same = r->res->n_recoveries > 0 && r->last_fail.kind == o->fail_kind &&
              r->last_fail.what == o->fail_what && r->last_fail.offset == offset &&
              r->last_fail.from == r->good_step && y_tried;
  r->last_fail.kind = o->fail_kind;
  r->last_fail.what = o->fail_what;
  r->last_fail.offset = offset;
  r->last_fail.from = r->good_step;
  r->last_fail.y_step = s->y_step;
  if (!same) return false;
  message_add(r->res,
              "; going back to step %lld with smaller steps again would repeat it: the same "
              "call of the step failed from there after halving, so it does not depend on the "
              "steps (a derivative that is not finite at that iterate, such as norm's or sqrt's "
              "at 0, acos's or asin's at -1 or 1?)",
              (long long)r->good_step);
  return true;
}

/* on_divergence = halve, after the failure of step `step` (message in res->message): go back to
 * the best trace point (x, the method's y and v; the method forgets what it built from the
 * iterates) and halve the step to blame (lower_blew_up):
 * - the lower loop blows up at that point's x: y_step alone (x_step did not fail there, and
 *   halving it would only slow the run), as many times as it takes for the loop to be stable
 *   there (a y_step that is still too large at x* left SOBA in a cycle of period 2 at the edge
 *   of stability, |d| 1.7, status 0 and no warning); with an eta derived from y_step, which
 *   steps on the same lower Hessian (A v = b, or its Neumann series), eta with it;
 * - it blew up only at an x reached since: both, as which one is to blame cannot be told (x
 *   stepped too far, or is on its way to where y_step is too large);
 * - else x_step, and an eta of its own when v grew ten times faster than x since the best point
 *   or a Hessian-vector product came out non-finite.
 * When the lower loop blows up at the start's x too, every iterate since was driven by a
 * diverging y and x may have gone far astray with it (SOBA and HJFBiO on a ridge problem with
 * y_step 1.5 x 2/L went back to a best point at log(lambda) = -31, where the hypergradient
 * vanishes, and ended there with status 0 and f 12.3 instead of 7.77): the run goes back to the
 * start instead, which becomes the best trace point again. false when not allowed: option
 * stop, RT_MAX_RECOVERIES done, or no finite trace point yet. */
static bool recover(Run *r, int64_t step) {
  RtSolver *s = r->s;
  RtResult *res = r->res;
  if (!r->halve || res->n_recoveries >= RT_MAX_RECOVERIES) return false;
  if (futile_recovery(r)) return false;
  double t0 = rt_seconds();
  double gx = fmax(1.0, growth(s->nx, s->x, res->best_x));
  bool vsys = s->v && s->eta > 0 && growth(s->ny, s->v, r->best_v) > 10 * gx;
  /* a Hessian-vector product that came out non-finite, where the method has an eta: the
   * vector it multiplied blew up, a Neumann series (stocBiO keeps no v) with eta L > 2: eta = 6
   * on L = 1 halved x_step twice and stopped, blaming no step */
  if (s->eta > 0 && s->o.fail_kind == RT_CALL_HVP) vsys = true;
  double ystep_L = r->ystep_L;
  r->blown.blew_up = false;
  /* y_step over 2/L since the start's trace point: every iterate since was driven by a lower
   * loop that did not converge, as for LOWER_FROM_START (the best trace point, by f, was one) */
  LowerBlowUp where = ystep_L > 0 ? (r->ystep_restart ? LOWER_FROM_START : LOWER_AT_BEST)
                                  : lower_blew_up(r);
  /* The lower loop blew up only at an x reached since, where the Ritz values show g not convex
   * in y (probe_ritz): a shorter x step may keep x where g is convex, as at the best iterate's
   * x, and y_step, which cannot cure it, is halved only where it is over 2/L there as well */
  const RtLowerProbe *bp = &r->blown;
  bool nc_way = where == LOWER_ON_THE_WAY && bp->blew_up && probe_nonconvex(bp) &&
                bp->ritz_hi > 0;
  bool y_keep = nc_way && s->y_step * bp->ritz_hi < 2;
  r->surge = false;
  r->ystep_L = 0;
  r->over.step = -1; /* the steps change, or the point does */
  /* No finite trace point yet: the start's lower point, the method's inner steps from y0, was
   * not finite. When those steps blow up on their own there (y_step = auto from the curvature
   * at y0, 1 on y^4 + y^2/2 - x y, where it is 13 near y*: aid_cg, amigo_gd, stocbio and f2sa
   * overflowed within their 10 inner steps and stopped with f = nan and no recovery), the run
   * goes back to the start with y_step halved; else there is nothing to go back to. */
  bool none = res->best_step < 0;
  if (none && where == LOWER_STABLE) {
    res->t_diag += rt_seconds() - t0;
    return false;
  }
  bool restart = where == LOWER_FROM_START || none;
  /* a user's eta over 2/L (check_eta) is to blame for a stable lower loop's blow-up, not x_step:
   * eta to 0.8/L, as y_step = auto sizes the steps it follows, and x_step kept */
  bool eta_over = r->eta_L > 0 && s->eta * r->eta_L >= 2;
  bool xs = (where == LOWER_STABLE && !eta_over) || where == LOWER_ON_THE_WAY;
  const double *to_x = restart ? r->x_start : res->best_x;
  const double *to_y = restart ? r->ys_start : r->best_ys;
  int yh = 0; /* halvings of y_step */
  if (where != LOWER_STABLE && !y_keep) {
    do s->y_step *= 0.5;
    while (++yh < RT_MAX_Y_HALVINGS && where != LOWER_ON_THE_WAY &&
           (ystep_L > 0 ? s->y_step * ystep_L > 0.8 : probe_at(r, to_x, to_y).blew_up));
  }
  double yscale = ldexp(1.0, -yh);
  if (s->ystep.eta_follows) vsys = yh > 0;
  s->eta *= vsys ? (s->ystep.eta_follows ? yscale : 0.5) : 1;
  double eta_L = fmax(ystep_L, eta_over ? r->eta_L : 0);
  if (eta_L > 0 && s->eta * eta_L >= 2) { /* its Neumann series or v steps diverge too */
    while (s->eta * eta_L > 0.8) s->eta *= 0.5;
    vsys = true;
  }
  if (vsys && s->eta > 0) r->eta_halved = true;
  /* y_step = auto: the halving is kept in the estimate's scale, since the step is re-estimated
   * along the run */
  if (s->ystep.on) s->ystep.scale *= yscale;
  r->y_halvings += yh;
  if (xs) s->x_step *= 0.5, r->x_halvings++;
  rt_copy(s->nx, to_x, s->x);
  rt_copy(s->ny, to_y, s->y);
  if (s->v) rt_copy(s->ny, restart ? r->v_start : r->best_v, s->v);
  rt_copy(s->nx, s->x, r->x_good);
  rt_copy(s->ny, s->y, r->y_good);
  rt_copy(s->nx, s->x, r->x_prev);
  rt_copy(s->ny, s->y, r->y_prev);
  r->ystep_last = s->y_step;
  r->jump.step = r->jump.last = -1;
  r->sec_have = false; /* the next d is taken back at the best point */
  r->sec_min = r->sec_max = NAN;
  r->good_step = restart ? 0 : res->best_step;
  s->hg_norm = r->hg_good = restart ? NAN : r->best_hg;
  r->below_tol = false;
  s->o.fail_kind = -1;
  s->o.fail_sub = -1;
  if (s->impl->reset) s->impl->reset(s);
  /* the momentum / Adam moments of the abandoned iterates go: those the optimizer had at the
   * point gone back to come back. Zeroed, Adam's first step moves every element of x by x_step
   * whatever d is: lancbio with Adam on an NLS fit went back to a best point 2.7e-4 from the
   * minimiser with x_step = 0.01, was thrown off (|d| from 7.9e-5 to 0.47 in four steps) and
   * ended 0.015 off with status 0 (tests/golden/run_recover_adam.blo) */
  if (restart) rt_xstep_reset(s);
  else rt_xstep_back(s);
  RtRecovery *rc = &res->recoveries[res->n_recoveries++];
  rc->step = step;
  rc->from_step = restart ? 0 : res->best_step;
  rc->x_step = s->x_step;
  /* NaN (null in the JSON, left out of the summary) where y_step means nothing: exact */
  rc->y_step = rt_method_newton_lower(s->opt.method) ? NAN : s->y_step;
  rc->eta = s->eta > 0 ? s->eta : NAN;
  size_t len = strlen(res->message);
  if (len >= sizeof rc->reason) len = sizeof rc->reason - 1;
  memcpy(rc->reason, res->message, len);
  rc->reason[len] = '\0';
  if (!r->cfg->quiet) {
    char steps[320];
    int n = snprintf(steps, sizeof steps, "x_step %s %g%s", xs ? "=" : "kept at", s->x_step,
                     nc_way ? " (a shorter x step may keep x where g is convex in y, as it is "
                              "at the best iterate's x)" : "");
    if (yh > 0)
      n += snprintf(steps + n, sizeof steps - (size_t)n, " and y_step = %g%s", s->y_step,
                    yh > 1   ? " (halved until the lower loop is stable there)"
                    : nc_way ? " (it was over 2/L too, L >= the largest Ritz value there)"
                             : "");
    else if (nc_way)
      n += snprintf(steps + n, sizeof steps - (size_t)n, " and y_step kept at %g", s->y_step);
    if (vsys) snprintf(steps + n, sizeof steps - (size_t)n, " and eta = %g", s->eta);
    message(r, "warning",
            "%s; going back to %s (step %lld) with %s (on_divergence = halve, %d of %d)",
            res->message, restart ? "the start" : "the best iterate", (long long)rc->from_step,
            steps, res->n_recoveries, RT_MAX_RECOVERIES);
  }
  res->message[0] = '\0';
  /* the halves of check_progress count from here: a run that blew up before, recovered and
   * grows again would else be measured against the blow-up (F2SA on a quadratic of condition
   * 100 recovered at step 479 of 1000, then went from f = 9 to 7e5 with status 0, no word) */
  r->hg_early = r->hg_late = r->hg_first = r->hg_q2 = r->hg_steps_early = r->hg_steps_max = 0;
  r->first_move = 0;
  r->half2_steps = r->half2_turns = 0;
  r->half2_sq = 0;
  r->seg_xs = xs;
  r->f_early = r->f_late = 0;
  r->f_min_step = -1;
  r->seg0 = step;
  if (restart) { /* the start is the best point again, evaluated with the new y_step */
    res->best_step = -1;
    rt_diag_eval(&r->dw, s, 0);
    offer_best(r, 0);
    /* a start whose lower point was not finite left the divergence tests on f and g without
     * their reference (past_bound): they take the start's values with the new y_step */
    if (!isfinite(r->f0)) r->f0 = r->dw.val.f;
    if (!isfinite(r->g0)) r->g0 = r->dw.val.g;
  }
  /* the f of the point gone back to, not the abandoned step's (the progress line of a run
   * whose last step failed showed f 1.4e13 for an end at f 4.3) */
  s->f_est = restart ? r->dw.val.f : res->best_f;
  /* dw holds another point's values (the start's, or the failed trace point's): a run that
   * ends before its next trace point evaluates its own point */
  r->last_trace = -1;
  res->t_diag += rt_seconds() - t0;
  return true;
}

/* The largest Ritz value of the lower Hessian at (x0, y), folded into *L. */
static void ritz_at(Run *r, const double *y, double *L) {
  RtDiagWork *w = &r->dw;
  double lo, hi;
  if (rt_all_finite(r->s->ny, y) &&
      rt_lanczos_extremes(&r->s->o, r->s->x, y,
                          &(RtLanczosRun){w->ritz_steps, w->lanczos_seed, w->q, w->u, w->alpha,
                                          w->beta, NULL},
                          &lo, &hi) > 0 &&
      isfinite(hi) && hi > *L)
    *L = hi;
}

/* The largest curvature of g in y that an unrolled method's loop meets at the start's x (a
 * lower bound of its L there): the largest Ritz value of the lower Hessian at y0 = Phi(x0),
 * where the loop starts, and at both ends of each inner step s whose secant curvature
 * s'(grad_y g(y + s) - grad_y g(y)) / s's (free: the loop evaluates those gradients anyway)
 * reaches 2/inner_lr. The secant alone is no curvature where g has a kink (abs(w) crossing 0
 * jumps the gradient over a short step: 26.6 on a lasso whose Hessian is 2), so only Ritz
 * values count. The trace point's Ritz value is measured at y_r, the loop's end, and is not
 * enough: on logistic regression with logits ~1e3 (g = mean(logistic(X w, t)) + ..., w0 = 0)
 * the Hessian is 2.8e5 at w0 and 0.0025 at y_r, where the steps have saturated every logit;
 * inner_lr = 0.1, 7000 times 2/L, drew no warning, and itd ended at x = -4.2e10 with status
 * 0, its warnings blaming a g "linear or concave in y". One diagnostic draw for the loop's
 * gradients (each Lanczos run takes its own): r + 2 diagnostic calls and ritz_steps
 * Hessian-vector products per Ritz value, once.
 * Uses the diagnostics' work vectors and s->gy, which the unrolled methods do not use. */
static double unrolled_curvature(Run *r) {
  RtSolver *s = r->s;
  RtOracle *o = &s->o;
  int64_t ny = s->ny;
  double *y = r->dw.yi, *yp = s->gy, *g0 = r->dw.gy_sum, *g1 = r->dw.Av, lr = s->y_step;
  double L = r->dw.val.ritz_max; /* at y_r */
  if (!(L > 0)) L = 0;
  bool prev = rt_oracle_set_diag(o, true);
  RtDraw key = rt_oracle_draw(o);
  rt_oracle_init_y(o, key, s->x, y);
  ritz_at(r, y, &L);
  rt_oracle_grad_g(o, key, s->x, y, g0);
  for (int t = 0; t < s->inner_steps && lr * L < 2; t++) {
    double gg = rt_dot(ny, g0, g0);
    if (!isfinite(gg) || !(gg > 0)) break;
    rt_copy(ny, y, yp);
    rt_axpy(ny, -lr, g0, y);
    rt_oracle_grad_g(o, key, s->x, y, g1);
    if (!rt_all_finite(ny, g1)) break; /* blown up: the curvature met so far stands */
    /* s = -inner_lr g0: s'(g1 - g0) / s's = (g0'g0 - g0'g1) / (inner_lr g0'g0) */
    if ((gg - rt_dot(ny, g0, g1)) / gg >= 2) {
      if (t > 0) ritz_at(r, yp, &L);
      ritz_at(r, y, &L);
    }
    double *t1 = g0;
    g0 = g1, g1 = t1;
  }
  rt_oracle_set_diag(o, prev);
  return L;
}

/* An unrolled method's inner_lr against the largest curvature its loop meets at the start
 * (unrolled_curvature, and the step-0 trace point's Ritz value at y_r: a lower bound of L):
 * gradient steps of inner_lr >= 2/L diverge, and the unrolled loop's hypergradient with them,
 * as |1 - inner_lr L|^r. itd with its default inner_lr = 0.1 on a quadratic with L = 1000
 * spent three halvings of x_step, its message about |x| = 1.3e19 and never naming inner_lr
 * (from y0 = y*(x0) the forward loop does not grow, which is what lower_cannot_recover
 * watched). Warned at the start; a failure then stops at once. */
static void check_inner_lr(Run *r) {
  RtSolver *s = r->s;
  if (!s->opt.method->unrolled || !(s->y_step > 0)) return;
  double L = unrolled_curvature(r);
  if (!(L > 0) || !(s->y_step >= 2 / L)) return;
  r->inner_L = L;
  rt_solver_warn(s, "unrolled.inner_lr",
                 "inner_lr = %g is at least 2/L <= %.3g (L >= %.6g, the largest Ritz value of "
                 "the lower Hessian where the unrolled loop runs at the start, from y0 = "
                 "Phi(x0) along its inner steps): gradient steps on y with it diverge, and the "
                 "unrolled loop's hypergradient grows like |1 - inner_lr L|^r; choose inner_lr "
                 "below 2/L (inner_lr defines the unrolled problem: bloc does not change it)",
                 s->y_step, 2 / L, L);
}

/* A user's eta against the lower Hessian's largest Ritz value at the start (a lower bound of
 * L): v steps on A v = b and Neumann series of (I - eta A) with eta >= 2/L grow like
 * |1 - eta L|^k. stocBiO with eta = 3 on L = 1 and 80 Neumann terms threw x to |x| = 7e24,
 * and its three recoveries halved x_step, each thrown as far, then stopped with status 2,
 * naming neither eta nor L. Warned at the start; a recovery then halves eta (recover). An eta
 * that follows y_step is left to y_step's own checks. */
static void check_eta(Run *r) {
  RtSolver *s = r->s;
  double L = r->dw.val.ritz_max;
  /* not from one draw's Ritz value: it varies (13 to 22 over hyperclean_minibatch's trace
   * points) and is no verdict; eta = 0.1 on that example's own settings was warned on some
   * seeds, and ran fine (a verification pass) */
  if (!s->opt.method->eta_iterates || s->ystep.eta_follows || !(s->eta > 0) || !(L > 0) ||
      !(s->eta * L >= 2) || blo_problem_stochastic(s->p))
    return;
  r->eta_L = L;
  rt_solver_warn(s, "run.eta",
                 "eta = %g is at least 2/L <= %.3g (L >= %.6g, the largest Ritz value of the "
                 "lower Hessian at the start): %s with it grow like |1 - eta L|^k; choose eta "
                 "below 2/L, or leave it out to follow y_step (a recovery halves it)",
                 s->eta, 2 / L, L, s->opt.method->eta_iterates);
}

/* lower_cannot_recover's message for an inner_lr at least 2/L (r->inner_L); returns true. */
static bool inner_lr_stop(Run *r) {
  message_add(r->res,
              "; inner_lr = %g is at least 2/L (L >= %.6g at the start): the unrolled loop "
              "diverges, and halving x_step cannot help",
              r->s->y_step, r->inner_L);
  return true;
}

/* Whether the first derivative whose oracle call failed (grad_f or grad_g, a non-finite
 * output) is not finite at the iterate the failed step began from, when that is the one a
 * recovery goes back to (the best trace point): evaluated there again (one diagnostic call at
 * the method's y and one at its lower point), it fails before any step is taken, so no
 * smaller step can help; appends why to res->message. aid_cg on f = ... + 0.1 * norm(x) from
 * x0 = 0 (norm's gradient is 0/0 there) halved x_step three times, each time back to the
 * start and failing at the same call, before status 2 and a message that named neither the
 * start nor the derivative: futile_recovery waits for a halving of y_step too (a call in the
 * lower loop can fail whatever x_step is), which a stable lower loop never gets. */
static bool derivative_not_finite(Run *r) {
  RtSolver *s = r->s;
  RtOracle *o = &s->o;
  int kind = o->fail_kind;
  const char *what = o->fail_what;
  if ((kind != RT_CALL_GRAD_F && kind != RT_CALL_GRAD_G) || !what || r->res->best_step < 0 ||
      r->good_step != r->res->best_step)
    return false;
  bool prev = rt_oracle_set_diag(o, true);
  RtDraw key = rt_oracle_draw(o);
  const double *ys[] = {r->y_good, r->res->best_y};
  double val = 0;
  int64_t at = -1, n = 1;
  for (int i = 0; i < 2 && at < 0; i++) {
    double v = kind == RT_CALL_GRAD_F ? rt_oracle_grad_f(o, key, r->x_good, ys[i], NULL, NULL)
                                      : rt_oracle_grad_g(o, key, r->x_good, ys[i], NULL);
    const double *out = &v;
    n = 1;
    if (strncmp(what, "grad_x", 6) == 0) out = o->sink_x, n = s->nx;
    else if (strncmp(what, "grad_y", 6) == 0) out = o->sink_y, n = s->ny;
    for (int64_t j = 0; j < n && at < 0; j++)
      if (!isfinite(out[j])) at = j, val = out[j];
  }
  rt_oracle_set_diag(o, prev);
  if (at < 0) return false;
  char none[256];
  rt_not_finite_at(none, sizeof none, r->good_step, what, val, at, n);
  message_add(r->res, "; %s, before any step, so no smaller step can help (" RT_NOT_FINITE_CURE
              ")", none);
  return true;
}

/* A lower loop that failed in a way no smaller x step cures, so the run stops at once and says
 * so. An unrolled one that blew up on its own (its gradient grew at every inner step) has an
 * inner_lr too large for g, the user's choice, which defines the unrolled problem (ITD, FOM and
 * UFOM spent their three halvings on it and stopped with status 2 and a message about f).
 * exact's Newton solve that met a Hessian not positive definite and stopped short of y_tol has
 * a g without a minimiser it can reach (unbounded below in y: three halvings of x_step, each
 * back to the same diverging solve, then status 2 and a message about |x|). */
static bool lower_cannot_recover(Run *r) {
  RtSolver *s = r->s;
  const RtMethodSpec *m = s->opt.method;
  bool newton = rt_method_newton_lower(m);
  bool own = s->impl->own_blew_up && s->impl->own_blew_up(s);
  /* inner_lr >= 2/L at the start: the unrolled hypergradient grows like |1 - inner_lr L|^r
   * whether or not the forward loop itself does (from y0 = y*(x0) it need not) */
  bool lr_too_large = m->unrolled && r->inner_L > 0;
  if (lr_too_large && !own) return inner_lr_stop(r);
  /* a loop of the method's own whose cure is no step size (F2SA's penalised y where f's
   * curvature dwarfs lambda g's): halving y_step three times only delayed status 2 */
  char why[800];
  if (own && s->impl->own_why &&
      s->impl->own_why(s, r->x_good, r->y_good, why, sizeof why) == RT_OWN_OTHER) {
    message_add(r->res, "%s", why);
    return true;
  }
  /* exact: when its solve failed at the best trace point's x, where a recovery would go back
   * to (else a smaller x step might keep x where g has a minimiser) */
  /* (no best trace point yet: a recovery goes back to the start) */
  int64_t back = r->res->best_step >= 0 ? r->res->best_step : 0;
  if (!(m->unrolled || (newton && r->good_step == back)) || !own) return false;
  /* unrolled: when inner_lr is too large at the best point's x too. Where L grows with x (g =
   * exp(lam) y^2 / 2), a step too large carried x to where it is, and one halving of x_step
   * converged: itd with x_step = 5 stopped saying halving could not help */
  if (m->unrolled && !probe_at(r, r->res->best_x, r->best_ys).blew_up)
    return lr_too_large ? inner_lr_stop(r) : false;
  if (m->unrolled)
    message_add(r->res,
                "; the unrolled lower loop blew up on its own (|grad_y g| grew at every one of "
                "its %d inner steps): inner_lr = %g is too large for this lower objective, and "
                "halving x_step cannot help",
                s->inner_steps, s->y_step);
  else if (s->lower_no_min) /* the failure's message says why */
    message_add(r->res, "; halving x_step cannot help, as this x is the one a recovery "
                "would go back to");
  else
    message_add(r->res,
                "; Newton's method on the lower level met a Hessian that is not positive "
                "definite and stopped short of y_tol (the warnings above): g has no minimiser in "
                "y that it can reach (unbounded below, or non-convex), and halving x_step cannot "
                "help");
  return true;
}

/* The estimate d taken at x: the secant curvature |d - d'| / |x - x'| with the last one
 * (r->sec_L, when x moved and both are finite), then d and x become the last. */
static void secant_note(Run *r, const double *x, const double *d) {
  RtSolver *s = r->s;
  int64_t nx = s->nx;
  double *dl = r->sec, *xl = r->sec + nx;
  if (!rt_all_finite(nx, d) || !rt_all_finite(nx, x)) return;
  double L = r->sec_have ? rt_secant(nx, d, dl, x, xl) : NAN;
  if (isfinite(L)) {
    r->sec_L = L;
    if (!(L >= r->sec_min)) r->sec_min = L;
    if (!(L <= r->sec_max)) r->sec_max = L;
  }
  rt_copy(nx, d, dl);
  rt_copy(nx, x, xl);
  r->sec_have = true;
}

/* After the halvings of x_step ran out: the x_step the secant curvature L of the last estimates
 * allows (stable below 2/L), where the last x_step is over it and sgd steps x (momentum and
 * Adam scale their steps otherwise) on free variables (a projection stops x, not d). s50 nuJ
 * 5: f in units of 1e-6 (toy, aid_cg) and ridge on raw features (exact) said "(after 3
 * halvings of x_step)" and no more, where x_step 1e-6 and 1e-4 were the cures, a factor 3
 * halvings could not reach. */
static void x_step_size(Run *r) {
  RtSolver *s = r->s;
  double L = r->sec_max;
  /* the secants since the last recovery agree (within a factor 2): a curvature steady along
   * the path, which the diverging steps met (hjfbio on an RBF kernel's log-width went from
   * curvature to curvature out to |x| = 2e16, and was not sized) */
  if (r->x_halvings == 0 || !(r->sec_min > 0) || !(L <= 2 * r->sec_min) || !isfinite(L) ||
      s->xs.opt != RT_XOPT_SGD || s->xs.constrained || !(s->x_step * L > 2))
    return;
  message_add(r->res, "; the estimates at its last two points changed by %.3g per unit of x "
              "moved (a curvature of f(x, y*(x)) along x's path), where steps of x are stable "
              "only for x_step below 2 / %.3g = %.2g: give x_step = %.1g, or smaller",
              L, L, 2 / L, 1 / L);
}

/* On a numerical failure after step `step` (res->message set): recover (on_divergence =
 * halve), or stop at the last good step, `done`, with the halvings named. Returns true when the
 * run stops. */
static bool gave_up(Run *r, int64_t step, int64_t done) {
  RtSolver *s = r->s;
  RtResult *res = r->res;
  if (step > done) secant_note(r, r->x_good, s->d); /* the failed step's d, taken at x_good */
  bool said = false;
  if (!derivative_not_finite(r) && !(said = lower_cannot_recover(r)) && recover(r, step)) {
    print_new_warnings(r);
    return false;
  }
  /* on_divergence = stop with no finite trace point (recover would have gone back to the
   * start): say whether the method's lower loop blows up there, and what to change. The
   * message named only the oracle that returned nan (aid_cg with y_step = auto on
   * y^4 + y^2/2 - x y) */
  /* and with a finite one too: the entropic-OT dual at eps = 0.001, whose lower steps
   * overshoot from a plateau at the start's x (rt_lower_probe's jump of g), stopped with a
   * message that named no step at all */
  if (!said && !r->halve && lower_blew_up(r) != LOWER_STABLE) {
    if (r->own_why) /* the method gave its cause and cure */
      message_add(res, ", or on_divergence = halve to halve it");
    else
      message_add(res, "; give a smaller y_step%s, or on_divergence = halve to halve it",
                  s->ystep.on ? " (y_step = auto sized it by the lower Hessian at the start, "
                                "whose curvature is below that along the lower loop's steps)"
                              : "");
  }
  res->stop = RT_STOP_NUMERICAL;
  /* x ran far out while f fell far below the start's (s->x is still the failed step's; f
   * the last step's, or the trace point's where that failed: the lower of the two) */
  double f_run = s->f_est, xn_run = rt_nrm2(s->nx, s->x);
  if (isfinite(r->dw.val.f) && !(f_run <= r->dw.val.f)) f_run = r->dw.val.f;
  rt_copy(s->nx, r->x_good, s->x);
  rt_copy(s->ny, r->y_good, s->y);
  s->hg_norm = done > 0 ? r->hg_good : NAN;
  if (res->n_recoveries > 0) {
    char halved[64] = "";
    int n = r->x_halvings ? snprintf(halved, sizeof halved, "%d halving%s of x_step",
                                     r->x_halvings, r->x_halvings > 1 ? "s" : "")
                          : 0;
    if (r->y_halvings)
      snprintf(halved + n, sizeof halved - (size_t)n, "%s%d of y_step", n ? " and " : "",
               r->y_halvings);
    message_add(res, " (after %s)", halved);
  }
  /* A run that fails downhill: f fell by a thousand times its start's scale while |x| grew
   * tenfold. An unstable step overshoots and raises f; f falling that far says f(x, y*(x))
   * goes on down the way x runs, and halving x_step only slows the run there. A poisoning
   * attack with its labels left unbounded (f = -0.5 mean of the validation residuals^2, phi
   * -> -inf as |yp| grows) ended "divergence ... g = 1.4e10 ... (after 3 halvings of x_step)",
   * saving the start, the no-attack point, with no word of the cause (f -0.33 -> -1.46e9). */
  bool downhill = isfinite(f_run) && isfinite(r->f0) && isfinite(xn_run) &&
                  r->f0 - f_run > 1e3 * fmax(1.0, fabs(r->f0)) && xn_run > 10 * fmax(1.0, r->x0n);
  if (res->n_recoveries > 0 && !downhill) x_step_size(r); /* no x_step helps downhill */
  if (downhill)
    message_add(res, "; f fell from %.6g at the start to %.6g while |x| grew from %.3g to %.3g: "
                "f(x, y*(x)) may be unbounded below (or its infimum lie at infinity) the way x "
                "runs, where no x_step helps; if so, bound x with `in [lo, hi]` (or `>= lo`), "
                "or add a regulariser to f (such as + 1e-3 * sumsq(x))",
                r->f0, f_run, r->x0n, xn_run);
  return true;
}

/* The divergence test on g, at a trace point (the steps do not evaluate g): g_past_bound. A
 * lower level blowing up geometrically under an f that stays bounded passed every test after a
 * step: aid_cg with y_step = 3 > 2/L on 0.5 |y|^2 - x'y under f = mean((tanh(y) - 0.5)^2)
 * ended with g = 6.9e19, status 0 and no word, and stable on hyper-cleaning went to
 * g = 2.6e15. Fills res->message. */
static bool g_diverged(Run *r, int64_t step) {
  double g = r->dw.val.g;
  if (!g_past_bound(r, g)) return false;
  char bound[160];
  bound_text(r, true, bound, sizeof bound);
  snprintf(r->res->message, sizeof r->res->message,
           "divergence at outer step %lld: g = %.6g exceeds %g x %s", (long long)step, g,
           r->cfg->divergence_factor, bound);
  return true;
}

/* A trace point (the final point's too) whose f or g is not finite: a numerical failure of the
 * run like a non-finite oracle output in a step. The steps check f only as the f of the next
 * step's upper gradient, and g never: itd whose one step took y to where f = log(y) is NaN
 * ended with status 0, f = nan, no warning and that x saved. On a sampled problem, the draw
 * whose values were not finite is named (a task with no support points gives 0/0). Fills
 * res->message. */
static bool trace_not_finite(Run *r, int64_t step, bool final) {
  const RtDiagValues *v = &r->dw.val;
  if (isfinite(v->f) && isfinite(v->g)) return false;
  RtOracle *o = &r->s->o;
  char draw[192] = "", text[144], f[RT_FMT_NUM_LEN], g[RT_FMT_NUM_LEN];
  rt_oracle_draw_text(o, o->diag_fail_key, o->diag_fail_sub, text, sizeof text);
  if (text[0]) snprintf(draw, sizeof draw, "; the draw %s gave non-finite values", text);
  snprintf(r->res->message, sizeof r->res->message,
           "numerical failure at outer step %lld: %s not finite at %s (f = %s, g = %s)%s",
           (long long)step, isfinite(v->f) ? "g is" : isfinite(v->g) ? "f is" : "f and g are",
           final ? "the final point" : "its trace point", rt_fmt_g(v->f, 6, f),
           rt_fmt_g(v->g, 6, g), draw);
  return nonfinite_f32(r);
}

/* After the last step: the divergence test on the final point's f, which the test after each
 * step sees only one point later (the f of the next step's upper gradient). Without it the
 * step count decided the status: ITD whose x doubled each step ended at step 18 with f = 3.4e10
 * and status 0, saving that x, and at step 19 with status 2, saving the best trace point.
 * Also a run that blows up below the bound (below). Fills res->message. */
static bool final_diverged(Run *r, int64_t done) {
  RtResult *res = r->res;
  double f = r->dw.val.f;
  if ((res->stop != RT_STOP_STEPS && res->stop != RT_STOP_TOL) || done == 0) return false;
  if (trace_not_finite(r, done, true) || g_diverged(r, done)) return true;
  if (f_past_bound(r, f)) {
    char bound[160];
    bound_text(r, false, bound, sizeof bound);
    snprintf(res->message, sizeof res->message,
             "divergence at the final point (outer step %lld): f = %.6g exceeds %g x %s",
             (long long)done, f, r->cfg->divergence_factor, bound);
    return true;
  }
  /* Blowing up below the bound: f far above the start's at the end, the largest f of the
   * run's second half ten times the first half's (a deterministic f: one draw's may be
   * heavy-tailed), and x ten times further out than it started. f alone rises as a lower
   * level converges from y0 too, and by more than ten times in the second half where f grows
   * fast in y (f = y^4/4 with y moving to y* = 100 + x: SOBA with a tiny x_step ended "diverged"
   * at step 100, and converged by step 20000); x stays put there. AmIGO-GD on a lower Hessian
   * of condition 1000 swung about its minimum ever wider, to f = 2.2e9 from 1 at x = 430690
   * (x* = 1.001), F2SA to 8.6e8 (1.8 times more every ten steps), HJFBiO to 2.9e7, all with
   * status 0 and only warnings. */
  double xn = rt_nrm2(r->s->nx, r->s->x);
  /* against |f0| itself, not max(1, |f0|): the same runaway (x from 0 to 4077) on f scaled by
   * 1e-8 ended with status 0 and the diverged x saved, where at scale 1 and 1e-4 it stopped;
   * f0 = 0 (f at y0 = 0 is 0) keeps the unit, as any f is infinitely far above it */
  double f_ref = r->f0 != 0 ? fabs(r->f0) : 1.0;
  if (!blo_problem_stochastic(r->s->p) && isfinite(r->f0) && f > 1e3 * f_ref &&
      r->f_early > 0 && r->f_late > 10 * r->f_early && xn > 10 * fmax(1.0, r->x0n)) {
    snprintf(res->message, sizeof res->message,
             "divergence: f grew from %.6g at the start to %.6g at the final point (outer step "
             "%lld), its largest in the run's second half (%.6g) over ten times the first "
             "half's (%.6g), and |x| from %.6g to %.6g",
             r->f0, f, (long long)done, r->f_late, r->f_early, r->x0n, xn);
    return true;
  }
  return false;
}

/* outer_steps = 0 reports the start's trace point: x0 and the method's lower point for it
 * (doc/methods.md, "Diagnostics"), formed by its lower steps from y0. Where that point's f or
 * g is not finite, or its y blew up, a warning says so, and the start itself, (x0, y0), is
 * reported instead when f and g are finite there. aid_cg on 50-product logit pricing with
 * outer_steps = 0 reported f = g = nan with status 0 and no word: y_step = auto's 10 inner
 * steps left the log's domain, while f = -0.3668 and g = -1.9423 at the start. A warning, not
 * a failure: outer_steps = 0 evaluates the start's values, whatever they are (an emitted
 * solver's reports at y0 = 1e300, where f overflows). */
static void warn_start_point(Run *r) {
  RtSolver *s = r->s;
  RtDiagValues *v = &r->dw.val;
  bool diverged = lower_diverged(r, v->y), nonfinite = !isfinite(v->f) || !isfinite(v->g);
  if (!diverged && !nonfinite) return;
  char f[RT_FMT_NUM_LEN], g[RT_FMT_NUM_LEN], what[160];
  if (nonfinite)
    snprintf(what, sizeof what, "%s not finite at the start's trace point (f = %s, g = %s)",
             isfinite(v->f) ? "g is" : isfinite(v->g) ? "f is" : "f and g are",
             rt_fmt_g(v->f, 6, f), rt_fmt_g(v->g, 6, g));
  else
    snprintf(what, sizeof what, "the start's trace point has |y| = %.6g, over %g x max(1, |y "
             "at start| = %.6g)", rt_nrm2(s->ny, v->y), r->cfg->divergence_factor, r->y0n);
  bool moved = memcmp(v->y, s->y, (size_t)s->ny * sizeof *v->y) != 0;
  if (moved && rt_all_finite(s->ny, s->y)) {
    rt_diag_eval_kept(&r->dw, s, 0); /* the start itself */
    const RtMethodSpec *ms = s->opt.method;
    const char *cure = rt_method_newton_lower(ms)
                           ? "Newton's method found no minimiser of g in y from y0 (g "
                             "unbounded below, or not convex there)"
                       : ms->unrolled ? "a smaller inner_lr keeps them stable"
                                      : "a smaller y_step keeps them stable";
    if (isfinite(v->f) && isfinite(v->g)) {
      rt_solver_warn(s, "run.start_point", "outer_steps = 0: %s, %s's lower point for x0, "
                     "reached from y0 by its lower steps (doc/methods.md, \"Diagnostics\"), "
                     "which blew up or left g's domain (%s); the start itself, (x0, y0), is "
                     "reported instead: f = %s, g = %s",
                     what, ms->name, cure, rt_fmt_g(v->f, 6, f), rt_fmt_g(v->g, 6, g));
      return;
    }
    rt_diag_eval(&r->dw, s, 0); /* not finite at the start either: the trace point stays */
  }
  rt_solver_warn(s, "run.start_point", "outer_steps = 0: %s%s: the values reported are not "
                 "finite; start where f and g are defined (the initial values, or --init-x and "
                 "--init-y)",
                 what, moved ? ", and at the start (x0, y0) itself" : "");
}

static int user_error(Run *r, const char *fmt, ...) RT_PRINTF(2, 3);
static int user_error(Run *r, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  rt_vfit(r->res->message, sizeof r->res->message, fmt, ap); /* a long path, and the reason */
  va_end(ap);
  r->res->status = RT_STATUS_USER;
  message(r, "error", "%s", r->res->message);
  return RT_STATUS_USER;
}

/* The status of a setup that failed: out of memory (rt_oom_take, rt_mem.h) is status 3, as
 * bloc.h and the README promise, anything else a user error. Takes the flag. */
static int failure_status(void) { return rt_oom_take() ? RT_STATUS_MEMORY : RT_STATUS_USER; }

/* A failed setup whose message is in err, with its failure_status. */
static int setup_error(Run *r, const char *err) {
  int status = failure_status();
  user_error(r, "%s", err);
  return r->res->status = status;
}

/* Open an output file (rt_outfile.h: nothing is truncated or replaced until it is committed);
 * 0, or a user error. */
static int open_out(Run *r, RtOutFile *o, const char *path, const char *what) {
  if (rt_outfile_open(o, path, NULL, 0) == 0) return 0;
  return user_error(r, "cannot write the %s file '%s': %s", what, path, strerror(errno));
}

/* Commit an output file; 0, or a user error. A write into a pipe whose reader went away is
 * none when that is why the run stopped (piped: status 128 + SIGPIPE). */
static int commit_out(Run *r, RtOutFile *o, const char *path, const char *what, bool piped) {
  if (rt_outfile_commit(o, path, NULL, 0) == 0 || (piped && errno == EPIPE)) return 0;
  return user_error(r, "error writing the %s file '%s': %s", what, path, strerror(errno));
}

/* The options of a run: opt with cfg->seed (>= 0) overriding 'seed'. NULL, or a message. */
static const char *run_options(const RtOptions *opt, int64_t seed, RtOptions *o) {
  *o = *opt;
  return seed >= 0 ? rt_options_set_num(o, "seed", (double)seed) : NULL;
}

/* The solver of a run and every buffer the run loop allocates: rt_solve and
 * rt_solve_arena_bytes make exactly this sequence of allocations. 0, or -1 with a message. */
static int run_alloc(Run *r, const BloProblem *p, const RtOptions *o, char *err, size_t errlen) {
  RtResult *res = r->res;
  r->s = rt_solver_new(p, o, res->seed, err, errlen);
  if (!r->s) return -1;
  RtSolver *s = r->s;
  size_t nr = (size_t)(p->n_reports > 0 ? p->n_reports : 1);
  if (rt_oracle_set_sharded(&s->o, r->cfg->sharded) ||
      rt_diag_setup(&r->dw, s, r->cfg->ritz_steps, r->cfg->residual) ||
      !(r->x_good = rt_mem_calloc((size_t)s->nx, sizeof(double))) ||
      !(r->y_good = rt_mem_calloc((size_t)s->ny, sizeof(double))) ||
      !(r->y_first = rt_mem_calloc((size_t)s->ny, sizeof(double))) ||
      !(r->best_ys = rt_solver_vec(s, s->ny)) || !(r->best_v = rt_solver_vec(s, s->ny)) ||
      !(r->x_start = rt_solver_vec(s, s->nx)) || !(r->ys_start = rt_solver_vec(s, s->ny)) ||
      !(r->v_start = rt_solver_vec(s, s->ny)) || !(r->x_prev = rt_solver_vec(s, s->nx)) ||
      !(r->y_prev = rt_solver_vec(s, s->ny)) || !(r->x_low = rt_solver_vec(s, s->nx)) ||
      !(r->sing_w = rt_mem_calloc(2 * (size_t)s->ny, sizeof(double))) ||
      !(r->q.x = rt_solver_vec(s, 2 * s->nx)) || !(r->sec = rt_solver_vec(s, 4 * s->nx)) ||
      !(res->x = rt_mem_calloc((size_t)s->nx, sizeof(double))) ||
      !(res->y = rt_mem_calloc((size_t)s->ny, sizeof(double))) ||
      !(res->reports = rt_mem_calloc(nr, sizeof(double))) ||
      !(res->best_x = rt_mem_calloc((size_t)s->nx, sizeof(double))) ||
      !(res->best_y = rt_mem_calloc((size_t)s->ny, sizeof(double))) ||
      !(res->best_reports = rt_mem_calloc(nr, sizeof(double))) ||
      !(r->start_tp.y = rt_solver_vec(s, s->ny)) ||
      !(r->start_tp.reports = rt_solver_vec(s, (int64_t)nr)) ||
      (r->cfg->on_trace && !(r->row = rt_mem_calloc((size_t)rt_trace_ncols(p), sizeof(double))))) {
    rt_oom_errf(err, errlen, "out of memory setting up the run");
    return -1;
  }
  return 0;
}

/* Everything run_alloc allocated but the results. */
static void run_release(Run *r) {
  rt_mem_free(r->row);
  r->row = NULL;
  rt_mem_free(r->x_good);
  rt_mem_free(r->y_good);
  rt_mem_free(r->y_first);
  rt_mem_free(r->sing_w);
  rt_solver_free(r->s);
  r->x_good = r->y_good = r->y_first = r->sing_w = NULL;
  r->s = NULL;
}

RT_API int rt_check(const BloProblem *p, const RtOptions *opt, int64_t seed, char *err,
                    size_t errlen) {
  if (!opt || !opt->method) {
    snprintf(err, errlen, "no solve method given");
    return RT_STATUS_USER;
  }
  RtOptions o;
  const char *e = run_options(opt, seed, &o);
  if (e) {
    snprintf(err, errlen, "%s", e);
    return RT_STATUS_USER;
  }
  rt_oom_take();
  RtSolver *s = rt_solver_new(p, &o, (uint64_t)rt_opt_num(&o, "seed"), err, errlen);
  if (!s) return failure_status();
  rt_solver_free(s);
  return RT_STATUS_OK;
}

RT_API int rt_solve_arena_bytes(const BloProblem *p, const RtOptions *opt,
                                const RtRunConfig *cfg_in, size_t *bytes, char *err,
                                size_t errlen) {
  RtRunConfig cfg_def;
  if (!cfg_in) {
    rt_run_config_init(&cfg_def);
    cfg_in = &cfg_def;
  }
  *bytes = 0;
  if (!opt || !opt->method) {
    snprintf(err, errlen, "no solve method given");
    return RT_STATUS_USER;
  }
  RtOptions o;
  const char *e = run_options(opt, cfg_in->seed, &o);
  if (e) {
    snprintf(err, errlen, "%s", e);
    return RT_STATUS_USER;
  }
  RtResult res;
  memset(&res, 0, sizeof res);
  res.seed = (uint64_t)rt_opt_num(&o, "seed");
  Run run = {0};
  run.cfg = cfg_in;
  run.res = &res;
  size_t before = rt_mem_stats().arena_bytes;
  rt_oom_take();
  int rc = run_alloc(&run, p, &o, err, errlen);
  *bytes = rt_mem_stats().arena_bytes - before + RT_MEM_ARENA_SLACK;
  run_release(&run);
  rt_result_free(&res);
  return rc ? failure_status() : RT_STATUS_OK;
}

RT_API int rt_solve(const BloProblem *p, const RtOptions *opt, const RtRunConfig *cfg_in,
                    RtResult *res) {
  double t_begin = rt_seconds();
  RtRunConfig cfg_def;
  if (!cfg_in) {
    rt_run_config_init(&cfg_def);
    cfg_in = &cfg_def;
  }
  const RtRunConfig *cfg = cfg_in;
  memset(res, 0, sizeof *res);
  res->f = res->g = res->grad_y_g_norm = res->hypergrad_norm = NAN;
  res->residual = res->ritz_min = res->ritz_max = NAN;
  res->best_step = -1;
  res->best_f = res->best_g = res->best_grad_y_g_norm = res->best_hypergrad_norm = NAN;
  Run run = {0}, *r = &run;
  r->cfg = cfg;
  r->f_min_step = -1;
  r->g_low_step = -1;
  r->ritz_low.step = -1;
  r->res = res;
  r->msg = cfg->messages ? cfg->messages : stderr;
  r->prog = cfg->progress ? cfg->progress : stderr;
  if (!opt || !opt->method) return user_error(r, "no solve method given");
  res->method = opt->method->name;
  { /* a literal: the result outlives opt */
    const char *w = rt_opt_word(opt, "precision");
    res->precision = w && strcmp(w, "f32") == 0 ? "f32" : "f64";
  }

  /* Options, solver and buffers. */
  RtOptions o;
  const char *e = run_options(opt, cfg->seed, &o);
  if (e) return user_error(r, "%s", e);
  res->seed = (uint64_t)rt_opt_num(&o, "seed");
  char err[1024];
  int status = RT_STATUS_OK;
  struct sigaction old_sa[NSTOP_SIGNALS];
  bool sa_installed[NSTOP_SIGNALS] = {false};
  rt_oom_take(); /* a flag raised before this run is not its failure */
  if (rt_blas_fit_limit(err, sizeof err) || run_alloc(r, p, &o, err, sizeof err)) {
    status = setup_error(r, err);
    goto done;
  }
  RtSolver *s = r->s;
  for (int i = 0; i < cfg->ngiven_warnings; i++) rt_solver_warn_shown(s, cfg->given_warnings[i]);
  /* y0 = Phi(x0) was computed from the x0 the program (or --init-x) gave, and the run starts
   * from its projection: the lower start must be Phi(P(x0)), which may differ wildly (log(s)
   * at s0 = 0 of `s >= 0.5` is -inf). Here, not in the solver's setup, so that a sharded
   * run's shares of Phi are summed; the method's own copies of y follow by its reset. */
  if (s->xs.x0_moved && p->init_uses_x && !cfg->y0_given) {
    bool prev = rt_oracle_set_diag(&s->o, true); /* no call counted, no draw taken */
    rt_oracle_init_y(&s->o, RT_DRAW_DIAG_BIT, s->x, s->y);
    rt_oracle_set_diag(&s->o, prev);
    if (s->impl->reset) s->impl->reset(s);
  }
  r->K = s->outer_steps;
  /* one draw of a random estimate (BSA, TTSA, UFOM's coin) says nothing of stationarity:
   * UFOM's is exactly 0 on a coin flip, which ranked such a point first */
  r->best_by_f = blo_problem_stochastic(p) || rt_method_random_estimate(&o);
  res->best_by = r->best_by_f ? "f" : "hypergrad_norm";
  r->halve = strcmp(rt_opt_word(&o, "on_divergence"), "halve") == 0;
  int64_t trace_every = (int64_t)rt_opt_num(&o, "trace_every");
  if (cfg->trace_path) {
    if ((status = open_out(r, &r->trace_out, cfg->trace_path, "trace"))) goto outputs_checked;
    r->trace = r->trace_out.f;
  }
  /* Fail before solving, not after, when an output cannot be written; what the files hold
   * now is kept until the new results are complete. */
  const char *outs[][2] = {
      {cfg->out_path, "result"}, {cfg->save_x_path, "x"}, {cfg->save_y_path, "y"}};
  for (int i = 0; i < 3; i++) {
    if (!outs[i][0]) continue;
    if ((status = open_out(r, &r->outs[i], outs[i][0], outs[i][1]))) break;
    /* a regular file's temporary is made again at the end: a killed run leaves none */
    if (r->outs[i].tmp) rt_outfile_discard(&r->outs[i]);
  }
outputs_checked:
  /* under MPI only rank 0 writes files, so it alone can fail here: every rank stops with it
   * rather than solving without it (doc/scaling.md) */
  if (!cfg->isolated && rt_mpi_size() > 1) status = rt_mpi_agree(status, NULL);
  if (status) goto done;
  r->mode = cfg->quiet || cfg->silent ? RT_PROGRESS_NONE : cfg->progress_mode;
  if (r->mode == RT_PROGRESS_AUTO)
    r->mode = isatty(fileno(r->prog)) ? RT_PROGRESS_LINE : RT_PROGRESS_PLAIN;
  if (!cfg->isolated) stop_flag = 0; /* before the handler: a Ctrl-C from here on is honoured */
  if (cfg->handle_sigint) install_stop_handlers(sa_installed, old_sa);
  /* a step may honour a stop request within it (RtSolver.stop), but not under MPI, whose ranks
   * must stop at the same step (stop_asked), and not when isolated */
  s->stop = !cfg->isolated && rt_mpi_size() <= 1 ? &stop_flag : NULL;
  res->t_setup = rt_seconds() - t_begin;
  r->t_start = rt_seconds();
  r->t_last_prog = -INFINITY;

  /* The initial point. y_step = auto is estimated first: the trace point's y is the lower
   * point the method's first step would use, reached with that step. When the estimate fails
   * the run stops before the first step, and the start is reported as it is (no lower step). */
  bool start_bad = start_not_finite(r), start_said = start_bad && r->K == 0;
  if (start_said) { /* outer_steps = 0 asks for the start's values: said, and reported */
    rt_solver_warn(s, "run.start_nonfinite", "%s; the start is reported as it is (outer_steps "
                   "= 0)", res->message);
    res->message[0] = '\0';
    start_bad = false;
    if (s->ystep.on) s->y_step = 0; /* no estimate where g is not finite: no lower step */
  }
  bool start_failed = start_bad || (!start_said && ystep_failed(r, 0));
  if (start_failed) s->y_step = 0;
  /* outer_steps = 0 asks for the start, which needs no step (not one with no finite g) */
  if (start_failed && !start_bad && r->K == 0) {
    rt_solver_warn(s, "run.ystep_start", "%s; the start is reported with no lower step",
                   res->message);
    res->message[0] = '\0';
    start_failed = false;
  }
  if (r->trace) rt_trace_header(r->trace, p);
  r->y0n = rt_nrm2(s->ny, s->y); /* the start's, for lower_diverged */
  trace_point(r, 0);
  check_inner_lr(r);
  check_eta(r);
  r->f0 = r->dw.val.f;
  r->g0 = r->dw.val.g;
  r->gy0 = r->dw.val.gy_norm;
  r->f_low = isfinite(r->f0) ? r->f0 : INFINITY;
  rt_copy(s->nx, s->x, r->x_low);
  r->x0n = rt_nrm2(s->nx, s->x);
  r->eta0 = s->eta;
  rt_copy(s->nx, s->x, r->x_good);
  rt_copy(s->ny, s->y, r->y_good);
  rt_copy(s->nx, s->x, r->x_prev);
  rt_copy(s->ny, s->y, r->y_prev);
  r->ystep_last = s->y_step;
  r->jump.step = r->jump.last = -1;
  r->sec_min = r->sec_max = NAN;
  rt_copy(s->nx, s->x, r->x_start);
  rt_copy(s->ny, s->y, r->ys_start);
  if (s->v) rt_copy(s->ny, s->v, r->v_start);
  /* y_step over 2/L: the start's trace point is the first of two in a row */
  r->over.step = -1;
  if (!start_failed) ystep_over(r, 0);
  print_new_warnings(r);
  progress(r, 0, false);

  res->stop = start_failed ? RT_STOP_NUMERICAL : RT_STOP_STEPS;
  int64_t done = 0;
  for (int64_t k = 0; k < r->K && !start_failed; k++) {
    if (stop_asked(r)) {
      res->stop = r->cancel ? RT_STOP_CANCELLED : RT_STOP_INTERRUPTED;
      break;
    }
    double t0 = rt_seconds();
    if (s->ystep.on && k > 0 && k % s->ystep.every == 0 && ystep_failed(r, k)) {
      res->stop = RT_STOP_NUMERICAL;
      break;
    }
    r->step_calls0 = s->o.total_calls;
    s->abandoned = false;
    rt_solver_step(s, k);
    res->t_solve += rt_seconds() - t0;
    if (!s->abandoned) g_scale_note(r);
    if (s->ystep.note[0] && !r->cfg->quiet) message(r, "note", "%s", s->ystep.note);
    s->ystep.note[0] = '\0';
    /* a stop request the step honoured within it: abandoned, its iterates those of the last
     * completed step */
    if (s->abandoned) {
      res->stop = r->cancel ? RT_STOP_CANCELLED : RT_STOP_INTERRUPTED;
      break;
    }
    if (failed(r, k + 1)) {
      if (gave_up(r, k + 1, done)) break;
      continue;
    }
    done = k + 1;
    r->hg_good = s->hg_norm;
    if (s->f_est < r->f_low) { /* f where the step began (x_good): surged, check_vanished */
      r->f_low = s->f_est;
      rt_copy(s->nx, r->x_good, r->x_low);
    }
    /* after a recovery, its first step's |d| belongs to the first half: the segment's trace
     * points may all lie in its second (a recovery at step 15 of 20, traced every 10) */
    if (r->seg0 > 0 && done == r->seg0 + 1 && !(s->hg_norm <= r->hg_early))
      r->hg_early = s->hg_norm;
    if (r->hg_first == 0 && isfinite(s->hg_norm)) {
      r->hg_first = s->hg_norm;
      double m = 0; /* x_good: where the step began */
      for (int64_t i = 0; i < s->nx; i++) {
        double dx = s->x[i] - r->x_good[i];
        m += dx * dx;
      }
      r->first_move = sqrt(m);
    }
    if (s->hg_norm > r->hg_steps_max) r->hg_steps_max = s->hg_norm;
    if (s->hg_norm > r->hg_run_max) r->hg_run_max = s->hg_norm;
    if (2 * (done - r->seg0) <= r->K - r->seg0 && !(s->hg_norm <= r->hg_steps_early))
      r->hg_steps_early = s->hg_norm;
    /* The first estimate is taken at the start: it scores the start, unless it is exactly 0,
     * which says nothing (SOBA's first d when v = 0 and f has no direct x term). */
    if (done == 1 && res->best_step == 0 && !r->best_by_f && s->hg_norm > 0 && isfinite(s->hg_norm))
      r->best_score = res->best_hypergrad_norm = r->best_hg = s->hg_norm;
    /* ... and is the start's |d| should keep_start make it the best (0 too: a value there) */
    if (done == 1 && r->start_tp.ok && isfinite(s->hg_norm)) r->start_tp.hg = s->hg_norm;
    if (done == 1 && rt_all_finite(s->ny, s->y)) {
      rt_copy(s->ny, s->y, r->y_first);
      r->y_first_ok = true;
    }
    /* after steps K/4 and K/2 of a run with no recovery: steady_drift's snapshots (f and |d|
     * those of the point the step began from) */
    if (r->seg0 == 0 && r->q.n == 1 && done == (r->K >> 1)) { /* d and its x at K/2 */
      rt_copy(s->nx, s->d, r->sec + 2 * s->nx);
      rt_copy(s->nx, r->x_good, r->sec + 3 * s->nx);
      r->sec_half = rt_all_finite(s->nx, s->d);
    }
    if (r->seg0 == 0 && r->q.n < 2 && done == (r->K >> (2 - r->q.n))) {
      rt_copy(s->nx, s->x, r->q.x + r->q.n * s->nx);
      r->q.f[r->q.n] = s->f_est;
      r->q.hg[r->q.n++] = s->hg_norm;
    }
    secant_note(r, r->x_good, s->d); /* d was taken where the step began */
    bool turn = turned(s->nx, r->x_prev, r->x_good, s->x);
    if (2 * (done - r->seg0) > r->K - r->seg0) {
      r->half2_steps++;
      r->half2_turns += turn;
      for (int64_t i = 0; i < s->nx; i++) {
        double dx = s->x[i] - r->x_good[i];
        r->half2_sq += dx * dx;
      }
    }
    rt_copy(s->nx, r->x_good, r->x_prev);
    rt_copy(s->ny, r->y_good, r->y_prev);
    r->ystep_last = s->y_step;
    rt_copy(s->nx, s->x, r->x_good);
    rt_copy(s->ny, s->y, r->y_good);
    r->good_step = done;
    if (tol_reached(r)) {
      res->stop = RT_STOP_TOL;
      break;
    }
    if (done % trace_every == 0) {
      trace_point(r, done);
      if (trace_not_finite(r, done, false) || g_diverged(r, done) || ystep_over(r, done)) {
        if (gave_up(r, done, done)) break;
        continue;
      }
    }
    print_new_warnings(r);
    progress(r, done, false);
  }
  if (res->stop == RT_STOP_STEPS && stop_asked(r) && done < r->K)
    res->stop = r->cancel ? RT_STOP_CANCELLED : RT_STOP_INTERRUPTED;
  s->stop = NULL; /* the final point's diagnostics and checks run whole */
  res->steps = done;
  bool final_new = r->last_trace != done;
  if (r->last_trace != done || res->stop == RT_STOP_NUMERICAL) {
    /* the last good point may have been traced already: re-evaluated then without a duplicate
     * row, in the file or to on_trace */
    FILE *t = r->trace;
    double *row = r->row;
    if (r->last_trace == done) r->trace = NULL, r->row = NULL;
    trace_point(r, done);
    r->trace = t;
    r->row = row;
  }
  if (final_diverged(r, done)) res->stop = RT_STOP_NUMERICAL;
  if (done == 0 && r->K == 0 && res->stop == RT_STOP_STEPS && !start_said) warn_start_point(r);
  /* y_step over 2/L seen again at a final point that is no trace point of the loop's: too
   * late to recover (examples/hyperclean_minibatch.blo with batch = 100 and 50 steps, traced
   * every 100: the start and the end), so said */
  if (final_new && done > 0 && (res->stop == RT_STOP_STEPS || res->stop == RT_STOP_TOL) &&
      ystep_over(r, done)) {
    r->ystep_L = 0;
    rt_solver_warn(s, "run.ystep_over",
                   "%s; seen at the final point, too late to recover: give y_step a value "
                   "below 2/L, or y_step = auto",
                   res->message);
    res->message[0] = '\0';
  }
  best_not_above_end(r, done);
  rt_run_checks(r);
  bool start_best = best_not_below_start(r);
  print_new_warnings(r);
  progress(r, done, true);
  res->saved_best = res->best_step >= 0 &&
                    (cfg->keep == RT_KEEP_BEST ||
                     (cfg->keep == RT_KEEP_AUTO && res->stop == RT_STOP_NUMERICAL));
  if (res->stop == RT_STOP_NUMERICAL) {
    char best[256] = "", hg[32] = "n/a"; /* step 0 before any step: none (the summary: n/a) */
    if (isfinite(res->best_hypergrad_norm))
      snprintf(hg, sizeof hg, "%.6g", res->best_hypergrad_norm);
    const char *saved =
        res->saved_best && (cfg->save_x_path || cfg->save_y_path) ? ", which is saved" : "";
    if (start_best) /* best_not_below_start */
      snprintf(best, sizeof best,
               " and, as the best point, the start (step 0, f %.6g, |hypergradient| %s)%s: "
               "no later trace point had a lower f",
               res->best_f, hg, saved);
    else if (res->best_step >= 0)
      snprintf(best, sizeof best,
               " and the best trace point, step %lld (f %.6g, |hypergradient| "
               "%s)%s",
               (long long)res->best_step, res->best_f, hg, saved);
    message(r, "error", "%s; keeping the iterate of step %lld%s", res->message, (long long)done,
            best);
  }
  if (res->stop == RT_STOP_INTERRUPTED && !cfg->quiet)
    message(r, "note", "interrupted after %lld of %lld outer steps%s; results are written",
            (long long)done, (long long)r->K,
            s->abandoned ? " (the step under way abandoned)" : "");

  /* A run stopped on a numerical failure keeps the method's y (x_good, y_good): where the
   * lower point its final trace point formed from there blew up, f, g, |grad_y g| and the
   * reports are those of the kept pair, which the result's y is (below); an unrolled method's
   * y_r(x) is its lower point, whose blow-up is its result (lower_diverged) */
  if (res->stop == RT_STOP_NUMERICAL && !o.method->unrolled && lower_diverged(r, r->dw.val.y) &&
      rt_all_finite(s->ny, s->y)) {
    double t0 = rt_seconds();
    rt_diag_eval_kept(&r->dw, s, done);
    res->t_diag += rt_seconds() - t0;
  }

  /* Results. */
  const RtDiagValues *v = &r->dw.val;
  res->f = v->f;
  res->g = v->g;
  res->grad_y_g_norm = v->gy_norm;
  res->hypergrad_norm = done > 0 ? s->hg_norm : NAN;
  res->projected = s->xs.constrained;
  res->eval_draws = blo_problem_stochastic(s->p) ? r->dw.draws : 0;
  /* the summary's word on bloc eval: a batch(1) set's phi was said to be eval's, which refuses
   * it; the variant the end-of-run check built, or not, tells where it was asked for */
  res->full_twin = !blo_problem_stochastic(s->p) ? NULL
                   : r->full_asked ? (r->full_built ? NULL : rt_full_twin(s->p, false))
                                   : rt_full_twin(s->p, p->precision == BLO_PREC_F64 &&
                                                            !r->cfg->sharded);
  res->residual = v->residual;
  res->ritz_min = v->ritz_min;
  res->ritz_max = v->ritz_max;
  res->nx = s->nx;
  res->ny = s->ny;
  res->n_reports = p->n_reports;
  rt_copy(s->nx, s->x, res->x);
  /* The trace point's y is the method's lower point for x (its inner steps from the kept y):
   * where those steps blew up it is not finite, and the kept y, finite (y0 when no step
   * succeeded), is the one to report and save: --save-y wrote nan */
  bool lower_nan = lower_diverged(r, v->y) && rt_all_finite(s->ny, s->y);
  rt_copy(s->ny, lower_nan ? s->y : v->y, res->y);
  rt_copy(p->n_reports, v->reports, res->reports);
  memcpy(res->calls, s->o.calls, sizeof res->calls);
  memcpy(res->diag_calls, s->o.diag_calls, sizeof res->diag_calls);
  res->n_warnings = s->nwarn;
  int stop_sig = stop_flag && !cfg->isolated ? (int)stop_flag : SIGINT;
  status = res->stop == RT_STOP_NUMERICAL     ? RT_STATUS_NUMERICAL
           : res->stop == RT_STOP_INTERRUPTED ? 128 + stop_sig /* as a shell reports a kill */
           : res->stop == RT_STOP_CANCELLED   ? RT_STATUS_CANCELLED
                                              : RT_STATUS_OK;
  res->status = status;

  double t_out = rt_seconds();
  const double *save_x = res->saved_best ? res->best_x : res->x;
  const double *save_y = res->saved_best ? res->best_y : res->y;
  /* A run stopped by SIGPIPE (its reader, `| head`, went away) exits 128 + SIGPIPE as
   * documented: writes into that closed pipe fail because of what stopped it, not an error of
   * their own (it exited 1, "error writing the trace file '-': Broken pipe") */
  bool piped = status == 128 + SIGPIPE;
  if (cfg->save_x_path && rt_save_vector(&r->outs[1], cfg->save_x_path, s->nx, save_x) &&
      !(piped && errno == EPIPE))
    status = user_error(r, "cannot write x to '%s': %s", cfg->save_x_path, strerror(errno));
  if (cfg->save_y_path && rt_save_vector(&r->outs[2], cfg->save_y_path, s->ny, save_y) &&
      !(piped && errno == EPIPE))
    status = user_error(r, "cannot write y to '%s': %s", cfg->save_y_path, strerror(errno));
  if (r->trace) {
    r->trace = NULL;
    if (commit_out(r, &r->trace_out, cfg->trace_path, "trace", piped)) status = RT_STATUS_USER;
  }
  res->t_output += rt_seconds() - t_out;
  res->t_total = rt_seconds() - t_begin;
  if (cfg->out_path) {
    if (!r->outs[0].f && open_out(r, &r->outs[0], cfg->out_path, "result")) {
      status = RT_STATUS_USER;
    } else {
      res->status = status;
      rt_result_json(r->outs[0].f, s, res, cfg);
      if (commit_out(r, &r->outs[0], cfg->out_path, "result", piped)) status = RT_STATUS_USER;
    }
  }

done:
  restore_stop_handlers(sa_installed, old_sa);
  if (r->trace) rt_outfile_discard(&r->trace_out); /* the run failed: the old trace stays */
  for (int i = 0; i < 3; i++) /* the outputs not written (the run did not start): kept */
    if (r->outs[i].f) rt_outfile_discard(&r->outs[i]);
  run_release(r);
  res->status = status;
  res->t_total = rt_seconds() - t_begin;
  return status;
}
