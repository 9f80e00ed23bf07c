/* rt_hypergrad.h — the exact hypergradient at a given point, without moving it:
 * grad phi = grad_x f - J A^{-1} grad_y f, with A v = b solved densely (Cholesky, or an
 * eigendecomposition when A is not positive definite) for small ny, by CG to a relative
 * residual otherwise. Used by `bloc eval` and by the exact method's shared pieces; and phi
 * with its exact gradient at a given x, y*(x) solved by Newton (`bloc compare`'s yardstick). */
#ifndef BLOC_RT_HYPERGRAD_H
#define BLOC_RT_HYPERGRAD_H

#include <stdbool.h>
#include <stdint.h>

#include "rt_api.h"
#include "rt_oracle.h"

typedef enum RtHgHow { RT_HG_CHOLESKY, RT_HG_EIGEN, RT_HG_CG } RtHgHow;

/* Up to this many lower variables an exact hypergradient is solved densely (`bloc eval`), and
 * rt_phi_exact solves for y*(x) by dense Newton steps; above, both go by conjugate gradients. */
#define RT_HG_DENSE_MAX 2000

/* rt_phi_exact's Newton solve for y*(x) takes the exact method's max_inner steps (100), and
 * where they end above its tolerance with g still falling, more in rounds of as many while g
 * falls over each, up to RT_PHI_NEWTON_MAX steps in all, the rounds past the first within
 * RT_PHI_EXTRA_FLOPS (RtPhiAt.max_newton, extra_flops). Damped Newton on a nearly nonsmooth g,
 * sqrt(a^2 + eps) with eps = 1e-8 in sparse coding, took 150 to 900 steps to y*(x), and bloc
 * eval stopped at 100 with status 2 and no cure. */
#define RT_PHI_NEWTON_MAX 1000
#define RT_PHI_EXTRA_FLOPS 1e10

/* "cholesky", "eigendecomposition", "cg". */
RT_API const char *rt_hg_how_name(RtHgHow how);

/* H[ny*ny] = the symmetrised lower Hessian at (x, y): ny HVPs with unit vectors (e: ny doubles
 * of zeros, returned zeroed), all with the draw `key`. */
RT_API void rt_dense_hessian(RtOracle *o, RtDraw key, const double *x, const double *y, double *H,
                             double *e);

/* Precision f32 rounds the data, and so a lower Hessian's entries, to about 6e-8 of their
 * size: a positive definite one of condition 1e7 and more can get eigenvalues that are
 * negative, or zero, by that rounding alone (random_spd(300, 1e-4, 1e5) had them, and was
 * called non-convex). An eigenvalue of at most RT_F32_ROUNDING times the largest |eigenvalue|
 * may be such. */
#define RT_F32_ROUNDING (64 * 1.1920929e-7)
/* A note naming that rounding when p's precision is f32 and min_eig is within it of 0 (to
 * follow "not positive definite", "singular", "non-convex"), else "". */
RT_API const char *rt_f32_rounding_note(const BloProblem *p, double min_eig, double max_eig);

/* One exact hypergradient: what to compute with (in) and how it went (out). */
typedef struct RtHypergrad {
  int64_t dense_max; /* in: solve densely when ny <= dense_max, else by CG */
  double cg_rtol; /* in: CG's relative residual */
  int64_t cg_max_steps; /* in: CG's step limit (0: 2 ny, at least 1000) */
  double *hg, *v; /* in: where to put the hypergradient [nx] and A^{-1} grad_y f [ny] */
  RtHgHow how;
  double residual;     /* |A v - b| / |b| after the solve (b = 0: |A v - b|) */
  double min_eig;      /* smallest eigenvalue of A when the dense path computed it, else NaN */
  double max_eig;      /* and the largest */
  int64_t cg_steps;    /* CG iterations (RT_HG_CG) */
  /* out (RT_HG_CG): the least and largest curvature p'Ap/p'p CG met (within A's eigenvalue
   * range: their ratio is a lower bound on its condition number), and the relative residual
   * the rounding of A v itself leaves, 64 sqrt(ny) eps |A| |v| / |b| with |A| by the largest
   * (a backward-stable dense solve leaves eps |A| |v| / |b|: below that floor v is as good as
   * the dense path's) */
  double cg_curv_min, cg_curv_max, cg_floor;
  bool nonfinite;      /* a Hessian-vector product of g was not finite (err says so) */
  /* in, optional [ny] each: the dense solve also writes into soft a unit vector along the
   * least curvature of A's Jacobi scaling S A S (S = diag(A)^-1/2, into soft_s), by inverse
   * iteration on the Cholesky factor or the scaled eigendecomposition, with its Rayleigh
   * quotient soft_eig and an estimate of S A S's largest eigenvalue top_eig (out; NaN when
   * not computed: by CG, the solve failed, or A's scaling is not positive definite).
   * rt_phi_exact's measure of how far grad phi can be trusted (RtPhiAt.spread). */
  double *soft, *soft_s;
  double soft_eig, top_eig;
  /* in: > 0 where (x, y) may be a minimum of g: when the dense lower Hessian is singular, none
   * of its eigenvalues negative beyond rounding, and |grad_y g| <= min_gtol there, its null
   * space is measured (a symmetry of g, as U V' under U Q, V Q: y*(x) is a set). Where grad_y f
   * and the mixed products grad_xy g have no part along it beyond rounding, v is solved by the
   * pseudo-inverse (null_dim > 0, how RT_HG_EIGEN, 0 returned): phi and grad phi are the same
   * at every minimiser of the set. Else refused, err saying what sees it. */
  double min_gtol;
  int64_t null_dim;    /* out: the null space's dimension where min_gtol measured it, else 0 */
  /* out: grad_y f's part along it over |grad_y f|, and the mixed products' over |grad_xy g|
   * (Frobenius); null_seen: either is above rounding (refused) */
  double null_b, null_j;
  bool null_seen;
  double null_gap; /* out: there, the least eigenvalue kept (outside the null space) */
  /* out: the largest |entry| of grad_x f and of (grad_xy g) v, the hypergradient's two terms:
   * its rounding is to their size, not its own where they cancel (NaN: not computed) */
  double term_size;
} RtHypergrad;

/* h->hg = the hypergradient at (x, y), h->v = A^{-1} grad_y f, with h's inputs set. Dense
 * when ny <= h->dense_max, else CG to relative residual h->cg_rtol. Every oracle call is at
 * draw `key` (the caller's, so that it agrees with what else it evaluated there). Returns 0,
 * or -1 with a message in err (out of memory; singular A; CG breakdown on non-positive
 * curvature; a product of A that is not finite, h->nonfinite). */
RT_API int rt_hypergrad_exact(RtOracle *o, RtDraw key, const double *x, const double *y,
                              RtHypergrad *h, char *err, size_t errlen);

/* Where to measure phi (rt_phi_exact). */
typedef struct RtPhiAt {
  const double *x; /* the upper point [nx], feasible */
  /* optional [ny]: where Newton's method starts (a caller's y near the y*(x) it means, for a g
   * not convex everywhere in y); NULL: the program's y0 (of x), the same for every caller */
  const double *y_start;
  bool sharded; /* data split across MPI ranks (rt_oracle_set_sharded) */
  double *grad; /* optional out [nx]: grad phi(x) itself (not projected) */
  double *ystar; /* optional out [ny]: y*(x) */
  /* the operator of y that makes g not twice differentiable (abs, max, ...; the program's
   * nonsmooth_op), or NULL: Newton's method then means nothing, and phi is not computed */
  const char *nonsmooth_op;
  /* up to this many lower variables Newton's steps are dense (0: RT_HG_DENSE_MAX); above,
   * each is a conjugate-gradient solve to a relative residual that tightens as |grad_y g|
   * falls (Newton-CG: Hessian-vector products only), and so is A v = grad_y f */
  int64_t dense_max;
  /* Newton-CG only: the most Hessian-vector products it may take (0: only its own limits);
   * past them, not computed (a caller's budget, not a failure of the problem) */
  double max_hvps;
  /* Newton-CG only: phi and y*(x) alone, without grad phi's solve for v (RtPhi.grad_norm NaN,
   * grad untouched): bloc eval --what phi at ny = 2100 spent 10 s in a CG solve it did not
   * need. The dense path solves for v anyway: that solve is its test that g is strongly
   * convex at y*(x). */
  bool no_grad;
  /* optional [ny]: a second start (a run's own y at x), tried when the solve from the first
   * stopped where g is flat (RtPhi.flat): an entropic OT dual from y0 = 0, where exp((u + v -
   * C) / eps) underflows, stopped at |grad_y g| = 0.23 on a singular Hessian, and the end of
   * the run, bloc compare and eval said "y*(x) is not unique" of a g strictly convex near
   * y*(x), which Newton from the run's y reached; and where it met a lower Hessian that is
   * not positive definite (g not convex in y: U V' from a random y0), whose minimum may not be
   * the run's */
  const double *y_retry;
  /* > 0: the most Newton steps of the lower solve, no more (bloc eval --set max_inner=N);
   * 0: RT_PHI_NEWTON_MAX's rounds (above) */
  int max_newton;
  /* the flops the rounds past the first may take, by the problem's cost model (ny
   * Hessian-vector products and a dense factorisation a step), 0: RT_PHI_EXTRA_FLOPS */
  double extra_flops;
  bool retrying; /* (set by rt_phi_exact: this solve starts from y_retry) */
  /* dense solves only: also measure how far grad phi can be trusted (RtPhi.grad_spread), at
   * the cost of one more exact hypergradient where the lower Hessian is ill-conditioned */
  bool spread;
} RtPhiAt;

/* phi at one x, measured the same way whatever produced x (bloc compare's yardstick). */
typedef struct RtPhi {
  double phi; /* f(x, y*(x)) */
  /* |grad phi(x)|, the exact hypergradient at y*(x); with constrained x the projected-gradient
   * norm |x - P(x - grad phi(x))| (projected true) */
  double grad_norm;
  bool projected;
  double lower_norm; /* |grad_y g(x, y*(x))| the lower solve reached */
  double lower_tol;  /* the y_tol it was to reach */
  /* computed, but g is not strongly convex at y*(x): the dense Newton solve converged only
   * linearly there (a degenerate minimiser, the lower Hessian ~0) and stopped at y_tol;
   * ystar_err: how far y*(x) may still be off (rt_exact.c; not judged by Newton-CG) */
  bool degenerate;
  double ystar_err;
  /* computed, but with lower_norm above lower_tol: Newton stopped at the floor the float data's
   * rounding puts under |grad_y g| (precision f32), where y*(x) is only as good as f32 */
  bool float_floor;
  bool not_convex; /* not computed because the lower Hessian was not positive definite (or was
                      singular) at y*(x) or on the way: y*(x) is not unique there */
  /* and not_convex because Newton stopped at a saddle point of g (|grad_y g| to y_tol, a
   * negative eigenvalue): a start that a symmetry keeps on it (U V' from 0 or a constant) */
  bool saddle;
  /* not computed: Newton stopped short of y_tol (not at the rounding floor) where the lower
   * Hessian is singular, |grad_y g| far from 0 there: g is flat along its gradient, no
   * minimum (its terms underflow, or g is unbounded below along it); at_start: at the start
   * itself, which Newton could not leave. Not not_convex: that says nothing of y*(x) */
  bool flat, flat_at_start;
  /* computed from at->y_retry, g being flat or not convex on the solve from the first start */
  bool retried;
  bool solve_ran; /* the Newton solve ran (when not computed: it failed, a numerical failure,
                     not a problem it does not apply to) */
  bool by_cg;        /* y*(x) and v by conjugate gradients (ny over at->dense_max) */
  bool over_budget;  /* not computed: Newton-CG reached at->max_hvps */
  /* not computed: the Newton solve ended by its step limit above lower_tol (no failure), after
   * newton_steps steps: RtPhiAt.max_newton's (cap_reason 'm'), RT_PHI_NEWTON_MAX ('n'), the
   * extra flops ('f'), or a round that no longer lowered g ('g'); why says which */
  bool capped;
  char cap_reason;
  int newton_steps;
  /* not computed, but only grad phi failed (the solve for v): y*(x) reached y_tol, phi is
   * f(x, y*(x)) and at->ystar holds y*(x); why says what failed */
  bool phi_only;
  /* computed at a minimum where the lower Hessian is singular along null_dim directions that
   * grad_y f and grad_xy g do not see (their parts null_b, null_j: RtHypergrad's): a symmetry
   * of g, y*(x) a set on which phi and grad phi are the same. null_seen (not computed,
   * not_convex): they see it, and grad phi depends on the minimiser (why says so) */
  int64_t null_dim;
  double null_b, null_j;
  bool null_seen;
  /* and the dense Newton solve met Hessians that were not positive definite on its way there,
   * their negative eigenvalues (the least, null_path_w0) those flat directions short of the
   * minimum: at most null_dim of them near 0, within a hundredth of the gap beyond (0: none) */
  double null_path_w0;
  /* computed at a minimum where the lower Hessian is positive definite, but Newton's way there
   * from its start met lower Hessians that are not positive definite (the least curvature met:
   * path_w0, an eigenvalue, or p'Ap / p'p by Newton-CG; path_gn, |grad_y g| where it was met
   * first): g is not convex in y on the way, and where it has other minima phi is that of
   * the one Newton reached from this start */
  bool nonconvex_path;
  double path_w0, path_gn;
  uint64_t hvps;     /* the Hessian-vector products it took */
  /* with at->spread, where computed densely: how far grad phi moves (grad_spread, the norm
   * of the change) when y*(x) moves by ystar_noise (in y's units) along the lower
   * Hessian's least-curved direction, as far as y*(x) is known there (rt_hypergrad.c,
   * measure_spread); gy_noise is |grad_y g| at y*(x). soft_eig, top_eig and cond =
   * top_eig / soft_eig are those of the Hessian scaled by its diagonal. grad_size is |grad
   * phi| itself. 0 where the measure predicts nothing to see (a well-conditioned Hessian), NaN
   * where not measured */
  double grad_spread, grad_size, cond, soft_eig, top_eig, ystar_noise, gy_noise;
  bool gy_rounding; /* lower_norm is at the rounding of grad_y g's terms, not merely < y_tol */
  double g; /* g(x, y*(x)) where phi was computed (bloc compare's test of another minimiser) */
  double grad_terms; /* RtHypergrad.term_size of grad phi's hypergradient (NaN: not computed) */
  char why[768]; /* why it was not computed ("" when it was; a cure such as
                  * RT_CONCAVE_CURE is 450 of it) */
} RtPhi;

/* y*(x) by the exact method's Newton solve from the program's y0 (of x, when the lower
 * initialiser uses x; at->y_start when given) to its y_tol, the same start whatever produced
 * x; then phi = f(x, y*(x)) and the exact hypergradient there (rt_hypergrad_exact: dense, or
 * by CG over at->dense_max, where the Newton steps are CG solves too). It runs on a solver of
 * its own: nothing of a run changes. Returns 0, or -1 with the reason in out->why (values
 * NaN): a problem that samples its data (one draw's phi is not phi), a lower Hessian that was
 * not positive definite on the way or at the end (g not convex in y: another start could find
 * another minimum), a lower solve that stopped short of y_tol, a singular Hessian, a CG solve
 * for v short of its residual (or another failure of the solve for v: out->phi_only, phi and
 * at->ystar then given), at->max_hvps reached, a non-finite value, out of memory.
 * Allocates (a solver; the dense Hessian up to at->dense_max lower variables). */
RT_API int rt_phi_exact(const BloProblem *p, const RtPhiAt *at, RtPhi *out);

/* Whether rt_phi_exact applies to the problem at all, whatever x: 0, or -1 with out->why as it
 * gives it (a problem that samples its data, a nonsmooth_op). bloc
 * compare names that reason, not "interrupted", for a run it does not measure. */
RT_API int rt_phi_applies(const BloProblem *p, const char *nonsmooth_op, RtPhi *out);

/* Whether phi's grad_spread (at->spread) leaves grad phi fewer than RT_PHI_DIGITS significant
 * digits: then into buf[len] how many it has and why (the condition number, how far y*(x) is
 * known, how far that moves grad phi) with the cure, for `what` ("grad_phi", "the exact
 * hypergradient at the final x") to begin a sentence with. */
#define RT_PHI_DIGITS 3
RT_API bool rt_phi_digits_note(const RtPhi *phi, const char *what, char *buf, size_t len);

#endif
