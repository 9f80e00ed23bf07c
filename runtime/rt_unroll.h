/* rt_unroll.h — the unrolled lower loop of ABLO shared by ufom, fom and itd:
 *   y0 = Phi(x),  y_{t+1} = y_t - alpha grad_y g(x, y_t)  (t < r),  F(x) = f(x, y_r),
 * its first-order gradient g_F = grad_x f + (dPhi/dx)^T grad_y f, and the exact reverse-mode
 * gradient g_E, with three ways of getting y_t back in the reverse sweep:
 *   RECOMPUTE  from y0 for each t (r(r-1)/2 extra steps, memory independent of r),
 *   SQRT       ceil(sqrt r) checkpoints, each segment recomputed once (~r extra steps),
 *   STORE      all r iterates kept by the forward pass (itd, O(r) memory).
 * Draws: with per_step the inner step t uses key base + t and the outer gradient base + r (the
 * reverse sweep replays step t's key), else every call of one trajectory uses `base` (one task).
 * The three modes perform the same floating-point operations, so they agree to rounding. */
#ifndef BLOC_RT_UNROLL_H
#define BLOC_RT_UNROLL_H

#include "rt_api.h"
#include "rt_solver.h"

typedef enum RtUnrollMode { RT_UNROLL_RECOMPUTE, RT_UNROLL_SQRT, RT_UNROLL_STORE } RtUnrollMode;

typedef struct RtUnroll {
  int r;
  double alpha;
  bool per_step;
  RtUnrollMode mode;
  double *y0, *yt, *v, *Av, *gy; /* [ny]; after forward: yt = y_r, gy = grad_y f(x, y_r) */
  double *gx, *Jv, *acc;         /* [nx]; after forward: gx = grad_x f(x, y_r) */
  double *store;                 /* STORE: r iterates; SQRT: nck checkpoints then seg iterates */
  int nck, seg;
  uint64_t extra_steps;          /* inner steps recomputed by reverse sweeps (a statistic) */
  RtRising rising;               /* |grad_y g| at the inner steps of the last forward pass */
} RtUnroll;

/* Allocate the buffers for the mode (through the solver). 0, or -1 with a message. */
RT_API int rt_unroll_setup(RtSolver *s, RtUnroll *u, int r, double alpha, bool per_step,
                    RtUnrollMode mode, char *err, size_t errlen);
/* Draw keys one trajectory uses (reserve them with rt_oracle_draws). */
RT_API uint64_t rt_unroll_keys(const RtUnroll *u);
/* Both passes poll s->stop between inner steps: on a stop request they return at once with
 * s->abandoned set (outputs incomplete), and the method abandons its step. */
/* Forward pass at x from the keys starting at base; returns f(x, y_r) and writes g_F [nx]. */
RT_API double rt_unroll_forward(RtSolver *s, RtUnroll *u, RtDraw base, const double *x, double *gF);
/* Reverse pass after rt_unroll_forward with the same x and base: writes g_E [nx]. */
RT_API void rt_unroll_exact(RtSolver *s, RtUnroll *u, RtDraw base, const double *x, double *gE);
/* Options shared by the unrolled methods: r, inner_lr, resample. */
RT_API int rt_unroll_setup_from_options(RtSolver *s, RtUnroll *u, RtUnrollMode mode, char *err,
                                 size_t errlen);
/* own_blew_up hook (RtMethodImpl): the last forward pass's gradient grew at every inner step,
 * so inner_lr is too large for g there: the lower loop blew up on its own. */
RT_API bool rt_unroll_blew_up(const RtSolver *s);
/* diag_y hook: y_r at the current x with diagnostic draws (the RtUnroll is s->state's first
 * member in every unrolled method). */
RT_API void rt_unroll_diag_y(RtSolver *s, RtDraw key, double *y);

/* UFOM's adaptive q (ALGORITHMS.md) from bias-corrected D^2 = E|g_F - g_E|^2 and
 * V^2 = E|g_E|^2: 1 when D^2 >= C_rnd V^2 / (2 (C_det + C_rnd)), else the positive root of
 * (V^2 - D^2) C_rnd q^2 - D^2 C_rnd q - 2 D^2 C_det = 0; clamped to [q_min, 1]. (rt_ufom.c) */
RT_API double rt_ufom_adaptive_q(double D2, double V2, double c_det, double c_rnd, double q_min);

#endif
