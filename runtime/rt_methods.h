/* rt_methods.h — the catalogue of solve methods and their options: names, kinds, defaults,
 * bounds. Sema validates `solve` options and `--set` against it; solvers read resolved values
 * from an RtOptions filled from it. One table, so the checker and the runtime never disagree. */
#ifndef BLOC_RT_METHODS_H
#define BLOC_RT_METHODS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rt_api.h"

/* C++ programs link against libbloc's C symbols (blo_abi.h and bloc.h do the same) */
#ifdef __cplusplus
extern "C" {
#endif

typedef enum RtOptKind {
  RT_OPT_INT,   /* an integer in [min, max] */
  RT_OPT_REAL,  /* a real in [min, max]; NaN default = "derived" (see help) */
  RT_OPT_WORD,  /* one of the words in `words` */
  RT_OPT_REAL_OR_WORD /* a real in [min, max] or one of `words` (e.g. q = 0.1 | adaptive) */
} RtOptKind;

typedef struct RtOptSpec {
  const char *name;
  RtOptKind kind;
  double def;          /* default number (NaN: derived from another option, see help) */
  const char *def_word;/* default word for WORD options (or REAL_OR_WORD defaulting to a word) */
  const char *words;   /* "|"-separated allowed words */
  double min, max;
  const char *help;
} RtOptSpec;

typedef struct RtMethodSpec {
  const char *name;
  const char *summary;
  const RtOptSpec *opts;
  int nopts;
  bool unrolled;       /* lower level is an unrolled loop restarted from y0 = Phi(x) */
  bool needs_small_y;  /* exact: dense solve in y */
  bool fused_hvp_both; /* its steps call BLO_K_HVP_BOTH (A v and J v at one point) */
  unsigned needs;      /* optional kernels its steps cannot do without (RT_NEEDS_*) */
  /* the parts of a program through which x reaches its estimate (RT_X_*): the estimate is
   * identically zero, and x never moves, on a program that uses x in none of them */
  unsigned x_via;
  /* what its eta steps on the lower Hessian A with: v <- v - eta (A v - b) ("the steps on A v =
   * b") or a Neumann series of (I - eta A) ("the Neumann series' terms"), both growing like
   * |1 - eta L|^k when eta L >= 2 (check_eta); NULL: no such eta */
  const char *eta_iterates;
} RtMethodSpec;

/* RtMethodSpec.x_via: where a method's estimate takes x from. The upper objective's own x
 * terms, grad_x f (every method); the lower objective, through grad_xy g (implicit methods) or
 * the inner steps (itd, ufom); the lower initialisers y0 = Phi(x) (the unrolled methods). */
#define RT_X_F 1u
#define RT_X_G 2u
#define RT_X_INIT 4u

/* RtMethodSpec.needs: kernels a problem may leave out, which these methods must have. */
#define RT_NEEDS_GRAD_X_G 1u /* BLO_K_GRAD_X_G (f2sa, hjfbio) */
#define RT_NEEDS_HVP_YX 2u   /* BLO_K_HVP_YX (stable) */
#define RT_NEEDS_G 4u        /* BLO_K_G: g alone (exact's line search) */

/* An array of unknown size cannot be declared static: generated solvers (RT_AMALGAMATION)
 * only use it in rt_methods.c, after its definition. */
#ifndef RT_AMALGAMATION
extern const RtMethodSpec rt_methods[];
#endif
RT_EXTERN const int rt_nmethods;

/* The method called `name`, or NULL. */
RT_API const RtMethodSpec *rt_method_find(const char *name);
/* The method a user most likely meant by `name`, which is no method's name (for "did you
 * mean"): the same letters in another case or with '-' for '_' ("LancBiO", "amigo-gd"), a
 * name the method is known by in papers ("amigo_cg" is aid_cg, "fomaml" fom), else the nearest
 * name by edit distance; NULL when none is near. */
RT_API const char *rt_method_near(const char *name);
/* The option `name` of method m, or NULL. */
RT_API const RtOptSpec *rt_method_option(const RtMethodSpec *m, const char *name);
/* Whether method m's steps (or the run loop's diagnostics) call kernel k. The fused kernels
 * are optional in the ABI (the oracle falls back to the separate ones), and so are grad_x g
 * and J^T u (only the methods whose `needs` name them call them), so a compiler may leave out
 * the ones no method of a run calls, to save compile time. */
RT_API bool rt_method_uses_kernel(const RtMethodSpec *m, int kernel_id);

/* The option of method m nearest to `key` when m has no option `key` (a misspelling: "x_stp"),
 * else NULL (x_step with a bad value is no misspelling of y_step). */
RT_API const char *rt_method_option_near(const RtMethodSpec *m, const char *key);
/* The hint for option `key`, which method m does not have, in buf[len]: "'v_steps' is an
 * option of amigo_gd, not of aid_cg" when other methods have it (a user who switched methods
 * or read another's help; a near misspelling of m's own was the wrong answer there), else
 * "did you mean 'x_step'?" (rt_method_option_near). NULL when there is none. */
RT_API const char *rt_method_option_hint(const RtMethodSpec *m, const char *key, char *buf,
                                         size_t len);
/* The methods that have an option `key` they use, as "a, b and c" (static buffer; "" when
 * none): what `bloc help KEY` names. */
RT_API const char *rt_option_owners(const char *key);

/* Why method m has no use for option `key` although its table lists it (exact: y_step and
 * inner_steps), or NULL when the option is used. */
RT_API const char *rt_method_unused_option(const RtMethodSpec *m, const char *key);
/* Whether the user can change option `key` of m: m lists it, uses it, and takes more than one
 * value of it (soba's inner_steps is 1 only): what a hint may tell the user to raise. */
RT_API bool rt_method_tunable_option(const RtMethodSpec *m, const char *key);
/* Whether m solves the lower level by Newton's method rather than by gradient steps (exact):
 * it has no y_step to halve, report or check against. */
RT_API bool rt_method_newton_lower(const RtMethodSpec *m);
/* The other name of option `key` in method m (unrolled methods: inner_steps <-> r,
 * y_step <-> inner_lr), or NULL when it has none. */
RT_API const char *rt_method_alias(const RtMethodSpec *m, const char *key);

/* Whether `bloc check`, the result JSON, emitted solvers and help list option `key` of m: not
 * an option m has no use for, and of an alias pair only the method's own name (r, inner_lr),
 * with the value of either. */
RT_API bool rt_method_shows_option(const RtMethodSpec *m, const char *key);

/* "a, b, c" list of method names / option names of m (static buffer, for messages; the option
 * names leave out those m has no use for). */
RT_API const char *rt_method_names(void);
RT_API const char *rt_method_option_names(const RtMethodSpec *m);

/* Resolved option values of one run. */
#define RT_MAX_OPTS 32
typedef struct RtOptions {
  const RtMethodSpec *method;
  double num[RT_MAX_OPTS];        /* per option index in method->opts */
  char word[RT_MAX_OPTS][32];     /* word values ("" when the value is numeric) */
  bool set[RT_MAX_OPTS];          /* given explicitly */
} RtOptions;

/* Fill defaults for method m. */
RT_API void rt_options_init(RtOptions *o, const RtMethodSpec *m);
/* Set option `key` from text ("0.1", "adaptive"). Returns NULL on success, or a static
 * message describing what is wrong (unknown option with the valid list, bad value, range). */
RT_API const char *rt_options_set(RtOptions *o, const char *key, const char *value);
/* Set a numeric / word value; same error convention. An option the method has no use for
 * (rt_method_unused_option) is an error. */
RT_API const char *rt_options_set_num(RtOptions *o, const char *key, double value);
RT_API const char *rt_options_set_word(RtOptions *o, const char *key, const char *word);
/* Whether option `key` was given explicitly; forget that it was (its value stays, so that an
 * alias set later is not reported as disagreeing with it). */
RT_API bool rt_options_isset(const RtOptions *o, const char *key);
RT_API void rt_options_unset(RtOptions *o, const char *key);
/* Set key=value in o as a later, more specific source than `earlier` (o as it was before this
 * source, then updated here: key leaves it): an alias of key that `earlier` still has gives
 * way instead of disagreeing (--set r=500 over the program's inner_steps = 20); one this
 * source gave stays, so two settings of one source that disagree (--set r=7 --set
 * inner_steps=8) are the error of the rules between options (rt_options_check) whatever the
 * solve line holds. bloc's settings (opt_resolve_to, bloc compare) and an emitted solver's
 * --set take options this way. Returns rt_options_set's error or NULL. */
RT_API const char *rt_options_set_over(RtOptions *o, RtOptions *earlier, const char *key,
                                       const char *value);
/* Whether the method and options of o draw the hypergradient estimate at random on a
 * deterministic problem too: BSA and TTSA (the Neumann truncation), UFOM unless q = 1 (its
 * coin). One step's |d| then says nothing about stationarity (tol is refused). */
RT_API bool rt_method_random_estimate(const RtOptions *o);
/* Whether a random estimate of o is exactly 0 by design on some draws: UFOM with q < 1 (or
 * adaptive), whose estimate is g_F on a step without the exact draw, 0 where f has no x term.
 * Not BSA's or TTSA's: v = Q eta (I - eta A)^q b is nonzero for every q when b is, so their
 * estimate is exactly 0 only where an exact one would be (the surge test's collapse). */
RT_API bool rt_method_zero_draws(const RtOptions *o);
/* The rules between options, which no single value breaks: an alias pair set to different
 * values, lancbio's m0 > m_max, soba's inner_steps other than 1, tol with a random estimate
 * (rt_method_random_estimate). NULL when o keeps them, else
 * a static message, and keys[0], keys[1] the two options it is about (the same one twice for
 * a rule on one option; q and tol for ufom's random tol), to point at the one given last. The
 * solver and the option resolution (opt_check_rules_to: bloc run, check, compare, emit-c, the
 * API) call this one function, after the settings, which may mend a solve line's options. */
RT_API const char *rt_options_check(const RtOptions *o, const char *keys[2]);
/* The settings behind a broken rule between options (rt_options_check's keys), of sets[0..n)
 * ("KEY=VALUE"; setkeys[i], when setkeys is not NULL, is sets[i]'s key, as bloc compare's
 * "LABEL.KEY=VALUE" settings have): `last` the last setting that gave either key (-1: none,
 * the solve line or the defaults broke the rule), `other` the last before it that gave the
 * other key (-1: none, or a rule on one option), `alias` whether the two keys name one option
 * (an unrolled method's alias pair, r and inner_steps). bloc's option resolution and the
 * emitted solver's --set name the settings this finds. */
typedef struct RtRuleBy {
  int last, other;
  bool alias;
} RtRuleBy;
RT_API RtRuleBy rt_rule_settings(const char *const keys[2], const char *const *sets,
                                 const char *const *setkeys, int nsets);
/* The hint for two settings that broke a rule together (by.other >= 0): for an alias pair that
 * they name one option; NULL for two options (lancbio's m0 and m_max), where naming both is
 * all there is to say. */
RT_API const char *rt_rule_pair_hint(RtRuleBy by);
/* The refusal of option tol where method's hypergradient estimate is random: the method draws
 * it (sampled false: rt_options_check), or the problem samples its data (sampled true: the
 * solver, bloc check and the commands' option checks, which know the problem). Into buf (n
 * bytes); returns buf. */
RT_API const char *rt_tol_refusal(char *buf, size_t n, const char *method, bool sampled);
/* Give an alias pair of an unrolled method one value: the method's own name (r, inner_lr)
 * takes the common one's (inner_steps, y_step) when only that was set, and counts as set;
 * the common name then holds the value used. Call after rt_options_check. */
RT_API void rt_options_resolve_aliases(RtOptions *o);
/* A seed given as text (--seed N, what = "--seed"): a decimal integer in the range of the
 * option 'seed', [0, 2^53 - 1], which the options' doubles and the result JSON hold exactly.
 * NULL with *seed set, or a static message "WHAT expects ..., got 'TEXT'" naming the text as
 * given (never a rounded value). */
RT_API const char *rt_seed_parse(const char *what, const char *text, uint64_t *seed);
/* Lookups by name (the option must exist in the method: asserts otherwise). */
RT_API double rt_opt_num(const RtOptions *o, const char *key);
RT_API int rt_opt_int(const RtOptions *o, const char *key);
RT_API const char *rt_opt_word(const RtOptions *o, const char *key); /* NULL if numeric */

#ifdef __cplusplus
}
#endif
#endif
