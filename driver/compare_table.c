/* compare_table.c — the summary table of `bloc compare` on stdout: one row per method with its
 * status, stop reason, steps, time, its own final f and |hypergradient|, the yardstick phi and
 * |grad phi| at its final x, the reports and the oracle counts; the best value of the yardstick's
 * and the reports' columns is marked with '*', and a legend says which numbers are whose. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blo.h"
#include "compare.h"
#include "rt_fmt.h"
#include "rt_output.h"

#define CELL 48

/* Oracle counts shown, in this order; the optional kinds only when a method called them. */
static const int base_kinds[] = {RT_CALL_GRAD_F, RT_CALL_GRAD_G, RT_CALL_HVP, RT_CALL_MIXED};
static const int optional_kinds[] = {RT_CALL_GRAD_X_G, RT_CALL_MIXED_T};
enum { NBASE = sizeof base_kinds / sizeof base_kinds[0],
       MAXCOUNTS = NBASE + sizeof optional_kinds / sizeof optional_kinds[0] };

/* The kinds of the table's count columns into kinds; returns how many. */
static int count_columns(const Compare *cmp, int kinds[MAXCOUNTS]) {
  int n = 0;
  for (int c = 0; c < NBASE; c++) kinds[n++] = base_kinds[c];
  for (size_t c = 0; c < sizeof optional_kinds / sizeof optional_kinds[0]; c++) {
    bool used = false;
    for (int r = 0; r < cmp->nruns; r++)
      used |= cmp->runs[r].state == CMP_RAN && cmp->runs[r].res.calls[optional_kinds[c]] > 0;
    if (used) kinds[n++] = optional_kinds[c];
  }
  return n;
}

/* The value columns: the method's own f and |hypergradient| (never marked: a y off y*(x), an
 * estimate of its own), the yardstick phi and |grad phi| at each final x (when a method has
 * them), then the reports. */
typedef enum ColKind { COL_F, COL_HG, COL_PHI, COL_GRAD_PHI, COL_REPORT } ColKind;

typedef struct ValCol {
  ColKind kind;
  const CmpQuantity *q; /* COL_REPORT's */
  const char *head;
} ValCol;

/* Whether column c's values compete for "best". */
static bool col_marked(const ValCol *c) { return c->kind != COL_F && c->kind != COL_HG; }

/* The final value of column c in run r (NaN when it did not run or has none). */
static double col_value(const ValCol *c, const CmpRun *r) {
  if (r->state != CMP_RAN || r->res.stop == RT_STOP_NONE) return NAN;
  switch (c->kind) {
  case COL_F: return r->res.f;
  case COL_HG: return r->res.hypergrad_norm;
  case COL_PHI: return r->phi_measured ? r->phi.phi : NAN;
  case COL_GRAD_PHI: return r->phi_measured ? r->phi.grad_norm : NAN;
  case COL_REPORT: break;
  }
  int k = c->q->report;
  return k < r->res.n_reports ? r->res.reports[k] : NAN;
}

/* A method's values compete for "best" only when it finished (status 0). */
static bool finished(const CmpRun *r) {
  return r->state == CMP_RAN && r->res.status == RT_STATUS_OK;
}

/* Whether run r's value in column c competes for "best": it finished, and for a report, taken
 * at the run's own y, that y was checked near y*(x) (y_lag, by the yardstick). A y lagging
 * behind y*(x) makes a report lower than at y*(x), as it does f: soba's report of the
 * validation loss on a sampled ridge regression was marked best at its lagging y, while
 * its phi was 11th of 12 (a report's own sampled or not, without the yardstick no y is
 * checked, and no report is marked). */
static bool competes(const ValCol *c, const CmpRun *r) {
  return finished(r) && (c->kind != COL_REPORT || r->y_lag <= CMP_Y_NEAR);
}

/* The best final value of column c among the finished methods; *any is false if none has one. */
static double best_value(const Compare *cmp, const ValCol *c, bool *any) {
  double best = NAN;
  bool max = c->kind == COL_REPORT && c->q->maximize;
  *any = false;
  for (int r = 0; r < cmp->nruns; r++) {
    double v = col_value(c, &cmp->runs[r]);
    if (!competes(c, &cmp->runs[r]) || !isfinite(v)) continue;
    if (!*any || (max ? v > best : v < best)) best = v;
    *any = true;
  }
  return best;
}

/* The value columns into cols (room for cmp->nq + 2); returns how many. The yardstick's
 * columns only when a method has its values. */
static int value_columns(const Compare *cmp, ValCol *cols) {
  int n = 0;
  bool phi = false, projected = false;
  for (int r = 0; r < cmp->nruns; r++) {
    phi |= cmp->runs[r].phi_measured;
    projected |= cmp->runs[r].phi_measured && cmp->runs[r].phi.projected;
  }
  cols[n++] = (ValCol){COL_F, NULL, "f(x,y)"};
  cols[n++] = (ValCol){COL_HG, NULL, "|hypergrad est|"};
  if (phi) {
    cols[n++] = (ValCol){COL_PHI, NULL, "phi(x)"};
    cols[n++] = (ValCol){COL_GRAD_PHI, NULL, projected ? "|x-P(x-grad phi)|" : "|grad phi(x)|"};
  }
  for (int k = 2; k < cmp->nq; k++) cols[n++] = (ValCol){COL_REPORT, &cmp->q[k], cmp->q[k].name};
  return n;
}

static const char *stop_text(const CmpRun *r) {
  if (r->state != CMP_RAN) return "not run";
  if (r->res.stop == RT_STOP_NONE) return "error";
  return rt_stop_name(r->res.stop);
}

/* Below the table, when there are reports: the rule of their marks (competes), and which
 * methods it left out: those whose y was not checked, and those that did not finish (never
 * marked; after an interrupt the note said "every method's is" over a method interrupted,
 * methods not run, and on sampled data where no y can be checked). */
static void print_report_rule(const Compare *cmp, const ValCol *cols, int nval, FILE *out) {
  if (nval == 0 || cols[nval - 1].kind != COL_REPORT) return;
  char left[1024] = "", unfinished[1024] = "";
  int nleft = 0, nchecked = 0, nunfinished = 0;
  for (int r = 0; r < cmp->nruns; r++) {
    const CmpRun *run = &cmp->runs[r];
    if (!finished(run)) {
      size_t len = strlen(unfinished);
      snprintf(unfinished + len, sizeof unfinished - len, "%s%s (%s)", nunfinished ? ", " : "",
               run->label, stop_text(run));
      nunfinished++;
      continue;
    }
    if (run->y_lag <= CMP_Y_NEAR) {
      nchecked++;
      continue;
    }
    size_t len = strlen(left);
    if (run->phi_measured)
      snprintf(left + len, sizeof left - len, "%s%s (%.2g off)", nleft ? ", " : "", run->label,
               run->y_lag);
    else snprintf(left + len, sizeof left - len, "%s%s (no yardstick)", nleft ? ", " : "",
                  run->label);
    nleft++;
  }
  const char *rule = "reports: at each method's own y, which can lag behind y*(x) and make them "
                     "look better than at y*(x)";
  RtPhi none;
  bool yardstick =
      rt_phi_applies(cmp->p, cmp->nonsmooth_op, &none) == 0 || cmp_full_possible(cmp);
  if ((!nchecked && nleft && !strstr(left, " off)")) || (!nchecked && !nleft && !yardstick)) {
    fprintf(out, "%s; without the yardstick no y is checked: not marked\n", rule);
    return;
  }
  if (!nchecked && !nleft)
    fprintf(out, "%s; no method finished: not marked", rule);
  else if (!nleft)
    fprintf(out, "%s; marked where y is within %g x max(1, |y*(x)|) of y*(x): every %s's is",
            rule, CMP_Y_NEAR, nunfinished ? "finished method" : "method");
  else
    fprintf(out, "%s; marked where y is within %g x max(1, |y*(x)|) of y*(x): not %s", rule,
            CMP_Y_NEAR, left);
  if (nunfinished && (nchecked || nleft))
    fprintf(out, "; not finished, so not marked: %s", unfinished);
  fputc('\n', out);
}

/* Below the table: which columns are whose, and why the yardstick is missing where it is (one
 * line when every method lacks it for the same reason). */
static void print_legend(const Compare *cmp, const ValCol *cols, int nval, FILE *out) {
  fprintf(out, "f(x,y), |hypergrad est|: each method's own, at its final x and its own y, which "
               "need not be y*(x): not marked\n");
  /* few-shot MAML: fom's f was the lowest of three (0.537 against itd's 0.559), its MAML
   * objective over all 40 tasks the highest; nothing said the f column was one draw's noise */
  if (blo_program(cmp->c)->stochastic) {
    /* the runs' own eval_draws: one number when they agree, else each method's */
    char draws[512] = "";
    bool same = true;
    for (int r = 1; r < cmp->nruns; r++)
      same = same && rt_opt_num(&cmp->runs[r].opt, "eval_draws") ==
                         rt_opt_num(&cmp->runs[0].opt, "eval_draws");
    for (int r = 0; r < (same ? 1 : cmp->nruns); r++) {
      size_t len = strlen(draws);
      double k = rt_opt_num(&cmp->runs[r].opt, "eval_draws");
      if (same) snprintf(draws, sizeof draws, "%.0f", k);
      else snprintf(draws + len, sizeof draws - len, "%s%s %.0f", r ? ", " : "",
                    cmp->runs[r].label, k);
    }
    bool phi = nval > 2 && cols[2].kind == COL_PHI;
    /* a report over the whole data is taken at each method's own noisy y: on ridge
     * regression it ranked first the method 2nd by phi, and last the best */
    fprintf(out, "f(x,y) on sampled data: the mean over eval_draws draws (%s), so it moves "
                 "from draw to draw; %s\n", draws,
            phi ? "rank methods by phi, over all the data (every sample set whole)"
                : "rank methods by phi at their saved x on all the data (bloc eval --what "
                  "phi on the program with its sample sets whole, batch(N) of N), not by "
                  "reports, which are taken at each method's own noisy y");
  }
  bool phi = nval > 2 && cols[2].kind == COL_PHI;
  if (phi)
    fprintf(out,
            "phi(x) = f(x, y*(x)), %s: the same exact measure at each method's final x, "
            "y*(x) solved by Newton%s\n",
            cols[3].head,
            blo_program(cmp->c)->stochastic ? ", on all the data (every sample set whole)" : "");
  for (int r = 0; r < cmp->nruns && phi; r++) {
    const CmpRun *run = &cmp->runs[r];
    if (run->phi_measured && run->res.saved_best) /* measure_phi's point */
      fprintf(out, "phi(x) of %s: at its best trace point (step %lld), which the failed run "
                   "keeps, as bloc run saves it\n", run->label, (long long)run->res.best_step);
    if (run->phi_measured && run->other_min)
      fprintf(out, "phi(x) of %s: g has several local minimisers in y at its x: Newton from its "
                   "own y reaches one %.3g away from the one it reaches from y0, with g = %.7g "
                   "and f = %.7g there (from y0: g = %.7g, f = %.7g; g is lower at the one "
                   "from %s); phi(x) is f at the one from y0, a local measure, and so are its "
                   "marks\n",
              run->label, run->other_dist, run->other_g, run->other_phi, run->phi.g,
              run->phi.phi, run->other_g < run->phi.g ? "its own y" : "y0");
  }
  const char *why = NULL;
  bool same = true;
  int missing = 0;
  for (int r = 0; r < cmp->nruns; r++) {
    const CmpRun *run = &cmp->runs[r];
    if (run->phi_measured || !run->phi.why[0]) continue;
    same &= !why || strcmp(why, run->phi.why) == 0;
    why = run->phi.why;
    missing++;
  }
  if (!missing) return;
  if (!phi && same) {
    fprintf(out, "phi(x) = f(x, y*(x)) not computed: %s\n", why);
    return;
  }
  for (int r = 0; r < cmp->nruns; r++) {
    const CmpRun *run = &cmp->runs[r];
    if (!run->phi_measured && run->phi.why[0])
      fprintf(out, "phi(x) of %s not computed: %s\n", run->label, run->phi.why);
  }
}

void cmp_print_table(const Compare *cmp, FILE *out) {
  int count_kinds[MAXCOUNTS];
  const int ncounts = count_columns(cmp, count_kinds);
  ValCol *cols = calloc((size_t)cmp->nq + 2, sizeof *cols);
  if (!cols) exit(3);
  const int nval = value_columns(cmp, cols);
  /* a warnings column only when a run warned or recovered: most comparisons have none. A
   * recovery is a warning on stderr too ("... going back to the best iterate ..."), which the
   * result JSON lists apart (recoveries): a table that left them out showed 0 beside runs
   * whose x_step had been halved */
  bool warned = false;
  for (int i = 0; i < cmp->nruns; i++)
    warned |= cmp->runs[i].state == CMP_RAN &&
               cmp->runs[i].res.n_warnings + cmp->runs[i].res.n_recoveries > 0;
  const int nfixed = warned ? 7 : 6, ncols = nfixed + nval + ncounts, nrows = cmp->nruns + 1;
  char(*cell)[CELL] = calloc((size_t)(nrows * ncols), CELL);
  int *width = calloc((size_t)ncols, sizeof(int));
  if (!cell || !width) exit(3);
#define AT(row, col) cell[(row) * ncols + (col)]
  const char *fixed[] = {"method", "status", "stop", "steps", "time (s)", "ms/step", "warnings"};
  for (int c = 0; c < nfixed; c++) snprintf(AT(0, c), CELL, "%s", fixed[c]);
  for (int k = 0; k < nval; k++) snprintf(AT(0, nfixed + k), CELL, "%s", cols[k].head);
  for (int c = 0; c < ncounts; c++)
    snprintf(AT(0, nfixed + nval + c), CELL, "%s", rt_call_names[count_kinds[c]]);

  bool marked = false;
  for (int i = 0; i < cmp->nruns; i++) {
    const CmpRun *r = &cmp->runs[i];
    const RtResult *res = &r->res;
    bool ran = r->state == CMP_RAN, solved = ran && res->stop != RT_STOP_NONE;
    snprintf(AT(i + 1, 0), CELL, "%s", r->label);
    if (ran) snprintf(AT(i + 1, 1), CELL, "%d", res->status);
    else snprintf(AT(i + 1, 1), CELL, "-");
    snprintf(AT(i + 1, 2), CELL, "%s", stop_text(r));
    if (solved) {
      snprintf(AT(i + 1, 3), CELL, "%lld", (long long)res->steps);
      snprintf(AT(i + 1, 4), CELL, "%.3g", res->t_solve);
      if (res->steps > 0)
        snprintf(AT(i + 1, 5), CELL, "%.3g", 1e3 * res->t_solve / (double)res->steps);
      else snprintf(AT(i + 1, 5), CELL, "-");
    } else {
      for (int c = 3; c < 6; c++) snprintf(AT(i + 1, c), CELL, "-");
    }
    /* a method not run has no count: "-" as in its other columns, not 0 */
    if (warned && ran) snprintf(AT(i + 1, 6), CELL, "%d", res->n_warnings + res->n_recoveries);
    else if (warned) snprintf(AT(i + 1, 6), CELL, "-");
    for (int k = 0; k < nval; k++) {
      const ValCol *c = &cols[k];
      double v = col_value(c, r);
      bool any = false;
      double best = col_marked(c) ? best_value(cmp, c, &any) : NAN;
      /* ties at the printed precision are all best: marks never pick between equal numbers */
      char shown[CELL], best_shown[CELL];
      snprintf(shown, CELL, "%.6g", v);
      snprintf(best_shown, CELL, "%.6g", best);
      bool is_best = any && competes(c, r) && isfinite(v) && strcmp(shown, best_shown) == 0;
      marked |= is_best;
      if (v != v) snprintf(AT(i + 1, nfixed + k), CELL, "- ");
      else snprintf(AT(i + 1, nfixed + k), CELL, "%.6g%c", v, is_best ? '*' : ' ');
    }
    for (int c = 0; c < ncounts; c++) {
      if (solved)
        snprintf(AT(i + 1, nfixed + nval + c), CELL, "%llu",
                 (unsigned long long)res->calls[count_kinds[c]]);
      else snprintf(AT(i + 1, nfixed + nval + c), CELL, "-");
    }
  }
  /* quantity headers line up with the digits, not the marks */
  for (int k = 0; k < nval; k++)
    strncat(AT(0, nfixed + k), " ", CELL - strlen(AT(0, nfixed + k)) - 1);
  for (int row = 0; row < nrows; row++)
    for (int c = 0; c < ncols; c++) {
      int len = (int)strlen(AT(row, c));
      if (len > width[c]) width[c] = len;
    }
  for (int row = 0; row < nrows; row++) {
    for (int c = 0; c < ncols; c++) {
      bool left = c < 3;
      const char *sep = c == 0 ? "" : "  ";
      if (c == ncols - 1 && left) fprintf(out, "%s%s", sep, AT(row, c));
      else fprintf(out, left ? "%s%-*s" : "%s%*s", sep, width[c], AT(row, c));
    }
    fputc('\n', out);
  }
  /* the method of each labelled entry (--methods LABEL=METHOD), and its own settings */
  for (int i = 0, n = 0; i < cmp->nruns; i++)
    if (cmp->runs[i].sets)
      fprintf(out, "%s%s is %s%s", n++ ? ", " : "labels: ", cmp->runs[i].label,
              cmp->runs[i].method, cmp->runs[i].sets);
  for (int i = 0; i < cmp->nruns; i++)
    if (cmp->runs[i].sets) {
      fputc('\n', out);
      break;
    }
  print_legend(cmp, cols, nval, out);
  print_report_rule(cmp, cols, nval, out);
  /* named at f32 alone (as bloc run's summary), f64's table as it was */
  if (blo_precision(cmp->c) == BLO_PREC_F32)
    fputs("precision f32: every method ran on the data rounded to float (doc/performance.md, "
          "\"Single precision\")\n",
          out);
  if (warned)
    fprintf(out, "warnings: how many the run gave, its recoveries included, as bloc run gives "
                 "them (%s): its values may not mean what they seem\n",
            cmp->quiet ? "not printed with --quiet" : "on stderr above, after its method's name");
  if (marked) {
    bool any_max = false;
    for (int k = 0; k < cmp->nq; k++) any_max |= cmp->q[k].maximize;
    fprintf(out, "* best of the methods that finished (smallest; %s)\n",
            any_max ? "largest for the --maximize reports"
                    : "use --maximize R for a report R where larger is better");
  }
#undef AT
  free(cell);
  free(width);
  free(cols);
}

/* ",v" as bloc writes every number to a file (rt_fmt_num: the shortest text that reads back
 * as v), or "," for a value the run does not have. */
static void csv_num(FILE *out, double v) {
  char buf[RT_FMT_NUM_LEN];
  fputc(',', out);
  if (isfinite(v)) fputs(rt_fmt_num(v, buf), out);
}

void cmp_write_summary(const Compare *cmp, FILE *out) {
  fputs("method,status,stop,steps,time,f,hypergrad_norm,phi,grad_phi_norm,grad_phi_projected,"
        "phi_note",
        out);
  for (int k = 2; k < cmp->nq; k++) {
    fputc(',', out);
    rt_csv_text(out, cmp->q[k].name);
  }
  for (int c = 0; c < RT_CALL_NKINDS; c++) fprintf(out, ",calls_%s", rt_call_names[c]);
  /* the precision every method ran at (the data are compiled once): a column of its own, last,
   * so that runs at f32 and f64 compared in two summaries tell which is which */
  const char *prec = blo_precision(cmp->c) == BLO_PREC_F32 ? "f32" : "f64";
  fputs(",warnings,recoveries,y_lag,precision\n", out);
  for (int i = 0; i < cmp->nruns; i++) {
    const CmpRun *r = &cmp->runs[i];
    const RtResult *res = &r->res;
    bool ran = r->state == CMP_RAN, solved = ran && res->stop != RT_STOP_NONE;
    rt_csv_text(out, r->label);
    if (ran) fprintf(out, ",%d", res->status);
    else fputc(',', out);
    fprintf(out, ",%s", stop_text(r));
    if (solved) fprintf(out, ",%lld", (long long)res->steps);
    else fputc(',', out);
    csv_num(out, solved ? res->t_solve : NAN);
    csv_num(out, solved ? res->f : NAN);
    csv_num(out, solved ? res->hypergrad_norm : NAN);
    csv_num(out, r->phi_measured ? r->phi.phi : NAN);
    csv_num(out, r->phi_measured ? r->phi.grad_norm : NAN);
    fprintf(out, ",%s", r->phi_measured ? (r->phi.projected ? "1" : "0") : "");
    fputc(',', out);
    if (!r->phi_measured && r->phi.why[0]) rt_csv_text(out, r->phi.why);
    for (int k = 2; k < cmp->nq; k++) {
      int q = cmp->q[k].report;
      csv_num(out, solved && q < res->n_reports ? res->reports[q] : NAN);
    }
    for (int c = 0; c < RT_CALL_NKINDS; c++) {
      if (solved) fprintf(out, ",%llu", (unsigned long long)res->calls[c]);
      else fputc(',', out);
    }
    if (ran) fprintf(out, ",%d,%d", res->n_warnings, res->n_recoveries);
    else fputs(",,", out);
    csv_num(out, r->phi_measured ? r->y_lag : NAN);
    fprintf(out, ",%s\n", prec);
  }
}
