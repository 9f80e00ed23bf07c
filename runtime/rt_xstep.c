/* rt_xstep.c — outer optimizers and the projection onto constrained upper variables
 * (see rt_xstep.h). */
#include "rt_xstep.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rt_fmt.h"
#include "rt_linalg.h"
#include "rt_mem.h"
#include "rt_solver.h"

/* In-place heapsort of a[0..n) into descending order: O(n log n) without allocation (qsort
 * may allocate a merge buffer). A min-heap whose minimum is moved to the end each round. */
static void sift_down(double *a, int64_t root, int64_t n) {
  for (;;) {
    int64_t c = 2 * root + 1;
    if (c >= n) return;
    if (c + 1 < n && a[c + 1] < a[c]) c++;
    if (!(a[c] < a[root])) return;
    double t = a[c];
    a[c] = a[root];
    a[root] = t;
    root = c;
  }
}

static void sort_descending(int64_t n, double *a) {
  for (int64_t i = n / 2; i-- > 0;) sift_down(a, i, n);
  for (int64_t end = n - 1; end > 0; end--) {
    double t = a[0];
    a[0] = a[end];
    a[end] = t;
    sift_down(a, 0, end);
  }
}

RT_API void rt_project_simplex(int64_t n, double *v, double *sort) {
  if (n <= 0) return;
  memcpy(sort, v, (size_t)n * sizeof *sort);
  sort_descending(n, sort);
  /* theta = (sum of the rho largest - 1) / rho, rho the largest j with u_j > (cum_j - 1)/j */
  double cum = 0, theta = (sort[0] - 1.0);
  for (int64_t j = 0; j < n; j++) {
    cum += sort[j];
    double t = (cum - 1.0) / (double)(j + 1);
    if (sort[j] - t > 0) theta = t;
  }
  for (int64_t i = 0; i < n; i++) {
    double u = v[i] - theta;
    v[i] = u <= 0 ? 0.0 : u; /* NaN stays NaN: the run loop reports it */
  }
}

RT_API void rt_xstep_project(const RtXStep *xs, double *x) {
  if (!xs->constrained) return;
  if (xs->lo)
    for (int64_t i = 0; i < xs->nx; i++) {
      /* comparisons, not fmin/fmax: a NaN stays NaN and the run loop reports it */
      if (x[i] < xs->lo[i]) x[i] = xs->lo[i];
      else if (x[i] > xs->hi[i]) x[i] = xs->hi[i];
    }
  for (int i = 0; i < xs->nsimplex; i++)
    rt_project_simplex(xs->simplex[i].n, x + xs->simplex[i].off, xs->sort);
}

/* The bound of element i of a box: data tensor `k`'s element, or the scalar. */
static double bound(const BloProblem *p, int k, double scalar, int64_t i) {
  if (k < 0) return scalar;
  if (p->precision == BLO_PREC_F32) return ((const float *)(const void *)p->data[k])[i];
  return p->data[k][i];
}

/* Where the constraints' buffers come from: the solver's tracked allocation, or the heap for
 * rt_xstep_project_start (freed there). */
typedef void *(*XAlloc)(void *ctx, size_t bytes);

/* Resolve p's constraints into xs's per-element bounds and simplex blocks, its buffers one block
 * from alloc(ctx, ...) that starts at xs->simplex (NULL without constraints). 0, or -1 with
 * err. */
static int setup_constraints(const BloProblem *p, RtXStep *xs, XAlloc alloc, void *ctx, char *err,
                             size_t errlen) {
  int64_t nsort = 0;
  bool box = false;
  for (int c = 0; c < p->n_constraints; c++) {
    const BloConstraint *k = &p->constraints[c];
    if (k->var < 0 || k->var >= p->n_vars || p->vars[k->var].level != 0 ||
        (k->kind != BLO_CON_BOX && k->kind != BLO_CON_SIMPLEX)) {
      snprintf(err, errlen, "constraint %d of the problem is malformed", c);
      return -1;
    }
    const BloVarInfo *v = &p->vars[k->var];
    int64_t n = v->rows * v->cols;
    if (k->kind == BLO_CON_SIMPLEX) {
      xs->nsimplex++;
      if (n > nsort) nsort = n;
      continue;
    }
    box = true;
    int dk[2] = {k->lo_data, k->hi_data};
    for (int j = 0; j < 2; j++) {
      if (dk[j] < 0) continue;
      const BloTensorInfo *t = dk[j] < p->n_data ? &p->data_info[dk[j]] : NULL;
      if (!t || t->rows * t->cols != n || !p->data[dk[j]]) {
        snprintf(err, errlen, "the %s bound of upper variable '%s' is not a data tensor of its "
                 "shape", j ? "upper" : "lower", v->name);
        return -1;
      }
    }
  }
  xs->constrained = p->n_constraints > 0;
  if (!xs->constrained) return 0;
  /* one block: the simplex blocks first (their int64 alignment), then w, sort, lo, hi */
  int64_t nx = xs->nx, nd = nx + nsort + 1 + (box ? 2 * nx : 0);
  size_t nsim = (size_t)xs->nsimplex + 1;
  if (nd < 0 || (uint64_t)nd > (SIZE_MAX - nsim * sizeof *xs->simplex) / sizeof(double) ||
      !(xs->simplex = alloc(ctx, nsim * sizeof *xs->simplex + (size_t)nd * sizeof(double)))) {
    rt_oom_errf(err, errlen, "out of memory");
    return -1;
  }
  xs->w = (double *)(void *)(xs->simplex + nsim);
  xs->sort = xs->w + nx;
  if (box) {
    xs->lo = xs->sort + nsort + 1;
    xs->hi = xs->lo + nx;
    for (int64_t i = 0; i < nx; i++) {
      xs->lo[i] = -INFINITY;
      xs->hi[i] = INFINITY;
    }
  }
  int ns = 0;
  for (int c = 0; c < p->n_constraints; c++) {
    const BloConstraint *k = &p->constraints[c];
    const BloVarInfo *v = &p->vars[k->var];
    int64_t n = v->rows * v->cols;
    if (k->kind == BLO_CON_SIMPLEX) {
      xs->simplex[ns].off = v->offset;
      xs->simplex[ns++].n = n;
      continue;
    }
    for (int64_t i = 0; i < n; i++) {
      double lo = bound(p, k->lo_data, k->lo, i), hi = bound(p, k->hi_data, k->hi, i);
      if (isnan(lo) || isnan(hi) || lo > hi || lo == INFINITY || hi == -INFINITY) {
        /* which data hold them: a message naming only the variable sent users to its line */
        char from[160] = "";
        const char *lo_name = k->lo_data >= 0 ? p->data_info[k->lo_data].name : NULL;
        const char *hi_name = k->hi_data >= 0 ? p->data_info[k->hi_data].name : NULL;
        if (lo_name && hi_name)
          snprintf(from, sizeof from, " (from data '%s' and '%s')", lo_name, hi_name);
        else if (lo_name || hi_name)
          snprintf(from, sizeof from, " (from data '%s')", lo_name ? lo_name : hi_name);
        snprintf(err, errlen,
                 "upper variable '%s': element %lld has the bounds [%g, %g]%s, an "
                 "empty box (each element needs lo <= hi, lo < inf, hi > -inf, no NaN)",
                 v->name, (long long)i, lo, hi, from);
        return -1;
      }
      xs->lo[v->offset + i] = lo;
      xs->hi[v->offset + i] = hi;
    }
  }
  return 0;
}

/* Project x, a start, onto the constraints of xs (set up from p) in place, and say how far it
 * moved and which variables moved (xs->w the scratch): "the initial upper variables" alone
 * left a user with a box and a simplex to find out which start was wrong. */
static void project_start(const BloProblem *p, RtXStep *xs, double *x, RtXStart *out) {
  rt_copy(xs->nx, x, xs->w);
  double x0n = rt_nrm2(xs->nx, x);
  rt_xstep_project(xs, x);
  rt_axpy(xs->nx, -1.0, x, xs->w);
  out->moved = rt_nrm2(xs->nx, xs->w);
  /* `= 1/n in simplex` sums to 1 only up to rounding: such moves are not worth a warning */
  double tiny = 1e-12 * fmax(1.0, x0n);
  out->outside = out->moved > tiny;
  out->warning[0] = '\0';
  if (!out->outside) return;
  int total = 0, shown = 0;
  for (int c = 0; c < p->n_constraints; c++) {
    const BloVarInfo *v = &p->vars[p->constraints[c].var];
    total += rt_nrm2(v->rows * v->cols, xs->w + v->offset) > tiny;
  }
  char names[160] = "";
  size_t len = 0;
  for (int c = 0; c < p->n_constraints && shown < total; c++) {
    const BloVarInfo *v = &p->vars[p->constraints[c].var];
    if (!(rt_nrm2(v->rows * v->cols, xs->w + v->offset) > tiny)) continue;
    int n = snprintf(names + len, sizeof names - len, "%s'%s'",
                     rt_list_sep(shown, total, " and "), v->name);
    if (n < 0 || (size_t)n + 16 >= sizeof names - len) { /* room for " and N more" */
      names[len] = '\0';
      break;
    }
    len += (size_t)n;
    shown++;
  }
  int rest = total - shown;
  if (rest) snprintf(names + len, sizeof names - len, " and %d more", rest);
  if (total == 1)
    snprintf(out->warning, sizeof out->warning,
             "the initial value of upper variable %s lies outside its constraint: projected "
             "onto it (|x0 - P(x0)| = %.6g)", names, out->moved);
  else
    snprintf(out->warning, sizeof out->warning,
             "the initial values of upper variables %s lie outside their constraints: "
             "projected onto them (|x0 - P(x0)| = %.6g)", names, out->moved);
}

static void *heap_alloc(void *ctx, size_t bytes) {
  (void)ctx;
  return rt_mem_calloc(1, bytes);
}

RT_API int rt_xstep_project_start(const BloProblem *p, double *x, RtXStart *out, char *err,
                                  size_t errlen) {
  RtXStep xs;
  memset(&xs, 0, sizeof xs);
  memset(out, 0, sizeof *out);
  xs.nx = p->nx;
  int rc = setup_constraints(p, &xs, heap_alloc, NULL, err, errlen);
  if (rc == 0 && xs.constrained) project_start(p, &xs, x, out);
  rt_mem_free(xs.simplex); /* the block */
  return rc;
}

static void *solver_alloc(void *ctx, size_t bytes) { return rt_solver_mem(ctx, bytes); }

/* What x_optimizer leaves unused, named in a warning when it was given. */
static void warn_unused(RtSolver *s, const char *key, const char *why) {
  if (rt_solver_isset(s, key))
    rt_solver_warn(s, key, "option '%s' has no effect: %s", key, why);
}

RT_API int rt_xstep_setup(RtSolver *s, char *err, size_t errlen) {
  RtXStep *xs = &s->xs;
  memset(xs, 0, sizeof *xs);
  xs->nx = s->nx;
  const char *w = rt_opt_word(&s->opt, "x_optimizer");
  xs->opt = !w || strcmp(w, "sgd") == 0 ? RT_XOPT_SGD
            : strcmp(w, "momentum") == 0 ? RT_XOPT_MOMENTUM : RT_XOPT_ADAM;
  xs->beta1 = rt_solver_num(s, "beta1");
  xs->beta2 = rt_solver_num(s, "beta2");
  xs->eps = rt_solver_num(s, "eps");
  if (xs->opt == RT_XOPT_SGD) warn_unused(s, "beta1", "x_optimizer = sgd");
  if (xs->opt != RT_XOPT_ADAM) {
    warn_unused(s, "beta2", "it is Adam's (x_optimizer = adam)");
    warn_unused(s, "eps", "it is Adam's (x_optimizer = adam)");
  }
  /* each moment and its best point's copy in one block: the solver tracks RT_MAX_ALLOCS */
  if (xs->opt != RT_XOPT_SGD) {
    if (!(xs->m = rt_solver_vec(s, 2 * s->nx))) goto oom;
    xs->m_best = xs->m + s->nx;
  }
  if (xs->opt == RT_XOPT_ADAM) {
    if (!(xs->v = rt_solver_vec(s, 2 * s->nx))) goto oom;
    xs->v_best = xs->v + s->nx;
  }
  if (setup_constraints(s->p, xs, solver_alloc, s, err, errlen)) return -1;
  if (!xs->constrained) return 0;
  RtXStart start;
  project_start(s->p, xs, s->x, &start);
  xs->x0_moved = start.moved > 0;
  if (start.outside) rt_solver_warn(s, "x0.projected", "%s", start.warning);
  return 0;
oom:
  rt_oom_errf(err, errlen, "out of memory");
  return -1;
}

RT_API void rt_xstep_reset(RtSolver *s) {
  RtXStep *xs = &s->xs;
  if (xs->m) rt_zero(s->nx, xs->m);
  if (xs->v) rt_zero(s->nx, xs->v);
  xs->t = 0;
}

RT_API void rt_xstep_mark(RtSolver *s, bool here) {
  RtXStep *xs = &s->xs;
  for (int k = 0; k < 2; k++) {
    const double *from = k ? xs->v : xs->m;
    double *to = k ? xs->v_best : xs->m_best;
    if (!to) continue;
    if (here) rt_copy(s->nx, from, to);
    else rt_zero(s->nx, to);
  }
  xs->t_best = here ? xs->t : 0;
}

RT_API void rt_xstep_back(RtSolver *s) {
  RtXStep *xs = &s->xs;
  if (xs->m) rt_copy(s->nx, xs->m_best, xs->m);
  if (xs->v) rt_copy(s->nx, xs->v_best, xs->v);
  xs->t = xs->t_best;
}

RT_API double rt_xstep_stationarity(RtXStep *xs, const double *x, const double *d) {
  int64_t n = xs->nx;
  if (!xs->constrained) return rt_nrm2(n, d);
  rt_sub(n, x, d, xs->w);
  rt_xstep_project(xs, xs->w);
  rt_axpby(n, 1.0, x, -1.0, xs->w);
  return rt_nrm2(n, xs->w);
}

RT_API void rt_xstep_apply(RtSolver *s, double lambda) {
  RtXStep *xs = &s->xs;
  int64_t n = s->nx;
  double *x = s->x;
  const double *d = s->d;
  s->hg_norm = rt_xstep_stationarity(xs, x, d); /* at the x the estimate belongs to */
  switch (xs->opt) {
  case RT_XOPT_SGD:
    rt_axpy(n, -lambda, d, x);
    break;
  case RT_XOPT_MOMENTUM: /* heavy ball: m <- beta1 m + d, x <- x - lambda m */
    rt_axpby(n, 1.0, d, xs->beta1, xs->m);
    rt_axpy(n, -lambda, xs->m, x);
    break;
  case RT_XOPT_ADAM: {
    xs->t++;
    double b1 = xs->beta1, b2 = xs->beta2;
    double c1 = 1.0 - pow(b1, (double)xs->t), c2 = 1.0 - pow(b2, (double)xs->t);
    for (int64_t i = 0; i < n; i++) {
      xs->m[i] = b1 * xs->m[i] + (1.0 - b1) * d[i];
      xs->v[i] = b2 * xs->v[i] + (1.0 - b2) * d[i] * d[i];
      x[i] -= lambda * (xs->m[i] / c1) / (sqrt(xs->v[i] / c2) + xs->eps);
    }
    break;
  }
  }
  rt_xstep_project(xs, x); /* step, then project (Adam too) */
}
