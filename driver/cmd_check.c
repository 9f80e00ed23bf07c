/* cmd_check.c — `bloc check` (parse and check a program, print its summary) and
 * `bloc dump-ast` (print the syntax tree, typed when it checks), plus the -D NAME=VALUE
 * parsing every subcommand that compiles a program shares. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"
#include "sema.h"

bool driver_parse_define(const char *arg, SemaDefine *out) {
  const char *eq = strchr(arg, '=');
  if (!eq || eq == arg || !(isalpha((unsigned char)arg[0]) || arg[0] == '_')) goto bad;
  for (const char *p = arg; p < eq; p++)
    if (!isalnum((unsigned char)*p) && *p != '_') goto bad;
  char *end;
  errno = 0;
  double v = strtod(eq + 1, &end);
  if (end == eq + 1 || *end != '\0' || errno == ERANGE || !isfinite(v) || isspace((unsigned char)eq[1])) goto bad;
  out->name = arg; /* NUL at '=' is added by the caller's copy below */
  out->value = v;
  return true;
bad:
  fprintf(stderr, "bloc: error: malformed -D '%s': expected NAME=NUMBER, e.g. -D n=100\n", arg);
  return false;
}

typedef struct Args {
  const char *file;
  SemaDefine *defs;
  int ndefs;
  bool parse_only;
} Args;

/* 0: parsed; 1: error (reported); 2: --help was printed */
static int parse_args(const char *cmd, const char *synopsis, int argc, char **argv, Args *a, bool allow_parse_only) {
  memset(a, 0, sizeof *a);
  a->defs = calloc((size_t)argc + 1, sizeof(SemaDefine));
  if (!a->defs) {
    fprintf(stderr, "bloc: out of memory\n");
    return 1;
  }
  for (int i = 1; i < argc; i++) {
    const char *s = argv[i];
    if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
      printf("usage: bloc %s %s\n", cmd, synopsis);
      return 2;
    }
    if (strncmp(s, "-D", 2) == 0) {
      const char *def = s[2] ? s + 2 : (i + 1 < argc ? argv[++i] : NULL);
      if (!def) {
        fprintf(stderr, "bloc: error: -D needs NAME=VALUE\n");
        goto usage;
      }
      SemaDefine d;
      if (!driver_parse_define(def, &d)) return 1;
      a->defs[a->ndefs++] = d;
      continue;
    }
    if (allow_parse_only && strcmp(s, "--parse-only") == 0) {
      a->parse_only = true;
      continue;
    }
    if (s[0] == '-' && s[1]) {
      fprintf(stderr, "bloc: error: unknown option '%s' for '%s'\n", s, cmd);
      goto usage;
    }
    if (a->file) {
      fprintf(stderr, "bloc: error: '%s' takes one file, got '%s' and '%s'\n", cmd, a->file, s);
      goto usage;
    }
    a->file = s;
  }
  if (!a->file) {
    fprintf(stderr, "bloc: error: '%s' needs a .blo file\n", cmd);
    goto usage;
  }
  return 0;
usage:
  fprintf(stderr, "usage: bloc %s %s\n", cmd, synopsis);
  return 1;
}

/* -D names are "NAME=VALUE" strings: copy the NAME part into the arena. */
static void split_defines(Arena *arena, Args *a) {
  for (int i = 0; i < a->ndefs; i++) {
    const char *eq = strchr(a->defs[i].name, '=');
    a->defs[i].name = arena_strndup(arena, a->defs[i].name, (size_t)(eq - a->defs[i].name));
  }
}

static int run(const char *cmd, const char *synopsis, int argc, char **argv, bool dump) {
  Args a;
  int r = parse_args(cmd, synopsis, argc, argv, &a, dump);
  if (r) {
    free(a.defs);
    return r == 2 ? 0 : 1;
  }
  Arena arena;
  arena_init(&arena);
  Diag diag;
  diag_init(&diag, &arena, stderr);
  split_defines(&arena, &a);
  int status = 0;
  if (dump && a.parse_only) {
    AstProgram *ast = sema_parse_only(&arena, &diag, a.file);
    if (ast && diag_error_count(&diag) == 0) ast_dump(ast, &diag, stdout);
    status = ast && diag_error_count(&diag) == 0 ? 0 : 1;
  } else {
    Program *p = sema_compile_file(&arena, &diag, a.file, a.defs, a.ndefs, NULL);
    if (p) {
      if (dump) ast_dump(p->ast, &diag, stdout);
      else sema_print_summary(p, stdout);
    }
    status = p ? 0 : 1;
  }
  fflush(stdout);
  arena_free(&arena);
  free(a.defs);
  return status;
}

int driver_check(int argc, char **argv) {
  return run("check", "FILE.blo [-D NAME=VALUE]...", argc, argv, false);
}

int driver_dump_ast(int argc, char **argv) {
  return run("dump-ast", "FILE.blo [--parse-only] [-D NAME=VALUE]...", argc, argv, true);
}
