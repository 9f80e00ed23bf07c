/* lower.h — from a checked Program (typed AST) to the IR form of the problem (IrProblem).
 * Two phases, because knowing data values can simplify derivatives (a data matrix found
 * symmetric lets G' @ y become G @ y, halving the work of a gradient):
 *   lower_begin   data stage graphs, variables, upper initial values;
 *   lower_finish  objectives, reports, lower initialisers — after data_symmetric is final.
 * Then kern_build (problem.h) derives every ABI kernel. */
#ifndef BLOC_LOWER_H
#define BLOC_LOWER_H

#include "support/diag.h"
#include "ir/problem.h"
#include "front/sema.h"

/* Build the data stage. Statically symmetric data (random_spd, eye, diag) is marked at once.
 * Returns NULL only on internal inconsistency (reported through diag). */
IrProblem *lower_begin(Arena *arena, Diag *diag, const Program *prog);

/* Lower f, g, reports and the lower initialisers. Returns 0, or -1 after reporting. */
int lower_finish(IrProblem *p, Diag *diag);

/* Mark data tensor k as a symmetric matrix (the caller checked its values). Must precede
 * lower_finish. */
void lower_mark_symmetric(IrProblem *p, int k);

#endif
