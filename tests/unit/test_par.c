/* test_par.c — the runtime's thread pool (rt_par.h): every task runs exactly once whatever
 * the number of threads, concurrent callers and calls from inside a task run correctly
 * (serially), the pool restarts after set_threads / shutdown, and rt_par_reduce combines
 * partials in task order (alpha, beta, a strided destination). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "rt_par.h"

enum { NT = 997 };

typedef struct Count {
  atomic_int hits[NT];
  atomic_int nested;
} Count;

static void count_task(void *ctx, int64_t t) {
  Count *c = ctx;
  atomic_fetch_add(&c->hits[t], 1);
  volatile double s = 0; /* a little work, so tasks overlap */
  for (int i = 0; i < 200; i++) s += i;
}

static void check_once(Count *c, int64_t n) {
  for (int64_t t = 0; t < NT; t++) assert_int_equal(atomic_load(&c->hits[t]), t < n ? 1 : 0);
}

static void test_every_task_once(void **state) {
  (void)state;
  assert_true(rt_par_threads() >= 1);
  static const int threads[] = {1, 2, 3, 8, 2};
  for (size_t i = 0; i < sizeof threads / sizeof threads[0]; i++) {
    rt_par_set_threads(threads[i]);
    assert_int_equal(rt_par_threads(), threads[i]);
    for (int64_t n = 0; n <= NT; n += n < 20 ? 1 : 97) {
      Count *c = calloc(1, sizeof *c);
      rt_par_run(count_task, c, n);
      check_once(c, n);
      free(c);
    }
  }
  rt_par_set_threads(0); /* clamped */
  assert_int_equal(rt_par_threads(), 1);
  rt_par_set_threads(1000);
  assert_int_equal(rt_par_threads(), 64);
  rt_par_set_threads(2);
}

static void nested_task(void *ctx, int64_t t) {
  Count *c = ctx;
  Count *inner = calloc(1, sizeof *inner);
  rt_par_run(count_task, inner, 50); /* the pool is busy: runs here, serially */
  for (int i = 0; i < 50; i++)
    if (atomic_load(&inner->hits[i]) == 1) atomic_fetch_add(&c->nested, 1);
  free(inner);
  atomic_fetch_add(&c->hits[t], 1);
}

static void test_nested(void **state) {
  (void)state;
  rt_par_set_threads(3);
  Count *c = calloc(1, sizeof *c);
  rt_par_run(nested_task, c, 40);
  check_once(c, 40);
  assert_int_equal(atomic_load(&c->nested), 40 * 50);
  free(c);
  rt_par_set_threads(2);
}

static void *caller(void *arg) {
  (void)arg;
  for (int rep = 0; rep < 200; rep++) {
    Count *c = calloc(1, sizeof *c);
    rt_par_run(count_task, c, 64);
    for (int t = 0; t < 64; t++)
      if (atomic_load(&c->hits[t]) != 1) {
        free(c);
        return (void *)1;
      }
    free(c);
  }
  return NULL;
}

static void test_concurrent_callers(void **state) {
  (void)state;
  rt_par_set_threads(3);
  pthread_t th[3];
  for (int i = 0; i < 3; i++) assert_int_equal(pthread_create(&th[i], NULL, caller, NULL), 0);
  for (int i = 0; i < 3; i++) {
    void *rc;
    pthread_join(th[i], &rc);
    assert_null(rc);
  }
  rt_par_shutdown();
  Count *c = calloc(1, sizeof *c); /* restarts */
  rt_par_run(count_task, c, 100);
  check_once(c, 100);
  free(c);
  rt_par_set_threads(2);
}

/* rt_par_reduce: partials summed in task order, times alpha, onto dest or over it; rows x cols
 * partials, or transposed (cols x rows) ones. */
static void test_reduce(void **state) {
  (void)state;
  enum { R = 5, C = 3, P = 4, S = 16 };
  double part[P * S], ref[R * C], dest[R * 4];
  for (int trans = 0; trans < 2; trans++)
    for (int beta = 0; beta < 2; beta++) {
      for (int i = 0; i < P * S; i++) part[i] = 0.1 * i + 1.0 / (i + 3);
      for (int i = 0; i < R; i++)
        for (int j = 0; j < C; j++) {
          double s = 0;
          int e = trans ? j * R + i : i * C + j;
          for (int p = 0; p < P; p++) s += part[p * S + e];
          ref[i * C + j] = 2.5 * s + (beta ? 1.0 + i - j : 0);
        }
      for (int i = 0; i < R * 4; i++) dest[i] = 1.0 + i / 4 - i % 4; /* ld 4: column 3 untouched */
      rt_par_reduce(dest, 4, part, S, P, R, C, 2.5, beta, trans);
      for (int i = 0; i < R; i++) {
        for (int j = 0; j < C; j++) assert_true(dest[i * 4 + j] == ref[i * C + j]);
        assert_true(dest[i * 4 + 3] == 1.0 + i - 3);
      }
    }
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_every_task_once), cmocka_unit_test(test_nested),
    cmocka_unit_test(test_concurrent_callers), cmocka_unit_test(test_reduce),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
