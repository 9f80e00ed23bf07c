/* rt_lancbio.c — LancBiO (Yang, Gao, Yuan, ICLR 2025): dynamic Lanczos. One new Lanczos vector
 * per outer step, built with the current Hessian A_k; the small tridiagonal system T s = Q^T r
 * (with the stale w = A v_bar of the last restart) gives v = v_bar + Q s. Follows the pseudo-code
 * of ALGORITHMS.md line by line; the comments quote it.
 *
 * Stochastic problems: every product with A_k in one outer step (the restart product and the
 * Lanczos product) uses one draw, so A_k is one matrix within a step. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rt_linalg.h"
#include "rt_rng.h"
#include "rt_solver.h"
#include "rt_tridiag.h"
#include "rt_mem.h"

/* |omega| below this fraction of max(|u|, |alpha|) is a breakdown (the Krylov space is invariant
 * up to rounding): restart at the next step. */
#define LANCZOS_BREAKDOWN 1e-12

/* A vector is normalised by multiplying with 1/|v|, which overflows to Inf for a subnormal
 * |v| (below DBL_MIN): such a vector counts as zero. When y converges onto a point where
 * grad_y f vanishes (f = |y - 1|^2 / 2 + ... with y* = 1), b, the residuals and beta decay
 * through the subnormals, and 1/beta = Inf made the next Hessian-vector product non-finite:
 * three recoveries, then status 2, at the solution. */
static bool normalisable(double nrm) { return nrm >= DBL_MIN && isfinite(nrm); }
/* max |q_i^T q_new| above this means the new Lanczos vector repeats old directions (rounding
 * past j = ny, converged Ritz values, or a Hessian that moved while the basis was built): Q^T r
 * would count them twice and v overshoot, so restart. Duplicates measured 0.1-1.0 in the runs
 * that diverged; healthy runs 6.5e-10 (synthetic problem) but up to 1e-4..1e-2 when the Hessian
 * moves with x (hyperclean), where a 1e-8 threshold restarted every other step and left a 6x
 * larger hypergradient. */
#define LANCZOS_ORTH_LOSS 1e-2
/* Residual watch: every RESIDUAL_WATCH steps the true |A_k v - b| is measured (one HVP with the
 * step's draw). Rising at RESIDUAL_RISES consecutive watch points by RESIDUAL_GROWTH in all, from
 * above RESIDUAL_FLOOR |b|, means v drifts away from the solution (a basis gone stale or
 * non-orthogonal): restart, rather than let the drift grow into a blow-up. The growth factor
 * leaves room for v lagging a moving b (at most 5.7x over 3 rises on the synthetic problem; the
 * ridge blow-up of issue 11 grew 200x over its first 3 rises); the floor ignores a rise from a
 * rounding-level residual (right after an exact solve) to an ordinary lag. */
#define RESIDUAL_WATCH 10
#define RESIDUAL_RISES 3
#define RESIDUAL_GROWTH 100.0
#define RESIDUAL_FLOOR 1e-10

typedef struct Lanc {
  int m, m0, m_max, period;
  int64_t warmup;    /* outer steps of the warm-up phase (0: none) */
  int nw;            /* warm-up: vectors in the window W (the last one pending, not in T) */
  double *qprev, *bprev; /* warm-up: the previous Lanczos vector; the previous step's b */
  double rho;
  int j;             /* vectors in the current basis */
  bool restart_due;
  double beta;       /* beta of the last step (0 right after a restart) */
  double *Q;         /* (m_max + 1) basis vectors of ny; Q[j] is the next q */
  double *vbar, *w, *r, *u;
  double *alpha, *offd;          /* T: diagonal [m_max], off-diagonal [m_max - 1] */
  double *rhs, *tw;              /* Q^T r (and s) [m_max]; solve work [2 m_max] */
  double watch[RESIDUAL_RISES + 1]; /* the last residuals measured, oldest first */
  double watch_b[RESIDUAL_RISES + 1]; /* |b| when each was measured */
  int nwatch;
  int st_restarts, st_breakdowns, st_m, st_watch;
} Lanc;

static int lanc_setup(RtSolver *s, char *err, size_t errlen) {
  Lanc *L = rt_solver_mem(s, sizeof *L);
  if (!L) goto oom;
  s->state = L;
  L->m0 = (int)rt_solver_num(s, "m0");
  L->m_max = (int)rt_solver_num(s, "m_max");
  L->rho = rt_solver_num(s, "m_growth");
  L->period = (int)rt_solver_num(s, "m_period");
  L->warmup = (int64_t)rt_solver_num(s, "warmup_steps");
  /* m0 <= m_max (rt_options_check). A Krylov space of R^ny has at most ny dimensions: past
   * j = ny the next vector is rounding noise, so the basis never holds more than ny vectors. */
  if (L->m_max > s->ny) L->m_max = (int)s->ny;
  if (L->m0 > L->m_max) L->m0 = L->m_max;
  int64_t mm = L->m_max;
  L->Q = rt_solver_vec(s, (mm + 1) * s->ny);
  L->vbar = rt_solver_vec(s, s->ny);
  L->w = rt_solver_vec(s, s->ny);
  L->r = rt_solver_vec(s, s->ny);
  L->u = rt_solver_vec(s, s->ny);
  L->alpha = rt_solver_vec(s, mm);
  L->offd = rt_solver_vec(s, mm);
  L->rhs = rt_solver_vec(s, mm);
  L->tw = rt_solver_vec(s, 2 * mm);
  if (!L->Q || !L->vbar || !L->w || !L->r || !L->u || !L->alpha || !L->offd || !L->rhs || !L->tw)
    goto oom;
  if (L->warmup > 0) {
    L->qprev = rt_solver_vec(s, s->ny);
    L->bprev = rt_solver_vec(s, s->ny);
    if (!L->qprev || !L->bprev) goto oom;
    /* the first restart vector: U[0, 1) entries, as the authors' code draws it */
    RtRng g = rt_rng_stream(s->seed, "lancbio.warmup");
    for (int64_t i = 0; i < s->ny; i++) L->bprev[i] = rt_rng_uniform(&g, 0, 1);
  }
  L->m = L->m0;
  L->restart_due = true;
  L->st_restarts = rt_solver_stat(s, "restarts");
  L->st_breakdowns = rt_solver_stat(s, "breakdowns");
  L->st_m = rt_solver_stat(s, "m");
  L->st_watch = rt_solver_stat(s, "residual_restarts");
  s->stats[L->st_m] = L->m;
  return 0;
oom:
  rt_oom_errf(err, errlen, "out of memory allocating the Lanczos basis (%d vectors of %lld)",
              L ? L->m_max + 1 : (int)rt_solver_num(s, "m_max") + 1, (long long)s->ny);
  return -1;
}

/* min(ceil(rho m), m_max) in double, exactly as the authors' int(math.ceil(rho * m)): the
 * product's rounding is part of their schedule (1.1 * 170 = 187.00000000000003 gives 188,
 * 1.1 * 10 = 11 exactly gives 11). rho >= 1, so the result is never below m. */
static int grow(int m, double rho, int m_max) {
  double c = ceil(rho * m);
  return c > m_max ? m_max : (int)c;
}

/* v_bar <- v; w <- A_k v_bar; r0 <- b - w; q <- r0/|r0|; Q <- [q]; T <- 0x0; beta <- 0; j <- 0.
 * Returns false when r0 vanishes (v_bar already solves A_k v = b): no basis this step. */
static bool restart(RtSolver *s, Lanc *L, RtDraw key) {
  int64_t n = s->ny;
  s->stats[L->st_restarts]++;
  rt_copy(n, s->v, L->vbar);
  rt_oracle_hvp(&s->o, key, s->xa, s->y, L->vbar, L->w);
  rt_sub(n, s->b, L->w, L->r);
  double rn = rt_nrm2(n, L->r);
  L->j = 0;
  L->beta = 0;
  L->restart_due = false;
  if (!(rn > 1e-15 * fmax(rt_nrm2(n, s->b), rt_nrm2(n, L->w))) || !normalisable(rn)) {
    L->restart_due = true;
    return false;
  }
  rt_copy(n, L->r, L->Q);
  rt_scal(n, 1.0 / rn, L->Q);
  return true;
}

/* Whether the unit vector qn has max_i |q_i^T qn| > LANCZOS_ORTH_LOSS over the j basis vectors
 * in Q (a near-invariant subspace the breakdown test missed). */
static bool lost_orthogonality(int64_t n, const double *Q, int j, const double *qn) {
  for (int i = 0; i < j; i++)
    if (!(fabs(rt_dot(n, Q + (int64_t)i * n, qn)) <= LANCZOS_ORTH_LOSS)) return true;
  return false;
}

/* The residual watch (see RESIDUAL_WATCH), after v is set at step k; L->r is free work here. */
static void watch_residual(RtSolver *s, Lanc *L, RtDraw key, int64_t k) {
  if ((k + 1) % RESIDUAL_WATCH != 0) return;
  int64_t n = s->ny;
  rt_oracle_hvp(&s->o, key, s->xa, s->y, s->v, L->r);
  rt_axpy(n, -1, s->b, L->r);
  double rho = rt_nrm2(n, L->r);
  if (L->nwatch == RESIDUAL_RISES + 1) {
    for (int i = 0; i < RESIDUAL_RISES; i++) {
      L->watch[i] = L->watch[i + 1];
      L->watch_b[i] = L->watch_b[i + 1];
    }
    L->nwatch--;
  }
  L->watch_b[L->nwatch] = rt_nrm2(n, s->b);
  L->watch[L->nwatch++] = rho;
  if (L->nwatch < RESIDUAL_RISES + 1) return;
  for (int i = 0; i < RESIDUAL_RISES; i++)
    if (!(L->watch[i + 1] > L->watch[i])) return;
  if (!(rho >= RESIDUAL_GROWTH * L->watch[0] && L->watch[0] > RESIDUAL_FLOOR * L->watch_b[0]))
    return;
  s->stats[L->st_watch]++;
  rt_solver_warn(s, "lancbio.residual", "outer step %lld: the residual |A v - b| rose at %d "
                 "consecutive checks (%.3g -> %.3g); restarting the Lanczos basis",
                 (long long)k + 1, RESIDUAL_RISES, L->watch[0], rho);
  L->restart_due = true;
  L->nwatch = 0;
}

/* One step of the warm-up phase (the authors' hyper-cleaning LancBiO before its switch epoch,
 * ALGORITHMS-more.md): no anchor; on the global clock k mod m == 0 the window restarts from the
 * previous step's b; one Lanczos step (alpha = q^T A q, as their code); a window of m + 1
 * vectors drops its oldest vector and T its first row and column; v = Wu T^-1 Wu^T b, where Wu
 * is W without its pending last vector. With m = 1 every step restarts and slides, T is empty
 * and v = 0: x does not move, as in their runs. L->j is T's order (for the Ritz values). */
static void warm_step(RtSolver *s, Lanc *L, RtDraw key, int64_t k) {
  int64_t n = s->ny;
  if (k % L->m == 0 || L->nw <= L->j) { /* the clock, or no pending vector (a breakdown) */
    double bn = rt_nrm2(n, L->bprev);
    if (normalisable(bn)) {
      rt_copy(n, L->bprev, L->Q);
      rt_scal(n, 1.0 / bn, L->Q);
      L->nw = 1;
    } else {
      L->nw = 0; /* b is 0 (or subnormal): v = 0 solves, nothing to build */
    }
    L->j = 0;
    L->beta = 0;
    rt_zero(n, L->qprev);
    if (L->nw) s->stats[L->st_restarts]++;
  }
  if (L->nw > 0 && L->nw == L->j + 1) { /* a pending vector: one Lanczos step */
    double *q = L->Q + (int64_t)(L->nw - 1) * n, *qn = q + n;
    rt_oracle_hvp(&s->o, key, s->xa, s->y, q, L->u);
    double alpha = rt_dot(n, q, L->u);
    if (L->j > 0) L->offd[L->j - 1] = L->beta;
    L->alpha[L->j++] = alpha;
    rt_copy(n, L->u, qn);
    rt_axpy(n, -alpha, q, qn);
    rt_axpy(n, -L->beta, L->qprev, qn);
    rt_copy(n, q, L->qprev);
    double beta = rt_nrm2(n, qn);
    if (beta > LANCZOS_BREAKDOWN * fmax(rt_nrm2(n, L->u), fabs(alpha)) && normalisable(beta)) {
      rt_scal(n, 1.0 / beta, qn);
      L->beta = beta;
      L->nw++;
    } else { /* invariant subspace: W is T's basis; restart at the next step */
      s->stats[L->st_breakdowns]++;
      L->nw = L->j;
      L->beta = 0;
    }
    if (L->nw == L->m + 1) { /* slide: the oldest vector out */
      memmove(L->Q, L->Q + n, (size_t)(L->nw - 1) * (size_t)n * sizeof(double));
      memmove(L->alpha, L->alpha + 1, (size_t)(L->j - 1) * sizeof(double));
      if (L->j >= 2) memmove(L->offd, L->offd + 1, (size_t)(L->j - 2) * sizeof(double));
      L->nw--;
      L->j--;
    }
  }
  /* v <- Wu T^-1 Wu^T b  (Galerkin on b itself, no anchor) */
  rt_zero(n, s->v);
  for (int i = 0; i < L->j; i++) L->rhs[i] = rt_dot(n, L->Q + (int64_t)i * n, s->b);
  if (L->j > 0 && rt_tridiag_solve(L->j, L->alpha, L->offd, L->rhs, L->rhs, L->tw) != 0) {
    s->stats[L->st_breakdowns]++;
    rt_solver_warn(s, "lancbio.pivot", "outer step %lld: the tridiagonal system broke down (tiny "
                   "pivot); restarting the Lanczos window", (long long)k + 1);
    L->nw = 0; /* v = 0 this step */
  } else {
    for (int i = 0; i < L->j; i++) rt_axpy(n, L->rhs[i], L->Q + (int64_t)i * n, s->v);
  }
  rt_copy(n, s->b, L->bprev);
}

static void lanc_step(RtSolver *s, int64_t k) {
  Lanc *L = s->state;
  int64_t n = s->ny;
  /* repeat T times: y <- y - theta grad_y g(x, y);  b <- grad_y f(x, y) */
  rt_lower_gd(s, s->x, s->y, s->inner_steps, s->y_step);
  rt_upper_grads(s);
  /* if k > 0 and k mod F == 0: m <- min(ceil(rho m), m_max) */
  if (k > 0 && k % L->period == 0) L->m = grow(L->m, L->rho, L->m_max);
  s->stats[L->st_m] = L->m;
  RtDraw key = rt_oracle_draw(&s->o);
  if (k < L->warmup) {
    warm_step(s, L, key, k);
    rt_upper_step(s, k);
    return;
  }
  /* the switch: the last warm-up v becomes the anchor v_bar (restart copies v), c <- 0 */
  if (L->warmup > 0 && k == L->warmup) L->restart_due = true;
  for (int attempt = 0; attempt < 2; attempt++) {
    /* if restart due (first step, or j == m) */
    if (L->restart_due || L->j >= L->m) {
      if (!restart(s, L, key)) break; /* v = v_bar solves the system: keep it */
    }
    /* r <- b - w  (current b, stale w) */
    rt_sub(n, s->b, L->w, L->r);
    /* u <- A_k q - beta q_prev;  alpha <- q^T u;  j <- j + 1 */
    double *q = L->Q + (int64_t)L->j * n;
    rt_oracle_hvp(&s->o, key, s->xa, s->y, q, L->u);
    if (L->j > 0) rt_axpy(n, -L->beta, q - n, L->u);
    double alpha = rt_dot(n, q, L->u);
    L->j++;
    /* append alpha to diag(T), beta to its off-diagonal */
    L->alpha[L->j - 1] = alpha;
    if (L->j >= 2) L->offd[L->j - 2] = L->beta;
    /* solve T s = Q^T r  (O(j), guard the pivots) */
    for (int i = 0; i < L->j; i++) L->rhs[i] = rt_dot(n, L->Q + (int64_t)i * n, L->r);
    if (rt_tridiag_solve(L->j, L->alpha, L->offd, L->rhs, L->rhs, L->tw) != 0) {
      s->stats[L->st_breakdowns]++;
      rt_solver_warn(s, "lancbio.pivot",
                     "outer step %lld: the tridiagonal system broke down (tiny pivot); "
                     "restarting the Lanczos basis",
                     (long long)k + 1);
      L->restart_due = true;
      continue; /* restart now (once) with the same A_k */
    }
    /* v <- v_bar + Q s */
    rt_copy(n, L->vbar, s->v);
    for (int i = 0; i < L->j; i++) rt_axpy(n, L->rhs[i], L->Q + (int64_t)i * n, s->v);
    /* omega <- u - alpha q;  beta <- |omega|;  q_prev <- q;  q <- omega / beta;  Q <- [Q, q] */
    double *qn = q + n;
    rt_copy(n, L->u, qn);
    rt_axpy(n, -alpha, q, qn);
    double beta = rt_nrm2(n, qn);
    double scale = fmax(rt_nrm2(n, L->u), fabs(alpha));
    if (!(beta > LANCZOS_BREAKDOWN * scale) || !normalisable(beta)) {
      s->stats[L->st_breakdowns]++;
      L->restart_due = true; /* invariant subspace: restart at the next step */
    } else {
      rt_scal(n, 1.0 / beta, qn);
      L->beta = beta;
      if (L->j < L->m && lost_orthogonality(n, L->Q, L->j, qn)) {
        s->stats[L->st_breakdowns]++;
        L->restart_due = true;
      }
    }
    break;
  }
  watch_residual(s, L, key, k);
  /* x <- x - lambda (grad_x f(x, y) - J(x, y) v) */
  rt_upper_step(s, k);
}

static bool lanc_ritz(const RtSolver *s, int min_dim, double *lo, double *hi) {
  const Lanc *L = s->state;
  if (L->j < 1 || L->j < min_dim) return false;
  rt_tridiag_extremes(L->j, L->alpha, L->offd, lo, hi);
  return true;
}

/* The basis was built at iterates the run loop has abandoned: rebuild it at the next step. */
static void lanc_reset(RtSolver *s) {
  Lanc *L = s->state;
  L->restart_due = true;
  L->nw = 0;
}

RT_API const RtMethodImpl rt_impl_lancbio = {"lancbio", RT_SCHED_POLY, true, lanc_setup, lanc_step,
                                             lanc_ritz, rt_lower_next_y, lanc_reset, NULL, NULL};
