/* cmd_eval.c — `bloc eval`: every oracle once, at the initial point or at --x/--y (--v for
 * the products), printed as JSON; the hypergradient is exact (dense solve for small y, CG to
 * a 1e-12 relative residual otherwise) and says which solver it used. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "driver.h"
#include "rt_data.h"
#include "rt_fmt.h"
#include "rt_hypergrad.h"
#include "rt_linalg.h"
#include "rt_oracle.h"

enum { EVAL_DENSE_MAX = 2000 };

static const char *const all_what[] = {"f",        "g",      "grad_x_f", "grad_y_f",
                                       "grad_y_g", "hvp_yy", "hvp_xy",   "hypergrad"};
enum { NWHAT = sizeof all_what / sizeof all_what[0] };

static bool nonfinite_seen;

static void json_num(double v) {
  char buf[RT_FMT_NUM_LEN];
  if (isfinite(v)) fputs(rt_fmt_num(v, buf), stdout);
  else {
    printf("null");
    nonfinite_seen = true;
  }
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

/* Parse --what "a,b,c" into want[]; 0 or 1 after an error. */
static int parse_what(const char *what, bool want[NWHAT]) {
  if (!what || strcmp(what, "all") == 0) {
    for (int i = 0; i < NWHAT; i++) want[i] = true;
    return 0;
  }
  for (int i = 0; i < NWHAT; i++) want[i] = false;
  const char *p = what;
  while (*p) {
    const char *comma = strchr(p, ',');
    size_t len = comma ? (size_t)(comma - p) : strlen(p);
    bool ok = false;
    for (int i = 0; i < NWHAT; i++)
      if (strlen(all_what[i]) == len && strncmp(all_what[i], p, len) == 0) want[i] = ok = true;
    if (!ok) {
      fprintf(
          stderr,
          "bloc eval: error: --what: unknown quantity '%.*s'; expected a comma-separated list of "
          "f, g, grad_x_f, grad_y_f, grad_y_g, hvp_yy, hvp_xy, hypergrad, or all\n",
          (int)len, p);
      return 1;
    }
    p += len + (comma ? 1 : 0);
  }
  return 0;
}

static int read_point(const char *path, const char *what, int64_t n, double *out) {
  char err[512];
  if (rt_read_vector_csv(path, what, n, out, rt_err(err, sizeof err)) != 0) {
    fprintf(stderr, "bloc eval: error: %s\n", err);
    return 1;
  }
  return 0;
}

int cmd_eval(int argc, char **argv) {
  const char *xpath = NULL, *ypath = NULL, *vpath = NULL, *what = NULL;
  CmdFlag flags[] = {
    {"--x", true, &xpath, false, NULL, NULL}, {"--y", true, &ypath, false, NULL, NULL},
    {"--v", true, &vpath, false, NULL, NULL}, {"--what", true, &what, false, NULL, NULL},
  };
  CmdArgs a = {.cmd = "eval"};
  bool want[NWHAT];
  int rc = cmd_parse(argc, argv, flags, 4, &a);
  if (rc == 2) { /* --help */
    cmd_args_free(&a);
    return 0;
  }
  if (rc == 0) rc = parse_what(what, want);
  BloCompiled *c = NULL;
  a.all_kernels = true;
  if (rc == 0) rc = cmd_compile(&a, false, &c);
  if (rc) {
    blo_compiled_free(c);
    cmd_args_free(&a);
    return rc;
  }
  const BloProblem *p = blo_problem(c);
  int64_t nx = p->nx, ny = p->ny;
  double *x = calloc((size_t)(3 * nx + 5 * ny + 2), sizeof(double)); /* x y v gx gyf gyg hv out */
  if (!x) exit(3);
  double *y = x + nx, *v = y + ny, *gx = v + ny, *gyf = gx + nx, *gyg = gyf + ny, *hv = gyg + ny,
         *out = hv + ny;
  memcpy(x, p->x0, sizeof(double) * (size_t)nx);
  memcpy(y, p->y0, sizeof(double) * (size_t)ny);
  for (int64_t i = 0; i < ny; i++) v[i] = 1.0;
  if ((xpath && read_point(xpath, "x", nx, x)) || (ypath && read_point(ypath, "y", ny, y)) ||
      (vpath && read_point(vpath, "v", ny, v))) {
    rc = 1;
  }
  RtOracle o;
  char err[1024];
  if (rc == 0 && rt_oracle_init(&o, p, blo_seed(c), 1, err, sizeof err) != 0) {
    fprintf(stderr, "bloc eval: error: %s\n", err);
    rc = 1;
  }
  if (rc == 0) {
    /* every quantity at the same sample draw (the first of the run seed) */
    RtDraw key = rt_oracle_draw(&o);
    bool first = true;
    printf("{");
    printf("\n  \"problem\": \"%s\",\n  \"nx\": %lld,\n  \"ny\": %lld,\n  \"point\": \"%s\"",
           p->name, (long long)nx, (long long)ny, xpath || ypath ? "given" : "initial");
    first = false;
    if (p->n_samples)
      printf(",\n  \"samples\": \"one draw from seed %llu\"", (unsigned long long)blo_seed(c));
    if (want[0]) json_scalar("f", rt_oracle_f(&o, key, x, y), &first);
    if (want[1]) json_scalar("g", rt_oracle_g(&o, key, x, y), &first);
    rt_oracle_grad_f(&o, key, x, y, gx, gyf);
    if (want[2]) json_vec("grad_x_f", gx, nx, &first);
    if (want[3]) json_vec("grad_y_f", gyf, ny, &first);
    rt_oracle_grad_g(&o, key, x, y, gyg);
    if (want[4]) json_vec("grad_y_g", gyg, ny, &first);
    if (want[5]) {
      rt_oracle_hvp(&o, key, x, y, v, hv);
      json_vec("hvp_yy", hv, ny, &first);
    }
    if (want[6]) {
      rt_oracle_mixed(&o, key, x, y, v, out);
      json_vec("hvp_xy", out, nx, &first);
    }
    if (want[7]) {
      double *hg = malloc(sizeof(double) * (size_t)(nx + ny + 1));
      if (!hg) exit(3);
      RtHypergrad info = {.dense_max = EVAL_DENSE_MAX, .cg_rtol = 1e-12, .hg = hg, .v = hg + nx};
      if (rt_hypergrad_exact(&o, x, y, &info, err, sizeof err) == 0) {
        json_vec("hypergrad", hg, nx, &first);
        printf(",\n  \"hypergrad_solver\": \"%s\"", rt_hg_how_name(info.how));
        json_scalar("hypergrad_residual", info.residual, &first);
        if (info.how == RT_HG_EIGEN) {
          json_scalar("lower_hessian_min_eig", info.min_eig, &first);
          fprintf(
              stderr,
              "bloc eval: warning: the lower Hessian is not positive definite at this point "
              "(smallest "
              "eigenvalue %.6g): g looks non-convex in y here\n",
              info.min_eig);
        }
      } else {
        printf(",\n  \"hypergrad\": null");
        fprintf(stderr, "bloc eval: error: hypergrad: %s\n", err);
        rc = 2;
      }
      free(hg);
    }
    printf("\n}\n");
    if (nonfinite_seen && rc == 0) {
      fprintf(stderr, "bloc eval: error: some values are NaN or infinite (printed as null)\n");
      rc = 2;
    }
    rt_oracle_free(&o);
  }
  free(x);
  blo_compiled_free(c);
  cmd_args_free(&a);
  return rc;
}
