/* api_cmd.c — the commands' side of the C API (api_cmd.h). */
#include "api_cmd.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "api_int.h" /* api_set_defs_given, api_define_text, api_outputs_clash, ... */
#include "rt_outfile.h"

static void print_diag(void *user, const bloc_diag *d) {
  static const char *const sev[] = {"error", "warning", "note"};
  ApiCmdPrint *pr = user;
  const char *cat = bloc_diag_category(d);
  if (pr->skip_run && strcmp(cat, "run") == 0) return;
  int level = bloc_diag_severity(d);
  if (level != BLOC_NOTE) pr->after_error = level == BLOC_ERROR;
  /* a note belongs to the error or warning before it, or stands alone */
  if (pr->quiet && !(level == BLOC_ERROR || (level == BLOC_NOTE && pr->after_error))) return;
  if (bloc_diag_file(d) || strcmp(cat, "compile") == 0 || strcmp(cat, "data") == 0) {
    fputs(bloc_diag_text(d), stderr);
    return;
  }
  fprintf(stderr, "bloc %s: %s: %s\n", pr->cmd, sev[bloc_diag_severity(d)], bloc_diag_message(d));
  if (bloc_diag_hint(d)) fprintf(stderr, "hint: %s\n", bloc_diag_hint(d));
}

int api_cmd_compile(const CmdArgs *a, ApiCmdPrint *pr, bloc_problem **out) {
  bloc_problem *p = NULL;
  *out = NULL;
  if (bloc_problem_new(&p)) return 3;
  bloc_set_diag_handler(p, print_diag, pr);
  p->blas_by_size = true; /* a process of its own: OpenBLAS's threads are bloc's to set */
  int rc = BLOC_OK;
  api_set_defs_given(p, "-D"); /* messages name them as typed */
  for (int i = 0; i < a->ndefs && rc == BLOC_OK; i++) {
    rc = bloc_define(p, a->defs[i].name, a->defs[i].value);
    if (rc == BLOC_OK && a->defs[i].text) api_define_text(p, a->defs[i].text);
  }
  for (int i = 0; i < a->nfiles && rc == BLOC_OK; i++)
    rc = api_data_file(p, a->files[i].name, a->files[i].path);
  if (rc == BLOC_OK) rc = bloc_set_backend(p, a->backend == BLO_BACKEND_JIT ? "jit" : "interp");
  if (rc == BLOC_OK && a->seed_set) rc = bloc_set_seed(p, a->seed);
  if (rc == BLOC_OK && a->data_seed_set) rc = bloc_set_data_seed(p, a->data_seed);
  if (rc == BLOC_OK && a->precision_set)
    rc = bloc_set_precision(p, blo_precision_name(a->precision));
  if (rc == BLOC_OK) rc = bloc_compile_file(p, a->file);
  if (rc != BLOC_OK) {
    bloc_problem_free(p);
    return api_cmd_exit(rc, 0);
  }
  *out = p;
  return 0;
}

int api_cmd_check_outputs(const bloc_problem *p, const char *cmd, const char *const paths[4]) {
  char err[1300];
  if (!api_outputs_clash(p, paths, true, err, sizeof err)) return 0;
  fprintf(stderr, "bloc %s: error: %s\n", cmd, err);
  return 1;
}

int api_cmd_check_stdout(const char *cmd, const char *const paths[4]) {
  const char *const *flags = api_output_names[1];
  for (int i = 0; i < 4; i++)
    if (paths[i] && strcmp(paths[i], "-") == 0) return 0; /* the summary goes to stderr */
  char err[1300];
  for (int i = 0; i < 4; i++) {
    const char *pair[2] = {"-", paths[i]}, *names[2] = {"the summary on stdout", flags[i]};
    /* a descriptor's name (/dev/stdout in `{ ...; } > log`) writes into the stream, in order,
     * with the summary after it: wanted; a file's name is replaced by a rename at the end */
    bool stream = paths[i] && (!strncmp(paths[i], "/dev/", 5) || !strncmp(paths[i], "/proc/", 6));
    if (paths[i] && !stream && rt_outfile_clash(pair, names, 2, err, sizeof err)) {
      fprintf(stderr, "bloc %s: error: %s\n", cmd, err);
      return 1;
    }
  }
  return 0;
}

int api_cmd_exit(int status, int signal) {
  switch (status) {
  case BLOC_OK: return 0;
  case BLOC_ERR_NUMERICAL: return 2;
  case BLOC_ERR_MEMORY: return 3;
  case BLOC_INTERRUPTED: return 128 + signal;
  default: return 1;
  }
}
