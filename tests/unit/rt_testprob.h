/* rt_testprob.h — hand-written BloProblems for the runtime tests, with their closed forms.
 *
 * Quadratic (gamma = 0, no tanh): g = 1/2 y'H y - y'(B x + c), f = 1/2 |y - y_t|^2 + rho/2 |x|^2,
 * H SPD with eigenvalues linspace(1, cond); y*(x) = H^{-1}(B x + c); with M = H^{-1} B,
 * grad phi(x) = M'(y*(x) - y_t) + rho x and x* = (M'M + rho I)^{-1} M'(y_t - H^{-1} c).
 * Nonlinear variant: g = 1/2 y'H y - y' tanh(B x + c) + gamma/4 sum y_i^4, and optionally an
 * initialiser Phi(x) = P x (init_uses_x) for the unrolled methods.
 * Toy (UFOM paper): two equiprobable 1-D tasks, Phi(x) = x, f = g = loss_t(y), t from the
 * sample set "t : batch(1) of 2". */
#ifndef BLOC_RT_TESTPROB_H
#define BLOC_RT_TESTPROB_H

#include <stdbool.h>
#include <stdint.h>

#include "blo_abi.h"
#include "rt_methods.h"
#include "rt_solver.h"

/* A NULL-terminated list of "key=value" option strings. */
#define KV(...) ((const char *const[]){__VA_ARGS__, NULL})

/* Options of `method` with the "key=value" settings kv (NULL: none); a bad one fails the
 * current cmocka test. */
RtOptions tp_options(const char *method, const char *const *kv);
/* A solver for `method` on p with the settings kv and seed; failure fails the test. */
RtSolver *tp_solver(const BloProblem *p, const char *method, const char *const *kv, uint64_t seed);

typedef struct TpSpec {
  int64_t nx, ny;
  double cond;      /* eigenvalues of H: linspace(1, cond) */
  double rho;
  double gamma;     /* quartic term (0: quadratic) */
  bool tanh;        /* tanh(B x + c) instead of B x + c */
  bool init_x;      /* Phi(x) = P x */
  bool fused;       /* provide the fused kernels */
  uint64_t seed;
  bool reflect;     /* H = Q D Q with Q one Householder reflection (O(ny^2) to build), not a
                       random orthogonal Q (O(ny^3): 11 s of CPU at ny = 2001) */
} TpSpec;

typedef struct TpProblem {
  BloProblem p;
  TpSpec spec;
  double *H, *B, *c, *yt, *P, *dims; /* data; dims = {nx, ny, rho, gamma, tanh} */
  const double *data[6];
  BloTensorInfo info[6];
  BloVarInfo vars[2];
  double *x0, *y0;
  const char *report_names[2];
} TpProblem;

TpSpec tp_default_spec(void); /* nx 5, ny 8, cond 10, rho 0.1, quadratic, fused, seed 7 */
TpProblem *tp_new(const TpSpec *spec);
void tp_free(TpProblem *t);
/* Closed forms (quadratic only). */
void tp_ystar(const TpProblem *t, const double *x, double *y);
void tp_hypergrad(const TpProblem *t, const double *x, double *grad);
void tp_xstar(const TpProblem *t, double *x);
/* The fixed points of the biased methods on the quadratic. Their estimate at converged inner
 * iterates is rho x + B' Q (y*(x) - y_t) for a symmetric Q that commutes with H: Q = H^{-1} is
 * the hypergradient, a truncated Neumann polynomial STABLE's (stocbio's) estimate, and
 * lambda (I + lambda H)^{-1} F2SA's at a fixed penalty. It is the gradient of a convex
 * quadratic, whose minimiser (over R^nx or a constraint set) is where the method ends. */
typedef void (*TpApplyQ)(const TpProblem *t, const void *ctx, const double *r, double *out);
/* grad = rho x + B' Q (y*(x) - y_t), Q applied by q with its ctx. */
void tp_model_grad(const TpProblem *t, TpApplyQ q, const void *ctx, const double *x,
                   double *grad);
/* out = eta sum_{q=0..Q} (I - eta H)^q r, by its definition (ctx: a TpNeumann). */
typedef struct TpNeumann {
  double eta;
  int Q;
} TpNeumann;
void tp_q_neumann(const TpProblem *t, const void *ctx, const double *r, double *out);
/* out = lambda (I + lambda H)^{-1} r (ctx: the double lambda). */
void tp_q_penalty(const TpProblem *t, const void *ctx, const double *r, double *out);
double tp_rel_err(int64_t n, const double *a, const double *b); /* |a - b| / max(|b|, 1e-300) */

/* The UFOM toy. */
#define TOY_A1 0.5
#define TOY_B1 0.0
#define TOY_A2 1.5
#define TOY_B2 17.395
#define TOY_BIG_A 12.597
typedef struct TpToy {
  BloProblem p;
  BloSampleInfo sample;
  BloVarInfo vars[2];
  double x0[1], y0[1];
} TpToy;
void tp_toy_init(TpToy *t, double x0);
/* Task loss and its derivatives in z-space helpers (exposed for the C1 test). */
double tp_toy_loss(int task, double y, double *d1, double *d2);

#endif
