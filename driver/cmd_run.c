/* cmd_run.c — `bloc run`: a user of the C API (api/bloc.h). Compile the problem, prepare it
 * for the method, start from saved iterates if asked, and solve it with bloc run's files,
 * progress and signals (the run settings console and signals). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_cmd.h"
#include "api_int.h" /* api_solve_check */
#include "driver.h"
#include "rt_data.h"
#include "rt_mpi.h"
#include "rt_run.h"

/* --init-x / --init-y: start from saved iterates (e.g. --save-x of an earlier run). With a
 * lower initialiser that uses x, y0 follows the new x unless --init-y is given too. */
static int override_start(bloc_problem *p, const char *init_x, const char *init_y) {
  if (!init_x && !init_y) return 0;
  char err[512];
  int64_t nx = bloc_problem_nx(p), ny = bloc_problem_ny(p);
  double *x = calloc((size_t)(nx + ny + 1), sizeof(double)), *y = x + nx;
  if (!x) exit(3);
  int rc = 0;
  if (init_x && rt_read_vector_csv(init_x, "x", nx, x, rt_err(err, sizeof err)) != 0) {
    fprintf(stderr, "bloc run: error: --init-x: %s\n", err);
    rc = 1;
  } else if (init_y && rt_read_vector_csv(init_y, "y", ny, y, rt_err(err, sizeof err)) != 0) {
    fprintf(stderr, "bloc run: error: --init-y: %s\n", err);
    rc = 1;
  }
  if (rc == 0) rc = api_cmd_exit(bloc_set_start(p, init_x ? x : NULL, init_y ? y : NULL), 0);
  free(x);
  return rc;
}

/* The settings of bloc run's solve: its files, --keep, --quiet, progress and messages on
 * stderr, the signals, and "--set" naming a setting in messages. */
static void run_settings(bloc_options *o, const char *const paths[4], const char *keep,
                         bool quiet) {
  static const char *const keys[4] = {"trace_file", "result_file", "x_file", "y_file"};
  for (int i = 0; i < 4; i++)
    if (paths[i]) bloc_options_run(o, keys[i], paths[i]);
  if (keep) bloc_options_run(o, "keep", keep);
  bloc_options_run(o, "quiet", quiet ? "on" : "off");
  bloc_options_run(o, "console", "on");
  bloc_options_run(o, "signals", "on");
  bloc_options_run(o, "option_label", "--set");
}

int cmd_run(int argc, char **argv) {
  const char *method = NULL, *trace = NULL, *outp = NULL, *save_x = NULL, *save_y = NULL,
             *quiet = NULL;
  const char *init_x = NULL, *init_y = NULL, *keep = NULL;
  const char **sets = NULL;
  int nsets = 0;
  CmdFlag flags[] = {
    {"--method", true, &method, false, NULL, NULL}, {"--set", true, NULL, true, &sets, &nsets},
    {"--trace", true, &trace, false, NULL, NULL},   {"--out", true, &outp, false, NULL, NULL},
    {"--save-x", true, &save_x, false, NULL, NULL}, {"--save-y", true, &save_y, false, NULL, NULL},
    {"--quiet", false, &quiet, false, NULL, NULL},  {"--keep", true, &keep, false, NULL, NULL},
    {"--init-x", true, &init_x, false, NULL, NULL}, {"--init-y", true, &init_y, false, NULL, NULL},
  };
  CmdArgs a = {.cmd = "run"};
  int rc = cmd_parse(argc, argv, flags, (int)(sizeof flags / sizeof flags[0]), &a);
  if (rc == 2) { /* --help */
    cmd_args_free(&a);
    return 0;
  }
  RtKeep keep_what;
  if (rc == 0 && keep && rt_keep_parse(keep, &keep_what)) {
    fprintf(stderr, "bloc run: error: --keep expects 'best' or 'last', got '%s'\n", keep);
    rc = 1;
  }
  bloc_problem *p = NULL;
  /* --quiet: no warnings or notes, from the compiler nor from the option resolution */
  ApiCmdPrint pr = {"run", true, quiet != NULL, false};
  if (rc == 0) rc = cmd_precision_from_sets(&a, sets, nsets);
  if (rc == 0) rc = cmd_seed_from_sets(&a, sets, nsets);
  if (rc == 0) rc = api_cmd_compile(&a, &pr, &p);
  bool speaker = rt_mpi_rank() == 0; /* the others write no file and print nothing */
  bloc_options *o = NULL;
  if (bloc_options_new(&o)) exit(3);
  bloc_options_method(o, method);
  for (int i = 0; i < nsets; i++) bloc_options_set(o, sets[i], NULL);
  const char *paths[4] = {trace, outp, save_x, save_y}, *own[4];
  for (int i = 0; i < 4; i++) own[i] = speaker ? paths[i] : NULL;
  run_settings(o, own, keep, quiet != NULL || !speaker);
  /* the options, the outputs and the files to start from, before the data stage: a typo
   * there was refused only after loading every data file (seconds and GB on a big problem) */
  if (rc == 0) rc = api_cmd_exit(api_solve_check(p, o), 0);
  if (rc == 0 && speaker) rc = api_cmd_check_stdout("run", paths);
  if (rc == 0 && init_x) rc = cmd_check_readable("run", "--init-x", init_x);
  if (rc == 0 && init_y) rc = cmd_check_readable("run", "--init-y", init_y);
  rc = driver_ranks_agree(rc); /* rank 0 alone checks the outputs: all stop with it */
  if (rc == 0) rc = api_cmd_exit(bloc_prepare(p, method), 0); /* this method's kernels */
  if (rc == 0) rc = override_start(p, init_x, init_y);
  /* here, on every rank, not in bloc_solve, which only rank 0 is given the paths for */
  if (rc == 0) rc = api_cmd_check_outputs(p, "run", paths);
  /* under mpirun a rank can fail alone here (its data file): all stop, one message */
  rc = driver_ranks_agree(rc);
  if (rc == 0) {
    bloc_result *r = NULL;
    int st = bloc_solve(p, o, NULL, NULL, &r);
    double sig = 0;
    if (r && speaker) {
      /* --quiet silences progress and warnings, not the outcome (doc/language.md); the
       * summary goes to stderr when an output is stdout ("-") */
      bool dash = false;
      for (int i = 0; i < 4; i++) dash |= paths[i] && strcmp(paths[i], "-") == 0;
      fputs(bloc_result_summary(r), dash ? stderr : stdout);
    }
    if (r) bloc_result_get(r, "signal", &sig);
    rc = driver_ranks_agree(api_cmd_exit(st, (int)sig));
    bloc_result_free(r);
  }
  bloc_options_free(o);
  bloc_problem_free(p);
  cmd_args_free(&a);
  free(sets);
  return rc;
}
