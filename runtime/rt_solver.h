/* rt_solver.h — the contract between the run loop (rt_run.c) and the methods (rt_<method>.c,
 * one file each), and the pieces the methods share: tracked allocation in setup, the inner
 * gradient loop, the upper gradients, the x step with its schedule, warm-started CG, warnings
 * and per-method statistics. Tests drive solvers through this header to watch iterates step by
 * step. Every buffer is allocated in setup; rt_solver_step never allocates. */
#ifndef BLOC_RT_SOLVER_H
#define BLOC_RT_SOLVER_H

#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rt_api.h"
#include "blo_abi.h"
#include "rt_methods.h"
#include "rt_oracle.h"
#include "rt_rng.h"
#include "rt_xstep.h"
#include "rt_ystep.h"

typedef struct RtSolver RtSolver;

/* The upper step's schedule, k the run loop's step (a recovery does not restart it). x_decay is
 * an option of every method: 0 by default (a constant step, exactly x_step) except f2sa's 1/7
 * and bsa's and ttsa's floored schedule, which their papers prescribe. */
typedef enum RtSchedule {
  RT_SCHED_POLY,       /* lambda_k = x_step / (k+1)^x_decay                  */
  RT_SCHED_POLY_FLOOR  /* lambda_k = x_step * max(0.01, (k+1)^-x_decay)      */
} RtSchedule;

typedef struct RtMethodImpl {
  const char *name;
  RtSchedule schedule;
  bool has_v;     /* keeps v ~ A^{-1} b across steps (residual diagnostics apply) */
  /* Read and validate method options, allocate state. 0, or -1 with a message. */
  int (*setup)(RtSolver *s, char *err, size_t errlen);
  /* One outer step k (0-based): update s->x (and y, v), set s->d, s->f_est. */
  void (*step)(RtSolver *s, int64_t k);
  /* Extreme eigenvalue estimates of the lower Hessian from the method's own Krylov basis of at
   * least min_dim vectors; false otherwise (the run loop then runs its own short Lanczos).
   * May be NULL. */
  bool (*ritz)(const RtSolver *s, int min_dim, double *lo, double *hi);
  /* The lower iterate that belongs to the current x, for diagnostics and for what a run saves
   * (unrolled methods rerun their loop; with one task per trajectory it uses the trace point's
   * diagnostic draw `key`, so f and g are then evaluated on the same task; methods that start
   * a step with a lower loop run it once more at the current x: rt_lower_next_y; exact solves
   * to y_tol). Diagnostic oracle calls only. NULL: s->y (soba: the pair of its next step). */
  void (*diag_y)(RtSolver *s, RtDraw key, double *y);
  /* The run loop moved x, y and v back to an earlier iterate (on_divergence = halve): forget
   * what was built from the later ones (a Krylov basis). May be NULL. */
  void (*reset)(RtSolver *s);
  /* A lower loop of the method's own, which the run loop does not see, blew up on its own
   * (RtRising): F2SA's penalised y, and the recovery then halves y_step too; an unrolled
   * method's inner loop, and the run stops naming inner_lr; exact's Newton solve that met a
   * Hessian not positive definite and stopped short of y_tol, and the run stops (no y_step to
   * halve, and no x step cures a g without a minimiser). Called before reset. May be NULL. */
  bool (*own_blew_up)(const RtSolver *s);
  /* After own_blew_up: writes into buf the cause and its cure, for the run's message in place
   * of "y_step is too large for it; give a smaller y_step" (F2SA's penalised step descends
   * f + lambda g, so where f's curvature dwarfs g's no y_step is the cure), measured at the
   * iterate (x, the method's y) the failed step began from (diagnostic oracle calls). Returns
   * RT_OWN_Y_STEP when a smaller y_step is the cure, RT_OWN_OTHER when something else is, 0
   * (buf untouched) when it has nothing to say. May be NULL. */
  int (*own_why)(RtSolver *s, const double *x, const double *y, char *buf, size_t n);
} RtMethodImpl;

enum { RT_OWN_Y_STEP = 1, RT_OWN_OTHER = 2 };

/* The solver's own allocations (rt_solver_mem): a fixed table, freed with the solver. 48 was
 * outgrown as the exact method's Newton gained its work vectors (probes, the best point's
 * optimiser moments): exact with momentum failed "out of memory setting up the run", status 3
 * (tests/e2e/alloc_pool.sh runs every method with every x optimiser) */
#define RT_MAX_ALLOCS 128
#define RT_MAX_STATS 8
#define RT_MAX_WARNINGS 24

typedef struct RtWarning {
  const char *key;      /* static identifier; one stored message per key */
  char text[1024]; /* the first occurrence (advice at the end of long ones was cut) */
  uint64_t count;
  bool printed;
} RtWarning;

struct RtSolver {
  const BloProblem *p;
  const RtMethodImpl *impl;
  RtOptions opt;        /* resolved options (derived defaults filled in) */
  RtOracle o;
  RtRng rng;            /* stream "method.<name>": UFOM's coin, BSA/TTSA truncations */
  uint64_t seed;
  int64_t nx, ny;
  /* Iterates and the last hypergradient estimate (owned). v is NULL without has_v. */
  double *x, *y, *v, *d;
  /* The linear system the last step solved, for the residual diagnostic: A(xa, ya) v ~ b. */
  double *xa, *ya, *b;
  /* Shared work: grad_x f, J v [nx]; grad_y g [ny]. */
  double *gx, *jv, *gy;
  double f_est;         /* f seen by the last step (at the point of its upper gradient) */
  bool lower_floor;     /* exact: its last Newton solve stopped at the rounding floor of
                           grad_y g, above y_tol (rt_phi_exact accepts it) */
  double lower_tol;     /* exact: the tolerance of its solves, y_tol scaled to grad_y g */
  /* exact: its last Newton solve converged only linearly (a degenerate minimiser, where the
   * Hessian vanishes: g = (x + y - 20)^4), and how far y may still be from y*(x) */
  bool lower_degenerate;
  double lower_yerr;
  /* exact: of the Hessians its last Newton solve counted as not positive definite
   * (indefinite_hessians), the most negative eigenvalue (INFINITY: none; -INFINITY: one not
   * measured, an eigendecomposition that failed or a flat one told at the end) and the most
   * eigenvalues one had at or below that size, |w0| (rt_phi_exact: a minimum's flat
   * directions, met short of it, are not a non-convex g) */
  double lower_indef_w0;
  int64_t lower_indef_k;
  /* a lower Hessian of this run was seen with a positive curvature (exact's, positive definite;
   * a trace point's largest Ritz value > 0): g is not concave in y, so one all negative later
   * is a non-convex region on the run's path (a double well's middle), not a utility to
   * maximise written unnegated (RT_NONCONVEX_PATH_CURE, not RT_CONCAVE_CURE) */
  bool lower_pos_curv;
  /* exact: its last Newton solve found g still falling 1e10 max(1, |y|) away along grad_y g's
   * part where the Hessian is singular: g unbounded below in y (g = x'y) */
  bool lower_unbounded;
  /* exact: its last Newton solve took all its max_inner steps and ended above the tolerance
   * (not at the rounding floor, nor on a failure): rt_phi_exact may go on from there */
  bool lower_capped;
  /* exact: this step's solve found so (the run loop fails the step, rt_run.c's failed(): its
   * hypergradient means nothing, and 100 more Newton steps of ny HVPs each found nothing),
   * with |grad_y g| there and the singular Hessian's smallest and largest eigenvalues */
  bool lower_no_min;
  double lower_no_min_gn, lower_no_min_w0, lower_no_min_wmax;
  double hg_norm;       /* ||d|| */
  /* the largest |grad_y g| the method's own lower loop (rt_lower_gd) met, and the outer step
   * (1-based) it met it in (0: none): a lower loop that blew up between two trace points, which
   * the end checks name (rt_run_checks.c, lower_blowup_seen) */
  double lower_peak;
  int64_t lower_peak_step;
  double step_size;     /* lambda_k of the last step */
  /* Common options. */
  int64_t outer_steps;
  double x_step, y_step, tol, x_decay, eta;
  RtXStep xs;           /* the outer optimizer's state and the constraints on x (rt_xstep.h) */
  RtYStep ystep;        /* y_step = auto: s->y_step (and eta) set by rt_ystep_refresh */
  int inner_steps, meta_batch;
  void *state;          /* the method's */
  int nstats;
  const char *stat_names[RT_MAX_STATS];
  double stats[RT_MAX_STATS];
  int nwarn;
  RtWarning warn[RT_MAX_WARNINGS];
  void *allocs[RT_MAX_ALLOCS];
  int nallocs;
  size_t alloc_bytes;   /* bytes allocated by this solver (oracle buffers included) */
  /* A stop request the run loop honours inside a step (rt_run.c; NULL: only after it): a
   * method whose step can take long (the unrolled inner loops: ufom with checkpoint = none and
   * r = 3000 took 13 s a step, which Ctrl-C waited for) polls it and, when set, abandons the
   * step, leaving x, y and v as they were before it, and sets `abandoned`. */
  const volatile sig_atomic_t *stop;
  bool abandoned;
};

/* The implementation of method `name`, or NULL. */
RT_API const RtMethodImpl *rt_method_impl(const char *name);

/* Resolve options (aliases and derived defaults), validate them against the problem, set up
 * the oracle and allocate every buffer. Returns NULL with a user-facing message in err (no
 * trailing period) when the problem or an option is unusable. seed drives every random draw. */
/* The optional kernel (RtMethodSpec.needs) method m calls and p lacks, as "BLO_K_...", or NULL
 * when p has every one: a compiler leaves them out unless a method of the run needs them. */
RT_API const char *rt_method_lacks(const RtMethodSpec *m, const BloProblem *p);
RT_API RtSolver *rt_solver_new(const BloProblem *p, const RtOptions *opt, uint64_t seed, char *err,
                        size_t errlen);
/* One outer step. With y_step = auto and no estimate yet, estimates it first (rt_solve does so
 * itself, to stop cleanly when the lower Hessian is not positive definite). */
RT_API void rt_solver_step(RtSolver *s, int64_t k);
RT_API void rt_solver_free(RtSolver *s);

/* --- for method implementations ------------------------------------------------------- */
/* n zeroed doubles (or bytes), freed with the solver; NULL when out of memory. */
RT_API double *rt_solver_vec(RtSolver *s, int64_t n);
RT_API void *rt_solver_mem(RtSolver *s, size_t bytes);
/* Register a statistic shown in the result (restarts, exact draws...); returns its index. */
RT_API int rt_solver_stat(RtSolver *s, const char *name);
/* Record a warning; one message per key is kept (the first), later ones only count. */
/* Whether a warning of this key was recorded (printed or not). */
RT_API bool rt_solver_warned(const RtSolver *s, const char *key);
RT_API void rt_solver_warn(RtSolver *s, const char *key, const char *fmt, ...)
    RT_PRINTF(3, 4);
/* A warning the caller showed already (the options', the method's: the result JSON lists it,
 * nothing prints it again), keyed by its text, which must outlive s. */
RT_API void rt_solver_warn_shown(RtSolver *s, const char *text);
/* "WHERE itself has no finite WHAT: WHAT = nan (element [i], 0-based) there, at its x and lower
 * point" into buf[len]: WHERE the start (step 0) or the iterate of step `step`, val the first
 * value of WHAT's n that is not finite, at index at (named when n > 1). The run's failure
 * message (rt_run.c) and y_step = auto's (rt_ystep.c) name such a start alike. */
RT_API void rt_not_finite_at(char *buf, size_t len, int64_t step, const char *what, double val,
                             int64_t at, int64_t n);
/* The cure for a derivative that is not finite at a point, for those messages. */
#define RT_NOT_FINITE_CURE                                                                 \
  "a derivative that is not finite at that point, such as norm's or sqrt's at 0, acos's or " \
  "asin's at -1 or 1: start elsewhere, or smooth it, e.g. sqrt(sumsq(x) + 1e-12) for "       \
  "norm(x), acos((1 - 1e-6) * c) for acos(c)"
/* The cure where g is unbounded below in y (phi's reason, rt_hypergrad.c; exact's failed step,
 * rt_run.c) */
#define RT_UNBOUNDED_CURE                                                                       \
  "make g strongly convex in y (a ridge term such as + 0.5 * sumsq(y)), or bound x (box "      \
  "bounds) where g is bounded below only for some x"
/* The cause and the cure where every curvature estimate of g in y is negative (y_step = auto's
 * Ritz values, the trace points', exact's eigenvalues): g concave in y there, most often a
 * utility to maximise written unnegated, where "give y_step explicitly" was the cure and
 * diverged; or a g concave only near this y, or only for some x. */
#define RT_CONCAVE_CURE                                                                       \
  "g looks concave in y there (maximised, not minimised): bloc minimises g, so a lower level " \
  "that maximises (a follower's profit, an attacker's utility) must be written as minimising " \
  "its negative, 'lower objective g = -(...)' (doc/language.md, section 3); a g meant to be "  \
  "minimised must be convex in y where the run goes (a start y0 where it is, or bounds on x "  \
  "where it is convex only for some x)"
/* The cause and the cure where every curvature estimate of g in y is negative at a point but
 * a positive one was seen earlier in the run (RtSolver.lower_pos_curv): a double well
 * (y^2 - 1)^2 - x y, meant to be minimised, whose iterate crossed its concave middle, was told
 * "looks concave ... maximised" with negating g as the first cure; 0.5 x y^2 - y, convex in y
 * at the start's x > 0 and concave once x < 0, is the other way in. */
#define RT_NONCONVEX_PATH_CURE                                                                 \
  "g curves down in y there, though it is not concave everywhere: its Hessian had a positive "  \
  "eigenvalue earlier in this run, so this is not a lower level written to be maximised but a " \
  "region where g is not convex that the run entered, through y (between two minimisers, as "   \
  "in a double well) or through x (a g convex in y only for some x); a g meant to be "          \
  "minimised must be convex in y where the run goes (a start y0 in the wanted minimiser's "     \
  "basin, or bounds on x where it is convex only for some x)"
/* The lower variables along which g's Hessian is 0 at (s->x, y): a product with a vector on a
 * variable's elements alone is exactly 0 (g does not read it, or is linear in it; bloc check
 * warns at the declaration of one g does not read). Writes into buf the clause naming them and
 * the cure, for the singular-Hessian warnings, which guessed "an exp that underflows?" or "a
 * bias left unregularised under a softmax" where g did not read a variable f did, and returns
 * how many elements they have; 0 (buf "") for none, on a sampled problem (one draw's Hessian),
 * or where a warning of `key` was recorded already (one product a lower variable each time). */
RT_API int64_t rt_lower_flat_vars(RtSolver *s, const char *key, const double *y, char *buf,
                                  size_t len);
/* Option lookups (the option must exist in the method's table). */
RT_API double rt_solver_num(const RtSolver *s, const char *key);
RT_API bool rt_solver_isset(const RtSolver *s, const char *key);
RT_API void rt_solver_resolve(RtSolver *s, const char *key,
                              double value); /* record a derived value */
/* Record the word an `auto` option resolved to (the result JSON's options show it). */
RT_API void rt_solver_resolve_word(RtSolver *s, const char *key, const char *word);

/* Whether a loop of gradient steps at a fixed x blew up on its own: at a fixed x, stable
 * gradient steps never raise the gradient's norm at every step, unstable ones raise it by
 * |1 - step L| each. Start with the loop's step count, note each step's gradient norm; `all`
 * then says every norm after the first was above the one before (and there were two). */
typedef struct RtRising {
  double prev;
  bool all;
  int finite; /* the finite norms noted */
} RtRising;
static inline RtRising rt_rising_start(int steps) { return (RtRising){-INFINITY, steps > 1, 0}; }
/* A norm that overflowed after finite ones is a rise (the loop blew up past the doubles: F2SA's
 * penalised y on y^4 + y^2/2 - x y with y_step = 0.8 went 2, 18, ... then inf, and the recovery
 * halved x_step alone, twice, and stopped blaming a derivative); one that is not finite from
 * the first step is not (a derivative not finite at that iterate). */
static inline void rt_rising_note(RtRising *w, double gnorm) {
  if (!isfinite(gnorm)) {
    if (w->finite == 0) w->all = false;
    w->prev = INFINITY;
    return;
  }
  if (!(gnorm > w->prev)) w->all = false;
  w->prev = gnorm;
  w->finite++;
}

/* T steps y <- y - theta grad_y g(x, y), a fresh draw each; returns ||grad_y g|| of the last
 * evaluated gradient (0 when T == 0). Uses s->gy. Outside diagnostic mode, keeps the largest
 * ||grad_y g|| it met in s->lower_peak. */
RT_API double rt_lower_gd(RtSolver *s, const double *x, double *y, int T, double theta);
/* What rt_lower_probe saw: steps taken, |grad_y g| at the start and at the last step, and
 * whether the steps blew up; no_g: they did by reaching a y where g is not finite while its
 * gradient is (out of g's domain: log(y) at y < 0). */
typedef struct RtLowerProbe {
  int steps;
  double g0, g1;
  /* g's mean curvature in y along the last step, from g's values alone: 2 (g' - g + t |grad|^2)
   * / (t |grad|)^2 with t = y_step (exact for a g quadratic in y). Past 2/y_step where steps
   * too long blew up, <= 0 where g is not convex along them (no y_step helps); NaN if none */
  double curv;
  /* the step that raised g itself past RT_PROBE_GJUMP times the most a step stable for g
   * raises it (g_from to g_to, at step jump; 0 when none) */
  int jump;
  double g_from, g_to;
  bool blew_up, no_g;
  /* the extreme Ritz values of the lower Hessian where the steps went (rt_run.c, probe_ritz:
   * a blow-up whose last step curved up, y_step too long for g's top curvature, can hide
   * directions where g curves down; NaN if not measured) */
  double ritz_lo, ritz_hi;
} RtLowerProbe;

/* Whether gradient steps y <- y - y_step grad_y g(x, y) at this fixed x blow up from y: the
 * lower loop blowing up on its own, y_step too large for g there, told from an x step too
 * large (rt_run.c, on_divergence = halve). Along such steps on a convex g with an L-smooth
 * gradient and y_step <= 2/L, |grad_y g| never rises; past 2/L its component on the top
 * eigenvectors grows by |1 - y_step L| a step. At most RT_PROBE_STEPS steps, on one
 * diagnostic draw (a stochastic problem's noise is no rise; no method call counted, no method
 * draw taken); blew_up when |grad_y g| rose at each of the last RT_PROBE_RISES steps to over
 * RT_PROBE_FACTOR times its start, or it or g turned non-finite from a finite start (a step
 * out of g's domain: the method's same step fails on g), or one step raised g by over
 * RT_PROBE_GJUMP times y_step |grad_y g|^2 (a step of length t = y_step on an L-smooth g
 * raises it by at most t |grad|^2 (t L / 2 - 1), and a Lipschitz one, smooth or not, by at
 * most t |grad|^2: such a step overshot where g curves far more than at the steps before, as
 * from an exp-underflow plateau of an entropic-OT dual, where |grad_y g| stays constant until
 * y overshoots in one step and lands on the plateau again; 3 rises are never seen there).
 * Overwrites y; uses s->gy. */
#define RT_PROBE_STEPS 40
#define RT_PROBE_RISES 3
#define RT_PROBE_FACTOR 2.0
#define RT_PROBE_GJUMP 100.0
RT_API RtLowerProbe rt_lower_probe(RtSolver *s, const double *x, double *y);
/* diag_y of the methods that start a step with T = inner_steps gradient steps on y: y is the
 * current y after those T steps at the current x, the lower point the next step would use. */
RT_API void rt_lower_next_y(RtSolver *s, RtDraw key, double *y);
/* Upper gradients at (s->x, s->y): s->f_est, s->gx, s->b = grad_y f; records the system
 * point (xa = x, ya = y). */
RT_API void rt_upper_grads(RtSolver *s);
/* Step size lambda_k of the method's schedule. */
RT_API double rt_step_size(const RtSolver *s, int64_t k);
/* d = gx - J(x, y) v (a fresh draw), then x <- x - lambda_k d. */
RT_API void rt_upper_step(RtSolver *s, int64_t k);
/* x <- P(x - lambda_k u(d)) with d already set (rt_xstep_apply: the x_optimizer's direction u,
 * the projection P onto the constraints); sets hg_norm and step_size. Every method's x step. */
RT_API void rt_x_update(RtSolver *s, int64_t k);
/* One conjugate-gradient solve of A(x, y) v = b: the right-hand side, the limits, the work
 * vectors r, p, Ap [ny], and (out) when it stopped on no curvature: p'Ap if not positive, else
 * the Rayleigh quotient p'Ap/p'p that was at the rounding level of the largest one met. */
typedef struct RtCgRun {
  const double *b;
  int max_steps;
  double rtol; /* stop when |r| <= max(rtol, 1e-15) |b| */
  double *r, *p, *Ap;
  /* out: the curvature p'Ap/p'p that stopped a solve (-1), and the largest one met (every
   * solve: a lower bound on |A|) */
  double curvature, curvature_max;
  /* out: the least positive p'Ap/p'p met (an upper bound on A's least eigenvalue: with
   * curvature_max, a lower bound on its condition number) */
  double curvature_min;
  /* in: solve (A + shift I) v = b (0: A itself; Newton-CG's steps where g is not convex) */
  double shift;
} RtCgRun;

/* At most run->max_steps steps of conjugate gradients on A(x, y) v = run->b from the current v
 * (warm start), every product with the draw `key` so CG sees one matrix. Stops early on a
 * solved system or no curvature (returns -1 then, with run->curvature; no warning:
 * the caller decides). Returns the recursive residual norm. HVPs used: 1 + iterations. */
RT_API double rt_cg_solve(RtOracle *o, RtDraw key, const double *x, const double *y, double *v,
                          RtCgRun *run);
/* A step on g(x, .) from y along -d, where g is linear (a singular lower Hessian's null
 * directions, d grad_y g's part along them: an exp that underflows): Armijo's test from a
 * first step t0 (at least 1e-6 max(1, |y|) / |d| long), halved if it fails (40 times), then
 * doubled while g falls, to the least g met; yt (ny) is work. Returns 1 (y and *g, g's value
 * at y, updated), 0 (no decrease found, or an oracle failure kept), -1 (g still falling
 * 1e10 max(1, |y|) away: unbounded below along d, as g = x'y; y unchanged). */
RT_API int rt_flat_step(RtOracle *o, RtDraw key, const double *x, double *y, const double *d,
                        double t0, double *g, double *yt);
/* Whether r[3], the last three ratios of |grad_y g| from one Newton step to the next, are each
 * about the same, well away from 0 (in [0.05, 0.8], within 1.5 of each other): linear
 * convergence, where Newton's is quadratic (the ratio itself falls to 0) at a minimiser with a
 * nonsingular Hessian. At a degenerate stationary point, g ~ u^p in the distance u to it
 * (Hessian 0 there), each step multiplies u by (p - 2)/(p - 1) and |grad_y g| by its (p - 1)th
 * power: 0.296 for p = 4. */
RT_API bool rt_linear_rate(const double r[3]);
/* The probe of a stationary point y of g(x, .) (g its value there) that Newton reached only
 * linearly, or started at, where the Hessian vanishes (no minimiser, perhaps: an inflection):
 * g at y +/- t d for each of the nd directions dirs (NULL ones and zero ones skipped; any
 * length), t doubling from t0 to top. Where the lowest of those is clearly below g, the least
 * g on its line between the grid's neighbours (golden sections: the grid's lowest point may
 * lie where g is not convex) is taken: y and *g move there, 1 is returned; else 0 (and on an
 * oracle failure kept). Work: d, yt, ylow (ny doubles each). rt_exact.c's dense Newton and
 * Newton-CG (rt_hypergrad.c) share it. */
RT_API int rt_probe_lower(RtOracle *o, RtDraw key, const double *x, double *y, double *g,
                          const double *const *dirs, int nd, double t0, double top, double *d,
                          double *yt, double *ylow);
/* At a start y where |grad_y g| is already below the tolerance: whether the curvature of g
 * along u, the unit vector of equal elements (one Hessian-vector product), vanishes (not above
 * RT_SCALED_FLOOR max(1, |g|)), and then rt_probe_lower along it from 1e-8 max(1, |y|) to
 * 2 sqrt(ny) max(1, max |y_i|) (a unit in every element where y's scale is unknown). y0 = 0
 * on g = sum((x - y^3)^2), an inflection where grad_y g and the Hessian are 0, was taken for
 * y*(x) at once. Returns as rt_probe_lower; work: u, hu, yt, ylow (ny doubles each). */
RT_API int rt_probe_start(RtOracle *o, RtDraw key, const double *x, double *y, double *g,
                          double *u, double *hu, double *yt, double *ylow);
/* Whether the oracle keeps a failure of a method step (a non-finite output outside
 * diagnostic mode): it ends the step, and the caller names it. */
RT_API bool rt_oracle_kept_failure(const RtOracle *o);
/* Newton's rounding floor on |grad_y g| at y: 64 sqrt(n) eps (hnorm |y| + gstart), the
 * rounding of grad_y g's terms with hnorm standing for |H| and gstart |grad_y g| where the
 * solve began. Below it a line search's failure is the floor, not a wrong direction. */
RT_API double rt_newton_floor(int64_t n, double hnorm, const double *y, double gstart);
/* Whether y sits at or next to a singularity of g at x (a pole such as tan's at pi/2, or
 * 1 / z's at 0), where no method can move it: Newton's step along -grad_y g, |grad_y g| over
 * the curvature along it, is below y's rounding in every element (a gradient step with y_step
 * = auto, 1 / L, is shorter still), so y stays where it is, and g a short way along that step
 * (sqrt(eps) max(1, |y|)) falls by more than 1e6 times what it falls over as far again: g's
 * values blow up at y. A minimum at the rounding floor of grad_y g has g rising both ways, and
 * a smooth g falls alike over both lengths. From y0 = pi/2 on tan(y)^2, g = 2.7e30 and
 * |grad_y g| = 8.7e46 there, every step on y was 2e-17 (y's rounding 2.2e-16), and aid_cg,
 * exact and lancbio ended with exit 0 and that y's f. g and gy: g and grad_y g at (x, y), at
 * draw d; one Hessian-vector product and two values of g there (trial points: a value outside
 * g's domain is no failure, and no verdict). w: 2 ny of work. Fills sing (when not NULL) and
 * returns true on that verdict. */
typedef struct RtSingular {
  double step;   /* Newton's step length along -grad_y g */
  double h;      /* the short way along it, and g there (g_near) */
  double g_near;
  int64_t at;    /* the element of y with the largest |grad_y g| */
} RtSingular;
RT_API bool rt_lower_singular(RtOracle *o, RtDraw d, const double *x, const double *y, double g,
                              const double *gy, double *w, RtSingular *sing);
/* The lower variable holding element `at` of y (0-based), and that element's text ("" for a
 * scalar, "[2]" of a vector, "[1, 0]" of a matrix) into el[len]. */
RT_API const char *rt_lower_var_at(const BloProblem *p, int64_t at, char *el, size_t len);
/* One Newton step's backtracking on g(x, .) from y along -dy: Armijo's test (the full step
 * taken if g does not rise), halved up to 40 times; where the predicted decrease is below g's
 * rounding the gradient's norm decides. Stops on an oracle failure kept. */
typedef struct RtNewtonLs {
  const double *gy, *dy; /* grad_y g at y, and the step (-dy a descent direction) */
  double gn;             /* |gy| */
  double *yt, *gyt;      /* work: ny doubles each */
} RtNewtonLs;
/* Whether a step was taken; then y, *g (g's value at y) and *len (the step's length, if len is
 * not NULL) are updated. */
RT_API bool rt_newton_ls(RtOracle *o, RtDraw key, const double *x, const RtNewtonLs *ls,
                         double *y, double *g, double *len);
/* What stopped a solve that returned -1, in words, into buf[size]; returns buf. */
RT_API const char *rt_cg_curvature(const RtCgRun *run, char *buf, size_t size);
/* Lanczos and CG resolve the lower Hessian's curvatures only to about eps times the largest:
 * a singular Hessian in y's own units shows 1e-16 to 1e-14 of a largest of order 1, one whose
 * variables are on very different scales (ridge with a feature times 3e7: eigenvalues 1.006
 * to 9.8e14, positive definite once scaled by its diagonal) a least far above that for g's
 * size. A least curvature at the rounding of the largest is that of such a scaling, not of a
 * singular Hessian, when |least| > RT_SCALED_FLOOR max(1, |g|) (the trace point's Ritz
 * warning, CG's curvature stops; doc/methods.md). g: the value of g there (0: unknown). */
#define RT_SCALED_FLOOR 1e-8
RT_API bool rt_curvature_scaled(double least, double g);
/* Whether a solve that returned -1 stopped on a positive curvature that rt_curvature_scaled
 * calls scaling (g as there). */
RT_API bool rt_cg_scaled(const RtCgRun *run, double g);
/* The words for such a scaling (decades from least to largest, the curvatures; the callers
 * name them), `who` what cannot resolve it ("conjugate gradients"), into buf[size] (about 240
 * characters); returns buf. Callers add a cure (RT_SCALED_CURE
 * where the run can switch method). */
RT_API const char *rt_scaled_why(double least, double largest, const char *who, char *buf,
                                 size_t size);
#define RT_SCALED_CURE                                                                     \
  "standardise the data (import \"prep\", doc/stdlib.md) or use method exact, whose dense " \
  "solves are scaled by the Hessian's diagonal"
/* rt_cg_solve on the solver's oracle, warning about non-positive curvature. */
RT_API double rt_cg(RtSolver *s, RtDraw key, const double *x, const double *y, double *v,
                    RtCgRun *run);

/* Truncated Neumann series v = eta sum_{q<Q} (I - eta A)^q b at (s->x, s->y): Q - 1 HVPs, a
 * fresh draw each (stocBiO's independent batches). Work p, Ap [ny]. */
RT_API void rt_neumann_sum(RtSolver *s, const double *b, int Q, double *v, double *p, double *Ap);
/* Randomly truncated Neumann term v = Q eta (I - eta A)^q b, q ~ U{0..Q-1} from s->rng (BSA,
 * TTSA; unbiased for the sum above): q HVPs. Work Ap [ny]. Returns q. */
RT_API int rt_neumann_random(RtSolver *s, const double *b, int Q, double *v, double *Ap);

/* The shared setup and step of BSA and TTSA (rt_bsa.c, rt_ttsa.c). */
RT_API int rt_rand_neumann_setup(RtSolver *s, char *err, size_t errlen);
RT_API void rt_rand_neumann_step(RtSolver *s, int64_t k);

/* HJFBiO's products at (s->x, s->y, s->v) of an hjfbio solver, one draw `key` for the four
 * gradients: Av = (grad_y g(y + delta v) - grad_y g(y - delta v)) / (2 delta) [ny], Jv the
 * same difference of grad_x g [nx] (rt_hjfbio.c). */
RT_API void rt_hjfbio_differences(RtSolver *s, RtDraw key, double delta, double *Av, double *Jv);

/* The condition number of the lower Hessian of an exact solver's last dense solve, as those
 * solves see it: scaled by its diagonal, D^-1/2 H D^-1/2 (rt_exact.c; its eigenvalues, once,
 * where Cholesky solved it); INFINITY when not positive definite so scaled, NaN for another
 * method or before any solve. A variable in other units makes the Ritz values' ratio 1e15
 * where this is 20. */
RT_API double rt_exact_scaled_cond(const RtSolver *s);

/* Method tables (rt_<method>.c). */
RT_EXTERN const RtMethodImpl rt_impl_lancbio, rt_impl_subbio, rt_impl_ufom, rt_impl_fom,
    rt_impl_itd, rt_impl_aid_cg, rt_impl_amigo_gd, rt_impl_soba, rt_impl_stocbio, rt_impl_bsa,
    rt_impl_ttsa, rt_impl_f2sa, rt_impl_hjfbio, rt_impl_stable, rt_impl_exact;

#endif
