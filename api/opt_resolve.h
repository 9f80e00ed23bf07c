/* opt_resolve.h — resolving the method and its options for a run, without printing: the
 * program's `solve` declaration, then another method, then key=value settings, validated
 * against the method catalogue (runtime/rt_methods.h). Errors and warnings go to an OptSink:
 * the C API (api/) keeps them as diagnostics, the bloc command's wrappers (driver/options.h)
 * print them. */
#ifndef BLOC_OPT_RESOLVE_H
#define BLOC_OPT_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>

#include "blo.h"
#include "rt_methods.h"

/* level is DIAG_ERROR or DIAG_WARNING; hint may be NULL. */
typedef void (*OptReportFn)(void *ctx, int level, const char *msg, const char *hint);
typedef struct OptSink {
  OptReportFn fn;
  void *ctx;
  const char *set_label; /* how messages name a setting "key=value": "--set" on the command
                            line, "option" in the C API */
  /* Optional: an option of the program's solve declaration that the overriding method does
   * not have or use goes here (with ignored_ctx) instead of a warning of its own: bloc compare
   * groups them, where 11 methods over lancbio's solve line printed 47 warnings. */
  void (*ignored)(void *ctx, const char *key);
  void *ignored_ctx;
} OptSink;

/* Fill opt for `method` (NULL: the program's own). Options of the program's solve declaration
 * that the chosen method does not have or does not use (opt_applies) are skipped with a
 * warning (only when the method was overridden). sets[i] are "key=value", aimed at this
 * method: one it does not use is an error. They override the program's options, an alias
 * included. Returns 0, or 1 after reporting an error. */
int opt_resolve_to(const BloCompiled *c, const OptSink *sink, const char *method,
                   const char *const *sets, int nsets, RtOptions *opt);

/* The rules between the resolved options (rt_options_check, as the solver checks them), then
 * tol refused on a problem that samples its data (as the solver refuses it, rt_solver_new:
 * every estimate is one draw's), on opt as opt_resolve_to left it with `sets`: an error
 * naming the last of `sets` that gave one of the two options involved ("--set m_max=5: ...");
 * when none did, on c's Diag at the solve line's option that still holds, with its location,
 * a note at the other. Sema leaves these rules here, where a setting (--set, the API's
 * options) or another method (--method) may mend what the solve line breaks. Separate from
 * opt_resolve_to because bloc compare sets more options after it. Returns 0, or 1 after
 * reporting the error. */
int opt_check_rules_to(BloCompiled *c, const OptSink *sink, const RtOptions *opt,
                       const char *const *sets, int nsets);

/* opt_check_rules_to with settings named otherwise than "KEY=VALUE" (bloc compare's
 * "LABEL.KEY=VALUE"): setkeys[i] is the option sets[i] gave, hints[i] (hints may be NULL) a
 * hint for an error that names sets[i], or NULL. */
int opt_check_rules_keyed(BloCompiled *c, const OptSink *sink, const RtOptions *opt,
                          const char *const *sets, const char *const *setkeys,
                          const char *const *hints, int nsets);

/* Whether method m has option `key` and uses it (exact lists y_step but has no use for it). */
bool opt_applies(const RtMethodSpec *m, const char *key);

/* Whether opt's method suits the program (the facts of bloc check's "suits" line). A lower
 * objective with abs, relu, max, min or clip of y, or a comparison or where() condition on y
 * (Program.nonsmooth_op), has no second derivatives there: a method built on them (every
 * method but the unrolled ones) gets a wrong hypergradient where y*(x) sits on the kink, as a
 * minimiser of a kinked objective often does, and may converge to a wrong point; the method
 * option allow_nonsmooth = true lets it run. A kink at 0 under a square (relu(z) ^ 2) is C1,
 * not a kink: it is not refused (compiler/front/sema_builtins.c).
 * A method cannot move x when the program uses x in none
 * of the parts its estimate takes x from (RtMethodSpec.x_via: fom, f and y0; an implicit
 * method, f and g), or only in comparisons (sema_x_uses). Returns 0 when the
 * method may run, or 1 after an error (on c's Diag) with a hint. */
int opt_check_suits(BloCompiled *c, const RtOptions *opt);
/* opt_check_suits without its warning: its errors alone (checked before the data stage,
 * where a warning would come twice). */
int opt_refuses_method(BloCompiled *c, const RtOptions *opt);

/* The method called `name`, or NULL after reporting "unknown method" with the list of
 * methods and a did-you-mean hint. */
const RtMethodSpec *opt_find_method_to(const OptSink *sink, const char *name);

/* Split a setting "key=value": copies key into key[keysize] (truncated) and points *value
 * into `set`. Returns 0, or 1 after reporting an error when it is not key=value. */
int opt_split_set_to(const OptSink *sink, const char *set, char *key, size_t keysize,
                     const char **value);

#endif
