/* api_solve.c — the C API's solves (bloc.h): options, the run settings, rt_solve with the
 * trace kept in memory and the progress callback, and the result's fields. */
#define _GNU_SOURCE /* open_memstream, strdup */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "rt_fmt.h"
#include "rt_outfile.h"
#include "rt_output.h"
#include "rt_run.h"
#include "rt_solver.h"
#include "rt_xstep.h"
#include "support/diag.h"

typedef struct KeyValue {
  char *key, *value;
} KeyValue;

struct bloc_options {
  char *method;
  char **sets; /* "key=value", for opt_resolve_to */
  int nsets;
  KeyValue *run;
  int nrun;
};

struct bloc_result {
  RtResult res;
  int status;
  char **names; /* the scalar fields: names[i] = values[i] */
  double *values;
  int nfields;
  char **cols;  /* the trace */
  int ncols;
  double *trace;
  int64_t nrows, caprows;
  char *summary;
  /* during the solve */
  bloc_progress_fn progress;
  void *user;
  bool oom;
};

/* ------------------------------------------------------------------ options */

int bloc_options_new(bloc_options **out) {
  if (!out) return BLOC_ERR_STATE;
  *out = calloc(1, sizeof **out);
  return *out ? BLOC_OK : BLOC_ERR_MEMORY;
}

void bloc_options_free(bloc_options *o) {
  if (!o) return;
  free(o->method);
  for (int i = 0; i < o->nsets; i++) free(o->sets[i]);
  free(o->sets);
  for (int i = 0; i < o->nrun; i++) {
    free(o->run[i].key);
    free(o->run[i].value);
  }
  free(o->run);
  free(o);
}

int bloc_options_method(bloc_options *o, const char *method) {
  if (!o) return BLOC_ERR_STATE;
  char *m = method ? strdup(method) : NULL;
  if (method && !m) return BLOC_ERR_MEMORY;
  free(o->method);
  o->method = m;
  return BLOC_OK;
}

int bloc_options_set(bloc_options *o, const char *key, const char *value) {
  if (!o || !key) return BLOC_ERR_STATE;
  size_t n = strlen(key) + (value ? strlen(value) : 0) + 2;
  char *kv = malloc(n);
  char **sets = realloc(o->sets, sizeof *sets * (size_t)(o->nsets + 1));
  if (!kv || !sets) {
    free(kv);
    if (sets) o->sets = sets;
    return BLOC_ERR_MEMORY;
  }
  snprintf(kv, n, "%s%s%s", key, value ? "=" : "", value ? value : "");
  o->sets = sets;
  o->sets[o->nsets++] = kv;
  return BLOC_OK;
}

int bloc_options_run(bloc_options *o, const char *key, const char *value) {
  if (!o || !key || !value) return BLOC_ERR_STATE;
  KeyValue *run = realloc(o->run, sizeof *run * (size_t)(o->nrun + 1));
  if (!run) return BLOC_ERR_MEMORY;
  o->run = run;
  KeyValue kv = {strdup(key), strdup(value)};
  if (!kv.key || !kv.value) {
    free(kv.key);
    free(kv.value);
    return BLOC_ERR_MEMORY;
  }
  o->run[o->nrun++] = kv;
  return BLOC_OK;
}

/* ------------------------------------------------------------------ run settings */

static const char *const run_keys[] = {"trace_file", "result_file", "x_file",  "y_file",
                                       "keep",       "seed",        "console", "quiet",
                                       "signals",    "option_label"};
enum { NRUN_KEYS = sizeof run_keys / sizeof run_keys[0] };

typedef struct RunSettings {
  RtRunConfig cfg;
  const char *label;
  bool console;
} RunSettings;

/* 1 for on (or true), 0 for off (or false), -1 for anything else */
static int switch_value(const char *v) {
  if (strcmp(v, "on") == 0 || strcmp(v, "true") == 0) return 1;
  return strcmp(v, "off") == 0 || strcmp(v, "false") == 0 ? 0 : -1;
}

static int on_off(bloc_problem *p, const KeyValue *kv, bool *out) {
  int v = switch_value(kv->value);
  if (v >= 0) *out = v == 1;
  else {
    api_diag(p, BLOC_ERROR, NULL, "run setting %s expects on or off, got '%s'", kv->key, kv->value);
    return 1;
  }
  return 0;
}

const char *const api_output_names[2][4] = {{"trace_file", "result_file", "x_file", "y_file"},
                                            {"--trace", "--out", "--save-x", "--save-y"}};

int api_outputs_clash(const bloc_problem *p, const char *const paths[4], bool cli, char *err,
                      size_t errlen) {
  const char *const *names = api_output_names[cli];
  char why[1200];
  /* an output must not replace an input */
  for (int i = 0; i < 4; i++)
    if (blo_output_replaces_input(p->c, paths[i], why, sizeof why)) {
      snprintf(err, errlen, "%s: %s", names[i], why);
      return 1;
    }
  /* nor another output: the file would hold one of them, silently */
  if (rt_outfile_clash(paths, names, 4, why, sizeof why)) {
    snprintf(err, errlen, "%s", why);
    return 1;
  }
  return 0;
}

/* The run settings of o into rs (paths point into o). 0, or 1 after an "option" error. */
static int run_settings(bloc_problem *p, const bloc_options *o, RunSettings *rs) {
  RtRunConfig *cfg = &rs->cfg;
  rt_run_config_init(cfg);
  cfg->sharded = p->c && blo_sharded(p->c); /* one rank's share: sum outputs over the ranks */
  cfg->silent = true;
  cfg->handle_sigint = false;
  cfg->isolated = true;
  rs->label = "option";
  rs->console = false;
  /* bloc_set_seed's is the solves' default: an option 'seed' of this solve (Python's
   * solve(seed=7)) is over it, as a run setting 'seed' is (below) */
  bool seed_option = false;
  for (int i = 0; o && i < o->nsets; i++) seed_option |= strncmp(o->sets[i], "seed=", 5) == 0;
  if (p->seed_set && !seed_option) cfg->seed = (int64_t)p->seed;
  bool quiet = false, signals = false;
  for (int i = 0; o && i < o->nrun; i++) {
    const KeyValue *kv = &o->run[i];
    const char *k = kv->key;
    if (strcmp(k, "trace_file") == 0) cfg->trace_path = kv->value;
    else if (strcmp(k, "result_file") == 0) cfg->out_path = kv->value;
    else if (strcmp(k, "x_file") == 0) cfg->save_x_path = kv->value;
    else if (strcmp(k, "y_file") == 0) cfg->save_y_path = kv->value;
    else if (strcmp(k, "option_label") == 0) rs->label = kv->value;
    else if (strcmp(k, "keep") == 0) {
      if (rt_keep_parse(kv->value, &cfg->keep)) {
        api_diag(p, BLOC_ERROR, NULL, "run setting keep expects 'best' or 'last', got '%s'",
                 kv->value);
        return 1;
      }
    } else if (strcmp(k, "seed") == 0) {
      uint64_t s;
      const char *bad = rt_seed_parse("run setting seed", kv->value, &s);
      if (bad) {
        api_diag(p, BLOC_ERROR, NULL, "%s", bad);
        return 1;
      }
      cfg->seed = (int64_t)s; /* below 2^53 */
    } else if (strcmp(k, "console") == 0) {
      if (on_off(p, kv, &rs->console)) return 1;
    } else if (strcmp(k, "quiet") == 0) {
      if (on_off(p, kv, &quiet)) return 1;
    } else if (strcmp(k, "signals") == 0) {
      if (on_off(p, kv, &signals)) return 1;
    } else {
      const char *near = diag_suggest(k, run_keys, NRUN_KEYS);
      char hint[96];
      if (near) snprintf(hint, sizeof hint, "did you mean '%s'?", near);
      api_diag(p, BLOC_ERROR, near ? hint : NULL,
               "unknown run setting '%s'; run settings: trace_file, result_file, x_file, y_file, "
               "keep, seed, console, quiet, signals, option_label", k);
      return 1;
    }
  }
  bool cli = strcmp(rs->label, "--set") == 0; /* bloc run: its flags name the settings */
  if (cli) cfg->keep_best = "--keep best";
  const char *paths[4] = {cfg->trace_path, cfg->out_path, cfg->save_x_path, cfg->save_y_path};
  char err[1300];
  if (api_outputs_clash(p, paths, cli, err, sizeof err)) {
    api_diag(p, BLOC_ERROR, NULL, "%s", err);
    return 1;
  }
  cfg->silent = !rs->console;
  cfg->quiet = quiet;
  cfg->handle_sigint = signals;
  cfg->isolated = !signals;
  return 0;
}

/* An OptSink passing on the errors of another (ctx) and dropping its warnings. */
static void errors_only(void *ctx, int level, const char *msg, const char *hint) {
  const OptSink *to = ctx;
  if (level != DIAG_WARNING) to->fn(to->ctx, level, msg, hint);
}

/* An error whose quoted texts longer than rt_vfit's limit are cut to their ends, as the run's
 * own messages are: a path of 1500 characters hid the reason after it. */
static void fit_error(bloc_problem *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fit_error(bloc_problem *p, const char *fmt, ...) {
  char m[1024];
  va_list ap;
  va_start(ap, fmt);
  rt_vfit(m, sizeof m, fmt, ap);
  va_end(ap);
  api_diag(p, BLOC_ERROR, NULL, "%s", m);
}

int api_solve_check(bloc_problem *p, const bloc_options *o) {
  if (!p) return BLOC_ERR_STATE;
  if (!p->c || p->stage == API_FAILED) return BLOC_ERR_STATE;
  api_begin(p, "option");
  RunSettings rs;
  if (run_settings(p, o, &rs)) return api_end(p, BLOC_ERR_INPUT);
  /* the outputs rt_solve opens before its first step, in its words */
  const RtRunConfig *cfg = &rs.cfg;
  const char *const outs[][2] = {{cfg->trace_path, "trace"}, {cfg->out_path, "result"},
                                 {cfg->save_x_path, "x"}, {cfg->save_y_path, "y"}};
  for (int i = 0; i < 4; i++) {
    if (outs[i][0] && rt_outfile_check(outs[i][0], NULL, 0) != 0) {
      fit_error(p, "cannot write the %s file '%s': %s", outs[i][1], outs[i][0], strerror(errno));
      return api_end(p, BLOC_ERR_INPUT);
    }
  }
  RtOptions opt;
  OptSink to = api_opt_sink(p, rs.label);
  OptSink sink = {.fn = errors_only, .ctx = &to, .set_label = rs.label};
  const char *const *sets = o ? (const char *const *)o->sets : NULL;
  int nsets = o ? o->nsets : 0;
  const char *method = o ? o->method : NULL;
  if (opt_resolve_to(p->c, &sink, method, sets, nsets, &opt) ||
      opt_check_rules_to(p->c, &sink, &opt, sets, nsets) || opt_refuses_method(p->c, &opt))
    return api_end(p, BLOC_ERR_INPUT);
  return api_end(p, BLOC_OK);
}

int api_check_solve_line(bloc_problem *p) {
  if (!p || !p->c || p->stage == API_FAILED) return BLOC_ERR_STATE;
  if (!blo_program(p->c)->method) return BLOC_OK;
  api_begin(p, "option");
  RtOptions opt;
  OptSink sink = api_opt_sink(p, "option");
  if (opt_resolve_to(p->c, &sink, NULL, NULL, 0, &opt) ||
      opt_check_rules_to(p->c, &sink, &opt, NULL, 0))
    return api_end(p, BLOC_ERR_INPUT);
  return api_end(p, BLOC_OK);
}

/* ------------------------------------------------------------------ the trace */

static int on_trace(void *ctx, const double *row, int ncols) {
  bloc_result *r = ctx;
  if (r->nrows == r->caprows) {
    int64_t cap = r->caprows ? 2 * r->caprows : 64;
    double *t = realloc(r->trace, sizeof(double) * (size_t)(cap * ncols));
    if (!t) {
      r->oom = true;
      return 1;
    }
    r->trace = t;
    r->caprows = cap;
  }
  memcpy(r->trace + r->nrows * ncols, row, sizeof(double) * (size_t)ncols);
  r->nrows++;
  return r->progress ? r->progress(r->user, ncols, (const char *const *)r->cols, row) : 0;
}

static void add_field(bloc_result *r, const char *name, double v) {
  r->names[r->nfields] = xstrdup(name);
  r->values[r->nfields++] = v;
}

/* The scalar fields of bloc_result_get. */
static void fill_fields(bloc_result *r, const BloProblem *bp, const BloTimings *t, int sig) {
  const RtResult *s = &r->res;
  int cap = 40 + 2 * RT_CALL_NKINDS + bp->n_reports;
  r->names = calloc((size_t)cap, sizeof(char *));
  r->values = calloc((size_t)cap, sizeof(double));
  if (!r->names || !r->values) blo_oom((size_t)cap * sizeof(double));
  add_field(r, "steps", (double)s->steps);
  add_field(r, "seed", (double)s->seed);
  add_field(r, "f", s->f);
  add_field(r, "g", s->g);
  add_field(r, "grad_y_g_norm", s->grad_y_g_norm);
  add_field(r, "hypergrad_norm", s->hypergrad_norm);
  add_field(r, "residual", s->residual);
  add_field(r, "ritz_min", s->ritz_min);
  add_field(r, "ritz_max", s->ritz_max);
  add_field(r, "best_step", (double)s->best_step);
  add_field(r, "best_f", s->best_f);
  add_field(r, "best_g", s->best_g);
  add_field(r, "best_grad_y_g_norm", s->best_grad_y_g_norm);
  add_field(r, "best_hypergrad_norm", s->best_hypergrad_norm);
  add_field(r, "warnings", s->n_warnings);
  add_field(r, "recoveries", s->n_recoveries);
  add_field(r, "signal", sig);
  add_field(r, "t_setup", s->t_setup);
  add_field(r, "t_solve", s->t_solve);
  add_field(r, "t_diag", s->t_diag);
  add_field(r, "t_output", s->t_output);
  add_field(r, "t_total", s->t_total);
  add_field(r, "t_data", t->data_ms * 1e-3);
  add_field(r, "t_compile", (t->parse_ms + t->derive_ms + t->compile_ms) * 1e-3);
  char name[64];
  for (int k = 0; k < RT_CALL_NKINDS; k++) {
    snprintf(name, sizeof name, "calls_%s", rt_call_names[k]);
    add_field(r, name, (double)s->calls[k]);
    snprintf(name, sizeof name, "diag_calls_%s", rt_call_names[k]);
    add_field(r, name, (double)s->diag_calls[k]);
  }
  for (int i = 0; i < bp->n_reports && s->reports; i++)
    add_field(r, bp->report_names[i] ? bp->report_names[i] : "report", s->reports[i]);
}

static int status_of(int rt_status) {
  switch (rt_status) {
  case RT_STATUS_OK: return BLOC_OK;
  case RT_STATUS_USER: return BLOC_ERR_INPUT;
  case RT_STATUS_NUMERICAL: return BLOC_ERR_NUMERICAL;
  case RT_STATUS_MEMORY: return BLOC_ERR_MEMORY;
  case RT_STATUS_CANCELLED: return BLOC_CANCELLED;
  default: return rt_status > 128 ? BLOC_INTERRUPTED : BLOC_ERR_INPUT;
  }
}

/* ------------------------------------------------------------------ solving */

/* RtRunConfig.on_message: the run's warnings and notes become p's diagnostics as they are
 * made (category "run"), handed to its handler at once, in order with the progress. */
static void on_message(void *ctx, const char *kind, const char *text) {
  bloc_problem *p = ctx;
  api_diag(p, strcmp(kind, "note") == 0 ? BLOC_NOTE : BLOC_WARNING, NULL, "%s", text);
  api_flush(p);
}

/* With run setting console = on and no diagnostics handler, a solve prints the diagnostics
 * that arise before and around its run (the data stage, the options; the run prints its own)
 * to stderr, as bloc run does; quiet = on leaves errors only. `printed` counts those done. */
typedef struct Console {
  bool on, quiet;
  int printed;
} Console;

/* console and quiet as o sets them (the last value of each; run_settings reports bad ones) */
static Console console_of(const bloc_problem *p, const bloc_options *o) {
  Console c = {false, false, 0};
  for (int i = 0; o && i < o->nrun; i++) {
    bool on = switch_value(o->run[i].value) == 1;
    if (strcmp(o->run[i].key, "console") == 0) c.on = on;
    if (strcmp(o->run[i].key, "quiet") == 0) c.quiet = on;
  }
  if (p->handler) c.on = false; /* the handler takes them */
  return c;
}

static void console_print(const bloc_problem *p, Console *c) {
  for (; c->on && c->printed < p->ndiags; c->printed++) {
    const bloc_diag *d = &p->diags[c->printed];
    if (strcmp(d->category, "run") == 0 || (c->quiet && d->severity != BLOC_ERROR)) continue;
    fputs(d->text, stderr);
  }
}

static int solve_end(bloc_problem *p, Console *c, int rc) {
  console_print(p, c);
  return api_end(p, rc);
}

/* The warnings given before a run take at most half the result's table (the rest is the
 * run's own): text into given[0..GIVEN_ROOM) while there is room, else counted in past. */
#define GIVEN_ROOM (RT_MAX_WARNINGS / 2)
static void give(const char **given, int *n, int *past, const char *text) {
  if (*n < GIVEN_ROOM) given[(*n)++] = text;
  else (*past)++;
}

int bloc_solve(bloc_problem *p, const bloc_options *o, bloc_progress_fn progress, void *user,
               bloc_result **out) {
  if (out) *out = NULL;
  if (!p) return BLOC_ERR_STATE;
  if (!out) return api_null_arg(p, "bloc_solve", "out");
  api_begin(p, "option");
  Console con = console_of(p, o);
  const char *method = o ? o->method : NULL;
  int rc = api_ensure_prepared(p, method);
  if (rc) return solve_end(p, &con, rc);
  RunSettings rs;
  if (run_settings(p, o, &rs)) return solve_end(p, &con, BLOC_ERR_INPUT);
  RtOptions opt;
  OptSink sink = api_opt_sink(p, rs.label);
  const char *const *sets = o ? (const char *const *)o->sets : NULL;
  int nsets = o ? o->nsets : 0;
  if (opt_resolve_to(p->c, &sink, method, sets, nsets, &opt) ||
      opt_check_rules_to(p->c, &sink, &opt, sets, nsets) || opt_check_suits(p->c, &opt))
    return solve_end(p, &con, BLOC_ERR_INPUT);
  const BloProblem *bp = blo_problem(p->c);
  const char *lacks = rt_method_lacks(opt.method, bp);
  if (lacks) { /* the kernels were compiled for other methods (bloc_prepare) */
    char hint[512];
    snprintf(hint, sizeof hint,
             "prepare the problem for every method it will run, before its first solve or "
             "eval: bloc_prepare(p, \"%s,%s\") or bloc_prepare(p, \"all\") (Python: "
             "p.prepare(...))",
             p->prepared_for, opt.method->name);
    api_diag(p, BLOC_ERROR, hint,
             "method '%s' calls the kernel %s, which was left out when the problem was prepared "
             "for %s",
             opt.method->name, lacks, p->prepared_for);
    return solve_end(p, &con, BLOC_ERR_INPUT);
  }
  /* Bounds from data that make an empty box (lo > hi) are the data's fault, as bloc_eval_at
   * and a NaN in a bound array say (category "data": Python's DataError); the run's setup
   * found them as a "run" input error, which Python raised as an OptionError. */
  if (bp->n_constraints > 0) {
    double *x0 = malloc(sizeof(double) * (size_t)(bp->nx > 0 ? bp->nx : 1));
    if (!x0) return solve_end(p, &con, BLOC_ERR_MEMORY);
    memcpy(x0, bp->x0, sizeof(double) * (size_t)bp->nx);
    RtXStart start;
    char err[1024];
    int bad = rt_xstep_project_start(bp, x0, &start, err, sizeof err);
    free(x0);
    if (bad) {
      p->category = "data";
      api_diag(p, BLOC_ERROR, NULL, "%s", err);
      return solve_end(p, &con, BLOC_ERR_INPUT);
    }
  }
  BloTimings t = blo_timings(p->c);
  RtRunConfig *cfg = &rs.cfg;
  cfg->t_data = t.data_ms * 1e-3;
  cfg->t_compile = (t.parse_ms + t.derive_ms + t.compile_ms) * 1e-3;
  cfg->jit_parts = t.jit_parts;
  cfg->jit_cached = t.jit_cached;
  cfg->jit_overlapped = t.overlapped;
  cfg->y0_given = p->y0_given;
  cfg->x0_given = p->x0_given;
  cfg->full_problem = api_full_problem;
  cfg->full_why = api_full_why;
  cfg->full_ctx = p;
  bloc_result *r = calloc(1, sizeof *r);
  if (!r) return solve_end(p, &con, BLOC_ERR_MEMORY);
  r->ncols = rt_trace_ncols(bp);
  r->cols = calloc((size_t)r->ncols, sizeof(char *));
  if (!r->cols) blo_oom(sizeof(char *) * (size_t)r->ncols);
  for (int j = 0; j < r->ncols; j++) r->cols[j] = xstrdup(rt_trace_column(bp, j));
  r->progress = progress;
  r->user = user;
  cfg->on_trace = on_trace;
  cfg->on_trace_ctx = r;
  cfg->on_message = on_message;
  cfg->on_message_ctx = p;
  /* for the JSON, the compile's and the data stage's warnings (p->kept, complete once
   * flushed), then the options' and the method's: at most half its room, the rest left to the
   * run's own. The compile's were dropped: a result of f32 data rounded to another problem, or
   * of a kink in g, read as clean in its JSON. The options' warnings are printed now, before
   * the solve's progress. */
  api_flush(p);
  const char *given[GIVEN_ROOM];
  int n = 0, past = 0;
  for (int i = 0; i < p->nkept; i++) give(given, &n, &past, p->kept[i]);
  int nprogram = n;
  for (int i = 0; i < p->ndiags; i++)
    if (p->diags[i].severity == BLOC_WARNING && !api_diag_kept(&p->diags[i]))
      give(given, &n, &past, p->diags[i].message);
  char more[160];
  if (past > 0) { /* 30 kinks in g gave 12 entries and no word of the other 18 */
    snprintf(more, sizeof more, "%d more warnings before the run, on stderr: the result keeps "
             "%d of them", past + 1, GIVEN_ROOM - 1);
    given[GIVEN_ROOM - 1] = more;
    if (nprogram > GIVEN_ROOM - 1) nprogram = GIVEN_ROOM - 1;
  }
  cfg->ngiven_warnings = n;
  cfg->nprogram_warnings = nprogram;
  cfg->given_warnings = given;
  cfg->nonsmooth_op = blo_program(p->c)->nonsmooth_op;
  /* what was compiled, for the JSON's "program" (define_names and define_values live until
   * rt_solve returns) */
  const char **dnames = xcalloc((size_t)p->ndefs + 1, sizeof *dnames);
  double *dvalues = xcalloc((size_t)p->ndefs + 1, sizeof *dvalues);
  for (int i = 0; i < p->ndefs; i++) {
    dnames[i] = p->defs[i].name;
    dvalues[i] = p->defs[i].value;
  }
  cfg->program_file = blo_program(p->c)->path;
  cfg->define_names = dnames;
  cfg->define_values = dvalues;
  cfg->ndefines = p->ndefs;
  const char **fnames = xcalloc((size_t)p->nfiles + 1, sizeof *fnames);
  const char **fpaths = xcalloc((size_t)p->nfiles + 1, sizeof *fpaths);
  for (int i = 0; i < p->nfiles; i++) {
    fnames[i] = p->files[i].name;
    fpaths[i] = p->files[i].path;
  }
  cfg->data_names = fnames;
  cfg->data_paths = fpaths;
  cfg->ndata_files = p->nfiles;
  cfg->data_seed = blo_seed(p->c);
  cfg->bloc_version = bloc_version();
  p->category = "run";
  console_print(p, &con);
  int st = rt_solve(bp, &opt, cfg, &r->res);
  free(dnames);
  free(dvalues);
  free(fnames);
  free(fpaths);
  r->status = r->oom ? BLOC_ERR_MEMORY : status_of(st);
  if (r->res.message[0] && (r->status == BLOC_ERR_INPUT || r->status == BLOC_ERR_NUMERICAL ||
                            r->status == BLOC_ERR_MEMORY))
    api_diag(p, BLOC_ERROR, NULL, "%s", r->res.message);
  if (r->oom) api_diag(p, BLOC_ERROR, NULL, "out of memory keeping the trace");
  if (r->res.stop == RT_STOP_NONE) { /* never started */
    bloc_result_free(r);
    return solve_end(p, &con, st == RT_STATUS_OK ? BLOC_ERR_INPUT : status_of(st));
  }
  fill_fields(r, bp, &t, st > 128 ? st - 128 : 0);
  size_t len;
  FILE *m = open_memstream(&r->summary, &len);
  if (m) {
    rt_print_summary(m, bp, &r->res);
    fclose(m);
  }
  *out = r;
  return solve_end(p, &con, r->status);
}

void bloc_result_free(bloc_result *r) {
  if (!r) return;
  rt_result_free(&r->res);
  for (int i = 0; i < r->nfields; i++) free(r->names[i]);
  free(r->names);
  free(r->values);
  for (int j = 0; j < r->ncols && r->cols; j++) free(r->cols[j]);
  free(r->cols);
  free(r->trace);
  free(r->summary);
  free(r);
}

int bloc_result_status(const bloc_result *r) { return r ? r->status : BLOC_ERR_STATE; }
const char *bloc_result_stop(const bloc_result *r) {
  return r ? rt_stop_name(r->res.stop) : NULL;
}
const char *bloc_result_method(const bloc_result *r) { return r ? r->res.method : NULL; }
const char *bloc_result_message(const bloc_result *r) { return r ? r->res.message : NULL; }

static const double *vec(const bloc_result *r, const double *v, int64_t len, int64_t *n) {
  if (n) *n = r ? len : 0;
  return r ? v : NULL;
}

const double *bloc_result_x(const bloc_result *r, int64_t *n) {
  return vec(r, r ? r->res.x : NULL, r ? r->res.nx : 0, n);
}
const double *bloc_result_y(const bloc_result *r, int64_t *n) {
  return vec(r, r ? r->res.y : NULL, r ? r->res.ny : 0, n);
}
const double *bloc_result_best_x(const bloc_result *r, int64_t *n) {
  return vec(r, r ? r->res.best_x : NULL, r ? r->res.nx : 0, n);
}
const double *bloc_result_best_y(const bloc_result *r, int64_t *n) {
  return vec(r, r ? r->res.best_y : NULL, r ? r->res.ny : 0, n);
}

int bloc_result_get(const bloc_result *r, const char *name, double *value) {
  if (!r) return BLOC_ERR_STATE;
  if (!name || !value) return BLOC_ERR_INPUT; /* an argument, as bloc_bind's NULL name */
  for (int i = 0; i < r->nfields; i++)
    if (strcmp(r->names[i], name) == 0) {
      *value = r->values[i];
      return BLOC_OK;
    }
  *value = NAN;
  return BLOC_ERR_INPUT;
}

int bloc_result_field_count(const bloc_result *r) { return r ? r->nfields : 0; }
const char *bloc_result_field(const bloc_result *r, int i) {
  return r && i >= 0 && i < r->nfields ? r->names[i] : NULL;
}
int64_t bloc_result_trace_rows(const bloc_result *r) { return r ? r->nrows : 0; }
int bloc_result_trace_cols(const bloc_result *r) { return r ? r->ncols : 0; }
const char *bloc_result_trace_column(const bloc_result *r, int j) {
  return r && j >= 0 && j < r->ncols ? r->cols[j] : NULL;
}
const double *bloc_result_trace(const bloc_result *r) { return r ? r->trace : NULL; }
const char *bloc_result_summary(const bloc_result *r) { return r ? r->summary : NULL; }
const char *bloc_result_stationarity(const bloc_result *r) {
  return !r ? NULL : r->res.projected ? "projected_gradient" : "gradient";
}
