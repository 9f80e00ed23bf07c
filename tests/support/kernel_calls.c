/* kernel_calls.c — see kernel_calls.h. */
#include "kernel_calls.h"

#include <stdlib.h>

#include "rt_rng.h"
#include "src_path.h"

int kc_open(KcRun *r, const char *file, const BloCompileOptions *opt) {
  r->c = NULL;
  int rc = blo_compile_file(src_path(file), opt, &r->c);
  if (rc) { /* a failed compile is still set, for its diagnostics (printed already) */
    blo_compiled_free(r->c);
    *r = (KcRun){0};
    return rc;
  }
  r->p = blo_problem(r->c);
  r->work = calloc((size_t)r->p->work_size + 1, sizeof(double));
  r->samples = calloc((size_t)r->p->sample_total + 1, sizeof(int64_t));
  return 0;
}

void kc_close(KcRun *r) {
  free(r->work);
  free(r->samples);
  blo_compiled_free(r->c);
}

void kc_draw(const BloProblem *p, uint64_t seed, int64_t *samples) {
  RtRng rng;
  rt_rng_seed(&rng, seed);
  for (int s = 0; s < p->n_samples; s++) {
    const BloSampleInfo *si = &p->samples[s];
    int64_t *scratch =
        calloc((size_t)rt_rng_sample_scratch_len(si->batch, si->population) + 1, sizeof(int64_t));
    rt_rng_sample_without_replacement(&rng, si->batch, si->population, samples + si->offset,
                                      scratch);
    free(scratch);
  }
}

KcPoint kc_point(int64_t n, uint64_t seed) {
  KcPoint pt = {malloc(sizeof(double) * (size_t)(n + 1)), malloc(sizeof(double) * (size_t)(n + 1)),
                malloc(sizeof(double) * (size_t)(n + 1))};
  RtRng rng;
  rt_rng_seed(&rng, seed);
  for (int64_t i = 0; i < n; i++) {
    pt.x[i] = rt_rng_uniform(&rng, -0.5, 0.5);
    pt.y[i] = rt_rng_uniform(&rng, -0.5, 0.5);
    pt.v[i] = rt_rng_uniform(&rng, -1, 1);
  }
  return pt;
}

void kc_point_free(KcPoint *pt) {
  free(pt->x);
  free(pt->y);
  free(pt->v);
}

void kc_call(const KcRun *r, int id, const KcPoint *pt, double *buf, int64_t slot) {
  BloEnv env = {r->p->data, r->samples, r->work, r->p->backend};
  double *outs[KC_SLOTS];
  for (int i = 0; i < KC_SLOTS; i++) outs[i] = buf + i * slot;
  for (int64_t i = 0; i < KC_SLOTS * slot; i++) buf[i] = 0;
  r->p->kernels[id](&env, pt->x, pt->y, pt->v, outs);
}
