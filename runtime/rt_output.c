/* rt_output.c — trace CSV, result JSON, saved vectors (rt_output.h). */
#include "rt_output.h"
#include "rt_fmt.h"
#include "rt_outfile.h"
#include "rt_data.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rt_linalg.h"
#include "rt_mpi.h"

/* Columns with oracle counts in the trace: every kind but reports (always diagnostic). */
static const int trace_kinds[] = {RT_CALL_F, RT_CALL_G, RT_CALL_GRAD_F, RT_CALL_GRAD_G, RT_CALL_HVP,
                                  RT_CALL_MIXED, RT_CALL_INIT, RT_CALL_INIT_VJP,
                                  RT_CALL_GRAD_X_G, RT_CALL_MIXED_T};
#define NTRACE_KINDS (int)(sizeof trace_kinds / sizeof trace_kinds[0])

/* The shortest %.Ng (N = 15..17) that reads back as the same double: exact, and 0.1 prints as
 * 0.1 rather than 0.10000000000000001. Non-finite values print as nan / inf / -inf (rt_fmt_num:
 * glibc's %g printed a NaN with its sign bit set, as log of a negative number gives, "-nan") */
static void put_num(FILE *f, double v) {
  char buf[RT_FMT_NUM_LEN];
  fputs(rt_fmt_num(v, buf), f);
}

static void csv_num(FILE *f, double v) {
  if (isnan(v)) return; /* empty cell: not computed */
  put_num(f, v);
}

RT_API void rt_csv_text(FILE *f, const char *s) {
  if (!strpbrk(s, ",\"\n\r")) {
    fputs(s, f);
    return;
  }
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"') fputc('"', f);
    fputc(*s, f);
  }
  fputc('"', f);
}

/* The fixed columns before the reports; the oracle counts come after them. */
static const char *const trace_fixed[] = {"step",          "time",           "f",
                                          "g",             "grad_y_g_norm",  "hypergrad_norm",
                                          "residual",      "ritz_min",       "ritz_max"};
#define NTRACE_FIXED (int)(sizeof trace_fixed / sizeof trace_fixed[0])
static const char *const trace_calls[] = {
    "calls_f", "calls_g", "calls_grad_f", "calls_grad_g", "calls_hvp", "calls_mixed",
    "calls_init", "calls_init_vjp", "calls_grad_x_g", "calls_mixed_t"};

RT_API void rt_trace_header(FILE *f, const BloProblem *p) {
  fputs("step,time,f,g,grad_y_g_norm,hypergrad_norm,residual,ritz_min,ritz_max", f);
  for (int i = 0; i < p->n_reports; i++) {
    fputc(',', f);
    rt_csv_text(f, p->report_names && p->report_names[i] ? p->report_names[i] : "report");
  }
  for (int i = 0; i < NTRACE_KINDS; i++) fprintf(f, ",%s", trace_calls[i]);
  fputc('\n', f);
}

RT_API void rt_trace_row(FILE *f, int64_t step, double time, const RtDiagValues *dv, double hg_norm,
                  const RtSolver *s) {
  fprintf(f, "%lld,%.6f,", (long long)step, time);
  /* Non-finite values other than "not computed" still print (nan, inf) so failures show. */
  put_num(f, dv->f);
  fputc(',', f);
  put_num(f, dv->g);
  fputc(',', f);
  put_num(f, dv->gy_norm);
  fputc(',', f);
  csv_num(f, hg_norm);
  fputc(',', f);
  csv_num(f, dv->residual);
  fputc(',', f);
  csv_num(f, dv->ritz_min);
  fputc(',', f);
  csv_num(f, dv->ritz_max);
  for (int i = 0; i < s->p->n_reports; i++) {
    fputc(',', f);
    put_num(f, dv->reports[i]);
  }
  for (int i = 0; i < NTRACE_KINDS; i++)
    fprintf(f, ",%llu", (unsigned long long)s->o.calls[trace_kinds[i]]);
  fputc('\n', f);
}

RT_API int rt_trace_ncols(const BloProblem *p) {
  return NTRACE_FIXED + p->n_reports + NTRACE_KINDS;
}

RT_API const char *rt_trace_column(const BloProblem *p, int i) {
  if (i < 0 || i >= rt_trace_ncols(p)) return NULL;
  if (i < NTRACE_FIXED) return trace_fixed[i];
  i -= NTRACE_FIXED;
  if (i < p->n_reports) return p->report_names && p->report_names[i] ? p->report_names[i]
                                                                    : "report";
  return trace_calls[i - p->n_reports];
}

RT_API void rt_trace_values(double *row, int64_t step, double time, const RtDiagValues *dv,
                            double hg_norm, const RtSolver *s) {
  double fixed[NTRACE_FIXED] = {(double)step, time,     dv->f,        dv->g,       dv->gy_norm,
                                hg_norm,      dv->residual, dv->ritz_min, dv->ritz_max};
  int n = 0;
  for (int i = 0; i < NTRACE_FIXED; i++) row[n++] = fixed[i];
  for (int i = 0; i < s->p->n_reports; i++) row[n++] = dv->reports[i];
  for (int i = 0; i < NTRACE_KINDS; i++) row[n++] = (double)s->o.calls[trace_kinds[i]];
}

static void json_str(FILE *f, const char *s) {
  fputc('"', f);
  for (; s && *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
    else if (c == '\n') fputs("\\n", f);
    else if (c == '\t') fputs("\\t", f);
    else if (c < 0x20) fprintf(f, "\\u%04x", c);
    else fputc(c, f);
  }
  fputc('"', f);
}

static void json_num(FILE *f, double v) {
  if (!isfinite(v)) fputs("null", f);
  else put_num(f, v);
}

static void json_vec(FILE *f, int64_t n, const double *x) {
  fputc('[', f);
  for (int64_t i = 0; i < n; i++) {
    if (i) fputs(", ", f);
    json_num(f, x[i]);
  }
  fputc(']', f);
}

static void json_reports(FILE *f, const BloProblem *p, int n, const double *v) {
  fputc('{', f);
  for (int i = 0; i < n; i++) {
    fputs(i ? ", " : "", f);
    json_str(f, p->report_names && p->report_names[i] ? p->report_names[i] : "report");
    fputs(": ", f);
    json_num(f, v[i]);
  }
  fputc('}', f);
}

/* The point (x, y) itself, each vector with at most json_vector_max elements, after sep (the
 * separator and indent of the object it is in). */
static void json_xy(FILE *f, const char *sep, const double *x, const double *y, const RtResult *res,
                    const RtRunConfig *cfg) {
  if (res->nx <= cfg->json_vector_max) {
    fprintf(f, "%s\"x\": ", sep);
    json_vec(f, res->nx, x);
  }
  if (res->ny <= cfg->json_vector_max) {
    fprintf(f, "%s\"y\": ", sep);
    json_vec(f, res->ny, y);
  }
}

/* "best": the best trace point beside the final values; "saved": which one --save-x/-y hold;
 * "recoveries": what on_divergence = halve did. */
static void json_best(FILE *f, const BloProblem *p, const RtResult *res, const RtRunConfig *cfg) {
  fputs(",\n  \"best\": ", f);
  if (res->best_step < 0) {
    fputs("null", f);
  } else {
    fprintf(f, "{\"step\": %lld, \"by\": ", (long long)res->best_step);
    json_str(f, res->best_by);
    static const char *const names[] = {"f", "g", "grad_y_g_norm", "hypergrad_norm"};
    const double vals[] = {res->best_f, res->best_g, res->best_grad_y_g_norm,
                           res->best_hypergrad_norm};
    for (int i = 0; i < 4; i++) {
      fprintf(f, ", \"%s\": ", names[i]);
      json_num(f, vals[i]);
    }
    fputs(",\n    \"reports\": ", f);
    json_reports(f, p, res->n_reports, res->best_reports);
    fputs(", \"x_norm\": ", f);
    json_num(f, rt_nrm2(res->nx, res->best_x));
    fputs(", \"y_norm\": ", f);
    json_num(f, rt_nrm2(res->ny, res->best_y));
    json_xy(f, ",\n    ", res->best_x, res->best_y, res, cfg);
    fputc('}', f);
  }
  fprintf(f, ",\n  \"saved\": \"%s\",\n  \"recoveries\": [", res->saved_best ? "best" : "last");
  for (int i = 0; i < res->n_recoveries; i++) {
    const RtRecovery *rc = &res->recoveries[i];
    fprintf(f, "%s{\"step\": %lld, \"from_step\": %lld, \"x_step\": ", i ? ",\n    " : "\n    ",
            (long long)rc->step, (long long)rc->from_step);
    json_num(f, rc->x_step);
    fputs(", \"y_step\": ", f);
    json_num(f, rc->y_step);
    fputs(", \"eta\": ", f);
    json_num(f, rc->eta);
    fputs(", \"reason\": ", f);
    json_str(f, rc->reason);
    fputc('}', f);
  }
  fputs(res->n_recoveries ? "\n  ]" : "]", f);
}

static void json_calls(FILE *f, const uint64_t *calls) {
  fputc('{', f);
  for (int i = 0; i < RT_CALL_NKINDS; i++)
    fprintf(f, "%s\"%s\": %llu", i ? ", " : "", rt_call_names[i], (unsigned long long)calls[i]);
  fputc('}', f);
}

RT_API void rt_result_json(FILE *f, const RtSolver *s, const RtResult *res,
                           const RtRunConfig *cfg) {
  const BloProblem *p = s->p;
  const RtOptions *o = &s->opt;
  fputs("{\n  \"problem\": ", f);
  json_str(f, p->name ? p->name : "");
  fputs(",\n  \"method\": ", f);
  json_str(f, o->method->name);
  fputs(",\n  \"options\": {", f);
  /* the options the method uses, an alias pair once (r, not also inner_steps) */
  bool first = true;
  for (int i = 0; i < o->method->nopts; i++) {
    const RtOptSpec *sp = &o->method->opts[i];
    if (!rt_method_shows_option(o->method, sp->name)) continue;
    fprintf(f, "%s\n    ", first ? "" : ",");
    first = false;
    json_str(f, sp->name);
    fputs(": ", f);
    /* a yes/no word as a JSON boolean: the string "false" is true in a script's `if` */
    bool yes_no = sp->words && strcmp(sp->words, "false|true") == 0;
    if (o->word[i][0] && yes_no) fputs(strcmp(o->word[i], "true") == 0 ? "true" : "false", f);
    else if (o->word[i][0]) json_str(f, o->word[i]);
    else if (sp->kind == RT_OPT_INT) fprintf(f, "%.0f", o->num[i]);
    else json_num(f, o->num[i]);
  }
  fputs("\n  },", f);
  if (s->ystep.on) { /* the value y_step = auto chose last, and what it came from */
    fputs("\n  \"y_step_auto\": {\"y_step\": ", f);
    json_num(f, s->y_step);
    fputs(", \"L\": ", f);
    json_num(f, s->ystep.L);
    fputs(", \"ritz_max\": ", f);
    json_num(f, s->ystep.ritz_max);
    fputs(", \"ritz_min\": ", f);
    json_num(f, s->ystep.ritz_min);
    fprintf(f, ", \"safety\": %g, \"scale\": %g, \"lanczos_steps\": %d, \"estimates\": %d},",
            RT_YSTEP_SAFETY, s->ystep.scale, s->ystep.steps, s->ystep.estimates);
  }
  fprintf(f, "\n  \"status\": %d,\n  \"stop_reason\": ", res->status);
  json_str(f, rt_stop_name(res->stop));
  fputs(",\n  \"message\": ", f);
  json_str(f, res->message);
  fprintf(f, ",\n  \"steps\": %lld,\n  \"seed\": %llu,\n", (long long)res->steps,
          (unsigned long long)res->seed);
  static const char *const names[] = {"f",        "g",        "grad_y_g_norm", "hypergrad_norm",
                                      "residual", "ritz_min", "ritz_max"};
  const double vals[] = {res->f,        res->g,        res->grad_y_g_norm, res->hypergrad_norm,
                         res->residual, res->ritz_min, res->ritz_max};
  for (int i = 0; i < 7; i++) {
    fprintf(f, "  \"%s\": ", names[i]);
    json_num(f, vals[i]);
    fputs(",\n", f);
  }
  /* with constraints on x, hypergrad_norm is |x - P(x - d)| (doc/methods.md) */
  if (s->xs.constrained) fputs("  \"stationarity\": \"projected_gradient\",\n", f);
  fputs("  \"reports\": ", f);
  json_reports(f, p, res->n_reports, res->reports);
  fprintf(f, ",\n  \"nx\": %lld,\n  \"ny\": %lld,\n  \"x_norm\": ", (long long)res->nx,
          (long long)res->ny);
  json_num(f, rt_nrm2(res->nx, res->x));
  fputs(",\n  \"y_norm\": ", f);
  json_num(f, rt_nrm2(res->ny, res->y));
  json_xy(f, ",\n  ", res->x, res->y, res, cfg);
  json_best(f, p, res, cfg);
  fputs(",\n  \"oracle_calls\": ", f);
  json_calls(f, res->calls);
  fputs(",\n  \"diagnostic_calls\": ", f);
  json_calls(f, res->diag_calls);
  fputs(",\n  \"oracle_seconds\": {", f);
  for (int i = 0; i < RT_CALL_NKINDS; i++) {
    fprintf(f, "%s\"%s\": ", i ? ", " : "", rt_call_names[i]);
    json_num(f, s->o.seconds[i]);
  }
  if (s->o.sharded && rt_mpi_size() > 1) { /* data-parallel: what one rank communicated */
    fprintf(f, "},\n  \"ranks\": %d,\n  \"allreduce_bytes\": ", rt_mpi_size());
    json_calls(f, s->o.mpi_bytes);
    fputs(",\n  \"allgather_bytes\": ", f);
    json_calls(f, s->o.gather_bytes);
    fputs(",\n  \"method_stats\": {", f);
  } else {
    fputs("},\n  \"method_stats\": {", f);
  }
  for (int i = 0; i < s->nstats; i++) {
    fprintf(f, "%s\"%s\": ", i ? ", " : "", s->stat_names[i]);
    json_num(f, s->stats[i]);
  }
  fputs("},\n  \"warnings\": [", f);
  for (int i = 0; i < s->nwarn; i++) {
    fputs(i ? ",\n    " : "\n    ", f);
    fprintf(f, "{\"text\": ");
    json_str(f, s->warn[i].text);
    fprintf(f, ", \"count\": %llu}", (unsigned long long)s->warn[i].count);
  }
  fprintf(f, "%s],\n  \"memory_bytes\": %zu,\n  \"time\": {\"setup\": ", s->nwarn ? "\n  " : "",
          s->alloc_bytes);
  json_num(f, res->t_setup);
  fputs(", \"solve\": ", f);
  json_num(f, res->t_solve);
  fputs(", \"diagnostics\": ", f);
  json_num(f, res->t_diag);
  fputs(", \"output\": ", f);
  json_num(f, res->t_output);
  fputs(", \"total\": ", f);
  json_num(f, res->t_total);
  fputs("}", f);
  if (cfg->t_data >= 0) { /* before the run: filled by the driver */
    fputs(",\n  \"compile\": {\"data\": ", f);
    json_num(f, cfg->t_data);
    fputs(", \"compile\": ", f);
    json_num(f, cfg->t_compile);
    fprintf(f, ", \"jit_parts\": %d, \"jit_cached\": %d, \"jit_overlapped\": %d}", cfg->jit_parts,
            cfg->jit_cached, cfg->jit_overlapped);
  }
  if (cfg->bloc_version) {
    fputs(",\n  \"program\": {\"file\": ", f);
    if (cfg->program_file) json_str(f, cfg->program_file);
    else fputs("null", f);
    fputs(", \"defines\": {", f);
    /* a name given again (-D x0=1 -D x0=2) once, with the value that won, the last: a JSON
     * object's names are unique (RFC 8259), and a reader may keep the first */
    bool any = false;
    for (int i = 0; i < cfg->ndefines; i++) {
      bool later = false;
      for (int j = i + 1; j < cfg->ndefines && !later; j++)
        later = strcmp(cfg->define_names[i], cfg->define_names[j]) == 0;
      if (later) continue;
      fputs(any ? ", " : "", f);
      any = true;
      json_str(f, cfg->define_names[i]);
      fputs(": ", f);
      json_num(f, cfg->define_values[i]);
    }
    fputs("}, \"data\": {", f); /* --data NAME=FILE, the last of a name as for defines */
    any = false;
    for (int i = 0; i < cfg->ndata_files; i++) {
      bool later = false;
      for (int j = i + 1; j < cfg->ndata_files && !later; j++)
        later = strcmp(cfg->data_names[i], cfg->data_names[j]) == 0;
      if (later) continue;
      fputs(any ? ", " : "", f);
      any = true;
      json_str(f, cfg->data_names[i]);
      fputs(": ", f);
      json_str(f, cfg->data_paths[i]);
    }
    fprintf(f, "}, \"data_seed\": %llu, \"bloc\": ", (unsigned long long)cfg->data_seed);
    json_str(f, cfg->bloc_version);
    fputc('}', f);
  }
  fputs("\n}\n", f);
}

/* x as numpy.save writes a float64 vector (NPY 1.0): the magic and version, the header's
 * length, a dict padded with spaces to a multiple of 64 bytes with the magic and ending in a
 * newline, then the values little-endian whatever the host's order. A text file under a .npy
 * name, as --save-x x.npy wrote, was refused by np.load. */
static void put_npy(FILE *f, int64_t n, const double *x) {
  char dict[96];
  int len = snprintf(dict, sizeof dict, "{'descr': '<f8', 'fortran_order': False, 'shape': "
                     "(%lld,), }", (long long)n);
  int pad = (64 - (10 + len + 1) % 64) % 64, hlen = len + pad + 1;
  fwrite("\x93NUMPY\x01\x00", 1, 8, f);
  fputc(hlen & 0xff, f);
  fputc(hlen >> 8, f);
  fprintf(f, "%s%*s\n", dict, pad, "");
  for (int64_t i = 0; i < n; i++) {
    uint64_t u;
    unsigned char b[8];
    memcpy(&u, &x[i], sizeof u);
    for (int k = 0; k < 8; k++) b[k] = (unsigned char)(u >> (8 * k));
    fwrite(b, 1, sizeof b, f);
  }
}

RT_API int rt_save_vector(RtOutFile *o, const char *path, int64_t n, const double *x) {
  if (!o->f && rt_outfile_open(o, path, NULL, 0)) return -1;
  if (rt_path_is_npy(path)) {
    put_npy(o->f, n, x);
    return rt_outfile_commit(o, path, NULL, 0);
  }
  char buf[RT_FMT_NUM_LEN];
  /* %.17g as always for finite numbers; "nan", never glibc's "-nan", for the others */
  for (int64_t i = 0; i < n; i++)
    fprintf(o->f, "%s\n", isfinite(x[i]) ? (snprintf(buf, sizeof buf, "%.17g", x[i]), buf)
                                         : rt_fmt_num(x[i], buf));
  return rt_outfile_commit(o, path, NULL, 0);
}

RT_API FILE *rt_summary_stream(const RtRunConfig *cfg) {
  const char *outs[] = {cfg->trace_path, cfg->out_path, cfg->save_x_path, cfg->save_y_path};
  for (size_t i = 0; i < sizeof outs / sizeof outs[0]; i++)
    if (outs[i] && strcmp(outs[i], "-") == 0) return stderr;
  return stdout;
}

/* A |hypergradient| of the summary: none is estimated before the first outer step (the JSON
 * says null), which is not a NaN the run produced. */
static const char *hypergrad_str(double v, int64_t step, char buf[RT_FMT_NUM_LEN]) {
  if (isnan(v) && step == 0) return "n/a (no outer step)";
  return rt_fmt_g(v, 4, buf);
}

RT_API void rt_print_summary(FILE *out, const BloProblem *p, const RtResult *r) {
  char hg[RT_FMT_NUM_LEN], f[RT_FMT_NUM_LEN], g[RT_FMT_NUM_LEN], gy[RT_FMT_NUM_LEN];
  /* the precision where runs are compared: named at f32 alone, f64's line as it was */
  bool f32 = r->precision && strcmp(r->precision, "f32") == 0;
  /* outer_steps spent on a last step that failed and went back (check_ended_on_recovery):
   * the steps taken, and whose iterate the result is. "after 1 outer steps" was neither, for
   * outer_steps = 2 with a recovery at step 2 back to step 0 (r->steps: the last step done) */
  const RtRecovery *last = r->n_recoveries > 0 ? &r->recoveries[r->n_recoveries - 1] : NULL;
  char back[96] = "";
  int64_t steps = r->steps;
  if (r->stop == RT_STOP_STEPS && last && last->step > r->steps) {
    steps = last->step;
    snprintf(back, sizeof back, " (the last failed: the result is the iterate of step %lld)",
             (long long)last->from_step);
  }
  fprintf(out, "%s: %s stopped (%s) after %lld outer steps%s in %.3g s%s\n", p->name, r->method,
          rt_stop_name(r->stop), (long long)steps, back, r->t_total,
          f32 ? " (precision f32)" : "");
  /* on a constrained x the norm is the projected step's, which only the JSON's "stationarity"
   * said: a user read |hypergradient| = 0 at a vertex as a zero gradient */
  const char *proj = r->projected ? " (projected: |x - P(x - d)|)" : "";
  fprintf(out, "  f = %s  g = %s  |grad_y g| = %s  |hypergradient| = %s%s\n",
          rt_fmt_g(r->f, 10, f), rt_fmt_g(r->g, 10, g), rt_fmt_g(r->grad_y_g_norm, 4, gy),
          hypergrad_str(r->hypergrad_norm, r->steps, hg), proj);
  /* a minibatch run's f read as the objective's (3.11 where all the data gives 2.45) */
  if (r->eval_draws > 0)
    fprintf(out, "  (minibatch values: f, g and |grad_y g| are means over eval_draws = %d draws, "
            "|hypergradient| one draw's; bloc eval --what phi gives phi over all the data%s%s)\n",
            r->eval_draws, r->full_twin ? " " : "", r->full_twin ? r->full_twin : "");
  if (r->residual == r->residual) fprintf(out, "  residual |A v - b| = %.4g\n", r->residual);
  if (r->ritz_min == r->ritz_min)
    fprintf(out, "  lower Hessian eigenvalue estimates (Ritz values): [%.6g, %.6g]\n", r->ritz_min,
            r->ritz_max);
  for (int i = 0; i < r->n_reports; i++)
    fprintf(out, "  %s = %s\n", p->report_names[i], rt_fmt_g(r->reports[i], 10, f));
  for (int i = 0; i < r->n_recoveries; i++) {
    const RtRecovery *rc = &r->recoveries[i];
    fprintf(out, "  recovery at step %lld: back to step %lld, x_step = %.4g", (long long)rc->step,
            (long long)rc->from_step, rc->x_step);
    const RtMethodSpec *m = r->method ? rt_method_find(r->method) : NULL;
    if (isfinite(rc->y_step)) /* an unrolled method's y_step is its inner_lr */
      fprintf(out, ", %s = %.4g", m && m->unrolled ? "inner_lr" : "y_step", rc->y_step);
    /* an eta of its own (one that follows y_step is y_step's) */
    if (isfinite(rc->eta) && rc->eta != rc->y_step) fprintf(out, ", eta = %.4g", rc->eta);
    fputc('\n', out);
  }
  if (r->best_step >= 0 && (r->saved_best || r->stop == RT_STOP_NUMERICAL))
    fprintf(out, "  best trace point: step %lld  f = %.10g  |hypergradient| = %s%s%s\n",
            (long long)r->best_step, r->best_f,
            hypergrad_str(r->best_hypergrad_norm, r->best_step, hg),
            r->projected ? " (projected)" : "", r->saved_best ? " (the saved iterate)" : "");
  fprintf(out, "  oracle calls:");
  for (int k = 0; k < RT_CALL_NKINDS; k++)
    if (r->calls[k]) fprintf(out, " %s %llu", rt_call_names[k], (unsigned long long)r->calls[k]);
  fprintf(out, "\n");
}
