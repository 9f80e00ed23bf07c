/* rt_scalar.h — the arithmetic of every elementwise scalar op of the IR, defined once. Sema's
 * constant folding (compiler/front/sema_const.c), the IR folder and the reference evaluator
 * (compiler/ir/ir.c, eval.c) call these functions, the emitted C calls them through the runtime
 * amalgamation, and the LLVM codegen (compiler/llvm/cg_llvm_expr.c) builds the same operations in
 * the same order, so a value never depends on where it was computed (tests/unit/test_scalar_ops
 * checks every op bit for bit across all four). Plain C99; RT_MAYBE_UNUSED because the
 * amalgamation of emitted C includes every op, and clang warns about unused static ones.
 *
 * Transcendentals are the C library's (exp, log, log1p, sin, cos, tan, tanh, acos, asin, atan,
 * erf, pow): the JIT calls the
 * same functions. Where a formula has several operations they are separate statements, so that
 * a compiler allowed to contract within an expression (clang's default -ffp-contract=on) still
 * rounds each one, as the JIT does. */
#ifndef BLOC_RT_SCALAR_H
#define BLOC_RT_SCALAR_H

#include <math.h>

#include "rt_api.h"

/* ---- unary */
static inline RT_MAYBE_UNUSED double rt_op_neg(double a) { return -a; }
static inline RT_MAYBE_UNUSED double rt_op_exp(double a) { return exp(a); }
static inline RT_MAYBE_UNUSED double rt_op_log(double a) { return log(a); }
static inline RT_MAYBE_UNUSED double rt_op_log1p(double a) { return log1p(a); }
static inline RT_MAYBE_UNUSED double rt_op_sqrt(double a) { return sqrt(a); }
static inline RT_MAYBE_UNUSED double rt_op_sin(double a) { return sin(a); }
static inline RT_MAYBE_UNUSED double rt_op_cos(double a) { return cos(a); }
/* finite for every finite a: no double is a pole (pi/2 rounds to one where tan is 1.6e16) */
static inline RT_MAYBE_UNUSED double rt_op_tan(double a) { return tan(a); }
static inline RT_MAYBE_UNUSED double rt_op_tanh(double a) { return tanh(a); }
/* acos and asin are NaN outside [-1, 1], as NumPy's arccos and arcsin */
static inline RT_MAYBE_UNUSED double rt_op_acos(double a) { return acos(a); }
static inline RT_MAYBE_UNUSED double rt_op_asin(double a) { return asin(a); }
static inline RT_MAYBE_UNUSED double rt_op_atan(double a) { return atan(a); }
static inline RT_MAYBE_UNUSED double rt_op_erf(double a) { return erf(a); }

/* 1 / (1 + e^-a) for a >= 0, e^a / (1 + e^a) below: t = e^-|a| never overflows, and the
 * negative side keeps its relative accuracy (1 - sigmoid(|a|) would cancel). */
static inline RT_MAYBE_UNUSED double rt_op_sigmoid(double a) {
  const double t = exp(-fabs(a));
  const double d = 1 + t;
  return a >= 0 ? 1 / d : t / d;
}

/* log(1 + e^a) = max(a, 0) + log1p(e^-|a|), without overflow for large a. */
static inline RT_MAYBE_UNUSED double rt_op_softplus(double a) {
  const double l = log1p(exp(-fabs(a)));
  return a > 0 ? a + l : l;
}

/* log(sigmoid(a)) = min(a, 0) - log1p(e^-|a|) = -softplus(-a), bit for bit: the log-likelihood
 * of logistic models, accurate where log(sigmoid(a)) would underflow to log(0) (a < -745). */
static inline RT_MAYBE_UNUSED double rt_op_log_sigmoid(double a) {
  const double l = log1p(exp(-fabs(a)));
  return a < 0 ? a - l : -l;
}

static inline RT_MAYBE_UNUSED double rt_op_abs(double a) { return fabs(a); }
static inline RT_MAYBE_UNUSED double rt_op_relu(double a) { return a > 0 ? a : 0; } /* NaN -> 0 */
static inline RT_MAYBE_UNUSED double rt_op_sign(double a) { return a > 0 ? 1 : a < 0 ? -1 : 0; }
static inline RT_MAYBE_UNUSED double rt_op_step(double a) { return a > 0 ? 1 : 0; }
/* a ^ p for a constant p; ^ 0.5 is sqrt (the IR rewrites it so): pow(-0, 0.5) would be +0
 * and pow(-inf, 0.5) +inf where sqrt gives -0 and NaN. */
static inline RT_MAYBE_UNUSED double rt_op_powc(double a, double p) {
  return p == 0.5 ? sqrt(a) : pow(a, p);
}
static inline RT_MAYBE_UNUSED double rt_op_floor(double a) { return floor(a); }
/* half away from zero */
static inline RT_MAYBE_UNUSED double rt_op_round(double a) { return round(a); }

/* ---- binary */
static inline RT_MAYBE_UNUSED double rt_op_add(double a, double b) { return a + b; }
static inline RT_MAYBE_UNUSED double rt_op_sub(double a, double b) { return a - b; }
static inline RT_MAYBE_UNUSED double rt_op_mul(double a, double b) { return a * b; }
static inline RT_MAYBE_UNUSED double rt_op_div(double a, double b) { return a / b; }

/* The sign of the divisor, as Python: mod(-1, 3) = 2; mod(a, 0) is NaN. */
static inline RT_MAYBE_UNUSED double rt_op_mod(double a, double b) {
  const double q = floor(a / b);
  const double m = b * q;
  return b == 0 ? NAN : a - m;
}

/* The larger (smaller) of a and b; a NaN on either side gives NaN, as NumPy's maximum. At a
 * tie the first argument is returned, and the derivative follows the same rule (compiler/
 * diff.c): d max(a, b) = da where a >= b, db where a < b, so clip(x, lo, hi) passes the
 * derivative of x on the closed interval [lo, hi], as torch.clamp does. */
static inline RT_MAYBE_UNUSED double rt_op_max(double a, double b) {
  return (a >= b || a != a) ? a : b;
}
static inline RT_MAYBE_UNUSED double rt_op_min(double a, double b) {
  return (a <= b || a != a) ? a : b;
}

/* Comparisons give 1 or 0; != is true when either side is NaN, as in C. */
static inline RT_MAYBE_UNUSED double rt_op_lt(double a, double b) { return a < b ? 1 : 0; }
static inline RT_MAYBE_UNUSED double rt_op_le(double a, double b) { return a <= b ? 1 : 0; }
static inline RT_MAYBE_UNUSED double rt_op_gt(double a, double b) { return a > b ? 1 : 0; }
static inline RT_MAYBE_UNUSED double rt_op_ge(double a, double b) { return a >= b ? 1 : 0; }
static inline RT_MAYBE_UNUSED double rt_op_eq(double a, double b) { return a == b ? 1 : 0; }
static inline RT_MAYBE_UNUSED double rt_op_ne(double a, double b) { return a != b ? 1 : 0; }

#endif
