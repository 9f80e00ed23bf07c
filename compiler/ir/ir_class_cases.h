/* ir_class_cases.h — included inside a switch over IrOp: a `case ID:` label for every op of
 * ir_ops.def in the classes the includer asked for, by defining IRC_CASE_<class>(id) as
 * `case id:` first, e.g.
 *     #define IRC_CASE_IRC_EW1(id) case id:
 *     #include "ir/ir_class_cases.h"
 *       ...handle every elementwise unary op from the table...
 * A switch that treats a class as one stays exhaustive without `default:` this way, so
 * -Wswitch still names every other op it forgets, and a new op of the class needs no edit.
 * The header undefines every IRC_CASE_* again: include it once per class group. */
#ifndef IRC_CASE_IRC_LEAF
#define IRC_CASE_IRC_LEAF(id)
#endif
#ifndef IRC_CASE_IRC_EW1
#define IRC_CASE_IRC_EW1(id)
#endif
#ifndef IRC_CASE_IRC_EW2
#define IRC_CASE_IRC_EW2(id)
#endif
#ifndef IRC_CASE_IRC_EW3
#define IRC_CASE_IRC_EW3(id)
#endif
#ifndef IRC_CASE_IRC_REDUCE
#define IRC_CASE_IRC_REDUCE(id)
#endif
#ifndef IRC_CASE_IRC_LINALG
#define IRC_CASE_IRC_LINALG(id)
#endif
#ifndef IRC_CASE_IRC_STRUCT
#define IRC_CASE_IRC_STRUCT(id)
#endif
#ifndef IRC_CASE_IRC_GEN
#define IRC_CASE_IRC_GEN(id)
#endif
#define X(id, name, nargs, cls, ...) IRC_CASE_##cls(id)
#include "ir/ir_ops.def"
#undef X
#undef IRC_CASE_IRC_LEAF
#undef IRC_CASE_IRC_EW1
#undef IRC_CASE_IRC_EW2
#undef IRC_CASE_IRC_EW3
#undef IRC_CASE_IRC_REDUCE
#undef IRC_CASE_IRC_LINALG
#undef IRC_CASE_IRC_STRUCT
#undef IRC_CASE_IRC_GEN
