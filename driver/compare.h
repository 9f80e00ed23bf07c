/* compare.h — `bloc compare`, shared between its three files: the runs and the combined CSV
 * (cmd_compare.c), the gnuplot script and plots (compare_plot.c) and the summary table
 * (compare_table.c). Formats are specified in doc/compare.md. */
#ifndef BLOC_COMPARE_H
#define BLOC_COMPARE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "blo_abi.h"
#include "rt_hypergrad.h"
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
  bool log_positive;  /* f or a norm: a log scale whenever all its values are positive (else a
                         report: only when they also span two decades) */
  bool maximize;      /* larger is better (--maximize); else smaller */
  bool log;           /* log scale, decided from the data (compare_plot.c) */
  char *plot;         /* PREFIX_<name>, its plot files without the extension (owned); NULL
                         when it has none */
} CmpQuantity;

/* What one run's trace held for one quantity: decides the scale, the y range and which methods
 * appear. The "later" fields leave out the run's first trace point (step 0). */
typedef struct CmpStats {
  int64_t n_finite, n_positive;
  double min_positive, min_finite, max_finite;
  int64_t n_later;
  double min_later, max_later;
} CmpStats;

/* The plot file formats (--plot-format), a set of bits. */
enum { CMP_SVG = 1, CMP_PNG = 2, CMP_PDF = 4, CMP_ALL_FORMATS = 7 };

typedef enum CmpRunState { CMP_NOT_RUN, CMP_RAN } CmpRunState;

/* A y this close to y*(x) (relative, CMP_Y_NEAR x max(1, |y*(x)|)) gives reports of modest
 * slope in y within about the last of the table's six digits of their value at y*(x). */
#define CMP_Y_NEAR 1e-6
/* A run's y this far from the yardstick's y*(x) (relative, as CMP_Y_NEAR) is measured from
 * too: Newton from it may reach another minimiser of g (measure_phi) */
#define CMP_Y_OTHER 1e-3

/* The longest label of --methods (LABEL=METHOD): it must fit the table's cells. */
#define CMP_LABEL_MAX 32

/* One entry of --methods: a method run under a label. */
typedef struct CmpRun {
  const char *label;  /* its name in every output (CSVs, plots, table, messages) and in --set
                         LABEL.key: LABEL of LABEL=METHOD, else the method's name */
  const char *method;
  char *sets;         /* " (--set LABEL.k=v, ...)" of a labelled entry, for the line under the
                         table (malloc'ed; NULL when the label is the method's name) */
  RtOptions opt;
  CmpRunState state;
  RtResult res;       /* valid when state == CMP_RAN (freed by cmp_free) */
  /* The common yardstick at its final x (rt_phi_exact): valid when phi_measured; else
   * phi.why says why not, or is "" when it was not tried. */
  RtPhi phi;
  bool phi_measured;
  /* |y - y*(x)| / max(1, |y*(x)|) of the run's own y, the yardstick's y*(x): NaN without
   * the yardstick. Its reports (taken at its own y) compete for the table's marks only when
   * this is at most CMP_Y_NEAR. */
  double y_lag;
  /* Newton from the run's own y (where y_lag is over CMP_Y_OTHER) reached another minimiser of
   * g than the yardstick's from y0, over CMP_Y_OTHER from it, with another g or phi there:
   * its distance from the yardstick's y*(x), and g and phi there (other_min) */
  bool other_min;
  double other_dist, other_g, other_phi;
  int64_t rows;       /* trace rows merged into the CSV */
  CmpStats *stats;    /* one per quantity */
} CmpRun;

typedef struct Compare {
  const BloProblem *p;
  struct BloCompiled *c; /* its compile: outputs must not replace its inputs
                            (blo_output_replaces_input); the full variant's reason is left in it */
  CmpRun *runs;
  int nruns;
  CmpQuantity *q;     /* f, hypergrad_norm, then every report in declaration order */
  int nq;
  char *csv_path;     /* PREFIX.csv */
  char *gp_path;      /* PREFIX.gp */
  char *summary_path; /* PREFIX_summary.csv: the table's numbers, for scripts */
  char *prefix;       /* PREFIX: the directory of the outputs and the base of their names */
  char *tmpdir;       /* bloc's private (mkdtemp) directory: the traces while the methods
                         run, then the plots while gnuplot draws them */
  int time_column;    /* of the trace */
  double time_max;    /* largest trace time (s), to pick the unit of the time axis */
  CmpAxis axis;
  unsigned formats;   /* CMP_SVG | ...: the plot formats asked for */
  unsigned drawn;     /* the formats gnuplot drew (set by cmp_plot) */
  char *removed;      /* " PATH..." of the plots an earlier compare left that cmp_plot removed
                         (malloc'ed, NULL for none) */
  bool quiet;
  bool sharded;       /* under mpirun: each rank solves with its rows (blo_sharded) */
  /* The op that makes g not twice differentiable in y (no yardstick), or NULL. */
  const char *nonsmooth_op;
  /* A sampled program's full variant (every sample set whole: blo_compile_full), compiled on
   * the first ask (cmp_full_problem) from args; its phi is the yardstick and the runs' end
   * check. NULL (full_tried) when it does not compile. */
  struct BloCompiled *full;
  bool full_tried;
  struct CmdArgs *args;
} Compare;

/* RtRunConfig.full_problem for a Compare (ctx): its full variant's problem, or NULL. */
const BloProblem *cmp_full_problem(void *ctx);
/* Whether a sampled program has (or would have) its full variant, without compiling it: f64
 * data, not sharded, no batch(1) set; after an interrupt, phi's reason is then the interrupt,
 * not the sampled data. */
bool cmp_full_possible(const Compare *cmp);

/* The extension of one format bit ("svg", "png", "pdf"). */
const char *cmp_format_ext(unsigned format);

/* Write PREFIX.gp (plots of every quantity with data, one line per method, in every format of
 * cmp->formats) and run gnuplot on it when bloc knows one (configure's BLOC_GNUPLOT, or the
 * environment variable BLOC_GNUPLOT; empty: no plots). gnuplot draws into cmp->tmpdir, and
 * each plot then replaces PREFIX_<name>.<ext> through rt_outfile.h like the other outputs.
 * Once the plots are drawn (or none has data), a PREFIX_<name>.<ext> of one of its quantities
 * that it did not draw now, an earlier compare's plot of other data, is removed (cmp->removed);
 * other files PREFIX_*.svg|png|pdf are left, with a note (doc/compare.md, "Outputs").
 * Sets q->plot for the plots made and cmp->drawn for their formats. A missing gnuplot is a
 * note; a failing one, or one without the terminal of a format, a warning. Returns 0, or 1
 * after an error writing the script or a plot. */
int cmp_plot(Compare *cmp);

/* Whether cmp_plot will run a gnuplot (one is configured or named by BLOC_GNUPLOT). */
bool cmp_plots_wanted(void);

/* The plot file of quantity k in one format: PREFIX_<name>.<ext>, malloc'ed. Checked, for every
 * quantity and format asked for, before the methods run. */
char *cmp_plot_path(const Compare *cmp, int k, unsigned format);

/* The first control byte (newline, tab, ESC, ...) in the file name part of PREFIX, or -1. The
 * name goes into the gnuplot script (`set output 'NAME_f.svg'`, comments), where a newline
 * would end the line and start a command of the caller's choosing (gnuplot runs `system`),
 * so such a prefix is refused. Quotes are fine: they are doubled inside gnuplot strings. */
int cmp_plot_bad_byte(const char *prefix);

/* Print the summary table (one row per method, best values marked) on out: the method's own f
 * and |hypergradient| unmarked, the yardstick phi and |grad phi| marked, and the reports where
 * the run's y was checked near y*(x) (CMP_Y_NEAR). */
void cmp_print_table(const Compare *cmp, FILE *out);

/* The table as CSV on out, one row per method, every number exact (rt_fmt_num), for
 * scripts: method, status, stop, steps, time, f, hypergrad_norm, phi, grad_phi_norm (the
 * projected-gradient norm with constrained x: grad_phi_projected says), phi_note (why phi
 * was not measured), every report, the calls of every oracle kind, the run's warnings and
 * recoveries, and y_lag. An empty field is a value the run does not have. The columns are the
 * same whatever the methods did. */
void cmp_write_summary(const Compare *cmp, FILE *out);

#endif
