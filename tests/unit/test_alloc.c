/* test_alloc.c — the compiler's allocation layer (compiler/support/alloc.h): VEC_GROW keeps every
 * element through its reallocations with int and size_t capacities, the capacity doubles from
 * 8, and a request whose size overflows exits with status 3 and `bloc: out of memory` instead
 * of returning NULL (a failing malloc takes the same path: blo_oom). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/alloc.h"

static void test_vec_grow_int_cap(void **state) {
  (void)state;
  double *v = NULL;
  int n = 0, cap = 0;
  for (int i = 0; i < 1000; i++) {
    VEC_GROW(v, n, cap);
    assert_true(n < cap);
    v[n++] = i * 0.5;
  }
  assert_int_equal(cap, 1024); /* 8, 16, ..., 1024 */
  for (int i = 0; i < 1000; i++) assert_true(v[i] == i * 0.5);
  free(v);
}

static void test_vec_grow_size_cap(void **state) {
  (void)state;
  struct { int a; char b[13]; } *v = NULL;
  size_t n = 0, cap = 0;
  for (size_t i = 0; i < 9; i++) {
    VEC_GROW(v, n, cap);
    v[n].a = (int)i;
    snprintf(v[n].b, sizeof v[n].b, "item %zu", i);
    n++;
  }
  assert_int_equal(cap, 16);
  for (size_t i = 0; i < 9; i++) {
    char want[13];
    snprintf(want, sizeof want, "item %zu", i);
    assert_int_equal(v[i].a, (int)i);
    assert_string_equal(v[i].b, want);
  }
  free(v);
}

static void test_grow_cap(void **state) {
  (void)state;
  assert_int_equal(vec_grow_cap(0, 0), 8);
  assert_int_equal(vec_grow_cap(8, 8), 16);
  assert_int_equal(vec_grow_cap(3, 40), 48); /* doubles until it holds n + 1 */
}

static void test_x_functions(void **state) {
  (void)state;
  unsigned char *z = xcalloc(100, 3);
  for (int i = 0; i < 300; i++) assert_int_equal(z[i], 0);
  z = xrealloc(z, 1000, 3);
  z[2999] = 7;
  free(z);
  char *s = xstrdup("bloc");
  assert_string_equal(s, "bloc");
  free(s);
  free(xmalloc(0)); /* never NULL, even for no bytes */
  free(xcalloc(0, 8));
}

/* run f in a child with stderr in a pipe: its exit status and the first line it printed */
static int child_status(void (*f)(void), char *msg, size_t msglen) {
  int fd[2];
  assert_int_equal(pipe(fd), 0);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    dup2(fd[1], 2);
    close(fd[0]);
    f();
    _exit(0);
  }
  close(fd[1]);
  ssize_t got = read(fd[0], msg, msglen - 1);
  msg[got > 0 ? got : 0] = 0;
  close(fd[0]);
  int st = 0;
  waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void overflow_calloc(void) { free(xcalloc(SIZE_MAX / 2, 4)); }
static void overflow_realloc(void) { free(xrealloc(NULL, SIZE_MAX / 8 + 1, 16)); }

static void test_out_of_memory_exits_3(void **state) {
  (void)state;
  void (*cases[])(void) = {overflow_calloc, overflow_realloc};
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char msg[200];
    assert_int_equal(child_status(cases[i], msg, sizeof msg), 3);
    assert_non_null(strstr(msg, "bloc: out of memory ("));
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_vec_grow_int_cap), cmocka_unit_test(test_vec_grow_size_cap),
      cmocka_unit_test(test_grow_cap),         cmocka_unit_test(test_x_functions),
      cmocka_unit_test(test_out_of_memory_exits_3),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
