/* options.h — resolving the method and its options for a run: the program's `solve`
 * declaration, then --method, then every --set key=value, validated against the method
 * catalogue (runtime/rt_methods.h). */
#ifndef BLOC_OPTIONS_H
#define BLOC_OPTIONS_H

#include <stddef.h>

#include "blo.h"
#include "rt_methods.h"

/* Fill opt for `method` (NULL: the program's own). Options of the program's solve declaration
 * that the chosen method does not have are skipped with a warning on stderr (only when the
 * method was overridden). sets[i] are "key=value". Returns 0, or 1 after printing an error. */
int opt_resolve(const BloCompiled *c, const char *cmd, const char *method, const char *const *sets, int nsets,
                RtOptions *opt);

/* The method called `name`, or NULL after printing "bloc CMD: error: unknown method" with the
 * list of methods and a did-you-mean hint. */
const RtMethodSpec *opt_find_method(const char *cmd, const char *name);

/* Split an argument of --set, "key=value": copies key into key[keysize] (truncated) and points
 * *value into `set`. Returns 0, or 1 after printing an error when it is not key=value. */
int opt_split_set(const char *cmd, const char *set, char *key, size_t keysize, const char **value);

#endif
