/* jit_libm.c — exp and log for the JIT's kernels without glibc's errno wrappers.
 *
 * glibc's exp and log (symbol version GLIBC_2.29) check the result and set errno on overflow,
 * underflow or a domain error, around the function that computes it, which glibc also exports
 * as __exp_finite and __log_finite (GLIBC_2.15; the entry points -ffinite-math-only code used
 * to call). The value is that function's in both cases, so the bits are the same; the kernels
 * never read errno (non-finite results are found by checking the outputs). In hyper-cleaning's
 * kernels exp's wrapper took 43% of exp's samples under perf, and exp and log 9-11% of an f64
 * LancBiO step (doc/performance.md). Each unwrapped function is used only when it returns the
 * wrapper's bits (NaN for NaN) on arguments that reach every branch of the wrapper: ordinary
 * ones, subnormal and zero results, overflow, infinities, NaN, log of 0 and of a negative
 * number. Anywhere else (another C library, a glibc without them) the table keeps exp and log.
 */
#define _GNU_SOURCE
#include "llvm/jit_libm.h"

#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#if defined(__GLIBC__)
#include <dlfcn.h>
#endif

typedef double (*Fn1)(double);

/* arguments reaching every branch of the wrappers: ordinary, subnormal and zero results,
 * overflow, infinities, NaN; for log also 0, -0 and a negative number */
static const double exp_args[] = {0.0,    1.0,   -1.0,  0.3,      -708.5,    -745.1,
                                  -800.0, 709.7, 710.0, INFINITY, -INFINITY, NAN};
static const double log_args[] = {1.0, 2.0,  0.1,  1e300,    4.9e-324,  1e-310,
                                  0.0, -0.0, -1.0, INFINITY, -INFINITY, NAN};

typedef struct Unwrapped {
  const char *name, *finite; /* the function, and glibc's name for it without the wrapper */
  Fn1 wrapped;
  const double *args;
  int nargs;
  uintptr_t addr; /* the unwrapped function when it passed, else 0 */
} Unwrapped;

#define NARGS(a) ((int)(sizeof(a) / sizeof((a)[0])))
static Unwrapped table[] = {
    {"exp", "__exp_finite", exp, exp_args, NARGS(exp_args), 0},
    {"log", "__log_finite", log, log_args, NARGS(log_args), 0},
};
#undef NARGS
enum { NTABLE = sizeof table / sizeof table[0] };

static pthread_once_t once = PTHREAD_ONCE_INIT;

static bool same(double a, double b) {
  if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
  return memcmp(&a, &b, sizeof a) == 0;
}

static void resolve(void) {
#if defined(__GLIBC__)
  for (int i = 0; i < NTABLE; i++) {
    Unwrapped *u = &table[i];
    void *p = dlvsym(RTLD_DEFAULT, u->finite, "GLIBC_2.15");
    if (!p) continue;
    Fn1 f;
    memcpy(&f, &p, sizeof f); /* a data pointer from dlvsym to a function pointer */
    bool ok = true;
    for (int j = 0; j < u->nargs && ok; j++) ok = same(f(u->args[j]), u->wrapped(u->args[j]));
    if (ok) u->addr = (uintptr_t)p;
  }
#endif
}

uintptr_t jit_libm_address(const char *name, uintptr_t fallback) {
  pthread_once(&once, resolve);
  for (int i = 0; i < NTABLE; i++)
    if (!strcmp(table[i].name, name) && table[i].addr) return table[i].addr;
  return fallback;
}
