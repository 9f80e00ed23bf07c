/* cmd_check.c — `bloc check` (parse and check a program, print its summary; a user of the C
 * API) and `bloc dump-ast` (print the syntax tree, typed when it checks), plus the
 * -D NAME=VALUE parsing every subcommand that compiles a program shares. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api_cmd.h"
#include "api_int.h" /* api_check_solve_line */
#include "rt_fmt.h"
#include "driver.h"
#include "ir/ir_verify.h"
#include "front/sema.h"

bool driver_parse_define(const char *arg, SemaDefine *out) {
  const char *eq = strchr(arg, '=');
  if (!eq || eq == arg || !(isalpha((unsigned char)arg[0]) || arg[0] == '_')) goto bad;
  for (const char *p = arg; p < eq; p++)
    if (!isalnum((unsigned char)*p) && *p != '_') goto bad;
  double v; /* as an option's value: decimal (-D n=0x3 read 3), an underflow reads as 0 */
  if (rt_parse_decimal(eq + 1, &v)) {
    /* a decimal number past DBL_MAX is well formed: say what the lexer says of one in a file
     * (-D n=1e400 was "malformed", 1e400 in the program "too large for a double") */
    const char *t = eq + 1;
    char *end;
    errno = 0;
    double big = *t && !isspace((unsigned char)*t) && !strpbrk(t, "xXnNiI") ? strtod(t, &end) : 0;
    if (big != 0 && *end == '\0' && errno == ERANGE && isinf(big)) {
      fprintf(stderr, "bloc: error: -D '%s': number '%s' is too large for a double\n", arg, t);
      return false;
    }
    goto bad;
  }
  out->name = arg; /* NUL at '=' is added by the caller's copy below */
  out->value = v;
  out->text = eq + 1;
  return true;
bad:
  fprintf(stderr, "bloc: error: malformed -D '%s': expected NAME=NUMBER, e.g. -D n=100\n", arg);
  return false;
}

/* With BLOC_VERIFY set, a program that checks is also lowered and derived (without its data),
 * so that the checks between compiler passes see every program the tests check. The check
 * printed its diagnostics already: this compile's go to /dev/null. */
static int verify_passes(const CmdArgs *a) {
  if (!ir_verify_enabled()) return 0;
  FILE *null = fopen("/dev/null", "w");
  BloCompileOptions opt = {.defs = a->defs, .ndefs = a->ndefs, .no_data = true,
                           .diag_out = null ? null : stderr};
  BloCompiled *c = NULL;
  int rc = blo_compile_file(a->file, &opt, &c);
  blo_compiled_free(c);
  if (null) fclose(null);
  if (rc == 0) return 0;
  fprintf(stderr, "bloc: internal error: '%s' checks but cannot be lowered\n", a->file);
  return 3;
}

/* `bloc dump-ast`: the syntax tree, typed when the program checks. */
int driver_dump_ast(int argc, char **argv) {
  const char *parse_only = NULL;
  CmdFlag flags[] = {{"--parse-only", false, &parse_only, false, NULL, NULL}};
  CmdArgs a = {.cmd = "dump-ast"};
  int r = cmd_parse(argc, argv, flags, 1, &a);
  if (r) {
    cmd_args_free(&a);
    return r == 2 ? 0 : 1;
  }
  Arena arena;
  arena_init(&arena);
  Diag diag;
  diag_init(&diag, &arena, stderr);
  int status = 0;
  if (parse_only) {
    AstProgram *ast = sema_parse_only(&arena, &diag, a.file);
    if (ast && diag_error_count(&diag) == 0) ast_dump(ast, &diag, stdout);
    status = ast && diag_error_count(&diag) == 0 ? 0 : 1;
  } else {
    SemaInputs in = {a.defs, a.ndefs, NULL, "-D", false, NULL, 0};
    Program *p = sema_compile_file(&arena, &diag, a.file, &in);
    if (p) ast_dump(p->ast, &diag, stdout);
    status = p ? 0 : 1;
  }
  fflush(stdout);
  arena_free(&arena);
  cmd_args_free(&a);
  return status;
}

/* `bloc check` goes through the C API (api/bloc.h): compile, then the program's summary. */
int driver_check(int argc, char **argv) {
  CmdArgs a = {.cmd = "check"};
  int r = cmd_parse(argc, argv, NULL, 0, &a);
  if (r) {
    cmd_args_free(&a);
    return r == 2 ? 0 : 1;
  }
  bloc_problem *p = NULL;
  ApiCmdPrint pr = {"check", false, false, false};
  int status = api_cmd_compile(&a, &pr, &p);
  /* the solve line's options as bloc run checks them: its tol on a sampled problem is
   * refused there, where a --set can switch it off, not by sema */
  if (status == 0) status = api_cmd_exit(api_check_solve_line(p), 0);
  if (status == 0) {
    fputs(bloc_problem_summary(p), stdout);
    status = verify_passes(&a);
  }
  fflush(stdout);
  bloc_problem_free(p);
  cmd_args_free(&a);
  return status;
}

