/* compare_table.c — the summary table of `bloc compare` on stdout: one row per method with its
 * status, stop reason, steps, time, final f, |hypergradient|, reports and oracle counts; the
 * best value of each quantity column is marked with '*'. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"

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

double cmp_final_value(const CmpRun *r, const CmpQuantity *q) {
  if (r->state != CMP_RAN || r->res.stop == RT_STOP_NONE) return NAN;
  if (q->report >= 0) return q->report < r->res.n_reports ? r->res.reports[q->report] : NAN;
  return strcmp(q->name, "f") == 0 ? r->res.f : r->res.hypergrad_norm;
}

/* A method's values compete for "best" only when it finished (status 0). */
static bool finished(const CmpRun *r) {
  return r->state == CMP_RAN && r->res.status == RT_STATUS_OK;
}

/* The best final value of quantity q among the finished methods; *any is false if none has one. */
static double best_value(const Compare *cmp, const CmpQuantity *q, bool *any) {
  double best = NAN;
  *any = false;
  for (int r = 0; r < cmp->nruns; r++) {
    double v = cmp_final_value(&cmp->runs[r], q);
    if (!finished(&cmp->runs[r]) || !isfinite(v)) continue;
    if (!*any || (q->maximize ? v > best : v < best)) best = v;
    *any = true;
  }
  return best;
}

static const char *stop_text(const CmpRun *r) {
  if (r->state != CMP_RAN) return "not run";
  if (r->res.stop == RT_STOP_NONE) return "error";
  return rt_stop_name(r->res.stop);
}

void cmp_print_table(const Compare *cmp, FILE *out) {
  int count_kinds[MAXCOUNTS];
  const int ncounts = count_columns(cmp, count_kinds);
  const int nfixed = 6, ncols = nfixed + cmp->nq + ncounts, nrows = cmp->nruns + 1;
  char(*cell)[CELL] = calloc((size_t)(nrows * ncols), CELL);
  int *width = calloc((size_t)ncols, sizeof(int));
  if (!cell || !width) exit(3);
#define AT(row, col) cell[(row) * ncols + (col)]
  const char *fixed[] = {"method", "status", "stop", "steps", "time (s)", "ms/step"};
  for (int c = 0; c < nfixed; c++) snprintf(AT(0, c), CELL, "%s", fixed[c]);
  for (int k = 0; k < cmp->nq; k++)
    snprintf(AT(0, nfixed + k), CELL, "%s", k == 0 ? "f" : k == 1 ? "|hypergrad|" : cmp->q[k].name);
  for (int c = 0; c < ncounts; c++)
    snprintf(AT(0, nfixed + cmp->nq + c), CELL, "%s", rt_call_names[count_kinds[c]]);

  bool marked = false;
  for (int i = 0; i < cmp->nruns; i++) {
    const CmpRun *r = &cmp->runs[i];
    const RtResult *res = &r->res;
    bool ran = r->state == CMP_RAN, solved = ran && res->stop != RT_STOP_NONE;
    snprintf(AT(i + 1, 0), CELL, "%s", r->method);
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
      for (int c = 3; c < nfixed; c++) snprintf(AT(i + 1, c), CELL, "-");
    }
    for (int k = 0; k < cmp->nq; k++) {
      const CmpQuantity *q = &cmp->q[k];
      double v = cmp_final_value(r, q);
      bool any;
      double best = best_value(cmp, q, &any);
      /* ties at the printed precision are all best: marks never pick between equal numbers */
      char shown[CELL], best_shown[CELL];
      snprintf(shown, CELL, "%.6g", v);
      snprintf(best_shown, CELL, "%.6g", best);
      bool is_best = any && finished(r) && isfinite(v) && strcmp(shown, best_shown) == 0;
      marked |= is_best;
      if (v != v) snprintf(AT(i + 1, nfixed + k), CELL, "- ");
      else snprintf(AT(i + 1, nfixed + k), CELL, "%.6g%c", v, is_best ? '*' : ' ');
    }
    for (int c = 0; c < ncounts; c++) {
      if (solved)
        snprintf(AT(i + 1, nfixed + cmp->nq + c), CELL, "%llu",
                 (unsigned long long)res->calls[count_kinds[c]]);
      else snprintf(AT(i + 1, nfixed + cmp->nq + c), CELL, "-");
    }
  }
  /* quantity headers line up with the digits, not the marks */
  for (int k = 0; k < cmp->nq; k++)
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
}
