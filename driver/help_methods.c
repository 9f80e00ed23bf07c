/* help_methods.c — `bloc help run`'s list of methods and method options, from rt_methods[]:
 * an option shared by several methods with the same description is listed once, with the
 * methods that have it (when not all do) and each distinct default. */
#include "help_methods.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "rt_fmt.h"
#include "rt_methods.h"

enum { WIDTH = 92, INDENT = 22, MAX_ENTRIES = 128, MAX_METHODS = 64 };

/* One (name, description) of the catalogue and the methods that list it. */
typedef struct Entry {
  const RtOptSpec *spec;       /* the first method's row */
  const RtOptSpec *row[MAX_METHODS]; /* each method's row, or NULL */
  int nmethods;
} Entry;

/* Words of text printed from column `col`, wrapped at WIDTH with INDENT-column continuations. */
static void wrap(FILE *out, int col, const char *text) {
  const char *p = text;
  while (*p) {
    while (*p == ' ') p++;
    size_t len = strcspn(p, " ");
    if (!len) break;
    if (col > INDENT && col + 1 + (int)len > WIDTH) {
      fprintf(out, "\n%*s", INDENT, "");
      col = INDENT;
    } else if (col > INDENT) {
      fputc(' ', out);
      col++;
    }
    fprintf(out, "%.*s", (int)len, p);
    col += (int)len;
    p += len;
  }
  fputc('\n', out);
}

/* The default of one row as text ("1000", "auto"), or NULL when derived (its help says how). */
static const char *default_str(const RtOptSpec *s, char buf[32]) {
  if (s->def_word) return s->def_word;
  if (isnan(s->def)) return NULL;
  return rt_fmt_num(s->def, buf);
}

static void kind_str(const RtOptSpec *s, char *buf, size_t n) {
  switch (s->kind) {
  case RT_OPT_INT: snprintf(buf, n, "integer"); break;
  case RT_OPT_REAL: snprintf(buf, n, "number"); break;
  case RT_OPT_WORD: snprintf(buf, n, "%s", s->words); break;
  case RT_OPT_REAL_OR_WORD: snprintf(buf, n, "number or %s", s->words); break;
  }
}

/* "default D" with the most common default first and the others named by method:
 * "default 1; 0.1 for ufom, fom, itd". */
static void defaults_str(const Entry *e, char *buf, size_t n) {
  char a[32], b[32], best[32] = "";
  int best_count = 0;
  for (int i = 0; i < rt_nmethods; i++) { /* the most common default; the first on a tie */
    const char *d = e->row[i] ? default_str(e->row[i], a) : NULL;
    if (!d) continue;
    int count = 0;
    for (int j = 0; j < rt_nmethods; j++) {
      const char *dj = e->row[j] ? default_str(e->row[j], b) : NULL;
      count += dj && strcmp(dj, d) == 0;
    }
    if (count > best_count) {
      snprintf(best, sizeof best, "%s", d);
      best_count = count;
    }
  }
  buf[0] = '\0';
  if (!best_count) return;
  size_t len = (size_t)snprintf(buf, n, "default %s", best);
  /* the other defaults, each with its methods, in catalogue order */
  for (int i = 0; i < rt_nmethods && len < n; i++) {
    const char *d = e->row[i] ? default_str(e->row[i], a) : NULL;
    if (!d || strcmp(d, best) == 0) continue;
    bool seen = false;
    for (int j = 0; j < i; j++) {
      const char *dj = e->row[j] ? default_str(e->row[j], b) : NULL;
      seen |= dj && strcmp(dj, d) == 0;
    }
    if (seen) continue;
    len += (size_t)snprintf(buf + len, n - len, "; %s for", d);
    bool first = true;
    for (int j = i; j < rt_nmethods && len < n; j++) {
      const char *dj = e->row[j] ? default_str(e->row[j], b) : NULL;
      if (!dj || strcmp(dj, d) != 0) continue;
      len += (size_t)snprintf(buf + len, n - len, "%s %s", first ? "" : ",", rt_methods[j].name);
      first = false;
    }
  }
}

void help_method_options(FILE *out) {
  static Entry entries[MAX_ENTRIES];
  int nentries = 0;
  memset(entries, 0, sizeof entries);
  for (int i = 0; i < rt_nmethods && i < MAX_METHODS; i++) {
    const RtMethodSpec *m = &rt_methods[i];
    for (int k = 0; k < m->nopts; k++) {
      const RtOptSpec *s = &m->opts[k];
      /* not exact's y_step, nor ufom's inner_steps (an alias of its r) */
      if (!rt_method_shows_option(m, s->name)) continue;
      int e = 0;
      while (e < nentries && !(strcmp(entries[e].spec->name, s->name) == 0 &&
                               strcmp(entries[e].spec->help, s->help) == 0))
        e++;
      if (e == nentries) {
        if (nentries == MAX_ENTRIES) continue; /* never: the catalogue has about 40 */
        entries[nentries++].spec = s;
      }
      entries[e].row[i] = s;
      entries[e].nmethods++;
    }
  }

  fprintf(out, "\nmethods (`solve METHOD(key = value, ...)` in the program, or --method):\n");
  for (int i = 0; i < rt_nmethods; i++) {
    fprintf(out, "  %-19s ", rt_methods[i].name);
    wrap(out, INDENT, rt_methods[i].summary);
  }
  fprintf(out, "\nmethod options (in `solve`, or --set key=value; `bloc check` lists a method's "
               "values):\n");
  for (int e = 0; e < nentries; e++) {
    const Entry *en = &entries[e];
    char text[1024], kind[96], defs[512];
    size_t len = 0;
    if (en->nmethods < rt_nmethods) {
      len += (size_t)snprintf(text + len, sizeof text - len, "[");
      bool first = true;
      for (int i = 0; i < rt_nmethods; i++) {
        if (!en->row[i]) continue;
        len += (size_t)snprintf(text + len, sizeof text - len, "%s%s", first ? "" : ", ",
                                rt_methods[i].name);
        first = false;
      }
      len += (size_t)snprintf(text + len, sizeof text - len, "] ");
    }
    kind_str(en->spec, kind, sizeof kind);
    defaults_str(en, defs, sizeof defs);
    snprintf(text + len, sizeof text - len, "%s (%s%s%s)", en->spec->help, kind,
             defs[0] ? ", " : "", defs);
    if (strlen(en->spec->name) > 19) {
      fprintf(out, "  %s\n%*s", en->spec->name, INDENT, "");
    } else {
      fprintf(out, "  %-19s ", en->spec->name);
    }
    wrap(out, INDENT, text);
  }
}

int help_method(const char *name, FILE *out) {
  const RtMethodSpec *m = rt_method_find(name);
  if (!m) return -1;
  fprintf(out, "method %s: %s\n", m->name, m->summary);
  fprintf(out, "\noptions (in `solve %s(key = value, ...)`, or --set key=value):\n", m->name);
  for (int k = 0; k < m->nopts; k++) {
    const RtOptSpec *s = &m->opts[k];
    if (!rt_method_shows_option(m, s->name)) continue; /* as help_method_options */
    char text[1024], kind[96], num[32];
    const char *def = default_str(s, num);
    kind_str(s, kind, sizeof kind);
    snprintf(text, sizeof text, "%s (%s%s%s)", s->help, kind, def ? ", default " : "",
             def ? def : "");
    if (strlen(s->name) > 19) fprintf(out, "  %s\n%*s", s->name, INDENT, "");
    else fprintf(out, "  %-19s ", s->name);
    wrap(out, INDENT, text);
  }
  fprintf(out, "\nThe method's update and the meaning of its options: doc/methods.md.\n");
  return 0;
}

void help_extra(const char *cmd, FILE *out) {
  if (strcmp(cmd, "run") == 0) help_method_options(out);
}
