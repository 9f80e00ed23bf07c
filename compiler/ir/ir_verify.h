/* ir_verify.h — checks between passes, in the spirit of QBE's ssacheck: the IR verifier
 * (every node of a graph obeys its op's rule in ir_ops.def) and the plan verifier
 * (schedule_verify.c: buffer bounds, liveness, step order). The compiler runs them after
 * every pass when BLOC_VERIFY is set (make check always sets it); a failure is bloc's bug, so
 * the caller reports it as an internal error naming the pass, and exits with status 3. */
#ifndef BLOC_IR_VERIFY_H
#define BLOC_IR_VERIFY_H

#include <stdbool.h>
#include <stddef.h>

#include "ir/problem.h"

/* Whether BLOC_VERIFY asks for the checks (set and not "0"). Read once. */
bool ir_verify_enabled(void);

/* Why an op with these operand shapes and attributes cannot produce `out`: writes a reason
 * into why and returns false, or returns true when the shapes obey the op's class rule
 * (elementwise equal-or-scalar, conformable products, slices in bounds, equal reshape sizes,
 * reduction output shapes). Shared by the IR and plan verifiers. */
bool ir_verify_shapes(int op, Shape out, const Shape *args, int nargs, const int64_t attr[4],
                      char *why, size_t whylen);

/* The shape of data tensor k of p (declared or hoisted); false when p does not say (problems
 * built by hand in unit tests have no program). */
bool ir_problem_data_shape(const IrProblem *p, int k, Shape *s);

/* Every node of p's graph against its op's rule (leaves inside p's variables, data and
 * samples), then every kernel output: slot and
 * offset inside the kernel's slots. Returns 0 or -1 with a message in err. */
int ir_verify_problem(const IrProblem *p, char *err, size_t errlen);

/* ir_verify_problem when ir_verify_enabled(): on failure prints "bloc: internal error: IR
 * verification failed after PASS: ..." on stderr and exits with status 3. */
void ir_verify_after(const IrProblem *p, const char *pass);

#endif
