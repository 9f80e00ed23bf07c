/* opt_resolve.c — method and option resolution shared by the C API and the bloc command
 * (opt_resolve.h). Messages are built here and handed to the caller's OptSink. */
#include "opt_resolve.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rt_fmt.h"
#include "support/diag.h"

static void report(const OptSink *sink, int level, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void report(const OptSink *sink, int level, const char *hint, const char *fmt, ...) {
  char msg[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  sink->fn(sink->ctx, level, msg, hint);
}

/* "did you mean 'NEAR'?" into buf, or NULL when nothing is near. */
static const char *did_you_mean(char *buf, size_t n, const char *near) {
  if (!near) return NULL;
  snprintf(buf, n, "did you mean '%s'?", near);
  return buf;
}

const RtMethodSpec *opt_find_method_to(const OptSink *sink, const char *name) {
  const RtMethodSpec *m = rt_method_find(name);
  if (m) return m;
  char hint[128];
  report(sink, DIAG_ERROR, did_you_mean(hint, sizeof hint, rt_method_near(name)),
         "unknown method '%s'; methods: %s", name, rt_method_names());
  return NULL;
}

int opt_split_set_to(const OptSink *sink, const char *set, char *key, size_t keysize,
                     const char **value) {
  const char *eq = strchr(set, '=');
  if (!eq || eq == set || !eq[1]) {
    report(sink, DIAG_ERROR, NULL, "%s expects key=value, got '%s'", sink->set_label, set);
    return 1;
  }
  size_t len = (size_t)(eq - set);
  if (len >= keysize) len = keysize - 1;
  memcpy(key, set, len);
  key[len] = '\0';
  *value = eq + 1;
  return 0;
}

bool opt_applies(const RtMethodSpec *m, const char *key) {
  return rt_method_option(m, key) && !rt_method_unused_option(m, key);
}

/* Whether the solve line's option so holds in opt: not one the method that runs ignored
 * (another method's, --method), nor one a setting replaced. */
static bool solve_option_holds(const RtOptions *opt, const SemaOption *so) {
  if (!rt_method_option(opt->method, so->key)) return false;
  if (so->is_word) {
    const char *w = rt_opt_word(opt, so->key);
    return w && strcmp(w, so->word) == 0;
  }
  return rt_opt_num(opt, so->key) == so->num;
}

/* msg on c's Diag at the solve line's option keys[0] or keys[1] that holds in opt, the later
 * of the two, a note at the other (as sema reported the rules between options before a
 * setting could mend them); false when neither is the solve line's. */
static bool at_solve_option(BloCompiled *c, const RtOptions *opt, const char *const keys[2],
                            const char *msg) {
  const Program *prog = blo_program(c);
  const SemaOption *at = NULL, *other = NULL;
  for (int i = 0; i < prog->nopts; i++) {
    const SemaOption *so = &prog->opts[i];
    if ((strcmp(so->key, keys[0]) == 0 || strcmp(so->key, keys[1]) == 0) &&
        solve_option_holds(opt, so)) {
      other = at;
      at = so;
    }
  }
  if (!at) return false;
  diag_error(blo_diag(c), at->span, "%s", msg);
  if (other) diag_note(blo_diag(c), other->span, "'%s' is given here", other->key);
  return true;
}

/* The error msg about keys: naming the setting `by` when one gave either key, else at the
 * solve line's option, else (the methods' defaults alone) plain. */
static int rule_error(BloCompiled *c, const OptSink *sink, const RtOptions *opt,
                      const char *const keys[2], const char *by, const char *hint,
                      const char *msg) {
  if (by) report(sink, DIAG_ERROR, hint, "%s %s: %s", sink->set_label, by, msg);
  else if (!at_solve_option(c, opt, keys, msg)) report(sink, DIAG_ERROR, NULL, "%s", msg);
  return 1;
}

int opt_check_rules_keyed(BloCompiled *c, const OptSink *sink, const RtOptions *opt,
                          const char *const *sets, const char *const *setkeys,
                          const char *const *hints, int nsets) {
  const char *keys[2] = {"tol", "tol"};
  const char *err = rt_options_check(opt, keys);
  RtRuleBy rb = rt_rule_settings(keys, sets, setkeys, nsets);
  /* the last setting that gave an option involved */
  const char *by = rb.last >= 0 ? sets[rb.last] : NULL;
  const char *hint = rb.last >= 0 && hints ? hints[rb.last] : NULL;
  char msg[1200]; /* rt_options_check's static buffer, kept from the reports' formatting */
  if (err && rb.other >= 0) {
    /* two settings that broke the rule together (--set r=7 --set inner_steps=8, an alias
     * pair; --set m0=50 --set m_max=10): both named, whatever the solve line holds
     * (rt_options_set_over keeps both of a pair) */
    if (!hint) hint = rt_rule_pair_hint(rb);
    report(sink, DIAG_ERROR, hint, "%s %s and %s %s: %s", sink->set_label, sets[rb.other],
           sink->set_label, by, err);
    return 1;
  }
  if (err) snprintf(msg, sizeof msg, "%s", err);
  /* when no rule between options broke, tol > 0 on a problem that samples its data, as the
   * solver refuses it (rt_solver_new): every estimate is one draw's, and one small draw
   * would stop the run anywhere. keys are tol's (rt_options_check left them). */
  else if (rt_opt_num(opt, "tol") > 0 && blo_program(c)->stochastic)
    rt_tol_refusal(msg, sizeof msg, opt->method->name, true);
  else
    return 0;
  return rule_error(c, sink, opt, keys, by, hint, msg);
}

int opt_check_rules_to(BloCompiled *c, const OptSink *sink, const RtOptions *opt,
                       const char *const *sets, int nsets) {
  return opt_check_rules_keyed(c, sink, opt, sets, NULL, NULL, nsets);
}

int opt_resolve_to(const BloCompiled *c, const OptSink *sink, const char *method,
                   const char *const *sets, int nsets, RtOptions *opt) {
  const Program *prog = blo_program(c);
  const char *name = method ? method : prog->method;
  if (!name) {
    char hint[1024];
    bool cli = sink->set_label && strcmp(sink->set_label, "--set") == 0;
    snprintf(hint, sizeof hint, "add 'solve lancbio(...)' to %s, or %s (one of: %s)", prog->path,
             cli ? "pass --method NAME"
                 : "name the method: bloc_options_method (Python: solve(\"NAME\"))",
             rt_method_names());
    report(sink, DIAG_ERROR, hint, "no method to run: the program has no 'solve' declaration");
    return 1;
  }
  const RtMethodSpec *m = opt_find_method_to(sink, name);
  if (!m) return 1;
  rt_options_init(opt, m);
  bool overridden = prog->method && strcmp(prog->method, name) != 0;
  for (int i = 0; i < prog->nopts; i++) {
    const SemaOption *so = &prog->opts[i];
    if (overridden && !opt_applies(m, so->key)) {
      if (sink->ignored) {
        sink->ignored(sink->ignored_ctx, so->key);
        continue;
      }
      report(sink, DIAG_WARNING, NULL,
             "option '%s' of the program's method '%s' does not apply to '%s' (ignored)", so->key,
             prog->method, name);
      continue;
    }
    RtOptions trial = *opt;
    const char *err = so->is_word ? rt_options_set_word(&trial, so->key, so->word)
                                  : rt_options_set_num(&trial, so->key, so->num);
    const char *keys[2] = {"", ""};
    if (!err && overridden) { /* a value the other method refuses (soba's inner_steps = 1) */
      err = rt_options_check(&trial, keys);
      if (err && strcmp(keys[0], so->key) != 0 && strcmp(keys[1], so->key) != 0) err = NULL;
    }
    if (err && overridden) { /* as an option it does not have: hjfbio's was ignored, soba's
                              * stopped the run (and every method of a compare) */
      report(sink, DIAG_WARNING, NULL,
             "option '%s' of the program's method '%s' does not apply to '%s' (ignored): %s",
             so->key, prog->method, name, err);
      continue;
    }
    if (err) { /* sema validated them for the program's method */
      report(sink, DIAG_ERROR, NULL, "%s", err);
      return 1;
    }
    *opt = trial;
  }
  /* the solve line's options no --set has replaced (rt_options_set_over) */
  RtOptions file = *opt;
  for (int i = 0; i < nsets; i++) {
    char key[64];
    const char *value;
    if (opt_split_set_to(sink, sets[i], key, sizeof key, &value)) return 1;
    /* one the method has no use for is aimed at this one method: an error, not a warning */
    const char *err = rt_options_set_over(opt, &file, key, value);
    if (err) {
      char hint[160];
      /* another method's key, or a misspelt one: the nearest of the method's */
      report(sink, DIAG_ERROR, rt_method_option_hint(m, key, hint, sizeof hint),
             "%s %s: %s", sink->set_label, sets[i], err);
      return 1;
    }
  }
  /* the precision the data were compiled with (--precision, --set or the program's): the
   * result JSON and emitted solvers report it. The bloc command compiles with the one its
   * --set names; the C API prepares the data before it reads a solve's options, so a setting
   * asking for another would be dropped without a word and the solve run in the other. As for
   * every key the last setting is the one that counts (bloc run compiled with it): an earlier
   * one it overrides is no conflict. */
  const char *prec = blo_precision_name(blo_precision(c));
  int last = -1;
  const char *last_value = NULL;
  for (int i = 0; i < nsets; i++) {
    char key[64];
    const char *value;
    if (opt_split_set_to(sink, sets[i], key, sizeof key, &value) == 0 &&
        strcmp(key, "precision") == 0)
      last = i, last_value = value;
  }
  if (last >= 0 && strcmp(last_value, prec) != 0) {
    /* compiled, perhaps not yet prepared (bloc_solve's checks before the data stage): the
     * kernels and the data stage are made for the precision compiled with either way */
    report(sink, DIAG_ERROR, NULL,
           "%s %s: the problem was compiled for precision %s, which its kernels and data "
           "keep; the precision is chosen before compiling (bloc_set_precision; in Python, "
           "bloc.compile(precision=...))",
           sink->set_label, sets[last], prec);
    return 1;
  }
  const char *now = rt_opt_word(opt, "precision");
  if (!now || strcmp(now, prec) != 0) rt_options_set_word(opt, "precision", prec);
  return 0;
}

/* The methods m for which keep(m, arg) holds, in catalogue order: "a, b, c", or with last_or
 * "a, b or c" (empty when there is none). */
static const char *method_list(bool (*keep)(const RtMethodSpec *, unsigned), unsigned arg,
                               bool last_or) {
  static _Thread_local char buf[256];
  int n = 0, k = 0;
  for (int i = 0; i < rt_nmethods; i++) n += keep(&rt_methods[i], arg);
  buf[0] = '\0';
  for (int i = 0; i < rt_nmethods; i++) {
    if (!keep(&rt_methods[i], arg)) continue;
    size_t len = strlen(buf);
    snprintf(buf + len, sizeof buf - len, "%s%s", rt_list_sep(k++, n, last_or ? " or " : NULL),
             rt_methods[i].name);
  }
  return buf;
}

/* The unrolled methods and f2sa: they differentiate the inner steps they take, or use only
 * gradients of g, which needs only that g be differentiable almost everywhere. */
static bool needs_grad_g_only(const RtMethodSpec *m, unsigned unused) {
  (void)unused;
  return m->unrolled || !rt_method_option(m, "allow_nonsmooth");
}

/* The unrolled methods that take x from one of the parts `uses` (RT_X_*) of the program. */
static bool unrolled_moving(const RtMethodSpec *m, unsigned uses) {
  return m->unrolled && (m->x_via & uses);
}

/* A method's estimate takes x only from the parts of the program its x_via names (fom: f and
 * the lower initialisers; an implicit method: f and g). Where the program uses x in none of
 * them (a ridge penalty for fom, MAML's g for lancbio), it is zero at every step, and the run
 * returned x0 with status 0. */
static int check_moves_x(BloCompiled *c, const RtMethodSpec *m) {
  const Program *prog = blo_program(c);
  unsigned uses = sema_x_uses(prog);
  if (m->x_via & uses) return 0;
  const char *estimate = !m->unrolled           ? "grad_x f - (grad_xy g) v"
                         : !(m->x_via & RT_X_G) ? "grad_x f + (dPhi/dx)' grad_y f"
                                                : "f's derivative through the inner steps";
  char parts[128];
  diag_error(blo_diag(c), prog->f->init->span,
             "method '%s' cannot move x here: its estimate, %s, is zero at every step, as "
             "neither %s uses an upper variable%s",
             m->name, estimate, sema_x_parts(m->x_via, true, "nor", parts, sizeof parts),
             m->x_via & sema_x_steps(prog)
                 ? " other than in comparisons, steps whose derivative is 0 wherever it exists"
                 : "");
  /* what would move x: another method that takes x from where the program uses it, or
   * using x in a part this method takes it from (any part, when no method takes it) */
  const char *movers = method_list(unrolled_moving, uses, true);
  unsigned want = *movers ? m->x_via : RT_X_G | RT_X_INIT;
  char change[256] = "";
  if (want & RT_X_G) snprintf(change, sizeof change, "make the lower objective use x");
  if (want & RT_X_INIT) {
    size_t len = strlen(change);
    snprintf(change + len, sizeof change - len,
             "%sstart the lower variables from x (lower w : vector[p] = w0, as MAML does)",
             len ? ", or " : "");
  }
  if (!*movers) diag_hint(blo_diag(c), "no method can move x here: %s", change);
  else if (uses & RT_X_INIT)
    diag_hint(blo_diag(c),
              "the lower variables start from x: use %s, which carry x from there through the "
              "inner steps, or %s",
              movers, change);
  else
    diag_hint(blo_diag(c), "use %s, which differentiate through the inner steps, or %s", movers,
              change);
  return 1;
}

/* A method that does not take x from g, on a program whose g uses x while y0 does not: its
 * estimate is grad_x f alone and ignores how y*(x) moves with x. fom with f = ... + 1e-6 t^2 on
 * ridge regression stayed at its start with |hypergradient| = 0 and status 0 (without the
 * x term in f it is refused: check_moves_x). With y0 = x (first-order MAML) it is the method's
 * documented bias, not this. A warning: the estimate is not zero, and the user may want it. */
static void warn_ignores_lower(BloCompiled *c, const RtMethodSpec *m) {
  const Program *prog = blo_program(c);
  unsigned uses = sema_x_uses(prog);
  if ((m->x_via & RT_X_G) || !(uses & RT_X_G) || (uses & RT_X_INIT)) return;
  diag_warning(blo_diag(c), prog->g->init->span,
               "method '%s' ignores how y*(x) moves with x: the lower objective uses x, but '%s' "
               "differentiates only f and the lower variables' start, which does not use x, so "
               "its estimate is grad_x f alone",
               m->name, m->name);
  diag_hint(blo_diag(c), "use an implicit method (lancbio, aid_cg, ...) or itd or ufom, which "
                         "differentiate through the lower level");
}

int opt_check_suits(BloCompiled *c, const RtOptions *opt) {
  if (check_moves_x(c, opt->method)) return 1;
  warn_ignores_lower(c, opt->method);
  return opt_refuses_method(c, opt);
}

int opt_refuses_method(BloCompiled *c, const RtOptions *opt) {
  const Program *prog = blo_program(c);
  const RtMethodSpec *m = opt->method;
  if (check_moves_x(c, m)) return 1;
  if (!prog->nonsmooth_op || needs_grad_g_only(m, 0)) return 0;
  const char *allow = rt_opt_word(opt, "allow_nonsmooth");
  if (allow && strcmp(allow, "true") == 0) return 0;
  const char *op = prog->nonsmooth_op;
  /* a kink: the gradient (of where and a comparison, the value) jumps, and a minimiser tends
   * to sit on it (a Lasso's zeros), where the implicit hypergradient is wrong. A kink at 0
   * under a square (relu(z) ^ 2) is C1 and is not refused (sema_builtins.c) */
  bool step = strcmp(op, "where") == 0 || !isalpha((unsigned char)op[0]);
  char why[96];
  snprintf(why, sizeof why, step ? "its value or slope jumps where '%s' switches"
                                 : "its gradient jumps at a kink of '%s'", op);
  diag_error(blo_diag(c), prog->nonsmooth_span,
             "'%s' makes the lower objective not twice differentiable in y (%s), and method "
             "'%s' is built on its second derivatives: where y*(x) sits on a kink, as a "
             "minimiser often does, its hypergradient is wrong, and it may converge to a wrong "
             "point", op, why, m->name);
  if (prog->nonsmooth_call.file != SPAN_NO_FILE)
    diag_note(blo_diag(c), prog->nonsmooth_call, "in this call of fn '%s'", prog->nonsmooth_fn);
  const char *subst =
      strcmp(op, "relu") == 0 ? "softplus(z / t) * t for a small t, or relu(z) ^ 2 where a "
                                "squared loss fits (the squared hinge), which is once "
                                "continuously differentiable and is not refused"
      : strcmp(op, "abs") == 0 ? "pseudo_huber(z, 0, delta) of import \"losses\" for abs(z)"
      : strcmp(op, "min") == 0 ? "a - softplus((a - b) / t) * t for min(a, b), a small t"
      : strcmp(op, "max") == 0 ? "b + softplus((a - b) / t) * t for max(a, b), a small t"
      : strcmp(op, "where") == 0
          ? "b + sigmoid(s / t) * (a - b) for where(s > 0, a, b), a small t, or a smooth loss: "
            "pseudo_huber(z, 0, delta) of import \"losses\" for |z|"
      : strcmp(op, "clip") != 0 ? "sigmoid(s / t) for s > 0, a small t"
                               : "max(a, b) ~ b + softplus((a - b) / t) * t and "
                                 "min(a, b) ~ a - softplus((a - b) / t) * t, a small t";
  diag_hint(blo_diag(c),
            "use a smooth substitute (%s), or a method that needs only gradients of g "
            "(%s); the option allow_nonsmooth = true runs '%s' anyway",
            subst, method_list(needs_grad_g_only, 0, false), m->name);
  return 1;
}
