/* builtin_ew_cases.h — included inside a switch over BuiltinId: a `case ID:` label for every
 * EW row of builtins.def (a builtin that is one elementwise IR op, ast_builtins[id].ir_op).
 * The switch then handles that class from the table and stays exhaustive without `default:`,
 * so -Wswitch still names every other builtin a switch forgets. No include guard: it is
 * meant to be included once per switch. */
#define X(id, name, lo, hi, flags)
#define EW(id, name, nargs, flags, op) case id:
#include "front/builtins.def"
#undef X
#undef EW
