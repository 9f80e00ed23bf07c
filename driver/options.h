/* options.h — resolving the method and its options for a run: the program's `solve`
 * declaration, then --method, then every --set key=value, validated against the method
 * catalogue (runtime/rt_methods.h). */
#ifndef BLOC_OPTIONS_H
#define BLOC_OPTIONS_H

#include "blo.h"
#include "rt_methods.h"

/* Fill opt for `method` (NULL: the program's own). Options of the program's solve declaration
 * that the chosen method does not have are skipped with a warning on stderr (only when the
 * method was overridden). sets[i] are "key=value". Returns 0, or 1 after printing an error. */
int opt_resolve(const BloCompiled *c, const char *cmd, const char *method, const char *const *sets, int nsets,
                RtOptions *opt);

#endif
