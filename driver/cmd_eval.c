/* cmd_eval.c — `bloc eval`, a user of the C API (api/bloc.h: bloc_eval_at): every oracle
 * once, at the point bloc run starts from or at --x/--y (--v for the products), as JSON, with
 * phi and its gradient at y*(x) by Newton; the hypergradient formula is solved exactly (dense for
 * small y, CG to a 1e-12 relative residual otherwise) and says which solver it used. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_cmd.h"
#include "api_int.h"
#include "driver.h"
#include "rt_data.h"
#include "rt_fmt.h"

/* JSON has no NaN: a value that is not finite is null (bloc_eval_at reports it, status 2) */
static void json_num(double v) {
  char buf[RT_FMT_NUM_LEN];
  fputs(isfinite(v) ? rt_fmt_num(v, buf) : "null", stdout);
}

static void json_vec(const char *name, const double *v, int64_t n, bool *first) {
  printf("%s\n  \"%s\": [", *first ? "" : ",", name);
  for (int64_t i = 0; i < n; i++) {
    if (i) printf(", ");
    json_num(v[i]);
  }
  printf("]");
  *first = false;
}

static void json_scalar(const char *name, double v, bool *first) {
  printf("%s\n  \"%s\": ", *first ? "" : ",", name);
  json_num(v);
  *first = false;
}

static int read_point(const char *path, const char *what, int64_t n, double *out) {
  char err[512];
  if (rt_read_vector_csv(path, what, n, out, rt_err(err, sizeof err)) != 0) {
    fprintf(stderr, "bloc eval: error: %s\n", err);
    return 1;
  }
  return 0;
}

/* Print quantity `name` of e (a scalar, or a vector when vector) when it was evaluated. */
static void json_item(const bloc_eval *e, const char *name, bool vector, bool *first) {
  const double *v;
  int64_t n;
  if (bloc_eval_get(e, name, &v, &n) != BLOC_OK) return;
  if (vector) json_vec(name, v, n, first);
  else json_scalar(name, v[0], first);
}

/* Whether the --what list (NULL or "all": everything) names quantity `name`. */
static bool asks(const char *what, const char *name) {
  if (!what || strcmp(what, "all") == 0) return true;
  size_t n = strlen(name);
  for (const char *s = what; (s = strstr(s, name)); s += n)
    if ((s == what || s[-1] == ',') && (s[n] == ',' || s[n] == '\0')) return true;
  return false;
}

int cmd_eval(int argc, char **argv) {
  const char *xpath = NULL, *ypath = NULL, *vpath = NULL, *what = NULL;
  const char **sets = NULL;
  int nsets = 0;
  CmdFlag flags[] = {
    {"--x", true, &xpath, false, NULL, NULL}, {"--y", true, &ypath, false, NULL, NULL},
    {"--v", true, &vpath, false, NULL, NULL}, {"--what", true, &what, false, NULL, NULL},
    {"--set", true, NULL, true, &sets, &nsets},
  };
  CmdArgs a = {.cmd = "eval"};
  int rc = cmd_parse(argc, argv, flags, 5, &a);
  if (rc == 2) { /* --help */
    free(sets);
    cmd_args_free(&a);
    return 0;
  }
  const char *bad;
  int badlen;
  if (rc == 0 && bloc_eval_check_what(what, &bad, &badlen) != BLOC_OK) {
    fprintf(stderr,
            "bloc eval: error: --what: unknown quantity '%.*s'; expected a comma-separated list of "
            "%s, or all\n",
            badlen, bad, bloc_eval_quantities());
    char hint[96];
    if (api_eval_hint(bad, badlen, hint, sizeof hint)) fprintf(stderr, "hint: %s\n", hint);
    rc = 1;
  }
  bloc_problem *p = NULL;
  ApiCmdPrint pr = {"eval", false, false, false};
  if (rc == 0) rc = api_cmd_compile(&a, &pr, &p);
  /* --set KEY=VALUE: the solve for y*(x)'s settings (max_inner), as bloc run's for a method */
  for (int i = 0; i < nsets && rc == 0; i++) {
    const char *eq = strchr(sets[i], '=');
    char key[64];
    if (!eq || eq == sets[i] || eq - sets[i] >= (long)sizeof key) {
      fprintf(stderr, "bloc eval: error: --set expects KEY=VALUE (max_inner=N), got '%s'\n",
              sets[i]);
      rc = 1;
      break;
    }
    snprintf(key, sizeof key, "%.*s", (int)(eq - sets[i]), sets[i]);
    rc = api_cmd_exit(bloc_set_eval_option(p, key, eq + 1), 0);
  }
  /* the points are read after the data stage (their length is the problem's): a name that
   * cannot be read is refused before it */
  const char *const points[][2] = {{"--x", xpath}, {"--y", ypath}, {"--v", vpath}};
  for (int i = 0; i < 3 && rc == 0; i++)
    if (points[i][1]) rc = cmd_check_readable("eval", points[i][0], points[i][1]);
  if (rc == 0) rc = api_cmd_exit(bloc_prepare(p, "all"), 0);
  /* under mpirun every rank evaluates its rows' share (summed across the ranks, rank 0
   * prints): a rank that failed alone (its data file) stops all, with one message */
  int64_t nx = rc ? 0 : bloc_problem_nx(p), ny = rc ? 0 : bloc_problem_ny(p);
  double *x = calloc((size_t)(nx + 2 * ny + 1), sizeof(double)), *y = x + nx, *v = y + ny;
  if (!x) exit(3);
  if (rc == 0 &&
      ((xpath && read_point(xpath, "x", nx, x)) || (ypath && read_point(ypath, "y", ny, y)) ||
       (vpath && read_point(vpath, "v", ny, v))))
    rc = 1;
  rc = driver_ranks_agree(rc);
  if (rc) {
    free(x);
    free(sets);
    bloc_problem_free(p);
    cmd_args_free(&a);
    return rc;
  }
  bloc_eval *e = NULL;
  int st = BLOC_OK;
  if (rc == 0) {
    st = bloc_eval_at(p, what, xpath ? x : NULL, ypath ? y : NULL, vpath ? v : NULL, &e);
    if (!e) rc = api_cmd_exit(st, 0);
  }
  /* a request that cannot be met (phi of a problem that samples its data) is a user error:
   * no JSON (it printed the header and the other items, then exited 1); a numerical failure
   * keeps what was computed, with null where it failed */
  if (e && st == BLOC_ERR_INPUT) {
    rc = api_cmd_exit(st, 0);
    bloc_eval_free(e);
    e = NULL;
  }
  if (e) {
    bool first = true;
    printf("{");
    printf("\n  \"problem\": \"%s\",\n  \"nx\": %lld,\n  \"ny\": %lld,\n  \"point\": \"%s\"",
           bloc_problem_name(p), (long long)nx, (long long)ny,
           xpath || ypath ? "given" : "initial");
    first = false;
    /* which precision ran, where runs are compared; only at f32, so that f64's JSON, which
     * scripts read, is as it was */
    if (blo_precision(p->c) == BLO_PREC_F32) printf(",\n  \"precision\": \"f32\"");
    if (bloc_problem_stochastic(p)) { /* phi and its kin are the full variant's, no draw */
      const double *pv;
      int64_t nv;
      bool whole = bloc_eval_get(e, "phi", &pv, &nv) == BLOC_OK ||
                   bloc_eval_get(e, "grad_phi", &pv, &nv) == BLOC_OK ||
                   bloc_eval_get(e, "y_star", &pv, &nv) == BLOC_OK;
      bool hess = bloc_eval_get(e, "hess_phi", &pv, &nv) == BLOC_OK;
      printf(",\n  \"samples\": \"one draw from seed %llu%s\"",
             (unsigned long long)api_draw_seed(p),
             hess    ? "; phi, grad_phi, y_star and hess_phi over all the data (every sample set "
                       "whole)"
             : whole ? "; phi, grad_phi and y_star over all the data (every sample set whole)"
                     : "");
    }
    static const char *const items[] = {"f", "g", "grad_x_f", "grad_y_f", "grad_y_g",
                                        "hvp_yy", "hvp_xy", "hypergrad"};
    for (int i = 0; i < 8; i++) json_item(e, items[i], i >= 2, &first);
    if (bloc_eval_hypergrad_solver(e)) {
      printf(",\n  \"hypergrad_solver\": \"%s\"", bloc_eval_hypergrad_solver(e));
      json_item(e, "hypergrad_residual", false, &first);
      json_item(e, "lower_hessian_min_eig", false, &first);
    } else if (st == BLOC_ERR_NUMERICAL && asks(what, "hypergrad")) {
      printf(",\n  \"hypergrad\": null");
    }
    static const char *const phis[] = {"phi", "grad_phi", "y_star"};
    bool by_name = what && strcmp(what, "all") != 0; /* else a note says why they are out */
    for (int i = 0; i < 3; i++) { /* asked for and failed (status 2): null, as hypergrad */
      const double *val;
      int64_t nv;
      if (bloc_eval_get(e, phis[i], &val, &nv) == BLOC_OK) {
        json_item(e, phis[i], i > 0, &first);
        if (i == 1 && bloc_eval_get(e, "grad_phi_projected_norm", &val, &nv) == BLOC_OK)
          json_item(e, "grad_phi_projected_norm", false, &first);
      } else if (st == BLOC_ERR_NUMERICAL && by_name && asks(what, phis[i]))
        printf(",\n  \"%s\": null", phis[i]);
    }
    /* hess_phi: nx rows of nx, then its accuracy, asymmetry, steps, eigenvalues and theirs */
    const double *hv;
    int64_t nh;
    if (bloc_eval_get(e, "hess_phi", &hv, &nh) == BLOC_OK) {
      printf(",\n  \"hess_phi\": [");
      for (int64_t r = 0; r < nx; r++) {
        printf("%s\n    [", r ? "," : "");
        for (int64_t c = 0; c < nx; c++) {
          if (c) printf(", ");
          json_num(hv[r * nx + c]);
        }
        printf("]");
      }
      printf("\n  ]");
      json_item(e, "hess_phi_accuracy", false, &first);
      json_item(e, "hess_phi_asymmetry", false, &first);
      json_item(e, "hess_phi_steps", true, &first);
      json_item(e, "hess_phi_eigenvalues", true, &first);
      json_item(e, "hess_phi_eigenvalue_accuracy", false, &first);
    } else if (st == BLOC_ERR_NUMERICAL && by_name && asks(what, "hess_phi")) {
      printf(",\n  \"hess_phi\": null");
    }
    printf("\n}\n");
    rc = api_cmd_exit(st, 0);
  }
  bloc_eval_free(e);
  free(x);
  free(sets);
  bloc_problem_free(p);
  cmd_args_free(&a);
  return driver_ranks_agree(rc);
}
