/* compare_plot.c — the plots of `bloc compare`: a gnuplot script (PREFIX.gp, kept so users can
 * tweak and rerun it) that draws one plot per quantity and format (SVG, PNG, PDF) from
 * PREFIX.csv, one line per method, and running gnuplot on it. The script and its conventions
 * (scales, y ranges) are described in doc/compare.md. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compare.h"
#include "config.h"
#include "rt_outfile.h"

/* Okabe-Ito (colour-blind safe, without its yellow); past 7 methods the colours repeat dashed. */
static const char *const palette[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                      "#E69F00", "#56B4E9", "#000000"};
#define NPALETTE ((int)(sizeof palette / sizeof palette[0]))
static const int point_types[] = {7, 5, 9, 11, 13, 15, 4, 6, 8, 10, 12, 14};
#define NPOINTS ((int)(sizeof point_types / sizeof point_types[0]))

/* The formats, in the order of CMP_SVG, CMP_PNG, CMP_PDF, with gnuplot's terminal for each. */
static const char *const format_ext[] = {"svg", "png", "pdf"};
static const char *const format_term[] = {"svg", "pngcairo", "pdfcairo"};
#define NFORMATS 3

static int format_index(unsigned format) {
  int i = 0;
  while (i < NFORMATS - 1 && !(format & (1u << i))) i++;
  return i;
}

const char *cmp_format_ext(unsigned format) { return format_ext[format_index(format)]; }

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
static void plot_suffix(const CmpQuantity *q, char *buf, size_t cap) {
  bool shadow =
      q->report >= 0 && (strcmp(q->name, "f") == 0 || strcmp(q->name, "hypergrad_norm") == 0);
  snprintf(buf, cap, "%s%s", shadow ? "report_" : "", q->name);
}

char *cmp_plot_path(const Compare *cmp, int k, unsigned format) {
  char suffix[256];
  plot_suffix(&cmp->q[k], suffix, sizeof suffix);
  size_t len = strlen(cmp->prefix) + strlen(suffix) + 8;
  char *path = malloc(len);
  if (!path) exit(3);
  snprintf(path, len, "%s_%s.%s", cmp->prefix, suffix, cmp_format_ext(format));
  return path;
}

/* Does run r appear in the plot of quantity k? Only with a value the scale can show. */
static bool has_points(const Compare *cmp, int r, int k) {
  const CmpStats *s = &cmp->runs[r].stats[k];
  return cmp->q[k].log ? s->n_positive > 0 : s->n_finite > 0;
}

/* One quantity's values over every run: all of them, and those after each run's first trace
 * point. */
typedef struct Span {
  int64_t finite, positive, later;
  double lo, hi, later_lo, later_hi;
} Span;

static Span span_of(const Compare *cmp, int k) {
  Span sp = {0, 0, 0, INFINITY, -INFINITY, INFINITY, -INFINITY};
  for (int r = 0; r < cmp->nruns; r++) {
    const CmpStats *s = &cmp->runs[r].stats[k];
    sp.finite += s->n_finite;
    sp.positive += s->n_positive;
    sp.later += s->n_later;
    if (s->n_finite && s->min_finite < sp.lo) sp.lo = s->min_finite;
    if (s->n_finite && s->max_finite > sp.hi) sp.hi = s->max_finite;
    if (s->n_later && s->min_later < sp.later_lo) sp.later_lo = s->min_later;
    if (s->n_later && s->max_later > sp.later_hi) sp.later_hi = s->max_later;
  }
  return sp;
}

/* f and hypergrad_norm are on a log scale when all their values are positive; a report when
 * they also span at least two decades (an accuracy from 0.6 to 0.8 reads better linear). */
static void decide_scales(Compare *cmp) {
  for (int k = 0; k < cmp->nq; k++) {
    CmpQuantity *q = &cmp->q[k];
    Span sp = span_of(cmp, k);
    bool positive = sp.finite > 0 && sp.positive == sp.finite;
    q->log = positive && (q->log_positive || sp.hi >= 100 * sp.lo);
  }
}

/* Do the values from lo to hi look like one value on the axis? The script's tick labels are
 * '%g' (6 significant digits), which cannot label a spread below about 1e-4 of the values' size:
 * two methods that converged to the same point differ by rounding (1e-9 apart, and a range that
 * narrow printed with fewer digits was empty, which gnuplot refuses). */
static bool looks_flat(double lo, double hi) {
  return hi - lo <= 1e-4 * fmax(fabs(lo), fabs(hi));
}

/* "set yrange [lo:hi]" with both bounds finite: a margin past the largest double is inf, which
 * gnuplot reads as an undefined variable and fails the whole script (a report of 1.7e308 lost
 * every plot). */
static void print_yrange(FILE *f, double lo, double hi) {
  fprintf(f, "set yrange [%.17g:%.17g]\n", fmax(lo, -DBL_MAX), fmin(hi, DBL_MAX));
}

/* The y range of quantity k: gnuplot's autoscale, unless the methods' first trace points would
 * take up more than 3/4 of the axis (an accuracy that starts at 0 and then stays between 0.7 and
 * 0.8). Then it is the range of the later points with a 5% margin (in decades on a log scale),
 * and the lines from the first points enter from the edge. Later points that look like one value
 * get a margin of 5% of their size instead (0.02 decades on a log scale), and all the points
 * that do get one of 10% (a factor of 2), never an empty range. Bounds are printed with 17
 * significant digits, so they are the values computed. Writes the script's line, if any. */
static void write_yrange(FILE *f, const Compare *cmp, int k) {
  const bool lg = cmp->q[k].log;
  Span sp = span_of(cmp, k);
  if (sp.finite > 0 && looks_flat(sp.lo, sp.hi)) { /* autoscale: empty, or unlabelled */
    double v = sp.lo + 0.5 * (sp.hi - sp.lo), pad = fabs(v) > 0 ? 0.1 * fabs(v) : 1;
    print_yrange(f, lg ? v / 2 : v - pad, lg ? v * 2 : v + pad);
    return;
  }
  double lo = lg ? log10(sp.lo) : sp.lo, hi = lg ? log10(sp.hi) : sp.hi;
  double llo = lg ? log10(sp.later_lo) : sp.later_lo, lhi = lg ? log10(sp.later_hi) : sp.later_hi;
  if (sp.later == 0 || !(hi - lo > 4 * (lhi - llo))) return;
  double pad = 0.05 * (lhi - llo);
  if (looks_flat(sp.later_lo, sp.later_hi)) {
    double mid = llo + 0.5 * (lhi - llo);
    llo = lhi = mid;
    pad = lg ? 0.02 : fabs(mid) > 0 ? 0.05 * fabs(mid) : 1;
  }
  llo -= pad;
  lhi += pad;
  fprintf(f, "# the first trace points would take up most of the axis: the later ones' range\n");
  print_yrange(f, lg ? pow(10, llo) : llo, lg ? pow(10, lhi) : lhi);
}

/* The script's scale lines for quantity k, with the reason as a comment. */
static void write_scale(FILE *f, const Compare *cmp, int k) {
  const CmpQuantity *q = &cmp->q[k];
  Span sp = span_of(cmp, k);
  fprintf(f, "set autoscale y\n"); /* before the scale: a log scale refuses a range <= 0 */
  if (q->log)
    fprintf(f, "# log scale: every value is positive%s\nset logscale y\n",
            q->log_positive ? "" : " and they span two decades or more");
  else if (sp.positive < sp.finite)
    fprintf(f, "# linear: some values are zero or negative, which a log scale cannot show\n"
               "unset logscale y\n");
  else
    fprintf(f, "# linear: the values span less than two decades\nunset logscale y\n");
  write_yrange(f, cmp, k);
}

static void write_panel(FILE *f, const Compare *cmp, int k, bool time_axis) {
  const CmpQuantity *q = &cmp->q[k];
  if (cmp->axis == CMP_AXIS_BOTH)
    fprintf(f, "set title %s\n", time_axis ? "'against wall time'" : "'against outer steps'");
  fprintf(f, "set xlabel %s\n",
          time_axis ? "'wall time in method steps (' . tunit . ')'" : "'outer steps'");
  fprintf(f, "plot");
  const char *sep = "";
  for (int r = 0; r < cmp->nruns; r++) {
    if (!has_points(cmp, r, k)) continue;
    const CmpRun *run = &cmp->runs[r];
    int64_t pi = run->rows / 12 > 1 ? run->rows / 12 : 1; /* about a dozen markers per line */
    fprintf(f, "%s \\\n     data using (sel(", sep);
    gp_string(f, run->label);
    fprintf(f, ", '%s')%s):(sel(", time_axis ? "time" : "step", time_axis ? " * tscale" : "");
    gp_string(f, run->label);
    fprintf(f, ", ");
    if (q->by_name) gp_string(f, q->name);
    else fprintf(f, "%d", q->column + 2); /* 1-based, after the method column */
    fprintf(f, ")) with linespoints lt %d pi %lld title ", r + 1, (long long)pi);
    gp_string(f, run->label);
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
             "# plots next to itself. One block per plot below; edit freely.\n\n",
          base_name(cmp->gp_path), base_name(cmp->csv_path));
  fprintf(f, "# the plot formats, any of 'svg png pdf' (bloc compare --plot-format); bloc\n"
             "# runs the script with -e \"formats = '...'\", the ones this gnuplot can draw\n"
             "if (!exists(\"formats\")) formats = '");
  for (unsigned fmt = 1, n = 0; fmt <= CMP_ALL_FORMATS; fmt <<= 1)
    if (cmp->formats & fmt) fprintf(f, "%s%s", n++ ? " " : "", cmp_format_ext(fmt));
  fprintf(f, "'\n\n");
  fprintf(f, "# where the plots go: next to this script, unless -e \"outdir = 'DIR/'\" says\n"
             "# (bloc draws them in a private directory and then replaces its outputs whole)\n"
             "if (!exists(\"outdir\")) outdir = ''\n\n");
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
  fprintf(f, "# the trace's time is in seconds; plotted in %s\ntscale = %g\ntunit = '%s'\n\n", unit,
          scale, unit);
  fprintf(f, "set encoding utf8\n");
  fprintf(
      f, "# one style per method: Okabe-Ito colours (colour-blind safe), repeated dashed past %d\n",
      NPALETTE);
  for (int r = 0; r < cmp->nruns; r++) { /* a labelled entry's method too: "# small: lancbio" */
    const CmpRun *run = &cmp->runs[r];
    fprintf(f, "set linetype %d lc rgb '%s' lw 2 dt %d pt %d ps 0.7  # %s%s%s\n", r + 1,
            palette[r % NPALETTE], 1 + r / NPALETTE, point_types[r % NPOINTS], run->label,
            run->sets ? ": " : "", run->sets ? run->method : "");
  }
  fprintf(f, "set grid xtics ytics lc rgb '#dddddd' lw 1 dt 1\n"
             "set border 3 lc rgb '#444444'\n"
             "set tics nomirror\n"
             "set key outside right top vertical samplen 2.5 spacing 1.2\n"
             "set format y '%%g'\n");
  int64_t steps = 0; /* every trace at step 0 (outer_steps = 0): an empty x range warned */
  for (int r = 0; r < cmp->nruns; r++)
    if (cmp->runs[r].res.steps > steps) steps = cmp->runs[r].res.steps;
  fprintf(f, "set xrange [0:%s]\n\n", steps > 0 ? "*" : "1");
  const int width = both ? 1280 : 720;
  fprintf(f, "do for [ext in formats] {\n"
             "term = ext eq 'png' ? 'pngcairo' : ext eq 'pdf' ? 'pdfcairo' : ext\n"
             "if (strstrt(' ' . GPVAL_TERMINALS . ' ', ' ' . term . ' ') == 0) {\n"
             "  print 'no ' . ext . ' plots: this gnuplot has no ' . term . ' terminal; ' . \\\n"
             "    'install one built with cairo (Debian: gnuplot-nox)'\n"
             "  continue\n"
             "}\n"
             "if (ext eq 'svg') {\n"
             "  set terminal svg size %d,460 noenhanced font 'Helvetica,13' \\\n"
             "    background rgb 'white'\n"
             "}\n"
             "if (ext eq 'png') {\n"
             "  set terminal pngcairo size %d,460 noenhanced font 'Helvetica,11' \\\n"
             "    background rgb 'white'\n"
             "}\n"
             "if (ext eq 'pdf') {\n"
             "  set terminal pdfcairo size %.2fin,4.6in noenhanced font 'Helvetica,11'\n"
             "}\n",
          width, width, width / 100.0);
  for (int k = 0; k < cmp->nq; k++) {
    const CmpQuantity *q = &cmp->q[k];
    if (!q->plot) continue;
    char suffix[256];
    plot_suffix(q, suffix, sizeof suffix);
    fprintf(f, "\n# ---- %s\n", q->name);
    fprintf(f, "set output outdir . '");
    for (const char *s = base_name(cmp->prefix); *s; s++) fprintf(f, *s == '\'' ? "''" : "%c", *s);
    fprintf(f, "_%s.' . ext\n", suffix);
    write_scale(f, cmp, k);
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
  fprintf(f, "}\n\nset output\n");
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

bool cmp_plots_wanted(void) {
  bool from_env;
  return gnuplot_path(&from_env) != NULL;
}

/* The formats of wanted that gnuplot has the terminal of, asking it for GPVAL_TERMINALS. A
 * missing terminal is a warning naming the package that has it. When gnuplot does not answer,
 * all of wanted: running the script then reports the failure. */
static unsigned usable_formats(const char *gnuplot, unsigned wanted) {
  size_t cap = 4 * strlen(gnuplot) + 64;
  char *cmd = malloc(cap), *quoted = malloc(cap);
  if (!cmd || !quoted) exit(3);
  sh_quote(quoted, cap, gnuplot);
  snprintf(cmd, cap, "%s -e \"set print '-'; print GPVAL_TERMINALS\" 2>/dev/null </dev/null",
           quoted);
  fflush(stdout);
  fflush(stderr);
  char terms[8192] = " ";
  size_t n = 1;
  FILE *p = popen(cmd, "r");
  if (p) {
    size_t got;
    while (n < sizeof terms - 2 && (got = fread(terms + n, 1, sizeof terms - 2 - n, p)) > 0)
      n += got;
    pclose(p);
  }
  free(cmd);
  free(quoted);
  terms[n] = '\0';
  for (char *c = terms; *c; c++)
    if (*c == '\n') *c = ' ';
  strcat(terms, " ");
  if (n <= 2) return wanted;
  unsigned usable = 0;
  for (int i = 0; i < NFORMATS; i++) {
    if (!(wanted & (1u << i))) continue;
    char word[32];
    snprintf(word, sizeof word, " %s ", format_term[i]);
    if (strstr(terms, word)) {
      usable |= 1u << i;
      continue;
    }
    char upper[8] = {0};
    for (int j = 0; format_ext[i][j] && j < 7; j++) upper[j] = (char)(format_ext[i][j] - 'a' + 'A');
    fprintf(stderr,
            "bloc compare: warning: no %s plots: gnuplot '%s' has no %s terminal; install a "
            "gnuplot built with cairo (Debian: gnuplot-nox, gnuplot-qt or gnuplot-x11)\n",
            upper, gnuplot, format_term[i]);
  }
  return usable;
}

/* The statement bloc runs the script with (gnuplot -e): the formats to draw and outdir, the
 * private directory dir to draw them in, as a gnuplot string. NULL when dir holds a control
 * character, which would end the statement. malloc'ed. */
static char *gp_settings(const char *list, const char *dir) {
  for (const unsigned char *c = (const unsigned char *)dir; *c; c++)
    if (*c < 0x20 || *c == 0x7f) return NULL;
  char *buf = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&buf, &len);
  if (!m) exit(3);
  fprintf(m, "formats = '%s'; outdir = ", list);
  gp_string(m, dir);
  fprintf(m, " . '/'");
  if (fclose(m) != 0) exit(3);
  return buf;
}

/* Put the plot gnuplot drew at src, in bloc's private directory, in place at dest through
 * bloc's writer (rt_outfile.h), as every other output: replaced whole, and never through
 * another user's link in /tmp (gnuplot's `set output` followed it and overwrote what it led
 * to). src is removed. 0, or 1 after an error (printed). */
static int place_plot(const char *src, const char *dest) {
  int in = open(src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
  if (in < 0) {
    fprintf(stderr, "bloc compare: warning: gnuplot drew no %s: %s\n", dest, strerror(errno));
    return 0;
  }
  RtOutFile o;
  char err[1024], buf[1 << 16];
  ssize_t n = 0;
  int rc = rt_outfile_open(&o, dest, err, sizeof err) != 0;
  while (rc == 0 && (n = read(in, buf, sizeof buf)) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      snprintf(err, sizeof err, "reading gnuplot's plot '%s': %s", src, strerror(errno));
      rt_outfile_discard(&o);
      rc = 1;
    } else if (fwrite(buf, 1, (size_t)n, o.f) != (size_t)n) {
      break; /* the commit reports the write error and keeps the old file */
    }
  }
  if (rc == 0) rc = rt_outfile_commit(&o, dest, err, sizeof err) != 0;
  close(in);
  unlink(src);
  if (rc) fprintf(stderr, "bloc compare: error: %s\n", err);
  return rc;
}

/* Run gnuplot on the script, drawing formats into cmp->tmpdir, then put each plot in place.
 * false when gnuplot failed (a warning; nothing is put in place: the previous plots stay);
 * *rc = 1 when a plot could not be written. */
static bool draw(Compare *cmp, const char *gnuplot, unsigned formats, int *rc) {
  char list[16] = ""; /* the format names are fixed words */
  for (unsigned fmt = 1; fmt <= CMP_ALL_FORMATS; fmt <<= 1)
    if (formats & fmt)
      snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", list[0] ? " " : "",
               cmp_format_ext(fmt));
  /* absolute: the script changes to its own directory first */
  char *dir = realpath(cmp->tmpdir, NULL), *settings = dir ? gp_settings(list, dir) : NULL;
  if (!settings) {
    fprintf(stderr, "bloc compare: warning: no plots: the temporary directory '%s' %s\n",
            cmp->tmpdir, dir ? "holds a control character (set TMPDIR)" : strerror(errno));
    free(dir);
    return false;
  }
  size_t cap = 4 * (strlen(gnuplot) + strlen(cmp->gp_path) + strlen(settings)) + 64;
  char *cmd = malloc(cap), *q1 = malloc(cap), *q2 = malloc(cap), *q3 = malloc(cap);
  if (!cmd || !q1 || !q2 || !q3) exit(3);
  sh_quote(q1, cap, gnuplot);
  sh_quote(q2, cap, settings);
  sh_quote(q3, cap, cmp->gp_path);
  snprintf(cmd, cap, "%s -e %s %s", q1, q2, q3);
  fflush(stdout);
  fflush(stderr);
  int st = system(cmd);
  bool ok = st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
  if (!ok && st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 127)
    fprintf(stderr, "bloc compare: warning: could not run gnuplot '%s'; no plots\n", gnuplot);
  else if (!ok)
    fprintf(stderr, "bloc compare: warning: gnuplot failed on %s; no plots were written\n",
            cmp->gp_path);
  for (int k = 0; k < cmp->nq; k++) {
    if (!cmp->q[k].plot) continue;
    bool placed = true;
    for (unsigned fmt = 1; fmt <= CMP_ALL_FORMATS; fmt <<= 1) {
      if (!(formats & fmt)) continue;
      char *dest = cmp_plot_path(cmp, k, fmt);
      char *src = malloc(strlen(dir) + strlen(dest) + 2);
      if (!src) exit(3);
      sprintf(src, "%s/%s", dir, base_name(dest));
      if (ok && place_plot(src, dest)) placed = false, *rc = 1;
      unlink(src); /* what a failed gnuplot left */
      free(src);
      free(dest);
    }
    if (!placed) { /* not listed among the plots written */
      free(cmp->q[k].plot);
      cmp->q[k].plot = NULL;
    }
  }
  if (ok) cmp->drawn = formats;
  free(cmd);
  free(q1);
  free(q2);
  free(q3);
  free(settings);
  free(dir);
  return ok;
}

static int cmp_strptr(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether name (in the outputs' directory) is the plot file of one of cmp's quantities. */
static bool own_plot_name(const Compare *cmp, const char *name) {
  for (int k = 0; k < cmp->nq; k++)
    for (unsigned fmt = 1; fmt <= CMP_ALL_FORMATS; fmt <<= 1) {
      char *path = cmp_plot_path(cmp, k, fmt);
      bool same = strcmp(base_name(path), name) == 0;
      free(path);
      if (same) return true;
    }
  return false;
}

/* After the plots are drawn: the plots a compare of the same PREFIX left before that this one
 * did not draw. A re-run into the same directory kept PREFIX_ynorm2.svg of the first run, with
 * the name the second gives it, beside the second's CSV, while the second had no finite value
 * of ynorm2 to plot (nuF F3). Conservative: only a regular file (not a link) with the name of
 * one of this compare's own plots (PREFIX_<quantity>.<svg|png|pdf>) is removed, and the line
 * of outputs says so; any other PREFIX_*.svg|png|pdf (a report the program no longer has, or
 * a file of the user's) is left, with a note. */
static void clear_stale_plots(Compare *cmp) {
  char *buf = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&buf, &len);
  if (!m) exit(3);
  for (int k = 0; k < cmp->nq; k++)
    for (unsigned fmt = 1; fmt <= CMP_ALL_FORMATS; fmt <<= 1) {
      if (cmp->q[k].plot && (cmp->drawn & fmt)) continue; /* drawn now */
      char *path = cmp_plot_path(cmp, k, fmt);
      struct stat st;
      if (lstat(path, &st) == 0 && S_ISREG(st.st_mode)) {
        if (unlink(path) == 0) fprintf(m, " %s", path);
        else fprintf(stderr, "bloc compare: warning: could not remove %s, a plot of an earlier "
                     "compare that this one did not draw: %s\n", path, strerror(errno));
      }
      free(path);
    }
  if (fclose(m) != 0) exit(3);
  free(cmp->removed);
  cmp->removed = len ? buf : NULL;
  if (!len) free(buf);
  if (cmp->quiet) return;
  /* the others of the pattern: named, not touched */
  const char *base = base_name(cmp->prefix);
  size_t blen = strlen(base), dlen = (size_t)(base - cmp->prefix);
  char *dir = dlen ? strndup(cmp->prefix, dlen) : strdup(".");
  if (!dir) exit(3);
  DIR *d = opendir(dir);
  char **names = NULL;
  size_t n = 0, cap = 0;
  for (struct dirent *e; d && (e = readdir(d));) {
    const char *name = e->d_name, *dot = strrchr(name, '.');
    if (strncmp(name, base, blen) != 0 || name[blen] != '_' || !dot ||
        (strcmp(dot, ".svg") && strcmp(dot, ".png") && strcmp(dot, ".pdf")) ||
        own_plot_name(cmp, name))
      continue;
    if (n == cap) {
      cap = cap ? 2 * cap : 8;
      names = realloc(names, cap * sizeof *names);
      if (!names) exit(3);
    }
    if (!(names[n++] = strdup(name))) exit(3);
  }
  if (d) closedir(d);
  if (n) { /* (qsort of NULL, even for 0 items, is undefined: UBSan said so) */
    qsort(names, n, sizeof *names, cmp_strptr);
    fprintf(stderr, "bloc compare: note: not plots of this compare, left as they are:");
    for (size_t i = 0; i < n; i++) fprintf(stderr, " %s%s", dlen ? dir : "", names[i]);
    fprintf(stderr, " (an earlier compare's with this prefix? compare removes only its own "
                    "plots' names, PREFIX_<quantity>.<ext>)\n");
  }
  for (size_t i = 0; i < n; i++) free(names[i]);
  free(names);
  free(dir);
}

int cmp_plot(Compare *cmp) {
  decide_scales(cmp);
  int nplots = 0;
  for (int k = 0; k < cmp->nq; k++) {
    CmpQuantity *q = &cmp->q[k];
    bool any = false;
    for (int r = 0; r < cmp->nruns; r++) any |= has_points(cmp, r, k);
    if (!any) {
      if (!cmp->quiet)
        fprintf(stderr, "bloc compare: note: no plot of '%s': no method has a finite value of it\n",
                q->name);
      continue;
    }
    char suffix[256];
    plot_suffix(q, suffix, sizeof suffix);
    size_t len = strlen(cmp->prefix) + strlen(suffix) + 2;
    q->plot = malloc(len);
    if (!q->plot) exit(3);
    snprintf(q->plot, len, "%s_%s", cmp->prefix, suffix);
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
  int rc = 0;
  unsigned formats = nplots && gnuplot ? usable_formats(gnuplot, cmp->formats) : 0;
  if (!nplots) {
    ok = true;
  } else if (gnuplot && !formats) {
    ok = false; /* usable_formats said why */
  } else if (!gnuplot) {
    if (!cmp->quiet)
      fprintf(stderr, "bloc compare: note: no plots: %s; the data is in %s and %s draws them\n",
              from_env ? "BLOC_GNUPLOT is empty" : "gnuplot was not found when bloc was configured",
              cmp->csv_path, cmp->gp_path);
  } else {
    ok = draw(cmp, gnuplot, formats, &rc);
  }
  if (!ok)
    for (int k = 0; k < cmp->nq; k++) {
      free(cmp->q[k].plot);
      cmp->q[k].plot = NULL;
    }
  /* not when gnuplot failed or is missing: the previous plots stay then, as documented */
  if (ok && rc == 0) clear_stale_plots(cmp);
  return rc;
}
