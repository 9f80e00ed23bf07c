/* spelling.c — how .blo writes what Python, NumPy and PyTorch users type first (issue 14):
 * function names of those libraries that are not builtins, module prefixes (`np.`, `torch.`)
 * and attributes or methods (`x.T`, `y.sum()`). Hints only: the caller reports the error. */
#include "front/spelling.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "front/ast.h"

typedef struct Spelling {
  const char *name; /* as in NumPy / PyTorch / math */
  const char *hint; /* the whole hint */
} Spelling;

/* "max over the elements" has no builtin: it is not differentiable where two elements tie,
 * and its smooth bound is one line of .blo. */
#define NO_MAX \
  "there is no max over the elements; logsumexp(x * t) / t approaches it for a large t"
#define NO_MIN \
  "there is no min over the elements; -logsumexp(-x * t) / t approaches it for a large t"
/* nor over a row or a column: max_rows was told "did you mean 'mean_rows'?" */
#define NO_MAX_ROWS \
  "there is no max over each row; logsumexp_rows(A * t) / t approaches it for a large t"
#define NO_MIN_ROWS \
  "there is no min over each row; -logsumexp_rows(-A * t) / t approaches it for a large t"
#define NO_MAX_COLS \
  "there is no max over each column; logsumexp_rows(A' * t) / t approaches it for a large t"
#define NO_MIN_COLS \
  "there is no min over each column; -logsumexp_rows(-A' * t) / t approaches it for a large t"

/* 0..n-1, which cumsum, tril, linspace and the reverse need: arange(n), a data builtin */
#define I_IS "data i = arange(n), 0..n-1"
#define CUMSUM_HINT                                                                          \
  "there is no cumsum: cumsum(v) is L @ v with data L = outer(i, ones(n)) >= outer(ones(n), " \
  "i), the lower triangle of ones, and " I_IS ": O(n^2) memory and work"
#define CORRELATE_HINT                                                                      \
  "write a sum of shifted slices: the cross-correlation of v with [w0, w1, w2] ('valid') is " \
  "w0 * v[:-2] + w1 * v[1:-1] + w2 * v[2:]"
#define FLIP_HINT                                                                            \
  "the reverse of v is v[n - 1 - i] for data, R @ v for a variable with data R = onehot(n - " \
  "1 - i, n), and " I_IS

/* constraints written as other modelling languages do (the lexer's `subject to`, `s.t.` and
 * `constraint` lines take it too: spelling_constraint_hint) */
#define CONSTRAINT_HINT                                                                        \
  "an upper variable takes its constraint after its initial value, 'upper w : vector[n] = "    \
  "1 / n in simplex' ('in [lo, hi]', '>= lo'); a lower variable takes none: eliminate an "     \
  "equality, a budget sum(w) = 1 as w = vcat(z, 1 - sum(z)) with 'lower z : vector[n - 1]' "   \
  "(the simplex as w = exp(vcat(z, 0) - logsumexp(vcat(z, 0)))), and keep w > 0 with a "       \
  "barrier term in g, - mu * sum(log(w)) (doc/language.md section 3a)"

/* Other mathematical functions (the C library's, NumPy's and SciPy's) are one or two letters
 * from a builtin that is a different function, and "did you mean" offered it: tan its inverse
 * atan (new-user pass M, session 51), sinh sin, atanh atan, cot cos, log10 log1p, sign sin,
 * cbrt sqrt, ceil clip. Following such a hint changes the problem with no error, so each gets
 * its .blo form as a fn, or says there is none; none gets "did you mean". */
#define MATH_NONE(f) \
  "there is no " f " in .blo (and no builtin spells it): write it from the builtins of " \
  "doc/language.md section 6 as a fn"
#define ATAN2_HINT \
  "there is no atan2: fn atan2(v, u) = 2 * atan(v / (sqrt(u ^ 2 + v ^ 2) + u)) is the angle " \
  "of (u, v) in (-pi, pi), off the negative u axis"
#define SIGN_HINT \
  "there is no sign (its derivative is 0 wherever it has one): x / sqrt(x ^ 2 + eps) or " \
  "tanh(x / eps) with a small eps is a smooth one"

static const Spelling spellings[] = {
    {"sinh", "there is no sinh: fn sinh(z) = (exp(z) - exp(-z)) / 2"},
    {"cosh", "there is no cosh: fn cosh(z) = (exp(z) + exp(-z)) / 2"},
    {"asinh", "there is no asinh: fn asinh(z) = log(z + sqrt(z ^ 2 + 1))"},
    {"arcsinh", "there is no asinh: fn asinh(z) = log(z + sqrt(z ^ 2 + 1))"},
    {"acosh", "there is no acosh: fn acosh(z) = log(z + sqrt(z ^ 2 - 1)), for z >= 1"},
    {"arccosh", "there is no acosh: fn acosh(z) = log(z + sqrt(z ^ 2 - 1)), for z >= 1"},
    {"atanh", "there is no atanh: fn atanh(z) = 0.5 * (log1p(z) - log1p(-z)), for |z| < 1"},
    {"arctanh", "there is no atanh: fn atanh(z) = 0.5 * (log1p(z) - log1p(-z)), for |z| < 1"},
    {"sec", "there is no sec: fn sec(z) = 1 / cos(z)"},
    {"csc", "there is no csc: fn csc(z) = 1 / sin(z)"},
    {"cosec", "there is no csc: fn csc(z) = 1 / sin(z)"},
    {"cot", "there is no cot: fn cot(z) = cos(z) / sin(z)"},
    {"asec", "there is no asec: fn asec(z) = acos(1 / z), for |z| >= 1"},
    {"acsc", "there is no acsc: fn acsc(z) = asin(1 / z), for |z| >= 1"},
    {"acot", "there is no acot: fn acot(z) = atan(1 / z), for z != 0"},
    {"atan2", ATAN2_HINT},
    {"arctan2", ATAN2_HINT},
    {"log2", "log2(x) is log(x) / log(2)"},
    {"log10", "log10(x) is log(x) / log(10)"},
    {"exp2", "exp2(x) is 2 ^ x"},
    {"expm1", "there is no expm1: exp(x) - 1 (absolute error about 1e-16 near 0)"},
    {"cbrt", "there is no cbrt: x ^ (1 / 3) for x >= 0 (nan below 0)"},
    {"hypot", "hypot(a, b) is sqrt(a ^ 2 + b ^ 2)"},
    {"logit", "logit(p) is log(p) - log1p(-p), the inverse of sigmoid"},
    {"sign", SIGN_HINT},
    {"signum", SIGN_HINT},
    /* told 'l2', 'sin', 'huber' or nothing (new-user pass nuQ, session 51) */
    {"sgn", SIGN_HINT},
    {"ln", ".blo spells it log(x), the natural logarithm"},
    {"cube", ".blo spells it x ^ 3"},
    {"reciprocal", ".blo spells it 1 / x"},
    {"heaviside", "there is no heaviside (its derivative is 0 wherever it has one): x > 0 is "
                  "the step as 0 or 1, sigmoid(x / eps) with a small eps a smooth one"},
    {"step", "there is no step function (its derivative is 0 wherever it has one): x > 0 is "
             "the step as 0 or 1, sigmoid(x / eps) with a small eps a smooth one"},
    {"exp10", "exp10(x) is 10 ^ x"},
    {"sqr", ".blo spells it x ^ 2"},
    {"abs2", ".blo spells it x ^ 2 (abs(x) ^ 2 for a real x)"},
    {"sinc", "there is no sinc: NumPy's is sin(pi * x) / (pi * x), with const pi = "
             "3.141592653589793 (nan at x = 0)"},
    {"ceil", "ceil(x) is -floor(-x)"},
    {"rint", ".blo spells it round(x) (halves away from 0, not to even)"},
    {"trunc", "trunc(x) is where(x < 0, -floor(-x), floor(x))"},
    {"gamma", MATH_NONE("gamma function")},
    {"tgamma", MATH_NONE("gamma function")},
    {"lgamma", MATH_NONE("log-gamma function")},
    {"gammaln", MATH_NONE("log-gamma function")},
    {"maximum", ".blo spells it max(a, b) (elementwise)"},
    {"fmax", ".blo spells it max(a, b) (elementwise)"},
    {"minimum", ".blo spells it min(a, b) (elementwise)"},
    {"fmin", ".blo spells it min(a, b) (elementwise)"},
    {"clamp", ".blo spells it clip(a, lo, hi)"},
    {"clip_by_value", ".blo spells it clip(a, lo, hi)"},
    {"power", ".blo spells it pow(a, p) or a ^ p"},
    {"float_power", ".blo spells it pow(a, p) or a ^ p"},
    {"square", ".blo spells it x ^ 2"},
    {"matmul", ".blo spells it A @ B"},
    {"mm", ".blo spells it A @ B"},
    {"mv", ".blo spells it A @ v"},
    {"inner", ".blo spells it dot(u, v)"},
    {"vdot", ".blo spells it dot(u, v)"},
    {"transpose", ".blo spells it A' (a postfix quote)"},
    {"amax", NO_MAX},
    {"nanmax", NO_MAX},
    {"amin", NO_MIN},
    {"nanmin", NO_MIN},
    {"max_rows", NO_MAX_ROWS},
    {"min_rows", NO_MIN_ROWS},
    {"max_cols", NO_MAX_COLS},
    {"min_cols", NO_MIN_COLS},
    {"absolute", ".blo spells it abs(x)"},
    {"fabs", ".blo spells it abs(x)"},
    /* NumPy's arc names (KIP's arc-cosine kernels, new-user pass G, session 49) */
    {"arccos", ".blo spells it acos(x)"},
    {"arcsin", ".blo spells it asin(x)"},
    {"arctan", ".blo spells it atan(x)"},
    {"erfc", ".blo spells it 1 - erf(x)"},
    {"expit", ".blo spells it sigmoid(x)"},
    {"logistic", ".blo spells it sigmoid(x)"},
    {"logsigmoid", ".blo spells it log_sigmoid(x)"},
    {"softmax", "for a vector z write exp(z - logsumexp(z)) (exp(z) / sum(exp(z)) is nan once "
                "exp overflows, at z > 709); for each row of a matrix, softmax_rows(Z)"},
    {"log_softmax", "for a vector z write z - logsumexp(z); for rows, "
                    "Z - outer(logsumexp_rows(Z), ones(cols(Z))) (log(softmax_rows(Z)) overflows "
                    "to -inf); as a loss, cross_entropy(Z, Y)"},
    {"average", ".blo spells it mean(x)"},
    {"mse_loss", ".blo spells it mean((a - b) ^ 2)"},
    {"len", ".blo spells it rows(x)"},
    {"shape", ".blo spells it rows(x) and cols(x)"},
    {"size", "the number of elements is rows(x) * cols(x)"},
    {"numel", "the number of elements is rows(x) * cols(x)"},
    {"flatten", ".blo spells it reshape(A, n), n = rows(A) * cols(A) (row-major, as NumPy's)"},
    {"ravel", ".blo spells it reshape(A, n), n = rows(A) * cols(A) (row-major, as NumPy's)"},
    {"vec", "vec(A) stacks the columns: .blo spells it reshape(A', n), n = rows(A) * cols(A) "
            "(reshape(A, n) stacks the rows)"},
    {"view", ".blo spells it reshape(a, m, n) (row-major)"},
    {"hstack", ".blo spells it hcat(...)"},
    {"column_stack", ".blo spells it hcat(...)"},
    {"vstack", ".blo spells it vcat(...)"},
    {"concatenate", ".blo spells it vcat(...) (or hcat(...) for columns)"},
    {"cat", ".blo spells it vcat(...) (or hcat(...) for columns)"},
    {"stack", ".blo spells it vcat(...) (or hcat(...) for columns)"},
    {"zeros_like", "zeros() and ones() take the shape of the declaration they initialise"},
    {"ones_like", "zeros() and ones() take the shape of the declaration they initialise"},
    {"randn", ".blo spells it normal(0, 1)"},
    {"rand", ".blo spells it uniform(0, 1)"},
    {"remainder", ".blo spells it mod(a, b)"},
    {"fmod", ".blo spells it mod(a, b) (the sign of b, as Python's %)"},
    /* time series (new-user pass D, session 48: diff was told 'diag', roll 'cols'); each form
     * is checked against NumPy's values in tests/golden/ok_numpy_timeseries_forms.blo */
    {"diff", "write the slices: diff(v) is v[1:] - v[:-1], the second difference v[2:] - "
             "2 * v[1:-1] + v[:-2], a matrix's over its rows A[1:, :] - A[:-1, :]"},
    {"roll", "there is no roll: v - roll(v, 1) less its wrap-around term is v[1:] - v[:-1] "
             "(sumsq(v - roll(v, 1)) adds (v[0] - v[-1]) ^ 2); roll(v, k) itself is "
             "vcat(v[-k:], v[:-k])"},
    {"cumsum", CUMSUM_HINT},
    {"linspace", "linspace(a, b, n) is a + (b - a) * i / (n - 1) with " I_IS},
    {"tril", "tril(A) is A * (outer(i, ones(n)) >= outer(ones(n), i)) with " I_IS},
    {"triu", "triu(A) is A * (outer(i, ones(n)) <= outer(ones(n), i)) with " I_IS},
    {"convolve", "write a sum of shifted slices: convolve(v, [h0, h1, h2], 'valid') is "
                 "h0 * v[2:] + h1 * v[1:-1] + h2 * v[:-2] (K taps: h[k] * v[K-1-k:n-k] summed)"},
    {"conv1d", CORRELATE_HINT},
    {"correlate", CORRELATE_HINT},
    {"flip", FLIP_HINT},
    {"flipud", FLIP_HINT},
    {"constraint", CONSTRAINT_HINT},
    {"Constraint", CONSTRAINT_HINT},
    {"subject_to", CONSTRAINT_HINT},
};

const char spelling_constraint_hint[] = CONSTRAINT_HINT;

const char *spelling_function_hint(const char *name) {
  for (size_t i = 0; i < sizeof spellings / sizeof spellings[0]; i++)
    if (strcmp(spellings[i].name, name) == 0) return spellings[i].hint;
  return NULL;
}

/* b is a with the prefix p put on */
static bool prefixed(const char *a, const char *b, const char *p) {
  size_t n = strlen(p);
  return strncmp(b, p, n) == 0 && strcmp(b + n, a) == 0;
}

/* b is a with an "h" put on */
static bool suffixed_h(const char *a, const char *b) {
  size_t n = strlen(a);
  return strlen(b) == n + 1 && strncmp(a, b, n) == 0 && b[n] == 'h';
}

bool spelling_other_function(const char *name, const char *near) {
  return prefixed(name, near, "a") || prefixed(near, name, "a") || prefixed(name, near, "arc") ||
         prefixed(near, name, "arc") || suffixed_h(name, near) || suffixed_h(near, name);
}

/* The words of other modelling languages (AMPL's and Pyomo's maximize, JuMP's Max, GAMS's
 * minimizing) for an objective's sense: bloc minimises both levels, so a maximisation is the
 * negated objective (doc/language.md §3, "Both objectives are minimised"). */
static const struct {
  const char *word;
  bool max;
} objective_words[] = {
    {"maximize", true},   {"maximise", true},   {"max", true},         {"maximum", true},
    {"maximizing", true}, {"maximising", true}, {"minimize", false},   {"minimise", false},
    {"min", false},       {"minimum", false},   {"minimizing", false}, {"minimising", false},
};

bool spelling_objective_hint(const char *word, const char *level, const char *name, char *buf,
                             size_t n) {
  for (size_t i = 0; i < sizeof objective_words / sizeof objective_words[0]; i++) {
    if (strcmp(objective_words[i].word, word) != 0) continue;
    if (objective_words[i].max)
      snprintf(buf, n,
               "bloc minimises both levels' objectives: write a maximisation as the "
               "negated objective, '%s objective %s = -(...)'",
               level, name);
    else
      snprintf(buf, n,
               "bloc minimises both levels' objectives, with no word for it: '%s "
               "objective %s = ...'",
               level, name);
    return true;
  }
  return false;
}

bool spelling_reduction_hint(const char *name, char *buf, size_t n) {
  bool max = strcmp(name, "max") == 0, min = strcmp(name, "min") == 0;
  if (max || min) {
    snprintf(buf, n, "%s(a, b) is elementwise: %s", name, max ? NO_MAX : NO_MIN);
    return true;
  }
  if (strcmp(name, "sum") != 0 && strcmp(name, "mean") != 0 && strcmp(name, "logsumexp") != 0)
    return false;
  snprintf(buf, n, "%s takes no axis: %s_rows(A) gives one value per row, %s", name, name,
           name[0] == 'l' ? "logsumexp_rows(A') one per column"
           : name[0] == 's' ? "sum_cols(A) one per column" : "mean_cols(A) one per column");
  return true;
}

/* The prefixes that name a library module rather than a value. */
static bool is_module(const char *s, size_t len) {
  static const char *const modules[] = {"np",  "numpy", "jnp",   "jax",    "torch",  "tf",
                                        "nn",  "F",     "math",  "scipy",  "special", "linalg",
                                        "random", "optax", "functional"};
  for (size_t i = 0; i < sizeof modules / sizeof modules[0]; i++)
    if (strlen(modules[i]) == len && strncmp(modules[i], s, len) == 0) return true;
  return false;
}

void spelling_dotted_hint(const char *dotted, char *buf, size_t n) {
  const char *dot = strchr(dotted, '.');
  const char *last = strrchr(dotted, '.') + 1;
  int vlen = (int)(dot - dotted);
  const char *known = spelling_function_hint(last);
  bool builtin = ast_builtin_lookup(last) != BI_NONE;
  if (is_module(dotted, (size_t)vlen)) {
    if (strcmp(last, "max") == 0 || strcmp(last, "min") == 0)
      snprintf(buf, n, "write %s(a, b) for the elementwise %simum; %s", last, last,
               last[1] == 'a' ? NO_MAX : NO_MIN);
    else if (builtin)
      snprintf(buf, n, "write %s(...): the builtins of .blo need no module prefix", last);
    else if (known)
      snprintf(buf, n, "%s", known);
    else
      snprintf(buf, n, "the builtins of .blo need no module prefix (doc/language.md lists them)");
    return;
  }
  if (strcmp(last, "T") == 0)
    snprintf(buf, n, "write %.*s' for the transpose", vlen, dotted);
  else if (strcmp(last, "shape") == 0)
    snprintf(buf, n, "write rows(%.*s) and cols(%.*s)", vlen, dotted, vlen, dotted);
  else if (builtin) /* x.reshape(m, n): reshape(x, m, n) */
    snprintf(buf, n, "there are no methods: write %s(%.*s%s)", last, vlen, dotted,
             ast_builtins[ast_builtin_lookup(last)].min_args > 1 ? ", ..." : "");
  else if (known)
    snprintf(buf, n, "there are no methods; %s", known);
  else
    snprintf(buf, n, "there are no attributes or methods: call a builtin, f(x), instead");
}
