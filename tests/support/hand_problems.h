/* hand_problems.h — IR problems built by hand (no front end) for the JIT's tests and the
 * kernel benchmark: LancBiO's synthetic problem and data hyper-cleaning, plus the standard
 * derivative kernels of blo_abi.h derived from any f and g with diff_vjp / diff_jvp. */
#ifndef BLOC_HAND_PROBLEMS_H
#define BLOC_HAND_PROBLEMS_H

#include "ir/problem.h"

/* Start an empty problem in arena a (graph initialised, no variables). */
void hp_init(IrProblem *p, Arena *a);

/* Declare an upper (level 0) or lower (level 1) variable of the given shape; returns its leaf.
 * Offsets follow declaration order. Lower variables also get their direction leaf. */
IrNode *hp_var(IrProblem *p, int level, Shape shape);

/* Fill p->kernels (F, G, GRAD_F, GRAD_Y_G, HVP_YY, HVP_XY, GRAD_Y_G_HVP_YY, HVP_BOTH) from p->f
 * and p->g (either may be NULL: its kernels are left empty). */
void hp_derive(IrProblem *p);

/* LancBiO synthetic (LANGUAGE.md §1): data 0 c, 1 d, 2 e (vectors n), 3 G (symmetric n x n). */
void hp_synthetic(IrProblem *p, Arena *a, int64_t n, double gamma);

/* Hyper-cleaning (ALGORITHMS.md §2): x = lambda [m], y = W [nf x nc]; data 0 X [m x nf],
 * 1 Y one-hot [m x nc], 2 Xv [mv x nf], 3 Yv [mv x nc].
 * g = mean_i sigmoid(lambda_i) CE(X_i W, Y_i) + 0.01 |W|^2, f = mean CE(Xv W, Yv). */
void hp_hyperclean(IrProblem *p, Arena *a, int64_t m, int64_t mv, int64_t nf, int64_t nc);

#endif
