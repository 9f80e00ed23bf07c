/* lib_symbols.c — a program embedding bloc that defines functions with the names of libbloc's
 * internal ones (xmalloc, arena_init, diag_error, ...), each counting its calls: the shared
 * libbloc must not call them in place of its own (before, arena_init here was called by
 * bloc_compile_string) and the static libbloc.a must link beside them without a second
 * definition. Prints the solution and how often the program's functions ran; exit 0. */
#include <stdio.h>
#include <stdlib.h>

#include "bloc.h"

static int calls;

void *xmalloc(size_t n) { /* bloc's has (size_t): a program's own, same signature */
  calls++;
  return malloc(n);
}
void *xcalloc(size_t n, size_t size) {
  calls++;
  return calloc(n, size);
}
void arena_init(void *a) { /* a different meaning under the same name */
  (void)a;
  calls++;
}
void diag_error(void) { calls++; }
int lex_next(void) { return ++calls; }
int ir_add(void) { return ++calls; }
int sema_check(void) { return ++calls; }

static const char program[] = "problem quad\n"
                              "upper x : vector[2] = 0\n"
                              "lower y : vector[2] = 0\n"
                              "upper objective f = 0.5 * sumsq(y - 1) + 0.005 * sumsq(x)\n"
                              "lower objective g = 0.5 * sumsq(y - x)\n"
                              "solve aid_cg(outer_steps = 400)\n";

int main(void) {
  bloc_problem *p;
  if (bloc_problem_new(&p) != BLOC_OK) return 3;
  bloc_result *r = NULL;
  int rc = bloc_compile_string(p, "quad.blo", program);
  if (rc == BLOC_OK) rc = bloc_solve(p, NULL, NULL, NULL, &r);
  for (int i = 0; rc != BLOC_OK && i < bloc_problem_diag_count(p); i++)
    fputs(bloc_diag_text(bloc_problem_diag(p, i)), stderr);
  if (r) { /* y*(x) = x, so x* = 1 / 1.01 */
    int64_t n;
    const double *x = bloc_result_x(r, &n);
    printf("x = (%.4f, %.4f)\n", x[0], x[1]);
  }
  printf("the program's own functions ran %d times\n", calls);
  bloc_result_free(r);
  bloc_problem_free(p);
  return rc;
}
