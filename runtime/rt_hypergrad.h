/* rt_hypergrad.h — the exact hypergradient at a given point, without moving it:
 * grad phi = grad_x f - J A^{-1} grad_y f, with A v = b solved densely (Cholesky, or an
 * eigendecomposition when A is not positive definite) for small ny, by CG to a relative
 * residual otherwise. Used by `bloc eval` and by the exact method's shared pieces. */
#ifndef BLOC_RT_HYPERGRAD_H
#define BLOC_RT_HYPERGRAD_H

#include <stdint.h>

#include "rt_api.h"
#include "rt_oracle.h"

typedef enum RtHgHow { RT_HG_CHOLESKY, RT_HG_EIGEN, RT_HG_CG } RtHgHow;

/* "cholesky", "eigendecomposition", "cg". */
RT_API const char *rt_hg_how_name(RtHgHow how);

/* H[ny*ny] = the symmetrised lower Hessian at (x, y): ny HVPs with unit vectors (e: ny doubles
 * of zeros, returned zeroed), all with the draw `key`. */
RT_API void rt_dense_hessian(RtOracle *o, RtDraw key, const double *x, const double *y, double *H,
                             double *e);

/* One exact hypergradient: what to compute with (in) and how it went (out). */
typedef struct RtHypergrad {
  int64_t dense_max; /* in: solve densely when ny <= dense_max, else by CG */
  double cg_rtol; /* in: CG's relative residual */
  double *hg, *v; /* in: where to put the hypergradient [nx] and A^{-1} grad_y f [ny] */
  RtHgHow how;
  double residual;     /* |A v - b| / |b| after the solve (b = 0: |A v - b|) */
  double min_eig;      /* smallest eigenvalue of A when the dense path computed it, else NaN */
  int64_t cg_steps;    /* CG iterations (RT_HG_CG) */
} RtHypergrad;

/* h->hg = the hypergradient at (x, y), h->v = A^{-1} grad_y f, with h's inputs set. Dense
 * when ny <= h->dense_max, else CG to relative residual h->cg_rtol. Every oracle call is at
 * draw `key` (the caller's, so that it agrees with what else it evaluated there). Returns 0,
 * or -1 with a message in err (out of memory; singular A; CG breakdown on non-positive
 * curvature). */
RT_API int rt_hypergrad_exact(RtOracle *o, RtDraw key, const double *x, const double *y,
                              RtHypergrad *h, char *err, size_t errlen);

#endif
