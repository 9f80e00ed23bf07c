/* api_cmd.h — what the bloc commands that go through the C API (api/bloc.h: run, eval,
 * check) share: a problem set up from the command line and compiled, with its diagnostics
 * printed as they come, as the command prints them. */
#ifndef BLOC_API_CMD_H
#define BLOC_API_CMD_H

#include "bloc.h"
#include "cmdline.h"

/* How a command prints diagnostics: the compiler's as they are rendered, the API's own as
 * "bloc CMD: LEVEL: MESSAGE" and "hint: ..."; skip_run leaves out a solve's own (category
 * "run"), which a solve with console = on printed already; quiet (bloc run --quiet) leaves
 * out warnings and notes, except the notes of an error. */
typedef struct ApiCmdPrint {
  const char *cmd;
  bool skip_run;
  bool quiet;
  bool after_error; /* the last error or warning printed was an error: its notes print */
} ApiCmdPrint;

/* A problem with a's -D constants, backend and seed, compiled from a->file, its diagnostics
 * printed per *pr (which must outlive the problem). Returns 0, or the exit status (*out is
 * then NULL). */
int api_cmd_compile(const CmdArgs *a, ApiCmdPrint *pr, bloc_problem **out);

/* bloc run's outputs (--trace, --out, --save-x, --save-y; NULL: none) checked as bloc_solve
 * checks them (api_outputs_clash: none replaces an input of p nor another output): 0, or 1
 * after "bloc CMD: error: ..." on stderr. Under mpirun every rank checks, since only rank 0
 * hands the paths to bloc_solve: an error found by it alone stopped it before the collective
 * the others waited in, for ever (cmd_run.c). */
int api_cmd_check_outputs(const bloc_problem *p, const char *cmd, const char *const paths[4]);
/* bloc run's summary goes to stdout unless an output is "-": refuse an output that is the file
 * stdout writes (a shell's `--out r.json > r.json` kept the JSON and lost the summary, which
 * doc/security.md said was refused). 0, or 1 after "bloc CMD: error: ..." on stderr. */
int api_cmd_check_stdout(const char *cmd, const char *const paths[4]);

/* The exit status of a bloc_status (numerical 2, interrupted 128 + signal, else 1). */
int api_cmd_exit(int status, int signal);

#endif
