/* rt_xstep.h — the upper step every method ends with: the outer optimizer (sgd, momentum,
 * adam: method option x_optimizer) applied to the hypergradient estimate d, then the projection
 * of x onto the constraints of the upper variables (BloProblem.constraints: boxes and simplices).
 * Everything is allocated in setup; a step allocates nothing. */
#ifndef BLOC_RT_XSTEP_H
#define BLOC_RT_XSTEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rt_api.h"
#include "blo_abi.h"

typedef enum RtXOptimizer { RT_XOPT_SGD, RT_XOPT_MOMENTUM, RT_XOPT_ADAM } RtXOptimizer;

/* One simplex block of x. */
typedef struct RtXSimplex {
  int64_t off, n;
} RtXSimplex;

typedef struct RtXStep {
  int64_t nx;
  RtXOptimizer opt;
  double beta1, beta2, eps;
  double *m, *v;        /* first / second moments [nx] (m: momentum and adam; v: adam) */
  int64_t t;            /* adam steps since the start or the last reset (bias correction) */
  /* m, v and t where the run's best trace point was taken (rt_xstep_mark), which a recovery
   * going back there takes up again (rt_xstep_back) */
  double *m_best, *v_best;
  int64_t t_best;
  /* Projection. lo, hi [nx] (NULL without box constraints; +-inf where x is free). */
  bool constrained;
  bool x0_moved; /* the projection of the initial x changed it (the start is P(x0)) */
  double *lo, *hi;
  int nsimplex;
  RtXSimplex *simplex;
  double *w;            /* [nx] x - d for the projected-gradient norm */
  double *sort;         /* [largest simplex] the simplex projection's sorted copy */
} RtXStep;

struct RtSolver;

/* Read x_optimizer, beta1, beta2, eps, resolve the constraints of s->p against its data and
 * allocate the state; then project the initial x (a warning says by how much it moved:
 * RtXStart.warning).
 * 0, or -1 with a message (bad bounds in data: lo > hi, NaN). */
RT_API int rt_xstep_setup(struct RtSolver *s, char *err, size_t errlen);
/* The start of a solve projected onto the constraints of the upper variables. */
typedef struct RtXStart {
  double moved; /* |x0 - P(x0)| */
  bool outside; /* moved by more than rounding (1e-12 relative): worth the warning */
  char warning[320]; /* the solve's warning when outside (naming the variables), "" otherwise */
} RtXStart;

/* x [p->nx] <- P(x): the x a solve of p starts from when its initial x is x, projected and
 * warned about as rt_xstep_setup does (the same code; a caller without a solver, such as
 * bloc_eval_at, reports out->warning itself). Allocates its scratch and frees it.
 * 0, or -1 with a message (bad bounds in data, out of memory). */
RT_API int rt_xstep_project_start(const BloProblem *p, double *x, RtXStart *out, char *err,
                                  size_t errlen);
/* x <- P(x - lambda u(d)): u the optimizer's direction, P the projection (identity without
 * constraints). Sets s->hg_norm: ||d||, or ||x - P(x - d)|| at the x before the step when x
 * is constrained. */
RT_API void rt_xstep_apply(struct RtSolver *s, double lambda);
/* The stationarity measure of d at x: ||d||, or with constraints the projected-gradient norm
 * ||x - P(x - d)|| (0 exactly at the KKT points; doc/methods.md). Uses xs->w. */
RT_API double rt_xstep_stationarity(RtXStep *xs, const double *x, const double *d);
/* Forget the optimizer's moments (on_divergence = halve moved x back to the start). */
RT_API void rt_xstep_reset(struct RtSolver *s);
/* Set the moments aside as those of the best trace point: the current ones (here), or none
 * (the best point is the start, where the optimizer has none yet). */
RT_API void rt_xstep_mark(struct RtSolver *s, bool here);
/* Take up the moments set aside by rt_xstep_mark (on_divergence = halve moved x back to the best
 * trace point). */
RT_API void rt_xstep_back(struct RtSolver *s);
/* Projection of x [nx] onto the constraints of xs (no-op without any). */
RT_API void rt_xstep_project(const RtXStep *xs, double *x);
/* Euclidean projection of v [n] onto the probability simplex in place; sort [n] is scratch.
 * Sort-based (Held, Wolfe and Crowder 1974; Duchi et al. 2008): O(n log n), no allocation. */
RT_API void rt_project_simplex(int64_t n, double *v, double *sort);

#endif
