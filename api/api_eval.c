/* api_eval.c — the C API's oracle evaluation (bloc.h: bloc_eval_at): what `bloc eval`
 * prints, every quantity at one sample draw, the hypergradient exact. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_int.h"
#include "rt_clock.h"
#include "rt_fmt.h"
#include "rt_hypergrad.h"
#include "rt_linalg.h"
#include "rt_mem.h"
#include "rt_oracle.h"
#include "rt_xstep.h"

enum { EVAL_MAX = 24 };

/* What can be asked for, in the order bloc eval prints it; phi, grad_phi and y_star come from
 * rt_phi_exact's Newton solve, hess_phi from 4 nx more of them (only by name: not in "all"). */
static const char *const all_what[] = {"f",        "g",        "grad_x_f", "grad_y_f",
                                       "grad_y_g", "hvp_yy",   "hvp_xy",   "hypergrad",
                                       "phi",      "grad_phi", "y_star",   "hess_phi"};
enum { NWHAT = sizeof all_what / sizeof all_what[0], W_HG = 7, W_PHI = 8, W_HESS = 11 };

const char *bloc_eval_quantities(void) {
  return "f, g, grad_x_f, grad_y_f, grad_y_g, hvp_yy, hvp_xy, hypergrad, phi, grad_phi, y_star, "
         "hess_phi";
}

const char *api_eval_hint(const char *bad, int badlen, char *buf, size_t len) {
  char name[64];
  if (badlen <= 0 || badlen >= (int)sizeof name) return NULL;
  memcpy(name, bad, (size_t)badlen);
  name[badlen] = '\0';
  const char *near = rt_nearest_name(name, all_what, NWHAT);
  if (!near) return NULL;
  snprintf(buf, len, "did you mean '%s'?", near);
  return buf;
}

typedef struct EvalItem {
  const char *name;
  double *v;
  int64_t n;
} EvalItem;

struct bloc_eval {
  EvalItem item[EVAL_MAX];
  int n;
  const char *hg_solver;
  bool hg_null_noted; /* hypergrad's note on a minimum's null space (null_note) was given */
};

/* Parse "a,b,c" into want[]; 0, or -1 with *bad, *badlen the first unknown name. An empty
 * name is unknown: "" (Python's what=[]) or "f," names no quantity where one was meant, and
 * evaluating nothing, or everything, would hide the slip. */
static int parse_what(const char *what, bool want[NWHAT], const char **bad, int *badlen) {
  bool all = !what || strcmp(what, "all") == 0;
  for (int i = 0; i < NWHAT; i++) want[i] = all && i != W_HESS; /* 4 nx solves: by name */
  for (const char *s = what; !all;) {
    const char *comma = strchr(s, ',');
    size_t len = comma ? (size_t)(comma - s) : strlen(s);
    bool ok = false;
    for (int i = 0; i < NWHAT; i++)
      if (len && strlen(all_what[i]) == len && strncmp(all_what[i], s, len) == 0)
        want[i] = ok = true;
    if (!ok) {
      *bad = s;
      *badlen = (int)len;
      return -1;
    }
    if (!comma) break;
    s = comma + 1;
  }
  return 0;
}

int bloc_eval_check_what(const char *what, const char **bad, int *badlen) {
  bool want[NWHAT];
  const char *b;
  int n;
  if (parse_what(what, want, &b, &n) == 0) return BLOC_OK;
  if (bad) *bad = b;
  if (badlen) *badlen = n;
  return BLOC_ERR_INPUT;
}

static double *item(bloc_eval *e, const char *name, int64_t n) {
  double *v = calloc((size_t)(n > 0 ? n : 1), sizeof(double));
  if (!v) blo_oom(sizeof(double) * (size_t)n);
  e->item[e->n++] = (EvalItem){name, v, n};
  return v;
}

/* A part of the evaluation that took a second or more, said as bloc compare says its
 * yardstick's cost: eval's defaults compute everything, and a 1600-variable network's dense
 * Hessians took 21 s with nothing said (--what f,g,... alone: 0.13 s). */
static void note_slow(bloc_problem *p, const char *what, double t0, const char *why,
                      bool by_name) {
  double t = rt_seconds() - t0;
  if (t >= 1)
    api_diag(p, BLOC_NOTE, NULL, "%s took %.3g s (%s%s)", what, t, why,
             by_name ? "" : "; --what can leave it out");
}

/* The status of a step of the evaluation that failed: BLOC_ERR_MEMORY when it ran out of
 * memory (rt_oom_take, rt_mem.h; the flag is taken), else `otherwise`. */
static int failed(int otherwise) { return rt_oom_take() ? BLOC_ERR_MEMORY : otherwise; }

/* The note on a lower Hessian singular at a minimum along directions that grad_y f and the
 * mixed products do not see (RtHypergrad.null_dim): a symmetry of g, such as U V' under
 * (U Q, V Q), whose minimisers form a set; phi and grad phi are the same on it. */
static const char *null_note(int64_t dim, double min_eig, double max_eig, double nb, double nj,
                             char *buf, size_t len) {
  char eig[96] = "";
  if (isfinite(min_eig))
    snprintf(eig, sizeof eig, " (eigenvalues in [%.3g, %.3g])", min_eig, max_eig);
  snprintf(buf, len,
           "the lower Hessian is singular at this minimum of g%s along %lld direction%s that "
           "grad_y f and grad_xy g do not see (their parts along them %.2g and %.2g of their "
           "size, rounding): a symmetry of g, such as the rotation U Q, V Q of a factorisation "
           "U V', so y*(x) is a set, and phi and grad phi are the same at each of its points "
           "(v solved by the pseudo-inverse)",
           eig, (long long)dim, dim == 1 ? "" : "s", nb, nj);
  return buf;
}

int bloc_set_eval_option(bloc_problem *p, const char *key, const char *value) {
  if (!p) return BLOC_ERR_STATE;
  if (!key) return api_null_arg(p, "bloc_set_eval_option", "key");
  if (!value) return api_null_arg(p, "bloc_set_eval_option", "value");
  api_begin(p, "option");
  if (strcmp(key, "max_inner") != 0) {
    api_diag(p, BLOC_ERROR, NULL, "unknown eval setting '%s': the only one is max_inner, the "
             "most Newton steps of the solve for y*(x)", key);
    return api_end(p, BLOC_ERR_INPUT);
  }
  char *end;
  double v = strtod(value, &end);
  if (end == value || *end || !(v >= 1 && v <= 1e9) || v != floor(v)) {
    api_diag(p, BLOC_ERROR, NULL, "max_inner = '%s': expected a whole number from 1 to 1e9",
             value);
    return api_end(p, BLOC_ERR_INPUT);
  }
  p->eval_max_inner = (int)v;
  return api_end(p, BLOC_OK);
}

/* phi, grad_phi and y_star at x (what asked for, want[W_PHI..]): rt_phi_exact, bloc compare's
 * yardstick, its Newton solve from the caller's y when given (else y0). Where they cannot be
 * computed, an error when asked for by name (numerical when the Newton solve ran and failed),
 * a note when `what` asked for everything. */
static int eval_phi(bloc_problem *p, bloc_eval *e, const bool want[NWHAT], const char *what,
                    const double *x, const double *y) {
  if (!want[W_PHI] && !want[W_PHI + 1] && !want[W_PHI + 2]) return BLOC_OK;
  const BloProblem *bp = blo_problem(p->c);
  /* a sampled program's phi is over all the data, its full variant's (every sample set whole),
   * as the end-of-run check and bloc compare measure it: eval refused it ("phi at one draw is
   * not phi"), and the run's note sent the user to rewrite the program with batch(N) of N */
  const BloProblem *full = blo_problem_stochastic(bp) ? api_full_problem(p) : NULL;
  if (full) bp = full;
  double *buf = calloc((size_t)(bp->nx + bp->ny + 1), sizeof(double));
  if (!buf) blo_oom(sizeof(double) * (size_t)(bp->nx + bp->ny + 1));
  RtPhiAt at = {.x = x,
                .y_start = y,
                .sharded = blo_sharded(p->c),
                .grad = buf,
                .ystar = buf + bp->nx,
                .nonsmooth_op = blo_program(p->c)->nonsmooth_op,
                .no_grad = !want[W_PHI + 1],
                .spread = want[W_PHI + 1],
                .max_newton = p->eval_max_inner};
  RtPhi phi;
  int rc = BLOC_OK;
  double t0 = rt_seconds();
  int phi_rc = rt_phi_exact(bp, &at, &phi);
  /* a program whose mean over the draws has no form over all the data has no full variant:
   * the reason, not "phi at one draw is not phi" (a -D to batch(N) would not cure it) */
  if (phi_rc && blo_problem_stochastic(bp) && blo_full_why(p->c))
    snprintf(phi.why, sizeof phi.why, "phi over all the data has no form here: %s",
             blo_full_why(p->c));
  char why[96];
  if (phi.by_cg)
    snprintf(why, sizeof why, "Newton-CG for y*(x), %llu Hessian-vector products of %lld lower "
             "variables", (unsigned long long)phi.hvps, (long long)bp->ny);
  else
    snprintf(why, sizeof why, "Newton's method for y*(x), a dense Hessian of %lld lower "
             "variables a step", (long long)bp->ny);
  bool by_name = what && strcmp(what, "all") != 0;
  note_slow(p, "phi", t0, why, by_name);
  /* the docs promise y*(x) to y_tol; where the float data's rounding stopped Newton far above
   * it (|G y* - x| = 6e-3 on a G of condition 1e6), phi and y_star came with exit 0 and no
   * word: the values, as good as f32 gets, with a warning and, asked for by name, the status
   * of a Newton solve that failed */
  if (phi_rc == 0 && phi.float_floor) {
    api_diag(p, BLOC_WARNING, NULL,
             "phi, grad_phi and y_star: Newton's method on g stopped at |grad_y g| = %.3g > "
             "y_tol = %.3g: Newton steps no longer lower it (the rounding of the float data, "
             "precision f32), and y*(x) is only as good as that; precision f64 (or the interp "
             "backend) reaches y_tol", phi.lower_norm, phi.lower_tol);
    if (by_name) rc = BLOC_ERR_NUMERICAL;
  }
  /* a degenerate lower minimiser (g = (x + y - 20)^4): phi 2303.948 where it is 2304 and
   * grad_phi 0.00406 where it is 0 came with exit 0 and no word: say what the values rest on */
  if (phi_rc == 0 && phi.degenerate)
    api_diag(p, BLOC_NOTE, NULL,
             "phi, grad_phi and y_star: g is not strongly convex at y*(x) (a degenerate "
             "minimiser: Newton's method on g reached y_tol only linearly as the lower Hessian "
             "vanished): y*(x) is only accurate to about %.3g, phi and grad_phi only as good "
             "as that, and grad_phi rests on a lower Hessian near 0",
             phi.ystar_err);
  /* an ill-conditioned lower Hessian: grad_phi -0.3638 from y0 and -0.3282 from the first
   * y*(x) where it is -0.32936 (condition 3.75e8) came with exit 0 and no word: how many
   * digits it has, and why (rt_phi_digits_note); asked for by name with none, status 2 */
  char digits[1024];
  if (phi_rc == 0 && want[W_PHI + 1] &&
      rt_phi_digits_note(&phi, "grad_phi", digits, sizeof digits)) {
    api_diag(p, BLOC_WARNING, NULL, "%s", digits);
    if (by_name && !(phi.grad_size > phi.grad_spread)) rc = BLOC_ERR_NUMERICAL;
  }
  char note[640];
  if (phi_rc == 0 && phi.null_dim > 0 && e->hg_null_noted)
    api_diag(p, BLOC_NOTE, NULL, "phi, grad_phi and y_star: likewise at y*(x) (parts %.2g and "
             "%.2g)", phi.null_b, phi.null_j);
  else if (phi_rc == 0 && phi.null_dim > 0)
    api_diag(p, BLOC_NOTE, NULL, "phi, grad_phi and y_star: %s",
             null_note(phi.null_dim, NAN, NAN, phi.null_b, phi.null_j, note, sizeof note));
  /* Hessians not positive definite on Newton's way, that null space short of the minimum
   * (RtPhi.null_path_w0): said, since a run of exact would warn of them */
  if (phi_rc == 0 && phi.null_dim > 0 && phi.null_path_w0 < 0)
    api_diag(p, BLOC_NOTE, NULL, "phi, grad_phi and y_star: Newton's way there from %s met "
             "lower Hessians with eigenvalues down to %.3g, along those directions short of the "
             "minimum (no more of them near 0, and within a hundredth of the least other "
             "eigenvalue at the minimum): not a g non-convex on the way",
             y ? "the given y" : "y0", phi.null_path_w0);
  /* a minimum reached through a part of y where g is not convex (s51 nuO F2: the
   * entropy-regularised logit from y0 = 0 was refused, "g is not strongly convex"): said, and
   * that phi is the minimum's reached from this start where g has others */
  if (phi_rc == 0 && phi.nonconvex_path) {
    char at_gn[64] = "";
    if (isfinite(phi.path_gn))
      snprintf(at_gn, sizeof at_gn, ", first where |grad_y g| = %.3g", phi.path_gn);
    api_diag(p, BLOC_NOTE, NULL, "phi, grad_phi and y_star: g is not convex in y on Newton's "
             "way from %s (curvature down to %.3g%s), and its steps there were shifted to "
             "descend; they reached a minimum where the lower Hessian is positive definite. "
             "Where g has other minima, phi is that of the one reached from %s (a y given with "
             "x, near the minimum meant, starts Newton there)",
             phi.retried ? "the run's y" : y ? "the given y" : "y0", phi.path_w0, at_gn,
             phi.retried ? "there" : y ? "it" : "y0");
  }
  if (phi_rc == 0) {
    if (want[W_PHI]) *item(e, "phi", 1) = phi.phi;
    if (want[W_PHI + 1])
      memcpy(item(e, "grad_phi", bp->nx), at.grad, sizeof(double) * (size_t)bp->nx);
    /* with constrained x, grad phi is not 0 at a solution on the boundary: the stationarity
     * measure beside it, bloc compare's |x-P(x-grad phi)|, which a user had to compute */
    if (want[W_PHI + 1] && phi.projected) *item(e, "grad_phi_projected_norm", 1) = phi.grad_norm;
    if (want[W_PHI + 2])
      memcpy(item(e, "y_star", bp->ny), at.ystar, sizeof(double) * (size_t)bp->ny);
  } else if (phi.phi_only) {
    /* y*(x) reached y_tol and only the solve for grad phi's v failed: phi and y_star stand
     * (--what phi gave null and status 2, naming that solve) */
    if (want[W_PHI]) *item(e, "phi", 1) = phi.phi;
    if (want[W_PHI + 2])
      memcpy(item(e, "y_star", bp->ny), at.ystar, sizeof(double) * (size_t)bp->ny);
    if (want[W_PHI + 1] && !by_name) {
      api_diag(p, BLOC_NOTE, NULL, "grad_phi not computed (phi and y_star were): %s", phi.why);
    } else if (want[W_PHI + 1]) {
      api_diag(p, BLOC_ERROR, NULL, "grad_phi not computed (phi and y_star were: y*(x) by Newton "
               "reached y_tol): %s", phi.why);
      rc = failed(BLOC_ERR_NUMERICAL);
    }
  } else if (!what || strcmp(what, "all") == 0) {
    api_diag(p, BLOC_NOTE, NULL, "phi, grad_phi and y_star not computed: %s%s", phi.why,
             phi.capped ? "; more steps may reach y*(x): --set max_inner=N (bloc eval)" : "");
  } else {
    char more[160] = "";
    if (phi.capped)
      snprintf(more, sizeof more, "; more steps may reach y*(x): --set max_inner=N (bloc "
               "eval) with N above %d", phi.newton_steps);
    api_diag(p, BLOC_ERROR, NULL, "phi (y*(x) by Newton) not computed: %s%s", phi.why,
             phi.not_convex && !y && !phi.null_seen && !phi.saddle
                 ? " (a y given with x, near the minimum meant, starts Newton there)"
                 : more);
    /* numerical where Newton ran and failed: g not finite at x (exp(800) * 0) was status 1
     * with nothing printed, where the doc gives 2 with the other items and null */
    rc = failed(phi.solve_ran ? BLOC_ERR_NUMERICAL : BLOC_ERR_INPUT);
  }
  free(buf);
  return rc;
}

/* The name of x[i] as a user writes it: "s", "beta[1]", "W[0, 2]". */
static const char *x_elem_name(const BloProblem *bp, int64_t i, char *buf, size_t len) {
  for (int k = 0; k < bp->n_vars; k++) {
    const BloVarInfo *v = &bp->vars[k];
    int64_t size = v->rank == 0 ? 1 : v->rank == 1 ? v->rows : v->rows * v->cols;
    if (v->level != 0 || i < v->offset || i >= v->offset + size) continue;
    int64_t j = i - v->offset;
    if (v->rank == 0) snprintf(buf, len, "%s", v->name);
    else if (v->rank == 1) snprintf(buf, len, "%s[%lld]", v->name, (long long)j);
    else snprintf(buf, len, "%s[%lld, %lld]", v->name, (long long)(j / v->cols),
                  (long long)(j % v->cols));
    return buf;
  }
  snprintf(buf, len, "x[%lld]", (long long)i);
  return buf;
}

/* Eigenvector row ev [n] as "0.71 asc[0] - 0.71 asc[1]": its parts of 0.1 or more in x's
 * order (at most 8), signed so that the first is positive; "asc[0]" alone for a unit one. */
static void direction_text(const BloProblem *bp, const double *ev, int64_t n, char *buf,
                           size_t len) {
  double sign = 1;
  for (int64_t k = 0; k < n; k++)
    if (fabs(ev[k]) >= 0.1) {
      sign = ev[k] < 0 ? -1 : 1;
      break;
    }
  size_t at = 0;
  int shown = 0;
  buf[0] = '\0';
  for (int64_t k = 0; k < n && at + 1 < len; k++) {
    double c = sign * ev[k];
    if (fabs(c) < 0.1) continue;
    char name[96];
    x_elem_name(bp, k, name, sizeof name);
    if (shown == 8) {
      at += (size_t)snprintf(buf + at, len - at, " + ...");
      break;
    }
    if (fabs(c) > 0.995)
      at += (size_t)snprintf(buf + at, len - at, "%s%s", c < 0 ? "-" : "", name);
    else
      at += (size_t)snprintf(buf + at, len - at, "%s%.2g %s",
                             shown ? (c < 0 ? " - " : " + ") : (c < 0 ? "-" : ""), fabs(c), name);
    shown++;
  }
}

/* hess_phi: the Hessian of phi at x (new-user pass O, session 51: an econometrician's standard
 * errors and identification, which took 14 hand-made bloc eval calls). Central differences of
 * the exact grad phi (rt_phi_exact, each y*(x +- h e_i) by Newton warm-started from y*(x)) at
 * steps h and 2h per coordinate, h = s_i cbrt(eta) with s_i = max(|x_i|, 0.1) and eta grad
 * phi's relative noise (the rounding of f64, or how far y*(x) moves it: RtPhi.grad_spread);
 * Richardson's extrapolation of the two, symmetrised, with its estimated accuracy (below) and
 * the asymmetry |H - H'|. Eigenvalues within the eigenvalues' accuracy (twice the Frobenius
 * norm of the entries' estimated errors) of 0 name the directions of x that phi does not
 * identify; a negative one beyond it says phi is not convex at x. */
enum { HESS_MAX_NX = 400 };
static int eval_hess_phi(bloc_problem *p, bloc_eval *e, const double *x, const double *y) {
  const BloProblem *bp = blo_problem(p->c);
  const BloProblem *full = blo_problem_stochastic(bp) ? api_full_problem(p) : NULL;
  if (full) bp = full;
  int64_t nx = bp->nx, ny = bp->ny;
  if (nx > HESS_MAX_NX) {
    api_diag(p, BLOC_ERROR, NULL,
             "hess_phi: %lld upper variables are more than the %d it is computed for: it costs "
             "4 nx = %lld solves of y*(x) and an nx x nx matrix; ask for grad_phi, or evaluate "
             "a program with fewer upper variables (fix the others as data)",
             (long long)nx, HESS_MAX_NX, 4 * (long long)nx);
    return BLOC_ERR_INPUT;
  }
  size_t n2 = (size_t)(nx * nx);
  double *buf = calloc(6 * n2 + 8 * (size_t)nx + 2 * (size_t)ny + 4, sizeof(double));
  if (!buf) blo_oom(sizeof(double) * (6 * n2 + 8 * (size_t)nx + 2 * (size_t)ny));
  double *D1 = buf, *D2 = D1 + n2, *H = D2 + n2, *E = H + n2, *V = E + n2, *S4 = V + n2,
         *g0 = S4 + n2, *gp = g0 + nx, *gm = gp + nx, *xs = gm + nx, *steps = xs + nx,
         *w = steps + nx, *gw = w + nx, *noise = gw + nx, *ys = noise + nx, *yd = ys + ny;
  RtPhiAt at = {.x = x, .y_start = y, .sharded = blo_sharded(p->c), .grad = g0, .ystar = ys,
                .nonsmooth_op = blo_program(p->c)->nonsmooth_op, .spread = true,
                .max_newton = p->eval_max_inner};
  RtPhi phi;
  double t0 = rt_seconds();
  int rc = BLOC_OK;
  if (rt_phi_exact(bp, &at, &phi) != 0) {
    if (blo_problem_stochastic(bp) && blo_full_why(p->c)) /* as eval_phi says it */
      snprintf(phi.why, sizeof phi.why, "phi over all the data has no form here: %s",
               blo_full_why(p->c));
    api_diag(p, BLOC_ERROR, NULL, "hess_phi not computed: grad phi at x could not be measured: "
             "%s", phi.why);
    rc = failed(phi.solve_ran ? BLOC_ERR_NUMERICAL : BLOC_ERR_INPUT);
    free(buf);
    return rc;
  }
  double eta = blo_precision(p->c) == BLO_PREC_F32 ? 1e-6 : 1e-13;
  if (isfinite(phi.grad_spread) && phi.grad_spread > 0)
    eta = fmax(eta, phi.grad_spread / fmax(phi.grad_size, fabs(phi.phi) + 1e-300));
  double cb = cbrt(eta);
  memcpy(xs, x, sizeof(double) * (size_t)nx);
  for (int64_t i = 0; i < nx && rc == BLOC_OK; i++) {
    steps[i] = cb * fmax(fabs(x[i]), 0.1);
    for (int k = 0; k < 2 && rc == BLOC_OK; k++) {
      double h = steps[i] * (k ? 2 : 1);
      double *D = k ? D2 : D1;
      for (int sgn = 0; sgn < 2; sgn++) {
        xs[i] = x[i] + (sgn ? -h : h);
        RtPhiAt a = at;
        a.x = xs;
        a.y_start = ys; /* warm: y*(x) */
        a.grad = sgn ? gm : gp;
        a.ystar = yd;
        a.spread = false;
        RtPhi ph;
        if (rt_phi_exact(bp, &a, &ph) != 0) {
          char name[96];
          api_diag(p, BLOC_ERROR, NULL, "hess_phi not computed: grad phi at x with %s %s %.3g "
                   "(a central difference) could not be measured: %s; central differences need "
                   "phi within 2 h of x along every upper variable (h = %.3g max(|x_i|, 0.1))",
                   x_elem_name(bp, i, name, sizeof name), sgn ? "-" : "+", h, ph.why, cb);
          rc = failed(ph.solve_ran ? BLOC_ERR_NUMERICAL : BLOC_ERR_INPUT);
          break;
        }
      }
      double dh = (x[i] + h) - (x[i] - h); /* the step taken: what x +- h rounded to */
      /* S4: the fourth difference g(-2h) - 4 g(-h) + 6 g(x) - 4 g(h) + g(2h) but its g(x) */
      for (int64_t r = 0; rc == BLOC_OK && r < nx; r++) {
        D[r * nx + i] = (gp[r] - gm[r]) / dh;
        S4[r * nx + i] = (k ? S4[r * nx + i] : 0) + (k ? 1 : -4) * (gp[r] + gm[r]);
      }
      xs[i] = x[i];
    }
  }
  if (rc != BLOC_OK) {
    free(buf);
    return rc;
  }
  double terms = 0; /* the size of grad phi's terms, grad_x f and (grad_xy g) v */
  /* grad phi at x once more, warm-started from the last neighbour's y*: the cold solve's
   * g0 can be much further off (|grad_y g| just under y_tol: 4e-13 on grad phi where the
   * neighbours' were 2e-16), and the fourth differences below would measure that */
  {
    RtPhiAt a = at;
    a.y_start = yd;
    a.grad = gw;
    a.ystar = yd;
    a.spread = false;
    RtPhi ph;
    if (rt_phi_exact(bp, &a, &ph) != 0) {
      memcpy(gw, g0, sizeof(double) * (size_t)nx);
      ph.grad_terms = phi.grad_terms;
    }
    terms = isfinite(ph.grad_terms) ? ph.grad_terms : 0;
  }
  /* H = Richardson's (4 D(h) - D(2h)) / 3, which cancels D's h^2 term, t = |D(h) - D(2h)| / 3.
   * Its error estimated entry by entry as the sum of: the next term, t times t / max|H| (each
   * term smaller by that ratio); the noise of the gradients, which the extrapolation does not
   * cancel but amplifies: with noise delta_r on grad phi's entry r, H_rc carries about
   * 0.95 delta_r / h_c of it (a standard deviation), three times that taken, where delta_r is
   * measured by the fourth differences along every coordinate (pure noise but for an h^4
   * term: their RMS over sqrt(70)), and no less than eps times the larger of grad phi's
   * entry and its terms (grad_x f, (grad_xy g) v: they cancel near a stationary x); four
   * times the asymmetry |H_ij - H_ji| (another sample of that noise); and eta max|H|. The
   * noise term was missing before (nuQ, session 51): a double well's 0.84375 came out
   * 2.1e-11 off, its accuracy said 8.4e-14, the noise of grad phi's last bit over h; now
   * 5.5e-11. On the closed forms of tests/e2e/hess_phi.sh, the nuO demand and firm
   * problems, the double well, a tan problem and a ridge problem (torch's Hessians), the
   * largest error was 0.1-0.6 times the accuracy. An estimate, not a bound. */
  double acc = 0, asym = 0, accf = 0, hmax = 0;
  double ulp = blo_precision(p->c) == BLO_PREC_F32 ? FLT_EPSILON : DBL_EPSILON;
  for (size_t k = 0; k < n2; k++) {
    H[k] = (4 * D1[k] - D2[k]) / 3;
    E[k] = fabs(D1[k] - D2[k]) / 3;
    hmax = fmax(hmax, fabs(H[k]));
  }
  for (int64_t r = 0; r < nx; r++) {
    double ss = 0;
    for (int64_t c = 0; c < nx; c++) {
      double d4 = S4[r * nx + c] + 6 * gw[r];
      ss += d4 * d4 / 70;
    }
    noise[r] = fmax(sqrt(ss / (double)nx), ulp * fmax(fabs(gw[r]), terms));
  }
  for (int64_t r = 0; r < nx; r++)
    for (int64_t c = 0; c < nx; c++) {
      double t = fmax(E[r * nx + c], E[c * nx + r]), as = fabs(H[r * nx + c] - H[c * nx + r]);
      double nz = 3 * 0.95 * fmax(noise[r] / steps[c], noise[c] / steps[r]);
      double ec = t * fmin(1, t / fmax(hmax, 1e-300)) + nz + 4 * as + eta * hmax;
      acc = fmax(acc, ec);
      accf += ec * ec;
      asym = fmax(asym, as);
      V[r * nx + c] = 0.5 * (H[r * nx + c] + H[c * nx + r]);
    }
  accf = sqrt(accf); /* a bound on the symmetric matrix's error in the 2-norm */
  /* how far an eigenvalue may be off: twice that, itself no further than accf (Weyl) */
  double eacc = 2 * accf;
  double *hv = item(e, "hess_phi", nx * nx);
  memcpy(hv, V, sizeof(double) * n2);
  *item(e, "hess_phi_accuracy", 1) = acc;
  *item(e, "hess_phi_eigenvalue_accuracy", 1) = eacc;
  *item(e, "hess_phi_asymmetry", 1) = asym;
  memcpy(item(e, "hess_phi_steps", nx), steps, sizeof(double) * (size_t)nx);
  int64_t lwork = rt_sym_eig_lwork(nx);
  double *work = malloc(sizeof(double) * (size_t)(lwork > 0 ? lwork : 1));
  if (!work) blo_oom(sizeof(double) * (size_t)lwork);
  if (rt_sym_eig(nx, V, w, work, lwork) == 0) {
    memcpy(item(e, "hess_phi_eigenvalues", nx), w, sizeof(double) * (size_t)nx);
    double top = fmax(fabs(w[0]), fabs(w[nx - 1]));
    for (int64_t k = 0; k < nx; k++) {
      char dir[512];
      if (fabs(w[k]) <= fmax(eacc, 1e-10 * top)) {
        direction_text(bp, V + k * nx, nx, dir, sizeof dir);
        api_diag(p, BLOC_WARNING, NULL,
                 "hess_phi: phi is flat along %s (eigenvalue %.3g of the Hessian of phi, 0 to "
                 "within %.2g, the eigenvalues' accuracy, hess_phi_eigenvalue_accuracy; the "
                 "largest is %.3g): the upper objective does not "
                 "identify x along that direction, and standard errors from the inverse "
                 "Hessian are not defined; fix a normalisation (pin one of the variables named, "
                 "as data) or bound x",
                 dir, w[k], eacc, top);
      } else if (w[k] < 0) {
        direction_text(bp, V + k * nx, nx, dir, sizeof dir);
        api_diag(p, BLOC_WARNING, NULL,
                 "hess_phi: the Hessian of phi has a negative eigenvalue %.3g (beyond %.2g, "
                 "the eigenvalues' accuracy, hess_phi_eigenvalue_accuracy) along %s: phi is "
                 "not convex at x, so x is no minimum of phi "
                 "(a saddle or a maximum along it where grad phi is 0), and the inverse "
                 "Hessian is no covariance",
                 w[k], eacc, dir);
      }
    }
  }
  free(work);
  char why[128];
  snprintf(why, sizeof why, "%lld solves of y*(x), 4 per upper variable, each warm-started",
           4 * (long long)nx + 2);
  note_slow(p, "hess_phi", t0, why, true);
  free(buf);
  return rc;
}

/* An error for each quantity of e with values that are not finite (log of a negative x, an
 * overflow): bloc eval printed them as null with status 2, the API returned them with status 0
 * and no word. Returns whether there was one. */
static bool nonfinite_items(bloc_problem *p, const bloc_eval *e) {
  bool any = false;
  for (int i = 0; i < e->n; i++) {
    const EvalItem *it = &e->item[i];
    int64_t bad = 0, first = -1;
    for (int64_t j = 0; j < it->n; j++)
      if (!isfinite(it->v[j]) && bad++ == 0) first = j;
    if (!bad) continue;
    any = true;
    char num[RT_FMT_NUM_LEN];
    if (it->n == 1)
      api_diag(p, BLOC_ERROR, NULL, "%s is not finite at this point (%s)", it->name,
               rt_fmt_num(it->v[0], num));
    else
      api_diag(p, BLOC_ERROR, NULL, "%s has %lld of %lld values that are not finite at this point "
               "(the first, [%lld] (0-based), is %s)", it->name, (long long)bad, (long long)it->n,
               (long long)first, rt_fmt_num(it->v[first], num));
  }
  return any;
}

int bloc_eval_at(bloc_problem *p, const char *what, const double *x, const double *y,
                 const double *v, bloc_eval **out) {
  if (out) *out = NULL;
  if (!p) return BLOC_ERR_STATE;
  if (!out) return api_null_arg(p, "bloc_eval_at", "out");
  api_begin(p, "eval");
  bool want[NWHAT];
  const char *bad;
  int badlen;
  if (parse_what(what, want, &bad, &badlen)) {
    char hint[96];
    api_diag(p, BLOC_ERROR, api_eval_hint(bad, badlen, hint, sizeof hint),
             "unknown quantity '%.*s'; expected a comma-separated list of %s, or all", badlen, bad,
             bloc_eval_quantities());
    return api_end(p, BLOC_ERR_INPUT);
  }
  int rc = api_ensure_prepared(p, "all");
  if (rc) return api_end(p, rc);
  const BloProblem *bp = blo_problem(p->c);
  int64_t nx = bp->nx, ny = bp->ny;
  p->category = "data"; /* a point that is not finite; the rest is the evaluation's */
  if (api_nonfinite(p, "bloc_eval_at", "x", x, nx) ||
      api_nonfinite(p, "bloc_eval_at", "y", y, ny) || api_nonfinite(p, "bloc_eval_at", "v", v, ny))
    return api_end(p, BLOC_ERR_INPUT);
  p->category = "eval";
  RtOracle o;
  char err[1024];
  rt_oom_take(); /* out of memory below is BLOC_ERR_MEMORY (rt_mem.h), not bad input */
  /* the exact hypergradient and phi factorise with LAPACK: OpenBLAS's buffer, as a solve */
  if (rt_blas_fit_limit(err, sizeof err) ||
      rt_oracle_init(&o, bp, api_draw_seed(p), 1, err, sizeof err) != 0) {
    api_diag(p, BLOC_ERROR, NULL, "%s", err);
    return api_end(p, failed(BLOC_ERR_INPUT));
  }
  /* sharded (a rank of mpirun): every output summed over the ranks, as a solve does */
  if (rt_oracle_set_sharded(&o, blo_sharded(p->c)) != 0)
    blo_oom(sizeof(double) * (size_t)(1 + nx + 2 * ny));
  /* x y v gx gyf gyg: the point, the direction and the gradients every item may need */
  double *buf = calloc((size_t)(2 * nx + 4 * ny + 2), sizeof(double));
  bloc_eval *e = calloc(1, sizeof *e);
  if (!buf || !e) blo_oom(sizeof(double) * (size_t)(2 * nx + 4 * ny + 2));
  double *px = buf, *py = px + nx, *pv = py + ny, *gx = pv + ny, *gyf = gx + nx, *gyg = gyf + ny;
  memcpy(px, x ? x : bp->x0, sizeof(double) * (size_t)nx);
  memcpy(py, y ? y : bp->y0, sizeof(double) * (size_t)ny);
  for (int64_t i = 0; i < ny; i++) pv[i] = v ? v[i] : 1.0;
  RtDraw key = rt_oracle_draw(&o); /* every quantity at the same sample draw */
  /* The initial point is the one a solve starts from: x0 projected onto the constraints, by
   * the solver's own code and with its warning. A given x is evaluated as given (the point
   * asked for), and a warning says when it lies outside (gx, not yet used, takes its P(x)). */
  RtXStart start;
  if (x) memcpy(gx, x, sizeof(double) * (size_t)nx);
  if (rt_xstep_project_start(bp, x ? gx : px, &start, err, sizeof err) != 0) {
    p->category = "data"; /* bounds from data that make an empty box */
    api_diag(p, BLOC_ERROR, NULL, "%s", err);
    rt_oracle_free(&o);
    free(buf);
    free(e);
    return api_end(p, BLOC_ERR_INPUT);
  }
  if (start.outside && !x) api_diag(p, BLOC_WARNING, NULL, "%s", start.warning);
  else if (start.outside)
    api_diag(p, BLOC_WARNING, NULL,
             "the given x lies outside the constraints of the upper variables (|x - P(x)| = "
             "%.6g): evaluated there as given, not at P(x), where a solve from it would start",
             start.moved);
  /* y0 follows x when the lower initialiser uses x: a given x as bloc_set_start (run's
   * --init-x) has it, the projected x0 as the solve does, Phi(P(x0)), unless y0 was given */
  bool y_follows = x || (start.moved > 0 && !p->y0_given);
  if (!y && bp->init_uses_x && y_follows) rt_oracle_init_y(&o, key, px, py);
  if (want[0]) *item(e, "f", 1) = rt_oracle_f(&o, key, px, py);
  if (want[1]) *item(e, "g", 1) = rt_oracle_g(&o, key, px, py);
  rt_oracle_grad_f(&o, key, px, py, gx, gyf);
  if (want[2]) memcpy(item(e, "grad_x_f", nx), gx, sizeof(double) * (size_t)nx);
  if (want[3]) memcpy(item(e, "grad_y_f", ny), gyf, sizeof(double) * (size_t)ny);
  rt_oracle_grad_g(&o, key, px, py, gyg);
  if (want[4]) memcpy(item(e, "grad_y_g", ny), gyg, sizeof(double) * (size_t)ny);
  if (want[5]) rt_oracle_hvp(&o, key, px, py, pv, item(e, "hvp_yy", ny));
  if (want[6]) rt_oracle_mixed(&o, key, px, py, pv, item(e, "hvp_xy", nx));
  int status = BLOC_OK;
  if (want[W_HG]) {
    double *hg = calloc((size_t)(nx + ny + 1), sizeof(double));
    if (!hg) blo_oom(sizeof(double) * (size_t)(nx + ny + 1));
    /* where |grad_y g| is below the warning's threshold below, (x, y) is taken for a minimum:
     * a singular Hessian there may be a symmetry of g (U V' under U Q, V Q) */
    RtHypergrad info = {.dense_max = RT_HG_DENSE_MAX, .cg_rtol = 1e-12, .hg = hg, .v = hg + nx,
                        .min_gtol = 1e-8 * fmax(1.0, rt_nrm2(ny, gyf))};
    double t0 = rt_seconds();
    int hg_rc = rt_hypergrad_exact(&o, key, px, py, &info, err, sizeof err);
    note_slow(p, "hypergrad", t0,
              info.how == RT_HG_CG ? "conjugate gradients to a 1e-12 residual"
                                   : "a dense lower Hessian, one product per lower variable",
              what && strcmp(what, "all") != 0);
    if (hg_rc == 0) {
      char note[640];
      memcpy(item(e, "hypergrad", nx), hg, sizeof(double) * (size_t)nx);
      e->hg_solver = rt_hg_how_name(info.how);
      *item(e, "hypergrad_residual", 1) = info.residual;
      if (info.how == RT_HG_EIGEN) *item(e, "lower_hessian_min_eig", 1) = info.min_eig;
      /* (a positive definite one too ill-conditioned for Cholesky's pivots is no warning) */
      e->hg_null_noted = info.null_dim > 0;
      if (info.null_dim > 0)
        api_diag(p, BLOC_NOTE, NULL, "hypergrad: %s", null_note(info.null_dim, info.min_eig,
                 info.max_eig, info.null_b, info.null_j, note, sizeof note));
      else if (info.how == RT_HG_EIGEN && !(info.min_eig > 0))
        api_diag(p, BLOC_WARNING, NULL,
                 "the lower Hessian is not positive definite at this point (smallest eigenvalue "
                 "%.6g): g looks non-convex in y here%s",
                 info.min_eig, rt_f32_rounding_note(bp, info.min_eig, info.max_eig));
    } else {
      api_diag(p, BLOC_ERROR, NULL, "hypergrad: %s", err);
      status = failed(BLOC_ERR_NUMERICAL);
    }
    free(hg);
  }
  /* phi too when the formula at (x, y) failed: y0 may be where the Hessian is singular */
  int phi_status = eval_phi(p, e, want, what, px, y); /* Newton from the caller's y, if any */
  if (status == BLOC_OK) status = phi_status;
  if (want[W_HESS]) {
    int hs = eval_hess_phi(p, e, px, y);
    if (hs != BLOC_OK && (status == BLOC_OK || hs == BLOC_ERR_INPUT)) status = hs;
  }
  /* away from y*(x) the formula is no gradient of anything: at the default point, y0, it gave
   * 0 where grad phi = -0.95, and nothing said so */
  double gy = rt_nrm2(ny, gyg), scale = fmax(1.0, rt_nrm2(ny, gyf));
  const double *gp;
  int64_t ngp;
  if (e->hg_solver && gy > 1e-8 * scale)
    api_diag(p, BLOC_WARNING, NULL,
             "hypergrad is the implicit-function formula at the evaluated y, where |grad_y g| = "
             "%.3g: it is grad phi(x) only at y = y*(x)%s",
             gy,
             bloc_eval_get(e, "grad_phi", &gp, &ngp) == BLOC_OK
                 ? "; grad_phi is, with y*(x) solved by Newton"
                 : "");
  /* x reaching y only through y0 = Phi(x) (MAML): the implicit formula has no J and gives
   * grad_x f alone, zeros on MAML, with nothing but the warning above to say why */
  unsigned uses = sema_x_uses(blo_program(p->c));
  if (e->hg_solver && !(uses & RT_X_G) && (uses & RT_X_INIT))
    api_diag(p, BLOC_WARNING, NULL,
             "hypergrad is the implicit formula grad_x f - (grad_xy g) v, and g does not use x: "
             "x reaches y only through the lower initialiser y0 = Phi(x), which only the "
             "unrolled methods differentiate (their hypergradient is the unrolled loop's: bloc "
             "run --method itd, ufom or fom)");
  if (nonfinite_items(p, e) && status == BLOC_OK) status = BLOC_ERR_NUMERICAL;
  rt_oracle_free(&o);
  free(buf);
  *out = e;
  return api_end(p, status);
}

void bloc_eval_free(bloc_eval *e) {
  if (!e) return;
  for (int i = 0; i < e->n; i++) free(e->item[i].v);
  free(e);
}

int bloc_eval_get(const bloc_eval *e, const char *name, const double **values, int64_t *n) {
  if (!e) return BLOC_ERR_STATE;
  if (!name || !values || !n) return BLOC_ERR_INPUT; /* an argument, as bloc_bind's NULL name */
  for (int i = 0; i < e->n; i++)
    if (strcmp(e->item[i].name, name) == 0) {
      *values = e->item[i].v;
      *n = e->item[i].n;
      return BLOC_OK;
    }
  *values = NULL;
  *n = 0;
  return BLOC_ERR_INPUT;
}

const char *bloc_eval_hypergrad_solver(const bloc_eval *e) { return e ? e->hg_solver : NULL; }
