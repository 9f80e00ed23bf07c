/* test_help.c — `bloc help run` describes every option of every method (issue 14): the list is
 * generated from the catalogue (driver/help_methods.c), and this test reads it back: for each
 * method and each option it uses, an entry named like the option carries the option's help
 * text and either lists no methods (all have it) or lists this one. Every row of the
 * catalogue must have a one-line help for that. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "help_methods.h"
#include "rt_methods.h"

/* s with every run of white space made one space (the help wraps lines). */
static char *squeeze(const char *s) {
  char *out = malloc(strlen(s) + 1), *o = out;
  assert_non_null(out);
  bool space = false;
  for (; *s; s++) {
    if (isspace((unsigned char)*s)) {
      space = true;
      continue;
    }
    if (space && o > out) *o++ = ' ';
    space = false;
    *o++ = *s;
  }
  *o = '\0';
  return out;
}

typedef struct HelpEntry {
  char name[64];
  char *text; /* squeezed, after the name */
} HelpEntry;

/* The entries of the section whose heading line starts with `section` ("\nmethod options"):
 * a line "  NAME TEXT" and its continuation lines (indented further), up to a blank line. */
static int read_entries(char *help, const char *section, HelpEntry *e, int max) {
  char *sec = strstr(help, section);
  assert_non_null(sec);
  char *line = strchr(sec + 1, '\n') + 1;
  int n = 0;
  char *buf = NULL;
  size_t cap = 0, len = 0;
  while (line && *line && *line != '\n') {
    char *end = strchr(line, '\n');
    size_t l = end ? (size_t)(end - line) : strlen(line);
    if (l > 2 && line[0] == ' ' && line[1] == ' ' && line[2] != ' ') { /* a new entry */
      if (n) e[n - 1].text = squeeze(buf);
      assert_true(n < max);
      size_t w = strcspn(line + 2, " \n");
      snprintf(e[n].name, sizeof e[n].name, "%.*s", (int)w, line + 2);
      n++;
      len = 0;
      line += 2 + w;
      l -= 2 + w;
    }
    if (len + l + 2 > cap) {
      cap = (len + l + 2) * 2;
      buf = realloc(buf, cap);
      assert_non_null(buf);
    }
    memcpy(buf + len, line, l);
    len += l;
    buf[len++] = ' ';
    buf[len] = '\0';
    line = end ? end + 1 : NULL;
  }
  if (n) e[n - 1].text = squeeze(buf);
  free(buf);
  return n;
}

/* Whether the entry's method list "[a, b] " names m, or the entry has none (every method). */
static bool lists_method(const char *text, const char *m) {
  if (text[0] != '[') return true;
  const char *end = strchr(text, ']');
  assert_non_null(end);
  size_t ml = strlen(m);
  for (const char *p = text + 1; p < end;) {
    size_t w = strcspn(p, ",]");
    if (w == ml && strncmp(p, m, ml) == 0) return true;
    p += w + 1;
    while (*p == ' ') p++;
  }
  return false;
}

/* What `bloc help run` prints of the methods' options, in a buffer to free. */
static char *help_text(void) {
  char *help = NULL;
  size_t size = 0;
  FILE *f = open_memstream(&help, &size);
  assert_non_null(f);
  help_method_options(f);
  assert_int_equal(fclose(f), 0);
  return help;
}

static void test_every_option_described(void **state) {
  (void)state;
  char *help = help_text();
  static HelpEntry e[256];
  int n = read_entries(help, "\nmethod options", e, 256);
  int checked = 0;
  for (int i = 0; i < rt_nmethods; i++) {
    const RtMethodSpec *m = &rt_methods[i];
    for (int k = 0; k < m->nopts; k++) {
      const RtOptSpec *s = &m->opts[k];
      assert_non_null(s->help);
      assert_true(s->help[0] != '\0');
      assert_null(strchr(s->help, '\n'));
      if (!rt_method_shows_option(m, s->name)) continue; /* exact's y_step, ufom's inner_steps */
      char *want = squeeze(s->help);
      bool found = false;
      for (int j = 0; j < n && !found; j++)
        found = strcmp(e[j].name, s->name) == 0 && strstr(e[j].text, want) &&
                lists_method(e[j].text, m->name);
      if (!found) fprintf(stderr, "%s.%s (\"%s\") is not described\n", m->name, s->name, s->help);
      assert_true(found);
      free(want);
      checked++;
    }
  }
  assert_true(checked > 100);
  for (int j = 0; j < n; j++) free(e[j].text);
  free(help);
}

/* Every method is listed with its summary. */
static void test_every_method_listed(void **state) {
  (void)state;
  char *help = help_text();
  char *all = squeeze(help);
  for (int i = 0; i < rt_nmethods; i++) {
    char line[512];
    snprintf(line, sizeof line, "%s %s", rt_methods[i].name, rt_methods[i].summary);
    char *want = squeeze(line);
    assert_non_null(strstr(all, want));
    free(want);
  }
  free(all);
  free(help);
}

/* `bloc help METHOD` (help_method): the method's summary and each option it shows, with its
 * help text and default; not the options it lists without using (exact's y_step); -1 for a
 * name that is no method. */
static void test_help_method(void **state) {
  (void)state;
  static HelpEntry e[128];
  for (int i = 0; i < rt_nmethods; i++) {
    const RtMethodSpec *m = &rt_methods[i];
    char *help = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&help, &size);
    assert_non_null(f);
    assert_int_equal(help_method(m->name, f), 0);
    assert_int_equal(fclose(f), 0);
    char head[512];
    snprintf(head, sizeof head, "method %s: %s\n", m->name, m->summary);
    assert_true(strncmp(help, head, strlen(head)) == 0);
    int n = read_entries(help, "\noptions (", e, 128), shown = 0;
    for (int k = 0; k < m->nopts; k++) {
      const RtOptSpec *s = &m->opts[k];
      bool listed = false;
      for (int j = 0; j < n && !listed; j++) listed = strcmp(e[j].name, s->name) == 0;
      if (!rt_method_shows_option(m, s->name)) {
        assert_false(listed);
        continue;
      }
      char *want = squeeze(s->help);
      bool found = false;
      for (int j = 0; j < n && !found; j++)
        found = strcmp(e[j].name, s->name) == 0 && strncmp(e[j].text, want, strlen(want)) == 0;
      if (!found) fprintf(stderr, "help %s: %s is not described\n", m->name, s->name);
      assert_true(found);
      free(want);
      shown++;
    }
    assert_int_equal(n, shown); /* nothing else */
    for (int j = 0; j < n; j++) free(e[j].text);
    free(help);
  }
  char *none = NULL;
  size_t size = 0;
  FILE *f = open_memstream(&none, &size);
  assert_int_equal(help_method("aidcg", f), -1);
  assert_int_equal(fclose(f), 0);
  assert_int_equal(size, 0);
  free(none);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_option_described),
      cmocka_unit_test(test_every_method_listed),
      cmocka_unit_test(test_help_method),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
