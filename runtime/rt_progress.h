/* rt_progress.h — the progress line of a run (rt_run.c): what it says, formatted to fit a
 * terminal's width, and that width. */
#ifndef BLOC_RT_PROGRESS_H
#define BLOC_RT_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rt_api.h"

/* What one progress line shows. */
typedef struct RtProgressLine {
  const char *method;
  int64_t done, total;          /* outer steps */
  double f;
  double hg;                    /* |hypergradient|; shown as "-" before the first step */
  int n_reports;
  const char *const *report_names; /* NULL entries print as "report" */
  const double *reports;
  double elapsed, eta;          /* seconds; eta NaN: unknown ("?") */
  bool last;                    /* the final line: no ETA */
} RtProgressLine;

/* Format the line into buf[n] and return its length. width > 0: at most width - 1 characters
 * (the last column is left free so that the terminal never wraps, which would leave a line
 * behind at every refresh): reports are dropped from the right first, then "elapsed" (the ETA
 * stays), then the ETA, then the line is cut. width <= 0: no limit (lines written to a file). */
RT_API size_t rt_progress_format(char *buf, size_t n, const RtProgressLine *pl, int width);

/* The width of the terminal f writes to (TIOCGWINSZ), else $COLUMNS, else 80. */
RT_API int rt_term_width(FILE *f);

#endif
