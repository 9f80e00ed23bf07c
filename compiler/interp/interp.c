/* interp.c — ABI trampolines over the reference evaluator. One static function per kernel id
 * recovers the IrProblem from env->backend and evaluates that kernel's outputs in place. */
#include "interp/interp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "interp/eval.h"

/* Evaluate kernel k of p directly (what the trampolines below do). */
static void interp_run(IrProblem *p, const IrKernel *k, const BloEnv *env, const double *x,
                       const double *y, const double *v, double *const *out) {
  IrNode *roots[256];
  double *dst[256];
  IrNode **rv = roots;
  double **dv = dst;
  if (k->nouts > 256) {
    rv = malloc(sizeof(IrNode *) * (size_t)k->nouts);
    dv = malloc(sizeof(double *) * (size_t)k->nouts);
    if (!rv || !dv) abort();
  }
  for (int s = 0; s < k->nslots; s++) memset(out[s], 0, sizeof(double) * (size_t)k->slot_size[s]);
  for (int o = 0; o < k->nouts; o++) {
    rv[o] = k->outs[o].node;
    dv[o] = out[k->outs[o].slot] + k->outs[o].offset;
  }
  const double *const *data = p->interp_data ? p->interp_data : env->data;
  IrEvalInputs in = {.x = x, .y = y, .v = v, .data = data, .samples = env->samples};
  IrEvalError err;
  if (ir_eval(&p->graph, rv, (size_t)k->nouts, &in, dv, &err) != 0) {
    /* kernels cannot fail by contract; an evaluator failure here is a bug */
    fprintf(stderr, "bloc: internal error: interpreter kernel '%s': %s\n", k->name, err.msg);
    abort();
  }
  if (rv != roots) {
    free(rv);
    free(dv);
  }
}

#define TRAMPOLINE(ID)                                                                          \
  static void k_##ID(const BloEnv *env, const double *x, const double *y, const double *v,     \
                     double *const *out) {                                                     \
    IrProblem *p = env->backend;                                                               \
    interp_run(p, &p->kernels[ID], env, x, y, v, out);                                         \
  }
TRAMPOLINE(BLO_K_F)
TRAMPOLINE(BLO_K_G)
TRAMPOLINE(BLO_K_GRAD_F)
TRAMPOLINE(BLO_K_GRAD_Y_G)
TRAMPOLINE(BLO_K_HVP_YY)
TRAMPOLINE(BLO_K_HVP_XY)
TRAMPOLINE(BLO_K_GRAD_Y_G_HVP_YY)
TRAMPOLINE(BLO_K_HVP_BOTH)
TRAMPOLINE(BLO_K_INIT_Y)
TRAMPOLINE(BLO_K_INIT_VJP)
TRAMPOLINE(BLO_K_REPORTS)
TRAMPOLINE(BLO_K_GRAD_X_G)
TRAMPOLINE(BLO_K_HVP_YX)

void interp_kernels(IrProblem *p, BloKernelFn fns[BLO_K_COUNT]) {
  static const BloKernelFn all[BLO_K_COUNT] = {
    k_BLO_K_F, k_BLO_K_G, k_BLO_K_GRAD_F, k_BLO_K_GRAD_Y_G, k_BLO_K_HVP_YY, k_BLO_K_HVP_XY,
    k_BLO_K_GRAD_Y_G_HVP_YY, k_BLO_K_HVP_BOTH, k_BLO_K_INIT_Y, k_BLO_K_INIT_VJP, k_BLO_K_REPORTS,
    k_BLO_K_GRAD_X_G, k_BLO_K_HVP_YX,
  };
  for (int k = 0; k < BLO_K_COUNT; k++) fns[k] = p->kernels[k].nouts ? all[k] : NULL;
}
