/* driver.h — the bloc command line: one function per subcommand (driver/cmd_*.c), dispatched
 * from driver/main.c. Each returns the process exit status: 0 success, 1 user error,
 * 2 numerical failure. */
#ifndef BLOC_DRIVER_H
#define BLOC_DRIVER_H

#include <stdbool.h>

typedef int (*DriverCmdFn)(int argc, char **argv);

typedef struct DriverCmd {
  const char *name;
  DriverCmdFn fn;
  const char *synopsis;  /* one line: arguments */
  const char *help;      /* paragraph shown by `bloc help NAME` */
} DriverCmd;

/* Subcommand table (driver/main.c). */
extern const DriverCmd driver_cmds[];
extern const int driver_ncmds;

/* Shared by subcommands that are not implemented yet: a clear error, status 1. */
int driver_not_implemented(const char *name);

/* `bloc check` and `bloc dump-ast` (driver/cmd_check.c). */
int driver_check(int argc, char **argv);
int driver_dump_ast(int argc, char **argv);

/* The other subcommands (driver/cmd_*.c). */
int cmd_run(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_derive(int argc, char **argv);
int cmd_dump_ir(int argc, char **argv);
int cmd_dump_llvm(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_emit_c(int argc, char **argv);

/* bloc under mpirun (driver/ranks.c): start MPI when a launcher started bloc and silence
 * every rank but 0; the collective check of a status, which returns the largest status of all
 * ranks and has the lowest rank failing with it print its captured messages; the end. */
void driver_ranks_start(int *argc, char ***argv);
/* Under an address-space limit (ulimit -v), fit OpenBLAS's work buffers in it: run bloc again
 * with one OpenBLAS thread when its threads' buffers do not fit (execv of /proc/self/exe with
 * argv); for the commands that compute (run, compare, eval, dump-llvm), exit with status 3
 * when one buffer and LLVM do not, else take the calling thread's buffer now
 * (address_limit.c). Nothing without a limit. First thing in main. */
void driver_fit_address_limit(char **argv);
int driver_ranks_agree(int status);
int driver_ranks_finish(int status);

/* Parse "NAME=NUMBER" (the argument of -D) into *out; out->name points into `arg` and still
 * carries "=NUMBER" (copy up to '='). Prints an error and returns false when malformed. */
struct SemaDefine;
bool driver_parse_define(const char *arg, struct SemaDefine *out);

#endif
