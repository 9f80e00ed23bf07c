/* api_hyperclean.c — make installcheck's test of the installed C API (issue 16): a small
 * hyper-cleaning problem solved from arrays in memory through <bloc.h> must give the same x,
 * to 1e-12, as the installed `bloc run` on the same numbers written to CSV files. Prints one
 * line of verdict (compared with api_hyperclean.out); details go to stderr. Needs the
 * environment of tests/install/run.sh: bindir (the installed bloc). */
#define _XOPEN_SOURCE 700 /* mkdtemp */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bloc.h>

enum { N = 60, M = 40, D = 8, K = 3 };

static const char program[] =
    "problem hc_small\n"
    "data Xtr  : matrix[60, 8] = load_csv(\"Xtr.csv\")\n"
    "data Ytr  : matrix[60, 3] = load_csv(\"Ytr.csv\")\n"
    "data Xval : matrix[40, 8] = load_csv(\"Xval.csv\")\n"
    "data Yval : matrix[40, 3] = load_csv(\"Yval.csv\")\n"
    "upper lam : vector[60] = 0\n"
    "lower W   : matrix[8, 3] = 0\n"
    "upper objective f = mean(cross_entropy(Xval @ W, Yval))\n"
    "lower objective g = mean(sigmoid(lam) * cross_entropy(Xtr @ W, Ytr)) + 0.01 * sumsq(W)\n"
    "solve lancbio(outer_steps = 40, x_step = 50, y_step = 0.1, inner_steps = 5, m0 = 1,\n"
    "              m_max = 5, trace_every = 5)\n";

static double Xtr[N * D], Ytr[N * K], Xval[M * D], Yval[M * K];

/* Features from a fixed recurrence (no library RNG, so both sides see the same numbers);
 * labels from a linear rule, every third training label shifted (what the weights find). */
static void make_data(void) {
  uint64_t s = 12345;
  double w[D * K];
  for (int i = 0; i < D * K + (N + M) * D; i++) {
    s = s * 6364136223846793005u + 1442695040888963407u;
    double u = (double)(s >> 11) / 9007199254740992.0 * 2 - 1;
    if (i < D * K) w[i] = u;
    else if (i < D * K + N * D) Xtr[i - D * K] = u;
    else Xval[i - D * K - N * D] = u;
  }
  for (int r = 0; r < N + M; r++) {
    const double *x = r < N ? &Xtr[r * D] : &Xval[(r - N) * D];
    double *y = r < N ? &Ytr[r * K] : &Yval[(r - N) * K];
    int best = 0;
    double score[K];
    for (int c = 0; c < K; c++) {
      score[c] = 0;
      for (int j = 0; j < D; j++) score[c] += x[j] * w[j * K + c];
      if (score[c] > score[best]) best = c;
    }
    if (r < N && r % 3 == 0) best = (best + 1) % K;
    for (int c = 0; c < K; c++) y[c] = c == best;
  }
}

static int write_csv(const char *dir, const char *name, const double *v, int rows, int cols) {
  char path[600];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  if (!f) return 1;
  for (int i = 0; i < rows; i++)
    for (int j = 0; j < cols; j++)
      fprintf(f, "%.17g%c", v[i * cols + j], j + 1 < cols ? ',' : '\n');
  return fclose(f) != 0;
}

static void print_diags(const bloc_problem *p) {
  for (int i = 0; i < bloc_problem_diag_count(p); i++)
    fputs(bloc_diag_text(bloc_problem_diag(p, i)), stderr);
}

/* x of the API's solve from the bound arrays into x[N]; 0 on success. */
static int solve_in_memory(double *x) {
  bloc_problem *p;
  if (bloc_problem_new(&p) != BLOC_OK) return 1;
  int64_t xd[2] = {N, D}, yd[2] = {N, K}, vd[2] = {M, D}, wd[2] = {M, K};
  int rc = bloc_compile_string(p, "/nonexistent/hc_small.blo", program);
  if (rc == BLOC_OK) rc = bloc_bind(p, "Xtr", Xtr, 2, xd);
  if (rc == BLOC_OK) rc = bloc_bind(p, "Ytr", Ytr, 2, yd);
  if (rc == BLOC_OK) rc = bloc_bind(p, "Xval", Xval, 2, vd);
  if (rc == BLOC_OK) rc = bloc_bind(p, "Yval", Yval, 2, wd);
  bloc_result *r = NULL;
  if (rc == BLOC_OK) rc = bloc_solve(p, NULL, NULL, NULL, &r);
  if (rc == BLOC_OK) {
    int64_t n = 0;
    const double *rx = bloc_result_x(r, &n);
    if (n == N) memcpy(x, rx, sizeof(double) * N);
    else rc = -1;
  }
  if (rc != BLOC_OK) print_diags(p);
  bloc_result_free(r);
  bloc_problem_free(p);
  return rc != BLOC_OK;
}

/* x of the installed `bloc run` on the same data in CSV files under dir. */
static int solve_with_bloc_run(const char *dir, double *x) {
  const char *bindir = getenv("bindir");
  char path[600], cmd[2000];
  if (!bindir) {
    fprintf(stderr, "api_hyperclean: bindir is not set (run through tests/install/run.sh)\n");
    return 1;
  }
  if (write_csv(dir, "Xtr.csv", Xtr, N, D) || write_csv(dir, "Ytr.csv", Ytr, N, K) ||
      write_csv(dir, "Xval.csv", Xval, M, D) || write_csv(dir, "Yval.csv", Yval, M, K))
    return 1;
  snprintf(path, sizeof path, "%s/hc_small.blo", dir);
  FILE *f = fopen(path, "w");
  if (!f || fputs(program, f) < 0 || fclose(f) != 0) return 1;
  snprintf(cmd, sizeof cmd, "'%s/bloc' run --quiet '%s' --save-x '%s/x.csv' >/dev/null", bindir,
           path, dir);
  if (system(cmd) != 0) return 1;
  snprintf(path, sizeof path, "%s/x.csv", dir);
  f = fopen(path, "r");
  if (!f) return 1;
  int got = 0;
  while (got < N && fscanf(f, "%lf", &x[got]) == 1) got++;
  fclose(f);
  return got != N;
}

int main(void) {
  make_data();
  char dir[] = "/tmp/bloc_api_hc.XXXXXX";
  if (!mkdtemp(dir)) return 1;
  double xa[N], xb[N];
  int bad = solve_in_memory(xa) || solve_with_bloc_run(dir, xb);
  double diff = 0, scale = 0;
  for (int i = 0; !bad && i < N; i++) {
    diff = fmax(diff, fabs(xa[i] - xb[i]));
    scale = fmax(scale, fabs(xb[i]));
  }
  char cmd[700];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "api_hyperclean: could not remove %s\n", dir);
  if (bad) {
    printf("api_hyperclean: a solve failed\n");
    return 1;
  }
  fprintf(stderr, "api_hyperclean: max |x_api - x_run| = %.3g (max |x| %.3g)\n", diff, scale);
  printf("api_hyperclean: %s\n", diff <= 1e-12 ? "x from memory = x of bloc run to 1e-12"
                                               : "x from memory differs from bloc run");
  return diff <= 1e-12 ? 0 : 1;
}
