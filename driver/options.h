/* options.h — resolving the method and its options for a bloc command: the program's `solve`
 * declaration, then --method, then every --set key=value (api/opt_resolve.h, which also
 * declares opt_applies and opt_check_suits), errors printed. */
#ifndef BLOC_OPTIONS_H
#define BLOC_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "blo.h"
#include "rt_methods.h"
#include "opt_resolve.h"

/* The C API's resolution (api/opt_resolve.h) with its messages printed on stderr as
 * "bloc CMD: error: ..." (warnings likewise, unless quiet) and "hint: ...". */
int opt_resolve(const BloCompiled *c, const char *cmd, bool quiet, const char *method,
                const char *const *sets, int nsets, RtOptions *opt);

/* opt_resolve without sets, each option of the program's solve declaration that `method`
 * does not have or use passed to ignored(ctx, key) rather than warned about (bloc compare
 * prints them grouped). */
int opt_resolve_collect(const BloCompiled *c, const char *cmd, bool quiet, const char *method,
                        RtOptions *opt, void (*ignored)(void *ctx, const char *key), void *ctx);

/* opt_check_rules_to (the rules between options, after opt_resolve with the same sets), its
 * error printed likewise. */
int opt_check_rules(BloCompiled *c, const char *cmd, const RtOptions *opt,
                    const char *const *sets, int nsets);

/* opt_check_rules_keyed (bloc compare's settings "LABEL.KEY=VALUE", keys[i] the option of
 * sets[i], hints[i] NULL or a hint for an error naming it), its error printed likewise:
 * "bloc CMD: error: --set LABEL.KEY=VALUE: ..." or, for the solve line's options, at their
 * location. */
int opt_check_rules_named(BloCompiled *c, const char *cmd, const RtOptions *opt,
                          const char *const *sets, const char *const *keys,
                          const char *const *hints, int nsets);

/* The method called `name`, or NULL after printing "bloc CMD: error: unknown method" with the
 * list of methods and a did-you-mean hint. */
const RtMethodSpec *opt_find_method(const char *cmd, const char *name);

/* Split an argument of --set, "key=value": copies key into key[keysize] (truncated) and points
 * *value into `set`. Returns 0, or 1 after printing an error when it is not key=value. */
int opt_split_set(const char *cmd, const char *set, char *key, size_t keysize, const char **value);

#endif
