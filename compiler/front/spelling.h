/* spelling.h — hints for names and operators brought from Python, NumPy and PyTorch: the
 * scanner (`np.sum`, `x.T`, `**`) and sema (an unknown function such as `maximum`) tell the
 * user how .blo spells the same thing. The table is in spelling.c. */
#ifndef BLOC_SPELLING_H
#define BLOC_SPELLING_H

#include <stdbool.h>
#include <stddef.h>

/* For a function name that is not a .blo builtin or fn (`maximum`, `clamp`, `amax`): a
 * one-line hint saying how .blo writes it, or NULL when the name is not a known spelling. */
const char *spelling_function_hint(const char *name);

/* Whether the builtin `near`, the closest name to the unknown function `name`, is another
 * function by name: `name` with an inverse's "a" or "arc" or a hyperbolic "h" put on or taken
 * off (alog -> log, acot -> cot, expm -> exp is not). "did you mean" must not offer it: tan
 * was told "did you mean 'atan'?", and following that changed the problem with no error. */
bool spelling_other_function(const char *name, const char *near);

/* For a reduction given an axis (`sum(A, 1)`, `sum(b, axis = 0)`) or NumPy's one-argument
 * `max(x)`: writes into buf the hint naming the row and column forms (sum, mean, logsumexp)
 * or saying max(a, b) is elementwise (max, min). False, buf untouched, for any other name. */
bool spelling_reduction_hint(const char *name, char *buf, size_t n);

/* For a word written before an objective's name where .blo has `objective` (`upper maximize
 * f = ...`, `lower minimise g = ...`, `upper objective max f = ...`): writes into buf the hint
 * saying that bloc minimises both levels and how the declaration reads, for the level `level`
 * ("upper" or "lower") and the objective's name `name`. False, buf untouched, for any other
 * word. */
bool spelling_objective_hint(const char *word, const char *level, const char *name, char *buf,
                             size_t n);

/* The hint for a constraint written as other modelling languages do (AMPL's `subject to` and
 * `s.t.`, MiniZinc's `constraint`, JuMP's `@constraint`, Pyomo's `Constraint`): how .blo
 * constrains an upper variable, and how a lower one is kept feasible without a constraint
 * (doc/language.md §3a). */
extern const char spelling_constraint_hint[];

/* For a dotted name (`np.sum`, `torch.clamp`, `x.T`, `y.sum`), which .blo never has: writes a
 * one-line hint into buf (always, at most n bytes with the NUL) for the error the scanner
 * reports. */
void spelling_dotted_hint(const char *dotted, char *buf, size_t n);

#endif
