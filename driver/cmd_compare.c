/* cmd_compare.c — `bloc compare`: several methods on one problem, compiled once and solved with
 * the same seed; their traces merged into one CSV, plotted through gnuplot (compare_plot.c) and
 * summarised in a table (compare_table.c). The command line and the formats: doc/compare.md. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmdline.h"
#include "rt_clock.h"
#include "compare.h"
#include "driver.h"
#include "options.h"
#include "rt_mpi.h"
#include "rt_outfile.h"

#define CMD "compare"

/* One --set argument: "key=value" for every method, or "METHOD.key=value" for one. */
typedef struct CmpSet {
  const char *text;   /* as given, for messages */
  char key[64];
  const char *value;
  int run;            /* index of the method's run, or -1: every method that has the option */
} CmpSet;

static void error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "bloc " CMD ": error: ");
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

static char *xstrdup(const char *s) {
  char *d = strdup(s);
  if (!d) exit(3);
  return d;
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  char *s = malloc((size_t)n + 1);
  if (!s) exit(3);
  va_start(ap, fmt);
  vsnprintf(s, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return s;
}

/* ------------------------------------------------------------------ the command line */

/* Whether a label of --methods is a name: letters, digits and '_', not first a digit, at most
 * CMP_LABEL_MAX characters (it is written in --set LABEL.key, the CSVs and the table). */
static bool label_ok(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > CMP_LABEL_MAX || (*s >= '0' && *s <= '9')) return false;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
          *s == '_'))
      return false;
  return true;
}

/* Split --methods "a,small=a,c" (in place) into cmp->runs: each entry METHOD, labelled METHOD,
 * or LABEL=METHOD, which runs METHOD under the name LABEL (the same method at two settings,
 * with --set LABEL.key=value). Every METHOD must be a method; the labels must be names, differ,
 * and not be the name of another method than their own. */
static int parse_methods(char *list, Compare *cmp) {
  int n = 1;
  for (const char *s = list; *s; s++) n += *s == ',';
  cmp->runs = calloc((size_t)n, sizeof *cmp->runs);
  if (!cmp->runs) exit(3);
  for (char *tok = list, *next; tok; tok = next) {
    next = strchr(tok, ',');
    if (next) *next++ = '\0';
    while (*tok == ' ') tok++;
    for (char *e = tok + strlen(tok); e > tok && e[-1] == ' ';) *--e = '\0';
    if (!*tok)
      return cmd_usage_error(
          CMD, "--methods expects a comma-separated list of methods, got an empty name");
    char *label = tok, *method = tok, *eq = strchr(tok, '=');
    if (eq) {
      *eq = '\0';
      method = eq + 1;
      for (char *e = eq; e > label && e[-1] == ' ';) *--e = '\0';
      while (*method == ' ') method++;
      if (!*method) {
        error("--methods: '%s=' names no method: write LABEL=METHOD, e.g. small=lancbio", label);
        return 1;
      }
    }
    if (!opt_find_method(CMD, method)) return 1;
    if (eq && !label_ok(label)) {
      error("--methods: '%s' is not a valid label (in '%s=%s'): a label has 1 to %d of the "
            "characters a-z, A-Z, 0-9 and '_', and does not start with a digit",
            label, label, method, CMP_LABEL_MAX);
      return 1;
    }
    if (eq && strcmp(label, method) != 0 && rt_method_find(label)) {
      error("--methods: the label '%s' of '%s=%s' is the name of another method: its rows "
            "would read as %s's; choose a label that is not a method's name",
            label, label, method, label);
      return 1;
    }
    for (int i = 0; i < cmp->nruns; i++) {
      if (strcmp(cmp->runs[i].label, label) != 0) continue;
      if (!eq && strcmp(cmp->runs[i].method, label) == 0 &&
          cmp->runs[i].label == cmp->runs[i].method) {
        error("method '%s' is listed twice in --methods", label);
        fprintf(stderr, "hint: to run '%s' twice, at two settings, label the second one: "
                        "--methods ...,NAME=%s and --set NAME.key=value\n", label, label);
      } else {
        const CmpRun *e = &cmp->runs[i];
        bool plain = e->label == e->method;
        error("--methods: the label '%s' is given twice ('%s%s%s' and '%s%s%s'); each entry "
              "needs a label of its own (LABEL=METHOD), which names its rows and its --set "
              "LABEL.key=value",
              label, e->label, plain ? "" : "=", plain ? "" : e->method, label, eq ? "=" : "",
              eq ? method : "");
      }
      return 1;
    }
    cmp->runs[cmp->nruns].label = label;
    cmp->runs[cmp->nruns++].method = method;
  }
  return 0;
}

/* --plot-format: a comma-separated list of svg, png, pdf and all (default svg). */
static int parse_formats(const char *list, unsigned *formats) {
  *formats = list ? 0 : CMP_SVG;
  for (const char *tok = list; tok; tok = strchr(tok, ',') ? strchr(tok, ',') + 1 : NULL) {
    size_t len = strcspn(tok, ",");
    unsigned fmt = 0;
    for (unsigned f = 1; f <= CMP_ALL_FORMATS; f <<= 1)
      if (len == strlen(cmp_format_ext(f)) && strncmp(tok, cmp_format_ext(f), len) == 0) fmt = f;
    if (len == 3 && strncmp(tok, "all", 3) == 0) fmt = CMP_ALL_FORMATS;
    if (!fmt)
      return cmd_usage_error(CMD, "--plot-format expects svg, png, pdf or all, or a "
                                  "comma-separated list of them, got '%s'", list);
    *formats |= fmt;
  }
  return 0;
}

static const char *method_list(const Compare *cmp) {
  static char buf[1024];
  buf[0] = '\0';
  for (int i = 0; i < cmp->nruns; i++) {
    size_t len = strlen(buf);
    const CmpRun *r = &cmp->runs[i];
    if (strcmp(r->label, r->method) == 0)
      snprintf(buf + len, sizeof buf - len, "%s%s", i ? ", " : "", r->label);
    else snprintf(buf + len, sizeof buf - len, "%s%s=%s", i ? ", " : "", r->label, r->method);
  }
  return buf;
}

static bool any_labelled(const Compare *cmp) {
  for (int i = 0; i < cmp->nruns; i++)
    if (strcmp(cmp->runs[i].label, cmp->runs[i].method) != 0) return true;
  return false;
}

/* --set M.key=value where M is no label but the method of labelled entries: an error naming
 * their labels. Applying it to all of them would make M.key mean one entry with --methods
 * M,small=M (M is then the first entry's label) and both with big=M,small=M. 1 when it was. */
static int method_not_label(const Compare *cmp, const CmpSet *s) {
  char labels[512] = "", sets[1024] = "";
  int n = 0;
  for (int r = 0; r < cmp->nruns; r++) {
    if (strcmp(cmp->runs[r].method, s->key) != 0) continue;
    size_t len = strlen(labels), slen = strlen(sets);
    snprintf(labels + len, sizeof labels - len, "%s%s", n ? ", " : "", cmp->runs[r].label);
    snprintf(sets + slen, sizeof sets - slen, "%s--set %s.%s=%s", n ? " " : "",
             cmp->runs[r].label, s->key + strlen(s->key) + 1, s->value);
    n++;
  }
  if (!n) return 0;
  error("--set %s: '%s' is not a label in --methods (%s) but the method of %s; a setting names "
        "the entry by its label",
        s->text, s->key, method_list(cmp), labels);
  fprintf(stderr, "hint: %s%s\n", n > 1 ? "for each of them: " : "", sets);
  return 1;
}

/* Parse and check every --set before compiling: the syntax, the method of METHOD.key, the key
 * against the listed methods, and the value against each method's table (values do not depend
 * on the program). A key some listed methods lack is a warning; one none has is an error. */
static int parse_sets(const char **texts, int n, const Compare *cmp, CmpSet *sets) {
  for (int i = 0; i < n; i++) {
    CmpSet *s = &sets[i];
    s->text = texts[i];
    s->run = -1;
    if (opt_split_set(CMD, texts[i], s->key, sizeof s->key, &s->value)) return 1;
    char *dot = strchr(s->key, '.');
    if (dot) {
      *dot = '\0';
      for (int r = 0; r < cmp->nruns; r++)
        if (strcmp(cmp->runs[r].label, s->key) == 0) s->run = r;
      if (s->run < 0 && method_not_label(cmp, s)) return 1; /* s->key: "M\0key" */
      if (s->run < 0) {
        error("--set %s: '%s' is not %s --methods (%s)", s->text, s->key,
              any_labelled(cmp) ? "a label in" : "one of", method_list(cmp));
        const char *names[64];
        for (int r = 0; r < cmp->nruns && r < 64; r++) names[r] = cmp->runs[r].label;
        const char *near = diag_suggest(s->key, names, (size_t)(cmp->nruns < 64 ? cmp->nruns : 64));
        if (near) fprintf(stderr, "hint: did you mean '%s'?\n", near);
        return 1;
      }
      memmove(s->key, dot + 1, strlen(dot + 1) + 1);
      if (!s->key[0]) {
        error("--set expects key=value or METHOD.key=value, got '%s'", s->text);
        return 1;
      }
      if (strcmp(s->key, "seed") == 0) {
        error("--set %s: every method runs with the same seed; use --seed N or --set seed=N",
              s->text);
        return 1;
      }
      if (strcmp(s->key, "precision") == 0) { /* the data are compiled once, for all */
        error("--set %s: every method runs on the same data; use --set precision=%s",
              s->text, s->value);
        return 1;
      }
    }
    char missing[512] = "";
    int applies = 0;
    for (int r = 0; r < cmp->nruns; r++) {
      if (s->run >= 0 && r != s->run) continue;
      const RtMethodSpec *m = rt_method_find(cmp->runs[r].method);
      /* aimed at one method, an option it does not use is an error (rt_options_set says so);
       * a plain --set skips the methods it does not apply to */
      if (s->run < 0 && !opt_applies(m, s->key)) {
        size_t len = strlen(missing);
        snprintf(missing + len, sizeof missing - len, "%s'%s'", len ? ", " : "",
                 cmp->runs[r].label);
        continue;
      }
      RtOptions scratch;
      rt_options_init(&scratch, m);
      const char *err = rt_options_set(&scratch, s->key, s->value);
      if (err) {
        if (s->run < 0) error("--set %s (method '%s'): %s", s->text, m->name, err);
        else error("--set %s: %s", s->text, err);
        char hint[160]; /* METHOD.key: another method's key, or a misspelt one (as bloc run) */
        if (s->run >= 0 && rt_method_option_hint(m, s->key, hint, sizeof hint))
          fprintf(stderr, "hint: %s\n", hint);
        return 1;
      }
      applies++;
    }
    if (!applies) {
      error("--set %s: no method in --methods (%s) has an option '%s'", s->text, method_list(cmp),
            s->key);
      const char *names[512];
      size_t nn = 0;
      for (int r = 0; r < cmp->nruns; r++) {
        const RtMethodSpec *m = rt_method_find(cmp->runs[r].method);
        for (int k = 0; k < m->nopts && nn < 512; k++) names[nn++] = m->opts[k].name;
      }
      /* another method's option (not the nearest spelling of a listed one's: v_steps was
       * told 'x_step', delta 'eta') */
      const char *owners = rt_option_owners(s->key), *near = diag_suggest(s->key, names, nn);
      if (owners[0]) fprintf(stderr, "hint: '%s' is an option of %s\n", s->key, owners);
      else if (near) fprintf(stderr, "hint: did you mean '%s'?\n", near);
      return 1;
    }
    if (missing[0] && !cmp->quiet)
      fprintf(stderr, "bloc " CMD ": warning: --set %s does not apply to %s (ignored for %s)\n",
              s->text, missing, strchr(missing, ',') ? "them" : "it");
  }
  return 0;
}

/* tol where the method's estimate is random (BSA, TTSA, UFOM with q < 1) stops it on one small
 * draw, and is refused: from --set for every method it is left out for that method with a
 * warning (compare.md: such a setting skips the methods it does not apply to), where it
 * stopped the whole comparison. From the solve line or --set METHOD.tol (or with a --set
 * ufom.q that makes the estimate random) it is the error of the rules between options
 * (opt_check_rules_keyed, as for bloc run: at the option, or naming the setting), and on a
 * problem that samples its data it applies to no method (the same check). tol_every: the
 * last setting that gave this run's tol is one for every method. */
static void drop_random_tol(const Compare *cmp, CmpRun *run, bool tol_every) {
  if (!tol_every || !(rt_opt_num(&run->opt, "tol") > 0) ||
      !rt_method_random_estimate(&run->opt) ||
      blo_program(cmp->c)->stochastic) /* blo_problem_stochastic, before the data stage */
    return;
  rt_options_set_num(&run->opt, "tol", 0); /* off */
  if (!cmp->quiet)
    fprintf(stderr, "bloc " CMD ": warning: tol does not apply to '%s', whose hypergradient "
            "estimate is random (the method draws it): it runs its outer_steps\n", run->label);
}

/* The options of the program's solve declaration one method does not have or use, "a, b, c":
 * warned about once for all methods (warn_ignored), not once per option and method (the 11
 * methods of a comparison on hyperclean.blo, a lancbio solve line, printed 47 lines). */
typedef struct Ignored {
  char keys[512];
} Ignored;

static void add_ignored(void *ctx, const char *key) {
  Ignored *ign = ctx;
  size_t len = strlen(ign->keys);
  snprintf(ign->keys + len, sizeof ign->keys - len, "%s'%s'", len ? ", " : "", key);
}

/* One warning per set of ignored options, naming every method that ignores that set:
 * "options 'm0', 'm_growth' of the program's method 'lancbio' do not apply to 'soba', 'itd'
 * (ignored)"; for one option and one method the words of bloc run --method's warning. */
static void warn_ignored(const Compare *cmp, const char *method, const Ignored *ign) {
  for (int r = 0; r < cmp->nruns; r++) {
    if (!ign[r].keys[0]) continue;
    bool seen = false; /* the set was warned about with an earlier method */
    for (int e = 0; e < r && !seen; e++) seen = strcmp(ign[e].keys, ign[r].keys) == 0;
    if (seen) continue;
    char names[1024] = "";
    int n = 0;
    for (int o = r; o < cmp->nruns; o++) {
      if (strcmp(ign[o].keys, ign[r].keys) != 0) continue;
      size_t len = strlen(names);
      snprintf(names + len, sizeof names - len, "%s'%s'", n++ ? ", " : "", cmp->runs[o].label);
    }
    bool one = !strchr(ign[r].keys, ',');
    fprintf(stderr,
            "bloc " CMD ": warning: option%s %s of the program's method '%s' do%s not apply to "
            "%s (ignored)\n",
            one ? "" : "s", ign[r].keys, method, one ? "es" : "", names);
  }
}

/* Whether the setting s reaches entry r (run) in layer `pass`: 0 the --set for every method
 * that has and uses the key, 1 the entry's own --set LABEL.key. */
static bool set_reaches(const CmpRun *run, int r, const CmpSet *s, int pass) {
  return (pass == 0 ? s->run == -1 : s->run == r) && opt_applies(run->opt.method, s->key);
}

/* One method's options (resolve_options); the program's options it ignores into *ign. */
static int resolve_one(BloCompiled *c, Compare *cmp, int r, const CmpSet *sets, int nsets,
                       Ignored *ign) {
  CmpRun *run = &cmp->runs[r];
  bool again = false; /* the method of an earlier entry: its warnings were given there */
  for (int e = 0; e < r; e++) again |= strcmp(cmp->runs[e].method, run->method) == 0;
  if (opt_resolve_collect(c, CMD, cmp->quiet || again, run->method, &run->opt, add_ignored, ign))
    return 1;
  bool tol_every = false; /* the last setting of tol is one for every method */
  for (int pass = 0; pass < 2; pass++) {
    RtOptions earlier = run->opt; /* each layer overrides the ones before, aliases too */
    for (int i = 0; i < nsets; i++) {
      const CmpSet *s = &sets[i];
      if (!set_reaches(run, r, s, pass)) continue;
      const char *err = rt_options_set_over(&run->opt, &earlier, s->key, s->value);
      if (err) { /* checked in parse_sets: cannot fail */
        error("--set %s: %s", s->text, err);
        return 1;
      }
      if (strcmp(s->key, "tol") == 0) tol_every = pass == 0;
    }
  }
  drop_random_tol(cmp, run, tol_every);
  return 0;
}

/* The rules between entry r's options (opt_check_rules_keyed), as bloc run checks them: one
 * the solve line breaks at its location unless a setting mended it, else naming the last
 * setting that gave an option involved (it was rt_check's "method 'M': ..." with a hint to
 * use M.KEY even when that was the setting given, or sema's refusal of the file for every
 * entry, before the settings were read); a setting for every method with a hint to set the
 * option for this entry alone. Then whether the method may run on the lower objective. */
static int check_one(BloCompiled *c, const Compare *cmp, int r, const CmpSet *sets, int nsets) {
  const CmpRun *run = &cmp->runs[r];
  const char **texts = malloc(((size_t)nsets + 1) * sizeof *texts);
  const char **keys = malloc(((size_t)nsets + 1) * sizeof *keys);
  const char **hints = malloc(((size_t)nsets + 1) * sizeof *hints);
  if (!texts || !keys || !hints) exit(3);
  char hint[160];
  snprintf(hint, sizeof hint, "--set %s.KEY=VALUE sets an option of %s alone", run->label,
           strcmp(run->label, run->method) == 0 ? "that method" : "that entry");
  int n = 0; /* the settings that gave this entry an option, in the order they apply */
  for (int pass = 0; pass < 2; pass++)
    for (int i = 0; i < nsets; i++)
      if (set_reaches(run, r, &sets[i], pass)) {
        texts[n] = sets[i].text;
        keys[n] = sets[i].key;
        hints[n++] = pass == 0 ? hint : NULL;
      }
  int rc = opt_check_rules_named(c, CMD, &run->opt, texts, keys, hints, n);
  free(texts);
  free(keys);
  free(hints);
  return rc ? 1 : opt_check_suits(c, &run->opt); /* e.g. a non-smooth g, a Hessian method */
}

/* Each method's options: the program's solve options it has (the rest warned about, grouped:
 * warn_ignored), then the --set for every method, then the --set METHOD.key for it, less a
 * tol it cannot take (drop_random_tol); then, after the warnings, the rules between them and
 * whether the method may run on the lower objective (check_one). */
static int resolve_options(BloCompiled *c, Compare *cmp, const CmpSet *sets, int nsets) {
  Ignored *ign = calloc((size_t)cmp->nruns + 1, sizeof *ign);
  if (!ign) exit(3);
  int rc = 0;
  for (int r = 0; r < cmp->nruns && rc == 0; r++)
    rc = resolve_one(c, cmp, r, sets, nsets, &ign[r]);
  if (rc == 0 && !cmp->quiet) warn_ignored(cmp, blo_program(c)->method, ign);
  free(ign);
  for (int r = 0; r < cmp->nruns && rc == 0; r++) rc = check_one(c, cmp, r, sets, nsets);
  return rc;
}

/* Every method's setup on the problem, as rt_solve will run it: constraints between options
 * (soba's inner_steps = 1), the problem's size (exact), before the first method runs. */
static int check_runs(const Compare *cmp, const CmdArgs *a) {
  int64_t seed = a->seed_set ? (int64_t)a->seed : -1;
  for (int r = 0; r < cmp->nruns; r++) {
    char err[1024], other[1024];
    if (rt_check(cmp->p, &cmp->runs[r].opt, seed, err, sizeof err) == 0) continue;
    /* the same failure for every method is the problem's (a box of data bounds that is
     * empty), where a hint about one method's options misled */
    bool every = true;
    for (int q = 0; q < cmp->nruns && every; q++)
      every = rt_check(cmp->p, &cmp->runs[q].opt, seed, other, sizeof other) != 0 &&
              strcmp(other, err) == 0;
    if (every && cmp->nruns > 1) {
      error("%s", err);
    } else if (strcmp(cmp->runs[r].label, cmp->runs[r].method) == 0) {
      error("method '%s': %s", cmp->runs[r].method, err);
      fprintf(stderr, "hint: --set %s.KEY=VALUE sets an option of that method alone\n",
              cmp->runs[r].method);
    } else {
      error("'%s' (method '%s'): %s", cmp->runs[r].label, cmp->runs[r].method, err);
      fprintf(stderr, "hint: --set %s.KEY=VALUE sets an option of that entry alone\n",
              cmp->runs[r].label);
    }
    return 1;
  }
  return 0;
}

/* f, hypergrad_norm and every report; --maximize names reports where larger is better. */
static int make_quantities(Compare *cmp, char *maximize) {
  /* the checked program's reports (the problem's report_names), known before the data stage */
  const Program *prog = blo_program(cmp->c);
  int nrep = prog->nreports;
  const char **names = calloc((size_t)nrep + 1, sizeof *names);
  if (!names) exit(3);
  for (int i = 0; i < nrep; i++) names[i] = prog->reports[i]->name;
  cmp->nq = 2 + nrep;
  cmp->q = calloc((size_t)cmp->nq, sizeof *cmp->q);
  if (!cmp->q) exit(3);
  cmp->q[0] = (CmpQuantity){.name = "f", .label = "f (upper objective)", .column = -1, .report = -1,
                            .log_positive = true};
  cmp->q[1] = (CmpQuantity){.name = "hypergrad_norm",
                            .label = "|hypergradient|",
                            .column = -1,
                            .report = -1,
                            .log_positive = true};
  for (int i = 0; i < nrep; i++)
    cmp->q[2 + i] = (CmpQuantity){
        .name = names[i], .label = names[i], .column = -1, .report = i};
  for (char *tok = maximize, *next; tok; tok = next) {
    next = strchr(tok, ',');
    if (next) *next++ = '\0';
    int found = -1;
    for (int i = 0; i < nrep; i++)
      if (strcmp(names[i], tok) == 0) found = i;
    if (found < 0) {
      if (nrep) error("--maximize: '%s' is not a report of the program", tok);
      else error("--maximize: '%s' is not a report of the program (it has none)", tok);
      const char *near =
          diag_suggest(tok, names, (size_t)nrep);
      /* or the one report whose name holds it ('acc' for 'val_acc', too far to be a typo) */
      int holding = 0;
      const char *holder = NULL;
      for (int i = 0; !near && *tok && i < nrep; i++)
        if (strstr(names[i], tok)) holding++, holder = names[i];
      if (holding == 1) near = holder; /* several: no guess */
      if (near) fprintf(stderr, "hint: did you mean '%s'?\n", near);
      free(names);
      return 1;
    }
    cmp->q[2 + found].maximize = true;
  }
  for (int r = 0; r < cmp->nruns; r++) {
    cmp->runs[r].stats = calloc((size_t)cmp->nq, sizeof(CmpStats));
    if (!cmp->runs[r].stats) exit(3);
  }
  free(names);
  return 0;
}

/* ------------------------------------------------------------------ outputs */

/* PREFIX from -o, or DIR/NAME for --out-dir DIR (default NAME_compare), creating DIR; with
 * !create, DIR is only checked (*fresh: it does not exist yet, and can be created). */
static int make_prefix(Compare *cmp, const char *prefix, const char *out_dir, bool create,
                       bool *fresh) {
  const char *pname = blo_program(cmp->c)->name;
  const char *name = pname && pname[0] ? pname : "compare";
  free(cmp->prefix);
  cmp->prefix = NULL;
  if (fresh) *fresh = false;
  if (prefix) {
    size_t len = strlen(prefix);
    if (!len || prefix[len - 1] == '/') {
      error(
          "-o expects a file name prefix (outputs are PREFIX.csv, PREFIX.gp, PREFIX_f.svg, ...), "
          "got '%s'",
          prefix);
      fprintf(stderr, "hint: use --out-dir DIR to write into a directory\n");
      return 1;
    }
    int bad = cmp_plot_bad_byte(prefix);
    if (bad >= 0) {
      error("-o: the file name holds the control character 0x%02x, which would end a line of the "
            "gnuplot script PREFIX.gp; choose a name without control characters", bad);
      return 1;
    }
    cmp->prefix = xstrdup(prefix);
    return 0;
  }
  char *dir = out_dir ? xstrdup(out_dir) : xasprintf("%s_compare", name);
  struct stat st;
  bool ok;
  if (create) {
    ok = mkdir(dir, 0777) == 0 || (errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode));
  } else if (stat(dir, &st) == 0) {
    ok = S_ISDIR(st.st_mode);
    errno = EEXIST;
  } else {
    /* whether a file of that name could be made there: so could the directory */
    ok = errno == ENOENT && rt_outfile_check(dir, NULL, 0) == 0;
    if (fresh) *fresh = ok;
  }
  if (!ok) {
    error("cannot create the output directory '%s': %s", dir,
          errno == EEXIST ? "a file has that name" : strerror(errno));
    free(dir);
    return 1;
  }
  size_t len = strlen(dir);
  cmp->prefix = xasprintf("%s%s%s", dir, len && dir[len - 1] == '/' ? "" : "/", name);
  free(dir);
  return 0;
}

/* Split a CSV row of numbers (no quoting: the trace quotes only header names) into fields. */
static int split_fields(char *line, char **fields, int max) {
  int n = 0;
  for (char *s = line;; s++) {
    if (n < max) fields[n] = s;
    n++;
    s += strcspn(s, ",\n");
    if (*s != ',') {
      *s = '\0';
      break;
    }
    *s = '\0';
  }
  return n;
}

/* From the first trace's header: the column of every quantity (reports follow ritz_max). */
static int locate_columns(Compare *cmp, const char *header) {
  char *h = xstrdup(header);
  int ncols = 1;
  for (const char *s = h; *s; s++) ncols += *s == ',';
  char **fields = malloc(sizeof(char *) * (size_t)ncols);
  if (!fields) exit(3);
  split_fields(h, fields, ncols);
  int ritz_max = -1;
  for (int k = 0; k < ncols; k++) {
    if (strcmp(fields[k], "f") == 0 && cmp->q[0].column < 0) cmp->q[0].column = k;
    if (strcmp(fields[k], "hypergrad_norm") == 0) cmp->q[1].column = k;
    if (strcmp(fields[k], "ritz_max") == 0) ritz_max = k;
    if (strcmp(fields[k], "time") == 0) cmp->time_column = k;
  }
  for (int i = 2; i < cmp->nq; i++)
    cmp->q[i].column = ritz_max < 0 ? -1 : ritz_max + 1 + cmp->q[i].report;
  int bad = cmp->time_column < 0;
  for (int i = 0; i < cmp->nq; i++) {
    CmpQuantity *q = &cmp->q[i];
    bad |= q->column < 0 || q->column >= ncols;
    int first = 0;
    while (first < ncols && strcmp(fields[first], q->name) != 0) first++;
    q->by_name = first == q->column;
  }
  free(fields);
  free(h);
  if (bad)
    error("internal error: unexpected trace header '%s' (%s:%d)", header, __FILE__, __LINE__);
  return bad;
}

/* first: the run's first trace point, left out of the "later" range (compare_plot.c) */
static void add_stat(CmpStats *s, const char *field, bool first) {
  char *end;
  double v = strtod(field, &end);
  if (end == field || *end || !(v - v == 0)) return; /* empty (not computed) or non-finite */
  if (s->n_finite == 0 || v < s->min_finite) s->min_finite = v;
  if (s->n_finite++ == 0 || v > s->max_finite) s->max_finite = v;
  if (v > 0 && (s->n_positive++ == 0 || v < s->min_positive)) s->min_positive = v;
  if (first) return;
  if (s->n_later == 0 || v < s->min_later) s->min_later = v;
  if (s->n_later++ == 0 || v > s->max_later) s->max_later = v;
}

/* Append run r's trace (rt_run.c's format) to the combined CSV, prefixed with the method,
 * and gather the stats of its quantities. The first trace gives the header. */
static int merge_trace(Compare *cmp, CmpRun *r, const char *path, FILE *csv, char **header) {
  FILE *t = fopen(path, "r");
  if (!t) return 0; /* the run stopped before its first trace point (status 1) */
  char *line = NULL, **fields = NULL;
  size_t cap = 0;
  int rc = 0, ncols = 0;
  if (getline(&line, &cap, t) > 0) {
    if (!*header) {
      *header = xstrdup(line);
      fprintf(csv, "method,%s", line);
      rc = locate_columns(cmp, line);
    } else if (strcmp(*header, line) != 0) {
      error("internal error: the traces of two methods have different columns (%s:%d)", __FILE__,
            __LINE__);
      rc = 1;
    }
    for (const char *s = line; *s; s++) ncols += *s == ',';
    ncols++;
    fields = malloc(sizeof(char *) * (size_t)ncols);
    if (!fields) exit(3);
  }
  while (rc == 0 && getline(&line, &cap, t) > 0) {
    fprintf(csv, "%s,%s", r->label, line);
    r->rows++;
    if (split_fields(line, fields, ncols) != ncols) continue;
    for (int i = 0; i < cmp->nq; i++)
      add_stat(&r->stats[i], fields[cmp->q[i].column], r->rows == 1);
    double time = strtod(fields[cmp->time_column], NULL);
    if (time > cmp->time_max) cmp->time_max = time;
  }
  free(fields);
  free(line);
  fclose(t);
  return rc;
}

/* ------------------------------------------------------------------ the runs */

/* A stop signal arrived (interrupted), and which (stop_sig, the first one; 0 when another
 * rank's stopped this one under mpirun). */
static volatile sig_atomic_t interrupted, stop_sig;

static void on_stop_signal(int sig) {
  if (!stop_sig) stop_sig = sig;
  interrupted = 1;
  rt_request_stop();
}

/* The signals that stop a compare as Ctrl-C does (the running method stops after its step,
 * the rest are skipped, what was run is written, status 128 + signal), as they stop bloc run:
 * kill's default, a closed terminal and a closed pipe. They killed it, leaving the CSV's
 * temporary beside the CSV and the directory of the traces in /tmp, and writing nothing. */
static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
#define NSTOP_SIGNALS (int)(sizeof stop_signals / sizeof stop_signals[0])
typedef struct StopHandlers {
  bool installed[NSTOP_SIGNALS];
  struct sigaction old[NSTOP_SIGNALS];
} StopHandlers;

/* From before the temporaries are made until they are gone. A signal the process was started
 * with ignored (nohup, a background job of a script) stays ignored. A second SIGINT, SIGTERM
 * or SIGHUP kills, as usual; SIGPIPE is caught every time: a write into the closed pipe then
 * fails with EPIPE instead of killing compare before it removes its temporaries. */
static void install_stop_handlers(StopHandlers *h) {
  interrupted = 0;
  stop_sig = 0;
  for (int i = 0; i < NSTOP_SIGNALS; i++) {
    struct sigaction cur, sa;
    h->installed[i] = false;
    if (sigaction(stop_signals[i], NULL, &cur) != 0 || cur.sa_handler == SIG_IGN) continue;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = stop_signals[i] == SIGPIPE ? 0 : SA_RESETHAND;
    h->installed[i] = sigaction(stop_signals[i], &sa, &h->old[i]) == 0;
  }
}

static void restore_stop_handlers(const StopHandlers *h) {
  for (int i = 0; i < NSTOP_SIGNALS; i++)
    if (h->installed[i]) sigaction(stop_signals[i], &h->old[i], NULL);
}

/* Print the runtime's messages of one run, naming the entry: "bloc: error: ..." becomes
 * "bloc compare: LABEL: error: ..." (the method's name unless --methods labelled it). */
static void forward_messages(const char *label, const char *text) {
  for (const char *s = text; *s;) {
    size_t len = strcspn(s, "\n");
    if (strncmp(s, "bloc: ", 6) == 0)
      fprintf(stderr, "bloc " CMD ": %s: %.*s\n", label, (int)(len - 6), s + 6);
    else fprintf(stderr, "%.*s\n", (int)len, s);
    s += len + (s[len] == '\n');
  }
}

/* Why cmp_full_problem gave no variant (RtRunConfig.full_why). */
static const char *cmp_full_why(void *ctx) {
  const Compare *cmp = ctx;
  return blo_full_absent_why(cmp->c);
}

/* Whether a sampled program would have its full variant (cmp_full_problem), without compiling
 * it after an interrupt (a Ctrl-C wants out): data it can lend (blo_full_can_lend), no
 * batch(1) set (which drops a dimension the whole population keeps). An interrupted compare
 * of such a program said phi was "not computed: the problem samples its data", which it
 * computes when run to the end; the reason is the interrupt. */
bool cmp_full_possible(const Compare *cmp) {
  const BloProblem *p = cmp->p;
  if (cmp->full_tried) return cmp->full != NULL;
  if (!blo_problem_stochastic(p) || !cmp->args || cmp->sharded || !blo_full_can_lend(cmp->c) ||
      blo_full_why(cmp->c))
    return false;
  for (int i = 0; i < p->n_samples; i++)
    if (p->samples[i].batch == 1) return false;
  return true;
}

/* Where the run's own y is far from the yardstick's y*(x) (at, from y0): Newton from that y
 * too. A g with several minimisers in y (a Rastrigin term y^2 - cos(2 pi y), SMD3 and SMD4)
 * has a yardstick local to y0's basin: phi = -1.809 was marked best, below the bilevel
 * optimum 0, and nothing said the measure was local. Where Newton from the run's y reaches
 * another minimiser (over CMP_Y_OTHER from y*(x)) with another g or phi, r->other_min and a
 * line under the table say so. One more lower solve, only for a run whose y is that far. */
static void other_minimiser(const BloProblem *p, const RtPhiAt *at, const double *y,
                            CmpRun *r) {
  int64_t ny = p->ny;
  double *ys = calloc((size_t)ny + 1, sizeof *ys);
  if (!ys) exit(3);
  RtPhiAt from = *at;
  from.y_start = y;
  from.y_retry = NULL;
  from.ystar = ys;
  from.spread = false;
  RtPhi other;
  if (rt_phi_exact(p, &from, &other) == 0) {
    double d2 = 0, s2 = 0;
    for (int64_t i = 0; i < ny; i++) {
      double d = ys[i] - at->ystar[i];
      d2 += d * d;
      s2 += at->ystar[i] * at->ystar[i];
    }
    double dist = sqrt(d2);
    bool g_differs = fabs(other.g - r->phi.g) > 1e-9 * fmax(1.0, fabs(r->phi.g));
    bool phi_differs = fabs(other.phi - r->phi.phi) > 1e-9 * fmax(1.0, fabs(r->phi.phi));
    if (dist > CMP_Y_OTHER * fmax(1.0, sqrt(s2)) && (g_differs || phi_differs)) {
      r->other_min = true;
      r->other_dist = dist;
      r->other_g = other.g;
      r->other_phi = other.phi;
    }
  }
  free(ys);
}

/* The yardstick at the x run r keeps, its final x or a failed run's best (not for a run that
 * did not start or was interrupted: a Ctrl-C wants out), and how far its y is. All ranks
 * measure together under mpirun. Its dense Newton solve costs ny HVPs a step, seconds for ny in
 * the thousands (over 2000, Newton-CG: fewer, but as many as the Hessian's condition asks): a
 * note says where that time went. */
static void measure_phi(const Compare *cmp, CmpRun *r) {
  r->y_lag = NAN;
  if (r->res.stop == RT_STOP_NONE || r->res.stop == RT_STOP_INTERRUPTED) {
    /* the table and the summary's phi_note say why, as for any phi not computed: the
     * problem's reason first (sampled data), which the interrupt did not cause */
    if (rt_phi_applies(cmp->p, cmp->nonsmooth_op, &r->phi) == 0 || cmp_full_possible(cmp))
      snprintf(r->phi.why, sizeof r->phi.why, "%s",
               r->res.stop == RT_STOP_NONE ? "the method did not run"
                                           : "the method was interrupted");
    return;
  }
  double t0 = rt_seconds();
  int64_t ny = cmp->p->ny;
  double *ystar = calloc((size_t)ny + 1, sizeof *ystar);
  if (!ystar) exit(3);
  /* the point the run keeps (bloc run saves it): after a numerical failure its best trace
   * point, not the last iterate before the failure, which measured g = nan at x_step = 1e8 */
  const double *x = r->res.saved_best ? r->res.best_x : r->res.x;
  const double *y = r->res.saved_best ? r->res.best_y : r->res.y;
  /* from y0, the same start for every method; from the run's y only where g is flat where
   * Newton from y0 stopped (exp underflow on an entropic OT dual: no phi for any method) */
  RtPhiAt at = {.x = x, .sharded = cmp->sharded, .nonsmooth_op = cmp->nonsmooth_op,
                .ystar = ystar, .y_retry = y};
  /* a sampled program's phi is its full variant's, over all the data (every sample set
   * whole); without one, rt_phi_exact says why not */
  const BloProblem *p = blo_problem_stochastic(cmp->p) ? cmp_full_problem((void *)cmp) : NULL;
  r->phi_measured = rt_phi_exact(p ? p : cmp->p, &at, &r->phi) == 0;
  if (!r->phi_measured && !p && blo_problem_stochastic(cmp->p) && blo_full_why(cmp->c))
    snprintf(r->phi.why, sizeof r->phi.why, "phi over all the data has no form here: %s",
             blo_full_why(cmp->c));
  if (r->phi_measured) { /* how far the run's own y, where its reports were taken, is */
    double d2 = 0, s2 = 0;
    for (int64_t i = 0; i < ny; i++) {
      double d = y[i] - ystar[i];
      d2 += d * d;
      s2 += ystar[i] * ystar[i];
    }
    r->y_lag = sqrt(d2) / fmax(1.0, sqrt(s2));
    if (r->y_lag > CMP_Y_OTHER && !r->phi.retried) other_minimiser(p ? p : cmp->p, &at, y, r);
  }
  free(ystar);
  /* bloc eval warns at that floor too: a yardstick 1e-3 off (phi 11.601162 where the rounded
   * data's exact one is 11.589631) was given as exact */
  if (r->phi_measured && r->phi.float_floor && !cmp->quiet && rt_mpi_rank() == 0)
    fprintf(stderr,
            "bloc " CMD ": note: phi at the x of %s: Newton's method on g stopped at "
            "|grad_y g| = %.3g > y_tol = %.3g, where the rounding of the float data (precision "
            "f32) stops it, and phi is only as good as that\n",
            r->label, r->phi.lower_norm, r->phi.lower_tol);
  if (r->phi_measured && r->phi.degenerate && !cmp->quiet && rt_mpi_rank() == 0)
    fprintf(stderr,
            "bloc " CMD ": note: phi at the x of %s: g is not strongly convex at y*(x) (a "
            "degenerate minimiser: Newton's method on g reached y_tol only linearly as the "
            "lower Hessian vanished), so y*(x) is only accurate to about %.3g, phi and |grad "
            "phi| only as good as that\n",
            r->label, r->phi.ystar_err);
  double t = rt_seconds() - t0;
  if (t >= 1 && !cmp->quiet && rt_mpi_rank() == 0)
    fprintf(stderr,
            "bloc " CMD ": note: phi at the x of %s took %.3g s (a %s solve for y*(x), "
            "%lld lower variables)\n",
            r->label, t, r->phi.by_cg ? "Newton-CG" : "dense Newton", (long long)cmp->p->ny);
}

/* Run every method in order, each with its own trace in tmpdir, merged into csv as it ends.
 * Ctrl-C stops the running method (its results are kept) and skips the rest. Under mpirun
 * every rank runs each method on its rows (tmpdir and csv NULL but on rank 0, which alone
 * traces), and the ranks go on to the next method or stop together. */
static int run_all(Compare *cmp, const CmdArgs *a, const char *tmpdir, FILE *csv) {
  bool speaker = rt_mpi_rank() == 0;
  char *header = NULL;
  int rc = 0;
  for (int i = 0; i < cmp->nruns && !interrupted && rc == 0; i++) {
    CmpRun *r = &cmp->runs[i];
    char *trace = speaker ? xasprintf("%s/%d-%s.csv", tmpdir, i, r->label) : NULL;
    char *msg = NULL;
    size_t msg_len = 0;
    FILE *messages = open_memstream(&msg, &msg_len);
    if (!messages) exit(3);
    RtRunConfig cfg;
    rt_run_config_init(&cfg);
    cfg.trace_path = trace;
    cfg.keep_best = "bloc run --keep best"; /* compare keeps each method's last point */
    cfg.quiet = cmp->quiet;
    cfg.silent = !speaker;
    cfg.sharded = cmp->sharded;
    /* the end-of-run checks as bloc run makes them: a random estimate (bsa, ttsa, ufom) or an
     * unrolled y far from y*(x) ends with a tiny |hypergrad est| where x is not stationary,
     * and only these warnings say so (the table counts them: warnings column) */
    cfg.check_estimate = true;
    cfg.nonsmooth_op = cmp->nonsmooth_op;
    cfg.full_problem = cmp_full_problem;
    cfg.full_why = cmp_full_why;
    cfg.full_ctx = cmp;
    cfg.messages = messages;
    cfg.handle_sigint = false;
    cfg.progress_name = r->label; /* its rows' name, "small: step 10/40 ..." */
    if (a->seed_set) cfg.seed = (int64_t)a->seed;
    rt_solve(cmp->p, &r->opt, &cfg, &r->res);
    r->state = CMP_RAN;
    fclose(messages);
    forward_messages(r->label, msg);
    free(msg);
    measure_phi(cmp, r); /* after the run: not in its time */
    if (speaker) {
      rc = merge_trace(cmp, r, trace, csv, &header);
      unlink(trace);
      free(trace);
    }
    if (r->res.status == RT_STATUS_INTERRUPTED) {
      interrupted = 1;
      /* stopped through rt_request_stop, which says SIGINT: the table names the signal */
      if (stop_sig) r->res.status = 128 + stop_sig;
    }
    if (rt_mpi_size() > 1) {
      rc = rt_mpi_agree(rc, NULL);
      interrupted = rt_mpi_agree(interrupted, NULL);
    }
  }
  free(header);
  if (interrupted && !cmp->quiet)
    fprintf(stderr, "bloc " CMD ": note: interrupted; the methods not run yet are skipped\n");
  return rc;
}

/* 0 when at least one method finished, else the worst status; 128 + signal after a stop
 * signal (130 after Ctrl-C). */
static int exit_status(const Compare *cmp) {
  if (interrupted) return 128 + (stop_sig ? stop_sig : SIGINT);
  int worst = 0;
  for (int i = 0; i < cmp->nruns; i++) {
    const CmpRun *r = &cmp->runs[i];
    if (r->state != CMP_RAN) continue;
    if (r->res.status == RT_STATUS_OK) return 0;
    if (r->res.status > worst) worst = r->res.status;
  }
  return worst;
}

/* PREFIX_summary.csv (cmp_write_summary), replaced whole when complete. 0, or 1 after an
 * error. */
static int write_summary(const Compare *cmp) {
  RtOutFile o;
  char err[1024];
  if (rt_outfile_open(&o, cmp->summary_path, err, sizeof err)) {
    error("%s", err);
    return 1;
  }
  cmp_write_summary(cmp, o.f);
  if (rt_outfile_commit(&o, cmp->summary_path, err, sizeof err)) {
    error("%s", err);
    return 1;
  }
  return 0;
}

static void print_outputs(const Compare *cmp, FILE *out) {
  fprintf(out, "\nwrote %s, %s and %s", cmp->csv_path, cmp->summary_path, cmp->gp_path);
  int nplots = 0;
  for (int i = 0; i < cmp->nq; i++) nplots += cmp->q[i].plot != NULL;
  if (nplots && cmp->drawn) {
    fprintf(out, "; plots:");
    for (int i = 0; i < cmp->nq; i++)
      for (unsigned fmt = 1; fmt <= CMP_ALL_FORMATS && cmp->q[i].plot; fmt <<= 1)
        if (cmp->drawn & fmt) fprintf(out, " %s.%s", cmp->q[i].plot, cmp_format_ext(fmt));
  }
  /* an earlier compare's plots that this one did not draw (compare_plot.c) */
  if (cmp->removed)
    fprintf(out, "; removed an earlier compare's plots not drawn now:%s", cmp->removed);
  fputc('\n', out);
}

const BloProblem *cmp_full_problem(void *ctx) {
  Compare *cmp = ctx;
  if (!cmp->full_tried && cmp->args && !cmp->sharded) {
    cmp->full_tried = true;
    if (cmd_compile_full(cmp->args, cmp->c, &cmp->full)) cmp->full = NULL;
  }
  return cmp->full ? blo_problem(cmp->full) : NULL;
}

static void cmp_free(Compare *cmp) {
  blo_compiled_free(cmp->full); /* it borrows the compile's data */
  cmp->full = NULL;
  for (int i = 0; i < cmp->nruns; i++) {
    if (cmp->runs[i].state == CMP_RAN) rt_result_free(&cmp->runs[i].res);
    free(cmp->runs[i].stats);
    free(cmp->runs[i].sets);
  }
  free(cmp->runs);
  for (int i = 0; i < cmp->nq; i++) free(cmp->q[i].plot);
  free(cmp->q);
  free(cmp->csv_path);
  free(cmp->gp_path);
  free(cmp->summary_path);
  free(cmp->prefix);
  free(cmp->tmpdir);
  free(cmp->removed);
}

/* The outputs written after the run, checked before it by the rule of the CSV (rt_outfile.h):
 * the script, the summary and every plot a quantity may get. The plots were gnuplot's to
 * write, after the run, and it followed another user's link in /tmp. 0, or 1 after an error. */
static int check_later_outputs(const Compare *cmp) {
  char err[1024];
  if (rt_outfile_check(cmp->gp_path, err, sizeof err) ||
      rt_outfile_check(cmp->summary_path, err, sizeof err)) {
    error("%s", err);
    return 1;
  }
  for (int k = 0; k < cmp->nq && cmp_plots_wanted(); k++)
    for (unsigned fmt = 1; fmt <= CMP_ALL_FORMATS; fmt <<= 1) {
      if (!(cmp->formats & fmt)) continue;
      char *plot = cmp_plot_path(cmp, k, fmt);
      int bad = blo_output_replaces_input(cmp->c, plot, err, sizeof err) ||
                rt_outfile_check(plot, err, sizeof err);
      free(plot);
      if (bad) {
        error("%s", err);
        return 1;
      }
    }
  return 0;
}

/* The paths of the CSV, the script and the summary, from cmp->prefix. */
static void output_paths(Compare *cmp) {
  free(cmp->csv_path);
  free(cmp->gp_path);
  free(cmp->summary_path);
  cmp->csv_path = xasprintf("%s.csv", cmp->prefix);
  cmp->gp_path = xasprintf("%s.gp", cmp->prefix);
  cmp->summary_path = xasprintf("%s_summary.csv", cmp->prefix);
}

/* The outputs, checked before the data stage, without creating anything (a typo in -o or
 * --out-dir was refused only after loading every data file): the directory, and the files
 * in it when it exists. open_outputs checks them again (the data files too) before the
 * runs. 0, or 1 after an error. */
static int check_outputs_early(Compare *cmp, const char *prefix, const char *out_dir) {
  bool fresh;
  if (make_prefix(cmp, prefix, out_dir, false, &fresh)) return 1;
  if (fresh) return 0; /* a new directory takes any of them */
  output_paths(cmp);
  char err[1024];
  const char *outs[] = {cmp->csv_path, cmp->gp_path, cmp->summary_path};
  for (int i = 0; i < 3; i++)
    if (blo_output_replaces_input(cmp->c, outs[i], err, sizeof err) ||
        rt_outfile_check(outs[i], err, sizeof err)) {
      error("%s", err);
      return 1;
    }
  return check_later_outputs(cmp);
}

/* The output directory, the CSV (out) and the directory of the traces (*tmpdir): 0, or 1 after
 * an error. */
static int open_outputs(Compare *cmp, const char *prefix, const char *out_dir, RtOutFile *out) {
  if (make_prefix(cmp, prefix, out_dir, true, NULL)) return 1;
  output_paths(cmp);
  char err[1024];
  const char *outs[] = {cmp->csv_path, cmp->gp_path, cmp->summary_path};
  for (int i = 0; i < 3; i++)
    if (blo_output_replaces_input(cmp->c, outs[i], err, sizeof err)) {
      error("%s", err);
      return 1;
    }
  /* replaced whole when complete (rt_outfile.h): a killed compare loses nothing */
  if (rt_outfile_open(out, cmp->csv_path, err, sizeof err)) {
    error("%s", err);
    return 1;
  }
  if (check_later_outputs(cmp)) {
    rt_outfile_discard(out);
    return 1;
  }
  const char *tmp = getenv("TMPDIR");
  cmp->tmpdir = xasprintf("%s/bloc-compare-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
  if (!mkdtemp(cmp->tmpdir)) {
    error("cannot create a temporary directory '%s': %s", cmp->tmpdir, strerror(errno));
    free(cmp->tmpdir);
    cmp->tmpdir = NULL;
    rt_outfile_discard(out);
    return 1;
  }
  return 0;
}

/* Stopped by SIGPIPE, its stdout's reader gone (`bloc compare ... | head -1`): the table that
 * could not be written there is no error of its own (status 141, as bloc run's), so what is
 * left of it goes to /dev/null rather than fail the command's final check of stdout. */
static void quiet_closed_stdout(void) {
  bool bad = fflush(stdout) != 0 || ferror(stdout); /* first: this write may raise it */
  if (!bad || errno != EPIPE || stop_sig != SIGPIPE) return;
  int null = open("/dev/null", O_WRONLY);
  if (null >= 0 && dup2(null, STDOUT_FILENO) >= 0) clearerr(stdout);
  if (null >= 0) close(null);
}

/* Everything after the checks: outputs, runs, plots, table. Returns the exit status. Under
 * mpirun rank 0 alone writes the files and prints; every rank exits with the same status. */
static int compare(Compare *cmp, const CmdArgs *a, const char *prefix, const char *out_dir) {
  bool speaker = rt_mpi_rank() == 0;
  RtOutFile out;
  char err[1024];
  StopHandlers stop;
  install_stop_handlers(&stop);
  int rc = speaker ? open_outputs(cmp, prefix, out_dir, &out) : 0;
  if (driver_ranks_agree(rc)) { /* the others wait for rank 0's files */
    restore_stop_handlers(&stop);
    return 1;
  }
  rc = run_all(cmp, a, cmp->tmpdir, speaker ? out.f : NULL);
  if (!speaker) {
    restore_stop_handlers(&stop);
    return driver_ranks_agree(rc);
  }
  if (rt_outfile_commit(&out, cmp->csv_path, err, sizeof err)) {
    error("%s", err);
    rc = 1;
  }
  if (!rc) {
    rc = write_summary(cmp);
    rc = cmp_plot(cmp) || rc;
    cmp_print_table(cmp, stdout);
    print_outputs(cmp, stdout);
    quiet_closed_stdout();
    rc = rc ? rc : exit_status(cmp);
  }
  rmdir(cmp->tmpdir); /* empty: each trace and plot was removed after use */
  restore_stop_handlers(&stop);
  return driver_ranks_agree(rc);
}

int cmd_compare(int argc, char **argv) {
  const char *methods = NULL, *prefix = NULL, *out_dir = NULL, *axis = NULL, *quiet = NULL,
             *maximize = NULL;
  const char *formats = NULL;
  const char **set_texts = NULL;
  int nsets = 0;
  CmdFlag flags[] = {
      {"--methods", true, &methods, false, NULL, NULL},
      {"--set", true, NULL, true, &set_texts, &nsets},
      {"--out-dir", true, &out_dir, false, NULL, NULL},
      {"-o", true, &prefix, false, NULL, NULL},
      {"--x-axis", true, &axis, false, NULL, NULL},
      {"--maximize", true, &maximize, false, NULL, NULL},
      {"--plot-format", true, &formats, false, NULL, NULL},
      {"--quiet", false, &quiet, false, NULL, NULL},
  };
  CmdArgs a = {.cmd = CMD};
  Compare cmp = {0};
  CmpSet *sets = NULL;
  char *method_buf = NULL, *maximize_buf = NULL;
  BloCompiled *c = NULL;
  int rc = cmd_parse(argc, argv, flags, (int)(sizeof flags / sizeof flags[0]), &a);
  if (rc == 2) { /* --help */
    rc = 0;
    goto done;
  }
  if (rc) goto done;
  cmp.axis = CMP_AXIS_BOTH;
  cmp.time_column = -1;
  cmp.quiet = quiet != NULL;
  if (!methods)
    rc = cmd_usage_error(CMD, "'compare' needs --methods M1,M2,... (methods: %s)",
                         rt_method_names());
  else if (prefix && out_dir) rc = cmd_usage_error(CMD, "-o and --out-dir cannot be used together");
  else if (axis && strcmp(axis, "time") == 0) cmp.axis = CMP_AXIS_TIME;
  else if (axis && strcmp(axis, "steps") == 0) cmp.axis = CMP_AXIS_STEPS;
  else if (axis && strcmp(axis, "both") != 0)
    rc = cmd_usage_error(CMD, "--x-axis expects time, steps or both, got '%s'", axis);
  if (rc == 0) rc = parse_formats(formats, &cmp.formats);
  if (rc == 0) rc = parse_methods(method_buf = xstrdup(methods), &cmp);
  if (rc == 0) {
    sets = calloc((size_t)nsets + 1, sizeof *sets);
    if (!sets) exit(3);
    rc = parse_sets(set_texts, nsets, &cmp, sets);
  }
  for (int r = 0; rc == 0 && r < cmp.nruns; r++) { /* a labelled entry's own --set, for the table */
    CmpRun *run = &cmp.runs[r];
    if (strcmp(run->label, run->method) == 0) continue;
    char *list = xstrdup("");
    for (int i = 0; i < nsets; i++) {
      if (sets[i].run != r) continue;
      char *more = xasprintf("%s%s--set %s", list, list[0] ? ", " : "", sets[i].text);
      free(list);
      list = more;
    }
    run->sets = list[0] ? xasprintf(" (%s)", list) : xstrdup("");
    free(list);
  }
  const char **names = NULL;
  if (rc == 0) { /* compile only the kernels the listed methods call */
    names = calloc((size_t)cmp.nruns + 1, sizeof *names);
    if (!names) exit(3);
    for (int i = 0; i < cmp.nruns; i++) names[i] = cmp.runs[i].method;
    a.methods = names;
    a.nmethods = cmp.nruns;
    rc = cmd_precision_from_sets(&a, set_texts, nsets); /* the data are compiled once */
    if (rc == 0) rc = cmd_seed_from_sets(&a, set_texts, nsets);
    a.quiet = cmp.quiet;
    if (rc == 0) rc = cmd_compile_begin(&a, &c);
  }
  /* what needs no data is checked before the data stage (seconds and GB on a big problem):
   * the reports --maximize names, the methods' options, the outputs */
  if (rc == 0) {
    cmp.c = c;
    rc = make_quantities(&cmp, maximize_buf = maximize ? xstrdup(maximize) : NULL);
  }
  if (rc == 0) rc = resolve_options(c, &cmp, sets, nsets);
  if (rc == 0 && rt_mpi_rank() == 0) rc = check_outputs_early(&cmp, prefix, out_dir);
  rc = driver_ranks_agree(rc); /* rank 0 alone checks the outputs: all stop with it */
  if (rc == 0) rc = cmd_compile_rest(&a, c);
  free(names);
  a.methods = NULL;
  if (rc == 0) {
    cmp.p = blo_problem(c);
    rc = check_runs(&cmp, &a);
  }
  /* under mpirun a rank can fail alone (its data file): all stop, one message */
  rc = driver_ranks_agree(rc);
  if (rc == 0) {
    cmp.sharded = blo_sharded(c);
    cmp.nonsmooth_op = blo_program(c)->nonsmooth_op;
    cmp.args = &a;
    rc = compare(&cmp, &a, prefix, out_dir);
  }
done:
  cmp_free(&cmp); /* its full variant first: it borrows c's data */
  blo_compiled_free(c);
  cmd_args_free(&a);
  free(sets);
  free(set_texts);
  free(method_buf);
  free(maximize_buf);
  return rc;
}
