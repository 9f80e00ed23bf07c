/* rt_ufom.c — UFOM (Likhosherstov, Song, Choromanski, Davis, Weller, ICML 2021): per task draw,
 * the first-order estimate g_F, and with probability q the exact unrolled gradient g_E:
 *   g_U = g_F + (xi / q)(g_E - g_F),  xi ~ Bernoulli(q)   (unbiased for g_E, any q in (0, 1]).
 * g_E by recomputation from y0 (memory independent of r) or sqrt(r) checkpoints.
 * Adaptive q (ALGORITHMS.md): bias-corrected EMAs of D^2 = |g_F - g_E|^2 and V^2 = |g_E|^2 over
 * exact draws; q = 1 when D^2 >= C_rnd V^2 / (2 (C_det + C_rnd)), else the positive root of
 * (V^2 - D^2) C_rnd q^2 - D^2 C_rnd q - 2 D^2 C_det = 0, clamped to [q_min, 1]; q_min before the
 * first exact draw. D^2 uses g_F, not g_U, and is not divided by 10 (unlike the published code).
 * Each outer step averages meta_batch independent task draws; x <- x - x_step/(k+1)^x_decay d. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "rt_linalg.h"
#include "rt_unroll.h"
#include "rt_mem.h"

typedef struct Uf {
  RtUnroll u; /* first member: rt_unroll_diag_y */
  bool adaptive;
  double q, q_min, beta, ema_d, ema_v, c_det, c_rnd;
  int64_t n_exact;
  double *gF, *gE;
  int st_q, st_exact, st_draws, st_extra;
} Uf;

/* The default memory budget of checkpoint = auto: 1/16 of physical memory (256 MiB when the
 * system does not say), so the stored trajectory stays small beside the data. */
static double default_budget_bytes(void) {
#ifdef _SC_PHYS_PAGES
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  if (pages > 0 && page > 0) return (double)pages * (double)page / 16;
#endif
  return 256.0 * 1024 * 1024;
}

/* checkpoint = auto: store all r iterates when they fit the budget (no recomputation), else
 * sqrt(r) checkpoints (about r recomputed steps); full recomputation (r(r-1)/2 steps) only when
 * asked with checkpoint = none. The choice is recorded in the options. */
static RtUnrollMode choose_mode(RtSolver *s, const char *ck, int r) {
  if (strcmp(ck, "store") == 0) return RT_UNROLL_STORE;
  if (strcmp(ck, "sqrt") == 0) return RT_UNROLL_SQRT;
  if (strcmp(ck, "none") == 0) return RT_UNROLL_RECOMPUTE;
  double mib = rt_solver_num(s, "memory_budget");
  double budget = isnan(mib) ? default_budget_bytes() : mib * 1024 * 1024;
  /* the result JSON's options show the budget used, where it showed "memory_budget": null */
  if (isnan(mib)) rt_solver_resolve(s, "memory_budget", budget / (1024 * 1024));
  bool store = (double)r * (double)s->ny * sizeof(double) <= budget;
  rt_solver_resolve_word(s, "checkpoint", store ? "store" : "sqrt");
  return store ? RT_UNROLL_STORE : RT_UNROLL_SQRT;
}

/* The bytes of y-iterates mode keeps (rt_unroll_setup's count). */
static double stored_bytes(RtUnrollMode mode, int r, int64_t ny) {
  double seg = ceil(sqrt((double)r));
  double n = mode == RT_UNROLL_STORE  ? r
             : mode == RT_UNROLL_SQRT ? ceil(r / seg) + seg
                                      : 0;
  return n * (double)ny * sizeof(double);
}

/* A memory_budget the stored iterates exceed, said: it was ignored without a word where
 * checkpoint = store was given (only auto follows it), and where auto's sqrt checkpoints
 * still did not fit. */
static void check_budget(RtSolver *s, const char *ck, RtUnrollMode mode, int r) {
  double mib = rt_solver_num(s, "memory_budget");
  double need = stored_bytes(mode, r, s->ny);
  bool given = rt_solver_isset(s, "memory_budget");
  if (!(need > mib * 1024 * 1024) || (strcmp(ck, "auto") != 0 && !given)) return;
  if (strcmp(ck, "auto") != 0)
    rt_solver_warn(s, "ufom.memory_budget",
                   "memory_budget = %g MiB is ignored: checkpoint = %s keeps its iterates "
                   "(%.0f bytes, %.4g MiB) whatever the budget; only checkpoint = auto follows "
                   "it",
                   mib, ck, need, need / (1024 * 1024));
  else
    rt_solver_warn(s, "ufom.memory_budget",
                   "checkpoint = auto chose sqrt, whose checkpoints (%.0f bytes, %.4g MiB) still "
                   "exceed memory_budget = %g MiB; checkpoint = none keeps no iterates, "
                   "recomputing r(r-1)/2 inner steps per exact gradient",
                   need, need / (1024 * 1024), mib);
}

static int ufom_setup(RtSolver *s, char *err, size_t errlen) {
  Uf *U = rt_solver_mem(s, sizeof *U);
  if (!U) goto oom;
  s->state = U;
  const char *ck = rt_opt_word(&s->opt, "checkpoint");
  char asked[8]; /* choose_mode records auto's choice over the option's word */
  snprintf(asked, sizeof asked, "%s", ck ? ck : "auto");
  int r = (int)rt_solver_num(s, "r");
  RtUnrollMode mode = choose_mode(s, asked, r);
  check_budget(s, asked, mode, r);
  if (rt_unroll_setup_from_options(s, &U->u, mode, err, errlen)) return -1;
  s->stats[rt_solver_stat(s, "stored_iterates")] =
      mode == RT_UNROLL_STORE ? r : mode == RT_UNROLL_SQRT ? U->u.nck + U->u.seg : 0;
  if (!(U->gF = rt_solver_vec(s, s->nx)) || !(U->gE = rt_solver_vec(s, s->nx))) goto oom;
  const char *qw = rt_opt_word(&s->opt, "q");
  U->adaptive = qw && strcmp(qw, "adaptive") == 0;
  U->q_min = rt_solver_num(s, "q_min");
  U->beta = rt_solver_num(s, "ema_beta");
  double rr = U->u.r;
  U->c_det = rr + 1;
  U->c_rnd = rr * (rr + 1) / 2;
  U->q = U->adaptive ? U->q_min : rt_solver_num(s, "q");
  U->st_q = rt_solver_stat(s, "q");
  U->st_exact = rt_solver_stat(s, "exact_draws");
  U->st_draws = rt_solver_stat(s, "task_draws");
  U->st_extra = rt_solver_stat(s, "recomputed_inner_steps");
  s->stats[U->st_q] = U->q;
  return 0;
oom:
  rt_oom_errf(err, errlen, "out of memory");
  return -1;
}

RT_API double rt_ufom_adaptive_q(double D2, double V2, double c_det, double c_rnd, double q_min) {
  double q;
  if (D2 >= c_rnd * V2 / (2 * (c_det + c_rnd))) {
    q = 1;
  } else {
    /* a > 0 here: D2 < V2 / 2. The product a c <= 0, so the root is real and >= 0. */
    double a = (V2 - D2) * c_rnd, b = -D2 * c_rnd, c = -2 * D2 * c_det;
    q = (-b + sqrt(b * b - 4 * a * c)) / (2 * a);
  }
  return fmin(1.0, fmax(q_min, q));
}

/* The rule from the bias-corrected EMAs; q_min before the first exact draw. */
static double adaptive_q(const Uf *U) {
  if (U->n_exact == 0) return U->q_min;
  double corr = 1 - pow(U->beta, (double)U->n_exact);
  return rt_ufom_adaptive_q(U->ema_d / corr, U->ema_v / corr, U->c_det, U->c_rnd, U->q_min);
}

static void ufom_step(RtSolver *s, int64_t k) {
  Uf *U = s->state;
  int64_t nx = s->nx;
  int K = s->meta_batch;
  double fsum = 0;
  rt_zero(nx, s->d);
  for (int i = 0; i < K; i++) {
    RtDraw base = rt_oracle_draws(&s->o, rt_unroll_keys(&U->u));
    fsum += rt_unroll_forward(s, &U->u, base, s->x, U->gF);
    if (s->abandoned) return; /* a stop request: x, y as before the step */
    double q = U->q;
    rt_axpy(nx, 1.0 / K, U->gF, s->d);
    s->stats[U->st_draws]++;
    if (!rt_rng_bernoulli(&s->rng, q)) continue;
    rt_unroll_exact(s, &U->u, base, s->x, U->gE);
    if (s->abandoned) return;
    s->stats[U->st_exact]++;
    /* d += (g_E - g_F) / (q K); D^2 on the way (gE becomes g_E - g_F) */
    double V2 = rt_dot(nx, U->gE, U->gE);
    rt_axpy(nx, -1.0, U->gF, U->gE);
    double D2 = rt_dot(nx, U->gE, U->gE);
    rt_axpy(nx, 1.0 / (q * K), U->gE, s->d);
    if (U->adaptive) {
      U->ema_d = U->beta * U->ema_d + (1 - U->beta) * D2;
      U->ema_v = U->beta * U->ema_v + (1 - U->beta) * V2;
      U->n_exact++;
      U->q = adaptive_q(U);
    }
  }
  s->stats[U->st_q] = U->q;
  s->stats[U->st_extra] = (double)U->u.extra_steps;
  s->f_est = fsum / K;
  rt_copy(s->ny, U->u.yt, s->y);
  rt_x_update(s, k);
}

RT_API const RtMethodImpl rt_impl_ufom = {"ufom", RT_SCHED_POLY, false, ufom_setup, ufom_step, NULL,
                                          rt_unroll_diag_y, NULL,
                                         rt_unroll_blew_up, NULL};
