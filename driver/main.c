/* main.c — bloc's entry point: global flags (--help, --version), `bloc help CMD`, and
 * dispatch to the subcommands of LANGUAGE.md §8. */
#include <errno.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "driver.h"
#include "help_methods.h"
#include "support/diag.h"
#include "rt_linalg.h"
#include "rt_methods.h"
#include "rt_mpi.h"

const DriverCmd driver_cmds[] = {
  {"run", cmd_run,
   "FILE.blo [--method M] [--set key=value]... [-D NAME=VALUE]... [--data NAME=FILE]... "
   "[--seed N] [--data-seed N] [--trace F] [--out F] [--save-x F] [--save-y F] [--keep best|last] "
   "[--init-x F] [--init-y F] [--quiet] [--backend jit|interp] [--precision f64|f32]",
   "Compile the problem and solve it with its `solve` method (or --method).\n\n"
   "options:\n"
   "  --method M          run method M instead of the program's (options it does not use are\n"
   "                      dropped with a warning)\n"
   "  --set key=value     a method option (repeatable; `bloc check` lists the method's options)\n"
   "  -D NAME=VALUE       override a const of the program\n"
   "  --data NAME=FILE    load data declaration NAME from FILE (relative to the current\n"
   "                      directory) instead of the file its loader names\n"
   "  --seed N            seed of the data-stage generators and of the method's draws\n"
   "  --data-seed N       seed of the data stage alone (the draws keep --seed's): repeats a run\n"
   "                      whose result JSON has program.data_seed apart from seed\n"
   "  --trace F           the CSV trace of the trace points (- for stdout)\n"
   "  --out F             the result JSON (- for stdout)\n"
   "  --save-x F, --save-y F\n"
   "                      the final x, y, one number per line (- for stdout)\n"
   "  --keep best|last    save the best trace point or the last iterate (default: last, best\n"
   "                      after a numerical failure)\n"
   "  --init-x F, --init-y F\n"
   "                      start from saved iterates\n"
   "  --quiet             no progress, warnings or notes (the summary still prints)\n"
   "  --backend jit|interp\n"
   "                      LLVM-compiled kernels (default) or the reference evaluator\n"
   "  --precision f64|f32 store the data tensors as doubles (default) or floats; the same as\n"
   "                      --set precision=... (doc/performance.md)\n"
   "Exit status: 0 done, 1 bad input, 2 numerical failure, 3 out of memory, 128 + the signal\n"
   "when stopped by one (130: Ctrl-C), results written.\n"
   "See doc/language.md and doc/methods.md."},
  {"compare", cmd_compare,
   "FILE.blo --methods M1,LABEL=M2,... [--set key=value]... [--set LABEL.key=value]... [-D "
   "NAME=VALUE]... [--data NAME=FILE]... [--seed N] [--data-seed N] [--out-dir DIR | -o PREFIX] "
   "[--x-axis time|steps|both] "
   "[--plot-format svg|png|pdf|all] [--maximize R1,...] [--backend jit|interp] [--quiet]",
   "Run several methods on the problem and compare them: CSV, plots and a summary table.\n\n"
   "The problem is compiled once; every method runs with the same seed. The options of each\n"
   "method are the program's solve options it has, then --set key=value (every method that has\n"
   "the option), then --set LABEL.key=value (that entry only). An entry LABEL=METHOD runs\n"
   "METHOD under the name LABEL, so one method can be compared at two settings:\n"
   "  --methods lancbio,small=lancbio --set small.x_step=0.1\n"
   "A plain entry M is labelled M. Everything names an entry by its label: the CSVs' method\n"
   "column, the plots' legends, the table's rows and the messages.\n\n"
   "Outputs, in --out-dir DIR (default NAME_compare, NAME the problem's name) or under -o PREFIX:\n"
   "  PREFIX.csv              the traces of every method, with a leading 'method' column\n"
   "  PREFIX_summary.csv      the table below, one row per method, at full precision\n"
   "  PREFIX.gp               the gnuplot script of the plots (rerun it with gnuplot PREFIX.gp)\n"
   "  PREFIX_<quantity>.svg   f, hypergrad_norm and every report, one line per method, against\n"
   "                          wall time and/or outer steps (--x-axis, default both); .png, .pdf\n"
   "                          with --plot-format\n"
   "and a table on stdout: status, steps, time, each method's own final f and |hypergradient|\n"
   "estimate (not marked), the yardstick phi(x) = f(x, y*(x)) and the exact |grad phi(x)| at\n"
   "each method's final x (best marked '*': smallest), the reports at each method's own y (marked\n"
   "'*', smallest or largest for the reports named by --maximize, only where that y was checked\n"
   "within 1e-6 of y*(x)) and oracle counts.\n\n"
   "options:\n"
   "  --methods M1,LABEL=M2,...\n"
   "                      the methods to run, in order; LABEL=M runs M under the name LABEL\n"
   "                      (1 to 32 letters, digits or '_', not a digit first; unique, and not\n"
   "                      another method's name), M alone is labelled M\n"
   "  --set key=value     an option of every listed method that has it (repeatable)\n"
   "  --set LABEL.key=value\n"
   "                      an option of one entry (METHOD.key for a method listed only under\n"
   "                      labels is an error: name each label)\n"
   "  -D NAME=VALUE, --data NAME=FILE, --seed N, --data-seed N, --backend jit|interp\n"
   "                      as for bloc run (--data-seed N: the data stage's seed alone, so\n"
   "                      runs over several --seed keep the same data)\n"
   "  --out-dir DIR, -o PREFIX\n"
   "                      where the outputs go (above)\n"
   "  --x-axis time|steps|both\n"
   "                      the plots' x axis (default both)\n"
   "  --plot-format svg|png|pdf|all\n"
   "                      the plots' file formats, a comma-separated list (default svg)\n"
   "  --maximize R1,...   reports whose largest final value is best\n"
   "  --quiet             no progress, warnings or notes (compiler, options, runs)\n\n"
   "Exit status: 0 when at least one method finished, else the worst status; 128 + signal\n"
   "when stopped by SIGINT, SIGTERM, SIGHUP or SIGPIPE (130: Ctrl-C), what ran written.\n"
   "See doc/compare.md."},
  {"check", driver_check, "FILE.blo [-D NAME=VALUE]... [--data NAME=FILE]...",
   "Parse and check the program; print a summary of variables, data, objectives and the method.\n\n"
   "The data files are not opened: a missing file or one that does not match its declaration\n"
   "is found by run, eval or emit-c's solver, which load the data.\n\n"
   "options:\n"
   "  -D NAME=VALUE       override a const of the program\n"
   "  --data NAME=FILE    data declaration NAME is loaded from FILE (as bloc run; not opened)"},
  {"dump-ast", driver_dump_ast, "FILE.blo [--parse-only] [-D NAME=VALUE]...",
   "Print the syntax tree, with shapes once it checks.\n\n"
   "options:\n"
   "  --parse-only        the syntax tree alone, before checking\n"
   "  -D NAME=VALUE       override a const of the program"},
  {"derive", cmd_derive,
   "FILE.blo [--what grad_x_f|grad_y_f|grad_y_g|hvp_yy|hvp_xy|init_vjp|all] [--stats] [-D "
   "NAME=VALUE]...",
   "Print the simplified derivative expressions.\n\n"
   "options:\n"
   "  --what K            one derivative (grad_x_f, grad_y_f, grad_y_g, hvp_yy, hvp_xy,\n"
   "                      init_vjp) or all (default)\n"
   "  --stats             also the operation counts and work per call of every kernel\n"
   "  -D NAME=VALUE       override a const of the program"},
  {"eval", cmd_eval,
   "FILE.blo [--x x.csv] [--y y.csv] [--v v.csv] [--what f,g,...] [--seed N] [--data-seed N] "
   "[--backend jit|interp] [--precision f64|f32] [-D NAME=VALUE]... [--data NAME=FILE]... "
   "[--set max_inner=N]",
   "Evaluate the oracles once and print them as JSON.\n\n"
   "The default point is the one bloc run starts from: the initial x projected onto the\n"
   "constraints of the upper variables (with run's warning when that moves it), y0 at that x\n"
   "when the lower initialiser uses x. A given --x is evaluated as given, not projected, with a\n"
   "warning when it lies outside the constraints; without --y, y0 is then the initialiser's at\n"
   "that x.\n\n"
   "options:\n"
   "  --x F, --y F, --v F the point and direction, one number per line (default: the\n"
   "                      start of bloc run; v = 1)\n"
   "  --what f,g,...      what to print (default: all but hess_phi; an empty name is an\n"
   "                      error): f, g, grad_x_f, grad_y_f, grad_y_g, hvp_yy, hvp_xy,\n"
   "                      hypergrad (the formula at the point), phi, grad_phi, y_star\n"
   "                      (y*(x) by Newton), hess_phi (the Hessian of phi by central\n"
   "                      differences of grad_phi, 4 nx + 2 solves of y*(x))\n"
   "  --seed N            seed of the data-stage generators and sample draws\n"
   "  --data-seed N       seed of the data stage alone (the draws keep --seed's)\n"
   "  --backend jit|interp\n"
   "                      LLVM-compiled kernels (default) or the reference evaluator\n"
   "  --precision f64|f32 data tensors as doubles or floats (as bloc run)\n"
   "  -D NAME=VALUE       override a const of the program\n"
   "  --data NAME=FILE    load data declaration NAME from FILE (as bloc run)\n"
   "  --set max_inner=N   the most Newton steps of the solve for y*(x) (default: 100,\n"
   "                      then more in rounds of 100 while g still falls, up to 1000)"},
  {"dump-ir", cmd_dump_ir, "FILE.blo [--kernel NAME] [-D NAME=VALUE]...",
   "Print the IR of every kernel after simplification and hoisting.\n\n"
   "options:\n"
   "  --kernel NAME       one kernel only\n"
   "  -D NAME=VALUE       override a const of the program"},
  {"dump-llvm", cmd_dump_llvm,
   "FILE.blo [--plan] [--precision f64|f32] [-D NAME=VALUE]... [--data NAME=FILE]...",
   "Print the optimised LLVM IR of every kernel.\n\n"
   "options:\n"
   "  --plan              the execution plans the IR is generated from instead\n"
   "  --precision f64|f32 the kernels for double or float data (default: the solve line's)\n"
   "  -D NAME=VALUE       override a const of the program\n"
   "  --data NAME=FILE    load data declaration NAME from FILE (as bloc run)"},
  {"emit-c", cmd_emit_c,
   "FILE.blo [--method M] [--set key=value]... [-D NAME=VALUE]... [--data NAME=FILE]... "
   "[--seed N] [--precision f64|f32] [--prefix NAME] [--embed-data] [--ranks N1,N2,...] "
   "-o solver.c",
   "Write the whole solver as one standalone C file.\n\n"
   "The file holds the kernels (from the execution plans the JIT compiles), bloc's runtime, the\n"
   "data stage (or, with --embed-data, the evaluated data), the method with its resolved options,\n"
   "a library interface (PREFIX_work_size, PREFIX_solve, ...; --prefix, default the problem's\n"
   "name) and a main taking bloc run's --trace, --out, --save-x, --save-y, --keep, --quiet,\n"
   "--seed and --set. Build it with `cc -std=c99 -O2 solver.c -lm`, or with -DBLO_USE_CBLAS and\n"
   "-lopenblas; -DBLO_USE_ZLIB and -lz read gzip files. See doc/emit-c.md.\n\n"
   "options:\n"
   "  -o F                the C file to write (- for stdout)\n"
   "  --method M, --set key=value, -D NAME=VALUE, --data NAME=FILE, --seed N,\n"
   "  --precision f64|f32 as for bloc run: the method, options and data files the solver is\n"
   "                      built with (its paths are fixed in the file)\n"
   "  --prefix NAME       prefix of the library interface's names\n"
   "  --embed-data        put the evaluated data in the file (no data files needed)\n"
   "  --ranks N1,N2,...   a program with sharded data: also each rank's share for runs on N1,\n"
   "                      N2, ... processes (mpicc -DBLO_USE_MPI, mpirun; doc/emit-c.md)"},
};
const int driver_ncmds = (int)(sizeof driver_cmds / sizeof driver_cmds[0]);

int driver_not_implemented(const char *name) {
  fprintf(stderr, "bloc: error: '%s' is not implemented yet in bloc %s\n", name, PACKAGE_VERSION);
  return 1;
}

static const DriverCmd *find_cmd(const char *name) {
  for (int i = 0; i < driver_ncmds; i++)
    if (strcmp(driver_cmds[i].name, name) == 0) return &driver_cmds[i];
  return NULL;
}

static void usage(FILE *out) {
  fprintf(out, "usage: bloc COMMAND [ARGS]\n\n"
               "bloc compiles bilevel optimization problems written in .blo and solves them.\n\n"
               "commands:\n");
  for (int i = 0; i < driver_ncmds; i++) /* the first line of each help paragraph */
    fprintf(out, "  %-8s %.*s\n", driver_cmds[i].name, (int)strcspn(driver_cmds[i].help, "\n"),
            driver_cmds[i].help);
  fprintf(out, "  %-8s %s\n", "help",
          "Show the options of a command or of a method: bloc help COMMAND|METHOD.");
  fprintf(out, "\nglobal options: --help, --version\n");
}

/* Output that did not reach stdout (a full disk, /dev/full, a closed descriptor) fails the
 * command, as it does for cat: checked here once for every command. A stdout closed before
 * bloc started that was never written to is fine (close_stream of gnulib does the same).
 * Returns rc, or 1 when rc was 0 and stdout failed. */
static int check_stdout(int rc) {
  int bad = fflush(stdout) != 0 || ferror(stdout);
  int e = errno;
  if (fclose(stdout) != 0 && !bad && errno != EBADF) bad = 1, e = errno;
  if (!bad) return rc;
  fprintf(stderr, "bloc: error: writing to stdout: %s\n", strerror(e ? e : EIO));
  return rc == 0 ? 1 : rc;
}

static int dispatch(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 1;
  }
  const char *cmd = argv[1];
  /* --help, --version and help take nothing after them (help one name): an extra argument
   * was ignored, hiding a typo such as `bloc help run --set` meant as a run */
  bool info = !strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "--version");
  if ((info && argc > 2) || (!strcmp(cmd, "help") && argc > 3)) {
    fprintf(stderr, "bloc: error: unexpected argument '%s' after '%s%s%s'\n", argv[info ? 2 : 3],
            cmd, info ? "" : " ", info ? "" : argv[2]);
    fprintf(stderr, "hint: 'bloc help NAME' takes one command or method name\n");
    return 1;
  }
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
    usage(stdout);
    return 0;
  }
  if (strcmp(cmd, "--version") == 0) {
    printf("bloc %s\n", PACKAGE_VERSION);
    return 0;
  }
  if (strcmp(cmd, "help") == 0) {
    if (argc < 3) {
      usage(stdout);
      return 0;
    }
    const DriverCmd *c = find_cmd(argv[2]);
    if (!c) {
      if (help_method(argv[2], stdout) == 0) return 0;
      fprintf(stderr, "bloc: error: '%s' is neither a command nor a method\n", argv[2]);
      const char *names[128];
      size_t nn = 0;
      for (int i = 0; i < driver_ncmds && nn < 128; i++) names[nn++] = driver_cmds[i].name;
      const char *owners = rt_option_owners(argv[2]), *near = diag_suggest(argv[2], names, nn);
      if (!near) near = rt_method_near(argv[2]);
      if (owners[0]) /* a method's option: its help lists it */
        fprintf(stderr, "hint: '%s' is an option of %s ('bloc help METHOD' lists a "
                "method's options)\n", argv[2], owners);
      else if (near)
        fprintf(stderr, "hint: did you mean '%s'?\n", near);
      else fprintf(stderr, "hint: run 'bloc --help' for the commands, 'bloc help run' for the "
                           "methods\n");
      return 1;
    }
    printf("usage: bloc %s %s\n\n%s\n", c->name, c->synopsis, c->help);
    help_extra(c->name, stdout);
    return 0;
  }
  const DriverCmd *c = find_cmd(cmd);
  if (!c) {
    fprintf(stderr, "bloc: error: unknown command '%s'\n", cmd);
    fprintf(stderr, "hint: run 'bloc --help' for the list of commands\n");
    return 1;
  }
  return c->fn(argc - 1, argv + 1);
}

/* The commands that run on every rank under mpirun, data-parallel over sharded data; every
 * other command (check, derive, the dumps, emit-c, help) runs on rank 0 alone while the others
 * wait for its exit status (doc/scaling.md, "Every command under mpirun"). */
static bool on_every_rank(int argc, char **argv) {
  static const char *const cmds[] = {"run", "compare", "eval"};
  for (size_t i = 0; argc >= 2 && i < sizeof cmds / sizeof cmds[0]; i++)
    if (!strcmp(argv[1], cmds[i])) return true;
  return false;
}

/* The compiler's passes recurse once a nesting level of the program, up to the documented
 * limit (2000 levels, doc/language.md), which needs a few MB of stack: under `ulimit -s 1024`
 * a program inside the limit crashed the parser (SIGSEGV). The soft limit is raised to what
 * the passes need where the hard limit allows; the main thread's stack grows up to it (Linux
 * checks the limit as the stack grows), and threads made later take it as their default. */
enum { STACK_NEEDED = 64 << 20 };
static void raise_stack_limit(void) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_STACK, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
      rl.rlim_cur >= (rlim_t)STACK_NEEDED)
    return;
  rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > (rlim_t)STACK_NEEDED
                    ? (rlim_t)STACK_NEEDED
                    : rl.rlim_max;
  setrlimit(RLIMIT_STACK, &rl);
}

int main(int argc, char **argv) {
  driver_fit_address_limit(argv);
  raise_stack_limit();
  /* before anything else runs: OpenBLAS's idle workers would spin through the data stage and
   * the JIT (0.02-0.05 s of `bloc run`'s time to its first step; doc/performance.md) */
  rt_blas_stop_idle_threads();
  /* a file-size limit (ulimit -f) makes a write fail with EFBIG, which every output reports
   * (status 1, the old file kept), instead of killing bloc silently with status 153 */
  signal(SIGXFSZ, SIG_IGN);
  driver_ranks_start(&argc, &argv);
  bool every = on_every_rank(argc, argv);
  int rc = every || rt_mpi_rank() == 0 ? dispatch(argc, argv) : 0;
  rc = check_stdout(rc);
  if (!every) rc = driver_ranks_agree(rc); /* the others exit with rank 0's status */
  return driver_ranks_finish(rc);
}
