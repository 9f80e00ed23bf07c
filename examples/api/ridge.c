/* ridge.c — the example of doc/api.md: tune the ridge penalty of a least-squares fit on data
 * held in memory, with bloc's C API. In the build tree: make examples/api/ridge. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bloc.h"

/* lam is the log of the penalty; the lower problem fits w on the training rows, the upper
 * one scores w on the validation rows. The loaders are never run: main binds the data.
 * The hypergradient in lam shrinks with the penalty exp(lam), so plain steps crawl (x_step =
 * 0.5 ends 300 steps at lam = -4.3, the optimum being -7.43); Adam's steps do not, and
 * beta2 = 0.9 lets them grow as the gradient fades (the default 0.999 remembers the large
 * early gradients for hundreds of steps). */
static const char program[] =
    "problem ridge\n"
    "const n = 40\n"
    "data Xtr : matrix[n, 3] = load_csv(\"Xtr.csv\")\n"
    "data ytr : vector[n]    = load_csv(\"ytr.csv\")\n"
    "data Xva : matrix[n, 3] = load_csv(\"Xva.csv\")\n"
    "data yva : vector[n]    = load_csv(\"yva.csv\")\n"
    "upper lam : scalar    = 0\n"
    "lower w   : vector[3] = 0\n"
    "upper objective f = sumsq(Xva @ w - yva) / n\n"
    "lower objective g = sumsq(Xtr @ w - ytr) / n + exp(lam) * sumsq(w)\n"
    "solve aid_cg(outer_steps = 200, x_step = 0.1, y_step = 0.2, x_optimizer = adam,\n"
    "             beta2 = 0.9, trace_every = 50)\n";

/* Called at every trace point; a nonzero return would cancel the solve. */
static int progress(void *user, int ncols, const char *const *names, const double *row) {
  (void)user;
  for (int j = 0; j < ncols; j++) /* row[0] is the step */
    if (strcmp(names[j], "f") == 0) printf("step %4.0f  f = %.6f\n", row[0], row[j]);
  return 0;
}

static void print_diags(const bloc_problem *p) {
  for (int i = 0; i < bloc_problem_diag_count(p); i++)
    fputs(bloc_diag_text(bloc_problem_diag(p, i)), stderr);
}

int main(void) {
  enum { N = 40 };
  static double Xtr[N][3], ytr[N], Xva[N][3], yva[N];
  for (int i = 0; i < N; i++) { /* y = x . (1, -2, 0.5) + noise */
    for (int j = 0; j < 3; j++) {
      Xtr[i][j] = sin(1.3 * (i + 1) * (j + 1) + j);
      Xva[i][j] = cos(0.7 * (i + 1) * (j + 2) + j);
    }
    ytr[i] = Xtr[i][0] - 2 * Xtr[i][1] + 0.5 * Xtr[i][2] + 0.3 * sin(7.0 * i);
    yva[i] = Xva[i][0] - 2 * Xva[i][1] + 0.5 * Xva[i][2] + 0.3 * cos(5.0 * i);
  }
  bloc_problem *p;
  if (bloc_problem_new(&p) != BLOC_OK) return 3;
  int64_t mat[2] = {N, 3}, vec[1] = {N};
  int rc = bloc_compile_string(p, "ridge.blo", program);
  if (rc == BLOC_OK) rc = bloc_bind(p, "Xtr", &Xtr[0][0], 2, mat);
  if (rc == BLOC_OK) rc = bloc_bind(p, "ytr", ytr, 1, vec);
  if (rc == BLOC_OK) rc = bloc_bind(p, "Xva", &Xva[0][0], 2, mat);
  if (rc == BLOC_OK) rc = bloc_bind(p, "yva", yva, 1, vec);
  bloc_options *o = NULL;
  bloc_result *r = NULL;
  if (rc == BLOC_OK && (rc = bloc_options_new(&o)) == BLOC_OK) {
    bloc_options_set(o, "outer_steps", "300"); /* over the program's 200 */
    rc = bloc_solve(p, o, progress, NULL, &r);
  }
  if (rc != BLOC_OK) print_diags(p);
  if (r) {
    int64_t n;
    const double *lam = bloc_result_x(r, &n), *w = bloc_result_y(r, &n);
    double steps;
    bloc_result_get(r, "steps", &steps);
    printf("%s after %.0f steps: penalty exp(lam) = %.4g, w = (%.4f, %.4f, %.4f)\n",
           bloc_result_stop(r), steps, exp(lam[0]), w[0], w[1], w[2]);
  }
  bloc_result_free(r);
  bloc_options_free(o);
  bloc_problem_free(p);
  return rc;
}
