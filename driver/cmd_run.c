/* cmd_run.c — `bloc run`: compile the problem, resolve the method and options, and solve it
 * with the runtime's run loop (progress, trace, result JSON, saved iterates). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "driver.h"
#include "options.h"
#include "rt_run.h"

int cmd_run(int argc, char **argv) {
  const char *method = NULL, *trace = NULL, *outp = NULL, *save_x = NULL, *save_y = NULL, *quiet = NULL;
  const char **sets = NULL;
  int nsets = 0;
  CmdFlag flags[] = {
    {"--method", true, &method, false, NULL, NULL}, {"--set", true, NULL, true, &sets, &nsets},
    {"--trace", true, &trace, false, NULL, NULL},   {"--out", true, &outp, false, NULL, NULL},
    {"--save-x", true, &save_x, false, NULL, NULL}, {"--save-y", true, &save_y, false, NULL, NULL},
    {"--quiet", false, &quiet, false, NULL, NULL},
  };
  CmdArgs a = {.cmd = "run"};
  int rc = cmd_parse(argc, argv, flags, (int)(sizeof flags / sizeof flags[0]), &a);
  BloCompiled *c = NULL;
  if (rc == 0) rc = cmd_compile(&a, false, &c);
  RtOptions opt;
  if (rc == 0) rc = opt_resolve(c, "run", method, sets, nsets, &opt);
  if (rc == 0) {
    RtRunConfig cfg;
    rt_run_config_init(&cfg);
    cfg.trace_path = trace;
    cfg.out_path = outp;
    cfg.save_x_path = save_x;
    cfg.save_y_path = save_y;
    cfg.quiet = quiet != NULL;
    if (a.seed_set) cfg.seed = (int64_t)a.seed;
    RtResult res;
    rc = rt_solve(&c->problem, &opt, &cfg, &res);
    rt_result_free(&res);
  }
  blo_compiled_free(c);
  cmd_args_free(&a);
  free(sets);
  return rc;
}
