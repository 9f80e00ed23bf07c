/* blo_abi.h — the one kernel ABI between compiled problems and the runtime.
 * A problem is a table of kernels plus sizes and data pointers. The JIT backend, the
 * reference evaluator (through a small adapter) and code written by `bloc emit-c` all fill the
 * same BloProblem, and every solver in runtime/ sees only this struct, never the AST or IR.
 * Installed as <bloc/blo_abi.h>; see doc/abi.md. */
#ifndef BLO_ABI_H
#define BLO_ABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BLO_ABI_VERSION 3

/* Per-call environment. The caller owns every buffer.
 * data    — data tensors in declaration order, row-major, sized as BloProblem.data_info says;
 *           doubles, or floats (pointers converted to const double *) when
 *           BloProblem.precision is BLO_PREC_F32; a sparse[m, n] declaration's points to its
 *           RtSparse (rt_sparse.h: CSR and its transpose), cast to const double * (data_info
 *           still says rank 2, m x n), at either precision.
 * samples — the current draw of every sample set, concatenated (BloSampleInfo.offset); each
 *           entry is a row index in [0, population). The runtime redraws them before each
 *           oracle call of a stochastic problem, and replays them when a method recomputes.
 * work    — scratch of BloProblem.work_size doubles; kernels never allocate. JIT kernels keep
 *           products in memo slots at its end between calls (doc/abi.md): any initial
 *           contents do, but clear it before handing it to another problem's kernels or
 *           reusing it with data changed in place.
 * backend — BloProblem.backend, passed through untouched (compiled kernels ignore it; the
 *           interpreter backend finds its graphs there). */
typedef struct BloEnv {
  const double *const *data;
  const int64_t *samples;
  double *work;
  void *backend;
} BloEnv;

/* Every kernel has this signature. x (nx), y (ny) and v (the direction vector: ny doubles, nx
 * for BLO_K_HVP_YX; NULL when unused) are inputs; out[i] are the outputs listed for each kernel
 * below, caller-allocated, never aliasing the inputs. Kernels are deterministic given (x, y, v,
 * data, samples) and are not reentrant on one work buffer. */
typedef void (*BloKernelFn)(const BloEnv *env, const double *x, const double *y,
                            const double *v, double *const *out);

typedef enum BloKernelId {
  /* Compiled only for the methods that call them (exact: g); elsewhere NULL, and f and g come
   * from BLO_K_GRAD_F and BLO_K_GRAD_Y_G. */
  BLO_K_F,               /* out[0] = f(x, y)                                   [1]          */
  BLO_K_G,               /* out[0] = g(x, y)                                   [1]          */
  BLO_K_GRAD_F,          /* out[0] = f, out[1] = grad_x f [nx], out[2] = grad_y f [ny]      */
  BLO_K_GRAD_Y_G,        /* out[0] = g, out[1] = grad_y g [ny]                              */
  BLO_K_HVP_YY,          /* out[0] = (d2 g / dy dy) v [ny]                                  */
  BLO_K_HVP_XY,          /* out[0] = (d2 g / dx dy) v [nx]   (= grad_x <grad_y g, v>)       */
  BLO_K_GRAD_Y_G_HVP_YY, /* out[0] = g, out[1] = grad_y g [ny], out[2] = hvp_yy v [ny]      */
  BLO_K_HVP_BOTH,        /* out[0] = hvp_yy v [ny], out[1] = hvp_xy v [nx]                  */
  BLO_K_INIT_Y,          /* out[0] = y0 = Phi(x) [ny], the lower initialiser (y, v unused)   */
  BLO_K_INIT_VJP,        /* out[0] = (dPhi/dx)^T v [nx]  (zero when Phi does not use x)     */
  BLO_K_REPORTS,         /* out[0] = every report value [n_reports]                         */
  /* Optional: compiled only for the methods that call them (F2SA, HJFBiO; STABLE). */
  BLO_K_GRAD_X_G,        /* out[0] = g, out[1] = grad_x g [nx]                              */
  BLO_K_HVP_YX,          /* out[0] = (d2 g / dy dx) v [ny], v of size nx (= J^T v)          */
  BLO_K_COUNT
} BloKernelId;

typedef struct BloTensorInfo {
  const char *name;
  int rank;            /* 0 scalar, 1 vector, 2 matrix */
  int64_t rows, cols;  /* a vector has cols = 1, a scalar rows = cols = 1 */
} BloTensorInfo;

typedef struct BloVarInfo {
  const char *name;
  int level;           /* 0 upper (part of x), 1 lower (part of y) */
  int rank;
  int64_t rows, cols;
  int64_t offset;      /* first element in x or y */
} BloVarInfo;

typedef struct BloSampleInfo {
  const char *name;
  int64_t batch;       /* K indices drawn per oracle call */
  int64_t population;  /* drawn from 0..population-1 without replacement */
  int64_t offset;      /* position in BloEnv.samples */
} BloSampleInfo;

/* A constraint on one upper variable, kept by projection: the runtime projects x onto it after
 * every step (doc/methods.md, "Constrained upper variables"). */
typedef enum BloConstraintKind {
  BLO_CON_BOX = 1,     /* lo <= x_i <= hi elementwise                                        */
  BLO_CON_SIMPLEX = 2  /* x_i >= 0, sum x_i = 1 (a vector)                                   */
} BloConstraintKind;

typedef struct BloConstraint {
  int var;             /* index in BloProblem.vars: an upper variable                        */
  int kind;            /* BloConstraintKind                                                  */
  int lo_data, hi_data;/* box: index of a data tensor of the variable's shape, or -1          */
  double lo, hi;       /* box: the scalar bound when lo_data / hi_data is -1 (-inf/inf: none) */
} BloConstraint;

/* BloProblem.precision: how the data tensors are stored. Kernels take and return doubles either
 * way; at f32 their products with float data compute in float (doc/performance.md, "Single
 * precision"). */
typedef enum BloPrecision {
  BLO_PREC_F64 = 0,    /* data pointers are const double *                                   */
  BLO_PREC_F32 = 1     /* data pointers are const float * (converted to const double *)      */
} BloPrecision;

/* A data-parallel compile (doc/scaling.md): output slot `slot` of kernel `kernel` holds, at
 * [offset, offset + rows * cols), a rows x cols block (row-major; a vector has cols 1) whose
 * rows are sharded rows: rank r of N writes only its own rows, rt_shard_rows({r, N}, rows) of
 * runtime/rt_shard.h, and zeros in the others, so the ranks' blocks are assembled (gathered)
 * rather than summed. Every other output element is a partial sum. */
typedef struct BloOwned {
  int kernel;          /* BloKernelId                                                        */
  int slot;            /* the kernel's out[] index                                           */
  int64_t offset;      /* first element in that slot                                         */
  int64_t rows, cols;  /* global rows (split over the ranks) and elements per row            */
} BloOwned;

typedef struct BloProblem {
  int abi_version;               /* BLO_ABI_VERSION */
  const char *name;
  int64_t nx, ny;
  int n_vars;                    /* upper variables first, then lower, in declaration order */
  const BloVarInfo *vars;
  int n_data;
  const BloTensorInfo *data_info;
  const double *const *data;     /* bound data, one pointer per data tensor */
  int n_samples;
  const BloSampleInfo *samples;
  int64_t sample_total;          /* length of BloEnv.samples */
  int n_reports;
  const char *const *report_names;
  BloKernelFn kernels[BLO_K_COUNT];
  double kernel_flops[BLO_K_COUNT]; /* cost model: floating-point operations per call */
  int64_t work_size;             /* doubles of scratch every kernel may use */
  int init_uses_x;               /* the lower initialiser depends on x (unrolled methods) */
  const double *x0;              /* initial upper variables [nx] */
  const double *y0;              /* initial lower variables [ny] (Phi(x0) if init_uses_x) */
  void *backend;                 /* owned by whoever built the problem */
  int n_constraints;             /* constraints on upper variables, at most one per variable */
  const BloConstraint *constraints;
  int precision;                 /* BloPrecision of the data pointers (0: double) */
  int n_owned;                   /* output blocks of owned rows (sharded compiles; else 0) */
  const BloOwned *owned;
  int samples_reports_only;      /* 1: only the reports read the sample sets; f, g and their
                                    derivatives do not, so the problem is deterministic
                                    (blo_problem_stochastic). 0: the sets are the oracles' */
} BloProblem;

/* Whether the oracles of p sample their data (each call a new draw): the hypergradient
 * estimates are then random (no tol, diagnostics averaged over draws, phi not computed). */
static inline int blo_problem_stochastic(const BloProblem *p) {
  return p->n_samples > 0 && !p->samples_reports_only;
}

#ifdef __cplusplus
}
#endif
#endif
