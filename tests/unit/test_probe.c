/* test_probe.c — which FMA peak bench_kernels takes its floors against (bench/probe.c): the
 * widest vectors the CPU has. Without AVX-512 a 512-bit figure must never be used, whatever it
 * holds (a 512-bit loop built for an AVX2 CPU spills and once reported 3.7 Gflop/s against 48,
 * putting kernels at "485%" of the peak). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../bench/probe.h"

static void test_avx2_uses_256(void **state) {
  (void)state;
  ProbeLimits l = {
      .threads = {1, 2}, .gflops256 = {48.6, 101.5}, .gflops512 = {3.7, 3.4}, .widest = 256};
  assert_true(probe_peak(&l, 0) == 48.6);
  assert_true(probe_peak(&l, 1) == 101.5);
}

static void test_avx512_uses_512(void **state) {
  (void)state;
  ProbeLimits l = {
      .threads = {1, 2}, .gflops256 = {24.1, 32.0}, .gflops512 = {65.1, 66.1}, .widest = 512};
  assert_true(probe_peak(&l, 0) == 65.1);
  assert_true(probe_peak(&l, 1) == 66.1);
  l.gflops512[1] = 0; /* not measured: the 256-bit figure */
  assert_true(probe_peak(&l, 1) == 32.0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_avx2_uses_256),
      cmocka_unit_test(test_avx512_uses_512),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
