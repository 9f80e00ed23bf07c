/* compare_plot.c — the plots of `bloc compare`: a gnuplot script (PREFIX.gp, kept so users can
 * tweak and rerun it) that draws one SVG per quantity from PREFIX.csv, one line per method, and
 * running gnuplot on it. The script and its conventions are described in doc/compare.md. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "compare.h"
#include "config.h"
#include "rt_outfile.h"

/* Okabe-Ito (colour-blind safe, without its yellow); past 7 methods the colours repeat dashed. */
static const char *const palette[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"};
#define NPALETTE ((int)(sizeof palette / sizeof palette[0]))
static const int point_types[] = {7, 5, 9, 11, 13, 15, 4, 6, 8, 10, 12, 14};
#define NPOINTS ((int)(sizeof point_types / sizeof point_types[0]))

/* s as a gnuplot single-quoted string: no escapes inside but '' for a quote. */
static void gp_string(FILE *f, const char *s) {
  fputc('\'', f);
  for (; *s; s++) {
    if (*s == '\'') fputc('\'', f);
    fputc(*s, f);
  }
  fputc('\'', f);
}

/* s as a POSIX shell single-quoted word: ' becomes '\''. */
static void sh_quote(char *out, size_t cap, const char *s) {
  size_t n = 0;
  out[n++] = '\'';
  for (; *s && n + 5 < cap; s++) {
    if (*s == '\'') {
      memcpy(out + n, "'\\''", 4);
      n += 4;
    } else {
      out[n++] = *s;
    }
  }
  out[n++] = '\'';
  out[n] = '\0';
}

static const char *base_name(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

int cmp_plot_bad_byte(const char *prefix) {
  for (const unsigned char *s = (const unsigned char *)base_name(prefix); *s; s++)
    if (*s < 0x20 || *s == 0x7f) return *s;
  return -1;
}

/* The file name part of a quantity's plot: PREFIX_<name>.svg; a report that shadows f or
 * hypergrad_norm gets "report_" in front. */
static void svg_suffix(const CmpQuantity *q, char *buf, size_t cap) {
  bool shadow = q->report >= 0 && (strcmp(q->name, "f") == 0 || strcmp(q->name, "hypergrad_norm") == 0);
  snprintf(buf, cap, "%s%s", shadow ? "report_" : "", q->name);
}

/* Does run r appear in the plot of quantity k? Only with a value the scale can show. */
static bool has_points(const Compare *cmp, int r, int k) {
  const CmpStats *s = &cmp->runs[r].stats[k];
  return cmp->q[k].log ? s->n_positive > 0 : s->n_finite > 0;
}

/* Norms are always on a log scale; any other quantity is when all its values are positive
 * and span at least two decades. */
static void decide_scales(Compare *cmp) {
  for (int k = 0; k < cmp->nq; k++) {
    CmpQuantity *q = &cmp->q[k];
    int64_t finite = 0, positive = 0;
    double lo = INFINITY, hi = -INFINITY;
    for (int r = 0; r < cmp->nruns; r++) {
      const CmpStats *s = &cmp->runs[r].stats[k];
      finite += s->n_finite;
      positive += s->n_positive;
      if (s->n_positive && s->min_positive < lo) lo = s->min_positive;
      if (s->n_finite && s->max_finite > hi) hi = s->max_finite;
    }
    q->log = q->norm || (finite > 0 && positive == finite && hi >= 100 * lo);
  }
}

static void write_panel(FILE *f, const Compare *cmp, int k, bool time_axis) {
  const CmpQuantity *q = &cmp->q[k];
  if (cmp->axis == CMP_AXIS_BOTH)
    fprintf(f, "set title %s\n", time_axis ? "'against wall time'" : "'against outer steps'");
  fprintf(f, "set xlabel %s\n", time_axis ? "'wall time in method steps (' . tunit . ')'" : "'outer steps'");
  fprintf(f, "plot");
  const char *sep = "";
  for (int r = 0; r < cmp->nruns; r++) {
    if (!has_points(cmp, r, k)) continue;
    const CmpRun *run = &cmp->runs[r];
    int64_t pi = run->rows / 12 > 1 ? run->rows / 12 : 1; /* about a dozen markers per line */
    fprintf(f, "%s \\\n     data using (sel(", sep);
    gp_string(f, run->method);
    fprintf(f, ", '%s')%s):(sel(", time_axis ? "time" : "step", time_axis ? " * tscale" : "");
    gp_string(f, run->method);
    fprintf(f, ", ");
    if (q->by_name) gp_string(f, q->name);
    else fprintf(f, "%d", q->column + 2); /* 1-based, after the method column */
    fprintf(f, ")) with linespoints lt %d pi %lld title ", r + 1, (long long)pi);
    gp_string(f, run->method);
    sep = ",";
  }
  fprintf(f, "\n");
}

static void write_script(FILE *f, const Compare *cmp) {
  const bool both = cmp->axis == CMP_AXIS_BOTH;
  fprintf(f, "# %s — plots of `bloc compare` for problem ", base_name(cmp->gp_path));
  gp_string(f, cmp->p->name ? cmp->p->name : "");
  fprintf(f, ", written by bloc %s.\n", PACKAGE_VERSION);
  fprintf(f, "# Rerun with `gnuplot %s` from any directory: it reads %s and writes the\n"
             "# SVG files next to itself. One block per plot below; edit freely.\n\n",
          base_name(cmp->gp_path), base_name(cmp->csv_path));
  fprintf(f, "# work in this script's directory, so that the file names below resolve\n"
             "if (exists(\"ARG0\") && strlen(ARG0) > 0) {\n"
             "  here = ARG0\n"
             "  i = strlen(here)\n"
             "  while (i > 0 && here[i:i] ne \"/\") { i = i - 1 }\n"
             "  if (i > 0) { cd here[1:i] }\n"
             "}\n\n");
  fprintf(f, "data = ");
  gp_string(f, base_name(cmp->csv_path));
  fprintf(f, "\nset datafile separator comma\n"
             "set datafile columnheaders\n"
             "# column c of method m's rows, undefined (not drawn) on the other methods' rows\n"
             "sel(m, c) = (strcol('method') eq m ? column(c) : NaN)\n\n");
  /* the time axis in a unit that gives short tick labels */
  double t = cmp->time_max;
  const char *unit = t < 1e-3 ? "µs" : t < 1 ? "ms" : "s";
  double scale = t < 1e-3 ? 1e6 : t < 1 ? 1e3 : 1;
  fprintf(f, "# the trace's time is in seconds; plotted in %s\ntscale = %g\ntunit = '%s'\n\n", unit, scale, unit);
  fprintf(f, "set encoding utf8\n");
  fprintf(f, "set terminal svg size %d,460 noenhanced font 'Helvetica,13' background rgb 'white'\n",
          both ? 1280 : 720);
  fprintf(f, "# one style per method: Okabe-Ito colours (colour-blind safe), repeated dashed past %d\n", NPALETTE);
  for (int r = 0; r < cmp->nruns; r++)
    fprintf(f, "set linetype %d lc rgb '%s' lw 2 dt %d pt %d ps 0.7  # %s\n", r + 1, palette[r % NPALETTE],
            1 + r / NPALETTE, point_types[r % NPOINTS], cmp->runs[r].method);
  fprintf(f, "set grid xtics ytics lc rgb '#dddddd' lw 1 dt 1\n"
             "set border 3 lc rgb '#444444'\n"
             "set tics nomirror\n"
             "set key outside right top vertical samplen 2.5 spacing 1.2\n"
             "set format y '%%g'\n"
             "set xrange [0:*]\n");
  for (int k = 0; k < cmp->nq; k++) {
    const CmpQuantity *q = &cmp->q[k];
    if (!q->svg) continue;
    char suffix[256];
    svg_suffix(q, suffix, sizeof suffix);
    fprintf(f, "\n# ---- %s\n", q->name);
    fprintf(f, "set output '");
    for (const char *s = base_name(cmp->prefix); *s; s++) fprintf(f, *s == '\'' ? "''" : "%c", *s);
    fprintf(f, "_%s.svg'\n", suffix);
    fprintf(f, q->log ? "set logscale y\n" : "unset logscale y\n");
    fprintf(f, "set ylabel ");
    gp_string(f, q->label);
    fprintf(f, "%s\n", q->log ? " . ' (log scale)'" : "");
    char title[512];
    snprintf(title, sizeof title, "%s: %s", cmp->p->name ? cmp->p->name : "", q->label);
    fprintf(f, both ? "set multiplot layout 1,2 title " : "set title ");
    gp_string(f, title);
    fprintf(f, "\n");
    if (cmp->axis & CMP_AXIS_TIME) write_panel(f, cmp, k, true);
    if (cmp->axis & CMP_AXIS_STEPS) write_panel(f, cmp, k, false);
    if (both) fprintf(f, "unset multiplot\n");
  }
  fprintf(f, "\nset output\n");
}

/* The gnuplot to run: $BLOC_GNUPLOT (empty: none), else the one configure found. */
static const char *gnuplot_path(bool *from_env) {
  const char *env = getenv("BLOC_GNUPLOT");
  *from_env = env != NULL;
  if (env) return env[0] ? env : NULL;
#ifdef BLOC_GNUPLOT
  return BLOC_GNUPLOT;
#else
  return NULL;
#endif
}

int cmp_plot(Compare *cmp) {
  decide_scales(cmp);
  int nplots = 0;
  for (int k = 0; k < cmp->nq; k++) {
    CmpQuantity *q = &cmp->q[k];
    bool any = false;
    for (int r = 0; r < cmp->nruns; r++) any |= has_points(cmp, r, k);
    if (!any) {
      if (!cmp->quiet) fprintf(stderr, "bloc compare: note: no plot of '%s': no method has a finite value of it\n", q->name);
      continue;
    }
    char suffix[256];
    svg_suffix(q, suffix, sizeof suffix);
    size_t len = strlen(cmp->prefix) + strlen(suffix) + 6;
    q->svg = malloc(len);
    if (!q->svg) exit(3);
    snprintf(q->svg, len, "%s_%s.svg", cmp->prefix, suffix);
    nplots++;
  }
  RtOutFile gp; /* replaced whole when complete (rt_outfile.h) */
  char err[1024];
  if (rt_outfile_open(&gp, cmp->gp_path, err, sizeof err) == 0) {
    write_script(gp.f, cmp);
    if (rt_outfile_commit(&gp, cmp->gp_path, err, sizeof err) == 0) err[0] = '\0';
  }
  if (err[0]) {
    fprintf(stderr, "bloc compare: error: %s\n", err);
    return 1;
  }
  bool from_env;
  const char *gnuplot = gnuplot_path(&from_env);
  bool ok = false;
  if (!nplots) {
    ok = true;
  } else if (!gnuplot) {
    if (!cmp->quiet)
      fprintf(stderr, "bloc compare: note: no plots: %s; the data is in %s and %s draws them\n",
              from_env ? "BLOC_GNUPLOT is empty" : "gnuplot was not found when bloc was configured", cmp->csv_path,
              cmp->gp_path);
  } else {
    size_t cap = 4 * (strlen(gnuplot) + strlen(cmp->gp_path)) + 16;
    char *cmd = malloc(cap), *q1 = malloc(cap), *q2 = malloc(cap);
    if (!cmd || !q1 || !q2) exit(3);
    sh_quote(q1, cap, gnuplot);
    sh_quote(q2, cap, cmp->gp_path);
    snprintf(cmd, cap, "%s %s", q1, q2);
    fflush(stdout);
    fflush(stderr);
    int st = system(cmd);
    if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
      if (st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 127)
        fprintf(stderr, "bloc compare: warning: could not run gnuplot '%s'; no plots\n", gnuplot);
      else
        fprintf(stderr, "bloc compare: warning: gnuplot failed on %s; the plots may be missing or incomplete\n",
                cmp->gp_path);
    } else {
      ok = true;
    }
    free(cmd);
    free(q1);
    free(q2);
  }
  if (!ok)
    for (int k = 0; k < cmp->nq; k++) {
      free(cmp->q[k].svg);
      cmp->q[k].svg = NULL;
    }
  return 0;
}
