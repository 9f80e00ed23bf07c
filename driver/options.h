/* options.h — resolving the method and its options for a run: the program's `solve`
 * declaration, then --method, then every --set key=value, validated against the method
 * catalogue (runtime/rt_methods.h). */
#ifndef BLOC_OPTIONS_H
#define BLOC_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "blo.h"
#include "rt_methods.h"

/* Fill opt for `method` (NULL: the program's own). Options of the program's solve declaration
 * that the chosen method does not have or does not use (opt_applies) are skipped with a
 * warning on stderr (only when the method was overridden). sets[i] are "key=value", aimed at
 * this method: one it does not use is an error. They override the program's options, an alias
 * included. Returns 0, or 1 after printing an error. */
int opt_resolve(const BloCompiled *c, const char *cmd, const char *method, const char *const *sets,
                int nsets, RtOptions *opt);

/* Whether method m has option `key` and uses it (exact lists y_step but has no use for it). */
bool opt_applies(const RtMethodSpec *m, const char *key);

/* Set key=value in opt as a later, more specific source than `earlier` (opt as it was before
 * this source): an alias of key that `earlier` had set gives way instead of disagreeing
 * (--set r=500 over the program's inner_steps = 20). Returns rt_options_set's error or NULL. */
const char *opt_set_over(RtOptions *opt, const RtOptions *earlier, const char *key,
                         const char *value);

/* A lower objective with abs, relu, max, min or clip of y (Program.nonsmooth_op) has no
 * second derivatives there: a method built on them (every method but the unrolled ones)
 * would converge to a wrong point. Returns 0 when opt's method may run, or 1 after an error at the
 * operation with a hint; the method option allow_nonsmooth = true lets it run. */
int opt_check_smooth(BloCompiled *c, const RtOptions *opt);

/* The method called `name`, or NULL after printing "bloc CMD: error: unknown method" with the
 * list of methods and a did-you-mean hint. */
const RtMethodSpec *opt_find_method(const char *cmd, const char *name);

/* Split an argument of --set, "key=value": copies key into key[keysize] (truncated) and points
 * *value into `set`. Returns 0, or 1 after printing an error when it is not key=value. */
int opt_split_set(const char *cmd, const char *set, char *key, size_t keysize, const char **value);

#endif
