/* test_emit_c.c — the C emitter's pieces in process (tests/e2e/emit_c.sh builds and runs whole
 * solvers): constants read back exactly, prefixes, the runtime amalgamation's table, and
 * graceful failure — a plan step kind, item kind or expression op the emitter does not know
 * (a planner newer than the emitter) is an internal error naming it, and nothing is written. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiled.h" /* looks inside the compiled problem */
#include "emit_c/emit_c_int.h"
#include "rt_rng.h"

static void test_numbers_round_trip(void **state) {
  (void)state;
  RtRng r;
  rt_rng_seed(&r, 11);
  const double fixed[] = {0,
                          -0.0,
                          1,
                          -1,
                          0.1,
                          1e-5,
                          3,
                          1e300,
                          1e18,
                          0.010000000000000002,
                          -2.5e-308,
                          4.9e-324,
                          123456789012345678.0};
  for (size_t i = 0; i < sizeof fixed / sizeof fixed[0] + 2000; i++) {
    double v;
    if (i < sizeof fixed / sizeof fixed[0]) v = fixed[i];
    else {
      uint64_t bits = rt_rng_next(&r);
      memcpy(&v, &bits, sizeof v);
      if (!isfinite(v)) continue;
    }
    char buf[48], lit[48];
    const char *s = emit_num(v, buf);
    /* a floating literal (never an integer one), negative ones parenthesised */
    snprintf(lit, sizeof lit, "%s", s[0] == '(' ? s + 1 : s);
    if (s[0] == '(') lit[strlen(lit) - 1] = '\0';
    assert_non_null(strpbrk(lit, ".e"));
    double back = strtod(lit, NULL);
    assert_memory_equal(&back, &v, sizeof v);
  }
  char buf[48];
  assert_string_equal(emit_num(INFINITY, buf), "INFINITY");
  assert_string_equal(emit_num(-INFINITY, buf), "(-INFINITY)");
  assert_string_equal(emit_num(NAN, buf), "NAN");
  assert_string_equal(emit_num(0.5, buf), "0.5");
  assert_string_equal(emit_num(-2, buf), "(-2.0)");
}

static void test_prefixes(void **state) {
  (void)state;
  assert_true(emit_valid_prefix("solver"));
  assert_true(emit_valid_prefix("My_solver2"));
  assert_false(emit_valid_prefix(""));
  assert_false(emit_valid_prefix("2fast"));
  assert_false(emit_valid_prefix("_hidden"));
  assert_false(emit_valid_prefix("with-dash"));
  assert_false(emit_valid_prefix("rt"));
  assert_false(emit_valid_prefix("blo"));
  assert_false(emit_valid_prefix("abcdefghijabcdefghijabcdefghijabcdefghijX")); /* 41 */
  char buf[64];
  emit_default_prefix("hyperclean", buf, sizeof buf);
  assert_string_equal(buf, "hyperclean");
  emit_default_prefix("my-problem.v2", buf, sizeof buf);
  assert_string_equal(buf, "my_problem_v2");
  emit_default_prefix("3d", buf, sizeof buf);
  assert_string_equal(buf, "blo3d");
  emit_default_prefix("rt", buf, sizeof buf);
  assert_string_equal(buf, "rt_solver");
}

/* The amalgamation holds the runtime's sources once each, rt_api.h first, then the templates. */
static void test_runtime_table(void **state) {
  (void)state;
  int api = -1, solver = -1, lancbio = -1, run = -1, main_t = -1;
  for (int i = 0; i < emit_rt_nfiles; i++) {
    const char *n = emit_rt_files[i].name;
    if (!strcmp(n, "rt_api.h")) api = i;
    if (!strcmp(n, "rt_solver.c")) solver = i;
    if (!strcmp(n, "rt_lancbio.c")) lancbio = i;
    if (!strcmp(n, "rt_run.c")) run = i;
    if (!strcmp(n, "emit_c_main.c.in")) main_t = i;
    for (int j = 0; j < i; j++) assert_string_not_equal(n, emit_rt_files[j].name);
    /* local includes are commented out: everything is in the one file */
    for (const char *const *l = emit_rt_files[i].lines; *l; l++)
      assert_true(strncmp(*l, "#include \"", 10) != 0);
  }
  assert_int_equal(api, 0);
  assert_true(lancbio >= 0 && solver >= 0);
  assert_true(run >= 0 && main_t > run);
}

/* ---- graceful failure on plans the emitter does not know */

static BloCompiled *compile(const char *text) {
  char path[] = "/tmp/test_emit_cXXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  FILE *f = fdopen(fd, "w");
  fputs(text, f);
  fclose(f);
  BloCompileOptions opt = {0};
  opt.backend = BLO_BACKEND_INTERP;
  BloCompiled *c = NULL;
  int rc = blo_compile_file(path, &opt, &c);
  remove(path);
  assert_int_equal(rc, 0);
  return c;
}

static const char *prog =
    "data A : matrix[4, 3] = uniform(-1, 1)\n"
    "upper x : vector[3] = 0\n"
    "lower y : vector[4] = 0\n"
    "upper objective f = 0.5 * sumsq(y - 1) + sumsq(x)\n"
    "lower objective g = 0.5 * sumsq(y - A @ x) + 0.1 * sum(exp(y))\n"
    "solve lancbio\n";

/* Emit c's kernels after `mutate` changed its plan; returns the failure code, message in err. */
static int emit_mutated(BloCompiled *c, void (*mutate)(SchedPlan *), char *err, size_t errlen) {
  Emit e;
  memset(&e, 0, sizeof e);
  e.c = c;
  e.p = c->ir;
  e.err = err;
  e.errlen = errlen;
  arena_init(&e.arena);
  assert_int_equal(sched_problem(c->ir, &EMIT_SCHED_OPTIONS, &e.arena, &e.plan, err, errlen), 0);
  mutate(&e.plan);
  EmitBuf out = {0};
  emit_kernels(&e, &out);
  emit_buf_free(&out);
  arena_free(&e.arena);
  return e.failed;
}

static void new_step_kind(SchedPlan *p) {
  p->kernels[BLO_K_GRAD_Y_G].steps[0].kind = (SchedStepKind)99;
}

static void new_item_kind(SchedPlan *p) {
  SchedKernel *k = &p->kernels[BLO_K_GRAD_Y_G];
  for (int i = 0; i < k->nsteps; i++)
    if (k->steps[i].kind == SS_LOOP && k->steps[i].nitems > 0) {
      k->steps[i].items[0].kind = (SchedItemKind)77;
      return;
    }
  fail_msg("no loop step");
}

static void new_op(SchedPlan *p) {
  SchedKernel *k = &p->kernels[BLO_K_GRAD_Y_G];
  for (int i = 0; i < k->nsteps; i++)
    if (k->steps[i].kind == SS_LOOP && k->steps[i].nitems > 0) {
      k->steps[i].items[0].expr->op = (int)IR_OP_COUNT + 5;
      return;
    }
  fail_msg("no loop step");
}

static void unchanged(SchedPlan *p) { (void)p; }

static void test_unknown_plans_fail(void **state) {
  (void)state;
  BloCompiled *c = compile(prog);
  char err[512];
  assert_int_equal(emit_mutated(c, unchanged, err, sizeof err), 0);
  assert_int_equal(emit_mutated(c, new_step_kind, err, sizeof err), -1);
  assert_non_null(strstr(
      err, "internal error: kernel 'grad_y_g': execution plan step kind 99 is not supported"));
  assert_int_equal(emit_mutated(c, new_item_kind, err, sizeof err), -1);
  assert_non_null(strstr(err, "item kind 77"));
  assert_int_equal(emit_mutated(c, new_op, err, sizeof err), -1);
  assert_non_null(strstr(err, "unknown plan expression op"));
  blo_compiled_free(c);
}

/* emit_c writes nothing when it fails, and the whole file when it succeeds. */
static void test_nothing_written_on_failure(void **state) {
  (void)state;
  BloCompiled *c = compile(prog);
  RtOptions opt;
  rt_options_init(&opt, rt_method_find("lancbio"));
  EmitCOptions eo = {
      .prefix = "bad-prefix", .opt = &opt, .command = "bloc emit-c test", .version = "test"};
  char err[512];
  FILE *f = tmpfile();
  assert_int_equal(emit_c(c, &eo, f, err, sizeof err), 1);
  assert_non_null(strstr(err, "'bad-prefix' is not a usable prefix"));
  assert_int_equal(ftell(f), 0);
  /* --embed-data above its limit: a user error, nothing written */
  eo.prefix = "ok";
  eo.embed_data = true;
  eo.embed_limit = 64;
  assert_int_equal(emit_c(c, &eo, f, err, sizeof err), 1);
  assert_non_null(strstr(err, "--embed-data: the data the solver needs"));
  assert_int_equal(ftell(f), 0);
  eo.embed_limit = 0;
  assert_int_equal(emit_c(c, &eo, f, err, sizeof err), 0);
  assert_true(ftell(f) > 100000);
  fclose(f);
  blo_compiled_free(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_numbers_round_trip), cmocka_unit_test(test_prefixes),
    cmocka_unit_test(test_runtime_table),     cmocka_unit_test(test_unknown_plans_fail),
    cmocka_unit_test(test_nothing_written_on_failure),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
