/* rt_oracle.c — kernel calls with counting, timing, NaN/Inf checks, sample draws and
 * meta-batch averaging (see rt_oracle.h). */
#include "rt_oracle.h"
#include "rt_clock.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "rt_linalg.h"
#include "rt_mem.h"
#include "rt_mpi.h"
#include "rt_rng.h"

RT_API const char *const rt_call_names[RT_CALL_NKINDS] = {"f", "g", "grad_f", "grad_g", "hvp",
                                                   "mixed", "init", "init_vjp", "reports",
                                                   "grad_x_g", "mixed_t"};

/* The most doubles one call gathers: MPI's counts are ints. */
#define RT_OWNED_MAX ((int64_t)1 << 30)

static const char *kernel_name(int k) {
  static const char *const names[BLO_K_COUNT] = {
      "BLO_K_F", "BLO_K_G", "BLO_K_GRAD_F", "BLO_K_GRAD_Y_G", "BLO_K_HVP_YY", "BLO_K_HVP_XY",
      "BLO_K_GRAD_Y_G_HVP_YY", "BLO_K_HVP_BOTH", "BLO_K_INIT_Y", "BLO_K_INIT_VJP", "BLO_K_REPORTS",
      "BLO_K_GRAD_X_G", "BLO_K_HVP_YX"};
  return names[k];
}

RT_API int rt_oracle_init(RtOracle *o, const BloProblem *p, uint64_t seed, int per_call, char *err,
                   size_t errlen) {
  memset(o, 0, sizeof *o);
  o->fail_kind = -1;
  o->fail_sub = o->diag_fail_sub = -1;
  if (!p || p->abi_version != BLO_ABI_VERSION) {
    snprintf(err, errlen, "problem uses kernel ABI version %d, the runtime expects %d",
             p ? p->abi_version : -1, BLO_ABI_VERSION);
    return -1;
  }
  if (p->nx < 1 || p->ny < 1) {
    snprintf(err, errlen,
             "problem '%s' has %lld upper and %lld lower variables; both must be at least 1",
             p->name ? p->name : "?", (long long)p->nx, (long long)p->ny);
    return -1;
  }
  if (!p->x0 || !p->y0) {
    snprintf(err, errlen, "problem '%s' has no initial %s values", p->name ? p->name : "?",
             p->x0 ? "lower" : "upper");
    return -1;
  }
  static const int required[] = {BLO_K_GRAD_F, BLO_K_GRAD_Y_G, BLO_K_HVP_YY, BLO_K_HVP_XY};
  for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
    if (!p->kernels[required[i]]) {
      snprintf(err, errlen, "problem '%s' lacks the kernel %s", p->name ? p->name : "?",
               kernel_name(required[i]));
      return -1;
    }
  if (p->init_uses_x && (!p->kernels[BLO_K_INIT_Y] || !p->kernels[BLO_K_INIT_VJP])) {
    snprintf(err, errlen, "problem '%s': the lower initialiser uses x but %s is missing",
             p->name ? p->name : "?", p->kernels[BLO_K_INIT_Y] ? "BLO_K_INIT_VJP" : "BLO_K_INIT_Y");
    return -1;
  }
  if (p->n_reports > 0 && !p->kernels[BLO_K_REPORTS]) {
    snprintf(err, errlen, "problem '%s' declares %d reports but no BLO_K_REPORTS kernel",
             p->name ? p->name : "?", p->n_reports);
    return -1;
  }
  int64_t scratch_n = 0;
  for (int i = 0; i < p->n_samples; i++) {
    const BloSampleInfo *si = &p->samples[i];
    if (si->batch < 1 || si->batch > si->population || si->offset < 0 ||
        si->offset + si->batch > p->sample_total) {
      snprintf(
          err, errlen,
          "sample set '%s': batch %lld of population %lld at offset %lld does not fit (%lld sample "
          "slots)",
          si->name ? si->name : "?", (long long)si->batch, (long long)si->population,
          (long long)si->offset, (long long)p->sample_total);
      return -1;
    }
    int64_t need = rt_rng_sample_scratch_len(si->batch, si->population);
    if (need > scratch_n) scratch_n = need;
  }
  if (per_call < 1) per_call = 1;
  o->p = p;
  o->nx = p->nx;
  o->ny = p->ny;
  o->per_call = per_call;
  RtRng r = rt_rng_stream(seed, "oracle.samples");
  o->sample_seed = rt_rng_next(&r);
  o->env.data = p->data;
  o->env.backend = p->backend;
  o->env.work = p->work_size > 0 ? rt_mem_calloc((size_t)p->work_size, sizeof(double)) : NULL;
  if (p->n_samples > 0) {
    o->samples =
        rt_mem_calloc((size_t)(p->sample_total > 0 ? p->sample_total : 1), sizeof(int64_t));
    if (scratch_n > 0) o->scratch = rt_mem_calloc((size_t)scratch_n, sizeof(int64_t));
  }
  o->env.samples = o->samples;
  int64_t len = p->nx > p->ny ? p->nx : p->ny;
  if (p->n_reports > len) len = p->n_reports;
  o->tmp_len = len;
  bool ok = (p->work_size <= 0 || o->env.work) && (p->n_samples == 0 || o->samples) &&
            (scratch_n == 0 || o->scratch);
  for (int i = 0; i < 3; i++) {
    o->tmp[i] = rt_mem_calloc((size_t)len, sizeof(double));
    ok = ok && o->tmp[i];
  }
  o->sink_s = rt_mem_calloc((size_t)(p->n_reports > 1 ? p->n_reports : 1), sizeof(double));
  o->sink_x = rt_mem_calloc((size_t)p->nx, sizeof(double));
  o->sink_y = rt_mem_calloc((size_t)p->ny * 2, sizeof(double));
  ok = ok && o->sink_s && o->sink_x && o->sink_y;
  if (!ok) {
    rt_oracle_free(o);
    rt_oom_errf(err, errlen, "out of memory setting up the oracle");
    return -1;
  }
  return 0;
}

RT_API void rt_oracle_free(RtOracle *o) {
  rt_mem_free(o->env.work);
  rt_mem_free(o->samples);
  rt_mem_free(o->scratch);
  for (int i = 0; i < 3; i++) rt_mem_free(o->tmp[i]);
  rt_mem_free(o->sink_s);
  rt_mem_free(o->sink_x);
  rt_mem_free(o->sink_y);
  rt_mem_free(o->pack);
  rt_mem_free(o->sum_bufs);
  rt_mem_free(o->sum_lens);
  rt_mem_free(o->gather);
  memset(o, 0, sizeof *o);
  o->fail_kind = -1;
  o->fail_sub = o->diag_fail_sub = -1;
}

RT_API int rt_oracle_set_sharded(RtOracle *o, bool sharded) {
  o->sharded = sharded;
  if (!sharded || o->pack) return 0;
  /* the longest call: grad_f (1 + nx + ny), the fused g/grad_y g/Av (1 + 2 ny), the reports */
  int64_t n = 1 + o->nx + 2 * o->ny;
  if (o->p->n_reports > n) n = o->p->n_reports;
  o->pack = rt_mem_calloc((size_t)n, sizeof(double));
  /* a call's ranges: per output, at most one partial-sum range before each owned block and
   * one after the last */
  size_t nb = (size_t)o->p->n_owned;
  o->sum_bufs = rt_mem_calloc(3 + nb, sizeof(double *));
  o->sum_lens = rt_mem_calloc(3 + nb, sizeof(int64_t));
  o->gather = rt_mem_calloc(nb + 1, sizeof(RtMpiRows));
  if (!o->pack || !o->sum_bufs || !o->sum_lens || !o->gather) {
    o->sharded = false;
    return -1;
  }
  return 0;
}

/* The outputs of one call of kernel kid, combined across the ranks (sharded runs): the blocks
 * of owned rows the problem names for it gathered, the partial sums around them summed. A
 * block that does not fit the call's outputs, or would overflow MPI's int counts, is summed
 * too: every rank wrote zeros outside its rows, so that sum is the same assembly, only
 * costlier. */
static void combine(RtOracle *o, BloKernelId kid, RtCallKind k1, int nout, double *const *outs,
                    const int64_t *lens) {
  const BloProblem *p = o->p;
  int nsum = 0, ngat = 0;
  int64_t gathered = 0;
  for (int i = 0; i < nout; i++) {
    int64_t at = 0;
    for (int b = 0; b < p->n_owned; b++) {
      const BloOwned *w = &p->owned[b];
      int64_t size = w->rows * w->cols;
      if (w->kernel != (int)kid || w->slot != i || w->offset < at || size <= 0 ||
          w->offset + size > lens[i] || gathered + size > RT_OWNED_MAX)
        continue;
      if (w->offset > at) {
        o->sum_bufs[nsum] = outs[i] + at;
        o->sum_lens[nsum++] = w->offset - at;
      }
      o->gather[ngat++] = (RtMpiRows){outs[i] + w->offset, w->rows, w->cols};
      gathered += size;
      at = w->offset + size;
    }
    if (lens[i] > at) {
      o->sum_bufs[nsum] = outs[i] + at;
      o->sum_lens[nsum++] = lens[i] - at;
    }
  }
  uint64_t sent = rt_mpi_bytes(), given = rt_mpi_gather_bytes();
  rt_mpi_sum(o->sum_bufs, o->sum_lens, nsum, o->pack);
  rt_mpi_gather_rows(o->gather, ngat, o->pack);
  o->mpi_bytes[k1] += rt_mpi_bytes() - sent;
  o->gather_bytes[k1] += rt_mpi_gather_bytes() - given;
}

RT_API RtDraw rt_oracle_draws(RtOracle *o, uint64_t n) {
  if (o->diag) {
    RtDraw k = o->next_diag_key | RT_DRAW_DIAG_BIT;
    o->next_diag_key += n;
    return k;
  }
  RtDraw k = o->next_key;
  o->next_key += n;
  return k;
}

RT_API RtDraw rt_oracle_draw(RtOracle *o) { return rt_oracle_draws(o, 1); }

RT_API uint64_t rt_oracle_diag_at_step(RtOracle *o, int64_t step) {
  uint64_t counter = o->next_diag_key;
  /* bit 62 apart from the counter's keys; 2^32 keys a step (eval_draws draws, each of up to
   * an unrolled method's per-step keys); steps past 2^30 share blocks (only draws repeat) */
  o->next_diag_key = (UINT64_C(1) << 62) | (((uint64_t)step & ((UINT64_C(1) << 30) - 1)) << 32);
  return counter;
}

RT_API void rt_oracle_diag_resume(RtOracle *o, uint64_t counter) { o->next_diag_key = counter; }

RT_API bool rt_oracle_set_diag(RtOracle *o, bool diag) {
  bool prev = o->diag;
  o->diag = diag;
  return prev;
}

RT_API uint64_t rt_oracle_total(const RtOracle *o) { return o->total_calls; }

RT_API uint64_t rt_oracle_sample_seed(const RtOracle *o, RtDraw key, int sub) {
  uint64_t st = o->sample_seed ^ key;
  uint64_t a = rt_splitmix64(&st);
  uint64_t st2 = a ^ ((uint64_t)sub * UINT64_C(0xD1B54A32D192ED03));
  return rt_splitmix64(&st2);
}

static void draw_samples(RtOracle *o, RtDraw key, int sub) {
  const BloProblem *p = o->p;
  if (p->n_samples == 0) return;
  if (o->have_draw && o->cur_key == key && o->cur_sub == sub) return;
  RtRng r;
  rt_rng_seed(&r, rt_oracle_sample_seed(o, key, sub));
  for (int i = 0; i < p->n_samples; i++) {
    const BloSampleInfo *si = &p->samples[i];
    rt_rng_sample_without_replacement(&r, si->batch, si->population, o->samples + si->offset,
                                      o->scratch);
  }
  o->have_draw = true;
  o->cur_key = key;
  o->cur_sub = sub;
}

/* One logical call: kernel `kid` at (x, y, v) with the draw d, outputs outs[0..nout) of
 * lengths lens[], named names[] for failure messages, counted as kind k1 (and k2 >= 0 for
 * fused kernels). */
typedef struct RtOracleCall {
  BloKernelId kid;
  RtCallKind k1;
  int k2;
  RtDraw d;
  const double *x, *y, *v;
  int nout;
  double *const *outs;
  const int64_t *lens;
  const char *const *names;
} RtOracleCall;

/* Records which draw of a call whose outputs were not finite gave them, the first such call's
 * of the method's (fail_*) or of the diagnostics' (diag_fail_*; rt_oracle.h). On the failure
 * path only: a call of one draw (K = 1) names it; of K, its draws are evaluated again into
 * o->tmp, one by one, until one is not finite (none: only their average was). Scanning every
 * sub-draw's outputs inside the call had added a pass over them to every call of a sampled
 * problem. The samples are left drawn as the call left them. */
static void note_draw(RtOracle *o, const RtOracleCall *c, RtDraw key, int K) {
  int *slot = o->diag ? &o->diag_fail_sub : &o->fail_sub;
  if (*slot >= 0) return;
  int found = K == 1 ? 0 : -1;
  for (int sub = 0; sub < K && found < 0; sub++) {
    draw_samples(o, key, sub);
    o->p->kernels[c->kid](&o->env, c->x, c->y, c->v, o->tmp);
    for (int i = 0; i < c->nout && found < 0; i++)
      if (!rt_all_finite(c->lens[i], o->tmp[i])) found = sub;
  }
  if (K > 1) draw_samples(o, key, K - 1);
  if (found < 0) return;
  *slot = found;
  *(o->diag ? &o->diag_fail_key : &o->fail_key) = key;
}

RT_API void rt_oracle_clear_diag_fail(RtOracle *o) { o->diag_fail_sub = -1; }

RT_API void rt_oracle_draw_text(RtOracle *o, RtDraw key, int sub, char *buf, size_t len) {
  const BloProblem *p = o->p;
  if (len > 0) buf[0] = '\0';
  if (sub < 0 || !p || p->n_samples == 0 || len == 0) return;
  draw_samples(o, key, sub);
  size_t n = 0;
  for (int i = 0; i < p->n_samples && n < len; i++) {
    const BloSampleInfo *si = &p->samples[i];
    n += (size_t)snprintf(buf + n, len - n, "%s%s =", i ? ", " : "", si->name ? si->name : "?");
    for (int64_t j = 0; j < si->batch && n < len; j++) {
      if (j == 8) { /* a batch of 1000 would fill the message */
        n += (size_t)snprintf(buf + n, len - n, " ... (%lld in all)", (long long)si->batch);
        break;
      }
      n += (size_t)snprintf(buf + n, len - n, " %lld", (long long)o->samples[si->offset + j]);
    }
  }
}

static void eval(RtOracle *o, const RtOracleCall *c) {
  BloKernelId kid = c->kid;
  RtCallKind k1 = c->k1;
  int k2 = c->k2, nout = c->nout;
  RtDraw d = c->d;
  const double *x = c->x, *y = c->y, *v = c->v;
  double *const *outs = c->outs;
  const int64_t *lens = c->lens;
  const char *const *names = c->names;
  const BloProblem *p = o->p;
  RtDraw key = d == RT_DRAW_FRESH ? rt_oracle_draw(o) : d;
  int K = p->n_samples > 0 ? o->per_call : 1;
  double t0 = rt_seconds();
  for (int sub = 0; sub < K; sub++) {
    draw_samples(o, key, sub);
    double *dst[3];
    for (int i = 0; i < nout; i++) dst[i] = sub == 0 ? outs[i] : o->tmp[i];
    p->kernels[kid](&o->env, x, y, v, dst);
    if (sub > 0)
      for (int i = 0; i < nout; i++) rt_axpy(lens[i], 1.0, o->tmp[i], outs[i]);
  }
  if (K > 1)
    for (int i = 0; i < nout; i++) rt_scal(lens[i], 1.0 / K, outs[i]);
  /* each rank's kernels computed its share (its rows; rank 0 also the terms without sharded
   * data, the initialiser's included: compiler/ir/shard.c): combined over all of them (summed,
   * or assembled where the share is the rank's own rows), before the checks, so that every
   * rank sees the same outputs and fails (or not) alike */
  if (o->sharded && rt_mpi_size() > 1) combine(o, kid, k1, nout, outs, lens);
  o->seconds[k1] += rt_seconds() - t0;
  uint64_t *cnt = o->diag ? o->diag_calls : o->calls;
  cnt[k1] += (uint64_t)K;
  if (k2 >= 0) cnt[k2] += (uint64_t)K;
  if (!o->diag) o->total_calls++;
  /* one pass over the outputs: a method call's first failure, and on sampled problems the
   * diagnostics' too (the draw to name) */
  bool watch = o->diag ? p->n_samples > 0 && o->diag_fail_sub < 0 : o->fail_kind < 0;
  int bad = -1;
  for (int i = 0; watch && i < nout && bad < 0; i++)
    if (!rt_all_finite(lens[i], outs[i])) bad = i;
  if (bad < 0) return;
  if (p->n_samples > 0) note_draw(o, c, key, K);
  if (o->diag) return;
  o->fail_kind = (int)k1;
  o->fail_what = names[bad];
  o->fail_call = o->total_calls;
}

RT_API double rt_oracle_f(RtOracle *o, RtDraw d, const double *x, const double *y) {
  double f;
  if (!o->p->kernels[BLO_K_F]) return rt_oracle_grad_f(o, d, x, y, NULL, NULL);
  double *outs[] = {&f};
  static const int64_t lens[] = {1};
  static const char *const names[] = {"f"};
  eval(o, &(RtOracleCall){BLO_K_F, RT_CALL_F, -1, d, x, y, NULL, 1, outs, lens, names});
  return f;
}

RT_API double rt_oracle_g(RtOracle *o, RtDraw d, const double *x, const double *y) {
  double g;
  if (!o->p->kernels[BLO_K_G]) return rt_oracle_grad_g(o, d, x, y, NULL);
  double *outs[] = {&g};
  static const int64_t lens[] = {1};
  static const char *const names[] = {"g"};
  eval(o, &(RtOracleCall){BLO_K_G, RT_CALL_G, -1, d, x, y, NULL, 1, outs, lens, names});
  return g;
}

RT_API double rt_oracle_g_trial(RtOracle *o, RtDraw d, const double *x, const double *y) {
  bool clean = o->fail_kind < 0;
  double g = rt_oracle_g(o, d, x, y);
  if (clean && o->fail_kind >= 0) {
    o->fail_kind = -1; /* fail_what and fail_call mean nothing without it */
    return NAN;
  }
  return isfinite(g) ? g : NAN;
}

RT_API double rt_oracle_grad_f(RtOracle *o, RtDraw d, const double *x, const double *y, double *gx,
                        double *gy) {
  double f;
  double *outs[] = {&f, gx ? gx : o->sink_x, gy ? gy : o->sink_y};
  int64_t lens[] = {1, o->nx, o->ny};
  static const char *const names[] = {"f", "grad_x f", "grad_y f"};
  eval(o, &(RtOracleCall){BLO_K_GRAD_F, RT_CALL_GRAD_F, -1, d, x, y, NULL, 3, outs, lens, names});
  return f;
}

RT_API double rt_oracle_grad_g(RtOracle *o, RtDraw d, const double *x, const double *y,
                               double *gy) {
  double g;
  double *outs[] = {&g, gy ? gy : o->sink_y};
  int64_t lens[] = {1, o->ny};
  static const char *const names[] = {"g", "grad_y g"};
  eval(o, &(RtOracleCall){BLO_K_GRAD_Y_G, RT_CALL_GRAD_G, -1, d, x, y, NULL, 2, outs, lens, names});
  return g;
}

RT_API void rt_oracle_hvp(RtOracle *o, RtDraw d, const double *x, const double *y, const double *v,
                   double *Av) {
  double *outs[] = {Av};
  int64_t lens[] = {o->ny};
  static const char *const names[] = {"Hessian-vector product"};
  eval(o, &(RtOracleCall){BLO_K_HVP_YY, RT_CALL_HVP, -1, d, x, y, v, 1, outs, lens, names});
}

RT_API void rt_oracle_mixed(RtOracle *o, RtDraw d, const double *x, const double *y,
                            const double *v, double *Jv) {
  double *outs[] = {Jv};
  int64_t lens[] = {o->nx};
  static const char *const names[] = {"mixed product"};
  eval(o, &(RtOracleCall){BLO_K_HVP_XY, RT_CALL_MIXED, -1, d, x, y, v, 1, outs, lens, names});
}

RT_API double rt_oracle_grad_x_g(RtOracle *o, RtDraw d, const double *x, const double *y,
                                 double *gx) {
  double g;
  double *outs[] = {&g, gx ? gx : o->sink_x};
  int64_t lens[] = {1, o->nx};
  static const char *const names[] = {"g", "grad_x g"};
  eval(o,
       &(RtOracleCall){BLO_K_GRAD_X_G, RT_CALL_GRAD_X_G, -1, d, x, y, NULL, 2, outs, lens, names});
  return g;
}

RT_API void rt_oracle_mixed_t(RtOracle *o, RtDraw d, const double *x, const double *y,
                              const double *u, double *Jtu) {
  double *outs[] = {Jtu};
  int64_t lens[] = {o->ny};
  static const char *const names[] = {"transposed mixed product"};
  eval(o, &(RtOracleCall){BLO_K_HVP_YX, RT_CALL_MIXED_T, -1, d, x, y, u, 1, outs, lens, names});
}

RT_API double rt_oracle_grad_g_hvp(RtOracle *o, RtDraw d, const double *x, const double *y,
                            const double *v, double *gy, double *Av) {
  RtDraw key = d == RT_DRAW_FRESH ? rt_oracle_draw(o) : d;
  if (!o->p->kernels[BLO_K_GRAD_Y_G_HVP_YY]) {
    double g = rt_oracle_grad_g(o, key, x, y, gy);
    rt_oracle_hvp(o, key, x, y, v, Av ? Av : o->sink_y + o->ny);
    return g;
  }
  double g;
  double *outs[] = {&g, gy ? gy : o->sink_y, Av ? Av : o->sink_y + o->ny};
  int64_t lens[] = {1, o->ny, o->ny};
  static const char *const names[] = {"g", "grad_y g", "Hessian-vector product"};
  eval(o, &(RtOracleCall){BLO_K_GRAD_Y_G_HVP_YY, RT_CALL_GRAD_G, RT_CALL_HVP, key, x, y, v, 3, outs,
                          lens, names});
  return g;
}

RT_API void rt_oracle_hvp_both(RtOracle *o, RtDraw d, const double *x, const double *y,
                               const double *v, double *Av, double *Jv) {
  RtDraw key = d == RT_DRAW_FRESH ? rt_oracle_draw(o) : d;
  if (!o->p->kernels[BLO_K_HVP_BOTH]) {
    rt_oracle_hvp(o, key, x, y, v, Av ? Av : o->sink_y);
    rt_oracle_mixed(o, key, x, y, v, Jv ? Jv : o->sink_x);
    return;
  }
  double *outs[] = {Av ? Av : o->sink_y, Jv ? Jv : o->sink_x};
  int64_t lens[] = {o->ny, o->nx};
  static const char *const names[] = {"Hessian-vector product", "mixed product"};
  eval(o, &(RtOracleCall){BLO_K_HVP_BOTH, RT_CALL_HVP, RT_CALL_MIXED, key, x, y, v, 2, outs, lens,
                          names});
}

RT_API void rt_oracle_init_y(RtOracle *o, RtDraw d, const double *x, double *y0) {
  if (!o->p->kernels[BLO_K_INIT_Y]) {
    rt_copy(o->ny, o->p->y0, y0);
    return;
  }
  double *outs[] = {y0};
  int64_t lens[] = {o->ny};
  static const char *const names[] = {"lower initial value"};
  eval(o,
       &(RtOracleCall){BLO_K_INIT_Y, RT_CALL_INIT, -1, d, x, o->p->y0, NULL, 1, outs, lens, names});
}

RT_API void rt_oracle_init_vjp(RtOracle *o, RtDraw d, const double *x, const double *v,
                               double *out) {
  if (!o->p->init_uses_x) {
    rt_zero(o->nx, out);
    return;
  }
  double *outs[] = {out};
  int64_t lens[] = {o->nx};
  static const char *const names[] = {"initialiser vector-Jacobian product"};
  eval(o, &(RtOracleCall){BLO_K_INIT_VJP, RT_CALL_INIT_VJP, -1, d, x, o->p->y0, v, 1, outs, lens,
                          names});
}

RT_API void rt_oracle_reports(RtOracle *o, RtDraw d, const double *x, const double *y,
                              double *out) {
  if (o->p->n_reports <= 0) return;
  bool prev = rt_oracle_set_diag(o, true);
  double *outs[] = {out};
  int64_t lens[] = {o->p->n_reports};
  static const char *const names[] = {"report"};
  eval(o, &(RtOracleCall){BLO_K_REPORTS, RT_CALL_REPORTS, -1, d, x, y, NULL, 1, outs, lens, names});
  rt_oracle_set_diag(o, prev);
}
