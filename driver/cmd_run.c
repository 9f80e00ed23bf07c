/* cmd_run.c — `bloc run`: compile the problem, resolve the method and options, and solve it
 * with the runtime's run loop (progress, trace, result JSON, saved iterates). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "driver.h"
#include "options.h"
#include "rt_data.h"
#include "rt_run.h"

/* --init-x / --init-y: start from saved iterates (e.g. --save-x of an earlier run). With a
 * lower initialiser that uses x, y0 follows the new x unless --init-y is given too. */
static int override_start(BloCompiled *c, const char *init_x, const char *init_y) {
  char err[512];
  BloProblem *p = blo_problem(c);
  if (init_x && rt_read_vector_csv(init_x, "x", p->nx, blo_x0(c), rt_err(err, sizeof err)) != 0) {
    fprintf(stderr, "bloc run: error: --init-x: %s\n", err);
    return 1;
  }
  if (init_y) {
    if (rt_read_vector_csv(init_y, "y", p->ny, blo_y0(c), rt_err(err, sizeof err)) != 0) {
      fprintf(stderr, "bloc run: error: --init-y: %s\n", err);
      return 1;
    }
  } else if (init_x && p->init_uses_x) {
    double *work = calloc((size_t)p->work_size + 1, sizeof(double));
    int64_t *samples = calloc((size_t)p->sample_total + 1, sizeof(int64_t));
    if (!work || !samples) exit(3);
    BloEnv env = {p->data, samples, work, p->backend};
    double *outs[1] = {blo_y0(c)};
    p->kernels[BLO_K_INIT_Y](&env, blo_x0(c), NULL, NULL, outs);
    free(work);
    free(samples);
  }
  return 0;
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
  BloCompiled *c = NULL;
  if (method) {
    a.methods = &method;
    a.nmethods = 1;
  }
  RtKeep keep_what = RT_KEEP_AUTO;
  if (rc == 0 && keep && rt_keep_parse(keep, &keep_what)) {
    fprintf(stderr, "bloc run: error: --keep expects 'best' or 'last', got '%s'\n", keep);
    rc = 1;
  }
  cmd_precision_from_sets(&a, sets, nsets);
  if (rc == 0) rc = cmd_compile(&a, false, &c);
  if (rc == 0) rc = override_start(c, init_x, init_y);
  RtOptions opt;
  if (rc == 0) rc = opt_resolve(c, "run", method, sets, nsets, &opt);
  if (rc == 0) rc = opt_check_smooth(c, &opt);
  if (rc == 0) {
    RtRunConfig cfg;
    rt_run_config_init(&cfg);
    cfg.trace_path = trace;
    cfg.out_path = outp;
    cfg.save_x_path = save_x;
    cfg.save_y_path = save_y;
    cfg.keep = keep_what;
    cfg.quiet = quiet != NULL;
    if (a.seed_set) cfg.seed = (int64_t)a.seed;
    BloTimings t = blo_timings(c);
    cfg.t_data = t.data_ms * 1e-3;
    cfg.t_compile = (t.parse_ms + t.derive_ms + t.compile_ms) * 1e-3;
    cfg.jit_parts = t.jit_parts;
    cfg.jit_cached = t.jit_cached;
    cfg.jit_overlapped = t.overlapped;
    RtResult res;
    rc = rt_solve(blo_problem(c), &opt, &cfg, &res);
    /* --quiet silences progress and warnings, not the outcome (doc/language.md) */
    if (res.stop != RT_STOP_NONE) rt_print_summary(rt_summary_stream(&cfg), blo_problem(c), &res);
    rt_result_free(&res);
  }
  blo_compiled_free(c);
  cmd_args_free(&a);
  free(sets);
  return rc;
}
