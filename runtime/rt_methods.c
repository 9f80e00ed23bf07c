/* rt_methods.c — the method/option catalogue (see rt_methods.h) and option parsing.
 * Defaults follow ALGORITHMS.md; a NaN default means "derived" and is documented in help. */
#include "rt_methods.h"

#include "blo_abi.h"
#include "rt_fmt.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bounds of the catalogue: BIG caps options with no natural upper bound (so that products of
 * them stay finite); POSITIVE as a lower bound means "> 0", and messages say so. */
#define BIG 1e300
#define POSITIVE 1e-300
#define COMMON(steps_def, xs_def, decay_spec, ystep_spec, inner_def)                         \
  {"outer_steps", RT_OPT_INT, steps_def, NULL, NULL, 0, 1e12, "outer iterations K"},          \
  {"x_step", RT_OPT_REAL, xs_def, NULL, NULL, 0, BIG, "upper step size (lambda)"},            \
  decay_spec,                                                                                 \
  ystep_spec,                                                                                 \
  {"inner_steps", RT_OPT_INT, inner_def, NULL, NULL, 0, 1e9, "lower steps per outer step (T)"}, \
  {"seed", RT_OPT_INT, 1, NULL, NULL, 0, 9007199254740991.0, "random seed (data and sampling)"}, \
  {"precision", RT_OPT_WORD, NAN, "f64", "f64|f32", 0, 0,                                    \
   "storage of the data tensors: f64, or f32 (floats; products with them in float)"},       \
  {"trace_every", RT_OPT_INT, 10, NULL, NULL, 1, 1e12, "outer steps between trace rows"},    \
  {"tol", RT_OPT_REAL, 0, NULL, NULL, 0, BIG, \
   "stop when |d| (two steps running) and |grad_y g| (not for the unrolled methods) are below " \
   "it (0: off)"}, \
  {"meta_batch", RT_OPT_INT, 1, NULL, NULL, 1, 1e6,                                          \
   "independent sample draws averaged per oracle"},                                          \
  {"on_divergence", RT_OPT_WORD, NAN, "halve", "stop|halve", 0, 0,                          \
   "on NaN/Inf or divergence: stop, or go back to the best iterate with half the step (3 times)"}, \
  {"eval_draws", RT_OPT_INT, 10, NULL, NULL, 1, 1e6,                                          \
   "sample draws averaged by trace-point diagnostics (stochastic problems)"},                \
  {"x_optimizer", RT_OPT_WORD, NAN, "sgd", "sgd|momentum|adam", 0, 0,                         \
   "upper step rule on the hypergradient estimate: sgd, momentum (heavy ball) or adam"},     \
  {"beta1", RT_OPT_REAL, 0.9, NULL, NULL, 0, 0.999999,                                        \
   "momentum coefficient (momentum), first-moment decay (adam)"},                            \
  {"beta2", RT_OPT_REAL, 0.999, NULL, NULL, 0, 0.999999, "adam: second-moment decay"},        \
  {"eps", RT_OPT_REAL, 1e-8, NULL, NULL, POSITIVE, BIG,                                       \
   "adam: added to sqrt(v) in the step's denominator"}

/* Methods built on the second derivatives of g (all but the unrolled ones) refuse a lower
 * objective with abs, relu, max, min or clip of y, or a comparison or where() condition on y
 * (api/opt_resolve.c: opt_check_suits) unless this is true. */
#define NONSMOOTH                                                                             \
  {"allow_nonsmooth", RT_OPT_WORD, NAN, "false", "false|true", 0, 0,                          \
   "run on a lower objective that is not twice differentiable in y (abs, relu, max, min, "     \
   "clip, a comparison or where() condition on y)"}

/* The x_decay entry of COMMON: the schedule of the upper step (rt_step_size). Every method
 * has one; 0 (a constant step) except where the method's paper decays it: f2sa's 1/7, and the
 * floored schedule of bsa and ttsa (RT_SCHED_POLY_FLOOR). One description for all: `bloc run
 * --help` lists it once, as the common option it is. */
#define XDECAY(def) \
  {"x_decay", RT_OPT_REAL, def, NULL, NULL, 0, 2, \
   "upper steps x_step/(k+1)^x_decay (bsa, ttsa: x_step*max(0.01, (k+1)^-x_decay))"}

/* The y_step entry of COMMON: a number (unrolled methods, where it is an alias of inner_lr, and
 * exact, which does not use it), or by default "auto" (rt_ystep.h) for the methods that take
 * gradient steps on y with it. */
#define YSTEP(def) \
  {"y_step", RT_OPT_REAL, def, NULL, NULL, 0, BIG, "lower gradient step size (theta)"}
#define YSTEP_AUTO \
  {"y_step", RT_OPT_REAL_OR_WORD, NAN, "auto", "auto", 0, BIG, \
   "lower gradient step size (theta), or auto: 1/(1.25 L), L the largest Ritz value of the " \
   "lower Hessian"}, \
  {"ystep_every", RT_OPT_INT, 10, NULL, NULL, 1, 1e12, \
   "y_step = auto: outer steps between estimates of L (tracing never moves them)"}

/* eta, where a method has one: a number, or by default the word y_step: it follows y_step, its
 * value, its auto estimates and its recovery halvings (rt_ystep.h). The word stays in the result
 * JSON's options, so that they run the same again (a number there would be an eta of its own). */
#define ETA(what) \
  {"eta", RT_OPT_REAL_OR_WORD, NAN, "y_step", "y_step", 0, BIG, \
   what ", or y_step: follow y_step, its auto estimates and its halvings"}

/* Unrolled methods: which oracle calls share one draw of the sample sets. "task": the whole
 * trajectory of one task (initialiser, r inner steps, outer gradient, backward pass) sees one
 * draw, as in MAML; "step": every inner step draws its own minibatch (replayed backwards). */
#define RESAMPLE \
  {"resample", RT_OPT_WORD, NAN, "task", "task|step", 0, 0, \
   "sample draws: one per task trajectory (task) or one per inner step (step)"}

static const RtOptSpec opts_lancbio[] = {
  COMMON(1000, 1, XDECAY(0), YSTEP_AUTO, 5),
  {"m0", RT_OPT_INT, 1, NULL, NULL, 1, 1e6, "initial Krylov dimension"},
  {"m_max", RT_OPT_INT, 80, NULL, NULL, 1, 1e6, "largest Krylov dimension before restart"},
  {"m_growth", RT_OPT_REAL, 1.1, NULL, NULL, 1, BIG, "growth factor rho of m"},
  {"m_period", RT_OPT_INT, 20, NULL, NULL, 1, 1e12, "outer steps F between growths of m"},
  {"warmup_steps", RT_OPT_INT, 0, NULL, NULL, 0, 1e12,
   "outer steps of the authors' hyper-cleaning warm-up (sliding window, no anchor)"},
  NONSMOOTH,
};
static const RtOptSpec opts_subbio[] = {
  COMMON(1000, 1, XDECAY(0), YSTEP_AUTO, 5),
  ETA("step of the second subspace direction"),
  NONSMOOTH,
};
static const RtOptSpec opts_ufom[] = {
  COMMON(1000, 0.1, XDECAY(0), YSTEP(0.1), 0),
  {"r", RT_OPT_INT, 10, NULL, NULL, 1, 1e7, "unrolled inner steps (alias inner_steps)"},
  {"inner_lr", RT_OPT_REAL, 0.1, NULL, NULL, 0, BIG, "inner step size alpha (alias y_step)"},
  {"q", RT_OPT_REAL_OR_WORD, 0.1, NULL, "adaptive", 1e-12, 1,
   "probability of an exact draw, or adaptive"},
  {"q_min", RT_OPT_REAL, 0.05, NULL, NULL, 1e-12, 1, "lower clamp of adaptive q"},
  {"ema_beta", RT_OPT_REAL, 0.99, NULL, NULL, 0, 0.999999, "EMA factor of adaptive q"},
  {"checkpoint", RT_OPT_WORD, NAN, "auto", "auto|store|sqrt|none", 0, 0,
   "exact branch: store the trajectory, sqrt(r) checkpoints, recompute (none), or auto"},
  {"memory_budget", RT_OPT_REAL, NAN, NULL, NULL, 0, 1e12,
   "MiB checkpoint = auto may keep (default 1/16 of physical memory)"},
  RESAMPLE,
};
static const RtOptSpec opts_fom[] = {
  COMMON(1000, 0.1, XDECAY(0), YSTEP(0.1), 0),
  {"r", RT_OPT_INT, 10, NULL, NULL, 1, 1e7, "unrolled inner steps (alias inner_steps)"},
  {"inner_lr", RT_OPT_REAL, 0.1, NULL, NULL, 0, BIG, "inner step size alpha (alias y_step)"},
  RESAMPLE,
};
static const RtOptSpec opts_itd[] = {
  COMMON(1000, 0.1, XDECAY(0), YSTEP(0.1), 0),
  {"r", RT_OPT_INT, 10, NULL, NULL, 1, 1e7,
   "unrolled inner steps, all stored (alias inner_steps)"},
  {"inner_lr", RT_OPT_REAL, 0.1, NULL, NULL, 0, BIG, "inner step size alpha (alias y_step)"},
  RESAMPLE,
};
static const RtOptSpec opts_aid_cg[] = {
  COMMON(1000, 1, XDECAY(0), YSTEP_AUTO, 10),
  {"cg_steps", RT_OPT_INT, 5, NULL, NULL, 1, 1e9,
   "CG steps Q on A v = b per outer step (warm start)"},
  NONSMOOTH,
};
static const RtOptSpec opts_amigo_gd[] = {
  COMMON(1000, 1, XDECAY(0), YSTEP_AUTO, 10),
  {"v_steps", RT_OPT_INT, 5, NULL, NULL, 1, 1e9, "gradient steps Q on A v = b per outer step"},
  ETA("step on A v = b"),
  NONSMOOTH,
};
static const RtOptSpec opts_soba[] = {
  COMMON(1000, 1, XDECAY(0), YSTEP_AUTO, 1),
  ETA("step on A v = b"),
  NONSMOOTH,
};
static const RtOptSpec opts_stocbio[] = {
  COMMON(1000, 1, XDECAY(0), YSTEP_AUTO, 10),
  {"neumann_steps", RT_OPT_INT, 10, NULL, NULL, 1, 1e9, "Neumann terms Q"},
  ETA("Neumann scaling"),
  NONSMOOTH,
};
static const RtOptSpec opts_bsa[] = {
  COMMON(1000, 1, XDECAY(0.5), YSTEP_AUTO, 10),
  {"neumann_steps", RT_OPT_INT, 10, NULL, NULL, 1, 1e9, "maximum Neumann truncation Q"},
  ETA("Neumann scaling"),
  NONSMOOTH,
};
static const RtOptSpec opts_ttsa[] = {
  COMMON(1000, 1, XDECAY(0.4), YSTEP_AUTO, 1),
  {"neumann_steps", RT_OPT_INT, 10, NULL, NULL, 1, 1e9, "maximum Neumann truncation Q"},
  ETA("Neumann scaling"),
  NONSMOOTH,
};
static const RtOptSpec opts_f2sa[] = {
  COMMON(1000, 1, XDECAY(1.0 / 7.0), YSTEP_AUTO, 10),
  {"lambda0", RT_OPT_REAL, 1, NULL, NULL, 0, BIG, "initial penalty lambda"},
  {"delta_lambda", RT_OPT_REAL, 0.1, NULL, NULL, 0, BIG,
   "penalty growth: lambda <- lambda + delta_lambda/(k+1) after step k"},
};
static const RtOptSpec opts_hjfbio[] = {
  COMMON(1000, 1, XDECAY(0), YSTEP_AUTO, 1),
  ETA("step on v"),
  {"delta", RT_OPT_REAL, 1e-5, NULL, NULL, POSITIVE, BIG,
   "finite-difference step: gradients at y + delta v and y - delta v"},
  {"v_init", RT_OPT_WORD, NAN, "uniform", "uniform|zero", 0, 0,
   "start of v: U[0,1) entries (the authors') or zero"},
  NONSMOOTH,
};
static const RtOptSpec opts_stable[] = {
  COMMON(1000, 1, XDECAY(0), YSTEP_AUTO, 1),
  {"neumann_steps", RT_OPT_INT, 20, NULL, NULL, 0, 1e9, "Neumann HVPs Q per series (Q + 1 terms)"},
  ETA("Neumann scaling"),
  {"correction", RT_OPT_WORD, NAN, "step", "step|authors", 0, 0,
   "y correction from the x step taken (step), or from x_step J v alone as the authors' code"},
  NONSMOOTH,
};
static const RtOptSpec opts_exact[] = {
  COMMON(1000, 1, XDECAY(0), YSTEP(1e-5), 0),
  {"y_tol", RT_OPT_REAL, 1e-10, NULL, NULL, 0, BIG,
   "solve the lower level until |grad_y g| < y_tol (times |grad_y g| at the start when that "
   "is below 1)"},
  {"max_inner", RT_OPT_INT, 100, NULL, NULL, 1, 1e9, "Newton steps allowed per lower solve"},
  {"max_ny", RT_OPT_INT, 4000, NULL, NULL, 1, 1e6,
   "refuse problems with more lower variables (dense ny x ny Hessian)"},
  NONSMOOTH,
};

/* an implicit method's estimate, grad_x f - J v, takes x from f and g; an unrolled one's from
 * f, g (its inner steps) and y0 = Phi(x) (its start) */
#define X_VIA(unrolled) (RT_X_F | RT_X_G | ((unrolled) ? RT_X_INIT : 0u))
#define MKE(name, summary, opts, unrolled, small, both, needs, eta_iterates) \
  { \
    name, summary, opts, (int)(sizeof opts / sizeof opts[0]), unrolled, small, both, needs, \
        X_VIA(unrolled), eta_iterates \
  }
#define MK(name, summary, opts, unrolled, small, both, needs) \
  MKE(name, summary, opts, unrolled, small, both, needs, NULL)
#define M(name, summary, opts, unrolled, small, both) \
  MK(name, summary, opts, unrolled, small, both, 0)
/* a method whose eta steps on A v = b or scales a Neumann series (not subbio's: its eta only
 * spans a direction) */
#define ME(name, summary, opts, both, needs, what) \
  MKE(name, summary, opts, false, false, both, needs, what)
#define STEPS_V "the steps on A v = b"
#define NEUMANN "the Neumann series' terms"
RT_API const RtMethodSpec rt_methods[] = {
    M("lancbio", "dynamic Lanczos (LancBiO): Krylov subspace reused across outer steps",
      opts_lancbio, false, false, false),
    M("subbio", "subspace method (SubBiO): 2-dimensional Galerkin solve per step", opts_subbio,
      false, false, false),
    M("ufom", "unbiased first-order estimator over an unrolled inner loop (UFOM)", opts_ufom, true,
      false, true),
    {.name = "fom",
     .summary = "first-order MAML-style estimator (biased, no second derivatives)",
     .opts = opts_fom,
     .nopts = (int)(sizeof opts_fom / sizeof opts_fom[0]),
     .unrolled = true,
     .x_via = RT_X_F | RT_X_INIT}, /* grad_x f + (dPhi/dx)' grad_y f: not through g */
    M("itd", "iterative differentiation: reverse mode through r stored inner steps", opts_itd, true,
      false, true),
    M("aid_cg", "AmIGO-CG: warm-started conjugate gradient on A v = b", opts_aid_cg, false, false,
      false),
    ME("amigo_gd", "AmIGO-GD: warm-started gradient steps on A v = b", opts_amigo_gd, false, 0,
       STEPS_V),
    ME("soba", "SOBA: joint single steps on y, v and x", opts_soba, true, 0, STEPS_V),
    ME("stocbio", "stocBiO: truncated Neumann series", opts_stocbio, false, 0, NEUMANN),
    ME("bsa", "BSA: randomly truncated Neumann series", opts_bsa, false, 0, NEUMANN),
    ME("ttsa", "TTSA: two-timescale, single y step, random Neumann truncation", opts_ttsa, false,
       0, NEUMANN),
    MK("f2sa", "F2SA: fully first-order penalty method (y, z and a growing lambda)", opts_f2sa,
       false, false, false, RT_NEEDS_GRAD_X_G),
    ME("hjfbio", "HJFBiO: single loop, finite differences of gradients for A v and J v",
       opts_hjfbio, false, RT_NEEDS_GRAD_X_G, STEPS_V),
    ME("stable", "STABLE: single timescale, Neumann inverses, implicit y correction", opts_stable,
       false, RT_NEEDS_HVP_YX, NEUMANN),
    MK("exact", "exact hypergradient: lower level solved by Newton, dense solve of A v = b",
       opts_exact, false, true, false, RT_NEEDS_G),
};
RT_API const int rt_nmethods = (int)(sizeof rt_methods / sizeof rt_methods[0]);

RT_API bool rt_method_uses_kernel(const RtMethodSpec *m, int kernel_id) {
  /* f and g alone: trace points and the embedding API fall back to grad f and grad_y g
   * (rt_oracle_f, rt_oracle_g), so only a method whose steps call them needs them compiled */
  if (kernel_id == BLO_K_F) return false;
  if (kernel_id == BLO_K_G) return (m->needs & RT_NEEDS_G) != 0;
  if (kernel_id == BLO_K_GRAD_Y_G_HVP_YY) return false; /* no step fuses these two yet */
  if (kernel_id == BLO_K_HVP_BOTH) return m->fused_hvp_both;
  if (kernel_id == BLO_K_GRAD_X_G) return (m->needs & RT_NEEDS_GRAD_X_G) != 0;
  if (kernel_id == BLO_K_HVP_YX) return (m->needs & RT_NEEDS_HVP_YX) != 0;
  return true;
}

RT_API const RtMethodSpec *rt_method_find(const char *name) {
  for (int i = 0; i < rt_nmethods; i++)
    if (strcmp(rt_methods[i].name, name) == 0) return &rt_methods[i];
  return NULL;
}

/* `name` folded for comparison: lower case, '-' and ' ' as '_'. */
static void fold_name(const char *name, char *out, size_t len) {
  size_t i = 0;
  for (; name[i] && i + 1 < len; i++) {
    char c = name[i];
    out[i] = c == '-' || c == ' ' ? '_' : c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
  }
  out[i] = '\0';
}

/* Names the methods go by in the literature (folded), where they differ from bloc's. */
static const struct { const char *known, *method; } method_aka[] = {
  {"amigo_cg", "aid_cg"}, {"aid", "aid_cg"}, {"fomaml", "fom"}, {"fo_maml", "fom"},
  {"newton", "exact"}, {"neumann", "stocbio"}, {"lanczos", "lancbio"},
};

RT_API const char *rt_method_near(const char *name) {
  char folded[64], other[64];
  fold_name(name, folded, sizeof folded);
  for (int i = 0; i < rt_nmethods; i++) {
    fold_name(rt_methods[i].name, other, sizeof other);
    if (strcmp(folded, other) == 0) return rt_methods[i].name;
  }
  for (size_t i = 0; i < sizeof method_aka / sizeof method_aka[0]; i++)
    if (strcmp(folded, method_aka[i].known) == 0) return method_aka[i].method;
  const char *names[64];
  size_t n = 0;
  for (int i = 0; i < rt_nmethods && n < 64; i++) names[n++] = rt_methods[i].name;
  return rt_nearest_name(folded, names, n);
}

static int option_index(const RtMethodSpec *m, const char *name) {
  for (int i = 0; i < m->nopts; i++)
    if (strcmp(m->opts[i].name, name) == 0) return i;
  return -1;
}

RT_API const RtOptSpec *rt_method_option(const RtMethodSpec *m, const char *name) {
  int i = option_index(m, name);
  return i < 0 ? NULL : &m->opts[i];
}

RT_API const char *rt_method_option_near(const RtMethodSpec *m, const char *key) {
  if (rt_method_option(m, key)) return NULL; /* its own: a bad value, not a misspelt key */
  const char *names[RT_MAX_OPTS];
  int n = 0;
  for (int k = 0; k < m->nopts && n < RT_MAX_OPTS; k++) names[n++] = m->opts[k].name;
  return rt_nearest_name(key, names, (size_t)n);
}

RT_API const char *rt_option_owners(const char *key) {
  static RT_THREAD_LOCAL char buf[512];
  const char *own[64];
  int n = 0;
  for (int i = 0; i < rt_nmethods && n < 64; i++)
    if (rt_method_option(&rt_methods[i], key) && !rt_method_unused_option(&rt_methods[i], key))
      own[n++] = rt_methods[i].name;
  buf[0] = '\0';
  for (int i = 0; i < n; i++) {
    size_t used = strlen(buf);
    snprintf(buf + used, sizeof buf - used, "%s%s", rt_list_sep(i, n, " and "), own[i]);
  }
  return buf;
}

RT_API const char *rt_method_option_hint(const RtMethodSpec *m, const char *key, char *buf,
                                         size_t len) {
  if (rt_method_option(m, key)) return NULL;
  const char *owners = rt_option_owners(key);
  if (owners[0]) {
    snprintf(buf, len, "'%s' is an option of %s, not of %s", key, owners, m->name);
    return buf;
  }
  const char *near = rt_method_option_near(m, key);
  if (!near) return NULL;
  snprintf(buf, len, "did you mean '%s'?", near);
  return buf;
}

/* Options every method lists (COMMON) but some method has no use for: setting one there is
 * an error (rt_solver_new), or a warning when it was inherited from another method's options. */
#define EXACT_NEWTON \
  "the lower level is solved by Newton's method to 'y_tol' in at most 'max_inner' steps"
static const struct { const char *method, *key, *why; } unused_opts[] = {
  {"exact", "y_step", EXACT_NEWTON},
  {"exact", "inner_steps", EXACT_NEWTON},
  {"hjfbio", "inner_steps", "it takes one joint step on y, v and x per outer step"},
  {"stable", "inner_steps", "it takes one y step per outer step (the authors' code ignores its T)"},
};

RT_API const char *rt_method_unused_option(const RtMethodSpec *m, const char *key) {
  for (size_t i = 0; i < sizeof unused_opts / sizeof unused_opts[0]; i++)
    if (strcmp(unused_opts[i].method, m->name) == 0 && strcmp(unused_opts[i].key, key) == 0)
      return unused_opts[i].why;
  return NULL;
}
#undef EXACT_NEWTON

RT_API bool rt_method_newton_lower(const RtMethodSpec *m) {
  return rt_method_unused_option(m, "y_step") != NULL; /* the table says why: EXACT_NEWTON */
}

/* Options a method lists and uses with one value only (its default): setting another is an
 * error (rt_options_check). */
static const struct { const char *method, *key; double value; const char *why; } fixed_opts[] = {
  {"soba", "inner_steps", 1, "updates y, v and x jointly, one step each per outer step"},
};

RT_API bool rt_method_tunable_option(const RtMethodSpec *m, const char *key) {
  if (!rt_method_option(m, key) || rt_method_unused_option(m, key)) return false;
  for (size_t i = 0; i < sizeof fixed_opts / sizeof fixed_opts[0]; i++)
    if (strcmp(fixed_opts[i].method, m->name) == 0 && strcmp(fixed_opts[i].key, key) == 0)
      return false;
  return true;
}

/* Unrolled methods name their loop r / inner_lr; the common names are aliases. */
static const char *const unrolled_aliases[][2] = {{"inner_steps", "r"}, {"y_step", "inner_lr"}};
#define NALIASES (sizeof unrolled_aliases / sizeof unrolled_aliases[0])

RT_API const char *rt_method_alias(const RtMethodSpec *m, const char *key) {
  if (!m->unrolled) return NULL;
  for (size_t i = 0; i < NALIASES; i++)
    for (int k = 0; k < 2; k++)
      if (strcmp(unrolled_aliases[i][k], key) == 0) return unrolled_aliases[i][1 - k];
  return NULL;
}

RT_API bool rt_method_shows_option(const RtMethodSpec *m, const char *key) {
  if (rt_method_unused_option(m, key)) return false;
  /* of an alias pair, the method's own name (r, inner_lr) */
  for (size_t i = 0; m->unrolled && i < NALIASES; i++)
    if (strcmp(unrolled_aliases[i][0], key) == 0) return false;
  return true;
}

RT_API const char *rt_method_names(void) {
  static RT_THREAD_LOCAL char buf[512];
  buf[0] = '\0';
  for (int i = 0; i < rt_nmethods; i++) {
    if (i) strcat(buf, ", ");
    strcat(buf, rt_methods[i].name);
  }
  return buf;
}

RT_API const char *rt_method_option_names(const RtMethodSpec *m) {
  static RT_THREAD_LOCAL char buf[1024];
  buf[0] = '\0';
  for (int i = 0; i < m->nopts; i++) {
    if (rt_method_unused_option(m, m->opts[i].name)) continue; /* setting one is an error */
    if (buf[0]) strcat(buf, ", ");
    strcat(buf, m->opts[i].name);
  }
  return buf;
}

RT_API void rt_options_init(RtOptions *o, const RtMethodSpec *m) {
  assert(m->nopts <= RT_MAX_OPTS);
  memset(o, 0, sizeof *o);
  o->method = m;
  for (int i = 0; i < m->nopts; i++) {
    o->num[i] = m->opts[i].def;
    if (m->opts[i].def_word) snprintf(o->word[i], sizeof o->word[i], "%s", m->opts[i].def_word);
  }
}

static bool word_allowed(const char *words, const char *w) {
  size_t n = strlen(w);
  const char *p = words;
  while (p && *p) {
    const char *bar = strchr(p, '|');
    size_t len = bar ? (size_t)(bar - p) : strlen(p);
    if (len == n && strncmp(p, w, n) == 0) return true;
    p = bar ? bar + 1 : NULL;
  }
  return false;
}

static RT_THREAD_LOCAL char msg[1200];

static const char *unknown_option(const RtOptions *o, const char *key) {
  snprintf(msg, sizeof msg, "unknown option '%s' for method '%s'; valid options: %s", key,
           o->method->name, rt_method_option_names(o->method));
  return msg;
}

/* "option 'KEY' must be ..., got GOT": the bound the value breaks, BIG named as a bound like
 * any other (x_step = 1e301 is not "at least 0"). */
static const char *out_of_range(const RtOptSpec *s, const char *key, bool below, const char *got) {
  char lo[RT_FMT_NUM_LEN], hi[RT_FMT_NUM_LEN];
  rt_fmt_num(s->min, lo);
  rt_fmt_num(s->max, hi);
  if (s->max < BIG)
    snprintf(msg, sizeof msg, "option '%s' must be in [%s, %s], got %s", key, lo, hi, got);
  else if (!below)
    snprintf(msg, sizeof msg, "option '%s' must be at most %s, got %s", key, hi, got);
  else if (s->min == POSITIVE)
    snprintf(msg, sizeof msg, "option '%s' must be positive, got %s", key, got);
  else
    snprintf(msg, sizeof msg, "option '%s' must be at least %s, got %s", key, lo, got);
  return msg;
}

/* An option of the table that the method has no use for (rt_method_unused_option). */
static const char *unused_option(const RtOptions *o, const char *key) {
  const char *why = rt_method_unused_option(o->method, key);
  if (!why) return NULL;
  snprintf(msg, sizeof msg, "option '%s' is not used by method '%s': %s", key, o->method->name,
           why);
  return msg;
}

RT_API const char *rt_options_set_num(RtOptions *o, const char *key, double value) {
  int i = option_index(o->method, key);
  if (i < 0) return unknown_option(o, key);
  if (unused_option(o, key)) return msg;
  const RtOptSpec *s = &o->method->opts[i];
  char got[RT_FMT_NUM_LEN];
  if (s->kind == RT_OPT_WORD) {
    snprintf(msg, sizeof msg, "option '%s' takes one of: %s", key, s->words);
    return msg;
  }
  if (!isfinite(value)) {
    snprintf(msg, sizeof msg, "option '%s' must be a finite number", key);
    return msg;
  }
  if (s->kind == RT_OPT_INT && value != floor(value)) {
    snprintf(msg, sizeof msg, "option '%s' must be an integer, got %s", key,
             rt_fmt_num(value, got));
    return msg;
  }
  if (value < s->min || value > s->max)
    return out_of_range(s, key, value < s->min, rt_fmt_num(value, got));
  o->num[i] = value;
  o->word[i][0] = '\0';
  o->set[i] = true;
  return NULL;
}

RT_API const char *rt_options_set_word(RtOptions *o, const char *key, const char *word) {
  int i = option_index(o->method, key);
  if (i < 0) return unknown_option(o, key);
  if (unused_option(o, key)) return msg;
  const RtOptSpec *s = &o->method->opts[i];
  if (!s->words || !word_allowed(s->words, word)) {
    if (s->words)
      snprintf(msg, sizeof msg, "option '%s' does not accept '%s'; expected %s%s", key, word,
               s->kind == RT_OPT_WORD ? "one of: " : "a number or ", s->words);
    else
      snprintf(msg, sizeof msg, "option '%s' expects a number, got '%s'", key, word);
    return msg;
  }
  snprintf(o->word[i], sizeof o->word[i], "%s", word); /* allowed words are short */
  o->num[i] = NAN;
  o->set[i] = true;
  return NULL;
}

RT_API bool rt_options_isset(const RtOptions *o, const char *key) {
  int i = option_index(o->method, key);
  return i >= 0 && o->set[i];
}

RT_API void rt_options_unset(RtOptions *o, const char *key) {
  int i = option_index(o->method, key);
  if (i >= 0) o->set[i] = false;
}

/* Whether text is a decimal integer: an optional sign, then digits only. */
static bool integer_text(const char *t) {
  if (*t == '-' || *t == '+') t++;
  if (!*t) return false;
  for (; *t; t++)
    if (*t < '0' || *t > '9') return false;
  return true;
}

RT_API const char *rt_options_set_over(RtOptions *o, RtOptions *earlier, const char *key,
                                       const char *value) {
  const char *err = rt_options_set(o, key, value);
  if (err) return err;
  const char *alias = rt_method_alias(o->method, key);
  if (alias && rt_options_isset(earlier, alias)) rt_options_unset(o, alias);
  /* key is this source's now: a later setting of its alias in the same source does not
   * replace it, both stay and disagree (rt_options_check), as without the solve line's */
  rt_options_unset(earlier, key);
  return NULL;
}

RT_API const char *rt_options_set(RtOptions *o, const char *key, const char *value) {
  int i = option_index(o->method, key);
  if (i < 0) return unknown_option(o, key);
  if (unused_option(o, key)) return msg;
  const RtOptSpec *s = &o->method->opts[i];
  char *end;
  /* an integer option given as an integer is checked as one: past 2^53 a double would round
   * it (seed=9007199254740993 to ...992), and the message names the value as typed */
  if (s->kind == RT_OPT_INT && integer_text(value)) {
    errno = 0;
    long long v = strtoll(value, &end, 10);
    bool neg = value[0] == '-';
    if (errno == ERANGE || (double)v < s->min || (double)v > s->max)
      return out_of_range(s, key, neg, value);
  }
  double d; /* decimal text only; a value that underflows is a number the option range-checks */
  if (rt_parse_decimal(value, &d) == 0) return rt_options_set_num(o, key, d);
  return rt_options_set_word(o, key, value);
}

RT_API bool rt_method_random_estimate(const RtOptions *o) {
  const char *name = o->method->name;
  if (strcmp(name, "bsa") == 0 || strcmp(name, "ttsa") == 0) return true;
  if (strcmp(name, "ufom") != 0) return false;
  const char *q = rt_opt_word(o, "q");
  return (q && strcmp(q, "adaptive") == 0) || rt_opt_num(o, "q") < 1;
}

RT_API bool rt_method_zero_draws(const RtOptions *o) {
  return strcmp(o->method->name, "ufom") == 0 && rt_method_random_estimate(o);
}

RT_API const char *rt_options_check(const RtOptions *o, const char *keys[2]) {
  const RtMethodSpec *m = o->method;
  char a[RT_FMT_NUM_LEN], b[RT_FMT_NUM_LEN];
  for (size_t i = 0; m->unrolled && i < NALIASES; i++) {
    const char *common = unrolled_aliases[i][0], *own = unrolled_aliases[i][1];
    double cv = rt_opt_num(o, common), ov = rt_opt_num(o, own);
    if (rt_options_isset(o, common) && rt_options_isset(o, own) && cv != ov) {
      keys[0] = common;
      keys[1] = own;
      snprintf(msg, sizeof msg,
               "options '%s' = %s and '%s' = %s disagree; for method '%s' '%s' is an alias of "
               "'%s'",
               common, rt_fmt_num(cv, a), own, rt_fmt_num(ov, b), m->name, common, own);
      return msg;
    }
  }
  for (size_t i = 0; i < sizeof fixed_opts / sizeof fixed_opts[0]; i++) {
    const char *key = fixed_opts[i].key;
    if (strcmp(fixed_opts[i].method, m->name) != 0 || rt_opt_num(o, key) == fixed_opts[i].value)
      continue;
    keys[0] = keys[1] = key;
    snprintf(msg, sizeof msg, "option '%s' = %s: method '%s' %s; %s must be %s", key,
             rt_fmt_num(rt_opt_num(o, key), a), m->name, fixed_opts[i].why, key,
             rt_fmt_num(fixed_opts[i].value, b));
    return msg;
  }
  if (rt_method_option(m, "m0") && rt_opt_num(o, "m0") > rt_opt_num(o, "m_max")) {
    keys[0] = "m0";
    keys[1] = "m_max";
    snprintf(msg, sizeof msg, "option 'm0' = %s exceeds 'm_max' = %s",
             rt_fmt_num(rt_opt_num(o, "m0"), a), rt_fmt_num(rt_opt_num(o, "m_max"), b));
    return msg;
  }
  /* A small draw of d far from a solution would stop the run with a wrong x and status 0
   * (BSA stopped at |d| = 1.4e-11 with x 56% from x*); rt_solver_new refuses tol on a problem
   * with sample sets, which this table of options cannot see. */
  if (rt_opt_num(o, "tol") > 0 && rt_method_random_estimate(o)) {
    keys[0] = strcmp(m->name, "ufom") == 0 ? "q" : "tol"; /* ufom's q < 1 draws its estimate */
    keys[1] = "tol";
    return rt_tol_refusal(msg, sizeof msg, m->name, false);
  }
  return NULL;
}

RT_API RtRuleBy rt_rule_settings(const char *const keys[2], const char *const *sets,
                                 const char *const *setkeys, int nsets) {
  RtRuleBy by = {-1, -1, false};
  int last[2] = {-1, -1}; /* the last setting that gave keys[k] */
  for (int i = 0; i < nsets; i++)
    for (int k = 0; k < 2; k++) {
      size_t n = strlen(keys[k]);
      if (setkeys ? strcmp(setkeys[i], keys[k]) == 0
                  : strncmp(sets[i], keys[k], n) == 0 && sets[i][n] == '=')
        by.last = i, last[k] = i;
    }
  if (strcmp(keys[0], keys[1]) != 0 && last[0] >= 0 && last[1] >= 0)
    by.other = last[0] < last[1] ? last[0] : last[1];
  for (size_t i = 0; i < NALIASES; i++)
    if ((strcmp(keys[0], unrolled_aliases[i][0]) == 0 &&
         strcmp(keys[1], unrolled_aliases[i][1]) == 0) ||
        (strcmp(keys[1], unrolled_aliases[i][0]) == 0 &&
         strcmp(keys[0], unrolled_aliases[i][1]) == 0))
      by.alias = true;
  return by;
}

RT_API const char *rt_rule_pair_hint(RtRuleBy by) {
  return by.other >= 0 && by.alias ? "the two name one option: give it once" : NULL;
}

RT_API const char *rt_tol_refusal(char *buf, size_t n, const char *method, bool sampled) {
  snprintf(buf, n,
           "option 'tol' needs a deterministic hypergradient estimate, and %s's is random (%s): "
           "one small draw would stop the run anywhere; set outer_steps instead (the trace and "
           "--keep best show the best point)",
           method, sampled ? "the problem samples its data" : "the method draws it");
  return buf;
}

RT_API void rt_options_resolve_aliases(RtOptions *o) {
  for (size_t i = 0; o->method->unrolled && i < NALIASES; i++) {
    int c = option_index(o->method, unrolled_aliases[i][0]);
    int own = option_index(o->method, unrolled_aliases[i][1]);
    assert(c >= 0 && own >= 0);
    if (o->set[c] && !o->set[own]) {
      o->num[own] = o->num[c];
      o->set[own] = true;
    }
    o->num[c] = o->num[own];
  }
}

RT_API const char *rt_seed_parse(const char *what, const char *text, uint64_t *seed) {
  const RtOptSpec *s = rt_method_option(&rt_methods[0], "seed");
  assert(s && s->min == 0);
  bool digits = text[0] != '\0'; /* no sign, no space: strtoull would take "-1" */
  for (const char *t = text; *t; t++) digits &= *t >= '0' && *t <= '9';
  errno = 0;
  unsigned long long v = digits ? strtoull(text, NULL, 10) : 0;
  if (!digits || errno == ERANGE || (double)v > s->max) {
    char hi[RT_FMT_NUM_LEN];
    snprintf(msg, sizeof msg, "%s expects an integer in [0, %s], got '%s'", what,
             rt_fmt_num(s->max, hi), text);
    return msg;
  }
  *seed = v;
  return NULL;
}

RT_API double rt_opt_num(const RtOptions *o, const char *key) {
  int i = option_index(o->method, key);
  assert(i >= 0 && "option not in method table");
  return o->num[i];
}

RT_API int rt_opt_int(const RtOptions *o, const char *key) { return (int)rt_opt_num(o, key); }

RT_API const char *rt_opt_word(const RtOptions *o, const char *key) {
  int i = option_index(o->method, key);
  assert(i >= 0 && "option not in method table");
  return o->word[i][0] ? o->word[i] : NULL;
}
