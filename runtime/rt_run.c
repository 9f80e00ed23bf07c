/* rt_run.c — rt_solve: the run loop shared by every method (rt_run.h). Setup allocates every
 * buffer; the loop performs steps, checks for numerical failure after each, keeps the last good
 * iterate, writes trace rows and progress, and stops on outer_steps, tol or a stop request. */
#include "rt_run.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rt_diag.h"
#include "rt_linalg.h"
#include "rt_mem.h"
#include "rt_output.h"
#include "rt_solver.h"

static volatile sig_atomic_t stop_flag;

static void on_sigint(int sig) {
  (void)sig;
  stop_flag = 1;
}

RT_API void rt_request_stop(void) { stop_flag = 1; }

RT_API const char *rt_stop_name(RtStop stop) {
  switch (stop) {
  case RT_STOP_STEPS: return "outer_steps";
  case RT_STOP_TOL: return "tol";
  case RT_STOP_INTERRUPTED: return "interrupted";
  case RT_STOP_NUMERICAL: return "numerical_failure";
  case RT_STOP_NONE: break;
  }
  return "none";
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
}

RT_API void rt_result_free(RtResult *res) {
  rt_mem_free(res->x);
  rt_mem_free(res->y);
  rt_mem_free(res->reports);
  res->x = res->y = res->reports = NULL;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Everything one run holds. */
typedef struct Run {
  const RtRunConfig *cfg;
  RtResult *res;
  RtSolver *s;
  RtDiagWork dw;
  FILE *msg, *prog, *trace;
  RtProgressMode mode;
  bool line_shown;
  double t_start, t_last_prog;
  int64_t K, last_trace;
  double *x_good, *y_good;
  double f0, x0n, y0n;
  double hg_good;   /* |d| of the last good step */
} Run;

static void clear_line(Run *r) {
  if (r->line_shown) {
    fputs("\r\033[K", r->prog);
    fflush(r->prog);
    r->line_shown = false;
  }
}

static void message(Run *r, const char *kind, const char *fmt, ...) RT_PRINTF(3, 4);
static void message(Run *r, const char *kind, const char *fmt, ...) {
  if (r->cfg->silent) return;
  clear_line(r);
  va_list ap;
  va_start(ap, fmt);
  fprintf(r->msg, "bloc: %s: ", kind);
  vfprintf(r->msg, fmt, ap);
  fputc('\n', r->msg);
  va_end(ap);
  fflush(r->msg);
}

static void print_new_warnings(Run *r) {
  RtSolver *s = r->s;
  for (int i = 0; i < s->nwarn; i++) {
    if (s->warn[i].printed) continue;
    s->warn[i].printed = true;
    if (!r->cfg->quiet) message(r, "warning", "%s", s->warn[i].text);
  }
}

static void fmt_duration(char *buf, size_t n, double t) {
  if (!isfinite(t) || t < 0) snprintf(buf, n, "?");
  else if (t < 60) snprintf(buf, n, "%.1fs", t);
  else if (t < 3600) snprintf(buf, n, "%dm%02ds", (int)(t / 60), (int)fmod(t, 60));
  else snprintf(buf, n, "%dh%02dm", (int)(t / 3600), (int)fmod(t / 60, 60));
}

/* Progress: f of the last step, |d|, the reports of the last trace point, elapsed, ETA. */
static void progress(Run *r, int64_t done, bool last) {
  if (r->mode == RT_PROGRESS_NONE) return;
  double t = now();
  double gap = r->mode == RT_PROGRESS_LINE ? 0.1 : r->cfg->plain_interval;
  if (!last && t - r->t_last_prog < gap) return;
  r->t_last_prog = t;
  RtSolver *s = r->s;
  char el[32], eta[32], line[512];
  double elapsed = t - r->t_start;
  fmt_duration(el, sizeof el, elapsed);
  fmt_duration(eta, sizeof eta, done > 0 ? elapsed / (double)done * (double)(r->K - done) : NAN);
  char hg[32] = "-";
  if (done > 0) snprintf(hg, sizeof hg, "%.3g", s->hg_norm);
  int n = snprintf(line, sizeof line, "%s: step %lld/%lld  f %.6g  |hypergrad| %s", s->impl->name,
                   (long long)done, (long long)r->K, done > 0 ? s->f_est : r->dw.val.f, hg);
  for (int i = 0; i < s->p->n_reports && n < (int)sizeof line - 64; i++)
    n += snprintf(line + n, sizeof line - (size_t)n, "  %s %.6g",
                  s->p->report_names && s->p->report_names[i] ? s->p->report_names[i] : "report",
                  r->dw.val.reports[i]);
  if (n < (int)sizeof line - 64)
    snprintf(line + n, sizeof line - (size_t)n, "  elapsed %s%s%s", el, last ? "" : "  ETA ", last ? "" : eta);
  if (r->mode == RT_PROGRESS_LINE) {
    fprintf(r->prog, "\r%s\033[K%s", line, last ? "\n" : "");
    r->line_shown = !last;
  } else {
    fprintf(r->prog, "%s\n", line);
  }
  fflush(r->prog);
}

/* Diagnostics at the current point and, when tracing, a row. */
static void trace_point(Run *r, int64_t step) {
  double t0 = now();
  rt_diag_eval(&r->dw, r->s, step);
  const RtDiagValues *v = &r->dw.val;
  RtSolver *s = r->s;
  if (isfinite(v->ritz_min) && isfinite(v->ritz_max) && v->ritz_min < -1e-10 * fabs(v->ritz_max))
    rt_solver_warn(s, "ritz.negative", "after %lld outer steps: the smallest Ritz value of the lower Hessian is %.6g "
                   "(largest %.6g): the lower level looks non-convex in y", (long long)step,
                   v->ritz_min, v->ritz_max);
  double t1 = now();
  r->res->t_diag += t1 - t0;
  if (r->trace) {
    rt_trace_row(r->trace, step, r->res->t_solve, v, step > 0 ? s->hg_norm : NAN, s);
    fflush(r->trace);
  }
  r->last_trace = step;
  r->res->t_output += now() - t1;
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

/* After step k (1-based `step`): NaN/Inf anywhere, or divergence. Fills res->message. */
static bool failed(Run *r, int64_t step) {
  RtSolver *s = r->s;
  RtResult *res = r->res;
  const RtOracle *o = &s->o;
  if (o->fail_kind >= 0) {
    snprintf(res->message, sizeof res->message,
             "numerical failure at outer step %lld: the %s oracle returned a non-finite %s (oracle call %llu)",
             (long long)step, rt_call_names[o->fail_kind], o->fail_what, (unsigned long long)o->fail_call);
    return true;
  }
  struct { const char *name; int64_t n; const double *v; double ref; } q[] = {
      {"x", s->nx, s->x, r->x0n}, {"y", s->ny, s->y, r->y0n},
      {"v", s->v ? s->ny : 0, s->v, NAN}, {"the hypergradient estimate", s->nx, s->d, NAN}};
  for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
    if (!q[i].v) continue;
    double nrm = rt_nrm2(q[i].n, q[i].v);
    if (!isfinite(nrm) || !rt_all_finite(q[i].n, q[i].v)) {
      snprintf(res->message, sizeof res->message, "numerical failure at outer step %lld: %s is not finite",
               (long long)step, q[i].name);
      return true;
    }
    double lim = r->cfg->divergence_factor * fmax(1.0, q[i].ref);
    if (r->cfg->divergence_factor > 0 && isfinite(q[i].ref) && nrm > lim) {
      snprintf(res->message, sizeof res->message,
               "divergence at outer step %lld: |%s| = %.6g exceeds %g x max(1, |%s at start| = %.6g)",
               (long long)step, q[i].name, nrm, r->cfg->divergence_factor, q[i].name, q[i].ref);
      return true;
    }
  }
  if (!isfinite(s->f_est)) {
    snprintf(res->message, sizeof res->message, "numerical failure at outer step %lld: f is not finite (%g)",
             (long long)step, s->f_est);
    return true;
  }
  if (r->cfg->divergence_factor > 0 && isfinite(r->f0) &&
      fabs(s->f_est) > r->cfg->divergence_factor * fmax(1.0, fabs(r->f0))) {
    snprintf(res->message, sizeof res->message,
             "divergence at outer step %lld: |f| = %.6g exceeds %g x max(1, |f at start| = %.6g)",
             (long long)step, fabs(s->f_est), r->cfg->divergence_factor, fabs(r->f0));
    return true;
  }
  return false;
}

static int user_error(Run *r, const char *fmt, ...) RT_PRINTF(2, 3);
static int user_error(Run *r, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->res->message, sizeof r->res->message, fmt, ap);
  va_end(ap);
  r->res->status = RT_STATUS_USER;
  message(r, "error", "%s", r->res->message);
  return RT_STATUS_USER;
}

static FILE *open_out(Run *r, const char *path, const char *what) {
  FILE *f = fopen(path, "w");
  if (!f) user_error(r, "cannot write the %s file '%s': %s", what, path, strerror(errno));
  return f;
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
  if (rt_diag_setup(&r->dw, s, r->cfg->ritz_steps, r->cfg->residual) ||
      !(r->x_good = rt_mem_calloc((size_t)s->nx, sizeof(double))) ||
      !(r->y_good = rt_mem_calloc((size_t)s->ny, sizeof(double))) ||
      !(res->x = rt_mem_calloc((size_t)s->nx, sizeof(double))) ||
      !(res->y = rt_mem_calloc((size_t)s->ny, sizeof(double))) ||
      !(res->reports = rt_mem_calloc((size_t)(p->n_reports > 0 ? p->n_reports : 1), sizeof(double)))) {
    snprintf(err, errlen, "out of memory setting up the run");
    return -1;
  }
  return 0;
}

/* Everything run_alloc allocated but the results. */
static void run_release(Run *r) {
  rt_mem_free(r->x_good);
  rt_mem_free(r->y_good);
  rt_solver_free(r->s);
  r->x_good = r->y_good = NULL;
  r->s = NULL;
}

RT_API int rt_check(const BloProblem *p, const RtOptions *opt, int64_t seed, char *err, size_t errlen) {
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
  RtSolver *s = rt_solver_new(p, &o, (uint64_t)rt_opt_num(&o, "seed"), err, errlen);
  if (!s) return RT_STATUS_USER;
  rt_solver_free(s);
  return RT_STATUS_OK;
}

RT_API int rt_solve_arena_bytes(const BloProblem *p, const RtOptions *opt, const RtRunConfig *cfg_in,
                                size_t *bytes, char *err, size_t errlen) {
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
  int rc = run_alloc(&run, p, &o, err, errlen);
  *bytes = rt_mem_stats().arena_bytes - before + RT_MEM_ARENA_SLACK;
  run_release(&run);
  rt_result_free(&res);
  return rc ? RT_STATUS_USER : RT_STATUS_OK;
}

RT_API int rt_solve(const BloProblem *p, const RtOptions *opt, const RtRunConfig *cfg_in, RtResult *res) {
  double t_begin = now();
  RtRunConfig cfg_def;
  if (!cfg_in) {
    rt_run_config_init(&cfg_def);
    cfg_in = &cfg_def;
  }
  const RtRunConfig *cfg = cfg_in;
  memset(res, 0, sizeof *res);
  res->f = res->g = res->grad_y_g_norm = res->hypergrad_norm = NAN;
  res->residual = res->ritz_min = res->ritz_max = NAN;
  Run run = {0}, *r = &run;
  r->cfg = cfg;
  r->res = res;
  r->msg = cfg->messages ? cfg->messages : stderr;
  r->prog = cfg->progress ? cfg->progress : stderr;
  if (!opt || !opt->method) return user_error(r, "no solve method given");
  res->method = opt->method->name;

  /* Options, solver and buffers. */
  RtOptions o;
  const char *e = run_options(opt, cfg->seed, &o);
  if (e) return user_error(r, "%s", e);
  res->seed = (uint64_t)rt_opt_num(&o, "seed");
  char err[1024];
  int status = RT_STATUS_OK;
  struct sigaction old_sa;
  bool sa_installed = false;
  if (run_alloc(r, p, &o, err, sizeof err)) {
    status = user_error(r, "%s", err);
    goto done;
  }
  RtSolver *s = r->s;
  r->K = s->outer_steps;
  int64_t trace_every = (int64_t)rt_opt_num(&o, "trace_every");
  if (cfg->trace_path && !(r->trace = open_out(r, cfg->trace_path, "trace"))) {
    status = RT_STATUS_USER;
    goto done;
  }
  /* Fail before solving, not after, when an output cannot be written. */
  const char *outs[][2] = {{cfg->out_path, "result"}, {cfg->save_x_path, "x"}, {cfg->save_y_path, "y"}};
  for (int i = 0; i < 3; i++) {
    if (!outs[i][0]) continue;
    FILE *f = open_out(r, outs[i][0], outs[i][1]);
    if (!f) {
      status = RT_STATUS_USER;
      goto done;
    }
    fclose(f);
  }
  r->mode = cfg->quiet || cfg->silent ? RT_PROGRESS_NONE : cfg->progress_mode;
  if (r->mode == RT_PROGRESS_AUTO) r->mode = isatty(fileno(r->prog)) ? RT_PROGRESS_LINE : RT_PROGRESS_PLAIN;
  stop_flag = 0; /* before the handler: a Ctrl-C from here on is honoured */
  struct sigaction cur;
  /* A process started with SIGINT ignored (nohup, a background job of a script) keeps it
   * ignored: a Ctrl-C typed at the terminal is not meant for it. */
  if (cfg->handle_sigint && sigaction(SIGINT, NULL, &cur) == 0 && cur.sa_handler != SIG_IGN) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND; /* a second Ctrl-C kills the process as usual */
    sa_installed = sigaction(SIGINT, &sa, &old_sa) == 0;
  }
  res->t_setup = now() - t_begin;
  r->t_start = now();
  r->t_last_prog = -INFINITY;

  /* The initial point. */
  if (r->trace) rt_trace_header(r->trace, p);
  trace_point(r, 0);
  r->f0 = r->dw.val.f;
  r->x0n = rt_nrm2(s->nx, s->x);
  r->y0n = rt_nrm2(s->ny, s->y);
  rt_copy(s->nx, s->x, r->x_good);
  rt_copy(s->ny, s->y, r->y_good);
  print_new_warnings(r);
  progress(r, 0, false);

  res->stop = RT_STOP_STEPS;
  int64_t done = 0;
  for (int64_t k = 0; k < r->K; k++) {
    if (stop_flag) {
      res->stop = RT_STOP_INTERRUPTED;
      break;
    }
    double t0 = now();
    if (k % trace_every == 0 && ystep_failed(r, k)) { /* at the start and at trace points */
      res->stop = RT_STOP_NUMERICAL;
      message(r, "error", "%s; keeping the iterate of step %lld", res->message, (long long)done);
      break;
    }
    rt_solver_step(s, k);
    res->t_solve += now() - t0;
    if (failed(r, k + 1)) {
      res->stop = RT_STOP_NUMERICAL;
      rt_copy(s->nx, r->x_good, s->x);
      rt_copy(s->ny, r->y_good, s->y);
      s->hg_norm = done > 0 ? r->hg_good : NAN;
      message(r, "error", "%s; keeping the iterate of step %lld", res->message, (long long)done);
      break;
    }
    done = k + 1;
    r->hg_good = s->hg_norm;
    rt_copy(s->nx, s->x, r->x_good);
    rt_copy(s->ny, s->y, r->y_good);
    if (s->tol > 0 && s->hg_norm < s->tol) {
      res->stop = RT_STOP_TOL;
      break;
    }
    if (done % trace_every == 0) trace_point(r, done);
    print_new_warnings(r);
    progress(r, done, false);
  }
  if (res->stop == RT_STOP_STEPS && stop_flag && done < r->K) res->stop = RT_STOP_INTERRUPTED;
  res->steps = done;
  if (r->last_trace != done || res->stop == RT_STOP_NUMERICAL) {
    if (r->last_trace == done && r->trace) {
      /* the last good point was already traced; re-evaluate without a duplicate row */
      FILE *t = r->trace;
      r->trace = NULL;
      trace_point(r, done);
      r->trace = t;
    } else {
      trace_point(r, done);
    }
  }
  print_new_warnings(r);
  progress(r, done, true);
  if (res->stop == RT_STOP_INTERRUPTED && !cfg->quiet)
    message(r, "note", "interrupted after %lld of %lld outer steps; results are written", (long long)done, (long long)r->K);

  /* Results. */
  const RtDiagValues *v = &r->dw.val;
  res->f = v->f;
  res->g = v->g;
  res->grad_y_g_norm = v->gy_norm;
  res->hypergrad_norm = done > 0 ? s->hg_norm : NAN;
  res->residual = v->residual;
  res->ritz_min = v->ritz_min;
  res->ritz_max = v->ritz_max;
  res->nx = s->nx;
  res->ny = s->ny;
  res->n_reports = p->n_reports;
  rt_copy(s->nx, s->x, res->x);
  rt_copy(s->ny, v->y, res->y);
  rt_copy(p->n_reports, v->reports, res->reports);
  memcpy(res->calls, s->o.calls, sizeof res->calls);
  memcpy(res->diag_calls, s->o.diag_calls, sizeof res->diag_calls);
  res->n_warnings = s->nwarn;
  status = res->stop == RT_STOP_NUMERICAL ? RT_STATUS_NUMERICAL
           : res->stop == RT_STOP_INTERRUPTED ? RT_STATUS_INTERRUPTED : RT_STATUS_OK;
  res->status = status;

  double t_out = now();
  if (cfg->save_x_path && rt_save_vector(cfg->save_x_path, s->nx, res->x))
    status = user_error(r, "cannot write x to '%s': %s", cfg->save_x_path, strerror(errno));
  if (cfg->save_y_path && rt_save_vector(cfg->save_y_path, s->ny, res->y))
    status = user_error(r, "cannot write y to '%s': %s", cfg->save_y_path, strerror(errno));
  if (r->trace) {
    bool bad = ferror(r->trace);
    if (fclose(r->trace) || bad) status = user_error(r, "error writing the trace file '%s'", cfg->trace_path);
    r->trace = NULL;
  }
  res->t_output += now() - t_out;
  res->t_total = now() - t_begin;
  if (cfg->out_path) {
    FILE *f = open_out(r, cfg->out_path, "result");
    if (!f) {
      status = RT_STATUS_USER;
    } else {
      res->status = status;
      rt_result_json(f, s, res, cfg);
      bool bad = ferror(f);
      if (fclose(f) || bad) status = user_error(r, "error writing the result file '%s'", cfg->out_path);
    }
  }

done:
  if (sa_installed) sigaction(SIGINT, &old_sa, NULL);
  if (r->trace) fclose(r->trace);
  run_release(r);
  res->status = status;
  res->t_total = now() - t_begin;
  return status;
}
