/* jit_runs.c — see jit_runs.h. */
#include "jit_runs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_rng.h"

void jr_data_init(JrData *d, const double *const *data, const int64_t *sizes, int n, bool f32) {
  memset(d, 0, sizeof *d);
  for (int i = 0; i < n && i < JR_MAX_DATA; i++) {
    d->view[i] = data[i];
    if (!f32) continue;
    d->f32[i] = malloc((size_t)sizes[i] * sizeof(float));
    for (int64_t j = 0; j < sizes[i]; j++) d->f32[i][j] = (float)data[i][j];
    d->view[i] = (const double *)(const void *)d->f32[i];
  }
}

void jr_data_free(JrData *d) {
  for (int i = 0; i < JR_MAX_DATA; i++) free(d->f32[i]);
}

static double *uniform(RtRng *r, int64_t n) {
  double *d = malloc((size_t)(n ? n : 1) * sizeof(double));
  for (int64_t i = 0; i < n; i++) d[i] = rt_rng_uniform(r, -1, 1);
  return d;
}

void jr_run_all(const IrProblem *p, JitModule *m, const double *const *data, const int64_t *samples,
                uint64_t seed, double *outs[BLO_K_COUNT][4]) {
  RtRng rng;
  rt_rng_seed(&rng, seed);
  int64_t nx = p->nx ? p->nx : 1, ny = p->ny ? p->ny : 1, ws = jit_work_size(m);
  int64_t nv = nx > ny ? nx : ny; /* v is x-sized for hvp_yx */
  double *x = uniform(&rng, nx), *y = uniform(&rng, ny), *v = uniform(&rng, nv);
  double *work = malloc((size_t)(ws ? ws : 1) * sizeof(double));
  for (int64_t i = 0; i < ws; i++) work[i] = NAN;
  BloEnv env = {data, samples, work, NULL};
  for (int id = 0; id < BLO_K_COUNT; id++) {
    const IrKernel *k = &p->kernels[id];
    for (int s = 0; s < 4; s++) {
      int64_t n = k->slot_size[s] ? k->slot_size[s] : 1;
      outs[id][s] = malloc((size_t)n * sizeof(double));
      for (int64_t i = 0; i < n; i++) outs[id][s][i] = NAN;
    }
    if (k->nouts) jit_kernel(m, (BloKernelId)id)(&env, x, y, k->uses_v ? v : NULL, outs[id]);
  }
  free(x);
  free(y);
  free(v);
  free(work);
}

void jr_free_outs(double *outs[BLO_K_COUNT][4]) {
  for (int id = 0; id < BLO_K_COUNT; id++)
    for (int s = 0; s < 4; s++) free(outs[id][s]);
}

bool jr_same_outs(const IrProblem *p, double *a[BLO_K_COUNT][4], double *b[BLO_K_COUNT][4], int *id,
                  int *slot) {
  for (int k = 0; k < BLO_K_COUNT; k++)
    for (int s = 0; s < 4; s++) {
      int64_t n = p->kernels[k].slot_size[s] ? p->kernels[k].slot_size[s] : 1;
      if (p->kernels[k].nouts && memcmp(a[k][s], b[k][s], (size_t)n * sizeof(double))) {
        *id = k;
        *slot = s;
        return false;
      }
    }
  return true;
}

char *jr_module_ir(const JitModule *m) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (!f) abort();
  jit_print_module(m, f);
  fclose(f);
  return buf;
}

int jr_rows_in_place(const SchedKernel *k, int *copies) {
  int n = 0, nc = 0;
  for (int i = 0; k && i < k->nsteps; i++)
    for (int j = 0; k->steps[i].kind == SS_PAR_ROWS && j < k->steps[i].nbody; j++) {
      const SchedStep *st = &k->steps[i].body[j];
      const SchedBuf *w;
      if (sched_gather_rows(st, &w) && w->rows_direct) nc++;
      n += st->kind == SS_SKINNY_GEMM && st->blas.a.rows_direct;
    }
  if (copies) *copies = nc;
  return n;
}
