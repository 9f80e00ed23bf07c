/* test_methods.c — the method/option catalogue: lookups, defaults, validation messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rt_methods.h"

static void test_every_method_listed(void **state) {
  (void)state;
  const char *names[] = {"lancbio", "subbio", "ufom", "fom", "itd", "aid_cg", "amigo_gd",
                         "soba", "stocbio", "bsa", "ttsa", "exact"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    const RtMethodSpec *m = rt_method_find(names[i]);
    assert_non_null(m);
    assert_non_null(rt_method_option(m, "outer_steps"));
    assert_non_null(rt_method_option(m, "tol"));
  }
  assert_null(rt_method_find("newton"));
}

static void test_defaults_and_set(void **state) {
  (void)state;
  RtOptions o;
  rt_options_init(&o, rt_method_find("lancbio"));
  assert_int_equal(rt_opt_int(&o, "m_max"), 80);
  assert_true(rt_opt_num(&o, "m_growth") == 1.1);
  assert_null(rt_options_set(&o, "m_max", "10"));
  assert_int_equal(rt_opt_int(&o, "m_max"), 10);
  const char *err = rt_options_set(&o, "m_maxx", "10");
  assert_non_null(err);
  assert_non_null(strstr(err, "unknown option 'm_maxx' for method 'lancbio'"));
  assert_non_null(strstr(err, "m_max"));
  err = rt_options_set(&o, "m_max", "2.5");
  assert_non_null(strstr(err, "must be an integer"));
  err = rt_options_set(&o, "x_step", "-1");
  assert_non_null(strstr(err, "must be at least 0"));
}

static void test_words(void **state) {
  (void)state;
  RtOptions o;
  rt_options_init(&o, rt_method_find("ufom"));
  assert_true(rt_opt_num(&o, "q") == 0.1);
  assert_null(rt_opt_word(&o, "q"));
  assert_string_equal(rt_opt_word(&o, "checkpoint"), "auto");
  assert_null(rt_options_set(&o, "q", "adaptive"));
  assert_string_equal(rt_opt_word(&o, "q"), "adaptive");
  RtOptions copy = o; /* options are plain values: copies stay valid */
  assert_string_equal(rt_opt_word(&copy, "q"), "adaptive");
  assert_null(rt_options_set(&o, "q", "0.5"));
  assert_null(rt_opt_word(&o, "q"));
  assert_non_null(strstr(rt_options_set(&o, "q", "always"), "expected a number or adaptive"));
  assert_non_null(
      strstr(rt_options_set(&o, "checkpoint", "2"), "takes one of: auto|store|sqrt|none"));
  assert_non_null(strstr(rt_options_set(&o, "q", "1.5"), "must be in"));
}

/* The message of setting key=value on a fresh `method`, or NULL. */
static const char *set_err(const char *method, const char *key, const char *value) {
  static RtOptions o;
  rt_options_init(&o, rt_method_find(method));
  return rt_options_set(&o, key, value);
}

/* Each range message names the bound broken, the catalogue's cap BIG included, and the value
 * in its shortest exact form (or as typed, for an integer past 2^53). */
static void test_range_messages(void **state) {
  (void)state;
  assert_string_equal(set_err("lancbio", "x_step", "1e301"),
                      "option 'x_step' must be at most 1e+300, got 1e+301");
  assert_string_equal(set_err("lancbio", "x_step", "-1"),
                      "option 'x_step' must be at least 0, got -1");
  assert_string_equal(set_err("lancbio", "y_step", "1e305"),
                      "option 'y_step' must be at most 1e+300, got 1e+305");
  assert_string_equal(set_err("ufom", "q", "-0.1"), "option 'q' must be in [1e-12, 1], got -0.1");
  assert_string_equal(set_err("lancbio", "m_max", "2.5"),
                      "option 'm_max' must be an integer, got 2.5");
  assert_string_equal(set_err("hjfbio", "delta", "0"), "option 'delta' must be positive, got 0");
  assert_string_equal(set_err("lancbio", "eps", "0"), "option 'eps' must be positive, got 0");
  assert_string_equal(set_err("lancbio", "seed", "9007199254740993"),
                      "option 'seed' must be in [0, 9007199254740991], got 9007199254740993");
  assert_string_equal(set_err("lancbio", "seed", "99999999999999999999999"),
                      "option 'seed' must be in [0, 9007199254740991], "
                      "got 99999999999999999999999");
  assert_null(set_err("lancbio", "seed", "9007199254740991"));
}

static void test_seed_parse(void **state) {
  (void)state;
  uint64_t seed = 0;
  assert_null(rt_seed_parse("--seed", "9007199254740991", &seed));
  assert_true(seed == 9007199254740991ull);
  assert_null(rt_seed_parse("--seed", "0", &seed));
  assert_true(seed == 0);
  const char *bad[] = {"9007199254740992", "9223372036854775807", "9223372036854775808",
                       "18446744073709551616", "-1", "+1", " 1", "1e3", ""};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    seed = 7;
    const char *e = rt_seed_parse("--seed", bad[i], &seed);
    assert_non_null(e);
    char want[160];
    snprintf(want, sizeof want, "--seed expects an integer in [0, 9007199254740991], got '%s'",
             bad[i]);
    assert_string_equal(e, want);
    assert_true(seed == 7);
  }
}

/* Options a method has no use for are refused when set and left out of its lists; an alias
 * pair is listed once, under the method's own name, with the value of either. */
static void test_unused_and_aliases(void **state) {
  (void)state;
  const RtMethodSpec *exact = rt_method_find("exact"), *itd = rt_method_find("itd");
  RtOptions o;
  rt_options_init(&o, exact);
  assert_non_null(strstr(rt_options_set(&o, "y_step", "0.1"),
                         "option 'y_step' is not used by method 'exact'"));
  assert_non_null(strstr(rt_options_set_num(&o, "inner_steps", 3), "is not used"));
  assert_false(rt_options_isset(&o, "y_step"));
  assert_null(strstr(rt_method_option_names(exact), "y_step"));
  assert_null(strstr(rt_method_option_names(exact), "inner_steps"));
  assert_false(rt_method_shows_option(exact, "y_step"));
  assert_true(rt_method_shows_option(exact, "y_tol"));
  assert_false(rt_method_shows_option(itd, "inner_steps"));
  assert_false(rt_method_shows_option(itd, "y_step"));
  assert_true(rt_method_shows_option(itd, "r"));
  assert_true(rt_method_shows_option(rt_method_find("lancbio"), "inner_steps"));

  rt_options_init(&o, itd);
  assert_null(rt_options_set(&o, "inner_steps", "5"));
  const char *keys[2];
  assert_null(rt_options_check(&o, keys));
  rt_options_resolve_aliases(&o);
  assert_int_equal(rt_opt_int(&o, "r"), 5);
  assert_true(rt_options_isset(&o, "r"));
  assert_int_equal(rt_opt_int(&o, "inner_steps"), 5);
  rt_options_init(&o, rt_method_find("ufom")); /* defaults: inner_steps takes r's 10 */
  rt_options_resolve_aliases(&o);
  assert_int_equal(rt_opt_int(&o, "inner_steps"), 10);
  assert_false(rt_options_isset(&o, "r"));
}

/* The rules between options, which the solver, bloc check and the commands all check. */
static void test_option_rules(void **state) {
  (void)state;
  const char *keys[2];
  RtOptions o;
  rt_options_init(&o, rt_method_find("ufom"));
  assert_null(rt_options_set(&o, "inner_steps", "5"));
  assert_null(rt_options_set(&o, "r", "3"));
  assert_string_equal(rt_options_check(&o, keys),
                      "options 'inner_steps' = 5 and 'r' = 3 disagree; for method 'ufom' "
                      "'inner_steps' is an alias of 'r'");
  assert_string_equal(keys[0], "inner_steps");
  assert_string_equal(keys[1], "r");
  rt_options_init(&o, rt_method_find("lancbio"));
  assert_null(rt_options_set(&o, "m0", "100"));
  assert_string_equal(rt_options_check(&o, keys), "option 'm0' = 100 exceeds 'm_max' = 80");
  assert_null(rt_options_set(&o, "m_max", "100"));
  assert_null(rt_options_check(&o, keys));
  rt_options_init(&o, rt_method_find("soba"));
  assert_null(rt_options_check(&o, keys));
  assert_null(rt_options_set(&o, "inner_steps", "3"));
  assert_non_null(strstr(rt_options_check(&o, keys), "inner_steps must be 1"));
  assert_string_equal(keys[0], "inner_steps");
}

/* "did you mean": case and '-' fold away, names from the papers map to bloc's (amigo_cg is
 * aid_cg, which the nearest spelling, amigo_gd, is not), and another method's option names
 * its owners instead of a near misspelling of one of m's. */
static void test_near_names(void **state) {
  (void)state;
  assert_string_equal(rt_method_near("LANCBIO"), "lancbio");
  assert_string_equal(rt_method_near("amigo-gd"), "amigo_gd");
  assert_string_equal(rt_method_near("amigo_cg"), "aid_cg");
  assert_string_equal(rt_method_near("AmIGO-CG"), "aid_cg");
  assert_string_equal(rt_method_near("lancbo"), "lancbio");
  assert_null(rt_method_near("zzzzzzzz"));
  assert_string_equal(rt_option_owners("v_steps"), "amigo_gd");
  assert_string_equal(rt_option_owners("r"), "ufom, fom and itd");
  assert_string_equal(rt_option_owners("no_such_key"), "");
  char buf[160];
  const RtMethodSpec *cg = rt_method_find("aid_cg");
  assert_string_equal(rt_method_option_hint(cg, "v_steps", buf, sizeof buf),
                      "'v_steps' is an option of amigo_gd, not of aid_cg");
  assert_string_equal(rt_method_option_hint(cg, "x_stp", buf, sizeof buf),
                      "did you mean 'x_step'?");
  assert_null(rt_method_option_hint(cg, "x_step", buf, sizeof buf));
  assert_null(rt_method_option_hint(cg, "qqqqqqqqqq", buf, sizeof buf));
  /* an option its table lists unused (exact's y_step) is no owner's */
  assert_null(strstr(rt_option_owners("y_step"), "exact"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_every_method_listed),
    cmocka_unit_test(test_defaults_and_set),
    cmocka_unit_test(test_words),
    cmocka_unit_test(test_range_messages),
    cmocka_unit_test(test_seed_parse),
    cmocka_unit_test(test_unused_and_aliases),
    cmocka_unit_test(test_option_rules),
    cmocka_unit_test(test_near_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
