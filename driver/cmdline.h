/* cmdline.h — argument parsing shared by the subcommands: the input file, -D NAME=VALUE,
 * --seed, --backend, and "--key value" / "--key=value" flags with clear errors. */
#ifndef BLOC_CMDLINE_H
#define BLOC_CMDLINE_H

#include <stdbool.h>
#include <stdint.h>

#include "blo.h"
#include "front/sema.h"

typedef struct CmdFlag {
  const char *name;    /* "--trace" */
  bool takes_value;
  const char **value;  /* set to the value (or "1" for switches) */
  bool repeat;         /* may appear several times: values collected in `list` */
  const char ***list;
  int *nlist;
} CmdFlag;

typedef struct CmdArgs {
  const char *cmd;     /* subcommand name, for messages */
  const char *file;    /* the .blo file */
  SemaDefine *defs;
  int ndefs;
  SemaDataFile *files; /* --data NAME=FILE, in order (the last one of a name wins) */
  int nfiles;
  uint64_t seed;
  bool seed_set;
  uint64_t data_seed; /* --data-seed: the data stage's alone (over seed) */
  bool data_seed_set;
  BloBackend backend;
  bool precision_set;  /* --precision, or --set precision= (cmd_precision_from_sets) */
  BloPrecision precision;
  /* kernels to compile (see BloCompileOptions): set by the command before cmd_compile */
  const char *const *methods;
  int nmethods;
  bool all_kernels;
  /* the rank to compile for (BloCompileOptions.shard): {0, 0} the default (this process's
   * rank under mpirun, else the whole problem) */
  RtShard shard;
  /* --quiet of a command that compiles with cmd_compile (set before it): the compiler's
   * warnings and notes are dropped, errors printed with their notes and hints (the rule of
   * bloc run's --quiet, api_cmd.c); quiet_after_error is the filter's state */
  bool quiet, quiet_after_error;
} CmdArgs;

/* Parse argv[1..argc) (argv[0] is the subcommand). Common flags: -D NAME=VALUE (also
 * -DNAME=VALUE), --data NAME=FILE, --seed N, --backend=jit|interp, --precision f64|f32 (each
 * only where the command's synopsis lists it); plus `flags`. Exactly
 * one positional argument (the .blo file). Returns 0; 1 after printing an error and the usage
 * line; 2 after printing the usage for --help (the command then exits with status 0). */
int cmd_parse(int argc, char **argv, const CmdFlag *flags, int nflags, CmdArgs *out);

/* Print "bloc: error: MESSAGE" and the usage line of subcommand `cmd` on stderr; returns 1. */
int cmd_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* --set precision=f64|f32 among sets[0..n): the data's precision is decided when compiling,
 * before the options are resolved, so commands take it from --set here (the last one wins;
 * a bad value is left to option resolution to report). With --precision another value is an
 * error (returns 1 after the usage error), as for the seed. */
int cmd_precision_from_sets(CmdArgs *a, const char *const *sets, int n);

/* --set seed=N among sets[0..n) is --seed N (the last one wins): the seed of the data stage's
 * generators too, as the solve line's `seed` is; it changed only the method's draws while the
 * result JSON recorded it as the run's seed. With --seed another value is an error (returns 1
 * after the usage error); a bad value is left to option resolution. */
int cmd_seed_from_sets(CmdArgs *a, const char *const *sets, int n);

/* A file a command reads after the data stage (bloc run's --init-x, eval's --x; their length is
 * the problem's), refused before it when it cannot be read: 1 after "bloc CMD: error: FLAG:
 * ..." in rt_data_open's words, else 0. Only a regular file is opened here: a FIFO or a pipe
 * can be read once, and opening one may wait for its writer. */
int cmd_check_readable(const char *cmd, const char *flag, const char *path);

/* Free what cmd_parse allocated (the -D and --data lists). */
void cmd_args_free(CmdArgs *a);

/* Compile a.file with the common options; prints diagnostics. Returns 0 or the exit status. */
int cmd_compile(CmdArgs *a, bool no_data, BloCompiled **out);
/* cmd_compile in two halves (blo_compile_begin, blo_compile_rest), for a command that checks
 * its options against the program before the data stage. Each returns 0 or 1 (diagnostics
 * printed); *out is set as by cmd_compile, and a must not change between them. */
int cmd_compile_begin(CmdArgs *a, BloCompiled **out);
int cmd_compile_rest(CmdArgs *a, BloCompiled *c);
/* blo_compile_full of c (compiled by cmd_compile_rest with a), its messages dropped. */
int cmd_compile_full(CmdArgs *a, BloCompiled *c, BloCompiled **out);

#endif
