/* bench_kernels.c — the kernel benchmark behind `make bench`: for LancBiO's synthetic problem
 * (n = 1000 and 10000) and data hyper-cleaning (5000 x 785 training and validation data,
 * W 785 x 10), each kernel's time per call compiled by the JIT, interpreted by the reference
 * evaluator, and hand-written in C + OpenBLAS (below), as ratios measured in the same run,
 * plus compile + JIT latency, and PyTorch's time for the same kernel (bench/bench_torch.py run
 * as a coprocess, bench/torch_link.c; skipped with a note when /usr/bin/python3 has no torch).
 * JIT and C run with bloc's pool and OpenBLAS on 1 thread, then both on BLOC_THREADS (default:
 * the CPUs, at most 8); PyTorch on 1 thread. JIT and C times are medians of several rounds,
 * PyTorch's the best of its rounds; JIT, C and PyTorch rounds interleaved. Wall time is
 * printed, never asserted. The machine's read bandwidth and FMA peak are measured first
 * (probe.c), and each kernel's second row gives the JIT's GB/s and Gflop/s against them and its
 * time as a multiple of the floor max(bytes / bandwidth, flops / peak), where bytes are the
 * data, variables and outputs a call must move and flops the IR's count. Usage: bench_kernels
 * [quick | hyperclean | MODE [hyperclean]], MODE one of widths, f32, skinny, scalar, partials
 * (quick: small sizes, a smoke test; hyperclean: only the hyper-cleaning
 * problem; widths: 256- against 512-bit vectors; f32: precision f64 against f32, interleaved,
 * with the outputs' largest difference; skinny: skinny products' loops inlined in each kernel
 * against the shared functions (JitOptions.skinny_inline), at f64 and at f32; scalar: every
 * loop vectorised (JitOptions.vectorize_all) against the default, which leaves some
 * elementwise loops scalar and copies sampled rows by memcpy, at f64 and at f32; partials: a
 * double a' b in a region onto rows of c against transposed partials, the default at 512 bits). */
#define _GNU_SOURCE
#include <cblas.h>
#include <llvm/Config/llvm-config.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "interp/eval.h"
#include "hand_problems.h"
#include "llvm/jit.h"
#include "probe.h"
#include "rt_f32.h"
#include "rt_par.h"
#include "rt_rng.h"
#include "torch_link.h"
#include "timing.h"

static void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) {
    fprintf(stderr, "bench: out of memory (%zu bytes)\n", n);
    exit(3);
  }
  return p;
}

/* ------------------------------------------------------------------ hand-written kernels */

/* Sizes and scratch of the problem being measured (the hand-written code's own buffers). */
static int64_t N;                   /* synthetic: n */
static const double GAMMA = 0.5;
static int64_t M, MV, NF, NC;       /* hyper-cleaning */
static double *T1, *T2, *T3;        /* scratch */
static double *T4, *T5;             /* [W V] (NF x 2NC), [X W, X V] (M x 2NC) */

/* LancBiO synthetic: f = 0.1 cos(x.(c y)) + 0.5 |d x - y|^2,
 * g = gamma sum sin(x + y) + lse(x y) + 0.5 y.(e y) + 0.5 y.G y (G symmetric) */

static void syn_f(const BloEnv *env, const double *x, const double *y, const double *v,
                  double *const *out) {
  (void)v;
  const double *c = env->data[0], *d = env->data[1];
  double s1 = 0, s2 = 0;
  for (int64_t i = 0; i < N; i++) {
    double r = d[i] * x[i] - y[i];
    s1 += x[i] * c[i] * y[i];
    s2 += r * r;
  }
  out[0][0] = 0.1 * cos(s1) + 0.5 * s2;
}

static void syn_grad_f(const BloEnv *env, const double *x, const double *y, const double *v,
                       double *const *out) {
  (void)v;
  const double *c = env->data[0], *d = env->data[1];
  double s1 = 0, s2 = 0;
  for (int64_t i = 0; i < N; i++) {
    double r = d[i] * x[i] - y[i];
    s1 += x[i] * c[i] * y[i];
    s2 += r * r;
  }
  out[0][0] = 0.1 * cos(s1) + 0.5 * s2;
  double k = -0.1 * sin(s1);
  double *gx = out[1], *gy = out[2];
  for (int64_t i = 0; i < N; i++) {
    double r = d[i] * x[i] - y[i];
    gx[i] = k * c[i] * y[i] + d[i] * r;
    gy[i] = k * c[i] * x[i] - r;
  }
}

/* p = exp(x y - max), returns the sum of p; *lse = log-sum-exp of x y */
static double syn_softmax(const double *x, const double *y, double *p, double *lse) {
  double mx = -INFINITY, s = 0;
  for (int64_t i = 0; i < N; i++) mx = fmax(mx, x[i] * y[i]);
  for (int64_t i = 0; i < N; i++) {
    p[i] = exp(x[i] * y[i] - mx);
    s += p[i];
  }
  *lse = mx + log(s);
  return s;
}

static void syn_grad_y_g(const BloEnv *env, const double *x, const double *y, const double *v,
                         double *const *out) {
  (void)v;
  const double *e = env->data[2], *G = env->data[3];
  double *gy = out[1], lse;
  cblas_dsymv(CblasRowMajor, CblasUpper, (int)N, 1.0, G, (int)N, y, 1, 0.0, gy, 1);
  double inv = 1 / syn_softmax(x, y, T1, &lse);
  double ssin = 0, sey = 0, syg = 0;
  for (int64_t i = 0; i < N; i++) {
    double a = x[i] + y[i];
    ssin += sin(a);
    sey += e[i] * y[i] * y[i];
    syg += y[i] * gy[i];
    gy[i] += GAMMA * cos(a) + x[i] * T1[i] * inv + e[i] * y[i];
  }
  out[0][0] = GAMMA * ssin + lse + 0.5 * sey + 0.5 * syg;
}

static void syn_hvp_yy(const BloEnv *env, const double *x, const double *y, const double *v,
                       double *const *out) {
  const double *e = env->data[2], *G = env->data[3];
  double *h = out[0], lse;
  cblas_dsymv(CblasRowMajor, CblasUpper, (int)N, 1.0, G, (int)N, v, 1, 0.0, h, 1);
  double inv = 1 / syn_softmax(x, y, T1, &lse), t = 0;
  for (int64_t i = 0; i < N; i++) {
    T1[i] *= inv;
    t += T1[i] * x[i] * v[i];
  }
  for (int64_t i = 0; i < N; i++)
    h[i] += -GAMMA * sin(x[i] + y[i]) * v[i] + x[i] * T1[i] * (x[i] * v[i] - t) + e[i] * v[i];
}

static void syn_hvp_xy(const BloEnv *env, const double *x, const double *y, const double *v,
                       double *const *out) {
  (void)env;
  double *h = out[0], lse;
  double inv = 1 / syn_softmax(x, y, T1, &lse), t = 0;
  for (int64_t i = 0; i < N; i++) {
    T1[i] *= inv;
    t += T1[i] * x[i] * v[i];
  }
  for (int64_t i = 0; i < N; i++)
    h[i] = -GAMMA * sin(x[i] + y[i]) * v[i] + v[i] * T1[i] + y[i] * T1[i] * (x[i] * v[i] - t);
}

/* Hyper-cleaning: x = lambda [M], y = W [NF x NC]; data X [M x NF], Y [M x NC], Xv, Yv.
 * g = (1/M) sum_i sigmoid(lambda_i) CE(X_i W, Y_i) + 0.01 |W|^2, f = (1/MV) sum CE(Xv_i W, Yv_i).
 */

/* Row softmax of z[nc] into p, returns logsumexp. */
static double softmax_row(const double *z, double *p) {
  double mx = -INFINITY, s = 0;
  for (int64_t j = 0; j < NC; j++) mx = fmax(mx, z[j]);
  for (int64_t j = 0; j < NC; j++) {
    p[j] = exp(z[j] - mx);
    s += p[j];
  }
  double inv = 1 / s;
  for (int64_t j = 0; j < NC; j++) p[j] *= inv;
  return mx + log(s);
}

static double sigmoid(double a) { return a >= 0 ? 1 / (1 + exp(-a)) : exp(a) / (1 + exp(a)); }

static void gemm_nn(int64_t m, const double *A, const double *W, double *Z) {
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)NC, (int)NF, 1.0, A, (int)NF,
              W, (int)NC, 0.0, Z, (int)NC);
}

static void gemm_tn(int64_t m, const double *A, const double *G, double beta, double *out) {
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)NF, (int)NC, (int)m, 1.0, A, (int)NF, G,
              (int)NC, beta, out, (int)NC);
}

static void hc_f(const BloEnv *env, const double *x, const double *y, const double *v,
                 double *const *out) {
  (void)x;
  (void)v;
  const double *Xv = env->data[2], *Yv = env->data[3];
  gemm_nn(MV, Xv, y, T1);
  double loss = 0;
  for (int64_t i = 0; i < MV; i++) {
    const double *z = T1 + i * NC, *yy = Yv + i * NC;
    double mx = -INFINITY, s = 0, zy = 0;
    for (int64_t j = 0; j < NC; j++) mx = fmax(mx, z[j]);
    for (int64_t j = 0; j < NC; j++) {
      s += exp(z[j] - mx);
      zy += z[j] * yy[j];
    }
    loss += mx + log(s) - zy;
  }
  out[0][0] = loss / (double)MV;
}

static void hc_grad_f(const BloEnv *env, const double *x, const double *y, const double *v,
                      double *const *out) {
  (void)x;
  (void)v;
  const double *Xv = env->data[2], *Yv = env->data[3];
  gemm_nn(MV, Xv, y, T1);
  double loss = 0, inv_m = 1 / (double)MV;
  for (int64_t i = 0; i < MV; i++) {
    const double *z = T1 + i * NC, *yy = Yv + i * NC;
    double *p = T2 + i * NC, zy = 0;
    loss += softmax_row(z, p);
    for (int64_t j = 0; j < NC; j++) {
      zy += z[j] * yy[j];
      p[j] = (p[j] - yy[j]) * inv_m;
    }
    loss -= zy;
  }
  out[0][0] = loss * inv_m;
  memset(out[1], 0, (size_t)M * sizeof(double)); /* f does not depend on lambda */
  gemm_tn(MV, Xv, T2, 0.0, out[2]);
}

static void hc_grad_y_g(const BloEnv *env, const double *x, const double *y, const double *v,
                        double *const *out) {
  (void)v;
  const double *X = env->data[0], *Y = env->data[1];
  gemm_nn(M, X, y, T1);
  double g = 0, inv_m = 1 / (double)M, ww = 0;
  for (int64_t i = 0; i < M; i++) {
    const double *z = T1 + i * NC, *yy = Y + i * NC;
    double *p = T2 + i * NC, zy = 0, s = sigmoid(x[i]), a = s * inv_m;
    double lse = softmax_row(z, p);
    for (int64_t j = 0; j < NC; j++) {
      zy += z[j] * yy[j];
      p[j] = a * (p[j] - yy[j]);
    }
    g += s * (lse - zy);
  }
  for (int64_t k = 0; k < NF * NC; k++) {
    ww += y[k] * y[k];
    out[1][k] = 0.02 * y[k];
  }
  out[0][0] = g * inv_m + 0.01 * ww;
  gemm_tn(M, X, T2, 1.0, out[1]);
}

static void hc_hvp_yy(const BloEnv *env, const double *x, const double *y, const double *v,
                      double *const *out) {
  const double *X = env->data[0];
  gemm_nn(M, X, y, T1);
  gemm_nn(M, X, v, T3);
  double inv_m = 1 / (double)M;
  for (int64_t i = 0; i < M; i++) {
    double *p = T2 + i * NC, *u = T3 + i * NC, a = sigmoid(x[i]) * inv_m, r = 0;
    softmax_row(T1 + i * NC, p);
    for (int64_t j = 0; j < NC; j++) r += p[j] * u[j];
    for (int64_t j = 0; j < NC; j++) p[j] = a * p[j] * (u[j] - r);
  }
  for (int64_t k = 0; k < NF * NC; k++) out[0][k] = 0.02 * v[k];
  gemm_tn(M, X, T2, 1.0, out[0]);
}

static void hc_hvp_xy(const BloEnv *env, const double *x, const double *y, const double *v,
                      double *const *out) {
  const double *X = env->data[0], *Y = env->data[1];
  gemm_nn(M, X, y, T1);
  gemm_nn(M, X, v, T3);
  double inv_m = 1 / (double)M;
  for (int64_t i = 0; i < M; i++) {
    double *p = T2 + i * NC, *u = T3 + i * NC, s = sigmoid(x[i]), r = 0;
    const double *yy = Y + i * NC;
    softmax_row(T1 + i * NC, p);
    for (int64_t j = 0; j < NC; j++) r += (p[j] - yy[j]) * u[j];
    out[0][i] = s * (1 - s) * inv_m * r;
  }
}

/* The same two Hessian products with X W and X V from one dgemm on [W V] (X read once):
 * a trick beyond the IR's one-product-per-node view, measured to show what it would buy. */

static void hc_hvp_yy_packed(const BloEnv *env, const double *x, const double *y, const double *v,
                             double *const *out) {
  const double *X = env->data[0];
  for (int64_t k = 0; k < NF; k++)
    for (int64_t j = 0; j < NC; j++) {
      T4[k * 2 * NC + j] = y[k * NC + j];
      T4[k * 2 * NC + NC + j] = v[k * NC + j];
    }
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)M, (int)(2 * NC), (int)NF, 1.0, X,
              (int)NF, T4, (int)(2 * NC), 0.0, T5, (int)(2 * NC));
  double inv_m = 1 / (double)M;
  for (int64_t i = 0; i < M; i++) {
    double *p = T2 + i * NC, *u = T5 + i * 2 * NC + NC, a = sigmoid(x[i]) * inv_m, r = 0;
    softmax_row(T5 + i * 2 * NC, p);
    for (int64_t j = 0; j < NC; j++) r += p[j] * u[j];
    for (int64_t j = 0; j < NC; j++) p[j] = a * p[j] * (u[j] - r);
  }
  for (int64_t k = 0; k < NF * NC; k++) out[0][k] = 0.02 * v[k];
  gemm_tn(M, X, T2, 1.0, out[0]);
}

static void hc_hvp_xy_packed(const BloEnv *env, const double *x, const double *y, const double *v,
                             double *const *out) {
  const double *X = env->data[0], *Y = env->data[1];
  for (int64_t k = 0; k < NF; k++)
    for (int64_t j = 0; j < NC; j++) {
      T4[k * 2 * NC + j] = y[k * NC + j];
      T4[k * 2 * NC + NC + j] = v[k * NC + j];
    }
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)M, (int)(2 * NC), (int)NF, 1.0, X,
              (int)NF, T4, (int)(2 * NC), 0.0, T5, (int)(2 * NC));
  double inv_m = 1 / (double)M;
  for (int64_t i = 0; i < M; i++) {
    double *p = T2 + i * NC, *u = T5 + i * 2 * NC + NC, s = sigmoid(x[i]), r = 0;
    const double *yy = Y + i * NC;
    softmax_row(T5 + i * 2 * NC, p);
    for (int64_t j = 0; j < NC; j++) r += (p[j] - yy[j]) * u[j];
    out[0][i] = s * (1 - s) * inv_m * r;
  }
}

/* ------------------------------------------------------------------ measuring */

typedef struct Case {
  BloKernelId id;
  BloKernelFn hand;
  const char *label; /* NULL: the kernel's name */
} Case;

typedef struct Bench {
  const char *title;
  Arena arena;
  IrProblem p;
  const double *data[4];
  int64_t data_len[4]; /* elements of data[i] (the f32 mode's float copies) */
  double *x, *y, *v, *work;
  BloEnv env;
  JitModule *jit;
} Bench;

static double **alloc_outs(const IrKernel *k) {
  double **o = xmalloc(4 * sizeof(double *));
  for (int s = 0; s < 4; s++) {
    int64_t n = k->slot_size[s] ? k->slot_size[s] : 1;
    o[s] = xmalloc((size_t)n * sizeof(double));
    memset(o[s], 0, (size_t)n * sizeof(double));
  }
  return o;
}

static void free_outs(double **o) {
  for (int s = 0; s < 4; s++) free(o[s]);
  free(o);
}

static double time_fn(Bench *b, BloKernelFn fn, double **outs, int reps) {
  double t = bench_now_ms();
  for (int r = 0; r < reps; r++) fn(&b->env, b->x, b->y, b->v, outs);
  return (bench_now_ms() - t) / reps;
}

/* time_fn in this thread's CPU time: on one thread (the kernel and OpenBLAS run on the
 * caller's), what the call costs without the time other processes held the CPU */
static double time_fn_cpu(Bench *b, BloKernelFn fn, double **outs, int reps) {
  struct timespec t0, t1;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
  for (int r = 0; r < reps; r++) fn(&b->env, b->x, b->y, b->v, outs);
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
  return ((double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-6) / reps;
}

static void eval_kernel(Bench *b, const IrKernel *k, double **outs) {
  IrNode **roots = xmalloc((size_t)k->nouts * sizeof(IrNode *));
  double **dst = xmalloc((size_t)k->nouts * sizeof(double *));
  for (int i = 0; i < k->nouts; i++) {
    roots[i] = k->outs[i].node;
    dst[i] = outs[k->outs[i].slot] + k->outs[i].offset;
  }
  IrEvalInputs in = {.x = b->x, .y = b->y, .v = b->v, .data = b->data};
  IrEvalError err;
  if (ir_eval(&b->p.graph, roots, (size_t)k->nouts, &in, dst, &err)) {
    fprintf(stderr, "bench: evaluator failed: %s\n", err.msg);
    exit(1);
  }
  free(roots);
  free(dst);
}

/* Largest |a - b| / max(|b|, 1e-3 |b|_inf) over a kernel's outputs. */
static double rel_diff(const IrKernel *k, double **a, double **b) {
  double worst = 0;
  for (int s = 0; s < k->nslots; s++) {
    double scale = 0;
    for (int64_t i = 0; i < k->slot_size[s]; i++) scale = fmax(scale, fabs(b[s][i]));
    for (int64_t i = 0; i < k->slot_size[s]; i++)
      worst =
          fmax(worst, fabs(a[s][i] - b[s][i]) / fmax(fmax(fabs(b[s][i]), 1e-3 * scale), 1e-300));
  }
  return worst;
}

static ProbeLimits g_lim; /* the machine's limits, measured at start (probe.c) */
static bool g_have_lim;

/* The bytes a kernel call cannot avoid moving: every data tensor it reads (once), x, y, v
 * when used, and its outputs. Work buffers and re-reads come on top, so this is a floor. */
static double kernel_bytes(IrProblem *p, const IrKernel *k) {
  IrNode *roots[16];
  int n = k->nouts < 16 ? k->nouts : 16;
  for (int i = 0; i < n; i++) roots[i] = k->outs[i].node;
  IrNode **order;
  size_t cnt = ir_topo(&p->graph, roots, (size_t)n, &order);
  double b = 8.0 * (double)(p->nx + p->ny + (k->uses_v ? p->ny : 0));
  for (int sl = 0; sl < k->nslots; sl++) b += 8.0 * (double)k->slot_size[sl];
  for (size_t i = 0; i < cnt; i++) {
    if (order[i]->op != IR_DATA) continue;
    bool seen = false; /* the same tensor can appear as several leaves */
    for (size_t j = 0; j < i; j++)
      seen |= order[j]->op == IR_DATA && order[j]->attr[0] == order[i]->attr[0];
    if (!seen) b += 8.0 * (double)shape_size(order[i]->shape);
  }
  return b;
}

static double kernel_flops(IrProblem *p, const IrKernel *k) {
  IrNode *roots[16];
  int n = k->nouts < 16 ? k->nouts : 16;
  for (int i = 0; i < n; i++) roots[i] = k->outs[i].node;
  return ir_flops(&p->graph, roots, (size_t)n);
}

/* "  floors: ..." after a kernel's row: achieved GB/s and Gflop/s of the JIT on 1 and T
 * threads, and its time against the floor max(bytes / bandwidth, flops / FMA peak) measured
 * on this machine, the peak at the widest vectors the CPU has (probe_peak). */
static void print_floors(IrProblem *p, const IrKernel *k, const double *ms, int nconf) {
  if (!g_have_lim) return;
  double by = kernel_bytes(p, k), fl = kernel_flops(p, k);
  printf("  %-12s %9.3g %9.3g", "", by * 1e-6, fl * 1e-6);
  for (int q = 0; q < nconf; q++) {
    double t = ms[q] * 1e-3, bw = by / t * 1e-9, gf = fl / t * 1e-9;
    /* faster than memory: the data came from cache, and only the FMA peak bounds the call */
    bool cached = bw > g_lim.gbs[q];
    double peak = probe_peak(&g_lim, q);
    double floor = fl / (peak * 1e9);
    if (!cached) floor = fmax(floor, by / (g_lim.gbs[q] * 1e9));
    char pct[16] = " (cache)";
    if (!cached) snprintf(pct, sizeof pct, " (%3.0f%%)", 100 * bw / g_lim.gbs[q]);
    printf("   %dT %6.2f GB/s%s %6.2f Gflop/s (%3.0f%%) %5.2fx floor", g_lim.threads[q], bw, pct,
           gf, 100 * gf / peak, t / floor);
  }
  printf("\n");
}

static int g_rounds = 7;
static double g_round_ms = 40;
static int g_threads = 1; /* the second configuration: bloc's pool and OpenBLAS on this many */

/* bloc's pool and OpenBLAS on t threads */
static void set_threads(int t) {
  rt_par_set_threads(t);
  openblas_set_num_threads(t);
}

static void run_case(Bench *b, const Case *c) {
  const IrKernel *k = &b->p.kernels[c->id];
  BloKernelFn jf = jit_kernel(b->jit, c->id);
  double **oj = alloc_outs(k), **oh = alloc_outs(k), **oe = alloc_outs(k);
  /* warm up (and check the three agree) */
  set_threads(1);
  jf(&b->env, b->x, b->y, b->v, oj);
  c->hand(&b->env, b->x, b->y, b->v, oh);
  double te = bench_now_ms();
  eval_kernel(b, k, oe);
  te = bench_now_ms() - te;
  double dh = rel_diff(k, oj, oh), de = rel_diff(k, oj, oe);
  double t1 = time_fn(b, jf, oj, 1), t2 = time_fn(b, c->hand, oh, 1);
  int rj = (int)fmax(1, g_round_ms / fmax(t1, 1e-4)),
      rh = (int)fmax(1, g_round_ms / fmax(t2, 1e-4));
  /* rounds interleave JIT, C and PyTorch on 1 thread, then JIT and C on g_threads; medians */
  int nconf = g_threads > 1 ? 2 : 1;
  double tj[2][64], th[2][64];
  TorchCase tc; /* PyTorch: only for the kernels themselves, not the C variants (labelled) */
  torch_case_begin(&tc, c->label ? NULL : k->name, oj, k->slot_size, k->nslots, g_round_ms);
  for (int r = 0; r < g_rounds && r < 64; r++)
    for (int q = 0; q < nconf; q++) {
      set_threads(q ? g_threads : 1);
      /* OpenBLAS's threads spin for a while after a multithreaded call (~0.1 s): let them
       * sleep, or they take the second core from the JIT's pool */
      if (q) nanosleep(&(struct timespec){0, 200000000}, NULL);
      tj[q][r] = time_fn(b, jf, oj, rj);
      th[q][r] = time_fn(b, c->hand, oh, rh);
      if (!q) torch_case_round(&tc);
    }
  set_threads(1);
  double mj[2] = {NAN, NAN}, mh[2] = {NAN, NAN};
  for (int q = 0; q < nconf; q++) {
    mj[q] = bench_median(tj[q], g_rounds);
    mh[q] = bench_median(th[q], g_rounds);
  }
  int re = te > 500 ? 1 : 3;
  for (int r = 0; r < re; r++) {
    double t = bench_now_ms();
    eval_kernel(b, k, oe);
    te = fmin(te, bench_now_ms() - t);
  }
  const char *tv;
  double bt = torch_case_best(&tc, &tv);
  const char *name = c->label ? c->label : k->name;
  printf("  %-12s %9.4f %9.4f %6.2f", name, mj[0], mh[0], mj[0] / mh[0]);
  if (nconf > 1) printf(" %9.4f %9.4f %6.2f", mj[1], mh[1], mj[1] / mh[1]);
  printf(" %10.3f %7.1f %9.1e %9.1e", te, te / mh[0], dh, de);
  if (!isnan(bt)) printf(" %10.4f %9.3f %10.1e %s", bt, mj[0] / bt, tc.diff, tv);
  printf("\n");
  print_floors(&b->p, k, mj, nconf);
  combined_add(name, mj[0], mh[0], mj[1], mh[1], bt, tv, te);
  fflush(stdout);
  free_outs(oj);
  free_outs(oh);
  free_outs(oe);
}

/* The JIT's default options without memo slots (SchedOptions.memo): the benchmark calls each
 * kernel again and again at one point, where every call after the first would find its y-only
 * products in their slots and skip them, which a run's kernels do only some of the time. */
static JitOptions bench_options(void) {
  JitOptions o = jit_default_options();
  o.sched.memo = false;
  return o;
}

static JitModule *compile_opts(Bench *b, const JitOptions *o, double *ms) {
  JitModule *m;
  char err[512];
  if (jit_compile(&b->p, o, &m, err, sizeof err)) {
    fprintf(stderr, "bench: %s\n", err);
    exit(1);
  }
  if (ms) *ms = jit_timings(m)->total_ms;
  return m;
}

/* Two builds of the same kernels compared (`widths`: 256- against 512-bit vectors; `f32`:
 * precision f64 against f32, the data as doubles and as floats): B's options and data. */
typedef struct Pair {
  const char *what, *name[2];
  JitOptions opt[2];
  const void *const *data[2];
} Pair;

/* Each kernel of both builds timed in alternation round by round (on 1 thread, then on
 * g_threads), medians of the rounds; and the largest relative difference of their outputs
 * (B against A). On one thread the time is the thread's CPU time (a loaded machine inflates
 * it much less than wall time); on g_threads, wall. */
static void run_pair(Bench *b, const Case *cases, int ncases, const Pair *pr) {
  printf("\n== %s: %s\n", b->title, pr->what);
  double cms[2] = {0, 0};
  JitModule *m[2];
  for (int r = 0; r < 2; r++) { /* the second compile of each: LLVM initialised */
    if (r) {
      jit_free(m[0]);
      jit_free(m[1]);
    }
    for (int w = 0; w < 2; w++) m[w] = compile_opts(b, &pr->opt[w], &cms[w]);
  }
  printf("  compile + JIT: %.1f ms (%s), %.1f ms (%s)\n", cms[0], pr->name[0], cms[1],
         pr->name[1]);
  int64_t ws = jit_work_size(m[0]);
  if (jit_work_size(m[1]) > ws) ws = jit_work_size(m[1]);
  b->work = xmalloc((size_t)(ws + 1) * sizeof(double));
  BloEnv env[2] = {{(const double *const *)pr->data[0], NULL, b->work, NULL},
                   {(const double *const *)pr->data[1], NULL, b->work, NULL}};
  int nconf = g_threads > 1 ? 2 : 1;
  char h[4][32];
  for (int w = 0; w < 2; w++) {
    snprintf(h[w], sizeof h[w], "%s 1T cpu", pr->name[w]);
    snprintf(h[2 + w], sizeof h[2 + w], "%s %dT", pr->name[w], g_threads);
  }
  printf("  %-12s %12s %12s %7s", "kernel", h[0], h[1], "B/A");
  if (nconf > 1) printf("  %10s %10s %7s", h[2], h[3], "B/A");
  printf(" %10s\n", "|B-A|");
  for (int i = 0; i < ncases; i++) {
    if (cases[i].label) continue; /* the C variants: same JIT kernel */
    BloKernelId id = cases[i].id;
    const IrKernel *k = &b->p.kernels[id];
    BloKernelFn fn[2] = {jit_kernel(m[0], id), jit_kernel(m[1], id)};
    double **o[2] = {alloc_outs(k), alloc_outs(k)};
    set_threads(1);
    for (int w = 0; w < 2; w++) {
      b->env = env[w];
      fn[w](&b->env, b->x, b->y, b->v, o[w]);
    }
    double diff = rel_diff(k, o[1], o[0]);
    int reps[2];
    for (int w = 0; w < 2; w++) {
      b->env = env[w];
      reps[w] = (int)fmax(1, g_round_ms / fmax(time_fn(b, fn[w], o[w], 1), 1e-4));
    }
    double t[2][2][64];
    for (int r = 0; r < g_rounds && r < 64; r++)
      for (int q = 0; q < nconf; q++) {
        set_threads(q ? g_threads : 1);
        for (int w = 0; w < 2; w++) { /* alternate which build goes first */
          int ww = (r + w) % 2;
          b->env = env[ww];
          t[q][ww][r] = q ? time_fn(b, fn[ww], o[ww], reps[ww])
                          : time_fn_cpu(b, fn[ww], o[ww], reps[ww]);
        }
      }
    set_threads(1);
    double md[2][2];
    for (int q = 0; q < nconf; q++)
      for (int w = 0; w < 2; w++) md[q][w] = bench_median(t[q][w], g_rounds);
    printf("  %-12s %12.4f %12.4f %7.2f", k->name, md[0][0], md[0][1], md[0][1] / md[0][0]);
    if (nconf > 1) printf("  %10.4f %10.4f %7.2f", md[1][0], md[1][1], md[1][1] / md[1][0]);
    printf(" %10.1e\n", diff);
    fflush(stdout);
    free_outs(o[0]);
    free_outs(o[1]);
  }
  jit_free(m[0]);
  jit_free(m[1]);
  free(b->work);
}

/* `widths` mode: each kernel compiled for 256- and 512-bit vectors. */
static void run_widths(Bench *b, const Case *cases, int ncases) {
  Pair pr = {.what = "256- against 512-bit vectors", .name = {"256", "512"}};
  for (int w = 0; w < 2; w++) {
    pr.opt[w] = bench_options();
    pr.opt[w].vector_bits = w ? 512 : 256;
    pr.data[w] = (const void *const *)b->data;
  }
  run_pair(b, cases, ncases, &pr);
}

/* `f32` mode: each kernel at precision f64 (the data as doubles) and f32 (the same data
 * rounded to floats, rt_f32_copy), default vector width. */
static void run_f32(Bench *b, const Case *cases, int ncases) {
  Pair pr = {.what = "precision f64 against f32", .name = {"f64", "f32"}};
  const void *fd[4] = {NULL, NULL, NULL, NULL};
  for (int d = 0; d < 4 && b->data[d]; d++) {
    int64_t bad;
    fd[d] = rt_f32_copy(b->data[d], b->data_len[d], &bad);
  }
  for (int w = 0; w < 2; w++) {
    pr.opt[w] = bench_options();
    pr.opt[w].f32 = w == 1;
  }
  pr.data[0] = (const void *const *)b->data;
  pr.data[1] = fd;
  run_pair(b, cases, ncases, &pr);
  for (int d = 0; d < 4; d++) free((void *)fd[d]);
}

/* A comparison of two builds differing in one JitOptions setting (set(o, w) for build w), at
 * f64 and at f32 (the data rounded to floats). */
typedef struct OptPair {
  const char *what[2]; /* at f64, at f32 */
  const char *name[2];
  void (*set)(JitOptions *o, int w);
} OptPair;

static void run_opt_pair(Bench *b, const Case *cases, int ncases, const OptPair *op) {
  const void *fd[4] = {NULL, NULL, NULL, NULL};
  for (int d = 0; d < 4 && b->data[d]; d++) {
    int64_t bad;
    fd[d] = rt_f32_copy(b->data[d], b->data_len[d], &bad);
  }
  for (int f32 = 0; f32 < 2; f32++) {
    Pair pr = {.what = op->what[f32], .name = {op->name[0], op->name[1]}};
    for (int w = 0; w < 2; w++) {
      pr.opt[w] = bench_options();
      op->set(&pr.opt[w], w);
      pr.opt[w].f32 = f32;
      pr.data[w] = f32 ? fd : (const void *const *)b->data;
    }
    run_pair(b, cases, ncases, &pr);
  }
  for (int d = 0; d < 4; d++) free((void *)fd[d]);
}

static void set_skinny_inline(JitOptions *o, int w) { o->skinny_inline = w == 0; }
static void set_vectorize_all(JitOptions *o, int w) { o->vectorize_all = w == 0; }

/* `skinny` mode: the skinny products' tile loops inlined in every kernel against the shared
 * functions. */
static void run_skinny(Bench *b, const Case *cases, int ncases) {
  static const OptPair op = {
      {"skinny loops inlined against shared, f64", "skinny loops inlined against shared, f32"},
      {"inline", "shared"},
      set_skinny_inline};
  run_opt_pair(b, cases, ncases, &op);
}

/* `scalar` mode: every loop given to LLVM's vectoriser (JitOptions.vectorize_all) against the
 * default, where elementwise loops that vectors cannot speed up stay scalar and sampled rows
 * are copied by memcpy. */
static void run_scalar(Bench *b, const Case *cases, int ncases) {
  static const OptPair op = {{"every loop vectorised against some scalar, f64",
                              "every loop vectorised against some scalar, f32"},
                             {"vector", "scalar"},
                             set_vectorize_all};
  run_opt_pair(b, cases, ncases, &op);
}

/* `partials` mode: a double a' b in a region onto rows of c (SchedOptions.rows_partials)
 * against the default, at 512 bits onto transposed partials with loops along c's rows. */
static void run_partials(Bench *b, const Case *cases, int ncases) {
  Pair pr = {.what = "f64 a' b onto rows against transposed partials", .name = {"rows", "trans"}};
  for (int w = 0; w < 2; w++) {
    pr.opt[w] = bench_options();
    pr.opt[w].sched.rows_partials = w == 0;
    pr.data[w] = (const void *const *)b->data;
  }
  run_pair(b, cases, ncases, &pr);
}

/* The modes comparing two builds of every kernel (argv[1]; argv[2] "hyperclean": that problem
 * alone): no combined table, no PyTorch, 15 rounds. */
typedef struct Mode {
  const char *name;
  void (*run)(Bench *b, const Case *cases, int ncases);
  bool avx512; /* compares something only on a CPU with AVX-512 */
} Mode;
static const Mode modes[] = {
    {"widths", run_widths, true},  {"f32", run_f32, false},          {"skinny", run_skinny, false},
    {"scalar", run_scalar, false}, {"partials", run_partials, true},
};
static const Mode *g_mode; /* NULL: the full benchmark */

static void run_bench(Bench *b, const Case *cases, int ncases) {
  if (g_mode) {
    g_mode->run(b, cases, ncases);
    return;
  }
  printf("\n== %s\n", b->title);
  /* compile a few times: the first compile also pays one-time LLVM initialisation */
  JitTimings best = {0};
  best.total_ms = INFINITY;
  JitOptions opt = bench_options();
  for (int r = 0; r < 3; r++) {
    JitModule *m;
    char err[512];
    if (jit_compile(&b->p, &opt, &m, err, sizeof err)) {
      fprintf(stderr, "bench: %s\n", err);
      exit(1);
    }
    const JitTimings *t = jit_timings(m);
    printf("  compile + JIT, run %d: %.1f ms\n", r + 1, t->total_ms);
    if (t->total_ms < best.total_ms) best = *t;
    if (b->jit) jit_free(b->jit);
    b->jit = m;
  }
  int nk = 0;
  for (int id = 0; id < BLO_K_COUNT; id++) nk += jit_kernel(b->jit, (BloKernelId)id) != NULL;
  printf(
      "  compile + JIT (best of 3): %.1f ms wall for %d kernels: plan %.1f, %d compile threads "
      "%.1f (CPU: IR %.1f, "
      "verify %.1f, optimise %.1f, machine code %.1f), JIT + link %.1f; work buffer %lld doubles\n",
      best.total_ms, nk, best.plan_ms, best.threads, best.compile_wall_ms, best.codegen_ms,
      best.verify_ms, best.optimize_ms, best.emit_ms, best.jit_ms,
      (long long)jit_work_size(b->jit));
  b->work = xmalloc((size_t)(jit_work_size(b->jit) + 1) * sizeof(double));
  b->env = (BloEnv){b->data, NULL, b->work, NULL};
  printf("  %-12s %9s %9s %6s", "kernel", "JIT 1T", "C 1T", "JIT/C");
  if (g_threads > 1) {
    char a[16], c[16];
    snprintf(a, sizeof a, "JIT %dT", g_threads);
    snprintf(c, sizeof c, "C %dT", g_threads);
    printf(" %9s %9s %6s", a, c, "JIT/C");
  }
  printf(" %10s %7s %9s %9s %10s %9s %10s %s\n", "eval [ms]", "eval/C", "|JIT-C|", "|JIT-eval|",
         "torch [ms]", "JIT/torch", "|JIT-torch|", "via");
  if (g_have_lim)
    printf("  %-12s %9s %9s   (second row of each kernel: the JIT against the machine's limits)\n",
           "", "MB moved", "Mflop");
  for (int i = 0; i < ncases; i++) run_case(b, &cases[i]);
  jit_free(b->jit);
  b->jit = NULL;
  free(b->work);
}

static double *random_vec(RtRng *r, int64_t n, double lo, double hi) {
  double *d = xmalloc((size_t)n * sizeof(double));
  for (int64_t i = 0; i < n; i++) d[i] = rt_rng_uniform(r, lo, hi);
  return d;
}

static void bench_synthetic(int64_t n) {
  Bench b;
  memset(&b, 0, sizeof b);
  char title[160];
  snprintf(title, sizeof title, "LancBiO synthetic, n = %lld (G dense symmetric %lld x %lld)",
           (long long)n, (long long)n, (long long)n);
  b.title = title;
  arena_init(&b.arena);
  hp_synthetic(&b.p, &b.arena, n, GAMMA);
  RtRng r;
  rt_rng_seed(&r, 42);
  double *c = random_vec(&r, n, -5, 5), *d = random_vec(&r, n, 0.1, 1.1),
         *e = random_vec(&r, n, 0, GAMMA);
  double *G = xmalloc((size_t)(n * n) * sizeof(double));
  for (int64_t i = 0; i < n; i++) {
    G[i * n + i] = rt_rng_uniform(&r, 1, 2);
    for (int64_t j = i + 1; j < n; j++)
      G[i * n + j] = G[j * n + i] = rt_rng_uniform(&r, -1, 1) / (double)n;
  }
  b.data[0] = c;
  b.data[1] = d;
  b.data[2] = e;
  b.data[3] = G;
  b.data_len[0] = b.data_len[1] = b.data_len[2] = n;
  b.data_len[3] = n * n;
  b.x = random_vec(&r, n, -1, 1);
  b.y = random_vec(&r, n, -1, 1);
  b.v = random_vec(&r, n, -1, 1);
  N = n;
  T1 = xmalloc((size_t)n * sizeof(double));
  {
    char label[64], spec[64];
    snprintf(label, sizeof label, "synthetic n=%lld", (long long)n);
    snprintf(spec, sizeof spec, "synthetic %lld", (long long)n);
    const double *arr[] = {c, d, e, G, b.x, b.y, b.v};
    int64_t len[] = {n, n, n, n * n, n, n, n};
    torch_problem(label, spec, 7, arr, len);
  }
  Case cases[] = {{BLO_K_F, syn_f, NULL},
                  {BLO_K_GRAD_F, syn_grad_f, NULL},
                  {BLO_K_GRAD_Y_G, syn_grad_y_g, NULL},
                  {BLO_K_HVP_YY, syn_hvp_yy, NULL},
                  {BLO_K_HVP_XY, syn_hvp_xy, NULL}};
  run_bench(&b, cases, (int)(sizeof cases / sizeof cases[0]));
  free(T1);
  free(c);
  free(d);
  free(e);
  free(G);
  free(b.x);
  free(b.y);
  free(b.v);
  arena_free(&b.arena);
}

static double *onehot_rows(RtRng *r, int64_t m, int64_t k) {
  double *y = xmalloc((size_t)(m * k) * sizeof(double));
  memset(y, 0, (size_t)(m * k) * sizeof(double));
  for (int64_t i = 0; i < m; i++) y[i * k + rt_rng_randint(r, 0, k - 1)] = 1;
  return y;
}

static void bench_hyperclean(int64_t m, int64_t mv, int64_t nf, int64_t nc) {
  Bench b;
  memset(&b, 0, sizeof b);
  char title[160];
  snprintf(title, sizeof title,
           "Data hyper-cleaning: X %lld x %lld, validation %lld x %lld, W %lld x %lld",
           (long long)m, (long long)nf, (long long)mv, (long long)nf, (long long)nf, (long long)nc);
  b.title = title;
  arena_init(&b.arena);
  hp_hyperclean(&b.p, &b.arena, m, mv, nf, nc);
  RtRng r;
  rt_rng_seed(&r, 43);
  double *X = random_vec(&r, m * nf, -1, 1), *Xv = random_vec(&r, mv * nf, -1, 1);
  for (int64_t i = 0; i < m; i++) X[i * nf + nf - 1] = 1; /* the bias column */
  for (int64_t i = 0; i < mv; i++) Xv[i * nf + nf - 1] = 1;
  double *Y = onehot_rows(&r, m, nc), *Yv = onehot_rows(&r, mv, nc);
  b.data[0] = X;
  b.data[1] = Y;
  b.data[2] = Xv;
  b.data[3] = Yv;
  b.data_len[0] = m * nf;
  b.data_len[1] = m * nc;
  b.data_len[2] = mv * nf;
  b.data_len[3] = mv * nc;
  b.x = random_vec(&r, m, -2, 2);
  b.y = random_vec(&r, nf * nc, -0.1, 0.1);
  b.v = random_vec(&r, nf * nc, -1, 1);
  M = m;
  MV = mv;
  NF = nf;
  NC = nc;
  {
    char spec[96];
    snprintf(spec, sizeof spec, "hyperclean %lld %lld %lld %lld", (long long)m, (long long)mv,
             (long long)nf, (long long)nc);
    const double *arr[] = {X, Y, Xv, Yv, b.x, b.y, b.v};
    int64_t len[] = {m * nf, m * nc, mv * nf, mv * nc, m, nf * nc, nf * nc};
    torch_problem("hyperclean", spec, 7, arr, len);
  }
  int64_t rows = m > mv ? m : mv;
  T1 = xmalloc((size_t)(rows * nc) * sizeof(double));
  T2 = xmalloc((size_t)(rows * nc) * sizeof(double));
  T3 = xmalloc((size_t)(rows * nc) * sizeof(double));
  T4 = xmalloc((size_t)(nf * 2 * nc) * sizeof(double));
  T5 = xmalloc((size_t)(m * 2 * nc) * sizeof(double));
  Case cases[] = {{BLO_K_F, hc_f, NULL},
                  {BLO_K_GRAD_F, hc_grad_f, NULL},
                  {BLO_K_GRAD_Y_G, hc_grad_y_g, NULL},
                  {BLO_K_HVP_YY, hc_hvp_yy, NULL},
                  {BLO_K_HVP_XY, hc_hvp_xy, NULL},
                  {BLO_K_HVP_YY, hc_hvp_yy_packed, "hvp_yy [WV]"},
                  {BLO_K_HVP_XY, hc_hvp_xy_packed, "hvp_xy [WV]"}};
  run_bench(&b, cases, (int)(sizeof cases / sizeof cases[0]));
  free(T1);
  free(T2);
  free(T3);
  free(T4);
  free(T5);
  free(X);
  free(Xv);
  free(Y);
  free(Yv);
  free(b.x);
  free(b.y);
  free(b.v);
  arena_free(&b.arena);
}

static void print_machine(void) {
  char model[256] = "unknown";
  FILE *f = fopen("/proc/cpuinfo", "r");
  if (f) {
    char line[512];
    while (fgets(line, sizeof line, f))
      if (!strncmp(line, "model name", 10)) {
        char *p = strchr(line, ':');
        if (p) snprintf(model, sizeof model, "%s", p + 2);
        model[strcspn(model, "\n")] = '\0';
        break;
      }
    fclose(f);
  }
  printf("bloc kernel benchmark\n");
  printf("  machine: %s; LLVM %s; OpenBLAS %s\n", model, LLVM_VERSION_STRING,
         openblas_get_config());
  printf(
      "  times: ms per call, median of %d rounds (JIT and C interleaved, each round >= %.0f ms of "
      "calls);\n"
      "  1T: bloc's thread pool and OpenBLAS on 1 thread; %dT: both on %d threads (BLOC_THREADS)\n",
      g_rounds, g_round_ms, g_threads, g_threads);
  printf(
      "  JIT = bloc's LLVM kernels; C = hand-written C + OpenBLAS (bench/bench_kernels.c); eval = "
      "reference "
      "evaluator (1 thread);\n  |JIT-C|, |JIT-eval| = largest relative difference of the "
      "outputs\n");
}

int main(int argc, char **argv) {
  bool quick = argc > 1 && !strcmp(argv[1], "quick");
  bool hc_only = argc > 1 && !strcmp(argv[1], "hyperclean");
  for (size_t i = 0; argc > 1 && i < sizeof modes / sizeof modes[0]; i++)
    if (!strcmp(argv[1], modes[i].name)) g_mode = &modes[i];
  if (g_mode) {
    if (g_mode->avx512 && !jit_host_has_avx512()) {
      printf("bench_kernels %s: this CPU has no AVX-512, nothing to compare\n", g_mode->name);
      return 0;
    }
    hc_only = argc > 2 && !strcmp(argv[2], "hyperclean");
    g_rounds = 15; /* two builds of one kernel differ by less than the noise of a busy machine */
    setenv("BLOC_BENCH_TORCH", "0", 1);
  }
  g_threads = rt_par_threads();
  combined_threads = g_threads;
  setenv("BLOC_CACHE", "0", 1); /* compile latency means LLVM's work, not a cache lookup */
  openblas_set_num_threads(1);
  if (quick) {
    g_rounds = 3;
    g_round_ms = 5;
  }
  print_machine();
  g_have_lim = probe_machine(g_threads, jit_host_has_avx512(), &g_lim) == 0;
  if (g_have_lim)
    for (int q = 0; q < (g_threads > 1 ? 2 : 1); q++) {
      printf("  limits measured on %d thread%s: read bandwidth %.1f GB/s; FMA peak %.1f Gflop/s "
             "(256-bit), ",
             g_lim.threads[q], q ? "s" : "", g_lim.gbs[q], g_lim.gflops256[q]);
      if (g_lim.widest == 512) printf("%.1f Gflop/s (512-bit)\n", g_lim.gflops512[q]);
      else printf("no AVX-512 (floors at 256 bits)\n");
    }
  torch_start();
  if (quick) {
    bench_synthetic(200);
    bench_hyperclean(500, 400, 785, 10);
  } else {
    if (!hc_only) {
      bench_synthetic(1000);
      bench_synthetic(10000);
    }
    bench_hyperclean(5000, 5000, 785, 10);
  }
  torch_stop();
  if (!g_mode) combined_print();
  return 0;
}
