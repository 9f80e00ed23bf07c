/* ir_ops.c — the table of ir_ops.def as data (IrOpInfo), with each scalar op's arithmetic
 * bound to its runtime/rt_scalar.h function. Its own file because the front end reads it
 * too: sema folds the elementwise builtins through it (builtins.def maps them to ops). */
#include <stddef.h>

#include "ir/ir.h"
#include "rt_scalar.h"

const IrOpInfo ir_ops[IR_OP_COUNT] = {
#define FN1(f) #f, f, NULL
#define FNP(f) #f, NULL, f
#define FN2(f) #f, NULL, f
#define NOFN NULL, NULL, NULL
#define X(id, name, nargs, cls, flags, cost, fn, c_op) {name, nargs, cls, flags, cost, fn, c_op},
#include "ir/ir_ops.def"
#undef X
#undef FN1
#undef FNP
#undef FN2
#undef NOFN
};
