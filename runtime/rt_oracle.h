/* rt_oracle.h — the only way solvers reach a problem's kernels. An RtOracle wraps a
 * `const BloProblem *` and its BloEnv; it counts calls per kind, times them, checks every output
 * for NaN/Inf, averages `meta_batch` independent sample draws per call, and owns the sample
 * sets of stochastic problems.
 *
 * Draws. Every call names a *draw key* (RtDraw). Before a kernel runs, each sample set is
 * redrawn into env.samples with rt_rng_sample from a seed that is a pure function of (run seed,
 * key, sub-draw index), so a method that must replay the samples of an earlier call (UFOM's
 * recomputation, itd, a Galerkin system that needs one consistent matrix) simply passes the
 * same key again. RT_DRAW_FRESH takes the next key from a counter (key 0, 1, 2, ...). Diagnostic
 * calls (trace points, reports) use a separate key space and separate counters, so tracing more
 * or less often never changes a run. Problems without sample sets never draw. */
#ifndef BLOC_RT_ORACLE_H
#define BLOC_RT_ORACLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rt_api.h"
#include "blo_abi.h"

/* C++ programs link against libbloc's C symbols (blo_abi.h and bloc.h do the same) */
#ifdef __cplusplus
extern "C" {
#endif

typedef enum RtCallKind {
  RT_CALL_F,        /* BLO_K_F */
  RT_CALL_G,        /* BLO_K_G */
  RT_CALL_GRAD_F,   /* BLO_K_GRAD_F: f, grad_x f, grad_y f */
  RT_CALL_GRAD_G,   /* BLO_K_GRAD_Y_G: g, grad_y g */
  RT_CALL_HVP,      /* Hessian-vector product d2g/dydy v */
  RT_CALL_MIXED,    /* mixed product d2g/dxdy v */
  RT_CALL_INIT,     /* y0 = Phi(x) */
  RT_CALL_INIT_VJP, /* (dPhi/dx)^T v */
  RT_CALL_REPORTS,
  RT_CALL_GRAD_X_G, /* BLO_K_GRAD_X_G: g, grad_x g */
  RT_CALL_MIXED_T,  /* transposed mixed product d2g/dydx u (u in x-space) */
  RT_CALL_NKINDS
} RtCallKind;

/* "f", "g", "grad_f", "grad_g", "hvp", "mixed", "init", "init_vjp", "reports", "grad_x_g",
 * "mixed_t". */
RT_EXTERN const char *const rt_call_names[RT_CALL_NKINDS];

typedef uint64_t RtDraw;
#define RT_DRAW_FRESH UINT64_MAX
#define RT_DRAW_DIAG_BIT (UINT64_C(1) << 63) /* diagnostic key space */

typedef struct RtOracle {
  const BloProblem *p;
  BloEnv env;
  int64_t nx, ny;
  uint64_t sample_seed;    /* stream "oracle.samples" of the run seed */
  uint64_t next_key;       /* next method key */
  uint64_t next_diag_key;  /* next diagnostic key (without RT_DRAW_DIAG_BIT) */
  int per_call;            /* sub-draws averaged per call (meta_batch; 1 for unrolled methods) */
  bool diag;               /* current calls are diagnostics */
  /* Counts are kernel evaluations: a call averaging K draws counts K; a fused kernel counts
   * once for each kind it computes. */
  uint64_t calls[RT_CALL_NKINDS];
  uint64_t diag_calls[RT_CALL_NKINDS];
  double seconds[RT_CALL_NKINDS]; /* wall time inside kernels, method and diagnostic calls */
  /* First non-finite output of a method call (not of diagnostics): kind, or -1. */
  int fail_kind;
  const char *fail_what;   /* the output that was not finite, e.g. "grad_y f" */
  uint64_t fail_call;      /* 1-based index of that call among all method calls */
  /* The draw (key, sub-draw) whose own outputs were the first non-finite ones, of a method
   * call (fail_*) and of a diagnostic one since rt_oracle_clear_diag_fail (diag_fail_*): a
   * sampled problem's failure names the indices drawn (rt_oracle_draw_text), so that a user
   * with 1000 tasks finds the bad one. fail_sub / diag_fail_sub -1: none (no sample sets, or
   * only the average of the sub-draws was not finite). */
  RtDraw fail_key, diag_fail_key;
  int fail_sub, diag_fail_sub;
  uint64_t total_calls;
  /* Data-parallel runs (doc/scaling.md): when sharded (rt_oracle_set_sharded) and MPI has
   * more than one rank, the outputs of a call are combined across the ranks: the blocks of
   * owned rows the problem names (BloProblem.owned) are assembled with one allgather, the
   * rest (partial sums) summed with one allreduce, fused outputs packed together. mpi_bytes
   * counts the bytes this rank handed to the allreduce, gather_bytes those it contributed to
   * the allgather (its own rows), by the call's first kind. */
  bool sharded;
  uint64_t mpi_bytes[RT_CALL_NKINDS];
  uint64_t gather_bytes[RT_CALL_NKINDS];
  /* private */
  double *pack;            /* the packed outputs of one call (sharded) */
  double **sum_bufs;       /* a call's partial-sum ranges, owned blocks (sharded) */
  int64_t *sum_lens;
  struct RtMpiRows *gather; /* rt_mpi.h */
  int64_t *samples, *scratch;
  bool have_draw;
  RtDraw cur_key;
  int cur_sub;
  int64_t tmp_len;
  double *tmp[3];          /* per-output buffers for sub-draws 2..K */
  double *sink_s, *sink_x, *sink_y; /* outputs the caller does not want */
} RtOracle;

/* Check that p is a usable problem (ABI version, sizes, sample sets, the kernels every method
 * needs) and set up o: allocates every buffer once. per_call >= 1. Returns 0, or -1 with a
 * message in err. */
RT_API int rt_oracle_init(RtOracle *o, const BloProblem *p, uint64_t seed, int per_call, char *err,
                   size_t errlen);
RT_API void rt_oracle_free(RtOracle *o);

/* Marks the problem's data as split by rows across the MPI ranks, so that every call's
 * outputs are summed across them (above). Allocates the packing buffer once. Returns 0, or -1
 * out of memory. */
RT_API int rt_oracle_set_sharded(RtOracle *o, bool sharded);

/* A fresh key (method or diagnostic space, by the current mode). */
RT_API RtDraw rt_oracle_draw(RtOracle *o);
/* n consecutive fresh keys; returns the first (key of i-th = first + i). */
RT_API RtDraw rt_oracle_draws(RtOracle *o, uint64_t n);
/* Diagnostic mode on/off; returns the previous mode. */
/* The diagnostic draws of trace point `step` take keys of their own, a function of the step
 * alone (within RT_DRAW_DIAG_BIT's space, above the counter's keys): a trace point's values
 * (the lower point brought to x, f, g, the reports) then do not depend on how many trace
 * points or other diagnostics came before it. trace_every changed a stochastic run's final
 * y, f and reports (same x) when each trace point took the next keys of one counter. Returns
 * the counter, for rt_oracle_diag_resume after the trace point: the other diagnostics keep
 * their own sequence. */
RT_API uint64_t rt_oracle_diag_at_step(RtOracle *o, int64_t step);
RT_API void rt_oracle_diag_resume(RtOracle *o, uint64_t counter);
RT_API bool rt_oracle_set_diag(RtOracle *o, bool diag);
/* The 64-bit seed from which the sample sets of (key, sub-draw) are drawn. */
RT_API uint64_t rt_oracle_sample_seed(const RtOracle *o, RtDraw key, int sub);
/* Total method calls (all kinds): a cheap "did anything run" counter for tests. */
RT_API uint64_t rt_oracle_total(const RtOracle *o);

/* The oracles. Output pointers may be NULL when not wanted (the value goes to a sink).
 * Outputs never alias inputs. Scalars are returned. */
RT_API double rt_oracle_f(RtOracle *o, RtDraw d, const double *x, const double *y);
RT_API double rt_oracle_g(RtOracle *o, RtDraw d, const double *x, const double *y);
/* g at a trial point of a line search (exact's Newton steps): a non-finite output there is the
 * caller's to refuse by backtracking, not a failure of the step, so it is not recorded in
 * fail_kind, and NAN is returned for it (a -inf g, or the gradient beside it where the problem
 * has no g kernel, is refused too). Elsewhere as rt_oracle_g. */
RT_API double rt_oracle_g_trial(RtOracle *o, RtDraw d, const double *x, const double *y);
RT_API double rt_oracle_grad_f(RtOracle *o, RtDraw d, const double *x, const double *y, double *gx,
                        double *gy);
RT_API double rt_oracle_grad_g(RtOracle *o, RtDraw d, const double *x, const double *y, double *gy);
RT_API void rt_oracle_hvp(RtOracle *o, RtDraw d, const double *x, const double *y, const double *v,
                   double *Av);
RT_API void rt_oracle_mixed(RtOracle *o, RtDraw d, const double *x, const double *y,
                            const double *v, double *Jv);
/* g and grad_x g (F2SA, HJFBiO). The problem must have BLO_K_GRAD_X_G (rt_solver_new checks
 * it for the methods that call it). */
RT_API double rt_oracle_grad_x_g(RtOracle *o, RtDraw d, const double *x, const double *y,
                                 double *gx);
/* J^T u = d2g/dydx u [ny] for u in x-space (STABLE); needs BLO_K_HVP_YX. */
RT_API void rt_oracle_mixed_t(RtOracle *o, RtDraw d, const double *x, const double *y,
                              const double *u, double *Jtu);
/* g, grad_y g and A v at one point and one draw: the fused kernel when the problem has it,
 * else the two separate kernels with the same key. */
RT_API double rt_oracle_grad_g_hvp(RtOracle *o, RtDraw d, const double *x, const double *y,
                            const double *v, double *gy, double *Av);
/* A v and J v at one point and one draw (fused kernel or the two separate ones). */
RT_API void rt_oracle_hvp_both(RtOracle *o, RtDraw d, const double *x, const double *y,
                               const double *v, double *Av, double *Jv);
/* y0 = Phi(x); without an initialiser kernel, the problem's y0. */
RT_API void rt_oracle_init_y(RtOracle *o, RtDraw d, const double *x, double *y0);
/* out = (dPhi/dx)^T v; zero (no call) when the initialiser does not use x. */
RT_API void rt_oracle_init_vjp(RtOracle *o, RtDraw d, const double *x, const double *v,
                               double *out);
/* Forget the last diagnostic non-finite draw (diag_fail_sub = -1). */
RT_API void rt_oracle_clear_diag_fail(RtOracle *o);
/* "t = 3" (each sample set's drawn indices, 0-based, a long batch cut short with "...") of
 * draw (key, sub) into buf; "" when the problem has no sample sets or sub < 0. Redraws the
 * samples into the oracle's buffer (the next call draws its own again). */
RT_API void rt_oracle_draw_text(RtOracle *o, RtDraw key, int sub, char *buf, size_t len);
/* Every report value (n_reports); always a diagnostic call (d from the diagnostic key space, or
 * RT_DRAW_FRESH). */
RT_API void rt_oracle_reports(RtOracle *o, RtDraw d, const double *x, const double *y, double *out);

#ifdef __cplusplus
}
#endif
#endif
