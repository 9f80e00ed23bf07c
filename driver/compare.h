/* compare.h — `bloc compare`, shared between its three files: the runs and the combined CSV
 * (cmd_compare.c), the gnuplot script and plots (compare_plot.c) and the summary table
 * (compare_table.c). Formats are specified in doc/compare.md. */
#ifndef BLOC_COMPARE_H
#define BLOC_COMPARE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "blo_abi.h"
#include "rt_methods.h"
#include "rt_run.h"

/* What the x axis of the plots is (--x-axis); BOTH draws two panels side by side. */
typedef enum CmpAxis { CMP_AXIS_TIME = 1, CMP_AXIS_STEPS = 2, CMP_AXIS_BOTH = 3 } CmpAxis;

/* One quantity that is plotted and tabulated: f, hypergrad_norm, or a report. */
typedef struct CmpQuantity {
  const char *name;   /* trace column name; also names the plot file */
  const char *label;  /* y axis label and plot title */
  int column;         /* index of its column in the trace CSV (0-based) */
  bool by_name;       /* the name finds its column in the CSV (else a report shadows a trace
                         column, e.g. a report called g, and the script uses the number) */
  int report;         /* index in RtResult.reports, or -1 for f and hypergrad_norm */
  bool norm;          /* a norm: always a log scale */
  bool maximize;      /* larger is better (--maximize); else smaller */
  bool log;           /* log scale, decided from the data (compare_plot.c) */
  char *svg;          /* path of its plot (owned); NULL when it has none */
} CmpQuantity;

/* What one run's trace held for one quantity: decides the scale and which methods appear. */
typedef struct CmpStats {
  int64_t n_finite, n_positive;
  double min_positive, max_finite;
} CmpStats;

typedef enum CmpRunState { CMP_NOT_RUN, CMP_RAN } CmpRunState;

/* One method's run. */
typedef struct CmpRun {
  const char *method;
  RtOptions opt;
  CmpRunState state;
  RtResult res;       /* valid when state == CMP_RAN (freed by cmp_free) */
  int64_t rows;       /* trace rows merged into the CSV */
  CmpStats *stats;    /* one per quantity */
} CmpRun;

typedef struct Compare {
  const BloProblem *p;
  CmpRun *runs;
  int nruns;
  CmpQuantity *q;     /* f, hypergrad_norm, then every report in declaration order */
  int nq;
  char *csv_path;     /* PREFIX.csv */
  char *gp_path;      /* PREFIX.gp */
  char *prefix;       /* PREFIX: the directory of the outputs and the base of their names */
  int time_column;    /* of the trace */
  double time_max;    /* largest trace time (s), to pick the unit of the time axis */
  CmpAxis axis;
  bool quiet;
} Compare;

/* Write PREFIX.gp (plots of every quantity with data, one line per method) and run gnuplot on
 * it when bloc knows one (configure's BLOC_GNUPLOT, or the environment variable BLOC_GNUPLOT;
 * empty: no plots). Sets q->svg for the plots made. A missing gnuplot is a note, a failing one a
 * warning. Returns 0, or 1 after an error writing the script. */
int cmp_plot(Compare *cmp);

/* The first control byte (newline, tab, ESC, ...) in the file name part of PREFIX, or -1. The
 * name goes into the gnuplot script (`set output 'NAME_f.svg'`, comments), where a newline
 * would end the line and start a command of the caller's choosing (gnuplot runs `system`),
 * so such a prefix is refused. Quotes are fine: they are doubled inside gnuplot strings. */
int cmp_plot_bad_byte(const char *prefix);

/* Print the summary table (one row per method, best values marked) on out. */
void cmp_print_table(const Compare *cmp, FILE *out);

/* The final value of quantity q in run r (NaN when it did not run or has none). */
double cmp_final_value(const CmpRun *r, const CmpQuantity *q);

#endif
