/* interp.h — the interpreter backend: ABI kernels that run the reference evaluator on the
 * problem's IR kernels (`--backend=interp`; also the oracle side of backend tests). */
#ifndef BLOC_INTERP_H
#define BLOC_INTERP_H

#include "blo_abi.h"
#include "ir/problem.h"

/* Fill fns[id] for every kernel of p that has outputs (NULL otherwise). The kernels expect
 * BloEnv.backend == p. Work size needed: 0 (the evaluator allocates per call: this backend is
 * for checking, not speed). */
void interp_kernels(IrProblem *p, BloKernelFn fns[BLO_K_COUNT]);

#endif
