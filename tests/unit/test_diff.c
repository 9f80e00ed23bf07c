/* test_diff.c — symbolic derivatives against central finite differences, for every
 * differentiable IR op and compositions of them: gradients (reverse mode), Hessian-vector
 * products (forward over reverse), mixed products (reverse over reverse), HVP symmetry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir/diff.h"
#include "interp/eval.h"
#include "ir/ir.h"
#include "rt_rng.h"

/* Problem layout used by every case: x = [a (vector 3) ; A (matrix 2x3)], y = [b (vector 3) ;
 * B (matrix 3x2)], data D (matrix 4x3), d (vector 3), sample set S (2 of 4). */
enum { NX = 9, NY = 9 };

typedef struct Vars {
  IrNode *a, *A, *b, *B, *D, *d, *S;
} Vars;

typedef IrNode *(*BuildFn)(IrGraph *g, const Vars *v);

static double Ddata[12], ddata[3];
static int64_t samples[4] = {3, 1, 0,
                             2}; /* set 0 at offset 0 (2 of 4), set 1 at offset 2 (2 of 3) */

static void make_vars(IrGraph *g, Vars *v) {
  v->a = ir_var(g, 0, 0, 0, shape_vector(3));
  v->A = ir_var(g, 0, 1, 3, shape_matrix(2, 3));
  v->b = ir_var(g, 1, 0, 0, shape_vector(3));
  v->B = ir_var(g, 1, 1, 3, shape_matrix(3, 2));
  v->D = ir_data(g, 0, shape_matrix(4, 3));
  v->d = ir_data(g, 1, shape_vector(3));
  v->S = ir_sample(g, 0, 0, 2);
}

static double eval_scalar(IrGraph *g, IrNode *n, const double *x, const double *y,
                          const double *v) {
  const double *data[2] = {Ddata, ddata};
  IrEvalInputs in = {.x = x, .y = y, .v = v, .data = data, .samples = samples};
  double out;
  double *outs[1] = {&out};
  IrEvalError err;
  assert_int_equal(ir_eval(g, &n, 1, &in, outs, &err), 0);
  return out;
}

static void eval_vec(IrGraph *g, IrNode *const *nodes, int n, const double *x, const double *y,
                     const double *v, double *out) {
  const double *data[2] = {Ddata, ddata};
  IrEvalInputs in = {.x = x, .y = y, .v = v, .data = data, .samples = samples};
  double *outs[4];
  int64_t off = 0;
  for (int i = 0; i < n; i++) {
    outs[i] = out + off;
    off += shape_size(nodes[i]->shape);
  }
  IrEvalError err;
  assert_int_equal(ir_eval(g, nodes, (size_t)n, &in, outs, &err), 0);
}

static void check_close(const char *what, const char *name, const double *got, const double *want,
                        int n, double tol) {
  double scale = 1, worst = 0;
  for (int i = 0; i < n; i++) scale = fmax(scale, fabs(want[i]));
  for (int i = 0; i < n; i++) worst = fmax(worst, fabs(got[i] - want[i]));
  if (worst > tol * scale) {
    fprintf(stderr, "%s of '%s': max error %.3g (scale %.3g)\n", what, name, worst, scale);
    for (int i = 0; i < n; i++)
      fprintf(stderr, "  [%d] got %.15g want %.15g\n", i, got[i], want[i]);
    fail();
  }
}

/* A point of the problem: x [NX], y [NY] and the direction v [NY] (NULL: none). */
typedef struct Point {
  const double *x, *y, *v;
} Point;

/* The central differences (step 1e-5) of scalar node f in each element of x (level 0) or y
 * (level 1) at p: its gradient there with respect to that level. */
static void central_diff(IrGraph *g, IrNode *f, int level, const Point *p, double *out) {
  const double h = 1e-5;
  int n = level ? NY : NX;
  double plus[NX > NY ? NX : NY], minus[NX > NY ? NX : NY];
  for (int i = 0; i < n; i++) {
    memcpy(plus, level ? p->y : p->x, sizeof(double) * (size_t)n);
    memcpy(minus, plus, sizeof(double) * (size_t)n);
    plus[i] += h;
    minus[i] -= h;
    double fp = level ? eval_scalar(g, f, p->x, plus, p->v) : eval_scalar(g, f, plus, p->y, p->v);
    double fm = level ? eval_scalar(g, f, p->x, minus, p->v) : eval_scalar(g, f, minus, p->y, p->v);
    out[i] = (fp - fm) / (2 * h);
  }
}

/* Runs every derivative check on the scalar built by `build`. */
static void check_case(const char *name, BuildFn build, uint64_t seed) {
  Arena arena;
  arena_init(&arena);
  IrGraph g;
  ir_graph_init(&g, &arena);
  Vars v;
  make_vars(&g, &v);
  IrNode *f = build(&g, &v);
  assert_int_equal(f->shape.rank, 0);

  RtRng rng;
  rt_rng_seed(&rng, seed);
  double x[NX], y[NY], dir[NY], u[NY];
  for (int i = 0; i < NX; i++) x[i] = rt_rng_uniform(&rng, -1, 1);
  for (int i = 0; i < NY; i++) y[i] = rt_rng_uniform(&rng, -1, 1);
  for (int i = 0; i < NY; i++) dir[i] = rt_rng_uniform(&rng, -1, 1);
  for (int i = 0; i < NY; i++) u[i] = rt_rng_uniform(&rng, -1, 1);

  IrNode *xl[2] = {v.a, v.A}, *yl[2] = {v.b, v.B};
  IrNode *one = ir_scalar(&g, 1);
  IrNode *gx[2], *gy[2];
  diff_vjp(&g, &f, &one, 1, IR_DEP_X, xl, 2, gx);
  diff_vjp(&g, &f, &one, 1, IR_DEP_Y, yl, 2, gy);

  const double h = 1e-5;
  double got[NX + NY], want[NX + NY];
  /* gradients */
  eval_vec(&g, gx, 2, x, y, NULL, got);
  central_diff(&g, f, 0, &(Point){x, y, NULL}, want);
  check_close("grad_x", name, got, want, NX, 1e-6);
  eval_vec(&g, gy, 2, x, y, NULL, got);
  central_diff(&g, f, 1, &(Point){x, y, NULL}, want);
  check_close("grad_y", name, got, want, NY, 1e-6);

  /* hvp_yy = d/de grad_y(y + e v) */
  IrNode *dl[2] = {ir_dir(&g, 0, 0, v.b->shape), ir_dir(&g, 1, 3, v.B->shape)};
  IrNode *hv[2];
  diff_jvp(&g, gy, 2, yl, dl, 2, hv);
  eval_vec(&g, hv, 2, x, y, dir, got);
  {
    double yp[NY], ym[NY], gp[NY], gm[NY];
    for (int i = 0; i < NY; i++) { yp[i] = y[i] + h * dir[i]; ym[i] = y[i] - h * dir[i]; }
    eval_vec(&g, gy, 2, x, yp, NULL, gp);
    eval_vec(&g, gy, 2, x, ym, NULL, gm);
    for (int i = 0; i < NY; i++) want[i] = (gp[i] - gm[i]) / (2 * h);
  }
  check_close("hvp_yy", name, got, want, NY, 1e-6);
  /* symmetry: u' H dir == dir' H u */
  {
    double hu[NY];
    eval_vec(&g, hv, 2, x, y, u, hu);
    double s1 = 0, s2 = 0, sc = 1;
    for (int i = 0; i < NY; i++) {
      s1 += u[i] * got[i];
      s2 += dir[i] * hu[i];
      sc = fmax(sc, fabs(s1));
    }
    if (fabs(s1 - s2) > 1e-10 * sc) {
      fprintf(stderr, "hvp symmetry of '%s': %.17g vs %.17g\n", name, s1, s2);
      fail();
    }
  }
  /* hvp_xy = grad_x <grad_y, v> */
  IrNode *mx[2];
  diff_vjp(&g, gy, dl, 2, IR_DEP_X, xl, 2, mx);
  eval_vec(&g, mx, 2, x, y, dir, got);
  central_diff(&g, ir_add(&g, ir_dot(&g, gy[0], dl[0]), ir_dot(&g, gy[1], dl[1])), 0,
               &(Point){x, y, dir}, want);
  check_close("hvp_xy", name, got, want, NX, 1e-6);
  arena_free(&arena);
}

/* ---- cases: one per op family, each mixing x and y so that second derivatives are live */
#define G IrGraph *g
#define S(n) ir_reduce(g, IR_SUM, n)
#define M(a, b) ir_mul(g, a, b)
#define AD(a, b) ir_add(g, a, b)
#define U(op, a) ir_unary(g, op, a)
#define C(c) ir_scalar(g, c)

static IrNode *c_exp(G, const Vars *v) { return S(U(IR_EXP, M(v->a, v->b))); }
static IrNode *c_log(G, const Vars *v) { return S(U(IR_LOG, AD(C(2), U(IR_SIN, M(v->a, v->b))))); }
static IrNode *c_log1p(G, const Vars *v) { return S(U(IR_LOG1P, M(M(v->a, v->a), M(v->b, v->b)))); }
static IrNode *c_sqrt(G, const Vars *v) {
  return S(U(IR_SQRT, AD(C(1), AD(M(v->a, v->a), M(v->b, v->b)))));
}
static IrNode *c_sincos(G, const Vars *v) {
  return S(AD(U(IR_SIN, M(v->a, v->b)), M(v->a, U(IR_COS, ir_add(g, v->a, v->b)))));
}
static IrNode *c_tanh(G, const Vars *v) { return S(U(IR_TANH, ir_sub(g, v->a, M(C(2), v->b)))); }
/* acos and asin of 0.8 tanh(..) (inside (-1, 1)), atan and erf, each mixing x and y */
static IrNode *c_acos_asin(G, const Vars *v) {
  IrNode *t = ir_scale(g, 0.8, U(IR_TANH, ir_sub(g, M(v->a, v->b), v->b)));
  IrNode *u = ir_scale(g, 0.8, U(IR_TANH, AD(v->a, M(C(0.5), v->b))));
  return S(AD(M(v->b, U(IR_ACOS, t)), M(U(IR_ASIN, u), U(IR_ASIN, t))));
}
static IrNode *c_atan_erf(G, const Vars *v) {
  return S(AD(M(v->a, U(IR_ATAN, M(v->a, v->b))), U(IR_ERF, ir_sub(g, v->a, M(C(2), v->b)))));
}
/* tan of 1.4 tanh(..) (inside (-pi/2, pi/2), where tan reaches 5.8 and its derivative 35),
 * mixing x and y: its first and second derivatives 1 + tan^2 and 2 tan (1 + tan^2) */
static IrNode *c_tan(G, const Vars *v) {
  IrNode *t = ir_scale(g, 1.4, U(IR_TANH, ir_sub(g, M(v->a, v->b), v->b)));
  return S(AD(M(v->a, U(IR_TAN, t)), U(IR_TAN, M(C(0.5), AD(v->a, v->b)))));
}
static IrNode *c_sigmoid(G, const Vars *v) { return S(M(v->a, U(IR_SIGMOID, M(v->a, v->b)))); }
static IrNode *c_softplus(G, const Vars *v) {
  return S(U(IR_SOFTPLUS, ir_sub(g, M(v->a, v->b), v->b)));
}
static IrNode *c_log_sigmoid(G, const Vars *v) {
  return S(U(IR_LOG_SIGMOID, ir_sub(g, M(v->a, v->b), v->b)));
}
static IrNode *c_abs(G, const Vars *v) { return S(M(v->b, U(IR_ABS, AD(C(3), v->a)))); }
static IrNode *c_relu(G, const Vars *v) { return S(M(M(v->b, v->b), U(IR_RELU, AD(C(2), v->a)))); }
static IrNode *c_powc(G, const Vars *v) {
  return S(M(v->a, ir_powc(g, AD(C(1.5), M(v->b, v->b)), 1.5)));
}
/* max, min and clip (min of max) of x- and y-dependent sides, one side a broadcast scalar */
static IrNode *c_maxmin(G, const Vars *v) {
  IrNode *mx = ir_binary(g, IR_MAX, M(v->a, v->b), U(IR_SIN, v->b));
  IrNode *mn = ir_binary(g, IR_MIN, S(M(v->a, v->a)), M(v->b, v->b));
  IrNode *cl = ir_binary(g, IR_MIN, ir_binary(g, IR_MAX, AD(v->a, v->b), C(-0.2)), C(0.4));
  return S(AD(M(v->a, mx), M(AD(mn, cl), v->b)));
}
static IrNode *c_div(G, const Vars *v) {
  return S(ir_div(g, AD(v->a, v->b), AD(C(2), M(v->b, v->b))));
}
static IrNode *c_neg_sub(G, const Vars *v) {
  return S(M(ir_neg(g, v->a), ir_sub(g, M(v->b, v->b), v->a)));
}
static IrNode *c_scalar_bcast(G, const Vars *v) {
  IrNode *s = S(M(v->a, v->b)); /* scalar against tensors */
  return S(U(IR_SIN, AD(M(s, v->b), ir_div(g, v->a, AD(C(3), s)))));
}
static IrNode *c_where(G, const Vars *v) {
  IrNode *mask = ir_binary(g, IR_GT, v->a, C(0));
  return S(ir_where(g, mask, M(v->a, M(v->b, v->b)), U(IR_EXP, v->b)));
}
static IrNode *c_lse(G, const Vars *v) { return ir_reduce(g, IR_LSE, M(v->a, v->b)); }
static IrNode *c_lse_rows(G, const Vars *v) {
  IrNode *Z = ir_matmul(g, v->A, v->B); /* 2x2 */
  return S(M(ir_reduce(g, IR_LSE_ROWS, Z), ir_reduce(g, IR_SUM_ROWS, v->A)));
}
static IrNode *c_softmax_ce(G, const Vars *v) {
  /* cross entropy of logits D B (4x2) against fixed one-hot-like targets */
  IrNode *Z = ir_matmul(g, v->D, v->B);
  IrNode *Y = ir_outer(g, ir_const(g, 0.5, shape_vector(4)), ir_slice(g, v->a, 0, 2, 0, 1));
  IrNode *ce = ir_sub(g, ir_reduce(g, IR_LSE_ROWS, Z), ir_reduce(g, IR_SUM_ROWS, M(Z, Y)));
  return S(ce);
}
static IrNode *c_matmul(G, const Vars *v) { return S(U(IR_SIN, ir_matmul(g, v->A, v->B))); }
static IrNode *c_matvec(G, const Vars *v) {
  IrNode *t = ir_matvec(g, v->D, M(v->a, v->b));
  return ir_dot(g, t, t);
}
static IrNode *c_vecmat(G, const Vars *v) {
  IrNode *t = ir_vecmat(g, ir_slice(g, v->b, 0, 2, 0, 1), v->A); /* vector[3] */
  return S(M(U(IR_COS, t), v->b));
}
static IrNode *c_outer(G, const Vars *v) {
  return S(M(ir_outer(g, v->a, v->b), U(IR_SIN, ir_matmul(g, v->B, v->A))));
}
static IrNode *c_transpose(G, const Vars *v) { return S(M(ir_transpose(g, v->A), M(v->B, v->B))); }
static IrNode *c_sum_rows_cols(G, const Vars *v) {
  IrNode *P = ir_matmul(g, v->B, v->A); /* 3x3 */
  return AD(ir_dot(g, ir_reduce(g, IR_SUM_ROWS, P), v->a),
            ir_dot(g, ir_reduce(g, IR_SUM_COLS, M(P, P)), v->b));
}
static IrNode *c_rowwise_colwise(G, const Vars *v) {
  IrNode *R = M(v->B, ir_bcast_rows(g, ir_slice(g, v->a, 1, 3, 0, 1), 3)); /* rowwise(B, a[1:3]) */
  IrNode *Cw = M(v->B, ir_bcast_cols(g, v->b, 2));                        /* colwise(B, b) */
  return S(M(U(IR_TANH, R), Cw));
}
static IrNode *c_slice_reshape(G, const Vars *v) {
  IrNode *row = ir_reshape(g, ir_slice(g, v->A, 1, 2, 0, 3), shape_vector(3)); /* A[1, :] */
  IrNode *col = ir_reshape(g, ir_slice(g, v->B, 0, 3, 1, 2), shape_vector(3)); /* B[:, 1] */
  IrNode *e = ir_reshape(g, ir_slice(g, v->b, 2, 3, 0, 1), shape_scalar());
  return S(M(M(row, col), AD(e, v->a)));
}
static IrNode *c_gather(G, const Vars *v) {
  IrNode *rows = ir_gather(g, v->D, v->S);                 /* 2x3 data rows */
  IrNode *z = ir_matvec(g, rows, M(v->a, v->b));            /* 2 */
  IrNode *B2 = ir_gather(g, ir_transpose(g, v->A), ir_sample(g, 1, 2, 2)); /* rows of A' */
  return AD(S(U(IR_SOFTPLUS, z)), S(M(B2, ir_slice(g, v->B, 0, 2, 0, 2))));
}
static IrNode *c_diag_trace(G, const Vars *v) {
  IrNode *P = ir_matmul(g, v->B, v->A);
  IrNode *tr = S(ir_diagv(g, M(P, P)));
  return AD(tr, S(ir_matvec(g, ir_diagm(g, v->b), M(v->a, v->a))));
}
static IrNode *c_cat(G, const Vars *v) {
  IrNode *parts[3] = {v->a, S(v->b), ir_reshape(g, v->B, shape_vector(6))};
  IrNode *c = ir_cat(g, IR_CAT, parts, 3); /* vector[10] */
  IrNode *w =
      ir_cat(g, IR_CAT, (IrNode *[]){v->b, v->b, ir_reshape(g, v->A, shape_vector(6)), S(v->a)}, 4);
  IrNode *hc = ir_cat(g, IR_HCAT, (IrNode *[]){v->B, v->a}, 2); /* 3x3 */
  IrNode *vc = ir_cat(g, IR_VCAT, (IrNode *[]){v->A, ir_transpose(g, v->B)}, 2); /* 4x3 */
  return AD(ir_dot(g, U(IR_SIN, c), ir_slice(g, w, 0, 10, 0, 1)),
            AD(S(M(hc, hc)), S(M(vc, U(IR_EXP, vc)))));
}
static IrNode *c_mean_norm(G, const Vars *v) {
  IrNode *r = ir_sub(g, M(v->a, v->b), v->d);
  IrNode *norm = U(IR_SQRT, ir_dot(g, r, r));
  IrNode *mean = ir_scale(g, 1.0 / 6, S(M(v->B, v->B)));
  return M(norm, AD(C(1), mean));
}
static IrNode *c_synthetic(G, const Vars *v) {
  /* LancBiO synthetic g with a 3x3 SPD "G" = D'D + I (data only) */
  IrNode *Gm =
      ir_add(g, ir_matmul(g, ir_transpose(g, v->D), v->D), ir_const(g, 0, shape_matrix(3, 3)));
  IrNode *t1 = ir_scale(g, 0.5, S(U(IR_SIN, AD(v->a, v->b))));
  IrNode *t2 = ir_reduce(g, IR_LSE, M(v->a, v->b));
  IrNode *t3 = ir_scale(g, 0.5, ir_dot(g, v->b, M(v->d, v->b)));
  IrNode *t4 = ir_scale(g, 0.5, ir_dot(g, v->b, ir_matvec(g, Gm, v->b)));
  return AD(AD(t1, t2), AD(t3, t4));
}

/* The cheap forms ir.c builds for expensive spellings (see test_cheap_forms): their values
 * and derivatives. Row gathers of row-aligned expressions, (X @ w - t)[B] ... */
static IrNode *c_gather_through(G, const Vars *v) {
  IrNode *z = ir_matvec(g, v->D, M(v->a, v->b)); /* vector[4] */
  IrNode *Z = M(ir_matmul(g, v->D, v->B), ir_bcast_cols(g, U(IR_TANH, z), 2)); /* 4x2 */
  IrNode *r = ir_gather(g, ir_sub(g, ir_powc(g, z, 3), ir_reduce(g, IR_LSE_ROWS, Z)), v->S);
  IrNode *R = ir_gather(g, AD(Z, ir_outer(g, z, ir_slice(g, v->a, 0, 2, 0, 1))), v->S);
  IrNode *w = ir_gather(g, ir_where(g, ir_binary(g, IR_GT, z, C(0)), z, M(C(2), z)), v->S);
  return AD(AD(S(M(r, r)), S(U(IR_SIN, R))), S(M(w, w)));
}
/* ... products with diagonal matrices ... */
static IrNode *c_diag_products(G, const Vars *v) {
  IrNode *L = ir_matmul(g, ir_diagm(g, v->b), v->B);            /* 3x2, rows of B scaled */
  IrNode *R = ir_matmul(g, v->A, ir_diagm(g, U(IR_EXP, v->b))); /* 2x3, columns of A scaled */
  IrNode *DD = ir_matmul(g, ir_diagm(g, v->a), ir_diagm(g, v->b));
  IrNode *I = ir_matmul(g, ir_diagm(g, ir_const(g, 1, shape_vector(3))), v->B);
  return AD(AD(S(U(IR_SIN, ir_matmul(g, R, L))), ir_dot(g, ir_matvec(g, DD, v->b), v->a)),
            S(M(I, U(IR_COS, I))));
}
/* ... products of row- and column-scaled matrices (rowwise, colwise) ... */
static IrNode *c_scaled_products(G, const Vars *v) {
  IrNode *s4 = U(IR_TANH, ir_matvec(g, v->D, v->a));             /* vector[4] of x */
  IrNode *cols = M(v->D, ir_bcast_rows(g, U(IR_EXP, v->a), 4)); /* rowwise(D, exp(a)) */
  IrNode *rows = M(ir_bcast_cols(g, s4, 3), v->D);              /* colwise(D, s4) */
  IrNode *p = ir_matvec(g, cols, v->b), *q = ir_matvec(g, rows, v->b);
  IrNode *P = ir_matmul(g, cols, v->B), *Q = ir_matmul(g, rows, v->B);
  IrNode *u = AD(ir_vecmat(g, q, cols), ir_vecmat(g, p, rows)); /* vector[3] */
  return AD(AD(S(M(p, q)), S(U(IR_SIN, M(P, Q)))), ir_dot(g, u, v->b));
}
/* ... and traces of products. */
static IrNode *c_trace_product(G, const Vars *v) {
  IrNode *t1 = S(ir_diagv(g, ir_matmul(g, v->B, v->A))); /* 3x3 */
  IrNode *t2 = S(ir_diagv(g, ir_matmul(g, v->A, v->B))); /* 2x2 */
  IrNode *Gm = ir_matmul(g, ir_transpose(g, v->D), v->D);
  IrNode *t3 = S(ir_diagv(g, ir_matmul(g, Gm, ir_outer(g, v->b, v->b))));
  IrNode *t4 = S(ir_diagv(g, ir_outer(g, v->a, v->b)));
  return AD(AD(M(t1, t2), t3), t4);
}

#define CASE(fn) \
  static void test_##fn(void **state) { \
    (void)state; check_case(#fn, fn, 7); check_case(#fn, fn, 99); \
  }
CASE(c_exp) CASE(c_log) CASE(c_log1p) CASE(c_sqrt) CASE(c_sincos) CASE(c_tanh) CASE(c_sigmoid)
CASE(c_log_sigmoid) CASE(c_acos_asin) CASE(c_atan_erf) CASE(c_tan)
CASE(c_softplus) CASE(c_abs) CASE(c_relu) CASE(c_powc) CASE(c_maxmin)
CASE(c_div) CASE(c_neg_sub) CASE(c_scalar_bcast)
CASE(c_where) CASE(c_lse) CASE(c_lse_rows) CASE(c_softmax_ce) CASE(c_matmul) CASE(c_matvec)
CASE(c_vecmat) CASE(c_outer) CASE(c_transpose) CASE(c_sum_rows_cols) CASE(c_rowwise_colwise)
CASE(c_slice_reshape) CASE(c_gather) CASE(c_diag_trace) CASE(c_cat) CASE(c_mean_norm)
CASE(c_synthetic) CASE(c_gather_through) CASE(c_diag_products) CASE(c_scaled_products)
CASE(c_trace_product)

/* True when some node reachable from root has op `op`, `rows` rows and `cols` columns (-1:
 * any) and depends on one of `deps` (0: on anything or nothing). */
static bool reaches(IrGraph *g, IrNode *root, IrOp op, int64_t rows, int64_t cols,
                    unsigned deps) {
  IrNode **order;
  size_t n = ir_topo(g, &root, 1, &order);
  for (size_t i = 0; i < n; i++)
    if (order[i]->op == op && (rows < 0 || order[i]->shape.rows == rows) &&
        (cols < 0 || order[i]->shape.cols == cols) && (!deps || ir_depends(order[i], deps)))
      return true;
  return false;
}

/* The expensive spellings become cheap forms (ir.c): the test_cheap_* below pin what the
 * value and gradient of each c_ case above are built from. First each computes what the same
 * expression built as asked (no_simplify) computes. */
typedef struct Cheap {
  Arena arena;
  IrGraph g;
  Vars v;
  IrNode *all; /* the value and the sums of its gradients in x and y */
} Cheap;

static void cheap_build(Cheap *c, const char *name, BuildFn build) {
  arena_init(&c->arena);
  IrGraph raw, *g = &c->g;
  ir_graph_init(g, &c->arena);
  ir_graph_init(&raw, &c->arena);
  raw.no_simplify = true;
  Vars rv;
  make_vars(g, &c->v);
  make_vars(&raw, &rv);
  IrNode *f = build(g, &c->v), *rf = build(&raw, &rv);
  RtRng rng;
  rt_rng_seed(&rng, 5);
  double x[NX], y[NY];
  for (int i = 0; i < NX; i++) x[i] = rt_rng_uniform(&rng, -1, 1);
  for (int i = 0; i < NY; i++) y[i] = rt_rng_uniform(&rng, -1, 1);
  double got = eval_scalar(g, f, x, y, NULL), want = eval_scalar(&raw, rf, x, y, NULL);
  check_close("value", name, &got, &want, 1, 1e-12);
  IrNode *xl[2] = {c->v.a, c->v.A}, *yl[2] = {c->v.b, c->v.B}, *one = ir_scalar(g, 1);
  IrNode *gx[2], *gy[2];
  diff_vjp(g, &f, &one, 1, IR_DEP_X, xl, 2, gx);
  diff_vjp(g, &f, &one, 1, IR_DEP_Y, yl, 2, gy);
  c->all = AD(AD(f, S(gx[0])), AD(S(gx[1]), AD(S(gy[0]), S(gy[1]))));
}

/* (D @ w)[S] is D[S, :] @ w: gathers of the data only, products over the 2 sampled rows,
 * never all 4, and no scatter back to them */
static void test_cheap_gather(void **state) {
  (void)state;
  Cheap c;
  cheap_build(&c, "gather_through", c_gather_through);
  IrGraph *g = &c.g;
  assert_false(reaches(g, c.all, IR_SCATTER, -1, -1, 0));
  assert_false(reaches(g, c.all, IR_MATVEC, 4, -1, 0));
  assert_false(reaches(g, c.all, IR_MATMUL, 4, -1, 0));
  assert_ptr_equal(ir_gather(g, ir_matvec(g, c.v.D, c.v.a), c.v.S),
                   ir_matvec(g, ir_gather(g, c.v.D, c.v.S), c.v.a));
  arena_free(&c.arena);
}

/* diag(u) @ M and M @ diag(u) scale rows and columns: no dense diagonal, no product with it */
static void test_cheap_diag(void **state) {
  (void)state;
  Cheap c;
  cheap_build(&c, "diag_products", c_diag_products);
  IrGraph *g = &c.g;
  assert_false(reaches(g, c.all, IR_DIAGM, -1, -1, 0));
  assert_false(reaches(g, c.all, IR_MATMUL, 3, 3, 0));
  assert_ptr_equal(ir_matmul(g, ir_diagm(g, ir_const(g, 1, shape_vector(3))), c.v.B), c.v.B);
  arena_free(&c.arena);
}

/* rowwise(D, s) @ w = D @ (s * w), colwise(D, s) @ w = s * (D @ w): the data D is
 * multiplied as it is, never scaled per call */
static void test_cheap_scaled(void **state) {
  (void)state;
  Cheap c;
  cheap_build(&c, "scaled_products", c_scaled_products);
  IrGraph *g = &c.g;
  assert_false(reaches(g, c.all, IR_MUL, 4, 3, IR_DEP_X | IR_DEP_Y));
  assert_false(reaches(g, c.all, IR_MUL, 3, 4, IR_DEP_X | IR_DEP_Y));
  assert_ptr_equal(ir_matvec(g, ir_mul(g, c.v.D, ir_bcast_rows(g, c.v.a, 4)), c.v.b),
                   ir_matvec(g, c.v.D, ir_mul(g, c.v.a, c.v.b)));
  arena_free(&c.arena);
}

/* trace(A @ B) = sum(A * B'): no product of variables (only the data-only D'D is one) */
static void test_cheap_trace(void **state) {
  (void)state;
  Cheap c;
  cheap_build(&c, "trace_product", c_trace_product);
  IrGraph *g = &c.g;
  assert_false(reaches(g, c.all, IR_DIAGV, -1, -1, 0));
  assert_false(reaches(g, c.all, IR_DIAGM, -1, -1, 0));
  assert_false(reaches(g, c.all, IR_MATMUL, -1, -1, IR_DEP_X | IR_DEP_Y));
  arena_free(&c.arena);
}

/* Simplifier facts the derivative kernels rely on. */
static void test_simplify(void **state) {
  (void)state;
  Arena arena;
  arena_init(&arena);
  IrGraph g;
  ir_graph_init(&g, &arena);
  Vars v;
  make_vars(&g, &v);
  IrNode *zero = ir_const(&g, 0, shape_vector(3));
  assert_ptr_equal(ir_add(&g, v.a, zero), v.a);
  assert_ptr_equal(ir_mul(&g, v.a, ir_scalar(&g, 1)), v.a);
  assert_true(ir_is_zero(ir_mul(&g, v.a, zero)));
  assert_ptr_equal(ir_transpose(&g, ir_transpose(&g, v.A)), v.A);
  assert_ptr_equal(ir_neg(&g, ir_neg(&g, v.b)), v.b);
  /* hash-consing: the same expression twice is one node, commutative operands canonical */
  assert_ptr_equal(ir_mul(&g, v.a, v.b), ir_mul(&g, v.b, v.a));
  assert_ptr_equal(ir_add(&g, ir_unary(&g, IR_EXP, v.a), v.b),
                   ir_add(&g, v.b, ir_unary(&g, IR_EXP, v.a)));
  /* 0.5 (e y) + 0.5 (e y) = e y */
  IrNode *ey = ir_mul(&g, v.d, v.b);
  assert_ptr_equal(ir_add(&g, ir_scale(&g, 0.5, ey), ir_scale(&g, 0.5, ey)), ey);
  /* sum(fill(c)) folds, sum of a broadcast scalar scales */
  double c;
  assert_true(ir_is_const(ir_reduce(&g, IR_SUM, ir_const(&g, 2, shape_matrix(2, 3))), &c));
  assert_true(c == 12);
  /* the gradient of 0.5 y'Gy for symmetric data G is G y: one matvec */
  uint8_t sym[3] = {0, 0, 1};
  g.sym_data = sym;
  g.nsym_data = 3;
  IrNode *Gm = ir_data(&g, 2, shape_matrix(3, 3));
  IrNode *q = ir_scale(&g, 0.5, ir_dot(&g, v.b, ir_matvec(&g, Gm, v.b)));
  IrNode *one = ir_scalar(&g, 1), *gy;
  diff_vjp(&g, &q, &one, 1, IR_DEP_Y, &v.b, 1, &gy);
  assert_ptr_equal(gy, ir_matvec(&g, Gm, v.b));
  /* so is an elementwise function of symmetric data and scalars (a kernel matrix
   * exp(-s G)): its transpose is itself, and the gradient of 0.5 y'Ky is one matvec K y */
  IrNode *s = ir_unary(&g, IR_EXP, ir_reduce(&g, IR_SUM, v.a));
  IrNode *K = ir_unary(&g, IR_EXP, ir_neg(&g, ir_mul(&g, s, Gm)));
  assert_ptr_equal(ir_transpose(&g, K), K);
  q = ir_scale(&g, 0.5, ir_dot(&g, v.b, ir_matvec(&g, K, v.b)));
  diff_vjp(&g, &q, &one, 1, IR_DEP_Y, &v.b, 1, &gy);
  assert_ptr_equal(gy, ir_matvec(&g, K, v.b));
  /* not so over data not known symmetric, nor when a matrix operand is not symmetric */
  sym[2] = 0;
  IrNode *K2 = ir_unary(&g, IR_EXP, ir_mul(&g, s, Gm));
  assert_int_equal(ir_transpose(&g, K2)->op, IR_TRANSPOSE);
  sym[2] = 1;
  IrNode *B = ir_var(&g, 0, 2, 0, shape_matrix(3, 3));
  assert_int_equal(ir_transpose(&g, ir_mul(&g, Gm, B))->op, IR_TRANSPOSE);
  arena_free(&arena);
}

int main(void) {
  for (int i = 0; i < 12; i++) Ddata[i] = sin(1.0 + i) * 0.8;
  for (int i = 0; i < 3; i++) ddata[i] = 0.3 + 0.2 * i;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_c_exp),
      cmocka_unit_test(test_c_log),
      cmocka_unit_test(test_c_log1p),
      cmocka_unit_test(test_c_sqrt),
      cmocka_unit_test(test_c_sincos),
      cmocka_unit_test(test_c_tanh),
      cmocka_unit_test(test_c_sigmoid),
      cmocka_unit_test(test_c_softplus),
      cmocka_unit_test(test_c_log_sigmoid), cmocka_unit_test(test_c_acos_asin),
    cmocka_unit_test(test_c_atan_erf),
      cmocka_unit_test(test_c_tan),
      cmocka_unit_test(test_c_abs),
      cmocka_unit_test(test_c_relu),
      cmocka_unit_test(test_c_powc),
      cmocka_unit_test(test_c_maxmin),
      cmocka_unit_test(test_c_div),
      cmocka_unit_test(test_c_neg_sub),
      cmocka_unit_test(test_c_scalar_bcast),
      cmocka_unit_test(test_c_where),
      cmocka_unit_test(test_c_lse),
      cmocka_unit_test(test_c_lse_rows),
      cmocka_unit_test(test_c_softmax_ce),
      cmocka_unit_test(test_c_matmul),
      cmocka_unit_test(test_c_matvec),
      cmocka_unit_test(test_c_vecmat),
      cmocka_unit_test(test_c_outer),
      cmocka_unit_test(test_c_transpose),
      cmocka_unit_test(test_c_sum_rows_cols),
      cmocka_unit_test(test_c_rowwise_colwise),
      cmocka_unit_test(test_c_slice_reshape),
      cmocka_unit_test(test_c_gather),
      cmocka_unit_test(test_c_diag_trace),
      cmocka_unit_test(test_c_cat),
      cmocka_unit_test(test_c_mean_norm),
      cmocka_unit_test(test_c_synthetic),
      cmocka_unit_test(test_c_gather_through),
      cmocka_unit_test(test_c_diag_products),
      cmocka_unit_test(test_c_scaled_products),
      cmocka_unit_test(test_c_trace_product),
      cmocka_unit_test(test_cheap_gather),
      cmocka_unit_test(test_cheap_diag),
      cmocka_unit_test(test_cheap_scaled),
      cmocka_unit_test(test_cheap_trace),
      cmocka_unit_test(test_simplify),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
